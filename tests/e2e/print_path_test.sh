#!/bin/bash
# The print path through printwalld inline (af_packet), small-office profile (raw-print: inspect
# job-language), real stacks both sides, a NIDS on the mirror port:
#   - real jobs made by ghostscript (PostScript ps2write, PCL XL pxlmono with ghostscript's PJL
#     header, PCL 5 ljet4, PDF), each sent to RAW 9100 with netcat, arrive byte for byte;
#   - a PJL file listing (what PRET's `ls` sends), a PostScript file read after a benign page,
#     and a browser-style HTTP POST to 9100 (cross-site printing, sent by curl) never reach the
#     printer: the flow is reset, the event names the class and the command, the NIDS gets
#     the denied flow and no frame of the benign jobs.
# usage: print_path_test.sh PRINTWALLD [PRINTWALL]
set -u
pwd_bin=$1
cli_bin=${2:-$(dirname "$1")/printwall}
. "$(dirname "$0")/lib.sh"
lab_up pwj pwj print_path_test "ghostscript, curl, netcat and tcpdump" gs curl nc tcpdump

lab_conf
lab_start "$pwd_bin" pwj
lab_forwarding

# Real jobs.
cat >"$tmp/doc.ps" <<'PS'
%!PS-Adobe-3.0
/Times-Roman findfont 18 scalefont setfont
72 720 moveto (Print path test: file status, run \(draft\)) show
0 1 20 { /i exch def 72 700 i 12 mul sub moveto (line ) show i 10 string cvs show } for
0.2 0.4 0.6 setrgbcolor 100 100 200 150 rectfill
showpage
PS
(cd "$tmp" && gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile=job.pdf doc.ps &&
  for d in ps2write pxlmono ljet4; do gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=$d -sOutputFile=job.$d job.pdf; done) \
  >"$tmp/gs.log" 2>&1 || { bad "ghostscript could not make the jobs"; cat "$tmp/gs.log"; }

# send FILE OUT: FILE to 9100 with netcat, the printer's netcat writes what arrives to OUT.
send() {
  ip netns exec $ns_p timeout 15 nc -l 198.18.20.5 9100 >"$2" &
  local srv=$!
  for _ in $(seq 30); do ip netns exec $ns_p ss -ltn 2>/dev/null | grep -q ':9100 ' && break; sleep 0.1; done
  ip netns exec $ns_c timeout 10 nc -N -w 5 198.18.20.5 9100 <"$1" >/dev/null 2>&1
  wait $srv 2>/dev/null
}
for j in job.ps2write job.pxlmono job.ljet4 job.pdf; do
  send "$tmp/$j" "$tmp/$j.out"
  if [ -s "$tmp/$j" ] && cmp -s "$tmp/$j" "$tmp/$j.out"; then
    ok "$j ($(stat -c %s "$tmp/$j") bytes) crosses RAW 9100 byte for byte"
  else
    bad "$j differs ($(stat -c %s "$tmp/$j.out" 2>/dev/null) of $(stat -c %s "$tmp/$j" 2>/dev/null) bytes arrived)"
  fi
done
benign_events=$(grep -c '"reason":"joblang\|"reason":"cross-site' "$tmp/events.jsonl" 2>/dev/null)
[ "${benign_events:-0}" = 0 ] && ok "no event for the benign jobs" || bad "$benign_events events for benign jobs"

# Attacks.
printf '\033%%-12345X@PJL FSDIRLIST NAME="0:\\" ENTRY=1 COUNT=65535\r\n\033%%-12345X' >"$tmp/ls.pjl"
send "$tmp/ls.pjl" "$tmp/ls.out"
if grep -aq FSDIRLIST "$tmp/ls.out"; then bad "PJL FSDIRLIST reached the printer"; else
  ok "PJL FSDIRLIST stopped ($(stat -c %s "$tmp/ls.out") bytes reached the printer)"; fi
{ cat "$tmp/job.ps2write"; printf '\n(/etc/passwd) (r) file 64 string readstring pop ==\n'; } >"$tmp/read.ps"
send "$tmp/read.ps" "$tmp/read.out"
if grep -aq '/etc/passwd' "$tmp/read.out" && grep -aq 'readstring pop ==' "$tmp/read.out"; then
  bad "PostScript file read reached the printer"; else ok "PostScript file read after a benign page stopped"; fi
ip netns exec $ns_p timeout 10 nc -l 198.18.20.5 9100 >"$tmp/xsp.out" &
srv=$!
sleep 0.3
printf '\033%%-12345X@PJL FSUPLOAD NAME="0:\\..\\etc\\passwd"\r\n' >"$tmp/xsp.body"
ip netns exec $ns_c timeout 8 curl -s -m 5 --data-binary @"$tmp/xsp.body" http://198.18.20.5:9100/ >/dev/null 2>&1
wait $srv 2>/dev/null
if grep -aq FSUPLOAD "$tmp/xsp.out"; then bad "cross-site printing reached the printer"; else
  ok "cross-site printing (curl POST to 9100) stopped"; fi
sleep 0.5

ev() { grep -c "\"reason\":\"$1\".*\"service\":\"raw-print\"" "$tmp/events.jsonl" 2>/dev/null; }
grep -q '"reason":"joblang-file-access".*"detail":"FSDIRLIST"' "$tmp/events.jsonl" &&
  ok "event joblang-file-access names FSDIRLIST" || { bad "no FSDIRLIST event"; cat "$tmp/events.jsonl"; }
grep -q '"reason":"joblang-file-access".*"detail":"file"' "$tmp/events.jsonl" &&
  ok "event joblang-file-access names the operator file" || bad "no PostScript file event"
[ "$(ev cross-site-printing)" -ge 1 ] && ok "event cross-site-printing" || bad "no cross-site-printing event"

# The NIDS: the three denied flows, not the four benign ones (client ports tell them apart).
nids_flows() {
  tcpdump -nn -r "$tmp/nids.pcap" 'tcp port 9100' 2>/dev/null |
    awk '{ split($3, a, "."); if ($5 ~ /9100:$/) print a[5] }' | sort -u | wc -l
}
for _ in $(seq 50); do [ "$(nids_flows)" -ge 3 ] && break; sleep 0.1; done
denied_flows=$(nids_flows)
[ "$denied_flows" = 3 ] && ok "NIDS capture: the 3 denied flows, no benign one" ||
  bad "NIDS capture: $denied_flows flows on 9100 (want 3)"
kill -TERM $pid
wait $pid
pid=
exit $fail
