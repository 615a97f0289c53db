/*  intake_validate - field rules for partner messages. */
#include "intake_validate.h"
#include "ketenbus/kb_validate.h"

#include <stdio.h>
#include <string.h>

static bool
s_reject (intake_reject_t *r, const char *code, const char *field, const char *rule)
{
    snprintf (r->code, sizeof r->code, "%s", code);
    snprintf (r->field, sizeof r->field, "%s", field);
    snprintf (r->rule, sizeof r->rule, "%s", rule);
    return false;
}

/* Care and safety partners: they signal, can hold regie and deliver care. */
static bool
s_care_partner (int org_type)
{
    return org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG
           || org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIGHEIDSHUIS
           || org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_GGD_VANGNET
           || org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_MAATSCHAPPELIJKE_OPVANG
           || org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_VROUWENOPVANG
           || org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM
           || org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIG_THUIS;
}

/* Who may deliver a voorziening (and so report its start and stop). */
static bool
s_provider (int org_type)
{
    return org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_ZORGAANBIEDER || s_care_partner (org_type);
}

bool
intake_validate_may_send_care (int org_type, Ketenbus__V1__CareAction action)
{
    switch (action) {
    case KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN:
        /* the toewijzing is a decision of the gemeente */
        return org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE;
    case KETENBUS__V1__CARE_ACTION__CARE_ACTION_START:
    case KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP:
        /* only the provider reports start and stop; that the sender is the
           provider named in the message is checked with the fields */
        return s_provider (org_type);
    default:
        return false;
    }
}

bool
intake_validate_may_send (int org_type, Ketenbus__V1__Envelope__BodyCase body)
{
    switch (body) {
    case KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL:
        /* every care and safety partner signals; the ketencoördinator,
           a gemeente back-office and providers do not */
        return s_care_partner (org_type);
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST:
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE:
    case KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED:
        /* regie is held by care and safety partners only (the regisseur
           rules name no other type); whether the sender holds regie of
           this plan is zorgtoewijzing's check */
        return s_care_partner (org_type);
    case KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT:
        return intake_validate_may_send_care (org_type, KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN)
               || intake_validate_may_send_care (org_type, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START);
    case KETENBUS__V1__ENVELOPE__BODY_REPLAY:
    case KETENBUS__V1__ENVELOPE__BODY_DELIVERY_ACK:
        /* every partner has a mailbox */
        return org_type > 0;
    default:
        return false;
    }
}

bool
intake_validate_accepted (Ketenbus__V1__Envelope__BodyCase body)
{
    switch (body) {
    case KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL:
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST:
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE:
    case KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT:
    case KETENBUS__V1__ENVELOPE__BODY_REPLAY:
    case KETENBUS__V1__ENVELOPE__BODY_DELIVERY_ACK:
        return true;
    case KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED:
        /* validated (intake_validate_plan_registered) but not accepted yet:
           zorgtoewijzing does not apply PlanRegistered and would dead-letter
           every one. Accept it here once zorg_handlers.c handles it. */
        return false;
    default:
        return false;
    }
}

bool
intake_validate_envelope (const kb_envelope_t *env, int sender_org_type, intake_reject_t *reject)
{
    if (!env->message_id || !*env->message_id)
        return s_reject (reject, INTAKE_RC_REQUIRED, "message_id", "message id is required");
    if (!kb_validate_message_id (env->message_id))
        return s_reject (reject, INTAKE_RC_MESSAGE_ID, "message_id",
                         "message id must be a lower-case UUID (8-4-4-4-12 hex)");
    if (env->correlation_id && *env->correlation_id
        && !kb_validate_message_id (env->correlation_id))
        return s_reject (reject, INTAKE_RC_MESSAGE_ID, "correlation_id",
                         "correlation id must be empty or a lower-case UUID");
    if (!intake_validate_accepted (env->body_case))
        return s_reject (reject, INTAKE_RC_UNSUPPORTED, kb_codec_body_name (env),
                         "this message type is not accepted by intake in this version");
    if (!intake_validate_may_send (sender_org_type, env->body_case))
        return s_reject (reject, INTAKE_RC_NOT_ALLOWED, kb_codec_body_name (env),
                         "this organisation type may not send this message");
    return true;
}

static bool
s_bsn (const char *bsn, const char *field, intake_reject_t *r)
{
    if (!bsn || !*bsn)
        return s_reject (r, INTAKE_RC_REQUIRED, field, "bsn is required");
    if (!kb_validate_bsn (bsn))
        return s_reject (r, INTAKE_RC_BSN, field,
                         "bsn must be 9 digits, pass the elfproef and not be 000000000");
    return true;
}

static bool
s_past_date (const char *date, const char *field, int max_years, const intake_validate_ctx_t *ctx,
             intake_reject_t *r)
{
    if (!date || !*date)
        return s_reject (r, INTAKE_RC_REQUIRED, field, "date is required");
    switch (kb_validate_past_date (date, ctx->today_days, max_years)) {
    case KB_DATE_OK:
        return true;
    case KB_DATE_MALFORMED:
        return s_reject (r, INTAKE_RC_DATE, field, "must be a calendar date YYYY-MM-DD");
    case KB_DATE_IN_FUTURE:
        return s_reject (r, INTAKE_RC_DATE_FUTURE, field, "date lies in the future");
    case KB_DATE_TOO_OLD:
        return s_reject (r, INTAKE_RC_DATE_OLD, field, "date lies implausibly far in the past");
    }
    return s_reject (r, INTAKE_RC_DATE, field, "invalid date");
}

static bool
s_person (const Ketenbus__V1__Person *p, const char *prefix, bool need_role,
          const intake_validate_ctx_t *ctx, intake_reject_t *r)
{
    char field[64];
    if (!p) {
        return s_reject (r, INTAKE_RC_REQUIRED, prefix, "person is required");
    }
    snprintf (field, sizeof field, "%s.bsn", prefix);
    if (!s_bsn (p->bsn, field, r))
        return false;
    snprintf (field, sizeof field, "%s.birth_date", prefix);
    if (!s_past_date (p->birth_date, field, 120, ctx, r))
        return false;
    snprintf (field, sizeof field, "%s.role", prefix);
    if ((need_role || p->role != 0)
        && !kb_codec_enum_known (&ketenbus__v1__household_role__descriptor, (int) p->role))
        return s_reject (r, INTAKE_RC_ENUM, field, "unknown household role");
    return true;
}

bool
intake_validate_case_signal (const Ketenbus__V1__CaseSignal *s, const intake_validate_ctx_t *ctx,
                             intake_reject_t *r)
{
    const char *f;
    f = "case_signal.partner_case_ref";
    if (!s->partner_case_ref || !*s->partner_case_ref)
        return s_reject (r, INTAKE_RC_REQUIRED, f, "partner case reference is required");
    if (!kb_validate_text (s->partner_case_ref, 1, 64))
        return s_reject (r, INTAKE_RC_TEXT, f, "must be 1..64 bytes of valid UTF-8 without control characters");
    if (!s_person (s->subject, "case_signal.subject", false, ctx, r))
        return false;
    if (s->n_household > INTAKE_MAX_HOUSEHOLD)
        return s_reject (r, INTAKE_RC_LIMIT, "case_signal.household", "at most 20 household members");
    for (size_t i = 0; i < s->n_household; i++) {
        char prefix[48];
        snprintf (prefix, sizeof prefix, "case_signal.household[%zu]", i);
        if (!s_person (s->household[i], prefix, true, ctx, r))
            return false;
    }
    f = "case_signal.categories";
    if (s->n_categories == 0)
        return s_reject (r, INTAKE_RC_REQUIRED, f, "at least one category is required");
    if (s->n_categories > INTAKE_MAX_CATEGORIES)
        return s_reject (r, INTAKE_RC_LIMIT, f, "at most 8 categories");
    for (size_t i = 0; i < s->n_categories; i++)
        if (!kb_codec_enum_known (&ketenbus__v1__category__descriptor, (int) s->categories[i]))
            return s_reject (r, INTAKE_RC_ENUM, f, "unknown category");
    if (!kb_codec_enum_known (&ketenbus__v1__urgency__descriptor, (int) s->urgency))
        return s_reject (r, INTAKE_RC_ENUM, "case_signal.urgency", "unknown or missing urgency");
    f = "case_signal.gemeente_code";
    if (!s->gemeente_code || !*s->gemeente_code)
        return s_reject (r, INTAKE_RC_REQUIRED, f, "gemeente code is required");
    if (!kb_validate_gemeente_code_format (s->gemeente_code))
        return s_reject (r, INTAKE_RC_GEMEENTE, f, "gemeente code must be a 4-digit CBS code");
    bool known = false;
    for (int i = 0; i < ctx->ngemeenten && !known; i++)
        known = strcmp (ctx->gemeenten[i], s->gemeente_code) == 0;
    if (!known)
        return s_reject (r, INTAKE_RC_GEMEENTE, f, "gemeente code is not part of this region");
    f = "case_signal.postcode";
    if (!s->postcode || !*s->postcode) {
        /* a homeless person may have no postcode */
        if (s->housing != KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS)
            return s_reject (r, INTAKE_RC_REQUIRED, f, "postcode is required unless housing is dakloos");
    }
    else if (!kb_validate_postcode (s->postcode, NULL))
        return s_reject (r, INTAKE_RC_POSTCODE, f, "must be a Dutch postcode such as 1234AB");
    if (s->gebied && *s->gebied && !kb_validate_text (s->gebied, 1, 64))
        return s_reject (r, INTAKE_RC_TEXT, "case_signal.gebied", "must be 1..64 bytes of valid UTF-8");
    if (!kb_codec_enum_known (&ketenbus__v1__housing_situation__descriptor, (int) s->housing))
        return s_reject (r, INTAKE_RC_ENUM, "case_signal.housing", "unknown or missing housing situation");
    if (!s_past_date (s->signal_date, "case_signal.signal_date", 2, ctx, r))
        return false;
    if (s->contact_name && *s->contact_name && !kb_validate_text (s->contact_name, 1, 100))
        return s_reject (r, INTAKE_RC_TEXT, "case_signal.contact_name", "must be 1..100 bytes of valid UTF-8");
    if (s->contact_phone && !kb_validate_phone (s->contact_phone))
        return s_reject (r, INTAKE_RC_TEXT, "case_signal.contact_phone", "must be 6..20 digits, '+', '-' or spaces");
    return true;
}
