#include "protocols/lpd/lpd_inspector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/inspector_driver.h"

namespace pw::proto::lpd {
namespace {

using testing::InspectorDriver;
using testing::ok;
using testing::stream_properties;
using testing::why;

const LpdInspector kInspector;
const std::string kUel = "\x1b%-12345X";

// A file subcommand (RFC 1179 6.2, 6.3): code, count SP name LF, the bytes, NUL.
std::string file(char code, const std::string& name, const std::string& bytes) {
  return std::string(1, code) + std::to_string(bytes.size()) + " " + name + "\n" + bytes +
         std::string(1, '\0');
}
// A job as CUPS's lpd backend and LPRng's lpr send it: receive job, control file, data file.
std::string job(const std::string& data, const std::string& control_extra = "",
                const std::string& data_name = "dfA042client") {
  const std::string control = "Hclient\nPalice\nJQuarterly report\nCA\nLalice\n" + control_extra +
                              "ldfA042client\nUdfA042client\nNreport.ps\n";
  return "\x02lp\n" + file('\x02', "cfA042client", control) + file('\x03', data_name, data);
}
const std::string kPsJob = kUel + "@PJL JOB NAME=\"report\"\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n"
                           "%!PS\n/Helvetica findfont 12 scalefont setfont 72 72 moveto (hello) show showpage\n" +
                           kUel + "@PJL EOJ\r\n" + kUel;



TEST(LpdInspector, JobsAsRealClientsSendThemPass) {
  for (const std::string& s :
       {job(kPsJob), job(kPsJob, "ALPRng-42\nQlp\nD2026-12-07-11:00:00.000\nZduplex\n"),
        job(std::string(3000, 'x') + "\f", "W132\nI8\n"),
        // Data file first, then the control file; two data files; an abort.
        "\x02lp\n" + file('\x03', "dfA7h", kPsJob) + file('\x03', "dfB7h", "plain text\n") +
            file('\x02', "cfA7h", "Hh\nPbob\nldfA7h\nldfB7h\n"),
        std::string("\x02lp\n\x01\n"),
        // Queue state (lpq), print waiting jobs.
        std::string("\x03lp\n"), std::string("\x04lp alice 42\n"), std::string("\x01lp\n")}) {
    for (size_t chunk : {size_t{0}, size_t{1}, size_t{7}}) {
      InspectorDriver d(kInspector);
      const Decision r = d.c_then_end(s, chunk);
      EXPECT_TRUE(ok(r)) << reason_code(why(r)) << " " << d.detail() << " chunk " << chunk;
    }
    EXPECT_EQ(stream_properties(kInspector, s, 5, 9), "");
  }
}

TEST(LpdInspector, MalformedAndDangerousRequestsAreDenied) {
  const std::string ls = kUel + "@PJL FSDIRLIST NAME=\"0:\\\" ENTRY=1 COUNT=99\r\n";
  const testing::Denial bad[] = {
      {"PJL file listing in the data file", job(ls), Reason::JoblangFileAccess, "FSDIRLIST"},
      {"PostScript file read at the end of a streamed data file",
       "\x02lp\n" + file('\x02', "cfA1h", "Hh\nldfA1h\n") + "\x03" "0 dfA1h\n%!\n(/etc/passwd) (r) file",
       Reason::JoblangFileAccess, "file"},
      {"mail when printed", job(kPsJob, "Malice@example.org\n"), Reason::LpdCommandDenied, "M (mail)"},
      {"unknown control line", job(kPsJob, "Xsomething\n"), Reason::MalformedLpd, "control line"},
      {"absurd width", job(kPsJob, "W99999\n"), Reason::MalformedLpd, "control number"},
      {"control line too long", job(kPsJob, "J" + std::string(300, 'j') + "\n"), Reason::UnitTooLong, "LPD control line"},
      {"path in a data file name", job(kPsJob, "", "dfA/../../etc/cron.d/x"), Reason::MalformedLpd, "file name"},
      {"data file not named df", job(kPsJob, "", "cfA042client"), Reason::MalformedLpd, "file name"},
      {"path in a control line", job(kPsJob, "UdfA/../../x\n"), Reason::MalformedLpd, "control file name"},
      {"count not a number", "\x02lp\n\x02" "12x cfA1h\n", Reason::MalformedLpd, "count"},
      {"control file too large", "\x02lp\n\x02" "99999999 cfA1h\n", Reason::MalformedLpd, "control file size"},
      {"no NUL after the file", "\x02lp\n" + file('\x03', "dfA1h", "abc").substr(0, 12) + "X", Reason::MalformedLpd, "file end"},
      {"remove jobs", "\x05lp alice 42\n", Reason::LpdCommandDenied, "remove jobs"},
      {"bytes after a queue query", "\x03lp\n\x02lp\n", Reason::MalformedLpd, "bytes after the command"},
      {"unknown command code", "\x07lp\n", Reason::MalformedLpd, "command code"},
      {"unknown subcommand code", "\x02lp\n\x09", Reason::MalformedLpd, "subcommand code"},
      {"control character in a queue name", "\x02l\x01p\n", Reason::MalformedLpd, "command operand"},
      {"cross-site printing", "POST / HTTP/1.1\r\nHost: 198.18.20.5:515\r\n\r\n", Reason::CrossSitePrinting, "HTTP request"},
  };
  for (const testing::Denial& b : bad) EXPECT_EQ(testing::check_denial(kInspector, b, {0, 1, 4}, 5, 9), "");
}

TEST(LpdInspector, ServiceSettingsDecideRemoveAndQueueState) {
  InspectorDriver remove(kInspector);
  remove.service.lpd_remove_jobs = true;
  EXPECT_TRUE(ok(remove.c_then_end("\x05lp alice 42\n")));
  InspectorDriver queue(kInspector);
  queue.service.lpd_queue_state = false;
  EXPECT_EQ(why(queue.c_then_end("\x04lp\n")), Reason::LpdCommandDenied);
  EXPECT_EQ(queue.detail(), "queue state");
}

TEST(LpdInspector, TheServersAnswersPass) {
  InspectorDriver d(kInspector);
  EXPECT_TRUE(ok(d.c("\x02lp\n")));
  EXPECT_TRUE(ok(d.s(std::string(1, '\0'))));
  EXPECT_TRUE(ok(d.s("lp is ready and printing\nRank Owner Job Files Total Size\n")));
}

}  // namespace
}  // namespace pw::proto::lpd
