# Shared by the end-to-end scripts (sourced): result lines, namespace interface set-up, and the
# bump-in-the-wire lab of the inline tests.
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
# setup NS IFACE [ADDR4 ADDR6]: lo and IFACE up, every offload off (af_packet on veth needs it),
# optional addresses (IPv6 without duplicate address detection).
setup() {
  ip netns exec "$1" ip link set lo up
  ip netns exec "$1" ip link set "$2" up
  ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1
  if [ $# -ge 4 ]; then
    ip netns exec "$1" ip addr add "$3" dev "$2"
    ip netns exec "$1" ip -6 addr add "$4" dev "$2" nodad
  fi
}

# lab_init DPDK_PREFIX: `tag` (five digits of the PID, in every name the test makes), `tmp` (a
# fresh folder), fail=0, and on EXIT lab_stop, then tmp (kept with PW_KEEP=1) and DPDK's runtime
# folder of --file-prefix DPDK_PREFIX$tag removed.
lab_init() {
  tag=$(printf '%05d' $(( $$ % 100000 )))
  tmp=$(mktemp -d)
  fail=0
  lab_dpdk_dir=/var/run/dpdk/$1$tag
  trap lab_exit EXIT
}
lab_exit() {
  lab_stop
  events_valid "$tmp"/events.jsonl* || { echo "FAIL records of the event log outside docs/events.schema.json"; exit 1; }
  [ -n "${PW_KEEP:-}" ] || rm -rf "$tmp"
  rm -rf "$lab_dpdk_dir"
}
# events_valid FILE...: every record of the event logs FILE... (missing or empty ones skipped)
# matches the published schema (docs/events.schema.json); prints what does not.
events_valid() {
  local files=() f
  for f in "$@"; do [ -s "$f" ] && files+=("$f"); done
  [ ${#files[@]} -gt 0 ] || return 0
  "${PW_SOURCE_ROOT:?}/tools/events-schema" validate "${files[@]}" | tail -n 12
  return "${PIPESTATUS[0]}"
}
# has_event KEY=VALUE... -- FILE...: some record of the event logs has every KEY with VALUE
# (whatever the order of the fields; numbers compared as text).
has_event() {
  local args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  python3 - "${args[@]}" -- "$@" <<'PY'
import json, sys
argv = sys.argv[1:]
cut = argv.index("--")
want = [a.split("=", 1) for a in argv[:cut]]
for path in argv[cut + 1:]:
    try:
        lines = open(path, errors="replace")
    except OSError:
        continue
    for line in lines:
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if isinstance(r, dict) and all(str(r.get(k)) == v for k, v in want):
            sys.exit(0)
sys.exit(1)
PY
}
# lab_need NAME WHAT TOOL...: root and every TOOL, else NAME says it needs root and WHAT, and the
# test is skipped (77).
lab_need() {
  local name=$1 what=$2 t
  shift 2
  [ "$(id -u)" = 0 ] || { echo "$name: needs root and $what (appliance/install-deps)"; exit 77; }
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "$name: needs root and $what (appliance/install-deps)"; exit 77; }
  done
}

# A bump-in-the-wire lab. wire_lab TAG NS_CLIENT NS_PRINTER NS_GATEWAY [NS_NIDS]: the
# namespaces (remembered in lab_ns for lab_stop), a client (cliTAG, 198.18.20.100,
# 2001:db8:20::100) and a printer (prnTAG, 198.18.20.5, 2001:db8:20::5) on one /24, the gateway's
# ends gwoTAG (outside) and gwiTAG (inside) in NS_GATEWAY; with NS_NIDS, nidTAG there and the
# mirror end gwmTAG. Fails (status 1) when a namespace or a link cannot be made.
lab_ns=() pid= pids=()
wire_lab() {
  local tag=$1 c=$2 p=$3 g=$4 n=${5:-} ns ends=(gwo gwi) i
  for ns in "$c" "$p" "$g" $n; do ip netns add "$ns" || return 1; lab_ns+=("$ns"); done
  ip link add "cli$tag" type veth peer name "gwo$tag" || return 1
  ip link add "prn$tag" type veth peer name "gwi$tag" || return 1
  ip link set "cli$tag" netns "$c"
  ip link set "prn$tag" netns "$p"
  if [ -n "$n" ]; then
    ip link add "nid$tag" type veth peer name "gwm$tag" || return 1
    ip link set "nid$tag" netns "$n"
    ends+=(gwm)
    setup "$n" "nid$tag"
  fi
  for i in "${ends[@]}"; do ip link set "$i$tag" netns "$g"; setup "$g" "$i$tag"; done
  setup "$c" "cli$tag" 198.18.20.100/24 2001:db8:20::100/64
  setup "$p" "prn$tag" 198.18.20.5/24 2001:db8:20::5/64
}
# lab_up DPDK_PREFIX NS_PREFIX NAME WHAT TOOL...: the usual start of an inline test with a NIDS:
# lab_init, the namespace names ns_c ns_p ns_g ns_n (NS_PREFIX C/P/G/N and the tag), lab_need
# (skipped without root or a TOOL), and wire_lab (exit 1 when it fails).
lab_up() {
  local dpdk=$1 pre=$2 name=$3 what=$4
  shift 4
  lab_init "$dpdk"
  ns_c=${pre}C$tag ns_p=${pre}P$tag ns_g=${pre}G$tag ns_n=${pre}N$tag
  lab_need "$name" "$what" "$@"
  wire_lab "$tag" "$ns_c" "$ns_p" "$ns_g" "$ns_n" || exit 1
}
# wait_forwarding LOG: until printwalld (pid) writes its "forwarding" line to LOG, exits, or 30 s
# pass (a start under load: EAL, ports, the first policy). Other lines come first (link up).
wait_forwarding() {
  local _
  for _ in $(seq 300); do
    grep -q forwarding "$1" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
# lab_stop: the helpers (pids), the daemon (pid) and the lab's namespaces go.
lab_stop() {
  local p n _
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  # Gone before the next test starts (a dying avahi-daemon would pass for the host's, and its
  # PID file would stop the next test's own): 5 s at most.
  for _ in $(seq 50); do
    n=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && n=1; done
    [ $n = 0 ] && break
    sleep 0.1
  done
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  for n in "${lab_ns[@]}"; do ip netns del "$n" 2>/dev/null; done
}
# lab_conf: $tmp/pw.conf for the small-office profile on the lab's three af_packet ports (the
# mirror to the NIDS on gwm); the test appends its own statements.
lab_conf() {
  cat >"$tmp/pw.conf" <<CONF
set profile small-office
set printer-network 198.18.20.0/28
set interface outside device "net_af_packet0,iface=gwo$tag"
set interface inside device "net_af_packet1,iface=gwi$tag"
set interface mirror device "net_af_packet2,iface=gwm$tag"
set mirror output port
set dataplane mbufs 8192
set flows max-entries 16384
CONF
}
# lab_start PRINTWALLD DPDK_PREFIX: tcpdump on the NIDS end ($tmp/nids.pcap), printwalld in the
# gateway on $tmp/pw.conf (pid; events, control socket and state in $tmp) started in the
# background; lab_forwarding then waits for it.
lab_start() {
  ip netns exec $ns_n tcpdump -i nid$tag -U -w "$tmp/nids.pcap" >/dev/null 2>&1 &
  pids+=($!)
  ip netns exec $ns_g "$1" --no-huge -m 512 --no-pci --file-prefix "$2$tag" --log-level='*:error' \
    -- --config "$tmp/pw.conf" --events "$tmp/events.jsonl" --socket "$tmp/ctl.sock" \
    --state-dir "$tmp/state" >"$tmp/gw.log" 2>&1 &
  pid=$!
}
# lab_forwarding: until printwalld forwards (exit 1 when it does not start), and tcpdump attached.
lab_forwarding() {
  wait_forwarding "$tmp/gw.log"
  grep -q forwarding "$tmp/gw.log" || { bad "printwalld did not start"; cat "$tmp/gw.log"; exit 1; }
  sleep 1
}
# lab_ippeveprinter: CUPS's IPP Everywhere printer (ippeveprinter) on the printer's port 631,
# spooling every document whole into $tmp/spool, with an ipps certificate. It announces itself
# with DNS-SD and will not start without an Avahi daemon: one of our own on a private system
# bus in the printer's namespace (the host's, if it runs one). lab_ippeveprinter_up then waits
# for it (exit 1 when it does not listen).
lab_ippeveprinter() {
  local n
  # (one that is stopping, from the test before, is waited for: it is nobody's to use)
  for _ in $(seq 50); do pgrep -x avahi-daemon >/dev/null || break; sleep 0.1; done
  if ! pgrep -x avahi-daemon >/dev/null; then
    cat >"$tmp/dbus.conf" <<BUS
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
  </policy>
</busconfig>
BUS
    printf '[server]\nuse-ipv6=no\nallow-interfaces=prn%s\n[publish]\npublish-workstation=no\n' "$tag" >"$tmp/avahi.conf"
    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/bus
    ip netns exec $ns_p dbus-daemon --config-file="$tmp/dbus.conf" --fork --print-pid >"$tmp/dbus.pid"
    pids+=("$(cat "$tmp/dbus.pid")")
    ip netns exec $ns_p avahi-daemon -f "$tmp/avahi.conf" --no-drop-root --no-chroot --no-rlimits \
      >"$tmp/avahi.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do grep -q 'Server startup complete' "$tmp/avahi.log" && break; sleep 0.1; done
  fi
  # The ipps certificate: CUPS looks for HOSTNAME.crt and .key in the key path.
  mkdir -p "$tmp/spool" "$tmp/ssl"
  for n in "$(hostname)" "$(hostname).local" "$(hostname -f 2>/dev/null)"; do
    [ -n "$n" ] && openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ssl/$n.key" \
      -out "$tmp/ssl/$n.crt" -days 2 -subj "/CN=$n" >/dev/null 2>&1
  done
  # `-c true`: each job is "printed" at once (the spool keeps it): no job waits for another.
  ip netns exec $ns_p ippeveprinter -p 631 -d "$tmp/spool" -k -K "$tmp/ssl" -c "$(type -P true)" \
    -f application/pdf,application/postscript,image/pwg-raster,application/octet-stream "Gateway Test" \
    >"$tmp/eve.log" 2>&1 &
  pids+=($!)
}
lab_ippeveprinter_up() {
  for _ in $(seq 100); do ip netns exec $ns_p ss -ltn 2>/dev/null | grep -q ':631 ' && return 0; sleep 0.1; done
  bad "ippeveprinter did not start"
  cat "$tmp/eve.log" "$tmp/avahi.log" 2>/dev/null
  exit 1
}
# spooled FILE: a document of ippeveprinter's spool is byte for byte FILE.
spooled() {
  local f
  for f in "$tmp/spool"/*; do [ -f "$f" ] && cmp -s "$f" "$1" && return 0; done
  return 1
}
