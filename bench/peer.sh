#!/usr/bin/env bash
# The benchmark script (not CI): erase-core's training step against PyTorch's on the same CIFAR-style ResNet-18
# (28x28, 1 channel, 10 classes, batch 128, SGD momentum 0.9 wd 5e-4, cross-entropy), for w = 16 and w = 32.
#
# Each round runs three processes in turn - the kit, PyTorch as shipped, and PyTorch with oneDNN capped as the kit
# caps it (ONEDNN_MAX_CPU_ISA as the kit reports it; CpuKernelGuard sets AVX) - alternating the order from round to round, and
# the ratios kit/PyTorch are taken round by round, so a machine whose speed drifts still gives a fair ratio.
# Both sides use the same number of CPU threads: the kit's default (libtorch's get_num_threads()), passed on to
# PyTorch with torch.set_num_threads.
#
# Usage: bash bench/peer.sh [--all]
#   --all      also run the kit-only benches: `bench unlearn --compare ec,rl` and `bench metrics --n 10000`
# Environment: ROUNDS (default 5), WIDTHS (default "16 32"), STEPS (default 20), WARMUP (default 5),
#   THREADS (default: the kit's own choice, read from its output).
# Raw outputs go to artifacts/bench/<UTC time>/; the summary is printed as a table and as key=value lines.
set -euo pipefail
cd "$(dirname "$0")/.."

all=false
for arg in "$@"; do
  case $arg in
    --all) all=true ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done
ROUNDS=${ROUNDS:-5}; WIDTHS=${WIDTHS:-"16 32"}; STEPS=${STEPS:-20}; WARMUP=${WARMUP:-5}
PY=/usr/bin/python3

if ! $PY -c 'import torch' 2>/dev/null; then
  echo "PyTorch is missing for $PY: installing Debian's python3-torch with apt-get"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq python3-torch >/dev/null
fi

echo "building the kit (Release)"
dotnet build lib/EraseAtCore.Cli -c Release -nologo -v q >/dev/null
KIT=(dotnet lib/EraseAtCore.Cli/bin/Release/net10.0/erase-core.dll)

out=artifacts/bench/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
value() { sed -n "s/^$1=//p" "$2" | tail -n 1; }

# The thread count the kit uses by default; PyTorch gets the same.
"${KIT[@]}" bench train --width 4 --batch 2 --steps 1 --warmup 0 > "$out/threads.txt"
THREADS=${THREADS:-$(value threads "$out/threads.txt")}
CAP=$(value onednn_isa_cap "$out/threads.txt")

{
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB"
  echo "os: $(. /etc/os-release; echo "$PRETTY_NAME"); dotnet $(dotnet --version)"
  echo "kit: $(value libtorch "$out/threads.txt" | sed 's/^/libtorch /'), threads $THREADS, oneDNN cap $(value onednn_isa_cap "$out/threads.txt")"
  echo "peer: PyTorch $($PY -c 'import torch; print(torch.__version__)'), threads $THREADS"
  echo "rounds $ROUNDS, steps $STEPS after $WARMUP warm-up steps, batch 128, 28x28"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

run() { # run IMPL WIDTH ROUND
  local impl=$1 w=$2 r=$3 file="$out/train-w$2-$1-r$3.txt"
  local args=(--width "$w" --batch 128 --size 28 --steps "$STEPS" --warmup "$WARMUP" --threads "$THREADS")
  case $impl in
    kit) "${KIT[@]}" bench train "${args[@]}" > "$file" ;;
    pytorch) env -u ONEDNN_MAX_CPU_ISA $PY bench/pytorch_peer.py "${args[@]}" > "$file" ;;
    pytorch_capped) ONEDNN_MAX_CPU_ISA=$CAP $PY bench/pytorch_peer.py "${args[@]}" > "$file" ;;
  esac
  echo "  w=$w round $r $impl: $(value train_step_ms "$file") ms/step"
}

for w in $WIDTHS; do
  for ((r = 1; r <= ROUNDS; r++)); do
    if ((r % 2)); then order=(kit pytorch pytorch_capped); else order=(pytorch_capped pytorch kit); fi
    for impl in "${order[@]}"; do run "$impl" "$w" "$r"; done
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"

$PY - "$out" "$ROUNDS" "$CAP" $WIDTHS <<'EOF'
import statistics, sys
out, rounds, cap, widths = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
def step(impl, w, r):
    for line in open(f"{out}/train-w{w}-{impl}-r{r}.txt"):
        if line.startswith("train_step_ms="):
            return float(line.split("=", 1)[1])
    raise SystemExit(f"no train_step_ms in {out}/train-w{w}-{impl}-r{r}.txt")
med = statistics.median
print()
print(f"| w | kit ms/step | PyTorch ms/step | PyTorch {cap} ms/step | kit/PyTorch | kit/PyTorch {cap} |")
print("|---|---|---|---|---|---|")
lines = []
for w in widths:
    k = [step("kit", w, r) for r in range(1, rounds + 1)]
    p = [step("pytorch", w, r) for r in range(1, rounds + 1)]
    a = [step("pytorch_capped", w, r) for r in range(1, rounds + 1)]
    rp = med([x / y for x, y in zip(k, p)])
    ra = med([x / y for x, y in zip(k, a)])
    print(f"| {w} | {med(k):.1f} | {med(p):.1f} | {med(a):.1f} | {rp:.3f} | {ra:.3f} |")
    lines += [f"w{w}.kit_train_step_ms={med(k):.2f}", f"w{w}.pytorch_train_step_ms={med(p):.2f}",
              f"w{w}.pytorch_capped_train_step_ms={med(a):.2f}", f"w{w}.kit_over_pytorch={rp:.3f}",
              f"w{w}.kit_over_pytorch_capped={ra:.3f}", f"pytorch_capped_isa={cap}"]
print("(medians over rounds; ratios: median of the per-round ratios)")
print()
print("\n".join(lines))
EOF

if $all; then
  echo; echo "== erase-core bench unlearn --compare ec,rl"
  "${KIT[@]}" bench unlearn --compare ec,rl --threads "$THREADS" | tee "$out/unlearn-ec-rl.txt"
  echo; echo "== erase-core bench metrics --n 10000"
  "${KIT[@]}" bench metrics --n 10000 --threads "$THREADS" | tee "$out/metrics-10000.txt"
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
fi
echo; echo "raw outputs: $out"
