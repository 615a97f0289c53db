/*  zorg_plan - the one plan per gezin, its regisseur, transfers and
    escalations. */
#include "zorg_plan.h"
#include "zorg_gezin.h"
#include "zorg_monitor.h"

#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#define S_OVERDUE_MAX 100

static int64_t
s_now_ms (void)
{
    return (int64_t) time (NULL) * 1000;
}

kb_db_rc_t
zorg_plan_broadcast (zorg_ctx_t *ctx, const zorg_plan_row_t *plan, const char *gezin_ref, int basis,
                     const char *transfer_id, const char *previous_regisseur, const char *only_org,
                     const char *correlation_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    zorg_involved_t *inv = calloc (ZORG_INVOLVED_MAX, sizeof *inv);
    if (!inv)
        return KB_DB_FATAL;
    int n = zorg_store_involved (ctx->db, plan->gezin_id, inv, ZORG_INVOLVED_MAX, &rc);
    if (n >= 0)
        rc = zorg_plan_broadcast_to (ctx, plan, gezin_ref, basis, transfer_id, previous_regisseur,
                                     only_org, inv, n, correlation_id);
    free (inv);
    return rc;
}

kb_db_rc_t
zorg_plan_broadcast_to (zorg_ctx_t *ctx, const zorg_plan_row_t *plan, const char *gezin_ref,
                        int basis, const char *transfer_id, const char *previous_regisseur,
                        const char *only_org, const zorg_involved_t *inv, int n,
                        const char *correlation_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    /* the regisseur hears of its own regie even before it signalled */
    zorg_involved_t regisseur = { 0 };
    bool regisseur_too = plan->has_regisseur && !zorg_store_involved_find (inv, n, plan->regisseur_org);
    if (regisseur_too)
        snprintf (regisseur.org_id, sizeof regisseur.org_id, "%s", plan->regisseur_org);
    Ketenbus__V1__RegieAssignment a = KETENBUS__V1__REGIE_ASSIGNMENT__INIT;
    a.plan_ref = (char *) plan->ref;
    a.gezin_ref = (char *) gezin_ref;
    a.regisseur_org = (char *) (plan->has_regisseur ? plan->regisseur_org : "");
    a.regisseur_org_type = (Ketenbus__V1__OrgType) (plan->has_regisseur ? plan->regisseur_org_type : 0);
    a.casemanager_name = (char *) plan->casemanager_name;
    a.casemanager_phone = (char *) plan->casemanager_phone;
    a.basis = (Ketenbus__V1__RegieBasis) basis;
    a.transfer_id = (char *) (transfer_id ? transfer_id : "");
    a.previous_regisseur_org = (char *) (previous_regisseur ? previous_regisseur : "");
    a.assigned_at_ms = s_now_ms ();
    for (int i = 0; i < n + regisseur_too && rc == KB_DB_OK; i++) {
        const zorg_involved_t *to = i < n ? &inv[i] : &regisseur;
        if (only_org && strcmp (only_org, to->org_id) != 0)
            continue;
        a.to_org = (char *) to->org_id;
        a.partner_case_ref = (char *) to->case_ref;
        /* the rule says why this organisation holds regie; to any other it
           would say what another organisation signalled (a rule names
           categories, urgency, housing), which matching never tells */
        bool to_regisseur = plan->has_regisseur && strcmp (to->org_id, plan->regisseur_org) == 0;
        a.rule_name = (char *) (basis == KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_RULE && to_regisseur
                                    ? plan->rule_name
                                    : "");
        kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
        env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT;
        env.regie_assignment = &a;
        rc = zorg_store_send (ctx, to->org_id, &env, correlation_id);
    }
    return rc;
}

static void
s_facts (const Ketenbus__V1__StoredSignal *s, const zorg_involved_t *inv, int n, int youngest,
         zorg_facts_t *f)
{
    memset (f, 0, sizeof *f);
    for (size_t i = 0; i < s->n_categories && f->ncategories < ZORG_RULES_MAX_CATEGORIES; i++)
        f->categories[f->ncategories++] = (int) s->categories[i];
    f->urgency = (int) s->urgency;
    f->youngest_age = youngest;
    f->housing = (int) s->housing;
    f->gebied = s->gebied ? s->gebied : "";
    for (int i = 0; i < n && f->ninvolved < ZORG_RULES_MAX_INVOLVED; i++) {
        bool seen = false;
        for (int j = 0; j < f->ninvolved; j++)
            seen = seen || f->involved_org_types[j] == inv[i].org_type;
        if (!seen)
            f->involved_org_types[f->ninvolved++] = inv[i].org_type;
    }
}

/* Inserts a pending transfer; *inserted false when the id is taken or the
   plan has a pending transfer already. */
static kb_db_rc_t
s_transfer_insert (zorg_ctx_t *ctx, const char *id, long plan_id, const char *from,
                   const char *to, int reason, const char *origin, bool *inserted,
                   int64_t *requested_ms, int64_t *deadline_ms)
{
    char pid[24], rsn[12], secs[16];
    snprintf (pid, sizeof pid, "%ld", plan_id);
    snprintf (rsn, sizeof rsn, "%d", reason);
    snprintf (secs, sizeof secs, "%d", ctx->deadline_s);
    const char *values[7] = { id, pid, from, to, rsn, origin, secs };
    kb_db_rc_t rc;
    PGresult *res = zorg_store_run (ctx->db, "zorg_transfer_insert", 7, values, &rc);
    *inserted = false;
    if (!res)
        return rc;
    if (PQntuples (res) == 1) {
        *inserted = true;
        *requested_ms = atoll (PQgetvalue (res, 0, 0));
        *deadline_ms = atoll (PQgetvalue (res, 0, 1));
    }
    PQclear (res);
    return KB_DB_OK;
}

/* The RegieTransferRequest to the organisation asked (to); copy_to
   non-NULL: the same, addressed by notify_org, to that organisation too,
   which only hears of the proposal. Each with its own case reference. */
static kb_db_rc_t
s_send_transfer_request (zorg_ctx_t *ctx, const char *id, const zorg_plan_row_t *plan,
                         const char *gezin_ref, const char *from, const char *to, int reason,
                         int64_t requested_ms, int64_t deadline_ms, const char *copy_to,
                         const char *correlation_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    zorg_involved_t *inv = calloc (ZORG_INVOLVED_MAX, sizeof *inv);
    if (!inv)
        return KB_DB_FATAL;
    int n = zorg_store_involved (ctx->db, plan->gezin_id, inv, ZORG_INVOLVED_MAX, &rc);
    Ketenbus__V1__RegieTransferRequest r = KETENBUS__V1__REGIE_TRANSFER_REQUEST__INIT;
    r.transfer_id = (char *) id;
    r.plan_ref = (char *) plan->ref;
    r.gezin_ref = (char *) gezin_ref;
    r.from_org = (char *) (from ? from : "");
    r.to_org = (char *) to;
    r.reason = (Ketenbus__V1__RegieTransferReason) reason;
    r.requested_at_ms = requested_ms;
    r.deadline_at_ms = deadline_ms;
    const char *recipients[2] = { to, copy_to };
    for (int i = 0; i < 2 && n >= 0 && rc == KB_DB_OK; i++) {
        if (!recipients[i])
            continue;
        const zorg_involved_t *me = zorg_store_involved_find (inv, n, recipients[i]);
        r.partner_case_ref = (char *) (me ? me->case_ref : "");
        r.notify_org = (char *) (i == 1 ? copy_to : "");
        kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
        env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
        env.regie_transfer_request = &r;
        rc = zorg_store_send (ctx, recipients[i], &env, correlation_id);
    }
    free (inv);
    return rc;
}

/* Both organisations of a pending transfer that ended unanswered hear of it
   (RegieTransferEnded), each with its own case reference: the one asked
   stops considering it, the one that asked knows the ketencoordinator
   decides now. from_org may be empty (none held regie). */
static kb_db_rc_t
s_send_transfer_ended (zorg_ctx_t *ctx, const char *transfer_id, const zorg_plan_row_t *plan,
                       const char *gezin_ref, const char *from_org, const char *to_org,
                       Ketenbus__V1__TransferEnd end, const char *correlation_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    zorg_involved_t *inv = calloc (ZORG_INVOLVED_MAX, sizeof *inv);
    if (!inv)
        return KB_DB_FATAL;
    int n = zorg_store_involved (ctx->db, plan->gezin_id, inv, ZORG_INVOLVED_MAX, &rc);
    const char *recipients[2] = { to_org, from_org };
    for (int i = 0; i < 2 && n >= 0 && rc == KB_DB_OK; i++) {
        if (!recipients[i] || !*recipients[i])
            continue;
        const zorg_involved_t *me = zorg_store_involved_find (inv, n, recipients[i]);
        Ketenbus__V1__RegieTransferEnded e = KETENBUS__V1__REGIE_TRANSFER_ENDED__INIT;
        e.to_org = (char *) recipients[i];
        e.transfer_id = (char *) transfer_id;
        e.plan_ref = (char *) plan->ref;
        e.gezin_ref = (char *) gezin_ref;
        e.partner_case_ref = (char *) (me ? me->case_ref : "");
        e.from_org = (char *) (from_org ? from_org : "");
        e.proposed_org = (char *) to_org;
        e.end = end;
        e.ended_at_ms = s_now_ms ();
        kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
        env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED;
        env.regie_transfer_ended = &e;
        rc = zorg_store_send (ctx, recipients[i], &env, correlation_id);
    }
    free (inv);
    return rc;
}

/* "Hogere regie": an acute signal about a gezin whose regisseur has a lower
   priority than the rule the signal would pick proposes a transfer. */
/* The partner of org_type for the signal's gebied, as the view read it. */
static void
s_resolve (const zorg_gezin_view_t *view, int org_type, char org[ZORG_ORG_MAX + 1], bool *found)
{
    *found = org_type >= 0 && org_type < ZORG_ORG_TYPES && view->partners[org_type].found;
    if (*found)
        snprintf (org, ZORG_ORG_MAX + 1, "%s", view->partners[org_type].org);
}

static kb_db_rc_t
s_hogere_regie (zorg_ctx_t *ctx, const zorg_gezin_view_t *view, const zorg_plan_row_t *plan,
                const char *gezin_ref, const Ketenbus__V1__StoredSignal *s,
                const zorg_decision_t *d, const char *correlation_id)
{
    if (s->urgency != KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG || !plan->has_regisseur
        || d->org_type == plan->regisseur_org_type
        || zorg_rules_priority (ctx->rules, plan->regisseur_org_type) >= d->priority)
        return KB_DB_OK;
    char to[ZORG_ORG_MAX + 1];
    bool found = false;
    s_resolve (view, d->org_type, to, &found);
    if (!found || strcmp (to, plan->regisseur_org) == 0)
        return KB_DB_OK;
    kb_db_rc_t rc;
    char id[KB_UUID_LEN + 1];
    kb_uuid_v4 (id);
    bool inserted = false;
    int64_t requested = 0, deadline = 0;
    rc = s_transfer_insert (ctx, id, plan->id, plan->regisseur_org, to,
                            KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_VEILIGHEID,
                            "hogere_regie", &inserted, &requested, &deadline);
    if (rc != KB_DB_OK || !inserted)
        return rc; /* a transfer is under way already */
    kb_info ("transfer proposed (hogere regie) gezin=\"%.8s\" from_org=\"%s\" to_org=\"%s\"",
             gezin_ref, plan->regisseur_org, to);
    /* the regisseur hears of it now, not first by an answer to a transfer it
       never asked for */
    rc = s_send_transfer_request (ctx, id, plan, gezin_ref, plan->regisseur_org, to,
                                  KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_VEILIGHEID,
                                  requested, deadline, plan->regisseur_org, correlation_id);
    if (rc == KB_DB_OK)
        rc = zorg_store_audit (ctx, NULL, NULL, "transfer.proposed", 'C', gezin_ref, to,
                               "pending");
    return rc;
}

/* Tells client-tracking where a plan's or a POT's trajectory stands
   (ctx->tracking); state_date NULL or "": today. A new trajectory is
   aangemeld on the date of the signal that opened it, so that the plan
   date (on or after it) never lies before it. */
static kb_db_rc_t
s_track (zorg_ctx_t *ctx, const char *trajectory_id, int type, const char *gezin_ref,
         const char *plan_ref, const char *pseudonym, int state, const char *state_date,
         const char *regisseur, int regisseur_type, const zorg_monitor_region_t *region,
         const char *correlation_id)
{
    if (!ctx->tracking)
        return KB_DB_OK;
    char today[11];
    kb_date_today (today);
    Ketenbus__V1__TrajectoryUpdate u = KETENBUS__V1__TRAJECTORY_UPDATE__INIT;
    u.trajectory_id = (char *) trajectory_id;
    u.trajectory_type = (Ketenbus__V1__TrajectoryType) type;
    u.gezin_ref = (char *) (gezin_ref ? gezin_ref : "");
    u.plan_ref = (char *) (plan_ref ? plan_ref : "");
    u.pseudonym = (char *) (pseudonym ? pseudonym : "");
    u.state = (Ketenbus__V1__TrajectoryState) state;
    u.state_date = (char *) (state_date && *state_date ? state_date : today);
    u.regisseur_org = (char *) (regisseur ? regisseur : "");
    u.regisseur_org_type = (Ketenbus__V1__OrgType) (regisseur && *regisseur ? regisseur_type : 0);
    u.gemeente_code = (char *) (region ? region->gemeente_code : "");
    u.gebied = (char *) (region ? region->gebied : "");
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
    env.trajectory_update = &u;
    return zorg_store_track (ctx, trajectory_id, &env, correlation_id);
}

/* The region of the gezin a signal is applied to. */
static void
s_view_region (const zorg_gezin_view_t *view, zorg_monitor_region_t *r)
{
    memset (r, 0, sizeof *r);
    snprintf (r->gezin_ref, sizeof r->gezin_ref, "%s", view->gezin_ref);
    snprintf (r->gemeente_code, sizeof r->gemeente_code, "%s", view->gemeente_code);
    snprintf (r->gebied, sizeof r->gebied, "%s", view->gebied);
    snprintf (r->first_signal_date, sizeof r->first_signal_date, "%s", view->first_signal_date);
}

/* SIGNAL_RECEIVED for every stored signal, MATCH_NOTIFIED when it is the
   first signal of a second (or further) organisation about the gezin —
   also of a regisseur that was involved, without a signal, before. */
static kb_db_rc_t
s_monitor_signal (zorg_ctx_t *ctx, const zorg_gezin_view_t *view,
                  const zorg_monitor_region_t *r, const Ketenbus__V1__StoredSignal *s,
                  const char *correlation_id)
{
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SIGNAL_RECEIVED;
    ev.item_ref = s->signal_ref;
    ev.gezin_ref = (char *) r->gezin_ref;
    ev.person_pseudonym = s->subject_pseudonym;
    ev.org = s->sender_org;
    ev.org_type = s->sender_org_type;
    int32_t born, on;
    if (s->subject_birth_date && kb_validate_date (s->subject_birth_date, &born)
        && s->signal_date && kb_validate_date (s->signal_date, &on) && kb_age_years (born, on) >= 0)
        ev.age_years = (uint32_t) kb_age_years (born, on);
    ev.n_categories = s->n_categories;
    ev.categories = s->categories;
    ev.urgency = s->urgency;
    ev.event_date = s->signal_date;
    kb_db_rc_t rc = zorg_monitor_emit (ctx, &ev, r, correlation_id);
    if (rc != KB_DB_OK || !view->first_signal || view->n < 2)
        return rc;
    Ketenbus__V1__MonitoringEvent m = KETENBUS__V1__MONITORING_EVENT__INIT;
    m.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_MATCH_NOTIFIED;
    m.gezin_ref = (char *) r->gezin_ref;
    m.org = s->sender_org;
    m.org_type = s->sender_org_type;
    m.event_date = s->signal_date;
    return zorg_monitor_emit (ctx, &m, r, correlation_id);
}

/* REGIE_ASSIGNED: the plan's regisseur, counted from the gezin's first
   signal to event_date (NULL: today, a decision). */
static kb_db_rc_t
s_monitor_regie (zorg_ctx_t *ctx, const zorg_plan_row_t *plan, const zorg_monitor_region_t *r,
                 const char *event_date, const char *correlation_id)
{
    char today[11];
    kb_date_today (today);
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_REGIE_ASSIGNED;
    ev.gezin_ref = (char *) r->gezin_ref;
    ev.plan_ref = (char *) plan->ref;
    ev.org = (char *) plan->regisseur_org;
    ev.org_type = (Ketenbus__V1__OrgType) plan->regisseur_org_type;
    ev.start_date = (char *) r->first_signal_date;
    ev.event_date = (char *) (event_date && *event_date ? event_date : today);
    ev.duration_days = kb_date_days_between (ev.start_date, ev.event_date);
    return zorg_monitor_emit (ctx, &ev, r, correlation_id);
}

/* The trajectory of the gezin's plan gets its new regisseur (in the state
   zorgtoewijzing knows; client-tracking keeps a later one). */
static kb_db_rc_t
s_track_regisseur (zorg_ctx_t *ctx, const zorg_plan_row_t *plan, const zorg_monitor_region_t *r,
                   const char *correlation_id)
{
    int state = plan->plan_version >= 1
                    ? KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_PLAN_VASTGESTELD
                    : KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD;
    return s_track (ctx, plan->ref, KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_GEZINSPLAN,
                    r->gezin_ref, plan->ref, NULL, state, NULL, plan->regisseur_org,
                    plan->regisseur_org_type, r, correlation_id);
}

/* A transfer was accepted: REGIE_TRANSFERRED and the new regisseur to
   client-tracking. */
static kb_db_rc_t
s_monitor_transferred (zorg_ctx_t *ctx, const zorg_plan_row_t *plan, const char *transfer_id,
                       const char *requested_date, const char *correlation_id)
{
    zorg_monitor_region_t r;
    bool found = false;
    kb_db_rc_t rc = zorg_monitor_gezin (ctx->db, plan->gezin_id, &r, &found);
    if (rc != KB_DB_OK)
        return rc;
    char today[11];
    kb_date_today (today);
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_REGIE_TRANSFERRED;
    ev.item_ref = (char *) transfer_id;
    ev.gezin_ref = r.gezin_ref;
    ev.plan_ref = (char *) plan->ref;
    ev.org = (char *) plan->regisseur_org;
    ev.org_type = (Ketenbus__V1__OrgType) plan->regisseur_org_type;
    ev.start_date = (char *) requested_date;
    ev.event_date = today;
    ev.duration_days = kb_date_days_between (requested_date, today);
    rc = zorg_monitor_emit (ctx, &ev, &r, correlation_id);
    if (rc == KB_DB_OK)
        rc = s_track_regisseur (ctx, plan, &r, correlation_id);
    return rc;
}

/* The ketencoordinator decided an escalation: REGIE_ASSIGNED (the day of
   the decision), ESCALATION_RESOLVED and the regisseur to client-tracking. */
static kb_db_rc_t
s_monitor_decided (zorg_ctx_t *ctx, const zorg_plan_row_t *plan, const char *escalation_id)
{
    zorg_monitor_region_t r;
    bool found = false;
    kb_db_rc_t rc = zorg_monitor_gezin (ctx->db, plan->gezin_id, &r, &found);
    if (rc == KB_DB_OK)
        rc = s_monitor_regie (ctx, plan, &r, NULL, escalation_id);
    if (rc == KB_DB_OK)
        rc = zorg_monitor_escalation (ctx, escalation_id, true, escalation_id);
    if (rc == KB_DB_OK)
        rc = s_track_regisseur (ctx, plan, &r, escalation_id);
    return rc;
}

void
zorg_plan_pot_trajectory_id (const char *pseudonym, char out[ZORG_POT_ID_LEN + 1])
{
    uint8_t h[16];
    crypto_generichash (h, sizeof h, (const uint8_t *) pseudonym, strlen (pseudonym),
                        (const uint8_t *) "ketenbus.pot.v1", 15);
    memcpy (out, "pot-", 4);
    sodium_bin2hex (out + 4, 33, h, sizeof h);
}

static kb_db_rc_t
s_new_plan (zorg_ctx_t *ctx, const zorg_gezin_view_t *view, const zorg_decision_t *d,
            zorg_plan_row_t *plan, const char *signal_date, const char *correlation_id)
{
    long gezin_id = view->gezin_id;
    const char *gezin_ref = view->gezin_ref;
    const zorg_involved_t *inv = view->inv;
    int n = view->n;
    memset (plan, 0, sizeof *plan);
    plan->gezin_id = gezin_id;
    kb_uuid_v4 (plan->ref);
    snprintf (plan->status, sizeof plan->status, "active");
    snprintf (plan->rule_name, sizeof plan->rule_name, "%s", d->rule_name);
    kb_db_rc_t rc = KB_DB_OK;
    s_resolve (view, d->org_type, plan->regisseur_org, &plan->has_regisseur);
    if (plan->has_regisseur) {
        plan->regisseur_org_type = d->org_type;
        plan->basis = KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_RULE;
        const zorg_involved_t *me = zorg_store_involved_find (inv, n, plan->regisseur_org);
        if (me) {
            snprintf (plan->casemanager_name, sizeof plan->casemanager_name, "%s", me->contact_name);
            snprintf (plan->casemanager_phone, sizeof plan->casemanager_phone, "%s", me->contact_phone);
        }
    }
    else
        plan->basis = KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_ESCALATION_PENDING;
    char gid[24], type[12], basis[12];
    snprintf (gid, sizeof gid, "%ld", gezin_id);
    snprintf (type, sizeof type, "%d", plan->regisseur_org_type);
    snprintf (basis, sizeof basis, "%d", plan->basis);
    const char *values[8] = { plan->ref, gid, plan->has_regisseur ? plan->regisseur_org : NULL,
                              type, plan->casemanager_name, plan->casemanager_phone, basis,
                              plan->rule_name };
    PGresult *res = zorg_store_run (ctx->db, "zorg_plan_insert", 8, values, &rc);
    if (!res)
        return rc;
    bool inserted = PQntuples (res) == 1;
    if (inserted)
        plan->id = atol (PQgetvalue (res, 0, 0));
    PQclear (res);
    if (!inserted) {
        /* another writer created the gezin's plan meanwhile: the index
           held; apply again and join that plan */
        kb_warning ("concurrent plan for gezin=\"%.8s\", retrying", gezin_ref);
        return KB_DB_RETRY;
    }
    kb_info ("plan created gezin=\"%.8s\" plan=\"%.8s\" rule=\"%s\" regisseur=\"%s\"", gezin_ref,
             plan->ref, plan->rule_name, plan->has_regisseur ? plan->regisseur_org : "");
    if ((rc = zorg_store_audit (ctx, NULL, NULL, "plan.created", 'C', gezin_ref, d->rule_name,
                                "active"))
        != KB_DB_OK)
        return rc;
    if (plan->has_regisseur)
        rc = zorg_store_audit (ctx, NULL, NULL, "regie.assigned", 'U', gezin_ref,
                               plan->regisseur_org, "rule");
    else {
        kb_warning ("no regisseur available org_type=%d gezin=\"%.8s\"", d->org_type, gezin_ref);
        char esc[KB_UUID_LEN + 1];
        rc = zorg_store_escalation_open (ctx, "no_regisseur_available", gezin_id, gezin_ref,
                                         plan->id, 0, NULL, esc);
    }
    if (rc == KB_DB_OK)
        rc = zorg_plan_broadcast_to (ctx, plan, gezin_ref, plan->basis, NULL, NULL, NULL, inv, n,
                                     correlation_id);
    /* a regisseur the rules chose is involved from now on; it and the
       sender meet (the caller's match works on inv, which lacks it) */
    if (rc == KB_DB_OK)
        rc = zorg_gezin_involve_regisseur (ctx, plan, gezin_ref, correlation_id);
    zorg_monitor_region_t region;
    s_view_region (view, &region);
    if (rc == KB_DB_OK)
        rc = s_track (ctx, plan->ref, KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_GEZINSPLAN,
                      gezin_ref, plan->ref, NULL,
                      KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD, signal_date,
                      plan->has_regisseur ? plan->regisseur_org : NULL, plan->regisseur_org_type,
                      &region, correlation_id);
    if (rc == KB_DB_OK && plan->has_regisseur)
        rc = s_monitor_regie (ctx, plan, &region, signal_date, correlation_id);
    return rc;
}

/* The plan's casemanager changed (the plan row written): the involved
   organisations hear it (a RegieAssignment with the plan as it is now;
   when the rules chose the regisseur, this is the first contact they get)
   and the regisseur's involvement row, which later matches show, takes it
   when it has no signal of its own (whose contact it keeps). */
static kb_db_rc_t
s_casemanager_tell (zorg_ctx_t *ctx, const zorg_plan_row_t *plan, const char *gezin_ref,
                    const char *correlation_id)
{
    char gid[24];
    snprintf (gid, sizeof gid, "%ld", plan->gezin_id);
    const char *v[4] = { gid, plan->regisseur_org, plan->casemanager_name,
                         plan->casemanager_phone };
    kb_db_rc_t rc = kb_db_run_cmd (ctx->db, "zorg_involvement_regisseur_contact", 4, v, NULL, NULL);
    if (rc == KB_DB_OK)
        rc = zorg_plan_broadcast (ctx, plan, gezin_ref, plan->basis, NULL, NULL, NULL,
                                  correlation_id);
    return rc;
}

/* A regisseur chosen before it gave a contact (by the rules, a transfer
   answered without one, the ketencoordinator) signals with one: the plan,
   which has no casemanager at all, takes that contact. */
static kb_db_rc_t
s_casemanager_from_signal (zorg_ctx_t *ctx, zorg_plan_row_t *plan, const char *gezin_ref,
                           const Ketenbus__V1__StoredSignal *s, const char *correlation_id)
{
    bool name = s->contact_name && *s->contact_name;
    bool phone = s->contact_phone && *s->contact_phone;
    if (plan->casemanager_name[0] || plan->casemanager_phone[0] || (!name && !phone))
        return KB_DB_OK;
    snprintf (plan->casemanager_name, sizeof plan->casemanager_name, "%s",
              name ? s->contact_name : "");
    snprintf (plan->casemanager_phone, sizeof plan->casemanager_phone, "%s",
              phone ? s->contact_phone : "");
    kb_db_rc_t rc = zorg_store_plan_set_regisseur (ctx->db, plan);
    if (rc == KB_DB_OK) {
        kb_info ("casemanager taken from signal gezin=\"%.8s\" plan=\"%.8s\" regisseur=\"%s\"",
                 gezin_ref, plan->ref, plan->regisseur_org);
        rc = zorg_store_audit (ctx, plan->regisseur_org, NULL, "plan.casemanager_set", 'U',
                               gezin_ref, "signal", "applied");
    }
    if (rc == KB_DB_OK)
        rc = s_casemanager_tell (ctx, plan, gezin_ref, correlation_id);
    return rc;
}

kb_db_rc_t
zorg_plan_on_signal (zorg_ctx_t *ctx, zorg_gezin_view_t *view, const Ketenbus__V1__StoredSignal *s,
                     bool new_involvement, const char *correlation_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    long gezin_id = view->gezin_id;
    const char *gezin_ref = view->gezin_ref;
    const zorg_involved_t *inv = view->inv;
    int n = view->n;
    char gid[24];
    snprintf (gid, sizeof gid, "%ld", gezin_id);
    PGresult *res = NULL;
    zorg_facts_t facts;
    zorg_decision_t d;
    s_facts (s, inv, n, view->youngest_age, &facts);
    zorg_rules_decide (ctx->rules, &facts, &d);
    zorg_monitor_region_t region;
    s_view_region (view, &region);
    rc = s_monitor_signal (ctx, view, &region, s, correlation_id);
    if (rc != KB_DB_OK)
        return rc;

    zorg_plan_row_t plan = view->plan;
    bool has_plan = view->has_plan;
    if (!has_plan)
        rc = s_new_plan (ctx, view, &d, &plan, s->signal_date, correlation_id);
    else {
        /* one plan, one regisseur: a newcomer learns who holds regie, the
           regisseur learns of the newcomer through the match */
        bool from_regisseur = plan.has_regisseur && strcmp (plan.regisseur_org, s->sender_org) == 0;
        /* a regisseur not involved yet (a plan from before regisseurs were
           registered as involved) is registered now and meets everyone,
           the sender included; inv lacks it, so it hears of this signal
           once, by that match */
        if (plan.has_regisseur && !zorg_store_involved_find (inv, n, plan.regisseur_org))
            rc = zorg_gezin_involve_regisseur (ctx, &plan, gezin_ref, correlation_id);
        if (rc == KB_DB_OK && from_regisseur)
            rc = s_casemanager_from_signal (ctx, &plan, gezin_ref, s, correlation_id);
        if (rc == KB_DB_OK && new_involvement && !from_regisseur)
            rc = zorg_plan_broadcast_to (ctx, &plan, gezin_ref, plan.basis, NULL, NULL, s->sender_org,
                                         inv, n, correlation_id);
        else if (rc == KB_DB_OK && !new_involvement && !from_regisseur && plan.has_regisseur) {
            /* no second plan or regisseur: the regisseur hears of the new signal */
            const zorg_involved_t *reg = NULL, *snd = NULL;
            for (int i = 0; i < n; i++) {
                if (strcmp (inv[i].org_id, plan.regisseur_org) == 0)
                    reg = &inv[i];
                if (strcmp (inv[i].org_id, s->sender_org) == 0)
                    snd = &inv[i];
            }
            if (reg && snd)
                rc = zorg_gezin_signalled_again (ctx, gezin_ref, reg, snd, correlation_id);
        }
        if (rc == KB_DB_OK)
            rc = s_hogere_regie (ctx, view, &plan, gezin_ref, s, &d, correlation_id);
    }
    /* the rule alone decides: the rules file says who counts as homeless
       (by default housing dakloos, or category dakloosheid or zwerfjongere) */
    if (rc == KB_DB_OK && d.open_pot) {
        char pid[24];
        snprintf (pid, sizeof pid, "%ld", plan.id);
        const char *pv[5] = { s->subject_pseudonym, gid, pid,
                              plan.has_regisseur ? plan.regisseur_org : NULL, s->signal_ref };
        res = zorg_store_run (ctx->db, "zorg_pot_insert", 5, pv, &rc);
        if (!res)
            goto done;
        bool opened = PQntuples (res) == 1;
        PQclear (res);
        if (opened) {
            kb_info ("pot opened subject=\"%.8s\" gezin=\"%.8s\"", s->subject_pseudonym, gezin_ref);
            rc = zorg_store_audit (ctx, NULL, NULL, "pot.opened", 'C', s->subject_pseudonym,
                                   d.rule_name, "opened");
            char pot_id[ZORG_POT_ID_LEN + 1];
            zorg_plan_pot_trajectory_id (s->subject_pseudonym, pot_id);
            if (rc == KB_DB_OK)
                rc = s_track (ctx, pot_id, KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_POT,
                              gezin_ref, plan.ref, s->subject_pseudonym,
                              KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD, s->signal_date,
                              plan.has_regisseur ? plan.regisseur_org : NULL,
                              plan.regisseur_org_type, &region, correlation_id);
        }
    }
    /* the newcomer and the organisations already involved meet */
    if (rc == KB_DB_OK && new_involvement)
        rc = zorg_gezin_match_with (ctx, gezin_ref, s->sender_org, inv, n,
                                    plan.has_regisseur ? plan.regisseur_org : "", correlation_id);
done:
    return rc;
}

static void
s_refuse (const char **refusal, const char *why)
{
    if (refusal)
        *refusal = why;
}

kb_db_rc_t
zorg_plan_transfer_request (zorg_ctx_t *ctx, const Ketenbus__V1__RegieTransferRequest *req,
                            const char *correlation_id, const char **refusal)
{
    zorg_plan_row_t plan;
    bool found = false;
    int to_type = 0;
    bool to_found = false;
    kb_db_rc_t rc = zorg_store_plan_by_ref (ctx->db, req->plan_ref, &plan, &found);
    if (rc != KB_DB_OK)
        return rc;
    if (!req->transfer_id || !kb_link_id_valid (req->transfer_id)) {
        s_refuse (refusal, "transfer_id_invalid");
        return KB_DB_OK;
    }
    if (!found || strcmp (plan.status, "active") != 0) {
        s_refuse (refusal, "plan_unknown");
        return KB_DB_OK;
    }
    if (!plan.has_regisseur || !req->from_org || strcmp (plan.regisseur_org, req->from_org) != 0) {
        s_refuse (refusal, "not_regisseur");
        return KB_DB_OK;
    }
    if ((rc = zorg_store_partner_type (ctx->db, req->to_org, &to_type, &to_found)) != KB_DB_OK)
        return rc;
    if (!to_found || strcmp (req->to_org, req->from_org) == 0) {
        s_refuse (refusal, "recipient_unknown");
        return KB_DB_OK;
    }
    char gezin_ref[KB_UUID_LEN + 1];
    if ((rc = zorg_store_gezin_ref (ctx->db, plan.gezin_id, gezin_ref)) != KB_DB_OK)
        return rc;
    bool inserted = false;
    int64_t requested = 0, deadline = 0;
    rc = s_transfer_insert (ctx, req->transfer_id, plan.id, req->from_org, req->to_org,
                            (int) req->reason, "request", &inserted, &requested, &deadline);
    if (rc != KB_DB_OK)
        return rc;
    if (!inserted) {
        s_refuse (refusal, "transfer_pending");
        return KB_DB_OK;
    }
    kb_info ("transfer requested gezin=\"%.8s\" from_org=\"%s\" to_org=\"%s\"", gezin_ref,
             req->from_org, req->to_org);
    rc = s_send_transfer_request (ctx, req->transfer_id, &plan, gezin_ref, req->from_org,
                                  req->to_org, (int) req->reason, requested, deadline, NULL,
                                  correlation_id);
    if (rc == KB_DB_OK)
        rc = zorg_store_audit (ctx, req->from_org, NULL, "transfer.requested", 'C', gezin_ref,
                               req->to_org, "pending");
    return rc;
}

/* The response goes on to the organisation that holds regie. */
static kb_db_rc_t
s_forward_response (zorg_ctx_t *ctx, const Ketenbus__V1__RegieTransferResponse *resp,
                    const zorg_plan_row_t *plan, const char *gezin_ref, const char *from_org,
                    const char *correlation_id)
{
    if (!from_org || !*from_org)
        return KB_DB_OK;
    kb_db_rc_t rc = KB_DB_OK;
    zorg_involved_t *inv = calloc (ZORG_INVOLVED_MAX, sizeof *inv);
    if (!inv)
        return KB_DB_FATAL;
    int n = zorg_store_involved (ctx->db, plan->gezin_id, inv, ZORG_INVOLVED_MAX, &rc);
    if (n >= 0) {
        const zorg_involved_t *me = zorg_store_involved_find (inv, n, from_org);
        Ketenbus__V1__RegieTransferResponse r = *resp;
        r.plan_ref = (char *) plan->ref;
        r.gezin_ref = (char *) gezin_ref;
        r.partner_case_ref = (char *) (me ? me->case_ref : "");
        r.from_org = (char *) from_org;
        r.responded_at_ms = s_now_ms ();
        kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
        env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE;
        env.regie_transfer_response = &r;
        rc = zorg_store_send (ctx, from_org, &env, correlation_id);
    }
    free (inv);
    return rc;
}

kb_db_rc_t
zorg_plan_transfer_response (zorg_ctx_t *ctx, const Ketenbus__V1__RegieTransferResponse *resp,
                             const char *correlation_id, const char **refusal)
{
    const char *values[1] = { resp->transfer_id ? resp->transfer_id : "" };
    kb_db_rc_t rc;
    PGresult *res = zorg_store_run (ctx->db, "zorg_transfer_get", 1, values, &rc);
    if (!res)
        return rc;
    if (PQntuples (res) != 1) {
        PQclear (res);
        s_refuse (refusal, "transfer_unknown");
        return KB_DB_OK;
    }
    long plan_id = atol (PQgetvalue (res, 0, 0));
    char from_org[ZORG_ORG_MAX + 1], to_org[ZORG_ORG_MAX + 1], status[16];
    snprintf (from_org, sizeof from_org, "%s", PQgetvalue (res, 0, 1));
    snprintf (to_org, sizeof to_org, "%s", PQgetvalue (res, 0, 2));
    snprintf (status, sizeof status, "%s", PQgetvalue (res, 0, 3));
    char requested_date[11];
    snprintf (requested_date, sizeof requested_date, "%s", PQgetvalue (res, 0, 6));
    PQclear (res);
    if (strcmp (status, "pending") != 0) {
        s_refuse (refusal, "transfer_not_pending");
        return KB_DB_OK;
    }
    if (!resp->to_org || strcmp (resp->to_org, to_org) != 0) {
        s_refuse (refusal, "not_addressee");
        return KB_DB_OK;
    }
    zorg_plan_row_t plan;
    bool found = false;
    if ((rc = zorg_store_plan_by_id (ctx->db, plan_id, &plan, &found)) != KB_DB_OK)
        return rc;
    if (!found || strcmp (plan.status, "active") != 0) {
        s_refuse (refusal, "plan_not_active");
        return KB_DB_OK;
    }
    char gezin_ref[KB_UUID_LEN + 1];
    if ((rc = zorg_store_gezin_ref (ctx->db, plan.gezin_id, gezin_ref)) != KB_DB_OK)
        return rc;
    char reject[12];
    snprintf (reject, sizeof reject, "%d", (int) resp->reject_reason);
    if (resp->decision == KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED) {
        const char *dv[3] = { resp->transfer_id, "accepted", "0" };
        if ((rc = kb_db_run_cmd (ctx->db, "zorg_transfer_decide", 3, dv, NULL, NULL)) != KB_DB_OK)
            return rc;
        int type = 0;
        bool active = false;
        if ((rc = zorg_store_partner_type (ctx->db, to_org, &type, &active)) != KB_DB_OK)
            return rc;
        char previous[ZORG_ORG_MAX + 1];
        snprintf (previous, sizeof previous, "%s", plan.has_regisseur ? plan.regisseur_org : "");
        plan.has_regisseur = true;
        snprintf (plan.regisseur_org, sizeof plan.regisseur_org, "%s", to_org);
        plan.regisseur_org_type = type;
        snprintf (plan.casemanager_name, sizeof plan.casemanager_name, "%s",
                  resp->casemanager_name ? resp->casemanager_name : "");
        snprintf (plan.casemanager_phone, sizeof plan.casemanager_phone, "%s",
                  resp->casemanager_phone ? resp->casemanager_phone : "");
        plan.basis = KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_TRANSFER;
        plan.rule_name[0] = '\0';
        if ((rc = zorg_store_plan_set_regisseur (ctx->db, &plan)) != KB_DB_OK)
            return rc;
        kb_info ("transfer accepted gezin=\"%.8s\" from_org=\"%s\" to_org=\"%s\"", gezin_ref,
                 previous, to_org);
        if ((rc = zorg_store_audit (ctx, to_org, NULL, "regie.transferred", 'U', gezin_ref,
                                    previous[0] ? previous : NULL, "accepted"))
            != KB_DB_OK)
            return rc;
        rc = zorg_plan_broadcast (ctx, &plan, gezin_ref, plan.basis, resp->transfer_id, previous,
                                  NULL, correlation_id);
        if (rc == KB_DB_OK)
            rc = zorg_gezin_involve_regisseur (ctx, &plan, gezin_ref, correlation_id);
        if (rc == KB_DB_OK)
            rc = s_monitor_transferred (ctx, &plan, resp->transfer_id, requested_date,
                                        correlation_id);
    }
    else if (resp->decision == KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_REJECTED) {
        const char *dv[3] = { resp->transfer_id, "rejected", reject };
        if ((rc = kb_db_run_cmd (ctx->db, "zorg_transfer_decide", 3, dv, NULL, NULL)) != KB_DB_OK)
            return rc;
        kb_info ("transfer rejected gezin=\"%.8s\" to_org=\"%s\" reason=%d", gezin_ref, to_org,
                 (int) resp->reject_reason);
        if ((rc = zorg_store_audit (ctx, to_org, NULL, "transfer.rejected", 'U', gezin_ref,
                                    NULL, "rejected"))
            != KB_DB_OK)
            return rc;
        char esc[KB_UUID_LEN + 1];
        rc = zorg_store_escalation_open (ctx, "transfer_rejected", plan.gezin_id, gezin_ref,
                                         plan.id, 0, resp->transfer_id, esc);
    }
    else {
        s_refuse (refusal, "decision_unspecified");
        return KB_DB_OK;
    }
    if (rc == KB_DB_OK)
        rc = s_forward_response (ctx, resp, &plan, gezin_ref, from_org, correlation_id);
    return rc;
}

kb_db_rc_t
zorg_plan_cancel_transfers (zorg_ctx_t *ctx, long plan_id, const char *gezin_ref,
                            Ketenbus__V1__TransferEnd end, const char *actor_org,
                            const char *actor_user, const char *correlation_id)
{
    char pid[24];
    snprintf (pid, sizeof pid, "%ld", plan_id);
    kb_db_rc_t rc;
    PGresult *res = zorg_store_run (ctx->db, "zorg_transfer_cancel_plan", 1,
                                    (const char *[]){ pid }, &rc);
    if (!res)
        return rc;
    zorg_plan_row_t plan;
    bool found = false;
    if (PQntuples (res) > 0)
        rc = zorg_store_plan_by_id (ctx->db, plan_id, &plan, &found);
    /* a cancellation is a step of the transfer like its request and its
       answer, so it is audited like them ("every step audited") */
    for (int i = 0; i < PQntuples (res) && rc == KB_DB_OK; i++) {
        const char *id = PQgetvalue (res, i, 0), *to = PQgetvalue (res, i, 1);
        kb_info ("transfer cancelled gezin=\"%.8s\" transfer=\"%.8s\" to_org=\"%s\"", gezin_ref, id,
                 to);
        rc = zorg_store_audit (ctx, actor_org, actor_user, "transfer.cancelled", 'U', gezin_ref, to,
                               "cancelled");
        if (rc == KB_DB_OK && found)
            rc = s_send_transfer_ended (ctx, id, &plan, gezin_ref, PQgetvalue (res, i, 2), to, end,
                                        correlation_id);
    }
    PQclear (res);
    return rc;
}

kb_db_rc_t
zorg_plan_close_merged (zorg_ctx_t *ctx, const zorg_plan_row_t *plan, const char *gezin_ref,
                        const char *actor_org, const char *actor_user, const char *correlation_id)
{
    char pid[24], gid[24];
    snprintf (pid, sizeof pid, "%ld", plan->id);
    snprintf (gid, sizeof gid, "%ld", plan->gezin_id);
    const char *status[3] = { pid, "closed", gid };
    kb_db_rc_t rc = kb_db_run_cmd (ctx->db, "zorg_plan_set_status", 3, status, NULL, NULL);
    if (rc == KB_DB_OK)
        rc = zorg_plan_cancel_transfers (ctx, plan->id, gezin_ref,
                                         KETENBUS__V1__TRANSFER_END__TRANSFER_END_PLAN_CLOSED,
                                         actor_org, actor_user, correlation_id);
    if (rc == KB_DB_OK) {
        kb_info ("plan closed gezin=\"%.8s\" plan=\"%.8s\"", gezin_ref, plan->ref);
        rc = zorg_store_audit (ctx, actor_org, actor_user, "plan.closed", 'U', gezin_ref,
                               plan->ref, "closed");
    }
    return rc;
}

kb_db_rc_t
zorg_plan_expire_transfers (zorg_ctx_t *ctx, int max, int *count)
{
    char lim[12];
    snprintf (lim, sizeof lim, "%d", max > 0 ? max : S_OVERDUE_MAX);
    kb_db_rc_t rc;
    *count = 0;
    PGresult *res = zorg_store_run (ctx->db, "zorg_transfer_overdue", 1, (const char *[]){ lim }, &rc);
    if (!res)
        return rc;
    for (int i = 0; i < PQntuples (res) && rc == KB_DB_OK; i++) {
        const char *id = PQgetvalue (res, i, 0);
        PGresult *t = zorg_store_run (ctx->db, "zorg_transfer_get", 1, (const char *[]){ id }, &rc);
        if (!t)
            break;
        long plan_id = PQntuples (t) == 1 ? atol (PQgetvalue (t, 0, 0)) : 0;
        char from_org[ZORG_ORG_MAX + 1] = "", to_org[ZORG_ORG_MAX + 1] = "";
        if (plan_id) {
            snprintf (from_org, sizeof from_org, "%s", PQgetvalue (t, 0, 1));
            snprintf (to_org, sizeof to_org, "%s", PQgetvalue (t, 0, 2));
        }
        PQclear (t);
        const char *dv[3] = { id, "timed_out", "0" };
        if ((rc = kb_db_run_cmd (ctx->db, "zorg_transfer_decide", 3, dv, NULL, NULL)) != KB_DB_OK)
            break;
        zorg_plan_row_t plan;
        bool found = false;
        if ((rc = zorg_store_plan_by_id (ctx->db, plan_id, &plan, &found)) != KB_DB_OK || !found)
            break;
        char gezin_ref[KB_UUID_LEN + 1];
        if ((rc = zorg_store_gezin_ref (ctx->db, plan.gezin_id, gezin_ref)) != KB_DB_OK)
            break;
        kb_info ("transfer timed out gezin=\"%.8s\" transfer=\"%.8s\"", gezin_ref, id);
        if ((rc = zorg_store_audit (ctx, NULL, NULL, "transfer.timed_out", 'U', gezin_ref, NULL,
                                    "timed_out"))
                != KB_DB_OK
            || (rc = s_send_transfer_ended (ctx, id, &plan, gezin_ref, from_org, to_org,
                                            KETENBUS__V1__TRANSFER_END__TRANSFER_END_TIMED_OUT,
                                            NULL))
                   != KB_DB_OK)
            break;
        char esc[KB_UUID_LEN + 1];
        rc = zorg_store_escalation_open (ctx, "transfer_timeout", plan.gezin_id, gezin_ref,
                                         plan.id, 0, id, esc);
        if (rc == KB_DB_OK)
            (*count)++;
    }
    PQclear (res);
    return rc;
}

/* One attempt of the decision in its own transaction. */
static int
s_decide_once (kb_db_t *db, const char *escalation_id, const char *regisseur_org,
               const char *decided_by, char *err, size_t errlen, kb_db_rc_t *rc_out)
{
    /* the events go into zorgtoewijzing's outbox for client-tracking,
       whose sender (in the daemon) picks them up on its next poll */
    zorg_ctx_t ctx = { .db = db, .rules = NULL, .deadline_s = 0, .tracking = true };
    int result = ZORG_ERR_DB;
    kb_db_rc_t rc = kb_db_begin (db);
    if (rc != KB_DB_OK)
        goto done;
    PGresult *res = zorg_store_run (db, "zorg_escalation_get", 1, (const char *[]){ escalation_id }, &rc);
    if (!res)
        goto done;
    if (PQntuples (res) != 1) {
        PQclear (res);
        snprintf (err, errlen, "no open escalation \"%s\"", escalation_id);
        result = ZORG_ERR_NOT_FOUND;
        goto done;
    }
    char kind[32], gezin_ref[KB_UUID_LEN + 1];
    snprintf (kind, sizeof kind, "%s", PQgetvalue (res, 0, 0));
    long gezin_id = atol (PQgetvalue (res, 0, 1));
    long plan_id = atol (PQgetvalue (res, 0, 2));
    long other_id = atol (PQgetvalue (res, 0, 3));
    snprintf (gezin_ref, sizeof gezin_ref, "%s", PQgetvalue (res, 0, 4));
    PQclear (res);
    int type = 0;
    bool active = false;
    if ((rc = zorg_store_partner_type (db, regisseur_org, &type, &active)) != KB_DB_OK)
        goto done;
    if (!active) {
        snprintf (err, errlen, "organisation \"%s\" is not an active partner", regisseur_org);
        result = ZORG_ERR_INVALID;
        goto done;
    }
    if (!kb_org_type_is_care_partner (type)) {
        snprintf (err, errlen, "organisation \"%s\" is a %s, which cannot hold regie",
                  regisseur_org, kb_org_type_name (type));
        result = ZORG_ERR_INVALID;
        goto done;
    }
    zorg_plan_row_t plan;
    bool found = false;
    if (plan_id && (rc = zorg_store_plan_by_id (db, plan_id, &plan, &found)) != KB_DB_OK)
        goto done;
    if (!found || strcmp (plan.status, "active") != 0) {
        if ((rc = zorg_store_plan_active (db, gezin_id, &plan, &found)) != KB_DB_OK)
            goto done;
        if (!found) {
            snprintf (err, errlen, "gezin of escalation \"%s\" has no active plan", escalation_id);
            result = ZORG_ERR_INVALID;
            goto done;
        }
    }
    char previous[ZORG_ORG_MAX + 1];
    snprintf (previous, sizeof previous, "%s", plan.has_regisseur ? plan.regisseur_org : "");
    bool same = plan.has_regisseur && strcmp (plan.regisseur_org, regisseur_org) == 0;
    zorg_involved_t *inv = calloc (ZORG_INVOLVED_MAX, sizeof *inv);
    if (!inv) {
        rc = KB_DB_FATAL;
        goto done;
    }
    int n = zorg_store_involved (db, plan.gezin_id, inv, ZORG_INVOLVED_MAX, &rc);
    const zorg_involved_t *me = n >= 0 ? zorg_store_involved_find (inv, n, regisseur_org) : NULL;
    if (!same) {
        snprintf (plan.casemanager_name, sizeof plan.casemanager_name, "%s", me ? me->contact_name : "");
        snprintf (plan.casemanager_phone, sizeof plan.casemanager_phone, "%s", me ? me->contact_phone : "");
    }
    free (inv);
    if (n < 0)
        goto done;
    plan.has_regisseur = true;
    snprintf (plan.regisseur_org, sizeof plan.regisseur_org, "%s", regisseur_org);
    plan.regisseur_org_type = type;
    plan.basis = KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_ESCALATION_DECISION;
    plan.rule_name[0] = '\0';
    if ((rc = zorg_store_plan_set_regisseur (db, &plan)) != KB_DB_OK)
        goto done;
    if ((rc = zorg_plan_cancel_transfers (
           &ctx, plan.id, gezin_ref, KETENBUS__V1__TRANSFER_END__TRANSFER_END_ESCALATION_DECIDED,
           "ketencoordinator", decided_by, escalation_id))
        != KB_DB_OK)
        goto done;
    if (other_id) {
        zorg_plan_row_t other;
        bool other_found = false;
        if ((rc = zorg_store_plan_by_id (db, other_id, &other, &other_found)) != KB_DB_OK)
            goto done;
        if (other_found && strcmp (other.status, "merge_pending") == 0
            && (rc = zorg_plan_close_merged (&ctx, &other, gezin_ref, "ketencoordinator",
                                             decided_by, escalation_id))
                   != KB_DB_OK)
            goto done;
    }
    const char *ev[3] = { escalation_id, decided_by, regisseur_org };
    if ((rc = kb_db_run_cmd (db, "zorg_escalation_decide", 3, ev, NULL, NULL)) != KB_DB_OK)
        goto done;
    if ((rc = zorg_store_audit (&ctx, "ketencoordinator", decided_by, "escalation.decided", 'U',
                                gezin_ref, kind, "decided"))
            != KB_DB_OK
        || (rc = zorg_store_audit (&ctx, "ketencoordinator", decided_by, "regie.assigned", 'U',
                                   gezin_ref, regisseur_org, "escalation_decision"))
               != KB_DB_OK)
        goto done;
    if ((rc = zorg_plan_broadcast (&ctx, &plan, gezin_ref, plan.basis, NULL,
                                   previous[0] ? previous : NULL, NULL, escalation_id))
            != KB_DB_OK
        || (rc = zorg_gezin_involve_regisseur (&ctx, &plan, gezin_ref, escalation_id)) != KB_DB_OK)
        goto done;
    if ((rc = s_monitor_decided (&ctx, &plan, escalation_id)) != KB_DB_OK)
        goto done;
    if ((rc = kb_db_commit (db)) != KB_DB_OK)
        goto done;
    kb_info ("escalation decided escalation=\"%.8s\" kind=%s regisseur=\"%s\"", escalation_id, kind,
             regisseur_org);
    return ZORG_OK;
done:
    kb_db_rollback (db);
    *rc_out = rc;
    if (result == ZORG_ERR_DB)
        snprintf (err, errlen, "could not decide escalation sqlstate=%s", kb_db_last_sqlstate (db));
    return result;
}

int
zorg_escalation_decide (kb_db_t *db, const char *escalation_id, const char *regisseur_org,
                        const char *decided_by, char *err, size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (!db || !escalation_id || !regisseur_org || !decided_by) {
        snprintf (err, errlen, "escalation id, regisseur and decided-by are required");
        return ZORG_ERR_INVALID;
    }
    if (zorg_store_prepare (db)) {
        snprintf (err, errlen, "could not prepare statements");
        return ZORG_ERR_DB;
    }
    for (int attempt = 0; attempt < 5; attempt++) {
        kb_db_rc_t rc = KB_DB_OK;
        int result = s_decide_once (db, escalation_id, regisseur_org, decided_by, err, errlen, &rc);
        if (result != ZORG_ERR_DB || rc != KB_DB_RETRY)
            return result;
        kb_db_ensure (db, 2000);
    }
    return ZORG_ERR_DB;
}

/* A newer plan version names another casemanager: the plan takes it (a
   field the message left empty keeps the plan's) and everyone hears it
   (s_casemanager_tell). */
static kb_db_rc_t
s_casemanager_changed (zorg_ctx_t *ctx, zorg_plan_row_t *plan,
                       const Ketenbus__V1__PlanRegistered *p, const char *message_id)
{
    const char *name = p->casemanager_name && *p->casemanager_name ? p->casemanager_name
                                                                    : plan->casemanager_name;
    const char *phone = p->casemanager_phone && *p->casemanager_phone ? p->casemanager_phone
                                                                       : plan->casemanager_phone;
    if (strcmp (name, plan->casemanager_name) == 0 && strcmp (phone, plan->casemanager_phone) == 0)
        return KB_DB_OK;
    /* a field the message left empty keeps the plan's (name points at it) */
    if (name != plan->casemanager_name)
        snprintf (plan->casemanager_name, sizeof plan->casemanager_name, "%s", name);
    if (phone != plan->casemanager_phone)
        snprintf (plan->casemanager_phone, sizeof plan->casemanager_phone, "%s", phone);
    char gezin_ref[KB_UUID_LEN + 1];
    kb_db_rc_t rc = zorg_store_gezin_ref (ctx->db, plan->gezin_id, gezin_ref);
    if (rc == KB_DB_OK)
        rc = s_casemanager_tell (ctx, plan, gezin_ref, message_id);
    return rc;
}

kb_db_rc_t
zorg_plan_registered (zorg_ctx_t *ctx, const Ketenbus__V1__PlanRegistered *p,
                      const char *message_id, const char **refusal)
{
    zorg_plan_row_t plan;
    bool found = false;
    kb_db_rc_t rc = zorg_store_plan_by_ref (ctx->db, p->plan_ref, &plan, &found);
    if (rc != KB_DB_OK)
        return rc;
    if (!found || strcmp (plan.status, "active") != 0) {
        *refusal = "plan_unknown";
        return KB_DB_OK;
    }
    if (!plan.has_regisseur || !p->regisseur_org || strcmp (plan.regisseur_org, p->regisseur_org) != 0) {
        *refusal = "not_regisseur";
        return KB_DB_OK;
    }
    char id[24], version[16];
    snprintf (id, sizeof id, "%ld", plan.id);
    snprintf (version, sizeof version, "%u", (unsigned) p->plan_version);
    const char *v[6] = { id, version, p->plan_date ? p->plan_date : "",
                         p->next_evaluation_date ? p->next_evaluation_date : "",
                         p->casemanager_name ? p->casemanager_name : "",
                         p->casemanager_phone ? p->casemanager_phone : "" };
    PGresult *res = zorg_store_run (ctx->db, "zorg_plan_registered", 6, v, &rc);
    if (!res)
        return rc;
    bool changed = atoi (PQcmdTuples (res)) == 1;
    PQclear (res);
    kb_info ("plan registered plan=\"%.8s\" version=%u changed=%d message_id=\"%.8s\"", plan.ref,
             (unsigned) p->plan_version, changed, message_id);
    rc = zorg_store_audit (ctx, p->regisseur_org, NULL, "plan.registered", 'U', plan.ref,
                           changed ? "plan_version" : "older_version", changed ? "applied" : "unchanged");
    if (rc == KB_DB_OK && changed)
        rc = s_casemanager_changed (ctx, &plan, p, message_id);
    /* the first registered version: the plan is laid down (vastgesteld) */
    if (rc != KB_DB_OK || !changed || p->plan_version != 1)
        return rc;
    zorg_monitor_region_t region;
    bool known = false;
    if ((rc = zorg_monitor_gezin (ctx->db, plan.gezin_id, &region, &known)) != KB_DB_OK)
        return rc;
    rc = s_track (ctx, plan.ref, KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_GEZINSPLAN, NULL,
                  plan.ref, NULL, KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_PLAN_VASTGESTELD,
                  p->plan_date, plan.regisseur_org, plan.regisseur_org_type, &region, message_id);
    if (rc != KB_DB_OK)
        return rc;
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_PLAN_REGISTERED;
    ev.gezin_ref = region.gezin_ref;
    ev.plan_ref = plan.ref;
    ev.org = plan.regisseur_org;
    ev.org_type = (Ketenbus__V1__OrgType) plan.regisseur_org_type;
    ev.n_categories = p->n_categories;
    ev.categories = p->categories;
    ev.start_date = region.first_signal_date;
    ev.event_date = p->plan_date;
    ev.duration_days = kb_date_days_between (region.first_signal_date, p->plan_date);
    return zorg_monitor_emit (ctx, &ev, &region, message_id);
}
