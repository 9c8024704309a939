#!/bin/bash
# The installed system, as an administrator gets it from `meson install` and the docs: in a
# private mount namespace (its own copy of /etc, fresh /run, /var/lib, /var/log and /usr/local,
# so that the machine is not touched), `meson install` creates the roles' groups (sysusers.d)
# and the folders with their owners and modes (tmpfiles.d); printwalld runs as the unit runs it
# (the installed binary, the installed configuration, the default socket, state and log paths);
# then an operator, an admin and a security administrator, real users in the documented
# groups, each do exactly their share, and a user in none of them cannot connect.
# Usage: install_roles_test.sh (as root; PW_BUILD_ROOT names the build tree; skips otherwise)
set -uo pipefail
build=${PW_BUILD_ROOT:?}
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! command -v systemd-sysusers >/dev/null ||
   ! command -v useradd >/dev/null; then
  echo "install_roles_test: needs root, unshare, systemd-sysusers and useradd (appliance/install-deps)"
  exit 77
fi
prefix=$(meson introspect "$build" --buildoptions | python3 -c '
import json,sys
print({x["name"]: x["value"] for x in json.load(sys.stdin)}["prefix"])')
[ "$prefix" = /usr/local ] || { echo "install_roles_test: the build's prefix is $prefix, not /usr/local"; exit 77; }
scratch=$(mktemp -d /tmp/pw-roles.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cp -a /etc "$scratch/etc"

# Everything below runs in the namespace; its mounts vanish with it.
unshare --mount --propagation private -- bash -s "$build" "$scratch" <<'INNER'
set -uo pipefail
build=$1 scratch=$2
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
mount --bind "$scratch/etc" /etc
for d in /run /var/lib /var/log /usr/local; do mount -t tmpfs -o mode=0755 tmpfs "$d"; done
mkdir -p /var/lib/dpkg  # (useradd and friends look for nothing else there)

out=$(meson install -C "$build" --no-rebuild --quiet 2>&1) || { echo "$out"; bad "meson install"; exit 1; }
for g in printwall printwall-admin printwall-security; do
  getent group "$g" >/dev/null || bad "group $g not created by the install"
done
[ $fail = 0 ] && ok "meson install created the groups printwall, printwall-admin, printwall-security"
mode() { stat -c '%a %U:%G' "$1" 2>/dev/null; }
conf=/usr/local/etc/printwall/printwall.conf
want=("/run/printwall 750 root:printwall" "/var/lib/printwall 750 root:printwall"
      "/var/log/printwall 750 root:printwall" "$conf 640 root:printwall")
modes_ok=1
for w in "${want[@]}"; do
  set -- $w
  [ "$(mode "$1")" = "$2 $3" ] || { bad "$1: $(mode "$1"), want $2 $3"; modes_ok=0; }
done
[ $modes_ok = 1 ] && ok "folders and configuration: root:printwall, 0750 and 0640"
unit=/usr/local/lib/systemd/system/printwalld.service
grep -q '^Group=printwall$' "$unit" && ok "the unit runs in the group printwall" || bad "unit without Group=printwall"

# The site's settings, as an administrator adds them to the installed file; printwalld started
# as the unit's ExecStart starts it (EAL options from the configuration).
tag=$$
cat >>"$conf" <<CONF
set interface outside device "net_null0,no-rx=1"
set interface inside device "net_null1,no-rx=1"
set dataplane eal-options "--no-huge -m 256 --no-pci -l 0 --file-prefix pwroles$tag --log-level=*:error"
set dataplane mbufs 2048
set flows max-entries 4096
CONF
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
$exec_start >"$scratch/gw.log" 2>&1 &
pid=$!
for _ in $(seq 150); do [ -S /run/printwall/control.sock ] && break; sleep 0.1; done
[ "$(mode /run/printwall/control.sock)" = "660 root:printwall" ] && ok "printwalld as the unit runs it: socket 0660 root:printwall" ||
  { bad "socket: $(mode /run/printwall/control.sock)"; cat "$scratch/gw.log"; }

useradd -M -N -s /usr/sbin/nologin -G printwall pw-operator
useradd -M -N -s /usr/sbin/nologin -G printwall,printwall-admin pw-admin
useradd -M -N -s /usr/sbin/nologin -G printwall,printwall-security pw-security
useradd -M -N -s /usr/sbin/nologin pw-nobody
as() { local u=$1; shift; runuser -u "$u" -- /usr/local/bin/printwall "$@" 2>&1; }

out=$(as pw-operator show statistics) && ok "operator: show statistics" || { bad "operator show"; echo "$out"; }
runuser -u pw-operator -- cat "$conf" >/dev/null 2>&1 && ok "operator: reads the configuration file" || bad "operator cannot read $conf"
runuser -u pw-operator -- sh -c "echo x >> $conf" 2>/dev/null && bad "operator wrote $conf" || ok "operator: cannot write it"
runuser -u pw-operator -- cat /var/log/printwall/events.jsonl >/dev/null 2>&1 && ok "operator: reads the event log" || bad "operator cannot read the event log"
out=$(as pw-operator 'configure'); [ $? != 0 ] && echo "$out" | grep -q "permission denied" &&
  ok "operator: configure refused" || { bad "operator configure"; echo "$out"; }

out=$(as pw-admin 'configure; set service raw-print description by-admin; commit comment admin')
[ $? = 0 ] && ok "admin: commits a service change" || { bad "admin commit"; echo "$out"; }
out=$(as pw-admin 'configure; set security tls min-version 1.3'); [ $? != 0 ] && echo "$out" | grep -q "permission denied" &&
  ok "admin: a security statement refused" || { bad "admin security"; echo "$out"; }

out=$(as pw-security 'configure; set security tls min-version 1.3; commit comment security')
[ $? = 0 ] && ok "security: commits a security statement" || { bad "security commit"; echo "$out"; }
out=$(as pw-security 'configure; set service raw-print description by-security'); [ $? != 0 ] && echo "$out" | grep -q "permission denied" &&
  ok "security: a service change refused" || { bad "security service"; echo "$out"; }

out=$(as pw-nobody show statistics); [ $? != 0 ] && echo "$out" | grep -qi "permission denied" &&
  ok "a user in no printwall group cannot connect" || { bad "nobody connected"; echo "$out"; }
running=$(/usr/local/bin/printwall show configuration)
echo "$running" | grep -q 'description by-admin' && echo "$running" | grep -q 'min-version 1.3' &&
  ! echo "$running" | grep -q 'by-security' && ok "the running configuration has exactly the allowed changes" ||
  bad "running configuration"
/usr/local/bin/printwall show system commit | grep -q 'pw-security' && ok "the history names who committed" || bad "history"
# Rolling back (docs/control.md): undoing the security change is the security administrator's
# share, not the admin's.
out=$(as pw-admin 'configure; rollback 1; commit comment undo')
[ $? != 0 ] && echo "$out" | grep -q "permission denied" && ok "admin: a rollback that would undo a security change is refused" ||
  { bad "admin rollback over a security commit"; echo "$out"; }
out=$(as pw-security 'configure; rollback 1; show | compare; commit comment undo')
[ $? = 0 ] && ! /usr/local/bin/printwall show configuration | grep -q 'min-version 1.3' &&
  ok "security: rollback 1 undoes the security change" || { bad "security rollback"; echo "$out"; }

kill -TERM $pid; wait $pid
rm -rf "/var/run/dpdk/pwroles$tag"
exit $fail
INNER
exit $?
