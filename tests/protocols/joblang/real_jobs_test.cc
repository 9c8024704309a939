// Real print jobs, made by ghostscript at test time (installed by appliance/install-deps): a
// two-page document with text in several fonts, a loop, an image and vector graphics, rendered
// as PDF, then as PostScript (ps2write, eps2write: the opdfread prolog every CUPS PostScript
// queue sends), PCL XL (pxlmono, pxlcolor: with ghostscript's own PJL header) and PCL 5 (ljet4).
// Each passes the job-language inspector whole, as it is and wrapped in the PJL header an HP
// driver writes; each with an attack appended (a second job in the same connection) is denied.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "protocols/joblang/joblang_inspector.h"
#include "tests/support/inspector_driver.h"

namespace pw::proto::joblang {
namespace {

namespace fs = std::filesystem;
using testing::InspectorDriver;
using testing::ok;
using testing::why;

const JoblangInspector kInspector;
const std::string kUel = "\x1b%-12345X";

const char* kDocument = R"(%!PS-Adobe-3.0
%%Pages: 2
/Times-Roman findfont 18 scalefont setfont
72 720 moveto (Quarterly report: file status, run totals \(draft\)) show
/Courier findfont 10 scalefont setfont
0 1 20 { /i exch def 72 700 i 12 mul sub moveto (line ) show i 10 string cvs show } for
gsave 300 300 translate 100 100 scale
8 8 8 [8 0 0 -8 0 8] {<00ff00ff00ff00ffff00ff00ff00ff00>} image
grestore
0.2 0.4 0.6 setrgbcolor 100 100 200 150 rectfill
showpage
/Helvetica-Bold findfont 24 scalefont setfont 72 720 moveto (Page two) show
newpath 300 400 100 0 360 arc stroke
showpage
)";

class RealJobs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("pw-jobs-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "doc.ps") << kDocument;
    gs("pdfwrite", "doc.ps", "doc.pdf");
    for (const char* d : {"ps2write", "eps2write", "pxlmono", "pxlcolor", "ljet4"})
      gs(d, d == std::string("eps2write") ? "doc.ps" : "doc.pdf", d);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static void gs(const std::string& device, const std::string& in, const std::string& out) {
    // eps2write takes one page: the first.
    const std::string cmd = "cd '" + dir_.string() + "' && gs -q -dSAFER -dNOPAUSE -dBATCH " +
                            (device == "eps2write" ? "-dLastPage=1 " : "") + "-sDEVICE=" + device +
                            " -sOutputFile=" + out + " " + in + " >gs.log 2>&1";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "ghostscript failed: " << cmd << " (appliance/install-deps)";
  }
  static std::string read(const std::string& name) {
    std::ifstream in(dir_ / name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  // Whole, in TCP-sized chunks, then the end of the stream.
  static Decision send(const std::string& job, size_t chunk = 1460) {
    InspectorDriver d(kInspector);
    Decision r = d.c(job, chunk);
    if (ok(r)) r = d.end();
    return r;
  }
  static fs::path dir_;
};
fs::path RealJobs::dir_;

// As an HP universal driver frames a job for a language.
std::string hp_wrapped(const std::string& job, const char* language) {
  return kUel + "@PJL JOB NAME=\"Quarterly report\" DISPLAY=\"1042 alice\"\r\n"
                "@PJL SET USERNAME=\"alice\"\r\n@PJL SET JOBATTR=\"JobAcct1=alice\"\r\n"
                "@PJL SET RESOLUTION=600\r\n@PJL SET DUPLEX=ON\r\n@PJL SET BINDING=LONGEDGE\r\n"
                "@PJL SET HOLD=OFF\r\n@PJL ENTER LANGUAGE=" + std::string(language) + "\r\n" + job +
         kUel + "@PJL EOJ NAME=\"Quarterly report\"\r\n" + kUel;
}

struct Job {
  const char* file;
  const char* language;
};
constexpr Job kJobs[] = {{"doc.pdf", "PDF"},           {"ps2write", "POSTSCRIPT"},
                         {"eps2write", "POSTSCRIPT"},  {"pxlmono", "PCLXL"},
                         {"pxlcolor", "PCLXL"},        {"ljet4", "PCL"}};

TEST_F(RealJobs, PassWholeAsTheyAreAndWrapped) {
  for (const Job& j : kJobs) {
    const std::string job = read(j.file);
    ASSERT_GT(job.size(), 1000u) << j.file;
    for (const std::string& variant : {job, hp_wrapped(job, j.language)}) {
      for (size_t chunk : {size_t{1460}, size_t{1}, size_t{577}}) {
        const Decision r = send(variant, chunk);
        EXPECT_TRUE(ok(r)) << j.file << " chunk " << chunk << ": " << reason_code(why(r));
      }
    }
  }
}

TEST_F(RealJobs, SplitAndReorderedTheVerdictStays) {
  // The segmentation properties (inspector_driver.h) on each job's first 24 KiB, wrapped.
  for (const Job& j : kJobs) {
    const std::string job = hp_wrapped(read(j.file), j.language).substr(0, 24 << 10);
    const std::vector<uint8_t> b(job.begin(), job.end());
    std::vector<testing::Chunk> chunks;
    for (size_t off = 0; off < b.size(); off += 1000)
      chunks.push_back({Dir::ToServer, std::span<const uint8_t>(b).subspan(off, std::min<size_t>(1000, b.size() - off))});
    InspectorDriver d(kInspector);
    proto::FlowArena arena(2);
    EXPECT_EQ(testing::check_properties(kInspector, d.ctx, arena, chunks, 5), "") << j.file;
  }
}

TEST_F(RealJobs, AnAttackAfterABenignJobIsDenied) {
  struct Tail {
    const char* name;
    std::string bytes;
    Reason reason;
  };
  const Tail tails[] = {
      {"PJL file listing", "@PJL FSDIRLIST NAME=\"0:\\\" ENTRY=1 COUNT=999\r\n", Reason::JoblangFileAccess},
      {"PJL NVRAM default", "@PJL DEFAULT PASSWORD=0\r\n", Reason::JoblangCredential},
      {"PostScript exitserver", "@PJL ENTER LANGUAGE=POSTSCRIPT\r\n%!\nserverdict begin 0 exitserver\n",
       Reason::JoblangInterpreterEscape},
      {"PostScript capture", "%!\n/showpage { } def\n", Reason::JoblangJobCapture},
  };
  for (const Job& j : kJobs) {
    const std::string job = hp_wrapped(read(j.file), j.language);
    for (const Tail& t : tails) {
      EXPECT_EQ(why(send(job + t.bytes)), t.reason) << j.file << " + " << t.name;
      // The PostScript job itself, then the attack inside its own section.
      if (std::string(j.language) == "POSTSCRIPT") {
        std::string inside = read(j.file) + "\n(/etc/passwd) (r) file\n";
        EXPECT_EQ(why(send(hp_wrapped(inside, j.language))), Reason::JoblangFileAccess) << j.file;
      }
    }
  }
}

}  // namespace
}  // namespace pw::proto::joblang
