/*  bench_routing - a signal's way through the real intake and the real
    zorgtoewijzing to the regisseur's mailbox, next to intake alone,
    measured in the same run on the same PostgreSQL:

    (1) latency at a fixed offered rate (default 1,000 signals/s for 10 s,
        a paced sender): signal sent -> RegieAssignment delivered to the
        regisseur's mailbox client, p50/p99/p99.9; and the intake Ack
        latency of the same signals;
    (2) throughput through intake + zorgtoewijzing to the mailbox: a
        pipelined partner sends as fast as its window allows; signals/s =
        signals / (first send .. last RegieAssignment delivered);
    (3) intake alone (zorgtoewijzing stopped): signals/s acknowledged by
        intake with the same partner and window.

    Every signal is about a new gezin with a minor in the CJG's own gebied,
    sent by that CJG (cjg-helmond): by the default rules it becomes the
    regisseur, so each signal yields exactly one RegieAssignment, to the
    sender's mailbox, carrying the sender's own partner_case_ref - which
    is how a delivery is matched to its signal. Not a test. */
#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "kb_test_zorg.h"
#include "ketenbus/kb_codec.h"

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TIMEOUT_US (60 * 1000000LL) /* a phase gives up after this much silence */

static int64_t
s_now_us (void)
{
    return zclock_usecs ();
}

static int
s_cmp64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct
{
    double p50, p99, p999, max;
    int n;
} s_pct_t;

/* Percentiles of the positive entries of lat (microseconds), in ms. */
static s_pct_t
s_percentiles (const int64_t *lat, int n)
{
    int64_t *v = malloc ((size_t)(n > 0 ? n : 1) * sizeof *v);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (lat[i] > 0)
            v[k++] = lat[i];
    qsort (v, (size_t)k, sizeof *v, s_cmp64);
    s_pct_t r = { .n = k };
    if (k) {
        r.p50 = (double)v[k / 2] / 1000.0;
        r.p99 = (double)v[(int)(k * 0.99)] / 1000.0;
        r.p999 = (double)v[(int)(k * 0.999)] / 1000.0;
        r.max = (double)v[k - 1] / 1000.0;
    }
    free (v);
    return r;
}

/* One run of n signals from the CJG: case refs "BR-<first + i>". */
typedef struct
{
    int n;
    uint32_t first;
    kbt_signal_t *signals;
    zhashx_t *by_id;  /* message id -> index + 1 */
    int64_t *sent;    /* us */
    int64_t *ack_lat; /* us, 0 = no Ack yet */
    int64_t *del_lat; /* us, 0 = not delivered yet */
    int acked, delivered;
    int64_t first_sent, last_ack, last_delivery;
} s_run_t;

static s_run_t *
s_run_new (int n, uint32_t first)
{
    s_run_t *self = calloc (1, sizeof *self);
    self->n = n;
    self->first = first;
    self->signals = calloc ((size_t)n, sizeof *self->signals);
    self->sent = calloc ((size_t)n, sizeof *self->sent);
    self->ack_lat = calloc ((size_t)n, sizeof *self->ack_lat);
    self->del_lat = calloc ((size_t)n, sizeof *self->del_lat);
    self->by_id = zhashx_new ();
    for (int i = 0; i < n; i++) {
        kbt_signal_init (&self->signals[i], first + (uint32_t)i);
        snprintf (self->signals[i].case_ref,
                  sizeof self->signals[i].case_ref,
                  "BR-%u",
                  first + (uint32_t)i);
        zhashx_insert (self->by_id, self->signals[i].message_id, (void *)(intptr_t)(i + 1));
    }
    return self;
}

static void
s_run_destroy (s_run_t **self_p)
{
    s_run_t *self = *self_p;
    zhashx_destroy (&self->by_id);
    free (self->signals);
    free (self->sent);
    free (self->ack_lat);
    free (self->del_lat);
    free (self);
    *self_p = NULL;
}

static void
s_send (s_run_t *self, kb_client_t *client, int i)
{
    self->sent[i] = s_now_us ();
    if (i == 0)
        self->first_sent = self->sent[i];
    kb_client_send (client, &self->signals[i].env);
}

static void
s_collect_acks (s_run_t *self, kb_client_t *client)
{
    kb_envelope_t *reply = NULL;
    while (kb_client_recv (client, 0, &reply) == 0) {
        int64_t now = s_now_us ();
        if (reply->body_case == KETENBUS__V1__ENVELOPE__BODY_ACK) {
            intptr_t i = (intptr_t)zhashx_lookup (self->by_id, reply->ack->message_id) - 1;
            if (i >= 0 && self->ack_lat[i] == 0) {
                self->ack_lat[i] = now - self->sent[i] + 1;
                self->acked++;
                self->last_ack = now;
            }
        } else
            fprintf (stderr, "bench: unexpected answer body %d\n", reply->body_case);
        kb_codec_free (&reply);
    }
}

/* The regisseur's mailbox: every Deliver is matched to its signal by the
   partner_case_ref in the RegieAssignment, then acknowledged. */
typedef struct
{
    kb_client_t *client;
    uint64_t cursor;
    uint64_t acked_sent;
} s_mailbox_t;

static void
s_collect_deliveries (s_mailbox_t *mb, s_run_t *self)
{
    kb_envelope_t *env = NULL;
    while (kb_client_recv (mb->client, 0, &env) == 0) {
        int64_t now = s_now_us ();
        if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_DELIVER &&
            env->deliver->mailbox_seq > mb->cursor) {
            mb->cursor = env->deliver->mailbox_seq;
            kb_envelope_t *inner = NULL;
            if (kb_codec_decode (
                  env->deliver->envelope.data, env->deliver->envelope.len, 1 << 20, &inner) ==
                  KB_CODEC_OK &&
                inner->body_case == KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT && self &&
                inner->regie_assignment->partner_case_ref &&
                strncmp (inner->regie_assignment->partner_case_ref, "BR-", 3) == 0) {
                long ref = atol (inner->regie_assignment->partner_case_ref + 3);
                long i = ref - (long)self->first;
                if (i >= 0 && i < self->n && self->del_lat[i] == 0 && self->sent[i]) {
                    self->del_lat[i] = now - self->sent[i] + 1;
                    self->delivered++;
                    self->last_delivery = now;
                }
            }
            kb_codec_free (&inner);
        }
        kb_codec_free (&env);
    }
    if (mb->cursor != mb->acked_sent) {
        kb_client_delivery_ack (mb->client, mb->cursor);
        mb->acked_sent = mb->cursor;
    }
}

static void
s_poll (kb_client_t *a, kb_client_t *b, int timeout_ms)
{
    zmq_pollitem_t items[2] = {
        { zsock_resolve (kb_client_socket (a)), 0, ZMQ_POLLIN, 0 },
        { b ? zsock_resolve (kb_client_socket (b)) : NULL, 0, ZMQ_POLLIN, 0 }
    };
    zmq_poll (items, b ? 2 : 1, timeout_ms);
}

/* (1) paced: signal i leaves at start + i / rate. */
static void
s_paced (s_run_t *run, kb_client_t *client, s_mailbox_t *mb, int rate)
{
    int64_t start = s_now_us ();
    int next = 0;
    int64_t last_progress = start;
    while (run->delivered < run->n) {
        int64_t now = s_now_us ();
        while (next < run->n && start + (int64_t)next * 1000000 / rate <= now)
            s_send (run, client, next++);
        int before = run->acked + run->delivered;
        s_collect_acks (run, client);
        s_collect_deliveries (mb, run);
        if (run->acked + run->delivered != before)
            last_progress = s_now_us ();
        else if (s_now_us () - last_progress > S_TIMEOUT_US)
            break;
        int wait_ms = 1;
        if (next == run->n)
            wait_ms = 5;
        s_poll (client, mb->client, wait_ms);
    }
}

/* (2) and (3): as fast as a window of unanswered signals allows; until
   every signal is delivered (want_delivery) or acknowledged. */
static void
s_pipelined (s_run_t *run, kb_client_t *client, s_mailbox_t *mb, int window, bool want_delivery)
{
    int next = 0;
    int64_t last_progress = s_now_us ();
    for (;;) {
        int done = want_delivery ? run->delivered : run->acked;
        if (done == run->n)
            break;
        while (next < run->n && next - run->acked < window)
            s_send (run, client, next++);
        int before = run->acked + run->delivered;
        s_collect_acks (run, client);
        if (mb)
            s_collect_deliveries (mb, run);
        if (run->acked + run->delivered != before)
            last_progress = s_now_us ();
        else if (s_now_us () - last_progress > S_TIMEOUT_US)
            break;
        s_poll (client, mb ? mb->client : NULL, 5);
    }
}

int
main (int argc, char *argv[])
{
    int seconds = argc > 1 ? atoi (argv[1]) : 10;
    int rate = argc > 2 ? atoi (argv[2]) : 1000;
    int n_tp = argc > 3 ? atoi (argv[3]) : 5000;
    int window = argc > 4 ? atoi (argv[4]) : 256;
    if (seconds < 1 || seconds > 600 || rate < 1 || rate > 100000 || n_tp < 100 || window < 1) {
        fprintf (stderr, "usage: bench_routing [seconds] [rate/s] [throughput signals] [window]\n");
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (NULL);
    printf ("bench_routing: paced %d signals/s for %d s, throughput %d signals with window %d,"
            " 1 CURVE partner (cjg-helmond, regisseur of every gezin), synchronous_commit=on\n",
            rate,
            seconds,
            n_tp,
            window);
    fflush (stdout);

    kbt_intake_t *intake = kbt_intake_setup ("bench_routing");
    kbt_zorg_t *zorg = kbt_zorg_setup (intake);
    kbt_intake_start (intake, NULL);
    kbt_zorg_start (zorg, NULL);
    static const char *types[KBT_PARTNERS] = { "cjg", "veilig-thuis", "gemeente", "wijkteam" };
    static const char *gemeenten[KBT_PARTNERS] = { "0794", "", "0794", "0762" };
    for (int i = 0; i < KBT_PARTNERS; i++)
        kbt_zorg_directory (zorg, intake->partner_org[i], types[i], "centrum", gemeenten[i]);
    kbt_wait_for_value (intake->conninfo,
                        "SELECT count(*) FROM zorgtoewijzing.kb_inbox WHERE stream = 'registry'",
                        KBT_PARTNERS,
                        20000);

    kb_client_t *client = kbt_intake_client (intake, KBT_CJG);
    s_mailbox_t mb = { .client = kbt_intake_client (intake, KBT_CJG) };
    kb_client_replay (mb.client, 1);

    /* warm-up: connections, prepared statements, caches */
    s_run_t *warm = s_run_new (300, 700000);
    s_pipelined (warm, client, &mb, 32, true);
    s_run_destroy (&warm);

    /* (1) latency at the fixed offered rate */
    s_run_t *paced = s_run_new (rate * seconds, 1000000);
    s_paced (paced, client, &mb, rate);
    double paced_secs = (double)(paced->last_delivery - paced->first_sent) / 1e6;
    s_pct_t del = s_percentiles (paced->del_lat, paced->n);
    s_pct_t ack = s_percentiles (paced->ack_lat, paced->n);

    /* (2) throughput through intake + zorgtoewijzing to the mailbox */
    s_run_t *tp = s_run_new (n_tp, 3000000);
    s_pipelined (tp, client, &mb, window, true);
    double tp_secs = (double)(tp->last_delivery - tp->first_sent) / 1e6;
    double tp_rate = tp->delivered == n_tp && tp_secs > 0 ? n_tp / tp_secs : 0;
    double tp_ack_rate = tp->last_ack > tp->first_sent
                           ? tp->acked / ((double)(tp->last_ack - tp->first_sent) / 1e6)
                           : 0;
    s_pct_t tp_del = s_percentiles (tp->del_lat, tp->n);

    /* (3) intake alone */
    kbt_zorg_stop (zorg, SIGTERM);
    s_run_t *only = s_run_new (n_tp, 5000000);
    s_pipelined (only, client, NULL, window, false);
    double only_secs = (double)(only->last_ack - only->first_sent) / 1e6;
    double only_rate = only->acked == n_tp && only_secs > 0 ? n_tp / only_secs : 0;
    s_pct_t only_ack = s_percentiles (only->ack_lat, only->n);

    printf ("intake only (zorgtoewijzing stopped):             %8.0f signals/s acknowledged"
            "  ack p50 %7.2f ms  p99 %7.2f ms  (%d of %d)\n",
            only_rate,
            only_ack.p50,
            only_ack.p99,
            only->acked,
            n_tp);
    printf ("intake + zorgtoewijzing -> regisseur's mailbox:   %8.0f signals/s delivered"
            "  (intake acked %.0f/s meanwhile; delivery p50 %.1f ms p99 %.1f ms under this load; "
            "%d of %d)\n",
            tp_rate,
            tp_ack_rate,
            tp_del.p50,
            tp_del.p99,
            tp->delivered,
            n_tp);
    printf ("ratio: routed / intake only = %.2f\n", only_rate > 0 ? tp_rate / only_rate : 0);
    printf ("signal -> mailbox delivery at %d/s offered:       p50 %7.2f ms  p99 %7.2f ms"
            "  p99.9 %7.2f ms  max %7.2f ms  (%d of %d delivered, %.0f/s achieved)\n",
            rate,
            del.p50,
            del.p99,
            del.p999,
            del.max,
            paced->delivered,
            paced->n,
            paced_secs > 0 ? paced->delivered / paced_secs : 0);
    printf ("intake Ack at %d/s offered (same signals):        p50 %7.2f ms  p99 %7.2f ms"
            "  p99.9 %7.2f ms  max %7.2f ms\n",
            rate,
            ack.p50,
            ack.p99,
            ack.p999,
            ack.max);
    printf ("target p99 < 20 ms at %d/s: %s\n",
            rate,
            paced->delivered == paced->n && del.p99 < 20.0 ? "met" : "not met");

    s_run_destroy (&paced);
    s_run_destroy (&tp);
    s_run_destroy (&only);
    kb_client_destroy (&mb.client);
    kb_client_destroy (&client);
    kbt_zorg_teardown (&zorg);
    kbt_intake_teardown (&intake);
    return 0;
}
