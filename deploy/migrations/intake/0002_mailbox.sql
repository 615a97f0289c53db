-- intake: durable partner mailboxes. Every message the backbone sends to a
-- partner is queued here per partner with a strictly increasing sequence
-- number, pushed while the partner is connected, marked acknowledged on the
-- partner's DeliveryAck and kept (replayable) until pruned.

CREATE TABLE mailbox_head (
    org_id      text PRIMARY KEY,
    last_seq    bigint NOT NULL,            -- highest sequence number handed out
    acked_seq   bigint NOT NULL DEFAULT 0   -- everything up to here was acknowledged
);

CREATE TABLE mailbox (
    org_id      text NOT NULL,
    seq         bigint NOT NULL,
    message_id  text NOT NULL UNIQUE,
    body        text NOT NULL,              -- body name, for operators ("match_notification")
    envelope    bytea NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    acked_at    timestamptz,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX mailbox_pending_idx ON mailbox (org_id, seq) WHERE acked_at IS NULL;
CREATE INDEX mailbox_acked_idx ON mailbox (acked_at) WHERE acked_at IS NOT NULL;
