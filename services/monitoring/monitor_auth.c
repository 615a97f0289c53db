/*  monitor_auth - dashboard users, hashed tokens and sessions. */
#include "monitor_auth.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_HASH_SIZE 32

static const struct
{
    const char *name, *sql;
    int nparams;
} s_statements[] = {
    { "monitor_auth_token",
      "SELECT id, name, role, coalesce(gemeente, ''), token_hash FROM dashboard_user "
      "WHERE token_hash = $1::bytea AND revoked_at IS NULL AND expires_at > now()",
      1 },
    { "monitor_auth_session_new",
      "INSERT INTO dashboard_session (hash, user_id, expires_at) "
      "SELECT $1::bytea, id, least(expires_at, now() + make_interval(secs => $3::int)) "
      "FROM dashboard_user WHERE id = $2::bigint AND revoked_at IS NULL AND expires_at > now()",
      3 },
    { "monitor_auth_session",
      "SELECT u.id, u.name, u.role, coalesce(u.gemeente, ''), s.hash FROM dashboard_session s "
      "JOIN dashboard_user u ON u.id = s.user_id "
      "WHERE s.hash = $1::bytea AND s.expires_at > now() AND u.revoked_at IS NULL "
      "AND u.expires_at > now()",
      1 },
    { "monitor_auth_session_end",
      "DELETE FROM dashboard_session WHERE hash = $1::bytea OR expires_at < now() - interval '1 "
      "day'",
      1 },
    { "monitor_auth_user_add",
      "INSERT INTO dashboard_user (name, role, gemeente, token_hash, expires_at) "
      "VALUES ($1, $2, nullif($3, ''), $4::bytea, now() + make_interval(days => $5::int)) "
      "ON CONFLICT DO NOTHING RETURNING id",
      5 },
    { "monitor_auth_user_revoke",
      "WITH u AS (UPDATE dashboard_user SET revoked_at = now() "
      " WHERE name = $1 AND revoked_at IS NULL RETURNING id), "
      "s AS (DELETE FROM dashboard_session WHERE user_id IN (SELECT id FROM u)) "
      "SELECT count(*) FROM u",
      1 },
    { "monitor_auth_user_list",
      "SELECT id, name, role, coalesce(gemeente, ''), "
      " to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
      " revoked_at IS NOT NULL FROM dashboard_user ORDER BY id DESC",
      0 },
};

monitor_role_t
monitor_auth_role_parse (const char *name)
{
    if (name && strcmp (name, "ketencoordinator") == 0)
        return MONITOR_ROLE_KETENCOORDINATOR;
    if (name && strcmp (name, "gemeente") == 0)
        return MONITOR_ROLE_GEMEENTE;
    return MONITOR_ROLE_NONE;
}

const char *
monitor_auth_role_name (monitor_role_t role)
{
    switch (role) {
        case MONITOR_ROLE_KETENCOORDINATOR:
            return "ketencoordinator";
        case MONITOR_ROLE_GEMEENTE:
            return "gemeente";
        default:
            return "";
    }
}

bool
monitor_auth_name_valid (const char *name)
{
    size_t len = name ? strlen (name) : 0;
    if (len == 0 || len > MONITOR_AUTH_NAME_MAX)
        return false;
    return strspn (name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
           len;
}

int
monitor_auth_prepare (kb_db_t *db)
{
    if (sodium_init () < 0)
        return -1;
    for (size_t i = 0; i < sizeof s_statements / sizeof s_statements[0]; i++)
        if (kb_db_prepare (db, s_statements[i].name, s_statements[i].sql, s_statements[i].nparams))
            return -1;
    return 0;
}

/* hex (exactly 64 digits, lower case) of 32 bytes -> the bytes */
static int
s_unhex (const char *hex, uint8_t out[32])
{
    if (!hex || strlen (hex) != 64 || strspn (hex, "0123456789abcdef") != 64)
        return -1;
    size_t bin_len = 0;
    return sodium_hex2bin (out, 32, hex, 64, NULL, &bin_len, NULL) == 0 && bin_len == 32 ? 0 : -1;
}

/* The stored form of a secret's 32 random bytes. */
static void
s_hash (const uint8_t secret[32], uint8_t out[S_HASH_SIZE])
{
    crypto_generichash (out, S_HASH_SIZE, secret, 32, NULL, 0);
}

static void
s_user_row (PGresult *res, int row, monitor_user_t *user)
{
    memset (user, 0, sizeof *user);
    user->id = atoll (PQgetvalue (res, row, 0));
    snprintf (user->name, sizeof user->name, "%s", PQgetvalue (res, row, 1));
    user->role = monitor_auth_role_parse (PQgetvalue (res, row, 2));
    snprintf (user->gemeente, sizeof user->gemeente, "%s", PQgetvalue (res, row, 3));
}

/* Runs a lookup statement (hash in, user row + stored hash out). */
static int
s_lookup (kb_db_t *db, const char *statement, const uint8_t secret[32], monitor_user_t *user)
{
    uint8_t hash[S_HASH_SIZE];
    s_hash (secret, hash);
    const char *values[1] = { (const char *)hash };
    const int lengths[1] = { S_HASH_SIZE };
    const int formats[1] = { 1 };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, statement, 1, values, lengths, formats, &rc);
    if (!res)
        return MONITOR_AUTH_ERROR;
    int out = MONITOR_AUTH_REFUSED;
    if (PQntuples (res) == 1) {
        size_t stored_len = 0;
        unsigned char *stored =
          PQunescapeBytea ((const unsigned char *)PQgetvalue (res, 0, 4), &stored_len);
        if (stored && stored_len == S_HASH_SIZE && sodium_memcmp (stored, hash, S_HASH_SIZE) == 0) {
            s_user_row (res, 0, user);
            out = user->role != MONITOR_ROLE_NONE ? MONITOR_AUTH_OK : MONITOR_AUTH_REFUSED;
        }
        if (stored)
            PQfreemem (stored);
    }
    PQclear (res);
    return out;
}

int
monitor_auth_token (kb_db_t *db, const char *token, monitor_user_t *user)
{
    memset (user, 0, sizeof *user);
    uint8_t secret[32];
    if (!token || strncmp (token, "kbd_", 4) != 0 || s_unhex (token + 4, secret))
        return MONITOR_AUTH_REFUSED;
    int rc = s_lookup (db, "monitor_auth_token", secret, user);
    sodium_memzero (secret, sizeof secret);
    return rc;
}

int
monitor_auth_session (kb_db_t *db, const char *id, monitor_user_t *user)
{
    memset (user, 0, sizeof *user);
    uint8_t secret[32];
    if (s_unhex (id, secret))
        return MONITOR_AUTH_REFUSED;
    int rc = s_lookup (db, "monitor_auth_session", secret, user);
    sodium_memzero (secret, sizeof secret);
    return rc;
}

int
monitor_auth_session_new (kb_db_t *db,
                          long long user_id,
                          int ttl_s,
                          char id_out[MONITOR_AUTH_SESSION_LEN + 1])
{
    uint8_t secret[32], hash[S_HASH_SIZE];
    randombytes_buf (secret, sizeof secret);
    s_hash (secret, hash);
    char uid[24], ttl[16];
    snprintf (uid, sizeof uid, "%lld", user_id);
    snprintf (ttl, sizeof ttl, "%d", ttl_s);
    const char *values[3] = { (const char *)hash, uid, ttl };
    const int lengths[3] = { S_HASH_SIZE, 0, 0 };
    const int formats[3] = { 1, 0, 0 };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "monitor_auth_session_new", 3, values, lengths, formats, &rc);
    int out = res && atoi (PQcmdTuples (res)) == 1 ? 0 : -1;
    PQclear (res);
    if (out == 0)
        sodium_bin2hex (id_out, MONITOR_AUTH_SESSION_LEN + 1, secret, sizeof secret);
    sodium_memzero (secret, sizeof secret);
    return out;
}

int
monitor_auth_session_end (kb_db_t *db, const char *id)
{
    uint8_t secret[32], hash[S_HASH_SIZE];
    if (s_unhex (id, secret))
        return 0;
    s_hash (secret, hash);
    sodium_memzero (secret, sizeof secret);
    const char *values[1] = { (const char *)hash };
    const int lengths[1] = { S_HASH_SIZE };
    const int formats[1] = { 1 };
    return kb_db_run_cmd (db, "monitor_auth_session_end", 1, values, lengths, formats) == KB_DB_OK
             ? 0
             : -1;
}

int
monitor_auth_user_add (kb_db_t *db,
                       const char *name,
                       monitor_role_t role,
                       const char *gemeente,
                       int days,
                       char token_out[MONITOR_AUTH_TOKEN_LEN + 1],
                       const char **why)
{
    static const char *unused;
    if (!why)
        why = &unused;
    if (!gemeente)
        gemeente = "";
    if (!monitor_auth_name_valid (name)) {
        *why = "name: 1..64 of letters, digits, '.', '_' and '-'";
        return 1;
    }
    if (role == MONITOR_ROLE_NONE) {
        *why = "role: ketencoordinator or gemeente";
        return 1;
    }
    bool four_digits = strlen (gemeente) == 4 && strspn (gemeente, "0123456789") == 4;
    if (role == MONITOR_ROLE_GEMEENTE && !four_digits) {
        *why = "gemeente: the role gemeente needs a CBS code of 4 digits";
        return 1;
    }
    if (role == MONITOR_ROLE_KETENCOORDINATOR && *gemeente) {
        *why = "gemeente: the ketencoordinator sees the whole region, without a gemeente";
        return 1;
    }
    if (days < 1 || days > 3660) {
        *why = "days: 1..3660";
        return 1;
    }
    uint8_t secret[32], hash[S_HASH_SIZE];
    randombytes_buf (secret, sizeof secret);
    s_hash (secret, hash);
    char days_text[16];
    snprintf (days_text, sizeof days_text, "%d", days);
    const char *values[5] = {
        name, monitor_auth_role_name (role), gemeente, (const char *)hash, days_text
    };
    const int lengths[5] = { 0, 0, 0, S_HASH_SIZE, 0 };
    const int formats[5] = { 0, 0, 0, 1, 0 };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "monitor_auth_user_add", 5, values, lengths, formats, &rc);
    int out = -1;
    if (res && PQntuples (res) == 1) {
        memcpy (token_out, "kbd_", 4);
        sodium_bin2hex (token_out + 4, 65, secret, sizeof secret);
        out = 0;
    } else if (res) {
        *why = "name: an active user of that name exists";
        out = 1;
    }
    PQclear (res);
    sodium_memzero (secret, sizeof secret);
    return out;
}

int
monitor_auth_user_revoke (kb_db_t *db, const char *name)
{
    const char *values[1] = { name };
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "monitor_auth_user_revoke", 1, values, NULL, NULL, &rc);
    if (!res)
        return -1;
    int out = PQntuples (res) == 1 && atol (PQgetvalue (res, 0, 0)) > 0 ? 0 : 1;
    PQclear (res);
    return out;
}

monitor_user_t *
monitor_auth_user_list (kb_db_t *db, size_t *n)
{
    *n = 0;
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "monitor_auth_user_list", 0, NULL, NULL, NULL, &rc);
    if (!res)
        return NULL;
    size_t rows = (size_t)PQntuples (res);
    monitor_user_t *users = calloc (rows ? rows : 1, sizeof *users);
    for (size_t i = 0; users && i < rows; i++) {
        s_user_row (res, (int)i, &users[i]);
        snprintf (
          users[i].expires_at, sizeof users[i].expires_at, "%s", PQgetvalue (res, (int)i, 4));
        users[i].revoked = PQgetvalue (res, (int)i, 5)[0] == 't';
    }
    PQclear (res);
    if (users)
        *n = rows;
    return users;
}
