/*  intake_store - SQL of the intake daemon. */
#include "intake_store.h"
#include "ketenbus/kb_log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
intake_store_prepare (kb_db_t *db)
{
    int rc = 0;
    rc |= kb_db_prepare (db, "signal_insert",
                         "INSERT INTO signal (ref, sender_org, message_id, payload_hash, "
                         " partner_case_ref, subject_pseudonym, subject_birth_date, categories, "
                         " urgency, gemeente_code, postcode4, gebied, housing, signal_date, "
                         " contact_name, contact_phone) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8::int[], $9::int, $10, $11, "
                         " $12, $13::int, $14::date, $15, $16) "
                         "ON CONFLICT (sender_org, message_id) DO NOTHING RETURNING ref",
                         16);
    rc |= kb_db_prepare (db, "signal_lookup",
                         "SELECT ref, payload_hash FROM signal WHERE sender_org = $1 AND message_id = $2",
                         2);
    rc |= kb_db_prepare (db, "member_insert",
                         "INSERT INTO signal_member (signal_ref, pseudonym, birth_date, role) "
                         "VALUES ($1, $2, $3::date, $4::int) ON CONFLICT DO NOTHING",
                         4);
    rc |= kb_db_prepare (db, "quarantine_insert",
                         "INSERT INTO quarantine (sender_org, message_id, code, field, rule, size, sealed_raw) "
                         "VALUES ($1, $2, $3, $4, $5, $6::int, $7)",
                         7);
    return rc ? -1 : 0;
}

static void
s_int_array (char *out, size_t outlen, const Ketenbus__V1__Category *values, size_t n)
{
    size_t used = (size_t) snprintf (out, outlen, "{");
    for (size_t i = 0; i < n && used < outlen; i++)
        used += (size_t) snprintf (out + used, outlen - used, "%s%d", i ? "," : "", (int) values[i]);
    if (used < outlen)
        snprintf (out + used, outlen - used, "}");
}

intake_store_rc_t
intake_store_signal (kb_db_t *db, const Ketenbus__V1__StoredSignal *s, const char *message_id,
                     const uint8_t payload_hash[32], char ref_out[64], kb_db_rc_t *db_rc)
{
    char cats[128], urgency[12], housing[12];
    s_int_array (cats, sizeof cats, s->categories, s->n_categories);
    snprintf (urgency, sizeof urgency, "%d", (int) s->urgency);
    snprintf (housing, sizeof housing, "%d", (int) s->housing);
    const char *values[16] = { s->signal_ref, s->sender_org, message_id, (const char *) payload_hash,
                               s->partner_case_ref, s->subject_pseudonym, s->subject_birth_date,
                               cats, urgency, s->gemeente_code, s->postcode4, s->gebied, housing,
                               s->signal_date, s->contact_name, s->contact_phone };
    int lengths[16] = { 0 };
    int formats[16] = { 0 };
    lengths[3] = 32;
    formats[3] = 1;
    PGresult *res = kb_db_run (db, "signal_insert", 16, values, lengths, formats, db_rc);
    if (!res)
        return INTAKE_STORE_ERROR;
    int inserted = PQntuples (res) == 1;
    PQclear (res);
    if (inserted) {
        if (ref_out != s->signal_ref)
            snprintf (ref_out, 64, "%s", s->signal_ref);
        for (size_t i = 0; i < s->n_household; i++) {
            const Ketenbus__V1__PseudoPerson *m = s->household[i];
            char role[12];
            snprintf (role, sizeof role, "%d", (int) m->role);
            const char *mv[4] = { s->signal_ref, m->pseudonym, m->birth_date, role };
            *db_rc = kb_db_run_cmd (db, "member_insert", 4, mv, NULL, NULL);
            if (*db_rc != KB_DB_OK)
                return INTAKE_STORE_ERROR;
        }
        return INTAKE_STORE_INSERTED;
    }
    /* the id was seen before: same content is a retry, other content a reuse */
    const char *lv[2] = { s->sender_org, message_id };
    int fmt_bin[2] = { 0, 0 };
    res = PQexecPrepared (kb_db_conn (db), "signal_lookup", 2, lv, NULL, fmt_bin, 1);
    if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1) {
        *db_rc = kb_db_classify (db, res);
        PQclear (res);
        return INTAKE_STORE_ERROR;
    }
    snprintf (ref_out, 64, "%.*s", PQgetlength (res, 0, 0), PQgetvalue (res, 0, 0));
    bool same = PQgetlength (res, 0, 1) == 32
                && memcmp (PQgetvalue (res, 0, 1), payload_hash, 32) == 0;
    PQclear (res);
    *db_rc = KB_DB_OK;
    return same ? INTAKE_STORE_DUPLICATE : INTAKE_STORE_ID_REUSED;
}

kb_db_rc_t
intake_store_quarantine (kb_db_t *db, const uint8_t key[32], const char *sender_org,
                         const char *message_id, const char *code, const char *field,
                         const char *rule, const uint8_t *raw, size_t len)
{
    /* nonce || secretbox(raw) */
    size_t sealed_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    uint8_t *sealed = malloc (sealed_len);
    if (!sealed)
        return KB_DB_FATAL;
    randombytes_buf (sealed, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy (sealed + crypto_secretbox_NONCEBYTES, raw, len, sealed, key);
    char size[24];
    snprintf (size, sizeof size, "%zu", len);
    const char *values[7] = { sender_org ? sender_org : "", message_id ? message_id : "", code,
                              field, rule, size, (const char *) sealed };
    int lengths[7] = { 0, 0, 0, 0, 0, 0, (int) sealed_len };
    int formats[7] = { 0, 0, 0, 0, 0, 0, 1 };
    kb_db_rc_t rc = kb_db_run_cmd (db, "quarantine_insert", 7, values, lengths, formats);
    free (sealed);
    return rc;
}

uint8_t *
intake_store_unseal (const uint8_t key[32], const uint8_t *sealed, size_t len, size_t *out_len)
{
    if (len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return NULL;
    size_t plain_len = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    uint8_t *plain = malloc (plain_len ? plain_len : 1);
    if (!plain)
        return NULL;
    if (crypto_secretbox_open_easy (plain, sealed + crypto_secretbox_NONCEBYTES,
                                    len - crypto_secretbox_NONCEBYTES, sealed, key)
        != 0) {
        free (plain);
        return NULL;
    }
    *out_len = plain_len;
    return plain;
}
