/*  zorg_consent_rules - the share decision over structs. */
#include "zorg_consent_rules.h"

#include "ketenbus/kb_codec.h"

#include <string.h>

/* Unmet conditions of one consent, as bits in reporting order. */
enum {
    S_WITHDRAWN = 1 << 0,
    S_EXPIRED = 1 << 1,
    S_CATEGORY = 1 << 2,
    S_RECIPIENT = 1 << 3,
    S_PURPOSE = 1 << 4
};

static int
s_reason_of (unsigned bits)
{
    if (bits & S_WITHDRAWN)
        return KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_CONSENT_WITHDRAWN;
    if (bits & S_EXPIRED)
        return KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_CONSENT_EXPIRED;
    if (bits & S_CATEGORY)
        return KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_CATEGORY_NOT_COVERED;
    if (bits & S_RECIPIENT)
        return KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_RECIPIENT_NOT_COVERED;
    return KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_PURPOSE_NOT_COVERED;
}

static int
s_popcount (unsigned bits)
{
    int n = 0;
    for (; bits; bits &= bits - 1)
        n++;
    return n;
}

static bool
s_has_category (const zorg_consent_t *c, int category)
{
    for (int i = 0; i < c->ncategories && i < ZORG_CONSENT_CATEGORIES_MAX; i++)
        if (c->categories[i] == category)
            return true;
    return false;
}

static unsigned
s_unmet (const zorg_share_ask_t *ask, const zorg_consent_t *c)
{
    unsigned bits = 0;
    if (c->withdrawn)
        bits |= S_WITHDRAWN;
    if (ask->today < c->valid_from || ask->today > c->valid_until)
        bits |= S_EXPIRED;
    for (int i = 0; i < ask->ncategories; i++)
        if (!s_has_category (c, ask->categories[i])) {
            bits |= S_CATEGORY;
            break;
        }
    bool by_org = c->recipient_org[0] && ask->recipient_org
                  && strcmp (c->recipient_org, ask->recipient_org) == 0;
    bool by_type = c->recipient_org_type != 0 && c->recipient_org_type == ask->recipient_org_type;
    if (!by_org && !by_type)
        bits |= S_RECIPIENT;
    if (c->purpose != ask->purpose)
        bits |= S_PURPOSE;
    return bits;
}

bool
zorg_consent_in_force (const zorg_consent_t *c, int32_t today)
{
    return c && !c->withdrawn && today >= c->valid_from && today <= c->valid_until;
}

size_t
zorg_consent_utf8_chars (const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        if (((unsigned char) *s & 0xC0) != 0x80)
            n++;
    return n;
}

void
zorg_consent_decide (const zorg_share_ask_t *ask, const zorg_consent_t *consents, int n,
                     zorg_share_verdict_t *out)
{
    memset (out, 0, sizeof *out);
    out->outcome = KETENBUS__V1__SHARE_OUTCOME__SHARE_OUTCOME_DENY;
    switch (ask->legal_ground) {
    case KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_NONE:
        break;
    case KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_MELDCODE:
    case KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_ACUUT_GEVAAR:
    case KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_WETTELIJKE_PLICHT: {
        size_t min = ask->justification_min ? ask->justification_min
                                            : ZORG_CONSENT_JUSTIFICATION_MIN_DEFAULT;
        if (ask->justification_chars >= min) {
            out->outcome = KETENBUS__V1__SHARE_OUTCOME__SHARE_OUTCOME_ALLOW_OVERRIDE;
            out->reason = KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_LEGAL_GROUND;
            out->review_required = true;
        }
        else
            out->reason = KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_JUSTIFICATION_MISSING;
        return;
    }
    default:
        out->reason = KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_NO_CONSENT;
        return;
    }
    bool named = ask->consent_id && *ask->consent_id;
    const zorg_consent_t *best = NULL;
    unsigned best_bits = 0;
    for (int i = 0; i < n; i++) {
        const zorg_consent_t *c = &consents[i];
        if (named && strcmp (c->consent_id, ask->consent_id) != 0)
            continue;
        unsigned bits = s_unmet (ask, c);
        if (bits == 0) {
            out->outcome = KETENBUS__V1__SHARE_OUTCOME__SHARE_OUTCOME_ALLOW;
            out->reason = KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_CONSENT_VALID;
            out->consent = c;
            return;
        }
        /* closest: fewest unmet conditions, then the more specific reason */
        if (!best || s_popcount (bits) < s_popcount (best_bits)
            || (s_popcount (bits) == s_popcount (best_bits)
                && (bits & (0u - bits)) < (best_bits & (0u - best_bits)))) {
            best = c;
            best_bits = bits;
        }
    }
    out->reason = best ? s_reason_of (best_bits)
                       : KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_NO_CONSENT;
}
