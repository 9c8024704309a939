#include "protocols/joblang/joblang_inspector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/inspector_driver.h"

namespace pw::proto::joblang {
namespace {

using testing::InspectorDriver;
using testing::ok;
using testing::stream_properties;
using testing::why;

const JoblangInspector kInspector;
const std::string kUel = "\x1b%-12345X";


// A job the way HP's PCL 6 driver frames it: PJL header, PCL XL, PJL trailer.
std::string pcl6_job(const std::string& pjl_extra = "") {
  std::string xl = ") HP-PCL XL;3;0;Comment Copyright Hewlett-Packard\r\n";
  for (int i = 0; i < 600; ++i) xl += static_cast<char>((i * 37 + 11) & 0xff);  // binary operators
  xl.erase(std::remove(xl.begin() + 40, xl.end(), '\x1b'), xl.end());
  return kUel + "@PJL JOB NAME=\"report.pdf\"\r\n@PJL SET RESOLUTION=600\r\n@PJL SET DUPLEX=ON\r\n" +
         pjl_extra + "@PJL ENTER LANGUAGE=PCLXL\r\n" + xl + kUel + "@PJL EOJ NAME=\"report.pdf\"\r\n" +
         kUel;
}

const std::string kPostScript =
    "%!PS-Adobe-3.0\n%%Title: (file) status run\n%%EndComments\n"
    "/Helvetica findfont 12 scalefont setfont\n"
    "statusdict begin end\n"
    "//systemdict/showpage get pop\n"
    "0 1 10 { pop } for\n"
    "{ currentpoint pop 500 gt { exit } if (.) show } loop\n"
    "{ 1 { exit } if } loop\n"
    "72 72 moveto (Cannot open file: status \\(run\\)) show\n"
    "<48656c6c6f> show <~87cURD]i,\"Ebo80~> pop\n"
    "<< /PageSize [595 842] /Duplex true >> setpagedevice\n"
    "showpage\n";



TEST(JoblangInspector, BenignJobsPassWhole) {
  for (const std::string& job :
       {pcl6_job(), kUel + "@PJL ENTER LANGUAGE=POSTSCRIPT\r\n" + kPostScript + kUel,
        kPostScript, std::string("Plain text job\r\nsecond line\f"),
        kUel + "@PJL JOB\n@PJL ENTER LANGUAGE=PCL\n\x1b" "E\x1b&l0O\x1b(s0p10h12v0s0b3T" "Hello\x1b" "E" + kUel,
        std::string("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")}) {
    for (size_t chunk : {size_t{0}, size_t{1}, size_t{3}, size_t{64}}) {
      InspectorDriver d(kInspector);
      const Decision r = d.c_then_end(job, chunk);
      EXPECT_TRUE(ok(r)) << reason_code(why(r)) << " " << d.detail() << " chunk " << chunk << "\n" << job.substr(0, 80);
    }
    EXPECT_EQ(stream_properties(kInspector, job, 7, 17), "");
  }
}

std::vector<testing::Denial> attacks() {
  const std::string pjl = kUel + "@PJL\r\n";
  const std::string ps = kUel + "@PJL ENTER LANGUAGE=POSTSCRIPT\r\n%!PS\n";
  return {
      {"PJL file listing", pjl + "@PJL FSDIRLIST NAME=\"0:\\\" ENTRY=1 COUNT=65535\r\n", Reason::JoblangFileAccess, "FSDIRLIST"},
      {"PJL lower case, LF only", kUel + "@pjl fsupload name=\"0:\\..\\etc\\passwd\"\n", Reason::JoblangFileAccess, "FSUPLOAD"},
      {"PJL CR only", kUel + "@PJL JOB\r@PJL FSDELETE NAME=\"0:\\x\"\r", Reason::JoblangFileAccess, "FSDELETE"},
      {"PJL without a UEL, first bytes", "@PJL FSQUERY NAME=\"0:\\x\"\r\n", Reason::JoblangFileAccess, "FSQUERY"},
      {"PJL after white space", kUel + "\r\n  @PJL DEFAULT COPIES=9\r\n", Reason::JoblangPersistentChange, "COPIES"},
      {"PJL after a benign page", pcl6_job() + "@PJL RDYMSG DISPLAY=\"PC LOAD LETTER\"\r\n", Reason::JoblangDisplay, "RDYMSG"},
      {"PJL inside the job header", pcl6_job("@PJL SET PASSWORD=0\r\n"), Reason::JoblangCredential, "PASSWORD"},
      {"PJL after PostScript, second job", ps + "showpage\n" + kUel + "@PJL INITIALIZE\r\n", Reason::JoblangPersistentChange, "INITIALIZE"},
      {"PJL line without its end at the end of the stream", pjl + "@PJL FSINIT VOLUME=\"0:\"", Reason::JoblangFileAccess, "FSINIT"},
      {"PJL overlong line", pjl + "@PJL COMMENT " + std::string(300, 'A') + "\r\n", Reason::UnitTooLong, "PJL line"},
      {"PJL unknown command", pjl + "@PJL SUPERSECRET\r\n", Reason::JoblangUnknownCommand, "SUPERSECRET"},
      {"PJL unknown language", pjl + "@PJL ENTER LANGUAGE=FOO\r\n", Reason::JoblangUnknownLanguage, "FOO"},
      {"PostScript file read", ps + "(/etc/passwd) (r) file 100 string readstring\n", Reason::JoblangFileAccess, "file"},
      {"PostScript file read, no space", ps + "(/etc/passwd)(r)file\n", Reason::JoblangFileAccess, "file"},
      {"PostScript directory listing", ps + "(*) { = } 256 string filenameforall\n", Reason::JoblangFileAccess, "filenameforall"},
      {"PostScript delete", ps + "(../x) deletefile\n", Reason::JoblangFileAccess, "deletefile"},
      {"PostScript rename", ps + "(a) (b) renamefile\n", Reason::JoblangFileAccess, "renamefile"},
      {"PostScript status of a path", ps + "(%disk0%/x) status\n", Reason::JoblangFileAccess, "status"},
      {"PostScript run", ps + "(/x.ps) run\n", Reason::JoblangFileAccess, "run"},
      {"PostScript file at the end of the stream", ps + "(/etc/passwd) (r) file", Reason::JoblangFileAccess, "file"},
      {"PostScript file before a UEL", ps + "(/x) (w) file" + kUel, Reason::JoblangFileAccess, "file"},
      {"PostScript system parameters", ps + "<< /PageCount 0 >> setsystemparams\n", Reason::JoblangPersistentChange, "setsystemparams"},
      {"PostScript password", ps + "<< /Password (0) >> setuserparams\n", Reason::JoblangCredential, "Password"},
      {"PostScript checkpassword", ps + "(0) checkpassword\n", Reason::JoblangCredential, "checkpassword"},
      {"PostScript exitserver", ps + "serverdict begin 0 exitserver\n", Reason::JoblangInterpreterEscape, "serverdict"},
      {"PostScript startjob", ps + "true 0 startjob pop\n", Reason::JoblangInterpreterEscape, "startjob"},
      {"PostScript superexec", ps + "1183615869 internaldict /superexec get exec\n", Reason::JoblangInterpreterEscape, "internaldict"},
      {"PostScript showpage redefined", ps + "/showpage { } def\n", Reason::JoblangJobCapture, "showpage"},
      {"PostScript showpage redefined with bind", ps + "userdict /showpage { 0 0 moveto } bind put\n", Reason::JoblangJobCapture, "showpage"},
      {"PostScript page hook", ps + "<< /EndPage { pop pop true } >> setpagedevice\n", Reason::JoblangJobCapture, "EndPage"},
      {"PostScript job retention", ps + "<< /Collate true /CollateDetails << /Hold 1 /Type 8 >> >> setpagedevice\n", Reason::JoblangJobCapture, "CollateDetails"},
      {"PostScript endless loop", ps + "{} loop\n", Reason::JoblangDenialOfService, "loop"},
      {"PostScript endless loop with work", ps + "{ 1 1 add pop } loop\n", Reason::JoblangDenialOfService, "loop"},
      {"PostScript loop of a named procedure", ps + "/p { } def /p load loop\n", Reason::JoblangDenialOfService, "loop"},
      {"PostScript octal-escaped operator converted", ps + "(dele\\164efile) cvn load exec\n", Reason::JoblangFileAccess, "deletefile"},
      {"PostScript hex-encoded operator converted", ps + "<646566657465> pop <64656c65746566696c65> cvn load\n", Reason::JoblangFileAccess, "deletefile"},
      {"PostScript code in a string executed", ps + "(/x \\(r\\) file) cvx exec\n", Reason::JoblangFileAccess, "file"},
      {"PostScript operator in a string converted", ps + "(file) cvx exec\n", Reason::JoblangFileAccess, "cvx"},
      {"PostScript ASCII85 string executed", ps + "<~87cURD]i~> cvx exec\n", Reason::JoblangFileAccess, "cvx"},
      {"PostScript operator in a comment of data", ps + "currentfile 100 string readstring %exitserver\n", Reason::JoblangInterpreterEscape, "exitserver"},
      {"PostScript strong name after data the tokenizer cannot read", ps + "currentfile 99 string readstring\n"
       "J,fT)>}~x(\x92\x10\x9f\n startjob\n", Reason::JoblangInterpreterEscape, "startjob"},
      {"PostScript file read after data that closed a string", ps + "currentfile 9 string readstring\n"
       "q)x}>%~\n(x) (r) file\n", Reason::JoblangFileAccess, "file"},
      {"PostScript without a PJL wrapper", "%!\n(x) deletefile\n", Reason::JoblangFileAccess, "deletefile"},
      {"PCL macro made permanent", kUel + "\x1b" "E\x1b&f1y10X", Reason::JoblangPersistentChange, "ESC&f10X"},
      {"PCL soft font made permanent", kUel + "@PJL ENTER LANGUAGE=PCL\n\x1b*c5F", Reason::JoblangPersistentChange, "ESC*c5F"},
      {"cross-site printing", "POST /print HTTP/1.1\r\nHost: 198.18.20.5:9100\r\n\r\n" + kUel + "@PJL\r\n", Reason::CrossSitePrinting, "HTTP request"},
  };
}

TEST(JoblangInspector, AttacksAreDeniedWithTheirClassWhateverTheChunking) {
  for (const testing::Denial& a : attacks()) EXPECT_EQ(testing::check_denial(kInspector, a, {0, 1, 2, 5, 61}, 7, 17), "");
}

TEST(JoblangInspector, BinaryDataThatLooksLikeCommandsIsData) {
  // A raster row whose bytes spell a permanent-macro command, PCL transparent data spelling PJL.
  const std::string job = kUel + "@PJL ENTER LANGUAGE=PCL\r\n\x1b" "E\x1b*b10W\x1b&f1y10X..\x1b&p16X@PJL FSDIRLIST\r\n" +
                          "\x1b" "E" + kUel;
  InspectorDriver d(kInspector);
  EXPECT_TRUE(ok(d.c_then_end(job, 1))) << d.detail();
  EXPECT_EQ(stream_properties(kInspector, job, 7, 17), "");
  // PCL XL and PDF are binary: only a UEL ends them.
  InspectorDriver x(kInspector);
  EXPECT_TRUE(ok(x.c_then_end(kUel + "@PJL ENTER LANGUAGE=PCLXL\n) HP-PCL XL;3;0\n@PJL FSDIRLIST\n(x) deletefile\n" + kUel)));
}

TEST(JoblangInspector, DataInsideAPostScriptProgramIsNotASyntaxError) {
  // What ghostscript's ps2write and drivers' image data put in the program text, read by the
  // program (currentfile): stray ) } > ~, bytes 128-159. The interpreter never parses it.
  const std::string job = "%!PS\n/DataSource currentfile /ASCII85Decode filter\n"
                          "J,fT-i2CTa.N\"0NjC2h\"[UM(`%d2n&0d`>cWYOi2lOfH2Cq)}\n"
                          "Yi^6sU(QX#lB,,Q>d,(3k~x,WLAl?L#bi*^4p2Biio#34\\l0W&#-RLSFil4Fep9W/Zj~>\n"
                          "currentfile 8 string readstring \x80\x92\x9f\x01}})>>\n"
                          "pop pop showpage\n";
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{3}}) {
    InspectorDriver d(kInspector);
    EXPECT_TRUE(ok(d.c_then_end(job, chunk))) << d.detail() << " chunk " << chunk;
  }
  EXPECT_EQ(stream_properties(kInspector, job, 7, 17), "");
}

TEST(JoblangInspector, TextThatBeginsLikeAMethodIsNotAnHttpRequest) {
  InspectorDriver d(kInspector);
  EXPECT_TRUE(ok(d.c_then_end("GET STARTED: the printer manual\r\npage two\f")));
  InspectorDriver h(kInspector);
  EXPECT_EQ(why(h.c_then_end("GET / HTTP/1.0\r\n\r\n")), Reason::CrossSitePrinting);
}

TEST(JoblangInspector, PrinterRepliesWithFileSystemContentAreDenied) {
  InspectorDriver d(kInspector);
  EXPECT_TRUE(ok(d.s("@PJL INFO ID\r\n\"HP LaserJet 4250\"\r\n\f")));
  EXPECT_TRUE(ok(d.s("@PJL USTATUS DEVICE\r\nCODE=10001\r\n\f")));
  EXPECT_EQ(why(d.s("@PJL FSDIRLIST NAME=\"0:\\\" ENTRY=1\r\n.\tTYPE=DIR\r\n")), Reason::JoblangFileAccess);
}

TEST(JoblangInspector, AdminRulesApply) {
  policy::JobLanguageRules r;
  r.pjl_allow = {"DMINFO"};
  r.ps_allow = {"showpage"};
  r.ps_deny = {"setcolorspace"};
  r.pjl_max_line = 40;
  InspectorDriver d(kInspector);
  d.service.job_language = &r;
  EXPECT_TRUE(ok(d.c(kUel + "@PJL DMINFO ASCIIHEX=\"04\"\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n/showpage {} def\n")));
  EXPECT_EQ(why(d.c("/DeviceRGB setcolorspace\n")), Reason::JoblangCommandDenied);
  InspectorDriver l(kInspector);
  l.service.job_language = &r;
  EXPECT_EQ(why(l.c("@PJL COMMENT " + std::string(40, 'x') + "\n")), Reason::UnitTooLong);
}

}  // namespace
}  // namespace pw::proto::joblang
