/*  zorgtoewijzing - the routing brain of ketenbus: gezin registry, one
    plan and one regisseur per gezin, matching, transfers, toewijzingen. */
#include "zorg_config.h"
#include "zorg_server.h"
#include "ketenbus/kb_log.h"

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: zorgtoewijzing [-c FILE] [--help] [--example-config]\n"
                  "  the routing brain: 1 gezin 1 plan 1 regisseur, matching, transfers\n\n");
    kb_config_print_help (zorg_config_keys, out);
}

int
main (int argc, char *argv[])
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "-c") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
            s_usage (stdout);
            return 0;
        }
        else if (strcmp (argv[i], "--example-config") == 0) {
            kb_config_print_example (zorg_config_keys, stdout);
            return 0;
        }
        else {
            fprintf (stderr, "zorgtoewijzing: unknown argument \"%s\"\n", argv[i]);
            s_usage (stderr);
            return 2;
        }
    }
    char err[512];
    kb_config_t *config = kb_config_load (zorg_config_keys, path, err, sizeof err);
    if (!config) {
        fprintf (stderr, "zorgtoewijzing: %s\n", err);
        return 2;
    }
    kb_log_level_t level = KB_LOG_INFO;
    if (kb_log_level_parse (kb_config_str (config, "log/level"), &level)) {
        fprintf (stderr, "zorgtoewijzing: invalid value for key \"log/level\"\n");
        kb_config_destroy (&config);
        return 2;
    }
    kb_log_init ("zorgtoewijzing", level);
    zsys_handler_set (NULL);
    zsys_init ();
    zsys_set_logstream (NULL);
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);

    int rc = 1;
    zorg_server_t *server = zorg_server_new (config);
    if (server) {
        rc = zorg_server_run (server, &s_stop);
        zorg_server_destroy (&server);
    }
    kb_config_destroy (&config);
    zsys_shutdown ();
    return rc;
}
