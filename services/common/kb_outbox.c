/*  kb_outbox - the sending half of the link: outbox rows written in the
    caller's transaction, and the sender actor that transmits them in order
    per stream, retransmits with back-off and records the answers. */
#include "kb_link_private.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_outbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Outbox */

/* The rows of kb_outbox_put, n at a time: each stream's counter moves once
   by its number of rows (the upsert may touch a row only once per
   statement), locked in stream order so that two writers cannot deadlock
   on each other's streams, and the rows of a stream take their sequence
   numbers in the order they were added. The sort makes every counter row
   locked before the first outbox row takes its id, so per stream the id
   order is the stream_seq order, as with kb_outbox_put. */
static const char s_sql_put_batch[] =
  "WITH v AS ("
  "  SELECT * FROM unnest ($1::text[], $2::text[], $3::bytea[]) WITH ORDINALITY"
  "   AS v (stream, message_id, payload, ord)),"
  " n AS (SELECT stream, count(*) AS rows FROM v GROUP BY stream),"
  " s AS ("
  "  INSERT INTO kb_link_stream AS k (stream, last_seq)"
  "  SELECT stream, rows FROM n ORDER BY stream"
  "  ON CONFLICT (stream) DO UPDATE SET last_seq = k.last_seq + excluded.last_seq"
  "  RETURNING stream, last_seq)"
  " INSERT INTO kb_outbox (stream, stream_seq, message_id, payload)"
  " SELECT v.stream,"
  "  s.last_seq - n.rows + row_number () OVER (PARTITION BY v.stream ORDER BY v.ord),"
  "  v.message_id, v.payload"
  " FROM v JOIN n USING (stream) JOIN s USING (stream) ORDER BY v.ord";

int
kb_outbox_prepare (kb_db_t *db)
{
    /* The upsert locks the stream's counter row before the outbox row takes
       its id, so per stream the id order is the stream_seq order. */
    if (kb_db_prepare (db,
                       "kb_outbox_put",
                       "WITH s AS (INSERT INTO kb_link_stream (stream, last_seq) VALUES ($1, 1)"
                       " ON CONFLICT (stream) DO UPDATE SET last_seq = kb_link_stream.last_seq + 1"
                       " RETURNING last_seq)"
                       " INSERT INTO kb_outbox (stream, stream_seq, message_id, payload)"
                       " SELECT $1, s.last_seq, $2, $3 FROM s",
                       3) ||
        kb_db_prepare (db, "kb_outbox_put_batch", s_sql_put_batch, 3) ||
        kb_db_prepare (db,
                       "kb_link_status",
                       "SELECT pending, oldest_pending_ms, dead, acked FROM kb_link_status",
                       0))
        return -1;
    return 0;
}

kb_db_rc_t
kb_outbox_put (kb_db_t *db,
               const char *stream,
               const char *message_id,
               const void *payload,
               size_t len)
{
    if (!db || !kb_link_id_valid (stream) || !kb_link_id_valid (message_id) ||
        (!payload && len > 0) || len > INT32_MAX) {
        kb_error ("could not queue message: invalid stream, message id or payload");
        return KB_DB_FATAL;
    }
    const char *values[3] = { stream, message_id, payload ? (const char *)payload : "" };
    int lengths[3] = { 0, 0, (int)len };
    int formats[3] = { 0, 0, 1 };
    /* inside a pipeline (a batched transaction) the row is queued; its
       outcome is checked by kb_db_pipeline_end */
    if (kb_db_pipeline_active (db))
        return kb_db_pipeline_send (db, "kb_outbox_put", 3, values, lengths, formats);
    return kb_db_run_cmd (db, "kb_outbox_put", 3, values, lengths, formats);
}

/*  Outbox rows in bulk */

enum { S_COL_STREAM, S_COL_MESSAGE_ID, S_COL_PAYLOAD, S_COLS };

struct _kb_outbox_batch_t
{
    kb_db_barray_t col[S_COLS];
    size_t saved_len[S_COLS], saved_count[S_COLS]; /* kb_outbox_batch_savepoint */
};

static const uint32_t s_col_oid[S_COLS] = { KB_DB_OID_TEXT, KB_DB_OID_TEXT, KB_DB_OID_BYTEA };

kb_outbox_batch_t *
kb_outbox_batch_new (void)
{
    kb_outbox_batch_t *self = calloc (1, sizeof *self);
    if (self)
        kb_outbox_batch_reset (self);
    return self;
}

void
kb_outbox_batch_destroy (kb_outbox_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    kb_outbox_batch_t *self = *self_p;
    kb_db_columns_free (self->col, S_COLS);
    free (self);
    *self_p = NULL;
}

void
kb_outbox_batch_reset (kb_outbox_batch_t *self)
{
    kb_db_columns_reset (self->col, s_col_oid, S_COLS);
    kb_outbox_batch_savepoint (self);
}

kb_db_rc_t
kb_outbox_batch_add (kb_outbox_batch_t *self,
                     const char *stream,
                     const char *message_id,
                     const void *payload,
                     size_t len)
{
    if (!kb_link_id_valid (stream) || !kb_link_id_valid (message_id) || (!payload && len > 0) ||
        len > INT32_MAX) {
        kb_error ("could not queue message: invalid stream, message id or payload");
        return KB_DB_FATAL;
    }
    kb_db_barray_add_str (&self->col[S_COL_STREAM], stream);
    kb_db_barray_add_str (&self->col[S_COL_MESSAGE_ID], message_id);
    kb_db_barray_add (&self->col[S_COL_PAYLOAD], payload ? payload : "", len);
    if (kb_db_columns_oom (self->col, S_COLS)) {
        kb_error ("could not queue message: out of memory");
        return KB_DB_FATAL;
    }
    return KB_DB_OK;
}

void
kb_outbox_batch_savepoint (kb_outbox_batch_t *self)
{
    for (int c = 0; c < S_COLS; c++) {
        self->saved_len[c] = self->col[c].len;
        self->saved_count[c] = self->col[c].count;
    }
}

void
kb_outbox_batch_rollback_to (kb_outbox_batch_t *self)
{
    /* the array header is written by kb_db_barray_data: cutting the tail
       off is enough */
    for (int c = 0; c < S_COLS; c++) {
        if (self->saved_len[c] < self->col[c].len) {
            self->col[c].len = self->saved_len[c];
            self->col[c].count = self->saved_count[c];
        }
    }
}

size_t
kb_outbox_batch_size (kb_outbox_batch_t *self)
{
    return self->col[S_COL_MESSAGE_ID].count;
}

kb_db_rc_t
kb_outbox_batch_send (kb_outbox_batch_t *self, kb_db_t *db)
{
    if (kb_outbox_batch_size (self) == 0)
        return KB_DB_OK;
    return kb_db_columns_send (db, "kb_outbox_put_batch", self->col, S_COLS);
}

int
kb_link_outbox_status (kb_db_t *db, kb_link_outbox_status_t *status)
{
    memset (status, 0, sizeof *status);
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "kb_link_status", 0, NULL, NULL, NULL, &rc);
    if (!res)
        return -1;
    if (PQntuples (res) == 1) {
        status->pending = atol (PQgetvalue (res, 0, 0));
        status->oldest_pending_ms = atol (PQgetvalue (res, 0, 1));
        status->dead = atol (PQgetvalue (res, 0, 2));
        status->acked = atol (PQgetvalue (res, 0, 3));
    }
    PQclear (res);
    return 0;
}

/* One sender's rows: $1 the prefix, $2 true to exclude it. */
static const char *s_sql_status_prefix =
  "SELECT count(*) FILTER (WHERE acked_at IS NULL AND dead_at IS NULL), "
  " coalesce((extract(epoch FROM now() - min(created_at) "
  "  FILTER (WHERE acked_at IS NULL AND dead_at IS NULL)) * 1000)::bigint, 0), "
  " count(*) FILTER (WHERE dead_at IS NOT NULL), "
  " count(*) FILTER (WHERE acked_at IS NOT NULL) "
  "FROM kb_outbox WHERE (left(stream, length($1::text)) = $1::text) <> $2::bool";

int
kb_link_outbox_status_prefix (kb_db_t *db,
                              const char *stream_prefix,
                              bool exclude_prefix,
                              kb_link_outbox_status_t *status)
{
    memset (status, 0, sizeof *status);
    if (kb_db_prepare (db, "kb_link_status_prefix", s_sql_status_prefix, 2))
        return -1;
    const char *values[2] = { stream_prefix ? stream_prefix : "", exclude_prefix ? "t" : "f" };
    /* "" with exclude means no row at all, as for the sender */
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "kb_link_status_prefix", 2, values, NULL, NULL, &rc);
    if (!res)
        return -1;
    if (PQntuples (res) == 1) {
        status->pending = atol (PQgetvalue (res, 0, 0));
        status->oldest_pending_ms = atol (PQgetvalue (res, 0, 1));
        status->dead = atol (PQgetvalue (res, 0, 2));
        status->acked = atol (PQgetvalue (res, 0, 3));
    }
    PQclear (res);
    return 0;
}

/*  Sender actor */

typedef struct
{
    int64_t id;
    char *stream;
    char *seq;
    char *message_id;
    unsigned char *payload;
    size_t len;
    unsigned generation; /* last refresh that saw the row pending */
    kb_link_row_t row;
    void *handle; /* node in s_sender_t.order */
} s_entry_t;

typedef struct
{
    kb_link_sender_config_t cfg; /* strings owned */
    int route;                   /* its s_route_loads index (s_route), or -1: general */
    zsock_t *pipe;
    zsock_t *dealer;
    zpoller_t *poller;
    kb_db_t *db;
    zhashx_t *by_message_id; /* message_id -> s_entry_t, not owning */
    zlistx_t *order;         /* s_entry_t by outbox id, owning */
    unsigned generation;
    bool refresh_wanted;
    bool last_load_full;
    int64_t max_loaded_id;   /* highest outbox id read so far */
    int64_t no_peer_until;   /* a send found no peer: wait until then */
    int64_t next_refresh_ms;
    int64_t next_prune_ms;
    int64_t next_connect_ms;
    int connect_delay_ms;
    kb_link_sender_stats_t stats;
    bool terminated;
} s_sender_t;

struct _kb_link_sender_t
{
    zactor_t *actor;
};

static void
s_entry_destroy (void **item_p)
{
    s_entry_t *self = (s_entry_t *)*item_p;
    if (!self)
        return;
    free (self->stream);
    free (self->seq);
    free (self->message_id);
    PQfreemem (self->payload);
    free (self);
    *item_p = NULL;
}

static int
s_entry_compare (const void *a, const void *b)
{
    int64_t x = ((const s_entry_t *)a)->id, y = ((const s_entry_t *)b)->id;
    return x < y ? -1 : x > y;
}

static void
s_config_free (kb_link_sender_config_t *cfg)
{
    free ((char *)cfg->conninfo);
    free ((char *)cfg->schema);
    free ((char *)cfg->endpoint);
    free ((char *)cfg->identity);
    free ((char *)cfg->stream_prefix);
    free (cfg);
}

static kb_link_sender_config_t *
s_config_dup (const kb_link_sender_config_t *in)
{
    kb_link_sender_config_t *cfg = calloc (1, sizeof *cfg);
    if (!cfg)
        return NULL;
    *cfg = *in;
    cfg->conninfo = strdup (in->conninfo);
    cfg->schema = strdup (in->schema);
    cfg->endpoint = strdup (in->endpoint);
    cfg->identity = strdup (in->identity);
    cfg->stream_prefix = strdup (in->stream_prefix ? in->stream_prefix : "");
    if (!cfg->conninfo || !cfg->schema || !cfg->endpoint || !cfg->identity || !cfg->stream_prefix) {
        s_config_free (cfg);
        return NULL;
    }

#define S_DEFAULT(field, value)                                                                    \
    if (cfg->field <= 0)                                                                           \
        cfg->field = (value);
    S_DEFAULT (retransmit_base_ms, 1000);
    S_DEFAULT (retransmit_max_ms, 30000);
    S_DEFAULT (max_attempts, 10);
    S_DEFAULT (batch, 500);
    S_DEFAULT (max_inflight, 4 * cfg->batch);
    S_DEFAULT (heartbeat_ms, 1000);
    S_DEFAULT (poll_ms, 200);
    S_DEFAULT (sndhwm, 10000);
#undef S_DEFAULT
    if (cfg->prune_after_s < 0)
        cfg->prune_after_s = 0;
    if (cfg->retransmit_max_ms < cfg->retransmit_base_ms)
        cfg->retransmit_max_ms = cfg->retransmit_base_ms;
    return cfg;
}

static void
s_db_failed (s_sender_t *self)
{
    self->stats.db_errors++;
    /* A broken connection is noticed by kb_db_ensure on the next turn. */
    kb_db_rollback (self->db);
}

/* The outbox reads of a sender. A sender of one prefix that has a partial
   index of its own (link/0002) names the prefix as a literal in a
   statement of its own, so that the index serves it: with the prefix as
   a parameter it reads past every pending row of the other streams to
   find its own. So does the sender of everything but such a prefix
   (link/0003: its index leaves out both prefixes, as no daemon writes
   streams of both). Any other sender uses the general statements. */
#define S_LOAD_SELECT                                                                              \
    "SELECT id, stream, stream_seq, message_id, payload FROM kb_outbox"                          \
    " WHERE acked_at IS NULL AND dead_at IS NULL"
#define S_REST                                                                                     \
    " AND NOT starts_with (stream, 'tracking:') AND NOT starts_with (stream, 'monitoring:')"
static const struct
{
    const char *prefix;
    bool exclude;           /* the sender of everything but prefix */
    const char *load;       /* $1 limit */
    const char *load_after; /* $1 limit, $2 after id */
} s_route_loads[] = {
    { "tracking:", false,
      S_LOAD_SELECT " AND starts_with (stream, 'tracking:') ORDER BY id LIMIT $1",
      S_LOAD_SELECT " AND starts_with (stream, 'tracking:') AND id > $2::bigint ORDER BY id"
                    " LIMIT $1" },
    { "monitoring:", false,
      S_LOAD_SELECT " AND starts_with (stream, 'monitoring:') ORDER BY id LIMIT $1",
      S_LOAD_SELECT " AND starts_with (stream, 'monitoring:') AND id > $2::bigint ORDER BY id"
                    " LIMIT $1" },
    { "tracking:", true, S_LOAD_SELECT S_REST " ORDER BY id LIMIT $1",
      S_LOAD_SELECT S_REST " AND id > $2::bigint ORDER BY id LIMIT $1" },
    { "monitoring:", true, S_LOAD_SELECT S_REST " ORDER BY id LIMIT $1",
      S_LOAD_SELECT S_REST " AND id > $2::bigint ORDER BY id LIMIT $1" },
};
/* $1 limit, [$2 after id,] then prefix and exclude */
static const char s_sql_load[] =
    S_LOAD_SELECT " AND starts_with (stream, $2) <> $3::bool ORDER BY id LIMIT $1";
static const char s_sql_load_after[] =
    S_LOAD_SELECT " AND id > $2::bigint AND starts_with (stream, $3) <> $4::bool"
                  " ORDER BY id LIMIT $1";

/* The s_route_loads index of this sender, or -1: the general statements. */
static int
s_route (const kb_link_sender_config_t *cfg)
{
    for (size_t i = 0; i < sizeof s_route_loads / sizeof s_route_loads[0]; i++)
        if (strcmp (cfg->stream_prefix, s_route_loads[i].prefix) == 0 &&
            cfg->exclude_prefix == s_route_loads[i].exclude)
            return (int) i;
    return -1;
}

/* Makes sure the connection is usable; never blocks for long, so the actor
   keeps answering its pipe while PostgreSQL is away. */
static bool
s_db_ready (s_sender_t *self, int64_t now)
{
    if (self->db && PQstatus (kb_db_conn (self->db)) == CONNECTION_OK)
        return true;
    if (now < self->next_connect_ms)
        return false;
    bool ok = false;
    if (!self->db) {
        self->db = kb_db_connect (self->cfg.conninfo, self->cfg.schema, 0);
        int route = self->route;
        if (self->db &&
            (kb_db_prepare (self->db, "kb_link_snd_load",
                            route < 0 ? s_sql_load : s_route_loads[route].load,
                            route < 0 ? 3 : 1) ||
             kb_db_prepare (self->db, "kb_link_snd_load_after",
                            route < 0 ? s_sql_load_after : s_route_loads[route].load_after,
                            route < 0 ? 4 : 2) ||
             kb_db_prepare (self->db,
                            "kb_link_snd_ack",
                            "UPDATE kb_outbox SET acked_at = now()"
                            " WHERE id = ANY ($1::bigint[])"
                            " AND acked_at IS NULL AND dead_at IS NULL",
                            1) ||
             kb_db_prepare (self->db,
                            "kb_link_snd_ack_delete",
                            "DELETE FROM kb_outbox WHERE id = ANY ($1::bigint[])"
                            " AND acked_at IS NULL AND dead_at IS NULL",
                            1) ||
             kb_db_prepare (self->db,
                            "kb_link_snd_dead",
                            "UPDATE kb_outbox SET dead_at = now(), dead_reason = $2"
                            " WHERE id = $1 AND acked_at IS NULL AND dead_at IS NULL",
                            2) ||
             kb_db_prepare (self->db,
                            "kb_link_snd_prune",
                            "DELETE FROM kb_outbox WHERE id IN (SELECT id FROM kb_outbox"
                            " WHERE acked_at < now() - $1::int * interval '1 second'"
                            " LIMIT 10000)",
                            1)))
            kb_db_destroy (&self->db); /* e.g. not migrated yet: try again later */
        ok = self->db != NULL;
    } else
        ok = kb_db_ensure (self->db, 0) == 0;
    if (ok) {
        self->connect_delay_ms = 100;
        self->refresh_wanted = true;
        self->next_refresh_ms = now; /* read everything again */
        self->last_load_full = false;
        return true;
    }
    self->next_connect_ms = now + self->connect_delay_ms;
    self->connect_delay_ms = self->connect_delay_ms >= 2000 ? 2000 : self->connect_delay_ms * 2;
    return false;
}

static void
s_remove (s_sender_t *self, s_entry_t *entry)
{
    zhashx_delete (self->by_message_id, entry->message_id);
    zlistx_delete (self->order, entry->handle); /* destroys entry */
}

/* Row i of a load result into the window, unless it is there already
   (then it is marked as seen by this refresh). Returns -1 when memory
   ran out (the rest of the result waits for the next refresh). */
static int
s_window_add (s_sender_t *self, PGresult *res, int i)
{
    const char *message_id = PQgetvalue (res, i, 3);
    int64_t id = strtoll (PQgetvalue (res, i, 0), NULL, 10);
    if (id > self->max_loaded_id)
        self->max_loaded_id = id;
    s_entry_t *entry = (s_entry_t *)zhashx_lookup (self->by_message_id, message_id);
    if (entry) {
        entry->generation = self->generation;
        return 0;
    }
    entry = calloc (1, sizeof *entry);
    if (!entry)
        return -1;
    entry->id = id;
    entry->stream = strdup (PQgetvalue (res, i, 1));
    entry->seq = strdup (PQgetvalue (res, i, 2));
    entry->message_id = strdup (message_id);
    entry->payload = PQunescapeBytea ((const unsigned char *)PQgetvalue (res, i, 4), &entry->len);
    entry->generation = self->generation;
    if (!entry->stream || !entry->seq || !entry->message_id || !entry->payload) {
        void *item = entry;
        s_entry_destroy (&item);
        return -1;
    }
    entry->handle = zlistx_insert (self->order, entry, false);
    zhashx_insert (self->by_message_id, entry->message_id, entry);
    return 0;
}

/* Adds rows written after the last one read: what a wake-up after a
   commit asks for, without reading the rows in flight again. */
static void
s_refresh_new (s_sender_t *self)
{
    self->refresh_wanted = false;
    int room = self->cfg.max_inflight - (int) zlistx_size (self->order);
    if (room <= 0)
        return;
    char limit[16], after[24];
    snprintf (limit, sizeof limit, "%d", room);
    snprintf (after, sizeof after, "%lld", (long long) self->max_loaded_id);
    const char *values[4] = { limit, after, self->cfg.stream_prefix,
                              self->cfg.exclude_prefix ? "true" : "false" };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (self->db, "kb_link_snd_load_after", self->route < 0 ? 4 : 2,
                               values, NULL, NULL, &rc);
    if (!res) {
        s_db_failed (self);
        return;
    }
    for (int i = 0; i < PQntuples (res) && s_window_add (self, res, i) == 0; i++)
        ;
    PQclear (res);
}

/* Reads the oldest pending rows and adds the ones not yet in flight; also
   finds rows committed out of id order and rows changed behind our back.
   Every poll_ms; wake-ups in between read only the new rows. */
static void
s_refresh (s_sender_t *self, int64_t now)
{
    char limit[16];
    snprintf (limit, sizeof limit, "%d", self->cfg.max_inflight);
    const char *values[3] = { limit, self->cfg.stream_prefix,
                              self->cfg.exclude_prefix ? "true" : "false" };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (self->db, "kb_link_snd_load", self->route < 0 ? 3 : 1, values,
                               NULL, NULL, &rc);
    self->next_refresh_ms = now + self->cfg.poll_ms;
    self->refresh_wanted = false;
    if (!res) {
        s_db_failed (self);
        return;
    }
    self->generation++;
    int rows = PQntuples (res);
    int64_t last_id = 0;
    for (int i = 0; i < rows; i++) {
        last_id = strtoll (PQgetvalue (res, i, 0), NULL, 10);
        if (s_window_add (self, res, i) != 0)
            break;
    }
    self->last_load_full = rows >= self->cfg.max_inflight;
    PQclear (res);
    /* Rows no longer pending (changed behind our back) leave the window. */
    s_entry_t *entry = (s_entry_t *)zlistx_first (self->order);
    while (entry) {
        s_entry_t *next = (s_entry_t *)zlistx_next (self->order);
        if (entry->generation != self->generation &&
            (!self->last_load_full || entry->id <= last_id))
            s_remove (self, entry);
        entry = next;
    }
}

static void
s_send_due (s_sender_t *self, int64_t now)
{
    /* Flow control: at most cfg.batch messages in flight, so that a slow
       receiver is not buried under retransmits of messages still waiting
       in its queue. */
    if (now < self->no_peer_until)
        return;
    int inflight = 0;
    s_entry_t *entry = (s_entry_t *)zlistx_first (self->order);
    for (; entry; entry = (s_entry_t *)zlistx_next (self->order))
        inflight += entry->row.state == KB_LINK_ROW_INFLIGHT;
    int sent = 0;
    entry = (s_entry_t *)zlistx_first (self->order);
    for (; entry && sent < self->cfg.batch; entry = (s_entry_t *)zlistx_next (self->order)) {
        bool fresh = entry->row.state == KB_LINK_ROW_NEW;
        if (fresh && inflight >= self->cfg.batch)
            continue;
        kb_link_row_t before = entry->row;
        if (kb_link_row_step (&entry->row,
                              KB_LINK_EV_TICK,
                              now,
                              self->cfg.retransmit_base_ms,
                              self->cfg.retransmit_max_ms) != KB_LINK_ACT_SEND)
            continue;
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, "MSG");
        zmsg_addstr (msg, entry->stream);
        zmsg_addstr (msg, entry->seq);
        zmsg_addstr (msg, entry->message_id);
        zmsg_addmem (msg, entry->payload, entry->len);
        /* Without a peer (ZMQ_IMMEDIATE) the send fails: the row was not
           sent, so it keeps its place and its attempts, and nothing after
           it goes first - a receiver that starts later gets the oldest rows
           first. At the high-water mark alike. */
        if (zmsg_send (&msg, self->dealer) != 0) {
            zmsg_destroy (&msg);
            entry->row = before;
            self->no_peer_until = now + 100;
            break;
        }
        if (fresh)
            inflight++;
        if (entry->row.attempts > 1)
            self->stats.retransmits++;
        else
            self->stats.sent++;
        if (entry->row.attempts == self->cfg.max_attempts)
            kb_warning ("message not acknowledged after %d attempts message_id=\"%s\""
                        " endpoint=\"%s\"",
                        entry->row.attempts,
                        entry->message_id,
                        self->cfg.endpoint);
        sent++;
    }
}

/* When the outbox is read again without being asked: every poll_ms, but
   with a full window (receiver down or slow) only now and then, to notice
   rows acknowledged behind our back. */
static int64_t
s_refresh_at (s_sender_t *self)
{
    bool full = zlistx_size (self->order) >= (size_t)self->cfg.max_inflight;
    return self->next_refresh_ms + (full ? 10 * self->cfg.poll_ms : 0);
}

/* The next refresh or retransmit; never the deferred refresh of a full
   window, or the loop would spin until it is due. */
static int64_t
s_next_wakeup (s_sender_t *self, int64_t now)
{
    int64_t next = s_refresh_at (self);
    if (self->refresh_wanted)
        return now;
    int inflight = 0;
    bool waiting = false;
    s_entry_t *entry = (s_entry_t *)zlistx_first (self->order);
    for (; entry; entry = (s_entry_t *)zlistx_next (self->order)) {
        waiting |= entry->row.state == KB_LINK_ROW_NEW;
        if (entry->row.state == KB_LINK_ROW_INFLIGHT) {
            inflight++;
            if (entry->row.due_ms < next)
                next = entry->row.due_ms;
        }
    }
    /* new rows wait for room in the window, which an ack makes */
    if (waiting && inflight < self->cfg.batch)
        next = now;
    /* without a peer, try again a little later, not in a busy loop */
    return next < self->no_peer_until ? self->no_peer_until : next;
}

static void
s_mark_dead (s_sender_t *self, s_entry_t *entry, const char *reason)
{
    char id[24];
    snprintf (id, sizeof id, "%" PRId64, entry->id);
    const char *values[2] = { id, reason };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (self->db, "kb_link_snd_dead", 2, values, NULL, NULL, &rc);
    if (!res) {
        entry->row.state = KB_LINK_ROW_INFLIGHT; /* the receiver will answer again */
        s_db_failed (self);
        return;
    }
    if (strcmp (PQcmdTuples (res), "1") == 0) {
        self->stats.dead++;
        kb_error ("message dead-lettered by receiver message_id=\"%s\" endpoint=\"%s\""
                  " reason=\"%s\"",
                  entry->message_id,
                  self->cfg.endpoint,
                  reason);
    }
    PQclear (res);
    s_remove (self, entry);
}

static void
s_handle_ack (s_sender_t *self, zmsg_t *msg)
{
    char *command = zmsg_popstr (msg);
    zframe_t *body = zmsg_pop (msg);
    s_entry_t **acked = NULL;
    char *array = NULL;
    if (!command || strcmp (command, "ACK") != 0 || !body || zmsg_size (msg) != 0) {
        kb_warning ("could not parse link answer endpoint=\"%s\"", self->cfg.endpoint);
        goto done;
    }
    const char *data = (const char *)zframe_data (body);
    size_t len = zframe_size (body);
    size_t offset = 0;
    size_t nacked = 0;
    size_t cap = (size_t)self->cfg.max_inflight;
    acked = calloc (cap, sizeof *acked);
    if (!acked)
        goto done;
    kb_link_ack_entry_t ack;
    int r;
    while ((r = kb_link_ack_next (data, len, &offset, &ack)) == 1) {
        s_entry_t *entry = (s_entry_t *)zhashx_lookup (self->by_message_id, ack.message_id);
        if (!entry)
            continue; /* an answer to a row we already settled */
        kb_link_action_t act =
          kb_link_row_step (&entry->row,
                            ack.kind == KB_LINK_ACK_DEAD ? KB_LINK_EV_DEAD : KB_LINK_EV_ACK,
                            zclock_mono (),
                            self->cfg.retransmit_base_ms,
                            self->cfg.retransmit_max_ms);
        if (act == KB_LINK_ACT_MARK_DEAD)
            s_mark_dead (self, entry, ack.reason);
        else if (act == KB_LINK_ACT_MARK_ACKED && nacked < cap)
            acked[nacked++] = entry;
        else if (act == KB_LINK_ACT_MARK_ACKED)
            entry->row.state = KB_LINK_ROW_INFLIGHT; /* acked again later */
    }
    if (r < 0)
        kb_warning (
          "could not parse link ack endpoint=\"%s\" offset=%zu", self->cfg.endpoint, offset);
    if (nacked == 0)
        goto done;
    array = malloc (nacked * 21 + 3);
    if (!array)
        goto done;
    size_t n = 0;
    array[n++] = '{';
    for (size_t i = 0; i < nacked; i++)
        n += (size_t)sprintf (array + n, "%s%" PRId64, i ? "," : "", acked[i]->id);
    array[n++] = '}';
    array[n] = '\0';
    const char *values[1] = { array };
    /* Deleting costs a fraction of the UPDATE, which writes a new version
       of the row (payload included) and an entry in each of its indexes;
       the receiver's kb_inbox keeps the record of the delivery. */
    const char *statement = self->cfg.prune_after_s == 0 ? "kb_link_snd_ack_delete"
                                                         : "kb_link_snd_ack";
    if (kb_db_run_cmd (self->db, statement, 1, values, NULL, NULL) != KB_DB_OK) {
        /* Still in flight: the retransmit brings another ack. */
        for (size_t i = 0; i < nacked; i++)
            acked[i]->row.state = KB_LINK_ROW_INFLIGHT;
        s_db_failed (self);
        goto done;
    }
    for (size_t i = 0; i < nacked; i++)
        s_remove (self, acked[i]);
    self->stats.acked += nacked;
    if (self->last_load_full)
        self->refresh_wanted = true; /* room in the window for more rows */
done:
    free (array);
    free (acked);
    zframe_destroy (&body);
    zstr_free (&command);
}

static void
s_prune (s_sender_t *self, int64_t now)
{
    self->next_prune_ms = now + 10000;
    char secs[16];
    snprintf (secs, sizeof secs, "%d", self->cfg.prune_after_s);
    const char *values[1] = { secs };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (self->db, "kb_link_snd_prune", 1, values, NULL, NULL, &rc);
    if (!res) {
        s_db_failed (self);
        return;
    }
    if (strcmp (PQcmdTuples (res), "0") != 0)
        kb_debug ("pruned acknowledged outbox rows count=%s", PQcmdTuples (res));
    PQclear (res);
}

static void
s_handle_pipe (s_sender_t *self)
{
    zmsg_t *msg = zmsg_recv (self->pipe);
    if (!msg) {
        self->terminated = true;
        return;
    }
    char *command = zmsg_popstr (msg);
    if (!command || streq (command, "$TERM"))
        self->terminated = true;
    else if (streq (command, "WAKE"))
        /* a full window has nothing to gain from reading the outbox: the
           next ack makes room and asks for a refresh itself */
        self->refresh_wanted = zlistx_size (self->order) < (size_t) self->cfg.max_inflight;
    else if (streq (command, "STATS"))
        zsock_send (self->pipe,
                    "88888",
                    self->stats.sent,
                    self->stats.retransmits,
                    self->stats.acked,
                    self->stats.dead,
                    self->stats.db_errors);
    zstr_free (&command);
    zmsg_destroy (&msg);
}

static void
s_sender_actor (zsock_t *pipe, void *args)
{
    kb_link_sender_config_t *cfg = (kb_link_sender_config_t *)args;
    s_sender_t self_s = { 0 }, *self = &self_s;
    self->cfg = *cfg;
    self->route = s_route (cfg);
    self->pipe = pipe;
    self->connect_delay_ms = 100;
    self->dealer = zsock_new (ZMQ_DEALER);
    self->by_message_id = zhashx_new ();
    self->order = zlistx_new ();
    if (!self->dealer || !self->by_message_id || !self->order)
        goto done;
    zlistx_set_destructor (self->order, s_entry_destroy);
    zlistx_set_comparator (self->order, s_entry_compare);
    zsock_set_identity (self->dealer, cfg->identity); /* ZMQ_ROUTING_ID */
    kb_link_socket_setup (self->dealer, cfg->heartbeat_ms, cfg->sndhwm);
    zsock_set_immediate (self->dealer, 1); /* no queueing towards an absent peer */
    if (zsock_connect (self->dealer, "%s", cfg->endpoint) != 0) {
        kb_error ("could not connect link endpoint=\"%s\"", cfg->endpoint);
        goto done;
    }
    self->poller = zpoller_new (pipe, self->dealer, NULL);
    if (!self->poller)
        goto done;
    zsock_signal (pipe, 0);
    kb_info ("link sender started endpoint=\"%s\" identity=\"%s\"", cfg->endpoint, cfg->identity);

    while (!self->terminated) {
        int64_t now = zclock_mono ();
        int64_t wakeup = now + self->cfg.poll_ms;
        if (s_db_ready (self, now)) {
            if (now >= s_refresh_at (self))
                s_refresh (self, now);
            else if (self->refresh_wanted)
                s_refresh_new (self);
            s_send_due (self, now);
            if (now >= self->next_prune_ms)
                s_prune (self, now);
            wakeup = s_next_wakeup (self, now);
        } else if (self->next_connect_ms < wakeup)
            wakeup = self->next_connect_ms;
        int64_t timeout = wakeup - zclock_mono ();
        if (timeout > self->cfg.poll_ms)
            timeout = self->cfg.poll_ms;
        if (timeout < 0)
            timeout = 0;
        zsock_t *which = (zsock_t *)zpoller_wait (self->poller, (int)timeout);
        if (which == pipe)
            s_handle_pipe (self);
        else if (which == self->dealer) {
            /* Drain all answers; each one is a batch. */
            for (int i = 0; i < 1000 && (zsock_events (self->dealer) & ZMQ_POLLIN); i++) {
                zmsg_t *msg = zmsg_recv (self->dealer);
                if (!msg)
                    break;
                if (s_db_ready (self, zclock_mono ()))
                    s_handle_ack (self, msg);
                zmsg_destroy (&msg);
            }
        } else if (zpoller_terminated (self->poller))
            break;
    }
    kb_info ("link sender stopped endpoint=\"%s\" sent=%" PRIu64 " retransmits=%" PRIu64
             " acked=%" PRIu64 " dead=%" PRIu64,
             cfg->endpoint,
             self->stats.sent,
             self->stats.retransmits,
             self->stats.acked,
             self->stats.dead);
done:
    if (!self->poller)
        zsock_signal (pipe, 0); /* zactor_new waits for it even on failure */
    zpoller_destroy (&self->poller);
    zlistx_destroy (&self->order);
    zhashx_destroy (&self->by_message_id);
    zsock_destroy (&self->dealer);
    kb_db_destroy (&self->db);
    s_config_free (cfg);
}

kb_link_sender_t *
kb_link_sender_new (const kb_link_sender_config_t *cfg)
{
    if (!cfg || !cfg->conninfo || !cfg->schema || !cfg->endpoint ||
        !kb_link_id_valid (cfg->identity) || cfg->identity[0] == '\0')
        return NULL;
    char why[512];
    if (!kb_link_endpoint_safe (cfg->endpoint, why, sizeof why)) {
        kb_error ("%s", why);
        return NULL;
    }
    kb_link_sender_t *self = calloc (1, sizeof *self);
    kb_link_sender_config_t *copy = s_config_dup (cfg);
    if (!self || !copy)
        goto fail;
    self->actor = zactor_new (s_sender_actor, copy); /* the actor owns copy */
    copy = NULL;
    if (!self->actor)
        goto fail;
    return self;
fail:
    if (copy)
        s_config_free (copy);
    free (self);
    return NULL;
}

void
kb_link_sender_destroy (kb_link_sender_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zactor_destroy (&(*self_p)->actor);
    free (*self_p);
    *self_p = NULL;
}

void
kb_link_sender_wake (kb_link_sender_t *self)
{
    if (self && self->actor)
        zstr_send (self->actor, "WAKE");
}

int
kb_link_sender_stats (kb_link_sender_t *self, kb_link_sender_stats_t *stats)
{
    memset (stats, 0, sizeof *stats);
    if (!self || !self->actor || zstr_send (self->actor, "STATS") != 0)
        return -1;
    return zsock_recv (self->actor,
                       "88888",
                       &stats->sent,
                       &stats->retransmits,
                       &stats->acked,
                       &stats->dead,
                       &stats->db_errors);
}
