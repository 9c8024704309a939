// The typed policy: what an effective configuration means, validated. Built at load time
// (exceptions and allocation are fine here); the fast path reads the CompiledPolicy instead.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.h"
#include "policy/config.h"
#include "policy/inspector_config.h"
#include "policy/risks.h"

namespace pw::policy {

enum class Direction : uint8_t { ToPrinters, FromPrinters, Both };
enum class L4 : uint8_t { Tcp, Udp, Icmp, Ethertype };
enum class Action : uint8_t { Allow, Deny, Reject };
enum class MirrorMode : uint8_t { Suspicious, Always, Never };
enum class MirrorOutput : uint8_t { None, Port, Vxlan, Erspan, Pcap };
enum class SyslogTransport : uint8_t { Udp, Tcp, Tls };
// `icmp-type` (the order of its choices): ICMP and ICMPv6 messages by what they are.
enum class IcmpKind : uint8_t { Echo, Unreachable, PacketTooBig, TimeExceeded, ParameterProblem, Other };
// The kind of an ICMP (`v6` false) or ICMPv6 message of type `type`.
inline IcmpKind icmp_kind(bool v6, uint8_t type) {
  if (!v6) {
    switch (type) {
      case 8: return IcmpKind::Echo;  // echo request (the reply belongs to its flow)
      case 3: return IcmpKind::Unreachable;
      case 11: return IcmpKind::TimeExceeded;
      case 12: return IcmpKind::ParameterProblem;
      default: return IcmpKind::Other;
    }
  }
  switch (type) {
    case 128: return IcmpKind::Echo;
    case 1: return IcmpKind::Unreachable;
    case 2: return IcmpKind::PacketTooBig;
    case 3: return IcmpKind::TimeExceeded;
    case 4: return IcmpKind::ParameterProblem;
    default: return IcmpKind::Other;
  }
}

const char* to_string(Direction);
const char* to_string(L4);
const char* to_string(Action);
const char* to_string(Inspect);
const char* to_string(TlsMode);

// A service as configured. Its InspectorConfig part is what the service's inspector reads
// (min_rsa_bits and weak_certificate_deny come from `security tls` when it compiles).
struct Service : InspectorConfig {
  std::string name;
  std::string description;
  Direction direction = Direction::ToPrinters;
  std::vector<L4> protocols;
  std::vector<PortRange> ports;
  std::vector<uint16_t> ethertypes;
  // protocol icmp: which messages open a flow of the service, one bit per IcmpKind (0: any).
  uint8_t icmp_kinds = 0;
  Action action = Action::Allow;
  std::vector<std::string> peer_groups;     // empty: any peer
  std::vector<std::string> printer_groups;  // empty: every printer
  std::optional<PortRange> passive_ports;
  MirrorMode mirror = MirrorMode::Suspicious;
  // `service S risk NAME ACTION`: this service's exceptions to the global risk table, by nDPI
  // risk bit, in statement order.
  std::vector<std::pair<uint8_t, RiskAction>> risk_overrides;
  SourceLoc loc;  // the service's first statement
};

struct Group {
  std::string name;
  std::string description;
  std::vector<Prefix> addresses;
};

struct SyslogHost {
  IpAddr address;
  SyslogTransport transport = SyslogTransport::Udp;
  uint16_t port = 514;
  std::string ca_file;
  std::string server_name;
};

struct Model {
  std::string profile;  // empty: no built-in base
  std::string host_name;
  std::vector<Prefix> printer_networks;
  Action default_action = Action::Deny;  // Deny (drop) or Reject
  bool transit_forward = false;
  bool unknown_ethertype_forward = false;
  std::vector<Group> groups;
  std::vector<Service> services;

  struct {
    TlsVersion min_version = TlsVersion::V1_2;
    bool weak_certificate_deny = true;
    uint32_t min_rsa_bits = 2048;
  } tls;
  RiskMasks risks = RiskMasks::defaults();  // `security risk`: what each nDPI risk does
  JobLanguageRules job_language;  // `job-language`: upper-case PJL names, every list sorted
  IppRules ipp;                   // `ipp`: operations allowed, document formats (lower case, sorted)
  struct {
    uint32_t ports = 20, printers = 5;
    uint64_t window_s = 10;
  } port_scan;
  struct {
    uint32_t count = 5;
    uint64_t window_s = 180;
    bool block = false;         // action block-source
    uint64_t block_s = 900;     // block-time
    uint32_t tls_sessions = 30;  // short TLS sessions per window that count as failures (0: off)
  } failed_auth;
  struct {
    MirrorOutput output = MirrorOutput::None;
    bool all = false;
    uint32_t queue_size = 4096;
    std::optional<IpAddr> remote, source;
    uint32_t vni = 0;
    uint16_t vxlan_port = 4789;
    uint32_t erspan_session = 1;
    std::string pcap_file;
    uint64_t pcap_max_size = 0;
    uint32_t pcap_max_files = 10;
  } mirror;
  struct {
    std::string facility;
    uint32_t queue_size = 8192;
    std::vector<SyslogHost> hosts;
  } syslog;
  struct {
    std::optional<IpAddr> address;  // none: no exporter
    uint16_t port = 9469;
  } metrics;
  // Indexed by role: outside, inside, mirror. Empty device: not configured.
  std::array<std::string, 3> interface_device;
  struct {
    std::string eal_options;
    uint32_t workers = 1, mbufs = 16384, burst = 32, rx_desc = 1024, tx_desc = 1024;
    std::string dispatch;
  } dataplane;
  struct {
    uint64_t max_entries = 1 << 20;
    uint32_t max_per_source = 16384, new_per_source = 2000;  // per lcore
    bool evict_oldest = false;
    uint64_t tcp_syn_s = 10, tcp_inspecting_s = 30, tcp_established_s = 7200, tcp_closing_s = 30,
             udp_s = 60,
             icmp_s = 30, other_s = 60;
  } flows;
  struct {
    uint64_t max_datagrams = 4096, max_fragments = 64, timeout_s = 5, max_size = 65535;
  } reassembly;
  struct {
    uint32_t max_flows = 4096;
    uint32_t max_flows_per_source = 128;
    uint64_t window_bytes = 16 << 10;
  } stream;

  const Group* group(std::string_view name) const;
};

struct ModelResult {
  Model model;
  std::vector<ConfigError> errors;
  std::vector<ConfigError> warnings;
  bool ok() const { return errors.empty(); }
};

inline constexpr size_t kMaxGroups = 63;  // one bit each in a 64-bit mask; bit 63: printers

// Merges the admin configuration with its profile and validates the result: required leaves,
// references to groups, statements that contradict each other, services that claim the same
// port for the same peers.
ModelResult build_model(const Config& admin);

}  // namespace pw::policy
