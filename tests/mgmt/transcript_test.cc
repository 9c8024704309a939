// Real protocol transcripts through `printwall replay`: captures of real Debian servers and clients
// (vsftpd, exim, dovecot, slapd, snmpd, samba, nginx against curl, ldapwhoami/ldapsearch, snmpget,
// smbclient, openssl s_client), made by tools/capture-transcripts and kept in
// tests/data/transcripts (README.md there lists each one). Unlike the synthetic flows of
// replay_test.cc and evasion_test.cc, these carry whatever real implementations send: TCP options,
// pipelining, multi-line replies, SASL exchanges, real TLS and SMB handshakes.
//
// Each transcript is replayed under a small-office configuration whose groups hold the outside
// server (198.18.30.10), so that the service is allowed and its inspector, not the port filter,
// decides. Per transcript:
// - allowed: every frame forwarded unchanged and in order, no drop or reject event;
// - denied: an event with the expected reason and service, no other denial, a TCP flow reset
//   toward both ends, what is forwarded is the exchange before the decision and nothing after
//   it, the flow is in mirror.pcap, and the secret (the password, its base64 forms, the
//   community) appears neither in the forwarded frames nor in the TCP streams reassembled from
//   them, nor in any event.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dataplane/packet.h"
#include "mgmt/printwall/replay.h"
#include "tests/support/capture_text.h"
#include "tests/support/packet_builder.h"
#include "tests/support/replay_run.h"

#ifndef PW_TRANSCRIPT_DIR
#define PW_TRANSCRIPT_DIR "tests/data/transcripts"
#endif

namespace pw::mgmt {
namespace {

using namespace pw::testing;
namespace fs = std::filesystem;

// The secrets tools/capture-transcripts uses.
constexpr const char* kPassword = "Pw-Secret-1";
constexpr const char* kCommunity = "Community-Secret";

// The small office of the captures: the printer 198.18.20.5 (2001:db8:20::5); the mail relay,
// directory and file server 198.18.30.10. IMAP is in neither profile: the admin adds it with
// STARTTLS required. The Remote UI over plain HTTP is closed by the profile; here it is opened
// with the HTTP inspector, so that the inspector (no Basic auth in clear) decides.
const std::string kOffice = std::string(kReplayOffice) +
    "set group mail-relay address 198.18.30.10\n"
    "set group ldap-servers address 198.18.30.10\n"
    "set group file-servers address 198.18.30.10\n"
    + std::string(kMailImapService) +
    "set service remote-ui-http description \"Remote UI over HTTP, no Basic auth in clear\"\n"
    "set service remote-ui-http action allow\n"
    "set service remote-ui-http inspect http\n"
    "set service remote-ui-http plaintext-auth deny\n";

// The same with LDAP's StartTLS optional: with `tls required` (the profile) nothing but StartTLS
// and RootDSE queries may precede TLS, so an anonymous address-book search is refused by policy
// (command-before-tls); with `tls optional` the inspector's own rule shows: anonymous binds pass,
// binds with a password in clear do not (plaintext-auth stays deny).
const std::string kLdapOptional = std::string(kOffice) + "set service ldap tls optional\n";

struct Transcript {
  const char* file;        // PW_TRANSCRIPT_DIR/<file>.pcap
  const char* conf_name;   // "office" or "ldap_optional"
  const char* reason;      // nullptr: allowed
  const char* service;     // the service that decides
  bool tcp = true;
  bool secret_in_capture = false;  // the capture carries the password or community in the clear
  size_t min_prefix = 0;   // denied: leading frames that must be forwarded (handshake, discovery)
};

std::ostream& operator<<(std::ostream& o, const Transcript& t) {
  return o << t.file << " (" << t.conf_name << ")";
}

const std::vector<Transcript>& transcripts() {
  static const std::vector<Transcript> v = {
      // FTP (vsftpd on the printer): USER before AUTH TLS; AUTH SSL + PBSZ/PROT P, passive data
      // connection in TLS on 50000-50010.
      {"ftp-plain-login", "office", "plaintext-auth", "ftp-print", true, true, 3},
      {"ftp-auth-tls", "office", nullptr, "ftp-print"},
      // SMTP submission (printer -> exim 587): AUTH PLAIN after EHLO, in clear / after STARTTLS.
      {"smtp-plain-auth", "office", "plaintext-auth", "mail-smtp", true, true, 3},
      {"smtp-starttls-auth", "office", nullptr, "mail-smtp"},
      // POP3 and IMAP (printer -> dovecot): AUTH PLAIN / AUTHENTICATE PLAIN in clear; STLS, STARTTLS.
      {"pop3-plain", "office", "plaintext-auth", "mail-pop3", true, true, 3},
      {"pop3-stls", "office", nullptr, "mail-pop3"},
      {"imap-plain", "office", "plaintext-auth", "mail-imap", true, true, 3},
      {"imap-starttls", "office", nullptr, "mail-imap"},
      // LDAP (printer -> slapd): simple bind with a password in clear; StartTLS then the bind;
      // an anonymous search.
      {"ldap-simple-bind", "office", "ldap-cleartext-bind", "ldap", true, true, 3},
      {"ldap-simple-bind", "ldap_optional", "ldap-cleartext-bind", "ldap", true, true, 3},
      {"ldap-starttls", "office", nullptr, "ldap"},
      {"ldap-starttls", "ldap_optional", nullptr, "ldap"},
      {"ldap-anonymous", "ldap_optional", nullptr, "ldap"},
      // SNMP (snmpget -> snmpd on the printer): community strings; v3 authPriv with engine-ID
      // discovery; v3 noAuthNoPriv after discovery (the discovery exchange itself passes).
      {"snmp-v2c", "office", "snmp-community", "snmp-agent", false, true, 0},
      {"snmp-v1", "office", "snmp-community", "snmp-agent", false, true, 0},
      {"snmp-v3-authpriv", "office", nullptr, "snmp-agent", false},
      {"snmp-v3-noauth", "office", "snmpv3-noauth", "snmp-agent", false, false, 2},
      // SMB scan to folder (printer -> smbd, signing mandatory): SMB 3.1.1 signed; SMB1 only.
      {"smb3-signed", "office", nullptr, "smb-send"},
      {"smb1", "office", "smb1", "smb-send", true, false, 3},
      // HTTP Basic to the Remote UI in clear (v4 and v6); HTTPS with TLS 1.3, 1.2; TLS 1.0.
      {"http-basic", "office", "http-basic-cleartext", "remote-ui-http", true, true, 3},
      {"http-basic-v6", "office", "http-basic-cleartext", "remote-ui-http", true, true, 3},
      {"https-tls13", "office", nullptr, "remote-ui-https"},
      {"https-tls12", "office", nullptr, "remote-ui-https"},
      {"tls10", "office", "weak-tls-version", "remote-ui-https", true, false, 3},
  };
  return v;
}

std::string transcript_path(const std::string& file) {
  return (fs::path(PW_TRANSCRIPT_DIR) / (file + ".pcap")).string();
}

std::string base64(std::string_view in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k[v >> s & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) v |= uint32_t(uint8_t(in[i + 1])) << 8;
    out += k[v >> 18 & 63];
    out += k[v >> 12 & 63];
    out += i + 1 < in.size() ? k[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

// What must never be forwarded: the secret itself and its base64 encodings at each of the three
// alignments inside a longer token (SASL PLAIN "\0user\0password", HTTP Basic "user:password",
// AUTH LOGIN): the characters that depend on the secret's bytes only.
std::vector<std::string> needles(const std::string& secret) {
  std::vector<std::string> v = {secret};
  for (size_t k = 0; k < 3; ++k) {
    std::string enc = base64(std::string(k, '\0') + secret);
    size_t first = (k + 2) / 3, last = (k + secret.size()) / 3;  // whole 3-byte groups
    if (last > first) v.push_back(enc.substr(4 * first, 4 * (last - first)));
  }
  return v;
}

std::vector<std::string> all_needles() {
  std::vector<std::string> v = needles(kPassword);
  v.push_back(kCommunity);
  return v;
}

class TranscriptReplay : public ::testing::TestWithParam<Transcript> {
 protected:
  void SetUp() override {
    std::string id = std::string(GetParam().file) + "-" + GetParam().conf_name;
    dir_ = fs::temp_directory_path() / ("pw-transcript-" + std::to_string(::getpid()) + "-" + id);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

bool is_denial(const nlohmann::json& e) { return e["action"] == "drop" || e["action"] == "reject"; }

// The service's port: the destination port of the capture's first frame (the client speaks
// first: a SYN, or the first SNMP request).
uint16_t service_port(const std::vector<PcapFrame>& in) {
  dp::PacketView v;
  if (in.empty() || dp::parse_frame(in.front().data, v) != Reason::Forwarded) return 0;
  return v.dport;
}

bool is_rst(const PcapFrame& f) {
  dp::PacketView v;
  return dp::parse_frame(f.data, v) == Reason::Forwarded && v.ip_proto == dp::kProtoTcp &&
         !v.is_fragment && (v.tcp_flags & dp::kRst);
}

TEST_P(TranscriptReplay, VerdictAndNoSecretForwarded) {
  const Transcript& t = GetParam();
  const std::string path = transcript_path(t.file);
  ASSERT_TRUE(fs::exists(path)) << path << " missing (PW_TRANSCRIPT_DIR is " PW_TRANSCRIPT_DIR
                                << "; regenerate with tools/capture-transcripts)";
  const std::vector<PcapFrame> in = read_pcap(path);
  ASSERT_GE(in.size(), 2u) << path << " does not read as a capture";
  const std::string conf = std::string(t.conf_name) == "office" ? std::string(kOffice) : kLdapOptional;
  const ReplayRun run = replay_run(dir_, conf, path);
  ASSERT_EQ(run.status, 0) << run.err;

  const std::vector<PcapFrame>& fwd = run.forwarded;
  const std::vector<nlohmann::json>& ev = run.events;
  const std::vector<std::string> secrets = all_needles();
  std::string denials;
  for (const auto& e : ev)
    if (is_denial(e)) denials += "\n  " + e.dump();

  // The credential never crosses, whatever the verdict: not in a frame, not in a TCP stream put
  // together from what was forwarded, not in an event.
  const CaptureText fwd_text = capture_text(fwd);
  for (const auto& s : secrets) {
    EXPECT_FALSE(fwd_text.contains(s)) << "'" << s << "' forwarded";
    for (const auto& e : ev) EXPECT_EQ(e.dump().find(s), std::string::npos) << e.dump();
  }
  if (t.secret_in_capture) {
    // ... and the transcript really carries it, or the line above proves nothing.
    const CaptureText in_text = capture_text(in);
    EXPECT_TRUE(std::any_of(secrets.begin(), secrets.end(),
                            [&](const std::string& s) { return in_text.contains(s); }))
        << "the capture does not carry the secret in clear";
  }

  if (!t.reason) {
    // Allowed: every frame, byte for byte, in order; no denial (nDPI risk alerts may come).
    EXPECT_TRUE(denials.empty()) << "denied:" << denials;
    ASSERT_EQ(fwd.size(), in.size()) << run.err;
    for (size_t i = 0; i < in.size(); ++i) {
      EXPECT_EQ(fwd[i].data, in[i].data) << "frame " << i;
      EXPECT_EQ(fwd[i].ts_ns, in[i].ts_ns) << "frame " << i;
    }
    return;
  }

  // Denied by the inspector with the expected reason, and by nothing else.
  size_t matching = 0;
  for (const auto& e : ev) {
    if (!is_denial(e)) continue;
    EXPECT_EQ(e["reason"], t.reason) << e.dump();
    if (e["reason"] != t.reason) continue;
    ++matching;
    EXPECT_EQ(e["service"], t.service) << e.dump();
    if (t.tcp) {
      EXPECT_EQ(e["action"], "reject") << e.dump();  // the flow is killed
    }
  }
  EXPECT_GE(matching, 1u) << "no " << t.reason << " event; denials:" << denials;

  // What is forwarded: the input's first frames unchanged (at least the handshake or the SNMPv3
  // discovery), nothing after the denied one, plus for TCP the two RSTs the gateway injects.
  // (As strings: GCC 12 -O3 misreads std::less<std::vector<uint8_t>> as an overlong memcmp.)
  auto key = [](const Bytes& b) { return std::string(b.begin(), b.end()); };
  std::set<std::string> input_frames;
  for (const auto& f : in) input_frames.insert(key(f.data));
  std::vector<PcapFrame> passed, injected;
  for (const auto& f : fwd) (input_frames.count(key(f.data)) ? passed : injected).push_back(f);
  EXPECT_GE(passed.size(), t.min_prefix) << "the exchange before the decision did not pass";
  EXPECT_LT(passed.size(), in.size()) << "nothing was stopped";
  for (size_t i = 0; i < passed.size() && i < in.size(); ++i)
    EXPECT_EQ(passed[i].data, in[i].data) << "forwarded frame " << i << " is not input frame " << i;
  if (t.tcp) {
    EXPECT_EQ(injected.size(), 2u) << "expected one RST toward each end";
    for (const auto& f : injected) EXPECT_TRUE(is_rst(f)) << "injected a frame that is not a RST";
  } else {
    EXPECT_TRUE(injected.empty());
  }

  // The flow is mirrored to the NIDS.
  const uint16_t port = service_port(in);
  size_t in_mirror = 0;
  for (const auto& m : run.mirrored) {
    dp::PacketView v;
    if (dp::parse_frame(m.data, v) == Reason::Forwarded && (v.dport == port || v.sport == port))
      ++in_mirror;
  }
  EXPECT_GE(in_mirror, 1u) << "no frame of the flow in mirror.pcap";
}

std::string test_name(const ::testing::TestParamInfo<Transcript>& i) {
  std::string n = std::string(i.param.file) + "_" + i.param.conf_name;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(Real, TranscriptReplay, ::testing::ValuesIn(transcripts()), test_name);

// Every committed transcript has an expectation here, and every expectation its transcript.
TEST(TranscriptSet, EveryCaptureIsReplayed) {
  const fs::path dir(PW_TRANSCRIPT_DIR);
  ASSERT_TRUE(fs::is_directory(dir)) << dir << " missing (PW_TRANSCRIPT_DIR)";
  std::set<std::string> expected, present;
  for (const auto& t : transcripts()) expected.insert(t.file);
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".pcap") present.insert(e.path().stem().string());
  for (const auto& p : present) EXPECT_TRUE(expected.count(p)) << p << ".pcap has no expectation";
  for (const auto& x : expected) EXPECT_TRUE(present.count(x)) << x << ".pcap is missing";
}

TEST(TranscriptSet, NeedlesCoverTheEncodingsClientsSend) {
  // SASL PLAIN (curl: "\0user\0password"), HTTP Basic ("user:password"), AUTH LOGIN (password alone).
  const std::vector<std::string> n = needles(kPassword);
  for (const std::string& token : {base64(std::string("\0pwcapscan\0", 11) + kPassword),
                                  base64(std::string("pwcapscan:") + kPassword), base64(kPassword)}) {
    EXPECT_TRUE(std::any_of(n.begin(), n.end(),
                            [&](const std::string& s) { return token.find(s) != std::string::npos; }))
        << token;
  }
  EXPECT_EQ(base64("Pw-Secret-1"), "UHctU2VjcmV0LTE=");
}

}  // namespace
}  // namespace pw::mgmt
