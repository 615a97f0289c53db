/*  intake_config - one declarative table drives parsing, --help and
    deploy/config/intake.conf. */
#include "intake_config.h"

const kb_config_key_t intake_config_keys[] = {
    { "db/conninfo", KB_CFG_STRING, NULL, 0, 0, "libpq connection string of the ketenbus database" },
    { "db/schema", KB_CFG_STRING, "intake", 0, 0, "schema owned by intake" },
    { "db/migrations", KB_CFG_STRING, KB_MIGRATIONS_DIR, 0, 0, "directory with the numbered .sql migrations" },
    { "db/connect_timeout_ms", KB_CFG_INT, "30000", 0, 3600000, "how long to retry the first connection" },
    { "intake/endpoint", KB_CFG_STRING, "tcp://127.0.0.1:7400", 0, 0, "where partners connect (ZeroMQ endpoint)" },
    { "intake/max_message_bytes", KB_CFG_INT, "65536", 1024, 16777216, "largest accepted frame; larger frames drop the connection" },
    { "intake/batch", KB_CFG_INT, "1024", 1, 10000, "messages committed per transaction (group commit)" },
    { "intake/heartbeat_ms", KB_CFG_INT, "5000", 0, 600000, "ZMTP heartbeat interval to detect dead partners" },
    { "intake/server_cert", KB_CFG_STRING, NULL, 0, 0, "CURVE secret certificate of intake (mode 600)" },
    { "security/refresh_ms", KB_CFG_INT, "500", 50, 60000, "how often the partner registry is reloaded (revocation delay)" },
    { "security/max_age_ms", KB_CFG_INT, "30000", 1000, 3600000, "registry older than this (database down) refuses everyone; at least twice security/refresh_ms" },
    { "pseudonym/key_file", KB_CFG_STRING, NULL, 0, 0, "regional HMAC key for BSN pseudonyms (hex, 32+ bytes, mode 600)" },
    { "region/gemeenten", KB_CFG_STRING, NULL, 0, 0, "comma-separated CBS codes of the region's gemeenten" },
    { "link/zorgtoewijzing", KB_CFG_STRING, "ipc:///run/ketenbus/zorgtoewijzing.link", 0, 0, "link endpoint of zorgtoewijzing (ipc in a 0700 directory: the links rely on file permissions)" },
    { "link/tracking", KB_CFG_STRING, "ipc:///run/ketenbus/client-tracking.link", 0, 0, "link endpoint of client-tracking (its link/listen): trajectory updates, shelter episodes and assessments" },
    { "link/listen", KB_CFG_STRING, "ipc:///run/ketenbus/intake-mailbox.link", 0, 0, "link endpoint where daemons deliver messages for partner mailboxes" },
    { "mailbox/window", KB_CFG_INT, "64", 1, 10000, "mailbox messages pushed to a partner before its DeliveryAck" },
    { "mailbox/resend_ms", KB_CFG_INT, "30000", 100, 3600000, "unacknowledged mailbox messages are pushed again after this" },
    { "mailbox/keep_s", KB_CFG_INT, "604800", 60, 31536000, "acknowledged mailbox messages stay replayable this long" },
    { "link/retransmit_ms", KB_CFG_INT, "1000", 10, 600000, "first retransmit delay of an unacknowledged link message" },
    { "link/retransmit_max_ms", KB_CFG_INT, "30000", 10, 3600000, "retransmit back-off cap" },
    { "link/max_attempts", KB_CFG_INT, "10", 1, 1000, "deliveries refused by the receiver before dead-letter" },
    { "link/prune_after_s", KB_CFG_INT, "0", 0, 31536000, "acknowledged link rows are kept this long; 0 deletes a row when it is acknowledged (no message body kept longer than needed)" },
    { "metrics/listen", KB_CFG_STRING, "127.0.0.1:9471", 0, 0, "address:port of GET /metrics for Prometheus (the daemon's own health); empty: off" },
    { "log/level", KB_CFG_STRING, "info", 0, 0, "debug, info, warning or error" },
    KB_CONFIG_END
};
