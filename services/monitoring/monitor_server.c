/*  monitor_server - the link receiver in one loop. */
#include "monitor_server.h"
#include "monitor_store.h"

#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"

#include <czmq.h>
#include <stdlib.h>

struct _monitor_server_t
{
    const kb_config_t *config;
    kb_db_t *db;
    kb_link_receiver_t *receiver;
};

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
        kb_db_migrate (self->db, migrations, "link"))
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
