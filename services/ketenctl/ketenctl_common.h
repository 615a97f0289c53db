/*  ketenctl_common - what every ketenctl command group shares: the config
    table, exit codes, the database connection with migrations, option
    parsing helpers and the enum names of the wire catalogue. */
#ifndef KETENCTL_COMMON_H_INCLUDED
#define KETENCTL_COMMON_H_INCLUDED

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ketenbus/kb_client.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_config.h"
#include "ketenbus/kb_db.h"

/* Exit codes, the same for every command. */
#define KETENCTL_OK 0          /* done */
#define KETENCTL_FAILED 1      /* operation refused or failed */
#define KETENCTL_USAGE 2       /* bad command line or configuration */
#define KETENCTL_UNREACHABLE 3 /* database or intake could not be reached in time */
#define KETENCTL_REJECTS 4     /* import finished, some rows were rejected */

extern const kb_config_key_t ketenctl_config_keys[];

/* What main hands to every command: global options and the loaded config
   (borrowed, read-only). */
typedef struct
{
    const kb_config_t *config;
    const char *db_override; /* --db, NULL when not given */
} ketenctl_t;

/* One command: argv[0] is the command name (or the sub-command name). */
typedef int (ketenctl_command_fn) (const ketenctl_t *ctx, int argc, char *argv[]);

/* "ketenctl: " + message + newline on stderr. */
void ketenctl_err (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Connection string: --db, else db/conninfo. NULL (with an error printed)
   when neither is set. */
const char *ketenctl_conninfo (const ketenctl_t *ctx);

/* Connects to the database with schema first on the search_path. With
   migrate, applies the intake, link and audit migrations (so that commands
   work before intake ever ran). On failure prints an error and returns NULL
   with *exit_rc set (KETENCTL_USAGE, KETENCTL_UNREACHABLE or KETENCTL_FAILED). */
kb_db_t *ketenctl_db_open (const ketenctl_t *ctx, const char *schema, bool migrate, int *exit_rc);

/* A partner's client of intake: endpoint, server key and certificate from
   the options, else intake/endpoint, intake/server_key and partner/cert.
   On failure prints an error and returns NULL with *exit_rc set. */
kb_client_t *ketenctl_client_open (const ketenctl_t *ctx,
                                   const char *endpoint,
                                   const char *server_key,
                                   const char *cert,
                                   int *exit_rc);

/* The operating system user running ketenctl (for the audit log). */
void ketenctl_actor (char *buf, size_t size);

/* Parses the options of one command with getopt_long (state reset first).
   Returns the option character, -1 at the end, or '?' after printing the
   problem on stderr (unknown option or missing argument). */
int ketenctl_getopt (int argc, char *argv[], const char *shortopts, const struct option *longopts);

/* Parses a decimal int in min..max; returns 0 or -1 (error printed). */
int ketenctl_parse_int (const char *option, const char *text, long min, long max, long *out);

/* Enum values on the command line and in CSV files are the lower-case
   suffixes of the proto names: "huiselijk_geweld" for CATEGORY_HUISELIJK_GEWELD.
   Returns the value, or 0 (unspecified) when the name is unknown. */
int ketenctl_enum_parse (const ProtobufCEnumDescriptor *desc, const char *name);
/* Writes the accepted names of desc, comma separated, into buf. */
void ketenctl_enum_names (const ProtobufCEnumDescriptor *desc, char *buf, size_t size);

/* The lower-case name of value ("huiselijk_geweld") in buf; "-" for 0
   (unspecified), "unknown" for a value this build does not know. Returns buf. */
const char *ketenctl_enum_name (const ProtobufCEnumDescriptor *desc,
                                int value,
                                char *buf,
                                size_t size);

/* Writes a JSON string literal of s (quotes and escapes included). */
void ketenctl_json_string (FILE *out, const char *s);

#endif
