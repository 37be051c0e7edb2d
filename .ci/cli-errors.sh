#!/usr/bin/env bash
# The command line's error contract, checked on bad input: exit 2, nothing on stdout, every stderr line an
# "error: " line or an indented continuation, and no .NET type names or stack traces.
# Usage: bash .ci/cli-errors.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: .ci/cli-errors.sh OUT_DIR}
mkdir -p "$out"
KIT=(dotnet lib/EraseAtCore.Cli/bin/Release/net10.0/erase-core.dll)
bad=$(mktemp)
printf 'not a checkpoint' > "$bad"
npy=$(mktemp -d); trap 'rm -f "$bad"; rm -rf "$npy"' EXIT
# Features with a NaN, and features that are the same for every example (Debian's python3-numpy, a python3-torch dependency).
/usr/bin/python3 - "$npy" <<'PY'
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(0)
good = rng.standard_normal((50, 8)).astype(np.float32)
np.save(f"{d}/good.npy", good)
nan = good.copy(); nan[3, 2] = np.nan; np.save(f"{d}/nan.npy", nan)
np.save(f"{d}/constant.npy", np.ones((50, 8), dtype=np.float32))
PY
cases=(
  "bogus-command"
  "train --epochs x"
  "train --preset nosuchpreset"
  "cka --kernel poly a.npy b.npy"
  "eval --model /nonexistent/original.ckpt"
  "eval --model $bad"
  "doctor --repeats 3"
  "cka $npy/good.npy $npy/nan.npy"
  "cka $npy/constant.npy $npy/good.npy"
  "unlearn --method nosuchmethod --from /nonexistent/original.ckpt"
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
  echo "ok  erase-core $c  ->  $(head -n 1 "$out/$n.err")"
done
