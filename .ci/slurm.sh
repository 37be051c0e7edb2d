#!/usr/bin/env bash
# A sweep under a real Slurm (one node on this machine, started by .ci/slurm-up.sh): the quick preset with 1 training
# epoch, Retrain + GA + RL + FT + NegGrad+, 2 shards.
#  1. the plan and scripts: sbatch --test-only accepts every script;
#  2. submitted (bases, then shards afterok, then the merge afterany); a --resume while they run is refused; shard 2
#     is cancelled once its first model is finished; the merge still runs and refuses, naming shard 2 and its models;
#  3. `sweep --resume --submit` resubmits shard 2 alone; the merge then succeeds, and nothing finished before was made
#     again (every earlier model and step file keeps its inode);
#  4. the merged results equal an unsharded `reproduce` of the same grid, measure for measure.
# Where Slurm cannot start it prints why and skips, unless ERASE_CORE_REQUIRE_SLURM=1 (CI), where that fails.
# Usage: bash .ci/slurm.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: .ci/slurm.sh OUT_DIR}
rm -rf "$out"; mkdir -p "$out"
out=$(cd "$out" && pwd)
KIT=(dotnet "$PWD/lib/EraseAtCore.Cli/bin/Release/net10.0/erase-core.dll")
GRID=(--preset quick --train-epochs 1 --methods retrain ga rl ft neggrad+ --option all.steps=10 --relearn-steps 2)
root="$out/sweep"
experiment="$root/quick/class-3"
cases=0
pass() { cases=$((cases + 1)); echo "ok  $*"; }
fail() { echo "slurm: $*"; for f in "$root"/logs/*.out; do [[ -f $f ]] && { echo "--- $f"; tail -n 20 "$f"; }; done; exit 1; }
started=$(date +%s)

if ! bash .ci/slurm-up.sh > "$out/slurm-up.log" 2>&1; then
  cat "$out/slurm-up.log"
  [[ ${ERASE_CORE_REQUIRE_SLURM:-0} == 1 ]] && fail "Slurm could not start (ERASE_CORE_REQUIRE_SLURM=1)"
  echo "skipped: Slurm could not start on this machine (above); the sweep's scripts were not run under a scheduler"
  exit 0
fi
cat "$out/slurm-up.log"

# Waits until none of the given jobs is queued or running (15 min at most).
wait_jobs() {
  for _ in $(seq 1 900); do
    [[ -z $(squeue -h -j "$1" 2>/dev/null) ]] && return 0
    sleep 1
  done
  squeue; fail "jobs $1 did not finish in 15 minutes"
}
job_of() { sed -n "s/^$1: job \([0-9]*\)$/\1/p" "$2"; }
# The inode of every finished model and step under the sweep: a file made again gets a new one (atomic renames).
snapshot() { (cd "$root" && find . \( -path '*/models/*' -o -path '*/steps/*' \) -type f \( -name '*.ckpt' -o -name '*.json' \) -printf '%p %i\n' | sort); }

echo "== 1. plan and scripts"
"${KIT[@]}" sweep "${GRID[@]}" --shards 2 --root "$root" --cpus-per-task 2 --time 0:30:00 --mem 6G > "$out/plan.log" 2>&1 || { cat "$out/plan.log"; fail "sweep (plan only) failed"; }
for script in bases shards merge; do
  sbatch --test-only "$root/$script.sbatch" > "$out/test-only-$script.log" 2>&1 || { cat "$out/test-only-$script.log"; fail "sbatch --test-only refused $script.sbatch"; }
done
grep -q -- '--shard "$SLURM_ARRAY_TASK_ID/2"' "$root/shards.sbatch" || fail "shards.sbatch does not pass the array task id as --shard i/2"
grep -q '#SBATCH --array=1-2' "$root/shards.sbatch" || fail "shards.sbatch is not a 2-task array"
grep -q '#SBATCH --time=0:30:00' "$root/shards.sbatch" || fail "shards.sbatch lacks the --time asked for"
pass "sweep wrote sweep.json and bases/shards/merge scripts that sbatch --test-only accepts; $(grep -c '' "$out/plan.log") lines of plan printed"

echo "== 2. submit, cancel shard 2 after its first model, the merge names what is missing"
"${KIT[@]}" sweep "${GRID[@]}" --shards 2 --root "$root" --cpus-per-task 2 --time 0:30:00 --mem 6G --submit > "$out/submit.log" 2>&1 || { cat "$out/submit.log"; fail "sweep --submit failed"; }
bases=$(job_of bases "$out/submit.log"); shards=$(job_of shards "$out/submit.log"); merge=$(job_of merge "$out/submit.log")
[[ -n $bases && -n $shards && -n $merge ]] || { cat "$out/submit.log"; fail "sweep --submit did not print the three job ids"; }
# A resubmission while the jobs are queued or running would run tasks twice: refused, nothing written.
set +e
"${KIT[@]}" sweep --resume --root "$root" --submit > "$out/early-resume.out" 2> "$out/early-resume.err"
code=$?
set -e
[[ $code -eq 2 ]] || { cat "$out/early-resume.out" "$out/early-resume.err"; fail "sweep --resume while the jobs run exited $code, not 2"; }
grep -q "still queued or running" "$out/early-resume.err" || { cat "$out/early-resume.err"; fail "the early --resume did not say the jobs still run"; }
[[ ! -e "$root/resubmit.sh" ]] || fail "the refused --resume wrote resubmit.sh"
# Shard 2 holds RL then NegGrad+ (by cost: FT and NegGrad+ 3 each, GA and RL 1): cancel it once RL's step is written.
first="$experiment/shard-2/steps/seed0/rl.json"
for _ in $(seq 1 900); do [[ -f $first ]] && break; [[ -z $(squeue -h -j "$shards" 2>/dev/null) ]] && break; sleep 0.2; done
[[ -f $first ]] || fail "shard 2 never finished its first model (RL)"
[[ ! -f "$experiment/shard-2/results.json" ]] || fail "shard 2 finished before it could be cancelled"
scancel "${shards}_2"
wait_jobs "$bases,$shards,$merge"
merge_log="$root/logs/merge-$merge.out"
[[ -f $merge_log ]] || fail "the merge job (afterany) did not run after the cancelled shard"
grep -q "shard task 2 of 2" "$merge_log" || { cat "$merge_log"; fail "the merge did not name the unfinished shard"; }
grep -q "neggrad+ (seed 0)" "$merge_log" || { cat "$merge_log"; fail "the merge did not name the unfinished model"; }
grep -q "rl (seed 0) (finished, to be reused)" "$merge_log" || { cat "$merge_log"; fail "the merge did not say RL was finished before the cancel"; }
[[ ! -f "$experiment/results.json" ]] || fail "the merge wrote results from an incomplete grid"
pass "jobs $bases (bases) -> $shards (shards) -> $merge (merge); an early --resume refused while they ran; shard 2 cancelled after RL; the merge refused: $(grep -o 'The sweep.*no result' "$merge_log" | head -n 1)"

echo "== 3. resume: only shard 2 again, nothing finished made again"
before=$(snapshot)
"${KIT[@]}" sweep --resume --root "$root" --submit > "$out/resume.log" 2>&1 || { cat "$out/resume.log"; fail "sweep --resume --submit failed"; }
grep -q -- '--array=2 ' "$root/resubmit.sh" || { cat "$root/resubmit.sh"; fail "the resubmission is not shard 2 alone"; }
! grep -q "bases.sbatch" "$root/resubmit.sh" || fail "the resubmission reruns the finished base task"
shards2=$(job_of shards "$out/resume.log"); merge2=$(job_of merge "$out/resume.log")
[[ -n $shards2 && -n $merge2 ]] || { cat "$out/resume.log"; fail "sweep --resume --submit did not print the job ids"; }
wait_jobs "$shards2,$merge2"
[[ -f "$experiment/results.json" ]] || { cat "$root/logs/merge-$merge2.out"; fail "the merge after the resubmission wrote no results"; }
remade=0
while read -r path inode; do
  now=$(cd "$root" && stat -c %i "$path" 2>/dev/null || echo gone)
  [[ $now == "$inode" ]] || { echo "made again: $path"; remade=$((remade + 1)); }
done <<<"$before"
[[ $remade -eq 0 ]] || fail "$remade finished files were made again by the resubmitted shard"
grep -q "rl (seed 0) cached" "$root"/logs/shards-2-"$shards2".out || fail "the resubmitted shard did not reuse RL from its cache"
pass "resubmitted shard 2 alone (job $shards2), merge job $merge2 wrote the results; $(wc -l <<<"$before") finished files kept, RL reused"

echo "== 4. the merged grid equals an unsharded run"
"${KIT[@]}" reproduce "${GRID[@]}" --out "$out/unsharded" > "$out/unsharded.log" 2>&1 || { cat "$out/unsharded.log"; fail "the unsharded reproduce failed"; }
/usr/bin/python3 - "$out/unsharded/results.json" "$experiment/results.json" <<'PY' || fail "the merged sweep differs from the unsharded run"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def measures(doc):
    return {(m["name"], m["seed"]): {k: v for k, v in m.items() if k not in ("seconds", "eval_seconds")} for m in doc["models"]}
ma, mb = measures(a), measures(b)
assert ma.keys() == mb.keys(), f"models differ: {sorted(ma)} vs {sorted(mb)}"
for key in ma:
    assert ma[key] == mb[key], f"{key} differs: " + ", ".join(k for k in ma[key] if ma[key][k] != mb[key].get(k))
strip = lambda rows: {r["name"]: ({k: v for k, v in r["mean"].items() if k != "seconds"}, {k: v for k, v in r["std"].items() if k != "seconds"}) for r in rows}
assert strip(a["summary"]) == strip(b["summary"]), "summaries differ"
assert a["claims"] == b["claims"], "verdicts differ"
assert all(m.get("cka_to_retrain") for m in b["models"] if m["name"] != "original"), "a shard's model lacks CKA to Retrain"
print(f"{len(ma)} models, every measure equal to the unsharded run's")
PY
pass "merged sweep = unsharded reproduce, measure for measure"
echo "$cases cases passed in $(( $(date +%s) - started )) s"
