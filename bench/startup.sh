#!/usr/bin/env bash
# Start-up cost of `cm exists <hash>` as a whole process (runtime start, config, catalog open,
# one lookup), side by side with `dotnet` running an empty console app (bench/EmptyConsole:
# Release, ReadyToRun). hyperfine reports medians and user/system CPU; the ratio is cm / empty.
# cm runs as ./cm builds it: the ReadyToRun build, and beside it the Native AOT binary of
# CM_BUILD=aot ./cm (the script installs clang and zlib1g-dev from Debian when run as root). A further process, bench/SqliteLookupProcess, opens the same catalog with the same
# SQLite driver and runs one SELECT: the floor any SQLite-backed `exists` on `dotnet` pays.
# Usage: bench/startup.sh [--quick]     (--quick, for CI: 2 runs each, no warm-up, and the AOT
#                                        build only where ./cm has it already: it takes minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=(--warmup 3 --runs 30)
rounds=30
quick=false
[ "${1:-}" = "--quick" ] && runs=(--warmup 0 --runs 2) && rounds=2 && quick=true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Missing tools come from Debian when run as root (eng/lib/apt.sh says what to do otherwise).
STATE_ROOT=$work
# shellcheck source=../eng/lib/apt.sh
. eng/lib/apt.sh
ensure_packages hyperfine jq
$quick || ensure_packages clang zlib1g-dev

# Both builds as ./cm makes them (each kind keeps its own, so neither rebuilds the other).
CM_BUILD=readytorun ./cm --version >/dev/null
cm_dll=$(cat artifacts/cm-script/readytorun/built-path)
cm_aot=""
if ! $quick || [ -s artifacts/cm-script/aot/built-path ]; then
  CM_BUILD=aot ./cm --version >/dev/null
  cm_aot=$(cat artifacts/cm-script/aot/built-path)
  [[ "$cm_aot" == *.dll ]] && cm_aot=""
fi
[ -n "$cm_aot" ] || echo "bench/startup.sh: no Native AOT build of cm (see artifacts/cm-script/aot/failed.log, if any); measuring ReadyToRun only." >&2
# The baselines are built as ./cm builds cm without the toolchain: Release, framework-dependent, ReadyToRun.
rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)
dotnet publish bench/EmptyConsole -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$work/empty" -nologo -v quiet >/dev/null
empty_dll="$work/empty/EmptyConsole.dll"
dotnet publish bench/SqliteLookupProcess -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$work/probe" -nologo -v quiet >/dev/null
probe_dll="$work/probe/SqliteLookupProcess.dll"

# A fresh HOME for the catalog only now: the builds above use the machine's NuGet package folder.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"
head -c 4096 /dev/urandom >"$work/file.bin"
hash=$(dotnet "$cm_dll" -q upload "$work/file.bin" | cut -d' ' -f1)
catalog="$XDG_DATA_HOME/cloud-manager/catalog.db"
test -f "$catalog" || { echo "bench/startup.sh: no catalog at $catalog." >&2; exit 1; }

aot_run=()
[ -n "$cm_aot" ] && aot_run=(-n "cm exists (Native AOT)" "$cm_aot exists $hash")
hyperfine -N "${runs[@]}" --export-markdown "$work/startup.md" --export-json "$work/startup.json" \
  -n "empty console app" "dotnet $empty_dll" \
  -n "SQLite lookup process" "dotnet $probe_dll $catalog $hash" \
  "${aot_run[@]}" \
  -n "cm exists (ReadyToRun)" "dotnet $cm_dll exists $hash" >&2
cat "$work/startup.md"
# Medians (the figures RESULTS.md quotes; the table above gives means).
jq -r '.results[] | "median \(.command): \(.median * 1000 * 10 | floor / 10) ms (user \(.user * 1000 | floor) ms, system \(.system * 1000 | floor) ms, mean)"' "$work/startup.json"
# Ratios of medians against the empty app: the target is cm exists <= 1.5 x.
jq -r '(.results[0].median) as $base | .results[1:][] | "ratio \(.command) / empty console app: \(.median / $base * 100 | floor / 100) x"' "$work/startup.json"

# hyperfine runs each command's runs back to back, so a burst of load on this shared machine lands on
# one command and not the others. The same commands again, interleaved round by round (one run of
# each per round, after one round of warm-up): medians of wall time, and their ratios.
names=("empty console app" "SQLite lookup process")
commands=("dotnet $empty_dll" "dotnet $probe_dll $catalog $hash")
[ -n "$cm_aot" ] && names+=("cm exists (Native AOT)") && commands+=("$cm_aot exists $hash")
names+=("cm exists (ReadyToRun)")
commands+=("dotnet $cm_dll exists $hash")
for ((round = 0; round <= rounds; round++)); do
  for i in "${!commands[@]}"; do
    start=$EPOCHREALTIME
    ${commands[$i]} >/dev/null 2>&1 || true
    end=$EPOCHREALTIME
    # The warm-up round (0) is not kept.
    ((round == 0)) || echo "$i $((${end/./} - ${start/./}))" >>"$work/interleaved.txt"
  done
done
base=""
for i in "${!commands[@]}"; do
  median=$(awk -v i="$i" '$1 == i { print $2 }' "$work/interleaved.txt" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  [ -n "$base" ] || base=$median
  awk -v n="${names[$i]}" -v m="$median" -v b="$base" -v r="$rounds" 'BEGIN { printf "interleaved median %s: %.1f ms (%d rounds), %.2f x the empty console app\n", n, m / 1000, r, m / b }'
done
