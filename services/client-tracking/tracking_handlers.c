/*  tracking_handlers - dispatch and application of link messages. */
#include "tracking_handlers.h"
#include "tracking_state.h"

#include "ketenbus/kb_log.h"
#include "ketenbus/kb_validate.h"

#include <stdio.h>
#include <string.h>

static bool
s_set (const char *s)
{
    return s && *s;
}

/* 1..max printable ASCII characters without spaces. */
static bool
s_id_ok (const char *s, size_t max)
{
    if (!s_set (s) || strlen (s) > max)
        return false;
    for (const char *p = s; *p; p++)
        if (*p <= ' ' || *p > '~')
            return false;
    return true;
}

/* A deterministic business refusal: audited, no effect, the stream goes on. */
static kb_db_rc_t
s_refused (tracking_ctx_t *ctx,
           const char *event,
           const char *actor,
           const char *subject,
           const char *code,
           const char *text,
           const char *message_id)
{
    kb_info ("message refused event=%s reason=%s detail=\"%s\" message_id=\"%s\"",
             event,
             code,
             text,
             message_id);
    return tracking_store_audit (ctx, actor, event, 'E', subject, code, "refused");
}

static bool
s_from_regie_source (const tracking_ctx_t *ctx, const char *sender)
{
    return ctx->regie_source && *ctx->regie_source && sender &&
           strcmp (sender, ctx->regie_source) == 0;
}

static kb_db_rc_t
s_trajectory (tracking_ctx_t *ctx,
              const Ketenbus__V1__TrajectoryUpdate *in,
              const char *sender,
              const char *message_id)
{
    tracking_trajectory_t row;
    kb_db_rc_t rc = tracking_store_trajectory_get (ctx, in->trajectory_id, &row);
    if (rc != KB_DB_OK)
        return rc;
    /* the region and the regisseur's type come from zorgtoewijzing only,
       as codes */
    Ketenbus__V1__TrajectoryUpdate copy = *in;
    const Ketenbus__V1__TrajectoryUpdate *u = &copy;
    bool regie_source = s_from_regie_source (ctx, sender);
    char gebied[TRACKING_ID_MAX + 1] = "";
    if (regie_source)
        kb_validate_gebied_code (in->gebied, gebied, sizeof gebied);
    copy.gebied = gebied;
    if (!regie_source || !in->gemeente_code ||
        !kb_validate_gemeente_code_format (in->gemeente_code))
        copy.gemeente_code = (char *)"";
    if (!regie_source || in->regisseur_org_type < 0 || in->regisseur_org_type > 64)
        copy.regisseur_org_type = 0;
    /* zorgtoewijzing names a new regisseur (a transfer, the ketencoordinator's
       decision) in the state it knows; a trajectory the regisseur moved on
       keeps its state and date: the change is recorded, not refused */
    bool regie_change = regie_source && row.found && s_set (in->regisseur_org) &&
                        strcmp (row.regisseur_org, in->regisseur_org) != 0 &&
                        row.state != KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND &&
                        (int)in->state <= row.state;
    if (regie_change) {
        copy.state = (Ketenbus__V1__TrajectoryState)row.state;
        copy.state_date = row.state_date;
        copy.outcome = 0;
        copy.early_end_reason = 0;
    }
    const char *actor = s_set (u->regisseur_org) ? u->regisseur_org : sender;
    const char *subject = s_set (u->pseudonym)   ? u->pseudonym
                          : s_set (u->gezin_ref) ? u->gezin_ref
                          : row.found ? (row.pseudonym[0] ? row.pseudonym : row.gezin_ref)
                                      : NULL;
    /* zorgtoewijzing reports a state the regisseur already moved past
       (its plan_vastgesteld after the partner's in_uitvoering), or names a
       regisseur for a trajectory that is afgerond (the ketencoordinator
       decided an old escalation): nothing changes, and nothing is wrong */
    if (regie_source && row.found && !regie_change &&
        (row.state == KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND ||
         (int)in->state < row.state)) {
        kb_debug ("trajectory update already passed trajectory_row=%ld state=%s at=%s",
                  row.id,
                  tracking_state_name ((int)in->state),
                  tracking_state_name (row.state));
        return tracking_store_audit (ctx,
                                     sender,
                                     "trajectory.noted",
                                     'E',
                                     subject,
                                     row.state == KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND
                                       ? "already_afgerond"
                                       : "already_further",
                                     "ignored");
    }
    tracking_step_t step = {
        (int)u->state, (int)u->outcome, (int)u->early_end_reason, u->state_date
    };
    const char *text = NULL;
    const char *code = tracking_state_check (
      row.found ? row.state : TRACKING_STATE_NONE, row.found ? row.state_date : NULL, &step, &text);
    if (!code && !row.found) {
        if (u->trajectory_type < KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_GEZINSPLAN ||
            u->trajectory_type > KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_PGA) {
            code = "trajectory_type_unknown";
            text = "a new trajectory needs a known trajectory type";
        } else if (!s_set (u->pseudonym) && !s_set (u->gezin_ref)) {
            code = "subject_required";
            text = "a new trajectory needs a person pseudonym or a gezin ref";
        }
    }
    /* the regisseur changes through zorgtoewijzing (a transfer), never by
       an update of another organisation */
    if (!code && row.found && row.regisseur_org[0] && s_set (u->regisseur_org) &&
        strcmp (row.regisseur_org, u->regisseur_org) != 0 && !regie_source) {
        code = "not_regisseur";
        text =
          "only the regisseur updates a trajectory; the regisseur changes through zorgtoewijzing";
    }
    if (code)
        return s_refused (ctx, "trajectory.refused", actor, subject, code, text, message_id);
    long id = row.id;
    int from = row.found ? row.state : TRACKING_STATE_NONE;
    if (!row.found)
        rc = tracking_store_trajectory_open (ctx, u, &id);
    else
        rc = tracking_store_trajectory_step (ctx, id, u);
    if (rc == KB_DB_OK)
        rc = tracking_store_trajectory_event (ctx, id, message_id, from, u);
    if (rc == KB_DB_OK)
        rc = tracking_store_trajectory_get (ctx, u->trajectory_id, &row);
    if (rc == KB_DB_OK && !row.found)
        rc = KB_DB_FATAL;
    if (rc != KB_DB_OK)
        return rc;
    char event[64];
    snprintf (event, sizeof event, "trajectory.%s", tracking_state_name (row.state));
    rc = tracking_store_audit (ctx,
                               actor,
                               event,
                               from == TRACKING_STATE_NONE ? 'C' : 'U',
                               row.pseudonym[0] ? row.pseudonym : row.gezin_ref,
                               from == TRACKING_STATE_NONE ? "opened"
                               : regie_change              ? "regisseur_changed"
                               : from == (int)u->state     ? "progress"
                                                           : tracking_state_name (from),
                               "ok");
    if (rc != KB_DB_OK)
        return rc;
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_TRAJECTORY_STATE;
    ev.person_pseudonym = row.pseudonym;
    ev.gezin_ref = row.gezin_ref;
    ev.plan_ref = row.plan_ref;
    ev.trajectory_id = row.trajectory_id;
    ev.org = row.regisseur_org;
    ev.org_type = (Ketenbus__V1__OrgType)row.regisseur_org_type;
    ev.gemeente_code = row.gemeente_code;
    ev.gebied = row.gebied;
    ev.trajectory_type = row.type;
    ev.trajectory_state = row.state;
    ev.trajectory_outcome = row.outcome;
    ev.early_end_reason = row.early_end_reason;
    ev.event_date = row.state_date;
    ev.start_date = row.aangemeld_date;
    ev.end_date = (char *)(row.state == KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND
                             ? row.state_date
                             : "");
    ev.duration_days = kb_date_days_between (row.aangemeld_date, row.state_date);
    kb_debug ("trajectory applied trajectory_row=%ld from=%s to=%s",
              row.id,
              tracking_state_name (from),
              tracking_state_name (row.state));
    return tracking_store_monitor (ctx, row.trajectory_id, &ev, message_id);
}

static kb_db_rc_t
s_shelter (tracking_ctx_t *ctx,
           const Ketenbus__V1__ShelterEpisode *e,
           const char *sender,
           const char *message_id)
{
    tracking_episode_row_t row;
    kb_db_rc_t rc = tracking_store_episode_get (ctx, e->episode_id, &row);
    if (rc != KB_DB_OK)
        return rc;
    tracking_episode_t prev = { row.found, row.closed, row.instroom_date };
    tracking_shelter_msg_t msg = { (int)e->event,
                                   (int)e->shelter_type,
                                   e->instroom_date,
                                   e->uitstroom_date,
                                   (int)e->destination };
    const char *text = NULL;
    const char *code = tracking_shelter_check (&prev, &msg, &text);
    if (!code && row.found && strcmp (row.pseudonym, e->pseudonym) != 0) {
        code = "episode_person_differs";
        text = "the episode belongs to another person";
    }
    if (code)
        return s_refused (ctx, "shelter.refused", sender, e->pseudonym, code, text, message_id);
    bool out = e->event == KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    rc = tracking_store_episode_put (ctx, e, sender);
    if (rc == KB_DB_OK)
        rc = tracking_store_audit (ctx,
                                   sender,
                                   out ? "shelter.uitstroom" : "shelter.instroom",
                                   row.found ? 'U' : 'C',
                                   e->pseudonym,
                                   NULL,
                                   "ok");
    if (rc != KB_DB_OK)
        return rc;
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = out ? KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SHELTER_OUT
                        : KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SHELTER_IN;
    ev.person_pseudonym = e->pseudonym;
    ev.trajectory_id = e->trajectory_id;
    ev.item_ref = e->episode_id;
    ev.gemeente_code = e->gemeente_code;
    ev.org = (char *)(sender ? sender : "");
    ev.shelter_type = e->shelter_type;
    ev.start_date = e->instroom_date;
    if (out) {
        ev.shelter_destination = e->destination;
        ev.event_date = e->uitstroom_date;
        ev.end_date = e->uitstroom_date;
        ev.duration_days = kb_date_days_between (e->instroom_date, e->uitstroom_date);
    } else
        ev.event_date = e->instroom_date;
    return tracking_store_monitor (ctx, e->pseudonym, &ev, message_id);
}

static kb_db_rc_t
s_assessment (tracking_ctx_t *ctx,
              const Ketenbus__V1__SelfSufficiencyAssessment *a,
              const char *sender,
              const char *message_id)
{
    const char *subject = s_set (a->pseudonym) ? a->pseudonym : NULL;
    tracking_scores_t scores;
    memset (&scores, 0, sizeof scores);
    const char *text = NULL, *code = NULL;
    int32_t days;
    if (a->moment < KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_START ||
        a->moment > KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_END) {
        code = "moment_unknown";
        text = "assessment moment is unspecified or unknown";
    } else if (!s_set (a->assessment_date) || !kb_validate_date (a->assessment_date, &days)) {
        code = "assessment_date_invalid";
        text = "assessment_date is not a calendar date";
    } else if (a->n_scores == 0) {
        code = "scores_required";
        text = "an assessment needs at least one score";
    }
    for (size_t i = 0; !code && i < a->n_scores; i++)
        code = a->scores[i] ? tracking_scores_add (
                                &scores, (int)a->scores[i]->domain, (int)a->scores[i]->score, &text)
                            : "domain_unknown";
    if (code)
        return s_refused (
          ctx, "assessment.refused", sender, subject, code, text ? text : "", message_id);
    bool stable = tracking_stable_position (&scores, ctx->stable_threshold, ctx->stable_domains);
    bool inserted = false;
    kb_db_rc_t rc = tracking_store_assessment_put (ctx, a, &scores, stable, &inserted);
    if (rc != KB_DB_OK)
        return rc;
    if (!inserted)
        return s_refused (ctx,
                          "assessment.refused",
                          sender,
                          subject,
                          "assessment_exists",
                          "this assessment id was already stored",
                          message_id);
    rc = tracking_store_audit (ctx,
                               sender,
                               "assessment.stored",
                               'C',
                               subject,
                               stable ? "stable_position" : "not_stable",
                               "ok");
    if (rc != KB_DB_OK)
        return rc;
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_ASSESSMENT;
    ev.person_pseudonym = a->pseudonym;
    ev.trajectory_id = a->trajectory_id;
    ev.item_ref = a->assessment_id;
    ev.org = (char *)(sender ? sender : "");
    ev.assessment_moment = a->moment;
    ev.scores = a->scores;
    ev.n_scores = a->n_scores;
    ev.event_date = a->assessment_date;
    return tracking_store_monitor (
      ctx, s_set (a->pseudonym) ? a->pseudonym : a->trajectory_id, &ev, message_id);
}

/* A MonitoringEvent from zorgtoewijzing goes on to monitoring unchanged,
   on the stream of its gezin (else person, else item) so one subject's
   events keep their order; one that could carry free text is refused by
   the caller (dead letter). */
static kb_db_rc_t
s_relay (tracking_ctx_t *ctx, Ketenbus__V1__MonitoringEvent *ev, const char *message_id)
{
    const char *key = s_set (ev->gezin_ref)          ? ev->gezin_ref
                      : s_set (ev->person_pseudonym) ? ev->person_pseudonym
                      : s_set (ev->item_ref)         ? ev->item_ref
                                                     : "none";
    kb_debug ("monitoring event relayed event_type=%d", (int)ev->event_type);
    return tracking_store_monitor (ctx, key, ev, message_id);
}

/* A client's satisfaction score (from a partner through intake): counted
   once per organisation and measurement id as a SATISFACTION event. */
static kb_db_rc_t
s_satisfaction (tracking_ctx_t *ctx,
                const Ketenbus__V1__SatisfactionMeasurement *m,
                const char *sender,
                const char *message_id)
{
    const char *subject = s_set (m->pseudonym) ? m->pseudonym : NULL;
    const char *text = NULL;
    const char *code = tracking_satisfaction_check (m, &text);
    if (code)
        return s_refused (ctx, "satisfaction.refused", sender, subject, code, text, message_id);
    bool first = false;
    kb_db_rc_t rc = tracking_store_satisfaction_seen (ctx, sender, m->measurement_id, &first);
    if (rc != KB_DB_OK)
        return rc;
    if (!first)
        return s_refused (ctx,
                          "satisfaction.refused",
                          sender,
                          subject,
                          "measurement_exists",
                          "this measurement id was already counted",
                          message_id);
    rc = tracking_store_audit (ctx, sender, "satisfaction.counted", 'C', subject, NULL, "ok");
    if (rc != KB_DB_OK)
        return rc;
    char gebied[TRACKING_ID_MAX + 1];
    kb_validate_gebied_code (m->gebied, gebied, sizeof gebied);
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SATISFACTION;
    ev.item_ref = m->measurement_id;
    ev.person_pseudonym = (char *)(subject ? subject : "");
    ev.gemeente_code = m->gemeente_code;
    ev.gebied = gebied;
    ev.wet = m->wet;
    ev.satisfaction_score = m->score;
    ev.event_date = m->measured_date;
    return tracking_store_monitor (ctx, subject ? subject : m->measurement_id, &ev, message_id);
}

int
tracking_handlers_apply (kb_db_t *db,
                         const char *sender,
                         const char *stream,
                         const char *message_id,
                         const void *payload,
                         size_t len,
                         void *arg,
                         char *reason_buf,
                         size_t reason_len)
{
    (void)stream;
    tracking_ctx_t *ctx = arg;
    ctx->db = db;
    kb_envelope_t *env = NULL;
    kb_db_rc_t rc = KB_DB_OK;
    int result = 0;
    kb_codec_rc_t crc = kb_codec_decode (payload, len, TRACKING_MAX_MESSAGE_BYTES, &env);
    if (crc != KB_CODEC_OK) {
        snprintf (reason_buf, reason_len, "could not decode envelope: %s", kb_codec_rc_text (crc));
        return KB_LINK_POISON;
    }
    /* the organisation that acted: the envelope's sender_org (set by the
       backbone, e.g. intake from the authenticated key), else the link peer */
    const char *org = s_set (env->sender_org) && strlen (env->sender_org) <= TRACKING_ORG_MAX
                        ? env->sender_org
                        : sender;
    switch (env->body_case) {
        case KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE: {
            const Ketenbus__V1__TrajectoryUpdate *u = env->trajectory_update;
            if (!s_id_ok (u->trajectory_id, TRACKING_ID_MAX) || s_set (u->bsn)) {
                snprintf (reason_buf,
                          reason_len,
                          "trajectory update without a valid trajectory_id, or with a bsn");
                result = KB_LINK_POISON;
                break;
            }
            rc = s_trajectory (ctx, u, org, message_id);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE: {
            const Ketenbus__V1__ShelterEpisode *e = env->shelter_episode;
            if (!s_id_ok (e->episode_id, TRACKING_ID_MAX) ||
                !s_id_ok (e->pseudonym, TRACKING_PSEUDO_MAX) || s_set (e->bsn)) {
                snprintf (reason_buf,
                          reason_len,
                          "shelter episode without episode_id or pseudonym, or with a bsn");
                result = KB_LINK_POISON;
                break;
            }
            rc = s_shelter (ctx, e, org, message_id);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT: {
            const Ketenbus__V1__SelfSufficiencyAssessment *a = env->self_sufficiency_assessment;
            if (!s_id_ok (a->assessment_id, TRACKING_ID_MAX) || s_set (a->bsn) ||
                (!s_id_ok (a->pseudonym, TRACKING_PSEUDO_MAX) &&
                 !s_id_ok (a->trajectory_id, TRACKING_ID_MAX))) {
                snprintf (reason_buf,
                          reason_len,
                          "assessment without assessment_id or without pseudonym and "
                          "trajectory_id, or with a bsn");
                result = KB_LINK_POISON;
                break;
            }
            rc = s_assessment (ctx, a, org, message_id);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_MONITORING_EVENT: {
            const char *why =
              s_from_regie_source (ctx, org)
                ? tracking_relay_check (env->monitoring_event)
                : "monitoring event not from zorgtoewijzing (trajectory/regie_source)";
            if (why) {
                snprintf (reason_buf, reason_len, "%s", why);
                result = KB_LINK_POISON;
                break;
            }
            rc = s_relay (ctx, env->monitoring_event, message_id);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT: {
            const Ketenbus__V1__SatisfactionMeasurement *m = env->satisfaction_measurement;
            if (!s_id_ok (m->measurement_id, TRACKING_ID_MAX) || s_set (m->bsn)) {
                snprintf (reason_buf,
                          reason_len,
                          "satisfaction measurement without a valid measurement_id, or with a bsn");
                result = KB_LINK_POISON;
                break;
            }
            rc = s_satisfaction (ctx, m, org, message_id);
            break;
        }
        default:
            snprintf (reason_buf,
                      reason_len,
                      "unexpected body \"%s\" on the client-tracking link",
                      kb_codec_body_name (env));
            result = KB_LINK_POISON;
            break;
    }
    if (result == 0 && rc == KB_DB_RETRY)
        result = KB_LINK_RETRY;
    else if (result == 0 && rc != KB_DB_OK) {
        snprintf (reason_buf,
                  reason_len,
                  "could not apply %s sqlstate=%s",
                  kb_codec_body_name (env),
                  kb_db_last_sqlstate (db));
        result = KB_LINK_POISON;
    }
    kb_codec_free (&env);
    return result;
}
