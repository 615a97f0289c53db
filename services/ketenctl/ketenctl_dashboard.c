/*  ketenctl_dashboard - dashboard accounts (monitor_auth) in monitoring's
    schema; every change is written to that schema's audit log in the same
    transaction. */
#include "ketenctl_dashboard.h"

#include "ketenctl_output.h"

#include "monitor_auth.h"

#include "ketenbus/kb_audit.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl dashboard user add --name NAME --role ketencoordinator|gemeente\n"
             "                                   [--gemeente CODE] [--days N]\n"
             "       ketenctl dashboard user list [--json]\n"
             "       ketenctl dashboard user revoke --name NAME\n"
             "  add:    creates an account of monitoring's dashboard and prints its token\n"
             "          ONCE on stdout (only its hash is stored); the gemeente role sees\n"
             "          one gemeente (--gemeente, CBS code); valid --days (default 365)\n"
             "  list:   every account: id, name, role, gemeente, expiry, active/revoked\n"
             "  revoke: the account's token and its logins stop working at once\n"
             "  Account names are 1..64 of letters, digits, '.', '_' and '-'.\n");
}

/* Connects to monitoring's schema with its migrations (so that accounts
   can be made before the daemon ever ran) and the statements. */
static kb_db_t *
s_open (const ketenctl_t *ctx, int *exit_rc)
{
    static const char *const components[] = { "monitoring", "link", "audit", NULL };
    kb_db_t *db = ketenctl_schema_open (ctx, "monitoring/schema", components, exit_rc);
    if (!db)
        return NULL;
    if (monitor_auth_prepare (db) || kb_audit_prepare (db)) {
        ketenctl_err ("could not prepare statements schema=\"%s\"", kb_db_schema (db));
        goto failed;
    }
    return db;
failed:
    kb_db_destroy (&db);
    *exit_rc = KETENCTL_FAILED;
    return NULL;
}

/* The operator's audit row for a change to account name. */
static int
s_audit (kb_db_t *db, const char *event, char action, const char *name)
{
    char actor[64], reason[KB_AUDIT_CODE_MAX + 1];
    ketenctl_actor (actor, sizeof actor);
    snprintf (reason, sizeof reason, "user:%s", name);
    kb_audit_entry_t entry = { .actor_org = "ketenbus",
                               .actor_user = actor,
                               .event = event,
                               .action = action,
                               .reason = reason,
                               .outcome = "done",
                               .authorised = true };
    return kb_audit_append (db, &entry);
}

static int
s_add (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *name = NULL, *role_name = NULL, *gemeente = NULL;
    long days = 365;
    const ketenctl_option_t options[] = {
        { .name = "name", .text = &name },
        { .name = "role", .text = &role_name },
        { .name = "gemeente", .text = &gemeente },
        { .name = "days", .number = &days, .min = 1, .max = 3660 },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    if (!name || !role_name) {
        ketenctl_err ("dashboard user add needs --name and --role");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    monitor_role_t role = monitor_auth_role_parse (role_name);
    if (role == MONITOR_ROLE_NONE) {
        ketenctl_err ("invalid value for \"--role\": ketencoordinator or gemeente");
        return KETENCTL_USAGE;
    }
    if (role == MONITOR_ROLE_GEMEENTE && !gemeente) {
        ketenctl_err ("the role gemeente needs --gemeente (CBS code of 4 digits)");
        return KETENCTL_USAGE;
    }
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    char token[MONITOR_AUTH_TOKEN_LEN + 1];
    const char *why = "";
    kb_db_rc_t db_rc = kb_db_begin (db);
    int add = db_rc == KB_DB_OK
                ? monitor_auth_user_add (db, name, role, gemeente, (int)days, token, &why)
                : -1;
    if (add == 0 && s_audit (db, "operator.dashboard_user_added", 'C', name) == KB_DB_OK &&
        kb_db_commit (db) == KB_DB_OK) {
        printf ("%s\n", token);
        fflush (stdout);
        fprintf (stderr,
                 "ketenctl: dashboard user added role=%s; the token above is shown only "
                 "once: hand it over safely\n",
                 role_name);
        rc = KETENCTL_OK;
    } else {
        kb_db_rollback (db);
        if (add == 1) {
            ketenctl_err ("could not add the dashboard user: %s", why);
            rc = KETENCTL_FAILED;
        } else {
            ketenctl_err ("could not add the dashboard user (database error)");
            rc = KETENCTL_FAILED;
        }
    }
    sodium_memzero (token, sizeof token);
    kb_db_destroy (&db);
    return rc;
}

static int
s_list (const ketenctl_t *ctx, int argc, char *argv[])
{
    bool json = false;
    const ketenctl_option_t options[] = {
        { .name = "json", .flag = &json },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    size_t n = 0;
    monitor_user_t *users = monitor_auth_user_list (db, &n);
    if (!users) {
        ketenctl_err ("could not list the dashboard users");
        kb_db_destroy (&db);
        return KETENCTL_FAILED;
    }
    if (json)
        printf ("[");
    else
        printf ("%-6s %-32s %-17s %-8s %-21s %s\n",
                "id",
                "name",
                "role",
                "gemeente",
                "expires",
                "status");
    for (size_t i = 0; i < n; i++) {
        const monitor_user_t *u = &users[i];
        if (json) {
            printf ("%s{\"id\": %lld, \"name\": ", i ? ", " : "", u->id);
            ketenctl_json_string (stdout, u->name);
            printf (", \"role\": \"%s\", \"gemeente\": ", monitor_auth_role_name (u->role));
            ketenctl_json_string (stdout, u->gemeente);
            printf (", \"expires_at\": \"%s\", \"revoked\": %s}",
                    u->expires_at,
                    u->revoked ? "true" : "false");
        } else {
            printf ("%-6lld %-32s %-17s %-8s %-21s %s\n",
                    u->id,
                    u->name,
                    monitor_auth_role_name (u->role),
                    *u->gemeente ? u->gemeente : "-",
                    u->expires_at,
                    u->revoked ? "revoked" : "active");
        }
    }
    if (json)
        printf ("]\n");
    free (users);
    kb_db_destroy (&db);
    return KETENCTL_OK;
}

static int
s_revoke (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *name = NULL;
    const ketenctl_option_t options[] = {
        { .name = "name", .text = &name },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    if (!name || !monitor_auth_name_valid (name)) {
        ketenctl_err ("dashboard user revoke needs --name (a valid account name)");
        return KETENCTL_USAGE;
    }
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    int done = kb_db_begin (db) == KB_DB_OK ? monitor_auth_user_revoke (db, name) : -1;
    if (done == 0 && s_audit (db, "operator.dashboard_user_revoked", 'U', name) == KB_DB_OK &&
        kb_db_commit (db) == KB_DB_OK) {
        printf ("revoked\n");
        rc = KETENCTL_OK;
    } else {
        kb_db_rollback (db);
        ketenctl_err (done == 1 ? "could not find an active dashboard user of that name"
                                : "could not revoke the dashboard user (database error)");
        rc = KETENCTL_FAILED;
    }
    kb_db_destroy (&db);
    return rc;
}

static int
s_user (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "add", s_add },
        { "list", s_list },
        { "revoke", s_revoke },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_usage);
}

int
ketenctl_dashboard (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "user", s_user },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_usage);
}
