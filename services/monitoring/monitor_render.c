/*  monitor_render - HTML with inline SVG, CSV and JSON of the report. */
#include "monitor_render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* chart geometry (SVG user units) */
#define S_W 640
#define S_H 260
#define S_LEFT 56
#define S_RIGHT 16
#define S_TOP 16
#define S_BOTTOM 56

static const char *const s_palette[] = { "#1f5fa8", "#d9822b", "#2e8b57", "#a0306e",
                                         "#6b6b6b", "#8c6d1f", "#3a9ea5", "#b03a2e" };
#define S_PALETTE (sizeof s_palette / sizeof s_palette[0])

static const char *const s_chart_names[] = { "none", "bars", "trend", "pyramid", "inout" };

const char *
monitor_render_page_name (monitor_page_t page)
{
    return page == MONITOR_PAGE_3D ? "3d" : "keten";
}

int
monitor_render_page_parse (const char *name, monitor_page_t *page)
{
    if (strcmp (name, "keten") == 0)
        *page = MONITOR_PAGE_KETEN;
    else if (strcmp (name, "3d") == 0)
        *page = MONITOR_PAGE_3D;
    else
        return -1;
    return 0;
}

static const char *
s_page_title (monitor_page_t page)
{
    return page == MONITOR_PAGE_3D ? "Wmo, Jeugdwet en Participatiewet (3D)" : "Ketenrapportage";
}

void
monitor_render_url_value (kb_http_buf_t *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            kb_http_buf_add (out, (const char *)p, 1);
        } else {
            char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            kb_http_buf_add (out, enc, 3);
        }
    }
}

/* "?period=..&p=.." of the view's filter, for links; "" when there is none.
   Written raw (the caller HTML-escapes it with kb_http_buf_html). */
static void
s_query (kb_http_buf_t *out, const monitor_render_view_t *view)
{
    const char *names[] = { "period", "p", "gemeente", "gebied" };
    const char *values[] = { view->kind, view->period, view->gemeente, view->gebied };
    bool first = true;
    for (size_t i = 0; i < 4; i++) {
        if (!values[i] || !*values[i])
            continue;
        kb_http_buf_printf (out, "%s%s=", first ? "?" : "&", names[i]);
        monitor_render_url_value (out, values[i]);
        first = false;
    }
}

/* href="path + query", escaped */
static void
s_href (kb_http_buf_t *out, const char *path, const monitor_render_view_t *view)
{
    kb_http_buf_t url = { 0 };
    kb_http_buf_str (&url, path);
    if (view)
        s_query (&url, view);
    kb_http_buf_str (out, "href=\"");
    kb_http_buf_html (out, url.data ? url.data : path);
    kb_http_buf_str (out, "\"");
    kb_http_buf_free (&url);
}

/* s cut to at most max bytes on a UTF-8 character boundary, escaped. */
static void
s_html_cut (kb_http_buf_t *out, const char *s, size_t max)
{
    size_t len = s ? strlen (s) : 0;
    if (len <= max) {
        kb_http_buf_html (out, s);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    char buf[64];
    if (max >= sizeof buf)
        max = sizeof buf - 1;
    memcpy (buf, s, max);
    buf[max] = '\0';
    kb_http_buf_html (out, buf);
    kb_http_buf_str (out, "…");
}

static const monitor_cell_t *
s_cell (const monitor_report_table_t *t, size_t row, size_t col)
{
    return &t->cells[row * t->n_cols + col];
}

static bool
s_has_value (const monitor_cell_t *c)
{
    return !c->suppressed && !isnan (c->value);
}

/* A round number >= max for the top of the y axis, and its tick step. */
static double
s_nice_max (double max, double *step)
{
    if (!(max > 0))
        max = 1;
    double mag = pow (10, floor (log10 (max)));
    double steps[] = { 0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10 };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        double s = steps[i] * mag;
        if (max / s <= 5) {
            *step = s;
            return ceil (max / s) * s;
        }
    }
    *step = 10 * mag;
    return ceil (max / *step) * *step;
}

static void
s_number (char *buf, size_t size, double v)
{
    if (fabs (v - round (v)) < 1e-9)
        snprintf (buf, size, "%.0f", v);
    else
        snprintf (buf, size, "%.1f", v);
}

static void
s_svg_open (kb_http_buf_t *out, const monitor_report_table_t *t)
{
    kb_http_buf_printf (
      out,
      "<svg class=\"chart chart-%s\" xmlns=\"http://www.w3.org/2000/svg\" "
      "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"",
      s_chart_names[t->chart],
      S_W,
      S_H,
      S_W,
      S_H);
    kb_http_buf_html (out, t->title);
    kb_http_buf_str (out, "\"><title>");
    kb_http_buf_html (out, t->title);
    kb_http_buf_str (out, "</title>");
}

/* y axis from 0 (at y0 + ph) to top (at y0), grid lines and labels */
static void
s_y_axis (kb_http_buf_t *out, double top, double step, int x0, int y0, int pw, int ph)
{
    for (double v = 0; v <= top + step / 2; v += step) {
        double y = y0 + ph - v / top * ph;
        char label[32];
        s_number (label, sizeof label, v);
        kb_http_buf_printf (
          out,
          "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
          "stroke=\"#ddd\"/>"
          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>",
          x0,
          y,
          x0 + pw,
          y,
          x0 - 6,
          y + 4,
          label);
    }
    kb_http_buf_printf (
      out,
      "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
      "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
      x0,
      y0,
      x0,
      y0 + ph,
      x0,
      y0 + ph,
      x0 + pw,
      y0 + ph);
}

static void
s_x_label (kb_http_buf_t *out, double x, int y, const char *text)
{
    kb_http_buf_printf (
      out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">", x, y);
    s_html_cut (out, text, 16);
    kb_http_buf_str (out, "</text>");
}

/* the first column (1..) with a number in any row */
static size_t
s_value_col (const monitor_report_table_t *t)
{
    for (size_t c = 1; c < t->n_cols; c++)
        for (size_t r = 0; r < t->n_rows; r++)
            if (s_has_value (s_cell (t, r, c)))
                return c;
    return t->n_cols > 1 ? 1 : 0;
}

static void
s_chart_bars (kb_http_buf_t *out, const monitor_report_table_t *t)
{
    int x0 = S_LEFT, y0 = S_TOP, pw = S_W - S_LEFT - S_RIGHT, ph = S_H - S_TOP - S_BOTTOM;
    size_t col = s_value_col (t);
    double max = 0;
    for (size_t r = 0; r < t->n_rows; r++)
        if (s_has_value (s_cell (t, r, col)) && s_cell (t, r, col)->value > max)
            max = s_cell (t, r, col)->value;
    double step, top = s_nice_max (max, &step);
    s_y_axis (out, top, step, x0, y0, pw, ph);
    double slot = (double)pw / (double)(t->n_rows ? t->n_rows : 1);
    for (size_t r = 0; r < t->n_rows; r++) {
        const monitor_cell_t *c = s_cell (t, r, col);
        double cx = x0 + slot * ((double)r + 0.5);
        if (s_has_value (c)) {
            double h = c->value > 0 ? c->value / top * ph : 0;
            kb_http_buf_printf (out,
                                "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                "height=\"%.1f\" fill=\"%s\"><title>",
                                cx - slot * 0.35,
                                y0 + ph - h,
                                slot * 0.7,
                                h,
                                s_palette[0]);
            kb_http_buf_html (out, s_cell (t, r, 0)->text);
            kb_http_buf_str (out, ": ");
            kb_http_buf_html (out, c->text);
            kb_http_buf_printf (out,
                                "</title></rect><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                                "font-size=\"11\">",
                                cx,
                                y0 + ph - h - 4);
            kb_http_buf_html (out, c->text);
            kb_http_buf_str (out, "</text>");
        } else {
            kb_http_buf_printf (out,
                                "<text class=\"suppressed\" x=\"%.1f\" y=\"%d\" "
                                "text-anchor=\"middle\" font-size=\"14\">·</text>",
                                cx,
                                y0 + ph - 4);
        }
        s_x_label (out, cx, y0 + ph + 16, s_cell (t, r, 0)->text);
    }
    kb_http_buf_printf (out, "<text x=\"%d\" y=\"%d\" font-size=\"11\">", x0, S_H - 8);
    kb_http_buf_html (out, t->cols[col]);
    kb_http_buf_str (out, "</text>");
}

static void
s_chart_trend (kb_http_buf_t *out, const monitor_report_table_t *t)
{
    int x0 = S_LEFT, y0 = S_TOP, pw = S_W - S_LEFT - S_RIGHT, ph = S_H - S_TOP - S_BOTTOM;
    size_t npoints = t->n_cols > 1 ? t->n_cols - 1 : 0;
    double max = 0;
    for (size_t r = 0; r < t->n_rows; r++)
        for (size_t c = 1; c < t->n_cols; c++)
            if (s_has_value (s_cell (t, r, c)) && s_cell (t, r, c)->value > max)
                max = s_cell (t, r, c)->value;
    double step, top = s_nice_max (max, &step);
    s_y_axis (out, top, step, x0, y0, pw, ph);
    double dx = npoints > 1 ? (double)pw / (double)(npoints - 1) : 0;
    for (size_t c = 1; c < t->n_cols; c++) {
        double x = npoints > 1 ? x0 + dx * (double)(c - 1) : x0 + pw / 2.0;
        s_x_label (out, x, y0 + ph + 16, t->cols[c]);
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        const char *colour = s_palette[r % S_PALETTE];
        bool open = false;
        for (size_t c = 1; c < t->n_cols; c++) {
            const monitor_cell_t *cell = s_cell (t, r, c);
            double x = npoints > 1 ? x0 + dx * (double)(c - 1) : x0 + pw / 2.0;
            if (!s_has_value (cell)) {
                /* a suppressed point breaks the line */
                if (open)
                    kb_http_buf_str (out, "\"/>");
                open = false;
                continue;
            }
            double y = y0 + ph - cell->value / top * ph;
            if (!open)
                kb_http_buf_printf (out,
                                    "<polyline class=\"line\" fill=\"none\" stroke=\"%s\" "
                                    "stroke-width=\"2\" points=\"",
                                    colour);
            kb_http_buf_printf (out, "%s%.1f,%.1f", open ? " " : "", x, y);
            open = true;
        }
        if (open)
            kb_http_buf_str (out, "\"/>");
        for (size_t c = 1; c < t->n_cols; c++) {
            const monitor_cell_t *cell = s_cell (t, r, c);
            if (!s_has_value (cell))
                continue;
            double x = npoints > 1 ? x0 + dx * (double)(c - 1) : x0 + pw / 2.0;
            kb_http_buf_printf (out,
                                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>",
                                x,
                                y0 + ph - cell->value / top * ph,
                                colour);
            kb_http_buf_html (out, s_cell (t, r, 0)->text);
            kb_http_buf_str (out, ", ");
            kb_http_buf_html (out, t->cols[c]);
            kb_http_buf_str (out, ": ");
            kb_http_buf_html (out, cell->text);
            kb_http_buf_str (out, "</title></circle>");
        }
        /* legend along the bottom */
        double lx = x0 + (double)(r % 4) * 150;
        int ly = S_H - 22 + (int)(r / 4) * 12;
        if (ly < S_H)
            kb_http_buf_printf (out,
                                "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                                "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">",
                                lx,
                                ly,
                                colour,
                                lx + 14,
                                ly + 9);
        if (ly < S_H) {
            s_html_cut (out, s_cell (t, r, 0)->text, 20);
            kb_http_buf_str (out, "</text>");
        }
    }
}

static void
s_chart_pyramid (kb_http_buf_t *out, const monitor_report_table_t *t)
{
    /* rows are levels, cheapest first: the cheapest at the bottom, bars
       centred so the shape shows how care is spread over the levels */
    int label_w = 150, x0 = label_w, pw = S_W - label_w - S_RIGHT, y0 = S_TOP,
        ph = S_H - S_TOP - 24;
    size_t col = s_value_col (t);
    double max = 0;
    for (size_t r = 0; r < t->n_rows; r++)
        if (s_has_value (s_cell (t, r, col)) && s_cell (t, r, col)->value > max)
            max = s_cell (t, r, col)->value;
    if (!(max > 0))
        max = 1;
    double slot = (double)ph / (double)(t->n_rows ? t->n_rows : 1);
    double mid = x0 + pw / 2.0;
    for (size_t r = 0; r < t->n_rows; r++) {
        const monitor_cell_t *c = s_cell (t, r, col);
        double y = y0 + ph - slot * (double)(r + 1);
        kb_http_buf_printf (out,
                            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">",
                            x0 - 8,
                            y + slot / 2 + 4);
        s_html_cut (out, s_cell (t, r, 0)->text, 22);
        kb_http_buf_str (out, "</text>");
        if (s_has_value (c)) {
            double w = c->value > 0 ? c->value / max * pw : 0;
            kb_http_buf_printf (out,
                                "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                "height=\"%.1f\" fill=\"%s\"><title>",
                                mid - w / 2,
                                y + slot * 0.1,
                                w,
                                slot * 0.8,
                                s_palette[r % S_PALETTE]);
            kb_http_buf_html (out, s_cell (t, r, 0)->text);
            kb_http_buf_str (out, ": ");
            kb_http_buf_html (out, c->text);
            kb_http_buf_str (out, "</title></rect>");
        }
        kb_http_buf_printf (out,
                            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">",
                            mid,
                            y + slot / 2 + 4);
        kb_http_buf_html (out, s_has_value (c) ? c->text : "·");
        kb_http_buf_str (out, "</text>");
    }
    kb_http_buf_printf (
      out,
      "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
      "<text x=\"%d\" y=\"%d\" font-size=\"11\">",
      x0,
      y0 + ph,
      x0 + pw,
      y0 + ph,
      x0,
      S_H - 6);
    kb_http_buf_html (out, t->cols[col]);
    kb_http_buf_str (out, " (goedkoopste niveau onderaan)</text>");
}

static void
s_chart_inout (kb_http_buf_t *out, const monitor_report_table_t *t)
{
    /* inflow above the middle line, outflow below it, per row (period) */
    int x0 = S_LEFT, y0 = S_TOP, pw = S_W - S_LEFT - S_RIGHT, ph = S_H - S_TOP - S_BOTTOM;
    double max = 0;
    for (size_t r = 0; r < t->n_rows; r++)
        for (size_t c = 1; c < 3 && c < t->n_cols; c++)
            if (s_has_value (s_cell (t, r, c)) && s_cell (t, r, c)->value > max)
                max = s_cell (t, r, c)->value;
    double step, top = s_nice_max (max, &step);
    double half = ph / 2.0, midy = y0 + half;
    for (double v = 0; v <= top + step / 2; v += step) {
        char label[32];
        s_number (label, sizeof label, v);
        for (int sign = -1; sign <= 1; sign += 2) {
            if (v == 0 && sign > 0)
                continue;
            double y = midy + sign * v / top * half;
            kb_http_buf_printf (out,
                                "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                                "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
                                "font-size=\"11\">%s</text>",
                                x0,
                                y,
                                x0 + pw,
                                y,
                                x0 - 6,
                                y + 4,
                                label);
        }
    }
    kb_http_buf_printf (
      out,
      "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
      "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>",
      x0,
      y0,
      x0,
      y0 + ph,
      x0,
      midy,
      x0 + pw,
      midy);
    double slot = (double)pw / (double)(t->n_rows ? t->n_rows : 1);
    const char *colours[3] = { NULL, "#2e8b57", "#b03a2e" };
    for (size_t r = 0; r < t->n_rows; r++) {
        double cx = x0 + slot * ((double)r + 0.5);
        for (size_t c = 1; c < 3 && c < t->n_cols; c++) {
            const monitor_cell_t *cell = s_cell (t, r, c);
            if (!s_has_value (cell)) {
                kb_http_buf_printf (out,
                                    "<text class=\"suppressed\" x=\"%.1f\" y=\"%.1f\" "
                                    "text-anchor=\"middle\" font-size=\"14\">·</text>",
                                    cx,
                                    c == 1 ? midy - 4 : midy + 14);
                continue;
            }
            double h = cell->value > 0 ? cell->value / top * half : 0;
            kb_http_buf_printf (out,
                                "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                "height=\"%.1f\" fill=\"%s\"><title>",
                                cx - slot * 0.3,
                                c == 1 ? midy - h : midy,
                                slot * 0.6,
                                h,
                                colours[c]);
            kb_http_buf_html (out, s_cell (t, r, 0)->text);
            kb_http_buf_str (out, ", ");
            kb_http_buf_html (out, t->cols[c]);
            kb_http_buf_str (out, ": ");
            kb_http_buf_html (out, cell->text);
            kb_http_buf_str (out, "</title></rect>");
        }
        s_x_label (out, cx, y0 + ph + 16, s_cell (t, r, 0)->text);
    }
    for (size_t c = 1; c < 3 && c < t->n_cols; c++) {
        int lx = x0 + (int)(c - 1) * 160;
        kb_http_buf_printf (out,
                            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                            "<text x=\"%d\" y=\"%d\" font-size=\"11\">",
                            lx,
                            S_H - 20,
                            colours[c],
                            lx + 14,
                            S_H - 11);
        kb_http_buf_html (out, t->cols[c]);
        kb_http_buf_str (out, c == 1 ? " (boven)</text>" : " (onder)</text>");
    }
}

void
monitor_render_chart (kb_http_buf_t *out, const monitor_report_table_t *t)
{
    if (t->chart == MONITOR_CHART_NONE || t->n_cols < 2 || t->chart > MONITOR_CHART_INOUT)
        return;
    s_svg_open (out, t);
    if (t->n_rows == 0) {
        kb_http_buf_printf (
          out, "<text x=\"%d\" y=\"%d\" font-size=\"12\">geen gegevens</text>", S_LEFT, S_H / 2);
    } else {
        switch (t->chart) {
            case MONITOR_CHART_BARS:
                s_chart_bars (out, t);
                break;
            case MONITOR_CHART_TREND:
                s_chart_trend (out, t);
                break;
            case MONITOR_CHART_PYRAMID:
                s_chart_pyramid (out, t);
                break;
            case MONITOR_CHART_INOUT:
                if (t->n_cols >= 3)
                    s_chart_inout (out, t);
                else
                    s_chart_bars (out, t);
                break;
            default:
                break;
        }
    }
    kb_http_buf_str (out, "</svg>\n");
}

static void
s_head (kb_http_buf_t *out, const char *title)
{
    kb_http_buf_str (out,
                     "<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<title>");
    kb_http_buf_html (out, title);
    kb_http_buf_str (out,
                     " — ketenbus</title><link rel=\"stylesheet\" href=\"/static/dashboard.css\">"
                     "</head><body>\n");
}

static void
s_table_html (kb_http_buf_t *out,
              const monitor_report_table_t *t,
              monitor_page_t page,
              const monitor_render_view_t *view)
{
    kb_http_buf_str (out, "<section class=\"figure\" id=\"t-");
    kb_http_buf_html (out, t->id);
    kb_http_buf_str (out, "\"><h2>");
    kb_http_buf_html (out, t->title);
    kb_http_buf_str (out, "</h2>\n");
    if (t->note) {
        kb_http_buf_str (out, "<p class=\"note\">");
        kb_http_buf_html (out, t->note);
        kb_http_buf_str (out, "</p>\n");
    }
    monitor_render_chart (out, t);
    kb_http_buf_str (out, "<table><thead><tr>");
    for (size_t c = 0; c < t->n_cols; c++) {
        kb_http_buf_str (out, c ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">");
        kb_http_buf_html (out, t->cols[c]);
        kb_http_buf_str (out, "</th>");
    }
    kb_http_buf_str (out, "</tr></thead><tbody>\n");
    for (size_t r = 0; r < t->n_rows; r++) {
        kb_http_buf_str (out, "<tr>");
        for (size_t c = 0; c < t->n_cols; c++) {
            const monitor_cell_t *cell = s_cell (t, r, c);
            if (c == 0) {
                kb_http_buf_str (out, "<th scope=\"row\">");
                kb_http_buf_html (out, cell->text);
                kb_http_buf_str (out, "</th>");
            } else if (cell->suppressed) {
                kb_http_buf_str (out, "<td class=\"num suppressed\" title=\"onderdrukt\">·</td>");
            } else {
                kb_http_buf_str (out, "<td class=\"num\">");
                kb_http_buf_html (out, cell->text);
                kb_http_buf_str (out, "</td>");
            }
        }
        kb_http_buf_str (out, "</tr>\n");
    }
    kb_http_buf_str (out, "</tbody></table>\n<p class=\"export\">Download: <a ");
    char path[160];
    snprintf (path, sizeof path, "/export/%s/%s.csv", monitor_render_page_name (page), t->id);
    s_href (out, path, view);
    kb_http_buf_str (out, ">CSV</a> · <a ");
    snprintf (path, sizeof path, "/export/%s/%s.json", monitor_render_page_name (page), t->id);
    s_href (out, path, view);
    kb_http_buf_str (out, ">JSON</a></p></section>\n");
}

static void
s_option (kb_http_buf_t *out, const char *value, const char *label, const char *selected)
{
    kb_http_buf_printf (out,
                        "<option value=\"%s\"%s>%s</option>",
                        value,
                        selected && strcmp (selected, value) == 0 ? " selected" : "",
                        label);
}

static void
s_input (kb_http_buf_t *out, const char *name, const char *label, const char *value, bool readonly)
{
    kb_http_buf_printf (out, "<label>%s <input type=\"text\" name=\"%s\" value=\"", label, name);
    kb_http_buf_html (out, value ? value : "");
    kb_http_buf_printf (out, "\"%s></label> ", readonly ? " readonly" : "");
}

void
monitor_render_page (kb_http_buf_t *out,
                     const monitor_report_t *report,
                     monitor_page_t page,
                     const monitor_render_view_t *view,
                     const char *error)
{
    s_head (out, s_page_title (page));
    kb_http_buf_str (out, "<header><h1>");
    kb_http_buf_html (out, s_page_title (page));
    kb_http_buf_str (out, "</h1><nav><a ");
    s_href (out, "/", view);
    kb_http_buf_str (out, page == MONITOR_PAGE_KETEN ? " aria-current=\"page\"" : "");
    kb_http_buf_str (out, ">Ketenrapportage</a> <a ");
    s_href (out, "/3d", view);
    kb_http_buf_str (out, page == MONITOR_PAGE_3D ? " aria-current=\"page\"" : "");
    kb_http_buf_str (out, ">3D-aggregaten</a></nav><p class=\"user\">");
    kb_http_buf_html (out, view->user);
    kb_http_buf_str (out, " (");
    kb_http_buf_html (out, view->role);
    if (view->locked_gemeente) {
        kb_http_buf_str (out, ", gemeente ");
        kb_http_buf_html (out, view->locked_gemeente);
    }
    kb_http_buf_str (out, ") · <a href=\"/logout\">Uitloggen</a></p></header>\n<main>\n");

    kb_http_buf_printf (out,
                        "<form class=\"filter\" method=\"get\" action=\"%s\">"
                        "<label>Periode <select name=\"period\">",
                        page == MONITOR_PAGE_3D ? "/3d" : "/");
    const char *kind = view->kind && *view->kind ? view->kind : "live";
    s_option (out, "live", "tot nu", kind);
    s_option (out, "month", "maand", kind);
    s_option (out, "quarter", "kwartaal", kind);
    s_option (out, "year", "jaar", kind);
    kb_http_buf_str (out, "</select></label> ");
    s_input (out, "p", "Periode (2026-11, 2026-Q4, 2026)", view->period, false);
    s_input (out,
             "gemeente",
             "Gemeente (CBS-code)",
             view->locked_gemeente ? view->locked_gemeente : view->gemeente,
             view->locked_gemeente != NULL);
    s_input (out, "gebied", "Gebied", view->gebied, false);
    kb_http_buf_str (out, "<button type=\"submit\">Toon</button></form>\n");
    kb_http_buf_str (out,
                     "<p class=\"legend\"><span class=\"suppressed\">·</span> = onderdrukt: "
                     "aantallen kleiner dan de drempel (en cellen waaruit zo'n aantal terug te "
                     "rekenen is) worden niet getoond, zodat geen cijfer naar een persoon of gezin "
                     "te herleiden is. Getoonde aantallen zijn afgerond.</p>\n");
    if (error) {
        kb_http_buf_str (out, "<p class=\"error\" role=\"alert\">");
        kb_http_buf_html (out, error);
        kb_http_buf_str (out, "</p>\n");
    }
    if (report) {
        kb_http_buf_str (out, "<p class=\"meta\">Berekend ");
        kb_http_buf_html (out, report->generated_at);
        kb_http_buf_str (out, " · <a ");
        char path[64];
        snprintf (path, sizeof path, "/export/%s.json", monitor_render_page_name (page));
        s_href (out, path, view);
        kb_http_buf_str (out, ">hele pagina als JSON</a></p>\n");
        for (size_t i = 0; i < report->n_tables; i++)
            s_table_html (out, &report->tables[i], page, view);
    }
    kb_http_buf_str (out, "</main></body></html>\n");
}

void
monitor_render_login (kb_http_buf_t *out, const char *error)
{
    s_head (out, "Inloggen");
    kb_http_buf_str (out, "<header><h1>ketenbus dashboard</h1></header><main>\n");
    if (error) {
        kb_http_buf_str (out, "<p class=\"error\" role=\"alert\">");
        kb_http_buf_html (out, error);
        kb_http_buf_str (out, "</p>\n");
    }
    kb_http_buf_str (out,
                     "<form class=\"login\" method=\"post\" action=\"/login\">"
                     "<label>Token <input type=\"password\" name=\"token\" id=\"token\" "
                     "autocomplete=\"off\" required></label> "
                     "<button type=\"submit\" id=\"login\">Inloggen</button></form>\n"
                     "<p>Een token krijgt u van de beheerder (ketenctl dashboard user add).</p>"
                     "</main></body></html>\n");
}

void
monitor_render_message (kb_http_buf_t *out, const char *title, const char *message)
{
    s_head (out, title);
    kb_http_buf_str (out, "<header><h1>");
    kb_http_buf_html (out, title);
    kb_http_buf_str (out, "</h1></header><main><p class=\"error\">");
    kb_http_buf_html (out, message);
    kb_http_buf_str (out, "</p><p><a href=\"/\">Naar het dashboard</a></p></main></body></html>\n");
}

const char *
monitor_render_css (void)
{
    return "body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}\n"
           "header{background:#1f3a5f;color:#fff;padding:.5em 1em}header a{color:#fff}\n"
           "header h1{margin:.2em 0;font-size:1.4em}nav a{margin-right:1em}\n"
           "nav a[aria-current]{font-weight:bold;text-decoration:none}\n"
           "main{padding:1em;max-width:72em}\n"
           "form.filter label,form.login label{margin-right:1em}\n"
           "input[readonly]{background:#eee}\n"
           ".legend{font-size:.9em;color:#444}.suppressed{font-weight:bold;color:#a00}\n"
           ".error{color:#a00;font-weight:bold}\n"
           "section.figure{background:#fff;border:1px solid #ddd;margin:1em 0;padding:.5em 1em}\n"
           "table{border-collapse:collapse;margin:.5em 0}\n"
           "th,td{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left}\n"
           ".num{text-align:right}svg.chart{display:block;max-width:100%;height:auto}\n";
}

/*  CSV and JSON */

void
monitor_render_table_csv (kb_http_buf_t *out, const monitor_report_table_t *t)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        if (c)
            kb_http_buf_str (out, ",");
        kb_http_buf_csv (out, t->cols[c]);
    }
    kb_http_buf_str (out, "\r\n");
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            const monitor_cell_t *cell = s_cell (t, r, c);
            if (c)
                kb_http_buf_str (out, ",");
            kb_http_buf_csv (out, c && cell->suppressed ? "·" : cell->text);
        }
        kb_http_buf_str (out, "\r\n");
    }
}

static void
s_json_number (kb_http_buf_t *out, double v)
{
    if (isnan (v) || isinf (v))
        kb_http_buf_str (out, "null");
    else if (fabs (v - round (v)) < 1e-9 && fabs (v) < 1e15)
        kb_http_buf_printf (out, "%.0f", v);
    else
        kb_http_buf_printf (out, "%.6g", v);
}

void
monitor_render_table_json (kb_http_buf_t *out, const monitor_report_table_t *t)
{
    kb_http_buf_str (out, "{\"id\": ");
    kb_http_buf_json (out, t->id);
    kb_http_buf_str (out, ", \"title\": ");
    kb_http_buf_json (out, t->title);
    kb_http_buf_str (out, ", \"note\": ");
    if (t->note)
        kb_http_buf_json (out, t->note);
    else
        kb_http_buf_str (out, "null");
    kb_http_buf_printf (out,
                        ", \"chart\": \"%s\", \"columns\": [",
                        t->chart <= MONITOR_CHART_INOUT ? s_chart_names[t->chart] : "none");
    for (size_t c = 0; c < t->n_cols; c++) {
        if (c)
            kb_http_buf_str (out, ", ");
        kb_http_buf_json (out, t->cols[c]);
    }
    kb_http_buf_str (out, "], \"rows\": [");
    for (size_t r = 0; r < t->n_rows; r++) {
        kb_http_buf_str (out, r ? ",\n  {\"label\": " : "\n  {\"label\": ");
        kb_http_buf_json (out, s_cell (t, r, 0)->text);
        kb_http_buf_str (out, ", \"cells\": [");
        for (size_t c = 1; c < t->n_cols; c++) {
            const monitor_cell_t *cell = s_cell (t, r, c);
            kb_http_buf_str (out, c > 1 ? ", {\"text\": " : "{\"text\": ");
            kb_http_buf_json (out, cell->suppressed ? "·" : cell->text);
            kb_http_buf_str (out, ", \"value\": ");
            s_json_number (out, cell->suppressed ? NAN : cell->value);
            kb_http_buf_printf (out, ", \"suppressed\": %s}", cell->suppressed ? "true" : "false");
        }
        kb_http_buf_str (out, "]}");
    }
    kb_http_buf_str (out, "]}");
}

void
monitor_render_report_json (kb_http_buf_t *out, const monitor_report_t *report)
{
    static const char *const kinds[] = { "live", "month", "quarter", "year" };
    kb_http_buf_printf (
      out, "{\"page\": \"%s\", \"generated_at\": ", monitor_render_page_name (report->page));
    kb_http_buf_json (out, report->generated_at);
    kb_http_buf_printf (out,
                        ", \"filter\": {\"period_kind\": \"%s\", \"period\": ",
                        report->filter.kind <= MONITOR_PERIOD_YEAR ? kinds[report->filter.kind]
                                                                   : "live");
    kb_http_buf_json (out, report->filter.period);
    kb_http_buf_str (out, ", \"gemeente\": ");
    kb_http_buf_json (out, report->filter.gemeente);
    kb_http_buf_str (out, ", \"gebied\": ");
    kb_http_buf_json (out, report->filter.gebied);
    kb_http_buf_str (out, "}, \"suppressed_text\": \"\\u00b7\", \"tables\": [\n");
    for (size_t i = 0; i < report->n_tables; i++) {
        if (i)
            kb_http_buf_str (out, ",\n");
        monitor_render_table_json (out, &report->tables[i]);
    }
    kb_http_buf_str (out, "\n]}\n");
}
