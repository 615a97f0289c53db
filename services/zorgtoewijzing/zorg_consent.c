/*  zorg_consent - consent registry. */
#include "zorg_consent.h"
#include "zorg_monitor.h"

#include "ketenbus/kb_log.h"
#include "ketenbus/kb_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int32_t
zorg_consent_today (void)
{
    return kb_date_today_days ();
}

static const char *
s_str (const char *s)
{
    return s ? s : "";
}

int
zorg_consent_load (kb_db_t *db, const char *statement, const char *arg, zorg_consent_t *out,
                   int max, kb_db_rc_t *rc)
{
    const char *values[1] = { s_str (arg) };
    PGresult *res = zorg_store_run (db, statement, 1, values, rc);
    if (!res)
        return -1;
    int n = PQntuples (res);
    if (n > max) {
        kb_warning ("person has more consents than looked at count=%d max=%d", n, max);
        n = max;
    }
    for (int i = 0; i < n; i++) {
        zorg_consent_t *c = &out[i];
        memset (c, 0, sizeof *c);
        snprintf (c->consent_id, sizeof c->consent_id, "%s", PQgetvalue (res, i, 0));
        const char *p = PQgetvalue (res, i, 1);
        while (*p && c->ncategories < ZORG_CONSENT_CATEGORIES_MAX) {
            char *end;
            long v = strtol (p, &end, 10);
            if (end == p)
                break;
            c->categories[c->ncategories++] = (int) v;
            p = *end == ',' ? end + 1 : end;
        }
        snprintf (c->recipient_org, sizeof c->recipient_org, "%s", PQgetvalue (res, i, 2));
        c->recipient_org_type = atoi (PQgetvalue (res, i, 3));
        c->purpose = atoi (PQgetvalue (res, i, 4));
        c->valid_from = (int32_t) atol (PQgetvalue (res, i, 5));
        c->valid_until = (int32_t) atol (PQgetvalue (res, i, 6));
        c->withdrawn = PQgetvalue (res, i, 7)[0] == 't';
    }
    PQclear (res);
    return n;
}

/* ConsentRecorded to the recording partner. */
static kb_db_rc_t
s_confirm (zorg_ctx_t *ctx, const char *to_org, const char *consent_id, const char *case_ref,
           Ketenbus__V1__ConsentStatus status, const char *message_id)
{
    Ketenbus__V1__ConsentRecorded rec = KETENBUS__V1__CONSENT_RECORDED__INIT;
    rec.consent_id = (char *) s_str (consent_id);
    rec.to_org = (char *) to_org;
    rec.partner_case_ref = (char *) s_str (case_ref);
    rec.status = status;
    rec.recorded_at_ms = (int64_t) time (NULL) * 1000;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CONSENT_RECORDED;
    env.consent_recorded = &rec;
    return zorg_store_send (ctx, to_org, &env, message_id);
}

static kb_db_rc_t
s_audit (zorg_ctx_t *ctx, const char *actor, const char *event, char action, const char *subject,
         const char *reason, const char *outcome)
{
    kb_audit_entry_t e = { .actor_org = actor,
                           .event = event,
                           .action = action,
                           .subject_pseudonym = subject,
                           .reason = reason,
                           .outcome = outcome,
                           .authorised = true,
                           .consent = true };
    return zorg_store_audit_entry (ctx, &e);
}

/* CONSENT_GRANTED / _WITHDRAWN in the region of the person's gezin, when
   known; date NULL or empty: today. */
static kb_db_rc_t
s_monitor (zorg_ctx_t *ctx, Ketenbus__V1__MonitoringEventType type, const char *consent_id,
           const char *pseudonym, const char *recorder, const char *date, const char *message_id)
{
    if (!ctx->tracking)
        return KB_DB_OK;
    zorg_monitor_region_t r;
    bool found = false;
    kb_db_rc_t rc = zorg_monitor_person (ctx->db, pseudonym, &r, &found);
    if (rc != KB_DB_OK)
        return rc;
    char today[11];
    kb_date_today (today);
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = type;
    ev.item_ref = (char *) consent_id;
    ev.person_pseudonym = (char *) pseudonym;
    ev.org = (char *) recorder;
    ev.event_date = (char *) (date && *date ? date : today);
    return zorg_monitor_emit (ctx, &ev, &r, message_id);
}

kb_db_rc_t
zorg_consent_grant (zorg_ctx_t *ctx, const Ketenbus__V1__ConsentGrant *g, const char *message_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    const char *recorder = g->recorded_by_org;
    /* categories as an array literal of enum numbers */
    char cats[ZORG_CONSENT_CATEGORIES_MAX * 12 + 3];
    size_t off = 0;
    cats[off++] = '{';
    for (size_t i = 0; i < g->n_data_categories && i < ZORG_CONSENT_CATEGORIES_MAX; i++)
        off += (size_t) snprintf (cats + off, sizeof cats - off, "%s%d", i ? "," : "",
                                  (int) g->data_categories[i]);
    snprintf (cats + off, sizeof cats - off, "}");
    char given[12], type[12], purpose[12];
    snprintf (given, sizeof given, "%d", (int) g->given_by);
    bool by_org = g->recipient_case == KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG
                  && g->recipient_org && *g->recipient_org;
    snprintf (type, sizeof type, "%d",
              g->recipient_case == KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG_TYPE
                  ? (int) g->recipient_org_type : 0);
    snprintf (purpose, sizeof purpose, "%d", (int) g->purpose);
    Ketenbus__V1__ConsentStatus status = KETENBUS__V1__CONSENT_STATUS__CONSENT_STATUS_RECORDED;
    const char *why = NULL;
    if ((!by_org && strcmp (type, "0") == 0) || g->n_data_categories == 0
        || !g->valid_from || !*g->valid_from || !g->valid_until || !*g->valid_until)
        why = "consent_incomplete";   /* intake refuses these; never stored half */
    bool inserted = false;
    if (!why) {
        const char *v[11] = { g->consent_id, g->pseudonym, given, cats,
                              by_org ? g->recipient_org : NULL, type, purpose, g->valid_from,
                              g->valid_until, recorder, s_str (g->partner_case_ref) };
        PGresult *res = zorg_store_run (ctx->db, "zorg_consent_insert", 11, v, &rc);
        if (!res)
            return rc;
        inserted = PQntuples (res) == 1;
        PQclear (res);
    }
    if (!why && !inserted) {
        /* a repeated grant is confirmed again; an id of another person or
           organisation is a conflict */
        PGresult *res = zorg_store_run (ctx->db, "zorg_consent_get", 1,
                                        (const char *[]){ g->consent_id }, &rc);
        if (!res)
            return rc;
        bool same = PQntuples (res) == 1 && strcmp (PQgetvalue (res, 0, 0), g->pseudonym) == 0
                    && strcmp (PQgetvalue (res, 0, 1), recorder) == 0;
        PQclear (res);
        if (!same)
            why = "consent_id_conflict";
    }
    if (why)
        status = strcmp (why, "consent_id_conflict") == 0
                     ? KETENBUS__V1__CONSENT_STATUS__CONSENT_STATUS_CONFLICT
                     : KETENBUS__V1__CONSENT_STATUS__CONSENT_STATUS_UNKNOWN_CONSENT;
    if (why)
        kb_info ("consent refused reason=%s message_id=\"%s\"", why, message_id);
    rc = s_audit (ctx, recorder, why ? "consent.grant_refused" : inserted ? "consent.granted"
                                                                          : "consent.grant_repeated",
                  why ? 'E' : 'C', g->pseudonym, why ? why : NULL,
                  why ? "refused" : inserted ? "recorded" : "unchanged");
    if (rc == KB_DB_OK && !why && inserted)
        rc = s_monitor (ctx, KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_CONSENT_GRANTED,
                        g->consent_id, g->pseudonym, recorder, NULL, message_id);
    if (rc != KB_DB_OK)
        return rc;
    return s_confirm (ctx, recorder, g->consent_id, g->partner_case_ref, status, message_id);
}

kb_db_rc_t
zorg_consent_withdraw (zorg_ctx_t *ctx, const Ketenbus__V1__ConsentWithdraw *w,
                       const char *message_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    const char *recorder = w->recorded_by_org;
    PGresult *res = zorg_store_run (ctx->db, "zorg_consent_get", 1,
                                    (const char *[]){ w->consent_id }, &rc);
    if (!res)
        return rc;
    /* the consent must be this person's: an id alone withdraws nothing */
    bool found = PQntuples (res) == 1 && strcmp (PQgetvalue (res, 0, 0), w->pseudonym) == 0;
    bool already = found && PQgetvalue (res, 0, 2)[0] == 't';
    PQclear (res);
    if (!found) {
        kb_info ("consent withdrawal refused reason=unknown_consent message_id=\"%s\"", message_id);
        rc = s_audit (ctx, recorder, "consent.withdraw_refused", 'E', w->pseudonym,
                      "unknown_consent", "refused");
        if (rc != KB_DB_OK)
            return rc;
        return s_confirm (ctx, recorder, w->consent_id, w->partner_case_ref,
                          KETENBUS__V1__CONSENT_STATUS__CONSENT_STATUS_UNKNOWN_CONSENT, message_id);
    }
    if (!already) {
        char by[12];
        snprintf (by, sizeof by, "%d", (int) w->withdrawn_by);
        const char *v[4] = { w->consent_id, by,
                             w->withdrawn_date && *w->withdrawn_date ? w->withdrawn_date : NULL,
                             recorder };
        if ((rc = kb_db_run_cmd (ctx->db, "zorg_consent_withdraw", 4, v, NULL, NULL)) != KB_DB_OK)
            return rc;
    }
    rc = s_audit (ctx, recorder, already ? "consent.withdraw_repeated" : "consent.withdrawn",
                  already ? 'E' : 'U', w->pseudonym, NULL, already ? "unchanged" : "withdrawn");
    if (rc == KB_DB_OK && !already)
        rc = s_monitor (ctx,
                        KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_CONSENT_WITHDRAWN,
                        w->consent_id, w->pseudonym, recorder, w->withdrawn_date, message_id);
    if (rc != KB_DB_OK)
        return rc;
    if (!already) {
        /* the organisations on both sides of the allowed shares that relied on it */
        res = zorg_store_run (ctx->db, "zorg_consent_relying_orgs", 2,
                              (const char *[]){ w->consent_id, recorder }, &rc);
        if (!res)
            return rc;
        for (int i = 0; i < PQntuples (res) && rc == KB_DB_OK; i++) {
            Ketenbus__V1__ConsentWithdraw out = KETENBUS__V1__CONSENT_WITHDRAW__INIT;
            out.consent_id = w->consent_id;
            out.withdrawn_by = w->withdrawn_by;
            out.withdrawn_date = w->withdrawn_date;
            out.recorded_by_org = (char *) recorder;
            out.to_org = PQgetvalue (res, i, 0);
            kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
            env.body_case = KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW;
            env.consent_withdraw = &out;
            rc = zorg_store_send (ctx, out.to_org, &env, message_id);
            if (rc == KB_DB_OK)
                rc = s_audit (ctx, NULL, "consent.withdraw_notified", 'E', w->pseudonym, NULL,
                              "queued");
        }
        PQclear (res);
        if (rc != KB_DB_OK)
            return rc;
    }
    return s_confirm (ctx, recorder, w->consent_id, w->partner_case_ref,
                      KETENBUS__V1__CONSENT_STATUS__CONSENT_STATUS_WITHDRAWN, message_id);
}
