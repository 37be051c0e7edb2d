#!/usr/bin/env bash
# The issue's acceptance check, through the command line as a user runs it: torchvision writes a ResNet-50 (as a .tar
# checkpoint dict) and a Swin-T (as a plain .pth), 37 classes, random initialisation; `erase-core import` reads them,
# `erase-core features` computes logits and stage outputs on the same 224 px input, which must match torchvision's
# within 1e-3 (max |difference| / max |torchvision|); `erase-core export` writes them back and torchvision loads them
# with strict=True. Needs Debian's python3-torch and python3-torchvision.
#
#   bash .ci/pytorch-interop.sh [workdir]      (default: artifacts/pytorch-interop)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-artifacts/pytorch-interop}"
mkdir -p "$work"
PY=/usr/bin/python3
REF=lib/EraseAtCore.Tests/Interop/pytorch_reference.py
KIT=(dotnet lib/EraseAtCore.Cli/bin/Release/net10.0/erase-core.dll)

compare() {   # compare REFERENCE_DIR KIT_DIR NAME...
  local ref=$1 kit=$2; shift 2
  $PY - "$ref" "$kit" "$@" <<'PY'
import sys
import numpy as np
ref, kit, names = sys.argv[1], sys.argv[2], sys.argv[3:]
worst = 0.0
for name in names:
    a, b = np.load(f"{ref}/{name}.npy"), np.load(f"{kit}/{name}.npy")
    assert a.shape == b.shape, f"{name}: shape {b.shape}, torchvision {a.shape}"
    err = float(np.abs(a - b).max() / np.abs(a).max())
    worst = max(worst, err)
    print(f"  {name:8s} {str(a.shape):22s} relative error {err:.2e}")
assert worst <= 1e-3, f"relative error {worst:.2e} > 1e-3"
PY
}

for row in "resnet50 resnet50-imagenet tar weights.tar layer" "swin_t swin-t pth weights.pth stage"; do
  read -r tv arch format file stage <<<"$row"
  echo "== $tv: torchvision writes a .$format, the kit imports it and computes features"
  $PY $REF make "$tv" 37 "$work/$tv" --as "$format"
  "${KIT[@]}" import --from "$work/$tv/$file" --arch "$arch" --classes 37 --out "$work/$tv.ckpt"
  "${KIT[@]}" features --model "$work/$tv.ckpt" --input "$work/$tv/input.npy" --out "$work/$tv-kit"
  compare "$work/$tv" "$work/$tv-kit" logits ${stage}1 ${stage}2 ${stage}3 ${stage}4
  echo "== $tv: the kit exports it, torchvision loads it with strict=True"
  "${KIT[@]}" export --model "$work/$tv.ckpt" --out "$work/$tv-exported.pth"
  $PY $REF load "$tv" 37 "$work/$tv-exported.pth" "$work/$tv/input.npy" "$work/$tv-back"
  compare "$work/$tv" "$work/$tv-back" logits
done
rm -f "$work"/*/weights.* "$work"/*.ckpt "$work"/*-exported.pth   # ~0.4 GB of weights: not artifacts
echo "pytorch interop: ok"
