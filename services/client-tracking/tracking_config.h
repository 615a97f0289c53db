/*  tracking_config - the client-tracking daemon's configuration keys. */
#ifndef TRACKING_CONFIG_H_INCLUDED
#define TRACKING_CONFIG_H_INCLUDED

#include "ketenbus/kb_config.h"

extern const kb_config_key_t tracking_config_keys[];

#endif
