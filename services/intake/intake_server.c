/*  intake_server - the partner-facing loop.

    One batch: drain up to intake/batch messages from the ROUTER, decide
    for each (decode, partner, validate, pseudonymise), write every effect
    of the batch in ONE transaction (signal rows, partner_message rows,
    outbox rows for zorgtoewijzing, audit rows, quarantine rows), COMMIT,
    then answer each message. No answer leaves before its effect is durable; a crash before
    COMMIT loses nothing because the partner retries with the same id.

    The transaction costs two round trips to PostgreSQL whatever the batch
    size (libpq pipeline mode, multi-row statements): one to insert the
    signals and learn which were new, one for everything that follows from
    that, with the COMMIT.

    Besides CaseSignal (stored, then forwarded as StoredSignal), partners
    send bodies that zorgtoewijzing applies (RegieTransferRequest and
    -Response, PlanRegistered, CareAssignment, consent and shares) and
    bodies that client-tracking applies (TrajectoryUpdate, ShelterEpisode,
    SelfSufficiencyAssessment, SatisfactionMeasurement, on "tracking:" streams with a link sender of
    their own). intake validates them, fills the fields
    that name the sender from the authenticated key, pseudonymises a BSN,
    and forwards the completed body once: (sender, message id) is recorded
    in partner_message in the same transaction as the outbox row. */
#include "intake_server.h"
#include "intake_config.h"
#include "intake_mailbox.h"
#include "intake_reject.h"
#include "intake_store.h"
#include "intake_validate.h"

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_metrics.h"
#include "ketenbus/kb_outbox.h"
#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_pseudo.h"
#include "ketenbus/kb_security.h"
#include "ketenbus/kb_uuid.h"
#include "ketenbus/kb_validate.h"

#include <czmq.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#define S_MAX_GEMEENTEN 64

/* Columns of the partner_message INSERT, in parameter order. */
enum { P_REF, P_SENDER_ORG, P_MESSAGE_ID, P_BODY, P_PAYLOAD_HASH, P_COUNT };

/* The partner_message rows of a batch: one multi-row INSERT. */
typedef struct {
    kb_db_array_t col[P_COUNT];
    size_t count;
    PGresult *outcomes;        /* one row per message: outcome, found ref */
} s_forward_batch_t;

/* CONTROL: mailbox control (Replay, DeliveryAck), no effect in the batch */
typedef enum { S_ITEM_ACCEPT, S_ITEM_REJECT, S_ITEM_CONTROL } s_item_kind_t;

/* One received message and what will be answered. */
typedef struct {
    zframe_t *routing_id;
    bool delimiter;            /* the client sent an empty frame (REQ style) */
    zframe_t *payload;         /* raw bytes, kept for quarantine */
    char org[KB_ORG_ID_MAX + 1];
    int org_type;
    kb_envelope_t *env;
    s_item_kind_t kind;
    intake_reject_t reject;
    bool quarantine;           /* raw bytes go to quarantine */
    bool unanswered;           /* registry stale: no answer, the partner's retry decides */
    Ketenbus__V1__StoredSignal stored;
    Ketenbus__V1__PseudoPerson members[INTAKE_MAX_HOUSEHOLD];
    Ketenbus__V1__PseudoPerson *member_ptrs[INTAKE_MAX_HOUSEHOLD];
    char ref[64];
    char subject_pseudonym[KB_PSEUDONYM_LEN + 1];
    char member_pseudonyms[INTAKE_MAX_HOUSEHOLD][KB_PSEUDONYM_LEN + 1];
    char postcode4[5];
    uint8_t body_hash[32];
    bool forward;              /* a body forwarded to zorgtoewijzing or client-tracking, not a signal */
    uint8_t *fwd_bytes;        /* forward: the completed envelope for the outbox */
    size_t fwd_len;
    char fwd_id[KB_UUID_LEN + 1];
    char stream[KB_LINK_ID_MAX + 1];
    const char *event;         /* forward: audit event code */
    char block_consent[64];    /* a ConsentWithdraw: hold back what waits on it */
    bool duplicate;
    char dup_ref[64];          /* duplicate: the ref of the first message */
    size_t slot;               /* index in the store batch */
} s_item_t;

struct _intake_server_t {
    const kb_config_t *config;
    kb_db_t *db;
    kb_pseudo_t *pseudo;
    uint8_t quarantine_key[32];
    uint8_t retry_key[32];     /* keys the retry hash of bodies that hold a BSN */
    zactor_t *zap;
    zcert_t *cert;
    zsock_t *router;
    kb_partner_cache_t *partners;
    kb_link_sender_t *sender;           /* to zorgtoewijzing: every other stream */
    kb_link_sender_t *tracking_sender;  /* to client-tracking: the "tracking:" streams */
    kb_link_receiver_t *receiver;  /* messages for partner mailboxes */
    intake_mailbox_batch_t *mailbox_rows; /* of the link batch being applied */
    bool mailbox_careful;          /* a batch applied again message by message */
    intake_mailbox_t *mailbox;
    int mailbox_keep_s;
    int64_t pruned_at;
    int64_t stale_logged_at;   /* the last "registry stale" warning (one per 10 s) */
    zactor_t *monitor;         /* the ROUTER's dropped connections */
    long dropped;              /* dropped connections not logged yet */
    int64_t dropped_logged_at;
    char *gemeenten_buf;
    const char *gemeenten[S_MAX_GEMEENTEN];
    int ngemeenten;
    int batch_max;
    size_t max_bytes;
    s_item_t *items;           /* the batch being committed */
    s_item_t *spare;           /* the next batch, decided meanwhile */
    bool sent_begin, sent_audit;   /* what s_write_send queued */
    intake_store_batch_t *store;
    s_forward_batch_t forwards;
    kb_outbox_batch_t *outbox;
    kb_audit_batch_t *audit;
    uint64_t accepted, duplicates, rejected;
    kb_metrics_t *metrics; /* /metrics, or NULL when metrics/listen is empty */
};

static int
s_parse_gemeenten (intake_server_t *self, const char *list)
{
    self->gemeenten_buf = strdup (list);
    if (!self->gemeenten_buf)
        return -1;
    char *save = NULL;
    for (char *tok = strtok_r (self->gemeenten_buf, ", ", &save); tok;
         tok = strtok_r (NULL, ", ", &save)) {
        if (!kb_validate_gemeente_code_format (tok) || self->ngemeenten == S_MAX_GEMEENTEN) {
            kb_error ("invalid value for key \"region/gemeenten\": \"%s\" is not a 4-digit CBS code", tok);
            return -1;
        }
        self->gemeenten[self->ngemeenten++] = tok;
    }
    if (self->ngemeenten == 0) {
        kb_error ("invalid value for key \"region/gemeenten\": no gemeente codes");
        return -1;
    }
    return 0;
}

/* A link message from another daemon for a partner: queued in that
   partner's mailbox in the receiver's transaction - with the batch's
   other rows in one statement before its COMMIT (s_mailbox_on_batch), or,
   when the batch is applied again message by message after a failure, at
   once, so that a row that cannot be written fails its own message. */
static int
s_mailbox_apply (kb_db_t *db, const char *sender, const char *stream, const char *message_id,
                 const void *payload, size_t len, void *arg, char *reason, size_t reason_len)
{
    (void) sender;
    (void) stream;
    intake_server_t *self = arg;
    kb_envelope_t *env = NULL;
    kb_codec_rc_t crc = kb_codec_decode (payload, len, 16 * 1024 * 1024, &env);
    if (crc != KB_CODEC_OK) {
        snprintf (reason, reason_len, "%s", kb_codec_rc_text (crc));
        return KB_LINK_POISON;
    }
    const char *to = intake_mailbox_recipient (env);
    int rc = 0;
    if (!to || !*to) {
        snprintf (reason, reason_len, "body \"%s\" is not addressed to a partner",
                  kb_codec_body_name (env));
        rc = KB_LINK_POISON;
    }
    else {
        const char *body = kb_codec_body_name (env);
        const char *consent = intake_mailbox_consent (env);
        kb_db_rc_t qrc = self->mailbox_careful
                           ? intake_mailbox_enqueue (db, to, message_id, body, payload, len,
                                                     consent, NULL)
                           : intake_mailbox_batch_add (self->mailbox_rows, to, message_id, body,
                                                       payload, len, consent);
        if (qrc != KB_DB_OK) {
            snprintf (reason, reason_len, "could not queue mailbox message sqlstate=%s",
                      kb_db_last_sqlstate (db));
            /* a permanent failure must reach the dead letters, not block the link */
            rc = qrc == KB_DB_RETRY ? KB_LINK_RETRY : KB_LINK_POISON;
        }
        else
            intake_mailbox_queued (self->mailbox, to);
    }
    kb_codec_free (&env);
    return rc;
}

static int
s_mailbox_on_batch (kb_db_t *db, kb_link_batch_event_t event, void *arg)
{
    intake_server_t *self = arg;
    switch (event) {
        case KB_LINK_BATCH_BEGIN:
        case KB_LINK_BATCH_ABORT:
            intake_mailbox_batch_reset (self->mailbox_rows);
            self->mailbox_careful = false;
            break;
        case KB_LINK_MESSAGE_BEGIN:
            /* only a batch applied again with a savepoint per message */
            self->mailbox_careful = true;
            break;
        case KB_LINK_BATCH_COMMIT:
            return intake_mailbox_batch_send (self->mailbox_rows, db) == KB_DB_OK ? 0
                                                                                 : KB_LINK_RETRY;
        case KB_LINK_BATCH_STARTED:
        case KB_LINK_MESSAGE_UNDO:
            break;
    }
    return 0;
}

/*  partner_message: the inbox of forwarded bodies, like signal for
    CaseSignal. Same outcomes as intake_store's signal INSERT (0 inserted,
    1 duplicate, 2 id reused, 3 unseen); a message id the sender used for a
    signal already is a reuse too. */
static const char s_sql_partner_message_insert[] =
    "WITH v AS ("
    "  SELECT * FROM unnest ($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[])"
    "   WITH ORDINALITY AS v (ref, sender_org, message_id, body, payload_hash, ord)),"
    " ins AS ("
    "  INSERT INTO partner_message (ref, sender_org, message_id, body, payload_hash)"
    "  SELECT ref, sender_org, message_id, body, payload_hash FROM v"
    "   WHERE NOT EXISTS (SELECT 1 FROM signal s"
    "    WHERE s.sender_org = v.sender_org AND s.message_id = v.message_id)"
    "   ORDER BY ord"
    "  ON CONFLICT (sender_org, message_id) DO NOTHING RETURNING ref),"
    " seen AS ("
    "  SELECT v.ord, ins.ref IS NOT NULL AS inserted,"
    "   CASE WHEN ins.ref IS NULL THEN EXISTS (SELECT 1 FROM signal s"
    "    WHERE s.sender_org = v.sender_org AND s.message_id = v.message_id) END AS signal_id,"
    "   CASE WHEN ins.ref IS NULL THEN (SELECT m.ref FROM partner_message m"
    "    WHERE m.sender_org = v.sender_org AND m.message_id = v.message_id) END AS found_ref,"
    "   CASE WHEN ins.ref IS NULL THEN (SELECT m.payload_hash = v.payload_hash FROM partner_message m"
    "    WHERE m.sender_org = v.sender_org AND m.message_id = v.message_id) END AS same"
    "  FROM v LEFT JOIN ins ON ins.ref = v.ref)"
    " SELECT CASE WHEN inserted THEN 0 WHEN signal_id THEN 2 WHEN found_ref IS NULL THEN 3"
    "  WHEN same THEN 1 ELSE 2 END, coalesce (found_ref, '') FROM seen ORDER BY ord";

static int
s_forward_prepare (kb_db_t *db)
{
    int rc = 0;
    rc |= kb_db_prepare (db, "partner_message_insert_batch", s_sql_partner_message_insert, 5);
    rc |= kb_db_prepare (db, "partner_message_lookup",
                         "SELECT ref, payload_hash FROM partner_message"
                         " WHERE sender_org = $1 AND message_id = $2",
                         2);
    return rc ? -1 : 0;
}

static void
s_forward_reset (s_forward_batch_t *self)
{
    for (int c = 0; c < P_COUNT; c++)
        kb_db_array_reset (&self->col[c]);
    self->count = 0;
    PQclear (self->outcomes);
    self->outcomes = NULL;
}

static void
s_forward_free (s_forward_batch_t *self)
{
    for (int c = 0; c < P_COUNT; c++)
        kb_db_array_free (&self->col[c]);
    PQclear (self->outcomes);
    self->outcomes = NULL;
}

static size_t
s_forward_add (s_forward_batch_t *self, const char *ref, const char *org, const char *message_id,
               const char *body, const uint8_t hash[32])
{
    kb_db_array_add_str (&self->col[P_REF], ref);
    kb_db_array_add_str (&self->col[P_SENDER_ORG], org);
    kb_db_array_add_str (&self->col[P_MESSAGE_ID], message_id);
    kb_db_array_add_str (&self->col[P_BODY], body);
    kb_db_array_add_bytea (&self->col[P_PAYLOAD_HASH], hash, 32);
    return self->count++;
}

static kb_db_rc_t
s_forward_send (s_forward_batch_t *self, kb_db_t *db)
{
    if (self->count == 0)
        return KB_DB_OK;
    const char *values[P_COUNT];
    for (int c = 0; c < P_COUNT; c++) {
        values[c] = kb_db_array_text (&self->col[c]);
        if (!values[c]) {
            kb_error ("could not queue statement \"partner_message_insert_batch\": out of memory");
            return KB_DB_FATAL;
        }
    }
    return kb_db_pipeline_send (db, "partner_message_insert_batch", P_COUNT, values, NULL, NULL);
}

static kb_db_rc_t
s_forward_read (s_forward_batch_t *self, kb_db_t *db)
{
    if (self->count == 0)
        return KB_DB_OK;
    kb_db_rc_t rc;
    PQclear (self->outcomes);
    self->outcomes = kb_db_pipeline_next (db, &rc);
    if (self->outcomes && (size_t) PQntuples (self->outcomes) != self->count) {
        kb_error ("could not store partner messages: %d outcomes for %zu messages",
                  PQntuples (self->outcomes), self->count);
        PQclear (self->outcomes);
        self->outcomes = NULL;
        return KB_DB_FATAL;
    }
    return rc;
}

static intake_store_rc_t
s_forward_outcome (s_forward_batch_t *self, size_t index, char ref_out[64])
{
    if (!self->outcomes || index >= self->count)
        return INTAKE_STORE_ERROR;
    int row = (int) index;
    int outcome = atoi (PQgetvalue (self->outcomes, row, 0));
    if (outcome == INTAKE_STORE_DUPLICATE || outcome == INTAKE_STORE_ID_REUSED)
        snprintf (ref_out, 64, "%s", PQgetvalue (self->outcomes, row, 1));
    return (intake_store_rc_t) outcome;
}

/* An UNSEEN partner message, between the round trips (in the transaction). */
static intake_store_rc_t
s_forward_lookup (kb_db_t *db, const char *org, const char *message_id, const uint8_t hash[32],
                  char ref_out[64], kb_db_rc_t *db_rc)
{
    const char *lv[2] = { org, message_id };
    PGresult *res = PQexecPrepared (kb_db_conn (db), "partner_message_lookup", 2, lv, NULL, NULL, 1);
    if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1) {
        *db_rc = kb_db_classify (db, res);
        PQclear (res);
        return INTAKE_STORE_ERROR;
    }
    snprintf (ref_out, 64, "%.*s", PQgetlength (res, 0, 0), PQgetvalue (res, 0, 0));
    bool same = PQgetlength (res, 0, 1) == 32 && memcmp (PQgetvalue (res, 0, 1), hash, 32) == 0;
    PQclear (res);
    *db_rc = KB_DB_OK;
    return same ? INTAKE_STORE_DUPLICATE : INTAKE_STORE_ID_REUSED;
}

/* Validation's view of the registry: type of an active partner, else 0. */
static int
s_org_type_of (void *arg, const char *org)
{
    intake_server_t *self = arg;
    const kb_partner_t *p = kb_partner_by_org (self->partners, org);
    return p ? p->org_type : 0;
}

/* intake's own families for /metrics: what it refused, and the partner
   mailboxes (on the metrics connection). */
static int
s_metrics_collect (kb_db_t *db, kb_http_buf_t *out, void *arg)
{
    (void) arg;
    size_t n = 0;
    intake_store_reject_count_t *rejects = intake_store_rejects_by_code (db, &n);
    if (!rejects)
        return -1;
    kb_metrics_family (out, "ketenbus_intake_rejects_quarantined", "gauge",
                       "Partner input intake refused and keeps in quarantine, by reject code.");
    for (size_t i = 0; i < n; i++)
        kb_metrics_sample (out, "ketenbus_intake_rejects_quarantined", (double) rejects[i].count,
                           "code", rejects[i].code, NULL);
    free (rejects);
    intake_mailbox_depth_t *boxes = intake_mailbox_depths (db, &n);
    if (!boxes)
        return -1;
    kb_metrics_family (out, "ketenbus_intake_mailbox_pending", "gauge",
                       "Messages in a partner's mailbox not yet acknowledged by the partner.");
    for (size_t i = 0; i < n; i++)
        kb_metrics_sample (out, "ketenbus_intake_mailbox_pending", (double) boxes[i].pending,
                           "partner", boxes[i].org_id, NULL);
    kb_metrics_family (out, "ketenbus_intake_mailbox_oldest_pending_seconds", "gauge",
                       "Age of the oldest undelivered message in a partner's mailbox (0 when none).");
    for (size_t i = 0; i < n; i++)
        kb_metrics_sample (out, "ketenbus_intake_mailbox_oldest_pending_seconds",
                           boxes[i].oldest_pending_ms > 0 ? boxes[i].oldest_pending_ms / 1000.0 : 0,
                           "partner", boxes[i].org_id, NULL);
    kb_metrics_family (out, "ketenbus_intake_mailbox_held", "gauge",
                       "Messages held back in a partner's mailbox (consent withdrawn).");
    for (size_t i = 0; i < n; i++)
        kb_metrics_sample (out, "ketenbus_intake_mailbox_held", (double) boxes[i].held,
                           "partner", boxes[i].org_id, NULL);
    free (boxes);
    return 0;
}

static int
s_metrics_start (intake_server_t *self, const kb_config_t *config)
{
    const kb_metrics_sender_t senders[] = {
        { "zorgtoewijzing", INTAKE_TRACKING_STREAM_PREFIX, true },
        { "client-tracking", INTAKE_TRACKING_STREAM_PREFIX, false },
    };
    kb_metrics_config_t mcfg = {
        .daemon = "intake", .senders = senders, .n_senders = 2, .receiver = true,
        .collect = s_metrics_collect,
    };
    return kb_metrics_start (config, &mcfg, &self->metrics);
}

intake_server_t *
intake_server_new (const kb_config_t *config)
{
    char err[512];
    intake_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->batch_max = (int) kb_config_int (config, "intake/batch");
    self->max_bytes = (size_t) kb_config_int (config, "intake/max_message_bytes");
    self->items = calloc ((size_t) self->batch_max, sizeof (s_item_t));
    self->spare = calloc ((size_t) self->batch_max, sizeof (s_item_t));
    if (!self->items || !self->spare || s_parse_gemeenten (self, kb_config_str (config, "region/gemeenten")))
        goto fail;

    /* refuse to start without a safe pseudonym key: no BSN may pass unkeyed */
    self->pseudo = kb_pseudo_load (kb_config_str (config, "pseudonym/key_file"), err, sizeof err);
    if (!self->pseudo) {
        kb_error ("%s", err);
        goto fail;
    }
    kb_pseudo_quarantine_key (self->pseudo, self->quarantine_key);
    crypto_generichash (self->retry_key, sizeof self->retry_key,
                        (const uint8_t *) "ketenbus.retry-hash.v1", 22, self->quarantine_key,
                        sizeof self->quarantine_key);
    self->cert = kb_security_cert_load (kb_config_str (config, "intake/server_cert"), true, err,
                                        sizeof err);
    if (!self->cert) {
        kb_error ("%s", err);
        goto fail;
    }
    const char *conninfo = kb_config_str (config, "db/conninfo");
    const char *schema = kb_config_str (config, "db/schema");
    const char *migrations = kb_config_str (config, "db/migrations");
    self->db = kb_db_connect (conninfo, schema, (int) kb_config_int (config, "db/connect_timeout_ms"));
    if (!self->db) {
        kb_error ("could not connect to database");
        goto fail;
    }
    if (kb_db_migrate (self->db, migrations, "intake") || kb_db_migrate (self->db, migrations, "link")
        || kb_db_migrate (self->db, migrations, "audit"))
        goto fail;
    if (intake_store_prepare (self->db) || s_forward_prepare (self->db)
        || kb_outbox_prepare (self->db) || kb_audit_prepare (self->db))
        goto fail;
    self->store = intake_store_batch_new ();
    self->audit = kb_audit_batch_new ();
    self->outbox = kb_outbox_batch_new ();
    if (!self->store || !self->audit || !self->outbox)
        goto fail;
    int refresh_ms = (int) kb_config_int (config, "security/refresh_ms");
    int max_age_ms = (int) kb_config_int (config, "security/max_age_ms");
    self->partners = kb_partner_cache_new (self->db, refresh_ms, max_age_ms);
    if (!self->partners || kb_partner_cache_refresh (self->partners, true))
        goto fail;
    /* the ZAP handler must be up before the socket binds: fail closed */
    self->zap = kb_zap_new (conninfo, schema, refresh_ms, max_age_ms);
    if (!self->zap) {
        kb_error ("could not start zap handler, refusing to serve partners");
        goto fail;
    }
    kb_socket_opts_t opts = { .max_message_bytes = self->max_bytes, .sndhwm = 100000,
                              .rcvhwm = 100000,
                              .heartbeat_ms = (int) kb_config_int (config, "intake/heartbeat_ms"),
                              .handshake_ms = 10000 };
    self->router = kb_security_server_new (kb_config_str (config, "intake/endpoint"), self->cert,
                                           &opts, err, sizeof err);
    if (!self->router) {
        kb_error ("%s", err);
        goto fail;
    }
    /* a dropped connection (a frame over intake/max_message_bytes makes
       libzmq close it, answered by nothing) is otherwise invisible */
    self->monitor = zactor_new (zmonitor, self->router);
    if (self->monitor) {
        zstr_sendx (self->monitor, "LISTEN", "DISCONNECTED", "HANDSHAKE_FAILED_PROTOCOL", NULL);
        zstr_sendx (self->monitor, "START", NULL);
        zsock_wait (self->monitor);
    }
    kb_link_sender_config_t link = {
        .conninfo = conninfo,
        .schema = schema,
        .endpoint = kb_config_str (config, "link/zorgtoewijzing"),
        .identity = "intake",
        .retransmit_base_ms = (int) kb_config_int (config, "link/retransmit_ms"),
        .retransmit_max_ms = (int) kb_config_int (config, "link/retransmit_max_ms"),
        .max_attempts = (int) kb_config_int (config, "link/max_attempts"),
        .prune_after_s = (int) kb_config_int (config, "link/prune_after_s"),
        .stream_prefix = INTAKE_TRACKING_STREAM_PREFIX,
        .exclude_prefix = true,
    };
    self->sender = kb_link_sender_new (&link);
    if (!self->sender)
        goto fail;
    /* one outbox, two receivers: client-tracking gets the "tracking:" rows */
    link.endpoint = kb_config_str (config, "link/tracking");
    link.exclude_prefix = false;
    self->tracking_sender = kb_link_sender_new (&link);
    if (!self->tracking_sender)
        goto fail;
    if (intake_mailbox_prepare (self->db))
        goto fail;
    self->mailbox = intake_mailbox_new (self->db, self->router, self->partners,
                                        (int) kb_config_int (config, "mailbox/window"),
                                        (int) kb_config_int (config, "mailbox/resend_ms"));
    self->mailbox_keep_s = (int) kb_config_int (config, "mailbox/keep_s");
    kb_link_receiver_config_t rcfg = {
        .max_attempts = (int) kb_config_int (config, "link/max_attempts"),
        .on_batch = s_mailbox_on_batch,
    };
    self->mailbox_rows = intake_mailbox_batch_new ();
    if (!self->mailbox_rows)
        goto fail;
    self->receiver = self->mailbox ? kb_link_receiver_new (self->db, kb_config_str (config, "link/listen"),
                                                           s_mailbox_apply, self, &rcfg)
                                   : NULL;
    if (!self->receiver) {
        kb_error ("could not start the mailbox link endpoint=\"%s\"", kb_config_str (config, "link/listen"));
        goto fail;
    }
    kb_info ("intake serving endpoint=\"%s\" partners=%zu gemeenten=%d",
             kb_config_str (config, "intake/endpoint"), kb_partner_cache_size (self->partners),
             self->ngemeenten);
    if (s_metrics_start (self, config))
        goto fail;
    return self;
fail:
    intake_server_destroy (&self);
    return NULL;
}

void
intake_server_destroy (intake_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_server_t *self = *self_p;
    kb_metrics_destroy (&self->metrics);
    kb_link_receiver_destroy (&self->receiver);
    intake_mailbox_batch_destroy (&self->mailbox_rows);
    intake_mailbox_destroy (&self->mailbox);
    kb_link_sender_destroy (&self->tracking_sender);
    kb_link_sender_destroy (&self->sender);
    zactor_destroy (&self->monitor);
    zsock_destroy (&self->router);
    kb_zap_destroy (&self->zap);
    kb_partner_cache_destroy (&self->partners);
    kb_audit_batch_destroy (&self->audit);
    kb_outbox_batch_destroy (&self->outbox);
    intake_store_batch_destroy (&self->store);
    s_forward_free (&self->forwards);
    kb_db_destroy (&self->db);
    zcert_destroy (&self->cert);
    kb_pseudo_destroy (&self->pseudo);
    sodium_memzero (self->quarantine_key, sizeof self->quarantine_key);
    sodium_memzero (self->retry_key, sizeof self->retry_key);
    free (self->items);
    free (self->spare);
    free (self->gemeenten_buf);
    free (self);
    *self_p = NULL;
}

/* The message id as far as it may be logged or stored in clear: only an id
   that passed the UUID check; anything else a partner put there (invalid
   UTF-8, a BSN by mistake) stays inside the sealed quarantine bytes. */
static const char *
s_valid_id (const s_item_t *item)
{
    const char *id = item->env ? item->env->message_id : NULL;
    return id && kb_validate_message_id (id) ? id : "";
}

static void
s_item_reset (s_item_t *item)
{
    zframe_destroy (&item->routing_id);
    zframe_destroy (&item->payload);
    kb_codec_free (&item->env);
    free (item->fwd_bytes);
    memset (item, 0, sizeof *item);
}

static void
s_item_reject (s_item_t *item, const char *code, const char *field, const char *rule)
{
    item->kind = S_ITEM_REJECT;
    item->quarantine = true;
    snprintf (item->reject.code, sizeof item->reject.code, "%s", code);
    snprintf (item->reject.field, sizeof item->reject.field, "%s", field);
    snprintf (item->reject.rule, sizeof item->reject.rule, "%s", rule);
}

/* The registered partner whose current key the message's connection
   authenticated with; NULL when revoked, or given a new key since. */
static const kb_partner_t *
s_sender (intake_server_t *self, const s_item_t *item)
{
    const char *key = kb_security_peer_key (item->payload);
    const kb_partner_t *partner = key ? kb_partner_by_key (self->partners, key) : NULL;
    const char *org = kb_security_peer_org (item->payload);
    return partner && org && strcmp (partner->org_id, org) == 0 ? partner : NULL;
}

/* A sender intake cannot find: refused when the registry is current
   (revoked after the handshake; the connection stays open in libzmq).
   When the registry could not be read for security/max_age_ms (the
   database is away), nobody is served either - but that is no verdict on
   the message: it is not answered and not quarantined, and the partner's
   retry with the same id is decided once the registry is back. */
static void
s_item_unknown_sender (intake_server_t *self, s_item_t *item)
{
    s_item_reject (item, INTAKE_RC_PARTNER, "", "partner key unknown or revoked");
    if (kb_partner_cache_fresh (self->partners))
        return;
    item->quarantine = false;
    item->unanswered = true;
    int64_t now = zclock_mono ();
    if (now - self->stale_logged_at > 10000) {
        kb_warning ("partner registry stale: messages left unanswered until it is read again,"
                    " partners retry org=\"%s\"", item->org);
        self->stale_logged_at = now;
    }
}

/* Pseudonymises and fills item->stored; the BSN strings stay only in the
   decoded envelope, which is freed after the batch. */
static void
s_item_pseudonymise (intake_server_t *self, s_item_t *item)
{
    const Ketenbus__V1__CaseSignal *sig = item->env->case_signal;
    Ketenbus__V1__StoredSignal *st = &item->stored;
    ketenbus__v1__stored_signal__init (st);
    kb_uuid_v4 (item->ref);
    kb_pseudo_bsn (self->pseudo, sig->subject->bsn, item->subject_pseudonym);
    for (size_t i = 0; i < sig->n_household; i++) {
        Ketenbus__V1__PseudoPerson *m = &item->members[i];
        ketenbus__v1__pseudo_person__init (m);
        kb_pseudo_bsn (self->pseudo, sig->household[i]->bsn, item->member_pseudonyms[i]);
        m->pseudonym = item->member_pseudonyms[i];
        m->birth_date = sig->household[i]->birth_date;
        m->role = sig->household[i]->role;
        item->member_ptrs[i] = m;
    }
    char normalised[7] = "";
    if (sig->postcode && *sig->postcode)
        kb_validate_postcode (sig->postcode, normalised);
    snprintf (item->postcode4, sizeof item->postcode4, "%.4s", normalised);
    st->signal_ref = item->ref;
    st->sender_org = item->org;
    st->sender_org_type = (Ketenbus__V1__OrgType) item->org_type;
    st->partner_case_ref = sig->partner_case_ref;
    st->subject_pseudonym = item->subject_pseudonym;
    st->subject_birth_date = sig->subject->birth_date;
    st->n_household = sig->n_household;
    st->household = item->member_ptrs;
    st->n_categories = sig->n_categories;
    st->categories = sig->categories;
    st->urgency = sig->urgency;
    st->gemeente_code = sig->gemeente_code;
    st->postcode4 = item->postcode4;
    st->gebied = sig->gebied ? sig->gebied : "";
    st->housing = sig->housing;
    st->signal_date = sig->signal_date;
    st->contact_name = sig->contact_name ? sig->contact_name : "";
    st->contact_phone = sig->contact_phone ? sig->contact_phone : "";
    st->received_at_ms = (int64_t) time (NULL) * 1000;
}

/* Hash of body name and packed body: equal for a retry of the same
   message. Over the forwarded body, so with the pseudonym, never a BSN. */
static int
s_body_hash (const char *name, const ProtobufCMessage *body, uint8_t out[32])
{
    size_t len = protobuf_c_message_get_packed_size (body);
    uint8_t *buf = malloc (len ? len : 1);
    if (!buf)
        return -1;
    protobuf_c_message_pack (body, buf);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init (&st);
    crypto_hash_sha256_update (&st, (const uint8_t *) name, strlen (name) + 1);
    crypto_hash_sha256_update (&st, buf, len);
    crypto_hash_sha256_final (&st, out);
    free (buf);
    return 0;
}

/* Drops the fields the decoder kept but intake does not know: they are
   not validated, so they are not forwarded. */
static void
s_strip_unknown (ProtobufCMessage *m)
{
    m->n_unknown_fields = 0;
    m->unknown_fields = NULL;
}

/* A validated body for zorgtoewijzing or client-tracking: completes a shallow copy (the
   decoded envelope keeps its own pointers and is freed as decoded), with
   the sender's org in the fields that name it, the BSN replaced by its
   pseudonym and the backbone's timestamps cleared; encodes the envelope
   for the outbox and picks its stream: per plan for regie messages, per
   toewijzing for care, per trajectory or person for client-tracking, so
   that each one's messages arrive in order. Returns 0, or -1 when out of memory. */
static int
s_item_forward (intake_server_t *self, s_item_t *item)
{
    const kb_envelope_t *in = item->env;
    kb_envelope_t out = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__RegieTransferRequest q;
    Ketenbus__V1__RegieTransferResponse a;
    Ketenbus__V1__PlanRegistered p;
    Ketenbus__V1__CareAssignment c;
    Ketenbus__V1__ConsentGrant g;
    Ketenbus__V1__ConsentWithdraw w;
    Ketenbus__V1__ShareRequest sq;
    Ketenbus__V1__ShareResponse sr;
    Ketenbus__V1__TrajectoryUpdate tu;
    Ketenbus__V1__ShelterEpisode se;
    Ketenbus__V1__SelfSufficiencyAssessment sa;
    Ketenbus__V1__SatisfactionMeasurement sm;
    const ProtobufCMessage *body = NULL;
    const char *prefix = "", *key = "";
    const char *sender_org = "intake";
    out.body_case = in->body_case;
    switch (in->body_case) {
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST:
        q = *in->regie_transfer_request;
        s_strip_unknown (&q.base);
        q.from_org = item->org;             /* zorgtoewijzing checks it holds regie */
        q.requested_at_ms = 0;              /* zorgtoewijzing sets both */
        q.deadline_at_ms = 0;
        q.notify_org = (char *) "";         /* only the backbone addresses a copy */
        out.regie_transfer_request = &q;
        body = &q.base;
        prefix = "plan:";
        key = q.plan_ref;
        item->event = "transfer.requested";
        break;
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE:
        a = *in->regie_transfer_response;
        s_strip_unknown (&a.base);
        a.to_org = item->org;               /* zorgtoewijzing checks it was asked */
        a.responded_at_ms = 0;
        out.regie_transfer_response = &a;
        body = &a.base;
        prefix = "plan:";
        key = a.plan_ref;
        item->event = "transfer.answered";
        break;
    case KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED:
        p = *in->plan_registered;
        s_strip_unknown (&p.base);
        p.regisseur_org = item->org;
        out.plan_registered = &p;
        body = &p.base;
        prefix = "plan:";
        key = p.plan_ref;
        item->event = "plan.registered";
        break;
    case KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT:
        c = *in->care_assignment;
        s_strip_unknown (&c.base);
        if (c.bsn && *c.bsn)
            kb_pseudo_bsn (self->pseudo, c.bsn, item->subject_pseudonym);
        c.bsn = (char *) "";                /* never stored, never forwarded */
        c.pseudonym = item->subject_pseudonym;
        if (c.action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN) {
            c.assigning_org = item->org;
            item->event = "care.assigned";
        }
        else {
            /* start and stop come from the provider itself */
            c.provider_org = item->org;
            c.assigning_org = (char *) "";
            item->event = c.action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_START ? "care.started"
                                                                                  : "care.stopped";
        }
        out.care_assignment = &c;
        body = &c.base;
        prefix = "toewijzing:";
        key = c.toewijzing_id;
        break;
    /* consent and shares: per person (the same stream as its signals, so a
       grant and a later request about the person arrive in order), per
       gezin when no person is named; a response per share */
    case KETENBUS__V1__ENVELOPE__BODY_CONSENT_GRANT:
        g = *in->consent_grant;
        s_strip_unknown (&g.base);
        kb_pseudo_bsn (self->pseudo, g.bsn, item->subject_pseudonym);
        g.bsn = (char *) "";
        g.pseudonym = item->subject_pseudonym;
        g.recorded_by_org = item->org;
        out.consent_grant = &g;
        body = &g.base;
        key = item->subject_pseudonym;
        item->event = "consent.grant_received";
        break;
    case KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW:
        w = *in->consent_withdraw;
        s_strip_unknown (&w.base);
        kb_pseudo_bsn (self->pseudo, w.bsn, item->subject_pseudonym);
        w.bsn = (char *) "";
        w.pseudonym = item->subject_pseudonym;
        w.recorded_by_org = item->org;
        w.to_org = (char *) "";
        snprintf (item->block_consent, sizeof item->block_consent, "%s", w.consent_id);
        out.consent_withdraw = &w;
        body = &w.base;
        key = item->subject_pseudonym;
        item->event = "consent.withdraw_received";
        break;
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST:
        sq = *in->share_request;
        s_strip_unknown (&sq.base);
        if (sq.bsn && *sq.bsn)
            kb_pseudo_bsn (self->pseudo, sq.bsn, item->subject_pseudonym);
        sq.bsn = (char *) "";
        sq.pseudonym = item->subject_pseudonym;
        sq.from_org = item->org;
        out.share_request = &sq;
        body = &sq.base;
        if (item->subject_pseudonym[0])
            key = item->subject_pseudonym;
        else {
            prefix = "gezin:";
            key = sq.gezin_ref;
        }
        item->event = "share.request_received";
        break;
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE:
        sr = *in->share_response;
        s_strip_unknown (&sr.base);
        sr.from_org = item->org;
        sr.consent_id = (char *) ""; /* zorgtoewijzing says which consent it relies on */
        out.share_response = &sr;
        body = &sr.base;
        prefix = "share:";
        key = sr.share_id;
        item->event = "share.response_received";
        break;
    /* client tracking: to client-tracking (the "tracking:" streams have a
       sender of their own), with the authenticated organisation as the
       envelope's sender_org, which client-tracking takes as the acting
       organisation; per trajectory, per person for shelter stays and
       assessments */
    case KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE:
        tu = *in->trajectory_update;
        s_strip_unknown (&tu.base);
        if (tu.bsn && *tu.bsn)
            kb_pseudo_bsn (self->pseudo, tu.bsn, item->subject_pseudonym);
        tu.bsn = (char *) "";
        tu.pseudonym = item->subject_pseudonym;
        tu.regisseur_org = item->org;       /* the regisseur is who sends it */
        tu.to_org = (char *) "";
        tu.gemeente_code = (char *) "";     /* region and regisseur type: zorgtoewijzing's */
        tu.gebied = (char *) "";
        tu.regisseur_org_type = 0;
        out.trajectory_update = &tu;
        body = &tu.base;
        prefix = INTAKE_TRACKING_STREAM_PREFIX;
        key = tu.trajectory_id;
        sender_org = item->org;
        item->event = "trajectory.update_received";
        break;
    case KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE:
        se = *in->shelter_episode;
        s_strip_unknown (&se.base);
        kb_pseudo_bsn (self->pseudo, se.bsn, item->subject_pseudonym);
        se.bsn = (char *) "";
        se.pseudonym = item->subject_pseudonym;
        out.shelter_episode = &se;
        body = &se.base;
        prefix = INTAKE_TRACKING_STREAM_PREFIX;
        key = item->subject_pseudonym;
        sender_org = item->org;
        item->event = "shelter.episode_received";
        break;
    case KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT:
        sa = *in->self_sufficiency_assessment;
        s_strip_unknown (&sa.base);
        if (sa.bsn && *sa.bsn)
            kb_pseudo_bsn (self->pseudo, sa.bsn, item->subject_pseudonym);
        sa.bsn = (char *) "";
        sa.pseudonym = item->subject_pseudonym;
        out.self_sufficiency_assessment = &sa;
        body = &sa.base;
        prefix = INTAKE_TRACKING_STREAM_PREFIX;
        key = item->subject_pseudonym[0] ? item->subject_pseudonym : sa.trajectory_id;
        sender_org = item->org;
        item->event = "assessment.received";
        break;
    case KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT:
        sm = *in->satisfaction_measurement;
        s_strip_unknown (&sm.base);
        if (sm.bsn && *sm.bsn)
            kb_pseudo_bsn (self->pseudo, sm.bsn, item->subject_pseudonym);
        sm.bsn = (char *) "";
        sm.pseudonym = item->subject_pseudonym;
        out.satisfaction_measurement = &sm;
        body = &sm.base;
        prefix = INTAKE_TRACKING_STREAM_PREFIX;
        key = item->subject_pseudonym[0] ? item->subject_pseudonym : sm.measurement_id;
        sender_org = item->org;
        item->event = "satisfaction.received";
        break;
    default:
        return -1;   /* not reached: validation accepted only these */
    }
    if (s_body_hash (kb_codec_body_name (in), body, item->body_hash))
        return -1;
    kb_uuid_v4 (item->ref);
    kb_uuid_v4 (item->fwd_id);
    snprintf (item->stream, sizeof item->stream, "%s%s", prefix, key);
    out.message_id = item->fwd_id;
    out.correlation_id = in->message_id;
    out.sent_at_ms = (int64_t) time (NULL) * 1000;
    out.schema_version = KB_SCHEMA_VERSION;
    out.sender_org = (char *) sender_org;
    item->fwd_bytes = kb_codec_encode (&out, &item->fwd_len);
    if (!item->fwd_bytes)
        return -1;
    item->forward = true;
    return 0;
}

/* Everything that does not need the database. */
static void
s_item_decide (intake_server_t *self, s_item_t *item, const intake_validate_ctx_t *ctx)
{
    const char *org = kb_security_peer_org (item->payload);
    const kb_partner_t *partner = s_sender (self, item);
    snprintf (item->org, sizeof item->org, "%s", org ? org : "unknown");
    if (!partner) {
        s_item_unknown_sender (self, item);
        return;
    }
    item->org_type = partner->org_type;
    kb_codec_rc_t rc = kb_codec_decode (zframe_data (item->payload), zframe_size (item->payload),
                                        self->max_bytes, &item->env);
    if (rc != KB_CODEC_OK) {
        s_item_reject (item, INTAKE_RC_TECHNICAL, "envelope", kb_codec_rc_text (rc));
        return;
    }
    if (!intake_validate_envelope (item->env, item->org_type, &item->reject)) {
        item->kind = S_ITEM_REJECT;
        item->quarantine = true;
        return;
    }
    if (item->env->body_case == KETENBUS__V1__ENVELOPE__BODY_REPLAY
        || item->env->body_case == KETENBUS__V1__ENVELOPE__BODY_DELIVERY_ACK) {
        /* sequence numbers are bigint in the database */
        uint64_t seq = item->env->body_case == KETENBUS__V1__ENVELOPE__BODY_REPLAY
                           ? item->env->replay->from_seq
                           : item->env->delivery_ack->mailbox_seq;
        if (seq > (uint64_t) INT64_MAX) {
            s_item_reject (item, INTAKE_RC_FORMAT, kb_codec_body_name (item->env),
                           "sequence number out of range");
            return;
        }
        item->kind = S_ITEM_CONTROL;
        return;
    }
    intake_sender_t sender = { .org = item->org, .org_type = item->org_type };
    if (!intake_validate_body (item->env, &sender, ctx, &item->reject)) {
        item->kind = S_ITEM_REJECT;
        item->quarantine = true;
        return;
    }
    if (item->env->body_case != KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL) {
        if (s_item_forward (self, item) != 0) {
            s_item_reject (item, INTAKE_RC_TECHNICAL, "", "server out of memory");
            return;
        }
        item->kind = S_ITEM_ACCEPT;
        return;
    }
    /* the retry check compares the body, not the envelope (sent_at changes) */
    const ProtobufCMessage *body = &item->env->case_signal->base;
    size_t len = protobuf_c_message_get_packed_size (body);
    uint8_t *buf = malloc (len ? len : 1);
    if (!buf) {
        s_item_reject (item, INTAKE_RC_TECHNICAL, "", "server out of memory");
        return;
    }
    protobuf_c_message_pack (body, buf);
    /* keyed: the body holds the BSN, and an unkeyed hash of it is not ours to store */
    crypto_generichash (item->body_hash, 32, buf, len, self->retry_key, sizeof self->retry_key);
    sodium_memzero (buf, len);
    free (buf);
    s_item_pseudonymise (self, item);
    item->kind = S_ITEM_ACCEPT;
}

/* Round trip 1: BEGIN, the audit chain lock and head, one INSERT of all
   signals and one of all forwarded messages of items [from, to). The lock comes first, as in
   kb_audit_append: writers of this schema queue there, not on rows. */
static kb_db_rc_t
s_insert_signals (intake_server_t *self, int from, int to)
{
    kb_db_t *db = self->db;
    for (int i = from; i < to; i++) {
        s_item_t *item = &self->items[i];
        if (item->kind == S_ITEM_ACCEPT && item->forward)
            item->slot = s_forward_add (&self->forwards, item->ref, item->org,
                                        item->env->message_id, kb_codec_body_name (item->env),
                                        item->body_hash);
        else if (item->kind == S_ITEM_ACCEPT)
            item->slot = intake_store_batch_add_signal (self->store, &item->stored,
                                                        item->env->message_id, item->body_hash);
    }
    kb_db_rc_t rc = kb_db_pipeline_begin (db);
    if (rc != KB_DB_OK)
        return rc;
    rc = kb_db_pipeline_send_cmd (db, "BEGIN");
    if (rc == KB_DB_OK)
        rc = kb_audit_batch_lock (self->audit, db);
    if (rc == KB_DB_OK)
        rc = intake_store_batch_send_signals (self->store, db);
    if (rc == KB_DB_OK)
        rc = s_forward_send (&self->forwards, db);
    if (rc == KB_DB_OK)
        rc = kb_db_pipeline_sync (db);
    if (rc == KB_DB_OK) {
        PQclear (kb_db_pipeline_next (db, &rc)); /* BEGIN */
        if (rc == KB_DB_OK)
            rc = kb_audit_batch_head (self->audit, db);
        if (rc == KB_DB_OK)
            rc = intake_store_batch_read_signals (self->store, db);
        if (rc == KB_DB_OK)
            rc = s_forward_read (&self->forwards, db);
    }
    kb_db_rc_t end = kb_db_pipeline_end (db);
    return rc != KB_DB_OK ? rc : end;
}

/* Between the round trips: what the INSERT found for each signal. A
   conflict the INSERT could not see (same id twice in this batch, or a
   concurrent intake) is looked up by a statement of its own. */
static kb_db_rc_t
s_apply_outcomes (intake_server_t *self, int from, int to)
{
    for (int i = from; i < to; i++) {
        s_item_t *item = &self->items[i];
        if (item->kind != S_ITEM_ACCEPT)
            continue;
        kb_db_rc_t rc = KB_DB_OK;
        intake_store_rc_t src;
        if (item->forward) {
            src = s_forward_outcome (&self->forwards, item->slot, item->dup_ref);
            if (src == INTAKE_STORE_UNSEEN)
                src = s_forward_lookup (self->db, item->org, item->env->message_id,
                                        item->body_hash, item->dup_ref, &rc);
        }
        else {
            src = intake_store_batch_outcome (self->store, item->slot, item->dup_ref);
            if (src == INTAKE_STORE_UNSEEN)
                src = intake_store_lookup (self->db, item->org, item->env->message_id,
                                           item->body_hash, item->dup_ref, &rc);
        }
        if (src == INTAKE_STORE_ERROR)
            return rc != KB_DB_OK ? rc : KB_DB_FATAL;
        item->duplicate = src == INTAKE_STORE_DUPLICATE;
        if (src == INTAKE_STORE_ID_REUSED)
            s_item_reject (item, INTAKE_RC_DUPLICATE_ID, "message_id",
                           "message id was already used by this organisation for another message");
    }
    return KB_DB_OK;
}

static bool
s_item_is_new (const s_item_t *item)
{
    return item->kind == S_ITEM_ACCEPT && !item->duplicate;
}

/* Adds the message for zorgtoewijzing to the batch's outbox rows: they
   commit with the signal (or the partner_message row of a forwarded body). */
static kb_db_rc_t
s_queue_outbox (intake_server_t *self, s_item_t *item)
{
    if (item->forward)
        return kb_outbox_batch_add (self->outbox, item->stream, item->fwd_id, item->fwd_bytes,
                                    item->fwd_len);
    kb_envelope_t out = KETENBUS__V1__ENVELOPE__INIT;
    char id[KB_UUID_LEN + 1];
    kb_uuid_v4 (id);
    out.message_id = id;
    out.correlation_id = item->env->message_id;
    out.sent_at_ms = (int64_t) time (NULL) * 1000;
    out.schema_version = KB_SCHEMA_VERSION;
    out.sender_org = "intake";
    out.body_case = KETENBUS__V1__ENVELOPE__BODY_STORED_SIGNAL;
    out.stored_signal = &item->stored;
    size_t len = 0;
    uint8_t *bytes = kb_codec_encode (&out, &len);
    if (!bytes)
        return KB_DB_FATAL;
    kb_db_rc_t rc = kb_outbox_batch_add (self->outbox, item->subject_pseudonym, id, bytes, len);
    free (bytes);
    return rc;
}

/* Round trip 2: audit rows, members and outbox rows of the new signals,
   quarantine rows, COMMIT; sent, not read (s_write_finish). begin: the
   transaction is not open yet (round trip 1 was not needed). On failure
   the pipeline is closed again. */
static kb_db_rc_t
s_write_send (intake_server_t *self, int from, int to, bool begin)
{
    kb_db_t *db = self->db;
    /* chained here, in batch order; a failure is retried, as it always
       was for kb_audit_append: no accepted signal without its audit row */
    kb_db_rc_t audit_rc = KB_DB_OK;
    int fresh = 0;
    for (int i = from; i < to && audit_rc == KB_DB_OK; i++) {
        s_item_t *item = &self->items[i];
        if (!s_item_is_new (item))
            continue;
        fresh++;
        kb_audit_entry_t entry = { .actor_org = item->org, .event = "signal.accepted",
                                   .action = 'C', .subject_pseudonym = item->subject_pseudonym,
                                   .reason = "case_signal", .outcome = "accepted",
                                   .authorised = true };
        if (item->forward) {
            entry.event = item->event;
            entry.subject_pseudonym = item->subject_pseudonym[0] ? item->subject_pseudonym : NULL;
            entry.reason = kb_codec_body_name (item->env);
            entry.outcome = "forwarded";
        }
        audit_rc = kb_audit_batch_append (self->audit, &entry);
    }
    if (audit_rc != KB_DB_OK)
        return KB_DB_RETRY;
    bool audit = fresh > 0;   /* else the audit batch was not even locked */

    self->sent_begin = begin;
    self->sent_audit = audit;
    kb_db_rc_t rc = kb_db_pipeline_begin (db);
    if (rc != KB_DB_OK)
        return rc;
    if (begin)
        rc = kb_db_pipeline_send_cmd (db, "BEGIN");
    /* first, so that its result is read first */
    if (rc == KB_DB_OK && audit)
        rc = kb_audit_batch_send (self->audit, db);
    kb_outbox_batch_reset (self->outbox);
    for (int i = from; i < to && rc == KB_DB_OK; i++) {
        s_item_t *item = &self->items[i];
        if (s_item_is_new (item))
            rc = s_queue_outbox (self, item);
        if (rc == KB_DB_OK && item->quarantine)
            rc = intake_store_quarantine (db, self->quarantine_key, item->org,
                                          s_valid_id (item),
                                          item->reject.code, item->reject.field,
                                          item->reject.rule, zframe_data (item->payload),
                                          zframe_size (item->payload));
    }
    if (rc == KB_DB_OK)
        rc = kb_outbox_batch_send (self->outbox, db);
    /* a withdrawal takes effect with this commit, also for what already
       waits in a mailbox: nothing relying on the consent is pushed after it */
    for (int i = from; i < to && rc == KB_DB_OK; i++)
        if (s_item_is_new (&self->items[i]) && self->items[i].block_consent[0])
            rc = intake_mailbox_block_consent (db, self->items[i].block_consent);
    if (rc == KB_DB_OK)
        rc = kb_db_pipeline_send_commit (db);
    if (rc == KB_DB_OK)
        rc = kb_db_pipeline_sync (db);
    if (rc != KB_DB_OK)
        kb_db_pipeline_end (db);
    return rc;
}

/* Reads what s_write_send queued: KB_DB_OK once the COMMIT succeeded. */
static kb_db_rc_t
s_write_finish (intake_server_t *self)
{
    kb_db_t *db = self->db;
    kb_db_rc_t rc = KB_DB_OK, audit_rc;
    if (self->sent_begin)
        PQclear (kb_db_pipeline_next (db, &rc));
    if (rc == KB_DB_OK && self->sent_audit) {
        PQclear (kb_db_pipeline_next (db, &audit_rc));
        if (audit_rc != KB_DB_OK)
            rc = KB_DB_RETRY;
    }
    kb_db_rc_t end = kb_db_pipeline_end (db);
    return rc != KB_DB_OK ? rc : end;
}

/* Sends items [from, to) as one transaction up to and including its
   COMMIT, whose outcome s_write_finish reads. On failure nothing is left
   in the pipeline; the caller rolls back. */
static kb_db_rc_t
s_commit_send (intake_server_t *self, int from, int to)
{
    bool accepting = false;
    for (int i = from; i < to; i++)
        accepting |= self->items[i].kind == S_ITEM_ACCEPT;
    kb_db_rc_t rc = KB_DB_OK;
    intake_store_batch_reset (self->store);
    s_forward_reset (&self->forwards);
    if (accepting) {
        rc = s_insert_signals (self, from, to);
        if (rc == KB_DB_OK)
            rc = s_apply_outcomes (self, from, to);
    }
    if (rc == KB_DB_OK)
        rc = s_write_send (self, from, to, !accepting);
    return rc;
}

/* Writes items [from, to) in one transaction. */
static kb_db_rc_t
s_commit_range (intake_server_t *self, int from, int to)
{
    kb_db_rc_t rc = s_commit_send (self, from, to);
    if (rc == KB_DB_OK)
        rc = s_write_finish (self);
    if (rc != KB_DB_OK)
        kb_db_rollback (self->db);
    return rc;
}

/* Commits the batch; a permanent error isolates the failing message, which
   is then rejected and quarantined so it cannot block the others. */
static kb_db_rc_t
s_commit_batch (intake_server_t *self, int n)
{
    kb_db_rc_t rc = s_commit_range (self, 0, n);
    if (rc != KB_DB_FATAL)
        return rc;
    for (int i = 0; i < n; i++) {
        rc = s_commit_range (self, i, i + 1);
        if (rc == KB_DB_FATAL) {
            kb_error ("could not store message org=\"%s\" sqlstate=%s, quarantining",
                      self->items[i].org, kb_db_last_sqlstate (self->db));
            s_item_reject (&self->items[i], INTAKE_RC_TECHNICAL, "",
                           "server could not store this message; the operator has been alerted");
            rc = s_commit_range (self, i, i + 1);
        }
        if (rc != KB_DB_OK)
            return rc;
    }
    return KB_DB_OK;
}

static void
s_reply (intake_server_t *self, s_item_t *item)
{
    kb_envelope_t out = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__Ack ack = KETENBUS__V1__ACK__INIT;
    Ketenbus__V1__Reject reject = KETENBUS__V1__REJECT__INIT;
    char id[KB_UUID_LEN + 1];
    kb_uuid_v4 (id);
    const char *msg_id = (item->env && item->env->message_id) ? item->env->message_id : "";
    out.message_id = id;
    out.correlation_id = (char *) msg_id;
    out.sent_at_ms = (int64_t) time (NULL) * 1000;
    out.schema_version = KB_SCHEMA_VERSION;
    if (item->kind == S_ITEM_CONTROL) {
        /* a DeliveryAck is itself an answer; a Replay is confirmed so the
           partner knows intake heard it, then the Delivers follow */
        if (item->env->body_case != KETENBUS__V1__ENVELOPE__BODY_REPLAY)
            return;
        ack.message_id = (char *) msg_id;
        ack.status = KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED;
        ack.reference = "mailbox";
        out.body_case = KETENBUS__V1__ENVELOPE__BODY_ACK;
        out.ack = &ack;
    }
    else if (item->kind == S_ITEM_ACCEPT) {
        ack.message_id = (char *) msg_id;
        ack.status = item->duplicate ? KETENBUS__V1__ACK_STATUS__ACK_STATUS_DUPLICATE
                                     : KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED;
        ack.reference = item->duplicate ? item->dup_ref : item->ref;
        out.body_case = KETENBUS__V1__ENVELOPE__BODY_ACK;
        out.ack = &ack;
        if (item->duplicate)
            self->duplicates++;
        else
            self->accepted++;
    }
    else if (item->unanswered)
        return;
    else {
        reject.message_id = (char *) msg_id;
        reject.code = item->reject.code;
        reject.field = item->reject.field;
        reject.rule = item->reject.rule;
        out.body_case = KETENBUS__V1__ENVELOPE__BODY_REJECT;
        out.reject = &reject;
        self->rejected++;
        kb_info ("rejected message org=\"%s\" message_id=\"%s\" code=%s field=\"%s\"", item->org,
                 s_valid_id (item), item->reject.code, item->reject.field);
    }
    size_t len = 0;
    uint8_t *bytes = kb_codec_encode (&out, &len);
    if (!bytes)
        return;
    zmsg_t *msg = zmsg_new ();
    zmsg_append (msg, &item->routing_id);
    if (item->delimiter)
        zmsg_addmem (msg, NULL, 0);
    zmsg_addmem (msg, bytes, len);
    free (bytes);
    /* a partner that went away cannot be answered; its retry will get the
       same answer from the database */
    if (zmsg_send (&msg, self->router) != 0)
        zmsg_destroy (&msg);
}

/* Reads one message without blocking into item; returns false when none. */
static bool
s_receive (intake_server_t *self, s_item_t *item, bool wait)
{
    zmsg_t *msg = NULL;
    /* ZMQ_EVENTS, not zmq_poll: no poll system call per message while the
       socket has messages queued (it was a fifth of intake's CPU) */
    if (!wait && !(zsock_events (self->router) & ZMQ_POLLIN))
        return false;
    msg = zmsg_recv (self->router);
    if (!msg)
        return false;
    item->routing_id = zmsg_pop (msg);
    zframe_t *frame = zmsg_pop (msg);
    if (frame && zframe_size (frame) == 0 && zmsg_size (msg) > 0) {
        item->delimiter = true;
        zframe_destroy (&frame);
        frame = zmsg_pop (msg);
    }
    if (!frame)
        frame = zframe_new (NULL, 0);
    item->payload = frame;
    if (zmsg_size (msg) > 0) {
        /* extra frames: answer and keep the first frame for the operator */
        snprintf (item->org, sizeof item->org, "%s",
                  kb_security_peer_org (frame) ? kb_security_peer_org (frame) : "unknown");
        s_item_reject (item, INTAKE_RC_TECHNICAL, "envelope",
                       "one frame per message expected (multi-frame message)");
    }
    zmsg_destroy (&msg);
    return true;
}

/* Replays and acknowledgements of the batch. Acknowledgements commit in a
   transaction of their own: losing one (crash) only means the partner
   gets those messages again on its next Replay. */
static void
s_mailbox_control (intake_server_t *self, int n)
{
    bool acks = false;
    for (int i = 0; i < n; i++) {
        s_item_t *item = &self->items[i];
        if (item->kind != S_ITEM_CONTROL)
            continue;
        if (item->env->body_case == KETENBUS__V1__ENVELOPE__BODY_REPLAY) {
            intake_mailbox_seen (self->mailbox, item->org, kb_security_peer_key (item->payload),
                                 item->routing_id);
            intake_mailbox_replay (self->mailbox, item->org, item->env->replay->from_seq);
        }
        else
            acks = true;
    }
    if (!acks)
        return;
    const char **orgs = calloc ((size_t) n, sizeof *orgs);
    uint64_t *seqs = calloc ((size_t) n, sizeof *seqs);
    int nacks = 0;
    for (int i = 0; orgs && seqs && i < n; i++) {
        s_item_t *item = &self->items[i];
        if (item->kind == S_ITEM_CONTROL
            && item->env->body_case == KETENBUS__V1__ENVELOPE__BODY_DELIVERY_ACK) {
            orgs[nacks] = item->org;
            seqs[nacks++] = item->env->delivery_ack->mailbox_seq;
        }
    }
    if (!orgs || !seqs)
        kb_warning ("could not record mailbox acknowledgements: out of memory");
    else if (nacks > 0 && intake_mailbox_ack (self->mailbox, orgs, seqs, nacks) != KB_DB_OK) {
        kb_db_rollback (self->db);
        kb_warning ("could not record mailbox acknowledgements count=%d sqlstate=%s", nacks,
                    kb_db_last_sqlstate (self->db));
    }
    free (orgs);
    free (seqs);
}

/* Ends the batch in self->items: reads the outcome of its transaction
   when it was sent already (s_commit_send), else commits it, and keeps
   trying until the batch is durable (PostgreSQL may be restarting;
   partners wait for their answers or retry); then answers every message.
   No answer leaves before the COMMIT succeeded. */
static void
s_finish_batch (intake_server_t *self, int n, bool sent, volatile sig_atomic_t *stop)
{
    bool committed = false;
    if (sent) {
        committed = s_write_finish (self) == KB_DB_OK;
        if (!committed)
            kb_db_rollback (self->db);
    }
    int attempt = 0;
    while (!committed) {
        committed = s_commit_batch (self, n) == KB_DB_OK;
        if (committed)
            break;
        if (attempt++ == 0)
            kb_warning ("could not commit batch size=%d sqlstate=%s, retrying", n,
                        kb_db_last_sqlstate (self->db));
        if (*stop && attempt > 3)
            break; /* unanswered: partners retry with the same ids */
        kb_db_ensure (self->db, 2000);
        zclock_sleep (attempt < 10 ? 20 * attempt : 500);
    }
    if (committed)
        s_mailbox_control (self, n);
    /* the tracking sender is woken only for its own rows: nothing to read
       otherwise */
    bool tracking_rows = false;
    for (int i = 0; i < n; i++) {
        tracking_rows |= strncmp (self->items[i].stream, INTAKE_TRACKING_STREAM_PREFIX,
                                  strlen (INTAKE_TRACKING_STREAM_PREFIX))
                         == 0;
        if (committed)
            s_reply (self, &self->items[i]);
        s_item_reset (&self->items[i]);
    }
    if (committed) {
        kb_link_sender_wake (self->sender);
        if (tracking_rows)
            kb_link_sender_wake (self->tracking_sender);
    }
    intake_mailbox_push (self->mailbox);
}

/* A batch decided while the registry could not be reloaded (the
   connection was busy with the batch before): a partner revoked by the
   reload is refused as if the reload had come first. */
static void
s_recheck_partners (intake_server_t *self, s_item_t *items, int n)
{
    for (int i = 0; i < n; i++)
        if (items[i].kind != S_ITEM_REJECT && !s_sender (self, &items[i]))
            s_item_unknown_sender (self, &items[i]);
}

/* Monitor events of the ROUTER, without waiting: one warning per 10 s
   with how many connections were dropped since the last one. */
static void
s_monitor_events (intake_server_t *self)
{
    while (self->monitor && (zsock_events (zactor_sock (self->monitor)) & ZMQ_POLLIN)) {
        zmsg_t *event = zmsg_recv (self->monitor);
        if (!event)
            break;
        self->dropped++;
        zmsg_destroy (&event);
    }
    int64_t now = zclock_mono ();
    if (self->dropped && now - self->dropped_logged_at > 10000) {
        kb_info ("partner connections dropped count=%ld (the partner went away, failed the"
                    " handshake, or sent a frame over intake/max_message_bytes)",
                    self->dropped);
        self->dropped = 0;
        self->dropped_logged_at = now;
    }
}

/*  The loop overlaps the database with intake's own work: while
    PostgreSQL runs the second round trip and the COMMIT of one batch,
    intake receives and decides the next one; the first batch is answered
    only after its COMMIT was read, then the next one is sent. */
int
intake_server_run (intake_server_t *self, volatile sig_atomic_t *stop)
{
    zpoller_t *poller = zpoller_new (self->router, kb_link_receiver_socket (self->receiver), NULL);
    if (self->monitor)
        zpoller_add (poller, self->monitor);
    intake_validate_ctx_t ctx = { .gemeenten = self->gemeenten, .ngemeenten = self->ngemeenten,
                                  .org_type_of = s_org_type_of, .org_arg = self };
    int pending = 0;   /* messages in self->items sent up to their COMMIT, unread */
    while (!*stop) {
        if (pending == 0) {
            kb_partner_cache_refresh (self->partners, false);
            void *which = zpoller_wait (poller, 100);
            if (which == kb_link_receiver_socket (self->receiver)) {
                kb_link_receiver_handle (self->receiver);
                intake_mailbox_push (self->mailbox);
                continue;
            }
            s_monitor_events (self);
            if (which != self->router) {
                /* idle: keep pushing (acks free the window), prune now and then */
                intake_mailbox_push (self->mailbox);
                if (zclock_mono () - self->pruned_at > 60000) {
                    intake_mailbox_prune (self->mailbox, self->mailbox_keep_s);
                    self->pruned_at = zclock_mono ();
                }
                continue;
            }
        }
        ctx.today_days = kb_date_today_days ();
        int n = 0;
        while (n < self->batch_max && s_receive (self, &self->spare[n], false)) {
            if (self->spare[n].kind != S_ITEM_REJECT)
                s_item_decide (self, &self->spare[n], &ctx);
            n++;
        }
        if (pending > 0) {
            s_finish_batch (self, pending, true, stop);
            pending = 0;
            /* the connection is free again: what the idle loop does */
            kb_partner_cache_refresh (self->partners, false);
            s_recheck_partners (self, self->spare, n);
            if (zsock_events (kb_link_receiver_socket (self->receiver)) & ZMQ_POLLIN) {
                kb_link_receiver_handle (self->receiver);
                intake_mailbox_push (self->mailbox);
            }
        }
        if (n == 0)
            continue;
        s_item_t *decided = self->spare;
        self->spare = self->items;
        self->items = decided;
        if (s_commit_send (self, 0, n) == KB_DB_OK)
            pending = n;
        else {
            kb_db_rollback (self->db);
            s_finish_batch (self, n, false, stop);
        }
    }
    if (pending > 0)
        s_finish_batch (self, pending, true, stop);
    kb_info ("intake stopping accepted=%llu duplicates=%llu rejected=%llu",
             (unsigned long long) self->accepted, (unsigned long long) self->duplicates,
             (unsigned long long) self->rejected);
    zpoller_destroy (&poller);
    return 0;
}
