#!/bin/bash
# A real print server through printwalld inline (af_packet), small-office profile with IPP
# allowed and inspected: CUPS (a cupsd of our own in the client's namespace) prints with `lp`
#   - to an IPP queue (ipp://198.18.20.5/ipp/print: ippeveprinter behind the gateway, inspect
#     ipp), CUPS's ipp backend doing what it does with a real printer; raw, and as a driverless
#     IPP Everywhere queue (lpadmin -m everywhere queries the printer, cups-filters convert);
#   - to an LPD queue (lpd://198.18.20.5/lp, inspect lpd): the printer's LPD server is CUPS's
#     cups-lpd, one per connection, handing the job to a cupsd on the printer whose raw queue
#     prints to the printer's IPP engine (the same ippeveprinter, locally);
# each benign document arrives byte for byte and raises no event; a PostScript job that reads a
# file of the printer, printed through each queue, never arrives and is named in an event.
# usage: cups_path_test.sh PRINTWALLD [PRINTWALL]
set -u
pwd_bin=$1
. "$(dirname "$0")/lib.sh"
lab_up pwc pwc cups_path_test "CUPS (cupsd, lp, lpadmin, cups-lpd), ippeveprinter, avahi-daemon, dbus-daemon, ghostscript, python3 and tcpdump" \
  cupsd lp lpadmin lpstat ippeveprinter avahi-daemon dbus-daemon gs python3 tcpdump
lpd_server=/usr/lib/cups/daemon/cups-lpd
[ -x $lpd_server ] || { echo "cups_path_test: needs root and cups-lpd (package cups; appliance/install-deps)"; exit 77; }
chmod 755 "$tmp"  # CUPS runs its backends and filters as lp

lab_conf
cat >>"$tmp/pw.conf" <<CONF
set service ipp-print action allow
set service ipp-print inspect ipp
CONF
lab_start "$pwd_bin" pwc
lab_ippeveprinter

# cups_start NS DIR: a cupsd of our own in NS, everything under DIR, its socket DIR/cups.sock,
# no authentication (the test's own namespaces), files allowed as devices.
cups_start() {
  local ns=$1 d=$2
  mkdir -p "$d/etc/ppd" "$d/spool/tmp" "$d/cache" "$d/state" "$d/log"
  cat >"$d/cupsd.conf" <<CONF
LogLevel info
Listen $d/cups.sock
Browsing No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
  cat >"$d/cups-files.conf" <<CONF
ServerRoot $d/etc
RequestRoot $d/spool
TempDir $d/spool/tmp
CacheDir $d/cache
StateDir $d/state
ErrorLog $d/log/error_log
AccessLog $d/log/access_log
PageLog $d/log/page_log
FileDevice Yes
SystemGroup root
User lp
Group lp
CONF
  ip netns exec "$ns" cupsd -f -c "$d/cupsd.conf" -s "$d/cups-files.conf" >"$d/log/cupsd.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$d/cups.sock" ] && return 0; sleep 0.1; done
  bad "cupsd in $ns did not start"
  cat "$d/log/cupsd.out" "$d/log/error_log" 2>/dev/null | tail -20
  exit 1
}
# cups NS DIR CMD...: a CUPS command against the cupsd of DIR.
cups() { local ns=$1 d=$2; shift 2; ip netns exec "$ns" env CUPS_SERVER="$d/cups.sock" timeout 20 "$@"; }

# The printer's LPD side: cups-lpd for each connection to 515, handing the job to a cupsd whose
# raw queue lp prints to the printer's own IPP engine (ippeveprinter, inside the printer).
prn=$tmp/prn-cups
cups_start $ns_p "$prn"
cups $ns_p "$prn" lpadmin -p lp -E -v ipp://127.0.0.1:631/ipp/print -o printer-is-shared=true >"$tmp/lpadmin.log" 2>&1 ||
  { bad "lpadmin on the printer's cupsd failed"; cat "$tmp/lpadmin.log"; }
ip netns exec $ns_p env CUPS_SERVER="$prn/cups.sock" python3 -c '
import os, socket, subprocess, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.20.5", 515))
s.listen(8)
while True:
    c, _ = s.accept()
    subprocess.Popen([sys.argv[1]], stdin=c.fileno(), stdout=c.fileno())
    c.close()
' $lpd_server >"$tmp/lpd.log" 2>&1 &
pids+=($!)

lab_forwarding
lab_ippeveprinter_up

# The print server: one IPP queue and one LPD queue toward the printer, both raw.
srv=$tmp/srv-cups
cups_start $ns_c "$srv"
cups $ns_c "$srv" lpadmin -p ippq -E -v ipp://198.18.20.5:631/ipp/print >"$tmp/lpadmin.log" 2>&1 &&
  cups $ns_c "$srv" lpadmin -p lpdq -E -v lpd://198.18.20.5/lp >>"$tmp/lpadmin.log" 2>&1 ||
  { bad "lpadmin on the print server failed"; cat "$tmp/lpadmin.log"; }

cat >"$tmp/doc.ps" <<'PS'
%!PS-Adobe-3.0
/Times-Roman findfont 18 scalefont setfont
72 720 moveto (CUPS path test: file status, run \(draft\)) show
showpage
PS
(cd "$tmp" && gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile=job.pdf doc.ps &&
  gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=ps2write -sOutputFile=job.ps job.pdf) >"$tmp/gs.log" 2>&1 ||
  { bad "ghostscript could not make the jobs"; cat "$tmp/gs.log"; }

# print QUEUE FILE: lp, then until the queue holds no job that is not completed (30 s).
print() {
  cups $ns_c "$srv" lp -d "$1" "$2" >/dev/null 2>&1 || return 1
  for _ in $(seq 150); do
    [ -z "$(cups $ns_c "$srv" lpstat -W not-completed -o "$1" 2>/dev/null)" ] && return 0
    sleep 0.2
  done
  return 1
}
print ippq "$tmp/job.pdf" && ok "lp to the IPP queue completes" || bad "lp to the IPP queue did not complete"
for _ in $(seq 50); do spooled "$tmp/job.pdf" && break; sleep 0.1; done
spooled "$tmp/job.pdf" && ok "the PDF printed by CUPS arrived byte for byte" ||
  { bad "the PDF printed by CUPS did not arrive whole"; tail -n 5 "$srv/log/error_log"; }
print lpdq "$tmp/job.ps" && ok "lp to the LPD queue completes" || bad "lp to the LPD queue did not complete"
for _ in $(seq 100); do spooled "$tmp/job.ps" && break; sleep 0.1; done
spooled "$tmp/job.ps" && ok "the PostScript job sent by CUPS over LPD arrived byte for byte" ||
  { bad "the LPD job did not arrive whole"; tail -n 5 "$srv/log/error_log" "$prn/log/error_log" "$tmp/lpd.log"; }
# A driverless queue (IPP Everywhere): lpadmin asks the printer for its attributes through the
# gateway and CUPS's filters convert the document to what the printer takes.
if cups $ns_c "$srv" lpadmin -p eveq -E -v ipp://198.18.20.5:631/ipp/print -m everywhere >"$tmp/lpadmin.log" 2>&1; then
  before=$(ls "$tmp/spool" | wc -l)
  print eveq "$tmp/job.pdf" && [ "$(ls "$tmp/spool" | wc -l)" -gt "$before" ] &&
    ok "lp to an IPP Everywhere queue completes: a filtered document reached the printer" ||
    { bad "lp to the IPP Everywhere queue did not complete"; tail -n 5 "$srv/log/error_log"; }
else
  bad "lpadmin -m everywhere failed through the gateway"; cat "$tmp/lpadmin.log"
fi
benign=$(grep -vc '"reason":"ndpi-risk"' "$tmp/events.jsonl" 2>/dev/null)
[ "${benign:-0}" = 0 ] && ok "no event for CUPS's benign jobs" || { bad "$benign events for benign jobs"; cat "$tmp/events.jsonl"; }

# A job that reads the printer's files, through each queue.
{ cat "$tmp/job.ps"; printf '\n(/etc/passwd) (r) file 64 string readstring pop ==\n'; } >"$tmp/read.ps"
cups $ns_c "$srv" lp -d lpdq "$tmp/read.ps" >/dev/null 2>&1
cups $ns_c "$srv" lp -d ippq "$tmp/read.ps" >/dev/null 2>&1
for _ in $(seq 100); do [ "$(grep -c '"detail":"file"' "$tmp/events.jsonl" 2>/dev/null)" -ge 2 ] && break; sleep 0.1; done
grep -q '"reason":"joblang-file-access".*"service":"lpd-print".*"detail":"file"' "$tmp/events.jsonl" &&
  ok "the file-reading job sent over LPD is stopped and named" || bad "no joblang-file-access event on lpd-print"
grep -q '"reason":"joblang-file-access".*"service":"ipp-print".*"detail":"file"' "$tmp/events.jsonl" &&
  ok "the file-reading job sent over IPP is stopped and named" || bad "no joblang-file-access event on ipp-print"
if grep -rlaq 'readstring pop ==' "$tmp/spool" 2>/dev/null; then bad "the file-reading job reached the printer"; else
  ok "the file-reading job never reached the printer"; fi
kill -TERM $pid
wait $pid
pid=
exit $fail
