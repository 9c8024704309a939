#!/bin/bash
# IPP through printwalld inline (af_packet), small-office profile with its ipp-print service
# allowed and inspected (`inspect ipp`), real stacks both sides, a NIDS on the mirror port:
#   - ippeveprinter (CUPS's IPP Everywhere printer) is the printer; ipptool drives it with CUPS's
#     standard test files (print-job-and-wait, create-job + send-document, validate-job,
#     get-jobs, get-printer-attributes) with documents made by ghostscript: every test
#     passes and every document arrives in the printer's spool byte for byte; ipps (TLS from the
#     first byte) works too;
#   - ipp-1.1.test, the RFC 8011 conformance suite (less its IPP 0.0 step), passes (but for the
#     printer's busy answers) with four operations allowed beyond the defaults (Print-URI, Send-URI, Hold-Job,
#     Release-Job); `ipptool -E` (HTTP Upgrade to TLS) works;
#   - attacks never reach the printer: Set-Printer-Attributes and CUPS-Add-Modify-Printer sent by
#     ipptool, a job-name with a PPD line in it and Basic credentials in clear sent by curl, a PJL
#     file listing printed as an IPP document; each is an event naming the class and the
#     operation, attribute or command, and the NIDS gets those flows;
#   - a CUPS browse datagram to 631/udp is denied and reported (service cups-browsing).
# usage: ipp_path_test.sh PRINTWALLD [PRINTWALL]
set -u
pwd_bin=$1
. "$(dirname "$0")/lib.sh"
lab_up pwi pwi ipp_path_test "ippeveprinter, ipptool, avahi-daemon, dbus-daemon, ghostscript, curl, python3 and tcpdump" \
  ippeveprinter ipptool avahi-daemon dbus-daemon gs curl python3 tcpdump nc

lab_conf
cat >>"$tmp/pw.conf" <<CONF
set service ipp-print action allow
set service ipp-print inspect ipp
set ipp operation allow Print-URI
set ipp operation allow Send-URI
set ipp operation allow Hold-Job
set ipp operation allow Release-Job
CONF
lab_start "$pwd_bin" pwi

lab_ippeveprinter
lab_forwarding
lab_ippeveprinter_up

uri=ipp://198.18.20.5:631/ipp/print
tests=/usr/share/cups/ipptool
cat >"$tmp/doc.ps" <<'PS'
%!PS-Adobe-3.0
/Times-Roman findfont 18 scalefont setfont
72 720 moveto (IPP path test: file status, run \(draft\)) show
0 1 20 { /i exch def 72 700 i 12 mul sub moveto (line ) show i 10 string cvs show } for
showpage
PS
(cd "$tmp" && gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile=job.pdf doc.ps &&
  gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=ps2write -sOutputFile=job.ps job.pdf) >"$tmp/gs.log" 2>&1 ||
  { bad "ghostscript could not make the jobs"; cat "$tmp/gs.log"; }

# ipptool FILE URI TEST...: runs test files (CUPS's, or ours) against the printer, again while
# the printer answers server-error-busy (ippeveprinter prints one job at a time), within
# ipptool_limit seconds (30) per run.
ipptool_run() {
  local file=$1 target=$2 try
  shift 2
  for try in $(seq 15); do
    ip netns exec $ns_c timeout "${ipptool_limit:-30}" ipptool -T 10 -t -f "$file" "$target" "$@" \
      >"$tmp/ipptool.out" 2>&1 && return 0
    grep -q 'server-error-busy' "$tmp/ipptool.out" || return 1
    sleep 2
  done
  return 1
}
run_ok() {  # WHAT FILE URI TEST...
  local what=$1
  shift
  if ipptool_run "$@"; then ok "ipptool $what passes through the gateway"; else
    bad "ipptool $what failed"; grep -B2 -A4 FAIL "$tmp/ipptool.out" | head -20; fi
}
run_ok "get-printer-attributes" "$tmp/job.pdf" "$uri" "$tests/get-printer-attributes.test"
for doc in job.pdf job.ps; do
  run_ok "validate-job ($doc)" "$tmp/$doc" "$uri" "$tests/validate-job.test"
  run_ok "print-job-and-wait ($doc)" "$tmp/$doc" "$uri" "$tests/print-job-and-wait.test"
  run_ok "create-job + send-document ($doc)" "$tmp/$doc" "$uri" "$tests/create-job.test"
  run_ok "get-jobs" "$tmp/$doc" "$uri" "$tests/get-jobs.test"
done
for _ in $(seq 50); do spooled "$tmp/job.pdf" && spooled "$tmp/job.ps" && break; sleep 0.1; done
spooled "$tmp/job.pdf" && ok "the PDF arrived in the printer's spool byte for byte" || bad "the PDF did not arrive whole"
spooled "$tmp/job.ps" && ok "the PostScript job arrived byte for byte" || bad "the PostScript job did not arrive whole"
run_ok "print-job over ipps (TLS from the first byte)" "$tmp/job.pdf" ipps://198.18.20.5:631/ipp/print "$tests/print-job.test"
if ip netns exec $ns_c timeout 30 ipptool -E -T 10 -t "$uri" "$tests/get-printer-attributes.test" >"$tmp/ipptool.out" 2>&1; then
  ok "ipptool -E: the HTTP Upgrade to TLS passes"; else bad "ipptool -E failed"; tail -3 "$tmp/ipptool.out"; fi

# The conformance suite (RFC 8011), less its step that sends IPP version 0.0 (a malformed message
# the gateway resets, and ipptool then retries until it times out): every step passes, with the
# four operations this configuration allows beyond the defaults.
awk '/^\{/ { block = $0 "\n"; inblock = 1; next }
     inblock { block = block $0 "\n"; if (/^\}/) { if (block !~ /Unsupported IPP version 0.0/) printf "%s", block; inblock = 0 }; next }
     { print }' "$tests/ipp-1.1.test" >"$tmp/ipp-1.1.test"
# A step the printer answers server-error-busy (ippeveprinter still finishing the previous job
# on a loaded machine) crossed the gateway whole: it is the printer's answer, not a failure here;
# the steps that depend on that job are then skipped by ipptool.
ip netns exec $ns_c timeout 150 ipptool -T 10 -t -f "$tmp/job.pdf" "$uri" "$tmp/ipp-1.1.test" >"$tmp/ipptool.out" 2>&1
passed=$(grep -c '\[PASS\]' "$tmp/ipptool.out")
busy=$(awk '/\[(PASS|FAIL|SKIP)\]/ { if (f && b) n++; f = /\[FAIL\]/; b = 0; next }
            /got server-error-busy/ { b = 1 } END { if (f && b) n++; print n + 0 }' "$tmp/ipptool.out")
failed=$(( $(grep -c '\[FAIL\]' "$tmp/ipptool.out") - busy ))
if [ "$failed" = 0 ] && [ "$passed" -ge 20 ]; then
  ok "ipp-1.1.test: $passed steps pass through the gateway ($busy answered busy by the printer)"; else
  bad "ipp-1.1.test: $passed passed, $failed failed ($busy busy)"; grep -B1 -A4 '\[FAIL\]' "$tmp/ipptool.out" | head -30; fi
benign=$(cat "$tmp"/events.jsonl* 2>/dev/null | grep -c '"reason":"ipp-\|"reason":"malformed-ipp\|"reason":"joblang\|"reason":"http-\|"reason":"tls\|"reason":"weak')
[ "${benign:-0}" = 0 ] && ok "no event for the benign sessions" || { bad "$benign events for benign sessions"; grep -v ndpi-risk "$tmp/events.jsonl" | head; }

# Attacks.
cat >"$tmp/set-printer.test" <<'T'
{
  NAME "Set-Printer-Attributes"
  OPERATION Set-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  GROUP printer-attributes-tag
  ATTR text printer-info "owned"
  STATUS successful-ok
}
T
sed 's/Set-Printer-Attributes/CUPS-Add-Modify-Printer/' "$tmp/set-printer.test" >"$tmp/cups-add.test"
# attack FILE TEST REASON DETAIL: ipptool sends TEST with FILE; 0 when the printer answered.
# ipptool reconnects and resends when its connection is reset, so each try is cut after 3 s; a
# try under load may end before its request left (no event yet): up to three tries, until the
# gateway's event for it is in the log.
attack() {
  local try
  for try in 1 2 3; do
    ipptool_limit=3 ipptool_run "$1" "$uri" "$2" && return 0
    cat "$tmp"/events.jsonl* 2>/dev/null | grep -q "\"reason\":\"$3\".*\"detail\":\"$4\"" && return 1
  done
  return 1
}
attack "$tmp/job.pdf" "$tmp/set-printer.test" ipp-operation-denied Set-Printer-Attributes &&
  bad "Set-Printer-Attributes answered" || ok "Set-Printer-Attributes stopped"
attack "$tmp/job.pdf" "$tmp/cups-add.test" ipp-operation-denied CUPS-Add-Modify-Printer &&
  bad "CUPS-Add-Modify-Printer answered" || ok "CUPS-Add-Modify-Printer stopped"
printf '\033%%-12345X@PJL FSDIRLIST NAME="0:\\" ENTRY=1 COUNT=65535\r\n\033%%-12345X' >"$tmp/ls.pjl"
attack "$tmp/ls.pjl" "$tests/print-job.test" joblang-file-access FSDIRLIST &&
  bad "a PJL file listing was printed" || ok "PJL file listing in an IPP document stopped"
grep -rlaq FSDIRLIST "$tmp/spool" 2>/dev/null && bad "FSDIRLIST reached the spool" || ok "FSDIRLIST never reached the printer"
# A job-name with a PPD line in it (CVE-2024-47175 chain), and Basic credentials in clear.
python3 - "$tmp" <<'PY'
import struct, sys
def attr(tag, name, value): return bytes([tag]) + struct.pack('>H', len(name)) + name + struct.pack('>H', len(value)) + value
ops = attr(0x47, b'attributes-charset', b'utf-8') + attr(0x48, b'attributes-natural-language', b'en') + \
      attr(0x45, b'printer-uri', b'ipp://198.18.20.5:631/ipp/print')
head = lambda op: bytes([2, 0]) + struct.pack('>H', op) + b'\0\0\0\1' + b'\x01'
open(sys.argv[1] + '/inject.ipp', 'wb').write(head(0x0004) + ops + attr(0x42, b'job-name', b'x"\n*FoomaticRIPCommandLine: "id"') + b'\x03')
open(sys.argv[1] + '/gpa.ipp', 'wb').write(head(0x000B) + ops + b'\x03')
PY
post() { ip netns exec $ns_c timeout 10 curl -s -m 8 -o "$tmp/curl.out" -w '%{http_code}' -H 'Content-Type: application/ipp' --data-binary @"$1" "${@:2}" http://198.18.20.5:631/ipp/print; }
code=$(post "$tmp/gpa.ipp")
[ "$code" = 200 ] && ok "curl POST of Get-Printer-Attributes answered (HTTP $code)" || bad "curl Get-Printer-Attributes: HTTP $code"
code=$(post "$tmp/inject.ipp")
[ "$code" = 000 ] && ok "job-name with a PPD line stopped" || bad "job-name with a PPD line answered (HTTP $code)"
code=$(post "$tmp/gpa.ipp" -u alice:secret --basic)
[ "$code" = 000 ] && ok "Basic credentials over plain IPP stopped" || bad "Basic credentials over plain IPP answered (HTTP $code)"
# A CUPS browse line announcing a rogue printer (CVE-2024-47176).
echo '3 3 ipp://198.18.20.100:631/printers/evil "loc" "info" "model"' |
  ip netns exec $ns_c timeout 3 nc -u -w 1 198.18.20.5 631 2>/dev/null
sleep 0.5

ev() { cat "$tmp"/events.jsonl* | grep -q "\"reason\":\"$1\".*\"detail\":\"$2\"" && ok "event $1 names $2" ||
  { bad "no event $1 naming $2"; tail -5 "$tmp/events.jsonl"; }; }
ev ipp-operation-denied Set-Printer-Attributes
ev ipp-operation-denied CUPS-Add-Modify-Printer
ev joblang-file-access FSDIRLIST
ev ipp-attribute-injection job-name
ev http-basic-cleartext Basic
has_event reason=service-deny dst_port=631 service=cups-browsing -- "$tmp"/events.jsonl* &&
  ok "CUPS browse datagram denied and reported" || bad "no cups-browsing event"

# The NIDS: the denied IPP flows are there.
nids_flows() {
  tcpdump -nn -r "$tmp/nids.pcap" 'tcp port 631' 2>/dev/null |
    awk '{ split($3, a, "."); if ($5 ~ /631:$/) print a[5] }' | sort -u | wc -l
}
for _ in $(seq 50); do [ "$(nids_flows)" -ge 5 ] && break; sleep 0.1; done
[ "$(nids_flows)" -ge 5 ] && ok "NIDS capture holds the denied IPP flows" || bad "NIDS capture: $(nids_flows) flows on 631"
kill -TERM $pid
wait $pid
pid=
exit $fail
