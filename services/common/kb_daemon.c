/*  kb_daemon - the common main() of the ketenbus daemons. */
#include "ketenbus/kb_daemon.h"
#include "ketenbus/kb_log.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>

/* The only process-wide state: set by the signal handler, read by the loop. */
static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
s_usage (const kb_daemon_t *daemon, FILE *out)
{
    fprintf (out, "usage: %s [-c FILE] [--help] [--example-config]\n  %s\n\n", daemon->name,
             daemon->summary);
    kb_config_print_help (daemon->keys, out);
}

int
kb_daemon_main (const kb_daemon_t *daemon, int argc, char *argv[])
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "-c") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
            s_usage (daemon, stdout);
            return 0;
        }
        else if (strcmp (argv[i], "--example-config") == 0) {
            kb_config_print_example (daemon->keys, stdout);
            return 0;
        }
        else {
            fprintf (stderr, "%s: unknown argument \"%s\"\n", daemon->name, argv[i]);
            s_usage (daemon, stderr);
            return 2;
        }
    }
    char err[512];
    kb_config_t *config = kb_config_load (daemon->keys, path, err, sizeof err);
    if (!config) {
        fprintf (stderr, "%s: %s\n", daemon->name, err);
        return 2;
    }
    kb_log_level_t level = KB_LOG_INFO;
    if (kb_log_level_parse (kb_config_str (config, "log/level"), &level)) {
        fprintf (stderr, "%s: invalid value for key \"log/level\": use debug, info, warning or error\n",
                 daemon->name);
        kb_config_destroy (&config);
        return 2;
    }
    kb_log_init (daemon->name, level);
    /* our own handlers: czmq's would print and set a global of its own */
    zsys_handler_set (NULL);
    zsys_init ();
    zsys_set_logstream (NULL);
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);

    int rc = daemon->run (config, &s_stop);
    kb_config_destroy (&config);
    zsys_shutdown ();
    return rc;
}
