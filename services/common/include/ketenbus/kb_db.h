/*  kb_db - one PostgreSQL connection of a daemon: connect with retry and
    back-off, the daemon's schema first on the search_path, numbered .sql
    migrations under an advisory lock, named prepared statements that are
    prepared again after a reconnect. */
#ifndef KB_DB_H_INCLUDED
#define KB_DB_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Registers and prepares a named statement; it is re-prepared on reconnect.
   Preparing the same name with the same SQL again is a no-op. */
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

/*  Pipeline mode (libpq 14+): a batch of statements is sent without waiting
    for each result, so it costs one round trip per sync instead of one per
    statement. The usual shape of one round trip:
        kb_db_pipeline_begin (db);
        kb_db_pipeline_send (db, ...);  ...       queued, not yet sent
        kb_db_pipeline_sync (db);                 sent; the server runs them
        res = kb_db_pipeline_next (db, &rc); ...  results in queue order
        rc = kb_db_pipeline_end (db);             drains the rest, leaves
    Every queued statement has exactly one result. After a statement fails,
    the server skips the rest up to the sync: their results report the same
    failure, and an open transaction is left aborted (kb_db_rollback after
    kb_db_pipeline_end). kb_db_run and kb_db_exec must not be called while
    a pipeline is open. */
kb_db_rc_t kb_db_pipeline_begin (kb_db_t *self);
/* Queues a prepared statement; values are copied into libpq's buffer. */
kb_db_rc_t kb_db_pipeline_send (kb_db_t *self, const char *name, int nparams,
                                const char *const *values, const int *lengths, const int *formats);
/* Queues a command without parameters (BEGIN, COMMIT). */
kb_db_rc_t kb_db_pipeline_send_cmd (kb_db_t *self, const char *sql);
/* Queues COMMIT; its result is a failure unless the transaction really
   committed (as kb_db_commit: the tag ROLLBACK is not a success). */
kb_db_rc_t kb_db_pipeline_send_commit (kb_db_t *self);
/* Sends everything queued and marks the end of this round trip. */
kb_db_rc_t kb_db_pipeline_sync (kb_db_t *self);
/* The result of the next queued statement (caller PQclear()s it), or NULL
   with *rc set when it failed or was skipped after a failure. */
PGresult *kb_db_pipeline_next (kb_db_t *self, kb_db_rc_t *rc);
/* Reads and checks every result not read yet and leaves pipeline mode.
   Returns KB_DB_OK or the class of the first failure of this pipeline. */
kb_db_rc_t kb_db_pipeline_end (kb_db_t *self);
bool kb_db_pipeline_active (kb_db_t *self);

/*  Array parameters, for one multi-row statement per batch instead of one
    statement per row: INSERT ... SELECT ... FROM unnest($1::text[], ...).
    Builds the text form '{"a","b",NULL}' of one array; every element is
    quoted and escaped here, so any text is safe and the SQL stays constant.
    Zero-initialise, add elements, pass kb_db_array_text () as the value. */
typedef struct {
    char *data;
    size_t len, cap;
    size_t count;   /* elements added */
    bool oom;       /* an allocation failed: kb_db_array_text returns NULL */
} kb_db_array_t;

void kb_db_array_reset (kb_db_array_t *self);   /* empty, memory kept */
/* Back to an earlier state: len and count as they were read from the
   struct then (an undo of the elements added since). */
void kb_db_array_truncate (kb_db_array_t *self, size_t len, size_t count);
void kb_db_array_free (kb_db_array_t *self);
void kb_db_array_add_str (kb_db_array_t *self, const char *s);  /* NULL: SQL NULL */
void kb_db_array_add_int (kb_db_array_t *self, long long v);
void kb_db_array_add_bool (kb_db_array_t *self, bool v);
void kb_db_array_add_bytea (kb_db_array_t *self, const uint8_t *data, size_t len);
/* The array literal (borrowed, valid until the next add/reset/free), or
   NULL when memory ran out. */
const char *kb_db_array_text (kb_db_array_t *self);

/*  The same in PostgreSQL's binary array format, for big batches: no
    quoting, escaping or hex on either side, each element is a length and
    its bytes. The parameter is passed with kb_db_barray_data's length and
    format 1, and its type in the SQL must be the array of elem_oid
    ($1::text[] for KB_DB_OID_TEXT). Zero-initialise, kb_db_barray_reset
    with the element type, add elements. */
#define KB_DB_OID_BOOL 16
#define KB_DB_OID_BYTEA 17
#define KB_DB_OID_INT8 20
#define KB_DB_OID_INT4 23
#define KB_DB_OID_TEXT 25
#define KB_DB_OID_DATE 1082   /* int4: days since 2000-01-01 */
typedef struct {
    char *data;
    size_t len, cap;
    size_t count;       /* elements added */
    uint32_t elem_oid;
    bool oom;           /* an allocation failed: kb_db_barray_data returns NULL */
} kb_db_barray_t;

void kb_db_barray_reset (kb_db_barray_t *self, uint32_t elem_oid);  /* empty, memory kept */
void kb_db_barray_free (kb_db_barray_t *self);
/* One element of len bytes in the element type's binary form (NULL: SQL NULL). */
void kb_db_barray_add (kb_db_barray_t *self, const void *data, size_t len);
void kb_db_barray_add_str (kb_db_barray_t *self, const char *s);  /* text; NULL: SQL NULL */
void kb_db_barray_add_int4 (kb_db_barray_t *self, int32_t v);
/* The array (borrowed, valid until the next add/reset/free) and its length
   in *len, or NULL when memory ran out or it would exceed 1 GB. */
const char *kb_db_barray_data (kb_db_barray_t *self, int *len);


/*  A batch's columns: one binary array per parameter of a statement that
    inserts them with unnest ($1::text[], ...). */
#define KB_DB_COLUMNS_MAX 32
void kb_db_columns_reset (kb_db_barray_t *cols, const uint32_t *elem_oids, int ncols);
void kb_db_columns_free (kb_db_barray_t *cols, int ncols);
bool kb_db_columns_oom (const kb_db_barray_t *cols, int ncols);
/* Sends the prepared statement name with the columns as its parameters:
   queued in the open pipeline, or run as a command of its own. */
kb_db_rc_t kb_db_columns_send (kb_db_t *db, const char *name, kb_db_barray_t *cols, int ncols);
#endif
