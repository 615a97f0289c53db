/*  kb_metrics - a daemon's own health for Prometheus: GET /metrics in the
    text exposition format 0.0.4 (# HELP and # TYPE before every family) on
    the daemon's metrics/listen address, read from the daemon's schema over
    a connection of its own (kb_http: one thread, one request at a time).

    Every daemon exposes
      ketenbus_up, ketenbus_build_info{daemon,version},
      ketenbus_process_start_time_seconds, ketenbus_database_up,
      per link sender (label sender = the receiving daemon):
        ketenbus_link_outbox_pending, ketenbus_link_outbox_oldest_pending_seconds,
        ketenbus_link_outbox_dead_letters
      when it has a link receiver:
        ketenbus_link_inbox_dead_letters, ketenbus_link_inbox_retrying
    and a daemon adds its own families with a collect function (intake: rejects
    by code and the partner mailboxes). */
#ifndef KB_METRICS_H_INCLUDED
#define KB_METRICS_H_INCLUDED

#include "ketenbus/kb_config.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_http.h"

#include <stdbool.h>
#include <stddef.h>

/* One link sender of the daemon, as it is configured (kb_link_sender_config_t). */
typedef struct
{
    const char *name; /* label value: the receiver, e.g. "zorgtoewijzing" */
    const char *stream_prefix;
    bool exclude_prefix;
} kb_metrics_sender_t;

/* Writes a daemon's own families into out on the metrics connection db.
   Returns 0, or -1 when the database could not be read (the families
   written so far are kept; ketenbus_database_up becomes 0). */
typedef int (kb_metrics_collect_fn) (kb_db_t *db, kb_http_buf_t *out, void *arg);

typedef struct
{
    const char *listen;   /* "127.0.0.1:9471" */
    const char *daemon;   /* "intake" */
    const char *conninfo; /* the daemon's database and schema */
    const char *schema;
    const kb_metrics_sender_t *senders;
    size_t n_senders;
    bool receiver;                  /* the daemon has a link receiver */
    kb_metrics_collect_fn *collect; /* may be NULL */
    void *arg;
} kb_metrics_config_t;

typedef struct _kb_metrics_t kb_metrics_t;

/* Connects (one attempt: a database that is down shows as
   ketenbus_database_up 0 and is tried again at every scrape) and starts
   serving. NULL (after logging why) when the address is invalid or busy. */
kb_metrics_t *kb_metrics_new (const kb_metrics_config_t *config);
void kb_metrics_destroy (kb_metrics_t **self_p);
/* kb_metrics_new as the daemon's config says: listen, conninfo and schema
   from metrics/listen, db/conninfo and db/schema, the rest of mcfg from
   the caller. 0 with *out NULL when metrics/listen is empty (off), 0 with
   *out serving, or -1 (logged) when it could not start. */
int kb_metrics_start (const kb_config_t *config, kb_metrics_config_t *mcfg, kb_metrics_t **out);
/* The bound port. */
int kb_metrics_port (kb_metrics_t *self);

/* Renders the whole exposition into out (what GET /metrics answers). */
void kb_metrics_render (kb_metrics_t *self, kb_http_buf_t *out);

/*  Writing families, for collect functions */

/* "# HELP name help" and "# TYPE name type" (type: gauge, counter). */
void kb_metrics_family (kb_http_buf_t *out, const char *name, const char *type, const char *help);
/* One sample "name{k1="v1",...} value"; the label pairs (name, value)
   end with NULL; label values are escaped. */
void kb_metrics_sample (kb_http_buf_t *out, const char *name, double value, ...)
  __attribute__ ((sentinel));

#endif
