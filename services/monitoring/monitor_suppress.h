/*  monitor_suppress - small-cell suppression as CBS publishes: counts
    below a threshold (but above 0) are suppressed, other counts rounded
    to a multiple of a base, and secondary suppression so that no
    suppressed cell can be recomputed from the row and column totals.
    Pure functions over a caller-owned table: no I/O, no allocation. */
#ifndef MONITOR_SUPPRESS_H_INCLUDED
#define MONITOR_SUPPRESS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#define MONITOR_SUPPRESS_MAX_ROWS 64
#define MONITOR_SUPPRESS_MAX_COLS 64

typedef struct
{
    int threshold; /* counts 1..threshold-1 are suppressed (default 10) */
    int rounding;  /* published counts are rounded to a multiple of this (default 5; 1: none) */
} monitor_suppress_config_t;

/* A table of counts; the caller fills rows, cols and count. */
typedef struct
{
    size_t rows, cols;
    long count[MONITOR_SUPPRESS_MAX_ROWS][MONITOR_SUPPRESS_MAX_COLS];
} monitor_table_t;

/* What may be published: shown[r][c] is the rounded count when
   suppressed[r][c] is false; row and column totals (of the true counts,
   rounded) are published unless their *_total_suppressed flag is set. */
typedef struct
{
    size_t rows, cols;
    bool suppressed[MONITOR_SUPPRESS_MAX_ROWS][MONITOR_SUPPRESS_MAX_COLS];
    long shown[MONITOR_SUPPRESS_MAX_ROWS][MONITOR_SUPPRESS_MAX_COLS];
    long row_total[MONITOR_SUPPRESS_MAX_ROWS];
    long col_total[MONITOR_SUPPRESS_MAX_COLS];
    long total;
    /* totals are protected like cells: the table with its totals as an
       extra column, an extra row and the grand total is suppressed as
       one, so a total is hidden when it would give a cell away */
    bool row_total_suppressed[MONITOR_SUPPRESS_MAX_ROWS];
    bool col_total_suppressed[MONITOR_SUPPRESS_MAX_COLS];
    bool total_suppressed;
    size_t primary;   /* cells suppressed for being small */
    size_t secondary; /* cells and totals suppressed to protect them */
} monitor_published_t;

/* The defaults: threshold 10, rounding 5. */
monitor_suppress_config_t monitor_suppress_defaults (void);

/* n rounded to the nearest multiple of base (halves up); n when base <= 1. */
long monitor_suppress_round (long n, int base);

/* Suppresses and rounds table into out. Returns 0, or -1 when the table
   or config is not valid (too many rows or columns, a negative count,
   threshold < 1); out is then untouched. */
int monitor_suppress_apply (const monitor_suppress_config_t *config,
                            const monitor_table_t *table,
                            monitor_published_t *out);

#endif
