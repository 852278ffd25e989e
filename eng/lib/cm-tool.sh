# shellcheck shell=bash
# Sourced by the benchmarks, from the repository's root: builds cm as ./cm builds it (ReadyToRun run by
# dotnet, or the Native AOT binary with CM_BUILD=aot) and sets cm_run, the command line that runs it, as an array.
export CM_BUILD=${CM_BUILD:-readytorun}
echo "== building cm ($CM_BUILD)" >&2
./cm --help >/dev/null
cm_tool=$(cat "artifacts/cm-script/$CM_BUILD/built-path")
cm_run=("$cm_tool")
if [[ "$cm_tool" == *.dll ]]; then
  cm_run=(dotnet "$cm_tool")
fi
