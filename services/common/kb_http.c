/*  kb_http - listen addresses, one-thread libmicrohttpd servers, escaped
    text buffers and answers with the common headers. */
#include "ketenbus/kb_http.h"
#include "ketenbus/kb_log.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
kb_http_listen_parse (const char *listen, struct sockaddr_storage *addr, socklen_t *addr_len)
{
    if (!listen || !*listen || strlen (listen) > 100)
        return -1;
    char host[104];
    const char *port;
    if (listen[0] == '[') {
        const char *close = strchr (listen, ']');
        if (!close || close[1] != ':')
            return -1;
        size_t n = (size_t)(close - listen - 1);
        memcpy (host, listen + 1, n);
        host[n] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr (listen, ':');
        if (!colon || strchr (listen, ':') != colon)
            return -1;
        size_t n = (size_t)(colon - listen);
        memcpy (host, listen, n);
        host[n] = '\0';
        port = colon + 1;
    }
    if (!*host || !*port || strlen (port) > 5 || strspn (port, "0123456789") != strlen (port) ||
        atoi (port) > 65535)
        return -1;
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                              .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    if (getaddrinfo (host, port, &hints, &res) || !res)
        return -1;
    memcpy (addr, res->ai_addr, res->ai_addrlen);
    *addr_len = res->ai_addrlen;
    freeaddrinfo (res);
    return 0;
}

bool
kb_http_listen_is_loopback (const char *listen)
{
    struct sockaddr_storage addr;
    socklen_t len;
    if (kb_http_listen_parse (listen, &addr, &len))
        return false;
    if (addr.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&addr;
        return (ntohl (in->sin_addr.s_addr) >> 24) == 127;
    }
    if (addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&addr;
        return IN6_IS_ADDR_LOOPBACK (&in6->sin6_addr);
    }
    return false;
}

struct MHD_Daemon *
kb_http_start (const char *listen,
               unsigned threads,
               MHD_AccessHandlerCallback handler,
               void *arg,
               MHD_RequestCompletedCallback completed,
               void *completed_arg)
{
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    if (kb_http_listen_parse (listen, &addr, &addr_len)) {
        kb_error ("invalid listen address \"%s\": expected host:port", listen);
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    uint16_t port = addr.ss_family == AF_INET6 ? ntohs (((struct sockaddr_in6 *)&addr)->sin6_port)
                                               : ntohs (((struct sockaddr_in *)&addr)->sin_port);
    struct MHD_Daemon *d = MHD_start_daemon (flags,
                                             port,
                                             NULL,
                                             NULL,
                                             handler,
                                             arg,
                                             MHD_OPTION_SOCK_ADDR,
                                             (struct sockaddr *)&addr,
                                             MHD_OPTION_NOTIFY_COMPLETED,
                                             completed,
                                             completed_arg,
                                             MHD_OPTION_CONNECTION_LIMIT,
                                             (unsigned)64,
                                             MHD_OPTION_CONNECTION_TIMEOUT,
                                             (unsigned)30,
                                             MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                             (size_t)65536,
                                             MHD_OPTION_THREAD_POOL_SIZE,
                                             threads > 1 ? threads : 1u,
                                             MHD_OPTION_END);
    if (!d)
        kb_error ("could not listen for HTTP on \"%s\"", listen);
    return d;
}

int
kb_http_port (struct MHD_Daemon *daemon)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? (int)info->port : -1;
}

void
kb_http_buf_free (kb_http_buf_t *self)
{
    free (self->data);
    memset (self, 0, sizeof *self);
}

void
kb_http_buf_add (kb_http_buf_t *self, const char *data, size_t len)
{
    if (self->oom)
        return;
    if (self->len + len + 1 > self->cap) {
        size_t cap = self->cap ? self->cap : 1024;
        while (cap < self->len + len + 1)
            cap *= 2;
        char *grown = realloc (self->data, cap);
        if (!grown) {
            self->oom = true;
            return;
        }
        self->data = grown;
        self->cap = cap;
    }
    memcpy (self->data + self->len, data, len);
    self->len += len;
    self->data[self->len] = '\0';
}

void
kb_http_buf_str (kb_http_buf_t *self, const char *s)
{
    if (s)
        kb_http_buf_add (self, s, strlen (s));
}

void
kb_http_buf_printf (kb_http_buf_t *self, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (small, sizeof small, fmt, ap);
    va_end (ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        kb_http_buf_add (self, small, (size_t)n);
        return;
    }
    char *big = malloc ((size_t)n + 1);
    if (!big) {
        self->oom = true;
        return;
    }
    va_start (ap, fmt);
    vsnprintf (big, (size_t)n + 1, fmt, ap);
    va_end (ap);
    kb_http_buf_add (self, big, (size_t)n);
    free (big);
}

void
kb_http_buf_html (kb_http_buf_t *self, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
            case '&':
                kb_http_buf_str (self, "&amp;");
                break;
            case '<':
                kb_http_buf_str (self, "&lt;");
                break;
            case '>':
                kb_http_buf_str (self, "&gt;");
                break;
            case '"':
                kb_http_buf_str (self, "&quot;");
                break;
            case '\'':
                kb_http_buf_str (self, "&#39;");
                break;
            default:
                kb_http_buf_add (self, s, 1);
        }
    }
}

void
kb_http_buf_json (kb_http_buf_t *self, const char *s)
{
    kb_http_buf_str (self, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            kb_http_buf_str (self, c == '"' ? "\\\"" : "\\\\");
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            /* < > & too, so JSON stays inert if a browser ever sniffs it */
            kb_http_buf_printf (self, "\\u%04x", c);
        } else {
            kb_http_buf_add (self, s, 1);
        }
    }
    kb_http_buf_str (self, "\"");
}

void
kb_http_buf_csv (kb_http_buf_t *self, const char *s)
{
    if (!s)
        s = "";
    bool formula = *s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r';
    /* a negative number is data, not a formula: only when all of it is one */
    if (*s == '-' && s[1]) {
        const char *p = s + 1;
        while ((*p >= '0' && *p <= '9') || *p == '.' || *p == ',')
            p++;
        if (!*p && s[1] >= '0' && s[1] <= '9')
            formula = false;
    }
    bool quote = formula || strpbrk (s, ",\"\r\n;") != NULL;
    if (!quote) {
        kb_http_buf_str (self, s);
        return;
    }
    kb_http_buf_str (self, formula ? "\"'" : "\"");
    for (; *s; s++) {
        if (*s == '"')
            kb_http_buf_str (self, "\"\"");
        else
            kb_http_buf_add (self, s, 1);
    }
    kb_http_buf_str (self, "\"");
}

enum MHD_Result
kb_http_answer (struct MHD_Connection *connection,
                unsigned status,
                const char *content_type,
                const kb_http_buf_t *buf,
                const char *const *extra)
{
    const char *body = buf && buf->data && !buf->oom ? buf->data : "";
    size_t len = buf && !buf->oom ? buf->len : 0;
    if (buf && buf->oom)
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    struct MHD_Response *response =
      MHD_create_response_from_buffer (len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    MHD_add_response_header (response, "Content-Type", content_type);
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (response, "Cache-Control", "no-store");
    MHD_add_response_header (response, "Referrer-Policy", "no-referrer");
    for (size_t i = 0; extra && extra[i] && extra[i + 1]; i += 2)
        MHD_add_response_header (response, extra[i], extra[i + 1]);
    enum MHD_Result rc = MHD_queue_response (connection, status, response);
    MHD_destroy_response (response);
    return rc;
}
