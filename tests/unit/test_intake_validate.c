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
    Ketenbus__V1__CareAssignment care = KETENBUS__V1__CARE_ASSIGNMENT__INIT;
    Ketenbus__V1__PlanRegistered plan = KETENBUS__V1__PLAN_REGISTERED__INIT;
    static const struct {
        Ketenbus__V1__Envelope__BodyCase body;
        const char *field;
    } cases [] = {
        { KETENBUS__V1__ENVELOPE__BODY_ACK, "ack" },
        { KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT, "care_assignment" },
        { KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED, "plan_registered" },
        { KETENBUS__V1__ENVELOPE__BODY__NOT_SET, "none" },
    };
    void *bodies [] = { &ack, &care, &plan, NULL };
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
    //  Only the listed organisation types send signals; intake accepts no
    //  other body from partners in this version
    static const Ketenbus__V1__Envelope__BodyCase other_bodies [] = {
        KETENBUS__V1__ENVELOPE__BODY__NOT_SET,
        KETENBUS__V1__ENVELOPE__BODY_ACK,
        KETENBUS__V1__ENVELOPE__BODY_REJECT,
        KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION,
        KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT,
        KETENBUS__V1__ENVELOPE__BODY_PLAN_REGISTERED,
        KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT,
        KETENBUS__V1__ENVELOPE__BODY_CONSENT_GRANT,
        KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST,
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
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
