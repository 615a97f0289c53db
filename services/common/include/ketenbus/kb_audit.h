/*  kb_audit - the append-only, hash-chained audit log of a daemon (NEN 7513)

    Every access, share decision, regie change and operator action becomes
    one row of kb_audit in the daemon's own schema (migrations in
    deploy/migrations/audit). Row n carries
        hash(n) = SHA-256 (canonical serialisation of seq, every field and
                           prev_hash)
        prev_hash(n) = hash(n-1), 32 zero bytes for the first row
    and the one-row table kb_audit_head holds the last seq and hash, kept
    in the same transaction by a trigger, so that editing, deleting,
    reordering or cutting off the tail of the log is detected by
    kb_audit_verify.

    The canonical serialisation ("kb_audit/1") is a sequence of fields, each
    a 4-byte big-endian length followed by that many bytes; a NULL string
    has length 0xFFFFFFFF and no bytes. Order: the tag "kb_audit/1", seq
    (8 bytes, big-endian two's complement), at_us (same), actor_org,
    actor_user, on_behalf_of, event, action (1 byte), subject_pseudonym,
    reason, outcome, authorised, care_relation, consent, emergency (1 byte
    each, 0 or 1), prev_hash (32 bytes). The length prefixes make sure no
    byte can move from one field to the next without changing the hash.

    Never put personal data here: subject_pseudonym is the intake pseudonym
    (never a BSN), event, reason and outcome are codes, not free text.
*/

#ifndef KB_AUDIT_H_INCLUDED
#define KB_AUDIT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ketenbus/kb_db.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_AUDIT_HASH_SIZE 32
//  Longest accepted text field in bytes
#define KB_AUDIT_TEXT_MAX 256
//  Longest accepted code (event, reason, outcome) in bytes
#define KB_AUDIT_CODE_MAX 64

//  kb_audit_verify: the chain is broken (details in the result)
#define KB_AUDIT_BROKEN 1

//  One audit event as the caller describes it. All strings are borrowed.
//  Required: actor_org, event, outcome, action. Optional (NULL): actor_user,
//  on_behalf_of, subject_pseudonym, reason.
//  action: 'C'reate, 'R'ead, 'U'pdate, 'D'elete, 'E'xecute (NEN 7513).
//  event, reason, outcome: codes of [A-Za-z0-9._:-], e.g. "signal.accepted".
typedef struct {
    const char *actor_org, *actor_user, *on_behalf_of, *event;
    char action;
    const char *subject_pseudonym, *reason, *outcome;
    bool authorised, care_relation, consent, emergency;
} kb_audit_entry_t;

//  One stored row: the entry plus what the log adds to it.
typedef struct {
    int64_t seq;                         //  1, 2, 3 ... without gaps
    int64_t at_us;                       //  unix time in microseconds, UTC
    kb_audit_entry_t entry;
    uint8_t prev_hash[KB_AUDIT_HASH_SIZE];
    uint8_t hash[KB_AUDIT_HASH_SIZE];
} kb_audit_row_t;

typedef struct {
    long rows_checked;
    long first_bad_seq;                  //  -1 when intact
    char problem[160];                   //  "" when intact
    long last_seq;                       //  head of the chain as verified
    uint8_t last_hash[KB_AUDIT_HASH_SIZE];
} kb_audit_verify_result_t;

//  ---------------------------------------------------------------------
//  Pure functions: no I/O, no allocation, no state

//  Returns 0 when entry is acceptable for the log, else -1 and a short
//  reason (a static string naming the field) in *why when why is not NULL.
//  A subject_pseudonym made of digits only is refused: it looks like a BSN.
int
    kb_audit_entry_check (const kb_audit_entry_t *entry, const char **why);

//  Writes the canonical serialisation of row (every field except hash) into
//  buf when it fits in size bytes (buf may be NULL when size is 0).
//  Returns the number of bytes it needs, or 0 when a string is too long to
//  be length-prefixed or action is not a single byte value.
size_t
    kb_audit_row_serialise (const kb_audit_row_t *row, uint8_t *buf, size_t size);

//  SHA-256 over the canonical serialisation. Returns 0, or -1 when the row
//  cannot be serialised.
int
    kb_audit_row_hash (const kb_audit_row_t *row, uint8_t out[KB_AUDIT_HASH_SIZE]);

//  Checks row as the successor of the row (prev_seq, prev_hash); for the
//  first row pass prev_seq 0 and prev_hash NULL (32 zero bytes). Checks,
//  in this order: seq follows prev_seq, prev_hash links to prev_hash, the
//  stored hash matches the contents. Returns 0 when the link holds, else
//  KB_AUDIT_BROKEN with result->first_bad_seq and result->problem set
//  (for a seq gap, first_bad_seq is the first missing seq).
int
    kb_audit_check_link (int64_t prev_seq, const uint8_t *prev_hash,
                         const kb_audit_row_t *row, kb_audit_verify_result_t *result);

//  Checks that the last row seen (last_seq 0 and last_hash NULL when the log
//  is empty) is the head recorded in kb_audit_head. Detects rows cut off the
//  end of the log. Returns 0 or KB_AUDIT_BROKEN with result filled in.
int
    kb_audit_check_head (int64_t last_seq, const uint8_t *last_hash,
                         int64_t head_seq, const uint8_t *head_hash,
                         kb_audit_verify_result_t *result);

//  Verifies rows[0..n-1] (in seq order) against the head, with the same
//  checks as kb_audit_verify. Returns 0 when intact, else KB_AUDIT_BROKEN.
int
    kb_audit_verify_rows (const kb_audit_row_t *rows, size_t n, int64_t head_seq,
                          const uint8_t *head_hash, kb_audit_verify_result_t *result);

//  ---------------------------------------------------------------------
//  Database

//  Prepares the statements; call once per connection after
//  kb_db_migrate (db, dir, "audit"). Returns 0 or -1.
int
    kb_audit_prepare (kb_db_t *db);

//  Appends entry in the CALLER's open transaction: takes a transaction
//  advisory lock and the head row lock, so concurrent writers form one
//  chain; the row commits or rolls back with the caller's business change.
//  Returns KB_DB_OK, KB_DB_RETRY (roll back and try the transaction again)
//  or KB_DB_FATAL (bad entry, no open transaction, chain refused). After a
//  failure the caller's transaction must be rolled back.
int
    kb_audit_append (kb_db_t *db, const kb_audit_entry_t *entry);

//  ---------------------------------------------------------------------
//  Batched appends, for a writer that pipelines its transaction (see
//  kb_db_pipeline_*): the chain lock and the head are taken once per
//  transaction, each row is chained and hashed here, and all rows go to the
//  database in one INSERT. The rows are exactly those kb_audit_append would
//  write one after the other, except that every row of one batch carries
//  the same at_us: the server time at which the head was read.

typedef struct _kb_audit_batch_t kb_audit_batch_t;

kb_audit_batch_t *
    kb_audit_batch_new (void);
void
    kb_audit_batch_destroy (kb_audit_batch_t **self_p);

//  Forgets the rows of an earlier batch and queues the chain lock and the
//  head read in db's open pipeline, after the caller's BEGIN. Returns
//  KB_DB_OK or KB_DB_RETRY.
int
    kb_audit_batch_lock (kb_audit_batch_t *self, kb_db_t *db);

//  Reads the results of the two statements kb_audit_batch_lock queued
//  (they must be next in the pipeline). Returns KB_DB_OK, KB_DB_RETRY or
//  KB_DB_FATAL (head missing or malformed).
int
    kb_audit_batch_head (kb_audit_batch_t *self, kb_db_t *db);

//  Chains entry after the head or the row appended before it; nothing is
//  sent yet. Returns KB_DB_OK, or KB_DB_FATAL for an entry that
//  kb_audit_entry_check refuses (the batch is unchanged).
int
    kb_audit_batch_append (kb_audit_batch_t *self, const kb_audit_entry_t *entry);

//  Rows appended since kb_audit_batch_lock.
size_t
    kb_audit_batch_size (kb_audit_batch_t *self);

//  Queues one INSERT of every appended row in db's open pipeline; read its
//  result with kb_db_pipeline_next. With no rows nothing is queued. Returns
//  KB_DB_OK, KB_DB_RETRY or KB_DB_FATAL (out of memory).
int
    kb_audit_batch_send (kb_audit_batch_t *self, kb_db_t *db);


//  Remembers the rows appended so far, as SAVEPOINT does, and undoes
//  every append after that point (the chain continues from there), for a
//  transaction that rolls back to a savepoint of its own.
void
    kb_audit_batch_savepoint (kb_audit_batch_t *self);
void
    kb_audit_batch_rollback_to (kb_audit_batch_t *self);

//  Verifies the whole log in seq order, streaming it in batches inside one
//  read-only repeatable-read transaction of its own (the connection must not
//  be in a transaction). Returns 0 when intact, KB_AUDIT_BROKEN with the
//  first broken seq and the problem in result, or KB_DB_RETRY / KB_DB_FATAL
//  when the log could not be read.
int
    kb_audit_verify (kb_db_t *db, kb_audit_verify_result_t *result);

#ifdef __cplusplus
}
#endif

#endif
