/*  kb_log - one line per event on stderr, PostgreSQL message style.
    Never pass personal data (BSN, names, free text) to these functions:
    log identifiers such as message ids, organisation ids and pseudonym prefixes. */
#ifndef KB_LOG_H_INCLUDED
#define KB_LOG_H_INCLUDED

typedef enum {
    KB_LOG_DEBUG = 0,
    KB_LOG_INFO = 1,
    KB_LOG_WARNING = 2,
    KB_LOG_ERROR = 3,
    KB_LOG_FATAL = 4
} kb_log_level_t;

/* Set the process name printed on every line and the minimum level. */
void kb_log_init (const char *process, kb_log_level_t level);
/* That process name ("ketenbus" before kb_log_init). */
const char *kb_log_process (void);
/* Parse "debug", "info", "warning", "error"; returns -1 when unknown. */
int kb_log_level_parse (const char *name, kb_log_level_t *level);
int kb_log_enabled (kb_log_level_t level);
void kb_log_write (kb_log_level_t level, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* The level is checked before the arguments are formatted. */
#define kb_log(level, ...) \
    do { if (kb_log_enabled (level)) kb_log_write ((level), __VA_ARGS__); } while (0)
#define kb_debug(...) kb_log (KB_LOG_DEBUG, __VA_ARGS__)
#define kb_info(...) kb_log (KB_LOG_INFO, __VA_ARGS__)
#define kb_warning(...) kb_log (KB_LOG_WARNING, __VA_ARGS__)
#define kb_error(...) kb_log (KB_LOG_ERROR, __VA_ARGS__)

#endif
