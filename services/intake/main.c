/*  intake - the partner-facing gateway of ketenbus. */
#include "intake_config.h"
#include "intake_server.h"
#include "ketenbus/kb_daemon.h"
#include "ketenbus/kb_log.h"

static int
s_run (const kb_config_t *config, volatile sig_atomic_t *stop)
{
    /* a registry that goes stale between two reloads would refuse every
       partner most of the time: the age limit must leave room for them */
    long refresh = kb_config_int (config, "security/refresh_ms");
    if (kb_config_int (config, "security/max_age_ms") < 2 * refresh) {
        kb_error ("invalid value for key \"security/max_age_ms\": must be at least twice"
                  " security/refresh_ms (%ld)", refresh);
        return 2;
    }
    intake_server_t *server = intake_server_new (config);
    if (!server)
        return 1;
    int rc = intake_server_run (server, stop);
    intake_server_destroy (&server);
    return rc;
}

int
main (int argc, char *argv[])
{
    const kb_daemon_t daemon = { "intake",
                                 "the partner-facing gateway: CURVE-authenticated signals in, Ack/Reject out",
                                 intake_config_keys, s_run };
    return kb_daemon_main (&daemon, argc, argv);
}
