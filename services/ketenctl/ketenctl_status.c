/*  ketenctl_status - status, audit verify, quarantine. */
#include "ketenctl_status.h"

#include "ketenctl_output.h"

#include "intake_store.h"
#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_pseudo.h"

#include <ctype.h>
#include <limits.h>
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
             "  stored signals and partners of the intake schema; then for every schema\n"
             "  with a link: its outbox by stream kind, the streams waiting longest and\n"
             "  the messages it could not apply as a receiver (dead letters, retrying)\n"
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

static const ketenctl_statement_t s_status_statements[] = {
    { "ketenctl_status_quarantine",
      "SELECT count(*), count(*) FILTER (WHERE received_at > now() - "
      "interval '24 hours') FROM quarantine",
      0 },
    { "ketenctl_status_signals", "SELECT count(*) FROM signal", 0 },
    { "ketenctl_status_partners",
      "SELECT count(*) FILTER (WHERE revoked_at IS NULL), "
      "count(*) FILTER (WHERE revoked_at IS NOT NULL) FROM partner",
      0 },
};

static int
s_status_read (kb_db_t *db, s_status_t *st)
{
    memset (st, 0, sizeof *st);
    if (kb_outbox_prepare (db) ||
        ketenctl_db_prepare (
          db, s_status_statements, sizeof s_status_statements / sizeof s_status_statements[0]))
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
                "\"signals\": %ld, \"partners\": {\"active\": %ld, \"revoked\": %ld}",
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

/*  ---------------------------------------------------------------------
    status of every link: per schema with an outbox */

#define S_WAITING_MAX "5"

static const ketenctl_statement_t s_link_schemas_statement = {
    "ketenctl_link_schemas",
    "SELECT table_schema FROM information_schema.tables "
    "WHERE table_name = 'kb_outbox' AND table_type = 'BASE TABLE' ORDER BY 1",
    0
};

/* Outbox rows not yet acknowledged by stream kind: "person" for a
   per-person stream (named by the pseudonym), else what comes before the
   first colon (a partner's mailbox, tracking, toewijzing, registry, ...). */
static const ketenctl_statement_t s_link_kinds_statement = {
    "ketenctl_link_kinds",
    "SELECT CASE WHEN stream ~ '^[0-9a-f]{64}$' THEN 'person'"
    "  ELSE split_part (stream, ':', 1) END,"
    " count(*) FILTER (WHERE dead_at IS NULL),"
    " coalesce ((extract (epoch FROM now() - min (created_at)"
    "  FILTER (WHERE dead_at IS NULL)) * 1000)::bigint, 0),"
    " count(*) FILTER (WHERE dead_at IS NOT NULL)"
    " FROM kb_outbox WHERE acked_at IS NULL GROUP BY 1 ORDER BY 1",
    0
};

/* The streams whose oldest unacknowledged message waits longest. */
static const ketenctl_statement_t s_link_waiting_statement = {
    "ketenctl_link_waiting",
    "SELECT stream, count(*), (extract (epoch FROM now() - min (created_at)) * 1000)::bigint"
    " FROM kb_outbox WHERE acked_at IS NULL AND dead_at IS NULL"
    " GROUP BY stream ORDER BY min (created_at), stream LIMIT $1::int",
    1
};

/* One schema's link: prints it (text or a JSON object); returns an exit code. */
static int
s_link_schema (const ketenctl_t *ctx, const char *schema, bool json, bool first)
{
    int rc;
    kb_db_t *db = ketenctl_db_open (ctx, schema, false, &rc);
    if (!db)
        return rc;
    kb_db_rc_t db_rc = KB_DB_OK;
    const char *limit[1] = { S_WAITING_MAX };
    kb_link_inbox_status_t in;
    PGresult *kinds = ketenctl_db_query (db, &s_link_kinds_statement, NULL, &db_rc);
    PGresult *waiting = kinds ? ketenctl_db_query (db, &s_link_waiting_statement, limit, &db_rc)
                              : NULL;
    if (!kinds || !waiting || kb_link_inbox_status (db, &in)) {
        ketenctl_err ("could not read the link status of schema \"%s\"", schema);
        rc = db_rc != KB_DB_OK ? ketenctl_db_exit_rc (db_rc) : KETENCTL_FAILED;
        goto done;
    }
    if (json) {
        printf ("%s{\"schema\": ", first ? "" : ", ");
        ketenctl_json_string (stdout, schema);
        printf (", \"kinds\": [");
        for (int i = 0; i < PQntuples (kinds); i++) {
            printf ("%s{\"kind\": ", i ? ", " : "");
            ketenctl_json_string (stdout, PQgetvalue (kinds, i, 0));
            printf (", \"pending\": %s, \"oldest_pending_ms\": %s, \"dead\": %s}",
                    PQgetvalue (kinds, i, 1), PQgetvalue (kinds, i, 2), PQgetvalue (kinds, i, 3));
        }
        printf ("], \"waiting_longest\": [");
        for (int i = 0; i < PQntuples (waiting); i++) {
            printf ("%s{\"stream\": ", i ? ", " : "");
            ketenctl_json_string (stdout, PQgetvalue (waiting, i, 0));
            printf (", \"pending\": %s, \"oldest_pending_ms\": %s}", PQgetvalue (waiting, i, 1),
                    PQgetvalue (waiting, i, 2));
        }
        printf ("], \"received\": {\"dead\": %ld, \"retrying\": %ld}}", in.dead, in.retrying);
    } else {
        printf ("link of schema \"%s\"\n", schema);
        if (PQntuples (kinds) == 0)
            printf ("  outbox: nothing unacknowledged\n");
        for (int i = 0; i < PQntuples (kinds); i++)
            printf ("  outbox %-27s %s pending, oldest %.1f s, %s dead letters\n",
                    PQgetvalue (kinds, i, 0), PQgetvalue (kinds, i, 1),
                    atol (PQgetvalue (kinds, i, 2)) / 1000.0, PQgetvalue (kinds, i, 3));
        for (int i = 0; i < PQntuples (waiting); i++)
            printf ("  waiting longest: stream %s (%s pending, %.1f s)\n",
                    PQgetvalue (waiting, i, 0), PQgetvalue (waiting, i, 1),
                    atol (PQgetvalue (waiting, i, 2)) / 1000.0);
        printf ("  %-34s %ld dead letters, %ld retrying\n", "received", in.dead, in.retrying);
    }
    rc = KETENCTL_OK;
done:
    PQclear (waiting);
    PQclear (kinds);
    kb_db_destroy (&db);
    return rc;
}

/* Every schema with a link, after the intake schema's status (db). */
static int
s_links (const ketenctl_t *ctx, kb_db_t *db, bool json)
{
    kb_db_rc_t db_rc;
    PGresult *res = ketenctl_db_query (db, &s_link_schemas_statement, NULL, &db_rc);
    if (!res) {
        ketenctl_err ("could not list the schemas with a link");
        if (json)
            printf ("}\n");
        return ketenctl_db_exit_rc (db_rc);
    }
    int rc = KETENCTL_OK;
    if (json)
        printf (", \"links\": [");
    for (int i = 0; i < PQntuples (res); i++) {
        int one = s_link_schema (ctx, PQgetvalue (res, i, 0), json, i == 0);
        if (one != KETENCTL_OK)
            rc = one;
    }
    if (json)
        printf ("]}\n");
    PQclear (res);
    return rc;
}

int
ketenctl_status (const ketenctl_t *ctx, int argc, char *argv[])
{
    bool json = false;
    const ketenctl_option_t options[] = {
        { .name = "json", .flag = &json },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_status_usage, &rc))
        return rc;
    const char *schema = kb_config_str (ctx->config, "db/schema");
    kb_db_t *db = ketenctl_db_open (ctx, schema, true, &rc);
    if (!db)
        return rc;
    s_status_t st;
    if (s_status_read (db, &st)) {
        ketenctl_err ("could not read the status of schema \"%s\"", schema);
        rc = KETENCTL_FAILED;
    } else {
        s_status_print (schema, &st, json);
        rc = s_links (ctx, db, json);
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
             "usage: ketenctl audit verify [--schema S [--expect SEQ:HASH]]\n"
             "  checks the hash chain of the audit log of schema S, or of every schema\n"
             "  that has a kb_audit table, and prints each chain's head (SEQ:HASH); keep\n"
             "  that line outside the database (a ticket, another system): with --expect\n"
             "  a head recorded earlier must still be in the chain, which also catches a\n"
             "  log rewritten whole by someone with the database's credentials.\n"
             "  exit 0 when intact, 1 when broken or not matching --expect (that answer\n"
             "  only), 2 when a log could not be read (no such schema, no kb_audit table\n"
             "  in S, no right to read it), 3 when the database could not be reached\n");
}

/* The exit code of a log that could not be read: never 1, which a script
   takes for a broken chain. */
static int
s_audit_unread_rc (int db_rc)
{
    return db_rc == KB_DB_RETRY ? KETENCTL_UNREACHABLE : KETENCTL_USAGE;
}

static const ketenctl_statement_t s_audit_row_hash_statement = {
    "ketenctl_audit_row_hash",
    "SELECT encode (hash, 'hex') FROM kb_audit WHERE seq = $1::bigint",
    1
};

/* Whether the chain still holds the head recorded as expect ("SEQ:HASH",
   HASH in hex): the row SEQ has that hash. Returns KETENCTL_OK, or
   KETENCTL_FAILED with a line printed, or another exit code. */
static int
s_audit_expect (kb_db_t *db, const char *schema, const char *expect, long last_seq)
{
    const char *colon = strchr (expect, ':');
    char seq[24];
    if (!colon || colon == expect || (size_t)(colon - expect) >= sizeof seq
        || strspn (expect, "0123456789") != (size_t)(colon - expect)
        || strlen (colon + 1) != 2 * KB_AUDIT_HASH_SIZE
        || strspn (colon + 1, "0123456789abcdef") != 2 * KB_AUDIT_HASH_SIZE) {
        ketenctl_err ("invalid value for --expect: want SEQ:HASH as printed by audit verify");
        return KETENCTL_USAGE;
    }
    snprintf (seq, sizeof seq, "%.*s", (int)(colon - expect), expect);
    if (atol (seq) > last_seq) {
        printf ("audit chain broken: it ends at row %ld before the recorded head %s"
                " schema=\"%s\"\n",
                last_seq, seq, schema);
        return KETENCTL_FAILED;
    }
    kb_db_rc_t db_rc;
    PGresult *res = ketenctl_db_query (db, &s_audit_row_hash_statement, (const char *[]){ seq },
                                       &db_rc);
    if (!res) {
        ketenctl_err ("could not read row %s of the audit log of schema \"%s\"", seq, schema);
        return s_audit_unread_rc (db_rc);
    }
    int rc = KETENCTL_OK;
    if (PQntuples (res) != 1 || strcmp (PQgetvalue (res, 0, 0), colon + 1) != 0) {
        printf ("audit chain broken: row %s is not the recorded head (the log was rewritten)"
                " schema=\"%s\"\n",
                seq, schema);
        rc = KETENCTL_FAILED;
    }
    PQclear (res);
    return rc;
}

/* Verifies one schema's log; returns an exit code. */
static int
s_audit_verify_schema (const ketenctl_t *ctx, const char *schema, const char *expect,
                       bool *broken)
{
    int rc;
    kb_db_t *db = ketenctl_db_open (ctx, schema, false, &rc);
    if (!db)
        return rc;
    if (kb_audit_prepare (db)) {
        ketenctl_err ("could not read the audit log of schema \"%s\" (no kb_audit table?)", schema);
        kb_db_destroy (&db);
        return s_audit_unread_rc (KB_DB_FATAL);
    }
    kb_audit_verify_result_t result;
    int vrc = kb_audit_verify (db, &result);
    if (vrc == 0) {
        char head[2 * KB_AUDIT_HASH_SIZE + 1];
        for (int i = 0; i < KB_AUDIT_HASH_SIZE; i++)
            snprintf (head + 2 * i, 3, "%02x", result.last_hash[i]);
        printf ("audit chain intact rows=%ld schema=\"%s\" head=%ld:%s\n", result.rows_checked,
                schema, result.last_seq, head);
        rc = expect ? s_audit_expect (db, schema, expect, result.last_seq) : KETENCTL_OK;
        if (rc == KETENCTL_FAILED)
            *broken = true;
    } else if (vrc == KB_AUDIT_BROKEN) {
        printf ("audit chain broken at row %ld: %s schema=\"%s\"\n",
                result.first_bad_seq,
                result.problem,
                schema);
        *broken = true;
        rc = KETENCTL_FAILED;
    } else {
        ketenctl_err ("could not read the audit log of schema \"%s\"", schema);
        rc = s_audit_unread_rc (vrc);
    }
    kb_db_destroy (&db);
    return rc;
}

static const ketenctl_statement_t s_audit_schemas_statement = {
    "ketenctl_audit_schemas",
    "SELECT table_schema FROM information_schema.tables "
    "WHERE table_name = 'kb_audit' AND table_type = 'BASE TABLE' ORDER BY 1",
    0
};

static int
s_audit_verify (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *only = NULL, *expect = NULL;
    const ketenctl_option_t options[] = {
        { .name = "schema", .text = &only },
        { .name = "expect", .text = &expect },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_audit_usage, &rc))
        return rc;
    bool broken = false;
    if (expect && !only) {
        ketenctl_err ("--expect needs --schema: a recorded head belongs to one log");
        s_audit_usage (stderr);
        return KETENCTL_USAGE;
    }
    if (only)
        return s_audit_verify_schema (ctx, only, expect, &broken);

    /* Every schema with an audit log; the intake schema is migrated first
       so that a fresh database has (an empty) one. */
    PGresult *res = NULL;
    kb_db_t *db = ketenctl_db_open (ctx, kb_config_str (ctx->config, "db/schema"), true, &rc);
    if (!db)
        return rc == KETENCTL_FAILED ? KETENCTL_USAGE : rc; /* the migrations, not a chain */
    kb_db_rc_t db_rc;
    if (!(res = ketenctl_db_query (db, &s_audit_schemas_statement, NULL, &db_rc))) {
        ketenctl_err ("could not list the schemas with an audit log");
        rc = s_audit_unread_rc (db_rc);
        goto done;
    }
    int other = KETENCTL_OK;
    for (int i = 0; i < PQntuples (res); i++) {
        int one = s_audit_verify_schema (ctx, PQgetvalue (res, i, 0), NULL, &broken);
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
    static const ketenctl_subcommand_t subcommands[] = {
        { "verify", s_audit_verify },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_audit_usage);
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

static const ketenctl_statement_t s_quarantine_list_statement = {
    "ketenctl_quarantine_list",
    "SELECT id, to_char(received_at AT TIME ZONE 'UTC', "
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), sender_org, code, field, rule, size "
    "FROM quarantine ORDER BY id DESC LIMIT $1::int",
    1
};

static const ketenctl_statement_t s_quarantine_show_statement = {
    "ketenctl_quarantine_show",
    "SELECT id, to_char(received_at AT TIME ZONE 'UTC', "
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), sender_org, message_id, code, field, "
    " rule, size, sealed_raw FROM quarantine WHERE id = $1::bigint",
    1
};

/* Runs a quarantine statement with its one number parameter on the
   intake schema. Returns the result (caller PQclear()s it), or NULL with
   *exit_rc set and the error printed. */
static PGresult *
s_quarantine_read (const ketenctl_t *ctx,
                   const ketenctl_statement_t *statement,
                   long number,
                   int *exit_rc)
{
    kb_db_t *db = ketenctl_db_open (ctx, kb_config_str (ctx->config, "db/schema"), true, exit_rc);
    if (!db)
        return NULL;
    char text[32];
    snprintf (text, sizeof text, "%ld", number);
    const char *params[1] = { text };
    kb_db_rc_t db_rc;
    PGresult *res = ketenctl_db_query (db, statement, params, &db_rc);
    if (!res) {
        ketenctl_err ("could not read the quarantine");
        *exit_rc = KETENCTL_FAILED;
    }
    kb_db_destroy (&db);
    return res;
}

static int
s_quarantine_list (const ketenctl_t *ctx, int argc, char *argv[])
{
    long limit = 20;
    const ketenctl_option_t options[] = {
        { .name = "limit", .number = &limit, .min = 1, .max = 100000 },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_quarantine_usage, &rc))
        return rc;
    PGresult *res = s_quarantine_read (ctx, &s_quarantine_list_statement, limit, &rc);
    if (!res)
        return rc;
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
    PQclear (res);
    return KETENCTL_OK;
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
    long id = 0;
    const ketenctl_option_t options[] = {
        { .name = "id", .number = &id, .min = 1, .max = LONG_MAX },
        { .name = NULL },
    };
    int rc;
    int operand = ketenctl_options_parse (argc, argv, options, s_quarantine_usage, &rc);
    if (operand < 0)
        return rc;
    if (operand < argc || id == 0) {
        ketenctl_err ("quarantine show needs --id");
        s_quarantine_usage (stderr);
        return KETENCTL_USAGE;
    }
    kb_pseudo_t *pseudo = ketenctl_pseudo_load (ctx);
    if (!pseudo)
        return KETENCTL_USAGE;
    uint8_t key[32];
    kb_pseudo_quarantine_key (pseudo, key);
    kb_pseudo_destroy (&pseudo);

    unsigned char *sealed = NULL;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    PGresult *res = s_quarantine_read (ctx, &s_quarantine_show_statement, id, &rc);
    if (!res)
        goto done;
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
    {
        int arc = KETENCTL_FAILED;
        kb_db_t *adb = ketenctl_db_open (ctx, kb_config_str (ctx->config, "db/schema"), false, &arc);
        char reason[48];
        snprintf (reason, sizeof reason, "quarantine:%ld", id);
        if (adb)
            arc = ketenctl_audit_read (adb, "operator.quarantine_shown", NULL, reason);
        kb_db_destroy (&adb);
        if (arc != KETENCTL_OK) {
            rc = arc;
            goto done;
        }
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
    sodium_memzero (key, sizeof key);
    return rc;
}

int
ketenctl_quarantine (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "list", s_quarantine_list },
        { "show", s_quarantine_show },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_quarantine_usage);
}
