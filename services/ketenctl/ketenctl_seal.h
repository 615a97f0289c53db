/*  ketenctl_seal - "ketenctl seal" and "ketenctl open": sealed share
    payloads for partners that use ketenctl as their client. A payload is
    sealed to the recipient's public box key (from ketenctl partner show,
    a .pub file, or the registry with --to) and opened with the recipient's
    secret box key; the backbone never holds a key that opens it. */
#ifndef KETENCTL_SEAL_H_INCLUDED
#define KETENCTL_SEAL_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_seal (const ketenctl_t *ctx, int argc, char *argv[]);
/* A public box key from --box-key HEX or --box-key-file PATH.pub (exactly
   one of them non-NULL). Returns KETENCTL_OK, or KETENCTL_USAGE after
   printing why. */
int ketenctl_box_key (const char *hex, const char *path, uint8_t key[32]);
int ketenctl_open (const ketenctl_t *ctx, int argc, char *argv[]);

#endif
