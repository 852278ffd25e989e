#!/usr/bin/env bash
# The sqlite3 command-line shell, which the reliability tests run as "another process" holding a
# lock on a catalog file and use to check a catalog's integrity. Nothing runs in the background.
# Usage: sqlite3.sh start|stop STATE_ROOT
set -euo pipefail
action=$1
STATE_ROOT=$2
# shellcheck source=../lib/apt.sh
. "$(dirname "$0")/../lib/apt.sh"

case "$action" in
  start)
    ensure_packages sqlite3
    shell=$(command -v sqlite3)
    echo "using sqlite3 $("$shell" --version | cut -d' ' -f1)" >&2
    echo "POOL_TEST_SQLITE3=$shell"
    ;;
  stop)
    ;;
  *)
    echo "usage: $0 start|stop STATE_ROOT" >&2
    exit 2
    ;;
esac
