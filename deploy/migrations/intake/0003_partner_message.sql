-- intake: partner messages that intake forwards to zorgtoewijzing (regie
-- transfer requests and responses, toewijzingen, plan registrations).
-- (sender_org, message_id) is the partner inbox for them, as the signal
-- table is for CaseSignal: a retried message id finds its row and gets the
-- same Ack, and is not forwarded a second time. Only the body name and a
-- hash of the forwarded (pseudonymised) body are kept: the body itself
-- travels in the outbox row written in the same transaction.

CREATE TABLE partner_message (
    ref           text PRIMARY KEY,
    sender_org    text NOT NULL REFERENCES partner (org_id),
    message_id    text NOT NULL,
    body          text NOT NULL,              -- body name, e.g. "care_assignment"
    payload_hash  bytea NOT NULL CHECK (length(payload_hash) = 32),
    received_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sender_org, message_id)
);
CREATE INDEX partner_message_received_idx ON partner_message (received_at);
