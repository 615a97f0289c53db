-- monitoring: identifiers that partners choose themselves (trajectory,
-- shelter episode, assessment, toewijzing, share and measurement ids) can
-- hold whatever a partner's system or user typed into them - a name, a
-- case number with a BSN in it. Monitoring needs them only to recognise
-- the same item again, so it keeps a keyed hash: mon_ref(id) =
-- 'r' || the first 32 hex digits of SHA-256(key || id), with a random key
-- of this schema that never leaves it. The same id always gives the same
-- ref (items are still counted once, events still find their trajectory);
-- without the key a ref cannot be traced back, not even by trying names.
-- The one item_ref that is a code, not an id - a STALE_CASE event's kind
-- (no_plan, no_update) - is kept as it is.

CREATE TABLE mon_ref_key (
    id   int   PRIMARY KEY CHECK (id = 1),
    key  bytea NOT NULL CHECK (octet_length(key) = 32)
);
-- gen_random_uuid draws on the server's strong random source
INSERT INTO mon_ref_key (id, key)
VALUES (1, sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                             || gen_random_uuid()::text, 'UTF8')));

CREATE FUNCTION mon_ref (ref text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
DECLARE
    k bytea;
BEGIN
    IF ref IS NULL OR ref = '' THEN
        RETURN NULL;
    END IF;
    -- STRICT: without its key monitoring refuses to store an id at all
    SELECT key INTO STRICT k FROM mon_ref_key WHERE id = 1;
    RETURN 'r' || left(encode(sha256(k || convert_to(ref, 'UTF8')), 'hex'), 32);
END
$$;

-- STALE_CASE (17): item_ref is the kind of reminder, a fixed code
CREATE FUNCTION mon_item_ref (event_type int, ref text) RETURNS text
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT CASE WHEN event_type = 17 THEN nullif(ref, '') ELSE mon_ref(ref) END
$$;

-- What was stored before: the same hash, in place, so that an item that
-- straddles this migration is still one item. The derived tables' region
-- triggers stay off meanwhile (only keys change, no region does).
ALTER TABLE mon_trajectory DISABLE TRIGGER USER;
ALTER TABLE mon_shelter DISABLE TRIGGER USER;
ALTER TABLE mon_assessment DISABLE TRIGGER USER;
ALTER TABLE mon_toewijzing DISABLE TRIGGER USER;
ALTER TABLE mon_share DISABLE TRIGGER USER;
ALTER TABLE mon_escalation DISABLE TRIGGER USER;
ALTER TABLE mon_satisfaction DISABLE TRIGGER USER;

UPDATE mon_trajectory SET trajectory_id = mon_ref(trajectory_id);
UPDATE mon_shelter SET episode_id = mon_ref(episode_id), trajectory_id = mon_ref(trajectory_id);
UPDATE mon_assessment SET assessment_id = mon_ref(assessment_id),
                          trajectory_id = mon_ref(trajectory_id);
UPDATE mon_toewijzing SET toewijzing_id = mon_ref(toewijzing_id);
UPDATE mon_share SET share_id = mon_ref(share_id);
UPDATE mon_escalation SET escalation_id = mon_ref(escalation_id);
-- a measurement without an id was counted under its message id; hashing
-- that too changes nothing (a message is never applied twice)
UPDATE mon_satisfaction SET measurement_id = mon_ref(measurement_id);
UPDATE monitoring_event
   SET trajectory_id = mon_ref(trajectory_id), item_ref = mon_item_ref(event_type, item_ref)
 WHERE trajectory_id IS NOT NULL OR item_ref IS NOT NULL;

ALTER TABLE mon_trajectory ENABLE TRIGGER USER;
ALTER TABLE mon_shelter ENABLE TRIGGER USER;
ALTER TABLE mon_assessment ENABLE TRIGGER USER;
ALTER TABLE mon_toewijzing ENABLE TRIGGER USER;
ALTER TABLE mon_share ENABLE TRIGGER USER;
ALTER TABLE mon_escalation ENABLE TRIGGER USER;
ALTER TABLE mon_satisfaction ENABLE TRIGGER USER;
