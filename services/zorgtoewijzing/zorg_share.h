/*  zorg_share - share requests and the routing of their sealed responses.

    ShareRequest: only an organisation involved with the gezin may ask; an
    unknown gezin or person and a requester that is not involved get the
    same DENY UNKNOWN_SUBJECT, so the answer reveals nothing. A recipient
    that is unknown or inactive: DENY RECIPIENT_INACTIVE. Otherwise the
    pure rules (zorg_consent_rules) decide on the person's consents or the
    legal ground. Consent is per person: a request that names only a gezin
    can be allowed on a legal ground, not on consent. On ALLOW and
    ALLOW_OVERRIDE both organisations get the ShareDecision and the
    recipient B the ShareRequest (without BSN, pseudonym or
    justification); on DENY only the requester hears, B nothing.

    ShareResponse: routed to its to_org only when the share was allowed
    between exactly these two organisations in the right direction (B
    answers A for a REQUEST, A sends to B for an OFFER) and, when it was
    allowed on consent, that consent is still in force; otherwise it is
    not delivered and the sender gets a ShareDecision DENY with the reason.
    The sealed payload is passed on as it came: the backbone cannot read it.

    Every decision and routing is audited with codes only, never the
    justification. In the caller's transaction. */
#ifndef ZORG_SHARE_H_INCLUDED
#define ZORG_SHARE_H_INCLUDED

#include "zorg_store.h"

kb_db_rc_t zorg_share_request (zorg_ctx_t *ctx, const Ketenbus__V1__ShareRequest *request,
                               const char *message_id);
kb_db_rc_t zorg_share_response (zorg_ctx_t *ctx, const Ketenbus__V1__ShareResponse *response,
                                const char *message_id);

#endif
