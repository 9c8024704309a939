// The pipeline's inspect step: a flow's inspection resources taken at its first payload and
// given back (normaliser stream, inspector state, message buffers, per-source quotas; the
// least recently active idle flow evicted when a pool is empty), the inspector's context, and
// each TCP segment of an inspected flow through the normaliser and its inspector (urgent data
// cleared, failed logins fed to the failed-auth detector: pipeline_detect.cc).
#include <algorithm>
#include <cstring>

#include "dataplane/pipeline.h"

namespace pw::dp {

using policy::CompiledService;
using policy::Inspect;

void Pipeline::release_inspection(Flow& fl) {
  if (fl.stream != proto::StreamNormaliser::kNone) {
    streams_.close(fl.stream);
    fl.stream = proto::StreamNormaliser::kNone;
  }
  inspected_.remove(fl);
  if (fl.inspector_state) {
    proto::Context ctx = context(fl, nullptr);
    static_cast<const proto::Inspector*>(fl.inspector)
        ->close(static_cast<proto::FlowState*>(fl.inspector_state), arena_, ctx);
    fl.inspector_state = nullptr;
    const IpAddr client = flow_ends(fl).client;
    per_source_.remove(client);
    for (; fl.buffers_held; --fl.buffers_held) buffers_per_source_.remove(client);
  }
}

bool Pipeline::evict_idle_inspected(PipelineSink& sink) {
  Flow* old = inspected_.front();
  if (!old || now_ - old->last_ns < kEvictIdleNs) return false;
  emit_event(flow_event(*old, EventAction::Drop, Reason::InspectionEvicted), sink);
  c_.reasons.add(Reason::InspectionEvicted);
  release_flow(*old);
  flows_.remove(old);
  return true;
}

Reason Pipeline::open_inspection(Flow& fl, bool tcp, PipelineSink& sink) {
  const IpAddr client = flow_ends(fl).client;
  if (per_source_.count(client) >= lim_.per_source) return Reason::SourceFlowLimit;
  const auto* insp = static_cast<const proto::Inspector*>(fl.inspector);
  if (tcp) {
    fl.stream = streams_.open();
    if (fl.stream == proto::StreamNormaliser::kNone && evict_idle_inspected(sink))
      fl.stream = streams_.open();
    if (fl.stream == proto::StreamNormaliser::kNone) return Reason::StreamPoolFull;
  }
  proto::FlowState* st = insp->open(arena_);
  if (!st && evict_idle_inspected(sink)) st = insp->open(arena_);
  if (!st || !per_source_.add(client)) {
    if (st) {
      proto::Context ctx = context(fl, nullptr);
      insp->close(st, arena_, ctx);
    }
    if (fl.stream != proto::StreamNormaliser::kNone) {
      streams_.close(fl.stream);
      fl.stream = proto::StreamNormaliser::kNone;
    }
    return Reason::InspectorStateFull;
  }
  fl.inspector_state = st;
  if (tcp) {
    // Both directions from their initial sequence numbers (the handshake is complete).
    streams_.start(fl.stream, proto::Dir::ToServer, fl.tcp[0].isn + 1);
    streams_.start(fl.stream, proto::Dir::ToClient, fl.tcp[1].isn + 1);
  }
  inspected_.push_back(fl);
  return Reason::Forwarded;
}

const proto::Inspector* Pipeline::inspector_of(const CompiledService& svc, uint8_t ip_proto,
                                               bool ftp_data, bool to_printers) const {
  if (!inspectors_) return nullptr;
  // An FTP data connection must start with TLS (PROT P) unless the service says otherwise.
  if (ftp_data) return svc.ftp_data_tls ? proto::ftp_data_inspector(!to_printers) : nullptr;
  if (svc.inspect == Inspect::None) return nullptr;
  if (ip_proto != kProtoTcp && ip_proto != kProtoUdp) return nullptr;
  return inspectors_(svc.inspect, ip_proto == kProtoUdp);
}

proto::Context Pipeline::context(const Flow& fl, const CompiledService* svc) {
  proto::Context ctx;
  ctx.now_ns = now_;
  ctx.service = svc;
  ctx.buffers = &buffers_;
  ctx.counters = &c_.reasons;
  const FlowEnds ends = flow_ends(fl);
  ctx.client = ends.client;
  ctx.to_printers = fl.to_printers;
  if (svc && policy_) {
    // The management group (resolved when the policy compiled): SNMP SetRequests only from it.
    const IpAddr& peer = fl.to_printers ? ends.client : ends.server;
    ctx.peer_is_management = policy_->classify(peer) & policy_->management_mask();
  }
  return ctx;
}

bool Pipeline::forward_without_urgent(const PacketView& v, const Frame& f, Side egress,
                                      PipelineSink& sink) {
  if (f.data.size() > rewrite_.size()) return false;
  const size_t tcp = static_cast<size_t>(v.ip.data() - f.data.data()) + v.l4_offset;
  std::memcpy(rewrite_.data(), f.data.data(), f.data.size());
  uint8_t* t = rewrite_.data() + tcp;
  const uint16_t old_flags = load16(t + 12), old_urp = load16(t + 18);
  t[13] = static_cast<uint8_t>(t[13] & ~kUrg);
  store16(t + 18, 0);
  // Incremental checksum update, RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for each changed word.
  uint32_t sum = static_cast<uint16_t>(~load16(t + 16));
  sum += static_cast<uint16_t>(~old_flags) + uint32_t{load16(t + 12)};
  sum += static_cast<uint16_t>(~old_urp);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  store16(t + 16, static_cast<uint16_t>(~sum));
  sink.emit({rewrite_.data(), f.data.size()}, egress, f.ts_ns);
  return true;
}

Pipeline::Verdict Pipeline::inspect_tcp(PacketView& v, Flow& fl, int side, const Frame& f,
                                        PipelineSink& sink, bool* urgent) {
  // A segment the receiver would discard must not be inspected as if it arrived (the classic
  // insertion evasion): checksums are verified for every inspected segment.
  if (!l4_checksum_ok(v)) return {false, true, Reason::BadL4Checksum};
  // Urgent data (RFC 9293 3.8.5): a receiver with default settings takes the urgent byte out
  // of the stream, so it would read other bytes than the inspector did. The gateway forwards
  // such segments without URG and urgent pointer: the byte arrives in line, as inspected. A
  // fragmented segment is not rewritten (its header sits in another frame).
  if ((v.tcp_flags & kUrg) || v.tcp_urgent_pointer()) {
    const bool in_frame = v.ip.data() >= f.data.data() &&
                          v.ip.data() + v.ip.size() <= f.data.data() + f.data.size();
    if (!in_frame) return {false, true, Reason::TcpUrgentFragment};
    *urgent = true;
  }
  const bool payload = v.payload_length > 0;
  // Bytes on a SYN or SYN-ACK (TCP Fast Open) are refused: they are sent again after the
  // handshake, where the normaliser starts.
  if (payload && (v.tcp_flags & kSyn)) return {false, true, Reason::TcpSynData};
  if (fl.stream == proto::StreamNormaliser::kNone) {
    if (!payload) return {true, false, Reason::Forwarded};  // handshake, pure ACKs, bare FIN
    if (fl.inspect_closed) return {false, true, Reason::TcpAfterClose};
    Reason fail = open_inspection(fl, true, sink);
    if (fail != Reason::Forwarded) {
      emit_event(frame_event(v, EventAction::Reject, fail, fl.service, &fl), sink);
      kill_flow(fl, v, side, sink, f);
      return {false, true, fail};
    }
  }
  // A pool buffer may be needed for this segment's message: make room from idle flows first.
  if (payload && buffers_.available() == 0) evict_idle_inspected(sink);
  const proto::Dir dir = side == 0 ? proto::Dir::ToServer : proto::Dir::ToClient;
  const CompiledService& svc = policy_->services()[fl.service];
  const auto* insp = static_cast<const proto::Inspector*>(fl.inspector);
  auto* state = static_cast<proto::FlowState*>(fl.inspector_state);
  proto::Context ctx = context(fl, &svc);
  // One source may hold at most an eighth of the message buffers: beyond, its inspectors get
  // none and fail closed when they need one (slow-handshake floods pin nobody else's).
  const IpAddr client = flow_ends(fl).client;
  // (A flow that holds one already keeps its pool: its inspector is using it.)
  if (fl.buffers_held == 0 && buffers_per_source_.count(client) >= buffer_quota_)
    ctx.buffers = nullptr;
  const size_t buffers_before = buffers_.available();
  std::optional<uint32_t> ack;
  if (v.tcp_flags & kAck) ack = v.ack;
  const uint64_t failed_before = c_.reasons[Reason::AuthFailed];
  auto res = streams_.segment(fl.stream, dir, v.seq, v.payload(), v.tcp_flags & kFin, ack, insp,
                              state, ctx);
  note_auth_failures(failed_before, fl, sink);
  // Buffers taken or given back by this call, on the flow's and its source's account.
  for (size_t now_free = buffers_.available(), k = buffers_before; k > now_free; --k)
    if (buffers_per_source_.add(client)) ++fl.buffers_held;
  for (size_t now_free = buffers_.available(), k = now_free; k > buffers_before && fl.buffers_held;
       --k, --fl.buffers_held)
    buffers_per_source_.remove(client);
  using A = proto::SegmentResult::Action;
  if (res.action == A::Drop) {
    if (res.reason == Reason::TcpOverlapConflict) {
      fl.suspicious = true;
      emit_event(frame_event(v, EventAction::Drop, res.reason, fl.service, &fl), sink);
    }
    return {false, mirror_flow(fl), res.reason};
  }
  if (res.action == A::Kill) {
    fl.suspicious = true;
    Event e = frame_event(v, EventAction::Reject, res.reason, fl.service, &fl);
    e.set_detail(insp->detail(*state));  // the command or operator denied, if the inspector says
    emit_event(e, sink);
    if (refused_credential(res.reason)) auth_failure(fl, sink);
    bool mirror = !fl.mirror_never;
    kill_flow(fl, v, side, sink, f);
    return {false, mirror, res.reason};
  }
  if (res.pass_through) {
    release_inspection(fl);
    fl.pass_through = true;
  } else if (!fl.secured && insp->secured(*state)) {
    // The session is protected (TLS up); the inspector stays only to watch the framing: the
    // flow leaves the list of flows under inspection (no short timeout, never evicted).
    fl.secured = true;
    inspected_.remove(fl);
    // An FTP control connection in TLS: its data connections may open from now on.
    if (svc.inspect == Inspect::Ftp && fl.to_printers && !fl.ftp_data) ftp_session_open(fl);
  }
  return {true, false, Reason::Forwarded};
}

void Pipeline::close_inspection(Flow& fl) {
  // Closed both ways and acknowledged (or reset): the inspection state is given back now, not at
  // the end of the closing timeout; later bytes on the flow are refused (tcp-after-close).
  ftp_session_close(fl);  // the control connection ends: so do its data connections' rights
  if (fl.inspector && !fl.pass_through && !fl.inspect_closed) {
    release_inspection(fl);
    fl.inspect_closed = true;
  }
}

}  // namespace pw::dp
