-- intake: the household's members are pseudonyms like the subject (64
-- characters, the HMAC in hex) - checked by the table as the subject is,
-- so that a BSN (or anything else) can never be stored in their place,
-- whatever a bug in intake would hand over.
CREATE FUNCTION signal_pseudonyms_ok (pseudonyms text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce (bool_and (length (p) = 64), true) FROM unnest (pseudonyms) p
$$;

ALTER TABLE signal ADD CONSTRAINT signal_household_pseudonyms_check
    CHECK (signal_pseudonyms_ok (household_pseudonyms));
