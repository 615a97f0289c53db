/*  kb_pseudo - keyed pseudonyms for BSNs. */
#include "ketenbus/kb_pseudo.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct _kb_pseudo_t {
    uint8_t key[64];
    size_t keylen;
    /* HMAC state after the key and the domain prefix: every BSN starts
       from a copy instead of hashing the padded key twice again */
    crypto_auth_hmacsha256_state bsn_state;
};

/* domain-separated so the same key can derive other pseudonym kinds later */
static const char s_bsn_domain[] = "ketenbus.bsn.v1:";

kb_pseudo_t *
kb_pseudo_load (const char *key_file, char *err, size_t errlen)
{
    if (sodium_init () < 0) {
        snprintf (err, errlen, "could not initialise libsodium");
        return NULL;
    }
    struct stat st;
    if (!key_file || stat (key_file, &st) != 0) {
        snprintf (err, errlen, "pseudonym key file \"%s\" is missing", key_file ? key_file : "");
        return NULL;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf (err, errlen,
                  "pseudonym key file \"%s\" is accessible by group or others (mode %03o); "
                  "run chmod 600",
                  key_file, (unsigned) (st.st_mode & 0777));
        return NULL;
    }
    FILE *f = fopen (key_file, "r");
    if (!f) {
        snprintf (err, errlen, "could not open pseudonym key file \"%s\": %s", key_file,
                  strerror (errno));
        return NULL;
    }
    char hex[260] = "";
    size_t n = fread (hex, 1, sizeof hex - 1, f);
    fclose (f);
    hex[n] = '\0';
    hex[strcspn (hex, " \r\n\t")] = '\0';
    kb_pseudo_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    const char *end = NULL;
    if (sodium_hex2bin (self->key, sizeof self->key, hex, strlen (hex), NULL, &self->keylen, &end)
            != 0
        || (end && *end) || self->keylen < KB_PSEUDO_MIN_KEY) {
        snprintf (err, errlen,
                  "pseudonym key file \"%s\" must hold at least %d bytes as hex (%d to %d hex characters)",
                  key_file, KB_PSEUDO_MIN_KEY, KB_PSEUDO_MIN_KEY * 2, (int) sizeof self->key * 2);
        sodium_memzero (hex, sizeof hex);
        kb_pseudo_destroy (&self);
        return NULL;
    }
    sodium_memzero (hex, sizeof hex);
    crypto_auth_hmacsha256_init (&self->bsn_state, self->key, self->keylen);
    crypto_auth_hmacsha256_update (&self->bsn_state, (const uint8_t *) s_bsn_domain,
                                   sizeof s_bsn_domain - 1);
    return self;
}

void
kb_pseudo_destroy (kb_pseudo_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sodium_memzero ((*self_p)->key, sizeof (*self_p)->key);
    sodium_memzero (&(*self_p)->bsn_state, sizeof (*self_p)->bsn_state);
    free (*self_p);
    *self_p = NULL;
}

void
kb_pseudo_bsn (const kb_pseudo_t *self, const char *bsn, char out[KB_PSEUDONYM_LEN + 1])
{
    /* HMAC-SHA256 (key, "ketenbus.bsn.v1:" || bsn), from the state kept
       after the key and the prefix */
    crypto_auth_hmacsha256_state st = self->bsn_state;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_update (&st, (const uint8_t *) bsn, strlen (bsn));
    crypto_auth_hmacsha256_final (&st, mac);
    sodium_memzero (&st, sizeof st);
    sodium_bin2hex (out, KB_PSEUDONYM_LEN + 1, mac, sizeof mac);
}

void
kb_pseudo_quarantine_key (const kb_pseudo_t *self, uint8_t key[32])
{
    crypto_generichash_state st;
    crypto_generichash_init (&st, self->key, self->keylen, 32);
    crypto_generichash_update (&st, (const uint8_t *) "ketenbus.quarantine.v1", 22);
    crypto_generichash_final (&st, key, 32);
}

int
kb_pseudo_keygen (const char *key_file, char *err, size_t errlen)
{
    if (sodium_init () < 0)
        return -1;
    uint8_t key[32];
    char hex[65];
    randombytes_buf (key, sizeof key);
    sodium_bin2hex (hex, sizeof hex, key, sizeof key);
    sodium_memzero (key, sizeof key);
    char tmp[1024];
    snprintf (tmp, sizeof tmp, "%s.new", key_file);
    /* never reuse (or follow) a stale .new file: its mode or target is not ours */
    unlink (tmp);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf (err, errlen, "could not create \"%s\": %s", tmp, strerror (errno));
        return -1;
    }
    int ok = write (fd, hex, 64) == 64 && write (fd, "\n", 1) == 1 && fsync (fd) == 0;
    close (fd);
    sodium_memzero (hex, sizeof hex);
    if (!ok || rename (tmp, key_file) != 0) {
        snprintf (err, errlen, "could not write \"%s\": %s", key_file, strerror (errno));
        unlink (tmp);
        return -1;
    }
    return 0;
}
