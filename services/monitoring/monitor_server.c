/*  monitor_server - the link receiver in one loop. */
#include "monitor_server.h"
#include "monitor_auth.h"
#include "monitor_config.h"
#include "monitor_http.h"
#include "monitor_store.h"

#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_metrics.h"

#include <czmq.h>
#include <stdlib.h>

struct _monitor_server_t
{
    const kb_config_t *config;
    kb_db_t *db;
    kb_link_receiver_t *receiver;
    monitor_http_t *http;   /* the dashboard, or NULL when http/listen is empty */
    kb_metrics_t *metrics;  /* /metrics, or NULL when metrics/listen is empty */
};

/* The dashboard and /metrics: each with a connection and a thread of
   its own (monitor_http, kb_metrics), after the migrations. */
static int
s_http_start (monitor_server_t *self, const kb_config_t *config)
{
    const char *conninfo = kb_config_str (config, "db/conninfo");
    const char *schema = kb_config_str (config, "db/schema");
    const char *listen = kb_config_str (config, "http/listen");
    if (*listen) {
        monitor_http_config_t hcfg = {
            .listen = listen,
            .conninfo = conninfo,
            .schema = schema,
            .session_ttl_s = (int)kb_config_int (config, "http/session_ttl_s"),
            .cookie_secure = kb_config_bool (config, "http/cookie_secure"),
            .cache_s = (int)kb_config_int (config, "http/cache_s"),
            .threads = (int)kb_config_int (config, "http/threads"),
            .refused_audit_per_minute =
              (int)kb_config_int (config, "http/refused_audit_per_minute"),
        };
        monitor_config_report (config, &hcfg.report);
        if (!(self->http = monitor_http_new (&hcfg)))
            return -1;
    }
    kb_metrics_config_t mcfg = { .daemon = "monitoring", .receiver = true };
    return kb_metrics_start (config, &mcfg, &self->metrics);
}

monitor_server_t *
monitor_server_new (const kb_config_t *config)
{
    monitor_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    const char *migrations = kb_config_str (config, "db/migrations");
    self->db = kb_db_connect (kb_config_str (config, "db/conninfo"),
                              kb_config_str (config, "db/schema"),
                              (int)kb_config_int (config, "db/connect_timeout_ms"));
    if (!self->db) {
        kb_error ("could not connect to database");
        goto fail;
    }
    if (kb_db_migrate (self->db, migrations, "monitoring") ||
        kb_db_migrate (self->db, migrations, "link") ||
        kb_db_migrate (self->db, migrations, "audit"))
        goto fail;
    if (monitor_store_prepare (self->db))
        goto fail;
    kb_link_receiver_config_t rcfg = {
        .batch = (int)kb_config_int (config, "link/batch"),
        .max_attempts = (int)kb_config_int (config, "link/max_attempts"),
    };
    const char *listen = kb_config_str (config, "link/listen");
    self->receiver = kb_link_receiver_new (self->db, listen, monitor_store_apply, self, &rcfg);
    if (!self->receiver) {
        kb_error ("could not listen on link endpoint=\"%s\"", listen);
        goto fail;
    }
    kb_info ("monitoring serving link=\"%s\"", listen);
    if (s_http_start (self, config))
        goto fail;
    return self;
fail:
    monitor_server_destroy (&self);
    return NULL;
}

void
monitor_server_destroy (monitor_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    monitor_server_t *self = *self_p;
    monitor_http_destroy (&self->http);
    kb_metrics_destroy (&self->metrics);
    kb_link_receiver_destroy (&self->receiver);
    kb_db_destroy (&self->db);
    free (self);
    *self_p = NULL;
}

int
monitor_server_run (monitor_server_t *self, volatile sig_atomic_t *stop)
{
    zpoller_t *poller = zpoller_new (kb_link_receiver_socket (self->receiver), NULL);
    while (!*stop) {
        void *which = zpoller_wait (poller, 200);
        if (which)
            kb_link_receiver_handle (self->receiver);
    }
    kb_link_receiver_stats_t st;
    kb_link_receiver_stats (self->receiver, &st);
    kb_info ("monitoring stopping applied=%llu duplicates=%llu dead=%llu rollbacks=%llu",
             (unsigned long long)st.applied,
             (unsigned long long)st.duplicates,
             (unsigned long long)st.dead,
             (unsigned long long)st.rollbacks);
    zpoller_destroy (&poller);
    return 0;
}
