/*  kb_test_intake - a real intake daemon for tests: a fresh database,
    server and partner certificates, the regional pseudonym key, registered
    partners, the daemon process, and valid signals to mutate. */
#ifndef KB_TEST_INTAKE_H_INCLUDED
#define KB_TEST_INTAKE_H_INCLUDED

#include <stdint.h>
#include <sys/types.h>
#include "ketenbus/kb_client.h"

#define KBT_PARTNERS 4
/* Partners registered by kbt_intake_setup */
#define KBT_CJG 0          /* cjg-helmond, CJG, gemeente 0794 */
#define KBT_VEILIG_THUIS 1 /* veiligthuis-peel, Veilig Thuis */
#define KBT_GEMEENTE 2     /* gemeente-helmond: may not send signals */
#define KBT_WIJKTEAM 3     /* wijkteam-deurne */

typedef struct {
    char *name;
    char *conninfo;
    char *dir;
    char *endpoint;
    char *server_cert;      /* secret */
    char *server_pub;       /* public cert path */
    char *pseudo_key;
    char *partner_cert[KBT_PARTNERS];
    const char *partner_org[KBT_PARTNERS];
    char *stranger_cert;    /* a valid certificate nobody registered */
    char *log;
    pid_t pid;
} kbt_intake_t;

kbt_intake_t *kbt_intake_setup (const char *name);
/* Starts intake (extra "KEY=VALUE" env, NULL-terminated, may be NULL) and
   waits until it serves; fails the test when it does not within 20 s. */
void kbt_intake_start (kbt_intake_t *self, const char *const extra_env[]);
/* Starts intake and returns its exit status when it refuses to start. */
int kbt_intake_start_expect_exit (kbt_intake_t *self, const char *const extra_env[], int timeout_ms);
void kbt_intake_stop (kbt_intake_t *self, int sig);
kb_client_t *kbt_intake_client (kbt_intake_t *self, int partner);
kb_client_t *kbt_intake_client_cert (kbt_intake_t *self, const char *cert);
void kbt_intake_teardown (kbt_intake_t **self_p);
/* Registers one more partner (type as ketenctl spells it, e.g.
   "maatschappelijke-opvang") before or after the start; returns the path
   of its secret certificate (caller frees). */
char *kbt_intake_register (kbt_intake_t *self, const char *org, const char *type_name,
                           const char *gemeente);
/* Counts log lines containing needle. */
int kbt_intake_log_count (kbt_intake_t *self, const char *needle);

/* The n-th valid BSN of a deterministic sequence (passes the elfproef). */
void kbt_make_bsn (uint32_t n, char out[10]);

/* A valid CaseSignal inside an envelope, all storage inside the struct so
   tests can mutate fields freely. */
typedef struct {
    Ketenbus__V1__Envelope env;
    Ketenbus__V1__CaseSignal signal;
    Ketenbus__V1__Person subject;
    Ketenbus__V1__Person member;
    Ketenbus__V1__Person *members[1];
    Ketenbus__V1__Category categories[2];
    char message_id[37];
    char bsn[10];
    char member_bsn[10];
    char case_ref[32];
    char signal_date[11];
} kbt_signal_t;

/* n selects the BSNs and case reference; a new random message id. */
void kbt_signal_init (kbt_signal_t *s, uint32_t n);

#endif
