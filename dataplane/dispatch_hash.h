// The worker a frame belongs to when the dataplane runs several worker lcores and the NIC cannot
// spread flows symmetrically (software dispatch). Both directions of a flow must meet on one
// lcore, and so must every fragment of a datagram and the FTP data connections of a control
// flow: the hash covers the VLAN tags and the unordered pair of IP addresses, not the ports.
// Pure C++, no DPDK: the dispatcher lcore calls it, the tests check its symmetry.
#pragma once

#include <cstdint>
#include <span>

namespace pw::dp {

// A hash of the frame's VLAN tags and {source, destination} IP addresses, the same for both
// directions; frames that are not IP (ARP, LLDP) or are malformed hash by their VLAN only
// (worker 0 of that VLAN decides them). Reads at most the first headers; never reads past `frame`.
uint32_t symmetric_hash(std::span<const uint8_t> frame);

// The worker among `workers` for a hash (multiply-shift: no modulo bias worth noting).
inline unsigned worker_for(uint32_t hash, unsigned workers) {
  return static_cast<unsigned>((uint64_t{hash} * workers) >> 32);
}

}  // namespace pw::dp
