-- intake: a withdrawn consent also stops what already waits in a mailbox.
-- A share payload or forwarded request carries the consent it relies on;
-- the withdrawal's commit holds back every such message not yet
-- acknowledged (never pushed or replayed again) and every one that arrives
-- later. Blocked rows keep their sequence number: partners see a gap.
ALTER TABLE mailbox ADD COLUMN consent_id text;
ALTER TABLE mailbox ADD COLUMN blocked_at timestamptz;
ALTER TABLE mailbox ADD COLUMN blocked_reason text;
CREATE INDEX mailbox_consent_idx ON mailbox (consent_id)
    WHERE consent_id IS NOT NULL AND acked_at IS NULL;

CREATE TABLE withdrawn_consent (
    consent_id    text PRIMARY KEY,
    withdrawn_at  timestamptz NOT NULL DEFAULT now()
);
