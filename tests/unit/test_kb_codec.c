/*  test_kb_codec - unit tests for the envelope codec

    Round trip of a CaseSignal envelope; every refusal code (empty, too
    large, malformed, no body, newer schema); hand-made unknown fields in
    the envelope and in its body are kept and counted; random bytes and
    bit-flipped envelopes never crash the decoder; enum and body-name
    helpers.
*/

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ketenbus/kb_codec.h"

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a) [0]))
#define MAX_FRAME 65536

#define MESSAGE_ID "0f8fad5b-d9cb-469f-a165-70867728950e"
#define CORRELATION_ID "7c9e6679-7425-40de-944b-e07fc1f90ae7"

//  A valid CaseSignal envelope with all storage inside the struct
typedef struct {
    Ketenbus__V1__Envelope env;
    Ketenbus__V1__CaseSignal signal;
    Ketenbus__V1__Person subject;
    Ketenbus__V1__Person member;
    Ketenbus__V1__Person *members [1];
    Ketenbus__V1__Category categories [2];
} fixture_t;

static void
s_fixture_init (fixture_t *f)
{
    memset (f, 0, sizeof *f);
    ketenbus__v1__envelope__init (&f->env);
    ketenbus__v1__case_signal__init (&f->signal);
    ketenbus__v1__person__init (&f->subject);
    ketenbus__v1__person__init (&f->member);

    f->subject.bsn = "111222333";
    f->subject.birth_date = "1985-03-01";
    f->subject.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER;
    f->member.bsn = "123456782";
    f->member.birth_date = "2015-09-10";
    f->member.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND;
    f->members [0] = &f->member;
    f->categories [0] = KETENBUS__V1__CATEGORY__CATEGORY_HUISELIJK_GEWELD;
    f->categories [1] = KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN;

    f->signal.partner_case_ref = "CJG-2024-0042";
    f->signal.subject = &f->subject;
    f->signal.n_household = 1;
    f->signal.household = f->members;
    f->signal.n_categories = 2;
    f->signal.categories = f->categories;
    f->signal.urgency = KETENBUS__V1__URGENCY__URGENCY_VERHOOGD;
    f->signal.gemeente_code = "0794";
    f->signal.postcode = "5701AB";
    f->signal.gebied = "Binnenstad";
    f->signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_ZELFSTANDIG;
    f->signal.signal_date = "2024-06-10";
    f->signal.contact_name = "casemanager team Noord";
    f->signal.contact_phone = "0492-123456";

    f->env.message_id = MESSAGE_ID;
    f->env.correlation_id = CORRELATION_ID;
    f->env.sent_at_ms = 1718445600123LL;
    f->env.schema_version = KB_SCHEMA_VERSION;
    f->env.sender_org = "cjg-helmond";
    f->env.body_case = KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL;
    f->env.case_signal = &f->signal;
}

//  Encodes env with kb_codec_encode and checks the result is usable
static uint8_t *
s_encode (const kb_envelope_t *env, size_t *len_p)
{
    *len_p = 0;
    uint8_t *buf = kb_codec_encode (env, len_p);
    assert_non_null (buf);
    assert_int_equal (*len_p, ketenbus__v1__envelope__get_packed_size (env));
    return buf;
}

//  Appends a protobuf varint; returns the number of bytes written
static size_t
s_put_varint (uint8_t *out, uint64_t value)
{
    size_t n = 0;
    while (value >= 0x80) {
        out [n++] = (uint8_t) (value | 0x80);
        value >>= 7;
    }
    out [n++] = (uint8_t) value;
    return n;
}

//  Appends field `number` as a varint field (wire type 0) with `value`
static size_t
s_put_varint_field (uint8_t *out, uint32_t number, uint64_t value)
{
    size_t n = s_put_varint (out, (uint64_t) number << 3);
    return n + s_put_varint (out + n, value);
}

//  Appends field `number` as a length-delimited field (wire type 2)
static size_t
s_put_bytes_field (uint8_t *out, uint32_t number, const uint8_t *data, size_t len)
{
    size_t n = s_put_varint (out, ((uint64_t) number << 3) | 2);
    n += s_put_varint (out + n, len);
    memcpy (out + n, data, len);
    return n + len;
}

//  Small deterministic generator (xorshift64*) for reproducible garbage
static uint64_t
s_next (uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static bool
s_is_codec_rc (kb_codec_rc_t rc)
{
    return rc == KB_CODEC_OK || rc == KB_CODEC_EMPTY || rc == KB_CODEC_TOO_LARGE
           || rc == KB_CODEC_MALFORMED || rc == KB_CODEC_UNKNOWN_BODY
           || rc == KB_CODEC_BAD_VERSION;
}

//  Decodes and checks the contract: env set exactly when OK, and a
//  decoded envelope always has a body and a supported version.
static kb_codec_rc_t
s_decode_checked (const uint8_t *data, size_t len, size_t max_len)
{
    kb_envelope_t *env = (kb_envelope_t *) (uintptr_t) 1;  //  must be reset
    kb_codec_rc_t rc = kb_codec_decode (data, len, max_len, &env);
    if (!s_is_codec_rc (rc))
        fail_msg ("kb_codec_decode returned %d, not a kb_codec_rc_t", (int) rc);
    if (rc == KB_CODEC_OK) {
        assert_non_null (env);
        assert_int_not_equal (env->body_case, KETENBUS__V1__ENVELOPE__BODY__NOT_SET);
        assert_true (env->schema_version <= KB_SCHEMA_VERSION);
        assert_string_not_equal (kb_codec_body_name (env), "none");
        (void) kb_codec_unknown_fields (env);
        kb_codec_free (&env);
    }
    assert_null (env);
    return rc;
}

//  --------------------------------------------------------------------------
//  Round trip

static void
test_round_trip_case_signal (void **state)
{
    (void) state;
    fixture_t f;
    s_fixture_init (&f);
    size_t len;
    uint8_t *buf = s_encode (&f.env, &len);
    assert_true (len > 0);

    kb_envelope_t *env = NULL;
    assert_int_equal (kb_codec_decode (buf, len, MAX_FRAME, &env), KB_CODEC_OK);
    assert_non_null (env);
    assert_string_equal (env->message_id, MESSAGE_ID);
    assert_string_equal (env->correlation_id, CORRELATION_ID);
    assert_int_equal (env->sent_at_ms, 1718445600123LL);
    assert_int_equal (env->schema_version, KB_SCHEMA_VERSION);
    assert_string_equal (env->sender_org, "cjg-helmond");
    assert_int_equal (env->body_case, KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL);
    assert_string_equal (kb_codec_body_name (env), "case_signal");
    assert_int_equal (kb_codec_unknown_fields (env), 0);

    const Ketenbus__V1__CaseSignal *s = env->case_signal;
    assert_non_null (s);
    assert_string_equal (s->partner_case_ref, "CJG-2024-0042");
    assert_non_null (s->subject);
    assert_string_equal (s->subject->bsn, "111222333");
    assert_string_equal (s->subject->birth_date, "1985-03-01");
    assert_int_equal (s->subject->role, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER);
    assert_int_equal (s->n_household, 1);
    assert_string_equal (s->household [0]->bsn, "123456782");
    assert_string_equal (s->household [0]->birth_date, "2015-09-10");
    assert_int_equal (s->household [0]->role, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND);
    assert_int_equal (s->n_categories, 2);
    assert_int_equal (s->categories [0], KETENBUS__V1__CATEGORY__CATEGORY_HUISELIJK_GEWELD);
    assert_int_equal (s->categories [1], KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN);
    assert_int_equal (s->urgency, KETENBUS__V1__URGENCY__URGENCY_VERHOOGD);
    assert_string_equal (s->gemeente_code, "0794");
    assert_string_equal (s->postcode, "5701AB");
    assert_string_equal (s->gebied, "Binnenstad");
    assert_int_equal (s->housing,
                      KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_ZELFSTANDIG);
    assert_string_equal (s->signal_date, "2024-06-10");
    assert_string_equal (s->contact_name, "casemanager team Noord");
    assert_string_equal (s->contact_phone, "0492-123456");

    //  Re-encoding the decoded envelope gives the same bytes
    size_t len2;
    uint8_t *buf2 = s_encode (env, &len2);
    assert_int_equal (len2, len);
    assert_memory_equal (buf2, buf, len);

    free (buf2);
    kb_codec_free (&env);
    assert_null (env);
    kb_codec_free (&env);          //  no-op on NULL
    kb_codec_free (NULL);
    free (buf);
}

static void
test_encode_empty_envelope (void **state)
{
    (void) state;
    //  An all-default envelope packs to zero bytes; encode still returns
    //  a buffer the caller can free, and decoding it is EMPTY.
    Ketenbus__V1__Envelope env = KETENBUS__V1__ENVELOPE__INIT;
    size_t len = 99;
    uint8_t *buf = kb_codec_encode (&env, &len);
    assert_non_null (buf);
    assert_int_equal (len, 0);
    assert_int_equal (s_decode_checked (buf, len, MAX_FRAME), KB_CODEC_EMPTY);
    free (buf);
}

//  --------------------------------------------------------------------------
//  Refusals

static void
test_empty_input (void **state)
{
    (void) state;
    static const uint8_t one [1] = { 0 };
    kb_envelope_t *env = (kb_envelope_t *) (uintptr_t) 1;
    assert_int_equal (kb_codec_decode (one, 0, MAX_FRAME, &env), KB_CODEC_EMPTY);
    assert_null (env);
    env = (kb_envelope_t *) (uintptr_t) 1;
    assert_int_equal (kb_codec_decode (NULL, 0, MAX_FRAME, &env), KB_CODEC_EMPTY);
    assert_null (env);
    env = (kb_envelope_t *) (uintptr_t) 1;
    assert_int_equal (kb_codec_decode (NULL, 10, MAX_FRAME, &env), KB_CODEC_EMPTY);
    assert_null (env);
}

static void
test_too_large_not_decoded (void **state)
{
    (void) state;
    fixture_t f;
    s_fixture_init (&f);
    size_t len;
    uint8_t *buf = s_encode (&f.env, &len);

    //  At the limit it decodes, one byte under the frame size it does not
    assert_int_equal (s_decode_checked (buf, len, len), KB_CODEC_OK);
    assert_int_equal (s_decode_checked (buf, len, len - 1), KB_CODEC_TOO_LARGE);
    assert_int_equal (s_decode_checked (buf, len, 0), KB_CODEC_TOO_LARGE);

    //  A length far beyond the real buffer: when the size check comes
    //  first, the bytes are never read (valgrind/ASan would see an
    //  out-of-bounds read otherwise).
    uint8_t small [4] = { 0x0a, 0x02, 'a', 'b' };
    kb_envelope_t *env = (kb_envelope_t *) (uintptr_t) 1;
    assert_int_equal (kb_codec_decode (small, (size_t) 1 << 30, MAX_FRAME, &env),
                      KB_CODEC_TOO_LARGE);
    assert_null (env);
    free (buf);
}

static void
test_truncated (void **state)
{
    (void) state;
    fixture_t f;
    s_fixture_init (&f);
    size_t len;
    uint8_t *buf = s_encode (&f.env, &len);

    //  Fields are packed in field-number order, so the body (field 10)
    //  comes last and starts after the header fields.
    Ketenbus__V1__Envelope head = f.env;
    head.body_case = KETENBUS__V1__ENVELOPE__BODY__NOT_SET;
    head.case_signal = NULL;
    size_t body_at = ketenbus__v1__envelope__get_packed_size (&head);
    assert_true (body_at > 0 && body_at < len);

    for (size_t cut = 1; cut < len; cut++) {
        //  Copy into an exact-size buffer so an over-read is caught
        uint8_t *part = malloc (cut);
        assert_non_null (part);
        memcpy (part, buf, cut);
        kb_codec_rc_t rc = s_decode_checked (part, cut, MAX_FRAME);
        free (part);
        if (rc == KB_CODEC_OK)
            fail_msg ("envelope cut at %zu of %zu bytes decoded OK", cut, len);
        if (cut > body_at && rc != KB_CODEC_MALFORMED)
            fail_msg ("cut at %zu inside the body (from %zu) gave %d, expected MALFORMED", cut,
                      body_at, (int) rc);
        if (cut == body_at && rc != KB_CODEC_UNKNOWN_BODY)
            fail_msg ("cut just before the body gave %d, expected UNKNOWN_BODY", (int) rc);
    }
    free (buf);
}

static void
test_malformed_table (void **state)
{
    (void) state;
    static const struct {
        const char *name;
        uint8_t bytes [8];
        size_t len;
    } cases [] = {
        { "lone tag byte", { 0x0a }, 1 },
        { "length beyond end", { 0x0a, 0x05, 'a' }, 3 },
        { "unterminated varint", { 0x18, 0xff, 0xff }, 3 },
        { "field number zero", { 0x00, 0x01 }, 2 },
        { "wire type 7", { 0x0f, 0x01 }, 2 },
        { "end group without start", { 0x0c }, 1 },
        { "case_signal length beyond end", { 0x52, 0x10, 0x0a, 0x01, 'x' }, 5 },
        { "garbage inside case_signal", { 0x52, 0x02, 0x0a, 0x09 }, 4 },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        kb_codec_rc_t rc = s_decode_checked (cases [i].bytes, cases [i].len, MAX_FRAME);
        if (rc != KB_CODEC_MALFORMED)
            fail_msg ("%s: got %d (%s), expected MALFORMED", cases [i].name, (int) rc,
                      kb_codec_rc_text (rc));
    }
}

static void
test_no_body (void **state)
{
    (void) state;
    fixture_t f;
    s_fixture_init (&f);
    f.env.body_case = KETENBUS__V1__ENVELOPE__BODY__NOT_SET;
    f.env.case_signal = NULL;
    size_t len;
    uint8_t *buf = s_encode (&f.env, &len);
    assert_int_equal (s_decode_checked (buf, len, MAX_FRAME), KB_CODEC_UNKNOWN_BODY);

    //  A body from a newer schema (field 40, unknown here) arrives as an
    //  unknown field: still no known body
    uint8_t more [512];
    assert_true (len + 16 < sizeof more);
    memcpy (more, buf, len);
    static const uint8_t future_body [] = { 0x0a, 0x03, 'a', 'b', 'c' };
    size_t n = len + s_put_bytes_field (more + len, 40, future_body, sizeof future_body);
    assert_int_equal (s_decode_checked (more, n, MAX_FRAME), KB_CODEC_UNKNOWN_BODY);
    free (buf);
}

static void
test_schema_version (void **state)
{
    (void) state;
    static const struct {
        uint32_t version;
        kb_codec_rc_t expected;
    } cases [] = {
        { 1, KB_CODEC_OK },
        { 2, KB_CODEC_BAD_VERSION },
        { 3, KB_CODEC_BAD_VERSION },
        { UINT32_MAX, KB_CODEC_BAD_VERSION },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        fixture_t f;
        s_fixture_init (&f);
        f.env.schema_version = cases [i].version;
        size_t len;
        uint8_t *buf = s_encode (&f.env, &len);
        kb_codec_rc_t rc = s_decode_checked (buf, len, MAX_FRAME);
        free (buf);
        if (rc != cases [i].expected)
            fail_msg ("schema_version %u: got %d, expected %d", cases [i].version, (int) rc,
                      (int) cases [i].expected);
    }
    //  A newer schema without a body is still reported as a version problem
    fixture_t f;
    s_fixture_init (&f);
    f.env.schema_version = 2;
    f.env.body_case = KETENBUS__V1__ENVELOPE__BODY__NOT_SET;
    f.env.case_signal = NULL;
    size_t len;
    uint8_t *buf = s_encode (&f.env, &len);
    assert_int_equal (s_decode_checked (buf, len, MAX_FRAME), KB_CODEC_BAD_VERSION);
    free (buf);
}

//  --------------------------------------------------------------------------
//  Unknown fields

static void
test_unknown_field_in_envelope (void **state)
{
    (void) state;
    fixture_t f;
    s_fixture_init (&f);
    size_t len;
    uint8_t *buf = s_encode (&f.env, &len);
    uint8_t more [512];
    assert_true (len + 32 < sizeof more);
    memcpy (more, buf, len);
    size_t n = len + s_put_varint_field (more + len, 99, 42);
    assert_int_equal (n, len + 3);        //  tag 99<<3 takes two bytes
    assert_int_equal (more [len], 0x98);
    assert_int_equal (more [len + 1], 0x06);

    kb_envelope_t *env = NULL;
    assert_int_equal (kb_codec_decode (more, n, MAX_FRAME, &env), KB_CODEC_OK);
    assert_non_null (env);
    assert_int_equal (kb_codec_unknown_fields (env), 1);
    assert_string_equal (env->message_id, MESSAGE_ID);
    assert_string_equal (env->case_signal->subject->bsn, "111222333");
    kb_codec_free (&env);

    //  Two unknown fields, one of them length-delimited
    static const uint8_t blob [] = { 1, 2, 3 };
    n += s_put_bytes_field (more + n, 100, blob, sizeof blob);
    assert_int_equal (kb_codec_decode (more, n, MAX_FRAME, &env), KB_CODEC_OK);
    assert_int_equal (kb_codec_unknown_fields (env), 2);

    //  Unknown fields survive re-encoding (forward compatibility)
    size_t len2;
    uint8_t *buf2 = s_encode (env, &len2);
    kb_codec_free (&env);
    assert_int_equal (kb_codec_decode (buf2, len2, MAX_FRAME, &env), KB_CODEC_OK);
    assert_int_equal (kb_codec_unknown_fields (env), 2);
    kb_codec_free (&env);
    free (buf2);
    free (buf);
}

//  Builds an envelope whose CaseSignal body carries extra hand-made bytes:
//  the envelope header, then field 10 holding signal bytes + extra.
static size_t
s_envelope_with_body_extra (const fixture_t *f, const uint8_t *extra, size_t extra_len,
                            uint8_t *out, size_t out_size)
{
    Ketenbus__V1__Envelope head = f->env;
    head.body_case = KETENBUS__V1__ENVELOPE__BODY__NOT_SET;
    head.case_signal = NULL;
    size_t head_len = ketenbus__v1__envelope__get_packed_size (&head);
    size_t sig_len = ketenbus__v1__case_signal__get_packed_size (&f->signal);
    assert_true (head_len + sig_len + extra_len + 16 < out_size);

    uint8_t *body = malloc (sig_len + extra_len);
    assert_non_null (body);
    ketenbus__v1__case_signal__pack (&f->signal, body);
    memcpy (body + sig_len, extra, extra_len);

    size_t n = ketenbus__v1__envelope__pack (&head, out);
    assert_int_equal (n, head_len);
    n += s_put_bytes_field (out + n, 10, body, sig_len + extra_len);
    free (body);
    return n;
}

static void
test_unknown_field_in_body (void **state)
{
    (void) state;
    fixture_t f;
    s_fixture_init (&f);
    uint8_t extra [16];
    size_t extra_len = s_put_varint_field (extra, 99, 7);
    uint8_t frame [1024];
    size_t n = s_envelope_with_body_extra (&f, extra, extra_len, frame, sizeof frame);

    kb_envelope_t *env = NULL;
    assert_int_equal (kb_codec_decode (frame, n, MAX_FRAME, &env), KB_CODEC_OK);
    assert_int_equal (env->body_case, KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL);
    assert_int_equal (env->base.n_unknown_fields, 0);
    assert_int_equal (env->case_signal->base.n_unknown_fields, 1);
    assert_int_equal (kb_codec_unknown_fields (env), 1);
    assert_string_equal (env->case_signal->gemeente_code, "0794");
    kb_codec_free (&env);

    //  Unknown fields in the envelope and in the body add up
    n += s_put_varint_field (frame + n, 99, 1);
    n += s_put_varint_field (frame + n, 98, 1);
    assert_int_equal (kb_codec_decode (frame, n, MAX_FRAME, &env), KB_CODEC_OK);
    assert_int_equal (kb_codec_unknown_fields (env), 3);
    kb_codec_free (&env);
    assert_int_equal (kb_codec_unknown_fields (NULL), 0);
}

static void
test_unknown_field_in_subject (void **state)
{
    (void) state;
    //  Subject person with an extra field 99, packed by hand into the signal
    fixture_t f;
    s_fixture_init (&f);
    size_t person_len = ketenbus__v1__person__get_packed_size (&f.subject);
    uint8_t person [128];
    assert_true (person_len + 8 < sizeof person);
    ketenbus__v1__person__pack (&f.subject, person);
    person_len += s_put_varint_field (person + person_len, 99, 5);

    //  Signal without subject, then subject (field 2) appended
    f.signal.subject = NULL;
    uint8_t extra [160];
    size_t extra_len = s_put_bytes_field (extra, 2, person, person_len);
    uint8_t frame [1024];
    size_t n = s_envelope_with_body_extra (&f, extra, extra_len, frame, sizeof frame);

    kb_envelope_t *env = NULL;
    assert_int_equal (kb_codec_decode (frame, n, MAX_FRAME, &env), KB_CODEC_OK);
    assert_non_null (env->case_signal->subject);
    assert_string_equal (env->case_signal->subject->bsn, "111222333");
    assert_int_equal (env->case_signal->subject->base.n_unknown_fields, 1);
    assert_int_equal (kb_codec_unknown_fields (env), 1);
    kb_codec_free (&env);
}

//  --------------------------------------------------------------------------
//  Garbage never crashes

static void
test_random_garbage (void **state)
{
    (void) state;
    static const uint64_t seeds [] = { 1, 42, 0x5eed, 0xdeadbeefcafeULL, 20240615 };
    uint8_t buf [512];
    for (size_t s = 0; s < N_ELEMENTS (seeds); s++) {
        uint64_t st = seeds [s];
        size_t outcomes [6] = { 0 };
        for (int round = 0; round < 2000; round++) {
            size_t len = 1 + (size_t) (s_next (&st) % sizeof buf);
            for (size_t i = 0; i < len; i++)
                buf [i] = (uint8_t) s_next (&st);
            //  Exact-size copy so any over-read is visible to ASan/valgrind
            uint8_t *copy = malloc (len);
            assert_non_null (copy);
            memcpy (copy, buf, len);
            kb_codec_rc_t rc = s_decode_checked (copy, len, MAX_FRAME);
            free (copy);
            assert_true (rc <= 0 && rc >= KB_CODEC_BAD_VERSION);
            outcomes [-rc]++;
        }
        //  Never empty or too large for these lengths
        assert_int_equal (outcomes [-KB_CODEC_EMPTY], 0);
        assert_int_equal (outcomes [-KB_CODEC_TOO_LARGE], 0);
    }
}

static void
test_bit_flips (void **state)
{
    (void) state;
    //  Mutations of a valid envelope reach deeper than pure noise
    fixture_t f;
    s_fixture_init (&f);
    size_t len;
    uint8_t *orig = s_encode (&f.env, &len);
    static const uint64_t seeds [] = { 7, 1234567, 0xfeedface };
    for (size_t s = 0; s < N_ELEMENTS (seeds); s++) {
        uint64_t st = seeds [s];
        size_t ok = 0;
        for (int round = 0; round < 2000; round++) {
            uint8_t *copy = malloc (len);
            assert_non_null (copy);
            memcpy (copy, orig, len);
            int flips = 1 + (int) (s_next (&st) % 4);
            for (int k = 0; k < flips; k++) {
                size_t at = (size_t) (s_next (&st) % len);
                copy [at] ^= (uint8_t) (1u << (s_next (&st) % 8));
            }
            if (s_decode_checked (copy, len, MAX_FRAME) == KB_CODEC_OK)
                ok++;
            free (copy);
        }
        //  Most flips land in string contents and still decode
        assert_true (ok > 0);
    }
    free (orig);
}

//  --------------------------------------------------------------------------
//  Helpers

static void
test_enum_known (void **state)
{
    (void) state;
    static const struct {
        const ProtobufCEnumDescriptor *desc;
        int value;
        bool expected;
    } cases [] = {
        { &ketenbus__v1__category__descriptor, 0, false },
        { &ketenbus__v1__category__descriptor, 1, true },
        { &ketenbus__v1__category__descriptor, 13, true },
        { &ketenbus__v1__category__descriptor, 14, false },
        { &ketenbus__v1__category__descriptor, 99, false },
        { &ketenbus__v1__category__descriptor, -1, false },
        { &ketenbus__v1__urgency__descriptor, 0, false },
        { &ketenbus__v1__urgency__descriptor, 3, true },
        { &ketenbus__v1__urgency__descriptor, 4, false },
        { &ketenbus__v1__org_type__descriptor, 8, true },
        { &ketenbus__v1__org_type__descriptor, 10, true },
        { &ketenbus__v1__org_type__descriptor, 11, false },
        { &ketenbus__v1__household_role__descriptor, 5, true },
        { &ketenbus__v1__household_role__descriptor, 99, false },
        { &ketenbus__v1__housing_situation__descriptor, 3, true },
        { &ketenbus__v1__housing_situation__descriptor, 0, false },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        bool got = kb_codec_enum_known (cases [i].desc, cases [i].value);
        if (got != cases [i].expected)
            fail_msg ("%s value %d: got %d, expected %d (row %zu)", cases [i].desc->name,
                      cases [i].value, got, cases [i].expected, i);
    }
}

static void
test_body_name (void **state)
{
    (void) state;
    Ketenbus__V1__Ack ack = KETENBUS__V1__ACK__INIT;
    Ketenbus__V1__Reject reject = KETENBUS__V1__REJECT__INIT;
    Ketenbus__V1__CareAssignment care = KETENBUS__V1__CARE_ASSIGNMENT__INIT;
    Ketenbus__V1__StoredSignal stored = KETENBUS__V1__STORED_SIGNAL__INIT;
    Ketenbus__V1__CaseSignal signal = KETENBUS__V1__CASE_SIGNAL__INIT;

    Ketenbus__V1__Envelope env = KETENBUS__V1__ENVELOPE__INIT;
    assert_string_equal (kb_codec_body_name (&env), "none");
    assert_string_equal (kb_codec_body_name (NULL), "none");

    struct {
        Ketenbus__V1__Envelope__BodyCase body;
        void *msg;
        const char *name;
    } cases [] = {
        { KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL, &signal, "case_signal" },
        { KETENBUS__V1__ENVELOPE__BODY_ACK, &ack, "ack" },
        { KETENBUS__V1__ENVELOPE__BODY_REJECT, &reject, "reject" },
        { KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT, &care, "care_assignment" },
        { KETENBUS__V1__ENVELOPE__BODY_STORED_SIGNAL, &stored, "stored_signal" },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        env.body_case = cases [i].body;
        env.ack = cases [i].msg;    //  all union members share storage
        assert_string_equal (kb_codec_body_name (&env), cases [i].name);

        //  The name survives the wire too
        env.message_id = MESSAGE_ID;
        env.schema_version = 1;
        size_t len;
        uint8_t *buf = s_encode (&env, &len);
        kb_envelope_t *dec = NULL;
        assert_int_equal (kb_codec_decode (buf, len, MAX_FRAME, &dec), KB_CODEC_OK);
        assert_string_equal (kb_codec_body_name (dec), cases [i].name);
        assert_int_equal (dec->body_case, cases [i].body);
        kb_codec_free (&dec);
        free (buf);
    }
}

static void
test_rc_text (void **state)
{
    (void) state;
    static const kb_codec_rc_t rcs [] = {
        KB_CODEC_OK, KB_CODEC_EMPTY, KB_CODEC_TOO_LARGE,
        KB_CODEC_MALFORMED, KB_CODEC_UNKNOWN_BODY, KB_CODEC_BAD_VERSION,
    };
    for (size_t i = 0; i < N_ELEMENTS (rcs); i++) {
        const char *text = kb_codec_rc_text (rcs [i]);
        assert_non_null (text);
        assert_string_not_equal (text, "unknown codec error");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal (text, kb_codec_rc_text (rcs [j]));
    }
    assert_string_equal (kb_codec_rc_text ((kb_codec_rc_t) -42), "unknown codec error");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_round_trip_case_signal),
        cmocka_unit_test (test_encode_empty_envelope),
        cmocka_unit_test (test_empty_input),
        cmocka_unit_test (test_too_large_not_decoded),
        cmocka_unit_test (test_truncated),
        cmocka_unit_test (test_malformed_table),
        cmocka_unit_test (test_no_body),
        cmocka_unit_test (test_schema_version),
        cmocka_unit_test (test_unknown_field_in_envelope),
        cmocka_unit_test (test_unknown_field_in_body),
        cmocka_unit_test (test_unknown_field_in_subject),
        cmocka_unit_test (test_random_garbage),
        cmocka_unit_test (test_bit_flips),
        cmocka_unit_test (test_enum_known),
        cmocka_unit_test (test_body_name),
        cmocka_unit_test (test_rc_text),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
