/*  ketenctl_status - the operator's view: "ketenctl status" (queues,
    quarantine, signals, partners), "ketenctl audit verify" and
    "ketenctl quarantine list|show". */
#ifndef KETENCTL_STATUS_H_INCLUDED
#define KETENCTL_STATUS_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_status (const ketenctl_t *ctx, int argc, char *argv[]);
int ketenctl_audit (const ketenctl_t *ctx, int argc, char *argv[]);
int ketenctl_quarantine (const ketenctl_t *ctx, int argc, char *argv[]);

#endif
