/*  it_zorg_tracking - zorgtoewijzing opens and moves trajectories in the
    real client-tracking: a new plan (aangemeld, with its regisseur), the
    first registered plan version (plan vastgesteld), the POT of a homeless
    person. Real PostgreSQL, real intake, zorgtoewijzing and client-tracking,
    real CURVE partner clients. */
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static kbt_intake_t *s_intake;
static kbt_zorg_t *s_zorg;
static kbt_tracking_t *s_tracking;

static int
s_setup (void **state)
{
    (void)state;
    s_tracking = kbt_tracking_setup ("it_zorg_tracking_ct");
    kbt_tracking_start (s_tracking, NULL);
    s_intake = kbt_intake_setup ("it_zorg_tracking");
    s_zorg = kbt_zorg_setup (s_intake);
    kbt_intake_start (s_intake, NULL);
    char env[1024];
    snprintf (env, sizeof env, "KETENBUS_LINK_TRACKING=%s", kbt_tracking_listen (s_tracking));
    const char *extra[] = { env, NULL };
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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_plan_trajectory),
        cmocka_unit_test (test_pot_trajectory),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
