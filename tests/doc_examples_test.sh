#!/bin/bash
# Every example of README.md and docs/*.md runs as written (tools/doc-examples): configuration
# examples validate, transcripts print what they show, CLI examples succeed against a printwalld
# started here (null ports, one lcore, no hugepages), event records match the schema; a block
# that cannot run here says why in its directive.
# Usage: doc_examples_test.sh PRINTWALLD PRINTWALL
set -uo pipefail
pwd_bin=$1 cli_bin=$2
root=${PW_SOURCE_ROOT:?} build=${PW_BUILD_ROOT:?}
tmp=$(mktemp -d)
tag=$(printf '%05d' $(( $$ % 100000 )))
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp" "/var/run/dpdk/pwdoc$tag"
}
trap cleanup EXIT
cat >"$tmp/pw.conf" <<CONF
set profile small-office
set printer-network 198.18.20.0/24
set interface outside device "net_null0,no-rx=1"
set interface inside device "net_null1,no-rx=1"
set dataplane mbufs 2048
set flows max-entries 4096
CONF
"$pwd_bin" -l 0 --no-huge -m 256 --no-pci --file-prefix "pwdoc$tag" --log-level='*:error' -- \
  --config "$tmp/pw.conf" --events "$tmp/events.jsonl" --socket "$tmp/ctl.sock" \
  --state-dir "$tmp/state" >"$tmp/gw.log" 2>&1 &
pid=$!
for _ in $(seq 150); do [ -S "$tmp/ctl.sock" ] && break; sleep 0.1; done
[ -S "$tmp/ctl.sock" ] || { echo "FAIL printwalld did not start"; cat "$tmp/gw.log"; exit 1; }
cli_dir=$(cd "$(dirname "$cli_bin")" && pwd)
PATH="$cli_dir:$PATH" PRINTWALL_SOCKET="$tmp/ctl.sock" "$root/tools/doc-examples" "$root" "$build"
