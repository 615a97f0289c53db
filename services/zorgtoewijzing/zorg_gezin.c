/*  zorg_gezin - gezin registry, merges, involvement and matching. */
#include "zorg_gezin.h"
#include "zorg_monitor.h"
#include "zorg_plan.h"

#include "ketenbus/kb_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_GEZINNEN 32

kb_db_rc_t
zorg_gezin_apply_partner (zorg_ctx_t *ctx, const Ketenbus__V1__PartnerUpdate *u)
{
    char type[12], changed[24];
    snprintf (type, sizeof type, "%d", (int) u->org_type);
    snprintf (changed, sizeof changed, "%lld", (long long) u->changed_at_ms);
    const char *values[6] = { u->org_id, type, u->gebied ? u->gebied : "",
                              u->gemeente_code ? u->gemeente_code : "", u->active ? "t" : "f",
                              changed };
    kb_db_rc_t rc = kb_db_run_cmd (ctx->db, "zorg_partner_upsert", 6, values, NULL, NULL);
    if (rc != KB_DB_OK)
        return rc;
    kb_debug ("partner directory updated org=\"%s\" active=%d", u->org_id, (int) u->active);
    return zorg_store_audit (ctx, NULL, NULL, "partner.updated", 'U', NULL, u->org_id,
                             u->active ? "active" : "inactive");
}

/* One MatchNotification: to learns about other. */
static kb_db_rc_t
s_notify_event (zorg_ctx_t *ctx, const char *gezin_ref, const zorg_involved_t *to,
                const zorg_involved_t *other, bool other_is_regisseur, int event,
                const char *correlation_id)
{
    Ketenbus__V1__MatchNotification m = KETENBUS__V1__MATCH_NOTIFICATION__INIT;
    m.to_org = (char *) to->org_id;
    m.partner_case_ref = (char *) to->case_ref;
    m.gezin_ref = (char *) gezin_ref;
    m.event = (Ketenbus__V1__MatchEvent) event;
    m.other_org = (char *) other->org_id;
    m.other_org_type = (Ketenbus__V1__OrgType) other->org_type;
    m.other_contact_name = (char *) other->contact_name;
    m.other_contact_phone = (char *) other->contact_phone;
    m.other_is_regisseur = other_is_regisseur;
    m.matched_at_ms = (int64_t) time (NULL) * 1000;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION;
    env.match_notification = &m;
    kb_db_rc_t rc = zorg_store_send (ctx, to->org_id, &env, correlation_id);
    if (rc == KB_DB_OK)
        rc = zorg_store_audit (ctx, NULL, NULL, "match.notified", 'E', gezin_ref, to->org_id,
                               "queued");
    return rc;
}

static kb_db_rc_t
s_notify (zorg_ctx_t *ctx, const char *gezin_ref, const zorg_involved_t *to,
          const zorg_involved_t *other, bool other_is_regisseur, const char *correlation_id)
{
    return s_notify_event (ctx, gezin_ref, to, other, other_is_regisseur,
                           KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_NEW, correlation_id);
}

kb_db_rc_t
zorg_gezin_signalled_again (zorg_ctx_t *ctx, const char *gezin_ref, const zorg_involved_t *regisseur,
                            const zorg_involved_t *sender, const char *correlation_id)
{
    return s_notify_event (ctx, gezin_ref, regisseur, sender, false,
                           KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_SIGNALLED, correlation_id);
}

kb_db_rc_t
zorg_gezin_match (zorg_ctx_t *ctx, long gezin_id, const char *gezin_ref, const char *org,
                  const char *correlation_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    zorg_involved_t *inv = calloc (ZORG_INVOLVED_MAX, sizeof *inv);
    if (!inv)
        return KB_DB_FATAL;
    int n = zorg_store_involved (ctx->db, gezin_id, inv, ZORG_INVOLVED_MAX, &rc);
    if (n < 0)
        goto done;
    zorg_plan_row_t plan;
    bool has_plan = false;
    if ((rc = zorg_store_plan_active (ctx->db, gezin_id, &plan, &has_plan)) != KB_DB_OK)
        goto done;
    rc = zorg_gezin_match_with (ctx, gezin_ref, org, inv, n,
                                has_plan && plan.has_regisseur ? plan.regisseur_org : "",
                                correlation_id);
done:
    free (inv);
    return rc;
}

kb_db_rc_t
zorg_gezin_match_with (zorg_ctx_t *ctx, const char *gezin_ref, const char *org,
                       const zorg_involved_t *inv, int n, const char *regisseur,
                       const char *correlation_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    const zorg_involved_t *me = zorg_store_involved_find (inv, n, org);
    if (!me)
        return KB_DB_OK;
    int matches = 0;
    for (int i = 0; i < n && rc == KB_DB_OK; i++) {
        if (&inv[i] == me)
            continue;
        rc = s_notify (ctx, gezin_ref, me, &inv[i], strcmp (inv[i].org_id, regisseur) == 0,
                       correlation_id);
        if (rc == KB_DB_OK)
            rc = s_notify (ctx, gezin_ref, &inv[i], me, strcmp (me->org_id, regisseur) == 0,
                           correlation_id);
        matches++;
    }
    if (matches)
        kb_info ("match notified gezin=\"%.8s\" org=\"%s\" others=%d", gezin_ref, org, matches);
    return rc;
}

kb_db_rc_t
zorg_gezin_involve_regisseur (zorg_ctx_t *ctx, const zorg_plan_row_t *plan, const char *gezin_ref,
                              const char *correlation_id)
{
    if (!plan->has_regisseur || !plan->regisseur_org[0])
        return KB_DB_OK;
    char gid[24], type[12];
    snprintf (gid, sizeof gid, "%ld", plan->gezin_id);
    snprintf (type, sizeof type, "%d", plan->regisseur_org_type);
    const char *values[5] = { gid, plan->regisseur_org, type, plan->casemanager_name,
                              plan->casemanager_phone };
    kb_db_rc_t rc;
    PGresult *res = zorg_store_run (ctx->db, "zorg_involvement_regisseur", 5, values, &rc);
    if (!res)
        return rc;
    bool added = PQntuples (res) == 1;
    PQclear (res);
    if (!added)
        return KB_DB_OK;
    rc = zorg_store_audit (ctx, NULL, NULL, "involvement.registered", 'C', gezin_ref,
                           plan->regisseur_org, "regisseur");
    if (rc == KB_DB_OK)
        rc = zorg_gezin_match (ctx, plan->gezin_id, gezin_ref, plan->regisseur_org,
                               correlation_id);
    return rc;
}

static bool
s_listed (const char (*orgs)[ZORG_ORG_MAX + 1], int n, const char *org)
{
    for (int i = 0; i < n; i++)
        if (strcmp (orgs[i], org) == 0)
            return true;
    return false;
}

/* After a merge: each organisation that came with the merged record
   (moved) and each one that only the kept record had meet, once each
   way. Organisations of the same record knew each other already, and one
   involved with both records knew everyone. */
static kb_db_rc_t
s_match_merged (zorg_ctx_t *ctx, long keep, const char *keep_ref,
                const char (*moved)[ZORG_ORG_MAX + 1], int nmoved,
                const char (*shared)[ZORG_ORG_MAX + 1], int nshared, const char *correlation_id)
{
    if (nmoved == 0)
        return KB_DB_OK;
    kb_db_rc_t rc = KB_DB_OK;
    zorg_involved_t *inv = calloc (ZORG_INVOLVED_MAX, sizeof *inv);
    if (!inv)
        return KB_DB_FATAL;
    int n = zorg_store_involved (ctx->db, keep, inv, ZORG_INVOLVED_MAX, &rc);
    zorg_plan_row_t plan;
    bool has_plan = false;
    if (n < 0 || (rc = zorg_store_plan_active (ctx->db, keep, &plan, &has_plan)) != KB_DB_OK)
        goto done;
    const char *regisseur = has_plan && plan.has_regisseur ? plan.regisseur_org : "";
    int matches = 0;
    for (int i = 0; i < n && rc == KB_DB_OK; i++) {
        if (!s_listed (moved, nmoved, inv[i].org_id))
            continue;
        for (int k = 0; k < n && rc == KB_DB_OK; k++) {
            if (s_listed (moved, nmoved, inv[k].org_id)
                || s_listed (shared, nshared, inv[k].org_id))
                continue;
            rc = s_notify (ctx, keep_ref, &inv[i], &inv[k], strcmp (inv[k].org_id, regisseur) == 0,
                           correlation_id);
            if (rc == KB_DB_OK)
                rc = s_notify (ctx, keep_ref, &inv[k], &inv[i],
                               strcmp (inv[i].org_id, regisseur) == 0, correlation_id);
            matches++;
        }
    }
    if (matches)
        kb_info ("match notified after merge gezin=\"%.8s\" pairs=%d", keep_ref, matches);
done:
    free (inv);
    return rc;
}

/* Moves everything of gezin other into keep; conflicting regisseurs open
   an escalation, the older plan stays active. */
static kb_db_rc_t
s_merge (zorg_ctx_t *ctx, long keep, const char *keep_ref, long other, const char *other_ref,
         const char *correlation_id)
{
    kb_db_rc_t rc;
    char keep_id[24], other_id[24];
    snprintf (keep_id, sizeof keep_id, "%ld", keep);
    snprintf (other_id, sizeof other_id, "%ld", other);
    const char *both[2] = { keep_id, other_id };
    zorg_plan_row_t pk, po;
    bool has_k = false, has_o = false, confirm = false;
    /* organisations new to keep, and those involved with both records */
    char moved[ZORG_INVOLVED_MAX][ZORG_ORG_MAX + 1];
    char shared[ZORG_INVOLVED_MAX][ZORG_ORG_MAX + 1];
    int nmoved = 0, nshared = 0;

    if ((rc = zorg_store_plan_active (ctx->db, keep, &pk, &has_k)) != KB_DB_OK
        || (rc = zorg_store_plan_active (ctx->db, other, &po, &has_o)) != KB_DB_OK)
        return rc;
    if ((rc = kb_db_run_cmd (ctx->db, "zorg_member_move", 2, both, NULL, NULL)) != KB_DB_OK)
        return rc;
    PGresult *res = zorg_store_run (ctx->db, "zorg_involvement_move", 2, both, &rc);
    if (!res)
        return rc;
    for (int i = 0; i < PQntuples (res); i++)
        if (PQgetvalue (res, i, 1)[0] == 't') {
            if (nmoved < ZORG_INVOLVED_MAX)
                snprintf (moved[nmoved++], ZORG_ORG_MAX + 1, "%s", PQgetvalue (res, i, 0));
        }
        else if (nshared < ZORG_INVOLVED_MAX)
            snprintf (shared[nshared++], ZORG_ORG_MAX + 1, "%s", PQgetvalue (res, i, 0));
    PQclear (res);
    const char *one[1] = { other_id };
    if ((rc = kb_db_run_cmd (ctx->db, "zorg_involvement_delete", 1, one, NULL, NULL)) != KB_DB_OK
        || (rc = kb_db_run_cmd (ctx->db, "zorg_pot_move", 2, both, NULL, NULL)) != KB_DB_OK
        || (rc = kb_db_run_cmd (ctx->db, "zorg_escalation_move", 2, both, NULL, NULL)) != KB_DB_OK
        || (rc = kb_db_run_cmd (ctx->db, "zorg_plan_move_inactive", 2, both, NULL, NULL)) != KB_DB_OK)
        return rc;

    char po_id[24];
    snprintf (po_id, sizeof po_id, "%ld", has_o ? po.id : 0L);
    if (has_k && has_o) {
        bool same = pk.has_regisseur && po.has_regisseur
                    && strcmp (pk.regisseur_org, po.regisseur_org) == 0;
        if (same) {
            /* one regisseur: its younger plan goes, and a transfer of it
               with it (the one asked would wait for nothing until the
               deadline escalated it) */
            po.gezin_id = keep;
            if ((rc = zorg_plan_close_merged (ctx, &po, keep_ref, NULL, NULL, correlation_id))
                != KB_DB_OK)
                return rc;
            confirm = true;
        }
        else {
            const char *status[3] = { po_id, "merge_pending", keep_id };
            if ((rc = kb_db_run_cmd (ctx->db, "zorg_plan_set_status", 3, status, NULL, NULL))
                != KB_DB_OK)
                return rc;
            /* never a silent overwrite: the ketencoordinator decides */
            if ((rc = zorg_plan_cancel_transfers (
                     ctx, po.id, keep_ref, KETENBUS__V1__TRANSFER_END__TRANSFER_END_MERGE_CONFLICT,
                     NULL, NULL, NULL)) != KB_DB_OK)
                return rc;
            char esc[KB_UUID_LEN + 1];
            if ((rc = zorg_store_escalation_open (ctx, "merge_conflict", keep, keep_ref, pk.id,
                                                  po.id, NULL, esc))
                != KB_DB_OK)
                return rc;
            if ((rc = zorg_store_audit (ctx, NULL, NULL, "plan.merge_pending", 'U', keep_ref,
                                        po.ref, "merge_pending"))
                != KB_DB_OK)
                return rc;
        }
    }
    else if (has_o) {
        const char *status[3] = { po_id, "active", keep_id };
        if ((rc = kb_db_run_cmd (ctx->db, "zorg_plan_set_status", 3, status, NULL, NULL)) != KB_DB_OK)
            return rc;
        pk = po;
        pk.gezin_id = keep;
        has_k = true;
        confirm = true;
    }
    else if (has_k)
        confirm = nmoved > 0;
    if ((rc = kb_db_run_cmd (ctx->db, "zorg_gezin_merged", 2, both, NULL, NULL)) != KB_DB_OK
        || (rc = kb_db_run_cmd (ctx->db, "zorg_gezin_first_signal_merge", 2, both, NULL, NULL))
               != KB_DB_OK)
        return rc;
    kb_info ("gezin merged gezin=\"%.8s\" merged=\"%.8s\"", keep_ref, other_ref);
    if ((rc = zorg_store_audit (ctx, NULL, NULL, "gezin.merged", 'U', keep_ref, other_ref,
                                "merged"))
        != KB_DB_OK)
        return rc;
    if (confirm && has_k)
        rc = zorg_plan_broadcast (ctx, &pk, keep_ref,
                                  KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_GEZIN_MERGE, NULL, NULL,
                                  NULL, correlation_id);
    /* organisations of the two records now know each other */
    if (rc == KB_DB_OK)
        rc = s_match_merged (ctx, keep, keep_ref, (const char (*)[ZORG_ORG_MAX + 1]) moved,
                             nmoved, (const char (*)[ZORG_ORG_MAX + 1]) shared, nshared,
                             correlation_id);
    return rc;
}

typedef struct {
    int y, m, d;
} s_today_t;

/* Lowers *youngest to the age of a member born on birth_date (NULL: unknown). */
static void
s_youngest (const s_today_t *today, const char *birth_date, int *youngest)
{
    int age = zorg_rules_age_years (birth_date, today->y, today->m, today->d);
    if (age >= 0 && (*youngest < 0 || age < *youngest))
        *youngest = age;
}

/* Reads the pipeline results of the persons upsert and the gezin lookup:
   the gezinnen these persons belong to, oldest first, locked. Returns the
   count, or -1 with *rc set. */
static int
s_read_gezinnen (kb_db_t *db, long ids[S_MAX_GEZINNEN], char refs[][KB_UUID_LEN + 1],
                 s_today_t *today, int *youngest, bool *created, kb_db_rc_t *rc)
{
    PQclear (kb_db_pipeline_next (db, rc));
    PGresult *res = kb_db_pipeline_next (db, rc);
    if (!res)
        return -1;
    int n = PQntuples (res);
    if (n > S_MAX_GEZINNEN) {
        /* merging only some of them would leave two plans: refuse loudly */
        kb_error ("signal links more gezinnen than can be merged at once count=%d max=%d", n,
                  S_MAX_GEZINNEN);
        *rc = KB_DB_FATAL;
        n = -1;
    }
    for (int i = 0; i < n; i++) {
        ids[i] = atol (PQgetvalue (res, i, 0));
        snprintf (refs[i], KB_UUID_LEN + 1, "%s", PQgetvalue (res, i, 1));
        if (!PQgetisnull (res, i, 2))
            s_youngest (today, PQgetvalue (res, i, 2), youngest);
        *created = PQgetvalue (res, i, 3)[0] == 't';
    }
    PQclear (res);
    return n;
}

/* Results of the membership round trip, in queue order. */
typedef struct {
    PGresult *members_added, *involvement, *involved, *plan, *partners, *first;
} s_membership_t;

static void
s_membership_clear (s_membership_t *m)
{
    PQclear (m->members_added);
    PQclear (m->involvement);
    PQclear (m->involved);
    PQclear (m->plan);
    PQclear (m->partners);
    PQclear (m->first);
    memset (m, 0, sizeof *m);
}

kb_db_rc_t
zorg_gezin_apply_signal (zorg_ctx_t *ctx, const Ketenbus__V1__StoredSignal *s,
                         const char *message_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    kb_db_array_t names = { 0 }, roles = { 0 }, dates = { 0 };
    s_membership_t m = { 0 };
    zorg_involved_t *inv = NULL;
    long ids[S_MAX_GEZINNEN];
    char refs[S_MAX_GEZINNEN][KB_UUID_LEN + 1];
    int nids = 0;
    /* the youngest member: of the signal's own birth dates and of the
       members the gezinnen already have (read after the upsert) */
    int youngest = -1;
    time_t now = time (NULL);
    struct tm tm;
    localtime_r (&now, &tm);
    s_today_t today = { tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };

    /* persons: the subject and the household */
    kb_db_array_add_str (&names, s->subject_pseudonym);
    kb_db_array_add_str (&dates, s->subject_birth_date && *s->subject_birth_date
                                     ? s->subject_birth_date : NULL);
    s_youngest (&today, s->subject_birth_date, &youngest);
    int subject_role = 0;
    for (size_t i = 0; i < s->n_household; i++)
        if (s->household[i]->pseudonym && strcmp (s->household[i]->pseudonym, s->subject_pseudonym) == 0)
            subject_role = (int) s->household[i]->role;
    kb_db_array_add_int (&roles, subject_role);
    for (size_t i = 0; i < s->n_household; i++) {
        const Ketenbus__V1__PseudoPerson *p = s->household[i];
        if (!p->pseudonym || !*p->pseudonym)
            continue;
        kb_db_array_add_str (&names, p->pseudonym);
        kb_db_array_add_str (&dates, p->birth_date && *p->birth_date ? p->birth_date : NULL);
        s_youngest (&today, p->birth_date, &youngest);
        kb_db_array_add_int (&roles, (int) p->role);
    }
    const char *names_txt = kb_db_array_text (&names);
    const char *roles_txt = kb_db_array_text (&roles);
    const char *dates_txt = kb_db_array_text (&dates);
    if (!names_txt || !roles_txt || !dates_txt) {
        rc = KB_DB_FATAL;
        goto done;
    }

    /* one round trip: upsert the persons, find their gezinnen or create one */
    bool created = false;
    char new_ref[KB_UUID_LEN + 1];
    kb_uuid_v4 (new_ref);
    if ((rc = kb_db_pipeline_begin (ctx->db)) != KB_DB_OK)
        goto done;
    const char *pv[2] = { names_txt, dates_txt };
    const char *fv[4] = { names_txt, new_ref, s->gemeente_code ? s->gemeente_code : "",
                          s->gebied ? s->gebied : "" };
    if ((rc = kb_db_pipeline_send (ctx->db, "zorg_persons_upsert", 2, pv, NULL, NULL)) == KB_DB_OK
        && (rc = kb_db_pipeline_send (ctx->db, "zorg_gezin_find_or_create", 4, fv, NULL, NULL))
               == KB_DB_OK
        && (rc = kb_db_pipeline_sync (ctx->db)) == KB_DB_OK)
        nids = s_read_gezinnen (ctx->db, ids, refs, &today, &youngest, &created, &rc);
    kb_db_rc_t end_rc = kb_db_pipeline_end (ctx->db);
    if (rc == KB_DB_OK)
        rc = end_rc;
    if (rc == KB_DB_OK && nids <= 0) {
        kb_error ("could not find or create the gezin of a signal");
        rc = KB_DB_FATAL;
    }
    if (rc != KB_DB_OK)
        goto done;

    if (created) {
        kb_info ("gezin created gezin=\"%.8s\" subject=\"%.8s\"", refs[0], s->subject_pseudonym);
        if ((rc = zorg_store_audit (ctx, s->sender_org, NULL, "gezin.created", 'C', refs[0],
                                    NULL, "created"))
            != KB_DB_OK)
            goto done;
    }
    for (int i = 1; i < nids; i++)
        if ((rc = s_merge (ctx, ids[0], refs[0], ids[i], refs[i], message_id)) != KB_DB_OK)
            goto done;

    /* one round trip: membership, the sender's involvement, and what the
       plan needs to know afterwards */
    char gid[24], type[12];
    snprintf (gid, sizeof gid, "%ld", ids[0]);
    snprintf (type, sizeof type, "%d", (int) s->sender_org_type);
    const char *mv[3] = { gid, names_txt, roles_txt };
    const char *iv[6] = { gid, s->sender_org, type, s->partner_case_ref ? s->partner_case_ref : "",
                          s->contact_name ? s->contact_name : "",
                          s->contact_phone ? s->contact_phone : "" };
    const char *gv[1] = { gid };
    const char *rv[2] = { s->gebied ? s->gebied : "", s->gemeente_code ? s->gemeente_code : "" };
    const char *fsv[2] = { gid, s->signal_date ? s->signal_date : "" };
    if ((rc = kb_db_pipeline_begin (ctx->db)) != KB_DB_OK)
        goto done;
    if ((rc = kb_db_pipeline_send (ctx->db, "zorg_member_add", 3, mv, NULL, NULL)) == KB_DB_OK
        && (rc = kb_db_pipeline_send (ctx->db, "zorg_involvement_upsert", 6, iv, NULL, NULL)) == KB_DB_OK
        && (rc = kb_db_pipeline_send (ctx->db, "zorg_involvement_list", 1, gv, NULL, NULL)) == KB_DB_OK
        && (rc = kb_db_pipeline_send (ctx->db, "zorg_plan_active", 1, gv, NULL, NULL)) == KB_DB_OK
        && (rc = kb_db_pipeline_send (ctx->db, "zorg_partner_resolve_all", 2, rv, NULL, NULL)) == KB_DB_OK
        && (rc = kb_db_pipeline_send (ctx->db, "zorg_gezin_first_signal", 2, fsv, NULL, NULL)) == KB_DB_OK
        && (rc = kb_db_pipeline_sync (ctx->db)) == KB_DB_OK
        && (m.members_added = kb_db_pipeline_next (ctx->db, &rc))
        && (m.involvement = kb_db_pipeline_next (ctx->db, &rc))
        && (m.involved = kb_db_pipeline_next (ctx->db, &rc))
        && (m.plan = kb_db_pipeline_next (ctx->db, &rc))
        && (m.partners = kb_db_pipeline_next (ctx->db, &rc)))
        m.first = kb_db_pipeline_next (ctx->db, &rc);
    end_rc = kb_db_pipeline_end (ctx->db);
    if (rc == KB_DB_OK)
        rc = end_rc;
    if (rc != KB_DB_OK || !m.first)
        goto done;

    for (int i = 0; i < PQntuples (m.members_added) && rc == KB_DB_OK; i++)
        rc = zorg_store_audit (ctx, s->sender_org, NULL, "gezin.member_added", 'C',
                               PQgetvalue (m.members_added, i, 0), refs[0], "added");
    if (rc != KB_DB_OK)
        goto done;
    bool new_involvement = PQntuples (m.involvement) == 1
                           && PQgetvalue (m.involvement, 0, 0)[0] == 't';
    if (new_involvement
        && (rc = zorg_store_audit (ctx, s->sender_org, NULL, "involvement.registered", 'C',
                                   refs[0], NULL, "registered"))
               != KB_DB_OK)
        goto done;

    inv = calloc (ZORG_INVOLVED_MAX, sizeof *inv);
    if (!inv) {
        rc = KB_DB_FATAL;
        goto done;
    }
    zorg_gezin_view_t view = { .gezin_id = ids[0], .gezin_ref = refs[0], .inv = inv };
    view.n = zorg_store_involved_parse (m.involved, inv, ZORG_INVOLVED_MAX);
    view.youngest_age = youngest;
    view.first_signal = PQntuples (m.involvement) == 1
                        && PQgetvalue (m.involvement, 0, 1)[0] == 't';
    zorg_store_plan_parse (m.plan, &view.plan, &view.has_plan);
    zorg_store_partner_choices_parse (m.partners, view.partners);
    if (PQntuples (m.first) == 1) {
        zorg_monitor_region_t r;
        /* the gezin's region as its first signal gave it, else this one's */
        const char *gemeente = PQgetvalue (m.first, 0, 1), *gebied = PQgetvalue (m.first, 0, 2);
        zorg_monitor_region_set (&r, *gemeente ? gemeente : s->gemeente_code,
                                 *gemeente || *gebied ? gebied : s->gebied);
        snprintf (view.gemeente_code, sizeof view.gemeente_code, "%s", r.gemeente_code);
        snprintf (view.gebied, sizeof view.gebied, "%s", r.gebied);
        snprintf (view.first_signal_date, sizeof view.first_signal_date, "%s",
                  PQgetvalue (m.first, 0, 0));
    }
    rc = zorg_plan_on_signal (ctx, &view, s, new_involvement, message_id);
done:
    s_membership_clear (&m);
    free (inv);
    kb_db_array_free (&names);
    kb_db_array_free (&roles);
    kb_db_array_free (&dates);
    return rc;
}

/*  Read-only views */

static long
s_single_long (kb_db_t *db, const char *name, int n, const char *const *values, bool *found,
               int *err)
{
    kb_db_rc_t rc;
    PGresult *res = zorg_store_run (db, name, n, values, &rc);
    *found = false;
    if (!res) {
        *err = 1;
        return 0;
    }
    long v = 0;
    if (PQntuples (res) >= 1 && !PQgetisnull (res, 0, 0)) {
        v = atol (PQgetvalue (res, 0, 0));
        *found = true;
    }
    PQclear (res);
    return v;
}

static int
s_show_id (kb_db_t *db, long gezin_id, const char *as_org, zorg_gezin_info_t *out)
{
    int err = 0;
    bool found = false;
    /* follow merges to the live record */
    for (int hop = 0; hop < 16; hop++) {
        char id[24];
        snprintf (id, sizeof id, "%ld", gezin_id);
        long next = s_single_long (db, "zorg_show_merged", 1, (const char *[]){ id }, &found, &err);
        if (err)
            return ZORG_ERR_DB;
        if (!found)
            break;
        gezin_id = next;
    }
    memset (out, 0, sizeof *out);
    kb_db_rc_t rc;
    out->ninvolved = zorg_store_involved (db, gezin_id, out->involved, ZORG_INVOLVED_MAX, &rc);
    if (out->ninvolved < 0)
        return ZORG_ERR_DB;
    if (as_org && !zorg_store_involved_find (out->involved, out->ninvolved, as_org)) {
        memset (out, 0, sizeof *out);
        return ZORG_ERR_NOT_FOUND;
    }
    if (zorg_store_gezin_ref (db, gezin_id, out->gezin_ref) != KB_DB_OK)
        return ZORG_ERR_DB;
    char id[24];
    snprintf (id, sizeof id, "%ld", gezin_id);
    const char *values[1] = { id };
    PGresult *res = zorg_store_run (db, "zorg_show_plan", 1, values, &rc);
    if (!res)
        return ZORG_ERR_DB;
    if (PQntuples (res) == 1) {
        out->has_plan = true;
        snprintf (out->plan_ref, sizeof out->plan_ref, "%s", PQgetvalue (res, 0, 0));
        snprintf (out->plan_status, sizeof out->plan_status, "%s", PQgetvalue (res, 0, 1));
        snprintf (out->regisseur_org, sizeof out->regisseur_org, "%s", PQgetvalue (res, 0, 2));
        out->regisseur_org_type = atoi (PQgetvalue (res, 0, 3));
        snprintf (out->casemanager_name, sizeof out->casemanager_name, "%s", PQgetvalue (res, 0, 4));
        snprintf (out->casemanager_phone, sizeof out->casemanager_phone, "%s", PQgetvalue (res, 0, 5));
        out->basis = atoi (PQgetvalue (res, 0, 6));
        snprintf (out->rule_name, sizeof out->rule_name, "%s", PQgetvalue (res, 0, 7));
    }
    PQclear (res);
    res = zorg_store_run (db, "zorg_show_transfers", 1, values, &rc);
    if (!res)
        return ZORG_ERR_DB;
    for (int i = 0; i < PQntuples (res) && out->ntransfers < ZORG_SHOW_MAX; i++) {
        zorg_transfer_info_t *t = &out->transfers[out->ntransfers++];
        snprintf (t->id, sizeof t->id, "%s", PQgetvalue (res, i, 0));
        snprintf (t->from_org, sizeof t->from_org, "%s", PQgetvalue (res, i, 1));
        snprintf (t->to_org, sizeof t->to_org, "%s", PQgetvalue (res, i, 2));
        snprintf (t->origin, sizeof t->origin, "%s", PQgetvalue (res, i, 3));
        t->deadline_ms = atoll (PQgetvalue (res, i, 4));
    }
    PQclear (res);
    if (!as_org) {
        /* escalations are the ketencoordinator's business */
        res = zorg_store_run (db, "zorg_show_escalations", 1, values, &rc);
        if (!res)
            return ZORG_ERR_DB;
        out->nescalations = 0;
        for (int i = 0; i < PQntuples (res) && out->nescalations < ZORG_SHOW_MAX; i++) {
            zorg_escalation_info_t *e = &out->escalations[out->nescalations++];
            snprintf (e->id, sizeof e->id, "%s", PQgetvalue (res, i, 0));
            snprintf (e->kind, sizeof e->kind, "%s", PQgetvalue (res, i, 1));
            snprintf (e->gezin_ref, sizeof e->gezin_ref, "%s", PQgetvalue (res, i, 2));
            e->opened_ms = atoll (PQgetvalue (res, i, 3));
        }
        PQclear (res);
    }
    return ZORG_OK;
}

int
zorg_gezin_show (kb_db_t *db, const char *key, const char *as_org, zorg_gezin_info_t *out)
{
    if (!key || !out || zorg_store_prepare (db))
        return ZORG_ERR_DB;
    int err = 0;
    bool found = false;
    long id = s_single_long (db, "zorg_show_by_ref", 1, (const char *[]){ key }, &found, &err);
    if (!err && !found)
        id = s_single_long (db, "zorg_show_by_pseudonym", 1, (const char *[]){ key }, &found, &err);
    if (err)
        return ZORG_ERR_DB;
    if (!found)
        return ZORG_ERR_NOT_FOUND;
    return s_show_id (db, id, as_org, out);
}

int
zorg_gezin_show_case (kb_db_t *db, const char *org, const char *partner_case_ref,
                      zorg_gezin_info_t *out)
{
    if (!org || !partner_case_ref || !out || zorg_store_prepare (db))
        return ZORG_ERR_DB;
    /* a regisseur that never signalled is involved without a case
       reference: "" names none of its gezinnen */
    if (!*partner_case_ref)
        return ZORG_ERR_NOT_FOUND;
    int err = 0;
    bool found = false;
    long id = s_single_long (db, "zorg_show_by_case", 2, (const char *[]){ org, partner_case_ref },
                             &found, &err);
    if (err)
        return ZORG_ERR_DB;
    if (!found)
        return ZORG_ERR_NOT_FOUND;
    return s_show_id (db, id, org, out);
}

int
zorg_escalation_list (kb_db_t *db, zorg_escalation_info_t *out, int max)
{
    if (zorg_store_prepare (db))
        return -1;
    kb_db_rc_t rc;
    PGresult *res = zorg_store_run (db, "zorg_show_escalations", 1, (const char *[]){ "0" }, &rc);
    if (!res)
        return -1;
    int n = 0;
    for (int i = 0; i < PQntuples (res) && n < max; i++, n++) {
        snprintf (out[n].id, sizeof out[n].id, "%s", PQgetvalue (res, i, 0));
        snprintf (out[n].kind, sizeof out[n].kind, "%s", PQgetvalue (res, i, 1));
        snprintf (out[n].gezin_ref, sizeof out[n].gezin_ref, "%s", PQgetvalue (res, i, 2));
        out[n].opened_ms = atoll (PQgetvalue (res, i, 3));
    }
    PQclear (res);
    return n;
}
