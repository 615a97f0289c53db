/*  tracking_store - the client-tracking schema: every statement is
    prepared here under a "trk_" name, with typed helpers for the rows the
    handlers and the stale check share, and the two side effects of every
    change: a message in the outbox and an audit row. Everything runs in
    the caller's transaction. */
#ifndef TRACKING_STORE_H_INCLUDED
#define TRACKING_STORE_H_INCLUDED

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_outbox.h"
#include "tracking_state.h"
#include <stdbool.h>
#include <stdint.h>

/* Who the daemon is in envelopes and audit rows. */
#define TRACKING_ACTOR "client-tracking"
/* Outbox streams for monitoring start with this; every other stream is a
   partner mailbox (named after the organisation) and goes to intake. */
#define TRACKING_MONITOR_PREFIX "monitoring:"
#define TRACKING_ID_MAX 64
#define TRACKING_ORG_MAX 64
#define TRACKING_PSEUDO_MAX 128

/* What every handler needs; borrowed from the server or the caller. */
typedef struct
{
    kb_db_t *db;
    kb_audit_batch_t *audit;   /* the link batch's audit batch, or NULL: appended at once */
    kb_outbox_batch_t *outbox; /* the link batch's outbox rows, or NULL: queued at once */
    int stable_threshold;      /* stable/threshold */
    unsigned stable_domains;   /* stable/domains as a mask */
    const char *regie_source;  /* trajectory/regie_source */
    uint8_t stream_key[32];    /* names the monitoring streams (tracking_store_load_key) */
    bool have_stream_key;
} tracking_ctx_t;

typedef struct
{
    bool found;
    long id;
    char trajectory_id[TRACKING_ID_MAX + 1];
    int type;
    int state;
    int outcome;
    int early_end_reason;
    char state_date[11];
    char aangemeld_date[11];
    char regisseur_org[TRACKING_ORG_MAX + 1];
    char pseudonym[TRACKING_PSEUDO_MAX + 1];
    char gezin_ref[TRACKING_ID_MAX + 1];
    char plan_ref[TRACKING_ID_MAX + 1];
    char gemeente_code[8];
    char gebied[TRACKING_ID_MAX + 1];
    int regisseur_org_type;
} tracking_trajectory_t;

typedef struct
{
    bool found;
    bool closed;
    char instroom_date[11];
    char pseudonym[TRACKING_PSEUDO_MAX + 1];
} tracking_episode_row_t;

int tracking_store_prepare (kb_db_t *db);
/* Reads the key that names the monitoring streams (migration 0003);
   without it nothing is sent to monitoring. */
kb_db_rc_t tracking_store_load_key (tracking_ctx_t *ctx);

/* Reads and locks the trajectory (row->found false when there is none). */
kb_db_rc_t tracking_store_trajectory_get (tracking_ctx_t *ctx,
                                          const char *trajectory_id,
                                          tracking_trajectory_t *row);
/* Opens a trajectory in state aangemeld from the update u; *id_out is its row id. */
kb_db_rc_t tracking_store_trajectory_open (tracking_ctx_t *ctx,
                                           const Ketenbus__V1__TrajectoryUpdate *u,
                                           long *id_out);
/* Moves the trajectory to u's state (or records a progress update),
   clears a stale mark. */
kb_db_rc_t tracking_store_trajectory_step (tracking_ctx_t *ctx,
                                           long id,
                                           const Ketenbus__V1__TrajectoryUpdate *u);
kb_db_rc_t tracking_store_trajectory_event (tracking_ctx_t *ctx,
                                            long id,
                                            const char *message_id,
                                            int from_state,
                                            const Ketenbus__V1__TrajectoryUpdate *u);

kb_db_rc_t tracking_store_episode_get (tracking_ctx_t *ctx,
                                       const char *episode_id,
                                       tracking_episode_row_t *row);
/* Stores an instroom, or an uitstroom (closing the open episode or
   recording a whole stay). sender is the link sender or the shelter. */
kb_db_rc_t tracking_store_episode_put (tracking_ctx_t *ctx,
                                       const Ketenbus__V1__ShelterEpisode *e,
                                       const char *sender);

/* Inserts an assessment; *inserted false when its id was already stored. */
kb_db_rc_t tracking_store_assessment_put (tracking_ctx_t *ctx,
                                          const Ketenbus__V1__SelfSufficiencyAssessment *a,
                                          const tracking_scores_t *scores,
                                          bool stable,
                                          bool *inserted);

/* Records that sender_org's measurement was counted; *first false when
   it was before. */
kb_db_rc_t tracking_store_satisfaction_seen (tracking_ctx_t *ctx,
                                             const char *sender_org,
                                             const char *measurement_id,
                                             bool *first);

/* Queues env (body set; header filled here) on stream. */
kb_db_rc_t tracking_store_send (tracking_ctx_t *ctx,
                                const char *stream,
                                kb_envelope_t *env,
                                const char *correlation_id);
/* Queues a MonitoringEvent on the monitoring stream of key. */
kb_db_rc_t tracking_store_monitor (tracking_ctx_t *ctx,
                                   const char *key,
                                   Ketenbus__V1__MonitoringEvent *ev,
                                   const char *correlation_id);
kb_db_rc_t tracking_store_audit (tracking_ctx_t *ctx,
                                 const char *actor_org,
                                 const char *event,
                                 char action,
                                 const char *subject,
                                 const char *reason,
                                 const char *outcome);

/* Stale trajectories (state aangemeld longer than no_plan_s, or with a
   plan and no update for no_update_s, with a regisseur, not yet
   reminded), locked, at most limit; the caller reads the rows with
   tracking_store_stale_row and PQclears the result. */
PGresult *tracking_store_stale_due (tracking_ctx_t *ctx,
                                    int no_plan_s,
                                    int no_update_s,
                                    int limit,
                                    kb_db_rc_t *rc);
void tracking_store_stale_row (PGresult *res, int i, tracking_trajectory_t *row);
kb_db_rc_t tracking_store_stale_mark (tracking_ctx_t *ctx, long id, const char *kind);

#endif
