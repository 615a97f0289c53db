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

/* The table with its totals as one more column (row totals), one more
   row (column totals) and the grand total in the corner: every line of
   it sums to its last entry, so a total is protected like a cell. */
typedef struct
{
    size_t rows, cols; /* with the margin */
    long v[MONITOR_SUPPRESS_MAX_ROWS + 1][MONITOR_SUPPRESS_MAX_COLS + 1];
    bool hidden[MONITOR_SUPPRESS_MAX_ROWS + 1][MONITOR_SUPPRESS_MAX_COLS + 1];
} s_grid_t;

/* A line with exactly one hidden entry gives it away (the line's sum
   minus the others): hide the smallest other non-zero entry too (a zero
   only when nothing else is left). Returns true when an entry was added. */
static bool
s_protect_line (s_grid_t *g, bool row, size_t line)
{
    size_t len = row ? g->cols : g->rows;
    size_t hidden = 0;
    for (size_t i = 0; i < len; i++)
        hidden += g->hidden[row ? line : i][row ? i : line];
    if (hidden != 1)
        return false;
    long best = -1;
    size_t best_i = 0;
    for (size_t i = 0; i < len; i++) {
        size_t r = row ? line : i, c = row ? i : line;
        long n = g->v[r][c];
        if (g->hidden[r][c])
            continue;
        if (best < 0 || (n > 0 && (best == 0 || n < best))) {
            best = n;
            best_i = i;
        }
    }
    if (best < 0)
        return false; /* a line of one entry: cannot happen with a margin */
    g->hidden[row ? line : best_i][row ? best_i : line] = true;
    return true;
}

/* The hidden entries as edges of a graph whose vertices are the grid's
   rows (0..rows-1) and columns (rows..rows+cols-1). Every row and column
   of the grid sums to zero (a total counts negative), so the values the
   hidden entries can take differ from the truth by a circulation: an
   entry can be recomputed exactly when it lies on no cycle, i.e. when its
   edge is a bridge. Marks in seen[] the vertices reachable from start
   over hidden entries other than (skip_r, skip_c). */
static void
s_reach (const s_grid_t *g, size_t start, size_t skip_r, size_t skip_c, bool *seen)
{
    size_t stack[MONITOR_SUPPRESS_MAX_ROWS + MONITOR_SUPPRESS_MAX_COLS + 2];
    size_t top = 0;
    memset (seen, 0, (g->rows + g->cols) * sizeof *seen);
    seen[start] = true;
    stack[top++] = start;
    while (top) {
        size_t v = stack[--top];
        bool is_row = v < g->rows;
        size_t len = is_row ? g->cols : g->rows;
        for (size_t i = 0; i < len; i++) {
            size_t r = is_row ? v : i, c = is_row ? i : v - g->rows;
            if (!g->hidden[r][c] || (r == skip_r && c == skip_c))
                continue;
            size_t w = is_row ? g->rows + c : r;
            if (!seen[w]) {
                seen[w] = true;
                stack[top++] = w;
            }
        }
    }
}

/* Finds one hidden entry that is a bridge and hides one more entry that
   closes a cycle through it: a published entry whose row lies on the
   column's side of the bridge and whose column lies on the row's side,
   the smallest non-zero one (a zero only when nothing else is left).
   Returns true when an entry was added. */
static bool
s_protect_bridge (s_grid_t *g)
{
    bool from_row[MONITOR_SUPPRESS_MAX_ROWS + MONITOR_SUPPRESS_MAX_COLS + 2];
    bool from_col[MONITOR_SUPPRESS_MAX_ROWS + MONITOR_SUPPRESS_MAX_COLS + 2];
    for (size_t r = 0; r < g->rows; r++)
        for (size_t c = 0; c < g->cols; c++) {
            if (!g->hidden[r][c])
                continue;
            s_reach (g, r, r, c, from_row);
            if (from_row[g->rows + c])
                continue; /* on a cycle */
            s_reach (g, g->rows + c, r, c, from_col);
            long best = -1;
            size_t br = 0, bc = 0;
            for (size_t r2 = 0; r2 < g->rows; r2++) {
                if (!from_col[r2])
                    continue;
                for (size_t c2 = 0; c2 < g->cols; c2++) {
                    if (!from_row[g->rows + c2] || g->hidden[r2][c2])
                        continue;
                    long n = g->v[r2][c2];
                    if (best < 0 || (n > 0 && (best == 0 || n < best))) {
                        best = n;
                        br = r2;
                        bc = c2;
                    }
                }
            }
            if (best < 0)
                continue; /* cannot happen: the margin joins every row and column */
            g->hidden[br][bc] = true;
            return true;
        }
    return false;
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
    s_grid_t *g = &(s_grid_t){ 0 };
    g->rows = t->rows + 1;
    g->cols = t->cols + 1;
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++) {
            long n = t->count[r][c];
            g->v[r][c] = n;
            g->v[r][t->cols] += n;
            g->v[t->rows][c] += n;
            g->v[t->rows][t->cols] += n;
            if (n > 0 && n < config->threshold) {
                g->hidden[r][c] = true;
                out->primary++;
            }
        }
    /* a total is a count too: a small one is not published either */
    for (size_t r = 0; r < g->rows; r++)
        for (size_t c = 0; c < g->cols; c++)
            if ((r == t->rows || c == t->cols) && g->v[r][c] > 0 && g->v[r][c] < config->threshold)
                g->hidden[r][c] = true;
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t r = 0; r < g->rows; r++)
            changed |= s_protect_line (g, true, r);
        for (size_t c = 0; c < g->cols; c++)
            changed |= s_protect_line (g, false, c);
        if (!changed)
            changed = s_protect_bridge (g);
    }
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->cols; c++) {
            out->suppressed[r][c] = g->hidden[r][c];
            out->shown[r][c] =
              g->hidden[r][c] ? 0 : monitor_suppress_round (g->v[r][c], config->rounding);
        }
        out->row_total_suppressed[r] = g->hidden[r][t->cols];
        out->row_total[r] = monitor_suppress_round (g->v[r][t->cols], config->rounding);
    }
    for (size_t c = 0; c < t->cols; c++) {
        out->col_total_suppressed[c] = g->hidden[t->rows][c];
        out->col_total[c] = monitor_suppress_round (g->v[t->rows][c], config->rounding);
    }
    out->total_suppressed = g->hidden[t->rows][t->cols];
    out->total = monitor_suppress_round (g->v[t->rows][t->cols], config->rounding);
    for (size_t r = 0; r < g->rows; r++)
        for (size_t c = 0; c < g->cols; c++)
            if (g->hidden[r][c] &&
                !(r < t->rows && c < t->cols && g->v[r][c] > 0 && g->v[r][c] < config->threshold))
                out->secondary++;
    return 0;
}
