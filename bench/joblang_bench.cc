// The job-language inspector on real multi-megabyte print jobs, in TCP-sized chunks (1460
// bytes), beside a reference measured in the same run: a memcpy of the same chunks (what any
// gateway does with the bytes at least). Reported as bytes per second per core.
//
// The jobs are made by ghostscript at start (appliance/install-deps installs it): a 120-page
// document of text, vector graphics and images, rendered as PostScript (ps2write, pages
// uncompressed: every operator is a token to read), PCL XL (pxlcolor, with ghostscript's PJL
// header), PCL 5 (ljet4: raster rows) and PDF. Goals (issue 12): PCL and PDF >= 1 GB/s,
// PostScript >= 300 MB/s. The same PostScript and PDF jobs are also sent as IPP Print-Job
// requests, chunked as CUPS sends them, through the IPP inspector (HTTP framing and the IPP
// attributes on top of the job-language reading).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string_view>
#include <utility>
#include <string>
#include <vector>

#include "protocols/ipp/ipp_inspector.h"
#include "protocols/joblang/joblang_inspector.h"
#include "tests/support/inspector_driver.h"

namespace {

using namespace pw;
namespace fs = std::filesystem;

constexpr size_t kChunk = 1460;

const char* kDocument = R"(%!PS-Adobe-3.0
/img 4096 string def
0 1 4095 { img exch dup 7 mul 255 and put } for
/page {
  /Times-Roman findfont 11 scalefont setfont
  0 1 60 { /i exch def 60 760 i 12 mul sub moveto
    (The quarterly figures show steady growth in every region; see table ) show i 10 string cvs show } for
  gsave 0.1 0.3 0.7 setrgbcolor 300 120 translate 0 10 350 { pop 10 rotate 0 0 moveto 120 0 rlineto stroke } for grestore
  gsave 350 60 translate 180 120 scale 64 64 8 [64 0 0 -64 0 64] { img } image grestore
  showpage
} def
1 1 120 { pop page } for
)";

class Jobs {
 public:
  static const Jobs& get() {
    static const Jobs j;
    return j;
  }
  const std::string* job(const std::string& name) const {
    auto it = jobs_.find(name);
    return it == jobs_.end() || it->second.empty() ? nullptr : &it->second;
  }

 private:
  Jobs() {
    const fs::path dir = fs::temp_directory_path() / ("pw-bench-jobs-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "doc.ps") << kDocument;
    auto gs = [&](const std::string& args, const std::string& out) {
      const std::string cmd = "cd '" + dir.string() + "' && gs -q -dSAFER -dNOPAUSE -dBATCH -sOutputFile=" +
                              out + " " + args + " >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) return;
      std::ifstream in(dir / out, std::ios::binary);
      jobs_[out] = std::string(std::istreambuf_iterator<char>(in), {});
    };
    gs("-sDEVICE=pdfwrite doc.ps", "doc.pdf");
    gs("-sDEVICE=ps2write -dCompressPages=false doc.pdf", "ps2write");
    gs("-sDEVICE=pxlcolor doc.pdf", "pxlcolor");
    gs("-sDEVICE=ljet4 -r300 doc.pdf", "ljet4");
    fs::remove_all(dir);
    for (const auto& [name, format] : {std::pair<std::string, std::string>{"ps2write", "application/postscript"},
                                       {"doc.pdf", "application/pdf"}})
      if (auto it = jobs_.find(name); it != jobs_.end() && !it->second.empty())
        jobs_["ipp:" + name] = ipp_request(it->second, format);
  }
  // A Print-Job request (RFC 8010) carrying `doc`, in an HTTP POST chunked by 32 KiB as CUPS
  // writes it.
  static std::string ipp_request(const std::string& doc, const std::string& format) {
    std::string m = {2, 0, 0, 2, 0, 0, 0, 1, 1};
    auto attr = [&](char tag, std::string_view name, std::string_view value) {
      m += tag;
      m += static_cast<char>(name.size() >> 8);
      m += static_cast<char>(name.size() & 0xFF);
      m += name;
      m += static_cast<char>(value.size() >> 8);
      m += static_cast<char>(value.size() & 0xFF);
      m += value;
    };
    attr(0x47, "attributes-charset", "utf-8");
    attr(0x48, "attributes-natural-language", "en");
    attr(0x45, "printer-uri", "ipp://198.18.20.5/ipp/print");
    attr(0x42, "requesting-user-name", "alice");
    attr(0x49, "document-format", format);
    m += '\x03';
    m += doc;
    std::string r = "POST /ipp/print HTTP/1.1\r\nHost: 198.18.20.5:631\r\nContent-Type: application/ipp\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n";
    for (size_t off = 0; off < m.size(); off += 32768) {
      const size_t n = std::min<size_t>(32768, m.size() - off);
      char hex[16];
      std::snprintf(hex, sizeof hex, "%zx\r\n", n);
      r += hex;
      r.append(m, off, n);
      r += "\r\n";
    }
    return r + "0\r\n\r\n";
  }
  std::map<std::string, std::string> jobs_;
};

void run(benchmark::State& st, const char* name, bool reference) {
  const std::string* job = Jobs::get().job(name);
  if (!job) {
    st.SkipWithError("ghostscript could not make the job (appliance/install-deps)");
    return;
  }
  static const proto::joblang::JoblangInspector joblang;
  static const proto::ipp::IppInspector ipp;
  const proto::Inspector& insp = std::string_view(name).starts_with("ipp:")
                                     ? static_cast<const proto::Inspector&>(ipp)
                                     : joblang;
  testing::InspectorDriver flow(insp);
  std::vector<char> sink(kChunk);
  const auto* p = reinterpret_cast<const std::byte*>(job->data());
  for (auto _ : st) {
    if (reference) {
      for (size_t off = 0; off < job->size(); off += kChunk)
        std::memcpy(sink.data(), p + off, std::min(kChunk, job->size() - off));
      benchmark::DoNotOptimize(sink.data());
      continue;
    }
    flow.reopen();
    for (size_t off = 0; off < job->size(); off += kChunk) {
      const auto d = insp.on_data(*flow.state(), proto::Dir::ToServer,
                                  std::span(p + off, std::min(kChunk, job->size() - off)), flow.ctx);
      if (d.verdict != proto::Verdict::Continue) {
        st.SkipWithError(reason_code(d.reason));
        return;
      }
    }
    if (insp.on_end(*flow.state(), proto::Dir::ToServer, flow.ctx).verdict != proto::Verdict::Continue) {
      st.SkipWithError("denied at the end");
      return;
    }
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * job->size()));
  st.SetLabel(std::string(reference ? "reference: memcpy, " : "") + std::to_string(job->size() >> 10) +
              " KiB " + name);
}

#define PW_JOB(name, file)                                                            \
  void BM_Reference_##name(benchmark::State& st) { run(st, file, true); }             \
  BENCHMARK(BM_Reference_##name)->Unit(benchmark::kMillisecond);                      \
  void BM_##name(benchmark::State& st) { run(st, file, false); }                      \
  BENCHMARK(BM_##name)->Unit(benchmark::kMillisecond);

PW_JOB(PostScript, "ps2write")
PW_JOB(PclXl, "pxlcolor")
PW_JOB(Pcl5, "ljet4")
PW_JOB(Pdf, "doc.pdf")
PW_JOB(IppPostScript, "ipp:ps2write")
PW_JOB(IppPdf, "ipp:doc.pdf")

}  // namespace

BENCHMARK_MAIN();
