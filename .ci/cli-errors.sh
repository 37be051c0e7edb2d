#!/usr/bin/env bash
# The command line's error contract, checked on a table of bad inputs covering every command: exit 2, nothing on
# stdout, every stderr line an "error: " line or an indented continuation, no .NET type names or stack traces, and (for
# the commands that write) nothing written. Needs a built CLI; trains one tiny model (seconds) to have a checkpoint.
# Usage: bash .ci/cli-errors.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: .ci/cli-errors.sh OUT_DIR}
mkdir -p "$out"
KIT=(dotnet lib/EraseAtCore.Cli/bin/Release/net10.0/erase-core.dll)
bad=$(mktemp)
printf 'not a checkpoint' > "$bad"
npy=$(mktemp -d); trap 'rm -f "$bad"; rm -rf "$npy"' EXIT
# Features with a NaN, and features that are the same for every example (Debian's python3-numpy, a python3-torch
# dependency); image arrays with no image, with 3 channels for a 1-channel model, and of an unsupported dtype.
/usr/bin/python3 - "$npy" <<'PY'
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(0)
good = rng.standard_normal((50, 8)).astype(np.float32)
np.save(f"{d}/good.npy", good)
nan = good.copy(); nan[3, 2] = np.nan; np.save(f"{d}/nan.npy", nan)
np.save(f"{d}/constant.npy", np.ones((50, 8), dtype=np.float32))
np.save(f"{d}/short.npy", good[:20])
np.save(f"{d}/noimages.npy", np.zeros((0, 1, 28, 28), dtype=np.float32))
np.save(f"{d}/rgb.npy", np.zeros((2, 3, 28, 28), dtype=np.float32))
np.save(f"{d}/int.npy", np.zeros((2, 1, 28, 28), dtype=np.int32))
np.save(f"{d}/images.npy", np.zeros((2, 1, 28, 28), dtype=np.float32))
PY
# A real checkpoint to point the commands at (ResNet-18 w=4, one epoch on the embedded data).
"${KIT[@]}" train --epochs 1 --width 4 --out "$npy/model" > "$npy/train.log" 2>&1 || { cat "$npy/train.log"; echo "cli-errors: could not train the tiny model"; exit 1; }
ckpt="$npy/model/original.ckpt"
cases=(
  # parsing
  "bogus-command"
  "train --epochs x"
  "bench nosuch"
  "data nosuch"
  "doctor --repeats 3"
  # data, recipe, device
  "train --preset nosuchpreset"
  "train --width 0"
  "train --epochs 0"
  "train --arch nosuch"
  "train --data-dir /tmp"
  "train --device cuda"
  "train --device tpu"
  "train --retrain"
  "train --epochs 1 --out $bad"
  # checkpoints and what they are evaluated on
  "eval --model /nonexistent/original.ckpt"
  "eval --model $bad"
  "eval --model $ckpt --forget-classes 3 --knn-k 0"
  "eval --model $ckpt --forget-classes 11"
  "eval --model $ckpt --forget-classes 3 --knn-k 100000"
  "eval --model $ckpt --forget-classes 3 --export-features $bad"
  # unlearning: every option checked before the data or the checkpoint is read
  "unlearn --method nosuchmethod --from /nonexistent/original.ckpt"
  "unlearn --method original --from $ckpt --forget-classes 3"
  "unlearn --method ga --from $ckpt --epochs 1 --steps 5 --forget-classes 3"
  "unlearn --method salun --from $ckpt --option sparsity=2 --forget-classes 3"
  "unlearn --method ga --from $ckpt --option nosuch=1 --forget-classes 3"
  "unlearn --method ga --from $ckpt --batch-size 0 --forget-classes 3"
  "unlearn --method ga --from $ckpt --forget-classes 3 --out $bad"
  "unlearn --method ga --from $ckpt"
  # features and CKA on arrays
  "features --model $ckpt --input $npy/noimages.npy --out $npy/f"
  "features --model $ckpt --input $npy/rgb.npy --out $npy/f"
  "features --model $ckpt --input $npy/int.npy --out $npy/f"
  "features --model $ckpt --input $npy/images.npy --out $npy/f --batch 0"
  "features --model $ckpt --input $npy/images.npy --out $bad"
  "cka --kernel poly a.npy b.npy"
  "cka $npy/good.npy $npy/nan.npy"
  "cka $npy/constant.npy $npy/good.npy"
  "cka $npy/good.npy $npy/short.npy"
  "cka $npy/good.npy /nonexistent.npy"
  # grids
  "reproduce --shard 0/3 --out $npy/reproduce"
  "reproduce --shard 20/20 --out $npy/run"
  "reproduce --seeds 0 --out $npy/reproduce"
  "reproduce --methods nosuch --out $npy/reproduce"
  "reproduce --forget-fraction 2 --out $npy/reproduce"
  "reproduce --train-epochs 0 --out $npy/reproduce"
  "reproduce --option ec.nosuch=1 --out $npy/reproduce"
  "reproduce --out $bad"
  "reproduce --original /nonexistent.pth --out $npy/reproduce"
  "reproduce --retrain $ckpt --methods ga --out $npy/reproduce"
  "reproduce --ec-modules /nonexistent.ecm --out $npy/reproduce"
  "study --seeds 0 --out $npy/study"
  "study --random-classes -1 --out $npy/study"
  "merge --out $npy/merged /nonexistent"
  "merge --out $bad $npy/model"
  "merge"
  "merge --sweep $npy/nosweep"
  # sweeps
  "sweep --root $npy/sweep --shards 99"
  "sweep --root $npy/sweep --forget-set nosuch"
  "sweep --root $npy/sweep --ec-modules shared"
  "sweep --root $npy/sweep --sbatch-extra $bad"
  "sweep --root $npy/sweep --preset quick quick"
  "sweep --resume --root $npy/sweep --shards 2"
  "sweep --resume --root $npy/nosweep"
  "sweep-task $npy/nosweep --shard 1/2"
  "sweep-task $npy/nosweep"
  "sweep-task $npy/nosweep --base 0/2"
  "sweep --root $npy/sweep --device gpu"
  "sweep --root $npy/sweep --retrain-minutes -5"
  # PyTorch files and EC modules
  "import --from $bad --arch resnet18 --classes 10 --out $npy/i.ckpt"
  "import --from /nonexistent.pth --arch resnet18 --classes 10 --out $npy/i.ckpt"
  "export --model $bad --out $npy/e.pth"
  "export --model $ckpt --out $bad/e.pth"
  "ec-modules --from /nonexistent.ckpt --out $npy/m.ecm"
  "ec-modules --from $ckpt --out $npy/m.ecm --stages nosuch"
)
n=0
for c in "${cases[@]}"; do
  n=$((n + 1))
  set +e
  # shellcheck disable=SC2086
  "${KIT[@]}" $c > "$out/$n.out" 2> "$out/$n.err"
  code=$?
  set -e
  [[ $code -eq 2 ]] || { echo "cli-errors: '$c' exited $code, not 2"; cat "$out/$n.err"; exit 1; }
  [[ ! -s $out/$n.out ]] || { echo "cli-errors: '$c' wrote to stdout:"; cat "$out/$n.out"; exit 1; }
  head -n 1 "$out/$n.err" | grep -q '^error: ' || { echo "cli-errors: '$c' does not start stderr with 'error: ':"; cat "$out/$n.err"; exit 1; }
  if grep -vqE '^(error: |  )' "$out/$n.err"; then echo "cli-errors: '$c' printed more than error lines:"; cat "$out/$n.err"; exit 1; fi
  if grep -qE 'System\.|`1|   at ' "$out/$n.err"; then echo "cli-errors: '$c' shows .NET internals:"; cat "$out/$n.err"; exit 1; fi
  echo "ok  erase-core ${c//$npy/TMP}  ->  $(head -n 1 "$out/$n.err" | cut -c1-160)"
done
# A refused command writes nothing: no file or folder appeared in the temp folder beyond the fixtures.
written=$(cd "$npy" && find . -newer "$npy/model/original.ckpt" -not -name '*.log' -not -path './model*' -not -path . || true)
[[ -z $written ]] || { echo "cli-errors: refused commands wrote:"; echo "$written"; exit 1; }
echo "cli-errors: $n bad inputs over $(printf '%s\n' "${cases[@]}" | awk '{print $1}' | grep -v bogus | sort -u | wc -l) commands, each exit 2 with one error on stderr and nothing written"
