/*  ft_tracking - client-tracking under kill -9: trajectory updates and
    shelter instroom flow onto its link while the daemon is killed with
    SIGKILL three times while its MonitoringEvents are unacknowledged, and
    restarted after more messages were queued for it. At the end:

    - client-tracking's inbox holds exactly one row per message put on its
      link, and every effect exists once (one trajectory_event per update,
      every trajectory in_uitvoering, one shelter episode per instroom);
    - monitoring (a test receiver that stores every envelope it applies,
      without a unique constraint) got exactly one MonitoringEvent per
      change: one per (trajectory, state) in state order, one per episode;
    - one audit row per change and the audit chain verifies;
    - nothing was dead-lettered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kb_test_support.h"
#include "kb_test_tracking.h"

#include "ketenbus/kb_audit.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TRAJECTORIES 120
#define S_EPISODES 40
#define S_TOTAL (S_TRAJECTORIES * 3 + S_EPISODES)

static kbt_tracking_t *s_trk;
static const char *const s_env[] = { "KETENBUS_LINK_BATCH=50", NULL };

static void
s_pseudonym (char out[65], int i)
{
    snprintf (out, 65, "%064x", 0xabc000 + i);
}

static void
s_inject_trajectory (int i, int state)
{
    char tid[32], pseudo[65];
    snprintf (tid, sizeof tid, "pot-%03d", i);
    s_pseudonym (pseudo, i);
    Ketenbus__V1__TrajectoryUpdate u = KETENBUS__V1__TRAJECTORY_UPDATE__INIT;
    u.trajectory_id = tid;
    u.trajectory_type = KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_POT;
    u.pseudonym = pseudo;
    u.regisseur_org = "ggd-vangnet-peel";
    u.state = state;
    u.state_date = state == 1 ? "2026-01-05" : state == 2 ? "2026-01-20" : "2026-02-01";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
    env.trajectory_update = &u;
    char id[37];
    kbt_tracking_inject (s_trk, &env, tid, id);
}

static void
s_inject_episode (int i)
{
    char eid[32], pseudo[65];
    snprintf (eid, sizeof eid, "ep-%03d", i);
    s_pseudonym (pseudo, i);
    Ketenbus__V1__ShelterEpisode e = KETENBUS__V1__SHELTER_EPISODE__INIT;
    e.episode_id = eid;
    e.shelter_type = KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG;
    e.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_IN;
    e.pseudonym = pseudo;
    e.instroom_date = "2026-01-03";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE;
    env.shelter_episode = &e;
    char id[37];
    kbt_tracking_inject (s_trk, &env, pseudo, id);
}

/* Kills client-tracking while its MonitoringEvents are in flight: sent
   (or about to be) but not acknowledged, because the test receiver only
   runs while the test pumps it. */
static void
s_kill (const char *conn, int sent)
{
    int64_t deadline = kbt_now_ms () + 20000;
    while (kbt_query_long (conn, "SELECT count(*) FROM client_tracking.kb_inbox") < sent) {
        assert_true (kbt_now_ms () < deadline);
        kbt_sleep_ms (5);
    }
    kbt_tracking_stop (s_trk, SIGKILL);
    long unacked = kbt_query_long (conn, "SELECT count(*) FROM client_tracking.kb_outbox WHERE acked_at IS NULL");
    fprintf (stderr, "killed client-tracking: %d messages applied, %ld events unacknowledged\n", sent,
             unacked);
    assert_true (unacked > 0);
}

static void
test_kill9_every_event_once (void **state)
{
    (void) state;
    s_trk = kbt_tracking_setup ("ft_tracking");
    const char *conn = kbt_tracking_conninfo (s_trk);
    kbt_tracking_start (s_trk, s_env);
    int sent = 0, kills = 0;
    for (int st = 1; st <= 3; st++) {
        for (int i = 0; i < S_TRAJECTORIES; i++) {
            s_inject_trajectory (i, st);
            sent++;
            if (st == 1 && i < S_EPISODES) {
                s_inject_episode (i);
                sent++;
            }
            /* kill -9 right after bursts, and once while applied rows are mid-flight */
            if (sent == 60 || sent == 220 || sent == 330)
                kbt_tracking_pump (s_trk, 50); /* monitoring acknowledges some */
            if (sent == 90 || sent == 250 || sent == 360) {
                s_kill (conn, sent);
                kills++;
            }
            /* messages queued while it is down are sent after the restart */
            if (sent == 110 || sent == 270 || sent == 380) {
                kbt_tracking_pump (s_trk, 100);
                kbt_tracking_start (s_trk, s_env);
            }
        }
    }
    assert_int_equal (sent, S_TOTAL);
    assert_int_equal (kills, 3);
    kbt_tracking_wait (s_trk, "SELECT count(*) FROM client_tracking.kb_inbox", S_TOTAL, 45000);
    kbt_tracking_wait (s_trk, "SELECT count(*) FROM montest.got", S_TOTAL, 30000);
    kbt_tracking_pump (s_trk, 500);

    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM client_tracking.kb_dead_letter"), 0);
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM client_tracking.trajectory_event"),
                      S_TRAJECTORIES * 3);
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM client_tracking.trajectory WHERE state = 3"),
                      S_TRAJECTORIES);
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM client_tracking.shelter_episode"), S_EPISODES);
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM client_tracking.kb_audit"
                                            " WHERE event IN ('trajectory.aangemeld', 'trajectory.plan_vastgesteld',"
                                            " 'trajectory.in_uitvoering', 'shelter.instroom')"), S_TOTAL);
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM client_tracking.kb_audit WHERE outcome <> 'ok'"), 0);
    /* monitoring: every change exactly once, per trajectory in order */
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM montest.got"), S_TOTAL);
    assert_int_equal (kbt_query_long (conn, "SELECT count(DISTINCT message_id) FROM montest.got"), S_TOTAL);
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM (SELECT trajectory_id, string_agg(state::text, ','"
                                            " ORDER BY id) s FROM montest.got WHERE event_type = 7 GROUP BY 1) x"
                                            " WHERE s = '1,2,3'"), S_TRAJECTORIES);
    assert_int_equal (kbt_query_long (conn, "SELECT count(DISTINCT item_ref) FROM montest.got WHERE event_type = 8"),
                      S_EPISODES);
    assert_int_equal (kbt_query_long (conn, "SELECT count(*) FROM client_tracking.kb_outbox"
                                            " WHERE acked_at IS NULL"), 0);
    assert_int_equal (kbt_tracking_log_count (s_trk, "client-tracking serving"), 4);

    kb_db_t *db = kb_db_connect (conn, "client_tracking", 5000);
    assert_non_null (db);
    assert_int_equal (kb_audit_prepare (db), 0);
    kb_audit_verify_result_t r;
    assert_int_equal (kb_audit_verify (db, &r), 0);
    assert_int_equal (r.rows_checked, S_TOTAL);
    kb_db_destroy (&db);
    kbt_tracking_teardown (&s_trk);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_kill9_every_event_once),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
