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

#define INTAKE_MAX_INVOLVED_ORGS 20
#define INTAKE_MAX_DATA_CATEGORIES 13       /* every DataCategory once */
#define INTAKE_MAX_JUSTIFICATION_CHARS 2000
/* A ShareResponse's sealed payload: a libsodium sealed box (48 bytes of
   overhead) of at most 256 KiB; intake/max_message_bytes must be larger
   for payloads near the limit (the default frame limit is 64 KiB). */
#define INTAKE_SEALED_OVERHEAD 48
#define INTAKE_MAX_SEALED_BYTES (256 * 1024)
#define INTAKE_MAX_TRACKING_ID 64           /* trajectory, episode, assessment ids */
#define INTAKE_MAX_LIFE_DOMAINS 8           /* every LifeDomain once */

/* The partner registry as validation sees it: the organisation type of an
   active partner, 0 when org is unknown or revoked. */
typedef int (intake_validate_org_fn) (void *arg, const char *org);

typedef struct {
    int32_t today_days;            /* the local date, days since 1970-01-01 (kb_date_today_days) */
    const char *const *gemeenten;  /* CBS codes of the configured region */
    int ngemeenten;
    intake_validate_org_fn *org_type_of;  /* NULL: named organisations are
                                             checked for their format only */
    void *org_arg;
} intake_validate_ctx_t;

/* The authenticated sender (from its CURVE key, never from the payload). */
typedef struct {
    const char *org;
    int org_type;
} intake_sender_t;

/* Envelope-level checks (message id format, body type allowed for the
   sender's organisation type). Returns true when valid, else fills *reject. */
bool intake_validate_envelope (const kb_envelope_t *env, int sender_org_type,
                               intake_reject_t *reject);
/* CaseSignal field checks. */
bool intake_validate_case_signal (const Ketenbus__V1__CaseSignal *signal,
                                  const intake_validate_ctx_t *ctx, intake_reject_t *reject);
/* May this organisation type send this body? For CareAssignment this is
   true when the type may send at least one action; see
   intake_validate_may_send_care for the action. */
bool intake_validate_may_send (int org_type, Ketenbus__V1__Envelope__BodyCase body);
/* May this organisation type send this CareAssignment action? ASSIGN: a
   gemeente only; START, STOP: the provider, a zorgaanbieder or a care
   partner (never a gemeente or the ketencoordinator). */
bool intake_validate_may_send_care (int org_type, Ketenbus__V1__CareAction action);
/* Does intake accept this body from partners at all (else KB20)? */
bool intake_validate_accepted (Ketenbus__V1__Envelope__BodyCase body);

/* SatisfactionMeasurement (every partner but the ketencoordinator):
   measurement_id 1..64 printable ASCII without spaces, score 1..10,
   measured_date not in the future (at most 5 years ago), a gemeente of
   the region, wet set; gebied (1..64), toewijzing_id (an id) and bsn
   (then pseudonymised) optional. */
bool intake_validate_satisfaction (const Ketenbus__V1__SatisfactionMeasurement *measurement,
                                   const intake_sender_t *sender, const intake_validate_ctx_t *ctx,
                                   intake_reject_t *reject);

/*  Bodies intake forwards to zorgtoewijzing. Each checks every field and the
    fields intake fills from the authenticated sender (they must be empty or
    name the sender). Nothing is changed: the caller completes a copy. */
bool intake_validate_transfer_request (const Ketenbus__V1__RegieTransferRequest *req,
                                       const intake_sender_t *sender,
                                       const intake_validate_ctx_t *ctx, intake_reject_t *reject);
bool intake_validate_transfer_response (const Ketenbus__V1__RegieTransferResponse *resp,
                                        const intake_sender_t *sender,
                                        const intake_validate_ctx_t *ctx, intake_reject_t *reject);
bool intake_validate_plan_registered (const Ketenbus__V1__PlanRegistered *plan,
                                      const intake_sender_t *sender,
                                      const intake_validate_ctx_t *ctx, intake_reject_t *reject);
bool intake_validate_care_assignment (const Ketenbus__V1__CareAssignment *care,
                                      const intake_sender_t *sender,
                                      const intake_validate_ctx_t *ctx, intake_reject_t *reject);
/* Consent and shares (issue 5): any partner type except the
   ketencoordinator may send them (intake_validate_may_send). */
bool intake_validate_consent_grant (const Ketenbus__V1__ConsentGrant *grant,
                                    const intake_sender_t *sender,
                                    const intake_validate_ctx_t *ctx, intake_reject_t *reject);
bool intake_validate_consent_withdraw (const Ketenbus__V1__ConsentWithdraw *withdraw,
                                       const intake_sender_t *sender,
                                       const intake_validate_ctx_t *ctx, intake_reject_t *reject);
bool intake_validate_share_request (const Ketenbus__V1__ShareRequest *request,
                                    const intake_sender_t *sender,
                                    const intake_validate_ctx_t *ctx, intake_reject_t *reject);
bool intake_validate_share_response (const Ketenbus__V1__ShareResponse *response,
                                     const intake_sender_t *sender,
                                     const intake_validate_ctx_t *ctx, intake_reject_t *reject);
/* Client tracking (forwarded to client-tracking): TrajectoryUpdate and
   SelfSufficiencyAssessment from the care and safety partners,
   ShelterEpisode from the shelters. A person is named by bsn (never a
   pseudonym); regisseur_org must be empty or the sender, to_org empty. */
bool intake_validate_trajectory_update (const Ketenbus__V1__TrajectoryUpdate *update,
                                        const intake_sender_t *sender,
                                        const intake_validate_ctx_t *ctx, intake_reject_t *reject);
bool intake_validate_shelter_episode (const Ketenbus__V1__ShelterEpisode *episode,
                                      const intake_sender_t *sender,
                                      const intake_validate_ctx_t *ctx, intake_reject_t *reject);
bool intake_validate_assessment (const Ketenbus__V1__SelfSufficiencyAssessment *assessment,
                                 const intake_sender_t *sender,
                                 const intake_validate_ctx_t *ctx, intake_reject_t *reject);
/* Dispatches to the body's check (CaseSignal included); false with
   INTAKE_RC_UNSUPPORTED for a body without one. */
bool intake_validate_body (const kb_envelope_t *env, const intake_sender_t *sender,
                           const intake_validate_ctx_t *ctx, intake_reject_t *reject);

#endif
