/*  tracking_stale - stale-case detection: a trajectory whose regisseur has
    no plan after stale/no_plan_s, or a trajectory with a plan and no
    update for stale/no_update_s, gets one reminder in the regisseur's
    mailbox (a TrajectoryUpdate with to_org set, on the outbox stream named
    after the regisseur organisation, delivered by intake), a
    MonitoringEvent STALE_CASE (the count for monitoring) and an audit
    row, in one transaction. The next accepted update clears the mark, so
    a trajectory that goes stale again is reminded again. */
#ifndef TRACKING_STALE_H_INCLUDED
#define TRACKING_STALE_H_INCLUDED

#include "tracking_store.h"

/* Handles at most limit stale trajectories in the caller's open
   transaction; *count is how many were reminded. */
kb_db_rc_t tracking_stale_check (tracking_ctx_t *ctx,
                                 int no_plan_s,
                                 int no_update_s,
                                 int limit,
                                 int *count);

#endif
