#!/usr/bin/env bash
# Runs every notebook in notebooks/ headlessly, in quick mode, in the kernel VS Code runs, and checks what it shows.
#
#   bash .ci/notebooks.sh [outdir]        (default outdir: artifacts/notebooks)
#   NOTEBOOKS="00-setup 02-erase-at-the-core" bash .ci/notebooks.sh     (only these; all when NOTEBOOKS is unset)
#
# 1. restores the local tools (.config/dotnet-tools.json: dotnet-interactive, dotnet-repl) and builds nbtool and nbrun;
# 2. checks that each committed notebook matches its source in notebooks/src and has no outputs;
# 3. proves the checks can fail: a notebook with a throwing cell must fail nbrun, dotnet-repl and nbtool check; a cell
#    with a compiler warning must fail nbrun; a chart loading plotly.js from a CDN must fail nbtool check and must not
#    draw in the offline browser;
# 4. runs each notebook in dotnet-interactive's stdio kernel as VS Code does (notebooks/tools/nbrun.cs), one at a time,
#    writes the executed copy to OUTDIR/<name>.ipynb, the kernel's log to OUTDIR/<name>.log and the outputs as a page to
#    OUTDIR/<name>.html, and fails on a failed cell, a warning the user would see, fewer charts than promised, an output
#    that loads a script from the network, or a chart that does not draw in headless Chromium with no network
#    (.ci/charts-drawn.sh; OUTDIR/<name>.png is its screenshot);
# 5. runs 00-setup in dotnet-repl too (the headless runner the README shows), with the same checks;
# 6. prints each notebook's wall time.
#
# Standalone: it builds the library if needed (each notebook's setup cell does). It is quick when runs/quick has been
# filled by the main job (`erase-core reproduce --preset quick`); otherwise the notebooks train what they need first.
# Executed copies are artifacts, never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/notebooks}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
started=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - started )) s)"; }

# Minimum number of Plotly charts each notebook must show (its promised charts).
declare -A charts=(
  [00-setup]=1
  [01-superficial-forgetting]=3
  [02-erase-at-the-core]=5
  [03-plug-in]=8
  [04-ablations]=3
  [05-relearning-attack]=1
  [06-paper-checkpoints]=3
)
per_notebook_timeout=1800   # seconds; a notebook that hangs fails instead of eating CI's budget

step "local tools: dotnet tool restore"
dotnet tool restore

step "nbtool and nbrun: build the notebooks' checker and the VS Code kernel's runner (file-based apps in notebooks/tools)"
tool_dir="$out/.tools"
dotnet build notebooks/tools/nbtool.cs -c Release -o "$tool_dir/nbtool" -nologo -v q
dotnet build notebooks/tools/nbrun.cs -c Release -o "$tool_dir/nbrun" -nologo -v q
nbtool() { dotnet "$tool_dir/nbtool/nbtool.dll" "$@"; }
nbrun() { dotnet "$tool_dir/nbrun/nbrun.dll" "$@"; }

step "committed notebooks match notebooks/src and carry no outputs"
nbtool make --check

step "self-checks: what must fail does"
broken_dir="$out/selfcheck"
mkdir -p "$broken_dir"
source .ci/notebook-json.sh   # code_cell, notebook
notebook "$(code_cell '"var before = 1 + 1;\n", "before"')" "$(code_cell '"throw new InvalidOperationException(\"deliberate failure: CI must catch this\");"')" \
  "$(code_cell '"\"after\""')" > "$broken_dir/broken.ipynb"
notebook "$(code_cell '"void Unused() { int never = 1; }   // CS0219: a warning squiggle in VS Code\n", "\"ran\""')" > "$broken_dir/warning.ipynb"
cdn_chart='<div class=\"eraseatcore-chart\" id=\"c\"></div><script src=\"https://cdn.plot.ly/plotly-2.28.0.min.js\"></script><script>window.Plotly && Plotly.newPlot(\"c\", [{\"y\": [1, 2]}]);</script>'
notebook "$(code_cell '"\"a chart as Plotly.NET.Interactive shows it\""' "{\"output_type\":\"display_data\",\"metadata\":{},\"data\":{\"text/html\":\"$cdn_chart\"}}")" \
  | sed 's/"execution_count":null,"metadata":{/"execution_count":1,"metadata":{"nbrun_cellExecutionStartTime":"2026-01-01T00:00:00Z","nbrun_cellExecutionEndTime":"2026-01-01T00:00:00Z",/' \
  > "$broken_dir/cdn.ipynb"
set +e
nbrun "$broken_dir/broken.ipynb" "$broken_dir/broken.nbrun.ipynb" --timeout 300 > "$broken_dir/broken.nbrun.log" 2>&1; nbrun_status=$?
timeout 300 dotnet repl --run "$broken_dir/broken.ipynb" --exit-after-run --output-format ipynb \
  --output-path "$broken_dir/broken.executed.ipynb" > "$broken_dir/broken.log" 2>&1; repl_status=$?
nbtool check "$broken_dir/broken.executed.ipynb" > /dev/null; check_status=$?
nbtool check "$broken_dir/broken.nbrun.ipynb" > /dev/null; check_nbrun_status=$?
nbrun "$broken_dir/warning.ipynb" "$broken_dir/warning.nbrun.ipynb" --timeout 300 > "$broken_dir/warning.nbrun.log" 2>&1; warning_status=$?
nbtool check "$broken_dir/cdn.ipynb" > "$broken_dir/cdn.check.log"; cdn_status=$?
nbtool html "$broken_dir/cdn.ipynb" "$broken_dir/cdn.html" > /dev/null
bash .ci/charts-drawn.sh "$broken_dir/cdn.html" 1 > "$broken_dir/cdn.browser.log"; cdn_browser_status=$?
set -e
selfcheck_failed=0
expect_failure() { # what, status, [log to show]
  if [[ $2 -ne 0 ]]; then echo "ok: $1 failed (exit $2)"; else echo "FAILED: $1 was not caught"; selfcheck_failed=1; fi
}
expect_failure "a throwing cell in nbrun (VS Code's kernel)" $nbrun_status
expect_failure "a throwing cell in dotnet-repl" $repl_status
expect_failure "nbtool check of dotnet-repl's copy" $check_status
expect_failure "nbtool check of nbrun's copy" $check_nbrun_status
grep -q "deliberate failure" "$broken_dir/broken.nbrun.ipynb" || { echo "FAILED: nbrun's copy lacks the cell's error"; selfcheck_failed=1; }
grep -q "CS0219" "$broken_dir/warning.nbrun.log" || { echo "FAILED: nbrun did not report the CS0219 warning"; selfcheck_failed=1; }
expect_failure "a compiler warning (CS0219) in nbrun" $warning_status
grep -q "cdn.plot.ly" "$broken_dir/cdn.check.log" || { echo "FAILED: nbtool check did not name the CDN script"; selfcheck_failed=1; }
expect_failure "nbtool check of a chart loading plotly.js from a CDN" $cdn_status
if grep -q "skipped" "$broken_dir/cdn.browser.log"; then cat "$broken_dir/cdn.browser.log"
else
  expect_failure "drawing a CDN chart with the network blocked" $cdn_browser_status
  # ... and for the right reason: the browser ran and drew nothing (not a browser that did not start).
  grep -q ": 0 of 1 chart(s) drawn offline" "$broken_dir/cdn.browser.log" || { cat "$broken_dir/cdn.browser.log"; echo "FAILED: the CDN self-check did not fail for the right reason"; selfcheck_failed=1; }
fi
[[ $selfcheck_failed -eq 0 ]] || exit 1

step "run the notebooks (quick mode, one at a time)"
failed=()
summary=()
total=0
if [[ -n "${NOTEBOOKS+set}" ]]; then
  selected=()
  for name in $NOTEBOOKS; do selected+=("notebooks/$name.ipynb"); done
else
  selected=(notebooks/[0-9]*.ipynb)
fi
for nb in "${selected[@]}"; do
  name="$(basename "$nb" .ipynb)"
  [[ -f "$nb" ]] || { echo "$nb: no such notebook"; failed+=("$name"); continue; }
  expected="${charts[$name]:-1}"
  echo
  echo "-- $name (expects at least $expected chart(s))"
  t0=$(date +%s)
  rm -f "$out/$name.ipynb"
  set +e
  nbrun "$nb" "$out/$name.ipynb" --timeout "$per_notebook_timeout" --log "$out/$name.log"
  run_status=$?
  set -e
  seconds=$(( $(date +%s) - t0 ))
  total=$(( total + seconds ))
  result=ok
  if [[ ! -f "$out/$name.ipynb" ]]; then
    echo "$name: nbrun wrote no output (exit $run_status); the kernel's log ends:"
    tail -n 40 "$out/$name.log"
    result=FAILED
  else
    [[ $run_status -eq 0 ]] || result=FAILED
    nbtool check "$out/$name.ipynb" --charts "$expected" || result=FAILED
    if nbtool html "$out/$name.ipynb" "$out/$name.html" >/dev/null; then
      bash .ci/charts-drawn.sh "$out/$name.html" "$expected" || result=FAILED
    else
      echo "$name: could not render the outputs as a page"; result=FAILED
    fi
  fi
  if [[ $name == 00-setup && -f "$out/$name.html" ]]; then
    # Jupyter's classic notebook has require.js: with an AMD define on the page, plotly.js must still define window.Plotly.
    sed 's|<head>|<head><script>window.define = Object.assign(function () {}, { amd: {} });</script>|' "$out/$name.html" > "$out/$name.requirejs.html"
    bash .ci/charts-drawn.sh "$out/$name.requirejs.html" "$expected" || result=FAILED
  fi
  [[ $result == ok ]] || failed+=("$name")
  summary+=("$(printf '%-28s %5d s  %s' "$name" "$seconds" "$result")")
  echo "$name: $seconds s, $result"
done

if [[ -z "${NOTEBOOKS+set}" || " $NOTEBOOKS " == *" 00-setup "* ]]; then
  step "00-setup in dotnet-repl too (the headless runner notebooks/README shows)"
  t0=$(date +%s)
  set +e
  timeout --kill-after=30 "$per_notebook_timeout" dotnet repl --run notebooks/00-setup.ipynb --exit-after-run --output-format ipynb \
    --output-path "$out/00-setup.repl.ipynb" > "$out/00-setup.repl.log" 2>&1
  repl_status=$?
  set -e
  result=ok
  [[ $repl_status -eq 0 ]] || { echo "00-setup: dotnet-repl exited with $repl_status"; result=FAILED; }
  [[ -f "$out/00-setup.repl.ipynb" ]] && { nbtool check "$out/00-setup.repl.ipynb" --charts "${charts[00-setup]}" || result=FAILED; } || result=FAILED
  [[ $result == ok ]] || failed+=("00-setup (dotnet-repl)")
  summary+=("$(printf '%-28s %5d s  %s' "00-setup (dotnet-repl)" "$(( $(date +%s) - t0 ))" "$result")")
fi

step "summary"
[[ ${#summary[@]} -eq 0 ]] || printf '%s\n' "${summary[@]}"
echo "notebooks: $total s in all; executed copies, logs and HTML in $out"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED notebooks: ${failed[*]}"
  exit 1
fi
echo "all ${#summary[@]} notebook runs passed: no failing cell, no warning, their charts drawn offline"
