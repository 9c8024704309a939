// The discovery and name protocols a printer network carries over UDP, read one datagram at a
// time, whole, with the limits of protocols/discovery/README.md: mDNS (RFC 6762, 5353), LLMNR
// (RFC 4795, 5355), NetBIOS name service and datagram service (RFC 1002, 137 and 138), SSDP
// (UPnP Device Architecture 2.0, 1900), WS-Discovery (SOAP over UDP, 3702), SLP v2 (RFC 2608,
// 427) and CUPS browsing (631/udp). Nothing is copied or allocated: the parsers walk the datagram
// once, bounded by its length, and say what it is (its role) or why it is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace pw::proto::discovery {

enum class Protocol : uint8_t { Mdns, Llmnr, NetbiosNs, NetbiosDgm, Ssdp, Wsd, Slp, CupsBrowsing };
const char* to_string(Protocol p);

// What a well-formed datagram does.
enum class Role : uint8_t {
  Query,     // asks (DNS-style question, M-SEARCH, Probe/Resolve, SrvRqst, NetBIOS query)
  Answer,    // answers a query (DNS-style response, 200 OK, ProbeMatches, SrvRply)
  Announce,  // tells unasked (mDNS/NetBIOS announcements, NOTIFY, Hello/Bye, DAAdvert, browse)
  Register,  // changes what the receiver offers or knows (SLP SrvReg/SrvDeReg, NetBIOS
             // registration, release and refresh)
  Data,      // NetBIOS datagram service: a datagram for a name (browser announcements, mailslots)
};
const char* to_string(Role r);

struct Parsed {
  bool ok = false;
  Role role = Role::Query;
  // Malformed: what is wrong ("pointer loop", "label over 63"). Well-formed: the message kind
  // ("SrvReg", "M-SEARCH", "Probe") where the protocol has kinds, else empty.
  std::string_view what;
  bool doctype = false;  // WS-Discovery: an XML document type or entity declaration
};

// Limits (bytes) of a whole datagram, per protocol.
inline constexpr size_t kMaxMdns = 9000;       // RFC 6762 section 17
inline constexpr size_t kMaxLlmnr = 4096;      // ours: LLMNR names are host names
inline constexpr size_t kMaxNetbios = 576;     // RFC 1002 section 4.2 (NS) and 4.4 (DGM)
inline constexpr size_t kMaxSsdp = 4096;       // ours: one datagram of headers
inline constexpr size_t kMaxWsd = 32767;       // SOAP-over-UDP, WS-Discovery 1.1 section 3.1.3
inline constexpr size_t kMaxSlp = 1400;        // RFC 2608 section 6.1: the path MTU unless TCP
inline constexpr size_t kMaxCupsBrowse = 1024; // CUPS's own buffer for a browse packet
// Field limits.
inline constexpr size_t kMaxLabel = 63, kMaxName = 255, kMaxRecords = 256;
inline constexpr size_t kMaxSsdpLine = 1024, kMaxSsdpHeaders = 32;
inline constexpr size_t kMaxWsdField = 1024, kMaxWsdDepth = 32;

Parsed parse(Protocol p, std::span<const uint8_t> d);

}  // namespace pw::proto::discovery
