/*  ketenctl_status - status, audit verify, quarantine. */
#include "ketenctl_status.h"

#include "intake_store.h"
#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_pseudo.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/*  ---------------------------------------------------------------------
    status */

typedef struct
{
    kb_link_outbox_status_t outbox;
    long quarantine_total, quarantine_24h;
    long signals;
    long partners_active, partners_revoked;
} s_status_t;

static void
s_status_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl status [--json]\n"
             "  outbox (pending, oldest unacknowledged age, dead letters), quarantine,\n"
             "  stored signals and partners of the intake schema\n"
             "  --json   one JSON object for scripts\n");
}

/* Runs a prepared statement without parameters and reads up to two numbers
   from its single row. */
static int
s_numbers (kb_db_t *db, const char *name, long *a, long *b)
{
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, name, 0, NULL, NULL, NULL, &rc);
    if (!res)
        return -1;
    int ok = PQntuples (res) == 1;
    if (ok && a)
        *a = atol (PQgetvalue (res, 0, 0));
    if (ok && b && PQnfields (res) > 1)
        *b = atol (PQgetvalue (res, 0, 1));
    PQclear (res);
    return ok ? 0 : -1;
}

static int
s_status_read (kb_db_t *db, s_status_t *st)
{
    memset (st, 0, sizeof *st);
    if (kb_outbox_prepare (db) ||
        kb_db_prepare (db,
                       "ketenctl_status_quarantine",
                       "SELECT count(*), count(*) FILTER (WHERE received_at > now() - "
                       "interval '24 hours') FROM quarantine",
                       0) ||
        kb_db_prepare (db, "ketenctl_status_signals", "SELECT count(*) FROM signal", 0) ||
        kb_db_prepare (db,
                       "ketenctl_status_partners",
                       "SELECT count(*) FILTER (WHERE revoked_at IS NULL), "
                       "count(*) FILTER (WHERE revoked_at IS NOT NULL) FROM partner",
                       0))
        return -1;
    if (kb_link_outbox_status (db, &st->outbox) ||
        s_numbers (db, "ketenctl_status_quarantine", &st->quarantine_total, &st->quarantine_24h) ||
        s_numbers (db, "ketenctl_status_signals", &st->signals, NULL) ||
        s_numbers (db, "ketenctl_status_partners", &st->partners_active, &st->partners_revoked))
        return -1;
    return 0;
}

static void
s_status_print (const char *schema, const s_status_t *st, bool json)
{
    if (json) {
        printf ("{\"schema\": ");
        ketenctl_json_string (stdout, schema);
        printf (", \"outbox\": {\"pending\": %ld, \"oldest_pending_ms\": %ld, \"dead\": %ld, "
                "\"acked\": %ld}, \"quarantine\": {\"total\": %ld, \"last_24h\": %ld}, "
                "\"signals\": %ld, \"partners\": {\"active\": %ld, \"revoked\": %ld}}\n",
                st->outbox.pending,
                st->outbox.oldest_pending_ms,
                st->outbox.dead,
                st->outbox.acked,
                st->quarantine_total,
                st->quarantine_24h,
                st->signals,
                st->partners_active,
                st->partners_revoked);
        return;
    }
    printf ("schema \"%s\"\n", schema);
    printf ("  %-34s %ld\n", "outbox pending", st->outbox.pending);
    printf ("  %-34s %.1f s\n", "oldest unacknowledged", st->outbox.oldest_pending_ms / 1000.0);
    printf ("  %-34s %ld\n", "outbox dead letters", st->outbox.dead);
    printf ("  %-34s %ld\n", "outbox acknowledged (not pruned)", st->outbox.acked);
    printf (
      "  %-34s %ld (last 24h: %ld)\n", "quarantine", st->quarantine_total, st->quarantine_24h);
    printf ("  %-34s %ld\n", "signals stored", st->signals);
    printf (
      "  %-34s %ld active, %ld revoked\n", "partners", st->partners_active, st->partners_revoked);
}

int
ketenctl_status (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool json = false;
    int c;
    optind = 0;
    while ((c = ketenctl_getopt (argc, argv, "+:h", longopts)) != -1) {
        switch (c) {
            case 'j':
                json = true;
                break;
            case 'h':
                s_status_usage (stdout);
                return KETENCTL_OK;
            default:
                s_status_usage (stderr);
                return KETENCTL_USAGE;
        }
    }
    if (optind < argc) {
        ketenctl_err ("unexpected argument \"%s\"", argv[optind]);
        return KETENCTL_USAGE;
    }
    const char *schema = kb_config_str (ctx->config, "db/schema");
    int rc;
    kb_db_t *db = ketenctl_db_open (ctx, schema, true, &rc);
    if (!db)
        return rc;
    s_status_t st;
    if (s_status_read (db, &st)) {
        ketenctl_err ("could not read the status of schema \"%s\"", schema);
        rc = KETENCTL_FAILED;
    } else {
        s_status_print (schema, &st, json);
        rc = KETENCTL_OK;
    }
    kb_db_destroy (&db);
    return rc;
}

/*  ---------------------------------------------------------------------
    audit verify */

static void
s_audit_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl audit verify [--schema S]\n"
             "  checks the hash chain of the audit log of schema S, or of every schema\n"
             "  that has a kb_audit table; exit 0 when intact, 1 when broken\n");
}

/* Verifies one schema's log; returns an exit code. */
static int
s_audit_verify_schema (const ketenctl_t *ctx, const char *schema, bool *broken)
{
    int rc;
    kb_db_t *db = ketenctl_db_open (ctx, schema, false, &rc);
    if (!db)
        return rc;
    if (kb_audit_prepare (db)) {
        ketenctl_err ("could not read the audit log of schema \"%s\" (no kb_audit table?)", schema);
        kb_db_destroy (&db);
        return KETENCTL_FAILED;
    }
    kb_audit_verify_result_t result;
    int vrc = kb_audit_verify (db, &result);
    if (vrc == 0) {
        printf ("audit chain intact rows=%ld schema=\"%s\"\n", result.rows_checked, schema);
        rc = KETENCTL_OK;
    } else if (vrc == KB_AUDIT_BROKEN) {
        printf ("audit chain broken at row %ld: %s schema=\"%s\"\n",
                result.first_bad_seq,
                result.problem,
                schema);
        *broken = true;
        rc = KETENCTL_FAILED;
    } else {
        ketenctl_err ("could not read the audit log of schema \"%s\"", schema);
        rc = vrc == KB_DB_RETRY ? KETENCTL_UNREACHABLE : KETENCTL_FAILED;
    }
    kb_db_destroy (&db);
    return rc;
}

static int
s_audit_verify (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const struct option longopts[] = {
        { "schema", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *only = NULL;
    int c;
    optind = 0;
    while ((c = ketenctl_getopt (argc, argv, "+:h", longopts)) != -1) {
        switch (c) {
            case 's':
                only = optarg;
                break;
            case 'h':
                s_audit_usage (stdout);
                return KETENCTL_OK;
            default:
                s_audit_usage (stderr);
                return KETENCTL_USAGE;
        }
    }
    if (optind < argc) {
        ketenctl_err ("unexpected argument \"%s\"", argv[optind]);
        return KETENCTL_USAGE;
    }
    bool broken = false;
    if (only)
        return s_audit_verify_schema (ctx, only, &broken);

    /* Every schema with an audit log; the intake schema is migrated first
       so that a fresh database has (an empty) one. */
    int rc;
    PGresult *res = NULL;
    kb_db_t *db = ketenctl_db_open (ctx, kb_config_str (ctx->config, "db/schema"), true, &rc);
    if (!db)
        return rc;
    kb_db_rc_t db_rc;
    if (kb_db_prepare (db,
                       "ketenctl_audit_schemas",
                       "SELECT table_schema FROM information_schema.tables "
                       "WHERE table_name = 'kb_audit' AND table_type = 'BASE TABLE' ORDER BY 1",
                       0) ||
        !(res = kb_db_run (db, "ketenctl_audit_schemas", 0, NULL, NULL, NULL, &db_rc))) {
        ketenctl_err ("could not list the schemas with an audit log");
        rc = KETENCTL_FAILED;
        goto done;
    }
    int other = KETENCTL_OK;
    for (int i = 0; i < PQntuples (res); i++) {
        int one = s_audit_verify_schema (ctx, PQgetvalue (res, i, 0), &broken);
        if (one != KETENCTL_OK)
            other = one;
    }
    /* a broken chain is the answer that matters most */
    rc = broken ? KETENCTL_FAILED : other;
done:
    PQclear (res);
    kb_db_destroy (&db);
    return rc;
}

int
ketenctl_audit (const ketenctl_t *ctx, int argc, char *argv[])
{
    if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
        strcmp (argv[1], "help") == 0) {
        bool help = argc >= 2;
        s_audit_usage (help ? stdout : stderr);
        return help ? KETENCTL_OK : KETENCTL_USAGE;
    }
    if (strcmp (argv[1], "verify") == 0)
        return s_audit_verify (ctx, argc - 1, argv + 1);
    ketenctl_err ("unknown audit command \"%s\"", argv[1]);
    s_audit_usage (stderr);
    return KETENCTL_USAGE;
}

/*  ---------------------------------------------------------------------
    quarantine */

static void
s_quarantine_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl quarantine list [--limit N]\n"
             "       ketenctl quarantine show --id N\n"
             "  list: the newest quarantined inputs (id, time, org, code, field, rule, size)\n"
             "  show: hex dump of the unsealed raw bytes; needs pseudonym/key_file.\n"
             "        The output may contain personal data (BSN): handle it accordingly.\n");
}

static int
s_quarantine_list (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const struct option longopts[] = {
        { "limit", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    long limit = 20;
    int c;
    optind = 0;
    while ((c = ketenctl_getopt (argc, argv, "+:h", longopts)) != -1) {
        switch (c) {
            case 'l':
                if (ketenctl_parse_int ("--limit", optarg, 1, 100000, &limit))
                    return KETENCTL_USAGE;
                break;
            case 'h':
                s_quarantine_usage (stdout);
                return KETENCTL_OK;
            default:
                s_quarantine_usage (stderr);
                return KETENCTL_USAGE;
        }
    }
    if (optind < argc) {
        ketenctl_err ("unexpected argument \"%s\"", argv[optind]);
        return KETENCTL_USAGE;
    }
    int rc;
    PGresult *res = NULL;
    kb_db_t *db = ketenctl_db_open (ctx, kb_config_str (ctx->config, "db/schema"), true, &rc);
    if (!db)
        return rc;
    char limit_text[32];
    snprintf (limit_text, sizeof limit_text, "%ld", limit);
    const char *params[1] = { limit_text };
    kb_db_rc_t db_rc;
    if (kb_db_prepare (db,
                       "ketenctl_quarantine_list",
                       "SELECT id, to_char(received_at AT TIME ZONE 'UTC', "
                       " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), sender_org, code, field, rule, size "
                       "FROM quarantine ORDER BY id DESC LIMIT $1::int",
                       1) ||
        !(res = kb_db_run (db, "ketenctl_quarantine_list", 1, params, NULL, NULL, &db_rc))) {
        ketenctl_err ("could not read the quarantine");
        rc = KETENCTL_FAILED;
        goto done;
    }
    printf ("%-8s %-20s %-24s %-6s %-28s %-8s %s\n",
            "id",
            "time",
            "org",
            "code",
            "field",
            "size",
            "rule");
    for (int i = 0; i < PQntuples (res); i++)
        printf ("%-8s %-20s %-24s %-6s %-28s %-8s %s\n",
                PQgetvalue (res, i, 0),
                PQgetvalue (res, i, 1),
                PQgetvalue (res, i, 2),
                PQgetvalue (res, i, 3),
                PQgetvalue (res, i, 4),
                PQgetvalue (res, i, 6),
                PQgetvalue (res, i, 5));
    rc = KETENCTL_OK;
done:
    PQclear (res);
    kb_db_destroy (&db);
    return rc;
}

static void
s_hexdump (FILE *out, const uint8_t *data, size_t len)
{
    for (size_t off = 0; off < len; off += 16) {
        fprintf (out, "%08zx  ", off);
        for (size_t i = 0; i < 16; i++) {
            if (off + i < len)
                fprintf (out, "%02x ", data[off + i]);
            else
                fputs ("   ", out);
            if (i == 7)
                fputc (' ', out);
        }
        fputs (" |", out);
        for (size_t i = 0; i < 16 && off + i < len; i++)
            fputc (isprint (data[off + i]) ? data[off + i] : '.', out);
        fputs ("|\n", out);
    }
}

static int
s_quarantine_show (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const struct option longopts[] = {
        { "id", required_argument, NULL, 'i' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    long id = 0;
    int c;
    optind = 0;
    while ((c = ketenctl_getopt (argc, argv, "+:h", longopts)) != -1) {
        switch (c) {
            case 'i':
                if (ketenctl_parse_int ("--id", optarg, 1, LONG_MAX, &id))
                    return KETENCTL_USAGE;
                break;
            case 'h':
                s_quarantine_usage (stdout);
                return KETENCTL_OK;
            default:
                s_quarantine_usage (stderr);
                return KETENCTL_USAGE;
        }
    }
    if (optind < argc || id == 0) {
        ketenctl_err ("quarantine show needs --id");
        s_quarantine_usage (stderr);
        return KETENCTL_USAGE;
    }
    const char *key_file = kb_config_str (ctx->config, "pseudonym/key_file");
    if (!*key_file) {
        ketenctl_err ("no pseudonym key configured: set \"pseudonym/key_file\" or "
                      "KETENBUS_PSEUDONYM_KEY_FILE");
        return KETENCTL_USAGE;
    }
    char err[512];
    kb_pseudo_t *pseudo = kb_pseudo_load (key_file, err, sizeof err);
    if (!pseudo) {
        ketenctl_err ("could not load pseudonym key: %s", err);
        return KETENCTL_USAGE;
    }
    uint8_t key[32];
    kb_pseudo_quarantine_key (pseudo, key);
    kb_pseudo_destroy (&pseudo);

    int rc;
    PGresult *res = NULL;
    unsigned char *sealed = NULL;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    kb_db_t *db = ketenctl_db_open (ctx, kb_config_str (ctx->config, "db/schema"), true, &rc);
    if (!db)
        goto done;
    char id_text[32];
    snprintf (id_text, sizeof id_text, "%ld", id);
    const char *params[1] = { id_text };
    kb_db_rc_t db_rc;
    if (kb_db_prepare (db,
                       "ketenctl_quarantine_show",
                       "SELECT id, to_char(received_at AT TIME ZONE 'UTC', "
                       " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), sender_org, message_id, code, field, "
                       " rule, size, sealed_raw FROM quarantine WHERE id = $1::bigint",
                       1) ||
        !(res = kb_db_run (db, "ketenctl_quarantine_show", 1, params, NULL, NULL, &db_rc))) {
        ketenctl_err ("could not read the quarantine");
        rc = KETENCTL_FAILED;
        goto done;
    }
    if (PQntuples (res) != 1) {
        ketenctl_err ("could not find quarantine entry %ld", id);
        rc = KETENCTL_FAILED;
        goto done;
    }
    size_t sealed_len = 0;
    sealed = PQunescapeBytea ((const unsigned char *)PQgetvalue (res, 0, 8), &sealed_len);
    if (sodium_init () < 0 || !sealed ||
        !(plain = intake_store_unseal (key, sealed, sealed_len, &plain_len))) {
        ketenctl_err ("could not unseal quarantine entry %ld (wrong pseudonym key?)", id);
        rc = KETENCTL_FAILED;
        goto done;
    }
    fprintf (stderr,
             "ketenctl: WARNING: the raw bytes below may contain personal data (BSN); "
             "do not copy them into tickets or logs\n");
    printf ("id %s  time %s  org \"%s\"  message_id \"%s\"\n",
            PQgetvalue (res, 0, 0),
            PQgetvalue (res, 0, 1),
            PQgetvalue (res, 0, 2),
            PQgetvalue (res, 0, 3));
    printf ("code %s  field \"%s\"  rule \"%s\"  size %zu\n",
            PQgetvalue (res, 0, 4),
            PQgetvalue (res, 0, 5),
            PQgetvalue (res, 0, 6),
            plain_len);
    s_hexdump (stdout, plain, plain_len);
    rc = KETENCTL_OK;
done:
    if (plain) {
        sodium_memzero (plain, plain_len);
        free (plain);
    }
    if (sealed)
        PQfreemem (sealed);
    PQclear (res);
    kb_db_destroy (&db);
    sodium_memzero (key, sizeof key);
    return rc;
}

int
ketenctl_quarantine (const ketenctl_t *ctx, int argc, char *argv[])
{
    if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
        strcmp (argv[1], "help") == 0) {
        bool help = argc >= 2;
        s_quarantine_usage (help ? stdout : stderr);
        return help ? KETENCTL_OK : KETENCTL_USAGE;
    }
    if (strcmp (argv[1], "list") == 0)
        return s_quarantine_list (ctx, argc - 1, argv + 1);
    if (strcmp (argv[1], "show") == 0)
        return s_quarantine_show (ctx, argc - 1, argv + 1);
    ketenctl_err ("unknown quarantine command \"%s\"", argv[1]);
    s_quarantine_usage (stderr);
    return KETENCTL_USAGE;
}
