/*  intake_validate - field rules for partner messages. */
#include "intake_validate.h"
#include "ketenbus/kb_partner.h"
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

/* A BSN typed into free text or a reference (a case system's client number
   "CASE-123456782") would be stored, forwarded and shown in clear. The
   rule never quotes the value. */
#define S_RULE_BSN                                                                                 \
    "looks like a BSN (9 digits passing the elfproef): leave the BSN out of this field"

static bool
s_no_bsn (const char *s, const char *field, intake_reject_t *r)
{
    if (kb_validate_holds_bsn (s))
        return s_reject (r, INTAKE_RC_TEXT, field, S_RULE_BSN);
    return true;
}

/* A phone number: in international form (+31 6..., 0031 6...) nine digits
   after the country code are the normal shape of a Dutch number, about
   one in eleven of which passes the elfproef - not a BSN; a national
   number has ten digits, so a nine-digit run there is checked. */
static bool
s_phone_no_bsn (const char *s, const char *field, intake_reject_t *r)
{
    if (s && (s[0] == '+' || strncmp (s, "00", 2) == 0))
        return true;
    return s_no_bsn (s, field, r);
}

/* The shelters: they register instroom and uitstroom of their residents. */
static bool
s_shelter (int org_type)
{
    return org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_MAATSCHAPPELIJKE_OPVANG
           || org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_VROUWENOPVANG;
}

/* Who may deliver a voorziening (and so report its start and stop). */
static bool
s_provider (int org_type)
{
    return org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_ZORGAANBIEDER
           || kb_org_type_is_care_partner (org_type);
}

bool
intake_validate_may_send_care (int org_type, Ketenbus__V1__CareAction action)
{
    switch (action) {
    case KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN:
        /* the toewijzing is a decision of the gemeente or of the person's
           regisseur; regie is held by care partners only, and whether the
           sender holds regie over this person is zorgtoewijzing's check */
        return org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE
               || kb_org_type_is_care_partner (org_type);
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
        return kb_org_type_is_care_partner (org_type);
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST:
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE:
    case KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED:
        /* regie is held by care and safety partners only (the regisseur
           rules name no other type); whether the sender holds regie of
           this plan is zorgtoewijzing's check */
        return kb_org_type_is_care_partner (org_type);
    case KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT:
        return intake_validate_may_send_care (org_type, KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN)
               || intake_validate_may_send_care (org_type, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START);
    case KETENBUS__V1__ENVELOPE__BODY_CONSENT_GRANT:
    case KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW:
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST:
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE:
        /* every partner that works with residents records consent and
           shares: care partners, gemeenten and zorgaanbieders; the
           ketencoordinator reviews shares, it does not take part in them */
        return s_provider (org_type) || org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE;
    case KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE:
    case KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT:
        /* casework: the care and safety partners that hold regie and run
           trajectories; not a gemeente back-office, a zorgaanbieder (it
           reports its toewijzing) or the ketencoordinator */
        return kb_org_type_is_care_partner (org_type);
    case KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE:
        /* a stay in a shelter is registered by the shelter */
        return s_shelter (org_type);
    case KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT:
        /* cliëntervaringsonderzoek: the gemeente, the providers and the
           care partners that ask their clients; not the ketencoordinator */
        return s_provider (org_type) || org_type == KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE;
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
    case KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED:
    case KETENBUS__V1__ENVELOPE__BODY_CONSENT_GRANT:
    case KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW:
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST:
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE:
    case KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE:
    case KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE:
    case KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT:
    case KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT:
        return true;
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
    if (!s_no_bsn (s->partner_case_ref, f, r))
        return false;
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
    if (!s_no_bsn (s->gebied, "case_signal.gebied", r))
        return false;
    if (!kb_codec_enum_known (&ketenbus__v1__housing_situation__descriptor, (int) s->housing))
        return s_reject (r, INTAKE_RC_ENUM, "case_signal.housing", "unknown or missing housing situation");
    if (!s_past_date (s->signal_date, "case_signal.signal_date", 2, ctx, r))
        return false;
    if (s->contact_name && *s->contact_name && !kb_validate_text (s->contact_name, 1, 100))
        return s_reject (r, INTAKE_RC_TEXT, "case_signal.contact_name", "must be 1..100 bytes of valid UTF-8");
    if (!s_no_bsn (s->contact_name, "case_signal.contact_name", r))
        return false;
    if (s->contact_phone && !kb_validate_phone (s->contact_phone))
        return s_reject (r, INTAKE_RC_TEXT, "case_signal.contact_phone", "must be 6..20 digits, '+', '-' or spaces");
    return s_phone_no_bsn (s->contact_phone, "case_signal.contact_phone", r);
}

/*  Forwarded bodies */

static bool
s_set (const char *s)
{
    return s && *s;
}

/* UTF-8 characters of a string already checked to be valid UTF-8. */
static size_t
s_utf8_chars (const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        if (((unsigned char) *s & 0xC0) != 0x80)
            n++;
    return n;
}

/* 1..max bytes of valid UTF-8 without control characters. */
static bool
s_required_utf8 (const char *s, const char *field, size_t max, intake_reject_t *r)
{
    if (!s_set (s))
        return s_reject (r, INTAKE_RC_REQUIRED, field, "field is required");
    if (!kb_validate_text (s, 1, max)) {
        char rule[96];
        snprintf (rule, sizeof rule, "must be 1..%zu bytes of valid UTF-8 without control characters",
                  max);
        return s_reject (r, INTAKE_RC_TEXT, field, rule);
    }
    return true;
}

/* Free text or a reference a partner writes: valid UTF-8, and no BSN. */
static bool
s_required_text (const char *s, const char *field, size_t max, intake_reject_t *r)
{
    return s_required_utf8 (s, field, max, r) && s_no_bsn (s, field, r);
}

static bool
s_optional_text (const char *s, const char *field, size_t max, intake_reject_t *r)
{
    return !s_set (s) || s_required_text (s, field, max, r);
}

static bool
s_optional_phone (const char *s, const char *field, intake_reject_t *r)
{
    if (s && !kb_validate_phone (s))
        return s_reject (r, INTAKE_RC_TEXT, field, "must be 6..20 digits, '+', '-' or spaces");
    return s_phone_no_bsn (s, field, r);
}

static bool
s_required_uuid (const char *s, const char *field, intake_reject_t *r)
{
    if (!s_set (s))
        return s_reject (r, INTAKE_RC_REQUIRED, field, "field is required");
    if (!kb_validate_message_id (s))
        return s_reject (r, INTAKE_RC_MESSAGE_ID, field,
                         "must be a lower-case UUID (8-4-4-4-12 hex)");
    return true;
}

/* A value of desc other than *_UNSPECIFIED. */
static bool
s_required_enum (const ProtobufCEnumDescriptor *desc, int value, const char *field,
                 intake_reject_t *r)
{
    if (value == 0 || !kb_codec_enum_known (desc, value))
        return s_reject (r, INTAKE_RC_ENUM, field, "unknown or missing value");
    return true;
}

/* Unspecified (0) or a known value. */
static bool
s_optional_enum (const ProtobufCEnumDescriptor *desc, int value, const char *field,
                 intake_reject_t *r)
{
    return value == 0 || s_required_enum (desc, value, field, r);
}

/* An organisation id as the partner registry spells it:
   ^[a-z0-9][a-z0-9._-]{1,63}$ */
static bool
s_org_format (const char *s)
{
    size_t n = s ? strlen (s) : 0;
    if (n < 2 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                  || (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

/* A field intake fills from the authenticated sender: empty or the sender. */
static bool
s_sender_field (const char *s, const intake_sender_t *sender, const char *field,
                intake_reject_t *r)
{
    if (s_set (s) && (!sender->org || strcmp (s, sender->org) != 0))
        return s_reject (r, INTAKE_RC_BACKBONE_FIELD, field,
                         "set by the backbone from the sending organisation: leave it empty");
    return true;
}

/* Another organisation named in the body: well formed, an active partner
   (when the registry is known) of a type role accepts (role NULL: any),
   and not the sender when other is set. */
static bool
s_named_org (const char *org, const char *field, const intake_sender_t *sender, bool other,
             bool (*role) (int), const intake_validate_ctx_t *ctx, intake_reject_t *r)
{
    if (!s_org_format (org))
        return s_reject (r, INTAKE_RC_ORG, field, "must be an organisation id of the partner registry");
    if (other && sender->org && strcmp (org, sender->org) == 0)
        return s_reject (r, INTAKE_RC_ORG, field, "must name another organisation than the sender");
    if (!ctx->org_type_of)
        return true;
    int type = ctx->org_type_of (ctx->org_arg, org);
    if (type <= 0)
        return s_reject (r, INTAKE_RC_ORG, field, "organisation unknown or revoked");
    if (role && !role (type))
        return s_reject (r, INTAKE_RC_ORG, field, "organisation type cannot take this role");
    return true;
}

static bool
s_gemeente (const char *code, const char *field, const intake_validate_ctx_t *ctx,
            intake_reject_t *r)
{
    if (!kb_validate_gemeente_code_format (code))
        return s_reject (r, INTAKE_RC_GEMEENTE, field, "gemeente code must be a 4-digit CBS code");
    for (int i = 0; i < ctx->ngemeenten; i++)
        if (strcmp (ctx->gemeenten[i], code) == 0)
            return true;
    return s_reject (r, INTAKE_RC_GEMEENTE, field, "gemeente code is not part of this region");
}

/* A calendar date when set; *days (when not NULL) gets it, else is left. */
static bool
s_optional_date (const char *s, const char *field, int32_t *days, intake_reject_t *r)
{
    if (!s_set (s))
        return true;
    if (!kb_validate_date (s, days))
        return s_reject (r, INTAKE_RC_DATE, field, "must be a calendar date YYYY-MM-DD");
    return true;
}

bool
intake_validate_transfer_request (const Ketenbus__V1__RegieTransferRequest *q,
                                  const intake_sender_t *sender, const intake_validate_ctx_t *ctx,
                                  intake_reject_t *r)
{
    if (!s_required_uuid (q->transfer_id, "regie_transfer_request.transfer_id", r)
        || !s_required_text (q->plan_ref, "regie_transfer_request.plan_ref", 64, r)
        || !s_optional_text (q->gezin_ref, "regie_transfer_request.gezin_ref", 64, r)
        || !s_optional_text (q->partner_case_ref, "regie_transfer_request.partner_case_ref", 64, r)
        || !s_sender_field (q->from_org, sender, "regie_transfer_request.from_org", r))
        return false;
    /* only the backbone addresses a copy of a proposal (hogere regie) */
    if (s_set (q->notify_org))
        return s_reject (r, INTAKE_RC_BACKBONE_FIELD, "regie_transfer_request.notify_org",
                         "set by the backbone: leave it empty");
    if (!s_set (q->to_org))
        return s_reject (r, INTAKE_RC_REQUIRED, "regie_transfer_request.to_org",
                         "the proposed regisseur is required");
    if (!s_named_org (q->to_org, "regie_transfer_request.to_org", sender, true,
                      kb_org_type_is_care_partner, ctx, r))
        return false;
    return s_required_enum (&ketenbus__v1__regie_transfer_reason__descriptor, (int) q->reason,
                            "regie_transfer_request.reason", r);
}

bool
intake_validate_transfer_response (const Ketenbus__V1__RegieTransferResponse *p,
                                   const intake_sender_t *sender,
                                   const intake_validate_ctx_t *ctx, intake_reject_t *r)
{
    if (!s_required_uuid (p->transfer_id, "regie_transfer_response.transfer_id", r)
        || !s_required_text (p->plan_ref, "regie_transfer_response.plan_ref", 64, r)
        || !s_optional_text (p->gezin_ref, "regie_transfer_response.gezin_ref", 64, r)
        || !s_optional_text (p->partner_case_ref, "regie_transfer_response.partner_case_ref", 64, r)
        || !s_sender_field (p->to_org, sender, "regie_transfer_response.to_org", r))
        return false;
    /* the requesting regisseur; zorgtoewijzing answers the one of the
       transfer, so only the format is checked */
    if (s_set (p->from_org)
        && !s_named_org (p->from_org, "regie_transfer_response.from_org", sender, true, NULL,
                         &(intake_validate_ctx_t){ 0 }, r))
        return false;
    if (!s_required_enum (&ketenbus__v1__transfer_decision__descriptor, (int) p->decision,
                          "regie_transfer_response.decision", r))
        return false;
    const char *f = "regie_transfer_response.reject_reason";
    if (p->decision == KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_REJECTED) {
        if (!s_required_enum (&ketenbus__v1__transfer_reject_reason__descriptor,
                              (int) p->reject_reason, f, r))
            return false;
    }
    else if (p->reject_reason != 0)
        return s_reject (r, INTAKE_RC_ENUM, f, "only with decision REJECTED");
    (void) ctx;
    return s_optional_text (p->casemanager_name, "regie_transfer_response.casemanager_name", 100, r)
           && s_optional_phone (p->casemanager_phone, "regie_transfer_response.casemanager_phone", r);
}

bool
intake_validate_plan_registered (const Ketenbus__V1__PlanRegistered *p,
                                 const intake_sender_t *sender, const intake_validate_ctx_t *ctx,
                                 intake_reject_t *r)
{
    if (!s_required_text (p->plan_ref, "plan_registered.plan_ref", 64, r)
        || !s_optional_text (p->gezin_ref, "plan_registered.gezin_ref", 64, r)
        || !s_optional_text (p->partner_case_ref, "plan_registered.partner_case_ref", 64, r)
        || !s_sender_field (p->regisseur_org, sender, "plan_registered.regisseur_org", r))
        return false;
    if (p->plan_version == 0)
        return s_reject (r, INTAKE_RC_REQUIRED, "plan_registered.plan_version",
                         "plan version is required (1 for the first plan)");
    if (p->plan_version > 9999)
        return s_reject (r, INTAKE_RC_FORMAT, "plan_registered.plan_version", "at most 9999");
    if (!s_past_date (p->plan_date, "plan_registered.plan_date", 5, ctx, r))
        return false;
    int32_t plan_days = 0, eval_days = 0;
    kb_validate_date (p->plan_date, &plan_days);
    eval_days = plan_days;
    if (!s_optional_date (p->next_evaluation_date, "plan_registered.next_evaluation_date",
                          &eval_days, r))
        return false;
    if (eval_days < plan_days)
        return s_reject (r, INTAKE_RC_FORMAT, "plan_registered.next_evaluation_date",
                         "must not lie before plan_date");
    const char *f = "plan_registered.categories";
    if (p->n_categories == 0)
        return s_reject (r, INTAKE_RC_REQUIRED, f, "at least one category is required");
    if (p->n_categories > INTAKE_MAX_CATEGORIES)
        return s_reject (r, INTAKE_RC_LIMIT, f, "at most 8 categories");
    for (size_t i = 0; i < p->n_categories; i++)
        if (!s_required_enum (&ketenbus__v1__category__descriptor, (int) p->categories[i], f, r))
            return false;
    if (p->n_involved_orgs > INTAKE_MAX_INVOLVED_ORGS)
        return s_reject (r, INTAKE_RC_LIMIT, "plan_registered.involved_orgs",
                         "at most 20 organisations");
    for (size_t i = 0; i < p->n_involved_orgs; i++) {
        char field[64];
        snprintf (field, sizeof field, "plan_registered.involved_orgs[%zu]", i);
        if (!s_named_org (p->involved_orgs[i], field, sender, false, NULL, ctx, r))
            return false;
    }
    return s_optional_text (p->casemanager_name, "plan_registered.casemanager_name", 100, r)
           && s_optional_phone (p->casemanager_phone, "plan_registered.casemanager_phone", r);
}

/* productcategorie: 2 digits; productcode: 5 of [0-9A-Z] (iWmo/iJw). */
static bool
s_code (const char *s, size_t len, bool letters)
{
    if (!s || strlen (s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (letters && s[i] >= 'A' && s[i] <= 'Z')))
            return false;
    return true;
}

bool
intake_validate_care_assignment (const Ketenbus__V1__CareAssignment *c,
                                 const intake_sender_t *sender, const intake_validate_ctx_t *ctx,
                                 intake_reject_t *r)
{
    const char *f;
    if (!s_required_text (c->toewijzing_id, "care_assignment.toewijzing_id", 64, r))
        return false;
    if (!s_required_enum (&ketenbus__v1__care_action__descriptor, (int) c->action,
                          "care_assignment.action", r))
        return false;
    bool assign = c->action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN;
    bool start = c->action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_START;
    bool stop = c->action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP;
    if (!intake_validate_may_send_care (sender->org_type, c->action))
        return s_reject (r, INTAKE_RC_NOT_ALLOWED, "care_assignment.action",
                         assign ? "only a gemeente or a regisseur may assign a voorziening"
                                : "only the provider may report start and stop");
    /* START and STOP come from the provider named in the message */
    if (!assign && s_set (c->provider_org)
        && (!sender->org || strcmp (c->provider_org, sender->org) != 0))
        return s_reject (r, INTAKE_RC_NOT_ALLOWED, "care_assignment.provider_org",
                         "only the provider named in provider_org may report start and stop");
    if (!s_optional_text (c->partner_case_ref, "care_assignment.partner_case_ref", 64, r))
        return false;
    /* the person: a BSN at the door, never a pseudonym */
    if (s_set (c->pseudonym))
        return s_reject (r, INTAKE_RC_BACKBONE_FIELD, "care_assignment.pseudonym",
                         "set by the backbone from the bsn: leave it empty");
    if ((assign || s_set (c->bsn)) && !s_bsn (c->bsn, "care_assignment.bsn", r))
        return false;
    f = "care_assignment.gemeente_code";
    if (assign && !s_set (c->gemeente_code))
        return s_reject (r, INTAKE_RC_REQUIRED, f, "gemeente code is required");
    if (s_set (c->gemeente_code) && !s_gemeente (c->gemeente_code, f, ctx, r))
        return false;
    if (!s_optional_text (c->gebied, "care_assignment.gebied", 64, r))
        return false;
    if (assign ? !s_required_enum (&ketenbus__v1__wet__descriptor, (int) c->wet, "care_assignment.wet", r)
               : !s_optional_enum (&ketenbus__v1__wet__descriptor, (int) c->wet, "care_assignment.wet", r))
        return false;
    f = "care_assignment.product_category";
    if (assign && !s_set (c->product_category))
        return s_reject (r, INTAKE_RC_REQUIRED, f, "product category is required");
    if (s_set (c->product_category) && !s_code (c->product_category, 2, false))
        return s_reject (r, INTAKE_RC_FORMAT, f, "must be a 2-digit iWmo/iJw productcategorie");
    if (s_set (c->product_code) && !s_code (c->product_code, 5, true))
        return s_reject (r, INTAKE_RC_FORMAT, "care_assignment.product_code",
                         "must be a 5-character iWmo/iJw productcode such as 02A01");
    f = "care_assignment.pyramid_level";
    if (assign ? !s_required_enum (&ketenbus__v1__pyramid_level__descriptor, (int) c->pyramid_level, f, r)
               : !s_optional_enum (&ketenbus__v1__pyramid_level__descriptor, (int) c->pyramid_level, f, r))
        return false;
    /* volume, unit and frequency go together */
    if (c->unit == 0) {
        if (c->volume != 0 || c->frequency != 0)
            return s_reject (r, INTAKE_RC_FORMAT, "care_assignment.unit",
                             "volume and frequency need a unit");
    }
    else {
        if (!s_required_enum (&ketenbus__v1__volume_unit__descriptor, (int) c->unit,
                              "care_assignment.unit", r)
            || !s_required_enum (&ketenbus__v1__volume_frequency__descriptor, (int) c->frequency,
                                 "care_assignment.frequency", r))
            return false;
        if (c->volume == 0 || c->volume > 99999999)
            return s_reject (r, INTAKE_RC_FORMAT, "care_assignment.volume",
                             "must be 1..99999999 when a unit is given");
    }
    if (c->budget_cents < 0 || c->budget_cents > 100000000000LL)
        return s_reject (r, INTAKE_RC_FORMAT, "care_assignment.budget_cents",
                         "must be 0..100000000000 (euro cents)");
    /* dates: planned start on ASSIGN, actual start on START (not in the
       future), actual end on STOP (not in the future) */
    int32_t start_days = 0, end_days = 0;
    bool have_start = false, have_end = false;
    if ((assign || start) && !s_set (c->start_date))
        return s_reject (r, INTAKE_RC_REQUIRED, "care_assignment.start_date", "date is required");
    if (start && !s_past_date (c->start_date, "care_assignment.start_date", 5, ctx, r))
        return false;
    if (!s_optional_date (c->start_date, "care_assignment.start_date", &start_days, r))
        return false;
    have_start = s_set (c->start_date);
    if (stop && !s_past_date (c->end_date, "care_assignment.end_date", 5, ctx, r))
        return false;
    if (!s_optional_date (c->end_date, "care_assignment.end_date", &end_days, r))
        return false;
    have_end = s_set (c->end_date);
    if (have_start && have_end && end_days < start_days)
        return s_reject (r, INTAKE_RC_FORMAT, "care_assignment.end_date",
                         "must not lie before start_date");
    f = "care_assignment.stop_reason";
    if (stop) {
        if (!s_required_enum (&ketenbus__v1__care_stop_reason__descriptor, (int) c->stop_reason, f, r))
            return false;
    }
    else if (c->stop_reason != 0)
        return s_reject (r, INTAKE_RC_ENUM, f, "only with action STOP");
    /* who delivers, and who decided */
    if (assign) {
        /* a toewijzing names who delivers it (like iWmo 301): only that
           provider reports its start and stop, so one without a provider
           could never be started */
        if (!s_set (c->provider_org))
            return s_reject (r, INTAKE_RC_REQUIRED, "care_assignment.provider_org",
                             "the provider that delivers the voorziening is required");
        if (!s_named_org (c->provider_org, "care_assignment.provider_org", sender, true,
                          s_provider, ctx, r))
            return false;
        if (!s_sender_field (c->assigning_org, sender, "care_assignment.assigning_org", r))
            return false;
    }
    return true;
}

/*  Consent and shares */

/* Data categories: at least one, each a known value, at most all of them. */
static bool
s_data_categories (const Ketenbus__V1__DataCategory *cats, size_t n, const char *field,
                   intake_reject_t *r)
{
    if (n == 0)
        return s_reject (r, INTAKE_RC_REQUIRED, field, "at least one data category is required");
    if (n > INTAKE_MAX_DATA_CATEGORIES)
        return s_reject (r, INTAKE_RC_LIMIT, field, "at most 13 data categories");
    for (size_t i = 0; i < n; i++)
        if (!s_required_enum (&ketenbus__v1__data_category__descriptor, (int) cats[i], field, r))
            return false;
    return true;
}

/* The person at the door: a BSN, never a pseudonym. */
static bool
s_person_bsn (const char *bsn, const char *pseudonym, const char *prefix, bool required,
              intake_reject_t *r)
{
    char field[64];
    snprintf (field, sizeof field, "%s.pseudonym", prefix);
    if (s_set (pseudonym))
        return s_reject (r, INTAKE_RC_BACKBONE_FIELD, field,
                         "set by the backbone from the bsn: leave it empty");
    snprintf (field, sizeof field, "%s.bsn", prefix);
    return (!required && !s_set (bsn)) || s_bsn (bsn, field, r);
}

bool
intake_validate_consent_grant (const Ketenbus__V1__ConsentGrant *g, const intake_sender_t *sender,
                               const intake_validate_ctx_t *ctx, intake_reject_t *r)
{
    if (!s_required_uuid (g->consent_id, "consent_grant.consent_id", r)
        || !s_optional_text (g->partner_case_ref, "consent_grant.partner_case_ref", 64, r)
        || !s_person_bsn (g->bsn, g->pseudonym, "consent_grant", true, r)
        || !s_required_enum (&ketenbus__v1__consent_giver__descriptor, (int) g->given_by,
                             "consent_grant.given_by", r)
        || !s_data_categories (g->data_categories, g->n_data_categories,
                               "consent_grant.data_categories", r))
        return false;
    switch (g->recipient_case) {
    case KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG:
        /* the recording organisation itself is a normal recipient */
        if (!s_named_org (g->recipient_org, "consent_grant.recipient_org", sender, false, NULL,
                          ctx, r))
            return false;
        break;
    case KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG_TYPE:
        if (!s_required_enum (&ketenbus__v1__org_type__descriptor, (int) g->recipient_org_type,
                              "consent_grant.recipient_org_type", r))
            return false;
        break;
    default:
        return s_reject (r, INTAKE_RC_REQUIRED, "consent_grant.recipient",
                         "exactly one of recipient_org and recipient_org_type is required");
    }
    if (!s_required_enum (&ketenbus__v1__purpose__descriptor, (int) g->purpose,
                          "consent_grant.purpose", r))
        return false;
    int32_t from = 0, until = 0;
    if (!s_set (g->valid_from))
        return s_reject (r, INTAKE_RC_REQUIRED, "consent_grant.valid_from", "date is required");
    if (!s_set (g->valid_until))
        return s_reject (r, INTAKE_RC_REQUIRED, "consent_grant.valid_until", "date is required");
    if (!s_optional_date (g->valid_from, "consent_grant.valid_from", &from, r)
        || !s_optional_date (g->valid_until, "consent_grant.valid_until", &until, r))
        return false;
    if (until < from)
        return s_reject (r, INTAKE_RC_FORMAT, "consent_grant.valid_until",
                         "must not lie before valid_from");
    return s_sender_field (g->recorded_by_org, sender, "consent_grant.recorded_by_org", r);
}

bool
intake_validate_consent_withdraw (const Ketenbus__V1__ConsentWithdraw *w,
                                  const intake_sender_t *sender, const intake_validate_ctx_t *ctx,
                                  intake_reject_t *r)
{
    if (!s_required_uuid (w->consent_id, "consent_withdraw.consent_id", r)
        || !s_optional_text (w->partner_case_ref, "consent_withdraw.partner_case_ref", 64, r)
        || !s_person_bsn (w->bsn, w->pseudonym, "consent_withdraw", true, r)
        || !s_required_enum (&ketenbus__v1__consent_giver__descriptor, (int) w->withdrawn_by,
                             "consent_withdraw.withdrawn_by", r)
        || !s_past_date (w->withdrawn_date, "consent_withdraw.withdrawn_date", 5, ctx, r)
        || !s_sender_field (w->recorded_by_org, sender, "consent_withdraw.recorded_by_org", r))
        return false;
    /* to_org addresses the backbone's notices to organisations */
    if (s_set (w->to_org))
        return s_reject (r, INTAKE_RC_BACKBONE_FIELD, "consent_withdraw.to_org",
                         "set by the backbone: leave it empty");
    return true;
}

bool
intake_validate_share_request (const Ketenbus__V1__ShareRequest *q, const intake_sender_t *sender,
                               const intake_validate_ctx_t *ctx, intake_reject_t *r)
{
    if (!s_required_uuid (q->share_id, "share_request.share_id", r)
        || !s_required_enum (&ketenbus__v1__share_direction__descriptor, (int) q->direction,
                             "share_request.direction", r)
        || !s_sender_field (q->from_org, sender, "share_request.from_org", r))
        return false;
    if (!s_set (q->to_org))
        return s_reject (r, INTAKE_RC_REQUIRED, "share_request.to_org",
                         "the other organisation is required");
    if (!s_named_org (q->to_org, "share_request.to_org", sender, true, NULL, ctx, r)
        || !s_optional_text (q->gezin_ref, "share_request.gezin_ref", 64, r)
        || !s_optional_text (q->partner_case_ref, "share_request.partner_case_ref", 64, r)
        || !s_person_bsn (q->bsn, q->pseudonym, "share_request", false, r))
        return false;
    if (!s_set (q->gezin_ref) && !s_set (q->bsn))
        return s_reject (r, INTAKE_RC_REQUIRED, "share_request.bsn",
                         "the person (bsn) or the gezin (gezin_ref) is required");
    if (!s_data_categories (q->data_categories, q->n_data_categories,
                            "share_request.data_categories", r)
        || !s_required_enum (&ketenbus__v1__purpose__descriptor, (int) q->purpose,
                             "share_request.purpose", r)
        || !s_required_enum (&ketenbus__v1__legal_ground__descriptor, (int) q->legal_ground,
                             "share_request.legal_ground", r))
        return false;
    const char *f = "share_request.justification";
    if (q->legal_ground == KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_NONE) {
        /* free text without a legal ground has no purpose: not taken in */
        if (s_set (q->justification))
            return s_reject (r, INTAKE_RC_FORMAT, f, "only with a legal ground other than NONE");
    }
    else {
        if (!s_set (q->justification))
            return s_reject (r, INTAKE_RC_REQUIRED, f,
                             "a written justification is required with a legal ground");
        /* 1..2000 characters: at most 4 bytes each */
        if (!kb_validate_text (q->justification, 1, 4 * INTAKE_MAX_JUSTIFICATION_CHARS)
            || s_utf8_chars (q->justification) > INTAKE_MAX_JUSTIFICATION_CHARS)
            return s_reject (r, INTAKE_RC_TEXT, f,
                             "must be 1..2000 characters of valid UTF-8 without control characters");
        if (!s_no_bsn (q->justification, f, r))
            return false;
    }
    if (s_set (q->consent_id) && !kb_validate_message_id (q->consent_id))
        return s_reject (r, INTAKE_RC_MESSAGE_ID, "share_request.consent_id",
                         "must be empty or a lower-case UUID (8-4-4-4-12 hex)");
    return true;
}

bool
intake_validate_share_response (const Ketenbus__V1__ShareResponse *p,
                                const intake_sender_t *sender, const intake_validate_ctx_t *ctx,
                                intake_reject_t *r)
{
    if (!s_required_uuid (p->share_id, "share_response.share_id", r)
        || !s_sender_field (p->from_org, sender, "share_response.from_org", r))
        return false;
    if (!s_set (p->to_org))
        return s_reject (r, INTAKE_RC_REQUIRED, "share_response.to_org",
                         "the receiving organisation is required");
    if (!s_named_org (p->to_org, "share_response.to_org", sender, true, NULL, ctx, r)
        /* a key id is hex of a hash: a run of its digits is chance, not a BSN */
        || !s_required_utf8 (p->recipient_key_id, "share_response.recipient_key_id", 64, r))
        return false;
    const char *f = "share_response.sealed_payload";
    if (p->sealed_payload.len == 0)
        return s_reject (r, INTAKE_RC_REQUIRED, f, "the sealed payload is required");
    if (p->sealed_payload.len < INTAKE_SEALED_OVERHEAD)
        return s_reject (r, INTAKE_RC_FORMAT, f, "shorter than a sealed box (48 bytes)");
    if (p->sealed_payload.len > INTAKE_MAX_SEALED_BYTES)
        return s_reject (r, INTAKE_RC_LIMIT, f, "at most 262144 bytes");
    return true;
}

/*  Client tracking: trajectories, shelter stays, zelfredzaamheid */

/* An id client-tracking keys on: 1..64 printable ASCII characters without
   spaces (trajectory_id, episode_id, assessment_id). */
static bool
s_required_id (const char *s, const char *field, intake_reject_t *r)
{
    if (!s_set (s))
        return s_reject (r, INTAKE_RC_REQUIRED, field, "field is required");
    size_t n = strlen (s);
    bool ok = n <= INTAKE_MAX_TRACKING_ID;
    for (size_t i = 0; ok && i < n; i++)
        ok = s[i] > ' ' && s[i] <= '~';
    if (!ok)
        return s_reject (r, INTAKE_RC_TEXT, field,
                         "must be 1..64 printable ASCII characters without spaces");
    return s_no_bsn (s, field, r);
}

static bool
s_optional_id (const char *s, const char *field, intake_reject_t *r)
{
    return !s_set (s) || s_required_id (s, field, r);
}

/* A field only the backbone sets (an address of its own messages). */
static bool
s_backbone_only (const char *s, const char *field, intake_reject_t *r)
{
    if (s_set (s))
        return s_reject (r, INTAKE_RC_BACKBONE_FIELD, field, "set by the backbone: leave it empty");
    return true;
}

bool
intake_validate_trajectory_update (const Ketenbus__V1__TrajectoryUpdate *u,
                                   const intake_sender_t *sender,
                                   const intake_validate_ctx_t *ctx, intake_reject_t *r)
{
    if (!s_required_id (u->trajectory_id, "trajectory_update.trajectory_id", r)
        || !s_optional_enum (&ketenbus__v1__trajectory_type__descriptor, (int) u->trajectory_type,
                             "trajectory_update.trajectory_type", r)
        || !s_optional_text (u->gezin_ref, "trajectory_update.gezin_ref", 64, r)
        || !s_optional_text (u->plan_ref, "trajectory_update.plan_ref", 64, r)
        || !s_optional_text (u->partner_case_ref, "trajectory_update.partner_case_ref", 64, r)
        || !s_person_bsn (u->bsn, u->pseudonym, "trajectory_update", false, r)
        || !s_required_enum (&ketenbus__v1__trajectory_state__descriptor, (int) u->state,
                             "trajectory_update.state", r))
        return false;
    /* the outcome belongs to afgerond, the early-end reason to an outcome
       vroegtijdig beeindigd (as client-tracking's state machine has it) */
    const char *f = "trajectory_update.outcome";
    if (u->state == KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND) {
        if (!s_required_enum (&ketenbus__v1__trajectory_outcome__descriptor, (int) u->outcome, f, r))
            return false;
    }
    else if (u->outcome != 0)
        return s_reject (r, INTAKE_RC_ENUM, f, "only with state AFGEROND");
    f = "trajectory_update.early_end_reason";
    if (u->outcome == KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_VROEGTIJDIG_BEEINDIGD) {
        if (!s_required_enum (&ketenbus__v1__early_end_reason__descriptor,
                              (int) u->early_end_reason, f, r))
            return false;
    }
    else if (u->early_end_reason != 0)
        return s_reject (r, INTAKE_RC_ENUM, f, "only with outcome VROEGTIJDIG_BEEINDIGD");
    if (!s_past_date (u->state_date, "trajectory_update.state_date", 5, ctx, r))
        return false;
    /* the regisseur is the sender; who else may change it is
       zorgtoewijzing's business (a regie-overdracht), not a partner's */
    return s_sender_field (u->regisseur_org, sender, "trajectory_update.regisseur_org", r)
           && s_backbone_only (u->to_org, "trajectory_update.to_org", r);
}

bool
intake_validate_shelter_episode (const Ketenbus__V1__ShelterEpisode *e,
                                 const intake_sender_t *sender,
                                 const intake_validate_ctx_t *ctx, intake_reject_t *r)
{
    (void) sender;
    if (!s_required_id (e->episode_id, "shelter_episode.episode_id", r)
        || !s_required_enum (&ketenbus__v1__shelter_type__descriptor, (int) e->shelter_type,
                             "shelter_episode.shelter_type", r)
        || !s_required_enum (&ketenbus__v1__shelter_event__descriptor, (int) e->event,
                             "shelter_episode.event", r)
        || !s_optional_text (e->partner_case_ref, "shelter_episode.partner_case_ref", 64, r)
        || !s_person_bsn (e->bsn, e->pseudonym, "shelter_episode", true, r)
        || !s_optional_id (e->trajectory_id, "shelter_episode.trajectory_id", r))
        return false;
    /* the gemeente of origin (regiobinding) may lie outside the region */
    if (s_set (e->gemeente_code) && !kb_validate_gemeente_code_format (e->gemeente_code))
        return s_reject (r, INTAKE_RC_GEMEENTE, "shelter_episode.gemeente_code",
                         "gemeente code must be a 4-digit CBS code");
    if (!s_past_date (e->instroom_date, "shelter_episode.instroom_date", 10, ctx, r))
        return false;
    bool out = e->event == KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    if (out) {
        if (!s_past_date (e->uitstroom_date, "shelter_episode.uitstroom_date", 10, ctx, r))
            return false;
        int32_t in_days = 0, out_days = 0;
        kb_validate_date (e->instroom_date, &in_days);
        kb_validate_date (e->uitstroom_date, &out_days);
        if (out_days < in_days)
            return s_reject (r, INTAKE_RC_FORMAT, "shelter_episode.uitstroom_date",
                             "must not lie before instroom_date");
        if (!s_required_enum (&ketenbus__v1__shelter_destination__descriptor,
                              (int) e->destination, "shelter_episode.destination", r))
            return false;
    }
    else {
        if (s_set (e->uitstroom_date))
            return s_reject (r, INTAKE_RC_FORMAT, "shelter_episode.uitstroom_date",
                             "only with event OUT");
        if (e->destination != 0)
            return s_reject (r, INTAKE_RC_ENUM, "shelter_episode.destination",
                             "only with event OUT");
    }
    if (e->accompanying_children > INTAKE_MAX_HOUSEHOLD)
        return s_reject (r, INTAKE_RC_FORMAT, "shelter_episode.accompanying_children",
                         "must be 0..20");
    return true;
}

bool
intake_validate_assessment (const Ketenbus__V1__SelfSufficiencyAssessment *a,
                            const intake_sender_t *sender, const intake_validate_ctx_t *ctx,
                            intake_reject_t *r)
{
    (void) sender;
    if (!s_required_id (a->assessment_id, "self_sufficiency_assessment.assessment_id", r)
        || !s_optional_id (a->trajectory_id, "self_sufficiency_assessment.trajectory_id", r)
        || !s_optional_text (a->partner_case_ref, "self_sufficiency_assessment.partner_case_ref",
                             64, r)
        || !s_person_bsn (a->bsn, a->pseudonym, "self_sufficiency_assessment", false, r))
        return false;
    if (!s_set (a->bsn) && !s_set (a->trajectory_id))
        return s_reject (r, INTAKE_RC_REQUIRED, "self_sufficiency_assessment.bsn",
                         "the person (bsn) or the trajectory (trajectory_id) is required");
    if (!s_required_enum (&ketenbus__v1__assessment_moment__descriptor, (int) a->moment,
                          "self_sufficiency_assessment.moment", r)
        || !s_past_date (a->assessment_date, "self_sufficiency_assessment.assessment_date", 5,
                         ctx, r))
        return false;
    const char *f = "self_sufficiency_assessment.scores";
    if (a->n_scores == 0)
        return s_reject (r, INTAKE_RC_REQUIRED, f, "at least one score is required");
    if (a->n_scores > INTAKE_MAX_LIFE_DOMAINS)
        return s_reject (r, INTAKE_RC_LIMIT, f, "at most 8 scores, one per life domain");
    unsigned seen = 0;
    for (size_t i = 0; i < a->n_scores; i++) {
        char field[64];
        const Ketenbus__V1__DomainScore *d = a->scores[i];
        snprintf (field, sizeof field, "%s[%zu].domain", f, i);
        if (!d)
            return s_reject (r, INTAKE_RC_REQUIRED, field, "score is required");
        if (!s_required_enum (&ketenbus__v1__life_domain__descriptor, (int) d->domain, field, r))
            return false;
        if (seen & (1u << d->domain))
            return s_reject (r, INTAKE_RC_FORMAT, field, "each life domain at most once");
        seen |= 1u << d->domain;
        snprintf (field, sizeof field, "%s[%zu].score", f, i);
        if (d->score < 1 || d->score > 5)
            return s_reject (r, INTAKE_RC_FORMAT, field, "must be 1..5");
    }
    return true;
}

bool
intake_validate_satisfaction (const Ketenbus__V1__SatisfactionMeasurement *m,
                              const intake_sender_t *sender, const intake_validate_ctx_t *ctx,
                              intake_reject_t *r)
{
    (void) sender;
    const char *f = "satisfaction_measurement.score";
    if (!s_required_id (m->measurement_id, "satisfaction_measurement.measurement_id", r)
        || !s_optional_text (m->partner_case_ref, "satisfaction_measurement.partner_case_ref", 64,
                             r)
        || !s_person_bsn (m->bsn, m->pseudonym, "satisfaction_measurement", false, r))
        return false;
    if (m->score < 1 || m->score > 10)
        return s_reject (r, INTAKE_RC_FORMAT, f, "must be 1..10");
    if (!s_past_date (m->measured_date, "satisfaction_measurement.measured_date", 5, ctx, r))
        return false;
    f = "satisfaction_measurement.gemeente_code";
    if (!s_set (m->gemeente_code))
        return s_reject (r, INTAKE_RC_REQUIRED, f, "gemeente code is required");
    if (!s_gemeente (m->gemeente_code, f, ctx, r))
        return false;
    return s_optional_text (m->gebied, "satisfaction_measurement.gebied", 64, r)
           && s_required_enum (&ketenbus__v1__wet__descriptor, (int) m->wet,
                               "satisfaction_measurement.wet", r)
           && s_optional_id (m->toewijzing_id, "satisfaction_measurement.toewijzing_id", r);
}

bool
intake_validate_body (const kb_envelope_t *env, const intake_sender_t *sender,
                      const intake_validate_ctx_t *ctx, intake_reject_t *r)
{
    switch (env->body_case) {
    case KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL:
        return intake_validate_case_signal (env->case_signal, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST:
        return intake_validate_transfer_request (env->regie_transfer_request, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE:
        return intake_validate_transfer_response (env->regie_transfer_response, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED:
        return intake_validate_plan_registered (env->plan_registered, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT:
        return intake_validate_care_assignment (env->care_assignment, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_CONSENT_GRANT:
        return intake_validate_consent_grant (env->consent_grant, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW:
        return intake_validate_consent_withdraw (env->consent_withdraw, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST:
        return intake_validate_share_request (env->share_request, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE:
        return intake_validate_share_response (env->share_response, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE:
        return intake_validate_trajectory_update (env->trajectory_update, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE:
        return intake_validate_shelter_episode (env->shelter_episode, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT:
        return intake_validate_assessment (env->self_sufficiency_assessment, sender, ctx, r);
    case KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT:
        return intake_validate_satisfaction (env->satisfaction_measurement, sender, ctx, r);
    default:
        return s_reject (r, INTAKE_RC_UNSUPPORTED, kb_codec_body_name (env),
                         "this message type is not accepted by intake in this version");
    }
}
