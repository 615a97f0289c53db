/*  zorg_server - the zorgtoewijzing loop: the link receiver (intake's
    StoredSignals and partner messages), the link sender towards intake's
    partner mailboxes, and the transfer deadline check. */
#ifndef ZORG_SERVER_H_INCLUDED
#define ZORG_SERVER_H_INCLUDED

#include <signal.h>
#include "ketenbus/kb_config.h"

typedef struct _zorg_server_t zorg_server_t;

/* Builds everything from config; NULL (after logging why) when the daemon
   must not start: rules file invalid, database unreachable, endpoint busy. */
zorg_server_t *zorg_server_new (const kb_config_t *config);
void zorg_server_destroy (zorg_server_t **self_p);
/* Serves until *stop becomes non-zero. */
int zorg_server_run (zorg_server_t *self, volatile sig_atomic_t *stop);

#endif
