/*  kb_test_zorg - real zorgtoewijzing daemon fixture. */
#include "kb_test_zorg.h"
#include "kb_test_support.h"

#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_security.h"
#include "ketenbus/kb_uuid.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

kbt_zorg_t *
kbt_zorg_setup (kbt_intake_t *intake)
{
    kbt_zorg_t *self = calloc (1, sizeof *self);
    self->intake = intake;
    self->conninfo = strdup (intake->conninfo);
    self->listen = s_printf ("ipc://%s/zorg.sock", intake->dir);
    self->log = s_printf ("%s/zorgtoewijzing.log", intake->dir);
    self->inject_db = kb_db_connect (self->conninfo, "zorgtest", 5000);
    if (!self->inject_db || kb_db_migrate (self->inject_db, KB_MIGRATIONS_DIR, "link")
        || kb_outbox_prepare (self->inject_db))
        abort ();
    kb_link_sender_config_t cfg = { .conninfo = self->conninfo,
                                    .schema = "zorgtest",
                                    .endpoint = self->listen,
                                    .identity = "ketentest",
                                    .retransmit_base_ms = 200,
                                    .retransmit_max_ms = 1000,
                                    .poll_ms = 50 };
    self->sender = kb_link_sender_new (&cfg);
    if (!self->sender)
        abort ();
    return self;
}

int
kbt_zorg_log_count (kbt_zorg_t *self, const char *needle)
{
    return kbt_file_count (self->log, needle);
}

void
kbt_zorg_start (kbt_zorg_t *self, const char *const extra_env[])
{
    int before = kbt_zorg_log_count (self, "zorgtoewijzing serving");
    char *bin = kbt_bin ("zorgtoewijzing");
    char *rules = kbt_source_path ("deploy/config/regie-rules.conf");
    const char *argv[] = { bin, NULL };
    const char *env[32];
    int n = 0;
    env[n++] = s_printf ("KETENBUS_DB_CONNINFO=%s", self->conninfo);
    env[n++] = s_printf ("KETENBUS_LINK_LISTEN=%s", self->listen);
    env[n++] = s_printf ("KETENBUS_LINK_INTAKE=ipc://%s/intake-mailbox.sock", self->intake->dir);
    env[n++] = s_printf ("KETENBUS_RULES_FILE=%s", rules);
    env[n++] = s_printf ("KETENBUS_TRANSFER_CHECK_MS=%s", "100");
    /* no client-tracking unless the test starts one and says where */
    bool tracking = false;
    for (int i = 0; extra_env && extra_env[i]; i++)
        tracking |= strncmp (extra_env[i], "KETENBUS_LINK_TRACKING=", 23) == 0;
    if (!tracking)
        env[n++] = s_printf ("KETENBUS_LINK_TRACKING=");
    /* no /metrics unless the test asks for it (a port is machine-wide) */
    env[n++] = s_printf ("KETENBUS_METRICS_LISTEN=");
    n = kbt_env_merge (env, n, 31, extra_env);
    env[n] = NULL;
    self->pid = kbt_spawn (argv, env, self->log);
    for (int i = 0; i < n; i++)
        free ((char *) env[i]);
    free (bin);
    free (rules);
    int64_t deadline = kbt_now_ms () + 20000;
    while (kbt_zorg_log_count (self, "zorgtoewijzing serving") == before) {
        if (kbt_now_ms () > deadline || kbt_wait (self->pid, 0) >= 0) {
            fprintf (stderr, "zorgtoewijzing did not start; log %s\n", self->log);
            char *cmd = s_printf ("tail -n 30 '%s' >&2", self->log);
            if (system (cmd) != 0) {
            }
            free (cmd);
            abort ();
        }
        kbt_sleep_ms (20);
    }
}

void
kbt_zorg_stop (kbt_zorg_t *self, int sig)
{
    if (self->pid > 0)
        kbt_kill (self->pid, sig);
    self->pid = 0;
}

void
kbt_zorg_teardown (kbt_zorg_t **self_p)
{
    kbt_zorg_t *self = *self_p;
    if (!self)
        return;
    kbt_zorg_stop (self, SIGTERM);
    kb_link_sender_destroy (&self->sender);
    kb_db_destroy (&self->inject_db);
    free (self->conninfo);
    free (self->listen);
    free (self->log);
    free (self);
    *self_p = NULL;
}

char *
kbt_zorg_register_intake (kbt_zorg_t *self, const char *org, const char *type_name,
                          const char *gebied, const char *gemeente)
{
    kb_db_t *db = kb_db_connect (self->conninfo, "intake", 5000);
    if (!db || kb_partner_prepare (db) || kb_audit_prepare (db))
        abort ();
    kb_partner_t p;
    memset (&p, 0, sizeof p);
    snprintf (p.org_id, sizeof p.org_id, "%s", org);
    p.org_type = kb_org_type_parse (type_name);
    snprintf (p.gebied, sizeof p.gebied, "%s", gebied);
    snprintf (p.gemeente_code, sizeof p.gemeente_code, "%s", gemeente);
    char *path = s_printf ("%s/%s.cert", self->intake->dir, org);
    zcert_t *cert = zcert_new ();
    char err[256];
    if (kb_security_cert_save (cert, path, err, sizeof err) != 0) {
        fprintf (stderr, "%s\n", err);
        abort ();
    }
    snprintf (p.public_key, sizeof p.public_key, "%s", zcert_public_txt (cert));
    zcert_destroy (&cert);
    if (kb_partner_add (db, &p, "test") != KB_PARTNER_OK)
        abort ();
    kb_db_destroy (&db);
    return path;
}

void
kbt_zorg_directory (kbt_zorg_t *self, const char *org, const char *type_name, const char *gebied,
                    const char *gemeente)
{
    /* test data from the test itself: plain literals are fine here */
    char *sql = s_printf ("INSERT INTO zorgtoewijzing.partner (org_id, org_type, gebied, gemeente_code, active)"
                          " VALUES ('%s', %d, '%s', '%s', true) ON CONFLICT (org_id) DO UPDATE SET"
                          " org_type = EXCLUDED.org_type, gebied = EXCLUDED.gebied,"
                          " gemeente_code = EXCLUDED.gemeente_code, active = true",
                          org, kb_org_type_parse (type_name), gebied, gemeente);
    kbt_exec (self->conninfo, sql);
    free (sql);
}

void
kbt_zorg_inject (kbt_zorg_t *self, kb_envelope_t *env, const char *stream, char id_out[37])
{
    kb_uuid_v4 (id_out);
    env->message_id = id_out;
    env->sent_at_ms = (int64_t) time (NULL) * 1000;
    env->schema_version = KB_SCHEMA_VERSION;
    env->sender_org = "ketentest";
    size_t len = 0;
    uint8_t *bytes = kb_codec_encode (env, &len);
    if (!bytes || kb_db_begin (self->inject_db) != KB_DB_OK
        || kb_outbox_put (self->inject_db, stream, id_out, bytes, len) != KB_DB_OK
        || kb_db_commit (self->inject_db) != KB_DB_OK)
        abort ();
    free (bytes);
    env->message_id = NULL;
    env->sender_org = NULL;
    kb_link_sender_wake (self->sender);
}

void
kbt_zorg_wait_inbox (kbt_zorg_t *self, long n, int timeout_ms)
{
    const char *sql = "SELECT (SELECT count(*) FROM zorgtoewijzing.kb_inbox)"
                      " + (SELECT count(*) FROM zorgtoewijzing.kb_dead_letter)";
    int64_t deadline = kbt_now_ms () + timeout_ms;
    long have = 0;
    while ((have = kbt_query_long (self->conninfo, sql)) < n) {
        if (kbt_now_ms () > deadline) {
            fprintf (stderr, "zorgtoewijzing applied %ld of %ld messages; log %s\n", have, n, self->log);
            abort ();
        }
        kbt_sleep_ms (20);
    }
}
