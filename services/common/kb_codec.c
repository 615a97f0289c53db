/*  kb_codec - envelope encoding and decoding. */
#include "ketenbus/kb_codec.h"

#include <stdlib.h>
#include <string.h>

kb_codec_rc_t
kb_codec_decode (const uint8_t *data, size_t len, size_t max_len, kb_envelope_t **env_p)
{
    *env_p = NULL;
    if (!data || len == 0)
        return KB_CODEC_EMPTY;
    if (len > max_len)
        return KB_CODEC_TOO_LARGE;
    kb_envelope_t *env = ketenbus__v1__envelope__unpack (NULL, len, data);
    if (!env)
        return KB_CODEC_MALFORMED;
    if (env->schema_version > KB_SCHEMA_VERSION) {
        ketenbus__v1__envelope__free_unpacked (env, NULL);
        return KB_CODEC_BAD_VERSION;
    }
    switch (env->body_case) {
    case KETENBUS__V1__ENVELOPE__BODY__NOT_SET:
    case _KETENBUS__V1__ENVELOPE__BODY__CASE_IS_INT_SIZE:
        /* a body from a newer schema arrives as unknown fields */
        ketenbus__v1__envelope__free_unpacked (env, NULL);
        return KB_CODEC_UNKNOWN_BODY;
    default:
        break;
    }
    *env_p = env;
    return KB_CODEC_OK;
}

uint8_t *
kb_codec_encode (const kb_envelope_t *env, size_t *len_p)
{
    size_t len = ketenbus__v1__envelope__get_packed_size (env);
    uint8_t *buf = malloc (len ? len : 1);
    if (!buf)
        return NULL;
    ketenbus__v1__envelope__pack (env, buf);
    *len_p = len;
    return buf;
}

void
kb_codec_free (kb_envelope_t **env_p)
{
    if (!env_p || !*env_p)
        return;
    ketenbus__v1__envelope__free_unpacked (*env_p, NULL);
    *env_p = NULL;
}

const char *
kb_codec_rc_text (kb_codec_rc_t rc)
{
    switch (rc) {
    case KB_CODEC_OK: return "ok";
    case KB_CODEC_EMPTY: return "empty frame";
    case KB_CODEC_TOO_LARGE: return "message larger than the configured maximum";
    case KB_CODEC_MALFORMED: return "not a valid ketenbus.v1.Envelope (malformed protobuf)";
    case KB_CODEC_UNKNOWN_BODY: return "envelope without a body known to ketenbus.v1";
    case KB_CODEC_BAD_VERSION: return "schema_version newer than this server supports";
    }
    return "unknown codec error";
}

static size_t
s_unknown (const ProtobufCMessage *msg)
{
    if (!msg)
        return 0;
    size_t n = msg->n_unknown_fields;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *) ((const char *) msg + f->quantifier_offset);
            ProtobufCMessage *const *items
                = *(ProtobufCMessage *const *const *) ((const char *) msg + f->offset);
            for (size_t k = 0; k < count; k++)
                n += s_unknown (items[k]);
            continue;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which = *(const uint32_t *) ((const char *) msg + f->quantifier_offset);
            if (which != f->id)
                continue;
        }
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *) ((const char *) msg + f->offset);
        n += s_unknown (sub);
    }
    return n;
}

size_t
kb_codec_unknown_fields (const kb_envelope_t *env)
{
    return env ? s_unknown (&env->base) : 0;
}

bool
kb_codec_enum_known (const ProtobufCEnumDescriptor *desc, int value)
{
    return value != 0 && protobuf_c_enum_descriptor_get_value (desc, value) != NULL;
}

const char *
kb_codec_body_name (const kb_envelope_t *env)
{
    if (!env)
        return "none";
    const ProtobufCFieldDescriptor *f
        = protobuf_c_message_descriptor_get_field (&ketenbus__v1__envelope__descriptor,
                                                   (unsigned) env->body_case);
    return (f && env->body_case != KETENBUS__V1__ENVELOPE__BODY__NOT_SET) ? f->name : "none";
}
