/*  ketenctl_report - the resident's access report (AVG article 15). */
#include "ketenctl_report.h"
#include "ketenctl_output.h"

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_validate.h"

#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl access-report --bsn BSN|- [--from DATE] [--to DATE] [--json]\n"
             "  The resident's access report (AVG article 15): every audited event about the\n"
             "  person, or about a gezin the person belongs to (or belonged to before a merge),\n"
             "  in intake and zorgtoewijzing: when, which organisation (and user, and on whose\n"
             "  behalf), what (event and action C/R/U/D/E), on which ground, with what outcome\n"
             "  and the NEN 7513 check flags. The BSN is pseudonymised here with\n"
             "  pseudonym/key_file and never printed or stored; --bsn - reads it from standard\n"
             "  input. Producing the report is itself audited. DATE: YYYY-MM-DD (UTC), --to\n"
             "  inclusive.\n");
}

/* The gezin references of a person, also of gezinnen merged into those. */
static const ketenctl_statement_t s_refs = {
    "ketenctl_report_refs",
    "WITH RECURSIVE mine AS ("
    " SELECT g.id, g.ref FROM gezin_member m JOIN gezin g ON g.id = m.gezin_id"
    " WHERE m.pseudonym = $1"
    " UNION SELECT g.id, g.ref FROM gezin g JOIN mine ON g.merged_into = mine.id)"
    " SELECT coalesce (array_agg (ref ORDER BY id), '{}') FROM mine",
    1
};

/* Events about the person ($1) or one of the gezinnen ($2) in one
   schema's audit log, between $3 and $4 (dates; NULL: open). */
static const ketenctl_statement_t s_events = {
    "ketenctl_report_events",
    "SELECT to_char (at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), actor_org,"
    " coalesce (actor_user, ''), coalesce (on_behalf_of, ''), event, action,"
    " CASE WHEN subject_pseudonym = $1 THEN 'person' ELSE 'gezin' END, coalesce (reason, ''),"
    " outcome, flag_authorised, flag_care_relation, flag_consent, flag_emergency, at_us"
    " FROM kb_audit WHERE (subject_pseudonym = $1 OR subject_pseudonym = ANY ($2::text[]))"
    " AND ($3::date IS NULL OR at >= $3::date)"
    " AND ($4::date IS NULL OR at < $4::date + 1) ORDER BY seq",
    4
};

/* Organisations involved with those gezinnen now. */
static const ketenctl_statement_t s_involved = {
    "ketenctl_report_involved",
    "SELECT DISTINCT i.org_id, i.org_type FROM involvement i JOIN gezin g ON g.id = i.gezin_id"
    " WHERE g.ref = ANY ($1::text[]) ORDER BY 1",
    1
};

typedef struct {
    const char *where; /* schema label */
    PGresult *res;
} s_log_t;

static void
s_flags (PGresult *res, int i, char out[5])
{
    /* A authorised, C care relation, T toestemming (consent), N noodgeval */
    const char letters[4] = { 'A', 'C', 'T', 'N' };
    for (int k = 0; k < 4; k++)
        out[k] = PQgetvalue (res, i, 9 + k)[0] == 't' ? letters[k] : '-';
    out[4] = '\0';
}

static void
s_print_text (const char *pseudonym, PGresult *involved, s_log_t *logs, int nlogs)
{
    int total = 0;
    for (int l = 0; l < nlogs; l++)
        total += logs[l].res ? PQntuples (logs[l].res) : 0;
    printf ("access report (AVG article 15) for pseudonym %.12s…\n", pseudonym);
    printf ("organisations involved now:");
    for (int i = 0; i < PQntuples (involved); i++)
        printf ("%s %s", i ? "," : "", PQgetvalue (involved, i, 0));
    printf ("%s\n\n", PQntuples (involved) ? "" : " none");
    printf ("%-20s %-14s %-22s %-10s %-14s %-1s %-26s %-6s %-22s %-12s %s\n", "when", "where",
            "organisation", "user", "on behalf of", "", "event", "about", "ground/detail",
            "outcome", "flags");
    /* both logs in time order */
    int at[8] = { 0 };
    for (int shown = 0; shown < total; shown++) {
        int best = -1;
        for (int l = 0; l < nlogs; l++) {
            if (!logs[l].res || at[l] >= PQntuples (logs[l].res))
                continue;
            if (best < 0
                || atoll (PQgetvalue (logs[l].res, at[l], 13))
                     < atoll (PQgetvalue (logs[best].res, at[best], 13)))
                best = l;
        }
        PGresult *r = logs[best].res;
        int i = at[best]++;
        char flags[5];
        s_flags (r, i, flags);
        printf ("%-20s %-14s %-22s %-10s %-14s %-1s %-26s %-6s %-22s %-12s %s\n",
                PQgetvalue (r, i, 0), logs[best].where, PQgetvalue (r, i, 1),
                ketenctl_or_dash (PQgetvalue (r, i, 2)), ketenctl_or_dash (PQgetvalue (r, i, 3)),
                PQgetvalue (r, i, 5), PQgetvalue (r, i, 4), PQgetvalue (r, i, 6),
                ketenctl_or_dash (PQgetvalue (r, i, 7)), PQgetvalue (r, i, 8), flags);
    }
    printf ("\n%d event%s. flags: A authorised, C care relation, T consent, N emergency "
            "override\n",
            total, total == 1 ? "" : "s");
}

static void
s_print_json (const char *pseudonym, PGresult *involved, s_log_t *logs, int nlogs)
{
    printf ("{");
    ketenctl_json_field ("pseudonym", pseudonym, false);
    printf (", \"involved\": [");
    for (int i = 0; i < PQntuples (involved); i++) {
        printf ("%s", i ? ", " : "");
        ketenctl_json_string (stdout, PQgetvalue (involved, i, 0));
    }
    printf ("], \"events\": [");
    bool first = true;
    static const char *const keys[] = { "when", "organisation", "user", "on_behalf_of", "event",
                                        "action", "about", "reason", "outcome" };
    for (int l = 0; l < nlogs; l++) {
        PGresult *r = logs[l].res;
        for (int i = 0; r && i < PQntuples (r); i++) {
            printf ("%s{", first ? "" : ", ");
            first = false;
            ketenctl_json_field ("where", logs[l].where, false);
            for (int k = 0; k < 9; k++)
                ketenctl_json_field (keys[k], PQgetvalue (r, i, k), true);
            printf (", \"authorised\": %s, \"care_relation\": %s, \"consent\": %s,"
                    " \"emergency\": %s}",
                    PQgetvalue (r, i, 9)[0] == 't' ? "true" : "false",
                    PQgetvalue (r, i, 10)[0] == 't' ? "true" : "false",
                    PQgetvalue (r, i, 11)[0] == 't' ? "true" : "false",
                    PQgetvalue (r, i, 12)[0] == 't' ? "true" : "false");
        }
    }
    printf ("]}\n");
}

static bool
s_date_ok (const char *d)
{
    return !d || kb_validate_date (d, NULL);
}

int
ketenctl_access_report (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *bsn = NULL, *from = NULL, *to = NULL;
    bool json = false;
    const ketenctl_option_t options[] = {
        { .name = "bsn", .text = &bsn }, { .name = "from", .text = &from },
        { .name = "to", .text = &to },   { .name = "json", .flag = &json },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    if (!bsn) {
        ketenctl_err ("access-report needs --bsn (or --bsn - to read it from standard input)");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    if (!s_date_ok (from) || !s_date_ok (to)) {
        ketenctl_err ("invalid date for --from or --to: expected YYYY-MM-DD");
        return KETENCTL_USAGE;
    }
    char pseudonym[KB_PSEUDONYM_LEN + 1];
    if ((rc = ketenctl_bsn_pseudonym (ctx, bsn, pseudonym)) != KETENCTL_OK)
        return rc;

    kb_db_t *intake = NULL, *zorg = NULL;
    PGresult *refs = NULL, *involved = NULL;
    s_log_t logs[2] = { { "intake", NULL }, { "zorgtoewijzing", NULL } };
    intake = ketenctl_db_open (ctx, kb_config_str (ctx->config, "db/schema"), true, &rc);
    if (!intake)
        goto done;
    zorg = ketenctl_db_open (ctx, kb_config_str (ctx->config, "zorg/schema"), false, &rc);
    if (!zorg)
        goto done;
    kb_db_rc_t db_rc;
    refs = ketenctl_db_query (zorg, &s_refs, (const char *[]){ pseudonym }, &db_rc);
    const char *refs_txt = refs ? PQgetvalue (refs, 0, 0) : NULL;
    if (refs)
        involved = ketenctl_db_query (zorg, &s_involved, (const char *[]){ refs_txt }, &db_rc);
    if (!involved) {
        ketenctl_err ("could not read the gezin registry (is zorgtoewijzing migrated?)");
        rc = ketenctl_db_exit_rc (db_rc);
        goto done;
    }
    /* the report is an access too: audited before anything is shown */
    if ((rc = ketenctl_audit_read (intake, "access_report.generated", pseudonym, "avg15"))
        != KETENCTL_OK)
        goto done;
    const char *ev[4] = { pseudonym, refs_txt, from, to };
    logs[0].res = ketenctl_db_query (intake, &s_events, ev, &db_rc);
    if (logs[0].res)
        logs[1].res = ketenctl_db_query (zorg, &s_events, ev, &db_rc);
    if (!logs[1].res) {
        ketenctl_err ("could not read the audit logs");
        rc = ketenctl_db_exit_rc (db_rc);
        goto done;
    }
    if (json)
        s_print_json (pseudonym, involved, logs, 2);
    else
        s_print_text (pseudonym, involved, logs, 2);
    rc = KETENCTL_OK;
done:
    PQclear (logs[0].res);
    PQclear (logs[1].res);
    PQclear (involved);
    PQclear (refs);
    kb_db_destroy (&zorg);
    kb_db_destroy (&intake);
    return rc;
}
