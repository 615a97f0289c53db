/*  kb_codec - the only module that packs and unpacks the generated
    protobuf-c code. Size is checked before decoding; unknown fields are
    tolerated and counted (forward compatibility); an envelope without a
    known body is refused; enum values are checked with kb_codec_enum_known. */
#ifndef KB_CODEC_H_INCLUDED
#define KB_CODEC_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "ketenbus/v1/ketenbus.pb-c.h"

typedef Ketenbus__V1__Envelope kb_envelope_t;

#define KB_SCHEMA_VERSION 1

typedef enum {
    KB_CODEC_OK = 0,
    KB_CODEC_EMPTY = -1,          /* zero-length frame */
    KB_CODEC_TOO_LARGE = -2,      /* over the configured limit: not decoded at all */
    KB_CODEC_MALFORMED = -3,      /* not a valid protobuf Envelope */
    KB_CODEC_UNKNOWN_BODY = -4,   /* no body, or a body this version does not know */
    KB_CODEC_BAD_VERSION = -5     /* schema_version newer than this build */
} kb_codec_rc_t;

/* Decodes data into *env_p (caller frees with kb_codec_free). */
kb_codec_rc_t kb_codec_decode (const uint8_t *data, size_t len, size_t max_len,
                               kb_envelope_t **env_p);
/* Encodes env; returns a malloc'ed buffer (caller frees) and its length. */
uint8_t *kb_codec_encode (const kb_envelope_t *env, size_t *len_p);
void kb_codec_free (kb_envelope_t **env_p);
const char *kb_codec_rc_text (kb_codec_rc_t rc);
/* Unknown fields in the envelope and its body, for a debug counter. */
size_t kb_codec_unknown_fields (const kb_envelope_t *env);
/* True when value is one of the enum's declared values (0 = unspecified counts as unknown). */
bool kb_codec_enum_known (const ProtobufCEnumDescriptor *desc, int value);
/* Name of the body case ("case_signal", ...), "none" when not set. */
const char *kb_codec_body_name (const kb_envelope_t *env);

#endif
