/*  zorg_care - toewijzing state per id: assigned -> started -> stopped. */
#include "zorg_care.h"
#include "zorg_monitor.h"

#include "ketenbus/kb_log.h"
#include "ketenbus/kb_validate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
s_date_ok (const char *s)
{
    int32_t days;
    return !s || !*s || kb_validate_date (s, &days);
}

static const char *
s_opt (const char *s)
{
    return s && *s ? s : NULL;
}

/* Checks the fields an action needs; returns a refusal code or NULL. */
static const char *
s_check (const Ketenbus__V1__CareAssignment *c)
{
    if (!c->toewijzing_id || !*c->toewijzing_id || strlen (c->toewijzing_id) > 64)
        return "toewijzing_id_invalid";
    if (!s_date_ok (c->start_date) || !s_date_ok (c->end_date))
        return "date_invalid";
    switch (c->action) {
        case KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN:
            if (!kb_codec_enum_known (&ketenbus__v1__wet__descriptor, (int) c->wet))
                return "wet_invalid";
            if (!kb_codec_enum_known (&ketenbus__v1__pyramid_level__descriptor, (int) c->pyramid_level))
                return "pyramid_level_invalid";
            if (!c->product_category || !*c->product_category)
                return "product_category_missing";
            return NULL;
        case KETENBUS__V1__CARE_ACTION__CARE_ACTION_START:
            return NULL;
        case KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP:
            if (!kb_codec_enum_known (&ketenbus__v1__care_stop_reason__descriptor, (int) c->stop_reason))
                return "stop_reason_invalid";
            return NULL;
        default:
            return "action_invalid";
    }
}

/* The provider learns of the toewijzing in its mailbox (like iWmo 301).
   The pseudonym stays inside the backbone: the toewijzing id and the
   gemeente's case reference are what both sides use. */
static kb_db_rc_t
s_send_to_provider (zorg_ctx_t *ctx, const Ketenbus__V1__CareAssignment *c, const char *message_id)
{
    Ketenbus__V1__CareAssignment out = *c;
    out.base.n_unknown_fields = 0;
    out.base.unknown_fields = NULL;
    out.bsn = "";
    out.pseudonym = "";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT;
    env.care_assignment = &out;
    return zorg_store_send (ctx, c->provider_org, &env, message_id);
}

/* CARE_ASSIGNED / _STARTED / _STOPPED from the stored toewijzing (the
   START and STOP messages carry only what changed), in the toewijzing's
   gemeente and gebied. */
static kb_db_rc_t
s_monitor (zorg_ctx_t *ctx, const Ketenbus__V1__CareAssignment *c, const PGresult *tw,
           const char *message_id)
{
    zorg_monitor_region_t r;
    memset (&r, 0, sizeof r);
    zorg_monitor_region_set (&r, PQgetvalue (tw, 0, 1), PQgetvalue (tw, 0, 2));
    char today[11];
    kb_date_today (today);
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    bool stop = c->action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP;
    ev.event_type = c->action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN
                        ? KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_CARE_ASSIGNED
                    : stop ? KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_CARE_STOPPED
                           : KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_CARE_STARTED;
    ev.item_ref = c->toewijzing_id;
    ev.person_pseudonym = PQgetvalue (tw, 0, 0);
    ev.wet = (Ketenbus__V1__Wet) atoi (PQgetvalue (tw, 0, 3));
    ev.product_category = PQgetvalue (tw, 0, 4);
    ev.pyramid_level = (Ketenbus__V1__PyramidLevel) atoi (PQgetvalue (tw, 0, 5));
    long long volume = atoll (PQgetvalue (tw, 0, 6));
    ev.volume = volume > 0 && volume <= UINT32_MAX ? (uint32_t) volume : 0;
    ev.unit = (Ketenbus__V1__VolumeUnit) atoi (PQgetvalue (tw, 0, 7));
    ev.frequency = (Ketenbus__V1__VolumeFrequency) atoi (PQgetvalue (tw, 0, 8));
    ev.cost_cents = atoll (PQgetvalue (tw, 0, 9));
    ev.org = PQgetvalue (tw, 0, 10);
    ev.start_date = PQgetvalue (tw, 0, 11);
    ev.end_date = PQgetvalue (tw, 0, 12);
    if (stop)
        ev.care_stop_reason = (Ketenbus__V1__CareStopReason) atoi (PQgetvalue (tw, 0, 13));
    const char *date = stop ? ev.end_date : ev.start_date;
    ev.event_date = (char *) (*date ? date : today);
    return zorg_monitor_emit (ctx, &ev, &r, message_id);
}

/* A toewijzing is the decision of a gemeente or of the person's regisseur;
   intake lets care partners send one, this is where the regisseur is known. */
static kb_db_rc_t
s_check_assigner (zorg_ctx_t *ctx, const Ketenbus__V1__CareAssignment *c, const char *org,
                  const char **why)
{
    kb_db_rc_t rc = KB_DB_OK;
    char gemeente[12];
    snprintf (gemeente, sizeof gemeente, "%d", (int) KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE);
    const char *v[3] = { org ? org : "", s_opt (c->pseudonym), gemeente };
    PGresult *res = zorg_store_run (ctx->db, "zorg_tw_may_assign", 3, v, &rc);
    if (!res)
        return rc;
    if (PQntuples (res) != 1 || strcmp (PQgetvalue (res, 0, 0), "t") != 0)
        *why = "not_gemeente_or_regisseur";
    PQclear (res);
    return KB_DB_OK;
}

kb_db_rc_t
zorg_care_apply (zorg_ctx_t *ctx, const Ketenbus__V1__CareAssignment *c, const char *message_id,
                 const char *via_org, const char **refusal)
{
    kb_db_rc_t rc = KB_DB_OK;
    const char *why = s_check (c);
    const char *id = c->toewijzing_id ? c->toewijzing_id : "";
    char status[16] = "";
    char provider[ZORG_ORG_MAX + 1] = "";
    PGresult *tw = NULL; /* the toewijzing after the change */
    if (!why) {
        PGresult *res = zorg_store_run (ctx->db, "zorg_tw_get", 1, (const char *[]){ id }, &rc);
        if (!res)
            return rc;
        if (PQntuples (res) == 1) {
            snprintf (status, sizeof status, "%s", PQgetvalue (res, 0, 0));
            snprintf (provider, sizeof provider, "%s", PQgetvalue (res, 0, 1));
        }
        PQclear (res);
    }
    /* only the provider named in the toewijzing reports its start and stop */
    if (!why && *status && c->action != KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN
        && (!*provider || !c->provider_org || strcmp (c->provider_org, provider) != 0))
        why = "not_the_provider";
    const char *event = "toewijzing.rejected";
    if (!why && c->action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN) {
        if (*status)
            why = "already_assigned";
        else if ((rc = s_check_assigner (ctx, c, via_org, &why)) != KB_DB_OK)
            return rc;
        if (!why) {
            char wet[12], level[12], volume[24], unit[12], freq[12], budget[24];
            snprintf (wet, sizeof wet, "%d", (int) c->wet);
            snprintf (level, sizeof level, "%d", (int) c->pyramid_level);
            snprintf (volume, sizeof volume, "%u", (unsigned) c->volume);
            snprintf (unit, sizeof unit, "%d", (int) c->unit);
            snprintf (freq, sizeof freq, "%d", (int) c->frequency);
            snprintf (budget, sizeof budget, "%lld", (long long) c->budget_cents);
            const char *v[17] = { id, c->pseudonym ? c->pseudonym : "",
                                  c->partner_case_ref ? c->partner_case_ref : "",
                                  c->gemeente_code ? c->gemeente_code : "", c->gebied ? c->gebied : "",
                                  wet, c->product_category, c->product_code ? c->product_code : "",
                                  level, volume, unit, freq, budget,
                                  c->provider_org ? c->provider_org : "",
                                  c->assigning_org ? c->assigning_org : "", s_opt (c->start_date),
                                  s_opt (c->end_date) };
            if (!(tw = zorg_store_run (ctx->db, "zorg_tw_insert", 17, v, &rc)))
                return rc;
            event = "toewijzing.assigned";
            if (s_opt (c->provider_org)
                && (rc = s_send_to_provider (ctx, c, message_id)) != KB_DB_OK)
                goto done;
        }
    }
    else if (!why && c->action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_START) {
        if (!*status)
            why = "start_without_assign";
        else if (strcmp (status, "assigned") != 0)
            why = "already_started";
        else {
            const char *v[3] = { id, s_opt (c->start_date), s_opt (c->end_date) };
            if (!(tw = zorg_store_run (ctx->db, "zorg_tw_start", 3, v, &rc)))
                return rc;
            event = "toewijzing.started";
        }
    }
    else if (!why && c->action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP) {
        if (strcmp (status, "started") != 0)
            why = strcmp (status, "stopped") == 0 ? "already_stopped" : "stop_without_start";
        else {
            char reason[12];
            snprintf (reason, sizeof reason, "%d", (int) c->stop_reason);
            const char *v[3] = { id, reason, s_opt (c->end_date) };
            if (!(tw = zorg_store_run (ctx->db, "zorg_tw_stop", 3, v, &rc)))
                return rc;
            event = "toewijzing.stopped";
        }
    }
    char action[12];
    snprintf (action, sizeof action, "%d", (int) c->action);
    const char *ev[6] = { id, action, message_id, via_org ? via_org : "", why ? "rejected" : "applied",
                          why ? why : "" };
    if ((rc = kb_db_run_cmd (ctx->db, "zorg_tw_event", 6, ev, NULL, NULL)) != KB_DB_OK)
        goto done;
    if (why) {
        kb_info ("toewijzing refused message_id=\"%s\" reason=%s", message_id, why);
        *refusal = why;
    }
    rc = zorg_store_audit (ctx, via_org && *via_org ? via_org : NULL, NULL, event, why ? 'E' : 'U',
                           s_opt (c->pseudonym), why ? why : NULL, why ? "rejected" : "applied");
    if (rc == KB_DB_OK && !why && tw && PQntuples (tw) == 1)
        rc = s_monitor (ctx, c, tw, message_id);
done:
    PQclear (tw);
    return rc;
}
