#!/usr/bin/env bash
# The HTML report (`--report FILE.html`) as a browser shows it: the quickstart, Stability and
# capacity-plan reports are rendered in headless Chromium, and every expected chart must be
# present and drawn (its marks laid out with a non-empty bounding box, axes with ticks, a
# title on every mark). Also: the file is self-contained (no scripts, no network), small, and
# byte-identical across runs; a failed run writes no report.
# Screenshots land in ./report-screenshots/ (ctest's working directory); the README's picture
# is report-screenshots/stability.png.
# Usage (from ctest): bash tests/cli/report_render_test.sh <path-to-burnrate> <source-dir>
# Skips (exit 77) when Chromium is not installed (scripts/install-deps.sh installs it).
set -u
BIN=${1:?usage: report_render_test.sh BURNRATE_BINARY SOURCE_DIR}
SRC=${2:?usage: report_render_test.sh BURNRATE_BINARY SOURCE_DIR}
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "SKIPPED: Chromium is not installed (Debian package chromium; scripts/install-deps.sh)"
  exit 77
fi
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SHOTS="$PWD/report-screenshots"
mkdir -p "$SHOTS"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Appended to a copy of each report (the report itself has no script): lays out every chart
# and records what it drew.
cat >"$TMP/probe.html" <<'JS'
<script>
const out = [];
for (const svg of document.querySelectorAll("svg.chart")) {
  const marks = svg.querySelector("g.marks");
  const box = marks ? marks.getBBox() : {width: 0, height: 0};
  const drawn = marks ? marks.querySelectorAll("path, rect, circle") : [];
  let untitled = 0;
  for (const el of drawn) {
    if (!el.querySelector(":scope > title") && !el.parentElement.querySelector(":scope > title")) untitled++;
  }
  const r = svg.getBoundingClientRect();
  out.push({id: svg.dataset.chart, marks: drawn.length, untitled: untitled,
            w: box.width, h: box.height, shown_w: r.width, shown_h: r.height,
            ticks: svg.querySelectorAll("text.tick").length,
            legend: svg.querySelectorAll("g.legend g.item").length,
            title: (svg.querySelector("title") || {}).textContent || ""});
}
const pre = document.createElement("pre");
pre.id = "probe";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
</body>
</html>
JS

chromium_run() {
  # A profile per call in the temp dir: no state shared between runs or with the user.
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --user-data-dir="$TMP/profile-$RANDOM" "$@" 2>/dev/null
}

# check_report NAME HTML CHART_ID...: static checks, then render and measure each chart.
check_report() {
  local name=$1 html=$2
  shift 2
  [ -s "$html" ] || { fail "$name: no report written"; return; }
  head -c 15 "$html" | grep -q '<!DOCTYPE html>' || fail "$name: not an HTML document"
  # Self-contained: nothing fetched, nothing run.
  grep -qiE '<script|<link|<iframe|<img|<object|<embed|src=|@import|url\(' "$html" &&
    fail "$name: has scripts or external resources: $(grep -oiE '<script|<link|<iframe|<img|src=|@import|url\(' "$html" | head -3)"
  grep -qiE 'href="(https?:|//)' "$html" && fail "$name: links to the network"
  local size
  size=$(stat -c %s "$html")
  [ "$size" -lt 2000000 ] || fail "$name: report is $size bytes (want < 2 MB)"

  # Measure in the browser: a copy of the report with the probe appended.
  { grep -v -e '^</body>$' -e '^</html>$' "$html"; cat "$TMP/probe.html"; } >"$TMP/$name-probe.html"
  chromium_run --dump-dom "file://$TMP/$name-probe.html" >"$TMP/$name-dom.html"
  grep -q 'id="probe"' "$TMP/$name-dom.html" || { fail "$name: Chromium did not render the report"; return; }
  "$PY" - "$TMP/$name-dom.html" "$name" "$@" <<'EOF' || fail "$name: charts missing or empty (above)"
import html, json, re, sys
dom, name, want = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(dom, encoding="utf-8").read()
probe = json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', text, re.S).group(1)))
charts = {c["id"]: c for c in probe}
bad = []
for cid in want:
    c = charts.get(cid)
    if c is None:
        bad.append(f"{cid}: missing (have {sorted(charts)})")
        continue
    if c["marks"] < 1 or c["w"] < 20 or c["h"] < 5:
        bad.append(f"{cid}: nothing drawn ({c['marks']} marks, {c['w']:.0f}x{c['h']:.0f})")
    if c["shown_w"] < 300 or c["shown_h"] < 150:
        bad.append(f"{cid}: shown at {c['shown_w']:.0f}x{c['shown_h']:.0f} px")
    if c["ticks"] < 2:
        bad.append(f"{cid}: {c['ticks']} axis ticks")
    if c["untitled"]:
        bad.append(f"{cid}: {c['untitled']} marks without a tooltip")
    if not c["title"]:
        bad.append(f"{cid}: no title")
for c in probe:
    if c["marks"] < 1:
        bad.append(f"{c['id']}: an empty chart in the report")
print(f"{name}: {len(probe)} charts rendered: " +
      ", ".join(f"{c['id']} ({c['marks']} marks)" for c in probe))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF
}

# Quickstart: one pool, four policies, training only.
"$BIN" run "$SRC/examples/quickstart.yaml" --quiet --report "$TMP/quickstart.html" ||
  fail "quickstart run failed"
check_report quickstart "$TMP/quickstart.html" \
  bill-by-pool bill-by-category cost-vs-p95-jct utilisation-a100 queue-length jct-cdf \
  queue-delay-ccdf
for section in 'id="key"' 'id="money"' 'id="utilisation"' 'id="jobs"' 'id="assumptions"' \
               'Scenario file as written' 'class="best"'; do
  grep -qF "$section" "$TMP/quickstart.html" || fail "quickstart report lacks $section"
done
grep -qF 'id="inference"' "$TMP/quickstart.html" && fail "quickstart report has an inference section without services"

# Stability: four pools of three pricing models, an inference service, five policies.
"$BIN" run "$SRC/examples/stability-2023.yaml" --quiet --report "$TMP/stability.html" ||
  fail "stability run failed"
check_report stability "$TMP/stability.html" \
  bill-by-pool bill-by-category cost-vs-p95-jct utilisation-aws-p4d-committed \
  utilisation-aws-p4d-on-demand utilisation-gcp-a2-cud utilisation-coreweave-a100 \
  queue-length jct-cdf queue-delay-ccdf service-image-api-latency service-image-api-replicas
grep -qF 'SLO 10 s' "$TMP/stability.html" || fail "stability report does not draw the SLO bound"

# Plan: every candidate, the frontier and the recommendation.
"$BIN" plan "$SRC/examples/capacity-plan.yaml" --report "$TMP/plan.html" >/dev/null ||
  fail "plan failed"
check_report plan "$TMP/plan.html" plan-frontier
grep -qF 'recommended' "$TMP/plan.html" || fail "plan report does not mark the recommendation"

# Deterministic: the same run writes the same bytes.
"$BIN" run "$SRC/examples/quickstart.yaml" --quiet --report "$TMP/again.html"
# The footer echoes the command line, which names the output file: compare without it.
cmp -s <(sed 's#<footer>.*##' "$TMP/quickstart.html") <(sed 's#<footer>.*##' "$TMP/again.html") ||
  fail "two identical runs wrote different reports"

# A failed run writes no report (and says why).
out=$("$BIN" run "$SRC/tests/fixtures/bad/malformed.yaml" --report "$TMP/bad.html" 2>&1)
rc=$?
[ "$rc" -eq 2 ] || fail "a bad scenario with --report exited $rc, expected 2: $out"
[ -e "$TMP/bad.html" ] && fail "a failed run left a report behind"
out=$("$BIN" run "$SRC/examples/quickstart.yaml" --report "$TMP/no-such-dir/r.html" 2>&1)
rc=$?
[ "$rc" -eq 2 ] || fail "--report into a missing directory exited $rc, expected 2"
case "$out" in *"--report"*"does not exist"*) ;; *) fail "--report into a missing directory: $out" ;; esac

# Screenshots (the README's picture is stability.png), and a sanity check that pixels were
# painted: a blank page compresses to a few kilobytes.
chromium_run --window-size=1000,1800 --screenshot="$SHOTS/stability.png" "file://$TMP/stability.html" >/dev/null
chromium_run --window-size=1000,1800 --screenshot="$SHOTS/quickstart.png" "file://$TMP/quickstart.html" >/dev/null
for shot in stability quickstart; do
  s=$(stat -c %s "$SHOTS/$shot.png" 2>/dev/null || echo 0)
  [ "$s" -gt 100000 ] || fail "screenshot $shot.png is $s bytes: the page looks blank"
done

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "report render tests passed (screenshots in $SHOTS)"
