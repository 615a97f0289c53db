-- client-tracking: the region and the regisseur's organisation type of a
-- trajectory, as zorgtoewijzing sends them (TrajectoryUpdate fields 14-16),
-- for the TRAJECTORY_STATE events; and the satisfaction measurements seen,
-- only so that one is counted once (issue 6). Codes only.
ALTER TABLE trajectory ADD COLUMN gemeente_code text;
ALTER TABLE trajectory ADD COLUMN gebied text;
ALTER TABLE trajectory ADD COLUMN regisseur_org_type int NOT NULL DEFAULT 0;

CREATE TABLE satisfaction_seen (
    sender_org     text        NOT NULL,
    measurement_id text        NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sender_org, measurement_id)
);
