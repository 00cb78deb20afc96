#!/usr/bin/env bash
# Needs the real Philly trace (../shared/traces/philly-2017/philly_runtime.csv, or
# $BURNRATE_TRACES/philly-2017/...; upstream locations in docs/traces.md). Skipped (exit 77)
# when it is absent.
#
# A generator resampling the 83,154 Philly run times must reproduce the trace's median
# (1,186 s) and mean (14,613 s): on a cluster too big to queue, JCT = run time, so the run's
# p50 and mean JCT are the sample median and mean of the draws.
# Usage (from ctest): bash tests/cli/philly_trace_test.sh <path-to-burnrate> <source-dir>
set -u
BIN=${1:?usage: philly_trace_test.sh BURNRATE_BINARY SOURCE_DIR}
SRC=${2:?usage: philly_trace_test.sh BURNRATE_BINARY SOURCE_DIR}
TRACES=${BURNRATE_TRACES:-$SRC/../shared/traces}
CSV="$TRACES/philly-2017/philly_runtime.csv"
if [ ! -r "$CSV" ]; then
  echo "SKIP: $CSV not found (set BURNRATE_TRACES; see docs/traces.md for the upstream location)"
  exit 77
fi
CSV=$(cd "$(dirname "$CSV")" && pwd)/$(basename "$CSV")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# 200,000 one-GPU jobs over 30 days on 10,000 GPUs: at most ~1,200 GPUs busy, nobody waits.
cat > "$TMP/philly.yaml" <<YAML
name: philly-durations
horizon_days: 60
sample_interval_s: 86400
cluster:
  pools:
    - { name: big, gpu_type: V100, gpus_per_node: 8, nodes: 1250,
        pricing: { reserved: { usd_per_gpu_hour: 1 } } }
workload:
  reference_gpu: V100
  generators:
    - arrivals_per_hour: 277.78
      end_s: 2592000
      gpus: { values: [1] }
      duration: { empirical: { path: "$CSV", column: runtime } }
YAML
"$BIN" run "$TMP/philly.yaml" --quiet --json "$TMP/r.json" || { echo "run failed"; exit 1; }
get() { grep -oE "\"$1\": [0-9.e+-]+" "$TMP/r.json" | head -1 | awk '{print $2}'; }
p50=$(get p50_jct_s)
mean=$(get mean_jct_s)
wait=$(get mean_queue_delay_s)
done_jobs=$(get jobs_completed)
echo "jobs completed $done_jobs, p50 JCT $p50 s (trace 1186), mean JCT $mean s (trace 14613), mean wait $wait s"
awk -v p50="$p50" -v mean="$mean" -v wait="$wait" -v n="$done_jobs" 'BEGIN {
  bad = 0
  if (n < 190000) { print "too few jobs completed"; bad = 1 }
  if (wait != 0) { print "jobs waited; the test needs an idle cluster"; bad = 1 }
  if (p50 < 1186 * 0.97 || p50 > 1186 * 1.03) { print "median off by more than 3%"; bad = 1 }
  if (mean < 14613 * 0.95 || mean > 14613 * 1.05) { print "mean off by more than 5%"; bad = 1 }
  exit bad
}'
