/*  ketenctl_retention - the retention purge. */
#include "ketenctl_retention.h"
#include "ketenctl_gezin.h"
#include "ketenctl_output.h"

#include "ketenbus/kb_audit.h"

#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl retention purge [--dry-run] [--json]\n"
             "  Removes what may no longer be kept (run it daily, e.g. with\n"
             "  deploy/systemd/ketenbus-retention.timer):\n"
             "  - a gezin whose plans are all closed for more than retention/closed_days,\n"
             "    with no open escalation: the gezin, gezinnen merged into it, members and\n"
             "    persons, involvement, plans, transfers, escalations, POTs, toewijzingen,\n"
             "    consents and shares in zorgtoewijzing, and its persons' signals in intake;\n"
             "  - signals about a person younger than retention/youth_age at the signal\n"
             "    (Verwijsindex): retention/youth_days after the signal, when the person\n"
             "    reaches that age, or when client-tracking ended a trajectory of the\n"
             "    person as overleden, whichever is first;\n"
             "  - the link positions of those persons' streams (intake's stream counter\n"
             "    and the receiver's last applied position, in zorgtoewijzing and\n"
             "    client-tracking), both in one transaction, for a stream with nothing\n"
             "    left to deliver: a later message about the person starts it anew;\n"
             "  - quarantined input older than retention/quarantine_days;\n"
             "  - dead letters (messages a daemon gave up on, payload included) older than\n"
             "    retention/dead_letter_days, on both sides of every link: kb_dead_letter and\n"
             "    the dead kb_outbox rows in intake, zorgtoewijzing, client-tracking and\n"
             "    monitoring.\n"
             "  Every purge is audited with counts per table, never content; audit rows\n"
             "  themselves are kept (they hold pseudonyms only). --dry-run counts and rolls\n"
             "  back.\n");
}

/* The gezinnen to purge ($1 = closed_days), and those merged into them. */
#define S_GEZINNEN                                                                               \
    "WITH RECURSIVE g0 AS (SELECT g.id FROM gezin g WHERE g.merged_into IS NULL"                 \
    "  AND EXISTS (SELECT 1 FROM plan p WHERE p.gezin_id = g.id)"                                \
    "  AND NOT EXISTS (SELECT 1 FROM plan p WHERE p.gezin_id = g.id AND (p.status <> 'closed'"   \
    "   OR p.updated_at >= now () - $1::int * interval '1 day'))"                                \
    "  AND NOT EXISTS (SELECT 1 FROM escalation e WHERE e.gezin_id = g.id"                       \
    "   AND e.status = 'open')),"                                                                \
    " gz AS (SELECT id FROM g0 UNION SELECT g.id FROM gezin g JOIN gz ON g.merged_into = gz.id)," \
    " members AS (SELECT pseudonym FROM gezin_member WHERE gezin_id IN (SELECT id FROM gz)) "

static const ketenctl_statement_t s_zorg_statements[] = {
    { "ketenctl_retention_subjects",
      S_GEZINNEN "SELECT coalesce (array_agg (pseudonym), '{}'), now () FROM members", 1 },
    /* one statement: foreign keys are checked at its end, when every
       dependent row is gone too */
    { "ketenctl_retention_zorg",
      S_GEZINNEN ","
      " plans AS (SELECT id FROM plan WHERE gezin_id IN (SELECT id FROM gz)),"
      " consents AS (SELECT consent_id FROM consent WHERE pseudonym IN (SELECT pseudonym FROM"
      "  members)),"
      " d_share AS (DELETE FROM share WHERE gezin_id IN (SELECT id FROM gz)"
      "  OR pseudonym IN (SELECT pseudonym FROM members)"
      "  OR consent_id IN (SELECT consent_id FROM consents) RETURNING 1),"
      " d_consent AS (DELETE FROM consent WHERE consent_id IN (SELECT consent_id FROM consents)"
      "  RETURNING 1),"
      " d_escalation AS (DELETE FROM escalation WHERE gezin_id IN (SELECT id FROM gz)"
      "  RETURNING 1),"
      " d_transfer AS (DELETE FROM transfer WHERE plan_id IN (SELECT id FROM plans) RETURNING 1),"
      " d_pot AS (DELETE FROM pot WHERE gezin_id IN (SELECT id FROM gz) RETURNING 1),"
      " d_toewijzing AS (DELETE FROM toewijzing WHERE pseudonym IN (SELECT pseudonym FROM members)"
      "  RETURNING id),"
      " d_toewijzing_event AS (DELETE FROM toewijzing_event WHERE toewijzing_id IN"
      "  (SELECT id FROM d_toewijzing) RETURNING 1),"
      " d_plan AS (DELETE FROM plan WHERE id IN (SELECT id FROM plans) RETURNING 1),"
      " d_involvement AS (DELETE FROM involvement WHERE gezin_id IN (SELECT id FROM gz)"
      "  RETURNING 1),"
      " d_member AS (DELETE FROM gezin_member WHERE gezin_id IN (SELECT id FROM gz) RETURNING 1),"
      " d_person AS (DELETE FROM person WHERE pseudonym IN (SELECT pseudonym FROM members)"
      "  RETURNING 1),"
      " d_gezin AS (DELETE FROM gezin WHERE id IN (SELECT id FROM gz) RETURNING 1)"
      " SELECT (SELECT count(*) FROM d_gezin), (SELECT count(*) FROM d_person),"
      " (SELECT count(*) FROM d_member), (SELECT count(*) FROM d_involvement),"
      " (SELECT count(*) FROM d_plan), (SELECT count(*) FROM d_transfer),"
      " (SELECT count(*) FROM d_escalation), (SELECT count(*) FROM d_pot),"
      " (SELECT count(*) FROM d_toewijzing), (SELECT count(*) FROM d_toewijzing_event),"
      " (SELECT count(*) FROM d_consent), (SELECT count(*) FROM d_share)",
      1 },
};
static const char *const s_zorg_tables[] = { "gezin", "person", "gezin_member", "involvement",
                                             "plan", "transfer", "escalation", "pot",
                                             "toewijzing", "toewijzing_event", "consent",
                                             "share" };
#define S_ZORG_TABLES (sizeof s_zorg_tables / sizeof s_zorg_tables[0])

static const ketenctl_statement_t s_intake_statements[] = {
    /* $1 subjects purged in zorgtoewijzing (signals received before $2);
       $3 youth_age, $4 youth_days, $5 persons who died (Verwijsindex) */
    { "ketenctl_retention_signals",
      "WITH d AS (DELETE FROM signal WHERE"
      " (subject_pseudonym = ANY ($1::text[]) AND received_at < $2::timestamptz)"
      " OR (subject_birth_date + $3::int * interval '1 year' > signal_date"
      "  AND (signal_date + $4::int <= current_date"
      "   OR subject_birth_date + $3::int * interval '1 year' <= current_date"
      "   OR subject_pseudonym = ANY ($5::text[])))"
      " RETURNING CASE WHEN subject_pseudonym = ANY ($1::text[]) THEN 'closed' ELSE 'youth' END"
      " AS why)"
      " SELECT count(*) FILTER (WHERE why = 'closed'), count(*) FILTER (WHERE why = 'youth')"
      " FROM d",
      5 },
    { "ketenctl_retention_quarantine",
      "DELETE FROM quarantine WHERE received_at < now () - $1::int * interval '1 day'", 1 },
};

/* The link positions of purged persons' streams, on intake's connection:
   intake names a person's stream by the pseudonym (to zorgtoewijzing) and
   "tracking:" + pseudonym (to client-tracking). Sender and receiver
   position go together in one transaction - a receiver that kept its
   position would take the restarted stream's first message for a
   duplicate, one that lost it alone would wait for a gap forever - and
   only for a stream whose outbox has nothing unacknowledged. $1 the
   pseudonyms, $2 the stream prefix. */
#define S_PERSON_STREAMS "(SELECT $2::text || p FROM unnest ($1::text[]) AS p)"
static const ketenctl_statement_t s_stream_statements[] = {
    /* a concurrent writer of such a stream commits first, or waits for us */
    { "ketenctl_retention_streams_lock",
      "SELECT stream FROM kb_link_stream WHERE stream IN " S_PERSON_STREAMS
      " ORDER BY stream FOR UPDATE",
      2 },
    { "ketenctl_retention_streams_sender",
      "WITH d AS (DELETE FROM kb_link_stream k WHERE k.stream IN " S_PERSON_STREAMS
      " AND NOT EXISTS (SELECT 1 FROM kb_outbox o WHERE o.stream = k.stream"
      "  AND o.acked_at IS NULL AND o.dead_at IS NULL) RETURNING k.stream)"
      " SELECT coalesce (array_agg (stream), '{}'), count(*) FROM d",
      2 },
    /* the receiver's schema for the rest of the transaction (a parameter,
       not SQL text: its configured name is never spliced into a statement) */
    { "ketenctl_retention_path_to",
      "SELECT set_config ('search_path', format ('%I', $1::text), true)", 1 },
    { "ketenctl_retention_path_back", "SELECT set_config ('search_path', $1, true)", 1 },
    { "ketenctl_retention_path_now", "SELECT current_setting ('search_path')", 0 },
    { "ketenctl_retention_streams_receiver",
      "DELETE FROM kb_inbox_stream WHERE sender = 'intake' AND stream = ANY ($1::text[])", 1 },
};
/* Whether the receiver schema $1 has stream positions (it may never have run). */
static const ketenctl_statement_t s_positions_there = {
    "ketenctl_retention_positions_there",
    "SELECT to_regclass (format ('%I.kb_inbox_stream', $1::text)) IS NOT NULL", 1
};
/* each receiver of intake's person streams: its schema's key, the prefix */
static const struct
{
    const char *key, *prefix;
} s_person_links[] = { { "zorg/schema", "" }, { "tracking/schema", "tracking:" } };
#define S_PERSON_LINKS (sizeof s_person_links / sizeof s_person_links[0])

/* Dead letters of one daemon's schema (its connection's search_path):
   $1 dead_letter_days. Whether the schema has link tables is asked on
   intake's connection first ($1 schema): a daemon that never ran has none,
   and opening a connection in its schema would create the schema. */
static const ketenctl_statement_t s_dead_there = {
    "ketenctl_retention_dead_there",
    "SELECT to_regclass (format ('%I.kb_dead_letter', $1::text)) IS NOT NULL"
    " AND to_regclass (format ('%I.kb_outbox', $1::text)) IS NOT NULL",
    1
};
static const ketenctl_statement_t s_dead_statements[] = {
    { "ketenctl_retention_dead_letters",
      "DELETE FROM kb_dead_letter WHERE dead_at < now () - $1::int * interval '1 day'", 1 },
    { "ketenctl_retention_dead_outbox",
      "DELETE FROM kb_outbox WHERE dead_at < now () - $1::int * interval '1 day'", 1 },
};
static const char *const s_dead_tables[] = { "kb_dead_letter", "kb_outbox_dead" };
/* the schemas with link tables, by their ketenctl configuration key */
static const char *const s_link_schema_keys[] = { "db/schema", "zorg/schema", "tracking/schema",
                                                  "monitoring/schema" };
#define S_LINK_SCHEMAS (sizeof s_link_schema_keys / sizeof s_link_schema_keys[0])

/* Persons whose trajectory client-tracking ended as overleden (outcome 5). */
static const ketenctl_statement_t s_deceased = {
    "ketenctl_retention_deceased",
    "SELECT coalesce (array_agg (DISTINCT person_pseudonym), '{}') FROM trajectory"
    " WHERE outcome = 5 AND person_pseudonym IS NOT NULL",
    0
};

/* Asked on intake's connection, so that client-tracking's schema is not
   created by looking for it. */
static const ketenctl_statement_t s_tracking_there = {
    "ketenctl_retention_tracking_there",
    "SELECT to_regclass (format ('%I.trajectory', $1::text)) IS NOT NULL", 1
};

/* The deceased persons' pseudonyms as an array literal (caller frees), "{}"
   when client-tracking's schema is not there (it never ran), NULL when it
   could not be read. */
static char *
s_deceased_read (const ketenctl_t *ctx, kb_db_t *intake)
{
    const char *schema = kb_config_str (ctx->config, "tracking/schema");
    kb_db_rc_t db_rc;
    PGresult *res = ketenctl_db_query (intake, &s_tracking_there, (const char *[]){ schema },
                                       &db_rc);
    if (!res)
        return NULL;
    bool there = PQgetvalue (res, 0, 0)[0] == 't';
    PQclear (res);
    if (!there)
        return strdup ("{}"); /* client-tracking never ran here */
    int rc;
    kb_db_t *db = ketenctl_db_open (ctx, schema, false, &rc);
    if (!db)
        return NULL;
    char *out = NULL;
    res = ketenctl_db_query (db, &s_deceased, NULL, &db_rc);
    if (res)
        out = strdup (PQgetvalue (res, 0, 0));
    PQclear (res);
    kb_db_destroy (&db);
    return out;
}

/* One audit row per table with rows purged: counts, never content. */
static int
s_audit_counts (kb_db_t *db, const char *const *tables, const long *counts, size_t n)
{
    char actor[128];
    ketenctl_actor (actor, sizeof actor);
    for (size_t i = 0; i < n; i++) {
        if (counts[i] == 0)
            continue;
        char outcome[48];
        snprintf (outcome, sizeof outcome, "purged:%ld", counts[i]);
        kb_audit_entry_t entry = { .actor_org = "ketenbus", .actor_user = actor,
                                   .event = "retention.purged", .action = 'D',
                                   .reason = tables[i], .outcome = outcome,
                                   .authorised = true };
        if (kb_audit_append (db, &entry) != KB_DB_OK)
            return -1;
    }
    return 0;
}

/* Commits (audited) or, for a dry run, rolls back. 0 or -1. */
static int
s_finish (kb_db_t *db, bool dry_run, const char *const *tables, const long *counts, size_t n)
{
    if (dry_run) {
        kb_db_rollback (db);
        return 0;
    }
    if (s_audit_counts (db, tables, counts, n) || kb_db_commit (db) != KB_DB_OK) {
        kb_db_rollback (db);
        return -1;
    }
    return 0;
}

/* The dead letters of the schema named by key: counts[2] purged (or
   counted, for a dry run), audited there. 0, 1 when the schema has no link
   tables, or -1. */
static int
s_purge_dead (const ketenctl_t *ctx, kb_db_t *intake, const char *key, const char *days,
              bool dry_run, long counts[2], int *exit_rc)
{
    counts[0] = counts[1] = 0;
    const char *schema = kb_config_str (ctx->config, key);
    kb_db_rc_t db_rc;
    PGresult *res = ketenctl_db_query (intake, &s_dead_there, (const char *[]){ schema }, &db_rc);
    if (!res) {
        ketenctl_err ("could not look for the link tables of schema \"%s\"", schema);
        return -1;
    }
    bool there = PQgetvalue (res, 0, 0)[0] == 't';
    PQclear (res);
    if (!there)
        return 1;
    kb_db_t *db = ketenctl_db_open (ctx, schema, false, exit_rc);
    if (!db)
        return -1;
    int rc = -1;
    if (kb_audit_prepare (db) || ketenctl_db_prepare (db, s_dead_statements, 2)
        || kb_db_begin (db) != KB_DB_OK)
        goto done;
    for (int i = 0; i < 2; i++) {
        res = kb_db_run (db, s_dead_statements[i].name, 1, (const char *[]){ days }, NULL, NULL,
                         &db_rc);
        if (!res) {
            kb_db_rollback (db);
            goto done;
        }
        counts[i] = atol (PQcmdTuples (res));
        PQclear (res);
    }
    rc = s_finish (db, dry_run, s_dead_tables, counts, 2);
done:
    if (rc < 0)
        ketenctl_err ("could not purge the dead letters of schema \"%s\" (sqlstate %s)",
                      schema, kb_db_last_sqlstate (db));
    kb_db_destroy (&db);
    return rc;
}

/* Removes the positions of the persons' streams towards each receiver:
   counts[2 * i] sender rows, counts[2 * i + 1] receiver rows of link i;
   audited in intake's log. 0 or -1 (database error, rolled back). */
static int
s_purge_positions (const ketenctl_t *ctx, kb_db_t *intake, const char *subjects, bool dry_run,
                   long counts[2 * S_PERSON_LINKS])
{
    char tables[2 * S_PERSON_LINKS][80];
    const char *names[2 * S_PERSON_LINKS];
    kb_db_rc_t db_rc;
    char path[256];
    if (ketenctl_db_prepare (intake, s_stream_statements, 6) || kb_db_begin (intake) != KB_DB_OK)
        return -1;
    PGresult *now = kb_db_run (intake, "ketenctl_retention_path_now", 0, NULL, NULL, NULL, &db_rc);
    if (!now)
        goto failed;
    snprintf (path, sizeof path, "%s", PQgetvalue (now, 0, 0));
    PQclear (now);
    for (size_t i = 0; i < S_PERSON_LINKS; i++) {
        const char *schema = kb_config_str (ctx->config, s_person_links[i].key);
        snprintf (tables[2 * i], sizeof tables[0], "kb_link_stream:%s", schema);
        snprintf (tables[2 * i + 1], sizeof tables[0], "%s.kb_inbox_stream", schema);
        names[2 * i] = tables[2 * i];
        names[2 * i + 1] = tables[2 * i + 1];
        counts[2 * i] = counts[2 * i + 1] = 0;
        PGresult *res = ketenctl_db_query (intake, &s_positions_there, (const char *[]){ schema },
                                           &db_rc);
        bool there = res && PQgetvalue (res, 0, 0)[0] == 't';
        PQclear (res);
        if (!res)
            goto failed;
        if (!there)
            continue; /* that receiver never ran: its streams still wait */
        const char *sv[2] = { subjects, s_person_links[i].prefix };
        if (!(res = kb_db_run (intake, "ketenctl_retention_streams_lock", 2, sv, NULL, NULL,
                               &db_rc)))
            goto failed;
        PQclear (res);
        if (!(res = kb_db_run (intake, "ketenctl_retention_streams_sender", 2, sv, NULL, NULL,
                               &db_rc)))
            goto failed;
        char *gone = strdup (PQgetvalue (res, 0, 0));
        counts[2 * i] = atol (PQgetvalue (res, 0, 1));
        PQclear (res);
        if (!gone)
            goto failed;
        res = kb_db_run (intake, "ketenctl_retention_path_to", 1, (const char *[]){ schema }, NULL,
                         NULL, &db_rc);
        PQclear (res);
        PGresult *del = res ? kb_db_run (intake, "ketenctl_retention_streams_receiver", 1,
                                         (const char *[]){ gone }, NULL, NULL, &db_rc)
                            : NULL;
        free (gone);
        if (del)
            counts[2 * i + 1] = atol (PQcmdTuples (del));
        PQclear (del);
        res = del ? kb_db_run (intake, "ketenctl_retention_path_back", 1, (const char *[]){ path },
                               NULL, NULL, &db_rc)
                  : NULL;
        PQclear (res);
        if (!res)
            goto failed;
    }
    if (s_finish (intake, dry_run, names, counts, 2 * S_PERSON_LINKS))
        return -1;
    return 0;
failed:
    kb_db_rollback (intake);
    return -1;
}

static int
s_purge (const ketenctl_t *ctx, int argc, char *argv[])
{
    bool dry_run = false, json = false;
    const ketenctl_option_t options[] = {
        { .name = "dry-run", .flag = &dry_run },
        { .name = "json", .flag = &json },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    char closed_days[16], youth_age[16], youth_days[16], quarantine_days[16];
    snprintf (closed_days, sizeof closed_days, "%lld",
              (long long) kb_config_int (ctx->config, "retention/closed_days"));
    snprintf (youth_age, sizeof youth_age, "%lld",
              (long long) kb_config_int (ctx->config, "retention/youth_age"));
    snprintf (youth_days, sizeof youth_days, "%lld",
              (long long) kb_config_int (ctx->config, "retention/youth_days"));
    snprintf (quarantine_days, sizeof quarantine_days, "%lld",
              (long long) kb_config_int (ctx->config, "retention/quarantine_days"));
    char dead_days[16];
    snprintf (dead_days, sizeof dead_days, "%lld",
              (long long) kb_config_int (ctx->config, "retention/dead_letter_days"));
    long dead_counts[S_LINK_SCHEMAS][2] = { { 0 } };
    long position_counts[2 * S_PERSON_LINKS] = { 0 };
    bool dead_there[S_LINK_SCHEMAS] = { false };

    kb_db_t *zorg = NULL, *intake = NULL;
    PGresult *subjects = NULL, *res = NULL;
    char *deceased = NULL;
    long zorg_counts[S_ZORG_TABLES] = { 0 }, intake_counts[3] = { 0 };
    static const char *const intake_tables[] = { "signal", "signal_youth", "quarantine" };
    zorg = ketenctl_zorg_open (ctx, &rc);
    if (!zorg)
        goto done;
    intake = ketenctl_db_open (ctx, kb_config_str (ctx->config, "db/schema"), true, &rc);
    if (!intake)
        goto done;
    if (!(deceased = s_deceased_read (ctx, intake))) {
        ketenctl_err ("could not read client-tracking's trajectories (tracking/schema)");
        rc = KETENCTL_FAILED;
        goto done;
    }
    rc = KETENCTL_FAILED;
    if (kb_audit_prepare (zorg) || kb_audit_prepare (intake)
        || ketenctl_db_prepare (zorg, s_zorg_statements, 2)
        || ketenctl_db_prepare (intake, s_intake_statements, 2)) {
        ketenctl_err ("could not prepare the retention statements (are the schemas migrated?)");
        goto done;
    }
    kb_db_rc_t db_rc;
    /* 1. intake first: the signals of the persons about to be purged
       (received before this moment), the Verwijsindex rule, quarantine.
       Should step 2 fail, the next run finds the same persons again. */
    subjects = kb_db_run (zorg, "ketenctl_retention_subjects", 1, (const char *[]){ closed_days },
                          NULL, NULL, &db_rc);
    if (!subjects || kb_db_begin (intake) != KB_DB_OK)
        goto db_failed;
    const char *sv[5] = { PQgetvalue (subjects, 0, 0), PQgetvalue (subjects, 0, 1), youth_age,
                          youth_days, deceased };
    res = kb_db_run (intake, "ketenctl_retention_signals", 5, sv, NULL, NULL, &db_rc);
    if (!res)
        goto db_failed;
    intake_counts[0] = atol (PQgetvalue (res, 0, 0));
    intake_counts[1] = atol (PQgetvalue (res, 0, 1));
    PQclear (res);
    res = kb_db_run (intake, "ketenctl_retention_quarantine", 1,
                     (const char *[]){ quarantine_days }, NULL, NULL, &db_rc);
    if (!res)
        goto db_failed;
    intake_counts[2] = atol (PQcmdTuples (res));
    PQclear (res);
    res = NULL;
    if (s_finish (intake, dry_run, intake_tables, intake_counts, 3))
        goto db_failed;

    /* 2. zorgtoewijzing: the gezinnen and everything about them */
    if (kb_db_begin (zorg) != KB_DB_OK)
        goto db_failed;
    res = kb_db_run (zorg, "ketenctl_retention_zorg", 1, (const char *[]){ closed_days }, NULL,
                     NULL, &db_rc);
    if (!res)
        goto db_failed;
    for (size_t i = 0; i < S_ZORG_TABLES; i++)
        zorg_counts[i] = atol (PQgetvalue (res, 0, (int) i));
    if (s_finish (zorg, dry_run, s_zorg_tables, zorg_counts, S_ZORG_TABLES))
        goto db_failed;

    /* 3. the link positions of the purged persons' streams */
    if (s_purge_positions (ctx, intake, PQgetvalue (subjects, 0, 0), dry_run, position_counts))
        goto db_failed;

    /* 4. dead letters, in each daemon's schema that has link tables */
    for (size_t i = 0; i < S_LINK_SCHEMAS; i++) {
        int there = s_purge_dead (ctx, intake, s_link_schema_keys[i], dead_days, dry_run,
                                  dead_counts[i], &rc);
        if (there < 0) {
            rc = rc == KETENCTL_UNREACHABLE ? rc : KETENCTL_FAILED;
            goto done;
        }
        dead_there[i] = there == 0;
    }

    if (json) {
        printf ("{\"dry_run\": %s, \"intake\": {", dry_run ? "true" : "false");
        for (size_t i = 0; i < 3; i++)
            printf ("%s\"%s\": %ld", i ? ", " : "", intake_tables[i], intake_counts[i]);
        printf ("}, \"zorgtoewijzing\": {");
        for (size_t i = 0; i < S_ZORG_TABLES; i++)
            printf ("%s\"%s\": %ld", i ? ", " : "", s_zorg_tables[i], zorg_counts[i]);
        printf ("}, \"link_positions\": {");
        for (size_t i = 0; i < S_PERSON_LINKS; i++)
            printf ("%s\"%s\": {\"sender\": %ld, \"receiver\": %ld}", i ? ", " : "",
                    kb_config_str (ctx->config, s_person_links[i].key), position_counts[2 * i],
                    position_counts[2 * i + 1]);
        printf ("}, \"dead_letters\": {");
        for (size_t i = 0, n = 0; i < S_LINK_SCHEMAS; i++)
            if (dead_there[i])
                printf ("%s\"%s\": {\"%s\": %ld, \"%s\": %ld}", n++ ? ", " : "",
                        kb_config_str (ctx->config, s_link_schema_keys[i]), s_dead_tables[0],
                        dead_counts[i][0], s_dead_tables[1], dead_counts[i][1]);
        printf ("}}\n");
    } else {
        printf ("%s\n", dry_run ? "retention purge (dry run, nothing removed):"
                                : "retention purge:");
        printf ("  intake: signals of closed gezinnen %ld, signals under the Verwijsindex rule "
                "%ld, quarantine %ld\n",
                intake_counts[0], intake_counts[1], intake_counts[2]);
        printf ("  zorgtoewijzing:");
        for (size_t i = 0; i < S_ZORG_TABLES; i++)
            printf ("%s %s %ld", i ? "," : "", s_zorg_tables[i], zorg_counts[i]);
        printf ("\n");
        for (size_t i = 0; i < S_PERSON_LINKS; i++)
            printf ("  link positions towards %s: intake %ld, receiver %ld\n",
                    kb_config_str (ctx->config, s_person_links[i].key), position_counts[2 * i],
                    position_counts[2 * i + 1]);
        for (size_t i = 0; i < S_LINK_SCHEMAS; i++)
            if (dead_there[i])
                printf ("  dead letters in %s: received %ld, sent %ld\n",
                        kb_config_str (ctx->config, s_link_schema_keys[i]), dead_counts[i][0],
                        dead_counts[i][1]);
    }
    rc = KETENCTL_OK;
    goto done;
db_failed:
    kb_db_rollback (intake);
    kb_db_rollback (zorg);
    ketenctl_err ("could not purge: database error (sqlstate %s)",
                  kb_db_last_sqlstate (zorg)[0] ? kb_db_last_sqlstate (zorg)
                                                : kb_db_last_sqlstate (intake));
    rc = KETENCTL_FAILED;
done:
    PQclear (res);
    PQclear (subjects);
    free (deceased);
    kb_db_destroy (&intake);
    kb_db_destroy (&zorg);
    return rc;
}

int
ketenctl_retention (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "purge", s_purge },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_usage);
}
