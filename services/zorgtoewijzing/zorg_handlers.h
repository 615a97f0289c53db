/*  zorg_handlers - the link apply callback: decodes one envelope and
    dispatches on its body inside the receiver's transaction, so the effect,
    the inbox row, the outbox rows and the audit rows commit together. */
#ifndef ZORG_HANDLERS_H_INCLUDED
#define ZORG_HANDLERS_H_INCLUDED

#include "ketenbus/kb_link.h"
#include "zorg_store.h"

/* Largest envelope accepted on the link. */
#define ZORG_MAX_MESSAGE_BYTES (1024 * 1024)
/* The retourcode of a Reject that zorgtoewijzing puts in the sender's
   mailbox: the message passed intake's checks, but the state of the plan,
   transfer or toewijzing refuses it (the rule names why). */
#define ZORG_RC_REFUSED "KB30"

/* kb_link_apply_fn; arg is a zorg_ctx_t *. Unknown or malformed bodies
   are KB_LINK_POISON with a reason; a lost connection KB_LINK_RETRY. */
int zorg_handlers_apply (kb_db_t *db, const char *sender, const char *stream,
                         const char *message_id, const void *payload, size_t len, void *arg,
                         char *reason_buf, size_t reason_len);

#endif
