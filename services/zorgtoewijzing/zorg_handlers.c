/*  zorg_handlers - dispatch of link messages. */
#include "zorg_handlers.h"
#include "zorg_care.h"
#include "zorg_consent.h"
#include "zorg_gezin.h"
#include "zorg_plan.h"
#include "zorg_share.h"

#include "ketenbus/kb_log.h"

#include <stdio.h>
#include <string.h>

static bool
s_set (const char *s)
{
    return s && *s;
}

/* A deterministic business refusal: audited, no effect, the stream goes on. */
static kb_db_rc_t
s_refused (zorg_ctx_t *ctx, const char *event, const char *actor, const char *why,
           const char *message_id)
{
    kb_info ("message refused event=%s reason=%s message_id=\"%s\"", event, why, message_id);
    return zorg_store_audit (ctx, s_set (actor) ? actor : NULL, NULL, event, 'E', NULL, why,
                             "refused");
}

/* The organisation whose message was refused hears it in its mailbox: a
   Reject with its own message id (intake forwards it as the correlation
   id), KB30 and the refusal's key as the rule - it got an Ack at the door,
   which only said the message was taken in. */
static kb_db_rc_t
s_tell_sender (zorg_ctx_t *ctx, const kb_envelope_t *env, const char *to_org, const char *why)
{
    if (!s_set (to_org))
        return KB_DB_OK;
    Ketenbus__V1__Reject r = KETENBUS__V1__REJECT__INIT;
    r.message_id = (char *) (s_set (env->correlation_id) ? env->correlation_id : "");
    r.code = (char *) ZORG_RC_REFUSED;
    r.field = (char *) kb_codec_body_name (env);
    r.rule = (char *) why;
    r.to_org = (char *) to_org;
    kb_envelope_t out = KETENBUS__V1__ENVELOPE__INIT;
    out.body_case = KETENBUS__V1__ENVELOPE__BODY_REJECT;
    out.reject = &r;
    return zorg_store_send (ctx, to_org, &out, r.message_id);
}

int
zorg_handlers_apply (kb_db_t *db, const char *sender, const char *stream, const char *message_id,
                     const void *payload, size_t len, void *arg, char *reason_buf, size_t reason_len)
{
    (void) stream;
    zorg_ctx_t *ctx = arg;
    ctx->db = db;
    kb_envelope_t *env = NULL;
    kb_db_rc_t rc = KB_DB_OK;
    int result = 0;
    const char *refusal = NULL;
    kb_codec_rc_t crc = kb_codec_decode (payload, len, ZORG_MAX_MESSAGE_BYTES, &env);
    if (crc != KB_CODEC_OK) {
        snprintf (reason_buf, reason_len, "could not decode envelope: %s", kb_codec_rc_text (crc));
        return KB_LINK_POISON;
    }
    switch (env->body_case) {
        case KETENBUS__V1__ENVELOPE__BODY_STORED_SIGNAL: {
            const Ketenbus__V1__StoredSignal *s = env->stored_signal;
            if (!s_set (s->subject_pseudonym) || !s_set (s->sender_org) || !s_set (s->signal_ref)) {
                snprintf (reason_buf, reason_len, "stored signal without subject, sender or ref");
                result = KB_LINK_POISON;
                break;
            }
            rc = zorg_gezin_apply_signal (ctx, s, message_id);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_PARTNER_UPDATE:
            if (!s_set (env->partner_update->org_id)) {
                snprintf (reason_buf, reason_len, "partner update without org_id");
                result = KB_LINK_POISON;
                break;
            }
            rc = zorg_gezin_apply_partner (ctx, env->partner_update);
            break;
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST:
            rc = zorg_plan_transfer_request (ctx, env->regie_transfer_request, message_id, &refusal);
            if (rc == KB_DB_OK && refusal)
                rc = s_refused (ctx, "transfer.refused", env->regie_transfer_request->from_org,
                                refusal, message_id);
            if (rc == KB_DB_OK && refusal)
                rc = s_tell_sender (ctx, env, env->regie_transfer_request->from_org, refusal);
            break;
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE:
            rc = zorg_plan_transfer_response (ctx, env->regie_transfer_response, message_id, &refusal);
            if (rc == KB_DB_OK && refusal)
                rc = s_refused (ctx, "transfer.response_refused", env->regie_transfer_response->to_org,
                                refusal, message_id);
            if (rc == KB_DB_OK && refusal)
                rc = s_tell_sender (ctx, env, env->regie_transfer_response->to_org, refusal);
            break;
        case KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT: {
            /* the organisation that acted, as intake authenticated it */
            const Ketenbus__V1__CareAssignment *c = env->care_assignment;
            const char *actor = c->action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN
                                    ? c->assigning_org
                                    : c->provider_org;
            rc = zorg_care_apply (ctx, c, message_id, s_set (actor) ? actor : sender, &refusal);
            if (rc == KB_DB_OK && refusal)
                rc = s_tell_sender (ctx, env, actor, refusal);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED:
            rc = zorg_plan_registered (ctx, env->plan_registered, message_id, &refusal);
            if (rc == KB_DB_OK && refusal)
                rc = s_refused (ctx, "plan.register_refused", env->plan_registered->regisseur_org,
                                refusal, message_id);
            if (rc == KB_DB_OK && refusal)
                rc = s_tell_sender (ctx, env, env->plan_registered->regisseur_org, refusal);
            break;
        case KETENBUS__V1__ENVELOPE__BODY_CONSENT_GRANT: {
            const Ketenbus__V1__ConsentGrant *g = env->consent_grant;
            if (!s_set (g->consent_id) || !s_set (g->pseudonym) || !s_set (g->recorded_by_org)) {
                snprintf (reason_buf, reason_len, "consent grant without id, pseudonym or recorder");
                result = KB_LINK_POISON;
                break;
            }
            rc = zorg_consent_grant (ctx, g, message_id);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW: {
            const Ketenbus__V1__ConsentWithdraw *w = env->consent_withdraw;
            if (!s_set (w->consent_id) || !s_set (w->pseudonym) || !s_set (w->recorded_by_org)) {
                snprintf (reason_buf, reason_len, "consent withdraw without id, pseudonym or recorder");
                result = KB_LINK_POISON;
                break;
            }
            rc = zorg_consent_withdraw (ctx, w, message_id);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST: {
            const Ketenbus__V1__ShareRequest *q = env->share_request;
            if (!s_set (q->share_id) || !s_set (q->from_org) || !s_set (q->to_org)) {
                snprintf (reason_buf, reason_len, "share request without id, from_org or to_org");
                result = KB_LINK_POISON;
                break;
            }
            rc = zorg_share_request (ctx, q, message_id);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE: {
            const Ketenbus__V1__ShareResponse *r = env->share_response;
            if (!s_set (r->share_id) || !s_set (r->from_org) || !s_set (r->to_org)) {
                snprintf (reason_buf, reason_len, "share response without id, from_org or to_org");
                result = KB_LINK_POISON;
                break;
            }
            rc = zorg_share_response (ctx, r, message_id);
            break;
        }
        default:
            snprintf (reason_buf, reason_len, "unexpected body \"%s\" on the zorgtoewijzing link",
                      kb_codec_body_name (env));
            result = KB_LINK_POISON;
            break;
    }
    if (result == 0 && rc == KB_DB_RETRY)
        result = KB_LINK_RETRY;
    else if (result == 0 && rc != KB_DB_OK) {
        snprintf (reason_buf, reason_len, "could not apply %s sqlstate=%s", kb_codec_body_name (env),
                  kb_db_last_sqlstate (db));
        result = KB_LINK_POISON;
    }
    kb_codec_free (&env);
    return result;
}
