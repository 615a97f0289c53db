/*  ft_zorg - the whole path under kill -9: partners stream signals into
    intake while zorgtoewijzing (3 times) and intake (3 times) are killed
    with SIGKILL at random moments and restarted. At the end:

    - every signal is stored exactly once in intake.signal, and every
      acknowledged reference is one of those rows;
    - zorgtoewijzing's inbox holds exactly one row per message intake put
      on the link (one effect per StoredSignal), intake's inbox exactly one
      row per message zorgtoewijzing put on the link, and every one of
      those is exactly one row of a partner mailbox;
    - every live gezin has exactly one active plan;
    - every partner received exactly the rows of intake.mailbox for its
      organisation, each once, in mailbox_seq order;
    - nothing was dead-lettered on either side.

    The partners behave as the protocol asks of them and deduplicate
    nothing by content. A signal that got no answer is sent again with the
    same message id. A mailbox client remembers only its cursor: the
    highest mailbox_seq it has acknowledged. On every (re)connection (a
    ZMQ socket monitor reports the CURVE handshake) it sends
    Replay(cursor + 1) followed by DeliveryAck(cursor) ("I have everything
    up to here"), and it sends the Replay again while intake has not
    confirmed it.

    Cursor semantics (decided here, see the report of issue 4): a Deliver
    whose mailbox_seq is <= the cursor is not a new message but the
    redelivery of one already acknowledged - after an intake restart the
    Delivers that were in flight on the old connection can be read AND be
    pushed again from Replay(cursor + 1); the partner skips it (and
    acknowledges its cursor again). That is a cursor, not deduplication by
    content: the test counts such redeliveries and prints them, and every
    other Deliver must be exactly cursor + 1 (a gap fails the test). The
    messages a partner accepts must equal its mailbox rows one to one.

    Seed: KB_FT_SEED (default 20240607); printed, so a failure can be
    replayed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "intake_mailbox.h"
#include "kb_test_intake.h"
#include "kb_test_support.h"
#include "kb_test_zorg.h"

#include "ketenbus/kb_uuid.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PARTNERS 6
#define S_PER_PARTNER 250 /* 1,500 signals in all */
#define S_WINDOW 64       /* unanswered signals per partner */
#define S_RATE                                                                                     \
    150                      /* signals/s offered by all partners together:                        \
                                the stream lasts ~10 s, so that kills of                           \
                                both daemons fall inside it */
#define S_RETRY_MS 1500      /* resend an unanswered signal after */
#define S_FAMILIES 40        /* gezinnen several partners signal about */
#define S_KILLS 6            /* 3 of each daemon */
#define S_DEADLINE_MS 150000 /* the whole stream, kills and drain */

/* The partners that signal (and receive): six organisations of five types.
   The first three come with the intake fixture, the others are added. */
static const struct
{
    const char *org, *type, *gebied, *gemeente;
    int fixture; /* index in the intake fixture, -1: added */
} s_orgs[S_PARTNERS] = {
    { "cjg-helmond", "cjg", "centrum", "0794", KBT_CJG },
    { "veiligthuis-peel", "veilig-thuis", "centrum", "", KBT_VEILIG_THUIS },
    { "wijkteam-deurne", "wijkteam", "centrum", "0762", KBT_WIJKTEAM },
    { "veiligheidshuis-peel", "veiligheidshuis", "", "", -1 },
    { "ggd-vangnet-peel", "ggd-vangnet", "", "", -1 },
    { "wijkteam-helmond", "wijkteam", "centrum", "0794", -1 },
};

/* A retransmit back-off capped at 4 s (default 30 s), so that the link
   recovers from a kill within the test's time; a shorter first timeout
   than the default 1 s makes things slower, not faster (retransmits of
   rows the receiver has not reached yet, see the report). Everything
   else is the daemons' default configuration. */
static const char *s_daemon_env[] = { "KETENBUS_LINK_RETRANSMIT_MS=1000",
                                      "KETENBUS_LINK_RETRANSMIT_MAX_MS=4000",
                                      NULL };

typedef struct
{
    const char *org;
    char *cert; /* owned when added by the test */
    /* signalling side */
    kb_client_t *sender;
    kbt_signal_t *signals;
    int64_t *sent_at; /* 0: not sent yet */
    char (*refs)[40]; /* Ack reference, "" = unanswered */
    int acked, duplicates, resent;
    /* mailbox side */
    kb_client_t *mailbox;
    zsock_t *monitor;    /* handshake events of the mailbox socket */
    uint64_t cursor;     /* highest mailbox_seq acknowledged */
    uint64_t acked_sent; /* last DeliveryAck sent */
    bool replay_confirmed;
    int64_t replay_at;
    uint64_t *seqs; /* accepted Delivers, in arrival order */
    char (*ids)[37];
    int naccepted, cap;
    int raw, redelivered, gaps, replays, reconnects;
} s_partner_t;

static kbt_intake_t *s_intake;
static kbt_zorg_t *s_zorg;
static s_partner_t s_partners[S_PARTNERS];

/*  Signals */

static void
s_adult (kbt_signal_t *s)
{
    s->subject.birth_date = "1980-03-01";
    s->subject.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER;
}

/* The i-th signal of partner p: mostly new gezinnen, some about the shared
   families (match notifications), a few that bridge two shared families
   (merges), with acute, adult, homeless and Deurne variants so that every
   rule and message kind shows up. */
static void
s_signal_make (kbt_signal_t *s, int p, int i)
{
    uint32_t k = (uint32_t)(p * S_PER_PARTNER + i);
    int kind = rand () % 100;
    int family = rand () % S_FAMILIES;
    if (kind < 62)
        kbt_signal_init (s, 100000 + k); /* a new gezin */
    else
        kbt_signal_init (s, 5000 + (uint32_t)family);
    if (kind >= 62 && kind < 66) {
        /* the child of one family with the parent of the next: one gezin */
        uint32_t next = 5000 + (uint32_t)((family + 1) % S_FAMILIES);
        kbt_make_bsn (next * 2 + 1, s->member_bsn);
    }
    snprintf (s->case_ref, sizeof s->case_ref, "FZ-%d-%d", p, i);
    int variant = rand () % 100;
    if (variant < 6) {
        s->categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_HUISELIJK_GEWELD;
        s->signal.urgency = KETENBUS__V1__URGENCY__URGENCY_ACUUT_ONVEILIG;
    } else if (variant < 12 && kind < 62) {
        s_adult (s);
        s->signal.n_household = 0;
        s->categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN;
        s->signal.n_categories = 1;
        s->signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_DAKLOOS;
    } else if (variant < 30 && kind < 62) {
        s_adult (s);
        s->categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_SCHULDEN;
        s->signal.n_categories = 1;
        if (variant < 20)
            s->signal.gemeente_code = "0762";
    } else if (variant < 34 && kind < 62) {
        s_adult (s);
        s->categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_OVERLAST_CRIMINALITEIT;
    }
}

static int
s_find_signal (s_partner_t *self, const char *message_id)
{
    for (int i = 0; i < S_PER_PARTNER; i++)
        if (strcmp (self->signals[i].message_id, message_id) == 0)
            return i;
    return -1;
}

/* Tops up the window (up to allowed signals sent so far: the pace) and
   resends overdue signals with the same ids. */
static void
s_signals_send (s_partner_t *self, int allowed)
{
    int64_t now = kbt_now_ms ();
    int in_flight = 0;
    for (int i = 0; i < S_PER_PARTNER; i++)
        if (self->sent_at[i] && !self->refs[i][0])
            in_flight++;
    for (int i = 0; i < S_PER_PARTNER; i++) {
        if (self->refs[i][0])
            continue;
        if (self->sent_at[i] && now - self->sent_at[i] > S_RETRY_MS) {
            self->resent++;
            kb_client_send (self->sender, &self->signals[i].env);
            self->sent_at[i] = now;
        } else if (self->sent_at[i] == 0 && in_flight < S_WINDOW && i < allowed) {
            in_flight++;
            kb_client_send (self->sender, &self->signals[i].env);
            self->sent_at[i] = now;
        }
    }
}

static void
s_signals_collect (s_partner_t *self)
{
    kb_envelope_t *reply = NULL;
    for (int budget = 0; budget < 1000 && kb_client_recv (self->sender, 0, &reply) == 0; budget++) {
        if (reply->body_case != KETENBUS__V1__ENVELOPE__BODY_ACK)
            fail_msg ("partner \"%s\": unexpected answer body %d", self->org, reply->body_case);
        int i = s_find_signal (self, reply->ack->message_id);
        if (i >= 0 && !self->refs[i][0]) {
            snprintf (self->refs[i], sizeof self->refs[i], "%s", reply->ack->reference);
            self->acked++;
        }
        if (reply->ack->status == KETENBUS__V1__ACK_STATUS__ACK_STATUS_DUPLICATE)
            self->duplicates++;
        kb_codec_free (&reply);
    }
}

/*  Mailbox */

static void
s_mailbox_replay (s_partner_t *self)
{
    kb_client_replay (self->mailbox, self->cursor + 1);
    if (self->cursor > 0)
        kb_client_delivery_ack (self->mailbox, self->cursor);
    self->replay_confirmed = false;
    self->replay_at = kbt_now_ms ();
    self->replays++;
}

static void
s_mailbox_open (s_partner_t *self, int index)
{
    self->mailbox = kbt_intake_client_cert (s_intake, self->cert);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://ft_zorg-monitor-%d", index);
    assert_int_equal (zmq_socket_monitor (zsock_resolve (kb_client_socket (self->mailbox)),
                                          endpoint,
                                          ZMQ_EVENT_HANDSHAKE_SUCCEEDED),
                      0);
    self->monitor = zsock_new (ZMQ_PAIR);
    assert_int_equal (zsock_connect (self->monitor, "%s", endpoint), 0);
    s_mailbox_replay (self);
}

static void
s_mailbox_close (s_partner_t *self)
{
    if (self->mailbox)
        zmq_socket_monitor (zsock_resolve (kb_client_socket (self->mailbox)), NULL, 0);
    zsock_destroy (&self->monitor);
    kb_client_destroy (&self->mailbox);
}

static void
s_accept (s_partner_t *self, uint64_t seq, const char *id)
{
    if (self->naccepted == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 1024;
        self->seqs = realloc (self->seqs, (size_t)self->cap * sizeof *self->seqs);
        self->ids = realloc (self->ids, (size_t)self->cap * sizeof *self->ids);
        assert_non_null (self->seqs);
        assert_non_null (self->ids);
    }
    self->seqs[self->naccepted] = seq;
    snprintf (self->ids[self->naccepted], sizeof self->ids[0], "%s", id);
    self->naccepted++;
}

/* Reads what arrived: handshake events (re-subscribe), the confirmation of
   a Replay, Delivers; acknowledges the cursor once per pass. */
static void
s_mailbox_pump (s_partner_t *self)
{
    while (zsock_events (self->monitor) & ZMQ_POLLIN) {
        zmsg_t *event = zmsg_recv (self->monitor);
        zmsg_destroy (&event);
        self->reconnects++;
        s_mailbox_replay (self);
    }
    if (!self->replay_confirmed && kbt_now_ms () - self->replay_at > 2000)
        s_mailbox_replay (self); /* lost with a dying connection */
    kb_envelope_t *env = NULL;
    bool reack = false;
    for (int budget = 0; budget < 2000 && kb_client_recv (self->mailbox, 0, &env) == 0; budget++) {
        if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_ACK) {
            assert_string_equal (env->ack->reference, "mailbox");
            self->replay_confirmed = true;
        } else if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_DELIVER) {
            uint64_t seq = env->deliver->mailbox_seq;
            kb_envelope_t *inner = NULL;
            assert_int_equal (
              kb_codec_decode (
                env->deliver->envelope.data, env->deliver->envelope.len, 1 << 20, &inner),
              KB_CODEC_OK);
            const char *to = intake_mailbox_recipient (inner);
            if (!to || strcmp (to, self->org) != 0)
                fail_msg ("partner \"%s\" got a message for \"%s\"", self->org, to ? to : "");
            self->raw++;
            if (seq <= self->cursor) {
                self->redelivered++; /* acknowledged before: the cursor skips it */
                reack = true;
            } else if (seq == self->cursor + 1) {
                s_accept (self, seq, inner->message_id);
                self->cursor = seq;
            } else {
                /* a hole in the sequence on one connection: something was lost */
                self->gaps++;
                fprintf (stderr,
                         "# gap org=%s cursor=%llu seq=%llu\n",
                         self->org,
                         (unsigned long long)self->cursor,
                         (unsigned long long)seq);
                s_mailbox_replay (self);
            }
            kb_codec_free (&inner);
        } else
            fail_msg ("partner \"%s\": unexpected mailbox body %d", self->org, env->body_case);
        kb_codec_free (&env);
    }
    /* cumulative: once per pass, and again after a redelivery (intake
       evidently lost the earlier one) */
    if (self->cursor > 0 && (self->cursor != self->acked_sent || reack)) {
        kb_client_delivery_ack (self->mailbox, self->cursor);
        self->acked_sent = self->cursor;
    }
}

/*  Set-up */

static void
s_partners_setup (void)
{
    for (int p = 0; p < S_PARTNERS; p++) {
        s_partner_t *self = &s_partners[p];
        memset (self, 0, sizeof *self);
        self->org = s_orgs[p].org;
        self->cert =
          s_orgs[p].fixture >= 0
            ? strdup (s_intake->partner_cert[s_orgs[p].fixture])
            : kbt_zorg_register_intake (
                s_zorg, s_orgs[p].org, s_orgs[p].type, s_orgs[p].gebied, s_orgs[p].gemeente);
        self->signals = calloc (S_PER_PARTNER, sizeof *self->signals);
        self->sent_at = calloc (S_PER_PARTNER, sizeof *self->sent_at);
        self->refs = calloc (S_PER_PARTNER, sizeof *self->refs);
        assert_true (self->signals && self->sent_at && self->refs);
    }
    /* one sequence over all partners, so the seed fixes the whole mix */
    for (int p = 0; p < S_PARTNERS; p++)
        for (int i = 0; i < S_PER_PARTNER; i++)
            s_signal_make (&s_partners[p].signals[i], p, i);
}

static void
s_partners_teardown (void)
{
    for (int p = 0; p < S_PARTNERS; p++) {
        s_partner_t *self = &s_partners[p];
        s_mailbox_close (self);
        kb_client_destroy (&self->sender);
        free (self->cert);
        free (self->signals);
        free (self->sent_at);
        free (self->refs);
        free (self->seqs);
        free (self->ids);
    }
}

/*  Checks */

static PGconn *
s_connect (void)
{
    PGconn *conn = PQconnectdb (s_intake->conninfo);
    assert_int_equal (PQstatus (conn), CONNECTION_OK);
    return conn;
}

static long
s_applied_signals (void)
{
    return kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_inbox WHERE sender = 'intake'"
                   " AND stream <> 'registry'");
}

/* Everything the test waits for at the end: both outboxes settled and
   every partner's cursor at the end of its mailbox. */
static bool
s_drained (void)
{
    if (kbt_query_longf (s_intake->conninfo, 
          "SELECT count(*) FROM intake.kb_outbox WHERE acked_at IS NULL AND dead_at IS NULL") !=
          0 ||
        kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_outbox WHERE acked_at IS NULL"
                " AND dead_at IS NULL") != 0)
        return false;
    for (int p = 0; p < S_PARTNERS; p++)
        if ((uint64_t)kbt_query_longf (s_intake->conninfo, "SELECT coalesce(max(last_seq), 0) FROM intake.mailbox_head"
                              " WHERE org_id = '%s'",
                              s_partners[p].org) != s_partners[p].cursor)
            return false;
    return true;
}

static void
s_assert_signals_once (long total)
{
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.signal WHERE partner_case_ref LIKE 'FZ-%%'"), total);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(DISTINCT (sender_org, message_id)) FROM intake.signal"
                              " WHERE partner_case_ref LIKE 'FZ-%%'"),
                      total);
    /* every acknowledged reference is one stored row, and the right one */
    PGconn *conn = s_connect ();
    for (int p = 0; p < S_PARTNERS; p++) {
        s_partner_t *self = &s_partners[p];
        size_t cap = (size_t)S_PER_PARTNER * 41 + 3, o = 0;
        char *refs = malloc (cap), *ids = malloc ((size_t)S_PER_PARTNER * 38 + 3);
        size_t oi = 0;
        refs[o++] = '{';
        ids[oi++] = '{';
        for (int i = 0; i < S_PER_PARTNER; i++) {
            assert_true (self->refs[i][0]);
            o += (size_t)snprintf (refs + o, cap - o, "%s%s", i ? "," : "", self->refs[i]);
            oi += (size_t)sprintf (ids + oi, "%s%s", i ? "," : "", self->signals[i].message_id);
        }
        refs[o++] = '}';
        refs[o] = '\0';
        ids[oi++] = '}';
        ids[oi] = '\0';
        const char *values[3] = { refs, ids, self->org };
        PGresult *res =
          PQexecParams (conn,
                        "SELECT count(*) FROM unnest($1::text[], $2::text[]) AS a (ref, id)"
                        " JOIN intake.signal s ON s.ref = a.ref AND s.message_id = a.id"
                        " AND s.sender_org = $3",
                        3,
                        NULL,
                        values,
                        NULL,
                        NULL,
                        0);
        assert_int_equal (PQresultStatus (res), PGRES_TUPLES_OK);
        assert_int_equal (atol (PQgetvalue (res, 0, 0)), S_PER_PARTNER);
        PQclear (res);
        free (refs);
        free (ids);
    }
    PQfinish (conn);
}

static void
s_assert_links_once (void)
{
    /* intake -> zorgtoewijzing: one StoredSignal per stored signal, each
       applied exactly once (the inbox is keyed on message id), nothing
       else. An acknowledged outbox row is deleted, so what was queued is
       counted by the streams' counters: every position 1..last_seq of
       every stream arrived exactly once. */
    long signals = kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.signal");
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT coalesce (sum (last_seq), 0)"
                                                           " FROM intake.kb_link_stream WHERE stream <> 'registry'"),
                      signals);
    long sent = kbt_query_longf (s_intake->conninfo, "SELECT coalesce (sum (last_seq), 0) FROM intake.kb_link_stream");
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_inbox WHERE sender = 'intake'"), sent);
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(DISTINCT (i.stream, i.stream_seq))"
              " FROM zorgtoewijzing.kb_inbox i JOIN intake.kb_link_stream s ON s.stream = i.stream"
              " WHERE i.sender = 'intake' AND i.stream_seq BETWEEN 1 AND s.last_seq"),
      sent);
    /* zorgtoewijzing -> intake: every message queued once in a mailbox */
    long out = kbt_query_longf (s_intake->conninfo, "SELECT coalesce (sum (last_seq), 0) FROM zorgtoewijzing.kb_link_stream");
    assert_true (out > 0);
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.kb_inbox WHERE sender = 'zorgtoewijzing'"), out);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.mailbox"), out);
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.kb_inbox i JOIN intake.mailbox m"
              " ON m.message_id = i.message_id AND m.org_id = i.stream WHERE i.sender = 'zorgtoewijzing'"),
      out);
    /* no dead letters anywhere */
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_dead_letter"), 0);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.kb_dead_letter"), 0);
    assert_int_equal (kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM intake.kb_outbox WHERE dead_at IS NOT NULL"),
                      0);
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_outbox WHERE dead_at IS NOT NULL"), 0);
}

static void
s_assert_one_plan_per_gezin (void)
{
    long live = kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.gezin WHERE merged_into IS NULL");
    assert_true (live > 0);
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.gezin g WHERE g.merged_into IS NULL"
              " AND (SELECT count(*) FROM zorgtoewijzing.plan p WHERE p.gezin_id = g.id"
              " AND p.status = 'active') <> 1"),
      0);
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.plan p JOIN zorgtoewijzing.gezin g"
              " ON g.id = p.gezin_id WHERE p.status = 'active' AND g.merged_into IS NOT NULL"),
      0);
    /* each gezin was created once (its audit row commits with it) */
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_audit WHERE event = 'gezin.created'"),
      kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.gezin"));
}

static void
s_assert_mailbox_exactly (s_partner_t *self)
{
    PGconn *conn = s_connect ();
    const char *values[1] = { self->org };
    PGresult *res = PQexecParams (conn,
                                  "SELECT seq, message_id FROM intake.mailbox WHERE org_id = $1"
                                  " ORDER BY seq",
                                  1,
                                  NULL,
                                  values,
                                  NULL,
                                  NULL,
                                  0);
    assert_int_equal (PQresultStatus (res), PGRES_TUPLES_OK);
    int rows = PQntuples (res);
    if (rows != self->naccepted)
        fail_msg ("partner \"%s\": %d mailbox rows, %d messages received",
                  self->org,
                  rows,
                  self->naccepted);
    for (int i = 0; i < rows; i++) {
        assert_int_equal (strtoull (PQgetvalue (res, i, 0), NULL, 10), (uint64_t)i + 1);
        assert_int_equal (self->seqs[i], (uint64_t)i + 1);
        if (strcmp (PQgetvalue (res, i, 1), self->ids[i]) != 0)
            fail_msg ("partner \"%s\": seq %d is %s in the mailbox, %s received",
                      self->org,
                      i + 1,
                      PQgetvalue (res, i, 1),
                      self->ids[i]);
    }
    PQclear (res);
    PQfinish (conn);
    /* no message twice under different sequence numbers either */
    assert_int_equal (
      kbt_query_longf (s_intake->conninfo, "SELECT count(DISTINCT message_id) FROM intake.mailbox WHERE org_id = '%s'",
              self->org),
      rows);
}

/*  The test */

static void
s_kill (int which, int *kills_of)
{
    if (which == 0) {
        kbt_intake_stop (s_intake, SIGKILL);
        kbt_sleep_ms (rand () % 300);
        kbt_intake_start (s_intake, s_daemon_env);
    } else {
        kbt_zorg_stop (s_zorg, SIGKILL);
        kbt_sleep_ms (rand () % 300);
        kbt_zorg_start (s_zorg, s_daemon_env);
    }
    kills_of[which]++;
}

static void
test_kill9_intake_and_zorgtoewijzing (void **state)
{
    (void)state;
    unsigned seed =
      getenv ("KB_FT_SEED") ? (unsigned)strtoul (getenv ("KB_FT_SEED"), NULL, 10) : 20240607u;
    printf ("# seed=%u\n", seed);
    srand (seed);
    s_intake = kbt_intake_setup ("ft_zorg");
    s_zorg = kbt_zorg_setup (s_intake);
    s_partners_setup ();
    kbt_intake_start (s_intake, s_daemon_env);
    kbt_zorg_start (s_zorg, s_daemon_env);
    static const char *types[KBT_PARTNERS] = { "cjg", "veilig-thuis", "gemeente", "wijkteam" };
    static const char *gemeenten[KBT_PARTNERS] = { "0794", "", "0794", "0762" };
    for (int i = 0; i < KBT_PARTNERS; i++)
        kbt_zorg_directory (s_zorg, s_intake->partner_org[i], types[i], "centrum", gemeenten[i]);
    for (int p = 0; p < S_PARTNERS; p++)
        if (s_orgs[p].fixture < 0)
            kbt_zorg_directory (
              s_zorg, s_orgs[p].org, s_orgs[p].type, s_orgs[p].gebied, s_orgs[p].gemeente);
    assert_int_equal (
      kbt_wait_for_value (s_intake->conninfo,
                          "SELECT count(*) FROM zorgtoewijzing.kb_inbox WHERE stream = 'registry'",
                          KBT_PARTNERS + 3,
                          20000),
      KBT_PARTNERS + 3);
    for (int p = 0; p < S_PARTNERS; p++) {
        s_partners[p].sender = kbt_intake_client_cert (s_intake, s_partners[p].cert);
        s_mailbox_open (&s_partners[p], p);
    }

    /* the kills: 3 of each daemon, each at a random point of the progress
       of the daemon killed (intake: signals acknowledged; zorgtoewijzing:
       signals applied), the two schedules independent of each other */
    const long total = (long)S_PARTNERS * S_PER_PARTNER;
    long at[2][S_KILLS / 2];
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < S_KILLS / 2; i++)
            at[d][i] = (long)((0.05 + 0.85 * (i + (rand () % 1000) / 1000.0) / (S_KILLS / 2)) *
                              (double)total);
    int kills_of[2] = { 0, 0 }, bonus = 0;
    long applied = 0;
    int64_t applied_at = 0, drained_at = 0;
    int64_t start = kbt_now_ms (), deadline = start + S_DEADLINE_MS;
    bool drained = false;

    zmq_pollitem_t items[S_PARTNERS * 3];
    while (!drained && kbt_now_ms () < deadline) {
        long acked = 0;
        int allowed = 1 + bonus + (int)((kbt_now_ms () - start) * S_RATE / 1000 / S_PARTNERS);
        for (int p = 0; p < S_PARTNERS; p++) {
            s_signals_send (&s_partners[p], allowed);
            acked += s_partners[p].acked;
        }
        for (int p = 0; p < S_PARTNERS; p++) {
            items[p * 3] = (zmq_pollitem_t){
                zsock_resolve (kb_client_socket (s_partners[p].sender)), 0, ZMQ_POLLIN, 0
            };
            items[p * 3 + 1] = (zmq_pollitem_t){
                zsock_resolve (kb_client_socket (s_partners[p].mailbox)), 0, ZMQ_POLLIN, 0
            };
            items[p * 3 + 2] =
              (zmq_pollitem_t){ zsock_resolve (s_partners[p].monitor), 0, ZMQ_POLLIN, 0 };
        }
        zmq_poll (items, S_PARTNERS * 3, 20);
        for (int p = 0; p < S_PARTNERS; p++) {
            s_signals_collect (&s_partners[p]);
            s_mailbox_pump (&s_partners[p]);
        }
        int64_t now = kbt_now_ms ();
        if (now - applied_at > 200) {
            applied = s_applied_signals ();
            applied_at = now;
        }
        bool stream_done = acked == total && applied == total;
        for (int d = 0; d < 2; d++) {
            int k = kills_of[d];
            if (k == S_KILLS / 2 || ((d == 0 ? acked : applied) < at[d][k] && !stream_done))
                continue;
            printf ("# kill -9 %s at acked=%ld applied=%ld t=%.1fs\n",
                    d == 0 ? "intake" : "zorgtoewijzing",
                    acked,
                    applied,
                    (double)(now - start) / 1000.0);
            if (d == 0) {
                /* a burst ahead of the pace, so that the kill finds signals
                   committed but unanswered, and others not read at all */
                bonus += 30;
                for (int p = 0; p < S_PARTNERS; p++)
                    s_signals_send (&s_partners[p], allowed + 30);
                kbt_sleep_ms (rand () % 20);
            }
            s_kill (d, kills_of);
        }
        if (kills_of[0] + kills_of[1] == S_KILLS && stream_done && now - drained_at > 300) {
            drained_at = now;
            drained = s_drained ();
        }
    }
    /* a last second of listening: a late redelivery or extra message shows */
    int64_t quiet = kbt_now_ms () + 1000;
    while (kbt_now_ms () < quiet) {
        kbt_sleep_ms (20);
        for (int p = 0; p < S_PARTNERS; p++)
            s_mailbox_pump (&s_partners[p]);
    }
    int acked = 0, duplicates = 0, resent = 0, received = 0, redelivered = 0, gaps = 0,
        reconnects = 0;
    for (int p = 0; p < S_PARTNERS; p++) {
        s_partner_t *self = &s_partners[p];
        printf ("# %-21s acked=%d dup_acks=%d resent=%d mailbox=%d raw=%d redelivered=%d gaps=%d"
                " replays=%d reconnects=%d\n",
                self->org,
                self->acked,
                self->duplicates,
                self->resent,
                self->naccepted,
                self->raw,
                self->redelivered,
                self->gaps,
                self->replays,
                self->reconnects);
        acked += self->acked;
        duplicates += self->duplicates;
        resent += self->resent;
        received += self->naccepted;
        redelivered += self->redelivered;
        gaps += self->gaps;
        reconnects += self->reconnects;
    }
    printf ("# signals=%ld acked=%d dup_acks=%d resent=%d applied=%ld mailbox_messages=%d"
            " redelivered_below_cursor=%d gaps=%d reconnects=%d kills intake=%d zorgtoewijzing=%d"
            " gezinnen=%ld t=%.1fs\n",
            total,
            acked,
            duplicates,
            resent,
            s_applied_signals (),
            received,
            redelivered,
            gaps,
            reconnects,
            kills_of[0],
            kills_of[1],
            kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.gezin WHERE merged_into IS NULL"),
            (double)(kbt_now_ms () - start) / 1000.0);
    if (!drained)
        fail_msg (
          "not drained within %d s: intake pending=%ld zorgtoewijzing pending=%ld",
          S_DEADLINE_MS / 1000,
          kbt_query_longf (s_intake->conninfo, 
            "SELECT count(*) FROM intake.kb_outbox WHERE acked_at IS NULL AND dead_at IS NULL"),
          kbt_query_longf (s_intake->conninfo, "SELECT count(*) FROM zorgtoewijzing.kb_outbox WHERE acked_at IS NULL AND "
                  "dead_at IS NULL"));
    assert_int_equal (kills_of[0], 3);
    assert_int_equal (kills_of[1], 3);
    assert_int_equal (acked, total);
    assert_int_equal (gaps, 0);
    s_assert_signals_once (total);
    s_assert_links_once ();
    s_assert_one_plan_per_gezin ();
    for (int p = 0; p < S_PARTNERS; p++)
        s_assert_mailbox_exactly (&s_partners[p]);
    /* the daemons are alive and well */
    assert_int_equal (kbt_wait (s_intake->pid, 0), -1);
    assert_int_equal (kbt_wait (s_zorg->pid, 0), -1);

    s_partners_teardown ();
    kbt_zorg_teardown (&s_zorg);
    kbt_intake_teardown (&s_intake);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_kill9_intake_and_zorgtoewijzing),
    };
    return cmocka_run_group_tests_name ("ft_zorg", tests, NULL, NULL);
}
