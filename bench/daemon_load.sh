#!/usr/bin/env bash
# Load test of the live scheduler daemon: starts `burnrate scheduler serve` on a fresh temporary
# state directory (the journal's fdatasync goes to the file system holding $TMPDIR, default
# /tmp) with a 64-node x 8 A100 cluster under fifo-skip+best-fit, runs burnrate_daemon_load
# against it, stops the daemon and prints the figures. Not part of `make test`.
#
#   bench/daemon_load.sh [BUILD_DIR] [burnrate_daemon_load flags...]
#   bench/daemon_load.sh build                        # 50 clients, 20,000 jobs, 1 GPU each
#   bench/daemon_load.sh build --clients 1            # single-client latency
#
# Also printed: the daemon's CPU time, the journal's size and records, and the block device's
# flush requests during the run (/proc/diskstats; other processes' flushes count too).
set -euo pipefail

BUILD=${1:-build}
shift || true
BURNRATE=$BUILD/burnrate
LOAD=$BUILD/bench/burnrate_daemon_load
for bin in "$BURNRATE" "$LOAD"; do
  if [[ ! -x $bin ]]; then
    echo "daemon_load.sh: $bin is missing:" \
      "cmake --build $BUILD --target burnrate burnrate_daemon_load" >&2
    exit 2
  fi
done
LOAD_ARGS=("$@")
has_flag() {
  local f
  for f in "${LOAD_ARGS[@]+"${LOAD_ARGS[@]}"}"; do [[ $f == "$1" ]] && return 0; done
  return 1
}
has_flag --clients || LOAD_ARGS+=(--clients 50)
has_flag --jobs || LOAD_ARGS+=(--jobs 20000)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/burnrate-daemon-load.XXXXXX")
DAEMON_PID=
cleanup() {
  if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/cluster.yaml" <<'EOF'
# The daemon's cluster: 512 A100s; the workload comes from SubmitJob.
name: daemon-load
start: "2026-01-01"
horizon_days: 1
seed: 1
cluster:
  pools:
    - name: a100
      gpu_type: A100-80GB
      gpus_per_node: 8
      nodes: 64
      pricing:
        reserved: { usd_per_gpu_hour: 2.00 }
workload: {}
policies:
  - { queue: fifo-skip, placement: best-fit }
EOF

STATE=$WORK/state
: > "$WORK/daemon.out"  # before the background redirection opens it (no race with the poll)
"$BURNRATE" scheduler serve "$WORK/cluster.yaml" --state-dir "$STATE" --listen 127.0.0.1:0 \
  > "$WORK/daemon.out" 2> "$WORK/daemon.err" &
DAEMON_PID=$!
PORT=
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/^burnrate scheduler: listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' \
    "$WORK/daemon.out" || true)
  [[ -n $PORT ]] && break
  if ! kill -0 "$DAEMON_PID" 2>/dev/null; then break; fi
  sleep 0.1
done
if [[ -z $PORT ]]; then
  echo "daemon_load.sh: the daemon did not start:" >&2
  cat "$WORK/daemon.out" "$WORK/daemon.err" >&2
  exit 1
fi

STATE_DEV=$(df --output=source "$STATE" | tail -1)
STATE_FS=$(df --output=fstype "$STATE" | tail -1)
DISK=$(basename "$(readlink -f "$STATE_DEV")")
flushes() {  # flush requests completed (field 19 of /proc/diskstats, Linux >= 5.5)
  awk -v d="$DISK" '$3 == d { print ($19 == "" ? "n/a" : $19) }' /proc/diskstats
}
daemon_cpu() {  # utime + stime in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$DAEMON_PID/stat"
}

echo "daemon: pid $DAEMON_PID, 127.0.0.1:$PORT, fifo-skip+best-fit, 64 nodes x 8 A100"
echo "journal: $STATE/journal.bin on $STATE_DEV ($STATE_FS)"
F0=$(flushes)
C0=$(daemon_cpu)
set +e
"$LOAD" --server "127.0.0.1:$PORT" "${LOAD_ARGS[@]}"
RC=$?
set -e
F1=$(flushes)
C1=$(daemon_cpu)
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || true
DAEMON_PID=
echo "daemon_cpu_s: $(awk -v a="$C0" -v b="$C1" 'BEGIN { printf "%.2f", b - a }')"
if [[ $F0 != n/a && -n $F0 ]]; then
  echo "device_flushes: $((F1 - F0)) ($DISK, all processes)"
fi
echo "journal_bytes: $(stat -c %s "$STATE/journal.bin")"
exit $RC
