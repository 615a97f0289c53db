/*  monitoring - the region's figures: stores client-tracking's
    pseudonymised MonitoringEvents once each; small-cell suppression for
    everything it will publish. */
#include "ketenbus/kb_daemon.h"
#include "monitor_config.h"
#include "monitor_server.h"

static int
s_run (const kb_config_t *config, volatile sig_atomic_t *stop)
{
    monitor_server_t *server = monitor_server_new (config);
    if (!server)
        return 1;
    int rc = monitor_server_run (server, stop);
    monitor_server_destroy (&server);
    return rc;
}

int
main (int argc, char *argv[])
{
    const kb_daemon_t daemon = { "monitoring",
                                 "the region's monitoring events and small-cell suppression",
                                 monitor_config_keys,
                                 s_run };
    return kb_daemon_main (&daemon, argc, argv);
}
