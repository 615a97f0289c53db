/*  kb_test_monitoring - a real monitoring daemon for tests, in a database
    the test already made (it owns the "monitoring" schema there), with its
    link on an ipc endpoint under $KB_TEST_VAR/<name>, dashboard and
    /metrics off unless the test's extra environment turns them on. */
#ifndef KB_TEST_MONITORING_H_INCLUDED
#define KB_TEST_MONITORING_H_INCLUDED

#include "ketenbus/kb_codec.h"

#include <sys/types.h>

typedef struct _kbt_monitoring_t kbt_monitoring_t;

/* Nothing runs yet; name names the endpoint directory and the log. */
kbt_monitoring_t *kbt_monitoring_new (const char *conninfo, const char *name);
/* The link/listen endpoint (where client-tracking's link/monitoring points). */
const char *kbt_monitoring_listen (kbt_monitoring_t *self);
/* Starts the daemon (extra "KEY=VALUE" env, NULL-terminated, may be
   NULL) and waits until it serves; fails the test otherwise. */
void kbt_monitoring_start (kbt_monitoring_t *self, const char *const extra_env[]);
/* Sends sig: SIGSTOP/SIGCONT leave it, others reap it. */
void kbt_monitoring_signal (kbt_monitoring_t *self, int sig);
/* Log lines of the daemon containing needle. */
int kbt_monitoring_log_count (kbt_monitoring_t *self, const char *needle);
/* Stops a running daemon with SIGTERM and frees. */
void kbt_monitoring_destroy (kbt_monitoring_t **self_p);

/* A kb_link sender of the test standing in for client-tracking: its own
   outbox in schema (migrated here), connected to endpoint as identity. */
typedef struct _kbt_event_sender_t kbt_event_sender_t;

kbt_event_sender_t *kbt_event_sender_new (const char *conninfo,
                                          const char *schema,
                                          const char *endpoint,
                                          const char *identity);
/* Puts env (body set; header filled here, sender_org "client-tracking")
   on stream "monitoring:test" under message id id (a fresh one when id
   is empty, written back) and wakes the sender. */
void kbt_event_sender_put (kbt_event_sender_t *self, kb_envelope_t *env, char id[37]);
/* The same for a MonitoringEvent body. */
void kbt_event_sender_put_event (kbt_event_sender_t *self,
                                 Ketenbus__V1__MonitoringEvent *ev,
                                 char id[37]);
/* Waits until every message of the outbox is acknowledged or dead. */
void kbt_event_sender_wait_acked (kbt_event_sender_t *self);
void kbt_event_sender_destroy (kbt_event_sender_t **self_p);

#endif
