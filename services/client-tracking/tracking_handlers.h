/*  tracking_handlers - the link apply callback: decodes one envelope and
    applies TrajectoryUpdate, ShelterEpisode or SelfSufficiencyAssessment
    inside the receiver's transaction, so the effect, the inbox row, the
    MonitoringEvent in the outbox and the audit row commit together.

    A message that breaks a business rule (an illegal transition, an
    update naming another regisseur than the stored one, unless it comes
    from trajectory/regie_source, an
    uitstroom before its instroom, a repeated assessment id) is refused:
    audited with its reason code, logged, acknowledged, without effect and
    without blocking its stream. A message that is structurally unusable
    (undecodable, another body, no id, no person) is KB_LINK_POISON and
    ends in the dead letters with its reason after link/max_attempts. */
#ifndef TRACKING_HANDLERS_H_INCLUDED
#define TRACKING_HANDLERS_H_INCLUDED

#include "ketenbus/kb_link.h"
#include "tracking_store.h"

/* Largest envelope accepted on the link. */
#define TRACKING_MAX_MESSAGE_BYTES (1024 * 1024)

/* kb_link_apply_fn; arg is a tracking_ctx_t *. */
int tracking_handlers_apply (kb_db_t *db,
                             const char *sender,
                             const char *stream,
                             const char *message_id,
                             const void *payload,
                             size_t len,
                             void *arg,
                             char *reason_buf,
                             size_t reason_len);

#endif
