/*  kb_effects - the side effects of one link batch: its audit rows and
    outbox messages are kept in memory and written with one statement each
    just before the batch commits, instead of a few round trips per row.
    A daemon calls kb_effects_on_batch from its receiver's batch hook
    (kb_link_receiver_config_t.on_batch) and, while a batch is open,
    appends to kb_effects_audit / kb_effects_outbox (NULL outside a batch:
    then it writes at once with kb_audit_append / kb_outbox_put). A message
    undone to its savepoint takes its rows back with it. */
#ifndef KB_EFFECTS_H_INCLUDED
#define KB_EFFECTS_H_INCLUDED

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_outbox.h"

typedef struct _kb_effects_t kb_effects_t;

kb_effects_t *kb_effects_new (void);
void kb_effects_destroy (kb_effects_t **self_p);

/* Follows the receiver's transaction. Returns 0, or KB_LINK_RETRY when
   the batch must be rolled back (the rows could not be written). */
int kb_effects_on_batch (kb_effects_t *self, kb_db_t *db, kb_link_batch_event_t event);

/* The open batch's audit rows and outbox messages, or NULL. */
kb_audit_batch_t *kb_effects_audit (kb_effects_t *self);
kb_outbox_batch_t *kb_effects_outbox (kb_effects_t *self);

#endif
