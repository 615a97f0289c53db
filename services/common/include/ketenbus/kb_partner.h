/*  kb_partner - the partner registry (organisation id, type, gebied,
    CURVE public key, active or revoked) and an in-memory cache of the
    active partners that is reloaded from PostgreSQL every few hundred ms,
    so that a revocation takes effect without a restart. */
#ifndef KB_PARTNER_H_INCLUDED
#define KB_PARTNER_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include "ketenbus/kb_db.h"

#define KB_ORG_ID_MAX 64

typedef struct {
    char org_id[KB_ORG_ID_MAX + 1];
    int org_type;                 /* ketenbus.v1.OrgType */
    char gebied[65];
    char gemeente_code[5];
    char public_key[41];          /* Z85 CURVE public key */
} kb_partner_t;

typedef struct _kb_partner_cache_t kb_partner_cache_t;

/* db must be connected with the schema that holds the registry ("intake").
   max_age_ms: a cache older than this (database unreachable) answers
   "unknown" for everyone — security fails closed. */
kb_partner_cache_t *kb_partner_cache_new (kb_db_t *db, int refresh_ms, int max_age_ms);
void kb_partner_cache_destroy (kb_partner_cache_t **self_p);
/* Reloads when refresh_ms have passed; returns 0 when the cache is fresh. */
int kb_partner_cache_refresh (kb_partner_cache_t *self, bool force);
/* Look-ups return NULL for unknown or revoked partners (borrowed pointer,
   valid until the next refresh). */
const kb_partner_t *kb_partner_by_key (kb_partner_cache_t *self, const char *public_key_z85);
const kb_partner_t *kb_partner_by_org (kb_partner_cache_t *self, const char *org_id);
/* Whether the registry was read within max_age_ms. When it was not (the
   database is away), the lookups above find nobody: security fails closed,
   but a caller can tell "revoked" from "cannot know now". */
bool kb_partner_cache_fresh (kb_partner_cache_t *self);
size_t kb_partner_cache_size (kb_partner_cache_t *self);

/* Registry changes, used by ketenctl: each in its own transaction, audited,
   and sent to zorgtoewijzing as a PartnerUpdate through the outbox.
   kb_partner_prepare also prepares the outbox and audit statements. */
typedef enum { KB_PARTNER_OK = 0, KB_PARTNER_EXISTS = -1, KB_PARTNER_NOT_FOUND = -2,
               KB_PARTNER_DB = -3, KB_PARTNER_INVALID = -4 } kb_partner_rc_t;
int kb_partner_prepare (kb_db_t *db);
kb_partner_rc_t kb_partner_add (kb_db_t *db, const kb_partner_t *partner, const char *actor);
kb_partner_rc_t kb_partner_revoke (kb_db_t *db, const char *org_id, const char *reason,
                                   const char *actor);
/* A new public key for org_id (revoked or not: a key rotation, or the way
   back after a revocation): the old key stops working with the next
   registry reload, the organisation is active again with its plans,
   mailbox and regie. KB_PARTNER_EXISTS when another partner has the key. */
kb_partner_rc_t kb_partner_rekey (kb_db_t *db, const char *org_id, const char *public_key,
                                  const char *actor);

/* The care and safety partners: they signal, can hold regie (register a
   plan, hand it over, be chosen by a rule or the ketencoordinator) and
   deliver care - never a gemeente, a zorgaanbieder or the ketencoordinator.
   intake's message rules and zorgtoewijzing's decisions use this one list. */
bool kb_org_type_is_care_partner (int org_type);

/* OrgType names as used in config files and on the command line ("cjg",
   "veiligheidshuis", ...). Returns 0 when unknown. */
int kb_org_type_parse (const char *name);
const char *kb_org_type_name (int org_type);

#endif
