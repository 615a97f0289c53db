/*  kb_validate - pure field validation shared by all daemons

    Plain functions over strings and day numbers: no I/O, no allocation, no
    state. Every function returns false (or KB_DATE_MALFORMED) on NULL input.
    Days are counted from 1970-01-01 in the proleptic Gregorian calendar.
*/

#ifndef KB_VALIDATE_H_INCLUDED
#define KB_VALIDATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    KB_DATE_OK = 0,
    KB_DATE_MALFORMED,
    KB_DATE_IN_FUTURE,
    KB_DATE_TOO_OLD
} kb_date_check_t;

//  True when s is exactly 9 ASCII digits, passes the elfproef
//  (9*d1 + 8*d2 + ... + 2*d8 - 1*d9 divisible by 11) and is not 000000000.
bool
    kb_validate_bsn (const char *s);

//  True when s holds what looks like a BSN: a run of exactly 9 ASCII
//  digits (no digit on either side) that passes kb_validate_bsn, as in
//  "CASE-123456782". A run of 8 or of 10 and more digits is no BSN; nor is
//  anything in a value that is a whole UUID (8-4-4-4-12 hex of either
//  case), or a run inside 16 or more hex characters in a row (a hash, such
//  as a POT trajectory id "pot-" + 32 hex), whose hex holds such a run by
//  chance. For free text and the references partners send, where a BSN
//  would be stored in clear.
bool
    kb_validate_holds_bsn (const char *s);

//  Completes 8 digits to a BSN that passes kb_validate_bsn: writes the
//  digits and their elfproef check digit to out (NUL-terminated). False,
//  out untouched, when the prefix is not 8 digits, is all zeros, or has no
//  check digit (it would be 10). For tests and the region simulator.
bool
    kb_bsn_complete (const char *prefix, char out[10]);

//  True when s is exactly "YYYY-MM-DD", a real calendar date with year
//  1900..2199. Stores the day number in *days_out when days_out is not NULL;
//  *days_out is left untouched when the date is invalid.
bool
    kb_validate_date (const char *s, int32_t *days_out);

//  Checks s with kb_validate_date, then that it is not after today_days and
//  not more than max_age_years before today_days. "N years before" keeps the
//  month and day; from 29 February it falls back to 28 February.
//  max_age_years must be >= 0.
kb_date_check_t
    kb_validate_past_date (const char *s, int32_t today_days, int max_age_years);

//  Day number of the civil date y-m-d (Howard Hinnant's days_from_civil).
//  The caller passes a real date; any year whose result fits in int32_t works.
int32_t
    kb_days_from_civil (int y, int m, int d);

//  Age in whole years on today_days of a person born on birth_days. Someone
//  born on 29 February turns a year older on 1 March in non-leap years.
//  Returns -1 when birth_days is after today_days.
int
    kb_age_years (int32_t birth_days, int32_t today_days);

//  Today's local date as "YYYY-MM-DD" (the business date the daemons put
//  on what they do).
void
    kb_date_today (char out[11]);

//  Today's local date as a day number (days since 1970-01-01, as
//  kb_validate_date gives them): what "not in the future" and "in force"
//  are measured against. Not the UTC day, which in the Netherlands is still
//  yesterday for the first hour or two after midnight.
int32_t
    kb_date_today_days (void);

//  Days from date a to date b ("YYYY-MM-DD"); 0 when either is not a valid
//  date or b lies before a (a lead time or a stay is never negative).
unsigned
    kb_date_days_between (const char *a, const char *b);

//  Dutch postcode: 4 digits with the first not 0, an optional single space,
//  2 ASCII letters of either case that are not SA, SD or SS. When valid and
//  out is not NULL, writes the normalised "1234AB" plus NUL into out.
bool
    kb_validate_postcode (const char *s, char out[7]);

//  True when s is exactly 4 ASCII digits (CBS gemeentecode format only; it
//  does not check that the municipality exists).
bool
    kb_validate_gemeente_code_format (const char *s);

//  True when s is well-formed UTF-8 (no overlongs, no surrogates, nothing
//  above U+10FFFF), holds no C0 control characters (tab and newline
//  included) and no DEL, and its length in bytes is in min_len..max_len.
bool
    kb_validate_text (const char *s, size_t min_len, size_t max_len);

//  True when s is a lower-case 8-4-4-4-12 hex UUID (36 chars) with version
//  nibble 1..8 and variant nibble 8, 9, a or b.
bool
    kb_validate_message_id (const char *s);

//  True when s is empty (no phone number given), or 6..20 chars of digits,
//  '+', '-' and ' ' among which at least 6 digits.
bool
    kb_validate_phone (const char *s);

//  True when s is a code: 1..max_len printable ASCII characters without
//  spaces (a pseudonym, reference, organisation id, CBS code), never free
//  text. What monitoring accepts in the string fields of its events.
bool
    kb_validate_code (const char *s, size_t max_len);

//  A gebied name as a code for monitoring: spaces become '-', and a name
//  that is not 1..out_size-1 characters of ASCII letters, digits, '-',
//  '_', '.' and spaces gives "" (unknown). Writes the code plus NUL to out.
void
    kb_validate_gebied_code (const char *s, char *out, size_t out_size);

#ifdef __cplusplus
}
#endif

#endif
