/*  test_kb_validate - unit tests for the pure field validators

    Table-driven: each table row names its input and the expected answer,
    and a mismatch reports the row so a failure points at the case.
*/

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ketenbus/kb_validate.h"

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a) [0]))

//  Day numbers checked against Python's datetime.date arithmetic
#define DAYS_1900_01_01 (-25567)
#define DAYS_2199_12_31 84005
#define DAYS_2024_02_29 19782
#define DAYS_2024_06_15 19889

typedef struct {
    const char *input;
    bool expected;
} string_case_t;

static const char *
s_show (const char *s)
{
    return s ? s : "(null)";
}

static void
s_check_strings (const string_case_t *cases, size_t n,
                 bool (*fn) (const char *), const char *name)
{
    for (size_t i = 0; i < n; i++) {
        bool got = fn (cases [i].input);
        if (got != cases [i].expected)
            fail_msg ("%s (\"%s\") returned %d, expected %d (row %zu)",
                      name, s_show (cases [i].input), got,
                      cases [i].expected, i);
    }
}

//  Day number of a fixture date that must itself be valid
static int32_t
s_days (const char *date)
{
    int32_t days = 0;
    if (!kb_validate_date (date, &days))
        fail_msg ("fixture date \"%s\" is not valid", date);
    return days;
}

static bool
s_is_leap (int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

//  --------------------------------------------------------------------------
//  BSN

static void
test_bsn (void **state)
{
    (void) state;
    //  Valid numbers worked out by hand, e.g. 123456782:
    //  9*1+8*2+7*3+6*4+5*5+4*6+3*7+2*8 = 156, 156 - 2 = 154 = 14 * 11
    static const string_case_t cases [] = {
        { "111222333", true },      //  69 - 3 = 66
        { "123456782", true },
        { "999999990", true },      //  9*44 = 396 = 36 * 11, minus 0
        { "100000009", true },      //  9 - 9 = 0
        { "010000008", true },      //  8 - 8 = 0
        { "001000007", true },      //  7 - 7 = 0
        { "012345672", true },      //  134 - 2 = 132 = 12 * 11
        { "111111110", true },      //  44 - 0
        { "222222220", true },      //  88 - 0
        { "555555550", true },      //  220 - 0
        //  wrong check digit
        { "111222334", false },
        { "123456789", false },
        { "123456783", false },
        { "999999999", false },
        { "111111111", false },
        { "010000004", false },
        //  weighted sum is 10 mod 11: no check digit can make it valid
        { "246813578", false },
        //  passes the formula but is never issued
        { "000000000", false },
        //  length
        { "12345678", false },
        { "1234567820", false },
        { "0123456782", false },
        { "", false },
        //  non-digits
        { "12345678a", false },
        { "a23456782", false },
        { "1234 5678", false },
        { " 123456782", false },
        { "123456782 ", false },
        { "12345678\n", false },
        { "-12345678", false },
        { "+12345678", false },
        { NULL, false },
    };
    s_check_strings (cases, N_ELEMENTS (cases), kb_validate_bsn, "kb_validate_bsn");
}

static void
test_holds_bsn (void **state)
{
    (void) state;
    //  A run of exactly 9 digits passing the elfproef, anywhere in the text
    static const string_case_t cases [] = {
        { "123456782", true },
        { "CASE-123456782", true },
        { "CASE123456782", true },
        { "123456782/2024", true },
        { "dossier 12-111222333-a", true },
        { "J. Jansen (bsn 999999990)", true },
        { "2024-0042 en 123456782", true },
        { "0f8fad5b-d9cb-469f-a165-123456782abc-x", true },     //  not a whole UUID
        //  no BSN: 8 or 10+ digits, the elfproef fails, 000000000
        { "CASE-12345678", false },
        { "CASE-1234567820", false },
        { "CASE-0123456782", false },
        { "CASE-123456789", false },
        { "CASE-000000000", false },
        { "1234 5678 2", false },
        { "CJG-2024-0042", false },
        { "0492-123456", false },
        { "", false },
        { NULL, false },
        //  a whole UUID is an id: its hex may hold such a run by chance
        { "0f8fad5b-d9cb-469f-a165-123456782abc", false },
        { "0F8FAD5B-D9CB-469F-A165-123456782ABC", false },
        //  nor a hash: 16+ hex characters in a row (a POT trajectory id)
        { "pot-3a9c123456782bcdefabcdefabcdefab", false },
        { "abcdef123456782", true },                            //  15: not hash-like
    };
    s_check_strings (cases, N_ELEMENTS (cases), kb_validate_holds_bsn, "kb_validate_holds_bsn");
}

//  --------------------------------------------------------------------------
//  Dates

static void
test_date_valid (void **state)
{
    (void) state;
    static const struct {
        const char *input;
        int32_t days;
    } cases [] = {
        { "1970-01-01", 0 },
        { "1969-12-31", -1 },
        { "1900-01-01", DAYS_1900_01_01 },
        { "2199-12-31", DAYS_2199_12_31 },
        { "2000-02-29", 11016 },        //  divisible by 400: leap
        { "2024-02-29", DAYS_2024_02_29 },
        { "2024-06-15", DAYS_2024_06_15 },
        { "2025-01-01", 20089 },
        { "2023-04-30", 19477 },
        { "2023-12-31", 19722 },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        int32_t days = INT32_MIN;
        if (!kb_validate_date (cases [i].input, &days))
            fail_msg ("\"%s\" rejected", cases [i].input);
        if (days != cases [i].days)
            fail_msg ("\"%s\" gave %d days, expected %d",
                      cases [i].input, days, cases [i].days);
        //  days_out is optional
        assert_true (kb_validate_date (cases [i].input, NULL));
    }
}

static void
test_date_invalid (void **state)
{
    (void) state;
    static const char *cases [] = {
        "2023-02-29",       //  not a leap year
        "1900-02-29",       //  divisible by 100, not by 400
        "2100-02-29",
        "2024-02-30",
        "2023-04-31",
        "2023-06-31",
        "2023-09-31",
        "2023-11-31",
        "2023-01-32",
        "2023-13-01",
        "2023-00-10",
        "2023-01-00",
        "1899-12-31",       //  below the supported range
        "2200-01-01",       //  above the supported range
        "0000-01-01",
        "2023-1-01",
        "2023-01-1",
        "23-01-01",
        "2023-01-011",
        "2023-01-01 ",
        "2023-01-01T00:00:00Z",
        "2023-01-01\n",
        " 2023-01-01",
        "2023/01/01",
        "20230101",
        "2023-0a-01",
        "2023-01-0a",
        "+023-01-01",
        "2023-01",
        "2023",
        "",
        NULL,
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        int32_t days = 12345;
        if (kb_validate_date (cases [i], &days))
            fail_msg ("\"%s\" accepted", s_show (cases [i]));
        //  An invalid date must not leave a plausible day number behind
        if (days != 12345)
            fail_msg ("\"%s\" changed days_out", s_show (cases [i]));
    }
}

//  Walks every day of the supported range: each next calendar day must be
//  one day number later, parse back to the same number, and the day past
//  each month's end must be rejected.
static void
test_date_every_day (void **state)
{
    (void) state;
    int32_t expected = DAYS_1900_01_01;
    int leap_days = 0;
    char buf [32];

    for (int y = 1900; y <= 2199; y++) {
        for (int m = 1; m <= 12; m++) {
            static const int dim [12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
            int last = dim [m - 1] + (m == 2 && s_is_leap (y) ? 1 : 0);
            for (int d = 1; d <= last; d++) {
                if (kb_days_from_civil (y, m, d) != expected)
                    fail_msg ("kb_days_from_civil (%d, %d, %d) = %d, expected %d",
                              y, m, d, kb_days_from_civil (y, m, d), expected);
                snprintf (buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
                int32_t days = 0;
                if (!kb_validate_date (buf, &days) || days != expected)
                    fail_msg ("\"%s\" did not parse to %d", buf, expected);
                if (m == 2 && d == 29)
                    leap_days++;
                expected++;
            }
            snprintf (buf, sizeof buf, "%04d-%02d-%02d", y, m, last + 1);
            if (kb_validate_date (buf, NULL))
                fail_msg ("\"%s\" accepted", buf);
        }
    }
    //  The walk must land exactly one past the independently known last day
    assert_int_equal (expected - 1, DAYS_2199_12_31);
    //  1900, 2100 are not leap years; 2000 is: 300 / 4 - 2 = 73
    assert_int_equal (leap_days, 73);
}

static void
test_days_from_civil (void **state)
{
    (void) state;
    static const struct {
        int y, m, d;
        int32_t days;
    } cases [] = {
        { 1970, 1, 1, 0 },
        { 1970, 1, 2, 1 },
        { 1969, 12, 31, -1 },
        { 1970, 3, 1, 59 },
        { 2000, 3, 1, 11017 },
        { 2024, 2, 29, DAYS_2024_02_29 },
        { 1, 1, 1, -719162 },           //  proleptic Gregorian, before any real calendar
        { 0, 3, 1, -719468 },           //  Hinnant's era origin
        { 9999, 12, 31, 2932896 },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        int32_t got = kb_days_from_civil (cases [i].y, cases [i].m, cases [i].d);
        if (got != cases [i].days)
            fail_msg ("kb_days_from_civil (%d, %d, %d) = %d, expected %d",
                      cases [i].y, cases [i].m, cases [i].d, got, cases [i].days);
    }
}

static void
test_past_date (void **state)
{
    (void) state;
    static const struct {
        const char *input;
        int32_t today;
        int max_age_years;
        kb_date_check_t expected;
    } cases [] = {
        //  today is 2024-06-15
        { "2024-06-15", DAYS_2024_06_15, 120, KB_DATE_OK },
        { "2024-06-14", DAYS_2024_06_15, 120, KB_DATE_OK },
        { "2024-06-16", DAYS_2024_06_15, 120, KB_DATE_IN_FUTURE },
        { "2199-12-31", DAYS_2024_06_15, 120, KB_DATE_IN_FUTURE },
        { "2004-06-15", DAYS_2024_06_15, 20, KB_DATE_OK },        //  exactly 20 years
        { "2004-06-14", DAYS_2024_06_15, 20, KB_DATE_TOO_OLD },
        { "1904-06-15", DAYS_2024_06_15, 120, KB_DATE_OK },
        { "1904-06-14", DAYS_2024_06_15, 120, KB_DATE_TOO_OLD },
        { "1900-01-01", DAYS_2024_06_15, 120, KB_DATE_TOO_OLD },
        { "2024-06-15", DAYS_2024_06_15, 0, KB_DATE_OK },
        { "2024-06-14", DAYS_2024_06_15, 0, KB_DATE_TOO_OLD },
        //  a limit reaching before 1900 excludes nothing, and must not overflow
        { "1900-01-01", DAYS_2024_06_15, 125, KB_DATE_OK },
        { "1900-01-01", DAYS_2024_06_15, 200, KB_DATE_OK },
        { "1900-01-01", DAYS_2024_06_15, INT_MAX, KB_DATE_OK },
        { "2024-06-16", DAYS_2024_06_15, INT_MAX, KB_DATE_IN_FUTURE },
        //  today is 2024-02-29: one year back falls on 2023-02-28
        { "2023-02-28", DAYS_2024_02_29, 1, KB_DATE_OK },
        { "2023-02-27", DAYS_2024_02_29, 1, KB_DATE_TOO_OLD },
        { "2020-02-29", DAYS_2024_02_29, 4, KB_DATE_OK },
        { "2020-02-28", DAYS_2024_02_29, 4, KB_DATE_TOO_OLD },
        //  today before 1970: negative day numbers
        { "1960-01-01", -3653, 10, KB_DATE_OK },                  //  today 1960-01-01
        { "1950-01-01", -3653, 10, KB_DATE_OK },
        { "1949-12-31", -3653, 10, KB_DATE_TOO_OLD },
        { "1960-01-02", -3653, 10, KB_DATE_IN_FUTURE },
        //  malformed wins over every other answer
        { "2023-02-29", DAYS_2024_06_15, 120, KB_DATE_MALFORMED },
        { "1899-12-31", DAYS_2024_06_15, 120, KB_DATE_MALFORMED },
        { "2024-6-15", DAYS_2024_06_15, 120, KB_DATE_MALFORMED },
        { "", DAYS_2024_06_15, 120, KB_DATE_MALFORMED },
        { NULL, DAYS_2024_06_15, 120, KB_DATE_MALFORMED },
    };
    assert_int_equal (kb_days_from_civil (1960, 1, 1), -3653);
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        kb_date_check_t got = kb_validate_past_date (
            cases [i].input, cases [i].today, cases [i].max_age_years);
        if (got != cases [i].expected)
            fail_msg ("kb_validate_past_date (\"%s\", %d, %d) = %d, expected %d",
                      s_show (cases [i].input), cases [i].today,
                      cases [i].max_age_years, got, cases [i].expected);
    }
}

//  --------------------------------------------------------------------------
//  Age

static void
test_age_years (void **state)
{
    (void) state;
    static const struct {
        const char *birth;
        const char *today;
        int expected;
    } cases [] = {
        { "2000-06-15", "2024-06-14", 23 },     //  day before the birthday
        { "2000-06-15", "2024-06-15", 24 },     //  on the birthday
        { "2000-06-15", "2024-06-16", 24 },
        { "2000-06-15", "2000-06-15", 0 },      //  born today
        { "2000-06-15", "2001-06-14", 0 },
        { "2000-06-15", "2001-06-15", 1 },
        { "2000-01-01", "2017-12-31", 17 },     //  year boundary
        { "2000-01-01", "2018-01-01", 18 },
        { "1999-12-31", "2017-12-30", 17 },
        { "1999-12-31", "2017-12-31", 18 },
        //  born on a leap day: a year older on 1 March in non-leap years
        { "2000-02-29", "2023-02-28", 22 },
        { "2000-02-29", "2023-03-01", 23 },
        { "2000-02-29", "2024-02-28", 23 },
        { "2000-02-29", "2024-02-29", 24 },
        { "2000-02-29", "2024-03-01", 24 },
        { "2000-02-29", "2001-02-28", 0 },
        { "2000-02-29", "2001-03-01", 1 },
        //  today is a leap day, birthday 28 February or 1 March
        { "2001-02-28", "2024-02-29", 23 },
        { "2001-03-01", "2024-02-29", 22 },
        //  born before 1970: negative day numbers
        { "1950-05-10", "2024-05-09", 73 },
        { "1950-05-10", "2024-05-10", 74 },
        { "1900-01-01", "2199-12-31", 299 },
        { "1960-01-01", "1969-12-31", 9 },
        { "1960-01-01", "1970-01-01", 10 },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        int got = kb_age_years (s_days (cases [i].birth), s_days (cases [i].today));
        if (got != cases [i].expected)
            fail_msg ("age of \"%s\" on \"%s\" = %d, expected %d",
                      cases [i].birth, cases [i].today, got, cases [i].expected);
    }
    //  birth after today is no age at all
    assert_int_equal (kb_age_years (s_days ("2024-06-16"), s_days ("2024-06-15")), -1);
    assert_int_equal (kb_age_years (1, 0), -1);
    assert_int_equal (kb_age_years (s_days ("2030-01-01"), s_days ("2024-06-15")), -1);
    //  extreme day numbers must not overflow
    assert_int_equal (kb_age_years (INT32_MAX, INT32_MAX), 0);
    assert_int_equal (kb_age_years (INT32_MIN, INT32_MIN), 0);
    assert_true (kb_age_years (INT32_MIN, INT32_MAX) > 11000000);
}

//  --------------------------------------------------------------------------
//  Postcode

static void
test_postcode_valid (void **state)
{
    (void) state;
    static const struct {
        const char *input;
        const char *normalised;
    } cases [] = {
        { "1234AB", "1234AB" },
        { "1234 AB", "1234AB" },
        { "1234 ab", "1234AB" },
        { "1234aB", "1234AB" },
        { "9999ZZ", "9999ZZ" },
        { "1000AA", "1000AA" },
        { "1234SB", "1234SB" },         //  only SA, SD and SS are excluded
        { "1234SZ", "1234SZ" },
        { "1234AS", "1234AS" },
        { "1234DS", "1234DS" },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        char out [7];
        memset (out, 'x', sizeof out);
        if (!kb_validate_postcode (cases [i].input, out))
            fail_msg ("\"%s\" rejected", cases [i].input);
        assert_string_equal (out, cases [i].normalised);
        //  out is optional
        assert_true (kb_validate_postcode (cases [i].input, NULL));
    }
}

static void
test_postcode_invalid (void **state)
{
    (void) state;
    static const char *cases [] = {
        "0123AB",           //  first digit 0
        "1234SA",           //  reserved letter pairs, in every case
        "1234SD",
        "1234SS",
        "1234sa",
        "1234 sd",
        "1234sS",
        "1234A",
        "1234",
        "1234 ",
        "1234 A",
        "12345AB",
        "123AB",
        "1234ABC",
        "1234 ABC",
        "1234AB ",
        " 1234AB",
        "1234  AB",         //  only a single space
        "1234\tAB",
        "1234-AB",
        "1234A1",
        "12a4AB",
        "1234\xc3\x84""B",  //  non-ASCII letter
        "1234@B",
        "1234[B",
        "",
        NULL,
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        char out [7] = "------";
        if (kb_validate_postcode (cases [i], out))
            fail_msg ("\"%s\" accepted", s_show (cases [i]));
        //  a rejected postcode leaves out alone
        assert_string_equal (out, "------");
    }
}

//  --------------------------------------------------------------------------
//  Gemeentecode

static void
test_gemeente_code_format (void **state)
{
    (void) state;
    static const string_case_t cases [] = {
        { "0363", true },           //  Amsterdam
        { "0518", true },
        { "1680", true },
        { "0000", true },           //  format only, not existence
        { "363", false },
        { "03630", false },
        { "03a3", false },
        { " 363", false },
        { "0363 ", false },
        { "GM0363", false },
        { "", false },
        { NULL, false },
    };
    s_check_strings (cases, N_ELEMENTS (cases),
                     kb_validate_gemeente_code_format, "kb_validate_gemeente_code_format");
}

//  --------------------------------------------------------------------------
//  Text

static void
test_text (void **state)
{
    (void) state;
    static const struct {
        const char *input;
        size_t min_len, max_len;
        bool expected;
    } cases [] = {
        { "Zo\xc3\xab", 1, 100, true },            //  "Zoë": 3 characters, 4 bytes
        { "Zo\xc3\xab", 4, 4, true },              //  length counts bytes
        { "Zo\xc3\xab", 1, 3, false },
        { "Zo\xc3\xab", 5, 100, false },
        { "", 0, 10, true },
        { "", 1, 10, false },
        { "a", 0, 0, false },
        { "abc", 3, 3, true },
        { "abc", 4, 3, false },                    //  empty range
        { "Jan de Vries", 1, 200, true },
        { " ~", 1, 10, true },                     //  printable ASCII edges
        { "\xe2\x82\xac", 1, 10, true },           //  U+20AC euro sign
        { "\xf0\x9f\x98\x80", 1, 10, true },       //  U+1F600, four bytes
        { "\xc2\x80", 1, 10, true },               //  U+0080, smallest 2-byte
        { "\xdf\xbf", 1, 10, true },               //  U+07FF
        { "\xe0\xa0\x80", 1, 10, true },           //  U+0800, smallest 3-byte
        { "\xed\x9f\xbf", 1, 10, true },           //  U+D7FF, just below surrogates
        { "\xee\x80\x80", 1, 10, true },           //  U+E000, just above surrogates
        { "\xef\xbf\xbf", 1, 10, true },           //  U+FFFF
        { "\xf0\x90\x80\x80", 1, 10, true },       //  U+10000, smallest 4-byte
        { "\xf4\x8f\xbf\xbf", 1, 10, true },       //  U+10FFFF, the last code point
        //  overlongs
        { "\xc0\xaf", 0, 10, false },
        { "\xc1\xbf", 0, 10, false },
        { "\xe0\x80\xaf", 0, 10, false },
        { "\xe0\x9f\xbf", 0, 10, false },
        { "\xf0\x80\x80\xaf", 0, 10, false },
        { "\xf0\x8f\xbf\xbf", 0, 10, false },
        //  surrogates
        { "\xed\xa0\x80", 0, 10, false },          //  U+D800
        { "\xed\xbf\xbf", 0, 10, false },          //  U+DFFF
        { "\xed\xa0\xbd\xed\xb8\x80", 0, 10, false },  //  CESU-8 pair
        //  above U+10FFFF and never-valid bytes
        { "\xf4\x90\x80\x80", 0, 10, false },
        { "\xf5\x80\x80\x80", 0, 10, false },
        { "\xf8\x88\x80\x80\x80", 0, 10, false },
        { "\xfe", 0, 10, false },
        { "\xff", 0, 10, false },
        //  truncated and stray sequences
        { "\xe2\x82", 0, 10, false },
        { "\xe2\x82" "a", 0, 10, false },
        { "\xc3", 0, 10, false },
        { "Zo\xc3", 0, 10, false },
        { "\xf0\x9f\x98", 0, 10, false },
        { "\x80", 0, 10, false },
        { "a\xbf" "b", 0, 10, false },
        { "\xc3\xab\xab", 0, 10, false },
        { "\xc3\x28", 0, 10, false },
        //  control characters, including whitespace ones, and DEL
        { "\x01", 0, 10, false },
        { "a\x01" "b", 0, 10, false },
        { "a\tb", 0, 10, false },
        { "a\nb", 0, 10, false },
        { "a\rb", 0, 10, false },
        { "\x1b[0m", 0, 10, false },
        { "\x1f", 0, 10, false },
        { "\x7f", 0, 10, false },
        { NULL, 0, 10, false },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        bool got = kb_validate_text (cases [i].input, cases [i].min_len, cases [i].max_len);
        if (got != cases [i].expected)
            fail_msg ("kb_validate_text (row %zu, min %zu, max %zu) returned %d",
                      i, cases [i].min_len, cases [i].max_len, got);
    }
}

static void
test_text_long (void **state)
{
    (void) state;
    //  A long input is judged on its byte length against the bounds
    char buf [1001];
    memset (buf, 'a', 1000);
    buf [1000] = '\0';
    assert_true (kb_validate_text (buf, 1, 1000));
    assert_false (kb_validate_text (buf, 1, 999));
    assert_false (kb_validate_text (buf, 1001, 2000));
    //  a bad byte at the very end is still found
    buf [999] = '\x01';
    assert_false (kb_validate_text (buf, 1, 1000));
}

//  --------------------------------------------------------------------------
//  Message id

static void
test_message_id (void **state)
{
    (void) state;
    static const string_case_t cases [] = {
        { "123e4567-e89b-12d3-a456-426614174000", true },     //  v1, variant a
        { "f47ac10b-58cc-4372-a567-0e02b2c3d479", true },     //  v4
        { "01890a5d-ac96-774b-bcce-b302099a8057", true },     //  v7, variant b
        { "00000000-0000-8000-8000-000000000000", true },     //  v8, variant 8
        { "ffffffff-ffff-5fff-9fff-ffffffffffff", true },     //  v5, variant 9
        //  upper case
        { "F47AC10B-58CC-4372-A567-0E02B2C3D479", false },
        { "f47ac10b-58cc-4372-a567-0e02b2c3d47A", false },
        //  dashes
        { "f47ac10b58cc-4372-a567-0e02b2c3d479", false },
        { "f47ac10b-58cc-4372-a5670e02b2c3d479", false },
        { "f47ac10b58cc4372a5670e02b2c3d479", false },
        { "f47ac10-b58cc-4372-a567-0e02b2c3d479", false },
        { "f47ac10b-58cc-4372-a567-0e02b2c3d4-9", false },
        //  length
        { "f47ac10b-58cc-4372-a567-0e02b2c3d47", false },
        { "f47ac10b-58cc-4372-a567-0e02b2c3d4790", false },
        { "f47ac10b-58cc-4372-a567-0e02b2c3d479 ", false },
        { "{f47ac10b-58cc-4372-a567-0e02b2c3d479}", false },
        //  version nibble
        { "f47ac10b-58cc-0372-a567-0e02b2c3d479", false },
        { "f47ac10b-58cc-9372-a567-0e02b2c3d479", false },
        { "f47ac10b-58cc-f372-a567-0e02b2c3d479", false },
        { "00000000-0000-0000-0000-000000000000", false },    //  nil UUID
        { "ffffffff-ffff-ffff-ffff-ffffffffffff", false },    //  max UUID
        //  variant nibble
        { "f47ac10b-58cc-4372-7567-0e02b2c3d479", false },
        { "f47ac10b-58cc-4372-c567-0e02b2c3d479", false },
        { "f47ac10b-58cc-4372-0567-0e02b2c3d479", false },
        //  not hex
        { "g47ac10b-58cc-4372-a567-0e02b2c3d479", false },
        { "f47ac10b-58cc-4372-a567-0e02b2c3d47z", false },
        { "", false },
        { NULL, false },
    };
    s_check_strings (cases, N_ELEMENTS (cases),
                     kb_validate_message_id, "kb_validate_message_id");
}

//  --------------------------------------------------------------------------
//  Phone

static void
test_phone (void **state)
{
    (void) state;
    static const string_case_t cases [] = {
        { "", true },                           //  no number given
        { "0612345678", true },
        { "+31 6 1234 5678", true },
        { "+31-20-1234567", true },
        { "020-1234567", true },
        { "123456", true },                     //  shortest
        { "12345678901234567890", true },       //  longest, 20 chars
        { "+31 (0)20 1234567", false },         //  parentheses
        { "12345", false },                     //  5 chars
        { "+-- 12345", false },                 //  long enough, only 5 digits
        { "      ", false },                    //  no digits at all
        { "++++++", false },
        { "123456789012345678901", false },     //  21 chars
        { "+31 6 1234 5678 0000", true },       //  20 chars
        { "+31 6 1234 5678 00000", false },     //  21 chars
        { "06123456a8", false },
        { "0612345678\n", false },
        { "06.12345678", false },
        { "06/12345678", false },
        { NULL, false },
    };
    s_check_strings (cases, N_ELEMENTS (cases), kb_validate_phone, "kb_validate_phone");
}

static void
test_code (void **state)
{
    (void) state;
    assert_true (kb_validate_code ("cjg-helmond", 64));
    assert_true (kb_validate_code ("0794", 4));
    assert_true (kb_validate_code ("~!x", 3));
    assert_false (kb_validate_code ("0794", 3));
    assert_false (kb_validate_code ("", 64));
    assert_false (kb_validate_code (NULL, 64));
    assert_false (kb_validate_code ("Jan Jansen", 64));
    assert_false (kb_validate_code ("a\tb", 64));
    assert_false (kb_validate_code ("caf\xc3\xa9", 64));
    assert_false (kb_validate_code ("a\x7f", 64));
}

static void
test_gebied_code (void **state)
{
    (void) state;
    char out[16];
    kb_validate_gebied_code ("centrum", out, sizeof out);
    assert_string_equal (out, "centrum");
    kb_validate_gebied_code ("Helmond Noord", out, sizeof out);
    assert_string_equal (out, "Helmond-Noord");
    kb_validate_gebied_code ("st.-anna_2", out, sizeof out);
    assert_string_equal (out, "st.-anna_2");
    strcpy (out, "x");
    kb_validate_gebied_code ("", out, sizeof out);
    assert_string_equal (out, "");
    strcpy (out, "x");
    kb_validate_gebied_code (NULL, out, sizeof out);
    assert_string_equal (out, "");
    kb_validate_gebied_code ("Zuid, zie dossier", out, sizeof out);   //  not a name
    assert_string_equal (out, "");
    kb_validate_gebied_code ("Brandevoort\n", out, sizeof out);
    assert_string_equal (out, "");
    kb_validate_gebied_code ("caf\xc3\xa9", out, sizeof out);
    assert_string_equal (out, "");
    kb_validate_gebied_code ("0123456789abcdef", out, sizeof out);   //  too long for out
    assert_string_equal (out, "");
    kb_validate_gebied_code ("0123456789abcde", out, sizeof out);
    assert_string_equal (out, "0123456789abcde");
}

static void
test_date_today_and_days_between (void **state)
{
    (void) state;
    char today[11];
    kb_date_today (today);
    int32_t d;
    assert_true (kb_validate_date (today, &d));
    assert_int_equal (kb_date_days_between ("2026-02-27", "2026-03-01"), 2);
    assert_int_equal (kb_date_days_between ("2024-02-28", "2024-03-01"), 2); /* leap year */
    assert_int_equal (kb_date_days_between ("2026-03-01", "2026-03-01"), 0);
    assert_int_equal (kb_date_days_between ("2026-03-02", "2026-03-01"), 0); /* never negative */
    assert_int_equal (kb_date_days_between ("2026-13-01", "2026-03-01"), 0);
    assert_int_equal (kb_date_days_between (NULL, "2026-03-01"), 0);
    assert_true (kb_date_days_between ("2025-11-27", today) >= 365);
}

/* The local day, not the UTC one: checked in zones far east and west of
   UTC (POSIX TZ strings count west as positive). */
static void
test_date_today_days_is_local (void **state)
{
    (void) state;
    const char *saved = getenv ("TZ");
    char *keep = saved ? strdup (saved) : NULL;
    static const struct { const char *tz; long offset_s; } zones[] = {
        { "KBT-14", 14 * 3600 }, { "KBT+12", -12 * 3600 }, { "UTC0", 0 },
        { "CET-1CEST,M3.5.0,M10.5.0/3", -1 } /* offset varies: only bounds */
    };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        setenv ("TZ", zones[i].tz, 1);
        tzset ();
        time_t before = time (NULL);
        int32_t got = kb_date_today_days ();
        time_t after = time (NULL);
        if (zones[i].offset_s == -1) {
            assert_true (got >= (int32_t) ((before + 3600) / 86400));
            assert_true (got <= (int32_t) ((after + 7200) / 86400));
            continue;
        }
        assert_true (got >= (int32_t) ((before + zones[i].offset_s) / 86400));
        assert_true (got <= (int32_t) ((after + zones[i].offset_s) / 86400));
        char today[11];
        kb_date_today (today);
        int32_t d;
        assert_true (kb_validate_date (today, &d));
        assert_int_equal (d, got);
    }
    if (keep)
        setenv ("TZ", keep, 1);
    else
        unsetenv ("TZ");
    tzset ();
    free (keep);
}

static void
test_bsn_complete (void **state)
{
    (void) state;
    char out[10] = "untouched";
    assert_true (kb_bsn_complete ("11122233", out));
    assert_string_equal (out, "111222333");
    assert_true (kb_validate_bsn (out));
    for (unsigned n = 10000000; n < 10000400; n++) {
        char d[9];
        snprintf (d, sizeof d, "%08u", n);
        char bsn[10];
        if (kb_bsn_complete (d, bsn))
            assert_true (kb_validate_bsn (bsn));
    }
    strcpy (out, "untouched");
    assert_false (kb_bsn_complete ("00000000", out));
    assert_false (kb_bsn_complete ("1234567", out));
    assert_false (kb_bsn_complete ("123456789", out));
    assert_false (kb_bsn_complete ("1234567a", out));
    assert_false (kb_bsn_complete (NULL, out));
    assert_string_equal (out, "untouched");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_bsn_complete),
        cmocka_unit_test (test_date_today_and_days_between),
        cmocka_unit_test (test_bsn),
        cmocka_unit_test (test_holds_bsn),
        cmocka_unit_test (test_date_valid),
        cmocka_unit_test (test_date_invalid),
        cmocka_unit_test (test_date_every_day),
        cmocka_unit_test (test_date_today_days_is_local),
        cmocka_unit_test (test_days_from_civil),
        cmocka_unit_test (test_past_date),
        cmocka_unit_test (test_age_years),
        cmocka_unit_test (test_postcode_valid),
        cmocka_unit_test (test_postcode_invalid),
        cmocka_unit_test (test_gemeente_code_format),
        cmocka_unit_test (test_text),
        cmocka_unit_test (test_text_long),
        cmocka_unit_test (test_message_id),
        cmocka_unit_test (test_phone),
        cmocka_unit_test (test_code),
        cmocka_unit_test (test_gebied_code),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
