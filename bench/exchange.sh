#!/usr/bin/env bash
# Dump and load of 100,000 payload records (`cm dump`, `cm load`), each side by side with
# `jq -c .` parsing and printing the same JSON, in alternating rounds (bench/lib/rounds.sh). Every run
# starts from a fresh copy of the catalog (hyperfine --prepare): a dump really reads and marks 100,000
# files, a load really imports them.
# Usage: bench/exchange.sh [--quick] [records]   (--quick: 2,000 records, 2 runs; for CI)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
records=100000
runs=5
if [ "${1:-}" = "--quick" ]; then records=2000; runs=2; shift; fi
[ -n "${1:-}" ] && records=$1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Missing tools come from Debian when run as root (eng/lib/apt.sh says what to do otherwise).
STATE_ROOT=$work
# shellcheck source=../eng/lib/apt.sh
. eng/lib/apt.sh
# shellcheck source=lib/rounds.sh
. bench/lib/rounds.sh
ensure_packages hyperfine jq sqlite3
# The ReadyToRun build on dotnet unless CM_BUILD=aot asks for the Native AOT binary (see ./cm).
export CM_BUILD=${CM_BUILD:-readytorun}
./cm --help >/dev/null
tool=$(cat "artifacts/cm-script/$CM_BUILD/built-path")
cm="$tool"
[[ "$tool" == *.dll ]] && cm="dotnet $tool"
# A fresh HOME for the catalog only after the build, which uses the machine's NuGet package folder.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"

# The records: v0.2 payloads with three hosts each, as another node's dump would carry them (the
# embedded default's host names, so that the template below can make the links this node's copies).
awk -v n="$records" 'BEGIN {
  printf "[";
  for (i = 0; i < n; i++) {
    x = sprintf("%08x", i); h = x x x x x x x x;
    printf "%s{\"version\":\"0.2\",\"datetime\":\"%d\",\"filename\":\"file-%d.bin\",\"filesize\":%d,\"filehash\":\"%s\",\"uploads\":[", (i ? "," : ""), 1700000000 + i, i, 1000 + i, h;
    printf "{\"host_name\":\"host-1\",\"url\":\"file:///h1/%s\"},{\"host_name\":\"host-2\",\"url\":\"file:///h2/%s\"},{\"host_name\":\"host-3\",\"url\":\"file:///h3/%s\"}]}", h, h, h;
  }
  printf "]\n";
}' >"$work/records.json"
echo "records: $records, $(stat -c %s "$work/records.json") bytes" >&2

# A catalog that knows every record as its own, safe and not yet exported: load them, then clear
# the confirmation the load set (a dump offers only files no other node confirmed), and make the
# loaded links (hints until a host shows them) copies on the embedded default's three hosts, as a
# sync that confirmed them would (a dump offers only safe files).
mkdir -p "$work/template"
$cm setup-db "$work/template/catalog.db" >/dev/null
$cm --db "$work/template/catalog.db" --storage "$work/template/cache" -q load "$work/records.json" --sync-id bench >/dev/null
hosts_folder=$(realpath -m "$XDG_DATA_HOME/cloud-manager/hosts")
sqlite3 "$work/template/catalog.db" >/dev/null <<SQL
INSERT INTO host_ids (host_id, name, kind, location, first_seen_at, last_seen_at)
  SELECT 'id-' || n, 'host-' || n, 'directory', 'file:$hosts_folder/host-' || n, 0, 0 FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3);
INSERT INTO node_hosts (node_id, host_id) SELECT node_id, host_id FROM nodes, host_ids;
INSERT INTO copies (hash, host, locator, state, attempts, last_error, updated_at)
  SELECT k.hash, i.host_id, k.locator, 0, 1, NULL, k.learned_at FROM copy_hints k JOIN host_ids i ON i.name = k.host_name;
DELETE FROM copy_hints;
UPDATE files SET sync_id = NULL, exported_at = NULL, stored_copies = 3;
PRAGMA wal_checkpoint(TRUNCATE);
SQL

bench_rounds dump "$runs" "$work" \
  --prepare "rm -rf $work/run && cp -r $work/template $work/run" \
  -n "jq -c ." "jq -c . $work/records.json" \
  -n "cm dump" "$cm --db $work/run/catalog.db --storage $work/run/cache dump --limit 2000000000 -o $work/dump.json"
bench_rounds load "$runs" "$work" \
  --prepare "rm -rf $work/run && $cm setup-db $work/run/catalog.db" \
  -n "jq -c ." "jq -c . $work/records.json" \
  -n "cm load" "$cm --db $work/run/catalog.db --storage $work/run/cache load $work/records.json --sync-id bench"
test "$(jq length "$work/dump.json")" -eq "$records" || { echo "bench/exchange.sh: the dump does not hold every record." >&2; exit 1; }
cat "$work/dump.md" "$work/load.md"
# The figures RESULTS.md quotes, and the ratios to jq.
for name in dump load; do
  awk -F, -v b="$name" 'NR > 1 { m[$1] = $4; printf "median %s %s: %.3f s (min %.3f, max %.3f)\n", b, $1, $4, $7, $8 }
    END { printf "RESULT %s: cm %.3f s, jq %.3f s, ratio %.2f (target <= 2)\n", b, m["cm " b], m["jq -c ."], m["cm " b] / m["jq -c ."] }' "$work/$name.csv"
done
