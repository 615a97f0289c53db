/*  it_monitoring - the real monitoring daemon against real PostgreSQL:
    MonitoringEvents put on its link by a kb_link sender of the test
    (standing in for client-tracking's link/monitoring) are stored once
    each, a message retransmitted while monitoring stood still (SIGSTOP)
    is stored once, and a body that is not a MonitoringEvent, or one
    carrying free text, is dead-lettered while the stream goes on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kb_test_support.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_uuid.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_PSEUDO "d1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

typedef struct
{
    kb_db_t *db;
    kb_link_sender_t *sender;
    const char *schema;
} s_outbox_t;

static char *s_conn;
static char *s_dir;
static char *s_listen;
static char *s_log;
static pid_t s_pid;
static s_outbox_t s_a;

static char *
s_printf (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    char *s = NULL;
    if (vasprintf (&s, fmt, ap) < 0)
        abort ();
    va_end (ap);
    return s;
}

static void
s_outbox_open (s_outbox_t *o, const char *schema, const char *identity)
{
    o->schema = schema;
    o->db = kb_db_connect (s_conn, schema, 5000);
    if (!o->db || kb_db_migrate (o->db, KB_MIGRATIONS_DIR, "link") || kb_outbox_prepare (o->db))
        abort ();
    kb_link_sender_config_t cfg = { .conninfo = s_conn,
                                    .schema = schema,
                                    .endpoint = s_listen,
                                    .identity = identity,
                                    .retransmit_base_ms = 200,
                                    .retransmit_max_ms = 1000,
                                    .poll_ms = 50 };
    o->sender = kb_link_sender_new (&cfg);
    if (!o->sender)
        abort ();
}

static void
s_outbox_close (s_outbox_t *o)
{
    kb_link_sender_destroy (&o->sender);
    kb_db_destroy (&o->db);
}

/* Puts env on o's outbox under message id id (a fresh one when id is
   empty, written back) and wakes the sender. */
static void
s_put (s_outbox_t *o, kb_envelope_t *env, char id[37])
{
    if (!*id)
        kb_uuid_v4 (id);
    env->message_id = id;
    env->sent_at_ms = (int64_t)time (NULL) * 1000;
    env->schema_version = KB_SCHEMA_VERSION;
    env->sender_org = "client-tracking";
    size_t len = 0;
    uint8_t *bytes = kb_codec_encode (env, &len);
    if (!bytes || kb_db_begin (o->db) != KB_DB_OK ||
        kb_outbox_put (o->db, "monitoring:test", id, bytes, len) != KB_DB_OK ||
        kb_db_commit (o->db) != KB_DB_OK)
        abort ();
    free (bytes);
    env->message_id = NULL;
    env->sender_org = NULL;
    kb_link_sender_wake (o->sender);
}

static void
s_put_event (s_outbox_t *o, Ketenbus__V1__MonitoringEvent *ev, char id[37])
{
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_MONITORING_EVENT;
    env.monitoring_event = ev;
    s_put (o, &env, id);
}

/* Waits until every message of o's outbox is acknowledged or dead. */
static void
s_wait_acked (s_outbox_t *o)
{
    char *sql = s_printf ("SELECT count(*) FROM %s.kb_outbox WHERE acked_at IS NULL AND dead_at IS NULL",
                          o->schema);
    long left = kbt_wait_for_value (s_conn, sql, 0, 20000);
    free (sql);
    assert_int_equal (left, 0);
}

static int
s_setup (void **state)
{
    (void)state;
    s_conn = kbt_db_create ("it_monitoring");
    s_dir = kbt_var_path ("it_monitoring");
    s_listen = s_printf ("ipc://%s/monitoring.sock", s_dir);
    s_log = s_printf ("%s/monitoring.log", s_dir);
    FILE *f = fopen (s_log, "w");
    if (f)
        fclose (f);
    char *bin = kbt_bin ("monitoring");
    const char *argv[] = { bin, NULL };
    char *e_conn = s_printf ("KETENBUS_DB_CONNINFO=%s", s_conn);
    char *e_listen = s_printf ("KETENBUS_LINK_LISTEN=%s", s_listen);
    const char *env[] = { e_conn, e_listen, "KETENBUS_LINK_MAX_ATTEMPTS=2", "KETENBUS_HTTP_LISTEN=",
                          "KETENBUS_METRICS_LISTEN=", NULL };
    s_pid = kbt_spawn (argv, env, s_log);
    free (e_conn);
    free (e_listen);
    free (bin);
    int64_t deadline = kbt_now_ms () + 20000;
    while (kbt_file_count (s_log, "monitoring serving") == 0) {
        if (kbt_now_ms () > deadline || kbt_wait (s_pid, 0) >= 0) {
            fprintf (stderr, "monitoring did not start; log %s\n", s_log);
            return -1;
        }
        kbt_sleep_ms (20);
    }
    s_outbox_open (&s_a, "montest_a", "client-tracking");
    return 0;
}

static int
s_teardown (void **state)
{
    (void)state;
    s_outbox_close (&s_a);
    if (s_pid > 0)
        kbt_kill (s_pid, SIGTERM);
    free (s_conn);
    free (s_dir);
    free (s_listen);
    free (s_log);
    return 0;
}

static void
test_events_stored_once (void **state)
{
    (void)state;
    long before = kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.monitoring_event");
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    Ketenbus__V1__Category cats[] = { KETENBUS__V1__CATEGORY__CATEGORY_DAKLOOSHEID,
                                      KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN };
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_TRAJECTORY_STATE;
    ev.occurred_at_ms = 1780000000000;
    ev.person_pseudonym = S_PSEUDO;
    ev.trajectory_id = "trj-mon-1";
    ev.gemeente_code = "GM0794";
    ev.gebied = "helmond-noord";
    ev.org = "wijkteam-helmond";
    ev.org_type = KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM;
    ev.age_years = 34;
    ev.n_categories = 2;
    ev.categories = cats;
    ev.trajectory_type = KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_POT;
    ev.trajectory_state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD;
    ev.event_date = "2026-06-01";
    char id1[37] = "", id2[37] = "", id3[37] = "";
    s_put_event (&s_a, &ev, id1);
    ev.trajectory_state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_PLAN_VASTGESTELD;
    ev.duration_days = 12;
    s_put_event (&s_a, &ev, id2);
    ev.trajectory_id = "";
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SHELTER_OUT;
    ev.shelter_type = KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG;
    ev.shelter_destination =
      KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_ZELFSTANDIG_WONEN;
    ev.start_date = "2026-03-01";
    ev.end_date = "2026-06-01";
    s_put_event (&s_a, &ev, id3);
    s_wait_acked (&s_a);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.monitoring_event"),
                      before + 3);
    assert_int_equal (kbt_query_longf (s_conn,
                                       "SELECT count(*) FROM monitoring.monitoring_event"
                                       " WHERE message_id IN ('%s', '%s', '%s')",
                                       id1,
                                       id2,
                                       id3),
                      3);
    assert_int_equal (
      kbt_query_longf (s_conn,
                       "SELECT count(*) FROM monitoring.monitoring_event WHERE message_id = '%s'"
                       " AND gemeente_code = 'GM0794' AND gebied = 'helmond-noord'"
                       " AND trajectory_id = 'trj-mon-1' AND age_years = 34"
                       " AND categories = '{%d,%d}' AND event_date = '2026-06-01'"
                       " AND occurred_at = to_timestamp(1780000000)"
                       " AND sender = 'client-tracking' AND org_type = %d",
                       id1,
                       (int)cats[0],
                       (int)cats[1],
                       (int)KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM),
      1);
    assert_int_equal (
      kbt_query_longf (s_conn,
                       "SELECT duration_days FROM monitoring.monitoring_event WHERE message_id = '%s'",
                       id2),
      12);
    assert_int_equal (
      kbt_query_longf (s_conn,
                       "SELECT (end_date - start_date) FROM monitoring.monitoring_event"
                       " WHERE message_id = '%s' AND trajectory_id IS NULL",
                       id3),
      92);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.kb_dead_letter"), 0);
}

static void
test_retransmission_stored_once (void **state)
{
    (void)state;
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_TRAJECTORY_STATE;
    ev.occurred_at_ms = 1780000500000;
    ev.trajectory_id = "trj-mon-2";
    ev.gemeente_code = "GM0794";
    ev.trajectory_outcome =
      KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_SUCCESVOL;
    /* monitoring stands still while the sender retransmits the event
       every 200 ms: all the copies arrive when it goes on */
    kill (s_pid, SIGSTOP);
    char id[37] = "";
    s_put_event (&s_a, &ev, id);
    kbt_sleep_ms (1500);
    kill (s_pid, SIGCONT);
    s_wait_acked (&s_a);
    char again[37] = "";
    ev.trajectory_outcome = KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_SUCCESVOL;
    s_put_event (&s_a, &ev, again);
    s_wait_acked (&s_a);
    assert_int_equal (kbt_query_longf (s_conn,
                                       "SELECT count(*) FROM monitoring.monitoring_event"
                                       " WHERE message_id = '%s'",
                                       id),
                      1);
    assert_int_equal (kbt_query_longf (s_conn,
                                       "SELECT count(*) FROM monitoring.monitoring_event"
                                       " WHERE message_id = '%s'",
                                       again),
                      1);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM monitoring.monitoring_event"
                                      " WHERE trajectory_id = 'trj-mon-2'"),
                      2);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.kb_dead_letter"), 0);
}

static void
test_not_a_monitoring_event_dead_lettered (void **state)
{
    (void)state;
    long before = kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.monitoring_event");
    /* a trajectory update belongs on client-tracking's link, not here */
    Ketenbus__V1__TrajectoryUpdate u = KETENBUS__V1__TRAJECTORY_UPDATE__INIT;
    u.trajectory_id = "trj-mon-3";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
    env.trajectory_update = &u;
    char wrong[37] = "";
    s_put (&s_a, &env, wrong);
    /* a MonitoringEvent with free text where a code belongs */
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_TRAJECTORY_STATE;
    ev.occurred_at_ms = 1780000900000;
    ev.gebied = "mevrouw Jansen woont hier";
    char text[37] = "";
    s_put_event (&s_a, &ev, text);
    /* and a good one behind them: the stream goes on */
    ev.gebied = "helmond-west";
    char good[37] = "";
    s_put_event (&s_a, &ev, good);
    s_wait_acked (&s_a);
    char *reason = kbt_query_strf (
      s_conn, "SELECT reason FROM monitoring.kb_dead_letter WHERE message_id = '%s'", wrong);
    assert_non_null (reason);
    assert_non_null (strstr (reason, "unexpected body"));
    free (reason);
    reason = kbt_query_strf (
      s_conn, "SELECT reason FROM monitoring.kb_dead_letter WHERE message_id = '%s'", text);
    assert_non_null (reason);
    assert_non_null (strstr (reason, "free text"));
    free (reason);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.monitoring_event"),
                      before + 1);
    assert_int_equal (kbt_query_longf (s_conn,
                                       "SELECT count(*) FROM monitoring.monitoring_event"
                                       " WHERE message_id = '%s' AND gebied = 'helmond-west'",
                                       good),
                      1);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_events_stored_once),
        cmocka_unit_test (test_retransmission_stored_once),
        cmocka_unit_test (test_not_a_monitoring_event_dead_lettered),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
