/*  it_simulate - "ketenctl simulate --months 3 --scale small" against the
    real intake, zorgtoewijzing and client-tracking with the demo
    partners registered: everything the simulator planned is sent and
    accepted by intake (satisfaction measurements too), neither
    zorgtoewijzing nor client-tracking refuses anything it forwards (no
    not_regisseur after a regie transfer: the new regisseur goes on with
    the gezinsplan), an accepted transfer reaches monitoring's stand-in as
    REGIE_TRANSFERRED, and client-tracking ends with trajectories in
    several states and shelter episodes. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "kb_test_tracking.h"
#include "kb_test_zorg.h"
#include "ketenctl_simgen.h"

#include "ketenbus/kb_db.h"
#include "ketenbus/kb_partner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static kbt_intake_t *s_intake;
static kbt_zorg_t *s_zorg;
static kbt_tracking_t *s_tracking;

static int
s_setup (void **state)
{
    (void)state;
    s_tracking = kbt_tracking_setup ("it_simulate_ct");
    s_intake = kbt_intake_setup ("it_simulate");
    s_zorg = kbt_zorg_setup (s_intake);
    /* the demo partners, with their certificates in the fixture's
       directory as <org>.cert (the fixture made some of them already) */
    for (size_t i = 0; i < ketenctl_simgen_partner_count (); i++) {
        const ketenctl_simgen_partner_t *p = &ketenctl_simgen_partners[i];
        char path[1024];
        snprintf (path, sizeof path, "%s/%s.cert", s_intake->dir, p->org);
        if (access (path, R_OK) != 0)
            free (kbt_zorg_register_intake (s_zorg, p->org, p->type, p->gebied, p->gemeente));
    }
    /* the fixture's second Veilig Thuis would make the region's one ambiguous */
    kb_db_t *db = kb_db_connect (s_intake->conninfo, "intake", 5000);
    assert_non_null (db);
    assert_int_equal (kb_partner_prepare (db), 0);
    assert_int_equal (kb_partner_revoke (db, "veiligthuis-peel", "test", "it_simulate"),
                      KB_PARTNER_OK);
    kb_db_destroy (&db);

    char region[256], tracking[1024];
    snprintf (
      region, sizeof region, "KETENBUS_REGION_GEMEENTEN=%s", ketenctl_simgen_region_codes ());
    snprintf (
      tracking, sizeof tracking, "KETENBUS_LINK_TRACKING=%s", kbt_tracking_listen (s_tracking));
    const char *intake_env[] = { region, tracking, NULL };
    kbt_tracking_start (s_tracking, NULL);
    kbt_intake_start (s_intake, intake_env);
    const char *zorg_env[] = { tracking, NULL };
    kbt_zorg_start (s_zorg, zorg_env);
    for (size_t i = 0; i < ketenctl_simgen_partner_count (); i++) {
        const ketenctl_simgen_partner_t *p = &ketenctl_simgen_partners[i];
        kbt_zorg_directory (s_zorg, p->org, p->type, p->gebied, p->gemeente);
    }
    kbt_exec (s_intake->conninfo,
              "UPDATE zorgtoewijzing.partner SET active = false WHERE org_id = 'veiligthuis-peel'");
    return 0;
}

static int
s_teardown (void **state)
{
    (void)state;
    kbt_zorg_teardown (&s_zorg);
    kbt_intake_teardown (&s_intake);
    kbt_tracking_teardown (&s_tracking);
    return 0;
}

/* Runs ketenctl simulate with args; returns the exit status, the output in *out. */
static int
s_simulate (const char *const *args, const char *endpoint_ep, char **out)
{
    char *bin = kbt_bin ("ketenctl");
    const char *argv[32];
    int argc = 0;
    argv[argc++] = bin;
    argv[argc++] = "simulate";
    argv[argc++] = "--keys";
    argv[argc++] = s_intake->dir;
    for (int i = 0; args[i] && argc < 31; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    char endpoint[1024], server_key[1024], key[1024];
    snprintf (endpoint,
              sizeof endpoint,
              "KETENBUS_INTAKE_ENDPOINT=%s",
              endpoint_ep ? endpoint_ep : s_intake->endpoint);
    snprintf (server_key, sizeof server_key, "KETENBUS_INTAKE_SERVER_KEY=%s", s_intake->server_pub);
    snprintf (key, sizeof key, "KETENBUS_PSEUDONYM_KEY_FILE=%s", s_intake->pseudo_key);
    const char *env[] = { endpoint, server_key, key, NULL };
    char log[1024];
    snprintf (log, sizeof log, "%s/simulate.log", s_intake->dir);
    unlink (log);
    pid_t pid = kbt_spawn (argv, env, log);
    int rc = kbt_wait (pid, 180000);
    FILE *f = fopen (log, "r");
    char *buf = calloc (1, 1 << 20);
    assert_non_null (buf);
    if (f) {
        size_t len = fread (buf, 1, (1 << 20) - 1, f);
        buf[len] = '\0';
        fclose (f);
    }
    *out = buf;
    free (bin);
    return rc;
}

/* The numbers of a summary line "  NAME planned sent accepted rejected". */
static void
s_row (const char *out, const char *name, long v[4])
{
    char needle[64];
    snprintf (needle, sizeof needle, "\n  %s ", name);
    const char *p = strstr (out, needle);
    if (!p)
        fail_msg ("no summary line for %s in:\n%s", name, out);
    assert_int_equal (sscanf (p + strlen (needle), "%ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3]),
                      4);
}

static void
test_simulate_small (void **state)
{
    (void)state;
    char *out = NULL;
    /* the plan alone: counts per message type, nothing sent */
    /* seed 2371: in four months trajectories are afgerond already, POTs
       move, shelters fill, clients answer satisfaction surveys, two
       transfers are accepted and a gezinsplan is closed by its new
       regisseur */
    const char *dry[] = {
        "--months", "4", "--scale", "small", "--seed", "2371", "--dry-run", NULL
    };
    assert_int_equal (s_simulate (dry, NULL, &out), 0);
    assert_non_null (strstr (out, "dry run"));
    assert_int_equal (kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM intake.signal"), 0);
    free (out);

    const char *args[] = { "--months", "4",        "--scale", "small", "--seed",
                           "2371",     "--gap-ms", "1500",    NULL };
    int rc = s_simulate (args, NULL, &out);
    fprintf (stderr, "%s", out);
    assert_int_equal (rc, 0);
    assert_non_null (strstr (out, "completed"));
    assert_non_null (strstr (out, "unanswered 0"));
    /* the new regisseur was learnt from its RegieAssignment in time */
    assert_non_null (strstr (out, "no new regisseur in time: 0)"));
    assert_null (strstr (out, "transfers 0,"));
    long total[4], sat[4], kinds[4];
    s_row (out, "total", total);
    s_row (out, "satisfaction_measurement", sat);
    assert_true (total[0] >= 200);
    assert_int_equal (total[1], total[0]); /* every planned message was sent */
    assert_int_equal (total[2], total[1]); /* and accepted, satisfaction measurements too */
    assert_int_equal (total[3], 0);
    assert_true (sat[2] > 0);
    long tracking_sent = 0;
    static const char *const forwarded[] = { "trajectory_update",
                                             "shelter_episode",
                                             "self_sufficiency_assessment",
                                             "satisfaction_measurement",
                                             NULL };
    for (int i = 0; forwarded[i]; i++) {
        s_row (out, forwarded[i], kinds);
        assert_true (kinds[2] > 0);
        tracking_sent += kinds[2];
    }
    s_row (out, "case_signal", kinds);
    long signals = kinds[2];
    assert_int_equal (
      kbt_query_long (s_intake->conninfo,
                      "SELECT count(*) FROM intake.signal WHERE partner_case_ref LIKE 'SIM-%'"),
      signals);
    free (out);

    /* everything reaches client-tracking: the partners' messages and
       zorgtoewijzing's (a new plan, its first version, a POT) */
    const char *ct = kbt_tracking_conninfo (s_tracking);
    long zorg = kbt_query_long (s_intake->conninfo,
                                "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE event IN"
                                " ('plan.created', 'pot.opened')"
                                " OR (event = 'plan.registered' AND outcome = 'applied')");
    assert_true (zorg > 0);
    long transferred = kbt_query_long (s_intake->conninfo,
                                       "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                                       " WHERE event = 'regie.transferred'");
    assert_true (transferred > 0);
    /* and everything zorgtoewijzing put on its streams towards
       client-tracking: trajectory updates (a new plan, its first
       version, a POT, a transfer's new regisseur) and MonitoringEvents */
    long want = 0, got = 0;
    for (int i = 0; i < 300; i++) {
        want = tracking_sent + kbt_query_long (s_intake->conninfo,
                                               "SELECT coalesce (sum (last_seq), 0)"
                                               " FROM zorgtoewijzing.kb_link_stream"
                                               " WHERE stream LIKE 'tracking:%'");
        got = kbt_query_long (ct, "SELECT count(*) FROM client_tracking.kb_inbox");
        if (got == want && kbt_query_long (s_intake->conninfo,
                                           "SELECT count(*) FROM zorgtoewijzing.kb_outbox"
                                           " WHERE stream LIKE 'tracking:%'"
                                           " AND acked_at IS NULL") == 0)
            break;
        kbt_sleep_ms (100);
    }
    assert_int_equal (got, want);
    assert_true (want >= tracking_sent + zorg + transferred);
    /* nothing refused downstream */
    assert_int_equal (kbt_query_long (ct,
                                      "SELECT count(*) FROM client_tracking.kb_audit"
                                      " WHERE outcome = 'refused'"),
                      0);
    assert_int_equal (kbt_query_long (ct,
                                      "SELECT count(*) FROM client_tracking.kb_audit"
                                      " WHERE reason = 'not_regisseur'"),
                      0);
    assert_int_equal (kbt_query_long (ct, "SELECT count(*) FROM client_tracking.kb_dead_letter"),
                      0);
    /* the new regisseur took over a gezinsplan and moved it on itself */
    assert_true (kbt_query_long (ct,
                                 "SELECT count(*) FROM client_tracking.kb_audit"
                                 " WHERE reason = 'regisseur_changed'") > 0);
    assert_true (kbt_query_long (ct,
                                 "SELECT count(*) FROM client_tracking.trajectory_event c"
                                 " JOIN client_tracking.trajectory_event l"
                                 "   ON l.trajectory = c.trajectory AND l.id > c.id"
                                 "  AND l.regisseur_org = c.regisseur_org"
                                 "  AND l.to_state > l.from_state"
                                 " WHERE EXISTS (SELECT 1 FROM client_tracking.trajectory_event o"
                                 "   WHERE o.trajectory = c.trajectory AND o.id < c.id"
                                 "     AND o.regisseur_org <> c.regisseur_org)") > 0);
    /* and monitoring (its stand-in) hears of the transfer and the satisfaction */
    kbt_tracking_wait (
      s_tracking, "SELECT least (count(*), 1) FROM montest.got WHERE event_type = 4", 1, 30000);
    kbt_tracking_wait (
      s_tracking, "SELECT least (count(*), 1) FROM montest.got WHERE event_type = 18", 1, 30000);
    assert_int_equal (kbt_query_long (s_intake->conninfo,
                                      "SELECT count(*) FROM zorgtoewijzing.kb_audit"
                                      " WHERE outcome = 'refused'"),
                      0);
    assert_int_equal (
      kbt_query_long (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_dead_letter"), 0);
    /* a living region: trajectories in several states, shelter stays */
    long states =
      kbt_query_long (ct, "SELECT count(DISTINCT state) FROM client_tracking.trajectory");
    assert_true (states >= 3);
    assert_true (
      kbt_query_long (ct, "SELECT count(*) FROM client_tracking.trajectory WHERE state = 3") > 0);
    assert_true (
      kbt_query_long (ct, "SELECT count(*) FROM client_tracking.trajectory WHERE state = 4") > 0);
    assert_true (kbt_query_long (ct,
                                 "SELECT count(*) FROM client_tracking.trajectory"
                                 " WHERE trajectory_type = 2 AND state > 1") >
                 0); /* a POT the regisseur moved on */
    assert_true (kbt_query_long (ct,
                                 "SELECT count(*) FROM client_tracking.trajectory"
                                 " WHERE trajectory_type = 3 AND state > 1") >
                 0); /* a zwerfjongere route the opvang runs */
    assert_true (kbt_query_long (ct, "SELECT count(*) FROM client_tracking.shelter_episode") > 0);
    assert_true (kbt_query_long (ct, "SELECT count(*) FROM client_tracking.assessment") > 0);
    /* no trajectory was aangemeld after its later states (business dates) */
    assert_int_equal (kbt_query_long (ct,
                                      "SELECT count(*) FROM client_tracking.trajectory"
                                      " WHERE aangemeld_date > state_date"),
                      0);
}

/* Nobody listens: the run gives up and says so with exit code 3. */
static void
test_unreachable (void **state)
{
    (void)state;
    char *out = NULL;
    const char *args[] = { "--months",     "1",   "--scale", "small", "--seed", "1",
                           "--timeout-ms", "200", NULL };
    assert_int_equal (s_simulate (args, "tcp://127.0.0.1:9", &out), 3);
    assert_non_null (strstr (out, "could not reach intake"));
    assert_non_null (strstr (out, "aborted"));
    free (out);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_unreachable),
        cmocka_unit_test (test_simulate_small),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
