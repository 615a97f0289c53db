/*  test_ketenctl_simgen - the region simulator's generator: the same seed
    gives the same region; every date lies in the simulated period and
    never after today; every BSN passes the elfproef and is given once;
    the mix of cases, destinations, outcomes and scores stays within
    realistic bounds; the steps of each case come in an order client-
    tracking's state machine, its shelter rules and zorgtoewijzing's
    toewijzing rules accept, each trajectory update sent by the
    organisation client-tracking knows as the trajectory's regisseur (the
    new one after an accepted transfer, else not_regisseur); and every
    message, satisfaction measurements included, passes intake's own
    validation as the partner that sends it. */
#include "intake_validate.h"
#include "ketenctl_simgen.h"
#include "tracking_state.h"

#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_validate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TODAY 20600 /* 2026-05-28 */

static ketenctl_simgen_t *
s_gen (uint64_t seed, int months, int scale)
{
    ketenctl_simgen_config_t config = { seed, months, scale, S_TODAY };
    ketenctl_simgen_t *gen = ketenctl_simgen_new (&config);
    assert_non_null (gen);
    return gen;
}

static void
test_deterministic (void **state)
{
    (void)state;
    ketenctl_simgen_t *a = s_gen (42, 12, KETENCTL_SIM_SCALE_MEDIUM);
    ketenctl_simgen_t *b = s_gen (42, 12, KETENCTL_SIM_SCALE_MEDIUM);
    ketenctl_simgen_t *c = s_gen (43, 12, KETENCTL_SIM_SCALE_MEDIUM);
    assert_int_equal (ketenctl_simgen_ncases (a), 480);
    assert_int_equal (ketenctl_simgen_ncases (b), 480);
    size_t same_as_c = 0;
    for (size_t i = 0; i < ketenctl_simgen_ncases (a); i++) {
        assert_memory_equal (ketenctl_simgen_case (a, i),
                             ketenctl_simgen_case (b, i),
                             sizeof (ketenctl_simgen_case_t));
        same_as_c += memcmp (ketenctl_simgen_case (a, i),
                             ketenctl_simgen_case (c, i),
                             sizeof (ketenctl_simgen_case_t)) == 0;
    }
    assert_int_equal (same_as_c, 0); /* another seed, another region */
    long ca[KETENCTL_SIM_KINDS], cb[KETENCTL_SIM_KINDS];
    assert_int_equal (ketenctl_simgen_count (a, ca), ketenctl_simgen_count (b, cb));
    assert_memory_equal (ca, cb, sizeof ca);
    /* every kind of message is there in a year */
    for (int k = 0; k < KETENCTL_SIM_KINDS; k++)
        assert_true (ca[k] > 0);
    ketenctl_simgen_destroy (&a);
    ketenctl_simgen_destroy (&b);
    ketenctl_simgen_destroy (&c);
    assert_null (a);
    ketenctl_simgen_config_t bad = { 1, 0, 0, S_TODAY };
    assert_null (ketenctl_simgen_new (&bad));
    bad.months = 25;
    assert_null (ketenctl_simgen_new (&bad));
    assert_int_equal (ketenctl_simgen_scale_parse ("small"), KETENCTL_SIM_SCALE_SMALL);
    assert_int_equal (ketenctl_simgen_scale_parse ("huge"), -1);
}

static int
s_cmp_bsn (const void *a, const void *b)
{
    return strcmp (*(char *const *)a, *(char *const *)b);
}

static void
test_dates_and_bsns (void **state)
{
    (void)state;
    for (int months = 1; months <= 24; months += 11) {
        ketenctl_simgen_t *gen = s_gen ((uint64_t)months * 7, months, KETENCTL_SIM_SCALE_MEDIUM);
        char today[11], first[11];
        ketenctl_simgen_date (S_TODAY, today);
        ketenctl_simgen_date (S_TODAY - months * 365 / 12, first);
        size_t n = ketenctl_simgen_ncases (gen), nbsn = 0;
        char **bsns = calloc (n * KETENCTL_SIMGEN_MAX_PERSONS, sizeof *bsns);
        assert_non_null (bsns);
        char prev_signal[11] = "";
        for (size_t i = 0; i < n; i++) {
            const ketenctl_simgen_case_t *c = ketenctl_simgen_case (gen, i);
            assert_true (c->nsteps >= 1);
            const char *d0 = c->steps[0].date;
            assert_true (strcmp (d0, first) >= 0);
            assert_true (strcmp (d0, today) <= 0);
            assert_true (strcmp (d0, prev_signal) >= 0); /* cases in signal-date order */
            memcpy (prev_signal, d0, sizeof prev_signal);
            for (int s = 0; s < c->nsteps; s++) {
                const ketenctl_simgen_step_t *st = &c->steps[s];
                int32_t days;
                assert_true (kb_validate_date (st->date, &days));
                assert_true (strcmp (st->date, d0) >= 0);
                assert_true (strcmp (st->date, today) <= 0); /* never in the future */
                if (s > 0)
                    assert_true (strcmp (st->date, c->steps[s - 1].date) >= 0);
                if (st->date2[0]) {
                    assert_true (kb_validate_date (st->date2, &days));
                    if (st->kind == KETENCTL_SIM_SHELTER)
                        assert_true (strcmp (st->date2, st->date) <= 0);
                }
            }
            for (int p = 0; p < c->npersons; p++) {
                assert_true (kb_validate_bsn (c->persons[p].bsn));
                assert_true (strcmp (c->persons[p].birth_date, d0) < 0);
                bsns[nbsn++] = (char *)c->persons[p].bsn;
            }
        }
        qsort (bsns, nbsn, sizeof *bsns, s_cmp_bsn);
        for (size_t i = 1; i < nbsn; i++)
            assert_string_not_equal (bsns[i - 1], bsns[i]); /* one BSN, one person */
        free (bsns);
        ketenctl_simgen_destroy (&gen);
    }
}

static void
test_proportions (void **state)
{
    (void)state;
    ketenctl_simgen_t *gen = s_gen (7, 12, KETENCTL_SIM_SCALE_LARGE);
    size_t n = ketenctl_simgen_ncases (gen);
    long kinds[KETENCTL_SIM_CASE_KINDS] = { 0 };
    long mo_out = 0, mo_zelfstandig = 0, zj_out = 0, zj_home = 0, vo_out = 0;
    long closed = 0, succes = 0, early = 0, overgedragen = 0, transfers = 0, accepted = 0;
    long after_transfer = 0, routes_ended = 0;
    long sat = 0, sat_sum = 0, stable = 0, evaluations = 0, assigns = 0, wet[4] = { 0 };
    long levels[5] = { 0 }, by_gemeente_helmond = 0;
    for (size_t i = 0; i < n; i++) {
        const ketenctl_simgen_case_t *c = ketenctl_simgen_case (gen, i);
        kinds[c->kind]++;
        by_gemeente_helmond += strcmp (c->gemeente, "0794") == 0;
        for (int s = 0; s < c->nsteps; s++) {
            const ketenctl_simgen_step_t *st = &c->steps[s];
            switch (st->kind) {
                case KETENCTL_SIM_SHELTER:
                    if (st->shelter_event != KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT)
                        break;
                    if (st->shelter_type ==
                        KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG) {
                        mo_out++;
                        mo_zelfstandig +=
                          st->destination ==
                          KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_ZELFSTANDIG_WONEN;
                    } else if (st->shelter_type ==
                               KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_ZWERFJONGEREN) {
                        zj_out++;
                        zj_home +=
                          st->destination ==
                          KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_TERUG_NAAR_HUIS;
                    } else
                        vo_out++;
                    break;
                case KETENCTL_SIM_TRAJECTORY:
                    if (st->trajectory == KETENCTL_SIM_TRAJ_ROUTE &&
                        st->state == KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND)
                        routes_ended++;
                    if (st->state != KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND ||
                        st->trajectory != KETENCTL_SIM_TRAJ_PLAN)
                        break;
                    closed++;
                    succes +=
                      st->outcome == KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_SUCCESVOL;
                    early +=
                      st->outcome ==
                      KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_VROEGTIJDIG_BEEINDIGD;
                    overgedragen +=
                      st->outcome ==
                      KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_OVERGEDRAGEN;
                    after_transfer += st->after_transfer;
                    break;
                case KETENCTL_SIM_TRANSFER_REQUEST:
                    transfers++;
                    break;
                case KETENCTL_SIM_TRANSFER_RESPONSE:
                    accepted +=
                      st->decision == KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED;
                    break;
                case KETENCTL_SIM_SATISFACTION:
                    sat++;
                    sat_sum += st->score;
                    assert_in_range (st->score, 1, 10);
                    break;
                case KETENCTL_SIM_ASSESSMENT:
                    if (st->moment ==
                        KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_EVALUATION) {
                        evaluations++;
                        stable += st->scores[1] >= 4 && st->scores[2] >= 4 && st->scores[4] >= 4;
                    }
                    break;
                case KETENCTL_SIM_CARE:
                    if (st->care_action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN) {
                        assigns++;
                        wet[st->wet]++;
                        levels[st->pyramid]++;
                    }
                    break;
                default:
                    break;
            }
        }
    }
    double total = (double)n;
    assert_in_range ((long)(100 * kinds[KETENCTL_SIM_CASE_GEZIN] / total), 28, 44);
    assert_in_range ((long)(100 * kinds[KETENCTL_SIM_CASE_DAKLOOS] / total), 9, 20);
    assert_in_range ((long)(100 * kinds[KETENCTL_SIM_CASE_ZWERFJONGERE] / total), 4, 13);
    assert_in_range ((long)(100 * by_gemeente_helmond / total), 32, 48); /* the largest gemeente */
    assert_true (mo_out >= 50 && zj_out >= 30 && vo_out >= 30);
    assert_in_range (100 * mo_zelfstandig / mo_out, 8, 30); /* 20 % target: not met by all */
    assert_in_range (100 * zj_home / zj_out, 30, 60);
    assert_true (closed >= 300);
    assert_in_range (100 * succes / closed, 40, 75);
    assert_in_range (100 * early / closed, 12, 35);
    /* out of the chain: a small share of the ends; a transfer inside the
       chain goes on under the new regisseur, mostly accepted */
    assert_true (overgedragen > 0);
    assert_in_range (100 * overgedragen / closed, 1, 8);
    assert_true (transfers >= 20 && accepted * 100 / transfers >= 55);
    assert_true (after_transfer > 0 && after_transfer <= accepted);
    /* most zwerfjongeren have a route of their own that ends */
    assert_true (routes_ended * 2 > kinds[KETENCTL_SIM_CASE_ZWERFJONGERE]);
    assert_true (evaluations >= 200);
    assert_in_range (100 * stable / evaluations, 20, 80); /* some reach a stable position */
    assert_true (sat >= 100);
    assert_in_range (10 * sat_sum / sat, 60, 85); /* mean satisfaction 6.0 .. 8.5 */
    assert_true (assigns >= 300);
    for (int w = 1; w <= 3; w++)
        assert_true (wet[w] >= assigns / 12);
    assert_true (levels[2] + levels[3] > levels[1] + levels[4]); /* the middle of the pyramid */
    ketenctl_simgen_destroy (&gen);
}

/* One trajectory as client-tracking would see it. */
typedef struct
{
    int state;
    char date[11];
} s_traj_t;

static void
s_traj_step (s_traj_t *t, int state, int outcome, int reason, const char *date)
{
    tracking_step_t step = { state, outcome, reason, date };
    const char *text = NULL;
    const char *code = tracking_state_check (t->state, t->date, &step, &text);
    if (code)
        fail_msg ("trajectory step refused: %s (%s)", code, text);
    t->state = state;
    memcpy (t->date, date, sizeof t->date);
}

static void
test_order_per_case (void **state)
{
    (void)state;
    ketenctl_simgen_t *gen = s_gen (11, 12, KETENCTL_SIM_SCALE_MEDIUM);
    long checked_pot = 0, checked_care = 0, checked_shelter = 0, transfers_accepted = 0;
    long checked_route = 0;
    for (size_t i = 0; i < ketenctl_simgen_ncases (gen); i++) {
        const ketenctl_simgen_case_t *c = ketenctl_simgen_case (gen, i);
        const ketenctl_simgen_step_t *first = &c->steps[0];
        assert_int_equal (first->kind, KETENCTL_SIM_SIGNAL);
        assert_int_equal (first->sender, c->signaller);
        /* zorgtoewijzing lays down aangemeld on the signal date; the
           plan's first version lays down plan_vastgesteld */
        s_traj_t plan = { KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD, "" };
        s_traj_t pot = plan, route = { 0, "" };
        memcpy (plan.date, first->date, 11);
        memcpy (pot.date, first->date, 11);
        /* client-tracking's regisseur of the gezinsplan: the first one,
           after an accepted transfer the new one (zorgtoewijzing's
           update); the POT keeps the one it was opened with */
        int first_regisseur = ketenctl_simgen_expected_regisseur (c);
        int plan_regisseur = first_regisseur, transfer_regisseur = -1;
        int care[8] = { 0 }; /* per toewijzing: 0 none, 1 assigned, 2 started, 3 stopped */
        bool shelter_in = false, shelter_out = false, asked = false, plan_seen = false;
        int asked_to = -1;
        for (int s = 1; s < c->nsteps; s++) {
            const ketenctl_simgen_step_t *st = &c->steps[s];
            switch (st->kind) {
                case KETENCTL_SIM_SIGNAL:
                    assert_int_not_equal (st->sender, c->signaller);
                    break;
                case KETENCTL_SIM_PLAN:
                    assert_false (plan_seen);
                    plan_seen = true;
                    s_traj_step (&plan,
                                 KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_PLAN_VASTGESTELD,
                                 0,
                                 0,
                                 st->date);
                    break;
                case KETENCTL_SIM_TRAJECTORY: {
                    if (st->trajectory == KETENCTL_SIM_TRAJ_ROUTE) {
                        /* the zwerfjongerenopvang opens and runs it: its regisseur */
                        assert_int_equal (c->kind, KETENCTL_SIM_CASE_ZWERFJONGERE);
                        assert_int_equal (st->sender, ketenctl_simgen_partner_find ("mo-helmond"));
                        s_traj_step (
                          &route, st->state, st->outcome, st->early_end_reason, st->date);
                        checked_route++;
                        break;
                    }
                    assert_int_equal (st->sender, KETENCTL_SIMGEN_REGISSEUR);
                    int who = ketenctl_simgen_sender (c, st, first_regisseur, transfer_regisseur);
                    if (st->trajectory == KETENCTL_SIM_TRAJ_POT) {
                        assert_true (c->pot);
                        assert_int_equal (who, first_regisseur); /* else not_regisseur */
                        s_traj_step (&pot, st->state, st->outcome, st->early_end_reason, st->date);
                        checked_pot++;
                    } else {
                        if (who != plan_regisseur)
                            fail_msg ("case %d: %s updates a gezinsplan whose regisseur is %s "
                                      "(not_regisseur)",
                                      c->number,
                                      ketenctl_simgen_partners[who].org,
                                      ketenctl_simgen_partners[plan_regisseur].org);
                        /* the sender waits for the new regisseur */
                        assert_int_equal (st->after_transfer, transfer_regisseur >= 0);
                        s_traj_step (&plan, st->state, st->outcome, st->early_end_reason, st->date);
                    }
                    if (st->needs_transfer)
                        assert_true (asked);
                    break;
                }
                case KETENCTL_SIM_ASSESSMENT:
                    if (st->trajectory == KETENCTL_SIM_TRAJ_PLAN)
                        assert_int_equal (st->after_transfer, transfer_regisseur >= 0);
                    else
                        assert_false (st->after_transfer);
                    break;
                case KETENCTL_SIM_TRANSFER_REQUEST:
                    assert_true (plan_seen);
                    assert_int_equal (
                      plan.state, KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_IN_UITVOERING);
                    assert_int_not_equal (st->transfer_to, ketenctl_simgen_expected_regisseur (c));
                    asked = true;
                    asked_to = st->transfer_to;
                    break;
                case KETENCTL_SIM_TRANSFER_RESPONSE:
                    assert_true (asked);
                    assert_int_equal (st->sender, asked_to);
                    if (st->decision ==
                        KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED) {
                        plan_regisseur = transfer_regisseur = asked_to;
                        transfers_accepted++;
                    }
                    break;
                case KETENCTL_SIM_SHELTER: {
                    tracking_episode_t prev = { shelter_in,
                                                shelter_out,
                                                shelter_in ? st->date2 : NULL };
                    tracking_shelter_msg_t msg = { st->shelter_event,
                                                   st->shelter_type,
                                                   st->shelter_event == 1 ? st->date : st->date2,
                                                   st->shelter_event == 1 ? NULL : st->date,
                                                   st->destination };
                    const char *text = NULL;
                    const char *code = tracking_shelter_check (&prev, &msg, &text);
                    if (code)
                        fail_msg ("shelter step refused: %s (%s)", code, text);
                    if (st->shelter_event == KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_IN)
                        shelter_in = true;
                    else {
                        assert_true (shelter_in);
                        shelter_out = true;
                    }
                    checked_shelter++;
                    break;
                }
                case KETENCTL_SIM_CARE:
                    assert_in_range (st->toewijzing, 1, 7);
                    /* assign, start, stop: each once, in this order */
                    assert_int_equal (care[st->toewijzing], st->care_action - 1);
                    care[st->toewijzing] = st->care_action;
                    checked_care++;
                    break;
                case KETENCTL_SIM_SATISFACTION:
                    assert_true (care[st->toewijzing] >= 2); /* about a voorziening that started */
                    break;
                default:
                    break;
            }
        }
    }
    assert_true (checked_pot > 50 && checked_care > 300 && checked_shelter > 100);
    assert_true (transfers_accepted >= 5 && checked_route > 50);
    ketenctl_simgen_destroy (&gen);
}

static int
s_org_type (void *arg, const char *org)
{
    (void)arg;
    int i = ketenctl_simgen_partner_find (org);
    return i < 0 ? 0 : kb_org_type_parse (ketenctl_simgen_partners[i].type);
}

static void
test_intake_accepts_every_message (void **state)
{
    (void)state;
    ketenctl_simgen_t *gen = s_gen (5, 12, KETENCTL_SIM_SCALE_MEDIUM);
    const char *gemeenten[6];
    char codes[64];
    snprintf (codes, sizeof codes, "%s", ketenctl_simgen_region_codes ());
    int ng = 0;
    for (char *tok = strtok (codes, ","); tok && ng < 6; tok = strtok (NULL, ","))
        gemeenten[ng++] = tok;
    assert_int_equal (ng, 6);
    intake_validate_ctx_t vctx = { S_TODAY, gemeenten, ng, s_org_type, NULL };
    ketenctl_simgen_refs_t refs = { "SIM-test-00001",
                                    "3d5b2f4e-6a3c-4b1d-9e8f-0a1b2c3d4e5f",
                                    "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                                    "pot-0123456789abcdef0123456789abcdef",
                                    "5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c" };
    long checked = 0, satisfaction = 0;
    for (size_t i = 0; i < ketenctl_simgen_ncases (gen); i++) {
        const ketenctl_simgen_case_t *c = ketenctl_simgen_case (gen, i);
        for (int s = 0; s < c->nsteps; s++) {
            const ketenctl_simgen_step_t *st = &c->steps[s];
            int sender = st->sender == KETENCTL_SIMGEN_REGISSEUR
                           ? ketenctl_simgen_expected_regisseur (c)
                           : st->sender;
            size_t len = 0;
            uint8_t *bytes = ketenctl_simgen_encode (
              c, st, &refs, "0f1e2d3c-4b5a-4968-8776-655443322110", 1780000000000, &len);
            assert_non_null (bytes);
            kb_envelope_t *env = NULL;
            assert_int_equal (kb_codec_decode (bytes, len, 65536, &env), KB_CODEC_OK);
            free (bytes);
            int type = s_org_type (NULL, ketenctl_simgen_partners[sender].org);
            intake_sender_t who = { ketenctl_simgen_partners[sender].org, type };
            intake_reject_t reject;
            memset (&reject, 0, sizeof reject);
            if (st->kind == KETENCTL_SIM_SATISFACTION) {
                assert_int_equal (env->body_case,
                                  KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT);
                assert_in_range (env->satisfaction_measurement->score, 1, 10);
                satisfaction++;
            }
            if (!intake_validate_envelope (env, type, &reject) ||
                !intake_validate_body (env, &who, &vctx, &reject))
                fail_msg ("case %d step %d (%s as %s) rejected: %s %s %s",
                          c->number,
                          s,
                          ketenctl_simgen_kind_name (st->kind),
                          who.org,
                          reject.code,
                          reject.field,
                          reject.rule);
            else
                checked++;
            kb_codec_free (&env);
        }
    }
    assert_true (checked > 2000);
    assert_true (satisfaction > 20);
    ketenctl_simgen_destroy (&gen);
}

static void
test_region (void **state)
{
    (void)state;
    size_t n = ketenctl_simgen_partner_count ();
    assert_true (n >= 20);
    assert_int_equal (ketenctl_simgen_partner_find ("cjg-helmond"), 0);
    assert_int_equal (ketenctl_simgen_partner_find ("nobody"), -1);
    /* every gemeente of the region has a wijkteam and a gemeente partner,
       so that the regisseur rules resolve there */
    char codes[64];
    snprintf (codes, sizeof codes, "%s", ketenctl_simgen_region_codes ());
    for (char *tok = strtok (codes, ","); tok; tok = strtok (NULL, ",")) {
        int wijkteam = 0, gemeente = 0;
        for (size_t i = 0; i < n; i++) {
            const ketenctl_simgen_partner_t *p = &ketenctl_simgen_partners[i];
            assert_true (kb_org_type_parse (p->type) > 0);
            wijkteam += strcmp (p->gemeente, tok) == 0 && strcmp (p->type, "wijkteam") == 0;
            gemeente += strcmp (p->gemeente, tok) == 0 && strcmp (p->type, "gemeente") == 0;
        }
        assert_int_equal (wijkteam, 1);
        assert_int_equal (gemeente, 1);
    }
    char d[11];
    ketenctl_simgen_date (0, d);
    assert_string_equal (d, "1970-01-01");
    ketenctl_simgen_date (kb_days_from_civil (2024, 2, 29), d);
    assert_string_equal (d, "2024-02-29");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_deterministic),
        cmocka_unit_test (test_dates_and_bsns),
        cmocka_unit_test (test_proportions),
        cmocka_unit_test (test_order_per_case),
        cmocka_unit_test (test_intake_accepts_every_message),
        cmocka_unit_test (test_region),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
