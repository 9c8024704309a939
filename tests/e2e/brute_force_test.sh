#!/bin/bash
# The guide's failed-login rule on the wire, with block-source: a client guessing passwords
# against the printer's real services (snmpd with SNMPv3 users, vsftpd), printwalld inline on the
# small-office profile with `detection failed-auth action block-source`:
#   - four wrong SNMPv3 passwords (snmpget: the agent's authentication reports) raise nothing and
#     block nothing: the right password still works;
#   - the fifth failure is one auth-failures event, action block, naming the client;
#   - from then on the client opens nothing toward the printer (the right password fails too,
#     so does FTP), counted as source-blocked; `printwall show blocked-sources` lists it;
#   - `printwall clear blocked-sources address A` (audited) lifts it: SNMP works again;
#   - a second client guessing FTP logins in clear (refused by the gateway, plaintext-auth)
#     is blocked after its fifth attempt the same way; the first client is not affected;
#   - a third client guessing FTP logins inside TLS (AUTH TLS: the answers are encrypted) is
#     blocked after five short TLS sessions (detection failed-auth tls-sessions 5);
#   - an SNMPv3 user with DES privacy gets no answer (snmp-weak-crypto); SHA/AES still answers.
# usage: brute_force_test.sh PRINTWALLD [PRINTWALL]
set -u
pwd_bin=$1
cli_bin=${2:-$(dirname "$1")/../printwall/printwall}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_up pwb pwb brute_force_test "snmpd, snmpget, vsftpd, curl and tcpdump (appliance/install-deps lab)" \
  snmpd snmpget vsftpd curl tcpdump python3
chmod 755 "$tmp"  # the servers' own users read their files below it
SRV_WORK=$tmp/srv SRV_TAG=pwb SRV_LABEL="printwall brute-force test" SRV_DOMAIN=pwb.test
SRV_USER=pwb$tag SRV_USER_COMMENT="printwall e2e brute_force_test" SRV_PASSWORD=Brute-Secret-1
SRV_COMMUNITY=Brute-Community SRV_PRIVPASS=Brute-Privacy-2
. "$here/../../appliance/lib/servers.sh"
brute_exit() {
  srv_stop_all
  srv_user_del
  lab_exit
}
trap brute_exit EXIT

# A second client on the outside: its own address on the client's link.
ip -n $ns_c addr add 198.18.20.101/24 dev cli$tag

srv_material "IP:198.18.20.5"
srv_snmpd $ns_p 198.18.20.5 198.18.20.100
srv_vsftpd $ns_p 198.18.20.5 tls

lab_conf
cat >>"$tmp/pw.conf" <<CONF
set detection failed-auth action block-source
set detection failed-auth block-time 2m
set detection failed-auth tls-sessions 5
CONF
lab_start "$pwd_bin" pwb
lab_forwarding

cli() { "$cli_bin" --socket "$tmp/ctl.sock" "$@"; }
# snmp FROM PASSWORD: sysDescr.0 with SNMPv3 authPriv as pwadmin from address FROM; 0 when the
# agent answered.
snmp() {
  ip netns exec $ns_c timeout 15 "${SRV_SNMPGET[@]}" --clientaddr="$1" -v3 -l authPriv -u pwadmin \
    -a SHA -A "$2" -x AES -X "$SRV_PRIVPASS" 198.18.20.5 1.3.6.1.2.1.1.1.0 >"$tmp/snmp.out" 2>&1 &&
    grep -q STRING "$tmp/snmp.out"
}
events_of() { grep -c "\"reason\":\"$1\"" "$tmp/events.jsonl" 2>/dev/null; }
reason_count() {  # REASON: the count in `show statistics`
  cli --json show statistics 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); d=d.get('data', d); print(d['reasons'].get('$1', 0))"
}

for i in 1 2 3 4; do
  snmp 198.18.20.100 "Wrong-Guess-$i" && bad "wrong password $i was accepted by the agent"
done
sleep 0.5
[ "$(events_of auth-failures)" = 0 ] && ok "four failed SNMPv3 logins: no auth-failures event yet" ||
  bad "an auth-failures event before the fifth failure"
snmp 198.18.20.100 "$SRV_PASSWORD" && ok "the right password still works after four failures" ||
  { bad "the right password failed after four failures"; cat "$tmp/snmp.out"; }
snmp 198.18.20.100 "Wrong-Guess-5"
sleep 0.5
if [ "$(events_of auth-failures)" = 1 ] &&
   has_event action=block reason=auth-failures src_ip=198.18.20.100 -- "$tmp/events.jsonl"; then
  ok "the fifth failure: one auth-failures event, action block, naming the client"
else
  bad "no block event after the fifth failure"; cat "$tmp/events.jsonl"
fi
snmp 198.18.20.100 "$SRV_PASSWORD" && bad "a blocked client still reaches the agent" ||
  ok "blocked: the right password no longer reaches the agent"
ip netns exec $ns_c timeout 10 curl -sS --connect-timeout 3 --ssl-reqd -k --user "$SRV_USER:$SRV_PASSWORD" \
  ftp://198.18.20.5/ >/dev/null 2>&1 && bad "a blocked client still reaches FTP" || ok "blocked: FTP too"
n=$(reason_count source-blocked)
[ "${n:-0}" -ge 2 ] && ok "source-blocked counted ($n)" || bad "source-blocked not counted ($n)"
cli show blocked-sources >"$tmp/blocked.txt" 2>&1
grep -q "198.18.20.100" "$tmp/blocked.txt" && grep -q snmp-agent "$tmp/blocked.txt" &&
  ok "show blocked-sources lists the client and the service" || { bad "show blocked-sources"; cat "$tmp/blocked.txt"; }
cli clear blocked-sources address 198.18.20.77 >"$tmp/clear.txt" 2>&1 && bad "clearing an unblocked address succeeded" ||
  ok "clear blocked-sources of an address that is not blocked is refused"
cli clear blocked-sources address 198.18.20.100 >"$tmp/clear.txt" 2>&1 && grep -q "1 block lifted" "$tmp/clear.txt" &&
  ok "clear blocked-sources address lifts the block" || { bad "clear blocked-sources"; cat "$tmp/clear.txt"; }
sleep 0.3
snmp 198.18.20.100 "$SRV_PASSWORD" && ok "after the clear the client reaches the agent again" ||
  { bad "still blocked after the clear"; cat "$tmp/snmp.out"; }
grep -q '"event":"clear blocked-sources address 198.18.20.100"' "$tmp/events.jsonl" &&
  ok "the clear is audited" || bad "the clear is not in the audit records"

# FTP logins in clear from a second client: each refused by the gateway (plaintext-auth) and a
# failed login; the fifth blocks that client, not the first one.
for i in 1 2 3 4 5; do
  ip netns exec $ns_c timeout 10 curl -sS --connect-timeout 3 --interface 198.18.20.101 \
    --user "admin:guess$i" ftp://198.18.20.5/ >/dev/null 2>&1
done
sleep 0.5
has_event action=block reason=auth-failures src_ip=198.18.20.101 -- "$tmp/events.jsonl" &&
  ok "five FTP logins refused in clear block the second client" || { bad "no block for clear-text FTP guesses"; cat "$tmp/events.jsonl"; }
snmp 198.18.20.101 "$SRV_PASSWORD" && bad "the second client is not blocked" || ok "the second client is blocked"
ip netns exec $ns_c ping -c 1 -W 2 -I 198.18.20.101 198.18.20.5 >/dev/null 2>&1 &&
  bad "ping from a blocked client that is not in the management group" || ok "no ping from outside the management group"
snmp 198.18.20.100 "$SRV_PASSWORD" && ok "the first client is not affected" || bad "the first client is blocked again"
# Guessing inside TLS (FTP with AUTH TLS: the 530 answers are encrypted): from a third client,
# five short TLS sessions to the FTP service are the signal (tls-sessions 5), and block it.
ip -n $ns_c addr add 198.18.20.102/24 dev cli$tag
for i in 1 2 3 4 5; do
  ip netns exec $ns_c timeout 10 curl -sS --connect-timeout 3 --interface 198.18.20.102 --ssl-reqd -k \
    --user "$SRV_USER:guess$i" ftp://198.18.20.5/ >/dev/null 2>&1 && bad "FTPS guess $i was accepted"
done
sleep 0.5
has_event action=block reason=auth-failures src_ip=198.18.20.102 'detail=short TLS sessions' -- "$tmp/events.jsonl" &&
  ok "five short FTPS sessions with wrong passwords block the third client" ||
  { bad "no block for guesses inside TLS"; grep 198.18.20.102 "$tmp/events.jsonl"; }
ip netns exec $ns_c timeout 10 curl -sS --connect-timeout 3 --interface 198.18.20.102 --ssl-reqd -k \
  --user "$SRV_USER:$SRV_PASSWORD" ftp://198.18.20.5/ >/dev/null 2>&1 &&
  bad "the third client still reaches FTP" || ok "the third client is blocked"
# The guide's "no weak encryption" in SNMPv3: a user with DES privacy gets no answer through the
# gateway (the agent's DES answer is refused, snmp-weak-crypto), from a client that is not blocked.
ip netns exec $ns_c timeout 15 "${SRV_SNMPGET[@]}" --clientaddr=198.18.20.100 -v3 -l authPriv -u pwdes \
  -a SHA -A "$SRV_PASSWORD" -x DES -X "$SRV_PRIVPASS" 198.18.20.5 1.3.6.1.2.1.1.1.0 >"$tmp/snmp.out" 2>&1 &&
  grep -q STRING "$tmp/snmp.out" && bad "SNMPv3 with DES privacy answered through the gateway" ||
  ok "SNMPv3 with DES privacy gets no answer"
sleep 0.5
grep -q '"reason":"snmp-weak-crypto"' "$tmp/events.jsonl" &&
  ok "snmp-weak-crypto event for the DES answer" || { bad "no snmp-weak-crypto event"; tail -3 "$tmp/events.jsonl"; }
snmp 198.18.20.100 "$SRV_PASSWORD" && ok "SHA/AES still answers" || bad "SHA/AES no longer answers"
grep -qF -- "$SRV_PASSWORD" "$tmp/events.jsonl" && bad "a secret is in the event log"
exit $fail
