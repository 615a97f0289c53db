/*  ketenctl_review - "ketenctl review list|show|decide": the
    ketencoordinator's review queue of shares allowed on a legal ground
    without consent (ALLOW_OVERRIDE). Reads and writes the share table of
    zorgtoewijzing's schema; showing a justification and deciding are
    audited there. */
#ifndef KETENCTL_REVIEW_H_INCLUDED
#define KETENCTL_REVIEW_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_review (const ketenctl_t *ctx, int argc, char *argv[]);

#endif
