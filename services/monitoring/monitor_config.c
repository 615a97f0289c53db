/*  monitor_config - one declarative table drives parsing, --help and
    deploy/config/monitoring.conf. */
#include "monitor_config.h"

#include <string.h>

void
monitor_config_report (const kb_config_t *config, monitor_report_config_t *out)
{
    memset (out, 0, sizeof *out);
    out->suppress_threshold = (int)kb_config_int (config, "suppress/threshold");
    out->suppress_rounding = (int)kb_config_int (config, "suppress/rounding");
    out->target_pot_stable_pct = (int)kb_config_int (config, "targets/pot_stable_pct");
    out->target_shelter_housing_pct = (int)kb_config_int (config, "targets/shelter_housing_pct");
    out->target_zwerf_through_days = (int)kb_config_int (config, "targets/zwerfjongeren_days");
    out->target_zwerf_home_pct = (int)kb_config_int (config, "targets/zwerfjongeren_home_pct");
    out->target_zwerf_independent_pct =
      (int)kb_config_int (config, "targets/zwerfjongeren_independent_pct");
    out->match_followup_days = (int)kb_config_int (config, "targets/match_followup_days");
    out->stable_threshold = (int)kb_config_int (config, "stable/threshold");
    const char *tariffs = kb_config_str (config, "tariffs/file");
    out->tariffs = tariffs && *tariffs ? tariffs : NULL;
}

const kb_config_key_t monitor_config_keys[] = {
    { "db/conninfo", KB_CFG_STRING, NULL, 0, 0, "libpq connection string of the ketenbus database" },
    { "db/schema", KB_CFG_STRING, "monitoring", 0, 0, "schema owned by monitoring" },
    { "db/migrations", KB_CFG_STRING, KB_MIGRATIONS_DIR, 0, 0, "directory with the numbered .sql migrations" },
    { "db/connect_timeout_ms", KB_CFG_INT, "30000", 0, 3600000, "how long to retry the first connection" },
    { "link/listen", KB_CFG_STRING, "ipc:///run/ketenbus/monitoring.link", 0, 0, "link endpoint where client-tracking's link sender (link/monitoring) connects (ipc in a 0700 directory)" },
    { "link/batch", KB_CFG_INT, "200", 1, 10000, "link messages applied per transaction (group commit)" },
    { "link/max_attempts", KB_CFG_INT, "10", 1, 1000, "failed applies of one message before it is dead-lettered" },
    { "suppress/threshold", KB_CFG_INT, "10", 1, 1000, "published counts below this (and above 0) are suppressed" },
    { "suppress/rounding", KB_CFG_INT, "5", 3, 1000, "published counts are rounded to a multiple of this (at least 3: the same count in two tables, e.g. a month and its quarter, must not give a suppressed cell away by subtraction)" },
    { "targets/pot_stable_pct", KB_CFG_INT, "80", 0, 100, "target: % of POT persons whose latest assessment scores housing, income and social network at least stable/threshold" },
    { "targets/shelter_housing_pct", KB_CFG_INT, "20", 0, 100, "target: % of shelter uitstroom to zelfstandig wonen" },
    { "targets/zwerfjongeren_days", KB_CFG_INT, "90", 1, 3650, "target: zwerfjongeren trajectories end within this many days of aangemeld (all of them)" },
    { "targets/zwerfjongeren_home_pct", KB_CFG_INT, "70", 0, 100, "target: % of zwerfjongeren leaving shelter back home" },
    { "targets/zwerfjongeren_independent_pct", KB_CFG_INT, "30", 0, 100, "target: % of zwerfjongeren leaving shelter to (begeleid) zelfstandig wonen" },
    { "targets/match_followup_days", KB_CFG_INT, "30", 0, 3650, "a match counts as followed up when the gezin has a regisseur within this many days of it" },
    { "stable/threshold", KB_CFG_INT, "4", 1, 5, "zelfredzaamheid score (1..5) from which a domain counts as stable" },
    { "tariffs/file", KB_CFG_STRING, MONITOR_TARIFFS_FILE_DEFAULT, 0, 0, "product tariffs for the 3D cost figures (see tariffs.conf); empty: budgets only" },
    { "http/listen", KB_CFG_STRING, "127.0.0.1:8480", 0, 0, "address:port of the dashboard (HTML, CSV/JSON export, logins); empty: off. Put a TLS proxy in front for anything but localhost" },
    { "http/session_ttl_s", KB_CFG_INT, "28800", 60, 604800, "how long a dashboard login (session cookie) lasts" },
    { "http/cache_s", KB_CFG_INT, "60", 0, 3600, "a computed dashboard page (with its exports) is reused for this many seconds; the page shows when it was computed (0: always recompute)" },
    { "http/threads", KB_CFG_INT, "4", 1, 16, "dashboard requests served at once, each with a database connection of its own (a slow page does not hold up the others)" },
    { "http/refused_audit_per_minute", KB_CFG_INT, "60", 1, 100000, "refused dashboard requests without a valid login audited one by one per minute; beyond that they are counted and the count is audited once (the audit log is append-only)" },
    { "http/cookie_secure", KB_CFG_BOOL, "false", 0, 0, "mark the session cookie Secure (set when the dashboard is served over HTTPS)" },
    { "metrics/listen", KB_CFG_STRING, "127.0.0.1:9474", 0, 0, "address:port of GET /metrics for Prometheus (the daemon's own health); empty: off" },
    { "log/level", KB_CFG_STRING, "info", 0, 0, "debug, info, warning or error" },
    KB_CONFIG_END
};
