/*  it_zorg - zorgtoewijzing end to end: partners' signals through the real
    intake, the link and the real zorgtoewijzing daemon; transfer answers
    and toewijzingen injected on zorgtoewijzing's link. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "kb_test_zorg.h"
#include "zorg_gezin.h"
#include "zorg_plan.h"

#include "ketenbus/kb_uuid.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_EXTRA 4
#define S_CONCURRENT 50
#define S_ROUNDS 20

static kbt_intake_t *s_intake;
static kbt_zorg_t *s_zorg;
static long s_expected;     /* messages zorgtoewijzing must have applied */
static const char *s_extra_org[S_EXTRA] = { "veiligheidshuis-peel", "ggd-vangnet-peel",
                                            "wijkteam-helmond", "cjg-deurne" };
static const char *s_extra_type[S_EXTRA] = { "veiligheidshuis", "ggd-vangnet", "wijkteam", "cjg" };
static const char *s_extra_gebied[S_EXTRA] = { "", "", "centrum", "centrum" };
static const char *s_extra_gemeente[S_EXTRA] = { "", "", "0794", "0762" };
static char *s_extra_cert[S_EXTRA];
static char *s_conc_cert[S_CONCURRENT];
enum { S_VH = 0, S_GGD, S_WT_HELMOND, S_CJG_DEURNE };

/* zorgtoewijzing keeps its acknowledged link rows: the tests read what it
   sent from its outbox (s_outbox), where an acknowledged row is otherwise
   deleted at once */
static void
s_start_zorg (const char *const env[])
{
    const char *all[16] = { "KETENBUS_LINK_PRUNE_AFTER_S=86400" };
    int n = 1;
    for (int i = 0; env && env[i] && n < 15; i++)
        all[n++] = env[i];
    all[n] = NULL;
    kbt_zorg_start (s_zorg, all);
}

static int
s_setup (void **state)
{
    (void) state;
    s_intake = kbt_intake_setup ("it_zorg");
    s_zorg = kbt_zorg_setup (s_intake);
    for (int i = 0; i < S_EXTRA; i++)
        s_extra_cert[i] = kbt_zorg_register_intake (s_zorg, s_extra_org[i], s_extra_type[i],
                                                    s_extra_gebied[i], s_extra_gemeente[i]);
    for (int i = 0; i < S_CONCURRENT; i++) {
        char org[32];
        snprintf (org, sizeof org, "mo-%02d", i);
        s_conc_cert[i] = kbt_zorg_register_intake (s_zorg, org, "maatschappelijke-opvang", "", "0794");
    }
    kbt_intake_start (s_intake, NULL);
    s_start_zorg (NULL);
    static const char *types[KBT_PARTNERS] = { "cjg", "veilig-thuis", "gemeente", "wijkteam" };
    static const char *gemeenten[KBT_PARTNERS] = { "0794", "", "0794", "0762" };
    for (int i = 0; i < KBT_PARTNERS; i++)
        kbt_zorg_directory (s_zorg, s_intake->partner_org[i], types[i], "centrum", gemeenten[i]);
    for (int i = 0; i < S_EXTRA; i++)
        kbt_zorg_directory (s_zorg, s_extra_org[i], s_extra_type[i], s_extra_gebied[i],
                            s_extra_gemeente[i]);
    /* the registry also announces every partner (PartnerUpdate on the link) */
    kbt_wait_for_value (s_intake->conninfo,
                        "SELECT count(*) FROM zorgtoewijzing.kb_inbox WHERE stream = 'registry'",
                        KBT_PARTNERS + S_EXTRA + S_CONCURRENT, 10000);
    s_expected = kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_inbox");
    assert_int_equal (kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.partner"),
                      KBT_PARTNERS + S_EXTRA + S_CONCURRENT);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    kbt_zorg_teardown (&s_zorg);
    kbt_intake_teardown (&s_intake);
    for (int i = 0; i < S_EXTRA; i++)
        free (s_extra_cert[i]);
    for (int i = 0; i < S_CONCURRENT; i++)
        free (s_conc_cert[i]);
    return 0;
}

static kb_client_t *
s_client (int extra)
{
    return kbt_intake_client_cert (s_intake, s_extra_cert[extra]);
}

/* Sends one signal and expects it accepted; zorgtoewijzing will apply it. */
static void
s_signal (kb_client_t *client, kbt_signal_t *s)
{
    kb_uuid_v4 (s->message_id);
    assert_int_equal (kb_client_send (client, &s->env), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    assert_int_equal (reply->ack->status, KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED);
    kb_codec_free (&reply);
    s_expected++;
}

static void
s_sync (void)
{
    kbt_zorg_wait_inbox (s_zorg, s_expected, 30000);
}

static void
s_inject (kb_envelope_t *env, const char *stream)
{
    char id[37];
    kbt_zorg_inject (s_zorg, env, stream, id);
    s_expected++;
}

/* The gezin a partner's case belongs to ("" when none; caller frees). */
static char *
s_gezin_of (const char *org, const char *case_ref)
{
    char *ref = kbt_query_strf (s_intake->conninfo, "SELECT g.ref FROM zorgtoewijzing.involvement i JOIN zorgtoewijzing.gezin g"
                       " ON g.id = i.gezin_id WHERE i.org_id = '%s' AND i.partner_case_ref = '%s'",
                       org, case_ref);
    return ref ? ref : strdup ("");
}

static long
s_active_plans (const char *gezin_ref)
{
    return kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.gezin g ON g.id = p.gezin_id"
                   " WHERE g.ref = '%s' AND p.status = 'active'", gezin_ref);
}

static char *
s_regisseur (const char *gezin_ref)
{
    char *org = kbt_query_strf (s_intake->conninfo, "SELECT coalesce(p.regisseur_org, '') || '/' || p.rule_name FROM zorgtoewijzing.plan p"
                       " JOIN zorgtoewijzing.gezin g ON g.id = p.gezin_id WHERE g.ref = '%s'"
                       " AND p.status = 'active'", gezin_ref);
    return org ? org : strdup ("");
}

/*  Outbox decoding */

typedef struct {
    char stream[80];
    kb_envelope_t *env;
} s_out_t;

static int
s_outbox (s_out_t **rows_p)
{
    PGconn *conn = PQconnectdb (s_intake->conninfo);
    assert_int_equal (PQstatus (conn), CONNECTION_OK);
    PGresult *res = PQexecParams (conn, "SELECT stream, payload FROM zorgtoewijzing.kb_outbox ORDER BY id",
                                  0, NULL, NULL, NULL, NULL, 1);
    assert_int_equal (PQresultStatus (res), PGRES_TUPLES_OK);
    int n = PQntuples (res);
    s_out_t *rows = calloc ((size_t) n + 1, sizeof *rows);
    for (int i = 0; i < n; i++) {
        snprintf (rows[i].stream, sizeof rows[i].stream, "%.*s", PQgetlength (res, i, 0),
                  PQgetvalue (res, i, 0));
        assert_int_equal (kb_codec_decode ((const uint8_t *) PQgetvalue (res, i, 1),
                                           (size_t) PQgetlength (res, i, 1), 1 << 20, &rows[i].env),
                          KB_CODEC_OK);
        assert_string_equal (rows[i].env->sender_org, "zorgtoewijzing");
    }
    PQclear (res);
    PQfinish (conn);
    *rows_p = rows;
    return n;
}

static void
s_outbox_free (s_out_t *rows, int n)
{
    for (int i = 0; i < n; i++)
        kb_codec_free (&rows[i].env);
    free (rows);
}

static const char *
s_gezin_ref_of (const kb_envelope_t *env)
{
    switch (env->body_case) {
        case KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION:
            return env->match_notification->gezin_ref;
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT:
            return env->regie_assignment->gezin_ref;
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST:
            return env->regie_transfer_request->gezin_ref;
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE:
            return env->regie_transfer_response->gezin_ref;
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED:
            return env->regie_transfer_ended->gezin_ref;
        default:
            return "";
    }
}

static const char *
s_to_org_of (const kb_envelope_t *env)
{
    switch (env->body_case) {
        case KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION:
            return env->match_notification->to_org;
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT:
            return env->regie_assignment->to_org;
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST:
            /* the regisseur's copy of a hogere regie proposal names it */
            return *env->regie_transfer_request->notify_org
                     ? env->regie_transfer_request->notify_org
                     : env->regie_transfer_request->to_org;
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE:
            return env->regie_transfer_response->from_org;
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED:
            return env->regie_transfer_ended->to_org;
        default:
            return "";
    }
}

/* Counts outbox messages for gezin_ref of body_case (0: any) to to_org
   (NULL: any); checks every one travels on its recipient's stream. */
static int
s_count_out (const char *gezin_ref, int body_case, const char *to_org)
{
    s_out_t *rows;
    int n = s_outbox (&rows), count = 0;
    for (int i = 0; i < n; i++) {
        const kb_envelope_t *e = rows[i].env;
        if (strcmp (s_gezin_ref_of (e), gezin_ref) != 0)
            continue;
        assert_string_equal (rows[i].stream, s_to_org_of (e));
        if ((body_case == 0 || (int) e->body_case == body_case)
            && (!to_org || strcmp (s_to_org_of (e), to_org) == 0))
            count++;
    }
    s_outbox_free (rows, n);
    return count;
}

/* Counts RegieTransferEnded notices of transfer_id to to_org (on its
   stream), checking what each says: the transfer's two organisations,
   how it ended, the recipient's own case reference. */
static int
s_count_ended (const char *transfer_id, const char *to_org, const char *from_org,
               const char *proposed_org, int end, const char *case_ref)
{
    s_out_t *rows;
    int n = s_outbox (&rows), count = 0;
    for (int i = 0; i < n; i++) {
        const kb_envelope_t *e = rows[i].env;
        if (e->body_case != KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED
            || strcmp (e->regie_transfer_ended->transfer_id, transfer_id) != 0
            || strcmp (e->regie_transfer_ended->to_org, to_org) != 0)
            continue;
        const Ketenbus__V1__RegieTransferEnded *t = e->regie_transfer_ended;
        assert_string_equal (rows[i].stream, to_org);
        assert_string_equal (t->from_org, from_org);
        assert_string_equal (t->proposed_org, proposed_org);
        assert_int_equal (t->end, end);
        assert_string_equal (t->partner_case_ref, case_ref);
        assert_true (t->ended_at_ms > 0);
        count++;
    }
    s_outbox_free (rows, n);
    return count;
}

/* Counts RegieTransferRequests of transfer_id from from_org to to_org that
   go to recipient (on its stream) with its case reference: the one asked,
   or the regisseur a copy names in notify_org. */
static int
s_count_request (const char *transfer_id, const char *recipient, const char *from_org,
                 const char *to_org, const char *case_ref)
{
    s_out_t *rows;
    int n = s_outbox (&rows), count = 0;
    for (int i = 0; i < n; i++) {
        const kb_envelope_t *e = rows[i].env;
        if (e->body_case != KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST
            || strcmp (e->regie_transfer_request->transfer_id, transfer_id) != 0
            || strcmp (rows[i].stream, recipient) != 0)
            continue;
        const Ketenbus__V1__RegieTransferRequest *q = e->regie_transfer_request;
        assert_string_equal (q->notify_org, strcmp (recipient, to_org) == 0 ? "" : recipient);
        assert_string_equal (q->from_org, from_org);
        assert_string_equal (q->to_org, to_org);
        assert_string_equal (q->partner_case_ref, case_ref);
        assert_int_equal (q->reason,
                          KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_VEILIGHEID);
        assert_true (q->deadline_at_ms > q->requested_at_ms);
        count++;
    }
    s_outbox_free (rows, n);
    return count;
}

/* Counts MatchNotifications for gezin_ref to to_org about other_org with
   event (0: any). */
static int
s_count_match (const char *gezin_ref, const char *to_org, const char *other_org, int event)
{
    s_out_t *rows;
    int n = s_outbox (&rows), count = 0;
    for (int i = 0; i < n; i++) {
        const kb_envelope_t *e = rows[i].env;
        if (e->body_case != KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION)
            continue;
        const Ketenbus__V1__MatchNotification *m = e->match_notification;
        if (strcmp (m->gezin_ref, gezin_ref) == 0 && strcmp (m->to_org, to_org) == 0
            && strcmp (m->other_org, other_org) == 0 && (event == 0 || (int) m->event == event))
            count++;
    }
    s_outbox_free (rows, n);
    return count;
}

static void
s_adult (kbt_signal_t *s)
{
    s->subject.birth_date = "1980-03-01";
    s->subject.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER;
}

/*  Tests */

static void
test_each_default_rule (void **state)
{
    (void) state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *wth = s_client (S_WT_HELMOND);
    kb_client_t *wtd = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kbt_signal_t s;

    /* acute onveiligheid -> Veilig Thuis (the only one in the region) */
    kbt_signal_init (&s, 100);
    snprintf (s.case_ref, sizeof s.case_ref, "R-ACUUT");
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_HUISELIJK_GEWELD;
    s.signal.urgency = KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG;
    s_signal (cjg, &s);
    /* overlast multi-problem -> Veiligheidshuis */
    kbt_signal_init (&s, 101);
    s_adult (&s);
    snprintf (s.case_ref, sizeof s.case_ref, "R-OVERLAST");
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_OVERLAST_CRIMINALITEIT;
    s.categories[1] = KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN;
    s_signal (wth, &s);
    /* dakloos -> GGD Vangnet and a POT for the homeless person */
    kbt_signal_init (&s, 102);
    s_adult (&s);
    snprintf (s.case_ref, sizeof s.case_ref, "R-DAKLOOS");
    s.signal.n_household = 0;
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN;
    s.signal.n_categories = 1;
    s.signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS;
    s_signal (wth, &s);
    /* minors -> the CJG of the gebied (centrum of 0794, not of 0762) */
    kbt_signal_init (&s, 103);
    snprintf (s.case_ref, sizeof s.case_ref, "R-MINOR");
    s_signal (wth, &s);
    /* otherwise -> the wijkteam of the gebied (centrum of 0762) */
    kbt_signal_init (&s, 104);
    s_adult (&s);
    snprintf (s.case_ref, sizeof s.case_ref, "R-WIJK");
    s.signal.gemeente_code = "0762";
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN;
    s.signal.n_categories = 1;
    s_signal (wtd, &s);
    s_sync ();

    struct { const char *org, *ref, *want; } cases[] = {
        { "cjg-helmond", "R-ACUUT", "veiligthuis-peel/acuut_onveilig" },
        { "wijkteam-helmond", "R-OVERLAST", "veiligheidshuis-peel/overlast_multiprobleem" },
        { "wijkteam-helmond", "R-DAKLOOS", "ggd-vangnet-peel/dakloos" },
        { "wijkteam-helmond", "R-MINOR", "cjg-helmond/gezin_met_minderjarigen" },
        { "wijkteam-deurne", "R-WIJK", "wijkteam-deurne/wijkteam" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *g = s_gezin_of (cases[i].org, cases[i].ref);
        assert_true (*g);
        assert_int_equal (s_active_plans (g), 1);
        char *r = s_regisseur (g);
        assert_string_equal (r, cases[i].want);
        /* the regisseur and the signalling org got a RegieAssignment (RULE) */
        const char *regisseur_end = strchr (cases[i].want, '/');
        char regisseur[64];
        snprintf (regisseur, sizeof regisseur, "%.*s", (int) (regisseur_end - cases[i].want), cases[i].want);
        assert_int_equal (s_count_out (g, KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT, regisseur), 1);
        assert_int_equal (s_count_out (g, KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT, cases[i].org), 1);
        free (r);
        free (g);
    }
    char *g = s_gezin_of ("wijkteam-helmond", "R-DAKLOOS");
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.pot p JOIN zorgtoewijzing.gezin g"
                              " ON g.id = p.gezin_id WHERE g.ref = '%s'", g), 1);
    free (g);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wth);
    kb_client_destroy (&wtd);
}

/* The POT of a partner's case: its count (0 or 1) and the rule of its plan. */
static void
s_expect_pot (const char *org, const char *case_ref, const char *want_regisseur)
{
    char *g = s_gezin_of (org, case_ref);
    assert_true (*g);
    char *r = s_regisseur (g);
    assert_string_equal (r, want_regisseur);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.pot p"
                                       " JOIN zorgtoewijzing.gezin g ON g.id = p.gezin_id"
                                       " WHERE g.ref = '%s'", g),
                      1);
    free (r);
    free (g);
}

/* "A POT for every homeless person": homeless as the rules file defines it
   (housing dakloos, or category dakloosheid or zwerfjongere), also when an
   earlier rule than 'dakloos' decides the regisseur. */
static void
test_pot_for_every_homeless_person (void **state)
{
    (void) state;
    kb_client_t *wth = s_client (S_WT_HELMOND);
    kbt_signal_t s;

    /* a zwerfjongere whose housing the signaller does not know */
    kbt_signal_init (&s, 110);
    snprintf (s.case_ref, sizeof s.case_ref, "P-ZWERF");
    s.subject.birth_date = "2007-06-01";
    s.subject.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_ALLEENSTAANDE;
    s.signal.n_household = 0;
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_ZWERFJONGERE;
    s.signal.n_categories = 1;
    s.signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_ONBEKEND;
    s_signal (wth, &s);
    /* dakloosheid while the subject is registered as living with the parents */
    kbt_signal_init (&s, 111);
    s_adult (&s);
    snprintf (s.case_ref, sizeof s.case_ref, "P-DAKLOOSHEID");
    s.signal.n_household = 0;
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_DAKLOOSHEID;
    s.signal.n_categories = 1;
    s.signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_BIJ_OUDERS;
    s_signal (wth, &s);
    /* acutely unsafe and homeless by housing: Veilig Thuis decides, still a POT */
    kbt_signal_init (&s, 112);
    s_adult (&s);
    snprintf (s.case_ref, sizeof s.case_ref, "P-ACUUT-HUIS");
    s.signal.n_household = 0;
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_HUISELIJK_GEWELD;
    s.signal.n_categories = 1;
    s.signal.urgency = KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG;
    s.signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS;
    s_signal (wth, &s);
    /* acutely unsafe and homeless by category */
    kbt_signal_init (&s, 113);
    s_adult (&s);
    snprintf (s.case_ref, sizeof s.case_ref, "P-ACUUT-CAT");
    s.signal.n_household = 0;
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_HUISELIJK_GEWELD;
    s.categories[1] = KETENBUS__V1__CATEGORY__CATEGORY_DAKLOOSHEID;
    s.signal.urgency = KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG;
    s.signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_ONBEKEND;
    s_signal (wth, &s);
    s_sync ();

    s_expect_pot ("wijkteam-helmond", "P-ZWERF", "ggd-vangnet-peel/dakloos");
    s_expect_pot ("wijkteam-helmond", "P-DAKLOOSHEID", "ggd-vangnet-peel/dakloos");
    s_expect_pot ("wijkteam-helmond", "P-ACUUT-HUIS", "veiligthuis-peel/acuut_onveilig_dakloos");
    s_expect_pot ("wijkteam-helmond", "P-ACUUT-CAT", "veiligthuis-peel/acuut_onveilig_dakloos");
    kb_client_destroy (&wth);
}

static void
test_several_partners_one_family (void **state)
{
    (void) state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *wth = s_client (S_WT_HELMOND);
    kb_client_t *vh = s_client (S_VH);
    kbt_signal_t a, b, c;
    kbt_signal_init (&a, 200);         /* child 400 with parent 401 */
    snprintf (a.case_ref, sizeof a.case_ref, "F-CJG");
    s_signal (cjg, &a);
    kbt_signal_init (&b, 200);         /* the parent as subject, the child in the household */
    snprintf (b.case_ref, sizeof b.case_ref, "F-WT");
    memcpy (b.bsn, a.member_bsn, sizeof b.bsn);
    memcpy (b.member_bsn, a.bsn, sizeof b.member_bsn);
    s_adult (&b);
    b.member.birth_date = "2012-05-17";
    b.member.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND;
    s_signal (wth, &b);
    kbt_signal_init (&c, 200);
    snprintf (c.case_ref, sizeof c.case_ref, "F-VH");
    c.signal.n_household = 0;
    s_signal (vh, &c);
    s_sync ();

    char *g = s_gezin_of ("cjg-helmond", "F-CJG");
    char *g2 = s_gezin_of ("wijkteam-helmond", "F-WT");
    char *g3 = s_gezin_of ("veiligheidshuis-peel", "F-VH");
    assert_string_equal (g, g2);
    assert_string_equal (g, g3);
    assert_int_equal (s_active_plans (g), 1);
    char *r = s_regisseur (g);
    assert_string_equal (r, "cjg-helmond/gezin_met_minderjarigen");
    /* every involved org hears of each other one, nothing to anyone else */
    const char *involved[3] = { "cjg-helmond", "wijkteam-helmond", "veiligheidshuis-peel" };
    for (int i = 0; i < 3; i++)
        assert_int_equal (s_count_out (g, KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION, involved[i]), 2);
    assert_int_equal (s_count_out (g, KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION, NULL), 6);
    assert_int_equal (s_count_out (g, 0, "veiligthuis-peel"), 0);
    assert_int_equal (s_count_out (g, 0, "ggd-vangnet-peel"), 0);
    assert_int_equal (s_count_out (g, 0, "wijkteam-deurne"), 0);
    /* the notification names org, type, contact and regie, nothing else */
    s_out_t *rows;
    int n = s_outbox (&rows);
    int seen = 0;
    for (int i = 0; i < n; i++) {
        const kb_envelope_t *e = rows[i].env;
        if (e->body_case != KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION
            || strcmp (e->match_notification->gezin_ref, g) != 0
            || strcmp (e->match_notification->to_org, "veiligheidshuis-peel") != 0
            || strcmp (e->match_notification->other_org, "cjg-helmond") != 0)
            continue;
        const Ketenbus__V1__MatchNotification *m = e->match_notification;
        assert_string_equal (m->partner_case_ref, "F-VH");
        assert_int_equal (m->other_org_type, KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG);
        assert_string_equal (m->other_contact_name, "casemanager team Noord");
        assert_true (m->other_is_regisseur);
        assert_int_equal (m->event, KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_NEW);
        seen++;
    }
    assert_int_equal (seen, 1);
    s_outbox_free (rows, n);
    /* the newcomers learned who holds regie, the regisseur got one assignment */
    assert_int_equal (s_count_out (g, KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT, "veiligheidshuis-peel"), 1);
    assert_int_equal (s_count_out (g, KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT, "cjg-helmond"), 1);

    /* ketenctl's views: the operator sees everything, an uninvolved org nothing */
    kb_db_t *db = kb_db_connect (s_intake->conninfo, "zorgtoewijzing", 5000);
    zorg_gezin_info_t *info = calloc (1, sizeof *info);
    assert_int_equal (zorg_gezin_show (db, g, NULL, info), ZORG_OK);
    assert_int_equal (info->ninvolved, 3);
    assert_string_equal (info->regisseur_org, "cjg-helmond");
    assert_int_equal (zorg_gezin_show (db, g, "ggd-vangnet-peel", info), ZORG_ERR_NOT_FOUND);
    assert_int_equal (zorg_gezin_show (db, "no-such-gezin", "ggd-vangnet-peel", info), ZORG_ERR_NOT_FOUND);
    assert_int_equal (zorg_gezin_show_case (db, "veiligheidshuis-peel", "F-VH", info), ZORG_OK);
    assert_string_equal (info->gezin_ref, g);
    free (info);

    /* the database itself refuses a second active plan */
    char sql[512];
    snprintf (sql, sizeof sql, "INSERT INTO zorgtoewijzing.plan (ref, gezin_id, status, basis)"
                               " SELECT 'x-dup', id, 'active', 1 FROM zorgtoewijzing.gezin WHERE ref = '%s'", g);
    PGresult *res = PQexec (kb_db_conn (db), sql);
    assert_int_equal (PQresultStatus (res), PGRES_FATAL_ERROR);
    assert_string_equal (PQresultErrorField (res, PG_DIAG_SQLSTATE), "23505");
    PQclear (res);
    kb_db_destroy (&db);
    free (r);
    free (g);
    free (g2);
    free (g3);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wth);
    kb_client_destroy (&vh);
}

static void
s_respond (const char *transfer_id, const char *to_org, int decision)
{
    Ketenbus__V1__RegieTransferResponse r = KETENBUS__V1__REGIE_TRANSFER_RESPONSE__INIT;
    r.transfer_id = (char *) transfer_id;
    r.to_org = (char *) to_org;
    r.decision = decision;
    r.reject_reason = decision == KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_REJECTED
                        ? KETENBUS__V1__TRANSFER_REJECT_REASON__TRANSFER_REJECT_REASON_GEEN_CAPACITEIT
                        : 0;
    r.casemanager_name = "casemanager VT";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE;
    env.regie_transfer_response = &r;
    s_inject (&env, to_org);
    s_sync ();
}

/* The regisseur from_org of gezin_ref asks to_org to take over; returns
   the transfer id (caller frees). */
static char *
s_request_transfer (const char *gezin_ref, const char *from_org, const char *to_org)
{
    char *plan = kbt_query_strf (s_intake->conninfo, "SELECT p.ref FROM zorgtoewijzing.plan p"
                                 " JOIN zorgtoewijzing.gezin g ON g.id = p.gezin_id"
                                 " WHERE g.ref = '%s' AND p.status = 'active'", gezin_ref);
    assert_non_null (plan);
    char *tid = calloc (1, KB_UUID_LEN + 1);
    kb_uuid_v4 (tid);
    Ketenbus__V1__RegieTransferRequest q = KETENBUS__V1__REGIE_TRANSFER_REQUEST__INIT;
    q.transfer_id = tid;
    q.plan_ref = plan;
    q.from_org = (char *) from_org;
    q.to_org = (char *) to_org;
    q.reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_PROBLEMATIEK_GEWIJZIGD;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
    env.regie_transfer_request = &q;
    s_inject (&env, from_org);
    s_sync ();
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.transfer"
                                       " WHERE id = '%s' AND status = 'pending'", tid),
                      1);
    free (plan);
    return tid;
}

/* Audit rows of a cancelled transfer to to_org about gezin_ref by actor. */
static long
s_cancel_audits (const char *gezin_ref, const char *to_org, const char *actor_org)
{
    return kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                            " WHERE event = 'transfer.cancelled' AND subject_pseudonym = '%s'"
                            " AND reason = '%s' AND actor_org = '%s' AND outcome = 'cancelled'",
                            gezin_ref, to_org, actor_org);
}

/* A pending transfer from_org -> to_org of gezin_ref that actor_org's step
   ended (end): cancelled, audited once, and each of its two organisations
   told once, from_org by its case reference from_case_ref (to_org, asked
   without a case of its own, by none). */
static void
s_expect_cancelled (const char *gezin_ref, const char *transfer_id, const char *from_org,
                    const char *from_case_ref, const char *to_org, const char *actor_org, int end)
{
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.transfer"
                                       " WHERE id = '%s' AND status = 'cancelled'", transfer_id),
                      1);
    assert_int_equal (s_cancel_audits (gezin_ref, to_org, actor_org), 1);
    assert_int_equal (s_count_ended (transfer_id, to_org, from_org, to_org, end, ""), 1);
    assert_int_equal (s_count_ended (transfer_id, from_org, from_org, to_org, end, from_case_ref),
                      1);
}

static void
test_merge_with_two_regisseurs_escalates (void **state)
{
    (void) state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *wtd = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kb_client_t *wth = s_client (S_WT_HELMOND);
    kbt_signal_t a, b, c;
    kbt_signal_init (&a, 300);                 /* minor -> cjg-helmond */
    snprintf (a.case_ref, sizeof a.case_ref, "M-A");
    s_signal (cjg, &a);
    kbt_signal_init (&b, 301);                 /* adults in 0762 -> wijkteam-deurne */
    s_adult (&b);
    snprintf (b.case_ref, sizeof b.case_ref, "M-B");
    b.signal.gemeente_code = "0762";
    b.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN;
    b.signal.n_categories = 1;
    s_signal (wtd, &b);
    s_sync ();
    char *ga = s_gezin_of ("cjg-helmond", "M-A");
    char *gb = s_gezin_of ("wijkteam-deurne", "M-B");
    assert_string_not_equal (ga, gb);
    /* each regisseur has a transfer under way; the merge and the decision
       make both moot: cancelled, and every cancellation audited */
    char *ta = s_request_transfer (ga, "cjg-helmond", "veiligheidshuis-peel");
    char *tb = s_request_transfer (gb, "wijkteam-deurne", "ggd-vangnet-peel");
    /* a signal shows they are one family */
    kbt_signal_init (&c, 300);
    snprintf (c.case_ref, sizeof c.case_ref, "M-C");
    memcpy (c.member_bsn, b.bsn, sizeof c.member_bsn);
    s_signal (wth, &c);
    s_sync ();
    char *gc = s_gezin_of ("wijkteam-helmond", "M-C");
    assert_string_equal (gc, ga);               /* merged into the older one */
    assert_int_equal (s_active_plans (ga), 1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.gezin g"
                              " ON g.id = p.gezin_id WHERE g.ref = '%s' AND p.status = 'merge_pending'", ga), 1);
    char *r = s_regisseur (ga);
    assert_string_equal (r, "cjg-helmond/gezin_met_minderjarigen");
    free (r);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.gezin WHERE ref = '%s'"
                              " AND merged_into IS NOT NULL", gb), 1);
    char *esc = kbt_query_strf (s_intake->conninfo, "SELECT e.id FROM zorgtoewijzing.escalation e JOIN zorgtoewijzing.gezin g"
                       " ON g.id = e.gezin_id WHERE g.ref = '%s' AND e.kind = 'merge_conflict'"
                       " AND e.status = 'open'", ga);
    assert_non_null (esc);
    /* both organisations of the cancelled transfer are told, once each */
    const int MERGED = KETENBUS__V1__TRANSFER_END__TRANSFER_END_MERGE_CONFLICT;
    s_expect_cancelled (ga, tb, "wijkteam-deurne", "M-B", "ggd-vangnet-peel", "zorgtoewijzing",
                        MERGED);
    assert_int_equal (s_count_ended (ta, "veiligheidshuis-peel", "cjg-helmond",
                                     "veiligheidshuis-peel", MERGED, ""),
                      0);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.transfer"
                                       " WHERE id = '%s' AND status = 'pending'", ta),
                      1);
    /* an answer to the cancelled transfer changes nothing and is audited */
    s_respond (tb, "ggd-vangnet-peel", KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                                       " WHERE event = 'transfer.response_refused'"
                                       " AND actor_org = 'ggd-vangnet-peel'"
                                       " AND reason = 'transfer_not_pending'"),
                      1);
    /* the ketencoordinator decides */
    kb_db_t *db = kb_db_connect (s_intake->conninfo, "zorgtoewijzing", 5000);
    char err[256];
    assert_int_equal (zorg_escalation_decide (db, esc, "no-such-org", "kc-1", err, sizeof err),
                      ZORG_ERR_INVALID);
    /* only a type that can hold regie: intake lets no gemeente, zorgaanbieder
       or ketencoordinator register a plan or answer a transfer */
    kbt_zorg_directory (s_zorg, "zorgaanbieder-peel", "zorgaanbieder", "", "0794");
    kbt_zorg_directory (s_zorg, "ketencoordinator-peel", "ketencoordinator", "", "");
    const char *no_regie[3][2] = { { "gemeente-helmond", "gemeente" },
                                   { "zorgaanbieder-peel", "zorgaanbieder" },
                                   { "ketencoordinator-peel", "ketencoordinator" } };
    for (int i = 0; i < 3; i++) {
        char want[160];
        snprintf (want, sizeof want, "organisation \"%s\" is a %s, which cannot hold regie",
                  no_regie[i][0], no_regie[i][1]);
        assert_int_equal (zorg_escalation_decide (db, esc, no_regie[i][0], "kc-1", err,
                                                  sizeof err),
                          ZORG_ERR_INVALID);
        assert_string_equal (err, want);
    }
    assert_int_equal (zorg_escalation_decide (db, esc, "wijkteam-deurne", "kc-1", err, sizeof err), ZORG_OK);
    assert_int_equal (zorg_escalation_decide (db, esc, "wijkteam-deurne", "kc-1", err, sizeof err),
                      ZORG_ERR_NOT_FOUND);
    kb_db_destroy (&db);
    r = s_regisseur (ga);
    assert_string_equal (r, "wijkteam-deurne/");
    assert_int_equal (s_active_plans (ga), 1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.gezin g"
                              " ON g.id = p.gezin_id WHERE g.ref = '%s' AND p.status = 'merge_pending'", ga), 0);
    /* the set-aside plan is closed by the decision, and that is audited */
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM"
                                       " zorgtoewijzing.kb_audit WHERE event = 'plan.closed'"
                                       " AND subject_pseudonym = '%s' AND actor_user = 'kc-1'"
                                       " AND actor_org = 'ketencoordinator'", ga),
                      1);
    /* all three involved organisations hear the decision */
    s_out_t *rows;
    int n = s_outbox (&rows), decided = 0;
    for (int i = 0; i < n; i++)
        if (rows[i].env->body_case == KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT
            && strcmp (rows[i].env->regie_assignment->gezin_ref, ga) == 0
            && rows[i].env->regie_assignment->basis == KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_ESCALATION_DECISION) {
            assert_string_equal (rows[i].env->regie_assignment->regisseur_org, "wijkteam-deurne");
            decided++;
        }
    s_outbox_free (rows, n);
    assert_int_equal (decided, 3);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE event = 'escalation.decided'"), 1);
    s_expect_cancelled (ga, ta, "cjg-helmond", "M-A", "veiligheidshuis-peel", "ketencoordinator",
                        KETENBUS__V1__TRANSFER_END__TRANSFER_END_ESCALATION_DECIDED);
    assert_int_equal (s_count_out (ga, KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED, NULL), 4);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                                       " WHERE event = 'transfer.cancelled'"),
                      2);
    free (ta);
    free (tb);
    free (r);
    free (esc);
    free (ga);
    free (gb);
    free (gc);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wtd);
    kb_client_destroy (&wth);
}

/* Two gezinnen of one regisseur become one: the younger plan is closed,
   and a transfer of it pending then is cancelled - both its organisations
   hear it (PLAN_CLOSED), nothing times out into an escalation - and the
   closing is audited. */
static void
test_merge_with_one_regisseur_closes_plan (void **state)
{
    (void) state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *wth = s_client (S_WT_HELMOND);
    kbt_signal_t a, b, c;
    kbt_signal_init (&a, 310);                 /* minors -> cjg-helmond, twice */
    snprintf (a.case_ref, sizeof a.case_ref, "O-A");
    s_signal (cjg, &a);
    kbt_signal_init (&b, 311);
    snprintf (b.case_ref, sizeof b.case_ref, "O-B");
    s_signal (cjg, &b);
    s_sync ();
    char *ga = s_gezin_of ("cjg-helmond", "O-A");
    char *gb = s_gezin_of ("cjg-helmond", "O-B");
    assert_string_not_equal (ga, gb);
    char *plan_b = kbt_query_strf (s_intake->conninfo, "SELECT p.ref FROM zorgtoewijzing.plan p"
                                   " JOIN zorgtoewijzing.gezin g ON g.id = p.gezin_id"
                                   " WHERE g.ref = '%s' AND p.status = 'active'", gb);
    assert_non_null (plan_b);
    char *tb = s_request_transfer (gb, "cjg-helmond", "veiligheidshuis-peel");
    /* a signal shows they are one family */
    kbt_signal_init (&c, 310);
    snprintf (c.case_ref, sizeof c.case_ref, "O-C");
    memcpy (c.member_bsn, b.bsn, sizeof c.member_bsn);
    s_signal (wth, &c);
    s_sync ();
    char *gc = s_gezin_of ("wijkteam-helmond", "O-C");
    assert_string_equal (gc, ga);              /* merged into the older one */
    assert_int_equal (s_active_plans (ga), 1);
    char *r = s_regisseur (ga);
    assert_string_equal (r, "cjg-helmond/gezin_met_minderjarigen");
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM"
                                       " zorgtoewijzing.plan WHERE ref = '%s'"
                                       " AND status = 'closed'", plan_b),
                      1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM"
                                       " zorgtoewijzing.kb_audit WHERE event = 'plan.closed'"
                                       " AND subject_pseudonym = '%s' AND reason = '%s'"
                                       " AND actor_org = 'zorgtoewijzing' AND outcome = 'closed'",
                                       ga, plan_b),
                      1);
    /* its transfer ends now, told to both, once each (the CJG by the case
       reference the merged gezin keeps for it) */
    s_expect_cancelled (ga, tb, "cjg-helmond", "O-A", "veiligheidshuis-peel", "zorgtoewijzing",
                        KETENBUS__V1__TRANSFER_END__TRANSFER_END_PLAN_CLOSED);
    assert_int_equal (s_count_out (ga, KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED, NULL), 2);
    /* nothing for the ketencoordinator to decide */
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM"
                                       " zorgtoewijzing.escalation e JOIN zorgtoewijzing.gezin g"
                                       " ON g.id = e.gezin_id WHERE g.ref = '%s'", ga),
                      0);
    free (r);
    free (tb);
    free (plan_b);
    free (ga);
    free (gb);
    free (gc);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wth);
}

/* The rules make the CJG regisseur of a wijkteam's signal: the CJG never
   signals, yet it hears of every later signal (SIGNALLED, who and their
   contact) and of every organisation that becomes involved (NEW), once
   each; the newcomer learns who holds regie. */
static void
test_regisseur_that_never_signalled_hears_everything (void **state)
{
    (void) state;
    const int NEW = KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_NEW;
    const int SIGNALLED = KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_SIGNALLED;
    const int RA = KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT;
    const int MN = KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION;
    kb_client_t *wth = s_client (S_WT_HELMOND);
    kb_client_t *vh = s_client (S_VH);
    kbt_signal_t a, b;
    kbt_signal_init (&a, 500);         /* a minor in centrum, 0794 -> cjg-helmond */
    snprintf (a.case_ref, sizeof a.case_ref, "N-WT");
    s_signal (wth, &a);
    s_sync ();
    char *g = s_gezin_of ("wijkteam-helmond", "N-WT");
    char *r = s_regisseur (g);
    assert_string_equal (r, "cjg-helmond/gezin_met_minderjarigen");
    free (r);
    /* the regisseur learns who signalled, the signaller who holds regie */
    assert_int_equal (s_count_out (g, RA, "cjg-helmond"), 1);
    assert_int_equal (s_count_match (g, "cjg-helmond", "wijkteam-helmond", NEW), 1);
    assert_int_equal (s_count_match (g, "wijkteam-helmond", "cjg-helmond", NEW), 1);

    /* a later signal by the wijkteam: one SIGNALLED for the regisseur */
    s_signal (wth, &a);
    s_sync ();
    assert_int_equal (s_count_match (g, "cjg-helmond", "wijkteam-helmond", SIGNALLED), 1);
    assert_int_equal (s_count_out (g, MN, "cjg-helmond"), 2);
    s_out_t *rows;
    int n = s_outbox (&rows), seen = 0;
    for (int i = 0; i < n; i++) {
        const kb_envelope_t *e = rows[i].env;
        if (e->body_case != KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION
            || strcmp (e->match_notification->gezin_ref, g) != 0
            || e->match_notification->event != KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_SIGNALLED)
            continue;
        const Ketenbus__V1__MatchNotification *m = e->match_notification;
        assert_string_equal (m->to_org, "cjg-helmond");
        assert_string_equal (m->partner_case_ref, "");    /* it has no case of its own */
        assert_int_equal (m->other_org_type, KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM);
        assert_string_equal (m->other_contact_name, "casemanager team Noord");
        assert_string_equal (m->other_contact_phone, "0492-123456");
        assert_false (m->other_is_regisseur);
        seen++;
    }
    s_outbox_free (rows, n);
    assert_int_equal (seen, 1);

    /* a newly involved organisation: one NEW for the regisseur, and the
       newcomer hears of both, the regisseur as such */
    kbt_signal_init (&b, 500);
    snprintf (b.case_ref, sizeof b.case_ref, "N-VH");
    b.signal.n_household = 0;
    s_signal (vh, &b);
    s_sync ();
    assert_int_equal (s_count_match (g, "cjg-helmond", "veiligheidshuis-peel", 0), 1);
    assert_int_equal (s_count_match (g, "cjg-helmond", "veiligheidshuis-peel", NEW), 1);
    assert_int_equal (s_count_out (g, MN, "cjg-helmond"), 3);
    assert_int_equal (s_count_match (g, "veiligheidshuis-peel", "cjg-helmond", NEW), 1);
    assert_int_equal (s_count_match (g, "veiligheidshuis-peel", "wijkteam-helmond", NEW), 1);
    assert_int_equal (s_count_match (g, "wijkteam-helmond", "veiligheidshuis-peel", NEW), 1);
    assert_int_equal (s_count_out (g, RA, "veiligheidshuis-peel"), 1);
    n = s_outbox (&rows);
    int rule_to_regisseur = 0, rule_to_others = 0, to_others = 0;
    for (int i = 0; i < n; i++) {
        const kb_envelope_t *e = rows[i].env;
        /* the deciding rule (it names what was signalled) only to the regisseur */
        if (e->body_case == KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT
            && strcmp (e->regie_assignment->gezin_ref, g) == 0
            && e->regie_assignment->basis == KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_RULE) {
            bool regisseur = strcmp (e->regie_assignment->to_org, "cjg-helmond") == 0;
            bool rule = e->regie_assignment->rule_name[0] != '\0';
            rule_to_regisseur += regisseur && rule;
            rule_to_others += !regisseur && rule;
            to_others += !regisseur;
        }
        if (e->body_case == KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION
            && strcmp (e->match_notification->gezin_ref, g) == 0
            && strcmp (e->match_notification->to_org, "veiligheidshuis-peel") == 0)
            assert_int_equal (e->match_notification->other_is_regisseur,
                              strcmp (e->match_notification->other_org, "cjg-helmond") == 0);
        if (e->body_case == KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT
            && strcmp (e->regie_assignment->gezin_ref, g) == 0
            && strcmp (e->regie_assignment->to_org, "veiligheidshuis-peel") == 0)
            assert_string_equal (e->regie_assignment->regisseur_org, "cjg-helmond");
    }
    s_outbox_free (rows, n);
    assert_true (rule_to_regisseur >= 1);
    assert_true (to_others >= 1);
    assert_int_equal (rule_to_others, 0);
    /* still one plan, nothing to anyone not involved */
    assert_int_equal (s_active_plans (g), 1);
    assert_int_equal (s_count_out (g, 0, "ggd-vangnet-peel"), 0);
    assert_int_equal (s_count_out (g, 0, "veiligthuis-peel"), 0);
    /* the regisseur sees the gezin it coordinates; its empty case
       reference finds nothing */
    kb_db_t *db = kb_db_connect (s_intake->conninfo, "zorgtoewijzing", 5000);
    zorg_gezin_info_t *info = calloc (1, sizeof *info);
    assert_int_equal (zorg_gezin_show (db, g, "cjg-helmond", info), ZORG_OK);
    assert_int_equal (info->ninvolved, 3);
    assert_int_equal (zorg_gezin_show_case (db, "cjg-helmond", "", info), ZORG_ERR_NOT_FOUND);
    assert_int_equal (zorg_gezin_show (db, g, "ggd-vangnet-peel", info), ZORG_ERR_NOT_FOUND);
    free (info);
    kb_db_destroy (&db);

    /* a regisseur without an involvement (a plan from before it was
       registered) is registered at the next signal and hears of it once,
       through the match with everyone */
    char sql[512];
    snprintf (sql, sizeof sql, "DELETE FROM zorgtoewijzing.involvement WHERE org_id = 'cjg-helmond'"
              " AND gezin_id = (SELECT id FROM zorgtoewijzing.gezin WHERE ref = '%s')", g);
    kbt_exec (s_intake->conninfo, sql);
    s_signal (wth, &a);
    s_sync ();
    assert_int_equal (s_count_out (g, MN, "cjg-helmond"), 3 + 2);   /* the wijkteam and VH again */
    assert_int_equal (s_count_match (g, "cjg-helmond", "wijkteam-helmond", NEW), 2);
    assert_int_equal (s_count_match (g, "cjg-helmond", "wijkteam-helmond", SIGNALLED), 1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM"
                                       " zorgtoewijzing.involvement i JOIN zorgtoewijzing.gezin g"
                                       " ON g.id = i.gezin_id WHERE i.org_id = 'cjg-helmond'"
                                       " AND g.ref = '%s'", g),
                      1);
    free (g);
    kb_client_destroy (&wth);
    kb_client_destroy (&vh);
}

/* RegieAssignments for gezin_ref to to_org naming regisseur with that
   casemanager contact. */
static int
s_count_contact (const char *gezin_ref, const char *to_org, const char *regisseur,
                 const char *name, const char *phone)
{
    s_out_t *rows;
    int n = s_outbox (&rows), count = 0;
    for (int i = 0; i < n; i++) {
        const kb_envelope_t *e = rows[i].env;
        if (e->body_case != KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT)
            continue;
        const Ketenbus__V1__RegieAssignment *a = e->regie_assignment;
        count += strcmp (a->gezin_ref, gezin_ref) == 0 && strcmp (a->to_org, to_org) == 0
                 && strcmp (a->regisseur_org, regisseur) == 0
                 && strcmp (a->casemanager_name, name) == 0
                 && strcmp (a->casemanager_phone, phone) == 0;
    }
    s_outbox_free (rows, n);
    return count;
}

/* The rules make the CJG regisseur of a wijkteam's signal, without a
   contact; the CJG's own first signal gives one: the plan takes it and
   the wijkteam hears it (a RegieAssignment). A later one changes nothing:
   the contact is the casemanager's, PlanRegistered changes it. */
static void
test_regisseur_contact_from_its_signal (void **state)
{
    (void) state;
    const int RA = KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT;
    kb_client_t *wth = s_client (S_WT_HELMOND);
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kbt_signal_t a, b;
    kbt_signal_init (&a, 510);         /* a minor in centrum, 0794 -> cjg-helmond */
    snprintf (a.case_ref, sizeof a.case_ref, "K-WT");
    s_signal (wth, &a);
    s_sync ();
    char *g = s_gezin_of ("wijkteam-helmond", "K-WT");
    char *r = s_regisseur (g);
    assert_string_equal (r, "cjg-helmond/gezin_met_minderjarigen");
    free (r);
    assert_int_equal (s_count_contact (g, "wijkteam-helmond", "cjg-helmond", "", ""), 1);
    assert_int_equal (s_count_out (g, RA, "wijkteam-helmond"), 1);

    kbt_signal_init (&b, 510);
    snprintf (b.case_ref, sizeof b.case_ref, "K-CJG");
    b.signal.contact_name = "casemanager CJG Zuid";
    b.signal.contact_phone = "0492-654321";
    s_signal (cjg, &b);
    s_sync ();
    kb_db_t *db = kb_db_connect (s_intake->conninfo, "zorgtoewijzing", 5000);
    zorg_gezin_info_t *info = calloc (1, sizeof *info);
    assert_int_equal (zorg_gezin_show (db, g, NULL, info), ZORG_OK);
    assert_string_equal (info->casemanager_name, "casemanager CJG Zuid");
    assert_string_equal (info->casemanager_phone, "0492-654321");
    assert_int_equal (s_count_contact (g, "wijkteam-helmond", "cjg-helmond",
                                       "casemanager CJG Zuid", "0492-654321"),
                      1);
    assert_int_equal (s_count_out (g, RA, "wijkteam-helmond"), 2);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM"
                                       " zorgtoewijzing.kb_audit"
                                       " WHERE event = 'plan.casemanager_set'"
                                       " AND subject_pseudonym = '%s'"
                                       " AND actor_org = 'cjg-helmond'", g),
                      1);

    /* the plan has a casemanager now: another signal's contact stays its own */
    b.signal.contact_name = "secretariaat CJG";
    b.signal.contact_phone = "0492-111111";
    s_signal (cjg, &b);
    s_sync ();
    assert_int_equal (zorg_gezin_show (db, g, NULL, info), ZORG_OK);
    assert_string_equal (info->casemanager_name, "casemanager CJG Zuid");
    assert_int_equal (s_count_out (g, RA, "wijkteam-helmond"), 2);
    free (info);
    kb_db_destroy (&db);
    free (g);
    kb_client_destroy (&wth);
    kb_client_destroy (&cjg);
}

/* Two gezinnen of two organisations each become one: each organisation
   hears once of each one of the other record, and nothing new of the one
   it shared a record with. */
static void
test_merge_notifies_each_cross_pair_once (void **state)
{
    (void) state;
    const int NEW = KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_NEW;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *vh = s_client (S_VH);
    kb_client_t *wtd = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kb_client_t *wth = s_client (S_WT_HELMOND);
    kbt_signal_t x, y, c;
    kbt_signal_init (&x, 600);                 /* minor -> cjg-helmond; vh joins */
    snprintf (x.case_ref, sizeof x.case_ref, "X-CJG");
    s_signal (cjg, &x);
    snprintf (x.case_ref, sizeof x.case_ref, "X-VH");
    x.signal.n_household = 0;
    s_signal (vh, &x);
    kbt_signal_init (&y, 601);                 /* adults in 0762 -> wijkteam-deurne; wth joins */
    s_adult (&y);
    snprintf (y.case_ref, sizeof y.case_ref, "Y-WTD");
    y.signal.gemeente_code = "0762";
    y.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN;
    y.signal.n_categories = 1;
    s_signal (wtd, &y);
    snprintf (y.case_ref, sizeof y.case_ref, "Y-WTH");
    s_signal (wth, &y);
    s_sync ();
    char *gx = s_gezin_of ("cjg-helmond", "X-CJG");
    char *gy = s_gezin_of ("wijkteam-deurne", "Y-WTD");
    assert_string_not_equal (gx, gy);
    assert_int_equal (s_count_match (gy, "wijkteam-deurne", "wijkteam-helmond", NEW), 1);
    /* the Veiligheidshuis signals again: the two records are one family */
    kbt_signal_init (&c, 600);
    snprintf (c.case_ref, sizeof c.case_ref, "X-VH");
    memcpy (c.member_bsn, y.bsn, sizeof c.member_bsn);
    s_signal (vh, &c);
    s_sync ();
    char *gm = s_gezin_of ("wijkteam-helmond", "Y-WTH");
    assert_string_equal (gm, gx);              /* merged into the older one */
    const char *xs[2] = { "cjg-helmond", "veiligheidshuis-peel" };
    const char *ys[2] = { "wijkteam-deurne", "wijkteam-helmond" };
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 2; k++) {
            assert_int_equal (s_count_match (gx, xs[i], ys[k], 0), 1);
            assert_int_equal (s_count_match (gx, ys[k], xs[i], 0), 1);
        }
    /* within a record: only what was said before the merge (and the
       regisseur's SIGNALLED for the bridging signal) */
    assert_int_equal (s_count_match (gx, "wijkteam-deurne", "wijkteam-helmond", 0), 0);
    assert_int_equal (s_count_match (gx, "wijkteam-helmond", "wijkteam-deurne", 0), 0);
    assert_int_equal (s_count_match (gx, "cjg-helmond", "veiligheidshuis-peel", NEW), 1);
    assert_int_equal (s_count_match (gx, "veiligheidshuis-peel", "cjg-helmond", NEW), 1);
    assert_int_equal (s_count_match (gx, "cjg-helmond", "veiligheidshuis-peel",
                                     KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_SIGNALLED),
                      1);
    assert_int_equal (s_count_out (gx, KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION, NULL),
                      2 + 8 + 1);
    free (gx);
    free (gy);
    free (gm);
    kb_client_destroy (&cjg);
    kb_client_destroy (&vh);
    kb_client_destroy (&wtd);
    kb_client_destroy (&wth);
}

/* A gezin with cjg-helmond as regisseur; returns its gezin ref. */
static char *
s_cjg_gezin (uint32_t n, const char *case_ref)
{
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kbt_signal_t a;
    kbt_signal_init (&a, n);
    snprintf (a.case_ref, sizeof a.case_ref, "%s", case_ref);
    s_signal (cjg, &a);
    s_sync ();
    kb_client_destroy (&cjg);
    return s_gezin_of ("cjg-helmond", case_ref);
}

static char *
s_pending_transfer (const char *gezin_ref, const char *to_org)
{
    return kbt_query_strf (s_intake->conninfo, "SELECT t.id FROM zorgtoewijzing.transfer t JOIN zorgtoewijzing.plan p ON p.id = t.plan_id"
                  " JOIN zorgtoewijzing.gezin g ON g.id = p.gezin_id WHERE g.ref = '%s'"
                  " AND t.status = 'pending' AND t.to_org = '%s'", gezin_ref, to_org);
}

static void
test_hogere_regie_transfer_accepted (void **state)
{
    (void) state;
    char *g = s_cjg_gezin (400, "T-A");
    /* an acute signal: Veilig Thuis outranks the CJG */
    kb_client_t *wth = s_client (S_WT_HELMOND);
    kbt_signal_t s;
    kbt_signal_init (&s, 400);
    snprintf (s.case_ref, sizeof s.case_ref, "T-A-WT");
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_KINDERMISHANDELING;
    s.signal.urgency = KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG;
    s_signal (wth, &s);
    s_sync ();
    kb_client_destroy (&wth);
    char *t = s_pending_transfer (g, "veiligthuis-peel");
    assert_non_null (t);
    assert_int_equal (s_count_out (g, KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST, "veiligthuis-peel"), 1);
    char *r = s_regisseur (g);
    assert_string_equal (r, "cjg-helmond/gezin_met_minderjarigen");   /* not before acceptance */
    free (r);
    s_respond (t, "veiligthuis-peel", KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED);
    r = s_regisseur (g);
    assert_string_equal (r, "veiligthuis-peel/");
    free (r);
    assert_int_equal (s_active_plans (g), 1);
    s_out_t *rows;
    int n = s_outbox (&rows), transfers = 0;
    for (int i = 0; i < n; i++)
        if (rows[i].env->body_case == KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT
            && strcmp (rows[i].env->regie_assignment->gezin_ref, g) == 0
            && rows[i].env->regie_assignment->basis == KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_TRANSFER) {
            assert_string_equal (rows[i].env->regie_assignment->transfer_id, t);
            assert_string_equal (rows[i].env->regie_assignment->previous_regisseur_org, "cjg-helmond");
            transfers++;
        }
    s_outbox_free (rows, n);
    assert_int_equal (transfers, 3);   /* cjg, wijkteam-helmond and the new regisseur */
    /* the new regisseur never signalled: it hears of the wijkteam's next
       signal, once */
    wth = s_client (S_WT_HELMOND);
    s.signal.urgency = KETENBUS__V1__URGENCY__URGENCY_REGULIER;
    s_signal (wth, &s);
    s_sync ();
    kb_client_destroy (&wth);
    assert_int_equal (s_count_match (g, "veiligthuis-peel", "wijkteam-helmond",
                                     KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_SIGNALLED),
                      1);
    free (t);
    free (g);
}

static void
test_transfer_rejected_escalates (void **state)
{
    (void) state;
    char *g = s_cjg_gezin (410, "T-B");
    char *plan = kbt_query_strf (s_intake->conninfo, "SELECT p.ref FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.gezin g ON g.id = p.gezin_id"
                        " WHERE g.ref = '%s' AND p.status = 'active'", g);
    char tid[37];
    kb_uuid_v4 (tid);
    Ketenbus__V1__RegieTransferRequest q = KETENBUS__V1__REGIE_TRANSFER_REQUEST__INIT;
    q.transfer_id = tid;
    q.plan_ref = plan;
    q.from_org = "cjg-helmond";
    q.to_org = "wijkteam-helmond";
    q.reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_AFSCHALING;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
    env.regie_transfer_request = &q;
    /* a request from an organisation without regie is refused, stream goes on */
    q.from_org = "wijkteam-deurne";
    s_inject (&env, "cjg-helmond");
    q.from_org = "cjg-helmond";
    kb_uuid_v4 (tid);
    s_inject (&env, "cjg-helmond");
    s_sync ();
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE event = 'transfer.refused'"
                              " AND reason = 'not_regisseur'"), 1);
    char *t = s_pending_transfer (g, "wijkteam-helmond");
    assert_non_null (t);
    assert_string_equal (t, tid);
    s_respond (t, "wijkteam-helmond", KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_REJECTED);
    char *r = s_regisseur (g);
    assert_string_equal (r, "cjg-helmond/gezin_met_minderjarigen");
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.escalation WHERE transfer_id = '%s'"
                              " AND kind = 'transfer_rejected' AND status = 'open'", tid), 1);
    /* the requesting regisseur hears the answer */
    assert_int_equal (s_count_out (g, KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE, "cjg-helmond"), 1);
    /* the ketencoordinator gives regie to Veilig Thuis, which never
       signalled: it and the CJG meet once, and it hears of the CJG's next
       signal, once */
    char *esc = kbt_query_strf (s_intake->conninfo, "SELECT id FROM zorgtoewijzing.escalation"
                                " WHERE transfer_id = '%s'", tid);
    kb_db_t *db = kb_db_connect (s_intake->conninfo, "zorgtoewijzing", 5000);
    char err[256];
    assert_int_equal (zorg_escalation_decide (db, esc, "veiligthuis-peel", "kc-1", err, sizeof err),
                      ZORG_OK);
    kb_db_destroy (&db);
    const int NEW = KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_NEW;
    const int SIGNALLED = KETENBUS__V1__MATCH_EVENT__MATCH_EVENT_SIGNALLED;
    assert_int_equal (s_count_match (g, "veiligthuis-peel", "cjg-helmond", NEW), 1);
    assert_int_equal (s_count_match (g, "cjg-helmond", "veiligthuis-peel", NEW), 1);
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kbt_signal_t a;
    kbt_signal_init (&a, 410);
    snprintf (a.case_ref, sizeof a.case_ref, "T-B");
    s_signal (cjg, &a);
    s_sync ();
    kb_client_destroy (&cjg);
    assert_int_equal (s_count_match (g, "veiligthuis-peel", "cjg-helmond", SIGNALLED), 1);
    assert_int_equal (s_count_match (g, "veiligthuis-peel", "cjg-helmond", 0), 2);
    free (esc);
    free (r);
    free (t);
    free (plan);
    free (g);
}

static void
test_transfer_timeout_escalates (void **state)
{
    (void) state;
    kbt_zorg_stop (s_zorg, SIGTERM);
    const char *env_short[] = { "KETENBUS_TRANSFER_DEADLINE_S=2", NULL };
    s_start_zorg (env_short);
    char *g = s_cjg_gezin (420, "T-C");
    kb_client_t *wth = s_client (S_WT_HELMOND);
    kbt_signal_t s;
    kbt_signal_init (&s, 420);
    snprintf (s.case_ref, sizeof s.case_ref, "T-C-WT");
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_HUISELIJK_GEWELD;
    s.signal.urgency = KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG;
    s_signal (wth, &s);
    s_sync ();
    kb_client_destroy (&wth);
    char *t = s_pending_transfer (g, "veiligthuis-peel");
    assert_non_null (t);
    /* the organisation asked gets the proposal, the regisseur a copy, once each */
    assert_int_equal (s_count_request (t, "veiligthuis-peel", "cjg-helmond", "veiligthuis-peel",
                                       ""),
                      1);
    assert_int_equal (s_count_request (t, "cjg-helmond", "cjg-helmond", "veiligthuis-peel",
                                       "T-C"),
                      1);
    assert_int_equal (s_count_out (g, KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST, NULL),
                      2);
    /* intake routes the copy to the regisseur's mailbox by notify_org */
    char sql[512];
    const char *boxes[2] = { "cjg-helmond", "veiligthuis-peel" };
    for (int i = 0; i < 2; i++) {
        snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.mailbox WHERE org_id = '%s'"
                  " AND body = 'regie_transfer_request'"
                  " AND position (convert_to ('%s', 'UTF8') IN envelope) > 0", boxes[i], t);
        assert_int_equal (kbt_wait_for_value (s_intake->conninfo, sql, 1, 10000), 1);
    }
    snprintf (sql, sizeof sql, "SELECT count(*) FROM zorgtoewijzing.escalation WHERE transfer_id = '%s'"
                               " AND kind = 'transfer_timeout'", t);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo, sql, 1, 10000), 1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.transfer WHERE id = '%s'"
                              " AND status = 'timed_out'", t), 1);
    /* the organisation asked and the regisseur hear it ended, once each */
    const int TIMED_OUT = KETENBUS__V1__TRANSFER_END__TRANSFER_END_TIMED_OUT;
    assert_int_equal (s_count_ended (t, "veiligthuis-peel", "cjg-helmond", "veiligthuis-peel",
                                     TIMED_OUT, ""),
                      1);
    assert_int_equal (s_count_ended (t, "cjg-helmond", "cjg-helmond", "veiligthuis-peel", TIMED_OUT,
                                     "T-C"),
                      1);
    /* a late acceptance changes nothing */
    s_respond (t, "veiligthuis-peel", KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED);
    char *r = s_regisseur (g);
    assert_string_equal (r, "cjg-helmond/gezin_met_minderjarigen");
    free (r);
    free (t);
    free (g);
    kbt_zorg_stop (s_zorg, SIGTERM);
    s_start_zorg (NULL);
}

static void
s_care (const char *id, int action, int stop_reason)
{
    Ketenbus__V1__CareAssignment c = KETENBUS__V1__CARE_ASSIGNMENT__INIT;
    c.toewijzing_id = (char *) id;
    c.action = action;
    c.pseudonym = "ab12cd34ef";
    c.gemeente_code = "0794";
    c.wet = KETENBUS__V1__WET__WET_WMO;
    c.product_category = "02";
    c.pyramid_level = KETENBUS__V1__PYRAMID_LEVEL__PYRAMID_LEVEL_MAATWERK;
    c.volume = 4;
    c.unit = KETENBUS__V1__VOLUME_UNIT__VOLUME_UNIT_UUR;
    c.frequency = KETENBUS__V1__VOLUME_FREQUENCY__VOLUME_FREQUENCY_PER_WEEK;
    c.start_date = "2024-01-08";
    c.stop_reason = stop_reason;
    c.provider_org = "zorgaanbieder-x";
    c.assigning_org = "gemeente-helmond";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT;
    env.care_assignment = &c;
    s_inject (&env, "gemeente-helmond");
}

static void
test_toewijzing_start_stop (void **state)
{
    (void) state;
    s_care ("TW-2", KETENBUS__V1__CARE_ACTION__CARE_ACTION_START, 0);      /* no ASSIGN yet */
    s_care ("TW-1", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, 0);
    s_care ("TW-1", KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP,
            KETENBUS__V1__CARE_STOP_REASON__CARE_STOP_REASON_DOELEN_BEHAALD); /* before START */
    s_care ("TW-1", KETENBUS__V1__CARE_ACTION__CARE_ACTION_START, 0);
    s_care ("TW-1", KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP,
            KETENBUS__V1__CARE_STOP_REASON__CARE_STOP_REASON_DOELEN_BEHAALD);
    s_sync ();
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.toewijzing WHERE id = 'TW-1'"
                              " AND status = 'stopped' AND stop_reason = 1 AND pyramid_level = 3"), 1);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.toewijzing WHERE id = 'TW-2'"), 0);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.toewijzing_event WHERE outcome = 'rejected'"
                              " AND reason IN ('start_without_assign', 'stop_without_start')"), 2);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.toewijzing_event WHERE outcome = 'applied'"
                              " AND toewijzing_id = 'TW-1'"), 3);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_dead_letter"), 0);
}

static void
test_unknown_body_is_dead_lettered (void **state)
{
    (void) state;
    Ketenbus__V1__Ack ack = KETENBUS__V1__ACK__INIT;
    ack.message_id = "x";
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    s_inject (&env, "poison");
    s_care ("TW-3", KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN, 0);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT count(*) FROM zorgtoewijzing.kb_dead_letter", 1, 60000), 1);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT count(*) FROM zorgtoewijzing.toewijzing WHERE id = 'TW-3'",
                                          1, 10000), 1);
    s_expected = kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_inbox");
}

/*  Concurrency: 50 partners signal about the same new gezin at once */

typedef struct {
    int index;
    uint32_t n;
    pthread_barrier_t *barrier;
    int ok;
} s_worker_t;

static void *
s_worker (void *arg)
{
    s_worker_t *w = arg;
    kb_client_t *client = kbt_intake_client_cert (s_intake, s_conc_cert[w->index]);
    kbt_signal_t s;
    kbt_signal_init (&s, w->n);
    snprintf (s.case_ref, sizeof s.case_ref, "C-%u-%d", w->n, w->index);
    pthread_barrier_wait (w->barrier);
    if (kb_client_send (client, &s.env) == 0) {
        kb_envelope_t *reply = NULL;
        if (kb_client_recv (client, 20000, &reply) == 0 && reply
            && reply->body_case == KETENBUS__V1__ENVELOPE__BODY_ACK)
            w->ok = 1;
        kb_codec_free (&reply);
    }
    kb_client_destroy (&client);
    return NULL;
}

static void
test_fifty_partners_one_new_gezin (void **state)
{
    (void) state;
    for (int round = 0; round < S_ROUNDS; round++) {
        uint32_t n = 1000 + (uint32_t) round;
        pthread_t threads[S_CONCURRENT];
        s_worker_t workers[S_CONCURRENT];
        pthread_barrier_t barrier;
        pthread_barrier_init (&barrier, NULL, S_CONCURRENT);
        for (int i = 0; i < S_CONCURRENT; i++) {
            workers[i] = (s_worker_t){ .index = i, .n = n, .barrier = &barrier };
            pthread_create (&threads[i], NULL, s_worker, &workers[i]);
        }
        for (int i = 0; i < S_CONCURRENT; i++) {
            pthread_join (threads[i], NULL);
            assert_int_equal (workers[i].ok, 1);
        }
        pthread_barrier_destroy (&barrier);
        s_expected += S_CONCURRENT;
        s_sync ();
        char ref[32];
        snprintf (ref, sizeof ref, "C-%u-0", n);
        char *g = s_gezin_of ("mo-00", ref);
        assert_true (*g);
        assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(DISTINCT gezin_id) FROM zorgtoewijzing.involvement"
                                  " WHERE partner_case_ref LIKE 'C-%u-%%'", n), 1);
        /* the 50 senders and the regisseur the rules chose, once each */
        const char *involved = "SELECT count(*) FROM zorgtoewijzing.involvement i"
                               " JOIN zorgtoewijzing.gezin g ON g.id = i.gezin_id"
                               " WHERE g.ref = '%s' AND i.org_id LIKE '%s'";
        assert_int_equal (kbt_query_longf (s_intake->conninfo, involved, g, "mo-%"), S_CONCURRENT);
        assert_int_equal (kbt_query_longf (s_intake->conninfo, involved, g, "%"), S_CONCURRENT + 1);
        assert_int_equal (s_active_plans (g), 1);
        assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.gezin g"
                                  " ON g.id = p.gezin_id WHERE g.ref = '%s'", g), 1);
        char *r = s_regisseur (g);
        assert_string_equal (r, "cjg-helmond/gezin_met_minderjarigen");
        free (r);
        free (g);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_each_default_rule),
        cmocka_unit_test (test_pot_for_every_homeless_person),
        cmocka_unit_test (test_several_partners_one_family),
        cmocka_unit_test (test_merge_with_two_regisseurs_escalates),
        cmocka_unit_test (test_merge_with_one_regisseur_closes_plan),
        cmocka_unit_test (test_regisseur_that_never_signalled_hears_everything),
        cmocka_unit_test (test_regisseur_contact_from_its_signal),
        cmocka_unit_test (test_merge_notifies_each_cross_pair_once),
        cmocka_unit_test (test_hogere_regie_transfer_accepted),
        cmocka_unit_test (test_transfer_rejected_escalates),
        cmocka_unit_test (test_transfer_timeout_escalates),
        cmocka_unit_test (test_toewijzing_start_stop),
        cmocka_unit_test (test_unknown_body_is_dead_lettered),
        cmocka_unit_test (test_fifty_partners_one_new_gezin),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
