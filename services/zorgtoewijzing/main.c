/*  zorgtoewijzing - the routing brain of ketenbus: gezin registry, one
    plan and one regisseur per gezin, matching, transfers, toewijzingen. */
#include "zorg_config.h"
#include "zorg_server.h"
#include "ketenbus/kb_daemon.h"

static int
s_run (const kb_config_t *config, volatile sig_atomic_t *stop)
{
    zorg_server_t *server = zorg_server_new (config);
    if (!server)
        return 1;
    int rc = zorg_server_run (server, stop);
    zorg_server_destroy (&server);
    return rc;
}

int
main (int argc, char *argv[])
{
    const kb_daemon_t daemon = { "zorgtoewijzing",
                                 "the routing brain: 1 gezin 1 plan 1 regisseur, matching, transfers",
                                 zorg_config_keys, s_run };
    return kb_daemon_main (&daemon, argc, argv);
}
