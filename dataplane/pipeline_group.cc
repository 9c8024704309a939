// Group queries and their unicast answers (dataplane/group_queries.h; docs/configuration.md 4.1):
// a client's UDP query to a multicast or broadcast group opens a short window in which a
// printer's answer from the asked port to the client's port is taken as the reply of a unicast
// query to that printer.
#include "dataplane/pipeline.h"

namespace pw::dp {

using policy::CompiledService;
using policy::L4;
using policy::PolicyDir;
using policy::Action;

bool Pipeline::is_group_dst(const PacketView& v) const {
  return v.is_multicast_dst() || (policy_->classify(v.dst) & policy_->link_group_mask());
}

void Pipeline::record_group_query(const PacketView& v) {
  const uint64_t lost = queries_.evictions();
  queries_.record({v.src, v.sport, v.dport, v.vlan_outer, v.vlan_inner}, now_);
  c_.group_queries_lost += queries_.evictions() - lost;
}

bool Pipeline::answers_group_query(const PacketView& v) const {
  const GroupQuery q{v.dst, v.dport, v.sport, v.vlan_outer, v.vlan_inner};
  if (queries_.answers(q, now_)) return true;
  for (size_t i = 0; i < query_peer_count_; ++i)
    if (query_peers_[i]->answers(q, now_)) return true;
  return false;
}

void Pipeline::read_group_queries_of(const Pipeline& other) {
  if (&other == this || query_peer_count_ == query_peers_.size()) return;
  query_peers_[query_peer_count_++] = &other.queries_;
}

// A printer's unicast UDP answer to a client's recent query to a group (the printer is `e.printer`,
// the source): matched as the reply of a unicast query from the client to this printer, on the
// port the printer answers from; the client is the flow's initiator.
Pipeline::Verdict Pipeline::group_answer(PacketView& v, const FlowKey& key, uint32_t hash,
                                         bool src_is_a, const Ends& e, const Frame& f,
                                         PipelineSink& sink) {
  const CompiledService* svc =
      policy_->match(PolicyDir::ToPrinters, L4::Udp, v.sport, e.printer_mask, e.peer_mask);
  if (!svc || svc->action != Action::Allow) return {false, false, Reason::Forwarded};
  if (const Reason r = source_fair(v, v.dst, *svc, false, sink); r != Reason::Forwarded)
    return {false, true, r};
  Flow* fl = open_flow(v, key, hash, !src_is_a, true, *svc, false, v.dst);
  if (!fl) return {false, false, Reason::FlowTableFull};
  ++c_.group_answers;
  return existing_flow(v, *fl, src_is_a, f, sink);
}

}  // namespace pw::dp
