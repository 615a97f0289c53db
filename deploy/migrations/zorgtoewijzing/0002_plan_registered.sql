-- zorgtoewijzing: the regisseur's PlanRegistered — the plan as agreed with
-- the gezin (version, date, next evaluation). Content stays with the partners.
ALTER TABLE plan ADD COLUMN plan_version int NOT NULL DEFAULT 0;
ALTER TABLE plan ADD COLUMN plan_date date;
ALTER TABLE plan ADD COLUMN next_evaluation_date date;
ALTER TABLE plan ADD COLUMN registered_at timestamptz;
