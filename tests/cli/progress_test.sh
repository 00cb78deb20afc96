#!/usr/bin/env bash
# Progress on stderr (CONTRACT.md): on a terminal, a run longer than a second shows the policy,
# the simulated date, the percent of the horizon, events/s and an ETA, redrawn on one line and
# erased before the table; nothing under --quiet, and nothing when stderr is not a terminal
# (pipes and files stay clean for scripts). A pseudo-terminal comes from util-linux `script`.
# Usage (from ctest): bash tests/cli/progress_test.sh <path-to-burnrate> <source-dir>
set -u
BIN=${1:?usage: progress_test.sh BURNRATE_BINARY SOURCE_DIR}
SRC=${2:?usage: progress_test.sh BURNRATE_BINARY SOURCE_DIR}
if ! command -v script >/dev/null; then
  echo "SKIPPED: util-linux 'script' (a pseudo-terminal) is not installed"
  exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The LLM-serving example takes a few seconds per pair of policies: long enough for progress.
SCN="$SRC/examples/llm-serving.yaml"
ARGS="--policy fifo --policy sjf"

# On a terminal: progress lines, then the table.
script -qec "'$BIN' run '$SCN' $ARGS" "$TMP/tty.log" >/dev/null 2>&1 ||
  fail "run under a pseudo-terminal failed: $(tail -5 "$TMP/tty.log")"
tr '\r' '\n' <"$TMP/tty.log" >"$TMP/tty.txt"
line=$(grep -a -m1 'simulating ' "$TMP/tty.txt" || true)
if [ -z "$line" ]; then
  fail "no progress line on a terminal: $(head -c 400 "$TMP/tty.txt")"
else
  # "simulating fifo+first-fit (1/2): 2024-03-04  35%  4.1k events/s  ETA 1 s"
  echo "$line" | grep -aqE 'simulating (fifo|sjf)\+first-fit \([12]/2\): 2024-03-0[45] +[0-9]+%  ([0-9.]+[kM]?|-) events/s  ETA [0-9]+ s' ||
    fail "progress line lacks policy, date, percent, events/s or ETA: $line"
fi
grep -aq 'simulating sjf+first-fit (2/2)' "$TMP/tty.txt" || fail "progress does not name the second run"
grep -aq 'Scenario llm-serving' "$TMP/tty.txt" || fail "no table after the progress lines"

# --quiet: silent, even on a terminal.
script -qec "'$BIN' run '$SCN' $ARGS --quiet" "$TMP/quiet.log" >/dev/null 2>&1
grep -aq 'simulating' "$TMP/quiet.log" && fail "--quiet still shows progress"

# Not a terminal: stderr stays empty (no progress, no escape codes) and stdout has no colour.
"$BIN" run "$SCN" $ARGS >"$TMP/out.txt" 2>"$TMP/err.txt" || fail "run failed"
[ -s "$TMP/err.txt" ] && fail "stderr is not a terminal but got: $(head -c 200 "$TMP/err.txt")"
grep -q $'\033' "$TMP/out.txt" && fail "table piped to a file has escape codes"

# NO_COLOR: a terminal table without escape codes for bold.
NO_COLOR=1 script -qec "'$BIN' run '$SRC/examples/quickstart.yaml'" "$TMP/nocolor.log" >/dev/null 2>&1
grep -aq $'\033\\[1m' "$TMP/nocolor.log" && fail "NO_COLOR set but the table is bold"
script -qec "'$BIN' run '$SRC/examples/quickstart.yaml'" "$TMP/color.log" >/dev/null 2>&1
grep -aq $'\033\\[1m' "$TMP/color.log" || fail "a terminal table marks nothing in bold"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "progress tests passed"
