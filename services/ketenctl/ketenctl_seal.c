/*  ketenctl_seal - seal and open share payloads. */
#include "ketenctl_seal.h"

#include "ketenbus/kb_seal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_MAX_INPUT (16u << 20) /* far above what intake accepts; a guard, not a limit */

static void
s_seal_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl seal (--box-key HEX | --box-key-file PATH.pub | --to ORG)\n"
             "                     --in FILE --out FILE\n"
             "  Seals FILE to the recipient's public box key (libsodium sealed box) and\n"
             "  prints the key id to put in the ShareResponse. --to ORG takes the partner's\n"
             "  current key from the registry. FILE may be - for standard input/output.\n");
}

static void
s_open_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl open --box-secret PATH --in FILE --out FILE\n"
             "  Opens a sealed payload with the secret box key PATH (mode 600, made by\n"
             "  ketenctl keygen --box). The output is written with mode 600: it is\n"
             "  personal data. FILE may be - for standard input/output.\n");
}

/* Reads all of path ("-": stdin). NULL with an error printed. */
static uint8_t *
s_read_all (const char *path, size_t *len)
{
    FILE *f = strcmp (path, "-") == 0 ? stdin : fopen (path, "rb");
    if (!f) {
        ketenctl_err ("could not open \"%s\": %s", path, strerror (errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc (cap);
    while (buf) {
        if (n == cap) {
            uint8_t *bigger = cap < S_MAX_INPUT ? realloc (buf, cap * 2) : NULL;
            if (!bigger) {
                ketenctl_err ("could not read \"%s\": larger than %u bytes", path, S_MAX_INPUT);
                free (buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread (buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror (f)) {
                ketenctl_err ("could not read \"%s\"", path);
                free (buf);
                buf = NULL;
            }
            break;
        }
    }
    if (f != stdin)
        fclose (f);
    *len = n;
    return buf;
}

/* Writes data to path via path.new, mode 600 ("-": stdout). */
static int
s_write_all (const char *path, const uint8_t *data, size_t len)
{
    if (strcmp (path, "-") == 0)
        return fwrite (data, 1, len, stdout) == len && fflush (stdout) == 0 ? 0 : -1;
    char tmp[4096];
    snprintf (tmp, sizeof tmp, "%s.new", path);
    unlink (tmp);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0) {
        ketenctl_err ("could not create \"%s\": %s", tmp, strerror (errno));
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write (fd, data + done, len - done);
        if (w <= 0)
            break;
        done += (size_t) w;
    }
    int ok = done == len && fsync (fd) == 0;
    close (fd);
    if (!ok || rename (tmp, path) != 0) {
        ketenctl_err ("could not write \"%s\": %s", path, strerror (errno));
        unlink (tmp);
        return -1;
    }
    return 0;
}

int
ketenctl_box_key (const char *hex, const char *path, uint8_t key[KB_SEAL_KEY_BYTES])
{
    char err[512];
    if (hex && kb_seal_key_from_hex (hex, key)) {
        ketenctl_err ("invalid box key: expected %d hex digits", KB_SEAL_KEY_HEX);
        return KETENCTL_USAGE;
    }
    if (path && kb_seal_key_load (path, false, key, err, sizeof err)) {
        ketenctl_err ("%s", err);
        return KETENCTL_USAGE;
    }
    return KETENCTL_OK;
}

/* The current box key of org from the registry. */
static int
s_registry_key (const ketenctl_t *ctx, const char *org, uint8_t pk[KB_SEAL_KEY_BYTES])
{
    int rc;
    kb_db_t *db = ketenctl_db_open (ctx, kb_config_str (ctx->config, "db/schema"), true, &rc);
    if (!db)
        return rc;
    kb_seal_key_t keys[1];
    kb_db_rc_t db_rc = KB_DB_OK;
    int n = kb_seal_prepare (db) ? -1 : kb_seal_keys (db, org, keys, 1, &db_rc);
    kb_db_destroy (&db);
    if (n < 0) {
        ketenctl_err ("could not read the box keys of \"%s\"", org);
        return ketenctl_db_exit_rc (db_rc);
    }
    if (n == 0 || keys[0].retired) {
        ketenctl_err ("partner \"%s\" has no current box key (ketenctl partner key-add)", org);
        return KETENCTL_FAILED;
    }
    memcpy (pk, keys[0].public_key, KB_SEAL_KEY_BYTES);
    return KETENCTL_OK;
}

int
ketenctl_seal (const ketenctl_t *ctx, int argc, char *argv[])
{
    const char *hex = NULL, *key_file = NULL, *to = NULL, *in = NULL, *out = NULL;
    const ketenctl_option_t options[] = {
        { .name = "box-key", .text = &hex },   { .name = "box-key-file", .text = &key_file },
        { .name = "to", .text = &to },         { .name = "in", .text = &in },
        { .name = "out", .text = &out },       { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_seal_usage, &rc))
        return rc;
    if ((hex != NULL) + (key_file != NULL) + (to != NULL) != 1 || !in || !out) {
        ketenctl_err ("seal needs --in, --out and one of --box-key, --box-key-file or --to");
        s_seal_usage (stderr);
        return KETENCTL_USAGE;
    }
    uint8_t pk[KB_SEAL_KEY_BYTES];
    if (!to && (rc = ketenctl_box_key (hex, key_file, pk)) != KETENCTL_OK)
        return rc;
    if (to && (rc = s_registry_key (ctx, to, pk)) != KETENCTL_OK)
        return rc;
    size_t len = 0, sealed_len = 0;
    uint8_t *data = s_read_all (in, &len);
    if (!data)
        return KETENCTL_FAILED;
    uint8_t *sealed = kb_seal (pk, data, len, &sealed_len);
    sodium_memzero (data, len);
    free (data);
    if (!sealed) {
        ketenctl_err ("could not seal: out of memory");
        return KETENCTL_FAILED;
    }
    rc = s_write_all (out, sealed, sealed_len) == 0 ? KETENCTL_OK : KETENCTL_FAILED;
    free (sealed);
    if (rc == KETENCTL_OK) {
        char id[KB_SEAL_KEY_ID_LEN + 1];
        kb_seal_key_id (pk, id);
        fprintf (strcmp (out, "-") == 0 ? stderr : stdout, "%s\n", id);
    }
    return rc;
}

int
ketenctl_open (const ketenctl_t *ctx, int argc, char *argv[])
{
    (void) ctx;
    const char *secret_file = NULL, *in = NULL, *out = NULL;
    const ketenctl_option_t options[] = {
        { .name = "box-secret", .text = &secret_file },
        { .name = "in", .text = &in },
        { .name = "out", .text = &out },
        { .name = NULL },
    };
    int rc;
    if (ketenctl_options_only (argc, argv, options, s_open_usage, &rc))
        return rc;
    if (!secret_file || !in || !out) {
        ketenctl_err ("open needs --box-secret, --in and --out");
        s_open_usage (stderr);
        return KETENCTL_USAGE;
    }
    uint8_t sk[KB_SEAL_KEY_BYTES], pk[KB_SEAL_KEY_BYTES];
    char err[512];
    if (kb_seal_key_load (secret_file, true, sk, err, sizeof err)) {
        ketenctl_err ("%s", err);
        return KETENCTL_USAGE;
    }
    crypto_scalarmult_base (pk, sk);
    size_t len = 0, plain_len = 0;
    uint8_t *sealed = s_read_all (in, &len);
    uint8_t *plain = sealed ? kb_seal_open (pk, sk, sealed, len, &plain_len) : NULL;
    sodium_memzero (sk, sizeof sk);
    free (sealed);
    if (!sealed)
        return KETENCTL_FAILED;
    if (!plain) {
        char id[KB_SEAL_KEY_ID_LEN + 1];
        kb_seal_key_id (pk, id);
        ketenctl_err ("could not open \"%s\": not sealed to box key %s, or altered", in, id);
        return KETENCTL_FAILED;
    }
    rc = s_write_all (out, plain, plain_len) == 0 ? KETENCTL_OK : KETENCTL_FAILED;
    sodium_memzero (plain, plain_len);
    free (plain);
    return rc;
}
