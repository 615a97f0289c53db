/*  zorg_rules - the regisseur rules: parsed once at start, evaluated per signal.

    A rule is a name, condition lines, a regisseur organisation type, a
    priority and the open_pot flag. A rule matches when every one of its
    condition lines holds; a line holds when any of its values does (for
    not_involved: when none of the listed types is involved). An 'any' line
    holds when any of its KIND:VALUE alternatives holds, which expresses an
    "or" across kinds (housing dakloos or category dakloosheid). */
#include "zorg_rules.h"
#include "ketenbus/v1/ketenbus.pb-c.h"
#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_validate.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZR_MAX_LINE 512           /* characters on one line, without the line end */
#define ZR_MAX_TOKENS 64          /* keyword and values on one line */
#define ZR_MAX_VALUES 32          /* values of one condition */
#define ZR_MAX_CONDITIONS 32      /* condition lines in one rule */
#define ZR_MAX_FILE (1024 * 1024) /* a rules file is small; anything larger is a mistake */
#define ZR_MAX_AGE 150
#define ZR_MAX_PRIORITY 1000

typedef enum
{
    ZR_CATEGORY,           /* one of these categories is in the signal */
    ZR_CATEGORIES_MIN,     /* at least N distinct categories in the signal */
    ZR_URGENCY,            /* urgency at least this (the enum is ordered) */
    ZR_YOUNGEST_AGE_BELOW, /* youngest member's age known and below N */
    ZR_HOUSING,            /* housing situation is one of these */
    ZR_GEBIED,             /* gebied is one of these (ASCII case-insensitive) */
    ZR_INVOLVED,           /* an organisation of one of these types is involved */
    ZR_NOT_INVOLVED        /* no organisation of any of these types is involved */
} zr_kind_t;

typedef struct
{
    zr_kind_t kind;
    int nvalues;
    int values[ZR_MAX_VALUES];  /* enum values, or the number */
    char *names[ZR_MAX_VALUES]; /* gebied names, owned */
} zr_cond_t;

/* One condition line: holds when any alternative holds (a plain line has one) */
typedef struct
{
    int nalts;
    zr_cond_t *alts; /* owned */
} zr_line_t;

typedef struct
{
    char name[48];
    int lineno;   /* of its 'rule' line */
    int org_type; /* 0 until 'regisseur' */
    int priority;
    bool has_priority;
    bool open_pot;
    bool has_open_pot;
    int nlines;
    zr_line_t lines[ZR_MAX_CONDITIONS];
} zr_rule_t;

struct _zorg_rules_t
{
    zr_rule_t *rules;
    size_t nrules;
    size_t capacity;
};

typedef struct
{
    const char *name; /* file name for errors */
    int lineno;
    char *err;
    size_t errlen;
} zr_parser_t;

/* Condition keywords; 'single' ones take exactly one value */
static const struct
{
    const char *keyword;
    zr_kind_t kind;
    bool single;
} s_conditions[] = {
    { "category", ZR_CATEGORY, false }, { "categories_min", ZR_CATEGORIES_MIN, true },
    { "urgency", ZR_URGENCY, true },    { "youngest_age_below", ZR_YOUNGEST_AGE_BELOW, true },
    { "housing", ZR_HOUSING, false },   { "gebied", ZR_GEBIED, false },
    { "involved", ZR_INVOLVED, false }, { "not_involved", ZR_NOT_INVOLVED, false },
};
#define ZR_NCONDITIONS (sizeof s_conditions / sizeof s_conditions[0])

/* How the names of an enum are spelled in the file */
typedef struct
{
    const ProtobufCEnumDescriptor *desc;
    const char *prefix; /* of the proto value names, e.g. "CATEGORY_" */
    const char *what;   /* for errors */
    bool hyphens;       /* canonical spelling uses '-' (organisation types) */
} zr_enum_t;

static const zr_enum_t s_category = { &ketenbus__v1__category__descriptor,
                                      "CATEGORY_",
                                      "category",
                                      false };
static const zr_enum_t s_urgency = { &ketenbus__v1__urgency__descriptor,
                                     "URGENCY_",
                                     "urgency",
                                     false };
static const zr_enum_t s_housing = { &ketenbus__v1__housing_situation__descriptor,
                                     "HOUSING_SITUATION_",
                                     "housing situation",
                                     false };
static const zr_enum_t s_org_type = { &ketenbus__v1__org_type__descriptor,
                                      "ORG_TYPE_",
                                      "organisation type",
                                      true };

static bool
s_fail (zr_parser_t *p, const char *format, ...)
{
    if (p->err && p->errlen > 0) {
        char what[384];
        va_list args;
        va_start (args, format);
        vsnprintf (what, sizeof what, format, args);
        va_end (args);
        snprintf (p->err, p->errlen, "rules file \"%s\" line %d: %s", p->name, p->lineno, what);
    }
    return false;
}

/* Value of a lower-case name ("acuut_onveilig", "ggd-vangnet"); 0 when unknown */
static int
s_enum_value (const zr_enum_t *e, const char *name)
{
    char full[128];
    size_t plen = strlen (e->prefix);
    size_t nlen = strlen (name);
    if (nlen == 0 || plen + nlen >= sizeof full)
        return 0;
    memcpy (full, e->prefix, plen);
    for (size_t i = 0; i < nlen; i++) {
        char c = name[i];
        if (c >= 'a' && c <= 'z')
            full[plen + i] = (char)(c - 'a' + 'A');
        else if ((c >= '0' && c <= '9') || c == '_')
            full[plen + i] = c;
        else if (c == '-')
            full[plen + i] = '_';
        else
            return 0;
    }
    full[plen + nlen] = '\0';
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name (e->desc, full);
    return v ? v->value : 0; /* *_UNSPECIFIED is 0 and so unknown too */
}

/* "a, b, c": the names the file may use for this enum */
static void
s_enum_names (const zr_enum_t *e, char *buf, size_t size)
{
    size_t plen = strlen (e->prefix);
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < e->desc->n_values; i++) {
        const char *name = e->desc->values[i].name;
        if (e->desc->values[i].value == 0 || strncmp (name, e->prefix, plen) != 0)
            continue;
        if (used > 0 && used + 2 < size) {
            buf[used++] = ',';
            buf[used++] = ' ';
        }
        for (const char *c = name + plen; *c && used + 1 < size; c++) {
            char lower = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
            buf[used++] = (e->hyphens && lower == '_') ? '-' : lower;
        }
        buf[used] = '\0';
    }
}

static bool
s_parse_enum (zr_parser_t *p, const zr_enum_t *e, const char *name, int *value)
{
    *value = s_enum_value (e, name);
    if (*value != 0)
        return true;
    char expected[320];
    s_enum_names (e, expected, sizeof expected);
    return s_fail (p, "unknown %s \"%s\" (expected one of: %s)", e->what, name, expected);
}

static bool
s_parse_number (zr_parser_t *p, const char *keyword, const char *text, int min, int max, int *value)
{
    long n = 0;
    size_t len = strlen (text);
    bool ok = len > 0 && len <= 9;
    for (size_t i = 0; ok && i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            ok = false;
        else
            n = n * 10 + (text[i] - '0');
    }
    if (!ok || n < min || n > max)
        return s_fail (
          p, "\"%s\" must be a whole number in %d..%d, not \"%s\"", keyword, min, max, text);
    *value = (int)n;
    return true;
}

static void
s_cond_free (zr_cond_t *c)
{
    for (int i = 0; i < c->nvalues; i++) {
        free (c->names[i]);
        c->names[i] = NULL;
    }
    c->nvalues = 0;
}

static void
s_line_free (zr_line_t *line)
{
    for (int i = 0; i < line->nalts; i++)
        s_cond_free (&line->alts[i]);
    free (line->alts);
    line->alts = NULL;
    line->nalts = 0;
}

/* Parses the values of one condition into *c (zeroed by the caller); on
   failure the caller frees *c with s_cond_free */
static bool
s_cond_parse (zr_parser_t *p, int index, char **values, int nvalues, zr_cond_t *c)
{
    const char *keyword = s_conditions[index].keyword;
    c->kind = s_conditions[index].kind;
    if (nvalues == 0)
        return s_fail (p, "\"%s\" needs at least one value", keyword);
    if (s_conditions[index].single && nvalues != 1)
        return s_fail (p, "\"%s\" takes exactly one value", keyword);
    if (nvalues > ZR_MAX_VALUES)
        return s_fail (p, "\"%s\" has more than %d values", keyword, ZR_MAX_VALUES);
    for (int i = 0; i < nvalues; i++) {
        int *value = &c->values[i];
        bool ok = true;
        switch (c->kind) {
            case ZR_CATEGORY:
                ok = s_parse_enum (p, &s_category, values[i], value);
                break;
            case ZR_CATEGORIES_MIN:
                ok = s_parse_number (p, keyword, values[i], 1, ZORG_RULES_MAX_CATEGORIES, value);
                break;
            case ZR_URGENCY:
                ok = s_parse_enum (p, &s_urgency, values[i], value);
                break;
            case ZR_YOUNGEST_AGE_BELOW:
                ok = s_parse_number (p, keyword, values[i], 1, ZR_MAX_AGE, value);
                break;
            case ZR_HOUSING:
                ok = s_parse_enum (p, &s_housing, values[i], value);
                break;
            case ZR_GEBIED:
                c->names[i] = strdup (values[i]);
                ok = c->names[i] != NULL || s_fail (p, "out of memory");
                break;
            case ZR_INVOLVED:
            case ZR_NOT_INVOLVED:
                ok = s_parse_enum (p, &s_org_type, values[i], value);
                break;
        }
        c->nvalues = i + 1; /* so that s_cond_free releases what was allocated */
        if (!ok)
            return false;
    }
    return true;
}

static int
s_condition_index (const char *keyword)
{
    for (size_t i = 0; i < ZR_NCONDITIONS; i++)
        if (strcmp (s_conditions[i].keyword, keyword) == 0)
            return (int)i;
    return -1;
}

/* A condition line: "category a b" or "any housing:dakloos category:zwerfjongere" */
static bool
s_line_parse (zr_parser_t *p, char **tokens, int ntokens, zr_line_t *line)
{
    const bool any = strcmp (tokens[0], "any") == 0;
    int nalts = any ? ntokens - 1 : 1;
    if (nalts == 0)
        return s_fail (p, "\"any\" needs at least one KIND:VALUE alternative");
    line->alts = calloc ((size_t)nalts, sizeof (zr_cond_t));
    if (!line->alts)
        return s_fail (p, "out of memory");
    if (!any) {
        line->nalts = 1;
        return s_cond_parse (
          p, s_condition_index (tokens[0]), tokens + 1, ntokens - 1, &line->alts[0]);
    }
    for (int i = 0; i < nalts; i++) {
        char *alt = tokens[1 + i];
        char *colon = strchr (alt, ':');
        if (!colon)
            return s_fail (p, "\"any\" alternative \"%s\" is not KIND:VALUE", alt);
        *colon = '\0';
        char *value = colon + 1;
        int index = s_condition_index (alt);
        if (index < 0)
            return s_fail (p,
                           "\"any\" alternative \"%s:%s\" names no condition (expected "
                           "category, categories_min, urgency, youngest_age_below, housing, "
                           "gebied, involved or not_involved)",
                           alt,
                           value);
        line->nalts = i + 1;
        if (!s_cond_parse (p, index, &value, 1, &line->alts[i]))
            return false;
    }
    return true;
}

/* Checks a rule once all its lines are read */
static bool
s_rule_finish (zr_parser_t *p, const zr_rule_t *rule)
{
    if (rule->org_type != 0)
        return true;
    p->lineno = rule->lineno;
    return s_fail (p, "rule \"%s\" has no regisseur", rule->name);
}

static bool
s_rule_begin (zr_parser_t *p, zorg_rules_t *self, char **tokens, int ntokens)
{
    if (ntokens != 2)
        return s_fail (p, "\"rule\" needs exactly one name");
    const char *name = tokens[1];
    size_t len = strlen (name);
    bool valid = len > 0 && len < sizeof self->rules[0].name;
    for (size_t i = 0; valid && i < len; i++) {
        char c = name[i];
        valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-';
    }
    if (!valid)
        return s_fail (p,
                       "invalid rule name \"%s\" (letters, digits, '_' and '-', at most %zu "
                       "characters)",
                       name,
                       sizeof self->rules[0].name - 1);
    if (self->nrules > 0) {
        const zr_rule_t *prev = &self->rules[self->nrules - 1];
        int lineno = p->lineno;
        if (!s_rule_finish (p, prev))
            return false;
        p->lineno = lineno;
        if (prev->nlines == 0)
            return s_fail (p,
                           "rule \"%s\" can never match: rule \"%s\" on line %d matches everything",
                           name,
                           prev->name,
                           prev->lineno);
    }
    for (size_t i = 0; i < self->nrules; i++)
        if (strcmp (self->rules[i].name, name) == 0)
            return s_fail (p,
                           "duplicate rule name \"%s\" (first defined on line %d)",
                           name,
                           self->rules[i].lineno);
    if (self->nrules == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 8;
        zr_rule_t *rules = realloc (self->rules, capacity * sizeof *rules);
        if (!rules)
            return s_fail (p, "out of memory");
        self->rules = rules;
        self->capacity = capacity;
    }
    zr_rule_t *rule = &self->rules[self->nrules++];
    memset (rule, 0, sizeof *rule);
    memcpy (rule->name, name, len + 1);
    rule->lineno = p->lineno;
    return true;
}

/* Splits buf in place into tokens: blanks separate, '#' starts a comment,
   "double quotes" keep blanks and '#' inside a token and are removed */
static bool
s_tokenize (zr_parser_t *p, char *buf, char **tokens, int *ntokens)
{
    char *r = buf;
    *ntokens = 0;
    for (;;) {
        while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\f' || *r == '\v')
            r++;
        if (*r == '\0' || *r == '#')
            return true;
        if (*ntokens == ZR_MAX_TOKENS)
            return s_fail (p, "more than %d words on one line", ZR_MAX_TOKENS);
        char *w = r;
        tokens[(*ntokens)++] = w;
        while (*r && *r != ' ' && *r != '\t' && *r != '\r' && *r != '\f' && *r != '\v' &&
               *r != '#') {
            if (*r == '"') {
                r++;
                while (*r && *r != '"')
                    *w++ = *r++;
                if (*r != '"')
                    return s_fail (p, "unterminated quoted value");
                r++;
            } else
                *w++ = *r++;
        }
        char end = *r; /* w may point at it: read it before terminating the token */
        *w = '\0';
        if (end == '\0' || end == '#')
            return true;
        r++;
    }
}

static bool
s_line (zr_parser_t *p, zorg_rules_t *self, char *buf)
{
    char *tokens[ZR_MAX_TOKENS];
    int ntokens;
    if (!s_tokenize (p, buf, tokens, &ntokens))
        return false;
    if (ntokens == 0)
        return true;
    const char *keyword = tokens[0];
    if (strcmp (keyword, "rule") == 0)
        return s_rule_begin (p, self, tokens, ntokens);

    const bool setting = strcmp (keyword, "regisseur") == 0 || strcmp (keyword, "priority") == 0 ||
                         strcmp (keyword, "open_pot") == 0;
    const bool condition = strcmp (keyword, "any") == 0 || s_condition_index (keyword) >= 0;
    if (!setting && !condition)
        return s_fail (p, "unknown keyword \"%s\"", keyword);
    if (self->nrules == 0)
        return s_fail (p, "\"%s\" before any \"rule\" line", keyword);
    zr_rule_t *rule = &self->rules[self->nrules - 1];

    if (strcmp (keyword, "regisseur") == 0) {
        if (rule->org_type != 0)
            return s_fail (p, "duplicate \"regisseur\" in rule \"%s\"", rule->name);
        if (ntokens != 2)
            return s_fail (p, "\"regisseur\" takes exactly one organisation type");
        if (!s_parse_enum (p, &s_org_type, tokens[1], &rule->org_type))
            return false;
        /* a gemeente, a zorgaanbieder or the ketencoordinator never holds
           regie: such a plan could never be registered or handed over */
        if (!kb_org_type_is_care_partner (rule->org_type))
            return s_fail (p, "\"regisseur %s\": that organisation type cannot hold regie",
                           tokens[1]);
        return true;
    }
    if (strcmp (keyword, "priority") == 0) {
        if (rule->has_priority)
            return s_fail (p, "duplicate \"priority\" in rule \"%s\"", rule->name);
        if (ntokens != 2)
            return s_fail (p, "\"priority\" takes exactly one value");
        rule->has_priority = true;
        return s_parse_number (p, keyword, tokens[1], 0, ZR_MAX_PRIORITY, &rule->priority);
    }
    if (strcmp (keyword, "open_pot") == 0) {
        if (rule->has_open_pot)
            return s_fail (p, "duplicate \"open_pot\" in rule \"%s\"", rule->name);
        if (ntokens != 2 || (strcmp (tokens[1], "yes") != 0 && strcmp (tokens[1], "no") != 0))
            return s_fail (p, "\"open_pot\" must be \"yes\" or \"no\"");
        rule->has_open_pot = true;
        rule->open_pot = strcmp (tokens[1], "yes") == 0;
        return true;
    }
    if (rule->nlines == ZR_MAX_CONDITIONS)
        return s_fail (
          p, "rule \"%s\" has more than %d condition lines", rule->name, ZR_MAX_CONDITIONS);
    zr_line_t line = { 0, NULL };
    if (!s_line_parse (p, tokens, ntokens, &line)) {
        s_line_free (&line);
        return false;
    }
    rule->lines[rule->nlines++] = line;
    return true;
}

zorg_rules_t *
zorg_rules_parse (const char *text, const char *name_for_errors, char *err, size_t errlen)
{
    assert (text);
    zr_parser_t parser = { name_for_errors ? name_for_errors : "(string)", 0, err, errlen };
    zr_parser_t *p = &parser;
    if (err && errlen > 0)
        err[0] = '\0';
    zorg_rules_t *self = calloc (1, sizeof *self);
    if (!self) {
        s_fail (p, "out of memory");
        return NULL;
    }
    bool ok = true;
    const char *s = text;
    if (strncmp (s, "\xef\xbb\xbf", 3) == 0)
        s += 3; /* a UTF-8 byte order mark, as some editors write */
    while (ok && *s) {
        const char *nl = strchr (s, '\n');
        const char *next = nl ? nl + 1 : s + strlen (s);
        size_t len = (size_t)(next - s) - (nl ? 1 : 0);
        if (len > 0 && s[len - 1] == '\r')
            len--;
        p->lineno++;
        if (len > ZR_MAX_LINE)
            ok = s_fail (p, "line too long (more than %d characters)", ZR_MAX_LINE);
        else {
            char buf[ZR_MAX_LINE + 1];
            memcpy (buf, s, len);
            buf[len] = '\0';
            ok = s_line (p, self, buf);
        }
        s = next;
    }
    if (ok && self->nrules == 0) {
        if (p->lineno == 0)
            p->lineno = 1;
        ok = s_fail (p, "no rules (the last rule must be a catch-all)");
    }
    if (ok)
        ok = s_rule_finish (p, &self->rules[self->nrules - 1]);
    if (ok && self->rules[self->nrules - 1].nlines > 0) {
        const zr_rule_t *last = &self->rules[self->nrules - 1];
        p->lineno = last->lineno;
        ok = s_fail (p,
                     "last rule \"%s\" has conditions: the last rule must match everything (a "
                     "catch-all rule without conditions)",
                     last->name);
    }
    if (!ok)
        zorg_rules_destroy (&self);
    return self;
}

zorg_rules_t *
zorg_rules_load (const char *path, char *err, size_t errlen)
{
    assert (path);
    zorg_rules_t *self = NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *file = fopen (path, "rb");
    if (!file) {
        if (err && errlen > 0)
            snprintf (err, errlen, "could not open rules file \"%s\": %s", path, strerror (errno));
        goto done;
    }
    size_t capacity = 4096;
    text = malloc (capacity);
    while (text) {
        size += fread (text + size, 1, capacity - 1 - size, file);
        if (size < capacity - 1 || capacity > ZR_MAX_FILE)
            break;
        char *grown = realloc (text, capacity * 2);
        if (!grown) {
            free (text);
            text = NULL;
        } else {
            text = grown;
            capacity *= 2;
        }
    }
    if (!text) {
        if (err && errlen > 0)
            snprintf (err, errlen, "could not read rules file \"%s\": out of memory", path);
        goto done;
    }
    if (ferror (file)) {
        if (err && errlen > 0)
            snprintf (err, errlen, "could not read rules file \"%s\": %s", path, strerror (errno));
        goto done;
    }
    if (size > ZR_MAX_FILE) {
        if (err && errlen > 0)
            snprintf (err, errlen, "rules file \"%s\" is larger than %d bytes", path, ZR_MAX_FILE);
        goto done;
    }
    text[size] = '\0';
    const char *nul = memchr (text, '\0', size);
    if (nul) {
        int lineno = 1;
        for (const char *c = text; c < nul; c++)
            lineno += *c == '\n';
        if (err && errlen > 0)
            snprintf (err, errlen, "rules file \"%s\" line %d: contains a NUL byte", path, lineno);
        goto done;
    }
    self = zorg_rules_parse (text, path, err, errlen);
done:
    free (text);
    if (file)
        fclose (file);
    return self;
}

void
zorg_rules_destroy (zorg_rules_t **self_p)
{
    assert (self_p);
    zorg_rules_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->nrules; i++)
        for (int j = 0; j < self->rules[i].nlines; j++)
            s_line_free (&self->rules[i].lines[j]);
    free (self->rules);
    free (self);
    *self_p = NULL;
}

static bool
s_involved (const zorg_facts_t *facts, int ninvolved, const zr_cond_t *c)
{
    for (int i = 0; i < c->nvalues; i++)
        for (int j = 0; j < ninvolved; j++)
            if (facts->involved_org_types[j] == c->values[i])
                return true;
    return false;
}

static int
s_clamp (int n, int max)
{
    return n < 0 ? 0 : n > max ? max : n;
}

static bool
s_cond_holds (const zr_cond_t *c, const zorg_facts_t *facts)
{
    const int ncategories = s_clamp (facts->ncategories, ZORG_RULES_MAX_CATEGORIES);
    const int ninvolved = s_clamp (facts->ninvolved, ZORG_RULES_MAX_INVOLVED);
    switch (c->kind) {
        case ZR_CATEGORY:
            for (int i = 0; i < c->nvalues; i++)
                for (int j = 0; j < ncategories; j++)
                    if (facts->categories[j] == c->values[i])
                        return true;
            return false;
        case ZR_CATEGORIES_MIN: {
            int distinct = 0;
            for (int j = 0; j < ncategories; j++) {
                bool seen = facts->categories[j] == 0; /* unspecified does not count */
                for (int k = 0; !seen && k < j; k++)
                    seen = facts->categories[k] == facts->categories[j];
                distinct += !seen;
            }
            return distinct >= c->values[0];
        }
        case ZR_URGENCY:
            return facts->urgency >= c->values[0];
        case ZR_YOUNGEST_AGE_BELOW:
            return facts->youngest_age >= 0 && facts->youngest_age < c->values[0];
        case ZR_HOUSING:
            for (int i = 0; i < c->nvalues; i++)
                if (facts->housing == c->values[i])
                    return true;
            return false;
        case ZR_GEBIED: {
            const char *gebied = facts->gebied ? facts->gebied : "";
            for (int i = 0; i < c->nvalues; i++)
                if (strcasecmp (c->names[i], gebied) == 0)
                    return true;
            return false;
        }
        case ZR_INVOLVED:
            return s_involved (facts, ninvolved, c);
        case ZR_NOT_INVOLVED:
            return !s_involved (facts, ninvolved, c);
    }
    return false;
}

static bool
s_rule_matches (const zr_rule_t *rule, const zorg_facts_t *facts)
{
    for (int i = 0; i < rule->nlines; i++) {
        const zr_line_t *line = &rule->lines[i];
        bool holds = false;
        for (int j = 0; !holds && j < line->nalts; j++)
            holds = s_cond_holds (&line->alts[j], facts);
        if (!holds)
            return false;
    }
    return true;
}

void
zorg_rules_decide (const zorg_rules_t *self, const zorg_facts_t *facts, zorg_decision_t *out)
{
    assert (self && self->nrules > 0);
    assert (facts);
    assert (out);
    /* the last rule has no conditions, so the loop always ends on a match */
    const zr_rule_t *rule = &self->rules[self->nrules - 1];
    for (size_t i = 0; i < self->nrules; i++)
        if (s_rule_matches (&self->rules[i], facts)) {
            rule = &self->rules[i];
            break;
        }
    memset (out, 0, sizeof *out);
    snprintf (out->rule_name, sizeof out->rule_name, "%s", rule->name);
    out->org_type = rule->org_type;
    out->priority = rule->priority;
    out->open_pot = rule->open_pot;
}

int
zorg_rules_priority (const zorg_rules_t *self, int org_type)
{
    assert (self);
    int priority = 0;
    for (size_t i = 0; i < self->nrules; i++)
        if (self->rules[i].org_type == org_type && self->rules[i].priority > priority)
            priority = self->rules[i].priority;
    return priority;
}

size_t
zorg_rules_count (const zorg_rules_t *self)
{
    assert (self);
    return self->nrules;
}

int
zorg_rules_age_years (const char *birth_date, int y, int m, int d)
{
    int32_t days;
    if (!birth_date || !kb_validate_date (birth_date, &days))
        return -1;
    int by = atoi (birth_date), bm = atoi (birth_date + 5), bd = atoi (birth_date + 8);
    int age = y - by - (m < bm || (m == bm && d < bd) ? 1 : 0);
    return age >= 0 ? age : -1;
}
