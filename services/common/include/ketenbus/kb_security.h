/*  kb_security - CurveZMQ for the partner-facing door. A ZAP handler backed
    by the partner registry in PostgreSQL authenticates every connection:
    unknown or revoked key, another mechanism, or a handler that is not
    running → refused (ZMQ_ZAP_ENFORCE_DOMAIN makes libzmq fail closed when
    no handler answers). The authenticated organisation id travels as the
    ZAP User-Id and is read from each message's metadata. */
#ifndef KB_SECURITY_H_INCLUDED
#define KB_SECURITY_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>

#define KB_ZAP_DOMAIN "ketenbus"

/* Starts the ZAP handler thread; NULL when it could not bind or load the
   registry (the caller must then refuse to serve). */
zactor_t *kb_zap_new (const char *conninfo, const char *schema, int refresh_ms, int max_age_ms);
void kb_zap_destroy (zactor_t **self_p);

/* Loads a certificate; with need_secret the file must hold the secret key
   and must not be accessible by group or others. */
zcert_t *kb_security_cert_load (const char *path, bool need_secret, char *err, size_t errlen);
/* Saves a certificate pair: path (secret, mode 0600) and path.pub. */
int kb_security_cert_save (zcert_t *cert, const char *path, char *err, size_t errlen);

typedef struct {
    size_t max_message_bytes; /* ZMQ_MAXMSGSIZE: larger frames drop the connection */
    int sndhwm, rcvhwm;
    int heartbeat_ms;
    int handshake_ms;
} kb_socket_opts_t;

/* ROUTER, CURVE server, ZAP domain enforced, bound to endpoint. */
zsock_t *kb_security_server_new (const char *endpoint, zcert_t *server_cert,
                                 const kb_socket_opts_t *opts, char *err, size_t errlen);
/* DEALER, CURVE client, connected to endpoint (partners, ketenctl, tests). */
zsock_t *kb_security_client_new (const char *endpoint, zcert_t *client_cert,
                                 const char *server_public_z85, const kb_socket_opts_t *opts);
/* The authenticated organisation of a received frame (NULL when none). */
const char *kb_security_peer_org (zframe_t *frame);
/* The CURVE public key (Z85) the frame's connection authenticated with,
   as the ZAP handler recorded it (NULL when none): after a revocation or
   a new key, messages on a connection made with the old one are refused. */
#define KB_ZAP_KEY_PROPERTY "X-Key"
const char *kb_security_peer_key (zframe_t *frame);

#endif
