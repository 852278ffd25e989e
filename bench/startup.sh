#!/usr/bin/env bash
# Start-up cost of `cm exists <hash>` as a whole process (runtime start, config, catalog open,
# one lookup), side by side with `dotnet` running an empty console app built the same way
# (bench/EmptyConsole: Release, ReadyToRun, as ./cm builds cm). hyperfine reports medians and
# user/system CPU; the ratio is cm / empty. A third process, bench/SqliteLookupProcess, opens the
# same catalog with the same SQLite driver and runs one SELECT: the floor any SQLite-backed
# `exists` pays, which shows how much of cm's time is its own.
# Usage: bench/startup.sh [--quick]     (--quick: 2 runs each, no warm-up; for CI)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=(--warmup 3 --runs 30)
[ "${1:-}" = "--quick" ] && runs=(--warmup 0 --runs 2)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Missing tools come from Debian when run as root (eng/lib/apt.sh says what to do otherwise).
STATE_ROOT=$work
# shellcheck source=../eng/lib/apt.sh
. eng/lib/apt.sh
ensure_packages hyperfine jq
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"

./cm --help >/dev/null
cm_dll=$(cat artifacts/cm-script/built-dll-path)
# Built the way ./cm builds cm: Release, framework-dependent, ReadyToRun for this platform.
rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)
dotnet publish bench/EmptyConsole -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$work/empty" -nologo -v quiet >/dev/null
empty_dll="$work/empty/EmptyConsole.dll"
dotnet publish bench/SqliteLookupProcess -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$work/probe" -nologo -v quiet >/dev/null
probe_dll="$work/probe/SqliteLookupProcess.dll"

head -c 4096 /dev/urandom >"$work/file.bin"
hash=$(dotnet "$cm_dll" -q upload "$work/file.bin" | cut -d' ' -f1)
catalog="$XDG_DATA_HOME/cloud-manager/catalog.db"
test -f "$catalog" || { echo "bench/startup.sh: no catalog at $catalog." >&2; exit 1; }

hyperfine -N "${runs[@]}" --export-markdown "$work/startup.md" --export-json "$work/startup.json" \
  -n "empty console app" "dotnet $empty_dll" \
  -n "SQLite lookup process" "dotnet $probe_dll $catalog $hash" \
  -n "cm exists" "dotnet $cm_dll exists $hash" >&2
cat "$work/startup.md"
# Medians (the figures RESULTS.md quotes; the table above gives means).
jq -r '.results[] | "median \(.command): \(.median * 1000 | floor) ms (user \(.user * 1000 | floor) ms, system \(.system * 1000 | floor) ms, mean)"' "$work/startup.json"
