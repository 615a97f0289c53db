-- The head of the chain moves once per INSERT statement instead of once per
-- row: a batch of audit rows (kb_audit_batch_send, one multi-row INSERT)
-- would otherwise run one UPDATE of kb_audit_head per row. The rule is the
-- one of kb_audit_advance_head (0001): the new rows must continue the head
-- without a gap, each linked to the one before it, and the head moves to
-- the last of them, in the same transaction. A row that does not extend
-- the chain is still refused, and a cut-off tail is still detected.

CREATE FUNCTION kb_audit_advance_head_statement () RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    n_rows bigint;
    first_new  bigint;   -- seq of the first new row
    last_new   bigint;   -- seq of the last new row
BEGIN
    SELECT count(*), min(seq), max(seq) INTO n_rows, first_new, last_new FROM new_rows;
    IF n_rows = 0 THEN
        RETURN NULL;
    END IF;
    -- seq is the primary key, so n rows spanning n numbers have no gap;
    -- each row's prev_hash must be the hash of the row before it
    IF last_new - first_new + 1 <> n_rows OR EXISTS (
           SELECT 1 FROM (SELECT prev_hash, lag(hash) OVER (ORDER BY seq) AS before
                            FROM new_rows) r
            WHERE r.before IS NOT NULL AND r.prev_hash <> r.before) THEN
        RAISE EXCEPTION 'audit rows do not form a chain: seq=%..%', first_new, last_new
            USING ERRCODE = 'check_violation';
    END IF;
    -- the first row extends the head; the head moves to the last row
    UPDATE kb_audit_head
       SET last_seq = last_row.seq, last_hash = last_row.hash
      FROM (SELECT seq, hash FROM new_rows WHERE seq = last_new) last_row,
           (SELECT prev_hash FROM new_rows WHERE seq = first_new) first_row
     WHERE id = 1 AND kb_audit_head.last_seq = first_new - 1
       AND kb_audit_head.last_hash = first_row.prev_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit row does not extend the chain: seq=%', first_new
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER kb_audit_head_advance ON kb_audit;
DROP FUNCTION kb_audit_advance_head ();

CREATE TRIGGER kb_audit_head_advance AFTER INSERT ON kb_audit
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kb_audit_advance_head_statement ();
