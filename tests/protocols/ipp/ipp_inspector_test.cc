#include "protocols/ipp/ipp_inspector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/inspector_driver.h"
#include "tests/support/tls_transcript.h"

namespace pw::proto::ipp {
namespace {

using testing::InspectorDriver;
using testing::ok;
using testing::stream_properties;
using testing::why;

const IppInspector kInspector;
const std::string kUel = "\x1b%-12345X";

// An IPP message (RFC 8010 3.1) as clients write it.
class Msg {
 public:
  explicit Msg(uint16_t op_or_status, uint8_t major = 2) {
    b_ = {static_cast<char>(major), 0, static_cast<char>(op_or_status >> 8),
          static_cast<char>(op_or_status & 0xFF), 0, 0, 0, 7};
  }
  Msg& group(uint8_t tag) {
    b_ += static_cast<char>(tag);
    return *this;
  }
  Msg& attr(uint8_t tag, std::string_view name, std::string_view value) {
    b_ += static_cast<char>(tag);
    be16(name.size());
    b_ += name;
    be16(value.size());
    b_ += value;
    return *this;
  }
  // The operation attributes every request starts with (RFC 8011 4.1.4, 4.1.5).
  Msg& op_attrs() {
    return group(0x01)
        .attr(0x47, "attributes-charset", "utf-8")
        .attr(0x48, "attributes-natural-language", "en")
        .attr(0x45, "printer-uri", "ipp://198.18.20.5/ipp/print")
        .attr(0x42, "requesting-user-name", "alice");
  }
  Msg& end() {
    b_ += '\x03';
    return *this;
  }
  std::string str() const { return b_; }

 private:
  void be16(size_t n) {
    b_ += static_cast<char>(n >> 8);
    b_ += static_cast<char>(n & 0xFF);
  }
  std::string b_;
};

std::string post(const std::string& body, const std::string& extra = "") {
  return "POST /ipp/print HTTP/1.1\r\nHost: 198.18.20.5:631\r\nContent-Type: application/ipp\r\n" +
         extra + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}
// CUPS sends print jobs chunked.
std::string post_chunked(const std::string& body, size_t piece) {
  std::string s = "POST /ipp/print HTTP/1.1\r\nHost: 198.18.20.5:631\r\nContent-Type: application/ipp\r\n"
                  "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n";
  for (size_t off = 0; off < body.size(); off += piece) {
    const std::string part = body.substr(off, piece);
    char hex[16];
    std::snprintf(hex, sizeof hex, "%zx", part.size());
    s += std::string(hex) + "\r\n" + part + "\r\n";
  }
  return s + "0\r\n\r\n";
}
std::string response(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string kPs = kUel + "@PJL JOB NAME=\"report\"\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n"
                        "%!PS\n/Helvetica findfont 12 scalefont setfont 72 72 moveto (hello) show showpage\n" +
                        kUel + "@PJL EOJ\r\n" + kUel;

std::string print_job(const std::string& doc, const std::string& format = "application/postscript") {
  return Msg(0x0002).op_attrs().attr(0x42, "job-name", "report").attr(0x49, "document-format", format)
             .group(0x02).attr(0x21, "copies", std::string("\0\0\0\1", 4))
             .attr(0x44, "sides", "two-sided-long-edge").end().str() + doc;
}
std::string get_printer_attributes() {
  return Msg(0x000B).op_attrs().attr(0x44, "requested-attributes", "all")
             .attr(0x44, "", "media-col-database").end().str();
}

TEST(IppInspector, RequestsAsRealClientsSendThemPass) {
  const std::string create = Msg(0x0005).op_attrs().attr(0x42, "job-name", "two parts")
                                 .group(0x02).attr(0x34, "media-col", "")
                                 .attr(0x4A, "", "media-size").attr(0x34, "", "")
                                 .attr(0x4A, "", "x-dimension").attr(0x21, "", std::string("\0\0R\x08", 4))
                                 .attr(0x37, "", "").attr(0x37, "", "").end().str();
  const std::string send = Msg(0x0006).op_attrs().attr(0x21, "job-id", std::string("\0\0\0\5", 4))
                               .attr(0x49, "document-format", "application/pdf; charset=x")
                               .attr(0x22, "last-document", std::string(1, '\1')).end().str() +
                           "%PDF-1.7\n" + std::string(5000, 'P') + "\n%%EOF\n";
  const std::string with_language =
      Msg(0x0004).op_attrs().attr(0x35, "job-name", std::string("\0\2en\0\5hello", 11))
          .attr(0x36, "job-originating-user-name", std::string("\0\5en-GB\1\0", 9) + std::string(256, 'u'))
          .end().str();
  for (const std::string& s :
       {post(get_printer_attributes()), post(print_job(kPs)), post_chunked(print_job(kPs), 100),
        post(create) + post_chunked(send, 1000),  // pipelined
        post(with_language), post(Msg(0x0008).op_attrs().end().str()),
        std::string("GET /icon.png HTTP/1.1\r\nHost: printer\r\n\r\n"),
        std::string("HEAD / HTTP/1.1\r\nHost: printer\r\n\r\n") + post(get_printer_attributes()),
        post(print_job(std::string(3000, 'x') + "\f", "text/plain")),
        post(print_job(std::string("RaS2") + std::string(2000, '\x1b'), "image/pwg-raster"))}) {
    for (size_t chunk : {size_t{0}, size_t{1}, size_t{7}}) {
      InspectorDriver d(kInspector);
      const Decision r = d.c_then_end(s, chunk);
      EXPECT_TRUE(ok(r)) << reason_code(why(r)) << " " << d.detail() << " chunk " << chunk;
    }
    EXPECT_EQ(stream_properties(kInspector, s, 5, 9), "");
  }
}

TEST(IppInspector, DangerousAndMalformedRequestsAreDenied) {
  const std::string fsdirlist = kUel + "@PJL FSDIRLIST NAME=\"0:\\\" ENTRY=1 COUNT=99\r\n";
  const std::string hdr = "POST /ipp/print HTTP/1.1\r\nContent-Type: application/ipp\r\n";
  const testing::Denial bad[] = {
      {"Set-Printer-Attributes", post(Msg(0x0013).op_attrs().end().str()), Reason::IppOperationDenied, "Set-Printer-Attributes"},
      {"CUPS-Add-Modify-Printer", post(Msg(0x4003).op_attrs().end().str()), Reason::IppOperationDenied, "CUPS-Add-Modify-Printer"},
      {"Purge-Jobs", post(Msg(0x0012).op_attrs().end().str()), Reason::IppOperationDenied, "Purge-Jobs"},
      {"Print-URI makes the printer fetch", post(Msg(0x0003).op_attrs().end().str()), Reason::IppOperationDenied, "Print-URI"},
      {"unknown operation", post(Msg(0x1234).op_attrs().end().str()), Reason::IppOperationDenied, "0x1234"},
      {"newline in a job name (CUPS 2024 chain)",
       post(Msg(0x0002).op_attrs().attr(0x42, "job-name", "x\n*FoomaticRIPCommandLine: \"id\"").end().str()),
       Reason::IppAttributeInjection, "job-name"},
      {"control byte in an attribute name", post(Msg(0x000B).op_attrs().attr(0x44, "requested\x01", "all").end().str()),
       Reason::IppAttributeInjection, "requested"},
      {"newline in a textWithLanguage value",
       post(Msg(0x0004).op_attrs().attr(0x35, "job-name", std::string("\0\2en\0\5he\rlo", 11)).end().str()),
       Reason::IppAttributeInjection, "job-name"},
      {"CUPS command file", post(print_job("ReportLevels\n", "application/vnd.cups-command")),
       Reason::IppDocumentFormat, "application/vnd.cups-command"},
      {"second document-format value", post(Msg(0x0002).op_attrs().attr(0x49, "document-format", "application/pdf")
                                                .attr(0x49, "", "application/vnd.cups-command").end().str()),
       Reason::IppDocumentFormat, "application/vnd.cups-command"},
      {"document-format as a collection, then the format", post(Msg(0x0002).op_attrs().attr(0x34, "document-format", "")
                                                                .attr(0x37, "", "").attr(0x49, "", "application/vnd.cups-command").end().str()),
       Reason::IppDocumentFormat, "document-format"},
      {"document-format as text", post(Msg(0x0002).op_attrs().attr(0x41, "document-format", "application/vnd.cups-command").end().str()),
       Reason::IppDocumentFormat, "document-format"},
      {"compressed document", post(Msg(0x0002).op_attrs().attr(0x44, "compression", "gzip").end().str()),
       Reason::IppDocumentFormat, "compression"},
      {"compressed HTTP body", post(print_job(kPs), "Content-Encoding: gzip\r\n"), Reason::IppDocumentFormat, "coded body"},
      {"gzip transfer coding", "POST /ipp/print HTTP/1.1\r\nContent-Type: application/ipp\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       Reason::IppDocumentFormat, "coded body"},
      {"gzip transfer coding on its own line", "POST /ipp/print HTTP/1.1\r\nContent-Type: application/ipp\r\n"
                                               "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
       Reason::IppDocumentFormat, "coded body"},
      {"admin operation after a benign request on the same connection",
       post(get_printer_attributes()) + post(Msg(0x0013).op_attrs().end().str()), Reason::IppOperationDenied, "Set-Printer-Attributes"},
      {"method in lower case", "post /ipp/print HTTP/1.1\r\nContent-Type: application/ipp\r\n\r\n", Reason::IppOperationDenied, "post"},
      {"PJL file listing in the document", post(print_job(fsdirlist)), Reason::JoblangFileAccess, "FSDIRLIST"},
      {"PostScript file read in a chunked document",
       post_chunked(print_job("%!\n(/etc/passwd) (r) file\n"), 7), Reason::JoblangFileAccess, "file"},
      {"Basic credentials in clear text", post(get_printer_attributes(), "Authorization: Basic YWxpY2U6c2VjcmV0\r\n"),
       Reason::HttpBasicCleartext, "Basic"},
      {"Digest in clear text", post(get_printer_attributes(), "Authorization: Digest username=\"alice\"\r\n"),
       Reason::HttpCleartextCredential, "Digest"},
      {"POST of a web form", "POST /admin HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                             "Content-Length: 7\r\n\r\nOP=stop", Reason::IppOperationDenied, "POST not application/ipp"},
      {"PUT", "PUT /ppd/x.ppd HTTP/1.1\r\nContent-Length: 0\r\n\r\n", Reason::IppOperationDenied, "PUT"},
      {"absolute target", "GET http://alice:pw@printer/ HTTP/1.1\r\n\r\n", Reason::MalformedIpp, "request target"},
      {"IPP version 3", post(Msg(0x000B, 3).op_attrs().end().str()), Reason::MalformedIpp, "version"},
      {"integer of 2 bytes", post(Msg(0x0002).op_attrs().attr(0x21, "copies", "\1\1").end().str()), Reason::MalformedIpp, "copies"},
      {"keyword beyond 255 bytes", post(Msg(0x000B).op_attrs().attr(0x44, "requested-attributes", std::string(300, 'a')).end().str()),
       Reason::MalformedIpp, "requested-attributes"},
      {"endCollection without begin", post(Msg(0x0005).op_attrs().group(0x02).attr(0x37, "", "").end().str()),
       Reason::MalformedIpp, "endCollection without begin"},
      {"collections nested too deep", [] {
         Msg m(0x0005);
         m.op_attrs().group(0x02).attr(0x34, "media-col", "");
         for (int i = 0; i < 20; ++i) m.attr(0x4A, "", "m").attr(0x34, "", "");
         return post(m.end().str());
       }(), Reason::MalformedIpp, "collections nested too deep"},
      {"extension tag", post(Msg(0x000B).op_attrs().attr(0x7F, "x", "\0\0\0\1").end().str()), Reason::MalformedIpp, "extension tag"},
      {"attribute before a group", post(Msg(0x000B).attr(0x44, "a", "b").end().str()), Reason::MalformedIpp, "attribute outside a group"},
      {"body shorter than the message", hdr + "Content-Length: 20\r\n\r\n" + get_printer_attributes().substr(0, 20),
       Reason::MalformedIpp, "IPP message cut by its HTTP body"},
      {"two differing lengths", hdr + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", Reason::MalformedIpp, "Content-Length"},
      {"bare CR", "GET / HTTP/1.1\rX: y\r\n\r\n", Reason::MalformedIpp, "bare CR"},
      {"obsolete folding", "GET / HTTP/1.1\r\nX: y\r\n z\r\n\r\n", Reason::MalformedIpp, "field name"},
      {"field line too long", "GET / HTTP/1.1\r\nX: " + std::string(9000, 'y') + "\r\n\r\n", Reason::LineTooLong, "HTTP line"},
      {"long Content-Type", hdr + "Content-Type: " + std::string(300, 'a') + "\r\n\r\n", Reason::UnitTooLong, "HTTP field"},
      {"bytes after an upgrade request", "OPTIONS * HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: TLS/1.2\r\n\r\nGET / HTTP/1.1\r\n",
       Reason::StarttlsInjection, "bytes before the upgrade answer"},
  };
  for (const testing::Denial& b : bad) EXPECT_EQ(testing::check_denial(kInspector, b, {0, 1, 4}, 5, 9), "") << b.name;
}

TEST(IppInspector, PrinterResponsesAreRead) {
  const std::string ok_reply = Msg(0x0000).op_attrs().group(0x04)
                                   .attr(0x41, "printer-info", "Floor 3 MFD")
                                   .attr(0x30, "printer-alert", std::string("\x00\x01\n\r\x7f", 5))
                                   .attr(0x44, "sides-supported", "one-sided").attr(0x44, "", "two-sided-long-edge")
                                   .end().str();
  {
    InspectorDriver d(kInspector);
    ASSERT_TRUE(ok(d.c(post(get_printer_attributes()))));
    EXPECT_TRUE(ok(d.s("HTTP/1.1 100 Continue\r\n\r\n")));
    EXPECT_TRUE(ok(d.s(response(ok_reply), 3)));
    ASSERT_TRUE(ok(d.c(post(get_printer_attributes()))));
    EXPECT_TRUE(ok(d.s(response(ok_reply))));
  }
  {
    // A rogue printer answering with a PPD line in an attribute (CVE-2024-47175/47176 chain).
    InspectorDriver d(kInspector);
    ASSERT_TRUE(ok(d.c(post(get_printer_attributes()))));
    const std::string evil = Msg(0x0000).op_attrs().group(0x04)
                                 .attr(0x45, "printer-privacy-policy-uri",
                                       "https://x/\"\n*FoomaticRIPCommandLine: \"nc -e /bin/sh\"")
                                 .end().str();
    EXPECT_EQ(why(d.s(response(evil), 5)), Reason::IppAttributeInjection);
    EXPECT_EQ(d.detail(), "printer-privacy-policy-uri");
    EXPECT_EQ(why(d.c(post(get_printer_attributes()))), Reason::IppAttributeInjection);  // final
  }
  {
    InspectorDriver d(kInspector);
    EXPECT_EQ(why(d.s("HTTP/1.1 200 OK\r\n\r\n")), Reason::MalformedIpp);  // spoke first
  }
  {
    InspectorDriver d(kInspector);
    ASSERT_TRUE(ok(d.c("GET / HTTP/1.1\r\n\r\n")));
    EXPECT_TRUE(ok(d.s("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")));
    EXPECT_EQ(why(d.s("HTTP/1.1 200 OK\r\n\r\n")), Reason::MalformedIpp);  // no request left
    EXPECT_EQ(d.detail(), "response without request");
  }
}

// A recorded TLS handshake through the driver: the decision that ended it.
Decision handshake(InspectorDriver& d, const std::vector<testing::TlsChunk>& hs) {
  Decision last{};
  for (const auto& c : hs) {
    last = c.to_server ? d.c(c.bytes) : d.s(c.bytes);
    if (last.verdict != Verdict::Continue) break;
  }
  return last;
}

TEST(IppInspector, TlsFromTheFirstByteOrByUpgradeGoesToTheTlsInspector) {
  const auto hs = testing::tls_handshake();
  ASSERT_FALSE(hs.empty());
  {
    InspectorDriver d(kInspector);
    const Decision last = handshake(d, hs);
    EXPECT_EQ(last.verdict, Verdict::PassThrough) << reason_code(why(last));
  }
  {
    InspectorDriver d(kInspector);
    ASSERT_TRUE(ok(d.c("OPTIONS * HTTP/1.1\r\nHost: printer\r\nConnection: Upgrade\r\nUpgrade: TLS/1.2,TLS/1.1\r\n\r\n")));
    // CUPS's answer, as ippeveprinter 2.4 writes it (framing fields on a 101 are ignored).
    ASSERT_TRUE(ok(d.s("HTTP/1.1 101 Switching Protocols\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n"
                       "Transfer-Encoding: chunked\r\nUpgrade: TLS/1.2,TLS/1.1,TLS/1.0\r\nServer: CUPS/2.4.2\r\n\r\n")));
    const Decision last = handshake(d, hs);
    EXPECT_EQ(last.verdict, Verdict::PassThrough) << reason_code(why(last));
  }
  {
    // Upgrade refused: plain IPP goes on, inspected.
    InspectorDriver d(kInspector);
    ASSERT_TRUE(ok(d.c("OPTIONS * HTTP/1.1\r\nUpgrade: TLS/1.2\r\n\r\n")));
    ASSERT_TRUE(ok(d.s("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")));
    EXPECT_EQ(why(d.c(post(Msg(0x0013).op_attrs().end().str()))), Reason::IppOperationDenied);
  }
  {
    // Clear text after the 101 instead of a ClientHello.
    InspectorDriver d(kInspector);
    ASSERT_TRUE(ok(d.c("OPTIONS * HTTP/1.1\r\nUpgrade: TLS/1.2\r\n\r\n")));
    ASSERT_TRUE(ok(d.s("HTTP/1.1 101 Switching Protocols\r\n\r\n")));
    EXPECT_NE(why(d.c(post(get_printer_attributes()))), Reason::Forwarded);
  }
  {
    // A 101 nobody asked for.
    InspectorDriver d(kInspector);
    ASSERT_TRUE(ok(d.c("GET / HTTP/1.1\r\n\r\n")));
    EXPECT_EQ(why(d.s("HTTP/1.1 101 Switching Protocols\r\n\r\n")), Reason::MalformedIpp);
  }
}

TEST(IppInspector, PolicyListsDecide) {
  policy::IppRules rules;
  rules.ops[policy::ipp::slot(0x003C)] = true;   // Identify-Printer allowed
  rules.ops[policy::ipp::slot(0x000B)] = false;  // Get-Printer-Attributes denied
  rules.formats = {"application/pdf"};
  InspectorDriver a(kInspector);
  a.service.ipp = &rules;
  EXPECT_TRUE(ok(a.c_then_end(post(Msg(0x003C).op_attrs().end().str()))));
  InspectorDriver b(kInspector);
  b.service.ipp = &rules;
  EXPECT_EQ(why(b.c(post(get_printer_attributes()))), Reason::IppOperationDenied);
  EXPECT_EQ(b.detail(), "Get-Printer-Attributes");
  InspectorDriver c(kInspector);
  c.service.ipp = &rules;
  EXPECT_EQ(why(c.c(post(print_job(kPs)))), Reason::IppDocumentFormat);
  EXPECT_EQ(c.detail(), "application/postscript");
  // plaintext-auth allow: the admin accepted clear-text credentials on this service.
  InspectorDriver e(kInspector);
  e.service.plaintext_auth = true;
  EXPECT_TRUE(ok(e.c_then_end(post(get_printer_attributes(), "Authorization: Basic YWxpY2U6c2VjcmV0\r\n"))));
}

TEST(IppInspector, StateFitsTheArenaBlock) { EXPECT_LE(sizeof(IppFlow), FlowArena::kBlockSize); }

}  // namespace
}  // namespace pw::proto::ipp
