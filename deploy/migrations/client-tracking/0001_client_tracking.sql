-- client-tracking: trajectories per person (pseudonym) and per gezin,
-- their history, shelter episodes and zelfredzaamheid assessments.
-- Pseudonyms, backbone references, organisation ids, dates and enum
-- values (proto/ketenbus/v1/ketenbus.proto) only: no BSN, no names, no
-- free text.

CREATE TABLE trajectory (
    id                bigserial   PRIMARY KEY,
    trajectory_id     text        NOT NULL UNIQUE,   -- stable id from the message
    trajectory_type   int         NOT NULL CHECK (trajectory_type > 0),
    person_pseudonym  text,
    gezin_ref         text,
    plan_ref          text,
    regisseur_org     text,
    state             int         NOT NULL CHECK (state BETWEEN 1 AND 4),
    state_date        date        NOT NULL,
    outcome           int         NOT NULL DEFAULT 0,
    early_end_reason  int         NOT NULL DEFAULT 0,
    aangemeld_date    date,
    plan_date         date,
    uitvoering_date   date,
    afgerond_date     date,
    aangemeld_at      timestamptz,
    plan_at           timestamptz,
    uitvoering_at     timestamptz,
    afgerond_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_update_at    timestamptz NOT NULL DEFAULT now(),
    stale_notified_at timestamptz,                   -- reminder sent; cleared by the next update
    stale_kind        text,                          -- no_plan | no_update
    CHECK (person_pseudonym IS NOT NULL OR gezin_ref IS NOT NULL),
    CHECK ((state = 4) = (outcome <> 0)),
    CHECK (early_end_reason = 0 OR outcome = 2)
);
CREATE INDEX trajectory_person_idx ON trajectory (person_pseudonym);
CREATE INDEX trajectory_gezin_idx ON trajectory (gezin_ref);
CREATE INDEX trajectory_open_idx ON trajectory (state, last_update_at) WHERE state < 4;

-- One row per accepted state message (the history).
CREATE TABLE trajectory_event (
    id               bigserial   PRIMARY KEY,
    trajectory       bigint      NOT NULL REFERENCES trajectory (id),
    message_id       text        NOT NULL UNIQUE,
    from_state       int         NOT NULL,           -- 0: opened
    to_state         int         NOT NULL,
    outcome          int         NOT NULL DEFAULT 0,
    early_end_reason int         NOT NULL DEFAULT 0,
    state_date       date        NOT NULL,
    regisseur_org    text,
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trajectory_event_trajectory_idx ON trajectory_event (trajectory);

CREATE TABLE shelter_episode (
    id                    bigserial   PRIMARY KEY,
    episode_id            text        NOT NULL UNIQUE,
    shelter_type          int         NOT NULL CHECK (shelter_type > 0),
    person_pseudonym      text        NOT NULL,
    trajectory_id         text,
    gemeente_code         text,
    sender_org            text,
    instroom_date         date        NOT NULL,
    uitstroom_date        date,
    destination           int         NOT NULL DEFAULT 0,
    accompanying_children int         NOT NULL DEFAULT 0,
    in_at                 timestamptz,
    out_at                timestamptz,
    CHECK (uitstroom_date IS NULL OR uitstroom_date >= instroom_date),
    CHECK ((uitstroom_date IS NULL) = (destination = 0))
);
CREATE INDEX shelter_episode_person_idx ON shelter_episode (person_pseudonym);

-- Scores 1..5 per life domain (NULL: not assessed), LifeDomain order.
CREATE TABLE assessment (
    id                     bigserial   PRIMARY KEY,
    assessment_id          text        NOT NULL UNIQUE,
    trajectory_id          text,
    person_pseudonym       text,
    moment                 int         NOT NULL CHECK (moment > 0),
    assessment_date        date        NOT NULL,
    score_housing          smallint    CHECK (score_housing BETWEEN 1 AND 5),
    score_income           smallint    CHECK (score_income BETWEEN 1 AND 5),
    score_daily_activities smallint    CHECK (score_daily_activities BETWEEN 1 AND 5),
    score_social_network   smallint    CHECK (score_social_network BETWEEN 1 AND 5),
    score_mental_health    smallint    CHECK (score_mental_health BETWEEN 1 AND 5),
    score_addiction        smallint    CHECK (score_addiction BETWEEN 1 AND 5),
    score_justice          smallint    CHECK (score_justice BETWEEN 1 AND 5),
    score_physical_health  smallint    CHECK (score_physical_health BETWEEN 1 AND 5),
    stable_position        boolean     NOT NULL,     -- by stable/threshold and stable/domains at the time
    received_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (person_pseudonym IS NOT NULL OR trajectory_id IS NOT NULL)
);
CREATE INDEX assessment_person_idx ON assessment (person_pseudonym);
