/*  zorg_consent - the consent registry: ConsentGrant stores a consent
    (idempotent on consent_id), ConsentWithdraw ends it at the commit of
    its transaction and tells the organisations on both sides of the
    allowed shares that relied on it (ConsentWithdraw with to_org). The
    recording partner gets a ConsentRecorded either way. Audited with codes
    only. In the caller's transaction. */
#ifndef ZORG_CONSENT_H_INCLUDED
#define ZORG_CONSENT_H_INCLUDED

#include "zorg_consent_rules.h"
#include "zorg_store.h"

/* Most consents of one person looked at for a decision. */
#define ZORG_CONSENT_PER_PERSON_MAX 64

kb_db_rc_t zorg_consent_grant (zorg_ctx_t *ctx, const Ketenbus__V1__ConsentGrant *grant,
                               const char *message_id);
kb_db_rc_t zorg_consent_withdraw (zorg_ctx_t *ctx, const Ketenbus__V1__ConsentWithdraw *withdraw,
                                  const char *message_id);

/* The consents of pseudonym (statement "zorg_consent_of_person") or the one
   with that id ("zorg_consent_by_id"); returns the count (at most max) or
   -1 with *rc set. */
int zorg_consent_load (kb_db_t *db, const char *statement, const char *arg, zorg_consent_t *out,
                       int max, kb_db_rc_t *rc);

/* Today as days since 1970-01-01 (UTC), as intake validates dates. */
int32_t zorg_consent_today (void);

#endif
