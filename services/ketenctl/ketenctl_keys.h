/*  ketenctl_keys - "ketenctl keygen": CURVE certificates for partners and
    intake, and the regional pseudonym key. */
#ifndef KETENCTL_KEYS_H_INCLUDED
#define KETENCTL_KEYS_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_keys_keygen (const ketenctl_t *ctx, int argc, char *argv[]);

#endif
