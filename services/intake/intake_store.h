/*  intake_store - the intake schema: signals, their household members,
    quarantine. All statements are prepared; callers own the transaction. */
#ifndef INTAKE_STORE_H_INCLUDED
#define INTAKE_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_pseudo.h"

int intake_store_prepare (kb_db_t *db);

typedef enum {
    INTAKE_STORE_INSERTED = 0,
    INTAKE_STORE_DUPLICATE = 1,     /* same sender, id and content: *ref_out is the first ref */
    INTAKE_STORE_ID_REUSED = 2,     /* same sender and id, different content */
    INTAKE_STORE_UNSEEN = 3,        /* not inserted, but the row it conflicted with is not
                                       visible to the statement (inserted by the same
                                       statement or committed meanwhile): intake_store_lookup */
    INTAKE_STORE_ERROR = -1         /* see kb_db_last_sqlstate / *db_rc */
} intake_store_rc_t;

/*  Batched writes: one multi-row INSERT for the signals of a batch and one
    for all their household members, queued in the connection's pipeline
    (kb_db_pipeline_*), instead of a statement and a round trip per row.
    In the caller's transaction. */
typedef struct _intake_store_batch_t intake_store_batch_t;

intake_store_batch_t *intake_store_batch_new (void);
void intake_store_batch_destroy (intake_store_batch_t **self_p);
/* Forgets the rows added and the result read before. */
void intake_store_batch_reset (intake_store_batch_t *self);

/* Adds the pseudonymised signal (its ref is stored->signal_ref);
   payload_hash is 32 bytes over the body. Returns its index in the batch. */
size_t intake_store_batch_add_signal (intake_store_batch_t *self,
                                      const Ketenbus__V1__StoredSignal *stored,
                                      const char *message_id, const uint8_t payload_hash[32]);
/* Queues the INSERT of every signal added (nothing when none); a signal
   whose (sender, message id) is stored already is not inserted. */
kb_db_rc_t intake_store_batch_send_signals (intake_store_batch_t *self, kb_db_t *db);
/* Reads the result of that INSERT (next in the pipeline). */
kb_db_rc_t intake_store_batch_read_signals (intake_store_batch_t *self, kb_db_t *db);
/* What happened to signal index (after a successful read): INSERTED,
   DUPLICATE or ID_REUSED with the stored ref in ref_out, or UNSEEN. */
intake_store_rc_t intake_store_batch_outcome (intake_store_batch_t *self, size_t index,
                                              char ref_out[64]);

/* For an UNSEEN signal, outside a pipeline: the stored row of (sender,
   message id) compared with payload_hash. Returns DUPLICATE or ID_REUSED
   with its ref in ref_out, or ERROR with *db_rc set. */
intake_store_rc_t intake_store_lookup (kb_db_t *db, const char *sender_org,
                                       const char *message_id, const uint8_t payload_hash[32],
                                       char ref_out[64], kb_db_rc_t *db_rc);

/* Keeps raw input that could not be accepted; the bytes are sealed with
   the quarantine key. In the caller's transaction; inside a pipeline the
   statement is queued (its result is checked by kb_db_pipeline_end). */
kb_db_rc_t intake_store_quarantine (kb_db_t *db, const uint8_t key[32], const char *sender_org,
                                    const char *message_id, const char *code, const char *field,
                                    const char *rule, const uint8_t *raw, size_t len);

/* Inputs held in quarantine per reject code (what intake refused, for its
   /metrics). Prepares its statement. Returns a malloc'ed array of *n
   (caller frees; non-NULL when empty) or NULL on a database error. */
typedef struct
{
    char code[16];
    long count;
} intake_store_reject_count_t;
intake_store_reject_count_t *intake_store_rejects_by_code (kb_db_t *db, size_t *n);

/* Opens a sealed quarantine blob (for ketenctl); returns malloc'ed bytes. */
uint8_t *intake_store_unseal (const uint8_t key[32], const uint8_t *sealed, size_t len,
                              size_t *out_len);

#endif
