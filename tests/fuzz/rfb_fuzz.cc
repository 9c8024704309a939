// Fuzz target: the RFB inspector on both directions of one flow (including the hand-off of
// security type 18 to the TLS inspector).
// Input: byte 0 is the chunk size (1..255; 0: each record in one chunk), then records of
// [u16 big-endian length][bytes], alternating directions, server first (an RFB server speaks
// first). Every input runs twice: with VNC Authentication refused (the default) and allowed
// (`plaintext-auth allow`), so the challenge/response/SecurityResult path is reached too.
// Invariants: no crash or out-of-bounds access (ASan/UBSan), allowed_bytes never exceeds the
// chunk, a denial sticks, the state and every pool buffer (TLS reassembly) are given back at
// close.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <vector>

#include "policy/inspector_config.h"
#include "tests/fuzz/inspector_properties.h"
#include "protocols/rfb/rfb_inspector.h"

namespace {

using namespace pw;

void run(const uint8_t* data, size_t size, const policy::InspectorConfig& svc) {
  static const proto::rfb::RfbInspector insp;
  fuzz::check_records(insp, data, size, svc, proto::Dir::ToClient, 16384, false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const auto strict = [] {
    pw::policy::InspectorConfig s;
    s.inspect = pw::policy::Inspect::Rfb;
    return s;
  }();
  static const auto vnc_auth = [] {
    pw::policy::InspectorConfig s;
    s.inspect = pw::policy::Inspect::Rfb;
    s.plaintext_auth = true;
    return s;
  }();
  run(data, size, strict);
  run(data, size, vnc_auth);
  return 0;
}
