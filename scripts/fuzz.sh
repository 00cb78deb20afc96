#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang, ASan + UBSan) and runs each for N seconds.
# Fails (exit 1) when any finds a crash, a leak, a timeout or runs out of memory, and prints how
# to reproduce it. See docs/hardening.md.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 60)
# Environment:
#   FUZZ_BUILD_DIR   build directory (default build-fuzz)
#   FUZZ_TARGETS     space-separated harnesses to run (default: all, see BUILD/fuzz/targets.txt)
#   FUZZ_JOBS        harnesses run at once (default 1)
#   FUZZ_BUILD_JOBS  ninja -j for the build (default: nproc)
#   FUZZ_TIMEOUT     seconds one input may take before it counts as a hang (default 10)
#   FUZZ_RSS_MB      memory limit of a harness (default 2048)
#   BURNRATE_TRACES  the real traces (default ../shared/traces): their first KB seed the corpora
# The corpora grow in BUILD/corpus/<target>/ across runs; crash inputs go to
# BUILD/artifacts/<target>/; each run's output to BUILD/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${1:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]  (a whole number of seconds >= 1)" >&2
  exit 2
fi
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-1}
build_jobs=${FUZZ_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
timeout_s=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
traces=${BURNRATE_TRACES:-$root/../shared/traces}

clangxx=${FUZZ_CXX:-clang++}
if ! command -v "$clangxx" >/dev/null; then
  echo "fuzz: $clangxx not found; libFuzzer needs clang (scripts/install-deps.sh installs it)" >&2
  exit 2
fi

# --- build -------------------------------------------------------------------------------------
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$clangxx" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DBURNRATE_FUZZ=ON -DBURNRATE_BUILD_TESTS=OFF -DBURNRATE_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" -j "$build_jobs" --target burnrate_fuzzers
fuzzdir=$build/fuzz
mapfile -t all_targets < <(grep -v '^$' "$fuzzdir/targets.txt")
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
  for t in "${targets[@]}"; do
    if ! printf '%s\n' "${all_targets[@]}" | grep -qx "$t"; then
      echo "fuzz: unknown target $t; known: ${all_targets[*]}" >&2
      exit 2
    fi
  done
else
  targets=("${all_targets[@]}")
fi

# --- seeds (rebuilt every run; the corpus directories keep what the fuzzers found) -------------
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds"
fixtures=$root/tests/fixtures
seed() {  # seed TARGET FILE... : copies the files that exist
  local t=$1
  shift
  mkdir -p "$seeds/$t"
  local f
  for f in "$@"; do
    if [ -f "$f" ]; then cp "$f" "$seeds/$t/$(basename "$f")"; fi
  done
}
excerpt() {  # excerpt TARGET FILE : the first 4 KB of a real trace, when it is there
  local t=$1 f=$2
  mkdir -p "$seeds/$t"
  if [ -r "$f" ]; then head -c 4096 "$f" >"$seeds/$t/real-$(basename "$f")"; fi
}

seed fuzz_scenario_yaml "$root"/examples/*.yaml "$fixtures"/bad/*.yaml "$root"/bench/scenarios/*.yaml
seed fuzz_scenario_json "$fixtures"/bad/*.json
seed fuzz_scenario_textproto "$fixtures"/bad/*.textproto
for y in "$root"/examples/*.yaml "$fixtures"/bad/*.yaml; do
  name=$(basename "$y" .yaml)
  "$fuzzdir/burnrate_fuzz_seed_convert" "$y" "$seeds/fuzz_scenario_json/$name.json" \
    "$seeds/fuzz_scenario_textproto/$name.textproto" 2>/dev/null || true
done
# Scenarios that name the files a fuzzed scenario may read (fuzz/fuzz_entry.h: FuzzDataDir).
cat >"$seeds/fuzz_scenario_yaml/files.yaml" <<'EOF'
horizon_days: 2
cluster:
  pools:
    - {name: a100, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 4,
       pricing: {on_demand: {usd_per_gpu_hour: 2.5}}}
workload:
  generators:
    - arrivals_per_hour: 2
      gpus: {values: [1, 8]}
      duration: {empirical: {path: durations.txt, scale: 60}}
    - arrivals_per_hour: 1
      gpus: {values: [1]}
      duration: {empirical: {path: durations.csv, column: seconds}}
  traces:
    - {format: helios, path: helios_small.csv, lenient: true}
    - {format: swf, path: small.swf, window_end_s: 100000}
EOF

seed fuzz_trace_philly_json "$fixtures"/traces/philly_small.json
seed fuzz_trace_openb "$fixtures"/traces/openb_small.csv
seed fuzz_trace_helios "$fixtures"/traces/helios_small.csv
seed fuzz_trace_alibaba_pai_2020 "$fixtures"/traces/pai_task_small.csv
seed fuzz_trace_swf "$fixtures"/traces/small.swf
seed fuzz_trace_gavel "$fixtures"/traces/gavel_small.trace
seed fuzz_trace_azure_llm "$fixtures"/traces/azure_llm_small.csv
seed fuzz_trace_alibaba_dlrm "$fixtures"/traces/dlrm_small.csv
seed fuzz_trace_openb_nodes
seed fuzz_failure_trace "$fixtures"/failures/*.csv
mkdir -p "$seeds/fuzz_trace_burnrate_csv" "$seeds/fuzz_trace_philly"
printf '%s\n' '# planners'"'"' log' 'name,submit_s,gpus,duration_s,gpu_type,user,vc,status' \
  'a,0,8,3600,H100,alice,research,ok' 'b,10,0.5,60,,bob,,failed' 'c,20,4,60,,,,ok' \
  >"$seeds/fuzz_trace_burnrate_csv/log.csv"
printf '%s\n' 'job_id,submit_time,submit_s,num_gpus,first_start_time,last_end_time,queue_s,runtime_s,busy_s,n_attempts' \
  'application_1,2017-09-04 10:30:41,0,8,2017-09-04 10:30:53,2017-09-30 08:47:57,12,2240224,2240194,4' \
  'application_2,2017-09-12 03:11:40,664859,0.5,2017-09-12 03:11:52,2017-10-02 18:38:57,12,1783625,1780406,1' \
  >"$seeds/fuzz_trace_philly/philly.csv"
printf '%s\n' 'sn,cpu_milli,memory_mib,gpu,model' 'node-1,96000,786432,8,V100M16' \
  'node-2,64000,262144,0,' 'node-3,96000,786432,2,A10' >"$seeds/fuzz_trace_openb_nodes/nodes.csv"
excerpt fuzz_trace_philly "$traces/philly-2017/philly_jobs_ge4gpu_pass.csv"
excerpt fuzz_trace_philly_json "$traces/philly-2017/philly_jobs_ge4gpu_pass.json"
excerpt fuzz_trace_openb "$traces/alibaba-gpu-v2023-openb/openb_pod_list_default.csv"
excerpt fuzz_trace_openb "$traces/alibaba-gpu-v2023-openb/openb_pod_list_gpuspec33.csv"
excerpt fuzz_trace_openb_nodes "$traces/alibaba-gpu-v2023-openb/openb_node_list_gpu_node.csv"
excerpt fuzz_trace_openb_nodes "$traces/alibaba-gpu-v2023-openb/openb_node_list_all_node.csv"
excerpt fuzz_trace_azure_llm "$traces/azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv"
excerpt fuzz_trace_alibaba_dlrm "$traces/alibaba-gpu-v2025-dlrm/disaggregated_DLRM_trace.csv"
# Each trace seed gzip-compressed too (importers detect gzip from the content).
for t in "${all_targets[@]}"; do
  case $t in fuzz_trace_*) ;; *) continue ;; esac
  for f in "$seeds/$t"/*; do
    [ -f "$f" ] && case $f in *.gz) ;; *) gzip -9 -c "$f" >"$f.gz" ;; esac
  done
done
# The committed regression inputs (crashes found before: tests/fixtures/fuzz/<target>/).
for t in "${all_targets[@]}"; do
  seed "$t" "$fixtures/fuzz/$t"/*
done

# --- run ---------------------------------------------------------------------------------------
mkdir -p "$build/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if command -v llvm-symbolizer >/dev/null; then
  export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer)}
fi

run_one() {  # run_one TARGET : exit status of the fuzzer
  local t=$1
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
  "$fuzzdir/$t" -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
    -max_len=16384 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" \
    "$build/corpus/$t" "$seeds/$t" >"$build/logs/$t.log" 2>&1
}

echo "fuzz: ${#targets[@]} harnesses, ${seconds} s each, $jobs at a time (logs: $build/logs)"
declare -A status
running=()
for t in "${targets[@]}"; do
  run_one "$t" &
  running+=("$!:$t")
  while [ "${#running[@]}" -ge "$jobs" ]; do
    wait -n || true
    still=()
    for entry in "${running[@]}"; do
      pid=${entry%%:*}
      if kill -0 "$pid" 2>/dev/null; then still+=("$entry"); else
        wait "$pid" && status[${entry#*:}]=0 || status[${entry#*:}]=$?
      fi
    done
    running=("${still[@]}")
  done
done
for entry in "${running[@]}"; do
  pid=${entry%%:*}
  wait "$pid" && status[${entry#*:}]=0 || status[${entry#*:}]=$?
done

failed=0
for t in "${targets[@]}"; do
  log=$build/logs/$t.log
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  units=$(find "$build/corpus/$t" -type f | wc -l)
  if [ "${status[$t]}" -eq 0 ]; then
    printf 'fuzz: %-32s ok      %10s runs, corpus %s\n' "$t" "${runs:-?}" "$units"
    continue
  fi
  failed=1
  printf 'fuzz: %-32s FAILED  (exit %s)\n' "$t" "${status[$t]}"
  grep -E '^(==[0-9]+==ERROR|SUMMARY|FUZZ_CHECK|.*runtime error:|ALARM|==[0-9]+== ERROR: libFuzzer)' \
    "$log" | head -5 | sed 's/^/      /'
  for a in $(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | sort -u); do
    echo "      input: $a"
    echo "      reproduce: $fuzzdir/$t $a"
    echo "      regression: copy it to tests/fixtures/fuzz/$t/ (tests/scenario/fuzz_regressions_test.cc replays it)"
  done
  echo "      log: $log"
done
exit "$failed"
