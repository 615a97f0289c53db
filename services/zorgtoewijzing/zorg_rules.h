/*  zorg_rules - who holds regie: the region's ordered regisseur rules.

    Pure: apart from zorg_rules_load reading the rules file there is no I/O,
    no global and no database. The rules file is line based ('#' starts a
    comment, blank lines are ignored); every 'rule NAME' line opens a rule and
    the lines after it, up to the next 'rule', belong to it. The rules are
    evaluated in file order and the first rule whose condition lines all hold
    decides; the last rule must have no conditions (a catch-all), so a
    decision is always made. deploy/config/regie-rules.conf documents the
    format and carries the region's default rules.

    Names in the file are the lower-case suffixes of the ketenbus.v1 enums
    (category huiselijk_geweld, urgency acuut_onveilig, housing dakloos) and
    the organisation types cjg, veiligheidshuis, ggd-vangnet,
    maatschappelijke-opvang, vrouwenopvang, wijkteam, veilig-thuis, gemeente,
    zorgaanbieder and ketencoordinator; '-' and '_' are interchangeable. */
#ifndef ZORG_RULES_H_INCLUDED
#define ZORG_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#define ZORG_RULES_MAX_CATEGORIES 8
#define ZORG_RULES_MAX_INVOLVED 16

/* What the rules look at; all borrowed, nothing kept after the call. */
typedef struct
{
    int categories[ZORG_RULES_MAX_CATEGORIES]; /* ketenbus.v1.Category of the signal */
    int ncategories;
    int urgency;        /* ketenbus.v1.Urgency */
    int youngest_age;   /* age in years of the youngest gezin member, -1 unknown */
    int housing;        /* ketenbus.v1.HousingSituation of the subject */
    const char *gebied; /* of the signal, may be "" (NULL is taken as "") */
    int involved_org_types[ZORG_RULES_MAX_INVOLVED]; /* ketenbus.v1.OrgType already involved */
    int ninvolved;                                   /* with the gezin (incl. the sender) */
} zorg_facts_t;

typedef struct
{
    char rule_name[48]; /* the rule that decided */
    int org_type;       /* ketenbus.v1.OrgType that should hold regie */
    int priority;       /* higher wins: used for "hogere regie" */
    bool open_pot;      /* open a Persoonlijk Ontwikkeltraject (every homeless person) */
} zorg_decision_t;

typedef struct _zorg_rules_t zorg_rules_t;

/* Reads and parses the rules file. On error returns NULL and writes to err
   (when errlen > 0) 'rules file "PATH" line N: <what is wrong>', or
   'could not open rules file "PATH": <reason>'. The caller owns the result. */
zorg_rules_t *zorg_rules_load (const char *path, char *err, size_t errlen);
/* Same from a NUL-terminated string; name_for_errors stands for PATH. */
zorg_rules_t *zorg_rules_parse (const char *text,
                                const char *name_for_errors,
                                char *err,
                                size_t errlen);
/* Frees the rules; no-op on NULL; sets *self_p to NULL. */
void zorg_rules_destroy (zorg_rules_t **self_p);
/* Evaluates the rules in order; the first match decides. Always fills *out
   (the last rule is a catch-all). */
void zorg_rules_decide (const zorg_rules_t *self, const zorg_facts_t *facts, zorg_decision_t *out);
/* Regie priority of an organisation type: the highest priority of any rule
   naming that type as regisseur, 0 when none does. */
int zorg_rules_priority (const zorg_rules_t *self, int org_type);
/* Full years between birth_date ("YYYY-MM-DD") and the day y-m-d, as
   PostgreSQL's age() counts them; -1 when birth_date is not a date or
   lies after that day. The fact "youngest_age" is the least of these. */
int zorg_rules_age_years (const char *birth_date, int y, int m, int d);
/* Number of rules. */
size_t zorg_rules_count (const zorg_rules_t *self);

#endif
