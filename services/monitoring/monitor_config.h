/*  monitor_config - the monitoring daemon's configuration keys. */
#ifndef MONITOR_CONFIG_H_INCLUDED
#define MONITOR_CONFIG_H_INCLUDED

#include "ketenbus/kb_config.h"
#include "monitor_report.h"

extern const kb_config_key_t monitor_config_keys[];

/* The report's configuration from a loaded config (tariffs borrowed from it). */
void monitor_config_report (const kb_config_t *config, monitor_report_config_t *out);

#endif
