/*  kb_test_support - helpers for integration and fault tests: a fresh
    database per test in the run's throwaway cluster, daemon processes,
    single-value queries. Failures abort the test (these are tests). */
#ifndef KB_TEST_SUPPORT_H_INCLUDED
#define KB_TEST_SUPPORT_H_INCLUDED

#include <libpq-fe.h>
#include <stdint.h>
#include <sys/types.h>

/* Drops and creates database name in the cluster at $KB_TEST_PGDIR;
   returns its conninfo (caller frees). */
char *kbt_db_create (const char *name);
/* Runs sql (no parameters) and returns the first column of the first row
   as a number (0 when no row). */
long kbt_query_long (const char *conninfo, const char *sql);
/* The same with the SQL given printf-style (test literals only). */
long kbt_query_longf (const char *conninfo, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
char *kbt_query_strf (const char *conninfo, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Lines of the file at path that contain needle (0 when it does not exist). */
int kbt_file_count (const char *path, const char *needle);
/* Runs sql and returns the first column of the first row as a string
   (caller frees; NULL when no row). */
char *kbt_query_str (const char *conninfo, const char *sql);
/* Runs sql, failing the test if it fails. */
void kbt_exec (const char *conninfo, const char *sql);
/* Adds the "KEY=VALUE" strings of extra (NULL-terminated, may be NULL) to
   env[0..n) as strdup'ed copies: one whose key env holds already replaces
   that entry (freed), the others are appended while n < max. Returns the
   new n. */
int kbt_env_merge (const char *env[], int n, int max, const char *const extra[]);
/* Starts a program with extra environment entries ("KEY=VALUE", NULL
   terminated, may be NULL); stdout and stderr go to logfile (appended). */
pid_t kbt_spawn (const char *const argv[], const char *const env[], const char *logfile);
/* The same with standard input read from the file at input (NULL: /dev/null,
   as kbt_spawn does). */
pid_t kbt_spawn_in (const char *const argv[],
                    const char *const env[],
                    const char *logfile,
                    const char *input);
/* Waits up to timeout_ms; returns the exit status, 128+signal, or -1 on timeout. */
int kbt_wait (pid_t pid, int timeout_ms);
/* Sends sig and reaps the process. */
void kbt_kill (pid_t pid, int sig);
/* $KB_BIN_DIR/name (static buffer per call site is not needed: caller frees). */
char *kbt_bin (const char *name);
/* $KB_TEST_VAR/sub, created (caller frees). */
char *kbt_var_path (const char *sub);
/* Path of the cluster directory ($KB_TEST_PGDIR). */
const char *kbt_pg_dir (void);
/* $KB_SOURCE_DIR/sub (caller frees). */
char *kbt_source_path (const char *sub);
void kbt_sleep_ms (int ms);
int64_t kbt_now_ms (void);
/* Polls sql every 50 ms until it returns want or timeout_ms passes;
   returns the last value. */
long kbt_wait_for_value (const char *conninfo, const char *sql, long want, int timeout_ms);
/* Restarts the run's PostgreSQL cluster (pgcluster.sh restart). */
int kbt_pg_restart (void);
/* Stops or starts it (pgcluster.sh stop / start): an outage of any length. */
int kbt_pg_stop (void);
int kbt_pg_start (void);

#endif
