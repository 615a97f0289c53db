/*  zorg_server - receiver, sender and deadline check in one loop. */
#include "zorg_server.h"
#include "zorg_handlers.h"
#include "zorg_plan.h"
#include "zorg_rules.h"
#include "zorg_store.h"

#include "ketenbus/kb_db.h"
#include "ketenbus/kb_effects.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_metrics.h"

#include <czmq.h>
#include <stdlib.h>

struct _zorg_server_t {
    const kb_config_t *config;
    kb_db_t *db;
    zorg_rules_t *rules;
    zorg_ctx_t ctx;
    kb_link_receiver_t *receiver;
    kb_link_sender_t *sender;
    kb_link_sender_t *tracking; /* towards client-tracking, or NULL */
    kb_effects_t *effects; /* audit rows and outbox messages per link batch */
    int check_ms;
    kb_metrics_t *metrics; /* /metrics, or NULL when metrics/listen is empty */
};

static int
s_apply (kb_db_t *db, const char *sender, const char *stream, const char *message_id,
         const void *payload, size_t len, void *arg, char *reason_buf, size_t reason_len)
{
    zorg_server_t *self = arg;
    return zorg_handlers_apply (db, sender, stream, message_id, payload, len, &self->ctx,
                                reason_buf, reason_len);
}

/* The link batch's audit rows and outbox messages (kb_effects), and
   the handlers' view of them. */
static int
s_on_batch (kb_db_t *db, kb_link_batch_event_t event, void *arg)
{
    zorg_server_t *self = arg;
    int rc = kb_effects_on_batch (self->effects, db, event);
    self->ctx.audit = kb_effects_audit (self->effects);
    self->ctx.outbox = kb_effects_outbox (self->effects);
    return rc;
}


zorg_server_t *
zorg_server_new (const kb_config_t *config)
{
    char err[512];
    zorg_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->effects = kb_effects_new ();
    if (!self->effects)
        goto fail;
    self->check_ms = (int) kb_config_int (config, "transfer/check_ms");
    const char *rules_file = kb_config_str (config, "rules/file");
    self->rules = zorg_rules_load (rules_file, err, sizeof err);
    if (!self->rules) {
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
    if (kb_db_migrate (self->db, migrations, "zorgtoewijzing")
        || kb_db_migrate (self->db, migrations, "link") || kb_db_migrate (self->db, migrations, "audit"))
        goto fail;
    if (zorg_store_prepare (self->db))
        goto fail;
    self->ctx.db = self->db;
    self->ctx.rules = self->rules;
    self->ctx.deadline_s = (int) kb_config_int (config, "transfer/deadline_s");
    self->ctx.justification_min = (int) kb_config_int (config, "share/justification_min_chars");
    kb_link_receiver_config_t rcfg = {
        .on_batch = s_on_batch,
        .batch = (int) kb_config_int (config, "link/batch"),
        .max_attempts = (int) kb_config_int (config, "link/max_attempts"),
    };
    const char *listen = kb_config_str (config, "link/listen");
    self->receiver = kb_link_receiver_new (self->db, listen, s_apply, self, &rcfg);
    if (!self->receiver) {
        kb_error ("could not listen on link endpoint=\"%s\"", listen);
        goto fail;
    }
    kb_link_sender_config_t link = {
        .conninfo = conninfo,
        .schema = schema,
        .endpoint = kb_config_str (config, "link/intake"),
        .identity = ZORG_ACTOR,
        .retransmit_base_ms = (int) kb_config_int (config, "link/retransmit_ms"),
        .retransmit_max_ms = (int) kb_config_int (config, "link/retransmit_max_ms"),
        .max_attempts = (int) kb_config_int (config, "link/max_attempts"),
        .prune_after_s = (int) kb_config_int (config, "link/prune_after_s"),
        /* the trajectories are client-tracking's */
        .stream_prefix = ZORG_TRACKING_PREFIX,
        .exclude_prefix = true,
    };
    self->sender = kb_link_sender_new (&link);
    if (!self->sender)
        goto fail;
    const char *tracking = kb_config_str (config, "link/tracking");
    if (*tracking) {
        kb_link_sender_config_t track = link;
        track.endpoint = tracking;
        track.exclude_prefix = false;
        self->tracking = kb_link_sender_new (&track);
        if (!self->tracking)
            goto fail;
        self->ctx.tracking = true;
        kb_info ("trajectories go to client-tracking link=\"%s\"", tracking);
    }
    kb_info ("zorgtoewijzing serving link=\"%s\" mailbox_link=\"%s\" rules=%zu", listen,
             link.endpoint, zorg_rules_count (self->rules));
    const kb_metrics_sender_t senders[] = {
        { "intake", ZORG_TRACKING_PREFIX, true },
        { "client-tracking", ZORG_TRACKING_PREFIX, false },
    };
    kb_metrics_config_t mcfg = { .daemon = ZORG_ACTOR, .senders = senders, .n_senders = 2,
                                 .receiver = true };
    if (kb_metrics_start (config, &mcfg, &self->metrics))
        goto fail;
    return self;
fail:
    zorg_server_destroy (&self);
    return NULL;
}

void
zorg_server_destroy (zorg_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zorg_server_t *self = *self_p;
    kb_metrics_destroy (&self->metrics);
    kb_link_sender_destroy (&self->tracking);
    kb_link_sender_destroy (&self->sender);
    kb_link_receiver_destroy (&self->receiver);
    kb_db_destroy (&self->db);
    zorg_rules_destroy (&self->rules);
    kb_effects_destroy (&self->effects);
    free (self);
    *self_p = NULL;
}

/* New outbox rows: both senders look. */
static void
s_wake (zorg_server_t *self)
{
    kb_link_sender_wake (self->sender);
    if (self->tracking)
        kb_link_sender_wake (self->tracking);
}

/* Overdue transfers escalate, in a transaction of their own. */
static void
s_check_deadlines (zorg_server_t *self)
{
    if (kb_db_ensure (self->db, 0) != 0)
        return;
    int count = 0;
    kb_db_rc_t rc = kb_db_begin (self->db);
    if (rc == KB_DB_OK)
        rc = zorg_plan_expire_transfers (&self->ctx, 100, &count);
    if (rc == KB_DB_OK)
        rc = kb_db_commit (self->db);
    if (rc != KB_DB_OK) {
        kb_db_rollback (self->db);
        kb_warning ("could not check transfer deadlines sqlstate=%s", kb_db_last_sqlstate (self->db));
        return;
    }
    if (count > 0)
        s_wake (self);
}

int
zorg_server_run (zorg_server_t *self, volatile sig_atomic_t *stop)
{
    zpoller_t *poller = zpoller_new (kb_link_receiver_socket (self->receiver), NULL);
    int64_t next_check = zclock_mono ();
    while (!*stop) {
        int64_t now = zclock_mono ();
        if (now >= next_check) {
            s_check_deadlines (self);
            next_check = now + self->check_ms;
        }
        int wait = (int) (next_check - now);
        void *which = zpoller_wait (poller, wait < 200 ? (wait > 0 ? wait : 0) : 200);
        if (which && kb_link_receiver_handle (self->receiver) > 0)
            s_wake (self);
    }
    kb_link_receiver_stats_t st;
    kb_link_receiver_stats (self->receiver, &st);
    kb_info ("zorgtoewijzing stopping applied=%llu duplicates=%llu dead=%llu rollbacks=%llu",
             (unsigned long long) st.applied, (unsigned long long) st.duplicates,
             (unsigned long long) st.dead, (unsigned long long) st.rollbacks);
    zpoller_destroy (&poller);
    return 0;
}
