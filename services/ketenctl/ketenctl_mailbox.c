/*  ketenctl_mailbox - mailbox status and replay. */
#include "ketenctl_mailbox.h"

#include "ketenctl_output.h"

#include "intake_mailbox.h"

#include "ketenbus/kb_partner.h"

#include <czmq.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/*  ---------------------------------------------------------------------
    status */

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl mailbox status [--json]\n"
             "       ketenctl mailbox replay [--from N] [--no-ack] [--timeout-ms 3000]\n"
             "                               [--endpoint E] [--server-key K] [--cert C]\n"
             "  status: per partner organisation of the intake schema: queued (last\n"
             "          sequence number), acknowledged (acknowledged sequence number),\n"
             "          pending messages and the age of the oldest unacknowledged one,\n"
             "          held: messages held back because their consent was withdrawn\n"
             "          --json  one JSON object for scripts\n"
             "  replay: as the partner of partner/cert (or --cert), asks intake for the\n"
             "          mailbox from sequence number N (default 0: the oldest retained),\n"
             "          prints one line per delivered message (sequence number, time\n"
             "          enqueued, body and its routing fields, never personal data),\n"
             "          acknowledges them cumulatively unless --no-ack (intake then sends\n"
             "          at most its delivery window) and stops when nothing arrives for\n"
             "          --timeout-ms. Exit 0 done, 1 refused by intake, 3 intake\n"
             "          unreachable\n");
}

static int
s_status (const ketenctl_t *ctx, int argc, char *argv[])
{
    bool json = false;
    const ketenctl_option_t options[] = {
        { .name = "json", .flag = &json },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    const char *schema = kb_config_str (ctx->config, "db/schema");
    intake_mailbox_depth_t *boxes = NULL;
    size_t n_boxes = 0;
    kb_db_t *db = ketenctl_db_open (ctx, schema, true, &rc);
    if (!db)
        return rc;
    if (!(boxes = intake_mailbox_depths (db, &n_boxes))) {
        ketenctl_err ("could not read the mailboxes schema=\"%s\"", schema);
        rc = KETENCTL_FAILED;
        goto done;
    }
    long total = 0;
    if (json) {
        printf ("{\"schema\": ");
        ketenctl_json_string (stdout, schema);
        printf (", \"mailboxes\": [");
    } else
        printf ("%-32s %10s %12s %8s %6s %s\n", "org", "queued", "acknowledged", "pending",
                "held", "oldest");
    for (size_t i = 0; i < n_boxes; i++) {
        const char *org = boxes[i].org_id;
        long long last = boxes[i].queued;
        long long acked = boxes[i].acked;
        long pending = boxes[i].pending;
        long long oldest_ms = boxes[i].oldest_pending_ms;
        long held = boxes[i].held; /* consent withdrawn: never delivered */
        total += pending;
        if (json) {
            printf ("%s{\"org\": ", i ? ", " : "");
            ketenctl_json_string (stdout, org);
            printf (", \"queued\": %lld, \"acknowledged\": %lld, \"pending\": %ld, "
                    "\"held_back\": %ld, \"oldest_pending_ms\": ",
                    last,
                    acked,
                    pending,
                    held);
            if (oldest_ms >= 0)
                printf ("%lld}", oldest_ms);
            else
                printf ("null}");
            continue;
        }
        char age[32] = "-";
        if (oldest_ms >= 0)
            snprintf (age, sizeof age, "%.1f s", oldest_ms / 1000.0);
        printf ("%-32s %10lld %12lld %8ld %6ld %s\n", org, last, acked, pending, held, age);
    }
    if (json)
        printf ("], \"pending\": %ld}\n", total);
    else
        printf ("%zu mailboxes, %ld messages pending\n", n_boxes, total);
    rc = KETENCTL_OK;
done:
    free (boxes);
    kb_db_destroy (&db);
    return rc;
}

/*  ---------------------------------------------------------------------
    replay */

/* Appends printf output to buf at *used, never past size. */
static void
s_add (char *buf, size_t size, size_t *used, const char *fmt, ...)
{
    if (*used + 1 >= size)
        return;
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (buf + *used, size - *used, fmt, ap);
    va_end (ap);
    if (n > 0)
        *used = *used + (size_t)n < size ? *used + (size_t)n : size - 1;
}

static const char *
s_enum (const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t size)
{
    return ketenctl_enum_name (desc, value, buf, size);
}

void
ketenctl_mailbox_describe (const kb_envelope_t *env, char *buf, size_t size)
{
    size_t used = 0;
    char e1[64], e2[64];
    buf[0] = '\0';
    s_add (buf, size, &used, "%s", kb_codec_body_name (env));
    switch (env->body_case) {
        case KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION: {
            const Ketenbus__V1__MatchNotification *m = env->match_notification;
            s_add (buf,
                   size,
                   &used,
                   " event=%s gezin=%s case_ref=%s other_org=%s other_org_type=%s"
                   " other_is_regisseur=%s other_contact=\"%s\" other_phone=%s",
                   s_enum (&ketenbus__v1__match_event__descriptor, m->event, e1, sizeof e1),
                   ketenctl_or_dash (m->gezin_ref),
                   ketenctl_or_dash (m->partner_case_ref),
                   ketenctl_or_dash (m->other_org),
                   kb_org_type_name (m->other_org_type),
                   m->other_is_regisseur ? "true" : "false",
                   m->other_contact_name ? m->other_contact_name : "",
                   ketenctl_or_dash (m->other_contact_phone));
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT: {
            const Ketenbus__V1__RegieAssignment *a = env->regie_assignment;
            s_add (buf,
                   size,
                   &used,
                   " gezin=%s case_ref=%s plan=%s regisseur_org=%s regisseur_org_type=%s"
                   " basis=%s casemanager=\"%s\" phone=%s",
                   ketenctl_or_dash (a->gezin_ref),
                   ketenctl_or_dash (a->partner_case_ref),
                   ketenctl_or_dash (a->plan_ref),
                   ketenctl_or_dash (a->regisseur_org),
                   kb_org_type_name (a->regisseur_org_type),
                   s_enum (&ketenbus__v1__regie_basis__descriptor, a->basis, e1, sizeof e1),
                   a->casemanager_name ? a->casemanager_name : "",
                   ketenctl_or_dash (a->casemanager_phone));
            if (a->rule_name && *a->rule_name)
                s_add (buf, size, &used, " rule=%s", a->rule_name);
            if (a->transfer_id && *a->transfer_id)
                s_add (buf, size, &used, " transfer=%s", a->transfer_id);
            if (a->previous_regisseur_org && *a->previous_regisseur_org)
                s_add (buf, size, &used, " previous=%s", a->previous_regisseur_org);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST: {
            const Ketenbus__V1__RegieTransferRequest *t = env->regie_transfer_request;
            s_add (
              buf,
              size,
              &used,
              " transfer=%s plan=%s case_ref=%s from=%s to=%s reason=%s",
              ketenctl_or_dash (t->transfer_id),
              ketenctl_or_dash (t->plan_ref),
              ketenctl_or_dash (t->partner_case_ref),
              ketenctl_or_dash (t->from_org),
              ketenctl_or_dash (t->to_org),
              s_enum (&ketenbus__v1__regie_transfer_reason__descriptor, t->reason, e1, sizeof e1));
            if (t->deadline_at_ms > 0) {
                char deadline[32];
                ketenctl_utc (t->deadline_at_ms, deadline, sizeof deadline);
                s_add (buf, size, &used, " deadline=%s", deadline);
            }
            if (t->notify_org && *t->notify_org)
                s_add (buf, size, &used, " notify=%s", t->notify_org);
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE: {
            const Ketenbus__V1__RegieTransferResponse *t = env->regie_transfer_response;
            s_add (
              buf,
              size,
              &used,
              " transfer=%s plan=%s from=%s to=%s decision=%s",
              ketenctl_or_dash (t->transfer_id),
              ketenctl_or_dash (t->plan_ref),
              ketenctl_or_dash (t->from_org),
              ketenctl_or_dash (t->to_org),
              s_enum (&ketenbus__v1__transfer_decision__descriptor, t->decision, e1, sizeof e1));
            if (t->reject_reason)
                s_add (buf,
                       size,
                       &used,
                       " reject_reason=%s",
                       s_enum (&ketenbus__v1__transfer_reject_reason__descriptor,
                               t->reject_reason,
                               e2,
                               sizeof e2));
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED: {
            const Ketenbus__V1__RegieTransferEnded *t = env->regie_transfer_ended;
            s_add (buf,
                   size,
                   &used,
                   " transfer=%s plan=%s case_ref=%s from=%s proposed=%s end=%s",
                   ketenctl_or_dash (t->transfer_id),
                   ketenctl_or_dash (t->plan_ref),
                   ketenctl_or_dash (t->partner_case_ref),
                   ketenctl_or_dash (t->from_org),
                   ketenctl_or_dash (t->proposed_org),
                   s_enum (&ketenbus__v1__transfer_end__descriptor, t->end, e1, sizeof e1));
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT: {
            const Ketenbus__V1__CareAssignment *a = env->care_assignment;
            s_add (
              buf,
              size,
              &used,
              " toewijzing=%s action=%s provider=%s assigning=%s product_category=%s "
              "level=%s",
              ketenctl_or_dash (a->toewijzing_id),
              s_enum (&ketenbus__v1__care_action__descriptor, a->action, e1, sizeof e1),
              ketenctl_or_dash (a->provider_org),
              ketenctl_or_dash (a->assigning_org),
              ketenctl_or_dash (a->product_category),
              s_enum (&ketenbus__v1__pyramid_level__descriptor, a->pyramid_level, e2, sizeof e2));
            break;
        }
        case KETENBUS__V1__ENVELOPE__BODY_REJECT: {
            /* zorgtoewijzing refused one of our messages after intake's Ack */
            const Ketenbus__V1__Reject *r = env->reject;
            s_add (buf,
                   size,
                   &used,
                   " refused_message=%s code=%s field=%s rule=%s",
                   ketenctl_or_dash (r->message_id),
                   ketenctl_or_dash (r->code),
                   ketenctl_or_dash (r->field),
                   ketenctl_or_dash (r->rule));
            break;
        }
        default:
            /* other bodies: the name is all an operator needs here */
            break;
    }
    if (env->message_id && *env->message_id)
        s_add (buf, size, &used, " message_id=%s", env->message_id);
}

typedef struct
{
    kb_client_t *client;
    zactor_t *monitor; /* handshake events of the client's socket */
    bool ack;
    bool reachable; /* CURVE handshake done or anything received */
    bool refused;   /* intake refused our certificate or the request */
    long count;     /* messages printed */
    long undecodable;
    uint64_t first, last; /* sequence numbers printed */
    uint64_t acked;
} s_replay_t;

/* Reads one monitor event. */
static void
s_replay_event (s_replay_t *self)
{
    char *event = NULL, *value = NULL, *address = NULL;
    if (zstr_recvx (self->monitor, &event, &value, &address, NULL) < 1)
        return;
    if (streq (event, "HANDSHAKE_SUCCEEDED"))
        self->reachable = true;
    else if (streq (event, "HANDSHAKE_FAILED_AUTH")) {
        if (!self->refused)
            ketenctl_err ("intake refused the partner certificate (not registered or revoked?)");
        self->refused = true;
    }
    zstr_free (&event);
    zstr_free (&value);
    zstr_free (&address);
}

/* Handles one answer of intake; env is freed by the caller. */
static void
s_replay_message (s_replay_t *self, const kb_envelope_t *env)
{
    self->reachable = true;
    if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_REJECT) {
        const Ketenbus__V1__Reject *r = env->reject;
        ketenctl_err ("intake refused the request code=%s field=%s rule=\"%s\"",
                      ketenctl_or_dash (r->code),
                      ketenctl_or_dash (r->field),
                      ketenctl_or_dash (r->rule));
        self->refused = true;
        return;
    }
    if (env->body_case != KETENBUS__V1__ENVELOPE__BODY_DELIVER)
        return; /* an Ack of our own messages, or something newer than us */
    const Ketenbus__V1__Deliver *d = env->deliver;
    if (self->count && d->mailbox_seq <= self->last)
        return; /* sent again (resend after a quiet while): printed already */
    char when[32], line[1024];
    ketenctl_utc (d->enqueued_at_ms, when, sizeof when);
    kb_envelope_t *inner = NULL;
    kb_codec_rc_t crc =
      kb_codec_decode (d->envelope.data, d->envelope.len, 16 * 1024 * 1024, &inner);
    if (crc == KB_CODEC_OK)
        ketenctl_mailbox_describe (inner, line, sizeof line);
    else {
        snprintf (line, sizeof line, "undecodable (%s)", kb_codec_rc_text (crc));
        self->undecodable++;
    }
    kb_codec_free (&inner);
    printf ("%" PRIu64 " %s %s\n", (uint64_t)d->mailbox_seq, when, line);
    fflush (stdout);
    if (!self->count)
        self->first = d->mailbox_seq;
    self->last = d->mailbox_seq;
    self->count++;
}

static void
s_replay_ack (s_replay_t *self)
{
    if (self->ack && self->count && self->last > self->acked &&
        kb_client_delivery_ack (self->client, self->last) == 0)
        self->acked = self->last;
}

static int
s_replay (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *endpoint = NULL, *server_key = NULL, *cert = NULL;
    long from = 0, timeout_ms = 3000;
    bool no_ack = false;
    const ketenctl_option_t options[] = {
        { .name = "from", .number = &from, .min = 0, .max = LONG_MAX },
        { .name = "no-ack", .flag = &no_ack },
        { .name = "timeout-ms", .number = &timeout_ms, .min = 1, .max = 3600000 },
        { .name = "endpoint", .text = &endpoint },
        { .name = "server-key", .text = &server_key },
        { .name = "cert", .text = &cert },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc))
        return rc;
    s_replay_t self;
    memset (&self, 0, sizeof self);
    self.ack = !no_ack;
    zpoller_t *poller = NULL;
    kb_envelope_t *env = NULL;
    self.client = ketenctl_client_open (ctx, endpoint, server_key, cert, &rc);
    if (!self.client)
        return rc;
    /* whether intake is there at all: the CURVE handshake, since an empty
       mailbox answers nothing */
    self.monitor = zactor_new (zmonitor, kb_client_socket (self.client));
    if (self.monitor) {
        zstr_sendx (self.monitor,
                    "LISTEN",
                    "HANDSHAKE_SUCCEEDED",
                    "HANDSHAKE_FAILED_AUTH",
                    "HANDSHAKE_FAILED_PROTOCOL",
                    NULL);
        zstr_sendx (self.monitor, "START", NULL);
        zsock_wait (self.monitor);
    }
    if (kb_client_replay (self.client, (uint64_t)from) != 0) {
        ketenctl_err ("could not send the replay request");
        rc = KETENCTL_FAILED;
        goto done;
    }
    poller = self.monitor ? zpoller_new (kb_client_socket (self.client), self.monitor, NULL)
                          : zpoller_new (kb_client_socket (self.client), NULL);
    int64_t quiet_until = ketenctl_now_ms () + timeout_ms;
    long since_ack = 0;
    while (!self.refused) {
        int64_t left = quiet_until - ketenctl_now_ms ();
        if (left <= 0)
            break;
        /* acknowledge a burst once it pauses, or every 64 messages */
        int wait = since_ack ? (int)(left < 20 ? left : 20) : (int)left;
        void *which = zpoller_wait (poller, wait);
        if (which == self.monitor && self.monitor) {
            s_replay_event (&self);
            continue;
        }
        if (!which) {
            if (zpoller_terminated (poller))
                break;
            s_replay_ack (&self);
            since_ack = 0;
            continue;
        }
        int r = kb_client_recv (self.client, 0, &env);
        if (r == 0 && env) {
            long before = self.count;
            s_replay_message (&self, env);
            if (self.count > before) {
                quiet_until = ketenctl_now_ms () + timeout_ms;
                if (++since_ack >= 64) {
                    s_replay_ack (&self);
                    since_ack = 0;
                }
            }
        } else if (r == -2)
            self.reachable = true; /* intake answered, we could not read it */
        kb_codec_free (&env);
    }
    s_replay_ack (&self);
    if (self.refused)
        rc = KETENCTL_FAILED;
    else if (!self.reachable) {
        ketenctl_err ("could not reach intake at \"%s\" within %ld ms",
                      endpoint ? endpoint : kb_config_str (ctx->config, "intake/endpoint"),
                      timeout_ms);
        rc = KETENCTL_UNREACHABLE;
    } else
        rc = KETENCTL_OK;
    if (self.count)
        printf ("replayed %ld messages (seq %" PRIu64 "..%" PRIu64 ")%s\n",
                self.count,
                self.first,
                self.last,
                self.ack ? "" : ", not acknowledged");
    else if (rc == KETENCTL_OK)
        printf ("replayed 0 messages\n");
    if (self.undecodable)
        ketenctl_err ("%ld messages could not be decoded", self.undecodable);
done:
    kb_codec_free (&env);
    zpoller_destroy (&poller);
    zactor_destroy (&self.monitor);
    kb_client_destroy (&self.client);
    return rc;
}

int
ketenctl_mailbox (const ketenctl_t *ctx, int argc, char *argv[])
{
    static const ketenctl_subcommand_t subcommands[] = {
        { "status", s_status },
        { "replay", s_replay },
        { NULL, NULL },
    };
    return ketenctl_dispatch (ctx, argc, argv, subcommands, s_usage);
}
