/*  bench_monitoring - how long a dashboard page (report built and
    rendered as HTML with its SVG charts) and a CSV export (report built,
    its largest table as CSV) take over a large monitoring schema, next to
    a plain SELECT count(*) over monitoring_event measured in the same run
    (shared machines are noisy, the ratio is the figure).

    Loading: N trajectory events (default 1 000 000) are generated with
    generate_series straight into monitoring_event and, with the derive
    trigger off (session_replication_role = replica), into the derived
    tables exactly as the triggers of migrations 0002 and 0003 would have
    written them (with the resolved region r_gemeente/r_gebied, the
    gezin's first signal date on the trajectory and the trajectory's type
    on the shelter episode):
    N/2 trajectories with an AANGEMELD event and an AFGEROND or
    IN_UITVOERING event each, one gezin per trajectory with its first
    signal, regisseur and plan dates, and per 20 trajectories a shelter
    episode, an assessment and a toewijzing, over 12 gemeenten with 3
    gebieden each. Going through apply would take an hour on a shared
    machine; the trigger's own correctness is it_monitoring_report's job.

    Usage: bench_monitoring [events]. Not a test. */
#include "kb_test_support.h"
#include "ketenbus/kb_db.h"
#include "monitor_render.h"
#include "monitor_report.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kb_db_t *s_db;

static void
s_exec (const char *sql)
{
    if (kb_db_exec (s_db, sql) != KB_DB_OK) {
        fprintf (stderr,
                 "bench_monitoring: failed sqlstate=%s: %.120s\n",
                 kb_db_last_sqlstate (s_db),
                 sql);
        exit (1);
    }
}

static double
s_ms (int64_t from_us)
{
    return (double)(zclock_usecs () - from_us) / 1000.0;
}

static double
s_count_ms (void)
{
    int64_t t0 = zclock_usecs ();
    PGresult *res = PQexec (kb_db_conn (s_db), "SELECT count(*) FROM monitoring_event");
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        exit (1);
    PQclear (res);
    return s_ms (t0);
}

/* What a dashboard request does for one page: the report built and
   rendered as the HTML page (with its SVG charts), and as the CSV export
   of its largest table (build + CSV, as /export/<page>/<id>.csv does). */
static void
s_report (const monitor_report_config_t *cfg,
          monitor_page_t page,
          const char *kind,
          const char *period,
          const char *gemeente)
{
    monitor_report_filter_t f;
    const char *why;
    if (monitor_report_filter_parse (&f, kind, period, gemeente, "", &why) != 0)
        exit (1);
    double base = s_count_ms ();
    int64_t t0 = zclock_usecs ();
    monitor_report_t *r = monitor_report_build (s_db, cfg, page, &f);
    double build_ms = s_ms (t0);
    if (!r) {
        fprintf (stderr, "bench_monitoring: report failed\n");
        exit (1);
    }
    int64_t t1 = zclock_usecs ();
    kb_http_buf_t html = { 0 };
    monitor_render_view_t view = { .user = "bench",
                                   .role = "ketencoordinator",
                                   .kind = kind,
                                   .period = period,
                                   .gemeente = gemeente,
                                   .gebied = "" };
    monitor_render_page (&html, r, page, &view, NULL);
    double page_ms = build_ms + s_ms (t1);
    size_t cells = 0, hidden = 0, largest = 0;
    for (size_t i = 0; i < r->n_tables; i++) {
        const monitor_report_table_t *t = &r->tables[i];
        cells += t->n_rows * t->n_cols;
        for (size_t k = 0; k < t->n_rows * t->n_cols; k++)
            hidden += t->cells[k].suppressed;
        if (t->n_rows * t->n_cols > r->tables[largest].n_rows * r->tables[largest].n_cols)
            largest = i;
    }
    int64_t t2 = zclock_usecs ();
    kb_http_buf_t csv = { 0 };
    monitor_render_table_csv (&csv, &r->tables[largest]);
    double csv_ms = build_ms + s_ms (t2);
    printf ("%-5s %-7s %-8s %-6s page %8.1f ms (%6.1fx)  csv %8.1f ms (%6.1fx)"
            "  count(*) %7.1f ms  html %zu B, %zu tables, %zu cells, %zu suppressed\n",
            page == MONITOR_PAGE_KETEN ? "keten" : "3d",
            kind,
            *period ? period : "-",
            *gemeente ? gemeente : "region",
            page_ms,
            page_ms / base,
            csv_ms,
            csv_ms / base,
            base,
            html.len,
            r->n_tables,
            cells,
            hidden);
    kb_http_buf_free (&html);
    kb_http_buf_free (&csv);
    monitor_report_destroy (&r);
}

/* COPY ... TO STDOUT (CSV) of the largest table, read to the end. */
static void
s_dump (void)
{
    double base = s_count_ms ();
    int64_t t0 = zclock_usecs ();
    PGconn *conn = kb_db_conn (s_db);
    PGresult *res = PQexec (conn, "COPY monitoring_event TO STDOUT (FORMAT csv)");
    if (PQresultStatus (res) != PGRES_COPY_OUT)
        exit (1);
    PQclear (res);
    char *buf;
    long long bytes = 0, rows = 0;
    int n;
    while ((n = PQgetCopyData (conn, &buf, 0)) > 0) {
        bytes += n;
        rows++;
        PQfreemem (buf);
    }
    res = PQgetResult (conn);
    PQclear (res);
    double ms = s_ms (t0);
    printf (
      "dump monitoring_event csv rows %lld bytes %lld %8.1f ms  count(*) %7.1f ms  ratio %5.1f\n",
      rows,
      bytes,
      ms,
      base,
      ms / base);
}

int
main (int argc, char *argv[])
{
    long events = argc > 1 ? atol (argv[1]) : 1000000;
    if (events < 40)
        events = 40;
    char *conn = kbt_db_create ("bench_monitoring");
    s_db = kb_db_connect (conn, "monitoring", 10000);
    if (!s_db || kb_db_migrate (s_db, KB_MIGRATIONS_DIR, "monitoring") ||
        kb_db_migrate (s_db, KB_MIGRATIONS_DIR, "link"))
        return 1;
    int64_t t0 = zclock_usecs ();
    char sql[8192];
    long n = events / 2; /* trajectories */
    s_exec ("SET session_replication_role = replica");
    s_exec ("BEGIN");
    /* trajectory i: gemeente i % 12, gebied (i / 12) % 3, type i % 4 + 1,
       aangemeld 2025-01-01 + i % 700 days, ended after i % 200 days when
       i % 3 > 0 (outcome i % 5 + 1), else ongoing */
    snprintf (sql,
              sizeof sql,
              "CREATE TEMP TABLE g AS SELECT i, lpad(((i %% 12) + 1)::text, 4, '0') AS gem,"
              " 'gebied-' || (i %% 12) || '-' || ((i / 12) %% 3) AS geb, (i %% 4) + 1 AS typ,"
              " DATE '2025-01-01' + (i %% 700) AS aangemeld,"
              " CASE WHEN i %% 3 > 0 THEN DATE '2025-01-01' + (i %% 700) + (i %% 200) END AS ended,"
              " (i %% 5) + 1 AS outcome, 'org-' || (i %% 40) AS org"
              " FROM generate_series(1, %ld) AS s(i)",
              n);
    s_exec (sql);
    s_exec (
      "INSERT INTO monitoring_event (message_id, sender, event_type, occurred_at, gezin_ref,"
      " trajectory_id, gemeente_code, gebied, org, org_type, trajectory_type, trajectory_state,"
      " trajectory_outcome, early_end_reason, event_date, start_date, end_date, duration_days)"
      " SELECT 'm' || i || '-' || k, 'client-tracking', 7, now(), 'g' || i, 't' || i, gem, geb, "
      "org, 6,"
      "  typ, CASE WHEN k = 0 THEN 1 WHEN ended IS NULL THEN 3 ELSE 4 END,"
      "  CASE WHEN k = 1 AND ended IS NOT NULL THEN outcome ELSE 0 END,"
      "  CASE WHEN k = 1 AND ended IS NOT NULL AND outcome = 2 THEN (i % 7) + 1 ELSE 0 END,"
      "  CASE WHEN k = 0 THEN aangemeld ELSE coalesce(ended, aangemeld + 14) END, aangemeld,"
      "  CASE WHEN k = 1 THEN ended END,"
      "  CASE WHEN k = 0 THEN 0 ELSE coalesce(ended, aangemeld + 14) - aangemeld END"
      " FROM g CROSS JOIN generate_series(0, 1) AS k");
    s_exec (
      "INSERT INTO mon_trajectory (trajectory_id, trajectory_type, gezin_ref, org, org_type,"
      " gemeente_code, gebied, aangemeld_date, plan_date, end_date, state, state_date, state_at,"
      " outcome, early_end_reason, r_gemeente, r_gebied, first_signal_date)"
      " SELECT 't' || i, typ, 'g' || i, org, 6, gem, geb, aangemeld,"
      "  coalesce(ended, aangemeld + 14), ended, CASE WHEN ended IS NULL THEN 3 ELSE 4 END,"
      "  coalesce(ended, aangemeld + 14), now(), CASE WHEN ended IS NULL THEN 0 ELSE outcome END,"
      "  CASE WHEN ended IS NOT NULL AND outcome = 2 THEN (i % 7) + 1 ELSE 0 END, gem, geb,"
      "  aangemeld - (i % 10) FROM g");
    s_exec (
      "INSERT INTO mon_gezin (gezin_ref, gemeente_code, gebied, region_date, first_signal_date,"
      " first_regie_date, first_regie_org, first_match_date, plan_date)"
      " SELECT 'g' || i, gem, geb, aangemeld - (i % 10), aangemeld - (i % 10), aangemeld,"
      "  org, CASE WHEN i % 4 = 0 THEN aangemeld - (i % 10) + 1 END, aangemeld + (i % 30) FROM g");
    s_exec (
      "INSERT INTO mon_shelter (episode_id, person_pseudonym, trajectory_id, shelter_type, org,"
      " gemeente_code, gebied, in_date, out_date, destination, r_gemeente, r_gebied,"
      " trajectory_type)"
      " SELECT 'e' || i, NULL, 't' || i, (i % 3) + 1, 'opvang', gem, geb, aangemeld,"
      "  CASE WHEN i % 2 = 0 THEN aangemeld + (i % 120) END,"
      "  CASE WHEN i % 2 = 0 THEN (i % 6) + 1 ELSE 0 END, gem, geb, typ FROM g WHERE i % 20 = 0");
    s_exec ("INSERT INTO mon_assessment (assessment_id, trajectory_id, moment, assessed_date,"
            " gemeente_code, gebied, scores, r_gemeente, r_gebied)"
            " SELECT 'a' || i, 't' || i, 2, aangemeld + 30, gem, geb,"
            "  ARRAY[(i % 5) + 1, ((i / 5) % 5) + 1, 3, ((i / 25) % 5) + 1, 3, 3, 3, 3], gem, geb"
            " FROM g WHERE i % 20 = 1");
    s_exec (
      "INSERT INTO mon_toewijzing (toewijzing_id, person_pseudonym, org, gemeente_code, gebied,"
      " wet, product_category, pyramid_level, volume, unit, frequency, cost_cents,"
      " assigned_start, planned_end, r_gemeente, r_gebied)"
      " SELECT 'w' || i, 'p' || (i / 3), 'aanbieder', gem, geb, (i % 3) + 1, '0' || (i % 5),"
      "  (i % 4) + 1, 2, 2, 2, CASE WHEN i % 2 = 0 THEN 100000 ELSE 0 END, aangemeld,"
      "  CASE WHEN i % 3 = 0 THEN aangemeld + 180 END, gem, geb FROM g WHERE i % 20 = 2");
    s_exec ("INSERT INTO mon_satisfaction (measurement_id, gemeente_code, gebied, wet, score, "
            "measured_date, r_gemeente, r_gebied)"
            " SELECT 's' || i, gem, geb, (i % 3) + 1, (i % 10) + 1, aangemeld, gem, geb FROM g"
            " WHERE i % 20 = 3");
    s_exec ("COMMIT");
    s_exec ("SET session_replication_role = origin");
    s_exec ("ANALYZE");
    printf (
      "loaded %ld trajectory events (%ld trajectories) in %.1f s\n", n * 2, n, s_ms (t0) / 1000.0);

    monitor_report_config_t cfg = { .suppress_threshold = 10,
                                    .suppress_rounding = 5,
                                    .target_pot_stable_pct = 80,
                                    .target_shelter_housing_pct = 20,
                                    .target_zwerf_through_days = 90,
                                    .target_zwerf_home_pct = 70,
                                    .target_zwerf_independent_pct = 30,
                                    .match_followup_days = 30,
                                    .stable_threshold = 4,
                                    .tariffs = KB_MIGRATIONS_DIR "/../config/tariffs.conf" };
    s_count_ms (); /* warm the cache */
    for (int page = 0; page < 2; page++) {
        monitor_page_t p = (monitor_page_t)page;
        s_report (&cfg, p, "live", "", "");
        s_report (&cfg, p, "month", "2026-03", "");
        s_report (&cfg, p, "quarter", "2025-Q4", "");
        s_report (&cfg, p, "live", "", "0003");
        s_report (&cfg, p, "month", "2026-03", "0003");
    }
    s_dump ();
    kb_db_destroy (&s_db);
    free (conn);
    return 0;
}
