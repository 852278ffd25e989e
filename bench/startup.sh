#!/usr/bin/env bash
# Start-up cost of `cm exists <hash>` as a whole process (runtime start, config, catalog open,
# one lookup), side by side with `dotnet` running an empty console app built the same way
# (bench/EmptyConsole, Release). hyperfine reports medians; the ratio is cm / empty.
# Usage: bench/startup.sh [--quick]     (--quick: 2 runs each, no warm-up; for CI)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=(--warmup 3 --runs 30)
[ "${1:-}" = "--quick" ] && runs=(--warmup 0 --runs 2)

command -v hyperfine >/dev/null || { echo "bench/startup.sh: hyperfine is missing (apt-get install hyperfine)." >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"

./cm --help >/dev/null
cm_dll=$(cat artifacts/cm-script/built-dll-path)
dotnet build bench/EmptyConsole -c Release -nologo -v quiet >/dev/null
empty_dll=$(dotnet msbuild bench/EmptyConsole -nologo -getProperty:TargetPath -p:Configuration=Release)

head -c 4096 /dev/urandom >"$work/file.bin"
hash=$(dotnet "$cm_dll" -q upload "$work/file.bin" | cut -d' ' -f1)

hyperfine -N "${runs[@]}" --export-markdown "$work/startup.md" \
  -n "empty console app" "dotnet $empty_dll" \
  -n "cm exists" "dotnet $cm_dll exists $hash" >&2
cat "$work/startup.md"
