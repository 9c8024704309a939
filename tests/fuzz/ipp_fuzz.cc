// Fuzz target: the IPP inspector on both directions of one flow (HTTP framing both ways, the IPP
// messages inside, document data handed to the job-language inspector, the hand-off to the TLS
// inspector for ipps and HTTP Upgrade).
// Input: byte 0 is the chunk size (1..255; 0: each record in one chunk), then records of
// [u16 big-endian length][bytes], alternating directions, client first. Every input runs with
// the built-in lists and with administrator lists (an operation allowed, one denied, formats
// narrowed, clear-text credentials tolerated).
// Invariants: no crash or out-of-bounds access (ASan/UBSan), allowed_bytes never exceeds the
// chunk, a denial sticks, the state and every pool buffer are given back at close; the
// segmentation properties of inspector_properties.h.
#include <cstddef>
#include <cstdint>

#include "policy/inspector_config.h"
#include "protocols/ipp/ipp_inspector.h"
#include "tests/fuzz/inspector_properties.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pw;
  if (size < 1) return 0;
  static const proto::ipp::IppInspector insp;
  static const policy::IppRules rules = [] {
    policy::IppRules r;
    r.ops[policy::ipp::slot(0x003C)] = true;   // Identify-Printer
    r.ops[policy::ipp::slot(0x0008)] = false;  // Cancel-Job
    r.formats = {"application/pdf", "image/png"};
    return r;
  }();
  static const policy::JobLanguageRules job = [] {
    policy::JobLanguageRules r;
    r.pjl_max_line = 48;
    return r;
  }();
  static const policy::InspectorConfig defaults = [] {
    policy::InspectorConfig s;
    s.inspect = policy::Inspect::Ipp;
    return s;
  }();
  static const policy::InspectorConfig other = [] {
    policy::InspectorConfig s = defaults;
    s.ipp = &rules;
    s.job_language = &job;
    s.plaintext_auth = true;
    return s;
  }();
  fuzz::check_records(insp, data, size, defaults, proto::Dir::ToServer, 64 << 10, true);
  fuzz::check_records(insp, data, size, other, proto::Dir::ToServer, 64 << 10, true);
  return 0;
}
