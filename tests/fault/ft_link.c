/*  ft_link - fault tests of the reliable link against a real PostgreSQL.

    The test process writes outbox rows (schema "snd") and runs the sender
    actor; tests/support/link_peer is the receiver process (schema "rcv"),
    whose apply inserts into rcv.applied without a unique constraint, so a
    message applied twice would show. Every wait has a deadline. */

/* cmocka needs these first, in this order */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kb_test_support.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_outbox.h"

typedef struct
{
    char *conninfo;
    char *endpoint;
    char *peer_log;
    char *peer_max_attempts;
    pid_t peer;
    kb_db_t *db; /* the writer's connection, schema snd */
    kb_link_sender_t *sender;
    kb_outbox_batch_t *batch; /* set: every other transaction is written in bulk */
    int prune_after_s;        /* 0: acknowledged rows are deleted (the default) */
} s_link_test_t;

static pid_t
s_peer_start (s_link_test_t *t)
{
    char *bin = kbt_bin ("link_peer");
    const char *argv[] = {
        bin, t->conninfo, "rcv", t->endpoint, t->peer_max_attempts, "200", NULL
    };
    pid_t pid = kbt_spawn (argv, NULL, t->peer_log);
    free (bin);
    return pid;
}

static bool
s_peer_alive (pid_t pid)
{
    return kbt_wait (pid, 0) == -1 && kill (pid, 0) == 0;
}

/* s_setup's sender sends everything but "tracking:" (as intake towards
   zorgtoewijzing) while this is set. */
static bool s_exclude_tracking;

static s_link_test_t *
s_setup (const char *dbname, const char *max_attempts, int prune_after_s)
{
    s_link_test_t *t = calloc (1, sizeof *t);
    assert_non_null (t);
    t->conninfo = kbt_db_create (dbname);
    char *var = kbt_var_path (dbname);
    assert_true (asprintf (&t->endpoint, "ipc://%s/link.ipc", var) > 0);
    assert_true (asprintf (&t->peer_log, "%s/peer.log", var) > 0);
    free (var);
    t->peer_max_attempts = strdup (max_attempts);
    t->prune_after_s = prune_after_s;
    t->db = kb_db_connect (t->conninfo, "snd", 30000);
    assert_non_null (t->db);
    assert_int_equal (kb_db_migrate (t->db, KB_MIGRATIONS_DIR, "link"), 0);
    assert_int_equal (kb_outbox_prepare (t->db), 0);
    t->peer = s_peer_start (t);
    assert_int_equal (kbt_wait_for_value (t->conninfo,
                                          "SELECT count(*) FROM pg_tables WHERE schemaname = 'rcv'"
                                          " AND tablename = 'applied'",
                                          1,
                                          30000),
                      1);
    kb_link_sender_config_t cfg = {
        .conninfo = t->conninfo,
        .schema = "snd",
        .endpoint = t->endpoint,
        .identity = "ft-sender",
        .retransmit_base_ms = 500,
        .retransmit_max_ms = 2000,
        .max_attempts = 10,
        .batch = 250,
        .max_inflight = 1000,
        .heartbeat_ms = 500,
        .prune_after_s = prune_after_s,
        .poll_ms = 100,
        .stream_prefix = s_exclude_tracking ? "tracking:" : NULL,
        .exclude_prefix = s_exclude_tracking,
    };
    t->sender = kb_link_sender_new (&cfg);
    assert_non_null (t->sender);
    return t;
}

static void
s_teardown (s_link_test_t *t)
{
    kb_link_sender_destroy (&t->sender);
    kb_outbox_batch_destroy (&t->batch);
    if (t->peer > 0)
        kbt_kill (t->peer, SIGTERM);
    kb_db_destroy (&t->db);
    free (t->conninfo);
    free (t->endpoint);
    free (t->peer_log);
    free (t->peer_max_attempts);
    free (t);
}

/* Writes messages [from, to) over nstreams streams, per_tx per transaction.
   Message i goes to stream i % nstreams with sequence i / nstreams + 1
   (carried in the payload so the peer can record it). poison_index gets a
   payload the peer rejects. A lost connection retries the transaction. */
static void
s_write (s_link_test_t *t, int from, int to, int nstreams, int per_tx, int poison_index)
{
    int64_t deadline = kbt_now_ms () + 60000;
    int i = from;
    while (i < to) {
        assert_true (kbt_now_ms () < deadline);
        int end = i + per_tx < to ? i + per_tx : to;
        bool bulk = t->batch && (i / per_tx) % 2 == 1;
        if (bulk)
            kb_outbox_batch_reset (t->batch);
        kb_db_rc_t rc = kb_db_begin (t->db);
        for (int k = i; k < end && rc == KB_DB_OK; k++) {
            char stream[32], id[32], payload[64];
            snprintf (stream, sizeof stream, "gezin-%02d", k % nstreams);
            snprintf (id, sizeof id, "m-%06d", k);
            int len = k == poison_index
                        ? snprintf (payload, sizeof payload, "POISON:%d", k)
                        : snprintf (payload, sizeof payload, "%d:payload-%d", k / nstreams + 1, k);
            rc = bulk ? kb_outbox_batch_add (t->batch, stream, id, payload, (size_t)len)
                      : kb_outbox_put (t->db, stream, id, payload, (size_t)len);
        }
        if (rc == KB_DB_OK && bulk)
            rc = kb_outbox_batch_send (t->batch, t->db);
        if (rc == KB_DB_OK)
            rc = kb_db_commit (t->db);
        if (rc != KB_DB_OK) {
            assert_int_equal (rc, KB_DB_RETRY); /* only a lost connection is expected */
            kb_db_rollback (t->db);
            kb_db_ensure (t->db, 30000);
            continue; /* nothing of this transaction was committed */
        }
        kb_link_sender_wake (t->sender);
        i = end;
    }
}

/* Waits until every outbox row is settled and returns the applied count. */
static long
s_wait_settled (s_link_test_t *t, long want_applied, int timeout_ms)
{
    long n = kbt_wait_for_value (
      t->conninfo, "SELECT count(*) FROM rcv.applied", want_applied, timeout_ms);
    kbt_wait_for_value (t->conninfo,
                        "SELECT count(*) FROM snd.kb_outbox"
                        " WHERE acked_at IS NULL AND dead_at IS NULL",
                        0,
                        30000);
    return n;
}

static void
s_assert_exactly_once_in_order (s_link_test_t *t, long total)
{
    assert_int_equal (kbt_query_long (t->conninfo, "SELECT count(*) FROM rcv.applied"), total);
    assert_int_equal (
      kbt_query_long (t->conninfo, "SELECT count(DISTINCT message_id) FROM rcv.applied"), total);
    /* per stream: 1, 2, 3 ... in the order of application */
    assert_int_equal (kbt_query_long (t->conninfo,
                                      "SELECT count(*) FROM (SELECT seq - lag(seq) OVER"
                                      " (PARTITION BY stream ORDER BY id) AS d FROM rcv.applied) x"
                                      " WHERE d IS NOT NULL AND d <> 1"),
                      0);
    assert_int_equal (kbt_query_long (t->conninfo,
                                      "SELECT count(*) FROM (SELECT min(seq) AS m FROM rcv.applied"
                                      " GROUP BY stream) x WHERE m <> 1"),
                      0);
    kb_link_outbox_status_t st;
    assert_int_equal (kb_link_outbox_status (t->db, &st), 0);
    assert_int_equal (st.pending, 0);
    assert_int_equal (st.dead, 0);
    /* every row queued once; kept as acknowledged, or deleted at the ack */
    assert_int_equal (kbt_query_long (t->conninfo, "SELECT sum (last_seq) FROM snd.kb_link_stream"),
                      total);
    assert_int_equal (st.acked, t->prune_after_s > 0 ? total : 0);
    assert_int_equal (kbt_query_long (t->conninfo, "SELECT count(*) FROM snd.kb_outbox"),
                      t->prune_after_s > 0 ? total : 0);
}

static void
s_kill_restart (s_link_test_t *t, int *kills)
{
    /* the first kill right after a write, while its messages are in
       flight: their redelivery must be observed */
    kbt_sleep_ms (*kills == 0 ? 2 : rand () % 150);
    kbt_kill (t->peer, SIGKILL);
    (*kills)++;
    kbt_sleep_ms (rand () % 300);
    t->peer = s_peer_start (t);
}

/* 10,000 messages over 20 streams; the receiver is killed -9 at random
   points and restarted: nothing lost, nothing applied twice, order kept. */
static void
test_receiver_kill9 (void **state)
{
    (void)state;
    unsigned seed = (unsigned)time (NULL) ^ (unsigned)getpid ();
    srand (seed);
    fprintf (stderr, "ft_link: kill9 seed=%u\n", seed);
    s_link_test_t *t = s_setup ("ft_link_kill9", "3", 0);
    const int total = 10000, nstreams = 20, per_tx = 100;
    const int nbatches = total / per_tx;
    bool kill_at[100] = { false };
    for (int k = 0; k < 6;) {
        int b = 5 + rand () % (nbatches - 10);
        if (!kill_at[b]) {
            kill_at[b] = true;
            k++;
        }
    }
    int kills = 0;
    for (int b = 0; b < nbatches; b++) {
        s_write (t, b * per_tx, (b + 1) * per_tx, nstreams, per_tx, -1);
        if (kill_at[b])
            s_kill_restart (t, &kills);
        else
            kbt_sleep_ms (rand () % 30); /* let the link work between writes */
    }
    /* and a few more while the backlog drains */
    for (int k = 0; k < 2; k++) {
        kbt_sleep_ms (200 + rand () % 500);
        if (kbt_query_long (t->conninfo, "SELECT count(*) FROM rcv.applied") < total)
            s_kill_restart (t, &kills);
    }
    assert_true (kills >= 5);
    long applied = s_wait_settled (t, total, 120000);
    kb_link_sender_stats_t st;
    assert_int_equal (kb_link_sender_stats (t->sender, &st), 0);
    fprintf (stderr,
             "ft_link: kill9 kills=%d applied=%ld sent=%llu retransmits=%llu acked=%llu\n",
             kills,
             applied,
             (unsigned long long)st.sent,
             (unsigned long long)st.retransmits,
             (unsigned long long)st.acked);
    s_assert_exactly_once_in_order (t, total);
    assert_true (st.retransmits > 0); /* redeliveries happened and were absorbed */
    assert_int_equal (st.sent, total);
    assert_true (s_peer_alive (t->peer));
    s_teardown (t);
}

/* One poison message: dead-lettered on both sides with its reason after
   max_attempts; other streams and later messages of its stream go on. */
static void
test_poison_message (void **state)
{
    (void)state;
    s_link_test_t *t = s_setup ("ft_link_poison", "3", 3600);
    const int total = 60, nstreams = 3, poison = 13; /* stream gezin-01, seq 5 */
    s_write (t, 0, total, nstreams, 10, poison);
    long applied = s_wait_settled (t, total - 1, 60000);
    assert_int_equal (applied, total - 1);
    assert_int_equal (
      kbt_query_long (t->conninfo,
                      "SELECT count(*) FROM rcv.applied WHERE message_id = 'm-000013'"),
      0);
    assert_int_equal (
      kbt_query_long (t->conninfo, "SELECT count(DISTINCT message_id) FROM rcv.applied"),
      total - 1);
    /* later messages of the poisoned stream arrived, in order */
    assert_int_equal (
      kbt_query_long (t->conninfo, "SELECT count(*) FROM rcv.applied WHERE stream = 'gezin-01'"),
      19);
    assert_int_equal (
      kbt_query_long (t->conninfo, "SELECT max(seq) FROM rcv.applied WHERE stream = 'gezin-01'"),
      20);
    assert_int_equal (kbt_query_long (t->conninfo,
                                      "SELECT count(*) FROM (SELECT seq - lag(seq) OVER"
                                      " (PARTITION BY stream ORDER BY id) AS d FROM rcv.applied) x"
                                      " WHERE d IS NOT NULL AND d <= 0"),
                      0);
    /* receiver: one dead letter with payload, reason and attempts */
    assert_int_equal (kbt_query_long (t->conninfo, "SELECT count(*) FROM rcv.kb_dead_letter"), 1);
    assert_int_equal (kbt_query_long (t->conninfo,
                                      "SELECT attempts FROM rcv.kb_dead_letter"
                                      " WHERE message_id = 'm-000013'"),
                      3);
    char *reason = kbt_query_str (t->conninfo, "SELECT reason FROM rcv.kb_dead_letter");
    assert_non_null (reason);
    assert_string_equal (reason, "payload rejected by test peer");
    free (reason);
    char *payload =
      kbt_query_str (t->conninfo, "SELECT convert_from(payload, 'UTF8') FROM rcv.kb_dead_letter");
    assert_non_null (payload);
    assert_string_equal (payload, "POISON:13");
    free (payload);
    /* sender: the row is dead with the same reason */
    reason = kbt_query_str (t->conninfo,
                            "SELECT dead_reason FROM snd.kb_outbox WHERE message_id = 'm-000013'"
                            " AND dead_at IS NOT NULL AND acked_at IS NULL");
    assert_non_null (reason);
    assert_string_equal (reason, "payload rejected by test peer");
    free (reason);
    kb_link_outbox_status_t st;
    assert_int_equal (kb_link_outbox_status (t->db, &st), 0);
    assert_int_equal (st.pending, 0);
    assert_int_equal (st.dead, 1);
    assert_int_equal (st.acked, total - 1);
    kb_link_sender_stats_t ss;
    assert_int_equal (kb_link_sender_stats (t->sender, &ss), 0);
    assert_int_equal (ss.dead, 1);
    s_teardown (t);
}

/* Rows written in bulk (kb_outbox_batch) and one by one (kb_outbox_put),
   transaction by transaction, several rows of a stream in one statement:
   the same sequence numbers, ids in sequence order per stream, and every
   message arrives exactly once, in order. */
static void
test_batch_put (void **state)
{
    (void)state;
    s_link_test_t *t = s_setup ("ft_link_batch", "3", 3600);
    t->batch = kb_outbox_batch_new ();
    assert_non_null (t->batch);
    const int total = 2000, nstreams = 7, per_tx = 90;
    s_write (t, 0, total, nstreams, per_tx, -1);
    /* each row's stream_seq is the one its payload was written with */
    assert_int_equal (kbt_query_long (t->conninfo,
                                      "SELECT count(*) FROM snd.kb_outbox WHERE stream_seq <>"
                                      " split_part (convert_from (payload, 'UTF8'), ':', 1)::bigint"),
                      0);
    assert_int_equal (kbt_query_long (t->conninfo,
                                      "SELECT count(*) FROM (SELECT stream_seq - lag (stream_seq)"
                                      " OVER (PARTITION BY stream ORDER BY id) AS d"
                                      " FROM snd.kb_outbox) x WHERE d IS NOT NULL AND d <> 1"),
                      0);
    assert_int_equal (kbt_query_long (t->conninfo,
                                      "SELECT count(*) FROM snd.kb_link_stream s WHERE last_seq <>"
                                      " (SELECT max(stream_seq) FROM snd.kb_outbox o"
                                      " WHERE o.stream = s.stream)"),
                      0);
    /* a bad row is refused before anything is sent; an empty batch sends nothing */
    kb_outbox_batch_reset (t->batch);
    assert_int_equal (kb_outbox_batch_add (t->batch, "bad\tstream", "m-x", "p", 1), KB_DB_FATAL);
    assert_int_equal (kb_outbox_batch_size (t->batch), 0);
    assert_int_equal (kb_outbox_batch_send (t->batch, t->db), KB_DB_OK);
    s_wait_settled (t, total, 60000);
    s_assert_exactly_once_in_order (t, total);
    s_teardown (t);
}

/* PostgreSQL restarts twice while messages flow: both ends survive and
   every message arrives exactly once, in order. */
static void
test_pg_restart (void **state)
{
    (void)state;
    s_link_test_t *t = s_setup ("ft_link_pgrestart", "3", 0);
    const int total = 3000, nstreams = 10, per_tx = 100;
    for (int b = 0; b < total / per_tx; b++) {
        s_write (t, b * per_tx, (b + 1) * per_tx, nstreams, per_tx, -1);
        if (b == 9 || b == 19) {
            kbt_sleep_ms (50);
            assert_int_equal (kbt_pg_restart (), 0);
        } else
            kbt_sleep_ms (20);
    }
    long applied = s_wait_settled (t, total, 90000);
    kb_link_sender_stats_t st;
    assert_int_equal (kb_link_sender_stats (t->sender, &st), 0);
    fprintf (stderr,
             "ft_link: pgrestart applied=%ld retransmits=%llu db_errors=%llu\n",
             applied,
             (unsigned long long)st.retransmits,
             (unsigned long long)st.db_errors);
    assert_true (s_peer_alive (t->peer));
    /* the writer's connection saw the restarts too: reconnect for status */
    assert_int_equal (kb_db_ensure (t->db, 30000), 0);
    s_assert_exactly_once_in_order (t, total);
    s_teardown (t);
}

/* Rows written while the receiver is down go before rows written after
   it came back, whatever their streams: the sender does not count a send
   that found no peer, so nothing overtakes it (a partner registry update
   queued before zorgtoewijzing started must not arrive after the first
   signal it is needed for). */
static void
test_late_receiver_oldest_first (void **state)
{
    (void)state;
    s_link_test_t *t = s_setup ("ft_link_late", "5", 3600);
    kbt_kill (t->peer, SIGKILL);
    t->peer = -1;
    s_write (t, 0, 10, 20, 10, -1); /* streams gezin-00..09 */
    kbt_sleep_ms (1500);           /* the sender finds no peer meanwhile */
    t->peer = s_peer_start (t);
    kbt_sleep_ms (300);
    s_write (t, 10, 20, 20, 10, -1); /* streams gezin-10..19 */
    assert_int_equal (s_wait_settled (t, 20, 30000), 20);
    assert_int_equal (kbt_query_long (t->conninfo,
                                      "SELECT count(*) FROM rcv.applied a, rcv.applied b"
                                      " WHERE a.message_id < 'm-000010'"
                                      " AND b.message_id >= 'm-000010' AND a.id > b.id"),
                      0);
    s_assert_exactly_once_in_order (t, 20);
    s_teardown (t);
}

/* The sender of everything but "tracking:" (intake towards
   zorgtoewijzing while client-tracking is away) delivers its own rows
   past a backlog of 20,000 tracking rows, leaves those alone, and reads
   through its own index (link/0003) instead of past the backlog. */
static void
test_rest_sender_past_backlog (void **state)
{
    (void)state;
    s_exclude_tracking = true;
    s_link_test_t *t = s_setup ("ft_link_rest", "3", 0);
    s_exclude_tracking = false;
    kbt_exec (t->conninfo,
              "INSERT INTO snd.kb_outbox (stream, stream_seq, message_id, payload)"
              " SELECT 'tracking:t-' || (g % 50), g / 50 + 1, 'trk-' || g, '\\x00'"
              " FROM generate_series (0, 19999) g");
    kbt_exec (t->conninfo, "ANALYZE snd.kb_outbox");
    const int total = 600;
    s_write (t, 0, total, 6, 50, -1);
    assert_int_equal (
      kbt_wait_for_value (t->conninfo, "SELECT count(*) FROM rcv.applied", total, 60000), total);
    assert_int_equal (
      kbt_query_long (t->conninfo, "SELECT count(DISTINCT message_id) FROM rcv.applied"), total);
    assert_int_equal (kbt_query_long (t->conninfo,
                                      "SELECT count(*) FROM rcv.applied WHERE stream LIKE 'tracking:%'"),
                      0);
    assert_int_equal (kbt_query_long (t->conninfo,
                                      "SELECT count(*) FROM snd.kb_outbox"
                                      " WHERE acked_at IS NULL AND dead_at IS NULL"),
                      20000);
    /* the statistics arrive a moment after the reads */
    assert_int_equal (kbt_wait_for_value (t->conninfo,
                                          "SELECT (idx_scan > 0)::int FROM pg_stat_user_indexes"
                                          " WHERE schemaname = 'snd'"
                                          " AND indexrelname = 'kb_outbox_pending_rest_idx'",
                                          1,
                                          10000),
                      1);
    s_teardown (t);
}

int
main (void)
{
    kb_log_init ("ft_link", KB_LOG_WARNING);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_poison_message),
        cmocka_unit_test (test_batch_put),
        cmocka_unit_test (test_late_receiver_oldest_first),
        cmocka_unit_test (test_rest_sender_past_backlog),
        cmocka_unit_test (test_receiver_kill9),
        cmocka_unit_test (test_pg_restart),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
