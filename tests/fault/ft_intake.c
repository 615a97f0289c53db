/*  ft_intake - intake under faults: kill -9 while a partner streams
    signals, and a PostgreSQL restart under load. The partner retries
    unanswered messages with the same ids, as partners must; at the end
    every acknowledged signal is stored exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kb_test_intake.h"
#include "kb_test_support.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    kbt_signal_t *signals;
    int n;
    int64_t *sent_at;      /* 0 = not sent yet */
    char (*refs)[40];      /* reference from the Ack, "" = unanswered */
    int acked, duplicates, resent;
} s_stream_t;

static s_stream_t *
s_stream_new (int n, uint32_t first)
{
    s_stream_t *self = calloc (1, sizeof *self);
    self->n = n;
    self->signals = calloc ((size_t) n, sizeof (kbt_signal_t));
    self->sent_at = calloc ((size_t) n, sizeof (int64_t));
    self->refs = calloc ((size_t) n, sizeof self->refs[0]);
    for (int i = 0; i < n; i++) {
        kbt_signal_init (&self->signals[i], first + (uint32_t) i);
    }
    return self;
}

static void
s_stream_destroy (s_stream_t **self_p)
{
    free ((*self_p)->signals);
    free ((*self_p)->sent_at);
    free ((*self_p)->refs);
    free (*self_p);
    *self_p = NULL;
}

static int
s_find (s_stream_t *self, const char *message_id)
{
    /* ids are random: a linear scan is fine for 10,000 in a test */
    for (int i = 0; i < self->n; i++)
        if (strcmp (self->signals[i].message_id, message_id) == 0)
            return i;
    return -1;
}

/* Tops up the window and resends overdue messages with the same ids. */
static void
s_stream_send (s_stream_t *self, kb_client_t *client, int window, int retry_ms)
{
    int64_t now = kbt_now_ms ();
    int in_flight = 0;
    for (int i = 0; i < self->n; i++)
        if (self->sent_at[i] && !self->refs[i][0])
            in_flight++;
    for (int i = 0; i < self->n; i++) {
        if (self->refs[i][0])
            continue;
        if (self->sent_at[i] && now - self->sent_at[i] > retry_ms) {
            /* unanswered: the same id again, whatever the window */
            self->resent++;
            kb_client_send (client, &self->signals[i].env);
            self->sent_at[i] = now;
        }
        else if (self->sent_at[i] == 0 && in_flight < window) {
            in_flight++;
            kb_client_send (client, &self->signals[i].env);
            self->sent_at[i] = now;
        }
    }
}

/* Collects the answers that arrive within a short wait. */
static void
s_stream_collect (s_stream_t *self, kb_client_t *client)
{
    kb_envelope_t *reply = NULL;
    while (kb_client_recv (client, 20, &reply) == 0) {
        if (reply->body_case == KETENBUS__V1__ENVELOPE__BODY_ACK) {
            int i = s_find (self, reply->ack->message_id);
            if (i >= 0 && !self->refs[i][0]) {
                snprintf (self->refs[i], sizeof self->refs[i], "%s", reply->ack->reference);
                self->acked++;
            }
            if (reply->ack->status == KETENBUS__V1__ACK_STATUS__ACK_STATUS_DUPLICATE)
                self->duplicates++;
        }
        else
            fail_msg ("unexpected answer body %d", reply->body_case);
        kb_codec_free (&reply);
    }
}

/* One step of a pipelined partner. */
static void
s_stream_step (s_stream_t *self, kb_client_t *client, int window, int retry_ms)
{
    s_stream_send (self, client, window, retry_ms);
    s_stream_collect (self, client);
}

static void
s_assert_stored_exactly_once (kbt_intake_t *intake, s_stream_t *stream, const char *like)
{
    char sql[512];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM intake.signal WHERE partner_case_ref LIKE '%s'", like);
    assert_int_equal (kbt_query_long (intake->conninfo, sql), stream->n);
    snprintf (sql, sizeof sql,
              "SELECT count(DISTINCT message_id) FROM intake.signal WHERE partner_case_ref LIKE '%s'",
              like);
    assert_int_equal (kbt_query_long (intake->conninfo, sql), stream->n);
    /* every acknowledged reference is a stored row: write the refs to a
       temp table and join */
    char *path = kbt_var_path ("ft_intake");
    char file[1024];
    snprintf (file, sizeof file, "%s/refs.csv", path);
    FILE *f = fopen (file, "w");
    for (int i = 0; i < stream->n; i++)
        fprintf (f, "%s\n", stream->refs[i]);
    fclose (f);
    char cmd[2048];
    snprintf (cmd, sizeof cmd,
              "psql -q -X -v ON_ERROR_STOP=1 '%s' -c \"DROP TABLE IF EXISTS acked; CREATE TABLE acked (ref text); \" "
              "-c \"\\copy acked FROM '%s'\"",
              intake->conninfo, file);
    assert_int_equal (system (cmd), 0);
    assert_int_equal (kbt_query_long (intake->conninfo,
                                      "SELECT count(*) FROM acked a JOIN intake.signal s ON s.ref = a.ref"),
                      stream->n);
    /* one outbox message per stored signal, no more (counted by the
       streams' counters: an acknowledged row is deleted) */
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.signal");
    long signals = kbt_query_long (intake->conninfo, sql);
    assert_int_equal (kbt_query_long (intake->conninfo, "SELECT coalesce(sum(last_seq), 0)"
                                                        " FROM intake.kb_link_stream WHERE stream <> 'registry'"),
                      signals);
    free (path);
}

static void
test_kill9_while_streaming (void **state)
{
    (void) state;
    kbt_intake_t *intake = kbt_intake_setup ("ft_intake_kill");
    kbt_intake_start (intake, NULL);
    enum { N = 10000, KILLS = 5 };
    s_stream_t *stream = s_stream_new (N, 100000);
    kb_client_t *client = kbt_intake_client (intake, KBT_CJG);
    srand (4242);
    int kills = 0;
    int next_kill_at = 1000 + rand () % 1000;
    int64_t deadline = kbt_now_ms () + 240000;
    while (stream->acked < N && kbt_now_ms () < deadline) {
        s_stream_step (stream, client, 300, 1500);
        if (kills < KILLS && stream->acked >= next_kill_at) {
            /* kill with a full window in flight: some of it committed
               without an answer, some of it never read */
            s_stream_send (stream, client, 300, 1500);
            kbt_sleep_ms (rand () % 20);
            kbt_intake_stop (intake, SIGKILL);
            kills++;
            kbt_sleep_ms (rand () % 300);
            kbt_intake_start (intake, NULL);
            next_kill_at = stream->acked + 800 + rand () % 1200;
        }
    }
    printf ("# acked=%d duplicates=%d resent=%d kills=%d\n", stream->acked, stream->duplicates,
            stream->resent, kills);
    assert_int_equal (kills, KILLS);
    assert_int_equal (stream->acked, N);
    assert_true (stream->resent > 0);
    s_assert_stored_exactly_once (intake, stream, "CASE-1%");
    kb_client_destroy (&client);
    s_stream_destroy (&stream);
    kbt_intake_teardown (&intake);
}

static void
test_postgres_restart_under_load (void **state)
{
    (void) state;
    kbt_intake_t *intake = kbt_intake_setup ("ft_intake_pg");
    kbt_intake_start (intake, NULL);
    enum { N = 3000 };
    s_stream_t *stream = s_stream_new (N, 200000);
    kb_client_t *client = kbt_intake_client (intake, KBT_CJG);
    bool restarted = false;
    int64_t deadline = kbt_now_ms () + 180000;
    while (stream->acked < N && kbt_now_ms () < deadline) {
        s_stream_step (stream, client, 200, 3000);
        if (!restarted && stream->acked >= N / 3) {
            assert_int_equal (kbt_pg_restart (), 0);
            restarted = true;
        }
    }
    printf ("# acked=%d duplicates=%d resent=%d\n", stream->acked, stream->duplicates,
            stream->resent);
    assert_true (restarted);
    assert_int_equal (kbt_wait (intake->pid, 0), -1); /* intake stayed up */
    assert_int_equal (stream->acked, N);
    s_assert_stored_exactly_once (intake, stream, "CASE-2%");
    assert_true (kbt_intake_log_count (intake, "could not commit batch") >= 1
                 || kbt_intake_log_count (intake, "database connection lost") >= 1);
    kb_client_destroy (&client);
    s_stream_destroy (&stream);
    kbt_intake_teardown (&intake);
}

/*  The partner registry cannot be read (the database is down) for longer
    than security/max_age_ms: nobody is served any more - a connected
    partner's signal is left unanswered (not refused: its retry counts), a
    new connection gets no answer (ZAP refuses it) - and once the database
    is back, partners are served again within seconds, without a restart. */
static void
test_registry_unreachable_fails_closed (void **state)
{
    (void) state;
    kbt_intake_t *intake = kbt_intake_setup ("ft_intake_stale");
    static const char *const env[] = { "KETENBUS_SECURITY_MAX_AGE_MS=1000", NULL };
    kbt_intake_start (intake, env);
    kb_client_t *client = kbt_intake_client (intake, KBT_CJG);
    kbt_signal_t s;
    kbt_signal_init (&s, 300000);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_send (client, &s.env), 0);
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    kb_codec_free (&reply);

    assert_int_equal (kbt_pg_stop (), 0);
    kbt_sleep_ms (2500); /* past max_age_ms, with refreshes every 200 ms failing */
    /* the connected partner: not served, and not told "revoked" either -
       no answer, no quarantine row; its retry decides once the registry
       is back */
    kbt_signal_t late;
    kbt_signal_init (&late, 300001);
    assert_int_equal (kb_client_send (client, &late.env), 0);
    assert_int_equal (kb_client_recv (client, 3000, &reply), -1);
    assert_true (kbt_intake_log_count (intake, "partner registry stale") >= 1);
    /* a new connection: no answer at all */
    kb_client_t *fresh = kbt_intake_client (intake, KBT_VEILIG_THUIS);
    kbt_signal_t other;
    kbt_signal_init (&other, 300002);
    assert_int_equal (kb_client_send (fresh, &other.env), 0);
    assert_int_equal (kb_client_recv (fresh, 2000, &reply), -1);
    kb_client_destroy (&fresh);
    assert_true (kbt_intake_log_count (intake, "refusing all partners") >= 1);
    assert_true (kbt_intake_log_count (intake, "reason=\"unknown or revoked key\"") >= 1);

    /* the database is back: served again, by the same process */
    assert_int_equal (kbt_pg_start (), 0);
    bool accepted = false;
    int64_t deadline = kbt_now_ms () + 20000;
    while (!accepted && kbt_now_ms () < deadline) {
        kb_client_destroy (&client);
        client = kbt_intake_client (intake, KBT_CJG);
        assert_int_equal (kb_client_send (client, &late.env), 0);
        if (kb_client_recv (client, 1000, &reply) == 0) {
            accepted = reply->body_case == KETENBUS__V1__ENVELOPE__BODY_ACK;
            kb_codec_free (&reply);
        }
    }
    assert_true (accepted);
    assert_int_equal (kbt_query_long (intake->conninfo, "SELECT count(*) FROM intake.quarantine"),
                      0);
    assert_int_equal (kbt_wait (intake->pid, 0), -1); /* intake stayed up */
    kb_client_destroy (&client);
    kbt_intake_teardown (&intake);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_kill9_while_streaming),
        cmocka_unit_test (test_postgres_restart_under_load),
        cmocka_unit_test (test_registry_unreachable_fails_closed),
    };
    return cmocka_run_group_tests_name ("ft_intake", tests, NULL, NULL);
}
