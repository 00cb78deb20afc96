#!/usr/bin/env bash
# `burnrate sweep` and `burnrate merge` as a user runs them (docs/sweep.md):
#   (a) the merge of a sweep run in 3 shards (--shard I/N, a Slurm array with and without an
#       offset or step, a Kubernetes Indexed Job) is byte for byte the merge of the unsharded
#       run, JSON and CSV; the expansion order --list shows is the documented one; 100
#       scenario variants compile on 2 threads at once without a crash;
#   (b) resume: deleted points are simulated again, the rest skipped, the same bytes;
#   (c) Ctrl-C (SIGINT) and SIGTERM: exit 130, finished points kept, no stray files, and the
#       rerun completes to the bytes of an uninterrupted run;
#   (d) mistakes exit 2 with a message that says what to do (the grid's line included) and
#       leave no --out directory, also under --list; refused resumes and merges; a shard
#       without points still leaves a directory merge takes;
#   (e) examples/sweep/slurm.sbatch (under a stand-in sbatch that runs each array task as
#       Slurm would) and the container of examples/sweep/k8s-indexed-job.yaml (once per
#       completion index) give the bytes of the unsharded example sweep; the ```python blocks
#       of docs/sweep.md run on its CSV (when /usr/bin/python3 has pandas);
#   (f) `burnrate run --set PATH=VALUE`, including the examples its own error message gives.
# Usage (from ctest): bash tests/cli/sweep_test.sh <path-to-burnrate> <source-dir>
set -u
BIN=${1:?usage: sweep_test.sh BURNRATE_BINARY SOURCE_DIR}
SRC=${2:?usage: sweep_test.sh BURNRATE_BINARY SOURCE_DIR}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
case "$SRC" in /*) ;; *) SRC="$PWD/$SRC" ;; esac
QS="$SRC/examples/quickstart.yaml"
EXAMPLE="$SRC/examples/sweep/load-vs-policy.yaml"
SBATCH_SCRIPT="$SRC/examples/sweep/slurm.sbatch"
K8S_JOB="$SRC/examples/sweep/k8s-indexed-job.yaml"
TMP=$(mktemp -d)
BG_PID=
cleanup() {
  if [ -n "$BG_PID" ]; then kill -KILL "$BG_PID" 2>/dev/null; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
SECONDS=0

# The test decides the shard of every run: a CI job that itself runs under Slurm or in an
# Indexed Job must not turn the unsharded runs into shards.
for v in ${!SLURM_@}; do unset "$v"; done
unset JOB_COMPLETION_INDEX BURNRATE_SHARD_COUNT JOB_COMPLETIONS

# burnrate under a time limit: a hang (or a crash loop) fails the test instead of stalling ctest.
mkdir "$TMP/bin"
printf '#!/bin/sh\nexec timeout -k 5 120 "%s" "$@"\n' "$BIN" >"$TMP/bin/burnrate"
chmod +x "$TMP/bin/burnrate"
B="$TMP/bin/burnrate"

# expect CODE SUBSTRING -- command...: exit code and a substring of stdout+stderr.
expect() {
  local code=$1 want=$2
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  [ "$rc" -eq "$code" ] || fail "'$*' exited $rc, expected $code. Output:
$out"
  case "$out" in
    *"$want"*) ;;
    *) fail "'$*' output lacks: $want
--- got:
$out" ;;
  esac
  LAST_OUT=$out
}

# same_bytes WHAT A B: the two files are byte for byte equal.
same_bytes() {
  cmp -s "$2" "$3" || fail "$1: $2 and $3 differ: $(cmp "$2" "$3" 2>&1 | head -1)"
}

# merged NAME DIR...: merge DIRs into $TMP/NAME.json and $TMP/NAME-csv; exit code checked.
merged() {
  local name=$1
  shift
  local out
  if ! out=$("$B" merge "$@" --json "$TMP/$name.json" --csv "$TMP/$name-csv" -q 2>&1); then
    fail "merge $name ($*) failed: $out"
  fi
}

# same_merge NAME REF: NAME's JSON and CSV files equal REF's.
same_merge() {
  same_bytes "merge $1 vs $2 (JSON)" "$TMP/$2.json" "$TMP/$1.json"
  for f in points.csv groups.csv; do
    same_bytes "merge $1 vs $2 ($f)" "$TMP/$2-csv/$f" "$TMP/$1-csv/$f"
  done
}

# point_files DIR: the point files of a sweep directory, one per line, sorted.
point_files() { ls "$1/points" 2>/dev/null | grep -E '^p[0-9]{6}\.json$' | sort; }
count_points() { point_files "$1" | wc -l | tr -d ' '; }
# stray_files DIR: anything in DIR/points that is not a point file (a temporary file).
stray_files() { ls -A "$1/points" 2>/dev/null | grep -vE '^p[0-9]{6}\.json$'; }

# ------------------------------------------------------------------------------------------
# Fixtures: two small scenarios (2 days) and a grid over both. Relative paths in the grid are
# relative to the grid file, not to where burnrate runs.
mkdir -p "$TMP/g" "$TMP/elsewhere"
cat >"$TMP/g/s.yaml" <<'YAML'
name: small
start: "2023-08-01"
horizon_days: 2
seed: 1
cluster:
  pools:
    - name: a100
      gpu_type: A100-80GB
      gpus_per_node: 8
      nodes: 8
      pricing: { reserved: { usd_per_gpu_hour: 2.00 } }
workload:
  generators:
    - name: train
      arrivals_per_hour: 12
      gpus: { values: [1, 2, 4, 8], weights: [40, 20, 20, 20] }
      duration: { lognormal: { median_s: 1200, sigma: 2.0 }, max_s: 172800 }
policies:
  - { queue: fifo, placement: first-fit }
YAML
sed -e 's/^name: small/name: small-on-demand/' \
    -e 's/reserved: { usd_per_gpu_hour: 2.00 }/on_demand: { usd_per_gpu_hour: 3.00 }/' \
    "$TMP/g/s.yaml" >"$TMP/g/s2.yaml"
cat >"$TMP/g/grid.yaml" <<'YAML'
# 2 scenarios x 2 rates x 2 sizes x 2 policies x 3 seeds = 48 points
name: shards
scenarios: [s.yaml, s2.yaml]
policies: [fifo+first-fit, sjf+best-fit]
seeds: { first: 3, count: 3 }
parameters:
  - name: rate
    set: workload.generators[train].arrivals_per_hour
    values: [6, 24]
  - name: nodes
    set: ["cluster.pools[a100].nodes"]   # in a flow list, quote paths with [...]
    values: [4, 8]
YAML
G="$TMP/g/grid.yaml"
cd "$TMP/elsewhere" || exit 1

# ------------------------------------------------------------------------------------------
# (a) The whole grid, then the same grid in 3 shards five ways: the merges are the same bytes.
expect 0 "sweep shards: whole grid: 48 points, 48 simulated now, 0 already done" -- \
  "$B" sweep "$G" --out "$TMP/whole"
case "$LAST_OUT" in
  *"48 points in the grid ("*"); whole grid on "*) ;;
  *) fail "sweep did not announce the grid, its hash and the shard: $LAST_OUT" ;;
esac
[ "$(count_points "$TMP/whole")" = 48 ] || fail "the whole sweep wrote $(count_points "$TMP/whole") point files, not 48"
[ -f "$TMP/whole/sweep.json" ] || fail "no sweep.json in --out"
grep -q '"points_total": 48' "$TMP/whole/sweep.json" || fail "sweep.json lacks points_total 48"
expect 0 "48 of 48 points merged; 16 groups; intervals: 95% Student-t over seeds" -- \
  "$B" merge "$TMP/whole"
merged whole "$TMP/whole"
[ -n "$(stray_files "$TMP/whole")" ] && fail "stray files in points/: $(stray_files "$TMP/whole")"
for f in points.csv groups.csv; do [ -s "$TMP/whole-csv/$f" ] || fail "merge --csv wrote no $f"; done
head -1 "$TMP/whole-csv/groups.csv" | grep -q '^scenario_file,scenario,policy,rate,nodes,seeds,metric,mean,stddev,ci_low,ci_high,min,max$' ||
  fail "groups.csv header: $(head -1 "$TMP/whole-csv/groups.csv")"
head -1 "$TMP/whole-csv/points.csv" | grep -q '^index,scenario_file,scenario,policy,seed,rate,nodes,jobs_submitted,' ||
  fail "points.csv header: $(head -1 "$TMP/whole-csv/points.csv")"
[ "$(wc -l <"$TMP/whole-csv/points.csv")" -eq 49 ] || fail "points.csv does not have 48 rows"

# Expansion order: scenario, then each parameter (first slowest), then policy, then seed.
expect 0 "48 points in the grid; whole grid: 48 points, 48 done" -- \
  "$B" sweep "$G" --out "$TMP/whole" --list
for want in "0  done  s.yaml fifo+first-fit seed 3, rate = 6, nodes = 4" \
            "1  done  s.yaml fifo+first-fit seed 4, rate = 6, nodes = 4" \
            "3  done  s.yaml sjf+best-fit seed 3, rate = 6, nodes = 4" \
            "6  done  s.yaml fifo+first-fit seed 3, rate = 6, nodes = 8" \
            "12  done  s.yaml fifo+first-fit seed 3, rate = 24, nodes = 4" \
            "24  done  s2.yaml fifo+first-fit seed 3, rate = 6, nodes = 4" \
            "47  done  s2.yaml sjf+best-fit seed 5, rate = 24, nodes = 8"; do
  printf '%s\n' "$LAST_OUT" | sed 's/^ *//' | grep -qxF "$want" || fail "--list lacks the line: $want"
done

# shards NAME ENV-PREFIX...: run shard k (0..2) with `env PREFIX_k`; each prints its shard.
for i in 0 1 2; do
  expect 0 "shard $i/3: 16 points, 16 simulated now" -- "$B" sweep "$G" --out "$TMP/flag/$i" --shard "$i/3" -q
  expect 0 "shard $i/3 (from SLURM_ARRAY_TASK_ID)" -- \
    env SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=3 "$B" sweep "$G" --out "$TMP/slurm/$i" -q
  # --array=1-3: tasks 1, 2, 3 are shards 0, 1, 2.
  expect 0 "shard $i/3 (from SLURM_ARRAY_TASK_ID)" -- \
    env SLURM_ARRAY_TASK_ID=$((i + 1)) SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 \
      SLURM_ARRAY_TASK_STEP=1 SLURM_ARRAY_TASK_COUNT=3 "$B" sweep "$G" --out "$TMP/slurm1/$((i + 1))" -q
  # --array=10-14:2: tasks 10, 12, 14 are shards 0, 1, 2.
  expect 0 "shard $i/3 (from SLURM_ARRAY_TASK_ID)" -- \
    env SLURM_ARRAY_TASK_ID=$((10 + 2 * i)) SLURM_ARRAY_TASK_MIN=10 SLURM_ARRAY_TASK_MAX=14 \
      SLURM_ARRAY_TASK_STEP=2 SLURM_ARRAY_TASK_COUNT=3 "$B" sweep "$G" --out "$TMP/slurm2/$i" -q
  expect 0 "shard $i/3 (from JOB_COMPLETION_INDEX)" -- \
    env JOB_COMPLETION_INDEX=$i BURNRATE_SHARD_COUNT=3 "$B" sweep "$G" --out "$TMP/k8s/$i" -q
  expect 0 "shard $i/3 (from JOB_COMPLETION_INDEX)" -- \
    env JOB_COMPLETION_INDEX=$i JOB_COMPLETIONS=3 "$B" sweep "$G" --out "$TMP/k8s2/$i" -q
  # Shard i holds exactly the points whose index is i modulo 3, for every source.
  want=$(for ((p = i; p < 48; p += 3)); do printf 'p%06d.json\n' "$p"; done)
  for d in "flag/$i" "slurm/$i" "slurm1/$((i + 1))" "slurm2/$i" "k8s/$i" "k8s2/$i"; do
    [ "$(point_files "$TMP/$d")" = "$want" ] || fail "$d does not hold exactly the points = $i mod 3"
  done
done
merged flag "$TMP/flag/0" "$TMP/flag/1" "$TMP/flag/2"
same_merge flag whole
merged slurm "$TMP/slurm/0" "$TMP/slurm/1" "$TMP/slurm/2"
same_merge slurm whole
merged slurm1 "$TMP/slurm1/1" "$TMP/slurm1/2" "$TMP/slurm1/3"
same_merge slurm1 whole
merged slurm2 "$TMP/slurm2/0" "$TMP/slurm2/1" "$TMP/slurm2/2"
same_merge slurm2 whole
merged k8s "$TMP/k8s/0" "$TMP/k8s/1" "$TMP/k8s/2"
same_merge k8s whole
merged k8s2 "$TMP/k8s2/0" "$TMP/k8s2/1" "$TMP/k8s2/2"
same_merge k8s2 whole
# The order of the directories, and a point present in two of them, change nothing.
merged reordered "$TMP/k8s/2" "$TMP/flag/0" "$TMP/slurm/1"
same_merge reordered whole
merged overlap "$TMP/whole" "$TMP/flag/1" "$TMP/slurm2/2"
same_merge overlap whole
# Shards can share one --out directory (what the Slurm and Kubernetes examples do).
for i in 0 1 2; do
  env SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=3 "$B" sweep "$G" --out "$TMP/shared" -q >/dev/null 2>&1 ||
    fail "shard $i into a shared directory failed"
done
merged shared "$TMP/shared"
same_merge shared whole
# --shard wins over the environment.
expect 0 "whole grid: 48 points, 0 simulated now, 48 already done" -- \
  env SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 "$B" sweep "$G" --out "$TMP/whole" --shard 0/1 -q

# 100 scenario variants (10 x 10 values) compiled on 2 threads at once: parameter values are
# yaml-cpp nodes shared between threads (a crash or a runaway allocation before the fix).
cat >"$TMP/g/many.yaml" <<'YAML'
scenarios: [s.yaml]
policies: [fifo]
seeds: [1]
parameters:
  - { name: rate, set: "workload.generators[train].arrivals_per_hour", values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }
  - { name: nodes, set: "cluster.pools[0].nodes", values: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }
YAML
# The address-space cap catches a runaway allocation; a sanitizer build (ASan reserves terabytes
# of address space for its shadow memory at start-up) runs without it and catches misuse itself.
limit_memory=1
if grep -qa '__asan_init' "$BIN"; then limit_memory=0; fi
for attempt in 1 2 3; do
  out=$([ "$limit_memory" = 1 ] && ulimit -v 4000000 2>/dev/null; "$B" sweep "$TMP/g/many.yaml" --out "$TMP/many-$attempt" -q -j 2 2>&1)
  rc=$?
  [ "$rc" -eq 0 ] && [ "$(count_points "$TMP/many-$attempt")" = 100 ] ||
    fail "100 variants on 2 threads, attempt $attempt: exit $rc, $(count_points "$TMP/many-$attempt") points: $out"
done

# ------------------------------------------------------------------------------------------
# (b) Resume: two points deleted are simulated again (to the same bytes), the rest skipped.
cp "$TMP/whole/points/p000005.json" "$TMP/whole/points/p000030.json" "$TMP/"
rm "$TMP/whole/points/p000005.json" "$TMP/whole/points/p000030.json"
out=$("$B" sweep "$G" --out "$TMP/whole" --list 2>&1)
case "$out" in *"whole grid: 48 points, 46 done"*) ;; *) fail "--list after deleting 2 points: $out" ;; esac
printf '%s\n' "$out" | grep -qE '^ *5  todo  s\.yaml ' || fail "--list does not show point 5 as todo"
expect 0 "whole grid: 48 points, 2 simulated now, 46 already done" -- "$B" sweep "$G" --out "$TMP/whole"
case "$LAST_OUT" in
  *"point 5 s.yaml"*"point 30 s2.yaml"* | *"point 30 s2.yaml"*"point 5 s.yaml"*) ;;
  *) fail "the resumed sweep did not report points 5 and 30: $LAST_OUT" ;;
esac
same_bytes "re-simulated point 5" "$TMP/p000005.json" "$TMP/whole/points/p000005.json"
same_bytes "re-simulated point 30" "$TMP/p000030.json" "$TMP/whole/points/p000030.json"
merged resumed "$TMP/whole"
same_merge resumed whole
expect 0 "whole grid: 48 points, 0 simulated now, 48 already done" -- "$B" sweep "$G" --out "$TMP/whole" -q
# What a killed writer (kill -9 mid-write) leaves, a temporary file, is not a point.
echo '{"index": 7, "trunc' >"$TMP/whole/points/p000007.json.tmp-Ab12Cd"
expect 0 "whole grid: 48 points, 48 done" -- "$B" sweep "$G" --out "$TMP/whole" --list
merged with-temp "$TMP/whole"
same_merge with-temp whole
rm "$TMP/whole/points/p000007.json.tmp-Ab12Cd"
# The hash covers what the grid means, not how it is written: comments, the seeds as a list
# and a policy's short name resume the same directory.
cat >"$TMP/g/grid-rewritten.yaml" <<'YAML'
name: shards   # same name, same meaning
scenarios:
  - s.yaml
  - s2.yaml
policies: [fifo, sjf+best-fit]
seeds: [3, 4, 5]
parameters:
  - { name: rate, set: "workload.generators[train].arrivals_per_hour", values: [6, 24] }
  - { name: nodes, set: "cluster.pools[a100].nodes", values: [4, 8] }
YAML
expect 0 "whole grid: 48 points, 0 simulated now, 48 already done" -- \
  "$B" sweep "$TMP/g/grid-rewritten.yaml" --out "$TMP/whole" -q

# ------------------------------------------------------------------------------------------
# (c) Interrupted with SIGINT (Ctrl-C), resumed, interrupted with SIGTERM (scancel, a pod
# eviction), resumed to completion: the bytes of an uninterrupted run.
sed -e 's/^horizon_days: 2/horizon_days: 240/' -e 's/nodes: 8/nodes: 16/' \
    -e 's/max_s: 172800/max_s: 604800/' "$TMP/g/s.yaml" >"$TMP/g/slow.yaml"
cat >"$TMP/g/slow-grid.yaml" <<'YAML'
scenarios: [slow.yaml]
policies: [fifo-backfill+best-fit]
seeds: { count: 16 }
parameters:
  - name: rate
    set: workload.generators[train].arrivals_per_hour
    values: [24]
YAML
SG="$TMP/g/slow-grid.yaml"
"$B" sweep "$SG" --out "$TMP/slow-ref" -q -j 2 >/dev/null 2>&1 || fail "the uninterrupted slow sweep failed"
merged slow-ref "$TMP/slow-ref"

# interrupt SIGNAL DIR AT-LEAST: start the sweep, send SIGNAL once DIR holds AT-LEAST point
# files; sets INT_RC and INT_ERR (stderr). burnrate runs directly (not under the time-limit
# wrapper) so that the signal reaches it; killed if it has not stopped 60 s after the signal.
interrupt() {
  local sig=$1 dir=$2 at_least=$3 waited=0
  "$BIN" sweep "$SG" --out "$dir" -j 2 >"$TMP/int.out" 2>"$TMP/int.err" &
  BG_PID=$!
  while [ "$(count_points "$dir")" -lt "$at_least" ] && kill -0 "$BG_PID" 2>/dev/null &&
        [ "$waited" -lt 3000 ]; do
    sleep 0.02
    waited=$((waited + 1))
  done
  kill -"$sig" "$BG_PID" 2>/dev/null || fail "the sweep ended before $sig could interrupt it"
  waited=0
  while kill -0 "$BG_PID" 2>/dev/null && [ "$waited" -lt 3000 ]; do
    sleep 0.02
    waited=$((waited + 1))
  done
  if kill -0 "$BG_PID" 2>/dev/null; then
    fail "the sweep did not stop within 60 s of $sig"
    kill -KILL "$BG_PID" 2>/dev/null
  fi
  wait "$BG_PID"
  INT_RC=$?
  BG_PID=
  INT_ERR=$(cat "$TMP/int.err")
}

# check_interrupted WHAT DIR BEFORE: exit 130, the message, and the counts it gives match the
# files on disk (BEFORE point files existed when it started); no temporary files left.
check_interrupted() {
  local what=$1 dir=$2 before=$3 now ran left
  [ "$INT_RC" -eq 130 ] || fail "$what: exit $INT_RC, expected 130. stderr: $INT_ERR"
  case "$INT_ERR" in
    *"burnrate: interrupted: "*" still to do; run the same command again to resume"*) ;;
    *) fail "$what: no message about resuming. stderr: $INT_ERR" ;;
  esac
  now=$(count_points "$dir")
  ran=$(printf '%s\n' "$INT_ERR" | sed -n 's/.*interrupted: \([0-9]*\) points\{0,1\} finished in this run, \([0-9]*\) of 16 still to do.*/\1/p')
  left=$(printf '%s\n' "$INT_ERR" | sed -n 's/.*interrupted: \([0-9]*\) points\{0,1\} finished in this run, \([0-9]*\) of 16 still to do.*/\2/p')
  [ "$ran" = "$((now - before))" ] || fail "$what: says $ran points finished, $((now - before)) point files appeared"
  [ "$left" = "$((16 - now))" ] || fail "$what: says $left still to do, $((16 - now)) points are missing"
  [ "$now" -lt 16 ] || fail "$what: every point finished; the interrupt came too late to test anything"
  [ -z "$(stray_files "$dir")" ] || fail "$what: files other than points left: $(stray_files "$dir")"
  for f in $(point_files "$dir"); do
    cmp -s "$dir/points/$f" "$TMP/slow-ref/points/$f" || fail "$what: $f differs from the uninterrupted run's"
  done
}

interrupt INT "$TMP/slow" 2
check_interrupted "SIGINT" "$TMP/slow" 0
done_after_int=$(count_points "$TMP/slow")
expect 0 "whole grid: 16 points, $done_after_int done" -- "$B" sweep "$SG" --out "$TMP/slow" --list
interrupt TERM "$TMP/slow" $((done_after_int + 2))
check_interrupted "SIGTERM" "$TMP/slow" "$done_after_int"
done_after_term=$(count_points "$TMP/slow")
expect 0 "whole grid: 16 points, $((16 - done_after_term)) simulated now, $done_after_term already done" -- \
  "$B" sweep "$SG" --out "$TMP/slow" -q -j 2
merged slow "$TMP/slow"
same_merge slow slow-ref

# ------------------------------------------------------------------------------------------
# (d) Mistakes: exit 2, a message that says what is wrong and what to do, no --out directory.
mkdir "$TMP/e"
# bad NAME CODE SUBSTRING [sweep flags...]: sweep the grid $TMP/e/NAME.yaml (written before).
bad() {
  local name=$1 code=$2 want=$3
  shift 3
  expect "$code" "$want" -- "$B" sweep "$TMP/e/$name.yaml" --out "$TMP/e/out-$name" "$@"
  [ -e "$TMP/e/out-$name" ] && fail "$name: a refused sweep created its --out directory"
}
cp "$TMP/g/s.yaml" "$TMP/e/"
printf 'scenarios: s.yaml\nseeds: [1]\npolices: [fifo]\n' >"$TMP/e/key.yaml"
bad key 2 "key.yaml:3: polices: unknown key; a grid has name, scenarios, policies, seeds, parameters"
printf 'scenarios: s.yaml\nseeds: [1]\nparameters:\n  - name: n\n    set: cluster.pool[0].nodes\n    values: [4]\n' >"$TMP/e/path.yaml"
bad path 2 'cluster.pool: unknown field "pool" (did you mean "pools"?); allowed fields of Cluster: '
case "$LAST_OUT" in *"parameter n = 4"*"pools"*) ;; *) fail "bad path: message names neither the parameter nor the allowed fields: $LAST_OUT" ;; esac
printf 'scenarios: s.yaml\nseeds: [1]\nparameters:\n  - name: n\n    set: cluster.pools[h100].nodes\n    values: [4]\n' >"$TMP/e/element.yaml"
bad element 2 'cluster.pools: has no element named "h100"; names: a100'
printf 'scenarios: s.yaml\nseeds: [1]\nparameters:\n  - name: n\n    set: cluster.pools[0].nodes\n    values: [4, lots]\n' >"$TMP/e/type.yaml"
bad type 2 '"lots" is not a number; expected a whole number'
case "$LAST_OUT" in *"parameter n = lots"*) ;; *) fail "wrong type: the message does not name the parameter and value: $LAST_OUT" ;; esac
# Like every other grid error, it names the grid's line (6, where "lots" is written).
case "$LAST_OUT" in *"type.yaml:6: cluster.pools[0].nodes"*) ;; *) fail "wrong type: the message names no line of the grid (expected type.yaml:6): $LAST_OUT" ;; esac
printf 'scenarios: s.yaml\nseeds: [1, 0]\n' >"$TMP/e/seed0.yaml"
bad seed0 2 'seed0.yaml:2: seeds[1]: "0" is not a seed; seeds are whole numbers from 1 to 4294967295'
printf 'scenarios: s.yaml\nseeds: {first: 0, count: 2}\n' >"$TMP/e/seedfirst0.yaml"
bad seedfirst0 2 'seeds.first: "0" is not a seed'
printf 'scenarios: s.yaml\nseeds: [1]\nparameters:\n  - name: s\n    set: seed\n    values: [4]\n' >"$TMP/e/setseed.yaml"
bad setseed 2 'seed is set by the grid'"'"'s own "seeds" key; use that instead'
printf 'scenarios: [s.yaml, nope.yaml]\n' >"$TMP/e/missing.yaml"
bad missing 2 'cannot read'
printf 'scenarios: s.yaml\nseeds: [1, 2]\n' >"$TMP/e/ok.yaml"
bad ok 2 "--shard 3/3: expected I/N with 0 <= I < N" --shard 3/3
bad ok 2 "--shard 1: expected I/N" --shard 1
expect 2 "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT" -- \
  env SLURM_ARRAY_TASK_ID=1 "$B" sweep "$TMP/e/ok.yaml" --out "$TMP/e/out-ok"
case "$LAST_OUT" in *"--shard I/N"*) ;; *) fail "Slurm without COUNT: no hint about --shard: $LAST_OUT" ;; esac
expect 2 "--array=0-2" -- \
  env SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_COUNT=3 "$B" sweep "$TMP/e/ok.yaml" --out "$TMP/e/out-ok"
expect 2 "set BURNRATE_SHARD_COUNT (or JOB_COMPLETIONS) to the Job's completions" -- \
  env JOB_COMPLETION_INDEX=1 "$B" sweep "$TMP/e/ok.yaml" --out "$TMP/e/out-ok"
expect 2 "JOB_COMPLETION_INDEX=3 with 3 shards" -- \
  env JOB_COMPLETION_INDEX=3 BURNRATE_SHARD_COUNT=3 "$B" sweep "$TMP/e/ok.yaml" --out "$TMP/e/out-ok"
[ -e "$TMP/e/out-ok" ] && fail "a sweep refused for its shard created its --out directory"
# --list names the points without running them, but a path no scenario has is still an error
# (SweepPlan::Create "checks every parameter path against every scenario", runner/sweep.h).
bad path 2 'unknown field "pool"' --list

# The grid changed after a partial run into the same --out: refused, nothing written.
cp "$TMP/g/grid.yaml" "$TMP/g/s.yaml" "$TMP/g/s2.yaml" "$TMP/e/"
"$B" sweep "$TMP/e/grid.yaml" --out "$TMP/e/partial" --shard 0/2 -q >/dev/null 2>&1 || fail "partial sweep failed"
before=$(point_files "$TMP/e/partial")
sed -i 's/values: \[6, 24\]/values: [6, 12, 24]/' "$TMP/e/grid.yaml"
expect 2 "holds points of another grid" -- "$B" sweep "$TMP/e/grid.yaml" --out "$TMP/e/partial"
case "$LAST_OUT" in *"Use a new --out directory, or remove $TMP/e/partial to start over"*) ;; *) fail "grid changed: no advice: $LAST_OUT" ;; esac
[ "$(point_files "$TMP/e/partial")" = "$before" ] || fail "a refused sweep changed the points of the directory"
sed -i 's/values: \[6, 12, 24\]/values: [6, 24]/' "$TMP/e/grid.yaml"
# ... and so is a changed scenario file (the hash covers the scenarios' text).
echo "# edited" >>"$TMP/e/s2.yaml"
expect 2 "holds points of another grid" -- "$B" sweep "$TMP/e/grid.yaml" --out "$TMP/e/partial"
cp "$TMP/g/s2.yaml" "$TMP/e/s2.yaml"
expect 0 "shard 1/2: 24 points, 24 simulated now" -- "$B" sweep "$TMP/e/grid.yaml" --out "$TMP/e/partial" --shard 1/2 -q

# Merging: two different grids; missing points (exit 2, or --partial).
expect 2 "hold different sweeps" -- "$B" merge "$TMP/whole" "$TMP/slow"
expect 2 "merge the directories of one grid" -- "$B" merge "$TMP/whole" "$TMP/slow" --json "$TMP/e/m.json"
[ -e "$TMP/e/m.json" ] && fail "a refused merge wrote its --json"
"$B" sweep "$G" --out "$TMP/e/half" --shard 1/2 -q >/dev/null 2>&1 || fail "half sweep failed"
expect 2 "24 of 48 points are missing (first: 0, 2, 4, 6, 8, 10, 12, 14, 16, 18); run the sweep (or its missing shards) again" -- \
  "$B" merge "$TMP/e/half" --json "$TMP/e/half.json"
case "$LAST_OUT" in *"--partial"*) ;; *) fail "missing points: no hint about --partial: $LAST_OUT" ;; esac
[ -e "$TMP/e/half.json" ] && fail "a refused merge wrote its --json"
expect 0 "shards: 24 of 48 points merged; 16 groups" -- "$B" merge "$TMP/e/half" --partial --json "$TMP/e/half.json"
grep -q '"points_total": 48,' "$TMP/e/half.json" || fail "--partial: points_total is not 48"
grep -q '"points_merged": 24,' "$TMP/e/half.json" || fail "--partial: points_merged is not 24"
expect 2 "no sweep.json" -- "$B" merge "$TMP/g"
expect 2 "not a directory" -- "$B" merge "$TMP/no-such-dir"
expect 2 "--confidence" -- "$B" merge "$TMP/whole" --confidence 1.5

# A shard with no points (more shards than points) still leaves a directory that merge takes:
# the sweep says "results in DIR/points" and "merge with: burnrate merge DIR ...".
printf 'scenarios: s.yaml\nseeds: [1]\npolicies: [fifo]\nparameters:\n  - {name: n, set: "cluster.pools[0].nodes", values: [2, 4, 8]}\n' >"$TMP/e/three.yaml"
for i in 0 1 2 3; do
  "$B" sweep "$TMP/e/three.yaml" --out "$TMP/e/three-$i" --shard "$i/4" -q >/dev/null 2>&1 || fail "shard $i/4 of 3 points failed"
done
expect 0 "3 of 3 points merged" -- "$B" merge "$TMP/e/three-0" "$TMP/e/three-1" "$TMP/e/three-2" "$TMP/e/three-3"

# ------------------------------------------------------------------------------------------
# (e) The cluster examples, run as Slurm and Kubernetes would run them, against the unsharded
# example sweep.
expect 0 "sweep load-vs-policy: whole grid: 90 points, 90 simulated now" -- \
  "$B" sweep "$EXAMPLE" --out "$TMP/lvp" -q
merged lvp "$TMP/lvp"
# A point is `burnrate run` with its parameters as --set flags (docs/sweep.md): point 17.
"$B" run "$SRC/examples/quickstart.yaml" --policy fifo+first-fit --seed 3 -q \
  --set 'workload.generators[train].arrivals_per_hour=6' --set 'cluster.pools[a100].nodes=16' \
  --json "$TMP/p17-run.json" || fail "run of point 17 failed"
if command -v python3 >/dev/null; then
  python3 -c 'import json, sys
point = json.load(open(sys.argv[1]))
run = json.load(open(sys.argv[2]))
assert point["policy"] == "fifo+first-fit" and point["seed"] == 3, point["policy"]
assert [p["value"] for p in point["parameters"]] == ["6", "16"], point["parameters"]
sys.exit(0 if point["results"] == run else 1)' "$TMP/lvp/points/p000017.json" "$TMP/p17-run.json" ||
    fail "point 17 of the example is not burnrate run with its --set flags"
fi

# A stand-in for sbatch: runs the job at once, as Slurm would: the script copied to a spool
# directory and run with bash from the submission directory, once per array task with the
# SLURM_* variables; --wrap commands with sh; --dependency=afterok:ID only after job ID
# succeeded. Prints the job id (--parsable: "ID;cluster").
mkdir -p "$TMP/fakebin" "$TMP/slurmd"
cat >"$TMP/fakebin/sbatch" <<'SH'
#!/bin/bash
set -u
state=${FAKE_SLURM_DIR:?}
parsable=0 dependency= wrap= array= cpus=
while [ $# -gt 0 ]; do
  case "$1" in
    --parsable) parsable=1 ;;
    --dependency=*) dependency=${1#*=} ;;
    --wrap=*) wrap=${1#*=} ;;
    --wrap) wrap=$2; shift ;;
    --array=*) array=${1#*=} ;;
    --cpus-per-task=*) cpus=${1#*=} ;;
    -*) ;;
    *) break ;;
  esac
  shift
done
id=$(( $(cat "$state/last-id" 2>/dev/null || echo 4100) + 1 ))
echo "$id" >"$state/last-id"
echo "job $id: dependency=$dependency wrap=$wrap script=${1:-}" >>"$state/log"
ok=1
case "$dependency" in
  "") ;;
  afterok:*) [ -e "$state/ok-${dependency#afterok:}" ] || { echo "job $id: dependency never satisfied" >>"$state/log"; ok=0; } ;;
  *) echo "fake sbatch: unsupported --dependency=$dependency" >&2; exit 1 ;;
esac
if [ "$ok" = 1 ] && [ -n "$wrap" ]; then
  sh -c "$wrap" >"$state/job-$id.out" 2>&1 || ok=0
elif [ "$ok" = 1 ]; then
  script=${1:?no script}; shift
  mkdir -p "$state/spool-$id"
  cp "$script" "$state/spool-$id/slurm_script"
  [ -n "$array" ] || array=$(sed -n 's/^#SBATCH --array=\([^ ]*\).*/\1/p' "$script" | head -1)
  [ -n "$cpus" ] || cpus=$(sed -n 's/^#SBATCH --cpus-per-task=\([0-9]*\).*/\1/p' "$script" | head -1)
  range=${array%%:*} step=1
  case "$array" in *:*) step=${array#*:} ;; esac
  min=${range%-*} max=${range#*-}
  count=$(( (max - min) / step + 1 ))
  for ((task = min; task <= max; task += step)); do
    env SLURM_JOB_ID=$((id + task + 1)) SLURM_ARRAY_JOB_ID=$id SLURM_ARRAY_TASK_ID=$task \
        SLURM_ARRAY_TASK_MIN=$min SLURM_ARRAY_TASK_MAX=$max SLURM_ARRAY_TASK_STEP=$step \
        SLURM_ARRAY_TASK_COUNT=$count ${cpus:+SLURM_CPUS_PER_TASK=$cpus} SLURM_SUBMIT_DIR="$PWD" \
        bash "$state/spool-$id/slurm_script" "$@" >"$state/task-$id-$task.out" 2>&1 || ok=0
  done
fi
[ "$ok" = 1 ] && touch "$state/ok-$id"
if [ "$parsable" = 1 ]; then echo "$id;cluster"; else echo "Submitted batch job $id"; fi
SH
chmod +x "$TMP/fakebin/sbatch"
grep -qE '^#SBATCH --array=0-7$' "$SBATCH_SCRIPT" || fail "slurm.sbatch: no '#SBATCH --array=0-7' line"
bash -n "$SBATCH_SCRIPT" || fail "slurm.sbatch: bash -n finds a syntax error"
# Submitted as its comments say, from the repository root (GRID defaults to the example).
out=$(cd "$SRC" && env PATH="$TMP/fakebin:$PATH" FAKE_SLURM_DIR="$TMP/slurmd" BURNRATE="$B" \
        OUT="$TMP/slurm-out" bash "$SBATCH_SCRIPT" submit 2>&1) || fail "slurm.sbatch submit failed: $out"
grep -q "dependency=afterok:4101 " "$TMP/slurmd/log" 2>/dev/null ||
  fail "slurm.sbatch submit: the merge does not wait for the array job (afterok:4101): $(cat "$TMP/slurmd/log" 2>&1)"
for task in 0 1 2 3 4 5 6 7; do
  log="$TMP/slurmd/task-4101-$task.out"
  grep -q "shard $task/8 (from SLURM_ARRAY_TASK_ID) on 4 threads" "$log" 2>/dev/null ||
    fail "Slurm task $task did not run shard $task/8 on its 4 CPUs: $(cat "$log" 2>&1 | head -3)"
done
[ -e "$TMP/slurmd/ok-4102" ] || fail "the merge job failed: $(cat "$TMP/slurmd/job-4102.out" 2>&1)"
[ -e "$TMP/slurm-out/merged.json" ] && cp "$TMP/slurm-out/merged.json" "$TMP/sbatch.json"
[ -d "$TMP/slurm-out/csv" ] && cp -r "$TMP/slurm-out/csv" "$TMP/sbatch-csv"
same_merge sbatch lvp
# sbatch's own way, task by task (the merge job is the dependent one from the script's header).
out=$(cd "$SRC" && env PATH="$TMP/fakebin:$PATH" FAKE_SLURM_DIR="$TMP/slurmd" BURNRATE="$B" \
        OUT="$TMP/slurm-out2" sbatch --parsable "$SBATCH_SCRIPT" 2>&1)
jobid=${out%%;*}
(cd "$SRC" && env PATH="$TMP/fakebin:$PATH" FAKE_SLURM_DIR="$TMP/slurmd" BURNRATE="$B" OUT="$TMP/slurm-out2" \
   sbatch --dependency=afterok:"$jobid" --job-name=burnrate-merge --wrap "bash examples/sweep/slurm.sbatch merge" >/dev/null 2>&1)
cp "$TMP/slurm-out2/merged.json" "$TMP/sbatch2.json" 2>/dev/null
cp -r "$TMP/slurm-out2/csv" "$TMP/sbatch2-csv" 2>/dev/null
same_merge sbatch2 lvp
expect 2 "not an array task" -- env BURNRATE="$B" OUT="$TMP/slurm-out3" bash "$SBATCH_SCRIPT"

# The Kubernetes Job: its container's command, args and env, run once per completion index
# with JOB_COMPLETION_INDEX, the image's /work being the repository and the volume a
# directory here.
PY=(/usr/bin/python3 -I)
if [ -x /usr/bin/python3 ] && "${PY[@]}" -c 'import yaml' 2>/dev/null; then
  mkdir "$TMP/k8s-vol"
  # Prints: completions, then one line per env assignment (NAME=VALUE), then "--", then the
  # command and args (one per line), with the volume's mountPath mapped to $TMP/k8s-vol and
  # $(VAR) expanded as Kubernetes does.
  "${PY[@]}" - "$K8S_JOB" "$TMP/k8s-vol" >"$TMP/k8s.plan" 2>"$TMP/k8s.err" <<'PY'
import math, re, sys, yaml
path, vol = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(path)) if d]
jobs = [d for d in docs if d.get("kind") == "Job"]
assert len(jobs) == 1, "expected one Job, got %d" % len(jobs)
job = jobs[0]
assert job["apiVersion"] == "batch/v1", job["apiVersion"]
spec = job["spec"]
assert spec.get("completionMode") == "Indexed", "completionMode is not Indexed"
completions = spec["completions"]
assert isinstance(completions, int) and completions >= 1, completions
assert 1 <= spec.get("parallelism", completions) <= completions, "parallelism"
pod = spec["template"]["spec"]
assert pod.get("restartPolicy") in ("Never", "OnFailure"), "restartPolicy"
[c] = pod["containers"]
volumes = {v["name"]: v for v in pod.get("volumes", [])}
mounts = c.get("volumeMounts", [])
assert mounts, "no volumeMounts"
for m in mounts:
    assert m["name"] in volumes, "volumeMount %s has no volume" % m["name"]
claims = [v["persistentVolumeClaim"]["claimName"] for v in volumes.values() if "persistentVolumeClaim" in v]
pvcs = [d["metadata"]["name"] for d in docs if d.get("kind") == "PersistentVolumeClaim"]
for claim in claims:
    assert claim in pvcs, "claim %s is not defined in the file" % claim
env = {}
limits = c.get("resources", {}).get("limits", {})
for e in c.get("env", []):
    if "value" in e:
        env[e["name"]] = str(e["value"])
    else:
        ref = e["valueFrom"]["resourceFieldRef"]
        assert ref["resource"] == "limits.cpu", ref
        env[e["name"]] = str(math.ceil(float(str(limits["cpu"]).rstrip("m")) / (1000 if str(limits["cpu"]).endswith("m") else 1) / float(ref.get("divisor", "1"))))
assert env.get("BURNRATE_SHARD_COUNT") == str(completions), \
    "BURNRATE_SHARD_COUNT=%s but completions=%s" % (env.get("BURNRATE_SHARD_COUNT"), completions)
argv = c.get("command", []) + c.get("args", [])
argv = [re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), a) for a in argv]
out = argv[argv.index("--out") + 1]
mount = [m["mountPath"] for m in mounts if out == m["mountPath"] or out.startswith(m["mountPath"].rstrip("/") + "/")]
assert mount, "--out %s is not on a mounted volume" % out
argv = [vol + a[len(mount[0]):] if a.startswith(mount[0]) else a for a in argv]
print(completions)
print(c.get("workingDir", ""))
for k, v in env.items():
    print("%s=%s" % (k, v))
print("--")
for a in argv:
    print(a)
PY
  if [ -s "$TMP/k8s.err" ] || [ ! -s "$TMP/k8s.plan" ]; then
    fail "k8s-indexed-job.yaml: $(cat "$TMP/k8s.err")"
  else
    completions=$(sed -n 1p "$TMP/k8s.plan")
    workdir=$(sed -n 2p "$TMP/k8s.plan")
    [ "$workdir" = /work ] || fail "k8s-indexed-job.yaml: workingDir is $workdir, expected /work (the repository in the image)"
    mapfile -t envs < <(sed -n '3,/^--$/p' "$TMP/k8s.plan" | sed '$d')
    mapfile -t argv < <(sed -n '/^--$/,$p' "$TMP/k8s.plan" | sed 1d)
    [ "${argv[0]}" = burnrate ] || fail "k8s-indexed-job.yaml: the container does not run burnrate: ${argv[*]}"
    argv[0]=$B
    [ "$completions" = 8 ] || fail "k8s-indexed-job.yaml: completions is $completions, expected 8"
    for ((i = 0; i < completions; i++)); do
      out=$(cd "$SRC" && env "${envs[@]}" JOB_COMPLETION_INDEX=$i "${argv[@]}" 2>&1) ||
        fail "k8s index $i: ${argv[*]} failed: $out"
      case "$out" in *"shard $i/$completions (from JOB_COMPLETION_INDEX) on 2 threads"*) ;;
        *) fail "k8s index $i did not run shard $i/$completions on its 2 CPUs: $out" ;; esac
    done
    outdir=$(ls -d "$TMP/k8s-vol"/* 2>/dev/null | head -1)
    merged k8sjob "$outdir"
    same_merge k8sjob lvp
  fi
else
  echo "note: /usr/bin/python3 cannot import yaml; checking k8s-indexed-job.yaml with grep only"
  grep -q '^ *completionMode: Indexed' "$K8S_JOB" || fail "k8s-indexed-job.yaml: not completionMode: Indexed"
  c=$(sed -n 's/^ *completions: *\([0-9]*\).*/\1/p' "$K8S_JOB")
  grep -A1 'name: BURNRATE_SHARD_COUNT' "$K8S_JOB" | grep -q "value: \"$c\"" ||
    fail "k8s-indexed-job.yaml: BURNRATE_SHARD_COUNT is not completions ($c)"
fi

# The pandas examples of docs/sweep.md run on the merged CSV of the example.
if [ -x /usr/bin/python3 ] && "${PY[@]}" -c 'import pandas' 2>/dev/null; then
  mkdir "$TMP/pd" && cp -r "$TMP/lvp-csv" "$TMP/pd/merged-csv" && cp "$TMP/lvp.json" "$TMP/pd/merged.json"
  (cd "$TMP/pd" && "${PY[@]}" - "$SRC/docs/sweep.md" >"$TMP/pd/out" 2>&1 <<'PY'
import re, sys, warnings
text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)
if not blocks:
    sys.exit("no ```python blocks in docs/sweep.md")
warnings.simplefilter("error", FutureWarning)
ns = {"__name__": "__main__"}
for code in blocks:
    exec(compile(code, "docs/sweep.md", "exec"), ns)
PY
  ) || fail "the python blocks of docs/sweep.md failed: $(cat "$TMP/pd/out")"
else
  echo "note: /usr/bin/python3 cannot import pandas; docs/sweep.md's python not run"
fi

# ------------------------------------------------------------------------------------------
# (f) burnrate run --set PATH=VALUE.
"$B" run "$QS" --policy fifo+first-fit -q --json "$TMP/run-base.json" || fail "run quickstart failed"
"$B" run "$QS" --policy fifo+first-fit -q --set 'cluster.pools[0].nodes=4' --json "$TMP/run-4.json" ||
  fail "run --set cluster.pools[0].nodes=4 failed"
"$B" run "$QS" --policy fifo+first-fit -q --set 'cluster.pools[a100].nodes=4' --json "$TMP/run-4n.json" ||
  fail "run --set cluster.pools[a100].nodes=4 failed"
provisioned() { grep -m1 -oE '"gpu_hours_provisioned": [0-9.e+]+' "$1" | awk '{print $2}'; }
base=$(provisioned "$TMP/run-base.json")
four=$(provisioned "$TMP/run-4.json")
# quickstart: 16 nodes x 8 GPUs for 168 h; 4 nodes is a quarter.
[ "$base" = 21504 ] || fail "quickstart provisioned $base GPU-hours, expected 16 x 8 x 168 = 21504"
[ "$four" = 5376 ] || fail "--set cluster.pools[0].nodes=4 provisioned $four GPU-hours, expected 4 x 8 x 168 = 5376"
same_bytes "pools[a100] and pools[0]" "$TMP/run-4.json" "$TMP/run-4n.json"
"$B" run "$QS" --policy fifo+first-fit -q --set 'cluster.pools[0].nodes=4' --set horizon_days=1 \
  --json "$TMP/run-4-1d.json" || fail "two --set failed"
[ "$(provisioned "$TMP/run-4-1d.json")" = 768 ] || fail "--set nodes=4 --set horizon_days=1: $(provisioned "$TMP/run-4-1d.json") GPU-hours, expected 768"
expect 0 "ok: quickstart: 1 pool(s), 32 GPUs" -- "$B" validate "$QS" --set 'cluster.pools[0].nodes=4'
expect 2 'cluster.pools[0].nodez: unknown field "nodez" (did you mean "nodes"?); allowed fields of Pool:' -- \
  "$B" run "$QS" --set 'cluster.pools[0].nodez=4' --json "$TMP/bad-set.json"
[ -e "$TMP/bad-set.json" ] && fail "a refused --set wrote its --json"
expect 2 '"four" is not a number' -- "$B" run "$QS" --set 'cluster.pools[0].nodes=four'
expect 2 'cluster.pools: has 1 element; [2] is past the end (0 to 0)' -- "$B" run "$QS" --set 'cluster.pools[2].nodes=4'
expect 2 'expected PATH=VALUE' -- "$B" run "$QS" --set 'cluster.pools[0].nodes'
# The examples that message gives work when typed.
for example in $(printf '%s\n' "$LAST_OUT" | grep -oE -- '--set [^ ]+=[^ ]+' | sed 's/^--set //'); do
  expect 0 "" -- "$B" run "$QS" -q --policy fifo --set "$example"
done

echo "sweep test: ${SECONDS} s"
if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all sweep checks passed"
