#!/usr/bin/env bash
# An S3-compatible server for the s3 host tests: the npm package s3rver, installed into the state
# folder, on 127.0.0.1 over a fresh folder, with one bucket. Prints POOL_TEST_S3_ENDPOINT,
# POOL_TEST_S3_BUCKET, POOL_TEST_S3_ACCESS_KEY and POOL_TEST_S3_SECRET_KEY (s3rver's fixed test keys).
# Usage: s3.sh start|stop STATE_DIR
set -euo pipefail
action=${1:?usage: s3.sh start|stop STATE_DIR}
STATE_ROOT=${2:?usage: s3.sh start|stop STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/apt.sh
. "$here/../lib/apt.sh"
state="$STATE_ROOT/s3"
version=3.7.1
bucket=pool-tests

case "$action" in
  start)
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || ensure_packages nodejs npm
    stop_pid "$state/pid"
    mkdir -p "$state/npm"
    if [ ! -f "$state/npm/node_modules/s3rver/package.json" ] ||
      ! grep -q "\"version\": \"$version\"" "$state/npm/node_modules/s3rver/package.json"; then
      npm install --prefix "$state/npm" --no-audit --no-fund --loglevel error "s3rver@$version" >&2
    fi
    rm -rf "$state/data"
    mkdir -p "$state/data"
    port=$(free_port)
    nohup node "$state/npm/node_modules/s3rver/bin/s3rver.js" --address 127.0.0.1 --port "$port" \
      --directory "$state/data" --configure-bucket "$bucket" --silent >"$state/server.log" 2>&1 &
    echo $! >"$state/pid"
    if ! wait_for_port "$port" 60; then
      cat "$state/server.log" >&2
      exit 1
    fi
    echo "POOL_TEST_S3_ENDPOINT=http://127.0.0.1:$port"
    echo "POOL_TEST_S3_BUCKET=$bucket"
    echo "POOL_TEST_S3_ACCESS_KEY=S3RVER"
    echo "POOL_TEST_S3_SECRET_KEY=S3RVER"
    ;;
  stop)
    stop_pid "$state/pid"
    rm -rf "$state/data"
    ;;
  *)
    echo "usage: s3.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
