#!/bin/bash
# printwalld forwarding rate beside dpdk-testpmd io-forwarding on the same DPDK devices, in the
# same run: two net_pcap vdevs replay synthetic RAW print traffic forever (infinite_rx), the print
# servers' frames into the outside port and the printers' into the inside port, and write what is
# transmitted to /dev/null. Rates come from the same place for both
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
. "$here/lib.sh"
bench_build "${1:-}"
secs=${2:-8}
shift 2 2>/dev/null || shift $#
payloads=${*:-6 458}
bench_need forwarding_bench dpdk-testpmd dpdk-telemetry.py python3 "$pwd_bin"
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp" /var/run/dpdk/pwb-*; }
trap cleanup EXIT

tel() {  # tel PREFIX COMMAND -> JSON value of the command
  echo "$2" | timeout 10 dpdk-telemetry.py -f "$1" 2>/dev/null | python3 -c '
import json, sys
text = sys.stdin.read()
start = text.find("{")
print(json.dumps(json.loads(text[start:]) if start >= 0 else {}))'
}
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(list(d.values())[0].get('$2', 0) if d else 0)" "$1"; }

# counters PREFIX: "received sent" packets, both ports together; nothing when the process does
# not answer (gone, or its telemetry socket not up).
counters() {
  local a b
  a=$(tel "$1" "/ethdev/stats,0") b=$(tel "$1" "/ethdev/stats,1")
  case "$a$b" in *ipackets*ipackets*) ;; *) return 1 ;; esac
  echo "$(( $(field "$a" ipackets) + $(field "$b" ipackets) )) $(( $(field "$a" opackets) + $(field "$b" opackets) ))"
}
# measure PREFIX: packets/s received and sent over the window (timed by the clock, not by the
# sleep: the telemetry reads take time), after a warm-up; "n/a n/a" when a reading failed.
measure() {
  local rx0 tx0 rx1 tx1 t0 t1
  sleep 2  # warm-up: flows set up, caches warm
  t0=$(date +%s%N)
  read -r rx0 tx0 < <(counters "$1") || { echo "n/a n/a"; return; }
  sleep "$secs"
  read -r rx1 tx1 < <(counters "$1") || { echo "n/a n/a"; return; }
  t1=$(date +%s%N)
  if [ "$rx1" -lt "$rx0" ] || [ "$tx1" -lt "$tx0" ]; then echo "n/a n/a"; return; fi
  python3 -c "d=($t1-$t0)/1e9; print(int(($rx1-$rx0)/d), int(($tx1-$tx0)/d))"
}

eal_common=(--no-huge -m 2048 --no-pci --log-level='*:error')
mkfifo "$tmp/hold"
exec 3<>"$tmp/hold"
printf '%-8s %-34s %12s %12s %9s %9s %9s\n' frame program "rx pps" "tx pps" "vs ref" "p50 ns" "p99 ns"
for p in $payloads; do
  size=$(( 54 + p < 60 ? 60 : 54 + p ))
  python3 "$here/gen_traffic.py" "$tmp/out.pcap" --inside "$tmp/in.pcap" --flows 256 --segments 6 \
    --payload "$p" >/dev/null
  dev0="net_pcap0,rx_pcap=$tmp/out.pcap,infinite_rx=1,tx_pcap=/dev/null"
  dev1="net_pcap1,rx_pcap=$tmp/in.pcap,infinite_rx=1,tx_pcap=/dev/null"
  devs=(--vdev "$dev0" --vdev "$dev1")

  # Reference: testpmd io forwarding, one forwarding lcore, on the same devices. It runs until
  # stopped here (it stopped itself after a fixed sleep before, which the measuring window could
  # outlast on a loaded machine: a failed second reading printed a negative rate).
  # (Its "Press enter to exit" reads a FIFO this script holds open and never writes.)
  dpdk-testpmd -l 0,1 "${eal_common[@]}" --file-prefix "pwb-ref$p" "${devs[@]}" -- \
    --forward-mode=io --total-num-mbufs=65536 --burst=32 <"$tmp/hold" >"$tmp/testpmd.log" 2>&1 &
  pid=$!
  read -r ref_rx ref_tx < <(measure "pwb-ref$p")
  kill -INT $pid 2>/dev/null; wait $pid 2>/dev/null; pid=
  printf '%-8s %-34s %12s %12s %9s %9s %9s\n' "${size}B" "dpdk-testpmd io (1 fwd lcore)" "$ref_rx" "$ref_tx" "1.00" "-" "-"

  for w in 1 2; do
    cat >"$tmp/pw.conf" <<CONF
set profile enterprise
set printer-network 198.18.20.0/24
set group print-servers address 198.19.0.0/16
set interface outside device "$dev0"
set interface inside device "$dev1"
set dataplane workers $w
set dataplane mbufs 65536
set flows max-entries 65536
CONF
    lc="-l 0"
    [ $w = 2 ] && lc="--lcores=(0-2)@(0,1)"
    "$pwd_bin" $lc "${eal_common[@]}" --file-prefix "pwb-pw$p-$w" -- --config "$tmp/pw.conf" \
      --events "$tmp/events.jsonl" --socket "$tmp/ctl.sock" --state-dir "$tmp/state$p$w" >"$tmp/pw.log" 2>&1 &
    pid=$!
    read -r rx tx < <(measure "pwb-pw$p-$w")
    lat=$(tel "pwb-pw$p-$w" /printwall/latency)
    reasons=$(tel "pwb-pw$p-$w" /printwall/reasons)
    kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; pid=
    ratio=n/a
    [ "$tx" != n/a ] && [ "$ref_tx" != n/a ] && ratio=$(python3 -c "print(f'{$tx / max($ref_tx, 1):.2f}')")
    printf '%-8s %-34s %12s %12s %9s %9s %9s\n' "${size}B" "printwalld enterprise, $w worker$([ $w = 1 ] || echo s)" \
      "$rx" "$tx" "$ratio" "$(field "$lat" p50_ns)" "$(field "$lat" p99_ns)"
    grep -q "stopping:" "$tmp/pw.log" || { echo "printwalld did not run:"; cat "$tmp/pw.log"; }
    echo "         verdicts: $(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(', '.join(f'{k} {v}' for k,v in list(d.values())[0].items()))" "$reasons")"
  done
done
echo "($(nproc) CPUs; 2 workers use --lcores '(0-2)@(0,1)': a dispatcher and two workers share the CPUs)"
