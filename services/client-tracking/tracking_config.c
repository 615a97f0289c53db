/*  tracking_config - one declarative table drives parsing, --help and
    deploy/config/client-tracking.conf. */
#include "tracking_config.h"

const kb_config_key_t tracking_config_keys[] = {
    { "db/conninfo", KB_CFG_STRING, NULL, 0, 0, "libpq connection string of the ketenbus database" },
    { "db/schema", KB_CFG_STRING, "client_tracking", 0, 0, "schema owned by client-tracking" },
    { "db/migrations", KB_CFG_STRING, KB_MIGRATIONS_DIR, 0, 0, "directory with the numbered .sql migrations" },
    { "db/connect_timeout_ms", KB_CFG_INT, "30000", 0, 3600000, "how long to retry the first connection" },
    { "link/listen", KB_CFG_STRING, "ipc:///run/ketenbus/client-tracking.link", 0, 0, "link endpoint where zorgtoewijzing's and intake's link senders connect (ipc in a 0700 directory)" },
    { "link/monitoring", KB_CFG_STRING, "ipc:///run/ketenbus/monitoring.link", 0, 0, "monitoring's link receiver for the MonitoringEvents" },
    { "link/intake", KB_CFG_STRING, "ipc:///run/ketenbus/intake-mailbox.link", 0, 0, "intake's link receiver for the partner mailboxes (stale-case reminders to the regisseur)" },
    { "link/batch", KB_CFG_INT, "200", 1, 10000, "link messages applied per transaction (group commit)" },
    { "link/retransmit_ms", KB_CFG_INT, "1000", 10, 600000, "first retransmit delay of an unacknowledged link message" },
    { "link/retransmit_max_ms", KB_CFG_INT, "30000", 10, 3600000, "retransmit back-off cap" },
    { "link/max_attempts", KB_CFG_INT, "10", 1, 1000, "failed applies of one message before it is dead-lettered" },
    { "link/prune_after_s", KB_CFG_INT, "0", 0, 31536000, "acknowledged link rows are kept this long; 0 deletes a row when it is acknowledged (no message body kept longer than needed)" },
    { "trajectory/regie_source", KB_CFG_STRING, "zorgtoewijzing", 0, 0, "the only sender (envelope sender_org) whose updates may name another regisseur than the stored one and whose MonitoringEvents are relayed to monitoring" },
    { "stale/no_plan_s", KB_CFG_INT, "1209600", 1, 315360000, "a trajectory with a regisseur still aangemeld after this long (14 days) is stale" },
    { "stale/no_update_s", KB_CFG_INT, "2592000", 1, 315360000, "a trajectory with a plan and no update for this long (30 days) is stale" },
    { "stale/check_ms", KB_CFG_INT, "60000", 10, 86400000, "how often stale trajectories are looked for" },
    { "stable/threshold", KB_CFG_INT, "4", 1, 5, "score from which a domain counts as stable (zelfredzaamheid 1..5)" },
    { "stable/domains", KB_CFG_STRING, "housing,income,social_network", 0, 0, "life domains that must all reach the threshold for a stable position" },
    { "metrics/listen", KB_CFG_STRING, "127.0.0.1:9473", 0, 0, "address:port of GET /metrics for Prometheus (the daemon's own health); empty: off" },
    { "log/level", KB_CFG_STRING, "info", 0, 0, "debug, info, warning or error" },
    KB_CONFIG_END
};
