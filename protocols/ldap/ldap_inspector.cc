#include "protocols/ldap/ldap_inspector.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "protocols/ldap/ldap_parser.h"

namespace pw::proto::ldap {

static_assert(sizeof(LdapState) <= FlowArena::kBlockSize);
static_assert(alignof(LdapState) <= alignof(std::max_align_t));
static_assert(std::is_trivially_destructible_v<LdapState>);

namespace {

using Phase = LdapState::Phase;

Decision cont(size_t n) { return {Verdict::Continue, static_cast<uint32_t>(n), Reason::Forwarded}; }
Decision deny(Reason r) { return {Verdict::Deny, 0, r}; }

// Without a service the strictest reading applies (TLS required, no clear-text binds).
bool strict(const Context& ctx) {
  return !ctx.service || ctx.service->tls == policy::TlsMode::Required;
}
bool plaintext_ok(const Context& ctx) { return ctx.service && ctx.service->plaintext_auth; }
// LDAPS (RFC 4513 section 3.1.3's "ldaps"): TLS from the first octet. The registry gives such
// services the TLS inspector; this keeps an `inspect ldap` + `tls implicit` service safe too.
bool implicit_tls(const Context& ctx) {
  return ctx.service && ctx.service->tls == policy::TlsMode::Implicit;
}

Decision kill(LdapState& st, Reason r, size_t allowed) {
  st.phase = Phase::Denied;
  st.reason = r;
  return {Verdict::Deny, static_cast<uint32_t>(allowed), r};
}

void reset(LdapSide& s, Context& ctx) {
  if (s.buf != BufferPool::kNone && ctx.buffers) ctx.buffers->release(s.buf);
  s.buf = BufferPool::kNone;
  s.total = 0;
  s.have = 0;
  s.id = 0;
  s.in_msg = false;
  s.decided = false;
  s.starttls = false;
}

// A request before TLS (RFC 4511 section 4; RFC 4513 sections 3 and 5).
Decision judge_request(LdapSide& s, const Message& m, Context& ctx) {
  const bool open = plaintext_ok(ctx);  // the admin allowed clear-text authentication here
  const bool required = strict(ctx) && !open;
  switch (m.op) {
    case kBindRequest: {
      const bool no_password = m.auth == Auth::Simple && m.password_len == 0;
      const bool credential =
          (m.auth == Auth::Simple && m.password_len > 0) || cleartext_mechanism(m);
      if (credential && !open) return deny(Reason::LdapCleartextBind);
      if (required) return deny(Reason::CommandBeforeTls);  // no authentication before TLS
      // Anonymous (empty name and password) and unauthenticated (a name, no password) binds:
      // RFC 4513 sections 5.1.1 and 5.1.2.
      if (no_password) ctx.count(Reason::LdapAnonymousBind);
      return cont(0);
    }
    case kExtendedRequest:
      if (m.starttls) {
        s.starttls = true;
        return cont(0);
      }
      return required ? deny(Reason::CommandBeforeTls) : cont(0);
    case kUnbindRequest:
    case kAbandonRequest:
      return cont(0);
    case kSearchRequest:
      // The RootDSE (RFC 4512 section 5.1: base "", scope baseObject) tells whether the server
      // supports StartTLS: a capability query.
      if (required && !(m.base_len == 0 && m.scope == 0)) return deny(Reason::CommandBeforeTls);
      return cont(0);
    default:
      return required ? deny(Reason::CommandBeforeTls) : cont(0);
  }
}

Decision judge_response(LdapState& st, LdapSide& s, const Message& m, Context& ctx) {
  if (m.op == kBindResponse && m.result == kInvalidCredentials) ctx.count(Reason::AuthFailed);
  if (st.phase == Phase::AwaitStartTls && m.id == st.starttls_id) {
    // RFC 4511 section 4.14.2: success starts TLS after this message; anything else leaves the
    // flow in clear, with the same rules.
    if (m.op == kExtendedResponse && m.result == kSuccess) {
      s.starttls = true;
    } else {
      st.phase = Phase::Clear;
      st.starttls_id = 0;
    }
  }
  return cont(0);
}

// Parses the beginning collected so far; sets `decided` once it is enough.
Decision judge(LdapState& st, LdapSide& s, Dir d, const uint8_t* prefix, Context& ctx) {
  const bool details = d == Dir::ToServer && strict(ctx) && !plaintext_ok(ctx);
  Message m;
  const Parse p =
      parse_message(std::as_bytes(std::span<const uint8_t>(prefix, s.have)), s.total, details, m);
  if (p == Parse::Malformed) return deny(Reason::MalformedLdap);
  if (p == Parse::NeedMore) return cont(0);
  s.decided = true;
  s.id = static_cast<int32_t>(m.id);
  if (d == Dir::ToServer) {
    // messageID 0 is the server's, for unsolicited notifications (RFC 4511 section 4.1.1.1).
    if (!is_request(m.op) || m.id == 0) return deny(Reason::MalformedLdap);
    return judge_request(s, m, ctx);
  }
  if (!is_response(m.op)) return deny(Reason::MalformedLdap);
  return judge_response(st, s, m, ctx);
}

// Appends octets of the current message to its beginning and judges it; moves the beginning to
// a BufferPool buffer when the state's room is full and it has not decided yet.
Decision collect(LdapState& st, LdapSide& s, Dir d, std::span<const std::byte> bytes,
                 Context& ctx) {
  uint8_t* const inline_buf = d == Dir::ToServer ? st.request_prefix : st.response_prefix;
  const size_t inline_cap =
      d == Dir::ToServer ? LdapState::kRequestPrefix : LdapState::kResponsePrefix;
  for (;;) {
    const bool pooled = s.buf != BufferPool::kNone;
    if (pooled && !ctx.buffers) return deny(Reason::InspectorStateFull);
    uint8_t* buf = pooled ? reinterpret_cast<uint8_t*>(ctx.buffers->data(s.buf)) : inline_buf;
    const size_t cap = pooled ? ctx.buffers->size() : inline_cap;
    const size_t k = std::min(bytes.size(), cap - s.have);
    std::memcpy(buf + s.have, bytes.data(), k);
    s.have += static_cast<uint32_t>(k);
    bytes = bytes.subspan(k);
    if (s.total != 0) {  // the header is read: the beginning can be judged
      Decision j = judge(st, s, d, buf, ctx);
      if (j.verdict == Verdict::Deny || s.decided) return j;
    }
    if (bytes.empty()) return cont(0);
    // Full and undecided: a pool buffer, or fail closed (a beginning longer than a pool buffer
    // is a unit the inspector cannot judge whole).
    if (pooled) return deny(Reason::UnitTooLong);
    if (!ctx.buffers) return deny(Reason::InspectorStateFull);
    s.buf = ctx.buffers->acquire();
    if (s.buf == BufferPool::kNone) return deny(Reason::InspectorStateFull);
    if (ctx.buffers->size() <= inline_cap) {
      ctx.buffers->release(s.buf);
      s.buf = BufferPool::kNone;
      return deny(Reason::InspectorStateFull);
    }
    std::memcpy(ctx.buffers->data(s.buf), inline_buf, s.have);
  }
}

}  // namespace

FlowState* LdapInspector::open(FlowArena& a) const { return a.make<LdapState>(); }

void LdapInspector::close(FlowState* fs, FlowArena& a, Context& ctx) const {
  if (fs) {
    auto* st = static_cast<LdapState*>(fs);
    for (auto& s : st->side) reset(s, ctx);
    if (st->tls_started) tls::release(st->tls, ctx);
    st->tls_started = false;
  }
  a.release(fs);
}

Decision LdapInspector::on_data(FlowState& fs, Dir d, std::span<const std::byte> in,
                                Context& ctx) const {
  auto& st = static_cast<LdapState&>(fs);
  if (st.phase == Phase::Denied) return deny(st.reason);
  if (st.phase == Phase::Clear && implicit_tls(ctx)) {
    for (auto& s : st.side) reset(s, ctx);
    st.phase = Phase::Tls;
    tls::start(st.tls);
    st.tls_started = true;
  }
  if (st.phase == Phase::Tls) return tls::on_data(st.tls, d, in, ctx);
  LdapSide& s = st.side[static_cast<size_t>(d)];
  const uint32_t max = d == Dir::ToServer ? kMaxRequest : kMaxResponse;
  size_t i = 0;
  size_t msg_start = 0;  // where the current message starts in this chunk (0: before it)
  while (i < in.size()) {
    if (!s.in_msg) {
      msg_start = i;
      // Client octets after StartTLS, before the answer: the server would read them as clear
      // text after the switch (RFC 4513 section 3.1.1; CVE-2011-0411 and kin).
      if (d == Dir::ToServer && st.phase == Phase::AwaitStartTls)
        return kill(st, Reason::StarttlsInjection, i);
      s.in_msg = true;
    }
    const BerStep step = ber_stream_feed(s.stream, in.subspan(i), max);
    const auto bytes = in.subspan(i, step.consumed);
    i += step.consumed;
    if (step.events & kBerFail) return kill(st, Reason::MalformedLdap, msg_start);
    if (step.events & kBerStart) {
      if (step.top.tag != kBerSequence) return kill(st, Reason::MalformedLdap, msg_start);
      s.total = static_cast<uint32_t>(step.top.total());
    }
    if (!s.decided) {
      Decision j = collect(st, s, d, bytes, ctx);
      if (j.verdict == Verdict::Deny) return kill(st, j.reason, msg_start);
    }
    if (!(step.events & kBerEnd)) continue;
    // The message is complete.
    if (!s.decided) return kill(st, Reason::MalformedLdap, msg_start);
    const bool starttls = s.starttls;
    const int32_t id = s.id;
    reset(s, ctx);
    if (!starttls) continue;
    if (d == Dir::ToServer) {
      st.phase = Phase::AwaitStartTls;
      st.starttls_id = id;
      continue;
    }
    // The success answer: TLS from the next octet on, in both directions. The client speaks
    // first in TLS, so server octets behind the answer are an injection.
    st.phase = Phase::Tls;
    tls::start(st.tls);
    st.tls.server_first = Reason::StarttlsInjection;
    st.tls_started = true;
    if (i < in.size()) return kill(st, Reason::StarttlsInjection, i);
    return cont(in.size());
  }
  return cont(in.size());
}

// StartTLS in band; a request is judged whole (a message buffer beyond the inline bytes).
const Requirements& LdapInspector::requirements() const {
  static constexpr uint16_t kPorts[] = {389};
  static constexpr Requirements kRequirements{Requirements::Transport::Stream, true, LdapInspector::kMaxRequest, kMessageBufferBytes, kPorts};
  return kRequirements;
}

}  // namespace pw::proto::ldap
