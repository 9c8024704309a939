// What a capture delivers to the hosts that receive it, for tests that must prove a secret never
// crossed the gateway: the raw frames one after another, every IP datagram put together from its
// fragments, and every TCP stream put in sequence order (once keeping the first copy of
// overlapping bytes, once the last, as receivers differ; and once without the bytes marked urgent,
// as a Linux receiver reads it). A secret cut by a gap in the stream is not found: no receiver
// would see it either.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tests/support/packet_builder.h"

namespace pw::testing {

struct CaptureText {
  std::string raw;                     // the frames concatenated
  std::vector<std::string> datagrams;  // L4 payloads of reassembled fragmented datagrams
  std::vector<std::string> streams;    // TCP payload streams, per direction, two variants each
  bool contains(std::string_view needle) const;
};

CaptureText capture_text(const std::vector<PcapFrame>& frames);

}  // namespace pw::testing
