/*  monitor_report - the published figures: the ketencoordinator's report
    and the regional 3D aggregates, computed from the monitoring schema
    for one filter (period, gemeente, gebied) and returned as tables whose
    cells are already suppressed, rounded and formatted. Everything the
    dashboard, the CSV/JSON export and tests show comes from here, so
    nothing can be published without passing monitor_suppress.

    A filter with a gemeente yields figures about that gemeente only: no
    cell, total or chart point of a report built for gemeente X counts
    anything of another gemeente. The dashboard relies on this for the
    gemeente role. */
#ifndef MONITOR_REPORT_H_INCLUDED
#define MONITOR_REPORT_H_INCLUDED

#include "ketenbus/kb_db.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum
{
    MONITOR_PERIOD_LIVE = 0, /* everything up to now; "ongoing" as of today */
    MONITOR_PERIOD_MONTH,    /* period "2026-11" */
    MONITOR_PERIOD_QUARTER,  /* period "2026-Q4" */
    MONITOR_PERIOD_YEAR      /* period "2026" */
} monitor_period_kind_t;

typedef struct
{
    monitor_period_kind_t kind;
    char period[16];   /* as above; "" with MONITOR_PERIOD_LIVE */
    char gemeente[8];  /* CBS code; "" = the whole region */
    char gebied[65];   /* "" = every gebied */
} monitor_report_filter_t;

typedef enum
{
    MONITOR_PAGE_KETEN = 0, /* the ketencoordinator's report */
    MONITOR_PAGE_3D         /* Wmo / Jeugdwet / Participatiewet aggregates */
} monitor_page_t;

/* How a table is best drawn; the dashboard renders SVG from it. */
typedef enum
{
    MONITOR_CHART_NONE = 0,
    MONITOR_CHART_BARS,    /* one bar per row, first numeric column */
    MONITOR_CHART_TREND,   /* columns 1.. are consecutive periods: one line per row */
    MONITOR_CHART_PYRAMID, /* rows are pyramid levels, cheapest first */
    MONITOR_CHART_INOUT    /* columns 1 and 2 are inflow and outflow per row (period) */
} monitor_chart_t;

typedef struct
{
    char *text;      /* what is published: "25", "80 %", "€ 1.234", "·" when suppressed */
    double value;    /* the published number (rounded); NAN when suppressed or not numeric */
    bool suppressed; /* primary or secondary small-cell suppression */
} monitor_cell_t;

typedef struct
{
    char *id;    /* stable machine name, [a-z0-9_]: CSV file name and JSON key */
    char *title; /* what a person reads above the table */
    char *note;  /* one sentence on what is counted; may be NULL */
    monitor_chart_t chart;
    size_t n_cols;
    char **cols; /* column headings; column 0 is the row label */
    size_t n_rows;
    monitor_cell_t *cells; /* n_rows * n_cols, row-major; column 0 holds the row label as text */
} monitor_report_table_t;

typedef struct
{
    monitor_page_t page;
    monitor_report_filter_t filter;
    char generated_at[32]; /* ISO 8601, UTC */
    size_t n_tables;
    monitor_report_table_t *tables;
} monitor_report_t;

/* Policy targets and the figures' configuration (monitoring.conf). */
typedef struct
{
    int suppress_threshold;   /* suppress/threshold */
    int suppress_rounding;    /* suppress/rounding */
    int target_pot_stable_pct;        /* targets/pot_stable_pct (80) */
    int target_shelter_housing_pct;   /* targets/shelter_housing_pct (20) */
    int target_zwerf_through_days;    /* targets/zwerfjongeren_days (90) */
    int target_zwerf_home_pct;        /* targets/zwerfjongeren_home_pct (70) */
    int target_zwerf_independent_pct; /* targets/zwerfjongeren_independent_pct (30) */
    int match_followup_days;          /* targets/match_followup_days */
    int stable_threshold;             /* stable/threshold: domain score counted as stable (4) */
    const char *tariffs;              /* tariffs/file: product tariffs for cost; may be NULL */
} monitor_report_config_t;

/* Parses "month"/"quarter"/"year"/"live" and the period text; returns 0,
   or -1 with a reason (for a 400 answer) when they do not fit. */
int monitor_report_filter_parse (monitor_report_filter_t *out,
                                 const char *kind,
                                 const char *period,
                                 const char *gemeente,
                                 const char *gebied,
                                 const char **reason);

/* Builds one page for filter. Returns NULL on a database error. */
monitor_report_t *monitor_report_build (kb_db_t *db,
                                        const monitor_report_config_t *config,
                                        monitor_page_t page,
                                        const monitor_report_filter_t *filter);

/* The table with this id, or NULL. */
const monitor_report_table_t *monitor_report_table (const monitor_report_t *report,
                                                    const char *id);

void monitor_report_destroy (monitor_report_t **report_p);

#endif
