/*  kb_log - one line per event on stderr. */
#include "ketenbus/kb_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Set once at start-up before any thread runs, then read-only. */
static char s_process[32] = "ketenbus";
static kb_log_level_t s_level = KB_LOG_INFO;

static const char *s_names[] = { "debug", "info", "warning", "error", "fatal" };

void
kb_log_init (const char *process, kb_log_level_t level)
{
    snprintf (s_process, sizeof s_process, "%s", process ? process : "ketenbus");
    s_level = level;
}

const char *
kb_log_process (void)
{
    return s_process;
}

int
kb_log_level_parse (const char *name, kb_log_level_t *level)
{
    for (int i = 0; i <= KB_LOG_FATAL; i++)
        if (name && strcmp (name, s_names[i]) == 0) {
            *level = (kb_log_level_t) i;
            return 0;
        }
    return -1;
}

int
kb_log_enabled (kb_log_level_t level)
{
    return level >= s_level;
}

void
kb_log_write (kb_log_level_t level, const char *fmt, ...)
{
    char line[1024];
    struct timeval tv;
    struct tm tm;
    gettimeofday (&tv, NULL);
    gmtime_r (&tv.tv_sec, &tm);
    int n = snprintf (line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%d] %s: ",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                      tm.tm_sec, (long) (tv.tv_usec / 1000), s_process, (int) getpid (),
                      s_names[level <= KB_LOG_FATAL ? level : KB_LOG_FATAL]);
    va_list ap;
    va_start (ap, fmt);
    if (n > 0 && (size_t) n < sizeof line)
        vsnprintf (line + n, sizeof line - (size_t) n, fmt, ap);
    va_end (ap);
    /* One write per line so lines of concurrent threads do not interleave. */
    size_t len = strnlen (line, sizeof line - 2);
    for (size_t i = 0; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len] = '\n';
    ssize_t rc = write (STDERR_FILENO, line, len + 1);
    (void) rc;
}
