/*  kb_audit - append-only, hash-chained audit log

    The hash is computed here, in one place, by feeding the canonical
    serialisation to SHA-256 through the same writer that kb_audit_row_
    serialise uses, so the bytes that are hashed and the bytes the tests
    look at cannot drift apart. The database keeps the rows and the head of
    the chain and refuses changes (deploy/migrations/audit/0001_audit.sql).

    All text is restricted to printable ASCII: what is hashed is then
    exactly what PostgreSQL stores and returns, whatever the client
    encoding, and no Unicode normalisation can change a stored value.
*/

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_log.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KB_AUDIT_TAG "kb_audit/1"
#define KB_AUDIT_NULL_LENGTH UINT32_C (0xFFFFFFFF)
#define KB_AUDIT_BATCH "1000"
#define KB_AUDIT_BATCH_ROWS 1000

static const uint8_t s_zero_hash[KB_AUDIT_HASH_SIZE];

//  ---------------------------------------------------------------------
//  Entry validation

static bool
s_is_printable (const char *s, bool allow_space)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        if (c < 0x20 || c > 0x7e || (c == ' ' && !allow_space))
            return false;
    }
    return true;
}

static bool
s_is_code (const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                  || c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok || n >= KB_AUDIT_CODE_MAX)
            return false;
    }
    return n > 0;
}

//  Optional text: NULL, or 1..KB_AUDIT_TEXT_MAX printable ASCII bytes.
static bool
s_is_text (const char *s, bool required, bool allow_space)
{
    if (!s)
        return !required;
    size_t n = strnlen (s, KB_AUDIT_TEXT_MAX + 1);
    return n > 0 && n <= KB_AUDIT_TEXT_MAX && s_is_printable (s, allow_space);
}

static bool
s_all_digits (const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int
kb_audit_entry_check (const kb_audit_entry_t *entry, const char **why)
{
    const char *bad = NULL;
    if (!entry)
        bad = "entry";
    else if (!s_is_text (entry->actor_org, true, false))
        bad = "actor_org";
    else if (!s_is_text (entry->actor_user, false, false))
        bad = "actor_user";
    else if (!s_is_text (entry->on_behalf_of, false, false))
        bad = "on_behalf_of";
    else if (!entry->event || !s_is_code (entry->event))
        bad = "event";
    else if (!entry->action || !strchr ("CRUDE", entry->action))
        bad = "action";
    else if (!s_is_text (entry->subject_pseudonym, false, false)
             || (entry->subject_pseudonym && s_all_digits (entry->subject_pseudonym)))
        bad = "subject_pseudonym";
    else if (entry->reason && !s_is_code (entry->reason))
        bad = "reason";
    else if (!entry->outcome || !s_is_code (entry->outcome))
        bad = "outcome";
    if (why)
        *why = bad;
    return bad ? -1 : 0;
}

//  ---------------------------------------------------------------------
//  Canonical serialisation: one writer feeding a buffer and/or SHA-256

typedef struct {
    uint8_t *buf;
    size_t size;
    size_t len;
    crypto_hash_sha256_state *sha;
    bool bad;
} s_writer_t;

static void
s_put (s_writer_t *w, const void *data, size_t n)
{
    if (n == 0)
        return;
    if (w->sha)
        crypto_hash_sha256_update (w->sha, data, n);
    if (w->buf && w->len < w->size) {
        size_t room = w->size - w->len;
        memcpy (w->buf + w->len, data, n < room ? n : room);
    }
    w->len += n;
}

static void
s_put_length (s_writer_t *w, uint32_t n)
{
    uint8_t be[4] = { (uint8_t) (n >> 24), (uint8_t) (n >> 16), (uint8_t) (n >> 8), (uint8_t) n };
    s_put (w, be, sizeof be);
}

static void
s_put_field (s_writer_t *w, const void *data, size_t n)
{
    if (n >= KB_AUDIT_NULL_LENGTH) {
        w->bad = true;
        return;
    }
    s_put_length (w, (uint32_t) n);
    s_put (w, data, n);
}

static void
s_put_str (s_writer_t *w, const char *s)
{
    if (s)
        s_put_field (w, s, strlen (s));
    else
        s_put_length (w, KB_AUDIT_NULL_LENGTH);
}

static void
s_put_i64 (s_writer_t *w, int64_t v)
{
    uint64_t u = (uint64_t) v;
    uint8_t be[8];
    for (int i = 7; i >= 0; i--) {
        be[i] = (uint8_t) u;
        u >>= 8;
    }
    s_put_field (w, be, sizeof be);
}

static void
s_put_byte (s_writer_t *w, uint8_t b)
{
    s_put_field (w, &b, 1);
}

static void
s_write_row (s_writer_t *w, const kb_audit_row_t *row)
{
    const kb_audit_entry_t *e = &row->entry;
    s_put_str (w, KB_AUDIT_TAG);
    s_put_i64 (w, row->seq);
    s_put_i64 (w, row->at_us);
    s_put_str (w, e->actor_org);
    s_put_str (w, e->actor_user);
    s_put_str (w, e->on_behalf_of);
    s_put_str (w, e->event);
    s_put_byte (w, (uint8_t) e->action);
    s_put_str (w, e->subject_pseudonym);
    s_put_str (w, e->reason);
    s_put_str (w, e->outcome);
    s_put_byte (w, e->authorised ? 1 : 0);
    s_put_byte (w, e->care_relation ? 1 : 0);
    s_put_byte (w, e->consent ? 1 : 0);
    s_put_byte (w, e->emergency ? 1 : 0);
    s_put_field (w, row->prev_hash, KB_AUDIT_HASH_SIZE);
}

size_t
kb_audit_row_serialise (const kb_audit_row_t *row, uint8_t *buf, size_t size)
{
    assert (row);
    s_writer_t w = { .buf = buf, .size = buf ? size : 0 };
    s_write_row (&w, row);
    return w.bad ? 0 : w.len;
}

int
kb_audit_row_hash (const kb_audit_row_t *row, uint8_t out[KB_AUDIT_HASH_SIZE])
{
    assert (row);
    assert (out);
    if (sodium_init () < 0)
        return -1;
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init (&sha);
    s_writer_t w = { .sha = &sha };
    s_write_row (&w, row);
    crypto_hash_sha256_final (&sha, out);
    sodium_memzero (&sha, sizeof sha);
    return w.bad ? -1 : 0;
}

//  ---------------------------------------------------------------------
//  Chain checks

static void
s_result_reset (kb_audit_verify_result_t *result)
{
    memset (result, 0, sizeof *result);
    result->first_bad_seq = -1;
}

static int
s_broken (kb_audit_verify_result_t *result, int64_t seq, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
s_broken (kb_audit_verify_result_t *result, int64_t seq, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (result->problem, sizeof result->problem, fmt, ap);
    va_end (ap);
    result->first_bad_seq = (long) seq;
    return KB_AUDIT_BROKEN;
}

int
kb_audit_check_link (int64_t prev_seq, const uint8_t *prev_hash, const kb_audit_row_t *row,
                     kb_audit_verify_result_t *result)
{
    assert (row);
    assert (result);
    if (!prev_hash)
        prev_hash = s_zero_hash;
    long long prev = (long long) prev_seq, seq = (long long) row->seq;
    if (prev_seq == INT64_MAX || row->seq <= prev_seq)
        return s_broken (result, row->seq, "row %lld: out of order after %lld", seq, prev);
    if (row->seq != prev_seq + 1) {
        if (row->seq == prev_seq + 2)
            return s_broken (result, prev_seq + 1, "seq gap %lld -> %lld (row %lld missing)",
                             prev, seq, prev + 1);
        return s_broken (result, prev_seq + 1, "seq gap %lld -> %lld (rows %lld..%lld missing)",
                         prev, seq, prev + 1, seq - 1);
    }
    if (sodium_memcmp (row->prev_hash, prev_hash, KB_AUDIT_HASH_SIZE) != 0)
        return s_broken (result, row->seq,
                         "row %lld: previous-hash link broken (row deleted or reordered)", seq);
    uint8_t hash[KB_AUDIT_HASH_SIZE];
    if (kb_audit_row_hash (row, hash) != 0
        || sodium_memcmp (hash, row->hash, KB_AUDIT_HASH_SIZE) != 0)
        return s_broken (result, row->seq, "row %lld: stored hash does not match its contents",
                         seq);
    return 0;
}

int
kb_audit_check_head (int64_t last_seq, const uint8_t *last_hash, int64_t head_seq,
                     const uint8_t *head_hash, kb_audit_verify_result_t *result)
{
    assert (result);
    if (!last_hash)
        last_hash = s_zero_hash;
    if (!head_hash)
        head_hash = s_zero_hash;
    long long last = (long long) last_seq, head = (long long) head_seq;
    if (last_seq < head_seq)
        return s_broken (result, last_seq + 1,
                         "rows after %lld missing: head of the chain is at %lld", last, head);
    if (last_seq > head_seq)
        return s_broken (result, head_seq + 1,
                         "rows %lld..%lld beyond the head of the chain at %lld", head + 1, last,
                         head);
    if (sodium_memcmp (last_hash, head_hash, KB_AUDIT_HASH_SIZE) != 0)
        return s_broken (result, last_seq, "row %lld: hash does not match the head of the chain",
                         last);
    return 0;
}

int
kb_audit_verify_rows (const kb_audit_row_t *rows, size_t n, int64_t head_seq,
                      const uint8_t *head_hash, kb_audit_verify_result_t *result)
{
    assert (result);
    assert (rows || n == 0);
    s_result_reset (result);
    int64_t prev_seq = 0;
    const uint8_t *prev_hash = s_zero_hash;
    for (size_t i = 0; i < n; i++) {
        result->rows_checked++;
        int rc = kb_audit_check_link (prev_seq, prev_hash, &rows[i], result);
        if (rc)
            return rc;
        prev_seq = rows[i].seq;
        prev_hash = rows[i].hash;
    }
    result->last_seq = (long) prev_seq;
    memcpy (result->last_hash, prev_hash, KB_AUDIT_HASH_SIZE);
    return kb_audit_check_head (prev_seq, prev_hash, head_seq, head_hash, result);
}

//  ---------------------------------------------------------------------
//  Database

static const char s_sql_lock[] =
    "SELECT pg_advisory_xact_lock(hashtext('ketenbus-audit'), hashtext(current_schema()))";

//  A separate statement after the lock: in READ COMMITTED it gets a fresh
//  snapshot; FOR UPDATE also holds writers apart (and fails with 40001
//  instead of forking the chain under REPEATABLE READ).
static const char s_sql_head_lock[] =
    "SELECT last_seq, last_hash,"
    " floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
    " FROM kb_audit_head WHERE id = 1 FOR UPDATE";

static const char s_sql_insert[] =
    "INSERT INTO kb_audit (seq, at_us, actor_org, actor_user, on_behalf_of, event, action,"
    " subject_pseudonym, reason, outcome, flag_authorised, flag_care_relation, flag_consent,"
    " flag_emergency, prev_hash, hash)"
    " VALUES ($1::bigint, $2::bigint, $3::text, $4::text, $5::text, $6::text, $7::char(1),"
    " $8::text, $9::text, $10::text, $11::boolean, $12::boolean, $13::boolean, $14::boolean,"
    " $15::bytea, $16::bytea)";

//  The same row as s_sql_insert, for a whole batch (kb_audit_batch_send).
//  ORDER BY seq: the head trigger must see the rows in chain order.
static const char s_sql_insert_batch[] =
    "INSERT INTO kb_audit (seq, at_us, actor_org, actor_user, on_behalf_of, event, action,"
    " subject_pseudonym, reason, outcome, flag_authorised, flag_care_relation, flag_consent,"
    " flag_emergency, prev_hash, hash)"
    " SELECT * FROM unnest ($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],"
    " $6::text[], $7::char(1)[], $8::text[], $9::text[], $10::text[], $11::boolean[],"
    " $12::boolean[], $13::boolean[], $14::boolean[], $15::bytea[], $16::bytea[])"
    " ORDER BY 1";

static const char s_sql_head_read[] =
    "SELECT last_seq, last_hash FROM kb_audit_head WHERE id = 1";

static const char s_sql_batch[] =
    "SELECT seq, at_us, actor_org, actor_user, on_behalf_of, event, action,"
    " subject_pseudonym, reason, outcome, flag_authorised, flag_care_relation, flag_consent,"
    " flag_emergency, prev_hash, hash"
    " FROM kb_audit WHERE seq > $1::bigint ORDER BY seq LIMIT $2::int";

int
kb_audit_prepare (kb_db_t *db)
{
    assert (db);
    if (sodium_init () < 0) {
        kb_error ("could not initialise libsodium");
        return -1;
    }
    if (kb_db_prepare (db, "kb_audit_lock", s_sql_lock, 0)
        || kb_db_prepare (db, "kb_audit_head_lock", s_sql_head_lock, 0)
        || kb_db_prepare (db, "kb_audit_insert", s_sql_insert, 16)
        || kb_db_prepare (db, "kb_audit_insert_batch", s_sql_insert_batch, 16)
        || kb_db_prepare (db, "kb_audit_head_read", s_sql_head_read, 0)
        || kb_db_prepare (db, "kb_audit_batch", s_sql_batch, 2)) {
        kb_error ("could not prepare audit statements schema=\"%s\"", kb_db_schema (db));
        return -1;
    }
    return 0;
}

static int
s_parse_i64 (const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll (s, &end, 10);
    if (errno || *end)
        return -1;
    *out = (int64_t) v;
    return 0;
}

//  bytea in PostgreSQL's text (hex) output: "\x" and 64 hex digits.
static int
s_parse_hash (const char *s, uint8_t out[KB_AUDIT_HASH_SIZE])
{
    size_t bin_len = 0;
    if (!s || s[0] != '\\' || s[1] != 'x' || strlen (s + 2) != 2 * KB_AUDIT_HASH_SIZE)
        return -1;
    if (sodium_hex2bin (out, KB_AUDIT_HASH_SIZE, s + 2, 2 * KB_AUDIT_HASH_SIZE, NULL, &bin_len,
                        NULL)
            != 0
        || bin_len != KB_AUDIT_HASH_SIZE)
        return -1;
    return 0;
}

static int
s_parse_bool (const char *s, bool *out)
{
    if (!s || s[1] != '\0' || (s[0] != 't' && s[0] != 'f'))
        return -1;
    *out = s[0] == 't';
    return 0;
}

//  Column order of s_sql_batch.
enum {
    C_SEQ, C_AT_US, C_ACTOR_ORG, C_ACTOR_USER, C_ON_BEHALF_OF, C_EVENT, C_ACTION,
    C_SUBJECT, C_REASON, C_OUTCOME, C_AUTHORISED, C_CARE_RELATION, C_CONSENT,
    C_EMERGENCY, C_PREV_HASH, C_HASH, C_COUNT
};

static const char *
s_value (PGresult *res, int i, int col)
{
    return PQgetisnull (res, i, col) ? NULL : PQgetvalue (res, i, col);
}

//  Fills row with pointers into res (valid until PQclear). Returns 0, or
//  KB_AUDIT_BROKEN when a column the chain needs is missing or malformed.
static int
s_row_from_result (PGresult *res, int i, kb_audit_row_t *row, kb_audit_verify_result_t *result)
{
    memset (row, 0, sizeof *row);
    if (s_parse_i64 (s_value (res, i, C_SEQ), &row->seq))
        return s_broken (result, (int64_t) result->last_seq + 1, "row with malformed seq after %ld",
                         result->last_seq);
    const char *col = NULL;
    const char *action = s_value (res, i, C_ACTION);
    kb_audit_entry_t *e = &row->entry;
    e->actor_org = s_value (res, i, C_ACTOR_ORG);
    e->actor_user = s_value (res, i, C_ACTOR_USER);
    e->on_behalf_of = s_value (res, i, C_ON_BEHALF_OF);
    e->event = s_value (res, i, C_EVENT);
    e->subject_pseudonym = s_value (res, i, C_SUBJECT);
    e->reason = s_value (res, i, C_REASON);
    e->outcome = s_value (res, i, C_OUTCOME);
    if (s_parse_i64 (s_value (res, i, C_AT_US), &row->at_us))
        col = "at_us";
    else if (!action || strlen (action) != 1)
        col = "action";
    else if (s_parse_bool (s_value (res, i, C_AUTHORISED), &e->authorised))
        col = "flag_authorised";
    else if (s_parse_bool (s_value (res, i, C_CARE_RELATION), &e->care_relation))
        col = "flag_care_relation";
    else if (s_parse_bool (s_value (res, i, C_CONSENT), &e->consent))
        col = "flag_consent";
    else if (s_parse_bool (s_value (res, i, C_EMERGENCY), &e->emergency))
        col = "flag_emergency";
    else if (s_parse_hash (s_value (res, i, C_PREV_HASH), row->prev_hash))
        col = "prev_hash";
    else if (s_parse_hash (s_value (res, i, C_HASH), row->hash))
        col = "hash";
    if (col)
        return s_broken (result, row->seq, "row %lld: malformed column \"%s\"",
                         (long long) row->seq, col);
    e->action = action[0];
    return 0;
}

//  Parses the result of s_sql_head_lock. Returns 0 or -1 (logged).
static int
s_head_from_result (kb_db_t *db, PGresult *res, int64_t *last_seq,
                    uint8_t last_hash[KB_AUDIT_HASH_SIZE], int64_t *now_us)
{
    if (PQntuples (res) != 1 || s_parse_i64 (s_value (res, 0, 0), last_seq)
        || s_parse_hash (s_value (res, 0, 1), last_hash)
        || s_parse_i64 (s_value (res, 0, 2), now_us)) {
        kb_error ("could not append audit entry: audit head missing or malformed schema=\"%s\"",
                  kb_db_schema (db));
        return -1;
    }
    if (*last_seq < 0 || *last_seq == INT64_MAX) {
        kb_error ("could not append audit entry: audit head out of range last_seq=%lld",
                  (long long) *last_seq);
        return -1;
    }
    return 0;
}

int
kb_audit_append (kb_db_t *db, const kb_audit_entry_t *entry)
{
    assert (db);
    assert (entry);
    const char *why = NULL;
    if (kb_audit_entry_check (entry, &why)) {
        kb_error ("could not append audit entry: invalid field \"%s\"", why);
        return KB_DB_FATAL;
    }
    if (PQtransactionStatus (kb_db_conn (db)) != PQTRANS_INTRANS) {
        kb_error ("could not append audit entry event=\"%s\": no open transaction", entry->event);
        return KB_DB_FATAL;
    }
    kb_db_rc_t rc = kb_db_run_cmd (db, "kb_audit_lock", 0, NULL, NULL, NULL);
    if (rc != KB_DB_OK)
        return rc;
    PGresult *res = kb_db_run (db, "kb_audit_head_lock", 0, NULL, NULL, NULL, &rc);
    if (!res)
        return rc;

    kb_audit_row_t row = { .entry = *entry };
    int64_t last_seq = 0;
    rc = KB_DB_FATAL;
    if (s_head_from_result (db, res, &last_seq, row.prev_hash, &row.at_us))
        goto done;
    row.seq = last_seq + 1;
    if (kb_audit_row_hash (&row, row.hash)) {
        kb_error ("could not hash audit entry event=\"%s\"", entry->event);
        goto done;
    }

    char seq_text[24], at_text[24], action_text[2] = { entry->action, '\0' };
    snprintf (seq_text, sizeof seq_text, "%lld", (long long) row.seq);
    snprintf (at_text, sizeof at_text, "%lld", (long long) row.at_us);
    const char *values[16] = {
        seq_text, at_text, entry->actor_org, entry->actor_user, entry->on_behalf_of,
        entry->event, action_text, entry->subject_pseudonym, entry->reason, entry->outcome,
        entry->authorised ? "t" : "f", entry->care_relation ? "t" : "f",
        entry->consent ? "t" : "f", entry->emergency ? "t" : "f",
        (const char *) row.prev_hash, (const char *) row.hash
    };
    int lengths[16] = { 0 };
    int formats[16] = { 0 };
    lengths[14] = lengths[15] = KB_AUDIT_HASH_SIZE;
    formats[14] = formats[15] = 1;
    rc = kb_db_run_cmd (db, "kb_audit_insert", 16, values, lengths, formats);
    if (rc == KB_DB_OK)
        kb_debug ("audit entry appended seq=%lld event=\"%s\" action=%c", (long long) row.seq,
                  entry->event, entry->action);
    else
        kb_error ("could not append audit entry seq=%lld event=\"%s\" sqlstate=%s",
                  (long long) row.seq, entry->event, kb_db_last_sqlstate (db));
done:
    PQclear (res);
    return rc;
}

//  ---------------------------------------------------------------------
//  Batched appends

//  Columns of s_sql_insert_batch, in parameter order.
enum {
    B_SEQ, B_AT_US, B_ACTOR_ORG, B_ACTOR_USER, B_ON_BEHALF_OF, B_EVENT, B_ACTION, B_SUBJECT,
    B_REASON, B_OUTCOME, B_AUTHORISED, B_CARE_RELATION, B_CONSENT, B_EMERGENCY, B_PREV_HASH,
    B_HASH, B_COUNT
};

struct _kb_audit_batch_t {
    bool have_head;                      //  kb_audit_batch_head succeeded
    int64_t last_seq;                    //  last row chained (head at first)
    uint8_t last_hash[KB_AUDIT_HASH_SIZE];
    int64_t at_us;                       //  server time of the head read
    size_t rows;
    kb_db_array_t column[B_COUNT];
    struct {                             //  kb_audit_batch_savepoint
        int64_t last_seq;
        uint8_t last_hash[KB_AUDIT_HASH_SIZE];
        size_t rows;
        size_t len[B_COUNT], count[B_COUNT];
    } saved;
};

kb_audit_batch_t *
kb_audit_batch_new (void)
{
    return calloc (1, sizeof (kb_audit_batch_t));
}

void
kb_audit_batch_destroy (kb_audit_batch_t **self_p)
{
    assert (self_p);
    if (!*self_p)
        return;
    kb_audit_batch_t *self = *self_p;
    for (int c = 0; c < B_COUNT; c++)
        kb_db_array_free (&self->column[c]);
    free (self);
    *self_p = NULL;
}

int
kb_audit_batch_lock (kb_audit_batch_t *self, kb_db_t *db)
{
    assert (self);
    assert (db);
    self->have_head = false;
    self->rows = 0;
    for (int c = 0; c < B_COUNT; c++)
        kb_db_array_reset (&self->column[c]);
    //  the same two statements, in the same order, as kb_audit_append
    int rc = kb_db_pipeline_send (db, "kb_audit_lock", 0, NULL, NULL, NULL);
    if (rc == KB_DB_OK)
        rc = kb_db_pipeline_send (db, "kb_audit_head_lock", 0, NULL, NULL, NULL);
    return rc;
}

int
kb_audit_batch_head (kb_audit_batch_t *self, kb_db_t *db)
{
    assert (self);
    assert (db);
    kb_db_rc_t rc;
    PQclear (kb_db_pipeline_next (db, &rc));
    PGresult *res = kb_db_pipeline_next (db, &rc);
    if (!res)
        return rc;
    if (s_head_from_result (db, res, &self->last_seq, self->last_hash, &self->at_us))
        rc = KB_DB_FATAL;
    else {
        self->have_head = true;
        kb_audit_batch_savepoint (self);
    }
    PQclear (res);
    return rc;
}

size_t
kb_audit_batch_size (kb_audit_batch_t *self)
{
    assert (self);
    return self->rows;
}

int
kb_audit_batch_append (kb_audit_batch_t *self, const kb_audit_entry_t *entry)
{
    assert (self);
    assert (entry);
    assert (self->have_head);
    const char *why = NULL;
    if (kb_audit_entry_check (entry, &why)) {
        kb_error ("could not append audit entry: invalid field \"%s\"", why);
        return KB_DB_FATAL;
    }
    if (self->last_seq == INT64_MAX) {
        kb_error ("could not append audit entry: audit head out of range last_seq=%lld",
                  (long long) self->last_seq);
        return KB_DB_FATAL;
    }
    kb_audit_row_t row = { .entry = *entry, .seq = self->last_seq + 1, .at_us = self->at_us };
    memcpy (row.prev_hash, self->last_hash, KB_AUDIT_HASH_SIZE);
    if (kb_audit_row_hash (&row, row.hash)) {
        kb_error ("could not hash audit entry event=\"%s\"", entry->event);
        return KB_DB_FATAL;
    }
    char action[2] = { entry->action, '\0' };
    kb_db_array_t *col = self->column;
    kb_db_array_add_int (&col[B_SEQ], row.seq);
    kb_db_array_add_int (&col[B_AT_US], row.at_us);
    kb_db_array_add_str (&col[B_ACTOR_ORG], entry->actor_org);
    kb_db_array_add_str (&col[B_ACTOR_USER], entry->actor_user);
    kb_db_array_add_str (&col[B_ON_BEHALF_OF], entry->on_behalf_of);
    kb_db_array_add_str (&col[B_EVENT], entry->event);
    kb_db_array_add_str (&col[B_ACTION], action);
    kb_db_array_add_str (&col[B_SUBJECT], entry->subject_pseudonym);
    kb_db_array_add_str (&col[B_REASON], entry->reason);
    kb_db_array_add_str (&col[B_OUTCOME], entry->outcome);
    kb_db_array_add_bool (&col[B_AUTHORISED], entry->authorised);
    kb_db_array_add_bool (&col[B_CARE_RELATION], entry->care_relation);
    kb_db_array_add_bool (&col[B_CONSENT], entry->consent);
    kb_db_array_add_bool (&col[B_EMERGENCY], entry->emergency);
    kb_db_array_add_bytea (&col[B_PREV_HASH], row.prev_hash, KB_AUDIT_HASH_SIZE);
    kb_db_array_add_bytea (&col[B_HASH], row.hash, KB_AUDIT_HASH_SIZE);
    self->last_seq = row.seq;
    memcpy (self->last_hash, row.hash, KB_AUDIT_HASH_SIZE);
    self->rows++;
    kb_debug ("audit entry chained seq=%lld event=\"%s\" action=%c", (long long) row.seq,
              entry->event, entry->action);
    return KB_DB_OK;
}

//  The array parameters of the batch INSERT; -1 when memory ran out.
static int
s_batch_values (kb_audit_batch_t *self, const char *values[B_COUNT])
{
    for (int c = 0; c < B_COUNT; c++) {
        values[c] = kb_db_array_text (&self->column[c]);
        if (!values[c]) {
            kb_error ("could not append audit entries: out of memory rows=%zu", self->rows);
            return -1;
        }
    }
    return 0;
}

int
kb_audit_batch_send (kb_audit_batch_t *self, kb_db_t *db)
{
    assert (self);
    assert (db);
    if (self->rows == 0)
        return KB_DB_OK;
    const char *values[B_COUNT];
    if (s_batch_values (self, values))
        return KB_DB_FATAL;
    return kb_db_pipeline_send (db, "kb_audit_insert_batch", B_COUNT, values, NULL, NULL);
}

void
kb_audit_batch_savepoint (kb_audit_batch_t *self)
{
    assert (self);
    self->saved.last_seq = self->last_seq;
    memcpy (self->saved.last_hash, self->last_hash, KB_AUDIT_HASH_SIZE);
    self->saved.rows = self->rows;
    for (int c = 0; c < B_COUNT; c++) {
        self->saved.len[c] = self->column[c].len;
        self->saved.count[c] = self->column[c].count;
    }
}

void
kb_audit_batch_rollback_to (kb_audit_batch_t *self)
{
    assert (self);
    self->last_seq = self->saved.last_seq;
    memcpy (self->last_hash, self->saved.last_hash, KB_AUDIT_HASH_SIZE);
    self->rows = self->saved.rows;
    for (int c = 0; c < B_COUNT; c++)
        kb_db_array_truncate (&self->column[c], self->saved.len[c], self->saved.count[c]);
}

//  Streams the log in batches; returns 0, KB_AUDIT_BROKEN or a kb_db_rc_t.
static int
s_verify_rows (kb_db_t *db, int64_t *prev_seq, uint8_t prev_hash[KB_AUDIT_HASH_SIZE],
               kb_audit_verify_result_t *result)
{
    char after[24];
    const char *values[2] = { after, KB_AUDIT_BATCH };
    int64_t cursor = INT64_MIN;
    while (1) {
        snprintf (after, sizeof after, "%lld", (long long) cursor);
        kb_db_rc_t rc;
        PGresult *res = kb_db_run (db, "kb_audit_batch", 2, values, NULL, NULL, &rc);
        if (!res)
            return rc;
        int n = PQntuples (res);
        int broken = 0;
        for (int i = 0; i < n && !broken; i++) {
            kb_audit_row_t row;
            result->rows_checked++;
            broken = s_row_from_result (res, i, &row, result);
            if (!broken)
                broken = kb_audit_check_link (*prev_seq, prev_hash, &row, result);
            if (!broken) {
                *prev_seq = row.seq;
                memcpy (prev_hash, row.hash, KB_AUDIT_HASH_SIZE);
                cursor = row.seq;
                result->last_seq = (long) row.seq;
            }
        }
        PQclear (res);
        if (broken)
            return broken;
        if (n < KB_AUDIT_BATCH_ROWS)
            return 0;
    }
}

int
kb_audit_verify (kb_db_t *db, kb_audit_verify_result_t *result)
{
    assert (db);
    assert (result);
    s_result_reset (result);
    if (PQtransactionStatus (kb_db_conn (db)) != PQTRANS_IDLE) {
        kb_error ("could not verify audit log: connection is inside a transaction");
        return KB_DB_FATAL;
    }
    //  One snapshot for the head and every row: concurrent appends are
    //  neither seen half nor mistaken for damage.
    int rc = kb_db_exec (db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (rc != KB_DB_OK)
        return rc;

    int64_t head_seq = 0, prev_seq = 0;
    uint8_t head_hash[KB_AUDIT_HASH_SIZE], prev_hash[KB_AUDIT_HASH_SIZE] = { 0 };
    kb_db_rc_t db_rc;
    PGresult *res = kb_db_run (db, "kb_audit_head_read", 0, NULL, NULL, NULL, &db_rc);
    if (!res) {
        rc = db_rc;
        goto done;
    }
    int head_ok = PQntuples (res) == 1 && s_parse_i64 (s_value (res, 0, 0), &head_seq) == 0
                  && s_parse_hash (s_value (res, 0, 1), head_hash) == 0;
    PQclear (res);
    if (!head_ok) {
        rc = s_broken (result, 0, "head of the chain missing or malformed");
        goto done;
    }
    rc = s_verify_rows (db, &prev_seq, prev_hash, result);
    if (rc == 0) {
        result->last_seq = (long) prev_seq;
        memcpy (result->last_hash, prev_hash, KB_AUDIT_HASH_SIZE);
        rc = kb_audit_check_head (prev_seq, prev_hash, head_seq, head_hash, result);
    }
done:
    kb_db_rollback (db);
    if (rc == 0)
        kb_info ("audit log intact schema=\"%s\" rows=%ld last_seq=%ld", kb_db_schema (db),
                 result->rows_checked, result->last_seq);
    else if (rc == KB_AUDIT_BROKEN)
        kb_warning ("audit log broken schema=\"%s\" first_bad_seq=%ld rows_checked=%ld: %s",
                    kb_db_schema (db), result->first_bad_seq, result->rows_checked,
                    result->problem);
    else
        kb_error ("could not verify audit log schema=\"%s\" sqlstate=%s", kb_db_schema (db),
                  kb_db_last_sqlstate (db));
    return rc;
}
