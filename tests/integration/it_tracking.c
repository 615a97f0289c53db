/*  it_tracking - client-tracking end to end: the real daemon and a real
    PostgreSQL; trajectory updates, shelter episodes and assessments put
    on its link by a kb_link sender of the test (as zorgtoewijzing and
    intake will); monitoring and intake's mailbox link played by link
    receivers in the test that record every envelope they get. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kb_test_support.h"
#include "kb_test_tracking.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PSEUDO_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define S_PSEUDO_B "b1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define S_PSEUDO_C "c1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

static kbt_tracking_t *s_trk;
static const char *s_conn;
static long s_injected; /* messages put on client-tracking's link */
static const char *const s_env[] = { "KETENBUS_LINK_MAX_ATTEMPTS=2", NULL };

static void
s_wait_applied (void)
{
    char sql[256];
    snprintf (sql,
              sizeof sql,
              "SELECT count(*) FROM (SELECT message_id FROM client_tracking.kb_inbox"
              " UNION SELECT message_id FROM client_tracking.kb_dead_letter) m");
    kbt_tracking_wait (s_trk, sql, s_injected, 20000);
}

static void
s_trajectory_from (const char *sender_org, const char *tid,
              int type,
              const char *pseudo,
              const char *gezin,
              const char *regisseur,
              int state,
              int outcome,
              int reason,
              const char *date)
{
    Ketenbus__V1__TrajectoryUpdate u = KETENBUS__V1__TRAJECTORY_UPDATE__INIT;
    u.trajectory_id = (char *)tid;
    u.trajectory_type = type;
    u.pseudonym = (char *)(pseudo ? pseudo : "");
    u.gezin_ref = (char *)(gezin ? gezin : "");
    u.plan_ref = (char *)(gezin ? "plan-ref-1" : "");
    u.regisseur_org = (char *)(regisseur ? regisseur : "");
    u.state = state;
    u.outcome = outcome;
    u.early_end_reason = reason;
    u.state_date = (char *)date;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
    env.trajectory_update = &u;
    env.sender_org = (char *) sender_org;
    char id[37];
    kbt_tracking_inject (s_trk, &env, tid, id);
    s_injected++;
}

static void
s_trajectory (const char *tid,
              int type,
              const char *pseudo,
              const char *gezin,
              const char *regisseur,
              int state,
              int outcome,
              int reason,
              const char *date)
{
    s_trajectory_from (NULL, tid, type, pseudo, gezin, regisseur, state, outcome, reason, date);
}

static void
s_shelter (const char *episode,
           const char *pseudo,
           int event,
           const char *in,
           const char *out,
           int dest)
{
    Ketenbus__V1__ShelterEpisode e = KETENBUS__V1__SHELTER_EPISODE__INIT;
    e.episode_id = (char *)episode;
    e.shelter_type = KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG;
    e.event = event;
    e.pseudonym = (char *)pseudo;
    e.gemeente_code = "0794";
    e.instroom_date = (char *)in;
    e.uitstroom_date = (char *)out;
    e.destination = dest;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE;
    env.shelter_episode = &e;
    char id[37];
    kbt_tracking_inject (s_trk, &env, pseudo, id);
    s_injected++;
}

static void
s_assessment (const char *aid, const char *pseudo, int moment, const int scores[3])
{
    Ketenbus__V1__DomainScore ds[3], *dp[3];
    const int domains[3] = { KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_HOUSING,
                             KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_INCOME,
                             KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_SOCIAL_NETWORK };
    for (int i = 0; i < 3; i++) {
        ketenbus__v1__domain_score__init (&ds[i]);
        ds[i].domain = domains[i];
        ds[i].score = (uint32_t)scores[i];
        dp[i] = &ds[i];
    }
    Ketenbus__V1__SelfSufficiencyAssessment a = KETENBUS__V1__SELF_SUFFICIENCY_ASSESSMENT__INIT;
    a.assessment_id = (char *)aid;
    a.pseudonym = (char *)pseudo;
    a.moment = moment;
    a.assessment_date = "2026-02-01";
    a.scores = dp;
    a.n_scores = 3;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT;
    env.self_sufficiency_assessment = &a;
    char id[37];
    kbt_tracking_inject (s_trk, &env, pseudo, id);
    s_injected++;
}

static long
s_long (const char *fmt, const char *arg)
{
    return kbt_query_longf (s_conn, fmt, arg);
}

static int
s_setup (void **state)
{
    (void)state;
    s_trk = kbt_tracking_setup ("it_tracking");
    s_conn = kbt_tracking_conninfo (s_trk);
    kbt_tracking_start (s_trk, s_env);
    return 0;
}

static int
s_teardown (void **state)
{
    (void)state;
    kbt_tracking_teardown (&s_trk);
    return 0;
}

enum
{
    AANG = 1,
    PLAN = 2,
    UITV = 3,
    AFG = 4
};
#define GEZINSPLAN KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_GEZINSPLAN
#define POT KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_POT

static void
test_plan_through_all_states (void **state)
{
    (void)state;
    const char *t = "plan-all-states";
    s_trajectory (t, GEZINSPLAN, NULL, "gezin-ref-1", "cjg-helmond", AANG, 0, 0, "2026-01-05");
    s_trajectory (t, GEZINSPLAN, NULL, "gezin-ref-1", "cjg-helmond", PLAN, 0, 0, "2026-01-20");
    s_trajectory (t, GEZINSPLAN, NULL, "gezin-ref-1", "", UITV, 0, 0, "2026-02-01");
    s_trajectory (t, GEZINSPLAN, NULL, "gezin-ref-1", "", AFG, 1, 0, "2026-06-30");
    s_wait_applied ();
    assert_int_equal (s_long ("SELECT state * 10 + outcome FROM client_tracking.trajectory"
                              " WHERE trajectory_id = '%s'",
                              t),
                      41);
    assert_int_equal (
      s_long ("SELECT count(*) FROM client_tracking.trajectory WHERE trajectory_id = '%s'"
              " AND aangemeld_date = '2026-01-05' AND plan_date = '2026-01-20'"
              " AND uitvoering_date = '2026-02-01' AND afgerond_date = '2026-06-30'"
              " AND regisseur_org = 'cjg-helmond' AND gezin_ref = 'gezin-ref-1'"
              " AND person_pseudonym IS NULL",
              t),
      1);
    assert_int_equal (
      s_long ("SELECT count(*) FROM client_tracking.trajectory_event e JOIN"
              " client_tracking.trajectory t ON t.id = e.trajectory WHERE t.trajectory_id = '%s'",
              t),
      4);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM client_tracking.kb_audit"
                                      " WHERE event LIKE 'trajectory.%' AND outcome = 'ok'"
                                      " AND subject_pseudonym = 'gezin-ref-1'"),
                      4);
    /* one MonitoringEvent per change, in order, exactly once */
    kbt_tracking_wait (
      s_trk, "SELECT count(*) FROM montest.got WHERE trajectory_id = 'plan-all-states'", 4, 10000);
    kbt_tracking_pump (s_trk, 300);
    assert_int_equal (
      s_long ("SELECT count(DISTINCT message_id) FROM montest.got WHERE trajectory_id = '%s'"
              " AND event_type = 7",
              t),
      4);
    char *order = kbt_query_strf (s_conn,
                                  "SELECT string_agg(state::text, ',' ORDER BY id) FROM montest.got"
                                  " WHERE trajectory_id = '%s'",
                                  t);
    assert_string_equal (order, "1,2,3,4");
    free (order);
    assert_int_equal (s_long ("SELECT count(*) FROM montest.got WHERE trajectory_id = '%s'", t), 4);
    /* the trajectory's stream towards monitoring is a keyed hash of its
       name, never the partner's id itself */
    assert_int_equal (s_long ("SELECT count(DISTINCT stream) FROM montest.got"
                              " WHERE trajectory_id = '%s' AND stream ~ '^monitoring:[0-9a-f]{32}$'",
                              t),
                      1);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM client_tracking.kb_link_stream"
                                      " WHERE stream LIKE '%plan-all-states%'"),
                      0);
}

static void
test_illegal_transition_refused (void **state)
{
    (void)state;
    const char *t = "pot-illegal";
    s_trajectory (t, POT, S_PSEUDO_A, NULL, "ggd-vangnet-peel", AANG, 0, 0, "2026-01-05");
    s_trajectory (t, POT, S_PSEUDO_A, NULL, "ggd-vangnet-peel", UITV, 0, 0, "2026-01-06");
    s_trajectory (
      "pot-unknown", POT, S_PSEUDO_A, NULL, "ggd-vangnet-peel", PLAN, 0, 0, "2026-01-06");
    s_trajectory (t, POT, S_PSEUDO_A, NULL, "ggd-vangnet-peel", AFG, 2, 0, "2026-01-07");
    s_trajectory (t, POT, S_PSEUDO_A, NULL, "ggd-vangnet-peel", AFG, 2, 1, "2026-01-07");
    s_trajectory (t, POT, S_PSEUDO_A, NULL, "ggd-vangnet-peel", PLAN, 0, 0, "2026-01-08");
    s_wait_applied ();
    assert_int_equal (
      s_long ("SELECT state * 100 + outcome * 10 + early_end_reason FROM client_tracking.trajectory"
              " WHERE trajectory_id = '%s'",
              t),
      421);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM client_tracking.trajectory"
                                      " WHERE trajectory_id = 'pot-unknown'"),
                      0);
    char *reasons =
      kbt_query_str (s_conn,
                     "SELECT string_agg(reason, ',' ORDER BY seq) FROM client_tracking.kb_audit"
                     " WHERE event = 'trajectory.refused' AND outcome = 'refused'"
                     " AND actor_org = 'ggd-vangnet-peel'");
    assert_string_equal (
      reasons, "plan_required,unknown_trajectory,early_end_reason_required,trajectory_closed");
    free (reasons);
    /* refusals are acknowledged, not dead-lettered, and send nothing */
    assert_int_equal (
      kbt_query_long (s_conn, "SELECT count(*) FROM client_tracking.kb_dead_letter"), 0);
    kbt_tracking_wait (
      s_trk, "SELECT count(*) FROM montest.got WHERE trajectory_id = 'pot-illegal'", 2, 10000);
    kbt_tracking_pump (s_trk, 300);
    assert_int_equal (s_long ("SELECT count(*) FROM montest.got WHERE trajectory_id = '%s'", t), 2);
    assert_true (kbt_tracking_log_count (s_trk, "reason=plan_required") >= 1);

    /* a body client-tracking does not take is poison: dead letter with its reason */
    Ketenbus__V1__PartnerUpdate p = KETENBUS__V1__PARTNER_UPDATE__INIT;
    p.org_id = "cjg-helmond";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &p;
    char id[37];
    kbt_tracking_inject (s_trk, &env, "poison", id);
    s_injected++;
    s_wait_applied ();
    char *reason = kbt_query_strf (
      s_conn, "SELECT reason FROM client_tracking.kb_dead_letter WHERE message_id = '%s'", id);
    assert_non_null (reason);
    assert_non_null (strstr (reason, "unexpected body \"partner_update\""));
    free (reason);
}

static void
test_shelter_in_out (void **state)
{
    (void)state;
    const int IN = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_IN,
              OUT = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    s_shelter ("ep-1", S_PSEUDO_B, IN, "2026-01-10", "", 0);
    s_shelter ("ep-1", S_PSEUDO_B, OUT, "2026-01-10", "2026-03-11", 1);
    s_shelter ("ep-1", S_PSEUDO_B, OUT, "2026-01-10", "2026-03-12", 1); /* closed already */
    s_shelter ("ep-2", S_PSEUDO_B, IN, "2026-04-01", "", 0);
    s_shelter ("ep-2", S_PSEUDO_B, OUT, "2026-04-01", "2026-03-01", 2); /* before instroom */
    s_shelter ("ep-2", S_PSEUDO_B, OUT, "2026-04-01", "2026-04-02", 0); /* no destination */
    s_wait_applied ();
    assert_int_equal (
      kbt_query_long (s_conn,
                      "SELECT count(*) FROM client_tracking.shelter_episode"
                      " WHERE episode_id = 'ep-1' AND uitstroom_date = '2026-03-11'"
                      " AND destination = 1 AND out_at IS NOT NULL AND in_at IS NOT NULL"),
      1);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM client_tracking.shelter_episode"
                                      " WHERE episode_id = 'ep-2' AND uitstroom_date IS NULL"),
                      1);
    /* the acting organisation is the envelope's sender_org */
    assert_int_equal (
      kbt_query_long (s_conn,
                      "SELECT count(*) FROM client_tracking.kb_audit"
                      " WHERE event IN ('shelter.instroom', 'shelter.uitstroom')"
                      " AND actor_org = 'ketentest' AND subject_pseudonym = '" S_PSEUDO_B "'"),
      3);
    char *reasons =
      kbt_query_str (s_conn,
                     "SELECT string_agg(reason, ',' ORDER BY seq) FROM client_tracking.kb_audit"
                     " WHERE event = 'shelter.refused'");
    assert_string_equal (reasons, "episode_closed,uitstroom_before_instroom,destination_required");
    free (reasons);
    kbt_tracking_wait (
      s_trk, "SELECT count(*) FROM montest.got WHERE item_ref IN ('ep-1', 'ep-2')", 3, 10000);
    kbt_tracking_pump (s_trk, 300);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM montest.got WHERE item_ref = 'ep-1'"
                                      " AND event_type IN (8, 9)"),
                      2);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM montest.got WHERE item_ref = 'ep-2'"
                                      " AND event_type = 8"),
                      1);
}

static void
test_assessments_stable_position (void **state)
{
    (void)state;
    const int start[3] = { 2, 2, 3 }, eval[3] = { 4, 5, 4 }, bad[3] = { 4, 6, 4 };
    s_assessment (
      "as-1", S_PSEUDO_C, KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_START, start);
    s_assessment (
      "as-2", S_PSEUDO_C, KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_EVALUATION, eval);
    s_assessment (
      "as-2", S_PSEUDO_C, KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_EVALUATION, eval);
    s_assessment (
      "as-3", S_PSEUDO_C, KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_EVALUATION, bad);
    s_wait_applied ();
    char *stable = kbt_query_str (s_conn,
                                  "SELECT string_agg(assessment_id || '=' || stable_position, ','"
                                  " ORDER BY id) FROM client_tracking.assessment");
    assert_string_equal (stable, "as-1=false,as-2=true");
    free (stable);
    assert_int_equal (
      kbt_query_long (s_conn,
                      "SELECT score_housing * 100 + score_income * 10 + score_social_network"
                      " FROM client_tracking.assessment WHERE assessment_id = 'as-2'"
                      " AND score_justice IS NULL"),
      454);
    char *reasons =
      kbt_query_str (s_conn,
                     "SELECT string_agg(reason, ',' ORDER BY seq) FROM client_tracking.kb_audit"
                     " WHERE event = 'assessment.refused'");
    assert_string_equal (reasons, "assessment_exists,score_out_of_range");
    free (reasons);
    kbt_tracking_wait (s_trk, "SELECT count(*) FROM montest.got WHERE event_type = 13", 2, 10000);
    kbt_tracking_pump (s_trk, 300);
    assert_int_equal (
      kbt_query_long (s_conn, "SELECT count(*) FROM montest.got WHERE event_type = 13"), 2);
}

static void
test_stale_case_reminder (void **state)
{
    (void)state;
    kbt_tracking_stop (s_trk, SIGTERM);
    const char *const env[] = { "KETENBUS_LINK_MAX_ATTEMPTS=2",
                                "KETENBUS_STALE_NO_PLAN_S=1",
                                "KETENBUS_STALE_NO_UPDATE_S=2",
                                "KETENBUS_STALE_CHECK_MS=100",
                                NULL };
    kbt_tracking_start (s_trk, env);
    const char *t = "pot-stale";
    s_trajectory (t, POT, S_PSEUDO_B, NULL, "ggd-vangnet-peel", AANG, 0, 0, "2026-01-05");
    s_trajectory ("pot-no-regisseur", POT, S_PSEUDO_B, NULL, NULL, AANG, 0, 0, "2026-01-05");
    s_wait_applied ();
    /* regisseur without a plan: one reminder in its mailbox stream, one count for monitoring */
    kbt_tracking_wait (s_trk,
                       "SELECT count(*) FROM mailtest.got WHERE trajectory_id = 'pot-stale'"
                       " AND body = 'trajectory_update' AND to_org = 'ggd-vangnet-peel'"
                       " AND stream = 'ggd-vangnet-peel' AND state = 1",
                       1,
                       10000);
    kbt_tracking_wait (s_trk,
                       "SELECT count(*) FROM montest.got WHERE trajectory_id = 'pot-stale'"
                       " AND event_type = 17",
                       1,
                       10000);
    kbt_tracking_pump (s_trk, 1500);
    assert_int_equal (
      kbt_query_long (s_conn,
                      "SELECT count(*) FROM mailtest.got WHERE trajectory_id = 'pot-stale'"),
      1);
    assert_int_equal (
      kbt_query_long (s_conn,
                      "SELECT count(*) FROM mailtest.got WHERE trajectory_id = 'pot-no-regisseur'"),
      0);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM client_tracking.kb_audit"
                                      " WHERE event = 'trajectory.stale' AND reason = 'no_plan'"),
                      1);
    /* a plan clears the mark; no update for no_update_s: a second reminder */
    s_trajectory (t, POT, S_PSEUDO_B, NULL, "ggd-vangnet-peel", PLAN, 0, 0, "2026-01-09");
    s_wait_applied ();
    kbt_tracking_wait (
      s_trk, "SELECT count(*) FROM mailtest.got WHERE trajectory_id = 'pot-stale'", 2, 10000);
    assert_int_equal (
      kbt_query_long (s_conn,
                      "SELECT count(*) FROM mailtest.got WHERE trajectory_id = 'pot-stale'"
                      " AND state = 2"),
      1);
    assert_int_equal (
      kbt_query_long (s_conn,
                      "SELECT count(*) FROM client_tracking.trajectory"
                      " WHERE trajectory_id = 'pot-stale' AND stale_kind = 'no_update'"),
      1);
    /* the reminders are logged by row, not by the partner's trajectory id */
    assert_true (kbt_tracking_log_count (s_trk, "stale trajectory reminded kind=no_update") >= 1);
    assert_int_equal (kbt_tracking_log_count (s_trk, "pot-stale"), 0);
    /* nothing reached the mailbox link but the reminders */
    assert_int_equal (
      kbt_query_long (s_conn,
                      "SELECT count(*) FROM mailtest.got WHERE body <> 'trajectory_update'"),
      0);
    assert_int_equal (
      kbt_query_long (s_conn, "SELECT count(*) FROM montest.got WHERE body <> 'monitoring_event'"),
      0);
}

static void
test_regisseur_changes_through_zorgtoewijzing (void **state)
{
    (void) state;
    const char *t = "plan-transfer", *g = "gezin-ref-2";
    const char *wt = "wijkteam-helmond", *vh = "veiligheidshuis-peel", *zorg = "zorgtoewijzing";
    s_trajectory_from (zorg, t, GEZINSPLAN, NULL, g, wt, AANG, 0, 0, "2026-01-05");
    s_trajectory_from (wt, t, GEZINSPLAN, NULL, g, wt, PLAN, 0, 0, "2026-01-10");
    s_trajectory_from (vh, t, GEZINSPLAN, NULL, g, vh, UITV, 0, 0, "2026-01-11"); /* not the regisseur */
    s_trajectory_from (zorg, t, GEZINSPLAN, NULL, g, vh, PLAN, 0, 0, "2026-01-12"); /* transfer accepted */
    s_trajectory_from (wt, t, GEZINSPLAN, NULL, g, wt, UITV, 0, 0, "2026-01-13");   /* no longer */
    s_trajectory_from (vh, t, GEZINSPLAN, NULL, g, vh, UITV, 0, 0, "2026-01-14");
    s_wait_applied ();
    char *row = kbt_query_strf (s_conn, "SELECT state || ':' || regisseur_org FROM client_tracking.trajectory"
                                        " WHERE trajectory_id = '%s'", t);
    assert_string_equal (row, "3:veiligheidshuis-peel");
    free (row);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM client_tracking.kb_audit"
                                              " WHERE event = 'trajectory.refused' AND reason = 'not_regisseur'"
                                              " AND subject_pseudonym = 'gezin-ref-2'"), 2);
    kbt_tracking_wait (s_trk, "SELECT count(*) FROM montest.got WHERE trajectory_id = 'plan-transfer'", 4, 10000);
}

/* zorgtoewijzing names a new regisseur of a trajectory the regisseur
   already moved on: the state and its date stay, the change is recorded
   with the region and the regisseur's type it brings. */
static void
test_regisseur_change_keeps_the_state (void **state)
{
    (void) state;
    const char *t = "plan-regie-change", *g = "gezin-ref-3", *zorg = "zorgtoewijzing";
    s_trajectory_from (zorg, t, GEZINSPLAN, NULL, g, "cjg-helmond", AANG, 0, 0, "2026-02-01");
    s_trajectory_from ("cjg-helmond", t, GEZINSPLAN, NULL, g, "cjg-helmond", PLAN, 0, 0, "2026-02-03");
    s_trajectory_from ("cjg-helmond", t, GEZINSPLAN, NULL, g, "cjg-helmond", UITV, 0, 0, "2026-02-05");
    Ketenbus__V1__TrajectoryUpdate u = KETENBUS__V1__TRAJECTORY_UPDATE__INIT;
    u.trajectory_id = (char *) t;
    u.trajectory_type = GEZINSPLAN;
    u.gezin_ref = (char *) g;
    u.regisseur_org = "veiligthuis-peel";
    u.regisseur_org_type = KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIG_THUIS;
    u.gemeente_code = "0794";
    u.gebied = "Helmond Noord";
    u.state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_PLAN_VASTGESTELD; /* as zorgtoewijzing knows it */
    u.state_date = "2026-02-09";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
    env.trajectory_update = &u;
    env.sender_org = (char *) zorg;
    char id[37];
    kbt_tracking_inject (s_trk, &env, t, id);
    s_injected++;
    s_wait_applied ();
    char *row = kbt_query_strf (s_conn, "SELECT state || ':' || state_date || ':' || regisseur_org || ':'"
                                        " || regisseur_org_type || ':' || gemeente_code || ':' || gebied"
                                        " FROM client_tracking.trajectory WHERE trajectory_id = '%s'", t);
    assert_string_equal (row, "3:2026-02-05:veiligthuis-peel:7:0794:Helmond-Noord");
    free (row);
    assert_int_equal (kbt_query_longf (s_conn, "SELECT count(*) FROM client_tracking.trajectory_event e"
                                               " JOIN client_tracking.trajectory t ON t.id = e.trajectory"
                                               " WHERE t.trajectory_id = '%s' AND from_state = 3 AND to_state = 3"
                                               " AND e.regisseur_org = 'veiligthuis-peel'", t), 1);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM client_tracking.kb_audit"
                                              " WHERE reason = 'regisseur_changed' AND subject_pseudonym = 'gezin-ref-3'"), 1);
    kbt_tracking_wait (s_trk, "SELECT count(*) FROM montest.got WHERE trajectory_id = 'plan-regie-change'"
                              " AND event_type = 7 AND state = 3 AND org = 'veiligthuis-peel' AND org_type = 7"
                              " AND gemeente_code = '0794' AND gebied = 'Helmond-Noord'"
                              " AND event_date = '2026-02-05'", 1, 10000);
}

/* zorgtoewijzing's update of a state the regisseur already moved past, and
   a regisseur it names for a trajectory that is afgerond (an old
   escalation decided), are noted without effect, not refused. */
static void
test_regie_source_behind_is_noted (void **state)
{
    (void) state;
    const char *t = "plan-regie-behind", *g = "gezin-ref-4", *zorg = "zorgtoewijzing";
    s_trajectory_from (zorg, t, GEZINSPLAN, NULL, g, "cjg-helmond", AANG, 0, 0, "2026-03-01");
    s_trajectory_from ("cjg-helmond", t, GEZINSPLAN, NULL, g, "cjg-helmond", PLAN, 0, 0, "2026-03-03");
    s_trajectory_from ("cjg-helmond", t, GEZINSPLAN, NULL, g, "cjg-helmond", UITV, 0, 0, "2026-03-05");
    /* zorgtoewijzing's plan_vastgesteld arrives after in_uitvoering */
    s_trajectory_from (zorg, t, GEZINSPLAN, NULL, g, "cjg-helmond", PLAN, 0, 0, "2026-03-03");
    s_trajectory_from ("cjg-helmond", t, GEZINSPLAN, NULL, g, "cjg-helmond", AFG, 1, 0, "2026-04-01");
    /* a new regisseur for the closed trajectory */
    s_trajectory_from (zorg, t, GEZINSPLAN, NULL, g, "wijkteam-helmond", PLAN, 0, 0, "2026-04-02");
    s_wait_applied ();
    char *row = kbt_query_strf (s_conn, "SELECT state || ':' || outcome || ':' || regisseur_org"
                                        " FROM client_tracking.trajectory WHERE trajectory_id = '%s'", t);
    assert_string_equal (row, "4:1:cjg-helmond");
    free (row);
    assert_int_equal (kbt_query_longf (s_conn, "SELECT count(*) FROM client_tracking.trajectory_event e"
                                               " JOIN client_tracking.trajectory t ON t.id = e.trajectory"
                                               " WHERE t.trajectory_id = '%s'", t), 4);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM client_tracking.kb_audit"
                                              " WHERE subject_pseudonym = 'gezin-ref-4' AND outcome = 'refused'"), 0);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM client_tracking.kb_audit"
                                              " WHERE subject_pseudonym = 'gezin-ref-4' AND event = 'trajectory.noted'"
                                              " AND outcome = 'ignored' AND reason IN ('already_further', 'already_afgerond')"), 2);
    /* monitoring heard of the four real changes only */
    kbt_tracking_wait (s_trk, "SELECT count(*) FROM montest.got WHERE trajectory_id = 'plan-regie-behind'"
                              " AND event_type = 7", 4, 10000);
    kbt_tracking_pump (s_trk, 300);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM montest.got"
                                              " WHERE trajectory_id = 'plan-regie-behind'"), 4);
}

static void
s_event (const char *sender_org, Ketenbus__V1__MonitoringEvent *ev)
{
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_MONITORING_EVENT;
    env.monitoring_event = ev;
    env.sender_org = (char *) sender_org;
    char id[37];
    kbt_tracking_inject (s_trk, &env, "tracking:m:gezin-ref-9", id);
    s_injected++;
}

/* zorgtoewijzing's events go on to monitoring unchanged, on the gezin's
   stream; one with free text, of a type zorgtoewijzing does not produce,
   or from anyone else is dead-lettered and not relayed. */
static void
test_relay_monitoring_events (void **state)
{
    (void) state;
    Ketenbus__V1__Category cats[2] = { KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN,
                                       KETENBUS__V1__CATEGORY__CATEGORY_VERSLAVING };
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SIGNAL_RECEIVED;
    ev.occurred_at_ms = 1780000000123;
    ev.item_ref = "signal-ref-9";
    ev.gezin_ref = "gezin-ref-9";
    ev.person_pseudonym = S_PSEUDO_C;
    ev.org = "wijkteam-helmond";
    ev.org_type = KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM;
    ev.gemeente_code = "0794";
    ev.gebied = "centrum";
    ev.age_years = 41;
    ev.n_categories = 2;
    ev.categories = cats;
    ev.urgency = KETENBUS__V1__URGENCY__URGENCY_VERHOOGD;
    ev.event_date = "2026-03-02";
    s_event ("zorgtoewijzing", &ev);
    /* free text where a code belongs */
    Ketenbus__V1__MonitoringEvent bad = ev;
    bad.item_ref = "signal-ref-10";
    bad.org = "Jan de Vries, casemanager";
    s_event ("zorgtoewijzing", &bad);
    bad = ev;
    bad.item_ref = "signal-ref-11";
    bad.gebied = "centrum\n(zie dossier)";
    s_event ("zorgtoewijzing", &bad);
    /* client-tracking's own type, and an event from a partner */
    bad = ev;
    bad.item_ref = "signal-ref-12";
    bad.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_TRAJECTORY_STATE;
    s_event ("zorgtoewijzing", &bad);
    bad = ev;
    bad.item_ref = "signal-ref-13";
    s_event ("wijkteam-helmond", &bad);
    s_wait_applied ();
    kbt_tracking_wait (s_trk, "SELECT count(*) FROM montest.got WHERE item_ref = 'signal-ref-9'"
                               " AND event_type = 1 AND stream = client_tracking.monitor_stream('gezin-ref-9')"
                              " AND gezin_ref = 'gezin-ref-9' AND org = 'wijkteam-helmond' AND org_type = 6"
                              " AND gemeente_code = '0794' AND gebied = 'centrum' AND age_years = 41"
                              " AND urgency = 2 AND event_date = '2026-03-02'"
                              " AND occurred_at_ms = 1780000000123", 1, 10000);
    kbt_tracking_pump (s_trk, 500);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM montest.got WHERE item_ref LIKE 'signal-ref-%'"), 1);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM client_tracking.kb_dead_letter"
                                              " WHERE reason LIKE '%not a code%'"), 2);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM client_tracking.kb_dead_letter"
                                              " WHERE reason LIKE '%does not produce%'"
                                              " OR reason LIKE '%not from zorgtoewijzing%'"), 2);
    /* the relayed event is the same event */
    char *mine = kbt_query_str (s_conn, "SELECT encode (payload, 'hex') FROM montest.got"
                                        " WHERE item_ref = 'signal-ref-9'");
    assert_non_null (mine);
    kb_envelope_t *got = NULL;
    size_t n = strlen (mine) / 2;
    uint8_t *bytes = malloc (n);
    for (size_t i = 0; i < n; i++)
        sscanf (mine + 2 * i, "%2hhx", &bytes[i]);
    assert_int_equal (kb_codec_decode (bytes, n, 1 << 20, &got), KB_CODEC_OK);
    assert_int_equal (got->body_case, KETENBUS__V1__ENVELOPE__BODY_MONITORING_EVENT);
    size_t a_len = protobuf_c_message_get_packed_size (&ev.base);
    size_t b_len = protobuf_c_message_get_packed_size (&got->monitoring_event->base);
    assert_int_equal (a_len, b_len);
    uint8_t *a = malloc (a_len), *b = malloc (b_len);
    protobuf_c_message_pack (&ev.base, a);
    protobuf_c_message_pack (&got->monitoring_event->base, b);
    assert_memory_equal (a, b, a_len);
    free (a);
    free (b);
    kb_codec_free (&got);
    free (bytes);
    free (mine);
}

static void
s_satisfaction (const char *mid, unsigned score, const char *gemeente)
{
    Ketenbus__V1__SatisfactionMeasurement m = KETENBUS__V1__SATISFACTION_MEASUREMENT__INIT;
    m.measurement_id = (char *) mid;
    m.pseudonym = S_PSEUDO_B;
    m.gemeente_code = (char *) gemeente;
    m.gebied = "Helmond Oost";
    m.wet = KETENBUS__V1__WET__WET_WMO;
    m.toewijzing_id = "TW-SAT-1";
    m.score = score;
    m.measured_date = "2026-03-01";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT;
    env.satisfaction_measurement = &m;
    env.sender_org = "gemeente-helmond";
    char id[37];
    kbt_tracking_inject (s_trk, &env, S_PSEUDO_B, id);
    s_injected++;
}

/* A satisfaction score becomes one SATISFACTION event; a repeated
   measurement and a score out of range are refused. */
static void
test_satisfaction (void **state)
{
    (void) state;
    s_satisfaction ("SAT-1", 8, "0794");
    s_satisfaction ("SAT-1", 8, "0794");
    s_satisfaction ("SAT-2", 11, "0794");
    s_satisfaction ("SAT-3", 7, "");
    s_wait_applied ();
    kbt_tracking_wait (s_trk, "SELECT count(*) FROM montest.got WHERE event_type = 18 AND item_ref = 'SAT-1'"
                              " AND satisfaction_score = 8 AND wet = 1 AND gemeente_code = '0794'"
                              " AND gebied = 'Helmond-Oost' AND event_date = '2026-03-01'"
                              " AND person_pseudonym = '" S_PSEUDO_B "'", 1, 10000);
    kbt_tracking_pump (s_trk, 500);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM montest.got WHERE event_type = 18"), 1);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM client_tracking.kb_audit"
                                              " WHERE event = 'satisfaction.refused' AND reason IN"
                                              " ('measurement_exists', 'score_out_of_range', 'gemeente_required')"), 3);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_plan_through_all_states),
        cmocka_unit_test (test_illegal_transition_refused),
        cmocka_unit_test (test_regisseur_changes_through_zorgtoewijzing),
        cmocka_unit_test (test_regisseur_change_keeps_the_state),
        cmocka_unit_test (test_regie_source_behind_is_noted),
        cmocka_unit_test (test_relay_monitoring_events),
        cmocka_unit_test (test_satisfaction),
        cmocka_unit_test (test_shelter_in_out),
        cmocka_unit_test (test_assessments_stable_position),
        cmocka_unit_test (test_stale_case_reminder),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
