#!/bin/bash
# printwalld inline on DPDK af_packet ports between two network namespaces: a client and a
# printer on one L2 segment (bump in the wire), real TCP stacks and netcat on both sides.
# usage: printwalld_test.sh PATH/TO/printwalld
set -u
pwd_bin=$1
. "$(dirname "$0")/lib.sh"
lab_init pw
ns_c=pwc$tag ns_p=pwp$tag ns_g=pwg$tag
lab_need printwalld_test netcat nc
wire_lab $tag $ns_c $ns_p $ns_g || exit 1

cat >"$tmp/pw.conf" <<CONF
set profile small-office
set printer-network 198.18.20.0/28
set printer-network 2001:db8:20::/124
set interface outside device "net_af_packet0,iface=gwo$tag"
set interface inside device "net_af_packet1,iface=gwi$tag"
set dataplane mbufs 4096
set mirror output pcap
set mirror pcap file "$tmp/mirror/nids.pcap"
CONF
ip netns exec $ns_g "$pwd_bin" -l 0 --no-huge -m 256 --no-pci --no-shconf --file-prefix pw$tag \
  --log-level='*:error' -- --config "$tmp/pw.conf" --events "$tmp/events.jsonl" --socket "$tmp/ctl.sock" --state-dir "$tmp/state" \
  >"$tmp/gw.log" 2>&1 &
pid=$!
for i in $(seq 50); do grep -q forwarding "$tmp/gw.log" && break; sleep 0.1; done
if grep -q forwarding "$tmp/gw.log"; then ok "printwalld started"; else bad "printwalld did not start"; cat "$tmp/gw.log"; exit 1; fi

# RAW printing (9100) is allowed by the small-office profile: bytes arrive unchanged.
ip netns exec $ns_p timeout 8 nc -l 9100 >"$tmp/raw.out" &
srv=$!
sleep 0.3
printf '%%!PS-Adobe-3.0\nprinted\n' | ip netns exec $ns_c timeout 5 nc -N -w 3 198.18.20.5 9100
wait $srv
if grep -q printed "$tmp/raw.out"; then ok "RAW 9100 over IPv4 passes"; else bad "RAW 9100 over IPv4"; fi

ip netns exec $ns_p timeout 8 nc -6 -l 9100 >"$tmp/raw6.out" &
srv=$!
sleep 0.3
printf 'v6 job\n' | ip netns exec $ns_c timeout 5 nc -6 -N -w 3 2001:db8:20::5 9100
wait $srv
if grep -q 'v6 job' "$tmp/raw6.out"; then ok "RAW 9100 over IPv6 passes"; else bad "RAW 9100 over IPv6"; fi

# IPP (631) is closed: the connection never completes.
ip netns exec $ns_p timeout 5 nc -l 631 >"$tmp/ipp.out" &
srv=$!
sleep 0.3
if ip netns exec $ns_c timeout 4 nc -z -w 2 198.18.20.5 631; then bad "IPP 631 reachable"; else ok "IPP 631 closed"; fi
kill $srv 2>/dev/null; wait $srv 2>/dev/null

# A clear-text FTP login: the printer never receives the user name or the password.
ip netns exec $ns_p timeout 8 nc -l 21 >"$tmp/ftp.out" &
srv=$!
sleep 0.3
printf 'USER printer\r\nPASS s3cr3t\r\n' | ip netns exec $ns_c timeout 5 nc -w 3 198.18.20.5 21
wait $srv 2>/dev/null
if grep -q -e s3cr3t -e printer "$tmp/ftp.out"; then bad "FTP credentials reached the printer"; else ok "FTP clear-text login stopped"; fi

kill -TERM $pid
wait $pid
rc=$?
pid=
if [ $rc = 0 ] && grep -q "stopping:" "$tmp/gw.log"; then ok "SIGTERM stops cleanly"; else bad "SIGTERM exit $rc"; cat "$tmp/gw.log"; fi
grep -q '"reason":"service-deny".*"service":"ipp-print"' "$tmp/events.jsonl" && ok "IPP denial logged" || bad "no ipp-print event"
grep -q '"reason":"plaintext-auth".*"service":"ftp-print"' "$tmp/events.jsonl" && ok "FTP denial logged" || bad "no plaintext-auth event"
grep -q s3cr3t "$tmp/events.jsonl" && bad "credential in the event log"
# The mirror's rotating pcap output (a writer thread off the fast path) holds the denied flows.
if command -v tcpdump >/dev/null; then
  n21=$(tcpdump -nn -r "$tmp/mirror/nids.pcap" 'tcp port 21' 2>/dev/null | wc -l)
  n9100=$(tcpdump -nn -r "$tmp/mirror/nids.pcap" 'tcp port 9100' 2>/dev/null | wc -l)
  [ "$n21" -ge 1 ] && [ "$n9100" = 0 ] && ok "mirror pcap output: the denied FTP flow, not the RAW job" ||
    bad "mirror pcap: $n21 FTP frames, $n9100 RAW frames"
fi
exit $fail
