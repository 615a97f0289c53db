-- zorgtoewijzing: the consent registry and the share decisions (issue 5).
-- No BSN, no names: persons are intake's pseudonyms, organisations registry
-- ids, everything else ketenbus.v1 enum numbers. share.justification is the
-- only free text: it is kept for the ketencoordinator's review of an
-- ALLOW_OVERRIDE share only, and never copied into logs, audit rows, other
-- tables or anything monitoring reads.

-- One consent of a person (ConsentGrant); a withdrawal (ConsentWithdraw)
-- takes effect at the commit that sets withdrawn_at.
CREATE TABLE consent (
    consent_id         text PRIMARY KEY,
    pseudonym          text NOT NULL,
    given_by           int NOT NULL,             -- ConsentGiver
    categories         int[] NOT NULL,           -- DataCategory
    recipient_org      text,                     -- one named organisation, or
    recipient_org_type int NOT NULL DEFAULT 0,   -- every organisation of this OrgType
    purpose            int NOT NULL,             -- Purpose
    valid_from         date NOT NULL,
    valid_until        date NOT NULL,
    recorded_by_org    text NOT NULL,
    partner_case_ref   text NOT NULL DEFAULT '',
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    withdrawn_at       timestamptz,
    withdrawn_by       int,                      -- ConsentGiver
    withdrawn_date     date,
    withdrawn_via_org  text,
    CHECK ((recipient_org IS NULL) <> (recipient_org_type = 0)),
    CHECK (valid_until >= valid_from),
    CHECK (cardinality (categories) >= 1)
);
CREATE INDEX consent_pseudonym_idx ON consent (pseudonym);

-- Every share request and its decision (ShareRequest -> ShareDecision).
CREATE TABLE share (
    share_id          text PRIMARY KEY,
    direction         int NOT NULL,             -- ShareDirection
    from_org          text NOT NULL,            -- the asking/offering organisation (A)
    to_org            text NOT NULL,            -- the other organisation (B)
    gezin_id          bigint REFERENCES gezin (id),
    pseudonym         text,                     -- the person, when the request named one
    categories        int[] NOT NULL,
    purpose           int NOT NULL,
    legal_ground      int NOT NULL,             -- LegalGround
    justification     text,                     -- ALLOW_OVERRIDE only: for the review, nowhere else
    consent_id        text REFERENCES consent (consent_id),  -- the consent relied on (ALLOW)
    outcome           int NOT NULL,             -- ShareOutcome
    reason            int NOT NULL,             -- ShareDecisionReason
    review_required   boolean NOT NULL DEFAULT false,
    decided_at        timestamptz NOT NULL DEFAULT now(),
    review_outcome    text CHECK (review_outcome IN ('justified', 'not_justified')),
    reviewed_by       text,
    reviewed_at       timestamptz,
    responses_routed  int NOT NULL DEFAULT 0,   -- ShareResponse messages delivered for it
    responses_refused int NOT NULL DEFAULT 0,
    CHECK (justification IS NULL OR outcome = 3),
    CHECK (review_outcome IS NULL OR review_required)
);
CREATE INDEX share_consent_idx ON share (consent_id) WHERE consent_id IS NOT NULL;
CREATE INDEX share_review_idx ON share (decided_at) WHERE review_required AND review_outcome IS NULL;
CREATE INDEX share_pseudonym_idx ON share (pseudonym) WHERE pseudonym IS NOT NULL;
