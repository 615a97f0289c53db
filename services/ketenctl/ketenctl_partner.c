/*  ketenctl_partner - partner registry commands. */
#include "ketenctl_partner.h"
#include "ketenctl_seal.h"

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_seal.h"
#include "ketenbus/kb_security.h"
#include "ketenbus/kb_validate.h"

#include <czmq.h>
#include <sodium.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl partner add --org ID --type TYPE --gebied NAME [--gemeente CODE]\n"
             "                            (--public-key Z85 | --cert PATH.pub)\n"
             "       ketenctl partner list\n"
             "       ketenctl partner show --org ID\n"
             "       ketenctl partner revoke --org ID [--reason TEXT]\n"
             "       ketenctl partner rekey --org ID (--public-key Z85 | --cert PATH.pub)\n"
             "       ketenctl partner key-add --org ID (--box-key HEX | --box-key-file PATH.pub)\n"
             "       ketenctl partner key-retire --key-id ID\n"
             "  show prints the registry entry with the partner's box keys: the public keys\n"
             "  share payloads for it are sealed to (ketenctl seal), current ones first.\n"
             "  rekey gives a partner a new CURVE key (rotation, or back after a revoke):\n"
             "  the old key is refused from the next registry reload, the organisation\n"
             "  keeps its id, plans, mailbox and regie.\n"
             "  key-add registers a box key (made with ketenctl keygen --box) for an active\n"
             "  partner; key-retire stops offering one (payloads sealed to it still resolve).\n"
             "  TYPE is one of: cjg, veiligheidshuis, ggd-vangnet, maatschappelijke-opvang,\n"
             "  vrouwenopvang, wijkteam, veilig-thuis, gemeente, zorgaanbieder, ketencoordinator\n"
             "  Registry changes are written to the audit log with the OS user as actor.\n");
}

bool
ketenctl_partner_org_id_valid (const char *id)
{
    size_t len = id ? strlen (id) : 0;
    if (len < 2 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

static bool
s_z85_key_valid (const char *key)
{
    uint8_t bin[32];
    return key && strlen (key) == 40 && zmq_z85_decode (bin, key) != NULL;
}

static const ketenctl_statement_t s_list_statement = {
    "ketenctl_partner_list",
    "SELECT org_id, org_type, gebied, gemeente_code, public_key, "
    " coalesce(to_char(revoked_at AT TIME ZONE 'UTC', "
    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
    "FROM partner ORDER BY org_id",
    0
};

static const ketenctl_statement_t s_show_statement = {
    "ketenctl_partner_show",
    "SELECT org_id, org_type, gebied, gemeente_code, public_key, "
    " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    " coalesce(to_char(revoked_at AT TIME ZONE 'UTC', "
    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), coalesce(revoked_reason, '') "
    "FROM partner WHERE org_id = $1",
    1
};

/* The public key from --public-key or --cert, into out (41 bytes). */
static int
s_public_key_arg (const char *key, const char *cert_path, char out[41])
{
    if (cert_path) {
        char err[512];
        zcert_t *cert = kb_security_cert_load (cert_path, false, err, sizeof err);
        if (!cert) {
            ketenctl_err ("%s", err);
            return KETENCTL_USAGE;
        }
        snprintf (out, 41, "%s", zcert_public_txt (cert));
        zcert_destroy (&cert);
        return KETENCTL_OK;
    }
    if (!s_z85_key_valid (key)) {
        ketenctl_err ("invalid public key: expected 40 characters of Z85");
        return KETENCTL_USAGE;
    }
    snprintf (out, 41, "%s", key);
    return KETENCTL_OK;
}

static kb_db_t *
s_open (const ketenctl_t *ctx, int *exit_rc)
{
    kb_db_t *db = ketenctl_db_open (ctx, kb_config_str (ctx->config, "db/schema"), true, exit_rc);
    if (db && (kb_audit_prepare (db) || kb_partner_prepare (db) || kb_seal_prepare (db))) {
        ketenctl_err ("could not prepare registry statements");
        kb_db_destroy (&db);
        *exit_rc = KETENCTL_FAILED;
    }
    return db;
}

static int
s_add (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *org = NULL, *type = NULL, *gebied = NULL, *gemeente = "", *key = NULL,
               *cert_path = NULL;
    const ketenctl_option_t options[] = {
        { .name = "org", .text = &org },
        { .name = "type", .text = &type },
        { .name = "gebied", .text = &gebied },
        { .name = "gemeente", .text = &gemeente },
        { .name = "public-key", .text = &key },
        { .name = "cert", .text = &cert_path },
        { .name = NULL },
    };
    int rc;
    int operand = ketenctl_options_parse (argc, argv, options, s_usage, &rc);
    if (operand < 0)
        return rc;
    if (operand < argc || !org || !type || !gebied || (!key == !cert_path)) {
        ketenctl_err (
          "partner add needs --org, --type, --gebied and one of --public-key or --cert");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    kb_partner_t partner;
    memset (&partner, 0, sizeof partner);
    if (!ketenctl_partner_org_id_valid (org)) {
        ketenctl_err ("invalid organisation id \"%s\": use 2..64 of a-z, 0-9, '.', '_', '-'", org);
        return KETENCTL_USAGE;
    }
    partner.org_type = kb_org_type_parse (type);
    if (!partner.org_type) {
        ketenctl_err ("unknown organisation type \"%s\"", type);
        return KETENCTL_USAGE;
    }
    if (!kb_validate_text (gebied, 0, sizeof partner.gebied - 1)) {
        ketenctl_err ("invalid gebied: at most %zu bytes of printable UTF-8",
                      sizeof partner.gebied - 1);
        return KETENCTL_USAGE;
    }
    if (*gemeente && !kb_validate_gemeente_code_format (gemeente)) {
        ketenctl_err ("invalid gemeente code \"%s\": expected 4 digits (CBS code)", gemeente);
        return KETENCTL_USAGE;
    }
    if ((rc = s_public_key_arg (key, cert_path, partner.public_key)) != KETENCTL_OK)
        return rc;
    snprintf (partner.org_id, sizeof partner.org_id, "%s", org);
    snprintf (partner.gebied, sizeof partner.gebied, "%s", gebied);
    snprintf (partner.gemeente_code, sizeof partner.gemeente_code, "%s", gemeente);

    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    char actor[128];
    ketenctl_actor (actor, sizeof actor);
    switch (kb_partner_add (db, &partner, actor)) {
        case KB_PARTNER_OK:
            printf ("partner \"%s\" added type=%s key=%.8s\n",
                    partner.org_id,
                    kb_org_type_name (partner.org_type),
                    partner.public_key);
            rc = KETENCTL_OK;
            break;
        case KB_PARTNER_EXISTS:
            ketenctl_err ("could not add partner \"%s\": organisation id or public key is already "
                          "registered",
                          org);
            rc = KETENCTL_FAILED;
            break;
        case KB_PARTNER_INVALID:
            ketenctl_err ("could not add partner \"%s\": invalid registry entry", org);
            rc = KETENCTL_USAGE;
            break;
        default:
            ketenctl_err ("could not add partner \"%s\": database error (sqlstate %s)",
                          org,
                          kb_db_last_sqlstate (db));
            rc = KETENCTL_FAILED;
            break;
    }
    kb_db_destroy (&db);
    return rc;
}

static int
s_list (const ketenctl_t *ctx, int argc, char *argv[])
{
    const ketenctl_option_t options[] = {
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    PGresult *res = NULL;
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    rc = KETENCTL_FAILED;
    if (ketenctl_db_prepare (db, &s_list_statement, 1)) {
        ketenctl_err ("could not prepare the partner list");
        goto done;
    }
    kb_db_rc_t db_rc;
    res = ketenctl_db_query (db, &s_list_statement, NULL, &db_rc);
    if (!res) {
        ketenctl_err ("could not read the partner registry");
        goto done;
    }
    printf (
      "%-28s %-24s %-16s %-8s %-10s %s\n", "org", "type", "gebied", "gemeente", "key", "status");
    for (int i = 0; i < PQntuples (res); i++) {
        const char *revoked = PQgetvalue (res, i, 5);
        char status[64];
        if (*revoked)
            snprintf (status, sizeof status, "revoked %s", revoked);
        else
            snprintf (status, sizeof status, "active");
        printf ("%-28s %-24s %-16s %-8s %.8s…  %s\n",
                PQgetvalue (res, i, 0),
                kb_org_type_name (atoi (PQgetvalue (res, i, 1))),
                PQgetvalue (res, i, 2),
                PQgetvalue (res, i, 3),
                PQgetvalue (res, i, 4),
                status);
    }
    rc = KETENCTL_OK;
done:
    PQclear (res);
    kb_db_destroy (&db);
    return rc;
}

static int
s_revoke (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *org = NULL, *reason = "";
    const ketenctl_option_t options[] = {
        { .name = "org", .text = &org },
        { .name = "reason", .text = &reason },
        { .name = NULL },
    };
    int rc;
    int operand = ketenctl_options_parse (argc, argv, options, s_usage, &rc);
    if (operand < 0)
        return rc;
    if (operand < argc || !org) {
        ketenctl_err ("partner revoke needs --org");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    if (!kb_validate_text (reason, 0, 500)) {
        ketenctl_err ("invalid reason: at most 500 bytes of printable UTF-8");
        return KETENCTL_USAGE;
    }
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    char actor[128];
    ketenctl_actor (actor, sizeof actor);
    switch (kb_partner_revoke (db, org, reason, actor)) {
        case KB_PARTNER_OK:
            printf ("partner \"%s\" revoked\n", org);
            rc = KETENCTL_OK;
            break;
        case KB_PARTNER_NOT_FOUND:
            ketenctl_err ("could not revoke partner \"%s\": no active partner with this id", org);
            rc = KETENCTL_FAILED;
            break;
        default:
            ketenctl_err ("could not revoke partner \"%s\": database error (sqlstate %s)",
                          org,
                          kb_db_last_sqlstate (db));
            rc = KETENCTL_FAILED;
            break;
    }
    kb_db_destroy (&db);
    return rc;
}

static int
s_rekey (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *org = NULL, *key = NULL, *cert_path = NULL;
    const ketenctl_option_t options[] = {
        { .name = "org", .text = &org },
        { .name = "public-key", .text = &key },
        { .name = "cert", .text = &cert_path },
        { .name = NULL },
    };
    int rc;
    int operand = ketenctl_options_parse (argc, argv, options, s_usage, &rc);
    if (operand < 0)
        return rc;
    if (operand < argc || !org || (!key == !cert_path)) {
        ketenctl_err ("partner rekey needs --org and one of --public-key or --cert");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    char public_key[41];
    if ((rc = s_public_key_arg (key, cert_path, public_key)) != KETENCTL_OK)
        return rc;
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    char actor[128];
    ketenctl_actor (actor, sizeof actor);
    switch (kb_partner_rekey (db, org, public_key, actor)) {
        case KB_PARTNER_OK:
            printf ("partner \"%s\" has a new key=%.8s and is active\n", org, public_key);
            rc = KETENCTL_OK;
            break;
        case KB_PARTNER_NOT_FOUND:
            ketenctl_err ("could not rekey partner \"%s\": no partner with this id", org);
            rc = KETENCTL_FAILED;
            break;
        case KB_PARTNER_EXISTS:
            ketenctl_err ("could not rekey partner \"%s\": the key belongs to another partner",
                          org);
            rc = KETENCTL_FAILED;
            break;
        default:
            ketenctl_err ("could not rekey partner \"%s\": database error (sqlstate %s)", org,
                          kb_db_last_sqlstate (db));
            rc = KETENCTL_FAILED;
            break;
    }
    kb_db_destroy (&db);
    return rc;
}

static int
s_show (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *org = NULL;
    const ketenctl_option_t options[] = {
        { .name = "org", .text = &org },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    if (!org) {
        ketenctl_err ("partner show needs --org");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    PGresult *res = NULL;
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    rc = KETENCTL_FAILED;
    kb_db_rc_t db_rc;
    res = ketenctl_db_query (db, &s_show_statement, (const char *[]){ org }, &db_rc);
    if (!res) {
        ketenctl_err ("could not read the partner registry");
        rc = ketenctl_db_exit_rc (db_rc);
        goto done;
    }
    if (PQntuples (res) != 1) {
        ketenctl_err ("no partner \"%s\" in the registry", org);
        goto done;
    }
    const char *revoked = PQgetvalue (res, 0, 6);
    printf ("org:        %s\n", PQgetvalue (res, 0, 0));
    printf ("type:       %s\n", kb_org_type_name (atoi (PQgetvalue (res, 0, 1))));
    printf ("gebied:     %s\n", PQgetvalue (res, 0, 2));
    printf ("gemeente:   %s\n", PQgetvalue (res, 0, 3));
    printf ("curve key:  %s\n", PQgetvalue (res, 0, 4));
    printf ("added:      %s\n", PQgetvalue (res, 0, 5));
    if (*revoked)
        printf ("status:     revoked %s (%s)\n", revoked, PQgetvalue (res, 0, 7));
    else
        printf ("status:     active\n");
    kb_seal_key_t keys[32];
    int n = kb_seal_keys (db, org, keys, 32, &db_rc);
    if (n < 0) {
        ketenctl_err ("could not read the box keys of \"%s\"", org);
        rc = ketenctl_db_exit_rc (db_rc);
        goto done;
    }
    printf ("box keys:   %s\n", n ? "" : "none (payloads cannot be sealed to this partner yet)");
    for (int i = 0; i < n; i++) {
        char hex[KB_SEAL_KEY_HEX + 1];
        sodium_bin2hex (hex, sizeof hex, keys[i].public_key, KB_SEAL_KEY_BYTES);
        printf ("  %s %s %s%s\n", keys[i].key_id, hex, keys[i].created_at,
                keys[i].retired ? " retired" : " current");
    }
    rc = KETENCTL_OK;
done:
    PQclear (res);
    kb_db_destroy (&db);
    return rc;
}

static int
s_key_add (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *org = NULL, *hex = NULL, *path = NULL;
    const ketenctl_option_t options[] = {
        { .name = "org", .text = &org },
        { .name = "box-key", .text = &hex },
        { .name = "box-key-file", .text = &path },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    if (!org || (!hex == !path)) {
        ketenctl_err ("partner key-add needs --org and one of --box-key or --box-key-file");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    uint8_t pk[KB_SEAL_KEY_BYTES];
    if ((rc = ketenctl_box_key (hex, path, pk)) != KETENCTL_OK)
        return rc;
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    char actor[128], id[KB_SEAL_KEY_ID_LEN + 1];
    ketenctl_actor (actor, sizeof actor);
    switch (kb_seal_key_add (db, org, pk, actor, id)) {
        case KB_SEAL_OK:
            printf ("box key %s added for partner \"%s\"\n", id, org);
            rc = KETENCTL_OK;
            break;
        case KB_SEAL_EXISTS:
            ketenctl_err ("could not add box key %s: it is registered already", id);
            rc = KETENCTL_FAILED;
            break;
        case KB_SEAL_NOT_FOUND:
            ketenctl_err ("could not add box key: no active partner \"%s\"", org);
            rc = KETENCTL_FAILED;
            break;
        default:
            ketenctl_err ("could not add box key: database error (sqlstate %s)",
                          kb_db_last_sqlstate (db));
            rc = KETENCTL_FAILED;
            break;
    }
    kb_db_destroy (&db);
    return rc;
}

static int
s_key_retire (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *key_id = NULL;
    const ketenctl_option_t options[] = {
        { .name = "key-id", .text = &key_id },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    if (!key_id) {
        ketenctl_err ("partner key-retire needs --key-id");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    char actor[128];
    ketenctl_actor (actor, sizeof actor);
    switch (kb_seal_key_retire (db, key_id, actor)) {
        case KB_SEAL_OK:
            printf ("box key %s retired\n", key_id);
            rc = KETENCTL_OK;
            break;
        case KB_SEAL_NOT_FOUND:
            ketenctl_err ("could not retire box key \"%s\": no current key with this id", key_id);
            rc = KETENCTL_FAILED;
            break;
        default:
            ketenctl_err ("could not retire box key: database error (sqlstate %s)",
                          kb_db_last_sqlstate (db));
            rc = KETENCTL_FAILED;
            break;
    }
    kb_db_destroy (&db);
    return rc;
}

int
ketenctl_partner (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "add", s_add },
        { "list", s_list },
        { "show", s_show },
        { "revoke", s_revoke },
        { "rekey", s_rekey },
        { "key-add", s_key_add },
        { "key-retire", s_key_retire },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_usage);
}
