/*  kb_db - PostgreSQL connection, migrations and prepared statements. */
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_log.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KB_DB_MAX_STATEMENTS 128

typedef struct {
    char *name;
    char *sql;
    int nparams;
} s_statement_t;

struct _kb_db_t {
    PGconn *conn;
    char *conninfo;
    char *schema;
    s_statement_t statements[KB_DB_MAX_STATEMENTS];
    int nstatements;
    char sqlstate[6];
    /* the open pipeline: names of queued statements, for results and logs */
    bool pipe_active;
    const char **pipe_names;
    size_t pipe_queued, pipe_read, pipe_cap;
    int pipe_syncs;            /* syncs sent whose marker was not read yet */
    bool pipe_unsynced;        /* statements queued after the last sync */
    kb_db_rc_t pipe_rc;        /* first failure of this pipeline */
};

static void
s_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
    while (nanosleep (&ts, &ts) == -1 && errno == EINTR)
        ;
}

static long long
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_notice (void *arg, const char *message)
{
    (void) arg;
    (void) message; /* NOTICEs from migrations (IF NOT EXISTS) are noise */
}

static int
s_set_search_path (kb_db_t *self)
{
    /* format(%I) quotes the identifier server-side: no SQL built in C.
       Every statement is a prepared lookup or write on indexed keys: a
       generic plan serves them all, while custom plans were made again on
       every call of the "= ANY ($1)" lookups (planning cost more than
       running them). */
    const char *params[1] = { self->schema };
    PGresult *res = PQexecParams (self->conn,
                                  "SELECT set_config('search_path', format('%I, public', $1::text), false),"
                                  " set_config('plan_cache_mode', 'force_generic_plan', false)",
                                  1, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus (res) == PGRES_TUPLES_OK;
    if (!ok)
        kb_error ("could not set search_path schema=\"%s\": %s", self->schema,
                  PQresultErrorMessage (res));
    PQclear (res);
    return ok ? 0 : -1;
}

static int
s_prepare_one (kb_db_t *self, s_statement_t *st)
{
    PGresult *res = PQprepare (self->conn, st->name, st->sql, st->nparams, NULL);
    int ok = PQresultStatus (res) == PGRES_COMMAND_OK;
    if (!ok)
        kb_error ("could not prepare statement \"%s\": %s", st->name,
                  PQresultErrorMessage (res));
    PQclear (res);
    return ok ? 0 : -1;
}

/* One attempt: connect, search_path, statements. */
static int
s_open (kb_db_t *self)
{
    if (self->conn)
        PQfinish (self->conn);
    /* pg_stat_activity shows which daemon holds a connection, unless the
       conninfo names an application_name of its own */
    /* the fallback first: a conninfo that names one (or application_name) wins */
    const char *const keys[] = { "fallback_application_name", "dbname", NULL };
    const char *const values[] = { kb_log_process (), self->conninfo, NULL };
    self->conn = PQconnectdbParams (keys, values, 1);
    if (PQstatus (self->conn) != CONNECTION_OK)
        return -1;
    PQsetNoticeProcessor (self->conn, s_notice, NULL);
    if (self->schema && s_set_search_path (self))
        return -1;
    for (int i = 0; i < self->nstatements; i++)
        if (s_prepare_one (self, &self->statements[i]))
            return -1;
    return 0;
}

static int
s_open_with_retry (kb_db_t *self, int max_wait_ms)
{
    long long deadline = s_now_ms () + max_wait_ms;
    int delay = 50;
    int attempt = 0;
    while (1) {
        if (s_open (self) == 0) {
            if (attempt > 0)
                kb_info ("database connection established attempts=%d", attempt + 1);
            return 0;
        }
        attempt++;
        if (attempt == 1 || attempt % 10 == 0) {
            /* libpq messages name host and socket, never data */
            char msg[256];
            snprintf (msg, sizeof msg, "%s", PQerrorMessage (self->conn));
            msg[strcspn (msg, "\n")] = '\0';
            kb_warning ("could not connect to database attempt=%d: %s", attempt, msg);
        }
        if (s_now_ms () + delay > deadline)
            return -1;
        s_sleep_ms (delay);
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
}

kb_db_t *
kb_db_connect (const char *conninfo, const char *schema, int max_wait_ms)
{
    kb_db_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup (conninfo ? conninfo : "");
    self->schema = schema ? strdup (schema) : NULL;
    if (!self->conninfo || (schema && !self->schema))
        goto fail;
    if (schema) {
        /* The schema must exist before it can head the search_path. */
        kb_db_t boot = { 0 };
        boot.conninfo = self->conninfo;
        if (s_open_with_retry (&boot, max_wait_ms)) {
            if (boot.conn)
                PQfinish (boot.conn);
            goto fail;
        }
        const char *params[1] = { schema };
        /* Concurrent CREATE SCHEMA IF NOT EXISTS can still collide: serialise. */
        PGresult *res = PQexec (boot.conn, "SELECT pg_advisory_lock(hashtext('ketenbus-schema'))");
        PQclear (res);
        res = PQexecParams (boot.conn, "SELECT format('CREATE SCHEMA IF NOT EXISTS %I', $1::text)",
                            1, NULL, params, NULL, NULL, 0);
        int ok = PQresultStatus (res) == PGRES_TUPLES_OK;
        if (ok) {
            PGresult *res2 = PQexec (boot.conn, PQgetvalue (res, 0, 0));
            ok = PQresultStatus (res2) == PGRES_COMMAND_OK;
            if (!ok)
                kb_error ("could not create schema \"%s\": %s", schema,
                          PQresultErrorMessage (res2));
            PQclear (res2);
        }
        PQclear (res);
        PQfinish (boot.conn);
        if (!ok)
            goto fail;
    }
    if (s_open_with_retry (self, max_wait_ms))
        goto fail;
    return self;
fail:
    kb_db_destroy (&self);
    return NULL;
}

void
kb_db_destroy (kb_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    kb_db_t *self = *self_p;
    if (self->conn)
        PQfinish (self->conn);
    for (int i = 0; i < self->nstatements; i++) {
        free (self->statements[i].name);
        free (self->statements[i].sql);
    }
    free (self->pipe_names);
    free (self->conninfo);
    free (self->schema);
    free (self);
    *self_p = NULL;
}

PGconn *
kb_db_conn (kb_db_t *self)
{
    return self->conn;
}

const char *
kb_db_schema (kb_db_t *self)
{
    return self->schema ? self->schema : "public";
}

const char *
kb_db_last_sqlstate (kb_db_t *self)
{
    return self->sqlstate;
}

kb_db_rc_t
kb_db_classify (kb_db_t *self, PGresult *res)
{
    const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
    snprintf (self->sqlstate, sizeof self->sqlstate, "%s", state ? state : "");
    if (PQstatus (self->conn) != CONNECTION_OK || !state)
        return KB_DB_RETRY;
    /* 40001 serialization, 40P01 deadlock, 08 connection, 57P0x shutdown/crash */
    if (strcmp (state, "40001") == 0 || strcmp (state, "40P01") == 0
        || strncmp (state, "08", 2) == 0 || strncmp (state, "57P", 3) == 0
        || strcmp (state, "53300") == 0)
        return KB_DB_RETRY;
    return KB_DB_FATAL;
}

int
kb_db_ensure (kb_db_t *self, int max_wait_ms)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return 0;
    kb_warning ("database connection lost, reconnecting");
    return s_open_with_retry (self, max_wait_ms);
}

int
kb_db_prepare (kb_db_t *self, const char *name, const char *sql, int nparams)
{
    /* modules shared by several callers may each prepare what they use */
    for (int i = 0; i < self->nstatements; i++)
        if (strcmp (self->statements[i].name, name) == 0)
            return strcmp (self->statements[i].sql, sql) == 0 ? 0 : -1;
    if (self->nstatements >= KB_DB_MAX_STATEMENTS)
        return -1;
    s_statement_t *st = &self->statements[self->nstatements];
    st->name = strdup (name);
    st->sql = strdup (sql);
    st->nparams = nparams;
    if (!st->name || !st->sql) {
        free (st->name);
        free (st->sql);
        return -1;
    }
    self->nstatements++;
    return s_prepare_one (self, st);
}

PGresult *
kb_db_run (kb_db_t *self, const char *name, int nparams, const char *const *values,
           const int *lengths, const int *formats, kb_db_rc_t *rc)
{
    PGresult *res = PQexecPrepared (self->conn, name, nparams, values, lengths, formats, 0);
    ExecStatusType status = PQresultStatus (res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        self->sqlstate[0] = '\0';
        if (rc)
            *rc = KB_DB_OK;
        return res;
    }
    kb_db_rc_t klass = kb_db_classify (self, res);
    if (klass == KB_DB_FATAL && strcmp (self->sqlstate, "23505") != 0)
        kb_error ("could not execute statement \"%s\" sqlstate=%s", name, self->sqlstate);
    PQclear (res);
    if (rc)
        *rc = klass;
    return NULL;
}

kb_db_rc_t
kb_db_run_cmd (kb_db_t *self, const char *name, int nparams, const char *const *values,
               const int *lengths, const int *formats)
{
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (self, name, nparams, values, lengths, formats, &rc);
    PQclear (res);
    return rc;
}

kb_db_rc_t
kb_db_exec (kb_db_t *self, const char *sql)
{
    PGresult *res = PQexec (self->conn, sql);
    ExecStatusType status = PQresultStatus (res);
    kb_db_rc_t rc = KB_DB_OK;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        rc = kb_db_classify (self, res);
    PQclear (res);
    return rc;
}

kb_db_rc_t
kb_db_begin (kb_db_t *self)
{
    return kb_db_exec (self, "BEGIN");
}

kb_db_rc_t
kb_db_commit (kb_db_t *self)
{
    /* COMMIT of a failed transaction "succeeds" with the tag ROLLBACK:
       that is a failure for the caller, never a silent success */
    PGresult *res = PQexec (self->conn, "COMMIT");
    kb_db_rc_t rc = KB_DB_OK;
    if (PQresultStatus (res) != PGRES_COMMAND_OK)
        rc = kb_db_classify (self, res);
    else if (strcmp (PQcmdStatus (res), "COMMIT") != 0) {
        snprintf (self->sqlstate, sizeof self->sqlstate, "%s", "25P02");
        rc = KB_DB_FATAL;
    }
    PQclear (res);
    return rc;
}

void
kb_db_rollback (kb_db_t *self)
{
    if (PQstatus (self->conn) == CONNECTION_OK
        && PQtransactionStatus (self->conn) != PQTRANS_IDLE)
        kb_db_exec (self, "ROLLBACK");
}

/*  Pipeline mode */

bool
kb_db_pipeline_active (kb_db_t *self)
{
    return self->pipe_active;
}

kb_db_rc_t
kb_db_pipeline_begin (kb_db_t *self)
{
    assert (!self->pipe_active);
    self->pipe_queued = self->pipe_read = 0;
    self->pipe_syncs = 0;
    self->pipe_unsynced = false;
    self->pipe_rc = KB_DB_OK;
    self->sqlstate[0] = '\0';
    if (PQenterPipelineMode (self->conn) != 1) {
        snprintf (self->sqlstate, sizeof self->sqlstate, "%s", "08006");
        return KB_DB_RETRY;   /* connection not usable */
    }
    self->pipe_active = true;
    return KB_DB_OK;
}

static void
s_pipe_fail (kb_db_t *self, kb_db_rc_t rc)
{
    if (self->pipe_rc == KB_DB_OK)
        self->pipe_rc = rc;
}

/* Records a queued statement; name is the registered copy, so it outlives
   the caller's string. */
static kb_db_rc_t
s_pipe_queued (kb_db_t *self, const char *name)
{
    if (self->pipe_queued == self->pipe_cap) {
        size_t cap = self->pipe_cap ? self->pipe_cap * 2 : 64;
        const char **names = realloc (self->pipe_names, cap * sizeof *names);
        if (!names) {
            s_pipe_fail (self, KB_DB_FATAL);
            return KB_DB_FATAL;
        }
        self->pipe_names = names;
        self->pipe_cap = cap;
    }
    self->pipe_names[self->pipe_queued++] = name;
    self->pipe_unsynced = true;
    return KB_DB_OK;
}

kb_db_rc_t
kb_db_pipeline_send (kb_db_t *self, const char *name, int nparams, const char *const *values,
                     const int *lengths, const int *formats)
{
    assert (self->pipe_active);
    const char *stored = "(unregistered)";
    for (int i = 0; i < self->nstatements; i++)
        if (strcmp (self->statements[i].name, name) == 0)
            stored = self->statements[i].name;
    if (!PQsendQueryPrepared (self->conn, name, nparams, values, lengths, formats, 0)) {
        s_pipe_fail (self, KB_DB_RETRY);
        return KB_DB_RETRY;
    }
    return s_pipe_queued (self, stored);
}

kb_db_rc_t
kb_db_pipeline_send_cmd (kb_db_t *self, const char *sql)
{
    assert (self->pipe_active);
    /* the extended protocol: simple queries are not allowed in a pipeline */
    if (!PQsendQueryParams (self->conn, sql, 0, NULL, NULL, NULL, NULL, 0)) {
        s_pipe_fail (self, KB_DB_RETRY);
        return KB_DB_RETRY;
    }
    return s_pipe_queued (self, "(command)");
}

/* The name a queued COMMIT is known by: kb_db_pipeline_next checks its tag. */
static const char s_pipe_commit[] = "COMMIT";

kb_db_rc_t
kb_db_pipeline_send_commit (kb_db_t *self)
{
    assert (self->pipe_active);
    if (!PQsendQueryParams (self->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0)) {
        s_pipe_fail (self, KB_DB_RETRY);
        return KB_DB_RETRY;
    }
    return s_pipe_queued (self, s_pipe_commit);
}

kb_db_rc_t
kb_db_pipeline_sync (kb_db_t *self)
{
    assert (self->pipe_active);
    /* PQpipelineSync also flushes; while the socket is full libpq reads
       what the server sent meanwhile, so neither side blocks the other */
    if (PQpipelineSync (self->conn) != 1) {
        s_pipe_fail (self, KB_DB_RETRY);
        return KB_DB_RETRY;
    }
    self->pipe_syncs++;
    self->pipe_unsynced = false;
    return KB_DB_OK;
}

/* The next result that is not a sync marker; NULL when the connection
   has nothing more (lost). */
static PGresult *
s_pipe_get (kb_db_t *self)
{
    while (PQstatus (self->conn) == CONNECTION_OK) {
        PGresult *res = PQgetResult (self->conn);
        if (!res || PQresultStatus (res) != PGRES_PIPELINE_SYNC)
            return res;
        PQclear (res);
        self->pipe_syncs--;
    }
    return NULL;
}

PGresult *
kb_db_pipeline_next (kb_db_t *self, kb_db_rc_t *rc)
{
    assert (self->pipe_active);
    assert (self->pipe_read < self->pipe_queued);
    const char *name = self->pipe_names[self->pipe_read++];
    if (self->pipe_unsynced)
        kb_db_pipeline_sync (self);
    kb_db_rc_t klass = KB_DB_RETRY;
    PGresult *res = s_pipe_get (self);
    if (res) {
        /* each statement's results end with a NULL */
        PGresult *tail;
        while ((tail = PQgetResult (self->conn)) != NULL)
            PQclear (tail);
        ExecStatusType status = PQresultStatus (res);
        if (status == PGRES_COMMAND_OK && name == s_pipe_commit
            && strcmp (PQcmdStatus (res), "COMMIT") != 0) {
            /* a failed transaction "commits" with the tag ROLLBACK */
            snprintf (self->sqlstate, sizeof self->sqlstate, "%s", "25P02");
            s_pipe_fail (self, KB_DB_FATAL);
            PQclear (res);
            *rc = KB_DB_FATAL;
            return NULL;
        }
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            *rc = KB_DB_OK;
            return res;
        }
        if (status == PGRES_PIPELINE_ABORTED)
            klass = self->pipe_rc != KB_DB_OK ? self->pipe_rc : KB_DB_RETRY;
        else {
            klass = kb_db_classify (self, res);
            if (klass == KB_DB_FATAL && strcmp (self->sqlstate, "23505") != 0)
                kb_error ("could not execute statement \"%s\" sqlstate=%s", name, self->sqlstate);
        }
        PQclear (res);
    }
    else if (!self->sqlstate[0])
        snprintf (self->sqlstate, sizeof self->sqlstate, "%s", "08006");
    s_pipe_fail (self, klass);
    *rc = klass;
    return NULL;
}

kb_db_rc_t
kb_db_pipeline_end (kb_db_t *self)
{
    assert (self->pipe_active);
    while (self->pipe_read < self->pipe_queued) {
        kb_db_rc_t rc;
        PQclear (kb_db_pipeline_next (self, &rc));
    }
    while (self->pipe_syncs > 0 && PQstatus (self->conn) == CONNECTION_OK) {
        PGresult *res = PQgetResult (self->conn);
        if (!res)
            break;   /* nothing more will come */
        if (PQresultStatus (res) == PGRES_PIPELINE_SYNC)
            self->pipe_syncs--;
        PQclear (res);
    }
    if (PQexitPipelineMode (self->conn) != 1) {
        /* results left unread: only expected on a broken connection, which
           kb_db_ensure replaces */
        kb_error ("could not leave pipeline mode: %s", PQerrorMessage (self->conn));
        s_pipe_fail (self, KB_DB_RETRY);
    }
    self->pipe_active = false;
    return self->pipe_rc;
}

/*  Array parameters */

static void
s_array_put (kb_db_array_t *self, const char *data, size_t n)
{
    if (self->oom)
        return;
    if (self->len + n + 2 > self->cap) {   /* room for '}' and NUL */
        size_t cap = self->cap ? self->cap : 256;
        while (self->len + n + 2 > cap)
            cap *= 2;
        char *grown = realloc (self->data, cap);
        if (!grown) {
            self->oom = true;
            return;
        }
        self->data = grown;
        self->cap = cap;
    }
    memcpy (self->data + self->len, data, n);
    self->len += n;
}

/* Opens the literal or separates from the element before. */
static void
s_array_next (kb_db_array_t *self)
{
    s_array_put (self, self->count++ ? "," : "{", 1);
}

void
kb_db_array_reset (kb_db_array_t *self)
{
    self->len = 0;
    self->count = 0;
    self->oom = false;
}

void
kb_db_array_truncate (kb_db_array_t *self, size_t len, size_t count)
{
    assert (len <= self->len && count <= self->count);
    self->len = len;
    self->count = count;
}

void
kb_db_array_free (kb_db_array_t *self)
{
    free (self->data);
    memset (self, 0, sizeof *self);
}

void
kb_db_array_add_str (kb_db_array_t *self, const char *s)
{
    s_array_next (self);
    if (!s) {
        s_array_put (self, "NULL", 4);
        return;
    }
    /* inside double quotes only '"' and '\' need a backslash */
    s_array_put (self, "\"", 1);
    for (const char *run = s;; s++) {
        if (*s == '"' || *s == '\\' || *s == '\0') {
            s_array_put (self, run, (size_t) (s - run));
            if (!*s)
                break;
            s_array_put (self, "\\", 1);
            run = s;
        }
    }
    s_array_put (self, "\"", 1);
}

void
kb_db_array_add_int (kb_db_array_t *self, long long v)
{
    char buf[24];
    int n = snprintf (buf, sizeof buf, "%lld", v);
    s_array_next (self);
    s_array_put (self, buf, (size_t) n);
}

void
kb_db_array_add_bool (kb_db_array_t *self, bool v)
{
    s_array_next (self);
    s_array_put (self, v ? "t" : "f", 1);
}

void
kb_db_array_add_bytea (kb_db_array_t *self, const uint8_t *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    /* bytea hex input "\x..", its backslash escaped for the array */
    s_array_next (self);
    s_array_put (self, "\"\\\\x", 4);
    for (size_t i = 0; i < len; i++) {
        char pair[2] = { hex[data[i] >> 4], hex[data[i] & 15] };
        s_array_put (self, pair, 2);
    }
    s_array_put (self, "\"", 1);
}

const char *
kb_db_array_text (kb_db_array_t *self)
{
    if (self->count == 0)
        return "{}";
    if (self->oom)
        return NULL;
    /* s_array_put always leaves room for these two */
    self->data[self->len] = '}';
    self->data[self->len + 1] = '\0';
    return self->data;
}

/*  Binary array parameters: a 20-byte header (dimensions, flags, element
    type, length, lower bound), then per element a 4-byte length (-1 for
    NULL) and its bytes, all integers big-endian (array_recv). */

#define S_BARRAY_HEADER 20

static void
s_put_be32 (char *out, uint32_t v)
{
    out[0] = (char) (v >> 24);
    out[1] = (char) (v >> 16);
    out[2] = (char) (v >> 8);
    out[3] = (char) v;
}

/* Room for n more bytes; false when memory ran out. */
static bool
s_barray_reserve (kb_db_barray_t *self, size_t n)
{
    if (self->oom)
        return false;
    if (self->len + n > self->cap) {
        size_t cap = self->cap ? self->cap : 4096;
        while (self->len + n > cap)
            cap *= 2;
        char *grown = realloc (self->data, cap);
        if (!grown) {
            self->oom = true;
            return false;
        }
        self->data = grown;
        self->cap = cap;
    }
    return true;
}

void
kb_db_barray_reset (kb_db_barray_t *self, uint32_t elem_oid)
{
    self->len = 0;
    self->count = 0;
    self->elem_oid = elem_oid;
    self->oom = false;
    if (s_barray_reserve (self, S_BARRAY_HEADER))
        self->len = S_BARRAY_HEADER;   /* written by kb_db_barray_data */
}

void
kb_db_barray_free (kb_db_barray_t *self)
{
    free (self->data);
    memset (self, 0, sizeof *self);
}

void
kb_db_barray_add (kb_db_barray_t *self, const void *data, size_t len)
{
    assert (self->len >= S_BARRAY_HEADER || self->oom);   /* reset first */
    if (len > INT32_MAX) {
        self->oom = true;
        return;
    }
    if (!s_barray_reserve (self, 4 + (data ? len : 0)))
        return;
    s_put_be32 (self->data + self->len, data ? (uint32_t) len : UINT32_MAX);
    self->len += 4;
    if (data && len) {
        memcpy (self->data + self->len, data, len);
        self->len += len;
    }
    self->count++;
}

void
kb_db_barray_add_str (kb_db_barray_t *self, const char *s)
{
    kb_db_barray_add (self, s, s ? strlen (s) : 0);
}

void
kb_db_barray_add_int4 (kb_db_barray_t *self, int32_t v)
{
    char be[4];
    s_put_be32 (be, (uint32_t) v);
    kb_db_barray_add (self, be, sizeof be);
}

const char *
kb_db_barray_data (kb_db_barray_t *self, int *len)
{
    if (self->oom || self->len < S_BARRAY_HEADER || self->len > (1u << 30))
        return NULL;
    char *h = self->data;
    if (self->count == 0) {
        /* no dimensions: '{}' */
        s_put_be32 (h, 0);
        s_put_be32 (h + 4, 0);
        s_put_be32 (h + 8, self->elem_oid);
        *len = 12;
        return h;
    }
    s_put_be32 (h, 1);                        /* dimensions */
    s_put_be32 (h + 4, 0);                    /* flags: no NULL bitmap */
    s_put_be32 (h + 8, self->elem_oid);
    s_put_be32 (h + 12, (uint32_t) self->count);
    s_put_be32 (h + 16, 1);                   /* lower bound */
    *len = (int) self->len;
    return h;
}

/*  Migrations */

static int
s_cmp (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

static char *
s_read_file (const char *path)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    if (fseek (f, 0, SEEK_END) == 0) {
        long size = ftell (f);
        if (size >= 0 && fseek (f, 0, SEEK_SET) == 0) {
            buf = malloc ((size_t) size + 1);
            if (buf && fread (buf, 1, (size_t) size, f) != (size_t) size) {
                free (buf);
                buf = NULL;
            }
            if (buf)
                buf[size] = '\0';
        }
    }
    fclose (f);
    return buf;
}

static int
s_apply (kb_db_t *self, const char *path, const char *component, const char *file)
{
    int version = atoi (file);
    char vbuf[16];
    snprintf (vbuf, sizeof vbuf, "%d", version);
    const char *schema = kb_db_schema (self);
    const char *params[4] = { schema, component, vbuf, file };
    PGresult *res = PQexecParams (self->conn,
                                  "SELECT 1 FROM public.kb_migrations WHERE schema_name = $1 "
                                  "AND component = $2 AND version = $3::int",
                                  3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        kb_error ("could not read migrations table: %s", PQresultErrorMessage (res));
        PQclear (res);
        return -1;
    }
    int applied = PQntuples (res) > 0;
    PQclear (res);
    if (applied)
        return 0;
    char *sql = s_read_file (path);
    if (!sql) {
        kb_error ("could not read migration file \"%s\"", path);
        return -1;
    }
    int rc = -1;
    if (kb_db_begin (self) != KB_DB_OK)
        goto done;
    res = PQexec (self->conn, sql);
    if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf (msg, sizeof msg, "%s", PQresultErrorMessage (res));
        msg[strcspn (msg, "\n")] = '\0';
        kb_error ("could not apply migration \"%s/%s\" schema=\"%s\": %s", component, file,
                  schema, msg);
        PQclear (res);
        kb_db_rollback (self);
        goto done;
    }
    PQclear (res);
    res = PQexecParams (self->conn,
                        "INSERT INTO public.kb_migrations (schema_name, component, version, name) "
                        "VALUES ($1, $2, $3::int, $4)",
                        4, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus (res) == PGRES_COMMAND_OK;
    PQclear (res);
    if (!ok || kb_db_commit (self) != KB_DB_OK) {
        kb_db_rollback (self);
        goto done;
    }
    kb_info ("applied migration \"%s/%s\" schema=\"%s\"", component, file, schema);
    rc = 0;
done:
    free (sql);
    return rc;
}

int
kb_db_migrate (kb_db_t *self, const char *dir, const char *component)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/%s", dir, component);
    DIR *d = opendir (path);
    if (!d) {
        kb_error ("could not open migrations directory \"%s\"", path);
        return -1;
    }
    char *files[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir (d)) && n < 512) {
        size_t len = strlen (e->d_name);
        if (len > 8 && e->d_name[0] >= '0' && e->d_name[0] <= '9'
            && strcmp (e->d_name + len - 4, ".sql") == 0)
            files[n++] = strdup (e->d_name);
    }
    closedir (d);
    qsort (files, (size_t) n, sizeof files[0], s_cmp);

    int rc = 0;
    /* Several daemons may start at once: one migrates, the others wait. */
    if (kb_db_exec (self, "SELECT pg_advisory_lock(hashtext('ketenbus-migrations'))") != KB_DB_OK
        || kb_db_exec (self, "CREATE TABLE IF NOT EXISTS public.kb_migrations ("
                             " schema_name text NOT NULL, component text NOT NULL,"
                             " version int NOT NULL, name text NOT NULL,"
                             " applied_at timestamptz NOT NULL DEFAULT now(),"
                             " PRIMARY KEY (schema_name, component, version))")
               != KB_DB_OK) {
        kb_error ("could not prepare migrations table");
        rc = -1;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        char file[2048];
        snprintf (file, sizeof file, "%s/%s", path, files[i]);
        rc = s_apply (self, file, component, files[i]);
    }
    kb_db_exec (self, "SELECT pg_advisory_unlock(hashtext('ketenbus-migrations'))");
    for (int i = 0; i < n; i++)
        free (files[i]);
    return rc;
}

void
kb_db_columns_reset (kb_db_barray_t *cols, const uint32_t *elem_oids, int ncols)
{
    for (int c = 0; c < ncols; c++)
        kb_db_barray_reset (&cols[c], elem_oids[c]);
}

void
kb_db_columns_free (kb_db_barray_t *cols, int ncols)
{
    for (int c = 0; c < ncols; c++)
        kb_db_barray_free (&cols[c]);
}

bool
kb_db_columns_oom (const kb_db_barray_t *cols, int ncols)
{
    for (int c = 0; c < ncols; c++)
        if (cols[c].oom)
            return true;
    return false;
}

kb_db_rc_t
kb_db_columns_send (kb_db_t *db, const char *name, kb_db_barray_t *cols, int ncols)
{
    const char *values[KB_DB_COLUMNS_MAX];
    int lengths[KB_DB_COLUMNS_MAX], formats[KB_DB_COLUMNS_MAX];
    if (ncols < 1 || ncols > KB_DB_COLUMNS_MAX) {
        kb_error ("could not queue statement \"%s\": %d columns", name, ncols);
        return KB_DB_FATAL;
    }
    for (int c = 0; c < ncols; c++) {
        formats[c] = 1;
        if (!(values[c] = kb_db_barray_data (&cols[c], &lengths[c]))) {
            kb_error ("could not queue statement \"%s\": out of memory", name);
            return KB_DB_FATAL;
        }
    }
    if (kb_db_pipeline_active (db))
        return kb_db_pipeline_send (db, name, ncols, values, lengths, formats);
    return kb_db_run_cmd (db, name, ncols, values, lengths, formats);
}
