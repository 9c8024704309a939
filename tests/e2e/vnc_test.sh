#!/bin/bash
# End to end: the small-office profile's VNC remote-support exception (vnc-management) with a
# real VNC server (TigerVNC's Xvnc, VNC Authentication, the MFD panel's DES challenge-response)
# on the printer and a real viewer (vncsnapshot, RFB 3.3 as the guide's panels speak it):
#   - from the management group the session works (a snapshot of the screen), raises no event,
#     and every frame of it reaches the NIDS (mirror always);
#   - from any other host port 5900 is closed (service vnc, deny);
#   - wrong passwords are counted (auth-failed): the fifth in the window is one auth-failures
#     alert (the guide's SIEM rule; the profile's action alert), and the right password still
#     works;
#   - a server that asks for no authentication (security type None) is refused (rfb-weak-auth),
#     even from management;
#   - no password reaches the event log.
# usage: vnc_test.sh PRINTWALLD [PRINTWALL]
set -u
pwd_bin=$1
cli_bin=${2:-$(dirname "$1")/../printwall/printwall}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_up pwv pwv vnc_test "Xvnc, vncpasswd, vncsnapshot and tcpdump (appliance/install-deps lab)" \
  Xvnc vncpasswd vncsnapshot tcpdump python3
password=Vnc-Pw-7
echo "$password" | vncpasswd -f >"$tmp/good.pw"
echo "Wrong-Pw" | vncpasswd -f >"$tmp/bad.pw"

# Xvnc SECURITY-TYPES: the server on the printer's 5900, a fresh display of its own (displayfd);
# no blacklisting of a guessing client (the gateway's count is what is under test).
xvnc_pid=
xvnc() {
  [ -n "$xvnc_pid" ] && { kill "$xvnc_pid" 2>/dev/null; wait "$xvnc_pid" 2>/dev/null; }
  rm -f "$tmp/display"
  ip netns exec $ns_p Xvnc -displayfd 3 -rfbport 5900 -interface 198.18.20.5 -SecurityTypes "$1" \
    -PasswordFile "$tmp/good.pw" -BlacklistThreshold 1000 -geometry 320x200 -depth 24 \
    -nolisten tcp -nolisten local 3>"$tmp/display" >"$tmp/xvnc.log" 2>&1 &
  xvnc_pid=$!
  pids+=($xvnc_pid)
  local _
  for _ in $(seq 100); do
    [ -s "$tmp/display" ] && ip netns exec $ns_p ss -ltn 2>/dev/null | grep -q '198.18.20.5:5900 ' && return 0
    sleep 0.1
  done
  bad "Xvnc did not start"; cat "$tmp/xvnc.log"; exit 1
}
# snap FROM PASSWORD_FILE [SECONDS]: one snapshot of the panel from address FROM; 0 when the image came.
snap() {
  rm -f "$tmp/shot.jpg"
  ip netns exec $ns_c timeout "${3:-15}" vncsnapshot -passwd "$2" -allowblank -encodings raw \
    -quiet 198.18.20.5::5900 "$tmp/shot.jpg" >"$tmp/snap.out" 2>&1 </dev/null &&
    [ -s "$tmp/shot.jpg" ]
}
# vncsnapshot binds no source address: the second client is a second namespace's worth of
# routing, here a source rule on the client's link (the management group is 198.18.20.100 only).
from() {
  ip -n $ns_c route replace 198.18.20.5/32 dev cli$tag src "$1"
}

ip -n $ns_c addr add 198.18.20.101/24 dev cli$tag
lab_conf
cat >>"$tmp/pw.conf" <<CONF
set group management address 198.18.20.100
CONF
lab_start "$pwd_bin" pwv
lab_forwarding
xvnc VncAuth

cli() { "$cli_bin" --socket "$tmp/ctl.sock" "$@"; }
events_of() { grep -c "\"reason\":\"$1\"" "$tmp/events.jsonl" 2>/dev/null; }
reason_count() {  # REASON: the count in `show statistics`
  cli --json show statistics 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); d=d.get('data', d); print(d['reasons'].get('$1', 0))"
}
nids_5900() {  # frames of port 5900 the NIDS received
  tcpdump -nr "$tmp/nids.pcap" 'tcp port 5900' 2>/dev/null | wc -l
}

from 198.18.20.100
if snap 198.18.20.100 "$tmp/good.pw"; then
  ok "management: a VNC session with the right password shows the panel"
else
  bad "management: no VNC session through the gateway"; cat "$tmp/snap.out"
fi
sleep 1
[ -s "$tmp/events.jsonl" ] && { bad "a benign VNC session raised an event"; cat "$tmp/events.jsonl"; } ||
  ok "the VNC session raised no event"
n=$(nids_5900)
[ "$n" -ge 10 ] && ok "every VNC session is mirrored ($n frames at the NIDS)" ||
  bad "the VNC session was not mirrored ($n frames at the NIDS)"

from 198.18.20.101
snap 198.18.20.101 "$tmp/good.pw" 5 && bad "VNC from outside the management group" ||
  ok "VNC from a host outside the management group is refused"

from 198.18.20.100
for i in 1 2 3 4; do
  snap 198.18.20.100 "$tmp/bad.pw" && bad "wrong VNC password $i accepted"
done
sleep 0.5
[ "$(reason_count auth-failed)" = 4 ] && ok "four wrong VNC passwords: four auth-failed" ||
  bad "auth-failed is $(reason_count auth-failed) after four wrong VNC passwords"
[ "$(events_of auth-failures)" = 0 ] && ok "no auth-failures alert before the fifth failure" ||
  bad "an auth-failures alert before the fifth failure"
snap 198.18.20.100 "$tmp/bad.pw"
sleep 0.5
has_event action=alert reason=auth-failures src_ip=198.18.20.100 -- "$tmp/events.jsonl" &&
  ok "the fifth wrong VNC password is an auth-failures alert" ||
  { bad "no auth-failures alert after five wrong VNC passwords"; cat "$tmp/events.jsonl"; }
snap 198.18.20.100 "$tmp/good.pw" && ok "the right password still works (action alert blocks nothing)" ||
  { bad "the right password failed after the alert"; cat "$tmp/snap.out"; }

xvnc None
snap 198.18.20.100 "$tmp/good.pw" && bad "a VNC server without authentication was reachable" ||
  ok "a VNC server without authentication (type None) is refused"
sleep 0.5
[ "$(reason_count rfb-weak-auth)" -ge 1 ] && ok "counted as rfb-weak-auth" ||
  bad "rfb-weak-auth is $(reason_count rfb-weak-auth)"
grep -q '"reason":"rfb-weak-auth"' "$tmp/events.jsonl" && ok "rfb-weak-auth event" ||
  bad "no rfb-weak-auth event"
grep -qF -- "$password" "$tmp/events.jsonl" && bad "a password is in the event log"
exit $fail
