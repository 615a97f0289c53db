/*  ketenctl_signal - send-signal and import. */
#include "ketenctl_signal.h"

#include "ketenbus/kb_client.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_uuid.h"
#include "ketenbus/kb_validate.h"

#include <czmq.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_MEMBERS 64
#define S_MAX_CATEGORIES 32
#define S_RESENDS 3 /* retransmissions of an unanswered import row */

/*  ---------------------------------------------------------------------
    Building a CaseSignal from text */

static char *
s_dup (const char *s)
{
    return strdup (s ? s : "");
}

static void
s_person_free (Ketenbus__V1__Person **person_p)
{
    if (!person_p || !*person_p)
        return;
    Ketenbus__V1__Person *person = *person_p;
    if (person->bsn) {
        sodium_memzero (person->bsn, strlen (person->bsn));
        free (person->bsn);
    }
    free (person->birth_date);
    free (person);
    *person_p = NULL;
}

static Ketenbus__V1__Person *
s_person_new (const char *bsn, const char *birth_date, int role)
{
    Ketenbus__V1__Person *person = malloc (sizeof *person);
    if (!person)
        return NULL;
    ketenbus__v1__person__init (person);
    person->bsn = s_dup (bsn);
    person->birth_date = s_dup (birth_date);
    person->role = (Ketenbus__V1__HouseholdRole)role;
    if (!person->bsn || !person->birth_date)
        s_person_free (&person);
    return person;
}

void
ketenctl_signal_free (Ketenbus__V1__CaseSignal **signal_p)
{
    if (!signal_p || !*signal_p)
        return;
    Ketenbus__V1__CaseSignal *sig = *signal_p;
    s_person_free (&sig->subject);
    for (size_t i = 0; i < sig->n_household; i++)
        s_person_free (&sig->household[i]);
    free (sig->household);
    free (sig->categories);
    free (sig->partner_case_ref);
    free (sig->gemeente_code);
    free (sig->postcode);
    free (sig->gebied);
    free (sig->signal_date);
    free (sig->contact_name);
    free (sig->contact_phone);
    free (sig);
    *signal_p = NULL;
}

/* Parses one household entry "bsn:birth_date:role" (copied, then split). */
static Ketenbus__V1__Person *
s_member_parse (const char *entry, size_t len, size_t index, char *why, size_t whylen)
{
    char buf[128];
    Ketenbus__V1__Person *person = NULL;
    if (len >= sizeof buf) {
        snprintf (why, whylen, "household member %zu is too long", index);
        return NULL;
    }
    memcpy (buf, entry, len);
    buf[len] = '\0';
    char *first = strchr (buf, ':');
    char *second = first ? strchr (first + 1, ':') : NULL;
    if (!first || !second || strchr (second + 1, ':')) {
        snprintf (why, whylen, "household member %zu: expected BSN:BIRTHDATE:ROLE", index);
        goto done;
    }
    *first = '\0';
    *second = '\0';
    int role = ketenctl_enum_parse (&ketenbus__v1__household_role__descriptor, second + 1);
    if (!role) {
        snprintf (why, whylen, "household member %zu: unknown role \"%.40s\"", index, second + 1);
        goto done;
    }
    person = s_person_new (buf, first + 1, role);
    if (!person)
        snprintf (why, whylen, "out of memory");
done:
    sodium_memzero (buf, sizeof buf);
    return person;
}

static int
s_categories_parse (const char *text,
                    char sep,
                    Ketenbus__V1__CaseSignal *sig,
                    char *why,
                    size_t whylen)
{
    sig->categories = calloc (S_MAX_CATEGORIES, sizeof *sig->categories);
    if (!sig->categories) {
        snprintf (why, whylen, "out of memory");
        return -1;
    }
    const char *p = text ? text : "";
    while (*p) {
        const char *end = strchr (p, sep);
        size_t len = end ? (size_t)(end - p) : strlen (p);
        char name[64];
        if (len == 0 || len >= sizeof name) {
            snprintf (why, whylen, "empty or overlong category name");
            return -1;
        }
        memcpy (name, p, len);
        name[len] = '\0';
        int value = ketenctl_enum_parse (&ketenbus__v1__category__descriptor, name);
        if (!value) {
            snprintf (why, whylen, "unknown category \"%s\"", name);
            return -1;
        }
        if (sig->n_categories == S_MAX_CATEGORIES) {
            snprintf (why, whylen, "more than %d categories", S_MAX_CATEGORIES);
            return -1;
        }
        sig->categories[sig->n_categories++] = (Ketenbus__V1__Category)value;
        p = end ? end + 1 : p + len;
    }
    return 0;
}

static int
s_household_parse (const char *text, Ketenbus__V1__CaseSignal *sig, char *why, size_t whylen)
{
    sig->household = calloc (S_MAX_MEMBERS, sizeof *sig->household);
    if (!sig->household) {
        snprintf (why, whylen, "out of memory");
        return -1;
    }
    const char *p = text ? text : "";
    while (*p) {
        const char *end = strchr (p, ';');
        size_t len = end ? (size_t)(end - p) : strlen (p);
        if (len > 0) {
            if (sig->n_household == S_MAX_MEMBERS) {
                snprintf (why, whylen, "more than %d household members", S_MAX_MEMBERS);
                return -1;
            }
            Ketenbus__V1__Person *member =
              s_member_parse (p, len, sig->n_household + 1, why, whylen);
            if (!member)
                return -1;
            sig->household[sig->n_household++] = member;
        }
        p = end ? end + 1 : p + len;
    }
    return 0;
}

Ketenbus__V1__CaseSignal *
ketenctl_signal_build (const ketenctl_signal_text_t *text, char *why, size_t whylen)
{
    Ketenbus__V1__CaseSignal *sig = malloc (sizeof *sig);
    if (!sig) {
        snprintf (why, whylen, "out of memory");
        return NULL;
    }
    ketenbus__v1__case_signal__init (sig);
    /* the generated init points strings at a shared empty default: own them all */
    sig->partner_case_ref = s_dup (text->case_ref);
    sig->gemeente_code = s_dup (text->gemeente_code);
    sig->postcode = s_dup (text->postcode);
    sig->gebied = s_dup (text->gebied);
    sig->signal_date = s_dup (text->signal_date);
    sig->contact_name = s_dup (text->contact_name);
    sig->contact_phone = s_dup (text->contact_phone);
    if (!sig->partner_case_ref || !sig->gemeente_code || !sig->postcode || !sig->gebied ||
        !sig->signal_date || !sig->contact_name || !sig->contact_phone) {
        snprintf (why, whylen, "out of memory");
        goto fail;
    }
    sig->urgency = (Ketenbus__V1__Urgency)ketenctl_enum_parse (&ketenbus__v1__urgency__descriptor,
                                                               text->urgency);
    if (!sig->urgency) {
        snprintf (why, whylen, "unknown urgency \"%.40s\"", text->urgency ? text->urgency : "");
        goto fail;
    }
    sig->housing = (Ketenbus__V1__HousingSituation)ketenctl_enum_parse (
      &ketenbus__v1__housing_situation__descriptor, text->housing);
    if (!sig->housing) {
        snprintf (why, whylen, "unknown housing \"%.40s\"", text->housing ? text->housing : "");
        goto fail;
    }
    if (s_categories_parse (
          text->categories, text->category_sep ? text->category_sep : ',', sig, why, whylen) ||
        s_household_parse (text->household, sig, why, whylen))
        goto fail;
    if (sig->n_categories == 0) {
        snprintf (why, whylen, "at least one category is required");
        goto fail;
    }
    /* the subject's role is implied by the household; intake does not need it */
    sig->subject = s_person_new (text->bsn, text->birth_date, 0);
    if (!sig->subject) {
        snprintf (why, whylen, "out of memory");
        goto fail;
    }
    return sig;
fail:
    ketenctl_signal_free (&sig);
    return NULL;
}

int
ketenctl_csv_split (char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (1) {
        if (n == max)
            return -1;
        char *out = p;
        fields[n++] = out;
        if (*p == '"') {
            p++;
            while (1) {
                if (*p == '\0')
                    return -1; /* unterminated quote */
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else
                    *out++ = *p++;
            }
            if (*p != ',' && *p != '\0')
                return -1;
        } else {
            while (*p && *p != ',') {
                if (*p == '"')
                    return -1;
                *out++ = *p++;
            }
        }
        char next = *p;
        *out = '\0';
        if (next == '\0')
            break;
        p++; /* past the comma */
    }
    return n;
}

void
ketenctl_signal_row_id (const uint8_t key[KETENCTL_PARTNER_KEY_BYTES],
                        const char *row,
                        size_t len,
                        char out[37])
{
    /* keyed: the row holds a BSN and the id is stored, logged and sent
       back, so nobody without the partner's key may recompute it */
    static const char tag[] = "ketenctl-import/2\n";
    uint8_t hash[16];
    crypto_generichash_state st;
    crypto_generichash_init (&st, key, KETENCTL_PARTNER_KEY_BYTES, sizeof hash);
    crypto_generichash_update (&st, (const uint8_t *)tag, sizeof tag - 1);
    crypto_generichash_update (&st, (const uint8_t *)row, len);
    crypto_generichash_final (&st, hash, sizeof hash);
    sodium_memzero (&st, sizeof st);
    hash[6] = (uint8_t)((hash[6] & 0x0f) | 0x40); /* version 4 */
    hash[8] = (uint8_t)((hash[8] & 0x3f) | 0x80); /* variant 10xx */
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[hash[i] >> 4];
        out[o++] = hex[hash[i] & 0x0f];
    }
    out[o] = '\0';
    sodium_memzero (hash, sizeof hash);
}

/*  ---------------------------------------------------------------------
    Talking to intake */

/* Header fields of env, then the wire bytes (caller frees). */
static uint8_t *
s_encode_env (kb_envelope_t *env, const char *message_id, size_t *len)
{
    env->message_id = (char *)message_id;
    env->schema_version = KB_SCHEMA_VERSION;
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    env->sent_at_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    uint8_t *bytes = kb_codec_encode (env, len);
    env->message_id = NULL;
    return bytes;
}

static uint8_t *
s_encode (Ketenbus__V1__CaseSignal *sig, const char *message_id, size_t *len)
{
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL;
    env.case_signal = sig;
    return s_encode_env (&env, message_id, len);
}

/* What intake answered to one message. */
typedef struct
{
    char message_id[64];
    enum
    {
        S_ANSWER_ACCEPTED,
        S_ANSWER_DUPLICATE,
        S_ANSWER_REJECTED
    } kind;
    char reference[64];
    char code[16];
    char field[128];
    char rule[256];
} s_answer_t;

/* Copies a string field of a decoded reply; NULL (not set) as "". */
static void
s_copy (char *dst, size_t size, const char *src)
{
    snprintf (dst, size, "%s", src ? src : "");
}

/* The message an answer is about: the id it names, else (older intake)
   the correlation id of its envelope. */
static void
s_answer_id (s_answer_t *answer, const kb_envelope_t *reply, const char *message_id)
{
    s_copy (answer->message_id,
            sizeof answer->message_id,
            message_id && *message_id ? message_id : reply->correlation_id);
}

/* Reads an Ack or Reject out of a reply; returns 0, or -1 when the reply
   is something else. */
static int
s_answer_read (const kb_envelope_t *reply, s_answer_t *answer)
{
    memset (answer, 0, sizeof *answer);
    switch (reply->body_case) {
        case KETENBUS__V1__ENVELOPE__BODY_ACK:
            if (!reply->ack)
                return -1;
            s_answer_id (answer, reply, reply->ack->message_id);
            answer->kind = reply->ack->status == KETENBUS__V1__ACK_STATUS__ACK_STATUS_DUPLICATE
                             ? S_ANSWER_DUPLICATE
                             : S_ANSWER_ACCEPTED;
            s_copy (answer->reference, sizeof answer->reference, reply->ack->reference);
            return 0;
        case KETENBUS__V1__ENVELOPE__BODY_REJECT:
            if (!reply->reject)
                return -1;
            s_answer_id (answer, reply, reply->reject->message_id);
            answer->kind = S_ANSWER_REJECTED;
            s_copy (answer->code, sizeof answer->code, reply->reject->code);
            s_copy (answer->field, sizeof answer->field, reply->reject->field);
            s_copy (answer->rule, sizeof answer->rule, reply->reject->rule);
            return 0;
        default:
            return -1;
    }
}

/* Waits for intake's answer to message id and prints it; an exit code. */
static int
s_await_answer (kb_client_t *client, const char *id, long timeout_ms)
{
    kb_envelope_t *reply = NULL;
    int64_t deadline = ketenctl_now_ms () + timeout_ms;
    int rc = KETENCTL_UNREACHABLE;
    while (1) {
        int64_t left = deadline - ketenctl_now_ms ();
        if (left <= 0)
            break;
        kb_codec_free (&reply);
        if (kb_client_recv (client, (int)left, &reply) == -1)
            break;
        s_answer_t answer;
        if (!reply || s_answer_read (reply, &answer) || strcmp (answer.message_id, id) != 0)
            continue; /* not ours: an old answer, a mailbox push or something undecodable */
        if (answer.kind == S_ANSWER_REJECTED) {
            printf ("rejected code=%s field=%s rule=\"%s\" message_id=%s\n",
                    answer.code,
                    answer.field,
                    answer.rule,
                    id);
            rc = KETENCTL_FAILED;
        } else {
            printf ("%s reference=%s message_id=%s\n",
                    answer.kind == S_ANSWER_DUPLICATE ? "duplicate" : "accepted",
                    answer.reference,
                    id);
            rc = KETENCTL_OK;
        }
        break;
    }
    kb_codec_free (&reply);
    if (rc == KETENCTL_UNREACHABLE)
        ketenctl_err (
          "could not get an answer from intake within %ld ms message_id=%s", timeout_ms, id);
    return rc;
}

int
ketenctl_signal_exchange (kb_client_t *client, kb_envelope_t *env, const char *message_id,
                          long timeout_ms)
{
    char id[KB_UUID_LEN + 1];
    if (message_id)
        snprintf (id, sizeof id, "%s", message_id);
    else
        kb_uuid_v4 (id);
    size_t len = 0;
    uint8_t *bytes = s_encode_env (env, id, &len);
    if (!bytes || kb_client_send_raw (client, bytes, len) != 0) {
        free (bytes);
        ketenctl_err ("could not send the message");
        return KETENCTL_FAILED;
    }
    free (bytes);
    return s_await_answer (client, id, timeout_ms);
}

/*  ---------------------------------------------------------------------
    send-signal */

static void
s_send_usage (FILE *out)
{
    char categories[512], urgencies[128], housing[256], roles[256];
    ketenctl_enum_names (&ketenbus__v1__category__descriptor, categories, sizeof categories);
    ketenctl_enum_names (&ketenbus__v1__urgency__descriptor, urgencies, sizeof urgencies);
    ketenctl_enum_names (&ketenbus__v1__housing_situation__descriptor, housing, sizeof housing);
    ketenctl_enum_names (&ketenbus__v1__household_role__descriptor, roles, sizeof roles);
    fprintf (out,
             "usage: ketenctl send-signal [--endpoint E] [--server-key K] [--cert C]\n"
             "         --bsn B|- --birth-date YYYY-MM-DD --category C[,C...] --urgency U\n"
             "         --gemeente CODE [--postcode P] [--gebied X] --housing H\n"
             "         [--signal-date YYYY-MM-DD] [--case-ref R] [--contact-name N]\n"
             "         [--contact-phone P] [--member BSN:BIRTHDATE:ROLE]... [--message-id UUID]\n"
             "         [--timeout-ms 5000]\n"
             "  sends one CaseSignal to intake and prints its answer; exit 0 accepted or\n"
             "  duplicate, 1 rejected, 3 no answer in time\n"
             "  --bsn - reads the BSN from stdin (one line, checked here), so it stays out\n"
             "  of the process list and the shell history; a --member BSN does not (for\n"
             "  households, prefer import)\n"
             "  categories: %s\n"
             "  urgency:    %s\n"
             "  housing:    %s\n"
             "  roles:      %s\n"
             "  endpoint, server key and certificate default to intake/endpoint,\n"
             "  intake/server_key and partner/cert; signal date defaults to today and the\n"
             "  case reference to a generated one\n",
             categories,
             urgencies,
             housing,
             roles);
}

/* --member: appends member to the ';' separated list of arg, a char **
   (grown with realloc). */
static int
s_member_option (void *arg, const char *member)
{
    char **list = (char **)arg;
    size_t old = *list ? strlen (*list) : 0;
    char *grown = realloc (*list, old + strlen (member) + 2);
    if (!grown) {
        ketenctl_err ("out of memory");
        return -1;
    }
    if (old)
        grown[old++] = ';';
    strcpy (grown + old, member);
    *list = grown;
    return 0;
}

int
ketenctl_signal_send (const ketenctl_t *ctx, int argc, char *argv[])
{
    ketenctl_signal_text_t text;
    memset (&text, 0, sizeof text);
    text.category_sep = ',';
    const char *endpoint = NULL, *server_key = NULL, *cert = NULL, *message_id = NULL;
    char *members = NULL;
    char bsn[10] = ""; /* of --bsn - */
    long timeout_ms = 5000;
    int rc;
    Ketenbus__V1__CaseSignal *sig = NULL;
    kb_client_t *client = NULL;
    kb_envelope_t *reply = NULL;
    uint8_t *bytes = NULL;
    const ketenctl_option_t options[] = {
        { .name = "endpoint", .text = &endpoint },
        { .name = "server-key", .text = &server_key },
        { .name = "cert", .text = &cert },
        { .name = "bsn", .text = &text.bsn },
        { .name = "birth-date", .text = &text.birth_date },
        { .name = "category", .text = &text.categories },
        { .name = "urgency", .text = &text.urgency },
        { .name = "gemeente", .text = &text.gemeente_code },
        { .name = "postcode", .text = &text.postcode },
        { .name = "gebied", .text = &text.gebied },
        { .name = "housing", .text = &text.housing },
        { .name = "signal-date", .text = &text.signal_date },
        { .name = "case-ref", .text = &text.case_ref },
        { .name = "contact-name", .text = &text.contact_name },
        { .name = "contact-phone", .text = &text.contact_phone },
        { .name = "member", .call = s_member_option, .arg = &members },
        { .name = "message-id", .text = &message_id },
        { .name = "timeout-ms", .number = &timeout_ms, .min = 1, .max = 3600000 },
        { .name = NULL },
    };
    if (ketenctl_options_only (argc, argv, options, s_send_usage, &rc))
        goto done;       /* --member may have collected some already */
    rc = KETENCTL_USAGE; /* until the signal is built */
    if (!text.bsn || !text.birth_date || !text.categories || !text.urgency || !text.gemeente_code ||
        !text.housing) {
        ketenctl_err ("send-signal needs --bsn, --birth-date, --category, --urgency, "
                      "--gemeente and --housing");
        s_send_usage (stderr);
        goto done;
    }
    /* a BSN given on the command line is intake's to check; one from
       standard input is read (and checked) by the helper the other
       --bsn commands use */
    if (strcmp (text.bsn, "-") == 0) {
        if (ketenctl_bsn_read (text.bsn, bsn))
            goto done;
        text.bsn = bsn;
    }
    char today[16], case_ref[48], id[KB_UUID_LEN + 1];
    if (!text.signal_date) {
        kb_date_today (today);
        text.signal_date = today;
    }
    kb_uuid_v4 (id);
    if (!text.case_ref) {
        snprintf (case_ref, sizeof case_ref, "ketenctl-%.8s", id);
        text.case_ref = case_ref;
    }
    if (message_id)
        snprintf (id, sizeof id, "%s", message_id);
    text.household = members;
    char why[256];
    sig = ketenctl_signal_build (&text, why, sizeof why);
    if (!sig) {
        ketenctl_err ("could not build the signal: %s", why);
        goto done;
    }
    client = ketenctl_client_open (ctx, endpoint, server_key, cert, &rc);
    if (!client)
        goto done;
    size_t len = 0;
    bytes = s_encode (sig, id, &len);
    if (!bytes || kb_client_send_raw (client, bytes, len) != 0) {
        ketenctl_err ("could not send the signal");
        rc = KETENCTL_FAILED;
        goto done;
    }
    rc = s_await_answer (client, id, timeout_ms);
done:
    kb_codec_free (&reply);
    free (bytes);
    kb_client_destroy (&client);
    ketenctl_signal_free (&sig);
    sodium_memzero (bsn, sizeof bsn);
    if (members) {
        sodium_memzero (members, strlen (members));
        free (members);
    }
    return rc;
}

/*  ---------------------------------------------------------------------
    import */

enum
{
    S_COL_CASE_REF,
    S_COL_BSN,
    S_COL_BIRTH_DATE,
    S_COL_CATEGORIES,
    S_COL_URGENCY,
    S_COL_GEMEENTE,
    S_COL_POSTCODE,
    S_COL_GEBIED,
    S_COL_HOUSING,
    S_COL_SIGNAL_DATE,
    S_COL_CONTACT_NAME,
    S_COL_CONTACT_PHONE,
    S_COL_HOUSEHOLD,
    S_COL_MESSAGE_ID,
    S_COLUMNS
};

static const char *s_column_names[S_COLUMNS] = {
    "partner_case_ref", "bsn",           "birth_date", "categories", "urgency",
    "gemeente_code",    "postcode",      "gebied",     "housing",    "signal_date",
    "contact_name",     "contact_phone", "household",  "message_id",
};

#define S_MAX_FIELDS 64

/* One row in flight. */
typedef struct
{
    char message_id[KB_UUID_LEN + 1];
    long line;
    uint8_t *bytes;
    size_t len;
    int attempts;
    int64_t due_ms;
    void *handle; /* node in s_import_t.order */
} s_pending_t;

/* One row that did not make it, for the rejects file. */
typedef struct
{
    long line;
    char code[16];
    char field[128];
    char rule[256];
} s_reject_t;

typedef struct
{
    const char *path;
    FILE *in;
    char *line;
    size_t line_cap;
    long line_no;
    int column[S_COLUMNS]; /* column index in the file of each known column */
    int ncolumns;
    bool eof;

    kb_client_t *client;
    uint8_t row_key[KETENCTL_PARTNER_KEY_BYTES]; /* keys the derived message ids */
    int window;
    int timeout_ms;
    zhashx_t *pending; /* message id -> s_pending_t (owned) */
    zlistx_t *order;   /* s_pending_t by due time (borrowed) */
    zlistx_t *rejects; /* s_reject_t (owned) */
    zhashx_t *codes;   /* reject code -> count (long *, owned) */

    long total, read, accepted, duplicates, rejected, unanswered, answered;
    bool aborted;
    bool progress;
    int64_t started_ms, drawn_ms;
} s_import_t;

static void
s_import_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl import --file signals.csv [--errors rejects.csv] [--window 256]\n"
             "         [--timeout-ms 10000] [--progress] [--endpoint E] [--server-key K]\n"
             "         [--cert C]\n"
             "  sends every row of a CSV file as a CaseSignal, up to --window at a time;\n"
             "  an unanswered row is sent again under the same message id (3 times)\n"
             "  header row: partner_case_ref,bsn,birth_date,categories,urgency,gemeente_code,\n"
             "    postcode,gebied,housing,signal_date,contact_name,contact_phone,household,\n"
             "    message_id\n"
             "  categories are separated by '|', household entries \"bsn:birth_date:role\" by\n"
             "  ';'; an empty message_id is derived from the row with the partner's secret\n"
             "  key (a keyed hash), so importing the same file again with the same\n"
             "  certificate gives duplicates, never second signals\n"
             "  rejected rows go to --errors (default FILE.rejects.csv): line, code, field,\n"
             "  rule, never row content\n"
             "  exit 0 all accepted or duplicate, 4 some rejected, 3 some unanswered,\n"
             "  1 the --errors file could not be written\n");
}

static void
s_free_pending (void **item)
{
    s_pending_t *p = (s_pending_t *)*item;
    if (p) {
        free (p->bytes);
        free (p);
    }
    *item = NULL;
}

static void
s_free_item (void **item)
{
    free (*item);
    *item = NULL;
}

static void
s_reject_add (s_import_t *self, long line, const char *code, const char *field, const char *rule)
{
    s_reject_t *r = calloc (1, sizeof *r);
    if (r) {
        r->line = line;
        snprintf (r->code, sizeof r->code, "%s", code);
        snprintf (r->field, sizeof r->field, "%s", field);
        snprintf (r->rule, sizeof r->rule, "%s", rule);
        zlistx_add_end (self->rejects, r);
    }
    if (strcmp (code, "TIMEOUT") == 0)
        return; /* counted as unanswered, not as a reject code */
    self->rejected++;
    long *count = (long *)zhashx_lookup (self->codes, code);
    if (!count) {
        count = calloc (1, sizeof *count);
        if (!count)
            return;
        zhashx_insert (self->codes, code, count);
    }
    (*count)++;
}

static void
s_progress (s_import_t *self, bool last)
{
    if (!self->progress)
        return;
    int64_t now = ketenctl_now_ms ();
    if (!last && now - self->drawn_ms < 100)
        return;
    self->drawn_ms = now;
    long done = self->accepted + self->duplicates + self->rejected + self->unanswered;
    double secs = (double)(now - self->started_ms) / 1000.0;
    double rate = secs > 0 ? (double)done / secs : 0;
    int width = 30;
    int filled = self->total > 0 ? (int)((double)done * width / (double)self->total) : width;
    if (filled > width)
        filled = width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf (stderr,
             "\r[%s] %ld/%ld rows %3.0f%% %.0f rows/s ",
             bar,
             done,
             self->total,
             self->total > 0 ? 100.0 * (double)done / (double)self->total : 100.0,
             rate);
    if (last)
        fputc ('\n', stderr);
    fflush (stderr);
}

/* Reads the next physical line without its line ending; false at the end. */
static bool
s_next_line (s_import_t *self)
{
    ssize_t n = getline (&self->line, &self->line_cap, self->in);
    if (n < 0)
        return false;
    self->line_no++;
    while (n > 0 && (self->line[n - 1] == '\n' || self->line[n - 1] == '\r'))
        self->line[--n] = '\0';
    return true;
}

static bool
s_blank (const char *line)
{
    for (; *line; line++)
        if (*line != ' ' && *line != '\t')
            return false;
    return true;
}

/* Counts the data rows (for the progress bar), then reads the header. */
static int
s_open_file (s_import_t *self)
{
    self->in = fopen (self->path, "r");
    if (!self->in) {
        ketenctl_err ("could not open \"%s\": %s", self->path, strerror (errno));
        return KETENCTL_USAGE;
    }
    bool first = true;
    while (s_next_line (self)) {
        if (s_blank (self->line))
            continue;
        if (first)
            first = false;
        else
            self->total++;
    }
    rewind (self->in);
    self->line_no = 0;
    while (s_next_line (self) && s_blank (self->line))
        ;
    if (self->line_no == 0 || s_blank (self->line ? self->line : "")) {
        ketenctl_err ("could not import \"%s\": the file is empty (a header row is required)",
                      self->path);
        return KETENCTL_USAGE;
    }
    char *header = self->line;
    if (strncmp (header, "\xEF\xBB\xBF", 3) == 0)
        header += 3; /* UTF-8 byte order mark of spreadsheet exports */
    char *fields[S_MAX_FIELDS];
    int n = ketenctl_csv_split (header, fields, S_MAX_FIELDS);
    if (n < 0) {
        ketenctl_err ("could not import \"%s\": malformed header row", self->path);
        return KETENCTL_USAGE;
    }
    for (int c = 0; c < S_COLUMNS; c++)
        self->column[c] = -1;
    for (int i = 0; i < n; i++) {
        int c = 0;
        while (c < S_COLUMNS && strcmp (fields[i], s_column_names[c]) != 0)
            c++;
        if (c == S_COLUMNS || self->column[c] >= 0) {
            ketenctl_err ("could not import \"%s\": unknown or repeated column \"%.40s\" in the "
                          "header row",
                          self->path,
                          fields[i]);
            return KETENCTL_USAGE;
        }
        self->column[c] = i;
    }
    for (int c = 0; c < S_COLUMNS; c++)
        if (self->column[c] < 0) {
            ketenctl_err ("could not import \"%s\": column \"%s\" missing in the header row",
                          self->path,
                          s_column_names[c]);
            return KETENCTL_USAGE;
        }
    self->ncolumns = n;
    return KETENCTL_OK;
}

static void
s_schedule (s_import_t *self, s_pending_t *p)
{
    p->due_ms = ketenctl_now_ms () + self->timeout_ms;
    if (p->handle)
        zlistx_move_end (self->order, p->handle);
    else
        p->handle = zlistx_add_end (self->order, p);
}

static void
s_forget (s_import_t *self, s_pending_t *p)
{
    zlistx_delete (self->order, p->handle);
    zhashx_delete (self->pending, p->message_id); /* frees p */
}

/* Reads, builds and sends the next data row. Returns false at the end. */
static bool
s_send_next (s_import_t *self)
{
    bool got;
    while ((got = s_next_line (self)) && s_blank (self->line))
        ;
    if (!got) {
        self->eof = true;
        return false;
    }
    long line_no = self->line_no;
    self->read++;
    /* the raw row (before splitting) is what the derived id is made of */
    char id[KB_UUID_LEN + 1];
    ketenctl_signal_row_id (self->row_key, self->line, strlen (self->line), id);
    char *fields[S_MAX_FIELDS];
    int n = ketenctl_csv_split (self->line, fields, S_MAX_FIELDS);
    char why[256];
    if (n < 0) {
        s_reject_add (self, line_no, "CSV", "", "malformed quoting");
        goto wipe;
    }
    if (n != self->ncolumns) {
        snprintf (why, sizeof why, "wrong column count: expected %d, got %d", self->ncolumns, n);
        s_reject_add (self, line_no, "CSV", "", why);
        goto wipe;
    }
    const char *mid = fields[self->column[S_COL_MESSAGE_ID]];
    if (*mid) {
        if (strlen (mid) > KB_UUID_LEN) {
            s_reject_add (self, line_no, "CSV", "message_id", "message id longer than a UUID");
            goto wipe;
        }
        snprintf (id, sizeof id, "%s", mid);
    }
    if (zhashx_lookup (self->pending, id)) {
        s_reject_add (
          self, line_no, "CSV", "message_id", "message id repeats a row still in flight");
        goto wipe;
    }
    ketenctl_signal_text_t text = {
        .case_ref = fields[self->column[S_COL_CASE_REF]],
        .bsn = fields[self->column[S_COL_BSN]],
        .birth_date = fields[self->column[S_COL_BIRTH_DATE]],
        .categories = fields[self->column[S_COL_CATEGORIES]],
        .urgency = fields[self->column[S_COL_URGENCY]],
        .gemeente_code = fields[self->column[S_COL_GEMEENTE]],
        .postcode = fields[self->column[S_COL_POSTCODE]],
        .gebied = fields[self->column[S_COL_GEBIED]],
        .housing = fields[self->column[S_COL_HOUSING]],
        .signal_date = fields[self->column[S_COL_SIGNAL_DATE]],
        .contact_name = fields[self->column[S_COL_CONTACT_NAME]],
        .contact_phone = fields[self->column[S_COL_CONTACT_PHONE]],
        .household = fields[self->column[S_COL_HOUSEHOLD]],
        .category_sep = '|',
    };
    Ketenbus__V1__CaseSignal *sig = ketenctl_signal_build (&text, why, sizeof why);
    if (!sig) {
        s_reject_add (self, line_no, "CSV", "", why);
        goto wipe;
    }
    s_pending_t *p = calloc (1, sizeof *p);
    if (p)
        p->bytes = s_encode (sig, id, &p->len);
    ketenctl_signal_free (&sig);
    if (!p || !p->bytes) {
        free (p);
        s_reject_add (self, line_no, "CSV", "", "could not encode the row");
        goto wipe;
    }
    snprintf (p->message_id, sizeof p->message_id, "%s", id);
    p->line = line_no;
    p->attempts = 1;
    zhashx_insert (self->pending, p->message_id, p);
    s_schedule (self, p);
    kb_client_send_raw (self->client, p->bytes, p->len);
wipe:
    /* the row holds a BSN: do not leave it in the line buffer */
    sodium_memzero (self->line, self->line_cap);
    return true;
}

static void
s_handle_answer (s_import_t *self, const s_answer_t *answer)
{
    s_pending_t *p = (s_pending_t *)zhashx_lookup (self->pending, answer->message_id);
    if (!p)
        return; /* a late answer to a row already settled */
    self->answered++;
    if (answer->kind == S_ANSWER_ACCEPTED)
        self->accepted++;
    else if (answer->kind == S_ANSWER_DUPLICATE)
        self->duplicates++;
    else
        s_reject_add (self, p->line, answer->code, answer->field, answer->rule);
    s_forget (self, p);
}

/* Retransmits or gives up rows whose answer is overdue. */
static void
s_expire (s_import_t *self)
{
    int64_t now = ketenctl_now_ms ();
    s_pending_t *p;
    while ((p = (s_pending_t *)zlistx_first (self->order)) && (p->due_ms <= now || self->aborted)) {
        if (!self->aborted && p->attempts <= S_RESENDS) {
            p->attempts++;
            s_schedule (self, p);
            kb_client_send_raw (self->client, p->bytes, p->len);
            continue;
        }
        self->unanswered++;
        s_reject_add (self, p->line, "TIMEOUT", "", "no answer from intake");
        s_forget (self, p);
        /* intake never answered anything: it is not there, stop waiting */
        if (self->answered == 0 && !self->aborted) {
            self->aborted = true;
            ketenctl_err ("could not reach intake: no answer after %d attempts, giving up",
                          S_RESENDS + 1);
        }
    }
}

static int
s_cmp_reject (const void *a, const void *b)
{
    long la = (*(s_reject_t *const *)a)->line, lb = (*(s_reject_t *const *)b)->line;
    return la < lb ? -1 : la > lb;
}

static void
s_csv_field (FILE *out, const char *s)
{
    fputc ('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc ('"', out);
        fputc (*s == '\n' || *s == '\r' ? ' ' : *s, out);
    }
    fputc ('"', out);
}

/* Writes the rejects file (.new, fsync, rename). */
static int
s_write_rejects (s_import_t *self, const char *path)
{
    char tmp[4096];
    if (snprintf (tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp) {
        ketenctl_err ("could not write \"%.200s...\": path too long", path);
        return -1;
    }
    FILE *out = fopen (tmp, "w");
    if (!out) {
        ketenctl_err ("could not write \"%s\": %s", tmp, strerror (errno));
        return -1;
    }
    size_t n = zlistx_size (self->rejects), i = 0;
    s_reject_t **sorted = calloc (n + 1, sizeof *sorted);
    for (s_reject_t *r = zlistx_first (self->rejects); r && sorted; r = zlistx_next (self->rejects))
        sorted[i++] = r;
    if (sorted)
        qsort (sorted, n, sizeof *sorted, s_cmp_reject);
    fprintf (out, "line,code,field,rule\n");
    for (i = 0; sorted && i < n; i++) {
        fprintf (out, "%ld,", sorted[i]->line);
        s_csv_field (out, sorted[i]->code);
        fputc (',', out);
        s_csv_field (out, sorted[i]->field);
        fputc (',', out);
        s_csv_field (out, sorted[i]->rule);
        fputc ('\n', out);
    }
    free (sorted);
    int ok = fflush (out) == 0 && fsync (fileno (out)) == 0;
    ok = (fclose (out) == 0) && ok;
    if (!ok || rename (tmp, path) != 0) {
        ketenctl_err ("could not write \"%s\": %s", path, strerror (errno));
        unlink (tmp);
        return -1;
    }
    return 0;
}

int
ketenctl_signal_import (const ketenctl_t *ctx, int argc, char *argv[])
{
    s_import_t self;
    memset (&self, 0, sizeof self);
    const char *errors = NULL, *endpoint = NULL, *server_key = NULL, *cert = NULL;
    char errors_default[4096];
    long window = 256, timeout_ms = 10000;
    bool progress = false;
    const ketenctl_option_t options[] = {
        { .name = "file", .text = &self.path },
        { .name = "errors", .text = &errors },
        { .name = "window", .number = &window, .min = 1, .max = 100000 },
        { .name = "timeout-ms", .number = &timeout_ms, .min = 1, .max = 3600000 },
        { .name = "progress", .flag = &progress },
        { .name = "endpoint", .text = &endpoint },
        { .name = "server-key", .text = &server_key },
        { .name = "cert", .text = &cert },
        { .name = NULL },
    };
    int rc;
    int operand = ketenctl_options_parse (argc, argv, options, s_import_usage, &rc);
    if (operand < 0)
        return rc;
    rc = KETENCTL_USAGE; /* until the file and intake are open */
    if (operand < argc || !self.path) {
        if (operand < argc)
            ketenctl_err ("unexpected argument \"%s\"", argv[operand]);
        else
            ketenctl_err ("import needs --file");
        s_import_usage (stderr);
        goto done;
    }
    if (!errors) {
        if (snprintf (errors_default, sizeof errors_default, "%s.rejects.csv", self.path) >=
            (int)sizeof errors_default) {
            ketenctl_err ("could not import \"%.200s...\": path too long", self.path);
            goto done;
        }
        errors = errors_default;
    }
    if (sodium_init () < 0) {
        ketenctl_err ("could not initialise libsodium");
        rc = KETENCTL_FAILED;
        goto done;
    }
    self.window = (int)window;
    self.timeout_ms = (int)timeout_ms;
    self.progress = progress || isatty (STDERR_FILENO);
    self.pending = zhashx_new ();
    self.order = zlistx_new ();
    self.rejects = zlistx_new ();
    self.codes = zhashx_new ();
    if (!self.pending || !self.order || !self.rejects || !self.codes) {
        ketenctl_err ("out of memory");
        rc = KETENCTL_FAILED;
        goto done;
    }
    zhashx_set_destructor (self.pending, s_free_pending);
    zlistx_set_destructor (self.rejects, s_free_item);
    zhashx_set_destructor (self.codes, s_free_item);

    rc = s_open_file (&self);
    if (rc != KETENCTL_OK)
        goto done;
    self.client = ketenctl_client_open (ctx, endpoint, server_key, cert, &rc);
    if (!self.client || (rc = ketenctl_partner_key (ctx, cert, self.row_key)) != KETENCTL_OK)
        goto done;

    self.started_ms = ketenctl_now_ms ();
    while (1) {
        while (!self.eof && !self.aborted && (int)zhashx_size (self.pending) < self.window)
            s_send_next (&self);
        s_expire (&self);
        if ((self.eof || self.aborted) && zhashx_size (self.pending) == 0)
            break;
        s_pending_t *first = (s_pending_t *)zlistx_first (self.order);
        int64_t wait = first ? first->due_ms - ketenctl_now_ms () : 0;
        if (wait < 0)
            wait = 0;
        if (self.progress && wait > 100)
            wait = 100;
        kb_envelope_t *reply = NULL;
        if (kb_client_recv (self.client, (int)wait, &reply) == 0 && reply) {
            s_answer_t answer;
            if (s_answer_read (reply, &answer) == 0)
                s_handle_answer (&self, &answer);
        }
        kb_codec_free (&reply);
        s_progress (&self, false);
    }
    if (self.aborted) {
        /* rows never read are unanswered too */
        long left = self.total - self.read;
        if (left > 0)
            self.unanswered += left;
    }
    s_progress (&self, true);

    printf ("accepted %ld, duplicate %ld, rejected %ld, unanswered %ld\n",
            self.accepted,
            self.duplicates,
            self.rejected,
            self.unanswered);
    for (long *count = zhashx_first (self.codes); count; count = zhashx_next (self.codes))
        printf ("  rejected code=%s count=%ld\n", (const char *)zhashx_cursor (self.codes), *count);
    bool written = s_write_rejects (&self, errors) == 0;
    if (written && (self.rejected || self.unanswered))
        printf ("rejected and unanswered rows: \"%s\"\n", errors);
    rc = self.unanswered ? KETENCTL_UNREACHABLE : self.rejected ? KETENCTL_REJECTS : KETENCTL_OK;
    /* without the file a script would take the reasons for lost */
    if (!written)
        rc = KETENCTL_FAILED;
done:
    sodium_memzero (self.row_key, sizeof self.row_key);
    kb_client_destroy (&self.client);
    zhashx_destroy (&self.codes);
    zlistx_destroy (&self.rejects);
    zlistx_destroy (&self.order);
    zhashx_destroy (&self.pending);
    if (self.line) {
        sodium_memzero (self.line, self.line_cap);
        free (self.line);
    }
    if (self.in)
        fclose (self.in);
    return rc;
}
