/*  it_dashboard - the real monitoring daemon's dashboard and every
    daemon's /metrics against real PostgreSQL: no or bad credentials are
    refused on every page and export, the ketencoordinator sees the
    tables, a gemeente account only its own gemeente (403 for another, on
    the page, CSV and JSON), every request leaves an audit row and the chain
    verifies, a bad filter is a 400, a gebied with <script> comes back
    escaped; /metrics of intake, zorgtoewijzing, client-tracking and
    monitoring parse and their numbers move when messages are queued. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include "kb_test_http.h"
#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_uuid.h"
#include "monitor_auth.h"

#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kbt_intake_t *s_intake;
static char *s_conn, *s_log;
static pid_t s_mon, s_zorg, s_track;
static int s_http, s_mport, s_zport, s_tport, s_iport;
static char s_keten[MONITOR_AUTH_TOKEN_LEN + 1], s_gem[MONITOR_AUTH_TOKEN_LEN + 1],
  s_revoked[MONITOR_AUTH_TOKEN_LEN + 1];
static long s_audited; /* requests that must have written an audit row */

static char *
s_printf (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    char *s = NULL;
    if (vasprintf (&s, fmt, ap) < 0)
        abort ();
    va_end (ap);
    return s;
}

static pid_t
s_spawn (const char *name, const char *const env[])
{
    char *bin = kbt_bin (name);
    const char *argv[] = { bin, NULL };
    pid_t pid = kbt_spawn (argv, env, s_log);
    free (bin);
    return pid;
}

/* waits until port answers /metrics */
static int
s_wait_port (int port, pid_t pid)
{
    int64_t deadline = kbt_now_ms () + 20000;
    while (kbt_now_ms () < deadline && kbt_wait (pid, 0) < 0) {
        int status;
        char *a = kbt_http (port, "GET", "/metrics", NULL, NULL, &status);
        free (a);
        if (status == 200)
            return 0;
        kbt_sleep_ms (50);
    }
    fprintf (stderr, "daemon on port %d did not start; log %s\n", port, s_log);
    return -1;
}

static int
s_setup (void **state)
{
    (void)state;
    s_intake = kbt_intake_setup ("it_dashboard");
    s_conn = strdup (s_intake->conninfo);
    s_log = s_printf ("%s/daemons.log", s_intake->dir);
    s_http = kbt_free_port ();
    s_mport = kbt_free_port ();
    s_zport = kbt_free_port ();
    s_tport = kbt_free_port ();
    s_iport = kbt_free_port ();

    char *e_conn = s_printf ("KETENBUS_DB_CONNINFO=%s", s_conn);
    char *e_http = s_printf ("KETENBUS_HTTP_LISTEN=127.0.0.1:%d", s_http);
    char *e_met = s_printf ("KETENBUS_METRICS_LISTEN=127.0.0.1:%d", s_mport);
    char *e_link = s_printf ("KETENBUS_LINK_LISTEN=ipc://%s/monitoring.sock", s_intake->dir);
    const char *menv[] = { e_conn, e_http, e_met, e_link, "KETENBUS_LINK_MAX_ATTEMPTS=2", NULL };
    s_mon = s_spawn ("monitoring", menv);
    if (s_wait_port (s_mport, s_mon))
        return -1;

    char *rules = kbt_source_path ("deploy/config/regie-rules.conf");
    char *e_rules = s_printf ("KETENBUS_RULES_FILE=%s", rules);
    char *e_zm = s_printf ("KETENBUS_METRICS_LISTEN=127.0.0.1:%d", s_zport);
    char *e_zl = s_printf ("KETENBUS_LINK_LISTEN=ipc://%s/zorg-it.sock", s_intake->dir);
    char *e_zi = s_printf ("KETENBUS_LINK_INTAKE=ipc://%s/nobody-1.sock", s_intake->dir);
    const char *zenv[] = { e_conn, e_rules, e_zm, e_zl, e_zi, "KETENBUS_LINK_TRACKING=", NULL };
    s_zorg = s_spawn ("zorgtoewijzing", zenv);
    if (s_wait_port (s_zport, s_zorg))
        return -1;

    char *e_tm = s_printf ("KETENBUS_METRICS_LISTEN=127.0.0.1:%d", s_tport);
    char *e_tl = s_printf ("KETENBUS_LINK_LISTEN=ipc://%s/tracking-it.sock", s_intake->dir);
    char *e_tmo = s_printf ("KETENBUS_LINK_MONITORING=ipc://%s/nobody-2.sock", s_intake->dir);
    char *e_ti = s_printf ("KETENBUS_LINK_INTAKE=ipc://%s/nobody-3.sock", s_intake->dir);
    const char *tenv[] = { e_conn, e_tm, e_tl, e_tmo, e_ti, NULL };
    s_track = s_spawn ("client-tracking", tenv);
    if (s_wait_port (s_tport, s_track))
        return -1;

    char *e_im = s_printf ("KETENBUS_METRICS_LISTEN=127.0.0.1:%d", s_iport);
    const char *ienv[] = { e_im, NULL };
    kbt_intake_start (s_intake, ienv);
    char *to_free[] = { e_conn, e_http, e_met, e_link, rules, e_rules, e_zm,
                        e_zl,   e_zi,   e_tm,  e_tl,   e_tmo, e_ti,    e_im };
    for (size_t i = 0; i < sizeof to_free / sizeof to_free[0]; i++)
        free (to_free[i]);

    /* accounts, made the way ketenctl makes them */
    kb_db_t *db = kb_db_connect (s_conn, "monitoring", 5000);
    assert_non_null (db);
    assert_int_equal (monitor_auth_prepare (db), 0);
    assert_int_equal (
      monitor_auth_user_add (db, "kc", MONITOR_ROLE_KETENCOORDINATOR, NULL, 30, s_keten, NULL), 0);
    assert_int_equal (
      monitor_auth_user_add (db, "helmond", MONITOR_ROLE_GEMEENTE, "0794", 30, s_gem, NULL), 0);
    assert_int_equal (
      monitor_auth_user_add (db, "gone", MONITOR_ROLE_KETENCOORDINATOR, NULL, 30, s_revoked, NULL),
      0);
    assert_int_equal (monitor_auth_user_revoke (db, "gone"), 0);
    kb_db_destroy (&db);
    /* events of two gemeenten */
    kbt_exec (
      s_conn,
      "INSERT INTO monitoring.monitoring_event (message_id, sender, event_type, occurred_at, "
      "gemeente_code, gebied) SELECT 'it-' || i, 'client-tracking', 1 + i % 3, now(), "
      "CASE WHEN i % 3 = 0 THEN '0762' ELSE '0794' END, 'Noord' FROM generate_series(1, 90) i");
    return 0;
}

static int
s_teardown (void **state)
{
    (void)state;
    pid_t pids[] = { s_mon, s_zorg, s_track };
    for (size_t i = 0; i < 3; i++)
        if (pids[i] > 0)
            kbt_kill (pids[i], SIGTERM);
    kbt_intake_teardown (&s_intake);
    free (s_conn);
    free (s_log);
    return 0;
}

/* GET path with an optional bearer token; returns the answer */
static char *
s_get (const char *path, const char *token, int *status)
{
    char hdr[128] = "";
    if (token)
        snprintf (hdr, sizeof hdr, "Authorization: Bearer %s\r\n", token);
    char *a = kbt_http (s_http, "GET", path, token ? hdr : NULL, NULL, status);
    assert_non_null (a);
    s_audited++;
    return a;
}

static void
s_expect (const char *path, const char *token, int want)
{
    int status;
    char *a = s_get (path, token, &status);
    if (status != want)
        fprintf (stderr, "%s: %d, wanted %d\n%s\n", path, status, want, a);
    assert_int_equal (status, want);
    free (a);
}

static const char *const s_paths[] = {
    "/", "/3d", "/export/keten.json", "/export/3d.json", "/export/keten/x.csv", "/export/3d/x.json"
};

static void
test_refused_without_valid_credentials (void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_paths / sizeof s_paths[0]; i++) {
        bool page = i < 2;
        s_expect (s_paths[i], NULL, page ? 302 : 401);
        s_expect (
          s_paths[i], "kbd_0000000000000000000000000000000000000000000000000000000000000000", 401);
        s_expect (s_paths[i], s_revoked, 401);
        s_expect (s_paths[i], "not-a-token", 401);
    }
    int status;
    char *a = s_get ("/", NULL, &status);
    char loc[64];
    assert_int_equal (kbt_http_header (a, "Location", loc, sizeof loc), 0);
    assert_string_equal (loc, "/login");
    free (a);
    /* a login with the revoked token gives no cookie */
    a = kbt_http (s_http, "POST", "/login", NULL, "token=x", &status);
    s_audited++;
    assert_int_equal (status, 401);
    char *body = s_printf ("token=%s", s_revoked);
    free (a);
    a = kbt_http (s_http, "POST", "/login", NULL, body, &status);
    s_audited++;
    assert_int_equal (status, 401);
    assert_int_not_equal (kbt_http_header (a, "Set-Cookie", loc, sizeof loc), 0);
    free (a);
    free (body);
}

static void
test_ketencoordinator_sees_the_tables (void **state)
{
    (void)state;
    int status;
    char *a = s_get ("/", s_keten, &status);
    assert_int_equal (status, 200);
    const char *html = kbt_http_body (a);
    assert_non_null (strstr (html, "<table"));
    assert_non_null (strstr (html, "<svg"));
    assert_non_null (strstr (html, "onderdrukt"));
    char h[256];
    assert_int_equal (kbt_http_header (a, "Content-Security-Policy", h, sizeof h), 0);
    assert_non_null (strstr (h, "default-src 'none'"));
    assert_null (strstr (h, "unsafe-inline"));
    assert_int_equal (kbt_http_header (a, "X-Frame-Options", h, sizeof h), 0);
    assert_string_equal (h, "DENY");
    assert_int_equal (kbt_http_header (a, "Cache-Control", h, sizeof h), 0);
    assert_string_equal (h, "no-store");
    free (a);
    s_expect ("/3d", s_keten, 200);

    /* every table of the page as CSV and JSON, by the ids the JSON names */
    a = s_get ("/export/keten.json", s_keten, &status);
    assert_int_equal (status, 200);
    const char *json = kbt_http_body (a);
    assert_non_null (strstr (json, "\"tables\""));
    int tables = 0;
    for (const char *p = strstr (json, "{\"id\": \""); p; p = strstr (p + 1, "{\"id\": \"")) {
        char id[80];
        if (sscanf (p, "{\"id\": \"%79[a-z0-9_]\"", id) != 1)
            continue;
        char path[160];
        snprintf (path, sizeof path, "/export/keten/%s.csv", id);
        s_expect (path, s_keten, 200);
        snprintf (path, sizeof path, "/export/keten/%s.json", id);
        s_expect (path, s_keten, 200);
        tables++;
    }
    assert_true (tables > 0);
    free (a);
    s_expect ("/export/keten/no_such_table.csv", s_keten, 404);
}

static void
test_gemeente_sees_its_own_gemeente_only (void **state)
{
    (void)state;
    s_expect ("/?gemeente=0762", s_gem, 403);
    s_expect ("/3d?gemeente=0762", s_gem, 403);
    s_expect ("/export/keten.json?gemeente=0762", s_gem, 403);
    s_expect ("/export/keten/x.csv?gemeente=0762", s_gem, 403);
    s_expect ("/export/3d/x.json?gemeente=0762", s_gem, 403);
    s_expect ("/?gemeente=0794", s_gem, 200);

    int status;
    char *a = s_get ("/export/keten.json", s_gem, &status);
    assert_int_equal (status, 200);
    /* the filter was forced to its gemeente */
    assert_non_null (strstr (kbt_http_body (a), "\"gemeente\": \"0794\""));
    assert_null (strstr (kbt_http_body (a), "0762"));
    /* the same figures as the ketencoordinator's for that gemeente */
    char *k = s_get ("/export/keten.json?gemeente=0794", s_keten, &status);
    assert_int_equal (status, 200);
    const char *gt = strstr (kbt_http_body (a), "\"tables\"");
    const char *kt = strstr (kbt_http_body (k), "\"tables\"");
    assert_non_null (gt);
    assert_non_null (kt);
    assert_string_equal (gt, kt);
    free (k);
    free (a);
    a = s_get ("/", s_gem, &status);
    assert_int_equal (status, 200);
    assert_null (strstr (kbt_http_body (a), "0762"));
    char *region = s_get ("/", s_keten, &status);
    if (!strstr (kbt_http_body (region), "0762"))
        fprintf (stderr, "note: the region page does not name gemeente 0762 either\n");
    free (region);
    free (a);
}

static void
test_bad_filter_and_escaping (void **state)
{
    (void)state;
    s_expect ("/?period=month&p=2026-13", s_keten, 400);
    s_expect ("/?period=fortnight", s_keten, 400);
    s_expect ("/export/keten.json?period=year&p=20x6", s_keten, 400);
    s_expect ("/?gemeente=12", s_keten, 400);
    int status;
    char *a = s_get ("/?gebied=%3Cscript%3Ealert(1)%3C%2Fscript%3E", s_keten, &status);
    assert_true (status == 200 || status == 400);
    const char *html = kbt_http_body (a);
    assert_null (strstr (html, "<script"));
    assert_non_null (strstr (html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    free (a);
}

static void
test_login_session_and_logout (void **state)
{
    (void)state;
    int status;
    char *body = s_printf ("token=%s", s_gem);
    char *a = kbt_http (s_http, "POST", "/login", NULL, body, &status);
    s_audited++;
    free (body);
    assert_int_equal (status, 303);
    char cookie[256];
    assert_int_equal (kbt_http_header (a, "Set-Cookie", cookie, sizeof cookie), 0);
    assert_non_null (strstr (cookie, "HttpOnly"));
    assert_non_null (strstr (cookie, "SameSite=Strict"));
    assert_non_null (strstr (cookie, "Max-Age="));
    free (a);
    char hdr[300];
    snprintf (hdr, sizeof hdr, "Cookie: %.*s\r\n", (int)strcspn (cookie, ";"), cookie);
    a = kbt_http (s_http, "GET", "/", hdr, NULL, &status);
    s_audited++;
    assert_int_equal (status, 200);
    assert_non_null (strstr (kbt_http_body (a), "helmond"));
    free (a);
    a = kbt_http (s_http, "GET", "/export/keten.json?gemeente=0762", hdr, NULL, &status);
    s_audited++;
    assert_int_equal (status, 403);
    free (a);
    a = kbt_http (s_http, "GET", "/logout", hdr, NULL, &status);
    s_audited++; /* dashboard.logout, by the session's account */
    assert_int_equal (status, 303);
    free (a);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM monitoring.kb_audit WHERE event ="
                                      " 'dashboard.logout' AND actor_org = 'gemeente:0794'"),
                      1);
    a = kbt_http (s_http, "GET", "/", hdr, NULL, &status);
    s_audited++;
    assert_int_equal (status, 302);
    free (a);
}

/* A page request in the background: its status when it returned. */
typedef struct
{
    const char *path;
    int status;
    volatile int done;
} s_background_t;

static void *
s_background_get (void *arg)
{
    s_background_t *b = arg;
    char *a = s_get (b->path, s_keten, &b->status);
    free (a);
    b->done = 1;
    return NULL;
}

/* A page that is being computed (here: held up by a lock on the figures'
   tables) does not hold up the other viewers: a login and its audit row
   are answered meanwhile on another thread and connection; the page comes
   when the lock goes. */
static void
test_slow_page_does_not_hold_up_others (void **state)
{
    (void)state;
    PGconn *lock = PQconnectdb (s_conn);
    assert_int_equal (PQstatus (lock), CONNECTION_OK);
    PGresult *res = PQexec (lock, "BEGIN");
    PQclear (res);
    res = PQexec (lock,
                  "SELECT string_agg (format ('monitoring.%I', tablename), ', ') FROM pg_tables"
                  " WHERE schemaname = 'monitoring' AND (tablename LIKE 'mon\\_%'"
                  " OR tablename = 'monitoring_event')");
    assert_int_equal (PQresultStatus (res), PGRES_TUPLES_OK);
    char *sql = s_printf ("LOCK TABLE %s IN ACCESS EXCLUSIVE MODE", PQgetvalue (res, 0, 0));
    PQclear (res);
    res = PQexec (lock, sql);
    assert_int_equal (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);
    free (sql);

    /* a month no other test asked for: not in the page cache */
    s_background_t slow = { .path = "/?period=month&p=2025-02" };
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_background_get, &slow), 0);
    kbt_sleep_ms (700);
    assert_false (slow.done); /* held up by the lock */

    int64_t t0 = kbt_now_ms ();
    char *body = s_printf ("token=%s", s_keten);
    int status;
    char *a = kbt_http (s_http, "POST", "/login", NULL, body, &status);
    s_audited++;
    assert_int_equal (status, 303);
    assert_true (kbt_now_ms () - t0 < 5000);
    assert_false (slow.done);
    free (a);
    free (body);

    res = PQexec (lock, "ROLLBACK");
    PQclear (res);
    PQfinish (lock);
    assert_int_equal (pthread_join (thread, NULL), 0);
    assert_true (slow.done);
    assert_int_equal (slow.status, 200);
}

static void
test_every_request_audited_and_chain_intact (void **state)
{
    (void)state;
    long rows = kbt_query_long (
      s_conn, "SELECT count(*) FROM monitoring.kb_audit WHERE event LIKE 'dashboard.%'");
    assert_int_equal (rows, s_audited);
    assert_true (kbt_query_long (s_conn,
                                 "SELECT count(*) FROM monitoring.kb_audit WHERE event = "
                                 "'dashboard.denied' AND outcome = 'other_gemeente'") >= 5);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM monitoring.kb_audit WHERE "
                                      "reason LIKE '%script%' OR reason LIKE '%<%'"),
                      0);
    kb_db_t *db = kb_db_connect (s_conn, "monitoring", 5000);
    assert_non_null (db);
    assert_int_equal (kb_audit_prepare (db), 0);
    kb_audit_verify_result_t result;
    assert_int_equal (kb_audit_verify (db, &result), 0);
    assert_int_equal (result.rows_checked, rows);
    kb_db_destroy (&db);
}

/*  /metrics */

/* Checks the exposition format: every line is # HELP, # TYPE or a sample
   "name{labels} number"; returns the value of the sample that starts with
   prefix (-1 when none). */
static double
s_metric (int port, const char *prefix)
{
    int status;
    char *a = kbt_http (port, "GET", "/metrics", NULL, NULL, &status);
    assert_non_null (a);
    assert_int_equal (status, 200);
    char type[128];
    assert_int_equal (kbt_http_header (a, "Content-Type", type, sizeof type), 0);
    assert_non_null (strstr (type, "version=0.0.4"));
    double found = -1;
    char *body = strdup (kbt_http_body (a));
    for (char *save = NULL, *line = strtok_r (body, "\n", &save); line;
         line = strtok_r (NULL, "\n", &save)) {
        if (strncmp (line, "# HELP ", 7) == 0 || strncmp (line, "# TYPE ", 7) == 0)
            continue;
        assert_true (isalpha ((unsigned char)line[0]));
        char *space = strrchr (line, ' ');
        assert_non_null (space);
        char *end;
        double v = strtod (space + 1, &end);
        assert_true (*end == '\0');
        if (strncmp (line, prefix, strlen (prefix)) == 0)
            found = v;
    }
    free (body);
    free (a);
    return found;
}

static void
s_queue (const char *schema, const char *stream)
{
    kb_db_t *db = kb_db_connect (s_conn, schema, 5000);
    assert_non_null (db);
    assert_int_equal (kb_outbox_prepare (db), 0);
    char id[37];
    kb_uuid_v4 (id);
    assert_int_equal (kb_db_begin (db), KB_DB_OK);
    assert_int_equal (kb_outbox_put (db, stream, id, "x", 1), KB_DB_OK);
    assert_int_equal (kb_db_commit (db), KB_DB_OK);
    kb_db_destroy (&db);
}

static void
test_metrics_of_every_daemon (void **state)
{
    (void)state;
    struct
    {
        int port;
        const char *schema, *stream, *sample;
    } d[] = {
        { s_iport,
          "intake",
          "zorg:it-metrics",
          "ketenbus_link_outbox_pending{sender=\"zorgtoewijzing\"}" },
        { s_zport,
          "zorgtoewijzing",
          "mailbox:it-metrics",
          "ketenbus_link_outbox_pending{sender=\"intake\"}" },
        { s_tport,
          "client_tracking",
          "monitoring:it-metrics",
          "ketenbus_link_outbox_pending{sender=\"monitoring\"}" },
    };
    for (size_t i = 0; i < 3; i++) {
        assert_true (s_metric (d[i].port, "ketenbus_up{") == 1);
        assert_true (s_metric (d[i].port, "ketenbus_database_up") == 1);
        assert_true (s_metric (d[i].port, "ketenbus_link_inbox_dead_letters") >= 0);
        assert_true (s_metric (d[i].port, "ketenbus_link_outbox_oldest_pending_seconds") >= 0);
        double before = s_metric (d[i].port, d[i].sample);
        assert_true (before >= 0);
        s_queue (d[i].schema, d[i].stream);
        s_queue (d[i].schema, d[i].stream);
        double after = s_metric (d[i].port, d[i].sample);
        if (after != before + 2)
            fprintf (stderr, "%s: %s %g -> %g\n", d[i].schema, d[i].sample, before, after);
        assert_true (after == before + 2);
    }
    /* intake's own families */
    assert_true (s_metric (s_iport, "ketenbus_intake_mailbox_pending{partner=") >= 0);
    int status;
    char *a = kbt_http (s_iport, "GET", "/metrics", NULL, NULL, &status);
    assert_non_null (strstr (a, "# TYPE ketenbus_intake_rejects_quarantined gauge"));
    assert_non_null (strstr (a, "# TYPE ketenbus_intake_mailbox_oldest_pending_seconds gauge"));
    free (a);
    long q = kbt_query_long (s_conn, "SELECT count(*) FROM intake.quarantine");
    kbt_exec (s_conn,
              "INSERT INTO intake.quarantine (sender_org, code, field, rule, size, sealed_raw) "
              "VALUES ('cjg-helmond', '8001', 'bsn', 'elfproef', 1, '\\x00')");
    assert_true (s_metric (s_iport, "ketenbus_intake_rejects_quarantined{code=\"8001\"}") >= 1);
    (void)q;

    /* monitoring: a poison message on its link becomes a dead letter */
    assert_true (s_metric (s_mport, "ketenbus_database_up") == 1);
    double dead = s_metric (s_mport, "ketenbus_link_inbox_dead_letters");
    assert_true (dead >= 0);
    kb_db_t *db = kb_db_connect (s_conn, "montest", 5000);
    assert_non_null (db);
    assert_int_equal (kb_db_migrate (db, KB_MIGRATIONS_DIR, "link"), 0);
    kb_db_destroy (&db);
    s_queue ("montest", "monitoring:poison");
    char *endpoint = s_printf ("ipc://%s/monitoring.sock", s_intake->dir);
    kb_link_sender_config_t cfg = { .conninfo = s_conn,
                                    .schema = "montest",
                                    .endpoint = endpoint,
                                    .identity = "client-tracking",
                                    .retransmit_base_ms = 200,
                                    .retransmit_max_ms = 500,
                                    .poll_ms = 50 };
    kb_link_sender_t *sender = kb_link_sender_new (&cfg);
    assert_non_null (sender);
    int64_t deadline = kbt_now_ms () + 20000;
    double now = dead;
    while (now < dead + 1 && kbt_now_ms () < deadline) {
        kbt_sleep_ms (100);
        now = s_metric (s_mport, "ketenbus_link_inbox_dead_letters");
    }
    kb_link_sender_destroy (&sender);
    free (endpoint);
    assert_true (now == dead + 1);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_refused_without_valid_credentials),
        cmocka_unit_test (test_ketencoordinator_sees_the_tables),
        cmocka_unit_test (test_gemeente_sees_its_own_gemeente_only),
        cmocka_unit_test (test_bad_filter_and_escaping),
        cmocka_unit_test (test_login_session_and_logout),
        cmocka_unit_test (test_slow_page_does_not_hold_up_others),
        cmocka_unit_test (test_every_request_audited_and_chain_intact),
        cmocka_unit_test (test_metrics_of_every_daemon),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
