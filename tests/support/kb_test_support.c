/*  kb_test_support - shared helpers of integration and fault tests. */
#include "kb_test_support.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
s_die (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    fprintf (stderr, "kb_test_support: ");
    vfprintf (stderr, fmt, ap);
    fprintf (stderr, "\n");
    va_end (ap);
    abort ();
}

static const char *
s_env (const char *name)
{
    const char *v = getenv (name);
    if (!v || !*v)
        s_die ("environment variable %s not set (run the test through ctest)", name);
    return v;
}

const char *
kbt_pg_dir (void)
{
    return s_env ("KB_TEST_PGDIR");
}

static char *
s_printf (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    char *out = NULL;
    if (vasprintf (&out, fmt, ap) < 0)
        s_die ("out of memory");
    va_end (ap);
    return out;
}

char *
kbt_db_create (const char *name)
{
    char *admin = s_printf ("host=%s user=postgres dbname=postgres", kbt_pg_dir ());
    PGconn *conn = PQconnectdb (admin);
    if (PQstatus (conn) != CONNECTION_OK)
        s_die ("could not connect to test cluster: %s", PQerrorMessage (conn));
    const char *params[1] = { name };
    PGresult *res = PQexecParams (conn, "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', $1::text), format('CREATE DATABASE %I', $1::text)",
                                  1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        s_die ("format failed: %s", PQresultErrorMessage (res));
    for (int i = 0; i < 2; i++) {
        PGresult *r = PQexec (conn, PQgetvalue (res, 0, i));
        if (PQresultStatus (r) != PGRES_COMMAND_OK)
            s_die ("could not (re)create database %s: %s", name, PQresultErrorMessage (r));
        PQclear (r);
    }
    PQclear (res);
    PQfinish (conn);
    free (admin);
    return s_printf ("host=%s user=postgres dbname=%s", kbt_pg_dir (), name);
}

static PGresult *
s_query (const char *conninfo, const char *sql, PGconn **conn_out)
{
    PGconn *conn = PQconnectdb (conninfo);
    if (PQstatus (conn) != CONNECTION_OK)
        s_die ("could not connect: %s", PQerrorMessage (conn));
    PGresult *res = PQexec (conn, sql);
    if (PQresultStatus (res) != PGRES_TUPLES_OK && PQresultStatus (res) != PGRES_COMMAND_OK)
        s_die ("query failed: %s\n  %s", PQresultErrorMessage (res), sql);
    *conn_out = conn;
    return res;
}

long
kbt_query_long (const char *conninfo, const char *sql)
{
    PGconn *conn;
    PGresult *res = s_query (conninfo, sql, &conn);
    long v = (PQntuples (res) > 0 && !PQgetisnull (res, 0, 0)) ? atol (PQgetvalue (res, 0, 0)) : 0;
    PQclear (res);
    PQfinish (conn);
    return v;
}

char *
kbt_query_str (const char *conninfo, const char *sql)
{
    PGconn *conn;
    PGresult *res = s_query (conninfo, sql, &conn);
    char *v = (PQntuples (res) > 0 && !PQgetisnull (res, 0, 0)) ? strdup (PQgetvalue (res, 0, 0)) : NULL;
    PQclear (res);
    PQfinish (conn);
    return v;
}

long
kbt_query_longf (const char *conninfo, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (sql, sizeof sql, fmt, ap);
    va_end (ap);
    return kbt_query_long (conninfo, sql);
}

char *
kbt_query_strf (const char *conninfo, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (sql, sizeof sql, fmt, ap);
    va_end (ap);
    return kbt_query_str (conninfo, sql);
}

int
kbt_file_count (const char *path, const char *needle)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    char line[2048];
    int count = 0;
    while (fgets (line, sizeof line, f))
        if (strstr (line, needle))
            count++;
    fclose (f);
    return count;
}

void
kbt_exec (const char *conninfo, const char *sql)
{
    PGconn *conn;
    PGresult *res = s_query (conninfo, sql, &conn);
    PQclear (res);
    PQfinish (conn);
}

pid_t
kbt_spawn (const char *const argv[], const char *const env[], const char *logfile)
{
    return kbt_spawn_in (argv, env, logfile, NULL);
}

pid_t
kbt_spawn_in (const char *const argv[],
              const char *const env[],
              const char *logfile,
              const char *input)
{
    pid_t pid = fork ();
    if (pid < 0)
        s_die ("fork failed");
    if (pid == 0) {
        if (logfile) {
            int fd = open (logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                dup2 (fd, STDOUT_FILENO);
                dup2 (fd, STDERR_FILENO);
                close (fd);
            }
        }
        int in = open (input ? input : "/dev/null", O_RDONLY);
        if (in >= 0) {
            dup2 (in, STDIN_FILENO);
            close (in);
        } else if (input) {
            fprintf (stderr, "could not open %s: %s\n", input, strerror (errno));
            _exit (127);
        }
        for (int i = 0; env && env[i]; i++)
            putenv ((char *) env[i]);
        execv (argv[0], (char *const *) argv);
        fprintf (stderr, "could not exec %s: %s\n", argv[0], strerror (errno));
        _exit (127);
    }
    return pid;
}

int
kbt_wait (pid_t pid, int timeout_ms)
{
    int64_t deadline = kbt_now_ms () + timeout_ms;
    while (1) {
        int status = 0;
        pid_t r = waitpid (pid, &status, WNOHANG);
        if (r == pid) {
            if (WIFEXITED (status))
                return WEXITSTATUS (status);
            if (WIFSIGNALED (status))
                return 128 + WTERMSIG (status);
            return -1;
        }
        if (r < 0)
            return -1;
        if (kbt_now_ms () > deadline)
            return -1;
        kbt_sleep_ms (10);
    }
}

void
kbt_kill (pid_t pid, int sig)
{
    kill (pid, sig);
    if (kbt_wait (pid, 20000) < 0) {
        kill (pid, SIGKILL);
        kbt_wait (pid, 5000);
    }
}

char *
kbt_bin (const char *name)
{
    return s_printf ("%s/%s", s_env ("KB_BIN_DIR"), name);
}

char *
kbt_var_path (const char *sub)
{
    char *path = s_printf ("%s/%s", s_env ("KB_TEST_VAR"), sub);
    /* 0700: link sockets live here (kb_link_endpoint_safe) */
    char *cmd = s_printf ("mkdir -p '%s' && chmod 700 '%s'", path, path);
    if (system (cmd) != 0)
        s_die ("could not create %s", path);
    free (cmd);
    return path;
}

char *
kbt_source_path (const char *sub)
{
    return s_printf ("%s/%s", s_env ("KB_SOURCE_DIR"), sub);
}

void
kbt_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
    while (nanosleep (&ts, &ts) == -1 && errno == EINTR)
        ;
}

int64_t
kbt_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long
kbt_wait_for_value (const char *conninfo, const char *sql, long want, int timeout_ms)
{
    int64_t deadline = kbt_now_ms () + timeout_ms;
    long v;
    while ((v = kbt_query_long (conninfo, sql)) != want && kbt_now_ms () < deadline)
        kbt_sleep_ms (50);
    return v;
}

static int
s_pgcluster (const char *action)
{
    char *script = kbt_source_path ("deploy/dev/pgcluster.sh");
    char *cmd = s_printf ("bash '%s' %s '%s' >/dev/null", script, action, kbt_pg_dir ());
    int rc = system (cmd);
    free (cmd);
    free (script);
    return rc;
}

int
kbt_pg_restart (void)
{
    return s_pgcluster ("restart");
}

int
kbt_pg_stop (void)
{
    return s_pgcluster ("stop");
}

int
kbt_pg_start (void)
{
    return s_pgcluster ("start");
}

int
kbt_env_merge (const char *env[], int n, int max, const char *const extra[])
{
    for (int i = 0; extra && extra[i]; i++) {
        const char *eq = strchr (extra[i], '=');
        size_t key = eq ? (size_t) (eq - extra[i]) + 1 : strlen (extra[i]);
        int at = -1;
        for (int j = 0; j < n && at < 0; j++)
            if (strncmp (env[j], extra[i], key) == 0)
                at = j;
        if (at >= 0) {
            free ((char *) env[at]);
            env[at] = strdup (extra[i]);
        }
        else if (n < max)
            env[n++] = strdup (extra[i]);
    }
    return n;
}
