/*  it_mailbox - partner mailboxes end to end: signals through the real
    intake and zorgtoewijzing, whose messages for partners come back over
    the link into intake's durable mailboxes and are pushed to connected
    partners, in order, until acknowledged; an offline partner gets
    everything when it comes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "kb_test_zorg.h"

#include "ketenbus/kb_uuid.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kbt_intake_t *s_intake;
static kbt_zorg_t *s_zorg;

static int
s_setup (void **state)
{
    (void) state;
    s_intake = kbt_intake_setup ("it_mailbox");
    s_zorg = kbt_zorg_setup (s_intake);
    /* a message that cannot be queued is dead-lettered after a few quick
       attempts (test_unwritable_row_fails_only_its_message) */
    static const char *const intake_env[] = { "KETENBUS_LINK_MAX_ATTEMPTS=3", NULL };
    static const char *const zorg_env[] = { "KETENBUS_LINK_RETRANSMIT_MS=100",
                                            "KETENBUS_LINK_RETRANSMIT_MAX_MS=300", NULL };
    kbt_intake_start (s_intake, intake_env);
    kbt_zorg_start (s_zorg, zorg_env);
    static const char *types[KBT_PARTNERS] = { "cjg", "veilig-thuis", "gemeente", "wijkteam" };
    static const char *gemeenten[KBT_PARTNERS] = { "0794", "", "0794", "0762" };
    for (int i = 0; i < KBT_PARTNERS; i++)
        kbt_zorg_directory (s_zorg, s_intake->partner_org[i], types[i], "centrum", gemeenten[i]);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    kbt_zorg_teardown (&s_zorg);
    kbt_intake_teardown (&s_intake);
    return 0;
}

static void
s_signal (kb_client_t *client, uint32_t n, const char *gemeente, bool minor)
{
    kbt_signal_t s;
    kbt_signal_init (&s, n);
    s.signal.gemeente_code = (char *) gemeente;
    if (!minor)
        s.subject.birth_date = "1970-03-03";
    assert_int_equal (kb_client_send (client, &s.env), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    kb_codec_free (&reply);
}

typedef struct {
    uint64_t seqs[4096];
    char ids[4096][37];
    int n;
} s_received_t;

/* Reads Delivers until nothing arrives for quiet_ms; acknowledges the last
   one when ack is set. Checks every inner envelope is for org. */
static void
s_drain (kb_client_t *client, const char *org, s_received_t *got, int quiet_ms, bool ack)
{
    kb_envelope_t *env = NULL;
    while (kb_client_recv (client, quiet_ms, &env) == 0) {
        if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_DELIVER && got->n < 4096) {
            kb_envelope_t *inner = NULL;
            assert_int_equal (kb_codec_decode (env->deliver->envelope.data,
                                               env->deliver->envelope.len, 1 << 20, &inner),
                              KB_CODEC_OK);
            /* every body for a partner names it; intake routed by that name */
            const char *to = inner->body_case == KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION
                                 ? inner->match_notification->to_org
                             : inner->body_case == KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT
                                 ? inner->regie_assignment->to_org
                                 : NULL;
            assert_non_null (to);
            assert_string_equal (to, org);
            got->seqs[got->n] = env->deliver->mailbox_seq;
            snprintf (got->ids[got->n], 37, "%s", inner->message_id);
            got->n++;
            kb_codec_free (&inner);
            if (ack)
                kb_client_delivery_ack (client, env->deliver->mailbox_seq);
        }
        kb_codec_free (&env);
    }
}

static void
s_assert_in_order_once (const s_received_t *got, uint64_t first)
{
    for (int i = 0; i < got->n; i++) {
        assert_int_equal (got->seqs[i], first + (uint64_t) i);
        for (int k = 0; k < i; k++)
            if (strcmp (got->ids[k], got->ids[i]) == 0)
                fail_msg ("message %s delivered twice", got->ids[i]);
    }
}

static kb_client_t *
s_mailbox_client (int partner, uint64_t from)
{
    kb_client_t *client = kbt_intake_client (s_intake, partner);
    assert_int_equal (kb_client_replay (client, from), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    /* the Replay is confirmed first, then the Delivers follow */
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    assert_string_equal (reply->ack->reference, "mailbox");
    kb_codec_free (&reply);
    return client;
}

static void
test_connected_partner_gets_its_messages_in_order (void **state)
{
    (void) state;
    kb_client_t *mailbox = s_mailbox_client (KBT_CJG, 0);
    kb_client_t *wijkteam = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    /* a gezin with a minor in Helmond: the CJG of the gebied is regisseur;
       the CJG signalling too makes the two organisations match */
    s_signal (wijkteam, 10, "0794", true);
    s_signal (cjg, 10, "0794", true);
    s_received_t *got = calloc (1, sizeof *got);
    int64_t deadline = kbt_now_ms () + 20000;
    while (got->n < 2 && kbt_now_ms () < deadline)
        s_drain (mailbox, "cjg-helmond", got, 500, true);
    assert_true (got->n >= 2);
    s_assert_in_order_once (got, 1);
    kbt_sleep_ms (300);
    long queued = kbt_query_long (s_intake->conninfo,
                                  "SELECT last_seq FROM intake.mailbox_head WHERE org_id = 'cjg-helmond'");
    assert_int_equal (queued, got->n);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT acked_seq FROM intake.mailbox_head WHERE org_id = 'cjg-helmond'",
                                          queued, 5000),
                      queued);
    /* nothing for organisations not involved */
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM intake.mailbox WHERE org_id = 'veiligthuis-peel'"),
                      0);
    free (got);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wijkteam);
    kb_client_destroy (&mailbox);
}

/* A second signal from an organisation already involved: no new plan, the
   regisseur hears who signalled (never what). */
static void
test_regisseur_hears_of_a_new_signal (void **state)
{
    (void) state;
    long acked = kbt_query_long (s_intake->conninfo,
                                 "SELECT acked_seq FROM intake.mailbox_head WHERE org_id = 'cjg-helmond'");
    long plans = kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.plan");
    kb_client_t *wijkteam = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    s_signal (wijkteam, 10, "0794", true);
    kb_client_t *mailbox = s_mailbox_client (KBT_CJG, (uint64_t) acked + 1);
    kb_envelope_t *env = NULL;
    bool heard = false;
    int64_t deadline = kbt_now_ms () + 15000;
    while (!heard && kbt_now_ms () < deadline) {
        if (kb_client_recv (mailbox, 500, &env) != 0)
            continue;
        if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_DELIVER) {
            kb_envelope_t *inner = NULL;
            assert_int_equal (kb_codec_decode (env->deliver->envelope.data,
                                               env->deliver->envelope.len, 1 << 20, &inner),
                              KB_CODEC_OK);
            heard = inner->body_case == KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION
                    && inner->match_notification->event
                           == KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_SIGNALLED
                    && strcmp (inner->match_notification->other_org, "wijkteam-deurne") == 0;
            kb_client_delivery_ack (mailbox, env->deliver->mailbox_seq);
            kb_codec_free (&inner);
        }
        kb_codec_free (&env);
    }
    assert_true (heard);
    assert_int_equal (kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.plan"),
                      plans);
    kb_client_destroy (&mailbox);
    kb_client_destroy (&wijkteam);
}

static void
test_offline_partner_gets_everything_on_return (void **state)
{
    (void) state;
    /* wijkteam-deurne is offline for its mailbox; it keeps signalling about
       adults in Deurne, so it becomes regisseur and gets assignments */
    kb_client_t *wijkteam = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    enum { N = 30 };
    long before = kbt_query_long (s_intake->conninfo,
                                  "SELECT count(*) FROM intake.mailbox WHERE org_id = 'wijkteam-deurne'");
    for (uint32_t i = 0; i < N; i++)
        s_signal (wijkteam, 2000 + i, "0762", false);
    /* one RegieAssignment per new gezin (regisseur and sender are one) */
    long expected = kbt_wait_for_value (
        s_intake->conninfo, "SELECT count(*) FROM intake.mailbox WHERE org_id = 'wijkteam-deurne'",
        before + N, 30000);
    assert_int_equal (expected, before + N);
    /* it has been offline; intake has pushed nothing */
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT acked_seq FROM intake.mailbox_head WHERE org_id = 'wijkteam-deurne'"),
                      0);
    kb_client_t *mailbox = s_mailbox_client (KBT_WIJKTEAM, 0);
    s_received_t *got = calloc (1, sizeof *got);
    int64_t deadline = kbt_now_ms () + 20000;
    while (got->n < expected && kbt_now_ms () < deadline)
        s_drain (mailbox, "wijkteam-deurne", got, 500, true);
    assert_int_equal (got->n, expected);
    s_assert_in_order_once (got, 1);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT acked_seq FROM intake.mailbox_head WHERE org_id = 'wijkteam-deurne'",
                                          expected, 5000),
                      expected);
    kb_client_destroy (&mailbox);

    /* acknowledged messages stay replayable from a sequence number */
    mailbox = s_mailbox_client (KBT_WIJKTEAM, 11);
    memset (got, 0, sizeof *got);
    s_drain (mailbox, "wijkteam-deurne", got, 1000, false);
    assert_int_equal (got->n, expected - 10);
    s_assert_in_order_once (got, 11);
    kb_client_destroy (&mailbox);
    free (got);
    kb_client_destroy (&wijkteam);
}

static void
test_replay_needs_a_registered_partner_mailbox_only (void **state)
{
    (void) state;
    /* a partner with an empty mailbox: confirmed, then nothing */
    kb_client_t *mailbox = s_mailbox_client (KBT_VEILIG_THUIS, 0);
    kb_envelope_t *env = NULL;
    assert_int_equal (kb_client_recv (mailbox, 500, &env), -1);
    /* acknowledging what was never queued is refused quietly: no effect */
    kb_client_delivery_ack (mailbox, 99);
    kbt_sleep_ms (300);
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM intake.mailbox_head WHERE org_id = 'veiligthuis-peel'"),
                      0);
    kb_client_destroy (&mailbox);
}

/* Regression: acks for a whole window lost (intake killed), the partner
   replays from its cursor beyond the last stored acknowledgement; the
   Delivers must follow at once, not after mailbox/resend_ms. */
static void
test_replay_beyond_lost_acks_continues_at_once (void **state)
{
    (void) state;
    kb_client_t *wijkteam = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    for (uint32_t i = 0; i < 80; i++)
        s_signal (wijkteam, 4000 + i, "0762", false);
    long last = kbt_wait_for_value (
        s_intake->conninfo,
        "SELECT (count(*) > 0)::int FROM intake.mailbox WHERE org_id = 'wijkteam-deurne' AND seq > 100", 1,
        30000);
    assert_int_equal (last, 1);
    long acked = kbt_query_long (s_intake->conninfo,
                                 "SELECT acked_seq FROM intake.mailbox_head WHERE org_id = 'wijkteam-deurne'");
    /* read a full window without acknowledging: those acks are "lost" */
    kb_client_t *mailbox = s_mailbox_client (KBT_WIJKTEAM, (uint64_t) acked + 1);
    s_received_t *got = calloc (1, sizeof *got);
    s_drain (mailbox, "wijkteam-deurne", got, 1000, false);
    assert_int_equal (got->n, 64);
    kb_client_destroy (&mailbox);
    uint64_t cursor = got->seqs[got->n - 1];
    memset (got, 0, sizeof *got);
    mailbox = s_mailbox_client (KBT_WIJKTEAM, cursor + 1);
    int64_t start = kbt_now_ms ();
    s_drain (mailbox, "wijkteam-deurne", got, 1000, true);
    assert_true (got->n > 0);
    assert_int_equal (got->seqs[0], cursor + 1);
    assert_true (kbt_now_ms () - start < 5000);
    s_assert_in_order_once (got, cursor + 1);
    free (got);
    kb_client_destroy (&mailbox);
    kb_client_destroy (&wijkteam);
}

/* A connected partner's mailbox is read when this intake queued something
   for it or it acknowledged, and once a second in any case: a row another
   intake instance queued (here: written in the database directly) arrives
   without anything happening in this one. */
static void
test_row_queued_elsewhere_arrives_within_seconds (void **state)
{
    (void) state;
    long acked = kbt_wait_for_value (
      s_intake->conninfo,
      "SELECT (acked_seq = last_seq)::int FROM intake.mailbox_head WHERE org_id = 'cjg-helmond'", 1,
      5000);
    assert_int_equal (acked, 1);
    acked = kbt_query_long (s_intake->conninfo, "SELECT acked_seq FROM intake.mailbox_head"
                                                " WHERE org_id = 'cjg-helmond'");
    kb_client_t *mailbox = s_mailbox_client (KBT_CJG, (uint64_t) acked + 1);
    s_received_t *got = calloc (1, sizeof *got);
    s_drain (mailbox, "cjg-helmond", got, 1500, true);
    assert_int_equal (got->n, 0);
    kbt_exec (s_intake->conninfo,
              "WITH h AS (UPDATE intake.mailbox_head SET last_seq = last_seq + 1"
              "  WHERE org_id = 'cjg-helmond' RETURNING last_seq)"
              " INSERT INTO intake.mailbox (org_id, seq, message_id, body, envelope)"
              " SELECT 'cjg-helmond', h.last_seq, 'queued-elsewhere', m.body, m.envelope"
              " FROM h, (SELECT body, envelope FROM intake.mailbox WHERE org_id = 'cjg-helmond'"
              "  ORDER BY seq LIMIT 1) m");
    /* within the once-a-second read, with room to spare */
    kb_envelope_t *env = NULL;
    assert_int_equal (kb_client_recv (mailbox, 3000, &env), 0);
    assert_int_equal (env->body_case, KETENBUS__V1__ENVELOPE__BODY_DELIVER);
    assert_int_equal (env->deliver->mailbox_seq, (uint64_t) acked + 1);
    kb_client_delivery_ack (mailbox, env->deliver->mailbox_seq);
    kb_codec_free (&env);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT acked_seq FROM intake.mailbox_head"
                                          " WHERE org_id = 'cjg-helmond'",
                                          acked + 1, 5000),
                      acked + 1);
    free (got);
    kb_client_destroy (&mailbox);
}

/* The mailbox rows of a link batch are written with one statement before
   its COMMIT; a row that cannot be written (here: a constraint the test
   adds refuses the wijkteam's rows) makes the batch apply again message by
   message, so that only its own message fails and is dead-lettered, and the
   others of the batch reach their mailboxes. */
static void
test_unwritable_row_fails_only_its_message (void **state)
{
    (void) state;
    const char *cjg_seq = "SELECT coalesce (max (last_seq), 0) FROM intake.mailbox_head"
                          " WHERE org_id = 'cjg-helmond'";
    long cjg_before = kbt_query_long (s_intake->conninfo, cjg_seq);
    const char *dead = "SELECT count(*) FROM intake.kb_dead_letter";
    long dead_before = kbt_query_long (s_intake->conninfo, dead);
    kbt_exec (s_intake->conninfo, "ALTER TABLE intake.mailbox ADD CONSTRAINT it_refuse_wijkteam"
                                  " CHECK (org_id <> 'wijkteam-deurne') NOT VALID");
    kb_client_t *wijkteam = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    /* the CJG becomes regisseur and both hear of each other: a
       RegieAssignment and a MatchNotification for the CJG, a
       MatchNotification for the wijkteam, from one zorgtoewijzing
       transaction; the CJG's signal then gives the plan its contact, a
       RegieAssignment for each (the wijkteam's refused as well) */
    s_signal (wijkteam, 7000, "0794", true);
    s_signal (cjg, 7000, "0794", true);
    assert_true (kbt_wait_for_value (s_intake->conninfo,
                                     "SELECT count(*) FROM intake.kb_dead_letter"
                                     " WHERE reason LIKE '%sqlstate=23514%'",
                                     1, 30000) >= 1);
    assert_true (kbt_wait_for_value (s_intake->conninfo, cjg_seq, cjg_before + 3, 10000)
                 >= cjg_before + 3);
    assert_int_equal (kbt_query_long (s_intake->conninfo, dead), dead_before + 1);
    kbt_exec (s_intake->conninfo, "ALTER TABLE intake.mailbox DROP CONSTRAINT it_refuse_wijkteam");
    /* the link goes on: the next message for the wijkteam is queued (the
       match with Veilig Thuis; the wijkteam's messages still retrying may
       be queued with it, so it is looked for by name) */
    const char *wijkteam_rows = "SELECT count(*) FROM intake.mailbox"
                                " WHERE org_id = 'wijkteam-deurne'"
                                " AND body = 'match_notification'"
                                " AND position (convert_to ('veiligthuis-peel', 'UTF8')"
                                "               IN envelope) > 0";
    assert_int_equal (kbt_query_long (s_intake->conninfo, wijkteam_rows), 0);
    kb_client_t *veilig = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
    s_signal (veilig, 7000, "0794", true);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo, wijkteam_rows, 1, 10000), 1);
    kb_client_destroy (&veilig);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wijkteam);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_connected_partner_gets_its_messages_in_order),
        cmocka_unit_test (test_regisseur_hears_of_a_new_signal),
        cmocka_unit_test (test_offline_partner_gets_everything_on_return),
        cmocka_unit_test (test_replay_needs_a_registered_partner_mailbox_only),
        cmocka_unit_test (test_replay_beyond_lost_acks_continues_at_once),
        cmocka_unit_test (test_row_queued_elsewhere_arrives_within_seconds),
        cmocka_unit_test (test_unwritable_row_fails_only_its_message),
    };
    return cmocka_run_group_tests_name ("it_mailbox", tests, s_setup, s_teardown);
}
