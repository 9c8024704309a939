// The pipeline's detections about sources: failed authentications (the inspectors' counts and
// the credentials they refused in clear) toward the failed-auth threshold, and the blocks of
// `detection failed-auth action block-source`.
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

void Pipeline::note_auth_failures(uint64_t before, const Flow& fl, const PacketView&,
                                  PipelineSink& sink) {
  for (uint64_t k = before, n = c_.reasons[Reason::AuthFailed]; k < n; ++k) auth_failure(fl, sink);
}

void Pipeline::auth_failure(const Flow& fl, PipelineSink& sink) {
  const IpAddr client = flow_ends(fl).client;
  uint32_t n = 0;
  if (!auth_failures_.record(client, now_, &n)) return;
  const auto& fa = policy_->model().failed_auth;
  // Only a peer is blocked, toward the printers: a printer that fails to log in to the site's
  // servers is reported, never cut off from its own network.
  const bool block = fa.block && fl.to_printers;
  Event e = flow_event(fl, block ? EventAction::Block : EventAction::Alert, Reason::AuthFailures, n);
  e.src_port = e.dst_port = 0;  // about the source, not one connection
  if (block) {
    block_source(client, now_ + fa.block_s * 1'000'000'000ull);
    e.set_detail("block-time " + std::to_string(fa.block_s) + "s");
  }
  emit_event(e, sink);
}

void Pipeline::block_source(const IpAddr& src, uint64_t until_ns) {
  if (!blocked_.block(src, until_ns, now_)) ++c_.blocks_lost;
}

}  // namespace pw::dp
