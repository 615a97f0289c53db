-- kb_audit: the append-only, hash-chained audit log of one daemon (NEN 7513).
-- Applied inside the daemon's schema (search_path), so names are unqualified.
-- The hash of each row is computed by kb_audit.c (libsodium SHA-256 over a
-- length-prefixed canonical serialisation); the database keeps the head of
-- the chain and refuses any change to rows already written.

CREATE TABLE kb_audit (
    seq                bigint      PRIMARY KEY CHECK (seq > 0),
    at_us              bigint      NOT NULL,   -- unix microseconds, UTC; hashed exactly
    at                 timestamptz GENERATED ALWAYS AS (to_timestamp(at_us::double precision / 1000000)) STORED,
    actor_org          text        NOT NULL,
    actor_user         text,
    on_behalf_of       text,
    event              text        NOT NULL,   -- code, e.g. signal.accepted
    action             char(1)     NOT NULL CHECK (action IN ('C', 'R', 'U', 'D', 'E')),
    subject_pseudonym  text,                   -- intake pseudonym, never a BSN
    reason             text,                   -- code (ground), never free text
    outcome            text        NOT NULL,   -- code
    flag_authorised    boolean     NOT NULL,
    flag_care_relation boolean     NOT NULL,
    flag_consent       boolean     NOT NULL,
    flag_emergency     boolean     NOT NULL,
    prev_hash          bytea       NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash               bytea       NOT NULL CHECK (octet_length(hash) = 32)
);

-- Access report (AVG article 15): everything about one pseudonym.
CREATE INDEX kb_audit_subject_idx ON kb_audit (subject_pseudonym, seq)
    WHERE subject_pseudonym IS NOT NULL;

-- The last link of the chain, so that rows cut off the end are detected too.
CREATE TABLE kb_audit_head (
    id        int    PRIMARY KEY CHECK (id = 1),
    last_seq  bigint NOT NULL,
    last_hash bytea  NOT NULL CHECK (octet_length(last_hash) = 32)
);
INSERT INTO kb_audit_head (id, last_seq, last_hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- Rows once written never change.
CREATE FUNCTION kb_audit_refuse_change () RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % on "%" refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER kb_audit_no_update BEFORE UPDATE OR DELETE ON kb_audit
    FOR EACH ROW EXECUTE FUNCTION kb_audit_refuse_change ();
CREATE TRIGGER kb_audit_no_truncate BEFORE TRUNCATE ON kb_audit
    FOR EACH STATEMENT EXECUTE FUNCTION kb_audit_refuse_change ();

-- Each new row must extend the head; the head moves with it in the same
-- transaction. A row that does not link to the head is refused.
CREATE FUNCTION kb_audit_advance_head () RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE kb_audit_head SET last_seq = NEW.seq, last_hash = NEW.hash
     WHERE id = 1 AND last_seq = NEW.seq - 1 AND last_hash = NEW.prev_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit row does not extend the chain: seq=%', NEW.seq
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER kb_audit_head_advance AFTER INSERT ON kb_audit
    FOR EACH ROW EXECUTE FUNCTION kb_audit_advance_head ();

-- The head only moves through kb_audit_advance_head (nested trigger level).
CREATE FUNCTION kb_audit_head_guard () RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND pg_trigger_depth () > 1 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit head only moves with a new audit row: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER kb_audit_head_guard_row BEFORE UPDATE OR DELETE ON kb_audit_head
    FOR EACH ROW EXECUTE FUNCTION kb_audit_head_guard ();
CREATE TRIGGER kb_audit_head_guard_truncate BEFORE TRUNCATE ON kb_audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION kb_audit_head_guard ();
