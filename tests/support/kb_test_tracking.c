/*  kb_test_tracking - real client-tracking daemon fixture. */
#include "kb_test_tracking.h"
#include "kb_test_support.h"

#include "ketenbus/kb_uuid.h"

#include <czmq.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _kbt_tracking_t {
    char *conninfo;
    char *dir;
    char *listen, *monitoring, *mailbox;
    char *log;
    pid_t pid;
    kb_db_t *inject_db;        /* schema "trackingtest": the test's own outbox */
    kb_link_sender_t *sender;  /* identity "ketentest" */
    kb_db_t *mon_db, *mail_db;
    kb_link_receiver_t *mon, *mail;
    zpoller_t *poller;
};

static char *
s_printf (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    char *out = NULL;
    if (vasprintf (&out, fmt, ap) < 0)
        abort ();
    va_end (ap);
    return out;
}

/* Records what monitoring or intake would have received. */
static int
s_got (kb_db_t *db, const char *sender, const char *stream, const char *message_id,
       const void *payload, size_t len, void *arg, char *reason_buf, size_t reason_len)
{
    (void) sender;
    (void) arg;
    kb_envelope_t *env = NULL;
    if (kb_codec_decode (payload, len, 1024 * 1024, &env) != KB_CODEC_OK) {
        snprintf (reason_buf, reason_len, "test receiver could not decode");
        return KB_LINK_POISON;
    }
    char type[12] = "0", state[12] = "0";
    const char *trajectory = "", *to_org = "", *item = "";
    /* a MonitoringEvent's other fields, as text (empty for other bodies) */
    char nums[12][24];
    const char *ev_text[9] = { "", "", "", "", "", "", "", "", "" };
    for (int i = 0; i < 12; i++)
        snprintf (nums[i], sizeof nums[i], "0");
    if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_MONITORING_EVENT) {
        const Ketenbus__V1__MonitoringEvent *ev = env->monitoring_event;
        snprintf (type, sizeof type, "%d", (int) ev->event_type);
        snprintf (state, sizeof state, "%d", (int) ev->trajectory_state);
        trajectory = ev->trajectory_id;
        item = ev->item_ref;
        const char *t[9] = { ev->gezin_ref, ev->person_pseudonym, ev->plan_ref, ev->gemeente_code,
                             ev->gebied, ev->org, ev->event_date, ev->start_date, ev->end_date };
        memcpy (ev_text, t, sizeof t);
        long long n[12] = { ev->org_type, ev->age_years, ev->urgency, ev->duration_days, ev->wet,
                            ev->pyramid_level, ev->volume, ev->share_outcome, ev->legal_ground,
                            ev->review_outcome, ev->satisfaction_score, ev->occurred_at_ms };
        for (int i = 0; i < 12; i++)
            snprintf (nums[i], sizeof nums[i], "%lld", n[i]);
    } else if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE) {
        snprintf (state, sizeof state, "%d", (int) env->trajectory_update->state);
        trajectory = env->trajectory_update->trajectory_id;
        to_org = env->trajectory_update->to_org;
    }
    const char *values[30] = { message_id, stream, kb_codec_body_name (env), type, state,
                               trajectory, to_org, item };
    for (int i = 0; i < 9; i++)
        values[8 + i] = ev_text[i] ? ev_text[i] : "";
    for (int i = 0; i < 12; i++)
        values[17 + i] = nums[i];
    int formats[30] = { 0 };
    int lengths[30] = { 0 };
    values[29] = (const char *) payload;
    formats[29] = 1;
    lengths[29] = (int) len;
    kb_db_rc_t rc = kb_db_run_cmd (db, "got_insert", 30, values, lengths, formats);
    kb_codec_free (&env);
    if (rc == KB_DB_OK)
        return 0;
    snprintf (reason_buf, reason_len, "test receiver insert failed");
    return rc == KB_DB_RETRY ? KB_LINK_RETRY : KB_LINK_POISON;
}

static kb_link_receiver_t *
s_receiver (kbt_tracking_t *self, const char *schema, const char *endpoint, kb_db_t **db_p)
{
    kb_db_t *db = kb_db_connect (self->conninfo, schema, 5000);
    if (!db || kb_db_migrate (db, KB_MIGRATIONS_DIR, "link")
        || kb_db_exec (db, "CREATE TABLE IF NOT EXISTS got (id bigserial, message_id text, stream text,"
                           " body text, event_type int, state int, trajectory_id text, to_org text,"
                           " item_ref text, gezin_ref text, person_pseudonym text, plan_ref text,"
                           " gemeente_code text, gebied text, org text, event_date text,"
                           " start_date text, end_date text, org_type int, age_years int,"
                           " urgency int, duration_days int, wet int, pyramid_level int,"
                           " volume bigint, share_outcome int, legal_ground int,"
                           " review_outcome int, satisfaction_score int, occurred_at_ms bigint,"
                           " payload bytea)") != KB_DB_OK
        || kb_db_prepare (db, "got_insert",
                          "INSERT INTO got (message_id, stream, body, event_type, state, trajectory_id,"
                          " to_org, item_ref, gezin_ref, person_pseudonym, plan_ref, gemeente_code,"
                          " gebied, org, event_date, start_date, end_date, org_type, age_years,"
                          " urgency, duration_days, wet, pyramid_level, volume, share_outcome,"
                          " legal_ground, review_outcome, satisfaction_score, occurred_at_ms, payload)"
                          " VALUES ($1, $2, $3, $4::int, $5::int, $6, $7, $8, $9, $10, $11, $12, $13,"
                          " $14, $15, $16, $17, $18::int, $19::int, $20::int, $21::int, $22::int,"
                          " $23::int, $24::bigint, $25::int, $26::int, $27::int, $28::int,"
                          " $29::bigint, $30::bytea)", 30))
        abort ();
    kb_link_receiver_config_t cfg = { .batch = 200, .max_attempts = 3, .heartbeat_ms = 500 };
    kb_link_receiver_t *r = kb_link_receiver_new (db, endpoint, s_got, NULL, &cfg);
    if (!r)
        abort ();
    *db_p = db;
    return r;
}

/* A daemon an earlier, aborted run of this test left behind would connect
   to this run's endpoints under the same routing id: it is killed by the
   pid the fixture wrote. */
static void
s_kill_leftover (kbt_tracking_t *self)
{
    char *pidfile = s_printf ("%s/client-tracking.pid", self->dir);
    FILE *f = fopen (pidfile, "r");
    long pid = 0;
    if (f) {
        if (fscanf (f, "%ld", &pid) != 1)
            pid = 0;
        fclose (f);
    }
    if (pid > 0) {
        char *cmdline = s_printf ("/proc/%ld/cmdline", pid);
        char buf[512] = "";
        FILE *c = fopen (cmdline, "r");
        if (c) {
            size_t n = fread (buf, 1, sizeof buf - 1, c);
            buf[n] = '\0';
            fclose (c);
        }
        if (strstr (buf, "client-tracking"))
            kill ((pid_t) pid, SIGKILL);
        free (cmdline);
    }
    remove (pidfile);
    free (pidfile);
}

static void
s_write_pid (kbt_tracking_t *self)
{
    char *pidfile = s_printf ("%s/client-tracking.pid", self->dir);
    FILE *f = fopen (pidfile, "w");
    if (f) {
        fprintf (f, "%ld\n", (long) self->pid);
        fclose (f);
    }
    free (pidfile);
}

kbt_tracking_t *
kbt_tracking_setup (const char *db_name)
{
    kbt_tracking_t *self = calloc (1, sizeof *self);
    self->conninfo = kbt_db_create (db_name);
    self->dir = kbt_var_path (db_name);
    self->listen = s_printf ("ipc://%s/tracking.sock", self->dir);
    self->monitoring = s_printf ("ipc://%s/monitoring.sock", self->dir);
    self->mailbox = s_printf ("ipc://%s/intake-mailbox.sock", self->dir);
    self->log = s_printf ("%s/client-tracking.log", self->dir);
    FILE *f = fopen (self->log, "w"); /* a fresh log per run */
    if (f)
        fclose (f);
    s_kill_leftover (self);
    self->inject_db = kb_db_connect (self->conninfo, "trackingtest", 5000);
    if (!self->inject_db || kb_db_migrate (self->inject_db, KB_MIGRATIONS_DIR, "link")
        || kb_outbox_prepare (self->inject_db))
        abort ();
    kb_link_sender_config_t cfg = { .conninfo = self->conninfo,
                                    .schema = "trackingtest",
                                    .endpoint = self->listen,
                                    .identity = "ketentest",
                                    .retransmit_base_ms = 200,
                                    .retransmit_max_ms = 1000,
                                    .poll_ms = 50 };
    self->sender = kb_link_sender_new (&cfg);
    if (!self->sender)
        abort ();
    self->mon = s_receiver (self, "montest", self->monitoring, &self->mon_db);
    self->mail = s_receiver (self, "mailtest", self->mailbox, &self->mail_db);
    self->poller = zpoller_new (kb_link_receiver_socket (self->mon), kb_link_receiver_socket (self->mail),
                                NULL);
    return self;
}

const char *
kbt_tracking_conninfo (kbt_tracking_t *self)
{
    return self->conninfo;
}

const char *
kbt_tracking_listen (kbt_tracking_t *self)
{
    return self->listen;
}

int
kbt_tracking_log_count (kbt_tracking_t *self, const char *needle)
{
    return kbt_file_count (self->log, needle);
}

void
kbt_tracking_start (kbt_tracking_t *self, const char *const extra_env[])
{
    int before = kbt_tracking_log_count (self, "client-tracking serving");
    char *bin = kbt_bin ("client-tracking");
    const char *argv[] = { bin, NULL };
    const char *env[32];
    int n = 0;
    env[n++] = s_printf ("KETENBUS_DB_CONNINFO=%s", self->conninfo);
    env[n++] = s_printf ("KETENBUS_LINK_LISTEN=%s", self->listen);
    env[n++] = s_printf ("KETENBUS_LINK_MONITORING=%s", self->monitoring);
    env[n++] = s_printf ("KETENBUS_LINK_INTAKE=%s", self->mailbox);
    env[n++] = s_printf ("KETENBUS_LINK_RETRANSMIT_MS=%s", "200");
    env[n++] = s_printf ("KETENBUS_LINK_RETRANSMIT_MAX_MS=%s", "1000");
    /* no /metrics unless the test asks for it (a port is machine-wide) */
    env[n++] = s_printf ("KETENBUS_METRICS_LISTEN=");
    n = kbt_env_merge (env, n, 31, extra_env);
    env[n] = NULL;
    self->pid = kbt_spawn (argv, env, self->log);
    s_write_pid (self);
    for (int i = 0; i < n; i++)
        free ((char *) env[i]);
    free (bin);
    int64_t deadline = kbt_now_ms () + 20000;
    while (kbt_tracking_log_count (self, "client-tracking serving") == before) {
        if (kbt_now_ms () > deadline || kbt_wait (self->pid, 0) >= 0) {
            fprintf (stderr, "client-tracking did not start; log %s\n", self->log);
            char *cmd = s_printf ("tail -n 30 '%s' >&2", self->log);
            if (system (cmd) != 0) {
            }
            free (cmd);
            abort ();
        }
        kbt_tracking_pump (self, 20);
    }
}

void
kbt_tracking_stop (kbt_tracking_t *self, int sig)
{
    if (self->pid > 0)
        kbt_kill (self->pid, sig);
    self->pid = 0;
}

void
kbt_tracking_teardown (kbt_tracking_t **self_p)
{
    kbt_tracking_t *self = *self_p;
    if (!self)
        return;
    kbt_tracking_stop (self, SIGTERM);
    zpoller_destroy (&self->poller);
    kb_link_receiver_destroy (&self->mon);
    kb_link_receiver_destroy (&self->mail);
    kb_db_destroy (&self->mon_db);
    kb_db_destroy (&self->mail_db);
    kb_link_sender_destroy (&self->sender);
    kb_db_destroy (&self->inject_db);
    free (self->conninfo);
    free (self->dir);
    free (self->listen);
    free (self->monitoring);
    free (self->mailbox);
    free (self->log);
    free (self);
    *self_p = NULL;
}

void
kbt_tracking_inject (kbt_tracking_t *self, kb_envelope_t *env, const char *stream, char id_out[37])
{
    kb_uuid_v4 (id_out);
    env->message_id = id_out;
    env->sent_at_ms = (int64_t) time (NULL) * 1000;
    env->schema_version = KB_SCHEMA_VERSION;
    bool own_sender = !env->sender_org || !*env->sender_org;
    if (own_sender)
        env->sender_org = "ketentest";
    size_t len = 0;
    uint8_t *bytes = kb_codec_encode (env, &len);
    if (!bytes || kb_db_begin (self->inject_db) != KB_DB_OK
        || kb_outbox_put (self->inject_db, stream, id_out, bytes, len) != KB_DB_OK
        || kb_db_commit (self->inject_db) != KB_DB_OK)
        abort ();
    free (bytes);
    env->message_id = NULL;
    if (own_sender)
        env->sender_org = NULL;
    kb_link_sender_wake (self->sender);
}

void
kbt_tracking_pump (kbt_tracking_t *self, int ms)
{
    int64_t until = kbt_now_ms () + ms;
    do {
        int64_t left = until - kbt_now_ms ();
        void *which = zpoller_wait (self->poller, left > 0 ? (int) (left < 50 ? left : 50) : 0);
        if (which == kb_link_receiver_socket (self->mon))
            kb_link_receiver_handle (self->mon);
        else if (which == kb_link_receiver_socket (self->mail))
            kb_link_receiver_handle (self->mail);
    } while (kbt_now_ms () < until);
}

void
kbt_tracking_wait (kbt_tracking_t *self, const char *sql, long want, int timeout_ms)
{
    int64_t deadline = kbt_now_ms () + timeout_ms;
    long have = 0;
    while ((have = kbt_query_long (self->conninfo, sql)) != want) {
        if (kbt_now_ms () > deadline) {
            fprintf (stderr, "waited %d ms for %ld, have %ld: %s\nlog %s\n", timeout_ms, want, have, sql,
                     self->log);
            abort ();
        }
        kbt_tracking_pump (self, 30);
    }
}
