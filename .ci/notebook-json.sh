# Sourced by the .ci scripts that write small notebooks for their checks: the JSON of a C# code cell and of a
# notebook, as VS Code's Polyglot Notebooks writes them.

# code_cell SOURCE_LINES [OUTPUTS]: one C# code cell; SOURCE_LINES are JSON strings ("line\n", ...), OUTPUTS JSON objects.
code_cell() {
  printf '{"cell_type":"code","execution_count":null,"metadata":{"dotnet_interactive":{"language":"csharp"},"polyglot_notebook":{"kernelName":"csharp"}},"outputs":[%s],"source":[%s]}' "${2:-}" "$1"
}

# notebook CELL...: a notebook of the given cells, on stdout.
notebook() {
  printf '{"cells":[%s],"metadata":{"kernelspec":{"display_name":".NET (C#)","language":"C#","name":".net-csharp"},"language_info":{"name":"polyglot-notebook"},"polyglot_notebook":{"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"}]}}},"nbformat":4,"nbformat_minor":2}\n' "$(IFS=,; echo "$*")"
}
