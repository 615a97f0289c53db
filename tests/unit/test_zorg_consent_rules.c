/*  test_zorg_consent_rules - the pure share decision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "zorg_consent_rules.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_validate.h"

#include <stdio.h>
#include <string.h>

#define ALLOW KETENBUS__V1__SHARE_OUTCOME__SHARE_OUTCOME_ALLOW
#define DENY KETENBUS__V1__SHARE_OUTCOME__SHARE_OUTCOME_DENY
#define OVERRIDE KETENBUS__V1__SHARE_OUTCOME__SHARE_OUTCOME_ALLOW_OVERRIDE
#define R(x) KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_##x
#define CAT_PLAN KETENBUS__V1__DATA_CATEGORY__DATA_CATEGORY_PLAN
#define CAT_WONEN KETENBUS__V1__DATA_CATEGORY__DATA_CATEGORY_WONEN
#define CAT_VEILIGHEID KETENBUS__V1__DATA_CATEGORY__DATA_CATEGORY_VEILIGHEID
#define P_HULP KETENBUS__V1__PURPOSE__PURPOSE_HULPVERLENING
#define P_TOEWIJZING KETENBUS__V1__PURPOSE__PURPOSE_TOEWIJZING
#define T_CJG KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG
#define T_WIJKTEAM KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM
#define LG_NONE KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_NONE
#define LG_MELDCODE KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_MELDCODE

static int32_t s_today;
static int s_cats[2] = { CAT_PLAN, CAT_WONEN };

static zorg_consent_t
s_consent (const char *id)
{
    zorg_consent_t c;
    memset (&c, 0, sizeof c);
    snprintf (c.consent_id, sizeof c.consent_id, "%s", id);
    c.categories[0] = CAT_PLAN;
    c.categories[1] = CAT_WONEN;
    c.categories[2] = CAT_VEILIGHEID;
    c.ncategories = 3;
    c.recipient_org_type = T_CJG;
    c.purpose = P_HULP;
    c.valid_from = s_today - 10;
    c.valid_until = s_today + 10;
    return c;
}

static zorg_share_ask_t
s_ask (void)
{
    zorg_share_ask_t a = { .categories = s_cats, .ncategories = 2, .recipient_org = "cjg-helmond",
                           .recipient_org_type = T_CJG, .purpose = P_HULP,
                           .legal_ground = LG_NONE, .today = s_today };
    return a;
}

static int
s_setup (void **state)
{
    (void) state;
    kb_validate_date ("2026-06-15", &s_today);
    return 0;
}

static void
s_expect (const zorg_share_ask_t *a, const zorg_consent_t *c, int n, int outcome, int reason)
{
    zorg_share_verdict_t v;
    zorg_consent_decide (a, c, n, &v);
    assert_int_equal (v.outcome, outcome);
    assert_int_equal (v.reason, reason);
    assert_int_equal (v.review_required, outcome == OVERRIDE);
    if (outcome == ALLOW)
        assert_non_null (v.consent);
    else
        assert_null (v.consent);
}

static void
test_no_consent (void **state)
{
    (void) state;
    zorg_share_ask_t a = s_ask ();
    s_expect (&a, NULL, 0, DENY, R (NO_CONSENT));
}

static void
test_valid_consent_by_type_and_by_org (void **state)
{
    (void) state;
    zorg_share_ask_t a = s_ask ();
    zorg_consent_t c = s_consent ("c1");
    zorg_share_verdict_t v;
    zorg_consent_decide (&a, &c, 1, &v);
    assert_int_equal (v.outcome, ALLOW);
    assert_int_equal (v.reason, R (CONSENT_VALID));
    assert_ptr_equal (v.consent, &c);
    c.recipient_org_type = 0;
    snprintf (c.recipient_org, sizeof c.recipient_org, "cjg-helmond");
    s_expect (&a, &c, 1, ALLOW, R (CONSENT_VALID));
    snprintf (c.recipient_org, sizeof c.recipient_org, "cjg-deurne");
    s_expect (&a, &c, 1, DENY, R (RECIPIENT_NOT_COVERED));
}

static void
test_validity_bounds_inclusive (void **state)
{
    (void) state;
    zorg_share_ask_t a = s_ask ();
    zorg_consent_t c = s_consent ("c1");
    c.valid_from = s_today;
    c.valid_until = s_today;
    s_expect (&a, &c, 1, ALLOW, R (CONSENT_VALID));
    c.valid_until = s_today - 1;
    c.valid_from = s_today - 30;
    s_expect (&a, &c, 1, DENY, R (CONSENT_EXPIRED));
    c.valid_from = s_today + 1;
    c.valid_until = s_today + 30;
    s_expect (&a, &c, 1, DENY, R (CONSENT_EXPIRED));
    assert_false (zorg_consent_in_force (&c, s_today));
    assert_true (zorg_consent_in_force (&c, s_today + 1));
}

static void
test_each_mismatch (void **state)
{
    (void) state;
    zorg_share_ask_t a = s_ask ();
    zorg_consent_t c = s_consent ("c1");
    c.withdrawn = true;
    s_expect (&a, &c, 1, DENY, R (CONSENT_WITHDRAWN));
    assert_false (zorg_consent_in_force (&c, s_today));
    c = s_consent ("c1");
    c.ncategories = 1;  /* only PLAN */
    s_expect (&a, &c, 1, DENY, R (CATEGORY_NOT_COVERED));
    c = s_consent ("c1");
    c.recipient_org_type = T_WIJKTEAM;
    s_expect (&a, &c, 1, DENY, R (RECIPIENT_NOT_COVERED));
    c = s_consent ("c1");
    c.purpose = P_TOEWIJZING;
    s_expect (&a, &c, 1, DENY, R (PURPOSE_NOT_COVERED));
}

static void
test_most_specific_reason (void **state)
{
    (void) state;
    zorg_share_ask_t a = s_ask ();
    zorg_consent_t c[3] = { s_consent ("c1"), s_consent ("c2"), s_consent ("c3") };
    /* c1: wrong purpose and wrong recipient; c2: only wrong category */
    c[0].purpose = P_TOEWIJZING;
    c[0].recipient_org_type = T_WIJKTEAM;
    c[1].ncategories = 1;
    c[2].purpose = P_TOEWIJZING;
    c[2].withdrawn = true;
    s_expect (&a, c, 3, DENY, R (CATEGORY_NOT_COVERED));
    /* a withdrawn consent that would otherwise cover beats a category gap */
    c[2].purpose = P_HULP;
    s_expect (&a, c, 3, DENY, R (CONSENT_WITHDRAWN));
    /* one of them covers: allowed, on that consent */
    c[1].ncategories = 3;
    zorg_share_verdict_t v;
    zorg_consent_decide (&a, c, 3, &v);
    assert_int_equal (v.outcome, ALLOW);
    assert_string_equal (v.consent->consent_id, "c2");
    /* a named consent limits the candidates */
    a.consent_id = "c3";
    s_expect (&a, c, 3, DENY, R (CONSENT_WITHDRAWN));
    a.consent_id = "c9";
    s_expect (&a, c, 3, DENY, R (NO_CONSENT));
}

static void
test_legal_ground (void **state)
{
    (void) state;
    zorg_share_ask_t a = s_ask ();
    a.legal_ground = LG_MELDCODE;
    a.justification_chars = 50;
    s_expect (&a, NULL, 0, OVERRIDE, R (LEGAL_GROUND));
    a.justification_chars = 49;
    s_expect (&a, NULL, 0, DENY, R (JUSTIFICATION_MISSING));
    a.justification_min = 10;
    s_expect (&a, NULL, 0, OVERRIDE, R (LEGAL_GROUND));
    a.justification_chars = 0;
    s_expect (&a, NULL, 0, DENY, R (JUSTIFICATION_MISSING));
    a.legal_ground = 99;
    s_expect (&a, NULL, 0, DENY, R (NO_CONSENT));
}

static void
test_utf8_chars (void **state)
{
    (void) state;
    assert_int_equal (zorg_consent_utf8_chars (""), 0);
    assert_int_equal (zorg_consent_utf8_chars (NULL), 0);
    assert_int_equal (zorg_consent_utf8_chars ("co\xc3\xb6rdinatie"), 11);
    assert_int_equal (zorg_consent_utf8_chars ("\xe2\x82\xac\xf0\x9f\x98\x80"), 2);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_no_consent),
        cmocka_unit_test (test_valid_consent_by_type_and_by_org),
        cmocka_unit_test (test_validity_bounds_inclusive),
        cmocka_unit_test (test_each_mismatch),
        cmocka_unit_test (test_most_specific_reason),
        cmocka_unit_test (test_legal_ground),
        cmocka_unit_test (test_utf8_chars),
    };
    return cmocka_run_group_tests (tests, s_setup, NULL);
}
