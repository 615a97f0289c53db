#!/usr/bin/env bash
# browser_dashboard.sh - the dashboard in a real browser: headless Chromium
# driven through chromedriver's WebDriver HTTP API with curl. PostgreSQL (the
# run's cluster) + the real monitoring daemon with a few events; accounts
# made with ketenctl; log in through the form, the page shows the figures of
# the CSV export and SVG charts; a screenshot is saved under the build tree;
# a gemeente account's page and CSV hold no other gemeente's figures.
# Exit 77 (skipped) only when chromium or chromedriver is missing.
set -euo pipefail
command -v chromium >/dev/null && command -v chromedriver >/dev/null || {
  echo "browser_dashboard: chromium/chromedriver missing (deploy/dev/install-deps.sh installs them); skipped"
  exit 77
}
: "${KB_TEST_PGDIR:?} ${KB_TEST_VAR:?} ${KB_BIN_DIR:?}"
work="$KB_TEST_VAR/browser_dashboard"
rm -rf "$work" && mkdir -p "$work" "$KB_TEST_VAR/artefacts"
chmod 700 "$work"   # the link socket lives here (kb_link_endpoint_safe)
admin="host=$KB_TEST_PGDIR user=postgres dbname=postgres"
psql -qX "$admin" -c "DROP DATABASE IF EXISTS browser_dashboard" -c "CREATE DATABASE browser_dashboard" >/dev/null
db="host=$KB_TEST_PGDIR user=postgres dbname=browser_dashboard"
free_port() { local p; while :; do p=$((20000 + RANDOM % 20000)); (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }; done; }
http=$(free_port); drv=$(free_port)
pids=()
session=""
cleanup() {
  [ -n "$session" ] && curl -s -X DELETE "http://127.0.0.1:$drv/session/$session" >/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
fail() { echo "browser_dashboard: FAILED: $*" >&2; exit 1; }

KETENBUS_DB_CONNINFO="$db" KETENBUS_LINK_LISTEN="ipc://$work/monitoring.sock" \
KETENBUS_HTTP_LISTEN="127.0.0.1:$http" KETENBUS_METRICS_LISTEN= \
  "$KB_BIN_DIR/monitoring" >"$work/monitoring.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "dashboard serving" "$work/monitoring.log" && break; sleep 0.1; done
grep -q "dashboard serving" "$work/monitoring.log" || fail "monitoring did not start: $work/monitoring.log"

# events of two gemeenten, as client-tracking's link would have stored them
# (the derive trigger keeps the figures' tables): 90 trajectories aangemeld
# in the last 200 days, 60 in 0794 and 30 in 0762, and 30 shelter
# instroom in 0794
psql -qX "$db" -c "SET search_path = monitoring" -c "INSERT INTO monitoring.monitoring_event (message_id, sender, event_type,
  occurred_at, trajectory_id, trajectory_type, trajectory_state, event_date, start_date,
  gemeente_code, gebied, org, org_type)
  SELECT 'bt-t' || i, 'client-tracking', 7, now(), 'trj-' || i, 1 + i % 2, 1,
  current_date - i * 2, current_date - i * 2, CASE WHEN i % 3 = 0 THEN '0762' ELSE '0794' END,
  'Noord', 'cjg-helmond', 1 FROM generate_series(1, 90) i" >/dev/null
psql -qX "$db" -c "SET search_path = monitoring" -c "INSERT INTO monitoring.monitoring_event (message_id, sender, event_type,
  occurred_at, item_ref, person_pseudonym, shelter_type, event_date, start_date,
  gemeente_code, org)
  SELECT 'bt-s' || i, 'client-tracking', 8, now(), 'ep-' || i, lpad(i::text, 64, '0'), 1,
  current_date - i * 3, current_date - i * 3, '0794', 'opvang-peel'
  FROM generate_series(1, 30) i" >/dev/null
# the published totals (threshold 10, rounding 5) as the pages must show them
total_row() { echo "<th scope=\"row\">Totaal</th><td class=\"num\">$1</td>"; }

ketenctl() { "$KB_BIN_DIR/ketenctl" --db "$db" "$@"; }
keten=$(ketenctl dashboard user add --name coordinator --role ketencoordinator 2>/dev/null)
gem=$(ketenctl dashboard user add --name helmond --role gemeente --gemeente 0794 2>/dev/null)
[[ $keten == kbd_* && $gem == kbd_* ]] || fail "ketenctl dashboard user add printed no token"
ketenctl dashboard user list | grep -q "helmond.*gemeente.*0794.*active" || fail "user list"

chromedriver --port="$drv" >"$work/chromedriver.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$drv/status" >/dev/null && break; sleep 0.1; done

wd() { # METHOD PATH [JSON]
  if [ $# -ge 3 ]; then curl -sf -X "$1" -H 'Content-Type: application/json' -d "$3" "http://127.0.0.1:$drv$2"
  else curl -sf -X "$1" "http://127.0.0.1:$drv$2"; fi
}
value_of() { sed -n 's/.*"'"$1"'" *: *"\([^"]*\)".*/\1/p'; }
# the page source from WebDriver's JSON string
source_of() { wd GET "/session/$session/source" | sed -e 's/\\u003C/</g' -e 's/\\u003E/>/g' -e 's/\\u0026/\&/g' -e 's/\\"/"/g' -e 's/\\n/\n/g'; }
login() { # TOKEN
  wd POST "/session/$session/url" "{\"url\": \"http://127.0.0.1:$http/login\"}" >/dev/null
  local el
  el=$(wd POST "/session/$session/element" '{"using": "css selector", "value": "#token"}' | value_of 'element-6066-11e4-a52e-4f735466cecf')
  [ -n "$el" ] || fail "no token field on /login"
  wd POST "/session/$session/element/$el/value" "{\"text\": \"$1\"}" >/dev/null
  el=$(wd POST "/session/$session/element" '{"using": "css selector", "value": "#login"}' | value_of 'element-6066-11e4-a52e-4f735466cecf')
  wd POST "/session/$session/element/$el/click" '{}' >/dev/null
}

# Splits one CSV line (RFC 4180: fields with a comma or quote are quoted,
# a quote inside doubled) into the array fields.
csv_fields() {
  local line=$1 f='' q=0 i c
  fields=()
  for ((i = 0; i < ${#line}; i++)); do
    c=${line:i:1}
    if ((q)); then
      if [ "$c" = '"' ]; then
        if [ "${line:i+1:1}" = '"' ]; then f+='"'; i=$((i + 1)); else q=0; fi
      else f+=$c; fi
    elif [ "$c" = '"' ]; then q=1
    elif [ "$c" = , ]; then fields+=("$f"); f=''
    else f+=$c; fi
  done
  fields+=("$f")
}

caps='{"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1100,1600"]}}}}'
session=$(wd POST /session "$caps" | value_of sessionId)
[ -n "$session" ] || fail "chromedriver gave no session: $work/chromedriver.log"

# the ketencoordinator: the figures of the export are on the page, with charts
login "$keten"
wd POST "/session/$session/url" "{\"url\": \"http://127.0.0.1:$http/\"}" >/dev/null
src=$(source_of)
grep -q '<svg' <<<"$src" || fail "no <svg> chart on the page"
grep -q '<table' <<<"$src" || fail "no table on the page"
grep -q 'coordinator (ketencoordinator)' <<<"$src" || fail "not logged in"
grep -qF "$(total_row 90)" <<<"$src" || fail "the region page does not show 90 trajectories started"

tables=$(curl -sf -H "Authorization: Bearer $keten" "http://127.0.0.1:$http/export/keten.json" |
         grep -o '{"id": "[a-z0-9_]*"' | sed 's/.*"\([a-z0-9_]*\)"$/\1/')
[ -n "$tables" ] || fail "no tables in the JSON export"
for t in $tables; do
  csv=$(curl -sf -H "Authorization: Bearer $keten" "http://127.0.0.1:$http/export/keten/$t.csv")
  # every figure of the CSV (cells after the row label) is a cell on the page
  while IFS= read -r line; do
    csv_fields "${line%$'\r'}"
    label=${fields[0]}
    for v in "${fields[@]:1}"; do
      [ -z "$v" ] && continue
      grep -qF ">$v</td>" <<<"$src" || fail "figure \"$v\" of table $t ($label) not on the page"
    done
  done < <(tail -n +2 <<<"$csv")
done
shot="$KB_TEST_VAR/artefacts/dashboard.png"
wd GET "/session/$session/screenshot" | value_of value | base64 -d >"$shot"
[ "$(head -c 4 "$shot" | tail -c 3)" = PNG ] || fail "screenshot is not a PNG"
echo "browser_dashboard: screenshot $shot"

# a gemeente account: its own gemeente only, on the page and in the CSV
wd DELETE "/session/$session/cookie" >/dev/null
login "$gem"
wd POST "/session/$session/url" "{\"url\": \"http://127.0.0.1:$http/\"}" >/dev/null
src=$(source_of)
grep -q 'helmond (gemeente, gemeente 0794)' <<<"$src" || fail "gemeente account not logged in"
grep -q '<svg' <<<"$src" || fail "no chart on the gemeente page"
grep -q '0762' <<<"$src" && fail "the gemeente page shows gemeente 0762"
grep -qF "$(total_row 60)" <<<"$src" || fail "the gemeente page does not show its 60 trajectories"
grep -qF "$(total_row 90)" <<<"$src" && fail "the gemeente page shows the region's total"
for t in $tables; do
  code=$(curl -s -o "$work/$t.csv" -w '%{http_code}' -H "Authorization: Bearer $gem" "http://127.0.0.1:$http/export/keten/$t.csv")
  [ "$code" = 200 ] || fail "gemeente CSV $t: $code"
  grep -q '0762' "$work/$t.csv" && fail "gemeente CSV $t holds gemeente 0762"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $gem" "http://127.0.0.1:$http/export/keten/$t.csv?gemeente=0762")
  [ "$code" = 403 ] || fail "gemeente CSV $t for 0762: $code, wanted 403"
done
wd POST "/session/$session/url" "{\"url\": \"http://127.0.0.1:$http/?gemeente=0762\"}" >/dev/null
source_of | grep -q 'Geen toegang' || fail "another gemeente's page was not refused"
gshot="$KB_TEST_VAR/artefacts/dashboard-gemeente.png"
wd GET "/session/$session/screenshot" | value_of value | base64 -d >"$gshot"
echo "browser_dashboard: screenshot $gshot"
"$KB_BIN_DIR/ketenctl" --db "$db" audit verify --schema monitoring | grep -q intact || fail "audit chain"
echo "browser_dashboard: 1 passed, 0 failed"
