/*  ketenctl_retention - "ketenctl retention purge": removes closed
    gezinnen with everything about them, signals under the Verwijsindex
    rule and old quarantine, each schema in one audited transaction. Run
    daily by deploy/systemd/ketenbus-retention.timer. */
#ifndef KETENCTL_RETENTION_H_INCLUDED
#define KETENCTL_RETENTION_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_retention (const ketenctl_t *ctx, int argc, char *argv[]);

#endif
