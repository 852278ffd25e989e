#!/usr/bin/env bash
# Chromium for the gateway's browser tests: Debian's package (never a browser download), and a
# font so that pages render text. Nothing runs in the background: the tests start the browser
# themselves (through Playwright) and point it at the path printed here.
# Usage: chromium.sh start|stop STATE_ROOT
set -euo pipefail
action=$1
STATE_ROOT=$2
# shellcheck source=../lib/apt.sh
. "$(dirname "$0")/../lib/apt.sh"

case "$action" in
  start)
    ensure_packages chromium fonts-dejavu-core
    browser=/usr/bin/chromium
    if ! version=$("$browser" --version 2>/dev/null); then
      echo "$browser does not run; reinstall the Debian package chromium." >&2
      exit 1
    fi
    echo "using $version" >&2
    echo "POOL_TEST_CHROMIUM=$browser"
    ;;
  stop)
    ;;
  *)
    echo "usage: $0 start|stop STATE_ROOT" >&2
    exit 2
    ;;
esac
