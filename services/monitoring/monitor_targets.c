/*  monitor_targets - periods, percentiles, percentages, tariffs and cost. */
#include "monitor_targets.h"
#include "monitor_suppress.h"

#include "ketenbus/kb_validate.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Civil date of a day number (Howard Hinnant's civil_from_days). */
static void
s_civil (int32_t day, int *y, int *m, int *d)
{
    long z = (long)day + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

void
monitor_targets_date (int32_t day, char out[11])
{
    int y, m, d;
    s_civil (day, &y, &m, &d);
    char buf[32];
    snprintf (buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    memcpy (out, buf, 10);
    out[10] = '\0';
}

int32_t
monitor_targets_month_start (int32_t day, int delta)
{
    int y, m, d;
    s_civil (day, &y, &m, &d);
    int months = y * 12 + (m - 1) + delta;
    return kb_days_from_civil (months / 12, months % 12 + 1, 1);
}

/* A code: 1..max printable ASCII characters without spaces. */
static bool
s_code_ok (const char *s, size_t max)
{
    size_t n = strlen (s);
    if (n == 0 || n > max)
        return false;
    for (const char *p = s; *p; p++)
        if (*p <= ' ' || *p > '~')
            return false;
    return true;
}

/* A CBS gemeente code as intake accepts it: 4 digits. */
static bool
s_gemeente_ok (const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9')
            return false;
    return n == 4;
}

/* A gebied name ("Helmond Noord" or "Helmond-Noord"): printable ASCII,
   no leading or trailing space; it is only compared with stored gebieden. */
static bool
s_gebied_ok (const char *s, size_t max)
{
    size_t n = strlen (s);
    if (n == 0 || n > max || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    for (const char *p = s; *p; p++)
        if (*p < ' ' || *p > '~')
            return false;
    return true;
}

/* Parses exactly digits digits; -1 otherwise. */
static int
s_number (const char *s, size_t digits)
{
    int v = 0;
    for (size_t i = 0; i < digits; i++) {
        if (!isdigit ((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int
s_period_bounds (monitor_period_kind_t kind, const char *p, int32_t *from, int32_t *to)
{
    size_t n = strlen (p);
    int year = n >= 4 ? s_number (p, 4) : -1;
    if (year < 1900 || year > 2199)
        return -1;
    switch (kind) {
        case MONITOR_PERIOD_YEAR:
            if (n != 4)
                return -1;
            *from = kb_days_from_civil (year, 1, 1);
            *to = kb_days_from_civil (year + 1, 1, 1) - 1;
            return 0;
        case MONITOR_PERIOD_MONTH: {
            int month = n == 7 && p[4] == '-' ? s_number (p + 5, 2) : -1;
            if (month < 1 || month > 12)
                return -1;
            *from = kb_days_from_civil (year, month, 1);
            *to = monitor_targets_month_start (*from, 1) - 1;
            return 0;
        }
        case MONITOR_PERIOD_QUARTER: {
            int q =
              n == 7 && p[4] == '-' && (p[5] == 'Q' || p[5] == 'q') ? s_number (p + 6, 1) : -1;
            if (q < 1 || q > 4)
                return -1;
            *from = kb_days_from_civil (year, (q - 1) * 3 + 1, 1);
            *to = monitor_targets_month_start (*from, 3) - 1;
            return 0;
        }
        default:
            return -1;
    }
}

int
monitor_targets_filter_parse (monitor_report_filter_t *out,
                              const char *kind,
                              const char *period,
                              const char *gemeente,
                              const char *gebied,
                              const char **reason)
{
    static const char *names[] = { "live", "month", "quarter", "year" };
    const char *why = NULL;
    monitor_report_filter_t f;
    memset (&f, 0, sizeof f);
    if (!kind || !*kind)
        kind = "live";
    period = period ? period : "";
    gemeente = gemeente ? gemeente : "";
    gebied = gebied ? gebied : "";
    size_t k = 0;
    while (k < 4 && strcmp (kind, names[k]) != 0)
        k++;
    int32_t from, to;
    if (k == 4)
        why = "kind must be live, month, quarter or year";
    else if (k == MONITOR_PERIOD_LIVE && *period)
        why = "a live report has no period";
    else if (k != MONITOR_PERIOD_LIVE &&
             (strlen (period) >= sizeof f.period ||
              s_period_bounds ((monitor_period_kind_t)k, period, &from, &to) != 0))
        why = k == MONITOR_PERIOD_MONTH     ? "period must be YYYY-MM for a month"
              : k == MONITOR_PERIOD_QUARTER ? "period must be YYYY-Qn for a quarter"
                                            : "period must be YYYY for a year";
    else if (*gemeente && !s_gemeente_ok (gemeente))
        why = "gemeente must be a CBS code of 4 digits";
    else if (*gebied && !s_gebied_ok (gebied, sizeof f.gebied - 1))
        why = "gebied must be 1..64 printable characters";
    if (why) {
        if (reason)
            *reason = why;
        return -1;
    }
    f.kind = (monitor_period_kind_t)k;
    snprintf (f.period, sizeof f.period, "%s", period);
    if (f.period[5] == 'q')
        f.period[5] = 'Q';
    snprintf (f.gemeente, sizeof f.gemeente, "%s", gemeente);
    snprintf (f.gebied, sizeof f.gebied, "%s", gebied);
    /* events carry a gebied as a code, spaces turned into '-'
       (kb_validate_gebied_code): "Helmond Noord" finds "Helmond-Noord" */
    for (char *p = f.gebied; *p; p++)
        if (*p == ' ')
            *p = '-';
    *out = f;
    return 0;
}

int
monitor_targets_period_days (const monitor_report_filter_t *filter,
                             int32_t today,
                             int32_t *from,
                             int32_t *to)
{
    if (filter->kind == MONITOR_PERIOD_LIVE) {
        *from = kb_days_from_civil (1900, 1, 1);
        *to = today;
        return 0;
    }
    return s_period_bounds (filter->kind, filter->period, from, to);
}

static int
s_int_cmp (const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

double
monitor_targets_percentile (int *values, size_t n, double p)
{
    if (n == 0)
        return NAN;
    qsort (values, n, sizeof *values, s_int_cmp);
    if (p <= 0)
        return values[0];
    if (p >= 1)
        return values[n - 1];
    double rank = p * (double)(n - 1);
    size_t lo = (size_t)floor (rank);
    double frac = rank - (double)lo;
    if (lo + 1 >= n)
        return values[n - 1];
    return values[lo] + frac * (values[lo + 1] - values[lo]);
}

double
monitor_targets_pct (long num, long den, int threshold, int rounding)
{
    if (den <= 0 || den < threshold || num < 0 || num > den)
        return NAN;
    /* a part or its rest below the threshold would be given away by
       the percentage next to the published base */
    if ((num > 0 && num < threshold) || (den - num > 0 && den - num < threshold))
        return NAN;
    long n = monitor_suppress_round (num, rounding), d = monitor_suppress_round (den, rounding);
    if (d <= 0)
        return NAN;
    return 100.0 * (double)n / (double)d;
}

/* Tariffs ---------------------------------------------------------------- */

typedef struct
{
    char category[65];
    int unit;
    long cents;
} s_tariff_t;

struct _monitor_targets_tariffs_t
{
    size_t n, cap;
    s_tariff_t *rows;
};

int
monitor_targets_unit_parse (const char *name)
{
    static const char *units[] = { "", "minuut", "uur", "dagdeel", "etmaal", "stuks", "euro" };
    for (int i = 1; i < 7; i++)
        if (strcmp (name, units[i]) == 0)
            return i;
    return 0;
}

void
monitor_targets_tariffs_destroy (monitor_targets_tariffs_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->rows);
    free (*self_p);
    *self_p = NULL;
}

monitor_targets_tariffs_t *
monitor_targets_tariffs_parse (const char *text, int *bad_line)
{
    monitor_targets_tariffs_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    int line = 0;
    const char *p = text ? text : "";
    while (*p) {
        line++;
        const char *eol = strchr (p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen (p);
        char buf[256];
        if (len >= sizeof buf)
            goto bad;
        memcpy (buf, p, len);
        buf[len] = '\0';
        p += len + (eol ? 1 : 0);
        char *hash = strchr (buf, '#');
        if (hash)
            *hash = '\0';
        char cat[65], unit[16], cents[24], extra[2];
        int got = sscanf (buf, "%64s %15s %23s %1s", cat, unit, cents, extra);
        if (got <= 0)
            continue; /* empty or comment */
        if (got != 3)
            goto bad;
        char *end = NULL;
        long c = strtol (cents, &end, 10);
        int u = monitor_targets_unit_parse (unit);
        if (*end || c < 0 || u == 0 || !s_code_ok (cat, 64))
            goto bad;
        if (self->n == self->cap) {
            size_t cap = self->cap ? self->cap * 2 : 16;
            s_tariff_t *rows = realloc (self->rows, cap * sizeof *rows);
            if (!rows)
                goto bad;
            self->rows = rows;
            self->cap = cap;
        }
        s_tariff_t *t = &self->rows[self->n++];
        snprintf (t->category, sizeof t->category, "%s", cat);
        t->unit = u;
        t->cents = c;
    }
    return self;
bad:
    if (bad_line)
        *bad_line = line;
    monitor_targets_tariffs_destroy (&self);
    return NULL;
}

monitor_targets_tariffs_t *
monitor_targets_tariffs_load (const char *path, int *bad_line)
{
    if (bad_line)
        *bad_line = 0;
    FILE *f = path ? fopen (path, "r") : NULL;
    if (!f)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&text, &size);
    char buf[4096];
    size_t n;
    while (mem && (n = fread (buf, 1, sizeof buf, f)) > 0)
        fwrite (buf, 1, n, mem);
    fclose (f);
    if (!mem)
        return NULL;
    fclose (mem);
    monitor_targets_tariffs_t *self = monitor_targets_tariffs_parse (text, bad_line);
    free (text);
    return self;
}

size_t
monitor_targets_tariffs_count (const monitor_targets_tariffs_t *self)
{
    return self ? self->n : 0;
}

long
monitor_targets_tariff (const monitor_targets_tariffs_t *self, const char *category, int unit)
{
    if (unit == 6)
        return 100; /* VOLUME_UNIT_EURO: the volume is money */
    if (!self || !category)
        return -1;
    for (size_t i = 0; i < self->n; i++)
        if (self->rows[i].unit == unit && strcmp (self->rows[i].category, category) == 0)
            return self->rows[i].cents;
    return -1;
}

/* Cost ------------------------------------------------------------------- */

long long
monitor_targets_cost_cents (const monitor_targets_care_t *care,
                            int32_t from,
                            int32_t to,
                            const monitor_targets_tariffs_t *tariffs)
{
    bool open = care->end == INT32_MAX || care->end < care->start;
    int64_t lo = care->start > from ? care->start : from;
    int64_t hi = open || care->end > to ? to : care->end;
    int64_t active = hi >= lo ? hi - lo + 1 : 0;
    double span = open ? 365.0 : (double)care->end - care->start + 1;
    if (care->cost_cents > 0)
        return llround ((double)care->cost_cents * (double)active / span);
    double per_day;
    switch (care->frequency) {
        case 1: /* PER_DAG */
            per_day = (double)care->volume;
            break;
        case 2: /* PER_WEEK */
            per_day = (double)care->volume / 7.0;
            break;
        case 3: /* PER_MAAND */
            per_day = (double)care->volume * 12.0 / 365.0;
            break;
        case 4: /* PER_JAAR */
            per_day = (double)care->volume / 365.0;
            break;
        default: /* TOTAAL (or not given): the volume over the whole toewijzing */
            per_day = (double)care->volume / span;
            break;
    }
    long tariff = monitor_targets_tariff (tariffs, care->product_category, care->unit);
    if (tariff < 0)
        return -1;
    return llround (per_day * (double)active * (double)tariff);
}
