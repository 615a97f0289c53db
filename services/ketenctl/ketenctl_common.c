/*  ketenctl_common - config table, database, options, enum names. */
#include "ketenctl_common.h"

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_client.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_partner.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

kb_db_t *
ketenctl_db_open (const ketenctl_t *ctx, const char *schema, bool migrate, int *exit_rc)
{
    const char *conninfo = ketenctl_conninfo (ctx);
    if (!conninfo) {
        *exit_rc = KETENCTL_USAGE;
        return NULL;
    }
    int wait_ms = (int)kb_config_int (ctx->config, "db/connect_timeout_ms");
    kb_db_t *db = kb_db_connect (conninfo, schema, wait_ms);
    if (!db) {
        ketenctl_err ("could not connect to the database within %d ms", wait_ms);
        *exit_rc = KETENCTL_UNREACHABLE;
        return NULL;
    }
    if (migrate) {
        const char *dir = kb_config_str (ctx->config, "db/migrations");
        if (kb_db_migrate (db, dir, "intake") || kb_db_migrate (db, dir, "link") ||
            kb_db_migrate (db, dir, "audit")) {
            ketenctl_err ("could not apply migrations from \"%s\" schema=\"%s\"", dir, schema);
            *exit_rc = KETENCTL_FAILED;
            kb_db_destroy (&db);
            return NULL;
        }
    }
    *exit_rc = KETENCTL_OK;
    return db;
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
    if (!cert || !*cert)
        cert = kb_config_str (ctx->config, "partner/cert");
    *exit_rc = KETENCTL_USAGE;
    if (!*cert) {
        ketenctl_err ("no partner certificate: give --cert or set \"partner/cert\" "
                      "(KETENBUS_PARTNER_CERT)");
        return NULL;
    }
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
ketenctl_getopt (int argc, char *argv[], const char *shortopts, const struct option *longopts)
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

void
ketenctl_json_string (FILE *out, const char *s)
{
    fputc ('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf (out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf (out, "\\u%04x", *p);
        else
            fputc (*p, out);
    }
    fputc ('"', out);
}
