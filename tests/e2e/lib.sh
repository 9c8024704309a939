# Shared by the end-to-end scripts (sourced): result lines and namespace interface set-up.
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
