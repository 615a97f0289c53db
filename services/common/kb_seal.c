/*  kb_seal - sealed payloads between partners and their public box keys. */
#include "ketenbus/kb_seal.h"
#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
kb_seal_key_id (const uint8_t public_key[KB_SEAL_KEY_BYTES], char id[KB_SEAL_KEY_ID_LEN + 1])
{
    uint8_t hash[KB_SEAL_KEY_ID_LEN / 2];
    crypto_generichash (hash, sizeof hash, public_key, KB_SEAL_KEY_BYTES, NULL, 0);
    sodium_bin2hex (id, KB_SEAL_KEY_ID_LEN + 1, hash, sizeof hash);
}

int
kb_seal_key_from_hex (const char *hex, uint8_t key[KB_SEAL_KEY_BYTES])
{
    size_t len = 0;
    const char *end = NULL;
    if (!hex || strlen (hex) != KB_SEAL_KEY_HEX
        || sodium_hex2bin (key, KB_SEAL_KEY_BYTES, hex, KB_SEAL_KEY_HEX, NULL, &len, &end) != 0
        || len != KB_SEAL_KEY_BYTES || (end && *end))
        return -1;
    return 0;
}

/* Writes hex of key to path via path.new (mode, fsync, rename). */
static int
s_write_key (const char *path, const uint8_t key[KB_SEAL_KEY_BYTES], mode_t mode, char *err,
             size_t errlen)
{
    char hex[KB_SEAL_KEY_HEX + 2];
    sodium_bin2hex (hex, sizeof hex, key, KB_SEAL_KEY_BYTES);
    hex[KB_SEAL_KEY_HEX] = '\n';
    char tmp[1024];
    snprintf (tmp, sizeof tmp, "%s.new", path);
    /* never reuse (or follow) a stale .new file: its mode or target is not ours */
    unlink (tmp);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    if (fd < 0) {
        snprintf (err, errlen, "could not create \"%s\": %s", tmp, strerror (errno));
        return -1;
    }
    int ok = fchmod (fd, mode) == 0 && write (fd, hex, KB_SEAL_KEY_HEX + 1) == KB_SEAL_KEY_HEX + 1
             && fsync (fd) == 0;
    close (fd);
    sodium_memzero (hex, sizeof hex);
    if (!ok || rename (tmp, path) != 0) {
        snprintf (err, errlen, "could not write \"%s\": %s", path, strerror (errno));
        unlink (tmp);
        return -1;
    }
    return 0;
}

int
kb_seal_keygen (const char *path, bool force, uint8_t public_key[KB_SEAL_KEY_BYTES], char *err,
                size_t errlen)
{
    if (sodium_init () < 0) {
        snprintf (err, errlen, "could not initialise libsodium");
        return -1;
    }
    char pub[1024];
    snprintf (pub, sizeof pub, "%s.pub", path);
    struct stat st;
    if (!force && (lstat (path, &st) == 0 || lstat (pub, &st) == 0)) {
        snprintf (err, errlen, "could not write key \"%s\": file exists (use --force to replace it)",
                  path);
        return -1;
    }
    uint8_t secret[KB_SEAL_KEY_BYTES];
    crypto_box_keypair (public_key, secret);
    int rc = s_write_key (path, secret, 0600, err, errlen);
    sodium_memzero (secret, sizeof secret);
    if (rc == 0)
        rc = s_write_key (pub, public_key, 0644, err, errlen);
    return rc;
}

int
kb_seal_key_load (const char *path, bool secret, uint8_t key[KB_SEAL_KEY_BYTES], char *err,
                  size_t errlen)
{
    struct stat st;
    if (!path || stat (path, &st) != 0) {
        snprintf (err, errlen, "key file \"%s\" is missing", path ? path : "");
        return -1;
    }
    if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
        snprintf (err, errlen,
                  "secret key file \"%s\" is accessible by group or others (mode %03o); "
                  "run chmod 600",
                  path, (unsigned) (st.st_mode & 0777));
        return -1;
    }
    FILE *f = fopen (path, "r");
    if (!f) {
        snprintf (err, errlen, "could not open key file \"%s\": %s", path, strerror (errno));
        return -1;
    }
    char hex[KB_SEAL_KEY_HEX + 8] = "";
    size_t n = fread (hex, 1, sizeof hex - 1, f);
    fclose (f);
    hex[n] = '\0';
    hex[strcspn (hex, " \r\n\t")] = '\0';
    int rc = kb_seal_key_from_hex (hex, key);
    sodium_memzero (hex, sizeof hex);
    if (rc)
        snprintf (err, errlen, "key file \"%s\" must hold one key of %d hex digits", path,
                  KB_SEAL_KEY_HEX);
    return rc;
}

uint8_t *
kb_seal (const uint8_t public_key[KB_SEAL_KEY_BYTES], const void *data, size_t len,
         size_t *out_len)
{
    if (sodium_init () < 0 || len > SIZE_MAX - crypto_box_SEALBYTES)
        return NULL;
    uint8_t *out = malloc (len + crypto_box_SEALBYTES);
    if (!out)
        return NULL;
    crypto_box_seal (out, data, len, public_key);
    *out_len = len + crypto_box_SEALBYTES;
    return out;
}

uint8_t *
kb_seal_open (const uint8_t public_key[KB_SEAL_KEY_BYTES],
              const uint8_t secret_key[KB_SEAL_KEY_BYTES], const void *sealed, size_t len,
              size_t *out_len)
{
    if (sodium_init () < 0 || len < crypto_box_SEALBYTES)
        return NULL;
    uint8_t *out = malloc (len - crypto_box_SEALBYTES + 1);
    if (!out)
        return NULL;
    if (crypto_box_seal_open (out, sealed, len, public_key, secret_key) != 0) {
        free (out);
        return NULL;
    }
    *out_len = len - crypto_box_SEALBYTES;
    return out;
}

/*  Registry */

#define S_KEY_COLS                                                                             \
    "SELECT key_id, org_id, public_key, retired_at IS NOT NULL,"                               \
    " to_char (created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"              \
    " FROM partner_box_key "

static const struct {
    const char *name, *sql;
    int nparams;
} s_statements[] = {
    /* only for an active partner; counts tell "no partner" from "exists" */
    { "kb_seal_key_insert",
      "WITH p AS (SELECT org_id FROM partner WHERE org_id = $2 AND revoked_at IS NULL),"
      " i AS (INSERT INTO partner_box_key (key_id, org_id, public_key)"
      "  SELECT $1, org_id, $3::bytea FROM p ON CONFLICT DO NOTHING RETURNING key_id)"
      " SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM i)",
      3 },
    { "kb_seal_key_retire",
      "UPDATE partner_box_key SET retired_at = now() WHERE key_id = $1 AND retired_at IS NULL"
      " RETURNING org_id",
      1 },
    { "kb_seal_keys",
      S_KEY_COLS "WHERE org_id = $1 ORDER BY retired_at IS NOT NULL, created_at DESC, key_id", 1 },
    { "kb_seal_key_get", S_KEY_COLS "WHERE key_id = $1", 1 },
};

int
kb_seal_prepare (kb_db_t *db)
{
    if (sodium_init () < 0 || kb_audit_prepare (db))
        return -1;
    for (size_t i = 0; i < sizeof s_statements / sizeof s_statements[0]; i++)
        if (kb_db_prepare (db, s_statements[i].name, s_statements[i].sql, s_statements[i].nparams))
            return -1;
    return 0;
}

static kb_seal_rc_t
s_audited_commit (kb_db_t *db, const char *event, const char *key_id, const char *actor)
{
    kb_audit_entry_t entry = { .actor_org = "ketenbus", .actor_user = actor, .event = event,
                               .action = 'U', .reason = key_id, .outcome = "ok",
                               .authorised = true };
    if (kb_audit_append (db, &entry) != KB_DB_OK || kb_db_commit (db) != KB_DB_OK) {
        kb_db_rollback (db);
        return KB_SEAL_DB;
    }
    return KB_SEAL_OK;
}

kb_seal_rc_t
kb_seal_key_add (kb_db_t *db, const char *org_id, const uint8_t public_key[KB_SEAL_KEY_BYTES],
                 const char *actor, char key_id[KB_SEAL_KEY_ID_LEN + 1])
{
    kb_seal_key_id (public_key, key_id);
    const char *values[3] = { key_id, org_id, (const char *) public_key };
    int lengths[3] = { 0, 0, KB_SEAL_KEY_BYTES };
    int formats[3] = { 0, 0, 1 };
    if (kb_db_begin (db) != KB_DB_OK)
        return KB_SEAL_DB;
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "kb_seal_key_insert", 3, values, lengths, formats, &rc);
    if (!res) {
        kb_db_rollback (db);
        return KB_SEAL_DB;
    }
    bool partner = atoi (PQgetvalue (res, 0, 0)) == 1;
    bool added = atoi (PQgetvalue (res, 0, 1)) == 1;
    PQclear (res);
    if (!added) {
        kb_db_rollback (db);
        return partner ? KB_SEAL_EXISTS : KB_SEAL_NOT_FOUND;
    }
    return s_audited_commit (db, "partner.box_key_added", key_id, actor);
}

kb_seal_rc_t
kb_seal_key_retire (kb_db_t *db, const char *key_id, const char *actor)
{
    if (kb_db_begin (db) != KB_DB_OK)
        return KB_SEAL_DB;
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "kb_seal_key_retire", 1, (const char *[]){ key_id }, NULL,
                               NULL, &rc);
    if (!res) {
        kb_db_rollback (db);
        return KB_SEAL_DB;
    }
    bool retired = PQntuples (res) == 1;
    PQclear (res);
    if (!retired) {
        kb_db_rollback (db);
        return KB_SEAL_NOT_FOUND;
    }
    return s_audited_commit (db, "partner.box_key_retired", key_id, actor);
}

/* Row i of a S_KEY_COLS result; -1 when the stored key is malformed. */
static int
s_key_parse (const PGresult *res, int i, kb_seal_key_t *out)
{
    memset (out, 0, sizeof *out);
    snprintf (out->key_id, sizeof out->key_id, "%s", PQgetvalue (res, i, 0));
    snprintf (out->org_id, sizeof out->org_id, "%s", PQgetvalue (res, i, 1));
    const char *hex = PQgetvalue (res, i, 2); /* bytea text output: \x + hex */
    if (strncmp (hex, "\\x", 2) != 0 || kb_seal_key_from_hex (hex + 2, out->public_key) != 0)
        return -1;
    out->retired = PQgetvalue (res, i, 3)[0] == 't';
    snprintf (out->created_at, sizeof out->created_at, "%s", PQgetvalue (res, i, 4));
    return 0;
}

int
kb_seal_keys (kb_db_t *db, const char *org_id, kb_seal_key_t *out, int max, kb_db_rc_t *rc)
{
    PGresult *res = kb_db_run (db, "kb_seal_keys", 1, (const char *[]){ org_id }, NULL, NULL, rc);
    if (!res)
        return -1;
    int n = 0;
    for (int i = 0; i < PQntuples (res) && n < max; i++)
        if (s_key_parse (res, i, &out[n]) == 0)
            n++;
    PQclear (res);
    return n;
}

kb_db_rc_t
kb_seal_key_get (kb_db_t *db, const char *key_id, kb_seal_key_t *out, bool *found)
{
    kb_db_rc_t rc = KB_DB_OK;
    *found = false;
    PGresult *res = kb_db_run (db, "kb_seal_key_get", 1, (const char *[]){ key_id }, NULL, NULL,
                               &rc);
    if (!res)
        return rc;
    *found = PQntuples (res) == 1 && s_key_parse (res, 0, out) == 0;
    PQclear (res);
    return KB_DB_OK;
}
