/*  ketenctl_mailbox - the partner mailboxes of intake: "ketenctl mailbox
    status" (operator: depth per partner from the intake schema) and
    "ketenctl mailbox replay" (partner: asks intake for its mailbox from a
    sequence number, prints the non-personal routing fields of every
    delivered message and acknowledges them). */
#ifndef KETENCTL_MAILBOX_H_INCLUDED
#define KETENCTL_MAILBOX_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_mailbox (const ketenctl_t *ctx, int argc, char *argv[]);

/* One line describing a delivered envelope: body name and its routing
   fields (organisations, references, enums), never names, phone numbers,
   BSNs, pseudonyms or free text. Pure, for tests. */
void ketenctl_mailbox_describe (const kb_envelope_t *env, char *buf, size_t size);

#endif
