-- The other half of 0002: the sender that sends everything except the
-- "tracking:" or "monitoring:" streams (intake and zorgtoewijzing towards
-- each other, client-tracking towards intake) read past every pending row
-- of the split-off prefix on each full read of its pending rows - with a
-- backlog towards client-tracking or monitoring (that receiver down for
-- hours) that was the whole backlog, five times a second. It now reads
-- through an index of its own. No daemon writes rows of both prefixes, so
-- one index serves every such sender. The general pending index is then
-- only used by senders of other prefixes (tests); the primary key serves
-- them, and each outbox row costs one index entry fewer.
CREATE INDEX kb_outbox_pending_rest_idx ON kb_outbox (id)
    WHERE acked_at IS NULL AND dead_at IS NULL
      AND NOT starts_with (stream, 'tracking:') AND NOT starts_with (stream, 'monitoring:');
DROP INDEX kb_outbox_pending_idx;
