/*  zorg_store - SQL of the zorgtoewijzing daemon. */
#include "zorg_store.h"
#include "zorg_monitor.h"

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* what a toewijzing's MonitoringEvent needs, after each change */
#define S_TW_RETURNING                                                                            \
    " RETURNING pseudonym, gemeente_code, gebied, wet, product_category, pyramid_level, volume, " \
    "unit, frequency, budget_cents, provider_org, coalesce (start_date::text, ''), "              \
    "coalesce (end_date::text, ''), stop_reason"

#define S_PLAN_COLS                                                                               \
    "SELECT id, gezin_id, ref, status, regisseur_org, regisseur_org_type, casemanager_name, "     \
    "casemanager_phone, basis, rule_name, plan_version FROM plan "

typedef struct {
    const char *name;
    const char *sql;
    int nparams;
} s_statement_t;

static const s_statement_t s_statements[] = {
    /* partner directory */
    { "zorg_partner_upsert",
      "INSERT INTO partner (org_id, org_type, gebied, gemeente_code, active, changed_at) "
      "VALUES ($1, $2::int, $3, $4, $5::bool, "
      " CASE WHEN $6::bigint > 0 THEN to_timestamp($6::bigint / 1000.0) ELSE now() END) "
      "ON CONFLICT (org_id) DO UPDATE SET org_type = EXCLUDED.org_type, gebied = EXCLUDED.gebied, "
      " gemeente_code = EXCLUDED.gemeente_code, active = EXCLUDED.active, "
      " changed_at = EXCLUDED.changed_at WHERE partner.changed_at <= EXCLUDED.changed_at",
      6 },
    { "zorg_partner_resolve_all",
      "SELECT DISTINCT ON (org_type) org_type, org_id, rank, count(*) OVER (PARTITION BY org_type) "
      "FROM (SELECT org_type, org_id, CASE WHEN gebied <> '' AND gebied = $1 "
      "                     AND (gemeente_code = '' OR gemeente_code = $2) THEN 1 "
      "                    WHEN gemeente_code <> '' AND gemeente_code = $2 THEN 2 ELSE 3 END AS rank "
      "      FROM partner WHERE active) p ORDER BY org_type, rank, org_id",
      2 },
    { "zorg_partner_get", "SELECT org_type FROM partner WHERE org_id = $1 AND active", 1 },
    /* gezin registry */
    /* every person of a signal in one statement; of the same pseudonym
       twice, the last known birth date wins (as one upsert each would) */
    { "zorg_persons_upsert",
      "INSERT INTO person (pseudonym, birth_date) "
      "SELECT DISTINCT ON (u.p) u.p, u.d FROM unnest ($1::text[], $2::date[]) WITH ORDINALITY "
      " AS u (p, d, n) ORDER BY u.p, (u.d IS NULL), u.n DESC "
      "ON CONFLICT (pseudonym) DO UPDATE SET birth_date = coalesce(EXCLUDED.birth_date, person.birth_date), "
      " updated_at = now()",
      2 },
    /* the gezinnen of these persons (oldest first, locked) with the birth
       date of each one's youngest member, for the rules; a new gezin when
       there is none. Last column: created */
    { "zorg_gezin_find_or_create",
      "WITH found AS (SELECT g.id, g.ref, (SELECT max (p.birth_date)::text FROM gezin_member m "
      "  JOIN person p USING (pseudonym) WHERE m.gezin_id = g.id) AS youngest FROM gezin g "
      "  WHERE g.id IN (SELECT gezin_id FROM gezin_member WHERE pseudonym = ANY ($1::text[])) "
      "  ORDER BY g.id FOR UPDATE), "
      " created AS (INSERT INTO gezin (ref, gemeente_code, gebied) SELECT $2, $3, $4 "
      "  WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id, ref) "
      "SELECT id, ref, youngest, false FROM found "
      "UNION ALL SELECT id, ref, NULL, true FROM created ORDER BY 1",
      4 },
    { "zorg_gezin_ref", "SELECT ref FROM gezin WHERE id = $1::bigint", 1 },
    { "zorg_gezin_merged",
      "UPDATE gezin SET merged_into = $1::bigint, merged_at = now() WHERE id = $2::bigint", 2 },
    /* the gezin's first signal date (lead times for monitoring): the
       earliest of the signals, of both records after a merge */
    { "zorg_gezin_first_signal",
      "UPDATE gezin SET first_signal_date = least (first_signal_date, nullif ($2, '')::date) "
      "WHERE id = $1::bigint "
      "RETURNING coalesce (first_signal_date::text, ''), gemeente_code, gebied",
      2 },
    { "zorg_gezin_first_signal_merge",
      "UPDATE gezin k SET first_signal_date = least (k.first_signal_date, o.first_signal_date) "
      "FROM gezin o WHERE k.id = $1::bigint AND o.id = $2::bigint",
      2 },
    /* monitoring: the region and first signal of a gezin, of a person's
       gezin, and what an escalation event names */
    { "zorg_mon_gezin",
      "SELECT ref, gemeente_code, gebied, coalesce (first_signal_date::text, '') FROM gezin "
      "WHERE id = $1::bigint",
      1 },
    { "zorg_mon_person_gezin",
      "SELECT g.ref, g.gemeente_code, g.gebied, coalesce (g.first_signal_date::text, '') "
      "FROM gezin_member m JOIN gezin g ON g.id = m.gezin_id WHERE m.pseudonym = $1",
      1 },
    { "zorg_mon_escalation",
      "SELECT g.ref, g.gemeente_code, g.gebied, coalesce (g.first_signal_date::text, ''), "
      " coalesce (p.ref, ''), coalesce (t.to_org, ''), coalesce (pt.org_type, 0), "
      " e.opened_at::date::text, coalesce (e.decided_at::date::text, ''), "
      " coalesce (e.decided_regisseur, ''), coalesce (pd.org_type, 0) "
      "FROM escalation e JOIN gezin g ON g.id = e.gezin_id "
      "LEFT JOIN plan p ON p.id = e.plan_id LEFT JOIN transfer t ON t.id = e.transfer_id "
      "LEFT JOIN partner pt ON pt.org_id = t.to_org "
      "LEFT JOIN partner pd ON pd.org_id = e.decided_regisseur WHERE e.id = $1",
      1 },
    { "zorg_member_add",
      "INSERT INTO gezin_member (pseudonym, gezin_id, role) "
      "SELECT u.p, $1::bigint, u.r FROM unnest ($2::text[], $3::int[]) AS u (p, r) "
      "ON CONFLICT (pseudonym) DO NOTHING RETURNING pseudonym",
      3 },
    { "zorg_member_move", "UPDATE gezin_member SET gezin_id = $1::bigint WHERE gezin_id = $2::bigint", 2 },
    /* involvement */
    /* columns: a new involvement; the organisation's first signal about the
       gezin (a regisseur may be involved without a case reference, which
       every signal carries) */
    { "zorg_involvement_upsert",
      "WITH old AS (SELECT partner_case_ref FROM involvement "
      "             WHERE gezin_id = $1::bigint AND org_id = $2) "
      "INSERT INTO involvement (gezin_id, org_id, org_type, partner_case_ref, contact_name, contact_phone) "
      "VALUES ($1::bigint, $2, $3::int, $4, $5, $6) "
      "ON CONFLICT (gezin_id, org_id) DO UPDATE SET org_type = EXCLUDED.org_type, "
      " partner_case_ref = CASE WHEN EXCLUDED.partner_case_ref <> '' THEN EXCLUDED.partner_case_ref "
      "                    ELSE involvement.partner_case_ref END, "
      " contact_name = CASE WHEN EXCLUDED.contact_name <> '' THEN EXCLUDED.contact_name "
      "                ELSE involvement.contact_name END, "
      " contact_phone = CASE WHEN EXCLUDED.contact_phone <> '' THEN EXCLUDED.contact_phone "
      "                 ELSE involvement.contact_phone END, "
      " last_signal_at = now() "
      "RETURNING (xmax = 0), coalesce ((SELECT partner_case_ref = '' FROM old), true)",
      6 },
    { "zorg_involvement_move",
      "INSERT INTO involvement (gezin_id, org_id, org_type, partner_case_ref, contact_name, "
      " contact_phone, first_signal_at, last_signal_at) "
      "SELECT $1::bigint, org_id, org_type, partner_case_ref, contact_name, contact_phone, "
      " first_signal_at, last_signal_at FROM involvement WHERE gezin_id = $2::bigint "
      "ON CONFLICT (gezin_id, org_id) DO UPDATE SET "
      " first_signal_at = least (involvement.first_signal_at, EXCLUDED.first_signal_at), "
      " last_signal_at = greatest (involvement.last_signal_at, EXCLUDED.last_signal_at) "
      "RETURNING org_id, (xmax = 0)",
      2 },
    /* the plan's regisseur is involved even when it never signalled; an
       involvement it has stays as it is. Returns a row when it is new */
    { "zorg_involvement_regisseur",
      "INSERT INTO involvement (gezin_id, org_id, org_type, contact_name, contact_phone) "
      "VALUES ($1::bigint, $2, $3::int, $4, $5) ON CONFLICT (gezin_id, org_id) DO NOTHING "
      "RETURNING org_id",
      5 },
    /* the regisseur's row that came with regie (no case reference: not from
       a signal) takes the casemanager the regisseur registered */
    { "zorg_involvement_regisseur_contact",
      "UPDATE involvement SET contact_name = $3, contact_phone = $4"
      " WHERE gezin_id = $1::bigint AND org_id = $2 AND partner_case_ref = ''",
      4 },
    { "zorg_involvement_delete", "DELETE FROM involvement WHERE gezin_id = $1::bigint", 1 },
    { "zorg_involvement_list",
      "SELECT org_id, org_type, partner_case_ref, contact_name, contact_phone FROM involvement "
      "WHERE gezin_id = $1::bigint ORDER BY first_signal_at, org_id",
      1 },
    /* plan */
    { "zorg_plan_active", S_PLAN_COLS "WHERE gezin_id = $1::bigint AND status = 'active' FOR UPDATE", 1 },
    { "zorg_plan_by_id", S_PLAN_COLS "WHERE id = $1::bigint FOR UPDATE", 1 },
    { "zorg_plan_by_ref", S_PLAN_COLS "WHERE ref = $1 FOR UPDATE", 1 },
    { "zorg_plan_insert",
      "INSERT INTO plan (ref, gezin_id, status, regisseur_org, regisseur_org_type, casemanager_name, "
      " casemanager_phone, basis, rule_name) VALUES ($1, $2::bigint, 'active', $3, $4::int, $5, $6, "
      " $7::int, $8) ON CONFLICT (gezin_id) WHERE status = 'active' DO NOTHING RETURNING id",
      8 },
    { "zorg_plan_set_regisseur",
      "UPDATE plan SET regisseur_org = $2, regisseur_org_type = $3::int, casemanager_name = $4, "
      " casemanager_phone = $5, basis = $6::int, rule_name = $7, updated_at = now() WHERE id = $1::bigint",
      7 },
    { "zorg_plan_set_status",
      "UPDATE plan SET status = $2, gezin_id = $3::bigint, updated_at = now() WHERE id = $1::bigint", 3 },
    { "zorg_plan_move_inactive",
      "UPDATE plan SET gezin_id = $1::bigint WHERE gezin_id = $2::bigint AND status <> 'active'", 2 },
    /* transfers */
    { "zorg_transfer_insert",
      "INSERT INTO transfer (id, plan_id, from_org, to_org, reason, origin, status, deadline_at) "
      "VALUES ($1, $2::bigint, $3, $4, $5::int, $6, 'pending', now () + make_interval (secs => $7::int)) "
      "ON CONFLICT DO NOTHING RETURNING (extract (epoch FROM requested_at) * 1000)::bigint, "
      " (extract (epoch FROM deadline_at) * 1000)::bigint",
      7 },
    { "zorg_transfer_get",
      "SELECT t.plan_id, coalesce (t.from_org, ''), t.to_org, t.status, t.reason, t.origin, "
      " t.requested_at::date::text FROM transfer t WHERE t.id = $1 FOR UPDATE",
      1 },
    { "zorg_transfer_decide",
      "UPDATE transfer SET status = $2, reject_reason = $3::int, decided_at = now () "
      "WHERE id = $1 AND status = 'pending'",
      3 },
    { "zorg_transfer_overdue",
      "SELECT id FROM transfer WHERE status = 'pending' AND deadline_at <= now () "
      "ORDER BY deadline_at LIMIT $1::int FOR UPDATE SKIP LOCKED",
      1 },
    { "zorg_transfer_cancel_plan",
      "UPDATE transfer SET status = 'cancelled', decided_at = now () "
      "WHERE plan_id = $1::bigint AND status = 'pending' "
      "RETURNING id, to_org, coalesce (from_org, '')",
      1 },
    /* escalations */
    { "zorg_escalation_insert",
      "INSERT INTO escalation (id, gezin_id, plan_id, other_plan_id, transfer_id, kind, status) "
      "VALUES ($1, $2::bigint, nullif ($3::bigint, 0), nullif ($4::bigint, 0), $5, $6, 'open')",
      6 },
    { "zorg_escalation_get",
      "SELECT e.kind, e.gezin_id, coalesce (e.plan_id, 0), coalesce (e.other_plan_id, 0), g.ref "
      "FROM escalation e JOIN gezin g ON g.id = e.gezin_id WHERE e.id = $1 AND e.status = 'open' "
      "FOR UPDATE OF e",
      1 },
    { "zorg_escalation_decide",
      "UPDATE escalation SET status = 'decided', decided_at = now (), decided_by = $2, "
      " decided_regisseur = $3 WHERE id = $1",
      3 },
    { "zorg_escalation_move", "UPDATE escalation SET gezin_id = $1::bigint WHERE gezin_id = $2::bigint", 2 },
    /* POT */
    { "zorg_pot_insert",
      "INSERT INTO pot (pseudonym, gezin_id, plan_id, regisseur_org, signal_ref) "
      "VALUES ($1, $2::bigint, nullif ($3::bigint, 0), $4, $5) ON CONFLICT (pseudonym) DO NOTHING "
      "RETURNING pseudonym",
      5 },
    { "zorg_pot_move", "UPDATE pot SET gezin_id = $1::bigint WHERE gezin_id = $2::bigint", 2 },
    /* toewijzing */
    { "zorg_tw_get", "SELECT status, provider_org FROM toewijzing WHERE id = $1 FOR UPDATE", 1 },
    /* $1 may assign a voorziening to person $2: a gemeente ($3 its type),
       or the regisseur of the active plan of the person's gezin */
    { "zorg_tw_may_assign",
      "SELECT EXISTS (SELECT 1 FROM partner WHERE org_id = $1 AND active AND org_type = $3::int)"
      " OR EXISTS (SELECT 1 FROM gezin_member m JOIN plan p ON p.gezin_id = m.gezin_id"
      "  WHERE m.pseudonym = $2 AND p.status = 'active' AND p.regisseur_org = $1)",
      3 },
    { "zorg_plan_registered",
      "UPDATE plan SET plan_version = $2::int, plan_date = $3::date, "
      " next_evaluation_date = nullif ($4, '')::date, registered_at = now(), "
      " casemanager_name = CASE WHEN $5 = '' THEN casemanager_name ELSE $5 END, "
      " casemanager_phone = CASE WHEN $6 = '' THEN casemanager_phone ELSE $6 END "
      "WHERE id = $1::bigint AND plan_version < $2::int",
      6 },
    { "zorg_tw_insert",
      "INSERT INTO toewijzing (id, pseudonym, partner_case_ref, gemeente_code, gebied, wet, "
      " product_category, product_code, pyramid_level, volume, unit, frequency, budget_cents, "
      " provider_org, assigning_org, status, start_date, end_date) "
      "VALUES ($1, $2, $3, $4, $5, $6::int, $7, $8, $9::int, $10::bigint, $11::int, $12::int, "
      " $13::bigint, $14, $15, 'assigned', $16::date, $17::date)" S_TW_RETURNING,
      17 },
    { "zorg_tw_start",
      "UPDATE toewijzing SET status = 'started', started_at = now (), "
      " start_date = coalesce ($2::date, start_date), end_date = coalesce ($3::date, end_date), "
      " updated_at = now () WHERE id = $1" S_TW_RETURNING,
      3 },
    { "zorg_tw_stop",
      "UPDATE toewijzing SET status = 'stopped', stopped_at = now (), stop_reason = $2::int, "
      " end_date = coalesce ($3::date, end_date), updated_at = now () WHERE id = $1" S_TW_RETURNING,
      3 },
    { "zorg_tw_event",
      "INSERT INTO toewijzing_event (toewijzing_id, action, message_id, via_org, outcome, reason) "
      "VALUES ($1, $2::int, $3, $4, $5, $6)",
      6 },
    /* consent registry */
    { "zorg_consent_insert",
      "INSERT INTO consent (consent_id, pseudonym, given_by, categories, recipient_org, "
      " recipient_org_type, purpose, valid_from, valid_until, recorded_by_org, partner_case_ref) "
      "VALUES ($1, $2, $3::int, $4::int[], $5, $6::int, $7::int, $8::date, $9::date, $10, $11) "
      "ON CONFLICT (consent_id) DO NOTHING RETURNING 1",
      11 },
    /* column 3..: the same columns as zorg_consent_of_person */
    { "zorg_consent_get",
      "SELECT pseudonym, recorded_by_org, (withdrawn_at IS NOT NULL) FROM consent "
      "WHERE consent_id = $1 FOR UPDATE",
      1 },
    { "zorg_consent_withdraw",
      "UPDATE consent SET withdrawn_at = now (), withdrawn_by = $2::int, withdrawn_date = $3::date, "
      " withdrawn_via_org = $4 WHERE consent_id = $1 AND withdrawn_at IS NULL",
      4 },
    /* the organisations on both sides of the allowed shares relying on a consent */
    { "zorg_consent_relying_orgs",
      "SELECT org FROM (SELECT from_org AS org FROM share WHERE consent_id = $1 AND outcome = 1 "
      " UNION SELECT to_org FROM share WHERE consent_id = $1 AND outcome = 1) o "
      "WHERE org <> $2 ORDER BY org",
      2 },
    { "zorg_consent_of_person",
      "SELECT consent_id, array_to_string (categories, ','), coalesce (recipient_org, ''), "
      " recipient_org_type, purpose, valid_from - date '1970-01-01', "
      " valid_until - date '1970-01-01', (withdrawn_at IS NOT NULL) "
      "FROM consent WHERE pseudonym = $1 ORDER BY recorded_at, consent_id",
      1 },
    { "zorg_consent_by_id",
      "SELECT consent_id, array_to_string (categories, ','), coalesce (recipient_org, ''), "
      " recipient_org_type, purpose, valid_from - date '1970-01-01', "
      " valid_until - date '1970-01-01', (withdrawn_at IS NOT NULL) "
      "FROM consent WHERE consent_id = $1 FOR SHARE",
      1 },
    /* share decisions */
    { "zorg_share_gezin_of_person", "SELECT gezin_id FROM gezin_member WHERE pseudonym = $1", 1 },
    { "zorg_share_gezin_by_ref",
      "WITH RECURSIVE g (id, merged_into, depth) AS ("
      " SELECT id, merged_into, 0 FROM gezin WHERE ref = $1 "
      " UNION ALL SELECT n.id, n.merged_into, g.depth + 1 FROM gezin n JOIN g ON n.id = g.merged_into "
      " WHERE g.depth < 16) "
      "SELECT id FROM g WHERE merged_into IS NULL",
      1 },
    { "zorg_share_involvement",
      "SELECT partner_case_ref FROM involvement WHERE gezin_id = $1::bigint AND org_id = $2", 2 },
    { "zorg_share_insert",
      "INSERT INTO share (share_id, direction, from_org, to_org, gezin_id, pseudonym, categories, "
      " purpose, legal_ground, justification, consent_id, outcome, reason, review_required) "
      "VALUES ($1, $2::int, $3, $4, nullif ($5::bigint, 0), $6, $7::int[], $8::int, $9::int, $10, "
      " $11, $12::int, $13::int, $14::bool) ON CONFLICT (share_id) DO NOTHING RETURNING 1",
      14 },
    { "zorg_share_get",
      "SELECT direction, from_org, to_org, coalesce (consent_id, ''), outcome, reason, "
      " coalesce (pseudonym, ''), coalesce ((SELECT ref FROM gezin WHERE id = share.gezin_id), '') "
      "FROM share WHERE share_id = $1 FOR UPDATE",
      1 },
    { "zorg_share_response_counted",
      "UPDATE share SET responses_routed = responses_routed + CASE WHEN $2::bool THEN 1 ELSE 0 END, "
      " responses_refused = responses_refused + CASE WHEN $2::bool THEN 0 ELSE 1 END "
      "WHERE share_id = $1",
      2 },
    /* read-only queries for ketenctl */
    { "zorg_show_by_ref", "SELECT id, merged_into FROM gezin WHERE ref = $1", 1 },
    { "zorg_show_by_pseudonym", "SELECT gezin_id FROM gezin_member WHERE pseudonym = $1", 1 },
    { "zorg_show_by_case",
      "SELECT gezin_id FROM involvement WHERE org_id = $1 AND partner_case_ref = $2 "
      "ORDER BY last_signal_at DESC LIMIT 1",
      2 },
    { "zorg_show_merged", "SELECT merged_into FROM gezin WHERE id = $1::bigint", 1 },
    { "zorg_show_plan",
      "SELECT ref, status, coalesce (regisseur_org, ''), regisseur_org_type, casemanager_name, "
      " casemanager_phone, basis, rule_name FROM plan WHERE gezin_id = $1::bigint AND status = 'active'",
      1 },
    { "zorg_show_transfers",
      "SELECT t.id, coalesce (t.from_org, ''), t.to_org, t.origin, "
      " (extract (epoch FROM t.deadline_at) * 1000)::bigint FROM transfer t JOIN plan p ON p.id = t.plan_id "
      "WHERE p.gezin_id = $1::bigint AND t.status = 'pending' ORDER BY t.requested_at",
      1 },
    { "zorg_show_escalations",
      "SELECT e.id, e.kind, g.ref, (extract (epoch FROM e.opened_at) * 1000)::bigint "
      "FROM escalation e JOIN gezin g ON g.id = e.gezin_id "
      "WHERE e.status = 'open' AND ($1::bigint = 0 OR e.gezin_id = $1::bigint) ORDER BY e.opened_at",
      1 },
};

int
zorg_store_prepare (kb_db_t *db)
{
    for (size_t i = 0; i < sizeof s_statements / sizeof s_statements[0]; i++)
        if (kb_db_prepare (db, s_statements[i].name, s_statements[i].sql, s_statements[i].nparams)) {
            kb_error ("could not prepare statement \"%s\"", s_statements[i].name);
            return -1;
        }
    if (kb_outbox_prepare (db) || kb_audit_prepare (db))
        return -1;
    return 0;
}

PGresult *
zorg_store_run (kb_db_t *db, const char *name, int n, const char *const *values, kb_db_rc_t *rc)
{
    return kb_db_run (db, name, n, values, NULL, NULL, rc);
}

static void
s_copy (char *dst, size_t size, const PGresult *res, int row, int col)
{
    snprintf (dst, size, "%s", PQgetisnull (res, row, col) ? "" : PQgetvalue (res, row, col));
}

static kb_db_rc_t
s_plan_query (kb_db_t *db, const char *name, const char *arg, zorg_plan_row_t *plan, bool *found)
{
    kb_db_rc_t rc;
    const char *values[1] = { arg };
    PGresult *res = zorg_store_run (db, name, 1, values, &rc);
    *found = false;
    if (!res)
        return rc;
    zorg_store_plan_parse (res, plan, found);
    PQclear (res);
    return KB_DB_OK;
}

void
zorg_store_plan_parse (const PGresult *res, zorg_plan_row_t *plan, bool *found)
{
    *found = false;
    if (PQntuples (res) == 1) {
        memset (plan, 0, sizeof *plan);
        plan->id = atol (PQgetvalue (res, 0, 0));
        plan->gezin_id = atol (PQgetvalue (res, 0, 1));
        s_copy (plan->ref, sizeof plan->ref, res, 0, 2);
        s_copy (plan->status, sizeof plan->status, res, 0, 3);
        plan->has_regisseur = !PQgetisnull (res, 0, 4);
        s_copy (plan->regisseur_org, sizeof plan->regisseur_org, res, 0, 4);
        plan->regisseur_org_type = atoi (PQgetvalue (res, 0, 5));
        s_copy (plan->casemanager_name, sizeof plan->casemanager_name, res, 0, 6);
        s_copy (plan->casemanager_phone, sizeof plan->casemanager_phone, res, 0, 7);
        plan->basis = atoi (PQgetvalue (res, 0, 8));
        s_copy (plan->rule_name, sizeof plan->rule_name, res, 0, 9);
        plan->plan_version = atoi (PQgetvalue (res, 0, 10));
        *found = true;
    }
}

kb_db_rc_t
zorg_store_plan_active (kb_db_t *db, long gezin_id, zorg_plan_row_t *plan, bool *found)
{
    char id[24];
    snprintf (id, sizeof id, "%ld", gezin_id);
    return s_plan_query (db, "zorg_plan_active", id, plan, found);
}

kb_db_rc_t
zorg_store_plan_by_id (kb_db_t *db, long plan_id, zorg_plan_row_t *plan, bool *found)
{
    char id[24];
    snprintf (id, sizeof id, "%ld", plan_id);
    return s_plan_query (db, "zorg_plan_by_id", id, plan, found);
}

kb_db_rc_t
zorg_store_plan_by_ref (kb_db_t *db, const char *ref, zorg_plan_row_t *plan, bool *found)
{
    return s_plan_query (db, "zorg_plan_by_ref", ref ? ref : "", plan, found);
}

kb_db_rc_t
zorg_store_plan_set_regisseur (kb_db_t *db, const zorg_plan_row_t *plan)
{
    char id[24], type[12], basis[12];
    snprintf (id, sizeof id, "%ld", plan->id);
    snprintf (type, sizeof type, "%d", plan->has_regisseur ? plan->regisseur_org_type : 0);
    snprintf (basis, sizeof basis, "%d", plan->basis);
    const char *values[7] = { id, plan->has_regisseur ? plan->regisseur_org : NULL, type,
                              plan->casemanager_name, plan->casemanager_phone, basis,
                              plan->rule_name };
    return kb_db_run_cmd (db, "zorg_plan_set_regisseur", 7, values, NULL, NULL);
}

int
zorg_store_involved (kb_db_t *db, long gezin_id, zorg_involved_t *out, int max, kb_db_rc_t *rc)
{
    char id[24];
    snprintf (id, sizeof id, "%ld", gezin_id);
    const char *values[1] = { id };
    PGresult *res = zorg_store_run (db, "zorg_involvement_list", 1, values, rc);
    if (!res)
        return -1;
    int n = zorg_store_involved_parse (res, out, max);
    PQclear (res);
    return n;
}

int
zorg_store_involved_parse (const PGresult *res, zorg_involved_t *out, int max)
{
    int n = PQntuples (res);
    if (n > max) {
        kb_warning ("gezin has more involved organisations than handled count=%d max=%d", n, max);
        n = max;
    }
    for (int i = 0; i < n; i++) {
        s_copy (out[i].org_id, sizeof out[i].org_id, res, i, 0);
        out[i].org_type = atoi (PQgetvalue (res, i, 1));
        s_copy (out[i].case_ref, sizeof out[i].case_ref, res, i, 2);
        s_copy (out[i].contact_name, sizeof out[i].contact_name, res, i, 3);
        s_copy (out[i].contact_phone, sizeof out[i].contact_phone, res, i, 4);
    }
    return n;
}

const zorg_involved_t *
zorg_store_involved_find (const zorg_involved_t *list, int n, const char *org)
{
    for (int i = 0; org && i < n; i++)
        if (strcmp (list[i].org_id, org) == 0)
            return &list[i];
    return NULL;
}

void
zorg_store_partner_choices_parse (const PGresult *res, zorg_partner_choice_t out[ZORG_ORG_TYPES])
{
    memset (out, 0, ZORG_ORG_TYPES * sizeof *out);
    for (int i = 0; i < PQntuples (res); i++) {
        int type = atoi (PQgetvalue (res, i, 0));
        int rank = atoi (PQgetvalue (res, i, 2));
        long count = atol (PQgetvalue (res, i, 3));
        /* without a local match only the region's single one qualifies */
        if (type >= 0 && type < ZORG_ORG_TYPES && (rank < 3 || count == 1)) {
            s_copy (out[type].org, sizeof out[type].org, res, i, 1);
            out[type].found = true;
        }
    }
}

kb_db_rc_t
zorg_store_partner_type (kb_db_t *db, const char *org, int *org_type, bool *found)
{
    const char *values[1] = { org ? org : "" };
    kb_db_rc_t rc;
    *found = false;
    PGresult *res = zorg_store_run (db, "zorg_partner_get", 1, values, &rc);
    if (!res)
        return rc;
    if (PQntuples (res) == 1) {
        *org_type = atoi (PQgetvalue (res, 0, 0));
        *found = true;
    }
    PQclear (res);
    return KB_DB_OK;
}

kb_db_rc_t
zorg_store_gezin_ref (kb_db_t *db, long gezin_id, char ref_out[KB_UUID_LEN + 1])
{
    char id[24];
    snprintf (id, sizeof id, "%ld", gezin_id);
    const char *values[1] = { id };
    kb_db_rc_t rc;
    PGresult *res = zorg_store_run (db, "zorg_gezin_ref", 1, values, &rc);
    if (!res)
        return rc;
    rc = PQntuples (res) == 1 ? KB_DB_OK : KB_DB_FATAL;
    if (rc == KB_DB_OK)
        s_copy (ref_out, KB_UUID_LEN + 1, res, 0, 0);
    PQclear (res);
    return rc;
}

static kb_db_rc_t s_queue (zorg_ctx_t *ctx, const char *stream, kb_envelope_t *env,
                           const char *correlation_id);

kb_db_rc_t
zorg_store_send (zorg_ctx_t *ctx, const char *to_org, kb_envelope_t *env, const char *correlation_id)
{
    return s_queue (ctx, to_org, env, correlation_id);
}

kb_db_rc_t
zorg_store_track (zorg_ctx_t *ctx, const char *key, kb_envelope_t *env, const char *correlation_id)
{
    if (!ctx->tracking)
        return KB_DB_OK;
    char stream[KB_LINK_ID_MAX + 1];
    snprintf (stream, sizeof stream, "%s%s", ZORG_TRACKING_PREFIX, key);
    return s_queue (ctx, stream, env, correlation_id);
}

static kb_db_rc_t
s_queue (zorg_ctx_t *ctx, const char *to_org, kb_envelope_t *env, const char *correlation_id)
{
    char id[KB_UUID_LEN + 1];
    kb_uuid_v4 (id);
    env->message_id = id;
    env->correlation_id = (char *) (correlation_id ? correlation_id : "");
    env->sent_at_ms = (int64_t) time (NULL) * 1000;
    env->schema_version = KB_SCHEMA_VERSION;
    env->sender_org = ZORG_ACTOR;
    size_t len = 0;
    uint8_t *bytes = kb_codec_encode (env, &len);
    if (!bytes)
        return KB_DB_FATAL;
    kb_db_rc_t rc = ctx->outbox ? kb_outbox_batch_add (ctx->outbox, to_org, id, bytes, len)
                                : kb_outbox_put (ctx->db, to_org, id, bytes, len);
    free (bytes);
    env->message_id = NULL;
    env->correlation_id = NULL;
    env->sender_org = NULL;
    if (rc == KB_DB_OK)
        kb_debug ("queued message body=%s to_org=\"%s\"", kb_codec_body_name (env), to_org);
    return rc;
}

kb_db_rc_t
zorg_store_audit (zorg_ctx_t *ctx, const char *actor_org, const char *actor_user, const char *event,
                  char action, const char *subject, const char *reason, const char *outcome)
{
    kb_audit_entry_t entry = { .actor_org = actor_org ? actor_org : ZORG_ACTOR,
                               .actor_user = actor_user,
                               .event = event,
                               .action = action,
                               .subject_pseudonym = subject,
                               .reason = reason,
                               .outcome = outcome ? outcome : "ok",
                               .authorised = true };
    int rc = ctx->audit ? kb_audit_batch_append (ctx->audit, &entry)
                        : kb_audit_append (ctx->db, &entry);
    return rc == KB_DB_OK ? KB_DB_OK : rc == KB_DB_RETRY ? KB_DB_RETRY : KB_DB_FATAL;
}

kb_db_rc_t
zorg_store_audit_entry (zorg_ctx_t *ctx, const kb_audit_entry_t *entry)
{
    kb_audit_entry_t e = *entry;
    if (!e.actor_org)
        e.actor_org = ZORG_ACTOR;
    if (!e.outcome)
        e.outcome = "ok";
    int rc = ctx->audit ? kb_audit_batch_append (ctx->audit, &e) : kb_audit_append (ctx->db, &e);
    return rc == KB_DB_OK ? KB_DB_OK : rc == KB_DB_RETRY ? KB_DB_RETRY : KB_DB_FATAL;
}

kb_db_rc_t
zorg_store_escalation_open (zorg_ctx_t *ctx, const char *kind, long gezin_id, const char *gezin_ref,
                            long plan_id, long other_plan_id, const char *transfer_id,
                            char id_out[KB_UUID_LEN + 1])
{
    char gid[24], pid[24], oid[24];
    kb_uuid_v4 (id_out);
    snprintf (gid, sizeof gid, "%ld", gezin_id);
    snprintf (pid, sizeof pid, "%ld", plan_id);
    snprintf (oid, sizeof oid, "%ld", other_plan_id);
    const char *values[6] = { id_out, gid, pid, oid, transfer_id, kind };
    kb_db_rc_t rc = kb_db_run_cmd (ctx->db, "zorg_escalation_insert", 6, values, NULL, NULL);
    if (rc != KB_DB_OK)
        return rc;
    kb_info ("escalation opened kind=%s escalation=\"%.8s\" gezin=\"%.8s\"", kind, id_out, gezin_ref);
    rc = zorg_store_audit (ctx, NULL, NULL, "escalation.opened", 'C', gezin_ref, kind, "open");
    if (rc == KB_DB_OK)
        rc = zorg_monitor_escalation (ctx, id_out, false, NULL);
    return rc;
}
