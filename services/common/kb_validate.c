/*  kb_validate - pure field validation shared by all daemons

    Character classes are spelled out instead of using <ctype.h>, whose
    answers depend on the locale; the formats here are plain ASCII.
*/

#include "ketenbus/kb_validate.h"

#include <assert.h>
#include <string.h>
#include <time.h>

#define KB_DATE_YEAR_MIN 1900
#define KB_DATE_YEAR_MAX 2199

static bool
s_is_digit (char c)
{
    return c >= '0' && c <= '9';
}

static bool
s_is_lower_hex (char c)
{
    return s_is_digit (c) || (c >= 'a' && c <= 'f');
}

static char
s_ascii_upper (char c)
{
    return (c >= 'a' && c <= 'z') ? (char) (c - 'a' + 'A') : c;
}

static bool
s_is_ascii_letter (char c)
{
    char u = s_ascii_upper (c);
    return u >= 'A' && u <= 'Z';
}

//  True when s[0..n-1] are all digits; stops at the terminator, so a
//  shorter string never gets read past its end.
static bool
s_digits (const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s_is_digit (s[i]))
            return false;
    return true;
}

static int
s_digits_value (const char *s, size_t n)
{
    int value = 0;
    for (size_t i = 0; i < n; i++)
        value = value * 10 + (s[i] - '0');
    return value;
}

static bool
s_is_leap (int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
s_days_in_month (int y, int m)
{
    static const int days [12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return (m == 2 && s_is_leap (y)) ? 29 : days [m - 1];
}

//  Inverse of kb_days_from_civil (Hinnant's civil_from_days). 64-bit
//  arithmetic so that day numbers near INT32_MIN/MAX cannot overflow.
static void
s_civil_from_days (int32_t days, int *y_out, int *m_out, int *d_out)
{
    int64_t z = (int64_t) days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);

    *y_out = (int) y;
    *m_out = (int) m;
    *d_out = (int) d;
}

//  The elfproef over the 9 digits at s (the caller checked they are
//  digits; what follows them does not matter).
static bool
s_bsn_digits (const char *s)
{
    int sum = 0;
    bool all_zero = true;
    for (int i = 0; i < 8; i++) {
        sum += (9 - i) * (s [i] - '0');
        all_zero = all_zero && s [i] == '0';
    }
    sum -= s [8] - '0';
    all_zero = all_zero && s [8] == '0';

    //  000000000 passes the elfproef but is never issued
    return !all_zero && sum % 11 == 0;
}

bool
kb_validate_bsn (const char *s)
{
    return s && s_digits (s, 9) && s [9] == '\0' && s_bsn_digits (s);
}

//  8-4-4-4-12 hex digits of either case.
static bool
s_uuid_shape (const char *s)
{
    if (strlen (s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char u = s_ascii_upper (s [i]);
        if (dash ? s [i] != '-' : !(s_is_digit (u) || (u >= 'A' && u <= 'F')))
            return false;
    }
    return true;
}

static bool
s_is_hex (char c)
{
    char u = s_ascii_upper (c);
    return s_is_digit (u) || (u >= 'A' && u <= 'F');
}

//  Whether the digit run [run, end) lies in a hash-like token: 16 or more
//  hex characters (letters among them) without a break, as in the POT
//  trajectory ids the backbone hands out ("pot-" + 32 hex).
static bool
s_in_hex_token (const char *s, const char *run, const char *end)
{
    const char *from = run, *to = end;
    while (from > s && s_is_hex (from [-1]))
        from--;
    while (*to && s_is_hex (*to))
        to++;
    return to - from >= 16;
}

bool
kb_validate_holds_bsn (const char *s)
{
    if (!s || s_uuid_shape (s))
        return false;
    const char *p = s;
    while (*p) {
        if (!s_is_digit (*p)) {
            p++;
            continue;
        }
        const char *run = p;
        while (s_is_digit (*p))
            p++;
        if (p - run == 9 && s_bsn_digits (run) && !s_in_hex_token (s, run, p))
            return true;
    }
    return false;
}

bool
kb_bsn_complete (const char *prefix, char out[10])
{
    if (!prefix || !s_digits (prefix, 8) || prefix [8] != '\0' ||
        strcmp (prefix, "00000000") == 0)
        return false;
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (9 - i) * (prefix [i] - '0');
    int check = sum % 11;
    if (check == 10)
        return false;
    memcpy (out, prefix, 8);
    out [8] = (char) ('0' + check);
    out [9] = '\0';
    return true;
}

int32_t
kb_days_from_civil (int y, int m, int d)
{
    //  Shift the year to start in March so the leap day falls at its end
    int64_t yy = (int64_t) y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t) (era * 146097 + doe - 719468);
}

bool
kb_validate_date (const char *s, int32_t *days_out)
{
    if (!s)
        return false;
    //  Checked in order, so a short string fails before its end is passed
    if (!s_digits (s, 4) || s [4] != '-'
    ||  !s_digits (s + 5, 2) || s [7] != '-'
    ||  !s_digits (s + 8, 2) || s [10] != '\0')
        return false;

    int y = s_digits_value (s, 4);
    int m = s_digits_value (s + 5, 2);
    int d = s_digits_value (s + 8, 2);
    if (y < KB_DATE_YEAR_MIN || y > KB_DATE_YEAR_MAX
    ||  m < 1 || m > 12
    ||  d < 1 || d > s_days_in_month (y, m))
        return false;

    if (days_out)
        *days_out = kb_days_from_civil (y, m, d);
    return true;
}

kb_date_check_t
kb_validate_past_date (const char *s, int32_t today_days, int max_age_years)
{
    assert (max_age_years >= 0);

    int32_t days;
    if (!kb_validate_date (s, &days))
        return KB_DATE_MALFORMED;
    if (days > today_days)
        return KB_DATE_IN_FUTURE;

    int ty, tm, td;
    s_civil_from_days (today_days, &ty, &tm, &td);
    //  A cutoff before the first valid year excludes nothing, and checking
    //  here keeps ty - max_age_years from overflowing
    if (max_age_years > ty - KB_DATE_YEAR_MIN)
        return KB_DATE_OK;

    int cy = ty - max_age_years;
    if (tm == 2 && td == 29 && !s_is_leap (cy))
        td = 28;
    if (days < kb_days_from_civil (cy, tm, td))
        return KB_DATE_TOO_OLD;
    return KB_DATE_OK;
}

void
kb_date_today (char out[11])
{
    time_t now = time (NULL);
    struct tm tm;
    localtime_r (&now, &tm);
    strftime (out, 11, "%Y-%m-%d", &tm);
}

int32_t
kb_date_today_days (void)
{
    char today[11];
    kb_date_today (today);
    int32_t days;
    if (!kb_validate_date (today, &days))
        days = (int32_t) (time (NULL) / 86400); /* not reached: a year 1900..2199 */
    return days;
}

unsigned
kb_date_days_between (const char *a, const char *b)
{
    int32_t da, db;
    if (!a || !b || !kb_validate_date (a, &da) || !kb_validate_date (b, &db) || db < da)
        return 0;
    return (unsigned)(db - da);
}

int
kb_age_years (int32_t birth_days, int32_t today_days)
{
    if (birth_days > today_days)
        return -1;

    int by, bm, bd, ty, tm, td;
    s_civil_from_days (birth_days, &by, &bm, &bd);
    s_civil_from_days (today_days, &ty, &tm, &td);

    //  Comparing (month, day) makes a 29 February birthday count as passed
    //  only from 1 March in non-leap years
    int age = ty - by;
    if (tm < bm || (tm == bm && td < bd))
        age--;
    return age;
}

bool
kb_validate_postcode (const char *s, char out[7])
{
    if (!s || (s [0] < '1' || s [0] > '9') || !s_digits (s + 1, 3))
        return false;

    const char *letters = s [4] == ' ' ? s + 5 : s + 4;
    if (!s_is_ascii_letter (letters [0])
    ||  !s_is_ascii_letter (letters [1])
    ||  letters [2] != '\0')
        return false;

    char l1 = s_ascii_upper (letters [0]);
    char l2 = s_ascii_upper (letters [1]);
    //  PostNL does not issue SA, SD and SS for their wartime connotations
    if (l1 == 'S' && (l2 == 'A' || l2 == 'D' || l2 == 'S'))
        return false;

    if (out) {
        for (int i = 0; i < 4; i++)
            out [i] = s [i];
        out [4] = l1;
        out [5] = l2;
        out [6] = '\0';
    }
    return true;
}

bool
kb_validate_gemeente_code_format (const char *s)
{
    return s && s_digits (s, 4) && s [4] == '\0';
}

//  Length of the well-formed UTF-8 sequence at p, or 0 when it is not one.
//  Follows Table 3-7 of the Unicode standard: narrowing the second byte's
//  range after E0, ED, F0 and F4 rules out overlongs, surrogates and code
//  points above U+10FFFF. A terminating NUL fails every continuation range,
//  so a truncated sequence is never read past.
static size_t
s_utf8_sequence (const unsigned char *p)
{
    unsigned char c = p [0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;

    if (c < 0x80)
        return 1;
    else
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else
    if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else
        if (c == 0xED)
            hi = 0x9F;
    }
    else
    if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else
        if (c == 0xF4)
            hi = 0x8F;
    }
    else
        return 0;               //  80..C1 and F5..FF never start a sequence

    if (p [1] < lo || p [1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p [i] < 0x80 || p [i] > 0xBF)
            return 0;
    return len;
}

bool
kb_validate_text (const char *s, size_t min_len, size_t max_len)
{
    if (!s)
        return false;

    const unsigned char *p = (const unsigned char *) s;
    size_t length = 0;
    while (p [length]) {
        unsigned char c = p [length];
        if (c < 0x20 || c == 0x7F)
            return false;
        size_t seq = s_utf8_sequence (p + length);
        if (seq == 0)
            return false;
        length += seq;
        //  Stop early so an oversized input is not scanned to its end
        if (length > max_len)
            return false;
    }
    return length >= min_len;
}

bool
kb_validate_message_id (const char *s)
{
    if (!s)
        return false;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s [i] != '-')
                return false;
        }
        else
        if (!s_is_lower_hex (s [i]))
            return false;
    }
    if (s [36] != '\0')
        return false;
    if (s [14] < '1' || s [14] > '8')
        return false;
    char variant = s [19];
    return variant == '8' || variant == '9' || variant == 'a' || variant == 'b';
}

bool
kb_validate_phone (const char *s)
{
    if (!s)
        return false;

    size_t length = 0, digits = 0;
    for (; s [length]; length++) {
        char c = s [length];
        if (s_is_digit (c))
            digits++;
        else
        if (c != '+' && c != '-' && c != ' ')
            return false;
        if (length >= 20)
            return false;       //  a 21st char: stop before scanning the rest
    }
    return length == 0 || (length >= 6 && digits >= 6);
}

bool
kb_validate_code (const char *s, size_t max_len)
{
    if (!s || !*s)
        return false;
    size_t length = 0;
    for (; s [length]; length++) {
        if (length >= max_len)
            return false;
        if (s [length] <= ' ' || s [length] > '~')
            return false;
    }
    return true;
}

void
kb_validate_gebied_code (const char *s, char *out, size_t out_size)
{
    if (!out || out_size == 0)
        return;
    out [0] = '\0';
    if (!s)
        return;
    size_t length = strlen (s);
    if (length == 0 || length >= out_size)
        return;
    for (size_t i = 0; i < length; i++) {
        char c = s [i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || s_is_digit (c)
                  || c == '-' || c == '_' || c == '.' || c == ' ';
        if (!ok) {
            out [0] = '\0';
            return;
        }
        out [i] = c == ' ' ? '-' : c;
    }
    out [length] = '\0';
}
