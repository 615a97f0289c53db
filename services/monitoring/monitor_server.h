/*  monitor_server - the monitoring loop: the link receiver where
    client-tracking's MonitoringEvents arrive. */
#ifndef MONITOR_SERVER_H_INCLUDED
#define MONITOR_SERVER_H_INCLUDED

#include "ketenbus/kb_config.h"
#include <signal.h>

typedef struct _monitor_server_t monitor_server_t;

/* Builds everything from config; NULL (after logging why) when the daemon
   must not start: database unreachable, endpoint busy. */
monitor_server_t *monitor_server_new (const kb_config_t *config);
void monitor_server_destroy (monitor_server_t **self_p);
/* Serves until *stop becomes non-zero. */
int monitor_server_run (monitor_server_t *self, volatile sig_atomic_t *stop);

#endif
