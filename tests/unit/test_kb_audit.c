/*  test_kb_audit - unit tests for the pure part of the audit log

    Canonical serialisation and hash of one row (pinned by golden vectors
    computed independently from the format described in kb_audit.h), entry
    validation, and chain verification over in-memory arrays: edited,
    deleted, swapped, truncated rows are detected and the first broken row
    is named.
*/

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ketenbus/kb_audit.h"

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a) [0]))
#define CHAIN_ROWS 100

//  Golden vectors: Python's hashlib over the documented layout
#define GOLDEN_1_LEN 169
#define GOLDEN_1_HASH "033f8524f8687bd24b5f1551c29932850f358dcfce94edc34c8e26eeff6bcb29"
#define GOLDEN_2_LEN 174
#define GOLDEN_2_HASH "51d98e15785930ac7a5c6334a0f999dce952fc26452decae66de08008ce9c61f"

static kb_audit_row_t
s_golden_row_1 (void)
{
    kb_audit_row_t row = {
        .seq = 1,
        .at_us = 1718445600123456LL,
        .entry = { .actor_org = "cjg-noord", .actor_user = "u42", .on_behalf_of = NULL,
                   .event = "signal.accepted", .action = 'C', .subject_pseudonym = "a1b2c3",
                   .reason = "consent", .outcome = "ok", .authorised = true,
                   .care_relation = true, .consent = true, .emergency = false }
    };
    return row;
}

static kb_audit_row_t
s_golden_row_2 (const uint8_t prev_hash [KB_AUDIT_HASH_SIZE])
{
    kb_audit_row_t row = {
        .seq = 2,
        .at_us = 1718445600123457LL,
        .entry = { .actor_org = "vt-regio", .actor_user = "u7", .on_behalf_of = "cjg-noord",
                   .event = "share.decided", .action = 'E', .subject_pseudonym = NULL,
                   .reason = "meldcode", .outcome = "allowed", .authorised = true,
                   .care_relation = false, .consent = false, .emergency = true }
    };
    memcpy (row.prev_hash, prev_hash, KB_AUDIT_HASH_SIZE);
    return row;
}

static void
s_hex (const uint8_t hash [KB_AUDIT_HASH_SIZE], char out [2 * KB_AUDIT_HASH_SIZE + 1])
{
    sodium_bin2hex (out, 2 * KB_AUDIT_HASH_SIZE + 1, hash, KB_AUDIT_HASH_SIZE);
}

//  ---------------------------------------------------------------------
//  Serialisation and hash

static void
test_golden_vectors (void **state)
{
    (void) state;
    kb_audit_row_t row1 = s_golden_row_1 ();
    uint8_t hash [KB_AUDIT_HASH_SIZE];
    char hex [2 * KB_AUDIT_HASH_SIZE + 1];

    assert_int_equal (kb_audit_row_serialise (&row1, NULL, 0), GOLDEN_1_LEN);
    assert_int_equal (kb_audit_row_hash (&row1, hash), 0);
    s_hex (hash, hex);
    assert_string_equal (hex, GOLDEN_1_HASH);

    kb_audit_row_t row2 = s_golden_row_2 (hash);
    assert_int_equal (kb_audit_row_serialise (&row2, NULL, 0), GOLDEN_2_LEN);
    assert_int_equal (kb_audit_row_hash (&row2, hash), 0);
    s_hex (hash, hex);
    assert_string_equal (hex, GOLDEN_2_HASH);
}

static void
test_serialise_layout (void **state)
{
    (void) state;
    kb_audit_row_t row = s_golden_row_1 ();
    uint8_t buf [GOLDEN_1_LEN];
    assert_int_equal (kb_audit_row_serialise (&row, buf, sizeof buf), GOLDEN_1_LEN);

    //  tag, length-prefixed
    static const uint8_t tag [] = { 0, 0, 0, 10, 'k', 'b', '_', 'a', 'u', 'd', 'i', 't', '/', '1' };
    assert_memory_equal (buf, tag, sizeof tag);
    //  seq 1 as 8 bytes big-endian, length-prefixed
    static const uint8_t seq [] = { 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1 };
    assert_memory_equal (buf + sizeof tag, seq, sizeof seq);
    //  on_behalf_of (NULL) follows at_us, actor_org "cjg-noord", actor_user "u42"
    size_t null_at = sizeof tag + sizeof seq + 12 + (4 + 9) + (4 + 3);
    static const uint8_t null_marker [] = { 0xff, 0xff, 0xff, 0xff };
    assert_memory_equal (buf + null_at, null_marker, sizeof null_marker);
    //  prev_hash last: 32 zero bytes after its length 32
    static const uint8_t prev_len [] = { 0, 0, 0, 32 };
    assert_memory_equal (buf + GOLDEN_1_LEN - 36, prev_len, sizeof prev_len);
    for (size_t i = GOLDEN_1_LEN - 32; i < GOLDEN_1_LEN; i++)
        assert_int_equal (buf [i], 0);

    //  the hash is SHA-256 of exactly these bytes
    uint8_t expected [KB_AUDIT_HASH_SIZE], got [KB_AUDIT_HASH_SIZE];
    crypto_hash_sha256 (expected, buf, sizeof buf);
    assert_int_equal (kb_audit_row_hash (&row, got), 0);
    assert_memory_equal (got, expected, KB_AUDIT_HASH_SIZE);

    //  a short buffer is not overrun and the needed size is still reported
    uint8_t small [20];
    memset (small, 0xaa, sizeof small);
    assert_int_equal (kb_audit_row_serialise (&row, small, 16), GOLDEN_1_LEN);
    assert_memory_equal (small, buf, 16);
    for (size_t i = 16; i < sizeof small; i++)
        assert_int_equal (small [i], 0xaa);
}

static void
test_field_boundaries_cannot_shift (void **state)
{
    (void) state;
    kb_audit_row_t a = s_golden_row_1 ();
    kb_audit_row_t b = a;
    a.entry.actor_org = "ab";
    a.entry.actor_user = "c";
    b.entry.actor_org = "a";
    b.entry.actor_user = "bc";
    uint8_t ha [KB_AUDIT_HASH_SIZE], hb [KB_AUDIT_HASH_SIZE];
    assert_int_equal (kb_audit_row_hash (&a, ha), 0);
    assert_int_equal (kb_audit_row_hash (&b, hb), 0);
    assert_memory_not_equal (ha, hb, KB_AUDIT_HASH_SIZE);

    //  moving a value into the neighbouring (empty) field changes the hash
    a = s_golden_row_1 ();
    b = a;
    a.entry.reason = "consent";
    a.entry.outcome = "";
    b.entry.reason = "";
    b.entry.outcome = "consent";
    assert_int_equal (kb_audit_row_hash (&a, ha), 0);
    assert_int_equal (kb_audit_row_hash (&b, hb), 0);
    assert_memory_not_equal (ha, hb, KB_AUDIT_HASH_SIZE);

    //  NULL and "" are different values
    a = s_golden_row_1 ();
    b = a;
    a.entry.on_behalf_of = NULL;
    b.entry.on_behalf_of = "";
    assert_int_equal (kb_audit_row_hash (&a, ha), 0);
    assert_int_equal (kb_audit_row_hash (&b, hb), 0);
    assert_memory_not_equal (ha, hb, KB_AUDIT_HASH_SIZE);
}

//  Every field is covered by the hash: change one, the hash changes.
typedef struct {
    const char *name;
    void (*mutate) (kb_audit_row_t *row);
} mutation_t;

static void m_seq (kb_audit_row_t *r) { r->seq = 2; }
static void m_at (kb_audit_row_t *r) { r->at_us += 1; }
static void m_actor_org (kb_audit_row_t *r) { r->entry.actor_org = "cjg-zuid"; }
static void m_actor_user (kb_audit_row_t *r) { r->entry.actor_user = NULL; }
static void m_on_behalf (kb_audit_row_t *r) { r->entry.on_behalf_of = "gemeente"; }
static void m_event (kb_audit_row_t *r) { r->entry.event = "signal.rejected"; }
static void m_action (kb_audit_row_t *r) { r->entry.action = 'R'; }
static void m_subject (kb_audit_row_t *r) { r->entry.subject_pseudonym = "a1b2c4"; }
static void m_reason (kb_audit_row_t *r) { r->entry.reason = "meldcode"; }
static void m_outcome (kb_audit_row_t *r) { r->entry.outcome = "denied"; }
static void m_authorised (kb_audit_row_t *r) { r->entry.authorised = false; }
static void m_care (kb_audit_row_t *r) { r->entry.care_relation = false; }
static void m_consent (kb_audit_row_t *r) { r->entry.consent = false; }
static void m_emergency (kb_audit_row_t *r) { r->entry.emergency = true; }
static void m_prev (kb_audit_row_t *r) { r->prev_hash [31] = 1; }

static void
test_every_field_is_hashed (void **state)
{
    (void) state;
    static const mutation_t mutations [] = {
        { "seq", m_seq }, { "at_us", m_at }, { "actor_org", m_actor_org },
        { "actor_user", m_actor_user }, { "on_behalf_of", m_on_behalf }, { "event", m_event },
        { "action", m_action }, { "subject_pseudonym", m_subject }, { "reason", m_reason },
        { "outcome", m_outcome }, { "authorised", m_authorised }, { "care_relation", m_care },
        { "consent", m_consent }, { "emergency", m_emergency }, { "prev_hash", m_prev },
    };
    kb_audit_row_t base = s_golden_row_1 ();
    uint8_t h0 [KB_AUDIT_HASH_SIZE];
    assert_int_equal (kb_audit_row_hash (&base, h0), 0);
    for (size_t i = 0; i < N_ELEMENTS (mutations); i++) {
        kb_audit_row_t row = base;
        uint8_t h [KB_AUDIT_HASH_SIZE];
        mutations [i].mutate (&row);
        assert_int_equal (kb_audit_row_hash (&row, h), 0);
        if (memcmp (h, h0, KB_AUDIT_HASH_SIZE) == 0)
            fail_msg ("changing %s did not change the hash", mutations [i].name);
    }
    //  the stored hash itself is not part of the input
    kb_audit_row_t row = base;
    uint8_t h [KB_AUDIT_HASH_SIZE];
    memset (row.hash, 0x55, sizeof row.hash);
    assert_int_equal (kb_audit_row_hash (&row, h), 0);
    assert_memory_equal (h, h0, KB_AUDIT_HASH_SIZE);
}

//  ---------------------------------------------------------------------
//  Entry validation

static kb_audit_entry_t
s_valid_entry (void)
{
    kb_audit_entry_t e = { .actor_org = "ggd-vangnet", .actor_user = "op-17",
                           .on_behalf_of = NULL, .event = "partner.revoked", .action = 'U',
                           .subject_pseudonym = NULL, .reason = "operator:request",
                           .outcome = "ok" };
    return e;
}

static void
test_entry_check (void **state)
{
    (void) state;
    kb_audit_entry_t e = s_valid_entry ();
    const char *why = "unset";
    assert_int_equal (kb_audit_entry_check (&e, &why), 0);
    assert_null (why);
    e.subject_pseudonym = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    assert_int_equal (kb_audit_entry_check (&e, NULL), 0);

    static const char long_text [] =
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    static const char long_code [] =
        "a.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    struct {
        const char *field;
        kb_audit_entry_t entry;
    } bad [] = {
        { "actor_org", { .actor_org = NULL, .event = "x", .action = 'C', .outcome = "ok" } },
        { "actor_org", { .actor_org = "", .event = "x", .action = 'C', .outcome = "ok" } },
        { "actor_org", { .actor_org = long_text, .event = "x", .action = 'C', .outcome = "ok" } },
        { "actor_user", { .actor_org = "o", .actor_user = "Jan de Vries", .event = "x",
                          .action = 'C', .outcome = "ok" } },
        { "actor_user", { .actor_org = "o", .actor_user = "tab\there", .event = "x",
                          .action = 'C', .outcome = "ok" } },
        { "on_behalf_of", { .actor_org = "o", .on_behalf_of = "caf\xc3\xa9", .event = "x",
                            .action = 'C', .outcome = "ok" } },
        { "event", { .actor_org = "o", .event = NULL, .action = 'C', .outcome = "ok" } },
        { "event", { .actor_org = "o", .event = "signal accepted", .action = 'C',
                     .outcome = "ok" } },
        { "event", { .actor_org = "o", .event = long_code, .action = 'C', .outcome = "ok" } },
        { "action", { .actor_org = "o", .event = "x", .action = 'X', .outcome = "ok" } },
        { "action", { .actor_org = "o", .event = "x", .action = '\0', .outcome = "ok" } },
        { "subject_pseudonym", { .actor_org = "o", .event = "x", .action = 'R',
                                 .subject_pseudonym = "123456782", .outcome = "ok" } },
        { "subject_pseudonym", { .actor_org = "o", .event = "x", .action = 'R',
                                 .subject_pseudonym = "12345678", .outcome = "ok" } },
        { "reason", { .actor_org = "o", .event = "x", .action = 'R',
                      .reason = "moeder belde over ruzie", .outcome = "ok" } },
        { "reason", { .actor_org = "o", .event = "x", .action = 'R', .reason = "",
                      .outcome = "ok" } },
        { "outcome", { .actor_org = "o", .event = "x", .action = 'R', .outcome = NULL } },
    };
    for (size_t i = 0; i < N_ELEMENTS (bad); i++) {
        why = NULL;
        if (kb_audit_entry_check (&bad [i].entry, &why) == 0)
            fail_msg ("case %zu (%s) was accepted", i, bad [i].field);
        if (!why || strcmp (why, bad [i].field) != 0)
            fail_msg ("case %zu: blamed \"%s\", expected \"%s\"", i, why ? why : "(null)",
                      bad [i].field);
    }
}

//  ---------------------------------------------------------------------
//  Chain verification over arrays

typedef struct {
    kb_audit_row_t rows [CHAIN_ROWS];
    char orgs [CHAIN_ROWS][16];
    char subjects [CHAIN_ROWS][16];
    int64_t head_seq;
    uint8_t head_hash [KB_AUDIT_HASH_SIZE];
} chain_t;

static void
s_rehash (kb_audit_row_t *row)
{
    assert_int_equal (kb_audit_row_hash (row, row->hash), 0);
}

//  A valid chain of CHAIN_ROWS rows with its head.
static chain_t *
s_chain_new (void)
{
    chain_t *c = calloc (1, sizeof *c);
    assert_non_null (c);
    static const char actions [] = "CRUDE";
    for (int i = 0; i < CHAIN_ROWS; i++) {
        kb_audit_row_t *row = &c->rows [i];
        snprintf (c->orgs [i], sizeof c->orgs [i], "org-%d", i % 7);
        snprintf (c->subjects [i], sizeof c->subjects [i], "ps%04x", i * 37);
        row->seq = i + 1;
        row->at_us = 1718445600000000LL + i * 1000;
        row->entry = (kb_audit_entry_t) { .actor_org = c->orgs [i], .actor_user = "u1",
                                          .event = "share.decided", .action = actions [i % 5],
                                          .subject_pseudonym = c->subjects [i],
                                          .reason = i % 2 ? "consent" : "meldcode",
                                          .outcome = "allowed", .authorised = true,
                                          .consent = i % 2 == 1, .emergency = i % 9 == 0 };
        if (i > 0)
            memcpy (row->prev_hash, c->rows [i - 1].hash, KB_AUDIT_HASH_SIZE);
        s_rehash (row);
    }
    c->head_seq = CHAIN_ROWS;
    memcpy (c->head_hash, c->rows [CHAIN_ROWS - 1].hash, KB_AUDIT_HASH_SIZE);
    return c;
}

static int
s_setup (void **state)
{
    *state = s_chain_new ();
    return 0;
}

static int
s_teardown (void **state)
{
    free (*state);
    return 0;
}

//  Index of seq in the array (seq n is at n - 1 in a fresh chain).
#define AT(seq) ((seq) - 1)

static void
s_remove (chain_t *c, size_t *n, int from_seq, int to_seq)
{
    size_t from = (size_t) AT (from_seq), count = (size_t) (to_seq - from_seq + 1);
    memmove (&c->rows [from], &c->rows [from + count],
             (*n - from - count) * sizeof c->rows [0]);
    *n -= count;
}

static void
s_expect_broken (chain_t *c, size_t n, long first_bad, const char *problem)
{
    kb_audit_verify_result_t r;
    int rc = kb_audit_verify_rows (c->rows, n, c->head_seq, c->head_hash, &r);
    if (rc != KB_AUDIT_BROKEN)
        fail_msg ("expected a broken chain, got rc=%d problem=\"%s\"", rc, r.problem);
    assert_int_equal (r.first_bad_seq, first_bad);
    assert_string_equal (r.problem, problem);
}

static void
test_chain_intact (void **state)
{
    chain_t *c = *state;
    kb_audit_verify_result_t r;
    assert_int_equal (kb_audit_verify_rows (c->rows, CHAIN_ROWS, c->head_seq, c->head_hash, &r),
                      0);
    assert_int_equal (r.rows_checked, CHAIN_ROWS);
    assert_int_equal (r.first_bad_seq, -1);
    assert_string_equal (r.problem, "");
    assert_int_equal (r.last_seq, CHAIN_ROWS);
    assert_memory_equal (r.last_hash, c->head_hash, KB_AUDIT_HASH_SIZE);

    //  an empty log with an empty head is intact
    assert_int_equal (kb_audit_verify_rows (NULL, 0, 0, NULL, &r), 0);
    assert_int_equal (r.rows_checked, 0);
}

static void
test_chain_edited_field (void **state)
{
    chain_t *c = *state;
    c->rows [AT (37)].entry.outcome = "denied";
    s_expect_broken (c, CHAIN_ROWS, 37, "row 37: stored hash does not match its contents");
}

static void
test_chain_edited_flag (void **state)
{
    chain_t *c = *state;
    c->rows [AT (12)].entry.consent = !c->rows [AT (12)].entry.consent;
    s_expect_broken (c, CHAIN_ROWS, 12, "row 12: stored hash does not match its contents");
}

static void
test_chain_edited_and_rehashed (void **state)
{
    //  An attacker who recomputes the edited row's hash breaks the next link.
    chain_t *c = *state;
    c->rows [AT (37)].entry.actor_org = "org-x";
    s_rehash (&c->rows [AT (37)]);
    s_expect_broken (c, CHAIN_ROWS, 38,
                     "row 38: previous-hash link broken (row deleted or reordered)");
}

static void
test_chain_reports_first_break_only (void **state)
{
    chain_t *c = *state;
    c->rows [AT (70)].entry.outcome = "denied";
    c->rows [AT (20)].entry.outcome = "denied";
    s_expect_broken (c, CHAIN_ROWS, 20, "row 20: stored hash does not match its contents");
}

static void
test_chain_deleted_row (void **state)
{
    chain_t *c = *state;
    size_t n = CHAIN_ROWS;
    s_remove (c, &n, 42, 42);
    s_expect_broken (c, n, 42, "seq gap 41 -> 43 (row 42 missing)");
}

static void
test_chain_deleted_and_renumbered (void **state)
{
    //  Closing the gap by renumbering: the link to the row before breaks.
    chain_t *c = *state;
    size_t n = CHAIN_ROWS;
    s_remove (c, &n, 42, 42);
    for (size_t i = AT (42); i < n; i++)
        c->rows [i].seq--;
    c->head_seq--;
    s_expect_broken (c, n, 42, "row 42: previous-hash link broken (row deleted or reordered)");
}

static void
test_chain_deleted_first_row (void **state)
{
    chain_t *c = *state;
    size_t n = CHAIN_ROWS;
    s_remove (c, &n, 1, 1);
    s_expect_broken (c, n, 1, "seq gap 0 -> 2 (row 1 missing)");
}

static void
test_chain_truncated_in_middle (void **state)
{
    chain_t *c = *state;
    size_t n = CHAIN_ROWS;
    s_remove (c, &n, 40, 60);
    assert_int_equal (n, CHAIN_ROWS - 21);
    s_expect_broken (c, n, 40, "seq gap 39 -> 61 (rows 40..60 missing)");
}

static void
test_chain_truncated_tail (void **state)
{
    //  The head remembers 100: losing the last rows is detected.
    chain_t *c = *state;
    s_expect_broken (c, CHAIN_ROWS - 3, 98,
                     "rows after 97 missing: head of the chain is at 100");
    s_expect_broken (c, 0, 1, "rows after 0 missing: head of the chain is at 100");
}

static void
test_chain_head_mismatch (void **state)
{
    chain_t *c = *state;
    c->head_hash [0] ^= 1;
    s_expect_broken (c, CHAIN_ROWS, 100, "row 100: hash does not match the head of the chain");
    //  rows beyond the head (written around the head) are reported too
    c->head_seq = 98;
    memcpy (c->head_hash, c->rows [AT (98)].hash, KB_AUDIT_HASH_SIZE);
    s_expect_broken (c, CHAIN_ROWS, 99, "rows 99..100 beyond the head of the chain at 98");
}

static void
test_chain_swapped_contents (void **state)
{
    //  Swap everything but seq: row 50 now carries 51's link.
    chain_t *c = *state;
    kb_audit_row_t *a = &c->rows [AT (50)], *b = &c->rows [AT (51)];
    kb_audit_row_t tmp = *a;
    *a = *b;
    *b = tmp;
    a->seq = 50;
    b->seq = 51;
    s_expect_broken (c, CHAIN_ROWS, 50,
                     "row 50: previous-hash link broken (row deleted or reordered)");
    //  Swap everything but seq and the links: the contents no longer match.
    tmp = *a;
    *a = *b;
    *b = tmp;
    a->seq = 50;
    b->seq = 51;
    kb_audit_verify_result_t r;
    assert_int_equal (kb_audit_verify_rows (c->rows, CHAIN_ROWS, c->head_seq, c->head_hash, &r),
                      0);
    kb_audit_entry_t e = c->rows [AT (50)].entry;
    int64_t at = c->rows [AT (50)].at_us;
    c->rows [AT (50)].entry = c->rows [AT (51)].entry;
    c->rows [AT (50)].at_us = c->rows [AT (51)].at_us;
    c->rows [AT (51)].entry = e;
    c->rows [AT (51)].at_us = at;
    s_expect_broken (c, CHAIN_ROWS, 50, "row 50: stored hash does not match its contents");
}

static void
test_chain_swapped_and_rehashed (void **state)
{
    //  Swap the entries of 50 and 51 and recompute both hashes and the link
    //  between them: unless the attacker rewrites the whole tail (and the
    //  head), row 52 no longer links to row 51.
    chain_t *c = *state;
    kb_audit_entry_t tmp = c->rows [AT (50)].entry;
    c->rows [AT (50)].entry = c->rows [AT (51)].entry;
    c->rows [AT (51)].entry = tmp;
    s_rehash (&c->rows [AT (50)]);
    memcpy (c->rows [AT (51)].prev_hash, c->rows [AT (50)].hash, KB_AUDIT_HASH_SIZE);
    s_rehash (&c->rows [AT (51)]);
    s_expect_broken (c, CHAIN_ROWS, 52,
                     "row 52: previous-hash link broken (row deleted or reordered)");
}

static void
test_chain_reordered_rows (void **state)
{
    //  Rows handed over out of seq order (swapped positions).
    chain_t *c = *state;
    kb_audit_row_t tmp = c->rows [AT (50)];
    c->rows [AT (50)] = c->rows [AT (51)];
    c->rows [AT (51)] = tmp;
    s_expect_broken (c, CHAIN_ROWS, 50, "seq gap 49 -> 51 (row 50 missing)");
    //  and a row repeating a seq
    c->rows [AT (51)] = c->rows [AT (50)];
    c->rows [AT (50)] = tmp;
    c->rows [AT (51)].seq = 50;
    s_expect_broken (c, CHAIN_ROWS, 50, "row 50: out of order after 50");
}

static void
test_check_link_first_row (void **state)
{
    (void) state;
    kb_audit_row_t row = s_golden_row_1 ();
    s_rehash (&row);
    kb_audit_verify_result_t r = { .first_bad_seq = -1 };
    assert_int_equal (kb_audit_check_link (0, NULL, &row, &r), 0);
    assert_int_equal (r.first_bad_seq, -1);

    row.prev_hash [5] = 7;
    s_rehash (&row);
    assert_int_equal (kb_audit_check_link (0, NULL, &row, &r), KB_AUDIT_BROKEN);
    assert_int_equal (r.first_bad_seq, 1);
    assert_string_equal (r.problem,
                         "row 1: previous-hash link broken (row deleted or reordered)");
}

int
main (void)
{
    if (sodium_init () < 0)
        return 1;
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_golden_vectors),
        cmocka_unit_test (test_serialise_layout),
        cmocka_unit_test (test_field_boundaries_cannot_shift),
        cmocka_unit_test (test_every_field_is_hashed),
        cmocka_unit_test (test_entry_check),
        cmocka_unit_test (test_check_link_first_row),
        cmocka_unit_test_setup_teardown (test_chain_intact, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_edited_field, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_edited_flag, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_edited_and_rehashed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_reports_first_break_only, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_deleted_row, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_deleted_and_renumbered, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_deleted_first_row, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_truncated_in_middle, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_truncated_tail, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_head_mismatch, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_swapped_contents, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_swapped_and_rehashed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_chain_reordered_rows, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
