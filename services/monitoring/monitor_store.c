/*  monitor_store - the one insert per MonitoringEvent. */
#include "monitor_store.h"

#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_validate.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define S_PARAMS 40
#define S_DOMAINS 8 /* LifeDomain 1..8 */
#define S_CATEGORIES_MAX 32

/* Partner-chosen ids (trajectory_id, item_ref) are stored only as keyed
   hashes (mon_ref, migration 0005): an id a partner typed a name into
   never reaches monitoring's tables. */
int
monitor_store_prepare (kb_db_t *db)
{
    return kb_db_prepare (
      db,
      "mon_event_put",
      "INSERT INTO monitoring_event (message_id, sender, event_type, occurred_at,"
      " person_pseudonym, gezin_ref, plan_ref, trajectory_id, item_ref, gemeente_code, gebied,"
      " org, org_type, age_years, categories, urgency, trajectory_type, trajectory_state,"
      " trajectory_outcome, early_end_reason, shelter_type, shelter_destination, wet,"
      " product_category, pyramid_level, care_stop_reason, volume, unit, frequency, cost_cents,"
      " assessment_moment, share_outcome, legal_ground, event_date, start_date, end_date,"
      " duration_days, satisfaction_score, review_outcome, scores)"
      " VALUES ($1, $2, $3::int, to_timestamp($4::bigint / 1000.0), nullif($5, ''),"
      " nullif($6, ''), nullif($7, ''), mon_ref($8), mon_item_ref($3::int, $9), nullif($10, ''),"
      " nullif($11, ''), nullif($12, ''), $13::int, $14::int, $15::int[], $16::int, $17::int,"
      " $18::int, $19::int, $20::int, $21::int, $22::int, $23::int, nullif($24, ''), $25::int,"
      " $26::int, $27::int, $28::int, $29::int, $30::bigint, $31::int, $32::int, $33::int,"
      " nullif($34, '')::date, nullif($35, '')::date, nullif($36, '')::date, $37::int, $38::int,"
      " $39::int, $40::int[])",
      S_PARAMS);
}

/* Empty, or 1..MONITOR_REF_MAX printable ASCII characters without spaces:
   a pseudonym, reference, code or organisation id, never free text. */
static bool
s_ref_ok (const char *s)
{
    if (!s || !*s)
        return true;
    if (strlen (s) > MONITOR_REF_MAX)
        return false;
    for (const char *p = s; *p; p++)
        if (*p <= ' ' || *p > '~')
            return false;
    return true;
}

static bool
s_date_ok (const char *s)
{
    int32_t days;
    return !s || !*s || kb_validate_date (s, &days);
}

static const char *
s_check (const Ketenbus__V1__MonitoringEvent *ev)
{
    if (ev->event_type <= 0)
        return "monitoring event without an event type";
    if (ev->occurred_at_ms <= 0)
        return "monitoring event without occurred_at_ms";
    const char *refs[] = { ev->person_pseudonym, ev->gezin_ref, ev->plan_ref,
                           ev->trajectory_id,    ev->item_ref,  ev->gemeente_code,
                           ev->gebied,           ev->org,       ev->product_category };
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
        if (!s_ref_ok (refs[i]))
            return "monitoring event with a reference that is not a code (free text?)";
    if (!s_date_ok (ev->event_date) || !s_date_ok (ev->start_date) || !s_date_ok (ev->end_date))
        return "monitoring event with a date that is not YYYY-MM-DD";
    if (ev->n_categories > S_CATEGORIES_MAX)
        return "monitoring event with too many categories";
    for (size_t i = 0; i < ev->n_scores; i++) {
        const Ketenbus__V1__DomainScore *ds = ev->scores[i];
        if (!ds || ds->domain <= 0 || ds->domain > S_DOMAINS || ds->score < 1 || ds->score > 5)
            return "monitoring event with a score outside 1..5 or an unknown domain";
    }
    return NULL;
}

int
monitor_store_apply (kb_db_t *db,
                     const char *sender,
                     const char *stream,
                     const char *message_id,
                     const void *payload,
                     size_t len,
                     void *arg,
                     char *reason_buf,
                     size_t reason_len)
{
    (void)stream;
    (void)arg;
    kb_envelope_t *env = NULL;
    int result = 0;
    kb_codec_rc_t crc = kb_codec_decode (payload, len, MONITOR_MAX_MESSAGE_BYTES, &env);
    if (crc != KB_CODEC_OK) {
        snprintf (reason_buf, reason_len, "could not decode envelope: %s", kb_codec_rc_text (crc));
        return KB_LINK_POISON;
    }
    if (env->body_case != KETENBUS__V1__ENVELOPE__BODY_MONITORING_EVENT) {
        snprintf (reason_buf,
                  reason_len,
                  "unexpected body \"%s\" on the monitoring link",
                  kb_codec_body_name (env));
        result = KB_LINK_POISON;
        goto done;
    }
    const Ketenbus__V1__MonitoringEvent *ev = env->monitoring_event;
    const char *problem = s_check (ev);
    if (problem) {
        snprintf (reason_buf, reason_len, "%s", problem);
        result = KB_LINK_POISON;
        goto done;
    }
    char num[S_PARAMS][24];
    char categories[S_CATEGORIES_MAX * 12 + 3];
    size_t off = 0;
    categories[off++] = '{';
    for (size_t i = 0; i < ev->n_categories; i++)
        off += (size_t)snprintf (
          categories + off, sizeof categories - off, "%s%d", i ? "," : "", (int)ev->categories[i]);
    snprintf (categories + off, sizeof categories - off, "}");
    const char *v[S_PARAMS];
    v[0] = message_id;
    v[1] = sender ? sender : "";
#define S_INT(i, x) (snprintf (num[i], sizeof num[i], "%lld", (long long)(x)), v[i] = num[i])
    S_INT (2, ev->event_type);
    S_INT (3, ev->occurred_at_ms);
    v[4] = ev->person_pseudonym;
    v[5] = ev->gezin_ref;
    v[6] = ev->plan_ref;
    v[7] = ev->trajectory_id;
    v[8] = ev->item_ref;
    v[9] = ev->gemeente_code;
    v[10] = ev->gebied;
    v[11] = ev->org;
    S_INT (12, ev->org_type);
    S_INT (13, ev->age_years);
    v[14] = categories;
    S_INT (15, ev->urgency);
    S_INT (16, ev->trajectory_type);
    S_INT (17, ev->trajectory_state);
    S_INT (18, ev->trajectory_outcome);
    S_INT (19, ev->early_end_reason);
    S_INT (20, ev->shelter_type);
    S_INT (21, ev->shelter_destination);
    S_INT (22, ev->wet);
    v[23] = ev->product_category;
    S_INT (24, ev->pyramid_level);
    S_INT (25, ev->care_stop_reason);
    S_INT (26, ev->volume);
    S_INT (27, ev->unit);
    S_INT (28, ev->frequency);
    S_INT (29, ev->cost_cents);
    S_INT (30, ev->assessment_moment);
    S_INT (31, ev->share_outcome);
    S_INT (32, ev->legal_ground);
    v[33] = ev->event_date;
    v[34] = ev->start_date;
    v[35] = ev->end_date;
    S_INT (36, ev->duration_days);
    S_INT (37, ev->satisfaction_score);
    S_INT (38, ev->review_outcome);
#undef S_INT
    /* scores[d] = the score of LifeDomain d, 0 when not assessed; "{}"
       for events without scores */
    char scores[S_DOMAINS * 4 + 3] = "{}";
    if (ev->n_scores > 0) {
        int by_domain[S_DOMAINS + 1] = { 0 };
        for (size_t i = 0; i < ev->n_scores; i++)
            by_domain[ev->scores[i]->domain] = (int)ev->scores[i]->score;
        size_t so = 0;
        scores[so++] = '{';
        for (int d = 1; d <= S_DOMAINS; d++)
            so += (size_t)snprintf (
              scores + so, sizeof scores - so, "%s%d", d > 1 ? "," : "", by_domain[d]);
        snprintf (scores + so, sizeof scores - so, "}");
    }
    v[39] = scores;
    for (int i = 0; i < S_PARAMS; i++)
        if (!v[i])
            v[i] = "";
    kb_db_rc_t rc = kb_db_run_cmd (db, "mon_event_put", S_PARAMS, v, NULL, NULL);
    if (rc == KB_DB_RETRY)
        result = KB_LINK_RETRY;
    else if (rc != KB_DB_OK) {
        snprintf (reason_buf,
                  reason_len,
                  "could not store monitoring event sqlstate=%s",
                  kb_db_last_sqlstate (db));
        result = KB_LINK_POISON;
    }
done:
    kb_codec_free (&env);
    return result;
}
