// Queries sent to a multicast or broadcast group, remembered for a few seconds so that the
// printers' unicast answers find what they answer. Discovery is asked of a group and answered
// by each member to the asker's address and port: WS-Discovery ProbeMatches, SSDP search
// responses, LLMNR, NetBIOS name queries and SNMP sent to the broadcast address, mDNS legacy
// unicast. Such an answer is a new flow from a printer to a client's ephemeral port that no
// from-printers service names; with the query on record it is matched as the reply of a unicast
// query from the client to that printer (docs/configuration.md 4.1).
//
// One table per worker, written by its worker only. The answer may reach another worker (the
// dispatch hashes addresses: the query's pair is client and group, the answer's printer and
// client), so every worker reads every worker's table. Reads take no lock: each slot is a
// seqlock (an odd sequence while it is written; a reader that sees it change skips the slot), and
// a reader that loses the race only misses an answer, which the default policy drops anyway.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/ip.h"

namespace pw::dp {

// What a query and its answers have in common: the client's end and the group's port, on one
// VLAN pair.
struct GroupQuery {
  IpAddr client;
  uint16_t client_port = 0;
  uint16_t group_port = 0;  // the port the group was asked on; the answers come from it
  uint16_t vlan_outer = 0;
  uint16_t vlan_inner = 0;
};

class GroupQueryTable {
 public:
  static constexpr size_t kWays = 4;
  static constexpr uint64_t kAnswerWindowNs = 5'000'000'000ull;  // SSDP's largest MX is 5 s

  // `entries`: rounded up to a power of two, at least kWays.
  explicit GroupQueryTable(size_t entries);

  // A query sent at `now_ns` (again: its window starts over). The writer is the owning worker
  // only. A full bucket gives up its oldest entry (counted in evictions()).
  void record(const GroupQuery& q, uint64_t now_ns);
  // Whether an answer to `q` at `now_ns` falls in the window of a recorded query. Safe from any
  // thread while the owner records.
  bool answers(const GroupQuery& q, uint64_t now_ns) const;

  uint64_t evictions() const { return evictions_; }
  size_t capacity() const { return mask_ + 1; }

 private:
  struct Slot {
    std::atomic<uint32_t> seq{0};
    std::atomic<uint64_t> hi{0}, lo{0};  // the client address
    std::atomic<uint64_t> ports{0};      // client port, group port, VLANs, family
    std::atomic<uint64_t> until{0};      // end of the answer window (0: free)
  };
  static uint64_t ports_word(const GroupQuery& q);
  size_t bucket(const GroupQuery& q) const;

  std::unique_ptr<Slot[]> slots_;
  size_t mask_;
  uint64_t evictions_ = 0;
};

}  // namespace pw::dp
