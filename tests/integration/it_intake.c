/*  it_intake - the intake door end to end: real PostgreSQL, real intake
    daemon, real CURVE partner clients. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "ketenbus/kb_security.h"

#include <ctype.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static kbt_intake_t *s_intake;

static int
s_setup (void **state)
{
    (void) state;
    s_intake = kbt_intake_setup ("it_intake");
    kbt_intake_start (s_intake, NULL);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    kbt_intake_teardown (&s_intake);
    return 0;
}

static long
s_count (const char *sql)
{
    return kbt_query_long (s_intake->conninfo, sql);
}

/* Every BSN the tests below hand to intake, in whatever field, valid or
   not: test_no_bsn_in_any_table looks for each of them. Only 9-digit
   strings other than 000000000 (which intake's own reject rule names). */
static struct {
    char (*bsn)[10];
    size_t n, cap;
} s_sent;

static void
s_sent_bsn (const char *bsn)
{
    if (!bsn || strlen (bsn) != 9 || strspn (bsn, "0123456789") != 9
        || strcmp (bsn, "000000000") == 0)
        return;
    if (s_sent.n == s_sent.cap) {
        s_sent.cap = s_sent.cap ? s_sent.cap * 2 : 1024;
        s_sent.bsn = realloc (s_sent.bsn, s_sent.cap * sizeof *s_sent.bsn);
        assert_non_null (s_sent.bsn);
    }
    memcpy (s_sent.bsn[s_sent.n++], bsn, 10);
}

static void
s_sent_envelope (const kb_envelope_t *env)
{
    if (env->body_case != KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL || !env->case_signal)
        return;
    const Ketenbus__V1__CaseSignal *signal = env->case_signal;
    if (signal->subject)
        s_sent_bsn (signal->subject->bsn);
    for (size_t i = 0; i < signal->n_household; i++)
        if (signal->household[i])
            s_sent_bsn (signal->household[i]->bsn);
}

/* Sends, noting the BSNs on the way. */
static int
s_send (kb_client_t *client, kb_envelope_t *env)
{
    s_sent_envelope (env);
    return kb_client_send (client, env);
}

/* Sends and waits for the one answer. */
static kb_envelope_t *
s_roundtrip (kb_client_t *client, kb_envelope_t *env)
{
    assert_int_equal (s_send (client, env), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_non_null (reply);
    return reply;
}

static void
test_accepted_then_duplicate (void **state)
{
    (void) state;
    kb_client_t *client = kbt_intake_client (s_intake, KBT_CJG);
    kbt_signal_t s;
    kbt_signal_init (&s, 1);
    long outbox_before = s_count ("SELECT count(*) FROM intake.kb_outbox");
    kb_envelope_t *reply = s_roundtrip (client, &s.env);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    assert_int_equal (reply->ack->status, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    assert_string_equal (reply->ack->message_id, s.message_id);
    assert_string_equal (reply->correlation_id, s.message_id);
    char *ref = strdup (reply->ack->reference);
    assert_int_equal (strlen (ref), 36);
    kb_codec_free (&reply);

    char sql[512];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM intake.signal WHERE ref = '%s' AND sender_org = 'cjg-helmond'", ref);
    assert_int_equal (s_count (sql), 1);
    snprintf (sql, sizeof sql,
              "SELECT cardinality (household_pseudonyms) FROM intake.signal WHERE ref = '%s'"
              " AND household_roles[1] > 0 AND household_birth_dates[1] IS NOT NULL", ref);
    assert_int_equal (s_count (sql), 1);
    assert_int_equal (s_count ("SELECT count(*) FROM intake.kb_outbox"), outbox_before + 1);
    assert_true (s_count ("SELECT count(*) FROM intake.kb_audit WHERE event = 'signal.accepted'") >= 1);

    /* the partner retries: the same answer, marked duplicate, no second row */
    reply = s_roundtrip (client, &s.env);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    assert_int_equal (reply->ack->status, KETENBUS__V1__ACK_STATUS__ACK_STATUS_DUPLICATE);
    assert_string_equal (reply->ack->reference, ref);
    kb_codec_free (&reply);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.signal WHERE message_id = '%s'", s.message_id);
    assert_int_equal (s_count (sql), 1);
    assert_int_equal (s_count ("SELECT count(*) FROM intake.kb_outbox"), outbox_before + 1);

    /* the same id with other content is refused with the iStandaarden code */
    s.signal.urgency = KETENBUS__V1__URGENCY__URGENCY_VERHOOGD;
    reply = s_roundtrip (client, &s.env);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_REJECT);
    assert_string_equal (reply->reject->code, "9056");
    assert_string_equal (reply->reject->field, "message_id");
    kb_codec_free (&reply);
    assert_int_equal (s_count (sql), 1);
    free (ref);
    kb_client_destroy (&client);
}

/* The household on the signal row: every member once, in the signal's
   order, even when a partner names a person twice. */
static void
test_household_stored_on_the_signal (void **state)
{
    (void) state;
    kb_client_t *client = kbt_intake_client (s_intake, KBT_CJG);
    kbt_signal_t s;
    kbt_signal_init (&s, 4200);
    Ketenbus__V1__Person sibling = s.member;
    char sibling_bsn[10];
    kbt_make_bsn (9999, sibling_bsn);
    sibling.bsn = sibling_bsn;
    sibling.birth_date = "2015-06-01";
    sibling.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND;
    Ketenbus__V1__Person *members[3] = { &s.member, &sibling, &s.member };
    s.signal.household = members;
    s.signal.n_household = 3;
    kb_envelope_t *reply = s_roundtrip (client, &s.env);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    assert_int_equal (reply->ack->status, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    char sql[512];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM intake.signal WHERE ref = '%s'"
              " AND cardinality (household_pseudonyms) = 2"
              " AND household_birth_dates = '{1984-02-29,2015-06-01}'"
              " AND household_roles = '{%d,%d}'"
              " AND household_pseudonyms[1] <> household_pseudonyms[2]"
              " AND length (household_pseudonyms[2]) = 64",
              reply->ack->reference, (int) KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER,
              (int) KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND);
    assert_int_equal (s_count (sql), 1);
    /* the table itself refuses anything but a pseudonym as a member
       (migration 0008): a BSN in its place is a check violation */
    char attempt[1024];
    snprintf (attempt, sizeof attempt,
              "DO $$ BEGIN"
              " UPDATE intake.signal SET household_pseudonyms = '{999999990,%s}'"
              "  WHERE ref = '%s';"
              " RAISE EXCEPTION 'a BSN was stored as a household member';"
              " EXCEPTION WHEN check_violation THEN NULL; END $$",
              "0000000000000000000000000000000000000000000000000000000000000000",
              reply->ack->reference);
    kbt_exec (s_intake->conninfo, attempt);
    kb_codec_free (&reply);
    kb_client_destroy (&client);
}

typedef void (s_mutate_fn) (kbt_signal_t *s);
static void m_bsn_elfproef (kbt_signal_t *s) { s->subject.bsn = "123456781"; }
static void m_bsn_zero (kbt_signal_t *s) { s->subject.bsn = "000000000"; }
static void m_bsn_short (kbt_signal_t *s) { s->subject.bsn = "12345678"; }
static void m_bsn_missing (kbt_signal_t *s) { s->subject.bsn = ""; }
static void m_member_bsn (kbt_signal_t *s) { s->member.bsn = "111222334"; }
static void m_birth_feb30 (kbt_signal_t *s) { s->subject.birth_date = "2012-02-30"; }
static void m_future (kbt_signal_t *s) { s->signal.signal_date = "2199-01-01"; }
static void m_gemeente (kbt_signal_t *s) { s->signal.gemeente_code = "0363"; }
static void m_gemeente_format (kbt_signal_t *s) { s->signal.gemeente_code = "79"; }
static void m_postcode (kbt_signal_t *s) { s->signal.postcode = "0123 AB"; }
static void m_category (kbt_signal_t *s) { s->categories[0] = (Ketenbus__V1__Category) 99; }
static void m_no_category (kbt_signal_t *s) { s->signal.n_categories = 0; }
static void m_urgency (kbt_signal_t *s) { s->signal.urgency = 0; }
static void m_utf8 (kbt_signal_t *s) { s->signal.partner_case_ref = "CASE-\xc0\xaf"; }
static void m_long_ref (kbt_signal_t *s)
{
    static char ref[80];
    memset (ref, 'x', sizeof ref - 1);
    ref[79] = 0;
    s->signal.partner_case_ref = ref;
}
/* The subject's BSN as a case system's client number: refused, and only
   the sealed raw bytes in quarantine hold it (test_no_bsn_in_any_table) */
static void m_ref_bsn (kbt_signal_t *s)
{
    static char ref[32];
    snprintf (ref, sizeof ref, "CASE-%s", s->subject.bsn);
    s->signal.partner_case_ref = ref;
}
static void m_signal_date_old (kbt_signal_t *s) { s->signal.signal_date = "2001-01-01"; }
/* 1900 is the first year read as a date at all (before it: KB11) */
static void m_birth_old (kbt_signal_t *s) { s->subject.birth_date = "1901-01-01"; }
/* One member more than intake takes (INTAKE_MAX_HOUSEHOLD, 20). The limit
   is checked before the members, so the same one may stand 21 times. */
static void m_household_21 (kbt_signal_t *s)
{
    static Ketenbus__V1__Person *members[21];
    for (size_t i = 0; i < 21; i++)
        members[i] = &s->member;
    s->signal.household = members;
    s->signal.n_household = 21;
}
/* One category more than intake takes (INTAKE_MAX_CATEGORIES, 8), each
   one known */
static void m_categories_9 (kbt_signal_t *s)
{
    static Ketenbus__V1__Category categories[9];
    for (size_t i = 0; i < 9; i++)
        categories[i] = (Ketenbus__V1__Category) (i + 1);
    s->signal.categories = categories;
    s->signal.n_categories = 9;
}
static void m_message_id (kbt_signal_t *s) { s->env.message_id = "NOT-A-UUID"; }
static void m_role (kbt_signal_t *s) { s->member.role = 0; }
static void m_phone (kbt_signal_t *s) { s->signal.contact_phone = "call me"; }

static const struct {
    const char *name;
    s_mutate_fn *mutate;
    const char *code;
    const char *field;
} s_rejects[] = {
    { "bsn fails elfproef", m_bsn_elfproef, "KB10", "case_signal.subject.bsn" },
    { "bsn 000000000", m_bsn_zero, "KB10", "case_signal.subject.bsn" },
    { "bsn 8 digits", m_bsn_short, "KB10", "case_signal.subject.bsn" },
    { "bsn missing", m_bsn_missing, "KB15", "case_signal.subject.bsn" },
    { "member bsn", m_member_bsn, "KB10", "case_signal.household[0].bsn" },
    { "birth date 30 feb", m_birth_feb30, "KB11", "case_signal.subject.birth_date" },
    { "signal date in future", m_future, "8848", "case_signal.signal_date" },
    { "signal date too old", m_signal_date_old, "KB19", "case_signal.signal_date" },
    { "birth date too old", m_birth_old, "KB19", "case_signal.subject.birth_date" },
    { "gemeente outside region", m_gemeente, "S300", "case_signal.gemeente_code" },
    { "gemeente format", m_gemeente_format, "S300", "case_signal.gemeente_code" },
    { "postcode", m_postcode, "KB12", "case_signal.postcode" },
    { "unknown category", m_category, "KB13", "case_signal.categories" },
    { "no category", m_no_category, "KB15", "case_signal.categories" },
    { "9 categories", m_categories_9, "KB21", "case_signal.categories" },
    { "21 household members", m_household_21, "KB21", "case_signal.household" },
    { "urgency unspecified", m_urgency, "KB13", "case_signal.urgency" },
    { "invalid utf-8", m_utf8, "KB14", "case_signal.partner_case_ref" },
    { "case ref too long", m_long_ref, "KB14", "case_signal.partner_case_ref" },
    { "case ref holds a BSN", m_ref_bsn, "KB14", "case_signal.partner_case_ref" },
    { "message id format", m_message_id, "KB16", "message_id" },
    { "member role", m_role, "KB13", "case_signal.household[0].role" },
    { "phone", m_phone, "KB14", "case_signal.contact_phone" },
};

static void
test_each_reject_code_and_quarantine (void **state)
{
    (void) state;
    kb_client_t *client = kbt_intake_client (s_intake, KBT_CJG);
    for (size_t i = 0; i < sizeof s_rejects / sizeof s_rejects[0]; i++) {
        kbt_signal_t s;
        kbt_signal_init (&s, 100 + (uint32_t) i);
        s_rejects[i].mutate (&s);
        long q_before = s_count ("SELECT count(*) FROM intake.quarantine");
        long sig_before = s_count ("SELECT count(*) FROM intake.signal");
        kb_envelope_t *reply = s_roundtrip (client, &s.env);
        if (reply->body_case != KETENBUS__V1__ENVELOPE__BODY_REJECT)
            fail_msg ("%s: expected a reject", s_rejects[i].name);
        if (strcmp (reply->reject->code, s_rejects[i].code) != 0
            || strcmp (reply->reject->field, s_rejects[i].field) != 0)
            fail_msg ("%s: got code=%s field=%s, want code=%s field=%s", s_rejects[i].name,
                      reply->reject->code, reply->reject->field, s_rejects[i].code,
                      s_rejects[i].field);
        assert_true (strlen (reply->reject->rule) > 5);
        kb_codec_free (&reply);
        assert_int_equal (s_count ("SELECT count(*) FROM intake.quarantine"), q_before + 1);
        assert_int_equal (s_count ("SELECT count(*) FROM intake.signal"), sig_before);
        char sql[256];
        snprintf (sql, sizeof sql,
                  "SELECT count(*) FROM intake.quarantine WHERE id = (SELECT max(id) FROM intake.quarantine) "
                  "AND code = '%s' AND sender_org = 'cjg-helmond' AND size > 0",
                  s_rejects[i].code);
        assert_int_equal (s_count (sql), 1);
    }
    kb_client_destroy (&client);
}

/* The KB21 limits are the first number refused: 20 members and 8
   categories are still accepted. */
static void
test_limits_themselves_accepted (void **state)
{
    (void) state;
    kb_client_t *client = kbt_intake_client (s_intake, KBT_CJG);
    kbt_signal_t s;
    kbt_signal_init (&s, 4201);
    Ketenbus__V1__Person *members[20];
    for (size_t i = 0; i < 20; i++)
        members[i] = &s.member;
    s.signal.household = members;
    s.signal.n_household = 20;
    Ketenbus__V1__Category categories[8];
    for (size_t i = 0; i < 8; i++)
        categories[i] = (Ketenbus__V1__Category) (i + 1);
    s.signal.categories = categories;
    s.signal.n_categories = 8;
    kb_envelope_t *reply = s_roundtrip (client, &s.env);
    bool rejected = reply->body_case == KETENBUS__V1__ENVELOPE__BODY_REJECT;
    if (reply->body_case != KETENBUS__V1__ENVELOPE__BODY_ACK)
        fail_msg ("20 members and 8 categories refused: code=%s field=%s",
                  rejected ? reply->reject->code : "", rejected ? reply->reject->field : "");
    assert_int_equal (reply->ack->status, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    kb_codec_free (&reply);
    kb_client_destroy (&client);
}

static void
test_organisation_type_not_allowed (void **state)
{
    (void) state;
    kb_client_t *client = kbt_intake_client (s_intake, KBT_GEMEENTE);
    kbt_signal_t s;
    kbt_signal_init (&s, 300);
    kb_envelope_t *reply = s_roundtrip (client, &s.env);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_REJECT);
    assert_string_equal (reply->reject->code, "KB17");
    kb_codec_free (&reply);
    kb_client_destroy (&client);
}

static void
test_garbage_and_unknown_bodies_survived (void **state)
{
    (void) state;
    kb_client_t *client = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kb_envelope_t *reply = NULL;
    /* random bytes */
    uint8_t junk[512];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t) (i * 7919u + 13u);
    assert_int_equal (kb_client_send_raw (client, junk, sizeof junk), 0);
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_REJECT);
    assert_string_equal (reply->reject->code, "0001");
    kb_codec_free (&reply);
    /* empty frame */
    assert_int_equal (kb_client_send_raw (client, "", 0), 0);
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_string_equal (reply->reject->code, "0001");
    kb_codec_free (&reply);
    /* truncated valid message */
    kbt_signal_t s;
    kbt_signal_init (&s, 400);
    size_t len = 0;
    s_sent_envelope (&s.env);
    uint8_t *bytes = kb_codec_encode (&s.env, &len);
    assert_int_equal (kb_client_send_raw (client, bytes, len / 2), 0);
    free (bytes);
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_string_equal (reply->reject->code, "0001");
    kb_codec_free (&reply);
    /* a multi-frame message */
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "one");
    zmsg_addstr (msg, "two");
    zmsg_addstr (msg, "three");
    assert_int_equal (zmsg_send (&msg, kb_client_socket (client)), 0);
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_string_equal (reply->reject->code, "0001");
    kb_codec_free (&reply);
    /* a well-formed envelope whose body intake does not accept */
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__Ack ack = KETENBUS__V1__ACK__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    reply = s_roundtrip (client, &env);
    assert_string_equal (reply->reject->code, "KB20");
    kb_codec_free (&reply);
    /* an envelope without a body (what a newer schema's body looks like) */
    kb_envelope_t empty = KETENBUS__V1__ENVELOPE__INIT;
    reply = s_roundtrip (client, &empty);
    assert_string_equal (reply->reject->code, "0001");
    kb_codec_free (&reply);
    /* a message id that is not even UTF-8 (or a BSN put there by mistake):
       rejected, and neither stored in clear nor able to block the batch */
    kbt_signal_init (&s, 402);
    s.env.message_id = "\xf0\x80-123456782";
    s_sent_bsn ("123456782");
    reply = s_roundtrip (client, &s.env);
    assert_string_equal (reply->reject->code, "KB16");
    kb_codec_free (&reply);
    assert_int_equal (s_count ("SELECT count(*) FROM intake.quarantine WHERE message_id LIKE '%123456782%'"), 0);
    /* and the door still works */
    kbt_signal_init (&s, 401);
    s.signal.gemeente_code = "0762";
    reply = s_roundtrip (client, &s.env);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    kb_codec_free (&reply);
    kb_client_destroy (&client);
}

static void
test_oversized_frame_dropped_others_served (void **state)
{
    (void) state;
    kb_client_t *big = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kb_client_t *other = kbt_intake_client (s_intake, KBT_CJG);
    size_t len = 4 * 1024 * 1024;
    uint8_t *blob = calloc (1, len);
    assert_int_equal (kb_client_send_raw (big, blob, len), 0);
    free (blob);
    kb_envelope_t *reply = NULL;
    /* libzmq drops the connection at ZMQ_MAXMSGSIZE: no answer */
    assert_int_equal (kb_client_recv (big, 1500, &reply), -1);
    kbt_signal_t s;
    kbt_signal_init (&s, 500);
    reply = s_roundtrip (other, &s.env);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    kb_codec_free (&reply);
    assert_int_equal (kbt_wait (s_intake->pid, 0), -1); /* still running */
    /* the drop is logged (once per 10 s, counted) */
    int64_t deadline = kbt_now_ms () + 5000;
    while (kbt_intake_log_count (s_intake, "partner connections dropped") < 1
           && kbt_now_ms () < deadline)
        kbt_sleep_ms (100);
    assert_true (kbt_intake_log_count (s_intake, "partner connections dropped") >= 1);
    kb_client_destroy (&big);
    kb_client_destroy (&other);
}

/* No answer at all: the handshake was refused. */
static void
s_assert_refused (kb_client_t *client, uint32_t n)
{
    kbt_signal_t s;
    kbt_signal_init (&s, n);
    assert_int_equal (s_send (client, &s.env), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 1500, &reply), -1);
    assert_null (reply);
}

static void
test_unknown_key_and_plain_client_refused (void **state)
{
    (void) state;
    kb_client_t *stranger = kbt_intake_client_cert (s_intake, s_intake->stranger_cert);
    s_assert_refused (stranger, 600);
    kb_client_destroy (&stranger);
    char err[128];
    kb_client_t *plain = kb_client_new (s_intake->endpoint, NULL, NULL, err, sizeof err);
    assert_non_null (plain);
    s_assert_refused (plain, 601);
    kb_client_destroy (&plain);
    assert_true (kbt_intake_log_count (s_intake, "unknown or revoked key") >= 1);
    /* a client that keeps coming back (it reconnects every few hundred
       ms) is logged once, not once per attempt */
    long before = kbt_intake_log_count (s_intake, "unknown or revoked key");
    stranger = kbt_intake_client_cert (s_intake, s_intake->stranger_cert);
    s_assert_refused (stranger, 602);
    kbt_sleep_ms (1500);
    kb_client_destroy (&stranger);
    assert_int_equal (kbt_intake_log_count (s_intake, "unknown or revoked key"), before);
}

/* Sends signals n, n + 1, ... on client until one gets KB18 (the sender's
   key no longer counts) or timeout_ms pass; whether it did. */
static bool
s_refused_kb18_within (kb_client_t *client, uint32_t *n, int timeout_ms)
{
    int64_t since = kbt_now_ms ();
    bool refused = false;
    while (!refused && kbt_now_ms () - since < timeout_ms) {
        kbt_signal_t s;
        kbt_signal_init (&s, (*n)++);
        kb_envelope_t *reply = s_roundtrip (client, &s.env);
        refused = reply->body_case == KETENBUS__V1__ENVELOPE__BODY_REJECT
                  && strcmp (reply->reject->code, "KB18") == 0;
        kb_codec_free (&reply);
        if (!refused)
            kbt_sleep_ms (100);
    }
    return refused;
}

static void
test_revoked_key_refused_within_seconds (void **state)
{
    (void) state;
    kb_client_t *client = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
    kbt_signal_t s;
    kbt_signal_init (&s, 700);
    s.signal.urgency = KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG;
    kb_envelope_t *reply = s_roundtrip (client, &s.env);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    kb_codec_free (&reply);

    kbt_exec (s_intake->conninfo,
              "UPDATE intake.partner SET revoked_at = now() WHERE org_id = 'veiligthuis-peel'");
    int64_t revoked_at = kbt_now_ms ();
    /* the open connection: refused from the next registry refresh on */
    uint32_t n = 701;
    assert_true (s_refused_kb18_within (client, &n, 5000));
    assert_true (kbt_now_ms () - revoked_at < 5000);
    kb_client_destroy (&client);
    /* a new connection with the revoked key is refused at the handshake
       once the ZAP handler's own registry copy is refreshed too - within
       the same seconds, not necessarily at the same moment */
    bool refused = false;
    while (!refused && kbt_now_ms () - revoked_at < 8000) {
        client = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
        kbt_signal_init (&s, n++);
        assert_int_equal (s_send (client, &s.env), 0);
        reply = NULL;
        refused = kb_client_recv (client, 1500, &reply) == -1;
        if (!refused) {
            /* answered: the message itself must have been refused */
            assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_REJECT);
            assert_string_equal (reply->reject->code, "KB18");
            kb_codec_free (&reply);
        }
        kb_client_destroy (&client);
    }
    assert_true (refused);
    kbt_exec (s_intake->conninfo,
              "UPDATE intake.partner SET revoked_at = NULL WHERE org_id = 'veiligthuis-peel'");

    /* a new key for the organisation (ketenctl partner rekey): a
       connection made with the old one is refused from the next registry
       reload, though the organisation itself is active */
    char *old_key = kbt_query_str (s_intake->conninfo, "SELECT public_key FROM intake.partner"
                                                       " WHERE org_id = 'veiligthuis-peel'");
    assert_non_null (old_key);
    bool served = false;
    for (int i = 0; i < 50 && !served; i++) {
        client = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
        kbt_signal_init (&s, n++);
        assert_int_equal (s_send (client, &s.env), 0);
        reply = NULL;
        if (kb_client_recv (client, 1500, &reply) == 0)
            served = reply->body_case == KETENBUS__V1__ENVELOPE__BODY_ACK;
        kb_codec_free (&reply);
        if (!served)
            kb_client_destroy (&client);
    }
    assert_true (served);
    kbt_exec (s_intake->conninfo, "UPDATE intake.partner SET public_key = "
                                  "'rekeyedrekeyedrekeyedrekeyedrekeyed12345'"
                                  " WHERE org_id = 'veiligthuis-peel'");
    assert_true (s_refused_kb18_within (client, &n, 5000));
    kb_client_destroy (&client);
    char sql[256];
    snprintf (sql, sizeof sql,
              "UPDATE intake.partner SET public_key = '%s' WHERE org_id = 'veiligthuis-peel'",
              old_key);
    kbt_exec (s_intake->conninfo, sql);
    free (old_key);
    kbt_sleep_ms (1500); /* both registry copies (intake's, ZAP's) have the key back */
}

static void
test_pipelined_client_gets_every_answer (void **state)
{
    (void) state;
    kb_client_t *client = kbt_intake_client (s_intake, KBT_CJG);
    enum { N = 500 };
    static kbt_signal_t s[N];
    for (int i = 0; i < N; i++) {
        kbt_signal_init (&s[i], 1000 + (uint32_t) i);
        assert_int_equal (s_send (client, &s[i].env), 0);
    }
    int acks = 0;
    for (int i = 0; i < N; i++) {
        kb_envelope_t *reply = NULL;
        assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
        if (reply->body_case == KETENBUS__V1__ENVELOPE__BODY_ACK)
            acks++;
        kb_codec_free (&reply);
    }
    assert_int_equal (acks, N);
    kb_client_destroy (&client);
}

static int
s_bsn_cmp (const void *a, const void *b)
{
    return memcmp (a, b, 9);
}

/* Whether the 9 characters at p are all digits and one of the sent BSNs. */
static bool
s_is_sent (const char *p)
{
    for (int i = 0; i < 9; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return bsearch (p, s_sent.bsn, s_sent.n, sizeof *s_sent.bsn, s_bsn_cmp) != NULL;
}

static bool
s_alnum (char c)
{
    return isalnum ((unsigned char) c) != 0;
}

/* The first sent BSN in text standing as a number of its own, or NULL.
   A window inside a longer run of letters and digits (a pseudonym, a uuid,
   a hash) is skipped: the dump holds some 9,000 such 9-digit windows, and
   thousands of numbers to look for would match one of them by chance. */
static const char *
s_find_in_text (const char *text, size_t len)
{
    for (size_t i = 0; i + 9 <= len; i++)
        if ((i == 0 || !s_alnum (text[i - 1])) && (i + 9 == len || !s_alnum (text[i + 9]))
            && s_is_sent (text + i))
            return text + i;
    return NULL;
}

/* The first sent BSN anywhere in bytes (random bytes hold no run of 9
   digits to speak of, so here any window counts), or NULL. */
static const char *
s_find_in_bytes (const char *bytes, size_t len)
{
    for (size_t i = 0; i + 9 <= len; i++)
        if (s_is_sent (bytes + i))
            return bytes + i;
    return NULL;
}

static int
s_hex (char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Whether a pg_dump --inserts text holds a sent BSN: in a bytea value
   ('\x...') as ASCII bytes, or in the rest as text. Blanks the bytea
   values on the way; out gets the BSN found. */
static bool
s_dump_holds_sent_bsn (char *text, char out[10], bool *in_bytea)
{
    size_t len = strlen (text);
    char *bytes = malloc (len / 2 + 1);
    assert_non_null (bytes);
    const char *found = NULL;
    for (char *p = text; !found && (p = strstr (p, "'\\x")) != NULL;) {
        char *hex = p + 3;
        size_t n = 0;
        while (s_hex (hex[2 * n]) >= 0 && s_hex (hex[2 * n + 1]) >= 0) {
            bytes[n] = (char) (s_hex (hex[2 * n]) * 16 + s_hex (hex[2 * n + 1]));
            n++;
        }
        found = s_find_in_bytes (bytes, n);
        *in_bytea = found != NULL;
        memset (hex, ' ', 2 * n);
        p = hex + 2 * n;
    }
    if (!found)
        found = s_find_in_text (text, len);
    if (found)
        snprintf (out, 10, "%.9s", found);
    free (bytes);
    return found != NULL;
}

static char *
s_read_file (const char *path)
{
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    FILE *f = fopen (path, "r");
    assert_non_null (f);
    char *text = calloc (1, (size_t) st.st_size + 1);
    assert_non_null (text);
    assert_int_equal (fread (text, 1, (size_t) st.st_size, f), (size_t) st.st_size);
    fclose (f);
    return text;
}

/* Runs last: every BSN the tests above sent, accepted or rejected, is in
   neither the database (grep the dump) nor intake's log. */
static void
test_no_bsn_in_any_table (void **state)
{
    (void) state;
    qsort (s_sent.bsn, s_sent.n, sizeof *s_sent.bsn, s_bsn_cmp);
    /* the subjects and members of the 500 pipelined signals at least */
    assert_true (s_sent.n >= 1000);
    /* the search finds a sent BSN where one would be */
    char probe[256], bsn[10];
    bool in_bytea = false;
    snprintf (probe, sizeof probe, "INSERT INTO t VALUES (1, 'CASE-%.9s', '\\x00');",
              s_sent.bsn[0]);
    assert_true (s_dump_holds_sent_bsn (probe, bsn, &in_bytea));
    assert_string_equal (bsn, s_sent.bsn[0]);
    assert_false (in_bytea);
    snprintf (probe, sizeof probe, "INSERT INTO t VALUES (1, '\\x0a09%s', 'ab%.9s');",
              "313233343536373832", s_sent.bsn[0]);
    assert_true (s_dump_holds_sent_bsn (probe, bsn, &in_bytea));
    assert_string_equal (bsn, "123456782");
    assert_true (in_bytea);

    char *dump = kbt_var_path ("it_intake-dump");
    char cmd[2048];
    snprintf (cmd, sizeof cmd,
              "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_dump --data-only "
              "--inserts '%s' > '%s/dump.sql'",
              s_intake->conninfo, dump);
    assert_int_equal (system (cmd), 0);
    snprintf (cmd, sizeof cmd, "%s/dump.sql", dump);
    char *text = s_read_file (cmd);
    assert_true (strlen (text) > 1000);
    if (s_dump_holds_sent_bsn (text, bsn, &in_bytea))
        fail_msg ("bsn %s found in the database dump%s", bsn,
                  in_bytea ? " (in a bytea value)" : "");
    free (text);
    free (dump);

    text = s_read_file (s_intake->log);
    assert_true (strstr (text, "intake serving") != NULL);
    const char *found = s_find_in_text (text, strlen (text));
    if (found)
        fail_msg ("bsn %.9s found in intake's log", found);
    free (text);
    free (s_sent.bsn);
    memset (&s_sent, 0, sizeof s_sent);
}

static void
test_refuses_unsafe_pseudonym_key (void **state)
{
    (void) state;
    char *other = kbt_var_path ("it_intake-keys");
    char path[1024];
    snprintf (path, sizeof path, "%s/open.key", other);
    FILE *f = fopen (path, "w");
    fputs ("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", f);
    fclose (f);
    chmod (path, 0644);
    char env[1100];
    snprintf (env, sizeof env, "KETENBUS_PSEUDONYM_KEY_FILE=%s", path);
    const char *e1[] = { env, "KETENBUS_INTAKE_ENDPOINT=ipc://@kb-it-intake-refuse", NULL };
    assert_int_not_equal (kbt_intake_start_expect_exit (s_intake, e1, 10000), 0);
    assert_true (kbt_intake_log_count (s_intake, "accessible by group or others") >= 1);
    chmod (path, 0600);
    f = fopen (path, "w");
    fputs ("0011223344\n", f);
    fclose (f);
    assert_int_not_equal (kbt_intake_start_expect_exit (s_intake, e1, 10000), 0);
    assert_true (kbt_intake_log_count (s_intake, "must hold at least 32 bytes") >= 1);
    snprintf (env, sizeof env, "KETENBUS_PSEUDONYM_KEY_FILE=%s/missing.key", other);
    assert_int_not_equal (kbt_intake_start_expect_exit (s_intake, e1, 10000), 0);
    assert_true (kbt_intake_log_count (s_intake, "is missing") >= 1);
    free (other);
    /* a registry age limit below two reloads would refuse partners most
       of the time: a configuration error naming the key */
    const char *e2[] = { "KETENBUS_SECURITY_REFRESH_MS=1000", "KETENBUS_SECURITY_MAX_AGE_MS=1500",
                         "KETENBUS_INTAKE_ENDPOINT=ipc://@kb-it-intake-refuse", NULL };
    assert_int_equal (kbt_intake_start_expect_exit (s_intake, e2, 10000), 2);
    assert_true (kbt_intake_log_count (s_intake, "invalid value for key \"security/max_age_ms\"")
                 >= 1);
}

/* (inproc skips security mechanisms altogether, so this uses ipc.)
   Without a ZAP handler, a CURVE server socket refuses even a client that
   knows its key (ZMQ_ZAP_ENFORCE_DOMAIN): security fails closed. */
static void
test_no_zap_handler_refused (void **state)
{
    (void) state;
    zcert_t *server = zcert_new ();
    zcert_t *client_cert = zcert_new ();
    char err[256];
    kb_socket_opts_t opts = { .max_message_bytes = 65536 };
    zsock_t *router = kb_security_server_new ("ipc://@kb-it-no-zap", server, &opts, err, sizeof err);
    assert_non_null (router);
    zsock_t *dealer = kb_security_client_new ("ipc://@kb-it-no-zap", client_cert,
                                              zcert_public_txt (server), &opts);
    assert_non_null (dealer);
    zstr_send (dealer, "hello");
    zpoller_t *poller = zpoller_new (router, NULL);
    assert_null (zpoller_wait (poller, 1000));
    zpoller_destroy (&poller);
    zsock_destroy (&dealer);
    zsock_destroy (&router);
    zcert_destroy (&client_cert);
    zcert_destroy (&server);
}

static void
test_sigterm_exits_cleanly (void **state)
{
    (void) state;
    kb_client_t *client = kbt_intake_client (s_intake, KBT_CJG);
    enum { N = 200 };
    static kbt_signal_t s[N];
    for (int i = 0; i < N; i++) {
        kbt_signal_init (&s[i], 3000 + (uint32_t) i);
        s_send (client, &s[i].env);
    }
    int answered = 0;
    kb_envelope_t *reply = NULL;
    while (answered < 20 && kb_client_recv (client, 5000, &reply) == 0) {
        kb_codec_free (&reply);
        answered++;
    }
    kill (s_intake->pid, SIGTERM);
    int status = kbt_wait (s_intake->pid, 15000);
    s_intake->pid = 0;
    assert_int_equal (status, 0);
    /* every answered signal is stored */
    while (kb_client_recv (client, 200, &reply) == 0) {
        kb_codec_free (&reply);
        answered++;
    }
    long stored = s_count ("SELECT count(*) FROM intake.signal WHERE partner_case_ref LIKE 'CASE-3%'");
    assert_true (stored >= answered);
    assert_true (kbt_intake_log_count (s_intake, "intake stopping") >= 1);
    kb_client_destroy (&client);
    kbt_intake_start (s_intake, NULL);
}

/* The date of t in a zone offset_h hours east of UTC. */
static void
s_date_at (time_t t, int offset_h, char out[11])
{
    time_t shifted = t + offset_h * 3600;
    struct tm tm;
    gmtime_r (&shifted, &tm);
    strftime (out, 11, "%Y-%m-%d", &tm);
}

/* "Not in the future" is the daemon's local date: a signal dated today is
   accepted from local midnight on, while the UTC date is still yesterday
   (the first hour or two in the Netherlands). Chosen by the hour so that
   the local and UTC dates differ whenever the test runs: UTC+14 from 10:00
   UTC, else UTC-12, where the UTC date is the local tomorrow. */
static void
test_future_is_measured_in_local_time (void **state)
{
    (void) state;
    time_t now = time (NULL);
    struct tm utc;
    gmtime_r (&now, &utc);
    bool east = utc.tm_hour >= 10;
    kbt_intake_stop (s_intake, SIGTERM);
    const char *env[] = { east ? "TZ=KBT-14" : "TZ=KBT+12", NULL };
    kbt_intake_start (s_intake, env);
    kb_client_t *client = kbt_intake_client (s_intake, KBT_CJG);

    char local_today[11], utc_today[11];
    s_date_at (now, east ? 14 : -12, local_today);
    s_date_at (now, 0, utc_today);
    assert_string_not_equal (local_today, utc_today);
    kbt_signal_t s;
    kbt_signal_init (&s, 4100);
    s.signal.signal_date = local_today;
    kb_envelope_t *reply = s_roundtrip (client, &s.env);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    assert_int_equal (reply->ack->status, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    kb_codec_free (&reply);
    if (!east) {
        /* the UTC date is tomorrow here */
        kbt_signal_init (&s, 4101);
        s.signal.signal_date = utc_today;
        reply = s_roundtrip (client, &s.env);
        assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_REJECT);
        assert_string_equal (reply->reject->code, "8848");
        assert_string_equal (reply->reject->field, "case_signal.signal_date");
        kb_codec_free (&reply);
    }
    kb_client_destroy (&client);
    kbt_intake_stop (s_intake, SIGTERM);
    kbt_intake_start (s_intake, NULL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_accepted_then_duplicate),
        cmocka_unit_test (test_household_stored_on_the_signal),
        cmocka_unit_test (test_each_reject_code_and_quarantine),
        cmocka_unit_test (test_limits_themselves_accepted),
        cmocka_unit_test (test_organisation_type_not_allowed),
        cmocka_unit_test (test_garbage_and_unknown_bodies_survived),
        cmocka_unit_test (test_oversized_frame_dropped_others_served),
        cmocka_unit_test (test_unknown_key_and_plain_client_refused),
        cmocka_unit_test (test_revoked_key_refused_within_seconds),
        cmocka_unit_test (test_pipelined_client_gets_every_answer),
        cmocka_unit_test (test_refuses_unsafe_pseudonym_key),
        cmocka_unit_test (test_no_zap_handler_refused),
        cmocka_unit_test (test_sigterm_exits_cleanly),
        cmocka_unit_test (test_future_is_measured_in_local_time),
        cmocka_unit_test (test_no_bsn_in_any_table),
    };
    return cmocka_run_group_tests_name ("it_intake", tests, s_setup, s_teardown);
}
