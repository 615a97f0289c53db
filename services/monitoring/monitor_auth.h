/*  monitor_auth - the dashboard's users, tokens and sessions
    (deploy/migrations/monitoring/0002_dashboard_users.sql).

    A token is "kbd_" followed by 64 hex digits (32 random bytes); a
    session id is 64 hex digits. Only their BLAKE2b-256 hashes
    (crypto_generichash) are stored; a lookup finds the row by hash and
    compares the hashes again in constant time. Anything unknown, revoked or
    expired is refused: every function fails closed. Used by monitor_http
    and by `ketenctl dashboard user`. */
#ifndef MONITOR_AUTH_H_INCLUDED
#define MONITOR_AUTH_H_INCLUDED

#include "ketenbus/kb_db.h"

#include <stdbool.h>
#include <stddef.h>

#define MONITOR_AUTH_TOKEN_LEN 68   /* "kbd_" + 64 hex */
#define MONITOR_AUTH_SESSION_LEN 64 /* hex */
#define MONITOR_AUTH_NAME_MAX 64

typedef enum
{
    MONITOR_ROLE_NONE = 0,
    MONITOR_ROLE_KETENCOORDINATOR, /* the whole region */
    MONITOR_ROLE_GEMEENTE          /* one gemeente: the filter is forced to it */
} monitor_role_t;

typedef struct
{
    long long id;
    char name[MONITOR_AUTH_NAME_MAX + 1];
    monitor_role_t role;
    char gemeente[8]; /* "" for the ketencoordinator */
    char expires_at[32];
    bool revoked;
} monitor_user_t;

/* "ketencoordinator"/"gemeente" <-> the role; NONE / "" when unknown. */
monitor_role_t monitor_auth_role_parse (const char *name);
const char *monitor_auth_role_name (monitor_role_t role);
/* A valid account name: 1..64 of [A-Za-z0-9._-]. */
bool monitor_auth_name_valid (const char *name);

/* Prepares the statements on db (after the monitoring migrations). */
int monitor_auth_prepare (kb_db_t *db);

/* Result of a lookup. */
#define MONITOR_AUTH_OK 0
#define MONITOR_AUTH_REFUSED 1 /* malformed, unknown, revoked or expired */
#define MONITOR_AUTH_ERROR -1  /* database error: refuse too */

/* The active user of token. */
int monitor_auth_token (kb_db_t *db, const char *token, monitor_user_t *user);
/* Starts a session of user for ttl_s seconds; its id (hex) into id_out. */
int monitor_auth_session_new (kb_db_t *db,
                              long long user_id,
                              int ttl_s,
                              char id_out[MONITOR_AUTH_SESSION_LEN + 1]);
/* The active user of session id (the user not revoked or expired either). */
int monitor_auth_session (kb_db_t *db, const char *id, monitor_user_t *user);
/* Ends a session (unknown ids are ignored). Returns 0 or -1. */
int monitor_auth_session_end (kb_db_t *db, const char *id);

/* Adds a user valid for days and writes its token (shown once) into
   token_out, in the caller's transaction. gemeente: 4 digits for the
   gemeente role, NULL or "" for the ketencoordinator. Returns 0, 1 when
   the name is taken or an argument is invalid (*why says which), -1 on a
   database error. */
int monitor_auth_user_add (kb_db_t *db,
                           const char *name,
                           monitor_role_t role,
                           const char *gemeente,
                           int days,
                           char token_out[MONITOR_AUTH_TOKEN_LEN + 1],
                           const char **why);
/* Revokes the active user called name and ends its sessions, in the
   caller's transaction. Returns 0, 1 when there is no such user, -1 on a
   database error. */
int monitor_auth_user_revoke (kb_db_t *db, const char *name);
/* Every user (also revoked ones), newest first; malloc'ed array of *n
   (non-NULL when empty) or NULL on a database error. */
monitor_user_t *monitor_auth_user_list (kb_db_t *db, size_t *n);

#endif
