#include "protocols/smb/smb_inspector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/transcript_test.h"
#include "tests/protocols/smb/smb_messages.h"

namespace pw::proto::smb {
namespace {

using namespace test;

// --- More message builders (SMB2 NEGOTIATE and SESSION_SETUP: smb_messages.h), byte for byte what
// Samba's smbclient / smbd (4.x) and Windows send ------------------------------------------------

Bytes tree_connect_request(uint64_t mid, uint64_t sid) {
  std::u16string path = u"\\\\198.18.20.5\\scans";
  W w;
  w.bytes(smb2_header({0x0003, false, 0, mid, sid}))  // TREE_CONNECT (2.2.9)
      .le16(9)                                        // StructureSize
      .le16(0)                                        // Flags
      .le16(72)                                       // PathOffset
      .le16(uint16_t(path.size() * 2));               // PathLength
  for (char16_t c : path) w.le16(c);                  // Path, UTF-16LE
  return frame(w.b);
}

// SMB1 header (MS-CIFS 2.2.3.1) as Windows and Samba's NT1 client send it.
// Flags2 0xC847 (smbclient, signing enabled but not required): UNICODE, NT_STATUS,
// EXTENDED_SECURITY, IS_LONG_NAME, SECURITY_SIGNATURE, EAS, LONG_NAMES; 0x0010 would be
// SECURITY_SIGNATURE_REQUIRED.
Bytes smb1_header(uint8_t command, bool reply, uint16_t flags2 = 0xC847, uint32_t status = 0) {
  W w;
  w.raw("\xFFSMB")              // Protocol
      .u8(command)              // Command
      .le32(status)             // Status
      .u8(reply ? 0x98 : 0x18)  // Flags: REPLY, CANONICALIZED_PATHS, CASELESS
      .le16(flags2)             // Flags2
      .le16(0)                  // PIDHigh
      .zeros(8)                 // SecurityFeatures
      .le16(0)                  // Reserved
      .le16(0xFFFF)             // TID
      .le16(0xFEFF)             // PIDLow
      .le16(0)                  // UID
      .le16(0);                 // MID
  return w.b;
}

// SMB1 NEGOTIATE request (MS-CIFS 2.2.4.52.1): the multi-protocol negotiate.
Bytes smb1_negotiate(std::initializer_list<std::string> dialects, uint16_t flags2 = 0xC847) {
  W list;
  for (const auto& d : dialects) list.u8(0x02).raw(d).u8(0);  // BufferFormat, name, NUL
  W w;
  w.bytes(smb1_header(smb1::kNegotiate, false, flags2))
      .u8(0)                          // WordCount
      .le16(uint16_t(list.b.size()))  // ByteCount
      .bytes(list.b);
  return frame(w.b);
}
const std::initializer_list<std::string> kWindowsDialects = {"NT LM 0.12", "SMB 2.002",
                                                             "SMB 2.???"};

// SMB1 NEGOTIATE response, NT LM 0.12 (MS-CIFS 2.2.4.52.2, extended security).
Bytes smb1_negotiate_response(uint8_t security_mode) {
  W w;
  w.bytes(smb1_header(smb1::kNegotiate, true))
      .u8(17)             // WordCount
      .le16(0)            // DialectIndex: "NT LM 0.12"
      .u8(security_mode)  // SecurityMode: USER 0x1, ENCRYPT 0x2, SIG_ENABLED 0x4, SIG_REQ 0x8
      .le16(50)           // MaxMpxCount
      .le16(1)            // MaxNumberVcs
      .le32(16644)        // MaxBufferSize
      .le32(65536)        // MaxRawSize
      .le32(0)            // SessionKey
      .le32(0x8001F3FD)   // Capabilities (EXTENDED_SECURITY, ...)
      .le64(0x01DA0A1B2C3D4E5Full)  // SystemTime
      .le16(0)                      // ServerTimeZone
      .u8(0)                        // ChallengeLength
      .le16(16 + 74)                // ByteCount
      .raw("fedcba9876543210")      // ServerGUID
      .bytes(negtoken_init_hint());
  return frame(w.b);
}

// SMB1 SESSION_SETUP_ANDX response (MS-CIFS 2.2.4.53.2, extended security).
Bytes smb1_session_setup_response(uint32_t status, uint16_t action) {
  const Bytes token = der(0xa1, der(0x30, der(0xa0, der(0x0a, {0x00}))));
  W w;
  w.bytes(smb1_header(smb1::kSessionSetupAndx, true, 0xC807, status))
      .u8(4)                                  // WordCount
      .u8(0xFF)                               // AndXCommand: none
      .u8(0)                                  // AndXReserved
      .le16(0)                                // AndXOffset
      .le16(action)                           // Action: SMB_SETUP_GUEST 0x1
      .le16(uint16_t(token.size()))           // SecurityBlobLength
      .le16(uint16_t(token.size() + 12))      // ByteCount
      .bytes(token)                           // SecurityBlob: accept-completed
      .raw(std::string("Unix\0Samba\0", 11))  // NativeOS, NativeLanMan (ASCII)
      .u8(0);                                 // padding
  return frame(w.b);
}

// NetBIOS session request (RFC 1002 4.3.2): called and calling names, first-level encoded.
Bytes nb_name(const std::string& name, uint8_t suffix) {
  std::string n = name;
  n.resize(15, ' ');
  n.push_back(char(suffix));
  W w;
  w.u8(32);
  for (unsigned char c : n) w.u8(uint8_t('A' + (c >> 4))).u8(uint8_t('A' + (c & 0xF)));
  return w.u8(0).b;
}
Bytes nb_session_request() {
  return frame(cat({nb_name("PRINTER", 0x20), nb_name("WS01", 0x00)}), 0x81);
}
Bytes nb(uint8_t type, Bytes payload = {}) { return frame(payload, type); }

// --- Harness -----------------------------------------------------------------------------------

using testing::Msg;
constexpr Dir C = Dir::ToServer;
constexpr Dir S = Dir::ToClient;

// A flow of the SMB inspector (tests/support/transcript_test.h); run_split() tries whole
// messages and 1, 2, 3, 7-byte chunks.
struct Smb : testing::TranscriptTest<SmbInspector> {
  Smb() : TranscriptTest(policy::Inspect::Smb, 2, 1024, {1, 2, 3, 7}) {}
};

constexpr size_t kBody = 4 + 64;  // frame header + SMB2 header: where a body starts

std::vector<Msg> signed_session(uint16_t client_mode, uint16_t server_mode, uint16_t flags = 0) {
  const uint64_t sid = 0x0000A4E5F0000001ull;
  return {
      {C, negotiate_request(client_mode)},
      {S, negotiate_response(server_mode, dialect::k311)},
      {C, session_setup_request(1, 0, true)},
      {S, frame(session_setup_response(status::kMoreProcessingRequired, 0, 1, sid))},
      {C, session_setup_request(2, sid, false)},
      {S, frame(session_setup_response(status::kSuccess, flags, 2, sid))},
      {C, tree_connect_request(3, sid)},
  };
}

// --- SMB2 negotiate and signing ----------------------------------------------------------------

TEST_F(Smb, SignedSessionPassesThroughAtTheFirstSuccessfulSessionSetup) {
  svc.smb_signing_required = true;
  auto o = run_split(signed_session(kSigningEnabled, kSigningEnabled | kSigningRequired),
                     kBody + 3);  // the last byte of SessionFlags
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
  EXPECT_EQ(o.message, 5u);
  EXPECT_EQ(counters[Reason::SmbGuestSession], 0u);
}

TEST_F(Smb, ServerWithoutRequiredSigningIsDeniedAtTheNegotiateResponse) {
  svc.smb_signing_required = true;
  // smbd with the default "server signing = default" answers SecurityMode 0x0001.
  auto o = run_split(signed_session(kSigningEnabled, kSigningEnabled), kBody + 5);
  EXPECT_EQ(o.verdict, Verdict::Deny);
  EXPECT_EQ(o.reason, Reason::SmbUnsigned);
  EXPECT_EQ(o.message, 1u);
  EXPECT_EQ(o.at, kBody + 5);  // DialectRevision complete: nothing of the response's body after
}

TEST_F(Smb, ClientRequiringSigningIsEnough) {
  svc.smb_signing_required = true;
  auto o = run_split(signed_session(kSigningEnabled | kSigningRequired, kSigningEnabled));
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
}

TEST_F(Smb, UnsignedIsFineWhereTheServiceDoesNotRequireSigning) {
  svc.smb_signing_required = false;
  auto o = run_split(signed_session(kSigningEnabled, kSigningEnabled));
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
}

TEST_F(Smb, NoServiceMeansDefaults) {
  ctx.service = nullptr;  // defaults: SMB1 denied, signing optional
  auto o = run_split(signed_session(0, 0));
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
  o = run_split({{C, smb1_negotiate({"NT LM 0.12"})}});
  EXPECT_EQ(o.reason, Reason::Smb1);
}

TEST_F(Smb, EveryDialectIsRecorded) {
  for (uint16_t d : {0x0202, 0x0210, 0x0300, 0x0302, 0x0311}) {
    reset();
    EXPECT_EQ(run({{C, negotiate_request()}, {S, negotiate_response(1, d)}}).verdict,
              Verdict::Continue);
    EXPECT_EQ(static_cast<SmbFlow*>(st)->dialect, d);
    EXPECT_EQ(static_cast<SmbFlow*>(st)->phase, SmbFlow::Phase::Negotiated);
  }
}

TEST_F(Smb, NegotiateErrorAllowsAnotherNegotiateOnly) {
  W err;
  err.bytes(smb2_header({cmd::kNegotiate, true, 0xC00000BB /* NOT_SUPPORTED */, 0}))
      .le16(9)
      .u8(0)
      .u8(0)
      .le32(0)
      .u8(0);
  auto o = run({{C, negotiate_request()},
                {S, frame(err.b)},
                {C, negotiate_request(kSigningEnabled, 36, 1)},
                {S, negotiate_response(1, dialect::k300, 65, 1)}});
  EXPECT_EQ(o.verdict, Verdict::Continue);
  EXPECT_EQ(static_cast<SmbFlow*>(st)->dialect, dialect::k300);
  reset();
  o = run({{C, negotiate_request()}, {S, frame(err.b)}, {C, smb1_negotiate(kWindowsDialects)}});
  EXPECT_EQ(o.reason, Reason::Smb1);  // the one SMB1 negotiate must be the first message
}

// --- SMB1 --------------------------------------------------------------------------------------

TEST_F(Smb, MultiProtocolNegotiateAnsweredWithTheWildcardThenSmb2) {
  svc.smb_signing_required = true;
  auto t = signed_session(kSigningEnabled, kSigningEnabled | kSigningRequired);
  t[0].bytes = negotiate_request(kSigningEnabled, 36, 1);
  t[1].bytes = negotiate_response(kSigningEnabled | kSigningRequired, dialect::k311, 65, 1);
  t.insert(t.begin(), {{C, smb1_negotiate(kWindowsDialects)},
                       {S, negotiate_response(kSigningEnabled, dialect::kWildcard)}});
  auto o = run_split(t);
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
  EXPECT_EQ(o.message, 7u);
}

TEST_F(Smb, MultiProtocolNegotiateAnsweredWith202) {
  // The client only knows "SMB 2.002"; the server answers 0x0202 directly. Signing: the SMB1
  // request's Flags2 SECURITY_SIGNATURE_REQUIRED (0x0010) counts as the client's requirement.
  svc.smb_signing_required = true;
  std::vector<Msg> t = {{C, smb1_negotiate({"NT LM 0.12", "SMB 2.002"}, 0xC847)},
                        {S, negotiate_response(kSigningEnabled, dialect::k202)}};
  auto o = run_split(t, kBody + 5);
  EXPECT_EQ(o.reason, Reason::SmbUnsigned);
  t[0].bytes = smb1_negotiate({"NT LM 0.12", "SMB 2.002"}, 0xC847 | 0x0010);
  o = run_split(t);
  EXPECT_EQ(o.verdict, Verdict::Continue);
  EXPECT_EQ(static_cast<SmbFlow*>(st)->dialect, dialect::k202);
}

TEST_F(Smb, Smb1NegotiateWithoutSmb2DialectsIsDenied) {
  Bytes n = smb1_negotiate({"PC NETWORK PROGRAM 1.0", "LANMAN1.0", "LM1.2X002", "NT LM 0.12"});
  auto o = run_split({{C, n}}, n.size() - 1);  // the list's last byte decides
  EXPECT_EQ(o.verdict, Verdict::Deny);
  EXPECT_EQ(o.reason, Reason::Smb1);
}

TEST_F(Smb, Smb1NegotiateAnsweredInSmb1IsDenied) {
  auto o = run_split({{C, smb1_negotiate(kWindowsDialects)}, {S, smb1_negotiate_response(0x0F)}},
                     7);  // the answer's protocol identifier
  EXPECT_EQ(o.reason, Reason::Smb1);
  EXPECT_EQ(o.message, 1u);
}

TEST_F(Smb, ServerAnswerMustMatchTheOfferedSmb2Dialects) {
  // 0x02FF although "SMB 2.???" was not offered; 0x0202 although "SMB 2.002" was not; 0x0311.
  auto o = run_split({{C, smb1_negotiate({"NT LM 0.12", "SMB 2.002"})},
                      {S, negotiate_response(1, dialect::kWildcard)}});
  EXPECT_EQ(o.reason, Reason::MalformedSmb);
  o = run_split({{C, smb1_negotiate({"NT LM 0.12", "SMB 2.???"})},
                 {S, negotiate_response(1, dialect::k202)}});
  EXPECT_EQ(o.reason, Reason::MalformedSmb);
  o = run_split({{C, smb1_negotiate(kWindowsDialects)}, {S, negotiate_response(1, 0x0311)}});
  EXPECT_EQ(o.reason, Reason::MalformedSmb);
  // And the wildcard is never an answer to an SMB2 NEGOTIATE.
  o = run_split({{C, negotiate_request()}, {S, negotiate_response(1, dialect::kWildcard)}});
  EXPECT_EQ(o.reason, Reason::MalformedSmb);
}

TEST_F(Smb, AnyOtherSmb1MessageIsDenied) {
  // As the first message.
  W ss;
  ss.bytes(smb1_header(smb1::kSessionSetupAndx, false)).u8(0).le16(0);
  auto o = run_split({{C, frame(ss.b)}}, 4 + 31);  // judged once its header is complete
  EXPECT_EQ(o.reason, Reason::Smb1);
  // After an SMB2 negotiate.
  o = run_split({{C, negotiate_request()},
                 {S, negotiate_response(1, dialect::k311)},
                 {C, smb1_negotiate(kWindowsDialects)}},
                7);
  EXPECT_EQ(o.reason, Reason::Smb1);
  // A second multi-protocol negotiate.
  o = run_split({{C, smb1_negotiate(kWindowsDialects)}, {C, smb1_negotiate(kWindowsDialects)}}, 7);
  EXPECT_EQ(o.reason, Reason::Smb1);
  EXPECT_EQ(o.message, 1u);
  // An SMB1 message from the server first.
  o = run_split({{S, smb1_negotiate_response(0x03)}}, 7);
  EXPECT_EQ(o.reason, Reason::Smb1);
}

TEST_F(Smb, Smb1AllowedByTheService) {
  svc.smb1 = true;
  svc.smb_signing_required = true;
  std::vector<Msg> t = {{C, smb1_negotiate({"NT LM 0.12"})},
                        {S, smb1_negotiate_response(0x0F)},  // signatures required
                        {S, smb1_session_setup_response(status::kLogonFailure, 0)},
                        {S, smb1_session_setup_response(status::kSuccess, 0)}};
  auto o = run_split(t);
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
  EXPECT_EQ(o.message, 3u);
  EXPECT_EQ(counters[Reason::AuthFailed], 1u);
  // Unsigned: denied at SecurityMode.
  t[1].bytes = smb1_negotiate_response(0x07);  // enabled, not required
  o = run_split(t, 4 + 35);
  EXPECT_EQ(o.reason, Reason::SmbUnsigned);
  // Guest session while signing is required: no key, nothing signed.
  t[1].bytes = smb1_negotiate_response(0x0F);
  t[3].bytes = smb1_session_setup_response(status::kSuccess, smb1::kSetupGuest);
  o = run_split(t);
  EXPECT_EQ(o.reason, Reason::SmbUnsigned);
  EXPECT_EQ(counters[Reason::SmbGuestSession], 1u);
  // Pre-NT LM 0.12 answers are not supported.
  W lanman;
  lanman.bytes(smb1_header(smb1::kNegotiate, true)).u8(13).zeros(26).le16(0);
  o = run_split({t[0], {S, frame(lanman.b)}});
  EXPECT_EQ(o.reason, Reason::MalformedSmb);
}

// --- SMB1 passwords: never in clear, whatever `smb1` says ----------------------------------------

// SESSION_SETUP_ANDX request without extended security (MS-CIFS 2.2.4.53.1, WordCount 13), as
// Samba's client sends it with `client use spnego = no` (and `client plaintext auth = yes` for a
// server without challenge/response).
Bytes smb1_session_setup_plain(const Bytes& oem, const Bytes& unicode, uint8_t andx = 0xFF) {
  W w;
  w.bytes(smb1_header(smb1::kSessionSetupAndx, false, 0xC005))
      .u8(13)                              // WordCount
      .u8(andx).u8(0).le16(0)              // AndXCommand, AndXReserved, AndXOffset
      .le16(16644).le16(50).le16(0)        // MaxBufferSize, MaxMpxCount, VcNumber
      .le32(0)                             // SessionKey
      .le16(uint16_t(oem.size()))          // OEMPasswordLen
      .le16(uint16_t(unicode.size()))      // UnicodePasswordLen
      .le32(0)                             // Reserved
      .le32(0x0000D4)                      // Capabilities
      .le16(uint16_t(oem.size() + unicode.size() + 16))  // ByteCount
      .bytes(oem)
      .bytes(unicode)
      .raw(std::string("printer\0WORKGROUP\0", 18));  // AccountName, PrimaryDomain
  return frame(w.b);
}
// SESSION_SETUP_ANDX request with extended security (WordCount 12): an NTLMSSP blob.
Bytes smb1_session_setup_blob() {
  const Bytes blob = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0x07, 0x82, 0x08, 0xa2};
  W w;
  w.bytes(smb1_header(smb1::kSessionSetupAndx, false))
      .u8(12).u8(0xFF).u8(0).le16(0).le16(16644).le16(50).le16(0).le32(0)
      .le16(uint16_t(blob.size())).le32(0).le32(0x8000D4)
      .le16(uint16_t(blob.size()))
      .bytes(blob);
  return frame(w.b);
}
// TREE_CONNECT_ANDX request (2.2.4.55.1) with a share-level password.
Bytes smb1_tree_connect(const Bytes& password) {
  W w;
  w.bytes(smb1_header(smb1::kTreeConnectAndx, false))
      .u8(4).u8(0xFF).u8(0).le16(0).le16(0)  // WordCount, AndX, Flags
      .le16(uint16_t(password.size()))        // PasswordLength
      .le16(uint16_t(password.size() + 20))   // ByteCount
      .bytes(password)
      .raw(std::string("\\\\P\\SCANS\0?????\0", 16)).zeros(4);
  return frame(w.b);
}
Bytes oem_text(const std::string& s) { return Bytes(s.begin(), s.end()); }
Bytes utf16(const std::string& s) {
  Bytes b;
  for (char c : s) b.insert(b.end(), {uint8_t(c), 0});
  return b;
}
Bytes response24(uint8_t seed) {
  Bytes b;
  for (int i = 0; i < 24; ++i) b.push_back(uint8_t(seed * 37 + i * 91 + 0x85));
  return b;
}
Bytes ntlmv2(size_t n, bool blob_ok = true) {
  Bytes b = response24(3);
  b.resize(n, 0x42);
  b[16] = blob_ok ? 1 : 0x42;
  b[17] = blob_ok ? 1 : 0x42;
  return b;
}

TEST_F(Smb, Smb1ClearTextPasswordsAreDeniedEvenWhenSmb1IsAllowed) {
  svc.smb1 = true;
  const Msg neg = {C, smb1_negotiate({"NT LM 0.12"})};
  const Msg resp = {S, smb1_negotiate_response(0x07)};  // USER, ENCRYPT, SIGNATURES_ENABLED
  auto session = [&](const Bytes& setup) {
    return std::vector<Msg>{neg, resp, {C, setup}, {S, smb1_session_setup_response(status::kSuccess, 0)}};
  };
  // Clear text, OEM or Unicode, refused at the words (an odd length) or at the password bytes.
  for (const Bytes& setup : {
           smb1_session_setup_plain(oem_text("PW-S3CR3T"), {}),
           smb1_session_setup_plain({}, utf16("Pw-s3cr3t")),
           smb1_session_setup_plain(oem_text(std::string("PW-S3CR3T-TWENTY-THREE!") + '\0'), {}),
           smb1_session_setup_plain(oem_text("PW-S3CR3T-TWENTY-FOUR!!"), {}),
           smb1_session_setup_plain({}, utf16("Pw-s3cr3t-12")),
           smb1_session_setup_plain(response24(1), utf16("Pw-s3cr3t-twenty-two-c")),
           smb1_session_setup_plain(response24(1), ntlmv2(60, false)),
       }) {
    reset();
    auto o = run_split(session(setup));
    EXPECT_EQ(o.reason, Reason::SmbPlaintextPassword);
    EXPECT_EQ(o.message, 2u);
  }
  // Challenge responses (LM + NTLM, LMv2 + NTLMv2), anonymous, extended security: allowed.
  for (const Bytes& setup : {smb1_session_setup_plain(response24(1), response24(2)),
                             smb1_session_setup_plain(response24(1), ntlmv2(60)),
                             smb1_session_setup_plain(Bytes{0}, {}),
                             smb1_session_setup_plain({}, {}), smb1_session_setup_blob()}) {
    reset();
    auto o = run_split(session(setup));
    EXPECT_EQ(o.verdict, Verdict::PassThrough);
  }
  // A server without challenge/response asks for clear-text passwords: refused at its answer.
  reset();
  auto o = run_split({neg, {S, smb1_negotiate_response(0x05)}}, 4 + 35);
  EXPECT_EQ(o.reason, Reason::SmbPlaintextPassword);
  // Share-level TREE_CONNECT passwords: clear text refused, a 24-byte response or none allowed.
  reset();
  o = run_split({neg, resp, {C, smb1_tree_connect(oem_text(std::string("secret") + '\0'))}});
  EXPECT_EQ(o.reason, Reason::SmbPlaintextPassword);
  reset();
  o = run_split({neg, resp, {C, smb1_tree_connect(oem_text(std::string(23, 'p') + '\0'))}});
  EXPECT_EQ(o.reason, Reason::SmbPlaintextPassword);
  for (const Bytes& pw : {Bytes{0}, response24(5)}) {
    reset();
    o = run({neg, resp, {C, smb1_tree_connect(pw)}});
    EXPECT_EQ(o.verdict, Verdict::Continue);
  }
  // A chained command behind SESSION_SETUP_ANDX is not followed: refused.
  reset();
  o = run({neg, resp, {C, smb1_session_setup_plain(response24(1), response24(2), smb1::kTreeConnectAndx)}});
  EXPECT_EQ(o.reason, Reason::MalformedSmb);
}

// --- Sessions ----------------------------------------------------------------------------------

TEST_F(Smb, GuestAndNullSessionsAreCounted) {
  for (uint16_t flags : {kSessionFlagIsGuest, kSessionFlagIsNull}) {
    svc.smb_signing_required = false;
    auto o = run_split(signed_session(kSigningEnabled, kSigningEnabled, flags));
    EXPECT_EQ(o.verdict, Verdict::PassThrough);
    EXPECT_EQ(counters[Reason::SmbGuestSession], 1u);
    // With signing required, a session that cannot sign is denied (its flags decide).
    svc.smb_signing_required = true;
    o = run_split(signed_session(kSigningEnabled, kSigningEnabled | kSigningRequired, flags),
                  kBody + 3);
    EXPECT_EQ(o.reason, Reason::SmbUnsigned);
    EXPECT_EQ(counters[Reason::SmbGuestSession], 1u);
  }
}

TEST_F(Smb, FailedLogonsAreCountedAndTheRetryPasses) {
  const uint64_t sid = 0x0000A4E5F0000001ull;
  auto t = signed_session(kSigningEnabled, kSigningEnabled);
  t.insert(t.begin() + 5,
           {{S, frame(session_setup_response(status::kLogonFailure, 0, 2, sid))},
            {C, session_setup_request(3, 0, true)},
            {S, frame(session_setup_response(status::kMoreProcessingRequired, 0, 3, sid + 1))},
            {C, session_setup_request(4, sid + 1, false)}});
  auto o = run(t);
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
  EXPECT_EQ(counters[Reason::AuthFailed], 1u);
  EXPECT_EQ(counters[Reason::SmbGuestSession], 0u);
}

TEST_F(Smb, AfterPassThroughNothingIsParsed) {
  auto t = signed_session(kSigningEnabled, kSigningEnabled);
  EXPECT_EQ(run(t).verdict, Verdict::PassThrough);
  Bytes junk = {0xde, 0xad, 0xbe, 0xef};
  Decision d = insp.on_data(*st, C, std::as_bytes(std::span(junk)), ctx);
  EXPECT_EQ(d.verdict, Verdict::PassThrough);
  EXPECT_EQ(d.allowed_bytes, 4u);
}

TEST_F(Smb, AfterADenialEverythingIsDenied) {
  auto o = run({{C, frame({0x00, 0x01, 0x02, 0x03})}});
  EXPECT_EQ(o.reason, Reason::MalformedSmb);
  Bytes more = negotiate_request();
  Decision d = insp.on_data(*st, C, std::as_bytes(std::span(more)), ctx);
  EXPECT_EQ(d.verdict, Verdict::Deny);
  EXPECT_EQ(d.reason, Reason::MalformedSmb);
  EXPECT_EQ(d.allowed_bytes, 0u);
}

// --- Several messages in one chunk, compounding ------------------------------------------------

TEST_F(Smb, SeveralMessagesInOneChunk) {
  svc.smb_signing_required = true;
  auto t = signed_session(kSigningEnabled, kSigningEnabled | kSigningRequired);
  // The client's keepalive and NEGOTIATE together; the server's failure and success responses
  // (two pipelined SESSION_SETUPs) together with a keepalive between them.
  const uint64_t sid = 0x0000A4E5F0000001ull;
  std::vector<Msg> packed = {
      {C, cat({nb(0x85), t[0].bytes})},
      t[1],
      t[2],
      {S, cat({frame(session_setup_response(status::kLogonFailure, 0, 1, sid)), nb(0x85),
               frame(session_setup_response(status::kSuccess, kSessionFlagIsGuest, 2, sid))})},
  };
  svc.smb_signing_required = false;
  auto o = run_split(packed);
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
  EXPECT_EQ(o.message, 3u);
  EXPECT_EQ(counters[Reason::AuthFailed], 1u);
  EXPECT_EQ(counters[Reason::SmbGuestSession], 1u);
}

TEST_F(Smb, CompoundedResponsesAreEachInspected) {
  // A guest SESSION_SETUP success hidden as the second message of a compound (MS-SMB2 3.3.4.1.3).
  const uint64_t sid = 7;
  Bytes first = session_setup_response(status::kMoreProcessingRequired, 0, 1, sid);
  const uint32_t next = uint32_t((first.size() + 7) / 8 * 8);
  first = session_setup_response(status::kMoreProcessingRequired, 0, 1, sid, next);
  first.resize(next, 0);
  Bytes compound =
      cat({first, session_setup_response(status::kSuccess, kSessionFlagIsNull, 2, sid)});
  svc.smb_signing_required = true;
  auto o = run_split({{C, negotiate_request()},
                      {S, negotiate_response(kSigningEnabled | kSigningRequired, 0x0311)},
                      {S, frame(compound)}},
                     4 + next + 64 + 3);
  EXPECT_EQ(o.reason, Reason::SmbUnsigned);
  EXPECT_EQ(counters[Reason::SmbGuestSession], 1u);
}

TEST_F(Smb, CompoundedNegotiateIsMalformed) {
  // A NEGOTIATE request compounded behind another NEGOTIATE: a renegotiation.
  Bytes a = negotiate_request();
  a.erase(a.begin(), a.begin() + 4);
  const uint32_t next = uint32_t((a.size() + 7) / 8 * 8);
  a[20] = uint8_t(next), a[21] = uint8_t(next >> 8);
  a.resize(next, 0);
  Bytes b = negotiate_request();
  b.erase(b.begin(), b.begin() + 4);
  auto o = run_split({{C, frame(cat({a, b}))}}, 4 + next + 63);
  EXPECT_EQ(o.reason, Reason::MalformedSmb);
}

TEST_F(Smb, BadNextCommandIsMalformed) {
  for (uint32_t next : {76u, 32u, 1000000u}) {  // unaligned, inside the header, past the frame
    reset();
    Bytes r = session_setup_response(status::kMoreProcessingRequired, 0, 1, 7, next);
    auto o = run({{C, negotiate_request()}, {S, negotiate_response(1, 0x0311)}, {S, frame(r)}});
    EXPECT_EQ(o.reason, Reason::MalformedSmb) << next;
    EXPECT_EQ(o.at, 4u + 63) << next;
  }
}

// --- Encryption and compression ---------------------------------------------------------------

Bytes transform_frame(uint64_t sid, size_t payload) {
  W w;
  w.raw("\xFDSMB")              // ProtocolId: SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41)
      .zeros(16)                // Signature
      .raw("nonce-0123456789")  // Nonce (16 bytes; AES-GCM uses the first 12)
      .le32(uint32_t(payload))  // OriginalMessageSize
      .le16(0)                  // Reserved
      .le16(1)                  // Flags: Encrypted
      .le64(sid)                // SessionId
      .zeros(payload);          // ciphertext
  return frame(w.b);
}
Bytes compressed_frame(size_t payload) {
  W w;
  w.raw("\xFCSMB")                  // ProtocolId: COMPRESSION_TRANSFORM_HEADER (2.2.42)
      .le32(uint32_t(payload * 4))  // OriginalCompressedSegmentSize
      .le16(1)                      // CompressionAlgorithm: LZNT1
      .le16(0)                      // Flags: unchained
      .le32(0)                      // Offset
      .zeros(payload);              // compressed data
  return frame(w.b);
}

TEST_F(Smb, EncryptionAndCompressionOnlyAfterSmb3) {
  std::vector<Msg> base = {{C, negotiate_request()}, {S, negotiate_response(1, 0x0311)}};
  auto with = [&](Msg m) {
    auto t = base;
    t.push_back(m);
    t.push_back({C, tree_connect_request(9, 7)});
    return t;
  };
  EXPECT_EQ(run_split(with({C, transform_frame(7, 200)})).verdict, Verdict::Continue);
  EXPECT_EQ(run_split(with({S, transform_frame(7, 3)})).verdict, Verdict::Continue);
  EXPECT_EQ(run_split(with({C, compressed_frame(100)})).verdict, Verdict::Continue);
  base[1].bytes = negotiate_response(1, 0x0300);
  EXPECT_EQ(run_split(with({C, transform_frame(7, 10)})).verdict, Verdict::Continue);
  EXPECT_EQ(run_split(with({C, compressed_frame(10)})).reason, Reason::MalformedSmb);
  base[1].bytes = negotiate_response(1, 0x0210);
  EXPECT_EQ(run_split(with({C, transform_frame(7, 10)})).reason, Reason::MalformedSmb);
  // Before any negotiate.
  EXPECT_EQ(run_split({{C, transform_frame(7, 10)}}, 7).reason, Reason::MalformedSmb);
  // Too short for its header.
  Bytes short_tf = transform_frame(7, 0);
  short_tf.resize(4 + 40);
  short_tf[3] = 40;
  base[1].bytes = negotiate_response(1, 0x0311);
  EXPECT_EQ(run_split(with({C, short_tf})).reason, Reason::MalformedSmb);
}

// --- NetBIOS session service (139) -------------------------------------------------------------

TEST_F(Smb, NetbiosSessionSetupAndKeepalives) {
  auto t = signed_session(kSigningEnabled, kSigningEnabled);
  t.insert(t.begin(), {{C, nb_session_request()}, {S, nb(0x82)}, {C, nb(0x85)}, {S, nb(0x85)}});
  auto o = run_split(t);
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
  EXPECT_TRUE(static_cast<SmbFlow*>(st)->nb_established);
}

TEST_F(Smb, NetbiosNegativeResponseThenRetry) {
  auto o = run_split({{C, nb_session_request()},
                      {S, nb(0x83, {0x82})},  // called name not present
                      {C, nb_session_request()},
                      {S, nb(0x82)},
                      {C, negotiate_request()}});
  EXPECT_EQ(o.verdict, Verdict::Continue);
}

TEST_F(Smb, NetbiosMisuseIsMalformed) {
  struct Case {
    std::vector<Msg> t;
    size_t deciding;
  };
  const Case cases[] = {
      {{{C, nb(0x86)}}, 3},                                         // undefined type
      {{{C, nb(0x84, {198, 18, 20, 9, 0x01, 0xBD})}}, 3},           // retarget: not followed
      {{{S, nb(0x82)}}, 3},                                         // answer without request
      {{{S, nb_session_request()}}, 3},                             // request from the server
      {{{C, nb_session_request()}, {C, nb_session_request()}}, 3},  // two requests
      {{{C, negotiate_request()}, {C, nb_session_request()}}, 3},   // request after SMB
      {{{C, nb_session_request()}, {C, negotiate_request()}}, 3},   // SMB before the answer
      {{{C, nb_session_request()}, {S, nb(0x82, {0})}}, 3},         // positive response with data
      {{{C, nb_session_request()}, {S, nb(0x83)}}, 3},              // negative without error code
      {{{C, nb(0x85, {0})}}, 3},                                    // keepalive with data
      {{{C, frame(Bytes(0x10000, 0), 0x81)}}, 3},                   // absurd session request
      {{{C, frame(Bytes{}, 0x81)}}, 3},                             // empty session request
  };
  for (const auto& c : cases) {
    auto o = run_split(c.t, c.deciding);
    EXPECT_EQ(o.reason, Reason::MalformedSmb);
    EXPECT_EQ(o.message, c.t.size() - 1);
  }
}

// --- Malformed SMB -----------------------------------------------------------------------------

TEST_F(Smb, MalformedMessages) {
  Bytes nego = negotiate_request();
  auto patched = [&](size_t off, uint8_t v) {
    Bytes b = nego;
    b[off] = v;
    return b;
  };
  // Session message too short for a protocol identifier.
  EXPECT_EQ(run_split({{C, frame({0xFE, 'S', 'M'})}}, 3).reason, Reason::MalformedSmb);
  // Unknown protocol identifier.
  EXPECT_EQ(run_split({{C, patched(4, 0xFB)}}, 7).reason, Reason::MalformedSmb);
  EXPECT_EQ(run_split({{C, patched(5, 's')}}, 7).reason, Reason::MalformedSmb);
  // Plain HTTP on the port.
  std::string http = "GET / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(run_split({{C, Bytes(http.begin(), http.end())}}, 3).reason, Reason::MalformedSmb);
  // SMB2 frame shorter than its header.
  Bytes tiny = frame(Bytes(nego.begin() + 4, nego.begin() + 4 + 40));
  EXPECT_EQ(run_split({{C, tiny}}, 7).reason, Reason::MalformedSmb);
  // Header StructureSize other than 64.
  EXPECT_EQ(run_split({{C, patched(8, 65)}}, 4 + 63).reason, Reason::MalformedSmb);
  // NEGOTIATE StructureSize other than 36, and zero dialects.
  EXPECT_EQ(run_split({{C, negotiate_request(1, 37)}}, kBody + 5).reason, Reason::MalformedSmb);
  EXPECT_EQ(run_split({{C, patched(kBody + 2, 0)}}, kBody + 5).reason, Reason::MalformedSmb);
  // Response StructureSize other than 65.
  EXPECT_EQ(run_split({{C, nego}, {S, negotiate_response(1, 0x0311, 64)}}, kBody + 5).reason,
            Reason::MalformedSmb);
  // A dialect no server selects.
  EXPECT_EQ(run_split({{C, nego}, {S, negotiate_response(1, 0x0312)}}, kBody + 5).reason,
            Reason::MalformedSmb);
  // NEGOTIATE body truncated by the frame (64 + 3 bytes).
  Bytes cut = frame(Bytes(nego.begin() + 4, nego.begin() + kBody + 3));
  EXPECT_EQ(run_split({{C, cut}}, 4 + 63).reason, Reason::MalformedSmb);
  // Response flag in the wrong direction.
  EXPECT_EQ(run_split({{C, patched(4 + 16, 1)}}, 4 + 63).reason, Reason::MalformedSmb);
  Bytes rsp = negotiate_response(1, 0x0311);
  rsp[4 + 16] = 0;
  EXPECT_EQ(run_split({{C, nego}, {S, rsp}}, 4 + 63).reason, Reason::MalformedSmb);
  // SESSION_SETUP success with a wrong StructureSize.
  Bytes ss = session_setup_response(status::kSuccess, 0, 1, 7);
  ss[64] = 8;
  EXPECT_EQ(
      run_split({{C, nego}, {S, negotiate_response(1, 0x0311)}, {S, frame(ss)}}, kBody + 3).reason,
      Reason::MalformedSmb);
}

TEST_F(Smb, MalformedSmb1Negotiate) {
  const Bytes n = smb1_negotiate(kWindowsDialects);
  auto patched = [&](size_t off, uint8_t v) {
    Bytes b = n;
    b[off] = v;
    return b;
  };
  // ByteCount one short: the list ends inside "SMB 2.???" (its NUL is left outside).
  const uint16_t byte_count = uint16_t(n[4 + 33] | n[4 + 34] << 8);
  auto o = run_split({{C, patched(4 + 33, uint8_t(byte_count - 1))}}, n.size() - 2);
  EXPECT_EQ(o.reason, Reason::MalformedSmb);
  // ByteCount beyond the frame.
  EXPECT_EQ(run_split({{C, patched(4 + 34, 1)}}, 4 + 34).reason, Reason::MalformedSmb);
  // WordCount other than 0.
  EXPECT_EQ(run_split({{C, patched(4 + 32, 1)}}, 4 + 34).reason, Reason::MalformedSmb);
  // BufferFormat other than 0x02 (dialect).
  EXPECT_EQ(run_split({{C, patched(4 + 35, 0x04)}}, 4 + 35).reason, Reason::MalformedSmb);
  // A reply flag on a request.
  EXPECT_EQ(run_split({{C, patched(4 + 9, 0x98)}}, 4 + 31).reason, Reason::MalformedSmb);
  // Shorter than header, WordCount and ByteCount.
  Bytes tiny = frame(Bytes(n.begin() + 4, n.begin() + 4 + 34));
  EXPECT_EQ(run_split({{C, tiny}}, 7).reason, Reason::MalformedSmb);
  // An empty dialect list offers no SMB2 dialect.
  W empty;
  empty.bytes(smb1_header(smb1::kNegotiate, false)).u8(0).le16(0);
  EXPECT_EQ(run_split({{C, frame(empty.b)}}, 4 + 34).reason, Reason::Smb1);
}

TEST_F(Smb, OutOfOrderCommandsAreMalformed) {
  // SESSION_SETUP before NEGOTIATE; a renegotiation; the server speaking first; a second
  // NEGOTIATE while the first is unanswered.
  EXPECT_EQ(run_split({{C, session_setup_request(0, 0, true)}}, 4 + 63).reason,
            Reason::MalformedSmb);
  EXPECT_EQ(run_split({{C, negotiate_request()},
                       {S, negotiate_response(1, 0x0311)},
                       {C, negotiate_request(1, 36, 1)}},
                      4 + 63)
                .reason,
            Reason::MalformedSmb);
  EXPECT_EQ(run_split({{S, negotiate_response(1, 0x0311)}}, 4 + 63).reason, Reason::MalformedSmb);
  EXPECT_EQ(run_split({{C, negotiate_request()}, {C, negotiate_request(1, 36, 1)}}, 4 + 63).reason,
            Reason::MalformedSmb);
  EXPECT_EQ(
      run_split({{C, negotiate_request()}, {S, frame(session_setup_response(0, 0, 1, 7))}}, 4 + 63)
          .reason,
      Reason::MalformedSmb);
}

TEST_F(Smb, LargeMessagesAreCountedDownNotBuffered) {
  // A 16 MiB - 1 WRITE after the negotiate: skipped in pieces, the next message still parsed.
  std::vector<Msg> t = {{C, negotiate_request()}, {S, negotiate_response(1, 0x0311)}};
  EXPECT_EQ(run(t).verdict, Verdict::Continue);
  Bytes write = smb2_header({0x0009, false, 0, 5, 7});
  write.resize(0xFFFFFF, 0x41);
  Bytes f = frame(write);
  ASSERT_EQ(f[1], 0xFF);
  for (size_t off = 0; off < f.size(); off += 65536) {
    const size_t len = std::min<size_t>(65536, f.size() - off);
    Decision d = insp.on_data(*st, C, std::as_bytes(std::span(f.data() + off, len)), ctx);
    ASSERT_EQ(d.verdict, Verdict::Continue);
  }
  auto o = run({{C, tree_connect_request(6, 7)},
                {S, frame(session_setup_response(status::kSuccess, 0, 1, 7))}});
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
}

TEST(SmbState, FitsABlockAndTheInspectorHasAName) {
  EXPECT_LE(sizeof(SmbFlow), FlowArena::kBlockSize);
  SmbInspector i;
  EXPECT_STREQ(i.name(), "smb");
  FlowArena a{1};
  Context ctx;
  FlowState* s = i.open(a);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(i.open(a), nullptr);  // arena exhausted: the pipeline fails closed
  i.close(s, a, ctx);
  EXPECT_EQ(a.available(), 1u);
}

}  // namespace
}  // namespace pw::proto::smb
