/*  zorg_monitor - zorgtoewijzing's MonitoringEvents (SIGNAL_RECEIVED,
    MATCH_NOTIFIED, REGIE_*, PLAN_REGISTERED, CARE_*, SHARE_*, CONSENT_*,
    ESCALATION_RESOLVED). They go on zorgtoewijzing's link to
    client-tracking (outbox stream "tracking:m:<gezin, person or item>",
    in the caller's transaction), which relays them unchanged to
    monitoring. Only pseudonyms, references, organisation ids, codes,
    dates, numbers and enums: never a BSN, a name, a contact, a
    justification or other free text. The fields per event type follow the
    comments on MonitoringEventType in proto/ketenbus/v1/ketenbus.proto. */
#ifndef ZORG_MONITOR_H_INCLUDED
#define ZORG_MONITOR_H_INCLUDED

#include <stdbool.h>
#include "zorg_store.h"

/* Stream prefix of the events inside the "tracking:" streams. */
#define ZORG_MONITOR_STREAM "m:"

/* A gezin's reference, region (gebied as a code, see
   kb_validate_gebied_code) and first signal date ("" when unknown). */
typedef struct {
    char gezin_ref[KB_UUID_LEN + 1];
    char gemeente_code[8];
    char gebied[ZORG_GEBIED_MAX + 1];
    char first_signal_date[11];
} zorg_monitor_region_t;

/* Fills r from a gemeente code and a gebied name (normalised to a code;
   a CBS code that is not 4 digits is left out). */
void zorg_monitor_region_set (zorg_monitor_region_t *r, const char *gemeente_code,
                              const char *gebied);

/* The region of gezin_id, or of the gezin of a person; *found false when
   there is none (r is then empty). */
kb_db_rc_t zorg_monitor_gezin (kb_db_t *db, long gezin_id, zorg_monitor_region_t *r, bool *found);
kb_db_rc_t zorg_monitor_person (kb_db_t *db, const char *pseudonym, zorg_monitor_region_t *r,
                                bool *found);

/* Queues ev (event_type and its fields set by the caller; region copied
   from r when r is not NULL and ev has none) with occurred_at_ms = now
   on the stream of its gezin, else person, else item. */
kb_db_rc_t zorg_monitor_emit (zorg_ctx_t *ctx, Ketenbus__V1__MonitoringEvent *ev,
                              const zorg_monitor_region_t *r, const char *correlation_id);

/* REGIE_ESCALATED for an escalation just opened, or ESCALATION_RESOLVED
   for one just decided (plus nothing else): what they name is read from
   the escalation, its gezin, plan and transfer. */
kb_db_rc_t zorg_monitor_escalation (zorg_ctx_t *ctx, const char *escalation_id, bool resolved,
                                    const char *correlation_id);

#endif
