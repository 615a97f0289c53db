/*  tracking_state - trajectory state machine, shelter and stable-position rules (pure). */
#include "tracking_state.h"
#include "ketenbus/kb_validate.h"
#include "ketenbus/v1/ketenbus.pb-c.h"

#include <stddef.h>
#include <string.h>

#define S_AANGEMELD KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD
#define S_PLAN KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_PLAN_VASTGESTELD
#define S_UITVOERING KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_IN_UITVOERING
#define S_AFGEROND KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND
#define S_SUCCESVOL KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_SUCCESVOL
#define S_VROEGTIJDIG KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_VROEGTIJDIG_BEEINDIGD
#define S_OUTCOME_MAX KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_OVERLEDEN
#define S_EARLY_MAX KETENBUS__V1__EARLY_END_REASON__EARLY_END_REASON_OVERIG

static const char *
s_refuse (const char *code, const char *why, const char **text)
{
    if (text)
        *text = why;
    return code;
}

static bool
s_date (const char *s)
{
    int32_t days;
    return s && kb_validate_date (s, &days);
}

const char *
tracking_state_name (int state)
{
    switch (state) {
        case S_AANGEMELD:
            return "aangemeld";
        case S_PLAN:
            return "plan_vastgesteld";
        case S_UITVOERING:
            return "in_uitvoering";
        case S_AFGEROND:
            return "afgerond";
        default:
            return "unknown";
    }
}

const char *
tracking_state_check (int current,
                      const char *current_date,
                      const tracking_step_t *next,
                      const char **text)
{
    if (next->state < S_AANGEMELD || next->state > S_AFGEROND)
        return s_refuse ("state_unknown", "state is unspecified or unknown", text);
    if (!s_date (next->state_date))
        return s_refuse (
          "state_date_invalid", "state_date is not a calendar date YYYY-MM-DD", text);
    /* the outcome belongs to afgerond, the early-end reason to vroegtijdig */
    if (next->state == S_AFGEROND) {
        if (next->outcome < S_SUCCESVOL || next->outcome > S_OUTCOME_MAX)
            return s_refuse ("outcome_required", "afgerond needs a known outcome", text);
        if (next->outcome == S_VROEGTIJDIG &&
            (next->early_end_reason < 1 || next->early_end_reason > S_EARLY_MAX))
            return s_refuse ("early_end_reason_required",
                             "vroegtijdig beeindigd needs a known early-end reason",
                             text);
        if (next->outcome != S_VROEGTIJDIG && next->early_end_reason != 0)
            return s_refuse ("early_end_reason_unexpected",
                             "an early-end reason is only given with vroegtijdig beeindigd",
                             text);
    } else if (next->outcome != 0 || next->early_end_reason != 0)
        return s_refuse ("outcome_unexpected", "an outcome is only given with afgerond", text);

    if (current == TRACKING_STATE_NONE) {
        if (next->state != S_AANGEMELD)
            return s_refuse (
              "unknown_trajectory", "a trajectory that is not known starts with aangemeld", text);
        return NULL;
    }
    if (current_date && *current_date && strcmp (next->state_date, current_date) < 0)
        return s_refuse ("state_date_before_previous",
                         "state_date lies before the date of the current state",
                         text);
    if (current == S_AFGEROND)
        return s_refuse (
          "trajectory_closed", "the trajectory is afgerond: no further states", text);
    if (next->state == current)
        return NULL; /* a progress update in the same state */
    if (next->state < current)
        return s_refuse ("backwards", "a trajectory does not go back to an earlier state", text);
    switch (next->state) {
        case S_PLAN:
            return NULL; /* only from aangemeld: the earlier states are excluded above */
        case S_UITVOERING:
            if (current != S_PLAN)
                return s_refuse (
                  "plan_required", "in_uitvoering needs plan_vastgesteld first", text);
            return NULL;
        case S_AFGEROND:
            if (next->outcome == S_SUCCESVOL && current != S_UITVOERING)
                return s_refuse ("succesvol_requires_uitvoering",
                                 "succesvol afgerond needs in_uitvoering first",
                                 text);
            return NULL;
        default:
            return s_refuse ("state_unknown", "state is unspecified or unknown", text);
    }
}

const char *
tracking_shelter_check (const tracking_episode_t *prev,
                        const tracking_shelter_msg_t *msg,
                        const char **text)
{
    bool in = msg->event == KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_IN;
    bool out = msg->event == KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    if (!in && !out)
        return s_refuse ("shelter_event_unknown", "event is neither instroom nor uitstroom", text);
    if (msg->shelter_type < KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG ||
        msg->shelter_type > KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_ZWERFJONGEREN)
        return s_refuse ("shelter_type_unknown", "shelter type is unspecified or unknown", text);
    if (!s_date (msg->instroom_date))
        return s_refuse ("instroom_date_invalid", "instroom_date is not a calendar date", text);
    if (in) {
        if ((msg->uitstroom_date && *msg->uitstroom_date) || msg->destination != 0)
            return s_refuse ("uitstroom_on_instroom",
                             "an instroom carries no uitstroom date or destination",
                             text);
        if (prev && prev->exists)
            return s_refuse (prev->closed ? "episode_closed" : "episode_open",
                             "this episode was already registered",
                             text);
        return NULL;
    }
    if (!s_date (msg->uitstroom_date))
        return s_refuse ("uitstroom_date_required", "uitstroom needs an uitstroom_date", text);
    if (strcmp (msg->uitstroom_date, msg->instroom_date) < 0)
        return s_refuse (
          "uitstroom_before_instroom", "uitstroom_date lies before instroom_date", text);
    if (msg->destination <
          KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_ZELFSTANDIG_WONEN ||
        msg->destination > KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_ONBEKEND)
        return s_refuse ("destination_required", "uitstroom needs a known destination", text);
    if (prev && prev->closed)
        return s_refuse ("episode_closed", "this episode already has its uitstroom", text);
    if (prev && prev->exists && prev->instroom_date &&
        strcmp (prev->instroom_date, msg->instroom_date) != 0)
        return s_refuse (
          "instroom_date_differs", "instroom_date differs from the stored instroom", text);
    return NULL;
}

const char *
tracking_scores_add (tracking_scores_t *self, int domain, int score, const char **text)
{
    if (domain < 1 || domain > TRACKING_DOMAIN_MAX)
        return s_refuse ("domain_unknown", "life domain is unspecified or unknown", text);
    if (self->scores[domain] != 0)
        return s_refuse ("domain_repeated", "a life domain is scored more than once", text);
    if (score < 1 || score > 5)
        return s_refuse ("score_out_of_range", "a score lies outside 1..5", text);
    self->scores[domain] = score;
    return NULL;
}

bool
tracking_stable_position (const tracking_scores_t *scores, int threshold, unsigned domain_mask)
{
    if (domain_mask == 0)
        return false;
    for (int d = 1; d <= TRACKING_DOMAIN_MAX; d++)
        if ((domain_mask & (1u << d)) && scores->scores[d] < threshold)
            return false; /* not assessed (0) counts as not stable */
    return true;
}

static const char *s_domain_names[TRACKING_DOMAIN_MAX + 1] = {
    NULL,        "housing", "income",         "daily_activities", "social_network", "mental_health",
    "addiction", "justice", "physical_health"
};

int
tracking_domains_parse (const char *list, unsigned *mask)
{
    unsigned m = 0;
    const char *p = list;
    if (!p)
        return -1;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        size_t n = strcspn (p, ", ");
        int found = 0;
        for (int d = 1; d <= TRACKING_DOMAIN_MAX; d++)
            if (strlen (s_domain_names[d]) == n && strncmp (p, s_domain_names[d], n) == 0)
                found = d;
        if (!found)
            return -1;
        m |= 1u << found;
        p += n;
    }
    if (m == 0)
        return -1;
    *mask = m;
    return 0;
}

/* Empty, or a code: never free text. */
static bool
s_code_or_empty (const char *s)
{
    return !s || !*s || kb_validate_code (s, TRACKING_RELAY_REF_MAX);
}

static bool
s_date_or_empty (const char *s)
{
    return !s || !*s || s_date (s);
}

const char *
tracking_relay_check (const Ketenbus__V1__MonitoringEvent *ev)
{
    switch (ev->event_type) {
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SIGNAL_RECEIVED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_MATCH_NOTIFIED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_REGIE_ASSIGNED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_REGIE_TRANSFERRED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_REGIE_ESCALATED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_PLAN_REGISTERED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_CARE_ASSIGNED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_CARE_STARTED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_CARE_STOPPED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SHARE_DECIDED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_CONSENT_GRANTED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_CONSENT_WITHDRAWN:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SHARE_REVIEWED:
        case KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_ESCALATION_RESOLVED:
            break;
        default:
            return "monitoring event of a type zorgtoewijzing does not produce";
    }
    if (ev->occurred_at_ms <= 0)
        return "monitoring event without occurred_at_ms";
    /* unknown fields could carry anything: they are not passed on */
    if (ev->base.n_unknown_fields > 0)
        return "monitoring event with unknown fields";
    for (size_t i = 0; i < ev->n_scores; i++)
        if (!ev->scores[i] || ev->scores[i]->base.n_unknown_fields > 0)
            return "monitoring event with unknown fields";
    const char *codes[] = {
        ev->person_pseudonym, ev->gezin_ref, ev->plan_ref, ev->trajectory_id,
        ev->item_ref,         ev->gebied,    ev->org,      ev->product_category
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (!s_code_or_empty (codes[i]))
            return "monitoring event with a string field that is not a code (free text?)";
    if (ev->gemeente_code && *ev->gemeente_code &&
        !kb_validate_gemeente_code_format (ev->gemeente_code))
        return "monitoring event with a gemeente code that is not 4 digits";
    if (!s_date_or_empty (ev->event_date) || !s_date_or_empty (ev->start_date) ||
        !s_date_or_empty (ev->end_date))
        return "monitoring event with a date that is not YYYY-MM-DD";
    if (!ev->event_date || !*ev->event_date)
        return "monitoring event without event_date";
    if (ev->n_categories > 16 || ev->n_scores > TRACKING_DOMAIN_MAX)
        return "monitoring event with too many categories or scores";
    return NULL;
}

const char *
tracking_satisfaction_check (const Ketenbus__V1__SatisfactionMeasurement *m, const char **text)
{
    if (!m->measurement_id || !kb_validate_code (m->measurement_id, 64))
        return s_refuse (
          "measurement_id_invalid", "measurement_id is not 1..64 printable characters", text);
    if (m->score < 1 || m->score > 10)
        return s_refuse ("score_out_of_range", "a satisfaction score lies outside 1..10", text);
    if (!s_date (m->measured_date))
        return s_refuse ("measured_date_invalid", "measured_date is not a calendar date", text);
    if (m->wet < KETENBUS__V1__WET__WET_WMO || m->wet > KETENBUS__V1__WET__WET_PARTICIPATIEWET)
        return s_refuse ("wet_unknown", "wet is unspecified or unknown", text);
    if (!m->gemeente_code || !kb_validate_gemeente_code_format (m->gemeente_code))
        return s_refuse ("gemeente_required", "a satisfaction score needs its gemeente", text);
    if (m->pseudonym && *m->pseudonym && !kb_validate_code (m->pseudonym, TRACKING_RELAY_REF_MAX))
        return s_refuse ("pseudonym_invalid", "pseudonym is not a pseudonym", text);
    return NULL;
}
