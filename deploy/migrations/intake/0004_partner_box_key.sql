-- Public box keys of partners (libsodium sealed boxes, X25519), for
-- ShareResponse payloads that the backbone routes but cannot read. Published
-- with ketenctl partner show; key_id is the first 8 bytes of the BLAKE2b hash
-- of the key (kb_seal_key_id). A retired key stays for payloads sealed before.
CREATE TABLE partner_box_key (
    key_id      text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{16}$'),
    org_id      text NOT NULL REFERENCES partner (org_id),
    public_key  bytea NOT NULL UNIQUE CHECK (length(public_key) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);
CREATE INDEX partner_box_key_org_idx ON partner_box_key (org_id);
