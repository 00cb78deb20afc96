#!/usr/bin/env bash
# Times whole `burnrate run` processes (startup, scenario loading and compiling, the
# simulation, the report: everything a user waits for), one policy per process, best and median
# of N runs, and prints a table. Output goes to /dev/null (--quiet), so terminal speed is not
# measured.
#
# Usage: bench/run_cli.sh [-n N] BUILD_DIR SCENARIO POLICY [POLICY...]
#   bench/run_cli.sh build bench/scenarios/pai-20k-jobs-6500-gpus.yaml fifo+best-fit sjf+best-fit
#   bench/run_cli.sh -n 3 build bench/scenarios/1m-jobs-100k-gpus-30d.yaml fifo-backfill+best-fit
# Wall time: GNU time's %e has only 10 ms resolution, so the wall clock is read with
# `date +%s%N` around the process; peak RSS is GNU time's %M (KiB).
set -euo pipefail
n=5
if [[ "${1:-}" == "-n" ]]; then n="$2"; shift 2; fi
if [[ $# -lt 3 ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
build="$1"; scenario="$2"; shift 2
bin="$build/burnrate"
[[ -x "$bin" ]] || { echo "no $bin; build the burnrate target first" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time" >&2; exit 1; }
echo "nproc: $(nproc); CPU:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "scenario: $scenario; $n runs per policy"
printf '%-34s %10s %10s %10s %12s\n' policy best_s median_s worst_s peak_rss_MB
rss_file="$(mktemp)"
trap 'rm -f "$rss_file"' EXIT
for policy in "$@"; do
  times=()
  rss_max=0
  for ((i = 0; i < n; ++i)); do
    t0=$(date +%s%N)
    /usr/bin/time -o "$rss_file" -f '%M' "$bin" run "$scenario" --policy "$policy" --quiet >/dev/null
    t1=$(date +%s%N)
    times+=("$(( (t1 - t0) / 1000 ))")  # microseconds
    rss=$(tail -n 1 "$rss_file")
    (( rss > rss_max )) && rss_max=$rss
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  best=${sorted[0]}; worst=${sorted[$((n - 1))]}; median=${sorted[$((n / 2))]}
  awk -v p="$policy" -v b="$best" -v m="$median" -v w="$worst" -v r="$rss_max" \
    'BEGIN { printf "%-34s %10.3f %10.3f %10.3f %12.1f\n", p, b / 1e6, m / 1e6, w / 1e6, r / 1024 }'
done
