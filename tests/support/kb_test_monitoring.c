/*  kb_test_monitoring - real monitoring daemon fixture. */
#include "kb_test_monitoring.h"
#include "kb_test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_uuid.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _kbt_monitoring_t
{
    char *conninfo;
    char *dir;
    char *listen;
    char *log;
    pid_t pid;
};

static char *
s_printf (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    char *s = NULL;
    if (vasprintf (&s, fmt, ap) < 0)
        abort ();
    va_end (ap);
    return s;
}

kbt_monitoring_t *
kbt_monitoring_new (const char *conninfo, const char *name)
{
    kbt_monitoring_t *self = calloc (1, sizeof *self);
    assert_non_null (self);
    self->conninfo = strdup (conninfo);
    self->dir = kbt_var_path (name);
    self->listen = s_printf ("ipc://%s/monitoring-real.sock", self->dir);
    self->log = s_printf ("%s/monitoring.log", self->dir);
    FILE *f = fopen (self->log, "w");
    if (f)
        fclose (f);
    return self;
}

const char *
kbt_monitoring_listen (kbt_monitoring_t *self)
{
    return self->listen;
}

void
kbt_monitoring_start (kbt_monitoring_t *self, const char *const extra_env[])
{
    const char *env[16];
    int n = 0;
    env[n++] = s_printf ("KETENBUS_DB_CONNINFO=%s", self->conninfo);
    env[n++] = s_printf ("KETENBUS_LINK_LISTEN=%s", self->listen);
    env[n++] = strdup ("KETENBUS_HTTP_LISTEN=");
    env[n++] = strdup ("KETENBUS_METRICS_LISTEN=");
    n = kbt_env_merge (env, n, 15, extra_env);
    env[n] = NULL;
    char *bin = kbt_bin ("monitoring");
    const char *argv[] = { bin, NULL };
    int before = kbt_file_count (self->log, "monitoring serving");
    self->pid = kbt_spawn (argv, env, self->log);
    free (bin);
    for (int i = 0; i < n; i++)
        free ((char *)env[i]);
    int64_t deadline = kbt_now_ms () + 20000;
    while (kbt_file_count (self->log, "monitoring serving") == before) {
        if (kbt_now_ms () > deadline || kbt_wait (self->pid, 0) >= 0)
            fail_msg ("monitoring did not start; log %s", self->log);
        kbt_sleep_ms (20);
    }
}

void
kbt_monitoring_signal (kbt_monitoring_t *self, int sig)
{
    if (self->pid <= 0)
        return;
    if (sig == SIGSTOP || sig == SIGCONT) {
        kill (self->pid, sig);
        return;
    }
    kbt_kill (self->pid, sig);
    self->pid = 0;
}

int
kbt_monitoring_log_count (kbt_monitoring_t *self, const char *needle)
{
    return kbt_file_count (self->log, needle);
}

void
kbt_monitoring_destroy (kbt_monitoring_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    kbt_monitoring_t *self = *self_p;
    if (self->pid > 0) {
        kill (self->pid, SIGCONT);
        kbt_kill (self->pid, SIGTERM);
    }
    free (self->conninfo);
    free (self->dir);
    free (self->listen);
    free (self->log);
    free (self);
    *self_p = NULL;
}

struct _kbt_event_sender_t
{
    char *conninfo;
    char *schema;
    kb_db_t *db;
    kb_link_sender_t *sender;
};

kbt_event_sender_t *
kbt_event_sender_new (const char *conninfo,
                      const char *schema,
                      const char *endpoint,
                      const char *identity)
{
    kbt_event_sender_t *self = calloc (1, sizeof *self);
    assert_non_null (self);
    self->conninfo = strdup (conninfo);
    self->schema = strdup (schema);
    self->db = kb_db_connect (conninfo, schema, 5000);
    assert_non_null (self->db);
    assert_int_equal (kb_db_migrate (self->db, KB_MIGRATIONS_DIR, "link"), 0);
    assert_int_equal (kb_outbox_prepare (self->db), 0);
    kb_link_sender_config_t cfg = { .conninfo = conninfo,
                                    .schema = schema,
                                    .endpoint = endpoint,
                                    .identity = identity,
                                    .retransmit_base_ms = 200,
                                    .retransmit_max_ms = 1000,
                                    .poll_ms = 50 };
    self->sender = kb_link_sender_new (&cfg);
    assert_non_null (self->sender);
    return self;
}

void
kbt_event_sender_put (kbt_event_sender_t *self, kb_envelope_t *env, char id[37])
{
    if (!*id)
        kb_uuid_v4 (id);
    env->message_id = id;
    env->sent_at_ms = (int64_t)time (NULL) * 1000;
    env->schema_version = KB_SCHEMA_VERSION;
    env->sender_org = "client-tracking";
    size_t len = 0;
    uint8_t *bytes = kb_codec_encode (env, &len);
    assert_non_null (bytes);
    assert_int_equal (kb_db_begin (self->db), KB_DB_OK);
    assert_int_equal (kb_outbox_put (self->db, "monitoring:test", id, bytes, len), KB_DB_OK);
    assert_int_equal (kb_db_commit (self->db), KB_DB_OK);
    free (bytes);
    env->message_id = NULL;
    env->sender_org = NULL;
    kb_link_sender_wake (self->sender);
}

void
kbt_event_sender_put_event (kbt_event_sender_t *self,
                            Ketenbus__V1__MonitoringEvent *ev,
                            char id[37])
{
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_MONITORING_EVENT;
    env.monitoring_event = ev;
    kbt_event_sender_put (self, &env, id);
}

void
kbt_event_sender_wait_acked (kbt_event_sender_t *self)
{
    char *sql = s_printf (
      "SELECT count(*) FROM %s.kb_outbox WHERE acked_at IS NULL AND dead_at IS NULL", self->schema);
    long left = kbt_wait_for_value (self->conninfo, sql, 0, 20000);
    free (sql);
    assert_int_equal (left, 0);
}

void
kbt_event_sender_destroy (kbt_event_sender_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    kbt_event_sender_t *self = *self_p;
    kb_link_sender_destroy (&self->sender);
    kb_db_destroy (&self->db);
    free (self->conninfo);
    free (self->schema);
    free (self);
    *self_p = NULL;
}
