/*  it_intake_tracking - partners feed client-tracking through intake:
    real intake (link/tracking pointing at client-tracking's link/listen),
    real client-tracking (link/intake pointing at intake's mailbox link),
    real CURVE partner clients and a real PostgreSQL. A TrajectoryUpdate,
    ShelterEpisode and SelfSufficiencyAssessment are validated,
    pseudonymised and stored by client-tracking with the authenticated
    organisation; bad ones are rejected at the door with their code; the
    stale-case reminder reaches the regisseur's mailbox. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
/* clang-format off: cmocka needs the three above first */
#include <cmocka.h>
/* clang-format on */

#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "kb_test_tracking.h"

#include "ketenbus/kb_link.h"
#include "ketenbus/kb_uuid.h"

#include <czmq.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_GGD "ggd-peel"       /* GGD Vangnet: runs the POT trajectories */
#define S_OPVANG "opvang-peel" /* maatschappelijke opvang: the shelter */
#define S_BSN_N 2600           /* kbt_make_bsn numbers of this test */

/* zorgtoewijzing's place on intake's link/zorgtoewijzing: a link receiver
   in the test that counts what arrives, by stream */
typedef struct
{
    long total;
    long tracking; /* streams starting with "tracking:" (must stay 0) */
} s_zorg_got_t;

static kbt_intake_t *s_intake;
static kbt_tracking_t *s_trk;
static kb_db_t *s_zorg_db;
static kb_link_receiver_t *s_zorg;
static s_zorg_got_t s_zorg_got;
static char *s_ggd_cert, *s_opvang_cert;
static char s_today[11], s_tomorrow[11];

static int
s_zorg_apply (kb_db_t *db,
              const char *sender,
              const char *stream,
              const char *message_id,
              const void *payload,
              size_t len,
              void *arg,
              char *reason,
              size_t reason_len)
{
    (void)db;
    (void)sender;
    (void)message_id;
    (void)payload;
    (void)len;
    (void)reason;
    (void)reason_len;
    s_zorg_got_t *got = arg;
    got->total++;
    if (strncmp (stream, "tracking:", 9) == 0)
        got->tracking++;
    return 0;
}

static void
s_zorg_pump (int ms)
{
    zpoller_t *poller = zpoller_new (kb_link_receiver_socket (s_zorg), NULL);
    int64_t until = kbt_now_ms () + ms;
    while (kbt_now_ms () < until)
        if (zpoller_wait (poller, 50))
            kb_link_receiver_handle (s_zorg);
    zpoller_destroy (&poller);
}

static int
s_setup (void **state)
{
    (void)state;
    s_intake = kbt_intake_setup ("it_intake_tracking");
    s_trk = kbt_tracking_setup ("it_intake_tracking_ct");
    s_ggd_cert = kbt_intake_register (s_intake, S_GGD, "ggd-vangnet", "");
    s_opvang_cert = kbt_intake_register (s_intake, S_OPVANG, "maatschappelijke-opvang", "0794");
    char tracking[512], mailbox[512];
    snprintf (tracking, sizeof tracking, "KETENBUS_LINK_TRACKING=%s", kbt_tracking_listen (s_trk));
    snprintf (
      mailbox, sizeof mailbox, "KETENBUS_LINK_INTAKE=ipc://%s/intake-mailbox.sock", s_intake->dir);
    const char *const intake_env[] = {
        tracking, "KETENBUS_LINK_RETRANSMIT_MS=200", "KETENBUS_LINK_RETRANSMIT_MAX_MS=1000", NULL
    };
    /* a trajectory still aangemeld after 2 s is stale */
    const char *const trk_env[] = { mailbox,
                                    "KETENBUS_STALE_NO_PLAN_S=2",
                                    "KETENBUS_STALE_NO_UPDATE_S=3600",
                                    "KETENBUS_STALE_CHECK_MS=200",
                                    NULL };
    char zorg_ep[512];
    snprintf (zorg_ep, sizeof zorg_ep, "ipc://%s/zorg.sock", s_intake->dir);
    s_zorg_db = kb_db_connect (s_intake->conninfo, "zorgtest", 5000);
    assert_non_null (s_zorg_db);
    assert_int_equal (kb_db_migrate (s_zorg_db, KB_MIGRATIONS_DIR, "link"), 0);
    kb_link_receiver_config_t rcfg = { .batch = 100, .max_attempts = 3 };
    s_zorg = kb_link_receiver_new (s_zorg_db, zorg_ep, s_zorg_apply, &s_zorg_got, &rcfg);
    assert_non_null (s_zorg);
    kbt_intake_start (s_intake, intake_env);
    kbt_tracking_start (s_trk, trk_env);
    time_t now = time (NULL);
    struct tm tm;
    localtime_r (&now, &tm); /* the daemons' date */
    strftime (s_today, sizeof s_today, "%Y-%m-%d", &tm);
    now += 2 * 86400;
    localtime_r (&now, &tm);
    strftime (s_tomorrow, sizeof s_tomorrow, "%Y-%m-%d", &tm);
    return 0;
}

static int
s_teardown (void **state)
{
    (void)state;
    kbt_tracking_teardown (&s_trk);
    kbt_intake_teardown (&s_intake);
    kb_link_receiver_destroy (&s_zorg);
    kb_db_destroy (&s_zorg_db);
    free (s_ggd_cert);
    free (s_opvang_cert);
    return 0;
}

/* A count in client-tracking's database, waited for. */
static long
s_wait_trk (long want, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (sql, sizeof sql, fmt, ap);
    va_end (ap);
    return kbt_wait_for_value (kbt_tracking_conninfo (s_trk), sql, want, 20000);
}

static long
s_trk_long (const char *sql)
{
    return kbt_query_long (kbt_tracking_conninfo (s_trk), sql);
}

static kb_envelope_t *
s_send (kb_client_t *client, kb_envelope_t *env)
{
    assert_int_equal (kb_client_send (client, env), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    return reply;
}

static void
s_expect_ack (kb_client_t *client, kb_envelope_t *env, int status)
{
    kb_envelope_t *reply = s_send (client, env);
    if (reply->body_case != KETENBUS__V1__ENVELOPE__BODY_ACK)
        fail_msg ("expected an ack, got %s %s %s (%s)",
                  kb_codec_body_name (reply),
                  reply->reject ? reply->reject->code : "",
                  reply->reject ? reply->reject->field : "",
                  reply->reject ? reply->reject->rule : "");
    assert_int_equal (reply->ack->status, status);
    kb_codec_free (&reply);
}

static void
s_expect_reject (kb_client_t *client, kb_envelope_t *env, const char *code, const char *field)
{
    kb_envelope_t *reply = s_send (client, env);
    if (reply->body_case != KETENBUS__V1__ENVELOPE__BODY_REJECT)
        fail_msg ("expected reject %s %s, got %s", code, field, kb_codec_body_name (reply));
    if (strcmp (reply->reject->code, code) != 0 || strcmp (reply->reject->field, field) != 0)
        fail_msg ("expected reject %s %s, got %s %s (%s)",
                  code,
                  field,
                  reply->reject->code,
                  reply->reject->field,
                  reply->reject->rule);
    kb_codec_free (&reply);
}

/* A TrajectoryUpdate with all storage inside. */
typedef struct
{
    kb_envelope_t env;
    Ketenbus__V1__TrajectoryUpdate u;
    char id[37];
    char bsn[10];
} s_traj_t;

static void
s_traj_init (s_traj_t *t, const char *trajectory_id, int state, uint32_t bsn_n)
{
    memset (t, 0, sizeof *t);
    ketenbus__v1__envelope__init (&t->env);
    ketenbus__v1__trajectory_update__init (&t->u);
    kb_uuid_v4 (t->id);
    kbt_make_bsn (bsn_n, t->bsn);
    t->env.message_id = t->id;
    t->env.schema_version = 1;
    t->env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
    t->env.trajectory_update = &t->u;
    t->u.trajectory_id = (char *)trajectory_id;
    t->u.trajectory_type = KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_POT;
    t->u.partner_case_ref = "GGD-POT-1";
    t->u.bsn = t->bsn;
    t->u.state = state;
    t->u.state_date = s_today;
}

static void
test_trajectory_through_intake (void **state)
{
    (void)state;
    kb_client_t *ggd = kbt_intake_client_cert (s_intake, s_ggd_cert);
    s_traj_t t;
    s_traj_init (
      &t, "pot-it-1", KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD, S_BSN_N);
    s_expect_ack (ggd, &t.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    /* a retry with the same id: the same Ack, forwarded once */
    s_expect_ack (ggd, &t.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_DUPLICATE);
    s_wait_trk (1,
                "SELECT count(*) FROM client_tracking.trajectory WHERE trajectory_id = 'pot-it-1'"
                " AND state = 1 AND regisseur_org = '" S_GGD "' AND length(person_pseudonym) = 64");
    /* the pseudonym is intake's, never the BSN */
    char *pseudo = kbt_query_strf (kbt_tracking_conninfo (s_trk),
                                   "SELECT person_pseudonym FROM client_tracking.trajectory"
                                   " WHERE trajectory_id = 'pot-it-1'");
    assert_non_null (pseudo);
    assert_null (strstr (pseudo, t.bsn));
    /* the acting organisation at client-tracking is the partner, not intake */
    assert_int_equal (s_trk_long ("SELECT count(*) FROM client_tracking.kb_audit WHERE"
                                  " actor_org = '" S_GGD "' AND event = 'trajectory.aangemeld'"),
                      1);
    /* at intake: one partner_message, one audit row, one outbox row on the
       tracking stream */
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM intake.partner_message WHERE"
                                       " sender_org = '" S_GGD "' AND body = 'trajectory_update'"),
                      1);
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo,
                       "SELECT count(*) FROM intake.kb_audit WHERE actor_org = '" S_GGD
                       "' AND event = 'trajectory.update_received'"
                       " AND subject_pseudonym = '%s'",
                       pseudo),
      1);
    /* queued once with the Ack, deleted when client-tracking acknowledged
       it (link/prune_after_s = 0) */
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT last_seq FROM intake.kb_link_stream WHERE"
                                       " stream = 'tracking:pot-it-1'"),
                      1);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT count(*) FROM intake.kb_outbox WHERE"
                                          " stream = 'tracking:pot-it-1'",
                                          0,
                                          20000),
                      0);
    free (pseudo);

    /* the regisseur moves it on */
    s_traj_init (
      &t, "pot-it-1", KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_PLAN_VASTGESTELD, S_BSN_N);
    s_expect_ack (ggd, &t.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    s_wait_trk (1,
                "SELECT count(*) FROM client_tracking.trajectory WHERE trajectory_id = 'pot-it-1'"
                " AND state = 2");
    assert_int_equal (s_trk_long ("SELECT count(*) FROM client_tracking.trajectory_event e JOIN"
                                  " client_tracking.trajectory t ON t.id = e.trajectory"
                                  " WHERE t.trajectory_id = 'pot-it-1'"),
                      2);

    /* another organisation cannot take the trajectory over through intake:
       intake names it as the regisseur, client-tracking refuses */
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    s_traj_init (
      &t, "pot-it-1", KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_IN_UITVOERING, S_BSN_N);
    s_expect_ack (cjg, &t.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    s_wait_trk (1,
                "SELECT count(*) FROM client_tracking.kb_audit WHERE event = 'trajectory.refused'"
                " AND actor_org = 'cjg-helmond' AND reason = 'not_regisseur'");
    assert_int_equal (s_trk_long ("SELECT state FROM client_tracking.trajectory"
                                  " WHERE trajectory_id = 'pot-it-1'"),
                      2);
    assert_int_equal (s_trk_long ("SELECT count(*) FROM client_tracking.trajectory"
                                  " WHERE regisseur_org = 'cjg-helmond'"),
                      0);
    kb_client_destroy (&cjg);
    kb_client_destroy (&ggd);
}

static void
test_shelter_and_assessment_through_intake (void **state)
{
    (void)state;
    kb_client_t *opvang = kbt_intake_client_cert (s_intake, s_opvang_cert);
    char bsn[10], id[37];
    kbt_make_bsn (S_BSN_N + 1, bsn);
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__ShelterEpisode e = KETENBUS__V1__SHELTER_EPISODE__INIT;
    kb_uuid_v4 (id);
    env.message_id = id;
    env.schema_version = 1;
    env.sender_org = "someone-else"; /* never trusted: intake sets it */
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE;
    env.shelter_episode = &e;
    e.episode_id = "mo-it-1";
    e.shelter_type = KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG;
    e.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_IN;
    e.bsn = bsn;
    e.gemeente_code = "0794";
    e.instroom_date = s_today;
    e.accompanying_children = 1;
    s_expect_ack (opvang, &env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    s_wait_trk (1,
                "SELECT count(*) FROM client_tracking.shelter_episode WHERE episode_id = 'mo-it-1'"
                " AND sender_org = '" S_OPVANG "' AND uitstroom_date IS NULL"
                " AND length(person_pseudonym) = 64 AND accompanying_children = 1");
    kb_uuid_v4 (id);
    e.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    e.uitstroom_date = s_today;
    e.destination = KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_BEGELEID_WONEN;
    s_expect_ack (opvang, &env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    s_wait_trk (1,
                "SELECT count(*) FROM client_tracking.shelter_episode WHERE episode_id = 'mo-it-1'"
                " AND uitstroom_date IS NOT NULL AND destination = 2");
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo,
                       "SELECT count(*) FROM intake.kb_audit WHERE actor_org = '" S_OPVANG
                       "' AND event = 'shelter.episode_received'"),
      2);

    /* the GGD scores zelfredzaamheid for the same person */
    kb_client_t *ggd = kbt_intake_client_cert (s_intake, s_ggd_cert);
    kb_envelope_t aenv = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__SelfSufficiencyAssessment a = KETENBUS__V1__SELF_SUFFICIENCY_ASSESSMENT__INIT;
    Ketenbus__V1__DomainScore scores[3];
    Ketenbus__V1__DomainScore *score_ptrs[3];
    for (int i = 0; i < 3; i++) {
        ketenbus__v1__domain_score__init (&scores[i]);
        score_ptrs[i] = &scores[i];
    }
    scores[0].domain = KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_HOUSING;
    scores[0].score = 4;
    scores[1].domain = KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_INCOME;
    scores[1].score = 5;
    scores[2].domain = KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_SOCIAL_NETWORK;
    scores[2].score = 4;
    kb_uuid_v4 (id);
    aenv.message_id = id;
    aenv.schema_version = 1;
    aenv.body_case = KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT;
    aenv.self_sufficiency_assessment = &a;
    a.assessment_id = "zrm-it-1";
    a.bsn = bsn;
    a.moment = KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_END;
    a.assessment_date = s_today;
    a.n_scores = 3;
    a.scores = score_ptrs;
    s_expect_ack (ggd, &aenv, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    s_wait_trk (
      1,
      "SELECT count(*) FROM client_tracking.assessment a JOIN client_tracking.shelter_episode e"
      " ON e.person_pseudonym = a.person_pseudonym WHERE a.assessment_id = 'zrm-it-1'"
      " AND e.episode_id = 'mo-it-1' AND a.score_housing = 4 AND a.score_income = 5"
      " AND a.stable_position");
    assert_int_equal (s_trk_long ("SELECT count(*) FROM client_tracking.kb_audit WHERE"
                                  " actor_org = '" S_GGD "' AND event = 'assessment.stored'"),
                      1);
    kb_client_destroy (&ggd);
    kb_client_destroy (&opvang);
}

static void
test_bad_messages_rejected_at_the_door (void **state)
{
    (void)state;
    long quarantined =
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.quarantine");
    kb_client_t *ggd = kbt_intake_client_cert (s_intake, s_ggd_cert);
    s_traj_t t;
    s_traj_init (
      &t, "pot-it-bad", KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD, S_BSN_N + 2);
    t.u.state_date = s_tomorrow;
    s_expect_reject (ggd, &t.env, "8848", "trajectory_update.state_date");
    s_traj_init (
      &t, "pot-it-bad", KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD, S_BSN_N + 2);
    t.u.regisseur_org = "cjg-helmond";
    s_expect_reject (ggd, &t.env, "KB22", "trajectory_update.regisseur_org");
    s_traj_init (
      &t, "pot-it-bad", KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD, S_BSN_N + 2);
    t.u.bsn = "123456789";
    s_expect_reject (ggd, &t.env, "KB10", "trajectory_update.bsn");
    /* a gemeente does no casework */
    kb_client_t *gemeente = kbt_intake_client (s_intake, KBT_GEMEENTE);
    s_traj_init (
      &t, "pot-it-bad", KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD, S_BSN_N + 2);
    s_expect_reject (gemeente, &t.env, "KB17", "trajectory_update");
    /* only a shelter registers a stay */
    char id[37], bsn[10];
    kb_uuid_v4 (id);
    kbt_make_bsn (S_BSN_N + 2, bsn);
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__ShelterEpisode e = KETENBUS__V1__SHELTER_EPISODE__INIT;
    env.message_id = id;
    env.schema_version = 1;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE;
    env.shelter_episode = &e;
    e.episode_id = "mo-it-bad";
    e.shelter_type = KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG;
    e.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_IN;
    e.bsn = bsn;
    e.instroom_date = s_today;
    s_expect_reject (ggd, &env, "KB17", "shelter_episode");
    /* a score outside 1..5 */
    Ketenbus__V1__SelfSufficiencyAssessment a = KETENBUS__V1__SELF_SUFFICIENCY_ASSESSMENT__INIT;
    Ketenbus__V1__DomainScore score = KETENBUS__V1__DOMAIN_SCORE__INIT;
    Ketenbus__V1__DomainScore *score_ptr = &score;
    score.domain = KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_HOUSING;
    score.score = 6;
    kb_uuid_v4 (id);
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT;
    env.self_sufficiency_assessment = &a;
    a.assessment_id = "zrm-it-bad";
    a.bsn = bsn;
    a.moment = KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_START;
    a.assessment_date = s_today;
    a.n_scores = 1;
    a.scores = &score_ptr;
    s_expect_reject (ggd, &env, "KB24", "self_sufficiency_assessment.scores[0].score");
    /* every reject quarantined, nothing forwarded */
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.quarantine"),
      quarantined + 6);
    kbt_sleep_ms (300);
    assert_int_equal (s_trk_long ("SELECT count(*) FROM client_tracking.trajectory"
                                  " WHERE trajectory_id = 'pot-it-bad'"),
                      0);
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo,
                       "SELECT count(*) FROM intake.kb_link_stream WHERE stream LIKE '%%-bad'"),
      0);
    kb_client_destroy (&gemeente);
    kb_client_destroy (&ggd);
}

static void
test_stale_reminder_reaches_the_regisseur_mailbox (void **state)
{
    (void)state;
    kb_client_t *ggd = kbt_intake_client_cert (s_intake, s_ggd_cert);
    s_traj_t t;
    s_traj_init (
      &t, "pot-it-stale", KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD, S_BSN_N + 3);
    s_expect_ack (ggd, &t.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    /* no plan within stale/no_plan_s: client-tracking reminds the regisseur */
    s_wait_trk (
      1,
      "SELECT count(*) FROM client_tracking.trajectory WHERE trajectory_id = 'pot-it-stale'"
      " AND stale_kind = 'no_plan'");
    assert_true (
      kbt_wait_for_value (s_intake->conninfo,
                          "SELECT (count(*) > 0)::int FROM intake.mailbox WHERE org_id = '" S_GGD
                          "' AND body = 'trajectory_update'",
                          1,
                          20000) == 1);
    /* the partner gets it as a Deliver: the trajectory, addressed to it */
    assert_int_equal (kb_client_replay (ggd, 0), 0);
    int64_t deadline = kbt_now_ms () + 20000;
    bool found = false;
    while (!found && kbt_now_ms () < deadline) {
        kb_envelope_t *env = NULL;
        if (kb_client_recv (ggd, 200, &env) != 0)
            continue;
        if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_DELIVER) {
            kb_envelope_t *inner = NULL;
            assert_int_equal (
              kb_codec_decode (
                env->deliver->envelope.data, env->deliver->envelope.len, 1 << 20, &inner),
              KB_CODEC_OK);
            kb_client_delivery_ack (ggd, env->deliver->mailbox_seq);
            if (inner->body_case == KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE &&
                strcmp (inner->trajectory_update->trajectory_id, "pot-it-stale") == 0) {
                assert_string_equal (inner->trajectory_update->to_org, S_GGD);
                assert_string_equal (inner->trajectory_update->bsn, "");
                found = true;
            }
            kb_codec_free (&inner);
        }
        kb_codec_free (&env);
    }
    assert_true (found);
    /* nobody else's mailbox got it */
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM intake.mailbox WHERE org_id <> '" S_GGD
                                       "' AND body = 'trajectory_update'"),
                      0);
    kb_client_destroy (&ggd);
}

/* One outbox, two links: the "tracking:" streams go to client-tracking
   only, everything else to zorgtoewijzing only. */
static void
test_streams_split_between_the_two_links (void **state)
{
    (void)state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kbt_signal_t sig;
    kbt_signal_init (&sig, S_BSN_N + 10);
    s_expect_ack (cjg, &sig.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    kb_client_t *ggd = kbt_intake_client_cert (s_intake, s_ggd_cert);
    s_traj_t t;
    s_traj_init (
      &t, "pot-it-split", KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD, S_BSN_N + 11);
    s_expect_ack (ggd, &t.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    int64_t deadline = kbt_now_ms () + 20000;
    while (s_zorg_got.total == 0 && kbt_now_ms () < deadline)
        s_zorg_pump (100);
    assert_true (s_zorg_got.total > 0);
    s_wait_trk (1,
                "SELECT count(*) FROM client_tracking.trajectory"
                " WHERE trajectory_id = 'pot-it-split'");
    s_zorg_pump (500);
    assert_int_equal (s_zorg_got.tracking, 0);
    /* what zorgtoewijzing acknowledged never included a tracking stream, and
       every tracking row was acknowledged by client-tracking */
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT count(*) FROM intake.kb_outbox WHERE"
                                          " stream LIKE 'tracking:%' AND acked_at IS NULL",
                                          0,
                                          20000),
                      0);
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo,
                       "SELECT count(*) FROM zorgtest.kb_inbox WHERE stream LIKE 'tracking:%%'"),
      0);
    kb_client_destroy (&ggd);
    kb_client_destroy (&cjg);
}

/* A SatisfactionMeasurement with all storage inside. */
typedef struct
{
    kb_envelope_t env;
    Ketenbus__V1__SatisfactionMeasurement m;
    char id[37];
    char bsn[10];
} s_sat_t;

static void
s_sat_init (s_sat_t *t, const char *measurement_id, uint32_t bsn_n)
{
    memset (t, 0, sizeof *t);
    ketenbus__v1__envelope__init (&t->env);
    ketenbus__v1__satisfaction_measurement__init (&t->m);
    kb_uuid_v4 (t->id);
    kbt_make_bsn (bsn_n, t->bsn);
    t->env.message_id = t->id;
    t->env.schema_version = 1;
    t->env.body_case = KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT;
    t->env.satisfaction_measurement = &t->m;
    t->m.measurement_id = (char *)measurement_id;
    t->m.partner_case_ref = "CEV-2026-1";
    t->m.bsn = t->bsn;
    t->m.gemeente_code = "0794";
    t->m.gebied = "centrum";
    t->m.wet = KETENBUS__V1__WET__WET_JEUGDWET;
    t->m.score = 9;
    t->m.measured_date = s_today;
}

/* A gemeente's satisfaction score: pseudonymised at the door, counted by
   client-tracking as one SATISFACTION event; a repeat is forwarded once;
   bad fields get their reject. */
static void
test_satisfaction_through_intake (void **state)
{
    (void)state;
    kb_client_t *gem = kbt_intake_client (s_intake, KBT_GEMEENTE);
    s_sat_t t;
    s_sat_init (&t, "cev-it-1", S_BSN_N + 20);
    s_expect_ack (gem, &t.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    s_expect_ack (gem, &t.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_DUPLICATE);
    char sql[1024];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM montest.got WHERE event_type = 18 AND item_ref = 'cev-it-1'"
              " AND satisfaction_score = 9 AND wet = 2 AND gemeente_code = '0794' AND gebied = 'centrum'"
              " AND event_date = '%s' AND length (person_pseudonym) = 64",
              s_today);
    kbt_tracking_wait (s_trk, sql, 1, 20000);
    kbt_tracking_pump (s_trk, 500);
    assert_int_equal (s_trk_long ("SELECT count(*) FROM montest.got WHERE item_ref = 'cev-it-1'"), 1);
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM montest.got WHERE position (convert_to ('%s', 'UTF8') IN payload) > 0",
              t.bsn);
    assert_int_equal (s_trk_long (sql), 0);
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM intake.kb_outbox WHERE stream LIKE 'tracking:%%'"
              " AND position (convert_to ('%s', 'UTF8') IN payload) > 0",
              t.bsn);
    assert_int_equal (kbt_query_long (s_intake->conninfo, sql), 0);
    /* anonymous: no bsn, no pseudonym */
    s_sat_init (&t, "cev-it-2", S_BSN_N + 21);
    t.m.bsn = "";
    s_expect_ack (gem, &t.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    kbt_tracking_wait (s_trk,
                       "SELECT count(*) FROM montest.got WHERE event_type = 18 AND item_ref = 'cev-it-2'"
                       " AND person_pseudonym = ''",
                       1, 20000);
    /* at the door */
    s_sat_init (&t, "cev-it-3", S_BSN_N + 22);
    t.m.score = 11;
    s_expect_reject (gem, &t.env, "KB24", "satisfaction_measurement.score");
    s_sat_init (&t, "cev-it-3", S_BSN_N + 22);
    t.m.wet = KETENBUS__V1__WET__WET_UNSPECIFIED;
    s_expect_reject (gem, &t.env, "KB13", "satisfaction_measurement.wet");
    s_sat_init (&t, "cev-it-3", S_BSN_N + 22);
    t.m.gemeente_code = "0363";
    s_expect_reject (gem, &t.env, "S300", "satisfaction_measurement.gemeente_code");
    s_sat_init (&t, "cev-it-3", S_BSN_N + 22);
    t.m.measured_date = s_tomorrow;
    s_expect_reject (gem, &t.env, "8848", "satisfaction_measurement.measured_date");
    s_sat_init (&t, "cev-it-3", S_BSN_N + 22);
    t.m.bsn = "123456789";
    s_expect_reject (gem, &t.env, "KB10", "satisfaction_measurement.bsn");
    s_sat_init (&t, "cev it 3", S_BSN_N + 22);
    s_expect_reject (gem, &t.env, "KB14", "satisfaction_measurement.measurement_id");
    kbt_tracking_pump (s_trk, 300);
    assert_int_equal (s_trk_long ("SELECT count(*) FROM montest.got WHERE event_type = 18"), 2);
    kb_client_destroy (&gem);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_trajectory_through_intake),
        cmocka_unit_test (test_shelter_and_assessment_through_intake),
        cmocka_unit_test (test_bad_messages_rejected_at_the_door),
        cmocka_unit_test (test_stale_reminder_reaches_the_regisseur_mailbox),
        cmocka_unit_test (test_streams_split_between_the_two_links),
        cmocka_unit_test (test_satisfaction_through_intake),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
