/*  monitor_store - the monitoring schema: prepared statements under a
    "mon_" name and the apply of one link message (a MonitoringEvent) in
    the link receiver's transaction. */
#ifndef MONITOR_STORE_H_INCLUDED
#define MONITOR_STORE_H_INCLUDED

#include "ketenbus/kb_db.h"
#include <stddef.h>

#define MONITOR_MAX_MESSAGE_BYTES (1024 * 1024)
#define MONITOR_REF_MAX 128

int monitor_store_prepare (kb_db_t *db);

/* kb_link_apply_fn: decodes payload, checks it is a MonitoringEvent
   without free text, inserts one monitoring_event row. Returns 0,
   KB_LINK_POISON (reason written) or KB_LINK_RETRY. */
int monitor_store_apply (kb_db_t *db,
                         const char *sender,
                         const char *stream,
                         const char *message_id,
                         const void *payload,
                         size_t len,
                         void *arg,
                         char *reason_buf,
                         size_t reason_len);

#endif
