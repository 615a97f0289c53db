/*  zorg_store - the zorgtoewijzing schema: every statement is prepared
    here under a "zorg_" name; small typed helpers for the rows the other
    modules share (plan, involvement, partner) and for the two side effects
    of every change: an outbound envelope in the outbox and an audit row.
    Everything runs in the caller's transaction. */
#ifndef ZORG_STORE_H_INCLUDED
#define ZORG_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_outbox.h"
#include "ketenbus/kb_uuid.h"
#include "zorg_rules.h"

#define ZORG_ORG_MAX 64
#define ZORG_REF_MAX 64
#define ZORG_CONTACT_MAX 400  /* 100 characters of UTF-8 */
#define ZORG_PHONE_MAX 20
#define ZORG_INVOLVED_MAX 64
#define ZORG_GEBIED_MAX 64
/* Who the daemon is in envelopes and audit rows. */
#define ZORG_ACTOR "zorgtoewijzing"

/* What every handler needs; borrowed from the server or the caller. */
typedef struct {
    kb_db_t *db;
    const zorg_rules_t *rules; /* NULL outside the daemon (ketenctl) */
    int deadline_s;            /* transfer/deadline_s */
    kb_audit_batch_t *audit;   /* the link batch's open audit batch, or NULL:
                                  each row is appended at once */
    kb_outbox_batch_t *outbox; /* the link batch's outbox rows, or NULL: each
                                  message is queued at once */
    bool tracking;             /* link/tracking set: trajectories go to client-tracking */
    int justification_min;     /* share/justification_min_chars; 0: the default */
} zorg_ctx_t;

typedef struct {
    long id;
    long gezin_id;
    char ref[KB_UUID_LEN + 1];
    char status[16];
    bool has_regisseur;
    char regisseur_org[ZORG_ORG_MAX + 1];
    int regisseur_org_type;
    char casemanager_name[ZORG_CONTACT_MAX + 1];
    char casemanager_phone[ZORG_PHONE_MAX + 1];
    int basis;
    char rule_name[48];
    int plan_version;          /* 0 until the regisseur registered the plan */
} zorg_plan_row_t;

typedef struct {
    char org_id[ZORG_ORG_MAX + 1];
    int org_type;
    char case_ref[ZORG_REF_MAX + 1];
    char contact_name[ZORG_CONTACT_MAX + 1];
    char contact_phone[ZORG_PHONE_MAX + 1];
} zorg_involved_t;

/* OrgType values a partner choice is kept for (0 .. ZORG_ORG_TYPES - 1). */
#define ZORG_ORG_TYPES 16

/* The active partner of one org_type for a gebied/gemeente: same gebied,
   else same gemeente, else the only one of that type. */
typedef struct {
    bool found;
    char org[ZORG_ORG_MAX + 1];
} zorg_partner_choice_t;

/* What zorgtoewijzing knows of a gezin while it applies a signal, read
   in one round trip after the signal's members and involvement were
   written. */
typedef struct {
    long gezin_id;
    const char *gezin_ref;        /* borrowed */
    const zorg_involved_t *inv;   /* involved organisations, oldest first */
    int n;
    int youngest_age;             /* of the youngest member; -1 unknown */
    bool first_signal;            /* the sender's first signal about the gezin
                                     (it may have been involved as regisseur) */
    zorg_plan_row_t plan;         /* the active plan, locked */
    bool has_plan;
    /* the gezin's region (gebied as a code) and first signal date */
    char gemeente_code[8];
    char gebied[ZORG_GEBIED_MAX + 1];
    char first_signal_date[11];
    /* per organisation type, for the signal's gebied and gemeente */
    zorg_partner_choice_t partners[ZORG_ORG_TYPES];
} zorg_gezin_view_t;

/* Prepares the zorg statements, the outbox and the audit statements.
   Call once per connection after the migrations. Returns 0 or -1. */
int zorg_store_prepare (kb_db_t *db);

/* Runs a prepared zorg statement with text parameters (NULL: SQL NULL). */
PGresult *zorg_store_run (kb_db_t *db, const char *name, int n, const char *const *values,
                          kb_db_rc_t *rc);

/* The active plan of gezin_id, locked. *found false when there is none. */
kb_db_rc_t zorg_store_plan_active (kb_db_t *db, long gezin_id, zorg_plan_row_t *plan, bool *found);
/* The plan row of a "zorg_plan_*" query result, when it has one. */
void zorg_store_plan_parse (const PGresult *res, zorg_plan_row_t *plan, bool *found);
/* A plan by id or by ref, locked. */
kb_db_rc_t zorg_store_plan_by_id (kb_db_t *db, long id, zorg_plan_row_t *plan, bool *found);
kb_db_rc_t zorg_store_plan_by_ref (kb_db_t *db, const char *ref, zorg_plan_row_t *plan, bool *found);
/* Sets the regisseur (org NULL: the ketencoordinator holds regie). */
kb_db_rc_t zorg_store_plan_set_regisseur (kb_db_t *db, const zorg_plan_row_t *plan);

/* Involved organisations of a gezin, oldest involvement first; returns
   the count (at most max) or -1 with *rc set. */
int zorg_store_involved (kb_db_t *db, long gezin_id, zorg_involved_t *out, int max, kb_db_rc_t *rc);
/* The same from a "zorg_involvement_list" result (one gezin_id param). */
int zorg_store_involved_parse (const PGresult *res, zorg_involved_t *out, int max);
/* The involvement of org with gezin, or NULL. */
const zorg_involved_t *zorg_store_involved_find (const zorg_involved_t *list, int n, const char *org);

/* That choice for every type at once, from a "zorg_partner_resolve_all"
   result (params gebied, gemeente). */
void zorg_store_partner_choices_parse (const PGresult *res,
                                       zorg_partner_choice_t out[ZORG_ORG_TYPES]);
/* Type of an active partner; *found false when unknown or inactive. */
kb_db_rc_t zorg_store_partner_type (kb_db_t *db, const char *org, int *org_type, bool *found);

kb_db_rc_t zorg_store_gezin_ref (kb_db_t *db, long gezin_id, char ref_out[KB_UUID_LEN + 1]);

/* Wraps body (env->body_case and its pointer set by the caller) in an
   envelope from "zorgtoewijzing" and queues it on the outbox stream of
   to_org, so per-partner order holds (into ctx->outbox when a link batch
   is open). */
/* Outbox streams for client-tracking start with this; the sender towards
   intake leaves them to the one towards client-tracking. */
#define ZORG_TRACKING_PREFIX "tracking:"

/* A TrajectoryUpdate for client-tracking (when ctx->tracking) on stream
   "tracking:<key>", so the changes of one trajectory arrive in order. */
kb_db_rc_t zorg_store_track (zorg_ctx_t *ctx, const char *key, kb_envelope_t *env,
                             const char *correlation_id);

kb_db_rc_t zorg_store_send (zorg_ctx_t *ctx, const char *to_org, kb_envelope_t *env,
                            const char *correlation_id);

/* One audit row (codes only, never personal data): chained into
   ctx->audit when a link batch is open, else appended at once. */
kb_db_rc_t zorg_store_audit (zorg_ctx_t *ctx, const char *actor_org, const char *actor_user,
                             const char *event, char action, const char *subject,
                             const char *reason, const char *outcome);

/* The same with every field of the entry (NEN 7513 check flags, on behalf
   of); actor_org NULL is the daemon itself. */
kb_db_rc_t zorg_store_audit_entry (zorg_ctx_t *ctx, const kb_audit_entry_t *entry);

/* Opens an escalation for the ketencoordinator (plan ids 0 and transfer
   NULL when not applicable) and audits it. */
kb_db_rc_t zorg_store_escalation_open (zorg_ctx_t *ctx, const char *kind, long gezin_id,
                                       const char *gezin_ref, long plan_id, long other_plan_id,
                                       const char *transfer_id, char id_out[KB_UUID_LEN + 1]);

#endif
