/*  zorg_monitor - MonitoringEvents towards client-tracking. */
#include "zorg_monitor.h"

#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void
zorg_monitor_region_set (zorg_monitor_region_t *r, const char *gemeente_code, const char *gebied)
{
    r->gemeente_code[0] = '\0';
    if (gemeente_code && kb_validate_gemeente_code_format (gemeente_code))
        snprintf (r->gemeente_code, sizeof r->gemeente_code, "%s", gemeente_code);
    kb_validate_gebied_code (gebied, r->gebied, sizeof r->gebied);
}

static void
s_region_row (const PGresult *res, zorg_monitor_region_t *r)
{
    snprintf (r->gezin_ref, sizeof r->gezin_ref, "%s", PQgetvalue (res, 0, 0));
    zorg_monitor_region_set (r, PQgetvalue (res, 0, 1), PQgetvalue (res, 0, 2));
    snprintf (r->first_signal_date, sizeof r->first_signal_date, "%s", PQgetvalue (res, 0, 3));
}

static kb_db_rc_t
s_region_query (kb_db_t *db, const char *name, const char *arg, zorg_monitor_region_t *r,
                bool *found)
{
    memset (r, 0, sizeof *r);
    *found = false;
    kb_db_rc_t rc;
    PGresult *res = zorg_store_run (db, name, 1, (const char *[]){ arg }, &rc);
    if (!res)
        return rc;
    if (PQntuples (res) == 1) {
        s_region_row (res, r);
        *found = true;
    }
    PQclear (res);
    return KB_DB_OK;
}

kb_db_rc_t
zorg_monitor_gezin (kb_db_t *db, long gezin_id, zorg_monitor_region_t *r, bool *found)
{
    char id[24];
    snprintf (id, sizeof id, "%ld", gezin_id);
    return s_region_query (db, "zorg_mon_gezin", id, r, found);
}

kb_db_rc_t
zorg_monitor_person (kb_db_t *db, const char *pseudonym, zorg_monitor_region_t *r, bool *found)
{
    return s_region_query (db, "zorg_mon_person_gezin", pseudonym ? pseudonym : "", r, found);
}

static bool
s_set (const char *s)
{
    return s && *s;
}

kb_db_rc_t
zorg_monitor_emit (zorg_ctx_t *ctx, Ketenbus__V1__MonitoringEvent *ev,
                   const zorg_monitor_region_t *r, const char *correlation_id)
{
    if (!ctx->tracking)
        return KB_DB_OK;
    if (r && !s_set (ev->gemeente_code) && !s_set (ev->gebied)) {
        ev->gemeente_code = (char *) r->gemeente_code;
        ev->gebied = (char *) r->gebied;
    }
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    ev->occurred_at_ms = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    /* one stream per subject, so one gezin's events arrive in order */
    const char *key = s_set (ev->gezin_ref)          ? ev->gezin_ref
                      : s_set (ev->person_pseudonym) ? ev->person_pseudonym
                      : s_set (ev->item_ref)         ? ev->item_ref
                                                     : "none";
    char stream[KB_LINK_ID_MAX + 1];
    snprintf (stream, sizeof stream, "%s%.*s", ZORG_MONITOR_STREAM,
              (int) (KB_LINK_ID_MAX - sizeof ZORG_TRACKING_PREFIX - sizeof ZORG_MONITOR_STREAM),
              key);
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_MONITORING_EVENT;
    env.monitoring_event = ev;
    kb_debug ("monitoring event queued event_type=%d", (int) ev->event_type);
    return zorg_store_track (ctx, stream, &env, correlation_id);
}

kb_db_rc_t
zorg_monitor_escalation (zorg_ctx_t *ctx, const char *escalation_id, bool resolved,
                         const char *correlation_id)
{
    if (!ctx->tracking)
        return KB_DB_OK;
    kb_db_rc_t rc;
    PGresult *res = zorg_store_run (ctx->db, "zorg_mon_escalation", 1,
                                    (const char *[]){ escalation_id }, &rc);
    if (!res)
        return rc;
    if (PQntuples (res) != 1) {
        PQclear (res);
        return KB_DB_OK;
    }
    zorg_monitor_region_t r;
    memset (&r, 0, sizeof r);
    s_region_row (res, &r);
    char today[11];
    kb_date_today (today);
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.item_ref = (char *) escalation_id;
    ev.gezin_ref = r.gezin_ref;
    ev.plan_ref = PQgetvalue (res, 0, 4);
    if (!resolved) {
        /* the organisation that did not take regie, when a transfer escalated */
        ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_REGIE_ESCALATED;
        ev.org = PQgetvalue (res, 0, 5);
        ev.org_type = (Ketenbus__V1__OrgType) atoi (PQgetvalue (res, 0, 6));
        ev.event_date = PQgetvalue (res, 0, 7);
    }
    else {
        ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_ESCALATION_RESOLVED;
        ev.org = PQgetvalue (res, 0, 9);
        ev.org_type = (Ketenbus__V1__OrgType) atoi (PQgetvalue (res, 0, 10));
        ev.start_date = PQgetvalue (res, 0, 7);
        ev.event_date = s_set (PQgetvalue (res, 0, 8)) ? PQgetvalue (res, 0, 8) : today;
        ev.duration_days = kb_date_days_between (ev.start_date, ev.event_date);
    }
    rc = zorg_monitor_emit (ctx, &ev, &r, correlation_id);
    PQclear (res);
    return rc;
}
