-- intake: the household check of 0008 as an expression the planner folds
-- into the table's constraint instead of a SQL function (a function with
-- an aggregate cannot be inlined, so it was planned again for every INSERT
-- statement: about a tenth of the database time of a one-signal
-- transaction). Stricter than 0008 and the same as what intake writes:
-- each member is 64 lower-case hex characters, the HMAC of the BSN.
ALTER TABLE signal ADD CONSTRAINT signal_household_pseudonyms_hex
    CHECK (cardinality (household_pseudonyms) = 0
           OR (array_to_string (household_pseudonyms, ',') || ',') ~ '^([0-9a-f]{64},)+$')
    NOT VALID;
ALTER TABLE signal VALIDATE CONSTRAINT signal_household_pseudonyms_hex;
ALTER TABLE signal DROP CONSTRAINT signal_household_pseudonyms_check;
DROP FUNCTION signal_pseudonyms_ok (text[]);
