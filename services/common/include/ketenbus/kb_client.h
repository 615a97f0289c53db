/*  kb_client - a partner's side of the intake door: a CURVE DEALER that
    may pipeline many requests and matches answers by message id. Used by
    ketenctl, the tests and the benchmarks. */
#ifndef KB_CLIENT_H_INCLUDED
#define KB_CLIENT_H_INCLUDED

#include <czmq.h>
#include <stddef.h>
#include "ketenbus/kb_codec.h"

typedef struct _kb_client_t kb_client_t;

/* cert_path: the partner's secret certificate; server_key: intake's public
   key (Z85) or the path of its .pub certificate. cert_path NULL connects
   without CURVE (only useful to test that intake refuses it). */
kb_client_t *kb_client_new (const char *endpoint, const char *cert_path, const char *server_key,
                            char *err, size_t errlen);
void kb_client_destroy (kb_client_t **self_p);
zsock_t *kb_client_socket (kb_client_t *self);

/* Fills the envelope header (new message id unless env->message_id is
   set, sent_at, schema version), encodes and sends. Returns 0 or -1. */
int kb_client_send (kb_client_t *self, kb_envelope_t *env);
/* Sends raw bytes as one frame (tests: garbage, oversized). */
int kb_client_send_raw (kb_client_t *self, const void *data, size_t len);
/* Waits up to timeout_ms for one answer; *reply is the decoded envelope
   (caller frees with kb_codec_free). Returns 0, -1 on timeout, -2 when the
   answer could not be decoded. */
int kb_client_recv (kb_client_t *self, int timeout_ms, kb_envelope_t **reply);

/* Mailbox: ask intake to push everything from from_seq on (0 = the oldest
   retained); this also tells intake where the partner is connected. */
int kb_client_replay (kb_client_t *self, uint64_t from_seq);
/* Mailbox: every message up to and including seq was received. */
int kb_client_delivery_ack (kb_client_t *self, uint64_t seq);

#endif
