/*  tracking_stale - reminders for stale trajectories. */
#include "tracking_stale.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static kb_db_rc_t
s_remind (tracking_ctx_t *ctx, const tracking_trajectory_t *t, const char *kind)
{
    kb_db_rc_t rc = tracking_store_stale_mark (ctx, t->id, kind);
    if (rc != KB_DB_OK)
        return rc;
    /* to the regisseur: the trajectory as it stands, to_org set */
    Ketenbus__V1__TrajectoryUpdate u = KETENBUS__V1__TRAJECTORY_UPDATE__INIT;
    u.trajectory_id = (char *)t->trajectory_id;
    u.trajectory_type = t->type;
    u.gezin_ref = (char *)t->gezin_ref;
    u.plan_ref = (char *)t->plan_ref;
    u.pseudonym = (char *)t->pseudonym;
    u.state = t->state;
    u.state_date = (char *)t->state_date;
    u.regisseur_org = (char *)t->regisseur_org;
    u.to_org = (char *)t->regisseur_org;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
    env.trajectory_update = &u;
    rc = tracking_store_send (ctx, t->regisseur_org, &env, NULL);
    if (rc == KB_DB_OK)
        rc = tracking_store_audit (ctx,
                                   NULL,
                                   "trajectory.stale",
                                   'E',
                                   t->pseudonym[0] ? t->pseudonym : t->gezin_ref,
                                   kind,
                                   "reminded");
    if (rc != KB_DB_OK)
        return rc;
    char today[11];
    kb_date_today (today); /* the business date, as the other events */
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_STALE_CASE;
    ev.item_ref = (char *)kind; /* no_plan | no_update */
    ev.person_pseudonym = (char *)t->pseudonym;
    ev.gezin_ref = (char *)t->gezin_ref;
    ev.plan_ref = (char *)t->plan_ref;
    ev.trajectory_id = (char *)t->trajectory_id;
    ev.org = (char *)t->regisseur_org;
    ev.trajectory_type = t->type;
    ev.trajectory_state = t->state;
    ev.event_date = today;
    ev.start_date = (char *)t->state_date;
    ev.duration_days = kb_date_days_between (t->state_date, today);
    /* the row id, not the partner's trajectory id: that is the partner's
       own text and stays out of the log */
    kb_info ("stale trajectory reminded kind=%s trajectory_row=%ld regisseur=\"%s\"",
             kind,
             t->id,
             t->regisseur_org);
    return tracking_store_monitor (ctx, t->trajectory_id, &ev, NULL);
}

kb_db_rc_t
tracking_stale_check (tracking_ctx_t *ctx, int no_plan_s, int no_update_s, int limit, int *count)
{
    *count = 0;
    kb_db_rc_t rc;
    PGresult *res = tracking_store_stale_due (ctx, no_plan_s, no_update_s, limit, &rc);
    if (!res)
        return rc;
    rc = KB_DB_OK;
    for (int i = 0; i < PQntuples (res) && rc == KB_DB_OK; i++) {
        tracking_trajectory_t t;
        tracking_store_stale_row (res, i, &t);
        char kind[16];
        snprintf (kind, sizeof kind, "%s", PQgetvalue (res, i, 15));
        rc = s_remind (ctx, &t, kind);
        if (rc == KB_DB_OK)
            (*count)++;
    }
    PQclear (res);
    return rc;
}
