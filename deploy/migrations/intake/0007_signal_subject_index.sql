-- intake: no statement looks a signal up by its subject (the access report
-- reads the audit log; retention's purge of signals scans the table for
-- its youth rule anyway), so the index on signal.subject_pseudonym only
-- cost every accepted signal a write into a third random-key index.
DROP INDEX signal_subject_idx;
