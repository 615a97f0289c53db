/*  ketenctl_dashboard - "ketenctl dashboard user add|list|revoke": the
    accounts of monitoring's dashboard, in monitoring's schema
    (monitoring/schema). A token is printed once, at add, and stored only
    as a hash. */
#ifndef KETENCTL_DASHBOARD_H_INCLUDED
#define KETENCTL_DASHBOARD_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_dashboard (const ketenctl_t *ctx, int argc, char *argv[]);

#endif
