/*  ketenctl_review - the ketencoordinator's review of override shares. */
#include "ketenctl_review.h"
#include "ketenctl_gezin.h"
#include "ketenctl_output.h"
#include "zorg_monitor.h"

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_validate.h"

#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl review list [--all] [--json]\n"
             "       ketenctl review show --share ID\n"
             "       ketenctl review decide --share ID --outcome justified|not_justified\n"
             "                              [--by NAME]\n"
             "  Shares allowed on a legal ground without consent (ALLOW_OVERRIDE) wait for\n"
             "  the ketencoordinator's review. list shows those waiting (--all: reviewed ones\n"
             "  too), without the justification; show prints one share with its written\n"
             "  justification (free text, so the read is audited first); decide records the\n"
             "  outcome, audited, and counted for monitoring.\n");
}

static const ketenctl_statement_t s_statements[] = {
    { "ketenctl_review_list",
      "SELECT s.share_id, to_char (s.decided_at AT TIME ZONE 'UTC',"
      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), s.from_org, s.to_org, s.legal_ground, s.purpose,"
      " array_to_string (s.categories, ','), coalesce (g.ref, ''),"
      " coalesce (s.review_outcome, ''), coalesce (s.reviewed_by, '')"
      " FROM share s LEFT JOIN gezin g ON g.id = s.gezin_id"
      " WHERE s.review_required AND ($1::boolean OR s.review_outcome IS NULL)"
      " ORDER BY s.decided_at, s.share_id",
      1 },
    { "ketenctl_review_get",
      "SELECT s.share_id, to_char (s.decided_at AT TIME ZONE 'UTC',"
      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), s.from_org, s.to_org, s.legal_ground, s.purpose,"
      " array_to_string (s.categories, ','), coalesce (g.ref, ''),"
      " coalesce (s.review_outcome, ''), coalesce (s.reviewed_by, ''),"
      " coalesce (s.justification, ''), coalesce (s.pseudonym, g.ref), s.review_required"
      " FROM share s LEFT JOIN gezin g ON g.id = s.gezin_id WHERE s.share_id = $1",
      1 },
    { "ketenctl_review_decide",
      "UPDATE share SET review_outcome = $2, reviewed_by = $3, reviewed_at = now()"
      " WHERE share_id = $1 AND review_required AND review_outcome IS NULL"
      " RETURNING coalesce (pseudonym, (SELECT ref FROM gezin WHERE id = share.gezin_id)),"
      " coalesce (gezin_id, 0)",
      3 },
};
#define S_NSTATEMENTS (sizeof s_statements / sizeof s_statements[0])

static kb_db_t *
s_open (const ketenctl_t *ctx, int *rc)
{
    kb_db_t *db = ketenctl_zorg_open (ctx, rc);
    if (db && (kb_audit_prepare (db) || ketenctl_db_prepare (db, s_statements, S_NSTATEMENTS))) {
        ketenctl_err ("could not prepare the review statements (is zorgtoewijzing migrated?)");
        kb_db_destroy (&db);
        *rc = KETENCTL_FAILED;
    }
    return db;
}

/* "meldcode" for LEGAL_GROUND_MELDCODE, and the like. */
static const char *
s_enum (const ProtobufCEnumDescriptor *desc, const char *value, char *buf, size_t size)
{
    return ketenctl_enum_name (desc, atoi (value), buf, size);
}

static int
s_list (const ketenctl_t *ctx, int argc, char *argv[])
{
    bool all = false, json = false;
    const ketenctl_option_t options[] = {
        { .name = "all", .flag = &all },
        { .name = "json", .flag = &json },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    kb_db_rc_t db_rc;
    PGresult *res = kb_db_run (db, "ketenctl_review_list", 1, (const char *[]){ all ? "t" : "f" },
                               NULL, NULL, &db_rc);
    if (!res) {
        ketenctl_err ("could not read the shares");
        rc = ketenctl_db_exit_rc (db_rc);
        kb_db_destroy (&db);
        return rc;
    }
    char ground[48], purpose[48];
    if (json)
        printf ("{\"shares\": [");
    else
        printf ("%-36s %-20s %-20s %-20s %-18s %-20s %-10s %s\n", "share", "decided", "from",
                "to", "legal ground", "purpose", "categories", "review");
    for (int i = 0; i < PQntuples (res); i++) {
        s_enum (&ketenbus__v1__legal_ground__descriptor, PQgetvalue (res, i, 4), ground,
                sizeof ground);
        s_enum (&ketenbus__v1__purpose__descriptor, PQgetvalue (res, i, 5), purpose,
                sizeof purpose);
        const char *outcome = PQgetvalue (res, i, 8);
        if (json) {
            printf ("%s{", i ? ", " : "");
            ketenctl_json_field ("share", PQgetvalue (res, i, 0), false);
            ketenctl_json_field ("decided", PQgetvalue (res, i, 1), true);
            ketenctl_json_field ("from", PQgetvalue (res, i, 2), true);
            ketenctl_json_field ("to", PQgetvalue (res, i, 3), true);
            ketenctl_json_field ("legal_ground", ground, true);
            ketenctl_json_field ("purpose", purpose, true);
            ketenctl_json_field ("categories", PQgetvalue (res, i, 6), true);
            ketenctl_json_field ("gezin", PQgetvalue (res, i, 7), true);
            ketenctl_json_field ("review", *outcome ? outcome : "pending", true);
            printf ("}");
        } else
            printf ("%-36s %-20s %-20s %-20s %-18s %-20s %-10s %s\n", PQgetvalue (res, i, 0),
                    PQgetvalue (res, i, 1), PQgetvalue (res, i, 2), PQgetvalue (res, i, 3), ground,
                    purpose, PQgetvalue (res, i, 6), *outcome ? outcome : "pending");
    }
    if (json)
        printf ("]}\n");
    else
        printf ("%d share%s\n", PQntuples (res), PQntuples (res) == 1 ? "" : "s");
    PQclear (res);
    kb_db_destroy (&db);
    return KETENCTL_OK;
}

static int
s_show (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *share = NULL;
    const ketenctl_option_t options[] = {
        { .name = "share", .text = &share },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    if (!share) {
        ketenctl_err ("review show needs --share");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    kb_db_rc_t db_rc;
    PGresult *res = kb_db_run (db, "ketenctl_review_get", 1, (const char *[]){ share }, NULL,
                               NULL, &db_rc);
    if (!res) {
        ketenctl_err ("could not read share \"%s\"", share);
        rc = ketenctl_db_exit_rc (db_rc);
        goto done;
    }
    if (PQntuples (res) != 1 || PQgetvalue (res, 0, 12)[0] != 't') {
        ketenctl_err ("no share \"%s\" under review", share);
        rc = KETENCTL_FAILED;
        goto done;
    }
    /* the justification is free text about a resident: audited before it is shown */
    if ((rc = ketenctl_audit_read (db, "share.review_read", PQgetvalue (res, 0, 11), "review"))
        != KETENCTL_OK)
        goto done;
    char ground[48], purpose[48];
    const char *outcome = PQgetvalue (res, 0, 8);
    printf ("share         %s\n", PQgetvalue (res, 0, 0));
    printf ("decided       %s\n", PQgetvalue (res, 0, 1));
    printf ("from          %s\n", PQgetvalue (res, 0, 2));
    printf ("to            %s\n", PQgetvalue (res, 0, 3));
    printf ("legal ground  %s\n", s_enum (&ketenbus__v1__legal_ground__descriptor,
                                         PQgetvalue (res, 0, 4), ground, sizeof ground));
    printf ("purpose       %s\n", s_enum (&ketenbus__v1__purpose__descriptor,
                                         PQgetvalue (res, 0, 5), purpose, sizeof purpose));
    printf ("categories    %s\n", PQgetvalue (res, 0, 6));
    printf ("gezin         %s\n", ketenctl_or_dash (PQgetvalue (res, 0, 7)));
    printf ("review        %s%s%s\n", *outcome ? outcome : "pending", *outcome ? " by " : "",
            PQgetvalue (res, 0, 9));
    printf ("justification\n%s\n", PQgetvalue (res, 0, 10));
    rc = KETENCTL_OK;
done:
    PQclear (res);
    kb_db_destroy (&db);
    return rc;
}

/* SHARE_REVIEWED into zorgtoewijzing's outbox, in the review's
   transaction: the daemon's sender towards client-tracking picks it up. */
static kb_db_rc_t
s_monitor (kb_db_t *db, const char *share, const char *outcome, const PGresult *res)
{
    zorg_ctx_t zctx = { .db = db, .tracking = true };
    zorg_monitor_region_t r;
    bool found = false;
    memset (&r, 0, sizeof r);
    long gezin_id = atol (PQgetvalue (res, 0, 1));
    kb_db_rc_t rc = KB_DB_OK;
    if (gezin_id && (rc = zorg_monitor_gezin (db, gezin_id, &r, &found)) != KB_DB_OK)
        return rc;
    char today[11];
    kb_date_today (today);
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_SHARE_REVIEWED;
    ev.item_ref = (char *) share; /* the contract names no gezin: the share's region only */
    ev.review_outcome = strcmp (outcome, "justified") == 0
                            ? KETENBUS__V1__REVIEW_OUTCOME__REVIEW_OUTCOME_JUSTIFIED
                            : KETENBUS__V1__REVIEW_OUTCOME__REVIEW_OUTCOME_NOT_JUSTIFIED;
    ev.event_date = today;
    return zorg_monitor_emit (&zctx, &ev, &r, NULL);
}

static int
s_decide (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *share = NULL, *outcome = NULL, *by = NULL;
    const ketenctl_option_t options[] = {
        { .name = "share", .text = &share },
        { .name = "outcome", .text = &outcome },
        { .name = "by", .text = &by },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    if (!share || !outcome) {
        ketenctl_err ("review decide needs --share and --outcome");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    if (strcmp (outcome, "justified") != 0 && strcmp (outcome, "not_justified") != 0) {
        ketenctl_err ("invalid value for \"--outcome\": justified or not_justified");
        return KETENCTL_USAGE;
    }
    char actor[128];
    if (ketenctl_actor_or (by, actor, sizeof actor))
        return KETENCTL_USAGE;
    kb_db_t *db = s_open (ctx, &rc);
    if (!db)
        return rc;
    PGresult *res = NULL;
    kb_db_rc_t db_rc = kb_db_begin (db);
    if (db_rc == KB_DB_OK)
        res = kb_db_run (db, "ketenctl_review_decide", 3,
                         (const char *[]){ share, outcome, actor }, NULL, NULL, &db_rc);
    if (!res) {
        kb_db_rollback (db);
        ketenctl_err ("could not record the review of share \"%s\"", share);
        rc = ketenctl_db_exit_rc (db_rc);
        goto done;
    }
    if (PQntuples (res) != 1) {
        kb_db_rollback (db);
        ketenctl_err ("no share \"%s\" waiting for review (unknown, not an override, or "
                      "reviewed already)",
                      share);
        rc = KETENCTL_FAILED;
        goto done;
    }
    kb_audit_entry_t entry = { .actor_org = "ketencoordinator", .actor_user = actor,
                               .event = "share.reviewed", .action = 'U',
                               .subject_pseudonym = PQgetvalue (res, 0, 0), .reason = share,
                               .outcome = outcome, .authorised = true, .emergency = true };
    if (kb_audit_append (db, &entry) != KB_DB_OK || s_monitor (db, share, outcome, res) != KB_DB_OK
        || kb_db_commit (db) != KB_DB_OK) {
        kb_db_rollback (db);
        ketenctl_err ("could not record the review of share \"%s\"", share);
        rc = KETENCTL_FAILED;
        goto done;
    }
    printf ("share %s reviewed: %s by \"%s\"\n", share, outcome, actor);
    rc = KETENCTL_OK;
done:
    PQclear (res);
    kb_db_destroy (&db);
    return rc;
}

int
ketenctl_review (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "list", s_list },
        { "show", s_show },
        { "decide", s_decide },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_usage);
}
