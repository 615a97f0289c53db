/*  zorg_plan - 1 gezin 1 plan 1 regisseur: the plan and its regisseur,
    RegieAssignments, "hogere regie", transfers, their deadline and the
    ketencoordinator's escalations. The database enforces one active plan
    per gezin (partial unique index plan_one_active_per_gezin). Writes run in
    the caller's transaction except zorg_escalation_decide, which is one
    transaction of its own (ketenctl). */
#ifndef ZORG_PLAN_H_INCLUDED
#define ZORG_PLAN_H_INCLUDED

#include <stddef.h>
#include "zorg_store.h"

/* After the sender's involvement was recorded (view read after that): a
   new plan chosen by the rules, or the existing regisseur made known to a
   newly involved org, a transfer proposal for an acute signal ("hogere
   regie"), the POT, and the match of a newly involved organisation. */
/* A POT's trajectory id in client-tracking: "pot-" and 32 hex digits of a
   hash of the person's pseudonym (one POT per person; the id reveals
   nothing more). Public so that the region simulator, which knows the
   regional key, can report on the POTs it caused. */
#define ZORG_POT_ID_LEN 36
void zorg_plan_pot_trajectory_id (const char *pseudonym, char out[ZORG_POT_ID_LEN + 1]);

kb_db_rc_t zorg_plan_on_signal (zorg_ctx_t *ctx, zorg_gezin_view_t *view,
                                const Ketenbus__V1__StoredSignal *signal, bool new_involvement,
                                const char *correlation_id);

/* RegieAssignment for plan with basis to every involved organisation and
   the regisseur (only_org non-NULL: to that organisation only). */
kb_db_rc_t zorg_plan_broadcast (zorg_ctx_t *ctx, const zorg_plan_row_t *plan,
                                const char *gezin_ref, int basis, const char *transfer_id,
                                const char *previous_regisseur, const char *only_org,
                                const char *correlation_id);
/* The same to the involved organisations inv[0..n-1] the caller read. */
kb_db_rc_t zorg_plan_broadcast_to (zorg_ctx_t *ctx, const zorg_plan_row_t *plan,
                                   const char *gezin_ref, int basis, const char *transfer_id,
                                   const char *previous_regisseur, const char *only_org,
                                   const zorg_involved_t *inv, int n, const char *correlation_id);

/* A regisseur asks to hand over regie. A request that cannot be honoured
   (not the regisseur, unknown plan or recipient, transfer already pending)
   is refused deterministically: audited, no effect, *refusal set. */
kb_db_rc_t zorg_plan_transfer_request (zorg_ctx_t *ctx, const Ketenbus__V1__RegieTransferRequest *req,
                                       const char *correlation_id, const char **refusal);
/* The proposed organisation answers; ACCEPTED moves regie, REJECTED escalates. */
kb_db_rc_t zorg_plan_transfer_response (zorg_ctx_t *ctx,
                                        const Ketenbus__V1__RegieTransferResponse *resp,
                                        const char *correlation_id, const char **refusal);
/* Marks pending transfers past their deadline timed out, escalates them
   and tells both organisations of each (RegieTransferEnded TIMED_OUT), at
   most max per call; *count says how many. */
kb_db_rc_t zorg_plan_expire_transfers (zorg_ctx_t *ctx, int max, int *count);
/* Cancels the pending transfers of plan_id, which a merge conflict or the
   ketencoordinator's decision made moot, with one audit row each
   (transfer.cancelled: subject gezin_ref, reason the receiving
   organisation, actor actor_org/actor_user, NULL: zorgtoewijzing), and
   tells both organisations of each (RegieTransferEnded with end). A
   later answer is refused as transfer_not_pending. */
kb_db_rc_t zorg_plan_cancel_transfers (zorg_ctx_t *ctx, long plan_id, const char *gezin_ref,
                                       Ketenbus__V1__TransferEnd end, const char *actor_org,
                                       const char *actor_user, const char *correlation_id);

/* Closes plan, merged into its gezin's other plan (plan->gezin_id and
   gezin_ref: the gezin it belongs to now): its pending transfers are
   cancelled and both organisations of each told (RegieTransferEnded
   PLAN_CLOSED), and the closing is audited (plan.closed: subject
   gezin_ref, reason the plan's ref, actor actor_org/actor_user, NULL:
   zorgtoewijzing). */
kb_db_rc_t zorg_plan_close_merged (zorg_ctx_t *ctx, const zorg_plan_row_t *plan,
                                   const char *gezin_ref, const char *actor_org,
                                   const char *actor_user, const char *correlation_id);

/* The ketencoordinator decides an open escalation: regisseur_org (an active
   partner of a type that can hold regie) gets regie of the gezin's plan,
   every involved organisation gets a RegieAssignment (ESCALATION_DECISION),
   a plan left merge_pending is closed (zorg_plan_close_merged), the
   escalation is closed and everything is audited, in one transaction on db
   (connected to the zorgtoewijzing schema; statements are prepared here).
   Returns ZORG_OK, ZORG_ERR_NOT_FOUND (no such open escalation),
   ZORG_ERR_INVALID (regisseur unknown, inactive or of a type
   that cannot hold regie: a gemeente, zorgaanbieder, ketencoordinator) or
   ZORG_ERR_DB, with a message in err. */
int zorg_escalation_decide (kb_db_t *db, const char *escalation_id, const char *regisseur_org,
                            const char *decided_by, char *err, size_t errlen);

/* The regisseur reports the plan as agreed with the gezin: version, date,
   casemanager. Only the plan's regisseur may; an older version than the
   one recorded changes nothing. *refusal is set for a business refusal. */
kb_db_rc_t zorg_plan_registered (zorg_ctx_t *ctx, const Ketenbus__V1__PlanRegistered *p,
                                 const char *message_id, const char **refusal);

#endif
