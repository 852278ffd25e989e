#!/usr/bin/env bash
# PostgreSQL for the catalog tests: Debian's server, a private cluster in a temp folder owned by
# the server's user (the checkout may sit in a folder that user cannot enter), listening on
# 127.0.0.1 only, trust authentication for the local test user. STATE_ROOT/postgres keeps the
# cluster's location and PID.
# Usage: postgres.sh start|stop STATE_ROOT
set -euo pipefail
action=$1
STATE_ROOT=$2
dir="$STATE_ROOT/postgres"
# shellcheck source=../lib/apt.sh
. "$(dirname "$0")/../lib/apt.sh"

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2; return 1; }
  echo "$bin"
}

# The server refuses to run as root: run it as the Debian 'postgres' user when we are root.
as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$action" in
  start)
    ensure_packages postgresql
    bin=$(pg_bin)
    rm -rf "$dir"
    mkdir -p "$dir"
    cluster=$(mktemp -d /tmp/cm-postgres.XXXXXX)
    echo "$cluster" >"$dir/cluster"
    [ "$(id -u)" -eq 0 ] && chown postgres "$cluster"
    as_server_user "$bin/initdb" -D "$cluster/data" -U cm --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(free_port)
    as_server_user "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$cluster' -c max_connections=200" start >&2 \
      || { cat "$cluster/server.log" >&2; exit 1; }
    head -n 1 "$cluster/data/postmaster.pid" >"$dir/pid"
    as_server_user "$bin/createdb" -h 127.0.0.1 -p "$port" -U cm cm_test >&2
    echo "POOL_TEST_POSTGRES=Host=127.0.0.1;Port=$port;Username=cm;Database=cm_test"
    echo "POOL_TEST_POSTGRES_URI=postgres://cm@127.0.0.1:$port/cm_test"
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      cluster=$(cat "$dir/cluster")
      bin=$(pg_bin)
      as_server_user "$bin/pg_ctl" -D "$cluster/data" -m fast -w stop >&2 || stop_pid "$dir/pid"
      rm -f "$dir/pid"
      rm -rf "$cluster"
    fi
    ;;
  *)
    echo "usage: $0 start|stop STATE_ROOT" >&2
    exit 2
    ;;
esac
