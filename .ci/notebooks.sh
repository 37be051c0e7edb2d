#!/usr/bin/env bash
# Runs every notebook in notebooks/ headlessly, in quick mode, and checks what it shows.
#
#   bash .ci/notebooks.sh [outdir]        (default outdir: artifacts/notebooks)
#   NOTEBOOKS="00-setup 02-erase-at-the-core" bash .ci/notebooks.sh     (only these; all when NOTEBOOKS is unset)
#
# 1. restores the local tools (.config/dotnet-tools.json: dotnet-repl);
# 2. checks that each committed notebook matches its source in notebooks/src and has no outputs;
# 3. proves that a failing cell is caught: a deliberately broken notebook must fail both dotnet-repl and the check;
# 4. runs each notebook with dotnet-repl (one at a time), writes the executed copy to OUTDIR/<name>.ipynb, its log to
#    OUTDIR/<name>.log and an offline HTML rendering to OUTDIR/<name>.html, and fails when a cell failed or a notebook
#    shows fewer Plotly charts than it promises;
# 5. prints each notebook's wall time.
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

step "nbtool: build the notebooks' checker (notebooks/tools/nbtool.cs, a file-based app)"
tool_dir="$out/.nbtool"
dotnet build notebooks/tools/nbtool.cs -c Release -o "$tool_dir" -nologo -v q
nbtool() { dotnet "$tool_dir/nbtool.dll" "$@"; }

step "committed notebooks match notebooks/src and carry no outputs"
nbtool make --check

step "self-check: a notebook with a failing cell must fail"
broken_dir="$out/selfcheck"
mkdir -p "$broken_dir"
cat > "$broken_dir/broken.ipynb" <<'EOF'
{
 "cells": [
  {"cell_type": "code", "execution_count": null, "metadata": {"dotnet_interactive": {"language": "csharp"}, "polyglot_notebook": {"kernelName": "csharp"}},
   "outputs": [], "source": ["var before = 1 + 1;\n", "before"]},
  {"cell_type": "code", "execution_count": null, "metadata": {"dotnet_interactive": {"language": "csharp"}, "polyglot_notebook": {"kernelName": "csharp"}},
   "outputs": [], "source": ["throw new InvalidOperationException(\"deliberate failure: CI must catch this\");"]},
  {"cell_type": "code", "execution_count": null, "metadata": {"dotnet_interactive": {"language": "csharp"}, "polyglot_notebook": {"kernelName": "csharp"}},
   "outputs": [], "source": ["\"after\""]}
 ],
 "metadata": {"kernelspec": {"display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp"}, "language_info": {"name": "polyglot-notebook"},
  "polyglot_notebook": {"kernelInfo": {"defaultKernelName": "csharp", "items": [{"aliases": [], "name": "csharp"}]}}},
 "nbformat": 4, "nbformat_minor": 2
}
EOF
set +e
timeout 300 dotnet repl --run "$broken_dir/broken.ipynb" --exit-after-run --output-format ipynb \
  --output-path "$broken_dir/broken.executed.ipynb" > "$broken_dir/broken.log" 2>&1
repl_status=$?
nbtool check "$broken_dir/broken.executed.ipynb"
check_status=$?
set -e
if [[ $repl_status -ne 0 && $check_status -ne 0 ]] && grep -q "deliberate failure" "$broken_dir/broken.executed.ipynb"; then
  echo "ok: the broken notebook failed (dotnet-repl exit $repl_status, check exit $check_status)"
else
  echo "FAILED: a notebook with a throwing cell was not caught (dotnet-repl exit $repl_status, check exit $check_status)"
  exit 1
fi

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
  set +e
  timeout --kill-after=30 "$per_notebook_timeout" dotnet repl --run "$nb" --exit-after-run --output-format ipynb \
    --output-path "$out/$name.ipynb" > "$out/$name.log" 2>&1
  repl_status=$?
  set -e
  seconds=$(( $(date +%s) - t0 ))
  total=$(( total + seconds ))
  result=ok
  if [[ ! -f "$out/$name.ipynb" ]]; then
    echo "$name: dotnet-repl wrote no output (exit $repl_status); its log:"
    tail -n 40 "$out/$name.log"
    result=FAILED
  else
    nbtool check "$out/$name.ipynb" --charts "$expected" || result=FAILED
    [[ $repl_status -eq 0 ]] || { echo "$name: dotnet-repl exited with $repl_status"; result=FAILED; }
    nbtool html "$out/$name.ipynb" "$out/$name.html" >/dev/null || echo "$name: (could not render the HTML copy)"
  fi
  [[ $result == ok ]] || failed+=("$name")
  summary+=("$(printf '%-28s %5d s  %s' "$name" "$seconds" "$result")")
  echo "$name: $seconds s, $result"
done

step "summary"
[[ ${#summary[@]} -eq 0 ]] || printf '%s\n' "${summary[@]}"
echo "notebooks: $total s in all; executed copies, logs and HTML in $out"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED notebooks: ${failed[*]}"
  exit 1
fi
echo "all ${#summary[@]} notebooks ran without a failing cell and show their charts"
