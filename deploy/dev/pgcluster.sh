#!/usr/bin/env bash
# pgcluster.sh start|stop|status DIR — a throwaway PostgreSQL cluster in DIR.
# Unix socket only (no TCP), trust for local connections, synchronous_commit on.
# As root, the server runs as the "postgres" system user (initdb refuses root).
set -euo pipefail
cmd=${1:?usage: pgcluster.sh start|stop|status DIR}
dir=${2:?usage: pgcluster.sh start|stop|status DIR}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "pgcluster: PostgreSQL server not installed (run deploy/dev/install-deps.sh)" >&2; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$dir"
    # the server user must be able to reach its directory
    p="$dir"; while [ "$p" != / ]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
synchronous_commit = on
fsync = on
max_connections = 200
shared_buffers = 128MB
log_min_messages = warning
CONF
  fi
  if as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "pgcluster: already running socket=$dir"; exit 0
  fi
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2; exit 1; }
  echo "pgcluster: started socket=$dir conninfo=\"host=$dir user=postgres dbname=postgres\""
  ;;
stop)
  if [ -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  echo "pgcluster: stopped"
  ;;
restart)
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -l "$dir/server.log" -w -t 60 restart >/dev/null
  ;;
status)
  as_owner "$bindir/pg_ctl" -D "$dir/data" status
  ;;
*) echo "usage: pgcluster.sh start|stop|restart|status DIR" >&2; exit 2 ;;
esac
