#!/usr/bin/env bash
# Runs every whole-run benchmark in its own process (peak_rss_mb is the process peak, so sharing
# a process would report the largest run so far), one after another, then the engine
# micro-benchmarks. Usage: bench/run_whole.sh [BUILD_DIR] (default: build).
set -euo pipefail
build="${1:-build}"
bin="$build/bench/burnrate_bench"
[[ -x "$bin" ]] || { echo "no $bin; build with -DBURNRATE_BUILD_BENCH=ON first" >&2; exit 1; }
echo "nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
"$bin" --benchmark_list_tests | grep '^BM_WholeRun' | sed 's#/iterations:1/real_time$##' |
  while read -r name; do
    # Exact match: escape regex metacharacters ('+', '.') in the name.
    "$bin" --benchmark_filter="^$(printf '%s' "$name" | sed 's/[.+]/\\&/g')/" 2>/dev/null |
      grep '^BM_'
  done
"$bin" --benchmark_filter='BM_EventQueueHold|BM_EngineEvents|BM_Place|BM_SchedulingPass'
