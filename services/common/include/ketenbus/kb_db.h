/*  kb_db - one PostgreSQL connection of a daemon: connect with retry and
    back-off, the daemon's schema first on the search_path, numbered .sql
    migrations under an advisory lock, named prepared statements that are
    prepared again after a reconnect. */
#ifndef KB_DB_H_INCLUDED
#define KB_DB_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct _kb_db_t kb_db_t;

typedef enum {
    KB_DB_OK = 0,
    KB_DB_RETRY = -1, /* connection lost, serialization failure, deadlock: try again */
    KB_DB_FATAL = -2  /* constraint violation, bad SQL: retrying will not help */
} kb_db_rc_t;

/* Connects to conninfo, retrying with back-off for up to max_wait_ms
   (0: one attempt). schema is created if needed and put first on the
   search_path, so link and audit tables resolve to the daemon's own schema. */
kb_db_t *kb_db_connect (const char *conninfo, const char *schema, int max_wait_ms);
void kb_db_destroy (kb_db_t **self_p);
PGconn *kb_db_conn (kb_db_t *self);
const char *kb_db_schema (kb_db_t *self);

/* Applies <dir>/<component>/NNNN_*.sql in order, each in its own
   transaction, recorded in public.kb_migrations per schema and component. */
int kb_db_migrate (kb_db_t *self, const char *dir, const char *component);

/* Registers and prepares a named statement; it is re-prepared on reconnect. */
int kb_db_prepare (kb_db_t *self, const char *name, const char *sql, int nparams);

/* Runs a prepared statement with text parameters (lengths/formats may be
   NULL: all text). Returns the result (caller PQclear()s it) or NULL with
   *rc set. A result is returned only when the status is COMMAND_OK or
   TUPLES_OK. */
PGresult *kb_db_run (kb_db_t *self, const char *name, int nparams, const char *const *values,
                     const int *lengths, const int *formats, kb_db_rc_t *rc);
/* Same, for statements whose result is not needed. */
kb_db_rc_t kb_db_run_cmd (kb_db_t *self, const char *name, int nparams,
                          const char *const *values, const int *lengths, const int *formats);

/* Plain commands without parameters (BEGIN, COMMIT, SAVEPOINT ...). */
kb_db_rc_t kb_db_exec (kb_db_t *self, const char *sql);
kb_db_rc_t kb_db_begin (kb_db_t *self);
kb_db_rc_t kb_db_commit (kb_db_t *self);
void kb_db_rollback (kb_db_t *self);

/* When the connection is bad, reconnects (with back-off up to max_wait_ms)
   and re-prepares every statement. Returns 0 when the connection is usable. */
int kb_db_ensure (kb_db_t *self, int max_wait_ms);

/* The SQLSTATE of the last failed statement ("" when none). */
const char *kb_db_last_sqlstate (kb_db_t *self);

/* Classifies a failed result: retryable or not. */
kb_db_rc_t kb_db_classify (kb_db_t *self, PGresult *res);

#endif
