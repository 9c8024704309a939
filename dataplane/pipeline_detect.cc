// The pipeline's detections about sources: failed authentications (the inspectors' counts and
// the credentials they refused in clear) toward the failed-auth threshold, and the blocks of
// `detection failed-auth action block-source`; the per-source caps on new flows.
#include "dataplane/pipeline.h"

namespace pw::dp {

bool Pipeline::refused_credential(Reason r) {
  switch (r) {
    case Reason::PlaintextAuth:
    case Reason::HttpBasicCleartext:
    case Reason::HttpCleartextCredential:
    case Reason::LdapCleartextBind:
    case Reason::SnmpCommunity:
    case Reason::SmbPlaintextPassword:
      return true;
    default:
      return false;
  }
}

void Pipeline::note_auth_failures(uint64_t before, const Flow& fl, PipelineSink& sink) {
  for (uint64_t k = before, n = c_.reasons[Reason::AuthFailed]; k < n; ++k) auth_failure(fl, sink);
}

void Pipeline::auth_failure(const Flow& fl, PipelineSink& sink) {
  uint32_t n = 0;
  if (auth_failures_.record(flow_ends(fl).client, now_, &n)) failures_reached(fl, n, {}, sink);
}

void Pipeline::failures_reached(const Flow& fl, uint32_t n, std::string_view detail,
                                PipelineSink& sink) {
  const auto& fa = policy_->model().failed_auth;
  // Only a peer is blocked, toward the printers: a printer that fails to log in to the site's
  // servers is reported, never cut off from its own network.
  const bool block = fa.block && fl.to_printers;
  Event e = flow_event(fl, block ? EventAction::Block : EventAction::Alert, Reason::AuthFailures, n);
  e.src_port = e.dst_port = 0;  // about the source, not one connection
  if (!detail.empty()) e.set_detail(detail);
  if (block) {
    block_source(flow_ends(fl).client, now_ + fa.block_s * 1'000'000'000ull);
    if (detail.empty()) e.set_detail("block-time " + std::to_string(fa.block_s) + "s");
  }
  emit_event(e, sink);
}

void Pipeline::session_end(Flow& fl, PipelineSink& sink) {
  if (fl.session_noted || !fl.to_printers || fl.ftp_data) return;
  fl.session_noted = true;
  const uint32_t threshold = policy_->model().failed_auth.tls_sessions;
  if (threshold == 0 || now_ - fl.created_ns >= kShortSession) return;
  // A login service of a printer, reached through TLS: the remote UI and other implicit-TLS
  // services once the handshake was accepted, the STARTTLS protocols once upgraded. (IPP is not
  // a login service: print jobs over ipps are short sessions by nature.)
  const policy::CompiledService& svc = policy_->services()[fl.service];
  using I = policy::Inspect;
  const bool tls_login = (svc.inspect == I::Tls && fl.pass_through) ||
                         ((svc.inspect == I::Ftp || svc.inspect == I::Smtp || svc.inspect == I::Pop3 ||
                           svc.inspect == I::Imap || svc.inspect == I::Ldap || svc.inspect == I::Rfb) &&
                          fl.secured);
  if (!tls_login) return;
  uint32_t n = 0;
  if (short_tls_.record(flow_ends(fl).client, now_, &n)) failures_reached(fl, n, "short TLS sessions", sink);
}

void Pipeline::block_source(const IpAddr& src, uint64_t until_ns) {
  if (!blocked_.block(src, until_ns, now_)) ++c_.blocks_lost;
}

// flows max-per-source and new-per-source (source_counts.h, scan_detector.h).
Reason Pipeline::source_fair(const PacketView& v, const IpAddr& src,
                             const policy::CompiledService& svc, bool rate, PipelineSink& sink) {
  if (flow_share_.count(src) >= max_flows_per_source_) {
    if (share_events_.record(src, now_).first_over)
      emit_event(frame_event(v, EventAction::Drop, Reason::SourceFlowShare, svc.id), sink);
    return Reason::SourceFlowShare;
  }
  if (!rate) return Reason::Forwarded;
  if (const auto r = new_flow_rate_.record(src, now_); r.over) {
    if (r.first_over)
      emit_event(frame_event(v, EventAction::Drop, Reason::SourceFlowRate, svc.id), sink);
    return Reason::SourceFlowRate;
  }
  return Reason::Forwarded;
}

Event Pipeline::frame_only_event(const PacketView& v, EventAction a, Reason r,
                                 uint32_t count) const {
  Event e;
  e.ts_ns = now_;
  e.action = a;
  e.reason = r;
  e.ip_proto = v.is_ip() ? v.ip_proto : 0;
  if (v.is_ip()) {
    e.src = v.src;
    e.dst = v.dst;
    e.src_port = v.sport;
    e.dst_port = v.dport;
  }
  e.vlan = v.vlan_outer;
  e.generation = policy_ ? policy_->generation() : 0;
  e.count = count;
  return e;
}

}  // namespace pw::dp
