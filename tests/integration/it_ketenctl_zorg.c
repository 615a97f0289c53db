/*  it_ketenctl_zorg - ketenctl gezin, transfer, escalation and mailbox
    against a real PostgreSQL, a real intake and a real zorgtoewijzing:
    partners' signals travel intake -> zorgtoewijzing, then ketenctl runs as
    a separate process, exactly as the ketencoordinator would run it. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "kb_test_zorg.h"

#include "ketenbus/kb_pseudo.h"
#include "ketenbus/kb_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static kbt_intake_t *s_intake;
static kbt_zorg_t *s_zorg;
static char *s_bin;
static char *s_wth_cert; /* wijkteam-helmond */
static long s_expected;  /* messages zorgtoewijzing must have applied */
static int s_runs;

/* Runs ketenctl with args (NULL terminated) against the test database with
   extra environment entries (may be NULL); returns the exit code and, when
   out is not NULL, stdout and stderr together (caller frees). */
static int
s_run_env (char **out, const char *const *env_extra, const char *arg, ...)
{
    const char *argv[64];
    int argc = 0;
    argv[argc++] = s_bin;
    va_list ap;
    va_start (ap, arg);
    for (const char *a = arg; a && argc < 63; a = va_arg (ap, const char *))
        argv[argc++] = a;
    va_end (ap);
    argv[argc] = NULL;

    char db_env[1024], key_env[1024];
    snprintf (db_env, sizeof db_env, "KETENBUS_DB_CONNINFO=%s", s_intake->conninfo);
    snprintf (key_env, sizeof key_env, "KETENBUS_PSEUDONYM_KEY_FILE=%s", s_intake->pseudo_key);
    const char *env[32];
    int n = 0;
    env[n++] = db_env;
    env[n++] = key_env;
    env[n++] = "KETENBUS_DB_CONNECT_TIMEOUT_MS=3000";
    for (int i = 0; env_extra && env_extra[i] && n < 31; i++)
        env[n++] = env_extra[i];
    env[n] = NULL;

    char log[1024];
    snprintf (log, sizeof log, "%s/ketenctl-%03d.log", s_intake->dir, ++s_runs);
    unlink (log);
    pid_t pid = kbt_spawn (argv, env, log);
    int rc = kbt_wait (pid, 60000);
    if (out) {
        FILE *f = fopen (log, "r");
        char *buf = calloc (1, 1 << 20);
        assert_non_null (buf);
        if (f) {
            size_t len = fread (buf, 1, (1 << 20) - 1, f);
            buf[len] = '\0';
            fclose (f);
        }
        *out = buf;
    }
    return rc;
}

#define s_run(out, ...) s_run_env ((out), NULL, __VA_ARGS__, NULL)

/* Fails with the output when needle is missing. */
static void
s_expect (const char *out, const char *needle)
{
    if (!strstr (out, needle))
        fail_msg ("expected \"%s\" in:\n%s", needle, out);
}

static int
s_setup (void **state)
{
    (void)state;
    s_bin = kbt_bin ("ketenctl");
    s_intake = kbt_intake_setup ("it_ketenctl_zorg");
    s_zorg = kbt_zorg_setup (s_intake);
    s_wth_cert =
      kbt_zorg_register_intake (s_zorg, "wijkteam-helmond", "wijkteam", "centrum", "0794");
    kbt_intake_start (s_intake, NULL);
    kbt_zorg_start (s_zorg, NULL);
    static const char *types[KBT_PARTNERS] = { "cjg", "veilig-thuis", "gemeente", "wijkteam" };
    static const char *gemeenten[KBT_PARTNERS] = { "0794", "", "0794", "0762" };
    for (int i = 0; i < KBT_PARTNERS; i++)
        kbt_zorg_directory (s_zorg, s_intake->partner_org[i], types[i], "centrum", gemeenten[i]);
    kbt_zorg_directory (s_zorg, "wijkteam-helmond", "wijkteam", "centrum", "0794");
    kbt_wait_for_value (s_intake->conninfo,
                        "SELECT count(*) FROM zorgtoewijzing.kb_inbox WHERE stream = 'registry'",
                        KBT_PARTNERS + 1,
                        10000);
    s_expected =
      kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_inbox");
    return 0;
}

static int
s_teardown (void **state)
{
    (void)state;
    kbt_zorg_teardown (&s_zorg);
    kbt_intake_teardown (&s_intake);
    free (s_wth_cert);
    free (s_bin);
    return 0;
}

/* Sends one signal, expects it accepted and waits until zorgtoewijzing
   applied it. */
static void
s_signal (kb_client_t *client, kbt_signal_t *s)
{
    kb_uuid_v4 (s->message_id);
    assert_int_equal (kb_client_send (client, &s->env), 0);
    kb_envelope_t *reply = NULL;
    assert_int_equal (kb_client_recv (client, 10000, &reply), 0);
    assert_int_equal (reply->body_case, KETENBUS__V1__ENVELOPE__BODY_ACK);
    kb_codec_free (&reply);
    s_expected++;
    kbt_zorg_wait_inbox (s_zorg, s_expected, 30000);
}

static void
s_adult (kbt_signal_t *s)
{
    s->subject.birth_date = "1980-03-01";
    s->subject.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER;
}

static char *
s_gezin_of (const char *org, const char *case_ref)
{
    char *ref = kbt_query_strf (s_intake->conninfo, "SELECT g.ref FROM zorgtoewijzing.involvement i JOIN zorgtoewijzing.gezin g"
                       " ON g.id = i.gezin_id WHERE i.org_id = '%s' AND i.partner_case_ref = '%s'",
                       org,
                       case_ref);
    assert_non_null (ref);
    return ref;
}

/*  Tests */

static void
test_help (void **state)
{
    (void)state;
    static const char *const commands[][3] = {
        { "gezin", "--help", NULL },          { "gezin", "show", "--help" },
        { "transfer", "--help", NULL },       { "transfer", "list", "--help" },
        { "escalation", "--help", NULL },     { "escalation", "list", "--help" },
        { "escalation", "decide", "--help" }, { "mailbox", "--help", NULL },
        { "mailbox", "status", "--help" },    { "mailbox", "replay", "--help" },
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char *out = NULL;
        int rc = s_run (&out, commands[i][0], commands[i][1], commands[i][2]);
        if (rc != 0)
            fail_msg ("\"%s %s\" exited %d: %s", commands[i][0], commands[i][1], rc, out);
        s_expect (out, "usage: ketenctl");
        free (out);
    }
    char *out = NULL;
    assert_int_equal (s_run (&out, "--help"), 0);
    s_expect (out, "zorg/schema");
    s_expect (out, "escalation");
    free (out);
    assert_int_equal (s_run (NULL, "gezin"), 2);
    assert_int_equal (s_run (NULL, "gezin", "frob"), 2);
    assert_int_equal (s_run (NULL, "gezin", "show"), 2);
    assert_int_equal (s_run (NULL, "gezin", "show", "--org", "cjg-helmond"), 2);
    assert_int_equal (s_run (NULL, "gezin", "show", "--pseudonym", "a", "--ref", "b"), 2);
    /* --bsn - reads standard input; here it is empty: not a BSN */
    assert_int_equal (s_run (NULL, "gezin", "show", "--bsn", "-"), 2);
    assert_int_equal (s_run (NULL, "transfer", "list", "--bogus"), 2);
    assert_int_equal (s_run (NULL, "escalation", "decide", "--id", "x"), 2);
    assert_int_equal (s_run (NULL, "mailbox", "replay", "--from", "-1"), 2);
    assert_int_equal (s_run (NULL, "mailbox", "replay", "--timeout-ms", "x"), 2);
    /* the BSN is checked (elfproef) and never echoed */
    assert_int_equal (s_run (&out, "gezin", "show", "--bsn", "123456789"), 2);
    assert_null (strstr (out, "123456789"));
    free (out);
}

/* Runs before any signal: no partner has a message queued. */
static void
test_mailbox_status (void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal (s_run (&out, "mailbox", "status"), 0);
    s_expect (out, "cjg-helmond");
    s_expect (out, "wijkteam-helmond");
    s_expect (out, "0 messages pending");
    free (out);
    assert_int_equal (s_run (&out, "mailbox", "status", "--json"), 0);
    s_expect (out,
              "{\"org\": \"cjg-helmond\", \"queued\": 0, \"acknowledged\": 0, \"pending\": 0, "
              "\"held_back\": 0, \"oldest_pending_ms\": null}");
    s_expect (out, "\"pending\": 0}");
    free (out);

    /* a filled mailbox (written here: the org is not one intake pushes to) */
    kbt_exec (s_intake->conninfo,
              "INSERT INTO intake.mailbox_head (org_id, last_seq, acked_seq) "
              "VALUES ('test-mailbox', 3, 1)");
    for (int seq = 1; seq <= 3; seq++) {
        char id[37], sql[512];
        kb_uuid_v4 (id);
        snprintf (sql,
                  sizeof sql,
                  "INSERT INTO intake.mailbox (org_id, seq, message_id, body, envelope, "
                  " enqueued_at, acked_at) VALUES ('test-mailbox', %d, '%s', "
                  " 'match_notification', '\\x00', now() - interval '%d seconds', %s)",
                  seq,
                  id,
                  100 - seq,
                  seq == 1 ? "now()" : "NULL");
        kbt_exec (s_intake->conninfo, sql);
    }
    assert_int_equal (s_run (&out, "mailbox", "status", "--json"), 0);
    s_expect (out,
              "{\"org\": \"test-mailbox\", \"queued\": 3, \"acknowledged\": 1, \"pending\": 2, "
              "\"held_back\": 0, \"oldest_pending_ms\": ");
    long oldest =
      atol (strstr (out, "\"test-mailbox\"") + strlen ("\"test-mailbox\""
                                                       ", \"queued\": 3, \"acknowledged\": 1,"
                                                       " \"pending\": 2, \"held_back\": 0,"
                                                       " \"oldest_pending_ms\": "));
    assert_true (oldest >= 98000 && oldest < 200000);
    free (out);
    assert_int_equal (s_run (&out, "mailbox", "status"), 0);
    s_expect (out, "test-mailbox");
    /* the age in seconds on that line: 98 or a little more, however late
       ketenctl started after the rows were written */
    const char *line = strstr (out, "test-mailbox");
    const char *age = strstr (line, " s");
    while (age > line && age[-1] != ' ')
        age--;
    double seconds = atof (age);
    if (seconds < 98.0 || seconds > 200.0)
        fail_msg ("expected an age of about 98 s for test-mailbox in:\n%s", out);
    free (out);
    /* a message held back because its consent was withdrawn is not pending */
    kbt_exec (s_intake->conninfo,
              "UPDATE intake.mailbox SET blocked_at = now (), blocked_reason = 'consent_withdrawn'"
              " WHERE org_id = 'test-mailbox' AND seq = 3");
    assert_int_equal (s_run (&out, "mailbox", "status", "--json"), 0);
    s_expect (out, "\"queued\": 3, \"acknowledged\": 1, \"pending\": 1, \"held_back\": 1,");
    free (out);
    kbt_exec (s_intake->conninfo, "DELETE FROM intake.mailbox WHERE org_id = 'test-mailbox'");
    kbt_exec (s_intake->conninfo, "DELETE FROM intake.mailbox_head WHERE org_id = 'test-mailbox'");
}

static void
test_gezin_show (void **state)
{
    (void)state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *wtd = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kbt_signal_t a, b;
    kbt_signal_init (&a, 500); /* a child and a parent -> cjg-helmond */
    snprintf (a.case_ref, sizeof a.case_ref, "K-A");
    s_signal (cjg, &a);
    kbt_signal_init (&b, 500); /* the same family, seen by the wijkteam */
    snprintf (b.case_ref, sizeof b.case_ref, "K-B");
    b.signal.n_household = 0;
    s_signal (wtd, &b);
    char *g = s_gezin_of ("cjg-helmond", "K-A");
    char *plan = kbt_query_strf (s_intake->conninfo, "SELECT p.ref FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.gezin g"
                        " ON g.id = p.gezin_id WHERE g.ref = '%s' AND p.status = 'active'",
                        g);
    assert_non_null (plan);

    char err[256], pseudonym[KB_PSEUDONYM_LEN + 1];
    kb_pseudo_t *pseudo = kb_pseudo_load (s_intake->pseudo_key, err, sizeof err);
    assert_non_null (pseudo);
    kb_pseudo_bsn (pseudo, a.bsn, pseudonym);
    kb_pseudo_destroy (&pseudo);
    char prefix[13];
    snprintf (prefix, sizeof prefix, "%.12s", pseudonym);

    /* through the partner's own reference */
    char *out = NULL;
    assert_int_equal (s_run (&out, "gezin", "show", "--org", "cjg-helmond", "--case-ref", "K-A"),
                      0);
    char line[256];
    snprintf (line, sizeof line, "gezin %s\n", g);
    s_expect (out, line);
    snprintf (line, sizeof line, "plan %s (active)", plan);
    s_expect (out, line);
    s_expect (out, "regisseur    cjg-helmond (cjg)");
    s_expect (out, "rule         gezin_met_minderjarigen");
    s_expect (out, "basis        rule");
    s_expect (out, prefix);
    assert_null (strstr (out, pseudonym)); /* only the prefix */
    s_expect (out, "cjg-helmond                      cjg");
    s_expect (out, "wijkteam-deurne                  wijkteam");
    s_expect (out, "since 20");
    free (out);

    /* by pseudonym, by BSN (never printed) and by gezin ref: the same gezin */
    long reads = kbt_query_long (s_intake->conninfo,
                                 "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                                 " WHERE event = 'operator.gezin_shown' AND action = 'R'");
    assert_int_equal (s_run (&out, "gezin", "show", "--pseudonym", pseudonym), 0);
    snprintf (line, sizeof line, "gezin %s\n", g);
    s_expect (out, line);
    free (out);
    /* every operator look at a gezin is in the audit log */
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                                      " WHERE event = 'operator.gezin_shown' AND action = 'R'"),
                      reads + 1);
    assert_int_equal (s_run (&out, "gezin", "show", "--bsn", a.bsn), 0);
    s_expect (out, line);
    assert_null (strstr (out, a.bsn));
    free (out);
    assert_int_equal (s_run (&out, "gezin", "show", "--ref", g, "--json"), 0);
    snprintf (line, sizeof line, "{\"gezin_ref\": \"%s\", \"members\": [", g);
    s_expect (out, line);
    snprintf (line, sizeof line, "{\"pseudonym_prefix\": \"%s\", \"birth_year\": 20", prefix);
    s_expect (out, line);
    s_expect (out, "\"regisseur_org\": \"cjg-helmond\", \"regisseur_type\": \"cjg\"");
    s_expect (out, "\"basis\": \"rule\", \"rule\": \"gezin_met_minderjarigen\"");
    s_expect (out, "{\"org\": \"wijkteam-deurne\", \"type\": \"wijkteam\", \"since\": \"20");
    s_expect (out, "\"transfers\": [], \"escalations\": []}");
    free (out);

    /* unknown, or not involved: the same answer */
    char other[KB_PSEUDONYM_LEN + 1];
    memset (other, 'f', KB_PSEUDONYM_LEN);
    other[KB_PSEUDONYM_LEN] = '\0';
    assert_int_equal (s_run (&out, "gezin", "show", "--pseudonym", other), 1);
    s_expect (out, "ketenctl: no gezin found");
    free (out);
    assert_int_equal (s_run (&out, "gezin", "show", "--org", "cjg-helmond", "--case-ref", "NOPE"),
                      1);
    s_expect (out, "ketenctl: no gezin found");
    free (out);
    assert_int_equal (
      s_run (&out, "gezin", "show", "--org", "veiligthuis-peel", "--case-ref", "K-A"), 1);
    s_expect (out, "ketenctl: no gezin found");
    free (out);
    char bsn[10];
    kbt_make_bsn (9999, bsn);
    assert_int_equal (s_run (&out, "gezin", "show", "--bsn", bsn), 1);
    assert_null (strstr (out, bsn));
    free (out);
    /* as a partner sees it: an involved one sees the gezin, one that is
       not gets exactly the answer of an unknown gezin */
    assert_int_equal (s_run (&out, "gezin", "show", "--pseudonym", pseudonym, "--as-org",
                             "wijkteam-deurne"),
                      0);
    snprintf (line, sizeof line, "gezin %s\n", g);
    s_expect (out, line);
    free (out);
    char *unknown = NULL;
    assert_int_equal (s_run (&unknown, "gezin", "show", "--pseudonym", other, "--as-org",
                             "veiligthuis-peel"),
                      1);
    assert_int_equal (s_run (&out, "gezin", "show", "--pseudonym", pseudonym, "--as-org",
                             "veiligthuis-peel"),
                      1);
    assert_string_equal (out, unknown);
    free (out);
    free (unknown);
    assert_int_equal (s_run (NULL, "gezin", "show", "--org", "cjg-helmond", "--case-ref", "K-A",
                             "--as-org", "cjg-helmond"),
                      2);
    free (plan);
    free (g);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wtd);
}

static void
test_escalation_list_and_decide (void **state)
{
    (void)state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *wtd = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kb_client_t *wth = kbt_intake_client_cert (s_intake, s_wth_cert);
    kbt_signal_t a, b, c;
    kbt_signal_init (&a, 600); /* minor -> cjg-helmond */
    snprintf (a.case_ref, sizeof a.case_ref, "M-A");
    s_signal (cjg, &a);
    kbt_signal_init (&b, 601); /* adults in 0762 -> wijkteam-deurne */
    s_adult (&b);
    snprintf (b.case_ref, sizeof b.case_ref, "M-B");
    b.signal.gemeente_code = "0762";
    b.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN;
    b.signal.n_categories = 1;
    s_signal (wtd, &b);
    kbt_signal_init (&c, 600); /* shows both are one family: two regisseurs */
    snprintf (c.case_ref, sizeof c.case_ref, "M-C");
    memcpy (c.member_bsn, b.bsn, sizeof c.member_bsn);
    s_signal (wth, &c);
    char *g = s_gezin_of ("cjg-helmond", "M-A");
    char *esc = kbt_query_strf (s_intake->conninfo, "SELECT e.id FROM zorgtoewijzing.escalation e JOIN zorgtoewijzing.gezin g"
                       " ON g.id = e.gezin_id WHERE g.ref = '%s' AND e.kind = 'merge_conflict'"
                       " AND e.status = 'open'",
                       g);
    assert_non_null (esc);

    char *out = NULL;
    assert_int_equal (s_run (&out, "escalation", "list", "--open"), 0);
    s_expect (out, esc);
    s_expect (out, "merge_conflict");
    s_expect (out, g);
    s_expect (out, "| regisseurs cjg-helmond and wijkteam-deurne\n"); /* what to decide between */
    free (out);
    assert_int_equal (s_run (&out, "gezin", "show", "--ref", g), 0);
    s_expect (out, "open escalations\n    ");
    s_expect (out, esc);
    free (out);

    /* mistakes: unknown organisation, one that cannot hold regie, unknown escalation */
    assert_int_equal (
      s_run (&out, "escalation", "decide", "--id", esc, "--regisseur", "no-such-org"), 1);
    s_expect (out, "organisation \"no-such-org\" is not an active partner");
    free (out);
    assert_int_equal (
      s_run (&out, "escalation", "decide", "--id", esc, "--regisseur", "gemeente-helmond"), 1);
    s_expect (out, "organisation \"gemeente-helmond\" is a gemeente, which cannot hold regie");
    free (out);
    assert_int_equal (
      s_run (&out, "escalation", "decide", "--id", "no-such-id", "--regisseur", "wijkteam-deurne"),
      1);
    s_expect (out, "could not find escalation \"no-such-id\"");
    free (out);
    assert_int_equal (
      s_run (NULL, "escalation", "decide", "--id", esc, "--regisseur", "Not An Org"), 2);

    /* the decision */
    assert_int_equal (s_run (&out,
                             "escalation",
                             "decide",
                             "--id",
                             esc,
                             "--regisseur",
                             "wijkteam-deurne",
                             "--by",
                             "kc-test"),
                      0);
    s_expect (out, "decided: regisseur wijkteam-deurne by \"kc-test\"");
    free (out);
    char *who =
      kbt_query_strf (s_intake->conninfo, "SELECT decided_by || '/' || decided_regisseur FROM zorgtoewijzing.escalation"
             " WHERE id = '%s' AND status = 'decided'",
             esc);
    assert_non_null (who);
    assert_string_equal (who, "kc-test/wijkteam-deurne");
    free (who);
    char *r = kbt_query_strf (s_intake->conninfo, "SELECT p.regisseur_org FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.gezin g"
                     " ON g.id = p.gezin_id WHERE g.ref = '%s' AND p.status = 'active'",
                     g);
    assert_string_equal (r, "wijkteam-deurne");
    free (r);
    assert_int_equal (
      kbt_query_long (s_intake->conninfo,
                      "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                      " WHERE event = 'escalation.decided' AND actor_user = 'kc-test'"),
      1);
    /* twice is refused */
    assert_int_equal (
      s_run (&out, "escalation", "decide", "--id", esc, "--regisseur", "wijkteam-deurne"), 1);
    s_expect (out, "already decided");
    free (out);
    assert_int_equal (s_run (&out, "escalation", "list", "--open"), 0);
    assert_null (strstr (out, esc));
    free (out);
    assert_int_equal (s_run (&out, "escalation", "list"), 0);
    s_expect (out, esc);
    s_expect (out, "regisseur=wijkteam-deurne by=\"kc-test\"");
    free (out);
    assert_int_equal (s_run (&out, "gezin", "show", "--ref", g), 0);
    s_expect (out, "regisseur    wijkteam-deurne (wijkteam)");
    s_expect (out, "basis        escalation_decision");
    s_expect (out, "open escalations\n    none");
    free (out);
    free (esc);
    free (g);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wtd);
    kb_client_destroy (&wth);
}

static void
test_transfer_list (void **state)
{
    (void)state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *wth = kbt_intake_client_cert (s_intake, s_wth_cert);
    kbt_signal_t a, s;
    kbt_signal_init (&a, 700);
    snprintf (a.case_ref, sizeof a.case_ref, "T-A");
    s_signal (cjg, &a);
    /* an acute signal: Veilig Thuis outranks the CJG ("hogere regie") */
    kbt_signal_init (&s, 700);
    snprintf (s.case_ref, sizeof s.case_ref, "T-A-WT");
    s.categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_KINDERMISHANDELING;
    s.signal.urgency = KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG;
    s_signal (wth, &s);
    char *g = s_gezin_of ("cjg-helmond", "T-A");
    char *t = kbt_query_strf (s_intake->conninfo, "SELECT t.id FROM zorgtoewijzing.transfer t JOIN zorgtoewijzing.plan p"
                     " ON p.id = t.plan_id JOIN zorgtoewijzing.gezin g ON g.id = p.gezin_id"
                     " WHERE g.ref = '%s' AND t.status = 'pending'",
                     g);
    assert_non_null (t);
    char *out = NULL;
    assert_int_equal (s_run (&out, "transfer", "list", "--pending"), 0);
    s_expect (out, "deadline\n");
    s_expect (out, t);
    const char *row = strstr (out, t);
    assert_non_null (strstr (row, "cjg-helmond"));
    assert_non_null (strstr (row, "veiligthuis-peel"));
    assert_non_null (strstr (row, "hogere_regie"));
    assert_non_null (strstr (row, "pending"));
    free (out);
    assert_int_equal (s_run (&out, "transfer", "list"), 0);
    s_expect (out, t);
    free (out);
    assert_int_equal (s_run (&out, "gezin", "show", "--ref", g), 0);
    char line[256];
    snprintf (
      line, sizeof line, "%s from cjg-helmond to veiligthuis-peel (hogere_regie) deadline 20", t);
    s_expect (out, line);
    free (out);
    /* past its deadline: the escalation says which transfer it is about */
    char sql[256];
    snprintf (sql, sizeof sql, "UPDATE zorgtoewijzing.transfer SET deadline_at = now ()"
                               " - interval '1 second' WHERE id = '%s'", t);
    kbt_exec (s_intake->conninfo, sql);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM zorgtoewijzing.escalation"
                               " WHERE transfer_id = '%s' AND kind = 'transfer_timeout'", t);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo, sql, 1, 20000), 1);
    assert_int_equal (s_run (&out, "escalation", "list", "--open"), 0);
    s_expect (out, "| transfer from=cjg-helmond to=veiligthuis-peel reason=veiligheid rejected=-\n");
    free (out);
    free (t);
    free (g);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wth);
}

/* Checks out of a replay of org's mailbox from..last: exactly the stored
   messages, one line each ("SEQ TIME BODY ... message_id=ID"), in sequence
   order, and no line for seq from - 1. */
static void
s_expect_replayed (const char *out, const char *org, long from, long last)
{
    char sql[512];
    const char *at = out;
    for (long seq = from; seq <= last; seq++) {
        snprintf (sql,
                  sizeof sql,
                  "SELECT body || ' ' || message_id FROM intake.mailbox"
                  " WHERE org_id = '%s' AND seq = %ld",
                  org,
                  seq);
        char *row = kbt_query_str (s_intake->conninfo, sql);
        assert_non_null (row);
        char *id = strchr (row, ' ');
        assert_non_null (id);
        *id++ = '\0';
        char head[64], tail[80];
        snprintf (head, sizeof head, "%ld 20", seq);
        snprintf (tail, sizeof tail, " message_id=%s", id);
        /* the next line of the output, not a later one */
        if (strncmp (at, head, strlen (head)) != 0)
            fail_msg ("seq %ld is not the next line after seq %ld:\n%s", seq, seq - 1, out);
        const char *end = strchr (at, '\n');
        assert_non_null (end);
        char text[1024];
        snprintf (text, sizeof text, "%.*s", (int)(end - at), at);
        if (!strstr (text, row) || !strstr (text, tail))
            fail_msg ("seq %ld: want %s%s, got: %s", seq, row, tail, text);
        at = end + 1;
        free (row);
    }
    snprintf (sql, sizeof sql, "replayed %ld messages (seq %ld..%ld)", last - from + 1, from, last);
    if (strncmp (at, sql, strlen (sql)) != 0)
        fail_msg ("want \"%s\" after the lines, got:\n%s", sql, out);
    snprintf (sql, sizeof sql, "%ld 20", from - 1);
    assert_false (strncmp (out, sql, strlen (sql)) == 0);
}

/* A mailbox filled by the real flow (adults in Deurne signalled by the
   wijkteam: a RegieAssignment to wijkteam-deurne per new gezin), replayed by
   ketenctl as that partner from a sequence number: the stored messages from
   there on, in order; a --no-ack replay leaves the acknowledgement as it
   was, a replay without it acknowledges up to the last one. */
static void
test_mailbox_replay_prints_in_order_and_acks (void **state)
{
    (void)state;
    const char *org = "wijkteam-deurne";
    char sql[512];
    snprintf (sql,
              sizeof sql,
              "SELECT coalesce ((SELECT last_seq FROM intake.mailbox_head WHERE org_id = '%s'), 0)",
              org);
    long before = kbt_query_long (s_intake->conninfo, sql);
    kb_client_t *wtd = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    enum
    {
        N = 4
    };
    for (uint32_t i = 0; i < N; i++) {
        kbt_signal_t s;
        kbt_signal_init (&s, 1100 + i);
        s_adult (&s);
        s.signal.gemeente_code = "0762";
        s_signal (wtd, &s);
    }
    kb_client_destroy (&wtd);
    snprintf (sql,
              sizeof sql,
              "SELECT count(*) FROM intake.mailbox WHERE org_id = '%s' AND seq > %ld"
              " AND body = 'regie_assignment'",
              org,
              before);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo, sql, N, 30000), N);
    kbt_sleep_ms (300); /* anything else on its way for the org */
    snprintf (sql, sizeof sql, "SELECT last_seq FROM intake.mailbox_head WHERE org_id = '%s'", org);
    long last = kbt_query_long (s_intake->conninfo, sql);
    assert_true (last >= before + N);
    snprintf (
      sql, sizeof sql, "SELECT acked_seq FROM intake.mailbox_head WHERE org_id = '%s'", org);
    long acked = kbt_query_long (s_intake->conninfo, sql);
    assert_true (acked < before + 2);
    char *argv_from = NULL;
    char *out = NULL;

    /* from the second new one, without acknowledging: not the first one,
       and the acknowledgement stays where it was */
    assert_true (asprintf (&argv_from, "%ld", before + 2) > 0);
    assert_int_equal (s_run (&out,
                             "mailbox",
                             "replay",
                             "--from",
                             argv_from,
                             "--no-ack",
                             "--endpoint",
                             s_intake->endpoint,
                             "--cert",
                             s_intake->partner_cert[KBT_WIJKTEAM],
                             "--server-key",
                             s_intake->server_pub,
                             "--timeout-ms",
                             "1500"),
                      0);
    s_expect_replayed (out, org, before + 2, last);
    s_expect (out, ", not acknowledged\n");
    /* what the partner needs to act: its own reference, the contact */
    s_expect (out, " case_ref=");
    s_expect (out, " casemanager=\"casemanager team Noord\" phone=0492-123456");
    free (out);
    free (argv_from);
    assert_int_equal (kbt_query_long (s_intake->conninfo, sql), acked);

    /* from the first new one: every one of them, and acknowledged up to
       the last */
    assert_true (asprintf (&argv_from, "%ld", before + 1) > 0);
    assert_int_equal (s_run (&out,
                             "mailbox",
                             "replay",
                             "--from",
                             argv_from,
                             "--endpoint",
                             s_intake->endpoint,
                             "--cert",
                             s_intake->partner_cert[KBT_WIJKTEAM],
                             "--server-key",
                             s_intake->server_pub,
                             "--timeout-ms",
                             "1500"),
                      0);
    s_expect_replayed (out, org, before + 1, last);
    assert_null (strstr (out, "not acknowledged"));
    free (out);
    free (argv_from);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo, sql, last, 5000), last);
}

/* What a replay answers when it cannot be done. */
static void
test_mailbox_replay_unreachable (void **state)
{
    (void)state;
    char endpoint[1024];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/nobody-listens.sock", s_intake->dir);
    char *out = NULL;
    assert_int_equal (s_run (&out,
                             "mailbox",
                             "replay",
                             "--endpoint",
                             endpoint,
                             "--cert",
                             s_intake->partner_cert[KBT_CJG],
                             "--server-key",
                             s_intake->server_pub,
                             "--timeout-ms",
                             "300"),
                      3);
    s_expect (out, "ketenctl: could not reach intake");
    free (out);
    /* no certificate configured */
    assert_int_equal (s_run (&out, "mailbox", "replay", "--server-key", s_intake->server_pub), 2);
    s_expect (out, "no partner certificate");
    free (out);
}

static void
test_unreachable_database (void **state)
{
    (void)state;
    static const char *const env[] = { "KETENBUS_DB_CONNECT_TIMEOUT_MS=0", NULL };
    const char *db = "host=/nonexistent-dir user=nobody";
    assert_int_equal (s_run_env (NULL, env, "--db", db, "gezin", "show", "--ref", "x", NULL), 3);
    assert_int_equal (s_run_env (NULL, env, "--db", db, "escalation", "list", NULL), 3);
    assert_int_equal (s_run_env (NULL, env, "--db", db, "transfer", "list", NULL), 3);
    assert_int_equal (s_run_env (NULL, env, "--db", db, "mailbox", "status", NULL), 3);
}

/* The resident's access report: the events about the person and the
   person's gezin, from intake and zorgtoewijzing, nothing about another
   family, no BSN; producing it is audited. */
static void
test_access_report (void **state)
{
    (void)state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *wtd = kbt_intake_client (s_intake, KBT_WIJKTEAM);
    kbt_signal_t p, q;
    kbt_signal_init (&p, 800); /* a child and a parent -> cjg-helmond */
    snprintf (p.case_ref, sizeof p.case_ref, "AR-P");
    s_signal (cjg, &p);
    kbt_signal_init (&q, 801); /* another family, only the wijkteam knows it */
    snprintf (q.case_ref, sizeof q.case_ref, "AR-Q");
    s_adult (&q);
    q.signal.n_household = 0;
    s_signal (wtd, &q);

    char *out = NULL;
    assert_int_equal (s_run (&out, "access-report", "--bsn", p.bsn), 0);
    s_expect (out, "access report (AVG article 15)");
    s_expect (out, "organisations involved now: cjg-helmond\n");
    s_expect (out, "signal.accepted");
    s_expect (out, "gezin.created");
    s_expect (out, "gezin.member_added");
    s_expect (out, "regie.assigned");
    s_expect (out, "access_report.generated");
    assert_null (strstr (out, "wijkteam-deurne"));
    assert_null (strstr (out, p.bsn));
    int accepted = 0;
    for (const char *c = out; (c = strstr (c, "signal.accepted")); c++)
        accepted++;
    assert_int_equal (accepted, 1);
    free (out);

    /* JSON, and a period that holds nothing */
    assert_int_equal (s_run (&out, "access-report", "--bsn", p.bsn, "--json"), 0);
    s_expect (out, "\"event\": \"regie.assigned\"");
    s_expect (out, "\"where\": \"intake\"");
    s_expect (out, "\"where\": \"zorgtoewijzing\"");
    free (out);
    assert_int_equal (s_run (&out, "access-report", "--bsn", p.bsn, "--from", "2000-01-01", "--to",
                             "2000-12-31"),
                      0);
    s_expect (out, "\n0 events.");
    free (out);

    /* every report is in the audit log, under the pseudonym, never the BSN */
    char err[256], pseudonym[KB_PSEUDONYM_LEN + 1];
    kb_pseudo_t *pseudo = kb_pseudo_load (s_intake->pseudo_key, err, sizeof err);
    assert_non_null (pseudo);
    kb_pseudo_bsn (pseudo, p.bsn, pseudonym);
    kb_pseudo_destroy (&pseudo);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM intake.kb_audit WHERE event ="
                                       " 'access_report.generated' AND subject_pseudonym = '%s'",
                                       pseudonym),
                      3);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM intake.kb_audit WHERE"
                                       " subject_pseudonym = '%s' OR reason = '%s'",
                                       p.bsn, p.bsn),
                      0);
    /* bad input */
    assert_int_equal (s_run (NULL, "access-report"), 2);
    assert_int_equal (s_run (NULL, "access-report", "--bsn", "123456789"), 2);
    assert_int_equal (s_run (NULL, "access-report", "--bsn", p.bsn, "--from", "2024-02-30"), 2);
    kb_client_destroy (&cjg);
    kb_client_destroy (&wtd);
}

/* The review queue of override shares: listed without the free text,
   shown with it after an audited read, decided once, audited. */
static void
test_review (void **state)
{
    (void)state;
    /* shares as zorgtoewijzing records them (3 = ALLOW_OVERRIDE, 1 = ALLOW) */
    kbt_exec (s_intake->conninfo,
              "INSERT INTO zorgtoewijzing.share (share_id, direction, from_org, to_org, gezin_id,"
              " categories, purpose, legal_ground, justification, outcome, reason,"
              " review_required) VALUES"
              " ('11111111-1111-4111-8111-111111111111', 1, 'veilig-thuis-zob', 'cjg-helmond',"
              "  (SELECT min (id) FROM zorgtoewijzing.gezin), '{11}', 4, 2,"
              "  'MARKER-just acute zorgen over de veiligheid van de kinderen', 3, 2, true),"
              " ('22222222-2222-4222-8222-222222222222', 1, 'cjg-helmond', 'wijkteam-deurne',"
              "  NULL, '{3}', 1, 1, NULL, 1, 1, false),"
              " ('33333333-3333-4333-8333-333333333333', 2, 'cjg-helmond', 'veilig-thuis-zob',"
              "  NULL, '{11}', 4, 3, 'MARKER-old eerder beoordeeld', 3, 2, true)");
    kbt_exec (s_intake->conninfo,
              "UPDATE zorgtoewijzing.share SET review_outcome = 'justified', reviewed_by = 'kc'"
              " WHERE share_id = '33333333-3333-4333-8333-333333333333'");
    char *out = NULL;
    assert_int_equal (s_run (&out, "review", "list"), 0);
    s_expect (out, "11111111-1111-4111-8111-111111111111");
    s_expect (out, "meldcode");
    s_expect (out, "1 share\n");
    assert_null (strstr (out, "22222222"));
    assert_null (strstr (out, "33333333"));
    assert_null (strstr (out, "MARKER"));
    free (out);
    assert_int_equal (s_run (&out, "review", "list", "--all", "--json"), 0);
    s_expect (out, "\"share\": \"33333333-3333-4333-8333-333333333333\"");
    s_expect (out, "\"review\": \"justified\"");
    assert_null (strstr (out, "MARKER"));
    free (out);

    long reads = kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                                                     " WHERE event = 'share.review_read'");
    assert_int_equal (s_run (&out, "review", "show", "--share",
                             "11111111-1111-4111-8111-111111111111"),
                      0);
    s_expect (out, "MARKER-just acute zorgen");
    s_expect (out, "review        pending");
    free (out);
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                                      " WHERE event = 'share.review_read'"),
                      reads + 1);
    assert_int_equal (s_run (NULL, "review", "show", "--share",
                             "22222222-2222-4222-8222-222222222222"),
                      1); /* not an override */

    assert_int_equal (s_run (NULL, "review", "decide", "--share",
                             "11111111-1111-4111-8111-111111111111", "--outcome", "maybe"),
                      2);
    assert_int_equal (s_run (&out, "review", "decide", "--share",
                             "11111111-1111-4111-8111-111111111111", "--outcome",
                             "not_justified", "--by", "kc-peel"),
                      0);
    free (out);
    assert_int_equal (s_run (NULL, "review", "decide", "--share",
                             "11111111-1111-4111-8111-111111111111", "--outcome", "justified"),
                      1); /* once */
    assert_int_equal (s_run (NULL, "review", "decide", "--share", "nope", "--outcome",
                             "justified"),
                      1);
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.share WHERE"
                                      " review_outcome = 'not_justified' AND reviewed_by ="
                                      " 'kc-peel'"),
                      1);
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE event ="
                                      " 'share.reviewed' AND outcome = 'not_justified' AND"
                                      " actor_user = 'kc-peel'"),
                      1);
    /* the free text went nowhere but the share row */
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                                      " WHERE reason LIKE '%MARKER%' OR outcome LIKE '%MARKER%'"),
                      0);
    assert_int_equal (s_run (&out, "review", "list"), 0);
    s_expect (out, "0 shares\n");
    free (out);
}

/* The retention purge: a gezin closed long enough goes with everything
   about it in both schemas, a young person's old signal goes under the
   Verwijsindex rule, old quarantine goes; nothing else is touched; a dry
   run removes nothing; every purge is audited with counts. */
static void
test_retention (void **state)
{
    (void)state;
    const char *db = s_intake->conninfo;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kbt_signal_t r, y;
    kbt_signal_init (&r, 900); /* an adult and a household member, a plan */
    snprintf (r.case_ref, sizeof r.case_ref, "RET-R");
    s_adult (&r);
    s_signal (cjg, &r);
    kbt_signal_init (&y, 901); /* a child: stays in zorg, its old signal goes */
    snprintf (y.case_ref, sizeof y.case_ref, "RET-Y");
    s_signal (cjg, &y);
    char err[256], pr[KB_PSEUDONYM_LEN + 1], py[KB_PSEUDONYM_LEN + 1];
    kb_pseudo_t *pseudo = kb_pseudo_load (s_intake->pseudo_key, err, sizeof err);
    assert_non_null (pseudo);
    kb_pseudo_bsn (pseudo, r.bsn, pr);
    kb_pseudo_bsn (pseudo, y.bsn, py);
    kb_pseudo_destroy (&pseudo);
    char *gr = s_gezin_of ("cjg-helmond", "RET-R");

    /* R's plan closed 400 days ago; a consent and a share of R; Y's signal
       two and a half years old; quarantine from 100 days ago */
    char sql[2048];
    snprintf (sql, sizeof sql,
              "UPDATE zorgtoewijzing.plan SET status = 'closed', updated_at = now () - interval"
              " '400 days' WHERE gezin_id = (SELECT id FROM zorgtoewijzing.gezin WHERE ref = '%s');"
              "INSERT INTO zorgtoewijzing.consent (consent_id, pseudonym, given_by, categories,"
              " recipient_org, purpose, valid_from, valid_until, recorded_by_org) VALUES"
              " ('c0000000-0000-4000-8000-000000000900', '%s', 1, '{3}', 'cjg-helmond', 1,"
              " '2020-01-01', '2030-01-01', 'cjg-helmond');"
              "INSERT INTO zorgtoewijzing.share (share_id, direction, from_org, to_org, gezin_id,"
              " categories, purpose, legal_ground, consent_id, outcome, reason) VALUES"
              " ('50000000-0000-4000-8000-000000000900', 1, 'cjg-helmond', 'wijkteam-deurne',"
              " (SELECT id FROM zorgtoewijzing.gezin WHERE ref = '%s'), '{3}', 1, 1,"
              " 'c0000000-0000-4000-8000-000000000900', 1, 1);"
              "UPDATE intake.signal SET signal_date = current_date - 900 WHERE subject_pseudonym"
              " = '%s';"
              "INSERT INTO intake.quarantine (received_at, sender_org, code, field, rule, size,"
              " sealed_raw) VALUES (now () - interval '100 days', 'cjg-helmond', 'KB10', 'x',"
              " 'y', 1, '\\x00'), (now (), 'cjg-helmond', 'KB10', 'x', 'y', 1, '\\x00');"
              /* dead letters on both sides of a link, one old and one recent each */
              "INSERT INTO zorgtoewijzing.kb_dead_letter (message_id, sender, stream, stream_seq,"
              " payload, reason, attempts, dead_at) VALUES ('ret-dead-old', 'intake', 'ret', 1,"
              " '\\x00', 'poison', 10, now () - interval '100 days'), ('ret-dead-new', 'intake',"
              " 'ret', 2, '\\x00', 'poison', 10, now ());"
              "INSERT INTO intake.kb_link_stream (stream, last_seq) VALUES ('ret', 2);"
              "INSERT INTO intake.kb_outbox (stream, stream_seq, message_id, payload, dead_at,"
              " dead_reason) VALUES ('ret', 1, 'ret-dead-old', '\\x00', now () - interval"
              " '100 days', 'poison'), ('ret', 2, 'ret-dead-new', '\\x00', now (), 'poison');",
              gr, pr, gr, py);
    kbt_exec (db, sql);
    /* R's stream has nothing left to deliver before its positions can go */
    char positions_r[512], positions_y[512];
    snprintf (positions_r, sizeof positions_r,
              "SELECT (SELECT count(*) FROM intake.kb_link_stream WHERE stream = '%s')"
              " + (SELECT count(*) FROM zorgtoewijzing.kb_inbox_stream WHERE sender = 'intake'"
              " AND stream = '%s')", pr, pr);
    snprintf (positions_y, sizeof positions_y,
              "SELECT (SELECT count(*) FROM intake.kb_link_stream WHERE stream = '%s')"
              " + (SELECT count(*) FROM zorgtoewijzing.kb_inbox_stream WHERE sender = 'intake'"
              " AND stream = '%s')", py, py);
    snprintf (sql, sizeof sql, "SELECT count(*) FROM intake.kb_outbox WHERE stream = '%s'"
                               " AND acked_at IS NULL", pr);
    assert_int_equal (kbt_wait_for_value (db, sql, 0, 10000), 0);
    assert_int_equal (kbt_query_long (db, positions_r), 2);
    long gezinnen = kbt_query_long (db, "SELECT count(*) FROM zorgtoewijzing.gezin");
    long signals = kbt_query_long (db, "SELECT count(*) FROM intake.signal");
    long quarantine = kbt_query_long (db, "SELECT count(*) FROM intake.quarantine");

    char *out = NULL;
    assert_int_equal (s_run (&out, "retention", "purge", "--dry-run"), 0);
    s_expect (out, "dry run");
    s_expect (out, "signals of closed gezinnen 1, signals under the Verwijsindex rule 1,"
                   " quarantine 1");
    /* involvement: the CJG and the regisseur the rules chose for the adult */
    s_expect (out, "zorgtoewijzing: gezin 1, person 2, gezin_member 2, involvement 2, plan 1");
    s_expect (out, "consent 1, share 1");
    s_expect (out, "dead letters in intake: received 0, sent 1");
    s_expect (out, "dead letters in zorgtoewijzing: received 1, sent 0");
    s_expect (out, "link positions towards zorgtoewijzing: intake 1, receiver 1");
    free (out);
    assert_int_equal (kbt_query_long (db, positions_r), 2);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM zorgtoewijzing.gezin"), gezinnen);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM intake.signal"), signals);

    assert_int_equal (s_run (&out, "retention", "purge", "--json"), 0);
    s_expect (out, "\"dry_run\": false");
    s_expect (out, "\"gezin\": 1");
    free (out);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM zorgtoewijzing.gezin"),
                      gezinnen - 1);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM intake.signal"), signals - 2);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM intake.quarantine"),
                      quarantine - 1);
    /* the old dead letters went, on both sides; the recent ones stay */
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM zorgtoewijzing.kb_dead_letter"
                                          " WHERE message_id LIKE 'ret-dead-%'"),
                      1);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM intake.kb_outbox"
                                          " WHERE message_id = 'ret-dead-new'"),
                      1);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM intake.kb_outbox"
                                          " WHERE message_id = 'ret-dead-old'"),
                      0);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE"
                                          " event = 'retention.purged' AND reason ="
                                          " 'kb_dead_letter' AND outcome = 'purged:1'"),
                      1);
    /* nothing of R is left outside the audit log; Y's gezin stays */
    assert_int_equal (kbt_query_longf (db,
                                       "SELECT (SELECT count(*) FROM zorgtoewijzing.person WHERE"
                                       " pseudonym = '%s') + (SELECT count(*) FROM"
                                       " zorgtoewijzing.consent WHERE pseudonym = '%s') +"
                                       " (SELECT count(*) FROM intake.signal WHERE"
                                       " subject_pseudonym = '%s') + (SELECT count(*) FROM"
                                       " zorgtoewijzing.gezin WHERE ref = '%s')",
                                       pr, pr, pr, gr),
                      0);
    assert_int_equal (kbt_query_longf (db, "SELECT count(*) FROM zorgtoewijzing.gezin_member"
                                           " WHERE pseudonym = '%s'", py),
                      1);
    /* R's link positions went on both sides, Y's stay */
    assert_int_equal (kbt_query_long (db, positions_r), 0);
    assert_int_equal (kbt_query_long (db, positions_y), 2);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM intake.kb_audit WHERE"
                                          " event = 'retention.purged' AND reason ="
                                          " 'zorgtoewijzing.kb_inbox_stream' AND outcome ="
                                          " 'purged:1'"),
                      1);
    /* a later signal about R starts the stream anew and is applied, not
       taken for a duplicate of the purged position */
    kbt_signal_t r2;
    kbt_signal_init (&r2, 900);
    snprintf (r2.case_ref, sizeof r2.case_ref, "RET-R2");
    s_adult (&r2);
    s_signal (cjg, &r2);
    char *gr2 = s_gezin_of ("cjg-helmond", "RET-R2");
    assert_string_not_equal (gr2, gr);
    free (gr2);
    assert_int_equal (kbt_query_longf (db, "SELECT last_seq FROM intake.kb_link_stream"
                                           " WHERE stream = '%s'", pr),
                      1);
    /* audited with counts, the chains intact */
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE"
                                          " event = 'retention.purged' AND reason = 'gezin'"
                                          " AND outcome = 'purged:1'"),
                      1);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM intake.kb_audit WHERE"
                                          " event = 'retention.purged' AND reason = 'signal_youth'"
                                          " AND outcome = 'purged:1'"),
                      1);
    assert_int_equal (s_run (NULL, "audit", "verify"), 0);
    /* a second run finds nothing */
    assert_int_equal (s_run (&out, "retention", "purge"), 0);
    s_expect (out, "signals of closed gezinnen 0, signals under the Verwijsindex rule 0,"
                   " quarantine 0");
    s_expect (out, "gezin 0");
    free (out);

    /* the Verwijsindex rule on death: a young person's recent signal goes
       once client-tracking ended a trajectory of the person as overleden */
    kbt_signal_t d;
    kbt_signal_init (&d, 903);
    snprintf (d.case_ref, sizeof d.case_ref, "RET-D");
    s_signal (cjg, &d);
    char pd[KB_PSEUDONYM_LEN + 1];
    pseudo = kb_pseudo_load (s_intake->pseudo_key, err, sizeof err);
    assert_non_null (pseudo);
    kb_pseudo_bsn (pseudo, d.bsn, pd);
    kb_pseudo_destroy (&pseudo);
    char count_d[256];
    snprintf (count_d, sizeof count_d,
              "SELECT count(*) FROM intake.signal WHERE subject_pseudonym = '%s'", pd);
    assert_int_equal (s_run (&out, "retention", "purge"), 0); /* no client-tracking yet */
    free (out);
    assert_int_equal (kbt_query_long (db, count_d), 1);
    assert_int_equal (kbt_query_long (db, "SELECT count(*) FROM pg_namespace"
                                          " WHERE nspname = 'client_tracking'"),
                      0); /* looking did not create it */
    snprintf (sql, sizeof sql,
              "CREATE SCHEMA IF NOT EXISTS client_tracking;"
              "CREATE TABLE IF NOT EXISTS client_tracking.trajectory (person_pseudonym text,"
              " outcome int);"
              "INSERT INTO client_tracking.trajectory VALUES ('%s', 2), ('%s', 5);",
              py, pd);
    kbt_exec (db, sql);
    assert_int_equal (s_run (&out, "retention", "purge"), 0);
    s_expect (out, "signals under the Verwijsindex rule 1,");
    free (out);
    assert_int_equal (kbt_query_long (db, count_d), 0);
    assert_int_equal (kbt_query_longf (db, "SELECT count(*) FROM zorgtoewijzing.gezin_member"
                                           " WHERE pseudonym = '%s'", py),
                      1);
    kbt_exec (db, "DROP SCHEMA client_tracking CASCADE");
    free (gr);
    kb_client_destroy (&cjg);
}

static char *
s_path (const char *name)
{
    char *p = NULL;
    assert_true (asprintf (&p, "%s/%s", s_intake->dir, name) > 0);
    return p;
}

/* A partner that uses ketenctl as its client: consent grant, a share
   request that is allowed, a sealed response routed to the asker, the
   withdrawal. */
static void
test_consent_and_share_commands (void **state)
{
    (void)state;
    kb_client_t *cjg = kbt_intake_client (s_intake, KBT_CJG);
    kb_client_t *vt = kbt_intake_client (s_intake, KBT_VEILIG_THUIS);
    kbt_signal_t p;
    kbt_signal_init (&p, 950);
    snprintf (p.case_ref, sizeof p.case_ref, "CS-CJG");
    s_signal (cjg, &p);
    kbt_signal_init (&p, 950);
    snprintf (p.case_ref, sizeof p.case_ref, "CS-VT");
    s_signal (vt, &p);
    kb_client_destroy (&cjg);
    kb_client_destroy (&vt);
    const char *ep = s_intake->endpoint, *srv = s_intake->server_pub;
    const char *cjg_cert = s_intake->partner_cert[KBT_CJG];
    const char *vt_cert = s_intake->partner_cert[KBT_VEILIG_THUIS];
    char from[16], until[16];
    time_t now = time (NULL);
    strftime (from, sizeof from, "%Y-%m-%d", localtime (&(time_t){ now - 86400 }));
    strftime (until, sizeof until, "%Y-%m-%d", localtime (&(time_t){ now + 30 * 86400 }));

    char *out = NULL;
    assert_int_equal (s_run (&out, "consent", "grant", "--bsn", p.bsn, "--given-by", "person",
                             "--category", "plan,wonen", "--to-type", "cjg", "--purpose",
                             "hulpverlening", "--from", from, "--until", until, "--endpoint", ep,
                             "--server-key", srv, "--cert", cjg_cert),
                      0);
    char consent[40] = "";
    assert_int_equal (sscanf (out, "consent %36s", consent), 1);
    s_expect (out, "accepted reference=");
    assert_null (strstr (out, p.bsn));
    free (out);
    s_expected++;
    kbt_zorg_wait_inbox (s_zorg, s_expected, 30000);

    assert_int_equal (s_run (&out, "share", "request", "--to", "veiligthuis-peel", "--bsn", p.bsn,
                             "--category", "plan", "--purpose", "hulpverlening", "--endpoint", ep,
                             "--server-key", srv, "--cert", cjg_cert),
                      0);
    char share[40] = "";
    assert_int_equal (sscanf (out, "share %36s", share), 1);
    free (out);
    s_expected++;
    kbt_zorg_wait_inbox (s_zorg, s_expected, 30000);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.share WHERE share_id"
                                       " = '%s' AND outcome = 1 AND consent_id = '%s'",
                                       share, consent),
                      1);

    /* Veilig Thuis answers, sealed to the CJG's box key */
    char *box = s_path ("cs-cjg-box"), *box_pub = s_path ("cs-cjg-box.pub");
    char *payload = s_path ("cs-payload.txt");
    assert_int_equal (s_run (NULL, "keygen", "--box", box, "--force"), 0);
    FILE *f = fopen (payload, "w");
    assert_non_null (f);
    fputs ("PAYLOAD-7q1 plan van aanpak\n", f);
    fclose (f);
    long before = kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM intake.mailbox WHERE"
                                                      " org_id = 'cjg-helmond' AND body ="
                                                      " 'share_response'");
    assert_int_equal (s_run (NULL, "share", "respond", "--share", share, "--to", "cjg-helmond",
                             "--in", payload, "--box-key-file", box_pub, "--endpoint", ep,
                             "--server-key", srv, "--cert", vt_cert),
                      0);
    s_expected++;
    kbt_zorg_wait_inbox (s_zorg, s_expected, 30000);
    assert_int_equal (kbt_wait_for_value (s_intake->conninfo,
                                          "SELECT count(*) FROM intake.mailbox WHERE org_id ="
                                          " 'cjg-helmond' AND body = 'share_response'",
                                          before + 1, 30000),
                      before + 1);
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM intake.mailbox WHERE position"
                                      " ('PAYLOAD-7q1'::bytea IN envelope) > 0"),
                      0);

    assert_int_equal (s_run (&out, "consent", "withdraw", "--bsn", p.bsn, "--consent-id", consent,
                             "--by", "person", "--endpoint", ep, "--server-key", srv, "--cert",
                             cjg_cert),
                      0);
    free (out);
    s_expected++;
    kbt_zorg_wait_inbox (s_zorg, s_expected, 30000);
    assert_int_equal (kbt_query_longf (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.consent WHERE"
                                       " consent_id = '%s' AND withdrawn_at IS NOT NULL",
                                       consent),
                      1);
    /* bad input never leaves ketenctl */
    assert_int_equal (s_run (NULL, "consent", "grant", "--bsn", p.bsn, "--given-by", "person",
                             "--category", "plannen", "--to-type", "cjg", "--purpose",
                             "hulpverlening", "--from", from, "--until", until),
                      2);
    assert_int_equal (s_run (NULL, "share", "request", "--bsn", p.bsn, "--category", "plan",
                             "--purpose", "hulpverlening"),
                      2);
    assert_int_equal (s_run (NULL, "consent", "withdraw", "--bsn", "123456789", "--consent-id",
                             consent, "--by", "person"),
                      2);
    free (box);
    free (box_pub);
    free (payload);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_help),
        cmocka_unit_test (test_mailbox_status),
        cmocka_unit_test (test_gezin_show),
        cmocka_unit_test (test_access_report),
        cmocka_unit_test (test_review),
        cmocka_unit_test (test_retention),
        cmocka_unit_test (test_consent_and_share_commands),
        cmocka_unit_test (test_escalation_list_and_decide),
        cmocka_unit_test (test_transfer_list),
        cmocka_unit_test (test_mailbox_replay_unreachable),
        cmocka_unit_test (test_mailbox_replay_prints_in_order_and_acks),
        cmocka_unit_test (test_unreachable_database),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
