/*  intake_store - the intake schema: signals, their household members,
    quarantine. All statements are prepared; callers own the transaction. */
#ifndef INTAKE_STORE_H_INCLUDED
#define INTAKE_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_pseudo.h"

int intake_store_prepare (kb_db_t *db);

typedef enum {
    INTAKE_STORE_INSERTED = 0,
    INTAKE_STORE_DUPLICATE = 1,     /* same sender, id and content: *ref_out is the first ref */
    INTAKE_STORE_ID_REUSED = 2,     /* same sender and id, different content */
    INTAKE_STORE_ERROR = -1         /* see kb_db_last_sqlstate / *db_rc */
} intake_store_rc_t;

/* Inserts the pseudonymised signal (stored in `stored`) and its members, in
   the caller's transaction. payload_hash is 32 bytes over the body. */
intake_store_rc_t intake_store_signal (kb_db_t *db, const Ketenbus__V1__StoredSignal *stored,
                                       const char *message_id, const uint8_t payload_hash[32],
                                       char ref_out[64], kb_db_rc_t *db_rc);

/* Keeps raw input that could not be accepted; the bytes are sealed with
   the quarantine key. In the caller's transaction. */
kb_db_rc_t intake_store_quarantine (kb_db_t *db, const uint8_t key[32], const char *sender_org,
                                    const char *message_id, const char *code, const char *field,
                                    const char *rule, const uint8_t *raw, size_t len);

/* Opens a sealed quarantine blob (for ketenctl); returns malloc'ed bytes. */
uint8_t *intake_store_unseal (const uint8_t key[32], const uint8_t *sealed, size_t len,
                              size_t *out_len);

#endif
