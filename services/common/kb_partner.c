/*  kb_partner - partner registry and its cache of active partners. */
#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_uuid.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

struct _kb_partner_cache_t {
    kb_db_t *db;
    int refresh_ms;
    int max_age_ms;
    int64_t loaded_at;     /* zclock_mono of the last successful load, 0 = never */
    int64_t tried_at;
    zhashx_t *by_key;      /* owns kb_partner_t */
    zhashx_t *by_org;      /* borrows */
    bool prepared;
};

static const char *s_org_type_names[] = {
    "unspecified", "cjg", "veiligheidshuis", "ggd-vangnet", "maatschappelijke-opvang",
    "vrouwenopvang", "wijkteam", "veilig-thuis", "gemeente", "zorgaanbieder",
    "ketencoordinator",
};
#define S_ORG_TYPES ((int) (sizeof s_org_type_names / sizeof s_org_type_names[0]))

int
kb_org_type_parse (const char *name)
{
    for (int i = 1; name && i < S_ORG_TYPES; i++)
        if (strcmp (name, s_org_type_names[i]) == 0)
            return i;
    return 0;
}

const char *
kb_org_type_name (int org_type)
{
    return (org_type > 0 && org_type < S_ORG_TYPES) ? s_org_type_names[org_type] : "unknown";
}

static void
s_free_partner (void **item)
{
    free (*item);
    *item = NULL;
}

kb_partner_cache_t *
kb_partner_cache_new (kb_db_t *db, int refresh_ms, int max_age_ms)
{
    kb_partner_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->db = db;
    self->refresh_ms = refresh_ms;
    self->max_age_ms = max_age_ms;
    self->by_key = zhashx_new ();
    self->by_org = zhashx_new ();
    zhashx_set_destructor (self->by_key, s_free_partner);
    return self;
}

void
kb_partner_cache_destroy (kb_partner_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->by_org);
    zhashx_destroy (&(*self_p)->by_key);
    free (*self_p);
    *self_p = NULL;
}

static int
s_load (kb_partner_cache_t *self)
{
    if (!self->prepared) {
        if (kb_db_prepare (self->db, "partner_active",
                           "SELECT org_id, org_type, gebied, gemeente_code, public_key "
                           "FROM partner WHERE revoked_at IS NULL",
                           0))
            return -1;
        self->prepared = true;
    }
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (self->db, "partner_active", 0, NULL, NULL, NULL, &rc);
    if (!res)
        return -1;
    zhashx_purge (self->by_org);
    zhashx_purge (self->by_key);
    for (int i = 0; i < PQntuples (res); i++) {
        kb_partner_t *p = calloc (1, sizeof *p);
        if (!p)
            break;
        snprintf (p->org_id, sizeof p->org_id, "%s", PQgetvalue (res, i, 0));
        p->org_type = atoi (PQgetvalue (res, i, 1));
        snprintf (p->gebied, sizeof p->gebied, "%s", PQgetvalue (res, i, 2));
        snprintf (p->gemeente_code, sizeof p->gemeente_code, "%s", PQgetvalue (res, i, 3));
        snprintf (p->public_key, sizeof p->public_key, "%s", PQgetvalue (res, i, 4));
        if (zhashx_insert (self->by_key, p->public_key, p) != 0) {
            free (p);
            continue;
        }
        zhashx_insert (self->by_org, p->org_id, p);
    }
    PQclear (res);
    return 0;
}

int
kb_partner_cache_refresh (kb_partner_cache_t *self, bool force)
{
    int64_t now = zclock_mono ();
    if (!force && self->loaded_at && now - self->tried_at < self->refresh_ms)
        return 0;
    self->tried_at = now;
    if (kb_db_ensure (self->db, 0) == 0 && s_load (self) == 0) {
        self->loaded_at = now;
        return 0;
    }
    if (self->loaded_at && now - self->loaded_at > self->max_age_ms && zhashx_size (self->by_key)) {
        kb_warning ("partner registry unreachable for %lld ms, refusing all partners",
                    (long long) (now - self->loaded_at));
        zhashx_purge (self->by_org);
        zhashx_purge (self->by_key);
    }
    return -1;
}

static bool
s_fresh (kb_partner_cache_t *self)
{
    return self->loaded_at && zclock_mono () - self->loaded_at <= self->max_age_ms;
}

const kb_partner_t *
kb_partner_by_key (kb_partner_cache_t *self, const char *public_key_z85)
{
    return s_fresh (self) ? zhashx_lookup (self->by_key, public_key_z85) : NULL;
}

const kb_partner_t *
kb_partner_by_org (kb_partner_cache_t *self, const char *org_id)
{
    return s_fresh (self) ? zhashx_lookup (self->by_org, org_id) : NULL;
}

bool
kb_partner_cache_fresh (kb_partner_cache_t *self)
{
    return s_fresh (self);
}

size_t
kb_partner_cache_size (kb_partner_cache_t *self)
{
    return zhashx_size (self->by_key);
}

int
kb_partner_prepare (kb_db_t *db)
{
    if (kb_db_prepare (db, "partner_insert",
                       "INSERT INTO partner (org_id, org_type, gebied, gemeente_code, public_key) "
                       "VALUES ($1, $2::int, $3, $4, $5) ON CONFLICT DO NOTHING",
                       5))
        return -1;
    if (kb_db_prepare (db, "partner_revoke",
                       "UPDATE partner SET revoked_at = now(), revoked_reason = $2 "
                       "WHERE org_id = $1 AND revoked_at IS NULL "
                       "RETURNING org_type, gebied, gemeente_code",
                       2))
        return -1;
    if (kb_db_prepare (db, "partner_rekey",
                       "UPDATE partner SET public_key = $2, revoked_at = NULL, "
                       "revoked_reason = NULL WHERE org_id = $1 "
                       "RETURNING org_type, gebied, gemeente_code",
                       2))
        return -1;
    return kb_outbox_prepare (db) || kb_audit_prepare (db) ? -1 : 0;
}

/* zorgtoewijzing resolves regisseur rules against its own copy of the
   directory: every registry change travels to it over the link, committed
   with the change itself. */
static kb_db_rc_t
s_queue_update (kb_db_t *db, const kb_partner_t *partner, bool active)
{
    Ketenbus__V1__PartnerUpdate update = KETENBUS__V1__PARTNER_UPDATE__INIT;
    update.org_id = (char *) partner->org_id;
    update.org_type = (Ketenbus__V1__OrgType) partner->org_type;
    update.gebied = (char *) partner->gebied;
    update.gemeente_code = (char *) partner->gemeente_code;
    update.active = active;
    update.changed_at_ms = zclock_time ();
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    char id[KB_UUID_LEN + 1];
    kb_uuid_v4 (id);
    env.message_id = id;
    env.sent_at_ms = update.changed_at_ms;
    env.schema_version = KB_SCHEMA_VERSION;
    env.sender_org = "registry";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    size_t len = 0;
    uint8_t *bytes = kb_codec_encode (&env, &len);
    if (!bytes)
        return KB_DB_FATAL;
    kb_db_rc_t rc = kb_outbox_put (db, "registry", id, bytes, len);
    free (bytes);
    return rc;
}

/* The end of every registry change: zorgtoewijzing's copy told, the
   change audited (actor the OS user), committed - or all rolled back. */
static kb_partner_rc_t
s_finish_change (kb_db_t *db, const kb_partner_t *partner, bool active, const char *event,
                 char action, const char *actor)
{
    kb_audit_entry_t entry = { .actor_org = "ketenbus", .actor_user = actor,
                               .event = event, .action = action,
                               .subject_pseudonym = NULL, .reason = partner->org_id,
                               .outcome = "ok", .authorised = true };
    if (s_queue_update (db, partner, active) != KB_DB_OK || kb_audit_append (db, &entry) != 0
        || kb_db_commit (db) != KB_DB_OK) {
        kb_db_rollback (db);
        return KB_PARTNER_DB;
    }
    return KB_PARTNER_OK;
}

/* The entry of org_id from a RETURNING org_type, gebied, gemeente_code
   (res is cleared); false when no row came back. */
static bool
s_returned (PGresult *res, const char *org_id, kb_partner_t *out)
{
    memset (out, 0, sizeof *out);
    bool found = PQntuples (res) == 1;
    if (found) {
        snprintf (out->org_id, sizeof out->org_id, "%s", org_id);
        out->org_type = atoi (PQgetvalue (res, 0, 0));
        snprintf (out->gebied, sizeof out->gebied, "%s", PQgetvalue (res, 0, 1));
        snprintf (out->gemeente_code, sizeof out->gemeente_code, "%s", PQgetvalue (res, 0, 2));
    }
    PQclear (res);
    return found;
}

kb_partner_rc_t
kb_partner_add (kb_db_t *db, const kb_partner_t *partner, const char *actor)
{
    if (!partner->org_id[0] || partner->org_type <= 0 || strlen (partner->public_key) != 40)
        return KB_PARTNER_INVALID;
    char type[16];
    snprintf (type, sizeof type, "%d", partner->org_type);
    const char *params[5] = { partner->org_id, type, partner->gebied, partner->gemeente_code,
                              partner->public_key };
    if (kb_db_begin (db) != KB_DB_OK)
        return KB_PARTNER_DB;
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "partner_insert", 5, params, NULL, NULL, &rc);
    if (!res) {
        kb_db_rollback (db);
        return KB_PARTNER_DB;
    }
    int added = atoi (PQcmdTuples (res)) == 1;
    PQclear (res);
    if (!added) {
        kb_db_rollback (db);
        return KB_PARTNER_EXISTS;
    }
    return s_finish_change (db, partner, true, "partner.added", 'C', actor);
}

kb_partner_rc_t
kb_partner_revoke (kb_db_t *db, const char *org_id, const char *reason, const char *actor)
{
    const char *params[2] = { org_id, reason ? reason : "" };
    if (kb_db_begin (db) != KB_DB_OK)
        return KB_PARTNER_DB;
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "partner_revoke", 2, params, NULL, NULL, &rc);
    if (!res) {
        kb_db_rollback (db);
        return KB_PARTNER_DB;
    }
    kb_partner_t gone;
    if (!s_returned (res, org_id, &gone)) {
        kb_db_rollback (db);
        return KB_PARTNER_NOT_FOUND;
    }
    return s_finish_change (db, &gone, false, "partner.revoked", 'U', actor);
}

kb_partner_rc_t
kb_partner_rekey (kb_db_t *db, const char *org_id, const char *public_key, const char *actor)
{
    if (!org_id || !public_key || strlen (public_key) != 40)
        return KB_PARTNER_INVALID;
    const char *params[2] = { org_id, public_key };
    if (kb_db_begin (db) != KB_DB_OK)
        return KB_PARTNER_DB;
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "partner_rekey", 2, params, NULL, NULL, &rc);
    if (!res) {
        /* the key is another organisation's */
        bool taken = strcmp (kb_db_last_sqlstate (db), "23505") == 0;
        kb_db_rollback (db);
        return taken ? KB_PARTNER_EXISTS : KB_PARTNER_DB;
    }
    kb_partner_t partner;
    if (!s_returned (res, org_id, &partner)) {
        kb_db_rollback (db);
        return KB_PARTNER_NOT_FOUND;
    }
    /* a revoked partner is active again for zorgtoewijzing's directory too */
    return s_finish_change (db, &partner, true, "partner.rekeyed", 'U', actor);
}

bool
kb_org_type_is_care_partner (int org_type)
{
    switch (org_type) {
        case KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG:
        case KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIGHEIDSHUIS:
        case KETENBUS__V1__ORG_TYPE__ORG_TYPE_GGD_VANGNET:
        case KETENBUS__V1__ORG_TYPE__ORG_TYPE_MAATSCHAPPELIJKE_OPVANG:
        case KETENBUS__V1__ORG_TYPE__ORG_TYPE_VROUWENOPVANG:
        case KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM:
        case KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIG_THUIS:
            return true;
        default:
            return false;
    }
}
