/*  monitor_http - the dashboard: the ketencoordinator's report (/) and the
    3D aggregates (/3d) as HTML with inline SVG charts, every table as CSV
    and JSON (/export/<page>/<table>.csv|.json, the whole page as
    /export/<page>.json), logins (/login, /logout), filters as query
    parameters (period, p, gemeente, gebied).

    Threading: one libmicrohttpd server with a pool of `threads` threads
    (kb_http), so a slow page (a large region, not in the cache) does not
    hold up the others. The dashboard keeps one database connection per
    thread (libpq connections are not shared between threads; the daemon's
    link receiver keeps its own); a request takes a free one. The page cache
    is shared under a lock; audit rows from several connections are chained
    one after the other by the audit head's row lock.

    Access: a session cookie from POST /login with a token, or
    "Authorization: Bearer <token>" (monitor_auth). Fails closed: no or bad
    credentials are refused. The gemeente role sees one gemeente: the
    filter is forced to it, and asking for another is refused (403), for
    pages and exports alike. Every request for figures, every login and
    every refusal is written to the audit log (kb_audit in monitoring's
    schema) on the dashboard's connection before anything is shown -
    except that refusals of requests without a valid login are audited
    one by one only up to refused_audit_per_minute a minute: beyond that
    they are counted, and the count is audited once (outcome
    "rate_limited", reason "count_<n>") with the first refusal after that
    minute, or when the daemon stops. A stranger hammering the port cannot grow the
    append-only audit log without bound. */
#ifndef MONITOR_HTTP_H_INCLUDED
#define MONITOR_HTTP_H_INCLUDED

#include "monitor_report.h"

#include <stdbool.h>

typedef struct
{
    const char *listen;   /* "127.0.0.1:8480" */
    const char *conninfo; /* the dashboard's own connection */
    const char *schema;
    int session_ttl_s;
    bool cookie_secure; /* Secure attribute (behind TLS) */
    int cache_s;        /* a built page is reused this long (0: never) */
    int threads;        /* server threads and database connections (1..16) */
    int refused_audit_per_minute; /* refusals without a login audited one by one */
    monitor_report_config_t report;
} monitor_http_config_t;

#define MONITOR_HTTP_THREADS_MAX 16

typedef struct _monitor_http_t monitor_http_t;

/* Connects, prepares and starts serving; NULL (after logging why) when
   the database cannot be reached or the address is invalid or busy.
   Migrations are the daemon's job (monitor_server) and come first. */
monitor_http_t *monitor_http_new (const monitor_http_config_t *config);
void monitor_http_destroy (monitor_http_t **self_p);
int monitor_http_port (monitor_http_t *self);

#endif
