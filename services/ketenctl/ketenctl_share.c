/*  ketenctl_share - consent and share messages for partners that use
    ketenctl as their client. */
#include "ketenctl_share.h"
#include "ketenctl_seal.h"
#include "ketenctl_signal.h"

#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_seal.h"
#include "ketenbus/kb_uuid.h"
#include "ketenbus/kb_validate.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_CATEGORIES 16
#define S_MAX_PAYLOAD (256 * 1024)

/* The options every command here shares: how to reach intake. */
typedef struct {
    const char *endpoint, *server_key, *cert, *message_id;
    long timeout_ms;
} s_client_opts_t;

#define S_CLIENT_OPTIONS(o)                                                                      \
    { .name = "endpoint", .text = &(o).endpoint },                                               \
      { .name = "server-key", .text = &(o).server_key },                                         \
      { .name = "cert", .text = &(o).cert },                                                     \
      { .name = "message-id", .text = &(o).message_id },                                         \
    {                                                                                            \
        .name = "timeout-ms", .number = &(o).timeout_ms, .min = 1, .max = 3600000                \
    }

static const char s_client_help[] =
  "  --endpoint, --server-key, --cert default to intake/endpoint, intake/server_key and\n"
  "  partner/cert; --message-id repeats an earlier message (same id, same answer);\n"
  "  --timeout-ms 5000. Exit 0 accepted or duplicate, 1 rejected, 3 no answer in time.\n";

static void
s_consent_usage (FILE *out)
{
    char givers[160], cats[400], purposes[200];
    ketenctl_enum_names (&ketenbus__v1__consent_giver__descriptor, givers, sizeof givers);
    ketenctl_enum_names (&ketenbus__v1__data_category__descriptor, cats, sizeof cats);
    ketenctl_enum_names (&ketenbus__v1__purpose__descriptor, purposes, sizeof purposes);
    fprintf (out,
             "usage: ketenctl consent grant --bsn BSN|- --given-by G --category C[,C...]\n"
             "                              (--to-org ORG | --to-type TYPE) --purpose P\n"
             "                              --from DATE --until DATE [--consent-id UUID]\n"
             "                              [--case-ref REF] [client options]\n"
             "       ketenctl consent withdraw --bsn BSN|- --consent-id UUID --by G\n"
             "                              [--date DATE] [--case-ref REF] [client options]\n"
             "  Records a person's consent (or its withdrawal) as the partner of --cert;\n"
             "  grant prints the consent id. The registry confirms with ConsentRecorded in\n"
             "  the partner's mailbox. A withdrawal takes effect with intake's answer, also\n"
             "  for share payloads waiting in mailboxes. --bsn - reads the BSN from stdin.\n"
             "  given-by/by: %s\n  categories: %s\n  purposes: %s\n%s",
             givers, cats, purposes, s_client_help);
}

static void
s_share_usage (FILE *out)
{
    char cats[400], purposes[200], grounds[160];
    ketenctl_enum_names (&ketenbus__v1__data_category__descriptor, cats, sizeof cats);
    ketenctl_enum_names (&ketenbus__v1__purpose__descriptor, purposes, sizeof purposes);
    ketenctl_enum_names (&ketenbus__v1__legal_ground__descriptor, grounds, sizeof grounds);
    fprintf (out,
             "usage: ketenctl share request --to ORG (--bsn BSN|- | --gezin REF)\n"
             "                              --category C[,C...] --purpose P [--offer]\n"
             "                              [--legal-ground G --justification TEXT]\n"
             "                              [--consent-id UUID] [--case-ref REF]\n"
             "                              [client options]\n"
             "       ketenctl share respond --share ID --to ORG --in FILE\n"
             "                              (--box-key HEX | --box-key-file PATH.pub)\n"
             "                              [client options]\n"
             "  request asks ORG for data (or, with --offer, offers data) and prints the\n"
             "  share id; the ShareDecision arrives in both mailboxes. respond seals FILE\n"
             "  to ORG's public box key (ketenctl partner show) and sends it for an allowed\n"
             "  share: ketenbus routes it but cannot read it.\n"
             "  categories: %s\n  purposes: %s\n  legal grounds: %s (none: consent)\n%s",
             cats, purposes, grounds, s_client_help);
}

/* "plan,wonen" into DataCategory values; the count, or -1 (error printed). */
static int
s_categories (const char *list, Ketenbus__V1__DataCategory *out)
{
    char buf[512];
    snprintf (buf, sizeof buf, "%s", list);
    int n = 0;
    for (char *save = NULL, *tok = strtok_r (buf, ",", &save); tok;
         tok = strtok_r (NULL, ",", &save)) {
        int v = ketenctl_enum_parse (&ketenbus__v1__data_category__descriptor, tok);
        if (!v || n == S_MAX_CATEGORIES) {
            ketenctl_err ("invalid data category \"%s\"", tok);
            return -1;
        }
        out[n++] = (Ketenbus__V1__DataCategory) v;
    }
    if (n == 0)
        ketenctl_err ("give at least one data category");
    return n ? n : -1;
}

static int
s_enum (const ProtobufCEnumDescriptor *desc, const char *option, const char *value, int *out)
{
    *out = ketenctl_enum_parse (desc, value);
    if (!*out)
        ketenctl_err ("invalid value for \"--%s\": \"%s\"", option, value);
    return *out ? 0 : -1;
}

/* Sends env as the partner of the client options; an exit code. */
static int
s_send (const ketenctl_t *ctx, const s_client_opts_t *o, kb_envelope_t *env)
{
    int rc;
    kb_client_t *client = ketenctl_client_open (ctx, o->endpoint, o->server_key, o->cert, &rc);
    if (!client)
        return rc;
    rc = ketenctl_signal_exchange (client, env, o->message_id, o->timeout_ms);
    kb_client_destroy (&client);
    return rc;
}

static int
s_grant (const ketenctl_t *ctx, int argc, char *argv[])
{
    s_client_opts_t o = { .timeout_ms = 5000 };
    const char *bsn_arg = NULL, *given_by = NULL, *categories = NULL, *to_org = NULL,
               *to_type = NULL, *purpose = NULL, *from = NULL, *until = NULL, *id = NULL,
               *case_ref = "";
    const ketenctl_option_t options[] = {
        { .name = "bsn", .text = &bsn_arg },       { .name = "given-by", .text = &given_by },
        { .name = "category", .text = &categories }, { .name = "to-org", .text = &to_org },
        { .name = "to-type", .text = &to_type },   { .name = "purpose", .text = &purpose },
        { .name = "from", .text = &from },         { .name = "until", .text = &until },
        { .name = "consent-id", .text = &id },     { .name = "case-ref", .text = &case_ref },
        S_CLIENT_OPTIONS (o),                      { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_consent_usage, &rc))
        return rc;
    if (!bsn_arg || !given_by || !categories || (!to_org == !to_type) || !purpose || !from
        || !until) {
        ketenctl_err ("consent grant needs --bsn, --given-by, --category, one of --to-org or "
                      "--to-type, --purpose, --from and --until");
        s_consent_usage (stderr);
        return KETENCTL_USAGE;
    }
    Ketenbus__V1__ConsentGrant g = KETENBUS__V1__CONSENT_GRANT__INIT;
    Ketenbus__V1__DataCategory cats[S_MAX_CATEGORIES];
    char bsn[10], consent_id[KB_UUID_LEN + 1];
    int giver, purp, n;
    if (ketenctl_bsn_read (bsn_arg, bsn)
        || s_enum (&ketenbus__v1__consent_giver__descriptor, "given-by", given_by, &giver)
        || s_enum (&ketenbus__v1__purpose__descriptor, "purpose", purpose, &purp)
        || (n = s_categories (categories, cats)) < 0)
        return KETENCTL_USAGE;
    if (to_type && !kb_org_type_parse (to_type)) {
        ketenctl_err ("unknown organisation type \"%s\"", to_type);
        return KETENCTL_USAGE;
    }
    if (id)
        snprintf (consent_id, sizeof consent_id, "%s", id);
    else
        kb_uuid_v4 (consent_id);
    g.consent_id = consent_id;
    g.partner_case_ref = (char *) case_ref;
    g.bsn = bsn;
    g.given_by = (Ketenbus__V1__ConsentGiver) giver;
    g.n_data_categories = (size_t) n;
    g.data_categories = cats;
    if (to_org) {
        g.recipient_case = KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG;
        g.recipient_org = (char *) to_org;
    } else {
        g.recipient_case = KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG_TYPE;
        g.recipient_org_type = (Ketenbus__V1__OrgType) kb_org_type_parse (to_type);
    }
    g.purpose = (Ketenbus__V1__Purpose) purp;
    g.valid_from = (char *) from;
    g.valid_until = (char *) until;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CONSENT_GRANT;
    env.consent_grant = &g;
    printf ("consent %s\n", consent_id);
    rc = s_send (ctx, &o, &env);
    sodium_memzero (bsn, sizeof bsn);
    return rc;
}

static int
s_withdraw (const ketenctl_t *ctx, int argc, char *argv[])
{
    s_client_opts_t o = { .timeout_ms = 5000 };
    const char *bsn_arg = NULL, *id = NULL, *by = NULL, *date = NULL, *case_ref = "";
    const ketenctl_option_t options[] = {
        { .name = "bsn", .text = &bsn_arg },   { .name = "consent-id", .text = &id },
        { .name = "by", .text = &by },         { .name = "date", .text = &date },
        { .name = "case-ref", .text = &case_ref }, S_CLIENT_OPTIONS (o),
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_consent_usage, &rc))
        return rc;
    if (!bsn_arg || !id || !by) {
        ketenctl_err ("consent withdraw needs --bsn, --consent-id and --by");
        s_consent_usage (stderr);
        return KETENCTL_USAGE;
    }
    char bsn[10], today[11];
    int giver;
    if (ketenctl_bsn_read (bsn_arg, bsn)
        || s_enum (&ketenbus__v1__consent_giver__descriptor, "by", by, &giver))
        return KETENCTL_USAGE;
    kb_date_today (today);
    Ketenbus__V1__ConsentWithdraw w = KETENBUS__V1__CONSENT_WITHDRAW__INIT;
    w.consent_id = (char *) id;
    w.partner_case_ref = (char *) case_ref;
    w.bsn = bsn;
    w.withdrawn_by = (Ketenbus__V1__ConsentGiver) giver;
    w.withdrawn_date = (char *) (date ? date : today);
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW;
    env.consent_withdraw = &w;
    rc = s_send (ctx, &o, &env);
    sodium_memzero (bsn, sizeof bsn);
    return rc;
}

static int
s_request (const ketenctl_t *ctx, int argc, char *argv[])
{
    s_client_opts_t o = { .timeout_ms = 5000 };
    const char *to = NULL, *bsn_arg = NULL, *gezin = NULL, *categories = NULL, *purpose = NULL,
               *ground = "none", *justification = "", *consent_id = "", *case_ref = "";
    bool offer = false;
    const ketenctl_option_t options[] = {
        { .name = "to", .text = &to },
        { .name = "bsn", .text = &bsn_arg },
        { .name = "gezin", .text = &gezin },
        { .name = "category", .text = &categories },
        { .name = "purpose", .text = &purpose },
        { .name = "offer", .flag = &offer },
        { .name = "legal-ground", .text = &ground },
        { .name = "justification", .text = &justification },
        { .name = "consent-id", .text = &consent_id },
        { .name = "case-ref", .text = &case_ref },
        S_CLIENT_OPTIONS (o),
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_share_usage, &rc))
        return rc;
    if (!to || (!bsn_arg == !gezin) || !categories || !purpose) {
        ketenctl_err ("share request needs --to, one of --bsn or --gezin, --category and "
                      "--purpose");
        s_share_usage (stderr);
        return KETENCTL_USAGE;
    }
    Ketenbus__V1__DataCategory cats[S_MAX_CATEGORIES];
    char bsn[10] = "", share_id[KB_UUID_LEN + 1];
    int purp, legal, n;
    if ((bsn_arg && ketenctl_bsn_read (bsn_arg, bsn))
        || s_enum (&ketenbus__v1__purpose__descriptor, "purpose", purpose, &purp)
        || s_enum (&ketenbus__v1__legal_ground__descriptor, "legal-ground", ground, &legal)
        || (n = s_categories (categories, cats)) < 0)
        return KETENCTL_USAGE;
    kb_uuid_v4 (share_id);
    Ketenbus__V1__ShareRequest q = KETENBUS__V1__SHARE_REQUEST__INIT;
    q.share_id = share_id;
    q.direction = offer ? KETENBUS__V1__SHARE_DIRECTION__SHARE_DIRECTION_OFFER
                        : KETENBUS__V1__SHARE_DIRECTION__SHARE_DIRECTION_REQUEST;
    q.to_org = (char *) to;
    q.gezin_ref = (char *) (gezin ? gezin : "");
    q.bsn = bsn;
    q.partner_case_ref = (char *) case_ref;
    q.n_data_categories = (size_t) n;
    q.data_categories = cats;
    q.purpose = (Ketenbus__V1__Purpose) purp;
    q.legal_ground = (Ketenbus__V1__LegalGround) legal;
    q.justification = (char *) justification;
    q.consent_id = (char *) consent_id;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST;
    env.share_request = &q;
    printf ("share %s\n", share_id);
    rc = s_send (ctx, &o, &env);
    sodium_memzero (bsn, sizeof bsn);
    return rc;
}

static int
s_respond (const ketenctl_t *ctx, int argc, char *argv[])
{
    s_client_opts_t o = { .timeout_ms = 5000 };
    const char *share = NULL, *to = NULL, *in = NULL, *hex = NULL, *key_file = NULL;
    const ketenctl_option_t options[] = {
        { .name = "share", .text = &share },     { .name = "to", .text = &to },
        { .name = "in", .text = &in },           { .name = "box-key", .text = &hex },
        { .name = "box-key-file", .text = &key_file }, S_CLIENT_OPTIONS (o),
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_share_usage, &rc))
        return rc;
    if (!share || !to || !in || (!hex == !key_file)) {
        ketenctl_err ("share respond needs --share, --to, --in and one of --box-key or "
                      "--box-key-file");
        s_share_usage (stderr);
        return KETENCTL_USAGE;
    }
    uint8_t pk[KB_SEAL_KEY_BYTES];
    if ((rc = ketenctl_box_key (hex, key_file, pk)) != KETENCTL_OK)
        return rc;
    FILE *f = fopen (in, "rb");
    if (!f) {
        ketenctl_err ("could not open \"%s\"", in);
        return KETENCTL_FAILED;
    }
    uint8_t *data = malloc (S_MAX_PAYLOAD + 1);
    size_t len = data ? fread (data, 1, S_MAX_PAYLOAD + 1, f) : 0;
    fclose (f);
    if (!data || len > S_MAX_PAYLOAD - KB_SEAL_OVERHEAD) {
        ketenctl_err ("could not read \"%s\": at most %d bytes", in,
                      S_MAX_PAYLOAD - KB_SEAL_OVERHEAD);
        free (data);
        return KETENCTL_FAILED;
    }
    size_t sealed_len = 0;
    uint8_t *sealed = kb_seal (pk, data, len, &sealed_len);
    sodium_memzero (data, len);
    free (data);
    if (!sealed) {
        ketenctl_err ("could not seal: out of memory");
        return KETENCTL_FAILED;
    }
    char key_id[KB_SEAL_KEY_ID_LEN + 1];
    kb_seal_key_id (pk, key_id);
    Ketenbus__V1__ShareResponse r = KETENBUS__V1__SHARE_RESPONSE__INIT;
    r.share_id = (char *) share;
    r.to_org = (char *) to;
    r.recipient_key_id = key_id;
    r.sealed_payload.data = sealed;
    r.sealed_payload.len = sealed_len;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE;
    env.share_response = &r;
    rc = s_send (ctx, &o, &env);
    free (sealed);
    return rc;
}

int
ketenctl_consent (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "grant", s_grant },
        { "withdraw", s_withdraw },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_consent_usage);
}

int
ketenctl_share (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "request", s_request },
        { "respond", s_respond },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_share_usage);
}
