/*  kb_metrics - /metrics of a daemon: link health from its schema, process
    up and build info, and the daemon's own families. */
#include "ketenbus/kb_metrics.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef KB_VERSION
#define KB_VERSION "unknown"
#endif

struct _kb_metrics_t
{
    char *daemon, *conninfo, *schema;
    kb_metrics_sender_t *senders;
    size_t n_senders;
    bool receiver;
    kb_metrics_collect_fn *collect;
    void *arg;
    time_t started;
    kb_db_t *db; /* used only on the server's thread (kb_http) */
    struct MHD_Daemon *http;
};

void
kb_metrics_family (kb_http_buf_t *out, const char *name, const char *type, const char *help)
{
    kb_http_buf_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
s_label_value (kb_http_buf_t *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\')
            kb_http_buf_str (out, "\\\\");
        else if (*s == '"')
            kb_http_buf_str (out, "\\\"");
        else if (*s == '\n')
            kb_http_buf_str (out, "\\n");
        else
            kb_http_buf_add (out, s, 1);
    }
}

void
kb_metrics_sample (kb_http_buf_t *out, const char *name, double value, ...)
{
    kb_http_buf_str (out, name);
    va_list ap;
    va_start (ap, value);
    const char *key;
    bool first = true;
    while ((key = va_arg (ap, const char *))) {
        const char *val = va_arg (ap, const char *);
        kb_http_buf_printf (out, "%s%s=\"", first ? "{" : ",", key);
        s_label_value (out, val);
        kb_http_buf_str (out, "\"");
        first = false;
    }
    va_end (ap);
    if (!first)
        kb_http_buf_str (out, "}");
    if (isnan (value))
        kb_http_buf_str (out, " NaN\n");
    else if (value == floor (value) && fabs (value) < 1e15)
        kb_http_buf_printf (out, " %.0f\n", value);
    else
        kb_http_buf_printf (out, " %.3f\n", value);
}

/* Makes sure the metrics connection is there; false when the database is down. */
static bool
s_db_ready (kb_metrics_t *self)
{
    if (!self->db)
        self->db = kb_db_connect (self->conninfo, self->schema, 0);
    return self->db && kb_db_ensure (self->db, 0) == 0;
}

static int
s_link (kb_metrics_t *self, kb_http_buf_t *out)
{
    kb_link_outbox_status_t *st = calloc (self->n_senders ? self->n_senders : 1, sizeof *st);
    if (!st)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < self->n_senders && rc == 0; i++)
        rc = kb_link_outbox_status_prefix (
          self->db, self->senders[i].stream_prefix, self->senders[i].exclude_prefix, &st[i]);
    if (rc == 0 && self->n_senders) {
        kb_metrics_family (
          out,
          "ketenbus_link_outbox_pending",
          "gauge",
          "Outbox rows of this link sender neither acknowledged nor dead-lettered.");
        for (size_t i = 0; i < self->n_senders; i++)
            kb_metrics_sample (out,
                               "ketenbus_link_outbox_pending",
                               (double)st[i].pending,
                               "sender",
                               self->senders[i].name,
                               NULL);
        kb_metrics_family (
          out,
          "ketenbus_link_outbox_oldest_pending_seconds",
          "gauge",
          "Age of the oldest unacknowledged outbox row of this sender (0 when none).");
        for (size_t i = 0; i < self->n_senders; i++)
            kb_metrics_sample (out,
                               "ketenbus_link_outbox_oldest_pending_seconds",
                               st[i].oldest_pending_ms / 1000.0,
                               "sender",
                               self->senders[i].name,
                               NULL);
        kb_metrics_family (out,
                           "ketenbus_link_outbox_dead_letters",
                           "gauge",
                           "Outbox rows of this sender the receiver dead-lettered.");
        for (size_t i = 0; i < self->n_senders; i++)
            kb_metrics_sample (out,
                               "ketenbus_link_outbox_dead_letters",
                               (double)st[i].dead,
                               "sender",
                               self->senders[i].name,
                               NULL);
    }
    free (st);
    if (rc == 0 && self->receiver) {
        kb_link_inbox_status_t in;
        rc = kb_link_inbox_status (self->db, &in);
        if (rc == 0) {
            kb_metrics_family (out,
                               "ketenbus_link_inbox_dead_letters",
                               "gauge",
                               "Link messages this receiver set aside as dead letters (poison).");
            kb_metrics_sample (out, "ketenbus_link_inbox_dead_letters", (double)in.dead, NULL);
            kb_metrics_family (out,
                               "ketenbus_link_inbox_retrying",
                               "gauge",
                               "Link messages that failed to apply and wait for another attempt.");
            kb_metrics_sample (out, "ketenbus_link_inbox_retrying", (double)in.retrying, NULL);
        }
    }
    return rc;
}

void
kb_metrics_render (kb_metrics_t *self, kb_http_buf_t *out)
{
    kb_metrics_family (out, "ketenbus_up", "gauge", "1 while the daemon serves.");
    kb_metrics_sample (out, "ketenbus_up", 1, "daemon", self->daemon, NULL);
    kb_metrics_family (
      out, "ketenbus_build_info", "gauge", "The daemon and its version; always 1.");
    kb_metrics_sample (
      out, "ketenbus_build_info", 1, "daemon", self->daemon, "version", KB_VERSION, NULL);
    kb_metrics_family (out,
                       "ketenbus_process_start_time_seconds",
                       "gauge",
                       "Start time of the daemon since the epoch in seconds.");
    kb_metrics_sample (out, "ketenbus_process_start_time_seconds", (double)self->started, NULL);

    /* the database families go into their own buffer, so a failure half
       way leaves no half family behind */
    kb_http_buf_t db_out = { 0 };
    bool up = s_db_ready (self) && s_link (self, &db_out) == 0 &&
              (!self->collect || self->collect (self->db, &db_out, self->arg) == 0);
    kb_metrics_family (out,
                       "ketenbus_database_up",
                       "gauge",
                       "1 when the daemon's schema could be read for this scrape.");
    kb_metrics_sample (out, "ketenbus_database_up", up ? 1 : 0, NULL);
    if (up && db_out.data)
        kb_http_buf_add (out, db_out.data, db_out.len);
    if (!up)
        kb_warning ("could not read the metrics of schema \"%s\"", self->schema);
    kb_http_buf_free (&db_out);
}

static enum MHD_Result
s_handle (void *cls,
          struct MHD_Connection *connection,
          const char *url,
          const char *method,
          const char *version,
          const char *upload_data,
          size_t *upload_data_size,
          void **con_cls)
{
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    kb_metrics_t *self = cls;
    kb_http_buf_t out = { 0 };
    enum MHD_Result rc;
    if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0) {
        kb_http_buf_str (&out, "method not allowed\n");
        const char *extra[] = { "Allow", "GET, HEAD", NULL };
        rc = kb_http_answer (connection, 405, "text/plain; charset=utf-8", &out, extra);
    } else if (strcmp (url, "/metrics") != 0) {
        kb_http_buf_str (&out, "not found: try /metrics\n");
        rc = kb_http_answer (connection, 404, "text/plain; charset=utf-8", &out, NULL);
    } else {
        kb_metrics_render (self, &out);
        rc =
          kb_http_answer (connection, 200, "text/plain; version=0.0.4; charset=utf-8", &out, NULL);
    }
    kb_http_buf_free (&out);
    return rc;
}

kb_metrics_t *
kb_metrics_new (const kb_metrics_config_t *config)
{
    kb_metrics_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->daemon = strdup (config->daemon);
    self->conninfo = strdup (config->conninfo ? config->conninfo : "");
    self->schema = strdup (config->schema);
    self->senders = calloc (config->n_senders ? config->n_senders : 1, sizeof *self->senders);
    if (!self->daemon || !self->conninfo || !self->schema || !self->senders)
        goto fail;
    for (size_t i = 0; i < config->n_senders; i++) {
        self->senders[i].name = strdup (config->senders[i].name);
        self->senders[i].stream_prefix =
          strdup (config->senders[i].stream_prefix ? config->senders[i].stream_prefix : "");
        self->senders[i].exclude_prefix = config->senders[i].exclude_prefix;
        self->n_senders = i + 1;
        if (!self->senders[i].name || !self->senders[i].stream_prefix)
            goto fail;
    }
    self->receiver = config->receiver;
    self->collect = config->collect;
    self->arg = config->arg;
    self->started = time (NULL);
    /* one attempt now; the server thread tries again at every scrape */
    self->db = kb_db_connect (self->conninfo, self->schema, 0);
    self->http = kb_http_start (config->listen, 1, s_handle, self, NULL, NULL); /* one connection */
    if (!self->http)
        goto fail;
    kb_info ("metrics serving listen=\"%s\"", config->listen);
    return self;
fail:
    kb_metrics_destroy (&self);
    return NULL;
}

int
kb_metrics_start (const kb_config_t *config, kb_metrics_config_t *mcfg, kb_metrics_t **out)
{
    *out = NULL;
    mcfg->listen = kb_config_str (config, "metrics/listen");
    if (!mcfg->listen || !*mcfg->listen)
        return 0;
    mcfg->conninfo = kb_config_str (config, "db/conninfo");
    mcfg->schema = kb_config_str (config, "db/schema");
    *out = kb_metrics_new (mcfg);
    return *out ? 0 : -1;
}

void
kb_metrics_destroy (kb_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    kb_metrics_t *self = *self_p;
    /* the server thread is joined before its connection goes */
    if (self->http)
        MHD_stop_daemon (self->http);
    kb_db_destroy (&self->db);
    for (size_t i = 0; i < self->n_senders; i++) {
        free ((char *)self->senders[i].name);
        free ((char *)self->senders[i].stream_prefix);
    }
    free (self->senders);
    free (self->daemon);
    free (self->conninfo);
    free (self->schema);
    free (self);
    *self_p = NULL;
}

int
kb_metrics_port (kb_metrics_t *self)
{
    return self && self->http ? kb_http_port (self->http) : -1;
}
