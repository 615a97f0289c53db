-- intake: the partner registry, stored signals (pseudonymised) and quarantine.
-- Applied inside schema "intake" (search_path); no BSN is ever stored here.

CREATE TABLE partner (
    org_id          text PRIMARY KEY CHECK (org_id ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    org_type        int NOT NULL CHECK (org_type > 0),
    gebied          text NOT NULL DEFAULT '',
    gemeente_code   text NOT NULL DEFAULT '' CHECK (gemeente_code = '' OR gemeente_code ~ '^[0-9]{4}$'),
    public_key      text NOT NULL UNIQUE CHECK (length(public_key) = 40),
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    revoked_reason  text
);

-- One row per accepted CaseSignal. (sender_org, message_id) is the partner
-- inbox: a retried message id finds its row and gets the same Ack.
CREATE TABLE signal (
    ref                 text PRIMARY KEY,
    sender_org          text NOT NULL REFERENCES partner (org_id),
    message_id          text NOT NULL,
    payload_hash        bytea NOT NULL,
    partner_case_ref    text NOT NULL,
    subject_pseudonym   text NOT NULL CHECK (length(subject_pseudonym) = 64),
    subject_birth_date  date NOT NULL,
    categories          int[] NOT NULL,
    urgency             int NOT NULL,
    gemeente_code       text NOT NULL,
    postcode4           text NOT NULL,
    gebied              text NOT NULL,
    housing             int NOT NULL,
    signal_date         date NOT NULL,
    contact_name        text NOT NULL,
    contact_phone       text NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sender_org, message_id)
);
CREATE INDEX signal_subject_idx ON signal (subject_pseudonym);

CREATE TABLE signal_member (
    signal_ref  text NOT NULL REFERENCES signal (ref) ON DELETE CASCADE,
    pseudonym   text NOT NULL CHECK (length(pseudonym) = 64),
    birth_date  date NOT NULL,
    role        int NOT NULL,
    PRIMARY KEY (signal_ref, pseudonym)
);

-- Input that could not be accepted, kept for the operator. The raw bytes
-- may contain a BSN, so they are sealed (XSalsa20-Poly1305 secretbox, key
-- derived from the regional pseudonym key) and readable only with
-- `ketenctl quarantine show`.
CREATE TABLE quarantine (
    id            bigserial PRIMARY KEY,
    received_at   timestamptz NOT NULL DEFAULT now(),
    sender_org    text NOT NULL,
    message_id    text NOT NULL DEFAULT '',
    code          text NOT NULL,
    field         text NOT NULL,
    rule          text NOT NULL,
    size          int NOT NULL,
    sealed_raw    bytea NOT NULL
);
CREATE INDEX quarantine_received_idx ON quarantine (received_at);
