/*  test_intake_validate - unit tests for intake's field rules

    A valid CaseSignal passes; a table of single mutations names the reject
    code and field each must produce; envelope checks (ids, body type,
    organisation type) and the may-send matrix. Today is fixed at
    2024-06-15 so every date rule is deterministic.
*/

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake_validate.h"
#include "ketenbus/kb_validate.h"

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a) [0]))
#define MAX_MEMBERS (INTAKE_MAX_HOUSEHOLD + 1)
#define MAX_CATEGORIES (INTAKE_MAX_CATEGORIES + 1)

#define SUBJECT_BSN "111222333"
#define MEMBER_BSN "123456782"
#define MESSAGE_ID "0f8fad5b-d9cb-469f-a165-70867728950e"

static const char *const s_region [] = { "0794", "0753", "1652" };

//  A valid CaseSignal envelope; all storage inside, mutations are free
typedef struct {
    Ketenbus__V1__Envelope env;
    Ketenbus__V1__CaseSignal signal;
    Ketenbus__V1__Person subject;
    Ketenbus__V1__Person members [MAX_MEMBERS];
    Ketenbus__V1__Person *member_ptrs [MAX_MEMBERS];
    Ketenbus__V1__Category categories [MAX_CATEGORIES];
    intake_validate_ctx_t ctx;
    char text [256];
} fixture_t;

static void
s_init (fixture_t *f)
{
    memset (f, 0, sizeof *f);
    ketenbus__v1__envelope__init (&f->env);
    ketenbus__v1__case_signal__init (&f->signal);
    ketenbus__v1__person__init (&f->subject);
    f->subject.bsn = SUBJECT_BSN;
    f->subject.birth_date = "1985-03-01";
    f->subject.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER;
    for (int i = 0; i < MAX_MEMBERS; i++) {
        ketenbus__v1__person__init (&f->members [i]);
        f->members [i].bsn = MEMBER_BSN;
        f->members [i].birth_date = "2015-09-10";
        f->members [i].role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND;
        f->member_ptrs [i] = &f->members [i];
    }
    for (int i = 0; i < MAX_CATEGORIES; i++)
        f->categories [i] = (Ketenbus__V1__Category) (1 + i);
    f->signal.partner_case_ref = "CJG-2024-0042";
    f->signal.subject = &f->subject;
    f->signal.n_household = 1;
    f->signal.household = f->member_ptrs;
    f->signal.n_categories = 2;
    f->signal.categories = f->categories;
    f->signal.urgency = KETENBUS__V1__URGENCY__URGENCY_VERHOOGD;
    f->signal.gemeente_code = "0794";
    f->signal.postcode = "5701 AB";
    f->signal.gebied = "Binnenstad";
    f->signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_ZELFSTANDIG;
    f->signal.signal_date = "2024-06-10";
    f->signal.contact_name = "casemanager team Noord";
    f->signal.contact_phone = "0492-123456";

    f->env.message_id = MESSAGE_ID;
    f->env.correlation_id = "";
    f->env.schema_version = 1;
    f->env.sender_org = "";
    f->env.body_case = KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL;
    f->env.case_signal = &f->signal;

    f->ctx.today_days = kb_days_from_civil (2024, 6, 15);
    f->ctx.gemeenten = s_region;
    f->ctx.ngemeenten = (int) N_ELEMENTS (s_region);
}

static void
s_reject_init (intake_reject_t *r)
{
    memset (r, 0, sizeof *r);
    strcpy (r->code, "none");
    strcpy (r->field, "none");
}

//  --------------------------------------------------------------------------
//  CaseSignal

static void
test_valid_signal (void **state)
{
    (void) state;
    fixture_t f;
    s_init (&f);
    intake_reject_t r;
    s_reject_init (&r);
    if (!intake_validate_case_signal (&f.signal, &f.ctx, &r))
        fail_msg ("valid signal refused: %s %s (%s)", r.code, r.field, r.rule);
    assert_string_equal (r.code, "none");     //  untouched on success
    assert_true (intake_validate_envelope (&f.env, KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG, &r));
}

typedef struct {
    const char *name;
    void (*mutate) (fixture_t *f);
    const char *code;     //  NULL: the mutation keeps the signal valid
    const char *field;
} mutation_t;

//  One mutator per row; kept tiny so the table reads as the spec
#define MUTATOR(fn, body)                                                                   \
    static void fn (fixture_t *f)                                                           \
    {                                                                                       \
        body;                                                                               \
    }

MUTATOR (m_bsn_elfproef, f->subject.bsn = "123456789")
MUTATOR (m_bsn_zeros, f->subject.bsn = "000000000")
MUTATOR (m_bsn_short, f->subject.bsn = "11122233")
MUTATOR (m_bsn_long, f->subject.bsn = "1112223330")
MUTATOR (m_bsn_letters, f->subject.bsn = "11122233x")
MUTATOR (m_bsn_spaces, f->subject.bsn = "111 222 333")
MUTATOR (m_bsn_empty, f->subject.bsn = "")
MUTATOR (m_bsn_null, f->subject.bsn = NULL)
MUTATOR (m_subject_null, f->signal.subject = NULL)
MUTATOR (m_subject_role_none, f->subject.role = 0)
MUTATOR (m_subject_role_bad, f->subject.role = 99)
MUTATOR (m_member_bsn, f->members [0].bsn = "123456781")
MUTATOR (m_member2_bsn, f->signal.n_household = 2; f->members [1].bsn = "000000000")
MUTATOR (m_member_bsn_empty, f->members [0].bsn = "")
MUTATOR (m_member_role_none, f->members [0].role = 0)
MUTATOR (m_member_role_bad, f->members [0].role = 42)
MUTATOR (m_member_birth_future, f->members [0].birth_date = "2024-06-16")
MUTATOR (m_birth_malformed, f->subject.birth_date = "1985-02-30")
MUTATOR (m_birth_slashes, f->subject.birth_date = "1985/03/01")
MUTATOR (m_birth_short, f->subject.birth_date = "1985-3-1")
MUTATOR (m_birth_empty, f->subject.birth_date = "")
MUTATOR (m_birth_null, f->subject.birth_date = NULL)
MUTATOR (m_birth_future, f->subject.birth_date = "2024-06-16")
MUTATOR (m_birth_today, f->subject.birth_date = "2024-06-15")
MUTATOR (m_birth_too_old, f->subject.birth_date = "1904-06-14")
MUTATOR (m_birth_120, f->subject.birth_date = "1904-06-15")
MUTATOR (m_signal_future, f->signal.signal_date = "2024-06-16")
MUTATOR (m_signal_far_future, f->signal.signal_date = "2099-01-01")
MUTATOR (m_signal_too_old, f->signal.signal_date = "2022-06-14")
MUTATOR (m_signal_2_years, f->signal.signal_date = "2022-06-15")
MUTATOR (m_signal_malformed, f->signal.signal_date = "2024-13-01")
MUTATOR (m_signal_empty, f->signal.signal_date = "")
MUTATOR (m_gemeente_other, f->signal.gemeente_code = "0363")
MUTATOR (m_gemeente_format, f->signal.gemeente_code = "794")
MUTATOR (m_gemeente_letters, f->signal.gemeente_code = "07a4")
MUTATOR (m_gemeente_empty, f->signal.gemeente_code = "")
MUTATOR (m_gemeente_last, f->signal.gemeente_code = "1652")
MUTATOR (m_postcode_zero, f->signal.postcode = "0701AB")
MUTATOR (m_postcode_sa, f->signal.postcode = "5701SA")
MUTATOR (m_postcode_short, f->signal.postcode = "5701A")
MUTATOR (m_postcode_two_spaces, f->signal.postcode = "5701  AB")
MUTATOR (m_postcode_lower, f->signal.postcode = "5701ab")
MUTATOR (m_postcode_empty, f->signal.postcode = "")
MUTATOR (m_postcode_null, f->signal.postcode = NULL)
MUTATOR (m_postcode_empty_dakloos, f->signal.postcode = "";
         f->signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS)
MUTATOR (m_postcode_null_dakloos, f->signal.postcode = NULL;
         f->signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS)
MUTATOR (m_postcode_empty_opvang, f->signal.postcode = "";
         f->signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_OPVANG)
MUTATOR (m_postcode_bad_dakloos, f->signal.postcode = "12";
         f->signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS)
MUTATOR (m_housing_none, f->signal.housing = 0)
MUTATOR (m_housing_bad, f->signal.housing = 7)
MUTATOR (m_urgency_none, f->signal.urgency = 0)
MUTATOR (m_urgency_bad, f->signal.urgency = 99)
MUTATOR (m_category_none, f->signal.n_categories = 0)
MUTATOR (m_category_zero, f->categories [1] = 0)
MUTATOR (m_category_bad, f->categories [0] = 99)
MUTATOR (m_categories_max, f->signal.n_categories = INTAKE_MAX_CATEGORIES)
MUTATOR (m_categories_over, f->signal.n_categories = INTAKE_MAX_CATEGORIES + 1)
MUTATOR (m_household_none, f->signal.n_household = 0)
MUTATOR (m_household_max, f->signal.n_household = INTAKE_MAX_HOUSEHOLD)
MUTATOR (m_household_over, f->signal.n_household = INTAKE_MAX_HOUSEHOLD + 1)
MUTATOR (m_ref_empty, f->signal.partner_case_ref = "")
MUTATOR (m_ref_null, f->signal.partner_case_ref = NULL)
MUTATOR (m_ref_utf8, f->signal.partner_case_ref = "CJG-\xc3\x28")
MUTATOR (m_ref_overlong, f->signal.partner_case_ref = "CJG-\xc0\xaf")
MUTATOR (m_ref_surrogate, f->signal.partner_case_ref = "CJG-\xed\xa0\x80")
MUTATOR (m_ref_control, f->signal.partner_case_ref = "CJG\t42")
MUTATOR (m_ref_del, f->signal.partner_case_ref = "CJG\x7f" "42")
MUTATOR (m_ref_accent, f->signal.partner_case_ref = "CJG-Bree\xc3\xabn-1")
MUTATOR (m_ref_64, memset (f->text, 'r', 64); f->text [64] = 0;
         f->signal.partner_case_ref = f->text)
MUTATOR (m_ref_65, memset (f->text, 'r', 65); f->text [65] = 0;
         f->signal.partner_case_ref = f->text)
MUTATOR (m_gebied_utf8, f->signal.gebied = "Noord\xff")
MUTATOR (m_gebied_empty, f->signal.gebied = "")
MUTATOR (m_contact_utf8, f->signal.contact_name = "team \xe2\x82")
MUTATOR (m_contact_newline, f->signal.contact_name = "team\nNoord")
MUTATOR (m_contact_100, memset (f->text, 'c', 100); f->text [100] = 0;
         f->signal.contact_name = f->text)
MUTATOR (m_contact_101, memset (f->text, 'c', 101); f->text [101] = 0;
         f->signal.contact_name = f->text)
MUTATOR (m_contact_empty, f->signal.contact_name = "")
MUTATOR (m_phone_letters, f->signal.contact_phone = "0492-CALLME")
MUTATOR (m_phone_short, f->signal.contact_phone = "12345")
MUTATOR (m_phone_long, f->signal.contact_phone = "+31 492 123 456 789 0")
MUTATOR (m_phone_empty, f->signal.contact_phone = "")
MUTATOR (m_phone_null, f->signal.contact_phone = NULL)
MUTATOR (m_phone_intl, f->signal.contact_phone = "+31 6-12345678")
//  A BSN typed into free text: 9 digits passing the elfproef, bounded by non-digits
MUTATOR (m_ref_bsn, f->signal.partner_case_ref = "CASE-123456782")
MUTATOR (m_ref_bsn_only, f->signal.partner_case_ref = SUBJECT_BSN)
MUTATOR (m_ref_bsn_glued, f->signal.partner_case_ref = "CJG111222333/2024")
MUTATOR (m_ref_8_digits, f->signal.partner_case_ref = "CASE-12345678")
MUTATOR (m_ref_10_digits, f->signal.partner_case_ref = "CASE-1234567820")
MUTATOR (m_ref_9_no_elfproef, f->signal.partner_case_ref = "CASE-123456789")
MUTATOR (m_ref_uuid, f->signal.partner_case_ref = "0f8fad5b-d9cb-469f-a165-123456782abc")
MUTATOR (m_gebied_bsn, f->signal.gebied = "Noord 999999990")
MUTATOR (m_contact_bsn, f->signal.contact_name = "J. Jansen, client 123456782")
MUTATOR (m_phone_bsn, f->signal.contact_phone = "123456782")
MUTATOR (m_phone_10_digits, f->signal.contact_phone = "0612345678")
/* nine digits after +31 (or 0031) are a Dutch number; 612345671 passes the elfproef */
MUTATOR (m_phone_intl_9, f->signal.contact_phone = "+31 612345671")
MUTATOR (m_phone_0031_9, f->signal.contact_phone = "0031612345671")
MUTATOR (m_phone_national_bsn, f->signal.contact_phone = "612345671")

static const mutation_t s_mutations [] = {
    //  BSN
    { "bsn fails elfproef", m_bsn_elfproef, INTAKE_RC_BSN, "case_signal.subject.bsn" },
    { "bsn 000000000", m_bsn_zeros, INTAKE_RC_BSN, "case_signal.subject.bsn" },
    { "bsn 8 digits", m_bsn_short, INTAKE_RC_BSN, "case_signal.subject.bsn" },
    { "bsn 10 digits", m_bsn_long, INTAKE_RC_BSN, "case_signal.subject.bsn" },
    { "bsn with letter", m_bsn_letters, INTAKE_RC_BSN, "case_signal.subject.bsn" },
    { "bsn with spaces", m_bsn_spaces, INTAKE_RC_BSN, "case_signal.subject.bsn" },
    { "bsn empty", m_bsn_empty, INTAKE_RC_REQUIRED, "case_signal.subject.bsn" },
    { "bsn NULL", m_bsn_null, INTAKE_RC_REQUIRED, "case_signal.subject.bsn" },
    { "subject missing", m_subject_null, INTAKE_RC_REQUIRED, "case_signal.subject" },
    { "subject role optional", m_subject_role_none, NULL, NULL },
    { "subject role unknown", m_subject_role_bad, INTAKE_RC_ENUM, "case_signal.subject.role" },
    //  Household
    { "member bsn elfproef", m_member_bsn, INTAKE_RC_BSN, "case_signal.household[0].bsn" },
    { "second member bsn", m_member2_bsn, INTAKE_RC_BSN, "case_signal.household[1].bsn" },
    { "member bsn empty", m_member_bsn_empty, INTAKE_RC_REQUIRED,
      "case_signal.household[0].bsn" },
    { "member role required", m_member_role_none, INTAKE_RC_ENUM,
      "case_signal.household[0].role" },
    { "member role unknown", m_member_role_bad, INTAKE_RC_ENUM,
      "case_signal.household[0].role" },
    { "member born tomorrow", m_member_birth_future, INTAKE_RC_DATE_FUTURE,
      "case_signal.household[0].birth_date" },
    { "no household", m_household_none, NULL, NULL },
    { "20 members", m_household_max, NULL, NULL },
    { "21 members", m_household_over, INTAKE_RC_LIMIT, "case_signal.household" },
    //  Dates
    { "birth 30 February", m_birth_malformed, INTAKE_RC_DATE, "case_signal.subject.birth_date" },
    { "birth with slashes", m_birth_slashes, INTAKE_RC_DATE, "case_signal.subject.birth_date" },
    { "birth without zeros", m_birth_short, INTAKE_RC_DATE, "case_signal.subject.birth_date" },
    { "birth empty", m_birth_empty, INTAKE_RC_REQUIRED, "case_signal.subject.birth_date" },
    { "birth NULL", m_birth_null, INTAKE_RC_REQUIRED, "case_signal.subject.birth_date" },
    { "birth tomorrow", m_birth_future, INTAKE_RC_DATE_FUTURE, "case_signal.subject.birth_date" },
    { "born today", m_birth_today, NULL, NULL },
    { "birth over 120 years", m_birth_too_old, INTAKE_RC_DATE_OLD,
      "case_signal.subject.birth_date" },
    { "birth exactly 120 years", m_birth_120, NULL, NULL },
    { "signal tomorrow", m_signal_future, INTAKE_RC_DATE_FUTURE, "case_signal.signal_date" },
    { "signal in 2099", m_signal_far_future, INTAKE_RC_DATE_FUTURE, "case_signal.signal_date" },
    { "signal over 2 years", m_signal_too_old, INTAKE_RC_DATE_OLD, "case_signal.signal_date" },
    { "signal exactly 2 years", m_signal_2_years, NULL, NULL },
    { "signal month 13", m_signal_malformed, INTAKE_RC_DATE, "case_signal.signal_date" },
    { "signal date empty", m_signal_empty, INTAKE_RC_REQUIRED, "case_signal.signal_date" },
    //  Gemeente and postcode
    { "gemeente outside region", m_gemeente_other, INTAKE_RC_GEMEENTE,
      "case_signal.gemeente_code" },
    { "gemeente 3 digits", m_gemeente_format, INTAKE_RC_GEMEENTE, "case_signal.gemeente_code" },
    { "gemeente letter", m_gemeente_letters, INTAKE_RC_GEMEENTE, "case_signal.gemeente_code" },
    { "gemeente empty", m_gemeente_empty, INTAKE_RC_REQUIRED, "case_signal.gemeente_code" },
    { "last gemeente of region", m_gemeente_last, NULL, NULL },
    { "postcode leading zero", m_postcode_zero, INTAKE_RC_POSTCODE, "case_signal.postcode" },
    { "postcode SA", m_postcode_sa, INTAKE_RC_POSTCODE, "case_signal.postcode" },
    { "postcode one letter", m_postcode_short, INTAKE_RC_POSTCODE, "case_signal.postcode" },
    { "postcode two spaces", m_postcode_two_spaces, INTAKE_RC_POSTCODE, "case_signal.postcode" },
    { "postcode lower case", m_postcode_lower, NULL, NULL },
    { "postcode empty", m_postcode_empty, INTAKE_RC_REQUIRED, "case_signal.postcode" },
    { "postcode NULL", m_postcode_null, INTAKE_RC_REQUIRED, "case_signal.postcode" },
    { "no postcode, dakloos", m_postcode_empty_dakloos, NULL, NULL },
    { "NULL postcode, dakloos", m_postcode_null_dakloos, NULL, NULL },
    { "no postcode, opvang", m_postcode_empty_opvang, INTAKE_RC_REQUIRED,
      "case_signal.postcode" },
    { "bad postcode, dakloos", m_postcode_bad_dakloos, INTAKE_RC_POSTCODE,
      "case_signal.postcode" },
    //  Enums
    { "housing unspecified", m_housing_none, INTAKE_RC_ENUM, "case_signal.housing" },
    { "housing unknown", m_housing_bad, INTAKE_RC_ENUM, "case_signal.housing" },
    { "urgency unspecified", m_urgency_none, INTAKE_RC_ENUM, "case_signal.urgency" },
    { "urgency unknown", m_urgency_bad, INTAKE_RC_ENUM, "case_signal.urgency" },
    { "no category", m_category_none, INTAKE_RC_REQUIRED, "case_signal.categories" },
    { "category unspecified", m_category_zero, INTAKE_RC_ENUM, "case_signal.categories" },
    { "category unknown", m_category_bad, INTAKE_RC_ENUM, "case_signal.categories" },
    { "8 categories", m_categories_max, NULL, NULL },
    { "9 categories", m_categories_over, INTAKE_RC_LIMIT, "case_signal.categories" },
    //  Text
    { "case ref empty", m_ref_empty, INTAKE_RC_REQUIRED, "case_signal.partner_case_ref" },
    { "case ref NULL", m_ref_null, INTAKE_RC_REQUIRED, "case_signal.partner_case_ref" },
    { "case ref bad UTF-8", m_ref_utf8, INTAKE_RC_TEXT, "case_signal.partner_case_ref" },
    { "case ref overlong UTF-8", m_ref_overlong, INTAKE_RC_TEXT, "case_signal.partner_case_ref" },
    { "case ref surrogate", m_ref_surrogate, INTAKE_RC_TEXT, "case_signal.partner_case_ref" },
    { "case ref tab", m_ref_control, INTAKE_RC_TEXT, "case_signal.partner_case_ref" },
    { "case ref DEL", m_ref_del, INTAKE_RC_TEXT, "case_signal.partner_case_ref" },
    { "case ref accented", m_ref_accent, NULL, NULL },
    { "case ref 64 bytes", m_ref_64, NULL, NULL },
    { "case ref 65 bytes", m_ref_65, INTAKE_RC_TEXT, "case_signal.partner_case_ref" },
    { "gebied bad UTF-8", m_gebied_utf8, INTAKE_RC_TEXT, "case_signal.gebied" },
    { "gebied empty", m_gebied_empty, NULL, NULL },
    { "contact truncated UTF-8", m_contact_utf8, INTAKE_RC_TEXT, "case_signal.contact_name" },
    { "contact newline", m_contact_newline, INTAKE_RC_TEXT, "case_signal.contact_name" },
    { "contact 100 bytes", m_contact_100, NULL, NULL },
    { "contact 101 bytes", m_contact_101, INTAKE_RC_TEXT, "case_signal.contact_name" },
    { "contact empty", m_contact_empty, NULL, NULL },
    { "phone letters", m_phone_letters, INTAKE_RC_TEXT, "case_signal.contact_phone" },
    { "phone 5 digits", m_phone_short, INTAKE_RC_TEXT, "case_signal.contact_phone" },
    { "phone 21 chars", m_phone_long, INTAKE_RC_TEXT, "case_signal.contact_phone" },
    { "phone empty", m_phone_empty, NULL, NULL },
    { "phone NULL", m_phone_null, NULL, NULL },
    { "phone international", m_phone_intl, NULL, NULL },
    //  No BSN in free text or references
    { "case ref holds a BSN", m_ref_bsn, INTAKE_RC_TEXT, "case_signal.partner_case_ref" },
    { "case ref is a BSN", m_ref_bsn_only, INTAKE_RC_TEXT, "case_signal.partner_case_ref" },
    { "case ref BSN between letters", m_ref_bsn_glued, INTAKE_RC_TEXT,
      "case_signal.partner_case_ref" },
    { "case ref 8 digits", m_ref_8_digits, NULL, NULL },
    { "case ref 10 digits", m_ref_10_digits, NULL, NULL },
    { "case ref 9 digits failing the elfproef", m_ref_9_no_elfproef, NULL, NULL },
    { "case ref a uuid", m_ref_uuid, NULL, NULL },
    { "gebied holds a BSN", m_gebied_bsn, INTAKE_RC_TEXT, "case_signal.gebied" },
    { "contact holds a BSN", m_contact_bsn, INTAKE_RC_TEXT, "case_signal.contact_name" },
    { "phone is a BSN", m_phone_bsn, INTAKE_RC_TEXT, "case_signal.contact_phone" },
    { "phone 10 digits", m_phone_10_digits, NULL, NULL },
    { "phone +31 and 9 digits", m_phone_intl_9, NULL, NULL },
    { "phone 0031 and 9 digits", m_phone_0031_9, NULL, NULL },
    { "phone 9 digits passing the elfproef", m_phone_national_bsn, INTAKE_RC_TEXT,
      "case_signal.contact_phone" },
};

static void
test_signal_mutations (void **state)
{
    (void) state;
    size_t failures = 0;
    for (size_t i = 0; i < N_ELEMENTS (s_mutations); i++) {
        const mutation_t *m = &s_mutations [i];
        fixture_t f;
        s_init (&f);
        m->mutate (&f);
        intake_reject_t r;
        s_reject_init (&r);
        bool ok = intake_validate_case_signal (&f.signal, &f.ctx, &r);
        if (!m->code) {
            if (!ok) {
                print_error ("%s: refused with %s %s (%s), expected valid\n", m->name, r.code,
                             r.field, r.rule);
                failures++;
            }
            continue;
        }
        if (ok) {
            print_error ("%s: accepted, expected %s %s\n", m->name, m->code, m->field);
            failures++;
        }
        else if (strcmp (r.code, m->code) || strcmp (r.field, m->field)) {
            print_error ("%s: got %s %s, expected %s %s\n", m->name, r.code, r.field, m->code,
                         m->field);
            failures++;
        }
        else if (!r.rule [0]) {
            print_error ("%s: reject without a rule text\n", m->name);
            failures++;
        }
    }
    if (failures)
        fail_msg ("%zu of %zu mutation rows failed", failures, N_ELEMENTS (s_mutations));
}

static void
test_reject_holds_no_bsn (void **state)
{
    (void) state;
    //  Rejects go back to partners and into logs: never personal data
    static const char *const bad [] = { "123456789", "999999999", "11122233x" };
    for (size_t i = 0; i < N_ELEMENTS (bad); i++) {
        fixture_t f;
        s_init (&f);
        f.subject.bsn = (char *) bad [i];
        intake_reject_t r;
        s_reject_init (&r);
        assert_false (intake_validate_case_signal (&f.signal, &f.ctx, &r));
        assert_null (strstr (r.rule, bad [i]));
        assert_null (strstr (r.field, bad [i]));
        assert_null (strstr (r.code, bad [i]));
    }
    //  nor the BSN found in a free-text field
    fixture_t f;
    s_init (&f);
    f.signal.partner_case_ref = "CASE-123456782";
    intake_reject_t r;
    s_reject_init (&r);
    assert_false (intake_validate_case_signal (&f.signal, &f.ctx, &r));
    assert_string_equal (r.code, INTAKE_RC_TEXT);
    assert_non_null (strstr (r.rule, "BSN"));
    assert_null (strstr (r.rule, "123456782"));
    assert_null (strstr (r.field, "123456782"));
}

static void
test_household_index_in_field (void **state)
{
    (void) state;
    //  The n-th bad member is named with its own index
    for (size_t n = 0; n < INTAKE_MAX_HOUSEHOLD; n++) {
        fixture_t f;
        s_init (&f);
        f.signal.n_household = INTAKE_MAX_HOUSEHOLD;
        f.members [n].bsn = "123456781";
        intake_reject_t r;
        s_reject_init (&r);
        assert_false (intake_validate_case_signal (&f.signal, &f.ctx, &r));
        char expected [64];
        snprintf (expected, sizeof expected, "case_signal.household[%zu].bsn", n);
        assert_string_equal (r.code, INTAKE_RC_BSN);
        assert_string_equal (r.field, expected);
    }
}

static void
test_today_moves_rules (void **state)
{
    (void) state;
    //  The same signal date is future yesterday and fine today
    fixture_t f;
    s_init (&f);
    f.signal.signal_date = "2024-06-15";
    intake_reject_t r;
    s_reject_init (&r);
    assert_true (intake_validate_case_signal (&f.signal, &f.ctx, &r));
    f.ctx.today_days -= 1;
    assert_false (intake_validate_case_signal (&f.signal, &f.ctx, &r));
    assert_string_equal (r.code, INTAKE_RC_DATE_FUTURE);
    assert_string_equal (r.field, "case_signal.signal_date");

    //  An empty region knows no gemeente at all
    s_init (&f);
    f.ctx.ngemeenten = 0;
    s_reject_init (&r);
    assert_false (intake_validate_case_signal (&f.signal, &f.ctx, &r));
    assert_string_equal (r.code, INTAKE_RC_GEMEENTE);
}

//  --------------------------------------------------------------------------
//  Envelope

static void
test_envelope_ids (void **state)
{
    (void) state;
    static const struct {
        const char *message_id;
        const char *correlation_id;
        const char *code;
        const char *field;
    } cases [] = {
        { MESSAGE_ID, "", NULL, NULL },
        { MESSAGE_ID, NULL, NULL, NULL },
        { MESSAGE_ID, "7c9e6679-7425-40de-944b-e07fc1f90ae7", NULL, NULL },
        { "", "", INTAKE_RC_REQUIRED, "message_id" },
        { NULL, "", INTAKE_RC_REQUIRED, "message_id" },
        { "0F8FAD5B-D9CB-469F-A165-70867728950E", "", INTAKE_RC_MESSAGE_ID, "message_id" },
        { "0f8fad5bd9cb469fa16570867728950e", "", INTAKE_RC_MESSAGE_ID, "message_id" },
        { "not-a-uuid", "", INTAKE_RC_MESSAGE_ID, "message_id" },
        { "0f8fad5b-d9cb-469f-a165-70867728950e0", "", INTAKE_RC_MESSAGE_ID, "message_id" },
        { MESSAGE_ID, "42", INTAKE_RC_MESSAGE_ID, "correlation_id" },
        { MESSAGE_ID, "7C9E6679-7425-40DE-944B-E07FC1F90AE7", INTAKE_RC_MESSAGE_ID,
          "correlation_id" },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        fixture_t f;
        s_init (&f);
        f.env.message_id = (char *) cases [i].message_id;
        f.env.correlation_id = (char *) cases [i].correlation_id;
        intake_reject_t r;
        s_reject_init (&r);
        bool ok = intake_validate_envelope (&f.env, KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG, &r);
        if (!cases [i].code) {
            if (!ok)
                fail_msg ("row %zu refused: %s %s", i, r.code, r.field);
            continue;
        }
        if (ok)
            fail_msg ("row %zu accepted, expected %s", i, cases [i].code);
        if (strcmp (r.code, cases [i].code) || strcmp (r.field, cases [i].field))
            fail_msg ("row %zu: got %s %s, expected %s %s", i, r.code, r.field, cases [i].code,
                      cases [i].field);
    }
}

static void
test_envelope_body (void **state)
{
    (void) state;
    Ketenbus__V1__Ack ack = KETENBUS__V1__ACK__INIT;
    Ketenbus__V1__ShareDecision share = KETENBUS__V1__SHARE_DECISION__INIT;
    Ketenbus__V1__Replay replay = KETENBUS__V1__REPLAY__INIT;
    static const struct {
        Ketenbus__V1__Envelope__BodyCase body;
        const char *field;
    } cases [] = {
        { KETENBUS__V1__ENVELOPE__BODY_ACK, "ack" },
        { KETENBUS__V1__ENVELOPE__BODY_SHARE_DECISION, "share_decision" },
        { KETENBUS__V1__ENVELOPE__BODY_STORED_SIGNAL, "stored_signal" },
        { KETENBUS__V1__ENVELOPE__BODY__NOT_SET, "none" },
    };
    void *bodies [] = { &ack, &share, &replay, NULL };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        fixture_t f;
        s_init (&f);
        f.env.body_case = cases [i].body;
        f.env.ack = bodies [i];
        intake_reject_t r;
        s_reject_init (&r);
        //  Even an organisation that may send signals is refused
        assert_false (
            intake_validate_envelope (&f.env, KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG, &r));
        assert_string_equal (r.code, INTAKE_RC_UNSUPPORTED);
        assert_string_equal (r.field, cases [i].field);
    }
}

static void
test_envelope_org_type (void **state)
{
    (void) state;
    static const struct {
        int org_type;
        bool allowed;
    } cases [] = {
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG, true },
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIGHEIDSHUIS, true },
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_GGD_VANGNET, true },
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_MAATSCHAPPELIJKE_OPVANG, true },
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_VROUWENOPVANG, true },
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM, true },
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIG_THUIS, true },
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE, false },
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_ZORGAANBIEDER, false },
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_KETENCOORDINATOR, false },
        { KETENBUS__V1__ORG_TYPE__ORG_TYPE_UNSPECIFIED, false },
        { 11, false },
        { -1, false },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        fixture_t f;
        s_init (&f);
        intake_reject_t r;
        s_reject_init (&r);
        bool ok = intake_validate_envelope (&f.env, cases [i].org_type, &r);
        if (ok != cases [i].allowed)
            fail_msg ("org type %d: got %d, expected %d", cases [i].org_type, ok,
                      cases [i].allowed);
        if (!ok) {
            assert_string_equal (r.code, INTAKE_RC_NOT_ALLOWED);
            assert_string_equal (r.field, "case_signal");
        }
        else
            assert_string_equal (r.code, "none");
    }
}

static void
test_may_send (void **state)
{
    (void) state;
    //  Only the listed organisation types send signals; the bodies below
    //  are sent by no partner (regie and care bodies: test_may_send_forward)
    static const Ketenbus__V1__Envelope__BodyCase other_bodies [] = {
        KETENBUS__V1__ENVELOPE__BODY__NOT_SET,
        KETENBUS__V1__ENVELOPE__BODY_ACK,
        KETENBUS__V1__ENVELOPE__BODY_REJECT,
        KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION,
        KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT,
        KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED,
        KETENBUS__V1__ENVELOPE__BODY_SHARE_DECISION,
        KETENBUS__V1__ENVELOPE__BODY_CONSENT_RECORDED,
        KETENBUS__V1__ENVELOPE__BODY_STORED_SIGNAL,
    };
    static const bool signal_allowed [] = {
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_UNSPECIFIED] = false,
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG] = true,
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIGHEIDSHUIS] = true,
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_GGD_VANGNET] = true,
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_MAATSCHAPPELIJKE_OPVANG] = true,
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_VROUWENOPVANG] = true,
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM] = true,
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIG_THUIS] = true,
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE] = false,
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_ZORGAANBIEDER] = false,
        [KETENBUS__V1__ORG_TYPE__ORG_TYPE_KETENCOORDINATOR] = false,
        [11] = false,
    };
    size_t allowed = 0;
    for (int org = 0; org < (int) N_ELEMENTS (signal_allowed); org++) {
        bool got = intake_validate_may_send (org, KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL);
        if (got != signal_allowed [org])
            fail_msg ("case_signal from org type %d: got %d, expected %d", org, got,
                      signal_allowed [org]);
        allowed += got;
        for (size_t b = 0; b < N_ELEMENTS (other_bodies); b++)
            if (intake_validate_may_send (org, other_bodies [b]))
                fail_msg ("org type %d may send body %d", org, (int) other_bodies [b]);
    }
    assert_int_equal (allowed, 7);
}

//  --------------------------------------------------------------------------
//  Bodies forwarded to zorgtoewijzing

#define TRANSFER_ID "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define PLAN_REF "3b241101-e2bb-4255-8caf-4136c566a962"

enum { B_REQ, B_RESP, B_PLAN, B_CARE };

typedef struct {
    Ketenbus__V1__RegieTransferRequest req;
    Ketenbus__V1__RegieTransferResponse resp;
    Ketenbus__V1__PlanRegistered plan;
    Ketenbus__V1__Category plan_cats [MAX_CATEGORIES];
    char *involved [INTAKE_MAX_INVOLVED_ORGS + 1];
    Ketenbus__V1__CareAssignment care;
    intake_sender_t sender;
    intake_validate_ctx_t ctx;
    char text [256];
} fwd_t;

//  The partner registry of the tests: active partners and their types
static int
s_registry (void *arg, const char *org)
{
    (void) arg;
    static const struct {
        const char *org;
        int type;
    } known [] = {
        { "cjg-helmond", KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG },
        { "veiligthuis-peel", KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIG_THUIS },
        { "wijkteam-deurne", KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM },
        { "gemeente-helmond", KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE },
        { "zorg-x", KETENBUS__V1__ORG_TYPE__ORG_TYPE_ZORGAANBIEDER },
        { "keten-coord", KETENBUS__V1__ORG_TYPE__ORG_TYPE_KETENCOORDINATOR },
    };
    for (size_t i = 0; i < N_ELEMENTS (known); i++)
        if (strcmp (known [i].org, org) == 0)
            return known [i].type;
    return 0;
}

static void
s_sender (fwd_t *f, const char *org, int type)
{
    f->sender.org = org;
    f->sender.org_type = type;
}

//  Valid bodies; the sender fits the body (s_fwd_init sets it)
static void
s_fwd_init (fwd_t *f, int body)
{
    memset (f, 0, sizeof *f);
    ketenbus__v1__regie_transfer_request__init (&f->req);
    f->req.transfer_id = TRANSFER_ID;
    f->req.plan_ref = PLAN_REF;
    f->req.partner_case_ref = "CJG-2024-0042";
    f->req.to_org = "veiligthuis-peel";
    f->req.reason = KETENBUS__V1__REGIE_TRANSFER_REASON__REGIE_TRANSFER_REASON_VEILIGHEID;

    ketenbus__v1__regie_transfer_response__init (&f->resp);
    f->resp.transfer_id = TRANSFER_ID;
    f->resp.plan_ref = PLAN_REF;
    f->resp.decision = KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED;
    f->resp.casemanager_name = "casemanager Veilig Thuis";
    f->resp.casemanager_phone = "0492-654321";

    ketenbus__v1__plan_registered__init (&f->plan);
    f->plan.plan_ref = PLAN_REF;
    f->plan.plan_version = 1;
    f->plan.plan_date = "2024-06-01";
    f->plan.next_evaluation_date = "2024-09-01";
    for (int i = 0; i < MAX_CATEGORIES; i++)
        f->plan_cats [i] = (Ketenbus__V1__Category) (1 + i);
    f->plan.n_categories = 1;
    f->plan.categories = f->plan_cats;
    f->involved [0] = "cjg-helmond";
    f->involved [1] = "veiligthuis-peel";
    f->plan.n_involved_orgs = 2;
    f->plan.involved_orgs = f->involved;

    ketenbus__v1__care_assignment__init (&f->care);
    f->care.toewijzing_id = "TW-0794-0001";
    f->care.action = KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN;
    f->care.bsn = SUBJECT_BSN;
    f->care.gemeente_code = "0794";
    f->care.wet = KETENBUS__V1__WET__WET_WMO;
    f->care.product_category = "02";
    f->care.product_code = "02A01";
    f->care.pyramid_level = KETENBUS__V1__PYRAMID_LEVEL__PYRAMID_LEVEL_MAATWERK;
    f->care.volume = 4;
    f->care.unit = KETENBUS__V1__VOLUME_UNIT__VOLUME_UNIT_UUR;
    f->care.frequency = KETENBUS__V1__VOLUME_FREQUENCY__VOLUME_FREQUENCY_PER_WEEK;
    f->care.start_date = "2024-07-01";
    f->care.end_date = "2024-12-31";
    f->care.provider_org = "zorg-x";
    f->care.budget_cents = 120000;

    f->ctx.today_days = kb_days_from_civil (2024, 6, 15);
    f->ctx.gemeenten = s_region;
    f->ctx.ngemeenten = (int) N_ELEMENTS (s_region);
    f->ctx.org_type_of = s_registry;
    switch (body) {
    case B_REQ:
    case B_PLAN:
        s_sender (f, "cjg-helmond", KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG);
        break;
    case B_RESP:
        s_sender (f, "veiligthuis-peel", KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIG_THUIS);
        break;
    default:
        s_sender (f, "gemeente-helmond", KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE);
        break;
    }
}

static bool
s_fwd_validate (fwd_t *f, int body, intake_reject_t *r)
{
    switch (body) {
    case B_REQ:
        return intake_validate_transfer_request (&f->req, &f->sender, &f->ctx, r);
    case B_RESP:
        return intake_validate_transfer_response (&f->resp, &f->sender, &f->ctx, r);
    case B_PLAN:
        return intake_validate_plan_registered (&f->plan, &f->sender, &f->ctx, r);
    default:
        return intake_validate_care_assignment (&f->care, &f->sender, &f->ctx, r);
    }
}

static void
test_forward_valid (void **state)
{
    (void) state;
    for (int body = B_REQ; body <= B_CARE; body++) {
        fwd_t f;
        s_fwd_init (&f, body);
        intake_reject_t r;
        s_reject_init (&r);
        if (!s_fwd_validate (&f, body, &r))
            fail_msg ("valid body %d refused: %s %s (%s)", body, r.code, r.field, r.rule);
        assert_string_equal (r.code, "none");
        //  without a registry, named organisations are checked for format only
        f.ctx.org_type_of = NULL;
        assert_true (s_fwd_validate (&f, body, &r));
    }
}

typedef struct {
    const char *name;
    int body;
    void (*mutate) (fwd_t *f);
    const char *code;     //  NULL: the mutation keeps the body valid
    const char *field;
} fwd_mutation_t;

#define FMUT(fn, body)                                                                      \
    static void fn (fwd_t *f)                                                               \
    {                                                                                       \
        body;                                                                               \
    }

//  RegieTransferRequest (sender cjg-helmond)
FMUT (q_tid_empty, f->req.transfer_id = "")
FMUT (q_tid_bad, f->req.transfer_id = "T-1")
FMUT (q_plan_empty, f->req.plan_ref = NULL)
FMUT (q_plan_ctrl, f->req.plan_ref = "plan\t1")
FMUT (q_gezin_long, memset (f->text, 'g', 65); f->text [65] = 0; f->req.gezin_ref = f->text)
FMUT (q_case_long, memset (f->text, 'c', 65); f->text [65] = 0; f->req.partner_case_ref = f->text)
FMUT (q_from_self, f->req.from_org = "cjg-helmond")
FMUT (q_from_other, f->req.from_org = "wijkteam-deurne")
FMUT (q_to_empty, f->req.to_org = "")
FMUT (q_to_self, f->req.to_org = "cjg-helmond")
FMUT (q_to_unknown, f->req.to_org = "nobody-here")
FMUT (q_to_gemeente, f->req.to_org = "gemeente-helmond")
FMUT (q_to_provider, f->req.to_org = "zorg-x")
FMUT (q_to_format, f->req.to_org = "Veilig Thuis")
FMUT (q_reason_none, f->req.reason = 0)
FMUT (q_reason_unknown, f->req.reason = 99)
FMUT (q_backbone_times, f->req.requested_at_ms = 1; f->req.deadline_at_ms = 2)
//  RegieTransferResponse (sender veiligthuis-peel)
FMUT (a_tid_bad, f->resp.transfer_id = "7C9E6679-7425-40DE-944B-E07FC1F90AE7")
FMUT (a_plan_empty, f->resp.plan_ref = "")
FMUT (a_to_self, f->resp.to_org = "veiligthuis-peel")
FMUT (a_to_other, f->resp.to_org = "cjg-helmond")
FMUT (a_from_format, f->resp.from_org = "CJG")
FMUT (a_from_given, f->resp.from_org = "cjg-helmond")
FMUT (a_decision_none, f->resp.decision = 0)
FMUT (a_decision_unknown, f->resp.decision = 7)
FMUT (a_rejected_no_reason,
      f->resp.decision = KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_REJECTED)
FMUT (a_rejected_reason,
      f->resp.decision = KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_REJECTED;
      f->resp.reject_reason =
          KETENBUS__V1__TRANSFER_REJECT_REASON__TRANSFER_REJECT_REASON_GEEN_CAPACITEIT)
FMUT (a_accepted_reason,
      f->resp.reject_reason = KETENBUS__V1__TRANSFER_REJECT_REASON__TRANSFER_REJECT_REASON_OVERIG)
FMUT (a_name_101, memset (f->text, 'n', 101); f->text [101] = 0; f->resp.casemanager_name = f->text)
FMUT (a_phone_letters, f->resp.casemanager_phone = "bel me")
//  PlanRegistered (sender cjg-helmond)
FMUT (q_case_bsn, f->req.partner_case_ref = "CASE-123456782")
FMUT (q_notify_set, f->req.notify_org = "cjg-helmond")
FMUT (q_gezin_bsn, f->req.gezin_ref = "gezin 111222333")
FMUT (q_case_10_digits, f->req.partner_case_ref = "CASE-1112223330")
FMUT (a_name_bsn, f->resp.casemanager_name = "casemanager 111222333")
FMUT (a_phone_bsn, f->resp.casemanager_phone = "111-222333 123456782")
FMUT (a_plan_uuid_digits, f->resp.plan_ref = "3b241101-e2bb-4255-8caf-123456782abc")
FMUT (p_plan_empty, f->plan.plan_ref = "")
FMUT (p_version_zero, f->plan.plan_version = 0)
FMUT (p_version_big, f->plan.plan_version = 10000)
FMUT (p_date_future, f->plan.plan_date = "2024-06-16")
FMUT (p_date_bad, f->plan.plan_date = "2024-02-30")
FMUT (p_date_missing, f->plan.plan_date = "")
FMUT (p_eval_before, f->plan.next_evaluation_date = "2024-05-31")
FMUT (p_eval_bad, f->plan.next_evaluation_date = "1-9-2024")
FMUT (p_eval_none, f->plan.next_evaluation_date = "")
FMUT (p_cats_none, f->plan.n_categories = 0)
FMUT (p_cats_nine, f->plan.n_categories = 9)
FMUT (p_cat_unknown, f->plan_cats [0] = 77)
FMUT (p_involved_unknown, f->involved [1] = "nobody-here")
FMUT (p_involved_many, f->plan.n_involved_orgs = INTAKE_MAX_INVOLVED_ORGS + 1)
FMUT (p_regisseur_self, f->plan.regisseur_org = "cjg-helmond")
FMUT (p_regisseur_other, f->plan.regisseur_org = "veiligthuis-peel")
FMUT (p_case_bsn, f->plan.partner_case_ref = "123456782")
FMUT (p_plan_bsn, f->plan.plan_ref = "plan-123456782")
FMUT (p_name_bsn, f->plan.casemanager_name = "voor 999999990")
FMUT (p_case_no_elfproef, f->plan.partner_case_ref = "CJG 123456789")
//  CareAssignment ASSIGN (sender gemeente-helmond) and START/STOP (zorg-x)
static void
s_provider_sends (fwd_t *f, int action)
{
    s_sender (f, "zorg-x", KETENBUS__V1__ORG_TYPE__ORG_TYPE_ZORGAANBIEDER);
    f->care.action = action;
    f->care.provider_org = "";
    f->care.bsn = "";
    f->care.start_date = "2024-06-03";
    f->care.end_date = action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP ? "2024-06-14" : "";
    if (action == KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP)
        f->care.stop_reason = KETENBUS__V1__CARE_STOP_REASON__CARE_STOP_REASON_DOELEN_BEHAALD;
}
FMUT (c_wijkteam_assigns, s_sender (f, "wijkteam-deurne", KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM))
FMUT (c_provider_assigns, s_sender (f, "zorg-x", KETENBUS__V1__ORG_TYPE__ORG_TYPE_ZORGAANBIEDER))
FMUT (c_coord_assigns, s_sender (f, "keten-coord", KETENBUS__V1__ORG_TYPE__ORG_TYPE_KETENCOORDINATOR))
FMUT (c_gemeente_starts, f->care.action = KETENBUS__V1__CARE_ACTION__CARE_ACTION_START;
      f->care.start_date = "2024-06-03")
FMUT (c_provider_starts, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START))
FMUT (c_provider_stops, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP))
FMUT (c_wijkteam_starts, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START);
      s_sender (f, "wijkteam-deurne", KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM))
FMUT (c_start_named_self, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START);
      f->care.provider_org = "zorg-x")
FMUT (c_start_named_other, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START);
      f->care.provider_org = "cjg-helmond")
FMUT (c_start_bsn_bad, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START);
      f->care.bsn = "123456789")
FMUT (c_start_bsn_ok, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START);
      f->care.bsn = SUBJECT_BSN)
FMUT (c_start_future, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START);
      f->care.start_date = "2024-06-20")
FMUT (c_start_no_date, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START);
      f->care.start_date = "")
FMUT (c_stop_no_end, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP);
      f->care.end_date = "")
FMUT (c_stop_future, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP);
      f->care.end_date = "2024-07-01")
FMUT (c_stop_no_reason, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP);
      f->care.stop_reason = 0)
FMUT (c_stop_bad_reason, s_provider_sends (f, KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP);
      f->care.stop_reason = 42)
FMUT (c_assign_stop_reason, f->care.stop_reason = 1)
FMUT (c_action_none, f->care.action = 0)
FMUT (c_action_unknown, f->care.action = 9)
FMUT (c_id_empty, f->care.toewijzing_id = "")
FMUT (c_id_long, memset (f->text, 't', 65); f->text [65] = 0; f->care.toewijzing_id = f->text)
FMUT (c_bsn_missing, f->care.bsn = "")
FMUT (c_bsn_elfproef, f->care.bsn = "123456789")
FMUT (c_pseudonym_set, f->care.pseudonym = "ab12cd34ef")
FMUT (c_gemeente_missing, f->care.gemeente_code = "")
FMUT (c_gemeente_foreign, f->care.gemeente_code = "0363")
FMUT (c_gemeente_format, f->care.gemeente_code = "794")
FMUT (c_gebied_ctrl, f->care.gebied = "noord\n")
FMUT (c_wet_none, f->care.wet = 0)
FMUT (c_wet_unknown, f->care.wet = 12)
FMUT (c_cat_missing, f->care.product_category = "")
FMUT (c_cat_format, f->care.product_category = "2")
FMUT (c_code_lower, f->care.product_code = "02a01")
FMUT (c_code_none, f->care.product_code = "")
FMUT (c_level_none, f->care.pyramid_level = 0)
FMUT (c_level_unknown, f->care.pyramid_level = 5)
FMUT (c_no_unit_volume, f->care.unit = 0)
FMUT (c_no_unit_at_all, f->care.unit = 0; f->care.volume = 0; f->care.frequency = 0)
FMUT (c_volume_zero, f->care.volume = 0)
FMUT (c_volume_big, f->care.volume = 100000000)
FMUT (c_unit_unknown, f->care.unit = 70)
FMUT (c_frequency_none, f->care.frequency = 0)
FMUT (c_budget_negative, f->care.budget_cents = -1)
FMUT (c_start_missing, f->care.start_date = "")
FMUT (c_start_bad, f->care.start_date = "2024-13-01")
FMUT (c_start_future_ok, f->care.start_date = "2025-01-01"; f->care.end_date = "")
FMUT (c_end_before, f->care.end_date = "2024-06-30")
FMUT (c_end_bad, f->care.end_date = "31-12-2024")
FMUT (c_provider_unknown, f->care.provider_org = "nobody-here")
FMUT (c_provider_gemeente, f->care.provider_org = "gemeente-helmond")
FMUT (c_provider_self, f->care.provider_org = "gemeente-helmond";
      s_sender (f, "gemeente-helmond", KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE))
FMUT (c_provider_care, f->care.provider_org = "wijkteam-deurne")
FMUT (c_provider_none, f->care.provider_org = "")
FMUT (c_assigning_self, f->care.assigning_org = "gemeente-helmond")
FMUT (c_assigning_other, f->care.assigning_org = "gemeente-deurne")
FMUT (c_id_bsn, f->care.toewijzing_id = "TW-123456782")
FMUT (c_case_bsn, f->care.partner_case_ref = "WMO/111222333")
FMUT (c_gebied_bsn, f->care.gebied = "999999990")

#define RC(x) INTAKE_RC_##x
static const fwd_mutation_t s_fwd_mutations [] = {
    { "request: transfer id empty", B_REQ, q_tid_empty, RC (REQUIRED), "regie_transfer_request.transfer_id" },
    { "request: transfer id no uuid", B_REQ, q_tid_bad, RC (MESSAGE_ID), "regie_transfer_request.transfer_id" },
    { "request: plan ref missing", B_REQ, q_plan_empty, RC (REQUIRED), "regie_transfer_request.plan_ref" },
    { "request: plan ref tab", B_REQ, q_plan_ctrl, RC (TEXT), "regie_transfer_request.plan_ref" },
    { "request: gezin ref 65", B_REQ, q_gezin_long, RC (TEXT), "regie_transfer_request.gezin_ref" },
    { "request: case ref 65", B_REQ, q_case_long, RC (TEXT), "regie_transfer_request.partner_case_ref" },
    { "request: from_org is the sender", B_REQ, q_from_self, NULL, NULL },
    { "request: from_org another", B_REQ, q_from_other, RC (BACKBONE_FIELD), "regie_transfer_request.from_org" },
    { "request: to_org missing", B_REQ, q_to_empty, RC (REQUIRED), "regie_transfer_request.to_org" },
    { "request: to_org the sender", B_REQ, q_to_self, RC (ORG), "regie_transfer_request.to_org" },
    { "request: to_org unknown", B_REQ, q_to_unknown, RC (ORG), "regie_transfer_request.to_org" },
    { "request: to_org a gemeente", B_REQ, q_to_gemeente, RC (ORG), "regie_transfer_request.to_org" },
    { "request: to_org a provider", B_REQ, q_to_provider, RC (ORG), "regie_transfer_request.to_org" },
    { "request: to_org malformed", B_REQ, q_to_format, RC (ORG), "regie_transfer_request.to_org" },
    { "request: reason missing", B_REQ, q_reason_none, RC (ENUM), "regie_transfer_request.reason" },
    { "request: reason unknown", B_REQ, q_reason_unknown, RC (ENUM), "regie_transfer_request.reason" },
    { "request: backbone times ignored", B_REQ, q_backbone_times, NULL, NULL },
    { "response: transfer id upper case", B_RESP, a_tid_bad, RC (MESSAGE_ID), "regie_transfer_response.transfer_id" },
    { "response: plan ref missing", B_RESP, a_plan_empty, RC (REQUIRED), "regie_transfer_response.plan_ref" },
    { "response: to_org is the sender", B_RESP, a_to_self, NULL, NULL },
    { "response: to_org another", B_RESP, a_to_other, RC (BACKBONE_FIELD), "regie_transfer_response.to_org" },
    { "response: from_org malformed", B_RESP, a_from_format, RC (ORG), "regie_transfer_response.from_org" },
    { "response: from_org given", B_RESP, a_from_given, NULL, NULL },
    { "response: decision missing", B_RESP, a_decision_none, RC (ENUM), "regie_transfer_response.decision" },
    { "response: decision unknown", B_RESP, a_decision_unknown, RC (ENUM), "regie_transfer_response.decision" },
    { "response: rejected without reason", B_RESP, a_rejected_no_reason, RC (ENUM), "regie_transfer_response.reject_reason" },
    { "response: rejected with reason", B_RESP, a_rejected_reason, NULL, NULL },
    { "response: accepted with reason", B_RESP, a_accepted_reason, RC (ENUM), "regie_transfer_response.reject_reason" },
    { "response: casemanager 101", B_RESP, a_name_101, RC (TEXT), "regie_transfer_response.casemanager_name" },
    { "response: phone letters", B_RESP, a_phone_letters, RC (TEXT), "regie_transfer_response.casemanager_phone" },
    { "request: case ref holds a BSN", B_REQ, q_case_bsn, RC (TEXT),
      "regie_transfer_request.partner_case_ref" },
    { "request: notify_org is the backbone's", B_REQ, q_notify_set, RC (BACKBONE_FIELD),
      "regie_transfer_request.notify_org" },
    { "request: gezin ref holds a BSN", B_REQ, q_gezin_bsn, RC (TEXT),
      "regie_transfer_request.gezin_ref" },
    { "request: case ref 10 digits", B_REQ, q_case_10_digits, NULL, NULL },
    { "response: casemanager holds a BSN", B_RESP, a_name_bsn, RC (TEXT),
      "regie_transfer_response.casemanager_name" },
    { "response: phone holds a BSN", B_RESP, a_phone_bsn, RC (TEXT),
      "regie_transfer_response.casemanager_phone" },
    { "response: plan ref uuid with 9 digits", B_RESP, a_plan_uuid_digits, NULL, NULL },
    { "plan: plan ref missing", B_PLAN, p_plan_empty, RC (REQUIRED), "plan_registered.plan_ref" },
    { "plan: version 0", B_PLAN, p_version_zero, RC (REQUIRED), "plan_registered.plan_version" },
    { "plan: version 10000", B_PLAN, p_version_big, RC (FORMAT), "plan_registered.plan_version" },
    { "plan: date tomorrow", B_PLAN, p_date_future, RC (DATE_FUTURE), "plan_registered.plan_date" },
    { "plan: date 30 Feb", B_PLAN, p_date_bad, RC (DATE), "plan_registered.plan_date" },
    { "plan: date missing", B_PLAN, p_date_missing, RC (REQUIRED), "plan_registered.plan_date" },
    { "plan: evaluation before plan", B_PLAN, p_eval_before, RC (FORMAT), "plan_registered.next_evaluation_date" },
    { "plan: evaluation malformed", B_PLAN, p_eval_bad, RC (DATE), "plan_registered.next_evaluation_date" },
    { "plan: evaluation optional", B_PLAN, p_eval_none, NULL, NULL },
    { "plan: no categories", B_PLAN, p_cats_none, RC (REQUIRED), "plan_registered.categories" },
    { "plan: nine categories", B_PLAN, p_cats_nine, RC (LIMIT), "plan_registered.categories" },
    { "plan: category unknown", B_PLAN, p_cat_unknown, RC (ENUM), "plan_registered.categories" },
    { "plan: involved unknown", B_PLAN, p_involved_unknown, RC (ORG), "plan_registered.involved_orgs[1]" },
    { "plan: 21 involved", B_PLAN, p_involved_many, RC (LIMIT), "plan_registered.involved_orgs" },
    { "plan: regisseur is the sender", B_PLAN, p_regisseur_self, NULL, NULL },
    { "plan: regisseur another", B_PLAN, p_regisseur_other, RC (BACKBONE_FIELD), "plan_registered.regisseur_org" },
    { "plan: case ref is a BSN", B_PLAN, p_case_bsn, RC (TEXT),
      "plan_registered.partner_case_ref" },
    { "plan: plan ref holds a BSN", B_PLAN, p_plan_bsn, RC (TEXT), "plan_registered.plan_ref" },
    { "plan: casemanager holds a BSN", B_PLAN, p_name_bsn, RC (TEXT),
      "plan_registered.casemanager_name" },
    { "plan: case ref 9 digits failing the elfproef", B_PLAN, p_case_no_elfproef, NULL, NULL },
    { "care: wijkteam assigns (its regie: zorgtoewijzing checks)", B_CARE, c_wijkteam_assigns, NULL,
      NULL },
    { "care: provider assigns", B_CARE, c_provider_assigns, RC (NOT_ALLOWED), "care_assignment.action" },
    { "care: ketencoordinator assigns", B_CARE, c_coord_assigns, RC (NOT_ALLOWED), "care_assignment.action" },
    { "care: gemeente starts", B_CARE, c_gemeente_starts, RC (NOT_ALLOWED), "care_assignment.action" },
    { "care: provider starts", B_CARE, c_provider_starts, NULL, NULL },
    { "care: provider stops", B_CARE, c_provider_stops, NULL, NULL },
    { "care: care partner starts", B_CARE, c_wijkteam_starts, NULL, NULL },
    { "care: start names the sender", B_CARE, c_start_named_self, NULL, NULL },
    { "care: start names another provider", B_CARE, c_start_named_other, RC (NOT_ALLOWED), "care_assignment.provider_org" },
    { "care: start with bad bsn", B_CARE, c_start_bsn_bad, RC (BSN), "care_assignment.bsn" },
    { "care: start with bsn", B_CARE, c_start_bsn_ok, NULL, NULL },
    { "care: start in the future", B_CARE, c_start_future, RC (DATE_FUTURE), "care_assignment.start_date" },
    { "care: start without date", B_CARE, c_start_no_date, RC (REQUIRED), "care_assignment.start_date" },
    { "care: stop without end", B_CARE, c_stop_no_end, RC (REQUIRED), "care_assignment.end_date" },
    { "care: stop in the future", B_CARE, c_stop_future, RC (DATE_FUTURE), "care_assignment.end_date" },
    { "care: stop without reason", B_CARE, c_stop_no_reason, RC (ENUM), "care_assignment.stop_reason" },
    { "care: stop reason unknown", B_CARE, c_stop_bad_reason, RC (ENUM), "care_assignment.stop_reason" },
    { "care: stop reason on assign", B_CARE, c_assign_stop_reason, RC (ENUM), "care_assignment.stop_reason" },
    { "care: action missing", B_CARE, c_action_none, RC (ENUM), "care_assignment.action" },
    { "care: action unknown", B_CARE, c_action_unknown, RC (ENUM), "care_assignment.action" },
    { "care: id missing", B_CARE, c_id_empty, RC (REQUIRED), "care_assignment.toewijzing_id" },
    { "care: id 65", B_CARE, c_id_long, RC (TEXT), "care_assignment.toewijzing_id" },
    { "care: assign without bsn", B_CARE, c_bsn_missing, RC (REQUIRED), "care_assignment.bsn" },
    { "care: bsn elfproef", B_CARE, c_bsn_elfproef, RC (BSN), "care_assignment.bsn" },
    { "care: pseudonym from partner", B_CARE, c_pseudonym_set, RC (BACKBONE_FIELD), "care_assignment.pseudonym" },
    { "care: gemeente missing", B_CARE, c_gemeente_missing, RC (REQUIRED), "care_assignment.gemeente_code" },
    { "care: gemeente outside region", B_CARE, c_gemeente_foreign, RC (GEMEENTE), "care_assignment.gemeente_code" },
    { "care: gemeente 3 digits", B_CARE, c_gemeente_format, RC (GEMEENTE), "care_assignment.gemeente_code" },
    { "care: gebied newline", B_CARE, c_gebied_ctrl, RC (TEXT), "care_assignment.gebied" },
    { "care: wet missing", B_CARE, c_wet_none, RC (ENUM), "care_assignment.wet" },
    { "care: wet unknown", B_CARE, c_wet_unknown, RC (ENUM), "care_assignment.wet" },
    { "care: category missing", B_CARE, c_cat_missing, RC (REQUIRED), "care_assignment.product_category" },
    { "care: category one digit", B_CARE, c_cat_format, RC (FORMAT), "care_assignment.product_category" },
    { "care: product code lower case", B_CARE, c_code_lower, RC (FORMAT), "care_assignment.product_code" },
    { "care: product code optional", B_CARE, c_code_none, NULL, NULL },
    { "care: level missing", B_CARE, c_level_none, RC (ENUM), "care_assignment.pyramid_level" },
    { "care: level unknown", B_CARE, c_level_unknown, RC (ENUM), "care_assignment.pyramid_level" },
    { "care: volume without unit", B_CARE, c_no_unit_volume, RC (FORMAT), "care_assignment.unit" },
    { "care: no volume at all", B_CARE, c_no_unit_at_all, NULL, NULL },
    { "care: unit without volume", B_CARE, c_volume_zero, RC (FORMAT), "care_assignment.volume" },
    { "care: volume 9 digits", B_CARE, c_volume_big, RC (FORMAT), "care_assignment.volume" },
    { "care: unit unknown", B_CARE, c_unit_unknown, RC (ENUM), "care_assignment.unit" },
    { "care: frequency missing", B_CARE, c_frequency_none, RC (ENUM), "care_assignment.frequency" },
    { "care: budget negative", B_CARE, c_budget_negative, RC (FORMAT), "care_assignment.budget_cents" },
    { "care: assign without start", B_CARE, c_start_missing, RC (REQUIRED), "care_assignment.start_date" },
    { "care: start 13th month", B_CARE, c_start_bad, RC (DATE), "care_assignment.start_date" },
    { "care: planned start next year", B_CARE, c_start_future_ok, NULL, NULL },
    { "care: end before start", B_CARE, c_end_before, RC (FORMAT), "care_assignment.end_date" },
    { "care: end malformed", B_CARE, c_end_bad, RC (DATE), "care_assignment.end_date" },
    { "care: provider unknown", B_CARE, c_provider_unknown, RC (ORG), "care_assignment.provider_org" },
    { "care: provider a gemeente", B_CARE, c_provider_gemeente, RC (ORG), "care_assignment.provider_org" },
    { "care: provider the sender", B_CARE, c_provider_self, RC (ORG), "care_assignment.provider_org" },
    { "care: provider a care partner", B_CARE, c_provider_care, NULL, NULL },
    { "care: provider required", B_CARE, c_provider_none, INTAKE_RC_REQUIRED,
      "care_assignment.provider_org" },
    { "care: assigning_org the sender", B_CARE, c_assigning_self, NULL, NULL },
    { "care: assigning_org another", B_CARE, c_assigning_other, RC (BACKBONE_FIELD), "care_assignment.assigning_org" },
    { "care: toewijzing id holds a BSN", B_CARE, c_id_bsn, RC (TEXT),
      "care_assignment.toewijzing_id" },
    { "care: case ref holds a BSN", B_CARE, c_case_bsn, RC (TEXT),
      "care_assignment.partner_case_ref" },
    { "care: gebied is a BSN", B_CARE, c_gebied_bsn, RC (TEXT), "care_assignment.gebied" },
};

static void
test_forward_mutations (void **state)
{
    (void) state;
    size_t failures = 0;
    for (size_t i = 0; i < N_ELEMENTS (s_fwd_mutations); i++) {
        const fwd_mutation_t *m = &s_fwd_mutations [i];
        fwd_t f;
        s_fwd_init (&f, m->body);
        m->mutate (&f);
        intake_reject_t r;
        s_reject_init (&r);
        bool ok = s_fwd_validate (&f, m->body, &r);
        if (!m->code) {
            if (!ok) {
                print_error ("%s: refused with %s %s (%s), expected valid\n", m->name, r.code,
                             r.field, r.rule);
                failures++;
            }
            continue;
        }
        if (ok) {
            print_error ("%s: accepted, expected %s %s\n", m->name, m->code, m->field);
            failures++;
        }
        else if (strcmp (r.code, m->code) || strcmp (r.field, m->field)) {
            print_error ("%s: got %s %s (%s), expected %s %s\n", m->name, r.code, r.field, r.rule,
                         m->code, m->field);
            failures++;
        }
        else if (!r.rule [0]) {
            print_error ("%s: reject without a rule text\n", m->name);
            failures++;
        }
    }
    if (failures)
        fail_msg ("%zu of %zu mutation rows failed", failures, N_ELEMENTS (s_fwd_mutations));
}

static void
test_forward_dispatch (void **state)
{
    (void) state;
    //  intake_validate_body picks the body's check
    fwd_t f;
    s_fwd_init (&f, B_CARE);
    f.care.bsn = "";
    Ketenbus__V1__Envelope env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT;
    env.care_assignment = &f.care;
    intake_reject_t r;
    s_reject_init (&r);
    assert_false (intake_validate_body (&env, &f.sender, &f.ctx, &r));
    assert_string_equal (r.code, INTAKE_RC_REQUIRED);
    assert_string_equal (r.field, "care_assignment.bsn");
    s_fwd_init (&f, B_REQ);
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
    env.regie_transfer_request = &f.req;
    assert_true (intake_validate_body (&env, &f.sender, &f.ctx, &r));
    Ketenbus__V1__Ack ack = KETENBUS__V1__ACK__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    assert_false (intake_validate_body (&env, &f.sender, &f.ctx, &r));
    assert_string_equal (r.code, INTAKE_RC_UNSUPPORTED);
    //  the envelope: a wijkteam may send CareAssignment (START/STOP as a
    //  provider), a gemeente may not send transfer requests
    env.message_id = MESSAGE_ID;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT;
    env.care_assignment = &f.care;
    assert_true (intake_validate_envelope (&env, KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM, &r));
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
    env.regie_transfer_request = &f.req;
    assert_false (intake_validate_envelope (&env, KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE, &r));
    assert_string_equal (r.code, INTAKE_RC_NOT_ALLOWED);
    assert_string_equal (r.field, "regie_transfer_request");
}

static void
test_may_send_forward (void **state)
{
    (void) state;
    //  regie bodies: the organisations that can hold regie; care: the
    //  gemeente and care partners (regisseurs) assign, providers and care partners start and stop
    for (int org = 0; org <= 11; org++) {
        bool care_partner = org >= KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG
                            && org <= KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIG_THUIS;
        bool gemeente = org == KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE;
        bool provider = care_partner || org == KETENBUS__V1__ORG_TYPE__ORG_TYPE_ZORGAANBIEDER;
        assert_int_equal (intake_validate_may_send (org, KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST), care_partner);
        assert_int_equal (intake_validate_may_send (org, KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE), care_partner);
        assert_int_equal (intake_validate_may_send (org, KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED), care_partner);
        assert_int_equal (intake_validate_may_send (org, KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT), gemeente || provider);
        assert_int_equal (intake_validate_may_send_care (org, KETENBUS__V1__CARE_ACTION__CARE_ACTION_ASSIGN), gemeente || care_partner);
        assert_int_equal (intake_validate_may_send_care (org, KETENBUS__V1__CARE_ACTION__CARE_ACTION_START), provider);
        assert_int_equal (intake_validate_may_send_care (org, KETENBUS__V1__CARE_ACTION__CARE_ACTION_STOP), provider);
        assert_false (intake_validate_may_send_care (org, KETENBUS__V1__CARE_ACTION__CARE_ACTION_UNSPECIFIED));
        assert_false (intake_validate_may_send_care (org, (Ketenbus__V1__CareAction) 4));
    }
}

static void
test_accepted_bodies (void **state)
{
    (void) state;
    static const struct {
        Ketenbus__V1__Envelope__BodyCase body;
        bool accepted;
    } cases [] = {
        { KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL, true },
        { KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST, true },
        { KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE, true },
        { KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT, true },
        { KETENBUS__V1__ENVELOPE__BODY_REPLAY, true },
        { KETENBUS__V1__ENVELOPE__BODY_DELIVERY_ACK, true },
        { KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED, true },
        { KETENBUS__V1__ENVELOPE__BODY_STORED_SIGNAL, false },
        { KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT, false },
        { KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED, false },
        { KETENBUS__V1__ENVELOPE__BODY_CONSENT_GRANT, true },
        { KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW, true },
        { KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST, true },
        { KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE, true },
        { KETENBUS__V1__ENVELOPE__BODY_SHARE_DECISION, false },
        { KETENBUS__V1__ENVELOPE__BODY_CONSENT_RECORDED, false },
        { KETENBUS__V1__ENVELOPE__BODY__NOT_SET, false },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++)
        if (intake_validate_accepted (cases [i].body) != cases [i].accepted)
            fail_msg ("body %d: accepted %d expected", (int) cases [i].body, cases [i].accepted);
}

static void
test_care_reject_holds_no_bsn (void **state)
{
    (void) state;
    static const char *const bad [] = { "123456789", "999999999", "11122233x" };
    for (size_t i = 0; i < N_ELEMENTS (bad); i++) {
        fwd_t f;
        s_fwd_init (&f, B_CARE);
        f.care.bsn = (char *) bad [i];
        intake_reject_t r;
        s_reject_init (&r);
        assert_false (intake_validate_care_assignment (&f.care, &f.sender, &f.ctx, &r));
        assert_string_equal (r.code, INTAKE_RC_BSN);
        assert_null (strstr (r.rule, bad [i]));
        assert_null (strstr (r.field, bad [i]));
    }
}

//  --------------------------------------------------------------------------
//  Consent and shares (issue 5)

#define CONSENT_ID "0d8f5a4e-3b2c-4d1e-9f0a-1b2c3d4e5f60"

typedef struct {
    Ketenbus__V1__ConsentGrant grant;
    Ketenbus__V1__ConsentWithdraw withdraw;
    Ketenbus__V1__ShareRequest req;
    Ketenbus__V1__ShareResponse resp;
    Ketenbus__V1__DataCategory cats [16];
    uint8_t payload [INTAKE_MAX_SEALED_BYTES + 1];
    char long_text [4 * 2100];
    intake_sender_t sender;
    intake_validate_ctx_t ctx;
} share_fx_t;

static share_fx_t *
s_share_new (void)
{
    share_fx_t *f = calloc (1, sizeof *f);
    assert_non_null (f);
    f->cats [0] = KETENBUS__V1__DATA_CATEGORY__DATA_CATEGORY_PLAN;
    f->cats [1] = KETENBUS__V1__DATA_CATEGORY__DATA_CATEGORY_WONEN;
    ketenbus__v1__consent_grant__init (&f->grant);
    f->grant.consent_id = CONSENT_ID;
    f->grant.bsn = SUBJECT_BSN;
    f->grant.given_by = KETENBUS__V1__CONSENT_GIVER__CONSENT_GIVER_PERSON;
    f->grant.n_data_categories = 2;
    f->grant.data_categories = f->cats;
    f->grant.recipient_case = KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG;
    f->grant.recipient_org = "veiligthuis-peel";
    f->grant.purpose = KETENBUS__V1__PURPOSE__PURPOSE_HULPVERLENING;
    f->grant.valid_from = "2024-06-01";
    f->grant.valid_until = "2025-06-01";
    ketenbus__v1__consent_withdraw__init (&f->withdraw);
    f->withdraw.consent_id = CONSENT_ID;
    f->withdraw.bsn = SUBJECT_BSN;
    f->withdraw.withdrawn_by = KETENBUS__V1__CONSENT_GIVER__CONSENT_GIVER_PERSON;
    f->withdraw.withdrawn_date = "2024-06-14";
    ketenbus__v1__share_request__init (&f->req);
    f->req.share_id = TRANSFER_ID;
    f->req.direction = KETENBUS__V1__SHARE_DIRECTION__SHARE_DIRECTION_REQUEST;
    f->req.to_org = "veiligthuis-peel";
    f->req.bsn = SUBJECT_BSN;
    f->req.n_data_categories = 1;
    f->req.data_categories = f->cats;
    f->req.purpose = KETENBUS__V1__PURPOSE__PURPOSE_HULPVERLENING;
    f->req.legal_ground = KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_NONE;
    ketenbus__v1__share_response__init (&f->resp);
    f->resp.share_id = TRANSFER_ID;
    f->resp.to_org = "veiligthuis-peel";
    f->resp.recipient_key_id = "key-1";
    f->resp.sealed_payload.data = f->payload;
    f->resp.sealed_payload.len = 100;
    f->sender.org = "cjg-helmond";
    f->sender.org_type = KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG;
    f->ctx.today_days = kb_days_from_civil (2024, 6, 15);
    f->ctx.org_type_of = s_registry;
    return f;
}

static void
s_share_expect (bool ok, const intake_reject_t *r, const char *code, const char *field)
{
    if (!code) {
        if (!ok)
            fail_msg ("rejected %s %s: %s", r->code, r->field, r->rule);
        return;
    }
    if (ok)
        fail_msg ("accepted, expected %s on %s", code, field);
    assert_string_equal (r->code, code);
    assert_string_equal (r->field, field);
}

static void
test_consent_grant_fields (void **state)
{
    (void) state;
    intake_reject_t r;
    share_fx_t *f = s_share_new ();
#define GRANT(code, field)                                                                   \
    s_share_expect (intake_validate_consent_grant (&f->grant, &f->sender, &f->ctx, &r), &r,  \
                    code, field);                                                             \
    free (f);                                                                                 \
    f = s_share_new ()
    GRANT (NULL, NULL);
    f->grant.consent_id = "not-a-uuid";
    GRANT (INTAKE_RC_MESSAGE_ID, "consent_grant.consent_id");
    f->grant.bsn = "123456780";
    GRANT (INTAKE_RC_BSN, "consent_grant.bsn");
    f->grant.pseudonym = "abc";
    GRANT (INTAKE_RC_BACKBONE_FIELD, "consent_grant.pseudonym");
    f->grant.given_by = 0;
    GRANT (INTAKE_RC_ENUM, "consent_grant.given_by");
    f->grant.n_data_categories = 0;
    GRANT (INTAKE_RC_REQUIRED, "consent_grant.data_categories");
    f->cats [1] = 42;
    GRANT (INTAKE_RC_ENUM, "consent_grant.data_categories");
    f->grant.n_data_categories = 14;
    GRANT (INTAKE_RC_LIMIT, "consent_grant.data_categories");
    f->grant.recipient_case = KETENBUS__V1__CONSENT_GRANT__RECIPIENT__NOT_SET;
    GRANT (INTAKE_RC_REQUIRED, "consent_grant.recipient");
    f->grant.recipient_org = "nobody-here";
    GRANT (INTAKE_RC_ORG, "consent_grant.recipient_org");
    f->grant.recipient_org = "cjg-helmond";       /* the recorder itself may receive */
    GRANT (NULL, NULL);
    f->grant.recipient_case = KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG_TYPE;
    f->grant.recipient_org_type = KETENBUS__V1__ORG_TYPE__ORG_TYPE_WIJKTEAM;
    GRANT (NULL, NULL);
    f->grant.recipient_case = KETENBUS__V1__CONSENT_GRANT__RECIPIENT_RECIPIENT_ORG_TYPE;
    f->grant.recipient_org_type = 0;
    GRANT (INTAKE_RC_ENUM, "consent_grant.recipient_org_type");
    f->grant.purpose = 0;
    GRANT (INTAKE_RC_ENUM, "consent_grant.purpose");
    f->grant.valid_from = "";
    GRANT (INTAKE_RC_REQUIRED, "consent_grant.valid_from");
    f->grant.valid_until = "2025-02-29";
    GRANT (INTAKE_RC_DATE, "consent_grant.valid_until");
    f->grant.valid_until = "2024-05-31";
    GRANT (INTAKE_RC_FORMAT, "consent_grant.valid_until");
    f->grant.valid_until = "2024-06-01";           /* one day is fine */
    GRANT (NULL, NULL);
    f->grant.recorded_by_org = "cjg-helmond";
    GRANT (NULL, NULL);
    f->grant.recorded_by_org = "veiligthuis-peel";
    GRANT (INTAKE_RC_BACKBONE_FIELD, "consent_grant.recorded_by_org");
    f->grant.partner_case_ref = "CASE-123456782";
    GRANT (INTAKE_RC_TEXT, "consent_grant.partner_case_ref");
    f->grant.partner_case_ref = "CASE-12345678";
    GRANT (NULL, NULL);
#undef GRANT
    free (f);
}

static void
test_consent_withdraw_fields (void **state)
{
    (void) state;
    intake_reject_t r;
    share_fx_t *f = s_share_new ();
#define WITHDRAW(code, field)                                                                     \
    s_share_expect (intake_validate_consent_withdraw (&f->withdraw, &f->sender, &f->ctx, &r), &r, \
                    code, field);                                                                  \
    free (f);                                                                                      \
    f = s_share_new ()
    WITHDRAW (NULL, NULL);
    f->withdraw.consent_id = "";
    WITHDRAW (INTAKE_RC_REQUIRED, "consent_withdraw.consent_id");
    f->withdraw.bsn = "";
    WITHDRAW (INTAKE_RC_REQUIRED, "consent_withdraw.bsn");
    f->withdraw.withdrawn_by = 7;
    WITHDRAW (INTAKE_RC_ENUM, "consent_withdraw.withdrawn_by");
    f->withdraw.withdrawn_date = "2024-06-16";
    WITHDRAW (INTAKE_RC_DATE_FUTURE, "consent_withdraw.withdrawn_date");
    f->withdraw.withdrawn_date = "2024-06-15";
    WITHDRAW (NULL, NULL);
    f->withdraw.to_org = "veiligthuis-peel";
    WITHDRAW (INTAKE_RC_BACKBONE_FIELD, "consent_withdraw.to_org");
    f->withdraw.partner_case_ref = "111222333";
    WITHDRAW (INTAKE_RC_TEXT, "consent_withdraw.partner_case_ref");
#undef WITHDRAW
    free (f);
}

static void
test_share_request_fields (void **state)
{
    (void) state;
    intake_reject_t r;
    share_fx_t *f = s_share_new ();
#define REQ(code, field)                                                                     \
    s_share_expect (intake_validate_share_request (&f->req, &f->sender, &f->ctx, &r), &r,    \
                    code, field);                                                             \
    free (f);                                                                                 \
    f = s_share_new ()
    REQ (NULL, NULL);
    f->req.share_id = "";
    REQ (INTAKE_RC_REQUIRED, "share_request.share_id");
    f->req.direction = 0;
    REQ (INTAKE_RC_ENUM, "share_request.direction");
    f->req.to_org = "cjg-helmond";
    REQ (INTAKE_RC_ORG, "share_request.to_org");
    f->req.to_org = "";
    REQ (INTAKE_RC_REQUIRED, "share_request.to_org");
    f->req.bsn = "";
    REQ (INTAKE_RC_REQUIRED, "share_request.bsn");
    f->req.bsn = "";
    f->req.gezin_ref = PLAN_REF;                   /* a gezin instead of a person */
    REQ (NULL, NULL);
    f->req.from_org = "wijkteam-deurne";
    REQ (INTAKE_RC_BACKBONE_FIELD, "share_request.from_org");
    f->req.legal_ground = 0;
    REQ (INTAKE_RC_ENUM, "share_request.legal_ground");
    f->req.justification = "free text without a ground";
    REQ (INTAKE_RC_FORMAT, "share_request.justification");
    f->req.legal_ground = KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_ACUUT_GEVAAR;
    REQ (INTAKE_RC_REQUIRED, "share_request.justification");
    f->req.legal_ground = KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_ACUUT_GEVAAR;
    f->req.justification = "acuut gevaar: co\xc3\xb6rdinatie met politie nodig";
    REQ (NULL, NULL);
    f->req.legal_ground = KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_ACUUT_GEVAAR;
    f->req.justification = "bad \xc3\x28 utf-8";
    REQ (INTAKE_RC_TEXT, "share_request.justification");
    /* 2000 two-byte characters pass, 2001 do not */
    for (int i = 0; i < 2001; i++)
        memcpy (f->long_text + 2 * i, "\xc3\xb6", 2);
    f->long_text [2 * 2000] = '\0';
    f->req.legal_ground = KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_MELDCODE;
    f->req.justification = f->long_text;
    s_share_expect (intake_validate_share_request (&f->req, &f->sender, &f->ctx, &r), &r, NULL,
                    NULL);
    memcpy (f->long_text + 2 * 2000, "\xc3\xb6", 3);
    REQ (INTAKE_RC_TEXT, "share_request.justification");
    f->req.consent_id = "x";
    REQ (INTAKE_RC_MESSAGE_ID, "share_request.consent_id");
    f->req.legal_ground = KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_MELDCODE;
    f->req.justification = "zorgen om kind (bsn 123456782), zie melding";
    REQ (INTAKE_RC_TEXT, "share_request.justification");
    f->req.legal_ground = KETENBUS__V1__LEGAL_GROUND__LEGAL_GROUND_MELDCODE;
    f->req.justification = "melding 2024-0612345 van 12 juni";
    REQ (NULL, NULL);
    f->req.partner_case_ref = "CASE-123456782";
    REQ (INTAKE_RC_TEXT, "share_request.partner_case_ref");
#undef REQ
    free (f);
}

static void
test_share_response_fields (void **state)
{
    (void) state;
    intake_reject_t r;
    share_fx_t *f = s_share_new ();
#define RESP(code, field)                                                                    \
    s_share_expect (intake_validate_share_response (&f->resp, &f->sender, &f->ctx, &r), &r,  \
                    code, field);                                                             \
    free (f);                                                                                 \
    f = s_share_new ()
    RESP (NULL, NULL);
    f->resp.recipient_key_id = "";
    RESP (INTAKE_RC_REQUIRED, "share_response.recipient_key_id");
    f->resp.to_org = "nobody-here";
    RESP (INTAKE_RC_ORG, "share_response.to_org");
    f->resp.from_org = "veiligthuis-peel";
    RESP (INTAKE_RC_BACKBONE_FIELD, "share_response.from_org");
    f->resp.sealed_payload.len = 0;
    RESP (INTAKE_RC_REQUIRED, "share_response.sealed_payload");
    f->resp.sealed_payload.len = 47;
    RESP (INTAKE_RC_FORMAT, "share_response.sealed_payload");
    f->resp.sealed_payload.len = INTAKE_MAX_SEALED_BYTES;
    RESP (NULL, NULL);
    f->resp.sealed_payload.len = INTAKE_MAX_SEALED_BYTES + 1;
    RESP (INTAKE_RC_LIMIT, "share_response.sealed_payload");
    f->resp.recipient_key_id = "ab123456782cdef0";   /* hex of a hash: digits by chance */
    RESP (NULL, NULL);
#undef RESP
    free (f);
}

static void
test_may_send_consent_and_shares (void **state)
{
    (void) state;
    static const Ketenbus__V1__Envelope__BodyCase bodies [] = {
        KETENBUS__V1__ENVELOPE__BODY_CONSENT_GRANT, KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW,
        KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST, KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE,
    };
    for (size_t b = 0; b < N_ELEMENTS (bodies); b++)
        for (int org = 0; org <= 11; org++) {
            bool want = org >= KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG
                        && org <= KETENBUS__V1__ORG_TYPE__ORG_TYPE_ZORGAANBIEDER;
            if (intake_validate_may_send (org, bodies [b]) != want)
                fail_msg ("org type %d, body %d: expected %d", org, (int) bodies [b], want);
        }
}

//  Client tracking: TrajectoryUpdate, ShelterEpisode, SelfSufficiencyAssessment

typedef struct {
    Ketenbus__V1__TrajectoryUpdate traj;
    Ketenbus__V1__ShelterEpisode shelter;
    Ketenbus__V1__SelfSufficiencyAssessment assess;
    Ketenbus__V1__DomainScore scores [INTAKE_MAX_LIFE_DOMAINS + 1];
    Ketenbus__V1__DomainScore *score_ptrs [INTAKE_MAX_LIFE_DOMAINS + 1];
    intake_sender_t sender;
    intake_validate_ctx_t ctx;
} track_fx_t;

static void
s_track_init (track_fx_t *f)
{
    memset (f, 0, sizeof *f);
    ketenbus__v1__trajectory_update__init (&f->traj);
    f->traj.trajectory_id = "pot-2024-0042";
    f->traj.trajectory_type = KETENBUS__V1__TRAJECTORY_TYPE__TRAJECTORY_TYPE_POT;
    f->traj.partner_case_ref = "GGD-77";
    f->traj.bsn = SUBJECT_BSN;
    f->traj.state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AANGEMELD;
    f->traj.state_date = "2024-06-14";
    ketenbus__v1__shelter_episode__init (&f->shelter);
    f->shelter.episode_id = "mo-stay-1";
    f->shelter.shelter_type = KETENBUS__V1__SHELTER_TYPE__SHELTER_TYPE_MAATSCHAPPELIJKE_OPVANG;
    f->shelter.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_IN;
    f->shelter.bsn = SUBJECT_BSN;
    f->shelter.gemeente_code = "0363";   //  regiobinding: outside the region is fine
    f->shelter.instroom_date = "2024-06-01";
    f->shelter.accompanying_children = 2;
    ketenbus__v1__self_sufficiency_assessment__init (&f->assess);
    f->assess.assessment_id = "zrm-1";
    f->assess.bsn = SUBJECT_BSN;
    f->assess.moment = KETENBUS__V1__ASSESSMENT_MOMENT__ASSESSMENT_MOMENT_START;
    f->assess.assessment_date = "2024-06-15";
    for (int i = 0; i <= INTAKE_MAX_LIFE_DOMAINS; i++) {
        ketenbus__v1__domain_score__init (&f->scores [i]);
        f->scores [i].domain = (Ketenbus__V1__LifeDomain) (1 + i % INTAKE_MAX_LIFE_DOMAINS);
        f->scores [i].score = 3;
        f->score_ptrs [i] = &f->scores [i];
    }
    f->assess.n_scores = 3;
    f->assess.scores = f->score_ptrs;
    f->sender.org = "ggd-peel";
    f->sender.org_type = KETENBUS__V1__ORG_TYPE__ORG_TYPE_GGD_VANGNET;
    f->ctx.today_days = kb_days_from_civil (2024, 6, 15);
    f->ctx.gemeenten = s_region;
    f->ctx.ngemeenten = (int) N_ELEMENTS (s_region);
    f->ctx.org_type_of = s_registry;
}

static void
test_trajectory_update_fields (void **state)
{
    (void) state;
    intake_reject_t r;
    track_fx_t f;
#define TRAJ(code, field)                                                                     \
    s_share_expect (intake_validate_trajectory_update (&f.traj, &f.sender, &f.ctx, &r), &r,   \
                    code, field);                                                              \
    s_track_init (&f)
    s_track_init (&f);
    TRAJ (NULL, NULL);
    //  an update of a known trajectory names neither person nor type
    f.traj.bsn = "";
    f.traj.trajectory_type = 0;
    f.traj.state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_IN_UITVOERING;
    TRAJ (NULL, NULL);
    f.traj.regisseur_org = "ggd-peel";   //  the sender itself: allowed
    TRAJ (NULL, NULL);
    f.traj.state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND;
    f.traj.outcome = KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_VROEGTIJDIG_BEEINDIGD;
    f.traj.early_end_reason = KETENBUS__V1__EARLY_END_REASON__EARLY_END_REASON_DETENTIE;
    TRAJ (NULL, NULL);
    f.traj.trajectory_id = "";
    TRAJ (INTAKE_RC_REQUIRED, "trajectory_update.trajectory_id");
    f.traj.trajectory_id = "pot 42";
    TRAJ (INTAKE_RC_TEXT, "trajectory_update.trajectory_id");
    f.traj.trajectory_id = "p-0123456789012345678901234567890123456789012345678901234567890123";
    TRAJ (INTAKE_RC_TEXT, "trajectory_update.trajectory_id");
    f.traj.trajectory_type = 9;
    TRAJ (INTAKE_RC_ENUM, "trajectory_update.trajectory_type");
    f.traj.gezin_ref = "gezin\x01";
    TRAJ (INTAKE_RC_TEXT, "trajectory_update.gezin_ref");
    f.traj.plan_ref = "\xff\xfe";
    TRAJ (INTAKE_RC_TEXT, "trajectory_update.plan_ref");
    f.traj.bsn = "111222334";
    TRAJ (INTAKE_RC_BSN, "trajectory_update.bsn");
    f.traj.pseudonym = "abc";
    TRAJ (INTAKE_RC_BACKBONE_FIELD, "trajectory_update.pseudonym");
    f.traj.state = 0;
    TRAJ (INTAKE_RC_ENUM, "trajectory_update.state");
    f.traj.state = 7;
    TRAJ (INTAKE_RC_ENUM, "trajectory_update.state");
    f.traj.outcome = KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_SUCCESVOL;
    TRAJ (INTAKE_RC_ENUM, "trajectory_update.outcome");
    f.traj.state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND;
    TRAJ (INTAKE_RC_ENUM, "trajectory_update.outcome");
    f.traj.state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND;
    f.traj.outcome = KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_VROEGTIJDIG_BEEINDIGD;
    TRAJ (INTAKE_RC_ENUM, "trajectory_update.early_end_reason");
    f.traj.state = KETENBUS__V1__TRAJECTORY_STATE__TRAJECTORY_STATE_AFGEROND;
    f.traj.outcome = KETENBUS__V1__TRAJECTORY_OUTCOME__TRAJECTORY_OUTCOME_SUCCESVOL;
    f.traj.early_end_reason = KETENBUS__V1__EARLY_END_REASON__EARLY_END_REASON_GEDRAG;
    TRAJ (INTAKE_RC_ENUM, "trajectory_update.early_end_reason");
    f.traj.state_date = "";
    TRAJ (INTAKE_RC_REQUIRED, "trajectory_update.state_date");
    f.traj.state_date = "2024-02-30";
    TRAJ (INTAKE_RC_DATE, "trajectory_update.state_date");
    f.traj.state_date = "2024-06-16";
    TRAJ (INTAKE_RC_DATE_FUTURE, "trajectory_update.state_date");
    f.traj.state_date = "1990-01-01";
    TRAJ (INTAKE_RC_DATE_OLD, "trajectory_update.state_date");
    //  never trusted: another regisseur, or an address of the backbone
    f.traj.regisseur_org = "cjg-helmond";
    TRAJ (INTAKE_RC_BACKBONE_FIELD, "trajectory_update.regisseur_org");
    f.traj.to_org = "ggd-peel";
    TRAJ (INTAKE_RC_BACKBONE_FIELD, "trajectory_update.to_org");
    //  partners' own ids and references hold no BSN either
    f.traj.trajectory_id = "POT-123456782";
    TRAJ (INTAKE_RC_TEXT, "trajectory_update.trajectory_id");
    f.traj.trajectory_id = "POT-12345678";
    TRAJ (NULL, NULL);
    f.traj.partner_case_ref = "GGD/111222333";
    TRAJ (INTAKE_RC_TEXT, "trajectory_update.partner_case_ref");
#undef TRAJ
}

static void
test_shelter_episode_fields (void **state)
{
    (void) state;
    intake_reject_t r;
    track_fx_t f;
#define SHELTER(code, field)                                                                  \
    s_share_expect (intake_validate_shelter_episode (&f.shelter, &f.sender, &f.ctx, &r), &r,  \
                    code, field);                                                              \
    s_track_init (&f)
    s_track_init (&f);
    SHELTER (NULL, NULL);
    f.shelter.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    f.shelter.uitstroom_date = "2024-06-15";
    f.shelter.destination = KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_BEGELEID_WONEN;
    SHELTER (NULL, NULL);
    f.shelter.gemeente_code = "";
    f.shelter.trajectory_id = "pot-2024-0042";
    SHELTER (NULL, NULL);
    f.shelter.episode_id = NULL;
    SHELTER (INTAKE_RC_REQUIRED, "shelter_episode.episode_id");
    f.shelter.shelter_type = 0;
    SHELTER (INTAKE_RC_ENUM, "shelter_episode.shelter_type");
    f.shelter.event = 3;
    SHELTER (INTAKE_RC_ENUM, "shelter_episode.event");
    f.shelter.bsn = "";
    SHELTER (INTAKE_RC_REQUIRED, "shelter_episode.bsn");
    f.shelter.bsn = "000000000";
    SHELTER (INTAKE_RC_BSN, "shelter_episode.bsn");
    f.shelter.pseudonym = "p";
    SHELTER (INTAKE_RC_BACKBONE_FIELD, "shelter_episode.pseudonym");
    f.shelter.trajectory_id = "a b";
    SHELTER (INTAKE_RC_TEXT, "shelter_episode.trajectory_id");
    f.shelter.gemeente_code = "794";
    SHELTER (INTAKE_RC_GEMEENTE, "shelter_episode.gemeente_code");
    f.shelter.instroom_date = "2024-07-01";
    SHELTER (INTAKE_RC_DATE_FUTURE, "shelter_episode.instroom_date");
    f.shelter.instroom_date = "01-06-2024";
    SHELTER (INTAKE_RC_DATE, "shelter_episode.instroom_date");
    f.shelter.uitstroom_date = "2024-06-10";
    SHELTER (INTAKE_RC_FORMAT, "shelter_episode.uitstroom_date");
    f.shelter.destination = KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_ONBEKEND;
    SHELTER (INTAKE_RC_ENUM, "shelter_episode.destination");
    f.shelter.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    f.shelter.destination = KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_ONBEKEND;
    SHELTER (INTAKE_RC_REQUIRED, "shelter_episode.uitstroom_date");
    f.shelter.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    f.shelter.uitstroom_date = "2024-06-16";
    SHELTER (INTAKE_RC_DATE_FUTURE, "shelter_episode.uitstroom_date");
    f.shelter.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    f.shelter.uitstroom_date = "2024-05-31";
    f.shelter.destination = KETENBUS__V1__SHELTER_DESTINATION__SHELTER_DESTINATION_ONBEKEND;
    SHELTER (INTAKE_RC_FORMAT, "shelter_episode.uitstroom_date");
    f.shelter.event = KETENBUS__V1__SHELTER_EVENT__SHELTER_EVENT_OUT;
    f.shelter.uitstroom_date = "2024-06-15";
    SHELTER (INTAKE_RC_ENUM, "shelter_episode.destination");
    f.shelter.accompanying_children = INTAKE_MAX_HOUSEHOLD + 1;
    SHELTER (INTAKE_RC_FORMAT, "shelter_episode.accompanying_children");
    f.shelter.episode_id = "mo-123456782";
    SHELTER (INTAKE_RC_TEXT, "shelter_episode.episode_id");
    f.shelter.partner_case_ref = "MO 123456782";
    SHELTER (INTAKE_RC_TEXT, "shelter_episode.partner_case_ref");
#undef SHELTER
}

static void
test_assessment_fields (void **state)
{
    (void) state;
    intake_reject_t r;
    track_fx_t f;
#define ASSESS(code, field)                                                                   \
    s_share_expect (intake_validate_assessment (&f.assess, &f.sender, &f.ctx, &r), &r, code,  \
                    field);                                                                    \
    s_track_init (&f)
    s_track_init (&f);
    ASSESS (NULL, NULL);
    f.assess.n_scores = INTAKE_MAX_LIFE_DOMAINS;   //  every domain once
    f.scores [0].score = 1;
    f.scores [1].score = 5;
    ASSESS (NULL, NULL);
    f.assess.bsn = "";                             //  the trajectory names the person
    f.assess.trajectory_id = "pot-2024-0042";
    ASSESS (NULL, NULL);
    f.assess.assessment_id = "";
    ASSESS (INTAKE_RC_REQUIRED, "self_sufficiency_assessment.assessment_id");
    f.assess.bsn = "";
    ASSESS (INTAKE_RC_REQUIRED, "self_sufficiency_assessment.bsn");
    f.assess.bsn = "12345678";
    ASSESS (INTAKE_RC_BSN, "self_sufficiency_assessment.bsn");
    f.assess.pseudonym = "p";
    ASSESS (INTAKE_RC_BACKBONE_FIELD, "self_sufficiency_assessment.pseudonym");
    f.assess.moment = 0;
    ASSESS (INTAKE_RC_ENUM, "self_sufficiency_assessment.moment");
    f.assess.assessment_date = "2024-06-16";
    ASSESS (INTAKE_RC_DATE_FUTURE, "self_sufficiency_assessment.assessment_date");
    f.assess.assessment_date = "";
    ASSESS (INTAKE_RC_REQUIRED, "self_sufficiency_assessment.assessment_date");
    f.assess.n_scores = 0;
    ASSESS (INTAKE_RC_REQUIRED, "self_sufficiency_assessment.scores");
    f.assess.n_scores = INTAKE_MAX_LIFE_DOMAINS + 1;
    ASSESS (INTAKE_RC_LIMIT, "self_sufficiency_assessment.scores");
    f.scores [1].domain = 0;
    ASSESS (INTAKE_RC_ENUM, "self_sufficiency_assessment.scores[1].domain");
    f.scores [1].domain = 9;
    ASSESS (INTAKE_RC_ENUM, "self_sufficiency_assessment.scores[1].domain");
    f.scores [2].domain = f.scores [0].domain;
    ASSESS (INTAKE_RC_FORMAT, "self_sufficiency_assessment.scores[2].domain");
    f.scores [1].score = 0;
    ASSESS (INTAKE_RC_FORMAT, "self_sufficiency_assessment.scores[1].score");
    f.scores [1].score = 6;
    ASSESS (INTAKE_RC_FORMAT, "self_sufficiency_assessment.scores[1].score");
    f.score_ptrs [2] = NULL;
    ASSESS (INTAKE_RC_REQUIRED, "self_sufficiency_assessment.scores[2].domain");
    f.assess.assessment_id = "zrm-999999990-1";
    ASSESS (INTAKE_RC_TEXT, "self_sufficiency_assessment.assessment_id");
#undef ASSESS
}

static void
s_satisfaction_init (Ketenbus__V1__SatisfactionMeasurement *m)
{
    ketenbus__v1__satisfaction_measurement__init (m);
    m->measurement_id = "cev-2024-17";
    m->partner_case_ref = "WMO-88";
    m->bsn = SUBJECT_BSN;
    m->gemeente_code = "0794";
    m->gebied = "Helmond Oost";
    m->wet = KETENBUS__V1__WET__WET_WMO;
    m->toewijzing_id = "TW-2024-0001";
    m->score = 7;
    m->measured_date = "2024-06-15";
}

static void
test_satisfaction_fields (void **state)
{
    (void) state;
    intake_reject_t r;
    track_fx_t f;
    Ketenbus__V1__SatisfactionMeasurement m;
    f.sender.org = "gemeente-helmond";
#define SAT(code, field)                                                                      \
    s_share_expect (intake_validate_satisfaction (&m, &f.sender, &f.ctx, &r), &r, code, field); \
    s_track_init (&f);                                                                         \
    s_satisfaction_init (&m)
    s_track_init (&f);
    s_satisfaction_init (&m);
    SAT (NULL, NULL);
    m.bsn = "";                           //  an anonymous measurement
    m.gebied = "";
    m.toewijzing_id = "";
    m.partner_case_ref = "";
    m.score = 1;
    SAT (NULL, NULL);
    m.score = 10;
    m.wet = KETENBUS__V1__WET__WET_PARTICIPATIEWET;
    SAT (NULL, NULL);
    m.measurement_id = "";
    SAT (INTAKE_RC_REQUIRED, "satisfaction_measurement.measurement_id");
    m.measurement_id = "cev 17";
    SAT (INTAKE_RC_TEXT, "satisfaction_measurement.measurement_id");
    m.measurement_id = "x1234567890123456789012345678901234567890123456789012345678901234";
    SAT (INTAKE_RC_TEXT, "satisfaction_measurement.measurement_id");
    m.score = 0;
    SAT (INTAKE_RC_FORMAT, "satisfaction_measurement.score");
    m.score = 11;
    SAT (INTAKE_RC_FORMAT, "satisfaction_measurement.score");
    m.measured_date = "2024-06-16";
    SAT (INTAKE_RC_DATE_FUTURE, "satisfaction_measurement.measured_date");
    m.measured_date = "2024-02-30";
    SAT (INTAKE_RC_DATE, "satisfaction_measurement.measured_date");
    m.measured_date = "";
    SAT (INTAKE_RC_REQUIRED, "satisfaction_measurement.measured_date");
    m.gemeente_code = "";
    SAT (INTAKE_RC_REQUIRED, "satisfaction_measurement.gemeente_code");
    m.gemeente_code = "0363";             //  not part of the region
    SAT (INTAKE_RC_GEMEENTE, "satisfaction_measurement.gemeente_code");
    m.gebied = "x1234567890123456789012345678901234567890123456789012345678901234";
    SAT (INTAKE_RC_TEXT, "satisfaction_measurement.gebied");
    m.gebied = "oost\tzijde";
    SAT (INTAKE_RC_TEXT, "satisfaction_measurement.gebied");
    m.wet = KETENBUS__V1__WET__WET_UNSPECIFIED;
    SAT (INTAKE_RC_ENUM, "satisfaction_measurement.wet");
    m.wet = 9;
    SAT (INTAKE_RC_ENUM, "satisfaction_measurement.wet");
    m.toewijzing_id = "TW 1";
    SAT (INTAKE_RC_TEXT, "satisfaction_measurement.toewijzing_id");
    m.bsn = "123456789";
    SAT (INTAKE_RC_BSN, "satisfaction_measurement.bsn");
    m.pseudonym = "p";
    SAT (INTAKE_RC_BACKBONE_FIELD, "satisfaction_measurement.pseudonym");
    m.partner_case_ref = "a\nb";
    SAT (INTAKE_RC_TEXT, "satisfaction_measurement.partner_case_ref");
    m.measurement_id = "cev-123456782";
    SAT (INTAKE_RC_TEXT, "satisfaction_measurement.measurement_id");
    m.toewijzing_id = "TW-123456782";
    SAT (INTAKE_RC_TEXT, "satisfaction_measurement.toewijzing_id");
#undef SAT
    //  every partner but the ketencoordinator; intake accepts the body
    for (int org = 0; org <= 11; org++) {
        bool want = org >= KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG
                    && org <= KETENBUS__V1__ORG_TYPE__ORG_TYPE_ZORGAANBIEDER;
        assert_int_equal (intake_validate_may_send (org, KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT),
                          want);
    }
    assert_true (intake_validate_accepted (KETENBUS__V1__ENVELOPE__BODY_SATISFACTION_MEASUREMENT));
}

static void
test_tracking_dispatch_and_rejects_hold_no_bsn (void **state)
{
    (void) state;
    track_fx_t f;
    s_track_init (&f);
    Ketenbus__V1__Envelope env = KETENBUS__V1__ENVELOPE__INIT;
    intake_reject_t r;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
    env.trajectory_update = &f.traj;
    assert_true (intake_validate_body (&env, &f.sender, &f.ctx, &r));
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE;
    env.shelter_episode = &f.shelter;
    assert_true (intake_validate_body (&env, &f.sender, &f.ctx, &r));
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT;
    env.self_sufficiency_assessment = &f.assess;
    assert_true (intake_validate_body (&env, &f.sender, &f.ctx, &r));
    //  a reject names the field and the rule, never the value
    f.traj.bsn = "111222334";
    f.shelter.bsn = "111222334";
    f.assess.bsn = "111222334";
    assert_false (intake_validate_trajectory_update (&f.traj, &f.sender, &f.ctx, &r));
    assert_null (strstr (r.rule, "111222334"));
    assert_false (intake_validate_shelter_episode (&f.shelter, &f.sender, &f.ctx, &r));
    assert_null (strstr (r.rule, "111222334"));
    assert_false (intake_validate_assessment (&f.assess, &f.sender, &f.ctx, &r));
    assert_null (strstr (r.rule, "111222334"));
    assert_null (strstr (r.field, "111222334"));
}

static void
test_may_send_tracking (void **state)
{
    (void) state;
    for (int org = 0; org <= 11; org++) {
        bool casework = org >= KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG
                        && org <= KETENBUS__V1__ORG_TYPE__ORG_TYPE_VEILIG_THUIS;
        bool shelter = org == KETENBUS__V1__ORG_TYPE__ORG_TYPE_MAATSCHAPPELIJKE_OPVANG
                       || org == KETENBUS__V1__ORG_TYPE__ORG_TYPE_VROUWENOPVANG;
        if (intake_validate_may_send (org, KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE) != casework)
            fail_msg ("org type %d, trajectory update: expected %d", org, casework);
        if (intake_validate_may_send (org, KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT)
            != casework)
            fail_msg ("org type %d, assessment: expected %d", org, casework);
        if (intake_validate_may_send (org, KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE) != shelter)
            fail_msg ("org type %d, shelter episode: expected %d", org, shelter);
    }
    assert_true (intake_validate_accepted (KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE));
    assert_true (intake_validate_accepted (KETENBUS__V1__ENVELOPE__BODY_SHELTER_EPISODE));
    assert_true (intake_validate_accepted (KETENBUS__V1__ENVELOPE__BODY_SELF_SUFFICIENCY_ASSESSMENT));
    //  what client-tracking sends and the backbone makes stays out
    assert_false (intake_validate_accepted (KETENBUS__V1__ENVELOPE__BODY_MONITORING_EVENT));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_valid_signal),
        cmocka_unit_test (test_signal_mutations),
        cmocka_unit_test (test_reject_holds_no_bsn),
        cmocka_unit_test (test_household_index_in_field),
        cmocka_unit_test (test_today_moves_rules),
        cmocka_unit_test (test_envelope_ids),
        cmocka_unit_test (test_envelope_body),
        cmocka_unit_test (test_envelope_org_type),
        cmocka_unit_test (test_may_send),
        cmocka_unit_test (test_may_send_forward),
        cmocka_unit_test (test_accepted_bodies),
        cmocka_unit_test (test_forward_valid),
        cmocka_unit_test (test_forward_mutations),
        cmocka_unit_test (test_forward_dispatch),
        cmocka_unit_test (test_care_reject_holds_no_bsn),
        cmocka_unit_test (test_consent_grant_fields),
        cmocka_unit_test (test_consent_withdraw_fields),
        cmocka_unit_test (test_share_request_fields),
        cmocka_unit_test (test_share_response_fields),
        cmocka_unit_test (test_may_send_consent_and_shares),
        cmocka_unit_test (test_trajectory_update_fields),
        cmocka_unit_test (test_shelter_episode_fields),
        cmocka_unit_test (test_assessment_fields),
        cmocka_unit_test (test_satisfaction_fields),
        cmocka_unit_test (test_tracking_dispatch_and_rejects_hold_no_bsn),
        cmocka_unit_test (test_may_send_tracking),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
