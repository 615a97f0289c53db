/*  kb_link - the reliable link between daemons.

    PostgreSQL is the truth, ZeroMQ is the wire. A message is "sent" when
    kb_outbox_put() committed in the caller's business transaction; the
    sender actor (own thread, own connection) transmits unacknowledged
    outbox rows in order per stream over a DEALER socket and retransmits
    them with exponential back-off until the receiver acknowledges. The
    receiver (a ROUTER the daemon polls in its own loop) applies a batch of
    messages in one transaction, deduplicated on message id and
    per-(sender, stream) position, and acknowledges only after COMMIT, with
    one ack message per sender. A batch is applied without savepoints
    first; when a message fails, it is rolled back and applied again with
    one SAVEPOINT per message, so only the failing message is set aside.

    Wire (all frames after the ROUTER routing id):
      sender -> receiver   "MSG" | stream | stream_seq (decimal) | message_id | payload
      receiver -> sender   "ACK" | body
    The ack body is a list of lines "A\t<message_id>\n" (applied or
    duplicate) and "D\t<message_id>\t<reason>\n" (dead-lettered).

    Tables (deploy/migrations/link, in the daemon's own schema):
    kb_link_stream, kb_outbox (sender side); kb_inbox, kb_inbox_stream,
    kb_inbox_attempt, kb_dead_letter (receiver side); view kb_link_status. */
#ifndef KB_LINK_H_INCLUDED
#define KB_LINK_H_INCLUDED

#include "ketenbus/kb_db.h"

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest message id, stream and dead-letter reason accepted. */
#define KB_LINK_ID_MAX 200
#define KB_LINK_REASON_MAX 200

/*  Outbox (runs on the caller's connection, inside its transaction) */

/* Prepares the outbox statements on db; call once after connecting (and
   after kb_db_migrate (db, dir, "link")). */
int kb_outbox_prepare (kb_db_t *db);

/* Queues payload on stream under message_id in the caller's transaction
   and gives it the next per-stream sequence number. message_id and stream
   are 1..KB_LINK_ID_MAX bytes without tab, CR or LF. Returns KB_DB_OK,
   KB_DB_RETRY (connection lost, serialization failure) or KB_DB_FATAL
   (bad arguments, duplicate message id). */
kb_db_rc_t kb_outbox_put (kb_db_t *db,
                          const char *stream,
                          const char *message_id,
                          const void *payload,
                          size_t len);

/* What an operator needs to know about one outbox (the daemon's schema). */
typedef struct
{
    long pending;           /* neither acknowledged nor dead-lettered */
    long oldest_pending_ms; /* age of the oldest pending row, 0 when none */
    long dead;              /* dead-lettered rows */
    long acked;             /* acknowledged rows kept (0 with prune_after_s = 0) */
} kb_link_outbox_status_t;

/* Fills status for the outbox of db's schema (kb_outbox_prepare first).
   Returns 0, or -1 when the database could not be read. */
int kb_link_outbox_status (kb_db_t *db, kb_link_outbox_status_t *status);

/* The same for the rows one sender sends: those whose stream starts with
   stream_prefix, or with exclude_prefix those whose stream does not (as in
   kb_link_sender_config_t; NULL or "" without exclude: every row). Prepares
   its statement itself. Returns 0, or -1 when the database could not be read. */
int kb_link_outbox_status_prefix (kb_db_t *db,
                                  const char *stream_prefix,
                                  bool exclude_prefix,
                                  kb_link_outbox_status_t *status);

/* What an operator needs to know about one receiver (the daemon's schema). */
typedef struct
{
    long dead;     /* messages dead-lettered (kb_dead_letter) */
    long retrying; /* messages that failed to apply and wait for another try */
} kb_link_inbox_status_t;

/* Fills status for the receiver of db's schema; prepares its statement
   itself. Returns 0, or -1 when the database could not be read. */
int kb_link_inbox_status (kb_db_t *db, kb_link_inbox_status_t *status);

/*  Sender: a zactor with its own thread and database connection */

typedef struct
{
    const char *conninfo;   /* database of the daemon */
    const char *schema;     /* the daemon's schema, holding kb_outbox */
    const char *endpoint;   /* receiver to connect, e.g. "tcp://zorg:5701" */
    const char *identity;   /* routing id, the sender name the receiver sees */
    int retransmit_base_ms; /* first retransmit timeout (default 1000) */
    int retransmit_max_ms;  /* back-off cap (default 30000) */
    int max_attempts;       /* warn once after this many unanswered sends (default 10) */
    int batch;              /* rows read per outbox query (default 500) */
    int max_inflight;       /* unacknowledged rows held in memory (default 4 * batch) */
    int heartbeat_ms;       /* ZMTP heartbeat interval, timeout is 3x (default 1000) */
    int prune_after_s;      /* keep acknowledged rows this long; 0 (default, also of a
                               zero-initialised config): delete a row when it is
                               acknowledged */
    int poll_ms;            /* outbox poll interval without wake-up (default 200) */
    int sndhwm;             /* send high-water mark (default 10000) */
    /* A daemon with two receivers runs one sender per receiver over the
       same outbox, split by stream name: this sender sends only the rows
       whose stream starts with stream_prefix (NULL or "": every row), or,
       with exclude_prefix, only the rows whose stream does not (so an
       empty prefix with exclude_prefix sends nothing). */
    const char *stream_prefix;
    bool exclude_prefix;
} kb_link_sender_config_t;

typedef struct
{
    uint64_t sent;        /* first transmissions */
    uint64_t retransmits; /* transmissions after a timeout */
    uint64_t acked;       /* rows marked acknowledged */
    uint64_t dead;        /* rows marked dead-lettered */
    uint64_t db_errors;   /* statements that failed (reconnects follow) */
} kb_link_sender_stats_t;

typedef struct _kb_link_sender_t kb_link_sender_t;

/* Starts the sender thread. The database need not be reachable yet: the
   actor connects (and reconnects) by itself. Returns NULL on bad config. */
kb_link_sender_t *kb_link_sender_new (const kb_link_sender_config_t *cfg);
/* Stops the thread; unacknowledged rows stay in the outbox. */
void kb_link_sender_destroy (kb_link_sender_t **self_p);
/* Nudges the sender after a commit; it polls anyway every poll_ms. */
void kb_link_sender_wake (kb_link_sender_t *self);
/* Counters since the sender started. Returns 0 or -1. */
int kb_link_sender_stats (kb_link_sender_t *self, kb_link_sender_stats_t *stats);

/*  Receiver: a ROUTER polled in the daemon's own loop */

#define KB_LINK_POISON 1 /* apply failed for good: reason says why */
#define KB_LINK_RETRY 2  /* transient failure: the whole batch is rolled back */

/* Applies one message inside the receiver's transaction (with a SAVEPOINT
   of its own on the careful pass). Returns 0, KB_LINK_POISON (with reason
   written to reason_buf) or KB_LINK_RETRY. Never commits or rolls back
   itself. Any failure undoes the whole first pass, so it may be called
   again for the same message in the same batch. */
typedef int (kb_link_apply_fn) (kb_db_t *db,
                                const char *sender,
                                const char *stream,
                                const char *message_id,
                                const void *payload,
                                size_t len,
                                void *arg,
                                char *reason_buf,
                                size_t reason_len);

/* Moments in the receiver's transaction, for a daemon that keeps state
   beside it (zorgtoewijzing chains its audit rows in memory and writes
   them in one statement per batch). A batch costs two round trips besides
   its messages: BEGIN, what the hook queues at BATCH_BEGIN and the inbox
   lookup go in one pipeline, the inbox rows, what the hook queues at
   BATCH_COMMIT and COMMIT in another. So at BATCH_BEGIN and BATCH_COMMIT
   a pipeline is open: the hook only queues (kb_db_pipeline_send). When
   that last round trip fails for good (not a retry), the batch is applied
   again with a savepoint per message (MESSAGE_BEGIN before each), where a
   hook that collects rows per batch should write a message's rows with
   the message, so that what cannot be written fails only that message. */
typedef enum {
    KB_LINK_BATCH_BEGIN,   /* BEGIN queued: queue what the batch reads first */
    KB_LINK_BATCH_STARTED, /* sent: read those results in order (kb_db_pipeline_next) */
    KB_LINK_MESSAGE_BEGIN, /* after a message's SAVEPOINT */
    KB_LINK_MESSAGE_UNDO,  /* after ROLLBACK TO that SAVEPOINT */
    KB_LINK_BATCH_COMMIT,  /* COMMIT not queued yet: queue the last writes */
    KB_LINK_BATCH_ABORT    /* after the batch was rolled back */
} kb_link_batch_event_t;

/* Returns 0, or KB_LINK_RETRY to roll the batch back (ignored for ABORT). */
typedef int (kb_link_batch_fn) (kb_db_t *db, kb_link_batch_event_t event, void *arg);

typedef struct
{
    kb_link_batch_fn *on_batch; /* optional; called with the apply arg */
    int batch;               /* messages per transaction (default 200) */
    int max_attempts;        /* poison attempts before dead-lettering (default 5) */
    int heartbeat_ms;        /* default 1000 */
    int inbox_prune_after_s; /* delete inbox rows older than this (default 86400) */
    int rcvhwm;              /* default 10000 */
} kb_link_receiver_config_t;

typedef struct
{
    uint64_t applied;
    uint64_t duplicates; /* acknowledged again without effect */
    uint64_t gaps;       /* out of order, left for the retransmit */
    uint64_t poisoned;   /* failed apply attempts */
    uint64_t dead;       /* dead-lettered */
    uint64_t rollbacks;  /* batches rolled back (retry or database error) */
    uint64_t malformed;  /* messages that were not link messages */
} kb_link_receiver_stats_t;

typedef struct _kb_link_receiver_t kb_link_receiver_t;

/* Binds a ROUTER to endpoint and prepares the inbox statements on db (the
   daemon's connection, migrated with component "link"). cfg may be NULL. */
kb_link_receiver_t *kb_link_receiver_new (kb_db_t *db,
                                          const char *endpoint,
                                          kb_link_apply_fn *apply,
                                          void *arg,
                                          const kb_link_receiver_config_t *cfg);
void kb_link_receiver_destroy (kb_link_receiver_t **self_p);
/* The socket to put in the daemon's poller. */
zsock_t *kb_link_receiver_socket (kb_link_receiver_t *self);
/* Reads up to batch waiting messages without blocking, applies them in one
   transaction and acknowledges them. Returns the number of messages read,
   or -1 when the batch was rolled back (the senders will retransmit). */
int kb_link_receiver_handle (kb_link_receiver_t *self);
/* Deletes inbox rows older than inbox_prune_after_s (also done from
   _handle at most once a minute). Returns rows deleted or -1. */
long kb_link_receiver_prune (kb_link_receiver_t *self);
void kb_link_receiver_stats (kb_link_receiver_t *self, kb_link_receiver_stats_t *stats);

/*  Pure parts, exposed for tests */

/* Retransmit timeout before attempt + 1, given attempt transmissions so
   far (attempt >= 1): base * 2^(attempt-1), capped at max_ms. */
int kb_link_backoff_ms (int base_ms, int max_ms, int attempt);

/* Validates a message id or stream name. */
bool kb_link_id_valid (const char *id);

/* The links carry pseudonyms between the daemons without CURVE, so they
   run only where the operating system guards them: an ipc:// socket at an
   absolute path whose directory belongs to this user and lets nobody else
   in (mode 0700, as the systemd units make /run/ketenbus), under no
   directory that anybody may change (unless sticky, as /tmp), or inproc://.
   tcp://, an abstract ipc://@name or a socket in a directory others can
   enter or replace is refused (a stranger could send as a daemon, or
   listen in its place). Returns true,
   or false with the reason in err. Both ends check: kb_link_receiver_new
   and kb_link_sender_new return NULL for such an endpoint. */
bool kb_link_endpoint_safe (const char *endpoint, char *err, size_t err_len);

typedef enum
{
    KB_LINK_ACK_APPLIED = 'A',
    KB_LINK_ACK_DEAD = 'D'
} kb_link_ack_kind_t;

typedef struct
{
    kb_link_ack_kind_t kind;
    char message_id[KB_LINK_ID_MAX + 1];
    char reason[KB_LINK_REASON_MAX + 1]; /* "" for KB_LINK_ACK_APPLIED */
} kb_link_ack_entry_t;

/* Appends one entry to an ack body (reason: tabs and newlines become
   spaces, truncated to KB_LINK_REASON_MAX). Returns 0 or -1. */
int kb_link_ack_append (zchunk_t *body,
                        kb_link_ack_kind_t kind,
                        const char *message_id,
                        const char *reason);
/* Parses the entry at *offset of an ack body and advances *offset.
   Returns 1 when an entry was read, 0 at the end, -1 when malformed. */
int kb_link_ack_next (const char *data, size_t len, size_t *offset, kb_link_ack_entry_t *entry);

/* The sender's view of one outbox row. */
typedef enum
{
    KB_LINK_ROW_NEW = 0, /* loaded, never sent */
    KB_LINK_ROW_INFLIGHT,
    KB_LINK_ROW_ACKED,
    KB_LINK_ROW_DEAD
} kb_link_row_state_t;

typedef struct
{
    kb_link_row_state_t state;
    int attempts;   /* transmissions so far */
    int64_t due_ms; /* next (re)transmission */
} kb_link_row_t;

typedef enum
{
    KB_LINK_EV_TICK,
    KB_LINK_EV_ACK,
    KB_LINK_EV_DEAD
} kb_link_event_t;

typedef enum
{
    KB_LINK_ACT_NONE = 0,
    KB_LINK_ACT_SEND,       /* transmit (attempts == 1: first time) */
    KB_LINK_ACT_MARK_ACKED, /* delete the row (or set acked_at when rows are kept) */
    KB_LINK_ACT_MARK_DEAD   /* set dead_at and dead_reason */
} kb_link_action_t;

/* Advances the row on an event at now_ms and says what to do. */
kb_link_action_t kb_link_row_step (kb_link_row_t *row,
                                   kb_link_event_t event,
                                   int64_t now_ms,
                                   int base_ms,
                                   int max_ms);

typedef enum
{
    KB_LINK_IN_APPLY,     /* the next one: apply */
    KB_LINK_IN_DUPLICATE, /* seen before: acknowledge again, no effect */
    KB_LINK_IN_GAP        /* an earlier one is missing: ignore, it will come again */
} kb_link_in_decision_t;

/* Receiver ordering: last_seq is the last applied position of (sender,
   stream) (0: none), seq the incoming one, seen whether message_id is in
   the inbox. */
kb_link_in_decision_t kb_link_in_decide (int64_t last_seq, int64_t seq, bool seen);

/* Whether a message that failed attempts times (this one included) goes
   to the dead letters. */
bool kb_link_poison_is_dead (int attempts, int max_attempts);

#endif
