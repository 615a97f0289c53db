/*  monitor_report - the ketencoordinator's page and the 3D page, read
    from the derived tables of migrations 0002 and 0003 (each row carries
    the region it counts in, r_gemeente/r_gebied, resolved when it was
    written) and published through monitor_suppress.

    Every query takes $1 = first day, $2 = last day of the period, $3 =
    gemeente ('' = region), $4 = gebied ('' = all); some take $5 (the first
    day of the 12-month trend window, a threshold or a number of days) and
    one $6. Medians and p90 are percentile_cont in SQL, so no query ships
    a row per trajectory. Each one filters on the row's own region, so a gemeente report never
    counts anything of another gemeente. */
#include "monitor_report.h"
#include "monitor_suppress.h"
#include "monitor_targets.h"

#include "ketenbus/kb_log.h"
#include "ketenbus/kb_validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_REGION " ($3 = '' OR r_gemeente = $3) AND ($4 = '' OR r_gebied = $4) "
#define S_T_REGION " ($3 = '' OR t.r_gemeente = $3) AND ($4 = '' OR t.r_gebied = $4) "
/* the month of d counted from $5 (the first month of the trend window) */
#define S_MONTH_IDX(d)                                                                             \
    " ((extract(year FROM " d ")::int - extract(year FROM $5::date)::int) * 12 +"                  \
    " extract(month FROM " d ")::int - extract(month FROM $5::date)::int) "
/* rows by gemeente, or by gebied inside one gemeente */
#define S_REGION_KEY                                                                               \
    " CASE WHEN $3 = '' THEN coalesce(r_gemeente, '-') ELSE coalesce(r_gebied, '-') END "
#define S_MONTHS 12

typedef struct
{
    const char *name;
    const char *sql;
    int nparams;
} s_stmt_t;

enum
{
    Q_CUSTOM_PLANS,
    Q_TRJ,
    Q_LEAD,
    Q_SHELTER_INOUT,
    Q_SHELTER_STAY,
    Q_SHELTER_DEST,
    Q_POT_STABLE,
    Q_SHELTER_HOUSING,
    Q_ZWERF_SPLIT,
    Q_ESCALATIONS,
    Q_OVERRIDES,
    Q_STALE,
    Q_CLIENTS,
    Q_PYRAMID,
    Q_COST,
    Q_SATISFACTION,
    Q_TREND_CLIENTS,
    Q_COUNT
};

/* Which table a Q_TRJ row belongs to (its column 0). */
enum
{
    S_TRJ_ORG,
    S_TRJ_TYPE,
    S_TRJ_REGION,
    S_TRJ_EARLY,
    S_TRJ_TREND,
    S_TRJ_ZWERF,
    S_TRJ_ORG_TYPE
};

static const s_stmt_t s_stmts[Q_COUNT] = {
    /* kb_db makes every connection plan generically; the report's
       statements are planned for their parameters (a period of a month
       takes the date indexes, the region filter folds away) */
    [Q_CUSTOM_PLANS] = { "mon_rep_custom_plans",
                         "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)",
                         0 },
    /* Every trajectory figure in one scan: f groups the trajectories by
       everything a figure splits on (a few thousand groups at most), c
       gives each group its columns (0 started in the period; 1 ongoing on
       the last day; 2..5 ended in the period by outcome), and the rows are
       (table, key, column, count): by regisseur, by type, by region, by
       the regisseur's organisation type and, for the early ends, by reason; then started per month of the trend
       window ($5) by type, and the zwerfjongeren ended in the period
       within $6 days of aangemeld (key true) or not (false). */
    [Q_TRJ] = { "mon_rep_trj",
                "WITH f AS (SELECT coalesce(org, '-') AS org, trajectory_type AS typ," S_REGION_KEY
                " AS rk, org_type AS ot,"
                "  CASE WHEN end_date BETWEEN $1 AND $2 AND outcome = 2 THEN early_end_reason END "
                "AS reason,"
                "  coalesce(begun BETWEEN $1 AND $2, false) AS started,"
                "  CASE WHEN end_date BETWEEN $1 AND $2 THEN CASE outcome WHEN 1 THEN 2 WHEN 2 "
                "THEN 3"
                "   WHEN 3 THEN 4 ELSE 5 END"
                "   WHEN begun <= $2 AND (end_date IS NULL OR end_date > $2) THEN 1 END AS st,"
                "  CASE WHEN begun BETWEEN $5 AND $2 AND $1::date <= $2 THEN" S_MONTH_IDX (
                  "begun") "END AS m,"
                           "  CASE WHEN trajectory_type = 3 AND end_date BETWEEN $1 AND $2 AND "
                           "begun IS NOT NULL"
                           "   THEN end_date - begun <= $6::int END AS zw,"
                           "  count(*) AS n FROM mon_trajectory WHERE" S_REGION
                           "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9),"
                           " c AS (SELECT f.org, f.typ, f.rk, f.ot, f.reason, x.col, f.n FROM f"
                           "  CROSS JOIN LATERAL (VALUES (CASE WHEN f.started THEN 0 END), (f.st)) "
                           "AS x (col)"
                           "  WHERE x.col IS NOT NULL)"
                           " SELECT CASE WHEN grouping (org) = 0 THEN 0 WHEN grouping (typ) = 0 "
                           "THEN 1"
                           "  WHEN grouping (rk) = 0 THEN 2 WHEN grouping (ot) = 0 THEN 6 ELSE 3 END,"
                           "  coalesce (org, typ::text, rk, ot::text, reason::text),"
                           "  col, sum(n) FROM c GROUP BY GROUPING SETS ((org, col), (typ, col), "
                           "(rk, col), (ot, col), (reason, col))"
                           "  HAVING grouping (reason) = 1 OR (reason IS NOT NULL AND col = 3)"
                           " UNION ALL SELECT 4, typ::text, m, sum(n) FROM f WHERE m IS NOT NULL "
                           "GROUP BY typ, m"
                           " UNION ALL SELECT 5, zw::text, 0, sum(n) FROM f WHERE zw IS NOT NULL "
                           "GROUP BY zw"
                           " ORDER BY 1, 2, 3",
                6 },
    /* One row: count, median and p90 of the days first signal -> first
       regisseur and -> plan (gezinnen with that date in the period), and
       -> end (trajectories ended in the period); then the match
       follow-up: gezinnen whose first match lies in the period and is at
       least $5 days ago or already followed by a regisseur, and how many
       of them had one within $5 days. percentile_cont skips NULLs. */
    [Q_LEAD] = { "mon_rep_lead",
                 "SELECT g.*, t.* FROM (SELECT count(a), percentile_cont(0.5) WITHIN GROUP (ORDER "
                 "BY a),"
                 "  percentile_cont(0.9) WITHIN GROUP (ORDER BY a),"
                 "  count(b), percentile_cont(0.5) WITHIN GROUP (ORDER BY b),"
                 "  percentile_cont(0.9) WITHIN GROUP (ORDER BY b),"
                 "  count(*) FILTER (WHERE m AND r), count(*) FILTER (WHERE m AND (r OR late))"
                 "  FROM (SELECT CASE WHEN first_regie_date BETWEEN $1 AND $2 AND "
                 "first_signal_date IS NOT NULL"
                 "    THEN greatest(first_regie_date - first_signal_date, 0) END AS a,"
                 "   CASE WHEN plan_date BETWEEN $1 AND $2 AND first_signal_date IS NOT NULL"
                 "    THEN greatest(plan_date - first_signal_date, 0) END AS b,"
                 "   first_match_date BETWEEN $1 AND $2 AS m,"
                 "   first_regie_date <= first_match_date + $5::int AS r,"
                 "   first_match_date + $5::int < current_date AS late"
                 "   FROM mon_gezin WHERE (first_regie_date BETWEEN $1 AND $2 OR plan_date BETWEEN "
                 "$1 AND $2"
                 "    OR first_match_date BETWEEN $1 AND $2)"
                 "    AND ($3 = '' OR gemeente_code = $3) AND ($4 = '' OR gebied = $4)) x) g,"
                 " (SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY d),"
                 "  percentile_cont(0.9) WITHIN GROUP (ORDER BY d)"
                 "  FROM (SELECT greatest(end_date - coalesce(first_signal_date, begun), 0) AS d"
                 "   FROM mon_trajectory WHERE end_date BETWEEN $1 AND $2"
                 "   AND coalesce(first_signal_date, begun) IS NOT NULL AND" S_REGION ") y) t",
                 5 },
    [Q_SHELTER_INOUT] = { "mon_rep_shelter_inout",
                          "SELECT" S_MONTH_IDX (
                            "in_date") "::text, 0, count(*) FROM mon_shelter"
                                       " WHERE in_date BETWEEN $5 AND $2 AND $1::date <= $2 "
                                       "AND" S_REGION " GROUP BY 1"
                                       " UNION ALL SELECT" S_MONTH_IDX (
                                         "out_date") "::text, 1, count(*)"
                                                     " FROM mon_shelter WHERE out_date BETWEEN $5 "
                                                     "AND $2 AND" S_REGION " GROUP BY 1",
                          5 },
    /* count, sum and median of the stays ending in the period */
    [Q_SHELTER_STAY] = { "mon_rep_shelter_stay",
                         "SELECT count(*), sum(d), percentile_cont(0.5) WITHIN GROUP (ORDER BY d)"
                         " FROM (SELECT greatest(out_date - in_date, 0) AS d FROM mon_shelter"
                         "  WHERE out_date BETWEEN $1 AND $2 AND in_date IS NOT NULL AND" S_REGION
                         ") x",
                         4 },
    [Q_SHELTER_DEST] = { "mon_rep_shelter_dest",
                         "SELECT destination::text, 0, count(*) FROM mon_shelter"
                         " WHERE out_date BETWEEN $1 AND $2 AND" S_REGION " GROUP BY 1 ORDER BY 1",
                         4 },
    /* POT persons with a trajectory active in the period and an
       assessment by its end: stable when the latest one scores housing
       (1), income (2) and social network (4) at least $5 */
    [Q_POT_STABLE] = { "mon_rep_pot_stable",
                       "SELECT count(*) FILTER (WHERE stable), count(*) FROM ("
                       " SELECT DISTINCT ON (who) who, coalesce(scores[1] >= $5 AND scores[2] >= $5"
                       "  AND scores[4] >= $5, false) AS stable FROM ("
                       "  SELECT coalesce(t.person_pseudonym, t.trajectory_id) AS who, a.scores,"
                       "   a.assessed_date, a.assessment_id"
                       "  FROM mon_trajectory t JOIN mon_assessment a ON a.trajectory_id ="
                       "   t.trajectory_id"
                       "  WHERE t.trajectory_type = 2 AND t.begun <= $2 AND (t.end_date IS NULL OR"
                       "   t.end_date >= $1) AND a.assessed_date <= $2 AND" S_T_REGION "  UNION ALL"
                       "  SELECT t.person_pseudonym, a.scores, a.assessed_date, a.assessment_id"
                       "  FROM mon_trajectory t JOIN mon_assessment a ON a.person_pseudonym ="
                       "   t.person_pseudonym"
                       "  WHERE t.trajectory_type = 2 AND t.begun <= $2 AND (t.end_date IS NULL OR"
                       "   t.end_date >= $1) AND a.assessed_date <= $2 AND" S_T_REGION ") x"
                       " ORDER BY who, assessed_date DESC, assessment_id DESC) y",
                       5 },
    [Q_SHELTER_HOUSING] = { "mon_rep_shelter_housing",
                            "SELECT count(*) FILTER (WHERE destination = 1), count(*) FROM "
                            "mon_shelter"
                            " WHERE out_date BETWEEN $1 AND $2 AND" S_REGION,
                            4 },
    /* zwerfjongeren leaving shelter home (3) or to (begeleid) zelfstandig wonen (1, 2) */
    [Q_ZWERF_SPLIT] = { "mon_rep_zwerf_split",
                        "SELECT count(*) FILTER (WHERE destination = 3),"
                        " count(*) FILTER (WHERE destination IN (1, 2)) FROM mon_shelter"
                        " WHERE out_date BETWEEN $1 AND $2 AND (shelter_type = 3 OR "
                        "trajectory_type = 3)"
                        " AND destination IN (1, 2, 3) AND" S_REGION,
                        4 },
    /* open on the last day, opened in the period, decided in the period
       and the median days to the decision */
    [Q_ESCALATIONS] = { "mon_rep_escalations",
                        "SELECT count(*) FILTER (WHERE opened_date <= $2 AND (resolved_date IS NULL"
                        "  OR resolved_date > $2)),"
                        " count(*) FILTER (WHERE opened_date BETWEEN $1 AND $2), count(d),"
                        " percentile_cont(0.5) WITHIN GROUP (ORDER BY d)"
                        " FROM (SELECT opened_date, resolved_date,"
                        "  CASE WHEN resolved_date BETWEEN $1 AND $2 AND opened_date IS NOT NULL"
                        "   THEN greatest(resolved_date - opened_date, 0) END AS d"
                        "  FROM mon_escalation WHERE" S_REGION ") x",
                        4 },
    [Q_OVERRIDES] = { "mon_rep_overrides",
                      "SELECT review_outcome::text, 0, count(*) FROM mon_share WHERE outcome = 3"
                      " AND decided_date BETWEEN $1 AND $2 AND" S_REGION " GROUP BY 1",
                      4 },
    /* client-tracking's stale-case reminders sent in the period, by kind,
       placed by their trajectory's region */
    [Q_STALE] = { "mon_rep_stale",
                  "SELECT CASE e.item_ref WHEN 'no_plan' THEN 0 WHEN 'no_update' THEN 1 ELSE 2 END,"
                  " 0, count(*) FROM monitoring_event e LEFT JOIN mon_trajectory t"
                  " ON t.trajectory_id = e.trajectory_id WHERE e.event_type = 17"
                  " AND e.event_date BETWEEN $1 AND $2 AND" S_T_REGION " GROUP BY 1",
                  4 },
    [Q_CLIENTS] = { "mon_rep_clients",
                    "SELECT" S_REGION_KEY ", CASE WHEN wet BETWEEN 1 AND 3 THEN wet - 1 ELSE 3 END,"
                    " count(DISTINCT coalesce(person_pseudonym, toewijzing_id)) FROM "
                    "mon_toewijzing"
                    " WHERE active_from <= $2 AND (active_to IS NULL OR active_to >= $1) "
                    "AND" S_REGION " GROUP BY 1, 2 ORDER BY 1",
                    4 },
    [Q_PYRAMID] = { "mon_rep_pyramid",
                    "SELECT CASE WHEN pyramid_level BETWEEN 1 AND 4 THEN pyramid_level - 1 ELSE 4 "
                    "END::text,"
                    " CASE WHEN wet BETWEEN 1 AND 3 THEN wet - 1 ELSE 3 END, count(*) FROM "
                    "mon_toewijzing"
                    " WHERE active_from <= $2 AND (active_to IS NULL OR active_to >= $1) "
                    "AND" S_REGION " GROUP BY 1, 2",
                    4 },
    [Q_COST] = { "mon_rep_cost",
                 "SELECT" S_REGION_KEY ", CASE WHEN wet BETWEEN 1 AND 3 THEN wet - 1 ELSE 3 END,"
                 " product_category, volume, unit, frequency, cost_cents,"
                 " active_from - DATE '1970-01-01', coalesce(active_to - DATE '1970-01-01', -1)"
                 " FROM mon_toewijzing"
                 " WHERE active_from <= $2 AND (active_to IS NULL OR active_to >= $1) AND" S_REGION,
                 4 },
    [Q_SATISFACTION] = { "mon_rep_satisfaction",
                         "SELECT CASE WHEN wet BETWEEN 1 AND 3 THEN wet - 1 ELSE 3 END::text, "
                         "count(*),"
                         " sum(score) FROM mon_satisfaction WHERE measured_date BETWEEN $1 AND "
                         "$2 AND" S_REGION " GROUP BY 1",
                         4 },
    [Q_TREND_CLIENTS] = { "mon_rep_trend_clients",
                          "SELECT CASE WHEN wet BETWEEN 1 AND 3 THEN wet - 1 ELSE 3 END::text, m.i,"
                          " count(DISTINCT coalesce(person_pseudonym, toewijzing_id))"
                          " FROM generate_series(0, 11) AS m(i)"
                          " CROSS JOIN LATERAL (SELECT ($5::date + make_interval(months => "
                          "m.i))::date AS f) mf"
                          " JOIN mon_toewijzing w ON w.active_from < (mf.f + interval '1 "
                          "month')::date"
                          " AND (w.active_to IS NULL OR w.active_to >= mf.f)"
                          " WHERE w.active_from <= $2 AND $1::date <= $2 AND" S_REGION
                          " GROUP BY 1, 2",
                          5 },
};

static const char *const s_outcome_cols[] = { "",
                                              "Gestart",
                                              "Lopend",
                                              "Succesvol afgerond",
                                              "Vroegtijdig beëindigd",
                                              "Overgedragen",
                                              "Anders afgerond" };
static const char *const s_types[] = { "Onbekend", "Gezinsplan", "POT", "Zwerfjongere", "PGA" };
/* OrgType order */
static const char *const s_org_types[] = { "Onbekend",
                                           "CJG",
                                           "Veiligheidshuis",
                                           "GGD Vangnet",
                                           "Maatschappelijke opvang",
                                           "Vrouwenopvang",
                                           "Wijkteam",
                                           "Veilig Thuis",
                                           "Gemeente",
                                           "Zorgaanbieder",
                                           "Ketencoördinator" };
static const char *const s_reasons[] = { "Onbekend",          "Cliënt weigert", "Geen contact",
                                         "Detentie",          "Opname kliniek", "Niet passend",
                                         "Gedrag/huisregels", "Overig" };
static const char *const s_destinations[] = { "Onbekend",         "Zelfstandig wonen",
                                              "Begeleid wonen",   "Terug naar huis",
                                              "Andere opvang",    "Detentie/kliniek",
                                              "Onbekend (gemeld)" };
static const char *const s_wetten[] = { "Wmo", "Jeugdwet", "Participatiewet", "Onbekend" };
static const char *const s_levels[] = { "Eigen kracht/netwerk",
                                        "Basisvoorziening",
                                        "Maatwerk",
                                        "Specialistisch",
                                        "Onbekend" };
static const char *const s_reviews[] = { "Nog niet beoordeeld", "Terecht", "Niet terecht" };
static const char *const s_stale_kinds[] = { "Regisseur zonder plan",
                                             "Geen update",
                                             "Anders" };

/* Building state of one page. */
typedef struct
{
    kb_db_t *db;
    const monitor_report_config_t *cfg;
    monitor_report_t *rep;
    monitor_suppress_config_t sup;
    char from[11], to[11], trend[11];
    int32_t from_d, to_d, trend_d;
    const char *region_label;
    long match[2]; /* match follow-up: within the term, counted (from Q_LEAD) */
    bool failed;
} s_ctx_t;

/* A table of counts while it is filled: rows by label. */
typedef struct
{
    size_t rows, cols;
    char *labels[MONITOR_SUPPRESS_MAX_ROWS];
    bool fixed; /* rows given up front; keys are row numbers */
    monitor_table_t t;
} s_counts_t;

/* Every trajectory figure of the keten page, from one Q_TRJ scan. */
typedef struct
{
    s_counts_t by[3]; /* S_TRJ_ORG, S_TRJ_TYPE, S_TRJ_REGION */
    s_counts_t by_org_type;
    s_counts_t early;
    s_counts_t trend;
    long zwerf_fast, zwerf_all;
} s_trj_t;

static char *
s_strdup (const char *s)
{
    return strdup (s ? s : "");
}

/* Runs statement q with the period and region (and $5, $6 when it
   takes them). */
static PGresult *
s_query6 (s_ctx_t *ctx, int q, const char *p5, const char *p6)
{
    if (ctx->failed)
        return NULL;
    const s_stmt_t *st = &s_stmts[q];
    if (kb_db_prepare (ctx->db, st->name, st->sql, st->nparams) != 0) {
        kb_error ("could not prepare report statement \"%s\"", st->name);
        ctx->failed = true;
        return NULL;
    }
    const char *v[6] = { ctx->from, ctx->to, ctx->rep->filter.gemeente, ctx->rep->filter.gebied,
                         p5,        p6 };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (ctx->db, st->name, st->nparams, v, NULL, NULL, &rc);
    if (!res) {
        kb_error ("could not run report statement \"%s\" sqlstate=%s",
                  st->name,
                  kb_db_last_sqlstate (ctx->db));
        ctx->failed = true;
    }
    return res;
}

static PGresult *
s_query (s_ctx_t *ctx, int q, const char *p5)
{
    return s_query6 (ctx, q, p5, NULL);
}

static long
s_long (PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? 0 : atol (PQgetvalue (res, row, col));
}

/* A percentile_cont result; NAN when NULL (no values). */
static double
s_double (PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? NAN : strtod (PQgetvalue (res, row, col), NULL);
}

/* Tables and cells -------------------------------------------------------- */

static monitor_report_table_t *
s_table_new (s_ctx_t *ctx,
             const char *id,
             const char *title,
             const char *note,
             monitor_chart_t chart,
             size_t n_cols,
             const char *const *cols,
             size_t n_rows)
{
    monitor_report_t *rep = ctx->rep;
    monitor_report_table_t *tables = realloc (rep->tables, (rep->n_tables + 1) * sizeof *tables);
    if (!tables) {
        ctx->failed = true;
        return NULL;
    }
    rep->tables = tables;
    monitor_report_table_t *t = &tables[rep->n_tables++];
    memset (t, 0, sizeof *t);
    t->id = s_strdup (id);
    t->title = s_strdup (title);
    t->note = note ? s_strdup (note) : NULL;
    t->chart = chart;
    t->n_cols = n_cols;
    t->cols = calloc (n_cols, sizeof *t->cols);
    for (size_t c = 0; t->cols && c < n_cols; c++)
        t->cols[c] = s_strdup (cols[c]);
    t->n_rows = n_rows;
    size_t n_cells = n_rows * n_cols;
    t->cells = calloc (n_cells > 0 ? n_cells : 1, sizeof *t->cells);
    if (!t->cols || !t->cells) {
        ctx->failed = true;
        return NULL;
    }
    for (size_t i = 0; i < n_rows * n_cols; i++)
        t->cells[i].value = NAN;
    return t;
}

static monitor_cell_t *
s_cell (monitor_report_table_t *t, size_t r, size_t c)
{
    return &t->cells[r * t->n_cols + c];
}

static void
s_cell_text (monitor_report_table_t *t, size_t r, size_t c, const char *text)
{
    monitor_cell_t *cell = s_cell (t, r, c);
    free (cell->text);
    cell->text = s_strdup (text);
    cell->value = NAN;
}

static void
s_cell_hidden (monitor_report_table_t *t, size_t r, size_t c)
{
    s_cell_text (t, r, c, "·");
    s_cell (t, r, c)->suppressed = true;
}

static void
s_cell_count (monitor_report_table_t *t, size_t r, size_t c, long shown, bool suppressed)
{
    if (suppressed) {
        s_cell_hidden (t, r, c);
        return;
    }
    char buf[32];
    snprintf (buf, sizeof buf, "%ld", shown);
    s_cell_text (t, r, c, buf);
    s_cell (t, r, c)->value = (double)shown;
}

/* A number with decimals decimals and a decimal comma, an optional unit. */
static void
s_cell_number (monitor_report_table_t *t,
               size_t r,
               size_t c,
               double v,
               int decimals,
               const char *unit)
{
    if (isnan (v)) {
        s_cell_hidden (t, r, c);
        return;
    }
    double scale = pow (10, decimals);
    double rounded = round (v * scale) / scale;
    char buf[48];
    snprintf (buf, sizeof buf, "%.*f%s%s", decimals, rounded, unit ? " " : "", unit ? unit : "");
    char *dot = strchr (buf, '.');
    if (dot)
        *dot = ',';
    s_cell_text (t, r, c, buf);
    s_cell (t, r, c)->value = rounded;
}

/* "€ 1.234" (whole euros, dot as thousands separator). */
static void
s_cell_euro (monitor_report_table_t *t, size_t r, size_t c, long long cents, bool suppressed)
{
    if (suppressed) {
        s_cell_hidden (t, r, c);
        return;
    }
    long long euros = llround ((double)cents / 100.0);
    char digits[32], buf[48];
    snprintf (digits, sizeof digits, "%lld", euros < 0 ? -euros : euros);
    size_t n = strlen (digits), o = 0;
    o += (size_t)snprintf (buf, sizeof buf, "€ %s", euros < 0 ? "-" : "");
    for (size_t i = 0; i < n && o + 2 < sizeof buf; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = '.';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    s_cell_text (t, r, c, buf);
    s_cell (t, r, c)->value = (double)euros;
}

/* One count that stands alone (not part of a table with totals): through
   monitor_suppress as a 1x1 table. */
static bool
s_suppress_one (s_ctx_t *ctx, long n, long *shown)
{
    monitor_table_t *t = calloc (1, sizeof *t);
    monitor_published_t *p = calloc (1, sizeof *p);
    bool hidden = true;
    if (t && p) {
        t->rows = t->cols = 1;
        t->count[0][0] = n;
        if (monitor_suppress_apply (&ctx->sup, t, p) == 0) {
            hidden = p->suppressed[0][0];
            *shown = p->shown[0][0];
        }
    }
    free (t);
    free (p);
    return hidden;
}

static void
s_cell_single (s_ctx_t *ctx, monitor_report_table_t *t, size_t r, size_t c, long n)
{
    long shown = 0;
    bool hidden = s_suppress_one (ctx, n, &shown);
    s_cell_count (t, r, c, shown, hidden);
}

/* A share of a base, as monitor_targets_pct publishes it. */
static void
s_cell_pct (s_ctx_t *ctx, monitor_report_table_t *t, size_t r, size_t c, long num, long den)
{
    s_cell_number (
      t, r, c, monitor_targets_pct (num, den, ctx->sup.threshold, ctx->sup.rounding), 0, "%");
}

/* Counts tables ----------------------------------------------------------- */

static void
s_counts_init (s_counts_t *c, size_t cols, const char *const *fixed, size_t n_fixed)
{
    memset (c, 0, sizeof *c);
    c->cols = cols;
    c->t.cols = cols;
    if (fixed) {
        c->fixed = true;
        c->rows = n_fixed;
        for (size_t i = 0; i < n_fixed; i++)
            c->labels[i] = s_strdup (fixed[i]);
    }
    c->t.rows = c->rows;
}

static void
s_counts_free (s_counts_t *c)
{
    for (size_t i = 0; i < c->rows; i++)
        free (c->labels[i]);
    c->rows = 0;
}

/* The row of key: the row number for fixed rows, else the row labelled
   key (added when new; past the limit everything goes into "Overig"). */
static long
s_counts_row (s_counts_t *c, const char *key)
{
    if (c->fixed) {
        long r = atol (key);
        return r >= 0 && (size_t)r < c->rows ? r : -1;
    }
    for (size_t i = 0; i < c->rows; i++)
        if (strcmp (c->labels[i], key) == 0)
            return (long)i;
    if (c->rows == MONITOR_SUPPRESS_MAX_ROWS - 1) {
        c->labels[c->rows++] = s_strdup ("Overig");
        c->t.rows = c->rows;
    }
    if (c->rows == MONITOR_SUPPRESS_MAX_ROWS)
        return (long)c->rows - 1;
    c->labels[c->rows] = s_strdup (key);
    c->t.rows = ++c->rows;
    return (long)c->rows - 1;
}

static void
s_counts_add (s_counts_t *c, const char *key, long col, long n)
{
    long r = s_counts_row (c, key);
    if (r >= 0 && col >= 0 && (size_t)col < c->cols)
        c->t.count[r][col] += n;
}

/* (key, col, count) rows of res into c. */
static void
s_counts_fill (s_counts_t *c, PGresult *res)
{
    for (int i = 0; res && i < PQntuples (res); i++)
        s_counts_add (c, PQgetvalue (res, i, 0), s_long (res, i, 1), s_long (res, i, 2));
}

/* Publishes c as a table: column 0 the row labels, a "Totaal" row with
   the column totals when total_row, a "Totaal" column with the row totals
   when total_col. out (may be NULL) receives what was published. */
static monitor_report_table_t *
s_publish (s_ctx_t *ctx,
           const char *id,
           const char *title,
           const char *note,
           monitor_chart_t chart,
           const char *const *cols,
           s_counts_t *c,
           bool total_row,
           bool total_col,
           monitor_published_t *out)
{
    monitor_published_t *p = out ? out : calloc (1, sizeof *p);
    if (!p) {
        ctx->failed = true;
        return NULL;
    }
    const char *headings[MONITOR_SUPPRESS_MAX_COLS + 2];
    for (size_t i = 0; i <= c->cols; i++)
        headings[i] = cols[i];
    if (total_col)
        headings[c->cols + 1] = "Totaal";
    size_t n_cols = c->cols + 1 + (total_col ? 1 : 0);
    monitor_report_table_t *t = NULL;
    if (monitor_suppress_apply (&ctx->sup, &c->t, p) != 0) {
        ctx->failed = true;
        goto done;
    }
    t = s_table_new (ctx, id, title, note, chart, n_cols, headings, c->rows + (total_row ? 1 : 0));
    if (!t)
        goto done;
    for (size_t r = 0; r < c->rows; r++) {
        s_cell_text (t, r, 0, c->labels[r]);
        for (size_t k = 0; k < c->cols; k++)
            s_cell_count (t, r, k + 1, p->shown[r][k], p->suppressed[r][k]);
        if (total_col)
            s_cell_count (t, r, c->cols + 1, p->row_total[r], p->row_total_suppressed[r]);
    }
    if (total_row) {
        s_cell_text (t, c->rows, 0, "Totaal");
        for (size_t k = 0; k < c->cols; k++)
            s_cell_count (t, c->rows, k + 1, p->col_total[k], p->col_total_suppressed[k]);
        if (total_col)
            s_cell_count (t, c->rows, c->cols + 1, p->total, p->total_suppressed);
    }
done:
    if (!out)
        free (p);
    return t;
}

/* The 12 month labels of the trend window. */
static void
s_month_cols (s_ctx_t *ctx,
              const char *first,
              char labels[S_MONTHS][8],
              const char *cols[S_MONTHS + 1])
{
    cols[0] = first;
    for (int m = 0; m < S_MONTHS; m++) {
        char d[11];
        monitor_targets_date (monitor_targets_month_start (ctx->trend_d, m), d);
        snprintf (labels[m], 8, "%.7s", d);
        cols[m + 1] = labels[m];
    }
}

/* The keten page --------------------------------------------------------- */

/* Runs Q_TRJ into trj; false on failure. */
static bool
s_trj_load (s_ctx_t *ctx, s_trj_t *trj)
{
    s_counts_init (&trj->by[S_TRJ_ORG], 6, NULL, 0);
    s_counts_init (&trj->by[S_TRJ_TYPE], 6, s_types, 5);
    s_counts_init (&trj->by[S_TRJ_REGION], 6, NULL, 0);
    s_counts_init (
      &trj->by_org_type, 6, s_org_types, sizeof s_org_types / sizeof s_org_types[0]);
    s_counts_init (&trj->early, 1, s_reasons, sizeof s_reasons / sizeof s_reasons[0]);
    s_counts_init (&trj->trend, S_MONTHS, s_types, 5);
    char days[16];
    snprintf (days, sizeof days, "%d", ctx->cfg->target_zwerf_through_days);
    PGresult *res = s_query6 (ctx, Q_TRJ, ctx->trend, days);
    if (!res)
        return false;
    /* rows come ordered by table, key and column, so the rows of a table
       keep the order of their keys */
    for (int i = 0; i < PQntuples (res); i++) {
        long tab = s_long (res, i, 0), col = s_long (res, i, 2), n = s_long (res, i, 3);
        const char *key = PQgetvalue (res, i, 1);
        switch (tab) {
            case S_TRJ_ORG:
            case S_TRJ_TYPE:
            case S_TRJ_REGION:
                s_counts_add (&trj->by[tab], key, col, n);
                break;
            case S_TRJ_EARLY:
                s_counts_add (&trj->early, key, 0, n);
                break;
            case S_TRJ_TREND:
                s_counts_add (&trj->trend, key, col, n);
                break;
            case S_TRJ_ORG_TYPE:
                s_counts_add (&trj->by_org_type, key, col, n);
                break;
            case S_TRJ_ZWERF:
                trj->zwerf_all += n;
                if (strcmp (key, "true") == 0)
                    trj->zwerf_fast += n;
                break;
            default:
                break;
        }
    }
    PQclear (res);
    return true;
}

static void
s_trj_free (s_trj_t *trj)
{
    for (int k = 0; k < 3; k++)
        s_counts_free (&trj->by[k]);
    s_counts_free (&trj->by_org_type);
    s_counts_free (&trj->early);
    s_counts_free (&trj->trend);
}

static void
s_trajectories (s_ctx_t *ctx,
                s_counts_t *c,
                const char *id,
                const char *title,
                const char *row_head)
{
    const char *cols[7];
    memcpy (cols, s_outcome_cols, sizeof cols);
    cols[0] = row_head;
    s_publish (ctx,
               id,
               title,
               "Gestart: aangemeld in de periode; lopend: gestart en niet afgerond op de einddatum;"
               " afgerond: einddatum in de periode, naar uitkomst.",
               MONITOR_CHART_BARS,
               cols,
               c,
               true,
               false,
               NULL);
}

static void
s_simple_counts (s_ctx_t *ctx,
                 int q,
                 const char *p5,
                 const char *id,
                 const char *title,
                 const char *note,
                 monitor_chart_t chart,
                 const char *const *cols,
                 size_t n_cols,
                 const char *const *rows,
                 size_t n_rows,
                 bool total_row)
{
    PGresult *res = s_query (ctx, q, p5);
    if (!res)
        return;
    s_counts_t *c = calloc (1, sizeof *c);
    if (c) {
        s_counts_init (c, n_cols, rows, n_rows);
        s_counts_fill (c, res);
        s_publish (ctx, id, title, note, chart, cols, c, total_row, false, NULL);
        s_counts_free (c);
        free (c);
    } else
        ctx->failed = true;
    PQclear (res);
}

static void
s_lead_times (s_ctx_t *ctx)
{
    char p5[16];
    snprintf (p5, sizeof p5, "%d", ctx->cfg->match_followup_days);
    PGresult *res = s_query (ctx, Q_LEAD, p5);
    if (!res)
        return;
    if (PQntuples (res) != 1) {
        PQclear (res);
        ctx->failed = true;
        return;
    }
    /* (count, median, p90) at columns 0, 3, 8 */
    static const int at[3] = { 0, 3, 8 };
    long n[3];
    double median[3], p90[3];
    for (int k = 0; k < 3; k++) {
        n[k] = s_long (res, 0, at[k]);
        median[k] = s_double (res, 0, at[k] + 1);
        p90[k] = s_double (res, 0, at[k] + 2);
    }
    ctx->match[0] = s_long (res, 0, 6);
    ctx->match[1] = s_long (res, 0, 7);
    PQclear (res);
    static const char *cols[] = { "Doorlooptijd", "Aantal", "Mediaan", "P90" };
    static const char *rows[] = { "Eerste signaal → regisseur",
                                  "Eerste signaal → plan",
                                  "Eerste signaal → einde traject" };
    monitor_report_table_t *t = s_table_new (
      ctx,
      "lead_times",
      "Doorlooptijden (dagen)",
      "Regisseur en plan: gezinnen met hun eerste regisseur of plan in de periode;"
      " einde: trajecten afgerond in de periode. Mediaan en p90 alleen bij voldoende aantal.",
      MONITOR_CHART_BARS,
      4,
      cols,
      3);
    for (size_t r = 0; t && r < 3; r++) {
        s_cell_text (t, r, 0, rows[r]);
        s_cell_single (ctx, t, r, 1, n[r]);
        bool enough = n[r] > 0 && n[r] >= ctx->sup.threshold;
        s_cell_number (t, r, 2, enough ? median[r] : NAN, 0, NULL);
        s_cell_number (t, r, 3, enough ? p90[r] : NAN, 0, NULL);
    }
}

static void
s_shelter (s_ctx_t *ctx)
{
    char labels[S_MONTHS][8];
    const char *mcols[S_MONTHS + 1];
    s_month_cols (ctx, "Maand", labels, mcols);
    /* in/out per month: rows are the months */
    const char *rows[S_MONTHS];
    for (int m = 0; m < S_MONTHS; m++)
        rows[m] = labels[m];
    static const char *inout_cols[] = { "Maand", "Instroom", "Uitstroom" };
    s_simple_counts (
      ctx,
      Q_SHELTER_INOUT,
      ctx->trend,
      "shelter_inout",
      "Opvang: instroom en uitstroom per maand",
      "Episodes met instroom- of uitstroomdatum in de maand (12 maanden tot het einde van"
      " de periode).",
      MONITOR_CHART_INOUT,
      inout_cols,
      2,
      rows,
      S_MONTHS,
      true);
    /* length of stay of the uitstroom in the period */
    PGresult *res = s_query (ctx, Q_SHELTER_STAY, NULL);
    if (res && PQntuples (res) == 1) {
        long n = s_long (res, 0, 0);
        double sum = (double)s_long (res, 0, 1), median = s_double (res, 0, 2);
        static const char *cols[] = { "", "Aantal", "Gemiddeld (dagen)", "Mediaan (dagen)" };
        monitor_report_table_t *t =
          s_table_new (ctx,
                       "shelter_stay",
                       "Opvang: verblijfsduur bij uitstroom",
                       "Uitstroom in de periode; uitstroomdatum min instroomdatum.",
                       MONITOR_CHART_NONE,
                       4,
                       cols,
                       1);
        if (t) {
            bool enough = n > 0 && n >= ctx->sup.threshold;
            s_cell_text (t, 0, 0, "Uitstroom");
            s_cell_single (ctx, t, 0, 1, n);
            s_cell_number (t, 0, 2, enough ? sum / (double)n : NAN, 1, NULL);
            s_cell_number (t, 0, 3, enough ? median : NAN, 0, NULL);
        }
    } else if (res)
        ctx->failed = true;
    PQclear (res);
    static const char *dcols[] = { "Bestemming", "Uitstroom" };
    s_simple_counts (ctx,
                     Q_SHELTER_DEST,
                     NULL,
                     "shelter_destinations",
                     "Opvang: bestemming bij uitstroom",
                     "Uitstroom in de periode naar bestemming.",
                     MONITOR_CHART_BARS,
                     dcols,
                     1,
                     s_destinations,
                     sizeof s_destinations / sizeof s_destinations[0],
                     true);
}

/* num and den of a two-count query */
static bool
s_pair (s_ctx_t *ctx, int q, const char *p5, long *a, long *b)
{
    PGresult *res = s_query (ctx, q, p5);
    if (!res)
        return false;
    *a = PQntuples (res) ? s_long (res, 0, 0) : 0;
    *b = PQntuples (res) ? s_long (res, 0, 1) : 0;
    PQclear (res);
    return true;
}

static void
s_target_row (s_ctx_t *ctx,
              monitor_report_table_t *t,
              size_t r,
              const char *label,
              long num,
              long den,
              int target_pct)
{
    s_cell_text (t, r, 0, label);
    s_cell_pct (ctx, t, r, 1, num, den);
    if (target_pct >= 0) {
        s_cell_number (t, r, 2, target_pct, 0, "%");
    } else
        s_cell_text (t, r, 2, "—");
    s_cell_single (ctx, t, r, 3, den);
}

static void
s_targets (s_ctx_t *ctx, const s_trj_t *trj)
{
    const monitor_report_config_t *cfg = ctx->cfg;
    char p5[16];
    long n[6][2] = { { 0 } };
    snprintf (p5, sizeof p5, "%d", cfg->stable_threshold);
    s_pair (ctx, Q_POT_STABLE, p5, &n[0][0], &n[0][1]);
    s_pair (ctx, Q_SHELTER_HOUSING, NULL, &n[1][0], &n[1][1]);
    n[2][0] = trj->zwerf_fast;
    n[2][1] = trj->zwerf_all;
    long home = 0, independent = 0;
    s_pair (ctx, Q_ZWERF_SPLIT, NULL, &home, &independent);
    n[5][0] = ctx->match[0];
    n[5][1] = ctx->match[1];
    if (ctx->failed)
        return;
    static const char *cols[] = { "Doel", "Waarde", "Streefwaarde", "Basis (aantal)" };
    monitor_report_table_t *t = s_table_new (
      ctx,
      "targets",
      "Beleidsdoelen",
      "Waarde naast streefwaarde; een percentage wordt alleen getoond als de basis de drempel "
      "haalt."
      " Matchopvolging: gezinnen met een match in de periode die binnen de termijn een regisseur"
      " hebben (de Verwijsindex laat zo'n 40 % zonder opvolging).",
      MONITOR_CHART_BARS,
      4,
      cols,
      6);
    if (!t)
        return;
    char label[128];
    snprintf (label,
              sizeof label,
              "POT-deelnemers stabiel (wonen, inkomen, netwerk ≥ %d)",
              cfg->stable_threshold);
    s_target_row (ctx, t, 0, label, n[0][0], n[0][1], cfg->target_pot_stable_pct);
    s_target_row (ctx,
                  t,
                  1,
                  "Uitstroom opvang naar zelfstandig wonen",
                  n[1][0],
                  n[1][1],
                  cfg->target_shelter_housing_pct);
    snprintf (
      label, sizeof label, "Zwerfjongeren binnen %d dagen door", cfg->target_zwerf_through_days);
    s_target_row (ctx, t, 2, label, n[2][0], n[2][1], 100);
    s_target_row (ctx,
                  t,
                  3,
                  "Zwerfjongeren terug naar huis",
                  home,
                  home + independent,
                  cfg->target_zwerf_home_pct);
    s_target_row (ctx,
                  t,
                  4,
                  "Zwerfjongeren naar (begeleid) zelfstandig wonen",
                  independent,
                  home + independent,
                  cfg->target_zwerf_independent_pct);
    snprintf (
      label, sizeof label, "Matches met regisseur binnen %d dagen", cfg->match_followup_days);
    s_target_row (ctx, t, 5, label, n[5][0], n[5][1], -1);
}

static void
s_escalations (s_ctx_t *ctx)
{
    PGresult *res = s_query (ctx, Q_ESCALATIONS, NULL);
    if (!res)
        return;
    if (PQntuples (res) != 1) {
        PQclear (res);
        ctx->failed = true;
        return;
    }
    long count[3] = { s_long (res, 0, 0), s_long (res, 0, 1), s_long (res, 0, 2) };
    double median = s_double (res, 0, 3);
    PQclear (res);
    static const char *cols[] = { "Escalaties", "Aantal", "Mediaan dagen tot besluit" };
    static const char *rows[] = { "Open op de einddatum",
                                  "Geëscaleerd in de periode",
                                  "Besloten in de periode" };
    monitor_report_table_t *t = s_table_new (ctx,
                                             "escalations",
                                             "Escalaties naar de ketencoördinator",
                                             NULL,
                                             MONITOR_CHART_NONE,
                                             3,
                                             cols,
                                             3);
    for (size_t r = 0; t && r < 3; r++) {
        s_cell_text (t, r, 0, rows[r]);
        s_cell_single (ctx, t, r, 1, count[r]);
        if (r == 2 && count[2] > 0 && count[2] >= ctx->sup.threshold)
            s_cell_number (t, r, 2, median, 0, NULL);
        else if (r == 2)
            s_cell_hidden (t, r, 2);
        else
            s_cell_text (t, r, 2, "");
    }
}

static void
s_trend_started (s_ctx_t *ctx, s_counts_t *c)
{
    char labels[S_MONTHS][8];
    const char *cols[S_MONTHS + 1];
    s_month_cols (ctx, "Type", labels, cols);
    s_publish (ctx,
               "trend_started",
               "Gestarte trajecten per maand",
               "Trajecten naar maand van aanmelding, 12 maanden tot het einde van de periode.",
               MONITOR_CHART_TREND,
               cols,
               c,
               true,
               false,
               NULL);
}

static void
s_keten (s_ctx_t *ctx)
{
    s_trj_t *trj = calloc (1, sizeof *trj);
    if (!trj) {
        ctx->failed = true;
        return;
    }
    if (!s_trj_load (ctx, trj))
        goto done;
    s_trajectories (
      ctx, &trj->by[S_TRJ_ORG], "trajectories_by_org", "Trajecten per regisseur", "Regisseur");
    s_trajectories (
      ctx, &trj->by[S_TRJ_TYPE], "trajectories_by_type", "Trajecten per type", "Type");
    s_trajectories (ctx,
                    &trj->by_org_type,
                    "trajectories_by_org_type",
                    "Trajecten per soort regisseur",
                    "Soort regisseur");
    s_trajectories (ctx,
                    &trj->by[S_TRJ_REGION],
                    "trajectories_by_region",
                    "Trajecten per gemeente of gebied",
                    ctx->region_label);
    static const char *ecols[] = { "Reden", "Vroegtijdig beëindigd" };
    s_publish (ctx,
               "early_end_reasons",
               "Vroegtijdig beëindigde trajecten naar reden",
               "Trajecten met uitkomst vroegtijdig beëindigd en einddatum in de periode.",
               MONITOR_CHART_BARS,
               ecols,
               &trj->early,
               true,
               false,
               NULL);
    s_lead_times (ctx);
    s_shelter (ctx);
    s_targets (ctx, trj);
    s_escalations (ctx);
    static const char *ocols[] = { "Beoordeling", "Delingen" };
    s_simple_counts (ctx,
                     Q_OVERRIDES,
                     NULL,
                     "override_shares",
                     "Delingen op wettelijke grond (override) en hun beoordeling",
                     "Delingen zonder toestemming op wettelijke grond, besloten in de periode.",
                     MONITOR_CHART_BARS,
                     ocols,
                     1,
                     s_reviews,
                     3,
                     true);
    static const char *scols[] = { "Soort", "Herinneringen" };
    s_simple_counts (ctx,
                     Q_STALE,
                     NULL,
                     "stale_cases",
                     "Herinneringen bij stilstaande trajecten",
                     "Herinneringen aan de regisseur, verstuurd in de periode: geen plan binnen de"
                     " termijn of te lang geen update (client-tracking, stale/no_plan_s en stale/no_update_s).",
                     MONITOR_CHART_BARS,
                     scols,
                     1,
                     s_stale_kinds,
                     3,
                     true);
    s_trend_started (ctx, &trj->trend);
done:
    s_trj_free (trj);
    free (trj);
}

/* The 3D page ------------------------------------------------------------ */

static void
s_3d_clients_cost (s_ctx_t *ctx)
{
    PGresult *res = s_query (ctx, Q_CLIENTS, NULL);
    if (!res)
        return;
    s_counts_t *c = calloc (1, sizeof *c);
    monitor_published_t *p = calloc (1, sizeof *p);
    long long (*cost)[4] = calloc (MONITOR_SUPPRESS_MAX_ROWS + 1, sizeof *cost);
    monitor_targets_tariffs_t *tariffs = NULL;
    if (!c || !p || !cost) {
        ctx->failed = true;
        goto done;
    }
    const char *cols[] = { ctx->region_label, "Wmo", "Jeugdwet", "Participatiewet", "Onbekend" };
    s_counts_init (c, 4, NULL, 0);
    s_counts_fill (c, res);
    PQclear (res);
    res = NULL;
    monitor_report_table_t *t =
      s_publish (ctx,
                 "clients",
                 "Cliënten met een actieve toewijzing",
                 "Verschillende personen met een toewijzing die in de periode actief was, per wet;"
                 " het totaal telt een persoon eenmaal per gemeente of gebied en wet.",
                 MONITOR_CHART_BARS,
                 cols,
                 c,
                 true,
                 false,
                 p);
    if (!t)
        goto done;
    /* cost: priced per toewijzing, summed per cell; a cell is published
       exactly where the clients cell is (same rows, columns and totals) */
    if (ctx->cfg->tariffs) {
        int bad = 0;
        tariffs = monitor_targets_tariffs_load (ctx->cfg->tariffs, &bad);
        if (!tariffs)
            kb_warning ("could not read tariffs file=\"%s\" line=%d: costs by budget only",
                        ctx->cfg->tariffs,
                        bad);
    }
    res = s_query (ctx, Q_COST, NULL);
    if (!res)
        goto done;
    long unpriced = 0;
    for (int i = 0; i < PQntuples (res); i++) {
        long r = -1;
        for (size_t k = 0; k < c->rows; k++)
            if (strcmp (c->labels[k], PQgetvalue (res, i, 0)) == 0)
                r = (long)k;
        if (r < 0 && c->rows == MONITOR_SUPPRESS_MAX_ROWS)
            r = (long)c->rows - 1; /* "Overig" */
        long w = s_long (res, i, 1);
        if (r < 0 || w < 0 || w > 3)
            continue;
        long to = s_long (res, i, 8);
        monitor_targets_care_t care = {
            .product_category = PQgetisnull (res, i, 2) ? NULL : PQgetvalue (res, i, 2),
            .volume = s_long (res, i, 3),
            .unit = (int)s_long (res, i, 4),
            .frequency = (int)s_long (res, i, 5),
            .cost_cents = atoll (PQgetvalue (res, i, 6)),
            .start = (int32_t)s_long (res, i, 7),
            .end = to < 0 ? INT32_MAX : (int32_t)to,
        };
        long long cents = monitor_targets_cost_cents (&care, ctx->from_d, ctx->to_d, tariffs);
        if (cents < 0) {
            unpriced++;
            continue;
        }
        cost[r][w] += cents;
        cost[MONITOR_SUPPRESS_MAX_ROWS][w] += cents;
    }
    char note[256];
    snprintf (note,
              sizeof note,
              "Budget naar rato van de actieve dagen, anders volume × frequentie × tarief per"
              " productcategorie (tariffs/file); %s",
              unpriced ? "toewijzingen zonder budget of tarief zijn niet meegeteld."
                       : "alle toewijzingen hebben een budget of tarief.");
    monitor_report_table_t *ct = s_table_new (ctx,
                                              "cost",
                                              "Kosten van actieve toewijzingen",
                                              note,
                                              MONITOR_CHART_BARS,
                                              5,
                                              cols,
                                              c->rows + 1);
    for (size_t r = 0; ct && r <= c->rows; r++) {
        bool total = r == c->rows;
        s_cell_text (ct, r, 0, total ? "Totaal" : c->labels[r]);
        for (size_t w = 0; w < 4; w++)
            s_cell_euro (ct,
                         r,
                         w + 1,
                         cost[total ? MONITOR_SUPPRESS_MAX_ROWS : r][w],
                         total ? p->col_total_suppressed[w] : p->suppressed[r][w]);
    }
done:
    PQclear (res);
    monitor_targets_tariffs_destroy (&tariffs);
    if (c)
        s_counts_free (c);
    free (c);
    free (p);
    free (cost);
}

static void
s_3d_satisfaction (s_ctx_t *ctx)
{
    PGresult *res = s_query (ctx, Q_SATISFACTION, NULL);
    if (!res)
        return;
    s_counts_t *c = calloc (1, sizeof *c);
    monitor_published_t *p = calloc (1, sizeof *p);
    double sum[4] = { 0 };
    if (!c || !p) {
        ctx->failed = true;
        goto done;
    }
    s_counts_init (c, 1, s_wetten, 4);
    for (int i = 0; i < PQntuples (res); i++) {
        long w = s_long (res, i, 0);
        if (w < 0 || w > 3)
            continue;
        c->t.count[w][0] += s_long (res, i, 1);
        sum[w] += (double)s_long (res, i, 2);
    }
    if (monitor_suppress_apply (&ctx->sup, &c->t, p) != 0) {
        ctx->failed = true;
        goto done;
    }
    static const char *cols[] = { "Wet", "Metingen", "Gemiddelde score (1-10)" };
    monitor_report_table_t *t =
      s_table_new (ctx,
                   "satisfaction",
                   "Cliënttevredenheid",
                   "Metingen in de periode; het gemiddelde alleen bij voldoende metingen.",
                   MONITOR_CHART_BARS,
                   3,
                   cols,
                   5);
    double all = 0;
    for (size_t r = 0; t && r < 5; r++) {
        bool total = r == 4;
        long n = total ? 0 : c->t.count[r][0];
        if (total)
            for (int w = 0; w < 4; w++)
                n += c->t.count[w][0], all += sum[w];
        bool hidden = total ? p->col_total_suppressed[0] : p->suppressed[r][0];
        s_cell_text (t, r, 0, total ? "Totaal" : s_wetten[r]);
        s_cell_count (t, r, 1, total ? p->col_total[0] : p->shown[r][0], hidden);
        bool enough = !hidden && n > 0 && n >= ctx->sup.threshold;
        s_cell_number (t, r, 2, enough ? (total ? all : sum[r]) / (double)n : NAN, 1, NULL);
    }
done:
    PQclear (res);
    if (c)
        s_counts_free (c);
    free (c);
    free (p);
}

static void
s_3d (s_ctx_t *ctx)
{
    s_3d_clients_cost (ctx);
    static const char *pcols[] = { "Niveau", "Wmo", "Jeugdwet", "Participatiewet", "Onbekend" };
    s_simple_counts (ctx,
                     Q_PYRAMID,
                     NULL,
                     "pyramid",
                     "Voorzieningen per niveau van de piramide",
                     "Toewijzingen die in de periode actief waren, goedkoopste niveau eerst.",
                     MONITOR_CHART_PYRAMID,
                     pcols,
                     4,
                     s_levels,
                     5,
                     true);
    s_3d_satisfaction (ctx);
    char labels[S_MONTHS][8];
    const char *cols[S_MONTHS + 1];
    s_month_cols (ctx, "Wet", labels, cols);
    s_simple_counts (
      ctx,
      Q_TREND_CLIENTS,
      ctx->trend,
      "trend_clients",
      "Cliënten met een actieve toewijzing per maand",
      "Verschillende personen per wet met een toewijzing die in de maand actief was.",
      MONITOR_CHART_TREND,
      cols,
      S_MONTHS,
      s_wetten,
      4,
      true);
}

/* Interface --------------------------------------------------------------- */

int
monitor_report_filter_parse (monitor_report_filter_t *out,
                             const char *kind,
                             const char *period,
                             const char *gemeente,
                             const char *gebied,
                             const char **reason)
{
    return monitor_targets_filter_parse (out, kind, period, gemeente, gebied, reason);
}

monitor_report_t *
monitor_report_build (kb_db_t *db,
                      const monitor_report_config_t *config,
                      monitor_page_t page,
                      const monitor_report_filter_t *filter)
{
    if (!db || !config || !filter)
        return NULL;
    monitor_report_t *rep = calloc (1, sizeof *rep);
    if (!rep)
        return NULL;
    rep->page = page;
    rep->filter = *filter;
    time_t now = time (NULL);
    struct tm tm;
    gmtime_r (&now, &tm);
    strftime (rep->generated_at, sizeof rep->generated_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    s_ctx_t ctx = { .db = db, .cfg = config, .rep = rep };
    ctx.sup.threshold = config->suppress_threshold > 0 ? config->suppress_threshold : 10;
    ctx.sup.rounding = config->suppress_rounding > 0 ? config->suppress_rounding : 5;
    ctx.region_label = *filter->gemeente ? "Gebied" : "Gemeente";
    /* "today" is the local date, as the daemons date their events */
    struct tm local;
    localtime_r (&now, &local);
    int32_t today = kb_days_from_civil (local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
    if (monitor_targets_period_days (filter, today, &ctx.from_d, &ctx.to_d) != 0) {
        monitor_report_destroy (&rep);
        return NULL;
    }
    ctx.trend_d = monitor_targets_month_start (ctx.to_d, -(S_MONTHS - 1));
    monitor_targets_date (ctx.from_d, ctx.from);
    monitor_targets_date (ctx.to_d, ctx.to);
    monitor_targets_date (ctx.trend_d, ctx.trend);
    /* one snapshot for every table of the page */
    bool tx = kb_db_exec (db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") == KB_DB_OK;
    if (!tx)
        ctx.failed = true;
    else
        PQclear (s_query (&ctx, Q_CUSTOM_PLANS, NULL)); /* this transaction only */
    if (!ctx.failed && page == MONITOR_PAGE_KETEN)
        s_keten (&ctx);
    else if (!ctx.failed)
        s_3d (&ctx);
    if (tx)
        kb_db_rollback (db);
    if (ctx.failed)
        monitor_report_destroy (&rep);
    return rep;
}

const monitor_report_table_t *
monitor_report_table (const monitor_report_t *report, const char *id)
{
    for (size_t i = 0; report && id && i < report->n_tables; i++)
        if (strcmp (report->tables[i].id, id) == 0)
            return &report->tables[i];
    return NULL;
}

void
monitor_report_destroy (monitor_report_t **report_p)
{
    if (!report_p || !*report_p)
        return;
    monitor_report_t *rep = *report_p;
    for (size_t i = 0; i < rep->n_tables; i++) {
        monitor_report_table_t *t = &rep->tables[i];
        free (t->id);
        free (t->title);
        free (t->note);
        for (size_t c = 0; t->cols && c < t->n_cols; c++)
            free (t->cols[c]);
        free (t->cols);
        for (size_t k = 0; t->cells && k < t->n_rows * t->n_cols; k++)
            free (t->cells[k].text);
        free (t->cells);
    }
    free (rep->tables);
    free (rep);
    *report_p = NULL;
}
