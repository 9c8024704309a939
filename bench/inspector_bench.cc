// Inspectors: the cost of one newly inspected flow (its whole pre-TLS exchange plus the TLS
// handshake, through open/on_data/close), reported as flows per second per core, beside a
// reference measured in the same run: the same bytes only copied (memcpy), which is what a
// gateway that does not inspect would at least do with them.
//
// Every exchange is one the inspector allows (a Deny fails the benchmark with its reason):
//   TLS, FTP, SMTP, POP3, IMAP  STARTTLS-style upgrade (or TLS from the first byte), then TLS
//   HTTP                        a PUT with Digest authorization and its answer
//   SNMP (UDP)                  v3 engine-ID discovery + Report, an authPriv GetRequest + Response
//   LDAP                        StartTLS extended request + success, then TLS
//   SMB                         SMB2 NEGOTIATE (signing required) + response, NTLMSSP
//                               SESSION_SETUP (negotiate/challenge, authenticate/success)
//   RFB                         3.8, VeNCrypt offered, X509Plain chosen (pass-through at the
//                               choice), then the X509 TLS handshake that follows on the wire
#include <benchmark/benchmark.h>

#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "policy/inspector_config.h"
#include "protocols/inspector_registry.h"
#include "protocols/rfb/rfb_parser.h"
#include "protocols/smb/smb_parser.h"
#include "tests/protocols/ldap/ldap_messages.h"
#include "tests/protocols/smb/smb_messages.h"
#include "tests/protocols/snmp/snmp_messages.h"
#include "tests/support/inspector_driver.h"
#include "tests/support/tls_transcript.h"

namespace {

using namespace pw;

struct Chunk {
  proto::Dir dir;
  std::string bytes;
};

std::vector<Chunk> with_tls(std::vector<Chunk> pre, const std::vector<testing::TlsChunk>& hs) {
  for (const auto& c : hs) pre.push_back({c.to_server ? proto::Dir::ToServer : proto::Dir::ToClient, c.bytes});
  return pre;
}

const std::vector<testing::TlsChunk>& tls13() {
  static auto t = testing::tls_handshake();
  return t;
}
const std::vector<testing::TlsChunk>& tls12() {
  static auto t = testing::tls_handshake({0x0303 /* TLS1_2_VERSION */, 2048});
  return t;
}

template <typename B>
std::string str(const B& b) {
  return std::string(b.begin(), b.end());
}

// --- SNMP ------------------------------------------------------------------------------------

// The agent's authPriv Response to kV3AuthPrivGet (sysDescr.0 = "HP LaserJet"): msgFlags
// authPriv without reportable (RFC 3412 6.4), the same msgID, the engine's USM parameters, and
// the encrypted scoped PDU (AES-CFB keeps the 64 octets of the plaintext ScopedPDU).
std::string snmp_v3_auth_priv_response() {
  using namespace proto::snmp::test;
  const Bytes engine = {0x80, 0x00, 0x1f, 0x88, 0x80, 0x59, 0xdc, 0x48, 0x61,
                        0x45, 0xa2, 0x63, 0x22, 0x00, 0x00, 0x00, 0x00};
  const Bytes usm =
      tlv(0x30, cat({tlv(0x04, engine),                                      // engine ID
                     {0x02, 0x01, 0x01},                                     // engine boots
                     {0x02, 0x02, 0x0b, 0x5d},                               // engine time
                     tlv(0x04, {'a', 'd', 'm', 'i', 'n'}),                   // user name
                     tlv(0x04, {0x3c, 0x7e, 0x11, 0x92, 0xd0, 0x4b, 0x68, 0xa5, 0x0f, 0xe2,
                                0x71, 0x2c}),                                // HMAC-SHA-96
                     tlv(0x04, {0x00, 0x00, 0x00, 0x01, 0x5a, 0x3c, 0x11, 0x93})}));  // salt
  Bytes encrypted(64);
  for (size_t i = 0; i < encrypted.size(); ++i) encrypted[i] = static_cast<uint8_t>(i * 73 + 29);
  return str(tlv(0x30, cat({{0x02, 0x01, 0x03},                              // msgVersion 3
                            tlv(0x30, {0x02, 0x04, 0x1c, 0x2f, 0x44, 0x02,   // msgID
                                       0x02, 0x03, 0x00, 0xff, 0xe3,         // msgMaxSize
                                       0x04, 0x01, 0x03,                     // authPriv
                                       0x02, 0x01, 0x03}),                   // USM
                            tlv(0x04, usm),                                  // security params
                            tlv(0x04, encrypted)})));                        // encryptedPDU
}

// --- RFB (RFC 6143 7.1, VeNCrypt 0.2) ---------------------------------------------------------

std::string be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

std::vector<Chunk> exchange(policy::Inspect p, bool v12) {
  using D = proto::Dir;
  const auto& hs = v12 ? tls12() : tls13();
  switch (p) {
    case policy::Inspect::Ftp:
      return with_tls({{D::ToClient, "220 (vsFTPd 3.0.3)\r\n"}, {D::ToServer, "FEAT\r\n"},
                       {D::ToClient, "211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n211 End\r\n"},
                       {D::ToServer, "AUTH TLS\r\n"}, {D::ToClient, "234 Proceed with negotiation.\r\n"}},
                      hs);
    case policy::Inspect::Smtp:
      return with_tls({{D::ToClient, "220 mail.test ESMTP Postfix\r\n"}, {D::ToServer, "EHLO printer\r\n"},
                       {D::ToClient, "250-mail.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n"},
                       {D::ToServer, "STARTTLS\r\n"}, {D::ToClient, "220 2.0.0 Ready to start TLS\r\n"}},
                      hs);
    case policy::Inspect::Pop3:
      return with_tls({{D::ToClient, "+OK Dovecot ready.\r\n"}, {D::ToServer, "CAPA\r\n"},
                       {D::ToClient, "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nSTLS\r\n.\r\n"},
                       {D::ToServer, "STLS\r\n"}, {D::ToClient, "+OK Begin TLS negotiation now.\r\n"}},
                      hs);
    case policy::Inspect::Imap:
      return with_tls({{D::ToClient, "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready.\r\n"},
                       {D::ToServer, "a1 STARTTLS\r\n"}, {D::ToClient, "a1 OK Begin TLS negotiation now.\r\n"}},
                      hs);
    case policy::Inspect::Http:
      return {{D::ToServer, "PUT /scans/0001.pdf HTTP/1.1\r\nHost: files.test\r\nUser-Agent: MFD\r\n"
                            "Authorization: Digest username=\"mfd\", realm=\"x\"\r\nContent-Length: 10\r\n\r\n0123456789"},
              {D::ToClient, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"}};
    case policy::Inspect::Snmp: {
      // snmpget -v3 -l authPriv -u admin -a SHA -x AES: one datagram per chunk.
      using namespace proto::snmp::test;
      return {{D::ToServer, str(kV3Discovery)},
              {D::ToClient, str(kV3Report)},
              {D::ToServer, str(kV3AuthPrivGet)},
              {D::ToClient, snmp_v3_auth_priv_response()}};
    }
    case policy::Inspect::Ldap: {
      // ldapsearch -ZZ: StartTLS, slapd's success, then TLS.
      using namespace proto::ldap::test;
      return with_tls({{D::ToServer, str(kStartTls)}, {D::ToClient, str(kStartTlsOk)}}, hs);
    }
    case policy::Inspect::Smb: {
      // smbclient to smbd, both requiring signing: NEGOTIATE 3.1.1, then NTLMSSP in two
      // SESSION_SETUP round trips; the inspector steps aside at the successful response.
      // The messages of tests/protocols/smb/smb_inspector_test.cc (smb_messages.h).
      using namespace proto::smb::test;
      namespace smb = proto::smb;
      const uint16_t required = smb::kSigningEnabled | smb::kSigningRequired;
      const uint64_t sid = 0x0000A4E5F0000001ull;
      return {{D::ToServer, str(negotiate_request(required))},
              {D::ToClient, str(negotiate_response(required, smb::dialect::k311))},
              {D::ToServer, str(session_setup_request(1, 0, true))},
              {D::ToClient,
               str(frame(session_setup_response(smb::status::kMoreProcessingRequired, 0, 1, sid)))},
              {D::ToServer, str(session_setup_request(2, sid, false))},
              {D::ToClient, str(frame(session_setup_response(smb::status::kSuccess, 0, 2, sid)))}};
    }
    case policy::Inspect::Rfb: {
      // TigerVNC's viewer and Xvnc: RFB 3.8, VeNCrypt (type 19) and VNC auth offered, VeNCrypt
      // chosen, version 0.2, TigerVNC's sub-type list, X509Plain chosen: pass-through at that
      // choice; the X509 TLS handshake follows on the wire.
      namespace rfb = proto::rfb;
      const std::string types = {char(2), char(rfb::sec::kVeNCrypt), char(rfb::sec::kVncAuth)};
      std::string subtypes(1, char(9));
      for (uint32_t t : {262u, 259u, 261u, 258u, 260u, 257u, 256u, 2u, 1u}) subtypes += be32(t);
      return with_tls({{D::ToClient, "RFB 003.008\n"},
                       {D::ToServer, "RFB 003.008\n"},
                       {D::ToClient, types},
                       {D::ToServer, {char(rfb::sec::kVeNCrypt)}},
                       {D::ToClient, {char(0), char(2)}},
                       {D::ToServer, {char(0), char(2)}},
                       {D::ToClient, std::string(1, char(0)) + subtypes},
                       {D::ToServer, be32(rfb::vencrypt::kX509Plain)}},
                      hs);
    }
    default:
      return with_tls({}, hs);
  }
}

// Whether the inspector steps aside (PassThrough) by the end of its exchange.
bool goes_pass_through(policy::Inspect p) {
  switch (p) {
    case policy::Inspect::Http:  // judges every request of the connection
    case policy::Inspect::Ftp:   // keeps watching the record framing after TLS (CCC)
    case policy::Inspect::Snmp:  // UDP: every datagram is judged alone
      return false;
    default:
      return true;
  }
}

void run(benchmark::State& st, policy::Inspect p, bool v12, bool reference) {
  auto ex = exchange(p, v12);
  if (ex.size() < 2) {
    st.SkipWithError("no handshake");
    return;
  }
  // SNMP is measured over UDP (the profiles' snmp services): SnmpUdpInspector.
  const bool datagram = p == policy::Inspect::Snmp;
  const proto::Inspector* insp = proto::inspector_for(p, datagram);
  if (!insp) {
    st.SkipWithError("no inspector in this build");
    return;
  }
  // One flow at a time, opened and closed per iteration (tests/support/inspector_driver.h).
  testing::InspectorDriver flow(*insp, 4, 64 << 10);
  policy::InspectorConfig& svc = flow.service;
  // The profiles' settings for each protocol.
  const bool starttls_or_tls = p != policy::Inspect::Smb && p != policy::Inspect::Rfb &&
                               p != policy::Inspect::Snmp;
  svc.tls = starttls_or_tls ? policy::TlsMode::Required : policy::TlsMode::None;
  svc.inspect = p;
  svc.snmp_min_version = policy::SnmpVersion::V3;
  svc.snmp_min_security = policy::SnmpSecurity::AuthPriv;
  svc.smb_signing_required = true;
  svc.plaintext_auth = false;
  flow.ctx.now_ns = 1'750'000'000ull * 1'000'000'000ull;
  size_t bytes = 0;
  for (const auto& c : ex) bytes += c.bytes.size();
  std::vector<char> sink(70000);
  bool passed = false;
  for (auto _ : st) {
    if (reference) {
      for (const auto& c : ex) std::memcpy(sink.data(), c.bytes.data(), c.bytes.size());
      benchmark::DoNotOptimize(sink.data());
      continue;
    }
    flow.reopen();
    for (const auto& c : ex) {
      const auto d = flow.send(c.dir, c.bytes);
      if (d.verdict == proto::Verdict::Deny) {
        st.SkipWithError(reason_code(d.reason));
        break;
      }
      if (d.verdict == proto::Verdict::PassThrough) {
        passed = true;
        break;
      }
    }
  }
  flow.close();
  if (!reference && goes_pass_through(p) && !passed) st.SkipWithError("never went pass-through");
  st.SetItemsProcessed(st.iterations());  // flows
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes));
  st.SetLabel(reference ? "reference: memcpy of the same bytes" : "flows/s = items_per_second");
}

#define PW_BENCH(name, inspect, v12)                                                   \
  void BM_##name(benchmark::State& st) { run(st, policy::Inspect::inspect, v12, false); } \
  BENCHMARK(BM_##name);

void BM_Reference_Tls13(benchmark::State& st) { run(st, policy::Inspect::Tls, false, true); }
BENCHMARK(BM_Reference_Tls13);
PW_BENCH(Tls13, Tls, false)
PW_BENCH(Tls12WithCertificate, Tls, true)
PW_BENCH(FtpAuthTls13, Ftp, false)
PW_BENCH(SmtpStarttls13, Smtp, false)
PW_BENCH(Pop3Stls13, Pop3, false)
PW_BENCH(ImapStarttls13, Imap, false)
PW_BENCH(HttpPutDigest, Http, false)
PW_BENCH(SnmpV3AuthPrivUdp, Snmp, false)
PW_BENCH(LdapStarttls13, Ldap, false)
PW_BENCH(Smb311SignedNtlm, Smb, false)
PW_BENCH(RfbVencryptX509, Rfb, false)

}  // namespace

BENCHMARK_MAIN();
