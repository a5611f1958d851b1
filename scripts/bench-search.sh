#!/usr/bin/env bash
# Benchmark: search latency at scale and the vector index's recall.
#   scripts/bench-search.sh MODEL_DIR [ITEMS=100000] [QUERIES=200]
# MODEL_DIR: e.g. a full-size random-weight export from
# scripts/make_bench_model.py (cost does not depend on the weights).
# Builds the benchmark once in release (about an hour on 2 cores the first
# time; keep it out of CI), fills a library under ${BENCH_LIBRARY:-/tmp/clipdex-bench-<ITEMS>}
# (reused by later runs) and prints a table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1
items=${2:-100000}
queries=${3:-200}
lib=${BENCH_LIBRARY:-/tmp/clipdex-bench-$items}
cargo build --release -p clipdex-library --example bench_search
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"${CARGO_TARGET_DIR:-target}/release/examples/bench_search" "$model" "$lib" "$items" "$queries"
