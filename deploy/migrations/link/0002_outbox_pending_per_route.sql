-- A daemon with two receivers runs one sender per receiver over its one
-- outbox, split by stream prefix: "tracking:" (intake and zorgtoewijzing to
-- client-tracking) and "monitoring:" (client-tracking to monitoring). The
-- sender of such a prefix reads its pending rows through an index of its
-- own (its statements, s_route_loads in kb_outbox.c, name the prefix as a
-- literal, which these predicates match) instead of reading past every
-- pending row of the other streams, which a backlog towards the other
-- receiver made slow.
CREATE INDEX kb_outbox_pending_tracking_idx ON kb_outbox (id)
    WHERE acked_at IS NULL AND dead_at IS NULL AND starts_with (stream, 'tracking:');
CREATE INDEX kb_outbox_pending_monitoring_idx ON kb_outbox (id)
    WHERE acked_at IS NULL AND dead_at IS NULL AND starts_with (stream, 'monitoring:');
