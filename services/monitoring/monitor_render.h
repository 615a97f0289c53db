/*  monitor_render - the dashboard's output from a monitor_report_t: HTML
    pages with inline SVG charts, CSV and JSON. Pure: text into a buffer,
    no I/O. Every text that comes from a report or a request is escaped for
    where it goes (HTML, attribute, URL, JSON, CSV). Suppressed cells are
    shown as the report publishes them ("·") and the page explains why. */
#ifndef MONITOR_RENDER_H_INCLUDED
#define MONITOR_RENDER_H_INCLUDED

#include "ketenbus/kb_http.h"
#include "monitor_report.h"

/* What the page shows about the request, all borrowed; the filter values
   are the raw query parameters (echoed, escaped, in the filter form). */
typedef struct
{
    const char *user;            /* account name */
    const char *role;            /* "ketencoordinator" / "gemeente" */
    const char *locked_gemeente; /* the gemeente role's own gemeente, else NULL */
    const char *kind, *period, *gemeente, *gebied;
} monitor_render_view_t;

/* "keten" / "3d" and back; -1 when unknown. */
const char *monitor_render_page_name (monitor_page_t page);
int monitor_render_page_parse (const char *name, monitor_page_t *page);

/* The whole page. error (may be NULL): a message shown instead of the
   tables (a bad filter), with the filter form still there. */
void monitor_render_page (kb_http_buf_t *out,
                          const monitor_report_t *report,
                          monitor_page_t page,
                          const monitor_render_view_t *view,
                          const char *error);
/* The login form; error may be NULL. */
void monitor_render_login (kb_http_buf_t *out, const char *error);
/* A short page for an error status (403, 404, 500). */
void monitor_render_message (kb_http_buf_t *out, const char *title, const char *message);
/* The stylesheet served as /static/dashboard.css (no inline styles: CSP). */
const char *monitor_render_css (void);

/* One table's inline SVG chart (nothing for MONITOR_CHART_NONE). */
void monitor_render_chart (kb_http_buf_t *out, const monitor_report_table_t *table);

void monitor_render_table_csv (kb_http_buf_t *out, const monitor_report_table_t *table);
void monitor_render_table_json (kb_http_buf_t *out, const monitor_report_table_t *table);
void monitor_render_report_json (kb_http_buf_t *out, const monitor_report_t *report);

/* s percent-encoded for a query parameter value. */
void monitor_render_url_value (kb_http_buf_t *out, const char *s);

#endif
