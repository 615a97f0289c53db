/*  intake_store - SQL of the intake daemon. */
#include "intake_store.h"
#include "intake_validate.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_validate.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns of the signal INSERT, in parameter order. */
enum {
    S_REF, S_SENDER_ORG, S_MESSAGE_ID, S_PAYLOAD_HASH, S_PARTNER_CASE_REF, S_SUBJECT,
    S_SUBJECT_BIRTH_DATE, S_CATEGORIES, S_URGENCY, S_GEMEENTE_CODE, S_POSTCODE4, S_GEBIED,
    S_HOUSING, S_SIGNAL_DATE, S_CONTACT_NAME, S_CONTACT_PHONE, S_HOUSEHOLD_PSEUDONYMS,
    S_HOUSEHOLD_BIRTH_DATES, S_HOUSEHOLD_ROLES, S_COUNT
};

/* Element types of the columns: the arrays go in binary form. */
static const uint32_t s_signal_oid[S_COUNT] = {
    KB_DB_OID_TEXT, KB_DB_OID_TEXT, KB_DB_OID_TEXT, KB_DB_OID_BYTEA, KB_DB_OID_TEXT,
    KB_DB_OID_TEXT, KB_DB_OID_DATE, KB_DB_OID_TEXT, KB_DB_OID_INT4, KB_DB_OID_TEXT,
    KB_DB_OID_TEXT, KB_DB_OID_TEXT, KB_DB_OID_INT4, KB_DB_OID_DATE, KB_DB_OID_TEXT,
    KB_DB_OID_TEXT, KB_DB_OID_TEXT, KB_DB_OID_TEXT, KB_DB_OID_TEXT
};

/* Days from 1970-01-01 to PostgreSQL's date epoch 2000-01-01. */
#define S_PG_DATE_EPOCH 10957

struct _intake_store_batch_t {
    kb_db_barray_t signal[S_COUNT];
    size_t signals;
    PGresult *outcomes;        /* result of the signal INSERT, one row per signal */
};

/* All signals of a batch in one statement. Rows are inserted in batch
   order, so of two messages with the same id the first wins, as before.
   For a row that was not inserted, the row it conflicts with is looked up
   (subqueries: evaluated only for those, through the unique index); it is
   invisible to this statement's snapshot when this statement inserted it
   or it was committed after the snapshot was taken: outcome 3, unseen.
   The household goes as one array literal per signal and column (unnest
   of a two-dimensional array would flatten it). */
static const char s_sql_signal_insert_batch[] =
    "WITH v AS ("
    "  SELECT * FROM unnest ($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[],"
    "   $6::text[], $7::date[], $8::text[], $9::int[], $10::text[], $11::text[], $12::text[],"
    "   $13::int[], $14::date[], $15::text[], $16::text[], $17::text[], $18::text[],"
    "   $19::text[]) WITH ORDINALITY"
    "   AS v (ref, sender_org, message_id, payload_hash, partner_case_ref, subject_pseudonym,"
    "   subject_birth_date, categories, urgency, gemeente_code, postcode4, gebied, housing,"
    "   signal_date, contact_name, contact_phone, household_pseudonyms,"
    "   household_birth_dates, household_roles, ord)),"
    " ins AS ("
    "  INSERT INTO signal (ref, sender_org, message_id, payload_hash, partner_case_ref,"
    "   subject_pseudonym, subject_birth_date, categories, urgency, gemeente_code, postcode4,"
    "   gebied, housing, signal_date, contact_name, contact_phone, household_pseudonyms,"
    "   household_birth_dates, household_roles)"
    "  SELECT ref, sender_org, message_id, payload_hash, partner_case_ref, subject_pseudonym,"
    "   subject_birth_date, categories::int[], urgency, gemeente_code, postcode4, gebied,"
    "   housing, signal_date, contact_name, contact_phone, household_pseudonyms::text[],"
    "   household_birth_dates::date[], household_roles::int[] FROM v ORDER BY ord"
    "  ON CONFLICT (sender_org, message_id) DO NOTHING RETURNING ref),"
    " seen AS ("
    "  SELECT v.ord, ins.ref IS NOT NULL AS inserted,"
    "   CASE WHEN ins.ref IS NULL THEN (SELECT s.ref FROM signal s"
    "    WHERE s.sender_org = v.sender_org AND s.message_id = v.message_id) END AS found_ref,"
    "   CASE WHEN ins.ref IS NULL THEN (SELECT s.payload_hash = v.payload_hash FROM signal s"
    "    WHERE s.sender_org = v.sender_org AND s.message_id = v.message_id) END AS same"
    "  FROM v LEFT JOIN ins ON ins.ref = v.ref)"
    " SELECT CASE WHEN inserted THEN 0 WHEN found_ref IS NULL THEN 3 WHEN same THEN 1 ELSE 2 END,"
    "  found_ref FROM seen ORDER BY ord";

int
intake_store_prepare (kb_db_t *db)
{
    int rc = 0;
    rc |= kb_db_prepare (db, "signal_insert_batch", s_sql_signal_insert_batch, S_COUNT);
    rc |= kb_db_prepare (db, "signal_lookup",
                         "SELECT ref, payload_hash FROM signal WHERE sender_org = $1 AND message_id = $2",
                         2);
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

intake_store_batch_t *
intake_store_batch_new (void)
{
    intake_store_batch_t *self = calloc (1, sizeof (intake_store_batch_t));
    if (self)
        intake_store_batch_reset (self);
    return self;
}

void
intake_store_batch_destroy (intake_store_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_store_batch_t *self = *self_p;
    kb_db_columns_free (self->signal, S_COUNT);
    PQclear (self->outcomes);
    free (self);
    *self_p = NULL;
}

void
intake_store_batch_reset (intake_store_batch_t *self)
{
    kb_db_columns_reset (self->signal, s_signal_oid, S_COUNT);
    self->signals = 0;
    PQclear (self->outcomes);
    self->outcomes = NULL;
}

/* A validated date as PostgreSQL's binary date; one that does not parse
   (never, after validation) goes as NULL and fails the NOT NULL column. */
static void
s_add_date (kb_db_barray_t *col, const char *date)
{
    int32_t days;
    if (kb_validate_date (date, &days))
        kb_db_barray_add_int4 (col, days - S_PG_DATE_EPOCH);
    else
        kb_db_barray_add (col, NULL, 0);
}

/* One household column of a signal as an array literal, "{a,b}":
   pseudonyms are hex, dates and roles digits, so nothing needs quoting; a
   member without a valid birth date gets NULL, which the column refuses.
   A person named twice is stored once (the first time), in all three. */
enum { S_HH_PSEUDONYM, S_HH_BIRTH_DATE, S_HH_ROLE };

static void
s_add_household (kb_db_barray_t *col, const Ketenbus__V1__StoredSignal *s, int which)
{
    char text[INTAKE_MAX_HOUSEHOLD * 68 + 3];
    size_t used = 0;
    text[used++] = '{';
    size_t listed = 0;
    for (size_t i = 0; i < s->n_household; i++) {
        const Ketenbus__V1__PseudoPerson *m = s->household[i];
        bool again = false;
        for (size_t j = 0; j < i && !again && m->pseudonym; j++)
            again = s->household[j]->pseudonym
                    && strcmp (s->household[j]->pseudonym, m->pseudonym) == 0;
        if (again)
            continue;
        char value[72];
        if (which == S_HH_PSEUDONYM)
            snprintf (value, sizeof value, "%s",
                      m->pseudonym && *m->pseudonym ? m->pseudonym : "NULL");
        else if (which == S_HH_BIRTH_DATE)
            snprintf (value, sizeof value, "%s",
                      kb_validate_date (m->birth_date, NULL) ? m->birth_date : "NULL");
        else
            snprintf (value, sizeof value, "%d", (int) m->role);
        size_t len = strlen (value);
        if (used + len + 2 > sizeof text)
            break;   /* not reached: validation allows INTAKE_MAX_HOUSEHOLD members */
        if (listed++ > 0)
            text[used++] = ',';
        memcpy (text + used, value, len);
        used += len;
    }
    text[used++] = '}';
    kb_db_barray_add (col, text, used);
}

size_t
intake_store_batch_add_signal (intake_store_batch_t *self, const Ketenbus__V1__StoredSignal *s,
                               const char *message_id, const uint8_t payload_hash[32])
{
    char cats[128];
    s_int_array (cats, sizeof cats, s->categories, s->n_categories);
    kb_db_barray_t *col = self->signal;
    kb_db_barray_add_str (&col[S_REF], s->signal_ref);
    kb_db_barray_add_str (&col[S_SENDER_ORG], s->sender_org);
    kb_db_barray_add_str (&col[S_MESSAGE_ID], message_id);
    kb_db_barray_add (&col[S_PAYLOAD_HASH], payload_hash, 32);
    kb_db_barray_add_str (&col[S_PARTNER_CASE_REF], s->partner_case_ref);
    kb_db_barray_add_str (&col[S_SUBJECT], s->subject_pseudonym);
    s_add_date (&col[S_SUBJECT_BIRTH_DATE], s->subject_birth_date);
    kb_db_barray_add_str (&col[S_CATEGORIES], cats);
    kb_db_barray_add_int4 (&col[S_URGENCY], (int32_t) s->urgency);
    kb_db_barray_add_str (&col[S_GEMEENTE_CODE], s->gemeente_code);
    kb_db_barray_add_str (&col[S_POSTCODE4], s->postcode4);
    kb_db_barray_add_str (&col[S_GEBIED], s->gebied);
    kb_db_barray_add_int4 (&col[S_HOUSING], (int32_t) s->housing);
    s_add_date (&col[S_SIGNAL_DATE], s->signal_date);
    kb_db_barray_add_str (&col[S_CONTACT_NAME], s->contact_name);
    kb_db_barray_add_str (&col[S_CONTACT_PHONE], s->contact_phone);
    s_add_household (&col[S_HOUSEHOLD_PSEUDONYMS], s, S_HH_PSEUDONYM);
    s_add_household (&col[S_HOUSEHOLD_BIRTH_DATES], s, S_HH_BIRTH_DATE);
    s_add_household (&col[S_HOUSEHOLD_ROLES], s, S_HH_ROLE);
    return self->signals++;
}

kb_db_rc_t
intake_store_batch_send_signals (intake_store_batch_t *self, kb_db_t *db)
{
    if (self->signals == 0)
        return KB_DB_OK;
    return kb_db_columns_send (db, "signal_insert_batch", self->signal, S_COUNT);
}

kb_db_rc_t
intake_store_batch_read_signals (intake_store_batch_t *self, kb_db_t *db)
{
    if (self->signals == 0)
        return KB_DB_OK;
    kb_db_rc_t rc;
    PQclear (self->outcomes);
    self->outcomes = kb_db_pipeline_next (db, &rc);
    if (self->outcomes && (size_t) PQntuples (self->outcomes) != self->signals) {
        kb_error ("could not store signals: %d outcomes for %zu signals",
                  PQntuples (self->outcomes), self->signals);
        PQclear (self->outcomes);
        self->outcomes = NULL;
        return KB_DB_FATAL;
    }
    return rc;
}

intake_store_rc_t
intake_store_batch_outcome (intake_store_batch_t *self, size_t index, char ref_out[64])
{
    if (!self->outcomes || index >= self->signals)
        return INTAKE_STORE_ERROR;
    int row = (int) index;
    int outcome = atoi (PQgetvalue (self->outcomes, row, 0));
    if (outcome == INTAKE_STORE_DUPLICATE || outcome == INTAKE_STORE_ID_REUSED)
        snprintf (ref_out, 64, "%s", PQgetvalue (self->outcomes, row, 1));
    return (intake_store_rc_t) outcome;
}

intake_store_rc_t
intake_store_lookup (kb_db_t *db, const char *sender_org, const char *message_id,
                     const uint8_t payload_hash[32], char ref_out[64], kb_db_rc_t *db_rc)
{
    /* same content is a retry, other content a reuse of the id */
    const char *lv[2] = { sender_org, message_id };
    PGresult *res = PQexecPrepared (kb_db_conn (db), "signal_lookup", 2, lv, NULL, NULL, 1);
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
    kb_db_rc_t rc = kb_db_pipeline_active (db)
                        ? kb_db_pipeline_send (db, "quarantine_insert", 7, values, lengths, formats)
                        : kb_db_run_cmd (db, "quarantine_insert", 7, values, lengths, formats);
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

intake_store_reject_count_t *
intake_store_rejects_by_code (kb_db_t *db, size_t *n)
{
    *n = 0;
    if (kb_db_prepare (db, "quarantine_by_code",
                       "SELECT code, count(*) FROM quarantine GROUP BY code ORDER BY code", 0))
        return NULL;
    kb_db_rc_t rc;
    PGresult *res = kb_db_run (db, "quarantine_by_code", 0, NULL, NULL, NULL, &rc);
    if (!res)
        return NULL;
    size_t rows = (size_t) PQntuples (res);
    intake_store_reject_count_t *out = calloc (rows ? rows : 1, sizeof *out);
    for (size_t i = 0; out && i < rows; i++) {
        snprintf (out[i].code, sizeof out[i].code, "%s", PQgetvalue (res, (int) i, 0));
        out[i].count = atol (PQgetvalue (res, (int) i, 1));
    }
    PQclear (res);
    if (out)
        *n = rows;
    return out;
}
