# bench_rounds NAME RUNS DIR HYPERFINE-ARGS...: runs the commands RUNS times in rounds, each round running
# every command once (hyperfine --runs 1), and writes DIR/NAME.csv (hyperfine's columns:
# command,mean,stddev,median,user,system,min,max) and DIR/NAME.md (a table of medians).
#
# Why rounds: hyperfine measures all runs of one command before the next, minutes apart for 1 GiB files,
# and this machine's disk and processor speed move 2-4x within minutes. In rounds a slow spell falls on
# every command alike; each command's median is still over its RUNS runs. Needs hyperfine and jq.
bench_rounds() {
  local name=$1 runs=$2 dir=$3 round rounds_dir
  shift 3
  rounds_dir=$dir/$name.rounds
  rm -rf "$rounds_dir"
  mkdir -p "$rounds_dir"
  for ((round = 1; round <= runs; round++)); do
    echo "-- $name, round $round of $runs" >&2
    hyperfine --runs 1 --style basic --export-json "$rounds_dir/$round.json" "$@" >&2
  done
  jq -s -r -f "$(dirname "${BASH_SOURCE[0]}")/rounds.jq" "$rounds_dir"/*.json >"$dir/$name.csv"
  awk -F, 'NR == 1 { print "| Command | Median [s] | Min [s] | Max [s] | Mean [s] |"; print "|:---|---:|---:|---:|---:|"; next }
    { printf "| `%s` | %.3f | %.3f | %.3f | %.3f |\n", $1, $4, $7, $8, $2 }' "$dir/$name.csv" >"$dir/$name.md"
}
