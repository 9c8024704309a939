// The immutable policy the fast path reads. Built once per commit by compile(), published by
// pointer (RCU in the dataplane), never edited in place.
//
// Lookups:
//  - addresses: every printer-network and group prefix is flattened into disjoint, sorted
//    intervals, each carrying a 64-bit mask (bit i: group i; bit 63: printer network). One binary
//    search per address answers "is it a printer" and "which groups" at once, whatever the
//    number of prefixes, with no pointers to chase (cheaper than a trie for a few thousand
//    prefixes, and the same code for v4 and v6).
//  - ports: per direction and per tcp/udp, a direct 65,536-entry table of candidate lists;
//    a candidate list holds the services that claim the port, most specific first (with a
//    peer-group before without; then with a printer-group before without; then by name).
//    The first candidate whose group masks match both ends decides.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/ip.h"
#include "policy/policy_model.h"

namespace pw::policy {

using GroupMask = uint64_t;
inline constexpr GroupMask kPrinterBit = GroupMask{1} << 63;

// Disjoint sorted intervals over one address family, each with a mask.
class AddressMap {
 public:
  struct Entry {
    Prefix prefix;
    GroupMask bits;
  };
  void build(const std::vector<Entry>& entries);
  GroupMask lookup(const IpAddr& a) const;
  size_t intervals() const { return v4_start_.size() + v6_start_.size(); }
  // The first address of every interval (where the mask may change), per family.
  std::vector<IpAddr> starts(Family f) const;

 private:
  std::vector<uint32_t> v4_start_;
  std::vector<GroupMask> v4_mask_;
  std::vector<unsigned __int128> v6_start_;
  std::vector<GroupMask> v6_mask_;
};

// A service as the fast path needs it: no strings on the hot path except for reporting. What
// its inspector may read is the InspectorConfig part; the rest decides matching and mirroring.
struct CompiledService : InspectorConfig {
  uint16_t id = 0;
  Action action = Action::Allow;
  Direction direction = Direction::ToPrinters;
  MirrorMode mirror = MirrorMode::Suspicious;
  RiskMasks risks;  // the global risk table with this service's exceptions
  uint8_t icmp_kinds = 0;  // protocol icmp: the IcmpKind bits that open a flow (0: any)
  PortRange passive_ports{};
  GroupMask peer_mask = 0;     // 0: any peer
  GroupMask printer_mask = 0;  // 0: every printer
  // A fingerprint of what an inspection's verdicts depend on (the InspectorConfig part and the
  // FTP passive ports): a flow keeps its inspection across a commit only if it is unchanged.
  uint64_t inspection_key = 0;
  std::string name;
};

enum class PolicyDir : uint8_t { ToPrinters = 0, FromPrinters = 1 };

class CompiledPolicy {
 public:
  // The deciding service for a flow opened in `dir` with destination `port`, or nullptr when
  // none matches (then default_action applies). `printer` and `peer` are the two ends.
  // ICMP: `icmp` is the message's kind (a service with icmp-type matches only its kinds).
  const CompiledService* match(PolicyDir dir, L4 proto, uint16_t port, GroupMask printer,
                               GroupMask peer, IcmpKind icmp = IcmpKind::Other) const;
  const CompiledService* match_ethertype(uint16_t ethertype) const;

  GroupMask classify(const IpAddr& a) const { return addresses_.lookup(a); }
  const AddressMap& addresses() const { return addresses_; }
  // Identifies the candidate list of (dir, proto, port): two ports with the same id are matched
  // alike (0: no candidate).
  uint64_t candidate_list(PolicyDir dir, L4 proto, uint16_t port) const {
    if (proto != L4::Tcp && proto != L4::Udp) return 0;
    const Slot s = port_slots_[static_cast<size_t>(dir) * 2 + (proto == L4::Udp ? 1 : 0)][port];
    return uint64_t{s.offset} << 16 | s.count;
  }
  bool is_printer(const IpAddr& a) const { return classify(a) & kPrinterBit; }

  const Model& model() const { return model_; }
  std::span<const CompiledService> services() const { return services_; }
  Action default_action() const { return model_.default_action; }
  uint64_t generation() const { return generation_; }
  const std::string& group_name(int bit) const { return group_names_[static_cast<size_t>(bit)]; }
  // The `management` group (SNMP SetRequests are allowed from it only), resolved at compile
  // time: 0 when the policy has no such group.
  GroupMask management_mask() const { return management_mask_; }
  // The `link-multicast` group: the link's group addresses. Besides multicast and the limited
  // broadcast, a destination in it (a flat office's subnet broadcast) is a group address for
  // the direction rules (docs/configuration.md 4.1). 0 when the policy has no such group.
  GroupMask link_group_mask() const { return link_group_mask_; }
  // The bit of a group, or -1 when the policy has no such group.
  int group_bit(std::string_view name) const {
    for (size_t i = 0; i < 63; ++i)
      if (group_names_[i] == name) return static_cast<int>(i);
    return -1;
  }

  // Human-readable service table per direction (for `show policy` and check-config --policy).
  std::string describe() const;
  size_t memory_bytes() const;

 private:
  friend std::shared_ptr<const CompiledPolicy> compile(const Model&, uint64_t);
  struct Slot {
    uint32_t offset = 0;  // into candidates_
    uint16_t count = 0;
  };
  bool candidate_matches(const CompiledService& s, GroupMask printer, GroupMask peer) const {
    return (s.peer_mask == 0 || (s.peer_mask & peer)) &&
           (s.printer_mask == 0 || (s.printer_mask & printer));
  }

  Model model_;
  uint64_t generation_ = 0;
  AddressMap addresses_;
  std::vector<CompiledService> services_;
  std::vector<uint16_t> candidates_;                      // service ids
  std::array<std::vector<Slot>, 4> port_slots_;           // [dir*2 + (udp?1:0)] x 65536
  std::array<Slot, 2> icmp_slot_{};                       // per dir
  std::vector<std::pair<uint16_t, uint16_t>> ethertypes_; // sorted (ethertype, service id)
  std::vector<std::string> group_names_;                  // by bit
  GroupMask management_mask_ = 0;
  GroupMask link_group_mask_ = 0;
};

// Compiles a validated model. Throws std::runtime_error on limits the model check cannot see
// (more than 65,535 candidates on one port). Runs off the fast path.
std::shared_ptr<const CompiledPolicy> compile(const Model& model, uint64_t generation);

}  // namespace pw::policy
