/*  monitor_http - routing, logins, the gemeente rule and the audit rows of
    the dashboard; monitor_render writes what is shown. */
#include "monitor_http.h"
#include "monitor_auth.h"
#include "monitor_cache.h"
#include "monitor_render.h"

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_http.h"
#include "ketenbus/kb_log.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define S_BODY_MAX 4096
#define S_COOKIE "kb_session"
#define S_CSP                                                                                      \
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "                   \
    "frame-ancestors 'none'; base-uri 'none'"

struct _monitor_http_t
{
    monitor_http_config_t config;
    char *conninfo, *schema, *tariffs;
    /* one connection per server thread (a libpq connection is never shared
       between threads): a request takes a free one and gives it back */
    kb_db_t *db[MONITOR_HTTP_THREADS_MAX];
    bool busy[MONITOR_HTTP_THREADS_MAX];
    int nthreads;
    pthread_mutex_t lock;     /* the busy flags and the cache */
    pthread_cond_t released;
    bool lock_ready;
    monitor_cache_t *cache;   /* a report in it is read only under lock */
    struct MHD_Daemon *http;
    /* refusals without a login in the current minute (under lock) */
    int64_t refused_window_ms;
    int refused_audited;
    long refused_counted;
};

/* A free connection of the pool (one per thread: never waits long). */
static int
s_db_take (monitor_http_t *self)
{
    pthread_mutex_lock (&self->lock);
    int slot = -1;
    while (slot < 0) {
        for (int i = 0; i < self->nthreads && slot < 0; i++)
            if (!self->busy[i])
                slot = i;
        if (slot < 0)
            pthread_cond_wait (&self->released, &self->lock);
    }
    self->busy[slot] = true;
    pthread_mutex_unlock (&self->lock);
    return slot;
}

static void
s_db_give (monitor_http_t *self, int slot)
{
    pthread_mutex_lock (&self->lock);
    self->busy[slot] = false;
    pthread_cond_signal (&self->released);
    pthread_mutex_unlock (&self->lock);
}

/* one request: the body of a POST as it arrives */
typedef struct
{
    kb_http_buf_t body;
    bool too_big;
} s_request_t;

/* the security headers of every answer, plus up to three more pairs */
static enum MHD_Result
s_answer (struct MHD_Connection *conn,
          unsigned status,
          const char *type,
          const kb_http_buf_t *body,
          const char *k1,
          const char *v1,
          const char *k2,
          const char *v2)
{
    const char *extra[] = {
        "Content-Security-Policy", S_CSP, "X-Frame-Options", "DENY", k1, v1, k2, v2, NULL
    };
    if (!k1)
        extra[4] = NULL;
    else if (!k2)
        extra[6] = NULL;
    return kb_http_answer (conn, status, type, body, extra);
}

static enum MHD_Result
s_text (struct MHD_Connection *conn, unsigned status, const char *message)
{
    kb_http_buf_t out = { 0 };
    kb_http_buf_str (&out, message);
    kb_http_buf_str (&out, "\n");
    enum MHD_Result rc =
      s_answer (conn, status, "text/plain; charset=utf-8", &out, NULL, NULL, NULL, NULL);
    kb_http_buf_free (&out);
    return rc;
}

static enum MHD_Result
s_message (struct MHD_Connection *conn, unsigned status, const char *title, const char *message)
{
    kb_http_buf_t out = { 0 };
    monitor_render_message (&out, title, message);
    enum MHD_Result rc =
      s_answer (conn, status, "text/html; charset=utf-8", &out, NULL, NULL, NULL, NULL);
    kb_http_buf_free (&out);
    return rc;
}

static enum MHD_Result
s_redirect (struct MHD_Connection *conn, unsigned status, const char *location, const char *cookie)
{
    kb_http_buf_t out = { 0 };
    return s_answer (conn,
                     status,
                     "text/plain; charset=utf-8",
                     &out,
                     "Location",
                     location,
                     cookie ? "Set-Cookie" : NULL,
                     cookie);
}

/*  Audit */

/* The request path as an audit code: [A-Za-z0-9._:-], '/' as ':', at most
   64 bytes; the gemeente of the filter is added (a CBS code, no personal
   data). Query values such as gebied are not written. */
static void
s_reason (char *buf, size_t size, const char *path, const char *gemeente)
{
    size_t n = 0;
    const char *p = path && path[0] == '/' ? path + 1 : path;
    if (!p || !*p)
        p = "index";
    for (; *p && n + 1 < size; p++) {
        char c = *p;
        buf[n++] = c == '/'                                                           ? ':'
                   : (isalnum ((unsigned char)c) || c == '.' || c == '_' || c == '-') ? c
                                                                                      : '_';
    }
    buf[n] = '\0';
    if (gemeente && *gemeente && strlen (gemeente) == 4 && strspn (gemeente, "0123456789") == 4 &&
        n + 15 < size)
        snprintf (buf + n, size - n, ":gemeente:%s", gemeente);
}

/* Writes entry as an audit row of its own and commits it. Returns 0, or
   -1: then nothing may be shown. */
static int
s_audit_write (kb_db_t *db, const kb_audit_entry_t *entry)
{
    kb_db_rc_t rc = kb_db_begin (db);
    if (rc == KB_DB_OK)
        rc = (kb_db_rc_t)kb_audit_append (db, entry);
    if (rc == KB_DB_OK)
        rc = kb_db_commit (db);
    if (rc != KB_DB_OK) {
        kb_db_rollback (db);
        kb_error ("could not write the dashboard audit row event=\"%s\"", entry->event);
        return -1;
    }
    return 0;
}

/* One dashboard event as an audit row (s_audit_write). */
static int
s_audit (kb_db_t *db,
         const monitor_user_t *user,
         const char *event,
         char action,
         const char *path,
         const char *gemeente,
         const char *outcome,
         bool authorised)
{
    char reason[KB_AUDIT_CODE_MAX + 1], org[32];
    s_reason (reason, sizeof reason, path, gemeente);
    if (user && user->role == MONITOR_ROLE_GEMEENTE)
        snprintf (org, sizeof org, "gemeente:%s", user->gemeente);
    else if (user && user->role == MONITOR_ROLE_KETENCOORDINATOR)
        snprintf (org, sizeof org, "ketencoordinator");
    else
        snprintf (org, sizeof org, "anonymous");
    kb_audit_entry_t entry = { .actor_org = org,
                               .actor_user = user && user->role ? user->name : NULL,
                               .event = event,
                               .action = action,
                               .reason = reason,
                               .outcome = outcome,
                               .authorised = authorised };
    return s_audit_write (db, &entry);
}

static int64_t
s_mono_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The audit row of refusals that were only counted. */
static int
s_audit_counted (kb_db_t *db, long count)
{
    char reason[32];
    snprintf (reason, sizeof reason, "count_%ld", count);
    kb_audit_entry_t entry = { .actor_org = "anonymous",
                               .event = "dashboard.denied",
                               .action = 'R',
                               .reason = reason,
                               .outcome = "rate_limited" };
    if (s_audit_write (db, &entry) != 0)
        return -1;
    kb_warning ("dashboard refusals without a login counted, not audited one by one count=%ld",
                count);
    return 0;
}

/* A refusal of a request without a valid login: audited one by one up to
   refused_audit_per_minute a minute, then counted (see monitor_http.h).
   Returns 0, or -1: then nothing may be shown. */
static int
s_audit_refused (monitor_http_t *self,
                 kb_db_t *db,
                 const char *event,
                 char action,
                 const char *path,
                 const char *outcome)
{
    int64_t now = s_mono_ms ();
    long counted = 0;
    pthread_mutex_lock (&self->lock);
    if (now - self->refused_window_ms >= 60000) {
        counted = self->refused_counted;
        self->refused_counted = 0;
        self->refused_audited = 0;
        self->refused_window_ms = now;
    }
    bool one_by_one = self->refused_audited < self->config.refused_audit_per_minute;
    if (one_by_one)
        self->refused_audited++;
    else
        self->refused_counted++;
    pthread_mutex_unlock (&self->lock);
    if (counted > 0 && s_audit_counted (db, counted) != 0) {
        /* not written: counted again, for the next attempt */
        pthread_mutex_lock (&self->lock);
        self->refused_counted += counted;
        pthread_mutex_unlock (&self->lock);
        return -1;
    }
    return one_by_one ? s_audit (db, NULL, event, action, path, NULL, outcome, false) : 0;
}

/*  Authentication */

/* The value of field name in an application/x-www-form-urlencoded body,
   decoded, into out; false when absent or too long. */
static bool
s_form_value (const char *body, const char *name, char *out, size_t size)
{
    size_t nlen = strlen (name);
    for (const char *p = body; p && *p;) {
        const char *end = strchr (p, '&');
        size_t len = end ? (size_t)(end - p) : strlen (p);
        if (len > nlen && strncmp (p, name, nlen) == 0 && p[nlen] == '=') {
            size_t o = 0;
            for (size_t i = nlen + 1; i < len; i++) {
                char c = p[i];
                if (c == '+')
                    c = ' ';
                else if (c == '%' && i + 2 < len + 1 && isxdigit ((unsigned char)p[i + 1]) &&
                         isxdigit ((unsigned char)p[i + 2])) {
                    char hex[3] = { p[i + 1], p[i + 2], 0 };
                    c = (char)strtol (hex, NULL, 16);
                    i += 2;
                }
                if (o + 1 >= size)
                    return false;
                out[o++] = c;
            }
            out[o] = '\0';
            return true;
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

typedef enum
{
    S_AUTH_OK,
    S_AUTH_NONE,    /* no credentials */
    S_AUTH_REFUSED, /* unknown, revoked or expired */
    S_AUTH_ERROR    /* database */
} s_auth_t;

static s_auth_t
s_authenticate (kb_db_t *db,
                struct MHD_Connection *conn,
                monitor_user_t *user,
                bool *bearer)
{
    const char *authz = MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "Authorization");
    int rc;
    *bearer = false;
    if (authz) {
        *bearer = true;
        if (strncasecmp (authz, "Bearer ", 7) != 0)
            return S_AUTH_REFUSED;
        const char *token = authz + 7;
        while (*token == ' ')
            token++;
        rc = monitor_auth_token (db, token, user);
    } else {
        const char *session = MHD_lookup_connection_value (conn, MHD_COOKIE_KIND, S_COOKIE);
        if (!session)
            return S_AUTH_NONE;
        rc = monitor_auth_session (db, session, user);
    }
    return rc == MONITOR_AUTH_OK        ? S_AUTH_OK
           : rc == MONITOR_AUTH_REFUSED ? S_AUTH_REFUSED
                                        : S_AUTH_ERROR;
}

/*  Routes */

static enum MHD_Result
s_login (monitor_http_t *self, kb_db_t *db, struct MHD_Connection *conn, const char *method,
         s_request_t *req)
{
    kb_http_buf_t out = { 0 };
    enum MHD_Result result;
    if (strcmp (method, "POST") != 0) {
        monitor_render_login (&out, NULL);
        result = s_answer (conn, 200, "text/html; charset=utf-8", &out, NULL, NULL, NULL, NULL);
        kb_http_buf_free (&out);
        return result;
    }
    char token[MONITOR_AUTH_TOKEN_LEN + 8];
    monitor_user_t user;
    int rc = MONITOR_AUTH_REFUSED;
    if (!req->too_big && req->body.data &&
        s_form_value (req->body.data, "token", token, sizeof token)) {
        char *t = token;
        while (*t == ' ')
            t++;
        size_t len = strlen (t);
        while (len && (t[len - 1] == ' ' || t[len - 1] == '\r' || t[len - 1] == '\n'))
            t[--len] = '\0';
        rc = monitor_auth_token (db, t, &user);
    }
    char session[MONITOR_AUTH_SESSION_LEN + 1];
    if (rc == MONITOR_AUTH_OK &&
        monitor_auth_session_new (db, user.id, self->config.session_ttl_s, session) != 0)
        rc = MONITOR_AUTH_ERROR;
    if (rc == MONITOR_AUTH_ERROR) {
        return s_message (conn, 503, "Niet beschikbaar", "De database is niet bereikbaar.");
    }
    if (rc != MONITOR_AUTH_OK) {
        if (s_audit_refused (self, db, "dashboard.login", 'E', "/login", "refused"))
            return s_message (conn, 500, "Fout", "Het auditlog kon niet worden geschreven.");
        kb_info ("dashboard login refused");
        monitor_render_login (&out, "Onbekend, ingetrokken of verlopen token.");
        result = s_answer (conn, 401, "text/html; charset=utf-8", &out, NULL, NULL, NULL, NULL);
        kb_http_buf_free (&out);
        return result;
    }
    if (s_audit (db, &user, "dashboard.login", 'E', "/login", NULL, "ok", true))
        return s_message (conn, 500, "Fout", "Het auditlog kon niet worden geschreven.");
    kb_info ("dashboard login user_id=%lld", user.id);
    char cookie[256];
    snprintf (cookie,
              sizeof cookie,
              S_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
              session,
              self->config.session_ttl_s,
              self->config.cookie_secure ? "; Secure" : "");
    return s_redirect (conn, 303, "/", cookie);
}

static enum MHD_Result
s_logout (monitor_http_t *self, kb_db_t *db, struct MHD_Connection *conn)
{
    const char *session = MHD_lookup_connection_value (conn, MHD_COOKIE_KIND, S_COOKIE);
    if (session) {
        monitor_user_t user;
        bool bearer;
        bool known = s_authenticate (db, conn, &user, &bearer) == S_AUTH_OK;
        /* the session must be gone on the server, not only the cookie */
        if (monitor_auth_session_end (db, session) != 0)
            return s_message (conn, 503, "Niet beschikbaar", "De database is niet bereikbaar.");
        /* a logout without a valid session is a refusal without a login:
           within the same limit */
        if (known ? s_audit (db, &user, "dashboard.logout", 'E', "/logout", NULL, "ok", true)
                  : s_audit_refused (
                      self, db, "dashboard.logout", 'E', "/logout", "unknown_session"))
            return s_message (conn, 500, "Fout", "Het auditlog kon niet worden geschreven.");
    }
    return s_redirect (
      conn, 303, "/login", S_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

/* What a figures request asks for. */
typedef struct
{
    monitor_page_t page;
    bool html;      /* the page itself, else an export */
    bool csv;       /* an export as CSV, else JSON */
    char table[80]; /* "" for the whole page */
} s_target_t;

/* "/", "/3d", "/export/<page>.json", "/export/<page>/<table>.csv|.json" */
static bool
s_target_parse (const char *url, s_target_t *t)
{
    memset (t, 0, sizeof *t);
    if (strcmp (url, "/") == 0 || strcmp (url, "/3d") == 0) {
        t->page = url[1] ? MONITOR_PAGE_3D : MONITOR_PAGE_KETEN;
        t->html = true;
        return true;
    }
    if (strncmp (url, "/export/", 8) != 0)
        return false;
    const char *rest = url + 8;
    char page[8];
    size_t plen = strcspn (rest, "/.");
    if (plen == 0 || plen >= sizeof page)
        return false;
    memcpy (page, rest, plen);
    page[plen] = '\0';
    if (monitor_render_page_parse (page, &t->page))
        return false;
    rest += plen;
    if (strcmp (rest, ".json") == 0)
        return true;
    if (*rest != '/')
        return false;
    rest++;
    size_t len = strlen (rest);
    if (len > 4 && strcmp (rest + len - 4, ".csv") == 0) {
        t->csv = true;
        len -= 4;
    } else if (len > 5 && strcmp (rest + len - 5, ".json") == 0) {
        len -= 5;
    } else {
        return false;
    }
    if (len == 0 || len >= sizeof t->table ||
        strspn (rest, "abcdefghijklmnopqrstuvwxyz0123456789_") < len)
        return false;
    memcpy (t->table, rest, len);
    t->table[len] = '\0';
    return true;
}

static const char *
s_arg (struct MHD_Connection *conn, const char *name)
{
    const char *v = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, name);
    return v ? v : "";
}

static enum MHD_Result
s_figures (monitor_http_t *self,
           kb_db_t *db,
           struct MHD_Connection *conn,
           const char *url,
           const s_target_t *target)
{
    const char *event = target->html ? "dashboard.view" : "dashboard.export";
    const char *kind = s_arg (conn, "period"), *period = s_arg (conn, "p"),
               *gemeente = s_arg (conn, "gemeente"), *gebied = s_arg (conn, "gebied");
    monitor_user_t user;
    bool bearer;
    s_auth_t auth = s_authenticate (db, conn, &user, &bearer);
    if (auth == S_AUTH_ERROR)
        return s_text (conn, 503, "the database is not reachable; try again");
    if (auth != S_AUTH_OK) {
        if (s_audit_refused (self,
                             db,
                             "dashboard.denied",
                             'R',
                             url,
                             auth == S_AUTH_NONE ? "no_credentials" : "refused"))
            return s_text (conn, 500, "could not write the audit log");
        if (target->html && !bearer)
            return s_redirect (conn,
                               302,
                               "/login",
                               auth == S_AUTH_REFUSED ? S_COOKIE
                                 "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
                                                      : NULL);
        kb_http_buf_t out = { 0 };
        kb_http_buf_str (&out,
                         "authentication required: log in or send Authorization: Bearer <token>\n");
        enum MHD_Result rc = s_answer (conn,
                                       401,
                                       "text/plain; charset=utf-8",
                                       &out,
                                       "WWW-Authenticate",
                                       "Bearer realm=\"ketenbus\"",
                                       NULL,
                                       NULL);
        kb_http_buf_free (&out);
        return rc;
    }

    /* the gemeente role: its own gemeente, never another */
    if (user.role == MONITOR_ROLE_GEMEENTE) {
        if (*gemeente && strcmp (gemeente, user.gemeente) != 0) {
            if (s_audit (db, &user, "dashboard.denied", 'R', url, NULL, "other_gemeente", false))
                return s_text (conn, 500, "could not write the audit log");
            kb_info ("dashboard refused another gemeente user_id=%lld", user.id);
            if (target->html)
                return s_message (
                  conn, 403, "Geen toegang", "U ziet alleen de cijfers van uw eigen gemeente.");
            return s_text (conn, 403, "forbidden: this account sees its own gemeente only");
        }
        gemeente = user.gemeente;
    }
    monitor_render_view_t view = { .user = user.name,
                                   .role = monitor_auth_role_name (user.role),
                                   .locked_gemeente =
                                     user.role == MONITOR_ROLE_GEMEENTE ? user.gemeente : NULL,
                                   .kind = kind,
                                   .period = period,
                                   .gemeente = gemeente,
                                   .gebied = gebied };
    kb_http_buf_t out = { 0 };
    enum MHD_Result result;
    monitor_report_filter_t filter;
    const char *why = "invalid filter";
    if (monitor_report_filter_parse (&filter, kind, period, gemeente, gebied, &why) != 0) {
        if (s_audit (db, &user, event, 'R', url, gemeente, "bad_filter", true))
            return s_text (conn, 500, "could not write the audit log");
        char message[256];
        snprintf (message, sizeof message, "Ongeldig filter: %s", why ? why : "invalid filter");
        if (target->html) {
            monitor_render_page (&out, NULL, target->page, &view, message);
            result = s_answer (conn, 400, "text/html; charset=utf-8", &out, NULL, NULL, NULL, NULL);
        } else {
            snprintf (message, sizeof message, "bad filter: %s\n", why ? why : "invalid filter");
            kb_http_buf_str (&out, message);
            result =
              s_answer (conn, 400, "text/plain; charset=utf-8", &out, NULL, NULL, NULL, NULL);
        }
        kb_http_buf_free (&out);
        return result;
    }
    if (user.role == MONITOR_ROLE_GEMEENTE && strcmp (filter.gemeente, user.gemeente) != 0)
        return s_text (
          conn, 500, "filter does not hold the gemeente"); /* never shown anything else */

    /* owned: a report the cache did not keep; report: what is shown. A
       report the cache keeps is read only under the lock (another thread
       may replace it): the answer is rendered there and sent after the
       audit row is written. The report is built without the lock. */
    monitor_report_t *owned = NULL;
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    pthread_mutex_lock (&self->lock);
    const monitor_report_t *report = monitor_cache_get (self->cache, target->page, &filter, now);
    bool locked = report != NULL;
    if (!report) {
        pthread_mutex_unlock (&self->lock);
        owned = monitor_report_build (db, &self->config.report, target->page, &filter);
        if (!owned) {
            kb_error ("could not build the dashboard report page=\"%s\"",
                      monitor_render_page_name (target->page));
            return s_message (conn, 500, "Fout", "De cijfers konden niet worden berekend.");
        }
        pthread_mutex_lock (&self->lock);
        report = monitor_cache_put (self->cache, &owned, now);
        locked = report != NULL;
        if (!locked) {
            pthread_mutex_unlock (&self->lock);
            report = owned;
        }
    }
    const monitor_report_table_t *table = NULL;
    bool found = !*target->table || (table = monitor_report_table (report, target->table));
    const char *type = "application/json; charset=utf-8";
    char disposition[160] = "";
    if (!found) {
        /* nothing to render */
    } else if (target->html) {
        monitor_render_page (&out, report, target->page, &view, NULL);
        type = "text/html; charset=utf-8";
    } else if (table && target->csv) {
        monitor_render_table_csv (&out, table);
        type = "text/csv; charset=utf-8";
        snprintf (disposition, sizeof disposition, "attachment; filename=\"%s.csv\"", table->id);
    } else if (table) {
        monitor_render_table_json (&out, table);
        kb_http_buf_str (&out, "\n");
    } else {
        monitor_render_report_json (&out, report);
    }
    if (locked)
        pthread_mutex_unlock (&self->lock);
    monitor_report_destroy (&owned);
    if (!found) {
        kb_http_buf_free (&out);
        if (s_audit (db, &user, event, 'R', url, filter.gemeente, "not_found", true))
            return s_text (conn, 500, "could not write the audit log");
        return s_text (conn, 404, "no such table");
    }
    if (s_audit (db,
                 &user,
                 event,
                 'R',
                 url,
                 filter.gemeente,
                 target->html ? "shown" : "exported",
                 true)) {
        kb_http_buf_free (&out);
        return s_text (conn, 500, "could not write the audit log");
    }
    result = s_answer (conn,
                       200,
                       type,
                       &out,
                       *disposition ? "Content-Disposition" : NULL,
                       *disposition ? disposition : NULL,
                       NULL,
                       NULL);
    kb_http_buf_free (&out);
    return result;
}

static enum MHD_Result
s_route (monitor_http_t *self,
         struct MHD_Connection *conn,
         const char *url,
         const char *method,
         s_request_t *req)
{
    bool get = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
    bool post = strcmp (method, "POST") == 0;
    if (!get && !post)
        return s_text (conn, 405, "method not allowed");
    if (strcmp (url, "/static/dashboard.css") == 0 && get) {
        kb_http_buf_t out = { 0 };
        kb_http_buf_str (&out, monitor_render_css ());
        enum MHD_Result rc =
          s_answer (conn, 200, "text/css; charset=utf-8", &out, NULL, NULL, NULL, NULL);
        kb_http_buf_free (&out);
        return rc;
    }
    s_target_t target;
    bool login = strcmp (url, "/login") == 0, logout = strcmp (url, "/logout") == 0;
    if (!login && !logout && !s_target_parse (url, &target))
        return s_text (conn, 404, "not found");
    if (!login && !logout && !get)
        return s_text (conn, 405, "method not allowed");
    int slot = s_db_take (self);
    kb_db_t *db = self->db[slot];
    enum MHD_Result result;
    if (kb_db_ensure (db, 2000) != 0)
        result = s_text (conn, 503, "the database is not reachable; try again");
    else if (login)
        result = s_login (self, db, conn, method, req);
    else if (logout)
        result = s_logout (self, db, conn);
    else
        result = s_figures (self, db, conn, url, &target);
    s_db_give (self, slot);
    return result;
}

static enum MHD_Result
s_handle (void *cls,
          struct MHD_Connection *conn,
          const char *url,
          const char *method,
          const char *version,
          const char *upload_data,
          size_t *upload_data_size,
          void **con_cls)
{
    (void)version;
    monitor_http_t *self = cls;
    s_request_t *req = *con_cls;
    if (!req) {
        req = calloc (1, sizeof *req);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (req->body.len + *upload_data_size > S_BODY_MAX)
            req->too_big = true;
        else
            kb_http_buf_add (&req->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return s_route (self, conn, url, method, req);
}

static void
s_completed (void *cls,
             struct MHD_Connection *conn,
             void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    s_request_t *req = *con_cls;
    if (req) {
        kb_http_buf_free (&req->body);
        free (req);
    }
    *con_cls = NULL;
}

monitor_http_t *
monitor_http_new (const monitor_http_config_t *config)
{
    monitor_http_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = *config;
    self->conninfo = strdup (config->conninfo ? config->conninfo : "");
    self->schema = strdup (config->schema);
    self->tariffs = config->report.tariffs ? strdup (config->report.tariffs) : NULL;
    if (!self->conninfo || !self->schema)
        goto fail;
    self->config.conninfo = self->conninfo;
    self->config.schema = self->schema;
    self->config.report.tariffs = self->tariffs;
    if (!config->cookie_secure && !kb_http_listen_is_loopback (config->listen)) {
        /* beyond this machine the dashboard is reached through TLS: a
           session cookie that may travel in clear text is refused */
        kb_error ("http/cookie_secure must be true when http/listen=\"%s\" is not a loopback"
                  " address (serve the dashboard through a TLS proxy)",
                  config->listen);
        goto fail;
    }
    self->nthreads = config->threads < 1                          ? 1
                     : config->threads > MONITOR_HTTP_THREADS_MAX ? MONITOR_HTTP_THREADS_MAX
                                                                  : config->threads;
    if (pthread_mutex_init (&self->lock, NULL) != 0)
        goto fail;
    if (pthread_cond_init (&self->released, NULL) != 0) {
        pthread_mutex_destroy (&self->lock);
        goto fail;
    }
    self->lock_ready = true;
    self->cache = monitor_cache_new (16, (int64_t)config->cache_s * 1000);
    if (!self->cache)
        goto fail;
    for (int i = 0; i < self->nthreads; i++) {
        self->db[i] = kb_db_connect (self->conninfo, self->schema, 5000);
        if (!self->db[i] || monitor_auth_prepare (self->db[i]) || kb_audit_prepare (self->db[i])) {
            kb_error ("could not open the dashboard's database connections");
            goto fail;
        }
    }
    self->http = kb_http_start (config->listen, (unsigned)self->nthreads, s_handle, self,
                                s_completed, NULL);
    if (!self->http)
        goto fail;
    kb_info ("dashboard serving listen=\"%s\" threads=%d", config->listen, self->nthreads);
    return self;
fail:
    monitor_http_destroy (&self);
    return NULL;
}

void
monitor_http_destroy (monitor_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    monitor_http_t *self = *self_p;
    if (self->http)
        MHD_stop_daemon (self->http); /* joins the threads before their connections go */
    if (self->refused_counted > 0 && self->db[0] && kb_db_ensure (self->db[0], 2000) == 0)
        s_audit_counted (self->db[0], self->refused_counted);
    monitor_cache_destroy (&self->cache);
    for (int i = 0; i < MONITOR_HTTP_THREADS_MAX; i++)
        kb_db_destroy (&self->db[i]);
    if (self->lock_ready) {
        pthread_cond_destroy (&self->released);
        pthread_mutex_destroy (&self->lock);
    }
    free (self->conninfo);
    free (self->schema);
    free (self->tariffs);
    free (self);
    *self_p = NULL;
}

int
monitor_http_port (monitor_http_t *self)
{
    return self && self->http ? kb_http_port (self->http) : -1;
}
