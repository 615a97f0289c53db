-- The household as the signal named it moves onto the signal row: a
-- snapshot that is never read member by member, stored as three arrays of
-- the same length instead of one signal_member row per member (one row
-- and one index entry per signal instead of one per member: the cost of an
-- accepted signal). Deleting a signal deletes its household with it.
ALTER TABLE signal
    ADD COLUMN household_pseudonyms  text[] NOT NULL DEFAULT '{}',
    ADD COLUMN household_birth_dates date[] NOT NULL DEFAULT '{}',
    ADD COLUMN household_roles       int[]  NOT NULL DEFAULT '{}';

UPDATE signal s
   SET household_pseudonyms = m.pseudonyms,
       household_birth_dates = m.birth_dates,
       household_roles = m.roles
  FROM (SELECT signal_ref,
               array_agg (pseudonym ORDER BY pseudonym) AS pseudonyms,
               array_agg (birth_date ORDER BY pseudonym) AS birth_dates,
               array_agg (role ORDER BY pseudonym) AS roles
          FROM signal_member GROUP BY signal_ref) m
 WHERE s.ref = m.signal_ref;

DROP TABLE signal_member;

-- as signal_member did: every member has a pseudonym and a birth date
-- (array_position finds a NULL element), and the arrays line up
ALTER TABLE signal ADD CONSTRAINT signal_household_check CHECK (
    cardinality (household_birth_dates) = cardinality (household_pseudonyms)
    AND cardinality (household_roles) = cardinality (household_pseudonyms)
    AND array_position (household_pseudonyms, NULL) IS NULL
    AND array_position (household_birth_dates, NULL) IS NULL);
