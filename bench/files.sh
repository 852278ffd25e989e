#!/usr/bin/env bash
# Whole-process benchmarks of the file paths of `cm`, each against baselines run beside it in the same
# rounds (bench/lib/rounds.sh: each round runs every command once through hyperfine; medians over the
# rounds; every run starts from a fresh catalog and cache folder, so an upload really copies). Prints
# the tables of medians and one summary line per figure: "RESULT ...".
#
# Usage: bench/files.sh [--quick] [--runs N] [--size MiB] MODE...
#   MODE: upload | download | sync | small-files | memory | serve | encrypted | all
#   --quick    8 MiB files, 200 small files, one run each (keeps the script working; times mean nothing)
#   --runs N   rounds, i.e. runs per command (default 5)
#   --size M   size of the large file in MiB (default 1024)
#   --count N  number of small files (default 10000)
# Environment: BENCH_DIR (default /var/tmp) holds the files: it must be a real disk, not tmpfs, for
# the durability figures to mean anything. CM_BUILD (readytorun, the default, or aot) picks the build, as for ./cm.
# CM_COMPARE=DIR adds the cm of another checkout (e.g. a worktree of an earlier commit) to the rounds of
# upload, download, sync and small-files, with the same prepare steps, and prints "RESULT compare" lines:
# this cm's median over the other's, so that a change is measured against the code before it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

quick=0 runs=5 size_mib=1024 small_count=10000 wrk_seconds=10 memory_sizes="1024 4096"
modes=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --runs) runs=$2; shift ;;
    --size) size_mib=$2; shift ;;
    --count) small_count=$2; shift ;;
    upload | download | sync | small-files | memory | serve | encrypted) modes+=("$1") ;;
    all) modes+=(upload download sync small-files memory serve encrypted) ;;
    *) sed -n '2,17p' "$0" >&2; exit 2 ;;
  esac
  shift
done
[ ${#modes[@]} -gt 0 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
if [ "$quick" -eq 1 ]; then
  runs=1 size_mib=8 small_count=200 wrk_seconds=1 memory_sizes="8 16"
fi

work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cm-files.XXXXXX")
# nginx's workers run as an unprivileged user when started by root: let them read the cache.
chmod 755 "$work"
STATE_ROOT=$work
# shellcheck source=../eng/lib/apt.sh
. eng/lib/apt.sh
# shellcheck source=lib/rounds.sh
. bench/lib/rounds.sh
ensure_packages hyperfine jq openssl coreutils rclone git git-annex curl wrk nginx-light time

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# cm as ./cm builds it: ReadyToRun on dotnet, or the Native AOT binary with CM_BUILD=aot (see ./cm).
# shellcheck source=../eng/lib/cm-tool.sh
. eng/lib/cm-tool.sh
echo "== files in $work ($(findmnt -n -o FSTYPE -T "$work"), $(findmnt -n -o SOURCE -T "$work"))" >&2

# From here HOME is the scratch folder: cm finds no user config, and nothing lands in the real home.
export HOME=$work
cm() { "${cm_run[@]}" "$@"; }
cmline="${cm_run[*]}"
otherline=""
if [ -n "${CM_COMPARE:-}" ]; then
  echo "== building the cm of $CM_COMPARE ($CM_BUILD)" >&2
  (cd "$CM_COMPARE" && ./cm --help >/dev/null)
  other_tool=$(cat "$CM_COMPARE/artifacts/cm-script/$CM_BUILD/built-path")
  otherline=$other_tool
  [[ "$other_tool" == *.dll ]] && otherline="dotnet $other_tool"
fi

# other NAME PREPARE ARGS: hyperfine arguments that run the compared cm with ARGS after PREPARE (none without CM_COMPARE).
other() {
  [ -n "$otherline" ] || return 0
  printf '%s\0' --prepare "$2" -n "$1" "$otherline $3"
}

# compare_line BENCH NAME OTHER: "RESULT compare" for one command, when CM_COMPARE is set.
compare_line() {
  [ -n "$otherline" ] || return 0
  local a b
  a=$(median_of "$work/$1.csv" "$2")
  b=$(median_of "$work/$1.csv" "$3")
  echo "RESULT compare $1 $2: this cm ${a}s, cm of $CM_COMPARE ${b}s, ratio $(ratio "$a" "$b")"
}
cm setup-db "$work/template.db" >/dev/null

# make_file PATH MiB: random bytes, so nothing can compress or deduplicate them.
make_file() {
  [ -f "$1" ] || head -c "$(($2 * 1024 * 1024))" /dev/urandom >"$1"
}

# write_config DIR HOSTS [KEYFILE]: a config whose catalog and cache live in DIR, with HOSTS directory
# hosts DIR/h1..., encrypted with KEYFILE when given.
write_config() {
  local dir=$1 hosts=$2 key=${3:-} list="" i encryption=""
  [ -z "$key" ] || encryption=", \"encryption\": { \"keyFile\": \"$key\" }"
  for ((i = 1; i <= hosts; i++)); do
    list+="${list:+, }{ \"name\": \"h$i\", \"kind\": \"directory\", \"settings\": { \"path\": \"$dir/h$i\" }$encryption }"
  done
  local min=$((hosts < 2 ? (hosts < 1 ? 1 : hosts) : 2))
  cat >"$dir.json" <<JSON
{ "catalog": "$dir/catalog.db", "cache": "$dir/cache", "capacity": "40GiB",
  "redundancy": $((hosts < 1 ? 1 : hosts)), "minCopies": $min, "hosts": [ $list ] }
JSON
}

# new_state DIR HOSTS [KEYFILE]: an empty pool (fresh catalog, empty cache, empty host folders) at DIR.
new_state() {
  local dir=$1 hosts=$2 i
  rm -rf "$dir"
  mkdir -p "$dir/cache"
  for ((i = 1; i <= hosts; i++)); do mkdir -p "$dir/h$i"; done
  cp "$work/template.db" "$dir/catalog.db"
  write_config "$dir" "$hosts" "${3:-}"
}

# prepare_script NAME BODY: a script hyperfine runs before each run of one command; ends with a
# sync so that the previous run's writeback does not land in the next measurement.
prepare_script() {
  printf '#!/usr/bin/env bash\nset -e\n%s\nsync\n' "$2" >"$work/$1"
  chmod +x "$work/$1"
  echo "$work/$1"
}

# median_of CSV NAME: the median seconds of one command of a hyperfine CSV export.
median_of() { awk -F, -v n="$2" '$1 == n { printf "%.3f\n", $4 }' "$1"; }

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# bench NAME ARGS...: hyperfine with the common options; the CSV goes to $work/NAME.csv.
bench() {
  local name=$1
  shift
  echo "== $name ($runs rounds; each round runs every command once)" >&2
  bench_rounds "$name" "$runs" "$work" "$@"
  cat "$work/$name.md"
  awk -F, -v b="$name" 'NR > 1 { printf "MEDIAN %s %s: %.3f s (min %.3f, max %.3f, %s runs)\n", b, $1, $4, $7, $8, r }' r="$runs" "$work/$name.csv"
}

# slower_baseline CSV: the larger median of openssl and dd.
slower_baseline() {
  local a b
  a=$(median_of "$1" openssl)
  b=$(median_of "$1" dd)
  awk -v a="$a" -v b="$b" 'BEGIN { print (a > b ? a : b) }'
}

big=$work/big.bin
gib_label() { awk -v m="$1" 'BEGIN { printf (m >= 1024 ? "%g GiB" : "%g MiB"), (m >= 1024 ? m / 1024 : m) }'; }

run_upload() {
  make_file "$big" "$size_mib"
  local s=$work/up extra=()
  mapfile -d '' extra < <(other other-upload "$work/prep-up-other" "--config $s.json upload $big")
  prepare_script prep-up-other "$(declare -f new_state write_config); work=$work; new_state $s 0" >/dev/null
  bench upload \
    --prepare "$(prepare_script prep-none ':')" -n openssl "openssl dgst -sha256 $big" \
    --prepare "$(prepare_script prep-rm-g "rm -f $work/G")" -n dd "dd if=$big of=$work/G bs=1M conv=fsync status=none" \
    --prepare "$(prepare_script prep-up "$(declare -f new_state write_config); work=$work; new_state $s 0")" \
    -n cm-upload "$cmline --config $s.json upload $big" \
    "${extra[@]}" \
    --prepare "$work/prep-none" -n sha256sum "sha256sum $big" \
    --prepare "$work/prep-rm-g" -n cp "cp $big $work/G" \
    --prepare "$(prepare_script prep-rclone "rm -rf $work/rclone")" -n rclone "rclone copy $big $work/rclone" \
    --prepare "$(prepare_script prep-annex "rm -rf $work/annex; git init -q $work/annex; cd $work/annex; git annex init -q bench >/dev/null; cp $big $work/annex/big.bin")" \
    -n git-annex "cd $work/annex && git annex add --quiet --backend=SHA256E big.bin"
  local base cmt
  base=$(slower_baseline "$work/upload.csv")
  cmt=$(median_of "$work/upload.csv" cm-upload)
  echo "RESULT upload $(gib_label "$size_mib"): cm ${cmt}s, slower baseline ${base}s, ratio $(ratio "$cmt" "$base") (target <= 1.10)"
  compare_line upload cm-upload other-upload
}

run_download() {
  make_file "$big" "$size_mib"
  # Snapshot: the file uploaded, copied to one directory host, then evicted from the cache.
  local snap=$work/down-snap s=$work/down hash
  new_state "$snap" 1
  hash=$(cm --config "$snap.json" upload "$big" | cut -d' ' -f1)
  cm --config "$snap.json" sync >/dev/null 2>&1
  cm --config "$snap.json" evict "$hash"
  # Each run: the snapshot's catalog and (empty) cache; the host folder is only read, so it is shared.
  sed "s#$snap/catalog.db#$s/catalog.db#; s#$snap/cache#$s/cache#" "$snap.json" >"$s.json"
  local extra=() more=()
  mapfile -d '' extra < <(other other-download "$work/prep-down" "--config $s.json download $hash -o $work/G")
  mapfile -d '' more < <(other other-warm-up "$work/prep-down" "--config $s.json warm-up $hash")
  extra+=("${more[@]}")
  bench download \
    --prepare "$(prepare_script prep-none ':')" -n openssl "openssl dgst -sha256 $big" \
    --prepare "$(prepare_script prep-rm-g "rm -f $work/G")" -n dd "dd if=$big of=$work/G bs=1M conv=fsync status=none" \
    --prepare "$(prepare_script prep-down "rm -rf $s $work/G; mkdir -p $s; cp $snap/catalog.db $s/; cp -a $snap/cache $s/cache")" \
    -n cm-download "$cmline --config $s.json download $hash -o $work/G" \
    --prepare "$work/prep-down" -n cm-warm-up "$cmline --config $s.json warm-up $hash" \
    --prepare "$work/prep-down" -n cm-download-cache "$cmline --config $s.json download $hash -o $work/G --cache" \
    "${extra[@]}"
  local base cmt wut nct
  base=$(slower_baseline "$work/download.csv")
  cmt=$(median_of "$work/download.csv" cm-download)
  wut=$(median_of "$work/download.csv" cm-warm-up)
  echo "RESULT download $(gib_label "$size_mib") (evicted, directory host; host straight to the destination, verified, written once): cm ${cmt}s, slower baseline ${base}s, ratio $(ratio "$cmt" "$base") (target <= 1.10)"
  echo "RESULT warm-up alone (fetch, verify, durable copy into the cache; no copy out): cm ${wut}s, ratio $(ratio "$wut" "$base")"
  nct=$(median_of "$work/download.csv" cm-download-cache)
  echo "RESULT download --cache (one fetch written to the destination and the cache side by side): cm ${nct}s, ratio $(ratio "$nct" "$base")"
  compare_line download cm-download other-download
  compare_line download cm-warm-up other-warm-up
}

run_sync() {
  make_file "$big" "$size_mib"
  # Snapshot: the file uploaded and pending; each run hard-links its cache (sync only reads it) and starts with empty hosts.
  local snap=$work/sync-snap s=$work/sync
  new_state "$snap" 3
  cm --config "$snap.json" upload "$big" >/dev/null
  sed "s#$snap/#$s/#g" "$snap.json" >"$s.json"
  local extra=()
  mapfile -d '' extra < <(other other-sync "$work/prep-sync" "--config $s.json sync")
  bench sync \
    --prepare "$(prepare_script prep-rm-g3 "rm -f $work/G1 $work/G2 $work/G3")" \
    -n dd-x3 "bash -c 'for i in 1 2 3; do dd if=$big of=$work/G\$i bs=1M conv=fsync status=none & done; wait'" \
    --prepare "$(prepare_script prep-sync "rm -rf $s; mkdir -p $s/h1 $s/h2 $s/h3; cp $snap/catalog.db $s/; cp -al $snap/cache $s/cache")" \
    -n cm-sync "$cmline --config $s.json sync" \
    "${extra[@]}"
  local base cmt
  base=$(median_of "$work/sync.csv" dd-x3)
  cmt=$(median_of "$work/sync.csv" cm-sync)
  echo "RESULT sync $(gib_label "$size_mib") to 3 directory hosts: cm ${cmt}s, 3 parallel dd ${base}s, ratio $(ratio "$cmt" "$base") (target <= 1.20)"
  compare_line sync cm-sync other-sync
}

run_encrypted() {
  make_file "$big" "$size_mib"
  # The same file through one directory host, plain and encrypted (AES-256-GCM, 64 KiB segments), side by side in each round.
  local key=$work/bench.key v hash
  [ -f "$key" ] || cm hosts keygen "$key" >/dev/null
  for v in plain crypt; do
    local snap=$work/enc-$v-snap s=$work/enc-$v
    if [ "$v" = crypt ]; then new_state "$snap" 1 "$key"; else new_state "$snap" 1; fi
    # Snapshot for sync: the file uploaded and pending (runs hard-link the cache, sync only reads it; the host starts empty).
    hash=$(cm --config "$snap.json" upload "$big" | cut -d' ' -f1)
    sed "s#$snap/#$s/#g" "$snap.json" >"$s.json"
    # Snapshot for warm-up: synced to the host, then evicted (runs copy the catalog; the host folder is only read).
    rm -rf "$snap-w" && cp -a "$snap" "$snap-w"
    sed "s#$snap/#$snap-w/#g" "$snap.json" >"$snap-w.json"
    cm --config "$snap-w.json" sync >/dev/null 2>&1
    cm --config "$snap-w.json" evict "$hash" >/dev/null
    sed "s#$snap-w/catalog.db#$s-w/catalog.db#; s#$snap-w/cache#$s-w/cache#" "$snap-w.json" >"$s-w.json"
    prepare_script "prep-enc-sync-$v" "rm -rf $s; mkdir -p $s/h1; cp $snap/catalog.db $s/; cp -al $snap/cache $s/cache" >/dev/null
    prepare_script "prep-enc-warm-$v" "rm -rf $s-w; mkdir -p $s-w; cp $snap-w/catalog.db $s-w/; cp -a $snap-w/cache $s-w/cache" >/dev/null
  done
  bench encrypted \
    --prepare "$work/prep-enc-sync-plain" -n sync-plain "$cmline --config $work/enc-plain.json sync" \
    --prepare "$work/prep-enc-sync-crypt" -n sync-encrypted "$cmline --config $work/enc-crypt.json sync" \
    --prepare "$work/prep-enc-warm-plain" -n warm-up-plain "$cmline --config $work/enc-plain-w.json warm-up $hash" \
    --prepare "$work/prep-enc-warm-crypt" -n warm-up-encrypted "$cmline --config $work/enc-crypt-w.json warm-up $hash"
  local a b
  a=$(median_of "$work/encrypted.csv" sync-plain)
  b=$(median_of "$work/encrypted.csv" sync-encrypted)
  echo "RESULT encrypted sync $(gib_label "$size_mib") to 1 directory host: encrypted ${b}s, plain ${a}s, ratio $(ratio "$b" "$a") (target <= 1.30)"
  a=$(median_of "$work/encrypted.csv" warm-up-plain)
  b=$(median_of "$work/encrypted.csv" warm-up-encrypted)
  echo "RESULT encrypted warm-up $(gib_label "$size_mib") from 1 directory host: encrypted ${b}s, plain ${a}s, ratio $(ratio "$b" "$a") (target <= 1.30)"
}

run_small_files() {
  local dir=$work/small s=$work/smallpool
  rm -rf "$dir"
  mkdir -p "$dir"
  head -c $((small_count * 4096)) /dev/urandom | (cd "$dir" && split -b 4096 -a 5 -d - f)
  local extra=()
  mapfile -d '' extra < <(other other-upload "$work/prep-small" "--config $s.json upload $dir")
  bench small-files \
    --prepare "$(prepare_script prep-small "$(declare -f new_state write_config); work=$work; new_state $s 0")" \
    -n cm-upload "$cmline --config $s.json upload $dir" \
    "${extra[@]}" \
    --prepare "$(prepare_script prep-small-annex "rm -rf $work/annex-small; git init -q $work/annex-small; cd $work/annex-small; git annex init -q bench >/dev/null; cp -r $dir $work/annex-small/small")" \
    -n git-annex "cd $work/annex-small && git annex add --quiet --backend=SHA256E small" \
    --prepare "$(prepare_script prep-small-rclone "rm -rf $work/rclone-small")" -n rclone "rclone copy $dir $work/rclone-small"
  local c a r
  c=$(median_of "$work/small-files.csv" cm-upload)
  a=$(median_of "$work/small-files.csv" git-annex)
  r=$(median_of "$work/small-files.csv" rclone)
  compare_line small-files cm-upload other-upload
  echo "RESULT small files ($small_count x 4 KiB): cm ${c}s ($(awk -v n="$small_count" -v t="$c" 'BEGIN { printf "%.0f", n / t }') files/s), git annex add ${a}s ($(ratio "$c" "$a") x), rclone copy ${r}s ($(ratio "$c" "$r") x) (target: faster than both)"
}

# peak_rss LABEL COMMAND...: runs the command under /usr/bin/time -v and prints its peak RSS in MB.
peak_rss() {
  local label=$1
  shift
  /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/peak.out" 2>"$work/peak.err" || { cat "$work/peak.err" "$work/time.txt" >&2; return 1; }
  awk -v l="$label" '/Maximum resident set size/ { printf "RESULT peak RSS %s: %.1f MB\n", l, $NF / 1024 }' "$work/time.txt"
}

run_memory() {
  local mib f s hash
  for mib in $memory_sizes; do
    f=$work/mem-$mib.bin s=$work/mem
    make_file "$f" "$mib"
    new_state "$s" 3
    sync
    peak_rss "upload $(gib_label "$mib")" "${cm_run[@]}" --config "$s.json" upload "$f"
    hash=$(cut -d' ' -f1 "$work/peak.out")
    sync
    peak_rss "sync $(gib_label "$mib") to 3 hosts" "${cm_run[@]}" --config "$s.json" sync
    cm --config "$s.json" evict "$hash" 2>/dev/null
    rm -f "$work/G"
    sync
    peak_rss "download $(gib_label "$mib") (evicted)" "${cm_run[@]}" --config "$s.json" download "$hash" -o "$work/G"
    rm -rf "$s" "$f" "$work/G"
  done
}

# wrk_summary FILE: "requests/s p99" from wrk --latency output.
wrk_summary() {
  awk '/Requests\/sec:/ { r = $2 } / 99%/ { p = $2 } END { print r, p }' "$1"
}

run_serve() {
  make_file "$big" "$size_mib"
  local s=$work/serve small=$work/small64k.bin big_hash small_hash port
  head -c 65536 /dev/urandom >"$small"
  new_state "$s" 0
  big_hash=$(cm --config "$s.json" upload "$big" | cut -d' ' -f1)
  small_hash=$(cm --config "$s.json" upload "$small" | cut -d' ' -f1)
  chmod -R a+rX "$s"

  # Started directly, not through the cm function: $! must be the server itself, so that cleanup stops it.
  "${cm_run[@]}" --config "$s.json" serve --urls http://127.0.0.1:0 >"$work/address" 2>"$work/serve.log" &
  pids+=($!)
  for _ in $(seq 1 200); do
    [ -s "$work/address" ] && break
    sleep 0.1
  done
  local cm_url
  cm_url=$(head -n 1 "$work/address")
  [ -n "$cm_url" ] || { cat "$work/serve.log" >&2; echo "cm serve did not start" >&2; exit 1; }

  # nginx on a free port with a private prefix and config, serving the same cache folder.
  port=$(free_port)
  mkdir -p "$work/nginx/logs"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
error_log $work/nginx/logs/error.log;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    root $s/cache/objects;
  }
}
CONF
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
  pids+=($!)
  wait_for_port "$port" 10
  local nginx_url=http://127.0.0.1:$port
  local cm_big=$cm_url/api/download/$big_hash nginx_big=$nginx_url/${big_hash:0:2}/$big_hash
  local cm_small=$cm_url/api/download/$small_hash nginx_small=$nginx_url/${small_hash:0:2}/$small_hash
  curl -sf -o /dev/null "$cm_small"
  curl -sf -o /dev/null "$nginx_small"

  bench serve-big -n nginx "curl -sf -o /dev/null $nginx_big" -n cm-serve "curl -sf -o /dev/null $cm_big"
  local n c
  n=$(median_of "$work/serve-big.csv" nginx)
  c=$(median_of "$work/serve-big.csv" cm-serve)
  echo "RESULT serve GET $(gib_label "$size_mib") (curl, loopback): cm ${c}s, nginx ${n}s, throughput ratio $(ratio "$n" "$c") (target >= 0.8)"

  # A server that has just started still compiles its hot code (tiered compilation) for several seconds on 2
  # loaded cores: both servers get a short unmeasured run first, so that the rounds measure them running.
  local warm=$((quick == 1 ? 1 : 5))
  echo "== warm-up: wrk -t2 -c50 -d${warm}s on both servers (not measured)" >&2
  wrk -t2 -c50 -d"${warm}s" "$nginx_small" >/dev/null
  wrk -t2 -c50 -d"${warm}s" "$cm_small" >/dev/null

  # Alternate the servers so that a burst of load from elsewhere hits both.
  local round rounds=$((quick == 1 ? 1 : 2)) out
  for ((round = 1; round <= rounds; round++)); do
    for server in nginx cm; do
      out=$work/wrk-$server-$round.txt
      if [ "$server" = nginx ]; then url=$nginx_small; else url=$cm_small; fi
      echo "== wrk -t2 -c50 -d${wrk_seconds}s --latency $url" >&2
      wrk -t2 -c50 -d"${wrk_seconds}s" --latency "$url" >"$out"
      cat "$out" >&2
      read -r rps p99 < <(wrk_summary "$out")
      echo "RESULT serve 64 KiB x 50 connections, $server round $round: ${rps} requests/s, p99 ${p99}"
    done
  done
}

echo "RESULT machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), .NET $(dotnet --version), $(date -u +%Y-%m-%dT%H:%MZ)"
for mode in "${modes[@]}"; do
  "run_${mode//-/_}"
done
