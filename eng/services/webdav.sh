#!/usr/bin/env bash
# A WebDAV server for the webdav and rclone host tests: `rclone serve webdav` on 127.0.0.1 over a
# fresh folder, with basic auth. Prints POOL_TEST_WEBDAV_URL, POOL_TEST_WEBDAV_USER and
# POOL_TEST_WEBDAV_PASSWORD.
# Usage: webdav.sh start|stop STATE_DIR
set -euo pipefail
action=${1:?usage: webdav.sh start|stop STATE_DIR}
STATE_ROOT=${2:?usage: webdav.sh start|stop STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/apt.sh
. "$here/../lib/apt.sh"
state="$STATE_ROOT/webdav"

case "$action" in
  start)
    ensure_packages rclone
    stop_pid "$state/pid"
    rm -rf "$state"
    mkdir -p "$state/data"
    port=$(free_port)
    user=pool
    password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    # No rclone config of the user's is read or written: the server only serves a folder.
    RCLONE_CONFIG=/dev/null nohup rclone serve webdav "$state/data" --addr "127.0.0.1:$port" \
      --user "$user" --pass "$password" --log-level ERROR >"$state/server.log" 2>&1 &
    echo $! >"$state/pid"
    if ! wait_for_port "$port" 30; then
      cat "$state/server.log" >&2
      exit 1
    fi
    echo "POOL_TEST_WEBDAV_URL=http://127.0.0.1:$port/"
    echo "POOL_TEST_WEBDAV_USER=$user"
    echo "POOL_TEST_WEBDAV_PASSWORD=$password"
    ;;
  stop)
    stop_pid "$state/pid"
    rm -rf "$state/data"
    ;;
  *)
    echo "usage: webdav.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
