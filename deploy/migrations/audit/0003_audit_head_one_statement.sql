-- The head of the chain moves with one statement per audit INSERT instead
-- of three queries and an UPDATE (0002), and with one sort of the new rows
-- (the window) where 0002 took three: on a daemon's small transactions (a
-- signal or two at a time) the trigger cost as much as the INSERT that
-- fired it. The rule is unchanged: the new rows have no gap in seq, each
-- row's prev_hash is the hash of the row before it, the first extends the
-- head, and the head moves to the last, in the same transaction; anything
-- else is refused. The span of the rows is only read again to name it in
-- the refusal.

CREATE OR REPLACE FUNCTION kb_audit_advance_head_statement () RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    n_rows    bigint;
    first_new bigint;
    last_new  bigint;
BEGIN
    UPDATE kb_audit_head
       SET last_seq = s.last_new, last_hash = s.last_hash
      FROM (SELECT count(*) AS n_rows, min(seq) AS first_new, max(seq) AS last_new,
                   bool_and(before IS NULL OR prev_hash = before) AS linked,
                   (array_agg(prev_hash) FILTER (WHERE before IS NULL))[1] AS first_prev,
                   (array_agg(hash) FILTER (WHERE after IS NULL))[1] AS last_hash
              FROM (SELECT seq, hash, prev_hash, lag(hash) OVER w AS before,
                           lead(seq) OVER w AS after
                      FROM new_rows WINDOW w AS (ORDER BY seq)) r) s
     WHERE id = 1 AND s.n_rows > 0 AND s.linked
       AND s.last_new - s.first_new + 1 = s.n_rows
       AND kb_audit_head.last_seq = s.first_new - 1
       AND kb_audit_head.last_hash = s.first_prev;
    IF NOT FOUND THEN
        SELECT count(*), min(seq), max(seq) INTO n_rows, first_new, last_new FROM new_rows;
        IF n_rows > 0 THEN
            RAISE EXCEPTION 'audit rows do not extend the chain: seq=%..%', first_new, last_new
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NULL;
END
$$;
