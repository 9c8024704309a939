#include "protocols/snmp/snmp_inspector.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "common/ber.h"

namespace pw::proto::snmp {

namespace {

using Kind = Judgement::Kind;

Judgement need() { return {Kind::NeedMore, Reason::Forwarded}; }
Judgement allow() { return {Kind::Allow, Reason::Forwarded}; }
Judgement deny(Reason r) { return {Kind::Deny, r}; }

Decision cont(size_t n) { return {Verdict::Continue, static_cast<uint32_t>(n), Reason::Forwarded}; }

// Without a service (tests, a policy race) the strictest settings apply: v3, authPriv.
policy::SnmpVersion min_version(const Context& ctx) {
  return ctx.service ? ctx.service->snmp_min_version : policy::SnmpVersion::V3;
}
policy::SnmpSecurity min_security(const Context& ctx) {
  return ctx.service ? ctx.service->snmp_min_security : policy::SnmpSecurity::AuthPriv;
}

policy::SnmpVersion version_of(int64_t v) {
  return v == kVersion1    ? policy::SnmpVersion::V1
         : v == kVersion2c ? policy::SnmpVersion::V2c
                           : policy::SnmpVersion::V3;
}

// msgFlags to a level (RFC 3412 6.4; flags 2, privacy without authentication, never decodes).
policy::SnmpSecurity level_of(uint8_t flags) {
  switch (flags & (kFlagAuth | kFlagPriv)) {
    case kFlagAuth:
      return policy::SnmpSecurity::AuthNoPriv;
    case kFlagAuth | kFlagPriv:
      return policy::SnmpSecurity::AuthPriv;
    default:
      return policy::SnmpSecurity::NoAuth;
  }
}

// The guide: "do not allow weak encryption ... SNMPv3". HMAC-96 (RFC 3414: MD5 and SHA-1 alike,
// 12 octets) where the service requires HMAC-SHA-2 (RFC 7860: 16 octets and more).
bool weak_auth(const Message& m, const Context& ctx) {
  return ctx.service && ctx.service->snmp_auth_sha2 && m.auth_len <= 12;
}

// DES privacy (RFC 3414 8.1.1.1), recognised where the sender is the authoritative engine (the
// agent's answers and reports, an inform's answer: toward the client): its salt begins with the
// sender's snmpEngineBoots, which the message states, and CBC leaves whole 8-octet blocks. AES
// (RFC 3826 3.1.2.1) takes a 64-bit salt of its own and CFB any length. An AES implementation
// that put its boots in its salt would be taken for DES one answer in eight: `snmp-des allow`.
bool looks_des(const Message& m, Dir d, const Context& ctx) {
  if (d != Dir::ToClient || (ctx.service && ctx.service->snmp_des)) return false;
  return m.priv_len == 8 && m.encrypted_len % 8 == 0 &&
         static_cast<int64_t>(m.priv_head) == m.engine_boots;
}

// A visible SetRequest is the management group's only.
Judgement check_set(const Message& m, const Context& ctx) {
  if (!m.has_pdu) return need();
  if (m.pdu == kSetRequest && !ctx.peer_is_management) return deny(Reason::SnmpSetDenied);
  return allow();
}

}  // namespace

Judgement judge(const Message& m, Dir d, const Context& ctx) {
  if (!m.has_version) return need();
  if (m.version != kVersion3) {
    // The community string is a password in clear text (RFC 3584 section 1).
    if (static_cast<uint8_t>(version_of(m.version)) < static_cast<uint8_t>(min_version(ctx)))
      return deny(Reason::SnmpCommunity);
    return check_set(m, ctx);
  }
  if (!m.has_flags) return need();
  const policy::SnmpSecurity level = level_of(m.flags);
  if (static_cast<uint8_t>(level) < static_cast<uint8_t>(min_security(ctx))) {
    // Engine-ID discovery (RFC 3414 section 4): the manager's noAuthNoPriv probe (reportable,
    // empty user name, a GetRequest as net-snmp and SNMP4J send it) and the agent's Report.
    if (level != policy::SnmpSecurity::NoAuth) return deny(Reason::Snmpv3NoAuth);
    if (d == Dir::ToServer) {
      if (!(m.flags & kFlagReportable)) return deny(Reason::Snmpv3NoAuth);
      if (!m.has_usm) return need();
      if (!m.user_empty) return deny(Reason::Snmpv3NoAuth);
      if (!m.has_pdu) return need();
      return m.pdu == kGetRequest ? allow() : deny(Reason::Snmpv3NoAuth);
    }
    if (!m.has_pdu) return need();
    return m.pdu == kReport ? allow() : deny(Reason::Snmpv3NoAuth);
  }
  if (level != policy::SnmpSecurity::NoAuth) {
    if (!m.has_usm) return need();
    if (weak_auth(m, ctx)) return deny(Reason::SnmpWeakCrypto);
  }
  // authPriv: the scoped PDU is encrypted (RFC 3414 section 1.4.3), its type cannot be seen.
  if (level == policy::SnmpSecurity::AuthPriv) {
    if (!m.encrypted) return need();
    return looks_des(m, d, ctx) ? deny(Reason::SnmpWeakCrypto) : allow();
  }
  return check_set(m, ctx);
}

// ---------------------------------------------------------------------------------------------
// UDP

FlowState* SnmpUdpInspector::open(FlowArena& a) const { return a.make<SnmpUdpState>(); }

Decision SnmpUdpInspector::on_data(FlowState&, Dir d, std::span<const std::byte> in,
                                   Context& ctx) const {
  Message m;
  const Parse p = parse_datagram(in, m);
  const Judgement j = judge(m, d, ctx);
  // What was decoded decides first (a v1 message is a community leak even if its PDU is bad).
  if (j.kind == Kind::Deny) return {Verdict::Deny, 0, j.reason};
  if (p != Parse::Ok || j.kind != Kind::Allow) return {Verdict::Deny, 0, Reason::MalformedSnmp};
  if (m.usm_failure) ctx.count(Reason::AuthFailed);
  return cont(in.size());
}

// ---------------------------------------------------------------------------------------------
// TCP (RFC 3430)

namespace {

static_assert(sizeof(SnmpTcpState) <= FlowArena::kBlockSize);
static_assert(std::is_trivially_destructible_v<SnmpTcpState>);
static_assert(std::is_trivially_destructible_v<SnmpUdpState>);

// Where the current message is collected; null when its pool buffer is out of reach.
uint8_t* bytes_of(SnmpTcpSide& s, Context& ctx) {
  if (s.buf == BufferPool::kNone) return s.data;
  return ctx.buffers ? reinterpret_cast<uint8_t*>(ctx.buffers->data(s.buf)) : nullptr;
}

void reset(SnmpTcpSide& s, Context& ctx) {
  if (s.buf != BufferPool::kNone && ctx.buffers) ctx.buffers->release(s.buf);
  s.buf = BufferPool::kNone;
  s.total = 0;
  s.have = 0;
  s.decided = false;
}

Decision fail(SnmpTcpState& st, Reason r, size_t allowed) {
  st.denied = true;
  st.reason = r;
  return {Verdict::Deny, static_cast<uint32_t>(allowed), r};
}

}  // namespace

FlowState* SnmpTcpInspector::open(FlowArena& a) const { return a.make<SnmpTcpState>(); }

void SnmpTcpInspector::close(FlowState* s, FlowArena& a, Context& ctx) const {
  if (s) {
    auto* st = static_cast<SnmpTcpState*>(s);
    for (auto& side : st->side) reset(side, ctx);
  }
  a.release(s);
}

Decision SnmpTcpInspector::on_data(FlowState& fs, Dir d, std::span<const std::byte> in,
                                   Context& ctx) const {
  auto& st = static_cast<SnmpTcpState&>(fs);
  if (st.denied) return {Verdict::Deny, 0, st.reason};
  SnmpTcpSide& s = st.side[static_cast<size_t>(d)];
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t i = 0;
  size_t msg_start = 0;  // where the current message starts in this chunk (0: before it)
  while (i < in.size()) {
    if (s.total == 0 && s.have == 0) msg_start = i;
    if (s.total == 0) {
      // The message header (a SEQUENCE), one octet at a time: at most kBerMaxHeader.
      s.data[s.have++] = p[i++];
      BerTlv t;
      const BerStatus b = ber_header(std::as_bytes(std::span<const uint8_t>(s.data, s.have)), t);
      if (b.incomplete()) continue;
      if (b.failed() || t.tag != kBerSequence || t.length > kMaxMessage)
        return fail(st, Reason::MalformedSnmp, msg_start);
      s.total = static_cast<uint32_t>(t.total());
      if (s.total > SnmpTcpSide::kInline) {
        // Too big for the flow state: a pool buffer, or fail closed.
        if (!ctx.buffers || ctx.buffers->size() < s.total)
          return fail(st, Reason::InspectorStateFull, msg_start);
        s.buf = ctx.buffers->acquire();
        if (s.buf == BufferPool::kNone) return fail(st, Reason::InspectorStateFull, msg_start);
        std::memcpy(bytes_of(s, ctx), s.data, s.have);
      }
    } else {
      uint8_t* buf = bytes_of(s, ctx);
      if (!buf) return fail(st, Reason::InspectorStateFull, msg_start);
      const size_t k = std::min<size_t>(s.total - s.have, in.size() - i);
      std::memcpy(buf + s.have, p + i, k);
      s.have += static_cast<uint32_t>(k);
      i += k;
    }
    const bool whole = s.have == s.total;
    if (s.decided && !whole) continue;
    const uint8_t* buf = bytes_of(s, ctx);
    if (!buf) return fail(st, Reason::InspectorStateFull, msg_start);
    Message m;
    const Parse r = parse_message(std::as_bytes(std::span<const uint8_t>(buf, s.have)), s.total, m);
    const Judgement j = judge(m, d, ctx);
    if (j.kind == Kind::Deny) return fail(st, j.reason, msg_start);
    if (j.kind == Kind::Allow) s.decided = true;
    // A malformation past the point where the message was judged is refused when the message is
    // whole, as it would be octet by octet (once decided, the beginning is no longer parsed):
    // the verdict falls on the same octet whatever the segmentation.
    if (r == Parse::Malformed && !s.decided) return fail(st, Reason::MalformedSnmp, msg_start);
    if (whole) {
      if (r != Parse::Ok || j.kind != Kind::Allow)
        return fail(st, Reason::MalformedSnmp, msg_start);
      if (m.usm_failure) ctx.count(Reason::AuthFailed);
      reset(s, ctx);
    }
  }
  return cont(in.size());
}

// Over UDP each datagram is one message, judged as it is; over TCP (RFC 3430) a message is
// reassembled whole in a message buffer.
const Requirements& SnmpUdpInspector::requirements() const {
  static constexpr uint16_t kPorts[] = {161, 162};
  static constexpr Requirements kRequirements{Requirements::Transport::Datagram, false,
                                              SnmpTcpInspector::kMaxMessage, 0, kPorts};
  return kRequirements;
}

const Requirements& SnmpTcpInspector::requirements() const {
  static constexpr uint16_t kPorts[] = {161, 162};
  static constexpr Requirements kRequirements{Requirements::Transport::Stream, false, kMaxMessage,
                                              kMessageBufferBytes, kPorts};
  return kRequirements;
}

}  // namespace pw::proto::snmp
