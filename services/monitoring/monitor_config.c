/*  monitor_config - one declarative table drives parsing, --help and
    deploy/config/monitoring.conf. */
#include "monitor_config.h"

const kb_config_key_t monitor_config_keys[] = {
    { "db/conninfo", KB_CFG_STRING, NULL, 0, 0, "libpq connection string of the ketenbus database" },
    { "db/schema", KB_CFG_STRING, "monitoring", 0, 0, "schema owned by monitoring" },
    { "db/migrations", KB_CFG_STRING, KB_MIGRATIONS_DIR, 0, 0, "directory with the numbered .sql migrations" },
    { "db/connect_timeout_ms", KB_CFG_INT, "30000", 0, 3600000, "how long to retry the first connection" },
    { "link/listen", KB_CFG_STRING, "ipc:///run/ketenbus/monitoring.link", 0, 0, "link endpoint where client-tracking's link sender (link/monitoring) connects (ipc in a 0700 directory)" },
    { "link/batch", KB_CFG_INT, "200", 1, 10000, "link messages applied per transaction (group commit)" },
    { "link/max_attempts", KB_CFG_INT, "10", 1, 1000, "failed applies of one message before it is dead-lettered" },
    { "suppress/threshold", KB_CFG_INT, "10", 1, 1000, "published counts below this (and above 0) are suppressed" },
    { "suppress/rounding", KB_CFG_INT, "5", 1, 1000, "published counts are rounded to a multiple of this (1: not rounded)" },
    { "log/level", KB_CFG_STRING, "info", 0, 0, "debug, info, warning or error" },
    KB_CONFIG_END
};
