#!/usr/bin/env bash
# The library as a user outside the repository meets it: packs EraseAtCore into a local folder feed, then
# 1. writes a notebook into an empty folder elsewhere that uses only `#i "nuget: <feed>"` and
#    `#r "nuget: EraseAtCore, <version>"`, and runs it in VS Code's kernel (dotnet-interactive stdio,
#    notebooks/tools/nbrun.cs): it loads the embedded data, computes on TorchSharp and shows a chart and a table; the run
#    fails on any cell error or warning, on a chart that loads a script from the network, and (with Chromium) on a
#    chart that does not draw offline;
# 2. creates a console project there that references the package, and runs it: the same data, a torch computation
#    and a chart rendered by the package's renderer (files copied beside the project's output by buildTransitive).
#
#   bash .ci/package.sh [outdir]        (default outdir: artifacts/package)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/package}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)"
feed="$out/feed"
work="$(mktemp -d)"      # outside the repository: nothing there can find EraseAtCore.sln
trap 'rm -rf "$work"' EXIT

echo "== pack EraseAtCore $version into $feed"
rm -rf "$feed"
dotnet pack lib/EraseAtCore -c Release -o "$feed" -nologo -v q
ls -l "$feed"
# A package of this version restored earlier (an older build) would be reused from the NuGet cache: drop it.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/eraseatcore/$version"

dotnet tool restore >/dev/null
tools="$out/.tools"
dotnet build notebooks/tools/nbrun.cs -c Release -o "$tools/nbrun" -nologo -v q
dotnet build notebooks/tools/nbtool.cs -c Release -o "$tools/nbtool" -nologo -v q

source .ci/notebook-json.sh   # code_cell, notebook
cells=(
  "$(code_cell "\"#i \\\"nuget: $feed\\\"\\n\", \"#r \\\"nuget: EraseAtCore, $version\\\"\"")"
  "$(code_cell '"using EraseAtCore.Data;\n", "using EraseAtCore.Metrics;\n", "using EraseAtCore.Plots;\n", "using EraseAtCore.Runtime;\n", "using TorchSharp;\n", "var data = FashionMnist.Load();   // the embedded subset, shipped in the package\n", "torch.manual_seed(0);\n", "var inputs = torch.rand(256, 784);\n", "var features = torch.nn.functional.relu(inputs.matmul(torch.randn(784, 64)));\n", "var cka = Cka.Linear(inputs, features);\n", "$\"{data.Name}: {data.Train.Count} training images from {data.Location}; CKA(inputs, random ReLU features) = {cka:F3}\""')"
  "$(code_cell '"Charts.CkaByLayer([\"inputs\", \"random features\"], [new Series(\"example\", [1.0, cka])], title: \"A chart from the package, drawn offline\")"')"
  "$(code_cell '"Charts.Table([\"what\", \"value\"], [[\"CKA\", cka.ToString(\"F3\")], [\"renderer\", LibraryFiles.Find(\"plots\") ?? \"missing\"], [\"runtime\", TorchRuntime.Describe()]])"')"
)
notebook "${cells[@]}" > "$work/uses-the-package.ipynb"
cp "$work/uses-the-package.ipynb" "$out/uses-the-package.source.ipynb"

echo "== run it in dotnet-interactive (stdio, as VS Code), from $work"
status=0
dotnet "$tools/nbrun/nbrun.dll" "$work/uses-the-package.ipynb" "$out/uses-the-package.ipynb" --timeout 1200 --log "$out/kernel.log" || status=1
dotnet "$tools/nbtool/nbtool.dll" check "$out/uses-the-package.ipynb" --charts 1 || status=1
# The CPU self-test ran from the package (its probe, resolved from the NuGet cache) and passed with some caps, rather
# than crashing its way down to "still failing" or falling back to the conservative caps.
grep -qE 'CPU kernels [^"(]*\(self-test( \(cached\))?\)' "$out/uses-the-package.ipynb" \
  || { echo "FAILED: the runtime line from the package shows no self-test verdict"; grep -o 'CPU kernels [^"]*' "$out/uses-the-package.ipynb" | head -n 2; status=1; }
dotnet "$tools/nbtool/nbtool.dll" html "$out/uses-the-package.ipynb" "$out/uses-the-package.html" >/dev/null || status=1
if [[ -f "$out/uses-the-package.html" ]]; then bash .ci/charts-drawn.sh "$out/uses-the-package.html" 1 || status=1; fi
[[ $status -eq 0 ]] && echo "ok: a notebook outside the repository used EraseAtCore $version from a local feed" || echo "FAILED: the package notebook (see $out)"

echo "== a console project outside the repository that references the package"
project="$work/uses-the-package"
mkdir -p "$project"
cat > "$project/uses-the-package.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <RestoreAdditionalProjectSources>$feed</RestoreAdditionalProjectSources>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="EraseAtCore" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$project/Program.cs" <<'CS'
using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Plots;
using EraseAtCore.Runtime;
using TorchSharp;

var data = FashionMnist.Load();
torch.manual_seed(0);
var inputs = torch.rand(256, 784);
double cka = Cka.Linear(inputs, torch.nn.functional.relu(inputs.matmul(torch.randn(784, 64))));
var page = Charts.Page("From the package", [new PageSection("CKA", Charts.CkaByLayer(["inputs", "features"], [new Series("example", [1.0, cka])]))]);
File.WriteAllText(Path.Combine(args[0], "project-report.html"), page);
Console.WriteLine($"{data.Name}: {data.Train.Count} training images; CKA {cka:F3}; report {page.Length / 1024} KiB");
Console.WriteLine(TorchRuntime.Describe());
CS
# The project has no Directory.Build.* of ours above it ($work is outside the repository): a plain consumer.
if (cd "$project" && dotnet run -c Release -- "$out") > "$out/project.log" 2>&1; then
  cat "$out/project.log" | tail -n 2
  if [[ -f "$out/project-report.html" ]]; then bash .ci/charts-drawn.sh "$out/project-report.html" 1 || status=1; else echo "FAILED: the project wrote no report"; status=1; fi
else
  echo "FAILED: the console project that references EraseAtCore $version did not build or run; its log ends:"
  tail -n 30 "$out/project.log"
  status=1
fi
exit $status
