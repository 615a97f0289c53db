/*  kb_http - what the daemons' small HTTP servers (kb_metrics' /metrics,
    monitoring's dashboard) share: the "address:port" of a listen key, one
    libmicrohttpd daemon with its internal thread(s), a growing text buffer
    with HTML, JSON and CSV escaping, and the answer with the headers every
    response carries.

    Threading: kb_http_start runs libmicrohttpd with
    MHD_USE_INTERNAL_POLLING_THREAD and a pool of `threads` threads. With
    one, every request handler of the server runs on that one thread, one
    request at a time, and the server may own one libpq connection
    (kb_db_t), opened before kb_http_start and used only from its handler
    (/metrics does). With more, handlers run concurrently and each needs a
    connection of its own (the dashboard keeps one per thread): a libpq
    connection is never shared between threads. The daemon's own loop and
    connection are untouched. */
#ifndef KB_HTTP_H_INCLUDED
#define KB_HTTP_H_INCLUDED

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Parses "host:port" or "[v6]:port" (numeric host, port 0..65535) into
   addr. Returns 0, or -1 when it is not that. */
int kb_http_listen_parse (const char *listen, struct sockaddr_storage *addr, socklen_t *addr_len);
/* Whether listen is a valid address on the loopback interface
   (127.0.0.0/8 or ::1): reachable from this machine only. */
bool kb_http_listen_is_loopback (const char *listen);

/* Starts a server on listen with `threads` internal threads (1 or more, see
   above); handler and arg as for MHD_start_daemon, completed (may be NULL)
   is called when a request ends (free per-request state there). NULL
   (after logging why) when listen is invalid or cannot be bound. */
struct MHD_Daemon *kb_http_start (const char *listen,
                                  unsigned threads,
                                  MHD_AccessHandlerCallback handler,
                                  void *arg,
                                  MHD_RequestCompletedCallback completed,
                                  void *completed_arg);
/* The port the server is bound to (useful after port 0). */
int kb_http_port (struct MHD_Daemon *daemon);

/*  A growing text buffer. Zero-initialise; after a failed allocation
    oom is set and everything added later is dropped. */
typedef struct
{
    char *data;
    size_t len, cap;
    bool oom;
} kb_http_buf_t;

void kb_http_buf_free (kb_http_buf_t *self);
void kb_http_buf_add (kb_http_buf_t *self, const char *data, size_t len);
void kb_http_buf_str (kb_http_buf_t *self, const char *s);
void kb_http_buf_printf (kb_http_buf_t *self, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
/* s escaped for HTML text and attribute values (& < > " '). */
void kb_http_buf_html (kb_http_buf_t *self, const char *s);
/* s as a JSON string, quotes included (control characters as \uXXXX). */
void kb_http_buf_json (kb_http_buf_t *self, const char *s);
/* s as one CSV field (RFC 4180: quoted when it holds , " CR or LF; a
   leading = + - @ is prefixed with ' so spreadsheets do not run it). */
void kb_http_buf_csv (kb_http_buf_t *self, const char *s);

/* Queues an answer with status, content type and the body in buf (copied),
   plus the headers every answer of these servers carries:
   X-Content-Type-Options nosniff, Cache-Control no-store, Referrer-Policy
   no-referrer. extra (may be NULL) is a NULL-terminated list of header
   name, value pairs. Returns MHD's result. */
enum MHD_Result kb_http_answer (struct MHD_Connection *connection,
                                unsigned status,
                                const char *content_type,
                                const kb_http_buf_t *buf,
                                const char *const *extra);

#endif
