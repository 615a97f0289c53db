-- monitoring: the region each derived row counts in, resolved when it is
-- written instead of when the figures are read (the views mon_*_r of 0002
-- joined every trajectory to its gezin and person on every report, and a
-- shelter or assessment to its trajectory's joins on top).
--
-- r_gemeente / r_gebied hold exactly what the views computed: the row's
-- own gemeente+gebied, else (as one pair from one source) its trajectory's
-- resolved region (shelter, assessment), its gezin's (trajectory, share,
-- escalation) or its person's (from their signals). BEFORE triggers
-- compute them for every row written; AFTER triggers on the sources
-- (mon_gezin, mon_person, mon_trajectory) recompute the rows that depend
-- on a source whose region changed, so a signal that arrives after the
-- trajectory, shelter episode or toewijzing still places it, in any order.
-- A recompute is an UPDATE that sets a key to itself: the BEFORE trigger
-- of the dependent table does the work.

ALTER TABLE mon_trajectory
    ADD COLUMN r_gemeente        text,
    ADD COLUMN r_gebied          text,
    ADD COLUMN first_signal_date date,  -- of its gezin
    ADD COLUMN begun             date GENERATED ALWAYS AS
        (coalesce(aangemeld_date, plan_date, state_date)) STORED;
ALTER TABLE mon_shelter
    ADD COLUMN r_gemeente        text,
    ADD COLUMN r_gebied          text,
    ADD COLUMN trajectory_type   int NOT NULL DEFAULT 0;  -- of its trajectory
ALTER TABLE mon_assessment ADD COLUMN r_gemeente text, ADD COLUMN r_gebied text;
ALTER TABLE mon_toewijzing
    ADD COLUMN r_gemeente        text,
    ADD COLUMN r_gebied          text,
    ADD COLUMN active_from       date GENERATED ALWAYS AS (coalesce(started_date, assigned_start)) STORED,
    ADD COLUMN active_to         date GENERATED ALWAYS AS (coalesce(stopped_date, planned_end)) STORED;
ALTER TABLE mon_satisfaction ADD COLUMN r_gemeente text, ADD COLUMN r_gebied text;
ALTER TABLE mon_share ADD COLUMN r_gemeente text, ADD COLUMN r_gebied text;
ALTER TABLE mon_escalation ADD COLUMN r_gemeente text, ADD COLUMN r_gebied text;

-- the rows already there, from the views (trajectories before the rows
-- that take their region from a trajectory)
UPDATE mon_trajectory t SET r_gemeente = v.r_gemeente, r_gebied = v.r_gebied,
       first_signal_date = v.first_signal_date
  FROM mon_trajectory_r v WHERE v.trajectory_id = t.trajectory_id;
UPDATE mon_shelter s SET r_gemeente = v.r_gemeente, r_gebied = v.r_gebied,
       trajectory_type = coalesce(v.trajectory_type, 0)
  FROM mon_shelter_r v WHERE v.episode_id = s.episode_id;
UPDATE mon_assessment a SET r_gemeente = v.r_gemeente, r_gebied = v.r_gebied
  FROM mon_assessment_r v WHERE v.assessment_id = a.assessment_id;
UPDATE mon_toewijzing w SET r_gemeente = v.r_gemeente, r_gebied = v.r_gebied
  FROM mon_toewijzing_r v WHERE v.toewijzing_id = w.toewijzing_id;
UPDATE mon_satisfaction s SET r_gemeente = v.r_gemeente, r_gebied = v.r_gebied
  FROM mon_satisfaction_r v WHERE v.measurement_id = s.measurement_id;
UPDATE mon_share s SET r_gemeente = v.r_gemeente, r_gebied = v.r_gebied
  FROM mon_share_r v WHERE v.share_id = s.share_id;
UPDATE mon_escalation x SET r_gemeente = v.r_gemeente, r_gebied = v.r_gebied
  FROM mon_escalation_r v WHERE v.escalation_id = x.escalation_id;

DROP VIEW mon_shelter_r, mon_assessment_r, mon_toewijzing_r, mon_satisfaction_r, mon_share_r,
          mon_escalation_r, mon_gezin_r, mon_trajectory_r;

-- BEFORE: the row's own region, else its sources' ----------------------

CREATE FUNCTION mon_trajectory_region () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g mon_gezin%ROWTYPE;
    p mon_person%ROWTYPE;
BEGIN
    IF NEW.gezin_ref IS NOT NULL THEN
        SELECT * INTO g FROM mon_gezin WHERE gezin_ref = NEW.gezin_ref;
    END IF;
    NEW.first_signal_date := g.first_signal_date;
    IF NEW.gemeente_code IS NOT NULL THEN
        NEW.r_gemeente := NEW.gemeente_code;
        NEW.r_gebied := NEW.gebied;
    ELSIF g.gemeente_code IS NOT NULL THEN
        NEW.r_gemeente := g.gemeente_code;
        NEW.r_gebied := g.gebied;
    ELSE
        IF NEW.person_pseudonym IS NOT NULL THEN
            SELECT * INTO p FROM mon_person WHERE person_pseudonym = NEW.person_pseudonym;
        END IF;
        NEW.r_gemeente := p.gemeente_code;
        NEW.r_gebied := p.gebied;
    END IF;
    RETURN NEW;
END
$$;

-- shelter episodes and assessments: own, else the trajectory's resolved
-- region, else the person's
CREATE FUNCTION mon_via_trajectory_region () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t record;
    p mon_person%ROWTYPE;
BEGIN
    SELECT r_gemeente, r_gebied, trajectory_type INTO t
      FROM mon_trajectory WHERE trajectory_id = NEW.trajectory_id;
    IF TG_TABLE_NAME = 'mon_shelter' THEN
        NEW.trajectory_type := coalesce(t.trajectory_type, 0);
    END IF;
    IF NEW.gemeente_code IS NOT NULL THEN
        NEW.r_gemeente := NEW.gemeente_code;
        NEW.r_gebied := NEW.gebied;
    ELSIF t.r_gemeente IS NOT NULL THEN
        NEW.r_gemeente := t.r_gemeente;
        NEW.r_gebied := t.r_gebied;
    ELSE
        IF NEW.person_pseudonym IS NOT NULL THEN
            SELECT * INTO p FROM mon_person WHERE person_pseudonym = NEW.person_pseudonym;
        END IF;
        NEW.r_gemeente := p.gemeente_code;
        NEW.r_gebied := p.gebied;
    END IF;
    RETURN NEW;
END
$$;

-- toewijzingen and satisfaction measurements: own, else the person's
CREATE FUNCTION mon_via_person_region () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p mon_person%ROWTYPE;
BEGIN
    IF NEW.gemeente_code IS NOT NULL THEN
        NEW.r_gemeente := NEW.gemeente_code;
        NEW.r_gebied := NEW.gebied;
    ELSE
        IF NEW.person_pseudonym IS NOT NULL THEN
            SELECT * INTO p FROM mon_person WHERE person_pseudonym = NEW.person_pseudonym;
        END IF;
        NEW.r_gemeente := p.gemeente_code;
        NEW.r_gebied := p.gebied;
    END IF;
    RETURN NEW;
END
$$;

-- shares and escalations: own, else the gezin's
CREATE FUNCTION mon_via_gezin_region () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g mon_gezin%ROWTYPE;
BEGIN
    IF NEW.gemeente_code IS NOT NULL THEN
        NEW.r_gemeente := NEW.gemeente_code;
        NEW.r_gebied := NEW.gebied;
    ELSE
        IF NEW.gezin_ref IS NOT NULL THEN
            SELECT * INTO g FROM mon_gezin WHERE gezin_ref = NEW.gezin_ref;
        END IF;
        NEW.r_gemeente := g.gemeente_code;
        NEW.r_gebied := g.gebied;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER mon_region BEFORE INSERT OR UPDATE ON mon_trajectory
    FOR EACH ROW EXECUTE FUNCTION mon_trajectory_region ();
CREATE TRIGGER mon_region BEFORE INSERT OR UPDATE ON mon_shelter
    FOR EACH ROW EXECUTE FUNCTION mon_via_trajectory_region ();
CREATE TRIGGER mon_region BEFORE INSERT OR UPDATE ON mon_assessment
    FOR EACH ROW EXECUTE FUNCTION mon_via_trajectory_region ();
CREATE TRIGGER mon_region BEFORE INSERT OR UPDATE ON mon_toewijzing
    FOR EACH ROW EXECUTE FUNCTION mon_via_person_region ();
CREATE TRIGGER mon_region BEFORE INSERT OR UPDATE ON mon_satisfaction
    FOR EACH ROW EXECUTE FUNCTION mon_via_person_region ();
CREATE TRIGGER mon_region BEFORE INSERT OR UPDATE ON mon_share
    FOR EACH ROW EXECUTE FUNCTION mon_via_gezin_region ();
CREATE TRIGGER mon_region BEFORE INSERT OR UPDATE ON mon_escalation
    FOR EACH ROW EXECUTE FUNCTION mon_via_gezin_region ();

-- AFTER: a source changed, its dependants are recomputed -----------------

CREATE INDEX mon_shelter_trajectory_idx ON mon_shelter (trajectory_id);
CREATE INDEX mon_shelter_person_idx ON mon_shelter (person_pseudonym);
CREATE INDEX mon_toewijzing_person_idx ON mon_toewijzing (person_pseudonym);
CREATE INDEX mon_satisfaction_person_idx ON mon_satisfaction (person_pseudonym);
CREATE INDEX mon_share_gezin_idx ON mon_share (gezin_ref);
CREATE INDEX mon_escalation_gezin_idx ON mon_escalation (gezin_ref);

CREATE FUNCTION mon_gezin_changed () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mon_trajectory SET gezin_ref = gezin_ref WHERE gezin_ref = NEW.gezin_ref;
    UPDATE mon_share SET gezin_ref = gezin_ref WHERE gezin_ref = NEW.gezin_ref AND gemeente_code IS NULL;
    UPDATE mon_escalation SET gezin_ref = gezin_ref
     WHERE gezin_ref = NEW.gezin_ref AND gemeente_code IS NULL;
    RETURN NULL;
END
$$;

CREATE FUNCTION mon_person_changed () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mon_trajectory SET person_pseudonym = person_pseudonym
     WHERE person_pseudonym = NEW.person_pseudonym AND gemeente_code IS NULL;
    UPDATE mon_shelter SET person_pseudonym = person_pseudonym
     WHERE person_pseudonym = NEW.person_pseudonym AND gemeente_code IS NULL;
    UPDATE mon_assessment SET person_pseudonym = person_pseudonym
     WHERE person_pseudonym = NEW.person_pseudonym AND gemeente_code IS NULL;
    UPDATE mon_toewijzing SET person_pseudonym = person_pseudonym
     WHERE person_pseudonym = NEW.person_pseudonym AND gemeente_code IS NULL;
    UPDATE mon_satisfaction SET person_pseudonym = person_pseudonym
     WHERE person_pseudonym = NEW.person_pseudonym AND gemeente_code IS NULL;
    RETURN NULL;
END
$$;

-- shelter episodes take the trajectory's type as well as its region
CREATE FUNCTION mon_trajectory_changed () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mon_shelter SET trajectory_id = trajectory_id WHERE trajectory_id = NEW.trajectory_id;
    UPDATE mon_assessment SET trajectory_id = trajectory_id
     WHERE trajectory_id = NEW.trajectory_id AND gemeente_code IS NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER mon_gezin_new AFTER INSERT ON mon_gezin
    FOR EACH ROW EXECUTE FUNCTION mon_gezin_changed ();
CREATE TRIGGER mon_gezin_changed AFTER UPDATE ON mon_gezin
    FOR EACH ROW WHEN (OLD.gemeente_code IS DISTINCT FROM NEW.gemeente_code
                       OR OLD.gebied IS DISTINCT FROM NEW.gebied
                       OR OLD.first_signal_date IS DISTINCT FROM NEW.first_signal_date)
    EXECUTE FUNCTION mon_gezin_changed ();
CREATE TRIGGER mon_person_new AFTER INSERT ON mon_person
    FOR EACH ROW EXECUTE FUNCTION mon_person_changed ();
CREATE TRIGGER mon_person_changed AFTER UPDATE ON mon_person
    FOR EACH ROW WHEN (OLD.gemeente_code IS DISTINCT FROM NEW.gemeente_code
                       OR OLD.gebied IS DISTINCT FROM NEW.gebied)
    EXECUTE FUNCTION mon_person_changed ();
CREATE TRIGGER mon_trajectory_new AFTER INSERT ON mon_trajectory
    FOR EACH ROW EXECUTE FUNCTION mon_trajectory_changed ();
CREATE TRIGGER mon_trajectory_changed AFTER UPDATE ON mon_trajectory
    FOR EACH ROW WHEN (OLD.r_gemeente IS DISTINCT FROM NEW.r_gemeente
                       OR OLD.r_gebied IS DISTINCT FROM NEW.r_gebied
                       OR OLD.trajectory_type IS DISTINCT FROM NEW.trajectory_type)
    EXECUTE FUNCTION mon_trajectory_changed ();

-- for the figures: a gemeente's rows, and the period filters -------------

CREATE INDEX mon_trajectory_region_idx ON mon_trajectory (r_gemeente, r_gebied);
CREATE INDEX mon_trajectory_end_idx ON mon_trajectory (end_date);
CREATE INDEX mon_trajectory_begun_idx ON mon_trajectory (begun);
CREATE INDEX mon_gezin_region_idx ON mon_gezin (gemeente_code, gebied);
CREATE INDEX mon_gezin_regie_idx ON mon_gezin (first_regie_date);
CREATE INDEX mon_gezin_plan_idx ON mon_gezin (plan_date);
CREATE INDEX mon_gezin_match_idx ON mon_gezin (first_match_date);
CREATE INDEX mon_shelter_region_idx ON mon_shelter (r_gemeente, r_gebied);
CREATE INDEX mon_toewijzing_region_idx ON mon_toewijzing (r_gemeente, r_gebied);
CREATE INDEX mon_toewijzing_active_idx ON mon_toewijzing (active_from);
