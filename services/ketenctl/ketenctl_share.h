/*  ketenctl_share - "ketenctl consent grant|withdraw" and "ketenctl share
    request|respond": the consent and share messages of a partner that
    uses ketenctl as its client (certificate from --cert or partner/cert).
    A share payload is sealed here to the recipient's public box key. */
#ifndef KETENCTL_SHARE_H_INCLUDED
#define KETENCTL_SHARE_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_consent (const ketenctl_t *ctx, int argc, char *argv[]);
int ketenctl_share (const ketenctl_t *ctx, int argc, char *argv[]);

#endif
