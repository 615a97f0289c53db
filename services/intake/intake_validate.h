/*  intake_validate - every field of a partner message checked before
    anything is stored. Pure: no I/O, today's date and the region are given. */
#ifndef INTAKE_VALIDATE_H_INCLUDED
#define INTAKE_VALIDATE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include "intake_reject.h"
#include "ketenbus/kb_codec.h"

#define INTAKE_MAX_HOUSEHOLD 20
#define INTAKE_MAX_CATEGORIES 8

typedef struct {
    int32_t today_days;            /* days since 1970-01-01, UTC */
    const char *const *gemeenten;  /* CBS codes of the configured region */
    int ngemeenten;
} intake_validate_ctx_t;

/* Envelope-level checks (message id format, body type allowed for the
   sender's organisation type). Returns true when valid, else fills *reject. */
bool intake_validate_envelope (const kb_envelope_t *env, int sender_org_type,
                               intake_reject_t *reject);
/* CaseSignal field checks. */
bool intake_validate_case_signal (const Ketenbus__V1__CaseSignal *signal,
                                  const intake_validate_ctx_t *ctx, intake_reject_t *reject);
/* May this organisation type send this body? */
bool intake_validate_may_send (int org_type, Ketenbus__V1__Envelope__BodyCase body);

#endif
