/*  monitor_targets - the pure arithmetic behind the published figures:
    filter and period parsing, the dates a period covers, percentiles
    (median, p90), percentages against a base, the tariff file and the
    cost rule of a toewijzing. No I/O except reading the tariff file. */
#ifndef MONITOR_TARGETS_H_INCLUDED
#define MONITOR_TARGETS_H_INCLUDED

#include "monitor_report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The filter from its text parts (see monitor_report_filter_parse). */
int monitor_targets_filter_parse (monitor_report_filter_t *out,
                                  const char *kind,
                                  const char *period,
                                  const char *gemeente,
                                  const char *gebied,
                                  const char **reason);

/* The first and last day (day numbers, kb_days_from_civil) the filter's
   period covers; live is 1900-01-01 .. today. Returns 0, -1 when the
   period text does not fit its kind. */
int monitor_targets_period_days (const monitor_report_filter_t *filter,
                                 int32_t today,
                                 int32_t *from,
                                 int32_t *to);

/* "YYYY-MM-DD" of a day number (out holds 11 bytes). */
void monitor_targets_date (int32_t day, char out[11]);
/* The first day of the month that lies delta months from day's month. */
int32_t monitor_targets_month_start (int32_t day, int delta);

/* The p-quantile (0..1) of n values with linear interpolation between
   closest ranks (as PostgreSQL's percentile_cont); sorts values in place.
   NAN when n is 0. */
double monitor_targets_percentile (int *values, size_t n, double p);

/* The published share num of den in percent: computed from the counts
   rounded to rounding (as they are published), and NAN when den is below
   threshold or num or den - num lies between 0 and threshold (the
   percentage next to the base would give a suppressed count away). */
double monitor_targets_pct (long num, long den, int threshold, int rounding);

/* Tariffs: "product_category unit cents" per line (see deploy/config/tariffs.conf). */
typedef struct _monitor_targets_tariffs_t monitor_targets_tariffs_t;

/* Parses text; NULL with a line number in *bad_line when a line does not fit. */
monitor_targets_tariffs_t *monitor_targets_tariffs_parse (const char *text, int *bad_line);
/* Reads and parses path; NULL when it cannot be read or parsed (*bad_line
   is 0 when it could not be read). */
monitor_targets_tariffs_t *monitor_targets_tariffs_load (const char *path, int *bad_line);
void monitor_targets_tariffs_destroy (monitor_targets_tariffs_t **self_p);
size_t monitor_targets_tariffs_count (const monitor_targets_tariffs_t *self);
/* Cents per unit of category in unit (VolumeUnit), or -1 when unknown. */
long monitor_targets_tariff (const monitor_targets_tariffs_t *self, const char *category, int unit);
/* VolumeUnit of its name ("uur") or 0. */
int monitor_targets_unit_parse (const char *name);

/* One toewijzing as far as cost goes. */
typedef struct
{
    const char *product_category;
    int unit;      /* VolumeUnit */
    int frequency; /* VolumeFrequency */
    long volume;
    long long cost_cents; /* the assigned budget; 0: price by tariff */
    int32_t start;        /* first active day */
    int32_t end;          /* last active day; INT32_MAX when open */
} monitor_targets_care_t;

/* The cost of care within from..to in cents, by the rule in the README:
   the active days are start..end clipped to from..to; a budget
   (cost_cents > 0) is spread evenly over start..end (over 365 days from
   start when open); otherwise units per day (volume per day, per week/7,
   per month*12/365, per year/365, or a total spread like a budget) times
   the tariff of product_category and unit (unit EURO: 100 cents, no
   tariff needed). Returns -1 when there is no tariff (not priced). */
long long monitor_targets_cost_cents (const monitor_targets_care_t *care,
                                      int32_t from,
                                      int32_t to,
                                      const monitor_targets_tariffs_t *tariffs);

#endif
