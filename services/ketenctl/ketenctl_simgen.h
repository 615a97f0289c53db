/*  ketenctl_simgen - the pure part of "ketenctl simulate": a fictional Peel
    region (gemeenten, gebieden, the demo partners) and, from a seed, a
    year (or N months) of cases with every message the partners send about
    them, in an order the backbone accepts. No I/O, no clock: today is
    given. The same configuration gives the same cases, persons (BSNs
    passing the elfproef), dates and codes every time.

    A case is a gezin, a person or a household that one partner signals
    about; its steps are the messages that follow, in the order they must
    be sent (dates never decrease along a step chain and never lie after
    today). Steps sent by "the regisseur" name KETENCTL_SIMGEN_REGISSEUR:
    who that is, and the plan's reference, the caller learns from the
    RegieAssignment in the signaller's mailbox. After an accepted regie
    transfer the gezinsplan goes on under the new regisseur (zorgtoewijzing
    tells client-tracking, which refuses updates from anyone else): its
    later steps are marked after_transfer and wait for the RegieAssignment
    with basis TRANSFER; see ketenctl_simgen_sender. */
#ifndef KETENCTL_SIMGEN_H_INCLUDED
#define KETENCTL_SIMGEN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KETENCTL_SIMGEN_MAX_PERSONS 7
#define KETENCTL_SIMGEN_MAX_STEPS 32
#define KETENCTL_SIMGEN_MAX_CATEGORIES 4
#define KETENCTL_SIMGEN_REGISSEUR (-1) /* step sender: the plan's regisseur */
#define KETENCTL_SIMGEN_DOMAINS 8      /* LifeDomain 1..8 */

/* One demo partner (as deploy/dev/demo.sh registers it). */
typedef struct
{
    const char *org, *type, *gebied, *gemeente;
} ketenctl_simgen_partner_t;

/* The demo partners, ended by an entry with org NULL. */
extern const ketenctl_simgen_partner_t ketenctl_simgen_partners[];
size_t ketenctl_simgen_partner_count (void);
/* Index of org in the table, -1 when it is not a demo partner. */
int ketenctl_simgen_partner_find (const char *org);
/* The region's CBS gemeente codes, comma separated (intake's region/gemeenten). */
const char *ketenctl_simgen_region_codes (void);

/* What a step sends. */
typedef enum
{
    KETENCTL_SIM_SIGNAL = 0,       /* CaseSignal */
    KETENCTL_SIM_PLAN,             /* PlanRegistered, version 1 */
    KETENCTL_SIM_TRAJECTORY,       /* TrajectoryUpdate */
    KETENCTL_SIM_TRANSFER_REQUEST, /* RegieTransferRequest */
    KETENCTL_SIM_TRANSFER_RESPONSE,
    KETENCTL_SIM_SHELTER,      /* ShelterEpisode IN or OUT */
    KETENCTL_SIM_ASSESSMENT,   /* SelfSufficiencyAssessment */
    KETENCTL_SIM_CARE,         /* CareAssignment ASSIGN, START, STOP */
    KETENCTL_SIM_SATISFACTION, /* SatisfactionMeasurement */
    KETENCTL_SIM_KINDS
} ketenctl_sim_kind_t;

/* The body name of a kind ("case_signal", ...). */
const char *ketenctl_simgen_kind_name (int kind);

/* Kinds of case. */
typedef enum
{
    KETENCTL_SIM_CASE_GEZIN = 0,  /* a gezin with minors: CJG */
    KETENCTL_SIM_CASE_VOLWASSENE, /* adults, money/work/loneliness: wijkteam */
    KETENCTL_SIM_CASE_DAKLOOS,    /* homeless person: GGD Vangnet + POT, maatschappelijke opvang */
    KETENCTL_SIM_CASE_ZWERFJONGERE, /* 16..22, homeless: GGD Vangnet + POT, zwerfjongerenopvang */
    KETENCTL_SIM_CASE_HUISELIJK_GEWELD, /* acute: Veilig Thuis, vrouwenopvang */
    KETENCTL_SIM_CASE_OVERLAST,         /* multi-problem overlast: Veiligheidshuis */
    KETENCTL_SIM_CASE_OGGZ,             /* psychiatry, housed: GGD Vangnet */
    KETENCTL_SIM_CASE_KINDS
} ketenctl_sim_case_kind_t;

const char *ketenctl_simgen_case_name (int kind);

/* Which trajectory a TrajectoryUpdate or assessment is about. */
#define KETENCTL_SIM_TRAJ_PLAN 1 /* the gezinsplan: trajectory id = plan_ref */
#define KETENCTL_SIM_TRAJ_POT 2  /* the POT zorgtoewijzing opened for the homeless subject */
/* the zwerfjongere route the zwerfjongerenopvang opens and runs itself:
   trajectory id = the case ref + "-zj" */
#define KETENCTL_SIM_TRAJ_ROUTE 3

typedef struct
{
    char bsn[10];
    char birth_date[11];
    int role; /* HouseholdRole; the subject has its role too */
} ketenctl_simgen_person_t;

typedef struct
{
    int kind;        /* ketenctl_sim_kind_t */
    int sender;      /* partner index or KETENCTL_SIMGEN_REGISSEUR */
    bool after_zorg; /* needs an effect of zorgtoewijzing in client-tracking first (wait longer) */
    bool needs_transfer; /* only when the case's transfer request was sent */
    bool after_transfer; /* follows an accepted transfer: sent by the new regisseur,
                            once the RegieAssignment (basis TRANSFER) named it */
    char date[11];       /* the business date: signal, plan, state, instroom or
                            uitstroom, assessment, start (ASSIGN, START), end (STOP), measured */
    char date2[11];      /* OUT: the instroom date; ASSIGN: the planned end */
    int person;          /* index into the case's persons */
    /* trajectory */
    int trajectory, state, outcome, early_end_reason;
    /* shelter */
    int episode, shelter_type, shelter_event, destination, children;
    /* assessment */
    int assessment, moment;
    int scores[KETENCTL_SIMGEN_DOMAINS + 1]; /* [domain] 1..5, 0 not assessed */
    /* care */
    int toewijzing, care_action, wet, pyramid, unit, frequency, stop_reason, provider;
    int assigner; /* the gemeente partner that assigned it */
    unsigned volume;
    long long budget_cents;
    char product_category[3];
    /* transfer */
    int transfer_to, transfer_reason, decision, reject_reason;
    /* satisfaction */
    int score;
    bool anonymous;
} ketenctl_simgen_step_t;

typedef struct
{
    int kind;   /* ketenctl_sim_case_kind_t */
    int number; /* 1.. in signal-date order */
    const char *gemeente, *gebied;
    char postcode[8]; /* "" for the homeless */
    int npersons;
    ketenctl_simgen_person_t persons[KETENCTL_SIMGEN_MAX_PERSONS];
    int subject; /* index of the person signalled about */
    int categories[KETENCTL_SIMGEN_MAX_CATEGORIES];
    int ncategories;
    int urgency, housing;
    int signaller; /* partner index */
    bool pot;      /* zorgtoewijzing opens a POT for the subject */
    int nsteps;
    ketenctl_simgen_step_t steps[KETENCTL_SIMGEN_MAX_STEPS];
} ketenctl_simgen_case_t;

/* The partner the shipped regisseur rules (deploy/config/regie-rules.conf)
   pick for the case; the simulator itself always takes the regisseur from
   the RegieAssignment. */
int ketenctl_simgen_expected_regisseur (const ketenctl_simgen_case_t *c);

/* Who sends step: its own sender, or for a KETENCTL_SIMGEN_REGISSEUR step
   the regisseur as client-tracking knows it. first_regisseur is the one
   the first RegieAssignment named; transfer_regisseur the one a later
   RegieAssignment (an accepted transfer, the ketencoordinator's decision)
   named, -1 while there is none. A POT's regisseur is the one it was
   opened with (zorgtoewijzing moves only the gezinsplan's trajectory), so
   the POT's updates and assessments stay with first_regisseur; the
   gezinsplan's steps go to transfer_regisseur once there is one. */
int ketenctl_simgen_sender (const ketenctl_simgen_case_t *c,
                            const ketenctl_simgen_step_t *step,
                            int first_regisseur,
                            int transfer_regisseur);

typedef enum
{
    KETENCTL_SIM_SCALE_SMALL = 0, /* 12 cases a month */
    KETENCTL_SIM_SCALE_MEDIUM,    /* 40 */
    KETENCTL_SIM_SCALE_LARGE,     /* 150 */
} ketenctl_sim_scale_t;

typedef struct
{
    uint64_t seed;
    int months;         /* 1..24 */
    int scale;          /* ketenctl_sim_scale_t */
    int32_t today_days; /* days since 1970-01-01 (UTC) */
} ketenctl_simgen_config_t;

/* Parses "small", "medium", "large"; -1 when unknown. */
int ketenctl_simgen_scale_parse (const char *name);

typedef struct _ketenctl_simgen_t ketenctl_simgen_t;

/* Generates the cases; NULL when out of memory or the configuration is
   out of range. */
ketenctl_simgen_t *ketenctl_simgen_new (const ketenctl_simgen_config_t *config);
void ketenctl_simgen_destroy (ketenctl_simgen_t **self_p);
size_t ketenctl_simgen_ncases (const ketenctl_simgen_t *self);
const ketenctl_simgen_case_t *ketenctl_simgen_case (const ketenctl_simgen_t *self, size_t i);
/* Messages per kind over all cases (counts[KETENCTL_SIM_KINDS]); returns the total. */
long ketenctl_simgen_count (const ketenctl_simgen_t *self, long counts[KETENCTL_SIM_KINDS]);

/* What a step's message needs from the run (borrowed; NULL: not known). */
typedef struct
{
    const char *case_ref; /* the signaller's case reference; ids are made from it */
    const char *plan_ref; /* from the RegieAssignment */
    const char *gezin_ref;
    const char *pot_id;      /* the POT's trajectory id */
    const char *transfer_id; /* the case's regie transfer */
} ketenctl_simgen_refs_t;

/* The step's message in an Envelope with message_id (a lower-case UUID)
   and sent_at_ms, encoded (caller frees), as its sender sends it to
   intake: BSNs, not pseudonyms; organisation fields left to intake. NULL
   when out of memory or a reference the step needs is missing. */
uint8_t *ketenctl_simgen_encode (const ketenctl_simgen_case_t *c,
                                 const ketenctl_simgen_step_t *step,
                                 const ketenctl_simgen_refs_t *refs,
                                 const char *message_id,
                                 int64_t sent_at_ms,
                                 size_t *len);

/* "YYYY-MM-DD" of a day number. */
void ketenctl_simgen_date (int32_t days, char out[11]);

#endif
