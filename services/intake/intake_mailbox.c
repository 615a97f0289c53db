/*  intake_mailbox - durable per-partner mailboxes. */
#include "intake_mailbox.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char org[65];
    zframe_t *routing_id;      /* NULL while the partner is not connected */
    char key[41];              /* the CURVE key that connection authenticated with */
    uint64_t next_seq;         /* next sequence number to push, 0 = sync first */
    uint64_t acked_seq;
    uint64_t base_seq;         /* the partner has everything up to here: acked, or below its Replay */
    uint64_t replay_from;      /* set by Replay, 0 = none */
    bool replay;
    bool due;                  /* may have rows to push: set by a queued row, an ack, a
                                  (re)connect; cleared by a read that found them all */
    int64_t progress_at;       /* last ack progress or first push after it */
} s_session_t;

struct _intake_mailbox_t {
    kb_db_t *db;
    zsock_t *router;
    kb_partner_cache_t *partners;
    int window;
    int resend_ms;
    zhashx_t *sessions;        /* org -> s_session_t */
    int64_t full_poll_at;      /* next push that reads every session's mailbox */
};

/* Every session's mailbox is read at least this often, due or not: rows
   queued by another intake instance, a resend that is due, anything the
   flags missed arrive within this time. */
#define S_FULL_POLL_MS 1000

const char *
intake_mailbox_recipient (const kb_envelope_t *env)
{
    switch (env->body_case) {
    case KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION:
        return env->match_notification->to_org;
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT:
        return env->regie_assignment->to_org;
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST:
        /* the copy of a hogere regie proposal goes to the current regisseur */
        if (env->regie_transfer_request->notify_org && *env->regie_transfer_request->notify_org)
            return env->regie_transfer_request->notify_org;
        return env->regie_transfer_request->to_org;
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE:
        /* the answer goes back to the organisation that asked */
        return env->regie_transfer_response->from_org;
    case KETENBUS__V1__ENVELOPE__BODY_REJECT:
        /* a refusal after the Ack, to the organisation that sent the message */
        return env->reject->to_org;
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED:
        return env->regie_transfer_ended->to_org;
    case KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT:
        return env->care_assignment->provider_org;
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST:
        return env->share_request->to_org;
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE:
        return env->share_response->to_org;
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_DECISION:
        return env->share_decision->to_org;
    case KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW:
        return env->consent_withdraw->to_org;
    case KETENBUS__V1__ENVELOPE__BODY_CONSENT_RECORDED:
        return env->consent_recorded->to_org;
    case KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE:
        /* client-tracking's stale-case reminder to the regisseur */
        return env->trajectory_update->to_org;
    default:
        return NULL;
    }
}

const char *
intake_mailbox_consent (const kb_envelope_t *env)
{
    const char *id = NULL;
    switch (env->body_case) {
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE:
        id = env->share_response->consent_id;
        break;
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST:
        id = env->share_request->consent_id;
        break;
    default:
        break;
    }
    return id && *id ? id : NULL;
}

/*  The rows of a link batch in one statement: each partner's head moves
    once by its number of rows (heads locked in org order, so two writers
    cannot deadlock), the rows of a partner take their sequence numbers in
    the order they were added, as intake_mailbox_enqueue one by one would
    give them; held back at once when their consent was withdrawn. */
static const char s_sql_insert_batch[] =
    "WITH v AS ("
    "  SELECT * FROM unnest ($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[])"
    "   WITH ORDINALITY AS v (org_id, message_id, body, envelope, consent_id, ord)),"
    " n AS (SELECT org_id, count(*) AS rows FROM v GROUP BY org_id),"
    " h AS ("
    "  INSERT INTO mailbox_head AS h (org_id, last_seq) SELECT org_id, rows FROM n ORDER BY org_id"
    "  ON CONFLICT (org_id) DO UPDATE SET last_seq = h.last_seq + excluded.last_seq"
    "  RETURNING org_id, last_seq)"
    " INSERT INTO mailbox (org_id, seq, message_id, body, envelope, consent_id, blocked_at,"
    "  blocked_reason)"
    " SELECT v.org_id,"
    "  h.last_seq - n.rows + row_number () OVER (PARTITION BY v.org_id ORDER BY v.ord),"
    "  v.message_id, v.body, v.envelope, v.consent_id,"
    "  CASE WHEN w.consent_id IS NOT NULL THEN now () END,"
    "  CASE WHEN w.consent_id IS NOT NULL THEN 'consent_withdrawn' END"
    " FROM v JOIN n USING (org_id) JOIN h USING (org_id)"
    "  LEFT JOIN withdrawn_consent w ON w.consent_id = v.consent_id"
    " ORDER BY v.ord";

enum { S_COL_ORG, S_COL_MESSAGE_ID, S_COL_BODY, S_COL_ENVELOPE, S_COL_CONSENT, S_COLS };

static const uint32_t s_col_oid[S_COLS] = { KB_DB_OID_TEXT, KB_DB_OID_TEXT, KB_DB_OID_TEXT,
                                            KB_DB_OID_BYTEA, KB_DB_OID_TEXT };

int
intake_mailbox_prepare (kb_db_t *db)
{
    int rc = 0;
    /* the next sequence number of the mailbox and the message in one round
       trip; held back at once when its consent was withdrawn before it came */
    rc |= kb_db_prepare (db, "mailbox_insert",
                         "WITH h AS (INSERT INTO mailbox_head AS h (org_id, last_seq) VALUES ($1, 1) "
                         " ON CONFLICT (org_id) DO UPDATE SET last_seq = h.last_seq + 1 "
                         " RETURNING last_seq), "
                         " w AS (SELECT EXISTS (SELECT 1 FROM withdrawn_consent "
                         " WHERE consent_id = $5) AS withdrawn) "
                         "INSERT INTO mailbox (org_id, seq, message_id, body, envelope, consent_id, "
                         " blocked_at, blocked_reason) SELECT $1, h.last_seq, $2, $3, $4, $5, "
                         " CASE WHEN w.withdrawn THEN now () END, "
                         " CASE WHEN w.withdrawn THEN 'consent_withdrawn' END FROM h, w "
                         "RETURNING seq",
                         5);
    rc |= kb_db_prepare (db, "mailbox_insert_batch", s_sql_insert_batch, S_COLS);
    rc |= kb_db_prepare (db, "mailbox_block_consent",
                         "WITH w AS (INSERT INTO withdrawn_consent (consent_id) VALUES ($1) "
                         " ON CONFLICT DO NOTHING) "
                         "UPDATE mailbox SET blocked_at = now (), blocked_reason = 'consent_withdrawn' "
                         "WHERE consent_id = $1 AND acked_at IS NULL AND blocked_at IS NULL",
                         1);
    rc |= kb_db_prepare (db, "mailbox_head",
                         "SELECT acked_seq, last_seq, (SELECT coalesce(min(seq), 1) FROM mailbox WHERE org_id = $1) "
                         "FROM mailbox_head WHERE org_id = $1",
                         1);
    rc |= kb_db_prepare (db, "mailbox_due",
                         "SELECT seq, envelope, (extract(epoch FROM enqueued_at) * 1000)::bigint "
                         "FROM mailbox WHERE org_id = $1 AND seq >= $2::bigint AND blocked_at IS NULL "
                         "ORDER BY seq LIMIT $3::int",
                         3);
    /* the head moves only up to what was queued; then its rows follow */
    rc |= kb_db_prepare (db, "mailbox_ack",
                         "WITH h AS (UPDATE mailbox_head SET acked_seq = greatest (acked_seq, $2::bigint) "
                         " WHERE org_id = $1 AND $2::bigint <= last_seq RETURNING acked_seq), "
                         " r AS (UPDATE mailbox SET acked_at = now() "
                         " WHERE org_id = $1 AND seq <= $2::bigint AND acked_at IS NULL "
                         " AND EXISTS (SELECT 1 FROM h)) "
                         "SELECT acked_seq FROM h",
                         2);
    rc |= kb_db_prepare (db, "mailbox_prune",
                         "DELETE FROM mailbox WHERE acked_at < now() - make_interval(secs => $1::int)",
                         1);
    return rc ? -1 : 0;
}

struct _intake_mailbox_batch_t {
    kb_db_barray_t col[S_COLS];
};

intake_mailbox_batch_t *
intake_mailbox_batch_new (void)
{
    intake_mailbox_batch_t *self = calloc (1, sizeof *self);
    if (self)
        intake_mailbox_batch_reset (self);
    return self;
}

void
intake_mailbox_batch_destroy (intake_mailbox_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    kb_db_columns_free ((*self_p)->col, S_COLS);
    free (*self_p);
    *self_p = NULL;
}

void
intake_mailbox_batch_reset (intake_mailbox_batch_t *self)
{
    kb_db_columns_reset (self->col, s_col_oid, S_COLS);
}

kb_db_rc_t
intake_mailbox_batch_add (intake_mailbox_batch_t *self, const char *org, const char *message_id,
                          const char *body_name, const uint8_t *bytes, size_t len,
                          const char *consent_id)
{
    if (!org || !message_id || !body_name || (!bytes && len > 0) || len > INT32_MAX)
        return KB_DB_FATAL;
    kb_db_barray_add_str (&self->col[S_COL_ORG], org);
    kb_db_barray_add_str (&self->col[S_COL_MESSAGE_ID], message_id);
    kb_db_barray_add_str (&self->col[S_COL_BODY], body_name);
    kb_db_barray_add (&self->col[S_COL_ENVELOPE], bytes ? bytes : (const uint8_t *) "", len);
    kb_db_barray_add_str (&self->col[S_COL_CONSENT], consent_id); /* NULL: none */
    if (kb_db_columns_oom (self->col, S_COLS)) {
        kb_error ("could not queue mailbox message: out of memory");
        return KB_DB_FATAL;
    }
    return KB_DB_OK;
}

size_t
intake_mailbox_batch_size (const intake_mailbox_batch_t *self)
{
    return self->col[S_COL_ORG].count;
}

kb_db_rc_t
intake_mailbox_batch_send (intake_mailbox_batch_t *self, kb_db_t *db)
{
    if (intake_mailbox_batch_size (self) == 0)
        return KB_DB_OK;
    return kb_db_columns_send (db, "mailbox_insert_batch", self->col, S_COLS);
}

kb_db_rc_t
intake_mailbox_enqueue (kb_db_t *db, const char *org, const char *message_id,
                        const char *body_name, const uint8_t *bytes, size_t len,
                        const char *consent_id, int64_t *seq_out)
{
    kb_db_rc_t rc;
    const char *p[5] = { org, message_id, body_name, (const char *) bytes, consent_id };
    int lengths[5] = { 0, 0, 0, (int) len, 0 };
    int formats[5] = { 0, 0, 0, 1, 0 };
    PGresult *res = kb_db_run (db, "mailbox_insert", 5, p, lengths, formats, &rc);
    if (!res)
        return rc;
    if (seq_out)
        *seq_out = atoll (PQgetvalue (res, 0, 0));
    PQclear (res);
    return KB_DB_OK;
}

static void
s_session_free (void **item)
{
    s_session_t *s = *item;
    zframe_destroy (&s->routing_id);
    free (s);
    *item = NULL;
}

intake_mailbox_t *
intake_mailbox_new (kb_db_t *db, zsock_t *router, kb_partner_cache_t *partners, int window,
                    int resend_ms)
{
    intake_mailbox_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->db = db;
    self->router = router;
    self->partners = partners;
    self->window = window > 0 ? window : 64;
    self->resend_ms = resend_ms > 0 ? resend_ms : 30000;
    self->sessions = zhashx_new ();
    zhashx_set_destructor (self->sessions, s_session_free);
    return self;
}

void
intake_mailbox_destroy (intake_mailbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->sessions);
    free (*self_p);
    *self_p = NULL;
}

static s_session_t *
s_session (intake_mailbox_t *self, const char *org)
{
    s_session_t *s = zhashx_lookup (self->sessions, org);
    if (!s) {
        s = calloc (1, sizeof *s);
        if (!s)
            return NULL;
        snprintf (s->org, sizeof s->org, "%s", org);
        zhashx_insert (self->sessions, org, s);
    }
    return s;
}

void
intake_mailbox_seen (intake_mailbox_t *self, const char *org, const char *key,
                     zframe_t *routing_id)
{
    s_session_t *s = s_session (self, org);
    if (!s)
        return;
    snprintf (s->key, sizeof s->key, "%s", key ? key : "");
    if (s->routing_id && zframe_eq (s->routing_id, routing_id))
        return;
    /* a new connection: what was in flight on the old one may be lost, so
       continue after the last acknowledged message */
    zframe_destroy (&s->routing_id);
    s->routing_id = zframe_dup (routing_id);
    s->next_seq = 0;
    s->due = true;
}

void
intake_mailbox_replay (intake_mailbox_t *self, const char *org, uint64_t from_seq)
{
    s_session_t *s = s_session (self, org);
    if (!s)
        return;
    s->replay = true;
    s->replay_from = from_seq;
    s->next_seq = 0;
    s->due = true;
}

void
intake_mailbox_queued (intake_mailbox_t *self, const char *org)
{
    s_session_t *s = zhashx_lookup (self->sessions, org);
    if (s)
        s->due = true;
}

kb_db_rc_t
intake_mailbox_ack (intake_mailbox_t *self, const char *const *orgs, const uint64_t *seqs, int n)
{
    char (*seqtxt)[24] = calloc ((size_t) n, sizeof *seqtxt);
    bool *valid = calloc ((size_t) n, sizeof *valid);
    kb_db_rc_t rc = seqtxt && valid ? kb_db_pipeline_begin (self->db) : KB_DB_FATAL;
    if (rc != KB_DB_OK) {
        free (seqtxt);
        free (valid);
        return rc;
    }
    rc = kb_db_pipeline_send_cmd (self->db, "BEGIN");
    for (int i = 0; i < n && rc == KB_DB_OK; i++) {
        snprintf (seqtxt[i], sizeof seqtxt[i], "%llu", (unsigned long long) seqs[i]);
        const char *p[2] = { orgs[i], seqtxt[i] };
        rc = kb_db_pipeline_send (self->db, "mailbox_ack", 2, p, NULL, NULL);
    }
    if (rc == KB_DB_OK)
        rc = kb_db_pipeline_send_commit (self->db);
    if (rc == KB_DB_OK)
        rc = kb_db_pipeline_sync (self->db);
    /* read in queue order: BEGIN, each acknowledgement, COMMIT */
    if (rc == KB_DB_OK) {
        PQclear (kb_db_pipeline_next (self->db, &rc));
        for (int i = 0; i < n && rc == KB_DB_OK; i++) {
            PGresult *res = kb_db_pipeline_next (self->db, &rc);
            valid[i] = res && PQntuples (res) == 1;
            PQclear (res);
        }
    }
    kb_db_rc_t end = kb_db_pipeline_end (self->db);
    if (rc == KB_DB_OK)
        rc = end;
    for (int i = 0; i < n && rc == KB_DB_OK; i++) {
        s_session_t *s = s_session (self, orgs[i]);
        if (valid[i] && s && seqs[i] > s->acked_seq) {
            s->acked_seq = seqs[i];
            s->progress_at = zclock_mono ();
            s->due = true; /* room in the window */
        }
    }
    free (valid);
    free (seqtxt);
    return rc;
}

/* Reads where the mailbox stands; false when it is empty or unreadable. */
static bool
s_sync (intake_mailbox_t *self, s_session_t *s)
{
    const char *p[1] = { s->org };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (self->db, "mailbox_head", 1, p, NULL, NULL, &rc);
    if (!res)
        return false;
    bool found = PQntuples (res) == 1;
    if (found) {
        s->acked_seq = (uint64_t) atoll (PQgetvalue (res, 0, 0));
        uint64_t oldest = (uint64_t) atoll (PQgetvalue (res, 0, 2));
        if (s->replay)
            s->next_seq = s->replay_from ? s->replay_from : oldest;
        else
            s->next_seq = s->acked_seq + 1;
        if (s->next_seq < oldest)
            s->next_seq = oldest; /* pruned: start with what is retained */
        /* a Replay from n says everything before n arrived: the window
           counts from there, not from an acknowledgement that was lost */
        s->base_seq = s->next_seq - 1 > s->acked_seq ? s->next_seq - 1 : s->acked_seq;
        s->replay = false;
        s->progress_at = zclock_mono ();
    }
    PQclear (res);
    return found;
}

static int
s_push_session (intake_mailbox_t *self, s_session_t *s, bool full)
{
    if (!s->routing_id)
        return 0;
    const kb_partner_t *owner = self->partners ? kb_partner_by_key (self->partners, s->key)
                                               : NULL;
    if (self->partners && (!owner || strcmp (owner->org_id, s->org) != 0)) {
        /* revoked, given a new key since that connection was made, or the
           registry unreadable: the open connection gets nothing more; a
           Replay would be refused at the door */
        kb_warning ("mailbox closed for revoked partner org=\"%s\"", s->org);
        zframe_destroy (&s->routing_id);
        return 0;
    }
    /* a read per call and connected partner would cost a round trip for
       each after every batch, mostly to find nothing */
    if (!s->due && !full && s->next_seq != 0)
        return 0;
    if (s->next_seq == 0 && !s_sync (self, s))
        return 0;
    /* nothing acknowledged for a long time: send the unacknowledged again */
    if (s->acked_seq > s->base_seq)
        s->base_seq = s->acked_seq;
    if (s->next_seq > s->base_seq + 1 && zclock_mono () - s->progress_at > self->resend_ms) {
        kb_warning ("mailbox resend org=\"%s\" from_seq=%llu", s->org,
                    (unsigned long long) s->base_seq + 1);
        s->next_seq = s->base_seq + 1;
        s->progress_at = zclock_mono ();
    }
    long room = (long) self->window - (long) (s->next_seq - 1 - s->base_seq);
    if (room <= 0)
        return 0;
    char from[24], limit[24];
    snprintf (from, sizeof from, "%llu", (unsigned long long) s->next_seq);
    snprintf (limit, sizeof limit, "%ld", room);
    const char *p[3] = { s->org, from, limit };
    int formats[3] = { 0, 0, 0 };
    PGresult *res = PQexecPrepared (kb_db_conn (self->db), "mailbox_due", 3, p, NULL, formats, 1);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        kb_db_classify (self->db, res);
        PQclear (res);
        return 0;
    }
    int sent = 0;
    /* fewer rows than there was room for: everything queued so far is out */
    s->due = PQntuples (res) >= room;
    for (int i = 0; i < PQntuples (res); i++) {
        /* binary results: bigint is 8 bytes big-endian */
        const uint8_t *b = (const uint8_t *) PQgetvalue (res, i, 0);
        uint64_t seq = 0;
        for (int k = 0; k < 8; k++)
            seq = (seq << 8) | b[k];
        const uint8_t *e = (const uint8_t *) PQgetvalue (res, i, 2);
        int64_t enq = 0;
        for (int k = 0; k < 8; k++)
            enq = (int64_t) (((uint64_t) enq << 8) | e[k]);
        Ketenbus__V1__Deliver deliver = KETENBUS__V1__DELIVER__INIT;
        deliver.mailbox_seq = seq;
        deliver.envelope.data = (uint8_t *) PQgetvalue (res, i, 1);
        deliver.envelope.len = (size_t) PQgetlength (res, i, 1);
        deliver.enqueued_at_ms = enq;
        kb_envelope_t out = KETENBUS__V1__ENVELOPE__INIT;
        char id[KB_UUID_LEN + 1];
        kb_uuid_v4 (id);
        out.message_id = id;
        out.sent_at_ms = zclock_time ();
        out.schema_version = KB_SCHEMA_VERSION;
        out.body_case = KETENBUS__V1__ENVELOPE__BODY_DELIVER;
        out.deliver = &deliver;
        size_t len = 0;
        uint8_t *bytes = kb_codec_encode (&out, &len);
        if (!bytes)
            break;
        zmsg_t *msg = zmsg_new ();
        zmsg_addmem (msg, zframe_data (s->routing_id), zframe_size (s->routing_id));
        zmsg_addmem (msg, bytes, len);
        free (bytes);
        if (zmsg_send (&msg, self->router) != 0) {
            /* the partner went away: it will Replay when it is back */
            zmsg_destroy (&msg);
            zframe_destroy (&s->routing_id);
            break;
        }
        s->next_seq = seq + 1;
        sent++;
    }
    PQclear (res);
    return sent;
}

int
intake_mailbox_push (intake_mailbox_t *self)
{
    int sent = 0;
    int64_t now = zclock_mono ();
    bool full = now >= self->full_poll_at;
    if (full)
        self->full_poll_at = now + S_FULL_POLL_MS;
    for (s_session_t *s = zhashx_first (self->sessions); s; s = zhashx_next (self->sessions))
        sent += s_push_session (self, s, full);
    return sent;
}

long
intake_mailbox_prune (intake_mailbox_t *self, int keep_s)
{
    char keep[16];
    snprintf (keep, sizeof keep, "%d", keep_s);
    const char *p[1] = { keep };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (self->db, "mailbox_prune", 1, p, NULL, NULL, &rc);
    long n = res ? atol (PQcmdTuples (res)) : -1;
    PQclear (res);
    return n;
}

kb_db_rc_t
intake_mailbox_block_consent (kb_db_t *db, const char *consent_id)
{
    const char *p[1] = { consent_id };
    return kb_db_pipeline_active (db)
               ? kb_db_pipeline_send (db, "mailbox_block_consent", 1, p, NULL, NULL)
               : kb_db_run_cmd (db, "mailbox_block_consent", 1, p, NULL, NULL);
}

/* every active partner, and every mailbox (also of a revoked partner) */
static const char *s_sql_depths =
    "SELECT o.org_id, coalesce(h.last_seq, 0), coalesce(h.acked_seq, 0), "
    " count(m.seq) FILTER (WHERE m.blocked_at IS NULL), "
    " coalesce((extract(epoch FROM now() - min(m.enqueued_at) FILTER (WHERE m.blocked_at IS NULL))"
    "  * 1000)::bigint, -1), "
    " count(m.seq) FILTER (WHERE m.blocked_at IS NOT NULL) "
    "FROM (SELECT org_id FROM partner WHERE revoked_at IS NULL "
    "      UNION SELECT org_id FROM mailbox_head) o "
    "LEFT JOIN mailbox_head h ON h.org_id = o.org_id "
    "LEFT JOIN mailbox m ON m.org_id = o.org_id AND m.acked_at IS NULL "
    " AND m.seq > coalesce(h.acked_seq, 0) "
    "GROUP BY o.org_id, h.last_seq, h.acked_seq ORDER BY o.org_id";

intake_mailbox_depth_t *
intake_mailbox_depths (kb_db_t *db, size_t *n)
{
    *n = 0;
    if (kb_db_prepare (db, "intake_mailbox_depths", s_sql_depths, 0))
        return NULL;
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "intake_mailbox_depths", 0, NULL, NULL, NULL, &rc);
    if (!res)
        return NULL;
    size_t rows = (size_t) PQntuples (res);
    intake_mailbox_depth_t *boxes = calloc (rows ? rows : 1, sizeof *boxes);
    for (size_t i = 0; boxes && i < rows; i++) {
        snprintf (boxes[i].org_id, sizeof boxes[i].org_id, "%s", PQgetvalue (res, (int) i, 0));
        boxes[i].queued = atoll (PQgetvalue (res, (int) i, 1));
        boxes[i].acked = atoll (PQgetvalue (res, (int) i, 2));
        boxes[i].pending = atol (PQgetvalue (res, (int) i, 3));
        boxes[i].oldest_pending_ms = atoll (PQgetvalue (res, (int) i, 4));
        boxes[i].held = atol (PQgetvalue (res, (int) i, 5));
    }
    PQclear (res);
    if (boxes)
        *n = rows;
    return boxes;
}
