/*  ketenctl_common - what every ketenctl command group shares: the config
    table, exit codes, sub-command dispatch and option tables, the database
    connection with migrations and named statements, the pseudonym key and
    the enum names of the wire catalogue. */
#ifndef KETENCTL_COMMON_H_INCLUDED
#define KETENCTL_COMMON_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ketenbus/kb_client.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_config.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_pseudo.h"

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

/* Prints the usage text of a command group on out: stdout when asked
   for with --help, stderr after a mistake. */
typedef void (ketenctl_usage_fn) (FILE *out);

/* "ketenctl: " + message + newline on stderr. */
void ketenctl_err (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/*  ---------------------------------------------------------------------
    Command line */

/* One sub-command of a group ("list" of "ketenctl partner list"). */
typedef struct
{
    const char *name; /* NULL ends a table */
    ketenctl_command_fn *run;
} ketenctl_subcommand_t;

/* Runs the sub-command of group argv[0] named by argv[1], with argv
   shifted by one. Without one: usage on stderr, exit 2; "--help", "-h" or
   "help": usage on stdout, exit 0; an unknown name: an error and usage on
   stderr, exit 2. */
int ketenctl_dispatch (const ketenctl_t *ctx,
                       int argc,
                       char *argv[],
                       const ketenctl_subcommand_t *subcommands,
                       ketenctl_usage_fn *usage);

/* One long option of a command. Exactly one target is set; it receives
   the option: flag is set to true (the option takes no value), text
   borrows the value from argv, number parses it as a decimal in min..max,
   call gets it with arg (nonzero: refused, call printed why). */
typedef struct
{
    const char *name; /* without "--"; NULL ends a table */
    bool *flag;
    const char **text;
    long *number;
    long min, max;
    int (*call) (void *arg, const char *value);
    void *arg;
} ketenctl_option_t;

/* Parses the options of one command (argv[0] is its name) with
   getopt_long; --help and -h are always there. Returns the index of the
   first argument after the options, or -1 when the command ends here with
   *exit_rc: KETENCTL_OK after --help (usage on stdout), KETENCTL_USAGE
   after a mistake (its error printed, and usage on stderr for an unknown
   option or a missing value). */
int ketenctl_options_parse (int argc,
                            char *argv[],
                            const ketenctl_option_t *options,
                            ketenctl_usage_fn *usage,
                            int *exit_rc);

/* The same for a command that takes nothing but options: an argument left
   over is an error too (exit 2). Returns 0, or -1 with *exit_rc. */
int ketenctl_options_only (int argc,
                           char *argv[],
                           const ketenctl_option_t *options,
                           ketenctl_usage_fn *usage,
                           int *exit_rc);

/* Parses a decimal int in min..max; returns 0 or -1 (error printed). */
int ketenctl_parse_int (const char *option, const char *text, long min, long max, long *out);

/*  ---------------------------------------------------------------------
    Database */

/* A named prepared statement of a command: constant SQL with $1..
   parameters, never text built at run time. */
typedef struct
{
    const char *name, *sql;
    int nparams;
} ketenctl_statement_t;

/* Connection string: --db, else db/conninfo. NULL (with an error printed)
   when neither is set. */
const char *ketenctl_conninfo (const ketenctl_t *ctx);

/* Connects to the database with schema first on the search_path. With
   migrate, creates the schema if need be and applies the intake, link and
   audit migrations (so that commands work before intake ever ran);
   without, the schema must exist (KETENCTL_USAGE: nothing is created). On
   failure prints an error and returns NULL with *exit_rc set
   (KETENCTL_USAGE, KETENCTL_UNREACHABLE or KETENCTL_FAILED). */
kb_db_t *ketenctl_db_open (const ketenctl_t *ctx, const char *schema, bool migrate, int *exit_rc);

/* Connects to the schema named by config key (which must not be empty)
   and applies the migrations of components (NULL-terminated), so that a
   command works before that schema's daemon ever ran. NULL with an error
   printed and *exit_rc set on failure. */
kb_db_t *ketenctl_schema_open (const ketenctl_t *ctx,
                               const char *key,
                               const char *const *components,
                               int *exit_rc);

/* Applies the migrations of components (NULL-terminated) from
   db/migrations to db's schema. Returns 0, or -1 with an error printed. */
int ketenctl_db_migrate (const ketenctl_t *ctx, kb_db_t *db, const char *const *components);

/* Prepares count statements (those prepared already are a no-op).
   Returns 0 or -1; the caller says what could not be done. */
int ketenctl_db_prepare (kb_db_t *db, const ketenctl_statement_t *statements, size_t count);

/* Prepares statement and runs it with its nparams text parameters.
   Returns the result (caller PQclear()s it), or NULL with *db_rc set
   (KB_DB_FATAL when it could not be prepared); the caller says what could
   not be read. */
PGresult *ketenctl_db_query (kb_db_t *db,
                             const ketenctl_statement_t *statement,
                             const char *const *params,
                             kb_db_rc_t *db_rc);

/* The exit code for a statement that failed with db_rc: unreachable when
   the connection was lost, else failed. */
int ketenctl_db_exit_rc (kb_db_rc_t db_rc);

/*  ---------------------------------------------------------------------
    Keys and clients */

/* A partner's client of intake: endpoint, server key and certificate from
   the options, else intake/endpoint, intake/server_key and partner/cert.
   On failure prints an error and returns NULL with *exit_rc set. */
kb_client_t *ketenctl_client_open (const ketenctl_t *ctx,
                                   const char *endpoint,
                                   const char *server_key,
                                   const char *cert,
                                   int *exit_rc);

/* The partner's CURVE secret key (of cert, else partner/cert) into key:
   a secret of the partner that the backbone never sees, to key what
   ketenctl derives from personal data (an import row's message id). The
   caller wipes key. Returns KETENCTL_OK or an exit code after printing why. */
#define KETENCTL_PARTNER_KEY_BYTES 32
int ketenctl_partner_key (const ketenctl_t *ctx,
                          const char *cert,
                          uint8_t key[KETENCTL_PARTNER_KEY_BYTES]);

/* The regional pseudonym key of pseudonym/key_file (caller destroys it).
   NULL with an error printed when none is configured or it does not load:
   a configuration problem, exit 2. */
kb_pseudo_t *ketenctl_pseudo_load (const ketenctl_t *ctx);

/* The BSN of --bsn arg ("-": one line of standard input) into out, when
   it is 9 digits passing the elfproef. Returns 0, or -1 after printing why.
   The caller wipes out when done. */
int ketenctl_bsn_read (const char *arg, char out[10]);

/* The pseudonym of bsn ("-": read from standard input, so it stays out
   of the process list and the shell history) with the regional key. The
   BSN is checked (elfproef), never printed or stored. Returns KETENCTL_OK
   or an exit code after printing why. */
int ketenctl_bsn_pseudonym (const ketenctl_t *ctx, const char *bsn_arg,
                            char out[KB_PSEUDONYM_LEN + 1]);

/* The operating system user running ketenctl (for the audit log). */
void ketenctl_actor (char *buf, size_t size);
/* The actor for the audit log: by (from --by: 1..64 printable characters,
   no '"') or, when by is NULL, the operating system user. Returns 0, or -1
   after printing why. */
int ketenctl_actor_or (const char *by, char *buf, size_t size);

/* Records that the operator read personal data (NEN 7513 action R) in the
   audit log of db's schema, committed before anything is shown: no audit
   row, no output. subject: a pseudonym or backbone reference (may be NULL);
   reason: a code such as "quarantine:17". Returns KETENCTL_OK or an exit
   code after printing why. */
int ketenctl_audit_read (kb_db_t *db, const char *event, const char *subject, const char *reason);

/* Milliseconds of the monotonic clock, for timeouts. */
int64_t ketenctl_now_ms (void);

/*  ---------------------------------------------------------------------
    Enum names */

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

#endif
