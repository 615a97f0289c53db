-- monitoring: who may open the dashboard. A user is an operator-chosen
-- account name (not client data) with a role: ketencoordinator (the whole
-- region) or gemeente (one gemeente only). Tokens and sessions are stored
-- only as hashes (BLAKE2b-256 of 32 random bytes): the table never holds
-- anything that opens the dashboard. Created by `ketenctl dashboard user add`.

CREATE TABLE dashboard_user (
    id          bigserial   PRIMARY KEY,
    name        text        NOT NULL CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
    role        text        NOT NULL CHECK (role IN ('ketencoordinator', 'gemeente')),
    gemeente    text        CHECK (gemeente ~ '^[0-9]{4}$'),
    token_hash  bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CHECK ((role = 'gemeente') = (gemeente IS NOT NULL))
);
-- one active account per name; a revoked name may be given out again
CREATE UNIQUE INDEX dashboard_user_name_idx ON dashboard_user (name) WHERE revoked_at IS NULL;

-- A login: the browser holds the random session id in an HttpOnly cookie,
-- the table its hash. Revoking the user ends its sessions (checked at use).
CREATE TABLE dashboard_session (
    hash        bytea       PRIMARY KEY CHECK (octet_length(hash) = 32),
    user_id     bigint      NOT NULL REFERENCES dashboard_user (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX dashboard_session_expires_idx ON dashboard_session (expires_at);
