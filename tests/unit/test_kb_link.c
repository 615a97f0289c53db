/*  test_kb_link - unit tests for the pure parts of the link: back-off,
    ack bodies, the sender's per-row state machine, the receiver's
    ordering decision and the endpoints a link accepts. No database, no
    socket. */

/* cmocka needs these first, in this order */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ketenbus/kb_link.h"

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

static void
test_backoff_doubles_and_caps (void **state)
{
    (void)state;
    static const struct
    {
        int base, max, attempt, expected;
    } cases[] = {
        { 100, 1000, 1, 100 },
        { 100, 1000, 2, 200 },
        { 100, 1000, 3, 400 },
        { 100, 1000, 4, 800 },
        { 100, 1000, 5, 1000 },
        { 100, 1000, 60, 1000 },
        { 100, 1000, 0, 100 },             /* nonsense attempt counts as the first */
        { 500, 100, 3, 500 },              /* cap below base: base wins */
        { 1, 2000000000, 40, 2000000000 }, /* no overflow on many attempts */
        { 0, 10, 1, 1 },                   /* base at least 1 ms */
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        int got = kb_link_backoff_ms (cases[i].base, cases[i].max, cases[i].attempt);
        if (got != cases[i].expected)
            fail_msg ("case %zu: backoff(%d, %d, %d) = %d, want %d",
                      i,
                      cases[i].base,
                      cases[i].max,
                      cases[i].attempt,
                      got,
                      cases[i].expected);
    }
}

static void
test_id_valid (void **state)
{
    (void)state;
    char longest[KB_LINK_ID_MAX + 2];
    memset (longest, 'x', sizeof longest);
    longest[KB_LINK_ID_MAX] = '\0';
    assert_true (kb_link_id_valid (longest));
    longest[KB_LINK_ID_MAX] = 'x';
    longest[KB_LINK_ID_MAX + 1] = '\0';
    assert_false (kb_link_id_valid (longest));
    assert_true (kb_link_id_valid ("gezin-7f3a:42"));
    assert_false (kb_link_id_valid (""));
    assert_false (kb_link_id_valid (NULL));
    assert_false (kb_link_id_valid ("a\tb"));
    assert_false (kb_link_id_valid ("a\nb"));
    assert_false (kb_link_id_valid ("a\rb"));
}

static void
test_ack_roundtrip (void **state)
{
    (void)state;
    zchunk_t *body = zchunk_new (NULL, 16);
    assert_int_equal (kb_link_ack_append (body, KB_LINK_ACK_APPLIED, "m-1", NULL), 0);
    assert_int_equal (kb_link_ack_append (body, KB_LINK_ACK_DEAD, "m-2", "bad\tfield\nx"), 0);
    assert_int_equal (kb_link_ack_append (body, KB_LINK_ACK_DEAD, "m-3", ""), 0);
    assert_int_equal (kb_link_ack_append (body, KB_LINK_ACK_APPLIED, "bad\tid", NULL), -1);
    assert_int_equal (kb_link_ack_append (body, (kb_link_ack_kind_t)'X', "m-4", NULL), -1);

    const char *data = (const char *)zchunk_data (body);
    size_t len = zchunk_size (body);
    size_t offset = 0;
    kb_link_ack_entry_t e;
    assert_int_equal (kb_link_ack_next (data, len, &offset, &e), 1);
    assert_int_equal (e.kind, KB_LINK_ACK_APPLIED);
    assert_string_equal (e.message_id, "m-1");
    assert_string_equal (e.reason, "");
    assert_int_equal (kb_link_ack_next (data, len, &offset, &e), 1);
    assert_int_equal (e.kind, KB_LINK_ACK_DEAD);
    assert_string_equal (e.message_id, "m-2");
    assert_string_equal (e.reason, "bad field x"); /* separators never reach the wire */
    assert_int_equal (kb_link_ack_next (data, len, &offset, &e), 1);
    assert_string_equal (e.message_id, "m-3");
    assert_string_equal (e.reason, "unknown"); /* a dead answer always has a reason */
    assert_int_equal (kb_link_ack_next (data, len, &offset, &e), 0);
    assert_int_equal (offset, len);
    zchunk_destroy (&body);
}

static void
test_ack_reason_truncated (void **state)
{
    (void)state;
    char reason[KB_LINK_REASON_MAX * 2];
    memset (reason, 'r', sizeof reason - 1);
    reason[sizeof reason - 1] = '\0';
    zchunk_t *body = zchunk_new (NULL, 16);
    assert_int_equal (kb_link_ack_append (body, KB_LINK_ACK_DEAD, "m", reason), 0);
    size_t offset = 0;
    kb_link_ack_entry_t e;
    assert_int_equal (
      kb_link_ack_next ((const char *)zchunk_data (body), zchunk_size (body), &offset, &e), 1);
    assert_int_equal (strlen (e.reason), KB_LINK_REASON_MAX);
    zchunk_destroy (&body);
}

static void
test_ack_malformed (void **state)
{
    (void)state;
    static const char *bad[] = {
        "A\tm-1",         /* no newline */
        "A m-1\n",        /* no tab */
        "X\tm-1\n",       /* unknown kind */
        "A\t\n",          /* empty id */
        "A\tm-1\tx\n",    /* applied with a reason */
        "D\tm-1\n",       /* dead without reason */
        "D\tm-1\tr\tx\n", /* tab inside reason */
        "\n",
    };
    for (size_t i = 0; i < N_ELEMENTS (bad); i++) {
        size_t offset = 0;
        kb_link_ack_entry_t e;
        int r = kb_link_ack_next (bad[i], strlen (bad[i]), &offset, &e);
        if (r != -1)
            fail_msg ("case %zu: parsed malformed ack, rc=%d", i, r);
        assert_int_equal (offset, 0);
    }
    /* An id longer than allowed. */
    char big[KB_LINK_ID_MAX + 8];
    big[0] = 'A';
    big[1] = '\t';
    memset (big + 2, 'x', KB_LINK_ID_MAX + 1);
    big[KB_LINK_ID_MAX + 3] = '\n';
    size_t offset = 0;
    kb_link_ack_entry_t e;
    assert_int_equal (kb_link_ack_next (big, KB_LINK_ID_MAX + 4, &offset, &e), -1);
    /* A NUL inside the id. */
    static const char nul[] = "A\tm\0x\n";
    offset = 0;
    assert_int_equal (kb_link_ack_next (nul, sizeof nul - 1, &offset, &e), -1);
    /* A good entry followed by garbage: first read works, then -1. */
    static const char mixed[] = "A\tok\nD\tbroken\n";
    offset = 0;
    assert_int_equal (kb_link_ack_next (mixed, sizeof mixed - 1, &offset, &e), 1);
    assert_string_equal (e.message_id, "ok");
    assert_int_equal (kb_link_ack_next (mixed, sizeof mixed - 1, &offset, &e), -1);
    /* Empty body: end at once. */
    offset = 0;
    assert_int_equal (kb_link_ack_next ("", 0, &offset, &e), 0);
}

static void
test_row_send_and_retransmit (void **state)
{
    (void)state;
    kb_link_row_t row = { 0 };
    assert_int_equal (row.state, KB_LINK_ROW_NEW);
    /* a new row goes at once */
    assert_int_equal (kb_link_row_step (&row, KB_LINK_EV_TICK, 1000, 100, 400), KB_LINK_ACT_SEND);
    assert_int_equal (row.state, KB_LINK_ROW_INFLIGHT);
    assert_int_equal (row.attempts, 1);
    assert_int_equal (row.due_ms, 1100);
    /* not before its timeout */
    assert_int_equal (kb_link_row_step (&row, KB_LINK_EV_TICK, 1099, 100, 400), KB_LINK_ACT_NONE);
    assert_int_equal (row.attempts, 1);
    /* then with doubling timeouts, capped */
    assert_int_equal (kb_link_row_step (&row, KB_LINK_EV_TICK, 1100, 100, 400), KB_LINK_ACT_SEND);
    assert_int_equal (row.attempts, 2);
    assert_int_equal (row.due_ms, 1300);
    assert_int_equal (kb_link_row_step (&row, KB_LINK_EV_TICK, 1300, 100, 400), KB_LINK_ACT_SEND);
    assert_int_equal (row.due_ms, 1700);
    assert_int_equal (kb_link_row_step (&row, KB_LINK_EV_TICK, 1700, 100, 400), KB_LINK_ACT_SEND);
    assert_int_equal (row.due_ms, 2100);
    assert_int_equal (row.attempts, 4);
}

static void
test_row_ack_and_dead_are_final (void **state)
{
    (void)state;
    kb_link_row_t row = { 0 };
    kb_link_row_step (&row, KB_LINK_EV_TICK, 0, 100, 400);
    assert_int_equal (kb_link_row_step (&row, KB_LINK_EV_ACK, 10, 100, 400),
                      KB_LINK_ACT_MARK_ACKED);
    assert_int_equal (row.state, KB_LINK_ROW_ACKED);
    /* a second ack, a late dead answer or a timeout do nothing */
    assert_int_equal (kb_link_row_step (&row, KB_LINK_EV_ACK, 20, 100, 400), KB_LINK_ACT_NONE);
    assert_int_equal (kb_link_row_step (&row, KB_LINK_EV_DEAD, 20, 100, 400), KB_LINK_ACT_NONE);
    assert_int_equal (kb_link_row_step (&row, KB_LINK_EV_TICK, 99999, 100, 400), KB_LINK_ACT_NONE);
    assert_int_equal (row.state, KB_LINK_ROW_ACKED);

    kb_link_row_t dead = { 0 };
    kb_link_row_step (&dead, KB_LINK_EV_TICK, 0, 100, 400);
    assert_int_equal (kb_link_row_step (&dead, KB_LINK_EV_DEAD, 10, 100, 400),
                      KB_LINK_ACT_MARK_DEAD);
    assert_int_equal (dead.state, KB_LINK_ROW_DEAD);
    assert_int_equal (kb_link_row_step (&dead, KB_LINK_EV_ACK, 20, 100, 400), KB_LINK_ACT_NONE);
    assert_int_equal (kb_link_row_step (&dead, KB_LINK_EV_TICK, 99999, 100, 400), KB_LINK_ACT_NONE);

    /* an ack can overtake the first send (answer to an earlier sender run) */
    kb_link_row_t fresh = { 0 };
    assert_int_equal (kb_link_row_step (&fresh, KB_LINK_EV_ACK, 0, 100, 400),
                      KB_LINK_ACT_MARK_ACKED);
}

static void
test_in_decide (void **state)
{
    (void)state;
    static const struct
    {
        int64_t last, seq;
        bool seen;
        kb_link_in_decision_t expected;
    } cases[] = {
        { 0, 1, false, KB_LINK_IN_APPLY },       { 41, 42, false, KB_LINK_IN_APPLY },
        { 42, 42, false, KB_LINK_IN_DUPLICATE }, /* inbox pruned, position remembers */
        { 42, 7, false, KB_LINK_IN_DUPLICATE },  { 41, 42, true, KB_LINK_IN_DUPLICATE },
        { 0, 2, false, KB_LINK_IN_GAP },         { 41, 43, false, KB_LINK_IN_GAP },
        { 41, 43, true, KB_LINK_IN_DUPLICATE }, /* seen wins over the gap */
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        kb_link_in_decision_t got = kb_link_in_decide (cases[i].last, cases[i].seq, cases[i].seen);
        if (got != cases[i].expected)
            fail_msg ("case %zu: decide(last=%lld, seq=%lld, seen=%d) = %d, want %d",
                      i,
                      (long long)cases[i].last,
                      (long long)cases[i].seq,
                      cases[i].seen,
                      got,
                      cases[i].expected);
    }
}

static void
test_poison_threshold (void **state)
{
    (void)state;
    assert_false (kb_link_poison_is_dead (1, 3));
    assert_false (kb_link_poison_is_dead (2, 3));
    assert_true (kb_link_poison_is_dead (3, 3));
    assert_true (kb_link_poison_is_dead (4, 3));
    assert_true (kb_link_poison_is_dead (1, 0)); /* at least one attempt */
    assert_true (kb_link_poison_is_dead (1, 1));
}

/* Only sockets the operating system guards: ipc:// in a directory of
   this user with mode 0700, or inproc://. */
static void
test_endpoint_safe (void **state)
{
    (void)state;
    char err[512], dir[] = "/tmp/kb_link_endpoint_XXXXXX", ep[600];
    assert_non_null (mkdtemp (dir)); /* mkdtemp makes it 0700 */
    snprintf (ep, sizeof ep, "ipc://%s/zorg.link", dir);
    assert_true (kb_link_endpoint_safe (ep, err, sizeof err));
    assert_true (kb_link_endpoint_safe ("inproc://zorg", err, sizeof err));

    assert_int_equal (chmod (dir, 0750), 0);
    assert_false (kb_link_endpoint_safe (ep, err, sizeof err));
    assert_non_null (strstr (err, "mode 0700 (it has 0750)"));
    assert_int_equal (chmod (dir, 0701), 0);
    assert_false (kb_link_endpoint_safe (ep, err, sizeof err));
    assert_int_equal (chmod (dir, 0700), 0);
    assert_true (kb_link_endpoint_safe (ep, err, sizeof err));

    assert_false (kb_link_endpoint_safe ("tcp://127.0.0.1:7410", err, sizeof err));
    assert_non_null (strstr (err, "no CURVE"));
    assert_false (kb_link_endpoint_safe ("tcp://0.0.0.0:7410", err, sizeof err));
    assert_false (kb_link_endpoint_safe ("ipc://@ketenbus-zorg", err, sizeof err));
    assert_non_null (strstr (err, "abstract"));
    assert_false (kb_link_endpoint_safe ("ipc://", err, sizeof err));
    assert_false (kb_link_endpoint_safe ("", err, sizeof err));
    assert_false (kb_link_endpoint_safe (NULL, err, sizeof err));
    snprintf (ep, sizeof ep, "ipc://%s/not-there/zorg.link", dir);
    assert_false (kb_link_endpoint_safe (ep, err, sizeof err));
    /* /tmp itself: everyone may enter */
    assert_false (kb_link_endpoint_safe ("ipc:///tmp/zorg.link", err, sizeof err));
    assert_false (kb_link_endpoint_safe ("ipc://zorg.link", err, sizeof err));
    assert_non_null (strstr (err, "absolute"));
    /* a 0700 directory inside one that others may change: they could swap it */
    char inner[64];
    snprintf (inner, sizeof inner, "%s/run", dir);
    assert_int_equal (mkdir (inner, 0700), 0);
    snprintf (ep, sizeof ep, "ipc://%s/zorg.link", inner);
    assert_true (kb_link_endpoint_safe (ep, err, sizeof err));
    assert_int_equal (chmod (dir, 0777), 0);
    assert_false (kb_link_endpoint_safe (ep, err, sizeof err));
    assert_non_null (strstr (err, "may be changed by anybody"));
    assert_int_equal (chmod (dir, 01777), 0); /* sticky, as /tmp: safe */
    assert_true (kb_link_endpoint_safe (ep, err, sizeof err));
    assert_int_equal (chmod (dir, 0700), 0);
    /* a symlink to the good directory, in a directory anybody may change:
       the link could be swapped later */
    char shared[80], link[96];
    snprintf (shared, sizeof shared, "%s/shared", dir);
    snprintf (link, sizeof link, "%s/kb", shared);
    assert_int_equal (mkdir (shared, 0700), 0);
    assert_int_equal (symlink (inner, link), 0);
    snprintf (ep, sizeof ep, "ipc://%s/zorg.link", link);
    assert_true (kb_link_endpoint_safe (ep, err, sizeof err));
    assert_int_equal (chmod (shared, 0777), 0);
    assert_false (kb_link_endpoint_safe (ep, err, sizeof err));
    assert_non_null (strstr (err, "may be changed by anybody"));
    assert_int_equal (unlink (link), 0);
    assert_int_equal (rmdir (shared), 0);
    snprintf (ep, sizeof ep, "ipc://%s/", inner);
    assert_false (kb_link_endpoint_safe (ep, err, sizeof err));
    assert_non_null (strstr (err, "no socket name"));
    assert_int_equal (rmdir (inner), 0);
    assert_int_equal (rmdir (dir), 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_backoff_doubles_and_caps),
        cmocka_unit_test (test_id_valid),
        cmocka_unit_test (test_ack_roundtrip),
        cmocka_unit_test (test_ack_reason_truncated),
        cmocka_unit_test (test_ack_malformed),
        cmocka_unit_test (test_row_send_and_retransmit),
        cmocka_unit_test (test_row_ack_and_dead_are_final),
        cmocka_unit_test (test_in_decide),
        cmocka_unit_test (test_poison_threshold),
        cmocka_unit_test (test_endpoint_safe),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
