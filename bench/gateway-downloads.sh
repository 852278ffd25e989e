#!/usr/bin/env bash
# Throughput and latency of concurrent downloads of one cached 64 KiB file through `cm serve` on
# loopback, measured with wrk (Debian's package). Run by hand; it is not part of ./test.
# Usage: bench/gateway-downloads.sh [seconds (default 10)] [connections (default 50)]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-10}
connections=${2:-50}

work=$(mktemp -d /tmp/cm-bench.XXXXXX)
STATE_ROOT=$work
# shellcheck source=../eng/lib/apt.sh
. eng/lib/apt.sh
ensure_packages wrk curl

server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# cm as ./cm builds it: ReadyToRun on dotnet, or the Native AOT binary with CM_BUILD=aot (see ./cm).
# shellcheck source=../eng/lib/cm-tool.sh
. eng/lib/cm-tool.sh

# No hosts: the file stays in the cache, so every request is a cache hit.
cat >"$work/cloudmanager.json" <<JSON
{ "catalog": "catalog.db", "cache": "cache", "capacity": "1GiB", "hosts": [] }
JSON
HOME=$work "${cm_run[@]}" setup-db "$work/catalog.db" >&2
HOME=$work "${cm_run[@]}" --config "$work/cloudmanager.json" serve --urls http://127.0.0.1:0 >"$work/address" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/address" ] && break
  sleep 0.1
done
url=$(head -n 1 "$work/address")
[ -n "$url" ] || { cat "$work/serve.log" >&2; echo "cm serve did not start" >&2; exit 1; }

head -c 65536 /dev/urandom >"$work/file.bin"
hash=$(curl -sf -F "file=@$work/file.bin" "$url/api/upload" | sed -n 's/.*"filehash":"\([0-9a-f]*\)".*/\1/p')
curl -sf -o /dev/null "$url/api/download/$hash"

echo "== wrk -t2 -c$connections -d${seconds}s --latency $url/api/download/$hash" >&2
wrk -t2 -c"$connections" -d"${seconds}s" --latency "$url/api/download/$hash"
