#!/usr/bin/env bash
# Sets up a fresh EraseAtCore development container (or any Debian/Ubuntu machine):
#   1. installs the full Fashion-MNIST set from the distribution's dataset-fashion-mnist package,
#      where the distribution has it (never fails the script when it does not);
#   2. restores .NET local tools, if the repository declares any;
#   3. builds the solution in Release against the chosen TorchSharp backend.
#
# Usage: bash .devcontainer/post-create.sh [--backend cpu|cuda]
# Runs from any directory: it works in the repository root, found from this script's location.
set -euo pipefail

usage() {
  echo "Usage: bash .devcontainer/post-create.sh [--backend cpu|cuda]"
  echo "  --backend cpu   build against TorchSharp-cpu (default; works everywhere)"
  echo "  --backend cuda  build against TorchSharp-cuda-linux (NVIDIA GPU hosts)"
}

backend=cpu
while [[ $# -gt 0 ]]; do
  case "$1" in
    --backend)
      if [[ $# -lt 2 ]]; then
        echo "post-create: error: --backend needs a value: cpu or cuda" >&2
        usage >&2
        exit 2
      fi
      backend="$2"
      shift 2
      ;;
    --backend=*)
      backend="${1#--backend=}"
      shift
      ;;
    -h|--help)
      usage
      exit 0
      ;;
    *)
      echo "post-create: error: unknown argument '$1'" >&2
      usage >&2
      exit 2
      ;;
  esac
done

case "$backend" in
  cpu|cuda) ;;
  *)
    echo "post-create: error: unknown backend '$backend': expected 'cpu' or 'cuda'" >&2
    usage >&2
    exit 2
    ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

step() { echo; echo "==> $*"; }
note() { echo "    $*"; }

echo "post-create: setting up EraseAtCore in $repo_root (TorchSharp backend: $backend)"

# sudo only when needed and available (the devcontainer runs as root).
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  fi
fi

full_set_hint() {
  note "The full Fashion-MNIST set is not installed. Either:"
  note "  - let the kit download it: on first use with network access it fetches the official"
  note "    files into data/fashion-mnist/ and verifies each one's SHA-256; or"
  note "  - put the four *-ubyte(.gz) files in a folder and point ERASE_CORE_DATA (or --data-dir) at it."
  note "The embedded subset in data/fashion-mnist-mini always works, offline, for tests and quick runs."
}

# --- 1. Fashion-MNIST full set --------------------------------------------------------------------
step "Installing the full Fashion-MNIST set (Debian/Ubuntu package dataset-fashion-mnist)"
pkg=dataset-fashion-mnist
if ! command -v apt-get >/dev/null 2>&1; then
  note "apt-get not found: skipping the package."
  full_set_hint
elif [[ "$(id -u)" -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
  note "Not root and no sudo: cannot install packages."
  full_set_hint
elif dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
  note "$pkg is already installed ($(dpkg-query -W -f='${Version}' "$pkg")): files in /usr/share/datasets/fashion-mnist"
else
  note "apt-get update"
  if ! "${SUDO[@]}" apt-get update; then
    note "warning: apt-get update failed; trying with the package lists already on this machine."
  fi
  candidate="$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')"
  if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
    note "$pkg is not available from this distribution's package sources."
    full_set_hint
  else
    note "apt-get install $pkg ($candidate)"
    if DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "$pkg"; then
      note "Installed: files in /usr/share/datasets/fashion-mnist (the kit finds them there)."
    else
      note "warning: installing $pkg failed."
      full_set_hint
    fi
  fi
fi

# --- 2. .NET local tools --------------------------------------------------------------------------
step "Restoring .NET local tools (dotnet-repl, which runs the notebooks headlessly)"
if [[ -f .config/dotnet-tools.json ]]; then
  dotnet tool restore
else
  note "No .config/dotnet-tools.json: nothing to restore."
fi

# --- 3. Build -------------------------------------------------------------------------------------
step "Building: dotnet build EraseAtCore.sln -c Release -p:TorchBackend=$backend"
if [[ "$backend" == "cuda" ]]; then
  note "Backend cuda: restores TorchSharp-cuda-linux (libtorch with the CUDA runtime, a few GB)."
  note "The host needs the NVIDIA driver and the NVIDIA Container Toolkit, nothing else."
fi
dotnet build EraseAtCore.sln -c Release -p:TorchBackend="$backend"

# --- Next steps -----------------------------------------------------------------------------------
step "Done. Next steps:"
note "Run the tests:    dotnet test EraseAtCore.sln -c Release"
if [[ "$backend" == "cuda" ]]; then
  note "                  (add -p:TorchBackend=cuda to keep the CUDA build)"
fi
note "Open notebooks/ in VS Code (Polyglot Notebooks) and run the cells top to bottom;"
note "the library is built, so their first cell only checks that it is up to date."
note "Run every notebook headlessly: bash .ci/notebooks.sh (executed copies in artifacts/notebooks)."
