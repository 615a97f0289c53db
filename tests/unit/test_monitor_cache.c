/*  test_monitor_cache - a report is handed out again only for the same
    page and the same whole filter (never another gemeente's), only while
    fresh, the oldest is replaced when full, and ttl 0 keeps nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "monitor_cache.h"

#include <stdlib.h>
#include <string.h>

static monitor_report_t *
s_report (monitor_page_t page, const char *gemeente, const char *gebied)
{
    monitor_report_t *r = calloc (1, sizeof *r);
    assert_non_null (r);
    r->page = page;
    r->filter.kind = MONITOR_PERIOD_LIVE;
    strcpy (r->filter.gemeente, gemeente);
    strcpy (r->filter.gebied, gebied);
    return r;
}

static monitor_report_filter_t
s_filter (const char *gemeente, const char *gebied)
{
    monitor_report_filter_t f;
    memset (&f, 0, sizeof f);
    f.kind = MONITOR_PERIOD_LIVE;
    strcpy (f.gemeente, gemeente);
    strcpy (f.gebied, gebied);
    return f;
}

static void
test_same_filter_only (void **state)
{
    (void)state;
    monitor_cache_t *c = monitor_cache_new (4, 1000);
    monitor_report_t *r = s_report (MONITOR_PAGE_KETEN, "0794", "");
    const monitor_report_t *kept = monitor_cache_put (c, &r, 100);
    assert_non_null (kept);
    assert_null (r);
    monitor_report_filter_t f = s_filter ("0794", "");
    assert_ptr_equal (monitor_cache_get (c, MONITOR_PAGE_KETEN, &f, 500), kept);
    /* another gemeente, the region, another gebied, another page, another period */
    monitor_report_filter_t other = s_filter ("0762", "");
    assert_null (monitor_cache_get (c, MONITOR_PAGE_KETEN, &other, 500));
    other = s_filter ("", "");
    assert_null (monitor_cache_get (c, MONITOR_PAGE_KETEN, &other, 500));
    other = s_filter ("0794", "Noord");
    assert_null (monitor_cache_get (c, MONITOR_PAGE_KETEN, &other, 500));
    assert_null (monitor_cache_get (c, MONITOR_PAGE_3D, &f, 500));
    other = f;
    other.kind = MONITOR_PERIOD_YEAR;
    strcpy (other.period, "2026");
    assert_null (monitor_cache_get (c, MONITOR_PAGE_KETEN, &other, 500));
    /* stale after ttl, and gone for good */
    assert_null (monitor_cache_get (c, MONITOR_PAGE_KETEN, &f, 1100));
    assert_null (monitor_cache_get (c, MONITOR_PAGE_KETEN, &f, 500));
    monitor_cache_destroy (&c);
    assert_null (c);
}

static void
test_full_replaces_oldest_and_same_key (void **state)
{
    (void)state;
    monitor_cache_t *c = monitor_cache_new (2, 10000);
    const char *g[] = { "0001", "0002", "0003" };
    for (int i = 0; i < 3; i++) {
        monitor_report_t *r = s_report (MONITOR_PAGE_KETEN, g[i], "");
        assert_non_null (monitor_cache_put (c, &r, 100 + i));
    }
    monitor_report_filter_t f1 = s_filter ("0001", ""), f2 = s_filter ("0002", ""),
                            f3 = s_filter ("0003", "");
    assert_null (monitor_cache_get (c, MONITOR_PAGE_KETEN, &f1, 200)); /* the oldest went */
    assert_non_null (monitor_cache_get (c, MONITOR_PAGE_KETEN, &f2, 200));
    const monitor_report_t *old3 = monitor_cache_get (c, MONITOR_PAGE_KETEN, &f3, 200);
    assert_non_null (old3);
    /* the same key again replaces it, not the other entry */
    monitor_report_t *r = s_report (MONITOR_PAGE_KETEN, "0003", "");
    const monitor_report_t *new3 = monitor_cache_put (c, &r, 300);
    assert_ptr_equal (monitor_cache_get (c, MONITOR_PAGE_KETEN, &f3, 301), new3);
    assert_non_null (monitor_cache_get (c, MONITOR_PAGE_KETEN, &f2, 301));
    monitor_cache_destroy (&c);
}

static void
test_ttl_zero_keeps_nothing (void **state)
{
    (void)state;
    monitor_cache_t *c = monitor_cache_new (4, 0);
    monitor_report_t *r = s_report (MONITOR_PAGE_3D, "", "");
    assert_null (monitor_cache_put (c, &r, 1));
    assert_non_null (r); /* still the caller's */
    monitor_report_filter_t f = s_filter ("", "");
    assert_null (monitor_cache_get (c, MONITOR_PAGE_3D, &f, 1));
    monitor_report_destroy (&r);
    monitor_cache_destroy (&c);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_same_filter_only),
        cmocka_unit_test (test_full_replaces_oldest_and_same_key),
        cmocka_unit_test (test_ttl_zero_keeps_nothing),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
