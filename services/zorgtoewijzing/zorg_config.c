/*  zorg_config - one declarative table drives parsing, --help and
    deploy/config/zorgtoewijzing.conf. */
#include "zorg_config.h"

const kb_config_key_t zorg_config_keys[] = {
    { "db/conninfo", KB_CFG_STRING, NULL, 0, 0, "libpq connection string of the ketenbus database" },
    { "db/schema", KB_CFG_STRING, "zorgtoewijzing", 0, 0, "schema owned by zorgtoewijzing" },
    { "db/migrations", KB_CFG_STRING, KB_MIGRATIONS_DIR, 0, 0, "directory with the numbered .sql migrations" },
    { "db/connect_timeout_ms", KB_CFG_INT, "30000", 0, 3600000, "how long to retry the first connection" },
    { "link/listen", KB_CFG_STRING, "ipc:///run/ketenbus/zorgtoewijzing.link", 0, 0, "link endpoint where intake's link sender connects (ipc in a 0700 directory)" },
    { "link/intake", KB_CFG_STRING, "ipc:///run/ketenbus/intake-mailbox.link", 0, 0, "intake's link receiver for the partner mailboxes" },
    { "link/tracking", KB_CFG_STRING, "ipc:///run/ketenbus/client-tracking.link", 0, 0, "client-tracking's link endpoint (its link/listen): plans and POTs open trajectories there, MonitoringEvents go there for monitoring; empty: not sent" },
    { "link/batch", KB_CFG_INT, "200", 1, 10000, "link messages applied per transaction (group commit)" },
    { "link/retransmit_ms", KB_CFG_INT, "1000", 10, 600000, "first retransmit delay of an unacknowledged link message" },
    { "link/retransmit_max_ms", KB_CFG_INT, "30000", 10, 3600000, "retransmit back-off cap" },
    { "link/max_attempts", KB_CFG_INT, "10", 1, 1000, "failed applies of one message before it is dead-lettered" },
    { "link/prune_after_s", KB_CFG_INT, "0", 0, 31536000, "acknowledged link rows are kept this long; 0 deletes a row when it is acknowledged (no message body kept longer than needed)" },
    { "rules/file", KB_CFG_STRING, ZORG_RULES_FILE_DEFAULT, 0, 0, "ordered regisseur rules (see regie-rules.conf)" },
    { "transfer/deadline_s", KB_CFG_INT, "172800", 1, 31536000, "a regie transfer not accepted within this time escalates" },
    { "transfer/check_ms", KB_CFG_INT, "1000", 10, 3600000, "how often overdue transfers are looked for" },
    { "share/justification_min_chars", KB_CFG_INT, "50", 1, 2000, "shortest written justification (UTF-8 characters) that lets a legal ground override missing consent" },
    { "metrics/listen", KB_CFG_STRING, "127.0.0.1:9472", 0, 0, "address:port of GET /metrics for Prometheus (the daemon's own health); empty: off" },
    { "log/level", KB_CFG_STRING, "info", 0, 0, "debug, info, warning or error" },
    KB_CONFIG_END
};
