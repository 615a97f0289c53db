/*  kb_client - partner client of intake. */
#include "ketenbus/kb_client.h"
#include "ketenbus/kb_security.h"
#include "ketenbus/kb_uuid.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _kb_client_t {
    zsock_t *sock;
    zpoller_t *poller;
};

/* Accepts a Z85 key or the path of a certificate holding it. */
static int
s_server_key (const char *key, char out[41], char *err, size_t errlen)
{
    if (key && strlen (key) == 40 && !zsys_file_exists (key)) {
        memcpy (out, key, 41);
        return 0;
    }
    zcert_t *cert = key ? zcert_load (key) : NULL;
    if (!cert) {
        snprintf (err, errlen, "server key \"%s\" is neither a Z85 key nor a certificate file",
                  key ? key : "");
        return -1;
    }
    snprintf (out, 41, "%s", zcert_public_txt (cert));
    zcert_destroy (&cert);
    return 0;
}

kb_client_t *
kb_client_new (const char *endpoint, const char *cert_path, const char *server_key, char *err,
               size_t errlen)
{
    kb_client_t *self = calloc (1, sizeof *self);
    zcert_t *cert = NULL;
    if (!self)
        return NULL;
    char server_pub[41] = "";
    if (cert_path) {
        cert = kb_security_cert_load (cert_path, true, err, errlen);
        if (!cert || s_server_key (server_key, server_pub, err, errlen))
            goto fail;
    }
    kb_socket_opts_t opts = { .max_message_bytes = 0, .sndhwm = 100000, .rcvhwm = 100000,
                              .heartbeat_ms = 5000, .handshake_ms = 10000 };
    self->sock = kb_security_client_new (endpoint, cert, server_pub, &opts);
    if (!self->sock) {
        snprintf (err, errlen, "could not connect to \"%s\"", endpoint);
        goto fail;
    }
    self->poller = zpoller_new (self->sock, NULL);
    zcert_destroy (&cert);
    return self;
fail:
    zcert_destroy (&cert);
    kb_client_destroy (&self);
    return NULL;
}

void
kb_client_destroy (kb_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zpoller_destroy (&(*self_p)->poller);
    zsock_destroy (&(*self_p)->sock);
    free (*self_p);
    *self_p = NULL;
}

zsock_t *
kb_client_socket (kb_client_t *self)
{
    return self->sock;
}

int
kb_client_send (kb_client_t *self, kb_envelope_t *env)
{
    char id[KB_UUID_LEN + 1];
    if (!env->message_id || !*env->message_id) {
        kb_uuid_v4 (id);
        env->message_id = id;
    }
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    env->sent_at_ms = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    env->schema_version = KB_SCHEMA_VERSION;
    size_t len = 0;
    uint8_t *bytes = kb_codec_encode (env, &len);
    if (env->message_id == id)
        env->message_id = NULL; /* do not leave a pointer to our stack */
    if (!bytes)
        return -1;
    int rc = kb_client_send_raw (self, bytes, len);
    free (bytes);
    return rc;
}

int
kb_client_send_raw (kb_client_t *self, const void *data, size_t len)
{
    zframe_t *frame = zframe_new (data, len);
    return zframe_send (&frame, self->sock, 0);
}

int
kb_client_recv (kb_client_t *self, int timeout_ms, kb_envelope_t **reply)
{
    *reply = NULL;
    if (zpoller_wait (self->poller, timeout_ms) != self->sock)
        return -1;
    zframe_t *frame = zframe_recv (self->sock);
    if (!frame)
        return -1;
    kb_codec_rc_t rc = kb_codec_decode (zframe_data (frame), zframe_size (frame), 16 * 1024 * 1024,
                                        reply);
    zframe_destroy (&frame);
    return rc == KB_CODEC_OK ? 0 : -2;
}

int
kb_client_replay (kb_client_t *self, uint64_t from_seq)
{
    Ketenbus__V1__Replay replay = KETENBUS__V1__REPLAY__INIT;
    replay.from_seq = from_seq;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REPLAY;
    env.replay = &replay;
    return kb_client_send (self, &env);
}

int
kb_client_delivery_ack (kb_client_t *self, uint64_t seq)
{
    Ketenbus__V1__DeliveryAck ack = KETENBUS__V1__DELIVERY_ACK__INIT;
    ack.mailbox_seq = seq;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_DELIVERY_ACK;
    env.delivery_ack = &ack;
    return kb_client_send (self, &env);
}
