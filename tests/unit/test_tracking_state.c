/*  test_tracking_state - the trajectory state machine (every legal and
    every illegal transition with its reason), shelter-episode rules,
    scores and "stable position". */
#include "tracking_state.h"
#include "ketenbus/v1/ketenbus.pb-c.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

enum { NONE = 0, AANG = 1, PLAN = 2, UITV = 3, AFG = 4 };
enum { SUCC = 1, VROEG = 2, OVER = 3, VERH = 4, OVERL = 5 };

static const char *
s_check (int current, int next, int outcome, int reason)
{
    tracking_step_t step = { next, outcome, reason, "2026-03-02" };
    const char *text = NULL;
    const char *code = tracking_state_check (current, current ? "2026-03-01" : NULL, &step, &text);
    if (code)
        assert_non_null (text);
    return code;
}

static void
s_expect (const char *want, const char *got)
{
    if (!want)
        assert_null (got);
    else {
        assert_non_null (got);
        assert_string_equal (got, want);
    }
}

static void
test_legal_transitions (void **state)
{
    (void) state;
    s_expect (NULL, s_check (NONE, AANG, 0, 0));
    s_expect (NULL, s_check (AANG, PLAN, 0, 0));
    s_expect (NULL, s_check (PLAN, UITV, 0, 0));
    s_expect (NULL, s_check (UITV, AFG, SUCC, 0));
    for (int o = VROEG; o <= OVERL; o++) {
        int r = o == VROEG ? 1 : 0;
        s_expect (NULL, s_check (AANG, AFG, o, r));
        s_expect (NULL, s_check (PLAN, AFG, o, r));
        s_expect (NULL, s_check (UITV, AFG, o, r));
    }
    for (int r = 1; r <= 7; r++)
        s_expect (NULL, s_check (UITV, AFG, VROEG, r));
    /* progress updates in the same state */
    s_expect (NULL, s_check (AANG, AANG, 0, 0));
    s_expect (NULL, s_check (PLAN, PLAN, 0, 0));
    s_expect (NULL, s_check (UITV, UITV, 0, 0));
}

static void
test_illegal_transitions (void **state)
{
    (void) state;
    s_expect ("unknown_trajectory", s_check (NONE, PLAN, 0, 0));
    s_expect ("unknown_trajectory", s_check (NONE, UITV, 0, 0));
    s_expect ("unknown_trajectory", s_check (NONE, AFG, SUCC, 0));
    s_expect ("plan_required", s_check (AANG, UITV, 0, 0));
    s_expect ("succesvol_requires_uitvoering", s_check (AANG, AFG, SUCC, 0));
    s_expect ("succesvol_requires_uitvoering", s_check (PLAN, AFG, SUCC, 0));
    s_expect ("backwards", s_check (PLAN, AANG, 0, 0));
    s_expect ("backwards", s_check (UITV, AANG, 0, 0));
    s_expect ("backwards", s_check (UITV, PLAN, 0, 0));
    for (int next = AANG; next <= AFG; next++)
        s_expect ("trajectory_closed", s_check (AFG, next, next == AFG ? SUCC : 0, 0));
    s_expect ("state_unknown", s_check (AANG, 0, 0, 0));
    s_expect ("state_unknown", s_check (AANG, 9, 0, 0));
    s_expect ("outcome_required", s_check (UITV, AFG, 0, 0));
    s_expect ("outcome_required", s_check (UITV, AFG, 6, 0));
    s_expect ("early_end_reason_required", s_check (UITV, AFG, VROEG, 0));
    s_expect ("early_end_reason_required", s_check (UITV, AFG, VROEG, 8));
    s_expect ("early_end_reason_unexpected", s_check (UITV, AFG, SUCC, 2));
    s_expect ("outcome_unexpected", s_check (AANG, PLAN, SUCC, 0));
    s_expect ("outcome_unexpected", s_check (PLAN, UITV, 0, 3));
}

static void
test_dates (void **state)
{
    (void) state;
    tracking_step_t step = { PLAN, 0, 0, "2026-02-30" };
    assert_string_equal (tracking_state_check (AANG, "2026-01-01", &step, NULL), "state_date_invalid");
    step.state_date = "";
    assert_string_equal (tracking_state_check (AANG, "2026-01-01", &step, NULL), "state_date_invalid");
    step.state_date = "2025-12-31";
    assert_string_equal (tracking_state_check (AANG, "2026-01-01", &step, NULL),
                         "state_date_before_previous");
    step.state_date = "2026-01-01";
    assert_null (tracking_state_check (AANG, "2026-01-01", &step, NULL));
    assert_string_equal (tracking_state_name (AANG), "aangemeld");
    assert_string_equal (tracking_state_name (AFG), "afgerond");
    assert_string_equal (tracking_state_name (17), "unknown");
}

static const char *
s_shelter (const tracking_episode_t *prev, int event, const char *in, const char *out, int dest)
{
    tracking_shelter_msg_t m = { event, 1, in, out, dest };
    const char *text = NULL;
    const char *code = tracking_shelter_check (prev, &m, &text);
    if (code)
        assert_non_null (text);
    return code;
}

static void
test_shelter_rules (void **state)
{
    (void) state;
    const int IN = 1, OUT = 2;
    tracking_episode_t open = { true, false, "2026-01-10" };
    tracking_episode_t closed = { true, true, "2026-01-10" };
    s_expect (NULL, s_shelter (NULL, IN, "2026-01-10", "", 0));
    s_expect (NULL, s_shelter (&open, OUT, "2026-01-10", "2026-01-10", 1));
    s_expect (NULL, s_shelter (&open, OUT, "2026-01-10", "2026-04-01", 6));
    s_expect (NULL, s_shelter (NULL, OUT, "2026-01-10", "2026-02-01", 3)); /* IN never sent */
    s_expect ("episode_open", s_shelter (&open, IN, "2026-01-10", "", 0));
    s_expect ("episode_closed", s_shelter (&closed, IN, "2026-01-10", "", 0));
    s_expect ("episode_closed", s_shelter (&closed, OUT, "2026-01-10", "2026-02-01", 1));
    s_expect ("uitstroom_before_instroom", s_shelter (&open, OUT, "2026-01-10", "2026-01-09", 1));
    s_expect ("destination_required", s_shelter (&open, OUT, "2026-01-10", "2026-02-01", 0));
    s_expect ("destination_required", s_shelter (&open, OUT, "2026-01-10", "2026-02-01", 7));
    s_expect ("uitstroom_date_required", s_shelter (&open, OUT, "2026-01-10", "", 1));
    s_expect ("instroom_date_invalid", s_shelter (NULL, IN, "2026-13-01", "", 0));
    s_expect ("uitstroom_on_instroom", s_shelter (NULL, IN, "2026-01-10", "2026-02-01", 0));
    s_expect ("uitstroom_on_instroom", s_shelter (NULL, IN, "2026-01-10", "", 2));
    s_expect ("instroom_date_differs", s_shelter (&open, OUT, "2026-01-11", "2026-02-01", 1));
    s_expect ("shelter_event_unknown", s_shelter (NULL, 0, "2026-01-10", "", 0));
    tracking_shelter_msg_t m = { IN, 0, "2026-01-10", "", 0 };
    assert_string_equal (tracking_shelter_check (NULL, &m, NULL), "shelter_type_unknown");
}

static void
test_scores_and_stable_position (void **state)
{
    (void) state;
    unsigned mask = 0;
    assert_int_equal (tracking_domains_parse ("housing,income,social_network", &mask), 0);
    assert_int_equal (mask, (1u << 1) | (1u << 2) | (1u << 4));
    assert_int_equal (tracking_domains_parse ("housing, justice", &mask), 0);
    assert_int_equal (mask, (1u << 1) | (1u << 7));
    assert_int_equal (tracking_domains_parse ("housing,wealth", &mask), -1);
    assert_int_equal (tracking_domains_parse ("", &mask), -1);
    assert_int_equal (tracking_domains_parse (NULL, &mask), -1);
    assert_int_equal (tracking_domains_parse ("housing,income,social_network", &mask), 0);

    tracking_scores_t s;
    memset (&s, 0, sizeof s);
    assert_null (tracking_scores_add (&s, 1, 4, NULL));
    assert_null (tracking_scores_add (&s, 2, 5, NULL));
    assert_false (tracking_stable_position (&s, 4, mask)); /* social network not assessed */
    assert_null (tracking_scores_add (&s, 4, 3, NULL));
    assert_false (tracking_stable_position (&s, 4, mask));
    assert_true (tracking_stable_position (&s, 3, mask));
    assert_false (tracking_stable_position (&s, 4, 0));
    tracking_scores_t t;
    memset (&t, 0, sizeof t);
    for (int d = 1; d <= TRACKING_DOMAIN_MAX; d++)
        assert_null (tracking_scores_add (&t, d, d == 6 ? 1 : 4, NULL));
    assert_true (tracking_stable_position (&t, 4, mask)); /* addiction does not count */
    assert_string_equal (tracking_scores_add (&t, 1, 4, NULL), "domain_repeated");
    memset (&t, 0, sizeof t);
    assert_string_equal (tracking_scores_add (&t, 0, 4, NULL), "domain_unknown");
    assert_string_equal (tracking_scores_add (&t, 9, 4, NULL), "domain_unknown");
    assert_string_equal (tracking_scores_add (&t, 1, 0, NULL), "score_out_of_range");
    assert_string_equal (tracking_scores_add (&t, 1, 6, NULL), "score_out_of_range");
}

static void
s_event_init (Ketenbus__V1__MonitoringEvent *ev)
{
    ketenbus__v1__monitoring_event__init (ev);
    ev->event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_REGIE_ASSIGNED;
    ev->occurred_at_ms = 1780000000000;
    ev->gezin_ref = "0c6e7a4e-1f4b-4d8e-9a51-3d7c1b2a9f00";
    ev->plan_ref = "plan-1";
    ev->org = "cjg-helmond";
    ev->gemeente_code = "0794";
    ev->gebied = "Helmond-Noord";
    ev->start_date = "2026-01-02";
    ev->event_date = "2026-01-09";
}

static void
test_relay_check (void **state)
{
    (void) state;
    Ketenbus__V1__MonitoringEvent ev;
    s_event_init (&ev);
    assert_null (tracking_relay_check (&ev));
    //  every type zorgtoewijzing produces, none of client-tracking's own
    const int relayed[] = { 1, 2, 3, 4, 5, 6, 10, 11, 12, 14, 15, 16, 19, 20 };
    const int own[] = { 0, 7, 8, 9, 13, 17, 18, 21, 99 };
    for (size_t i = 0; i < sizeof relayed / sizeof relayed[0]; i++) {
        ev.event_type = (Ketenbus__V1__MonitoringEventType) relayed[i];
        assert_null (tracking_relay_check (&ev));
    }
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        ev.event_type = (Ketenbus__V1__MonitoringEventType) own[i];
        assert_non_null (tracking_relay_check (&ev));
    }
    //  free text in any string field
    const char *bad[] = { "Jan de Vries", "regel\nregel", "caf\xc3\xa9", "" };
    for (int field = 0; field < 8; field++)
        for (int b = 0; b < 3; b++) {
            s_event_init (&ev);
            char **f[] = { &ev.person_pseudonym, &ev.gezin_ref, &ev.plan_ref, &ev.trajectory_id,
                           &ev.item_ref, &ev.gebied, &ev.org, &ev.product_category };
            *f[field] = (char *) bad[b];
            if (!tracking_relay_check (&ev))
                fail_msg ("field %d with \"%s\" relayed", field, bad[b]);
            *f[field] = (char *) bad[3]; //  empty is fine
            assert_null (tracking_relay_check (&ev));
        }
    char longer[TRACKING_RELAY_REF_MAX + 2];
    memset (longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    s_event_init (&ev);
    ev.item_ref = longer;
    assert_non_null (tracking_relay_check (&ev));
    longer[TRACKING_RELAY_REF_MAX] = '\0';
    assert_null (tracking_relay_check (&ev));
    s_event_init (&ev);
    ev.gemeente_code = "Helmond";
    assert_non_null (tracking_relay_check (&ev));
    s_event_init (&ev);
    ev.start_date = "9 januari";
    assert_non_null (tracking_relay_check (&ev));
    s_event_init (&ev);
    ev.event_date = "";
    assert_non_null (tracking_relay_check (&ev));
    s_event_init (&ev);
    ev.occurred_at_ms = 0;
    assert_non_null (tracking_relay_check (&ev));
    //  unknown fields could carry anything
    ProtobufCMessageUnknownField unknown = { .tag = 99,
                                             .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED,
                                             .len = 3,
                                             .data = (uint8_t *) "abc" };
    s_event_init (&ev);
    ev.base.n_unknown_fields = 1;
    ev.base.unknown_fields = &unknown;
    assert_non_null (tracking_relay_check (&ev));
}

static void
test_satisfaction_check (void **state)
{
    (void) state;
    Ketenbus__V1__SatisfactionMeasurement m;
    const char *text = NULL;
#define S_INIT                                                                                  \
    ketenbus__v1__satisfaction_measurement__init (&m);                                          \
    m.measurement_id = "cev-1";                                                                 \
    m.score = 7;                                                                                \
    m.measured_date = "2026-03-01";                                                             \
    m.wet = KETENBUS__V1__WET__WET_WMO;                                                         \
    m.gemeente_code = "0794"
    S_INIT;
    assert_null (tracking_satisfaction_check (&m, &text));
    m.score = 0;
    assert_string_equal (tracking_satisfaction_check (&m, &text), "score_out_of_range");
    m.score = 11;
    assert_string_equal (tracking_satisfaction_check (&m, &text), "score_out_of_range");
    m.score = 10;
    assert_null (tracking_satisfaction_check (&m, &text));
    S_INIT;
    m.measured_date = "2026-02-30";
    assert_string_equal (tracking_satisfaction_check (&m, &text), "measured_date_invalid");
    S_INIT;
    m.wet = KETENBUS__V1__WET__WET_UNSPECIFIED;
    assert_string_equal (tracking_satisfaction_check (&m, &text), "wet_unknown");
    S_INIT;
    m.gemeente_code = "";
    assert_string_equal (tracking_satisfaction_check (&m, &text), "gemeente_required");
    S_INIT;
    m.measurement_id = "cev 1";
    assert_string_equal (tracking_satisfaction_check (&m, &text), "measurement_id_invalid");
    assert_non_null (text);
#undef S_INIT
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_legal_transitions),
        cmocka_unit_test (test_illegal_transitions),
        cmocka_unit_test (test_dates),
        cmocka_unit_test (test_shelter_rules),
        cmocka_unit_test (test_scores_and_stable_position),
        cmocka_unit_test (test_relay_check),
        cmocka_unit_test (test_satisfaction_check),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
