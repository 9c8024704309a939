#!/bin/bash
# printwalld inline on af_packet ports between veth pairs, beside dpdk-testpmd io-forwarding on the
# very same ports, in one run: a generator namespace (dpdk-testpmd txonly on af_packet: 64-byte
# UDP from a print server to a printer, a service the enterprise policy here allows), the device
# under test in its own namespace, a sink namespace whose veth counts what arrives. The rate is
# what reaches the sink per second; the reference is testpmd io-forwarding between the same two
# af_packet ports. printwalld's own added latency comes from /printwall/latency.
#
# usage: bench/forwarding/veth_bench.sh [BUILD_DIR] [SECONDS]       (root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_build "${1:-}"
secs=${2:-8}
bench_need veth_bench dpdk-testpmd dpdk-telemetry.py ethtool "$pwd_bin"
tag=$$
G=pwvg$tag W=pwvw$tag S=pwvs$tag
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do stop_pid "$p"; done
  for n in $G $W $S; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$tmp" /var/run/dpdk/pwv*
}
trap cleanup EXIT
for n in $G $W $S; do ip netns add "$n"; done
ip link add gen0 netns $G type veth peer name gwo netns $W
ip link add snk0 netns $S type veth peer name gwi netns $W
for pair in "$G gen0" "$W gwo" "$W gwi" "$S snk0"; do
  set -- $pair
  ip netns exec "$1" ip link set "$2" up
  ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1
done
snk_mac=$(ip netns exec $S cat /sys/class/net/snk0/address)
rx_sink() { ip netns exec $S cat /sys/class/net/snk0/statistics/rx_packets; }
tx_gen() { ip netns exec $G cat /sys/class/net/gen0/statistics/tx_packets; }

# The generator: testpmd txonly, its forwarding lcore on CPU 0.
ip netns exec $G dpdk-testpmd --lcores '0@1,1@0' --no-huge -m 512 --no-pci \
  --file-prefix pwvgen --log-level='*:error' --vdev "net_af_packet0,iface=gen0" -- \
  --forward-mode=txonly --txpkts=64 --burst=32 --tx-ip=198.19.0.9,198.18.20.5 \
  --tx-udp=40000,9300 --eth-peer="0,$snk_mac" --total-num-mbufs=8192 --stats-period=1000 \
  </dev/null >"$tmp/gen.log" 2>&1 &
pids+=($!)
sleep 2

stop_pid() {  # SIGINT; testpmd and printwalld stop within a second, else they are killed
  kill -INT "$1" 2>/dev/null
  for _ in $(seq 20); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

measure() {  # -> "sink pps generator pps"
  local r0 t0 r1 t1
  sleep 2
  r0=$(rx_sink) t0=$(tx_gen)
  sleep "$secs"
  r1=$(rx_sink) t1=$(tx_gen)
  echo "$(( (r1 - r0) / secs )) $(( (t1 - t0) / secs ))"
}

printf '%-44s %12s %12s %8s %9s %9s\n' "device under test (on CPU 1)" "sink pps" "offered pps" "vs ref" "p50 ns" "p99 ns"
ports=(--vdev "net_af_packet0,iface=gwo" --vdev "net_af_packet1,iface=gwi")
ip netns exec $W dpdk-testpmd --lcores '0@1,1@1' --no-huge -m 512 --no-pci \
  --file-prefix pwvref --log-level='*:error' "${ports[@]}" -- --forward-mode=io --burst=32 \
  --total-num-mbufs=16384 --stats-period=1000 </dev/null >"$tmp/ref.log" 2>&1 &
ref=$!
read -r ref_rx ref_tx < <(measure)
stop_pid $ref
printf '%-44s %12s %12s %8s %9s %9s\n' "dpdk-testpmd io" "$ref_rx" "$ref_tx" "1.00" "-" "-"

cat >"$tmp/pw.conf" <<CONF
set profile enterprise
set printer-network 198.18.20.0/24
set group print-servers address 198.19.0.0/16
set service bench-udp direction to-printers
set service bench-udp protocol udp
set service bench-udp port 9300
set service bench-udp peer-group print-servers
set service bench-udp action allow
set interface outside device "net_af_packet0,iface=gwo"
set interface inside device "net_af_packet1,iface=gwi"
set dataplane mbufs 16384
CONF
ip netns exec $W "$pwd_bin" -l 1 --no-huge -m 1024 --no-pci --file-prefix pwvpw --log-level='*:error' -- \
  --config "$tmp/pw.conf" --events "$tmp/events.jsonl" --socket "$tmp/ctl.sock" --state-dir "$tmp/state" \
  >"$tmp/pw.log" 2>&1 &
pw=$!
read -r rx tx < <(measure)
lat=$(echo /printwall/latency | dpdk-telemetry.py -f pwvpw 2>/dev/null | python3 -c '
import json, sys
t = sys.stdin.read(); d = json.loads(t[t.find("{"):])["/printwall/latency"]
print(d["p50_ns"], d["p99_ns"])')
kill -TERM $pw 2>/dev/null; wait $pw 2>/dev/null
ratio=$(python3 -c "print(f'{$rx / max($ref_rx, 1):.2f}')")
printf '%-44s %12s %12s %8s %9s %9s\n' "printwalld enterprise, 1 worker" "$rx" "$tx" "$ratio" $lat
grep "stopping:" "$tmp/pw.log" | sed 's/^/  /'
