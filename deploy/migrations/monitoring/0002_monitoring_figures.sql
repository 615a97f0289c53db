-- monitoring: derived tables for fast figures, maintained from
-- monitoring_event by a trigger in the same statement (so in the same
-- transaction) as the event row monitor_store_apply inserts. Every table is
-- an upsert keyed by the thing it describes (trajectory_id, item_ref,
-- gezin_ref, pseudonym), so events may arrive in any order and state
-- events may repeat: dates keep the earliest (least) or the value of the
-- newest event by business date, never the last one to arrive.
-- Codes, references, dates and numbers only: no free text.

-- the two fields monitoring_event did not keep yet
ALTER TABLE monitoring_event
    ADD COLUMN review_outcome int   NOT NULL DEFAULT 0,
    -- ASSESSMENT: scores[d] is the score (1..5) of LifeDomain d (1..8), 0 = not assessed
    ADD COLUMN scores         int[] NOT NULL DEFAULT '{}';

-- one row per trajectory (TRAJECTORY_STATE)
CREATE TABLE mon_trajectory (
    trajectory_id    text PRIMARY KEY,
    trajectory_type  int  NOT NULL DEFAULT 0,
    person_pseudonym text,
    gezin_ref        text,
    plan_ref         text,
    org              text,               -- regisseur organisation (of the newest state event)
    org_type         int  NOT NULL DEFAULT 0,
    gemeente_code    text,               -- NULL: taken from the gezin's or person's signals
    gebied           text,
    aangemeld_date   date,               -- earliest start_date / AANGEMELD date seen
    plan_date        date,               -- earliest date of a state >= PLAN_VASTGESTELD
    end_date         date,               -- set while the newest state is AFGEROND
    state            int  NOT NULL DEFAULT 0,
    state_date       date,
    state_at         timestamptz,        -- occurred_at of the newest state event (tie breaker)
    outcome          int  NOT NULL DEFAULT 0,
    early_end_reason int  NOT NULL DEFAULT 0
);
CREATE INDEX mon_trajectory_gezin_idx ON mon_trajectory (gezin_ref);
CREATE INDEX mon_trajectory_person_idx ON mon_trajectory (person_pseudonym);
CREATE INDEX mon_trajectory_aangemeld_idx ON mon_trajectory (aangemeld_date);

-- one row per gezin: first signal, first regisseur, first match, first plan
CREATE TABLE mon_gezin (
    gezin_ref         text PRIMARY KEY,
    gemeente_code     text,              -- of the earliest signal (else of a regie/plan event)
    gebied            text,
    region_date       date,              -- event_date the region was taken from
    first_signal_date date,
    first_regie_date  date,              -- REGIE_ASSIGNED / TRANSFERRED / ESCALATION_RESOLVED
    first_regie_org   text,
    first_match_date  date,              -- MATCH_NOTIFIED
    plan_date         date               -- PLAN_REGISTERED
);

-- one row per person seen in a signal: the region of its earliest signal
CREATE TABLE mon_person (
    person_pseudonym  text PRIMARY KEY,
    gemeente_code     text,
    gebied            text,
    region_date       date
);

-- one row per shelter episode (SHELTER_IN / SHELTER_OUT)
CREATE TABLE mon_shelter (
    episode_id       text PRIMARY KEY,
    person_pseudonym text,
    trajectory_id    text,
    shelter_type     int  NOT NULL DEFAULT 0,
    org              text,
    gemeente_code    text,
    gebied           text,
    age_years        int  NOT NULL DEFAULT 0,
    in_date          date,
    out_date         date,
    destination      int  NOT NULL DEFAULT 0
);
CREATE INDEX mon_shelter_in_idx ON mon_shelter (in_date);
CREATE INDEX mon_shelter_out_idx ON mon_shelter (out_date);

-- one row per toewijzing (CARE_ASSIGNED / STARTED / STOPPED)
CREATE TABLE mon_toewijzing (
    toewijzing_id    text PRIMARY KEY,
    person_pseudonym text,
    org              text,
    gemeente_code    text,
    gebied           text,
    wet              int  NOT NULL DEFAULT 0,
    product_category text,
    pyramid_level    int  NOT NULL DEFAULT 0,
    volume           int  NOT NULL DEFAULT 0,
    unit             int  NOT NULL DEFAULT 0,
    frequency        int  NOT NULL DEFAULT 0,
    cost_cents       bigint NOT NULL DEFAULT 0,
    assigned_start   date,               -- start_date of the assignment
    started_date     date,               -- CARE_STARTED
    planned_end      date,               -- end_date of the assignment
    stopped_date     date,               -- CARE_STOPPED
    stop_reason      int  NOT NULL DEFAULT 0
);

-- one row per zelfredzaamheid assessment
CREATE TABLE mon_assessment (
    assessment_id    text PRIMARY KEY,
    person_pseudonym text,
    trajectory_id    text,
    moment           int  NOT NULL DEFAULT 0,
    assessed_date    date,
    gemeente_code    text,
    gebied           text,
    scores           int[] NOT NULL DEFAULT '{}'   -- as monitoring_event.scores
);
CREATE INDEX mon_assessment_trajectory_idx ON mon_assessment (trajectory_id);
CREATE INDEX mon_assessment_person_idx ON mon_assessment (person_pseudonym);

-- one row per share decision and its review
CREATE TABLE mon_share (
    share_id         text PRIMARY KEY,
    gezin_ref        text,
    org              text,
    gemeente_code    text,
    gebied           text,
    outcome          int  NOT NULL DEFAULT 0,
    legal_ground     int  NOT NULL DEFAULT 0,
    decided_date     date,
    review_outcome   int  NOT NULL DEFAULT 0,
    reviewed_date    date
);

-- one row per escalation to the ketencoordinator
CREATE TABLE mon_escalation (
    escalation_id    text PRIMARY KEY,
    gezin_ref        text,
    gemeente_code    text,
    gebied           text,
    opened_date      date,
    resolved_date    date
);

-- one row per satisfaction measurement
CREATE TABLE mon_satisfaction (
    measurement_id   text PRIMARY KEY,
    person_pseudonym text,
    gemeente_code    text,
    gebied           text,
    wet              int  NOT NULL DEFAULT 0,
    score            int  NOT NULL DEFAULT 0,
    measured_date    date
);

CREATE FUNCTION mon_derive () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    e record := NEW;
    d date := coalesce(NEW.event_date, NEW.start_date, NEW.end_date);
BEGIN
    CASE e.event_type
    WHEN 1 THEN  -- SIGNAL_RECEIVED
        IF e.gezin_ref IS NOT NULL THEN
            INSERT INTO mon_gezin AS g (gezin_ref, gemeente_code, gebied, region_date, first_signal_date)
            VALUES (e.gezin_ref, e.gemeente_code, CASE WHEN e.gemeente_code IS NOT NULL THEN e.gebied END,
                    CASE WHEN e.gemeente_code IS NOT NULL THEN d END, d)
            ON CONFLICT (gezin_ref) DO UPDATE SET
                first_signal_date = least(g.first_signal_date, EXCLUDED.first_signal_date),
                gemeente_code = CASE WHEN EXCLUDED.gemeente_code IS NOT NULL AND (g.gemeente_code IS NULL
                        OR coalesce(EXCLUDED.region_date, 'infinity') < coalesce(g.region_date, 'infinity'))
                    THEN EXCLUDED.gemeente_code ELSE g.gemeente_code END,
                gebied = CASE WHEN EXCLUDED.gemeente_code IS NOT NULL AND (g.gemeente_code IS NULL
                        OR coalesce(EXCLUDED.region_date, 'infinity') < coalesce(g.region_date, 'infinity'))
                    THEN EXCLUDED.gebied ELSE g.gebied END,
                region_date = CASE WHEN EXCLUDED.gemeente_code IS NOT NULL AND (g.gemeente_code IS NULL
                        OR coalesce(EXCLUDED.region_date, 'infinity') < coalesce(g.region_date, 'infinity'))
                    THEN EXCLUDED.region_date ELSE g.region_date END;
        END IF;
        IF e.person_pseudonym IS NOT NULL AND e.gemeente_code IS NOT NULL THEN
            INSERT INTO mon_person AS p (person_pseudonym, gemeente_code, gebied, region_date)
            VALUES (e.person_pseudonym, e.gemeente_code, e.gebied, d)
            ON CONFLICT (person_pseudonym) DO UPDATE SET
                gemeente_code = CASE WHEN coalesce(EXCLUDED.region_date, 'infinity') < coalesce(p.region_date, 'infinity')
                    THEN EXCLUDED.gemeente_code ELSE p.gemeente_code END,
                gebied = CASE WHEN coalesce(EXCLUDED.region_date, 'infinity') < coalesce(p.region_date, 'infinity')
                    THEN EXCLUDED.gebied ELSE p.gebied END,
                region_date = least(p.region_date, EXCLUDED.region_date);
        END IF;
    WHEN 2, 3, 4, 6, 20 THEN  -- MATCH, REGIE_ASSIGNED, TRANSFERRED, PLAN_REGISTERED, ESCALATION_RESOLVED
        IF e.gezin_ref IS NOT NULL THEN
            INSERT INTO mon_gezin AS g (gezin_ref, gemeente_code, gebied, first_signal_date,
                                        first_regie_date, first_regie_org, first_match_date, plan_date)
            VALUES (e.gezin_ref, e.gemeente_code, CASE WHEN e.gemeente_code IS NOT NULL THEN e.gebied END,
                    CASE WHEN e.event_type IN (3, 6) THEN e.start_date END,
                    CASE WHEN e.event_type IN (3, 4, 20) THEN d END,
                    CASE WHEN e.event_type IN (3, 4, 20) THEN e.org END,
                    CASE WHEN e.event_type = 2 THEN d END,
                    CASE WHEN e.event_type = 6 THEN d END)
            ON CONFLICT (gezin_ref) DO UPDATE SET
                gemeente_code = coalesce(g.gemeente_code, EXCLUDED.gemeente_code),
                gebied = CASE WHEN g.gemeente_code IS NULL THEN EXCLUDED.gebied ELSE g.gebied END,
                first_signal_date = least(g.first_signal_date, EXCLUDED.first_signal_date),
                first_regie_org = CASE WHEN EXCLUDED.first_regie_date IS NOT NULL AND
                        (g.first_regie_date IS NULL OR EXCLUDED.first_regie_date < g.first_regie_date)
                    THEN EXCLUDED.first_regie_org ELSE g.first_regie_org END,
                first_regie_date = least(g.first_regie_date, EXCLUDED.first_regie_date),
                first_match_date = least(g.first_match_date, EXCLUDED.first_match_date),
                plan_date = least(g.plan_date, EXCLUDED.plan_date);
        END IF;
        IF e.event_type = 20 AND e.item_ref IS NOT NULL THEN
            INSERT INTO mon_escalation AS x (escalation_id, gezin_ref, gemeente_code, gebied,
                                             opened_date, resolved_date)
            VALUES (e.item_ref, e.gezin_ref, e.gemeente_code, e.gebied, e.start_date, d)
            ON CONFLICT (escalation_id) DO UPDATE SET
                gezin_ref = coalesce(x.gezin_ref, EXCLUDED.gezin_ref),
                gemeente_code = coalesce(x.gemeente_code, EXCLUDED.gemeente_code),
                gebied = CASE WHEN x.gemeente_code IS NULL THEN EXCLUDED.gebied ELSE x.gebied END,
                opened_date = least(x.opened_date, EXCLUDED.opened_date),
                resolved_date = least(x.resolved_date, EXCLUDED.resolved_date);
        END IF;
    WHEN 5 THEN  -- REGIE_ESCALATED
        IF e.item_ref IS NOT NULL THEN
            INSERT INTO mon_escalation AS x (escalation_id, gezin_ref, gemeente_code, gebied, opened_date)
            VALUES (e.item_ref, e.gezin_ref, e.gemeente_code, e.gebied, d)
            ON CONFLICT (escalation_id) DO UPDATE SET
                gezin_ref = coalesce(x.gezin_ref, EXCLUDED.gezin_ref),
                gemeente_code = coalesce(x.gemeente_code, EXCLUDED.gemeente_code),
                gebied = CASE WHEN x.gemeente_code IS NULL THEN EXCLUDED.gebied ELSE x.gebied END,
                opened_date = least(x.opened_date, EXCLUDED.opened_date);
        END IF;
    WHEN 7 THEN  -- TRAJECTORY_STATE
        IF e.trajectory_id IS NOT NULL THEN
            INSERT INTO mon_trajectory AS t (trajectory_id, trajectory_type, person_pseudonym, gezin_ref,
                plan_ref, org, org_type, gemeente_code, gebied, aangemeld_date, plan_date, end_date,
                state, state_date, state_at, outcome, early_end_reason)
            VALUES (e.trajectory_id, e.trajectory_type, e.person_pseudonym, e.gezin_ref, e.plan_ref,
                e.org, e.org_type, e.gemeente_code, CASE WHEN e.gemeente_code IS NOT NULL THEN e.gebied END,
                coalesce(e.start_date, CASE WHEN e.trajectory_state = 1 THEN d END),
                CASE WHEN e.trajectory_state >= 2 THEN d END,
                CASE WHEN e.trajectory_state = 4 THEN coalesce(e.end_date, d) END,
                e.trajectory_state, d, e.occurred_at, e.trajectory_outcome, e.early_end_reason)
            ON CONFLICT (trajectory_id) DO UPDATE SET
                trajectory_type = CASE WHEN EXCLUDED.trajectory_type <> 0 THEN EXCLUDED.trajectory_type
                    ELSE t.trajectory_type END,
                person_pseudonym = coalesce(t.person_pseudonym, EXCLUDED.person_pseudonym),
                gezin_ref = coalesce(t.gezin_ref, EXCLUDED.gezin_ref),
                plan_ref = coalesce(EXCLUDED.plan_ref, t.plan_ref),
                aangemeld_date = least(t.aangemeld_date, EXCLUDED.aangemeld_date),
                plan_date = least(t.plan_date, EXCLUDED.plan_date),
                -- the newest state by (business date, state, occurred_at) wins
                org = CASE WHEN EXCLUDED.org IS NOT NULL AND (coalesce(EXCLUDED.state_date, '-infinity'),
                        EXCLUDED.state, EXCLUDED.state_at) >= (coalesce(t.state_date, '-infinity'), t.state,
                        t.state_at) OR t.org IS NULL THEN coalesce(EXCLUDED.org, t.org) ELSE t.org END,
                org_type = CASE WHEN EXCLUDED.org IS NOT NULL AND (coalesce(EXCLUDED.state_date, '-infinity'),
                        EXCLUDED.state, EXCLUDED.state_at) >= (coalesce(t.state_date, '-infinity'), t.state,
                        t.state_at) OR t.org IS NULL THEN
                        CASE WHEN EXCLUDED.org IS NOT NULL THEN EXCLUDED.org_type ELSE t.org_type END
                    ELSE t.org_type END,
                gemeente_code = CASE WHEN EXCLUDED.gemeente_code IS NOT NULL AND (t.gemeente_code IS NULL
                        OR (coalesce(EXCLUDED.state_date, '-infinity'), EXCLUDED.state, EXCLUDED.state_at) >=
                           (coalesce(t.state_date, '-infinity'), t.state, t.state_at))
                    THEN EXCLUDED.gemeente_code ELSE t.gemeente_code END,
                gebied = CASE WHEN EXCLUDED.gemeente_code IS NOT NULL AND (t.gemeente_code IS NULL
                        OR (coalesce(EXCLUDED.state_date, '-infinity'), EXCLUDED.state, EXCLUDED.state_at) >=
                           (coalesce(t.state_date, '-infinity'), t.state, t.state_at))
                    THEN EXCLUDED.gebied ELSE t.gebied END,
                end_date = CASE WHEN (coalesce(EXCLUDED.state_date, '-infinity'), EXCLUDED.state,
                        EXCLUDED.state_at) >= (coalesce(t.state_date, '-infinity'), t.state, t.state_at)
                    THEN EXCLUDED.end_date ELSE t.end_date END,
                outcome = CASE WHEN (coalesce(EXCLUDED.state_date, '-infinity'), EXCLUDED.state,
                        EXCLUDED.state_at) >= (coalesce(t.state_date, '-infinity'), t.state, t.state_at)
                    THEN EXCLUDED.outcome ELSE t.outcome END,
                early_end_reason = CASE WHEN (coalesce(EXCLUDED.state_date, '-infinity'), EXCLUDED.state,
                        EXCLUDED.state_at) >= (coalesce(t.state_date, '-infinity'), t.state, t.state_at)
                    THEN EXCLUDED.early_end_reason ELSE t.early_end_reason END,
                state = CASE WHEN (coalesce(EXCLUDED.state_date, '-infinity'), EXCLUDED.state,
                        EXCLUDED.state_at) >= (coalesce(t.state_date, '-infinity'), t.state, t.state_at)
                    THEN EXCLUDED.state ELSE t.state END,
                state_at = CASE WHEN (coalesce(EXCLUDED.state_date, '-infinity'), EXCLUDED.state,
                        EXCLUDED.state_at) >= (coalesce(t.state_date, '-infinity'), t.state, t.state_at)
                    THEN EXCLUDED.state_at ELSE t.state_at END,
                state_date = CASE WHEN (coalesce(EXCLUDED.state_date, '-infinity'), EXCLUDED.state,
                        EXCLUDED.state_at) >= (coalesce(t.state_date, '-infinity'), t.state, t.state_at)
                    THEN EXCLUDED.state_date ELSE t.state_date END;
        END IF;
    WHEN 8, 9 THEN  -- SHELTER_IN / SHELTER_OUT
        IF e.item_ref IS NOT NULL THEN
            INSERT INTO mon_shelter AS s (episode_id, person_pseudonym, trajectory_id, shelter_type, org,
                gemeente_code, gebied, age_years, in_date, out_date, destination)
            VALUES (e.item_ref, e.person_pseudonym, e.trajectory_id, e.shelter_type, e.org, e.gemeente_code,
                CASE WHEN e.gemeente_code IS NOT NULL THEN e.gebied END, e.age_years,
                coalesce(e.start_date, CASE WHEN e.event_type = 8 THEN d END),
                CASE WHEN e.event_type = 9 THEN coalesce(e.end_date, d) END,
                CASE WHEN e.event_type = 9 THEN e.shelter_destination ELSE 0 END)
            ON CONFLICT (episode_id) DO UPDATE SET
                person_pseudonym = coalesce(s.person_pseudonym, EXCLUDED.person_pseudonym),
                trajectory_id = coalesce(s.trajectory_id, EXCLUDED.trajectory_id),
                shelter_type = CASE WHEN s.shelter_type = 0 THEN EXCLUDED.shelter_type ELSE s.shelter_type END,
                org = coalesce(s.org, EXCLUDED.org),
                gemeente_code = coalesce(s.gemeente_code, EXCLUDED.gemeente_code),
                gebied = CASE WHEN s.gemeente_code IS NULL THEN EXCLUDED.gebied ELSE s.gebied END,
                age_years = CASE WHEN s.age_years = 0 THEN EXCLUDED.age_years ELSE s.age_years END,
                in_date = least(s.in_date, EXCLUDED.in_date),
                out_date = coalesce(EXCLUDED.out_date, s.out_date),
                destination = CASE WHEN EXCLUDED.out_date IS NOT NULL THEN EXCLUDED.destination
                    ELSE s.destination END;
        END IF;
    WHEN 10, 11, 12 THEN  -- CARE_ASSIGNED / STARTED / STOPPED
        IF e.item_ref IS NOT NULL THEN
            INSERT INTO mon_toewijzing AS w (toewijzing_id, person_pseudonym, org, gemeente_code, gebied,
                wet, product_category, pyramid_level, volume, unit, frequency, cost_cents, assigned_start,
                started_date, planned_end, stopped_date, stop_reason)
            VALUES (e.item_ref, e.person_pseudonym, e.org, e.gemeente_code,
                CASE WHEN e.gemeente_code IS NOT NULL THEN e.gebied END, e.wet, e.product_category,
                e.pyramid_level, e.volume, e.unit, e.frequency, e.cost_cents,
                CASE WHEN e.event_type = 10 THEN e.start_date END,
                CASE WHEN e.event_type = 11 THEN coalesce(e.start_date, d) END,
                CASE WHEN e.event_type <> 12 THEN e.end_date END,
                CASE WHEN e.event_type = 12 THEN coalesce(e.end_date, d) END,
                CASE WHEN e.event_type = 12 THEN e.care_stop_reason ELSE 0 END)
            ON CONFLICT (toewijzing_id) DO UPDATE SET
                person_pseudonym = coalesce(w.person_pseudonym, EXCLUDED.person_pseudonym),
                org = coalesce(w.org, EXCLUDED.org),
                gemeente_code = coalesce(w.gemeente_code, EXCLUDED.gemeente_code),
                gebied = CASE WHEN w.gemeente_code IS NULL THEN EXCLUDED.gebied ELSE w.gebied END,
                wet = CASE WHEN w.wet = 0 THEN EXCLUDED.wet ELSE w.wet END,
                product_category = coalesce(w.product_category, EXCLUDED.product_category),
                pyramid_level = CASE WHEN w.pyramid_level = 0 THEN EXCLUDED.pyramid_level ELSE w.pyramid_level END,
                -- the assignment's volume and budget: ASSIGN wins, else the first that has them
                volume = CASE WHEN w.volume = 0 OR (e.event_type = 10 AND EXCLUDED.volume <> 0)
                    THEN EXCLUDED.volume ELSE w.volume END,
                unit = CASE WHEN w.unit = 0 OR (e.event_type = 10 AND EXCLUDED.unit <> 0)
                    THEN EXCLUDED.unit ELSE w.unit END,
                frequency = CASE WHEN w.frequency = 0 OR (e.event_type = 10 AND EXCLUDED.frequency <> 0)
                    THEN EXCLUDED.frequency ELSE w.frequency END,
                cost_cents = CASE WHEN w.cost_cents = 0 OR (e.event_type = 10 AND EXCLUDED.cost_cents <> 0)
                    THEN EXCLUDED.cost_cents ELSE w.cost_cents END,
                assigned_start = least(w.assigned_start, EXCLUDED.assigned_start),
                started_date = least(w.started_date, EXCLUDED.started_date),
                planned_end = coalesce(EXCLUDED.planned_end, w.planned_end),
                stopped_date = least(w.stopped_date, EXCLUDED.stopped_date),
                stop_reason = CASE WHEN EXCLUDED.stopped_date IS NOT NULL THEN EXCLUDED.stop_reason
                    ELSE w.stop_reason END;
        END IF;
    WHEN 13 THEN  -- ASSESSMENT
        IF e.item_ref IS NOT NULL THEN
            INSERT INTO mon_assessment AS a (assessment_id, person_pseudonym, trajectory_id, moment,
                assessed_date, gemeente_code, gebied, scores)
            VALUES (e.item_ref, e.person_pseudonym, e.trajectory_id, e.assessment_moment, d,
                e.gemeente_code, CASE WHEN e.gemeente_code IS NOT NULL THEN e.gebied END, e.scores)
            ON CONFLICT (assessment_id) DO UPDATE SET
                person_pseudonym = coalesce(a.person_pseudonym, EXCLUDED.person_pseudonym),
                trajectory_id = coalesce(a.trajectory_id, EXCLUDED.trajectory_id),
                moment = EXCLUDED.moment,
                assessed_date = coalesce(EXCLUDED.assessed_date, a.assessed_date),
                gemeente_code = coalesce(a.gemeente_code, EXCLUDED.gemeente_code),
                gebied = CASE WHEN a.gemeente_code IS NULL THEN EXCLUDED.gebied ELSE a.gebied END,
                scores = EXCLUDED.scores;
        END IF;
    WHEN 14, 19 THEN  -- SHARE_DECIDED / SHARE_REVIEWED
        IF e.item_ref IS NOT NULL THEN
            INSERT INTO mon_share AS s (share_id, gezin_ref, org, gemeente_code, gebied, outcome,
                legal_ground, decided_date, review_outcome, reviewed_date)
            VALUES (e.item_ref, e.gezin_ref, CASE WHEN e.event_type = 14 THEN e.org END, e.gemeente_code,
                CASE WHEN e.gemeente_code IS NOT NULL THEN e.gebied END,
                CASE WHEN e.event_type = 14 THEN e.share_outcome ELSE 0 END,
                CASE WHEN e.event_type = 14 THEN e.legal_ground ELSE 0 END,
                CASE WHEN e.event_type = 14 THEN d END,
                CASE WHEN e.event_type = 19 THEN e.review_outcome ELSE 0 END,
                CASE WHEN e.event_type = 19 THEN d END)
            ON CONFLICT (share_id) DO UPDATE SET
                gezin_ref = coalesce(s.gezin_ref, EXCLUDED.gezin_ref),
                org = coalesce(s.org, EXCLUDED.org),
                gemeente_code = coalesce(s.gemeente_code, EXCLUDED.gemeente_code),
                gebied = CASE WHEN s.gemeente_code IS NULL THEN EXCLUDED.gebied ELSE s.gebied END,
                outcome = CASE WHEN e.event_type = 14 THEN EXCLUDED.outcome ELSE s.outcome END,
                legal_ground = CASE WHEN e.event_type = 14 THEN EXCLUDED.legal_ground ELSE s.legal_ground END,
                decided_date = coalesce(EXCLUDED.decided_date, s.decided_date),
                review_outcome = CASE WHEN e.event_type = 19 AND
                        coalesce(EXCLUDED.reviewed_date, 'infinity') >= coalesce(s.reviewed_date, '-infinity')
                    THEN EXCLUDED.review_outcome ELSE s.review_outcome END,
                reviewed_date = greatest(s.reviewed_date, EXCLUDED.reviewed_date);
        END IF;
    WHEN 18 THEN  -- SATISFACTION
        IF e.satisfaction_score BETWEEN 1 AND 10 THEN
            INSERT INTO mon_satisfaction AS s (measurement_id, person_pseudonym, gemeente_code, gebied,
                wet, score, measured_date)
            VALUES (coalesce(e.item_ref, e.message_id), e.person_pseudonym, e.gemeente_code,
                CASE WHEN e.gemeente_code IS NOT NULL THEN e.gebied END, e.wet, e.satisfaction_score, d)
            ON CONFLICT (measurement_id) DO UPDATE SET
                person_pseudonym = EXCLUDED.person_pseudonym, gemeente_code = EXCLUDED.gemeente_code,
                gebied = EXCLUDED.gebied, wet = EXCLUDED.wet, score = EXCLUDED.score,
                measured_date = EXCLUDED.measured_date;
        END IF;
    ELSE
        NULL;  -- consent, stale-case and unknown types: in monitoring_event only
    END CASE;
    RETURN NULL;
END
$$;

CREATE TRIGGER mon_derive AFTER INSERT ON monitoring_event
    FOR EACH ROW EXECUTE FUNCTION mon_derive ();

-- The region each row counts in: its own, else its gezin's or person's
-- (from their signals), taken as one gemeente+gebied pair from one source.
CREATE VIEW mon_trajectory_r AS
SELECT t.*,
       CASE WHEN t.gemeente_code IS NOT NULL THEN t.gemeente_code
            WHEN g.gemeente_code IS NOT NULL THEN g.gemeente_code ELSE p.gemeente_code END AS r_gemeente,
       CASE WHEN t.gemeente_code IS NOT NULL THEN t.gebied
            WHEN g.gemeente_code IS NOT NULL THEN g.gebied ELSE p.gebied END AS r_gebied,
       coalesce(t.aangemeld_date, t.plan_date, t.state_date) AS begun,
       g.first_signal_date
  FROM mon_trajectory t
  LEFT JOIN mon_gezin g ON g.gezin_ref = t.gezin_ref
  LEFT JOIN mon_person p ON p.person_pseudonym = t.person_pseudonym;

CREATE VIEW mon_shelter_r AS
SELECT s.*,
       CASE WHEN s.gemeente_code IS NOT NULL THEN s.gemeente_code
            WHEN t.r_gemeente IS NOT NULL THEN t.r_gemeente ELSE p.gemeente_code END AS r_gemeente,
       CASE WHEN s.gemeente_code IS NOT NULL THEN s.gebied
            WHEN t.r_gemeente IS NOT NULL THEN t.r_gebied ELSE p.gebied END AS r_gebied,
       t.trajectory_type
  FROM mon_shelter s
  LEFT JOIN mon_trajectory_r t ON t.trajectory_id = s.trajectory_id
  LEFT JOIN mon_person p ON p.person_pseudonym = s.person_pseudonym;

CREATE VIEW mon_assessment_r AS
SELECT a.*,
       CASE WHEN a.gemeente_code IS NOT NULL THEN a.gemeente_code
            WHEN t.r_gemeente IS NOT NULL THEN t.r_gemeente ELSE p.gemeente_code END AS r_gemeente,
       CASE WHEN a.gemeente_code IS NOT NULL THEN a.gebied
            WHEN t.r_gemeente IS NOT NULL THEN t.r_gebied ELSE p.gebied END AS r_gebied
  FROM mon_assessment a
  LEFT JOIN mon_trajectory_r t ON t.trajectory_id = a.trajectory_id
  LEFT JOIN mon_person p ON p.person_pseudonym = a.person_pseudonym;

CREATE VIEW mon_toewijzing_r AS
SELECT w.*,
       coalesce(w.started_date, w.assigned_start) AS active_from,
       coalesce(w.stopped_date, w.planned_end) AS active_to,
       CASE WHEN w.gemeente_code IS NOT NULL THEN w.gemeente_code ELSE p.gemeente_code END AS r_gemeente,
       CASE WHEN w.gemeente_code IS NOT NULL THEN w.gebied ELSE p.gebied END AS r_gebied
  FROM mon_toewijzing w
  LEFT JOIN mon_person p ON p.person_pseudonym = w.person_pseudonym;

CREATE VIEW mon_satisfaction_r AS
SELECT s.*,
       CASE WHEN s.gemeente_code IS NOT NULL THEN s.gemeente_code ELSE p.gemeente_code END AS r_gemeente,
       CASE WHEN s.gemeente_code IS NOT NULL THEN s.gebied ELSE p.gebied END AS r_gebied
  FROM mon_satisfaction s
  LEFT JOIN mon_person p ON p.person_pseudonym = s.person_pseudonym;

CREATE VIEW mon_share_r AS
SELECT s.*,
       CASE WHEN s.gemeente_code IS NOT NULL THEN s.gemeente_code ELSE g.gemeente_code END AS r_gemeente,
       CASE WHEN s.gemeente_code IS NOT NULL THEN s.gebied ELSE g.gebied END AS r_gebied
  FROM mon_share s
  LEFT JOIN mon_gezin g ON g.gezin_ref = s.gezin_ref;

CREATE VIEW mon_escalation_r AS
SELECT x.*,
       CASE WHEN x.gemeente_code IS NOT NULL THEN x.gemeente_code ELSE g.gemeente_code END AS r_gemeente,
       CASE WHEN x.gemeente_code IS NOT NULL THEN x.gebied ELSE g.gebied END AS r_gebied
  FROM mon_escalation x
  LEFT JOIN mon_gezin g ON g.gezin_ref = x.gezin_ref;

CREATE VIEW mon_gezin_r AS
SELECT g.*, g.gemeente_code AS r_gemeente, g.gebied AS r_gebied FROM mon_gezin g;
