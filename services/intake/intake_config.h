/*  intake_config - the intake daemon's configuration keys. */
#ifndef INTAKE_CONFIG_H_INCLUDED
#define INTAKE_CONFIG_H_INCLUDED

#include "ketenbus/kb_config.h"

/* Outbox streams that start with this go to client-tracking (link/tracking),
   every other stream to zorgtoewijzing (link/zorgtoewijzing). */
#define INTAKE_TRACKING_STREAM_PREFIX "tracking:"

extern const kb_config_key_t intake_config_keys[];

#endif
