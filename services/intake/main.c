/*  intake - the partner-facing gateway of ketenbus. */
#include "intake_config.h"
#include "intake_server.h"
#include "ketenbus/kb_daemon.h"

static int
s_run (const kb_config_t *config, volatile sig_atomic_t *stop)
{
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
