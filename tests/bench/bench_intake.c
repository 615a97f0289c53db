/*  bench_intake - signals/s and ack latency of the real intake daemon,
    next to two designs measured in the same run on the same PostgreSQL:
    (a) the raw ceiling: ZeroMQ + protobuf decode + batched idempotent
        INSERT + durable COMMIT, no validation, no CURVE;
    (b) one COMMIT per message.
    Prints ratios, because shared machines are noisy. Not a test. */
#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_db.h"

#include <czmq.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *endpoint;
    const char *cert;          /* NULL: plain */
    const char *server_pub;
    int n;
    int window;
    uint32_t first;
    int64_t *latency_us;       /* n entries */
    int answered;
    int accepted;
} s_client_args_t;

static int64_t
s_now_us (void)
{
    return zclock_usecs ();
}

static void *
s_client (void *argp)
{
    s_client_args_t *a = argp;
    char err[256];
    kb_client_t *client = kb_client_new (a->endpoint, a->cert, a->server_pub, err, sizeof err);
    if (!client) {
        fprintf (stderr, "bench client: %s\n", err);
        return NULL;
    }
    kbt_signal_t *signals = calloc ((size_t) a->n, sizeof *signals);
    int64_t *sent = calloc ((size_t) a->n, sizeof *sent);
    zhashx_t *index = zhashx_new ();
    for (int i = 0; i < a->n; i++) {
        kbt_signal_init (&signals[i], a->first + (uint32_t) i);
        zhashx_insert (index, signals[i].message_id, (void *) (intptr_t) (i + 1));
    }
    int next = 0;
    int64_t deadline = s_now_us () + 300 * 1000000LL;
    while (a->answered < a->n && s_now_us () < deadline) {
        while (next < a->n && next - a->answered < a->window) {
            sent[next] = s_now_us ();
            kb_client_send (client, &signals[next].env);
            next++;
        }
        kb_envelope_t *reply = NULL;
        if (kb_client_recv (client, 5000, &reply) != 0)
            break;
        const char *id = reply->body_case == KETENBUS__V1__ENVELOPE__BODY_ACK ? reply->ack->message_id
                                                                            : reply->correlation_id;
        intptr_t i = (intptr_t) zhashx_lookup (index, id ? id : "") - 1;
        if (i >= 0) {
            a->latency_us[a->answered] = s_now_us () - sent[i];
            a->answered++;
            if (reply->body_case == KETENBUS__V1__ENVELOPE__BODY_ACK)
                a->accepted++;
        }
        kb_codec_free (&reply);
    }
    zhashx_destroy (&index);
    free (sent);
    free (signals);
    kb_client_destroy (&client);
    return NULL;
}

static int
s_cmp64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

typedef struct {
    double rate;
    double p50, p99, p999;
    int accepted;
} s_result_t;

static s_result_t
s_drive (const char *endpoint, const char *const *certs, const char *server_pub, int clients,
         int n, int window, uint32_t first)
{
    pthread_t threads[16];
    s_client_args_t args[16];
    int per = n / clients;
    int64_t *lat = calloc ((size_t) n, sizeof *lat);
    int64_t start = s_now_us ();
    for (int c = 0; c < clients; c++) {
        args[c] = (s_client_args_t) { .endpoint = endpoint, .cert = certs ? certs[c] : NULL,
                                      .server_pub = server_pub, .n = per, .window = window,
                                      .first = first + (uint32_t) (c * per),
                                      .latency_us = lat + c * per };
        pthread_create (&threads[c], NULL, s_client, &args[c]);
    }
    int total = 0, accepted = 0;
    for (int c = 0; c < clients; c++) {
        pthread_join (threads[c], NULL);
        total += args[c].answered;
        accepted += args[c].accepted;
    }
    double secs = (double) (s_now_us () - start) / 1e6;
    /* compact the per-client latency arrays */
    int k = 0;
    for (int c = 0; c < clients; c++)
        for (int i = 0; i < args[c].answered; i++)
            lat[k++] = args[c].latency_us[i];
    qsort (lat, (size_t) k, sizeof *lat, s_cmp64);
    s_result_t r = { .rate = total / secs, .accepted = accepted };
    if (k) {
        r.p50 = (double) lat[k / 2] / 1000.0;
        r.p99 = (double) lat[(int) (k * 0.99)] / 1000.0;
        r.p999 = (double) lat[(int) (k * 0.999)] / 1000.0;
    }
    free (lat);
    return r;
}

/*  The comparison server: plain ROUTER, decode, INSERT, COMMIT, Ack. */
typedef struct {
    const char *endpoint;
    const char *conninfo;
    int batch;                 /* 1 = one commit per message */
    volatile int stop;
} s_raw_args_t;

static void *
s_raw_server (void *argp)
{
    s_raw_args_t *a = argp;
    kb_db_t *db = kb_db_connect (a->conninfo, "bench", 5000);
    kb_db_exec (db, "CREATE TABLE IF NOT EXISTS raw_signal (message_id text PRIMARY KEY, body bytea)");
    kb_db_exec (db, "TRUNCATE raw_signal");
    kb_db_prepare (db, "raw_insert",
                   "INSERT INTO raw_signal SELECT * FROM unnest($1::text[], $2::bytea[]) "
                   "ON CONFLICT DO NOTHING", 2);
    kb_db_prepare (db, "raw_insert_one",
                   "INSERT INTO raw_signal VALUES ($1, $2) ON CONFLICT DO NOTHING", 2);
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    zsock_set_sndhwm (router, 100000);
    zsock_set_rcvhwm (router, 100000);
    zsock_bind (router, "%s", a->endpoint);
    zpoller_t *poller = zpoller_new (router, NULL);
    zmsg_t **msgs = calloc ((size_t) a->batch, sizeof *msgs);
    kb_envelope_t **envs = calloc ((size_t) a->batch, sizeof *envs);
    while (!a->stop) {
        if (zpoller_wait (poller, 100) != router)
            continue;
        int n = 0;
        while (n < a->batch) {
            zmq_pollitem_t pi = { zsock_resolve (router), 0, ZMQ_POLLIN, 0 };
            if (n > 0 && zmq_poll (&pi, 1, 0) <= 0)
                break;
            msgs[n] = zmsg_recv (router);
            zframe_t *payload = zmsg_last (msgs[n]);
            kb_codec_decode (zframe_data (payload), zframe_size (payload), 65536, &envs[n]);
            n++;
        }
        if (a->batch == 1) {
            const char *v[2] = { envs[0] ? envs[0]->message_id : "x", "" };
            kb_db_begin (db);
            kb_db_run_cmd (db, "raw_insert_one", 2, v, NULL, NULL);
            kb_db_commit (db);
        }
        else {
            /* text arrays built from UUIDs (no quoting needed) */
            size_t cap = (size_t) n * 40 + 4;
            char *ids = malloc (cap), *bodies = malloc ((size_t) n * 4 + 4);
            size_t o = 0, ob = 0;
            ids[o++] = '{';
            bodies[ob++] = '{';
            for (int i = 0; i < n; i++) {
                o += (size_t) snprintf (ids + o, cap - o, "%s%s", i ? "," : "",
                                        envs[i] ? envs[i]->message_id : "x");
                ob += (size_t) sprintf (bodies + ob, "%s\"\"", i ? "," : "");
            }
            ids[o++] = '}';
            ids[o] = 0;
            bodies[ob++] = '}';
            bodies[ob] = 0;
            const char *v[2] = { ids, bodies };
            kb_db_begin (db);
            kb_db_run_cmd (db, "raw_insert", 2, v, NULL, NULL);
            kb_db_commit (db);
            free (ids);
            free (bodies);
        }
        for (int i = 0; i < n; i++) {
            kb_envelope_t out = KETENBUS__V1__ENVELOPE__INIT;
            Ketenbus__V1__Ack ack = KETENBUS__V1__ACK__INIT;
            ack.message_id = envs[i] ? envs[i]->message_id : "";
            ack.status = KETENBUS__V1__ACK_STATUS__ACK_STATUS_ACCEPTED;
            ack.reference = "";
            out.message_id = "00000000-0000-4000-8000-000000000000";
            out.body_case = KETENBUS__V1__ENVELOPE__BODY_ACK;
            out.ack = &ack;
            size_t len;
            uint8_t *bytes = kb_codec_encode (&out, &len);
            zmsg_t *reply = zmsg_new ();
            zframe_t *id = zmsg_pop (msgs[i]);
            zmsg_append (reply, &id);
            zmsg_addmem (reply, bytes, len);
            zmsg_send (&reply, router);
            free (bytes);
            zmsg_destroy (&msgs[i]);
            kb_codec_free (&envs[i]);
        }
    }
    free (msgs);
    free (envs);
    zpoller_destroy (&poller);
    zsock_destroy (&router);
    kb_db_destroy (&db);
    return NULL;
}

int
main (int argc, char *argv[])
{
    int n = argc > 1 ? atoi (argv[1]) : 20000;
    int clients = argc > 2 ? atoi (argv[2]) : 4;
    int window = argc > 3 ? atoi (argv[3]) : 256;
    if (clients < 1 || clients > 16 || n < clients) {
        fprintf (stderr, "usage: bench_intake [signals] [clients 1..16] [window]\n");
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (NULL);

    printf ("bench_intake: %d signals, %d CURVE clients, window %d, synchronous_commit=on\n", n,
            clients, window);
    kbt_intake_t *intake = kbt_intake_setup ("bench_intake");
    kbt_intake_start (intake, NULL);
    const char *certs[16];
    for (int c = 0; c < clients; c++)
        certs[c] = intake->partner_cert[c % 2 ? KBT_VEILIG_THUIS : KBT_CJG];
    /* warm-up so the first figures are not connection set-up */
    s_drive (intake->endpoint, certs, intake->server_pub, clients, 400, window, 900000);
    s_result_t in = s_drive (intake->endpoint, certs, intake->server_pub, clients, n, window, 1000000);
    kbt_intake_stop (intake, SIGTERM);

    char *conninfo = kbt_db_create ("bench_raw");
    char *dir = kbt_var_path ("bench");
    char endpoint[1100];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/raw.sock", dir);
    s_raw_args_t raw = { .endpoint = endpoint, .conninfo = conninfo, .batch = 256 };
    pthread_t t;
    pthread_create (&t, NULL, s_raw_server, &raw);
    zclock_sleep (300);
    s_drive (endpoint, NULL, NULL, clients, 400, window, 900000);
    s_result_t ceiling = s_drive (endpoint, NULL, NULL, clients, n, window, 2000000);
    raw.stop = 1;
    pthread_join (t, NULL);

    s_raw_args_t one = { .endpoint = endpoint, .conninfo = conninfo, .batch = 1 };
    pthread_create (&t, NULL, s_raw_server, &one);
    zclock_sleep (300);
    int n_one = n / 10 < 2000 ? n / 10 : 2000;
    s_result_t single = s_drive (endpoint, NULL, NULL, clients, n_one, window, 3000000);
    one.stop = 1;
    pthread_join (t, NULL);

    printf ("intake (validate + pseudonymise + CURVE + outbox + audit): %9.0f signals/s  ack p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  accepted %d\n",
            in.rate, in.p50, in.p99, in.p999, in.accepted);
    printf ("(a) raw ceiling (decode + batched INSERT + COMMIT, no CURVE): %9.0f msg/s  ack p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms\n",
            ceiling.rate, ceiling.p50, ceiling.p99, ceiling.p999);
    printf ("(b) one COMMIT per message:                                 %9.0f msg/s  ack p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms\n",
            single.rate, single.p50, single.p99, single.p999);
    printf ("ratios: intake / (a) = %.2f (target >= 0.50)   intake / (b) = %.1fx (target >= 10x)\n",
            ceiling.rate > 0 ? in.rate / ceiling.rate : 0, single.rate > 0 ? in.rate / single.rate : 0);
    kbt_intake_teardown (&intake);
    free (conninfo);
    free (dir);
    return 0;
}
