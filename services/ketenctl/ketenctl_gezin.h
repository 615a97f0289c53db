/*  ketenctl_gezin - the ketencoordinator's view of zorgtoewijzing:
    "ketenctl gezin show" (members, the one plan and its regisseur, involved
    organisations, pending transfers, open escalations), "ketenctl transfer
    list" and "ketenctl escalation list|decide". Reads the schema of key
    zorg/schema; only escalation decide writes (through
    zorg_escalation_decide, one audited transaction). */
#ifndef KETENCTL_GEZIN_H_INCLUDED
#define KETENCTL_GEZIN_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_gezin (const ketenctl_t *ctx, int argc, char *argv[]);
int ketenctl_transfer (const ketenctl_t *ctx, int argc, char *argv[]);
int ketenctl_escalation (const ketenctl_t *ctx, int argc, char *argv[]);

/* Connects to the zorgtoewijzing schema (zorg/schema), applies its
   migrations (so commands answer before the daemon ever ran) and prepares
   zorg_store's statements. NULL with an error printed and *exit_rc set. */
kb_db_t *ketenctl_zorg_open (const ketenctl_t *ctx, int *exit_rc);

#endif
