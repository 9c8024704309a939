#!/bin/bash
# The control socket and the printwall CLI against a real printwalld on net_null vdevs: set,
# compare, commit, history, load merge/replace, rollback, commit confirmed (expiry and
# confirmation, with a 2-second "minute"), roles checked with real Unix users created here in
# each group, the audit log, and malformed requests (garbage, a 2 MiB line, a half-closed peer).
# usage: control_test.sh PATH/TO/printwalld PATH/TO/printwall
set -u
pwd_bin=$1
cli_bin=$2
tag=$(printf '%05d' $(( $$ % 100000 )))
tmp=$(mktemp -d)
chmod 755 "$tmp"  # the test users reach the socket
sock=$tmp/ctl.sock
fail=0
pid=
made_groups=() made_users=()
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "${collector:-}" ] && kill "$collector" 2>/dev/null
  local valid=0
  events_valid "$tmp"/events.jsonl* || valid=1
  for u in "${made_users[@]}"; do userdel "$u" 2>/dev/null; done
  for g in "${made_groups[@]}"; do groupdel "$g" 2>/dev/null; done
  rm -rf "$tmp" "/var/run/dpdk/pwctl$tag"
  [ $valid = 0 ] || { echo "FAIL records of the event log outside docs/events.schema.json"; exit 1; }
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

lab_need control_test "useradd and python3" useradd python3
# A syslog collector on loopback (UDP): the daemon's audit records must arrive as RFC 5424.
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$port" "$tmp/syslog.txt" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(1.0)
end = time.time() + 90
with open(sys.argv[2], "ab", buffering=0) as f:
    while time.time() < end:
        try:
            d, _ = s.recvfrom(65536)
        except socket.timeout:
            continue
        f.write(d + b"\n")
PY
collector=$!
for g in printwall printwall-admin printwall-security; do
  getent group "$g" >/dev/null || { groupadd "$g" && made_groups+=("$g"); }
done
cat >"$tmp/pw.conf" <<CONF
set profile small-office
set syslog host 127.0.0.1 transport udp
set syslog host 127.0.0.1 port $port
set printer-network 198.18.20.0/24
set interface outside device "net_null0,no-rx=1"
set interface inside device "net_null1,no-rx=1"
set dataplane mbufs 2048
set flows max-entries 4096
CONF
# A first start that fails records nothing: not a configuration that does not compile, nor one
# the dataplane cannot run (two workers on one lcore); the corrected file is read next time.
gw() {  # gw CONFIG LOG [printwalld options...]: printwalld on one lcore, in the background
  local conf=$1 log=$2
  shift 2
  "$pwd_bin" -l 0 --no-huge -m 256 --no-pci --file-prefix "pwctl$tag" --log-level='*:error' -- \
    --config "$conf" --events "$tmp/events.jsonl" --socket "$sock" --state-dir "$tmp/state" "$@" \
    >"$log" 2>&1 &
  pid=$!
}
{ cat "$tmp/pw.conf"; echo "set printer-network 198.18.20.0/33"; } >"$tmp/bad.conf"
{ cat "$tmp/pw.conf"; echo "set dataplane workers 2"; } >"$tmp/bad2.conf"
for b in bad bad2; do
  gw "$tmp/$b.conf" "$tmp/$b.log"
  wait $pid; rc=$?; pid=
  if [ $rc != 0 ] && grep -q "nothing was recorded: correct $tmp/$b.conf" "$tmp/$b.log" &&
     ! ls "$tmp/state"/commit-* >/dev/null 2>&1; then
    ok "a first start that fails ($b) records nothing and says what to fix"
  else
    bad "failed first start ($b): exit $rc, commits: $(ls "$tmp/state" 2>/dev/null)"; cat "$tmp/$b.log"
  fi
done
gw "$tmp/pw.conf" "$tmp/gw.log" --confirm-unit-seconds 2
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] && ok "printwalld listens on its control socket" || { bad "no control socket"; cat "$tmp/gw.log"; exit 1; }
[ "$(stat -c '%a %G' "$sock")" = "660 printwall" ] && ok "control socket: mode 0660, group printwall" ||
  bad "control socket mode: $(stat -c '%a %G' "$sock")"

pw() { "$cli_bin" --socket "$sock" "$@"; }
running() { pw show configuration; }

# set, compare, commit, history.
out=$(pw 'configure; set service raw-print description "first change"; show | compare; commit comment "c1"' 2>&1)
[ $? = 0 ] && echo "$out" | grep -q 'set service raw-print description "first change"' &&
  ok "configure, set, show | compare, commit" || { bad "commit"; echo "$out"; }
running | grep -q 'raw-print description "first change"' && ok "the commit is running" || bad "commit not running"
pw show system commit | grep -q 'c1' && ok "show system commit lists the commit" || bad "history"
sleep 0.5
grep -a '^<133>1 [0-9T:.-]*Z [^ ]* printwall [0-9]* audit \[printwall@32473 ' "$tmp/syslog.txt" |
  grep 'event="commit"' | grep -q 'comment="c1"' &&
  ok "the commit's audit record reached syslog (RFC 5424, MSGID audit)" || { bad "syslog audit"; head -3 "$tmp/syslog.txt"; }
pw --json show system | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); sys.exit(0 if d["policy_generation"]==2 else 1)' &&
  ok "--json show system: policy generation 2" || bad "policy generation after commit"

# A configuration error names the line and column and suggests; nothing changes.
out=$(pw 'configure; set servce raw-print port 9100' 2>&1)
[ $? = 1 ] && echo "$out" | grep -q "candidate:1:5: error: unknown keyword 'servce' (did you mean 'service'?)" &&
  ok "bad statement: line, column, suggestion" || { bad "bad statement"; echo "$out"; }

# load merge (the client reads the file) and a bad load replace (candidate untouched).
printf 'set service raw-print description "merged"\n' >"$tmp/merge.conf"
printf 'set profile small-office\nset service raw-print port 99999\n' >"$tmp/bad.conf"
out=$(pw "configure; load merge $tmp/merge.conf; commit comment merged" 2>&1)
running | grep -q 'description merged' && ok "load merge + commit" || { bad "load merge"; echo "$out"; }
out=$(pw "configure; load replace $tmp/bad.conf" 2>&1)
[ $? = 1 ] && echo "$out" | grep -q "bad.conf:2:.*99999" && ok "load replace of a bad file names file:line" ||
  { bad "bad load replace"; echo "$out"; }

# rollback 2 (two commits back: "first change").
out=$(pw 'configure; rollback 1; commit comment back' 2>&1)
running | grep -q 'description "first change"' && ok "rollback 1 + commit restores the previous commit" ||
  { bad "rollback"; echo "$out"; }
pw show system commit | grep -q 'rollback' && ok "the history records the rollback" || bad "rollback kind"

# commit confirmed: expiry (2 s minutes) restores the previous configuration...
pw 'configure; set service raw-print description "unconfirmed"; commit confirmed 1' >/dev/null 2>&1
running | grep -q unconfirmed && ok "commit confirmed is in force" || bad "commit confirmed"
sleep 3.5
running | grep -q 'description "first change"' && ok "unconfirmed commit rolled back after its window" ||
  { bad "confirmed expiry"; running | grep raw-print; }
pw show system commit | grep -q 'confirmed-expiry' && ok "expiry recorded in the history" || bad "expiry kind"
# ... and a plain commit confirms.
pw 'configure; set service raw-print description "confirmed"; commit confirmed 1' >/dev/null 2>&1
pw 'configure; commit' >/dev/null 2>&1
sleep 3.5
running | grep -q 'description confirmed' && ok "a plain commit confirms" || bad "confirmation"

# Roles, with real users in each group (the groups exist since before printwalld started).
mk() { useradd -M -N -s /usr/sbin/nologin ${2:+-G "$2"} "$1" && made_users+=("$1"); }
# (The socket is the printwall group's: every CLI user is in it; admin and security add roles.)
mk "pwop$tag" printwall; mk "pwad$tag" printwall,printwall-admin; mk "pwse$tag" printwall,printwall-security
mk "pwas$tag" printwall,printwall-admin,printwall-security
mk "pwno$tag" ""
as() { local u=$1; shift; runuser -u "$u" -- "$cli_bin" --socket "$sock" "$@" 2>&1; }
out=$(as "pwop$tag" show statistics) && ok "operator: show statistics" || { bad "operator show"; echo "$out"; }
out=$(as "pwop$tag" configure); [ $? = 1 ] && echo "$out" | grep -q "permission denied" &&
  ok "operator: configure refused" || { bad "operator configure"; echo "$out"; }
out=$(as "pwad$tag" 'configure; set service raw-print description admin; commit comment admin')
[ $? = 0 ] && ok "admin: commits a service change" || { bad "admin commit"; echo "$out"; }
out=$(as "pwad$tag" 'configure; set security tls min-version 1.0'); [ $? = 1 ] && echo "$out" | grep -q "permission denied" &&
  ok "admin: weakening TLS refused (security statement)" || { bad "admin security"; echo "$out"; }
out=$(as "pwse$tag" 'configure; set security tls min-version 1.3; commit comment sec')
[ $? = 0 ] && running | grep -q 'security tls min-version 1.3' && ok "security admin: TLS minimum raised" ||
  { bad "security commit"; echo "$out"; }
# An admin cannot switch inspection off by a new service on an inspected port (judged on the
# compiled policy, not on statement names); the security administrator can.
shadow='set service ui-plain direction to-printers; set service ui-plain protocol tcp; set service ui-plain port 443; set service ui-plain peer-group management; set group management address 198.18.40.0/24'
out=$(as "pwad$tag" "configure; $shadow; commit"); [ $? = 1 ] &&
  echo "$out" | grep -q "inspects traffic less" && echo "$out" | grep -q "remote-ui-https (inspect tls" &&
  ! running | grep -q ui-plain && ok "admin: a service shadowing an inspected one is refused" ||
  { bad "admin shadow service"; echo "$out"; }
out=$(as "pwad$tag" 'configure; set service wsd-print inspect none; commit'); [ $? = 1 ] &&
  echo "$out" | grep -q "permission denied" && ok "admin: inspect none refused" || { bad "admin inspect none"; echo "$out"; }
# A confirmed commit that needed the security role is confirmed only by a user who has it.
out=$(as "pwas$tag" "configure; $shadow; commit confirmed 5"); [ $? = 0 ] && running | grep -q ui-plain &&
  ok "admin+security: the same change, as a confirmed commit" || { bad "security confirmed"; echo "$out"; }
out=$(as "pwad$tag" 'configure; commit'); [ $? = 1 ] && echo "$out" | grep -q "awaits confirmation" &&
  ok "admin: cannot confirm the security commit" || { bad "admin confirm"; echo "$out"; }
out=$(as "pwad$tag" 'configure; set service raw-print description x; commit'); [ $? = 1 ] &&
  echo "$out" | grep -q "awaits confirmation" && ok "admin: no other commit confirms it either" ||
  { bad "admin commit while pending"; echo "$out"; }
out=$(as "pwas$tag" 'configure; commit'); [ $? = 0 ] && echo "$out" | grep -q "commit confirmed" &&
  ok "admin+security confirms" || { bad "security confirm"; echo "$out"; }
out=$(as "pwas$tag" 'configure; delete service ui-plain; delete group management address 198.18.40.0/24; commit')
out=$(as "pwno$tag" show system); [ $? != 0 ] && echo "$out" | grep -q "cannot connect.*Permission denied" &&
  ok "no printwall group: the socket itself refuses" || { bad "no role"; echo "$out"; }
audit=$(pw --json show log audit last 200)
for u in "pwop$tag" "pwad$tag"; do
  echo "$audit" | grep -q "\"user\":\"$u\"[^}]*\"event\":\"denied\"\|\"event\":\"denied\"[^}]*\"user\":\"$u\"" ||
    { bad "no denied audit record for $u"; continue; }
done
echo "$audit" | grep -q '"event":"denied"' && ok "denied attempts audited" || bad "audit of denials"
grep -q '"event_type":"audit"' "$tmp/events.jsonl" && ok "audit records in the event log" || bad "audit not in event log"
# One record per change: the read-only calls of this test left none.
if grep '"event_type":"audit"' "$tmp/events.jsonl" | grep '"event":"session-' | grep -qv '"discarded_changes":true'; then
  bad "a session without uncommitted changes was audited"
else
  ok "no audit record for calls that change nothing"
fi

# Malformed requests: answered or dropped, never harmful.
python3 - "$sock" <<'PY' && ok "garbage, 2 MiB line, half-closed peer, unknown command" || bad "malformed requests"
import json, socket, sys
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(5); s.connect(path); return s
def reply(s):
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(65536)
        if not d: break
        buf += d
    return json.loads(buf.split(b"\n")[0]) if buf else None
s = conn(); s.sendall(b"this is not json\n"); assert reply(s)["code"] == 8
s.sendall(b"[1,2]\n"); assert reply(s)["code"] == 8
s.sendall(b'{"id":3,"cmd":"frobnicate"}\n'); r = reply(s); assert r["code"] == 2 and r["id"] == 3
s = conn()
try:
    s.sendall(b"x" * (2 << 20))
except OSError:
    pass
r = reply(s); assert r is None or r["code"] == 8
s = conn(); s.sendall(b'{"id":9,"cmd":"show system"}\n'); s.shutdown(socket.SHUT_WR)
r = reply(s); assert r["code"] == 0 and r["id"] == 9
s = conn(); s.close()  # connect and vanish
s = conn(); s.sendall(b'{"id":1,"cmd":"show system"}\n'); assert reply(s)["code"] == 0
PY

# The interactive shell on a terminal (a pty): tab completion, '?' help, a command, exit.
python3 - "$cli_bin" "$sock" <<'PY' && ok "interactive shell: tab completion (service and group names too), '?', a command" || bad "interactive shell"
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.environ["HOME"] = "/tmp"
    os.execv(sys.argv[1], [sys.argv[1], "--socket", sys.argv[2]])
out = b""
def read(t=1.5):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                return
read()
os.write(fd, b"show sys\t"); read()   # completes "system" (several commands start so: lists them)
os.write(fd, b"\x15show ?"); read()   # Ctrl-U, then the words after "show"
os.write(fd, b"\x15show system\r"); read(3)
# Names the daemon knows: a service of the profile, a group.
os.write(fd, b"configure\r"); read()
mark = len(out)
os.write(fd, b"set service raw-pr\t"); read()
named_service = b"raw-print" in out[mark:]
mark = len(out)
os.write(fd, b"\x15set service raw-print peer-group ?"); read()
named_group = b"print-servers" in out[mark:] or b"management" in out[mark:]
os.write(fd, b"\x15exit\r"); read()
os.write(fd, b"exit\r"); read()
os.waitpid(pid, 0)
text = out.decode(errors="replace")
ok = "printwall>" in text and "statistics" in text and "policy_generation" in text and named_service and named_group
if not ok:
    print(text[-3000:])
sys.exit(0 if ok else 1)
PY

# Junos habits: pipes, run, commit and-quit, compare rollback N; filters refuse what cannot match.
out=$(pw 'show statistics | match frames_in')
[ -n "$out" ] && ! echo "$out" | grep -qv frames_in && ok "| match keeps only the matching lines" || { bad "| match"; echo "$out"; }
out=$(pw 'show configuration | except ^set | count')
echo "$out" | grep -qx 'Count: 0 lines' && ok "| except and | count" || { bad "| except | count"; echo "$out"; }
out=$(pw 'show system | display json') && echo "$out" | python3 -c 'import json,sys; json.loads(sys.stdin.readline())' &&
  ok "| display json" || { bad "| display json"; echo "$out"; }
out=$(pw 'configure; run show system | match policy_generation; set service raw-print description habits; commit and-quit; show system | match policy_generation' 2>&1)
[ $? = 0 ] && [ "$(echo "$out" | grep -c policy_generation)" = 2 ] && running | grep -q 'description habits' &&
  ok "run from configuration mode, commit and-quit" || { bad "run / and-quit"; echo "$out"; }
out=$(pw 'configure; show | compare rollback 1; exit' 2>&1)
echo "$out" | grep -q 'set service raw-print description' && ok "show | compare rollback 1" || { bad "compare rollback"; echo "$out"; }
out=$(pw 'configure; show | compare rollback 99' 2>&1); [ $? != 0 ] && echo "$out" | grep -q "no rollback point 99" &&
  ok "compare with a rollback point that does not exist is an error" || { bad "compare rollback 99"; echo "$out"; }
out=$(pw show flows protocol tpc 2>&1); [ $? != 0 ] && echo "$out" | grep -q "'protocol' takes tcp, udp" &&
  ok "show flows refuses a protocol it cannot match" || { bad "flows filter"; echo "$out"; }
out=$(pw show events reason plaintext-aut 2>&1); [ $? != 0 ] && echo "$out" | grep -q "did you mean 'plaintext-auth'" &&
  ok "show events refuses an unknown reason, with a suggestion" || { bad "events filter"; echo "$out"; }
out=$(pw show events src 198.18.0.300 2>&1); [ $? != 0 ] && echo "$out" | grep -q "'src' takes an IPv4 or IPv6 address" &&
  ok "show events refuses a bad address" || { bad "events address"; echo "$out"; }

# Settings the dataplane reads at its start: one the next start could not run is refused (two
# workers need three lcores, the command line gives one); one it can is recorded for it.
out=$(pw 'configure; set dataplane workers 2; commit' 2>&1)
[ $? != 0 ] && echo "$out" | grep -q "needs 3 lcores" && ! running | grep -q 'dataplane workers' &&
  ok "a commit asking more workers than the next start has lcores is refused" || { bad "workers refusal"; echo "$out"; }
pw configure >/dev/null 2>&1; pw 'configure; rollback 0; exit' >/dev/null 2>&1
out=$(pw 'configure; set flows max-entries 8192; commit' 2>&1)
[ $? = 0 ] && echo "$out" | grep -q "at the next start" && pw --json show system | grep -q '"restart_pending":\["set flows max-entries 8192"\]' &&
  ok "a restart-only change says it waits for the next start; show system lists it" || { bad "restart pending"; echo "$out"; }
# SIGHUP with the file as it was read: nothing is undone.
gen=$(pw --json show system | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["policy_generation"])')
kill -HUP $pid; sleep 1
grep -q "SIGHUP: .* is as commit 1 read it: nothing to do" "$tmp/gw.log" && running | grep -q 'max-entries 8192' &&
  ok "SIGHUP with an unchanged file keeps the commits made since" || { bad "SIGHUP unchanged"; tail -3 "$tmp/gw.log"; }
# ... and with a changed file, load replace + commit, audited.
echo "set service raw-print description from-the-file" >>"$tmp/pw.conf"
kill -HUP $pid; sleep 1
running | grep -q 'description from-the-file' && ! running | grep -q 'max-entries 8192' &&
  pw show system commit | grep -q "re-read $tmp/pw.conf (SIGHUP)" &&
  grep '"event_type":"audit"' "$tmp/events.jsonl" | grep -q "re-read" &&
  ok "SIGHUP with a changed file: load replace and commit, audited" || { bad "SIGHUP changed"; tail -3 "$tmp/gw.log"; }
pw 'configure; set flows max-entries 8192; commit' >/dev/null 2>&1

kill -TERM $pid; wait $pid; rc=$?; pid=
[ $rc = 0 ] && ok "SIGTERM stops cleanly" || bad "exit $rc"
# A restart starts from the last commit, not from the file, with its restart-only settings.
gw "$tmp/pw.conf" "$tmp/gw2.log"
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
running | grep -q 'max-entries 8192' && grep -q "starting from the last commit" "$tmp/gw2.log" &&
  pw --json show system | grep -q '"restart_pending":\[\]' &&
  ok "restart starts from the last commit" || { bad "restart"; cat "$tmp/gw2.log"; }
# A commit the next start cannot run (more mbufs than -m 256 holds): the start falls back to the
# last commit that started, commits it again (audited), and runs.
out=$(pw 'configure; set dataplane mbufs 4000000; commit' 2>&1) || { bad "mbufs commit"; echo "$out"; }
kill -TERM $pid; wait $pid; pid=
rm -f "$sock"
gw "$tmp/pw.conf" "$tmp/gw3.log"
for _ in $(seq 150); do [ -S "$sock" ] && break; sleep 0.1; done
if grep -q "cannot create the mbuf pool" "$tmp/gw3.log" && grep -q "restores the last configuration that started" "$tmp/gw3.log" &&
   ! running | grep -q 'mbufs 4000000' && pw show system commit | grep -q "could not start" &&
   grep '"event_type":"audit"' "$tmp/events.jsonl" | grep -q "could not start"; then
  ok "a start that fails falls back to the last commit that started, recorded and audited"
else
  bad "fallback"; cat "$tmp/gw3.log"; pw show system commit | head -5
fi
exit $fail
