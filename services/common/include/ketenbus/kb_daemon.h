/*  kb_daemon - what every daemon's main() does: parse -c/--help/
    --example-config, load the config table, set up logging and the
    SIGTERM/SIGINT flag, run, clean up. A daemon supplies its key table and
    a run function; main.c stays a few lines. */
#ifndef KB_DAEMON_H_INCLUDED
#define KB_DAEMON_H_INCLUDED

#include <signal.h>
#include "ketenbus/kb_config.h"

/* Builds the daemon from config and serves until *stop becomes non-zero;
   returns the process exit code (non-zero when it refused to start). */
typedef int (kb_daemon_run_fn) (const kb_config_t *config, volatile sig_atomic_t *stop);

typedef struct {
    const char *name;              /* process name in logs and messages */
    const char *summary;           /* one line for --help */
    const kb_config_key_t *keys;   /* the daemon's configuration table */
    kb_daemon_run_fn *run;
} kb_daemon_t;

/* Exit codes: run's code, 0 for --help/--example-config, 2 for a usage or
   configuration error (the message names the bad argument or key). */
int kb_daemon_main (const kb_daemon_t *daemon, int argc, char *argv[]);

#endif
