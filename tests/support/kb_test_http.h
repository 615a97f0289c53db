/*  kb_test_http - a tiny HTTP/1.0 client over a plain socket for tests of
    the daemons' HTTP servers (dashboard, /metrics), and a free port. */
#ifndef KB_TEST_HTTP_H_INCLUDED
#define KB_TEST_HTTP_H_INCLUDED

/* One request to 127.0.0.1:port. headers: extra header lines, each ending
   in "\r\n" (may be NULL); body may be NULL (POST sends it as a form).
   Returns the whole answer, status line and headers included (caller
   frees), or NULL when the server could not be reached; *status gets the
   status code (0 when unreachable). */
char *kbt_http (int port,
                const char *method,
                const char *path,
                const char *headers,
                const char *body,
                int *status);
/* The body of an answer (after the blank line), or "" */
const char *kbt_http_body (const char *answer);
/* The value of a header (case-insensitive name) copied into out; 0 or -1. */
int kbt_http_header (const char *answer, const char *name, char *out, int size);
/* A TCP port on 127.0.0.1 that was free a moment ago. */
int kbt_free_port (void);

#endif
