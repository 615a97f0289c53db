/*  test_monitor_suppress - primary and secondary small-cell suppression,
    rounding, and a brute-force check that the published totals never pin
    down a suppressed cell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "monitor_suppress.h"

#include <math.h>
#include <string.h>

static monitor_table_t
s_table (size_t rows, size_t cols, const long *cells)
{
    monitor_table_t t;
    memset (&t, 0, sizeof t);
    t.rows = rows;
    t.cols = cols;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            t.count[r][c] = cells[r * cols + c];
    return t;
}

static void
test_below_threshold_suppressed (void **state)
{
    (void)state;
    monitor_suppress_config_t cfg = monitor_suppress_defaults ();
    assert_int_equal (cfg.threshold, 10);
    assert_int_equal (cfg.rounding, 5);
    const long cells[] = { 9, 10, 1, 40 };
    monitor_table_t t = s_table (1, 4, cells);
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    assert_true (p.suppressed[0][0]);
    assert_false (p.suppressed[0][1]);
    assert_true (p.suppressed[0][2]);
    assert_false (p.suppressed[0][3]);
    assert_int_equal (p.primary, 2);
    /* one row: a column total is the cell itself */
    assert_true (p.col_total_suppressed[0]);
    assert_true (p.col_total_suppressed[2]);
    assert_false (p.row_total_suppressed[0]);
    assert_int_equal (p.secondary, 2);
}

static void
test_zero_stays_zero (void **state)
{
    (void)state;
    monitor_suppress_config_t cfg = monitor_suppress_defaults ();
    const long cells[] = { 0, 20, 30, 0 };
    monitor_table_t t = s_table (2, 2, cells);
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 2; c++)
            assert_false (p.suppressed[r][c]);
    assert_int_equal (p.shown[0][0], 0);
    assert_int_equal (p.shown[1][1], 0);
    assert_int_equal (p.primary + p.secondary, 0);
}

static void
test_rounding (void **state)
{
    (void)state;
    assert_int_equal (monitor_suppress_round (12, 5), 10);
    assert_int_equal (monitor_suppress_round (13, 5), 15);
    assert_int_equal (monitor_suppress_round (10, 5), 10);
    assert_int_equal (monitor_suppress_round (0, 5), 0);
    assert_int_equal (monitor_suppress_round (17, 1), 17);
    assert_int_equal (monitor_suppress_round (26, 10), 30);
    monitor_suppress_config_t cfg = { 10, 5 };
    const long cells[] = { 12, 23, 31 };
    monitor_table_t t = s_table (1, 3, cells);
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    assert_int_equal (p.shown[0][0], 10);
    assert_int_equal (p.shown[0][1], 25);
    assert_int_equal (p.shown[0][2], 30);
    assert_int_equal (p.row_total[0], 65); /* 66 rounded */
    assert_int_equal (p.total, 65);
    /* configurable */
    cfg.rounding = 1;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    assert_int_equal (p.shown[0][0], 12);
    assert_int_equal (p.row_total[0], 66);
    cfg.threshold = 15;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    assert_true (p.suppressed[0][0]);
}

static void
test_secondary_in_a_row (void **state)
{
    (void)state;
    monitor_suppress_config_t cfg = { 10, 1 };
    /* one row: the 3 alone would be total - 20 - 50 - 40 */
    const long cells[] = { 3, 50, 20, 40 };
    monitor_table_t t = s_table (1, 4, cells);
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    assert_true (p.suppressed[0][0]);
    assert_true (p.suppressed[0][2]); /* the next-smallest */
    assert_false (p.suppressed[0][1]);
    assert_false (p.suppressed[0][3]);
    assert_false (p.row_total_suppressed[0]);
    assert_int_equal (p.primary, 1);
    /* the 20, and the two column totals that equal the hidden cells */
    assert_int_equal (p.secondary, 3);
}

static void
test_secondary_in_a_column (void **state)
{
    (void)state;
    monitor_suppress_config_t cfg = { 10, 1 };
    /* one column */
    const long cells[] = { 60, 4, 30, 25 };
    monitor_table_t t = s_table (4, 1, cells);
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    assert_true (p.suppressed[1][0]);
    assert_true (p.suppressed[3][0]);
    assert_false (p.suppressed[0][0]);
    assert_false (p.suppressed[2][0]);
    assert_false (p.col_total_suppressed[0]);
    assert_int_equal (p.secondary, 3);
}

static void
test_secondary_repeats_until_stable (void **state)
{
    (void)state;
    monitor_suppress_config_t cfg = { 10, 1 };
    /* the 2 pulls in the 15 of its row; the 15 then stands alone in its
       column and pulls in the 20 below it; that 20 pulls in the 30 */
    const long cells[] = { 2, 15, 50,   //
                           40, 20, 30,  //
                           35, 45, 55 };
    monitor_table_t t = s_table (3, 3, cells);
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    for (size_t r = 0; r < 3; r++) {
        size_t n = 0;
        for (size_t c = 0; c < 3; c++)
            n += p.suppressed[r][c];
        n += p.row_total_suppressed[r];
        assert_true (n == 0 || n >= 2);
    }
    for (size_t c = 0; c < 3; c++) {
        size_t n = 0;
        for (size_t r = 0; r < 3; r++)
            n += p.suppressed[r][c];
        n += p.col_total_suppressed[c];
        assert_true (n == 0 || n >= 2);
    }
    assert_true (p.suppressed[0][0]);
    assert_true (p.suppressed[0][1]);
    assert_true (p.secondary >= 2);
}

static void
test_lone_cell_protected (void **state)
{
    (void)state;
    monitor_suppress_config_t cfg = { 10, 1 };
    /* a line whose other cells are zero: its total is hidden with it */
    const long cells[] = { 0, 7, 0 };
    monitor_table_t t = s_table (1, 3, cells);
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    assert_true (p.suppressed[0][1]);
    assert_false (p.suppressed[0][0]);
    assert_false (p.suppressed[0][2]);
    assert_true (p.row_total_suppressed[0]);
    assert_true (p.col_total_suppressed[1]);
    /* one cell: every total is that cell */
    const long one[] = { 7 };
    t = s_table (1, 1, one);
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    assert_true (p.suppressed[0][0]);
    assert_true (p.row_total_suppressed[0]);
    assert_true (p.col_total_suppressed[0]);
    assert_true (p.total_suppressed);
}

static void
test_invalid_input (void **state)
{
    (void)state;
    monitor_suppress_config_t cfg = { 0, 5 };
    const long cells[] = { 1, -2 };
    monitor_table_t t = s_table (1, 2, cells);
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), -1);
    cfg.threshold = 10;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), -1);
    t.count[0][1] = 2;
    t.rows = MONITOR_SUPPRESS_MAX_ROWS + 1;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), -1);
}

/* Brute force: the table with its totals as an extra column, an extra
   row and the grand total is one grid in which every line sums to its
   last entry. Every assignment of non-negative values to the hidden
   entries that keeps every line summing is enumerated (up to the true
   grand total); each hidden cell must take at least two values, or an
   attacker would know it. Counts are not rounded here (rounding only
   blurs further). */
#define S_HIDDEN_MAX 24
typedef struct
{
    size_t rows, cols; /* with the margin */
    long v[5][6];
    bool hidden[5][6];
    size_t n;
    size_t r[S_HIDDEN_MAX], c[S_HIDDEN_MAX];
    long lo[S_HIDDEN_MAX], hi[S_HIDDEN_MAX];
    bool set[5][6];
    long bound;
    long solutions;
} s_search_t;

/* Lines that are complete must sum; partial lines must not exceed a known total. */
static bool
s_consistent (s_search_t *s)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t lines = pass ? s->cols : s->rows, len = pass ? s->rows : s->cols;
        for (size_t l = 0; l < lines; l++) {
            long sum = 0;
            bool complete = true;
            for (size_t i = 0; i + 1 < len; i++) {
                size_t r = pass ? i : l, c = pass ? l : i;
                if (s->set[r][c])
                    sum += s->v[r][c];
                else
                    complete = false;
            }
            size_t tr = pass ? len - 1 : l, tc = pass ? l : len - 1;
            if (!s->set[tr][tc])
                continue;
            if (sum > s->v[tr][tc] || (complete && sum != s->v[tr][tc]))
                return false;
        }
    }
    return true;
}

static void
s_search (s_search_t *s, size_t i)
{
    if (i == s->n) {
        s->solutions++;
        for (size_t k = 0; k < s->n; k++) {
            long v = s->v[s->r[k]][s->c[k]];
            if (v < s->lo[k])
                s->lo[k] = v;
            if (v > s->hi[k])
                s->hi[k] = v;
        }
        return;
    }
    bool open = false;
    for (size_t k = 0; k < s->n; k++)
        open |= s->lo[k] == s->hi[k];
    if (!open)
        return; /* every hidden entry already took two values */
    s->set[s->r[i]][s->c[i]] = true;
    for (long v = 0; v <= s->bound; v++) {
        s->v[s->r[i]][s->c[i]] = v;
        if (s_consistent (s))
            s_search (s, i + 1);
    }
    s->set[s->r[i]][s->c[i]] = false;
}

static void
s_check_unrecoverable (const monitor_table_t *t)
{
    monitor_suppress_config_t cfg = { 10, 1 };
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, t, &p), 0);
    assert_true (t->rows <= 4 && t->cols <= 5);
    s_search_t s;
    memset (&s, 0, sizeof s);
    s.rows = t->rows + 1;
    s.cols = t->cols + 1;
    for (size_t r = 0; r < s.rows; r++)
        for (size_t c = 0; c < s.cols; c++) {
            bool cell = r < t->rows && c < t->cols;
            s.hidden[r][c] = cell                 ? p.suppressed[r][c]
                             : r < t->rows        ? p.row_total_suppressed[r]
                             : c < t->cols        ? p.col_total_suppressed[c]
                                                  : p.total_suppressed;
            s.v[r][c] = cell            ? t->count[r][c]
                        : r < t->rows   ? p.row_total[r]
                        : c < t->cols   ? p.col_total[c]
                                        : p.total;
            s.set[r][c] = !s.hidden[r][c];
            if (!cell && !s.hidden[r][c])
                continue;
            if (cell && !s.hidden[r][c])
                assert_int_equal (p.shown[r][c], t->count[r][c]);
        }
    long truth[5][6];
    memcpy (truth, s.v, sizeof truth);
    s.bound = p.total > 0 ? p.total : 1;
    for (size_t r = 0; r < s.rows; r++)
        for (size_t c = 0; c < s.cols; c++)
            if (s.hidden[r][c]) {
                assert_true (s.n < S_HIDDEN_MAX);
                s.r[s.n] = r;
                s.c[s.n] = c;
                s.lo[s.n] = s.hi[s.n] = truth[r][c];
                s.n++;
            }
    if (s.n == 0)
        return;
    s_search (&s, 0);
    for (size_t k = 0; k < s.n; k++) {
        if (s.lo[k] == s.hi[k] && s.r[k] < t->rows && s.c[k] < t->cols) {
            for (size_t r = 0; r < s.rows; r++)
                for (size_t c = 0; c < s.cols; c++)
                    print_error ("%s%ld%s",
                                 s.hidden[r][c] ? "[" : " ",
                                 truth[r][c],
                                 c + 1 == s.cols ? "\n" : " ");
            fail_msg ("suppressed cell [%zu][%zu] = %ld can be recomputed",
                      s.r[k],
                      s.c[k],
                      s.lo[k]);
        }
    }
}

static void
test_totals_never_reveal_a_suppressed_cell (void **state)
{
    (void)state;
    /* fixed shapes from the tests above */
    const long a[] = { 2, 15, 50, 40, 20, 30, 35, 45, 55 };
    monitor_table_t t = s_table (3, 3, a);
    s_check_unrecoverable (&t);
    const long b[] = { 3, 0, 12, 0, 8, 0, 14, 11, 0 };
    t = s_table (3, 3, b);
    s_check_unrecoverable (&t);
    /* every 2x3 and 3x3 table from a small pseudo-random generator */
    const long pool[] = { 0, 1, 2, 3, 5, 9, 10, 11, 14 };
    uint32_t x = 12345;
    for (int round = 0; round < 300; round++) {
        size_t rows = 2 + (size_t)(round % 2), cols = 3;
        long cells[9];
        for (size_t i = 0; i < rows * cols; i++) {
            x = x * 1103515245u + 12345u;
            cells[i] = pool[(x >> 16) % (sizeof pool / sizeof pool[0])];
        }
        t = s_table (rows, cols, cells);
        s_check_unrecoverable (&t);
    }
}


/* Linear check: the published grid (cells, row totals, column totals and
   the grand total; every row and column of it sums to its last entry) is
   a linear system in the hidden entries. A hidden entry can be recomputed
   exactly when its unit vector lies in the row space of that system:
   rank([A; e_k]) == rank(A). Unlike the brute force this ignores
   non-negativity, so it checks any size up to the suppressor's limits. */
#define S_LIN_MAX 80
static size_t
s_rank (double m[][S_LIN_MAX], size_t rows, size_t cols)
{
    size_t rank = 0;
    for (size_t c = 0; c < cols && rank < rows; c++) {
        size_t piv = rank;
        for (size_t r = rank; r < rows; r++)
            if (fabs (m[r][c]) > fabs (m[piv][c]))
                piv = r;
        if (fabs (m[piv][c]) < 1e-9)
            continue;
        for (size_t k = 0; k < cols; k++) {
            double t = m[rank][k];
            m[rank][k] = m[piv][k];
            m[piv][k] = t;
        }
        for (size_t r = 0; r < rows; r++) {
            if (r == rank)
                continue;
            double f = m[r][c] / m[rank][c];
            for (size_t k = 0; k < cols; k++)
                m[r][k] -= f * m[rank][k];
        }
        rank++;
    }
    return rank;
}

/* Returns the number of hidden cells (not totals) that can be recomputed. */
static size_t
s_linear_recoverable (const monitor_table_t *t, const monitor_published_t *p)
{
    size_t R = t->rows + 1, C = t->cols + 1;
    static int var[MONITOR_SUPPRESS_MAX_ROWS + 1][MONITOR_SUPPRESS_MAX_COLS + 1];
    size_t n = 0;
    for (size_t r = 0; r < R; r++)
        for (size_t c = 0; c < C; c++) {
            bool cell = r < t->rows && c < t->cols;
            bool hidden = cell               ? p->suppressed[r][c]
                          : r < t->rows      ? p->row_total_suppressed[r]
                          : c < t->cols      ? p->col_total_suppressed[c]
                                             : p->total_suppressed;
            var[r][c] = hidden ? (int)n++ : -1;
        }
    assert_true (n < S_LIN_MAX);
    if (n == 0)
        return 0;
    static double a[2 * S_LIN_MAX + 1][S_LIN_MAX], b[2 * S_LIN_MAX + 1][S_LIN_MAX];
    size_t eq = 0;
    for (size_t pass = 0; pass < 2; pass++) {
        size_t lines = pass ? C : R, len = pass ? R : C;
        for (size_t l = 0; l < lines; l++) {
            memset (a[eq], 0, sizeof a[eq]);
            bool any = false;
            for (size_t i = 0; i < len; i++) {
                size_t r = pass ? i : l, c = pass ? l : i;
                if (var[r][c] >= 0) {
                    a[eq][var[r][c]] = i + 1 == len ? -1.0 : 1.0;
                    any = true;
                }
            }
            eq += any;
        }
    }
    memcpy (b, a, sizeof a);
    size_t base = s_rank (b, eq, n);
    size_t recoverable = 0;
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++) {
            if (var[r][c] < 0)
                continue;
            memcpy (b, a, sizeof a);
            memset (b[eq], 0, sizeof b[eq]);
            b[eq][var[r][c]] = 1.0;
            if (s_rank (b, eq + 1, n) == base)
                recoverable++;
        }
    return recoverable;
}

static void
s_check_linear (const monitor_table_t *t, int threshold)
{
    monitor_suppress_config_t cfg = { threshold, 1 };
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, t, &p), 0);
    size_t k = s_linear_recoverable (t, &p);
    if (k) {
        for (size_t r = 0; r < t->rows; r++)
            for (size_t c = 0; c < t->cols; c++)
                print_error ("%s%ld%s", p.suppressed[r][c] ? "[" : " ", t->count[r][c],
                             c + 1 == t->cols ? "\n" : " ");
        fail_msg ("%zu suppressed cells can be recomputed", k);
    }
}

/* A bridge: two blocks of suppressed cells, each protected in its own rows
   and columns, joined by one more suppressed cell. Every line holds two or
   more suppressed entries, yet the joining cell is the sum of its block's
   row totals minus the block's column totals. */
static void
test_bridge_protected (void **state)
{
    (void)state;
    const long cells[] = { 3,  4,  40, 50,  //
                           5,  6,  2,  60,  //
                           70, 80, 7,  8,   //
                           90, 95, 9,  4 };
    monitor_table_t t = s_table (4, 4, cells);
    s_check_linear (&t, 10);
    s_check_unrecoverable (&t);
    /* the same after the suppressor's own choices: any 4x4 with small cells */
    const long pool[] = { 0, 1, 2, 3, 5, 9, 10, 11, 14, 30, 55 };
    uint32_t x = 777;
    for (int round = 0; round < 3000; round++) {
        size_t rows = 2 + (size_t)(round % 3), cols = 2 + (size_t)((round / 3) % 3);
        long c[16];
        for (size_t i = 0; i < rows * cols; i++) {
            x = x * 1103515245u + 12345u;
            c[i] = pool[(x >> 16) % (sizeof pool / sizeof pool[0])];
        }
        t = s_table (rows, cols, c);
        s_check_linear (&t, 10);
        if (round < 200 && rows * cols <= 12)
            s_check_unrecoverable (&t);
    }
}

/* Larger tables (as the report builds: up to 64 rows) against the linear check. */
static void
test_large_tables_linear (void **state)
{
    (void)state;
    uint32_t x = 4242;
    for (int round = 0; round < 60; round++) {
        monitor_table_t t;
        memset (&t, 0, sizeof t);
        t.rows = 3 + (size_t)(round % 6);
        t.cols = 3 + (size_t)((round / 6) % 5);
        for (size_t r = 0; r < t.rows; r++)
            for (size_t c = 0; c < t.cols; c++) {
                x = x * 1103515245u + 12345u;
                uint32_t v = (x >> 16) % 100;
                t.count[r][c] = v < 30 ? (long)(v % 10) : (long)v;
            }
        s_check_linear (&t, 10);
    }
}

/* A total below the threshold is not published, even when every cell
   under it is suppressed already (a regression: a total of 5 over cells
   of 1, 2 and 2 was shown). */
static void
test_small_total_suppressed (void **state)
{
    (void)state;
    monitor_suppress_config_t cfg = { 10, 5 };
    const long cells[] = { 1, 0, 2, 0, 2, 0, 40, 30, 20 };
    monitor_table_t t = s_table (3, 3, cells);
    monitor_published_t p;
    assert_int_equal (monitor_suppress_apply (&cfg, &t, &p), 0);
    assert_true (p.row_total_suppressed[0]); /* 3 */
    assert_true (p.row_total_suppressed[1]); /* 2 */
    assert_false (p.row_total_suppressed[2]);
    cfg.rounding = 1;
    s_check_unrecoverable (&t);
    s_check_linear (&t, 10);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_below_threshold_suppressed),
        cmocka_unit_test (test_zero_stays_zero),
        cmocka_unit_test (test_rounding),
        cmocka_unit_test (test_secondary_in_a_row),
        cmocka_unit_test (test_secondary_in_a_column),
        cmocka_unit_test (test_secondary_repeats_until_stable),
        cmocka_unit_test (test_lone_cell_protected),
        cmocka_unit_test (test_invalid_input),
        cmocka_unit_test (test_totals_never_reveal_a_suppressed_cell),
        cmocka_unit_test (test_bridge_protected),
        cmocka_unit_test (test_large_tables_linear),
        cmocka_unit_test (test_small_total_suppressed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
