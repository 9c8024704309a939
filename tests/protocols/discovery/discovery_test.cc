// Discovery and name protocols (protocols/discovery/README.md): well-formed messages of every
// kind as real implementations send them, every malformation of the README's table, and the
// refusals by direction.
#include "protocols/discovery/discovery_inspector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/discovery_messages.h"
#include "tests/support/inspector_driver.h"

namespace pw::proto::discovery {
namespace {

using namespace pw::testing::discovery_messages;

Parsed P(Protocol p, const Bytes& b) { return parse(p, b); }
Parsed P(Protocol p, std::string_view s) {
  return parse(p, {reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

// ---- mDNS and LLMNR -----------------------------------------------------------------------------

TEST(Mdns, QueriesAndAnnouncementsAsAvahiSendsThem) {
  Parsed q = P(Protocol::Mdns, mdns_query());
  ASSERT_TRUE(q.ok) << q.what;
  EXPECT_EQ(q.role, Role::Query);
  Parsed a = P(Protocol::Mdns, mdns_announcement());
  ASSERT_TRUE(a.ok) << a.what;
  EXPECT_EQ(a.role, Role::Announce);
}

TEST(Mdns, MalformedNamesAndRecords) {
  struct Case {
    Bytes b;
    std::string_view why;
  };
  std::vector<Case> cases;
  {  // a pointer to itself
    Bytes b = header(0, 1);
    b.push_back(0xC0);
    b.push_back(12);
    put16(b, 12);
    put16(b, 1);
    cases.push_back({b, "compression pointer loop or forward reference"});
  }
  {  // a forward pointer
    Bytes b = header(0, 1);
    b.push_back(0xC0);
    b.push_back(40);
    put16(b, 12);
    put16(b, 1);
    b.resize(60, 0);
    cases.push_back({b, "compression pointer loop or forward reference"});
  }
  {  // two names pointing at each other: the second's pointer goes back to the first, whose
     // label run continues into a pointer to the second
    Bytes b = header(0x8400, 0, 2);
    b.push_back(1);
    b.push_back('a');
    b.push_back(0xC0);
    b.push_back(25);  // ahead: into the second record's name
    put16(b, 12);
    put16(b, 1);
    put16(b, 0);
    put16(b, 0);
    put16(b, 0);
    b.push_back(0xC0);
    b.push_back(12);  // back to the first
    put16(b, 12);
    put16(b, 1);
    put16(b, 0);
    put16(b, 0);
    put16(b, 0);
    cases.push_back({b, "compression pointer loop or forward reference"});
  }
  {  // a label type 0x40 (extended) and 0x80
    for (uint8_t t : {uint8_t{0x40}, uint8_t{0x80}}) {
      Bytes b = header(0, 1);
      b.push_back(t);
      b.resize(b.size() + 70, 'a');
      b.push_back(0);
      put16(b, 1);
      put16(b, 1);
      cases.push_back({b, "extended label type"});
    }
  }
  {  // a name of 5 x 63-byte labels: over 255
    Bytes b = header(0, 1);
    for (int i = 0; i < 5; ++i) {
      b.push_back(63);
      b.resize(b.size() + 63, 'x');
    }
    b.push_back(0);
    put16(b, 1);
    put16(b, 1);
    cases.push_back({b, "name over 255 bytes"});
  }
  {  // record data past the end
    Bytes b = header(0x8400, 0, 1);
    name(b, "p.local");
    put16(b, 1);
    put16(b, 1);
    put16(b, 0);
    put16(b, 120);
    put16(b, 200);
    put(b, "1234");
    cases.push_back({b, "record data past the end"});
  }
  {  // a PTR whose name is shorter than its data
    Bytes b = header(0x8400, 0, 1);
    name(b, "p.local");
    put16(b, 12);
    put16(b, 1);
    put16(b, 0);
    put16(b, 120);
    put16(b, 6);
    name(b, "ab");  // 4 bytes
    put16(b, 0);
    cases.push_back({b, "record data longer than its name"});
  }
  {
    Bytes b = mdns_query();
    b.push_back(0);
    cases.push_back({b, "bytes after the last record"});
  }
  cases.push_back({header(0x2800, 0), "opcode not 0"});
  cases.push_back({header(0, 200, 57), "over 256 records"});
  cases.push_back({Bytes(11, 0), "shorter than its header"});
  cases.push_back({Bytes(kMaxMdns + 1, 0), "over its protocol's size limit"});
  cases.push_back({Bytes{}, "empty datagram"});
  {
    Bytes b = mdns_query();
    b.resize(b.size() - 2);
    cases.push_back({b, "question past the end"});
  }
  for (const auto& c : cases) {
    Parsed r = P(Protocol::Mdns, c.b);
    EXPECT_FALSE(r.ok) << c.why;
    EXPECT_EQ(r.what, c.why);
  }
  // Every truncation of a good message is malformed, never read past its end.
  const Bytes good = mdns_announcement();
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_FALSE(parse(Protocol::Mdns, std::span(good.data(), n)).ok) << n;
}

TEST(Llmnr, OneQuestionAndBoundedNames) {
  Bytes q = header(0, 1);
  name(q, "fileserver");
  put16(q, 1);
  put16(q, 1);
  Parsed r = P(Protocol::Llmnr, q);
  ASSERT_TRUE(r.ok) << r.what;
  EXPECT_EQ(r.role, Role::Query);
  Bytes a = header(0x8000, 1, 1);
  name(a, "fileserver");
  put16(a, 1);
  put16(a, 1);
  a.push_back(0xC0);
  a.push_back(12);
  put16(a, 1);
  put16(a, 1);
  put16(a, 0);
  put16(a, 30);
  put16(a, 4);
  a.insert(a.end(), {0xC6, 0x12, 0x00, 0x09});
  r = P(Protocol::Llmnr, a);
  ASSERT_TRUE(r.ok) << r.what;
  EXPECT_EQ(r.role, Role::Answer);
  Bytes two = header(0, 2);
  name(two, "a");
  put16(two, 1);
  put16(two, 1);
  name(two, "b");
  put16(two, 1);
  put16(two, 1);
  EXPECT_EQ(P(Protocol::Llmnr, two).what, "opcode not 0 or not one question");
  Bytes longname = header(0, 1);  // CVE-2022-3942's shape: a name far over its limits
  for (int i = 0; i < 8; ++i) {
    longname.push_back(63);
    longname.resize(longname.size() + 63, 'A');
  }
  longname.push_back(0);
  put16(longname, 1);
  put16(longname, 1);
  EXPECT_EQ(P(Protocol::Llmnr, longname).what, "name over 255 bytes");
}

// ---- NetBIOS ------------------------------------------------------------------------------------

TEST(Netbios, NameServiceOpcodesAndEncoding) {
  Parsed q = P(Protocol::NetbiosNs, nbns(0x0110, "FILESERVER"));  // broadcast query
  ASSERT_TRUE(q.ok) << q.what;
  EXPECT_EQ(q.role, Role::Query);
  Parsed reg = P(Protocol::NetbiosNs, nbns(0x2910, "WORKSTATION", 1));  // registration
  ASSERT_TRUE(reg.ok) << reg.what;
  EXPECT_EQ(reg.role, Role::Register);
  Parsed rel = P(Protocol::NetbiosNs, nbns(0x3010, "PRINTER", 1));  // release
  ASSERT_TRUE(rel.ok) << rel.what;
  EXPECT_EQ(rel.role, Role::Register);
  Bytes raw = header(0x0110, 1);
  name(raw, "printer");  // not encoded
  put16(raw, 0x20);
  put16(raw, 1);
  EXPECT_EQ(P(Protocol::NetbiosNs, raw).what, "NetBIOS name not 32 encoded bytes");
  Bytes lower = nbns(0x0110, "X");
  lower[14] = 'z';
  EXPECT_EQ(P(Protocol::NetbiosNs, lower).what, "NetBIOS name not first-level encoded");
  EXPECT_EQ(P(Protocol::NetbiosNs, nbns(0x6110, "X")).what, "unknown NetBIOS opcode");
  EXPECT_EQ(P(Protocol::NetbiosNs, Bytes(577, 0)).what, "over its protocol's size limit");
}

TEST(Netbios, DatagramService) {
  Parsed r = P(Protocol::NetbiosDgm, nbdgm(0x11, 80));  // a browser announcement
  ASSERT_TRUE(r.ok) << r.what;
  EXPECT_EQ(r.role, Role::Data);
  EXPECT_EQ(P(Protocol::NetbiosDgm, nbdgm(0x11, 80, 1)).what, "datagram length does not match");
  EXPECT_EQ(P(Protocol::NetbiosDgm, nbdgm(0x11, 80, 0, 0x03)).what, "fragmented NetBIOS datagram");
  EXPECT_EQ(P(Protocol::NetbiosDgm, nbdgm(0x19, 80)).what, "unknown datagram type");
  Bytes err{0x13, 0x02, 0, 1, 198, 18, 20, 5, 0, 138, 0x82};
  EXPECT_TRUE(P(Protocol::NetbiosDgm, err).ok);
  err.push_back(0);
  EXPECT_FALSE(P(Protocol::NetbiosDgm, err).ok);
  Bytes q{0x14, 0x02, 0, 1, 198, 18, 20, 5, 0, 138};
  nb_name(q, "PRINTER");
  EXPECT_EQ(P(Protocol::NetbiosDgm, q).role, Role::Query);
  q.push_back(0);
  EXPECT_EQ(P(Protocol::NetbiosDgm, q).what, "bytes after the name");
}

// ---- SSDP ---------------------------------------------------------------------------------------

TEST(Ssdp, SearchNotifyAnswerAndMalformations) {
  EXPECT_EQ(P(Protocol::Ssdp, kMsearch).role, Role::Query);
  EXPECT_TRUE(P(Protocol::Ssdp, kMsearch).ok);
  EXPECT_EQ(P(Protocol::Ssdp, kNotify).role, Role::Announce);
  EXPECT_TRUE(P(Protocol::Ssdp, "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nEXT:\r\n\r\n").ok);
  EXPECT_EQ(P(Protocol::Ssdp, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").what, "not an SSDP start line");
  EXPECT_EQ(P(Protocol::Ssdp, "M-SEARCH * HTTP/1.1\r\nST: a\r\n\r\n").what,
            "M-SEARCH without MAN ssdp:discover and ST");
  std::string many = "NOTIFY * HTTP/1.1\r\n";
  for (int i = 0; i < 33; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(P(Protocol::Ssdp, many + "\r\n").what, "over 32 headers");
  EXPECT_EQ(P(Protocol::Ssdp, "NOTIFY * HTTP/1.1\r\nNT: a\x01\r\n\r\n").what, "control character");
  EXPECT_EQ(P(Protocol::Ssdp, "NOTIFY * HTTP/1.1\r\nNT: " + std::string(1100, 'a') + "\r\n\r\n").what,
            "line over 1024 bytes");
  EXPECT_EQ(P(Protocol::Ssdp, "NOTIFY * HTTP/1.1\r\nNT: a\r\n").what, "headers without their empty line");
  EXPECT_EQ(P(Protocol::Ssdp, std::string(kNotify) + "body").what, "bytes after the headers");
  EXPECT_EQ(P(Protocol::Ssdp, "NOTIFY * HTTP/1.1\r\nNT: a").what, "line without its end");
  EXPECT_EQ(P(Protocol::Ssdp, "NOTIFY * HTTP/1.1\r\nN T: a\r\n\r\n").what, "header name not a token");
}

// ---- WS-Discovery -------------------------------------------------------------------------------

TEST(Wsd, DiscoveryMessagesAndTheirLimits) {
  EXPECT_EQ(P(Protocol::Wsd, wsd("Probe")).role, Role::Query);
  EXPECT_EQ(P(Protocol::Wsd, wsd("ProbeMatches", "<wsd:ProbeMatches><wsd:ProbeMatch><wsd:Types>"
                                                  "wprt:PrintDeviceType</wsd:Types></wsd:ProbeMatch>"
                                                  "</wsd:ProbeMatches>")).role,
            Role::Answer);
  EXPECT_EQ(P(Protocol::Wsd, wsd("Hello")).role, Role::Announce);
  EXPECT_TRUE(P(Protocol::Wsd, wsd("Resolve", "<!-- a comment --><wsd:Resolve a='1 &amp; 2'/>")).ok);
  Parsed dt = P(Protocol::Wsd, "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>" + wsd("Probe"));
  EXPECT_FALSE(dt.ok);
  EXPECT_TRUE(dt.doctype);
  EXPECT_EQ(P(Protocol::Wsd, wsd("Probe", "<wsd:Probe>" + std::string(1025, 'x') + "</wsd:Probe>")).what,
            "field over 1024 bytes");
  EXPECT_EQ(P(Protocol::Wsd, wsd("Probe", "<wsd:Probe a=\"" + std::string(1025, 'x') + "\"/>")).what,
            "field over 1024 bytes");
  EXPECT_EQ(P(Protocol::Wsd, wsd("Probe", "<a></b>")).what, "end tag does not match");
  std::string deep;
  for (int i = 0; i < 33; ++i) deep += "<d>";
  EXPECT_EQ(P(Protocol::Wsd, wsd("Probe", deep)).what, "elements nested over 32 deep");
  EXPECT_EQ(P(Protocol::Wsd, wsd("Probe", "<a>&xxe;</a>")).what, "entity reference other than XML's own");
  EXPECT_EQ(P(Protocol::Wsd, wsd("Probe", "<a><![CDATA[x]]></a>")).what, "CDATA section");
  EXPECT_EQ(P(Protocol::Wsd, wsd("Probe", "<a>\x01</a>")).what, "control character");
  EXPECT_EQ(P(Protocol::Wsd, wsd("Subscribe")).what, "not a WS-Discovery action");
  EXPECT_EQ(P(Protocol::Wsd, wsd("Probe") + "<x/>").what, "a second document element");
  const std::string open = wsd("Probe");
  EXPECT_EQ(P(Protocol::Wsd, open.substr(0, open.size() - 16)).what, "document not closed");  // no </soap:Envelope>
  EXPECT_EQ(P(Protocol::Wsd, open.substr(0, 300)).what, "malformed end tag");
  EXPECT_EQ(P(Protocol::Wsd, std::string(kMaxWsd + 1, ' ')).what, "over its protocol's size limit");
}

// ---- SLP ----------------------------------------------------------------------------------------

TEST(Slp, FunctionsRolesAndBounds) {
  Parsed q = P(Protocol::Slp, slp(1, srvrqst()));
  ASSERT_TRUE(q.ok) << q.what;
  EXPECT_EQ(q.role, Role::Query);
  EXPECT_EQ(q.what, "SrvRqst");
  Parsed reg = P(Protocol::Slp, slp(3, srvreg()));
  ASSERT_TRUE(reg.ok) << reg.what;
  EXPECT_EQ(reg.role, Role::Register);
  EXPECT_EQ(P(Protocol::Slp, srvrply()).role, Role::Answer);
  EXPECT_EQ(P(Protocol::Slp, slp(1, srvrqst(), 1)).what, "length field does not match");
  Bytes v1 = slp(1, srvrqst());
  v1[0] = 1;
  EXPECT_EQ(P(Protocol::Slp, v1).what, "SLPv1 (obsolete)");
  EXPECT_EQ(P(Protocol::Slp, slp(12, {})).what, "unknown function");
  Bytes cut = srvrqst();
  cut[cut.size() - 1] = 9;  // the SPI string claims 9 bytes that are not there
  EXPECT_EQ(P(Protocol::Slp, slp(1, cut)).what, "a field past the end of the message");
  Bytes ext = slp(1, srvrqst());
  ext[9] = 12;  // an extension offset inside the header
  EXPECT_EQ(P(Protocol::Slp, ext).what, "extension chain out of bounds");
  Bytes lang = slp(1, srvrqst());
  lang[14] = '\n';
  EXPECT_EQ(P(Protocol::Slp, lang).what, "language tag not a tag");
}

// ---- CUPS browsing ------------------------------------------------------------------------------

TEST(CupsBrowsing, BrowseLines) {
  const std::string line =
      "3 3 ipp://198.18.0.66:631/printers/evil \"Office\" \"Evil printer\" \"HP LaserJet\"\n";
  Parsed r = P(Protocol::CupsBrowsing, line);
  ASSERT_TRUE(r.ok) << r.what;
  EXPECT_EQ(r.role, Role::Announce);
  EXPECT_EQ(P(Protocol::CupsBrowsing, "3 3 http://198.18.0.66/x\n").what, "URI not ipp or ipps");
  EXPECT_EQ(P(Protocol::CupsBrowsing, "x 3 ipp://a/b\n").what, "type not hexadecimal");
  EXPECT_EQ(P(Protocol::CupsBrowsing, "3 3 ipp://a/b \"loc\n*cupsFilter2: x\"\n").what,
            "control character or a second line");
  EXPECT_EQ(P(Protocol::CupsBrowsing, "3 3 ipp://a/b \"loc\n").what, "unterminated quoted string");
}

// ---- The inspector: directions and refusals ------------------------------------------------------

struct Flow : pw::testing::InspectorDriver {
  // A flow a peer opened toward a printer: ToServer is toward the printer.
  explicit Flow(const DiscoveryInspector& i, bool to_printers = true) : InspectorDriver(i) {
    ctx.to_printers = to_printers;
  }
};

TEST(Inspector, RegistrationsAnswersAndBrowsePacketsTowardPrinters) {
  using pw::testing::ok;
  using pw::testing::why;
  const DiscoveryInspector slp_i(Protocol::Slp), mdns_i(Protocol::Mdns), cups_i(Protocol::CupsBrowsing),
      wsd_i(Protocol::Wsd), llmnr_i(Protocol::Llmnr);
  {
    Flow f(slp_i);
    EXPECT_TRUE(ok(f.c(slp(1, srvrqst()))));  // a search toward the printer
    EXPECT_EQ(why(f.c(slp(3, srvreg()))), Reason::DiscoveryDenied);
    EXPECT_EQ(f.detail(), "slp SrvReg");
  }
  {
    Flow f(slp_i, false);  // the printer registers with the site's directory agent
    EXPECT_TRUE(ok(f.c(slp(3, srvreg()))));
  }
  {
    Flow f(mdns_i);
    EXPECT_TRUE(ok(f.c(mdns_query())));
    EXPECT_EQ(why(f.c(mdns_announcement())), Reason::DiscoveryDenied);
    EXPECT_EQ(f.detail(), "mdns name answer");
    Flow g(mdns_i, false);  // the printer announces itself; its own answers go out
    EXPECT_TRUE(ok(g.c(mdns_announcement())));
    Flow h(mdns_i, false);  // the printer asked a unicast peer: its reply comes back on the flow
    EXPECT_TRUE(ok(h.s(mdns_announcement())));
    Flow allowed(mdns_i);
    allowed.service.discovery_answers = true;
    EXPECT_TRUE(ok(allowed.c(mdns_announcement())));
  }
  {
    Flow f(cups_i);
    EXPECT_EQ(why(f.c("3 3 ipp://198.18.0.66:631/printers/evil \"a\" \"b\" \"c\"\n")),
              Reason::DiscoveryDenied);
  }
  {
    Flow f(wsd_i);
    EXPECT_TRUE(ok(f.c(wsd("Probe"))));
    EXPECT_EQ(why(f.c("<!DOCTYPE lol [<!ENTITY lol \"lol\">]><a/>")), Reason::DiscoveryDenied);
  }
  {
    Flow f(llmnr_i);
    Bytes bad = header(0x0000, 1);
    bad.push_back(0xC0);
    bad.push_back(12);
    put16(bad, 1);
    put16(bad, 1);
    EXPECT_EQ(why(f.c(bad)), Reason::MalformedDiscovery);
    EXPECT_EQ(f.detail(), "llmnr compression pointe");  // 24 bytes
  }
}

}  // namespace
}  // namespace pw::proto::discovery
