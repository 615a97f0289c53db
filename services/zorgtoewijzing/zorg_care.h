/*  zorg_care - toewijzingen (iWmo/iJw 301 assign, 305 start, 307 stop),
    stored per toewijzing id for monitoring. A transition that is not
    allowed (START without ASSIGN, STOP without START, ...) is a
    deterministic business refusal: it is recorded as a rejected event and
    audited, and the link stream goes on. In the caller's transaction. */
#ifndef ZORG_CARE_H_INCLUDED
#define ZORG_CARE_H_INCLUDED

#include "zorg_store.h"

/* *refusal is set (a static code) when the message was refused. */
kb_db_rc_t zorg_care_apply (zorg_ctx_t *ctx, const Ketenbus__V1__CareAssignment *care,
                            const char *message_id, const char *via_org, const char **refusal);

#endif
