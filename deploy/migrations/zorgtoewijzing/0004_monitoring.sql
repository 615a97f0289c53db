-- zorgtoewijzing: what its MonitoringEvents need (issue 6). The date of a
-- gezin's first signal, from which REGIE_ASSIGNED and PLAN_REGISTERED count
-- their lead times; the earliest signal of both records after a merge.
-- Gezinnen from before this migration start at the day they were created.
ALTER TABLE gezin ADD COLUMN first_signal_date date;
UPDATE gezin SET first_signal_date = created_at::date WHERE first_signal_date IS NULL;
