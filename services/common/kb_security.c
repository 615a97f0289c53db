/*  kb_security - CURVE sockets and the registry-backed ZAP handler. */
#include "ketenbus/kb_security.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_log.h"
#include "ketenbus/kb_partner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"

typedef struct {
    char *conninfo;
    char *schema;
    int refresh_ms;
    int max_age_ms;
} s_zap_args_t;

static void
s_zap_reply (zsock_t *handler, const char *request_id, const char *code, const char *text,
             const char *user_id)
{
    zstr_sendx (handler, "1.0", request_id, code, text, user_id, "", NULL);
}

/* An accepted connection: User-Id the organisation, and the key it
   authenticated with as the connection's metadata property X-Key (ZMTP
   property encoding: name length, name, 4-byte value length, value), so
   that every message can be checked against the registry's current key. */
static void
s_zap_accept (zsock_t *handler, const char *request_id, const char *org_id, const char *z85)
{
    static const char name[] = KB_ZAP_KEY_PROPERTY;
    uint8_t meta[1 + sizeof name - 1 + 4 + 40];
    size_t at = 0;
    meta[at++] = (uint8_t) (sizeof name - 1);
    memcpy (meta + at, name, sizeof name - 1);
    at += sizeof name - 1;
    meta[at++] = 0;
    meta[at++] = 0;
    meta[at++] = 0;
    meta[at++] = 40;
    memcpy (meta + at, z85, 40);
    at += 40;
    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, "1.0");
    zmsg_addstr (reply, request_id);
    zmsg_addstr (reply, "200");
    zmsg_addstr (reply, "OK");
    zmsg_addstr (reply, org_id);
    zmsg_addmem (reply, meta, at);
    if (zmsg_send (&reply, handler) != 0)
        zmsg_destroy (&reply);
}

/* Refusals per key: a refused client reconnects every few hundred ms and
   would write a line each time; the first refusal of a key is logged, then
   one line per minute with how many followed. */
typedef struct {
    int64_t logged_at;
    long since;
} s_refusal_t;

static bool
s_refusal_log_now (zhashx_t *refusals, const char *key, long *count)
{
    if (!refusals)
        return true;
    s_refusal_t *r = zhashx_lookup (refusals, key);
    int64_t now = zclock_mono ();
    if (!r) {
        if (zhashx_size (refusals) > 10000)
            zhashx_purge (refusals); /* keys made up by the thousand: start again */
        r = calloc (1, sizeof *r);
        if (!r)
            return true;
        r->logged_at = now;
        zhashx_insert (refusals, key, r);
        *count = 1;
        return true;
    }
    r->since++;
    if (now - r->logged_at < 60000)
        return false;
    *count = r->since;
    r->since = 0;
    r->logged_at = now;
    return true;
}

static void
s_refusal_free (void **item)
{
    free (*item);
    *item = NULL;
}

/* ZAP protocol (RFC 27): version, request id, domain, address, identity,
   mechanism, credentials... */
static void
s_zap_handle (zsock_t *handler, kb_partner_cache_t *cache, zhashx_t *refusals)
{
    zmsg_t *request = zmsg_recv (handler);
    if (!request)
        return;
    char *version = zmsg_popstr (request);
    char *request_id = zmsg_popstr (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    char *identity = zmsg_popstr (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *key = zmsg_pop (request);
    if (!version || strcmp (version, "1.0") != 0 || !request_id) {
        /* not a ZAP request we can answer: ZAP says drop it */
        goto done;
    }
    kb_partner_cache_refresh (cache, false);
    if (!domain || strcmp (domain, KB_ZAP_DOMAIN) != 0) {
        s_zap_reply (handler, request_id, "400", "wrong domain", "");
        kb_warning ("refused connection reason=\"wrong zap domain\" address=%s", address ? address : "");
    }
    else if (!mechanism || strcmp (mechanism, "CURVE") != 0 || !key
             || zframe_size (key) != 32) {
        s_zap_reply (handler, request_id, "400", "CURVE required", "");
        kb_warning ("refused connection reason=\"not CURVE\" mechanism=%s address=%s",
                    mechanism ? mechanism : "", address ? address : "");
    }
    else {
        char z85[41];
        zmq_z85_encode (z85, zframe_data (key), 32);
        const kb_partner_t *partner = kb_partner_by_key (cache, z85);
        if (partner) {
            s_zap_accept (handler, request_id, partner->org_id, z85);
            kb_info ("partner authenticated org=\"%s\" address=%s", partner->org_id,
                     address ? address : "");
        }
        else {
            s_zap_reply (handler, request_id, "400", "unknown or revoked key", "");
            long count = 0;
            if (s_refusal_log_now (refusals, z85, &count))
                kb_warning ("refused connection reason=\"unknown or revoked key\" key=%.8s..."
                            " address=%s count=%ld",
                            z85, address ? address : "", count);
        }
    }
done:
    zframe_destroy (&key);
    free (version);
    free (request_id);
    free (domain);
    free (address);
    free (identity);
    free (mechanism);
    zmsg_destroy (&request);
}

static void
s_zap_actor (zsock_t *pipe, void *argp)
{
    s_zap_args_t *args = argp;
    kb_db_t *db = NULL;
    kb_partner_cache_t *cache = NULL;
    zpoller_t *poller = NULL;
    zhashx_t *refusals = NULL;
    zsock_signal (pipe, 0);
    zsock_t *handler = zsock_new (ZMQ_REP);
    if (!handler || zsock_bind (handler, S_ZAP_ENDPOINT) != 0) {
        kb_error ("could not bind zap handler: %s", zmq_strerror (errno));
        zstr_send (pipe, "failed");
        goto done;
    }
    db = kb_db_connect (args->conninfo, args->schema, 10000);
    cache = db ? kb_partner_cache_new (db, args->refresh_ms, args->max_age_ms) : NULL;
    if (!cache || kb_partner_cache_refresh (cache, true) != 0) {
        kb_error ("could not load partner registry for zap handler");
        zstr_send (pipe, "failed");
        goto done;
    }
    kb_info ("zap handler ready partners=%zu", kb_partner_cache_size (cache));
    zstr_send (pipe, "ready");
    poller = zpoller_new (pipe, handler, NULL);
    refusals = zhashx_new ();
    if (refusals)
        zhashx_set_destructor (refusals, s_refusal_free);
    while (true) {
        void *which = zpoller_wait (poller, args->refresh_ms);
        if (which == pipe) {
            zmsg_t *msg = zmsg_recv (pipe);
            char *command = msg ? zmsg_popstr (msg) : NULL;
            bool term = !command || streq (command, "$TERM");
            free (command);
            zmsg_destroy (&msg);
            if (term)
                break;
        }
        else if (which == handler)
            s_zap_handle (handler, cache, refusals);
        else if (zpoller_terminated (poller))
            break;
        else
            kb_partner_cache_refresh (cache, false);
    }
done:
    zhashx_destroy (&refusals);
    zpoller_destroy (&poller);
    kb_partner_cache_destroy (&cache);
    kb_db_destroy (&db);
    zsock_destroy (&handler);
}

zactor_t *
kb_zap_new (const char *conninfo, const char *schema, int refresh_ms, int max_age_ms)
{
    /* the actor reads these while it runs; they live as long as the process */
    static s_zap_args_t args;
    free (args.conninfo);
    free (args.schema);
    args.conninfo = strdup (conninfo);
    args.schema = strdup (schema);
    args.refresh_ms = refresh_ms;
    args.max_age_ms = max_age_ms;
    zactor_t *actor = zactor_new (s_zap_actor, &args);
    if (!actor)
        return NULL;
    /* the actor reports whether it bound and loaded the registry */
    char *status = zstr_recv (actor);
    bool ready = status && streq (status, "ready");
    free (status);
    if (!ready)
        zactor_destroy (&actor);
    return actor;
}

void
kb_zap_destroy (zactor_t **self_p)
{
    zactor_destroy (self_p);
}

zcert_t *
kb_security_cert_load (const char *path, bool need_secret, char *err, size_t errlen)
{
    struct stat st;
    if (!path || stat (path, &st) != 0) {
        snprintf (err, errlen, "certificate file \"%s\" is missing", path ? path : "");
        return NULL;
    }
    if (need_secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
        snprintf (err, errlen,
                  "secret certificate \"%s\" is accessible by group or others (mode %03o); "
                  "run chmod 600",
                  path, (unsigned) (st.st_mode & 0777));
        return NULL;
    }
    zcert_t *cert = zcert_load (path);
    if (!cert) {
        snprintf (err, errlen, "could not parse certificate \"%s\"", path);
        return NULL;
    }
    if (need_secret && streq (zcert_secret_txt (cert), "0000000000000000000000000000000000000000")) {
        snprintf (err, errlen, "certificate \"%s\" holds no secret key (is it the .pub file?)", path);
        zcert_destroy (&cert);
        return NULL;
    }
    return cert;
}

int
kb_security_cert_save (zcert_t *cert, const char *path, char *err, size_t errlen)
{
    /* zcert_save writes path (secret) and path_secret; we want path + path.pub */
    char pub[1024];
    snprintf (pub, sizeof pub, "%s.pub", path);
    if (zcert_save_public (cert, pub) != 0 || zcert_save_secret (cert, path) != 0
        || chmod (path, 0600) != 0) {
        snprintf (err, errlen, "could not write certificate \"%s\": %s", path, strerror (errno));
        return -1;
    }
    return 0;
}

static void
s_common_opts (zsock_t *sock, const kb_socket_opts_t *opts)
{
    zsock_set_linger (sock, 0);
    if (opts) {
        if (opts->max_message_bytes)
            zsock_set_maxmsgsize (sock, (int) opts->max_message_bytes);
        if (opts->sndhwm)
            zsock_set_sndhwm (sock, opts->sndhwm);
        if (opts->rcvhwm)
            zsock_set_rcvhwm (sock, opts->rcvhwm);
        if (opts->heartbeat_ms) {
            zsock_set_heartbeat_ivl (sock, opts->heartbeat_ms);
            zsock_set_heartbeat_timeout (sock, opts->heartbeat_ms * 3);
            zsock_set_heartbeat_ttl (sock, opts->heartbeat_ms * 3);
        }
        if (opts->handshake_ms)
            zsock_set_handshake_ivl (sock, opts->handshake_ms);
    }
}

zsock_t *
kb_security_server_new (const char *endpoint, zcert_t *server_cert, const kb_socket_opts_t *opts,
                        char *err, size_t errlen)
{
    zsock_t *sock = zsock_new (ZMQ_ROUTER);
    if (!sock) {
        snprintf (err, errlen, "could not create socket");
        return NULL;
    }
    s_common_opts (sock, opts);
    /* an unroutable reply must fail loudly in tests, not vanish; and a
       partner that does not read must not block the loop for everyone:
       a full queue fails the send at once (the partner's retry or the
       mailbox brings the answer again) */
    zsock_set_router_mandatory (sock, 1);
    zsock_set_sndtimeo (sock, 0);
    zcert_apply (server_cert, sock);
    zsock_set_curve_server (sock, 1);
    zsock_set_zap_domain (sock, KB_ZAP_DOMAIN);
    int enforce = 1;
    if (zmq_setsockopt (zsock_resolve (sock), 93 /* ZMQ_ZAP_ENFORCE_DOMAIN */, &enforce,
                        sizeof enforce) != 0) {
        snprintf (err, errlen, "libzmq lacks ZMQ_ZAP_ENFORCE_DOMAIN: refusing to serve without it");
        zsock_destroy (&sock);
        return NULL;
    }
    if (zsock_bind (sock, "%s", endpoint) < 0) {
        snprintf (err, errlen, "could not bind \"%s\": %s", endpoint, zmq_strerror (errno));
        zsock_destroy (&sock);
        return NULL;
    }
    return sock;
}

zsock_t *
kb_security_client_new (const char *endpoint, zcert_t *client_cert, const char *server_public_z85,
                        const kb_socket_opts_t *opts)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    if (!sock)
        return NULL;
    s_common_opts (sock, opts);
    if (client_cert) {
        zcert_apply (client_cert, sock);
        zsock_set_curve_serverkey (sock, server_public_z85);
    }
    if (zsock_connect (sock, "%s", endpoint) != 0) {
        zsock_destroy (&sock);
        return NULL;
    }
    return sock;
}

const char *
kb_security_peer_org (zframe_t *frame)
{
    const char *user = frame ? zframe_meta (frame, "User-Id") : NULL;
    return (user && *user) ? user : NULL;
}

const char *
kb_security_peer_key (zframe_t *frame)
{
    const char *key = frame ? zframe_meta (frame, KB_ZAP_KEY_PROPERTY) : NULL;
    return (key && strlen (key) == 40) ? key : NULL;
}
