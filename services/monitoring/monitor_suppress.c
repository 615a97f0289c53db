/*  monitor_suppress - primary and secondary small-cell suppression. */
#include "monitor_suppress.h"

#include <string.h>

monitor_suppress_config_t
monitor_suppress_defaults (void)
{
    monitor_suppress_config_t config = { 10, 5 };
    return config;
}

long
monitor_suppress_round (long n, int base)
{
    if (base <= 1)
        return n;
    long sign = n < 0 ? -1 : 1;
    long a = n * sign;
    return sign * ((a + base / 2) / base) * base;
}

/* In a line (a row or a column) with exactly one suppressed cell, that
   cell is the total minus the others: suppress the smallest other cell
   that is not zero (a zero cell is known to be zero and protects
   nothing). Returns true when a cell was added. */
static bool
s_protect_line (const monitor_table_t *t, monitor_published_t *out, bool row, size_t line)
{
    size_t len = row ? t->cols : t->rows;
    if (row ? out->row_total_suppressed[line] : out->col_total_suppressed[line])
        return false;
    size_t hidden = 0;
    for (size_t i = 0; i < len; i++) {
        size_t r = row ? line : i, c = row ? i : line;
        if (out->suppressed[r][c])
            hidden++;
    }
    if (hidden != 1)
        return false;
    long best = -1;
    size_t best_i = 0;
    for (size_t i = 0; i < len; i++) {
        size_t r = row ? line : i, c = row ? i : line;
        long n = t->count[r][c];
        if (out->suppressed[r][c] || n == 0)
            continue;
        if (best < 0 || n < best) {
            best = n;
            best_i = i;
        }
    }
    if (best < 0) {
        /* the line holds one non-zero cell: only hiding its total protects it */
        if (row)
            out->row_total_suppressed[line] = true;
        else
            out->col_total_suppressed[line] = true;
        return false; /* no cell count changed: the other lines are as they were */
    }
    out->suppressed[row ? line : best_i][row ? best_i : line] = true;
    out->secondary++;
    return true;
}

int
monitor_suppress_apply (const monitor_suppress_config_t *config,
                        const monitor_table_t *t,
                        monitor_published_t *out)
{
    if (!config || !t || !out || config->threshold < 1 || t->rows > MONITOR_SUPPRESS_MAX_ROWS ||
        t->cols > MONITOR_SUPPRESS_MAX_COLS)
        return -1;
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++)
            if (t->count[r][c] < 0)
                return -1;
    memset (out, 0, sizeof *out);
    out->rows = t->rows;
    out->cols = t->cols;
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++) {
            long n = t->count[r][c];
            out->row_total[r] += n;
            out->col_total[c] += n;
            out->total += n;
            if (n > 0 && n < config->threshold) {
                out->suppressed[r][c] = true;
                out->primary++;
            }
        }
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t r = 0; r < t->rows; r++)
            changed |= s_protect_line (t, out, true, r);
        for (size_t c = 0; c < t->cols; c++)
            changed |= s_protect_line (t, out, false, c);
    }
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->cols; c++)
            out->shown[r][c] =
              out->suppressed[r][c] ? 0 : monitor_suppress_round (t->count[r][c], config->rounding);
        out->row_total[r] = monitor_suppress_round (out->row_total[r], config->rounding);
    }
    for (size_t c = 0; c < t->cols; c++)
        out->col_total[c] = monitor_suppress_round (out->col_total[c], config->rounding);
    out->total = monitor_suppress_round (out->total, config->rounding);
    return 0;
}
