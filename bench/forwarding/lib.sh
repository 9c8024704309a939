# Shared by the forwarding benches (sourced).
# bench_build [BUILD_DIR]: `build` (default build-rel when it holds printwalld, else build) and
# `pwd_bin`, the printwalld to measure.
bench_build() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  build=${1:-}
  [ -n "$build" ] || { [ -x "$root/build-rel/mgmt/printwalld/printwalld" ] && build=$root/build-rel || build=$root/build; }
  pwd_bin=$build/mgmt/printwalld/printwalld
}
# bench_need NAME TOOL...: each TOOL is a command or an executable file, else NAME says which
# is missing and the bench exits.
bench_need() {
  local name=$1 t
  shift
  for t in "$@"; do
    command -v "$t" >/dev/null || [ -x "$t" ] || { echo "$name: missing $t" >&2; exit 1; }
  done
}
