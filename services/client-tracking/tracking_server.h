/*  tracking_server - the client-tracking loop: the link receiver
    (trajectory updates, shelter episodes, assessments), two link senders
    over the one outbox (MonitoringEvents to monitoring, stale-case
    reminders to intake's partner mailboxes) and the periodic stale check. */
#ifndef TRACKING_SERVER_H_INCLUDED
#define TRACKING_SERVER_H_INCLUDED

#include "ketenbus/kb_config.h"
#include <signal.h>

typedef struct _tracking_server_t tracking_server_t;

/* Builds everything from config; NULL (after logging why) when the daemon
   must not start: bad stable/domains, database unreachable, endpoint busy. */
tracking_server_t *tracking_server_new (const kb_config_t *config);
void tracking_server_destroy (tracking_server_t **self_p);
/* Serves until *stop becomes non-zero. */
int tracking_server_run (tracking_server_t *self, volatile sig_atomic_t *stop);

#endif
