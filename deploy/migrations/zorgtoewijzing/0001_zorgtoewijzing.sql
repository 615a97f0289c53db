-- zorgtoewijzing: partner directory, gezin registry, the one active plan per
-- gezin, transfers, escalations, POT and toewijzingen. Unqualified names:
-- applied inside the daemon's own schema. Enum columns hold ketenbus.v1
-- enum numbers; pseudonyms are intake's HMAC pseudonyms, never a BSN.

-- The directory regisseur rules resolve against (PartnerUpdate).
CREATE TABLE partner (
    org_id        text PRIMARY KEY,
    org_type      int NOT NULL,
    gebied        text NOT NULL DEFAULT '',
    gemeente_code text NOT NULL DEFAULT '',
    active        boolean NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partner_type_idx ON partner (org_type) WHERE active;

CREATE TABLE gezin (
    id            bigserial PRIMARY KEY,
    ref           text NOT NULL UNIQUE,
    gemeente_code text NOT NULL DEFAULT '',
    gebied        text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    merged_into   bigint REFERENCES gezin (id),
    merged_at     timestamptz
);

CREATE TABLE person (
    pseudonym     text PRIMARY KEY,
    birth_date    date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- A person belongs to exactly one live gezin; a merge moves the rows.
CREATE TABLE gezin_member (
    pseudonym     text PRIMARY KEY REFERENCES person (pseudonym),
    gezin_id      bigint NOT NULL REFERENCES gezin (id),
    role          int NOT NULL DEFAULT 0,
    since         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gezin_member_gezin_idx ON gezin_member (gezin_id);

-- Which organisations work with a gezin (Verwijsindex): contact, never content.
CREATE TABLE involvement (
    gezin_id         bigint NOT NULL REFERENCES gezin (id),
    org_id           text NOT NULL,
    org_type         int NOT NULL,
    partner_case_ref text NOT NULL DEFAULT '',
    contact_name     text NOT NULL DEFAULT '',
    contact_phone    text NOT NULL DEFAULT '',
    first_signal_at  timestamptz NOT NULL DEFAULT now(),
    last_signal_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gezin_id, org_id)
);
CREATE INDEX involvement_case_idx ON involvement (org_id, partner_case_ref);

-- 1 gezin 1 plan 1 regisseur: the partial unique index makes a second
-- active plan for a gezin impossible, whatever the application does.
CREATE TABLE plan (
    id                 bigserial PRIMARY KEY,
    ref                text NOT NULL UNIQUE,
    gezin_id           bigint NOT NULL REFERENCES gezin (id),
    status             text NOT NULL CHECK (status IN ('active', 'merge_pending', 'closed')),
    regisseur_org      text,            -- NULL while the ketencoordinator holds regie
    regisseur_org_type int NOT NULL DEFAULT 0,
    casemanager_name   text NOT NULL DEFAULT '',
    casemanager_phone  text NOT NULL DEFAULT '',
    basis              int NOT NULL,    -- RegieBasis
    rule_name          text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX plan_one_active_per_gezin ON plan (gezin_id) WHERE status = 'active';

CREATE TABLE transfer (
    id             text PRIMARY KEY,
    plan_id        bigint NOT NULL REFERENCES plan (id),
    from_org       text,
    to_org         text NOT NULL,
    reason         int NOT NULL DEFAULT 0,     -- RegieTransferReason
    origin         text NOT NULL CHECK (origin IN ('request', 'hogere_regie')),
    status         text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'timed_out', 'cancelled')),
    reject_reason  int NOT NULL DEFAULT 0,     -- TransferRejectReason
    requested_at   timestamptz NOT NULL DEFAULT now(),
    deadline_at    timestamptz NOT NULL,
    decided_at     timestamptz
);
CREATE UNIQUE INDEX transfer_one_pending_per_plan ON transfer (plan_id) WHERE status = 'pending';
CREATE INDEX transfer_deadline_idx ON transfer (deadline_at) WHERE status = 'pending';

CREATE TABLE escalation (
    id                text PRIMARY KEY,
    gezin_id          bigint NOT NULL REFERENCES gezin (id),
    plan_id           bigint REFERENCES plan (id),
    other_plan_id     bigint REFERENCES plan (id),
    transfer_id       text REFERENCES transfer (id),
    kind              text NOT NULL CHECK (kind IN ('merge_conflict', 'no_regisseur_available',
                                                    'transfer_rejected', 'transfer_timeout')),
    status            text NOT NULL CHECK (status IN ('open', 'decided')),
    opened_at         timestamptz NOT NULL DEFAULT now(),
    decided_at        timestamptz,
    decided_by        text,
    decided_regisseur text
);
CREATE INDEX escalation_open_idx ON escalation (opened_at) WHERE status = 'open';

-- Persoonlijk Ontwikkeltraject per homeless person; client-tracking takes it from here.
CREATE TABLE pot (
    pseudonym     text PRIMARY KEY REFERENCES person (pseudonym),
    gezin_id      bigint NOT NULL REFERENCES gezin (id),
    plan_id       bigint REFERENCES plan (id),
    regisseur_org text,
    signal_ref    text NOT NULL,
    opened_at     timestamptz NOT NULL DEFAULT now()
);

-- Toewijzing (iWmo/iJw 301/305/307), current state per toewijzing id.
CREATE TABLE toewijzing (
    id               text PRIMARY KEY,
    pseudonym        text NOT NULL DEFAULT '',
    partner_case_ref text NOT NULL DEFAULT '',
    gemeente_code    text NOT NULL DEFAULT '',
    gebied           text NOT NULL DEFAULT '',
    wet              int NOT NULL,
    product_category text NOT NULL,
    product_code     text NOT NULL DEFAULT '',
    pyramid_level    int NOT NULL,
    volume           bigint NOT NULL DEFAULT 0,
    unit             int NOT NULL DEFAULT 0,
    frequency        int NOT NULL DEFAULT 0,
    budget_cents     bigint NOT NULL DEFAULT 0,
    provider_org     text NOT NULL DEFAULT '',
    assigning_org    text NOT NULL DEFAULT '',
    status           text NOT NULL CHECK (status IN ('assigned', 'started', 'stopped')),
    start_date       date,
    end_date         date,
    stop_reason      int NOT NULL DEFAULT 0,
    assigned_at      timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    stopped_at       timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Every toewijzing message, applied or refused (a refusal never blocks the link).
CREATE TABLE toewijzing_event (
    id            bigserial PRIMARY KEY,
    toewijzing_id text NOT NULL,
    action        int NOT NULL,
    message_id    text NOT NULL,
    via_org       text NOT NULL DEFAULT '',
    outcome       text NOT NULL CHECK (outcome IN ('applied', 'rejected')),
    reason        text NOT NULL DEFAULT '',
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX toewijzing_event_id_idx ON toewijzing_event (toewijzing_id);
