#!/bin/bash
# printwalld as deployed: two worker lcores (software dispatch: af_packet has no RSS), a mirror
# port into a NIDS namespace where tcpdump captures, DPDK telemetry. Asserts, with real TCP/UDP
# stacks on both sides:
#   - a 256 KiB print job crosses byte for byte (both directions of the flow on one worker);
#   - a clear-text FTP login never reaches the printer (its capture has no secret) and the denied
#     flow is in the NIDS capture while the benign ones are not;
#   - TCP urgent data (MSG_OOB) inside a header name reaches a Linux server in line, as the HTTP
#     inspector read it;
#   - 20 policy commits (SIGHUP) under a steady UDP stream lose none of its datagrams (counted at
#     both ends) and every generation comes into force;
#   - /printwall/stats, /printwall/lcores, /printwall/reasons answer over the telemetry socket;
#   - with the NIDS interface down, forwarding goes on and the mirror losses are counted.
#   - the Prometheus exporter: promtool accepts the scrape, and its frame counters (per worker,
#     per reason) add up to what `show statistics` says.
#   - the CLI over the control socket: `monitor events` sees the denial live, `show flows` lists
#     the UDP stream's flow while it runs.
# usage: printwalld_inline_test.sh PATH/TO/printwalld [PATH/TO/printwall]
set -u
pwd_bin=$1
cli_bin=${2:-$(dirname "$1")/printwall}
. "$(dirname "$0")/lib.sh"
lab_up pwi pw printwalld_inline_test "netcat and tcpdump" nc tcpdump

conf() {  # conf VARIANT: the configuration, with or without an extra service (a real change)
  cat <<CONF
set profile small-office
set printer-network 198.18.20.0/28
set printer-network 2001:db8:20::/124
set interface outside device "net_af_packet0,iface=gwo$tag"
set interface inside device "net_af_packet1,iface=gwi$tag"
set interface mirror device "net_af_packet2,iface=gwm$tag"
set mirror output port
set dataplane workers 2
set dataplane dispatch software
set dataplane mbufs 8192
set flows max-entries 65536
set system metrics address 127.0.0.1
set system metrics port 9469
CONF
  if [ "$1" = 1 ]; then
    printf '%s\n' "set service test-$2 direction to-printers" "set service test-$2 protocol tcp" \
      "set service test-$2 port $((9200 + $2))" "set service test-$2 action allow"
  fi
}
conf 0 0 >"$tmp/pw.conf"
ip netns exec $ns_n tcpdump -i nid$tag -U -w "$tmp/nids.pcap" >/dev/null 2>&1 &
pids+=($!)
ip netns exec $ns_p tcpdump -i prn$tag -U -w "$tmp/printer.pcap" >/dev/null 2>&1 &
pids+=($!)
ip netns exec $ns_g "$pwd_bin" --lcores '(0-2)@(0,1)' --no-huge -m 512 --no-pci --file-prefix pwi$tag \
  --log-level='*:error' -- --config "$tmp/pw.conf" --events "$tmp/events.jsonl" --socket "$tmp/ctl.sock" --state-dir "$tmp/state" \
  >"$tmp/gw.log" 2>&1 &
pid=$!
wait_forwarding "$tmp/gw.log"
if grep -q "forwarding.*2 workers (software dispatch)" "$tmp/gw.log"; then
  ok "printwalld started with 2 workers, software dispatch"
else
  bad "printwalld did not start as configured"; cat "$tmp/gw.log"; exit 1
fi
sleep 1  # tcpdump attached

# A 256 KiB print job over RAW 9100, byte for byte.
head -c 262144 /dev/urandom >"$tmp/job.bin"
ip netns exec $ns_p timeout 15 nc -l 9100 >"$tmp/job.out" &
srv=$!
sleep 0.3
ip netns exec $ns_c timeout 10 nc -N -w 5 198.18.20.5 9100 <"$tmp/job.bin"
wait $srv
if cmp -s "$tmp/job.bin" "$tmp/job.out"; then ok "256 KiB RAW job crosses byte for byte"; else
  bad "RAW job differs ($(stat -c %s "$tmp/job.out") bytes arrived)"; fi

# A clear-text FTP login, watched live through the CLI.
timeout 6 "$cli_bin" --socket "$tmp/ctl.sock" --json monitor events >"$tmp/monitor.jsonl" 2>&1 &
mon=$!
sleep 0.5
ip netns exec $ns_p timeout 8 nc -l 21 >"$tmp/ftp.out" &
srv=$!
sleep 0.3
printf 'USER printer\r\nPASS Pw-s3cr3t-e2e\r\n' | ip netns exec $ns_c timeout 5 nc -w 3 198.18.20.5 21
wait $srv 2>/dev/null
if grep -q -e Pw-s3cr3t-e2e "$tmp/ftp.out"; then bad "FTP password reached the printer"; else ok "FTP clear-text login stopped"; fi
wait $mon 2>/dev/null
grep -q '"reason":"plaintext-auth"' "$tmp/monitor.jsonl" && ! grep -q Pw-s3cr3t-e2e "$tmp/monitor.jsonl" &&
  ok "printwall monitor events showed the denial live" || { bad "monitor events"; cat "$tmp/monitor.jsonl"; }

# TCP urgent data on an inspected service (WSD print, inspect http), real stacks both sides: the
# client's kernel marks one byte inside the header name urgent (MSG_OOB); a Linux server would
# take it out of the stream and read "Authorization: Basic ...", which the inspector never saw.
# The gateway delivers the byte in line: the server reads exactly what the inspector read.
cat >"$tmp/urg.py" <<'PY'
import socket, sys, time
if sys.argv[1] == "serve":
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("198.18.20.5", 60000)); ls.listen(1); ls.settimeout(10)
    c, _ = ls.accept(); c.settimeout(5)
    got = b""
    try:
        while b"\r\n\r\n" not in got:
            d = c.recv(4096)
            if not d: break
            got += d
    except OSError:
        pass
    open(sys.argv[2], "wb").write(got)
else:
    s = socket.create_connection(("198.18.20.5", 60000), timeout=5)
    s.sendall(b"POST /ws HTTP/1.1\r\nHost: printer\r\nAuthori")
    time.sleep(0.2)
    s.send(b"X", socket.MSG_OOB)
    time.sleep(0.2)
    s.sendall(b"zation: Basic cHJpbnRlcjpQdy11cmc=\r\nContent-Length: 0\r\n\r\n")
    time.sleep(0.5)
    s.close()
PY
ip netns exec $ns_p timeout 12 python3 "$tmp/urg.py" serve "$tmp/urg.out" &
srv=$!
sleep 0.3
ip netns exec $ns_c timeout 8 python3 "$tmp/urg.py" send
wait $srv
if grep -q "AuthoriXzation: Basic" "$tmp/urg.out" && ! grep -q "Authorization: Basic" "$tmp/urg.out"; then
  ok "urgent byte delivered in line: the server read what the inspector read"
else
  bad "urgent data: the server read: $(tr -d '\r' <"$tmp/urg.out" | head -c 200)"
fi

# Telemetry, as dpdk-telemetry.py reads it (SOCK_SEQPACKET, JSON).
cat >"$tmp/tel.py" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(4096)  # the greeting
out = {}
for cmd in sys.argv[2:]:
    s.send(cmd.encode())
    out.update(json.loads(s.recv(65536).decode()))
print(json.dumps(out))
PY
tel=/var/run/dpdk/pwi$tag/dpdk_telemetry.v2
python3 "$tmp/tel.py" "$tel" /printwall/stats /printwall/lcores /printwall/reasons /printwall/ports >"$tmp/tel.json" 2>"$tmp/tel.err"
if python3 - "$tmp/tel.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
s, l, r, p = t["/printwall/stats"], t["/printwall/lcores"], t["/printwall/reasons"], t["/printwall/ports"]
assert s["workers"] == 2 and s["dispatch"] == "software", s
assert s["frames_in"] > 100 and s["forwarded"] > 100, s
assert all(k in s for k in ("uninspected", "fragments_held", "unclassified")), s  # counters.def
assert set(l) == {"worker0", "worker1"}, l
assert sum(w["frames_in"] for w in l.values()) == s["frames_in"], (l, s)
assert r.get("plaintext_auth", 0) >= 1, r
assert r.get("tcp_urgent_cleared", 0) >= 1, r
assert set(p) == {"outside", "inside", "mirror"} and p["outside"]["ipackets"] > 0, p
PY
then ok "telemetry: /printwall/stats, lcores, reasons, ports"; else bad "telemetry"; cat "$tmp/tel.json" "$tmp/tel.err"; fi

# 20 commits under a steady UDP stream (WS-Discovery 3702 is allowed both ways): count both ends.
cat >"$tmp/rx.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(("198.18.20.5", 3702))
s.settimeout(3.0)
seen = set()
end = time.time() + 60
while time.time() < end:
    try:
        d, _ = s.recvfrom(2048)
    except socket.timeout:
        break
    seen.add(int(d.split(b"urn:uuid:probe-")[1].split(b"<")[0]))
print(len(seen))
PY
cat >"$tmp/tx.py" <<'PY'
import socket, sys, time
n, rate = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.time()
for i in range(n):
    s.sendto((b'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery"><soap:Header><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action><wsa:MessageID>urn:uuid:probe-%d</wsa:MessageID></soap:Header><soap:Body><wsd:Probe/></soap:Body></soap:Envelope>' % i), ("198.18.20.5", 3702))
    lag = t0 + (i + 1) / rate - time.time()
    if lag > 0:
        time.sleep(lag)
print(n)
PY
ip netns exec $ns_p python3 "$tmp/rx.py" >"$tmp/rx.count" &
rx=$!
sleep 0.5
ip netns exec $ns_c python3 "$tmp/tx.py" 8000 1000 >"$tmp/tx.count" &
tx=$!
for i in $(seq 1 20); do
  sleep 0.3
  conf $(( i % 2 )) $i >"$tmp/pw.conf"
  kill -HUP $pid
  if [ $i = 5 ]; then
    "$cli_bin" --socket "$tmp/ctl.sock" show flows protocol udp >"$tmp/flows.txt" 2>&1
  fi
done
wait $tx
wait $rx
sleep 0.5
gens=$(grep -c "policy generation .* in force" "$tmp/gw.log")
sent=$(cat "$tmp/tx.count") got=$(cat "$tmp/rx.count")
if [ "$sent" = 8000 ] && [ "$got" = 8000 ]; then ok "20 commits under load: 8000 sent, 8000 received"; else
  bad "commits under load: $sent sent, $got received"; fi
grep -q '198.18.20.100 .*198.18.20.5 *3702' "$tmp/flows.txt" &&
  ok "printwall show flows protocol udp lists the stream's flow" || { bad "show flows"; cat "$tmp/flows.txt"; }
if [ "$gens" = 20 ] && grep -q "policy generation 21 in force" "$tmp/gw.log"; then ok "20 generations in force"; else
  bad "$gens reloads in force"; grep -e generation -e reload "$tmp/gw.log" | tail -3; fi

# The NIDS goes away: forwarding continues, mirror losses are counted, the link change is logged.
ip netns exec $ns_n ip link set nid$tag down
sleep 1.5
ip netns exec $ns_p timeout 15 nc -l 9100 >"$tmp/job2.out" &
srv=$!
sleep 0.3
ip netns exec $ns_c timeout 10 nc -N -w 5 198.18.20.5 9100 <"$tmp/job.bin"
wait $srv
if cmp -s "$tmp/job.bin" "$tmp/job2.out"; then ok "forwarding goes on with the NIDS down"; else bad "forwarding with the NIDS down"; fi
ip netns exec $ns_p timeout 5 nc -l 21 >/dev/null &
srv=$!
sleep 0.3
printf 'USER printer\r\nPASS again\r\n' | ip netns exec $ns_c timeout 4 nc -w 2 198.18.20.5 21
wait $srv 2>/dev/null
grep -q "mirror port .*: link down" "$tmp/gw.log" && ok "mirror link down logged" || bad "mirror link change not logged"

# Metrics: a scrape promtool accepts, whose counters agree with `show statistics` (idle now:
# both read the workers' published copies; statistics were never cleared in this test).
sleep 0.2
ip netns exec $ns_g curl -sf --max-time 5 http://127.0.0.1:9469/metrics >"$tmp/metrics.txt"
stats=$("$cli_bin" --socket "$tmp/ctl.sock" --json show statistics)
if promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.out" 2>&1; then
  ok "metrics: promtool check metrics accepts the scrape"
else
  bad "metrics: promtool refuses the scrape"; head -20 "$tmp/promtool.out"
fi
if python3 - "$tmp/metrics.txt" "$stats" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
reply = json.loads(sys.argv[2]); data = reply.get("data", reply)
def total(name, **labels):
    s = 0
    for line in text.splitlines():
        m = re.match(r'^' + name + r'\{([^}]*)\} ([0-9.e+]+)$', line)
        if m and all(f'{k}="{v}"' in m.group(1) for k, v in labels.items()):
            s += float(m.group(2))
    return int(s)
workers = len(data["workers"])
checks = [
    (total("printwall_frames_in_total"), data["totals"]["frames_in"], "frames_in"),
    (total("printwall_forwarded_total"), data["totals"]["forwarded"], "forwarded"),
    (total("printwall_frames_total", reason="plaintext-auth"), data["reasons"].get("plaintext-auth", 0), "plaintext-auth"),
    (total("printwall_frames_in_total", worker="1"), data["workers"][1]["frames_in"], "worker 1"),
]
bad = [c for c in checks if c[0] != c[1]]
for c in checks: print(f"  {c[2]}: metrics {c[0]}, statistics {c[1]}")
sys.exit(1 if bad or workers != 2 or checks[0][0] == 0 else 0)
PY
then ok "metrics agree with show statistics (frames in, forwarded, per reason, per worker)"
else bad "metrics and show statistics disagree"; fi

kill -TERM $pid
wait $pid
rc=$?
pid=
for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done
sleep 0.5
if [ $rc = 0 ] && grep -q "stopping:" "$tmp/gw.log" && grep -q "worker 1 (lcore" "$tmp/gw.log"; then
  ok "SIGTERM stops cleanly, per-worker counters"; else bad "SIGTERM exit $rc"; cat "$tmp/gw.log"; fi

# Captures: the printer side never saw the secret; the NIDS saw the denied FTP flow, not the
# benign RAW job or the UDP stream.
if grep -aq Pw-s3cr3t-e2e "$tmp/printer.pcap"; then bad "secret in the printer-side capture"; else ok "secret absent from the printer-side capture"; fi
ftp=$(tcpdump -nn -r "$tmp/nids.pcap" 'tcp port 21' 2>/dev/null | wc -l)
raw=$(tcpdump -nn -r "$tmp/nids.pcap" 'tcp port 9100' 2>/dev/null | wc -l)
udp=$(tcpdump -nn -r "$tmp/nids.pcap" 'udp port 3702' 2>/dev/null | wc -l)
if [ "$ftp" -ge 1 ] && [ "$raw" = 0 ] && [ "$udp" = 0 ]; then ok "NIDS capture: denied FTP flow ($ftp frames), no benign frames"; else
  bad "NIDS capture: ftp $ftp, raw $raw, udp $udp frames"; fi
exit $fail
