/*  test_monitor_targets - period parsing and ranges, median/p90,
    percentages against a base, the tariff file and the cost rule, on
    figures worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ketenbus/kb_validate.h"
#include "monitor_targets.h"

#include <math.h>
#include <string.h>

static int32_t
s_day (int y, int m, int d)
{
    return kb_days_from_civil (y, m, d);
}

static void
test_filter_parse (void **state)
{
    (void)state;
    monitor_report_filter_t f;
    const char *why = NULL;
    assert_int_equal (monitor_targets_filter_parse (&f, "month", "2026-11", "0794", "", &why), 0);
    assert_int_equal (f.kind, MONITOR_PERIOD_MONTH);
    assert_string_equal (f.period, "2026-11");
    assert_string_equal (f.gemeente, "0794");
    assert_int_equal (
      monitor_targets_filter_parse (&f, "quarter", "2026-q4", "", "Helmond Noord", &why), 0);
    assert_string_equal (f.period, "2026-Q4");
    assert_string_equal (f.gebied, "Helmond-Noord");
    assert_int_equal (monitor_targets_filter_parse (&f, "year", "2026", NULL, NULL, &why), 0);
    assert_int_equal (monitor_targets_filter_parse (&f, NULL, NULL, NULL, NULL, &why), 0);
    assert_int_equal (f.kind, MONITOR_PERIOD_LIVE);
    /* what does not fit */
    const char *bad[][4] = { { "week", "", "", "" },
                             { "month", "2026-13", "", "" },
                             { "month", "2026-1", "", "" },
                             { "quarter", "2026-Q5", "", "" },
                             { "year", "26", "", "" },
                             { "live", "2026", "", "" },
                             { "month", "", "", "" },
                             { "year", "2026", "GM 0794", "" },
                             { "year", "2026", "0794", "" }, /* fits */
                             { "year", "2026", "GM0794", "" },
                             { "year", "2026", "079", "" },
                             { "year", "2026", "", " noord" },
                             { "year", "2026", "", "noord\t" } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        int rc =
          monitor_targets_filter_parse (&f, bad[i][0], bad[i][1], bad[i][2], bad[i][3], &why);
        if (i == 8) {
            assert_int_equal (rc, 0);
            continue;
        }
        assert_int_equal (rc, -1);
        assert_non_null (why);
    }
    assert_int_equal (monitor_targets_filter_parse (&f, "year", "2026", "07940", "", &why), -1);
}

static void
test_period_days (void **state)
{
    (void)state;
    monitor_report_filter_t f;
    const char *why;
    int32_t from, to;
    monitor_targets_filter_parse (&f, "month", "2026-02", "", "", &why);
    assert_int_equal (monitor_targets_period_days (&f, 0, &from, &to), 0);
    assert_int_equal (from, s_day (2026, 2, 1));
    assert_int_equal (to, s_day (2026, 2, 28));
    monitor_targets_filter_parse (&f, "month", "2028-02", "", "", &why);
    monitor_targets_period_days (&f, 0, &from, &to);
    assert_int_equal (to, s_day (2028, 2, 29));
    monitor_targets_filter_parse (&f, "quarter", "2026-Q4", "", "", &why);
    monitor_targets_period_days (&f, 0, &from, &to);
    assert_int_equal (from, s_day (2026, 10, 1));
    assert_int_equal (to, s_day (2026, 12, 31));
    monitor_targets_filter_parse (&f, "year", "2025", "", "", &why);
    monitor_targets_period_days (&f, 0, &from, &to);
    assert_int_equal (from, s_day (2025, 1, 1));
    assert_int_equal (to, s_day (2025, 12, 31));
    monitor_targets_filter_parse (&f, "live", "", "", "", &why);
    monitor_targets_period_days (&f, s_day (2026, 11, 27), &from, &to);
    assert_int_equal (to, s_day (2026, 11, 27));
    assert_int_equal (from, s_day (1900, 1, 1));
    /* the trend window: 12 months ending with the period's month */
    assert_int_equal (monitor_targets_month_start (s_day (2026, 11, 27), -11), s_day (2025, 12, 1));
    assert_int_equal (monitor_targets_month_start (s_day (2026, 1, 31), 1), s_day (2026, 2, 1));
    char d[11];
    monitor_targets_date (s_day (2026, 3, 9), d);
    assert_string_equal (d, "2026-03-09");
}

static void
test_percentiles (void **state)
{
    (void)state;
    int a[] = { 10, 1, 7, 3, 5 };
    assert_true (fabs (monitor_targets_percentile (a, 5, 0.5) - 5.0) < 1e-9);
    int b[] = { 10, 1, 7, 3, 5 };
    /* rank 0.9 * 4 = 3.6: 7 + 0.6 * (10 - 7) */
    assert_true (fabs (monitor_targets_percentile (b, 5, 0.9) - 8.8) < 1e-9);
    int c[] = { 4, 2, 8, 6 };
    assert_true (fabs (monitor_targets_percentile (c, 4, 0.5) - 5.0) < 1e-9);
    int one[] = { 42 };
    assert_true (monitor_targets_percentile (one, 1, 0.9) == 42.0);
    assert_true (isnan (monitor_targets_percentile (one, 0, 0.5)));
    int ten[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 90 };
    assert_true (fabs (monitor_targets_percentile (ten, 10, 0.9) - 8.82) > 1); /* 8 + 0.1*82 */
    assert_true (fabs (monitor_targets_percentile (ten, 10, 0.9) - 16.2) < 1e-9);
}

static void
test_pct (void **state)
{
    (void)state;
    assert_true (fabs (monitor_targets_pct (80, 100, 10, 5) - 80.0) < 1e-9);
    assert_true (isnan (monitor_targets_pct (8, 9, 10, 5))); /* base below threshold */
    assert_true (isnan (monitor_targets_pct (0, 0, 1, 1)));
    assert_true (fabs (monitor_targets_pct (1, 3, 1, 1) - 100.0 / 3) < 1e-9);
    /* 1 of 12 home, 11 independent: 8 % and 92 % next to a base of 10
       would give the suppressed 1 and 11 away */
    assert_true (isnan (monitor_targets_pct (1, 12, 10, 5)));
    assert_true (isnan (monitor_targets_pct (11, 12, 10, 5)));
    /* from the published (rounded) counts only: 45 of 62 is 45/60 */
    assert_true (fabs (monitor_targets_pct (45, 62, 10, 5) - 75.0) < 1e-9);
    assert_true (fabs (monitor_targets_pct (0, 20, 10, 5) - 0.0) < 1e-9);
    assert_true (fabs (monitor_targets_pct (20, 20, 10, 5) - 100.0) < 1e-9);
    assert_true (isnan (monitor_targets_pct (21, 20, 10, 5)));
}

static void
test_tariffs (void **state)
{
    (void)state;
    int bad = -1;
    monitor_targets_tariffs_t *t = monitor_targets_tariffs_parse ("# comment\n"
                                                                  "02 uur 6250   # begeleiding\n"
                                                                  "\n"
                                                                  "  41 etmaal 21000\n",
                                                                  &bad);
    assert_non_null (t);
    assert_int_equal (monitor_targets_tariffs_count (t), 2);
    assert_int_equal (monitor_targets_tariff (t, "02", 2), 6250);
    assert_int_equal (monitor_targets_tariff (t, "02", 3), -1);
    assert_int_equal (monitor_targets_tariff (t, "41", 4), 21000);
    assert_int_equal (monitor_targets_tariff (t, "99", 2), -1);
    assert_int_equal (monitor_targets_tariff (t, "99", 6), 100); /* euro */
    monitor_targets_tariffs_destroy (&t);
    assert_null (t);
    assert_null (monitor_targets_tariffs_parse ("02 uur 6250\n02 week 10\n", &bad));
    assert_int_equal (bad, 2);
    assert_null (monitor_targets_tariffs_parse ("02 uur -5\n", &bad));
    assert_null (monitor_targets_tariffs_parse ("02 uur 5 extra\n", &bad));
    assert_null (monitor_targets_tariffs_load ("/nonexistent/tariffs.conf", &bad));
    assert_int_equal (bad, 0);
    /* the example file of deploy/config parses */
    t = monitor_targets_tariffs_load (KB_MIGRATIONS_DIR "/../config/tariffs.conf", &bad);
    assert_non_null (t);
    assert_true (monitor_targets_tariffs_count (t) >= 5);
    monitor_targets_tariffs_destroy (&t);
}

static void
test_cost_rule (void **state)
{
    (void)state;
    monitor_targets_tariffs_t *t =
      monitor_targets_tariffs_parse ("02 uur 6000\n03 dagdeel 5000\n", NULL);
    int32_t nov1 = s_day (2026, 11, 1), nov30 = s_day (2026, 11, 30);
    /* 2 hours a week from 2026-11-01, open: 30 days * 2/7 h * 60 euro = 514.29 euro */
    monitor_targets_care_t c = { "02", 2, 2, 2, 0, nov1, INT32_MAX };
    assert_int_equal (monitor_targets_cost_cents (&c, nov1, nov30, t), 51429);
    /* started mid-month: 2026-11-16..30 = 15 days */
    c.start = s_day (2026, 11, 16);
    assert_int_equal (monitor_targets_cost_cents (&c, nov1, nov30, t), 25714);
    /* stopped before the period: nothing */
    c.start = s_day (2026, 1, 1);
    c.end = s_day (2026, 10, 31);
    assert_int_equal (monitor_targets_cost_cents (&c, nov1, nov30, t), 0);
    /* per month: 4 dagdelen a month for November = 4 * 12/365 * 30 * 50 euro = 197.26 euro */
    monitor_targets_care_t m = { "03", 3, 3, 4, 0, s_day (2026, 1, 1), INT32_MAX };
    assert_int_equal (monitor_targets_cost_cents (&m, nov1, nov30, t), 19726);
    /* a total of 10 hours over 2026-11-01..2026-12-10 (40 days): 30/40 of 600 euro */
    monitor_targets_care_t tot = { "02", 2, 5, 10, 0, nov1, s_day (2026, 12, 10) };
    assert_int_equal (monitor_targets_cost_cents (&tot, nov1, nov30, t), 45000);
    /* a budget wins over the tariff: 1200 euro over 2026-11-01..2027-01-29 (90 days) */
    monitor_targets_care_t b = { "02", 2, 2, 2, 120000, nov1, s_day (2027, 1, 29) };
    assert_int_equal (monitor_targets_cost_cents (&b, nov1, nov30, t), 40000);
    /* an open budget is a year's budget: 365 euro, 30 days */
    b.cost_cents = 36500;
    b.end = INT32_MAX;
    assert_int_equal (monitor_targets_cost_cents (&b, nov1, nov30, t), 3000);
    /* euro as unit: 100 euro a month, no tariff needed */
    monitor_targets_care_t e = { "PGB", 6, 3, 100, 0, s_day (2026, 1, 1), INT32_MAX };
    assert_int_equal (monitor_targets_cost_cents (&e, nov1, nov30, NULL), 9863);
    /* no budget and no tariff: not priced */
    monitor_targets_care_t u = { "77", 2, 2, 1, 0, nov1, INT32_MAX };
    assert_int_equal (monitor_targets_cost_cents (&u, nov1, nov30, t), -1);
    assert_int_equal (monitor_targets_cost_cents (&u, nov1, nov30, NULL), -1);
    monitor_targets_tariffs_destroy (&t);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_filter_parse), cmocka_unit_test (test_period_days),
        cmocka_unit_test (test_percentiles),  cmocka_unit_test (test_pct),
        cmocka_unit_test (test_tariffs),      cmocka_unit_test (test_cost_rule),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
