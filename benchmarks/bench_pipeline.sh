#!/usr/bin/env bash
# Wall time and peak memory of `netdyn run` on each real dataset and on the default simulation,
# each in a fresh temporary database. Usage: bash benchmarks/bench_pipeline.sh [DATA_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-$repo/../shared/data}
netdyn=$repo/.venv/bin/netdyn
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
run() {
  local name=$1; shift
  /usr/bin/time -f "$name: %e s wall, %M KB peak RSS" "$netdyn" run --db "$work/$name.duckdb" \
    --reports-dir "$work/reports" "$@" > "$work/$name.out" 2> "$work/$name.err" \
    || { cat "$work/$name.err"; exit 1; }
  tail -n 1 "$work/$name.err"
}
run simulation-100k
run twitter15-16 --source twitter15-16 --path "$data/twitter15-16-propagation-trees/Twitter15_16_dataset.tar.gz"
run twitter15-16-again --source twitter15-16 --path "$data/twitter15-16-propagation-trees/Twitter15_16_dataset.tar.gz" --db "$work/twitter15-16.duckdb"
run moltbook-api --source moltbook-api --path "$data/moltbook-api-sample/posts"
run moltbook-observatory --source moltbook-observatory --path "$data/moltbook-noosphere-observatory"
run collegemsg --source edgelist --path "$data/snap-collegemsg/CollegeMsg.txt.gz"
