/*  ketenctl_gezin - gezin show, transfer list, escalation list|decide. */
#include "ketenctl_gezin.h"

#include "ketenctl_output.h"
#include "ketenctl_partner.h"
#include "zorg_gezin.h"
#include "zorg_plan.h"

#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_pseudo.h"
#include "ketenbus/kb_validate.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define S_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Statements of this module, prepared on the zorgtoewijzing connection
   next to zorg_store's own. */
static const ketenctl_statement_t s_statements[] = {
    { "ketenctl_zorg_members",
      "SELECT left(m.pseudonym, 12), coalesce(extract(year FROM p.birth_date)::int, 0), m.role "
      "FROM gezin g JOIN gezin_member m ON m.gezin_id = g.id "
      "JOIN person p ON p.pseudonym = m.pseudonym WHERE g.ref = $1 "
      "ORDER BY p.birth_date NULLS LAST, m.pseudonym",
      1 },
    { "ketenctl_zorg_involved",
      "SELECT i.org_id, i.org_type, " S_UTC (
        "i.first_signal_at") " FROM gezin g "
                             "JOIN involvement i ON i.gezin_id = g.id WHERE g.ref = $1 "
                             "ORDER BY i.first_signal_at, i.org_id",
      1 },
    { "ketenctl_zorg_transfers",
      "SELECT t.id, p.ref, coalesce(t.from_org, ''), t.to_org, t.reason, t.origin, "
      "t.status, " S_UTC (
        "t.deadline_at") " FROM transfer t JOIN plan p ON p.id = t.plan_id "
                         "WHERE NOT $1::bool OR t.status = 'pending' ORDER BY t.requested_at, t.id",
      1 },
    { "ketenctl_zorg_escalations",
      "SELECT e.id, e.kind, g.ref, e.status, " S_UTC (
        "e.opened_at") ", "
                       "coalesce(" S_UTC (
                         "e.decided_at") ", ''), coalesce(e.decided_by, ''), "
                                         "coalesce(e.decided_regisseur, ''), "
                                         /* what it is about: the two plans' regisseurs, or the
                                            transfer (8..13) */
                                         "coalesce(p.regisseur_org, ''), "
                                         "coalesce(op.regisseur_org, ''), "
                                         "coalesce(t.from_org, ''), coalesce(t.to_org, ''), "
                                         "coalesce(t.reject_reason, 0), coalesce(t.reason, 0) "
                                         "FROM escalation e JOIN gezin g ON g.id = e.gezin_id "
                                         "LEFT JOIN plan p ON p.id = e.plan_id "
                                         "LEFT JOIN plan op ON op.id = e.other_plan_id "
                                         "LEFT JOIN transfer t ON t.id = e.transfer_id "
                                         "WHERE NOT $1::bool OR e.status = 'open' ORDER BY "
                                         "e.opened_at, e.id",
      1 },
    { "ketenctl_zorg_escalation_get",
      "SELECT status, coalesce(decided_regisseur, '') FROM escalation WHERE id = $1",
      1 },
};

/* Connects to the zorgtoewijzing schema, applies its migrations (so that
   the commands answer before the daemon ever ran) and prepares the
   statements of zorg_store and of this module. */
kb_db_t *
ketenctl_zorg_open (const ketenctl_t *ctx, int *exit_rc)
{
    static const char *const zorg[] = { "zorgtoewijzing", "link", "audit", NULL };
    kb_db_t *db = ketenctl_schema_open (ctx, "zorg/schema", zorg, exit_rc);
    if (!db)
        return NULL;
    if (zorg_store_prepare (db) ||
        ketenctl_db_prepare (db, s_statements, sizeof s_statements / sizeof s_statements[0])) {
        ketenctl_err ("could not prepare statements schema=\"%s\"", kb_db_schema (db));
        goto failed;
    }
    return db;
failed:
    kb_db_destroy (&db);
    *exit_rc = KETENCTL_FAILED;
    return NULL;
}

/*  ---------------------------------------------------------------------
    gezin show */

static void
s_gezin_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl gezin show (--bsn BSN | --pseudonym P | --ref GEZIN_REF |\n"
             "                            --org ORG --case-ref REF) [--as-org ORG] [--json]\n"
             "  the gezin, its members (pseudonym prefix, birth year, role), the active\n"
             "  plan with regisseur, casemanager, basis and rule, the involved\n"
             "  organisations, pending transfers and open escalations\n"
             "  --bsn        pseudonymised here with pseudonym/key_file; never printed or stored;\n"
             "               --bsn - reads it from standard input (keeps it out of ps and history)\n"
             "  --pseudonym  a member's pseudonym (64 hex characters)\n"
             "  --ref        a gezin reference (a merged gezin shows the one it joined)\n"
             "  --org, --case-ref  a partner's own case reference\n"
             "  --as-org     what organisation ORG may see (Verwijsindex): a gezin it is not\n"
             "               involved with answers exactly like an unknown gezin\n"
             "  --json       one JSON object for scripts\n"
             "  exit 0 shown, 1 no gezin found, 2 usage, 3 database unreachable\n");
}

typedef struct
{
    zorg_gezin_info_t info;
    PGresult *members;  /* pseudonym prefix, birth year (0: unknown), role */
    PGresult *involved; /* org, org type, since */
} s_gezin_t;

static void
s_gezin_print_text (const s_gezin_t *g)
{
    const zorg_gezin_info_t *info = &g->info;
    char name[64], when[32];
    printf ("gezin %s\n", info->gezin_ref);
    printf ("  members\n");
    for (int i = 0; i < PQntuples (g->members); i++) {
        int year = atoi (PQgetvalue (g->members, i, 1));
        printf ("    %-14s %-6s %s\n",
                PQgetvalue (g->members, i, 0),
                year > 0 ? PQgetvalue (g->members, i, 1) : "-",
                ketenctl_enum_name (&ketenbus__v1__household_role__descriptor,
                                    atoi (PQgetvalue (g->members, i, 2)),
                                    name,
                                    sizeof name));
    }
    if (PQntuples (g->members) == 0)
        printf ("    none\n");
    if (info->has_plan) {
        printf ("  plan %s (%s)\n", info->plan_ref, info->plan_status);
        if (*info->regisseur_org)
            printf ("    %-12s %s (%s)\n",
                    "regisseur",
                    info->regisseur_org,
                    kb_org_type_name (info->regisseur_org_type));
        else
            printf ("    %-12s none: the ketencoordinator holds regie\n", "regisseur");
        printf ("    %-12s %s", "casemanager", ketenctl_or_dash (info->casemanager_name));
        if (*info->casemanager_phone)
            printf (", %s", info->casemanager_phone);
        printf ("\n    %-12s %s\n",
                "basis",
                ketenctl_enum_name (
                  &ketenbus__v1__regie_basis__descriptor, info->basis, name, sizeof name));
        printf ("    %-12s %s\n", "rule", ketenctl_or_dash (info->rule_name));
    } else
        printf ("  plan none\n");
    printf ("  involved organisations\n");
    for (int i = 0; i < PQntuples (g->involved); i++)
        printf ("    %-32s %-24s since %s\n",
                PQgetvalue (g->involved, i, 0),
                kb_org_type_name (atoi (PQgetvalue (g->involved, i, 1))),
                PQgetvalue (g->involved, i, 2));
    if (PQntuples (g->involved) == 0)
        printf ("    none\n");
    printf ("  pending transfers\n");
    for (int i = 0; i < info->ntransfers; i++) {
        const zorg_transfer_info_t *t = &info->transfers[i];
        ketenctl_utc (t->deadline_ms, when, sizeof when);
        printf ("    %s from %s to %s (%s) deadline %s\n",
                t->id,
                ketenctl_or_dash (t->from_org),
                t->to_org,
                t->origin,
                when);
    }
    if (info->ntransfers == 0)
        printf ("    none\n");
    printf ("  open escalations\n");
    for (int i = 0; i < info->nescalations; i++) {
        const zorg_escalation_info_t *e = &info->escalations[i];
        ketenctl_utc (e->opened_ms, when, sizeof when);
        printf ("    %s %s opened %s\n", e->id, e->kind, when);
    }
    if (info->nescalations == 0)
        printf ("    none\n");
}

static void
s_gezin_print_json (const s_gezin_t *g)
{
    const zorg_gezin_info_t *info = &g->info;
    char name[64], when[32];
    printf ("{");
    ketenctl_json_field ("gezin_ref", info->gezin_ref, false);
    printf (", \"members\": [");
    for (int i = 0; i < PQntuples (g->members); i++) {
        int year = atoi (PQgetvalue (g->members, i, 1));
        printf ("%s{", i ? ", " : "");
        ketenctl_json_field ("pseudonym_prefix", PQgetvalue (g->members, i, 0), false);
        if (year > 0)
            printf (", \"birth_year\": %d", year);
        else
            printf (", \"birth_year\": null");
        ketenctl_json_field ("role",
                             ketenctl_enum_name (&ketenbus__v1__household_role__descriptor,
                                                 atoi (PQgetvalue (g->members, i, 2)),
                                                 name,
                                                 sizeof name),
                             true);
        printf ("}");
    }
    printf ("], \"plan\": ");
    if (info->has_plan) {
        printf ("{");
        ketenctl_json_field ("ref", info->plan_ref, false);
        ketenctl_json_field ("status", info->plan_status, true);
        if (*info->regisseur_org) {
            ketenctl_json_field ("regisseur_org", info->regisseur_org, true);
            ketenctl_json_field (
              "regisseur_type", kb_org_type_name (info->regisseur_org_type), true);
        } else
            printf (", \"regisseur_org\": null, \"regisseur_type\": null");
        ketenctl_json_field ("casemanager_name", info->casemanager_name, true);
        ketenctl_json_field ("casemanager_phone", info->casemanager_phone, true);
        ketenctl_json_field (
          "basis",
          ketenctl_enum_name (
            &ketenbus__v1__regie_basis__descriptor, info->basis, name, sizeof name),
          true);
        ketenctl_json_field ("rule", info->rule_name, true);
        printf ("}");
    } else
        printf ("null");
    printf (", \"involved\": [");
    for (int i = 0; i < PQntuples (g->involved); i++) {
        printf ("%s{", i ? ", " : "");
        ketenctl_json_field ("org", PQgetvalue (g->involved, i, 0), false);
        ketenctl_json_field (
          "type", kb_org_type_name (atoi (PQgetvalue (g->involved, i, 1))), true);
        ketenctl_json_field ("since", PQgetvalue (g->involved, i, 2), true);
        printf ("}");
    }
    printf ("], \"transfers\": [");
    for (int i = 0; i < info->ntransfers; i++) {
        const zorg_transfer_info_t *t = &info->transfers[i];
        ketenctl_utc (t->deadline_ms, when, sizeof when);
        printf ("%s{", i ? ", " : "");
        ketenctl_json_field ("id", t->id, false);
        ketenctl_json_field ("from", t->from_org, true);
        ketenctl_json_field ("to", t->to_org, true);
        ketenctl_json_field ("origin", t->origin, true);
        ketenctl_json_field ("deadline", when, true);
        printf ("}");
    }
    printf ("], \"escalations\": [");
    for (int i = 0; i < info->nescalations; i++) {
        const zorg_escalation_info_t *e = &info->escalations[i];
        ketenctl_utc (e->opened_ms, when, sizeof when);
        printf ("%s{", i ? ", " : "");
        ketenctl_json_field ("id", e->id, false);
        ketenctl_json_field ("kind", e->kind, true);
        ketenctl_json_field ("opened", when, true);
        printf ("}");
    }
    printf ("]}\n");
}

static int
s_gezin_show (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *bsn = NULL, *pseudonym = NULL, *ref = NULL, *org = NULL, *case_ref = NULL;
    const char *as_org = NULL;
    bool json = false;
    const ketenctl_option_t options[] = {
        { .name = "bsn", .text = &bsn },
        { .name = "pseudonym", .text = &pseudonym },
        { .name = "ref", .text = &ref },
        { .name = "org", .text = &org },
        { .name = "case-ref", .text = &case_ref },
        { .name = "as-org", .text = &as_org },
        { .name = "json", .flag = &json },
        { .name = NULL },
    };
    int rc;
    int operand = ketenctl_options_parse (argc, argv, options, s_gezin_usage, &rc);
    if (operand < 0)
        return rc;
    int keys = (bsn != NULL) + (pseudonym != NULL) + (ref != NULL) + (org || case_ref);
    if (operand < argc || keys != 1 || (!org != !case_ref) || (as_org && org)) {
        ketenctl_err ("gezin show needs exactly one of --bsn, --pseudonym, --ref or "
                      "--org with --case-ref (--as-org goes with the first three)");
        s_gezin_usage (stderr);
        return KETENCTL_USAGE;
    }
    char key[KB_PSEUDONYM_LEN + 1] = "";
    if (bsn && (rc = ketenctl_bsn_pseudonym (ctx, bsn, key)) != KETENCTL_OK)
        return rc;
    s_gezin_t *g = calloc (1, sizeof *g);
    if (!g) {
        ketenctl_err ("out of memory");
        return KETENCTL_FAILED;
    }
    kb_db_t *db = ketenctl_zorg_open (ctx, &rc);
    if (!db)
        goto done;
    int zrc;
    if (org)
        zrc = zorg_gezin_show_case (db, org, case_ref, &g->info);
    else
        zrc = zorg_gezin_show (db, bsn ? key : pseudonym ? pseudonym : ref, as_org, &g->info);
    /* through a partner's reference, the partner's view was checked;
       the operator sees the whole gezin, escalations included */
    if (org && zrc == ZORG_OK)
        zrc = zorg_gezin_show (db, g->info.gezin_ref, NULL, &g->info);
    if (zrc == ZORG_ERR_NOT_FOUND) {
        ketenctl_err ("no gezin found");
        rc = KETENCTL_FAILED;
        goto done;
    }
    kb_db_rc_t db_rc = KB_DB_OK;
    const char *params[1] = { g->info.gezin_ref };
    if (zrc != ZORG_OK ||
        !(g->members = kb_db_run (db, "ketenctl_zorg_members", 1, params, NULL, NULL, &db_rc)) ||
        !(g->involved = kb_db_run (db, "ketenctl_zorg_involved", 1, params, NULL, NULL, &db_rc))) {
        ketenctl_err ("could not read the gezin schema=\"%s\"", kb_db_schema (db));
        rc = ketenctl_db_exit_rc (db_rc);
        goto done;
    }
    if ((rc = ketenctl_audit_read (db, "operator.gezin_shown", g->info.gezin_ref,
                                   org      ? "case_ref"
                                   : as_org ? "as_org"
                                   : bsn    ? "bsn"
                                            : "reference"))
        != KETENCTL_OK)
        goto done;
    if (json)
        s_gezin_print_json (g);
    else
        s_gezin_print_text (g);
    rc = KETENCTL_OK;
done:
    if (g) {
        PQclear (g->involved);
        PQclear (g->members);
        free (g);
    }
    kb_db_destroy (&db);
    sodium_memzero (key, sizeof key);
    return rc;
}

int
ketenctl_gezin (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "show", s_gezin_show },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_gezin_usage);
}

/*  ---------------------------------------------------------------------
    transfer list, escalation list */

/* What transfer list and escalation list share: one flag (--pending,
   --open) that keeps only what still waits, passed as the one parameter
   of statement on the zorgtoewijzing schema. Returns the result (caller
   PQclear()s it), or NULL with *exit_rc set (KETENCTL_OK after --help). */
static PGresult *
s_zorg_list (const ketenctl_t *ctx,
             int argc,
             char *argv[],
             const char *flag,
             ketenctl_usage_fn *usage,
             const char *statement,
             const char *what,
             int *exit_rc)
{
    bool waiting = false;
    const ketenctl_option_t options[] = {
        { .name = flag, .flag = &waiting },
        { .name = NULL },
    };
    if (ketenctl_options_only (argc, argv, options, usage, exit_rc))
        return NULL;
    kb_db_t *db = ketenctl_zorg_open (ctx, exit_rc);
    if (!db)
        return NULL;
    const char *params[1] = { waiting ? "true" : "false" };
    kb_db_rc_t db_rc;
    PGresult *res = kb_db_run (db, statement, 1, params, NULL, NULL, &db_rc);
    if (!res) {
        ketenctl_err ("could not read the %s schema=\"%s\"", what, kb_db_schema (db));
        *exit_rc = ketenctl_db_exit_rc (db_rc);
    }
    kb_db_destroy (&db);
    return res;
}

static void
s_transfer_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl transfer list [--pending]\n"
             "  regie transfers, oldest first: id, plan, from, to, reason, status, deadline\n"
             "  (reason \"hogere_regie\" for a transfer proposed by the rules)\n"
             "  --pending  only those still waiting for the receiving organisation\n");
}

static int
s_transfer_list (const ketenctl_t *ctx, int argc, char *argv[])
{
    int rc;
    PGresult *res = s_zorg_list (
      ctx, argc, argv, "pending", s_transfer_usage, "ketenctl_zorg_transfers", "transfers", &rc);
    if (!res)
        return rc;
    printf ("%-36s %-36s %-24s %-24s %-16s %-10s %s\n",
            "id",
            "plan",
            "from",
            "to",
            "reason",
            "status",
            "deadline");
    for (int i = 0; i < PQntuples (res); i++) {
        char reason[64];
        if (strcmp (PQgetvalue (res, i, 5), "hogere_regie") == 0)
            snprintf (reason, sizeof reason, "hogere_regie");
        else
            ketenctl_enum_name (&ketenbus__v1__regie_transfer_reason__descriptor,
                                atoi (PQgetvalue (res, i, 4)),
                                reason,
                                sizeof reason);
        printf ("%-36s %-36s %-24s %-24s %-16s %-10s %s\n",
                PQgetvalue (res, i, 0),
                PQgetvalue (res, i, 1),
                ketenctl_or_dash (PQgetvalue (res, i, 2)),
                PQgetvalue (res, i, 3),
                reason,
                PQgetvalue (res, i, 6),
                PQgetvalue (res, i, 7));
    }
    PQclear (res);
    return KETENCTL_OK;
}

int
ketenctl_transfer (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "list", s_transfer_list },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_transfer_usage);
}

/*  ---------------------------------------------------------------------
    escalation list|decide */

static void
s_escalation_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl escalation list [--open]\n"
             "       ketenctl escalation decide --id ID --regisseur ORG [--by NAME]\n"
             "  list:   escalations for the ketencoordinator, oldest first (merge conflicts,\n"
             "          rejected or timed-out transfers, no regisseur available) and what\n"
             "          each is about: the regisseurs of the two plans, or the transfer\n"
             "          (from, to, why asked, why rejected)\n"
             "          --open  only those not decided yet\n"
             "  decide: ORG (an active partner) gets regie of the gezin's plan; every\n"
             "          involved organisation is told, in one audited transaction.\n"
             "          --by defaults to the OS user. Exit 1 when the escalation is\n"
             "          unknown or already decided, or ORG is not an active partner\n");
}

static int
s_escalation_list (const ketenctl_t *ctx, int argc, char *argv[])
{
    int rc;
    PGresult *res = s_zorg_list (
      ctx, argc, argv, "open", s_escalation_usage, "ketenctl_zorg_escalations", "escalations", &rc);
    if (!res)
        return rc;
    printf ("%-36s %-22s %-36s %-8s %-20s %s | %s\n", "id", "kind", "gezin", "status", "opened",
            "decision", "about");
    for (int i = 0; i < PQntuples (res); i++) {
        char about[256] = "-", e1[64], e2[64];
        if (*PQgetvalue (res, i, 10) || *PQgetvalue (res, i, 11))
            snprintf (about, sizeof about, "transfer from=%s to=%s reason=%s rejected=%s",
                      ketenctl_or_dash (PQgetvalue (res, i, 10)), PQgetvalue (res, i, 11),
                      ketenctl_enum_name (&ketenbus__v1__regie_transfer_reason__descriptor,
                                          atoi (PQgetvalue (res, i, 13)), e1, sizeof e1),
                      atoi (PQgetvalue (res, i, 12))
                        ? ketenctl_enum_name (&ketenbus__v1__transfer_reject_reason__descriptor,
                                              atoi (PQgetvalue (res, i, 12)), e2, sizeof e2)
                        : "-");
        else if (*PQgetvalue (res, i, 8) || *PQgetvalue (res, i, 9))
            snprintf (about, sizeof about, "regisseurs %s and %s",
                      ketenctl_or_dash (PQgetvalue (res, i, 8)),
                      ketenctl_or_dash (PQgetvalue (res, i, 9)));
        char decision[256] = "-";
        if (strcmp (PQgetvalue (res, i, 3), "decided") == 0)
            snprintf (decision,
                      sizeof decision,
                      "regisseur=%s by=\"%s\" at=%s",
                      PQgetvalue (res, i, 7),
                      PQgetvalue (res, i, 6),
                      PQgetvalue (res, i, 5));
        printf ("%-36s %-22s %-36s %-8s %-20s %s | %s\n",
                PQgetvalue (res, i, 0),
                PQgetvalue (res, i, 1),
                PQgetvalue (res, i, 2),
                PQgetvalue (res, i, 3),
                PQgetvalue (res, i, 4),
                decision,
                about);
    }
    PQclear (res);
    return KETENCTL_OK;
}

static int
s_escalation_decide (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *id = NULL, *regisseur = NULL, *by = NULL;
    const ketenctl_option_t options[] = {
        { .name = "id", .text = &id },
        { .name = "regisseur", .text = &regisseur },
        { .name = "by", .text = &by },
        { .name = NULL },
    };
    int rc;
    int operand = ketenctl_options_parse (argc, argv, options, s_escalation_usage, &rc);
    if (operand < 0)
        return rc;
    if (operand < argc || !id || !regisseur) {
        ketenctl_err ("escalation decide needs --id and --regisseur");
        s_escalation_usage (stderr);
        return KETENCTL_USAGE;
    }
    if (!ketenctl_partner_org_id_valid (regisseur)) {
        ketenctl_err ("invalid organisation id \"%s\": use 2..64 of a-z, 0-9, '.', '_', '-'",
                      regisseur);
        return KETENCTL_USAGE;
    }
    char actor[128];
    if (ketenctl_actor_or (by, actor, sizeof actor))
        return KETENCTL_USAGE;

    PGresult *res = NULL;
    kb_db_t *db = ketenctl_zorg_open (ctx, &rc);
    if (!db)
        return rc;
    /* a clear answer for the usual mistakes; zorg_escalation_decide
       checks again under lock */
    const char *params[1] = { id };
    kb_db_rc_t db_rc;
    if (!(res = kb_db_run (db, "ketenctl_zorg_escalation_get", 1, params, NULL, NULL, &db_rc))) {
        ketenctl_err ("could not read escalation \"%s\"", id);
        rc = ketenctl_db_exit_rc (db_rc);
        goto done;
    }
    if (PQntuples (res) != 1) {
        ketenctl_err ("could not find escalation \"%s\"", id);
        rc = KETENCTL_FAILED;
        goto done;
    }
    if (strcmp (PQgetvalue (res, 0, 0), "open") != 0) {
        ketenctl_err (
          "escalation \"%s\" was already decided regisseur=\"%s\"", id, PQgetvalue (res, 0, 1));
        rc = KETENCTL_FAILED;
        goto done;
    }
    char err[512] = "";
    int zrc = zorg_escalation_decide (db, id, regisseur, actor, err, sizeof err);
    switch (zrc) {
        case ZORG_OK:
            printf ("escalation %s decided: regisseur %s by \"%s\"\n", id, regisseur, actor);
            rc = KETENCTL_OK;
            break;
        case ZORG_ERR_NOT_FOUND:
            ketenctl_err ("escalation \"%s\" is no longer open (decided meanwhile?)", id);
            rc = KETENCTL_FAILED;
            break;
        case ZORG_ERR_INVALID:
            ketenctl_err ("could not decide escalation \"%s\": %s", id, err);
            rc = KETENCTL_FAILED;
            break;
        default:
            ketenctl_err ("could not decide escalation \"%s\": %s", id, err);
            rc = KETENCTL_FAILED;
            break;
    }
done:
    PQclear (res);
    kb_db_destroy (&db);
    return rc;
}

int
ketenctl_escalation (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "list", s_escalation_list },
        { "decide", s_escalation_decide },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_escalation_usage);
}
