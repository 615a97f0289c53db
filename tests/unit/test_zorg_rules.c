/*  test_zorg_rules - unit tests for the regisseur rules

    The module is compiled into this test (one translation unit) until the
    zorgtoewijzing daemon library exists. Parse errors each name their line;
    the region's default rules in deploy/config/regie-rules.conf are loaded
    and every rule exercised; first match wins; priorities; involved,
    not_involved, gebied and 'any' conditions.
*/

#include "zorg_rules.h"
#include "ketenbus/v1/ketenbus.pb-c.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef KB_MIGRATIONS_DIR
#error "KB_MIGRATIONS_DIR (\"<source>/deploy/migrations\") must be defined"
#endif
#define DEFAULT_RULES KB_MIGRATIONS_DIR "/../config/regie-rules.conf"

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

/* Short names for the enum values the tests use */
#define HUISELIJK_GEWELD KETENBUS__V1__CATEGORY__CATEGORY_HUISELIJK_GEWELD
#define KINDERMISHANDELING KETENBUS__V1__CATEGORY__CATEGORY_KINDERMISHANDELING
#define DAKLOOSHEID KETENBUS__V1__CATEGORY__CATEGORY_DAKLOOSHEID
#define OGGZ KETENBUS__V1__CATEGORY__CATEGORY_OGGZ_PSYCHIATRIE
#define VERSLAVING KETENBUS__V1__CATEGORY__CATEGORY_VERSLAVING
#define SCHULDEN KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN
#define OVERLAST KETENBUS__V1__CATEGORY__CATEGORY_OVERLAST_CRIMINALITEIT
#define ZWERFJONGERE KETENBUS__V1__CATEGORY__CATEGORY_ZWERFJONGERE
#define OPVOED KETENBUS__V1__CATEGORY__CATEGORY_OPVOEDPROBLEMATIEK
#define REGULIER KETENBUS__V1__URGENCY__URGENCY_REGULIER
#define VERHOOGD KETENBUS__V1__URGENCY__URGENCY_VERHOOGD
#define ACUUT KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG
#define ZELFSTANDIG KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_ZELFSTANDIG
#define DAKLOOS KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS
#define OPVANG KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_OPVANG
#define ONBEKEND KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_ONBEKEND
#define CJG KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG
#define VEILIGHEIDSHUIS KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIGHEIDSHUIS
#define GGD_VANGNET KETENBUS__V1__ORG_TYPE__ORG_TYPE_GGD_VANGNET
#define MAATSCHAPPELIJKE_OPVANG KETENBUS__V1__ORG_TYPE__ORG_TYPE_MAATSCHAPPELIJKE_OPVANG
#define VROUWENOPVANG KETENBUS__V1__ORG_TYPE__ORG_TYPE_VROUWENOPVANG
#define WIJKTEAM KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM
#define VEILIG_THUIS KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIG_THUIS
#define KETENCOORDINATOR KETENBUS__V1__ORG_TYPE__ORG_TYPE_KETENCOORDINATOR

/* An adult living independently, one regular signal, nobody involved yet */
static zorg_facts_t
s_facts (void)
{
    zorg_facts_t f;
    memset (&f, 0, sizeof f);
    f.categories[0] = SCHULDEN;
    f.ncategories = 1;
    f.urgency = REGULIER;
    f.youngest_age = 40;
    f.housing = ZELFSTANDIG;
    f.gebied = "Binnenstad";
    return f;
}

static void
s_add_category (zorg_facts_t *f, int category)
{
    assert_true (f->ncategories < ZORG_RULES_MAX_CATEGORIES);
    f->categories[f->ncategories++] = category;
}

static void
s_add_involved (zorg_facts_t *f, int org_type)
{
    assert_true (f->ninvolved < ZORG_RULES_MAX_INVOLVED);
    f->involved_org_types[f->ninvolved++] = org_type;
}

static void
s_expect (const zorg_rules_t *rules,
          const zorg_facts_t *facts,
          const char *rule_name,
          int org_type,
          int priority,
          bool open_pot)
{
    zorg_decision_t d;
    memset (&d, 0xA5, sizeof d); /* decide must fill every field */
    zorg_rules_decide (rules, facts, &d);
    assert_string_equal (d.rule_name, rule_name);
    assert_int_equal (d.org_type, org_type);
    assert_int_equal (d.priority, priority);
    assert_int_equal (d.open_pot, open_pot);
}

static zorg_decision_t
s_decide (const zorg_rules_t *rules, const zorg_facts_t *facts)
{
    zorg_decision_t d;
    zorg_rules_decide (rules, facts, &d);
    return d;
}
#define s_decide_name(rules, facts) (s_decide ((rules), (facts)).rule_name)

static zorg_rules_t *
s_parse_ok (const char *text)
{
    char err[512] = "";
    zorg_rules_t *rules = zorg_rules_parse (text, "t.conf", err, sizeof err);
    if (!rules)
        fail_msg ("unexpected parse error: %s", err);
    assert_string_equal (err, "");
    return rules;
}

/* ---------------------------------------------------------------- errors */

typedef struct
{
    const char *text;
    const char *error; /* the message starts with this */
} error_case_t;

#define CATCH_ALL "rule rest\n  regisseur wijkteam\n"

static const error_case_t s_error_cases[] = {
    { "rule a\n  regisseur cjg\n  colour blue\n" CATCH_ALL,
      "rules file \"t.conf\" line 3: unknown keyword \"colour\"" },
    { "# header\n\n  category huiselijk_geweld\n" CATCH_ALL,
      "rules file \"t.conf\" line 3: \"category\" before any \"rule\" line" },
    { "regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 1: \"regisseur\" before any \"rule\" line" },
    { "rule a\n  category huiselijk_geweld brand\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: unknown category \"brand\" (expected one of: "
      "huiselijk_geweld, kindermishandeling, opvoedproblematiek," },
    { "rule a\n  category unspecified\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: unknown category \"unspecified\"" },
    { "rule a\n  category HUISELIJK_GEWELD\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: unknown category \"HUISELIJK_GEWELD\"" },
    { "rule a\n  urgency hoog\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: unknown urgency \"hoog\" (expected one of: regulier, "
      "verhoogd, acuut_onveilig)" },
    { "rule a\n  housing straat\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: unknown housing situation \"straat\"" },
    { "rule a\n  regisseur politie\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: unknown organisation type \"politie\" (expected one of: "
      "cjg, veiligheidshuis, ggd-vangnet, maatschappelijke-opvang, vrouwenopvang, wijkteam, "
      "veilig-thuis, gemeente, zorgaanbieder, ketencoordinator)" },
    { "rule a\n  category schulden\n  regisseur gemeente\n" CATCH_ALL,
      "rules file \"t.conf\" line 3: \"regisseur gemeente\": that organisation type cannot hold"
      " regie" },
    { "rule a\n  involved cjg reclassering\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: unknown organisation type \"reclassering\"" },
    { "rule a\n  not_involved\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: \"not_involved\" needs at least one value" },
    { "rule a\n  category gezondheid\n  regisseur cjg\nrule b\n  category schulden\n"
      "  regisseur cjg\nrule a\n  category verslaving\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 7: duplicate rule name \"a\" (first defined on line 1)" },
    { "rule a\n  category schulden\n  priority 10\nrule b\n  regisseur cjg\n",
      "rules file \"t.conf\" line 1: rule \"a\" has no regisseur" },
    { "rule a\n  category schulden\n  regisseur cjg\n\nrule rest\n  priority 5\n",
      "rules file \"t.conf\" line 5: rule \"rest\" has no regisseur" },
    { "rule a\n  category schulden\n  regisseur cjg\n  priority 1001\n" CATCH_ALL,
      "rules file \"t.conf\" line 4: \"priority\" must be a whole number in 0..1000, not "
      "\"1001\"" },
    { "rule a\n  category schulden\n  regisseur cjg\n  priority -1\n" CATCH_ALL,
      "rules file \"t.conf\" line 4: \"priority\" must be a whole number in 0..1000, not "
      "\"-1\"" },
    { "rule a\n  category schulden\n  regisseur cjg\n  priority hoog\n" CATCH_ALL,
      "rules file \"t.conf\" line 4: \"priority\" must be a whole number in 0..1000" },
    { "rule a\n  category schulden\n  regisseur cjg\n  priority \"\"\n" CATCH_ALL,
      "rules file \"t.conf\" line 4: \"priority\" must be a whole number in 0..1000, not "
      "\"\"" },
    { "rule a\n  category schulden\n  regisseur cjg\n  priority 10\n  priority 20\n" CATCH_ALL,
      "rules file \"t.conf\" line 5: duplicate \"priority\" in rule \"a\"" },
    { "rule a\n  regisseur cjg\n  regisseur wijkteam\n" CATCH_ALL,
      "rules file \"t.conf\" line 3: duplicate \"regisseur\" in rule \"a\"" },
    { "rule a\n  category schulden\n  regisseur cjg wijkteam\n" CATCH_ALL,
      "rules file \"t.conf\" line 3: \"regisseur\" takes exactly one organisation type" },
    { "rule a\n  regisseur cjg\n  open_pot ja\n" CATCH_ALL,
      "rules file \"t.conf\" line 3: \"open_pot\" must be \"yes\" or \"no\"" },
    { "rule a\n  regisseur cjg\n  open_pot yes\n  open_pot no\n" CATCH_ALL,
      "rules file \"t.conf\" line 4: duplicate \"open_pot\" in rule \"a\"" },
    { "rule a\n  urgency verhoogd acuut_onveilig\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: \"urgency\" takes exactly one value" },
    { "rule a\n  categories_min 0\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: \"categories_min\" must be a whole number in 1..8, not "
      "\"0\"" },
    { "rule a\n  categories_min 9\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: \"categories_min\" must be a whole number in 1..8, not "
      "\"9\"" },
    { "rule a\n  youngest_age_below 18jaar\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: \"youngest_age_below\" must be a whole number in 1..150, "
      "not \"18jaar\"" },
    { "rule a\n  any housing=dakloos\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: \"any\" alternative \"housing=dakloos\" is not KIND:VALUE" },
    { "rule a\n  any woning:dakloos\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: \"any\" alternative \"woning:dakloos\" names no condition" },
    { "rule a\n  any housing:dakloos category:dakloos\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: unknown category \"dakloos\"" },
    { "rule a\n  any   # nothing\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: \"any\" needs at least one KIND:VALUE alternative" },
    { "rule\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 1: \"rule\" needs exactly one name" },
    { "rule twee woorden\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 1: \"rule\" needs exactly one name" },
    { "rule a.b\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 1: invalid rule name \"a.b\"" },
    { "rule nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 1: invalid rule name "
      "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\" (letters, digits, '_' and '-', at "
      "most 47 characters)" },
    { "rule a\n  gebied \"Helmond Noord\n  regisseur cjg\n" CATCH_ALL,
      "rules file \"t.conf\" line 2: unterminated quoted value" },
    { "rule a\n  category schulden\n  regisseur cjg\n",
      "rules file \"t.conf\" line 1: last rule \"a\" has conditions: the last rule must match "
      "everything" },
    { "rule a\n  regisseur cjg\n\n# later\nrule b\n  category schulden\n  regisseur cjg\n",
      "rules file \"t.conf\" line 5: rule \"b\" can never match: rule \"a\" on line 1 matches "
      "everything" },
    { "", "rules file \"t.conf\" line 1: no rules" },
    { "# only a comment\n\n", "rules file \"t.conf\" line 2: no rules" },
};

static void
test_parse_errors (void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMENTS (s_error_cases); i++) {
        char err[512] = "";
        zorg_rules_t *rules = zorg_rules_parse (s_error_cases[i].text, "t.conf", err, sizeof err);
        if (rules) {
            zorg_rules_destroy (&rules);
            fail_msg ("case %zu parsed, expected: %s", i, s_error_cases[i].error);
        }
        if (strncmp (err, s_error_cases[i].error, strlen (s_error_cases[i].error)) != 0)
            fail_msg ("case %zu\n  got:      %s\n  expected: %s", i, err, s_error_cases[i].error);
    }
}

static void
test_line_length (void **state)
{
    (void)state;
    /* a line of exactly 512 characters is accepted, 513 is refused; the
       line end (LF or CRLF) does not count */
    char line[600];
    char text[1200];
    memset (line, ' ', sizeof line);
    memcpy (line, "  regisseur cjg #", 17);
    line[512] = '\0';
    snprintf (text, sizeof text, "rule rest\r\n%s\r\n", line);
    zorg_rules_t *rules = s_parse_ok (text);
    assert_int_equal (zorg_rules_count (rules), 1);
    zorg_rules_destroy (&rules);

    line[512] = ' ';
    line[513] = '\0';
    snprintf (text, sizeof text, "rule rest\n%s\n", line);
    char err[256] = "";
    rules = zorg_rules_parse (text, "t.conf", err, sizeof err);
    assert_null (rules);
    assert_string_equal (err,
                         "rules file \"t.conf\" line 2: line too long (more than 512 "
                         "characters)");
}

static void
test_rule_name_length (void **state)
{
    (void)state;
    /* 47 characters is the longest name; the decision carries it whole */
    const char *name = "abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJKLMNOPQ-09";
    assert_int_equal (strlen (name), 47);
    char text[256];
    snprintf (text, sizeof text, "rule %s\n  regisseur cjg\n", name);
    zorg_rules_t *rules = s_parse_ok (text);
    zorg_facts_t f = s_facts ();
    s_expect (rules, &f, name, CJG, 0, false);
    zorg_rules_destroy (&rules);
}

static void
test_error_buffer (void **state)
{
    (void)state;
    /* a short buffer is truncated and terminated, a NULL buffer is allowed */
    char err[16];
    memset (err, 'x', sizeof err);
    assert_null (zorg_rules_parse ("colour blue\n", "t.conf", err, sizeof err));
    assert_int_equal (strlen (err), sizeof err - 1);
    assert_memory_equal (err, "rules file \"t.c", sizeof err - 1);
    assert_null (zorg_rules_parse ("colour blue\n", "t.conf", NULL, 0));
}

/* Writes text (len bytes) to a new temporary file; returns its path in path */
static void
s_temp_file (char *path, size_t size, const char *text, size_t len)
{
    snprintf (path, size, "/tmp/test_zorg_rules.XXXXXX");
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    assert_int_equal (write (fd, text, len), (ssize_t)len);
    assert_int_equal (close (fd), 0);
}

static void
test_load_errors (void **state)
{
    (void)state;
    char err[512] = "";
    assert_null (zorg_rules_load ("/nonexistent/regie-rules.conf", err, sizeof err));
    assert_string_equal (err,
                         "could not open rules file \"/nonexistent/regie-rules.conf\": "
                         "No such file or directory");

    char path[64];
    char expected[256];
    const char bad[] = "rule a\n  regisseur cjg\n  priority 5000\n";
    s_temp_file (path, sizeof path, bad, strlen (bad));
    assert_null (zorg_rules_load (path, err, sizeof err));
    snprintf (expected,
              sizeof expected,
              "rules file \"%s\" line 3: \"priority\" must be a whole number in 0..1000, not "
              "\"5000\"",
              path);
    assert_string_equal (err, expected);
    assert_int_equal (unlink (path), 0);

    const char nul[] = "rule a\n  regisseur cjg\n  prio\0rity 5\n";
    s_temp_file (path, sizeof path, nul, sizeof nul - 1);
    assert_null (zorg_rules_load (path, err, sizeof err));
    snprintf (expected, sizeof expected, "rules file \"%s\" line 3: contains a NUL byte", path);
    assert_string_equal (err, expected);
    assert_int_equal (unlink (path), 0);

    /* larger than 1 MiB: refused before parsing */
    size_t big = 1024 * 1024 + 1;
    char *text = malloc (big);
    assert_non_null (text);
    memset (text, '#', big);
    s_temp_file (path, sizeof path, text, big);
    free (text);
    assert_null (zorg_rules_load (path, err, sizeof err));
    snprintf (expected, sizeof expected, "rules file \"%s\" is larger than 1048576 bytes", path);
    assert_string_equal (err, expected);
    assert_int_equal (unlink (path), 0);
}

static void
test_load_large_valid (void **state)
{
    (void)state;
    /* a file larger than the first read buffer (comments of 300 KiB) loads */
    size_t pad = 300 * 1024;
    const char tail[] = "\nrule rest\n  regisseur wijkteam\n  priority 7\n";
    char *text = malloc (pad + sizeof tail);
    assert_non_null (text);
    memset (text, ' ', pad);
    for (size_t i = 0; i < pad; i += 100)
        memcpy (text + i, "\n#", 2);
    memcpy (text + pad, tail, sizeof tail);
    char path[64];
    s_temp_file (path, sizeof path, text, strlen (text));
    free (text);
    char err[512] = "";
    zorg_rules_t *rules = zorg_rules_load (path, err, sizeof err);
    assert_int_equal (unlink (path), 0);
    if (!rules)
        fail_msg ("%s", err);
    zorg_facts_t f = s_facts ();
    s_expect (rules, &f, "rest", WIJKTEAM, 7, false);
    zorg_rules_destroy (&rules);
}

/* ------------------------------------------------------- default rules */

static zorg_rules_t *
s_load_default (void)
{
    char err[512] = "";
    zorg_rules_t *rules = zorg_rules_load (DEFAULT_RULES, err, sizeof err);
    if (!rules)
        fail_msg ("%s", err);
    return rules;
}

static void
test_default_acuut_onveilig (void **state)
{
    (void)state;
    zorg_rules_t *rules = s_load_default ();
    assert_int_equal (zorg_rules_count (rules), 8);

    zorg_facts_t f = s_facts ();
    s_add_category (&f, HUISELIJK_GEWELD);
    f.urgency = ACUUT;
    f.youngest_age = 4;
    s_expect (rules, &f, "acuut_onveilig", VEILIG_THUIS, 100, false);

    f = s_facts ();
    f.categories[0] = KINDERMISHANDELING;
    f.urgency = ACUUT;
    f.youngest_age = 9;
    s_expect (rules, &f, "acuut_onveilig", VEILIG_THUIS, 100, false);

    /* not acute: kindermishandeling follows the later rules (CJG for a gezin with minors) */
    f.urgency = VERHOOGD;
    s_expect (rules, &f, "gezin_met_minderjarigen", CJG, 40, false);

    /* acute without huiselijk geweld or kindermishandeling is not Veilig Thuis */
    f = s_facts ();
    f.urgency = ACUUT;
    s_expect (rules, &f, "wijkteam", WIJKTEAM, 20, false);

    /* homeless and acutely unsafe: Veilig Thuis, and still a POT */
    f = s_facts ();
    f.categories[0] = HUISELIJK_GEWELD;
    f.urgency = ACUUT;
    f.housing = DAKLOOS;
    s_expect (rules, &f, "acuut_onveilig_dakloos", VEILIG_THUIS, 100, true);
    f.housing = ZELFSTANDIG;
    s_add_category (&f, ZWERFJONGERE);
    s_expect (rules, &f, "acuut_onveilig_dakloos", VEILIG_THUIS, 100, true);
    zorg_rules_destroy (&rules);
}

static void
test_default_overlast (void **state)
{
    (void)state;
    zorg_rules_t *rules = s_load_default ();
    zorg_facts_t f = s_facts ();
    f.categories[0] = OVERLAST;
    s_add_category (&f, VERSLAVING);
    s_expect (rules, &f, "overlast_multiprobleem", VEILIGHEIDSHUIS, 80, false);

    /* overlast alone (or twice the same category) is not multi-problem */
    f.ncategories = 1;
    s_expect (rules, &f, "wijkteam", WIJKTEAM, 20, false);
    s_add_category (&f, OVERLAST);
    s_expect (rules, &f, "wijkteam", WIJKTEAM, 20, false);

    /* multi-problem without overlast is not the Veiligheidshuis */
    f = s_facts ();
    s_add_category (&f, VERSLAVING);
    s_expect (rules, &f, "wijkteam", WIJKTEAM, 20, false);

    /* homeless: Veiligheidshuis with a POT */
    f = s_facts ();
    f.categories[0] = OVERLAST;
    s_add_category (&f, SCHULDEN);
    f.housing = DAKLOOS;
    s_expect (rules, &f, "overlast_multiprobleem_dakloos", VEILIGHEIDSHUIS, 80, true);
    f.housing = ZELFSTANDIG;
    s_add_category (&f, DAKLOOSHEID);
    s_expect (rules, &f, "overlast_multiprobleem_dakloos", VEILIGHEIDSHUIS, 80, true);

    /* acute onveiligheid comes first */
    s_add_category (&f, HUISELIJK_GEWELD);
    f.urgency = ACUUT;
    s_expect (rules, &f, "acuut_onveilig_dakloos", VEILIG_THUIS, 100, true);
    zorg_rules_destroy (&rules);
}

static void
test_default_dakloos_oggz (void **state)
{
    (void)state;
    zorg_rules_t *rules = s_load_default ();
    zorg_facts_t f = s_facts ();
    f.housing = DAKLOOS;
    s_expect (rules, &f, "dakloos", GGD_VANGNET, 60, true);

    f = s_facts ();
    f.categories[0] = DAKLOOSHEID;
    f.housing = ONBEKEND;
    s_expect (rules, &f, "dakloos", GGD_VANGNET, 60, true);

    /* a zwerfjongere under 18: homelessness comes before the CJG rule */
    f = s_facts ();
    f.categories[0] = ZWERFJONGERE;
    f.youngest_age = 16;
    s_expect (rules, &f, "dakloos", GGD_VANGNET, 60, true);

    /* a homeless gezin with minors */
    f = s_facts ();
    f.housing = DAKLOOS;
    f.youngest_age = 3;
    s_expect (rules, &f, "dakloos", GGD_VANGNET, 60, true);

    /* OGGZ while housed: GGD Vangnet, no POT */
    f = s_facts ();
    f.categories[0] = OGGZ;
    s_expect (rules, &f, "oggz", GGD_VANGNET, 60, false);
    /* OGGZ and homeless: the POT */
    f.housing = DAKLOOS;
    s_expect (rules, &f, "dakloos", GGD_VANGNET, 60, true);

    /* living in a shelter is not counted as dakloos by the defaults */
    f = s_facts ();
    f.housing = OPVANG;
    s_expect (rules, &f, "wijkteam", WIJKTEAM, 20, false);
    zorg_rules_destroy (&rules);
}

static void
test_default_minors_and_wijkteam (void **state)
{
    (void)state;
    zorg_rules_t *rules = s_load_default ();
    zorg_facts_t f = s_facts ();
    f.categories[0] = OPVOED;
    f.youngest_age = 17;
    s_expect (rules, &f, "gezin_met_minderjarigen", CJG, 40, false);
    f.youngest_age = 0;
    s_expect (rules, &f, "gezin_met_minderjarigen", CJG, 40, false);
    f.youngest_age = 18;
    s_expect (rules, &f, "wijkteam", WIJKTEAM, 20, false);
    f.youngest_age = -1; /* unknown age: not a gezin with minors */
    s_expect (rules, &f, "wijkteam", WIJKTEAM, 20, false);

    /* no facts at all: the catch-all */
    zorg_facts_t empty;
    memset (&empty, 0, sizeof empty);
    empty.youngest_age = -1;
    s_expect (rules, &empty, "wijkteam", WIJKTEAM, 20, false);
    zorg_rules_destroy (&rules);
}

static void
test_default_priorities (void **state)
{
    (void)state;
    zorg_rules_t *rules = s_load_default ();
    assert_int_equal (zorg_rules_priority (rules, VEILIG_THUIS), 100);
    assert_int_equal (zorg_rules_priority (rules, VEILIGHEIDSHUIS), 80);
    assert_int_equal (zorg_rules_priority (rules, GGD_VANGNET), 60);
    assert_int_equal (zorg_rules_priority (rules, CJG), 40);
    assert_int_equal (zorg_rules_priority (rules, WIJKTEAM), 20);
    assert_int_equal (zorg_rules_priority (rules, MAATSCHAPPELIJKE_OPVANG), 0);
    assert_int_equal (zorg_rules_priority (rules, VROUWENOPVANG), 0);
    assert_int_equal (zorg_rules_priority (rules, 0), 0);
    assert_int_equal (zorg_rules_priority (rules, 99), 0);
    zorg_rules_destroy (&rules);
}

/* ------------------------------------------------------------ semantics */

static void
test_first_match_wins (void **state)
{
    (void)state;
    const char *text = "rule eerste\n  category schulden\n  regisseur cjg\n  priority 10\n"
                       "rule tweede\n  category schulden\n  regisseur vrouwenopvang\n"
                       "  priority 90\n"
                       "rule rest\n  regisseur wijkteam\n";
    zorg_rules_t *rules = s_parse_ok (text);
    assert_int_equal (zorg_rules_count (rules), 3);
    zorg_facts_t f = s_facts ();
    /* both match: the first in the file decides, not the higher priority */
    s_expect (rules, &f, "eerste", CJG, 10, false);
    f.categories[0] = VERSLAVING;
    s_expect (rules, &f, "rest", WIJKTEAM, 0, false);
    zorg_rules_destroy (&rules);

    /* the same rules the other way round */
    text = "rule tweede\n  category schulden\n  regisseur vrouwenopvang\n  priority 90\n"
           "rule eerste\n  category schulden\n  regisseur cjg\n  priority 10\n"
           "rule rest\n  regisseur wijkteam\n";
    rules = s_parse_ok (text);
    f = s_facts ();
    s_expect (rules, &f, "tweede", VROUWENOPVANG, 90, false);
    zorg_rules_destroy (&rules);
}

static void
test_priority (void **state)
{
    (void)state;
    zorg_rules_t *rules =
      s_parse_ok ("rule a\n  category schulden\n  regisseur cjg\n  priority 30\n"
                  "rule b\n  category verslaving\n  regisseur cjg\n"
                  "  priority 1000\n"
                  "rule c\n  category gezondheid\n  regisseur cjg\n"
                  "  priority 0\n"
                  "rule rest\n  regisseur wijkteam\n");
    assert_int_equal (zorg_rules_priority (rules, CJG), 1000);
    assert_int_equal (zorg_rules_priority (rules, WIJKTEAM), 0); /* default priority */
    assert_int_equal (zorg_rules_priority (rules, VEILIG_THUIS), 0);
    /* the decision carries the deciding rule's own priority */
    zorg_facts_t f = s_facts ();
    s_expect (rules, &f, "a", CJG, 30, false);
    zorg_rules_destroy (&rules);
}

static void
test_conditions_and_or (void **state)
{
    (void)state;
    /* lines are "and", values on one line "or" */
    zorg_rules_t *rules = s_parse_ok ("rule beide\n"
                                      "  category schulden verslaving\n"
                                      "  category werk_inkomen\n"
                                      "  regisseur vrouwenopvang\n"
                                      "rule rest\n  regisseur wijkteam\n");
    zorg_facts_t f = s_facts ();
    assert_string_equal (s_decide_name (rules, &f), "rest");
    s_add_category (&f, KETENBUS__V1__CATEGORY__CATEGORY_WERK_INKOMEN);
    assert_string_equal (s_decide_name (rules, &f), "beide");
    f.categories[0] = VERSLAVING;
    assert_string_equal (s_decide_name (rules, &f), "beide");
    f.categories[0] = OGGZ;
    assert_string_equal (s_decide_name (rules, &f), "rest");
    zorg_rules_destroy (&rules);

    /* urgency is "at least"; unspecified never reaches it */
    rules = s_parse_ok ("rule hoog\n  urgency verhoogd\n  regisseur cjg\n"
                        "rule rest\n  regisseur wijkteam\n");
    f = s_facts ();
    assert_string_equal (s_decide_name (rules, &f), "rest");
    f.urgency = VERHOOGD;
    assert_string_equal (s_decide_name (rules, &f), "hoog");
    f.urgency = ACUUT;
    assert_string_equal (s_decide_name (rules, &f), "hoog");
    f.urgency = 0;
    assert_string_equal (s_decide_name (rules, &f), "rest");
    zorg_rules_destroy (&rules);
}

static void
test_any (void **state)
{
    (void)state;
    zorg_rules_t *rules = s_parse_ok ("rule thuisloos\n"
                                      "  any housing:dakloos housing:opvang category:zwerfjongere "
                                      "youngest_age_below:2\n"
                                      "  regisseur maatschappelijke-opvang\n"
                                      "  open_pot yes\n"
                                      "rule rest\n  regisseur wijkteam\n");
    zorg_facts_t f = s_facts ();
    s_expect (rules, &f, "rest", WIJKTEAM, 0, false);
    f.housing = OPVANG;
    s_expect (rules, &f, "thuisloos", MAATSCHAPPELIJKE_OPVANG, 0, true);
    f.housing = DAKLOOS;
    s_expect (rules, &f, "thuisloos", MAATSCHAPPELIJKE_OPVANG, 0, true);
    f.housing = ZELFSTANDIG;
    s_add_category (&f, ZWERFJONGERE);
    s_expect (rules, &f, "thuisloos", MAATSCHAPPELIJKE_OPVANG, 0, true);
    f = s_facts ();
    f.youngest_age = 1;
    s_expect (rules, &f, "thuisloos", MAATSCHAPPELIJKE_OPVANG, 0, true);
    zorg_rules_destroy (&rules);
}

static void
test_involved (void **state)
{
    (void)state;
    zorg_rules_t *rules = s_parse_ok ("rule vo\n"
                                      "  involved vrouwenopvang maatschappelijke_opvang\n"
                                      "  not_involved veilig-thuis ketencoordinator\n"
                                      "  regisseur vrouwenopvang\n"
                                      "  priority 50\n"
                                      "rule rest\n  regisseur wijkteam\n");
    zorg_facts_t f = s_facts ();
    s_expect (rules, &f, "rest", WIJKTEAM, 0, false); /* nobody involved */
    s_add_involved (&f, CJG);
    s_expect (rules, &f, "rest", WIJKTEAM, 0, false); /* another type */
    s_add_involved (&f, VROUWENOPVANG);
    s_expect (rules, &f, "vo", VROUWENOPVANG, 50, false);
    f.involved_org_types[1] = MAATSCHAPPELIJKE_OPVANG; /* the other listed type */
    s_expect (rules, &f, "vo", VROUWENOPVANG, 50, false);
    s_add_involved (&f, KETENCOORDINATOR); /* any of the not_involved types spoils it */
    s_expect (rules, &f, "rest", WIJKTEAM, 0, false);
    f.involved_org_types[2] = VEILIG_THUIS;
    s_expect (rules, &f, "rest", WIJKTEAM, 0, false);
    f.ninvolved = 2;
    s_expect (rules, &f, "vo", VROUWENOPVANG, 50, false);

    /* only the first ninvolved entries count */
    f = s_facts ();
    f.involved_org_types[0] = VROUWENOPVANG;
    f.ninvolved = 0;
    s_expect (rules, &f, "rest", WIJKTEAM, 0, false);
    zorg_rules_destroy (&rules);

    /* not_involved alone: holds when nobody of that type is involved */
    rules = s_parse_ok ("rule zonder_vt\n  not_involved veilig-thuis\n  regisseur cjg\n"
                        "rule rest\n  regisseur wijkteam\n");
    f = s_facts ();
    assert_string_equal (s_decide_name (rules, &f), "zonder_vt");
    s_add_involved (&f, VEILIG_THUIS);
    assert_string_equal (s_decide_name (rules, &f), "rest");
    zorg_rules_destroy (&rules);
}

static void
test_gebied (void **state)
{
    (void)state;
    zorg_rules_t *rules = s_parse_ok ("rule noord   # quoted names keep their blanks\n"
                                      "  gebied \"Helmond Noord\" Brandevoort \"#7\"\n"
                                      "  regisseur cjg\n"
                                      "rule geen_gebied\n  gebied \"\"\n  regisseur vrouwenopvang\n"
                                      "rule rest\n  regisseur wijkteam\n");
    zorg_facts_t f = s_facts ();
    assert_string_equal (s_decide_name (rules, &f), "rest"); /* Binnenstad */
    f.gebied = "Helmond Noord";
    assert_string_equal (s_decide_name (rules, &f), "noord");
    f.gebied = "helmond noord"; /* case does not matter */
    assert_string_equal (s_decide_name (rules, &f), "noord");
    f.gebied = "BRANDEVOORT";
    assert_string_equal (s_decide_name (rules, &f), "noord");
    f.gebied = "#7";
    assert_string_equal (s_decide_name (rules, &f), "noord");
    f.gebied = "Helmond";
    assert_string_equal (s_decide_name (rules, &f), "rest");
    f.gebied = "Noord";
    assert_string_equal (s_decide_name (rules, &f), "rest");
    f.gebied = "";
    assert_string_equal (s_decide_name (rules, &f), "geen_gebied");
    f.gebied = NULL;
    assert_string_equal (s_decide_name (rules, &f), "geen_gebied");
    zorg_rules_destroy (&rules);
}

static void
test_facts_bounds (void **state)
{
    (void)state;
    zorg_rules_t *rules = s_parse_ok ("rule multi\n  categories_min 3\n  regisseur vrouwenopvang\n"
                                      "rule vijfde\n  category verslaving\n  regisseur cjg\n"
                                      "rule rest\n  regisseur wijkteam\n");
    zorg_facts_t f = s_facts ();
    s_add_category (&f, OGGZ);
    assert_string_equal (s_decide_name (rules, &f), "rest");
    s_add_category (&f, 0); /* unspecified does not count */
    assert_string_equal (s_decide_name (rules, &f), "rest");
    s_add_category (&f, OGGZ); /* nor does a repeated one */
    assert_string_equal (s_decide_name (rules, &f), "rest");
    s_add_category (&f, VERSLAVING);
    assert_string_equal (s_decide_name (rules, &f), "multi");

    /* ncategories beyond the array is clamped, a negative count is none */
    f = s_facts ();
    f.categories[0] = VERSLAVING;
    f.ncategories = 1000;
    assert_string_equal (s_decide_name (rules, &f), "vijfde");
    f.ncategories = -3;
    assert_string_equal (s_decide_name (rules, &f), "rest");
    zorg_rules_destroy (&rules);
}

static void
test_syntax_leniency (void **state)
{
    (void)state;
    /* a BOM, CRLF, tabs, comments after values, '-' and '_' for each other, a last
       line without a line end */
    zorg_rules_t *rules = s_parse_ok ("\xef\xbb\xbf# a byte order mark is skipped\r\n"
                                      "rule vt\t# comment\r\n"
                                      "\tcategory huiselijk-geweld\t# dash for underscore\r\n"
                                      "\tregisseur veilig_thuis# no blank before it\r\n"
                                      "\tpriority 000100\r\n"
                                      "rule rest\r\n  regisseur wijkteam\r\n  open_pot no");
    assert_int_equal (zorg_rules_count (rules), 2);
    zorg_facts_t f = s_facts ();
    s_add_category (&f, HUISELIJK_GEWELD);
    s_expect (rules, &f, "vt", VEILIG_THUIS, 100, false);
    zorg_rules_destroy (&rules);
}

static void
test_destroy (void **state)
{
    (void)state;
    zorg_rules_t *rules = NULL;
    zorg_rules_destroy (&rules); /* no-op on NULL */
    assert_null (rules);
    rules = s_parse_ok ("rule a\n  gebied x y\n  any gebied:z\n  regisseur cjg\n"
                        "rule rest\n  regisseur wijkteam\n");
    assert_non_null (rules);
    zorg_rules_destroy (&rules);
    assert_null (rules);
}

/* Ages as PostgreSQL's age() counts full years, 29 February included. */
static void
test_age_years (void **state)
{
    (void) state;
    assert_int_equal (zorg_rules_age_years ("2010-06-15", 2026, 6, 14), 15);
    assert_int_equal (zorg_rules_age_years ("2010-06-15", 2026, 6, 15), 16);
    assert_int_equal (zorg_rules_age_years ("2010-06-15", 2026, 7, 1), 16);
    assert_int_equal (zorg_rules_age_years ("2020-02-29", 2024, 2, 28), 3);
    assert_int_equal (zorg_rules_age_years ("2020-02-29", 2024, 2, 29), 4);
    assert_int_equal (zorg_rules_age_years ("2020-02-29", 2023, 3, 1), 3);
    assert_int_equal (zorg_rules_age_years ("2026-11-27", 2026, 11, 27), 0);
    assert_int_equal (zorg_rules_age_years ("2026-11-28", 2026, 11, 27), -1);
    assert_int_equal (zorg_rules_age_years ("2026-02-30", 2026, 11, 27), -1);
    assert_int_equal (zorg_rules_age_years ("", 2026, 11, 27), -1);
    assert_int_equal (zorg_rules_age_years (NULL, 2026, 11, 27), -1);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_parse_errors),
        cmocka_unit_test (test_line_length),
        cmocka_unit_test (test_rule_name_length),
        cmocka_unit_test (test_error_buffer),
        cmocka_unit_test (test_load_errors),
        cmocka_unit_test (test_load_large_valid),
        cmocka_unit_test (test_default_acuut_onveilig),
        cmocka_unit_test (test_default_overlast),
        cmocka_unit_test (test_default_dakloos_oggz),
        cmocka_unit_test (test_default_minors_and_wijkteam),
        cmocka_unit_test (test_default_priorities),
        cmocka_unit_test (test_first_match_wins),
        cmocka_unit_test (test_priority),
        cmocka_unit_test (test_conditions_and_or),
        cmocka_unit_test (test_any),
        cmocka_unit_test (test_involved),
        cmocka_unit_test (test_gebied),
        cmocka_unit_test (test_facts_bounds),
        cmocka_unit_test (test_syntax_leniency),
        cmocka_unit_test (test_destroy),
        cmocka_unit_test (test_age_years),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
