#!/usr/bin/env bash
# Fault injection against the command line, on a small reproduce (quick preset, 1 training epoch, Retrain + GA + RL):
#  1. kill -9 at seeded points (during training, evaluation, unlearning and the final write, then at seeded random
#     times) and restart until the run finishes; after every kill each output file must parse, and at the end nothing
#     finished before a kill may have been made again and the results must equal an uninterrupted run's;
#  2. a second reproduce into the same --out while the first runs: refused at once (exit 2, the holder named);
#  3. a full disk (a 4 MiB tmpfs): a clear error, exit 2, the earlier checkpoint intact and no half file;
#  4. checkpoints describe themselves: a --width 8 model is evaluated, unlearned and given EC modules with no --width.
# Prints one line per case and a count line; artifacts (logs, tables) go to OUT_DIR.
# Usage: bash .ci/faults.sh OUT_DIR      (FAULT_SEED=N picks other kill points; default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: .ci/faults.sh OUT_DIR}
rm -rf "$out"; mkdir -p "$out"
out=$(cd "$out" && pwd)
KIT=(dotnet "$PWD/lib/EraseAtCore.Cli/bin/Release/net10.0/erase-core.dll")
RUN=(reproduce --preset quick --train-epochs 1 --methods retrain ga rl --option all.steps=10 --relearn-steps 2)
RANDOM=${FAULT_SEED:-1}
cases=0; kills=0
pass() { cases=$((cases + 1)); echo "ok  $*"; }
fail() { echo "faults: $*"; exit 1; }

# Every JSON file parses and every checkpoint is whole: the kit's marker first, and the SHA-256 of everything before
# its last 32 bytes equal to them (SignedFile's layout).
check_outputs() {
  local dir=$1
  /usr/bin/python3 - "$dir" <<'PY' || fail "an output file does not parse after a kill (see above)"
import json, pathlib, sys
root = pathlib.Path(sys.argv[1])
for f in root.rglob("*.json"):
    if f.name.startswith("."): continue
    json.loads(f.read_text())
import hashlib
for f in root.rglob("*.ckpt"):
    data = f.read_bytes()
    assert data[:8] == b"EACKPT01" and hashlib.sha256(data[:-32]).digest() == data[-32:], f"{f}: not a whole checkpoint"
PY
}

# The inode of every finished model and step: a file made again gets a new one (atomic writes rename a new file into place).
snapshot() { [[ -d $1 ]] || return 0; (cd "$1" && find models steps -type f \( -name '*.ckpt' -o -name '*.json' \) -printf '%p %i\n' 2>/dev/null | sort) || true; }

echo "== 1. kill -9 at seeded points of a small reproduce, restart until done"
start=$(date +%s)
"${KIT[@]}" "${RUN[@]}" --out "$out/reference" > "$out/reference.log" 2>&1 || { cat "$out/reference.log"; fail "the uninterrupted run failed"; }
reference_s=$(( $(date +%s) - start ))
echo "uninterrupted run: ${reference_s} s"
# Two rounds, each into a fresh folder and restarted until a run finishes. Round 1 kills at each phase in turn (wait for
# it in the progress log, then a seeded delay), so each kind of step is hit whatever the seed; round 2 kills at seeded
# random times after each start.
phases=("original (seed 0) train" "original (seed 0) evaluate" "retrain (seed 0) train" "retrain (seed 0) evaluate"
        "ga (seed 0) unlearn" "ga (seed 0) evaluate" "rl (seed 0) unlearn" "rl (seed 0) evaluate" "rl (seed 0) relearn" "writing results")
attempt=0
for round in 1 2; do
  folder="$out/faulted$round"
  targets=("${phases[@]}")
  random_kills=5
  while :; do
    attempt=$((attempt + 1))
    [[ $attempt -le 40 ]] || fail "the runs did not finish after 40 starts"
    log="$folder.$attempt.log"
    before=$(snapshot "$folder")
    "${KIT[@]}" "${RUN[@]}" --out "$folder" > "$log" 2>&1 &
    pid=$!
    target=""; delay=""
    if [[ $round -eq 1 && ${#targets[@]} -gt 0 ]]; then
      target=${targets[0]}; targets=("${targets[@]:1}")
      delay=$(( RANDOM % 800 ))   # ms after the phase shows
    elif [[ $round -eq 2 && $random_kills -gt 0 ]]; then
      random_kills=$((random_kills - 1))
      delay=$(( 1000 + (RANDOM * 32768 + RANDOM) % (reference_s * 500) ))   # ms after the start, within half a run ($RANDOM alone stops at 32767)
    fi
    killed=no
    if [[ -n $delay ]]; then
      # Wait for the phase (a phase finished before is served from the cache: then the run may end first).
      if [[ -n $target ]]; then while kill -0 "$pid" 2>/dev/null && ! grep -qF "$target" "$log"; do sleep 0.05; done; fi
      sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
      if kill -9 "$pid" 2>/dev/null; then killed=yes; fi
    fi
    set +e; wait "$pid" 2>/dev/null; code=$?; set -e
    last=$(grep -E '^reproduce: ' "$log" | tail -n 1 | cut -c1-100 || true)   # a kill before the first line leaves none
    if [[ $killed == yes && $code -eq 137 ]]; then
      kills=$((kills + 1))
      echo "round $round kill $kills (${target:-random time} +${delay} ms): during '${last}'"
      check_outputs "$folder"
    else
      [[ $code -eq 0 ]] || { tail -n 20 "$log"; fail "start $attempt exited $code without being killed"; }
      echo "round $round start $attempt finished (exit 0)${target:+ before '$target' was reached}"
    fi
    # Whatever was finished before this start must be untouched by it.
    while read -r file inode; do
      [[ -n $file ]] || continue
      now=$(stat -c '%i' "$folder/$file" 2>/dev/null || echo gone)
      [[ $now == "$inode" ]] || fail "start $attempt made $file again (inode $inode -> $now): finished work was recomputed"
    done <<<"$before"
    [[ $code -eq 0 ]] && break
  done
  check_outputs "$folder"
  leftovers=$(find "$folder" -name '.*.tmp' | wc -l)
  [[ $leftovers -eq 0 ]] || fail "$leftovers temporary files were left in $folder"
  # The results equal the uninterrupted run's, measure for measure (timings aside).
  /usr/bin/python3 - "$out/reference/results.json" "$folder/results.json" <<'PY' || fail "round $round's results differ from the uninterrupted run's"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def measures(doc):
    return [{k: v for k, v in m.items() if k not in ("seconds", "eval_seconds")} for m in doc["models"]]
assert measures(a) == measures(b), "models differ"
strip = lambda rows: [{**r, "mean": {k: v for k, v in r["mean"].items() if k != "seconds"}, "std": {k: v for k, v in r["std"].items() if k != "seconds"}} for r in rows]
assert strip(a["summary"]) == strip(b["summary"]), "summaries differ"
assert a["claims"] == b["claims"], "verdicts differ"
print(f"{len(a['models'])} models, every measure equal to the uninterrupted run's")
PY
done
pass "kill -9: $kills kills over $attempt starts in 2 rounds; every output parsed after each; nothing finished was made again; results equal the uninterrupted run's"

echo "== 2. a second run into the same --out is refused while the first runs"
"${KIT[@]}" "${RUN[@]}" --out "$out/locked" > "$out/locked.1.log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null && ! grep -qF "original (seed 0) train" "$out/locked.1.log"; do sleep 0.05; done
set +e; "${KIT[@]}" "${RUN[@]}" --out "$out/locked" > "$out/locked.2.out" 2> "$out/locked.2.err"; code=$?; set -e
kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
[[ $code -eq 2 ]] || fail "the second run exited $code, not 2"
[[ ! -s $out/locked.2.out ]] || { cat "$out/locked.2.out"; fail "the refused second run wrote to stdout"; }
grep -q "is in use by another erase-core run (pid $pid" "$out/locked.2.err" || { cat "$out/locked.2.err"; fail "the second run's message does not name the first"; }
pass "lock: second run exit 2: $(head -n 1 "$out/locked.2.err" | cut -c1-150)"

echo "== 3. a full disk: a 4 MiB tmpfs"
disk="$out/disk"; mkdir -p "$disk"
if mount -t tmpfs -o size=4m tmpfs "$disk" 2>/dev/null; then
  trap 'umount "$disk" 2>/dev/null || true' EXIT
  "${KIT[@]}" train --epochs 1 --out "$disk" > "$out/disk.1.log" 2>&1 || { cat "$out/disk.1.log"; fail "training onto the tmpfs failed while it had room"; }
  sum=$(sha256sum "$disk/original.ckpt")
  set +e; "${KIT[@]}" train --retrain --forget-classes 3 --epochs 1 --out "$disk" > "$out/disk.2.out" 2> "$out/disk.2.err"; code=$?; set -e
  [[ $code -eq 2 ]] || { cat "$out/disk.2.err"; fail "a full disk exited $code, not 2"; }
  head -n 1 "$out/disk.2.err" | grep -q '^error: .*No space left on device' || { cat "$out/disk.2.err"; fail "a full disk's message does not say so"; }
  grep -qE 'System\.|   at ' "$out/disk.2.err" && { cat "$out/disk.2.err"; fail "a full disk shows .NET internals"; }
  [[ "$(sha256sum "$disk/original.ckpt")" == "$sum" ]] || fail "the earlier checkpoint changed"
  [[ ! -e $disk/retrain.ckpt ]] || fail "a half retrain.ckpt was left"
  [[ -z $(find "$disk" -name '.*.tmp') ]] || fail "a temporary file was left on the full disk"
  umount "$disk"; trap - EXIT
  pass "full disk: exit 2: $(head -n 1 "$out/disk.2.err" | cut -c1-150); original.ckpt intact, no half file"
else
  echo "skip: cannot mount a tmpfs here (not root, or no mount permission in this container); the full-disk case did not run"
fi

echo "== 4. checkpoints describe themselves: a --width 8 model needs no --width"
"${KIT[@]}" train --epochs 1 --width 8 --out "$out/w8" > "$out/w8.train.log" 2>&1 || { cat "$out/w8.train.log"; fail "training a w=8 model failed"; }
"${KIT[@]}" eval --model "$out/w8/original.ckpt" --forget-classes 3 > "$out/w8.eval.log" 2>&1 || { cat "$out/w8.eval.log"; fail "eval of a w=8 checkpoint without --width failed"; }
"${KIT[@]}" unlearn --method ga --steps 2 --from "$out/w8/original.ckpt" --forget-classes 3 --out "$out/w8" > "$out/w8.unlearn.log" 2>&1 || { cat "$out/w8.unlearn.log"; fail "unlearn from a w=8 checkpoint without --width failed"; }
"${KIT[@]}" ec-modules --from "$out/w8/original.ckpt" --out "$out/w8/modules.ecm" > "$out/w8.modules.log" 2>&1 || { cat "$out/w8.modules.log"; fail "ec-modules from a w=8 checkpoint without --width failed"; }
grep -q "resnet18 w=8" "$out/w8.eval.log" || fail "eval did not rebuild resnet18 w=8"
pass "self-describing checkpoints: eval, unlearn and ec-modules of a resnet18 w=8 with no --width"

rm -rf "$out"/*/models   # the artifacts keep logs and results, not 30 MB of checkpoints
echo "faults: $cases cases passed, $kills kill -9 faults injected over $attempt starts (FAULT_SEED=${FAULT_SEED:-1}), uninterrupted run ${reference_s} s"
