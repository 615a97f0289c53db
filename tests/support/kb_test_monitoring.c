/*  kb_test_monitoring - real monitoring daemon fixture. */
#include "kb_test_monitoring.h"
#include "kb_test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
