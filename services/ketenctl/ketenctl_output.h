/*  ketenctl_output - how ketenctl prints values: JSON string literals and
    fields, UTC times and "-" for what is empty, the same in every command. */
#ifndef KETENCTL_OUTPUT_H_INCLUDED
#define KETENCTL_OUTPUT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes a JSON string literal of s (quotes and escapes included; NULL
   is written as ""). */
void ketenctl_json_string (FILE *out, const char *s);

/* Writes "key": "value" on stdout; with comma, after ", " (every field
   but the first of an object). */
void ketenctl_json_field (const char *key, const char *value, bool comma);

/* The wall-clock time ms (milliseconds since the epoch) as
   2024-01-31T12:00:00Z in buf; "-" when not set (0 or less). */
void ketenctl_utc (int64_t ms, char *buf, size_t size);

/* s, or "-" when it is NULL or empty (for table cells). */
const char *ketenctl_or_dash (const char *s);

#endif
