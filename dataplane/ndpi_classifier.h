// nDPI names the application of a flow and flags risks, on the first packets of a flow only
// (never on pass-through or long-established flows). One classifier per lcore: its nDPI module
// and a fixed pool of nDPI flow states, so nothing is shared and nothing allocated per packet
// beyond what nDPI itself does for its flow state.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/reason.h"
#include "policy/inspector_config.h"
#include "policy/risks.h"

struct ndpi_detection_module_struct;  // nDPI's, global namespace

namespace pw::dp {

class NdpiClassifier {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr uint8_t kMaxPackets = 12;  // then nDPI gives up

  // `shared`: a module made by shared_module() that this classifier uses but does not own, for
  // pipelines that run one after another on one thread (the fuzzer makes one per input, and a
  // module takes tens of milliseconds to build). Null: a module of its own.
  explicit NdpiClassifier(size_t flows, ::ndpi_detection_module_struct* shared = nullptr);
  static ::ndpi_detection_module_struct* shared_module();
  ~NdpiClassifier();
  NdpiClassifier(const NdpiClassifier&) = delete;
  NdpiClassifier& operator=(const NdpiClassifier&) = delete;

  uint32_t open();  // kNone when the pool is empty (the flow is then not classified)
  void close(uint32_t slot);

  struct Result {
    bool done = false;      // detected, or given up
    uint16_t master = 0;    // e.g. TLS
    uint16_t app = 0;       // e.g. a service carried in TLS
    uint64_t risk = 0;      // ndpi_risk bitmap
    bool certain = false;   // found by payload inspection, consistent with the transport
  };
  // One packet of the flow (its IP datagram), `packets` counting this one.
  Result process(uint32_t slot, std::span<const uint8_t> ip, uint64_t ts_ms, uint8_t packets);

  // The protocol's name ("TLS", "SSH"); "Unknown" for 0.
  static const char* name(uint16_t id);
  // nDPI's name of risk bit `bit` ("Self-signed Certificate").
  static const char* risk_name(int bit);
  size_t memory_bytes() const { return storage_.size(); }

 private:
  ::ndpi_detection_module_struct* module_;
  bool owns_module_;
  size_t flow_size_;
  std::vector<uint8_t> storage_;
  std::vector<uint32_t> free_;
};

}  // namespace pw::dp

namespace pw::dp {

// Whether a flow nDPI named (master, app) may run on a service inspected as `inspect`: the
// service's own protocol (or TLS where TLS is expected) fits; any other service refuses the
// protocols nDPI knows by strong signatures that matter on a printer (remote access and
// tunnels, HTTP, TLS, SMB, FTP, mail: SSH to 9100, HTTP to 443); other names only label the flow.
bool protocol_fits(policy::Inspect inspect, uint16_t master, uint16_t app);
// The reason a flow that does not fit its service is refused with: an HTTP request on a print
// job port (RAW, LPD) is a browser made to print (cross-site-printing); else wrong-protocol.
Reason misfit_reason(policy::Inspect inspect, uint16_t master, uint16_t app);
// The nDPI risks the policy's risk table names (policy/risks.h).
inline constexpr uint64_t kKnownRisks = [] {
  uint64_t m = 0;
  for (const auto& r : policy::kRisks) m |= uint64_t{1} << r.bit;
  return m;
}();

// The risks of `risk` that say something about a flow of this service: "known protocol on a
// non-standard port" does not when the protocol nDPI named is one the service tolerates (a
// print job's PDF or PCL XL bytes that nDPI takes for FTP data on 9100).
uint64_t relevant_risks(policy::Inspect inspect, uint16_t master, uint16_t app, uint64_t risk);

}  // namespace pw::dp
