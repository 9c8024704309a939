#include "dataplane/pipeline.h"

#include <algorithm>
#include <cstring>

#include "protocols/inspector_registry.h"

namespace pw::dp {

using policy::Action;
using policy::CompiledService;
using policy::Inspect;
using policy::L4;
using policy::PolicyDir;
using policy::GroupMask;

namespace {


Side opposite(Side s) {
  return s == Side::Outside ? Side::Inside : s == Side::Inside ? Side::Outside : Side::Unknown;
}

bool is_icmp_error(const PacketView& v) {
  if (v.ip_proto == kProtoIcmp)
    return v.icmp_type == 3 || v.icmp_type == 4 || v.icmp_type == 5 || v.icmp_type == 11 ||
           v.icmp_type == 12;
  return v.ip_proto == kProtoIcmpv6 && v.icmp_type >= 1 && v.icmp_type <= 4;
}

// Neighbour discovery (RFC 4861) and multicast listener discovery (RFC 2710, 3810) keep the
// bridged IPv6 segment working; they pass like ARP does, but only as the segment's own: ND with
// hop limit 255 (a router would have lowered it: RFC 4861 section 6.1), MLD with hop limit 1.
// Others go through the policy like any ICMPv6 message.
bool is_icmpv6_link(const PacketView& v) {
  if (v.ip_proto != kProtoIcmpv6) return false;
  uint8_t t = v.icmp_type;
  if (t >= 133 && t <= 137) return v.ttl == 255;
  return ((t >= 130 && t <= 132) || t == 143) && v.ttl == 1;
}

// IGMP membership of the segment (RFC 3376 4, RFC 2236 2): TTL 1, to a multicast group (a
// report to the group or 224.0.0.22, a query to 224.0.0.1). It passes like ARP and MLD: a switch
// snooping IGMP on either side must see the printers' and the clients' memberships.
bool is_igmp_link(const PacketView& v) {
  return v.ip_proto == kProtoIgmp && v.ttl == 1 && v.l3 == L3::Ipv4 && (v.dst.v4_host_order() >> 28) == 0xe;
}

L4 l4_of(uint8_t proto) {
  return proto == kProtoTcp ? L4::Tcp : proto == kProtoUdp ? L4::Udp : L4::Icmp;
}

size_t pow2_floor(size_t v) {
  size_t p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}

}  // namespace

PipelineLimits PipelineLimits::from_model(const policy::Model& m, size_t lcores) {
  PipelineLimits l;
  lcores = std::max<size_t>(1, lcores);
  l.flows = std::max<size_t>(1024, m.flows.max_entries / lcores);
  l.table_full = m.flows.evict_oldest ? FlowTable::FullAction::EvictOldest
                                      : FlowTable::FullAction::DropNew;
  constexpr uint64_t kNs = 1'000'000'000ull;
  l.timeouts.tcp_syn_ns = m.flows.tcp_syn_s * kNs;
  l.timeouts.tcp_inspecting_ns = m.flows.tcp_inspecting_s * kNs;
  l.timeouts.tcp_established_ns = m.flows.tcp_established_s * kNs;
  l.timeouts.tcp_closing_ns = m.flows.tcp_closing_s * kNs;
  l.timeouts.udp_ns = m.flows.udp_s * kNs;
  l.timeouts.icmp_ns = m.flows.icmp_s * kNs;
  l.reassembly.max_datagrams = std::max<size_t>(16, m.reassembly.max_datagrams / lcores);
  l.reassembly.max_fragments = m.reassembly.max_fragments;
  l.reassembly.timeout_ns = m.reassembly.timeout_s * kNs;
  l.reassembly.max_size = m.reassembly.max_size;
  l.streams = std::max<size_t>(16, m.stream.max_flows / lcores);
  l.per_source = std::max<size_t>(1, m.stream.max_flows_per_source);
  l.stream_window = std::max<size_t>(1024, pow2_floor(m.stream.window_bytes));
  l.inspector_states = l.streams + l.streams / 2;
  return l;
}

Pipeline::Pipeline(const PipelineLimits& limits, InspectorLookup inspectors)
    : lim_(limits),
      inspectors_(inspectors),
      flows_(limits.flows, limits.timeouts, limits.table_full),
      ftp_sessions_(limits.ftp_sessions),
      reasm_(limits.reassembly),
      streams_(limits.streams, limits.stream_window),
      arena_(limits.inspector_states),
      buffers_(limits.buffers, limits.buffer_size),
      inspected_(flows_),
      per_source_(limits.inspector_states),
      buffers_per_source_(std::max<size_t>(1, limits.buffers)),
      buffer_quota_(std::max<size_t>(1, limits.buffers / 8)),
      scans_(limits.scan_sources, 20, 5, 10'000'000'000ull),
      auth_failures_(limits.scan_sources, 5, 180'000'000'000ull),
      short_tls_(limits.scan_sources, 30, 180'000'000'000ull),
      blocked_(limits.scan_sources),
      flow_share_(limits.flows / 4),
      new_flow_rate_(limits.scan_sources, 2000),
      share_events_(limits.scan_sources, 0),
      dpi_(limits.dpi_flows, limits.shared_dpi_module),
      rewrite_(kMaxRewriteFrame) {}

size_t Pipeline::memory_bytes() const {
  return flows_.capacity() * flows_.bytes_per_entry() + reasm_.memory_bytes() +
         streams_.memory_bytes() + lim_.inspector_states * proto::FlowArena::kBlockSize +
         lim_.buffers * lim_.buffer_size +
         scans_.memory_bytes() + blocked_.memory_bytes() + flow_share_.memory_bytes() +
         new_flow_rate_.memory_bytes() + share_events_.memory_bytes();
}

void Pipeline::set_policy(const policy::CompiledPolicy* p) {
  policy_ = p;
  if (p) {
    const auto& ps = p->model().port_scan;
    scans_.set_thresholds(ps.ports, ps.printers, ps.window_s * 1'000'000'000ull);
    const auto& fa = p->model().failed_auth;
    auth_failures_.set_thresholds(fa.count, fa.window_s * 1'000'000'000ull);
    short_tls_.set_thresholds(fa.tls_sessions, fa.window_s * 1'000'000'000ull);
    new_flow_rate_.set_limit(p->model().flows.new_per_source);
    max_flows_per_source_ = p->model().flows.max_per_source;
  }
}

Event Pipeline::frame_event(const PacketView& v, EventAction a, Reason r, uint16_t service,
                            const Flow* fl, uint32_t count) const {
  // A flow's frame is reported by the flow's initiator and responder, with its direction.
  Event e = fl ? flow_event(*fl, a, r, count) : frame_only_event(v, a, r, count);
  e.service = service;
  e.icmp_type = v.icmp_type;
  e.icmp_code = v.icmp_code;
  e.to_client = fl && v.is_ip() && !(v.src == e.src && v.sport == e.src_port);
  return e;
}

Event Pipeline::flow_event(const Flow& fl, EventAction a, Reason r, uint32_t count) const {
  const auto [client, server] = flow_ends(fl);
  Event e;
  e.ts_ns = now_;
  e.action = a;
  e.reason = r;
  e.ip_proto = fl.key.proto;
  e.src = client;
  e.dst = server;
  e.src_port = fl.initiator_is_a ? fl.key.port_a : fl.key.port_b;
  e.dst_port = fl.initiator_is_a ? fl.key.port_b : fl.key.port_a;
  e.vlan = fl.key.vlan_outer;
  e.service = fl.service;
  e.generation = policy_ ? policy_->generation() : 0;
  e.flow_id = fl.id;
  e.count = count;
  e.app = fl.app;
  return e;
}

void Pipeline::emit_event(const Event& e, PipelineSink& sink) {
  if (sink.event(e))
    ++c_.events;
  else
    ++c_.events_lost;
}

bool Pipeline::mirror_flow(const Flow& fl) const {
  if (fl.mirror_never) return false;
  return fl.suspicious || fl.mirror_all;
}

void Pipeline::process(std::span<const Frame> burst, PipelineSink& sink) {
  // Three passes per chunk so that memory latency overlaps: parse and hash every frame and
  // prefetch its index slot; then prefetch the flow entries the slots point to; then process.
  for (size_t base = 0; base < burst.size(); base += kChunk) {
    const size_t n = std::min(kChunk, burst.size() - base);
    for (size_t i = 0; i < n; ++i) {
      Pre& p = pre_[i];
      p.parsed = parse_frame(burst[base + i].data, p.v);
      p.keyed = p.parsed == Reason::Forwarded && p.v.is_ip() && !p.v.is_fragment;
      if (p.keyed) {
        p.key = flow_key(p.v, &p.src_is_a);
        p.hash = flow_hash(p.key);
        flows_.prefetch_slot(p.hash);
      }
    }
    for (size_t i = 0; i < n; ++i)
      if (pre_[i].keyed) flows_.prefetch_entry(pre_[i].hash);
    for (size_t i = 0; i < n; ++i) process_one(base + i, burst[base + i], pre_[i], sink);
  }
  // Expiry visits a few entries every few bursts: bounded work, amortised over the bursts.
  if ((++bursts_ & 3) == 0) expire(now_, sink);
}

void Pipeline::housekeeping(uint64_t now_ns, PipelineSink& sink) {
  now_ = std::max(now_, now_ns);
  for (size_t i = 0; i < 16; ++i) expire(now_, sink);
}

void Pipeline::expire(uint64_t now, PipelineSink&) {
  c_.flows_expired += flows_.expire(now, lim_.expire_budget, [&](Flow& f) { release_flow(f); });
  // Flows under inspection, least recently active first: their state is what an attacker
  // would pin, so they are reclaimed at their (short) timeout, not when the clock hand passes.
  for (size_t i = 0; i < lim_.expire_budget; ++i) {
    Flow* f = inspected_.front();
    if (!f || !flows_.expired(*f, now)) break;
    release_flow(*f);
    flows_.remove(f);
    ++c_.flows_expired;
  }
  size_t frames = reasm_.expire(now, 16);
  if (frames) {
    c_.dropped += frames;
    c_.reasons.add(Reason::FragTimeout, frames);
  }
}

void Pipeline::ftp_session_open(Flow& fl) {
  const auto [client, printer] = flow_ends(fl);  // FTP control: the client opened it
  const uint16_t port = fl.initiator_is_a ? fl.key.port_b : fl.key.port_a;
  // A full table refuses this session's data connections (fail closed).
  if (ftp_sessions_.open({client, printer, fl.key.vlan_outer, fl.key.vlan_inner}, port))
    fl.ftp_control = true;
}

void Pipeline::ftp_session_close(Flow& fl) {
  if (!fl.ftp_control) return;
  fl.ftp_control = false;
  const auto [client, printer] = flow_ends(fl);
  ftp_sessions_.close({client, printer, fl.key.vlan_outer, fl.key.vlan_inner});
}

Reason Pipeline::classify(Flow& fl, const PacketView& v, const Frame& f, int side,
                        PipelineSink& sink) {
  auto r = dpi_.process(fl.dpi, v.ip, now_ / 1'000'000, ++fl.dpi_packets);
  if (!r.done) return Reason::Forwarded;
  dpi_.close(fl.dpi);
  fl.dpi = NdpiClassifier::kNone;
  fl.app = r.app ? r.app : r.master;
  const CompiledService& svc = policy_->services()[fl.service];
  r.risk = relevant_risks(svc.inspect, r.master, r.app, r.risk);
  // The service's risk table (security risk, service S risk): a denied risk ends the flow; an
  // alerted one marks it suspicious (mirrored, reported); an ignored one does nothing. A risk
  // the table does not know (a newer nDPI) is alerted.
  const uint64_t denied = r.risk & svc.risks.deny;
  const uint64_t alerted = r.risk & (svc.risks.alert | ~kKnownRisks);
  // One event about what nDPI found (with the risks it names, if any); a refusal ends the flow.
  auto report = [&](EventAction action, Reason why, uint64_t risks) {
    Event e = frame_event(v, action, why, fl.service, &fl,
                          risks ? static_cast<uint32_t>(__builtin_popcountll(risks)) : 1);
    e.app = fl.app;
    e.risks = risks;
    emit_event(e, sink);
    if (action != EventAction::Reject) return why;
    if (v.ip_proto == kProtoTcp) {
      kill_flow(fl, v, side, sink, f);
    } else {
      release_flow(fl);
      flows_.remove(&fl);
    }
    return why;
  };
  if (denied) return report(EventAction::Reject, Reason::NdpiRiskDenied, denied);
  if (alerted) {
    fl.suspicious = !fl.mirror_never;
    report(EventAction::Alert, Reason::NdpiRisk, alerted);
  }
  // Only a certain identification refuses a flow; a guess is a name in the events, no more.
  if (fl.ftp_data || !r.certain || protocol_fits(svc.inspect, r.master, r.app))
    return Reason::Forwarded;
  return report(EventAction::Reject, misfit_reason(svc.inspect, r.master, r.app), 0);
}

const char* to_string(FlowState s) {
  switch (s) {
    case FlowState::Free: return "free";
    case FlowState::TcpSynSent: return "syn-sent";
    case FlowState::TcpSynReceived: return "syn-received";
    case FlowState::TcpEstablished: return "established";
    case FlowState::TcpClosing: return "closing";
    case FlowState::Udp: return "udp";
    case FlowState::Icmp: return "icmp";
  }
  return "?";
}

size_t Pipeline::summarize_flows(size_t from, size_t count, std::vector<FlowSummary>& out,
                                 size_t max) const {
  const size_t end = std::min(flows_.capacity(), from + count);
  for (size_t i = from; i < end && out.size() < max; ++i) {
    const Flow& f = flows_.at(i);
    if (!f.live) continue;
    FlowSummary s;
    const FlowEnds ends = flow_ends(f);
    s.client = ends.client;
    s.server = ends.server;
    s.client_port = f.initiator_is_a ? f.key.port_a : f.key.port_b;
    s.server_port = f.initiator_is_a ? f.key.port_b : f.key.port_a;
    s.ip_proto = f.key.proto;
    s.vlan = f.key.vlan_outer;
    s.state = f.state;
    s.service = f.service;
    s.generation = f.generation;
    s.app = f.app;
    s.to_printers = f.to_printers;
    s.pass_through = f.pass_through;
    s.suspicious = f.suspicious;
    s.inspected = f.inspector_state != nullptr;
    for (int k = 0; k < 2; ++k) {
      s.packets[k] = f.packets[k];
      s.bytes[k] = f.bytes[k];
    }
    s.created_ns = f.created_ns;
    s.last_ns = f.last_ns;
    out.push_back(s);
  }
  return out.size() >= max ? flows_.capacity() : end;
}

void Pipeline::clear_flows() {
  for (size_t i = 0; i < flows_.capacity(); ++i) {
    Flow& f = flows_.at(i);
    if (!f.live) continue;
    release_flow(f);
    flows_.remove(&f);
  }
}

void Pipeline::release_flow(Flow& fl) {
  if (fl.source_counted) {
    flow_share_.remove(flow_ends(fl).client);
    fl.source_counted = false;
  }
  if (fl.dpi != NdpiClassifier::kNone) {
    dpi_.close(fl.dpi);
    fl.dpi = NdpiClassifier::kNone;
  }
  ftp_session_close(fl);
  release_inspection(fl);
}

void Pipeline::process_one(size_t index, const Frame& f, Pre& pre, PipelineSink& sink) {
  ++c_.frames_in;
  now_ = std::max(now_, f.ts_ns);
  PacketView& v = pre.v;
  Verdict vd;
  Reason r = pre.parsed;
  if (r != Reason::Forwarded) {
    vd = {false, true, r};  // malformed: dropped, and shown to the NIDS
  } else if (!policy_) {
    vd = {false, false, Reason::NoPolicy};
  } else if (v.is_ip() && v.is_fragment) {
    auto res = reasm_.add(v, now_);
    if (res.status == Reassembler::Status::Held) {
      ++c_.fragments_held;
      return;
    }
    if (res.status == Reassembler::Status::Dropped) {
      c_.dropped += res.dropped_frames;
      c_.reasons.add(res.reason, res.dropped_frames);
      sink.mirror(f.data, f.ts_ns);
      ++c_.mirrored;
      emit_event(
          frame_event(v, EventAction::Drop, res.reason, UINT16_MAX, nullptr, res.dropped_frames),
          sink);
      return;
    }
    PacketView dv = reasm_.datagram();
    Reason lr = parse_l4(dv);
    Verdict dvd = lr == Reason::Forwarded ? decide_ip(dv, f, sink) : Verdict{false, true, lr};
    const size_t n = reasm_.frame_count();
    for (size_t k = 0; k < n; ++k) {
      if (dvd.mirror) {
        sink.mirror(reasm_.frame(k), f.ts_ns);
        ++c_.mirrored;
      }
      if (dvd.forward) sink.emit(reasm_.frame(k), opposite(f.ingress), f.ts_ns);
    }
    if (dvd.forward) {
      c_.forwarded += n;
    } else {
      c_.dropped += n;
    }
    c_.reasons.add(dvd.reason, n);
    return;
  } else if (v.is_ip()) {
    vd = decide_ip(v, f, sink, pre.keyed ? &pre : nullptr);
  } else {
    vd = decide_l2(v, f, sink);
  }
  if (vd.mirror) {
    sink.mirror(f.data, f.ts_ns);
    ++c_.mirrored;
  }
  if (vd.forward && vd.clear_urgent) {
    if (forward_without_urgent(v, f, opposite(f.ingress), sink)) {
      c_.reasons.add(Reason::TcpUrgentCleared);
    } else {
      vd = {false, true, Reason::TcpUrgentFragment};  // too large to rewrite: never as received
    }
  } else if (vd.forward) {
    sink.forward_input(index, opposite(f.ingress));
  }
  if (vd.forward) {
    ++c_.forwarded;
  } else {
    ++c_.dropped;
  }
  c_.reasons.add(vd.reason);
}

Pipeline::Verdict Pipeline::decide_l2(const PacketView& v, const Frame& f, PipelineSink& sink) {
  if (v.l3 == L3::Arp) return {true, policy_->model().mirror.all, Reason::Forwarded};
  if (const CompiledService* s = policy_->match_ethertype(v.ethertype)) {
    if (s->action == Action::Allow)
      return {true, s->mirror == policy::MirrorMode::Always || policy_->model().mirror.all,
              Reason::Forwarded};
    emit_event(frame_event(v, EventAction::Drop, Reason::ServiceDeny, s->id), sink);
    (void)f;
    return {false, true, Reason::ServiceDeny};
  }
  if (policy_->model().unknown_ethertype_forward) return {true, false, Reason::Forwarded};
  return {false, false, Reason::UnknownEthertype};
}

bool Pipeline::wrong_side(const Frame& f, bool src_is_printer) {
  return f.ingress != Side::Unknown && src_is_printer != (f.ingress == Side::Inside);
}

bool Pipeline::resolve_ends(const PacketView& v, Ends& e) const {
  GroupMask sm = policy_->classify(v.src);
  GroupMask dm = policy_->classify(v.dst);
  const bool group = v.is_multicast_dst() || (dm & policy_->link_group_mask());
  if (dm & policy::kPrinterBit) {
    e = {true, dm, sm, &v.dst, &v.src, group};
    return true;
  }
  if (sm & policy::kPrinterBit) {
    e = {false, sm, dm, &v.src, &v.dst, group};
    return true;
  }
  if (group) {
    // Discovery toward the printer VLAN (mDNS, SLP, WSD): any printer may answer, so only
    // services not restricted to a printer group can match.
    e = {true, policy::kPrinterBit, sm, &v.dst, &v.src, true};
    return true;
  }
  return false;
}

const CompiledService* Pipeline::match(const PacketView& v, const Ends& e) const {
  L4 proto = l4_of(v.ip_proto);
  uint16_t port = proto == L4::Icmp ? 0 : v.dport;
  const policy::IcmpKind kind = proto == L4::Icmp ? policy::icmp_kind(v.ip_proto == kProtoIcmpv6, v.icmp_type)
                                                  : policy::IcmpKind::Other;
  return policy_->match(e.to_printers ? PolicyDir::ToPrinters : PolicyDir::FromPrinters, proto,
                        port, e.printer_mask, e.peer_mask, kind);
}

bool Pipeline::icmp_error_for_known_flow(const PacketView& v, uint64_t now) {
  // The quoted datagram after the 8-byte ICMP header: its 5-tuple names the flow.
  auto in = v.ip.subspan(v.payload_offset, v.payload_length);
  PacketView iv;
  iv.vlan_outer = v.vlan_outer;
  iv.vlan_inner = v.vlan_inner;
  size_t l4 = 0;
  if (v.ip_proto == kProtoIcmp) {
    if (in.size() < 20 || (in[0] >> 4) != 4) return false;
    l4 = size_t{in[0] & 0x0fu} * 4;
    iv.ip_proto = in[9];
    iv.src = IpAddr::v4(load32(&in[12]));
    iv.dst = IpAddr::v4(load32(&in[16]));
  } else {
    if (in.size() < 40 || (in[0] >> 4) != 6) return false;
    l4 = 40;
    iv.ip_proto = in[6];
    std::array<uint8_t, 16> a, b;
    std::copy(&in[8], &in[24], a.begin());
    std::copy(&in[24], &in[40], b.begin());
    iv.src = IpAddr::v6(a);
    iv.dst = IpAddr::v6(b);
  }
  if (iv.ip_proto != kProtoTcp && iv.ip_proto != kProtoUdp) return false;
  if (l4 < 20 || in.size() < l4 + 4) return false;
  iv.sport = load16(&in[l4]);
  iv.dport = load16(&in[l4 + 2]);
  bool a_side;
  FlowKey k = flow_key(iv, &a_side);
  Flow* fl = flows_.find(k, flow_hash(k), now, [&](Flow& x) { release_flow(x); });
  return fl != nullptr;
}

Pipeline::Verdict Pipeline::decide_ip(PacketView& v, const Frame& f, PipelineSink& sink,
                                      const Pre* pre) {
  if (v.ip_proto == kProtoIgmp)  // no flow, no service: the segment's own, or nothing
    return is_igmp_link(v) ? Verdict{true, policy_->model().mirror.all, Reason::Forwarded}
                           : Verdict{false, true, Reason::UnsupportedIpProto};
  // Established flows first: one lookup, no address classification.
  bool src_is_a;
  FlowKey key;
  uint32_t hash;
  if (pre) {
    key = pre->key;
    hash = pre->hash;
    src_is_a = pre->src_is_a;
  } else {  // a reassembled datagram
    key = flow_key(v, &src_is_a);
    hash = flow_hash(key);
  }
  Flow* fl = flows_.find(key, hash, now_, [&](Flow& x) {
    release_flow(x);
    ++c_.flows_expired;
  });
  if (fl) return existing_flow(v, *fl, src_is_a, f, sink);
  if (is_icmpv6_link(v)) return {true, policy_->model().mirror.all, Reason::Forwarded};
  Ends e;
  if (!resolve_ends(v, e)) {
    if (policy_->model().transit_forward) return {true, false, Reason::Forwarded};
    return {false, false, Reason::Transit};
  }
  // Printers live behind the inside port: their addresses never come from outside, and from
  // the inside only printers speak to the outside (uRPF for a bump in the wire).
  if (wrong_side(f, !e.to_printers || (e.peer_mask & policy::kPrinterBit))) {
    deny(v, f, Reason::SpoofedSource, false, nullptr, nullptr, sink, false);
    return {false, true, Reason::SpoofedSource};
  }
  if (is_icmp_error(v) && icmp_error_for_known_flow(v, now_))
    return {true, policy_->model().mirror.all, Reason::Forwarded};
  if (!e.to_printers && v.ip_proto == kProtoUdp && !e.group_dst && answers_group_query(v)) {
    // Ends seen from the client that asked: the printer answers, the client is the peer.
    const Ends asked{true, e.printer_mask, e.peer_mask, e.printer, e.peer, false};
    const Verdict a = group_answer(v, key, hash, src_is_a, asked, f, sink);
    if (a.forward || a.reason != Reason::Forwarded) return a;
  }
  return new_flow(v, key, hash, src_is_a, e, f, sink);
}

void Pipeline::deny(const PacketView& v, const Frame& f, Reason r, bool reject,
                    const CompiledService* svc, const Flow* fl, PipelineSink& sink,
                    bool count_scan, std::string_view detail) {
  Event e = frame_event(v, reject ? EventAction::Reject : EventAction::Drop, r,
                        svc ? svc->id : uint16_t{UINT16_MAX}, fl);
  e.set_detail(detail);
  emit_event(e, sink);
  if (reject) {
    size_t n = 0;
    if (v.ip_proto == kProtoTcp) {
      if (!(v.tcp_flags & kRst)) {
        // RFC 793 reset generation: answer an ACK-less segment with ack = seq + length.
        uint32_t len = v.payload_length + ((v.tcp_flags & kSyn) ? 1 : 0) +
                       ((v.tcp_flags & kFin) ? 1 : 0);
        bool has_ack = v.tcp_flags & kAck;
        n = build_tcp_rst(v, true, has_ack ? v.ack : 0, v.seq + len, !has_ack, scratch_);
      }
    } else if (!is_icmp_error(v) && !is_group_dst(v)) {
      n = build_icmp_prohibited(v, scratch_);  // never in answer to an ICMP error (RFC 1122)
    }
    if (n) {
      sink.emit({scratch_.data(), n}, f.ingress, f.ts_ns);
      ++c_.injected;
      ++c_.rejected;
    }
  }
  uint32_t ports = 0;
  if (count_scan && scans_.record(v.src, v.dst, v.dport, now_, &ports)) {
    Event s = frame_event(v, EventAction::Alert, Reason::PortScan, UINT16_MAX, nullptr, ports);
    emit_event(s, sink);
  }
}

Pipeline::Verdict Pipeline::new_flow(PacketView& v, const FlowKey& key, uint32_t hash,
                                     bool src_is_a, const Ends& e, const Frame& f,
                                     PipelineSink& sink) {
  const bool tcp = v.ip_proto == kProtoTcp;
  // A TCP flow starts with a SYN: anything else is a segment of a flow the gateway never
  // allowed (or forgot), and is not let through mid-stream.
  if (tcp && (v.tcp_flags & (kSyn | kAck)) != kSyn)
    return {false, !(v.tcp_flags & kRst), Reason::TcpNoFlow};  // (an orphan RST: not copied)
  // A source blocked after repeated failed logins opens nothing toward the printers (counted
  // and mirrored, one event at the block, not one per attempt).
  if (e.to_printers && blocked_.blocked(v.src, now_)) return {false, true, Reason::SourceBlocked};
  const CompiledService* svc = match(v, e);
  bool ftp_data = false;
  if (tcp && (!svc || svc->action != Action::Allow)) {
    // An FTP data connection of a secured session: passive toward the printer, active from it.
    const CompiledService* data =
        e.to_printers
            ? ftp_sessions_.data_service(*policy_, {v.src, v.dst, v.vlan_outer, v.vlan_inner}, v.dport, false)
            : ftp_sessions_.data_service(*policy_, {v.dst, v.src, v.vlan_outer, v.vlan_inner}, v.dport, true);
    if (data) {
      svc = data;
      ftp_data = true;
    }
  }
  Action act = svc ? svc->action : policy_->default_action();
  if (act != Action::Allow) {
    Reason r = !svc ? Reason::DefaultDeny
               : act == Action::Reject ? Reason::ServiceReject
                                       : Reason::ServiceDeny;
    bool reject = act == Action::Reject;
    deny(v, f, r, reject, svc, nullptr, sink, true);
    return {false, !svc || svc->mirror != policy::MirrorMode::Never, r};
  }
  // One source holds at most its share of the table and opens at most so many flows a second
  // (per lcore): dropped and counted, one event per source and second.
  if (const Reason r = source_fair(v, v.src, *svc, true, sink); r != Reason::Forwarded)
    return {false, true, r};
  Flow* fl = open_flow(v, key, hash, src_is_a, e.to_printers, *svc, ftp_data, v.src);
  if (!fl) return {false, false, Reason::FlowTableFull};
  // A query to a group: the members' unicast answers are expected for a few seconds.
  if (v.ip_proto == kProtoUdp && e.to_printers && e.group_dst) {
    fl->group_query = true;
    record_group_query(v);
  }
  return existing_flow(v, *fl, src_is_a, f, sink);
}

Flow* Pipeline::open_flow(const PacketView& v, const FlowKey& key, uint32_t hash,
                          bool initiator_is_a, bool to_printers, const CompiledService& svc_ref,
                          bool ftp_data, const IpAddr& initiator) {
  const CompiledService* svc = &svc_ref;
  const bool tcp = v.ip_proto == kProtoTcp;
  Flow* fl = flows_.insert(key, hash, now_, [&](Flow& x) { release_flow(x); });
  if (!fl) return nullptr;
  ++c_.flows_created;
  flow_share_.add(initiator);
  fl->source_counted = true;
  fl->initiator_is_a = initiator_is_a;
  fl->to_printers = to_printers;
  fl->service = svc->id;
  fl->ftp_data = ftp_data;
  fl->dpi = dpi_.open();
  if (fl->dpi == NdpiClassifier::kNone) ++c_.unclassified;
  fl->generation = policy_->generation();
  fl->mirror_all = policy_->model().mirror.all || svc->mirror == policy::MirrorMode::Always;
  fl->mirror_never = svc->mirror == policy::MirrorMode::Never;
  fl->inspection_key = svc->inspection_key;
  fl->state = tcp ? FlowState::TcpSynSent
              : v.ip_proto == kProtoUdp ? FlowState::Udp
                                        : FlowState::Icmp;
  // The inspector is chosen now; its state (and a TCP flow's normaliser stream) is taken only at
  // the first payload, after the handshake: a SYN flood costs flow entries, nothing more. A
  // service whose inspector is not built forwards like an uninspected one (counted).
  fl->inspector = inspector_of(*svc, v.ip_proto, ftp_data, to_printers);
  if (!fl->inspector && svc->inspect != Inspect::None && !ftp_data &&
      (tcp || v.ip_proto == kProtoUdp))
    ++c_.uninspected;
  return fl;
}

// Whether the flow's verdict, inspector and inspection settings hold under the policy now in
// force; updates its service and mirror settings when they do.
bool Pipeline::still_allowed(Flow& fl, const CompiledService** deciding) {
  const auto [init, resp] = flow_ends(fl);
  uint16_t port = fl.initiator_is_a ? fl.key.port_b : fl.key.port_a;
  const IpAddr& printer = fl.to_printers ? resp : init;
  const IpAddr& peer = fl.to_printers ? init : resp;
  GroupMask pm = policy_->classify(printer);
  // The printer end must still be in a printer network (multicast discovery flows have none).
  const uint32_t p4 = printer.family == Family::V4 ? printer.v4_host_order() : 0;
  bool mcast = printer.family == Family::V4 ? (p4 >> 28) == 0xe || p4 == 0xffffffffu : printer.bytes[0] == 0xff;
  if (mcast || (pm & policy_->link_group_mask())) pm |= policy::kPrinterBit;
  const CompiledService* svc =
      (pm & policy::kPrinterBit)
          ? policy_->match(fl.to_printers ? PolicyDir::ToPrinters : PolicyDir::FromPrinters,
                           l4_of(fl.key.proto), l4_of(fl.key.proto) == L4::Icmp ? 0 : port, pm,
                           policy_->classify(peer))
          : nullptr;
  if (fl.ftp_data) {
    svc = fl.to_printers
              ? ftp_sessions_.data_service(*policy_, {init, resp, fl.key.vlan_outer, fl.key.vlan_inner}, port, false)
              : ftp_sessions_.data_service(*policy_, {resp, init, fl.key.vlan_outer, fl.key.vlan_inner}, port, true);
  }
  *deciding = svc;
  if (!svc || svc->action != Action::Allow) return false;
  // Re-judged on what the new policy decides for this flow, never on incidental state: the same
  // inspector (or none), and for an inspected flow the same inspection settings.
  const proto::Inspector* want = inspector_of(*svc, fl.key.proto, fl.ftp_data, fl.to_printers);
  if (want != fl.inspector) return false;
  if (want && svc->inspection_key != fl.inspection_key) return false;
  fl.service = svc->id;
  fl.generation = policy_->generation();
  fl.mirror_all = policy_->model().mirror.all || svc->mirror == policy::MirrorMode::Always;
  fl.mirror_never = svc->mirror == policy::MirrorMode::Never;
  return true;
}

Pipeline::Verdict Pipeline::existing_flow(PacketView& v, Flow& fl, bool src_is_a, const Frame& f,
                                          PipelineSink& sink) {
  const int side = fl.side_of(src_is_a);
  if (wrong_side(f, (side == 1) == fl.to_printers)) {  // a frame of this flow forged from the other side
    deny(v, f, Reason::SpoofedSource, false, nullptr, &fl, sink, false);
    return {false, true, Reason::SpoofedSource};
  }
  if (fl.group_query && side == 0) record_group_query(v);  // asked again: a new answer window
  const bool first = fl.packets[0] == 0 && fl.packets[1] == 0;
  bool urgent = false;  // forward without the urgent data mark (inspected TCP)
  if (fl.generation != policy_->generation()) {
    const CompiledService* svc = nullptr;
    if (!still_allowed(fl, &svc)) {
      bool reject = svc && svc->action == Action::Reject;
      deny(v, f, Reason::PolicyChanged, false, svc, &fl, sink, false);
      if (reject && fl.key.proto == kProtoTcp) {
        kill_flow(fl, v, side, sink, f);
      } else {
        release_flow(fl);
        flows_.remove(&fl);
      }
      return {false, true, Reason::PolicyChanged};
    }
  }
  if (v.ip_proto == kProtoTcp) {
    if (!first) {
      Reason r = tcp_check(v, fl, side);
      // A stale RST (a closing stack answers a retransmission with the ACK number it carried)
      // is dropped and counted, not copied: it carries nothing, and benign stacks send them.
      if (r != Reason::Forwarded) return {false, r != Reason::TcpRstOutOfWindow, r};
    }
    if (fl.inspector && !fl.pass_through) {
      Verdict iv = inspect_tcp(v, fl, side, f, sink, &urgent);
      if (!iv.forward) return iv;
    }
    const TcpChange change = tcp_commit(v, fl, side);
    // A control connection that ends opens no more data connections; closed both ways and
    // acknowledged (or reset), a flow gives its inspection state back. The session itself ends
    // at the first FIN or RST either side sends (a lost last ACK must not hide a short session).
    if (change.fin) ftp_session_close(fl);
    if (change.fin || change.closed) session_end(fl, sink);
    if (change.closed) close_inspection(fl);
  } else if (fl.inspector && !fl.pass_through) {
    // Datagram protocols: each datagram is one in-order chunk.
    if (!l4_checksum_ok(v)) return {false, true, Reason::BadL4Checksum};
    const CompiledService& svc = policy_->services()[fl.service];
    if (!fl.inspector_state) {
      Reason fail = open_inspection(fl, false, sink);
      if (fail != Reason::Forwarded) {
        deny(v, f, fail, false, &svc, &fl, sink, false);
        release_flow(fl);
        flows_.remove(&fl);
        return {false, true, fail};
      }
    }
    const auto* insp = static_cast<const proto::Inspector*>(fl.inspector);
    proto::Context ctx = context(fl, &svc);
    const uint64_t failed_before = c_.reasons[Reason::AuthFailed];
    auto dec = insp->on_data(*static_cast<proto::FlowState*>(fl.inspector_state),
                             side == 0 ? proto::Dir::ToServer : proto::Dir::ToClient,
                             std::as_bytes(v.payload()), ctx);
    note_auth_failures(failed_before, fl, sink);
    if (dec.verdict == proto::Verdict::Deny) {
      fl.suspicious = true;
      Reason r = dec.reason == Reason::Forwarded ? Reason::InspectorDeny : dec.reason;
      deny(v, f, r, false, &svc, &fl, sink, false,
           insp->detail(*static_cast<proto::FlowState*>(fl.inspector_state)));
      if (refused_credential(r)) auth_failure(fl, sink);
      return {false, !fl.mirror_never, r};
    }
    if (dec.verdict == proto::Verdict::PassThrough) {
      release_inspection(fl);
      fl.pass_through = true;
    }
  }
  if (fl.dpi != NdpiClassifier::kNone && !fl.pass_through)
    if (const Reason why = classify(fl, v, f, side, sink); why != Reason::Forwarded) return {false, true, why};
  fl.last_ns = now_;
  inspected_.touch(fl);
  ++fl.packets[static_cast<size_t>(side)];
  fl.bytes[static_cast<size_t>(side)] += f.data.size();
  return {true, mirror_flow(fl), Reason::Forwarded, urgent};
}

void Pipeline::kill_flow(Flow& fl, const PacketView& v, int side, PipelineSink& sink,
                         const Frame& f) {
  // A RST to each end, as if from the other, with the sequence number each expects next: the
  // dropped frame never reached the receiver, so the sender's forwarded end is what it has.
  const TcpSide& snd = fl.tcp[static_cast<size_t>(side)];
  const TcpSide& rcv = fl.tcp[static_cast<size_t>(1 - side)];
  if (size_t n = build_tcp_rst(v, true, rcv.end, snd.end, true, scratch_)) {
    sink.emit({scratch_.data(), n}, f.ingress, f.ts_ns);
    ++c_.injected;
  }
  if (size_t n = build_tcp_rst(v, false, snd.end, rcv.end, true, scratch_)) {
    sink.emit({scratch_.data(), n}, opposite(f.ingress), f.ts_ns);
    ++c_.injected;
  }
  ++c_.rejected;
  release_flow(fl);
  flows_.remove(&fl);
}

}  // namespace pw::dp
