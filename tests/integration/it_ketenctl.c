/*  it_ketenctl - the operator and partner CLI against a real PostgreSQL
    and (for send-signal and import) a real intake daemon. ketenctl runs as
    a separate process, exactly as an operator would run it. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
// clang-format on

#include "kb_test_support.h"

#include <czmq.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *s_conninfo; /* database of this test */
static char *s_dir;      /* scratch directory */
static char *s_bin;      /* build/bin/ketenctl */
static int s_runs;

/* Runs ketenctl with args (NULL terminated), extra environment entries
   (NULL terminated, may be NULL) and input on its standard input (NULL:
   none); returns the exit code and, when out is not NULL, stdout and
   stderr together (caller frees). */
static int
s_run_v (char **out, const char *input, const char *const *env_extra, const char *arg, va_list ap)
{
    const char *argv[64];
    int argc = 0;
    argv[argc++] = s_bin;
    for (const char *a = arg; a && argc < 63; a = va_arg (ap, const char *))
        argv[argc++] = a;
    argv[argc] = NULL;

    char db_env[1024];
    snprintf (db_env, sizeof db_env, "KETENBUS_DB_CONNINFO=%s", s_conninfo);
    const char *env[32];
    int n = 0;
    env[n++] = db_env;
    env[n++] = "KETENBUS_DB_CONNECT_TIMEOUT_MS=3000";
    for (int i = 0; env_extra && env_extra[i] && n < 31; i++)
        env[n++] = env_extra[i];
    env[n] = NULL;

    char log[1024], in[1024];
    snprintf (log, sizeof log, "%s/run-%03d.log", s_dir, ++s_runs);
    snprintf (in, sizeof in, "%s/run-%03d.in", s_dir, s_runs);
    unlink (log);
    if (input) {
        FILE *f = fopen (in, "w");
        assert_non_null (f);
        fputs (input, f);
        fclose (f);
    }
    pid_t pid = kbt_spawn_in (argv, env, log, input ? in : NULL);
    int rc = kbt_wait (pid, 120000);
    if (input)
        unlink (in);
    if (out) {
        FILE *f = fopen (log, "r");
        char *buf = calloc (1, 1 << 20);
        assert_non_null (buf);
        if (f) {
            size_t len = fread (buf, 1, (1 << 20) - 1, f);
            buf[len] = '\0';
            fclose (f);
        }
        *out = buf;
    }
    return rc;
}

static int
s_run_env (char **out, const char *const *env_extra, const char *arg, ...)
{
    va_list ap;
    va_start (ap, arg);
    int rc = s_run_v (out, NULL, env_extra, arg, ap);
    va_end (ap);
    return rc;
}

/* The same with input on ketenctl's standard input ("--bsn -"). */
static int
s_run_in (char **out, const char *input, const char *const *env_extra, const char *arg, ...)
{
    va_list ap;
    va_start (ap, arg);
    int rc = s_run_v (out, input, env_extra, arg, ap);
    va_end (ap);
    return rc;
}

#define s_run(out, ...) s_run_env ((out), NULL, __VA_ARGS__, NULL)

static char *
s_path (const char *name)
{
    char *p = NULL;
    assert_true (asprintf (&p, "%s/%s", s_dir, name) > 0);
    return p;
}

static int
s_setup (void **state)
{
    (void)state;
    s_conninfo = kbt_db_create ("it_ketenctl");
    s_dir = kbt_var_path ("it_ketenctl");
    s_bin = kbt_bin ("ketenctl");
    return 0;
}

static int
s_teardown (void **state)
{
    (void)state;
    free (s_conninfo);
    free (s_dir);
    free (s_bin);
    return 0;
}

static void
test_help_and_usage (void **state)
{
    (void)state;
    static const char *const commands[][3] = {
        { "--help", NULL, NULL },           { "help", NULL, NULL },
        { "keygen", "--help", NULL },       { "partner", "--help", NULL },
        { "partner", "add", "--help" },     { "partner", "list", "--help" },
        { "partner", "revoke", "--help" },  { "partner", "rekey", "--help" },
        { "send-signal", "--help", NULL },
        { "import", "--help", NULL },       { "status", "--help", NULL },
        { "audit", "--help", NULL },        { "audit", "verify", "--help" },
        { "quarantine", "--help", NULL },   { "quarantine", "list", "--help" },
        { "quarantine", "show", "--help" },
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char *out = NULL;
        int rc = s_run (&out, commands[i][0], commands[i][1], commands[i][2]);
        if (rc != 0)
            fail_msg ("\"%s %s\" exited %d: %s",
                      commands[i][0],
                      commands[i][1] ? commands[i][1] : "",
                      rc,
                      out);
        assert_non_null (strstr (out, "usage: ketenctl"));
        free (out);
    }
    char *out = NULL;
    assert_int_equal (s_run (&out, "frobnicate"), 2);
    assert_non_null (strstr (out, "unknown command"));
    free (out);
    assert_int_equal (s_run_env (NULL, NULL, NULL), 2); /* no command */
    assert_int_equal (s_run (NULL, "status", "--bogus"), 2);
    assert_int_equal (s_run (NULL, "partner", "frob"), 2);
    assert_int_equal (s_run (NULL, "partner", "add", "--org"), 2); /* missing value */
    assert_int_equal (s_run (NULL, "keygen"), 2);
    assert_int_equal (s_run (NULL, "--bogus", "status"), 2);
    assert_int_equal (s_run (NULL, "quarantine", "list", "--limit", "x"), 2);
}

static mode_t
s_mode (const char *path)
{
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    return st.st_mode & 0777;
}

/* The Z85 public key recorded in a .pub certificate. */
static void
s_pub_key (const char *pub, char z85[64])
{
    FILE *f = fopen (pub, "r");
    assert_non_null (f);
    char line[256];
    z85[0] = '\0';
    while (fgets (line, sizeof line, f))
        if (sscanf (line, " public-key = \"%40[^\"]\"", z85) == 1)
            break;
    fclose (f);
    assert_int_equal (strlen (z85), 40);
}

static void
test_keygen (void **state)
{
    (void)state;
    char *cert = s_path ("partner1");
    char *pub = s_path ("partner1.pub");
    char *pk = s_path ("pseudonym.key");
    unlink (cert);
    unlink (pub);
    unlink (pk);
    char *out = NULL;
    assert_int_equal (s_run (&out, "keygen", "--out", cert, "--name", "cjg-helmond"), 0);
    assert_int_equal (s_mode (cert), 0600);
    assert_int_equal (s_mode (pub) & 0077, 0044); /* public: readable */
    /* the public key is printed on a line of its own */
    char z85[64], line[80];
    s_pub_key (pub, z85);
    snprintf (line, sizeof line, "%s\n", z85);
    assert_non_null (strstr (out, line));
    free (out);
    /* never overwrite a key by accident */
    assert_int_equal (s_run (&out, "keygen", "--out", cert), 1);
    assert_non_null (strstr (out, "ketenctl: could not write certificate"));
    free (out);
    assert_int_equal (s_run (NULL, "keygen", "--out", cert, "--force"), 0);
    assert_int_equal (s_mode (cert), 0600);

    assert_int_equal (s_run (NULL, "keygen", "--pseudonym-key", pk), 0);
    assert_int_equal (s_mode (pk), 0600);
    struct stat st;
    assert_int_equal (stat (pk, &st), 0);
    assert_true (st.st_size >= 64);
    assert_int_equal (s_run (NULL, "keygen", "--pseudonym-key", pk), 1);
    assert_int_equal (s_run (NULL, "keygen", "--pseudonym-key", pk, "--force"), 0);
    /* both at once is a usage error */
    assert_int_equal (s_run (NULL, "keygen", "--pseudonym-key", pk, "--out", cert), 2);
    free (cert);
    free (pub);
    free (pk);
}

static void
test_partner (void **state)
{
    (void)state;
    char *cert = s_path ("p-cjg");
    char *pub = s_path ("p-cjg.pub");
    char *cert2 = s_path ("p-wijk");
    char *pub2 = s_path ("p-wijk.pub");
    assert_int_equal (s_run (NULL, "keygen", "--out", cert, "--force"), 0);
    assert_int_equal (s_run (NULL, "keygen", "--out", cert2, "--force"), 0);

    char *out = NULL;
    assert_int_equal (s_run (&out,
                             "partner",
                             "add",
                             "--org",
                             "cjg-helmond",
                             "--type",
                             "cjg",
                             "--gebied",
                             "Noord",
                             "--gemeente",
                             "0794",
                             "--cert",
                             pub),
                      0);
    free (out);
    /* a fresh database: partner add migrated it */
    assert_int_equal (kbt_query_long (s_conninfo, "SELECT count(*) FROM intake.partner"), 1);

    /* the same organisation again, or the same key under another name */
    assert_int_equal (s_run (&out,
                             "partner",
                             "add",
                             "--org",
                             "cjg-helmond",
                             "--type",
                             "cjg",
                             "--gebied",
                             "Noord",
                             "--cert",
                             pub2),
                      1);
    assert_non_null (strstr (out, "ketenctl: could not add partner \"cjg-helmond\""));
    free (out);
    assert_int_equal (s_run (NULL,
                             "partner",
                             "add",
                             "--org",
                             "other",
                             "--type",
                             "cjg",
                             "--gebied",
                             "Noord",
                             "--cert",
                             pub),
                      1);
    /* usage errors */
    assert_int_equal (s_run (NULL,
                             "partner",
                             "add",
                             "--org",
                             "x-y",
                             "--type",
                             "kapper",
                             "--gebied",
                             "Noord",
                             "--cert",
                             pub2),
                      2);
    assert_int_equal (s_run (NULL,
                             "partner",
                             "add",
                             "--org",
                             "x-y",
                             "--type",
                             "wijkteam",
                             "--gebied",
                             "Noord",
                             "--gemeente",
                             "79",
                             "--cert",
                             pub2),
                      2);
    assert_int_equal (s_run (NULL,
                             "partner",
                             "add",
                             "--org",
                             "Bad Name",
                             "--type",
                             "wijkteam",
                             "--gebied",
                             "Noord",
                             "--cert",
                             pub2),
                      2);
    assert_int_equal (s_run (NULL,
                             "partner",
                             "add",
                             "--org",
                             "x-y",
                             "--type",
                             "wijkteam",
                             "--gebied",
                             "Noord",
                             "--public-key",
                             "tooshort"),
                      2);
    assert_int_equal (kbt_query_long (s_conninfo, "SELECT count(*) FROM intake.partner"), 1);

    /* by Z85 key */
    char z85[64];
    s_pub_key (pub2, z85);
    assert_int_equal (s_run (NULL,
                             "partner",
                             "add",
                             "--org",
                             "wijkteam-noord",
                             "--type",
                             "wijkteam",
                             "--gebied",
                             "Noord",
                             "--public-key",
                             z85),
                      0);

    assert_int_equal (s_run (&out, "partner", "list"), 0);
    assert_non_null (strstr (out, "cjg-helmond"));
    assert_non_null (strstr (out, "wijkteam-noord"));
    assert_non_null (strstr (out, "active"));
    assert_null (strstr (out, "revoked"));
    free (out);

    assert_int_equal (
      s_run (NULL, "partner", "revoke", "--org", "cjg-helmond", "--reason", "key lost"), 0);
    assert_int_equal (s_run (&out, "partner", "revoke", "--org", "cjg-helmond"), 1);
    assert_non_null (strstr (out, "ketenctl: could not revoke partner"));
    free (out);
    assert_int_equal (s_run (NULL, "partner", "revoke", "--org", "nobody"), 1);
    assert_int_equal (s_run (NULL, "partner", "revoke"), 2);
    assert_int_equal (s_run (&out, "partner", "list"), 0);
    assert_non_null (strstr (out, "revoked 20"));
    free (out);
    assert_int_equal (kbt_query_long (s_conninfo,
                                      "SELECT count(*) FROM intake.partner "
                                      "WHERE revoked_at IS NOT NULL "
                                      "AND revoked_reason = 'key lost'"),
                      1);
    /* every registry change is in the audit log, by the OS user */
    assert_int_equal (kbt_query_long (s_conninfo,
                                      "SELECT count(*) FROM intake.kb_audit "
                                      "WHERE event = 'partner.added'"),
                      2);
    assert_int_equal (kbt_query_long (s_conninfo,
                                      "SELECT count(*) FROM intake.kb_audit "
                                      "WHERE event = 'partner.revoked' "
                                      "AND actor_user IS NOT NULL"),
                      1);

    /* the way back after a revocation: a new key, the same organisation */
    char *cert3 = s_path ("p-cjg-new");
    char *pub3 = s_path ("p-cjg-new.pub");
    assert_int_equal (s_run (NULL, "keygen", "--out", cert3, "--force"), 0);
    assert_int_equal (s_run (&out, "partner", "rekey", "--org", "cjg-helmond", "--cert", pub2), 1);
    assert_non_null (strstr (out, "the key belongs to another partner"));
    free (out);
    assert_int_equal (s_run (NULL, "partner", "rekey", "--org", "nobody", "--cert", pub3), 1);
    assert_int_equal (s_run (NULL, "partner", "rekey", "--cert", pub3), 2);
    assert_int_equal (s_run (&out, "partner", "rekey", "--org", "cjg-helmond", "--cert", pub3), 0);
    assert_non_null (strstr (out, "partner \"cjg-helmond\" has a new key="));
    free (out);
    char z85_new[64];
    s_pub_key (pub3, z85_new);
    char sql[256];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM intake.partner WHERE org_id = 'cjg-helmond'"
              " AND public_key = '%s' AND revoked_at IS NULL AND revoked_reason IS NULL",
              z85_new);
    assert_int_equal (kbt_query_long (s_conninfo, sql), 1);
    assert_int_equal (s_run (&out, "partner", "list"), 0);
    assert_null (strstr (out, "revoked"));
    free (out);
    assert_int_equal (kbt_query_long (s_conninfo,
                                      "SELECT count(*) FROM intake.kb_audit "
                                      "WHERE event = 'partner.rekeyed' AND reason = 'cjg-helmond'"),
                      1);
    free (cert3);
    free (pub3);
    free (cert);
    free (pub);
    free (cert2);
    free (pub2);
}

/* Fails unless every needle is in out. */
static void
s_expect_all (const char *out, const char *const *needles, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strstr (out, needles[i]))
            fail_msg ("expected \"%s\" in: %s", needles[i], out);
}

static void
test_status_json (void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal (s_run (&out, "status", "--json"), 0);
    static const char *keys[] = {
        "\"schema\"",  "\"outbox\"",     "\"pending\"",   "\"oldest_pending_ms\"",
        "\"dead\"",    "\"quarantine\"", "\"total\"",     "\"last_24h\"",
        "\"signals\"", "\"partners\"",   "\"active\": 2", "\"revoked\": 0"
    };
    s_expect_all (out, keys, sizeof keys / sizeof keys[0]);
    free (out);
    assert_int_equal (s_run (&out, "status"), 0);
    assert_non_null (strstr (out, "outbox pending"));
    free (out);
    assert_int_equal (s_run (&out, "quarantine", "list"), 0);
    free (out);
}

/*  status shows every link by stream kind, the streams waiting longest and
    what a receiver could not apply. */
static void
test_status_links (void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal (s_run (&out, "status"), 0);   /* migrates the intake schema */
    free (out);
    kbt_exec (s_conninfo,
              "INSERT INTO intake.kb_outbox (stream, stream_seq, message_id, payload, created_at)"
              " VALUES (repeat ('a', 64), 1, 'st-1', '\\x00', now() - interval '10 seconds'),"
              " (repeat ('a', 64), 2, 'st-2', '\\x00', now()),"
              " ('toewijzing:TW-ST', 1, 'st-3', '\\x00', now());"
              "INSERT INTO intake.kb_outbox (stream, stream_seq, message_id, payload, dead_at,"
              " dead_reason) VALUES ('toewijzing:TW-ST', 2, 'st-4', '\\x00', now(), 'test');"
              "INSERT INTO intake.kb_dead_letter (message_id, sender, stream, stream_seq,"
              " payload, reason, attempts) VALUES ('st-5', 'zorgtoewijzing', 'cjg:x', 1,"
              " '\\x00', 'test', 3)");
    assert_int_equal (s_run (&out, "status"), 0);
    static const char *lines[] = {
        "link of schema \"intake\"",
        "outbox person                      2 pending, oldest 10.",
        "outbox toewijzing                  1 pending, oldest ",
        ", 1 dead letters",
        "waiting longest: stream aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        " (2 pending, 10.",
        "received                           1 dead letters, 0 retrying",
    };
    s_expect_all (out, lines, sizeof lines / sizeof lines[0]);
    free (out);
    assert_int_equal (s_run (&out, "status", "--json"), 0);
    static const char *keys[] = {
        "\"links\": [{\"schema\": \"intake\", \"kinds\": [{\"kind\": \"person\", \"pending\": 2",
        "{\"kind\": \"toewijzing\", \"pending\": 1, \"oldest_pending_ms\": ",
        "\"waiting_longest\": [{\"stream\": \"aaaa",
        "\"received\": {\"dead\": 1, \"retrying\": 0}}]}",
    };
    s_expect_all (out, keys, sizeof keys / sizeof keys[0]);
    free (out);
    kbt_exec (s_conninfo, "DELETE FROM intake.kb_outbox WHERE message_id LIKE 'st-%';"
                          "DELETE FROM intake.kb_dead_letter WHERE message_id = 'st-5'");
}

static void
test_unreachable_database (void **state)
{
    (void)state;
    static const char *const env[] = { "KETENBUS_DB_CONNECT_TIMEOUT_MS=0", NULL };
    char *out = NULL;
    assert_int_equal (
      s_run_env (&out, env, "--db", "host=/nonexistent-dir user=nobody", "status", NULL), 3);
    assert_non_null (strstr (out, "ketenctl: could not connect to the database"));
    free (out);
    /* no database configured at all is a configuration error */
    static const char *const empty[] = { "KETENBUS_DB_CONNINFO=", NULL };
    assert_int_equal (s_run_env (NULL, empty, "partner", "list", NULL), 2);
    /* a config file that does not exist */
    assert_int_equal (s_run (NULL, "-c", "/nonexistent.conf", "status"), 2);
}

/* Last of the database tests on this database: it damages the log. */
static void
test_audit_verify_and_tamper (void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal (s_run (&out, "audit", "verify"), 0);
    assert_non_null (strstr (out, "audit chain intact rows=4"));
    free (out);
    assert_int_equal (s_run (&out, "audit", "verify", "--schema", "intake"), 0);
    /* the head, to be kept outside the database, and checked later */
    const char *at = strstr (out, " head=4:");
    assert_non_null (at);
    char head[80];
    snprintf (head, sizeof head, "%.*s", (int) strcspn (at + 6, "\n"), at + 6);
    assert_int_equal (strlen (head), 2 + 64);
    free (out);
    assert_int_equal (s_run (NULL, "audit", "verify", "--schema", "intake", "--expect", head), 0);
    char other_head[80];
    snprintf (other_head, sizeof other_head, "%s", head);
    other_head[2] = other_head[2] == '0' ? '1' : '0';
    assert_int_equal (s_run (&out, "audit", "verify", "--schema", "intake", "--expect",
                             other_head),
                      1);
    if (!strstr (out, "row 4 is not the recorded head"))
        fail_msg ("unexpected output: %s", out);
    free (out);
    assert_int_equal (s_run (NULL, "audit", "verify", "--schema", "intake", "--expect", "4"), 2);
    assert_int_equal (s_run (NULL, "audit", "verify", "--expect", head), 2);

    kbt_exec (s_conninfo, "ALTER TABLE intake.kb_audit DISABLE TRIGGER ALL");
    kbt_exec (s_conninfo, "UPDATE intake.kb_audit SET reason = 'someone-else' WHERE seq = 2");
    kbt_exec (s_conninfo, "ALTER TABLE intake.kb_audit ENABLE TRIGGER ALL");
    assert_int_equal (s_run (&out, "audit", "verify"), 1);
    if (!strstr (out, "audit chain broken at row 2:"))
        fail_msg ("unexpected output: %s", out);
    free (out);
    /* a log that cannot be read is no verdict: never 1, which a script
       takes for a broken chain, even while another log is broken */
    kbt_exec (s_conninfo, "CREATE SCHEMA IF NOT EXISTS no_audit_here");
    assert_int_equal (s_run (&out, "audit", "verify", "--schema", "no_audit_here"), 2);
    if (!strstr (out, "could not read the audit log of schema \"no_audit_here\""))
        fail_msg ("unexpected output: %s", out);
    free (out);
    /* a schema that is not there (a typo) is named, and not created */
    assert_int_equal (s_run (&out, "audit", "verify", "--schema", "intkae"), 2);
    if (!strstr (out, "no schema \"intkae\" in the database"))
        fail_msg ("unexpected output: %s", out);
    free (out);
    assert_int_equal (kbt_query_long (s_conninfo, "SELECT count(*) FROM pg_namespace"
                                                  " WHERE nspname = 'intkae'"),
                      0);
    /* a log wiped with its head reset is an intact empty chain - only the
       head recorded outside the database tells */
    kbt_exec (s_conninfo, "ALTER TABLE intake.kb_audit DISABLE TRIGGER ALL;"
                          "DELETE FROM intake.kb_audit;"
                          "ALTER TABLE intake.kb_audit ENABLE TRIGGER ALL;"
                          "ALTER TABLE intake.kb_audit_head DISABLE TRIGGER ALL;"
                          "UPDATE intake.kb_audit_head SET last_seq = 0,"
                          " last_hash = decode (repeat ('00', 32), 'hex');"
                          "ALTER TABLE intake.kb_audit_head ENABLE TRIGGER ALL");
    assert_int_equal (s_run (NULL, "audit", "verify", "--schema", "intake"), 0);
    assert_int_equal (s_run (&out, "audit", "verify", "--schema", "intake", "--expect", head),
                      1);
    if (!strstr (out, "it ends at row 0 before the recorded head 4"))
        fail_msg ("unexpected output: %s", out);
    free (out);
}

/*  ---------------------------------------------------------------------
    send-signal and import against a real intake */

static void
s_today (char out[16], int days_back)
{
    time_t now = time (NULL) - (time_t)days_back * 86400;
    struct tm tm;
    localtime_r (&now, &tm);
    strftime (out, 16, "%Y-%m-%d", &tm);
}

/* An import row's message id in UUID v4 form from 16 bytes of hash. */
static void
s_uuid_of (uint8_t hash[16], char out[37])
{
    hash[6] = (uint8_t)((hash[6] & 0x0f) | 0x40);
    hash[8] = (uint8_t)((hash[8] & 0x3f) | 0x80);
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        o += (size_t)sprintf (out + o, "%02x", hash[i]);
    }
}

/* The id import derived before it was keyed: a plain SHA-256 of the row,
   which anyone holding the stored id could test BSN guesses against. */
static void
s_plain_row_id (const char *row, char out[37])
{
    static const char tag[] = "ketenctl-import/1\n";
    uint8_t hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init (&st);
    crypto_hash_sha256_update (&st, (const uint8_t *)tag, sizeof tag - 1);
    crypto_hash_sha256_update (&st, (const uint8_t *)row, strlen (row));
    crypto_hash_sha256_final (&st, hash);
    s_uuid_of (hash, out);
}

/* The id import derives now: BLAKE2b of the row keyed with the secret key
   of the partner's certificate cert_path. */
static void
s_keyed_row_id (const char *cert_path, const char *row, char out[37])
{
    static const char tag[] = "ketenctl-import/2\n";
    zcert_t *cert = zcert_load (cert_path);
    assert_non_null (cert);
    uint8_t hash[16];
    crypto_generichash_state st;
    crypto_generichash_init (&st, zcert_secret_key (cert), 32, sizeof hash);
    crypto_generichash_update (&st, (const uint8_t *)tag, sizeof tag - 1);
    crypto_generichash_update (&st, (const uint8_t *)row, strlen (row));
    crypto_generichash_final (&st, hash, sizeof hash);
    zcert_destroy (&cert);
    s_uuid_of (hash, out);
}

static void
test_send_signal_and_import (void **state)
{
    (void)state;
    free (s_conninfo);
    s_conninfo = kbt_db_create ("it_ketenctl_import");
    char *srv = s_path ("intake-server");
    char *srv_pub = s_path ("intake-server.pub");
    char *partner = s_path ("imp-partner");
    char *partner_pub = s_path ("imp-partner.pub");
    char *pk = s_path ("imp-pseudonym.key");
    char *sock = s_path ("intake.ipc");
    char *intake_log = s_path ("intake.log");
    assert_int_equal (s_run (NULL, "keygen", "--out", srv, "--force"), 0);
    assert_int_equal (s_run (NULL, "keygen", "--out", partner, "--force"), 0);
    assert_int_equal (s_run (NULL, "keygen", "--pseudonym-key", pk, "--force"), 0);
    assert_int_equal (s_run (NULL,
                             "partner",
                             "add",
                             "--org",
                             "wijkteam-noord",
                             "--type",
                             "wijkteam",
                             "--gebied",
                             "Noord",
                             "--gemeente",
                             "0794",
                             "--cert",
                             partner_pub),
                      0);

    char e_db[1024], e_cert[1024], e_pk[1024], e_ep[1024], e_key[1024], e_pcert[1024];
    char e_zorg[1024], e_mailbox[1024], e_tracking[1024];
    snprintf (e_db, sizeof e_db, "KETENBUS_DB_CONNINFO=%s", s_conninfo);
    snprintf (e_cert, sizeof e_cert, "KETENBUS_INTAKE_SERVER_CERT=%s", srv);
    snprintf (e_pk, sizeof e_pk, "KETENBUS_PSEUDONYM_KEY_FILE=%s", pk);
    snprintf (e_ep, sizeof e_ep, "KETENBUS_INTAKE_ENDPOINT=ipc://%s", sock);
    snprintf (e_key, sizeof e_key, "KETENBUS_INTAKE_SERVER_KEY=%s", srv_pub);
    snprintf (e_pcert, sizeof e_pcert, "KETENBUS_PARTNER_CERT=%s", partner);
    /* the links: sockets in the test's own 0700 directory */
    char *zorg_sock = s_path ("zorg.link"), *mailbox_sock = s_path ("mailbox.link");
    char *tracking_sock = s_path ("tracking.link");
    snprintf (e_zorg, sizeof e_zorg, "KETENBUS_LINK_ZORGTOEWIJZING=ipc://%s", zorg_sock);
    snprintf (e_mailbox, sizeof e_mailbox, "KETENBUS_LINK_LISTEN=ipc://%s", mailbox_sock);
    snprintf (e_tracking, sizeof e_tracking, "KETENBUS_LINK_TRACKING=ipc://%s", tracking_sock);
    free (zorg_sock);
    free (mailbox_sock);
    free (tracking_sock);
    const char *intake_env[] = { e_db,
                                 e_cert,
                                 e_pk,
                                 e_ep,
                                 "KETENBUS_REGION_GEMEENTEN=0794,0772",
                                 e_zorg,
                                 e_mailbox,
                                 e_tracking,
                                 "KETENBUS_METRICS_LISTEN=",
                                 NULL };
    char *intake = kbt_bin ("intake");
    const char *argv[] = { intake, NULL };
    pid_t pid = kbt_spawn (argv, intake_env, intake_log);
    const char *env[] = { e_ep, e_key, e_pcert, e_pk, NULL };

    char today[16], yesterday[16];
    s_today (today, 0);
    s_today (yesterday, 1);

    /* one signal: accepted, then the same message id again: duplicate */
    char *out = NULL;
    int rc = s_run_env (&out,
                        env,
                        "send-signal",
                        "--bsn",
                        "111222333",
                        "--birth-date",
                        "1980-01-01",
                        "--category",
                        "huiselijk_geweld,schulden",
                        "--urgency",
                        "verhoogd",
                        "--gemeente",
                        "0794",
                        "--postcode",
                        "5701 AB",
                        "--housing",
                        "zelfstandig",
                        "--member",
                        "123456782:2015-06-01:kind",
                        "--case-ref",
                        "cli-1",
                        "--message-id",
                        "6f1c2c6e-1111-4222-8333-444455556666",
                        "--timeout-ms",
                        "20000",
                        NULL);
    if (rc != 0)
        fail_msg ("send-signal exited %d: %s", rc, out);
    assert_non_null (strstr (out, "accepted reference="));
    assert_null (strstr (out, "111222333")); /* never print a BSN */
    free (out);
    rc = s_run_env (&out,
                    env,
                    "send-signal",
                    "--bsn",
                    "111222333",
                    "--birth-date",
                    "1980-01-01",
                    "--category",
                    "huiselijk_geweld,schulden",
                    "--urgency",
                    "verhoogd",
                    "--gemeente",
                    "0794",
                    "--postcode",
                    "5701 AB",
                    "--housing",
                    "zelfstandig",
                    "--member",
                    "123456782:2015-06-01:kind",
                    "--case-ref",
                    "cli-1",
                    "--signal-date",
                    today,
                    "--message-id",
                    "6f1c2c6e-1111-4222-8333-444455556666",
                    NULL);
    assert_int_equal (rc, 0);
    assert_non_null (strstr (out, "duplicate reference="));
    free (out);
    /* --bsn -: the BSN from standard input, never on the command line; the
       same person as cli-1 (its pseudonym) */
    rc = s_run_in (&out,
                   "111222333\n",
                   env,
                   "send-signal",
                   "--bsn",
                   "-",
                   "--birth-date",
                   "1980-01-01",
                   "--category",
                   "schulden",
                   "--urgency",
                   "regulier",
                   "--gemeente",
                   "0794",
                   "--postcode",
                   "5701 AB",
                   "--housing",
                   "zelfstandig",
                   "--case-ref",
                   "cli-stdin",
                   "--timeout-ms",
                   "20000",
                   NULL);
    if (rc != 0)
        fail_msg ("send-signal --bsn - exited %d: %s", rc, out);
    assert_non_null (strstr (out, "accepted reference="));
    assert_null (strstr (out, "111222333"));
    free (out);
    assert_int_equal (kbt_query_long (s_conninfo,
                                      "SELECT count(*) FROM intake.signal a"
                                      " JOIN intake.signal b USING (subject_pseudonym)"
                                      " WHERE a.partner_case_ref = 'cli-1'"
                                      " AND b.partner_case_ref = 'cli-stdin'"),
                      1);
    /* a BSN from standard input is checked before anything is sent */
    rc = s_run_in (&out,
                   "123456789\n",
                   env,
                   "send-signal",
                   "--bsn",
                   "-",
                   "--birth-date",
                   "1980-01-01",
                   "--category",
                   "schulden",
                   "--urgency",
                   "regulier",
                   "--gemeente",
                   "0794",
                   "--housing",
                   "dakloos",
                   NULL);
    assert_int_equal (rc, 2);
    assert_null (strstr (out, "123456789"));
    free (out);
    /* a bad BSN: rejected by intake, exit 1 */
    rc = s_run_env (&out,
                    env,
                    "send-signal",
                    "--bsn",
                    "123456781",
                    "--birth-date",
                    "1980-01-01",
                    "--category",
                    "schulden",
                    "--urgency",
                    "regulier",
                    "--gemeente",
                    "0794",
                    "--postcode",
                    "5701AB",
                    "--housing",
                    "zelfstandig",
                    NULL);
    assert_int_equal (rc, 1);
    assert_non_null (strstr (out, "rejected code=KB10 field=case_signal.subject.bsn"));
    free (out);
    /* an unknown enum name never leaves the machine */
    rc = s_run_env (NULL,
                    env,
                    "send-signal",
                    "--bsn",
                    "111222333",
                    "--birth-date",
                    "1980-01-01",
                    "--category",
                    "weather",
                    "--urgency",
                    "regulier",
                    "--gemeente",
                    "0794",
                    "--housing",
                    "zelfstandig",
                    NULL);
    assert_int_equal (rc, 2);
    /* nobody listening: exit 3 */
    rc = s_run_env (NULL,
                    env,
                    "send-signal",
                    "--endpoint",
                    "tcp://127.0.0.1:9",
                    "--timeout-ms",
                    "300",
                    "--bsn",
                    "111222333",
                    "--birth-date",
                    "1980-01-01",
                    "--category",
                    "schulden",
                    "--urgency",
                    "regulier",
                    "--gemeente",
                    "0794",
                    "--housing",
                    "dakloos",
                    NULL);
    assert_int_equal (rc, 3);

    /* import: 3 good rows, 1 rejected by intake, 2 refused locally */
    char *csv = s_path ("signals.csv");
    char *rejects = s_path ("signals.csv.rejects.csv");
    FILE *f = fopen (csv, "w");
    assert_non_null (f);
    fprintf (f,
             "partner_case_ref,bsn,birth_date,categories,urgency,gemeente_code,postcode,"
             "gebied,housing,signal_date,contact_name,contact_phone,household,message_id\n");
    /* imp-1 and imp-2 leave message_id empty: import derives it */
    char row1[512], row2[512];
    snprintf (row1,
              sizeof row1,
              "imp-1,111222333,1980-01-01,huiselijk_geweld|schulden,verhoogd,0794,5701 AB,"
              "Noord,zelfstandig,%s,\"team noord, casemanager\",06-12345678,"
              "111222333:1980-01-01:ouder;123456782:2015-06-01:kind,",
              yesterday);
    snprintf (row2,
              sizeof row2,
              "imp-2,123456782,2015-06-01,opvoedproblematiek,regulier,0794,5702AB,Noord,"
              "bij_ouders,%s,,,,",
              today);
    fprintf (f, "%s\n%s\n", row1, row2);
    fprintf (f,
             "imp-3,999999990,1990-05-05,dakloosheid,verhoogd,0794,,,dakloos,%s,,,,"
             "0b5d8a7e-2222-4333-8444-555566667777\n",
             today);
    fprintf (
      f, "imp-4,123456781,1990-05-05,schulden,regulier,0794,5701AB,,zelfstandig,%s,,,,\n", today);
    fprintf (
      f, "imp-5,111222333,1990-05-05,weather,regulier,0794,5701AB,,zelfstandig,%s,,,,\n", today);
    fprintf (f, "imp-6,111222333,1990-05-05\n");
    fclose (f);

    rc = s_run_env (&out, env, "import", "--file", csv, "--timeout-ms", "20000", NULL);
    if (rc != 4 || !strstr (out, "accepted 3, duplicate 0, rejected 3, unanswered 0"))
        fail_msg ("first import exited %d: %s", rc, out);
    assert_non_null (strstr (out, "code=CSV count=2"));
    assert_non_null (strstr (out, "code=KB10 count=1"));
    free (out);
    assert_int_equal (kbt_query_long (s_conninfo,
                                      "SELECT count(*) FROM intake.signal "
                                      "WHERE partner_case_ref LIKE 'imp-%'"),
                      3);
    /* the derived ids are keyed with the partner's secret key: the stored,
       logged and returned id is not the plain hash of the row and its BSN */
    const char *const rows[] = { row1, row2 };
    for (int i = 0; i < 2; i++) {
        char plain[37], keyed[37];
        s_plain_row_id (rows[i], plain);
        s_keyed_row_id (partner, rows[i], keyed);
        char *stored = kbt_query_strf (s_conninfo,
                                       "SELECT message_id FROM intake.signal"
                                       " WHERE partner_case_ref = 'imp-%d'",
                                       i + 1);
        assert_non_null (stored);
        assert_string_not_equal (stored, plain);
        assert_string_equal (stored, keyed);
        free (stored);
        assert_int_equal (kbt_query_longf (s_conninfo,
                                           "SELECT count(*) FROM intake.signal"
                                           " WHERE message_id = '%s'",
                                           plain),
                          0);
    }
    /* the rejects file: line, code, field, rule - never the row */
    f = fopen (rejects, "r");
    assert_non_null (f);
    char buf[4096];
    size_t len = fread (buf, 1, sizeof buf - 1, f);
    buf[len] = '\0';
    fclose (f);
    assert_non_null (strstr (buf, "line,code,field,rule\n"));
    assert_non_null (strstr (buf, "5,\"KB10\",\"case_signal.subject.bsn\""));
    assert_non_null (strstr (buf, "6,\"CSV\""));
    assert_non_null (strstr (buf, "7,\"CSV\""));
    assert_null (strstr (buf, "123456781"));
    assert_null (strstr (buf, "111222333"));

    /* the same file again: duplicates, never second rows */
    rc = s_run_env (&out, env, "import", "--file", csv, "--window", "1", NULL);
    if (rc != 4 || !strstr (out, "accepted 0, duplicate 3, rejected 3, unanswered 0"))
        fail_msg ("second import exited %d: %s", rc, out);
    free (out);
    assert_int_equal (kbt_query_long (s_conninfo,
                                      "SELECT count(*) FROM intake.signal "
                                      "WHERE partner_case_ref LIKE 'imp-%'"),
                      3);

    /* only good rows: exit 0 */
    char *good = s_path ("good.csv");
    f = fopen (good, "w");
    assert_non_null (f);
    fprintf (f,
             "partner_case_ref,bsn,birth_date,categories,urgency,gemeente_code,postcode,"
             "gebied,housing,signal_date,contact_name,contact_phone,household,message_id\n"
             "good-1,999999990,1990-05-05,schulden,regulier,0794,5701AB,,zelfstandig,%s,,,,\n",
             today);
    fclose (f);
    assert_int_equal (s_run_env (NULL, env, "import", "--file", good, NULL), 0);
    /* reasons that cannot be written are no success (the rows: duplicates now) */
    assert_int_equal (s_run_env (NULL, env, "import", "--file", good, "--errors",
                                 "/nonexistent-dir/rejects.csv", NULL),
                      1);

    /* quarantine: the rejected inputs are listed (no content) and readable with the key */
    assert_int_equal (s_run_env (&out, env, "quarantine", "list", NULL), 0);
    assert_non_null (strstr (out, "KB10"));
    assert_null (strstr (out, "123456781"));
    free (out);
    long qid = kbt_query_long (s_conninfo, "SELECT min(id) FROM intake.quarantine");
    char qid_text[32];
    snprintf (qid_text, sizeof qid_text, "%ld", qid);
    assert_int_equal (s_run_env (&out, env, "quarantine", "show", "--id", qid_text, NULL), 0);
    assert_non_null (strstr (out, "may contain personal data"));
    assert_non_null (strstr (out, "00000000  "));
    free (out);
    /* reading quarantined raw bytes is an audited operator action */
    char audit_sql[160];
    snprintf (audit_sql, sizeof audit_sql,
              "SELECT count(*) FROM intake.kb_audit WHERE event = 'operator.quarantine_shown'"
              " AND action = 'R' AND reason = 'quarantine:%ld'", qid);
    assert_int_equal (kbt_query_long (s_conninfo, audit_sql), 1);
    assert_int_equal (s_run_env (NULL, env, "quarantine", "show", "--id", "999999", NULL), 1);

    assert_int_equal (s_run_env (&out, env, "status", "--json", NULL), 0);
    assert_non_null (strstr (out, "\"signals\": 6")); /* cli-1, cli-stdin, imp-1..3, good-1 */
    free (out);
    assert_int_equal (s_run_env (NULL, env, "audit", "verify", NULL), 0);

    kbt_kill (pid, SIGTERM);
    free (good);
    free (csv);
    free (rejects);
    free (intake);
    free (srv);
    free (srv_pub);
    free (partner);
    free (partner_pub);
    free (pk);
    free (sock);
    free (intake_log);
}

/* Box keys in the registry, partner show, and a payload sealed to a
   partner that only its secret key opens. */
static void
test_box_keys_and_seal (void **state)
{
    (void)state;
    char *cert = s_path ("p-vt"), *pub = s_path ("p-vt.pub");
    char *box = s_path ("vt-box"), *box_pub = s_path ("vt-box.pub");
    char *other = s_path ("other-box");
    char *plain = s_path ("payload.txt"), *sealed = s_path ("payload.sealed");
    char *opened = s_path ("payload.opened");
    assert_int_equal (s_run (NULL, "keygen", "--out", cert, "--force"), 0);
    assert_int_equal (s_run (NULL, "partner", "add", "--org", "vt-brabant", "--type",
                             "veilig-thuis", "--gebied", "Zuidoost", "--cert", pub),
                      0);
    char *out = NULL;
    assert_int_equal (s_run (&out, "keygen", "--box", box, "--force"), 0);
    /* stdout "<key id> <public key>", next to a note on stderr */
    char key_id[17] = "", key_hex[65] = "";
    for (char *line = strtok (out, "\n"); line; line = strtok (NULL, "\n"))
        if (strncmp (line, "ketenctl:", 9) != 0)
            assert_int_equal (sscanf (line, "%16s %64s", key_id, key_hex), 2);
    assert_int_equal (strlen (key_id), 16);
    assert_int_equal (strlen (key_hex), 64);
    free (out);
    assert_int_equal (s_mode (box), 0600);
    assert_int_equal (s_run (NULL, "keygen", "--box", box), 1); /* exists */
    assert_int_equal (s_run (NULL, "keygen", "--box", box, "--pseudonym-key", other), 2);

    /* before a key is registered, nothing can be sealed to the partner */
    assert_int_equal (s_run (NULL, "seal", "--to", "vt-brabant", "--in", box_pub, "--out",
                             sealed),
                      1);
    assert_int_equal (s_run (&out, "partner", "key-add", "--org", "vt-brabant",
                             "--box-key-file", box_pub),
                      0);
    assert_non_null (strstr (out, key_id));
    free (out);
    assert_int_equal (s_run (NULL, "partner", "key-add", "--org", "vt-brabant", "--box-key",
                             key_hex),
                      1); /* registered already */
    assert_int_equal (s_run (NULL, "partner", "key-add", "--org", "nobody", "--box-key", key_hex),
                      1);
    assert_int_equal (s_run (NULL, "partner", "key-add", "--org", "vt-brabant", "--box-key",
                             "abc"),
                      2);
    assert_int_equal (kbt_query_long (s_conninfo, "SELECT count(*) FROM intake.kb_audit"
                                                  " WHERE event = 'partner.box_key_added'"),
                      1);

    /* published with partner show */
    assert_int_equal (s_run (&out, "partner", "show", "--org", "vt-brabant"), 0);
    assert_non_null (strstr (out, key_hex));
    assert_non_null (strstr (out, "current"));
    free (out);
    assert_int_equal (s_run (NULL, "partner", "show", "--org", "nobody"), 1);

    /* seal with the registry's key; only the partner's secret opens it */
    FILE *f = fopen (plain, "w");
    assert_non_null (f);
    fputs ("MARKER-7f3a gezinsplan vertrouwelijk\n", f);
    fclose (f);
    assert_int_equal (s_run (&out, "seal", "--to", "vt-brabant", "--in", plain, "--out", sealed),
                      0);
    assert_non_null (strstr (out, key_id));
    free (out);
    assert_int_equal (s_run (NULL, "open", "--box-secret", box, "--in", sealed, "--out", opened),
                      0);
    assert_int_equal (s_mode (opened), 0600);
    f = fopen (opened, "r");
    assert_non_null (f);
    char line[128] = "";
    assert_non_null (fgets (line, sizeof line, f));
    fclose (f);
    assert_string_equal (line, "MARKER-7f3a gezinsplan vertrouwelijk\n");
    /* the sealed file does not contain the text */
    f = fopen (sealed, "rb");
    assert_non_null (f);
    char buf[512];
    size_t n = fread (buf, 1, sizeof buf, f);
    fclose (f);
    assert_null (memmem (buf, n, "MARKER-7f3a", 11));
    /* another key does not open it; a loose secret key file is refused */
    assert_int_equal (s_run (NULL, "keygen", "--box", other, "--force"), 0);
    assert_int_equal (s_run (&out, "open", "--box-secret", other, "--in", sealed, "--out", opened),
                      1);
    assert_non_null (strstr (out, "not sealed to box key"));
    free (out);
    assert_int_equal (chmod (other, 0644), 0);
    assert_int_equal (s_run (NULL, "open", "--box-secret", other, "--in", sealed, "--out", opened),
                      2);

    /* a retired key is no longer offered for sealing */
    assert_int_equal (s_run (NULL, "partner", "key-retire", "--key-id", key_id), 0);
    assert_int_equal (s_run (NULL, "partner", "key-retire", "--key-id", key_id), 1);
    assert_int_equal (s_run (NULL, "seal", "--to", "vt-brabant", "--in", plain, "--out", sealed),
                      1);
    assert_int_equal (s_run (NULL, "seal", "--box-key-file", box_pub, "--in", plain, "--out",
                             sealed),
                      0);
    free (cert); free (pub); free (box); free (box_pub); free (other);
    free (plain); free (sealed); free (opened);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_help_and_usage),
        cmocka_unit_test (test_keygen),
        cmocka_unit_test (test_partner),
        cmocka_unit_test (test_status_json),
        cmocka_unit_test (test_status_links),
        cmocka_unit_test (test_unreachable_database),
        cmocka_unit_test (test_audit_verify_and_tamper),
        cmocka_unit_test (test_send_signal_and_import),
        cmocka_unit_test (test_box_keys_and_seal),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
