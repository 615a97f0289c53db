/*  ft_monitoring - the figures survive kill -9: trajectory updates and
    shelter instroom flow through the real client-tracking into the real
    monitoring daemon while client-tracking is killed with SIGKILL three
    times with MonitoringEvents unacknowledged (monitoring held with
    SIGSTOP, so the events are in flight), and monitoring itself is killed
    once while it applies. At the end monitoring stored every event
    exactly once, nothing is dead-lettered, and the published report
    (threshold 1, no rounding) counts exactly the trajectories that were
    started, per type and per gemeente. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kb_test_monitoring.h"
#include "kb_test_support.h"
#include "kb_test_tracking.h"
#include "monitor_report.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TRAJECTORIES 120
#define S_EPISODES 40
#define S_TOTAL (S_TRAJECTORIES * 3 + S_EPISODES)

static kbt_tracking_t *s_trk;
static kbt_monitoring_t *s_mon;
static const char *s_trk_env[3];
static const char *const s_mon_env[] = { "KETENBUS_LINK_BATCH=50", NULL };

static void
s_pseudonym (char out[65], int i)
{
    snprintf (out, 65, "%064x", 0xfeed000 + i);
}

static const char *
s_gemeente (int i)
{
    return i % 2 ? "0762" : "0794";
}

static void
s_inject_trajectory (int i, int state)
{
    char tid[32], pseudo[65];
    snprintf (tid, sizeof tid, "pot-ft-%03d", i);
    s_pseudonym (pseudo, i);
    Ketenbus__V1__TrajectoryUpdate u = KETENBUS__V1__TRAJECTORY_UPDATE__INIT;
    u.trajectory_id = tid;
    u.trajectory_type = KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_POT;
    u.pseudonym = pseudo;
    u.regisseur_org = "ggd-vangnet-peel";
    u.regisseur_org_type = KETENBUS__V1__ORG_TYPE__ORG_TYPE_GGD_VANGNET;
    u.gemeente_code = (char *)s_gemeente (i);
    u.state = state;
    u.state_date = state == 1 ? "2026-01-05" : state == 2 ? "2026-01-20" : "2026-02-01";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
    env.trajectory_update = &u;
    env.sender_org = "zorgtoewijzing"; /* the regie source: its region is kept */
    char id[37];
    kbt_tracking_inject (s_trk, &env, tid, id);
}

static void
s_inject_episode (int i)
{
    char eid[32], pseudo[65];
    snprintf (eid, sizeof eid, "ep-ft-%03d", i);
    s_pseudonym (pseudo, i);
    Ketenbus__V1__ShelterEpisode e = KETENBUS__V1__SHELTER_EPISODE__INIT;
    e.episode_id = eid;
    e.shelter_type = KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG;
    e.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_IN;
    e.pseudonym = pseudo;
    e.gemeente_code = (char *)s_gemeente (i);
    e.instroom_date = "2026-01-03";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE;
    env.shelter_episode = &e;
    char id[37];
    kbt_tracking_inject (s_trk, &env, pseudo, id);
}

/* Holds monitoring (SIGSTOP) until client-tracking applied sent messages,
   so their MonitoringEvents are sent but not acknowledged, then kills
   client-tracking and lets monitoring go on. */
static void
s_kill_tracking (const char *conn, int sent)
{
    kbt_monitoring_signal (s_mon, SIGSTOP);
    int64_t deadline = kbt_now_ms () + 20000;
    while (kbt_query_long (conn, "SELECT count(*) FROM client_tracking.kb_inbox") < sent) {
        assert_true (kbt_now_ms () < deadline);
        kbt_sleep_ms (5);
    }
    kbt_sleep_ms (100); /* the sender sends what was committed */
    kbt_tracking_stop (s_trk, SIGKILL);
    long unacked = kbt_query_long (
      conn, "SELECT count(*) FROM client_tracking.kb_outbox WHERE acked_at IS NULL");
    fprintf (stderr, "killed client-tracking: %d applied, %ld events unacknowledged\n", sent, unacked);
    assert_true (unacked > 0);
    kbt_monitoring_signal (s_mon, SIGCONT);
}

static long
s_cell (const monitor_report_t *r, const char *table, const char *row, size_t col)
{
    const monitor_report_table_t *t = monitor_report_table (r, table);
    if (!t)
        fail_msg ("no table \"%s\"", table);
    for (size_t i = 0; i < t->n_rows; i++)
        if (strcmp (t->cells[i * t->n_cols].text, row) == 0) {
            assert_true (col < t->n_cols);
            return strtol (t->cells[i * t->n_cols + col].text, NULL, 10);
        }
    fail_msg ("table \"%s\" has no row \"%s\"", table, row);
    return -1;
}

static monitor_report_t *
s_report (const char *conn, const char *gemeente)
{
    kb_db_t *db = kb_db_connect (conn, "monitoring", 5000);
    assert_non_null (db);
    monitor_report_filter_t f;
    const char *why = NULL;
    assert_int_equal (monitor_report_filter_parse (&f, "live", "", gemeente, "", &why), 0);
    monitor_report_config_t c = { .suppress_threshold = 1,
                                  .suppress_rounding = 1,
                                  .target_pot_stable_pct = 80,
                                  .target_shelter_housing_pct = 20,
                                  .target_zwerf_through_days = 90,
                                  .target_zwerf_home_pct = 70,
                                  .target_zwerf_independent_pct = 30,
                                  .match_followup_days = 30,
                                  .stable_threshold = 4 };
    monitor_report_t *r = monitor_report_build (db, &c, MONITOR_PAGE_KETEN, &f);
    assert_non_null (r);
    kb_db_destroy (&db);
    return r;
}

static void
test_kill9_counted_once (void **state)
{
    (void)state;
    s_trk = kbt_tracking_setup ("ft_monitoring");
    const char *conn = kbt_tracking_conninfo (s_trk);
    s_mon = kbt_monitoring_new (conn, "ft_monitoring");
    kbt_monitoring_start (s_mon, s_mon_env);
    char *e_mon = NULL;
    if (asprintf (&e_mon, "KETENBUS_LINK_MONITORING=%s", kbt_monitoring_listen (s_mon)) < 0)
        abort ();
    s_trk_env[0] = "KETENBUS_LINK_BATCH=50";
    s_trk_env[1] = e_mon;
    s_trk_env[2] = NULL;
    kbt_tracking_start (s_trk, s_trk_env);
    int sent = 0, kills = 0;
    for (int st = 1; st <= 3; st++) {
        for (int i = 0; i < S_TRAJECTORIES; i++) {
            s_inject_trajectory (i, st);
            sent++;
            if (st == 1 && i < S_EPISODES) {
                s_inject_episode (i);
                sent++;
            }
            if (sent == 90 || sent == 250 || sent == 380) {
                s_kill_tracking (conn, sent);
                kills++;
            }
            /* messages queued while it is down are sent after the restart */
            if (sent == 110 || sent == 270 || sent == 395)
                kbt_tracking_start (s_trk, s_trk_env);
            /* monitoring itself dies while it applies, and comes back */
            if (sent == 320) {
                kbt_monitoring_signal (s_mon, SIGKILL);
                kbt_sleep_ms (200);
                kbt_monitoring_start (s_mon, s_mon_env);
            }
        }
    }
    assert_int_equal (sent, S_TOTAL);
    assert_int_equal (kills, 3);
    assert_int_equal (
      kbt_wait_for_value (conn, "SELECT count(*) FROM client_tracking.kb_inbox", S_TOTAL, 45000),
      S_TOTAL);
    assert_int_equal (kbt_wait_for_value (conn,
                                          "SELECT count(*) FROM client_tracking.kb_outbox"
                                          " WHERE acked_at IS NULL",
                                          0,
                                          45000),
                      0);

    /* every event once: retransmissions after each kill were deduplicated */
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM monitoring.monitoring_event"),
                      S_TOTAL);
    assert_int_equal (
      kbt_query_long (conn, "SELECT count(DISTINCT message_id) FROM monitoring.monitoring_event"),
      S_TOTAL);
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM monitoring.kb_dead_letter"), 0);
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM client_tracking.kb_dead_letter"),
                      0);
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM monitoring.mon_trajectory"),
                      S_TRAJECTORIES);
    assert_true (kbt_query_long (conn,
                                 "SELECT count(*) FROM monitoring.kb_inbox") >= S_TOTAL);
    assert_int_equal (kbt_tracking_log_count (s_trk, "client-tracking serving"), 4);
    assert_int_equal (kbt_monitoring_log_count (s_mon, "monitoring serving"), 2);

    /* the published figures count each trajectory once */
    monitor_report_t *r = s_report (conn, "");
    assert_int_equal (s_cell (r, "trajectories_by_type", "POT", 1), S_TRAJECTORIES); /* gestart */
    assert_int_equal (s_cell (r, "trajectories_by_type", "POT", 2), S_TRAJECTORIES); /* lopend */
    monitor_report_destroy (&r);
    r = s_report (conn, "0794");
    assert_int_equal (s_cell (r, "trajectories_by_type", "POT", 1), S_TRAJECTORIES / 2);
    monitor_report_destroy (&r);

    free (e_mon);
    kbt_monitoring_destroy (&s_mon);
    kbt_tracking_teardown (&s_trk);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_kill9_counted_once),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
