#!/usr/bin/env bash
# The pandas examples of docs/outputs.md run as written: `burnrate run examples/quickstart.yaml
# --json results.json --csv csv` in a temporary directory, then every ```python block of the
# doc, in order and sharing one namespace (like notebook cells), with /usr/bin/python3 (Debian's
# python3-pandas; not the python3 on PATH). Then the numbers the examples print must agree with
# the JSON: p95 JCT from distributions.csv and summary.csv, peak and mean pool utilisation from
# pool_timeseries.csv, the monthly bill per pool from monthly.csv and from the JSON, completed
# jobs and mean JCT from jobs.csv. Skipped (exit 77) when /usr/bin/python3 lacks pandas.
# Usage (from ctest): bash tests/cli/pandas_docs_test.sh <path-to-burnrate> <source-dir>
set -u
BIN=${1:?usage: pandas_docs_test.sh BURNRATE_BINARY SOURCE_DIR}
SRC=${2:?usage: pandas_docs_test.sh BURNRATE_BINARY SOURCE_DIR}
DOC="$SRC/docs/outputs.md"
# -I: ignore PYTHONPATH and the user's site-packages (a pyenv's would shadow Debian's pandas).
PY=(/usr/bin/python3 -I)
if [ ! -x /usr/bin/python3 ]; then
  echo "SKIP: /usr/bin/python3 not found (Debian: apt-get install python3-pandas)"
  exit 77
fi
if ! "${PY[@]}" -c 'import pandas' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 cannot import pandas (Debian: apt-get install python3-pandas)"
  exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The doc states the command whose outputs its examples read.
CMD="run examples/quickstart.yaml --json results.json --csv csv"
grep -qF "burnrate $CMD" "$DOC" || fail "docs/outputs.md does not show 'burnrate $CMD'"

mkdir "$TMP/work"
cd "$TMP/work" || exit 1
if ! "$BIN" run "$SRC/examples/quickstart.yaml" --json results.json --csv csv > "$TMP/run.out" 2>&1; then
  cat "$TMP/run.out"
  echo "FAIL: burnrate $CMD failed"
  exit 1
fi

# Run the blocks; their stdout goes to $TMP/printed. A block that raises (or triggers a pandas
# FutureWarning: the examples must not lean on deprecated behaviour) fails the test.
cat > "$TMP/run_blocks.py" <<'PY'
import contextlib
import re
import sys
import traceback
import warnings

doc, out_path = sys.argv[1], sys.argv[2]
with open(doc, encoding="utf-8") as f:
    text = f.read()
blocks = re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)
if not blocks:
    sys.exit(f"no ```python blocks in {doc}")
warnings.simplefilter("error", FutureWarning)
namespace = {"__name__": "__main__"}
with open(out_path, "w", encoding="utf-8") as out:
    for i, code in enumerate(blocks, 1):
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, f"{doc} python block {i}", "exec"), namespace)
        except Exception:
            out.flush()
            print(f"python block {i} of {len(blocks)} failed:\n{code}", file=sys.stderr)
            traceback.print_exc()
            sys.exit(1)
print(f"{len(blocks)} python blocks ran")
PY
if ! "${PY[@]}" "$TMP/run_blocks.py" "$DOC" "$TMP/printed"; then
  fail "the python blocks of docs/outputs.md do not run; they printed:"
  cat "$TMP/printed" 2>/dev/null
fi

# The printed tables against the JSON. A table is found by its header line (its column names),
# and its rows are the lines after it with as many fields.
cat > "$TMP/check.py" <<'PY'
import json
import math
import sys

with open("results.json") as f:
    results = json.load(f)
with open(sys.argv[1], encoding="utf-8") as f:
    lines = f.read().splitlines()
errors = []


def tables(header):
    """Every printed table whose header line is `header`: lists of rows of fields."""
    found = []
    for i, line in enumerate(lines):
        if line.split() != header:
            continue
        rows = []
        for row in lines[i + 1:]:
            fields = row.split()
            # Ends at a line of another shape or at the next table's header.
            if len(fields) != len(header) or fields[0] == header[0]:
                break
            rows.append(fields)
        found.append(rows)
    if not found:
        errors.append(f"no printed table with the columns {' '.join(header)}")
    return found


def close(got, want):
    # Printed floats carry 6 decimals (pandas' default display precision).
    if math.isnan(want):
        return got == "NaN"
    return math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-5)


def check_rows(header, rows, want):
    """rows: printed rows; want: {key tuple: expected numbers}, keys = leading fields."""
    nkey = len(next(iter(want)))
    got = {tuple(r[:nkey]): r[nkey:] for r in rows}
    if set(got) != set(want):
        errors.append(f"table {' '.join(header)}: rows {sorted(got)}, expected {sorted(want)}")
        return
    for key, values in want.items():
        for name, g, w in zip(header[nkey:], got[key], values):
            if not close(g, w):
                errors.append(f"table {' '.join(header)}, {' '.join(key)}: {name} printed {g}, "
                              f"the JSON has {w!r}")


runs = results["runs"]
if not runs:
    errors.append("results.json has no runs")

# p95 JCT: distributions.csv at probability 0.95 and summary.csv both equal summary.p95_jct_s.
header = ["policy", "from_distributions", "from_summary"]
want = {(r["policy"],): [r["summary"]["p95_jct_s"]] * 2 for r in runs}
for rows in tables(header):
    check_rows(header, rows, want)

# Peak allocated GPUs and mean utilisation (samples with GPUs provisioned) per pool.
header = ["policy", "pool", "peak_allocated_gpus", "mean_utilization"]
want = {}
for r in runs:
    for p in r["timeseries"]["pools"]:
        utils = [a / v for a, v in zip(p["allocated_gpus"], p["provisioned_gpus"]) if v > 0]
        mean = sum(utils) / len(utils) if utils else math.nan
        want[(r["policy"], p["pool"])] = [max(p["allocated_gpus"]), mean]
for rows in tables(header):
    check_rows(header, rows, want)

# The monthly bill per pool, printed twice: from monthly.csv and from the JSON.
pools = [p["name"] for p in runs[0]["pools"]]
header = ["policy", "month"] + pools
want = {(r["policy"], m["month"]): [p["cost_usd"] for p in m["pools"]]
        for r in runs for m in r["monthly"]}
bills = tables(header)
if len(bills) != 2:
    errors.append(f"{len(bills)} printed monthly bill tables, expected 2 (CSV and JSON)")
for rows in bills:
    check_rows(header, rows, want)

# jobs.csv: completed jobs (exactly) and their mean JCT.
header = ["policy", "jobs_completed", "mean_jct_s"]
want = {(r["policy"],): [r["summary"]["jobs_completed"], r["summary"]["mean_jct_s"]]
        for r in runs}
for rows in tables(header):
    for row in rows:
        key = (row[0],)
        if key in want and row[1] != str(want[key][0]):
            errors.append(f"jobs.csv: {row[0]} has {row[1]} completed jobs, the JSON "
                          f"{want[key][0]}")
    check_rows(header, rows, want)

for e in errors:
    print(f"FAIL: {e}")
sys.exit(1 if errors else 0)
PY
if [ -s "$TMP/printed" ]; then
  "${PY[@]}" "$TMP/check.py" "$TMP/printed" || {
    fail "the examples' printed numbers disagree with results.json; they printed:"
    cat "$TMP/printed"
  }
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all pandas docs checks passed"
