#!/usr/bin/env bash
# The selection sweep of docs/findings.md in one command: every candidate setting on the selection seeds (100, 101)
# and the selection class (5, Sandal) of the quick preset, at the common budget of 100 optimiser steps, then the
# selection rule (docs/findings/select.py). About 70 minutes on 2 cores; a rerun reuses every finished model.
#
#   bash docs/findings/selection.sh [output folder, default runs/selection]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/selection}"
# Every candidate spells out the knobs it was run with (the defaults have since become the chosen values). The
# recorded run (docs/findings.md) named the same candidates without the knobs that were defaults then: EC's
# train-heads=true and a=1, SalUn's sparsity=0.5.
E="train-heads=false,a=2"   # EC's knobs chosen in round 2, used by the X+EC candidates of round 3
F="train-heads=false,a=1,lr=0.02"
candidates=(
  retrain
  # round 1: the baselines' lr grids, EC's lr x whether its heads keep training, and the 25-step budget ablation
  ft:lr=0.01 ft:lr=0.02 ft:lr=0.05 ft:lr=0.1 ft:lr=0.2
  rl:lr=0.005 rl:lr=0.01 rl:lr=0.02 rl:lr=0.05
  "salun:lr=0.005,sparsity=0.5" "salun:lr=0.01,sparsity=0.5" "salun:lr=0.02,sparsity=0.5" "salun:lr=0.05,sparsity=0.5"
  "salun:lr=0.02,sparsity=0.3" "salun:lr=0.02,sparsity=0.7"
  scrub:lr=0.0005 scrub:lr=0.001 scrub:lr=0.002 scrub:lr=0.003 scrub:lr=0.005
  "ec:lr=0.01,train-heads=true,a=1" "ec:lr=0.02,train-heads=true,a=1" "ec:lr=0.05,train-heads=true,a=1"
  "ec:lr=0.01,train-heads=false,a=1" "ec:lr=0.02,train-heads=false,a=1" "ec:lr=0.05,train-heads=false,a=1"
  "rl:steps=25,lr=0.01" "ec:steps=25,lr=0.05,train-heads=true,a=1"
  # round 2: EC's other knobs around the round-1 choice (frozen heads, lr 0.02)
  "ec:$F,temperature=0.05" "ec:$F,temperature=0.3" "ec:train-heads=false,lr=0.02,a=0.5" "ec:train-heads=false,lr=0.02,a=2"
  "ec:$F,warmup-steps=200" "ec:$F,weighting=depthincreasing"
  # round 3: X+EC with EC's chosen knobs over its host's lr grid
  "rl+ec:$E,lr=0.005" "rl+ec:$E,lr=0.01" "rl+ec:$E,lr=0.02"
  "salun+ec:$E,lr=0.005,sparsity=0.5" "salun+ec:$E,lr=0.01,sparsity=0.5" "salun+ec:$E,lr=0.02,sparsity=0.5"
  "salun+ec:$E,lr=0.01,sparsity=0.3" "salun+ec:$E,lr=0.02,sparsity=0.3"
  "scrub+ec:$E,lr=0.001" "scrub+ec:$E,lr=0.002" "scrub+ec:$E,lr=0.005"
)
dotnet run --project lib/EraseAtCore.Cli -c Release -- reproduce --preset quick --seeds 2 --first-seed 100 --forget-classes 5 \
  --relearn-steps 0 --option all.steps=100 --out "$out" --methods "${candidates[@]}"
python3 docs/findings/select.py "$out/results.json"
