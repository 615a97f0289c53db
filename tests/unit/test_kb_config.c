/*  test_kb_config - unit tests for the declarative configuration

    Temporary ZPL files (mkstemp in /tmp) against a small table and the
    real intake table: defaults, file values, environment overrides, every
    refusal names the key, and the example file written by
    kb_config_print_example loads back as a valid configuration.
*/

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ketenbus/kb_config.h"
#include "intake_config.h"

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a) [0]))

static const kb_config_key_t s_keys [] = {
    { "db/conninfo", KB_CFG_STRING, "dbname=ketenbus", 0, 0, "libpq connection string" },
    { "db/pool", KB_CFG_INT, "4", 1, 64, "connections in the pool" },
    { "link/endpoint", KB_CFG_STRING, NULL, 0, 0, "where the peer listens" },
    { "link/curve", KB_CFG_BOOL, "true", 0, 0, "encrypt the link" },
    { "log/level", KB_CFG_STRING, "info", 0, 0, "debug, info, warning or error" },
    KB_CONFIG_END
};

//  Every variable the tables above can read; cleared around each test
static const char *s_env_vars [] = {
    "KETENBUS_DB_CONNINFO", "KETENBUS_DB_POOL", "KETENBUS_LINK_ENDPOINT",
    "KETENBUS_LINK_CURVE", "KETENBUS_LOG_LEVEL", "KETENBUS_DB_SCHEMA",
    "KETENBUS_DB_MIGRATIONS", "KETENBUS_DB_CONNECT_TIMEOUT_MS", "KETENBUS_INTAKE_ENDPOINT",
    "KETENBUS_INTAKE_MAX_MESSAGE_BYTES", "KETENBUS_INTAKE_BATCH",
    "KETENBUS_INTAKE_HEARTBEAT_MS", "KETENBUS_INTAKE_SERVER_CERT",
    "KETENBUS_SECURITY_REFRESH_MS", "KETENBUS_SECURITY_MAX_AGE_MS",
    "KETENBUS_PSEUDONYM_KEY_FILE", "KETENBUS_REGION_GEMEENTEN",
    "KETENBUS_LINK_ZORGTOEWIJZING", "KETENBUS_LINK_RETRANSMIT_MS",
    "KETENBUS_LINK_RETRANSMIT_MAX_MS", "KETENBUS_LINK_MAX_ATTEMPTS",
    "KETENBUS_LINK_PRUNE_AFTER_S", "KETENBUS_TOP", "KETENBUS_A_X", "KETENBUS_A_Y",
};

typedef struct {
    char path [64];
    char err [512];
} fixture_t;

static int
s_setup (void **state)
{
    for (size_t i = 0; i < N_ELEMENTS (s_env_vars); i++)
        unsetenv (s_env_vars [i]);
    fixture_t *f = calloc (1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    if (f->path [0])
        unlink (f->path);
    free (f);
    for (size_t i = 0; i < N_ELEMENTS (s_env_vars); i++)
        unsetenv (s_env_vars [i]);
    return 0;
}

//  Writes text to a fresh temporary file whose name goes into f->path
static const char *
s_write (fixture_t *f, const char *text)
{
    if (f->path [0])
        unlink (f->path);
    snprintf (f->path, sizeof f->path, "/tmp/test_kb_config_XXXXXX");
    int fd = mkstemp (f->path);
    assert_true (fd >= 0);
    size_t len = strlen (text);
    assert_int_equal (write (fd, text, len), (ssize_t) len);
    assert_int_equal (close (fd), 0);
    return f->path;
}

//  Loads a file that must be refused; checks the error contains every needle
static void
s_expect_error (fixture_t *f, const kb_config_key_t *table, const char *path,
                const char *const *needles)
{
    strcpy (f->err, "(untouched)");
    kb_config_t *cfg = kb_config_load (table, path, f->err, sizeof f->err);
    if (cfg) {
        kb_config_destroy (&cfg);
        fail_msg ("configuration was accepted, expected an error");
    }
    for (size_t i = 0; needles [i]; i++)
        if (!strstr (f->err, needles [i]))
            fail_msg ("error \"%s\" does not mention %s", f->err, needles [i]);
}

//  --------------------------------------------------------------------------

static void
test_env_name (void **state)
{
    (void) state;
    static const struct {
        const char *key;
        const char *env;
    } cases [] = {
        { "db/conninfo", "KETENBUS_DB_CONNINFO" },
        { "intake/max_message_bytes", "KETENBUS_INTAKE_MAX_MESSAGE_BYTES" },
        { "log/level", "KETENBUS_LOG_LEVEL" },
        { "top", "KETENBUS_TOP" },
        { "a-b.c/d", "KETENBUS_A_B_C_D" },
        { "", "KETENBUS_" },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        char *env = kb_config_env_name (cases [i].key);
        assert_non_null (env);
        if (strcmp (env, cases [i].env))
            fail_msg ("\"%s\" -> \"%s\", expected \"%s\"", cases [i].key, env, cases [i].env);
        free (env);
    }
}

static void
test_defaults (void **state)
{
    fixture_t *f = *state;
    setenv ("KETENBUS_LINK_ENDPOINT", "tcp://127.0.0.1:7401", 1);
    kb_config_t *cfg = kb_config_load (s_keys, NULL, f->err, sizeof f->err);
    if (!cfg)
        fail_msg ("load failed: %s", f->err);
    assert_string_equal (kb_config_str (cfg, "db/conninfo"), "dbname=ketenbus");
    assert_int_equal (kb_config_int (cfg, "db/pool"), 4);
    assert_true (kb_config_bool (cfg, "link/curve"));
    assert_string_equal (kb_config_str (cfg, "log/level"), "info");
    assert_string_equal (kb_config_str (cfg, "link/endpoint"), "tcp://127.0.0.1:7401");
    kb_config_destroy (&cfg);
    assert_null (cfg);
    kb_config_destroy (&cfg);
    kb_config_destroy (NULL);
}

static void
test_file_values (void **state)
{
    fixture_t *f = *state;
    const char *path = s_write (f,
                                "#   a comment\n"
                                "db\n"
                                "    conninfo = \"host=/run/pg dbname=kb\"\n"
                                "    pool = 12\n"
                                "link\n"
                                "    endpoint = \"tcp://10.0.0.1:7400\"\n"
                                "    curve = false\n");
    kb_config_t *cfg = kb_config_load (s_keys, path, f->err, sizeof f->err);
    if (!cfg)
        fail_msg ("load failed: %s", f->err);
    assert_string_equal (kb_config_str (cfg, "db/conninfo"), "host=/run/pg dbname=kb");
    assert_int_equal (kb_config_int (cfg, "db/pool"), 12);
    assert_string_equal (kb_config_str (cfg, "link/endpoint"), "tcp://10.0.0.1:7400");
    assert_false (kb_config_bool (cfg, "link/curve"));
    assert_string_equal (kb_config_str (cfg, "log/level"), "info");   //  not in the file
    kb_config_destroy (&cfg);
}

static void
test_bool_values (void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *value;
        bool expected;
    } cases [] = {
        { "true", true }, { "1", true }, { "false", false }, { "0", false },
    };
    setenv ("KETENBUS_LINK_ENDPOINT", "tcp://127.0.0.1:7401", 1);
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        setenv ("KETENBUS_LINK_CURVE", cases [i].value, 1);
        kb_config_t *cfg = kb_config_load (s_keys, NULL, f->err, sizeof f->err);
        if (!cfg)
            fail_msg ("\"%s\" refused: %s", cases [i].value, f->err);
        assert_int_equal (kb_config_bool (cfg, "link/curve"), cases [i].expected);
        kb_config_destroy (&cfg);
    }
}

static void
test_env_beats_file (void **state)
{
    fixture_t *f = *state;
    const char *path = s_write (f,
                                "db\n"
                                "    conninfo = \"dbname=from_file\"\n"
                                "    pool = 12\n"
                                "link\n"
                                "    endpoint = \"tcp://10.0.0.1:7400\"\n");
    setenv ("KETENBUS_DB_CONNINFO", "dbname=from_env", 1);
    setenv ("KETENBUS_DB_POOL", "7", 1);
    setenv ("KETENBUS_LOG_LEVEL", "debug", 1);
    kb_config_t *cfg = kb_config_load (s_keys, path, f->err, sizeof f->err);
    if (!cfg)
        fail_msg ("load failed: %s", f->err);
    assert_string_equal (kb_config_str (cfg, "db/conninfo"), "dbname=from_env");
    assert_int_equal (kb_config_int (cfg, "db/pool"), 7);
    assert_string_equal (kb_config_str (cfg, "log/level"), "debug");
    assert_string_equal (kb_config_str (cfg, "link/endpoint"), "tcp://10.0.0.1:7400");
    kb_config_destroy (&cfg);

    //  The environment value is validated like a file value, and named
    setenv ("KETENBUS_DB_POOL", "lots", 1);
    s_expect_error (f, s_keys, path,
                    (const char *const []) { "\"db/pool\"", "KETENBUS_DB_POOL", "lots", NULL });
}

static void
test_unknown_key (void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *text;
        const char *needle;
    } cases [] = {
        { "db\n    conninfx = \"dbname=x\"\n", "\"db/conninfx\"" },
        { "db\n    conninfo = \"x\"\nlink\n    endpoint = \"x\"\n    curv = 1\n",
          "\"link/curv\"" },
        { "loglevel = debug\n", "\"loglevel\"" },
        { "log\n    level\n        extra = 1\n", "\"log/level/extra\"" },
        { "dbx\n    conninfo = \"x\"\n", "\"dbx/conninfo\"" },
    };
    setenv ("KETENBUS_LINK_ENDPOINT", "tcp://127.0.0.1:7401", 1);
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        const char *path = s_write (f, cases [i].text);
        s_expect_error (f, s_keys, path,
                        (const char *const []) { "unknown", cases [i].needle, path, NULL });
    }
}

static void
test_bad_values (void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *text;
        const char *key;
        const char *detail;
    } cases [] = {
        { "db\n    pool = many\n", "\"db/pool\"", "not an integer" },
        { "db\n    pool = 12x\n", "\"db/pool\"", "not an integer" },
        { "db\n    pool = \"\"\n", "\"db/pool\"", "not an integer" },
        { "db\n    pool = 1.5\n", "\"db/pool\"", "not an integer" },
        { "db\n    pool = 99999999999999999999999\n", "\"db/pool\"", "not an integer" },
        { "db\n    pool = 0\n", "\"db/pool\"", "outside 1..64" },
        { "db\n    pool = 65\n", "\"db/pool\"", "outside 1..64" },
        { "db\n    pool = -3\n", "\"db/pool\"", "outside 1..64" },
        { "link\n    curve = yes\n", "\"link/curve\"", "not true or false" },
        { "link\n    curve = TRUE\n", "\"link/curve\"", "not true or false" },
        { "link\n    curve = \"\"\n", "\"link/curve\"", "not true or false" },
    };
    setenv ("KETENBUS_LINK_ENDPOINT", "tcp://127.0.0.1:7401", 1);
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        const char *path = s_write (f, cases [i].text);
        s_expect_error (f, s_keys, path,
                        (const char *const []) { cases [i].key, cases [i].detail, NULL });
    }
    //  Bounds are inclusive
    const char *path = s_write (f, "db\n    pool = 64\n");
    kb_config_t *cfg = kb_config_load (s_keys, path, f->err, sizeof f->err);
    if (!cfg)
        fail_msg ("pool = 64 refused: %s", f->err);
    assert_int_equal (kb_config_int (cfg, "db/pool"), 64);
    kb_config_destroy (&cfg);
}

static void
test_missing_required (void **state)
{
    fixture_t *f = *state;
    s_expect_error (f, s_keys, NULL,
                    (const char *const []) { "missing", "\"link/endpoint\"",
                                             "KETENBUS_LINK_ENDPOINT", NULL });
    const char *path = s_write (f, "db\n    pool = 3\n");
    s_expect_error (f, s_keys, path,
                    (const char *const []) { "\"link/endpoint\"", "KETENBUS_LINK_ENDPOINT",
                                             NULL });
}

static void
test_missing_file (void **state)
{
    fixture_t *f = *state;
    setenv ("KETENBUS_LINK_ENDPOINT", "tcp://127.0.0.1:7401", 1);
    s_expect_error (f, s_keys, "/tmp/test_kb_config_does_not_exist.conf",
                    (const char *const []) { "could not open",
                                             "\"/tmp/test_kb_config_does_not_exist.conf\"",
                                             NULL });
}

static void
test_syntax_error (void **state)
{
    fixture_t *f = *state;
    static const char *texts [] = {
        "db\n   conninfo = \"x\"\n",                //  indentation not a multiple of 4
        "db\n    conninfo = \"unterminated\n",      //  open quote
        "db\n    conninfo = \"x\" trailing\n",      //  junk after the value
        "db\n    con!info = 1\n",                   //  invalid character in a name
    };
    setenv ("KETENBUS_LINK_ENDPOINT", "tcp://127.0.0.1:7401", 1);
    for (size_t i = 0; i < N_ELEMENTS (texts); i++) {
        const char *path = s_write (f, texts [i]);
        strcpy (f->err, "(untouched)");
        kb_config_t *cfg = kb_config_load (s_keys, path, f->err, sizeof f->err);
        if (cfg) {
            kb_config_destroy (&cfg);
            fail_msg ("syntax error %zu was accepted: %s", i, texts [i]);
        }
        if (!strstr (f->err, path))
            fail_msg ("error \"%s\" does not name the file", f->err);
    }
}

static void
test_error_fits_small_buffer (void **state)
{
    (void) state;
    //  A short error buffer is truncated, never overrun
    char err [16];
    memset (err, 'X', sizeof err);
    kb_config_t *cfg = kb_config_load (s_keys, NULL, err, 8);
    assert_null (cfg);
    assert_int_equal (strlen (err), 7);
    for (size_t i = 8; i < sizeof err; i++)
        assert_int_equal (err [i], 'X');
}

//  --------------------------------------------------------------------------
//  Help and example

//  Example text of table, loaded back from a file
static kb_config_t *
s_example_round_trip (fixture_t *f, const kb_config_key_t *table)
{
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&text, &size);
    assert_non_null (mem);
    kb_config_print_example (table, mem);
    assert_int_equal (fclose (mem), 0);
    assert_true (size > 0);
    const char *path = s_write (f, text);
    kb_config_t *cfg = kb_config_load (table, path, f->err, sizeof f->err);
    if (!cfg) {
        print_message ("%s", text);
        free (text);
        fail_msg ("example above does not load back: %s", f->err);
    }
    free (text);
    return cfg;
}

static void
test_example_round_trip (void **state)
{
    fixture_t *f = *state;
    //  Every default survives; the required key is commented out in the
    //  example, so it comes from the environment here
    setenv ("KETENBUS_LINK_ENDPOINT", "tcp://127.0.0.1:7401", 1);
    kb_config_t *cfg = s_example_round_trip (f, s_keys);
    for (const kb_config_key_t *key = s_keys; key->name; key++)
        if (key->default_value)
            assert_string_equal (kb_config_str (cfg, key->name), key->default_value);
    kb_config_destroy (&cfg);

    //  Without the environment the example names the required key
    unsetenv ("KETENBUS_LINK_ENDPOINT");
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&text, &size);
    assert_non_null (mem);
    kb_config_print_example (s_keys, mem);
    fclose (mem);
    assert_non_null (strstr (text, "endpoint = (required)"));
    assert_non_null (strstr (text, "where the peer listens"));
    free (text);
}

static void
test_example_round_trip_required_only_section (void **state)
{
    fixture_t *f = *state;
    //  A section whose only key is required: the example comments the key
    //  out, and the (now empty) section header must not break loading when
    //  the value comes from the environment
    static const kb_config_key_t keys [] = {
        { "db/conninfo", KB_CFG_STRING, "dbname=ketenbus", 0, 0, "connection string" },
        { "pseudonym/key_file", KB_CFG_STRING, NULL, 0, 0, "regional key" },
        KB_CONFIG_END
    };
    setenv ("KETENBUS_PSEUDONYM_KEY_FILE", "/etc/ketenbus/pseudonym.key", 1);
    kb_config_t *cfg = s_example_round_trip (f, keys);
    assert_string_equal (kb_config_str (cfg, "db/conninfo"), "dbname=ketenbus");
    assert_string_equal (kb_config_str (cfg, "pseudonym/key_file"),
                         "/etc/ketenbus/pseudonym.key");
    kb_config_destroy (&cfg);
}

static void
test_example_round_trip_intake (void **state)
{
    fixture_t *f = *state;
    //  The real intake table: required keys come from the environment
    setenv ("KETENBUS_DB_CONNINFO", "dbname=ketenbus_test", 1);
    setenv ("KETENBUS_INTAKE_SERVER_CERT", "/etc/ketenbus/intake.cert", 1);
    setenv ("KETENBUS_PSEUDONYM_KEY_FILE", "/etc/ketenbus/pseudonym.key", 1);
    setenv ("KETENBUS_REGION_GEMEENTEN", "0794,0753", 1);
    kb_config_t *cfg = s_example_round_trip (f, intake_config_keys);
    size_t n = 0;
    for (const kb_config_key_t *key = intake_config_keys; key->name; key++, n++)
        if (key->default_value)
            assert_string_equal (kb_config_str (cfg, key->name), key->default_value);
    assert_true (n > 10);
    assert_string_equal (kb_config_str (cfg, "region/gemeenten"), "0794,0753");
    kb_config_destroy (&cfg);
}

static void
test_example_round_trip_interleaved (void **state)
{
    fixture_t *f = *state;
    //  A top-level key between two keys of the same section: the example
    //  must still put a/y back under section "a"
    static const kb_config_key_t keys [] = {
        { "a/x", KB_CFG_STRING, "one", 0, 0, "first key of a" },
        { "top", KB_CFG_STRING, "two", 0, 0, "a top-level key" },
        { "a/y", KB_CFG_STRING, "three", 0, 0, "second key of a" },
        KB_CONFIG_END
    };
    kb_config_t *cfg = s_example_round_trip (f, keys);
    assert_string_equal (kb_config_str (cfg, "a/x"), "one");
    assert_string_equal (kb_config_str (cfg, "top"), "two");
    assert_string_equal (kb_config_str (cfg, "a/y"), "three");
    kb_config_destroy (&cfg);
}

static void
test_print_help (void **state)
{
    (void) state;
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&text, &size);
    assert_non_null (mem);
    kb_config_print_help (s_keys, mem);
    fclose (mem);
    for (const kb_config_key_t *key = s_keys; key->name; key++) {
        char *env = kb_config_env_name (key->name);
        assert_non_null (strstr (text, key->name));
        assert_non_null (strstr (text, env));
        assert_non_null (strstr (text, key->help));
        free (env);
    }
    assert_non_null (strstr (text, "(required)"));
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_env_name, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_defaults, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_file_values, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bool_values, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_env_beats_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_key, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_values, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_missing_required, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_missing_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_syntax_error, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_error_fits_small_buffer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_example_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_example_round_trip_required_only_section, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_example_round_trip_intake, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_example_round_trip_interleaved, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_print_help, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
