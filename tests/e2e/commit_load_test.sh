#!/bin/bash
# A commit leaves unaffected flows alone, with real TCP stacks on both sides: printwalld inline
# (af_packet) between a client and a printer namespace, under either built-in profile. While
# 1,000 commits land through the CLI (`configure; set service ... description N; commit`),
# transfers run on allowed services:
#   - RAW 9100 and LPD 515 (inspect job-language / lpd): long TCP streams whose every
#     byte the receiver checks against the sender's deterministic sequence;
#   - HTTPS 443 (inspect tls): a TLS session (Python ssl, TLS 1.3) carrying such a stream;
#   - UDP (small-office: WS-Discovery 3702; enterprise: the collection agent's 47545): numbered
#     WS-Discovery Probes (the number in their MessageID; 3702 is inspected), counted at both ends.
# Under enterprise the client is a print server, a management host and the collection agent.
# Asserted: no transfer reset or cut short (every byte arrives, in order, identical), no
# datagram lost, no RST injected by the gateway, no frame dropped (its own counters), no
# policy-changed event, every commit in force.
# usage: commit_load_test.sh PATH/TO/printwalld [PATH/TO/printwall] [COMMITS] [PROFILE]
set -u
pwd_bin=$1
cli_bin=${2:-$(dirname "$1")/printwall}
commits=${3:-${PW_COMMITS:-1000}}
profile=${4:-small-office}
if [ "$profile" = enterprise ]; then
  services=(print-server-raw remote-ui-management dca-udp) udp_port=47545
else
  services=(raw-print remote-ui-https wsd-discovery) udp_port=3702
fi
. "$(dirname "$0")/lib.sh"
lab_init pwc
ns_c=pwC$tag ns_p=pwP$tag ns_g=pwG$tag
lab_need commit_load_test "openssl and tcpdump" openssl tcpdump
wire_lab $tag $ns_c $ns_p $ns_g || exit 1

cat >"$tmp/pw.conf" <<CONF
set profile $profile
set printer-network 198.18.20.0/28
set group print-servers address 198.18.20.100
set group management address 198.18.20.100
set group collection-agent address 198.18.20.100
set interface outside device "net_af_packet0,iface=gwo$tag"
set interface inside device "net_af_packet1,iface=gwi$tag"
set dataplane workers 1
set dataplane mbufs 8192
set flows max-entries 65536
# RAW 9100 is inspected (job-language): its bulk stream goes through the normaliser, which drops
# a segment beyond "stream window" unacknowledged bytes. The sender writes 64 KiB bursts; a
# window above them keeps this test about commits, not about the clamp.
set stream window 256K
CONF
ip netns exec $ns_c tcpdump -i cli$tag -U -w "$tmp/client.pcap" \
  'src host 198.18.20.5 and tcp[tcpflags] & tcp-rst != 0' >/dev/null 2>&1 &
pids+=($!)
ip netns exec $ns_g "$pwd_bin" --lcores '(0-1)@(0,1)' --no-huge -m 512 --no-pci --file-prefix pwc$tag \
  --log-level='*:error' -- --config "$tmp/pw.conf" --events "$tmp/events.jsonl" \
  --socket "$tmp/ctl.sock" --state-dir "$tmp/state" >"$tmp/gw.log" 2>&1 &
pid=$!
wait_forwarding "$tmp/gw.log"
grep -q forwarding "$tmp/gw.log" || { bad "printwalld did not start"; cat "$tmp/gw.log"; exit 1; }

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=printer -keyout "$tmp/key.pem" \
  -out "$tmp/cert.pem" >/dev/null 2>&1

# The stream: block i is 4 KiB of SHA-256(i) repeated; the receiver recomputes and compares.
cat >"$tmp/stream.py" <<'PY'
import hashlib, os, socket, ssl, sys, time

# LPD (515, inspect lpd): the stream is one print job whose data file runs to the end of the
# connection (count 0, as LPRng and CUPS send it): receive-job, data-file subcommand, then bytes.
LPD = b"\x02lp\n\x030 dfA001client\n"

def block(i):
    return hashlib.sha256(i.to_bytes(8, "big")).digest() * 128  # 4096 bytes

def serve(port, tls, out):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("198.18.20.5", port))
    ls.listen(1)
    ls.settimeout(30)
    c, _ = ls.accept()
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        c = ctx.wrap_socket(c, server_side=True)
    c.settimeout(30)
    got, i, buf, err = 0, 0, b"", "ok"
    skip = len(LPD) if port == 515 else 0  # the LPD header before the job's bytes
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            buf += d
            got += len(d)
            if skip:
                if len(buf) < skip:
                    continue
                if buf[:skip] != LPD:
                    err = "LPD header changed"
                    raise SystemExit
                buf, skip = buf[skip:], 0
            while len(buf) >= 4096:
                if buf[:4096] != block(i):
                    err = "mismatch at block %d" % i
                    raise SystemExit
                buf, i = buf[4096:], i + 1
    except (OSError, SystemExit) as e:
        if err == "ok":
            err = "error: %s" % e
    if buf and err == "ok":
        err = "trailing %d bytes" % len(buf)
    open(out, "w").write("%d %s\n" % (i, err))

def send(port, tls, stop, out):
    s = socket.create_connection(("198.18.20.5", port), timeout=30)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        s = ctx.wrap_socket(s)
    i, err = 0, "ok"
    try:
        if port == 515:
            s.sendall(LPD)
        while not os.path.exists(stop):
            for _ in range(16):
                s.sendall(block(i))
                i += 1
            time.sleep(0.01)  # ~6 MB/s: the stream spans every commit
        s.shutdown(socket.SHUT_WR)  # (on a TLS socket: no close_notify, a plain FIN)
        s.recv(1)
    except OSError as e:
        err = "error: %s" % e
    open(out, "w").write("%d %s\n" % (i, err))

role, port, tls = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "tls"
if role == "serve":
    serve(port, tls, sys.argv[6])
else:
    send(port, tls, sys.argv[4], sys.argv[5])
PY
cat >"$tmp/udp.py" <<'PY'
import os, socket, sys, time
if sys.argv[1] == "rx":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("198.18.20.5", int(sys.argv[3])))
    s.settimeout(5.0)
    seen = set()
    while True:
        try:
            d, _ = s.recvfrom(2048)
        except socket.timeout:
            break
        seen.add(int(d.split(b"urn:uuid:probe-")[1].split(b"<")[0]))
    open(sys.argv[2], "w").write("%d\n" % len(seen))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = 0
    while not os.path.exists(sys.argv[2]):
        s.sendto((b'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery"><soap:Header><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action><wsa:MessageID>urn:uuid:probe-%d</wsa:MessageID></soap:Header><soap:Body><wsd:Probe/></soap:Body></soap:Envelope>' % n), ("198.18.20.5", int(sys.argv[4])))
        n += 1
        time.sleep(0.002)
    open(sys.argv[3], "w").write("%d\n" % n)
PY

stop=$tmp/stop
for spec in 9100:plain 515:plain 443:tls; do
  port=${spec%%:*} mode=${spec##*:}
  ip netns exec $ns_p python3 "$tmp/stream.py" serve $port $mode "$tmp/cert.pem" "$tmp/key.pem" "$tmp/rx.$port" &
  pids+=($!)
done
ip netns exec $ns_p python3 "$tmp/udp.py" rx "$tmp/rx.udp" $udp_port &
udp_rx=$!
sleep 0.5
senders=()
for spec in 9100:plain 515:plain 443:tls; do
  port=${spec%%:*} mode=${spec##*:}
  ip netns exec $ns_c python3 "$tmp/stream.py" send $port $mode "$stop" "$tmp/tx.$port" &
  senders+=($!)
done
ip netns exec $ns_c python3 "$tmp/udp.py" tx "$stop" "$tmp/tx.udp" $udp_port &
senders+=($!)
sleep 1

# The commits: each a description change on a service in use, through the control socket.
start=$(date +%s)
done_commits=0
for i in $(seq 1 "$commits"); do
  svc=${services[$(( i % 3 ))]}
  if "$cli_bin" --socket "$tmp/ctl.sock" "configure; set service $svc description \"commit $i\"; commit" \
      >"$tmp/commit.out" 2>&1; then
    done_commits=$((done_commits + 1))
  else
    cat "$tmp/commit.out"
    break
  fi
done
elapsed=$(( $(date +%s) - start ))
stopped_at=$(date +%s.%N)
touch "$stop"
for s in "${senders[@]}"; do wait "$s"; done
wait $udp_rx
sleep 0.5
[ "$done_commits" = "$commits" ] && ok "$profile: $commits commits in ${elapsed}s under load" ||
  bad "only $done_commits of $commits commits went through"

for port in 9100 515 443; do
  read -r sent serr <"$tmp/tx.$port" || sent=0 serr=missing
  wait_rx=0
  for _ in $(seq 50); do [ -s "$tmp/rx.$port" ] && break; sleep 0.1; done
  read -r got rerr <"$tmp/rx.$port" || got=0 rerr=missing
  if [ "$serr" = ok ] && [ "$rerr" = ok ] && [ "$sent" = "$got" ] && [ "$sent" -gt 100 ]; then
    ok "port $port: $sent blocks of 4 KiB sent, all received identical"
  else
    bad "port $port: sender $sent ($serr), receiver $got ($rerr)"
  fi
done
sent=$(cat "$tmp/tx.udp") got=$(cat "$tmp/rx.udp")
[ "$sent" = "$got" ] && [ "$sent" -gt 100 ] && ok "$profile: udp $udp_port: $sent datagrams sent, $got received" ||
  bad "udp $udp_port: $sent datagrams sent, $got received"

gens=$(grep -c "policy generation .* in force" "$tmp/gw.log")
[ "$gens" -ge "$commits" ] && ok "$gens policy generations in force" || bad "$gens generations in force"
changed=$(grep -c '"policy-changed"' "$tmp/events.jsonl" 2>/dev/null)
[ "${changed:-0}" = 0 ] && ok "no policy-changed event" || bad "$changed policy-changed events"
"$cli_bin" --socket "$tmp/ctl.sock" show statistics >"$tmp/stats.txt" 2>&1
kill -TERM $pid
wait $pid
pid=
for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done
sleep 0.5
# RSTs while the commits ran. After the stop, the closing handshakes race the servers' exit (a
# retransmitted FIN that meets a socket already gone is answered with an RST by the server's
# kernel): not what this test is about; the gateway's own injection counter is checked below.
rsts=$(tcpdump -tt -nn -r "$tmp/client.pcap" 2>/dev/null |
  awk -v t="$stopped_at" '$1 < t { n++ } END { print n + 0 }')
late=$(tcpdump -nn -r "$tmp/client.pcap" 2>/dev/null | wc -l)
[ "$rsts" = 0 ] && ok "no RST reached the client during the commits ($((late - rsts)) while closing)" ||
  bad "$rsts RSTs reached the client during the commits"
# The gateway's own account: nothing dropped, nothing injected.
# A frame the kernel loses on the way in (af_packet ring, shared cores) leaves the inspected
# 9100 stream with a hole: the normaliser drops what arrives beyond it until the sender
# retransmits (tcp-out-of-order, by design). A sender that runs more than `stream window` ahead
# of the receiver's acknowledgements has the excess dropped likewise (tcp-stream-window-full:
# the gateway does not yet lower the advertised window to what it keeps, so under load a burst
# can overrun it; the sender retransmits). Any other drop, or an injected frame, is a failure.
summary=$(grep "stopping:" "$tmp/gw.log")
dropped=$(echo "$summary" | sed -n 's/.* \([0-9]*\) dropped,.*/\1/p')
ooo=$(sed -n 's/^ *tcp-out-of-order: *\([0-9]*\)$/\1/p' "$tmp/stats.txt" | head -1)
full=$(sed -n 's/^ *tcp-stream-window-full: *\([0-9]*\)$/\1/p' "$tmp/stats.txt" | head -1)
if echo "$summary" | grep -q " 0 injected," && [ "${dropped:-x}" = "$(( ${ooo:-0} + ${full:-0} ))" ]; then
  ok "gateway: 0 injected, no drop but ${ooo:-0} segments beyond a hole and ${full:-0} beyond the window of the inspected stream"
else
  bad "gateway: $summary"; sed -n '/^reasons:/,/^totals:/p' "$tmp/stats.txt" | head -20
fi
exit $fail
