/*  kb_test_zorg - a real zorgtoewijzing daemon for tests, next to the
    intake fixture: same database, link endpoint = the one the intake
    fixture gives intake, the default rules; extra partners registered in
    intake's registry (CURVE certificates) and in zorgtoewijzing's partner
    directory; a kb_link sender of the test's own to inject messages on
    zorgtoewijzing's link (transfer requests/responses, toewijzingen). */
#ifndef KB_TEST_ZORG_H_INCLUDED
#define KB_TEST_ZORG_H_INCLUDED

#include <sys/types.h>
#include "kb_test_intake.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"

typedef struct {
    kbt_intake_t *intake;     /* borrowed */
    char *conninfo;
    char *listen;             /* ipc://<intake dir>/zorg.sock */
    char *log;
    pid_t pid;
    kb_db_t *inject_db;       /* schema "zorgtest": the test's own outbox */
    kb_link_sender_t *sender; /* identity "ketentest" */
} kbt_zorg_t;

kbt_zorg_t *kbt_zorg_setup (kbt_intake_t *intake);
/* Starts the daemon (extra "KEY=VALUE" env, NULL-terminated, may be NULL)
   and waits until it serves; fails the test otherwise. */
void kbt_zorg_start (kbt_zorg_t *self, const char *const extra_env[]);
void kbt_zorg_stop (kbt_zorg_t *self, int sig);
void kbt_zorg_teardown (kbt_zorg_t **self_p);

/* Registers org in intake's registry (returns the partner's secret
   certificate path, caller frees) ... */
char *kbt_zorg_register_intake (kbt_zorg_t *self, const char *org, const char *type_name,
                                const char *gebied, const char *gemeente);
/* ... and in zorgtoewijzing's partner directory (daemon started first). */
void kbt_zorg_directory (kbt_zorg_t *self, const char *org, const char *type_name,
                         const char *gebied, const char *gemeente);

/* Puts env (body set; header filled here) on the test's outbox stream and
   wakes the sender; returns the message id (static per call is not used:
   written to id_out). */
void kbt_zorg_inject (kbt_zorg_t *self, kb_envelope_t *env, const char *stream,
                      char id_out[37]);
/* Waits until zorgtoewijzing's inbox holds at least n messages (or dead
   letters); fails the test after timeout_ms. */
void kbt_zorg_wait_inbox (kbt_zorg_t *self, long n, int timeout_ms);
/* Counts daemon log lines containing needle. */
int kbt_zorg_log_count (kbt_zorg_t *self, const char *needle);

#endif
