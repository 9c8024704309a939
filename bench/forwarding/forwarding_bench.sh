#!/bin/bash
# printwalld forwarding rate beside dpdk-testpmd io-forwarding on the same DPDK devices, in the
# same run: a net_pcap vdev replays synthetic RAW print traffic forever (infinite_rx) into the
# outside port, the inside port writes to /dev/null. Rates come from the same place for both
# programs (DPDK telemetry /ethdev/stats over a fixed window); printwalld's added latency (RX
# burst to TX burst, per frame) from /printwall/latency. Policy: the enterprise profile with the
# print servers allowed to print (the traffic the profile lets through).
#
# usage: bench/forwarding/forwarding_bench.sh [BUILD_DIR] [SECONDS] [PAYLOAD...]
#   BUILD_DIR  where printwalld is (default build-rel, else build)
#   SECONDS    measuring window per run (default 8)
#   PAYLOAD    TCP payload sizes to run (default "6 458": 64- and 512-byte frames)
# Needs root, dpdk-testpmd and dpdk-telemetry.py (Debian dpdk-dev), python3.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-}
[ -n "$build" ] || { [ -x "$root/build-rel/dataplane/printwalld" ] && build=$root/build-rel || build=$root/build; }
secs=${2:-8}
shift 2 2>/dev/null || shift $#
payloads=${*:-6 458}
pwd_bin=$build/dataplane/printwalld
for t in dpdk-testpmd dpdk-telemetry.py python3 "$pwd_bin"; do
  command -v "$t" >/dev/null || [ -x "$t" ] || { echo "forwarding_bench: missing $t" >&2; exit 1; }
done
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
python3 - "$tmp/empty.pcap" <<'PY'
import struct, sys
open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
PY

tel() {  # tel PREFIX COMMAND -> JSON value of the command
  echo "$2" | timeout 10 dpdk-telemetry.py -f "$1" 2>/dev/null | python3 -c '
import json, sys
text = sys.stdin.read()
start = text.find("{")
print(json.dumps(json.loads(text[start:]) if start >= 0 else {}))'
}
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(list(d.values())[0].get('$2', 0) if d else 0)" "$1"; }

# measure PREFIX: packets/s received on port 0 and sent on port 1 over the window
measure() {
  local a b
  sleep 2  # warm-up: flows set up, caches warm
  a=$(tel "$1" "/ethdev/stats,0") b=$(tel "$1" "/ethdev/stats,1")
  local rx0 tx0 rx1 tx1
  rx0=$(field "$a" ipackets) tx0=$(field "$b" opackets)
  sleep "$secs"
  a=$(tel "$1" "/ethdev/stats,0") b=$(tel "$1" "/ethdev/stats,1")
  rx1=$(field "$a" ipackets) tx1=$(field "$b" opackets)
  echo "$(( (rx1 - rx0) / secs )) $(( (tx1 - tx0) / secs ))"
}

eal_common=(--no-huge -m 2048 --no-pci --log-level='*:error')
printf '%-8s %-34s %12s %12s %9s %9s %9s\n' frame program "rx pps" "tx pps" "vs ref" "p50 ns" "p99 ns"
for p in $payloads; do
  size=$(( 54 + p < 60 ? 60 : 54 + p ))
  python3 "$here/gen_traffic.py" "$tmp/traffic.pcap" --flows 256 --segments 6 --payload "$p" >/dev/null
  devs=(--vdev "net_pcap0,rx_pcap=$tmp/traffic.pcap,infinite_rx=1" --vdev "net_pcap1,rx_pcap=$tmp/empty.pcap,tx_pcap=/dev/null")

  # Reference: testpmd io forwarding, one forwarding lcore, on the same devices.
  (sleep $((secs + 6)); echo) | dpdk-testpmd -l 0,1 "${eal_common[@]}" --file-prefix pwb-ref "${devs[@]}" -- \
    --forward-mode=io --total-num-mbufs=65536 --burst=32 >"$tmp/testpmd.log" 2>&1 &
  pid=$!
  read -r ref_rx ref_tx < <(measure pwb-ref)
  kill -INT $pid 2>/dev/null; wait $pid 2>/dev/null; pid=
  printf '%-8s %-34s %12s %12s %9s %9s %9s\n' "${size}B" "dpdk-testpmd io (1 fwd lcore)" "$ref_rx" "$ref_tx" "1.00" "-" "-"

  for w in 1 2; do
    cat >"$tmp/pw.conf" <<CONF
set profile enterprise
set printer-network 198.18.20.0/24
set group print-servers address 198.19.0.0/16
set interface outside device "net_pcap0,rx_pcap=$tmp/traffic.pcap,infinite_rx=1"
set interface inside device "net_pcap1,rx_pcap=$tmp/empty.pcap,tx_pcap=/dev/null"
set dataplane workers $w
set dataplane mbufs 65536
set flows max-entries 65536
CONF
    lc="-l 0"
    [ $w = 2 ] && lc="--lcores=(0-2)@(0,1)"
    "$pwd_bin" $lc "${eal_common[@]}" --file-prefix pwb-pw -- --config "$tmp/pw.conf" \
      --events "$tmp/events.jsonl" >"$tmp/pw.log" 2>&1 &
    pid=$!
    read -r rx tx < <(measure pwb-pw)
    lat=$(tel pwb-pw /printwall/latency)
    kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; pid=
    ratio=$(python3 -c "print(f'{$tx / max($ref_tx, 1):.2f}')")
    printf '%-8s %-34s %12s %12s %9s %9s %9s\n' "${size}B" "printwalld enterprise, $w worker$([ $w = 1 ] || echo s)" \
      "$rx" "$tx" "$ratio" "$(field "$lat" p50_ns)" "$(field "$lat" p99_ns)"
    grep -q "stopping:" "$tmp/pw.log" || { echo "printwalld did not run:"; cat "$tmp/pw.log"; }
  done
done
echo "($(nproc) CPUs; 2 workers use --lcores '(0-2)@(0,1)': a dispatcher and two workers share the CPUs)"
