#include "protocols/rfb/rfb_inspector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/transcript_test.h"

namespace pw::proto::rfb {
namespace {

using Bytes = std::vector<uint8_t>;

// --- Messages as x11vnc / TigerVNC / a printer panel (RFB 3.3) send them (RFC 6143 7.1) ---------

Bytes str(const std::string& s) { return Bytes(s.begin(), s.end()); }
Bytes u32(uint32_t v) { return {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}; }
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes r;
  for (const auto& p : parts)
    for (uint8_t b : p) r.push_back(b);  // not insert(): GCC 12 -Warray-bounds false positive
  return r;
}
// ProtocolVersion (7.1.1).
Bytes ver(const char* minor) { return str(std::string("RFB 003.") + minor + "\n"); }
// 3.7+ security types (7.1.2): U8 count, U8 types.
Bytes types(std::initializer_list<uint8_t> t) {
  Bytes b = {uint8_t(t.size())};
  for (uint8_t x : t) b.push_back(x);
  return b;
}
// A failure reason: U32 length, text (7.1.2, 7.1.3).
Bytes reason(const std::string& s) { return cat({u32(uint32_t(s.size())), str(s)}); }
// VNC Authentication (7.2.2): the server's random challenge, the client's DES response.
const Bytes kChallenge = {0x3e, 0x7a, 0x91, 0x0c, 0x55, 0xd2, 0x18, 0xa4,
                          0x6f, 0x01, 0xbb, 0x29, 0xc8, 0x73, 0x5e, 0x90};
const Bytes kResponse = {0x8d, 0x41, 0x06, 0xe2, 0x9a, 0x37, 0xc5, 0x7b,
                         0x10, 0xf4, 0x62, 0xab, 0x0d, 0x99, 0x2e, 0x58};
// VeNCrypt: version, sub-type list (U8 count, U32 sub-types).
Bytes subtypes(std::initializer_list<uint32_t> t) {
  Bytes b = {uint8_t(t.size())};
  for (uint32_t x : t) {
    for (uint8_t y : u32(x)) b.push_back(y);
  }
  return b;
}
// The start of a TLS 1.2 ClientHello as gtk-vnc sends it for type 18 (anonymous DH suites).
Bytes client_hello() {
  return cat({{0x16, 0x03, 0x01, 0x00, 0x2f,  // record: handshake, TLS 1.0 record version, length
               0x01, 0x00, 0x00, 0x2b,        // ClientHello, length 43
               0x03, 0x03},                   // client_version TLS 1.2
              Bytes(32, 0x5a),                // random
              {0x00,                          // session_id length
               0x00, 0x04, 0x00, 0xa6, 0x00, 0x34,  // DH_anon AES-128-GCM, AES-128-CBC
               0x01, 0x00}});                       // compression: null
}

// --- Harness ---------------------------------------------------------------------------------

using testing::Msg;
constexpr Dir C = Dir::ToServer;
constexpr Dir S = Dir::ToClient;

// A flow of the RFB inspector (tests/support/transcript_test.h); run_split() tries whole
// messages and 1, 2, 3, 5-byte chunks.
struct Rfb : testing::TranscriptTest<RfbInspector> {
  Rfb() : TranscriptTest(policy::Inspect::Rfb, 4, 16384, {1, 2, 3, 5}) {}
  RfbFlow& flow() { return *static_cast<RfbFlow*>(st); }
};

// --- RFB 3.3: the server decides ---------------------------------------------------------------

TEST_F(Rfb, Rfb33VncAuthIsDeniedAtTheServersType) {
  // A printer panel: RFB 3.3 with DES password authentication. Denied before the challenge.
  auto o = run_split({{S, ver("003")}, {C, ver("003")}, {S, cat({u32(2), kChallenge})}}, 3);
  EXPECT_EQ(o.verdict, Verdict::Deny);
  EXPECT_EQ(o.reason, Reason::RfbWeakAuth);
  EXPECT_EQ(o.message, 2u);
}

TEST_F(Rfb, Rfb33NoneIsDenied) {
  auto o = run_split({{S, ver("003")}, {C, ver("003")}, {S, u32(1)}}, 3);
  EXPECT_EQ(o.reason, Reason::RfbWeakAuth);
}

TEST_F(Rfb, Rfb33OtherTypesFailClosed) {
  // 3.3 defines 0, 1 and 2 only; UltraVNC's MS-Logon sends 0xFFFFFFFA, others 18 or 19.
  for (uint32_t t : {18u, 19u, 16u, 0xFFFFFFFAu}) {
    auto o = run_split({{S, ver("003")}, {C, ver("003")}, {S, u32(t)}}, 3);
    EXPECT_EQ(o.reason, Reason::RfbWeakAuth) << t;
  }
}

TEST_F(Rfb, Rfb33FailureThenNothing) {
  std::vector<Msg> t = {
      {S, ver("003")}, {C, ver("003")}, {S, cat({u32(0), reason("Too many security failures")})}};
  EXPECT_EQ(run_split(t).verdict, Verdict::Continue);
  EXPECT_EQ(flow().step, RfbFlow::Step::Closed);
  EXPECT_EQ(counters[Reason::AuthFailed], 0u);  // a refused connection, not a failed login
  t.push_back({C, {0x01}});
  EXPECT_EQ(run_split(t, 0).reason, Reason::MalformedRfb);
  t.back() = {S, {0x00}};
  EXPECT_EQ(run_split(t, 0).reason, Reason::MalformedRfb);
}

TEST_F(Rfb, ClientFollowsAnOlderVersion) {
  // An x11vnc server offers 3.8, an old viewer answers 3.3: the server then decides (3.3 form).
  auto o = run_split({{S, ver("008")}, {C, ver("003")}, {S, u32(2)}}, 3);
  EXPECT_EQ(o.reason, Reason::RfbWeakAuth);
  EXPECT_EQ(flow().minor, 3);
}

// --- RFB 3.7 / 3.8: the client chooses ---------------------------------------------------------

TEST_F(Rfb, Rfb38VncAuthIsDeniedAtTheClientsChoice) {
  // x11vnc -rfbauth: offers VNC Authentication only; TigerVNC's viewer picks it.
  auto o = run_split({{S, ver("008")}, {C, ver("008")}, {S, types({2})}, {C, {2}}}, 0);
  EXPECT_EQ(o.verdict, Verdict::Deny);
  EXPECT_EQ(o.reason, Reason::RfbWeakAuth);
  EXPECT_EQ(o.message, 3u);
}

TEST_F(Rfb, Rfb37And38NoneIsDenied) {
  for (const char* v : {"007", "008"}) {
    auto o = run_split({{S, ver(v)}, {C, ver(v)}, {S, types({1, 2})}, {C, {1}}}, 0);
    EXPECT_EQ(o.reason, Reason::RfbWeakAuth) << v;
  }
}

TEST_F(Rfb, TypesWeCannotVerifyFailClosed) {
  // Tight (16), RA2 (5), RA2ne (6), Ultra (17), Apple DH (30), MS-Logon II (113).
  for (uint8_t t : {16, 5, 6, 17, 30, 113}) {
    auto o = run_split({{S, ver("008")}, {C, ver("008")}, {S, types({t, 2})}, {C, {t}}}, 0);
    EXPECT_EQ(o.reason, Reason::RfbWeakAuth) << int(t);
  }
}

TEST_F(Rfb, AppleVersionFollowsThe38Handshake) {
  auto o = run_split({{S, ver("889")}, {C, ver("889")}, {S, types({30, 2})}, {C, {30}}}, 0);
  EXPECT_EQ(o.reason, Reason::RfbWeakAuth);
  EXPECT_EQ(flow().minor, 8);
}

TEST_F(Rfb, ChoiceMustBeOffered) {
  auto o = run_split({{S, ver("008")}, {C, ver("008")}, {S, types({2})}, {C, {19}}}, 0);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
  o = run_split({{S, ver("008")}, {C, ver("008")}, {S, types({2})}, {C, {0}}}, 0);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
}

TEST_F(Rfb, ServerFailureWithReason) {
  std::vector<Msg> t = {{S, ver("008")},
                        {C, ver("008")},
                        {S, cat({{0x00}, reason("Too many authentication failures")})}};
  EXPECT_EQ(run_split(t).verdict, Verdict::Continue);
  EXPECT_EQ(flow().step, RfbFlow::Step::Closed);
  t.push_back({C, {0x02}});  // a choice after a failure
  EXPECT_EQ(run_split(t, 0).reason, Reason::MalformedRfb);
}

// --- VNC Authentication where the service allows it ---------------------------------------------

TEST_F(Rfb, VncAuthWithPlaintextAuthAllowedAndItsResult) {
  svc.plaintext_auth = true;
  std::vector<Msg> t = {{S, ver("008")}, {C, ver("008")}, {S, types({2})}, {C, {2}},
                        {S, kChallenge}, {C, kResponse},  {S, u32(0)}};
  auto o = run_split(t, 3);  // SecurityResult OK: nothing more to inspect
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
  EXPECT_EQ(o.message, 6u);
  EXPECT_EQ(counters[Reason::AuthFailed], 0u);
  // Failed: counted; 3.8 adds a reason, then the server closes.
  t.back() = {S, cat({u32(1), reason("Authentication failed")})};
  EXPECT_EQ(run_split(t).verdict, Verdict::Continue);
  EXPECT_EQ(counters[Reason::AuthFailed], 1u);
  EXPECT_EQ(flow().step, RfbFlow::Step::Closed);
  // 3.3 (the printer panel): no reason after the result.
  t = {{S, ver("003")},
       {C, ver("003")},
       {S, cat({u32(2), kChallenge})},
       {C, kResponse},
       {S, u32(1)}};
  EXPECT_EQ(run_split(t).verdict, Verdict::Continue);
  EXPECT_EQ(counters[Reason::AuthFailed], 1u);
  EXPECT_EQ(flow().step, RfbFlow::Step::Closed);
  t.back() = {S, cat({u32(1), reason("x")})};
  EXPECT_EQ(run_split(t, 4).reason, Reason::MalformedRfb);
  // None stays denied.
  EXPECT_EQ(run_split({{S, ver("003")}, {C, ver("003")}, {S, u32(1)}}).reason, Reason::RfbWeakAuth);
}

TEST_F(Rfb, VncResponseBeforeTheChallengeIsOutOfTurn) {
  svc.plaintext_auth = true;
  auto o =
      run_split({{S, ver("008")}, {C, ver("008")}, {S, types({2})}, {C, cat({{2}, kResponse})}}, 1);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
}

// --- VeNCrypt ----------------------------------------------------------------------------------

std::vector<Msg> vencrypt(uint32_t choice) {
  return {{S, ver("008")},
          {C, ver("008")},
          {S, types({19, 2})},
          {C, {19}},
          {S, {0, 2}},  // VeNCrypt 0.2
          {C, {0, 2}},
          // Version accepted; TigerVNC's Xvnc sub-types, strongest first.
          {S, cat({{0}, subtypes({262, 259, 261, 258, 260, 257, 256, 2, 1})})},
          {C, u32(choice)}};
}

TEST_F(Rfb, VeNCryptTlsSubtypesPassThrough) {
  for (uint32_t t : {257u, 258u, 259u, 260u, 261u, 262u}) {
    auto o = run_split(vencrypt(t), 3);  // the chosen sub-type's last byte
    EXPECT_EQ(o.verdict, Verdict::PassThrough) << t;
    EXPECT_EQ(o.message, 7u);
  }
}

TEST_F(Rfb, VeNCryptPlainAndWeakSubtypesAreDenied) {
  for (uint32_t t : {256u, 2u, 1u}) {
    auto o = run_split(vencrypt(t), 3);
    EXPECT_EQ(o.reason, Reason::RfbWeakAuth) << t;
  }
}

TEST_F(Rfb, VeNCryptSubtypeMustBeOffered) {
  auto t = vencrypt(263);  // TLSSASL, not in the list
  EXPECT_EQ(run_split(t, 3).reason, Reason::MalformedRfb);
  // An "unofficial" sub-type (top bit set) is denied whether offered or not.
  t[6].bytes = cat({{0}, subtypes({0x80000001u, 261})});
  t[7].bytes = u32(0x80000001u);
  EXPECT_EQ(run_split(t, 3).reason, Reason::RfbWeakAuth);
  // A zero in the list.
  t[6].bytes = cat({{0}, subtypes({261, 0})});
  EXPECT_EQ(run_split(t).reason, Reason::MalformedRfb);
  EXPECT_EQ(run_split(t).message, 6u);
}

TEST_F(Rfb, VeNCryptVersionsAndRefusals) {
  auto t = vencrypt(261);
  t[4].bytes = {0, 1};  // a server that only knows the obsolete 0.1 (U8 sub-types)
  EXPECT_EQ(run_split(t, 1).reason, Reason::MalformedRfb);
  t = vencrypt(261);
  t[5].bytes = {0, 1};  // the client picks 0.1
  EXPECT_EQ(run_split(t, 1).reason, Reason::MalformedRfb);
  t = vencrypt(261);
  t[5].bytes = {0, 0};  // the client gives up: nothing may follow
  t.resize(6);
  EXPECT_EQ(run_split(t).verdict, Verdict::Continue);
  EXPECT_EQ(flow().step, RfbFlow::Step::Closed);
  t = vencrypt(261);
  t[6].bytes = {0xFF};  // the server refuses the version
  t.resize(7);
  EXPECT_EQ(run_split(t).verdict, Verdict::Continue);
  EXPECT_EQ(flow().step, RfbFlow::Step::Closed);
  t = vencrypt(261);
  t[6].bytes = {0, 0};  // no sub-types
  t.resize(7);
  EXPECT_EQ(run_split(t).verdict, Verdict::Continue);
  EXPECT_EQ(flow().step, RfbFlow::Step::Closed);
  t = vencrypt(0);  // the client cannot choose
  EXPECT_EQ(run_split(t).verdict, Verdict::Continue);
  EXPECT_EQ(flow().step, RfbFlow::Step::Closed);
}

// --- TLS (type 18): handed to the TLS inspector ------------------------------------------------

TEST_F(Rfb, TlsTypeHandsTheFlowToTheTlsInspector) {
  // The TLS decisions belong to the TLS inspector (tested there); here: after the choice no
  // byte is parsed as RFB any more, whatever it is.
  std::vector<Msg> t = {{S, ver("008")}, {C, ver("008")}, {S, types({18, 2})}};
  const size_t free_before = pool.available();
  EXPECT_EQ(run(t).verdict, Verdict::Continue);
  Bytes choice_and_hello = cat({{18}, client_hello()});
  Decision d = insp.on_data(*st, C, std::as_bytes(std::span(choice_and_hello)), ctx);
  EXPECT_TRUE(flow().tls_started);
  EXPECT_NE(d.reason, Reason::MalformedRfb);
  EXPECT_NE(d.reason, Reason::RfbWeakAuth);
  if (d.verdict != Verdict::Deny) {
    EXPECT_EQ(flow().step, RfbFlow::Step::Tls);
    // Bytes that are not RFB in this state (a version string, from either side): not judged
    // as RFB.
    Bytes again = ver("008");
    for (Dir dir : {S, C}) {
      d = insp.on_data(*st, dir, std::as_bytes(std::span(again)), ctx);
      EXPECT_NE(d.reason, Reason::MalformedRfb);
      EXPECT_NE(d.reason, Reason::RfbWeakAuth);
    }
  } else {
    EXPECT_GE(d.allowed_bytes, 1u);  // the choice byte itself was RFB and fine
  }
  // Whatever the TLS inspector holds is given back with the flow.
  insp.close(st, arena, ctx);
  st = nullptr;
  EXPECT_EQ(pool.available(), free_before);
}

TEST_F(Rfb, TlsTypeIn1ByteChunksNeverYieldsAnRfbVerdict) {
  std::vector<Msg> t = {{S, ver("007")}, {C, ver("007")},     {S, types({18})},
                        {C, {18}},       {C, client_hello()}, {S, Bytes(40, 0x16)}};
  const Outcome o = run(t, 1);
  EXPECT_TRUE(flow().tls_started);
  EXPECT_NE(o.reason, Reason::MalformedRfb);
  EXPECT_NE(o.reason, Reason::RfbWeakAuth);
  if (o.verdict != Verdict::Continue) {
    EXPECT_GE(o.message, 4u);  // the TLS inspector's verdict, on TLS bytes
  }
}

// --- Malformed and out of turn -----------------------------------------------------------------

TEST_F(Rfb, VersionsOtherThan33_37_38AreMalformed) {
  for (const char* v : {"RFB 004.001\n", "RFB 003.005\n", "RFB 003.006\n", "GET / HTTP/1"}) {
    auto o = run_split({{S, str(v)}}, 11);
    EXPECT_EQ(o.reason, Reason::MalformedRfb) << v;
  }
  // The client may not ask for more than the server offered.
  auto o = run_split({{S, ver("003")}, {C, ver("008")}}, 11);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
  EXPECT_EQ(o.message, 1u);
  o = run_split({{S, ver("007")}, {C, str("RFB 003.889\n")}}, 11);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
}

TEST_F(Rfb, LockStepIsEnforced) {
  // The client speaks first (an RFB client never does).
  auto o = run_split({{C, ver("008")}}, 0);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
  // The server sends its type list before the client's version: it cannot know the format.
  o = run_split({{S, cat({ver("008"), types({2})})}}, 12);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
  // The client sends its version and a choice together, before the list.
  o = run_split({{S, ver("008")}, {C, cat({ver("008"), {18}})}}, 12);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
  EXPECT_EQ(o.at, 12u);  // the version itself may go
}

TEST_F(Rfb, AbsurdLengthsAndZeroTypes) {
  auto o = run_split({{S, ver("008")}, {C, ver("008")}, {S, cat({{0}, u32(0xFFFFFFFF)})}}, 4);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
  o = run_split({{S, ver("003")}, {C, ver("003")}, {S, cat({u32(0), u32(4097)})}}, 7);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
  o = run_split({{S, ver("008")}, {C, ver("008")}, {S, types({2, 0})}}, 2);
  EXPECT_EQ(o.reason, Reason::MalformedRfb);
  // A 255-type list is fine (bounded: a bitmap), and a choice among them is judged.
  Bytes many = {255};
  for (int i = 1; i <= 255; ++i) many.push_back(uint8_t(i));
  o = run_split({{S, ver("008")},
                 {C, ver("008")},
                 {S, many},
                 {C, {19}},
                 {S, {0, 2}},
                 {C, {0, 2}},
                 {S, cat({{0}, subtypes({260})})},
                 {C, u32(260)}});
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
}

TEST_F(Rfb, SeveralMessagesInOneChunk) {
  // The server's VeNCrypt acknowledgement and sub-type list in one segment; the 3.3 type and
  // the challenge in one segment (plaintext-auth allowed).
  auto o = run_split(vencrypt(261));
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
  svc.plaintext_auth = true;
  o = run_split({{S, ver("003")},
                 {C, ver("003")},
                 {S, cat({u32(2), kChallenge})},
                 {C, kResponse},
                 {S, u32(0)}});
  EXPECT_EQ(o.verdict, Verdict::PassThrough);
}

TEST_F(Rfb, AfterAVerdictItSticks) {
  EXPECT_EQ(run({{S, str("HELLO WORLD!")}}).reason, Reason::MalformedRfb);
  Bytes v = ver("008");
  Decision d = insp.on_data(*st, S, std::as_bytes(std::span(v)), ctx);
  EXPECT_EQ(d.verdict, Verdict::Deny);
  EXPECT_EQ(d.allowed_bytes, 0u);
  reset();
  EXPECT_EQ(run(vencrypt(261)).verdict, Verdict::PassThrough);
  d = insp.on_data(*st, S, std::as_bytes(std::span(v)), ctx);
  EXPECT_EQ(d.verdict, Verdict::PassThrough);
  EXPECT_EQ(d.allowed_bytes, v.size());
}

TEST(RfbState, FitsABlockAndClosesWithoutTls) {
  EXPECT_LE(sizeof(RfbFlow), FlowArena::kBlockSize);
  RfbInspector i;
  EXPECT_STREQ(i.name(), "rfb");
  FlowArena a{1};
  BufferPool pool{1, 64};
  Context ctx;
  ctx.buffers = &pool;
  FlowState* s = i.open(a);
  ASSERT_NE(s, nullptr);
  i.close(s, a, ctx);  // no TLS started: nothing of the TLS state is touched
  EXPECT_EQ(a.available(), 1u);
  EXPECT_EQ(pool.available(), 1u);
}

}  // namespace
}  // namespace pw::proto::rfb
