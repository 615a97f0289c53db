/*  kb_pseudo - BSN pseudonyms: HMAC-SHA256 with the regional secret key.
    The key file holds at least 32 bytes as hex (64+ hex characters) and
    must not be readable by group or others; anything else refuses to load. */
#ifndef KB_PSEUDO_H_INCLUDED
#define KB_PSEUDO_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define KB_PSEUDONYM_LEN 64 /* hex characters */
#define KB_PSEUDO_MIN_KEY 32

typedef struct _kb_pseudo_t kb_pseudo_t;

/* Loads the key; on failure returns NULL with a reason in err. */
kb_pseudo_t *kb_pseudo_load (const char *key_file, char *err, size_t errlen);
void kb_pseudo_destroy (kb_pseudo_t **self_p);
/* out receives 64 hex characters and a NUL. */
void kb_pseudo_bsn (const kb_pseudo_t *self, const char *bsn, char out[KB_PSEUDONYM_LEN + 1]);
/* A 32-byte key for sealing quarantined raw bytes, derived from the regional key. */
void kb_pseudo_quarantine_key (const kb_pseudo_t *self, uint8_t key[32]);
/* Writes a new random key file (hex, mode 0600). Returns 0 on success. */
int kb_pseudo_keygen (const char *key_file, char *err, size_t errlen);

#endif
