/*  kb_effects - audit rows and outbox messages of one link batch. */
#include "ketenbus/kb_effects.h"

#include <stdbool.h>
#include <stdlib.h>

struct _kb_effects_t {
    kb_audit_batch_t *audit;
    kb_outbox_batch_t *outbox;
    bool open; /* between BATCH_BEGIN and COMMIT or ABORT */
};

kb_effects_t *
kb_effects_new (void)
{
    kb_effects_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->audit = kb_audit_batch_new ();
    self->outbox = kb_outbox_batch_new ();
    if (!self->audit || !self->outbox)
        kb_effects_destroy (&self);
    return self;
}

void
kb_effects_destroy (kb_effects_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    kb_effects_t *self = *self_p;
    kb_audit_batch_destroy (&self->audit);
    kb_outbox_batch_destroy (&self->outbox);
    free (self);
    *self_p = NULL;
}

int
kb_effects_on_batch (kb_effects_t *self, kb_db_t *db, kb_link_batch_event_t event)
{
    int rc = KB_DB_OK;
    switch (event) {
        case KB_LINK_BATCH_BEGIN:
            /* the audit head is locked and read in the batch's first round trip */
            kb_outbox_batch_reset (self->outbox);
            self->open = false;
            rc = kb_audit_batch_lock (self->audit, db);
            break;
        case KB_LINK_BATCH_STARTED:
            rc = kb_audit_batch_head (self->audit, db);
            self->open = rc == KB_DB_OK;
            break;
        case KB_LINK_MESSAGE_BEGIN:
            kb_audit_batch_savepoint (self->audit);
            kb_outbox_batch_savepoint (self->outbox);
            break;
        case KB_LINK_MESSAGE_UNDO:
            kb_audit_batch_rollback_to (self->audit);
            kb_outbox_batch_rollback_to (self->outbox);
            break;
        case KB_LINK_BATCH_COMMIT:
            /* queued before the COMMIT, in the batch's last round trip */
            rc = kb_outbox_batch_send (self->outbox, db);
            if (rc == KB_DB_OK)
                rc = kb_audit_batch_send (self->audit, db);
            self->open = false;
            break;
        case KB_LINK_BATCH_ABORT:
            self->open = false;
            break;
    }
    return rc == KB_DB_OK ? 0 : KB_LINK_RETRY;
}

kb_audit_batch_t *
kb_effects_audit (kb_effects_t *self)
{
    return self->open ? self->audit : NULL;
}

kb_outbox_batch_t *
kb_effects_outbox (kb_effects_t *self)
{
    return self->open ? self->outbox : NULL;
}
