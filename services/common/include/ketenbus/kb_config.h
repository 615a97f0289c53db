/*  kb_config - one declarative table of keys per daemon drives parsing,
    validation, --help and the example file. Files are ZPL (czmq zconfig);
    every key can be overridden by KETENBUS_<KEY> where the key is upper-cased
    and '/' becomes '_' (db/conninfo -> KETENBUS_DB_CONNINFO). */
#ifndef KB_CONFIG_H_INCLUDED
#define KB_CONFIG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { KB_CFG_STRING, KB_CFG_INT, KB_CFG_BOOL } kb_config_type_t;

typedef struct {
    const char *name;          /* ZPL path, e.g. "db/conninfo" */
    kb_config_type_t type;
    const char *default_value; /* NULL means required */
    long min, max;             /* bounds for KB_CFG_INT */
    const char *help;
} kb_config_key_t;

/* A table ends with an entry whose name is NULL. */
#define KB_CONFIG_END { NULL, KB_CFG_STRING, NULL, 0, 0, NULL }

typedef struct _kb_config_t kb_config_t;

/* Loads path (may be NULL: defaults and environment only). On failure
   returns NULL and writes an error naming the bad key into err. */
kb_config_t *kb_config_load (const kb_config_key_t *table, const char *path, char *err,
                             size_t errlen);
void kb_config_destroy (kb_config_t **self_p);

/* Values are validated at load time; asking for a key that is not in the
   table is a programming error. */
const char *kb_config_str (const kb_config_t *self, const char *name);
long kb_config_int (const kb_config_t *self, const char *name);
bool kb_config_bool (const kb_config_t *self, const char *name);

/* Name of the environment variable that overrides a key (caller frees). */
char *kb_config_env_name (const char *key);

void kb_config_print_help (const kb_config_key_t *table, FILE *out);
/* Writes a ZPL example file documenting every key. */
void kb_config_print_example (const kb_config_key_t *table, FILE *out);

#endif
