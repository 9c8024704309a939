#include "protocols/smb/smb_inspector.h"

#include <algorithm>
#include <cstring>


namespace pw::proto::smb {
namespace {

using Phase = SmbFlow::Phase;
using Step = SmbSide::Step;
using Part = SmbSide::Part;

constexpr Judgement kMalformed{Verdict::Deny, Reason::MalformedSmb};
constexpr Judgement deny(Reason r) { return {Verdict::Deny, r}; }

// The service's requirements. A flow without a service gets InspectorConfig's defaults: SMB1
// denied, signing optional.
struct Rules {
  bool smb1 = false;
  bool signing_required = false;
};
Rules rules_of(const Context& ctx) {
  if (!ctx.service) return {};
  return {ctx.service->smb1, ctx.service->smb_signing_required};
}

template <size_t N>
std::span<const uint8_t, N> at(const SmbSide& s, size_t off) {
  return std::span<const uint8_t, N>(s.buf + off, N);
}

void next_frame(SmbSide& s) {
  s.step = Step::Collect;
  s.part = Part::Frame;
  s.have = 0;
  s.want = kFrameHeaderSize;
}

// Continue filling `buf` (from `have`) up to `want` bytes of the current message.
void collect(SmbSide& s, Part part, size_t want) {
  s.step = Step::Collect;
  s.part = part;
  s.want = static_cast<uint8_t>(want);
}

// Reached `skip_to`: the next frame, or the next compounded SMB2 message of this frame.
void after_skip(SmbSide& s) {
  if (s.skip_to >= s.frame_len) return next_frame(s);
  s.elem_off = s.skip_to;
  s.have = 0;
  collect(s, Part::Smb2Header, kSmb2HeaderSize);
}

// Skips the rest of the current message (or frame) without buffering it.
void skip_to(SmbSide& s, uint32_t to) {
  s.step = Step::Skip;
  s.skip_to = to;
  if (s.frame_off >= to) after_skip(s);
}

// NetBIOS session service framing (RFC 1002 4.3): which packet types may come, from whom, when.
Judgement on_frame(SmbFlow& f, SmbSide& s, Dir d) {
  const FrameHeader h = parse_frame_header(at<kFrameHeaderSize>(s, 0));
  s.have = 0;
  s.frame_len = h.length;
  s.frame_off = 0;
  s.elem_off = 0;
  s.elem_end = h.length;
  switch (static_cast<NbType>(h.type)) {
    case NbType::SessionMessage:
      if (f.nb_pending) return kMalformed;  // nothing passes an unanswered session request
      if (h.length < 4 || h.length > kMaxMessage) return kMalformed;
      f.smb_seen = true;
      collect(s, Part::ProtocolId, 4);
      return kGo;
    case NbType::SessionRequest:  // 4.3.2: once, from the client, before any SMB message
      if (d != Dir::ToServer || f.smb_seen || f.nb_pending || f.nb_established) return kMalformed;
      if (h.length == 0 || h.length > kMaxSessionRequest) return kMalformed;
      f.nb_pending = true;
      break;
    case NbType::PositiveResponse:  // 4.3.3
      if (d != Dir::ToClient || !f.nb_pending || h.length != 0) return kMalformed;
      f.nb_pending = false;
      f.nb_established = true;
      break;
    case NbType::NegativeResponse:  // 4.3.4: one error byte, the server then closes
      if (d != Dir::ToClient || !f.nb_pending || h.length != 1) return kMalformed;
      f.nb_pending = false;
      break;
    case NbType::KeepAlive:  // 4.3.7
      if (h.length != 0) return kMalformed;
      break;
    default:  // RetargetResponse (a redirect we will not follow) and undefined types
      return kMalformed;
  }
  skip_to(s, h.length);
  return kGo;
}

// The server's answer to a NEGOTIATE has been seen: the signing requirement is judged here
// (MS-SMB2 3.3.5.4: signing is required when either side's SecurityMode requires it).
Judgement negotiated(SmbFlow& f, bool server_requires_signing, const Context& ctx) {
  if (rules_of(ctx).signing_required && !f.client_signing_required && !server_requires_signing)
    return deny(Reason::SmbUnsigned);
  f.phase = Phase::Negotiated;
  return kGo;
}

// A successful SESSION_SETUP: the session exists, the negotiate was judged acceptable, the
// inspector can step aside (README: "Pass-through").
Judgement session_established(bool guest_or_null, Context& ctx) {
  if (guest_or_null) {
    ctx.count(Reason::SmbGuestSession);
    // A guest or anonymous session has no session key: nothing of it can be signed
    // (MS-SMB2 3.2.5.3.1, 3.3.5.5.3), whatever the negotiate said.
    if (rules_of(ctx).signing_required) return deny(Reason::SmbUnsigned);
  }
  return kPass;
}

Judgement on_protocol(SmbFlow& f, SmbSide& s, Dir d, const Context& ctx) {
  switch (protocol_of(at<4>(s, 0))) {
    case Protocol::Smb2:
      if (s.frame_len < kSmb2HeaderSize) return kMalformed;
      collect(s, Part::Smb2Header, kSmb2HeaderSize);
      return kGo;
    case Protocol::Smb1:
      // The one exception (MS-SMB2 3.3.5.3.1): the client's first message may be the
      // multi-protocol SMB1 NEGOTIATE, judged on its dialect list. Every SMB1 answer and every
      // other SMB1 message is denied here, at its protocol identifier.
      if (!rules_of(ctx).smb1 && !(d == Dir::ToServer && f.phase == Phase::Start))
        return deny(Reason::Smb1);
      if (s.frame_len < kSmb1MinMessage) return kMalformed;
      collect(s, Part::Smb1Header, kSmb1HeaderSize);
      return kGo;
    case Protocol::Transform:  // encrypted (MS-SMB2 3.1.4.3): only after an SMB 3.x negotiate
      if (f.phase != Phase::Negotiated || f.smb1_session || f.dialect < dialect::k300 ||
          s.frame_len < kTransformHeaderSize)
        return kMalformed;
      skip_to(s, s.frame_len);
      return kGo;
    case Protocol::Compressed:  // MS-SMB2 3.1.4.4: only after an SMB 3.1.1 negotiate
      if (f.phase != Phase::Negotiated || f.smb1_session || f.dialect != dialect::k311 ||
          s.frame_len < kCompressionHeaderSize)
        return kMalformed;
      skip_to(s, s.frame_len);
      return kGo;
    default:
      return kMalformed;
  }
}

Judgement on_smb2_header(SmbFlow& f, SmbSide& s, Dir d, Context& ctx) {
  const Smb2Header h = parse_smb2_header(at<kSmb2HeaderSize>(s, 0));
  // A compounded message starts with its own header (MS-SMB2 3.3.5.2.7).
  if (protocol_of(at<4>(s, 0)) != Protocol::Smb2) return kMalformed;
  if (h.structure_size != kSmb2HeaderSize) return kMalformed;
  if (h.is_response() != (d == Dir::ToClient)) return kMalformed;
  const uint32_t rest = s.frame_len - s.elem_off;  // >= 64, checked before collecting
  if (h.next_command != 0) {
    // 8-byte aligned, and room for the next header (MS-SMB2 3.2.4.1.4, 3.3.5.2.7).
    if (h.next_command % 8 != 0 || h.next_command < kSmb2HeaderSize ||
        h.next_command > rest - kSmb2HeaderSize)
      return kMalformed;
    s.elem_end = s.elem_off + h.next_command;
  } else {
    s.elem_end = s.frame_len;
  }

  size_t body = 0;  // body bytes to read
  if (d == Dir::ToServer) {
    if (h.command == cmd::kNegotiate) {
      // The first SMB2 request, or the one after a 0x02FF answer; never a renegotiation
      // (MS-SMB2 3.3.5.3.1: the server disconnects).
      if (f.phase != Phase::Start && f.phase != Phase::AwaitNegotiate) return kMalformed;
      body = NegotiateRequest::kLength;
    } else if (f.phase != Phase::Negotiated || f.smb1_session) {
      return kMalformed;  // nothing but NEGOTIATE before the dialect is chosen (3.3.5.2)
    }
  } else {
    if (h.command == cmd::kNegotiate) {
      if (f.phase != Phase::Smb1NegotiateSent && f.phase != Phase::NegotiateSent) return kMalformed;
      body = NegotiateResponse::kLength;
    } else {
      if (f.phase != Phase::Negotiated || f.smb1_session) return kMalformed;
      if (h.command == cmd::kSessionSetup) {
        if (is_auth_failure(h.status)) ctx.count(Reason::AuthFailed);
        if (h.status == status::kSuccess) body = SessionSetupResponse::kLength;
        // STATUS_MORE_PROCESSING_REQUIRED (the SPNEGO round trips) and other errors: skipped.
      }
    }
  }
  if (body == 0) {
    skip_to(s, s.elem_end);
    return kGo;
  }
  if (s.elem_end - s.elem_off < kSmb2HeaderSize + body) return kMalformed;  // truncated body
  collect(s, Part::Smb2Body, kSmb2HeaderSize + body);
  return kGo;
}

Judgement on_negotiate_response(SmbFlow& f, const Smb2Header& h, const SmbSide& s,
                                const Context& ctx) {
  const NegotiateResponse r(at<NegotiateResponse::kLength>(s, 64));
  if (h.status != status::kSuccess) {
    // An ERROR response (2.2.2): nothing negotiated; only an SMB2 NEGOTIATE may follow.
    if (r.structure_size() != kErrorResponseSize) return kMalformed;
    f.phase = Phase::AwaitNegotiate;
    return kGo;
  }
  if (r.structure_size() != NegotiateResponse::kStructureSize) return kMalformed;
  if (f.phase == Phase::Smb1NegotiateSent) {
    // MS-SMB2 3.3.5.3.1: 0x02FF when "SMB 2.???" was offered (an SMB2 NEGOTIATE follows),
    // else 0x0202 when "SMB 2.002" was.
    if (r.dialect() == dialect::kWildcard) {
      if (!(f.smb1_offers & DialectScanner::kOffersWildcard)) return kMalformed;
      f.phase = Phase::AwaitNegotiate;
      return kGo;
    }
    if (r.dialect() != dialect::k202 || !(f.smb1_offers & DialectScanner::kOffers2002))
      return kMalformed;
  } else if (!is_smb2_dialect(r.dialect())) {
    return kMalformed;
  }
  f.dialect = r.dialect();
  f.server_security_mode = r.security_mode();
  return negotiated(f, r.security_mode() & kSigningRequired, ctx);
}

Judgement on_smb2_body(SmbFlow& f, SmbSide& s, Dir d, Context& ctx) {
  const Smb2Header h = parse_smb2_header(at<kSmb2HeaderSize>(s, 0));
  Judgement j;
  if (d == Dir::ToServer) {  // NEGOTIATE request (2.2.3)
    const NegotiateRequest r(at<NegotiateRequest::kLength>(s, 64));
    if (r.structure_size() != NegotiateRequest::kStructureSize || r.dialect_count() == 0)
      return kMalformed;
    f.client_signing_required = r.security_mode() & kSigningRequired;
    f.phase = Phase::NegotiateSent;
  } else if (h.command == cmd::kNegotiate) {
    j = on_negotiate_response(f, h, s, ctx);
  } else {  // successful SESSION_SETUP response (2.2.6)
    const SessionSetupResponse r(at<SessionSetupResponse::kLength>(s, 64));
    if (r.structure_size() != SessionSetupResponse::kStructureSize) return kMalformed;
    return session_established(r.session_flags() & (kSessionFlagIsGuest | kSessionFlagIsNull),
                               ctx);
  }
  if (j.verdict == Verdict::Continue) skip_to(s, s.elem_end);
  return j;
}

Judgement end_of_dialects(SmbFlow& f, SmbSide& s, const Context& ctx) {
  if (!s.dialects.complete()) return kMalformed;  // the list ends inside a name
  f.smb1_offers = s.dialects.offers();
  if (!rules_of(ctx).smb1 && f.smb1_offers == 0) return deny(Reason::Smb1);
  f.phase = Phase::Smb1NegotiateSent;
  skip_to(s, s.frame_len);
  return kGo;
}

Judgement on_smb1_header(SmbFlow& f, SmbSide& s, Dir d, Context& ctx) {
  const Smb1Header h = parse_smb1_header(at<kSmb1HeaderSize>(s, 0));
  if (d == Dir::ToServer) {
    if (h.is_reply()) return kMalformed;
    if (f.phase == Phase::Start && h.command == smb1::kNegotiate) {
      collect(s, Part::Smb1Params, kSmb1MinMessage);  // WordCount, ByteCount
      return kGo;
    }
    if (!rules_of(ctx).smb1) return deny(Reason::Smb1);
    if (f.phase != Phase::Negotiated || !f.smb1_session) return kMalformed;
    if (h.command == smb1::kSessionSetupAndx || h.command == smb1::kTreeConnectAndx) {
      // The requests that carry passwords: their words up to the password fields.
      collect(s, Part::Smb1Params, std::min<size_t>(s.frame_len, smb1::kSetupPasswordsOffset));
      return kGo;
    }
    skip_to(s, s.frame_len);
    return kGo;
  }
  // From the server; only reached when the service allows SMB1 (on_protocol).
  if (f.phase == Phase::Smb1NegotiateSent && h.command == smb1::kNegotiate && h.is_reply()) {
    collect(s, Part::Smb1Params, std::min<size_t>(s.frame_len, smb1::kSecurityModeOffset + 1));
    return kGo;
  }
  if (f.phase != Phase::Negotiated || !f.smb1_session) return kMalformed;
  if (h.command == smb1::kSessionSetupAndx && h.is_reply()) {
    if (smb1_auth_failure(h)) ctx.count(Reason::AuthFailed);
    if (h.status == status::kSuccess) {
      if (s.frame_len < smb1::kPrefix) return kMalformed;
      collect(s, Part::Smb1Params, smb1::kPrefix);
      return kGo;
    }
  }
  // Anything else, including the server's oplock breaks (LOCKING_ANDX requests): skipped.
  skip_to(s, s.frame_len);
  return kGo;
}

// SESSION_SETUP_ANDX and TREE_CONNECT_ANDX requests of an SMB1 session (only with `smb1
// allow`): a clear-text password is refused whatever the SMB version setting. Where the words
// leave a doubt (a 24-byte field, an NTLMv2-sized one) the password bytes are read next.
Judgement smb1_password_words(const SmbFlow& f, SmbSide& s, uint8_t command) {
  const uint8_t words = s.buf[32];
  const bool challenge_response = f.server_security_mode & smb1::kSecurityEncryptPasswords;
  const auto have = [&](size_t n) { return s.frame_len >= n && s.have >= n; };
  if (command == smb1::kTreeConnectAndx) {
    if (words != smb1::kTreeConnectWords || !have(smb1::kTreeConnectPasswordOffset)) return kMalformed;
    const uint16_t len = le16(s.buf + smb1::kTreeConnectPasswordLenOffset);
    if (len > 1) {  // share-level security: a password, or its challenge response
      if (!challenge_response || len != smb1::kChallengeResponse)
        return deny(Reason::SmbPlaintextPassword);
      const size_t want = smb1::kTreeConnectPasswordOffset + smb1::kChallengeResponse;
      if (want > s.frame_len) return kMalformed;
      collect(s, Part::Smb1Passwords, want);
      return kGo;
    }
    skip_to(s, s.frame_len);
    return kGo;
  }
  // SESSION_SETUP_ANDX. A chained command is not followed: refused rather than let through.
  if (!have(smb1::kAndxCommandOffset + 1) || s.buf[smb1::kAndxCommandOffset] != smb1::kNoAndx)
    return kMalformed;
  if (words == smb1::kSetupExtendedWords) {  // a security blob (NTLMSSP, Kerberos)
    skip_to(s, s.frame_len);
    return kGo;
  }
  if (words != smb1::kSetupPasswordWords || !have(smb1::kSetupPasswordsOffset)) return kMalformed;
  const uint16_t oem = le16(s.buf + smb1::kOemPasswordLenOffset);
  const uint16_t uni = le16(s.buf + smb1::kUnicodePasswordLenOffset);
  if (!challenge_response && (oem > 1 || uni > 0)) return deny(Reason::SmbPlaintextPassword);
  // Responses are 24 bytes (LM, LMv2, NTLM) or an NTLMv2 blob; empty or a NUL: anonymous.
  if (oem > 1 && oem != smb1::kChallengeResponse) return deny(Reason::SmbPlaintextPassword);
  if (uni != 0 && uni != smb1::kChallengeResponse && uni < smb1::kNtlmv2Min)
    return deny(Reason::SmbPlaintextPassword);
  const size_t want = smb1::kSetupPasswordsOffset + oem + std::min<size_t>(uni, smb1::kChallengeResponse);
  if (want > s.frame_len) return kMalformed;
  if (oem != smb1::kChallengeResponse && uni == 0) {
    skip_to(s, s.frame_len);
    return kGo;
  }
  collect(s, Part::Smb1Passwords, want);
  return kGo;
}

// The password fields of such a request: a challenge response, not a password.
Judgement on_smb1_passwords(SmbSide& s) {
  const Smb1Header h = parse_smb1_header(at<kSmb1HeaderSize>(s, 0));
  constexpr size_t kR = smb1::kChallengeResponse;
  if (h.command == smb1::kTreeConnectAndx) {
    if (looks_like_oem_password(at<kR>(s, smb1::kTreeConnectPasswordOffset)))
      return deny(Reason::SmbPlaintextPassword);
  } else {
    const uint16_t oem = le16(s.buf + smb1::kOemPasswordLenOffset);
    const uint16_t uni = le16(s.buf + smb1::kUnicodePasswordLenOffset);
    size_t off = smb1::kSetupPasswordsOffset;
    if (oem == kR && looks_like_oem_password(at<kR>(s, off))) return deny(Reason::SmbPlaintextPassword);
    off += oem;
    if (uni == kR && looks_like_unicode_password(at<kR>(s, off)))
      return deny(Reason::SmbPlaintextPassword);
    if (uni >= smb1::kNtlmv2Min && (s.buf[off + 16] != 1 || s.buf[off + 17] != 1))
      return deny(Reason::SmbPlaintextPassword);  // not an NTLMv2 response (MS-NLMP 2.2.2.7)
  }
  skip_to(s, s.frame_len);
  return kGo;
}

Judgement on_smb1_params(SmbFlow& f, SmbSide& s, Dir d, Context& ctx) {
  const Smb1Header h = parse_smb1_header(at<kSmb1HeaderSize>(s, 0));
  const uint8_t words = s.buf[32];
  if (d == Dir::ToServer && h.command != smb1::kNegotiate)
    return smb1_password_words(f, s, h.command);
  if (d == Dir::ToServer) {  // NEGOTIATE request (MS-CIFS 2.2.4.52.1)
    if (words != 0) return kMalformed;
    const uint16_t bytes = le16(s.buf + 33);
    if (kSmb1MinMessage + bytes > s.frame_len) return kMalformed;
    f.client_signing_required = h.flags2 & smb1::kFlags2SignatureRequired;
    s.dialects = DialectScanner{};
    s.dialect_left = bytes;
    if (bytes == 0) return end_of_dialects(f, s, ctx);
    s.step = Step::Dialects;
    return kGo;
  }
  Judgement j;
  if (h.command == smb1::kNegotiate) {  // MS-CIFS 2.2.4.52.2
    if (words == smb1::kNtLmNegotiateWords && s.have > smb1::kSecurityModeOffset) {
      f.smb1_session = true;
      f.server_security_mode = s.buf[smb1::kSecurityModeOffset];
      // A server without challenge/response asks its clients for clear-text passwords.
      if (!(f.server_security_mode & smb1::kSecurityEncryptPasswords))
        return deny(Reason::SmbPlaintextPassword);
      j = negotiated(f, s.buf[smb1::kSecurityModeOffset] & smb1::kSecuritySignaturesRequired, ctx);
    } else if (words == 1 && le16(s.buf + 33) == 0xFFFF) {
      f.phase = Phase::AwaitNegotiate;  // no common dialect: the server closes
    } else {
      return kMalformed;  // a pre-NT LM 0.12 dialect: not supported (fail closed)
    }
  } else {  // successful SESSION_SETUP_ANDX response (2.2.4.53.2), WordCount 3 or 4
    if (words < 3) return kMalformed;
    return session_established(le16(s.buf + smb1::kActionOffset) & smb1::kSetupGuest, ctx);
  }
  if (j.verdict == Verdict::Continue) skip_to(s, s.frame_len);
  return j;
}

Judgement on_collected(SmbFlow& f, SmbSide& s, Dir d, Context& ctx) {
  switch (s.part) {
    case Part::Frame:
      return on_frame(f, s, d);
    case Part::ProtocolId:
      return on_protocol(f, s, d, ctx);
    case Part::Smb2Header:
      return on_smb2_header(f, s, d, ctx);
    case Part::Smb2Body:
      return on_smb2_body(f, s, d, ctx);
    case Part::Smb1Header:
      return on_smb1_header(f, s, d, ctx);
    case Part::Smb1Params:
      return on_smb1_params(f, s, d, ctx);
    case Part::Smb1Passwords:
      return on_smb1_passwords(s);
  }
  return kMalformed;
}

}  // namespace

FlowState* SmbInspector::open(FlowArena& a) const { return a.make<SmbFlow>(); }

Decision SmbInspector::on_data(FlowState& st, Dir d, std::span<const std::byte> in,
                               Context& ctx) const {
  auto& f = static_cast<SmbFlow&>(st);
  const size_t n = in.size();
  const auto all = static_cast<uint32_t>(n);
  if (f.phase == Phase::Denied) return {Verdict::Deny, 0, f.denied};
  if (f.phase == Phase::Passed) return {Verdict::PassThrough, all, Reason::Forwarded};
  SmbSide& s = f.side[static_cast<size_t>(d)];
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t i = 0;
  while (i < n) {
    Judgement j;
    switch (s.step) {
      case Step::Collect: {
        const size_t k = std::min<size_t>(s.want - s.have, n - i);
        std::memcpy(s.buf + s.have, p + i, k);
        s.have = static_cast<uint8_t>(s.have + k);
        i += k;
        if (s.part != Part::Frame) s.frame_off += static_cast<uint32_t>(k);
        if (s.have == s.want) j = on_collected(f, s, d, ctx);
        break;
      }
      case Step::Skip: {
        const size_t k = std::min<size_t>(s.skip_to - s.frame_off, n - i);
        i += k;
        s.frame_off += static_cast<uint32_t>(k);
        if (s.frame_off == s.skip_to) after_skip(s);
        break;
      }
      case Step::Dialects: {
        ++s.frame_off;
        --s.dialect_left;
        if (s.dialects.feed(p[i++]) == DialectScanner::Result::Malformed)
          j = kMalformed;
        else if (s.dialect_left == 0)
          j = end_of_dialects(f, s, ctx);
        break;
      }
    }
    if (j.verdict == Verdict::Deny) {
      f.phase = Phase::Denied;
      f.denied = j.reason;
      // The byte at i - 1 completed what was judged: the bytes before it may be forwarded.
      return {Verdict::Deny, static_cast<uint32_t>(i - 1), j.reason};
    }
    if (j.verdict == Verdict::PassThrough) {
      f.phase = Phase::Passed;
      return {Verdict::PassThrough, all, Reason::Forwarded};
    }
  }
  return {Verdict::Continue, all, Reason::Forwarded};
}

// Headers parsed as they stream; message bodies skipped; no message buffer.
const Requirements& SmbInspector::requirements() const {
  static constexpr uint16_t kPorts[] = {139, 445};
  static constexpr Requirements kRequirements{Requirements::Transport::Stream, false, kMaxMessage, 0, kPorts};
  return kRequirements;
}

}  // namespace pw::proto::smb
