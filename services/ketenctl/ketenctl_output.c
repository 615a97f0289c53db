/*  ketenctl_output - JSON literals, UTC times, "-" for empty. */
#include "ketenctl_output.h"

#include <time.h>

void
ketenctl_json_string (FILE *out, const char *s)
{
    fputc ('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf (out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf (out, "\\u%04x", *p);
        else
            fputc (*p, out);
    }
    fputc ('"', out);
}

void
ketenctl_json_field (const char *key, const char *value, bool comma)
{
    printf ("%s\"%s\": ", comma ? ", " : "", key);
    ketenctl_json_string (stdout, value);
}

void
ketenctl_utc (int64_t ms, char *buf, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !gmtime_r (&t, &tm) || !strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf (buf, size, "-");
}

const char *
ketenctl_or_dash (const char *s)
{
    return s && *s ? s : "-";
}
