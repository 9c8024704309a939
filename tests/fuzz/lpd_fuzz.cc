// Fuzz target: the LPD inspector (RFC 1179 commands, subcommands, control files; data files
// handed to the job-language inspector).
// Input: byte 0 is the chunk size (1..255; 0: in one chunk), the rest is what the client sends.
// Every input runs with the service's defaults and with remove-jobs allowed, queue state
// denied and administrator job-language lists.
// Invariants (inspector_properties.h): no crash or out-of-bounds access (ASan/UBSan); the same
// verdict at the same byte whatever the chunking, also as out-of-order TCP segments; a deny is
// final, also one given at the end of the stream; the state given back.
#include <cstddef>
#include <cstdint>
#include <span>

#include "policy/inspector_config.h"
#include "protocols/lpd/lpd_inspector.h"
#include "tests/fuzz/inspector_properties.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pw;
  if (size < 1) return 0;
  static const proto::lpd::LpdInspector insp;
  static const policy::JobLanguageRules rules = [] {
    policy::JobLanguageRules r;
    r.pjl_max_line = 48;
    r.pjl_allow = {"FSQUERY"};
    r.ps_allow = {"status"};
    return r;
  }();
  static const policy::InspectorConfig defaults = [] {
    policy::InspectorConfig s;
    s.inspect = policy::Inspect::Lpd;
    return s;
  }();
  static const policy::InspectorConfig other = [] {
    policy::InspectorConfig s = defaults;
    s.lpd_remove_jobs = true;
    s.lpd_queue_state = false;
    s.job_language = &rules;
    return s;
  }();
  const std::span<const uint8_t> in(data + 1, size - 1);
  const size_t chunk = data[0] ? data[0] : std::max<size_t>(in.size(), 1);
  const uint32_t seed = fuzz::seed_of({data, size});
  fuzz::check_stream(insp, in, chunk, defaults, seed);
  fuzz::check_stream(insp, in, chunk, other, seed);
  return 0;
}
