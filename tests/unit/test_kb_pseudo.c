/*  test_kb_pseudo - unit tests for BSN pseudonyms

    Key generation and the refusals of kb_pseudo_load (missing, readable by
    others, too short, not hex); pseudonyms pinned by golden vectors
    computed independently (Python hmac/hashlib over the documented
    "ketenbus.bsn.v1:" domain), deterministic per key, different per BSN and
    per key, never containing the BSN; the quarantine key.
*/

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ketenbus/kb_pseudo.h"

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a) [0]))

//  Key bytes 00 01 02 .. 1f
#define KEY_32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
//  Key bytes 00 01 02 .. 3f
#define KEY_64                                                                              \
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"                      \
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"

//  hmac.new (key, b"ketenbus.bsn.v1:" + bsn, hashlib.sha256).hexdigest ()
#define GOLDEN_32_111222333 "b094d3b559d15daf3a23705e8ebb11d72922ee5ce6fabf7b6088c3524e6230ca"
#define GOLDEN_32_123456782 "98d820981e2dead4000e4b11ebd1c8902ba9a0e98005397be73d3d049ed7c08c"
#define GOLDEN_64_111222333 "040acb1da6e6d204a94d8acc647a5912b0315d5e83965d28865e8d282e118efb"
//  hashlib.blake2b (b"ketenbus.quarantine.v1", key=key, digest_size=32)
#define GOLDEN_32_QUARANTINE "bfa5aef3f0b61b5c37cce79a45d13c2b01412a6b5f90625abc63b6d1cc6e1cc4"

typedef struct {
    char dir [64];
    char path [128];
    char err [512];
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    if (!f)
        return -1;
    snprintf (f->dir, sizeof f->dir, "/tmp/test_kb_pseudo_XXXXXX");
    if (!mkdtemp (f->dir)) {
        free (f);
        return -1;
    }
    snprintf (f->path, sizeof f->path, "%s/pseudonym.key", f->dir);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    char name [160];
    unlink (f->path);
    snprintf (name, sizeof name, "%s.new", f->path);
    unlink (name);
    snprintf (name, sizeof name, "%s/other.key", f->dir);
    unlink (name);
    rmdir (f->dir);
    free (f);
    return 0;
}

//  Writes a key file with the given text and mode
static void
s_write_key (const char *path, const char *text, mode_t mode)
{
    unlink (path);
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true (fd >= 0);
    size_t len = strlen (text);
    assert_int_equal (write (fd, text, len), (ssize_t) len);
    assert_int_equal (close (fd), 0);
    assert_int_equal (chmod (path, mode), 0);
}

static kb_pseudo_t *
s_load_ok (fixture_t *f, const char *path)
{
    kb_pseudo_t *self = kb_pseudo_load (path, f->err, sizeof f->err);
    if (!self)
        fail_msg ("could not load \"%s\": %s", path, f->err);
    return self;
}

static bool
s_is_lower_hex (const char *s, size_t len)
{
    if (strlen (s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s [i] >= '0' && s [i] <= '9') || (s [i] >= 'a' && s [i] <= 'f')))
            return false;
    return true;
}

static void
s_hex (const uint8_t *bin, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        sprintf (out + 2 * i, "%02x", bin [i]);
}

//  --------------------------------------------------------------------------
//  Key file

static void
test_keygen (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (kb_pseudo_keygen (f->path, f->err, sizeof f->err), 0);
    struct stat st;
    assert_int_equal (stat (f->path, &st), 0);
    assert_true (S_ISREG (st.st_mode));
    assert_int_equal (st.st_mode & 0777, 0600);

    char text [128] = "";
    FILE *file = fopen (f->path, "r");
    assert_non_null (file);
    size_t n = fread (text, 1, sizeof text - 1, file);
    fclose (file);
    text [n] = '\0';
    assert_int_equal (n, 65);
    assert_int_equal (text [64], '\n');
    text [64] = '\0';
    assert_true (s_is_lower_hex (text, 64));

    //  No temporary file left behind
    char tmp [160];
    snprintf (tmp, sizeof tmp, "%s.new", f->path);
    assert_int_not_equal (access (tmp, F_OK), 0);

    //  The generated key loads and works
    kb_pseudo_t *self = s_load_ok (f, f->path);
    char out [KB_PSEUDONYM_LEN + 1];
    kb_pseudo_bsn (self, "111222333", out);
    assert_true (s_is_lower_hex (out, KB_PSEUDONYM_LEN));
    kb_pseudo_destroy (&self);
    assert_null (self);
    kb_pseudo_destroy (&self);
    kb_pseudo_destroy (NULL);

    //  Two generated keys differ
    char first [65];
    memcpy (first, text, 65);
    assert_int_equal (kb_pseudo_keygen (f->path, f->err, sizeof f->err), 0);
    file = fopen (f->path, "r");
    assert_non_null (file);
    n = fread (text, 1, sizeof text - 1, file);
    fclose (file);
    assert_int_equal (n, 65);
    text [64] = '\0';
    assert_string_not_equal (text, first);
}

static void
test_keygen_stale_new_file_mode (void **state)
{
    fixture_t *f = *state;
    //  A leftover "<key>.new" readable by others (an aborted copy, another
    //  tool) must not make the new key readable by others
    char tmp [160];
    snprintf (tmp, sizeof tmp, "%s.new", f->path);
    s_write_key (tmp, "stale", 0644);
    assert_int_equal (kb_pseudo_keygen (f->path, f->err, sizeof f->err), 0);
    struct stat st;
    assert_int_equal (stat (f->path, &st), 0);
    if ((st.st_mode & 0777) != 0600)
        fail_msg ("key written with mode %03o, expected 600", (unsigned) (st.st_mode & 0777));
}

static void
test_keygen_bad_directory (void **state)
{
    fixture_t *f = *state;
    strcpy (f->err, "(untouched)");
    assert_int_not_equal (
        kb_pseudo_keygen ("/tmp/test_kb_pseudo_no_such_dir/x/pseudonym.key", f->err,
                          sizeof f->err),
        0);
    assert_non_null (strstr (f->err, "test_kb_pseudo_no_such_dir"));
}

static void
test_load_refusals (void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *name;
        const char *text;
        mode_t mode;
        const char *needle;
    } cases [] = {
        { "mode 0644", KEY_32 "\n", 0644, "chmod 600" },
        { "mode 0640", KEY_32 "\n", 0640, "chmod 600" },
        { "mode 0604", KEY_32 "\n", 0604, "chmod 600" },
        { "mode 0610", KEY_32 "\n", 0610, "chmod 600" },
        { "empty", "", 0600, "at least 32 bytes" },
        { "62 hex characters", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e"
                               "\n", 0600, "at least 32 bytes" },
        { "31 bytes of key", "0001020304050607", 0600, "at least 32 bytes" },
        { "not hex", "g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600,
          "at least 32 bytes" },
        { "hex then junk", KEY_32 "zz\n", 0600, "at least 32 bytes" },
        { "odd length", KEY_32 "a\n", 0600, "at least 32 bytes" },
        { "separators", "00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14:15:16:17"
                        ":18:19:1a:1b:1c:1d:1e:1f\n", 0600, "at least 32 bytes" },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        s_write_key (f->path, cases [i].text, cases [i].mode);
        strcpy (f->err, "(untouched)");
        kb_pseudo_t *self = kb_pseudo_load (f->path, f->err, sizeof f->err);
        if (self) {
            kb_pseudo_destroy (&self);
            fail_msg ("%s: key file was accepted", cases [i].name);
        }
        if (!strstr (f->err, cases [i].needle) || !strstr (f->err, f->path))
            fail_msg ("%s: error \"%s\" lacks \"%s\" or the path", cases [i].name, f->err,
                      cases [i].needle);
        //  The error never echoes key material
        if (strlen (cases [i].text) >= 16 && strstr (f->err, "0001020304050607"))
            fail_msg ("%s: error shows the key: %s", cases [i].name, f->err);
    }
    //  Missing file
    unlink (f->path);
    strcpy (f->err, "(untouched)");
    assert_null (kb_pseudo_load (f->path, f->err, sizeof f->err));
    assert_non_null (strstr (f->err, "missing"));
    assert_non_null (strstr (f->err, f->path));
    assert_null (kb_pseudo_load (NULL, f->err, sizeof f->err));
    assert_non_null (strstr (f->err, "missing"));
}

static void
test_load_accepts (void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *name;
        const char *text;
        mode_t mode;
    } cases [] = {
        { "64 hex, newline", KEY_32 "\n", 0600 },
        { "64 hex, no newline", KEY_32, 0600 },
        { "64 hex, CRLF", KEY_32 "\r\n", 0600 },
        { "upper case hex", "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
          0600 },
        { "read-only", KEY_32 "\n", 0400 },
        { "128 hex (64 bytes)", KEY_64 "\n", 0600 },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        s_write_key (f->path, cases [i].text, cases [i].mode);
        kb_pseudo_t *self = kb_pseudo_load (f->path, f->err, sizeof f->err);
        if (!self)
            fail_msg ("%s: refused: %s", cases [i].name, f->err);
        char out [KB_PSEUDONYM_LEN + 1];
        kb_pseudo_bsn (self, "111222333", out);
        const char *expected = strstr (cases [i].name, "128") ? GOLDEN_64_111222333
                                                              : GOLDEN_32_111222333;
        if (strcmp (out, expected))
            fail_msg ("%s: pseudonym %s, expected %s", cases [i].name, out, expected);
        kb_pseudo_destroy (&self);
    }
}

//  --------------------------------------------------------------------------
//  Pseudonyms

static void
test_pseudonym_golden (void **state)
{
    fixture_t *f = *state;
    s_write_key (f->path, KEY_32 "\n", 0600);
    kb_pseudo_t *self = s_load_ok (f, f->path);
    static const struct {
        const char *bsn;
        const char *pseudonym;
    } cases [] = {
        { "111222333", GOLDEN_32_111222333 },
        { "123456782", GOLDEN_32_123456782 },
    };
    for (size_t i = 0; i < N_ELEMENTS (cases); i++) {
        char out [KB_PSEUDONYM_LEN + 1];
        memset (out, 'X', sizeof out);
        kb_pseudo_bsn (self, cases [i].bsn, out);
        assert_int_equal (out [KB_PSEUDONYM_LEN], '\0');
        assert_string_equal (out, cases [i].pseudonym);
    }
    kb_pseudo_destroy (&self);
}

static void
test_pseudonym_properties (void **state)
{
    fixture_t *f = *state;
    static const char *const bsns [] = {
        "111222333", "123456782", "999999990", "100000009", "111222334",
    };
    assert_int_equal (kb_pseudo_keygen (f->path, f->err, sizeof f->err), 0);
    char other_path [160];
    snprintf (other_path, sizeof other_path, "%s/other.key", f->dir);
    assert_int_equal (kb_pseudo_keygen (other_path, f->err, sizeof f->err), 0);
    kb_pseudo_t *a = s_load_ok (f, f->path);
    kb_pseudo_t *a2 = s_load_ok (f, f->path);
    kb_pseudo_t *b = s_load_ok (f, other_path);

    char pa [N_ELEMENTS (bsns)][KB_PSEUDONYM_LEN + 1];
    for (size_t i = 0; i < N_ELEMENTS (bsns); i++) {
        char again [KB_PSEUDONYM_LEN + 1], reload [KB_PSEUDONYM_LEN + 1];
        char other [KB_PSEUDONYM_LEN + 1];
        kb_pseudo_bsn (a, bsns [i], pa [i]);
        kb_pseudo_bsn (a, bsns [i], again);
        kb_pseudo_bsn (a2, bsns [i], reload);
        kb_pseudo_bsn (b, bsns [i], other);
        assert_true (s_is_lower_hex (pa [i], KB_PSEUDONYM_LEN));
        assert_string_equal (pa [i], again);      //  deterministic
        assert_string_equal (pa [i], reload);     //  same key file, same pseudonym
        assert_string_not_equal (pa [i], other);  //  another region's key
        assert_null (strstr (pa [i], bsns [i]));  //  the BSN does not show through
        assert_null (strstr (other, bsns [i]));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal (pa [i], pa [j]);
    }
    kb_pseudo_destroy (&b);
    kb_pseudo_destroy (&a2);
    kb_pseudo_destroy (&a);
}

static void
test_quarantine_key (void **state)
{
    fixture_t *f = *state;
    s_write_key (f->path, KEY_32 "\n", 0600);
    kb_pseudo_t *a = s_load_ok (f, f->path);
    kb_pseudo_t *a2 = s_load_ok (f, f->path);
    uint8_t k1 [32], k2 [32];
    memset (k1, 0, sizeof k1);
    memset (k2, 0xff, sizeof k2);
    kb_pseudo_quarantine_key (a, k1);
    kb_pseudo_quarantine_key (a2, k2);
    assert_memory_equal (k1, k2, sizeof k1);
    char hex [65];
    s_hex (k1, sizeof k1, hex);
    assert_string_equal (hex, GOLDEN_32_QUARANTINE);

    //  Not the key itself and not any pseudonym
    assert_string_not_equal (hex, KEY_32);
    char pseudonym [KB_PSEUDONYM_LEN + 1];
    kb_pseudo_bsn (a, "111222333", pseudonym);
    assert_string_not_equal (hex, pseudonym);

    //  Another key gives another quarantine key
    s_write_key (f->path, KEY_64 "\n", 0600);
    kb_pseudo_t *b = s_load_ok (f, f->path);
    kb_pseudo_quarantine_key (b, k2);
    assert_memory_not_equal (k1, k2, sizeof k1);

    kb_pseudo_destroy (&b);
    kb_pseudo_destroy (&a2);
    kb_pseudo_destroy (&a);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_keygen, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_keygen_stale_new_file_mode, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_keygen_bad_directory, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_load_refusals, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_load_accepts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_pseudonym_golden, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_pseudonym_properties, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_quarantine_key, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
