/*  intake_server - the partner-facing loop: receive a batch, decode,
    validate, pseudonymise, store in one transaction, answer after commit. */
#ifndef INTAKE_SERVER_H_INCLUDED
#define INTAKE_SERVER_H_INCLUDED

#include <signal.h>
#include "ketenbus/kb_config.h"

typedef struct _intake_server_t intake_server_t;

/* Builds everything from config; NULL (after logging why) when intake
   must not start: key file missing or too open, no ZAP handler, no db. */
intake_server_t *intake_server_new (const kb_config_t *config);
void intake_server_destroy (intake_server_t **self_p);
/* Serves until *stop becomes non-zero; finishes the batch in hand. */
int intake_server_run (intake_server_t *self, volatile sig_atomic_t *stop);

#endif
