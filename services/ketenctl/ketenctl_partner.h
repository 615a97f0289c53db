/*  ketenctl_partner - "ketenctl partner add|list|revoke": the partner
    registry in the intake schema; every change is audited by kb_partner. */
#ifndef KETENCTL_PARTNER_H_INCLUDED
#define KETENCTL_PARTNER_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_partner (const ketenctl_t *ctx, int argc, char *argv[]);

/* True when id has the registry's form: [a-z0-9][a-z0-9._-]{1,63}. */
bool ketenctl_partner_org_id_valid (const char *id);

#endif
