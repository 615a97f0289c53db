/*  kb_test_intake - real intake daemon fixture. */
#include "kb_test_intake.h"
#include "kb_test_support.h"

#include "ketenbus/kb_db.h"
#include "ketenbus/kb_partner.h"
#include "ketenbus/kb_audit.h"
#include "ketenbus/kb_pseudo.h"
#include "ketenbus/kb_security.h"
#include "ketenbus/kb_uuid.h"
#include "ketenbus/kb_validate.h"

#include <signal.h>
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

static char *
s_keypair (const char *dir, const char *name, char pub_txt[41])
{
    char *path = s_printf ("%s/%s.cert", dir, name);
    zcert_t *cert = zcert_new ();
    char err[256];
    if (kb_security_cert_save (cert, path, err, sizeof err) != 0) {
        fprintf (stderr, "%s\n", err);
        abort ();
    }
    if (pub_txt)
        snprintf (pub_txt, 41, "%s", zcert_public_txt (cert));
    zcert_destroy (&cert);
    return path;
}

kbt_intake_t *
kbt_intake_setup (const char *name)
{
    static const char *orgs[KBT_PARTNERS] = { "cjg-helmond", "veiligthuis-peel",
                                              "gemeente-helmond", "wijkteam-deurne" };
    static const char *types[KBT_PARTNERS] = { "cjg", "veilig-thuis", "gemeente", "wijkteam" };
    static const char *gemeenten[KBT_PARTNERS] = { "0794", "", "0794", "0762" };
    kbt_intake_t *self = calloc (1, sizeof *self);
    self->name = strdup (name);
    self->conninfo = kbt_db_create (name);
    char *sub = s_printf ("intake-%s", name);
    self->dir = kbt_var_path (sub);
    free (sub);
    char *cmd = s_printf ("rm -f '%s'/*", self->dir);
    if (system (cmd) != 0)
        abort ();
    free (cmd);
    self->endpoint = s_printf ("ipc://%s/intake.sock", self->dir);
    self->log = s_printf ("%s/intake.log", self->dir);
    self->server_cert = s_keypair (self->dir, "intake", NULL);
    self->server_pub = s_printf ("%s.pub", self->server_cert);
    self->pseudo_key = s_printf ("%s/pseudonym.key", self->dir);
    char err[256];
    if (kb_pseudo_keygen (self->pseudo_key, err, sizeof err) != 0)
        abort ();
    self->stranger_cert = s_keypair (self->dir, "stranger", NULL);

    kb_db_t *db = kb_db_connect (self->conninfo, "intake", 5000);
    if (!db || kb_db_migrate (db, KB_MIGRATIONS_DIR, "intake")
        || kb_db_migrate (db, KB_MIGRATIONS_DIR, "link")
        || kb_db_migrate (db, KB_MIGRATIONS_DIR, "audit") || kb_partner_prepare (db)
        || kb_audit_prepare (db))
        abort ();
    for (int i = 0; i < KBT_PARTNERS; i++) {
        kb_partner_t p;
        memset (&p, 0, sizeof p);
        snprintf (p.org_id, sizeof p.org_id, "%s", orgs[i]);
        p.org_type = kb_org_type_parse (types[i]);
        snprintf (p.gebied, sizeof p.gebied, "%s", "centrum");
        snprintf (p.gemeente_code, sizeof p.gemeente_code, "%s", gemeenten[i]);
        self->partner_cert[i] = s_keypair (self->dir, orgs[i], p.public_key);
        self->partner_org[i] = orgs[i];
        if (kb_partner_add (db, &p, "test") != KB_PARTNER_OK)
            abort ();
    }
    kb_db_destroy (&db);
    return self;
}

static pid_t
s_spawn (kbt_intake_t *self, const char *const extra_env[])
{
    char *bin = kbt_bin ("intake");
    const char *argv[] = { bin, NULL };
    const char *env[32];
    int n = 0;
    env[n++] = s_printf ("KETENBUS_DB_CONNINFO=%s", self->conninfo);
    env[n++] = s_printf ("KETENBUS_INTAKE_ENDPOINT=%s", self->endpoint);
    env[n++] = s_printf ("KETENBUS_INTAKE_SERVER_CERT=%s", self->server_cert);
    env[n++] = s_printf ("KETENBUS_PSEUDONYM_KEY_FILE=%s", self->pseudo_key);
    env[n++] = s_printf ("KETENBUS_REGION_GEMEENTEN=%s", "0794,0762,1652,0820,1658,1659");
    env[n++] = s_printf ("KETENBUS_LINK_ZORGTOEWIJZING=ipc://%s/zorg.sock", self->dir);
    env[n++] = s_printf ("KETENBUS_LINK_LISTEN=ipc://%s/intake-mailbox.sock", self->dir);
    env[n++] = s_printf ("KETENBUS_LINK_TRACKING=ipc://%s/tracking.sock", self->dir);
    env[n++] = s_printf ("KETENBUS_SECURITY_REFRESH_MS=%s", "200");
    /* no /metrics unless the test asks for it (a port is machine-wide) */
    env[n++] = s_printf ("KETENBUS_METRICS_LISTEN=");
    n = kbt_env_merge (env, n, 31, extra_env);
    env[n] = NULL;
    pid_t pid = kbt_spawn (argv, env, self->log);
    /* the child copied the environment; the strings are ours to free */
    for (int i = 0; i < n; i++)
        free ((char *) env[i]);
    free (bin);
    return pid;
}

char *
kbt_intake_register (kbt_intake_t *self, const char *org, const char *type_name,
                     const char *gemeente)
{
    kb_db_t *db = kb_db_connect (self->conninfo, "intake", 5000);
    if (!db || kb_partner_prepare (db) || kb_audit_prepare (db))
        abort ();
    kb_partner_t p;
    memset (&p, 0, sizeof p);
    snprintf (p.org_id, sizeof p.org_id, "%s", org);
    p.org_type = kb_org_type_parse (type_name);
    snprintf (p.gebied, sizeof p.gebied, "%s", "centrum");
    snprintf (p.gemeente_code, sizeof p.gemeente_code, "%s", gemeente);
    char *path = s_keypair (self->dir, org, p.public_key);
    if (kb_partner_add (db, &p, "test") != KB_PARTNER_OK)
        abort ();
    kb_db_destroy (&db);
    return path;
}

int
kbt_intake_log_count (kbt_intake_t *self, const char *needle)
{
    return kbt_file_count (self->log, needle);
}

void
kbt_intake_start (kbt_intake_t *self, const char *const extra_env[])
{
    int before = kbt_intake_log_count (self, "intake serving");
    self->pid = s_spawn (self, extra_env);
    int64_t deadline = kbt_now_ms () + 20000;
    while (kbt_intake_log_count (self, "intake serving") == before) {
        if (kbt_now_ms () > deadline || kbt_wait (self->pid, 0) >= 0) {
            fprintf (stderr, "intake did not start; log %s\n", self->log);
            char *cmd = s_printf ("tail -n 30 '%s' >&2", self->log);
            if (system (cmd) != 0) {
            }
            free (cmd);
            abort ();
        }
        kbt_sleep_ms (20);
    }
}

int
kbt_intake_start_expect_exit (kbt_intake_t *self, const char *const extra_env[], int timeout_ms)
{
    pid_t pid = s_spawn (self, extra_env);
    int rc = kbt_wait (pid, timeout_ms);
    if (rc < 0)
        kbt_kill (pid, SIGKILL);
    return rc;
}

void
kbt_intake_stop (kbt_intake_t *self, int sig)
{
    if (self->pid > 0)
        kbt_kill (self->pid, sig);
    self->pid = 0;
}

kb_client_t *
kbt_intake_client_cert (kbt_intake_t *self, const char *cert)
{
    char err[256];
    kb_client_t *client = kb_client_new (self->endpoint, cert, self->server_pub, err, sizeof err);
    if (!client) {
        fprintf (stderr, "client: %s\n", err);
        abort ();
    }
    return client;
}

kb_client_t *
kbt_intake_client (kbt_intake_t *self, int partner)
{
    return kbt_intake_client_cert (self, self->partner_cert[partner]);
}

void
kbt_intake_teardown (kbt_intake_t **self_p)
{
    kbt_intake_t *self = *self_p;
    if (!self)
        return;
    kbt_intake_stop (self, SIGTERM);
    free (self->name);
    free (self->conninfo);
    free (self->dir);
    free (self->endpoint);
    free (self->server_cert);
    free (self->server_pub);
    free (self->pseudo_key);
    free (self->stranger_cert);
    for (int i = 0; i < KBT_PARTNERS; i++)
        free (self->partner_cert[i]);
    free (self->log);
    free (self);
    *self_p = NULL;
}

void
kbt_make_bsn (uint32_t n, char out[10])
{
    /* 8 digits from n (offset so they do not start with many zeros), then
       the check digit; skip numbers whose check digit would be 10 */
    for (uint32_t k = n * 11u + 10000000u;; k++) {
        char d[9];
        snprintf (d, sizeof d, "%08u", k % 100000000u);
        if (kb_bsn_complete (d, out))
            return;
    }
}

void
kbt_signal_init (kbt_signal_t *s, uint32_t n)
{
    memset (s, 0, sizeof *s);
    ketenbus__v1__envelope__init (&s->env);
    ketenbus__v1__case_signal__init (&s->signal);
    ketenbus__v1__person__init (&s->subject);
    ketenbus__v1__person__init (&s->member);
    kb_uuid_v4 (s->message_id);
    kbt_make_bsn (n * 2, s->bsn);
    kbt_make_bsn (n * 2 + 1, s->member_bsn);
    snprintf (s->case_ref, sizeof s->case_ref, "CASE-%u", n);
    s->subject.bsn = s->bsn;
    s->subject.birth_date = "2012-05-17";
    s->subject.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_KIND;
    s->member.bsn = s->member_bsn;
    s->member.birth_date = "1984-02-29";
    s->member.role = KETENBUS__V1__HOUSEHOLD_ROLE__HOUSEHOLD_ROLE_OUDER;
    s->members[0] = &s->member;
    s->categories[0] = KETENBUS__V1__CATEGORY__CATEGORY_OPVOEDPROBLEMATIEK;
    s->categories[1] = KETENBUS__V1__CATEGORY__CATEGORY_SCHOOLVERZUIM;
    s->signal.partner_case_ref = s->case_ref;
    s->signal.subject = &s->subject;
    s->signal.n_household = 1;
    s->signal.household = s->members;
    s->signal.n_categories = 2;
    s->signal.categories = s->categories;
    s->signal.urgency = KETENBUS__V1__URGENCY__URGENCY_REGULIER;
    s->signal.gemeente_code = "0794";
    s->signal.postcode = "5701 AB";
    s->signal.gebied = "centrum";
    s->signal.housing = KETENBUS__V1__HOUSING_SITUATION__HOUSING_SITUATION_ZELFSTANDIG;
    time_t week_ago = time (NULL) - 7 * 86400;
    struct tm tm;
    gmtime_r (&week_ago, &tm);
    strftime (s->signal_date, sizeof s->signal_date, "%Y-%m-%d", &tm);
    s->signal.signal_date = s->signal_date;
    s->signal.contact_name = "casemanager team Noord";
    s->signal.contact_phone = "0492-123456";
    s->env.message_id = s->message_id;
    s->env.body_case = KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL;
    s->env.case_signal = &s->signal;
}
