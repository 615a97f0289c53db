/*  tracking_store - prepared statements and the side effects of a change. */
#include "tracking_store.h"

#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_uuid.h"
#include "ketenbus/kb_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#define S_TRAJECTORY_COLUMNS                                                                       \
    "id, trajectory_id, trajectory_type, state, outcome, early_end_reason, state_date::text,"      \
    " coalesce(aangemeld_date::text, ''), coalesce(regisseur_org, ''),"                            \
    " coalesce(person_pseudonym, ''), coalesce(gezin_ref, ''), coalesce(plan_ref, ''),"            \
    " coalesce(gemeente_code, ''), coalesce(gebied, ''), regisseur_org_type"

int
tracking_store_prepare (kb_db_t *db)
{
    int rc = 0;
    rc |= kb_db_prepare (db, "trk_stream_key", "SELECT key FROM monitor_stream_key WHERE id = 1", 0);
    rc |= kb_db_prepare (db,
                         "trk_trajectory_get",
                         "SELECT " S_TRAJECTORY_COLUMNS
                         " FROM trajectory WHERE trajectory_id = $1 FOR UPDATE",
                         1);
    rc |= kb_db_prepare (
      db,
      "trk_trajectory_open",
      "INSERT INTO trajectory (trajectory_id, trajectory_type, person_pseudonym, gezin_ref,"
      " plan_ref, regisseur_org, state, state_date, aangemeld_date, aangemeld_at,"
      " gemeente_code, gebied, regisseur_org_type)"
      " VALUES ($1, $2::int, nullif($3, ''), nullif($4, ''), nullif($5, ''), nullif($6, ''),"
      " 1, $7::date, $7::date, now(), nullif($8, ''), nullif($9, ''), $10::int) RETURNING id",
      10);
    /* SET expressions see the old row: the first arrival in a state stamps it */
    rc |= kb_db_prepare (
      db,
      "trk_trajectory_step",
      "UPDATE trajectory SET state = $2::int, state_date = $3::date, outcome = $4::int,"
      " early_end_reason = $5::int,"
      " regisseur_org = coalesce(nullif($6, ''), regisseur_org),"
      " plan_ref = coalesce(nullif($7, ''), plan_ref),"
      " gezin_ref = coalesce(nullif($8, ''), gezin_ref),"
      " person_pseudonym = coalesce(nullif($9, ''), person_pseudonym),"
      " gemeente_code = coalesce(nullif($10, ''), gemeente_code),"
      " gebied = coalesce(nullif($11, ''), gebied),"
      " regisseur_org_type = CASE WHEN $12::int > 0 THEN $12::int ELSE regisseur_org_type END,"
      " plan_date = CASE WHEN $2::int = 2 AND state <> 2 THEN $3::date ELSE plan_date END,"
      " plan_at = CASE WHEN $2::int = 2 AND state <> 2 THEN now() ELSE plan_at END,"
      " uitvoering_date = CASE WHEN $2::int = 3 AND state <> 3 THEN $3::date ELSE uitvoering_date "
      "END,"
      " uitvoering_at = CASE WHEN $2::int = 3 AND state <> 3 THEN now() ELSE uitvoering_at END,"
      " afgerond_date = CASE WHEN $2::int = 4 THEN $3::date ELSE afgerond_date END,"
      " afgerond_at = CASE WHEN $2::int = 4 THEN now() ELSE afgerond_at END,"
      " last_update_at = now(), stale_notified_at = NULL, stale_kind = NULL"
      " WHERE id = $1::bigint",
      12);
    rc |= kb_db_prepare (
      db,
      "trk_trajectory_event",
      "INSERT INTO trajectory_event (trajectory, message_id, from_state, to_state, outcome,"
      " early_end_reason, state_date, regisseur_org)"
      " VALUES ($1::bigint, $2, $3::int, $4::int, $5::int, $6::int, $7::date, nullif($8, ''))",
      8);
    rc |= kb_db_prepare (db,
                         "trk_episode_get",
                         "SELECT uitstroom_date IS NOT NULL, instroom_date::text, person_pseudonym"
                         " FROM shelter_episode WHERE episode_id = $1 FOR UPDATE",
                         1);
    rc |= kb_db_prepare (
      db,
      "trk_episode_put",
      "INSERT INTO shelter_episode AS e (episode_id, shelter_type, person_pseudonym,"
      " trajectory_id, gemeente_code, sender_org, instroom_date, uitstroom_date, destination,"
      " accompanying_children, in_at, out_at)"
      " VALUES ($1, $2::int, $3, nullif($4, ''), nullif($5, ''), nullif($6, ''), $7::date,"
      " nullif($8, '')::date, $9::int, $10::int,"
      " CASE WHEN $9::int = 0 THEN now() END, CASE WHEN $9::int <> 0 THEN now() END)"
      " ON CONFLICT (episode_id) DO UPDATE SET uitstroom_date = EXCLUDED.uitstroom_date,"
      " destination = EXCLUDED.destination, out_at = now(),"
      " trajectory_id = coalesce(EXCLUDED.trajectory_id, e.trajectory_id)",
      10);
    rc |= kb_db_prepare (
      db,
      "trk_assessment_put",
      "INSERT INTO assessment (assessment_id, trajectory_id, person_pseudonym, moment,"
      " assessment_date, score_housing, score_income, score_daily_activities,"
      " score_social_network, score_mental_health, score_addiction, score_justice,"
      " score_physical_health, stable_position)"
      " VALUES ($1, nullif($2, ''), nullif($3, ''), $4::int, $5::date,"
      " nullif($6, '0')::smallint, nullif($7, '0')::smallint, nullif($8, '0')::smallint,"
      " nullif($9, '0')::smallint, nullif($10, '0')::smallint, nullif($11, '0')::smallint,"
      " nullif($12, '0')::smallint, nullif($13, '0')::smallint, $14::boolean)"
      " ON CONFLICT (assessment_id) DO NOTHING RETURNING id",
      14);
    rc |= kb_db_prepare (
      db,
      "trk_stale_due",
      "SELECT " S_TRAJECTORY_COLUMNS ","
      " CASE WHEN state = 1 THEN 'no_plan' ELSE 'no_update' END"
      " FROM trajectory WHERE state < 4 AND regisseur_org IS NOT NULL"
      " AND stale_notified_at IS NULL"
      " AND ((state = 1 AND aangemeld_at < now() - $1::int * interval '1 second')"
      "   OR (state IN (2, 3) AND last_update_at < now() - $2::int * interval '1 second'))"
      " ORDER BY id LIMIT $3::int FOR UPDATE SKIP LOCKED",
      3);
    rc |=
      kb_db_prepare (db,
                     "trk_satisfaction_seen",
                     "INSERT INTO satisfaction_seen (sender_org, measurement_id) VALUES ($1, $2)"
                     " ON CONFLICT DO NOTHING RETURNING 1",
                     2);
    rc |= kb_db_prepare (
      db,
      "trk_stale_mark",
      "UPDATE trajectory SET stale_notified_at = now(), stale_kind = $2 WHERE id = $1::bigint",
      2);
    return rc ? -1 : 0;
}

static void
s_copy (char *dst, size_t size, PGresult *res, int row, int col)
{
    snprintf (dst, size, "%s", PQgetvalue (res, row, col));
}

static const char *
s_str (const char *s)
{
    return s ? s : "";
}

void
tracking_store_stale_row (PGresult *res, int i, tracking_trajectory_t *row)
{
    memset (row, 0, sizeof *row);
    row->found = true;
    row->id = atol (PQgetvalue (res, i, 0));
    s_copy (row->trajectory_id, sizeof row->trajectory_id, res, i, 1);
    row->type = atoi (PQgetvalue (res, i, 2));
    row->state = atoi (PQgetvalue (res, i, 3));
    row->outcome = atoi (PQgetvalue (res, i, 4));
    row->early_end_reason = atoi (PQgetvalue (res, i, 5));
    s_copy (row->state_date, sizeof row->state_date, res, i, 6);
    s_copy (row->aangemeld_date, sizeof row->aangemeld_date, res, i, 7);
    s_copy (row->regisseur_org, sizeof row->regisseur_org, res, i, 8);
    s_copy (row->pseudonym, sizeof row->pseudonym, res, i, 9);
    s_copy (row->gezin_ref, sizeof row->gezin_ref, res, i, 10);
    s_copy (row->plan_ref, sizeof row->plan_ref, res, i, 11);
    s_copy (row->gemeente_code, sizeof row->gemeente_code, res, i, 12);
    s_copy (row->gebied, sizeof row->gebied, res, i, 13);
    row->regisseur_org_type = atoi (PQgetvalue (res, i, 14));
}

kb_db_rc_t
tracking_store_trajectory_get (tracking_ctx_t *ctx,
                               const char *trajectory_id,
                               tracking_trajectory_t *row)
{
    const char *values[1] = { trajectory_id };
    kb_db_rc_t rc;
    memset (row, 0, sizeof *row);
    PGresult *res = kb_db_run (ctx->db, "trk_trajectory_get", 1, values, NULL, NULL, &rc);
    if (!res)
        return rc;
    if (PQntuples (res) == 1)
        tracking_store_stale_row (res, 0, row);
    PQclear (res);
    return KB_DB_OK;
}

kb_db_rc_t
tracking_store_trajectory_open (tracking_ctx_t *ctx,
                                const Ketenbus__V1__TrajectoryUpdate *u,
                                long *id_out)
{
    char type[12], org_type[12];
    snprintf (type, sizeof type, "%d", (int)u->trajectory_type);
    snprintf (org_type, sizeof org_type, "%d", (int)u->regisseur_org_type);
    const char *values[10] = { u->trajectory_id,     type,
                               s_str (u->pseudonym), s_str (u->gezin_ref),
                               s_str (u->plan_ref),  s_str (u->regisseur_org),
                               u->state_date,        s_str (u->gemeente_code),
                               s_str (u->gebied),    org_type };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (ctx->db, "trk_trajectory_open", 10, values, NULL, NULL, &rc);
    if (!res)
        return rc;
    *id_out = atol (PQgetvalue (res, 0, 0));
    PQclear (res);
    return KB_DB_OK;
}

kb_db_rc_t
tracking_store_trajectory_step (tracking_ctx_t *ctx,
                                long id,
                                const Ketenbus__V1__TrajectoryUpdate *u)
{
    char sid[24], state[12], outcome[12], reason[12], org_type[12];
    snprintf (sid, sizeof sid, "%ld", id);
    snprintf (state, sizeof state, "%d", (int)u->state);
    snprintf (outcome, sizeof outcome, "%d", (int)u->outcome);
    snprintf (reason, sizeof reason, "%d", (int)u->early_end_reason);
    snprintf (org_type, sizeof org_type, "%d", (int)u->regisseur_org_type);
    const char *values[12] = { sid,
                               state,
                               u->state_date,
                               outcome,
                               reason,
                               s_str (u->regisseur_org),
                               s_str (u->plan_ref),
                               s_str (u->gezin_ref),
                               s_str (u->pseudonym),
                               s_str (u->gemeente_code),
                               s_str (u->gebied),
                               org_type };
    return kb_db_run_cmd (ctx->db, "trk_trajectory_step", 12, values, NULL, NULL);
}

kb_db_rc_t
tracking_store_trajectory_event (tracking_ctx_t *ctx,
                                 long id,
                                 const char *message_id,
                                 int from_state,
                                 const Ketenbus__V1__TrajectoryUpdate *u)
{
    char sid[24], from[12], to[12], outcome[12], reason[12];
    snprintf (sid, sizeof sid, "%ld", id);
    snprintf (from, sizeof from, "%d", from_state);
    snprintf (to, sizeof to, "%d", (int)u->state);
    snprintf (outcome, sizeof outcome, "%d", (int)u->outcome);
    snprintf (reason, sizeof reason, "%d", (int)u->early_end_reason);
    const char *values[8] = { sid,     message_id, from,          to,
                              outcome, reason,     u->state_date, s_str (u->regisseur_org) };
    return kb_db_run_cmd (ctx->db, "trk_trajectory_event", 8, values, NULL, NULL);
}

kb_db_rc_t
tracking_store_episode_get (tracking_ctx_t *ctx,
                            const char *episode_id,
                            tracking_episode_row_t *row)
{
    const char *values[1] = { episode_id };
    kb_db_rc_t rc;
    memset (row, 0, sizeof *row);
    PGresult *res = kb_db_run (ctx->db, "trk_episode_get", 1, values, NULL, NULL, &rc);
    if (!res)
        return rc;
    if (PQntuples (res) == 1) {
        row->found = true;
        row->closed = PQgetvalue (res, 0, 0)[0] == 't';
        s_copy (row->instroom_date, sizeof row->instroom_date, res, 0, 1);
        s_copy (row->pseudonym, sizeof row->pseudonym, res, 0, 2);
    }
    PQclear (res);
    return KB_DB_OK;
}

kb_db_rc_t
tracking_store_episode_put (tracking_ctx_t *ctx,
                            const Ketenbus__V1__ShelterEpisode *e,
                            const char *sender)
{
    bool out = e->event == KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    char type[12], dest[12], children[12];
    snprintf (type, sizeof type, "%d", (int)e->shelter_type);
    snprintf (dest, sizeof dest, "%d", out ? (int)e->destination : 0);
    snprintf (children, sizeof children, "%u", (unsigned)e->accompanying_children);
    const char *values[10] = { e->episode_id,
                               type,
                               e->pseudonym,
                               s_str (e->trajectory_id),
                               s_str (e->gemeente_code),
                               s_str (sender),
                               e->instroom_date,
                               out ? s_str (e->uitstroom_date) : "",
                               dest,
                               children };
    return kb_db_run_cmd (ctx->db, "trk_episode_put", 10, values, NULL, NULL);
}

kb_db_rc_t
tracking_store_assessment_put (tracking_ctx_t *ctx,
                               const Ketenbus__V1__SelfSufficiencyAssessment *a,
                               const tracking_scores_t *scores,
                               bool stable,
                               bool *inserted)
{
    char moment[12], s[TRACKING_DOMAIN_MAX + 1][4];
    snprintf (moment, sizeof moment, "%d", (int)a->moment);
    for (int d = 1; d <= TRACKING_DOMAIN_MAX; d++)
        snprintf (s[d], sizeof s[d], "%d", scores->scores[d]);
    const char *values[14] = { a->assessment_id,
                               s_str (a->trajectory_id),
                               s_str (a->pseudonym),
                               moment,
                               a->assessment_date,
                               s[1],
                               s[2],
                               s[3],
                               s[4],
                               s[5],
                               s[6],
                               s[7],
                               s[8],
                               stable ? "true" : "false" };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (ctx->db, "trk_assessment_put", 14, values, NULL, NULL, &rc);
    if (!res)
        return rc;
    *inserted = PQntuples (res) == 1;
    PQclear (res);
    return KB_DB_OK;
}

kb_db_rc_t
tracking_store_satisfaction_seen (tracking_ctx_t *ctx,
                                  const char *sender_org,
                                  const char *measurement_id,
                                  bool *first)
{
    const char *values[2] = { s_str (sender_org), measurement_id };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (ctx->db, "trk_satisfaction_seen", 2, values, NULL, NULL, &rc);
    if (!res)
        return rc;
    *first = PQntuples (res) == 1;
    PQclear (res);
    return KB_DB_OK;
}

kb_db_rc_t
tracking_store_send (tracking_ctx_t *ctx,
                     const char *stream,
                     kb_envelope_t *env,
                     const char *correlation_id)
{
    char id[KB_UUID_LEN + 1];
    kb_uuid_v4 (id);
    env->message_id = id;
    env->correlation_id = (char *)(correlation_id ? correlation_id : "");
    env->sent_at_ms = (int64_t)time (NULL) * 1000;
    env->schema_version = KB_SCHEMA_VERSION;
    env->sender_org = TRACKING_ACTOR;
    size_t len = 0;
    uint8_t *bytes = kb_codec_encode (env, &len);
    env->message_id = NULL;
    env->correlation_id = NULL;
    env->sender_org = NULL;
    if (!bytes)
        return KB_DB_FATAL;
    kb_db_rc_t rc = ctx->outbox ? kb_outbox_batch_add (ctx->outbox, stream, id, bytes, len)
                                : kb_outbox_put (ctx->db, stream, id, bytes, len);
    free (bytes);
    if (rc == KB_DB_OK)
        kb_debug ("queued message body=%s stream=\"%s\"", kb_codec_body_name (env), stream);
    return rc;
}

kb_db_rc_t
tracking_store_load_key (tracking_ctx_t *ctx)
{
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (ctx->db, "trk_stream_key", 0, NULL, NULL, NULL, &rc);
    if (!res)
        return rc;
    ctx->have_stream_key = false;
    if (PQntuples (res) == 1 && PQgetlength (res, 0, 0) == 66) {
        /* bytea in text form: \x and 64 hex digits */
        const char *hex = PQgetvalue (res, 0, 0);
        size_t len = 0;
        ctx->have_stream_key =
          strncmp (hex, "\\x", 2) == 0 &&
          sodium_hex2bin (ctx->stream_key, sizeof ctx->stream_key, hex + 2, 64, NULL, &len, NULL) ==
            0 &&
          len == sizeof ctx->stream_key;
    }
    PQclear (res);
    if (!ctx->have_stream_key) {
        kb_error ("could not read the monitoring stream key (client-tracking migration 0003)");
        return KB_DB_FATAL;
    }
    return KB_DB_OK;
}

/* The stream of key's events towards monitoring: a keyed hash, so that a
   partner's id never becomes a stream name in monitoring's inbox. */
static void
s_monitor_stream (const tracking_ctx_t *ctx, const char *key, char stream[KB_LINK_ID_MAX + 1])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init (&st);
    crypto_hash_sha256_update (&st, ctx->stream_key, sizeof ctx->stream_key);
    crypto_hash_sha256_update (&st, (const uint8_t *)key, strlen (key));
    crypto_hash_sha256_final (&st, h);
    size_t prefix = strlen (TRACKING_MONITOR_PREFIX);
    memcpy (stream, TRACKING_MONITOR_PREFIX, prefix);
    sodium_bin2hex (stream + prefix, 33, h, 16);
}

kb_db_rc_t
tracking_store_monitor (tracking_ctx_t *ctx,
                        const char *key,
                        Ketenbus__V1__MonitoringEvent *ev,
                        const char *correlation_id)
{
    if (!ctx->have_stream_key)
        return KB_DB_FATAL;
    char stream[KB_LINK_ID_MAX + 1];
    s_monitor_stream (ctx, key, stream);
    if (ev->occurred_at_ms == 0) {
        struct timespec ts;
        clock_gettime (CLOCK_REALTIME, &ts);
        ev->occurred_at_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_MONITORING_EVENT;
    env.monitoring_event = ev;
    return tracking_store_send (ctx, stream, &env, correlation_id);
}

kb_db_rc_t
tracking_store_audit (tracking_ctx_t *ctx,
                      const char *actor_org,
                      const char *event,
                      char action,
                      const char *subject,
                      const char *reason,
                      const char *outcome)
{
    kb_audit_entry_t entry = { .actor_org = actor_org && *actor_org ? actor_org : TRACKING_ACTOR,
                               .event = event,
                               .action = action,
                               .subject_pseudonym = subject && *subject ? subject : NULL,
                               .reason = reason,
                               .outcome = outcome ? outcome : "ok",
                               .authorised = true };
    int rc =
      ctx->audit ? kb_audit_batch_append (ctx->audit, &entry) : kb_audit_append (ctx->db, &entry);
    return rc == KB_DB_OK ? KB_DB_OK : rc == KB_DB_RETRY ? KB_DB_RETRY : KB_DB_FATAL;
}

PGresult *
tracking_store_stale_due (tracking_ctx_t *ctx,
                          int no_plan_s,
                          int no_update_s,
                          int limit,
                          kb_db_rc_t *rc)
{
    char p[12], u[12], l[12];
    snprintf (p, sizeof p, "%d", no_plan_s);
    snprintf (u, sizeof u, "%d", no_update_s);
    snprintf (l, sizeof l, "%d", limit);
    const char *values[3] = { p, u, l };
    return kb_db_run (ctx->db, "trk_stale_due", 3, values, NULL, NULL, rc);
}

kb_db_rc_t
tracking_store_stale_mark (tracking_ctx_t *ctx, long id, const char *kind)
{
    char sid[24];
    snprintf (sid, sizeof sid, "%ld", id);
    const char *values[2] = { sid, kind };
    return kb_db_run_cmd (ctx->db, "trk_stale_mark", 2, values, NULL, NULL);
}
