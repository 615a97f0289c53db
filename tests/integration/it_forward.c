/*  it_forward - intake as the door for the partner messages zorgtoewijzing
    applies: regie transfer requests and responses and toewijzingen, sent
    by real partners over CURVE to the real intake, validated, completed
    from the authenticated sender, pseudonymised, forwarded once over the
    link to the real zorgtoewijzing, whose answers come back through the
    partner mailboxes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "kb_test_zorg.h"

#include "ketenbus/kb_pseudo.h"
#include "ketenbus/kb_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define S_PROVIDER "zorg-x"
#define S_CARE_BSN_N 1500      /* kbt_make_bsn numbers used for toewijzingen */
#define S_GEZIN_N 700          /* signal: BSNs 1400 and 1401 */

static kbt_intake_t *s_intake;
static kbt_zorg_t *s_zorg;
static char *s_provider_cert;
static char s_today[11];

static int
s_setup (void **state)
{
    (void) state;
    s_intake = kbt_intake_setup ("it_forward");
    s_zorg = kbt_zorg_setup (s_intake);
    s_provider_cert = kbt_zorg_register_intake (s_zorg, S_PROVIDER, "zorgaanbieder", "", "0794");
    kbt_intake_start (s_intake, NULL);
    kbt_zorg_start (s_zorg, NULL);
    static const char *types[KBT_PARTNERS] = { "cjg", "veilig-thuis", "gemeente", "wijkteam" };
    static const char *gemeenten[KBT_PARTNERS] = { "0794", "", "0794", "0762" };
    for (int i = 0; i < KBT_PARTNERS; i++)
        kbt_zorg_directory (s_zorg, s_intake->partner_org[i], types[i], "centrum", gemeenten[i]);
    kbt_zorg_directory (s_zorg, S_PROVIDER, "zorgaanbieder", "", "0794");
    time_t now = time (NULL);
    struct tm tm;
    localtime_r (&now, &tm); /* the daemons' date */
    strftime (s_today, sizeof s_today, "%Y-%m-%d", &tm);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    kbt_zorg_teardown (&s_zorg);
    kbt_intake_teardown (&s_intake);
    free (s_provider_cert);
    return 0;
}

static long
s_wait (long want, int timeout_ms, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (sql, sizeof sql, fmt, ap);
    va_end (ap);
    return kbt_wait_for_value (s_intake->conninfo, sql, want, timeout_ms);
}

/* Sends env and returns intake's answer (caller frees). */
static kb_envelope_t *
s_send (kb_client_t *client, kb_envelope_t *env)
{
    assert_int_equal (kb_client_send (client, env), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    return reply;
}

/* Sends env and expects an Ack of status; the reference goes to ref_out. */
static void
s_expect_ack (kb_client_t *client, kb_envelope_t *env, int status, char ref_out[64])
{
    kb_envelope_t *reply = s_send (client, env);
    if (reply->body_case != KETENBUS__V1__ENVELOPE__BODY_ACK)
        fail_msg ("expected an ack, got %s %s %s (%s)", kb_codec_body_name (reply),
                  reply->reject ? reply->reject->code : "", reply->reject ? reply->reject->field : "",
                  reply->reject ? reply->reject->rule : "");
    assert_int_equal (reply->ack->status, status);
    if (ref_out)
        snprintf (ref_out, 64, "%s", reply->ack->reference);
    kb_codec_free (&reply);
}

static void
s_expect_reject (kb_client_t *client, kb_envelope_t *env, const char *code, const char *field)
{
    kb_envelope_t *reply = s_send (client, env);
    if (reply->body_case != KETENBUS__V1__ENVELOPE__BODY_REJECT)
        fail_msg ("expected reject %s %s, got %s", code, field, kb_codec_body_name (reply));
    if (strcmp (reply->reject->code, code) != 0 || strcmp (reply->reject->field, field) != 0)
        fail_msg ("expected reject %s %s, got %s %s (%s)", code, field, reply->reject->code,
                  reply->reject->field, reply->reject->rule);
    kb_codec_free (&reply);
}

/* A partner's mailbox session: Replay from 0, confirmed by an Ack. */
static kb_client_t *
s_mailbox (kb_client_t *client)
{
    assert_int_equal (kb_client_replay (client, 0), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    assert_string_equal (reply->ack->reference, "mailbox");
    kb_codec_free (&reply);
    return client;
}

static const char *
s_key_of (const kb_envelope_t *env)
{
    switch (env->body_case) {
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST:
        return env->regie_transfer_request->transfer_id;
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE:
        return env->regie_transfer_response->transfer_id;
    case KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT:
        return env->regie_assignment->transfer_id;
    case KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT:
        return env->care_assignment->toewijzing_id;
    case KETENBUS__V1__ENVELOPE__BODY_REJECT:
        return env->reject->message_id;
    default:
        return "";
    }
}

/* Reads Delivers (acknowledging each) until one carries body_case with
   key (transfer or toewijzing id); returns its inner envelope (caller
   frees) or NULL after timeout_ms. */
static kb_envelope_t *
s_await (kb_client_t *client, int body_case, const char *key, int timeout_ms)
{
    int64_t deadline = kbt_now_ms () + timeout_ms;
    kb_envelope_t *found = NULL;
    while (!found && kbt_now_ms () < deadline) {
        kb_envelope_t *env = NULL;
        if (kb_client_recv (client, 200, &env) != 0)
            continue;
        if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_DELIVER) {
            kb_envelope_t *inner = NULL;
            assert_int_equal (kb_codec_decode (env->deliver->envelope.data, env->deliver->envelope.len,
                                               1 << 20, &inner),
                              KB_CODEC_OK);
            kb_client_delivery_ack (client, env->deliver->mailbox_seq);
            if ((int) inner->body_case == body_case && strcmp (s_key_of (inner), key) == 0)
                found = inner;
            else
                kb_codec_free (&inner);
        }
        kb_codec_free (&env);
    }
    return found;
}

/*  Regie-overdracht through intake */

static void
test_transfer_through_intake (void **state)
{
    (void) state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *vt = s_mailbox (kbt_intake_client (s_intake, KBT_VEILIG_THUIS));
    /* a gezin with a minor in Helmond: the CJG becomes regisseur */
    kbt_signal_t sig;
    kbt_signal_init (&sig, S_GEZIN_N);
    snprintf (sig.case_ref, sizeof sig.case_ref, "FWD-T1");
    s_expect_ack (cjg, &sig.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, NULL);
    const char *plan_sql = "SELECT count(*) FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.involvement i"
                           " ON i.gezin_id = p.gezin_id WHERE i.org_id = 'cjg-helmond'"
                           " AND i.partner_case_ref = 'FWD-T1' AND p.status = 'active'"
                           " AND p.regisseur_org = 'cjg-helmond'";
    assert_int_equal (s_wait (1, 20000, "%s", plan_sql), 1);
    char *plan_ref = kbt_query_strf (s_intake->conninfo, "SELECT p.ref FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.involvement i"
                            " ON i.gezin_id = p.gezin_id WHERE i.org_id = 'cjg-helmond'"
                            " AND i.partner_case_ref = 'FWD-T1' AND p.status = 'active'");
    assert_non_null (plan_ref);

    /* the regisseur asks Veilig Thuis to take over */
    char tid[37];
    kb_uuid_v4 (tid);
    Ketenbus__V1__RegieTransferRequest q = KETENBUS__V1__REGIE_TRANSFER_REQUEST__INIT;
    q.transfer_id = tid;
    q.plan_ref = plan_ref;
    q.partner_case_ref = "FWD-T1";
    q.to_org = "veiligthuis-peel";
    q.reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_VEILIGHEID;
    q.requested_at_ms = 1;      /* the backbone's to set: ignored */
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
    env.regie_transfer_request = &q;
    char ref[64];
    s_expect_ack (cjg, &env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, ref);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.partner_message WHERE ref = '%s'"
                              " AND sender_org = 'cjg-helmond' AND body = 'regie_transfer_request'", ref), 1);

    /* ... which reaches it through its mailbox, from the authenticated sender */
    kb_envelope_t *got = s_await (vt, KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST, tid, 20000);
    assert_non_null (got);
    assert_string_equal (got->regie_transfer_request->from_org, "cjg-helmond");
    assert_string_equal (got->regie_transfer_request->to_org, "veiligthuis-peel");
    assert_string_equal (got->regie_transfer_request->plan_ref, plan_ref);
    assert_true (got->regie_transfer_request->deadline_at_ms > got->regie_transfer_request->requested_at_ms);
    assert_true (got->regie_transfer_request->requested_at_ms > 1);
    kb_codec_free (&got);

    /* Veilig Thuis accepts through intake */
    Ketenbus__V1__RegieTransferResponse a = KETENBUS__V1__REGIE_TRANSFER_RESPONSE__INIT;
    a.transfer_id = tid;
    a.plan_ref = plan_ref;
    a.decision = KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED;
    a.casemanager_name = "casemanager Veilig Thuis";
    a.casemanager_phone = "0492-654321";
    kb_envelope_t renv = KETENBUS__V1__ENVELOPE__INIT;
    renv.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE;
    renv.regie_transfer_response = &a;
    s_expect_ack (vt, &renv, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, NULL);

    /* regie changes in zorgtoewijzing ... */
    assert_int_equal (s_wait (1, 20000, "SELECT count(*) FROM zorgtoewijzing.plan WHERE ref = '%s'"
                                        " AND status = 'active' AND regisseur_org = 'veiligthuis-peel'"
                                        " AND casemanager_name = 'casemanager Veilig Thuis'", plan_ref),
                      1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.transfer WHERE id = '%s'"
                              " AND status = 'accepted'", tid), 1);
    /* ... and both organisations hear it in their mailboxes */
    got = s_await (vt, KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT, tid, 20000);
    assert_non_null (got);
    assert_string_equal (got->regie_assignment->regisseur_org, "veiligthuis-peel");
    assert_string_equal (got->regie_assignment->previous_regisseur_org, "cjg-helmond");
    assert_int_equal (got->regie_assignment->basis, KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_TRANSFER);
    kb_codec_free (&got);
    kb_client_t *cjg_box = s_mailbox (kbt_intake_client (s_intake, KBT_CJG));
    got = s_await (cjg_box, KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT, tid, 20000);
    assert_non_null (got);
    assert_string_equal (got->regie_assignment->to_org, "cjg-helmond");
    assert_string_equal (got->regie_assignment->regisseur_org, "veiligthuis-peel");
    kb_codec_free (&got);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.mailbox WHERE org_id = 'cjg-helmond'"
                              " AND body = 'regie_transfer_response'"), 1);

    /* audited at the door */
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.kb_audit WHERE event = 'transfer.requested'"
                              " AND actor_org = 'cjg-helmond' AND outcome = 'forwarded'"), 1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.kb_audit WHERE event = 'transfer.answered'"
                              " AND actor_org = 'veiligthuis-peel'"), 1);

    /* the sender is the one intake authenticated, whatever the payload
       says: a wijkteam naming the old regisseur as from_org is refused at
       the door, without it zorgtoewijzing refuses it (not the regisseur) */
    kb_client_t *wt = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kb_uuid_v4 (tid);
    q.from_org = "veiligthuis-peel";
    q.to_org = "cjg-helmond";
    s_expect_reject (wt, &env, "KB22", "regie_transfer_request.from_org");
    q.from_org = NULL;
    long refused = kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE event = 'transfer.refused'"
                           " AND reason = 'not_regisseur'");
    s_expect_ack (wt, &env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, NULL);
    assert_int_equal (s_wait (refused + 1, 20000,
                              "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE event = 'transfer.refused'"
                              " AND reason = 'not_regisseur'"),
                      refused + 1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.transfer WHERE id = '%s'", tid), 0);
    kb_client_destroy (&wt);
    kb_client_destroy (&cjg_box);
    kb_client_destroy (&vt);
    kb_client_destroy (&cjg);
    free (plan_ref);
}

/*  Toewijzing through intake */

typedef struct {
    Ketenbus__V1__CareAssignment care;
    kb_envelope_t env;
    char message_id[37];
    char bsn[10];
} s_care_t;

static void
s_care_init (s_care_t *c, const char *id, int action, uint32_t bsn_n)
{
    memset (c, 0, sizeof *c);
    ketenbus__v1__care_assignment__init (&c->care);
    ketenbus__v1__envelope__init (&c->env);
    kb_uuid_v4 (c->message_id);
    kbt_make_bsn (bsn_n, c->bsn);
    c->care.toewijzing_id = (char *) id;
    c->care.action = action;
    c->care.partner_case_ref = "WMO-2024-17";
    c->care.gemeente_code = "0794";
    c->care.gebied = "centrum";
    if (action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN) {
        c->care.bsn = c->bsn;
        c->care.wet = KETENBUS__V1__WET__WET_WMO;
        c->care.product_category = "02";
        c->care.product_code = "02A01";
        c->care.pyramid_level = KETENBUS__V1__PYRAMID_LEVEL__PYRAMID_LEVEL_MAATWERK;
        c->care.volume = 4;
        c->care.unit = KETENBUS__V1__VOLUME_UNIT__VOLUME_UNIT_UUR;
        c->care.frequency = KETENBUS__V1__VOLUME_FREQUENCY__VOLUME_FREQUENCY_PER_WEEK;
        c->care.provider_org = S_PROVIDER;
        c->care.budget_cents = 250000;
    }
    c->care.start_date = s_today;
    if (action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP) {
        c->care.end_date = s_today;
        c->care.stop_reason = KETENBUS__V1__CARE_STOP_REASON__CARE_STOP_REASON_DOELEN_BEHAALD;
    }
    c->env.message_id = c->message_id;
    c->env.body_case = KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT;
    c->env.care_assignment = &c->care;
}

static void
test_care_assignment_through_intake (void **state)
{
    (void) state;
    kb_client_t *gemeente = kbt_intake_client (s_intake, KBT_GEMEENTE);
    s_care_t c;
    s_care_init (&c, "TW-FWD-1", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_CARE_BSN_N);
    char ref[64], dup_ref[64];
    s_expect_ack (gemeente, &c.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, ref);

    /* stored in zorgtoewijzing with the pseudonym, the senders filled in */
    assert_int_equal (s_wait (1, 20000, "SELECT count(*) FROM zorgtoewijzing.toewijzing WHERE id = 'TW-FWD-1'"
                                        " AND status = 'assigned'"),
                      1);
    char err[256];
    kb_pseudo_t *pseudo = kb_pseudo_load (s_intake->pseudo_key, err, sizeof err);
    assert_non_null (pseudo);
    char pseudonym[KB_PSEUDONYM_LEN + 1];
    kb_pseudo_bsn (pseudo, c.bsn, pseudonym);
    kb_pseudo_destroy (&pseudo);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.toewijzing WHERE id = 'TW-FWD-1'"
                              " AND pseudonym = '%s' AND assigning_org = 'gemeente-helmond'"
                              " AND provider_org = '%s' AND pyramid_level = 3 AND budget_cents = 250000",
                              pseudonym, S_PROVIDER),
                      1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.kb_audit WHERE event = 'care.assigned'"
                              " AND actor_org = 'gemeente-helmond' AND subject_pseudonym = '%s'", pseudonym),
                      1);

    /* a retry: the same Ack, forwarded once */
    s_expect_ack (gemeente, &c.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_DUPLICATE, dup_ref);
    assert_string_equal (dup_ref, ref);
    /* a storm of retries in one go (several land in one batch) */
    for (int i = 0; i < 10; i++)
        assert_int_equal (kb_client_send (gemeente, &c.env), 0);
    for (int i = 0; i < 10; i++) {
        kb_envelope_t *reply = NULL;
        assert_int_equal (kb_client_recv (gemeente, 10000, &reply), 0);
        assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
        assert_int_equal (reply->ack->status, KETENBUS__V1__ACK_STATUS__ACK_STATUS_DUPLICATE);
        assert_string_equal (reply->ack->reference, ref);
        kb_codec_free (&reply);
    }
    /* the same id for other content */
    c.care.volume = 6;
    s_expect_reject (gemeente, &c.env, "9056", "message_id");
    c.care.volume = 4;
    kbt_sleep_ms (500);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.partner_message WHERE message_id = '%s'",
                              c.message_id), 1);
    /* queued once (the stream's counter: the acknowledged row is deleted) */
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT last_seq FROM intake.kb_link_stream WHERE stream = 'toewijzing:TW-FWD-1'"), 1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.toewijzing_event WHERE toewijzing_id = 'TW-FWD-1'"), 1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.kb_audit WHERE event = 'care.assigned'"), 1);

    /* the provider starts and stops it; another organisation cannot */
    kb_client_t *provider = kbt_intake_client_cert (s_intake, s_provider_cert);
    kb_client_t *wijkteam = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    s_care_t s;
    s_care_init (&s, "TW-FWD-1", KETENBUS__V1__CARE_ACTION__CARE_ACTION_START, 0);
    s.care.provider_org = S_PROVIDER;
    s_expect_reject (wijkteam, &s.env, "KB17", "care_assignment.provider_org");
    s.care.provider_org = NULL;
    s_expect_ack (provider, &s.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, NULL);
    s_care_t e;
    s_care_init (&e, "TW-FWD-1", KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP, 0);
    s_expect_ack (provider, &e.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, NULL);
    assert_int_equal (s_wait (1, 20000, "SELECT count(*) FROM zorgtoewijzing.toewijzing WHERE id = 'TW-FWD-1'"
                                        " AND status = 'stopped' AND stop_reason = 1"),
                      1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.toewijzing_event WHERE toewijzing_id = 'TW-FWD-1'"
                              " AND outcome = 'applied'"), 3);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.kb_audit WHERE actor_org = '%s'"
                              " AND event IN ('care.started', 'care.stopped')", S_PROVIDER), 2);

    /* a provider may not assign: refused at the door */
    s_care_t w;
    s_care_init (&w, "TW-FWD-2", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_CARE_BSN_N + 1);
    s_expect_reject (provider, &w.env, "KB17", "care_assignment.action");

    /* the regisseur of the person's gezin assigns too; a care partner that
       is not (here the wijkteam, and the CJG whose regie went to Veilig
       Thuis in test_transfer_through_intake) is refused by zorgtoewijzing */
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.plan"
                                       " WHERE status = 'active'"
                                       " AND regisseur_org = 'veiligthuis-peel'"),
                      1);
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *vt = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
    s_care_t nw, nc, r;
    s_care_init (&nw, "TW-FWD-R1", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_GEZIN_N * 2);
    s_expect_ack (wijkteam, &nw.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, NULL);
    s_care_init (&nc, "TW-FWD-R2", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_GEZIN_N * 2);
    s_expect_ack (cjg, &nc.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, NULL);
    s_care_init (&r, "TW-FWD-R3", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_GEZIN_N * 2);
    s_expect_ack (vt, &r.env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, NULL);
    assert_int_equal (s_wait (1, 20000, "SELECT count(*) FROM zorgtoewijzing.toewijzing"
                                        " WHERE id = 'TW-FWD-R3' AND status = 'assigned'"
                                        " AND assigning_org = 'veiligthuis-peel'"),
                      1);
    assert_int_equal (s_wait (2, 20000, "SELECT count(*) FROM zorgtoewijzing.toewijzing_event"
                                        " WHERE toewijzing_id IN ('TW-FWD-R1', 'TW-FWD-R2')"
                                        " AND outcome = 'rejected'"
                                        " AND reason = 'not_gemeente_or_regisseur'"),
                      2);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.toewijzing"
                                       " WHERE id IN ('TW-FWD-R1', 'TW-FWD-R2')"),
                      0);
    /* each refused sender hears it in its mailbox, about its own message */
    struct {
        int partner;
        const char *org, *message_id;
    } refused[] = { { KBT_WIJKTEAM, "wijkteam-deurne", nw.message_id },
                    { KBT_CJG, "cjg-helmond", nc.message_id } };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        kb_client_t *box = s_mailbox (kbt_intake_client (s_intake, refused[i].partner));
        kb_envelope_t *rej = s_await (box, KETENBUS__V1__ENVELOPE__BODY_REJECT,
                                      refused[i].message_id, 20000);
        assert_non_null (rej);
        assert_string_equal (rej->reject->to_org, refused[i].org);
        assert_string_equal (rej->reject->code, "KB30");
        assert_string_equal (rej->reject->field, "care_assignment");
        assert_string_equal (rej->reject->rule, "not_gemeente_or_regisseur");
        assert_string_equal (rej->correlation_id, refused[i].message_id);
        kb_codec_free (&rej);
        kb_client_destroy (&box);
    }
    kb_client_destroy (&vt);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wijkteam);
    kb_client_destroy (&provider);
    kb_client_destroy (&gemeente);
}

static void
test_bad_fields_are_rejected_and_quarantined (void **state)
{
    (void) state;
    long quarantined = kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.quarantine");
    kb_client_t *gemeente = kbt_intake_client (s_intake, KBT_GEMEENTE);
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    int rejects = 0;
    s_care_t c;
    s_care_init (&c, "TW-FWD-3", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_CARE_BSN_N + 2);
    c.care.bsn = "123456789";
    s_expect_reject (gemeente, &c.env, "KB10", "care_assignment.bsn"), rejects++;
    s_care_init (&c, "TW-FWD-3", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_CARE_BSN_N + 2);
    c.care.gemeente_code = "0363";
    s_expect_reject (gemeente, &c.env, "S300", "care_assignment.gemeente_code"), rejects++;
    s_care_init (&c, "TW-FWD-3", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_CARE_BSN_N + 2);
    c.care.pseudonym = "0123456789abcdef";
    s_expect_reject (gemeente, &c.env, "KB22", "care_assignment.pseudonym"), rejects++;
    s_care_init (&c, "TW-FWD-3", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_CARE_BSN_N + 2);
    c.care.provider_org = "nobody-here";
    s_expect_reject (gemeente, &c.env, "KB23", "care_assignment.provider_org"), rejects++;
    s_care_init (&c, "TW-FWD-3", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_CARE_BSN_N + 2);
    c.care.product_code = "02a01";
    s_expect_reject (gemeente, &c.env, "KB24", "care_assignment.product_code"), rejects++;
    s_care_init (&c, "TW-FWD-3", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_CARE_BSN_N + 2);
    c.care.pyramid_level = 9;
    s_expect_reject (gemeente, &c.env, "KB13", "care_assignment.pyramid_level"), rejects++;
    s_care_init (&c, "TW-FWD-3", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, S_CARE_BSN_N + 2);
    c.care.start_date = "2024-02-30";
    s_expect_reject (gemeente, &c.env, "KB11", "care_assignment.start_date"), rejects++;

    Ketenbus__V1__RegieTransferRequest q = KETENBUS__V1__REGIE_TRANSFER_REQUEST__INIT;
    q.transfer_id = "not-a-uuid";
    q.plan_ref = "plan-1";
    q.to_org = "veiligthuis-peel";
    q.reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_OVERIG;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
    env.regie_transfer_request = &q;
    s_expect_reject (cjg, &env, "KB16", "regie_transfer_request.transfer_id"), rejects++;
    char tid[37];
    kb_uuid_v4 (tid);
    q.transfer_id = tid;
    q.to_org = "nobody-here";
    s_expect_reject (cjg, &env, "KB23", "regie_transfer_request.to_org"), rejects++;
    q.to_org = "veiligthuis-peel";
    q.reason = 0;
    s_expect_reject (cjg, &env, "KB13", "regie_transfer_request.reason"), rejects++;
    /* a gemeente does not hold regie */
    q.reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_OVERIG;
    s_expect_reject (gemeente, &env, "KB17", "regie_transfer_request"), rejects++;

    Ketenbus__V1__RegieTransferResponse a = KETENBUS__V1__REGIE_TRANSFER_RESPONSE__INIT;
    a.transfer_id = tid;
    a.plan_ref = "plan-1";
    a.decision = KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_REJECTED;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE;
    env.regie_transfer_response = &a;
    s_expect_reject (cjg, &env, "KB13", "regie_transfer_response.reject_reason"), rejects++;

    /* a plan without a version */
    Ketenbus__V1__PlanRegistered p = KETENBUS__V1__PLAN_REGISTERED__INIT;
    p.plan_ref = "plan-1";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED;
    env.plan_registered = &p;
    s_expect_reject (cjg, &env, "KB15", "plan_registered.plan_version"), rejects++;

    /* every reject is in quarantine, nothing was stored or forwarded */
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.quarantine"), quarantined + rejects);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.kb_link_stream WHERE stream = 'toewijzing:TW-FWD-3'"), 0);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.partner_message WHERE sender_org = 'gemeente-helmond'"
                              " AND message_id = '%s'", c.message_id), 0);
    kb_client_destroy (&cjg);
    kb_client_destroy (&gemeente);
}

/* Whether zorgtoewijzing queues the ASSIGN for the provider's mailbox. */
static void
test_provider_mailbox_gets_assign (void **state)
{
    (void) state;
    char sql[256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.mailbox WHERE org_id = '%s'"
              " AND body = 'care_assignment'", S_PROVIDER);
    assert_true (kbt_wait_for_value (s_intake->conninfo, sql, 1, 10000) >= 1);
    kb_client_t *box = s_mailbox (kbt_intake_client_cert (s_intake, s_provider_cert));
    kb_envelope_t *got = s_await (box, KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT, "TW-FWD-1", 20000);
    assert_non_null (got);
    /* neither the BSN nor the backbone's pseudonym leaves the backbone */
    assert_string_equal (got->care_assignment->bsn, "");
    assert_string_equal (got->care_assignment->pseudonym, "");
    assert_int_equal (got->care_assignment->action, KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN);
    kb_codec_free (&got);
    kb_client_destroy (&box);
}

/* The regisseur registers the plan; another organisation cannot. */
static void
test_plan_registered_through_intake (void **state)
{
    (void) state;
    char *ref = kbt_query_str (s_intake->conninfo,
                               "SELECT ref FROM zorgtoewijzing.plan WHERE status = 'active'"
                               " AND regisseur_org = 'veiligthuis-peel' ORDER BY id LIMIT 1");
    assert_non_null (ref);
    Ketenbus__V1__PlanRegistered p = KETENBUS__V1__PLAN_REGISTERED__INIT;
    Ketenbus__V1__Category cats[1] = { KETENBUS__V1__CATEGORY__CATEGORY_HUISELIJK_GEWELD };
    char today[11];
    time_t now = time (NULL);
    struct tm tm;
    localtime_r (&now, &tm);
    strftime (today, sizeof today, "%Y-%m-%d", &tm);
    p.plan_ref = ref;
    p.plan_version = 1;
    p.plan_date = today;
    p.n_categories = 1;
    p.categories = cats;
    p.casemanager_name = "casemanager Veilig Thuis jeugd";
    p.casemanager_phone = "0492-777777";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED;
    env.plan_registered = &p;
    /* not the regisseur: intake accepts the message, zorgtoewijzing refuses it */
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    s_expect_ack (cjg, &env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, NULL);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                                          " WHERE event = 'plan.register_refused'",
                                          1, 10000),
                      1);
    char sql[512];
    snprintf (sql, sizeof sql, "SELECT plan_version FROM zorgtoewijzing.plan WHERE ref = '%s'", ref);
    assert_int_equal (kbt_query_long (s_intake->conninfo, sql), 0);
    /* the regisseur */
    const char *to_cjg = "SELECT count(*) FROM intake.mailbox WHERE org_id = 'cjg-helmond'"
                         " AND body = 'regie_assignment'";
    long assignments = kbt_query_long (s_intake->conninfo, to_cjg);
    kb_client_t *vt = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
    s_expect_ack (vt, &env, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED, NULL);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo, sql, 1, 10000), 1);
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM zorgtoewijzing.plan WHERE ref = '%s'"
              " AND casemanager_name = 'casemanager Veilig Thuis jeugd'"
              " AND plan_date = current_date",
              ref);
    assert_int_equal (kbt_query_long (s_intake->conninfo, sql), 1);
    /* another casemanager than the transfer named: the involved CJG hears
       it, and the regisseur's involvement (what matches show) has it */
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo, to_cjg, assignments + 1, 10000),
                      assignments + 1);
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM zorgtoewijzing.involvement i JOIN zorgtoewijzing.plan p"
              " USING (gezin_id) WHERE p.ref = '%s' AND i.org_id = 'veiligthuis-peel'"
              " AND i.contact_name = 'casemanager Veilig Thuis jeugd'"
              " AND i.contact_phone = '0492-777777'",
              ref);
    assert_int_equal (kbt_query_long (s_intake->conninfo, sql), 1);
    kb_client_destroy (&vt);
    kb_client_destroy (&cjg);
    free (ref);
}

static void
test_no_bsn_in_any_table (void **state)
{
    (void) state;
    char *dir = kbt_var_path ("it_forward-dump");
    char cmd[2048];
    snprintf (cmd, sizeof cmd,
              "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_dump --data-only "
              "--inserts '%s' > '%s/dump.sql'",
              s_intake->conninfo, dir);
    assert_int_equal (system (cmd), 0);
    snprintf (cmd, sizeof cmd, "%s/dump.sql", dir);
    struct stat st;
    assert_int_equal (stat (cmd, &st), 0);
    assert_true (st.st_size > 1000);
    FILE *f = fopen (cmd, "r");
    assert_non_null (f);
    char *text = calloc (1, (size_t) st.st_size + 1);
    assert_int_equal (fread (text, 1, (size_t) st.st_size, f), (size_t) st.st_size);
    fclose (f);
    /* the toewijzing is there, its BSN is not */
    assert_non_null (strstr (text, "TW-FWD-1"));
    uint32_t used[] = { S_GEZIN_N * 2, S_GEZIN_N * 2 + 1, S_CARE_BSN_N, S_CARE_BSN_N + 1,
                        S_CARE_BSN_N + 2 };
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) {
        char bsn[10];
        kbt_make_bsn (used[i], bsn);
        if (strstr (text, bsn))
            fail_msg ("bsn number %u found in the database dump", used[i]);
    }
    free (text);
    free (dir);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_transfer_through_intake),
        cmocka_unit_test (test_care_assignment_through_intake),
        cmocka_unit_test (test_bad_fields_are_rejected_and_quarantined),
        cmocka_unit_test (test_provider_mailbox_gets_assign),
        cmocka_unit_test (test_plan_registered_through_intake),
        cmocka_unit_test (test_no_bsn_in_any_table),
    };
    return cmocka_run_group_tests_name ("it_forward", tests, s_setup, s_teardown);
}
