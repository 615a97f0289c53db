/*  kb_link_private - shared between kb_link.c, kb_outbox.c and kb_inbox.c;
    not part of the public API. */
#ifndef KB_LINK_PRIVATE_H_INCLUDED
#define KB_LINK_PRIVATE_H_INCLUDED

#include <czmq.h>

/* Linger, high-water marks, non-blocking send, reconnect interval and
   ZMTP heartbeats: every link socket is configured here and only here. */
void kb_link_socket_setup (zsock_t *sock, int heartbeat_ms, int hwm);

#endif
