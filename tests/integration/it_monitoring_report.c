/*  it_monitoring_report - the figures of a small scripted region: the
    real monitoring daemon receives MonitoringEvents over its link (two
    gemeenten, gezinnen, trajectories out of order and repeated, shelter
    episodes, assessments, toewijzingen, shares, escalations and
    satisfaction), then monitor_report_build is compared with the figures
    worked out by hand below: exactly with threshold 1 and rounding 1,
    suppressed with the defaults; a gemeente's report holds nothing of the
    other gemeente, and an event sent twice under one message id counts
    once.

    The region (dates in 2026):
      0001 (a-noord, a-zuid): gezinnen g1 (signal 03-01, match 03-02,
        regie 03-04, plan 03-11), g2 (signal 04-01, match 04-05, regie
        06-01), g4 (person p4's signal 02-01, a-zuid);
        t1 gezinsplan g1 wijkteam-a 03-04 .. succesvol 06-30 (region in the event);
        t2 POT p4 ggd-a 02-10, in uitvoering (region from p4's signal);
        t3 POT p5 ggd-a 04-01 .. vroegtijdig (geen contact) 08-01;
        shelter e1 p4 01-15 .. 04-14 zelfstandig, e2 p5 05-01 .. 06-30 andere opvang;
        assessments p4 03-01 (2,2,2) and 09-01 (4,5,4: stable), p5 05-01 (4,3,5);
        escalation x1 g2 05-10 .. 05-20; shares s1 g1 override justified, s3 g2 allow;
        toewijzingen w1 p1 Wmo 02 2 h/week, w4 p1 Wmo 03 2 dagdelen/week (from 11-01),
        w2 p2 Jeugdwet budget 1200 euro 11-01 .. 2027-01-29; satisfaction Wmo 8 and 6.
      0002 (b-west): gezin g3 (signal 05-01, regie cjg-b 05-08);
        t4 gezinsplan g3 cjg-b 05-08 .. overgedragen 07-15 (region from g3's signal);
        t5 zwerfjongere p6 mo-b 06-01 .. succesvol 07-31;
        shelter e3 p6 zwerfjongeren 06-01 .. 07-31 terug naar huis, e4 p3 10-01 ongoing;
        escalation x2 g3 08-01 open; share s2 g3 override, not reviewed;
        toewijzing w3 p3 Wmo 01 3 h/week 10-01 .. stopped 11-15; satisfaction Jeugdwet 9. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include "kb_test_monitoring.h"
#include "kb_test_support.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_uuid.h"
#include "monitor_report.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *s_conn;
static char *s_dir;
static kbt_monitoring_t *s_mon;
static kbt_event_sender_t *s_a, *s_b;
static int64_t s_occurred = 1780000000000;

static char *
s_printf (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    char *s = NULL;
    if (vasprintf (&s, fmt, ap) < 0)
        abort ();
    va_end (ap);
    return s;
}

static void
s_send (Ketenbus__V1__MonitoringEvent *ev, char id[37])
{
    ev->occurred_at_ms = s_occurred += 1000;
    kbt_event_sender_put_event (s_a, ev, id);
}

#define T(x) KETENBUS__V1__MONITORING_EVENT_TYPE__MONITORING_EVENT_TYPE_##x

static void
s_signal (const char *gezin,
          const char *person,
          const char *gemeente,
          const char *gebied,
          const char *date)
{
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = T (SIGNAL_RECEIVED);
    ev.gezin_ref = (char *)gezin;
    ev.person_pseudonym = (char *)person;
    ev.gemeente_code = (char *)gemeente;
    ev.gebied = (char *)gebied;
    ev.org = "politie";
    ev.event_date = (char *)date;
    char id[37] = "";
    s_send (&ev, id);
}

static void
s_gezin (int type,
         const char *gezin,
         const char *org,
         const char *date,
         const char *start,
         const char *item)
{
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = type;
    ev.gezin_ref = (char *)gezin;
    ev.org = (char *)org;
    ev.event_date = (char *)date;
    ev.start_date = (char *)start;
    ev.item_ref = (char *)item;
    char id[37] = "";
    s_send (&ev, id);
}

/* returns the message id used (in id) so that a test can send it again */
static void
s_traj (const char *tid,
        int type,
        int state,
        int outcome,
        int reason,
        const char *person,
        const char *gezin,
        const char *org,
        int org_type,
        const char *gemeente,
        const char *gebied,
        const char *date,
        const char *start,
        char id[37])
{
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = T (TRAJECTORY_STATE);
    ev.trajectory_id = (char *)tid;
    ev.trajectory_type = type;
    ev.trajectory_state = state;
    ev.trajectory_outcome = outcome;
    ev.early_end_reason = reason;
    ev.person_pseudonym = (char *)person;
    ev.gezin_ref = (char *)gezin;
    ev.org = (char *)org;
    ev.org_type = org_type;
    ev.gemeente_code = (char *)gemeente;
    ev.gebied = (char *)gebied;
    ev.event_date = (char *)date;
    ev.start_date = (char *)start;
    if (state == 4)
        ev.end_date = (char *)date;
    s_send (&ev, id);
}

static void
s_shelter (bool out,
           const char *episode,
           const char *person,
           const char *tid,
           int type,
           const char *gemeente,
           const char *in_date,
           const char *out_date,
           int dest)
{
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = out ? T (SHELTER_OUT) : T (SHELTER_IN);
    ev.item_ref = (char *)episode;
    ev.person_pseudonym = (char *)person;
    ev.trajectory_id = (char *)tid;
    ev.shelter_type = type;
    ev.gemeente_code = (char *)gemeente;
    ev.org = "opvang";
    ev.start_date = (char *)in_date;
    ev.end_date = out ? (char *)out_date : "";
    ev.event_date = out ? (char *)out_date : (char *)in_date;
    ev.shelter_destination = dest;
    char id[37] = "";
    s_send (&ev, id);
}

static void
s_assess (const char *aid,
          const char *person,
          const char *date,
          int housing,
          int income,
          int social)
{
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = T (ASSESSMENT);
    ev.item_ref = (char *)aid;
    ev.person_pseudonym = (char *)person;
    ev.event_date = (char *)date;
    ev.assessment_moment = KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_EVALUATION;
    Ketenbus__V1__DomainScore s[4] = { KETENBUS__V1__DOMAIN_SCORE__INIT,
                                       KETENBUS__V1__DOMAIN_SCORE__INIT,
                                       KETENBUS__V1__DOMAIN_SCORE__INIT,
                                       KETENBUS__V1__DOMAIN_SCORE__INIT };
    s[0].domain = KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_HOUSING;
    s[0].score = (uint32_t)housing;
    s[1].domain = KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_INCOME;
    s[1].score = (uint32_t)income;
    s[2].domain = KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_SOCIAL_NETWORK;
    s[2].score = (uint32_t)social;
    s[3].domain = KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_MENTAL_HEALTH;
    s[3].score = 1;
    Ketenbus__V1__DomainScore *sp[4] = { &s[0], &s[1], &s[2], &s[3] };
    ev.n_scores = 4;
    ev.scores = sp;
    char id[37] = "";
    s_send (&ev, id);
}

static void
s_care (int type,
        const char *wid,
        const char *person,
        const char *gemeente,
        const char *gebied,
        int wet,
        const char *cat,
        int level,
        int volume,
        int unit,
        int freq,
        long cost,
        const char *start,
        const char *end,
        const char *date)
{
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = type;
    ev.item_ref = (char *)wid;
    ev.person_pseudonym = (char *)person;
    ev.gemeente_code = (char *)gemeente;
    ev.gebied = (char *)gebied;
    ev.org = "aanbieder";
    ev.wet = wet;
    ev.product_category = (char *)cat;
    ev.pyramid_level = level;
    ev.volume = (uint32_t)volume;
    ev.unit = unit;
    ev.frequency = freq;
    ev.cost_cents = cost;
    ev.start_date = (char *)start;
    ev.end_date = (char *)end;
    ev.event_date = (char *)date;
    char id[37] = "";
    s_send (&ev, id);
}

static void
s_share (int type, const char *sid, const char *gezin, int outcome, int review, const char *date)
{
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = type;
    ev.item_ref = (char *)sid;
    ev.gezin_ref = (char *)gezin;
    ev.org = "cjg-b";
    ev.share_outcome = outcome;
    ev.review_outcome = review;
    ev.event_date = (char *)date;
    char id[37] = "";
    s_send (&ev, id);
}

static void
s_sat (const char *mid, const char *gemeente, int wet, int score)
{
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = T (SATISFACTION);
    ev.item_ref = (char *)mid;
    ev.gemeente_code = (char *)gemeente;
    ev.wet = wet;
    ev.satisfaction_score = (uint32_t)score;
    ev.event_date = "2026-11-10";
    char id[37] = "";
    s_send (&ev, id);
}

#define A "0001"
#define B "0002"
#define GZP 1
#define POT 2
#define ZWERF 3
#define AANGEMELD 1
#define PLAN 2
#define UITVOERING 3
#define AFGEROND 4
#define SUCCES 1
#define VROEG 2
#define OVER 3

static char s_t1_done[37];

static void
s_stale (const char *tid, const char *kind, const char *date)
{
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = T (STALE_CASE);
    ev.trajectory_id = (char *)tid;
    ev.item_ref = (char *)kind;
    ev.event_date = (char *)date;
    char id[37] = "";
    s_send (&ev, id);
}

static void
s_region (void)
{
    char id[37];
    /* t1's end arrives before its start; its start comes twice (new ids) */
    memset (s_t1_done, 0, sizeof s_t1_done);
    s_traj ("t1",
            GZP,
            AFGEROND,
            SUCCES,
            0,
            "p1",
            "g1",
            "wijkteam-a",
            6,
            A,
            "a-noord",
            "2026-06-30",
            "2026-03-04",
            s_t1_done);
    /* the gezin's signals come after their trajectories for g3/p4 */
    id[0] = 0;
    s_traj (
      "t4", GZP, AANGEMELD, 0, 0, "p3", "g3", "cjg-b", 1, "", "", "2026-05-08", "2026-05-08", id);
    id[0] = 0;
    s_traj (
      "t4", GZP, AFGEROND, OVER, 0, "p3", "g3", "cjg-b", 1, "", "", "2026-07-15", "2026-05-08", id);
    id[0] = 0;
    s_traj (
      "t2", POT, AANGEMELD, 0, 0, "p4", "", "ggd-a", 3, "", "", "2026-02-10", "2026-02-10", id);
    id[0] = 0;
    s_traj (
      "t2", POT, UITVOERING, 0, 0, "p4", "", "ggd-a", 3, "", "", "2026-03-01", "2026-02-10", id);
    s_signal ("g1", "p1", A, "a-noord", "2026-03-01");
    s_signal ("g2", "p2", A, "a-zuid", "2026-04-01");
    s_signal ("g3", "p3", B, "b-west", "2026-05-01");
    s_signal ("g4", "p4", A, "a-zuid", "2026-02-01");
    for (int i = 0; i < 2; i++) {
        id[0] = 0;
        s_traj ("t1",
                GZP,
                AANGEMELD,
                0,
                0,
                "p1",
                "g1",
                "wijkteam-a",
                6,
                A,
                "a-noord",
                "2026-03-04",
                "2026-03-04",
                id);
    }
    id[0] = 0;
    s_traj ("t1",
            GZP,
            PLAN,
            0,
            0,
            "p1",
            "g1",
            "wijkteam-a",
            6,
            A,
            "a-noord",
            "2026-03-11",
            "2026-03-04",
            id);
    id[0] = 0;
    s_traj ("t3",
            POT,
            AANGEMELD,
            0,
            0,
            "p5",
            "",
            "ggd-a",
            3,
            A,
            "a-zuid",
            "2026-04-01",
            "2026-04-01",
            id);
    id[0] = 0;
    s_traj ("t3",
            POT,
            AFGEROND,
            VROEG,
            2,
            "p5",
            "",
            "ggd-a",
            3,
            A,
            "a-zuid",
            "2026-08-01",
            "2026-04-01",
            id);
    id[0] = 0;
    s_traj ("t5",
            ZWERF,
            AANGEMELD,
            0,
            0,
            "p6",
            "",
            "mo-b",
            4,
            B,
            "b-west",
            "2026-06-01",
            "2026-06-01",
            id);
    id[0] = 0;
    s_traj ("t5",
            ZWERF,
            AFGEROND,
            SUCCES,
            0,
            "p6",
            "",
            "mo-b",
            4,
            B,
            "b-west",
            "2026-07-31",
            "2026-06-01",
            id);
    /* gezin events: lead times and match follow-up */
    s_gezin (T (MATCH_NOTIFIED), "g1", "ggd-a", "2026-03-02", "", "");
    s_gezin (T (REGIE_ASSIGNED), "g1", "wijkteam-a", "2026-03-04", "2026-03-01", "");
    s_gezin (T (PLAN_REGISTERED), "g1", "wijkteam-a", "2026-03-11", "2026-03-01", "");
    s_gezin (T (MATCH_NOTIFIED), "g2", "ggd-a", "2026-04-05", "", "");
    s_gezin (T (REGIE_ASSIGNED), "g2", "wijkteam-a", "2026-06-01", "2026-04-01", "");
    s_gezin (T (REGIE_ASSIGNED), "g3", "cjg-b", "2026-05-08", "2026-05-01", "");
    s_gezin (T (REGIE_ESCALATED), "g2", "ggd-a", "2026-05-10", "", "x1");
    s_gezin (T (ESCALATION_RESOLVED), "g2", "wijkteam-a", "2026-05-20", "2026-05-10", "x1");
    s_gezin (T (REGIE_ESCALATED), "g3", "mo-b", "2026-08-01", "", "x2");
    /* shelter: e1's uitstroom before its instroom */
    s_shelter (true, "e1", "p4", "t2", 1, "", "2026-01-15", "2026-04-14", 1);
    s_shelter (false, "e1", "p4", "t2", 1, "", "2026-01-15", "", 0);
    s_shelter (false, "e2", "p5", "t3", 1, A, "2026-05-01", "", 0);
    s_shelter (true, "e2", "p5", "t3", 1, A, "2026-05-01", "2026-06-30", 4);
    s_shelter (false, "e3", "p6", "t5", 3, B, "2026-06-01", "", 0);
    s_shelter (true, "e3", "p6", "t5", 3, B, "2026-06-01", "2026-07-31", 3);
    s_shelter (false, "e4", "p3", "", 1, B, "2026-10-01", "", 0);
    s_assess ("a1", "p4", "2026-03-01", 2, 2, 2);
    s_assess ("a2", "p4", "2026-09-01", 4, 5, 4);
    s_assess ("a3", "p5", "2026-05-01", 4, 3, 5);
    s_share (T (SHARE_DECIDED), "s1", "g1", 3, 0, "2026-03-05");
    s_share (T (SHARE_REVIEWED), "s1", "", 0, 1, "2026-03-20");
    s_share (T (SHARE_DECIDED), "s2", "g3", 3, 0, "2026-05-09");
    s_share (T (SHARE_DECIDED), "s3", "g2", 1, 0, "2026-04-09");
    /* toewijzingen */
    s_care (T (CARE_ASSIGNED),
            "w1",
            "p1",
            A,
            "a-noord",
            1,
            "02",
            3,
            2,
            2,
            2,
            0,
            "2026-11-01",
            "",
            "2026-11-01");
    s_care (T (CARE_ASSIGNED),
            "w4",
            "p1",
            A,
            "a-noord",
            1,
            "03",
            3,
            2,
            3,
            2,
            0,
            "2026-11-01",
            "",
            "2026-11-01");
    s_care (T (CARE_ASSIGNED),
            "w2",
            "p2",
            A,
            "a-zuid",
            2,
            "45",
            4,
            10,
            2,
            3,
            120000,
            "2026-11-01",
            "2027-01-29",
            "2026-11-01");
    s_care (T (CARE_STOPPED),
            "w3",
            "p3",
            B,
            "b-west",
            1,
            "01",
            2,
            3,
            2,
            2,
            0,
            "2026-10-01",
            "2026-11-15",
            "2026-11-15");
    s_care (T (CARE_STARTED),
            "w3",
            "p3",
            B,
            "b-west",
            1,
            "01",
            2,
            3,
            2,
            2,
            0,
            "2026-10-01",
            "",
            "2026-10-01");
    s_sat ("m1", A, 1, 8);
    s_sat ("m2", A, 1, 6);
    s_sat ("m3", B, 2, 9);
    /* client-tracking's stale-case reminders: t1 (gemeente A) without a
       plan, t4 (gemeente B, from g3's signal) without an update, and one
       of t1 in 2025 (outside the year) */
    s_stale ("t1", "no_plan", "2026-03-20");
    s_stale ("t4", "no_update", "2026-06-20");
    s_stale ("t1", "no_update", "2025-12-20");
    kbt_event_sender_wait_acked (s_a);
}

static int
s_setup (void **state)
{
    (void)state;
    s_conn = kbt_db_create ("it_monitoring_report");
    s_dir = kbt_var_path ("it_monitoring_report");
    s_mon = kbt_monitoring_new (s_conn, "it_monitoring_report");
    const char *const env[] = { "KETENBUS_LINK_MAX_ATTEMPTS=2", NULL };
    kbt_monitoring_start (s_mon, env);
    s_a = kbt_event_sender_new (s_conn, "montest_a", kbt_monitoring_listen (s_mon), "client-tracking");
    s_b = kbt_event_sender_new (
      s_conn, "montest_b", kbt_monitoring_listen (s_mon), "client-tracking-replay");
    s_region ();
    return 0;
}

static int
s_teardown (void **state)
{
    (void)state;
    kbt_event_sender_destroy (&s_a);
    kbt_event_sender_destroy (&s_b);
    kbt_monitoring_destroy (&s_mon);
    free (s_conn);
    free (s_dir);
    return 0;
}

static monitor_report_config_t
s_config (int threshold, int rounding)
{
    static char *tariffs;
    if (!tariffs) {
        tariffs = s_printf ("%s/tariffs.conf", s_dir);
        FILE *f = fopen (tariffs, "w");
        assert_non_null (f);
        fputs ("# test tariffs\n02 uur 6000\n03 dagdeel 5000\n01 uur 3000\n", f);
        fclose (f);
    }
    monitor_report_config_t c = { .suppress_threshold = threshold,
                                  .suppress_rounding = rounding,
                                  .target_pot_stable_pct = 80,
                                  .target_shelter_housing_pct = 20,
                                  .target_zwerf_through_days = 90,
                                  .target_zwerf_home_pct = 70,
                                  .target_zwerf_independent_pct = 30,
                                  .match_followup_days = 30,
                                  .stable_threshold = 4,
                                  .tariffs = tariffs };
    return c;
}

static monitor_report_t *
s_build (int threshold,
         int rounding,
         monitor_page_t page,
         const char *kind,
         const char *period,
         const char *gemeente)
{
    kb_db_t *db = kb_db_connect (s_conn, "monitoring", 5000);
    assert_non_null (db);
    monitor_report_filter_t f;
    const char *why = NULL;
    assert_int_equal (monitor_report_filter_parse (&f, kind, period, gemeente, "", &why), 0);
    monitor_report_config_t c = s_config (threshold, rounding);
    monitor_report_t *r = monitor_report_build (db, &c, page, &f);
    assert_non_null (r);
    kb_db_destroy (&db);
    return r;
}

/* The text of the cell in the row labelled row and column col. */
static const char *
s_at (const monitor_report_t *r, const char *table, const char *row, size_t col)
{
    const monitor_report_table_t *t = monitor_report_table (r, table);
    if (!t)
        fail_msg ("no table \"%s\"", table);
    assert_true (col < t->n_cols);
    for (size_t i = 0; i < t->n_rows; i++)
        if (strcmp (t->cells[i * t->n_cols].text, row) == 0)
            return t->cells[i * t->n_cols + col].text;
    fail_msg ("table \"%s\" has no row \"%s\"", table, row);
    return NULL;
}

static bool
s_has_row (const monitor_report_t *r, const char *table, const char *row)
{
    const monitor_report_table_t *t = monitor_report_table (r, table);
    for (size_t i = 0; t && i < t->n_rows; i++)
        if (strcmp (t->cells[i * t->n_cols].text, row) == 0)
            return true;
    return false;
}

static void
test_keten_exact (void **state)
{
    (void)state;
    monitor_report_t *r = s_build (1, 1, MONITOR_PAGE_KETEN, "year", "2026", "");
    /* columns: started, ongoing, succesvol, vroegtijdig, overgedragen, anders */
    const char *org = "trajectories_by_org";
    assert_string_equal (s_at (r, org, "wijkteam-a", 1), "1");
    assert_string_equal (s_at (r, org, "wijkteam-a", 3), "1");
    assert_string_equal (s_at (r, org, "ggd-a", 1), "2");
    assert_string_equal (s_at (r, org, "ggd-a", 2), "1");
    assert_string_equal (s_at (r, org, "ggd-a", 4), "1");
    assert_string_equal (s_at (r, org, "cjg-b", 5), "1");
    assert_string_equal (s_at (r, org, "mo-b", 3), "1");
    assert_string_equal (s_at (r, org, "Totaal", 1), "5");
    assert_string_equal (s_at (r, org, "Totaal", 2), "1");
    assert_string_equal (s_at (r, org, "Totaal", 3), "2");
    assert_string_equal (s_at (r, org, "Totaal", 6), "0");
    assert_string_equal (s_at (r, "trajectories_by_type", "POT", 1), "2");
    /* by the regisseur's organisation type: t4 CJG, t2 and t3 GGD, t1 wijkteam, t5 MO */
    const char *ot = "trajectories_by_org_type";
    assert_string_equal (s_at (r, ot, "CJG", 1), "1");
    assert_string_equal (s_at (r, ot, "GGD Vangnet", 1), "2");
    assert_string_equal (s_at (r, ot, "Wijkteam", 1), "1");
    assert_string_equal (s_at (r, ot, "Maatschappelijke opvang", 1), "1");
    assert_string_equal (s_at (r, ot, "Veilig Thuis", 1), "0");
    assert_string_equal (s_at (r, ot, "Totaal", 1), "5");
    assert_string_equal (s_at (r, ot, "CJG", 5), "1"); /* t4 overgedragen */
    assert_string_equal (s_at (r, "trajectories_by_type", "Zwerfjongere", 3), "1");
    /* t4's region came from g3's signal, t2's from p4's */
    assert_string_equal (s_at (r, "trajectories_by_region", A, 1), "3");
    assert_string_equal (s_at (r, "trajectories_by_region", B, 1), "2");
    assert_string_equal (s_at (r, "early_end_reasons", "Geen contact", 1), "1");
    assert_string_equal (s_at (r, "stale_cases", "Regisseur zonder plan", 1), "1");
    assert_string_equal (s_at (r, "stale_cases", "Geen update", 1), "1");
    assert_string_equal (s_at (r, "stale_cases", "Totaal", 1), "2");
    /* signal -> regisseur 3, 49 (g2's escalation was resolved on 05-20, before its
       REGIE_ASSIGNED of 06-01), 7: median 7, p90 7 + 0.8 * 42 = 40.6 */
    assert_string_equal (s_at (r, "lead_times", "Eerste signaal → regisseur", 1), "3");
    assert_string_equal (s_at (r, "lead_times", "Eerste signaal → regisseur", 2), "7");
    assert_string_equal (s_at (r, "lead_times", "Eerste signaal → regisseur", 3), "41");
    assert_string_equal (s_at (r, "lead_times", "Eerste signaal → plan", 2), "10");
    /* -> end: 121 (t1 from g1's signal), 122 (t3), 75 (t4), 60 (t5) */
    assert_string_equal (s_at (r, "lead_times", "Eerste signaal → einde traject", 1), "4");
    assert_string_equal (s_at (r, "lead_times", "Eerste signaal → einde traject", 2), "98");
    assert_string_equal (s_at (r, "lead_times", "Eerste signaal → einde traject", 3), "122");
    /* shelter */
    assert_string_equal (s_at (r, "shelter_inout", "2026-01", 1), "1");
    assert_string_equal (s_at (r, "shelter_inout", "2026-04", 2), "1");
    assert_string_equal (s_at (r, "shelter_inout", "2026-10", 1), "1");
    assert_string_equal (s_at (r, "shelter_inout", "Totaal", 1), "4");
    assert_string_equal (s_at (r, "shelter_inout", "Totaal", 2), "3");
    assert_string_equal (s_at (r, "shelter_stay", "Uitstroom", 1), "3");
    assert_string_equal (s_at (r, "shelter_stay", "Uitstroom", 2), "69,7");
    assert_string_equal (s_at (r, "shelter_stay", "Uitstroom", 3), "60");
    assert_string_equal (s_at (r, "shelter_destinations", "Zelfstandig wonen", 1), "1");
    assert_string_equal (s_at (r, "shelter_destinations", "Terug naar huis", 1), "1");
    /* targets: value, target, base */
    const char *pot = "POT-deelnemers stabiel (wonen, inkomen, netwerk ≥ 4)";
    assert_string_equal (s_at (r, "targets", pot, 1), "50 %");
    assert_string_equal (s_at (r, "targets", pot, 2), "80 %");
    assert_string_equal (s_at (r, "targets", pot, 3), "2");
    assert_string_equal (s_at (r, "targets", "Uitstroom opvang naar zelfstandig wonen", 1), "33 %");
    assert_string_equal (s_at (r, "targets", "Zwerfjongeren binnen 90 dagen door", 1), "100 %");
    assert_string_equal (s_at (r, "targets", "Zwerfjongeren terug naar huis", 1), "100 %");
    assert_string_equal (s_at (r, "targets", "Zwerfjongeren naar (begeleid) zelfstandig wonen", 1),
                         "0 %");
    assert_string_equal (s_at (r, "targets", "Matches met regisseur binnen 30 dagen", 1), "50 %");
    assert_string_equal (s_at (r, "escalations", "Open op de einddatum", 1), "1");
    assert_string_equal (s_at (r, "escalations", "Geëscaleerd in de periode", 1), "2");
    assert_string_equal (s_at (r, "escalations", "Besloten in de periode", 2), "10");
    assert_string_equal (s_at (r, "override_shares", "Terecht", 1), "1");
    assert_string_equal (s_at (r, "override_shares", "Nog niet beoordeeld", 1), "1");
    assert_string_equal (s_at (r, "override_shares", "Totaal", 1), "2");
    /* trend: started per month by type, Jan..Dec 2026 */
    assert_string_equal (s_at (r, "trend_started", "POT", 2), "1"); /* Feb */
    assert_string_equal (s_at (r, "trend_started", "POT", 4), "1"); /* Apr */
    assert_string_equal (s_at (r, "trend_started", "Gezinsplan", 3), "1");
    assert_string_equal (s_at (r, "trend_started", "Totaal", 6), "1");
    assert_int_equal (monitor_report_table (r, "trend_started")->chart, MONITOR_CHART_TREND);
    monitor_report_destroy (&r);
    assert_null (r);
    /* a month: March 2026 */
    r = s_build (1, 1, MONITOR_PAGE_KETEN, "month", "2026-03", "");
    assert_string_equal (s_at (r, org, "wijkteam-a", 1), "1");
    assert_string_equal (s_at (r, org, "ggd-a", 2), "1"); /* t2 ongoing at 03-31 */
    assert_string_equal (s_at (r, org, "Totaal", 3), "0");
    monitor_report_destroy (&r);
}

static void
test_3d_exact (void **state)
{
    (void)state;
    monitor_report_t *r = s_build (1, 1, MONITOR_PAGE_3D, "month", "2026-11", "");
    /* columns: Wmo, Jeugdwet, Participatiewet, Onbekend */
    assert_string_equal (s_at (r, "clients", A, 1), "1"); /* p1 twice */
    assert_string_equal (s_at (r, "clients", A, 2), "1");
    assert_string_equal (s_at (r, "clients", B, 1), "1");
    assert_string_equal (s_at (r, "clients", "Totaal", 1), "2");
    assert_string_equal (s_at (r, "pyramid", "Maatwerk", 1), "2");
    assert_string_equal (s_at (r, "pyramid", "Specialistisch", 2), "1");
    assert_string_equal (s_at (r, "pyramid", "Basisvoorziening", 1), "1");
    assert_int_equal (monitor_report_table (r, "pyramid")->chart, MONITOR_CHART_PYRAMID);
    /* w1 514.29 + w4 428.57 euro; w2 30/90 of 1200; w3 15 days of 3/7 h at 30 */
    assert_string_equal (s_at (r, "cost", A, 1), "€ 943");
    assert_string_equal (s_at (r, "cost", A, 2), "€ 400");
    assert_string_equal (s_at (r, "cost", B, 1), "€ 193");
    assert_string_equal (s_at (r, "cost", "Totaal", 1), "€ 1.136");
    assert_string_equal (s_at (r, "satisfaction", "Wmo", 1), "2");
    assert_string_equal (s_at (r, "satisfaction", "Wmo", 2), "7,0");
    assert_string_equal (s_at (r, "satisfaction", "Totaal", 2), "7,7");
    /* trend: Dec 2025 .. Nov 2026; w3 active in Oct and Nov */
    assert_string_equal (s_at (r, "trend_clients", "Wmo", 11), "1");
    assert_string_equal (s_at (r, "trend_clients", "Wmo", 12), "2");
    assert_string_equal (s_at (r, "trend_clients", "Jeugdwet", 12), "1");
    monitor_report_destroy (&r);
}

/* Nothing in gemeente A's pages belongs to B: no B row label, and the
   totals are A's alone. */
static void
test_gemeente_filter (void **state)
{
    (void)state;
    const char *b_only[] = { B, "b-west", "cjg-b", "mo-b" };
    for (int page = 0; page < 2; page++) {
        monitor_report_t *r = s_build (
          1, 1, (monitor_page_t)page, page ? "month" : "year", page ? "2026-11" : "2026", A);
        for (size_t i = 0; i < r->n_tables; i++) {
            const monitor_report_table_t *t = &r->tables[i];
            for (size_t k = 0; k < t->n_rows * t->n_cols; k++)
                for (size_t b = 0; b < sizeof b_only / sizeof b_only[0]; b++)
                    assert_null (strstr (t->cells[k].text, b_only[b]));
        }
        if (page == 0) {
            assert_string_equal (s_at (r, "trajectories_by_org", "Totaal", 1), "3");
            assert_false (s_has_row (r, "trajectories_by_org", "cjg-b"));
            assert_true (s_has_row (r, "trajectories_by_region", "a-noord"));
            assert_string_equal (s_at (r, "trajectories_by_region", "a-zuid", 1), "2");
            assert_string_equal (s_at (r, "shelter_inout", "Totaal", 1), "2");
            assert_string_equal (s_at (r, "shelter_inout", "Totaal", 2), "2");
            assert_string_equal (s_at (r, "escalations", "Open op de einddatum", 1), "0");
            assert_string_equal (s_at (r, "override_shares", "Totaal", 1), "1");
            /* t4's reminder is gemeente B's */
            assert_string_equal (s_at (r, "stale_cases", "Regisseur zonder plan", 1), "1");
            assert_string_equal (s_at (r, "stale_cases", "Geen update", 1), "0");
            assert_string_equal (s_at (r, "lead_times", "Eerste signaal → regisseur", 1), "2");
            assert_string_equal (s_at (r, "targets", "Uitstroom opvang naar zelfstandig wonen", 1),
                                 "50 %");
            /* B's zwerfjongere is not A's: no base */
            assert_string_equal (s_at (r, "targets", "Zwerfjongeren binnen 90 dagen door", 3), "0");
        } else {
            assert_string_equal (s_at (r, "clients", "Totaal", 1), "1");
            assert_string_equal (s_at (r, "cost", "Totaal", 1), "€ 943");
            assert_string_equal (s_at (r, "satisfaction", "Totaal", 1), "2");
            assert_string_equal (s_at (r, "pyramid", "Basisvoorziening", 1), "0");
        }
        monitor_report_destroy (&r);
    }
}

/* With the defaults (threshold 10, rounding 5) this small region shows
   nothing but zeros and dots. */
static void
test_defaults_suppress (void **state)
{
    (void)state;
    monitor_report_t *r = s_build (10, 5, MONITOR_PAGE_KETEN, "year", "2026", "");
    assert_string_equal (s_at (r, "trajectories_by_org", "ggd-a", 1), "·");
    assert_string_equal (s_at (r, "trajectories_by_org", "Totaal", 1), "·");
    assert_string_equal (s_at (r, "trajectories_by_org", "Totaal", 6), "0");
    assert_string_equal (s_at (r, "lead_times", "Eerste signaal → einde traject", 2), "·");
    assert_string_equal (s_at (r, "targets", "Uitstroom opvang naar zelfstandig wonen", 1), "·");
    assert_string_equal (s_at (r, "targets", "Uitstroom opvang naar zelfstandig wonen", 2), "20 %");
    assert_string_equal (s_at (r, "shelter_stay", "Uitstroom", 2), "·");
    const monitor_report_table_t *t = monitor_report_table (r, "trajectories_by_org");
    for (size_t k = 0; k < t->n_rows * t->n_cols; k++)
        if (k % t->n_cols)
            assert_true (t->cells[k].suppressed || strcmp (t->cells[k].text, "0") == 0);
    monitor_report_destroy (&r);
    r = s_build (10, 5, MONITOR_PAGE_3D, "month", "2026-11", "");
    assert_string_equal (s_at (r, "clients", A, 1), "·");
    assert_string_equal (s_at (r, "cost", A, 1), "·");
    assert_string_equal (s_at (r, "satisfaction", "Wmo", 2), "·");
    monitor_report_destroy (&r);
}

/* t1's AFGEROND event sent again under its message id through another
   link peer: stored once, counted once. */
static void
test_resent_counted_once (void **state)
{
    (void)state;
    long before = kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.monitoring_event");
    Ketenbus__V1__MonitoringEvent ev = KETENBUS__V1__MONITORING_EVENT__INIT;
    ev.event_type = T (TRAJECTORY_STATE);
    ev.occurred_at_ms = s_occurred += 1000;
    ev.trajectory_id = "t1";
    ev.trajectory_type = GZP;
    ev.trajectory_state = AFGEROND;
    ev.trajectory_outcome = SUCCES;
    ev.org = "wijkteam-a";
    ev.gemeente_code = A;
    ev.gebied = "a-noord";
    ev.event_date = "2026-06-30";
    ev.end_date = "2026-06-30";
    kbt_event_sender_put_event (s_b, &ev, s_t1_done);
    kbt_event_sender_wait_acked (s_b);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.monitoring_event"),
                      before);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.mon_trajectory"), 5);
    assert_int_equal (kbt_query_long (s_conn, "SELECT count(*) FROM monitoring.kb_dead_letter"), 0);
    monitor_report_t *r = s_build (1, 1, MONITOR_PAGE_KETEN, "year", "2026", "");
    assert_string_equal (s_at (r, "trajectories_by_org", "Totaal", 3), "2");
    monitor_report_destroy (&r);
    /* the scores were kept: housing, income, -, social network, mental health */
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT scores[4] FROM monitoring.mon_assessment"
                                      " WHERE assessment_id = monitoring.mon_ref('a2')"),
                      4);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT scores[5] FROM monitoring.monitoring_event"
                                      " WHERE event_type = 13 AND item_ref = monitoring.mon_ref('a2')"),
                      1);
}

/* The region of rows whose source arrives later (0003): a third gemeente
   whose only signals come after the shelter episode, assessment,
   escalation and trajectory that take their region from them; then an
   earlier signal from another gebied moves every one of them. */
static long
s_placed (const char *gebied)
{
    return kbt_query_longf (
      s_conn,
      "SELECT count(*) FROM (SELECT r_gemeente, r_gebied FROM monitoring.mon_trajectory"
      " WHERE trajectory_id = monitoring.mon_ref('t9') UNION ALL SELECT r_gemeente, r_gebied FROM "
      "monitoring.mon_shelter"
      " WHERE episode_id = monitoring.mon_ref('e9') UNION ALL SELECT r_gemeente, r_gebied FROM "
      "monitoring.mon_assessment"
      " WHERE assessment_id = monitoring.mon_ref('a9') UNION ALL SELECT r_gemeente, r_gebied"
      " FROM monitoring.mon_escalation WHERE escalation_id = monitoring.mon_ref('x9')) x"
      " WHERE r_gemeente = '0003' AND r_gebied = '%s'",
      gebied);
}

static void
test_region_any_order (void **state)
{
    (void)state;
    char id[37] = "";
    s_shelter (false, "e9", "p9", "t9", 3, "", "2026-10-01", NULL, 0);
    s_assess ("a9", "p9", "2026-10-02", 3, 3, 3);
    s_gezin (T (REGIE_ESCALATED), "g9", "", "2026-10-03", "", "x9");
    s_traj (
      "t9", ZWERF, AANGEMELD, 0, 0, "p9", "g9", "mo-c", 1, "", "", "2026-10-01", "2026-10-01", id);
    kbt_event_sender_wait_acked (s_a);
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT count(*) FROM monitoring.mon_trajectory"
                                      " WHERE trajectory_id = monitoring.mon_ref('t9') AND r_gemeente IS NULL"),
                      1);
    s_signal ("g9", "p9", "0003", "c-oost", "2026-10-05");
    kbt_event_sender_wait_acked (s_a);
    assert_int_equal (s_placed ("c-oost"), 4);
    /* the shelter episode also took its trajectory's type */
    assert_int_equal (kbt_query_long (s_conn,
                                      "SELECT trajectory_type FROM monitoring.mon_shelter"
                                      " WHERE episode_id = monitoring.mon_ref('e9')"),
                      ZWERF);
    s_signal ("g9", "p9", "0003", "c-west", "2026-09-20");
    kbt_event_sender_wait_acked (s_a);
    assert_int_equal (s_placed ("c-oost"), 0);
    assert_int_equal (s_placed ("c-west"), 4);
    monitor_report_t *r = s_build (1, 1, MONITOR_PAGE_KETEN, "live", "", "0003");
    assert_string_equal (s_at (r, "trajectories_by_region", "c-west", 1), "1");
    assert_false (s_has_row (r, "trajectories_by_region", "c-oost"));
    monitor_report_destroy (&r);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_keten_exact),         cmocka_unit_test (test_3d_exact),
        cmocka_unit_test (test_gemeente_filter),     cmocka_unit_test (test_defaults_suppress),
        cmocka_unit_test (test_resent_counted_once), cmocka_unit_test (test_region_any_order),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
