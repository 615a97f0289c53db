/*  it_audit - the audit log against a real PostgreSQL

    Each test gets a fresh database with the audit migrations applied in the
    schema "audit_it". Tampering is simulated as an attacker with superuser
    rights would do it: on a separate connection, with the append-only
    triggers disabled.
*/

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb_test_support.h"
#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_log.h"

#define SCHEMA "audit_it"
#define WRITERS 4
#define WRITER_TXNS 50
#define WRITER_ROWS_PER_TXN 2

#define ATTACK "ALTER TABLE audit_it.kb_audit DISABLE TRIGGER ALL; "

typedef struct {
    char *conninfo;
    kb_db_t *db;
} fixture_t;

static kb_db_t *
s_connect (const char *conninfo)
{
    kb_db_t *db = kb_db_connect (conninfo, SCHEMA, 5000);
    if (!db)
        return NULL;
    if (kb_audit_prepare (db)) {
        kb_db_destroy (&db);
        return NULL;
    }
    return db;
}

static fixture_t *
s_fixture_new (const char *dbname)
{
    fixture_t *f = calloc (1, sizeof *f);
    assert_non_null (f);
    f->conninfo = kbt_db_create (dbname);
    kb_db_t *boot = kb_db_connect (f->conninfo, SCHEMA, 5000);
    assert_non_null (boot);
    char *dir = kbt_source_path ("deploy/migrations");
    assert_int_equal (kb_db_migrate (boot, dir, "audit"), 0);
    free (dir);
    kb_db_destroy (&boot);
    f->db = s_connect (f->conninfo);
    assert_non_null (f->db);
    return f;
}

static void
s_fixture_destroy (fixture_t **f_p)
{
    fixture_t *f = *f_p;
    kb_db_destroy (&f->db);
    free (f->conninfo);
    free (f);
    *f_p = NULL;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    if (f)
        s_fixture_destroy (&f);
    return 0;
}

//  Entry number i of writer w: varied fields, never personal data.
static kb_audit_entry_t
s_entry (int w, int i, char org [32], char subject [32])
{
    static const char actions [] = "CRUDE";
    static const char *const events [] = { "signal.accepted", "share.decided", "regie.assigned",
                                           "partner.revoked", "operator.replay" };
    snprintf (org, 32, "org-%d", w);
    snprintf (subject, 32, "ps%08x", (unsigned) (i * 2654435761u));
    kb_audit_entry_t e = {
        .actor_org = org, .actor_user = i % 3 ? "u-12" : NULL,
        .on_behalf_of = i % 4 == 0 ? "gemeente-0363" : NULL, .event = events [i % 5],
        .action = actions [i % 5], .subject_pseudonym = i % 6 ? subject : NULL,
        .reason = i % 2 ? "consent" : "meldcode", .outcome = i % 7 ? "allowed" : "denied",
        .authorised = true, .care_relation = i % 2 == 0, .consent = i % 2 == 1,
        .emergency = i % 10 == 0
    };
    return e;
}

//  Appends n entries, per_txn in each transaction; returns 0 or the failing rc.
static int
s_append_n (kb_db_t *db, int writer, int first, int n, int per_txn)
{
    int i = first;
    while (i < first + n) {
        int rc = kb_db_begin (db);
        int done = 0;
        for (int k = 0; rc == 0 && k < per_txn && i + k < first + n; k++) {
            char org [32], subject [32];
            kb_audit_entry_t e = s_entry (writer, i + k, org, subject);
            rc = kb_audit_append (db, &e);
            done++;
        }
        if (rc == 0)
            rc = kb_db_commit (db);
        if (rc == KB_DB_RETRY) {
            kb_db_rollback (db);
            continue;               //  the whole transaction again
        }
        if (rc != 0) {
            kb_db_rollback (db);
            return rc;
        }
        i += done;
    }
    return 0;
}

//  True when sql fails (on its own connection).
static bool
s_sql_fails (const char *conninfo, const char *sql)
{
    PGconn *conn = PQconnectdb (conninfo);
    assert_int_equal (PQstatus (conn), CONNECTION_OK);
    PGresult *res = PQexec (conn, sql);
    ExecStatusType st = PQresultStatus (res);
    PQclear (res);
    PQfinish (conn);
    return st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK;
}

static long
s_rows (fixture_t *f)
{
    return kbt_query_long (f->conninfo, "SELECT count(*) FROM audit_it.kb_audit");
}

static void
s_expect_broken (fixture_t *f, long first_bad, const char *problem)
{
    kb_audit_verify_result_t r;
    int rc = kb_audit_verify (f->db, &r);
    if (rc != KB_AUDIT_BROKEN)
        fail_msg ("expected a broken chain, got rc=%d problem=\"%s\"", rc, r.problem);
    assert_int_equal (r.first_bad_seq, first_bad);
    assert_string_equal (r.problem, problem);
}

static void
s_expect_intact (fixture_t *f, long rows)
{
    kb_audit_verify_result_t r;
    int rc = kb_audit_verify (f->db, &r);
    if (rc != 0)
        fail_msg ("expected an intact chain, got rc=%d problem=\"%s\"", rc, r.problem);
    assert_int_equal (r.rows_checked, rows);
    assert_int_equal (r.first_bad_seq, -1);
    assert_int_equal (r.last_seq, rows);
}

//  A fixture with 100 rows, verified intact.
static fixture_t *
s_fixture_100 (void **state, const char *dbname)
{
    fixture_t *f = s_fixture_new (dbname);
    *state = f;
    assert_int_equal (s_append_n (f->db, 0, 1, 100, 7), 0);
    assert_int_equal (s_rows (f), 100);
    s_expect_intact (f, 100);
    return f;
}

//  ---------------------------------------------------------------------

static void
test_append_and_verify (void **state)
{
    fixture_t *f = s_fixture_100 (state, "it_audit_append");
    assert_int_equal (kbt_query_long (f->conninfo, "SELECT last_seq FROM audit_it.kb_audit_head"),
                      100);
    assert_int_equal (kbt_query_long (f->conninfo,
                                      "SELECT count(*) FROM audit_it.kb_audit a"
                                      " JOIN audit_it.kb_audit_head h ON h.last_hash = a.hash"
                                      " WHERE a.seq = 100"),
                      1);
    //  seq 1..100 without gaps, each row linked to the one before
    assert_int_equal (kbt_query_long (f->conninfo,
                                      "SELECT count(*) FROM audit_it.kb_audit a"
                                      " JOIN audit_it.kb_audit b ON b.seq = a.seq - 1"
                                      " WHERE a.prev_hash = b.hash"),
                      99);
    //  server time in microseconds, readable as timestamptz, in order
    assert_int_equal (kbt_query_long (f->conninfo,
                                      "SELECT count(*) FROM audit_it.kb_audit"
                                      " WHERE at BETWEEN now() - interval '5 minutes' AND now()"
                                      " + interval '1 minute'"),
                      100);
    assert_int_equal (kbt_query_long (f->conninfo,
                                      "SELECT count(*) FROM audit_it.kb_audit a"
                                      " JOIN audit_it.kb_audit b ON b.seq = a.seq - 1"
                                      " WHERE a.at_us < b.at_us"),
                      0);
    //  NULLs survive the round trip (and are hashed as NULL, or verify fails)
    assert_true (kbt_query_long (f->conninfo, "SELECT count(*) FROM audit_it.kb_audit"
                                              " WHERE on_behalf_of IS NULL") > 0);
}

static void
test_append_rules (void **state)
{
    fixture_t *f = s_fixture_new ("it_audit_rules");
    *state = f;
    char org [32], subject [32];
    kb_audit_entry_t e = s_entry (0, 1, org, subject);

    //  outside a transaction: refused
    assert_int_equal (kb_audit_append (f->db, &e), KB_DB_FATAL);
    assert_int_equal (s_rows (f), 0);

    //  a BSN where the pseudonym belongs, free text as a reason: refused
    assert_int_equal (kb_db_begin (f->db), 0);
    kb_audit_entry_t bad = e;
    bad.subject_pseudonym = "123456782";
    assert_int_equal (kb_audit_append (f->db, &bad), KB_DB_FATAL);
    bad = e;
    bad.reason = "vader dreigde met geweld";
    assert_int_equal (kb_audit_append (f->db, &bad), KB_DB_FATAL);

    //  rolled back with the caller's transaction: no row, head unchanged
    assert_int_equal (kb_audit_append (f->db, &e), 0);
    kb_audit_verify_result_t r;
    assert_int_equal (kb_audit_verify (f->db, &r), KB_DB_FATAL);   //  not inside a txn
    kb_db_rollback (f->db);
    assert_int_equal (s_rows (f), 0);
    assert_int_equal (kbt_query_long (f->conninfo, "SELECT last_seq FROM audit_it.kb_audit_head"),
                      0);
    s_expect_intact (f, 0);

    //  the next committed entry is seq 1
    assert_int_equal (s_append_n (f->db, 0, 1, 1, 1), 0);
    assert_int_equal (kbt_query_long (f->conninfo, "SELECT max(seq) FROM audit_it.kb_audit"), 1);
    s_expect_intact (f, 1);
}

static void
test_append_only_enforced (void **state)
{
    fixture_t *f = s_fixture_new ("it_audit_append_only");
    *state = f;
    assert_int_equal (s_append_n (f->db, 0, 1, 5, 5), 0);
    assert_true (s_sql_fails (f->conninfo, "UPDATE audit_it.kb_audit SET outcome = 'x' WHERE seq = 2"));
    assert_true (s_sql_fails (f->conninfo, "DELETE FROM audit_it.kb_audit WHERE seq = 5"));
    assert_true (s_sql_fails (f->conninfo, "TRUNCATE audit_it.kb_audit"));
    assert_true (s_sql_fails (f->conninfo, "UPDATE audit_it.kb_audit_head SET last_seq = 4"));
    assert_true (s_sql_fails (f->conninfo, "DELETE FROM audit_it.kb_audit_head"));
    assert_true (s_sql_fails (f->conninfo, "TRUNCATE audit_it.kb_audit_head"));
    //  a row that does not extend the head is refused (here: a copy of row 5 as 6)
    assert_true (s_sql_fails (f->conninfo,
                              "INSERT INTO audit_it.kb_audit (seq, at_us, actor_org, event,"
                              " action, outcome, flag_authorised, flag_care_relation,"
                              " flag_consent, flag_emergency, prev_hash, hash)"
                              " SELECT 6, at_us, actor_org, event, action, outcome, true, true,"
                              " true, true, prev_hash, hash FROM audit_it.kb_audit WHERE seq = 5"));
    assert_int_equal (s_rows (f), 5);
    s_expect_intact (f, 5);
}

//  Two new rows in one INSERT: seq of the second, prev_hash of the second.
static const char *
s_two_rows_sql (char sql[1024], int second_seq, const char *second_prev)
{
    int n = snprintf (sql, 1024,
                      "INSERT INTO audit_it.kb_audit (seq, at_us, actor_org, event, action,"
                      " outcome, flag_authorised, flag_care_relation, flag_consent,"
                      " flag_emergency, prev_hash, hash)"
                      " SELECT last_seq + 1, 1, 'org', 'e', 'C', 'ok', true, true, true, true,"
                      " last_hash, decode (repeat ('11', 32), 'hex') FROM audit_it.kb_audit_head"
                      " UNION ALL SELECT %d, 1, 'org', 'e', 'C', 'ok', true, true, true, true,"
                      " decode (repeat ('%s', 32), 'hex'), decode (repeat ('33', 32), 'hex')",
                      second_seq, second_prev);
    assert_true (n > 0 && n < 1024);
    return sql;
}

static void
test_batch_must_form_a_chain (void **state)
{
    fixture_t *f = s_fixture_new ("it_audit_batch_chain");
    *state = f;
    assert_int_equal (s_append_n (f->db, 0, 1, 5, 5), 0);
    //  the second row does not link to the first: refused, nothing written
    char sql[1024];
    assert_true (s_sql_fails (f->conninfo, s_two_rows_sql (sql, 7, "22")));
    //  a gap in seq inside the statement: refused
    assert_true (s_sql_fails (f->conninfo, s_two_rows_sql (sql, 8, "11")));
    assert_int_equal (s_rows (f), 5);
    assert_int_equal (kbt_query_long (f->conninfo, "SELECT last_seq FROM audit_it.kb_audit_head"),
                      5);
    //  the same statement with the rows linked and numbered in order is
    //  taken by the trigger (whose hashes are not the contents' hashes:
    //  that is for verify to find) and the head moves to the last row
    assert_false (s_sql_fails (f->conninfo, s_two_rows_sql (sql, 7, "11")));
    assert_int_equal (kbt_query_long (f->conninfo, "SELECT last_seq FROM audit_it.kb_audit_head"),
                      7);
    assert_int_equal (kbt_query_long (f->conninfo, "SELECT count(*) FROM audit_it.kb_audit_head"
                                                   " WHERE last_hash = decode (repeat ('33', 32),"
                                                   " 'hex')"),
                      1);
    s_expect_broken (f, 6, "row 6: stored hash does not match its contents");
}

static void
test_edited_field_detected (void **state)
{
    fixture_t *f = s_fixture_100 (state, "it_audit_edit");
    kbt_exec (f->conninfo, ATTACK "UPDATE audit_it.kb_audit SET outcome = 'allowed-x' WHERE seq = 37");
    s_expect_broken (f, 37, "row 37: stored hash does not match its contents");
}

static void
test_edited_flag_detected (void **state)
{
    fixture_t *f = s_fixture_100 (state, "it_audit_flag");
    kbt_exec (f->conninfo,
              ATTACK "UPDATE audit_it.kb_audit SET flag_consent = NOT flag_consent WHERE seq = 64");
    s_expect_broken (f, 64, "row 64: stored hash does not match its contents");
}

static void
test_deleted_row_detected (void **state)
{
    fixture_t *f = s_fixture_100 (state, "it_audit_delete");
    kbt_exec (f->conninfo, ATTACK "DELETE FROM audit_it.kb_audit WHERE seq = 42");
    s_expect_broken (f, 42, "seq gap 41 -> 43 (row 42 missing)");
}

static void
test_deleted_and_renumbered_detected (void **state)
{
    fixture_t *f = s_fixture_100 (state, "it_audit_renumber");
    kbt_exec (f->conninfo, ATTACK "DELETE FROM audit_it.kb_audit WHERE seq = 42; "
                                  "UPDATE audit_it.kb_audit SET seq = seq - 1 WHERE seq > 42");
    s_expect_broken (f, 42, "row 42: previous-hash link broken (row deleted or reordered)");
}

static void
test_deleted_tail_detected (void **state)
{
    fixture_t *f = s_fixture_100 (state, "it_audit_tail");
    kbt_exec (f->conninfo, ATTACK "DELETE FROM audit_it.kb_audit WHERE seq >= 99");
    s_expect_broken (f, 99, "rows after 98 missing: head of the chain is at 100");
}

static void
test_truncated_detected (void **state)
{
    fixture_t *f = s_fixture_100 (state, "it_audit_truncate");
    kbt_exec (f->conninfo, ATTACK "TRUNCATE audit_it.kb_audit");
    s_expect_broken (f, 1, "rows after 0 missing: head of the chain is at 100");
}

static void
test_swapped_rows_detected (void **state)
{
    fixture_t *f = s_fixture_100 (state, "it_audit_swap");
    kbt_exec (f->conninfo,
              ATTACK "UPDATE audit_it.kb_audit a SET (at_us, actor_org, actor_user, on_behalf_of,"
                     " event, action, subject_pseudonym, reason, outcome, flag_authorised,"
                     " flag_care_relation, flag_consent, flag_emergency, prev_hash, hash) ="
                     " (SELECT b.at_us, b.actor_org, b.actor_user, b.on_behalf_of, b.event,"
                     " b.action, b.subject_pseudonym, b.reason, b.outcome, b.flag_authorised,"
                     " b.flag_care_relation, b.flag_consent, b.flag_emergency, b.prev_hash,"
                     " b.hash FROM audit_it.kb_audit b WHERE b.seq = 101 - a.seq)"
                     " WHERE a.seq IN (50, 51)");
    //  the contents really moved
    assert_int_equal (kbt_query_long (f->conninfo,
                                      "SELECT count(*) FROM audit_it.kb_audit a"
                                      " JOIN audit_it.kb_audit b ON b.seq = 49"
                                      " WHERE a.seq = 51 AND a.prev_hash = b.hash"),
                      1);
    s_expect_broken (f, 50, "row 50: previous-hash link broken (row deleted or reordered)");
}

static void
test_swapped_contents_detected (void **state)
{
    //  Only the business fields swapped, links and hashes left in place.
    fixture_t *f = s_fixture_100 (state, "it_audit_swap_contents");
    kbt_exec (f->conninfo,
              ATTACK "UPDATE audit_it.kb_audit a SET (actor_org, event, action, outcome) ="
                     " (SELECT b.actor_org, b.event, b.action, b.outcome"
                     " FROM audit_it.kb_audit b WHERE b.seq = 161 - a.seq)"
                     " WHERE a.seq IN (80, 81)");
    s_expect_broken (f, 80, "row 80: stored hash does not match its contents");
}

static void
test_verify_spans_batches (void **state)
{
    //  More rows than one verify batch: the edit lies in the third batch.
    fixture_t *f = s_fixture_new ("it_audit_batches");
    *state = f;
    assert_int_equal (s_append_n (f->db, 0, 1, 2500, 500), 0);
    s_expect_intact (f, 2500);
    kbt_exec (f->conninfo, ATTACK "UPDATE audit_it.kb_audit SET at_us = at_us + 1 WHERE seq = 2345");
    s_expect_broken (f, 2345, "row 2345: stored hash does not match its contents");
}

static void
test_stale_snapshot_retries (void **state)
{
    //  A caller in REPEATABLE READ whose snapshot predates another writer's
    //  commit must not fork the chain: the append fails as retryable.
    fixture_t *f = s_fixture_new ("it_audit_stale");
    *state = f;
    kb_db_t *other = s_connect (f->conninfo);
    assert_non_null (other);
    assert_int_equal (kb_db_exec (f->db, "BEGIN ISOLATION LEVEL REPEATABLE READ"), 0);
    assert_int_equal (kb_db_exec (f->db, "SELECT count(*) FROM kb_audit"), 0);
    assert_int_equal (s_append_n (other, 1, 1, 3, 3), 0);

    char org [32], subject [32];
    kb_audit_entry_t e = s_entry (0, 1, org, subject);
    assert_int_equal (kb_audit_append (f->db, &e), KB_DB_RETRY);
    assert_string_equal (kb_db_last_sqlstate (f->db), "40001");
    kb_db_rollback (f->db);
    //  the retry in a fresh transaction extends the chain
    assert_int_equal (kb_db_exec (f->db, "BEGIN ISOLATION LEVEL REPEATABLE READ"), 0);
    assert_int_equal (kb_audit_append (f->db, &e), 0);
    assert_int_equal (kb_db_commit (f->db), 0);
    kb_db_destroy (&other);
    s_expect_intact (f, 4);
}

//  ---------------------------------------------------------------------
//  Concurrent writers

typedef struct {
    const char *conninfo;
    int writer;
    int rc;
} writer_t;

static void *
s_writer (void *arg)
{
    writer_t *w = arg;
    kb_db_t *db = s_connect (w->conninfo);
    if (!db) {
        w->rc = -100;
        return NULL;
    }
    w->rc = s_append_n (db, w->writer, 1, WRITER_TXNS * WRITER_ROWS_PER_TXN,
                        WRITER_ROWS_PER_TXN);
    kb_db_destroy (&db);
    return NULL;
}

static void
test_concurrent_writers (void **state)
{
    fixture_t *f = s_fixture_new ("it_audit_concurrent");
    *state = f;
    pthread_t threads [WRITERS];
    writer_t writers [WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        writers [i] = (writer_t) { .conninfo = f->conninfo, .writer = i, .rc = -1 };
        assert_int_equal (pthread_create (&threads [i], NULL, s_writer, &writers [i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal (pthread_join (threads [i], NULL), 0);
        if (writers [i].rc != 0)
            fail_msg ("writer %d failed rc=%d", i, writers [i].rc);
    }
    const long total = WRITERS * WRITER_TXNS * WRITER_ROWS_PER_TXN;
    assert_int_equal (s_rows (f), total);
    assert_int_equal (kbt_query_long (f->conninfo, "SELECT max(seq) FROM audit_it.kb_audit"),
                      total);
    //  every writer's rows are in, 100 each
    assert_int_equal (kbt_query_long (f->conninfo,
                                      "SELECT count(DISTINCT actor_org) FROM audit_it.kb_audit"),
                      WRITERS);
    assert_int_equal (kbt_query_long (f->conninfo,
                                      "SELECT count(*) FROM (SELECT actor_org FROM"
                                      " audit_it.kb_audit GROUP BY actor_org"
                                      " HAVING count(*) <> 100) x"),
                      0);
    //  both entries of a transaction are adjacent: the lock is held to commit
    assert_int_equal (kbt_query_long (f->conninfo,
                                      "SELECT count(*) FROM audit_it.kb_audit a"
                                      " JOIN audit_it.kb_audit b ON b.seq = a.seq + 1"
                                      " WHERE a.seq % 2 = 1 AND a.actor_org <> b.actor_org"),
                      0);
    s_expect_intact (f, total);
}

//  Opens a transaction as the link receiver does: BEGIN, the chain lock
//  and the head read in one round trip; the pipeline stays open (read the
//  head) when keep_open.
static void
s_batch_begin (fixture_t *f, kb_audit_batch_t *batch, bool keep_open)
{
    kb_db_rc_t rc;
    assert_int_equal (kb_db_pipeline_begin (f->db), KB_DB_OK);
    assert_int_equal (kb_db_pipeline_send_cmd (f->db, "BEGIN"), KB_DB_OK);
    assert_int_equal (kb_audit_batch_lock (batch, f->db), KB_DB_OK);
    assert_int_equal (kb_db_pipeline_sync (f->db), KB_DB_OK);
    PQclear (kb_db_pipeline_next (f->db, &rc));
    assert_int_equal (rc, KB_DB_OK);
    assert_int_equal (kb_audit_batch_head (batch, f->db), KB_DB_OK);
    if (!keep_open)
        assert_int_equal (kb_db_pipeline_end (f->db), KB_DB_OK);
}

//  The batch as the link receiver writes it: lock and head read in the
//  transaction's first round trip, rows appended after a savepoint and
//  rolled back to it leave no trace, the chain goes on from the savepoint,
//  and the rows go in with the COMMIT in one round trip.
static void
test_batch_savepoint (void **state)
{
    fixture_t *f = s_fixture_100 (state, "it_audit_batch");
    kb_audit_batch_t *batch = kb_audit_batch_new ();
    assert_non_null (batch);
    char org [32], subject [32];
    s_batch_begin (f, batch, false);
    for (int i = 101; i <= 103; i++) {
        kb_audit_entry_t e = s_entry (1, i, org, subject);
        assert_int_equal (kb_audit_batch_append (batch, &e), KB_DB_OK);
    }
    kb_audit_batch_savepoint (batch);
    for (int i = 900; i < 905; i++) {
        kb_audit_entry_t e = s_entry (2, i, org, subject);
        assert_int_equal (kb_audit_batch_append (batch, &e), KB_DB_OK);
    }
    assert_int_equal (kb_audit_batch_size (batch), 8);
    kb_audit_batch_rollback_to (batch);
    assert_int_equal (kb_audit_batch_size (batch), 3);
    kb_audit_entry_t e = s_entry (1, 104, org, subject);
    assert_int_equal (kb_audit_batch_append (batch, &e), KB_DB_OK);
    assert_int_equal (kb_db_pipeline_begin (f->db), KB_DB_OK);
    assert_int_equal (kb_audit_batch_send (batch, f->db), KB_DB_OK);
    assert_int_equal (kb_db_pipeline_send_commit (f->db), KB_DB_OK);
    assert_int_equal (kb_db_pipeline_sync (f->db), KB_DB_OK);
    assert_int_equal (kb_db_pipeline_end (f->db), KB_DB_OK);
    kb_audit_batch_destroy (&batch);
    assert_int_equal (s_rows (f), 104);
    assert_int_equal (kbt_query_long (f->conninfo,
                                      "SELECT count(*) FROM audit_it.kb_audit WHERE actor_org = 'org-2'"),
                      0);
    s_expect_intact (f, 104);
}

//  A COMMIT queued in a pipeline after a failed statement "succeeds" with
//  the tag ROLLBACK: kb_db must report that as a failure, or a batch whose
//  rows were never written would be answered as committed.
static void
test_pipeline_commit_of_failed_transaction (void **state)
{
    fixture_t *f = s_fixture_100 (state, "it_audit_commit_tag");
    kb_audit_batch_t *batch = kb_audit_batch_new ();
    assert_non_null (batch);
    char org [32], subject [32];
    kb_db_rc_t rc;
    s_batch_begin (f, batch, true);
    kb_audit_entry_t e = s_entry (1, 101, org, subject);
    assert_int_equal (kb_audit_batch_append (batch, &e), KB_DB_OK);
    assert_int_equal (kb_audit_batch_send (batch, f->db), KB_DB_OK);
    assert_int_equal (kb_db_pipeline_send_cmd (f->db, "SELECT 1 / 0"), KB_DB_OK);
    assert_int_equal (kb_db_pipeline_sync (f->db), KB_DB_OK);
    assert_int_equal (kb_db_pipeline_send_commit (f->db), KB_DB_OK);
    assert_int_equal (kb_db_pipeline_sync (f->db), KB_DB_OK);
    PQclear (kb_db_pipeline_next (f->db, &rc));
    assert_int_equal (rc, KB_DB_OK);   //  the audit row, not committed
    assert_null (kb_db_pipeline_next (f->db, &rc));
    assert_int_not_equal (rc, KB_DB_OK);
    PGresult *commit = kb_db_pipeline_next (f->db, &rc);
    assert_null (commit);
    assert_int_equal (rc, KB_DB_FATAL);
    assert_string_equal (kb_db_last_sqlstate (f->db), "25P02");
    assert_int_not_equal (kb_db_pipeline_end (f->db), KB_DB_OK);
    kb_db_rollback (f->db);
    kb_audit_batch_destroy (&batch);
    assert_int_equal (s_rows (f), 100);
    s_expect_intact (f, 100);
}

int
main (void)
{
    kb_log_init ("it_audit", KB_LOG_WARNING);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_teardown (test_append_and_verify, s_teardown),
        cmocka_unit_test_teardown (test_append_rules, s_teardown),
        cmocka_unit_test_teardown (test_append_only_enforced, s_teardown),
        cmocka_unit_test_teardown (test_batch_must_form_a_chain, s_teardown),
        cmocka_unit_test_teardown (test_edited_field_detected, s_teardown),
        cmocka_unit_test_teardown (test_edited_flag_detected, s_teardown),
        cmocka_unit_test_teardown (test_deleted_row_detected, s_teardown),
        cmocka_unit_test_teardown (test_deleted_and_renumbered_detected, s_teardown),
        cmocka_unit_test_teardown (test_deleted_tail_detected, s_teardown),
        cmocka_unit_test_teardown (test_truncated_detected, s_teardown),
        cmocka_unit_test_teardown (test_swapped_rows_detected, s_teardown),
        cmocka_unit_test_teardown (test_swapped_contents_detected, s_teardown),
        cmocka_unit_test_teardown (test_verify_spans_batches, s_teardown),
        cmocka_unit_test_teardown (test_stale_snapshot_retries, s_teardown),
        cmocka_unit_test_teardown (test_concurrent_writers, s_teardown),
        cmocka_unit_test_teardown (test_batch_savepoint, s_teardown),
        cmocka_unit_test_teardown (test_pipeline_commit_of_failed_transaction, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
