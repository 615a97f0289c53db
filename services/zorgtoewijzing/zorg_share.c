/*  zorg_share - share decisions and sealed response routing. */
#include "zorg_share.h"
#include "zorg_monitor.h"
#include "zorg_consent.h"
#include "zorg_consent_rules.h"

#include "ketenbus/kb_log.h"
#include "ketenbus/kb_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_REASON(x) KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_##x
#define S_OUTCOME(x) KETENBUS__V1__SHARE_OUTCOME__SHARE_OUTCOME_##x

static bool
s_set (const char *s)
{
    return s && *s;
}

static const char *
s_str (const char *s)
{
    return s ? s : "";
}

/* Lower-case enum value name without its prefix, for audit codes. */
static const char *
s_code (const ProtobufCEnumDescriptor *desc, int value, const char *prefix)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value (desc, value);
    if (!v)
        return "unknown";
    size_t n = strlen (prefix);
    return strncmp (v->name, prefix, n) == 0 ? v->name + n : v->name;
}

static const char *
s_reason_code (int reason)
{
    return s_code (&ketenbus__v1__share_decision_reason__descriptor, reason,
                   "SHARE_DECISION_REASON_");
}

static const char *
s_outcome_code (int outcome)
{
    return s_code (&ketenbus__v1__share_outcome__descriptor, outcome, "SHARE_OUTCOME_");
}

static kb_db_rc_t
s_decision (zorg_ctx_t *ctx, const char *to_org, const char *share_id, int outcome, int reason,
            const char *consent_id, int legal_ground, bool review, const char *message_id)
{
    Ketenbus__V1__ShareDecision d = KETENBUS__V1__SHARE_DECISION__INIT;
    d.share_id = (char *) s_str (share_id);
    d.to_org = (char *) to_org;
    d.decision = (Ketenbus__V1__ShareOutcome) outcome;
    d.reason = (Ketenbus__V1__ShareDecisionReason) reason;
    d.consent_id = (char *) s_str (consent_id);
    d.legal_ground = (Ketenbus__V1__LegalGround) legal_ground;
    d.review_required = review;
    d.decided_at_ms = (int64_t) time (NULL) * 1000;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHARE_DECISION;
    env.share_decision = &d;
    return zorg_store_send (ctx, to_org, &env, message_id);
}

/* The live gezin of the request's subject: by person, by gezin ref, or
   both (then the person must be a member of that gezin). 0 when unknown. */
static kb_db_rc_t
s_subject (zorg_ctx_t *ctx, const Ketenbus__V1__ShareRequest *q, long *gezin_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    long by_person = 0, by_ref = 0;
    *gezin_id = 0;
    if (s_set (q->pseudonym)) {
        PGresult *res = zorg_store_run (ctx->db, "zorg_share_gezin_of_person", 1,
                                        (const char *[]){ q->pseudonym }, &rc);
        if (!res)
            return rc;
        if (PQntuples (res) == 1)
            by_person = atol (PQgetvalue (res, 0, 0));
        PQclear (res);
        if (!by_person)
            return KB_DB_OK;
    }
    if (s_set (q->gezin_ref)) {
        PGresult *res = zorg_store_run (ctx->db, "zorg_share_gezin_by_ref", 1,
                                        (const char *[]){ q->gezin_ref }, &rc);
        if (!res)
            return rc;
        if (PQntuples (res) == 1)
            by_ref = atol (PQgetvalue (res, 0, 0));
        PQclear (res);
        if (!by_ref || (by_person && by_person != by_ref))
            return KB_DB_OK;
    }
    *gezin_id = by_person ? by_person : by_ref;
    return KB_DB_OK;
}

/* Is org involved with the gezin; its case reference when it is. */
static kb_db_rc_t
s_involved (zorg_ctx_t *ctx, long gezin_id, const char *org, bool *involved,
            char case_ref[ZORG_REF_MAX + 1])
{
    char gid[24];
    kb_db_rc_t rc = KB_DB_OK;
    snprintf (gid, sizeof gid, "%ld", gezin_id);
    *involved = false;
    case_ref[0] = '\0';
    PGresult *res = zorg_store_run (ctx->db, "zorg_share_involvement", 2,
                                    (const char *[]){ gid, s_str (org) }, &rc);
    if (!res)
        return rc;
    if (PQntuples (res) == 1) {
        *involved = true;
        snprintf (case_ref, ZORG_REF_MAX + 1, "%s", PQgetvalue (res, 0, 0));
    }
    PQclear (res);
    return KB_DB_OK;
}

/* SHARE_DECIDED: the share, the requesting organisation, the outcome and
   the legal ground, in the gezin's region (no gezin for a request about
   an unknown subject). Never the justification. */
static kb_db_rc_t
s_monitor (zorg_ctx_t *ctx, const Ketenbus__V1__ShareRequest *q, long gezin_id, int outcome,
           const char *message_id)
{
    if (!ctx->tracking)
        return KB_DB_OK;
    zorg_monitor_region_t r;
    bool found = false;
    kb_db_rc_t rc = KB_DB_OK;
    memset (&r, 0, sizeof r);
    if (gezin_id && (rc = zorg_monitor_gezin (ctx->db, gezin_id, &r, &found)) != KB_DB_OK)
        return rc;
    int from_type = 0;
    bool active = false;
    if ((rc = zorg_store_partner_type (ctx->db, q->from_org, &from_type, &active)) != KB_DB_OK)
        return rc;
    char today[11];
    kb_date_today (today);
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SHARE_DECIDED;
    ev.item_ref = q->share_id;
    ev.gezin_ref = r.gezin_ref;
    ev.org = q->from_org;
    ev.org_type = (Ketenbus__V1__OrgType) (active ? from_type : 0);
    ev.share_outcome = (Ketenbus__V1__ShareOutcome) outcome;
    ev.legal_ground = q->legal_ground;
    ev.event_date = today;
    return zorg_monitor_emit (ctx, &ev, &r, message_id);
}

kb_db_rc_t
zorg_share_request (zorg_ctx_t *ctx, const Ketenbus__V1__ShareRequest *q, const char *message_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    const char *from = q->from_org, *to = q->to_org;
    bool offer = q->direction == KETENBUS__V1__SHARE_DIRECTION__SHARE_DIRECTION_OFFER;
    int outcome = S_OUTCOME (DENY), reason = 0;
    bool review = false;
    char consent_id[ZORG_CONSENT_ID_MAX + 1] = "";
    const char *subject = s_set (q->pseudonym) ? q->pseudonym : NULL;

    /* 1. the subject, and whether the requester works with it: one answer
          for "no such gezin" and "not yours to ask about" */
    long gezin_id = 0;
    bool involved = false;
    char case_ref_a[ZORG_REF_MAX + 1], case_ref_b[ZORG_REF_MAX + 1] = "";
    if ((rc = s_subject (ctx, q, &gezin_id)) != KB_DB_OK)
        return rc;
    if (gezin_id && (rc = s_involved (ctx, gezin_id, from, &involved, case_ref_a)) != KB_DB_OK)
        return rc;
    if (!gezin_id || !involved) {
        reason = S_REASON (UNKNOWN_SUBJECT);
        gezin_id = 0;   /* nothing of the gezin is recorded for this requester */
    }
    /* 2. the recipient must be an active partner */
    int to_type = 0;
    if (!reason) {
        bool active = false;
        if ((rc = zorg_store_partner_type (ctx->db, to, &to_type, &active)) != KB_DB_OK)
            return rc;
        if (!active)
            reason = S_REASON (RECIPIENT_INACTIVE);
    }
    /* 3. the rules: consent of the person, or a legal ground */
    if (!reason) {
        int from_type = 0;
        bool from_active = false;
        if ((rc = zorg_store_partner_type (ctx->db, from, &from_type, &from_active)) != KB_DB_OK)
            return rc;
        zorg_consent_t consents[ZORG_CONSENT_PER_PERSON_MAX];
        int n = 0;
        if (subject) {
            n = zorg_consent_load (ctx->db, "zorg_consent_of_person", subject, consents,
                                   ZORG_CONSENT_PER_PERSON_MAX, &rc);
            if (n < 0)
                return rc;
        }
        int cats[ZORG_CONSENT_CATEGORIES_MAX];
        int ncats = 0;
        for (size_t i = 0; i < q->n_data_categories && ncats < ZORG_CONSENT_CATEGORIES_MAX; i++)
            cats[ncats++] = (int) q->data_categories[i];
        /* the consent names who RECEIVES the data */
        zorg_share_ask_t ask = { .categories = cats,
                                 .ncategories = ncats,
                                 .recipient_org = offer ? to : from,
                                 .recipient_org_type = offer ? to_type : from_type,
                                 .purpose = (int) q->purpose,
                                 .legal_ground = (int) q->legal_ground,
                                 .justification_chars = zorg_consent_utf8_chars (q->justification),
                                 .justification_min = (size_t) (ctx->justification_min > 0
                                                                    ? ctx->justification_min
                                                                    : 0),
                                 .consent_id = q->consent_id,
                                 .today = zorg_consent_today () };
        zorg_share_verdict_t v;
        zorg_consent_decide (&ask, consents, n, &v);
        outcome = v.outcome;
        reason = v.reason;
        review = v.review_required;
        if (v.consent)
            snprintf (consent_id, sizeof consent_id, "%s", v.consent->consent_id);
        /* B's own case reference and whether it knows the gezin */
        if (outcome != S_OUTCOME (DENY)
            && (rc = s_involved (ctx, gezin_id, to, &involved, case_ref_b)) != KB_DB_OK)
            return rc;
    }
    bool allowed = outcome != S_OUTCOME (DENY);

    /* 4. the record: the justification only for an override, for review */
    char cats_lit[ZORG_CONSENT_CATEGORIES_MAX * 12 + 3];
    size_t off = 0;
    cats_lit[off++] = '{';
    for (size_t i = 0; i < q->n_data_categories && i < ZORG_CONSENT_CATEGORIES_MAX; i++)
        off += (size_t) snprintf (cats_lit + off, sizeof cats_lit - off, "%s%d", i ? "," : "",
                                  (int) q->data_categories[i]);
    snprintf (cats_lit + off, sizeof cats_lit - off, "}");
    char dir[12], gid[24], purpose[12], ground[12], out_s[12], reason_s[12];
    snprintf (dir, sizeof dir, "%d", (int) q->direction);
    snprintf (gid, sizeof gid, "%ld", gezin_id);
    snprintf (purpose, sizeof purpose, "%d", (int) q->purpose);
    snprintf (ground, sizeof ground, "%d", (int) q->legal_ground);
    snprintf (out_s, sizeof out_s, "%d", outcome);
    snprintf (reason_s, sizeof reason_s, "%d", reason);
    const char *v[14] = { q->share_id, dir, from, to, gid, subject, cats_lit, purpose, ground,
                          outcome == S_OUTCOME (ALLOW_OVERRIDE) ? q->justification : NULL,
                          consent_id[0] ? consent_id : NULL, out_s, reason_s,
                          review ? "true" : "false" };
    PGresult *res = zorg_store_run (ctx->db, "zorg_share_insert", 14, v, &rc);
    if (!res)
        return rc;
    bool inserted = PQntuples (res) == 1;
    PQclear (res);
    if (!inserted) {
        /* the share id was decided before: nothing new is sent */
        kb_info ("share request refused reason=share_id_used message_id=\"%s\"", message_id);
        return zorg_store_audit (ctx, from, NULL, "share.request_refused", 'E', subject,
                                 "share_id_used", "refused");
    }
    kb_audit_entry_t e = { .actor_org = from,
                           .on_behalf_of = NULL,
                           .event = "share.decided",
                           .action = 'E',
                           .subject_pseudonym = subject,
                           .reason = s_reason_code (reason),
                           .outcome = s_outcome_code (outcome),
                           .authorised = allowed,
                           .care_relation = reason != S_REASON (UNKNOWN_SUBJECT),
                           .consent = outcome == S_OUTCOME (ALLOW),
                           .emergency = outcome == S_OUTCOME (ALLOW_OVERRIDE) };
    if ((rc = zorg_store_audit_entry (ctx, &e)) != KB_DB_OK)
        return rc;
    kb_debug ("share decided outcome=%s reason=%s", s_outcome_code (outcome),
              s_reason_code (reason));
    if ((rc = s_monitor (ctx, q, gezin_id, outcome, message_id)) != KB_DB_OK)
        return rc;

    /* 5. who hears what: A always, B only when allowed. A denial reveals
          nothing of the subject: no consent id, no legal ground. */
    int ground_out = outcome == S_OUTCOME (ALLOW_OVERRIDE) ? (int) q->legal_ground : 0;
    rc = s_decision (ctx, from, q->share_id, outcome, reason, consent_id, ground_out, review,
                     message_id);
    if (rc != KB_DB_OK || !allowed)
        return rc;
    rc = s_decision (ctx, to, q->share_id, outcome, reason, consent_id, ground_out, review,
                     message_id);
    if (rc != KB_DB_OK)
        return rc;
    char gezin_ref[KB_UUID_LEN + 1] = "";
    if ((rc = zorg_store_gezin_ref (ctx->db, gezin_id, gezin_ref)) != KB_DB_OK)
        return rc;
    Ketenbus__V1__ShareRequest fwd = KETENBUS__V1__SHARE_REQUEST__INIT;
    fwd.share_id = q->share_id;
    fwd.direction = q->direction;
    fwd.from_org = (char *) from;
    fwd.to_org = (char *) to;
    fwd.gezin_ref = involved ? gezin_ref : (char *) "";   /* B knows the gezin only when involved */
    fwd.partner_case_ref = case_ref_b;
    fwd.n_data_categories = q->n_data_categories;
    fwd.data_categories = q->data_categories;
    fwd.purpose = q->purpose;
    fwd.legal_ground = q->legal_ground;
    fwd.consent_id = consent_id;
    /* no bsn, no pseudonym, no justification: that stays for the review */
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST;
    env.share_request = &fwd;
    rc = zorg_store_send (ctx, to, &env, message_id);
    if (rc == KB_DB_OK)
        rc = zorg_store_audit (ctx, NULL, NULL, "share.request_forwarded", 'E', subject,
                               s_reason_code (reason), "queued");
    return rc;
}

kb_db_rc_t
zorg_share_response (zorg_ctx_t *ctx, const Ketenbus__V1__ShareResponse *r, const char *message_id)
{
    kb_db_rc_t rc = KB_DB_OK;
    const char *from = r->from_org, *to = r->to_org;
    PGresult *res = zorg_store_run (ctx->db, "zorg_share_get", 1,
                                    (const char *[]){ s_str (r->share_id) }, &rc);
    if (!res)
        return rc;
    int reason = 0;
    char subject[128] = "", consent_id[ZORG_CONSENT_ID_MAX + 1] = "";
    bool known = PQntuples (res) == 1;
    if (known) {
        int direction = atoi (PQgetvalue (res, 0, 0));
        const char *a = PQgetvalue (res, 0, 1), *b = PQgetvalue (res, 0, 2);
        snprintf (consent_id, sizeof consent_id, "%s", PQgetvalue (res, 0, 3));
        int outcome = atoi (PQgetvalue (res, 0, 4));
        int share_reason = atoi (PQgetvalue (res, 0, 5));
        snprintf (subject, sizeof subject, "%s",
                  PQgetvalue (res, 0, 6)[0] ? PQgetvalue (res, 0, 6) : PQgetvalue (res, 0, 7));
        /* B answers A's request; A sends what it offered to B */
        bool pair = direction == KETENBUS__V1__SHARE_DIRECTION__SHARE_DIRECTION_OFFER
                        ? strcmp (from, a) == 0 && strcmp (to, b) == 0
                        : strcmp (from, b) == 0 && strcmp (to, a) == 0;
        if (!pair)
            known = false;
        else if (outcome == S_OUTCOME (DENY))
            reason = share_reason;
    }
    PQclear (res);
    if (!known)
        reason = S_REASON (UNKNOWN_SUBJECT);   /* no share between these two: nothing to say */
    if (!reason && consent_id[0]) {
        zorg_consent_t c;
        int n = zorg_consent_load (ctx->db, "zorg_consent_by_id", consent_id, &c, 1, &rc);
        if (n < 0)
            return rc;
        if (n == 0 || c.withdrawn)
            reason = S_REASON (CONSENT_WITHDRAWN);
        else if (!zorg_consent_in_force (&c, zorg_consent_today ()))
            reason = S_REASON (CONSENT_EXPIRED);
    }
    if (known) {
        const char *v[2] = { r->share_id, reason ? "false" : "true" };
        if ((rc = kb_db_run_cmd (ctx->db, "zorg_share_response_counted", 2, v, NULL, NULL))
            != KB_DB_OK)
            return rc;
    }
    kb_audit_entry_t e = { .actor_org = from,
                           .event = reason ? "share.response_refused" : "share.response_routed",
                           .action = 'E',
                           .subject_pseudonym = subject[0] ? subject : NULL,
                           .reason = reason ? s_reason_code (reason) : NULL,
                           .outcome = reason ? "not_delivered" : "queued",
                           .authorised = !reason,
                           .care_relation = known,
                           .consent = !reason && consent_id[0] };
    if ((rc = zorg_store_audit_entry (ctx, &e)) != KB_DB_OK)
        return rc;
    if (reason) {
        kb_info ("share response not delivered reason=%s message_id=\"%s\"",
                 s_reason_code (reason), message_id);
        return s_decision (ctx, from, r->share_id, S_OUTCOME (DENY), reason, "", 0, false,
                           message_id);
    }
    /* the sealed payload as it came; the backbone cannot open it */
    Ketenbus__V1__ShareResponse out = KETENBUS__V1__SHARE_RESPONSE__INIT;
    out.share_id = r->share_id;
    out.from_org = (char *) from;
    out.to_org = (char *) to;
    out.recipient_key_id = r->recipient_key_id;
    out.sealed_payload = r->sealed_payload;
    /* so that intake can hold it back if the consent is withdrawn while
       it waits in the recipient's mailbox */
    out.consent_id = consent_id;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE;
    env.share_response = &out;
    return zorg_store_send (ctx, to, &env, message_id);
}
