/*  client-tracking - trajectories per person and gezin, shelter episodes,
    zelfredzaamheid assessments, stale-case reminders and the
    pseudonymised MonitoringEvents for monitoring. */
#include "ketenbus/kb_daemon.h"
#include "tracking_config.h"
#include "tracking_server.h"

static int
s_run (const kb_config_t *config, volatile sig_atomic_t *stop)
{
    tracking_server_t *server = tracking_server_new (config);
    if (!server)
        return 1;
    int rc = tracking_server_run (server, stop);
    tracking_server_destroy (&server);
    return rc;
}

int
main (int argc, char *argv[])
{
    const kb_daemon_t daemon = { "client-tracking",
                                 "trajectories, shelter episodes, assessments and stale cases",
                                 tracking_config_keys,
                                 s_run };
    return kb_daemon_main (&daemon, argc, argv);
}
