// Fuzz target: the job-language inspector (PJL, PostScript, PCL, UEL sections, cross-site
// printing) on a print job stream.
// Input: byte 0 is the chunk size (1..255; 0: the job in one chunk), the rest is the job toward
// the printer. Every input runs under the built-in rules and under administrator lists (extra
// allowed and denied commands, a 40-byte PJL line bound); the same bytes are also fed as the
// printer's replies.
// Invariants (inspector_properties.h): no crash or out-of-bounds access (ASan/UBSan); the same
// verdict at the same byte whatever the chunking, also as out-of-order TCP segments through the
// normaliser; a deny is final, also one given at the end of the stream; the state given back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "policy/inspector_config.h"
#include "protocols/joblang/joblang_inspector.h"
#include "tests/fuzz/inspector_properties.h"

namespace {

using namespace pw;

void run(std::span<const uint8_t> job, size_t chunk, const policy::InspectorConfig& svc,
         uint32_t seed) {
  static const proto::joblang::JoblangInspector insp;
  fuzz::check_stream(insp, job, chunk, svc, seed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const policy::JobLanguageRules rules = [] {
    policy::JobLanguageRules r;
    r.pjl_max_line = 40;
    r.pjl_allow = {"DMINFO", "FSQUERY"};
    r.pjl_deny = {"INFO"};
    r.pjl_allow_set = {"TIMEOUT"};
    r.pjl_deny_set = {"COPIES"};
    r.ps_allow = {"showpage", "status"};
    r.ps_deny = {"setcolorspace"};
    return r;
  }();
  static const policy::InspectorConfig builtin = [] {
    policy::InspectorConfig s;
    s.inspect = policy::Inspect::JobLanguage;
    return s;
  }();
  static const policy::InspectorConfig admin = [] {
    policy::InspectorConfig s = builtin;
    s.job_language = &rules;
    return s;
  }();
  const std::span<const uint8_t> job(data + 1, size - 1);
  const size_t chunk = data[0] ? data[0] : std::max<size_t>(job.size(), 1);
  const uint32_t seed = fuzz::seed_of({data, size});
  run(job, chunk, builtin, seed);
  run(job, chunk, admin, seed);
  return 0;
}
