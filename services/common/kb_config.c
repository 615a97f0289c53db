/*  kb_config - declarative configuration over czmq zconfig. */
#include "ketenbus/kb_config.h"

#include <assert.h>
#include <ctype.h>
#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct _kb_config_t {
    const kb_config_key_t *table;
    size_t count;
    char **values; /* one per table entry, owned */
};

static size_t
s_index (const kb_config_t *self, const char *name)
{
    for (size_t i = 0; i < self->count; i++)
        if (strcmp (self->table[i].name, name) == 0)
            return i;
    assert (!"configuration key not in table");
    return 0;
}

char *
kb_config_env_name (const char *key)
{
    size_t len = strlen (key);
    char *env = malloc (len + sizeof "KETENBUS_");
    if (!env)
        return NULL;
    strcpy (env, "KETENBUS_");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) key[i];
        env[9 + i] = (c == '/' || c == '-' || c == '.') ? '_' : (char) toupper (c);
    }
    env[9 + len] = '\0';
    return env;
}

static int
s_check_value (const kb_config_key_t *key, const char *value, const char *origin, char *err,
               size_t errlen)
{
    if (key->type == KB_CFG_INT) {
        char *end = NULL;
        errno = 0;
        long v = strtol (value, &end, 10);
        if (errno || end == value || *end != '\0') {
            snprintf (err, errlen, "invalid value for key \"%s\" (%s): \"%s\" is not an integer",
                      key->name, origin, value);
            return -1;
        }
        if (v < key->min || v > key->max) {
            snprintf (err, errlen, "invalid value for key \"%s\" (%s): %ld is outside %ld..%ld",
                      key->name, origin, v, key->min, key->max);
            return -1;
        }
    }
    else if (key->type == KB_CFG_BOOL) {
        if (strcmp (value, "true") && strcmp (value, "false") && strcmp (value, "1")
            && strcmp (value, "0")) {
            snprintf (err, errlen,
                      "invalid value for key \"%s\" (%s): \"%s\" is not true or false",
                      key->name, origin, value);
            return -1;
        }
    }
    return 0;
}

/* Every leaf in the file must be a known key: a typo must not silently
   fall back to a default. */
static int
s_check_unknown (const kb_config_t *self, zconfig_t *node, const char *prefix, const char *path,
                 char *err, size_t errlen)
{
    for (zconfig_t *child = zconfig_child (node); child; child = zconfig_next (child)) {
        char full[256];
        snprintf (full, sizeof full, "%s%s%s", prefix, *prefix ? "/" : "",
                  zconfig_name (child));
        if (zconfig_child (child)) {
            if (s_check_unknown (self, child, full, path, err, errlen))
                return -1;
            continue;
        }
        bool known = false;
        size_t fulllen = strlen (full);
        bool empty = !zconfig_value (child) || !*zconfig_value (child);
        for (size_t i = 0; i < self->count && !known; i++)
            known = strcmp (self->table[i].name, full) == 0
                    /* a section whose keys are all commented out */
                    || (empty && strncmp (self->table[i].name, full, fulllen) == 0
                        && self->table[i].name[fulllen] == '/');
        if (!known) {
            snprintf (err, errlen, "unknown configuration key \"%s\" in file \"%s\"", full, path);
            return -1;
        }
    }
    return 0;
}

kb_config_t *
kb_config_load (const kb_config_key_t *table, const char *path, char *err, size_t errlen)
{
    kb_config_t *self = calloc (1, sizeof *self);
    zconfig_t *root = NULL;
    if (!self)
        goto fail;
    self->table = table;
    while (table[self->count].name)
        self->count++;
    self->values = calloc (self->count + 1, sizeof (char *));
    if (!self->values)
        goto fail;

    if (path) {
        if (!zsys_file_exists (path)) {
            snprintf (err, errlen, "could not open configuration file \"%s\"", path);
            goto fail;
        }
        /* not zconfig_load: it leaks its zfile when the syntax is bad */
        zchunk_t *chunk = zchunk_slurp (path, 0);
        root = chunk ? zconfig_chunk_load (chunk) : NULL;
        zchunk_destroy (&chunk);
        if (!root) {
            snprintf (err, errlen, "could not parse configuration file \"%s\" (ZPL syntax)",
                      path);
            goto fail;
        }
        if (s_check_unknown (self, root, "", path, err, errlen))
            goto fail;
    }
    for (size_t i = 0; i < self->count; i++) {
        const kb_config_key_t *key = &table[i];
        const char *value = key->default_value;
        const char *origin = "default";
        if (root && zconfig_locate (root, key->name)) {
            value = zconfig_get (root, key->name, "");
            origin = path;
        }
        char *env = kb_config_env_name (key->name);
        if (env && getenv (env)) {
            value = getenv (env);
            origin = env;
        }
        char origin_copy[128];
        snprintf (origin_copy, sizeof origin_copy, "%s", origin);
        free (env);
        if (!value) {
            char *env_name = kb_config_env_name (key->name);
            snprintf (err, errlen, "missing required configuration key \"%s\" (or %s)",
                      key->name, env_name ? env_name : "environment");
            free (env_name);
            goto fail;
        }
        if (s_check_value (key, value, origin_copy, err, errlen))
            goto fail;
        self->values[i] = strdup (value);
        if (!self->values[i])
            goto fail;
    }
    zconfig_destroy (&root);
    return self;
fail:
    zconfig_destroy (&root);
    kb_config_destroy (&self);
    return NULL;
}

void
kb_config_destroy (kb_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    kb_config_t *self = *self_p;
    for (size_t i = 0; self->values && i < self->count; i++)
        free (self->values[i]);
    free (self->values);
    free (self);
    *self_p = NULL;
}

const char *
kb_config_str (const kb_config_t *self, const char *name)
{
    return self->values[s_index (self, name)];
}

long
kb_config_int (const kb_config_t *self, const char *name)
{
    return strtol (self->values[s_index (self, name)], NULL, 10);
}

bool
kb_config_bool (const kb_config_t *self, const char *name)
{
    const char *v = self->values[s_index (self, name)];
    return strcmp (v, "true") == 0 || strcmp (v, "1") == 0;
}

static const char *
s_type_name (kb_config_type_t type)
{
    return type == KB_CFG_INT ? "integer" : type == KB_CFG_BOOL ? "true|false" : "string";
}

void
kb_config_print_help (const kb_config_key_t *table, FILE *out)
{
    fprintf (out, "configuration keys (file value, overridden by the environment variable):\n");
    for (const kb_config_key_t *key = table; key->name; key++) {
        char *env = kb_config_env_name (key->name);
        fprintf (out, "  %-28s %-10s %s\n      %s; default: %s\n", key->name,
                 s_type_name (key->type), env ? env : "", key->help,
                 key->default_value ? key->default_value : "(required)");
        free (env);
    }
}

static void
s_print_key (const kb_config_key_t *key, const char *indent, const char *name, FILE *out)
{
    fprintf (out, "%s#   %s (%s)\n", indent, key->help, s_type_name (key->type));
    if (key->default_value)
        fprintf (out, "%s%s = \"%s\"\n", indent, name, key->default_value);
    else
        fprintf (out, "%s#%s = (required)\n", indent, name);
}

void
kb_config_print_example (const kb_config_key_t *table, FILE *out)
{
    /* ZPL: top-level keys first, then each section "a" once with all of
       its keys "a/b" indented, in the order the sections first appear */
    for (const kb_config_key_t *key = table; key->name; key++)
        if (!strchr (key->name, '/'))
            s_print_key (key, "", key->name, out);
    for (const kb_config_key_t *key = table; key->name; key++) {
        const char *slash = strchr (key->name, '/');
        if (!slash)
            continue;
        size_t seclen = (size_t) (slash - key->name);
        bool seen = false;
        for (const kb_config_key_t *prev = table; prev < key && !seen; prev++)
            seen = strchr (prev->name, '/') && strncmp (prev->name, key->name, seclen + 1) == 0;
        if (seen)
            continue;
        fprintf (out, "%.*s\n", (int) seclen, key->name);
        for (const kb_config_key_t *k = key; k->name; k++)
            if (strncmp (k->name, key->name, seclen + 1) == 0)
                s_print_key (k, "    ", k->name + seclen + 1, out);
    }
}
