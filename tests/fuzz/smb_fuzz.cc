// Fuzz target: the SMB inspector on both directions of one flow.
// Input: byte 0 is the chunk size (1..255; 0: each record in one chunk), then records of
// [u16 big-endian length][bytes], alternating directions, client first (SMB clients speak
// first). Every input runs twice: under a strict service (signing required, SMB1 denied) and a
// permissive one (SMB1 allowed, signing optional).
// Invariants: no crash or out-of-bounds access (ASan/UBSan), allowed_bytes never exceeds the
// chunk, a denial sticks, the state and every pool buffer are given back at close.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <vector>

#include "policy/inspector_config.h"
#include "tests/fuzz/inspector_properties.h"
#include "protocols/smb/smb_inspector.h"

namespace {

using namespace pw;

void run(const uint8_t* data, size_t size, const policy::InspectorConfig& svc) {
  static const proto::smb::SmbInspector insp;
  fuzz::check_records(insp, data, size, svc, proto::Dir::ToServer, 4096, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const auto strict = [] {
    pw::policy::InspectorConfig s;
    s.inspect = pw::policy::Inspect::Smb;
    s.smb_signing_required = true;
    s.smb1 = false;
    return s;
  }();
  static const auto permissive = [] {
    pw::policy::InspectorConfig s;
    s.inspect = pw::policy::Inspect::Smb;
    s.smb_signing_required = false;
    s.smb1 = true;
    return s;
  }();
  run(data, size, strict);
  run(data, size, permissive);
  return 0;
}
