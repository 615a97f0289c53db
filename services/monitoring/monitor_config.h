/*  monitor_config - the monitoring daemon's configuration keys. */
#ifndef MONITOR_CONFIG_H_INCLUDED
#define MONITOR_CONFIG_H_INCLUDED

#include "ketenbus/kb_config.h"

extern const kb_config_key_t monitor_config_keys[];

#endif
