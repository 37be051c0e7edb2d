#!/usr/bin/env bash
# The CPU self-test end to end, through the command line, with a cache folder of its own:
# the first process tests and caches, the second reads the cache and tests nothing, a variable the user sets is
# kept, ERASE_CORE_CPU_SELFTEST=off gives the conservative caps, and the verdict's caps are the ones in force.
# Usage: bash .ci/cpu-kernels.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: .ci/cpu-kernels.sh OUT_DIR}
mkdir -p "$out"
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
KIT=(dotnet lib/EraseAtCore.Cli/bin/Release/net10.0/erase-core.dll)
fail() { echo "cpu-kernels: $*" >&2; exit 1; }
value() { sed -n "s/^$1=//p" "$2" | head -n 1; }

XDG_CACHE_HOME=$cache "${KIT[@]}" doctor > "$out/first.txt" 2> "$out/first.err"
grep -q "testing this CPU's kernels once" "$out/first.err" || fail "the first process did not run the self-test (stderr: $(cat "$out/first.err"))"
[[ $(value verdict.source "$out/first.txt") == self-test ]] || fail "the first verdict is not a measured one: $(value verdict.source "$out/first.txt")"
ls "$cache"/erase-core/cpu-kernels/*.json >/dev/null || fail "no verdict was cached under $cache"

XDG_CACHE_HOME=$cache "${KIT[@]}" doctor > "$out/second.txt" 2> "$out/second.err"
[[ ! -s $out/second.err ]] || fail "the second process printed on stderr (it should have read the cache): $(cat "$out/second.err")"
[[ $(value verdict.source "$out/second.txt") == "self-test (cached)" ]] || fail "the second process did not use the cache"
[[ $(value verdict.caps "$out/second.txt") == "$(value verdict.caps "$out/first.txt")" ]] || fail "the cached caps differ from the tested ones"
caps=$(value verdict.caps "$out/second.txt"); in_force=$(value in_force "$out/second.txt")
[[ $caps == "$in_force" ]] || fail "caps in force ($in_force) are not the verdict's ($caps)"

XDG_CACHE_HOME=$cache ONEDNN_MAX_CPU_ISA=SSE41 "${KIT[@]}" doctor > "$out/user.txt" 2> "$out/user.err"
[[ $(value in_force "$out/user.txt") == *ONEDNN_MAX_CPU_ISA=SSE41* ]] || fail "a value the user set was not kept: $(value in_force "$out/user.txt")"
grep -q "ONEDNN_MAX_CPU_ISA=SSE41 (set by you)" "$out/user.txt" || fail "the verdict does not say the user set ONEDNN_MAX_CPU_ISA"

XDG_CACHE_HOME=$cache ERASE_CORE_CPU_SELFTEST=off "${KIT[@]}" doctor > "$out/off.txt" 2> "$out/off.err"
[[ $(value in_force "$out/off.txt") == "ONEDNN_MAX_CPU_ISA=AVX ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2" ]] || fail "ERASE_CORE_CPU_SELFTEST=off did not give the conservative caps"

echo "cpu-kernels: verdict $caps ($(value verdict.seconds "$out/first.txt") s to test, cached for the next process); user values kept; off switch works"
