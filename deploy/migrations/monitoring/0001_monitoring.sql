-- monitoring: client-tracking's pseudonymised MonitoringEvents, one row
-- per link message. Pseudonyms, backbone references, organisation ids,
-- codes, dates, numbers and enum values (proto/ketenbus/v1/ketenbus.proto)
-- only: no BSN, no names, no free text. The kb_link inbox deduplicates on
-- the message id; the UNIQUE message_id makes a second row impossible.

CREATE TABLE monitoring_event (
    id                  bigserial   PRIMARY KEY,
    message_id          text        NOT NULL UNIQUE,
    sender              text        NOT NULL,          -- the link peer (client-tracking)
    event_type          int         NOT NULL CHECK (event_type > 0),
    occurred_at         timestamptz NOT NULL,
    person_pseudonym    text,
    gezin_ref           text,
    plan_ref            text,
    trajectory_id       text,
    item_ref            text,
    gemeente_code       text,
    gebied              text,
    org                 text,
    org_type            int         NOT NULL DEFAULT 0,
    age_years           int         NOT NULL DEFAULT 0,
    categories          int[]       NOT NULL DEFAULT '{}',
    urgency             int         NOT NULL DEFAULT 0,
    trajectory_type     int         NOT NULL DEFAULT 0,
    trajectory_state    int         NOT NULL DEFAULT 0,
    trajectory_outcome  int         NOT NULL DEFAULT 0,
    early_end_reason    int         NOT NULL DEFAULT 0,
    shelter_type        int         NOT NULL DEFAULT 0,
    shelter_destination int         NOT NULL DEFAULT 0,
    wet                 int         NOT NULL DEFAULT 0,
    product_category    text,
    pyramid_level       int         NOT NULL DEFAULT 0,
    care_stop_reason    int         NOT NULL DEFAULT 0,
    volume              int         NOT NULL DEFAULT 0,
    unit                int         NOT NULL DEFAULT 0,
    frequency           int         NOT NULL DEFAULT 0,
    cost_cents          bigint      NOT NULL DEFAULT 0,
    assessment_moment   int         NOT NULL DEFAULT 0,
    share_outcome       int         NOT NULL DEFAULT 0,
    legal_ground        int         NOT NULL DEFAULT 0,
    event_date          date,
    start_date          date,
    end_date            date,
    duration_days       int         NOT NULL DEFAULT 0,
    satisfaction_score  int         NOT NULL DEFAULT 0,
    received_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX monitoring_event_type_idx ON monitoring_event (event_type, occurred_at);
CREATE INDEX monitoring_event_region_idx ON monitoring_event (gemeente_code, gebied, occurred_at);
CREATE INDEX monitoring_event_trajectory_idx ON monitoring_event (trajectory_id)
    WHERE trajectory_id IS NOT NULL;
