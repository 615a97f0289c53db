/*  tracking_server - receiver, senders and stale check in one loop. */
#include "tracking_server.h"
#include "tracking_handlers.h"
#include "tracking_stale.h"
#include "tracking_state.h"
#include "tracking_store.h"

#include "ketenbus/kb_db.h"
#include "ketenbus/kb_effects.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_metrics.h"

#include <czmq.h>
#include <stdlib.h>

#define S_STALE_BATCH 200

struct _tracking_server_t
{
    const kb_config_t *config;
    kb_db_t *db;
    tracking_ctx_t ctx;
    kb_link_receiver_t *receiver;
    kb_link_sender_t *monitoring; /* streams "monitoring:..." */
    kb_link_sender_t *mailbox;    /* every other stream: a partner mailbox in intake */
    kb_effects_t *effects; /* audit rows and outbox messages per link batch */
    int check_ms, no_plan_s, no_update_s;
    kb_metrics_t *metrics; /* /metrics, or NULL when metrics/listen is empty */
};

static int
s_apply (kb_db_t *db,
         const char *sender,
         const char *stream,
         const char *message_id,
         const void *payload,
         size_t len,
         void *arg,
         char *reason_buf,
         size_t reason_len)
{
    tracking_server_t *self = arg;
    return tracking_handlers_apply (
      db, sender, stream, message_id, payload, len, &self->ctx, reason_buf, reason_len);
}

/* The link batch's audit rows and outbox messages (kb_effects), and
   the handlers' view of them. */
static int
s_on_batch (kb_db_t *db, kb_link_batch_event_t event, void *arg)
{
    tracking_server_t *self = arg;
    int rc = kb_effects_on_batch (self->effects, db, event);
    self->ctx.audit = kb_effects_audit (self->effects);
    self->ctx.outbox = kb_effects_outbox (self->effects);
    return rc;
}

static kb_link_sender_t *
s_sender (const kb_config_t *config, const char *endpoint_key, bool exclude)
{
    kb_link_sender_config_t link = {
        .conninfo = kb_config_str (config, "db/conninfo"),
        .schema = kb_config_str (config, "db/schema"),
        .endpoint = kb_config_str (config, endpoint_key),
        .identity = TRACKING_ACTOR,
        .retransmit_base_ms = (int)kb_config_int (config, "link/retransmit_ms"),
        .retransmit_max_ms = (int)kb_config_int (config, "link/retransmit_max_ms"),
        .max_attempts = (int)kb_config_int (config, "link/max_attempts"),
        .prune_after_s = (int)kb_config_int (config, "link/prune_after_s"),
        .stream_prefix = TRACKING_MONITOR_PREFIX,
        .exclude_prefix = exclude,
    };
    return kb_link_sender_new (&link);
}

tracking_server_t *
tracking_server_new (const kb_config_t *config)
{
    tracking_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->effects = kb_effects_new ();
    if (!self->effects)
        goto fail;
    self->check_ms = (int)kb_config_int (config, "stale/check_ms");
    self->no_plan_s = (int)kb_config_int (config, "stale/no_plan_s");
    self->no_update_s = (int)kb_config_int (config, "stale/no_update_s");
    self->ctx.stable_threshold = (int)kb_config_int (config, "stable/threshold");
    self->ctx.regie_source = kb_config_str (config, "trajectory/regie_source");
    if (tracking_domains_parse (kb_config_str (config, "stable/domains"),
                                &self->ctx.stable_domains)) {
        kb_error (
          "invalid value for configuration key \"stable/domains\": not a list of life domains");
        goto fail;
    }
    const char *conninfo = kb_config_str (config, "db/conninfo");
    const char *schema = kb_config_str (config, "db/schema");
    const char *migrations = kb_config_str (config, "db/migrations");
    self->db =
      kb_db_connect (conninfo, schema, (int)kb_config_int (config, "db/connect_timeout_ms"));
    if (!self->db) {
        kb_error ("could not connect to database");
        goto fail;
    }
    if (kb_db_migrate (self->db, migrations, "client-tracking") ||
        kb_db_migrate (self->db, migrations, "link") ||
        kb_db_migrate (self->db, migrations, "audit"))
        goto fail;
    if (tracking_store_prepare (self->db) || kb_outbox_prepare (self->db) ||
        kb_audit_prepare (self->db))
        goto fail;
    self->ctx.db = self->db;
    if (tracking_store_load_key (&self->ctx) != KB_DB_OK)
        goto fail;
    kb_link_receiver_config_t rcfg = {
        .on_batch = s_on_batch,
        .batch = (int)kb_config_int (config, "link/batch"),
        .max_attempts = (int)kb_config_int (config, "link/max_attempts"),
    };
    const char *listen = kb_config_str (config, "link/listen");
    self->receiver = kb_link_receiver_new (self->db, listen, s_apply, self, &rcfg);
    if (!self->receiver) {
        kb_error ("could not listen on link endpoint=\"%s\"", listen);
        goto fail;
    }
    self->monitoring = s_sender (config, "link/monitoring", false);
    self->mailbox = s_sender (config, "link/intake", true);
    if (!self->monitoring || !self->mailbox)
        goto fail;
    kb_info ("client-tracking serving link=\"%s\" monitoring_link=\"%s\" mailbox_link=\"%s\"",
             listen,
             kb_config_str (config, "link/monitoring"),
             kb_config_str (config, "link/intake"));
    const kb_metrics_sender_t senders[] = {
        { "monitoring", TRACKING_MONITOR_PREFIX, false },
        { "intake", TRACKING_MONITOR_PREFIX, true },
    };
    kb_metrics_config_t mcfg = { .daemon = TRACKING_ACTOR, .senders = senders, .n_senders = 2,
                                 .receiver = true };
    if (kb_metrics_start (config, &mcfg, &self->metrics))
        goto fail;
    return self;
fail:
    tracking_server_destroy (&self);
    return NULL;
}

void
tracking_server_destroy (tracking_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tracking_server_t *self = *self_p;
    kb_metrics_destroy (&self->metrics);
    kb_link_sender_destroy (&self->mailbox);
    kb_link_sender_destroy (&self->monitoring);
    kb_link_receiver_destroy (&self->receiver);
    kb_db_destroy (&self->db);
    kb_effects_destroy (&self->effects);
    free (self);
    *self_p = NULL;
}

/* Stale trajectories get their reminders, in a transaction of their own. */
static void
s_check_stale (tracking_server_t *self)
{
    if (kb_db_ensure (self->db, 0) != 0)
        return;
    int count = 0;
    self->ctx.db = self->db;
    kb_db_rc_t rc = kb_db_begin (self->db);
    if (rc == KB_DB_OK)
        rc = tracking_stale_check (
          &self->ctx, self->no_plan_s, self->no_update_s, S_STALE_BATCH, &count);
    if (rc == KB_DB_OK)
        rc = kb_db_commit (self->db);
    if (rc != KB_DB_OK) {
        kb_db_rollback (self->db);
        kb_warning ("could not check stale trajectories sqlstate=%s",
                    kb_db_last_sqlstate (self->db));
        return;
    }
    if (count > 0) {
        kb_link_sender_wake (self->mailbox);
        kb_link_sender_wake (self->monitoring);
    }
}

int
tracking_server_run (tracking_server_t *self, volatile sig_atomic_t *stop)
{
    zpoller_t *poller = zpoller_new (kb_link_receiver_socket (self->receiver), NULL);
    int64_t next_check = zclock_mono ();
    while (!*stop) {
        int64_t now = zclock_mono ();
        if (now >= next_check) {
            s_check_stale (self);
            next_check = now + self->check_ms;
        }
        int wait = (int)(next_check - now);
        void *which = zpoller_wait (poller, wait < 200 ? (wait > 0 ? wait : 0) : 200);
        if (which && kb_link_receiver_handle (self->receiver) > 0)
            kb_link_sender_wake (self->monitoring);
    }
    kb_link_receiver_stats_t st;
    kb_link_receiver_stats (self->receiver, &st);
    kb_info ("client-tracking stopping applied=%llu duplicates=%llu dead=%llu rollbacks=%llu",
             (unsigned long long)st.applied,
             (unsigned long long)st.duplicates,
             (unsigned long long)st.dead,
             (unsigned long long)st.rollbacks);
    zpoller_destroy (&poller);
    return 0;
}
