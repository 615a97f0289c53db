/*  tracking_state - the pure rules of client-tracking: the trajectory
    state machine (aangemeld -> plan_vastgesteld -> in_uitvoering ->
    afgerond with an outcome), shelter-episode validity and "stable
    position" from zelfredzaamheid scores. No I/O, no allocation.

    Every check returns NULL when the step is legal, else a reason code
    ([a-z_], fit for an audit row) and, in *text when text is not NULL, a
    short sentence for the log and the dead letter. States, outcomes,
    reasons, shelter events and domains are the values of the enums in
    proto/ketenbus/v1/ketenbus.proto. */
#ifndef TRACKING_STATE_H_INCLUDED
#define TRACKING_STATE_H_INCLUDED

#include "ketenbus/v1/ketenbus.pb-c.h"
#include <stdbool.h>

/* Current state of a trajectory that does not exist yet. */
#define TRACKING_STATE_NONE 0
/* Life domains are 1 .. TRACKING_DOMAIN_MAX (LifeDomain). */
#define TRACKING_DOMAIN_MAX 8

typedef struct
{
    int state;              /* TrajectoryState */
    int outcome;            /* TrajectoryOutcome, 0 unless state is afgerond */
    int early_end_reason;   /* EarlyEndReason, 0 unless outcome is vroegtijdig beëindigd */
    const char *state_date; /* "YYYY-MM-DD" */
} tracking_step_t;

/* Checks the step from current (TRACKING_STATE_NONE for a new trajectory;
   current_date the date of the current state, "" or NULL when none) to
   next. Legal: none -> aangemeld; aangemeld -> plan_vastgesteld;
   plan_vastgesteld -> in_uitvoering; aangemeld, plan_vastgesteld,
   in_uitvoering -> afgerond (succesvol only from in_uitvoering); and a
   repeated state other than afgerond (a progress update). */
const char *tracking_state_check (int current,
                                  const char *current_date,
                                  const tracking_step_t *next,
                                  const char **text);

/* Lower-case name of a TrajectoryState ("aangemeld", ...; "unknown"). */
const char *tracking_state_name (int state);

typedef struct
{
    bool exists; /* an IN (or OUT) of this episode was stored */
    bool closed; /* its OUT was stored */
    const char *instroom_date;
} tracking_episode_t;

typedef struct
{
    int event;        /* ShelterEvent */
    int shelter_type; /* ShelterType */
    const char *instroom_date;
    const char *uitstroom_date;
    int destination; /* ShelterDestination */
} tracking_shelter_msg_t;

/* Checks an instroom or uitstroom against the stored episode (prev may be
   NULL: none). An IN opens an episode that does not exist; an OUT needs an
   uitstroom date on or after the instroom date and a destination, closes
   an open episode with the same instroom date, or records a whole stay
   whose IN was never sent. */
const char *tracking_shelter_check (const tracking_episode_t *prev,
                                    const tracking_shelter_msg_t *msg,
                                    const char **text);

/* Scores of one assessment: scores[d] for domain d (1..TRACKING_DOMAIN_MAX),
   0 when not assessed; scores[0] is unused. */
typedef struct
{
    int scores[TRACKING_DOMAIN_MAX + 1];
} tracking_scores_t;

/* Adds one (domain, score) pair from a message: the domain must be known
   and not given before, the score 1..5. */
const char *tracking_scores_add (tracking_scores_t *self, int domain, int score, const char **text);

/* True when every domain in domain_mask (bit d for domain d) is assessed
   at threshold or higher. An empty mask is never stable. */
bool tracking_stable_position (const tracking_scores_t *scores,
                               int threshold,
                               unsigned domain_mask);

/* Parses a comma-separated list of domain names ("housing,income,
   social_network"; the LifeDomain names in lower case without prefix)
   into a mask. Returns 0, or -1 for an unknown or empty list. */
int tracking_domains_parse (const char *list, unsigned *mask);

/* Longest string field of a relayed MonitoringEvent. */
#define TRACKING_RELAY_REF_MAX 128

/* Whether client-tracking relays a MonitoringEvent from zorgtoewijzing to
   monitoring: a type zorgtoewijzing produces, a time, no unknown fields,
   every string field empty or a code (1..TRACKING_RELAY_REF_MAX printable
   ASCII characters without spaces), the dates calendar dates, the
   gemeente code 4 digits, a known count of categories and scores. Returns
   NULL, or why not (for the dead letter; no field content in it). */
const char *tracking_relay_check (const Ketenbus__V1__MonitoringEvent *ev);

/* A SatisfactionMeasurement client-tracking counts: measurement id,
   score 1..10, measured_date a calendar date, wet set, a 4-digit gemeente
   code. Returns NULL or a refusal code with *text. */
const char *tracking_satisfaction_check (const Ketenbus__V1__SatisfactionMeasurement *m,
                                         const char **text);

#endif
