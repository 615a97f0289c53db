/*  ketenctl_simgen - the fictional region and its cases (pure). */
#include "ketenctl_simgen.h"

#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_validate.h"
#include "ketenbus/v1/ketenbus.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  ---------------------------------------------------------------------
    The region */

const ketenctl_simgen_partner_t ketenctl_simgen_partners[] = {
    { "cjg-helmond", "cjg", "helmond-noord", "0794" },
    { "veiligheidshuis-peel", "veiligheidshuis", "peel", "0794" },
    { "ggd-vangnet-peel", "ggd-vangnet", "peel", "0794" },
    { "mo-helmond", "maatschappelijke-opvang", "helmond-centrum", "0794" },
    { "vrouwenopvang-peel", "vrouwenopvang", "peel", "0794" },
    { "wijkteam-deurne", "wijkteam", "deurne-centrum", "0762" },
    { "wijkteam-helmond-west", "wijkteam", "helmond-west", "0794" },
    { "veiligthuis-bzo", "veilig-thuis", "peel", "0794" },
    { "gemeente-helmond", "gemeente", "helmond", "0794" },
    { "wijkteam-asten", "wijkteam", "asten", "0743" },
    { "wijkteam-gemert-bakel", "wijkteam", "gemert-bakel", "1652" },
    { "wijkteam-laarbeek", "wijkteam", "laarbeek", "1659" },
    { "wijkteam-someren", "wijkteam", "someren", "0847" },
    { "gemeente-deurne", "gemeente", "deurne", "0762" },
    { "gemeente-gemert-bakel", "gemeente", "gemert-bakel", "1652" },
    { "gemeente-laarbeek", "gemeente", "laarbeek", "1659" },
    { "gemeente-asten", "gemeente", "asten", "0743" },
    { "gemeente-someren", "gemeente", "someren", "0847" },
    { "zorg-peelland", "zorgaanbieder", "peel", "0794" },
    { "jeugdhulp-peel", "zorgaanbieder", "peel", "0794" },
    { "werkbedrijf-peel", "zorgaanbieder", "peel", "0794" },
    { NULL, NULL, NULL, NULL },
};

/* gemeente, its gebieden (the wijkteam's first), postcode range, weight (inhabitants) */
typedef struct
{
    const char *code;
    const char *gebieden[3];
    int pc_from, pc_to, weight;
} s_gemeente_t;

static const s_gemeente_t s_gemeenten[] = {
    { "0794", { "helmond-west", "helmond-noord", "helmond-centrum" }, 5701, 5709, 40 },
    { "0762", { "deurne-centrum", NULL, NULL }, 5751, 5754, 16 },
    { "1652", { "gemert-bakel", NULL, NULL }, 5421, 5424, 15 },
    { "1659", { "laarbeek", NULL, NULL }, 5737, 5741, 11 },
    { "0743", { "asten", NULL, NULL }, 5721, 5725, 9 },
    { "0847", { "someren", NULL, NULL }, 5711, 5715, 9 },
};
#define S_NGEMEENTEN (sizeof s_gemeenten / sizeof s_gemeenten[0])

size_t
ketenctl_simgen_partner_count (void)
{
    size_t n = 0;
    while (ketenctl_simgen_partners[n].org)
        n++;
    return n;
}

int
ketenctl_simgen_partner_find (const char *org)
{
    for (int i = 0; org && ketenctl_simgen_partners[i].org; i++)
        if (strcmp (ketenctl_simgen_partners[i].org, org) == 0)
            return i;
    return -1;
}

const char *
ketenctl_simgen_region_codes (void)
{
    return "0794,0762,1652,1659,0743,0847";
}

static int
s_partner (const char *org)
{
    int i = ketenctl_simgen_partner_find (org);
    return i; /* the table holds every name used below */
}

/* The partner of type in gemeente (wijkteam, gemeente), else the first of that type. */
static int
s_partner_in (const char *type, const char *gemeente)
{
    int first = -1;
    for (int i = 0; ketenctl_simgen_partners[i].org; i++)
        if (strcmp (ketenctl_simgen_partners[i].type, type) == 0) {
            if (strcmp (ketenctl_simgen_partners[i].gemeente, gemeente) == 0)
                return i;
            if (first < 0)
                first = i;
        }
    return first;
}

int
ketenctl_simgen_expected_regisseur (const ketenctl_simgen_case_t *c)
{
    switch (c->kind) {
        case KETENCTL_SIM_CASE_GEZIN:
            return s_partner ("cjg-helmond");
        case KETENCTL_SIM_CASE_VOLWASSENE:
            return s_partner_in ("wijkteam", c->gemeente);
        case KETENCTL_SIM_CASE_HUISELIJK_GEWELD:
            return s_partner ("veiligthuis-bzo");
        case KETENCTL_SIM_CASE_OVERLAST:
            return s_partner ("veiligheidshuis-peel");
        default:
            return s_partner ("ggd-vangnet-peel");
    }
}

int
ketenctl_simgen_sender (const ketenctl_simgen_case_t *c,
                        const ketenctl_simgen_step_t *st,
                        int first_regisseur,
                        int transfer_regisseur)
{
    (void)c;
    if (st->sender != KETENCTL_SIMGEN_REGISSEUR)
        return st->sender;
    if (st->trajectory == KETENCTL_SIM_TRAJ_POT || transfer_regisseur < 0)
        return first_regisseur;
    return transfer_regisseur;
}

static const char *s_kind_names[KETENCTL_SIM_KINDS] = {
    "case_signal",
    "plan_registered",
    "trajectory_update",
    "regie_transfer_request",
    "regie_transfer_response",
    "shelter_episode",
    "self_sufficiency_assessment",
    "care_assignment",
    "satisfaction_measurement",
};

const char *
ketenctl_simgen_kind_name (int kind)
{
    return kind >= 0 && kind < KETENCTL_SIM_KINDS ? s_kind_names[kind] : "unknown";
}

static const char *s_case_names[KETENCTL_SIM_CASE_KINDS] = {
    "gezin", "volwassene", "dakloos", "zwerfjongere", "huiselijk_geweld", "overlast", "oggz",
};

const char *
ketenctl_simgen_case_name (int kind)
{
    return kind >= 0 && kind < KETENCTL_SIM_CASE_KINDS ? s_case_names[kind] : "unknown";
}

int
ketenctl_simgen_scale_parse (const char *name)
{
    if (!name)
        return -1;
    if (strcmp (name, "small") == 0)
        return KETENCTL_SIM_SCALE_SMALL;
    if (strcmp (name, "medium") == 0)
        return KETENCTL_SIM_SCALE_MEDIUM;
    if (strcmp (name, "large") == 0)
        return KETENCTL_SIM_SCALE_LARGE;
    return -1;
}

/*  ---------------------------------------------------------------------
    Dates and numbers */

void
ketenctl_simgen_date (int32_t days, char out[11])
{
    /* Howard Hinnant's civil_from_days */
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    if (y < 1000 || y > 9999)
        y = 1970; /* not reached for the dates generated here */
    snprintf (
      out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

typedef struct
{
    uint64_t state;
} s_rng_t;

/* splitmix64 */
static uint64_t
s_next (s_rng_t *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* lo..hi inclusive */
static int
s_between (s_rng_t *r, int lo, int hi)
{
    return hi <= lo ? lo : lo + (int)(s_next (r) % (uint64_t)(hi - lo + 1));
}

/* true with percent % */
static bool
s_chance (s_rng_t *r, int percent)
{
    return (int)(s_next (r) % 100) < percent;
}

/* Picks an index by weights (ending with a 0 weight). */
static int
s_pick (s_rng_t *r, const int *weights)
{
    int total = 0, n = 0;
    while (weights[n])
        total += weights[n++];
    int x = (int)(s_next (r) % (uint64_t)total);
    for (int i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return n - 1;
}

struct _ketenctl_simgen_t
{
    ketenctl_simgen_config_t config;
    s_rng_t rng;
    uint64_t bsn_next; /* BSN prefixes: a walk over 0..10^8 with a stride coprime to it */
    uint64_t bsn_stride;
    size_t ncases;
    ketenctl_simgen_case_t *cases;
};

/* A BSN never given before in this run: 8 digits from a permutation of
   0..10^8-1, then the check digit of the elfproef (prefixes whose check
   digit would be 10 are passed over). */
static void
s_bsn (ketenctl_simgen_t *self, char out[10])
{
    while (1) {
        uint64_t prefix = (self->bsn_next * self->bsn_stride + 12345678) % 100000000ULL;
        self->bsn_next++;
        if (prefix < 10000000)
            continue; /* a leading 0 is valid but uncommon: keep the demo BSNs readable */
        char d[9];
        snprintf (d, sizeof d, "%08llu", (unsigned long long)prefix);
        if (kb_bsn_complete (d, out))
            return;
    }
}

/*  ---------------------------------------------------------------------
    Building a case */

typedef struct
{
    ketenctl_simgen_t *gen;
    ketenctl_simgen_case_t *c;
    int32_t today, d0;
} s_build_t;

static ketenctl_simgen_step_t *
s_step (s_build_t *b, int kind, int sender, int32_t day)
{
    ketenctl_simgen_case_t *c = b->c;
    if (c->nsteps == KETENCTL_SIMGEN_MAX_STEPS)
        return NULL;
    ketenctl_simgen_step_t *s = &c->steps[c->nsteps++];
    memset (s, 0, sizeof *s);
    s->kind = kind;
    s->sender = sender;
    s->person = c->subject;
    ketenctl_simgen_date (day, s->date);
    /* sort key: kept in date2 until the steps are ordered (see s_finish) */
    return s;
}

static void
s_person_add (s_build_t *b, int age_lo, int age_hi, int role)
{
    ketenctl_simgen_case_t *c = b->c;
    if (c->npersons == KETENCTL_SIMGEN_MAX_PERSONS)
        return;
    ketenctl_simgen_person_t *p = &c->persons[c->npersons++];
    s_bsn (b->gen, p->bsn);
    int32_t born = b->d0 - s_between (&b->gen->rng, age_lo * 365 + 1, age_hi * 365 + 300);
    ketenctl_simgen_date (born, p->birth_date);
    p->role = role;
}

static void
s_category (ketenctl_simgen_case_t *c, int category)
{
    for (int i = 0; i < c->ncategories; i++)
        if (c->categories[i] == category)
            return;
    if (c->ncategories < KETENCTL_SIMGEN_MAX_CATEGORIES)
        c->categories[c->ncategories++] = category;
}

/* Scores at a start (low) or later (improved by gain, capped at 5). */
static void
s_scores (s_rng_t *r,
          int scores[KETENCTL_SIMGEN_DOMAINS + 1],
          const int *base,
          int gain_lo,
          int gain_hi)
{
    for (int d = 1; d <= KETENCTL_SIMGEN_DOMAINS; d++) {
        if (base) {
            int v = base[d] ? base[d] + s_between (r, gain_lo, gain_hi) : 0;
            scores[d] = v > 5 ? 5 : v < 0 ? 0 : v;
        } else
            scores[d] = d == KETENBUS__V1__LIFE_DOMAIN__LIFE_DOMAIN_JUSTICE && !s_chance (r, 50)
                          ? 0
                          : s_between (r, 1, 3);
    }
}

/* The gezinsplan and (for the homeless) the POT: plan, assessments,
   in uitvoering, an optional transfer, the end. Returns the in-uitvoering
   day (or d0 when there is none). */
static int32_t
s_trajectory (s_build_t *b, int32_t plan_day, int transfer_to, int transfer_reason)
{
    s_rng_t *r = &b->gen->rng;
    ketenctl_simgen_case_t *c = b->c;
    ketenctl_simgen_step_t *s;
    /* some cases never get a plan: they stay aangemeld, or are closed */
    if (s_chance (r, 7)) {
        if (s_chance (r, 50) && (s = s_step (b,
                                             KETENCTL_SIM_TRAJECTORY,
                                             KETENCTL_SIMGEN_REGISSEUR,
                                             plan_day + s_between (r, 10, 40)))) {
            s->trajectory = KETENCTL_SIM_TRAJ_PLAN;
            s->after_zorg = true;
            s->state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND;
            s->outcome = KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_VROEGTIJDIG_BEEINDIGD;
            s->early_end_reason = KETENBUS__V1__EARLY_END_REASON__EARLY_END_REASON_GEEN_CONTACT;
        }
        return b->d0;
    }
    if ((s = s_step (b, KETENCTL_SIM_PLAN, KETENCTL_SIMGEN_REGISSEUR, plan_day)))
        s->trajectory = KETENCTL_SIM_TRAJ_PLAN;
    int start[KETENCTL_SIMGEN_DOMAINS + 1] = { 0 };
    s_scores (r, start, NULL, 0, 0);
    int traj = c->pot ? KETENCTL_SIM_TRAJ_POT : KETENCTL_SIM_TRAJ_PLAN;
    if (c->pot && (s = s_step (b, KETENCTL_SIM_TRAJECTORY, KETENCTL_SIMGEN_REGISSEUR, plan_day))) {
        s->trajectory = KETENCTL_SIM_TRAJ_POT;
        s->after_zorg = true;
        s->state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_PLAN_VASTGESTELD;
    }
    if ((s = s_step (b, KETENCTL_SIM_ASSESSMENT, KETENCTL_SIMGEN_REGISSEUR, plan_day))) {
        s->trajectory = traj;
        s->assessment = 1;
        s->moment = KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_START;
        memcpy (s->scores, start, sizeof start);
    }
    int32_t run = plan_day + s_between (r, 0, 14);
    if ((s = s_step (b, KETENCTL_SIM_TRAJECTORY, KETENCTL_SIMGEN_REGISSEUR, run))) {
        s->trajectory = KETENCTL_SIM_TRAJ_PLAN;
        s->after_zorg = true; /* plan_vastgesteld comes from zorgtoewijzing */
        s->state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_IN_UITVOERING;
    }
    if (c->pot && (s = s_step (b, KETENCTL_SIM_TRAJECTORY, KETENCTL_SIMGEN_REGISSEUR, run))) {
        s->trajectory = KETENCTL_SIM_TRAJ_POT;
        s->state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_IN_UITVOERING;
    }
    /* a regie-overdracht for some: after a refused one the trajectory goes
       on under its regisseur, after an accepted one under the new regisseur
       (zorgtoewijzing tells client-tracking, which then takes the
       gezinsplan's updates from the new regisseur only) */
    int32_t from = run;
    bool after = false;
    if (transfer_to >= 0 && s_chance (r, 14)) {
        int32_t asked = run + s_between (r, 20, 90);
        if ((s = s_step (b, KETENCTL_SIM_TRANSFER_REQUEST, KETENCTL_SIMGEN_REGISSEUR, asked))) {
            s->transfer_to = transfer_to;
            s->transfer_reason = transfer_reason;
        }
        bool accept = s_chance (r, 75);
        int32_t answered = asked + s_between (r, 0, 5);
        if ((s = s_step (b, KETENCTL_SIM_TRANSFER_RESPONSE, transfer_to, answered))) {
            s->needs_transfer = true;
            s->decision = accept ? KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED
                                 : KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_REJECTED;
            if (!accept)
                s->reject_reason =
                  s_chance (r, 50)
                    ? KETENBUS__V1__TRANSFER_REJECT_REASON__TRANSFER_REJECT_REASON_GEEN_CAPACITEIT
                    : KETENBUS__V1__TRANSFER_REJECT_REASON__TRANSFER_REJECT_REASON_HUIDIGE_REGIE_PASSEND;
        }
        after = accept;
        from = answered;
    }
    /* the end: succesvol, vroegtijdig, verhuisd, overleden, still running,
       or overgedragen (the regisseur hands the case out of the chain, e.g.
       to a specialised institution outside the region) */
    static const int ends[] = { 58, 18, 9, 2, 9, 3, 0 };
    int end = s_pick (r, ends);
    if (end == 3 &&
        c->persons[c->subject].role == KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND)
        end = 0;
    int32_t eval = from + s_between (r, 60, 150);
    int32_t done = end == 1 ? from + s_between (r, 20, 120) : eval + s_between (r, 14, 120);
    if (end == 0 || done > eval) {
        if ((s = s_step (b, KETENCTL_SIM_ASSESSMENT, KETENCTL_SIMGEN_REGISSEUR, eval))) {
            s->trajectory = traj;
            s->after_transfer = after && traj == KETENCTL_SIM_TRAJ_PLAN;
            s->assessment = 2;
            s->moment = KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_EVALUATION;
            /* a success mostly reaches a stable position (housing, income, social network >= 4) */
            if (end == 0)
                s_scores (r, s->scores, start, 2, 3);
            else
                s_scores (r, s->scores, start, 0, 1);
        }
    }
    if (end == 4)
        return run;
    static const int reasons[] = { 25, 25, 8, 10, 12, 10, 10, 0 };
    int outcome = end == 0 ? KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_SUCCESVOL
                  : end == 1
                    ? KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_VROEGTIJDIG_BEEINDIGD
                  : end == 2 ? KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_VERHUISD
                  : end == 3 ? KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_OVERLEDEN
                             : KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_OVERGEDRAGEN;
    int reason =
      outcome == KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_VROEGTIJDIG_BEEINDIGD
        ? 1 + s_pick (r, reasons)
        : 0;
    for (int t = KETENCTL_SIM_TRAJ_PLAN;
         t <= (c->pot ? KETENCTL_SIM_TRAJ_POT : KETENCTL_SIM_TRAJ_PLAN);
         t++)
        if ((s = s_step (b, KETENCTL_SIM_TRAJECTORY, KETENCTL_SIMGEN_REGISSEUR, done))) {
            s->trajectory = t;
            s->after_transfer = after && t == KETENCTL_SIM_TRAJ_PLAN;
            s->state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND;
            s->outcome = outcome;
            s->early_end_reason = reason;
        }
    return run;
}

/* The zwerfjongere route the zwerfjongerenopvang runs (its own
   trajectory: aangemeld, plan, in uitvoering and mostly an end within the
   three months the region aims for). */
static void
s_route (s_build_t *b, int runner, int32_t start)
{
    s_rng_t *r = &b->gen->rng;
    ketenctl_simgen_step_t *s;
    int32_t plan = start + s_between (r, 5, 20);
    int32_t run = plan + s_between (r, 0, 7);
    static const int ends[] = { 72, 14, 14, 0 }; /* succesvol, vroegtijdig, still running */
    int end = s_pick (r, ends);
    int32_t done = run + (end == 0 ? s_between (r, 20, 85) : s_between (r, 10, 60));
    const int32_t days[4] = { start, plan, run, done };
    for (int i = 0; i < (end == 2 ? 3 : 4); i++)
        if ((s = s_step (b, KETENCTL_SIM_TRAJECTORY, runner, days[i]))) {
            s->trajectory = KETENCTL_SIM_TRAJ_ROUTE;
            s->state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD + i;
            if (i == 3) {
                s->outcome =
                  end == 0
                    ? KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_SUCCESVOL
                    : KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_VROEGTIJDIG_BEEINDIGD;
                s->early_end_reason =
                  end == 0 ? 0
                  : s_chance (r, 50)
                    ? KETENBUS__V1__EARLY_END_REASON__EARLY_END_REASON_GEEN_CONTACT
                    : KETENBUS__V1__EARLY_END_REASON__EARLY_END_REASON_CLIENT_WEIGERT;
            }
        }
}

/* A shelter stay: IN and (mostly) OUT with a destination. */
static void
s_shelter (s_build_t *b,
           int shelter,
           int type,
           int32_t in,
           int stay_lo,
           int stay_hi,
           const int *destinations,
           int children)
{
    s_rng_t *r = &b->gen->rng;
    ketenctl_simgen_step_t *s;
    if ((s = s_step (b, KETENCTL_SIM_SHELTER, shelter, in))) {
        s->episode = 1;
        s->shelter_type = type;
        s->shelter_event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_IN;
        s->children = children;
        s->trajectory = b->c->pot ? KETENCTL_SIM_TRAJ_POT : 0;
    }
    char in_date[11];
    ketenctl_simgen_date (in, in_date);
    if ((s = s_step (b, KETENCTL_SIM_SHELTER, shelter, in + s_between (r, stay_lo, stay_hi)))) {
        s->episode = 1;
        s->shelter_type = type;
        s->shelter_event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
        s->destination = 1 + s_pick (r, destinations);
        s->children = children;
        s->trajectory = b->c->pot ? KETENCTL_SIM_TRAJ_POT : 0;
        memcpy (s->date2, in_date, sizeof in_date);
    }
}

/* A voorziening: the gemeente assigns, the provider starts and stops, some
   clients answer a satisfaction survey. */
static void
s_care (s_build_t *b, int person, int wet, int32_t assigned)
{
    s_rng_t *r = &b->gen->rng;
    ketenctl_simgen_case_t *c = b->c;
    int provider, level, unit, frequency;
    unsigned volume;
    const char *category;
    long long budget;
    int toewijzing = 0;
    for (int i = 0; i < c->nsteps; i++)
        if (c->steps[i].toewijzing > toewijzing)
            toewijzing = c->steps[i].toewijzing;
    toewijzing++;
    static const int levels[] = { 8, 45, 37, 10, 0 };
    level = 1 + s_pick (r, levels);
    switch (wet) {
        case KETENBUS__V1__WET__WET_JEUGDWET:
            provider = s_partner ("jeugdhulp-peel");
            category = level == KETENBUS__V1__PYRAMID_LEVEL__PYRAMID_LEVEL_SPECIALISTISCH ? "43"
                       : s_chance (r, 70)                                                 ? "45"
                                                                                          : "54";
            unit = KETENBUS__V1__VOLUME_UNIT__VOLUME_UNIT_UUR;
            frequency = KETENBUS__V1__VOLUME_FREQUENCY__VOLUME_FREQUENCY_PER_WEEK;
            volume = (unsigned)s_between (r, 1, 6);
            break;
        case KETENBUS__V1__WET__WET_PARTICIPATIEWET:
            provider = s_partner ("werkbedrijf-peel");
            category = s_chance (r, 60) ? "80" : "81";
            unit = KETENBUS__V1__VOLUME_UNIT__VOLUME_UNIT_DAGDEEL;
            frequency = KETENBUS__V1__VOLUME_FREQUENCY__VOLUME_FREQUENCY_PER_WEEK;
            volume = (unsigned)s_between (r, 2, 8);
            break;
        default:
            provider = s_partner ("zorg-peelland");
            category = s_chance (r, 40) ? "01" : s_chance (r, 60) ? "02" : "03";
            unit = strcmp (category, "03") == 0 ? KETENBUS__V1__VOLUME_UNIT__VOLUME_UNIT_DAGDEEL
                                                : KETENBUS__V1__VOLUME_UNIT__VOLUME_UNIT_UUR;
            frequency = KETENBUS__V1__VOLUME_FREQUENCY__VOLUME_FREQUENCY_PER_WEEK;
            volume = (unsigned)s_between (r, 1, 5);
            break;
    }
    budget = (long long)s_between (r, 8, 40) * 10000 * level;
    int assigner = s_partner_in ("gemeente", c->gemeente);
    int32_t planned_end = assigned + s_between (r, 180, 365);
    ketenctl_simgen_step_t *s;
    if ((s = s_step (b, KETENCTL_SIM_CARE, assigner, assigned))) {
        s->care_action = KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN;
        ketenctl_simgen_date (planned_end, s->date2);
    } else
        return;
    s->person = person;
    s->toewijzing = toewijzing;
    s->wet = wet;
    s->pyramid = level;
    s->unit = unit;
    s->frequency = frequency;
    s->volume = volume;
    s->budget_cents = budget;
    s->provider = provider;
    s->assigner = assigner;
    snprintf (s->product_category, sizeof s->product_category, "%s", category);
    ketenctl_simgen_step_t assign;
    memcpy (&assign, s, sizeof assign);
    int32_t started = assigned + s_between (r, 3, 28);
    if ((s = s_step (b, KETENCTL_SIM_CARE, provider, started))) {
        char date[11];
        memcpy (date, s->date, sizeof date);
        memcpy (s, &assign, sizeof assign);
        memcpy (s->date, date, sizeof date);
        s->sender = provider;
        s->care_action = KETENBUS__V1__CARE_ACTION__CARE_ACTION_START;
        s->date2[0] = '\0';
    }
    static const int stops[] = { 50, 2, 8, 3, 10, 12, 5, 7, 3, 0 };
    int32_t stopped = started + s_between (r, 40, 300);
    if ((s = s_step (b, KETENCTL_SIM_CARE, provider, stopped))) {
        char date[11];
        memcpy (date, s->date, sizeof date);
        memcpy (s, &assign, sizeof assign);
        memcpy (s->date, date, sizeof date);
        s->sender = provider;
        s->care_action = KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP;
        s->stop_reason = 1 + s_pick (r, stops);
        s->date2[0] = '\0';
    }
    if (s_chance (r, 55) &&
        (s = s_step (b, KETENCTL_SIM_SATISFACTION, assigner, started + s_between (r, 60, 200)))) {
        s->person = person;
        s->toewijzing = toewijzing;
        s->wet = wet;
        static const int scores[] = { 1, 1, 2, 3, 6, 12, 25, 30, 14, 6, 0 };
        s->score = 1 + s_pick (r, scores);
        s->anonymous = s_chance (r, 30);
        s->assigner = assigner;
    }
}

static int
s_transfer_target (const char *gemeente, const char *type)
{
    return s_partner_in (type, gemeente);
}

static void
s_case (ketenctl_simgen_t *gen, ketenctl_simgen_case_t *c, int32_t d0)
{
    s_rng_t *r = &gen->rng;
    s_build_t b = { gen, c, gen->config.today_days, d0 };
    static const int kinds[] = { 36, 16, 14, 8, 12, 7, 7, 0 };
    c->kind = s_pick (r, kinds);
    int weights[S_NGEMEENTEN + 1] = { 0 };
    for (size_t i = 0; i < S_NGEMEENTEN; i++)
        weights[i] = s_gemeenten[i].weight;
    const s_gemeente_t *g = &s_gemeenten[s_pick (r, weights)];
    int ngebieden = 0;
    while (ngebieden < 3 && g->gebieden[ngebieden])
        ngebieden++;
    c->gemeente = g->code;
    c->gebied = g->gebieden[s_between (r, 0, ngebieden - 1)];
    static const char letters[] = "ABCDEGHJKLMNPRTVWXZ";
    snprintf (c->postcode,
              sizeof c->postcode,
              "%04d%c%c",
              s_between (r, g->pc_from, g->pc_to),
              letters[s_between (r, 0, (int)sizeof letters - 2)],
              letters[s_between (r, 0, (int)sizeof letters - 2)]);
    c->urgency = KETENBUS__V1__URGENCY__URGENCY_REGULIER;
    c->housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_ZELFSTANDIG;
    const char *wijkteam = ketenctl_simgen_partners[s_partner_in ("wijkteam", g->code)].org;
    int32_t plan_day = d0 + s_between (r, 7, 35);
    int second = -1, transfer_to = -1, transfer_reason = 0;
    ketenctl_simgen_step_t *s;
    switch (c->kind) {
        case KETENCTL_SIM_CASE_GEZIN: {
            bool two = s_chance (r, 65);
            int kids = s_between (r, 1, 4);
            s_person_add (&b, 1, 17, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND);
            s_person_add (&b, 26, 50, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER);
            if (two)
                s_person_add (&b, 26, 52, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER);
            for (int k = 1; k < kids; k++)
                s_person_add (&b, 0, 17, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND);
            s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_OPVOEDPROBLEMATIEK);
            if (s_chance (r, 40))
                s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_SCHOOLVERZUIM);
            if (s_chance (r, 25))
                s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN);
            if (s_chance (r, 20))
                c->urgency = KETENBUS__V1__URGENCY__URGENCY_VERHOOGD;
            c->signaller = s_chance (r, 55) ? s_partner ("cjg-helmond") : s_partner (wijkteam);
            /* another organisation signals too: both learn of each other */
            if (s_chance (r, 30))
                second = c->signaller == s_partner ("cjg-helmond") ? s_partner (wijkteam)
                                                                   : s_partner ("cjg-helmond");
            transfer_to = s_transfer_target (g->code, "wijkteam");
            transfer_reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_AFSCHALING;
            break;
        }
        case KETENCTL_SIM_CASE_VOLWASSENE:
            s_person_add (&b, 25, 80, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_ALLEENSTAANDE);
            if (s_chance (r, 35)) {
                c->persons[0].role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_PARTNER;
                s_person_add (&b, 25, 80, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_PARTNER);
            }
            s_category (c,
                        s_chance (r, 50) ? KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN
                                         : KETENBUS__V1__CATEGORY__CATEGORY_WERK_INKOMEN);
            if (s_chance (r, 35))
                s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_EENZAAMHEID);
            if (s_chance (r, 25))
                s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_GEZONDHEID);
            c->signaller = s_partner (wijkteam);
            transfer_to = s_partner ("ggd-vangnet-peel");
            transfer_reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_OPSCHALING;
            break;
        case KETENCTL_SIM_CASE_DAKLOOS:
            s_person_add (&b, 23, 64, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_ALLEENSTAANDE);
            s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_DAKLOOSHEID);
            if (s_chance (r, 40))
                s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_VERSLAVING);
            if (s_chance (r, 30))
                s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN);
            c->housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS;
            c->urgency = KETENBUS__V1__URGENCY__URGENCY_VERHOOGD;
            c->signaller =
              s_chance (r, 50) ? s_partner ("ggd-vangnet-peel") : s_partner ("mo-helmond");
            c->pot = true;
            transfer_to = s_transfer_target (g->code, "wijkteam");
            transfer_reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_AFSCHALING;
            break;
        case KETENCTL_SIM_CASE_ZWERFJONGERE:
            s_person_add (&b, 16, 22, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_ALLEENSTAANDE);
            s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_ZWERFJONGERE);
            if (s_chance (r, 35))
                s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_SCHOOLVERZUIM);
            c->housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS;
            c->urgency = KETENBUS__V1__URGENCY__URGENCY_VERHOOGD;
            c->signaller = s_chance (r, 60) ? s_partner ("mo-helmond") : s_partner ("cjg-helmond");
            c->pot = true;
            break;
        case KETENCTL_SIM_CASE_HUISELIJK_GEWELD: {
            s_person_add (&b, 22, 48, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER);
            int kids = s_between (r, 0, 3);
            for (int k = 0; k < kids; k++)
                s_person_add (&b, 0, 15, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND);
            if (s_chance (r, 50))
                s_person_add (&b, 24, 55, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_PARTNER);
            s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_HUISELIJK_GEWELD);
            if (kids && s_chance (r, 30))
                s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_KINDERMISHANDELING);
            c->urgency = KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG;
            c->signaller = s_chance (r, 60) ? s_partner ("veiligthuis-bzo") : s_partner (wijkteam);
            transfer_to = kids ? s_partner ("cjg-helmond") : s_partner (wijkteam);
            transfer_reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_AFSCHALING;
            break;
        }
        case KETENCTL_SIM_CASE_OVERLAST:
            s_person_add (&b, 18, 45, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_ALLEENSTAANDE);
            s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_OVERLAST_CRIMINALITEIT);
            s_category (c,
                        s_chance (r, 50) ? KETENBUS__V1__CATEGORY__CATEGORY_VERSLAVING
                                         : KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN);
            c->urgency = KETENBUS__V1__URGENCY__URGENCY_VERHOOGD;
            c->signaller = s_partner ("veiligheidshuis-peel");
            transfer_to = s_partner (wijkteam);
            transfer_reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_AFSCHALING;
            break;
        default: /* OGGZ */
            s_person_add (&b, 20, 75, KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_ALLEENSTAANDE);
            s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_OGGZ_PSYCHIATRIE);
            if (s_chance (r, 40))
                s_category (c, KETENBUS__V1__CATEGORY__CATEGORY_EENZAAMHEID);
            c->signaller = s_partner ("ggd-vangnet-peel");
            transfer_to = s_partner (wijkteam);
            transfer_reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_AFSCHALING;
            break;
    }
    if (c->housing == KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS)
        c->postcode[0] = '\0';
    c->subject = 0;
    s_step (&b, KETENCTL_SIM_SIGNAL, c->signaller, d0);
    if (second >= 0)
        s_step (&b, KETENCTL_SIM_SIGNAL, second, d0 + s_between (r, 1, 30));
    /* shelters */
    if (c->kind == KETENCTL_SIM_CASE_DAKLOOS && s_chance (r, 65)) {
        static const int dest[] = { 18, 27, 6, 14, 10, 25, 0 };
        s_shelter (&b,
                   s_partner ("mo-helmond"),
                   KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG,
                   d0 + s_between (r, 0, 10),
                   14,
                   240,
                   dest,
                   0);
    } else if (c->kind == KETENCTL_SIM_CASE_ZWERFJONGERE && s_chance (r, 80)) {
        static const int dest[] = { 22, 12, 45, 4, 3, 14, 0 };
        s_shelter (&b,
                   s_partner ("mo-helmond"),
                   KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_ZWERFJONGEREN,
                   d0 + s_between (r, 0, 7),
                   10,
                   120,
                   dest,
                   0);
    } else if (c->kind == KETENCTL_SIM_CASE_HUISELIJK_GEWELD && s_chance (r, 70)) {
        static const int dest[] = { 28, 15, 17, 15, 2, 23, 0 };
        s_shelter (&b,
                   s_partner ("vrouwenopvang-peel"),
                   KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_VROUWENOPVANG,
                   d0 + s_between (r, 0, 3),
                   14,
                   180,
                   dest,
                   c->npersons - 1 > 0 ? s_between (r, 0, c->npersons - 1) : 0);
        /* the children stay with her: count them */
        ketenctl_simgen_step_t *last = &c->steps[c->nsteps - 1];
        int kids = 0;
        for (int i = 0; i < c->npersons; i++)
            kids += c->persons[i].role == KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND;
        last->children = kids;
        c->steps[c->nsteps - 2].children = kids;
    }
    if (c->kind == KETENCTL_SIM_CASE_ZWERFJONGERE && s_chance (r, 85))
        s_route (&b, s_partner ("mo-helmond"), d0 + s_between (r, 0, 7));
    int32_t run = s_trajectory (&b, plan_day, transfer_to, transfer_reason);
    /* voorzieningen */
    int32_t care_day = (run > d0 ? run : plan_day) + s_between (r, 0, 30);
    switch (c->kind) {
        case KETENCTL_SIM_CASE_GEZIN:
            if (s_chance (r, 60))
                s_care (&b, 0, KETENBUS__V1__WET__WET_JEUGDWET, care_day);
            if (s_chance (r, 20))
                s_care (&b, 1, KETENBUS__V1__WET__WET_WMO, care_day + s_between (r, 0, 30));
            break;
        case KETENCTL_SIM_CASE_HUISELIJK_GEWELD:
            for (int i = 1; i < c->npersons; i++)
                if (c->persons[i].role == KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND &&
                    s_chance (r, 50)) {
                    s_care (&b, i, KETENBUS__V1__WET__WET_JEUGDWET, care_day);
                    break;
                }
            if (s_chance (r, 30))
                s_care (&b, 0, KETENBUS__V1__WET__WET_WMO, care_day);
            break;
        case KETENCTL_SIM_CASE_ZWERFJONGERE:
            if (s_chance (r, 40))
                s_care (&b, 0, KETENBUS__V1__WET__WET_PARTICIPATIEWET, care_day);
            break;
        default:
            if (s_chance (r, 55))
                s_care (&b, 0, KETENBUS__V1__WET__WET_WMO, care_day);
            if (s_chance (r, 30))
                s_care (
                  &b, 0, KETENBUS__V1__WET__WET_PARTICIPATIEWET, care_day + s_between (r, 0, 60));
            break;
    }
    (void)s;
}

/* Stable order by date (each chain was added in its own order with dates
   that never decrease), then everything after today is cut off. */
static void
s_finish (ketenctl_simgen_case_t *c, int32_t today)
{
    for (int i = 1; i < c->nsteps; i++) {
        /* memcpy, not assignment: the padding is copied too, so equal cases
           compare equal byte for byte */
        ketenctl_simgen_step_t key;
        memcpy (&key, &c->steps[i], sizeof key);
        int j = i - 1;
        while (j >= 0 && strcmp (c->steps[j].date, key.date) > 0) {
            memcpy (&c->steps[j + 1], &c->steps[j], sizeof key);
            j--;
        }
        memcpy (&c->steps[j + 1], &key, sizeof key);
    }
    char today_s[11];
    ketenctl_simgen_date (today, today_s);
    int n = 0;
    while (n < c->nsteps && strcmp (c->steps[n].date, today_s) <= 0)
        n++;
    c->nsteps = n;
}

static int
s_cmp_date (const void *a, const void *b)
{
    return *(const int32_t *)a < *(const int32_t *)b ? -1
                                                     : *(const int32_t *)a > *(const int32_t *)b;
}

ketenctl_simgen_t *
ketenctl_simgen_new (const ketenctl_simgen_config_t *config)
{
    static const int per_month[] = { 12, 40, 150 };
    if (!config || config->months < 1 || config->months > 24 || config->scale < 0 ||
        config->scale > KETENCTL_SIM_SCALE_LARGE)
        return NULL;
    ketenctl_simgen_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = *config;
    self->rng.state = config->seed ^ 0x6b6574656e627573ULL; /* "ketenbus" */
    self->bsn_stride = 48271 * 2 + 1; /* odd, not a multiple of 5: a permutation of 0..10^8-1 */
    self->bsn_next = s_next (&self->rng) % 100000000ULL;
    self->ncases = (size_t)per_month[config->scale] * (size_t)config->months;
    self->cases = calloc (self->ncases, sizeof *self->cases);
    int32_t *days = calloc (self->ncases, sizeof *days);
    if (!self->cases || !days) {
        free (days);
        ketenctl_simgen_destroy (&self);
        return NULL;
    }
    /* signal dates spread over the period, oldest first; the last day is
       left for the signal only */
    int32_t span = (int32_t)(config->months * 365 / 12);
    for (size_t i = 0; i < self->ncases; i++)
        days[i] = config->today_days - span + s_between (&self->rng, 0, span - 1);
    qsort (days, self->ncases, sizeof *days, s_cmp_date);
    for (size_t i = 0; i < self->ncases; i++) {
        ketenctl_simgen_case_t *c = &self->cases[i];
        c->number = (int)i + 1;
        s_case (self, c, days[i]);
        s_finish (c, config->today_days);
    }
    free (days);
    return self;
}

void
ketenctl_simgen_destroy (ketenctl_simgen_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->cases);
    free (*self_p);
    *self_p = NULL;
}

size_t
ketenctl_simgen_ncases (const ketenctl_simgen_t *self)
{
    return self->ncases;
}

const ketenctl_simgen_case_t *
ketenctl_simgen_case (const ketenctl_simgen_t *self, size_t i)
{
    return i < self->ncases ? &self->cases[i] : NULL;
}

long
ketenctl_simgen_count (const ketenctl_simgen_t *self, long counts[KETENCTL_SIM_KINDS])
{
    long total = 0;
    memset (counts, 0, sizeof (long) * KETENCTL_SIM_KINDS);
    for (size_t i = 0; i < self->ncases; i++)
        for (int k = 0; k < self->cases[i].nsteps; k++) {
            counts[self->cases[i].steps[k].kind]++;
            total++;
        }
    return total;
}

/*  ---------------------------------------------------------------------
    The messages */

static const char *
s_org_name (int partner)
{
    return ketenctl_simgen_partners[partner].org;
}

static uint8_t *
s_encode (kb_envelope_t *env, const char *message_id, int64_t sent_at_ms, size_t *len)
{
    env->message_id = (char *)message_id;
    env->schema_version = KB_SCHEMA_VERSION;
    env->sent_at_ms = sent_at_ms;
    uint8_t *bytes = kb_codec_encode (env, len);
    env->message_id = NULL;
    return bytes;
}

/* The trajectory id a step is about; NULL when it is not known. */
static const char *
s_trajectory_id (const ketenctl_simgen_refs_t *refs, int trajectory)
{
    if (trajectory == KETENCTL_SIM_TRAJ_PLAN)
        return refs->plan_ref;
    if (trajectory == KETENCTL_SIM_TRAJ_POT)
        return refs->pot_id;
    return "";
}

uint8_t *
ketenctl_simgen_encode (const ketenctl_simgen_case_t *c,
                        const ketenctl_simgen_step_t *st,
                        const ketenctl_simgen_refs_t *refs,
                        const char *id,
                        int64_t sent_at_ms,
                        size_t *len)
{
    const char *plan_ref = refs->plan_ref ? refs->plan_ref : "";
    const char *gezin_ref = refs->gezin_ref ? refs->gezin_ref : "";
    const char *transfer_id = refs->transfer_id ? refs->transfer_id : "";
    if (!refs->case_ref ||
        ((st->kind == KETENCTL_SIM_PLAN || st->kind == KETENCTL_SIM_TRANSFER_REQUEST ||
          st->kind == KETENCTL_SIM_TRANSFER_RESPONSE) &&
         !*plan_ref))
        return NULL;
    const ketenctl_simgen_person_t *who = &c->persons[st->person];
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    char ref[64], item[80];
    snprintf (ref,
              sizeof ref,
              "%s%s",
              refs->case_ref,
              st->sender == c->signaller || st->sender == KETENCTL_SIMGEN_REGISSEUR ? "" : "-2");
    switch (st->kind) {
        case KETENCTL_SIM_SIGNAL: {
            Ketenbus__V1__CaseSignal sig = KETENBUS__V1__CASE_SIGNAL__INIT;
            Ketenbus__V1__Person subject = KETENBUS__V1__PERSON__INIT;
            Ketenbus__V1__Person members[KETENCTL_SIMGEN_MAX_PERSONS];
            Ketenbus__V1__Person *household[KETENCTL_SIMGEN_MAX_PERSONS];
            Ketenbus__V1__Category cats[KETENCTL_SIMGEN_MAX_CATEGORIES];
            subject.bsn = (char *)c->persons[c->subject].bsn;
            subject.birth_date = (char *)c->persons[c->subject].birth_date;
            size_t n = 0;
            for (int i = 0; i < c->npersons; i++) {
                if (i == c->subject)
                    continue;
                ketenbus__v1__person__init (&members[n]);
                members[n].bsn = (char *)c->persons[i].bsn;
                members[n].birth_date = (char *)c->persons[i].birth_date;
                members[n].role = (Ketenbus__V1__HouseholdRole)c->persons[i].role;
                household[n] = &members[n];
                n++;
            }
            for (int i = 0; i < c->ncategories; i++)
                cats[i] = (Ketenbus__V1__Category)c->categories[i];
            sig.partner_case_ref = ref;
            sig.subject = &subject;
            sig.household = household;
            sig.n_household = n;
            sig.categories = cats;
            sig.n_categories = (size_t)c->ncategories;
            sig.urgency = (Ketenbus__V1__Urgency)c->urgency;
            sig.gemeente_code = (char *)c->gemeente;
            sig.postcode = (char *)c->postcode;
            sig.gebied = (char *)c->gebied;
            sig.housing = (Ketenbus__V1__HousingSituation)c->housing;
            sig.signal_date = (char *)st->date;
            sig.contact_name = (char *)"casemanager (simulatie)";
            sig.contact_phone = (char *)"0492-000000";
            env.body_case = KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL;
            env.case_signal = &sig;
            return s_encode (&env, id, sent_at_ms, len);
        }
        case KETENCTL_SIM_PLAN: {
            Ketenbus__V1__PlanRegistered p = KETENBUS__V1__PLAN_REGISTERED__INIT;
            Ketenbus__V1__Category cats[KETENCTL_SIMGEN_MAX_CATEGORIES];
            for (int i = 0; i < c->ncategories; i++)
                cats[i] = (Ketenbus__V1__Category)c->categories[i];
            int32_t days = 0;
            char eval[11];
            kb_validate_date (st->date, &days);
            ketenctl_simgen_date (days + 90, eval);
            p.plan_ref = (char *)plan_ref;
            p.gezin_ref = (char *)gezin_ref;
            p.plan_version = 1;
            p.plan_date = (char *)st->date;
            p.next_evaluation_date = eval;
            p.categories = cats;
            p.n_categories = (size_t)c->ncategories;
            p.casemanager_name = (char *)"casemanager (simulatie)";
            env.body_case = KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED;
            env.plan_registered = &p;
            return s_encode (&env, id, sent_at_ms, len);
        }
        case KETENCTL_SIM_TRAJECTORY: {
            Ketenbus__V1__TrajectoryUpdate u = KETENBUS__V1__TRAJECTORY_UPDATE__INIT;
            snprintf (item, sizeof item, "%s-zj", refs->case_ref);
            u.trajectory_id = st->trajectory == KETENCTL_SIM_TRAJ_ROUTE
                                ? item
                                : (char *)s_trajectory_id (refs, st->trajectory);
            if (!u.trajectory_id || !*u.trajectory_id)
                return NULL;
            if (st->trajectory == KETENCTL_SIM_TRAJ_PLAN) {
                u.trajectory_type = KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_GEZINSPLAN;
                u.gezin_ref = (char *)gezin_ref;
                u.plan_ref = (char *)plan_ref;
            } else if (st->trajectory == KETENCTL_SIM_TRAJ_ROUTE) {
                u.trajectory_type = KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_ZWERFJONGERE;
                u.bsn = (char *)who->bsn;
            } else {
                u.trajectory_type = KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_POT;
                u.bsn = (char *)who->bsn;
            }
            u.partner_case_ref = ref;
            u.state = (Ketenbus__V1__TrajectoryState)st->state;
            u.outcome = (Ketenbus__V1__TrajectoryOutcome)st->outcome;
            u.early_end_reason = (Ketenbus__V1__EarlyEndReason)st->early_end_reason;
            u.state_date = (char *)st->date;
            env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
            env.trajectory_update = &u;
            return s_encode (&env, id, sent_at_ms, len);
        }
        case KETENCTL_SIM_TRANSFER_REQUEST: {
            Ketenbus__V1__RegieTransferRequest q = KETENBUS__V1__REGIE_TRANSFER_REQUEST__INIT;
            q.transfer_id = (char *)transfer_id;
            q.plan_ref = (char *)plan_ref;
            q.gezin_ref = (char *)gezin_ref;
            q.partner_case_ref = ref;
            q.to_org = (char *)s_org_name (st->transfer_to);
            q.reason = (Ketenbus__V1__RegieTransferReason)st->transfer_reason;
            env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
            env.regie_transfer_request = &q;
            return s_encode (&env, id, sent_at_ms, len);
        }
        case KETENCTL_SIM_TRANSFER_RESPONSE: {
            Ketenbus__V1__RegieTransferResponse a = KETENBUS__V1__REGIE_TRANSFER_RESPONSE__INIT;
            a.transfer_id = (char *)transfer_id;
            a.plan_ref = (char *)plan_ref;
            a.gezin_ref = (char *)gezin_ref;
            a.decision = (Ketenbus__V1__TransferDecision)st->decision;
            a.reject_reason = (Ketenbus__V1__TransferRejectReason)st->reject_reason;
            if (st->decision == KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED)
                a.casemanager_name = (char *)"casemanager (simulatie)";
            env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE;
            env.regie_transfer_response = &a;
            return s_encode (&env, id, sent_at_ms, len);
        }
        case KETENCTL_SIM_SHELTER: {
            Ketenbus__V1__ShelterEpisode e = KETENBUS__V1__SHELTER_EPISODE__INIT;
            snprintf (item, sizeof item, "%s-ep%d", refs->case_ref, st->episode);
            e.episode_id = item;
            e.shelter_type = (Ketenbus__V1__ShelterType)st->shelter_type;
            e.event = (Ketenbus__V1__ShelterEvent)st->shelter_event;
            e.partner_case_ref = item;
            e.bsn = (char *)who->bsn;
            if (st->trajectory == KETENCTL_SIM_TRAJ_POT && refs->pot_id)
                e.trajectory_id = (char *)refs->pot_id;
            e.gemeente_code = (char *)c->gemeente;
            if (st->shelter_event == KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT) {
                e.instroom_date = (char *)st->date2;
                e.uitstroom_date = (char *)st->date;
                e.destination = (Ketenbus__V1__ShelterDestination)st->destination;
            } else
                e.instroom_date = (char *)st->date;
            e.accompanying_children = (uint32_t)st->children;
            env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE;
            env.shelter_episode = &e;
            return s_encode (&env, id, sent_at_ms, len);
        }
        case KETENCTL_SIM_ASSESSMENT: {
            Ketenbus__V1__SelfSufficiencyAssessment a =
              KETENBUS__V1__SELF_SUFFICIENCY_ASSESSMENT__INIT;
            Ketenbus__V1__DomainScore scores[KETENCTL_SIMGEN_DOMAINS];
            Ketenbus__V1__DomainScore *ptrs[KETENCTL_SIMGEN_DOMAINS];
            size_t n = 0;
            for (int d = 1; d <= KETENCTL_SIMGEN_DOMAINS; d++)
                if (st->scores[d]) {
                    ketenbus__v1__domain_score__init (&scores[n]);
                    scores[n].domain = (Ketenbus__V1__LifeDomain)d;
                    scores[n].score = (uint32_t)st->scores[d];
                    ptrs[n] = &scores[n];
                    n++;
                }
            snprintf (item, sizeof item, "%s-za%d", refs->case_ref, st->assessment);
            a.assessment_id = item;
            const char *tid = s_trajectory_id (refs, st->trajectory);
            a.trajectory_id = (char *)(tid ? tid : "");
            a.partner_case_ref = ref;
            a.bsn = (char *)who->bsn;
            a.moment = (Ketenbus__V1__AssessmentMoment)st->moment;
            a.assessment_date = (char *)st->date;
            a.scores = ptrs;
            a.n_scores = n;
            env.body_case = KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT;
            env.self_sufficiency_assessment = &a;
            return s_encode (&env, id, sent_at_ms, len);
        }
        case KETENCTL_SIM_CARE: {
            Ketenbus__V1__CareAssignment a = KETENBUS__V1__CARE_ASSIGNMENT__INIT;
            snprintf (item, sizeof item, "%s-tw%d", refs->case_ref, st->toewijzing);
            a.toewijzing_id = item;
            a.action = (Ketenbus__V1__CareAction)st->care_action;
            a.bsn = (char *)who->bsn;
            a.gemeente_code = (char *)c->gemeente;
            a.provider_org = (char *)s_org_name (st->provider);
            if (st->care_action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN) {
                a.gebied = (char *)c->gebied;
                a.wet = (Ketenbus__V1__Wet)st->wet;
                a.product_category = (char *)st->product_category;
                a.pyramid_level = (Ketenbus__V1__PyramidLevel)st->pyramid;
                a.volume = st->volume;
                a.unit = (Ketenbus__V1__VolumeUnit)st->unit;
                a.frequency = (Ketenbus__V1__VolumeFrequency)st->frequency;
                a.budget_cents = st->budget_cents;
                a.start_date = (char *)st->date;
                a.end_date = (char *)st->date2;
            } else if (st->care_action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_START)
                a.start_date = (char *)st->date;
            else {
                a.end_date = (char *)st->date;
                a.stop_reason = (Ketenbus__V1__CareStopReason)st->stop_reason;
            }
            env.body_case = KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT;
            env.care_assignment = &a;
            return s_encode (&env, id, sent_at_ms, len);
        }
        case KETENCTL_SIM_SATISFACTION: {
            Ketenbus__V1__SatisfactionMeasurement m = KETENBUS__V1__SATISFACTION_MEASUREMENT__INIT;
            char tw[80];
            snprintf (item, sizeof item, "%s-cev%d", refs->case_ref, st->toewijzing);
            snprintf (tw, sizeof tw, "%s-tw%d", refs->case_ref, st->toewijzing);
            m.measurement_id = item;
            if (!st->anonymous)
                m.bsn = (char *)who->bsn;
            m.gemeente_code = (char *)c->gemeente;
            m.gebied = (char *)c->gebied;
            m.wet = (Ketenbus__V1__Wet)st->wet;
            m.toewijzing_id = tw;
            m.score = (uint32_t)st->score;
            m.measured_date = (char *)st->date;
            env.body_case = KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT;
            env.satisfaction_measurement = &m;
            return s_encode (&env, id, sent_at_ms, len);
        }
        default:
            return NULL;
    }
}
