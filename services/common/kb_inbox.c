/*  kb_inbox - the receiving half of the link: a ROUTER polled by the
    daemon's loop; batches applied in one transaction, deduplicated, kept
    in order per (sender, stream), and acknowledged after COMMIT with one
    ack message per sender.
    A batch costs two round trips besides its messages' own (BEGIN with
    the inbox lookup, the inbox rows with COMMIT). It is first applied
    without savepoints (two round trips less per message); when a message
    fails, the batch is rolled back and applied again with a SAVEPOINT per
    message, so that only the failing message is set aside. */
#include "kb_link_private.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _kb_link_receiver_t
{
    kb_db_t *db;
    zsock_t *router;
    kb_link_apply_fn *apply;
    void *arg;
    kb_link_receiver_config_t cfg;
    kb_link_receiver_stats_t stats;
    int64_t next_prune_ms;
    /* this batch: what it has applied, written in one statement before
       COMMIT; and the positions it reached, over the ones read at BEGIN */
    kb_db_array_t done[4];        /* message_id, sender, stream, seq */
    zhashx_t *done_ids;           /* message_id -> s_in_t, not owning */
    zhashx_t *positions;          /* "sender\x1fstream" -> int64_t seq */
};

enum { S_DONE_ID, S_DONE_SENDER, S_DONE_STREAM, S_DONE_SEQ };

/* One message read from the socket. */
typedef struct
{
    zframe_t *routing_id;
    char sender[KB_LINK_ID_MAX + 1];
    char *stream;
    char *message_id;
    char seq_text[24];
    int64_t seq;
    zframe_t *payload;
    /* its state before the batch, read for the whole batch at once */
    int64_t last_seq;
    bool seen;
    char *dead_reason; /* NULL: not dead-lettered */
    int attempts;
    char *dead_now;    /* dead-lettered in this batch, with this reason */
} s_in_t;

/* A failed apply attempt, recorded after the batch. */
typedef struct
{
    const char *message_id; /* borrowed from the batch */
    char reason[KB_LINK_REASON_MAX + 1];
} s_poison_t;

/* Acks gathered for one sender. */
typedef struct
{
    zframe_t *routing_id; /* borrowed */
    zchunk_t *body;
} s_ack_t;

static const struct
{
    const char *name;
    const char *sql;
    int nparams;
} s_statements[] = {
    /* the state of every message of a batch, in batch order */
    { "kb_link_in_states",
      "SELECT s.last_seq, i.message_id IS NOT NULL, d.reason, a.attempts"
      " FROM unnest ($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS v (sender, stream,"
      " message_id, n)"
      " LEFT JOIN kb_inbox_stream s ON s.sender = v.sender AND s.stream = v.stream"
      " LEFT JOIN kb_inbox i ON i.message_id = v.message_id"
      " LEFT JOIN kb_dead_letter d ON d.message_id = v.message_id"
      " LEFT JOIN kb_inbox_attempt a ON a.message_id = v.message_id"
      " ORDER BY v.n",
      3 },
    /* the inbox rows and stream positions of a whole batch */
    { "kb_link_in_done",
      "WITH v AS (SELECT * FROM unnest ($1::text[], $2::text[], $3::text[], $4::bigint[])"
      "  AS v (message_id, sender, stream, seq)),"
      " i AS (INSERT INTO kb_inbox (message_id, sender, stream, stream_seq) SELECT * FROM v)"
      " INSERT INTO kb_inbox_stream (sender, stream, last_seq)"
      " SELECT sender, stream, max (seq) FROM v GROUP BY sender, stream"
      " ON CONFLICT (sender, stream) DO UPDATE"
      " SET last_seq = greatest (kb_inbox_stream.last_seq, EXCLUDED.last_seq)",
      4 },
    { "kb_link_in_dead",
      "INSERT INTO kb_dead_letter (message_id, sender, stream, stream_seq, payload, reason,"
      " attempts) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING",
      7 },
    { "kb_link_in_attempt_clear", "DELETE FROM kb_inbox_attempt WHERE message_id = $1", 1 },
    { "kb_link_in_attempt_add",
      "INSERT INTO kb_inbox_attempt (message_id, attempts, last_reason) VALUES ($1, 1, $2)"
      " ON CONFLICT (message_id) DO UPDATE SET attempts = kb_inbox_attempt.attempts + 1,"
      " last_reason = EXCLUDED.last_reason, updated_at = now()",
      2 },
    { "kb_link_in_prune",
      "DELETE FROM kb_inbox WHERE message_id IN (SELECT message_id FROM kb_inbox"
      " WHERE received_at < now() - $1::int * interval '1 second' LIMIT 10000)",
      1 },
};

static void
s_position_destroy (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

kb_link_receiver_t *
kb_link_receiver_new (kb_db_t *db,
                      const char *endpoint,
                      kb_link_apply_fn *apply,
                      void *arg,
                      const kb_link_receiver_config_t *cfg)
{
    if (!db || !endpoint || !apply)
        return NULL;
    char why[512];
    if (!kb_link_endpoint_safe (endpoint, why, sizeof why)) {
        kb_error ("%s", why);
        return NULL;
    }
    kb_link_receiver_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->db = db;
    self->apply = apply;
    self->arg = arg;
    if (cfg)
        self->cfg = *cfg;
    if (self->cfg.batch <= 0)
        self->cfg.batch = 200;
    if (self->cfg.max_attempts <= 0)
        self->cfg.max_attempts = 5;
    if (self->cfg.heartbeat_ms <= 0)
        self->cfg.heartbeat_ms = 1000;
    if (self->cfg.inbox_prune_after_s <= 0)
        self->cfg.inbox_prune_after_s = 86400;
    if (self->cfg.rcvhwm <= 0)
        self->cfg.rcvhwm = 10000;
    self->done_ids = zhashx_new ();
    self->positions = zhashx_new ();
    if (!self->done_ids || !self->positions)
        goto fail;
    zhashx_set_destructor (self->positions, s_position_destroy);
    for (size_t i = 0; i < sizeof s_statements / sizeof s_statements[0]; i++)
        if (kb_db_prepare (db, s_statements[i].name, s_statements[i].sql, s_statements[i].nparams))
            goto fail;
    self->router = zsock_new (ZMQ_ROUTER);
    if (!self->router)
        goto fail;
    kb_link_socket_setup (self->router, self->cfg.heartbeat_ms, self->cfg.rcvhwm);
    zsock_set_router_handover (self->router, 1); /* a restarted sender takes its name back */
    if (zsock_bind (self->router, "%s", endpoint) < 0) {
        kb_error ("could not bind link endpoint=\"%s\": %s", endpoint, zmq_strerror (errno));
        goto fail;
    }
    kb_info ("link receiver listening endpoint=\"%s\"", endpoint);
    return self;
fail:
    kb_link_receiver_destroy (&self);
    return NULL;
}

void
kb_link_receiver_destroy (kb_link_receiver_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    kb_link_receiver_t *self = *self_p;
    zsock_destroy (&self->router);
    zhashx_destroy (&self->done_ids);
    zhashx_destroy (&self->positions);
    for (int c = 0; c < 4; c++)
        kb_db_array_free (&self->done[c]);
    free (self);
    *self_p = NULL;
}

zsock_t *
kb_link_receiver_socket (kb_link_receiver_t *self)
{
    return self->router;
}

void
kb_link_receiver_stats (kb_link_receiver_t *self, kb_link_receiver_stats_t *stats)
{
    *stats = self->stats;
}

static void
s_in_clear (s_in_t *in)
{
    zframe_destroy (&in->routing_id);
    zframe_destroy (&in->payload);
    zstr_free (&in->stream);
    zstr_free (&in->message_id);
    free (in->dead_reason);
    free (in->dead_now);
    in->dead_reason = in->dead_now = NULL;
}

/* Takes a message apart; -1 when it is not a well-formed link message. */
static int
s_in_parse (zmsg_t *msg, s_in_t *in)
{
    memset (in, 0, sizeof *in);
    if (zmsg_size (msg) != 6)
        return -1;
    in->routing_id = zmsg_pop (msg);
    char *command = zmsg_popstr (msg);
    in->stream = zmsg_popstr (msg);
    char *seq = zmsg_popstr (msg);
    in->message_id = zmsg_popstr (msg);
    in->payload = zmsg_pop (msg);
    int rc = -1;
    size_t idlen = zframe_size (in->routing_id);
    if (!command || strcmp (command, "MSG") != 0 || !seq || idlen == 0 || idlen > KB_LINK_ID_MAX ||
        !kb_link_id_valid (in->stream) || !kb_link_id_valid (in->message_id))
        goto done;
    memcpy (in->sender, zframe_data (in->routing_id), idlen);
    in->sender[idlen] = '\0';
    if (!kb_link_id_valid (in->sender) || in->sender[0] == '\0')
        goto done; /* anonymous peers (binary routing ids) are not link senders */
    char *end = NULL;
    errno = 0;
    long long v = strtoll (seq, &end, 10);
    if (errno || !end || *end || end == seq || v < 1)
        goto done;
    in->seq = v;
    snprintf (in->seq_text, sizeof in->seq_text, "%lld", v);
    rc = 0;
done:
    zstr_free (&command);
    zstr_free (&seq);
    return rc;
}

static int
s_ack_add (zlistx_t *acks, s_in_t *in, kb_link_ack_kind_t kind, const char *reason)
{
    s_ack_t *ack = (s_ack_t *)zlistx_first (acks);
    for (; ack; ack = (s_ack_t *)zlistx_next (acks))
        if (zframe_eq (ack->routing_id, in->routing_id))
            break;
    if (!ack) {
        ack = calloc (1, sizeof *ack);
        if (!ack)
            return -1;
        ack->routing_id = in->routing_id;
        ack->body = zchunk_new (NULL, 256);
        if (!ack->body || !zlistx_add_end (acks, ack)) {
            zchunk_destroy (&ack->body);
            free (ack);
            return -1;
        }
    }
    return kb_link_ack_append (ack->body, kind, in->message_id, reason);
}

static void
s_ack_destroy (void **item_p)
{
    s_ack_t *ack = (s_ack_t *)*item_p;
    if (ack) {
        zchunk_destroy (&ack->body);
        free (ack);
    }
    *item_p = NULL;
}

static void
s_acks_send (kb_link_receiver_t *self, zlistx_t *acks)
{
    s_ack_t *ack = (s_ack_t *)zlistx_first (acks);
    for (; ack; ack = (s_ack_t *)zlistx_next (acks)) {
        zmsg_t *msg = zmsg_new ();
        zframe_t *to = zframe_dup (ack->routing_id);
        zmsg_append (msg, &to);
        zmsg_addstr (msg, "ACK");
        zmsg_addmem (msg, zchunk_data (ack->body), zchunk_size (ack->body));
        /* A sender that went away gets the ack again after its retransmit. */
        if (zmsg_send (&msg, self->router) != 0)
            zmsg_destroy (&msg);
    }
}

/* Forgets what an earlier (or rolled back) batch applied. */
static void
s_batch_reset (kb_link_receiver_t *self)
{
    for (int c = 0; c < 4; c++)
        kb_db_array_reset (&self->done[c]);
    zhashx_purge (self->done_ids);
    zhashx_purge (self->positions);
}

/* Tells the daemon where the transaction is; returns 0 or -1. */
static int
s_hook (kb_link_receiver_t *self, kb_link_batch_event_t event)
{
    if (!self->cfg.on_batch)
        return 0;
    return self->cfg.on_batch (self->db, event, self->arg) == 0 ? 0 : -1;
}

/* Opens the batch's transaction in one round trip: BEGIN, what the hook
   queues (zorgtoewijzing: the audit chain's lock and head), and the state
   of every message of the batch. */
static int
s_batch_start (kb_link_receiver_t *self, s_in_t *ins, int n)
{
    kb_db_array_t col[3] = { { 0 } };
    int result = -1;
    for (int i = 0; i < n; i++) {
        kb_db_array_add_str (&col[0], ins[i].sender);
        kb_db_array_add_str (&col[1], ins[i].stream);
        kb_db_array_add_str (&col[2], ins[i].message_id);
    }
    const char *values[3] = { kb_db_array_text (&col[0]),
                              kb_db_array_text (&col[1]),
                              kb_db_array_text (&col[2]) };
    kb_db_rc_t rc = KB_DB_OK;
    PGresult *res = NULL;
    if (!values[0] || !values[1] || !values[2] || kb_db_pipeline_begin (self->db) != KB_DB_OK)
        goto done;
    bool queued = kb_db_pipeline_send_cmd (self->db, "BEGIN") == KB_DB_OK &&
                  s_hook (self, KB_LINK_BATCH_BEGIN) == 0 &&
                  kb_db_pipeline_send (self->db, "kb_link_in_states", 3, values, NULL, NULL) ==
                    KB_DB_OK &&
                  kb_db_pipeline_sync (self->db) == KB_DB_OK;
    if (queued) {
        PQclear (kb_db_pipeline_next (self->db, &rc));
        if (rc == KB_DB_OK && s_hook (self, KB_LINK_BATCH_STARTED) == 0)
            res = kb_db_pipeline_next (self->db, &rc);
    }
    if (kb_db_pipeline_end (self->db) != KB_DB_OK || !res || PQntuples (res) != n)
        goto done;
    for (int i = 0; i < n; i++) {
        s_in_t *in = &ins[i];
        in->last_seq = PQgetisnull (res, i, 0) ? 0 : strtoll (PQgetvalue (res, i, 0), NULL, 10);
        in->seen = PQgetvalue (res, i, 1)[0] == 't';
        free (in->dead_reason);
        in->dead_reason = PQgetisnull (res, i, 2) ? NULL : strdup (PQgetvalue (res, i, 2));
        in->attempts = PQgetisnull (res, i, 3) ? 0 : atoi (PQgetvalue (res, i, 3));
        free (in->dead_now);
        in->dead_now = NULL;
    }
    result = 0;
done:
    PQclear (res);
    for (int c = 0; c < 3; c++)
        kb_db_array_free (&col[c]);
    return result;
}

/* The position of in's stream: as this batch left it, else as read. */
static int64_t
s_position (kb_link_receiver_t *self, const s_in_t *in)
{
    char key[2 * KB_LINK_ID_MAX + 2];
    snprintf (key, sizeof key, "%s\x1f%s", in->sender, in->stream);
    const int64_t *seq = (const int64_t *)zhashx_lookup (self->positions, key);
    return seq ? *seq : in->last_seq;
}

/* Marks in as applied (or dead) in this batch: its inbox row and stream
   position are written with the others before COMMIT; no more attempts. */
static kb_db_rc_t
s_record_done (kb_link_receiver_t *self, s_in_t *in, bool had_attempts)
{
    kb_db_array_add_str (&self->done[S_DONE_ID], in->message_id);
    kb_db_array_add_str (&self->done[S_DONE_SENDER], in->sender);
    kb_db_array_add_str (&self->done[S_DONE_STREAM], in->stream);
    kb_db_array_add_int (&self->done[S_DONE_SEQ], in->seq);
    zhashx_update (self->done_ids, in->message_id, in);
    char key[2 * KB_LINK_ID_MAX + 2];
    snprintf (key, sizeof key, "%s\x1f%s", in->sender, in->stream);
    int64_t *seq = (int64_t *)zhashx_lookup (self->positions, key);
    if (!seq) {
        seq = malloc (sizeof *seq);
        if (!seq)
            return KB_DB_FATAL;
        *seq = 0;
        zhashx_insert (self->positions, key, seq);
    }
    if (in->seq > *seq)
        *seq = in->seq;
    if (had_attempts) {
        const char *id[1] = { in->message_id };
        return kb_db_run_cmd (self->db, "kb_link_in_attempt_clear", 1, id, NULL, NULL);
    }
    return KB_DB_OK;
}

/* Ends the batch in one round trip: its inbox rows and stream positions,
   what the hook queues (zorgtoewijzing: outbox and audit rows), COMMIT. */
static kb_db_rc_t
s_batch_commit (kb_link_receiver_t *self)
{
    const char *values[4];
    for (int c = 0; c < 4; c++)
        if (!(values[c] = kb_db_array_text (&self->done[c])))
            return KB_DB_FATAL;
    kb_db_rc_t rc = kb_db_pipeline_begin (self->db);
    if (rc != KB_DB_OK)
        return rc;
    if (self->done[S_DONE_ID].count > 0)
        rc = kb_db_pipeline_send (self->db, "kb_link_in_done", 4, values, NULL, NULL);
    if (rc == KB_DB_OK && s_hook (self, KB_LINK_BATCH_COMMIT) != 0)
        rc = KB_DB_RETRY;
    if (rc == KB_DB_OK)
        rc = kb_db_pipeline_send_commit (self->db);
    if (rc == KB_DB_OK)
        rc = kb_db_pipeline_sync (self->db);
    kb_db_rc_t end = kb_db_pipeline_end (self->db);
    return rc != KB_DB_OK ? rc : end;
}

static kb_db_rc_t
s_dead_letter (kb_link_receiver_t *self, s_in_t *in, const char *reason, int attempts)
{
    char att[16];
    snprintf (att, sizeof att, "%d", attempts);
    const char *values[7] = { in->message_id,
                              in->sender,
                              in->stream,
                              in->seq_text,
                              (const char *)zframe_data (in->payload),
                              reason,
                              att };
    int lengths[7] = { 0, 0, 0, 0, (int)zframe_size (in->payload), 0, 0 };
    int formats[7] = { 0, 0, 0, 0, 1, 0, 0 };
    if (!values[4])
        values[4] = "";
    kb_db_rc_t rc = kb_db_run_cmd (self->db, "kb_link_in_dead", 7, values, lengths, formats);
    if (rc == KB_DB_OK) {
        free (in->dead_now);
        in->dead_now = strdup (reason);
        rc = in->dead_now ? s_record_done (self, in, true) : KB_DB_FATAL;
    }
    return rc;
}

/* Records failed attempts in a small transaction of their own, so they
   count even when the batch was rolled back. */
static void
s_poison_record (kb_link_receiver_t *self, s_poison_t *poison, int npoison)
{
    if (npoison == 0 || PQstatus (kb_db_conn (self->db)) != CONNECTION_OK)
        return;
    if (kb_db_begin (self->db) != KB_DB_OK)
        goto fail;
    for (int i = 0; i < npoison; i++) {
        const char *values[2] = { poison[i].message_id, poison[i].reason };
        if (kb_db_run_cmd (self->db, "kb_link_in_attempt_add", 2, values, NULL, NULL) != KB_DB_OK)
            goto fail;
    }
    if (kb_db_commit (self->db) == KB_DB_OK)
        return;
fail:
    kb_db_rollback (self->db);
    kb_warning ("could not record failed apply attempts count=%d sqlstate=%s",
                npoison,
                kb_db_last_sqlstate (self->db));
}

#define S_REDO_CAREFULLY (-2)

/* Applies one message; returns 0 to go on, -1 to roll the batch back, or,
   when not careful (no savepoint), S_REDO_CAREFULLY when it failed. */
static int
s_process (kb_link_receiver_t *self, s_in_t *in, bool careful, zlistx_t *acks,
           s_poison_t *poison, int *npoison)
{
    int64_t last_seq = s_position (self, in);
    const s_in_t *earlier = (const s_in_t *)zhashx_lookup (self->done_ids, in->message_id);
    bool seen = in->seen || earlier;
    const char *dead_reason = in->dead_reason ? in->dead_reason
                              : earlier ? earlier->dead_now : NULL;
    bool dead = dead_reason != NULL;
    int attempts = in->attempts;

    switch (kb_link_in_decide (last_seq, in->seq, seen)) {
        case KB_LINK_IN_DUPLICATE:
            self->stats.duplicates++;
            return s_ack_add (acks, in, dead ? KB_LINK_ACK_DEAD : KB_LINK_ACK_APPLIED, dead_reason);
        case KB_LINK_IN_GAP:
            self->stats.gaps++;
            return 0;
        case KB_LINK_IN_APPLY:
            break;
    }
    if (careful
        && (kb_db_exec (self->db, "SAVEPOINT kb_link_message") != KB_DB_OK
            || s_hook (self, KB_LINK_MESSAGE_BEGIN) != 0))
        return -1;
    char reason[KB_LINK_REASON_MAX + 1] = "";
    int result = self->apply (self->db,
                              in->sender,
                              in->stream,
                              in->message_id,
                              zframe_data (in->payload),
                              zframe_size (in->payload),
                              self->arg,
                              reason,
                              sizeof reason);
    if (result == 0) {
        if ((careful && kb_db_exec (self->db, "RELEASE SAVEPOINT kb_link_message") != KB_DB_OK)
            || s_record_done (self, in, attempts > 0) != KB_DB_OK)
            return -1;
        self->stats.applied++;
        return s_ack_add (acks, in, KB_LINK_ACK_APPLIED, NULL);
    }
    if (result == KB_LINK_RETRY) {
        kb_warning ("could not apply message, retrying batch message_id=\"%s\"", in->message_id);
        return -1;
    }
    if (!careful)
        return S_REDO_CAREFULLY;
    /* Poison (or an unknown answer, treated alike): undo its effects. */
    if (kb_db_exec (self->db, "ROLLBACK TO SAVEPOINT kb_link_message") != KB_DB_OK
        || s_hook (self, KB_LINK_MESSAGE_UNDO) != 0)
        return -1;
    reason[sizeof reason - 1] = '\0';
    if (result != KB_LINK_POISON || reason[0] == '\0')
        snprintf (reason,
                  sizeof reason,
                  "%s",
                  result == KB_LINK_POISON ? "no reason given" : "unknown apply result");
    self->stats.poisoned++;
    for (int i = 0; i < *npoison; i++)
        if (strcmp (poison[i].message_id, in->message_id) == 0)
            attempts++; /* failed before in this batch */
    attempts++;
    if (kb_link_poison_is_dead (attempts, self->cfg.max_attempts)) {
        if (s_dead_letter (self, in, reason, attempts) != KB_DB_OK)
            return -1;
        self->stats.dead++;
        kb_error ("message dead-lettered message_id=\"%s\" sender=\"%s\" attempts=%d"
                  " reason=\"%s\"",
                  in->message_id,
                  in->sender,
                  attempts,
                  reason);
        return s_ack_add (acks, in, KB_LINK_ACK_DEAD, reason);
    }
    kb_warning ("could not apply message message_id=\"%s\" sender=\"%s\" attempt=%d"
                " reason=\"%s\"",
                in->message_id,
                in->sender,
                attempts,
                reason);
    poison[*npoison].message_id = in->message_id;
    snprintf (poison[*npoison].reason, sizeof poison[*npoison].reason, "%s", reason);
    (*npoison)++;
    return 0;
}

long
kb_link_receiver_prune (kb_link_receiver_t *self)
{
    char secs[16];
    snprintf (secs, sizeof secs, "%d", self->cfg.inbox_prune_after_s);
    const char *values[1] = { secs };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (self->db, "kb_link_in_prune", 1, values, NULL, NULL, &rc);
    if (!res)
        return -1;
    long n = atol (PQcmdTuples (res));
    PQclear (res);
    if (n > 0)
        kb_debug ("pruned inbox rows count=%ld", n);
    return n;
}

int
kb_link_receiver_handle (kb_link_receiver_t *self)
{
    int batch = self->cfg.batch;
    s_in_t *ins = calloc ((size_t)batch, sizeof *ins);
    s_poison_t *poison = calloc ((size_t)batch, sizeof *poison);
    zlistx_t *acks = zlistx_new ();
    int n = 0, npoison = 0, rc = -1;
    if (!ins || !poison || !acks)
        goto done;
    zlistx_set_destructor (acks, s_ack_destroy);
    while (n < batch && (zsock_events (self->router) & ZMQ_POLLIN)) {
        zmsg_t *msg = zmsg_recv (self->router);
        if (!msg)
            break;
        if (s_in_parse (msg, &ins[n]) == 0)
            n++;
        else {
            self->stats.malformed++;
            s_in_clear (&ins[n]);
            kb_warning ("could not parse link message, dropped");
        }
        zmsg_destroy (&msg);
    }
    if (n == 0) {
        rc = 0;
        goto done;
    }
    /* Without a database the messages are dropped unacknowledged: the
       senders retransmit them. */
    if (kb_db_ensure (self->db, 0) != 0)
        goto rollback;
    kb_link_receiver_stats_t before = self->stats;
    for (bool careful = false;; careful = true) {
        s_batch_reset (self);
        if (s_batch_start (self, ins, n) != 0)
            goto rollback;
        int step = 0;
        for (int i = 0; i < n && step == 0; i++)
            step = s_process (self, &ins[i], careful, acks, poison, &npoison);
        if (step == 0) {
            kb_db_rc_t crc = s_batch_commit (self);
            if (crc == KB_DB_OK)
                break;
            /* What the hook wrote for the whole batch failed for good:
               apply the batch again message by message, where the hook
               writes each message's rows at once and a failure belongs to
               one message, instead of failing the batch on every retransmit. */
            if (careful || crc != KB_DB_FATAL)
                goto rollback;
            step = S_REDO_CAREFULLY;
        }
        if (step != S_REDO_CAREFULLY)
            goto rollback;
        /* a message failed: undo the batch and set that message aside */
        kb_db_rollback (self->db);
        s_hook (self, KB_LINK_BATCH_ABORT);
        self->stats = before;
        zlistx_purge (acks);
        npoison = 0;
        kb_debug ("link batch applied again with savepoints messages=%d", n);
    }
    s_acks_send (self, acks);
    rc = n;
    int64_t now = zclock_mono ();
    if (now >= self->next_prune_ms) {
        self->next_prune_ms = now + 60000;
        kb_link_receiver_prune (self);
    }
    goto poison;
rollback:
    kb_db_rollback (self->db);
    s_hook (self, KB_LINK_BATCH_ABORT);
    self->stats.rollbacks++;
    kb_warning (
      "link batch rolled back messages=%d sqlstate=%s", n, kb_db_last_sqlstate (self->db));
poison:
    s_poison_record (self, poison, npoison);
done:
    for (int i = 0; ins && i < n; i++)
        s_in_clear (&ins[i]);
    zlistx_destroy (&acks);
    free (poison);
    free (ins);
    return rc;
}

int
kb_link_inbox_status (kb_db_t *db, kb_link_inbox_status_t *status)
{
    memset (status, 0, sizeof *status);
    if (kb_db_prepare (db,
                       "kb_link_inbox_status",
                       "SELECT (SELECT count(*) FROM kb_dead_letter), "
                       " (SELECT count(*) FROM kb_inbox_attempt a WHERE NOT EXISTS "
                       "  (SELECT 1 FROM kb_dead_letter d WHERE d.message_id = a.message_id))",
                       0))
        return -1;
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "kb_link_inbox_status", 0, NULL, NULL, NULL, &rc);
    if (!res)
        return -1;
    if (PQntuples (res) == 1) {
        status->dead = atol (PQgetvalue (res, 0, 0));
        status->retrying = atol (PQgetvalue (res, 0, 1));
    }
    PQclear (res);
    return 0;
}
