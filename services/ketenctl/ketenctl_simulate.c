/*  ketenctl_simulate - a living fictional region through the real intake. */
#include "ketenctl_simulate.h"
#include "ketenctl_simgen.h"

#include "ketenbus/kb_uuid.h"
#include "ketenbus/kb_validate.h"
#include "zorg_plan.h"

#include <czmq.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define S_WINDOW 64        /* messages in flight without an answer */
#define S_RESENDS 3        /* retransmissions under the same message id */
#define S_PROGRESS_MS 5000 /* a progress line this often */
#define S_STEP_GAP_MS 100  /* between two steps of one case */
#define S_MAX_PARTNERS 64
#define S_STOP_WAIT_MS 2000 /* after Ctrl-C: how long answers in flight are awaited */

static volatile sig_atomic_t s_stop;

static void
s_on_signal (int sig)
{
    (void)sig;
    s_stop = 1;
}

/* One case while it runs. */
typedef struct
{
    const ketenctl_simgen_case_t *c;
    int next;         /* next step */
    int64_t ready_ms; /* the next step not before */
    bool in_flight, done;
    bool regie_known, regie_failed;
    int64_t regie_deadline_ms;
    char case_ref[48];
    char plan_ref[65], gezin_ref[65];
    int regisseur;          /* partner index: the first RegieAssignment's */
    int transfer_regisseur; /* a later RegieAssignment's (TRANSFER), -1 while none */
    char pot_id[ZORG_POT_ID_LEN + 1];
    char transfer_id[KB_UUID_LEN + 1];
    bool transfer_sent;
    /* an accepted transfer answer went in: the new regisseur's steps wait
       for its RegieAssignment (basis TRANSFER) until transfer_deadline_ms */
    bool transfer_expected, transfer_failed;
    int64_t transfer_deadline_ms, transfer_known_ms;
} s_case_t;

typedef struct
{
    char message_id[KB_UUID_LEN + 1];
    s_case_t *cs;
    int kind, client, attempts;
    int64_t due_ms;
    uint8_t *bytes;
    size_t len;
} s_pending_t;

typedef struct
{
    const ketenctl_t *ctx;
    ketenctl_simgen_t *gen;
    size_t ncases, started;
    s_case_t *cases;
    int64_t *start_ms; /* when each case may start */
    kb_client_t *clients[S_MAX_PARTNERS];
    size_t npartners;
    zpoller_t *poller;
    kb_pseudo_t *pseudo; /* NULL: the POTs are not reported on */
    zhashx_t *pending;   /* message id -> s_pending_t */
    zhashx_t *by_ref;    /* case ref -> s_case_t (borrowed) */
    zhashx_t *codes;     /* reject code -> long */
    char run[9];
    long timeout_ms, gap_ms, regie_timeout_ms;
    double rate, tokens;
    int64_t t0, last_refill, last_progress;
    long sent[KETENCTL_SIM_KINDS], accepted[KETENCTL_SIM_KINDS], rejected[KETENCTL_SIM_KINDS];
    long duplicates, unanswered, skipped, answered, regie_missing, transfer_missing, deliveries;
    long refused; /* KB30 Rejects in the mailboxes: refused after the Ack */
    long transfers; /* RegieAssignments with basis TRANSFER about our cases */
    bool aborted;
    char last_date[11]; /* the newest signal date sent: how far the region got */
} s_sim_t;

/*  ---------------------------------------------------------------------
    Building the messages */

static const char *
s_org (int partner)
{
    return ketenctl_simgen_partners[partner].org;
}
/* The references a step needs from the run. */
static void
s_refs (const s_case_t *cs, ketenctl_simgen_refs_t *refs)
{
    refs->case_ref = cs->case_ref;
    refs->plan_ref = cs->regie_known ? cs->plan_ref : NULL;
    refs->gezin_ref = cs->gezin_ref;
    refs->pot_id = cs->pot_id[0] ? cs->pot_id : NULL;
    refs->transfer_id = cs->transfer_id;
}

/*  ---------------------------------------------------------------------
    Running */

static int64_t
s_gap (s_sim_t *self, const s_case_t *cs)
{
    if (cs->next < cs->c->nsteps && cs->c->steps[cs->next].after_zorg)
        return self->gap_ms;
    return S_STEP_GAP_MS;
}

/* The step is done (answered or skipped): on to the next. */
static void
s_advance (s_sim_t *self, s_case_t *cs)
{
    cs->in_flight = false;
    cs->next++;
    if (cs->next >= cs->c->nsteps)
        cs->done = true;
    else
        cs->ready_ms = ketenctl_now_ms () + s_gap (self, cs);
}

/* Whether the step can go now: 1 send, 0 wait, -1 skip. */
static int
s_step_ready (s_sim_t *self, s_case_t *cs, const ketenctl_simgen_step_t *st, int64_t now)
{
    bool regie = st->sender == KETENCTL_SIMGEN_REGISSEUR || st->kind == KETENCTL_SIM_PLAN ||
                 st->kind == KETENCTL_SIM_TRANSFER_REQUEST ||
                 st->kind == KETENCTL_SIM_TRANSFER_RESPONSE ||
                 st->trajectory == KETENCTL_SIM_TRAJ_PLAN;
    if (st->needs_transfer && !cs->transfer_sent)
        return -1;
    /* after an accepted transfer the gezinsplan's regisseur is the new one:
       client-tracking refuses the old one's updates (not_regisseur) */
    if (st->after_transfer && cs->transfer_expected && cs->transfer_regisseur < 0) {
        if (cs->transfer_failed)
            return -1;
        if (now > cs->transfer_deadline_ms) {
            cs->transfer_failed = true;
            self->transfer_missing++;
            return -1;
        }
        return 0;
    }
    /* what zorgtoewijzing tells client-tracking about the new regisseur
       needs a moment, as after the first assignment */
    if (st->after_transfer && cs->transfer_regisseur >= 0 &&
        now < cs->transfer_known_ms + self->gap_ms)
        return 0;
    if (st->kind == KETENCTL_SIM_SHELTER)
        regie = false; /* the shelter registers the stay with or without a plan */
    if (regie && !cs->regie_known) {
        if (cs->regie_failed)
            return -1;
        if (now > cs->regie_deadline_ms) {
            cs->regie_failed = true;
            self->regie_missing++;
            return -1;
        }
        return 0;
    }
    if (st->kind == KETENCTL_SIM_TRAJECTORY && st->trajectory == KETENCTL_SIM_TRAJ_POT &&
        !cs->pot_id[0])
        return -1;
    if (st->kind == KETENCTL_SIM_TRANSFER_REQUEST &&
        (st->transfer_to == cs->regisseur || st->transfer_to < 0))
        return -1;
    return 1;
}

static void
s_send_step (s_sim_t *self, s_case_t *cs, int64_t now)
{
    const ketenctl_simgen_step_t *st = &cs->c->steps[cs->next];
    int ready = s_step_ready (self, cs, st, now);
    if (ready < 0) {
        self->skipped++;
        s_advance (self, cs);
        return;
    }
    if (ready == 0) {
        cs->ready_ms = now + 50;
        return;
    }
    int client = ketenctl_simgen_sender (cs->c, st, cs->regisseur, cs->transfer_regisseur);
    s_pending_t *p = calloc (1, sizeof *p);
    if (!p) { /* out of memory: skip the step rather than retry it forever */
        self->skipped++;
        s_advance (self, cs);
        return;
    }
    kb_uuid_v4 (p->message_id);
    if (st->kind == KETENCTL_SIM_TRANSFER_REQUEST)
        kb_uuid_v4 (cs->transfer_id);
    ketenctl_simgen_refs_t refs;
    s_refs (cs, &refs);
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    p->bytes = ketenctl_simgen_encode (
      cs->c, st, &refs, p->message_id, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &p->len);
    if (!p->bytes) {
        free (p);
        self->skipped++;
        s_advance (self, cs);
        return;
    }
    p->cs = cs;
    p->kind = st->kind;
    p->client = client;
    p->attempts = 1;
    p->due_ms = now + self->timeout_ms;
    zhashx_insert (self->pending, p->message_id, p);
    kb_client_send_raw (self->clients[client], p->bytes, p->len);
    self->sent[st->kind]++;
    self->tokens -= 1;
    cs->in_flight = true;
    if (st->kind == KETENCTL_SIM_TRANSFER_REQUEST)
        cs->transfer_sent = true;
    if (st->kind == KETENCTL_SIM_SIGNAL && strcmp (st->date, self->last_date) > 0)
        memcpy (self->last_date, st->date, sizeof self->last_date);
}

static void
s_free_pending (void **item)
{
    s_pending_t *p = *item;
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
s_count_code (s_sim_t *self, const char *kind, const char *code)
{
    char key[96];
    snprintf (key, sizeof key, "%s %s", kind, code && *code ? code : "-");
    long *n = zhashx_lookup (self->codes, key);
    if (!n) {
        n = calloc (1, sizeof *n);
        if (!n)
            return;
        zhashx_insert (self->codes, key, n);
    }
    (*n)++;
}

static void
s_on_answer (s_sim_t *self, const kb_envelope_t *reply)
{
    const char *id = NULL, *code = NULL;
    bool ok = false, duplicate = false;
    if (reply->body_case == KETENBUS__V1__ENVELOPE__BODY_ACK && reply->ack) {
        id = reply->ack->message_id;
        ok = true;
        duplicate = reply->ack->status == KETENBUS__V1__ACK_STATUS__ACK_STATUS_DUPLICATE;
    } else if (reply->body_case == KETENBUS__V1__ENVELOPE__BODY_REJECT && reply->reject) {
        id = reply->reject->message_id;
        code = reply->reject->code;
    }
    if (!id || !*id)
        id = reply->correlation_id;
    s_pending_t *p = id ? zhashx_lookup (self->pending, id) : NULL;
    if (!p)
        return; /* the answer to a Replay, or a late one */
    self->answered++;
    if (ok) {
        self->accepted[p->kind]++;
        self->duplicates += duplicate;
    } else {
        self->rejected[p->kind]++;
        s_count_code (self, ketenctl_simgen_kind_name (p->kind), code);
        if (p->kind == KETENCTL_SIM_SIGNAL && p->cs->next == 0) {
            p->cs->regie_failed = true; /* no gezin, no plan */
        }
    }
    s_case_t *cs = p->cs;
    const ketenctl_simgen_step_t *st = &cs->c->steps[cs->next];
    if (ok && st->kind == KETENCTL_SIM_TRANSFER_RESPONSE &&
        st->decision == KETENBUS__V1__TRANSFER_DECISION__TRANSFER_DECISION_ACCEPTED &&
        cs->transfer_regisseur < 0) {
        cs->transfer_expected = true;
        cs->transfer_deadline_ms = ketenctl_now_ms () + self->regie_timeout_ms;
    }
    zhashx_delete (self->pending, p->message_id);
    s_advance (self, cs);
}

/* A Deliver from a partner's mailbox: acknowledged; the first
   RegieAssignment about one of our cases tells its plan and regisseur, a
   later one with basis TRANSFER (or the ketencoordinator's decision) the
   new regisseur. */
static void
s_on_deliver (s_sim_t *self, int client, const kb_envelope_t *reply)
{
    const Ketenbus__V1__Deliver *d = reply->deliver;
    if (!d)
        return;
    self->deliveries++;
    kb_client_delivery_ack (self->clients[client], d->mailbox_seq);
    kb_envelope_t *inner = NULL;
    if (kb_codec_decode (d->envelope.data, d->envelope.len, 1 << 20, &inner) != KB_CODEC_OK)
        return;
    if (inner->body_case == KETENBUS__V1__ENVELOPE__BODY_REJECT)
        self->refused++;
    if (inner->body_case == KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT &&
        inner->regie_assignment) {
        const Ketenbus__V1__RegieAssignment *ra = inner->regie_assignment;
        s_case_t *cs = ra->partner_case_ref && *ra->partner_case_ref
                         ? zhashx_lookup (self->by_ref, ra->partner_case_ref)
                         : NULL;
        if (cs && !cs->regie_known && !cs->regie_failed) {
            int regisseur = ketenctl_simgen_partner_find (ra->regisseur_org);
            if (regisseur < 0 || !self->clients[regisseur] || !ra->plan_ref || !*ra->plan_ref)
                cs->regie_failed = true; /* escalated, or a regisseur we cannot act as */
            else {
                snprintf (cs->plan_ref, sizeof cs->plan_ref, "%s", ra->plan_ref);
                snprintf (
                  cs->gezin_ref, sizeof cs->gezin_ref, "%s", ra->gezin_ref ? ra->gezin_ref : "");
                cs->regisseur = regisseur;
                cs->regie_known = true;
                /* what zorgtoewijzing sends client-tracking needs a moment */
                int64_t soon = ketenctl_now_ms () + self->gap_ms;
                if (cs->ready_ms < soon && !cs->in_flight && cs->next < cs->c->nsteps &&
                    cs->c->steps[cs->next].after_zorg)
                    cs->ready_ms = soon;
            }
        } else if (cs && cs->regie_known &&
                   (ra->basis == KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_TRANSFER ||
                    ra->basis == KETENBUS__V1__REGIE_BASIS__REGIE_BASIS_ESCALATION_DECISION) &&
                   ra->plan_ref && strcmp (ra->plan_ref, cs->plan_ref) == 0) {
            int regisseur = ketenctl_simgen_partner_find (ra->regisseur_org);
            if (regisseur >= 0 && self->clients[regisseur]) {
                cs->transfer_regisseur = regisseur;
                cs->transfer_known_ms = ketenctl_now_ms ();
                self->transfers++;
            } else
                cs->transfer_failed = true; /* a regisseur we cannot act as */
        }
    }
    kb_codec_free (&inner);
}

static void
s_expire (s_sim_t *self, int64_t now)
{
    s_pending_t *p = zhashx_first (self->pending);
    zlistx_t *gone = zlistx_new ();
    for (; p; p = zhashx_next (self->pending)) {
        if (p->due_ms > now)
            continue;
        if (p->attempts <= S_RESENDS && !self->aborted && !s_stop) {
            p->attempts++;
            p->due_ms = now + self->timeout_ms;
            kb_client_send_raw (self->clients[p->client], p->bytes, p->len);
            continue;
        }
        zlistx_add_end (gone, p->message_id);
    }
    for (char *id = zlistx_first (gone); id; id = zlistx_next (gone)) {
        p = zhashx_lookup (self->pending, id);
        if (!p)
            continue;
        self->unanswered++;
        s_case_t *cs = p->cs;
        zhashx_delete (self->pending, id);
        s_advance (self, cs);
        if (self->answered == 0 && !self->aborted) {
            self->aborted = true;
            ketenctl_err ("could not reach intake: no answer after %d attempts, giving up",
                          S_RESENDS + 1);
        }
    }
    zlistx_destroy (&gone);
}

static long
s_sum (const long *v)
{
    long n = 0;
    for (int k = 0; k < KETENCTL_SIM_KINDS; k++)
        n += v[k];
    return n;
}

static void
s_progress (s_sim_t *self, int64_t now)
{
    size_t done = 0;
    for (size_t i = 0; i < self->started; i++)
        done += self->cases[i].done;
    fprintf (stderr,
             "simulate: %3lds cases started %zu/%zu done %zu; sent %ld accepted %ld rejected %ld "
             "in flight %zu; signals up to %s\n",
             (long)((now - self->t0) / 1000),
             self->started,
             self->ncases,
             done,
             s_sum (self->sent),
             s_sum (self->accepted),
             s_sum (self->rejected),
             zhashx_size (self->pending),
             self->last_date[0] ? self->last_date : "-");
}

static void
s_poll (s_sim_t *self, int ms)
{
    void *which = zpoller_wait (self->poller, ms);
    while (which) {
        int client = -1;
        for (size_t i = 0; i < self->npartners; i++)
            if (self->clients[i] && (void *)kb_client_socket (self->clients[i]) == which)
                client = (int)i;
        if (client < 0)
            return;
        kb_envelope_t *reply = NULL;
        while (kb_client_recv (self->clients[client], 0, &reply) == 0) {
            if (reply) {
                if (reply->body_case == KETENBUS__V1__ENVELOPE__BODY_DELIVER)
                    s_on_deliver (self, client, reply);
                else
                    s_on_answer (self, reply);
            }
            kb_codec_free (&reply);
        }
        which = zpoller_wait (self->poller, 0);
    }
}

static void
s_run (s_sim_t *self)
{
    self->t0 = self->last_refill = self->last_progress = ketenctl_now_ms ();
    for (size_t i = 0; i < self->ncases; i++)
        self->start_ms[i] += self->t0;
    self->tokens = 1;
    int64_t stop_at = 0;
    while (1) {
        int64_t now = ketenctl_now_ms ();
        double burst = self->rate > 20 ? self->rate / 4 : 5;
        self->tokens += (double)(now - self->last_refill) * self->rate / 1000.0;
        if (self->tokens > burst)
            self->tokens = burst;
        self->last_refill = now;
        if (s_stop || self->aborted) {
            /* stopping: the answers in flight get a moment, then count as unanswered */
            if (!stop_at)
                stop_at = now;
            if (zhashx_size (self->pending) == 0)
                break;
            if (now - stop_at > S_STOP_WAIT_MS && s_stop) {
                self->unanswered += (long)zhashx_size (self->pending);
                break;
            }
        } else {
            while (self->started < self->ncases && self->start_ms[self->started] <= now) {
                s_case_t *cs = &self->cases[self->started++];
                cs->ready_ms = now;
                cs->regie_deadline_ms = now + self->regie_timeout_ms;
            }
            bool all_done = self->started == self->ncases;
            for (size_t i = 0; i < self->started; i++) {
                s_case_t *cs = &self->cases[i];
                if (cs->done)
                    continue;
                all_done = false;
                if (cs->in_flight || cs->ready_ms > now || self->tokens < 1 ||
                    zhashx_size (self->pending) >= S_WINDOW)
                    continue;
                s_send_step (self, cs, now);
            }
            if (all_done && zhashx_size (self->pending) == 0)
                break;
        }
        s_poll (self, 10);
        now = ketenctl_now_ms ();
        s_expire (self, now);
        if (now - self->last_progress >= S_PROGRESS_MS) {
            self->last_progress = now;
            s_progress (self, now);
        }
    }
}

/*  ---------------------------------------------------------------------
    The command */

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl simulate [--months N] [--scale small|medium|large] [--seed N]\n"
             "                         [--rate MSGS/S | --duration SECONDS] [--dry-run]\n"
             "                         [--keys DIR] [--endpoint EP] [--server-key KEY]\n"
             "                         [--gap-ms MS] [--timeout-ms MS]\n"
             "       ketenctl simulate --list-partners\n"
             "\n"
             "Sends a year (--months, default 12) of a fictional Peel region's casework\n"
             "through intake as the demo partners (their certificates DIR/ORG.cert, by\n"
             "default the directory of partner/cert): case signals about gezinnen,\n"
             "homeless persons and zwerfjongeren, the regisseur's plans, trajectory\n"
             "updates, regie transfers, shelter stays, zelfredzaamheid assessments,\n"
             "toewijzingen (Wmo, Jeugdwet, Participatiewet) and satisfaction scores. All\n"
             "business dates lie in the past. --seed makes the region the same every\n"
             "time (default: a new one each run). --rate (default 100) or --duration\n"
             "sets the pace; --gap-ms (default 2500) is the pause before a step that\n"
             "needs zorgtoewijzing's effect in client-tracking. With pseudonym/key_file\n"
             "set, the POTs zorgtoewijzing opens are reported on too.\n"
             "Progress on stderr every few seconds, a summary on stdout. Exit 0 when the\n"
             "run completed (also after Ctrl-C), 3 when intake could not be reached,\n"
             "4 when intake rejected a message.\n"
             "--list-partners prints the demo partners (org type gebied gemeente) the\n"
             "simulator acts as; deploy/dev/demo.sh registers exactly these.\n");
}

/* The demo partners' certificate directory: --keys, else partner/cert's. */
static int
s_keys_dir (const ketenctl_t *ctx, const char *keys, char *out, size_t size)
{
    if (keys && *keys) {
        snprintf (out, size, "%s", keys);
        return 0;
    }
    const char *cert = kb_config_str (ctx->config, "partner/cert");
    const char *slash = cert ? strrchr (cert, '/') : NULL;
    if (!slash) {
        ketenctl_err ("no key directory: give --keys DIR or set \"partner/cert\"");
        return -1;
    }
    snprintf (out, size, "%.*s", (int)(slash - cert), cert);
    return 0;
}

static void
s_summary (s_sim_t *self, long planned[KETENCTL_SIM_KINDS])
{
    printf ("simulate: %s after %lds: cases %zu, run %s\n",
            s_stop          ? "interrupted"
            : self->aborted ? "aborted"
                            : "completed",
            (long)((ketenctl_now_ms () - self->t0) / 1000),
            self->ncases,
            self->run);
    printf ("  %-28s %8s %8s %8s %8s\n", "message", "planned", "sent", "accepted", "rejected");
    for (int k = 0; k < KETENCTL_SIM_KINDS; k++)
        printf ("  %-28s %8ld %8ld %8ld %8ld\n",
                ketenctl_simgen_kind_name (k),
                planned[k],
                self->sent[k],
                self->accepted[k],
                self->rejected[k]);
    printf ("  %-28s %8ld %8ld %8ld %8ld\n",
            "total",
            s_sum (planned),
            s_sum (self->sent),
            s_sum (self->accepted),
            s_sum (self->rejected));
    printf ("  duplicate %ld, unanswered %ld, skipped %ld (no regisseur in time: %ld cases, "
            "no new regisseur in time: %ld), transfers %ld, mailbox messages %ld (refused "
            "after the ack: %ld)\n",
            self->duplicates,
            self->unanswered,
            self->skipped,
            self->regie_missing,
            self->transfer_missing,
            self->transfers,
            self->deliveries,
            self->refused);
    for (long *n = zhashx_first (self->codes); n; n = zhashx_next (self->codes))
        printf ("  rejected %s count=%ld\n", (const char *)zhashx_cursor (self->codes), *n);
}

int
ketenctl_simulate (const ketenctl_t *ctx, int argc, char *argv[])
{
    long months = 12, seed = -1, rate = 0, duration = 0, timeout_ms = 10000, gap_ms = 2500;
    const char *scale_name = "medium", *keys = NULL, *endpoint = NULL, *server_key = NULL;
    bool dry_run = false, list = false;
    const ketenctl_option_t options[] = {
        { .name = "list-partners", .flag = &list },
        { .name = "months", .number = &months, .min = 1, .max = 24 },
        { .name = "scale", .text = &scale_name },
        { .name = "seed", .number = &seed, .min = 0, .max = 2147483647 },
        { .name = "rate", .number = &rate, .min = 1, .max = 100000 },
        { .name = "duration", .number = &duration, .min = 1, .max = 86400 },
        { .name = "dry-run", .flag = &dry_run },
        { .name = "keys", .text = &keys },
        { .name = "endpoint", .text = &endpoint },
        { .name = "server-key", .text = &server_key },
        { .name = "gap-ms", .number = &gap_ms, .min = 0, .max = 600000 },
        { .name = "timeout-ms", .number = &timeout_ms, .min = 100, .max = 3600000 },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_usage, &rc) < 0)
        return rc;
    if (list) {
        /* what deploy/dev/demo.sh registers: org type gebied gemeente */
        for (const ketenctl_simgen_partner_t *p = ketenctl_simgen_partners; p->org; p++)
            printf ("%s %s %s %s\n", p->org, p->type, p->gebied, p->gemeente);
        return KETENCTL_OK;
    }
    int scale = ketenctl_simgen_scale_parse (scale_name);
    if (scale < 0) {
        ketenctl_err ("unknown scale \"%s\": small, medium or large", scale_name);
        return KETENCTL_USAGE;
    }
    if (rate && duration) {
        ketenctl_err ("give --rate or --duration, not both");
        return KETENCTL_USAGE;
    }
    if (sodium_init () < 0) {
        ketenctl_err ("could not initialise libsodium");
        return KETENCTL_FAILED;
    }
    s_sim_t self;
    memset (&self, 0, sizeof self);
    self.ctx = ctx;
    if (seed < 0)
        seed = (long)(randombytes_random () & 0x7fffffff);
    ketenctl_simgen_config_t config = {
        .seed = (uint64_t)seed,
        .months = (int)months,
        .scale = scale,
        .today_days = kb_date_today_days (), /* intake's "today": nothing lands in its future */
    };
    self.gen = ketenctl_simgen_new (&config);
    if (!self.gen) {
        ketenctl_err ("out of memory");
        return KETENCTL_FAILED;
    }
    long planned[KETENCTL_SIM_KINDS];
    long total = ketenctl_simgen_count (self.gen, planned);
    self.ncases = ketenctl_simgen_ncases (self.gen);
    self.rate = duration ? (double)total / (double)duration : rate ? (double)rate : 100.0;
    if (self.rate < 0.1)
        self.rate = 0.1;
    if (dry_run) {
        long kinds[KETENCTL_SIM_CASE_KINDS] = { 0 };
        for (size_t i = 0; i < self.ncases; i++)
            kinds[ketenctl_simgen_case (self.gen, i)->kind]++;
        printf ("simulate: dry run, seed %ld, %ld months, scale %s: %zu cases, %ld messages, "
                "about %.0f s at %.1f messages/s\n",
                seed,
                months,
                scale_name,
                self.ncases,
                total,
                (double)total / self.rate,
                self.rate);
        for (int k = 0; k < KETENCTL_SIM_CASE_KINDS; k++)
            printf ("  case %-26s %8ld\n", ketenctl_simgen_case_name (k), kinds[k]);
        for (int k = 0; k < KETENCTL_SIM_KINDS; k++)
            printf ("  %-31s %8ld\n", ketenctl_simgen_kind_name (k), planned[k]);
        ketenctl_simgen_destroy (&self.gen);
        return KETENCTL_OK;
    }
    rc = KETENCTL_FAILED;
    char dir[2048];
    if (s_keys_dir (ctx, keys, dir, sizeof dir)) {
        rc = KETENCTL_USAGE;
        goto done;
    }
    self.timeout_ms = timeout_ms;
    self.gap_ms = gap_ms;
    self.regie_timeout_ms = 60000;
    snprintf (self.run, sizeof self.run, "%08x", randombytes_random ());
    self.pending = zhashx_new ();
    self.by_ref = zhashx_new ();
    self.codes = zhashx_new ();
    self.cases = calloc (self.ncases ? self.ncases : 1, sizeof *self.cases);
    self.start_ms = calloc (self.ncases ? self.ncases : 1, sizeof *self.start_ms);
    self.poller = zpoller_new (NULL);
    if (!self.pending || !self.by_ref || !self.codes || !self.cases || !self.start_ms ||
        !self.poller) {
        ketenctl_err ("out of memory");
        goto done;
    }
    zhashx_set_destructor (self.pending, s_free_pending);
    zhashx_set_destructor (self.codes, s_free_item);
    /* every case starts when the messages before it have had their time */
    long before = 0;
    for (size_t i = 0; i < self.ncases; i++) {
        s_case_t *cs = &self.cases[i];
        cs->c = ketenctl_simgen_case (self.gen, i);
        cs->done = cs->c->nsteps == 0;
        cs->transfer_regisseur = -1;
        snprintf (cs->case_ref, sizeof cs->case_ref, "SIM-%s-%05d", self.run, cs->c->number);
        zhashx_insert (self.by_ref, cs->case_ref, cs);
        self.start_ms[i] = (int64_t)((double)before * 1000.0 / self.rate);
        before += cs->c->nsteps;
    }
    const char *key_file = kb_config_str (ctx->config, "pseudonym/key_file");
    if (key_file && *key_file) {
        char err[256];
        self.pseudo = kb_pseudo_load (key_file, err, sizeof err);
        if (!self.pseudo)
            ketenctl_err ("could not load the pseudonym key (the POTs are left alone): %s", err);
    }
    for (size_t i = 0; i < self.ncases && self.pseudo; i++) {
        s_case_t *cs = &self.cases[i];
        if (!cs->c->pot)
            continue;
        char pseudonym[KB_PSEUDONYM_LEN + 1];
        kb_pseudo_bsn (self.pseudo, cs->c->persons[cs->c->subject].bsn, pseudonym);
        zorg_plan_pot_trajectory_id (pseudonym, cs->pot_id);
    }
    self.npartners = ketenctl_simgen_partner_count ();
    for (size_t i = 0; i < self.npartners && i < S_MAX_PARTNERS; i++) {
        char cert[4096];
        struct stat sb;
        snprintf (cert, sizeof cert, "%s/%s.cert", dir, s_org ((int)i));
        if (stat (cert, &sb) != 0) {
            ketenctl_err ("no certificate for demo partner \"%s\" (%s): register the demo "
                          "partners first (deploy/dev/demo.sh)",
                          s_org ((int)i),
                          cert);
            rc = KETENCTL_USAGE;
            goto done;
        }
        self.clients[i] = ketenctl_client_open (ctx, endpoint, server_key, cert, &rc);
        if (!self.clients[i])
            goto done;
        zpoller_add (self.poller, kb_client_socket (self.clients[i]));
        kb_client_replay (self.clients[i], 0); /* the mailbox: RegieAssignments */
    }
    fprintf (stderr,
             "simulate: seed %ld, %ld months, scale %s: %zu cases, %ld messages at %.1f/s\n",
             seed,
             months,
             scale_name,
             self.ncases,
             total,
             self.rate);
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);
    s_run (&self);
    s_progress (&self, ketenctl_now_ms ());
    s_summary (&self, planned);
    /* Ctrl-C is a clean end: what was in flight is reported, not an error */
    rc = self.aborted || (self.unanswered && !s_stop) ? KETENCTL_UNREACHABLE
         : s_sum (self.rejected)                      ? KETENCTL_REJECTS
                                                      : KETENCTL_OK;
done:
    for (size_t i = 0; i < S_MAX_PARTNERS; i++)
        kb_client_destroy (&self.clients[i]);
    zpoller_destroy (&self.poller);
    kb_pseudo_destroy (&self.pseudo);
    zhashx_destroy (&self.codes);
    zhashx_destroy (&self.by_ref);
    zhashx_destroy (&self.pending);
    free (self.start_ms);
    free (self.cases);
    ketenctl_simgen_destroy (&self.gen);
    return rc;
}
