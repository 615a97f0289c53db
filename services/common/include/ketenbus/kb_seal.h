/*  kb_seal - sealed payloads between partners. Content is not the
    backbone's business (DESIGN.md "Privacy by design"): a ShareResponse
    payload is sealed by the sending partner to the receiving partner's
    public box key (libsodium crypto_box_seal, X25519), so ketenbus routes
    and audits it but cannot read it.
    This module has the key files (hex, one line; the secret one mode 600),
    the key id that names a public key (the first 8 bytes of its BLAKE2b
    hash, 16 hex digits), seal and open, and the registry of partners'
    public box keys (table partner_box_key in the registry's schema, see
    deploy/migrations/intake/0004_partner_box_key.sql), which ketenctl
    partner show publishes. A partner may have several keys (rotation); a
    retired key stays known so that payloads sealed to it still resolve,
    but is no longer offered for new ones. */
#ifndef KB_SEAL_H_INCLUDED
#define KB_SEAL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ketenbus/kb_db.h"

#define KB_SEAL_KEY_BYTES 32
#define KB_SEAL_KEY_HEX (2 * KB_SEAL_KEY_BYTES)
#define KB_SEAL_KEY_ID_LEN 16
#define KB_SEAL_OVERHEAD 48 /* crypto_box_SEALBYTES */

/*  Keys and payloads (no I/O but the key files) */

/* The id of a public key: 16 lower-case hex digits. */
void kb_seal_key_id (const uint8_t public_key[KB_SEAL_KEY_BYTES], char id[KB_SEAL_KEY_ID_LEN + 1]);
/* A key in hex (64 digits, any case) to bytes; 0, or -1 when it is not one. */
int kb_seal_key_from_hex (const char *hex, uint8_t key[KB_SEAL_KEY_BYTES]);

/* Writes a new key pair: path (secret, mode 600, never over an existing
   file unless force) and path.pub (public). Returns 0 and the public key,
   or -1 with err set. */
int kb_seal_keygen (const char *path, bool force, uint8_t public_key[KB_SEAL_KEY_BYTES],
                    char *err, size_t errlen);
/* Reads a key file (hex, one line). secret: refused when group or others
   may access it, like the pseudonym key. Returns 0, or -1 with err set. */
int kb_seal_key_load (const char *path, bool secret, uint8_t key[KB_SEAL_KEY_BYTES], char *err,
                      size_t errlen);

/* Seals len bytes to public_key. Returns a buffer of len + KB_SEAL_OVERHEAD
   bytes (caller frees) with its size in *out_len, or NULL (out of memory). */
uint8_t *kb_seal (const uint8_t public_key[KB_SEAL_KEY_BYTES], const void *data, size_t len,
                  size_t *out_len);
/* Opens a sealed payload with the recipient's key pair. Returns the
   plaintext (caller frees) with its size in *out_len, or NULL when it was
   not sealed to this key or was altered. */
uint8_t *kb_seal_open (const uint8_t public_key[KB_SEAL_KEY_BYTES],
                       const uint8_t secret_key[KB_SEAL_KEY_BYTES], const void *sealed, size_t len,
                       size_t *out_len);

/*  Registry (the schema of the partner registry) */

typedef struct {
    char key_id[KB_SEAL_KEY_ID_LEN + 1];
    char org_id[65];
    uint8_t public_key[KB_SEAL_KEY_BYTES];
    bool retired;
    char created_at[32]; /* UTC, ISO 8601 */
} kb_seal_key_t;

typedef enum {
    KB_SEAL_OK = 0,
    KB_SEAL_EXISTS = -1,    /* this public key is registered already */
    KB_SEAL_NOT_FOUND = -2, /* no such (active) partner or key */
    KB_SEAL_DB = -3
} kb_seal_rc_t;

/* Prepares the statements (and the audit statements). Returns 0 or -1. */
int kb_seal_prepare (kb_db_t *db);
/* Registers a public key for an active partner, audited in the same
   transaction. Returns KB_SEAL_OK with its id, or an error. */
kb_seal_rc_t kb_seal_key_add (kb_db_t *db, const char *org_id,
                              const uint8_t public_key[KB_SEAL_KEY_BYTES], const char *actor,
                              char key_id[KB_SEAL_KEY_ID_LEN + 1]);
/* Retires a key (no longer offered for new payloads), audited. */
kb_seal_rc_t kb_seal_key_retire (kb_db_t *db, const char *key_id, const char *actor);
/* The keys of org_id, current ones first, newest first. Returns the count
   (at most max), or -1 with *rc set. */
int kb_seal_keys (kb_db_t *db, const char *org_id, kb_seal_key_t *out, int max, kb_db_rc_t *rc);
/* One key by id; *found false when unknown. */
kb_db_rc_t kb_seal_key_get (kb_db_t *db, const char *key_id, kb_seal_key_t *out, bool *found);

#endif
