#include "protocols/rfb/rfb_inspector.h"

#include <algorithm>
#include <cstring>
#include <iterator>


namespace pw::proto::rfb {
namespace {

using Step = RfbFlow::Step;

constexpr Judgement kMalformed{Verdict::Deny, Reason::MalformedRfb};
constexpr Judgement kWeak{Verdict::Deny, Reason::RfbWeakAuth};

// Who sends each step, and how many bytes it collects (0: skip `left` bytes unread).
struct StepInfo {
  Dir from;
  uint8_t size;
};
constexpr Dir S = Dir::ToClient;  // the server speaks
constexpr Dir C = Dir::ToServer;  // the client speaks
constexpr StepInfo kSteps[] = {
    {S, kVersionSize},  // ServerVersion
    {C, kVersionSize},  // ClientVersion
    {S, 4},             // Type33
    {S, 1},             // TypeCount
    {S, 1},             // TypeList
    {C, 1},             // Choice
    {S, 4},             // ReasonLength
    {S, 0},             // Reason
    {S, 0},             // VncChallenge
    {C, 0},             // VncResponse
    {S, 4},             // SecurityResult
    {S, 2},             // VeVersion
    {C, 2},             // VeClientVersion
    {S, 1},             // VeAck
    {S, 1},             // VeCount
    {S, 4},             // VeList
    {C, 4},             // VeChoice
};
static_assert(std::size(kSteps) == static_cast<size_t>(Step::Tls));

void go(RfbFlow& f, Step s, uint32_t left = 0) {
  f.step = s;
  f.have = 0;
  f.left = left;
}

void clear_offered(RfbFlow& f) { std::memset(f.offered, 0, sizeof f.offered); }
void mark_offered(RfbFlow& f, uint32_t t) {
  if (t < RfbFlow::kTrackedTypes) f.offered[t / 8] |= static_cast<uint8_t>(1u << (t % 8));
}
bool was_offered(const RfbFlow& f, uint32_t t) {
  return t < RfbFlow::kTrackedTypes && (f.offered[t / 8] & (1u << (t % 8)));
}

// VNC Authentication is a weak credential exchange (the DES response to a known challenge is
// brute-forced offline); it goes on only where the service explicitly allows plaintext-grade
// authentication (`plaintext-auth allow`).
bool vnc_auth_allowed(const Context& ctx) { return ctx.service && ctx.service->plaintext_auth; }

// The security type that will be used is known: the server's choice (3.3) or the client's.
Judgement use_type(RfbFlow& f, uint32_t type, bool from_server_33, const Context& ctx) {
  switch (classify_type(type)) {
    case Kind::VncAuth:
      if (!vnc_auth_allowed(ctx)) return kWeak;
      go(f, Step::VncChallenge, kVncChallengeSize);
      return kGo;
    case Kind::Tls:
      if (from_server_33) return kWeak;  // 3.3 defines only 0, 1, 2: unverifiable
      tls::start(f.tls);
      f.tls_started = true;
      go(f, Step::Tls);
      return kGo;
    case Kind::VeNCrypt:
      if (from_server_33) return kWeak;
      go(f, Step::VeVersion);
      return kGo;
    case Kind::Invalid:
      return kMalformed;
    default:  // None, and every type we cannot verify (Tight, RA2, Apple DH, ...): fail closed
      return kWeak;
  }
}

Judgement on_message(RfbFlow& f, Context& ctx) {
  const uint8_t* b = f.buf;
  switch (f.step) {
    case Step::ServerVersion: {
      const uint8_t v = parse_version(std::span<const uint8_t, kVersionSize>(b, kVersionSize));
      if (v == 0) return kMalformed;
      f.server_minor = v;
      go(f, Step::ClientVersion);
      return kGo;
    }
    case Step::ClientVersion: {
      // RFC 6143 7.1.1: the client answers with a version no higher than the server's, and
      // the handshake follows the client's.
      const uint8_t v = parse_version(std::span<const uint8_t, kVersionSize>(b, kVersionSize));
      if (v == 0 || v > f.server_minor) return kMalformed;
      f.minor = v;
      go(f, v == 3 ? Step::Type33 : Step::TypeCount);
      return kGo;
    }
    case Step::Type33: {  // 7.1.2, 3.3: the server decides; 0 = failure, a reason follows
      const uint32_t t = be32(b);
      if (t == sec::kInvalid) {
        go(f, Step::ReasonLength);
        return kGo;
      }
      return use_type(f, t, true, ctx);
    }
    case Step::TypeCount:  // 7.1.2, 3.7+: zero types = failure, a reason follows
      if (b[0] == 0) {
        go(f, Step::ReasonLength);
      } else {
        clear_offered(f);
        go(f, Step::TypeList, b[0]);
      }
      return kGo;
    case Step::TypeList:
      if (b[0] == sec::kInvalid) return kMalformed;
      mark_offered(f, b[0]);
      if (--f.left == 0) go(f, Step::Choice);
      f.have = 0;
      return kGo;
    case Step::Choice:
      if (!was_offered(f, b[0])) return kMalformed;  // the server would close anyway
      return use_type(f, b[0], false, ctx);
    case Step::ReasonLength: {
      const uint32_t len = be32(b);
      if (len > kMaxReasonLength) return kMalformed;
      go(f, len ? Step::Reason : Step::Closed, len);
      return kGo;
    }
    case Step::SecurityResult:  // 7.1.3: 0 OK, anything else failed
      if (be32(b) == 0) return kPass;
      ctx.count(Reason::AuthFailed);
      go(f, f.minor == 8 ? Step::ReasonLength : Step::Closed);  // 3.8 adds a reason
      return kGo;
    case Step::VeVersion:  // the server's highest VeNCrypt version: we parse 0.2 only
      if (b[0] != 0 || b[1] < 2) return kMalformed;
      go(f, Step::VeClientVersion);
      return kGo;
    case Step::VeClientVersion:
      if (b[0] == 0 && b[1] == 0) {  // the client gives up
        go(f, Step::Closed);
        return kGo;
      }
      if (b[0] != 0 || b[1] != 2) return kMalformed;
      go(f, Step::VeAck);
      return kGo;
    case Step::VeAck:
      go(f, b[0] == 0 ? Step::VeCount : Step::Closed);
      return kGo;
    case Step::VeCount:
      if (b[0] == 0) {
        go(f, Step::Closed);
      } else {
        clear_offered(f);
        go(f, Step::VeList, b[0]);
      }
      return kGo;
    case Step::VeList: {
      const uint32_t t = be32(b);
      if (t == vencrypt::kFailure) return kMalformed;
      mark_offered(f, t);
      if (--f.left == 0) go(f, Step::VeChoice);
      f.have = 0;
      return kGo;
    }
    case Step::VeChoice: {
      const uint32_t t = be32(b);
      if (t == vencrypt::kFailure) {  // the client could not choose: the server closes
        go(f, Step::Closed);
        return kGo;
      }
      if (t < RfbFlow::kTrackedTypes && !was_offered(f, t)) return kMalformed;
      // Sub-types inside TLS: the server acknowledges, then the TLS handshake starts and the
      // rest (including any VNC or Plain authentication) is encrypted.
      return classify_subtype(t) == Kind::InsideTls ? kPass : kWeak;
    }
    default:
      return kMalformed;
  }
}

// A skipped run of bytes ended.
void after_skip(RfbFlow& f) {
  switch (f.step) {
    case Step::VncChallenge:
      go(f, Step::VncResponse, kVncChallengeSize);
      break;
    case Step::VncResponse:
      go(f, Step::SecurityResult);
      break;
    default:
      go(f, Step::Closed);
      break;  // Reason: the server closes after it
  }
}

Decision fail(RfbFlow& f, size_t allowed, Reason r) {
  f.step = Step::Denied;
  f.denied = r;
  return {Verdict::Deny, static_cast<uint32_t>(allowed), r};
}

}  // namespace

FlowState* RfbInspector::open(FlowArena& a) const { return a.make<RfbFlow>(); }

void RfbInspector::close(FlowState* s, FlowArena& a, Context& ctx) const {
  if (auto* f = static_cast<RfbFlow*>(s); f && f->tls_started) {
    tls::release(f->tls, ctx);
    f->tls_started = false;
  }
  a.release(s);
}

Decision RfbInspector::on_data(FlowState& st, Dir d, std::span<const std::byte> in,
                               Context& ctx) const {
  auto& f = static_cast<RfbFlow&>(st);
  const size_t n = in.size();
  const auto all = static_cast<uint32_t>(n);
  if (f.step == Step::Denied) return {Verdict::Deny, 0, f.denied};
  if (f.step == Step::Passed) return {Verdict::PassThrough, all, Reason::Forwarded};
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t i = 0;
  while (i < n) {
    if (f.step == Step::Tls) {  // type 18: the rest of the flow is the TLS inspector's
      Decision t = tls::on_data(f.tls, d, in.subspan(i), ctx);
      t.allowed_bytes = static_cast<uint32_t>(i + t.allowed_bytes);
      if (t.verdict == Verdict::Deny) {
        f.step = Step::Denied;
        f.denied = t.reason;
      } else if (t.verdict == Verdict::PassThrough) {
        f.step = Step::Passed;
        t.allowed_bytes = all;
      }
      return t;
    }
    // Lock step (RFC 6143 7.1): a byte from the side that is not expected to speak, or after
    // a failure, is not RFB. It is the deciding byte itself: allow only what came before it.
    const auto idx = static_cast<size_t>(f.step);
    if (idx >= std::size(kSteps) || kSteps[idx].from != d) return fail(f, i, Reason::MalformedRfb);
    const StepInfo info = kSteps[idx];
    if (info.size == 0) {
      const size_t k = std::min<size_t>(f.left, n - i);
      f.left -= static_cast<uint32_t>(k);
      i += k;
      if (f.left == 0) after_skip(f);
      continue;
    }
    const size_t k = std::min<size_t>(info.size - f.have, n - i);
    std::memcpy(f.buf + f.have, p + i, k);
    f.have = static_cast<uint8_t>(f.have + k);
    i += k;
    if (f.have < info.size) continue;
    const Judgement j = on_message(f, ctx);
    if (j.verdict == Verdict::Deny) return fail(f, i - 1, j.reason);
    if (j.verdict == Verdict::PassThrough) {
      f.step = Step::Passed;
      return {Verdict::PassThrough, all, Reason::Forwarded};
    }
  }
  return {Verdict::Continue, all, Reason::Forwarded};
}

// VeNCrypt upgrades in band: the TLS handshake that follows is inspected.
const Requirements& RfbInspector::requirements() const {
  static constexpr uint16_t kPorts[] = {5900};
  static constexpr Requirements kRequirements{Requirements::Transport::Stream, true, kMaxReasonLength, kMessageBufferBytes, kPorts};
  return kRequirements;
}

}  // namespace pw::proto::rfb
