#!/bin/bash
# Benign sessions of real clients are quiet: no alert and no frame on the NIDS mirror, under both
# built-in profiles (issue: "an alert is a claim that somebody will investigate"). The lab of
# appliance/lab in small: a client (group management, print-servers), the printer behind
# printwalld (vsftpd with AUTH TLS, nginx HTTPS with Basic auth, snmpd v3, ippeveprinter with
# ipps, a RAW 9100 sink), the site's servers on the outside (exim STARTTLS on 587, dovecot STLS,
# slapd StartTLS and LDAPS, smbd, rsyslog on 514/udp and 6514/tls), a NIDS on the mirror port.
#   - every benign session succeeds: ping and ping -6 (the management group), curl https (v4,
#     v6), openssl s_client (TLS 1.2, 1.3),
#     curl ftp --ssl-reqd and lftp with AUTH TLS (small office), snmpget v3 authPriv, ipptool
#     over ipps, a RAW print job; from the printer: curl smtp/pop3 with STARTTLS/STLS,
#     ldapsearch -ZZ, ldapwhoami over ldaps, smbclient SMB3 with signing, rsyslog over TLS,
#     logger over UDP;
#   - none raises an event; none puts a frame on the mirror, except the services the enterprise
#     profile mirrors always (mail and LDAP, the guide's "mirror to the NIDS" rows);
#   - the table still bites: a service's exception `risk tls-missing-sni alert` makes the same
#     openssl session an ndpi-risk alert with its frames mirrored, and `risk tls-missing-sni deny`
#     on ldaps resets ldapwhoami with ndpi-risk-denied.
# usage: benign_quiet_test.sh PRINTWALLD
set -u
pwd_bin=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_init pwq
lab_need benign_quiet_test "the lab's servers and clients (appliance/install-deps lab)" \
  vsftpd nginx snmpd snmpget exim4 dovecot slapd ldapsearch smbd smbclient rsyslogd logger lftp \
  curl openssl ippeveprinter ipptool avahi-daemon dbus-daemon tcpdump nc ping
chmod 755 "$tmp"  # the servers' own users read their files below it

ns_c=pwqC$tag ns_s=pwqS$tag ns_p=pwqP$tag ns_g=pwqG$tag ns_n=pwqN$tag ns_w=pwqW$tag
CLIENT=198.18.20.100 CLIENT6=2001:db8:20::100
PRINTER=198.18.20.5 PRINTER6=2001:db8:20::5
SERVER=198.18.20.30 SERVER6=2001:db8:20::30
SRV_WORK=$tmp/srv SRV_TAG=pwq SRV_LABEL="printwall benign test" SRV_DOMAIN=pwq.test
SRV_USER=pwq$tag SRV_USER_COMMENT="printwall e2e benign_quiet_test" SRV_PASSWORD=Quiet-Secret-1
SRV_COMMUNITY=Quiet-Community SRV_PRIVPASS=Quiet-Privacy-2 SRV_PASV_MIN=50000 SRV_PASV_MAX=50100
. "$here/../../appliance/lib/servers.sh"
quiet_exit() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  pid=
  srv_netns_del "$ns_c" "$ns_s" "$ns_p" "$ns_g" "$ns_n" "$ns_w"
  srv_user_del
  lab_exit
}
trap quiet_exit EXIT

# The network: a bridge joins the gateway's outside port, the client and the servers; the
# printer is alone behind the inside port.
srv_netns_add "$ns_c" "$ns_s" "$ns_p" "$ns_g" "$ns_n" "$ns_w"
ip -n $ns_w link add br0 type bridge stp_state 0 mcast_snooping 0
srv_link_up $ns_w br0
srv_veth $ns_g gwo$tag $ns_w swg$tag
srv_veth $ns_c cli$tag $ns_w swc$tag
srv_veth $ns_s srv$tag $ns_w sws$tag
srv_veth $ns_g gwi$tag $ns_p prn$tag
srv_veth $ns_g gwm$tag $ns_n nid$tag
for p in swg$tag swc$tag sws$tag; do ip -n $ns_w link set $p master br0; done
ip -n $ns_c addr add $CLIENT/24 dev cli$tag
ip -n $ns_c -6 addr add $CLIENT6/64 dev cli$tag nodad
ip -n $ns_p addr add $PRINTER/24 dev prn$tag
ip -n $ns_p -6 addr add $PRINTER6/64 dev prn$tag nodad
ip -n $ns_s addr add $SERVER/24 dev srv$tag
ip -n $ns_s -6 addr add $SERVER6/64 dev srv$tag nodad

# The servers (each start is bounded; a server that does not come up fails the test).
srv_material "DNS:printer.$SRV_DOMAIN,DNS:mail.$SRV_DOMAIN,IP:$PRINTER,IP:$PRINTER6,IP:$SERVER,IP:$SERVER6"
srv_vsftpd $ns_p $PRINTER tls
srv_nginx $ns_p $PRINTER $PRINTER6 yes
srv_snmpd $ns_p $PRINTER $CLIENT
ip netns exec $ns_p nc -lkd $PRINTER 9100 >"$tmp/raw-jobs.txt" 2>&1 </dev/null &
pids+=($!)
lab_ippeveprinter
srv_exim $ns_s $SERVER 587
srv_dovecot $ns_s $SERVER
srv_slapd $ns_s $SERVER 1
srv_smbd $ns_s $SERVER
srv_rsyslog $ns_s $SERVER 6514
lab_ippeveprinter_up

tcpdump_pid= syslog_client=
# gateway PROFILE EXTRA...: printwalld (re)started on the profile with the lab's groups and
# ports, IPP allowed under inspection, and EXTRA statements; a fresh event log and NIDS capture.
gateway() {
  local profile=$1 a g
  shift
  # (the printer's syslog forwarder closes its TLS connection while the old gateway still runs)
  [ -n "$syslog_client" ] && srv_stop_pid "$syslog_client" && sleep 0.5
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null && wait "$tcpdump_pid" 2>/dev/null
  events_valid "$tmp"/events.jsonl* || bad "records of the event log outside docs/events.schema.json"
  rm -rf "$tmp/state" "$tmp/events.jsonl" "$tmp/nids.pcap" "$lab_dpdk_dir"
  {
    echo "set profile $profile"
    echo "set printer-network 198.18.20.0/28"
    echo "set printer-network 2001:db8:20::/124"
    for a in $CLIENT $CLIENT6; do
      echo "set group management address $a"
      [ "$profile" = enterprise ] && echo "set group print-servers address $a"
    done
    for g in mail-relay ldap-servers file-servers siem; do
      for a in $SERVER $SERVER6; do echo "set group $g address $a"; done
    done
    echo "set service ipp-print action allow"
    echo "set service ipp-print inspect ipp"
    echo "set interface outside device \"net_af_packet0,iface=gwo$tag\""
    echo "set interface inside device \"net_af_packet1,iface=gwi$tag\""
    echo "set interface mirror device \"net_af_packet2,iface=gwm$tag\""
    echo "set mirror output port"
    echo "set dataplane mbufs 8192"
    echo "set flows max-entries 16384"
    printf '%s\n' "$@"
  } >"$tmp/pw.conf"
  ip netns exec $ns_n tcpdump -i nid$tag -U -w "$tmp/nids.pcap" >/dev/null 2>&1 &
  tcpdump_pid=$!
  ip netns exec $ns_g "$pwd_bin" --no-huge -m 512 --no-pci --file-prefix "pwq$tag" --log-level='*:error' \
    -- --config "$tmp/pw.conf" --events "$tmp/events.jsonl" --socket "$tmp/ctl.sock" \
    --state-dir "$tmp/state" >"$tmp/gw.log" 2>&1 &
  pid=$!
  lab_forwarding
  # The printer's syslog forwarder, started afresh: its TLS connection would not survive the
  # gateway's restart (a new gateway knows no flow of it and drops its segments).
  rm -rf "$SRV_WORK/rsyslog-client"
  srv_rsyslog_tls_client $ns_p $SERVER 6514
  syslog_client=$SRV_PID
}

# try NAME NS REGEX CMD...: CMD (20 s at most) must exit 0 with REGEX in its output.
try() {
  local name=$1 ns=$2 re=$3 out=$tmp/out.txt
  shift 3
  if ip netns exec "$ns" timeout 20 "$@" <"${IN:-/dev/null}" >"$out" 2>&1 &&
     { [ -z "$re" ] || grep -Eq -- "$re" "$out"; }; then
    ok "$name"
  else
    bad "$name"; tail -5 "$out"
  fi
}
# arrived NAME FILE TEXT: TEXT reaches FILE within 10 s.
arrived() {
  local _
  for _ in $(seq 100); do grep -qF -- "$3" "$2" 2>/dev/null && { ok "$1"; return; }; sleep 0.1; done
  bad "$1"
}

U=$SRV_USER:$SRV_PASSWORD
ADMIN=$(srv_admin_dn)
CURL=(curl -sS --connect-timeout 5 --max-time 15)
LFTP_SET="set net:max-retries 1; set net:timeout 5; set net:reconnect-interval-base 1; set cmd:fail-exit yes"
SMTP=("${SRV_SMTP[@]}" --connect-timeout 5 --max-time 15)
printf '%%PDF-1.4\n%% benign test\n' >"$tmp/doc.pdf"

benign() {  # PROFILE
  local profile=$1 job
  try "$profile: curl https://printer/ (Basic auth inside TLS)" $ns_c 'remote UI' "${CURL[@]}" --fail -k -u "$U" "https://$PRINTER/"
  try "$profile: curl https://[printer6]/" $ns_c 'remote UI' "${CURL[@]}" --fail -k -u "$U" "https://[$PRINTER6]/"
  try "$profile: openssl s_client -tls1_3" $ns_c 'Cipher is [A-Z]' openssl s_client -connect $PRINTER:443 -tls1_3
  try "$profile: openssl s_client -tls1_2" $ns_c 'Cipher is [A-Z]' openssl s_client -connect $PRINTER:443 -tls1_2
  try "$profile: ping from the management group" $ns_c ' 0% packet loss' ping -c 2 -i 0.3 -W 2 $PRINTER
  try "$profile: ping -6 from the management group" $ns_c ' 0% packet loss' ping -6 -c 2 -i 0.3 -W 2 $PRINTER6
  try "$profile: snmpget -v3 authPriv" $ns_c STRING "${SRV_SNMPGET[@]}" -v3 -l authPriv -u pwadmin -a SHA \
    -A "$SRV_PASSWORD" -x AES -X "$SRV_PRIVPASS" $PRINTER 1.3.6.1.2.1.1.1.0
  try "$profile: ipptool over ipps (get-printer-attributes)" $ns_c 'PASS' ipptool -T 10 -t \
    "ipps://$PRINTER:631/ipp/print" /usr/share/cups/ipptool/get-printer-attributes.test
  try "$profile: ipptool over ipps (print-job of a PDF)" $ns_c 'PASS' ipptool -T 10 -t \
    -f "$tmp/doc.pdf" "ipps://$PRINTER:631/ipp/print" /usr/share/cups/ipptool/print-job.test
  job="benign job $profile $RANDOM"
  printf '%%!PS\n%% %s\nshowpage\n' "$job" >"$tmp/job.ps"
  IN=$tmp/job.ps try "$profile: RAW 9100 job (netcat)" $ns_c '' nc -N -w 5 $PRINTER 9100
  arrived "$profile: the RAW job reaches the printer" "$tmp/raw-jobs.txt" "$job"
  if [ "$profile" = small-office ]; then
    try "$profile: curl ftp:// --ssl-reqd (AUTH TLS)" $ns_c scan-0001 "${CURL[@]}" --ssl-reqd -k --user "$U" "ftp://$PRINTER/"
    try "$profile: lftp with AUTH TLS, data protected" $ns_c scan-0001 lftp -c "$LFTP_SET; set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ssl:verify-certificate no; open -u $SRV_USER,$SRV_PASSWORD ftp://$PRINTER; ls"
  fi
  # The printer as a client of the site's servers.
  try "$profile: curl smtp:// STARTTLS + AUTH PLAIN (587)" $ns_p '^< 250 OK id=' "${SMTP[@]}" --ssl-reqd -k
  try "$profile: curl pop3:// STLS" $ns_p 'scanned document' "${CURL[@]}" --ssl-reqd -k --user "$U" "pop3://$SERVER/1"
  try "$profile: ldapsearch -ZZ (StartTLS)" $ns_p 'mail: office@' "${SRV_LDAP_ENV[@]}" ldapsearch -x -ZZ -LLL \
    -o nettimeout=5 -H ldap://$SERVER/ -b "$(srv_base_dn)" '(mail=office@*)' mail
  try "$profile: ldapwhoami over ldaps://" $ns_p "dn:$ADMIN" "${SRV_LDAP_ENV[@]}" ldapwhoami -x -o nettimeout=5 \
    -H ldaps://$SERVER/ -D "$ADMIN" -w "$SRV_PASSWORD"
  try "$profile: smbclient SMB3, signing required" $ns_p scan-0001 "${SRV_SMBCLIENT[@]}" -t 5 -m SMB3 --option='client signing=required'
  local mark="benign syslog tls $profile $RANDOM"
  ip netns exec $ns_p logger -n 127.0.0.1 -P 5514 --udp -t printer "$mark"
  arrived "$profile: rsyslog over TLS (6514) delivers" "$SRV_WORK/rsyslog/received.log" "$mark"
  mark="benign syslog udp $profile $RANDOM"
  ip netns exec $ns_p logger -n $SERVER -P 514 --udp -t printer "$mark"
  arrived "$profile: logger over UDP (514) delivers" "$SRV_WORK/rsyslog/received.log" "$mark"
  sleep 1  # the last frames, events and copies
}

# frames_outside PORTS: NIDS frames whose ports are none of PORTS (a tcpdump filter expression).
nids_frames() { tcpdump -r "$tmp/nids.pcap" -n "$@" 2>/dev/null | wc -l; }

for profile in small-office enterprise; do
  gateway $profile
  benign $profile
  events=$(grep -c . "$tmp/events.jsonl" 2>/dev/null)
  if [ "${events:-0}" = 0 ]; then ok "$profile: no event for the benign sessions"; else
    bad "$profile: the benign sessions raised $events events"; cut -c1-400 "$tmp/events.jsonl" | head -20; fi
  if [ $profile = small-office ]; then
    n=$(nids_frames)
    if [ "$n" = 0 ]; then ok "$profile: nothing mirrored"; else
      bad "$profile: $n frames mirrored"; tcpdump -r "$tmp/nids.pcap" -n 2>/dev/null | head; fi
  else
    # The enterprise profile mirrors its mail and LDAP services always (the guide's rows); nothing
    # else may reach the NIDS.
    others=(not port 25 and not port 587 and not port 465 and not port 110 and not port 995
            and not port 389 and not port 636 and not port 3268 and not port 3269)
    n=$(nids_frames "${others[@]}")
    m=$(nids_frames)
    if [ "$n" = 0 ]; then ok "$profile: nothing mirrored but the mail and LDAP sessions ($m frames, mirror always)"; else
      bad "$profile: $n frames mirrored outside mail and LDAP"; tcpdump -r "$tmp/nids.pcap" -n "${others[@]}" 2>/dev/null | head; fi
  fi
done

# The table still bites: exceptions on two services, alert and deny, with real clients.
gateway small-office "set service remote-ui-https risk tls-missing-sni alert" "set service ldaps risk tls-missing-sni deny"
try "exception alert: openssl s_client still connects" $ns_c 'Cipher is [A-Z]' openssl s_client -connect $PRINTER:443 -tls1_3
sleep 1
grep -q '"reason":"ndpi-risk".*"service":"remote-ui-https".*"risks":\["Missing SNI TLS Extension"\]' "$tmp/events.jsonl" &&
  ok "exception alert: ndpi-risk names the risk" || { bad "exception alert: no ndpi-risk event"; cat "$tmp/events.jsonl"; }
n=$(nids_frames port 443)
[ "$n" -gt 0 ] && ok "exception alert: the session is mirrored ($n frames)" || bad "exception alert: nothing mirrored"
if ip netns exec $ns_p timeout 20 "${SRV_LDAP_ENV[@]}" ldapwhoami -x -o nettimeout=5 -H ldaps://$SERVER/ \
     -D "$ADMIN" -w "$SRV_PASSWORD" >"$tmp/out.txt" 2>&1; then
  bad "exception deny: ldapwhoami over ldaps got through"
else
  ok "exception deny: ldapwhoami over ldaps is refused"
fi
sleep 1
grep -q '"action":"reject","reason":"ndpi-risk-denied".*"service":"ldaps"' "$tmp/events.jsonl" &&
  ok "exception deny: ndpi-risk-denied event" || { bad "exception deny: no ndpi-risk-denied event"; cat "$tmp/events.jsonl"; }
grep -qF -- "$SRV_PASSWORD" "$tmp/events.jsonl" && bad "a secret is in the event log"
exit $fail
