// Every inspector through the whole pipeline (`printwall replay`), against the evasions an attacker
// tries: 1-byte and odd-sized segments, out-of-order segments, overlapping retransmissions (same
// and different bytes), IP fragments, 802.1Q and QinQ tags, IPv6 with extension headers, mixed
// case and pipelined commands, a ClientHello split over records and segments. The invariant on
// every denial: the credential appears nowhere in forwarded.pcap (frames, reassembled datagrams
// and TCP streams), the flow is in mirror.pcap, the event names the reason and not the secret, and
// a TCP flow is reset toward both ends.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dataplane/packet.h"
#include "mgmt/printwall/replay.h"
#include "tests/support/capture_text.h"
#include "tests/support/packet_builder.h"
#include "tests/support/replay_run.h"

namespace pw::mgmt {
namespace {

using namespace pw::testing;
using dp::kAck;
using dp::kPsh;
using dp::kSyn;
using dp::kUrg;
namespace fs = std::filesystem;

const std::string kConfig = std::string(kReplayOffice) +
    "set group mail-relay address 198.18.30.10\n"
    "set group mail-relay address 2001:db8:30::10\n"
    "set group ldap-servers address 198.18.30.10\n"
    "set group ldap-servers address 2001:db8:30::10\n"
    "set group proxy address 198.18.30.10\n"
    "set group proxy address 2001:db8:30::10\n"
    // IMAP is in neither profile: the admin adds it, STARTTLS required.
    + std::string(kMailImapService);

struct Step {
  bool to_server;
  Bytes bytes;
};

enum class Where { ToPrinter, FromPrinter };

struct Scenario {
  std::string name;
  Where where;
  bool udp;
  uint16_t port;
  std::vector<Step> steps;
  std::string secret;  // empty: nothing secret, only the verdict is checked
  std::string reason;
  std::string service;
  // Where the urgent-byte way inserts its byte: after this text (default: 4 bytes before the
  // secret, inside the keyword that introduces it).
  std::string urgent_after = {};
};

struct Way {
  std::string name;
  bool v6 = false;
  bool v6_ext = false;
  L2 l2;
  size_t seg = 100000;  // client bytes per segment
  bool fragment_ip = false;
  bool out_of_order = false;    // each pair of segments sent swapped, then the first again
  bool overlap = false;         // every segment re-sent with the next one (same bytes)
  bool conflicting = false;     // every client segment first sent with other bytes
  // The client step that carries the secret gets an extra byte inside the keyword before the
  // secret, sent as TCP urgent data: a Linux server takes it out of the stream.
  bool urgent = false;
};

Bytes tlv(uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  if (content.size() < 128) {
    out.push_back(static_cast<uint8_t>(content.size()));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<uint8_t>(content.size() >> 8));
    out.push_back(static_cast<uint8_t>(content.size()));
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ldapwhoami -x -D cn=printer,dc=example,dc=org -w Pw-s3cr3t (RFC 4511 BindRequest, simple).
Bytes ldap_simple_bind() {
  Bytes bind = cat({tlv(0x02, {3}), tlv(0x04, bytes("cn=printer,dc=example,dc=org")),
                    tlv(0x80, bytes("Pw-s3cr3t"))});
  return tlv(0x30, cat({tlv(0x02, {1}), tlv(0x60, bind)}));
}

// snmpget -v2c -c C0mmun1ty-x printer sysDescr.0
Bytes snmp_v2c_get() {
  Bytes oid = {0x2b, 6, 1, 2, 1, 1, 1, 0};
  Bytes vb = tlv(0x30, tlv(0x30, cat({tlv(0x06, oid), tlv(0x05, {})})));
  Bytes pdu = tlv(0xa0, cat({tlv(0x02, {0x3b, 0x9a, 0xca, 0x08}), tlv(0x02, {0}), tlv(0x02, {0}), vb}));
  return tlv(0x30, cat({tlv(0x02, {1}), tlv(0x04, bytes("C0mmun1ty-x")), pdu}));
}

// A ClientHello offering only TLS 1.0, its handshake message cut over two records.
Bytes weak_hello_two_records() {
  Bytes b = {0x03, 0x01};
  b.insert(b.end(), 32, 0x11);
  b.push_back(0);
  b.insert(b.end(), {0x00, 0x02, 0xc0, 0x2f, 0x01, 0x00});
  Bytes m = {0x01, 0x00, 0x00, static_cast<uint8_t>(b.size())};
  append(m, b);
  auto record = [](std::span<const uint8_t> body) {
    Bytes r = {0x16, 0x03, 0x01, static_cast<uint8_t>(body.size() >> 8),
               static_cast<uint8_t>(body.size())};
    append(r, body);
    return r;
  };
  std::span<const uint8_t> all(m);
  return cat({record(all.first(10)), record(all.subspan(10))});
}

// An LPD job (RFC 1179) whose data file is `data`.
std::string lpd_job(const std::string& data) {
  return "\x02lp\n\x03" + std::to_string(data.size()) + " dfA001client\n" + data + std::string(1, '\0');
}

Step c(const std::string& s) { return {true, bytes(s)}; }
Step s(const std::string& x) { return {false, bytes(x)}; }

std::vector<Scenario> scenarios() {
  return {
      {"ftp USER/PASS, lower case, pipelined", Where::ToPrinter, false, 21,
       {s("220 (vsFTPd 3.0.3)\r\n"), c("feat\r\n"), s("211-Features:\r\n AUTH TLS\r\n211 End\r\n"),
        c("user printer\r\npass Pw-s3cr3t\r\n")},
       "Pw-s3cr3t", "plaintext-auth", "ftp-print"},
      {"ftp USER after a refused AUTH TLS", Where::ToPrinter, false, 21,
       {s("220 ready\r\n"), c("AUTH TLS\r\n"), s("534 Policy denied\r\n"),
        c("USER printer\r\nPASS Pw-s3cr3t\r\n")},
       "Pw-s3cr3t", "plaintext-auth", "ftp-print"},
      {"smtp AUTH before STARTTLS, mixed case", Where::FromPrinter, false, 587,
       {s("220 mail.example.org ESMTP Postfix\r\n"), c("EHLO printer\r\n"),
        s("250-mail.example.org\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n"),
        c("AuTh PLAIN AHByaW50ZXIAUHctczNjcjN0\r\n")},
       "AHByaW50ZXIAUHctczNjcjN0", "plaintext-auth", "mail-smtp"},
      {"smtp AUTH pipelined behind STARTTLS", Where::FromPrinter, false, 25,
       {s("220 mail.example.org ESMTP\r\n"), c("EHLO printer\r\n"),
        s("250-mail.example.org\r\n250 STARTTLS\r\n"),
        c("STARTTLS\r\nAUTH PLAIN AHByaW50ZXIAUHctczNjcjN0\r\n")},
       "AHByaW50ZXIAUHctczNjcjN0", "starttls-injection", "mail-smtp"},
      {"smtp server strips STARTTLS", Where::FromPrinter, false, 25,
       {s("220 mail.example.org ESMTP\r\n"), c("EHLO printer\r\n"),
        s("250-mail.example.org\r\n250 AUTH PLAIN\r\n"), c("AUTH PLAIN AHByaW50ZXIAUHctczNjcjN0\r\n")},
       "AHByaW50ZXIAUHctczNjcjN0", "starttls-stripped", "mail-smtp"},
      {"pop3 USER/PASS, pipelined", Where::FromPrinter, false, 110,
       {s("+OK Dovecot ready.\r\n"), c("CAPA\r\n"), s("+OK\r\nCAPA\r\nSTLS\r\nUSER\r\n.\r\n"),
        c("user printer\r\nPASS Pw-s3cr3t\r\n")},
       "Pw-s3cr3t", "plaintext-auth", "mail-pop3"},
      {"imap LOGIN, mixed case", Where::FromPrinter, false, 143,
       {s("* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n"), c("a1 CAPABILITY\r\n"),
        s("* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n"), c("a2 LoGiN printer Pw-s3cr3t\r\n")},
       "Pw-s3cr3t", "plaintext-auth", "mail-imap"},
      {"http Proxy-Authorization Basic, lower case", Where::FromPrinter, false, 8080,
       {c("GET http://198.18.30.10/fw.bin HTTP/1.1\r\nHost: 198.18.30.10\r\n"
          "proxy-authorization: basic cHJpbnRlcjpQdy1zM2NyM3Q=\r\n\r\n")},
       "cHJpbnRlcjpQdy1zM2NyM3Q=", "http-basic-cleartext", "web-proxy", "proxy-authori"},
      {"ldap simple bind", Where::FromPrinter, false, 389, {{true, ldap_simple_bind()}}, "Pw-s3cr3t",
       "ldap-cleartext-bind", "ldap"},
      {"tls 1.0 ClientHello over two records", Where::ToPrinter, false, 443,
       {{true, weak_hello_two_records()}}, "", "weak-tls-version", "remote-ui-https"},
      {"snmp v2c community", Where::ToPrinter, true, 161, {{true, snmp_v2c_get()}}, "C0mmun1ty-x",
       "snmp-community", "snmp-agent"},
      // Print jobs: the command is judged at its line end or delimiter, which never reaches the
      // printer (nothing secret to look for in the forwarded bytes: the verdict is checked).
      {"pjl file listing after a benign header, lower case", Where::ToPrinter, false, 9100,
       {c("\x1b%-12345X@PJL JOB NAME=\"a\"\r\n@pjl fsdirlist name=\"0:\\\" entry=1 count=65535\r\n")},
       "", "joblang-file-access", "raw-print"},
      {"postscript file read", Where::ToPrinter, false, 9100,
       {c("\x1b%-12345X@PJL ENTER LANGUAGE=POSTSCRIPT\r\n%!PS\n/x 1 def (/etc/passwd) (r) file\n")},
       "", "joblang-file-access", "raw-print"},
      {"lpd data file carrying a pjl file listing", Where::ToPrinter, false, 515,
       {c(lpd_job("\x1b%-12345X@PJL FSDIRLIST NAME=\"0:\\\" ENTRY=1 COUNT=65535\r\n"))},
       "", "joblang-file-access", "lpd-print"},
      {"cross-site printing", Where::ToPrinter, false, 9100,
       {c("POST /print HTTP/1.1\r\nHost: 198.18.20.5:9100\r\n\r\n\x1b%-12345X@PJL INFO ID\r\n")},
       "", "cross-site-printing", "raw-print"},
  };
}

std::vector<Way> ways() {
  std::vector<Way> v;
  auto way = [&](std::string name) -> Way& {
    v.emplace_back();
    v.back().name = std::move(name);
    return v.back();
  };
  way("whole");
  way("1-byte segments").seg = 1;
  Way& tagged = way("3-byte segments, 802.1Q");
  tagged.l2 = L2{{20}};
  tagged.seg = 3;
  way("QinQ").l2 = L2{{100, 20}};
  way("IP fragments").fragment_ip = true;
  Way& v6frag = way("IPv6 fragments");
  v6frag.v6 = v6frag.fragment_ip = true;
  Way& v6ext = way("IPv6 ext headers, 2-byte segments");
  v6ext.v6 = v6ext.v6_ext = true;
  v6ext.seg = 2;
  Way& ooo = way("out of order, 4-byte segments");
  ooo.seg = 4;
  ooo.out_of_order = true;
  Way& overlap = way("overlapping retransmissions");
  overlap.seg = 5;
  overlap.overlap = true;
  Way& conflict = way("conflicting overlaps");
  conflict.seg = 6;
  conflict.conflicting = true;
  way("urgent byte in the keyword").urgent = true;
  return v;
}

class Evasion : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pw-evasion-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ReplayRun replay(const std::vector<PcapFrame>& frames) {
    std::string in = (dir_ / "in.pcap").string();
    EXPECT_TRUE(write_pcap(in, frames));
    ReplayRun r = replay_run(dir_, kConfig, in);
    EXPECT_EQ(r.status, 0) << r.err;
    return r;
  }

  fs::path dir_;
};

// The frames of one scenario carried one way.
std::vector<PcapFrame> frames_for(const Scenario& sc, const Way& w) {
  std::string outside = w.v6 ? "2001:db8::9" : "198.18.0.9";
  std::string printer = w.v6 ? "2001:db8:20::5" : "198.18.20.5";
  std::string server = w.v6 ? "2001:db8:30::10" : "198.18.30.10";
  Ip c2s = sc.where == Where::ToPrinter ? Ip{outside, printer} : Ip{printer, server};
  if (w.v6_ext) c2s.v6_ext = {{0, {1, 4, 0, 0, 0, 0}}, {60, {1, 4, 0, 0, 0, 0}}};
  Ip s2c{c2s.dst, c2s.src};
  s2c.v6_ext = c2s.v6_ext;
  uint64_t t = 1'700'000'000'000'000'000ull;
  std::vector<PcapFrame> f;
  auto add = [&](const Bytes& b) { f.push_back({b, t += 1000}); };
  auto add_maybe_fragmented = [&](const Bytes& frame, size_t payload) {
    if (w.fragment_ip && payload >= 16) {
      for (auto& fr : fragment(frame, {sc.udp ? 8u : 24u})) add(fr);  // L4 header whole in the first
    } else {
      add(frame);
    }
  };
  const uint16_t sport = 40000;
  if (sc.udp) {
    for (const auto& st : sc.steps) {
      Bytes frame = st.to_server ? udp_frame(c2s, sport, sc.port, st.bytes, w.l2)
                                 : udp_frame(s2c, sc.port, sport, st.bytes, w.l2);
      add_maybe_fragmented(frame, st.bytes.size());
    }
    return f;
  }
  uint32_t cs = 1000, ss = 9000;
  add(tcp_frame(c2s, {sport, sc.port, kSyn, cs - 1, 0}, Bytes{}, w.l2));
  add(tcp_frame(s2c, {sc.port, sport, kSyn | kAck, ss - 1, cs}, Bytes{}, w.l2));
  add(tcp_frame(c2s, {sport, sc.port, kAck, cs, ss}, Bytes{}, w.l2));
  for (const auto& st : sc.steps) {
    if (!st.to_server) {
      add(tcp_frame(s2c, {sc.port, sport, kAck | kPsh, ss, cs}, st.bytes, w.l2));
      ss += static_cast<uint32_t>(st.bytes.size());
      continue;
    }
    auto seg = [&](size_t off, size_t len, bool junk = false) {
      len = std::min(len, st.bytes.size() - off);
      Bytes part(st.bytes.begin() + static_cast<long>(off),
                 st.bytes.begin() + static_cast<long>(off + len));
      if (junk)
        for (auto& b : part) b = 'X';
      add_maybe_fragmented(
          tcp_frame(c2s, {sport, sc.port, kAck | kPsh, cs + static_cast<uint32_t>(off), ss}, part, w.l2),
          part.size());
    };
    size_t n = st.bytes.size();
    if (w.urgent && !sc.secret.empty()) {
      std::string text(st.bytes.begin(), st.bytes.end());
      size_t at = text.find(sc.secret);
      if (at != std::string::npos) {
        at = at >= 4 ? at - 4 : 0;
        if (size_t m = text.find(sc.urgent_after); !sc.urgent_after.empty() && m != std::string::npos)
          at = m + sc.urgent_after.size();
        Bytes with = st.bytes;
        with.insert(with.begin() + static_cast<long>(at), 'X');
        Tcp t{sport, sc.port, kAck | kPsh | kUrg, cs, ss};
        t.urgent = static_cast<uint16_t>(at + 1);  // BSD/Linux: points past the urgent byte
        add(tcp_frame(c2s, t, with, w.l2));
        cs += static_cast<uint32_t>(with.size());
        continue;
      }
    }
    for (size_t off = 0; off < n; off += w.seg) {
      if (w.out_of_order && off + w.seg < n) {
        seg(off + w.seg, w.seg);  // the later one first: dropped, the sender retransmits
        seg(off, w.seg);
        seg(off + w.seg, w.seg);
        off += w.seg;
        continue;
      }
      if (w.conflicting) seg(off, w.seg, true);  // first other bytes, then the real ones
      seg(off, w.overlap ? 2 * w.seg : w.seg);
    }
    cs += static_cast<uint32_t>(n);
  }
  return f;
}

TEST_F(Evasion, NoCredentialEverCrosses) {
  for (const Scenario& sc : scenarios()) {
    for (const Way& w : ways()) {
      if (sc.udp && (w.seg != Way{}.seg || w.v6_ext || w.urgent)) continue;  // TCP ways
      if (w.urgent && sc.secret.empty()) continue;
      SCOPED_TRACE(sc.name + " / " + w.name);
      ReplayRun r = replay(frames_for(sc, w));
      CaptureText fwd = capture_text(r.forwarded);
      if (w.urgent) {
        // Whatever the inspector decided on what it read, the server must not read the
        // credential it did not: no forwarded stream, read as Linux reads urgent data, holds
        // the original step (the keyword whole, then the secret).
        for (const auto& st : sc.steps) {
          std::string text(st.bytes.begin(), st.bytes.end());
          if (st.to_server && text.find(sc.secret) != std::string::npos) {
            EXPECT_FALSE(fwd.contains(text)) << "the server reads the credential the inspector did not see";
          }
        }
        continue;
      }
      if (!sc.secret.empty()) {
        EXPECT_FALSE(fwd.contains(sc.secret)) << "the secret was forwarded";
      }
      // Deny event: the expected reason; with conflicting overlaps the decoy bytes (or the
      // conflict itself) may stop the flow first, under whatever reason they earn.
      bool denied = false;
      for (const auto& e : r.events) {
        if (!sc.secret.empty()) {
          EXPECT_EQ(e.dump().find(sc.secret), std::string::npos);
        }
        std::string reason = e["reason"];
        if (reason == sc.reason || (w.conflicting && e["action"] != "alert")) {
          denied = true;
          if (reason == sc.reason) {
            EXPECT_EQ(e["service"], sc.service) << e.dump();
          }
        }
      }
      EXPECT_TRUE(denied) << "no " << sc.reason << " event; events: "
                          << (r.events.empty() ? "none" : r.events.front().dump());
      if (w.conflicting) continue;  // the overlap, not the inspector, decided: no reset required
      // The flow is in the mirror capture.
      size_t in_mirror = 0;
      for (const auto& m : r.mirrored) {
        dp::PacketView v;
        if (dp::parse_frame(m.data, v) != Reason::Forwarded) continue;
        if (v.is_fragment || v.dport == sc.port || v.sport == sc.port) ++in_mirror;
      }
      EXPECT_GE(in_mirror, 1u) << "the denied flow is not mirrored";
      if (!sc.udp) {
        size_t rsts = 0;
        for (const auto& fr : r.forwarded) {
          dp::PacketView v;
          if (dp::parse_frame(fr.data, v) == Reason::Forwarded && v.ip_proto == dp::kProtoTcp &&
              (v.tcp_flags & dp::kRst))
            ++rsts;
        }
        EXPECT_EQ(rsts, 2u) << "expected a reset toward each end";
      }
    }
  }
}

// The same exchanges, allowed: once the client upgrades, nothing is denied and every client byte
// up to the upgrade crosses (the verdict is not just "deny everything").
TEST_F(Evasion, UpgradedSessionsPassEveryWay) {
  const std::vector<Scenario> ok = {
      {"ftp AUTH TLS", Where::ToPrinter, false, 21,
       {s("220 ready\r\n"), c("feat\r\n"), s("211 End\r\n"), c("auth tls\r\n"),
        s("234 Proceed with negotiation.\r\n")},
       "", "", ""},
      {"smtp STARTTLS", Where::FromPrinter, false, 587,
       {s("220 mail ESMTP\r\n"), c("ehlo printer\r\n"), s("250-mail\r\n250 STARTTLS\r\n"),
        c("starttls\r\n"), s("220 2.0.0 Ready to start TLS\r\n")},
       "", "", ""},
      {"imap STARTTLS", Where::FromPrinter, false, 143,
       {s("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"), c("A1 starttls\r\n"),
        s("A1 OK Begin TLS negotiation now.\r\n")},
       "", "", ""},
  };
  for (const Scenario& sc : ok) {
    for (const Way& w : ways()) {
      if (w.conflicting) continue;
      SCOPED_TRACE(sc.name + " / " + w.name);
      ReplayRun r = replay(frames_for(sc, w));
      for (const auto& e : r.events) {
        std::string reason = e["reason"];
        EXPECT_TRUE(reason == "tcp-out-of-order" || reason == "ndpi-risk") << e.dump();
      }
      std::string last_client;
      for (const auto& st : sc.steps)
        if (st.to_server) last_client.assign(st.bytes.begin(), st.bytes.end());
      EXPECT_TRUE(capture_text(r.forwarded).contains(last_client)) << "the upgrade did not cross";
    }
  }
}

}  // namespace
}  // namespace pw::mgmt
