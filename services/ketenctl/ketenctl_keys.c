/*  ketenctl_keys - certificate and pseudonym key generation. */
#include "ketenctl_keys.h"

#include "ketenbus/kb_pseudo.h"
#include "ketenbus/kb_seal.h"
#include "ketenbus/kb_security.h"

#include <sodium.h>
#include <czmq.h>
#include <string.h>
#include <sys/stat.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: ketenctl keygen --out PATH [--name NAME] [--force]\n"
             "       ketenctl keygen --pseudonym-key PATH [--force]\n"
             "       ketenctl keygen --box PATH [--force]\n"
             "  --out PATH            write a CURVE certificate pair: PATH (secret, mode 600)\n"
             "                        and PATH.pub (public); prints the public key\n"
             "  --name NAME           name recorded in the certificate metadata\n"
             "  --pseudonym-key PATH  write a new regional pseudonym key (hex, mode 600)\n"
             "  --box PATH            write a box key pair for sealed share payloads: PATH\n"
             "                        (secret, mode 600) and PATH.pub; prints key id and\n"
             "                        public key, to register with ketenctl partner key-add\n"
             "  --force               overwrite an existing file\n");
}

static bool
s_exists (const char *path)
{
    struct stat st;
    return lstat (path, &st) == 0;
}

static int
s_keygen_cert (const char *path, const char *name, bool force)
{
    char pub[1024];
    snprintf (pub, sizeof pub, "%s.pub", path);
    if (!force && (s_exists (path) || s_exists (pub))) {
        ketenctl_err ("could not write certificate \"%s\": file exists (use --force to replace it)",
                      path);
        return KETENCTL_FAILED;
    }
    zcert_t *cert = zcert_new ();
    if (!cert) {
        ketenctl_err ("could not generate a CURVE key pair");
        return KETENCTL_FAILED;
    }
    if (name)
        zcert_set_meta (cert, "name", "%s", name);
    zcert_set_meta (cert, "created-by", "ketenctl");
    /* the secret file must never exist with looser permissions, not even
       for a moment: the umask closes the window before the chmod */
    mode_t old = umask (077);
    char err[512];
    int rc = kb_security_cert_save (cert, path, err, sizeof err);
    umask (old);
    if (rc == 0 && chmod (pub, 0644) != 0) {
        snprintf (err, sizeof err, "could not set the mode of \"%.400s\"", pub);
        rc = -1;
    }
    if (rc) {
        ketenctl_err ("%s", err);
        zcert_destroy (&cert);
        return KETENCTL_FAILED;
    }
    printf ("%s\n", zcert_public_txt (cert));
    fprintf (stderr,
             "ketenctl: wrote secret certificate \"%s\" (mode 600) and public \"%s\"\n",
             path,
             pub);
    zcert_destroy (&cert);
    return KETENCTL_OK;
}

static int
s_keygen_pseudonym (const char *path, bool force)
{
    if (!force && s_exists (path)) {
        ketenctl_err (
          "could not write pseudonym key \"%s\": file exists (use --force to replace it; "
          "a new key changes every pseudonym)",
          path);
        return KETENCTL_FAILED;
    }
    char err[512];
    if (kb_pseudo_keygen (path, err, sizeof err)) {
        ketenctl_err ("%s", err);
        return KETENCTL_FAILED;
    }
    fprintf (stderr, "ketenctl: wrote pseudonym key \"%s\" (mode 600)\n", path);
    return KETENCTL_OK;
}

static int
s_keygen_box (const char *path, bool force)
{
    uint8_t pk[KB_SEAL_KEY_BYTES];
    char err[512];
    if (kb_seal_keygen (path, force, pk, err, sizeof err)) {
        ketenctl_err ("%s", err);
        return KETENCTL_FAILED;
    }
    char id[KB_SEAL_KEY_ID_LEN + 1], hex[KB_SEAL_KEY_HEX + 1];
    kb_seal_key_id (pk, id);
    sodium_bin2hex (hex, sizeof hex, pk, sizeof pk);
    printf ("%s %s\n", id, hex);
    fprintf (stderr, "ketenctl: wrote secret box key \"%s\" (mode 600) and public \"%s.pub\"\n",
             path, path);
    return KETENCTL_OK;
}

int
ketenctl_keys_keygen (const ketenctl_t *ctx, int argc, char *argv[])
{
    (void)ctx;
    const char *out = NULL, *name = NULL, *pseudo = NULL, *box = NULL;
    bool force = false;
    const ketenctl_option_t options[] = {
        { .name = "out", .text = &out },
        { .name = "name", .text = &name },
        { .name = "pseudonym-key", .text = &pseudo },
        { .name = "box", .text = &box },
        { .name = "force", .flag = &force },
        { .name = NULL },
    };
    int rc;
    int operand = ketenctl_options_parse (argc, argv, options, s_usage, &rc);
    if (operand < 0)
        return rc;
    int kinds = (out != NULL) + (pseudo != NULL) + (box != NULL);
    if (operand < argc || kinds != 1 || (name && !out)) {
        if (operand < argc)
            ketenctl_err ("unexpected argument \"%s\"", argv[operand]);
        else if (kinds != 1)
            ketenctl_err ("give exactly one of --out, --pseudonym-key or --box");
        else
            ketenctl_err ("--name goes with --out only");
        s_usage (stderr);
        return KETENCTL_USAGE;
    }
    if (box)
        return s_keygen_box (box, force);
    return out ? s_keygen_cert (out, name, force) : s_keygen_pseudonym (pseudo, force);
}
