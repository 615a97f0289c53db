/*  test_kb_http - the pure parts of kb_http: CSV cells that a spreadsheet
    would run as a formula are quoted inert (also "-1+..." and a leading
    tab or CR), numbers stay numbers, and which listen addresses are
    loopback-only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ketenbus/kb_http.h"

#include <string.h>

static void
s_expect_csv (const char *cell, const char *want)
{
    kb_http_buf_t b = { 0 };
    kb_http_buf_csv (&b, cell);
    kb_http_buf_add (&b, "", 1);
    assert_string_equal (b.data, want);
    kb_http_buf_free (&b);
}

static void
test_csv_cells (void **state)
{
    (void)state;
    s_expect_csv ("cjg-helmond", "cjg-helmond");
    s_expect_csv ("-12", "-12");
    s_expect_csv ("-3,5", "\"-3,5\"");
    s_expect_csv ("80 %", "80 %");
    s_expect_csv ("a,b", "\"a,b\"");
    s_expect_csv ("say \"hi\"", "\"say \"\"hi\"\"\"");
    s_expect_csv ("=1+1", "\"'=1+1\"");
    s_expect_csv ("+31", "\"'+31\"");
    s_expect_csv ("@SUM(A1)", "\"'@SUM(A1)\"");
    s_expect_csv ("-1+HYPERLINK(\"x\")", "\"'-1+HYPERLINK(\"\"x\"\")\"");
    s_expect_csv ("\t=1", "\"'\t=1\"");
    s_expect_csv ("\r=1", "\"'\r=1\"");
    s_expect_csv ("-", "\"'-\"");
    s_expect_csv ("", "");
}

static void
test_loopback (void **state)
{
    (void)state;
    assert_true (kb_http_listen_is_loopback ("127.0.0.1:8480"));
    assert_true (kb_http_listen_is_loopback ("127.1.2.3:80"));
    assert_true (kb_http_listen_is_loopback ("[::1]:8480"));
    assert_false (kb_http_listen_is_loopback ("0.0.0.0:8480"));
    assert_false (kb_http_listen_is_loopback ("10.0.0.5:8480"));
    assert_false (kb_http_listen_is_loopback ("[::]:8480"));
    assert_false (kb_http_listen_is_loopback ("localhost:8480")); /* numeric only */
    assert_false (kb_http_listen_is_loopback ("garbage"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_csv_cells),
        cmocka_unit_test (test_loopback),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
