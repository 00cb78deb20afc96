#!/usr/bin/env bash
# `burnrate run/compare/help/--version` as a user types them: outputs, exit codes, messages, and
# no output file left behind by a failed run.
# Usage (from ctest): bash tests/cli/run_test.sh <path-to-burnrate> <source-dir>
set -u
BIN=${1:?usage: run_test.sh BURNRATE_BINARY SOURCE_DIR}
SRC=${2:?usage: run_test.sh BURNRATE_BINARY SOURCE_DIR}
QS="$SRC/examples/quickstart.yaml"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect CODE SUBSTRING -- command...: exit code and a substring of stdout+stderr.
expect() {
  local code=$1 want=$2
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  [ "$rc" -eq "$code" ] || fail "'$*' exited $rc, expected $code. Output:\n$out"
  case "$out" in
    *"$want"*) ;;
    *) fail "'$*' output lacks: $want
--- got:
$out" ;;
  esac
}

# A normal run: table on stdout, JSON and CSV files with the contract's fields.
expect 0 "fifo-backfill+best-fit" -- env COLUMNS=200 "$BIN" run "$QS" --json "$TMP/r.json" --csv "$TMP/csv"
for f in summary.csv monthly.csv timeseries.csv jobs.csv by_gpu_count.csv tenants.csv; do
  [ -s "$TMP/csv/$f" ] || fail "--csv did not write $f"
done
for field in '"scenario": "quickstart"' '"policy": "fifo+first-fit"' '"seed": 1' \
             '"jobs_submitted": ' '"gpu_utilization": ' '"p99_jct_s": ' '"makespan_s": ' \
             '"total_cost_usd": ' '"cost_per_allocated_gpu_hour_usd": ' '"month": "2023-08"' \
             '"gpu_type": "A100-80GB"'; do
  grep -qF "$field" "$TMP/r.json" || fail "results JSON lacks $field"
done
# Counts are JSON numbers, not strings.
grep -qE '"jobs_completed": [0-9]+,' "$TMP/r.json" || fail "jobs_completed is not a number"

# Same seed, same bytes; another seed, other bytes.
"$BIN" run "$QS" --quiet --json "$TMP/r2.json" || fail "second run failed"
cmp -s "$TMP/r.json" "$TMP/r2.json" || fail "two runs with the same seed differ"
"$BIN" run "$QS" --quiet --seed 2 --json "$TMP/r3.json" || fail "seed 2 run failed"
cmp -s "$TMP/r.json" "$TMP/r3.json" && fail "seed 2 gave the same JSON as seed 1"

# --policy replaces the scenario's list; compare takes a comma list.
out=$("$BIN" run "$QS" --policy sjf+spread 2>&1)
case "$out" in *"sjf+spread"*) ;; *) fail "--policy sjf+spread not in the table" ;; esac
case "$out" in *"fifo-skip"*) fail "--policy did not replace the scenario's policies" ;; esac
expect 0 "fifo-skip+first-fit" -- "$BIN" compare "$QS" --policies fifo,fifo-skip
# Policy arguments in brackets, as run names spell them; commas inside brackets are values.
expect 0 "gpu_hours=1,10]+topology" -- "$BIN" compare "$QS" \
  --policies 'tiresias-las[thresholds_gpu_hours=1,10]+topology,fifo'
expect 2 'tiresias-las thresholds: unknown argument; allowed: thresholds_gpu_hours, promote_knob' \
  -- "$BIN" run "$QS" --policy 'tiresias-las[thresholds=1]'
expect 2 'expected NAME=VALUE' -- "$BIN" run "$QS" --policy 'srtf[preempt_margin]'
expect 2 'is not a number' -- "$BIN" run "$QS" --policy 'srtf[preempt_margin=lots]'

# Not a terminal: no escape codes.
"$BIN" run "$QS" | grep -q $'\033' && fail "escape codes in non-TTY output"

# Bad flags: exit 2, a message that teaches, and no output file.
expect 2 'unknown queue policy "lifo"' -- "$BIN" run "$QS" --policy lifo --json "$TMP/bad.json"
expect 2 "fifo-skip" -- "$BIN" run "$QS" --policy lifo
expect 2 'unknown placement policy "worst-fit"' -- "$BIN" run "$QS" --policy fifo+worst-fit
[ -e "$TMP/bad.json" ] && fail "a failed run left $TMP/bad.json behind"
expect 2 "does not exist" -- "$BIN" run "$QS" --json "$TMP/no/such/dir/r.json"
expect 2 "--seed" -- "$BIN" run "$QS" --seed banana
expect 2 "scenario is required" -- "$BIN" run
expect 2 "burnrate --help" -- "$BIN" frobnicate
expect 2 "--policies is required" -- "$BIN" compare "$QS"
# A bad scenario with --json: exit 2 and no file.
expect 2 "duration_s: -5 is not allowed" -- "$BIN" run "$SRC/tests/fixtures/bad/negative_duration.yaml" --json "$TMP/neg.json"
[ -e "$TMP/neg.json" ] && fail "a failed run left $TMP/neg.json behind"
ls "$TMP" | grep -q tmp- && fail "temporary files left in $TMP"

# A write that fails after the run leaves nothing: the JSON is not written when the CSV
# directory cannot be made.
expect 2 "creating directory" -- "$BIN" run "$QS" --json "$TMP/partial.json" --csv /proc/no/such
[ -e "$TMP/partial.json" ] && fail "a failed CSV write left $TMP/partial.json behind"
expect 2 "given twice" -- "$BIN" run "$QS" --policy fifo --policy fifo

# Seed 0 means 1, on the command line as in scenario files.
"$BIN" run "$QS" --quiet --seed 0 --json "$TMP/s0.json" || fail "--seed 0 run failed"
"$BIN" run "$QS" --quiet --seed 1 --json "$TMP/s1.json" || fail "--seed 1 run failed"
cmp -s "$TMP/s0.json" "$TMP/s1.json" || fail "--seed 0 and --seed 1 differ"

# Jobs submitted after the horizon are legal but announced, not dropped silently.
cat > "$TMP/late.yaml" <<'YAML'
horizon_days: 1
cluster:
  pools: [{ name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 1,
            pricing: { on_demand: { usd_per_gpu_hour: 2 } } }]
workload:
  jobs:
    - { gpus: 1, duration_s: 60 }
    - { gpus: 1, duration_s: 60, submit_s: 90000 }
YAML
expect 0 "warning: " -- "$BIN" validate "$TMP/late.yaml"
expect 0 "1 job(s) submit at or after the horizon (86400 s) and will not run (first: workload.jobs[1] at 90000 s)" -- "$BIN" run "$TMP/late.yaml" --quiet

# The planner: a recommendation, the current configuration, JSON, and a scenario without a plan.
expect 0 "Current:     a100-committed=20, h100-overflow=8" -- "$BIN" plan "$SRC/examples/capacity-plan.yaml" --json "$TMP/plan.json" --jobs 2
grep -q '"recommended": ' "$TMP/plan.json" || fail "plan JSON lacks recommended"
expect 2 "no plan section" -- "$BIN" plan "$QS"

# The headline example: the as-was August 2023 bill is ~$8.25M by construction (within 5%).
"$BIN" run "$SRC/examples/stability-2023.yaml" --quiet --json "$TMP/stab.json" || fail "stability run failed"
bill=$(grep -oE '"total_cost_usd": [0-9.e+]+' "$TMP/stab.json" | head -1 | awk '{print $2}')
awk -v b="$bill" 'BEGIN { exit !(b > 8250000 * 0.95 && b < 8250000 * 1.05) }' ||
  fail "stability-2023 bill $bill is not within 5% of \$8.25M"
# ... with the image API's revenue (~$0.92M a month by construction, docs/stability-2023.md 4b)
# and a margin of revenue - bill; the fifth policy lets inference evict training.
revenue=$(grep -oE '"revenue_usd": [0-9.e+]+' "$TMP/stab.json" | head -1 | awk '{print $2}')
awk -v r="$revenue" 'BEGIN { exit !(r > 850000 && r < 980000) }' ||
  fail "stability-2023 API revenue $revenue is not ~\$0.92M"
grep -q '"gross_margin_usd": -7' "$TMP/stab.json" || fail "stability-2023 margin is not about -\$7M"
grep -q '"policy": "fifo-backfill+best-fit (inference preempts)"' "$TMP/stab.json" ||
  fail "stability-2023 has no run where inference preempts training"
grep -q '"preemptions_by_inference": [1-9]' "$TMP/stab.json" ||
  fail "stability-2023: inference never evicted a training job"

# Traces: formats, stats, a bad row (exit 2, file:line:column), lenient, and fit -> run.
expect 0 "burnrate-csv" -- "$BIN" trace formats
printf 'submit_s,gpus,duration_s\n0,1,3600\n600,8,7200\n1200,x,60\n1800,2,1800\n' > "$TMP/log.csv"
expect 2 'log.csv:4:6: gpus: "x" is not a number' -- "$BIN" trace stats "$TMP/log.csv" --format burnrate-csv
expect 0 "unreadable rows skipped 1" -- "$BIN" trace stats "$TMP/log.csv" --format burnrate-csv --lenient
expect 2 'unknown trace format "csv"' -- "$BIN" trace stats "$TMP/log.csv" --format csv
expect 0 "wrote $TMP/gen.yaml" -- "$BIN" trace fit "$TMP/log.csv" --format burnrate-csv --lenient -o "$TMP/gen.yaml"
{ printf 'horizon_days: 1\ncluster:\n  pools: [{name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 4, pricing: {on_demand: {usd_per_gpu_hour: 1}}}]\nworkload:\n  generators:\n'
  sed 's/^/    /' "$TMP/gen.yaml"; } > "$TMP/fitted.yaml"
expect 0 "ok: fitted" -- "$BIN" validate "$TMP/fitted.yaml"
printf 'horizon_days: 1\ncluster:\n  pools: [{name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 4, pricing: {on_demand: {usd_per_gpu_hour: 1}}}]\nworkload:\n  traces: [{format: burnrate-csv, path: log.csv}]\n' > "$TMP/replay.yaml"
expect 2 "log.csv:4:6: gpus" -- "$BIN" validate "$TMP/replay.yaml"

# Help and version.
expect 0 "fifo-backfill" -- "$BIN" help policies
expect 0 "--json" -- "$BIN" help run
expect 0 "validate" -- "$BIN" --help
expect 0 "burnrate 0." -- "$BIN" --version
expect 2 "unknown topic" -- "$BIN" help nonsense
expect 0 "ok: quickstart" -- "$BIN" validate "$QS"

# Output paths: two outputs naming one file, a device, a symlink (written through).
expect 2 "name the same path; give each output its own" -- "$BIN" run "$QS" -q --json "$TMP/same.out" --report "$TMP/same.out"
[ -e "$TMP/same.out" ] && fail "a refused run wrote $TMP/same.out"
# (A FIFO stands for devices: never point a test at /dev/null, which a bug would replace.)
mkfifo "$TMP/fifo"
expect 2 "not a regular file" -- "$BIN" run "$QS" -q --report "$TMP/fifo"
expect 2 "not a regular file" -- "$BIN" plan "$SRC/examples/capacity-plan.yaml" --report "$TMP/fifo"
[ -p "$TMP/fifo" ] || fail "an output replaced a FIFO"
echo old >"$TMP/target.html"
ln -s "$TMP/target.html" "$TMP/link.html"
expect 0 "" -- "$BIN" run "$QS" -q --report "$TMP/link.html"
[ -L "$TMP/link.html" ] || fail "--report replaced a symlink instead of writing through it"
grep -q '<!DOCTYPE html>' "$TMP/target.html" || fail "--report through a symlink did not write its target"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all run checks passed"
