/*  zorg_gezin - the gezin registry on pseudonyms: persons, membership,
    merges, involvement of organisations and matching (Verwijsindex), plus
    the read-only view ketenctl shows. Writes run in the caller's
    transaction and return kb_db_rc_t. */
#ifndef ZORG_GEZIN_H_INCLUDED
#define ZORG_GEZIN_H_INCLUDED

#include <stdint.h>
#include "zorg_store.h"

/* A partner registered, changed or revoked (the directory rules resolve against). */
kb_db_rc_t zorg_gezin_apply_partner (zorg_ctx_t *ctx, const Ketenbus__V1__PartnerUpdate *update);

/* A stored signal: persons, gezin (new, joined or merged), involvement of
   the sender, then the plan (zorg_plan_on_signal) and the matches. */
kb_db_rc_t zorg_gezin_apply_signal (zorg_ctx_t *ctx, const Ketenbus__V1__StoredSignal *signal,
                                    const char *message_id);

/* Tells org and every other organisation involved with gezin_id about each
   other (MatchNotification: organisation and contact, never content). */
kb_db_rc_t zorg_gezin_match (zorg_ctx_t *ctx, long gezin_id, const char *gezin_ref,
                             const char *org, const char *correlation_id);
/* The same with the involved organisations and the regisseur ("" when
   none) the caller already read. */
kb_db_rc_t zorg_gezin_match_with (zorg_ctx_t *ctx, const char *gezin_ref, const char *org,
                                  const zorg_involved_t *inv, int n, const char *regisseur,
                                  const char *correlation_id);

/* The plan's regisseur is involved with the gezin, whether or not it ever
   signalled: without an involvement it would hear of no later signal and
   of no organisation that becomes involved. When it was not involved
   yet, it is registered (contact: the plan's casemanager) and it and
   every involved organisation are told of each other (zorg_gezin_match).
   No-op without a regisseur or when it is involved already. */
kb_db_rc_t zorg_gezin_involve_regisseur (zorg_ctx_t *ctx, const zorg_plan_row_t *plan,
                                         const char *gezin_ref, const char *correlation_id);

/*  Read-only views for ketenctl */

typedef enum {
    ZORG_OK = 0,
    ZORG_ERR_DB = -1,        /* database unreachable or statement failed */
    ZORG_ERR_NOT_FOUND = -2, /* unknown, or not visible to the asking organisation */
    ZORG_ERR_INVALID = -3    /* the request cannot be carried out (err says why) */
} zorg_rc_t;

#define ZORG_SHOW_MAX 16

typedef struct {
    char id[ZORG_REF_MAX + 1];
    char from_org[ZORG_ORG_MAX + 1];
    char to_org[ZORG_ORG_MAX + 1];
    char origin[16];
    int64_t deadline_ms;
} zorg_transfer_info_t;

typedef struct {
    char id[KB_UUID_LEN + 1];
    char kind[32];
    char gezin_ref[KB_UUID_LEN + 1];
    int64_t opened_ms;
} zorg_escalation_info_t;

typedef struct {
    char gezin_ref[KB_UUID_LEN + 1];
    bool has_plan;
    char plan_ref[KB_UUID_LEN + 1];
    char plan_status[16];
    char regisseur_org[ZORG_ORG_MAX + 1]; /* "" while the ketencoordinator holds regie */
    int regisseur_org_type;
    char casemanager_name[ZORG_CONTACT_MAX + 1];
    char casemanager_phone[ZORG_PHONE_MAX + 1];
    int basis;
    char rule_name[48];
    int ninvolved;
    zorg_involved_t involved[ZORG_INVOLVED_MAX];
    int ntransfers;
    zorg_transfer_info_t transfers[ZORG_SHOW_MAX];
    int nescalations;
    zorg_escalation_info_t escalations[ZORG_SHOW_MAX];
} zorg_gezin_info_t;

/* The gezin of key (a gezin ref, also of a merged gezin, or a person's
   pseudonym). as_org NULL: the operator's view; otherwise only a gezin
   as_org is involved with is shown, anything else answers
   ZORG_ERR_NOT_FOUND exactly like an unknown gezin. Needs
   zorg_store_prepare on db. Returns ZORG_OK, ZORG_ERR_NOT_FOUND or ZORG_ERR_DB. */
int zorg_gezin_show (kb_db_t *db, const char *key, const char *as_org, zorg_gezin_info_t *out);
/* The same through a partner's own case reference. */
int zorg_gezin_show_case (kb_db_t *db, const char *org, const char *partner_case_ref,
                          zorg_gezin_info_t *out);
/* Open escalations, oldest first; returns the count (at most max) or -1. */
int zorg_escalation_list (kb_db_t *db, zorg_escalation_info_t *out, int max);

/* Tells the regisseur that an organisation already involved signalled
   again about the gezin (who, never what). */
kb_db_rc_t zorg_gezin_signalled_again (zorg_ctx_t *ctx, const char *gezin_ref,
                                       const zorg_involved_t *regisseur,
                                       const zorg_involved_t *sender, const char *correlation_id);

#endif
