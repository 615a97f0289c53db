/*  intake_mailbox - durable per-partner mailboxes. The other daemons reach
    partners only through these: a link message for a partner is queued in
    the same transaction that records it in the inbox; it is pushed as a
    Deliver while the partner is connected, in order, and marked
    acknowledged by the partner's cumulative DeliveryAck. A partner that was
    offline asks for everything from a sequence number with Replay. */
#ifndef INTAKE_MAILBOX_H_INCLUDED
#define INTAKE_MAILBOX_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_partner.h"

typedef struct _intake_mailbox_t intake_mailbox_t;

/* The partner whose mailbox receives env (NULL when the body is not for a
   partner). Pure. */
const char *intake_mailbox_recipient (const kb_envelope_t *env);

/* The consent a body waiting in a mailbox relies on (a share response or
   a forwarded share request, as zorgtoewijzing routed it), or NULL. Pure. */
const char *intake_mailbox_consent (const kb_envelope_t *env);

int intake_mailbox_prepare (kb_db_t *db);

/* One partner's mailbox as operators see it (ketenctl mailbox status,
   intake's /metrics). */
typedef struct
{
    char org_id[KB_ORG_ID_MAX + 1];
    long long queued;            /* highest sequence number handed out */
    long long acked;             /* acknowledged up to here */
    long pending;                /* waiting for delivery or acknowledgement */
    long long oldest_pending_ms; /* age of the oldest pending message, -1 when none */
    long held;                   /* held back (consent withdrawn): never delivered */
} intake_mailbox_depth_t;

/* Every active partner's mailbox and every mailbox that exists (also of a
   revoked partner), by organisation id; prepares its statement. Returns a
   malloc'ed array of *n (caller frees; non-NULL when empty), or NULL when
   the database could not be read. */
intake_mailbox_depth_t *intake_mailbox_depths (kb_db_t *db, size_t *n);

/* Queues envelope bytes for org in the caller's transaction; *seq_out gets
   the mailbox sequence number (may be NULL). consent_id (may be NULL): the
   consent the body relies on; when it was withdrawn already, the message
   is stored held back and never pushed. */
kb_db_rc_t intake_mailbox_enqueue (kb_db_t *db, const char *org, const char *message_id,
                                   const char *body_name, const uint8_t *bytes, size_t len,
                                   const char *consent_id, int64_t *seq_out);

/* The mailbox rows of one link batch, written with one statement before
   its COMMIT instead of a round trip per message. */
typedef struct _intake_mailbox_batch_t intake_mailbox_batch_t;
intake_mailbox_batch_t *intake_mailbox_batch_new (void);
void intake_mailbox_batch_destroy (intake_mailbox_batch_t **self_p);
void intake_mailbox_batch_reset (intake_mailbox_batch_t *self);
/* As intake_mailbox_enqueue, kept until intake_mailbox_batch_send. */
kb_db_rc_t intake_mailbox_batch_add (intake_mailbox_batch_t *self, const char *org,
                                     const char *message_id, const char *body_name,
                                     const uint8_t *bytes, size_t len, const char *consent_id);
size_t intake_mailbox_batch_size (const intake_mailbox_batch_t *self);
/* Writes the rows (queued when db is in a pipeline); the batch keeps them
   until reset. */
kb_db_rc_t intake_mailbox_batch_send (intake_mailbox_batch_t *self, kb_db_t *db);

/* A consent was withdrawn (in the caller's transaction, queued when db is
   in a pipeline): every message relying on it that waits in a mailbox is
   held back (blocked_at, blocked_reason "consent_withdrawn") and never
   pushed or replayed, and so is any that arrives later. */
kb_db_rc_t intake_mailbox_block_consent (kb_db_t *db, const char *consent_id);

/* partners: a partner revoked while connected gets nothing more;
   window: Deliver messages in flight per partner before an ack;
   resend_ms: a connected partner that acknowledges nothing for this long
   gets the unacknowledged messages again. */
intake_mailbox_t *intake_mailbox_new (kb_db_t *db, zsock_t *router, kb_partner_cache_t *partners,
                                      int window, int resend_ms);
void intake_mailbox_destroy (intake_mailbox_t **self_p);

/* The partner org spoke from routing_id, a connection made with CURVE key
   key (Z85): remember where it is. Pushes stop when key is no longer the
   partner's (revoked, or a new key). */
void intake_mailbox_seen (intake_mailbox_t *self, const char *org, const char *key,
                          zframe_t *routing_id);
/* Replay from from_seq (0 = oldest retained) on the next push. */
void intake_mailbox_replay (intake_mailbox_t *self, const char *org, uint64_t from_seq);
/* A row for org was queued (by this intake, in a transaction that is
   committed or rolled back by the next push): its session reads its
   mailbox at that push. Rows queued elsewhere are found by the read of
   every connected partner's mailbox that a push makes once a second. */
void intake_mailbox_queued (intake_mailbox_t *self, const char *org);
/* Cumulative acknowledgements (n of them: org[i] has everything up to
   seq[i]) in one transaction of their own and one round trip. One that
   acknowledges more than was ever queued changes nothing. */
kb_db_rc_t intake_mailbox_ack (intake_mailbox_t *self, const char *const *orgs,
                               const uint64_t *seqs, int n);
/* Sends what is due to connected partners (own short reads): to those
   with queued rows, room freed by an ack or a new connection, and once a
   second to every connected partner. Returns the number of Deliver
   messages sent. */
int intake_mailbox_push (intake_mailbox_t *self);
/* Forget the acknowledged rows older than keep_s. */
long intake_mailbox_prune (intake_mailbox_t *self, int keep_s);

#endif
