#!/bin/bash
# End to end: discovery through the gateway with real servers on the printer and real clients,
# small-office profile (discovery services inspected):
#   - NetBIOS name service: Samba's nmbd on the printer; nmblookup asks it directly (unicast),
#     by the subnet broadcast (declared in link-multicast; the answer comes back in unicast from
#     the printer's 137 to the client's port: an answer to a group query, group_answers) and for
#     its node status; nmbd's own broadcasts pass out (netbios-ns-out, netbios-dgm-out);
#   - IGMP memberships (wsdd joins 239.255.255.250) pass, uncopied;
#   - WS-Discovery: wsdd announces the printer (Hello to 239.255.255.250, through the profile's
#     wsd-announce) and answers a wsdd client's Probe with a unicast ProbeMatch;
#   - none of it raises an event or reaches the NIDS (benign);
#   - a name answer sent toward the printer from outside is still refused (NBT-NS poisoning).
# usage: discovery_test.sh PRINTWALLD [PRINTWALL]
set -u
pwd_bin=$1
cli_bin=${2:-$(dirname "$1")/../printwall/printwall}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_up pwy pwy discovery_test "nmbd, nmblookup, wsdd and tcpdump (appliance/install-deps lab)" \
  nmbd nmblookup wsdd tcpdump python3
name=PWPRN$tag

# nmbd on the printer: its own configuration and folders, the printer's link only.
mkdir -p "$tmp/smb/lock" "$tmp/smb/state" "$tmp/smb/cache" "$tmp/smb/pid" "$tmp/smb/log"
cat >"$tmp/smb.conf" <<CONF
[global]
  netbios name = $name
  workgroup = PWLAB$tag
  interfaces = 198.18.20.5/24
  local master = no
  domain master = no
  preferred master = no
  dns proxy = no
  wins support = no
  lock directory = $tmp/smb/lock
  state directory = $tmp/smb/state
  cache directory = $tmp/smb/cache
  pid directory = $tmp/smb/pid
  log file = $tmp/smb/log/nmbd.log
CONF
ip netns exec $ns_p nmbd --foreground --no-process-group --debug-stdout --configfile="$tmp/smb.conf" \
  >"$tmp/nmbd.out" 2>&1 &
pids+=($!)

lab_conf
# The office's subnet broadcast, declared as one of the link's group addresses (the profile fills
# in the link-local groups and the limited broadcast; the subnet is the site's): the printer's
# NetBIOS announcements go there, and the clients' broadcast queries.
echo "set group link-multicast address 198.18.20.255" >>"$tmp/pw.conf"
lab_start "$pwd_bin" pwy
lab_forwarding
cli() { "$cli_bin" --socket "$tmp/ctl.sock" "$@"; }
counter() {  # NAME: a counter of `show statistics`
  cli --json show statistics 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); d=d.get('data', d); print(d['totals'].get('$1', 0))"
}

# nmbd owns its name once its registration broadcasts went unanswered: ask it on its own link.
for _ in $(seq 100); do
  ip netns exec $ns_p nmblookup -U 198.18.20.5 "$name" 2>/dev/null | grep -q "198.18.20.5 $name" && break
  sleep 0.2
done
ip netns exec $ns_p nmblookup -U 198.18.20.5 "$name" 2>/dev/null | grep -q "198.18.20.5 $name" ||
  { bad "nmbd did not start"; tail -20 "$tmp/nmbd.out"; exit 1; }

ip netns exec $ns_c tcpdump -i cli$tag -U -w "$tmp/client.pcap" udp >/dev/null 2>&1 &
pids+=($!)
ip netns exec $ns_p tcpdump -i prn$tag -U -w "$tmp/printer.pcap" udp >/dev/null 2>&1 &
pids+=($!)
sleep 1
# wsdd on the printer, announcing itself now that the client listens.
ip netns exec $ns_p wsdd -i prn$tag -4 -n "$name" -w "PWLAB$tag" -s >"$tmp/wsdd-host.log" 2>&1 &
pids+=($!)

out=$(ip netns exec $ns_c timeout 10 nmblookup -U 198.18.20.5 "$name" 2>&1)
echo "$out" | grep -q "198.18.20.5 $name" && ok "NetBIOS name query to the printer answered" ||
  { bad "no answer to a unicast NetBIOS name query"; echo "$out"; }
# (nmbd answers broadcast queries once its own broadcast registration is over: a few seconds.)
for _ in $(seq 10); do
  out=$(ip netns exec $ns_c timeout 10 nmblookup -B 198.18.20.255 "$name" 2>&1)
  echo "$out" | grep -q "198.18.20.5 $name" && break
  sleep 1
done
echo "$out" | grep -q "198.18.20.5 $name" &&
  ok "NetBIOS name query by broadcast: the printer's unicast answer comes through" ||
  { bad "no answer to a broadcast NetBIOS name query"; echo "$out"; tcpdump -nr "$tmp/printer.pcap" port 137 2>/dev/null | tail -4; }
out=$(ip netns exec $ns_c timeout 10 nmblookup -A 198.18.20.5 2>&1)
echo "$out" | grep -q "$name" && ok "NetBIOS node status of the printer answered" ||
  { bad "no answer to a NetBIOS node status query"; echo "$out"; }

# WS-Discovery: a wsdd client probes the link; the printer's wsdd answers in unicast.
ip netns exec $ns_c wsdd -D -o -i cli$tag -4 -s -l "$tmp/wsdd.sock" >"$tmp/wsdd-client.log" 2>&1 &
wsdd_client=$!
pids+=($wsdd_client)
matched=0
for _ in $(seq 60); do
  sleep 0.25
  tcpdump -nr "$tmp/client.pcap" -A 'src host 198.18.20.5 and src port 3702 and dst host 198.18.20.100' 2>/dev/null |
    grep -q ProbeMatches && { matched=1; break; }
done
[ $matched = 1 ] && ok "WS-Discovery: wsdd's ProbeMatch reaches the probing client" ||
  { bad "no ProbeMatch at the client"; tail -5 "$tmp/wsdd-client.log"; tail -5 "$tmp/wsdd-host.log"; }
tcpdump -nr "$tmp/client.pcap" -A 'src host 198.18.20.5 and dst host 239.255.255.250 and port 3702' 2>/dev/null |
  grep -q '/Hello<' && ok "WS-Discovery: the printer's Hello reaches the client's link" ||
  bad "no Hello from the printer at the client"
kill "$wsdd_client" 2>/dev/null

n=$(counter group_answers)
[ "${n:-0}" -ge 2 ] && ok "answers to group queries counted ($n)" || bad "group_answers is ${n:-none}"
sleep 0.5
# wsdd is a PC's WS-Discovery host: its client then fetches metadata from the host's own HTTP
# port 5357, which a printer does not have (printers serve it on 60000, wsd-print) and the
# profile does not open. Those denials aside, nothing may be reported or copied.
ev=$(grep '"action"' "$tmp/events.jsonl" | grep -v '"dst_port":5357,' || true)
[ -z "$ev" ] && ok "benign discovery raised no event" || { bad "benign discovery raised events"; echo "$ev"; }
# (IPv4 only: the NIDS link's own IPv6 neighbour discovery is no copy.)
m=$(tcpdump -nr "$tmp/nids.pcap" 'ip and not tcp port 5357' 2>/dev/null | wc -l)
[ "$m" = 0 ] && ok "nothing of it reached the NIDS" || bad "$m frames of benign discovery at the NIDS"

# NBT-NS poisoning: an answer for a name sent from outside toward the printer's 137.
ip netns exec $ns_c python3 - <<'PY'
import socket, struct
# A positive name query response (RFC 1002 4.2.13) for FILESRV, to the printer's port 137.
name = b"FILESRV".ljust(15) + b"\x20"
enc = bytes([32]) + b"".join(bytes([0x41 + (c >> 4), 0x41 + (c & 15)]) for c in name) + b"\x00"
msg = struct.pack(">HHHHHH", 0x1234, 0x8500, 0, 1, 0, 0) + enc + struct.pack(">HHIH", 0x20, 1, 300, 6) + \
      struct.pack(">H", 0) + socket.inet_aton("198.18.20.100")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.20.100", 137))
s.sendto(msg, ("198.18.20.5", 137))
PY
sleep 0.5
grep -q '"reason":"discovery-denied"' "$tmp/events.jsonl" &&
  ok "a NetBIOS name answer toward the printer is refused (discovery-denied)" ||
  { bad "no discovery-denied event for a name answer toward the printer"; cat "$tmp/events.jsonl"; }
exit $fail
