// Community ID v1: the flow hash that Zeek, Suricata and SIEM pipelines share, so that a
// printwall event joins the NIDS's records of the same connection. "1:" followed by the base64
// of SHA-1 over the seed, both addresses, the protocol and the ports, ordered so that both
// directions of a flow give the same value.
#pragma once

#include <cstdint>
#include <string>

#include "common/ip.h"

namespace pw::dp {

// `sport`/`dport` are the ports for TCP, UDP and SCTP; the type and code for ICMP and ICMPv6
// (a type with a counterpart, echo request and reply say, stands for both directions); ignored
// for other protocols. Empty when the two addresses are of different families.
std::string community_id_v1(const IpAddr& src, const IpAddr& dst, uint8_t proto, uint16_t sport,
                            uint16_t dport, uint16_t seed = 0);

}  // namespace pw::dp
