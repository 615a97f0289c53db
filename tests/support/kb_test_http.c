/*  kb_test_http - HTTP/1.0 over a plain socket, for tests only. */
#include "kb_test_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

char *
kbt_http (int port,
          const char *method,
          const char *path,
          const char *headers,
          const char *body,
          int *status)
{
    *status = 0;
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return NULL;
    struct timeval tv = { .tv_sec = 20 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t)port) };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (connect (fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close (fd);
        return NULL;
    }
    char *req = NULL;
    int n = asprintf (&req,
                      "%s %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n%s%s%s\r\n%s",
                      method,
                      path,
                      port,
                      headers ? headers : "",
                      body ? "Content-Type: application/x-www-form-urlencoded\r\n" : "",
                      "",
                      body ? body : "");
    if (n < 0) {
        close (fd);
        return NULL;
    }
    if (body) {
        /* Content-Length goes before the blank line */
        free (req);
        n = asprintf (&req,
                      "%s %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n%sContent-Type: "
                      "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
                      method,
                      path,
                      port,
                      headers ? headers : "",
                      strlen (body),
                      body);
    }
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write (fd, req + off, (size_t)(n - off));
        if (w <= 0)
            break;
        off += w;
    }
    free (req);
    size_t cap = 65536, len = 0;
    char *out = malloc (cap);
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap *= 2;
            out = realloc (out, cap);
        }
        ssize_t r = read (fd, out + len, 4096);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    out[len] = '\0';
    close (fd);
    if (len > 12 && strncmp (out, "HTTP/1.", 7) == 0)
        *status = atoi (out + 9);
    return out;
}

const char *
kbt_http_body (const char *answer)
{
    const char *p = answer ? strstr (answer, "\r\n\r\n") : NULL;
    return p ? p + 4 : "";
}

int
kbt_http_header (const char *answer, const char *name, char *out, int size)
{
    size_t nlen = strlen (name);
    const char *end = answer ? strstr (answer, "\r\n\r\n") : NULL;
    for (const char *p = answer ? strstr (answer, "\r\n") : NULL; p && p < end;
         p = strstr (p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp (line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr (v, "\r\n");
            snprintf (out, (size_t)size, "%.*s", (int)(e - v), v);
            return 0;
        }
    }
    return -1;
}

int
kbt_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind (fd, (struct sockaddr *)&addr, sizeof addr) ||
        getsockname (fd, (struct sockaddr *)&addr, &len))
        abort ();
    close (fd);
    return ntohs (addr.sin_port);
}
