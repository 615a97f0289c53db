/*  ketenctl_common - config table, dispatch, options, database, keys,
    enum names. */
#include "ketenctl_common.h"

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_client.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_security.h"
#include "ketenbus/kb_validate.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_OPTIONS 32 /* options of one command, --help not counted */
/* getopt_long returns S_OPTION_VAL + i for option i: clear of any character */
#define S_OPTION_VAL 256

const kb_config_key_t ketenctl_config_keys[] = {
    { "db/conninfo",
      KB_CFG_STRING,
      "",
      0,
      0,
      "libpq connection string of the ketenbus database (--db overrides)" },
    { "db/schema", KB_CFG_STRING, "intake", 0, 0, "schema of intake (partner registry, signals)" },
    { "db/migrations",
      KB_CFG_STRING,
      KB_MIGRATIONS_DIR,
      0,
      0,
      "directory with the numbered .sql migrations" },
    { "db/connect_timeout_ms",
      KB_CFG_INT,
      "5000",
      0,
      600000,
      "how long to retry the database connection before giving up (exit 3)" },
    { "zorg/schema",
      KB_CFG_STRING,
      "zorgtoewijzing",
      0,
      0,
      "schema of zorgtoewijzing (gezin, plan, transfers, escalations)" },
    { "tracking/schema",
      KB_CFG_STRING,
      "client_tracking",
      0,
      0,
      "schema of client-tracking (trajectories; the retention purge reads who died)" },
    { "monitoring/schema",
      KB_CFG_STRING,
      "monitoring",
      0,
      0,
      "schema of monitoring (dashboard accounts: ketenctl dashboard user)" },
    { "retention/closed_days",
      KB_CFG_INT,
      "365",
      1,
      36500,
      "days after the last plan of a gezin closed before the gezin and everything about it is purged" },
    { "retention/youth_age",
      KB_CFG_INT,
      "23",
      1,
      150,
      "Verwijsindex rule: signals about a person younger than this at the signal are removed when the person reaches this age" },
    { "retention/youth_days",
      KB_CFG_INT,
      "730",
      1,
      36500,
      "Verwijsindex rule: ... or this many days after the signal, whichever comes first" },
    { "retention/quarantine_days",
      KB_CFG_INT,
      "90",
      1,
      36500,
      "days quarantined input is kept for the operator" },
    { "retention/dead_letter_days",
      KB_CFG_INT,
      "90",
      1,
      36500,
      "days a dead letter (a message a daemon gave up on, payload included) is kept for the operator" },
    { "intake/endpoint",
      KB_CFG_STRING,
      "tcp://127.0.0.1:7400",
      0,
      0,
      "ZeroMQ endpoint of intake (send-signal, import, mailbox replay)" },
    { "intake/server_key",
      KB_CFG_STRING,
      "",
      0,
      0,
      "intake's CURVE public key: Z85 text or the path of its .pub certificate" },
    { "partner/cert",
      KB_CFG_STRING,
      "",
      0,
      0,
      "the partner's secret CURVE certificate file (mode 600)" },
    { "pseudonym/key_file",
      KB_CFG_STRING,
      "",
      0,
      0,
      "regional pseudonym key (quarantine show, gezin show --bsn)" },
    { "log/level", KB_CFG_STRING, "warning", 0, 0, "debug, info, warning or error" },
    KB_CONFIG_END
};

void
ketenctl_err (const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    fprintf (stderr, "ketenctl: %s\n", line);
}

const char *
ketenctl_conninfo (const ketenctl_t *ctx)
{
    if (ctx->db_override && *ctx->db_override)
        return ctx->db_override;
    const char *conninfo = kb_config_str (ctx->config, "db/conninfo");
    if (conninfo && *conninfo)
        return conninfo;
    ketenctl_err ("no database configured: set \"db/conninfo\", KETENBUS_DB_CONNINFO or --db");
    return NULL;
}

static const ketenctl_statement_t s_schema_there = {
    "ketenctl_schema_there",
    "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
    1
};

/* Whether schema exists, asked without it on the search_path: connecting
   to a schema creates it, and a command that only reads (a mistyped
   --schema, a daemon that never ran) must leave no empty schema behind.
   KETENCTL_OK when it does; else an error printed and the exit code. */
static int
s_schema_exists (const char *conninfo, const char *schema, int wait_ms)
{
    kb_db_t *db = kb_db_connect (conninfo, NULL, wait_ms);
    if (!db) {
        ketenctl_err ("could not connect to the database within %d ms", wait_ms);
        return KETENCTL_UNREACHABLE;
    }
    kb_db_rc_t db_rc;
    PGresult *res = ketenctl_db_query (db, &s_schema_there, (const char *[]){ schema }, &db_rc);
    int rc = KETENCTL_OK;
    if (!res) {
        ketenctl_err ("could not look up schema \"%s\"", schema);
        rc = ketenctl_db_exit_rc (db_rc);
    } else if (PQgetvalue (res, 0, 0)[0] != 't') {
        ketenctl_err ("no schema \"%s\" in the database (mistyped, or its daemon never ran)",
                      schema);
        rc = KETENCTL_USAGE;
    }
    PQclear (res);
    kb_db_destroy (&db);
    return rc;
}

static kb_db_t *
s_db_open (const ketenctl_t *ctx, const char *schema, bool create, bool migrate, int *exit_rc)
{
    const char *conninfo = ketenctl_conninfo (ctx);
    if (!conninfo) {
        *exit_rc = KETENCTL_USAGE;
        return NULL;
    }
    int wait_ms = (int)kb_config_int (ctx->config, "db/connect_timeout_ms");
    if (!create && (*exit_rc = s_schema_exists (conninfo, schema, wait_ms)) != KETENCTL_OK)
        return NULL;
    kb_db_t *db = kb_db_connect (conninfo, schema, wait_ms);
    if (!db) {
        ketenctl_err ("could not connect to the database within %d ms", wait_ms);
        *exit_rc = KETENCTL_UNREACHABLE;
        return NULL;
    }
    /* what intake's schema needs, so that commands work before intake ran */
    static const char *const intake[] = { "intake", "link", "audit", NULL };
    if (migrate && ketenctl_db_migrate (ctx, db, intake)) {
        *exit_rc = KETENCTL_FAILED;
        kb_db_destroy (&db);
        return NULL;
    }
    *exit_rc = KETENCTL_OK;
    return db;
}

kb_db_t *
ketenctl_db_open (const ketenctl_t *ctx, const char *schema, bool migrate, int *exit_rc)
{
    return s_db_open (ctx, schema, migrate, migrate, exit_rc);
}

kb_db_t *
ketenctl_schema_open (const ketenctl_t *ctx,
                      const char *key,
                      const char *const *components,
                      int *exit_rc)
{
    const char *schema = kb_config_str (ctx->config, key);
    if (!*schema) {
        ketenctl_err ("invalid value for key \"%s\": must not be empty", key);
        *exit_rc = KETENCTL_USAGE;
        return NULL;
    }
    kb_db_t *db = s_db_open (ctx, schema, true, false, exit_rc);
    if (db && ketenctl_db_migrate (ctx, db, components)) {
        kb_db_destroy (&db);
        *exit_rc = KETENCTL_FAILED;
    }
    return db;
}

int
ketenctl_db_migrate (const ketenctl_t *ctx, kb_db_t *db, const char *const *components)
{
    const char *dir = kb_config_str (ctx->config, "db/migrations");
    for (const char *const *component = components; *component; component++)
        if (kb_db_migrate (db, dir, *component)) {
            ketenctl_err (
              "could not apply migrations from \"%s\" schema=\"%s\"", dir, kb_db_schema (db));
            return -1;
        }
    return 0;
}

int
ketenctl_db_prepare (kb_db_t *db, const ketenctl_statement_t *statements, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (kb_db_prepare (db, statements[i].name, statements[i].sql, statements[i].nparams))
            return -1;
    return 0;
}

PGresult *
ketenctl_db_query (kb_db_t *db,
                   const ketenctl_statement_t *statement,
                   const char *const *params,
                   kb_db_rc_t *db_rc)
{
    if (ketenctl_db_prepare (db, statement, 1)) {
        *db_rc = KB_DB_FATAL;
        return NULL;
    }
    return kb_db_run (db, statement->name, statement->nparams, params, NULL, NULL, db_rc);
}

int
ketenctl_db_exit_rc (kb_db_rc_t db_rc)
{
    return db_rc == KB_DB_RETRY ? KETENCTL_UNREACHABLE : KETENCTL_FAILED;
}

/* The partner's secret certificate: cert, else partner/cert; NULL after
   printing why when neither is set. */
static const char *
s_partner_cert (const ketenctl_t *ctx, const char *cert)
{
    if (!cert || !*cert)
        cert = kb_config_str (ctx->config, "partner/cert");
    if (!*cert) {
        ketenctl_err ("no partner certificate: give --cert or set \"partner/cert\" "
                      "(KETENBUS_PARTNER_CERT)");
        return NULL;
    }
    return cert;
}

kb_client_t *
ketenctl_client_open (const ketenctl_t *ctx,
                      const char *endpoint,
                      const char *server_key,
                      const char *cert,
                      int *exit_rc)
{
    if (!endpoint || !*endpoint)
        endpoint = kb_config_str (ctx->config, "intake/endpoint");
    if (!server_key || !*server_key)
        server_key = kb_config_str (ctx->config, "intake/server_key");
    *exit_rc = KETENCTL_USAGE;
    if (!(cert = s_partner_cert (ctx, cert)))
        return NULL;
    if (!*server_key) {
        ketenctl_err ("no intake server key: give --server-key or set \"intake/server_key\" "
                      "(KETENBUS_INTAKE_SERVER_KEY)");
        return NULL;
    }
    char err[512] = "";
    kb_client_t *client = kb_client_new (endpoint, cert, server_key, err, sizeof err);
    if (!client) {
        ketenctl_err ("could not connect to intake at \"%s\": %s", endpoint, err);
        return NULL;
    }
    *exit_rc = KETENCTL_OK;
    return client;
}

int
ketenctl_partner_key (const ketenctl_t *ctx,
                      const char *cert,
                      uint8_t key[KETENCTL_PARTNER_KEY_BYTES])
{
    if (!(cert = s_partner_cert (ctx, cert)))
        return KETENCTL_USAGE;
    char err[512] = "";
    zcert_t *loaded = kb_security_cert_load (cert, true, err, sizeof err);
    if (!loaded) {
        ketenctl_err ("could not load the partner certificate: %s", err);
        return KETENCTL_USAGE;
    }
    memcpy (key, zcert_secret_key (loaded), KETENCTL_PARTNER_KEY_BYTES);
    zcert_destroy (&loaded);
    return KETENCTL_OK;
}

kb_pseudo_t *
ketenctl_pseudo_load (const ketenctl_t *ctx)
{
    const char *key_file = kb_config_str (ctx->config, "pseudonym/key_file");
    if (!*key_file) {
        ketenctl_err ("no pseudonym key configured: set \"pseudonym/key_file\" or "
                      "KETENBUS_PSEUDONYM_KEY_FILE");
        return NULL;
    }
    char err[512];
    kb_pseudo_t *pseudo = kb_pseudo_load (key_file, err, sizeof err);
    if (!pseudo)
        ketenctl_err ("could not load pseudonym key: %s", err);
    return pseudo;
}

void
ketenctl_actor (char *buf, size_t size)
{
    struct passwd *pw = getpwuid (geteuid ());
    if (pw && pw->pw_name && *pw->pw_name)
        snprintf (buf, size, "%s", pw->pw_name);
    else if (getenv ("USER") && *getenv ("USER"))
        snprintf (buf, size, "%s", getenv ("USER"));
    else
        snprintf (buf, size, "uid:%u", (unsigned)geteuid ());
}

int
ketenctl_audit_read (kb_db_t *db, const char *event, const char *subject, const char *reason)
{
    char actor[64];
    ketenctl_actor (actor, sizeof actor);
    kb_audit_entry_t entry = { .actor_org = "ketenbus", .actor_user = actor, .event = event,
                               .action = 'R', .subject_pseudonym = subject, .reason = reason,
                               .outcome = "shown", .authorised = true };
    kb_db_rc_t rc = KB_DB_FATAL;
    if (kb_audit_prepare (db) == 0 && (rc = kb_db_begin (db)) == KB_DB_OK) {
        rc = (kb_db_rc_t) kb_audit_append (db, &entry);
        if (rc == KB_DB_OK)
            rc = kb_db_commit (db);
        if (rc != KB_DB_OK)
            kb_db_rollback (db);
    }
    if (rc == KB_DB_OK)
        return KETENCTL_OK;
    ketenctl_err ("could not write the audit entry for this read; nothing is shown");
    return ketenctl_db_exit_rc (rc);
}

int
ketenctl_actor_or (const char *by, char *buf, size_t size)
{
    if (!by) {
        ketenctl_actor (buf, size);
        return 0;
    }
    size_t len = strlen (by);
    bool ok = len > 0 && len <= 64;
    for (size_t i = 0; ok && i < len; i++)
        ok = (unsigned char) by[i] >= 0x20 && by[i] != 0x7f && by[i] != '"';
    if (!ok) {
        ketenctl_err ("invalid value for \"--by\": 1..64 printable characters");
        return -1;
    }
    snprintf (buf, size, "%s", by);
    return 0;
}

int
ketenctl_bsn_read (const char *arg, char out[10])
{
    /* "--bsn -" reads it from standard input, so it stays out of the
       process list and the shell history */
    char line[32] = "";
    if (strcmp (arg, "-") == 0) {
        if (!fgets (line, sizeof line, stdin))
            line[0] = '\0';
        line[strcspn (line, "\r\n")] = '\0';
        arg = line;
    }
    int ok = kb_validate_bsn (arg); /* exactly 9 digits */
    if (ok) {
        memcpy (out, arg, 9);
        out[9] = '\0';
    }
    sodium_memzero (line, sizeof line);
    if (!ok) {
        ketenctl_err ("invalid value for \"--bsn\": not 9 digits passing the elfproef");
        return -1;
    }
    return 0;
}

int
ketenctl_bsn_pseudonym (const ketenctl_t *ctx, const char *bsn_arg, char out[KB_PSEUDONYM_LEN + 1])
{
    char bsn[10];
    if (ketenctl_bsn_read (bsn_arg, bsn))
        return KETENCTL_USAGE;
    int rc = KETENCTL_USAGE;
    kb_pseudo_t *pseudo = ketenctl_pseudo_load (ctx);
    if (pseudo) {
        kb_pseudo_bsn (pseudo, bsn, out);
        rc = KETENCTL_OK;
    }
    kb_pseudo_destroy (&pseudo);
    sodium_memzero (bsn, sizeof bsn);
    return rc;
}

int64_t
ketenctl_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ketenctl_dispatch (const ketenctl_t *ctx,
                   int argc,
                   char *argv[],
                   const ketenctl_subcommand_t *subcommands,
                   ketenctl_usage_fn *usage)
{
    if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
        strcmp (argv[1], "help") == 0) {
        bool help = argc >= 2;
        usage (help ? stdout : stderr);
        return help ? KETENCTL_OK : KETENCTL_USAGE;
    }
    for (const ketenctl_subcommand_t *sub = subcommands; sub->name; sub++)
        if (strcmp (argv[1], sub->name) == 0)
            return sub->run (ctx, argc - 1, argv + 1);
    ketenctl_err ("unknown %s command \"%s\"", argv[0], argv[1]);
    usage (stderr);
    return KETENCTL_USAGE;
}

/* getopt_long that prints its own message for a mistake (opterr is off):
   returns the option, -1 at the end, or '?' after the message. */
static int
s_getopt (int argc, char *argv[], const char *shortopts, const struct option *longopts)
{
    int c = getopt_long (argc, argv, shortopts, longopts, NULL);
    if (c == '?') {
        /* optopt is 0 for an unknown long option; optind has moved past it */
        const char *bad = optind > 0 && optind <= argc ? argv[optind - 1] : "";
        ketenctl_err ("unknown option or missing value \"%s\" for \"%s\"", bad, argv[0]);
    } else if (c == ':') {
        ketenctl_err ("option \"%s\" of \"%s\" needs a value", argv[optind - 1], argv[0]);
        c = '?';
    }
    return c;
}

/* Stores value in the one target of option; 0, or -1 when it is refused
   (the reason printed). */
static int
s_option_store (const ketenctl_option_t *option, const char *value)
{
    if (option->flag)
        *option->flag = true;
    else if (option->text)
        *option->text = value;
    else if (option->number) {
        char name[80];
        snprintf (name, sizeof name, "--%s", option->name);
        return ketenctl_parse_int (name, value, option->min, option->max, option->number);
    } else
        return option->call (option->arg, value);
    return 0;
}

int
ketenctl_options_parse (int argc,
                        char *argv[],
                        const ketenctl_option_t *options,
                        ketenctl_usage_fn *usage,
                        int *exit_rc)
{
    struct option longopts[S_MAX_OPTIONS + 2];
    int n = 0;
    for (; options[n].name && n < S_MAX_OPTIONS; n++) {
        const ketenctl_option_t *o = &options[n];
        assert ((o->flag != NULL) + (o->text != NULL) + (o->number != NULL) + (o->call != NULL) ==
                1);
        longopts[n] = (struct option){
            o->name, o->flag ? no_argument : required_argument, NULL, S_OPTION_VAL + n
        };
    }
    assert (!options[n].name); /* a longer table: raise S_MAX_OPTIONS */
    longopts[n] = (struct option){ "help", no_argument, NULL, 'h' };
    longopts[n + 1] = (struct option){ NULL, 0, NULL, 0 };

    opterr = 0;
    optind = 0; /* 0 rather than 1: glibc then starts the scan afresh */
    int c;
    while ((c = s_getopt (argc, argv, "+:h", longopts)) != -1) {
        if (c == 'h') {
            usage (stdout);
            *exit_rc = KETENCTL_OK;
            return -1;
        }
        if (c < S_OPTION_VAL || c >= S_OPTION_VAL + n) {
            usage (stderr);
            *exit_rc = KETENCTL_USAGE;
            return -1;
        }
        if (s_option_store (&options[c - S_OPTION_VAL], optarg)) {
            *exit_rc = KETENCTL_USAGE;
            return -1;
        }
    }
    *exit_rc = KETENCTL_OK;
    return optind;
}

int
ketenctl_options_only (int argc,
                       char *argv[],
                       const ketenctl_option_t *options,
                       ketenctl_usage_fn *usage,
                       int *exit_rc)
{
    int operand = ketenctl_options_parse (argc, argv, options, usage, exit_rc);
    if (operand < 0)
        return -1;
    if (operand < argc) {
        ketenctl_err ("unexpected argument \"%s\"", argv[operand]);
        *exit_rc = KETENCTL_USAGE;
        return -1;
    }
    return 0;
}

int
ketenctl_parse_int (const char *option, const char *text, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol (text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        ketenctl_err (
          "invalid value for \"%s\": \"%s\" is not an integer in %ld..%ld", option, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* The common prefix of an enum's value names, taken from its zero value
   ("URGENCY_UNSPECIFIED" -> "URGENCY_"). */
static size_t
s_enum_prefix (const ProtobufCEnumDescriptor *desc, char *buf, size_t size)
{
    const char *zero = NULL;
    for (unsigned i = 0; i < desc->n_values; i++)
        if (desc->values[i].value == 0)
            zero = desc->values[i].name;
    const char *suffix = zero ? strstr (zero, "UNSPECIFIED") : NULL;
    size_t len = suffix ? (size_t)(suffix - zero) : 0;
    if (len >= size)
        len = 0;
    memcpy (buf, zero ? zero : "", len);
    buf[len] = '\0';
    return len;
}

int
ketenctl_enum_parse (const ProtobufCEnumDescriptor *desc, const char *name)
{
    char full[128];
    size_t len = s_enum_prefix (desc, full, sizeof full);
    size_t nlen = name ? strlen (name) : 0;
    if (nlen == 0 || len + nlen >= sizeof full)
        return 0;
    for (size_t i = 0; i < nlen; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum (c) && c != '_')
            return 0;
        full[len + i] = (char)toupper (c);
    }
    full[len + nlen] = '\0';
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name (desc, full);
    return v ? v->value : 0;
}

void
ketenctl_enum_names (const ProtobufCEnumDescriptor *desc, char *buf, size_t size)
{
    char prefix[128];
    size_t plen = s_enum_prefix (desc, prefix, sizeof prefix);
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < desc->n_values; i++) {
        if (desc->values[i].value == 0)
            continue;
        const char *name = desc->values[i].name;
        if (strlen (name) < plen)
            continue;
        for (const char *p = name + plen; *p && used + 3 < size; p++)
            buf[used++] = (char)tolower ((unsigned char)*p);
        if (i + 1 < desc->n_values && used + 3 < size) {
            buf[used++] = ',';
            buf[used++] = ' ';
        }
        buf[used] = '\0';
    }
}

const char *
ketenctl_enum_name (const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t size)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value (desc, value);
    if (!v || value == 0) {
        snprintf (buf, size, "%s", value == 0 ? "-" : "unknown");
        return buf;
    }
    char prefix[128];
    size_t plen = s_enum_prefix (desc, prefix, sizeof prefix);
    size_t used = 0;
    const char *name = strlen (v->name) >= plen ? v->name + plen : v->name;
    for (const char *p = name; *p && used + 1 < size; p++)
        buf[used++] = (char)tolower ((unsigned char)*p);
    buf[used] = '\0';
    return buf;
}
