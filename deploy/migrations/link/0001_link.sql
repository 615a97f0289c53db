-- kb_link: outbox (sender side) and inbox (receiver side) of the reliable
-- link. Unqualified names: applied inside the daemon's own schema.

-- Sender side. One counter row per stream hands out stream_seq in the
-- caller's transaction; the row lock orders concurrent writers per stream.
CREATE TABLE kb_link_stream (
    stream      text PRIMARY KEY,
    last_seq    bigint NOT NULL
);

CREATE TABLE kb_outbox (
    id          bigserial PRIMARY KEY,
    stream      text NOT NULL,
    stream_seq  bigint NOT NULL,
    message_id  text NOT NULL UNIQUE,
    payload     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    acked_at    timestamptz,
    dead_at     timestamptz,
    dead_reason text,
    UNIQUE (stream, stream_seq)
);
CREATE INDEX kb_outbox_pending_idx ON kb_outbox (id) WHERE acked_at IS NULL AND dead_at IS NULL;
CREATE INDEX kb_outbox_acked_idx ON kb_outbox (acked_at) WHERE acked_at IS NOT NULL;

-- Receiver side. kb_inbox deduplicates on message id and is pruned;
-- kb_inbox_stream keeps the last applied position per (sender, stream),
-- which keeps deduplication working after pruning.
CREATE TABLE kb_inbox (
    message_id  text PRIMARY KEY,
    sender      text NOT NULL,
    stream      text NOT NULL,
    stream_seq  bigint NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_inbox_received_idx ON kb_inbox (received_at);

CREATE TABLE kb_inbox_stream (
    sender      text NOT NULL,
    stream      text NOT NULL,
    last_seq    bigint NOT NULL,
    PRIMARY KEY (sender, stream)
);

-- Failed apply attempts of a poison message, committed apart from the batch.
CREATE TABLE kb_inbox_attempt (
    message_id  text PRIMARY KEY,
    attempts    int NOT NULL,
    last_reason text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kb_dead_letter (
    message_id  text PRIMARY KEY,
    sender      text NOT NULL,
    stream      text NOT NULL,
    stream_seq  bigint NOT NULL,
    payload     bytea NOT NULL,
    reason      text NOT NULL,
    attempts    int NOT NULL,
    dead_at     timestamptz NOT NULL DEFAULT now()
);

-- What ketenctl status prints for this daemon's outbox.
CREATE VIEW kb_link_status AS
SELECT count(*) FILTER (WHERE acked_at IS NULL AND dead_at IS NULL) AS pending,
       coalesce((extract(epoch FROM now() - min(created_at)
                 FILTER (WHERE acked_at IS NULL AND dead_at IS NULL)) * 1000)::bigint, 0)
           AS oldest_pending_ms,
       count(*) FILTER (WHERE dead_at IS NOT NULL) AS dead,
       count(*) FILTER (WHERE acked_at IS NOT NULL) AS acked
  FROM kb_outbox;
