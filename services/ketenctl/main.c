/*  ketenctl - the operator and partner CLI of ketenbus. */
#include "ketenbus/kb_log.h"
#include "ketenctl_common.h"
#include "ketenctl_dashboard.h"
#include "ketenctl_gezin.h"
#include "ketenctl_keys.h"
#include "ketenctl_mailbox.h"
#include "ketenctl_partner.h"
#include "ketenctl_report.h"
#include "ketenctl_retention.h"
#include "ketenctl_review.h"
#include "ketenctl_seal.h"
#include "ketenctl_share.h"
#include "ketenctl_signal.h"
#include "ketenctl_simulate.h"
#include "ketenctl_status.h"

#include <czmq.h>
#include <signal.h>
#include <string.h>

typedef struct
{
    const char *name;
    ketenctl_command_fn *run;
    const char *summary;
} s_command_t;

static const s_command_t s_commands[] = {
    { "keygen", ketenctl_keys_keygen, "generate a CURVE certificate pair, a box key pair or the pseudonym key" },
    { "partner", ketenctl_partner, "add, list, show or revoke partners and their box keys" },
    { "send-signal", ketenctl_signal_send, "send one case signal to intake" },
    { "import", ketenctl_signal_import, "send the case signals of a CSV file to intake" },
    { "status", ketenctl_status, "queues, quarantine, signals and partners at a glance" },
    { "audit", ketenctl_audit, "verify the hash chain of the audit logs" },
    { "quarantine", ketenctl_quarantine, "list quarantined input or show one entry" },
    { "gezin", ketenctl_gezin, "show a gezin: members, plan, regisseur, involved organisations" },
    { "transfer", ketenctl_transfer, "list regie transfers" },
    { "escalation", ketenctl_escalation, "list escalations or decide one (ketencoordinator)" },
    { "mailbox", ketenctl_mailbox, "partner mailbox depth, or replay a partner's mailbox" },
    { "consent", ketenctl_consent, "record a person's consent or its withdrawal (partner)" },
    { "share", ketenctl_share, "ask for or offer data, send a sealed share payload (partner)" },
    { "review", ketenctl_review, "review override shares (ketencoordinator)" },
    { "retention", ketenctl_retention, "purge what may no longer be kept (daily)" },
    { "dashboard", ketenctl_dashboard, "accounts of the monitoring dashboard (user add, list, revoke)" },
    { "access-report", ketenctl_access_report, "what the audit logs hold about one resident (AVG 15)" },
    { "seal", ketenctl_seal, "seal a share payload to a partner's public box key" },
    { "open", ketenctl_open, "open a sealed share payload with your secret box key" },
    { "simulate", ketenctl_simulate, "send a fictional region's year of casework as the demo partners" },
    { NULL, NULL, NULL },
};

/* full: with the configuration keys (for --help, not for mistakes) */
static void
s_usage (FILE *out, bool full)
{
    fprintf (out,
             "usage: ketenctl [-c FILE] [--db CONNINFO] COMMAND [OPTIONS]\n"
             "       ketenctl COMMAND --help\n\ncommands:\n");
    for (const s_command_t *cmd = s_commands; cmd->name; cmd++)
        fprintf (out, "  %-14s %s\n", cmd->name, cmd->summary);
    fprintf (out,
             "\nexit codes: 0 ok, 1 refused or failed, 2 usage or configuration error,\n"
             "  3 database or intake unreachable, 4 import finished with rejected rows\n");
    if (full) {
        fputc ('\n', out);
        kb_config_print_help (ketenctl_config_keys, out);
    }
}

int
main (int argc, char *argv[])
{
    const char *path = NULL, *db = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp (argv[i], "-c") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp (argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
            s_usage (stdout, true);
            return KETENCTL_OK;
        } else if (strcmp (argv[i], "--example-config") == 0) {
            kb_config_print_example (ketenctl_config_keys, stdout);
            return KETENCTL_OK;
        } else {
            fprintf (stderr, "ketenctl: unknown option \"%s\"\n", argv[i]);
            s_usage (stderr, false);
            return KETENCTL_USAGE;
        }
    }
    if (i == argc) {
        fprintf (stderr, "ketenctl: no command given\n");
        s_usage (stderr, false);
        return KETENCTL_USAGE;
    }
    if (strcmp (argv[i], "help") == 0) {
        s_usage (stdout, true);
        return KETENCTL_OK;
    }
    const s_command_t *cmd = s_commands;
    while (cmd->name && strcmp (cmd->name, argv[i]) != 0)
        cmd++;
    if (!cmd->name) {
        fprintf (stderr, "ketenctl: unknown command \"%s\"\n", argv[i]);
        s_usage (stderr, false);
        return KETENCTL_USAGE;
    }
    char err[512];
    kb_config_t *config = kb_config_load (ketenctl_config_keys, path, err, sizeof err);
    if (!config) {
        fprintf (stderr, "ketenctl: %s\n", err);
        return KETENCTL_USAGE;
    }
    kb_log_level_t level = KB_LOG_WARNING;
    if (kb_log_level_parse (kb_config_str (config, "log/level"), &level)) {
        fprintf (stderr, "ketenctl: invalid value for key \"log/level\"\n");
        kb_config_destroy (&config);
        return KETENCTL_USAGE;
    }
    kb_log_init ("ketenctl", level);
    /* czmq must neither install signal handlers nor print */
    zsys_handler_set (NULL);
    zsys_init ();
    zsys_set_logstream (NULL);
    signal (SIGPIPE, SIG_IGN);

    ketenctl_t ctx = { .config = config, .db_override = db };
    int rc = cmd->run (&ctx, argc - i, argv + i);

    kb_config_destroy (&config);
    zsys_shutdown ();
    return rc;
}
