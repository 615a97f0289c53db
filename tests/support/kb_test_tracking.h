/*  kb_test_tracking - a real client-tracking daemon for tests, in a
    database of its own: a kb_link sender of the test's own to put
    messages on client-tracking's link (as zorgtoewijzing and intake will),
    and two link receivers in the test process standing in for monitoring
    and for intake's mailbox link. Each receiver records every envelope it
    applies in <schema>.got (schemas "montest" and "mailtest"), a table
    without a unique constraint, so a message applied twice shows. The
    receivers run only while the test pumps them (kbt_tracking_pump,
    kbt_tracking_wait). */
#ifndef KB_TEST_TRACKING_H_INCLUDED
#define KB_TEST_TRACKING_H_INCLUDED

#include <sys/types.h>
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"

typedef struct _kbt_tracking_t kbt_tracking_t;

/* A fresh database db_name, endpoints in $KB_TEST_VAR/<db_name>. */
kbt_tracking_t *kbt_tracking_setup (const char *db_name);
const char *kbt_tracking_conninfo (kbt_tracking_t *self);
/* The daemon's link/listen endpoint (where intake's and zorgtoewijzing's
   link/tracking point). */
const char *kbt_tracking_listen (kbt_tracking_t *self);
/* Starts the daemon (extra "KEY=VALUE" env, NULL-terminated, may be NULL;
   a key the fixture sets too, e.g. KETENBUS_LINK_INTAKE for a real
   intake, replaces the fixture's value) and waits until it serves; fails
   the test otherwise. */
void kbt_tracking_start (kbt_tracking_t *self, const char *const extra_env[]);
void kbt_tracking_stop (kbt_tracking_t *self, int sig);
void kbt_tracking_teardown (kbt_tracking_t **self_p);

/* Puts env (body set; header filled here, sender_org "ketentest" unless
   the caller set one) on the test's outbox stream and wakes the sender;
   the message id is written to id_out. */
void kbt_tracking_inject (kbt_tracking_t *self, kb_envelope_t *env, const char *stream,
                          char id_out[37]);
/* Runs the two test receivers for ms milliseconds. */
void kbt_tracking_pump (kbt_tracking_t *self, int ms);
/* Pumps until sql returns want; fails the test after timeout_ms. */
void kbt_tracking_wait (kbt_tracking_t *self, const char *sql, long want, int timeout_ms);
/* Counts daemon log lines containing needle. */
int kbt_tracking_log_count (kbt_tracking_t *self, const char *needle);

#endif
