#!/usr/bin/env bash
# `burnrate validate` on bad scenario files: exit code exactly 2, nothing on stdout, and a message
# on stderr naming the file, the field or line, and what is allowed. Plus one valid scenario that
# must print "ok" and exit 0.
#
# Usage (from ctest): bash tests/cli/bad_inputs_test.sh <path-to-burnrate> <source-dir>
set -u

BIN=${1:?usage: bad_inputs_test.sh BURNRATE_BINARY SOURCE_DIR}
SRC=${2:?usage: bad_inputs_test.sh BURNRATE_BINARY SOURCE_DIR}
FIX="$SRC/tests/fixtures/bad"

# One case per line: fixture file (relative to tests/fixtures/bad) | expected substring of stderr.
# Keep the expected text next to its case; it is the user-visible contract of the message.
CASES=(
  'unknown_field.yaml|unknown_field.yaml:7: cluster.pools[0].gpus: unknown field "gpus" (did you mean "gpus_per_node"?); allowed fields of Pool: name, gpu_type, gpus_per_node, nodes'
  'wrong_type.yaml|wrong_type.yaml:8: cluster.pools[0].nodes: "four" is not a number; expected a whole number'
  'map_not_list.json|map_not_list.json:4: cluster.pools: expected a list of maps (Pool), got a map'
  'negative_duration.yaml|negative_duration.yaml:14: workload.jobs[2].duration_s: -5 is not allowed; must be > 0 (seconds)'
  'zero_nodes.yaml|zero_nodes.yaml:8: cluster.pools[0].nodes: 0 is not allowed; must be >= 1'
  'job_too_large.yaml|job_too_large.yaml:12: workload.jobs[0].gpus: needs 4096 GPUs but the largest eligible pool has 1024 (pool "a100")'
  'unknown_gpu_type.yaml|unknown_gpu_type.yaml:6: cluster.pools[0].gpu_type: unknown GPU type "A1000"; known: V100, A100-40GB, A100-80GB, H100'
  'unknown_policy.yaml|unknown_policy.yaml:13: policies[1].queue: unknown queue policy "lifo"; known: fifo, fifo-skip, fifo-backfill, sjf'
  'malformed.yaml|malformed.yaml:6:9: malformed YAML: '
  'does_not_exist.yaml|does_not_exist.yaml: cannot read scenario: No such file or directory'
  'bad_date.yaml|bad_date.yaml:2: start: "2023-13-01" is not a valid date'
  'empirical_bad_line.yaml|empirical_bad_line.yaml:15: workload.generators[0].duration.empirical.path: '
  'empirical_bad_line.yaml|empirical_bad_line.txt:4: "ninety" is not a number'
  'oneof_both.textproto|oneof_both.textproto:11:'
  'empty.yaml|empty.yaml: scenario is empty'
  'missing_horizon.json|missing_horizon.json: horizon_days: is required; must be > 0 and <= 3660 (days)'
  'many_errors.yaml|many_errors.yaml:2: horizon_days: 0 is not allowed; must be > 0 and <= 3660 (days)'
  'many_errors.yaml|many_errors.yaml:7: cluster.pools[0].gpus_per_node: 80 is not allowed; must be 1..64'
  'many_errors.yaml|many_errors.yaml:9: cluster.pools[0].pricing.on_demand.usd_per_gpu_hour: -2 is not allowed; must be >= 0'
  'many_errors.yaml|many_errors.yaml:13: workload.generators[0].gpus.weights: has 1 weights for 2 values'
  'many_errors.yaml|many_errors.yaml:14: workload.generators[0].duration.lognormal.sigma: is required'
  'bad_policy_args.yaml|bad_policy_args.yaml:11: policies[0].queue_args.thresholds_gpu_hours: "10,1" is not strictly increasing; allowed: comma-separated increasing numbers'
  'bad_policy_args.yaml|bad_policy_args.yaml:13: policies[1].queue_args.preemt: unknown argument; allowed: preempt'
  'bad_policy_args.yaml|bad_policy_args.yaml:16: policies[2].placement_args.seed: unknown argument; this policy takes none'
  'bad_tenants.yaml|bad_tenants.yaml:6: cluster.cross_node_speed: 1.5 is too large; must be at most 1'
  'bad_tenants.yaml|bad_tenants.yaml:9: workload.tenants[0].max_gpus: 4 is below quota_gpus 8; must be >= quota_gpus, or 0 for no limit'
  'bad_tenants.yaml|bad_tenants.yaml:10: workload.tenants[1].name: duplicate tenant "research" (also workload.tenants[0])'
  'bad_tenants.yaml|bad_tenants.yaml:11: workload.tenants[2].weight: 0 is not allowed; must be > 0'
  'bad_tenants.yaml|bad_tenants.yaml:13: workload.jobs[0].deadline_s: -1 is not allowed; must be >= 0'
  'bad_services.yaml|bad_services.yaml:9: workload.services[0].gpus_per_replica: no pool can hold a replica of 8 GPUs: a replica runs on one node'
  'bad_services.yaml|bad_services.yaml:13: workload.services[1].name: duplicate service "api" (also workload.services[0])'
  'bad_services.yaml|bad_services.yaml:13: workload.services[1]: gives both service_time and tokens; give one'
  'bad_services.yaml|bad_services.yaml:21: workload.services[2].max_replicas: 2 is below min_replicas 4; must be >= min_replicas'
  'bad_services.yaml|bad_services.yaml:22: workload.services[2].slo.attainment: 1.5 is not allowed; must be in (0, 1]'
  'bad_services.yaml|bad_services.yaml:23: workload.services[2].routing: unknown routing "random"; allowed: round-robin, least-outstanding, shared-queue'
  'bad_services.yaml|bad_services.yaml:24: workload.services[2].autoscaler.args.targett: unknown argument; allowed: target, scale_down_delay_s'
  'bad_services.yaml|bad_services.yaml:25: workload.services[2].load.hourly_profile: has 3 values; give 24 (one per hour of the day, UTC)'
  'bad_services.yaml|bad_services.yaml:27: workload.services[3].tokens.input_tokens: is required'
  'bad_services.yaml|bad_services.yaml:30: workload.services[3].autoscaler.name: unknown autoscaler "hpa"; allowed: target-utilization, queue-length, schedule, replica-trace, fixed'
  'bad_services.yaml|bad_services.yaml:29: workload.services[3].fidelity: unknown fidelity "exact"; allowed: request (every request simulated), fluid (per time step)'
  'bad_services.yaml|bad_services.yaml:35: workload.services[4].max_wait_s: 1e-07 is below the clock'"'"'s resolution; must be 0 (no limit) or >= 1e-6 (seconds)'
  'bad_services.yaml|bad_services.yaml:36: workload.services[4].slo.latency_s: 1e-07 is below the clock'"'"'s resolution'
  'bad_services.yaml|bad_services.yaml:37: workload.services[4].revenue: prices tokens but the service has no token model (tokens)'
  'bad_services.yaml|bad_services.yaml:38: workload.services[4].autoscaler.args.replicas: "2.5" is not allowed; a whole number of replicas in [min_replicas, max_replicas] = [0, 2]'
  'bad_services.yaml|bad_services.yaml:39: workload.services[4].load.trace: is given with requests_per_s, a profile or noise_sigma'
  'bad_services.yaml|bad_services.yaml:41: workload.services[5].service_time.lognormal.sigma: 40 is too large for a service; must be <= 5'
  'unknown_extension.ini|unknown_extension.ini: unknown scenario file extension ".ini"; accepted: .yaml, .yml, .json, .textproto, .txtpb, .pbtxt'
)

failures=0
checked=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/burnrate_bad_inputs.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

fail() {
  failures=$((failures + 1))
  echo "FAIL: $*"
}

# Runs `burnrate validate FILE`; sets rc, out, err.
run_validate() {
  "$BIN" validate "$1" >"$TMP/stdout" 2>"$TMP/stderr"
  rc=$?
  out=$(cat "$TMP/stdout")
  err=$(cat "$TMP/stderr")
}

for case in "${CASES[@]}"; do
  file=${case%%|*}
  expected=${case#*|}
  checked=$((checked + 1))
  run_validate "$FIX/$file"
  ok=1
  if [[ $rc -ne 2 ]]; then
    fail "$file: exit code $rc, expected 2"
    ok=0
  fi
  if [[ -n $out ]]; then
    fail "$file: stdout must be empty on bad input; got:"
    printf '    | %s\n' "$out"
    ok=0
  fi
  if [[ $err != "burnrate: "* ]]; then
    fail "$file: stderr must start with \"burnrate: \""
    ok=0
  fi
  if [[ $err != *"$expected"* ]]; then
    fail "$file: stderr does not contain the expected text"
    echo "  --- expected (substring)"
    printf '  - %s\n' "$expected"
    echo "  +++ actual stderr"
    printf '  + %s\n' "$err"
    ok=0
  fi
  [[ $ok -eq 1 ]] && echo "ok: $file: ${expected:0:70}"
done

# Every scenario-like fixture must have a case (data files such as .txt/.csv are inputs of cases).
for path in "$FIX"/*; do
  name=$(basename "$path")
  case $name in *.txt | *.csv) continue ;; esac
  found=0
  for case in "${CASES[@]}"; do [[ ${case%%|*} == "$name" ]] && found=1; done
  [[ $found -eq 1 ]] || fail "fixture $name has no case in $0"
done

# A valid scenario (with an empirical file next to it) passes: "ok" on stdout, exit 0.
cat >"$TMP/valid.yaml" <<'YAML'
name: valid
horizon_days: 7
cluster:
  pools:
    - {name: a100, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 16, pricing: {on_demand: {usd_per_gpu_hour: 2.5}}}
workload:
  jobs:
    - {gpus: 64, duration_s: 3600}
  generators:
    - arrivals_per_hour: 2
      gpus: {values: [1, 8]}
      duration: {empirical: {path: durations.csv, column: minutes, scale: 60}}
policies:
  - {queue: fifo}
  - {queue: sjf, placement: best-fit}
YAML
printf 'job,minutes\na,30\nb,90\n' >"$TMP/durations.csv"
checked=$((checked + 1))
run_validate "$TMP/valid.yaml"
if [[ $rc -ne 0 || $out != ok* || -n $err ]]; then
  fail "valid.yaml: expected exit 0, stdout starting with \"ok\" and an empty stderr"
  echo "  exit code: $rc"
  printf '  stdout: %s\n' "$out"
  printf '  stderr: %s\n' "$err"
else
  echo "ok: valid.yaml: $out"
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s) in $checked checks"
  exit 1
fi
echo "all $checked checks passed"
