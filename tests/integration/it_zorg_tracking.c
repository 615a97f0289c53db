/*  it_zorg_tracking - zorgtoewijzing opens and moves trajectories in the
    real client-tracking: a new plan (aangemeld, with its regisseur), the
    first registered plan version (plan vastgesteld), the POT of a homeless
    person; zorgtoewijzing's MonitoringEvents relayed by client-tracking to
    the test's stand-in for monitoring, once each and without personal data.
    Real PostgreSQL, real intake, zorgtoewijzing, client-tracking and
    ketenctl, real CURVE partner clients. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "kb_test_tracking.h"
#include "kb_test_zorg.h"

#include "ketenbus/kb_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static kbt_intake_t *s_intake;
static kbt_zorg_t *s_zorg;
static kbt_tracking_t *s_tracking;

static int
s_setup (void **state)
{
    (void)state;
    s_tracking = kbt_tracking_setup ("it_zorg_tracking_ct");
    /* zorgtoewijzing and client-tracking keep their acknowledged link rows
       (deleted at the ack otherwise): the test searches all they sent */
    static const char *keep[] = { "KETENBUS_LINK_PRUNE_AFTER_S=86400", NULL };
    kbt_tracking_start (s_tracking, keep);
    s_intake = kbt_intake_setup ("it_zorg_tracking");
    s_zorg = kbt_zorg_setup (s_intake);
    kbt_intake_start (s_intake, NULL);
    char env[1024];
    snprintf (env, sizeof env, "KETENBUS_LINK_TRACKING=%s", kbt_tracking_listen (s_tracking));
    const char *extra[] = { env, keep[0], NULL };
    kbt_zorg_start (s_zorg, extra);
    static const char *types[KBT_PARTNERS] = { "cjg", "veilig-thuis", "gemeente", "wijkteam" };
    static const char *gemeenten[KBT_PARTNERS] = { "0794", "", "0794", "0762" };
    for (int i = 0; i < KBT_PARTNERS; i++)
        kbt_zorg_directory (s_zorg, s_intake->partner_org[i], types[i], "centrum", gemeenten[i]);
    kbt_zorg_directory (s_zorg, "ggd-vangnet-peel", "ggd-vangnet", "centrum", "0794");
    return 0;
}

static int
s_teardown (void **state)
{
    (void)state;
    kbt_zorg_teardown (&s_zorg);
    kbt_intake_teardown (&s_intake);
    kbt_tracking_teardown (&s_tracking);
    return 0;
}

static void s_got (const char *where, long want);

static void
s_send (int partner, kb_envelope_t *env)
{
    kb_client_t *c = kbt_intake_client (s_intake, partner);
    env->message_id = NULL;
    assert_int_equal (kb_client_send (c, env), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (c, 10000, &reply), 0);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    kb_codec_free (&reply);
    kb_client_destroy (&c);
}

/* A gezin with a minor: the CJG is regisseur; its trajectory opens in
   client-tracking with the plan's ref; the first registered version of
   the plan lays it down. */
static void
test_plan_trajectory (void **state)
{
    (void)state;
    kbt_signal_t s;
    kbt_signal_init (&s, 1200);
    snprintf (s.case_ref, sizeof s.case_ref, "TR-1");
    s_send (KBT_CJG, &s.env);
    char *plan = NULL;
    for (int i = 0; i < 100 && !plan; i++) {
        plan = kbt_query_str (s_intake->conninfo,
                              "SELECT p.ref FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.involvement i"
                              " ON i.gezin_id = p.gezin_id WHERE i.partner_case_ref = 'TR-1'");
        if (!plan)
            kbt_sleep_ms (100);
    }
    assert_non_null (plan);
    char sql[512];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM client_tracking.trajectory WHERE trajectory_id = '%s' AND trajectory_type = 1"
              " AND state = 1 AND plan_ref = '%s' AND regisseur_org = 'cjg-helmond'"
              " AND gezin_ref IS NOT NULL",
              plan, plan);
    kbt_tracking_wait (s_tracking, sql, 1, 20000);

    Ketenbus__V1__PlanRegistered p = KETENBUS__V1__PLAN_REGISTERED__INIT;
    Ketenbus__V1__Category cats[1] = { KETENBUS__V1__CATEGORY__CATEGORY_OPVOEDPROBLEMATIEK };
    char today[11];
    time_t now = time (NULL);
    struct tm tm;
    localtime_r (&now, &tm);
    strftime (today, sizeof today, "%Y-%m-%d", &tm);
    p.plan_ref = plan;
    p.plan_version = 1;
    p.plan_date = today;
    p.n_categories = 1;
    p.categories = cats;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED;
    env.plan_registered = &p;
    s_send (KBT_CJG, &env);
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM client_tracking.trajectory WHERE trajectory_id = '%s' AND state = 2"
              " AND plan_date = current_date",
              plan);
    kbt_tracking_wait (s_tracking, sql, 1, 20000);
    /* a second version moves nothing */
    p.plan_version = 2;
    s_send (KBT_CJG, &env);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT max (plan_version) FROM zorgtoewijzing.plan",
                                          2, 20000),
                      2);
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM client_tracking.trajectory_event e JOIN client_tracking.trajectory t ON t.id = e.trajectory"
              " WHERE t.trajectory_id = '%s'",
              plan);
    kbt_tracking_pump (s_tracking, 500);
    assert_int_equal (kbt_query_long (kbt_tracking_conninfo (s_tracking), sql), 2);
    /* PLAN_REGISTERED for version 1 only, counted from the first signal */
    char where[1024];
    snprintf (where, sizeof where,
              "event_type = 6 AND plan_ref = '%s' AND org = 'cjg-helmond' AND org_type = 1"
              " AND event_date = '%s' AND start_date = '%s'"
              " AND duration_days = event_date::date - start_date::date AND duration_days >= 6"
              " AND gemeente_code = '0794' AND gebied = 'centrum'",
              plan, today, s.signal_date);
    s_got (where, 1);
    snprintf (where, sizeof where, "event_type = 6 AND plan_ref = '%s'", plan);
    s_got (where, 1);
    free (plan);
}

/* A homeless person: a POT trajectory of that person. */
static void
test_pot_trajectory (void **state)
{
    (void)state;
    kbt_signal_t s;
    kbt_signal_init (&s, 1201);
    snprintf (s.case_ref, sizeof s.case_ref, "TR-2");
    s.subject.birth_date = "1980-03-01";
    s.subject.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_ALLEENSTAANDE;
    s.signal.n_household = 0;
    s.signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS;
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_DAKLOOSHEID;
    s.signal.n_categories = 1;
    s_send (KBT_CJG, &s.env);
    kbt_tracking_wait (s_tracking,
                       "SELECT count(*) FROM client_tracking.trajectory WHERE trajectory_type = 2 AND state = 1"
                       " AND trajectory_id LIKE 'pot-%' AND length (person_pseudonym) = 64",
                       1, 20000);
}

/* Rows the stand-in for monitoring got that match where (a condition on
   montest.got), waited for until there are want. */
static void
s_got (const char *where, long want)
{
    char sql[2048];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM montest.got WHERE %s", where);
    kbt_tracking_wait (s_tracking, sql, want, 20000);
}

/* No row of `table` matching `where` carries `needle` in its payload;
   names the needle when one does. Needles are whole values: a short one
   like a phone prefix can turn up in a random uuid's hex by chance. */
static void
s_expect_absent (const char *conninfo, const char *table, const char *where, const char *needle)
{
    char sql[1024];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM %s WHERE %s"
              " AND position (convert_to ('%s', 'UTF8') IN payload) > 0",
              table, where, needle);
    long found = kbt_query_long (conninfo, sql);
    if (found != 0)
        fprintf (stderr, "'%s' found in %ld row(s) of %s\n", needle, found, table);
    assert_int_equal (found, 0);
}

static char *
s_zorg_str (const char *sql)
{
    char *v = NULL;
    for (int i = 0; i < 100 && !v; i++) {
        v = kbt_query_str (s_intake->conninfo, sql);
        if (!v)
            kbt_sleep_ms (100);
    }
    assert_non_null (v);
    return v;
}

/* ketenctl against zorgtoewijzing's database; returns the exit code. */
static int
s_ketenctl (const char *a1, const char *a2, const char *a3, const char *a4, const char *a5,
            const char *a6, const char *a7, const char *a8)
{
    char *bin = kbt_bin ("ketenctl");
    const char *argv[] = { bin, a1, a2, a3, a4, a5, a6, a7, a8, NULL };
    char db_env[1024], key_env[1024], log[1024];
    snprintf (db_env, sizeof db_env, "KETENBUS_DB_CONNINFO=%s", s_intake->conninfo);
    snprintf (key_env, sizeof key_env, "KETENBUS_PSEUDONYM_KEY_FILE=%s", s_intake->pseudo_key);
    snprintf (log, sizeof log, "%s/ketenctl-monitoring.log", s_intake->dir);
    const char *env[] = { db_env, key_env, "KETENBUS_DB_CONNECT_TIMEOUT_MS=3000", NULL };
    pid_t pid = kbt_spawn (argv, env, log);
    int rc = kbt_wait (pid, 60000);
    free (bin);
    return rc;
}

#define S_CONTACT_VT "VT casemanager Zuid-Oost"
#define S_JUSTIFICATION "JUSTIFICATION-MON-k3Lq acute zorgen over de veiligheid van het kind," \
                        " Meldcode stap 2: collegiale consultatie gedaan"

/* A signal, a second organisation, a toewijzing, a transfer, a share on a
   legal ground and its review: what monitoring gets through
   client-tracking, with the gezin's region, once each, and nothing of
   the BSN, the contacts or the justification. */
static void
test_monitoring_events (void **state)
{
    (void)state;
    const char *mon = kbt_tracking_conninfo (s_tracking);
    kbt_signal_t s;
    kbt_signal_init (&s, 1300);
    snprintf (s.case_ref, sizeof s.case_ref, "MON-1");
    s_send (KBT_CJG, &s.env);
    char *gezin = s_zorg_str ("SELECT g.ref FROM zorgtoewijzing.gezin g JOIN zorgtoewijzing.involvement i"
                              " ON i.gezin_id = g.id WHERE i.partner_case_ref = 'MON-1'");
    char *plan = s_zorg_str ("SELECT p.ref FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.gezin g"
                             " ON g.id = p.gezin_id JOIN zorgtoewijzing.involvement i ON i.gezin_id = g.id"
                             " WHERE i.partner_case_ref = 'MON-1'");
    char where[1536];
    /* SIGNAL_RECEIVED: the sender, the subject's age on the signal date, the gezin's region */
    snprintf (where, sizeof where,
              "event_type = 1 AND gezin_ref = '%s' AND org = 'cjg-helmond' AND org_type = 1"
              " AND gemeente_code = '0794' AND gebied = 'centrum' AND event_date = '%s'"
              " AND age_years = extract (year FROM age ('%s'::date, date '2012-05-17'))"
              " AND urgency = 1 AND length (person_pseudonym) = 64 AND item_ref <> ''"
              " AND stream = client_tracking.monitor_stream('%s') AND occurred_at_ms > 0",
              gezin, s.signal_date, s.signal_date, gezin);
    s_got (where, 1);
    /* REGIE_ASSIGNED: the CJG by rule, counted from the first signal */
    snprintf (where, sizeof where,
              "event_type = 3 AND gezin_ref = '%s' AND plan_ref = '%s' AND org = 'cjg-helmond'"
              " AND org_type = 1 AND gemeente_code = '0794' AND gebied = 'centrum'"
              " AND start_date = '%s' AND event_date = '%s' AND duration_days = 0",
              gezin, plan, s.signal_date, s.signal_date);
    s_got (where, 1);
    /* client-tracking's own TRAJECTORY_STATE has the region and the type too */
    snprintf (where, sizeof where,
              "event_type = 7 AND trajectory_id = '%s' AND org = 'cjg-helmond' AND org_type = 1"
              " AND gemeente_code = '0794' AND gebied = 'centrum'",
              plan);
    s_got (where, 1);

    /* a second organisation signals about the same gezin */
    kbt_signal_t s2;
    kbt_signal_init (&s2, 1300);
    snprintf (s2.case_ref, sizeof s2.case_ref, "MON-2");
    s_send (KBT_WIJKTEAM, &s2.env);
    snprintf (where, sizeof where,
              "event_type = 2 AND gezin_ref = '%s' AND org = 'wijkteam-deurne' AND org_type = 6"
              " AND gemeente_code = '0794' AND event_date = '%s'",
              gezin, s2.signal_date);
    s_got (where, 1);
    snprintf (where, sizeof where, "event_type = 1 AND gezin_ref = '%s'", gezin);
    s_got (where, 2);

    /* a toewijzing by the gemeente */
    char today[11];
    time_t now = time (NULL);
    struct tm tm;
    localtime_r (&now, &tm);
    strftime (today, sizeof today, "%Y-%m-%d", &tm);
    Ketenbus__V1__CareAssignment c = KETENBUS__V1__CARE_ASSIGNMENT__INIT;
    c.toewijzing_id = "TW-MON-1";
    c.action = KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN;
    c.bsn = s.bsn;
    c.gemeente_code = "0794";
    c.gebied = "Helmond Centrum";
    c.wet = KETENBUS__V1__WET__WET_JEUGDWET;
    c.product_category = "45";
    c.pyramid_level = KETENBUS__V1__PYRAMID_LEVEL__PYRAMID_LEVEL_MAATWERK;
    c.volume = 6;
    c.unit = KETENBUS__V1__VOLUME_UNIT__VOLUME_UNIT_UUR;
    c.frequency = KETENBUS__V1__VOLUME_FREQUENCY__VOLUME_FREQUENCY_PER_WEEK;
    c.budget_cents = 120000;
    c.start_date = today;
    c.provider_org = "wijkteam-deurne";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT;
    env.care_assignment = &c;
    s_send (KBT_GEMEENTE, &env);
    snprintf (where, sizeof where,
              "event_type = 10 AND item_ref = 'TW-MON-1' AND wet = 2 AND pyramid_level = 3"
              " AND volume = 6 AND gemeente_code = '0794' AND gebied = 'Helmond-Centrum'"
              " AND event_date = '%s' AND start_date = '%s' AND length (person_pseudonym) = 64",
              today, today);
    s_got (where, 1);

    /* the CJG hands regie to Veilig Thuis, which accepts */
    char transfer[KB_UUID_LEN + 1];
    kb_uuid_v4 (transfer);
    Ketenbus__V1__RegieTransferRequest rq = KETENBUS__V1__REGIE_TRANSFER_REQUEST__INIT;
    rq.transfer_id = transfer;
    rq.plan_ref = plan;
    rq.to_org = "veiligthuis-peel";
    rq.reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_VEILIGHEID;
    kb_envelope_t renv = KETENBUS__V1__ENVELOPE__INIT;
    renv.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
    renv.regie_transfer_request = &rq;
    s_send (KBT_CJG, &renv);
    char sql[1024];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM zorgtoewijzing.transfer WHERE id = '%s'", transfer);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo, sql, 1, 20000), 1);
    Ketenbus__V1__RegieTransferResponse rs = KETENBUS__V1__REGIE_TRANSFER_RESPONSE__INIT;
    rs.transfer_id = transfer;
    rs.plan_ref = plan;
    rs.decision = KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED;
    rs.casemanager_name = S_CONTACT_VT;
    rs.casemanager_phone = "0492-555123";
    kb_envelope_t aenv = KETENBUS__V1__ENVELOPE__INIT;
    aenv.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE;
    aenv.regie_transfer_response = &rs;
    s_send (KBT_VEILIG_THUIS, &aenv);
    snprintf (where, sizeof where,
              "event_type = 4 AND item_ref = '%s' AND gezin_ref = '%s' AND plan_ref = '%s'"
              " AND org = 'veiligthuis-peel' AND org_type = 7 AND gemeente_code = '0794'"
              " AND start_date = '%s' AND event_date = '%s' AND duration_days = 0",
              transfer, gezin, plan, today, today);
    s_got (where, 1);
    /* client-tracking hears of the new regisseur: same state, recorded */
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM client_tracking.trajectory WHERE trajectory_id = '%s' AND state = 1"
              " AND regisseur_org = 'veiligthuis-peel' AND regisseur_org_type = 7"
              " AND gemeente_code = '0794' AND gebied = 'centrum'",
              plan);
    kbt_tracking_wait (s_tracking, sql, 1, 20000);
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM client_tracking.trajectory_event e JOIN client_tracking.trajectory t"
              " ON t.id = e.trajectory WHERE t.trajectory_id = '%s' AND e.from_state = 1 AND e.to_state = 1"
              " AND e.regisseur_org = 'veiligthuis-peel'",
              plan);
    assert_int_equal (kbt_query_long (mon, sql), 1);
    snprintf (where, sizeof where,
              "event_type = 7 AND trajectory_id = '%s' AND org = 'veiligthuis-peel' AND org_type = 7",
              plan);
    s_got (where, 1);

    /* a share on a legal ground, and the ketencoordinator's review */
    char share[KB_UUID_LEN + 1];
    kb_uuid_v4 (share);
    Ketenbus__V1__ShareRequest q = KETENBUS__V1__SHARE_REQUEST__INIT;
    Ketenbus__V1__DataCategory cats[1] = { KETENBUS__V1__DATA_CATEGORY__DATA_CATEGORY_VEILIGHEID };
    q.share_id = share;
    q.direction = KETENBUS__V1__SHARE_DIRECTION__SHARE_DIRECTION_REQUEST;
    q.to_org = "veiligthuis-peel";
    q.bsn = s.bsn;
    q.n_data_categories = 1;
    q.data_categories = cats;
    q.purpose = KETENBUS__V1__PURPOSE__PURPOSE_HULPVERLENING;
    q.legal_ground = KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_MELDCODE;
    q.justification = S_JUSTIFICATION;
    kb_envelope_t qenv = KETENBUS__V1__ENVELOPE__INIT;
    qenv.body_case = KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST;
    qenv.share_request = &q;
    s_send (KBT_CJG, &qenv);
    snprintf (where, sizeof where,
              "event_type = 14 AND item_ref = '%s' AND gezin_ref = '%s' AND org = 'cjg-helmond'"
              " AND share_outcome = 3 AND legal_ground = 2 AND event_date = '%s'"
              " AND gemeente_code = '0794'",
              share, gezin, today);
    s_got (where, 1);
    assert_int_equal (s_ketenctl ("review", "decide", "--share", share, "--outcome", "justified",
                                  "--by", "ketencoordinator-test"),
                      0);
    /* ketenctl wrote it into zorgtoewijzing's outbox; the daemon's sender sent it */
    snprintf (where, sizeof where,
              "event_type = 19 AND item_ref = '%s' AND review_outcome = 1 AND event_date = '%s'"
              " AND gemeente_code = '0794'",
              share, today);
    s_got (where, 1);

    /* the person's consent, recorded and withdrawn */
    char consent[KB_UUID_LEN + 1];
    kb_uuid_v4 (consent);
    Ketenbus__V1__ConsentGrant g = KETENBUS__V1__CONSENT_GRANT__INIT;
    Ketenbus__V1__DataCategory gcats[1] = { KETENBUS__V1__DATA_CATEGORY__DATA_CATEGORY_PLAN };
    g.consent_id = consent;
    g.bsn = s.bsn;
    g.given_by = KETENBUS__V1__CONSENT_GIVER__CONSENT_GIVER_PARENT_GUARDIAN;
    g.n_data_categories = 1;
    g.data_categories = gcats;
    g.recipient_case = KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG_TYPE;
    g.recipient_org_type = KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM;
    g.purpose = KETENBUS__V1__PURPOSE__PURPOSE_HULPVERLENING;
    g.valid_from = today;
    g.valid_until = "2099-12-31";
    kb_envelope_t genv = KETENBUS__V1__ENVELOPE__INIT;
    genv.body_case = KETENBUS__V1__ENVELOPE__BODY_CONSENT_GRANT;
    genv.consent_grant = &g;
    s_send (KBT_CJG, &genv);
    snprintf (where, sizeof where,
              "event_type = 15 AND item_ref = '%s' AND org = 'cjg-helmond' AND event_date = '%s'"
              " AND gemeente_code = '0794' AND gebied = 'centrum' AND length (person_pseudonym) = 64",
              consent, today);
    s_got (where, 1);
    Ketenbus__V1__ConsentWithdraw w = KETENBUS__V1__CONSENT_WITHDRAW__INIT;
    w.consent_id = consent;
    w.bsn = s.bsn;
    w.withdrawn_by = KETENBUS__V1__CONSENT_GIVER__CONSENT_GIVER_PARENT_GUARDIAN;
    w.withdrawn_date = today;
    kb_envelope_t wenv = KETENBUS__V1__ENVELOPE__INIT;
    wenv.body_case = KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW;
    wenv.consent_withdraw = &w;
    s_send (KBT_CJG, &wenv);
    s_send (KBT_CJG, &wenv); /* a repeated withdrawal counts once */
    snprintf (where, sizeof where,
              "event_type = 16 AND item_ref = '%s' AND org = 'cjg-helmond' AND event_date = '%s'",
              consent, today);
    s_got (where, 1);

    /* once each: nothing relayed twice */
    kbt_tracking_pump (s_tracking, 1000);
    assert_int_equal (kbt_query_long (mon, "SELECT count(*) FROM (SELECT event_type, item_ref, gezin_ref,"
                                           " org, trajectory_id, event_date FROM montest.got"
                                           " WHERE body = 'monitoring_event' AND event_type <> 7"
                                           " GROUP BY 1, 2, 3, 4, 5, 6 HAVING count(*) > 1) d"),
                      0);
    /* no BSN, no contact, no justification: in the events monitoring got,
       in zorgtoewijzing's outbox towards client-tracking, in client-tracking's
       towards monitoring */
    const char *needles[] = { s.bsn, s.member_bsn, "casemanager team Noord", S_CONTACT_VT,
                              "0492-123456", "0492-555123", "JUSTIFICATION-MON", "Meldcode stap" };
    assert_true (kbt_query_long (mon, "SELECT count(*) FROM montest.got WHERE body = 'monitoring_event'")
                 >= 9);
    assert_true (kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_outbox"
                                                     " WHERE stream LIKE 'tracking:m:%'")
                 >= 8);
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
        s_expect_absent (mon, "montest.got", "true", needles[i]);
        s_expect_absent (mon, "client_tracking.kb_outbox", "stream LIKE 'monitoring:%'",
                         needles[i]);
        s_expect_absent (s_intake->conninfo, "zorgtoewijzing.kb_outbox", "stream LIKE 'tracking:%'",
                         needles[i]);
    }
    assert_int_equal (kbt_query_long (mon, "SELECT count(*) FROM client_tracking.kb_dead_letter"), 0);
    free (gezin);
    free (plan);
}

/* A rejected transfer escalates; the ketencoordinator decides with
   ketenctl: REGIE_ESCALATED, REGIE_ASSIGNED, ESCALATION_RESOLVED and the
   new regisseur in client-tracking. */
static void
test_escalation_events (void **state)
{
    (void)state;
    kbt_signal_t s;
    kbt_signal_init (&s, 1310);
    snprintf (s.case_ref, sizeof s.case_ref, "ESC-1");
    s_send (KBT_CJG, &s.env);
    char *plan = s_zorg_str ("SELECT p.ref FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.involvement i"
                             " ON i.gezin_id = p.gezin_id WHERE i.partner_case_ref = 'ESC-1'");
    char transfer[KB_UUID_LEN + 1];
    kb_uuid_v4 (transfer);
    Ketenbus__V1__RegieTransferRequest rq = KETENBUS__V1__REGIE_TRANSFER_REQUEST__INIT;
    rq.transfer_id = transfer;
    rq.plan_ref = plan;
    rq.to_org = "veiligthuis-peel";
    rq.reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_CAPACITEIT;
    kb_envelope_t renv = KETENBUS__V1__ENVELOPE__INIT;
    renv.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
    renv.regie_transfer_request = &rq;
    s_send (KBT_CJG, &renv);
    char sql[1024];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM zorgtoewijzing.transfer WHERE id = '%s'", transfer);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo, sql, 1, 20000), 1);
    Ketenbus__V1__RegieTransferResponse rs = KETENBUS__V1__REGIE_TRANSFER_RESPONSE__INIT;
    rs.transfer_id = transfer;
    rs.plan_ref = plan;
    rs.decision = KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_REJECTED;
    rs.reject_reason = KETENBUS__V1__TRANSFER_REJECT_REASON__TRANSFER_REJECT_REASON_GEEN_CAPACITEIT;
    kb_envelope_t aenv = KETENBUS__V1__ENVELOPE__INIT;
    aenv.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE;
    aenv.regie_transfer_response = &rs;
    s_send (KBT_VEILIG_THUIS, &aenv);
    snprintf (sql, sizeof sql, "SELECT id FROM zorgtoewijzing.escalation WHERE transfer_id = '%s'", transfer);
    char *esc = s_zorg_str (sql);
    char today[11];
    time_t now = time (NULL);
    struct tm tm;
    localtime_r (&now, &tm);
    strftime (today, sizeof today, "%Y-%m-%d", &tm);
    char where[1024];
    snprintf (where, sizeof where,
              "event_type = 5 AND item_ref = '%s' AND plan_ref = '%s' AND org = 'veiligthuis-peel'"
              " AND org_type = 7 AND event_date = '%s' AND gemeente_code = '0794'",
              esc, plan, today);
    s_got (where, 1);
    assert_int_equal (s_ketenctl ("escalation", "decide", "--id", esc, "--regisseur", "wijkteam-deurne",
                                  "--by", "ketencoordinator-test"),
                      0);
    snprintf (where, sizeof where,
              "event_type = 3 AND plan_ref = '%s' AND org = 'wijkteam-deurne' AND org_type = 6"
              " AND event_date = '%s' AND start_date = '%s' AND gemeente_code = '0794'",
              plan, today, s.signal_date);
    s_got (where, 1);
    snprintf (where, sizeof where,
              "event_type = 20 AND item_ref = '%s' AND org = 'wijkteam-deurne' AND org_type = 6"
              " AND start_date = '%s' AND event_date = '%s' AND duration_days = 0",
              esc, today, today);
    s_got (where, 1);
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM client_tracking.trajectory WHERE trajectory_id = '%s'"
              " AND regisseur_org = 'wijkteam-deurne' AND regisseur_org_type = 6",
              plan);
    kbt_tracking_wait (s_tracking, sql, 1, 20000);
    free (esc);
    free (plan);
}

/* The wijkteam signals and the rules make the CJG regisseur, which is
   involved from then on without a signal: its own first signal later is
   still the gezin's match for monitoring, once. */
static void
test_regisseur_signal_is_a_match (void **state)
{
    (void)state;
    kbt_signal_t s;
    kbt_signal_init (&s, 1320);
    snprintf (s.case_ref, sizeof s.case_ref, "MON-R-WT");
    s_send (KBT_WIJKTEAM, &s.env);
    char *gezin = s_zorg_str ("SELECT g.ref FROM zorgtoewijzing.gezin g JOIN"
                              " zorgtoewijzing.involvement i ON i.gezin_id = g.id"
                              " WHERE i.partner_case_ref = 'MON-R-WT'");
    char where[512];
    snprintf (where, sizeof where, "event_type = 3 AND gezin_ref = '%s' AND org = 'cjg-helmond'",
              gezin);
    s_got (where, 1);
    kbt_signal_init (&s, 1320);
    snprintf (s.case_ref, sizeof s.case_ref, "MON-R-CJG");
    s_send (KBT_CJG, &s.env);
    snprintf (where, sizeof where, "event_type = 1 AND gezin_ref = '%s'", gezin);
    s_got (where, 2);
    snprintf (where, sizeof where, "event_type = 2 AND gezin_ref = '%s' AND org = 'cjg-helmond'",
              gezin);
    s_got (where, 1);
    snprintf (where, sizeof where, "event_type = 2 AND gezin_ref = '%s'", gezin);
    s_got (where, 1);
    free (gezin);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_plan_trajectory),
        cmocka_unit_test (test_pot_trajectory),
        cmocka_unit_test (test_monitoring_events),
        cmocka_unit_test (test_escalation_events),
        cmocka_unit_test (test_regisseur_signal_is_a_match),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
