#!/usr/bin/env bash
# Opens an executed notebook's HTML rendering (nbtool html: the outputs exactly as saved) in headless Chromium with
# the network blocked, and checks that every chart on it was drawn, and at least EXPECTED_CHARTS: plotly marks each div
# it drew into with js-plotly-plot and fills it with its SVG (main-svg). A chart whose plotly.js would come from a CDN stays an empty div, and one
# that waited in vain for plotly.js shows the kit's "needs plotly.js" text instead.
#
#   bash .ci/charts-drawn.sh PAGE.html EXPECTED_CHARTS
#
# Chromium: Debian's chromium-headless-shell (or chromium). Where neither is installed it says so and exits 0, unless
# REQUIRE_BROWSER=1 (CI), where that is a failure. Also writes PAGE.png, a screenshot of the charts' page.
set -euo pipefail
page="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
expected="$2"
browser="$(command -v chromium-headless-shell || command -v chromium || true)"
if [[ -z "$browser" ]]; then
  if [[ "${REQUIRE_BROWSER:-0}" == 1 ]]; then echo "FAILED: no Chromium to check that charts draw (apt-get install chromium-headless-shell)"; exit 1; fi
  echo "skipped: no Chromium here (apt-get install chromium-headless-shell), so charts were not checked in a browser"
  exit 0
fi
# No network: every host resolves to nothing and the proxy is a closed port. Virtual time lets the charts' scripts run.
offline=(--no-sandbox --disable-gpu --proxy-server=127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND" --virtual-time-budget=15000)
dom="$(timeout 120 "$browser" "${offline[@]}" --dump-dom "file://$page" 2>/dev/null)" \
  || { echo "$(basename "$page"): FAILED: $(basename "$browser") did not render the page (exit $?)"; exit 1; }
count() { { grep -oE "$1" <<<"$dom" || true; } | wc -l; }
charts="$(count '<div class="eraseatcore-chart')"
drawn="$(count 'class="eraseatcore-chart js-plotly-plot"')"
svgs="$(count 'class="main-svg"')"
missing="$(count '<div class="eraseatcore-chart"[^>]*>This chart needs plotly.js')"
timeout 120 "$browser" "${offline[@]}" --window-size=1200,2400 --screenshot="${page%.html}.png" "file://$page" >/dev/null 2>&1 || true
name="$(basename "$page")"
# Every chart on the page must be drawn (one whose script threw stays an empty div), and at least the promised number.
if [[ "$drawn" -eq "$charts" && "$drawn" -ge "$expected" && "$missing" -eq 0 && "$svgs" -ge "$drawn" ]]; then
  echo "$name: $drawn of $charts chart(s) drawn offline in $(basename "$browser") ($svgs plotly SVG layers), expected at least $expected -> ok"
else
  echo "$name: $drawn of $charts chart(s) drawn offline, $missing without plotly.js, $svgs plotly SVG layers; expected at least $expected -> FAILED"
  exit 1
fi
