/*  zorg_consent_rules - the share decision, pure: no I/O. Given a share
    request and the consents of the person it is about, decide ALLOW (a
    consent covers it), ALLOW_OVERRIDE (a legal ground with a long enough
    justification; flagged for the ketencoordinator's review) or DENY with
    the most specific reason. Enum values are ketenbus.v1 numbers. */
#ifndef ZORG_CONSENT_RULES_H_INCLUDED
#define ZORG_CONSENT_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZORG_CONSENT_CATEGORIES_MAX 16
#define ZORG_CONSENT_ID_MAX 36
#define ZORG_CONSENT_ORG_MAX 64
/* share/justification_min_chars when the caller leaves it 0 */
#define ZORG_CONSENT_JUSTIFICATION_MIN_DEFAULT 50

/* One consent of the person, as the registry holds it. */
typedef struct {
    char consent_id[ZORG_CONSENT_ID_MAX + 1];
    int categories[ZORG_CONSENT_CATEGORIES_MAX];
    int ncategories;
    char recipient_org[ZORG_CONSENT_ORG_MAX + 1];  /* "" when recipient_org_type is set */
    int recipient_org_type;                        /* 0 when recipient_org is set */
    int purpose;
    int32_t valid_from, valid_until;               /* days since 1970-01-01 */
    bool withdrawn;
} zorg_consent_t;

/* What is asked. recipient_org is the organisation that RECEIVES the data:
   the requester for a REQUEST, the other organisation for an OFFER. */
typedef struct {
    const int *categories;
    int ncategories;
    const char *recipient_org;
    int recipient_org_type;
    int purpose;
    int legal_ground;                 /* LegalGround; NONE (1) relies on consent */
    size_t justification_chars;       /* UTF-8 characters, 0 when none */
    size_t justification_min;         /* 0: ZORG_CONSENT_JUSTIFICATION_MIN_DEFAULT */
    const char *consent_id;           /* the consent the sender relies on, or NULL/"" */
    int32_t today;                    /* days since 1970-01-01 */
} zorg_share_ask_t;

typedef struct {
    int outcome;                      /* ShareOutcome */
    int reason;                       /* ShareDecisionReason */
    bool review_required;
    const zorg_consent_t *consent;    /* the consent relied on (ALLOW), else NULL */
} zorg_share_verdict_t;

/* Decides. consents may be NULL when n is 0. Legal ground NONE: a consent
   that covers every category, the recipient (org or its type), the
   purpose, today within valid_from..valid_until and not withdrawn gives
   ALLOW/CONSENT_VALID; otherwise DENY with the reason of the consent that
   came closest (fewest unmet conditions; ties and each consent's own
   reason in the order WITHDRAWN, EXPIRED, CATEGORY, RECIPIENT, PURPOSE),
   NO_CONSENT without any. A named consent_id limits the candidates to it.
   Another legal ground: ALLOW_OVERRIDE/LEGAL_GROUND with review_required
   when the justification has at least the minimum length, else
   DENY/JUSTIFICATION_MISSING. An unknown legal ground denies NO_CONSENT. */
void zorg_consent_decide (const zorg_share_ask_t *ask, const zorg_consent_t *consents, int n,
                          zorg_share_verdict_t *out);

/* Is the consent still usable today for a share it allowed? */
bool zorg_consent_in_force (const zorg_consent_t *consent, int32_t today);

/* Number of UTF-8 characters of s (bytes that are not continuation bytes). */
size_t zorg_consent_utf8_chars (const char *s);

#endif
