#include "protocols/smb/smb_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pw::proto::smb {
namespace {

using Bytes = std::vector<uint8_t>;

template <size_t N>
std::span<const uint8_t, N> fixed(const Bytes& b, size_t off = 0) {
  return std::span<const uint8_t, N>(b.data() + off, N);
}

TEST(SmbFrame, DirectTcpLengthIs24BitBigEndian) {
  Bytes h = {0x00, 0x01, 0x02, 0x03};
  auto f = parse_frame_header(fixed<4>(h));
  EXPECT_EQ(f.type, 0x00);
  EXPECT_EQ(f.length, 0x010203u);
  h = {0x00, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(parse_frame_header(fixed<4>(h)).length, 0xFFFFFFu);
  EXPECT_LT(parse_frame_header(fixed<4>(h)).length, kMaxMessage);  // the cap holds by construction
}

TEST(SmbFrame, NetbiosTypes) {
  Bytes req = {0x81, 0x00, 0x00, 0x44};  // session request, two 34-byte encoded names
  auto f = parse_frame_header(fixed<4>(req));
  EXPECT_EQ(f.type, static_cast<uint8_t>(NbType::SessionRequest));
  EXPECT_EQ(f.length, 68u);
  Bytes ka = {0x85, 0x00, 0x00, 0x00};
  EXPECT_EQ(parse_frame_header(fixed<4>(ka)).type, static_cast<uint8_t>(NbType::KeepAlive));
}

TEST(SmbProtocol, Identifiers) {
  auto id = [](uint8_t first, char s = 'S') {
    Bytes b = {first, static_cast<uint8_t>(s), 'M', 'B'};
    return protocol_of(fixed<4>(b));
  };
  EXPECT_EQ(id(0xFF), Protocol::Smb1);
  EXPECT_EQ(id(0xFE), Protocol::Smb2);
  EXPECT_EQ(id(0xFD), Protocol::Transform);
  EXPECT_EQ(id(0xFC), Protocol::Compressed);
  EXPECT_EQ(id(0xFB), Protocol::Unknown);
  EXPECT_EQ(id(0xFE, 's'), Protocol::Unknown);  // case matters
}

Bytes smb2_header(uint16_t command, uint32_t flags, uint32_t status, uint32_t next, uint64_t mid,
                  uint64_t sid) {
  Bytes h(64, 0);
  h[0] = 0xFE, h[1] = 'S', h[2] = 'M', h[3] = 'B';
  h[4] = 64;                                                          // StructureSize
  for (int i = 0; i < 4; ++i) h[8 + i] = uint8_t(status >> (8 * i));  // Status
  h[12] = uint8_t(command), h[13] = uint8_t(command >> 8);            // Command
  for (int i = 0; i < 4; ++i) h[16 + i] = uint8_t(flags >> (8 * i));  // Flags
  for (int i = 0; i < 4; ++i) h[20 + i] = uint8_t(next >> (8 * i));   // NextCommand
  for (int i = 0; i < 8; ++i) h[24 + i] = uint8_t(mid >> (8 * i));    // MessageId
  for (int i = 0; i < 8; ++i) h[40 + i] = uint8_t(sid >> (8 * i));    // SessionId
  return h;
}

TEST(Smb2Header, FieldsAtTheirOffsets) {
  Bytes h = smb2_header(cmd::kSessionSetup, kFlagServerToRedir | kFlagSigned, status::kLogonFailure,
                        0x80, 7, 0x0000400000000005ull);
  auto p = parse_smb2_header(fixed<64>(h));
  EXPECT_EQ(p.structure_size, 64);
  EXPECT_EQ(p.status, 0xC000006Du);
  EXPECT_EQ(p.command, cmd::kSessionSetup);
  EXPECT_TRUE(p.is_response());
  EXPECT_EQ(p.next_command, 0x80u);
  EXPECT_EQ(p.message_id, 7u);
  EXPECT_EQ(p.session_id, 0x0000400000000005ull);
  h = smb2_header(cmd::kNegotiate, 0, 0, 0, 0, 0);
  EXPECT_FALSE(parse_smb2_header(fixed<64>(h)).is_response());
}

TEST(Smb2Body, NegotiateSecurityModeOffsetsDifferBetweenRequestAndResponse) {
  // Request: StructureSize 36, DialectCount 5, SecurityMode 0x0002 (MS-SMB2 2.2.3).
  Bytes req = {0x24, 0x00, 0x05, 0x00, 0x02, 0x00};
  const NegotiateRequest r(fixed<6>(req));
  EXPECT_EQ(r.structure_size(), NegotiateRequest::kStructureSize);
  EXPECT_EQ(r.dialect_count(), 5);
  EXPECT_EQ(r.security_mode(), kSigningRequired);
  // Response: StructureSize 65, SecurityMode 0x0003, DialectRevision 0x0311 (2.2.4).
  Bytes rsp = {0x41, 0x00, 0x03, 0x00, 0x11, 0x03};
  const NegotiateResponse s(fixed<6>(rsp));
  EXPECT_EQ(s.structure_size(), NegotiateResponse::kStructureSize);
  EXPECT_EQ(s.security_mode(), kSigningEnabled | kSigningRequired);
  EXPECT_EQ(s.dialect(), dialect::k311);
  // SESSION_SETUP response: StructureSize 9, SessionFlags IS_GUEST (2.2.6).
  Bytes ss = {0x09, 0x00, 0x01, 0x00};
  const SessionSetupResponse g(fixed<4>(ss));
  EXPECT_EQ(g.structure_size(), SessionSetupResponse::kStructureSize);
  EXPECT_EQ(g.session_flags(), kSessionFlagIsGuest);
}

TEST(Smb2Dialects, OnlyRealDialectsAreSelectable) {
  for (uint16_t d : {0x0202, 0x0210, 0x0300, 0x0302, 0x0311}) EXPECT_TRUE(is_smb2_dialect(d));
  for (uint16_t d : {0x0000, 0x02FF, 0x0301, 0x0310, 0x0312, 0xFFFF})
    EXPECT_FALSE(is_smb2_dialect(d)) << d;
}

TEST(SmbStatus, AuthFailures) {
  EXPECT_TRUE(is_auth_failure(status::kLogonFailure));
  EXPECT_TRUE(is_auth_failure(status::kWrongPassword));
  EXPECT_TRUE(is_auth_failure(status::kAccountLockedOut));
  EXPECT_FALSE(is_auth_failure(status::kSuccess));
  EXPECT_FALSE(is_auth_failure(status::kMoreProcessingRequired));
}

TEST(Smb1Header, FieldsAndAuthFailure) {
  Bytes h(32, 0);
  h[0] = 0xFF, h[1] = 'S', h[2] = 'M', h[3] = 'B';
  h[4] = smb1::kSessionSetupAndx;                      // Command
  h[5] = 0x6D, h[6] = 0x00, h[7] = 0x00, h[8] = 0xC0;  // Status STATUS_LOGON_FAILURE
  h[9] = 0x98;                                         // Flags: REPLY, canonical, case-insensitive
  h[10] = 0x07, h[11] = 0xC8;                          // Flags2 0xC807: NT status, unicode, ...
  auto p = parse_smb1_header(fixed<32>(h));
  EXPECT_EQ(p.command, smb1::kSessionSetupAndx);
  EXPECT_TRUE(p.is_reply());
  EXPECT_TRUE(p.nt_status());
  EXPECT_TRUE(smb1_auth_failure(p));
  // DOS error form: ErrorClass ERRSRV (2), reserved, ErrorCode ERRbadpw (2).
  h[5] = 0x02, h[6] = 0x00, h[7] = 0x02, h[8] = 0x00;
  h[10] = 0x01, h[11] = 0x00;  // Flags2 without NT status
  p = parse_smb1_header(fixed<32>(h));
  EXPECT_FALSE(p.nt_status());
  EXPECT_TRUE(smb1_auth_failure(p));
  h[7] = 0x05;  // ERRSRV/ERRaccess (5): not a password failure
  EXPECT_FALSE(smb1_auth_failure(parse_smb1_header(fixed<32>(h))));
}

Bytes dialect_list(std::initializer_list<std::string> names) {
  Bytes b;
  for (const auto& n : names) {
    b.push_back(0x02);  // BufferFormat: dialect
    b.insert(b.end(), n.begin(), n.end());
    b.push_back(0x00);
  }
  return b;
}

DialectScanner scan(const Bytes& b, bool* malformed = nullptr) {
  DialectScanner s;
  for (uint8_t c : b)
    if (s.feed(c) == DialectScanner::Result::Malformed) {
      if (malformed) *malformed = true;
      break;
    }
  return s;
}

TEST(DialectScanner, FindsSmb2DialectsAmongWindowsDialects) {
  auto s = scan(dialect_list({"NT LM 0.12", "SMB 2.002", "SMB 2.???"}));
  EXPECT_TRUE(s.complete());
  EXPECT_EQ(s.offers(), DialectScanner::kOffers2002 | DialectScanner::kOffersWildcard);
  s = scan(dialect_list({"PC NETWORK PROGRAM 1.0", "LANMAN1.0", "NT LM 0.12"}));
  EXPECT_TRUE(s.complete());
  EXPECT_EQ(s.offers(), 0);
  s = scan(dialect_list({"NT LM 0.12", "SMB 2.002"}));
  EXPECT_EQ(s.offers(), DialectScanner::kOffers2002);
}

TEST(DialectScanner, NearMissesDoNotCount) {
  auto s = scan(dialect_list({"SMB 2.0021", "SMB 2.00", "smb 2.002", "XSMB 2.002", "SMB 2.??"}));
  EXPECT_TRUE(s.complete());
  EXPECT_EQ(s.offers(), 0);
  // A very long name is bounded and does not match.
  s = scan(dialect_list({std::string(300, 'A'), "SMB 2.???"}));
  EXPECT_EQ(s.offers(), DialectScanner::kOffersWildcard);
}

TEST(DialectScanner, MalformedAndIncomplete) {
  bool bad = false;
  scan(Bytes{0x03, 'S', 0x00}, &bad);  // BufferFormat other than 0x02
  EXPECT_TRUE(bad);
  Bytes cut = dialect_list({"NT LM 0.12", "SMB 2.002"});
  cut.pop_back();  // no NUL at the end
  bad = false;
  auto s = scan(cut, &bad);
  EXPECT_FALSE(bad);
  EXPECT_FALSE(s.complete());
  EXPECT_EQ(s.offers(), 0);  // "SMB 2.002" never terminated
}

}  // namespace
}  // namespace pw::proto::smb
