/*  kb_outbox - outbox rows in bulk: every row of a transaction in one
    statement, for a writer that queues many messages per transaction
    (intake's group commit). The rows and their per-stream sequence
    numbers are exactly those kb_outbox_put (kb_link.h) would write one
    after the other in the order they were added. kb_outbox_prepare
    prepares this statement too. */
#ifndef KB_OUTBOX_H_INCLUDED
#define KB_OUTBOX_H_INCLUDED

#include "ketenbus/kb_db.h"

#include <stddef.h>

typedef struct _kb_outbox_batch_t kb_outbox_batch_t;

kb_outbox_batch_t *kb_outbox_batch_new (void);
void kb_outbox_batch_destroy (kb_outbox_batch_t **self_p);

/* Forgets the rows added. */
void kb_outbox_batch_reset (kb_outbox_batch_t *self);

/* Adds one row, checked as kb_outbox_put checks it; payload is copied.
   Returns KB_DB_OK, or KB_DB_FATAL (bad arguments, out of memory: the
   batch must not be sent). */
kb_db_rc_t kb_outbox_batch_add (kb_outbox_batch_t *self,
                                const char *stream,
                                const char *message_id,
                                const void *payload,
                                size_t len);

/* Remembers the rows added so far, as SAVEPOINT does, and forgets every
   row added after that point, for a transaction that rolls back to a
   savepoint of its own (the link receiver's careful pass). */
void kb_outbox_batch_savepoint (kb_outbox_batch_t *self);
void kb_outbox_batch_rollback_to (kb_outbox_batch_t *self);

/* Rows added since the last reset. */
size_t kb_outbox_batch_size (kb_outbox_batch_t *self);

/* Inserts every row added in one statement in the caller's transaction:
   queued when db is in a pipeline (its outcome is checked by
   kb_db_pipeline_end), else run. Nothing happens without rows. Returns
   KB_DB_OK, KB_DB_RETRY or KB_DB_FATAL, like kb_outbox_put. */
kb_db_rc_t kb_outbox_batch_send (kb_outbox_batch_t *self, kb_db_t *db);

#endif
