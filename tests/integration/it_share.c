/*  it_share - the consent registry and share decisions end to end: real
    CURVE partner clients send ConsentGrant/-Withdraw, ShareRequest and
    ShareResponse through the real intake to the real zorgtoewijzing;
    what each organisation receives is read from its durable mailbox in
    intake (and once through a live Replay). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "kb_test_zorg.h"

#include "ketenbus/kb_uuid.h"

#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CAT(x) KETENBUS__V1__DATA_CATEGORY__DATA_CATEGORY_##x
#define PURPOSE(x) KETENBUS__V1__PURPOSE__PURPOSE_##x
#define GROUND(x) KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_##x
#define REASON(x) KETENBUS__V1__SHARE_DECISION_REASON__SHARE_DECISION_REASON_##x
#define OUTCOME(x) KETENBUS__V1__SHARE_OUTCOME__SHARE_OUTCOME_##x
#define BODY(x) KETENBUS__V1__ENVELOPE__BODY_##x
#define REQUEST KETENBUS__V1__SHARE_DIRECTION__SHARE_DIRECTION_REQUEST

#define S_PERSON 700        /* kbt_signal_init number of the person shares are about */
#define S_STRANGER 701      /* a person nobody signalled about */
#define S_JUSTIFICATION_MARKER "JUSTIFICATION-MARKER-q7Zx"
#define S_PAYLOAD_MARKER "PAYLOAD-MARKER-w3Kp"

static kbt_intake_t *s_intake;
static kbt_zorg_t *s_zorg;
static long s_expected;
static char *s_keten_cert;
static char s_person_bsn[10], s_stranger_bsn[10];
static char s_consent[37], s_consent_old[37];
static char s_allowed_share[37], s_denied_share[37];
static char s_gezin_ref[64];
static const char *CJG = "cjg-helmond", *VT = "veiligthuis-peel", *WT = "wijkteam-deurne";

static void
s_date (int days_from_today, char out[11])
{
    time_t t = time (NULL) + (time_t) days_from_today * 86400;
    struct tm tm;
    localtime_r (&t, &tm); /* the daemons' date */
    strftime (out, 11, "%Y-%m-%d", &tm);
}

static void
s_sync (void)
{
    kbt_zorg_wait_inbox (s_zorg, s_expected, 30000);
    /* and everything zorgtoewijzing queued is in intake's mailboxes */
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT count(*) FROM zorgtoewijzing.kb_outbox"
                                          " WHERE acked_at IS NULL AND dead_at IS NULL",
                                          0, 30000),
                      0);
}

static void
s_send_ok (kb_client_t *client, kb_envelope_t *env)
{
    env->message_id = NULL;
    assert_int_equal (kb_client_send (client, env), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    if (reply->body_case == BODY (REJECT))
        fail_msg ("rejected code=%s field=%s rule=%s", reply->reject->code, reply->reject->field,
                  reply->reject->rule);
    assert_int_equal (reply->body_case, BODY (ACK));
    assert_int_equal (reply->ack->status, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    kb_codec_free (&reply);
    s_expected++;
}

static void
s_send_reject (kb_client_t *client, kb_envelope_t *env, const char *code, const char *field)
{
    env->message_id = NULL;
    assert_int_equal (kb_client_send (client, env), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_int_equal (reply->body_case, BODY (REJECT));
    assert_string_equal (reply->reject->code, code);
    assert_string_equal (reply->reject->field, field);
    kb_codec_free (&reply);
}

/*  Mailboxes: the envelopes queued for org after seq, decoded */

typedef struct {
    int n;
    long last_seq;
    kb_envelope_t *env[64];
} s_box_t;

static long
s_box_head (const char *org)
{
    return kbt_query_longf (s_intake->conninfo,
                            "SELECT coalesce (max (seq), 0) FROM intake.mailbox WHERE org_id = '%s'",
                            org);
}

static void
s_box_read (const char *org, long after, s_box_t *box)
{
    memset (box, 0, sizeof *box);
    PGconn *conn = PQconnectdb (s_intake->conninfo);
    assert_int_equal (PQstatus (conn), CONNECTION_OK);
    char seq[24];
    snprintf (seq, sizeof seq, "%ld", after);
    const char *v[2] = { org, seq };
    PGresult *res = PQexecParams (conn,
                                  "SELECT seq, envelope FROM intake.mailbox WHERE org_id = $1"
                                  " AND seq > $2::bigint ORDER BY seq",
                                  2, NULL, v, NULL, NULL, 1);
    assert_int_equal (PQresultStatus (res), PGRES_TUPLES_OK);
    for (int i = 0; i < PQntuples (res) && box->n < 64; i++) {
        kb_envelope_t *env = NULL;
        assert_int_equal (kb_codec_decode ((const uint8_t *) PQgetvalue (res, i, 1),
                                           (size_t) PQgetlength (res, i, 1), 1 << 20, &env),
                          KB_CODEC_OK);
        box->env[box->n++] = env;
    }
    PQclear (res);
    PQfinish (conn);
    box->last_seq = s_box_head (org);
}

static void
s_box_free (s_box_t *box)
{
    for (int i = 0; i < box->n; i++)
        kb_codec_free (&box->env[i]);
    box->n = 0;
}

/* The one ShareDecision in box (fails when box holds anything else). */
static const Ketenbus__V1__ShareDecision *
s_only_decision (const s_box_t *box, const char *to, const char *share_id)
{
    assert_int_equal (box->n, 1);
    assert_int_equal (box->env[0]->body_case, BODY (SHARE_DECISION));
    const Ketenbus__V1__ShareDecision *d = box->env[0]->share_decision;
    assert_string_equal (d->to_org, to);
    assert_string_equal (d->share_id, share_id);
    return d;
}

/*  Bodies */

typedef struct {
    kb_envelope_t env;
    Ketenbus__V1__ConsentGrant grant;
    Ketenbus__V1__DataCategory cats[4];
    char from[11], until[11];
} s_grant_t;

static void
s_grant_init (s_grant_t *g, const char *consent_id, const char *bsn)
{
    memset (g, 0, sizeof *g);
    ketenbus__v1__envelope__init (&g->env);
    ketenbus__v1__consent_grant__init (&g->grant);
    g->env.body_case = BODY (CONSENT_GRANT);
    g->env.consent_grant = &g->grant;
    g->grant.consent_id = (char *) consent_id;
    g->grant.partner_case_ref = "CJG-CONSENT-1";
    g->grant.bsn = (char *) bsn;
    g->grant.given_by = KETENBUS__V1__CONSENT_GIVER__CONSENT_GIVER_PARENT_GUARDIAN;
    g->cats[0] = CAT (PLAN);
    g->cats[1] = CAT (WONEN);
    g->grant.n_data_categories = 2;
    g->grant.data_categories = g->cats;
    g->grant.recipient_case = KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG_TYPE;
    g->grant.recipient_org_type = KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG;
    g->grant.purpose = PURPOSE (HULPVERLENING);
    s_date (-10, g->from);
    s_date (30, g->until);
    g->grant.valid_from = g->from;
    g->grant.valid_until = g->until;
}

typedef struct {
    kb_envelope_t env;
    Ketenbus__V1__ShareRequest req;
    Ketenbus__V1__DataCategory cats[4];
    char share_id[37];
} s_request_t;

static void
s_request_init (s_request_t *q, const char *to, const char *bsn, Ketenbus__V1__DataCategory cat)
{
    memset (q, 0, sizeof *q);
    ketenbus__v1__envelope__init (&q->env);
    ketenbus__v1__share_request__init (&q->req);
    kb_uuid_v4 (q->share_id);
    q->env.body_case = BODY (SHARE_REQUEST);
    q->env.share_request = &q->req;
    q->req.share_id = q->share_id;
    q->req.direction = REQUEST;
    q->req.to_org = (char *) to;
    q->req.bsn = (char *) bsn;
    q->req.partner_case_ref = "SHARE-CASE-1";
    q->cats[0] = cat;
    q->req.n_data_categories = 1;
    q->req.data_categories = q->cats;
    q->req.purpose = PURPOSE (HULPVERLENING);
    q->req.legal_ground = GROUND (NONE);
}

typedef struct {
    kb_envelope_t env;
    Ketenbus__V1__ShareResponse resp;
    uint8_t sealed[crypto_box_SEALBYTES + 64];
} s_response_t;

static unsigned char s_b_pk[crypto_box_PUBLICKEYBYTES], s_b_sk[crypto_box_SECRETKEYBYTES];

static void
s_response_init (s_response_t *r, const char *share_id, const char *to)
{
    memset (r, 0, sizeof *r);
    ketenbus__v1__envelope__init (&r->env);
    ketenbus__v1__share_response__init (&r->resp);
    r->env.body_case = BODY (SHARE_RESPONSE);
    r->env.share_response = &r->resp;
    r->resp.share_id = (char *) share_id;
    r->resp.to_org = (char *) to;
    r->resp.recipient_key_id = "test-key-1";
    const char *clear = S_PAYLOAD_MARKER " plan: ...";
    assert_int_equal (crypto_box_seal (r->sealed, (const unsigned char *) clear, strlen (clear),
                                       s_b_pk),
                      0);
    r->resp.sealed_payload.data = r->sealed;
    r->resp.sealed_payload.len = crypto_box_SEALBYTES + strlen (clear);
}

/*  Fixture */

static int
s_setup (void **state)
{
    (void) state;
    assert_true (sodium_init () >= 0);
    crypto_box_keypair (s_b_pk, s_b_sk);
    s_intake = kbt_intake_setup ("it_share");
    s_zorg = kbt_zorg_setup (s_intake);
    s_keten_cert = kbt_zorg_register_intake (s_zorg, "keten-peel", "ketencoordinator", "", "");
    kbt_intake_start (s_intake, NULL);
    kbt_zorg_start (s_zorg, NULL);
    static const char *types[KBT_PARTNERS] = { "cjg", "veilig-thuis", "gemeente", "wijkteam" };
    static const char *gemeenten[KBT_PARTNERS] = { "0794", "", "0794", "0762" };
    for (int i = 0; i < KBT_PARTNERS; i++)
        kbt_zorg_directory (s_zorg, s_intake->partner_org[i], types[i], "centrum", gemeenten[i]);
    kbt_wait_for_value (s_intake->conninfo,
                        "SELECT count(*) FROM zorgtoewijzing.kb_inbox WHERE stream = 'registry'",
                        KBT_PARTNERS + 1, 10000);
    s_expected = kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_inbox");
    /* the CJG and Veilig Thuis both signal about the person: one gezin,
       both involved; the wijkteam is not */
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *vt = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
    kbt_signal_t s;
    kbt_signal_init (&s, S_PERSON);
    snprintf (s_person_bsn, sizeof s_person_bsn, "%s", s.bsn);
    s_send_ok (cjg, &s.env);
    kbt_signal_init (&s, S_PERSON);
    s_send_ok (vt, &s.env);
    kbt_signal_init (&s, S_STRANGER);
    snprintf (s_stranger_bsn, sizeof s_stranger_bsn, "%s", s.bsn);
    s_sync ();
    kb_client_destroy (&cjg);
    kb_client_destroy (&vt);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    kbt_zorg_teardown (&s_zorg);
    kbt_intake_teardown (&s_intake);
    free (s_keten_cert);
    return 0;
}

/*  Tests */

static void
test_intake_rejects_bad_consent_and_shares (void **state)
{
    (void) state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    char id[37];
    kb_uuid_v4 (id);
    s_grant_t g;
    s_grant_init (&g, id, s_person_bsn);
    /* the ketencoordinator reviews shares; it records no consent */
    kb_client_t *keten = kbt_intake_client_cert (s_intake, s_keten_cert);
    s_send_reject (keten, &g.env, "KB17", "consent_grant");
    kb_client_destroy (&keten);
    g.grant.bsn = "123456789";
    s_send_reject (cjg, &g.env, "KB10", "consent_grant.bsn");
    s_grant_init (&g, id, s_person_bsn);
    g.grant.valid_until = "2020-01-01";
    s_send_reject (cjg, &g.env, "KB24", "consent_grant.valid_until");
    s_grant_init (&g, id, s_person_bsn);
    g.grant.valid_from = "2026-02-30";
    s_send_reject (cjg, &g.env, "KB11", "consent_grant.valid_from");
    s_grant_init (&g, id, s_person_bsn);
    g.grant.recipient_case = KETENBUS__V1__CONSENT_GRANT__RECIPIENT__NOT_SET;
    s_send_reject (cjg, &g.env, "KB15", "consent_grant.recipient");
    s_grant_init (&g, id, s_person_bsn);
    g.cats[1] = 99;
    s_send_reject (cjg, &g.env, "KB13", "consent_grant.data_categories");
    s_grant_init (&g, id, s_person_bsn);
    g.grant.recorded_by_org = "veiligthuis-peel";
    s_send_reject (cjg, &g.env, "KB22", "consent_grant.recorded_by_org");

    s_request_t q;
    s_request_init (&q, VT, s_person_bsn, CAT (PLAN));
    q.req.justification = "no legal ground, so no free text";
    s_send_reject (cjg, &q.env, "KB24", "share_request.justification");
    s_request_init (&q, VT, s_person_bsn, CAT (PLAN));
    q.req.legal_ground = GROUND (MELDCODE);
    s_send_reject (cjg, &q.env, "KB15", "share_request.justification");
    q.req.justification = "line one\nline two";
    s_send_reject (cjg, &q.env, "KB14", "share_request.justification");
    s_request_init (&q, CJG, s_person_bsn, CAT (PLAN));
    s_send_reject (cjg, &q.env, "KB23", "share_request.to_org");
    s_request_init (&q, VT, NULL, CAT (PLAN));
    s_send_reject (cjg, &q.env, "KB15", "share_request.bsn");
    s_request_init (&q, VT, s_person_bsn, CAT (PLAN));
    q.req.from_org = "veiligthuis-peel";
    s_send_reject (cjg, &q.env, "KB22", "share_request.from_org");

    s_response_t r;
    s_response_init (&r, id, VT);
    r.resp.sealed_payload.len = 10;
    s_send_reject (cjg, &r.env, "KB24", "share_response.sealed_payload");
    r.resp.sealed_payload.len = 0;
    s_send_reject (cjg, &r.env, "KB15", "share_response.sealed_payload");
    kb_client_destroy (&cjg);
    /* nothing of it reached zorgtoewijzing */
    assert_int_equal (kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.consent"), 0);
    assert_int_equal (kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.share"), 0);
}

static void
test_consent_recorded_and_confirmed (void **state)
{
    (void) state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    long cjg_head = s_box_head (CJG);
    kb_uuid_v4 (s_consent);
    s_grant_t g;
    s_grant_init (&g, s_consent, s_person_bsn);
    s_send_ok (cjg, &g.env);
    /* an old consent for ONDERWIJS that has expired */
    kb_uuid_v4 (s_consent_old);
    s_grant_init (&g, s_consent_old, s_person_bsn);
    g.cats[0] = CAT (ONDERWIJS);
    g.grant.n_data_categories = 1;
    s_date (-60, g.from);
    s_date (-30, g.until);
    s_send_ok (cjg, &g.env);
    /* the same grant again (new message id): confirmed again, stored once */
    s_send_ok (cjg, &g.env);
    s_sync ();
    s_box_t box;
    s_box_read (CJG, cjg_head, &box);
    assert_int_equal (box.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal (box.env[i]->body_case, BODY (CONSENT_RECORDED));
        const Ketenbus__V1__ConsentRecorded *c = box.env[i]->consent_recorded;
        assert_string_equal (c->to_org, CJG);
        assert_string_equal (c->partner_case_ref, "CJG-CONSENT-1");
        assert_int_equal (c->status, KETENBUS__V1__CONSENT_STATUS__CONSENT_STATUS_RECORDED);
        assert_string_equal (c->consent_id, i == 0 ? s_consent : s_consent_old);
    }
    s_box_free (&box);
    assert_int_equal (kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.consent"), 2);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.consent WHERE consent_id = '%s'"
                                       " AND recorded_by_org = 'cjg-helmond' AND categories = '{3,9}'"
                                       " AND recipient_org IS NULL AND recipient_org_type = 1",
                                       s_consent),
                      1);
    /* audited at the door (three messages) and in the registry (two consents, one repeat) */
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM intake.kb_audit WHERE event = 'consent.grant_received'"),
                      3);
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE event = 'consent.granted'"
                                      " AND actor_org = 'cjg-helmond' AND reason IS NULL"),
                      2);
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE event = 'consent.grant_repeated'"),
                      1);
    kb_client_destroy (&cjg);
}

/* A request from requester about bsn; returns what requester and to got. */
static void
s_ask (int requester, s_request_t *q, s_box_t *a_box, const char *to, s_box_t *b_box)
{
    const char *a = s_intake->partner_org[requester];
    long a_head = s_box_head (a), b_head = s_box_head (to);
    kb_client_t *client = kbt_intake_client (s_intake, requester);
    s_send_ok (client, &q->env);
    kb_client_destroy (&client);
    s_sync ();
    s_box_read (a, a_head, a_box);
    s_box_read (to, b_head, b_box);
}

static void
test_allow_on_consent (void **state)
{
    (void) state;
    s_request_t q;
    s_box_t a, b;
    s_request_init (&q, VT, s_person_bsn, CAT (PLAN));
    s_ask (KBT_CJG, &q, &a, VT, &b);
    snprintf (s_allowed_share, sizeof s_allowed_share, "%s", q.share_id);
    const Ketenbus__V1__ShareDecision *d = s_only_decision (&a, CJG, q.share_id);
    assert_int_equal (d->decision, OUTCOME (ALLOW));
    assert_int_equal (d->reason, REASON (CONSENT_VALID));
    assert_string_equal (d->consent_id, s_consent);
    assert_false (d->review_required);
    /* B: the same decision, then the request itself (no person, no text) */
    assert_int_equal (b.n, 2);
    assert_int_equal (b.env[0]->body_case, BODY (SHARE_DECISION));
    assert_string_equal (b.env[0]->share_decision->to_org, VT);
    assert_int_equal (b.env[0]->share_decision->decision, OUTCOME (ALLOW));
    assert_int_equal (b.env[1]->body_case, BODY (SHARE_REQUEST));
    const Ketenbus__V1__ShareRequest *fwd = b.env[1]->share_request;
    assert_string_equal (fwd->share_id, q.share_id);
    assert_string_equal (fwd->from_org, CJG);
    assert_string_equal (fwd->to_org, VT);
    assert_string_equal (fwd->bsn, "");
    assert_string_equal (fwd->pseudonym, "");
    assert_string_equal (fwd->justification, "");
    assert_string_equal (fwd->consent_id, s_consent);
    assert_string_equal (fwd->partner_case_ref, "CASE-700");   /* Veilig Thuis' own case */
    assert_true (strlen (fwd->gezin_ref) > 0);
    snprintf (s_gezin_ref, sizeof s_gezin_ref, "%s", fwd->gezin_ref);
    s_box_free (&a);
    s_box_free (&b);
}

static void
s_expect_deny (int requester, const char *to, const char *bsn, Ketenbus__V1__DataCategory cat,
               Ketenbus__V1__Purpose purpose, int reason, char share_out[37])
{
    s_request_t q;
    s_box_t a, b;
    s_request_init (&q, to, bsn, cat);
    q.req.purpose = purpose;
    s_ask (requester, &q, &a, to, &b);
    const Ketenbus__V1__ShareDecision *d = s_only_decision (&a, s_intake->partner_org[requester],
                                                           q.share_id);
    assert_int_equal (d->decision, OUTCOME (DENY));
    if ((int) d->reason != reason)
        fail_msg ("reason %d, want %d", (int) d->reason, reason);
    /* a denial names nothing it relied on */
    assert_string_equal (d->consent_id, "");
    assert_int_equal (d->legal_ground, 0);
    assert_false (d->review_required);
    assert_int_equal (b.n, 0);                 /* B hears nothing */
    if (share_out)
        snprintf (share_out, 37, "%s", q.share_id);
    s_box_free (&a);
    s_box_free (&b);
}

static void
test_deny_reasons (void **state)
{
    (void) state;
    /* a category the consent does not cover */
    s_expect_deny (KBT_CJG, VT, s_person_bsn, CAT (JUSTITIE), PURPOSE (HULPVERLENING),
                   REASON (CATEGORY_NOT_COVERED), s_denied_share);
    /* another purpose */
    s_expect_deny (KBT_CJG, VT, s_person_bsn, CAT (PLAN), PURPOSE (TOEWIJZING),
                   REASON (PURPOSE_NOT_COVERED), NULL);
    /* Veilig Thuis asks: it would receive the data, and the consent names CJGs */
    s_expect_deny (KBT_VEILIG_THUIS, CJG, s_person_bsn, CAT (PLAN), PURPOSE (HULPVERLENING),
                   REASON (RECIPIENT_NOT_COVERED), NULL);
    /* ONDERWIJS is covered only by the consent that expired */
    s_expect_deny (KBT_CJG, VT, s_person_bsn, CAT (ONDERWIJS), PURPOSE (HULPVERLENING),
                   REASON (CONSENT_EXPIRED), NULL);
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.share WHERE outcome = 2"
                                      " AND justification IS NULL AND consent_id IS NULL"),
                      4);
}

static void
test_non_involved_is_told_nothing (void **state)
{
    (void) state;
    s_request_t q1, q2;
    s_box_t a1, b1, a2, b2;
    /* the wijkteam is not involved with the person's gezin ... */
    s_request_init (&q1, VT, s_person_bsn, CAT (PLAN));
    s_ask (KBT_WIJKTEAM, &q1, &a1, VT, &b1);
    /* ... and nobody knows the stranger */
    s_request_init (&q2, VT, s_stranger_bsn, CAT (PLAN));
    s_ask (KBT_WIJKTEAM, &q2, &a2, VT, &b2);
    const Ketenbus__V1__ShareDecision *d1 = s_only_decision (&a1, WT, q1.share_id);
    const Ketenbus__V1__ShareDecision *d2 = s_only_decision (&a2, WT, q2.share_id);
    assert_int_equal (d1->decision, OUTCOME (DENY));
    assert_int_equal (d1->reason, REASON (UNKNOWN_SUBJECT));
    /* the same answer in every field but the share id and the time */
    Ketenbus__V1__ShareDecision c1 = *d1, c2 = *d2;
    c1.share_id = c2.share_id = "";
    c1.decided_at_ms = c2.decided_at_ms = 0;
    size_t n1 = ketenbus__v1__share_decision__get_packed_size (&c1);
    size_t n2 = ketenbus__v1__share_decision__get_packed_size (&c2);
    assert_int_equal (n1, n2);
    uint8_t p1[256], p2[256];
    assert_true (n1 <= sizeof p1);
    ketenbus__v1__share_decision__pack (&c1, p1);
    ketenbus__v1__share_decision__pack (&c2, p2);
    assert_memory_equal (p1, p2, n1);
    assert_int_equal (a1.env[0]->correlation_id[0] != '\0', a2.env[0]->correlation_id[0] != '\0');
    assert_int_equal (b1.n, 0);
    assert_int_equal (b2.n, 0);
    /* and nothing of the gezin is recorded against the wijkteam */
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.share WHERE from_org = 'wijkteam-deurne'"
                                      " AND gezin_id IS NULL AND reason = 10"),
                      2);
    s_box_free (&a1);
    s_box_free (&b1);
    s_box_free (&a2);
    s_box_free (&b2);
}

static void
test_override_on_legal_ground (void **state)
{
    (void) state;
    s_request_t q;
    s_box_t a, b;
    const char *text = S_JUSTIFICATION_MARKER " acute zorgen over de veiligheid van het kind,"
                                              " Meldcode stap 2: collegiale consultatie";
    s_request_init (&q, VT, s_person_bsn, CAT (VEILIGHEID));
    q.req.legal_ground = GROUND (MELDCODE);
    q.req.justification = (char *) text;
    s_ask (KBT_CJG, &q, &a, VT, &b);
    const Ketenbus__V1__ShareDecision *d = s_only_decision (&a, CJG, q.share_id);
    assert_int_equal (d->decision, OUTCOME (ALLOW_OVERRIDE));
    assert_int_equal (d->reason, REASON (LEGAL_GROUND));
    assert_int_equal (d->legal_ground, GROUND (MELDCODE));
    assert_true (d->review_required);
    assert_int_equal (b.n, 2);
    assert_int_equal (b.env[0]->share_decision->decision, OUTCOME (ALLOW_OVERRIDE));
    assert_true (b.env[0]->share_decision->review_required);
    assert_int_equal (b.env[1]->share_request->legal_ground, GROUND (MELDCODE));
    assert_string_equal (b.env[1]->share_request->justification, "");
    s_box_free (&a);
    s_box_free (&b);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.share WHERE share_id = '%s'"
                                       " AND review_required AND review_outcome IS NULL"
                                       " AND justification LIKE '" S_JUSTIFICATION_MARKER "%%'",
                                       q.share_id),
                      1);
    /* audited with codes and the NEN 7513 emergency flag, never the text */
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE event = 'share.decided'"
                                      " AND outcome = 'ALLOW_OVERRIDE' AND reason = 'LEGAL_GROUND'"
                                      " AND flag_emergency AND NOT flag_consent"),
                      1);
    /* too short a justification: denied, and the text is not kept */
    s_request_init (&q, VT, s_person_bsn, CAT (VEILIGHEID));
    q.req.legal_ground = GROUND (ACUUT_GEVAAR);
    q.req.justification = S_JUSTIFICATION_MARKER " kort";
    s_ask (KBT_CJG, &q, &a, VT, &b);
    d = s_only_decision (&a, CJG, q.share_id);
    assert_int_equal (d->decision, OUTCOME (DENY));
    assert_int_equal (d->reason, REASON (JUSTIFICATION_MISSING));
    assert_int_equal (b.n, 0);
    s_box_free (&a);
    s_box_free (&b);
}

static void
test_response_routed_only_for_allowed_share (void **state)
{
    (void) state;
    kb_client_t *vt = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    long cjg_head = s_box_head (CJG), vt_head = s_box_head (VT);
    s_response_t r;
    /* B answers A's allowed request: delivered, sealed bytes unchanged */
    s_response_init (&r, s_allowed_share, CJG);
    s_send_ok (vt, &r.env);
    s_sync ();
    s_box_t box;
    s_box_read (CJG, cjg_head, &box);
    assert_int_equal (box.n, 1);
    assert_int_equal (box.env[0]->body_case, BODY (SHARE_RESPONSE));
    const Ketenbus__V1__ShareResponse *got = box.env[0]->share_response;
    assert_string_equal (got->from_org, VT);
    assert_string_equal (got->share_id, s_allowed_share);
    assert_int_equal (got->sealed_payload.len, r.resp.sealed_payload.len);
    assert_memory_equal (got->sealed_payload.data, r.sealed, r.resp.sealed_payload.len);
    unsigned char clear[128];
    assert_int_equal (crypto_box_seal_open (clear, got->sealed_payload.data,
                                            got->sealed_payload.len, s_b_pk, s_b_sk),
                      0);
    assert_memory_equal (clear, S_PAYLOAD_MARKER, strlen (S_PAYLOAD_MARKER));
    s_box_free (&box);
    cjg_head = s_box_head (CJG);

    /* a denied share, an unknown share, the wrong direction: not delivered,
       the sender is told why */
    struct { kb_client_t *c; const char *from, *to, *share; int reason; } cases[] = {
        { vt, VT, CJG, s_denied_share, REASON (CATEGORY_NOT_COVERED) },
        { vt, VT, CJG, "6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5", REASON (UNKNOWN_SUBJECT) },
        { cjg, CJG, VT, s_allowed_share, REASON (UNKNOWN_SUBJECT) },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long from_head = s_box_head (cases[i].from), to_head = s_box_head (cases[i].to);
        s_response_init (&r, cases[i].share, cases[i].to);
        s_send_ok (cases[i].c, &r.env);
        s_sync ();
        s_box_t from_box, to_box;
        s_box_read (cases[i].from, from_head, &from_box);
        s_box_read (cases[i].to, to_head, &to_box);
        const Ketenbus__V1__ShareDecision *d = s_only_decision (&from_box, cases[i].from,
                                                               cases[i].share);
        assert_int_equal (d->decision, OUTCOME (DENY));
        assert_int_equal (d->reason, cases[i].reason);
        assert_int_equal (to_box.n, 0);
        s_box_free (&from_box);
        s_box_free (&to_box);
    }
    (void) vt_head;
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM intake.mailbox WHERE body = 'share_response'"),
                      1);
    kb_client_destroy (&vt);
    kb_client_destroy (&cjg);
}

static void
test_withdraw_stops_sharing (void **state)
{
    (void) state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    long cjg_head = s_box_head (CJG), vt_head = s_box_head (VT);
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__ConsentWithdraw w = KETENBUS__V1__CONSENT_WITHDRAW__INIT;
    char today[11];
    s_date (0, today);
    w.consent_id = s_consent;
    w.partner_case_ref = "CJG-CONSENT-1";
    w.bsn = s_person_bsn;
    w.withdrawn_by = KETENBUS__V1__CONSENT_GIVER__CONSENT_GIVER_PARENT_GUARDIAN;
    w.withdrawn_date = today;
    env.body_case = BODY (CONSENT_WITHDRAW);
    env.consent_withdraw = &w;
    /* another person's bsn withdraws nothing */
    w.bsn = s_stranger_bsn;
    s_send_ok (cjg, &env);
    w.bsn = s_person_bsn;
    s_send_ok (cjg, &env);
    s_sync ();
    s_box_t box;
    s_box_read (CJG, cjg_head, &box);
    assert_int_equal (box.n, 2);
    assert_int_equal (box.env[0]->consent_recorded->status,
                      KETENBUS__V1__CONSENT_STATUS__CONSENT_STATUS_UNKNOWN_CONSENT);
    assert_int_equal (box.env[1]->consent_recorded->status,
                      KETENBUS__V1__CONSENT_STATUS__CONSENT_STATUS_WITHDRAWN);
    s_box_free (&box);
    /* Veilig Thuis shared on it: it is told, without the person */
    s_box_read (VT, vt_head, &box);
    assert_int_equal (box.n, 1);
    assert_int_equal (box.env[0]->body_case, BODY (CONSENT_WITHDRAW));
    assert_string_equal (box.env[0]->consent_withdraw->to_org, VT);
    assert_string_equal (box.env[0]->consent_withdraw->consent_id, s_consent);
    assert_string_equal (box.env[0]->consent_withdraw->bsn, "");
    assert_string_equal (box.env[0]->consent_withdraw->pseudonym, "");
    s_box_free (&box);
    kb_client_destroy (&cjg);
    /* a new request is denied, and the answer to the old one is not delivered */
    s_expect_deny (KBT_CJG, VT, s_person_bsn, CAT (PLAN), PURPOSE (HULPVERLENING),
                   REASON (CONSENT_WITHDRAWN), NULL);
    kb_client_t *vt = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
    cjg_head = s_box_head (CJG);
    vt_head = s_box_head (VT);
    s_response_t r;
    s_response_init (&r, s_allowed_share, CJG);
    s_send_ok (vt, &r.env);
    s_sync ();
    s_box_read (VT, vt_head, &box);
    const Ketenbus__V1__ShareDecision *d = s_only_decision (&box, VT, s_allowed_share);
    assert_int_equal (d->reason, REASON (CONSENT_WITHDRAWN));
    s_box_free (&box);
    assert_int_equal (s_box_head (CJG), cjg_head);
    kb_client_destroy (&vt);
}

static void
test_gezin_only_and_inactive_recipient (void **state)
{
    (void) state;
    s_request_t q;
    s_box_t a, b;
    /* consent is per person: a request about the gezin alone needs a legal ground */
    s_request_init (&q, VT, NULL, CAT (PLAN));
    q.req.gezin_ref = s_gezin_ref;
    s_ask (KBT_CJG, &q, &a, VT, &b);
    assert_int_equal (s_only_decision (&a, CJG, q.share_id)->reason, REASON (NO_CONSENT));
    assert_int_equal (b.n, 0);
    s_box_free (&a);
    s_box_free (&b);
    s_request_init (&q, VT, NULL, CAT (VEILIGHEID));
    q.req.gezin_ref = s_gezin_ref;
    q.req.legal_ground = GROUND (WETTELIJKE_PLICHT);
    q.req.justification = "wettelijke plicht: de rechter vraagt om de gegevens van dit gezin, zie brief";
    s_ask (KBT_CJG, &q, &a, VT, &b);
    assert_int_equal (s_only_decision (&a, CJG, q.share_id)->decision, OUTCOME (ALLOW_OVERRIDE));
    assert_int_equal (b.n, 2);
    assert_string_equal (b.env[1]->share_request->gezin_ref, s_gezin_ref);
    s_box_free (&a);
    s_box_free (&b);
    /* an unknown gezin ref, asked by an involved organisation: the same denial */
    s_request_init (&q, VT, NULL, CAT (PLAN));
    q.req.gezin_ref = "no-such-gezin";
    s_ask (KBT_CJG, &q, &a, VT, &b);
    assert_int_equal (s_only_decision (&a, CJG, q.share_id)->reason, REASON (UNKNOWN_SUBJECT));
    assert_int_equal (b.n, 0);
    s_box_free (&a);
    s_box_free (&b);
    /* a recipient zorgtoewijzing's directory knows as inactive */
    kbt_exec (s_intake->conninfo,
              "UPDATE zorgtoewijzing.partner SET active = false WHERE org_id = 'gemeente-helmond'");
    s_request_init (&q, "gemeente-helmond", s_person_bsn, CAT (PLAN));
    s_ask (KBT_CJG, &q, &a, "gemeente-helmond", &b);
    assert_int_equal (s_only_decision (&a, CJG, q.share_id)->reason, REASON (RECIPIENT_INACTIVE));
    assert_int_equal (b.n, 0);
    s_box_free (&a);
    s_box_free (&b);
    kbt_exec (s_intake->conninfo,
              "UPDATE zorgtoewijzing.partner SET active = true WHERE org_id = 'gemeente-helmond'");
}

static void
test_offer_to_a_named_recipient (void **state)
{
    (void) state;
    /* consent to give Veilig Thuis (by name) the plan */
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    char consent[37];
    kb_uuid_v4 (consent);
    s_grant_t g;
    s_grant_init (&g, consent, s_person_bsn);
    g.grant.recipient_case = KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG;
    g.grant.recipient_org = (char *) VT;
    s_send_ok (cjg, &g.env);
    s_sync ();   /* its ConsentRecorded is in the mailbox before s_ask reads the head */
    kb_client_destroy (&cjg);
    s_request_t q;
    s_box_t a, b;
    s_request_init (&q, VT, s_person_bsn, CAT (PLAN));
    q.req.direction = KETENBUS__V1__SHARE_DIRECTION__SHARE_DIRECTION_OFFER;
    s_ask (KBT_CJG, &q, &a, VT, &b);
    const Ketenbus__V1__ShareDecision *d = s_only_decision (&a, CJG, q.share_id);
    assert_int_equal (d->decision, OUTCOME (ALLOW));
    assert_string_equal (d->consent_id, consent);
    assert_int_equal (b.n, 2);
    assert_int_equal (b.env[1]->share_request->direction,
                      KETENBUS__V1__SHARE_DIRECTION__SHARE_DIRECTION_OFFER);
    s_box_free (&a);
    s_box_free (&b);
    /* the offering CJG sends; Veilig Thuis cannot send on this share */
    long vt_head = s_box_head (VT), cjg_head = s_box_head (CJG);
    s_response_t r;
    cjg = kbt_intake_client (s_intake, KBT_CJG);
    s_response_init (&r, q.share_id, VT);
    s_send_ok (cjg, &r.env);
    kb_client_destroy (&cjg);
    kb_client_t *vt = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
    s_response_init (&r, q.share_id, CJG);
    s_send_ok (vt, &r.env);
    kb_client_destroy (&vt);
    s_sync ();
    s_box_read (VT, vt_head, &b);
    assert_int_equal (b.n, 2);
    assert_int_equal (b.env[0]->body_case, BODY (SHARE_RESPONSE));
    assert_string_equal (b.env[0]->share_response->from_org, CJG);
    assert_int_equal (b.env[1]->body_case, BODY (SHARE_DECISION));
    assert_int_equal (b.env[1]->share_decision->reason, REASON (UNKNOWN_SUBJECT));
    s_box_free (&b);
    assert_int_equal (s_box_head (CJG), cjg_head);
}

static void
test_mailbox_delivers_to_connected_partner (void **state)
{
    (void) state;
    /* the CJG connects and replays: its decisions arrive as Delivers */
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    assert_int_equal (kb_client_replay (cjg, 0), 0);
    long want = s_box_head (CJG);
    int decisions = 0;
    long last = 0;
    int64_t deadline = kbt_now_ms () + 10000;
    while (last < want && kbt_now_ms () < deadline) {
        kb_envelope_t *env = NULL;
        if (kb_client_recv (cjg, 500, &env) != 0)
            continue;
        if (env->body_case == BODY (DELIVER)) {
            kb_envelope_t *inner = NULL;
            assert_int_equal (kb_codec_decode (env->deliver->envelope.data,
                                               env->deliver->envelope.len, 1 << 20, &inner),
                              KB_CODEC_OK);
            if (inner->body_case == BODY (SHARE_DECISION))
                decisions++;
            kb_codec_free (&inner);
            last = (long) env->deliver->mailbox_seq;
            kb_client_delivery_ack (cjg, env->deliver->mailbox_seq);
        }
        kb_codec_free (&env);
    }
    assert_int_equal (last, want);
    assert_true (decisions >= 8);
    kb_client_destroy (&cjg);
}

/* Withdrawal also stops what already waits: 1,000 share payloads queued
   for a partner that is offline; after the withdrawal's commit (its Ack)
   none of them is pushed or replayed, and later mailbox messages still
   arrive past the gap. */
static void
test_withdraw_holds_back_queued_shares (void **state)
{
    (void) state;
    enum { N = 1000 };
    char consent[37], today[11];
    kb_uuid_v4 (consent);
    s_date (0, today);
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *vt = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
    s_grant_t g;
    s_grant_init (&g, consent, s_person_bsn);
    g.cats[0] = CAT (ONDERWIJS);
    g.grant.n_data_categories = 1;
    s_send_ok (cjg, &g.env);
    s_sync ();   /* its ConsentRecorded is in the mailbox before s_ask reads the head */
    s_request_t q;
    s_box_t a, b;
    s_request_init (&q, VT, s_person_bsn, CAT (ONDERWIJS));
    s_ask (KBT_CJG, &q, &a, VT, &b);
    assert_int_equal (s_only_decision (&a, CJG, q.share_id)->decision, OUTCOME (ALLOW));
    s_box_free (&a);
    s_box_free (&b);

    /* Veilig Thuis answers a thousand times; the CJG is not connected */
    s_response_t r;
    s_response_init (&r, q.share_id, CJG);
    for (int i = 0; i < N; i++) {
        r.env.message_id = NULL;
        assert_int_equal (kb_client_send (vt, &r.env), 0);
    }
    for (int i = 0; i < N; i++) {
        kb_envelope_t *reply = NULL;
        assert_int_equal (kb_client_recv (vt, 20000, &reply), 0);
        assert_int_equal (reply->body_case, BODY (ACK));
        kb_codec_free (&reply);
    }
    s_expected += N;
    s_sync ();
    char sql[512];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM intake.mailbox WHERE org_id = '%s' AND consent_id = '%s'"
              " AND body = 'share_response' AND blocked_at IS NULL AND acked_at IS NULL",
              CJG, consent);
    assert_int_equal (kbt_query_long (s_intake->conninfo, sql), N);

    /* the person withdraws; the Ack means the withdrawal is committed */
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__ConsentWithdraw w = KETENBUS__V1__CONSENT_WITHDRAW__INIT;
    w.consent_id = consent;
    w.partner_case_ref = "CJG-CONSENT-1";
    w.bsn = s_person_bsn;
    w.withdrawn_by = KETENBUS__V1__CONSENT_GIVER__CONSENT_GIVER_PARENT_GUARDIAN;
    w.withdrawn_date = today;
    env.body_case = BODY (CONSENT_WITHDRAW);
    env.consent_withdraw = &w;
    s_send_ok (cjg, &env);
    assert_int_equal (kbt_query_long (s_intake->conninfo, sql), 0);
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM intake.mailbox WHERE consent_id = '%s'"
              " AND blocked_reason = 'consent_withdrawn' AND body = 'share_response'", consent);
    assert_int_equal (kbt_query_long (s_intake->conninfo, sql), N);
    /* and the request forwarded to Veilig Thuis, not yet fetched, too */
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM intake.mailbox WHERE consent_id = '%s' AND org_id = '%s'"
              " AND blocked_reason = 'consent_withdrawn' AND body = 'share_request'",
              consent, VT);
    assert_int_equal (kbt_query_long (s_intake->conninfo, sql), 1);
    /* one more answer racing the withdrawal: refused by zorgtoewijzing or
       held back on arrival, never delivered */
    s_send_ok (vt, &r.env);
    s_sync ();
    long want = s_box_head (CJG); /* ends with the ConsentRecorded(WITHDRAWN) */

    /* the CJG comes online and replays everything */
    assert_int_equal (kb_client_replay (cjg, 0), 0);
    long last = 0;
    int responses = 0, recorded_withdrawn = 0;
    int64_t deadline = kbt_now_ms () + 20000;
    while (last < want && kbt_now_ms () < deadline) {
        kb_envelope_t *e = NULL;
        if (kb_client_recv (cjg, 500, &e) != 0)
            continue;
        if (e->body_case == BODY (DELIVER)) {
            kb_envelope_t *inner = NULL;
            assert_int_equal (kb_codec_decode (e->deliver->envelope.data,
                                               e->deliver->envelope.len, 1 << 20, &inner),
                              KB_CODEC_OK);
            if (inner->body_case == BODY (SHARE_RESPONSE)
                && strcmp (inner->share_response->share_id, q.share_id) == 0)
                responses++;
            if (inner->body_case == BODY (CONSENT_RECORDED)
                && strcmp (inner->consent_recorded->consent_id, consent) == 0
                && inner->consent_recorded->status
                     == KETENBUS__V1__CONSENT_STATUS__CONSENT_STATUS_WITHDRAWN)
                recorded_withdrawn++;
            kb_codec_free (&inner);
            last = (long) e->deliver->mailbox_seq;
            kb_client_delivery_ack (cjg, e->deliver->mailbox_seq);
        }
        kb_codec_free (&e);
    }
    assert_int_equal (last, want);
    assert_int_equal (responses, 0);
    assert_int_equal (recorded_withdrawn, 1);
    kb_client_destroy (&vt);
    kb_client_destroy (&cjg);
}

/* Sends env with message id id until intake acknowledges it (accepted or
   duplicate), on a new connection after every silence: intake may be
   restarting. */
static void
s_send_until_acked (int partner, kb_envelope_t *env, const char *id)
{
    int64_t deadline = kbt_now_ms () + 60000;
    for (;;) {
        assert_true (kbt_now_ms () < deadline);
        kb_client_t *c = kbt_intake_client (s_intake, partner);
        env->message_id = (char *) id;
        bool acked = false;
        if (kb_client_send (c, env) == 0) {
            kb_envelope_t *reply = NULL;
            if (kb_client_recv (c, 3000, &reply) == 0) {
                assert_int_equal (reply->body_case, BODY (ACK));
                acked = true;
            }
            kb_codec_free (&reply);
        }
        kb_client_destroy (&c);
        env->message_id = NULL;
        if (acked)
            return;
        kbt_sleep_ms (200);
    }
}

/* Fault: a withdrawal races a stream of share payloads while intake and
   zorgtoewijzing are killed -9 and restarted; the sender retries what was
   not acknowledged. The recipient, offline throughout, finally replays
   its mailbox: not one payload of the share is delivered - those queued
   before the withdrawal were held back by its commit, the later ones
   refused or held back on arrival. */
static void
test_withdraw_race_with_kill9 (void **state)
{
    (void) state;
    enum { N = 300, WITHDRAW_AT = 100 };
    char consent[37], today[11], id[37];
    kb_uuid_v4 (consent);
    s_date (0, today);
    s_grant_t g;
    s_grant_init (&g, consent, s_person_bsn);
    g.cats[0] = CAT (JUSTITIE);
    g.grant.n_data_categories = 1;
    kb_uuid_v4 (id);
    s_send_until_acked (KBT_CJG, &g.env, id);
    s_expected++;
    s_request_t q;
    s_box_t a, b;
    s_request_init (&q, VT, s_person_bsn, CAT (JUSTITIE));
    s_ask (KBT_CJG, &q, &a, VT, &b);
    assert_int_equal (s_only_decision (&a, CJG, q.share_id)->decision, OUTCOME (ALLOW));
    s_box_free (&a);
    s_box_free (&b);
    long cjg_head = s_box_head (CJG);

    kb_envelope_t wenv = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__ConsentWithdraw w = KETENBUS__V1__CONSENT_WITHDRAW__INIT;
    w.consent_id = consent;
    w.partner_case_ref = "CJG-CONSENT-1";
    w.bsn = s_person_bsn;
    w.withdrawn_by = KETENBUS__V1__CONSENT_GIVER__CONSENT_GIVER_PERSON;
    w.withdrawn_date = today;
    wenv.body_case = BODY (CONSENT_WITHDRAW);
    wenv.consent_withdraw = &w;
    s_response_t r;
    s_response_init (&r, q.share_id, CJG);
    for (int i = 0; i < N; i++) {
        if (i == WITHDRAW_AT) {
            kb_uuid_v4 (id);
            s_send_until_acked (KBT_CJG, &wenv, id);
            /* committed: the Ack says so; now intake dies at once */
            kbt_intake_stop (s_intake, SIGKILL);
            kbt_intake_start (s_intake, NULL);
        }
        if (i == WITHDRAW_AT + 50) {
            kbt_zorg_stop (s_zorg, SIGKILL);
            kbt_zorg_start (s_zorg, NULL);
        }
        if (i == WITHDRAW_AT + 120)
            kbt_intake_stop (s_intake, SIGKILL), kbt_intake_start (s_intake, NULL);
        kb_uuid_v4 (id);
        s_send_until_acked (KBT_VEILIG_THUIS, &r.env, id);
    }
    /* everything forwarded, applied and queued */
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT count(*) FROM intake.kb_outbox"
                                          " WHERE acked_at IS NULL AND dead_at IS NULL",
                                          0, 60000),
                      0);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT count(*) FROM zorgtoewijzing.kb_outbox"
                                          " WHERE acked_at IS NULL AND dead_at IS NULL",
                                          0, 60000),
                      0);
    s_expected = kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_inbox");
    long want = s_box_head (CJG);
    assert_true (want > cjg_head);

    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    assert_int_equal (kb_client_replay (cjg, (uint64_t) cjg_head + 1), 0);
    long last = cjg_head;
    int responses = 0;
    int64_t deadline = kbt_now_ms () + 30000;
    while (last < want && kbt_now_ms () < deadline) {
        kb_envelope_t *e = NULL;
        if (kb_client_recv (cjg, 500, &e) != 0)
            continue;
        if (e->body_case == BODY (DELIVER)) {
            kb_envelope_t *inner = NULL;
            assert_int_equal (kb_codec_decode (e->deliver->envelope.data,
                                               e->deliver->envelope.len, 1 << 20, &inner),
                              KB_CODEC_OK);
            if (inner->body_case == BODY (SHARE_RESPONSE)
                && strcmp (inner->share_response->share_id, q.share_id) == 0)
                responses++;
            kb_codec_free (&inner);
            last = (long) e->deliver->mailbox_seq;
            kb_client_delivery_ack (cjg, e->deliver->mailbox_seq);
        }
        kb_codec_free (&e);
    }
    assert_int_equal (last, want);
    assert_int_equal (responses, 0);
    /* the ones before the withdrawal were queued, then held back */
    char sql[256];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM intake.mailbox WHERE consent_id = '%s' AND org_id = '%s'"
              " AND blocked_at IS NOT NULL", consent, CJG);
    assert_true (kbt_query_long (s_intake->conninfo, sql) >= 1);
    kb_client_destroy (&cjg);
}

static void
test_no_justification_or_bsn_in_the_database (void **state)
{
    (void) state;
    char *dir = kbt_var_path ("it_share-dump");
    char cmd[2048];
    snprintf (cmd, sizeof cmd,
              "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_dump --data-only "
              "--inserts '%s' > '%s/dump.sql'",
              s_intake->conninfo, dir);
    assert_int_equal (system (cmd), 0);
    snprintf (cmd, sizeof cmd, "%s/dump.sql", dir);
    struct stat st;
    assert_int_equal (stat (cmd, &st), 0);
    FILE *f = fopen (cmd, "r");
    assert_non_null (f);
    char *text = calloc (1, (size_t) st.st_size + 1);
    assert_int_equal (fread (text, 1, (size_t) st.st_size, f), (size_t) st.st_size);
    fclose (f);
    /* the justification: once, in the share row of the override */
    int found = 0;
    for (char *line = strtok (text, "\n"); line; line = strtok (NULL, "\n")) {
        if (strstr (line, s_person_bsn) || strstr (line, s_stranger_bsn))
            fail_msg ("a bsn is in the database dump: %.80s", line);
        if (strstr (line, S_PAYLOAD_MARKER))
            fail_msg ("the opened payload is in the database dump");
        if (strstr (line, S_JUSTIFICATION_MARKER)) {
            if (strncmp (line, "INSERT INTO zorgtoewijzing.share ", 33) != 0)
                fail_msg ("the justification is outside share.justification: %.60s", line);
            found++;
        }
    }
    assert_int_equal (found, 1);
    free (text);
    /* nor in the audit rows or the partners' mailboxes as bytes */
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM intake.mailbox WHERE position ('"
                                      S_JUSTIFICATION_MARKER "'::bytea IN envelope) > 0"),
                      0);
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.kb_outbox WHERE position ('"
                                      S_JUSTIFICATION_MARKER "'::bytea IN payload) > 0"),
                      0);
    /* nor in either daemon's log */
    assert_int_equal (kbt_intake_log_count (s_intake, S_JUSTIFICATION_MARKER), 0);
    assert_int_equal (kbt_zorg_log_count (s_zorg, S_JUSTIFICATION_MARKER), 0);
    assert_int_equal (kbt_intake_log_count (s_intake, s_person_bsn), 0);
    assert_int_equal (kbt_zorg_log_count (s_zorg, s_person_bsn), 0);
    /* nor in intake's link rows once zorgtoewijzing acknowledged the
       ShareRequest (link/prune_after_s = 0 deletes them at the ack) */
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT count(*) FROM intake.kb_outbox WHERE position ('"
                                          S_JUSTIFICATION_MARKER "'::bytea IN payload) > 0",
                                          0,
                                          20000),
                      0);
    free (dir);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_intake_rejects_bad_consent_and_shares),
        cmocka_unit_test (test_consent_recorded_and_confirmed),
        cmocka_unit_test (test_allow_on_consent),
        cmocka_unit_test (test_deny_reasons),
        cmocka_unit_test (test_non_involved_is_told_nothing),
        cmocka_unit_test (test_override_on_legal_ground),
        cmocka_unit_test (test_response_routed_only_for_allowed_share),
        cmocka_unit_test (test_gezin_only_and_inactive_recipient),
        cmocka_unit_test (test_withdraw_stops_sharing),
        cmocka_unit_test (test_offer_to_a_named_recipient),
        cmocka_unit_test (test_mailbox_delivers_to_connected_partner),
        cmocka_unit_test (test_withdraw_holds_back_queued_shares),
        cmocka_unit_test (test_withdraw_race_with_kill9),
        cmocka_unit_test (test_no_justification_or_bsn_in_the_database),
    };
    return cmocka_run_group_tests_name ("it_share", tests, s_setup, s_teardown);
}
