/*  link_peer - a link receiver for the fault tests.

    link_peer <conninfo> <schema> <endpoint> [max_attempts] [batch]

    Migrates the link tables into <schema>, binds a receiver on <endpoint>
    and applies every message by inserting it into <schema>.applied, a
    table WITHOUT a unique constraint, so a message applied twice shows.
    Payloads are "<seq>:<anything>"; payloads starting with "POISON" fail
    for good. Runs until SIGTERM/SIGINT (or kill -9 by the test). */
#include "ketenbus/kb_db.h"
#include "ketenbus/kb_link.h"
#include "ketenbus/kb_log.h"

#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_apply (kb_db_t *db,
         const char *sender,
         const char *stream,
         const char *message_id,
         const void *payload,
         size_t len,
         void *arg,
         char *reason_buf,
         size_t reason_len)
{
    (void)sender;
    (void)arg;
    const char *p = (const char *)payload;
    if (len >= 6 && memcmp (p, "POISON", 6) == 0) {
        snprintf (reason_buf, reason_len, "payload rejected by test peer");
        return KB_LINK_POISON;
    }
    char seq[24];
    size_t n = 0;
    while (n < len && n < sizeof seq - 1 && p[n] >= '0' && p[n] <= '9') {
        seq[n] = p[n];
        n++;
    }
    seq[n] = '\0';
    if (n == 0) {
        snprintf (reason_buf, reason_len, "payload has no sequence number");
        return KB_LINK_POISON;
    }
    const char *values[3] = { message_id, stream, seq };
    kb_db_rc_t rc = kb_db_run_cmd (db, "peer_apply", 3, values, NULL, NULL);
    if (rc == KB_DB_OK)
        return 0;
    if (rc == KB_DB_RETRY)
        return KB_LINK_RETRY;
    snprintf (reason_buf, reason_len, "insert failed sqlstate=%s", kb_db_last_sqlstate (db));
    return KB_LINK_POISON;
}

int
main (int argc, char *argv[])
{
    if (argc < 4) {
        fprintf (stderr, "usage: link_peer conninfo schema endpoint [max_attempts] [batch]\n");
        return 2;
    }
    kb_log_init ("link_peer", KB_LOG_INFO);
    int rc = 1;
    kb_link_receiver_t *receiver = NULL;
    zpoller_t *poller = NULL;
    kb_db_t *db = kb_db_connect (argv[1], argv[2], 30000);
    if (!db || kb_db_migrate (db, KB_MIGRATIONS_DIR, "link") != 0)
        goto done;
    if (kb_db_exec (db,
                    "CREATE TABLE IF NOT EXISTS applied (id bigserial, message_id text,"
                    " stream text, seq bigint)") != KB_DB_OK ||
        kb_db_prepare (
          db, "peer_apply", "INSERT INTO applied (message_id, stream, seq) VALUES ($1, $2, $3)", 3))
        goto done;
    kb_link_receiver_config_t cfg = { 0 };
    cfg.max_attempts = argc > 4 ? atoi (argv[4]) : 3;
    cfg.batch = argc > 5 ? atoi (argv[5]) : 200;
    cfg.heartbeat_ms = 500;
    receiver = kb_link_receiver_new (db, argv[3], s_apply, NULL, &cfg);
    if (!receiver)
        goto done;
    poller = zpoller_new (kb_link_receiver_socket (receiver), NULL);
    while (!zsys_interrupted) {
        if (zpoller_wait (poller, 200))
            kb_link_receiver_handle (receiver);
        else if (zpoller_terminated (poller))
            break;
    }
    kb_link_receiver_stats_t st;
    kb_link_receiver_stats (receiver, &st);
    kb_info ("link peer stopped applied=%" PRIu64 " duplicates=%" PRIu64 " gaps=%" PRIu64
             " dead=%" PRIu64 " rollbacks=%" PRIu64,
             st.applied,
             st.duplicates,
             st.gaps,
             st.dead,
             st.rollbacks);
    rc = 0;
done:
    zpoller_destroy (&poller);
    kb_link_receiver_destroy (&receiver);
    kb_db_destroy (&db);
    return rc;
}
