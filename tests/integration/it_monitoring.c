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

#include "kb_test_http.h"
#include "kb_test_monitoring.h"
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

static char *s_conn;
static kbt_monitoring_t *s_mon;
static kbt_event_sender_t *s_a;

static int
s_setup (void **state)
{
    (void)state;
    s_conn = kbt_db_create ("it_monitoring");
    s_mon = kbt_monitoring_new (s_conn, "it_monitoring");
    const char *const env[] = { "KETENBUS_LINK_MAX_ATTEMPTS=2", NULL };
    kbt_monitoring_start (s_mon, env);
    s_a = kbt_event_sender_new (s_conn, "montest_a", kbt_monitoring_listen (s_mon), "client-tracking");
    return 0;
}

static int
s_teardown (void **state)
{
    (void)state;
    kbt_event_sender_destroy (&s_a);
    kbt_monitoring_destroy (&s_mon);
    free (s_conn);
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
    kbt_event_sender_put_event (s_a, &ev, id1);
    ev.trajectory_state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_PLAN_VASTGESTELD;
    ev.duration_days = 12;
    kbt_event_sender_put_event (s_a, &ev, id2);
    ev.trajectory_id = "";
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SHELTER_OUT;
    ev.shelter_type = KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG;
    ev.shelter_destination =
      KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_ZELFSTANDIG_WONEN;
    ev.start_date = "2026-03-01";
    ev.end_date = "2026-06-01";
    kbt_event_sender_put_event (s_a, &ev, id3);
    kbt_event_sender_wait_acked (s_a);
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
                       " AND trajectory_id = monitoring.mon_ref('trj-mon-1') AND age_years = 34"
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
    /* the operator sees whose connections these are */
    assert_true (kbt_query_long (s_conn,
                                 "SELECT count(*) FROM pg_stat_activity"
                                 " WHERE datname = current_database()"
                                 " AND application_name = 'monitoring'") >= 1);
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
    kbt_monitoring_signal (s_mon, SIGSTOP);
    char id[37] = "";
    kbt_event_sender_put_event (s_a, &ev, id);
    kbt_sleep_ms (1500);
    kbt_monitoring_signal (s_mon, SIGCONT);
    kbt_event_sender_wait_acked (s_a);
    char again[37] = "";
    ev.trajectory_outcome = KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_SUCCESVOL;
    kbt_event_sender_put_event (s_a, &ev, again);
    kbt_event_sender_wait_acked (s_a);
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
                                      " WHERE trajectory_id = monitoring.mon_ref('trj-mon-2')"),
                      2);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.kb_dead_letter"), 0);
}

/* Ids that partners choose (here with a name in them) reach monitoring's
   tables only as keyed hashes: the same id is still one item, a
   STALE_CASE kind stays readable, and no table holds the name. */
static void
test_partner_ids_stored_as_keyed_hashes (void **state)
{
    (void)state;
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_TRAJECTORY_STATE;
    ev.occurred_at_ms = 1780000900000;
    ev.person_pseudonym = S_PSEUDO;
    ev.trajectory_id = "jan.devries-1980";
    ev.gemeente_code = "GM0794";
    ev.trajectory_type = KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_POT;
    ev.trajectory_state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD;
    ev.event_date = "2026-06-01";
    char id[37] = "";
    kbt_event_sender_put_event (s_a, &ev, id);
    id[0] = '\0';
    ev.trajectory_state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_PLAN_VASTGESTELD;
    ev.event_date = "2026-06-03";
    kbt_event_sender_put_event (s_a, &ev, id);
    id[0] = '\0';
    Ketenbus__V1__MonitoringEvent in = KETENBUS__V1__MONITORING_EVENT__INIT;
    in.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SHELTER_IN;
    in.occurred_at_ms = 1780000900000;
    in.person_pseudonym = S_PSEUDO;
    in.trajectory_id = "jan.devries-1980";
    in.item_ref = "opvang-jan.devries";
    in.gemeente_code = "GM0794";
    in.start_date = "2026-06-01";
    in.event_date = "2026-06-01";
    kbt_event_sender_put_event (s_a, &in, id);
    Ketenbus__V1__MonitoringEvent stale = KETENBUS__V1__MONITORING_EVENT__INIT;
    stale.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_STALE_CASE;
    stale.occurred_at_ms = 1780000900000;
    stale.trajectory_id = "jan.devries-1980";
    stale.item_ref = "no_plan";
    stale.event_date = "2026-06-02";
    char stale_id[37] = "";
    kbt_event_sender_put_event (s_a, &stale, stale_id);
    kbt_event_sender_wait_acked (s_a);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM monitoring.mon_trajectory"
                                      " WHERE trajectory_id = monitoring.mon_ref('jan.devries-1980')"
                                      " AND plan_date = '2026-06-03'"),
                      1);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM monitoring.mon_shelter"
                                      " WHERE episode_id = monitoring.mon_ref('opvang-jan.devries')"
                                      " AND trajectory_id = monitoring.mon_ref('jan.devries-1980')"),
                      1);
    assert_int_equal (kbt_query_longf (s_conn,
                                       "SELECT count(*) FROM monitoring.monitoring_event"
                                       " WHERE message_id = '%s' AND item_ref = 'no_plan'",
                                       stale_id),
                      1);
    /* a ref is 'r' and 32 hex digits */
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM monitoring.mon_trajectory"
                                      " WHERE trajectory_id ~ '^r[0-9a-f]{32}$'"),
                      kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.mon_trajectory"));
    const char *tables[] = { "monitoring_event", "mon_trajectory", "mon_shelter", "mon_person",
                             "mon_gezin" };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        assert_int_equal (kbt_query_longf (s_conn,
                                           "SELECT count(*) FROM monitoring.%s t"
                                           " WHERE t::text LIKE '%%devries%%'",
                                           tables[i]),
                          0);
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
    kbt_event_sender_put (s_a, &env, wrong);
    /* a MonitoringEvent with free text where a code belongs */
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_TRAJECTORY_STATE;
    ev.occurred_at_ms = 1780000900000;
    ev.gebied = "mevrouw Jansen woont hier";
    char text[37] = "";
    kbt_event_sender_put_event (s_a, &ev, text);
    /* and a good one behind them: the stream goes on */
    ev.gebied = "helmond-west";
    char good[37] = "";
    kbt_event_sender_put_event (s_a, &ev, good);
    kbt_event_sender_wait_acked (s_a);
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

/* Starts monitoring with link/listen link ("%s": this test's directory)
   and http (a KETENBUS_HTTP_LISTEN=... entry); it must refuse to start,
   saying expect in its log (logname.log) and never said_not. */
static void
s_expect_start_refused (const char *logname,
                        const char *link,
                        const char *http,
                        const char *expect,
                        const char *said_not)
{
    char *dir = kbt_var_path ("it_monitoring");
    char log[512], e_conn[512], listen[512], e_link[600];
    snprintf (log, sizeof log, "%s/%s.log", dir, logname);
    FILE *f = fopen (log, "w"); /* this run's lines only */
    if (f)
        fclose (f);
    snprintf (e_conn, sizeof e_conn, "KETENBUS_DB_CONNINFO=%s", s_conn);
    snprintf (listen, sizeof listen, link, dir);
    snprintf (e_link, sizeof e_link, "KETENBUS_LINK_LISTEN=%s", listen);
    const char *env[] = { e_conn, e_link, http, "KETENBUS_METRICS_LISTEN=", NULL };
    char *bin = kbt_bin ("monitoring");
    const char *argv[] = { bin, NULL };
    pid_t pid = kbt_spawn (argv, env, log);
    int status = kbt_wait (pid, 20000);
    assert_true (status > 0 && status < 128);
    assert_int_equal (kbt_file_count (log, expect), 1);
    assert_int_equal (kbt_file_count (log, said_not), 0);
    free (bin);
    free (dir);
}

/* Beyond this machine the dashboard needs a Secure session cookie: with
   http/listen on every interface and http/cookie_secure off, monitoring
   refuses to start and says why. */
static void
test_dashboard_beyond_loopback_needs_secure_cookie (void **state)
{
    (void)state;
    s_expect_start_refused ("refused",
                            "ipc://%s/refused.sock",
                            "KETENBUS_HTTP_LISTEN=0.0.0.0:0",
                            "http/cookie_secure must be true",
                            "dashboard serving");
}

/* The whole text of a migration file (caller frees). */
static char *
s_migration (const char *name)
{
    char *path = kbt_source_path (name);
    FILE *f = fopen (path, "r");
    assert_non_null (f);
    fseek (f, 0, SEEK_END);
    long len = ftell (f);
    fseek (f, 0, SEEK_SET);
    char *sql = calloc (1, (size_t)len + 64);
    assert_non_null (sql);
    int head = snprintf (sql, 64, "SET search_path = mig0005;\n");
    assert_int_equal (fread (sql + head, 1, (size_t)len, f), (size_t)len);
    fclose (f);
    free (path);
    return sql;
}

/* Migration 0005 on a monitoring schema that already holds raw ids: they
   are rewritten with the same keyed hash in every table, the derived rows
   keep their links and regions, a STALE_CASE kind stays a code, and an
   event that arrives afterwards (hashed on the way in) finds its item. */
static void
test_keyed_refs_migration_rewrites_stored_ids (void **state)
{
    (void)state;
    kbt_exec (s_conn, "DROP SCHEMA IF EXISTS mig0005 CASCADE; CREATE SCHEMA mig0005");
    const char *before[] = { "deploy/migrations/monitoring/0001_monitoring.sql",
                             "deploy/migrations/monitoring/0002_monitoring_figures.sql",
                             "deploy/migrations/monitoring/0003_monitoring_region_at_write.sql",
                             "deploy/migrations/monitoring/0004_dashboard_users.sql" };
    for (size_t i = 0; i < sizeof before / sizeof before[0]; i++) {
        char *sql = s_migration (before[i]);
        kbt_exec (s_conn, sql);
        free (sql);
    }
    kbt_exec (s_conn,
              "SET search_path = mig0005;"
              " INSERT INTO monitoring_event (message_id, sender, event_type, occurred_at,"
              "  person_pseudonym, gezin_ref, gemeente_code, gebied, event_date)"
              "  VALUES ('m1', 'zorg', 1, now(), 'p1', 'g1', '0794', 'noord', '2026-01-02');"
              " INSERT INTO monitoring_event (message_id, sender, event_type, occurred_at,"
              "  person_pseudonym, gezin_ref, trajectory_id, trajectory_type, trajectory_state,"
              "  event_date)"
              "  VALUES ('m2', 'trk', 7, now(), 'p1', 'g1', 'jan.devries', 2, 1, '2026-01-03');"
              " INSERT INTO monitoring_event (message_id, sender, event_type, occurred_at,"
              "  person_pseudonym, trajectory_id, item_ref, start_date, event_date)"
              "  VALUES ('m3', 'trk', 8, now(), 'p1', 'jan.devries', 'ep-jan', '2026-01-04',"
              "  '2026-01-04');"
              " INSERT INTO monitoring_event (message_id, sender, event_type, occurred_at,"
              "  person_pseudonym, item_ref, wet, start_date, event_date)"
              "  VALUES ('m4', 'zorg', 10, now(), 'p1', 'TW-jan', 1, '2026-01-05', '2026-01-05');"
              " INSERT INTO monitoring_event (message_id, sender, event_type, occurred_at,"
              "  trajectory_id, item_ref, event_date)"
              "  VALUES ('m5', 'trk', 17, now(), 'jan.devries', 'no_plan', '2026-01-06')");
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM mig0005.mon_shelter"
                                      " WHERE r_gemeente = '0794' AND trajectory_type = 2"),
                      1);
    char *sql = s_migration ("deploy/migrations/monitoring/0005_monitoring_keyed_refs.sql");
    kbt_exec (s_conn, sql);
    free (sql);
    const char *tables[] = { "monitoring_event", "mon_trajectory", "mon_shelter", "mon_toewijzing" };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        assert_int_equal (kbt_query_longf (s_conn,
                                           "SELECT count(*) FROM mig0005.%s t WHERE t::text LIKE '%%jan%%'",
                                           tables[i]),
                          0);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM mig0005.mon_shelter s"
                                      " JOIN mig0005.mon_trajectory t USING (trajectory_id)"
                                      " WHERE s.episode_id = mig0005.mon_ref('ep-jan')"
                                      " AND s.r_gemeente = '0794' AND s.trajectory_type = 2"),
                      1);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM mig0005.mon_toewijzing"
                                      " WHERE toewijzing_id = mig0005.mon_ref('TW-jan')"),
                      1);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM mig0005.monitoring_event"
                                      " WHERE message_id = 'm5' AND item_ref = 'no_plan'"
                                      " AND trajectory_id = mig0005.mon_ref('jan.devries')"),
                      1);
    /* after the upgrade, as monitor_store writes it: the same trajectory */
    kbt_exec (s_conn,
              "SET search_path = mig0005;"
              " INSERT INTO monitoring_event (message_id, sender, event_type, occurred_at,"
              "  person_pseudonym, trajectory_id, trajectory_type, trajectory_state, event_date)"
              "  VALUES ('m6', 'trk', 7, now(), 'p1', mon_ref('jan.devries'), 2, 2, '2026-01-07')");
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM mig0005.mon_trajectory"
                                      " WHERE plan_date = '2026-01-07'"),
                      1);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM mig0005.mon_trajectory"), 1);
    kbt_exec (s_conn, "DROP SCHEMA mig0005 CASCADE");
}

/* Refusals without a login are audited one by one only up to
   http/refused_audit_per_minute; the rest are counted and the count is
   audited once (here: when the daemon stops). */
static void
test_refusals_audited_up_to_a_limit (void **state)
{
    (void)state;
    char *dir = kbt_var_path ("it_monitoring");
    int port = kbt_free_port ();
    char log[512], e_conn[512], e_link[512], e_http[64];
    snprintf (log, sizeof log, "%s/refusals.log", dir);
    snprintf (e_conn, sizeof e_conn, "KETENBUS_DB_CONNINFO=%s", s_conn);
    snprintf (e_link, sizeof e_link, "KETENBUS_LINK_LISTEN=ipc://%s/refusals.sock", dir);
    snprintf (e_http, sizeof e_http, "KETENBUS_HTTP_LISTEN=127.0.0.1:%d", port);
    const char *env[] = { e_conn, e_link, e_http, "KETENBUS_HTTP_REFUSED_AUDIT_PER_MINUTE=3",
                          "KETENBUS_METRICS_LISTEN=", NULL };
    const char *anonymous = "SELECT count(*) FROM monitoring.kb_audit WHERE actor_org = 'anonymous'";
    long before = kbt_query_long (s_conn, anonymous);
    char *bin = kbt_bin ("monitoring");
    const char *argv[] = { bin, NULL };
    pid_t pid = kbt_spawn (argv, env, log);
    int status = 0;
    for (int64_t until = kbt_now_ms () + 20000; status == 0 && kbt_now_ms () < until;) {
        free (kbt_http (port, "GET", "/login", NULL, NULL, &status));
        if (status == 0)
            kbt_sleep_ms (50);
    }
    assert_int_equal (status, 200);
    for (int i = 0; i < 8; i++) {
        free (kbt_http (port, "GET", "/export/keten.json", NULL, NULL, &status));
        assert_int_equal (status, 401);
    }
    for (int i = 0; i < 2; i++) {
        free (kbt_http (port, "POST", "/login", NULL, "token=not-a-token", &status));
        assert_int_equal (status, 401);
    }
    free (kbt_http (port, "GET", "/logout", "Cookie: kb_session=not-a-session\r\n", NULL, &status));
    assert_int_equal (status, 303);
    assert_int_equal (kbt_query_long (s_conn, anonymous), before + 3);
    kill (pid, SIGTERM);
    assert_int_equal (kbt_wait (pid, 20000), 0); /* a clean stop writes the count */
    assert_int_equal (kbt_query_long (s_conn, anonymous), before + 4);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM monitoring.kb_audit"
                                      " WHERE event = 'dashboard.denied' AND outcome = 'rate_limited'"
                                      " AND reason = 'count_8'"),
                      1);
    free (bin);
    free (dir);
}

/* A link endpoint the operating system does not guard (TCP: the links
   have no CURVE) is refused at start, with the reason. */
static void
test_unguarded_link_endpoint_refused (void **state)
{
    (void)state;
    s_expect_start_refused ("tcp-link",
                            "tcp://127.0.0.1:7419",
                            "KETENBUS_HTTP_LISTEN=",
                            "link endpoint \"tcp://127.0.0.1:7419\" refused",
                            "link receiver listening");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_dashboard_beyond_loopback_needs_secure_cookie),
        cmocka_unit_test (test_events_stored_once),
        cmocka_unit_test (test_retransmission_stored_once),
        cmocka_unit_test (test_partner_ids_stored_as_keyed_hashes),
        cmocka_unit_test (test_not_a_monitoring_event_dead_lettered),
        cmocka_unit_test (test_unguarded_link_endpoint_refused),
        cmocka_unit_test (test_refusals_audited_up_to_a_limit),
        cmocka_unit_test (test_keyed_refs_migration_rewrites_stored_ids),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
