-- client-tracking: the link streams towards monitoring are named after the
-- gezin, person or item whose events must stay in order. Where that is an
-- id a partner chose (a trajectory, measurement or episode id), the name
-- would carry whatever was typed into it into monitoring's inbox. So a
-- stream is named 'monitoring:' || the first 32 hex digits of
-- SHA-256(key || name), with this random key that stays in this schema
-- (tracking_store_monitor computes it; monitor_stream() is the same in SQL,
-- for an operator who looks for one item's stream).

CREATE TABLE monitor_stream_key (
    id   int   PRIMARY KEY CHECK (id = 1),
    key  bytea NOT NULL CHECK (octet_length(key) = 32)
);
-- gen_random_uuid draws on the server's strong random source
INSERT INTO monitor_stream_key (id, key)
VALUES (1, sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                             || gen_random_uuid()::text, 'UTF8')));

CREATE FUNCTION monitor_stream (name text) RETURNS text
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT 'monitoring:' || left(encode(sha256(k.key || convert_to(name, 'UTF8')), 'hex'), 32)
      FROM monitor_stream_key k WHERE k.id = 1
$$;
