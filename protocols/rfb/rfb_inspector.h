// RFB/VNC inspector (RFC 6143 section 7.1): follows the handshake in lock step (each message is
// answered before the peer speaks again) and denies a session whose security type exposes the
// panel or a credential on the wire: None, VNC Authentication (DES challenge-response), VeNCrypt
// Plain, and every type it cannot verify (fail closed). TLS-based types go on: type 18 is handed
// to the TLS inspector (proto::tls), VeNCrypt TLS*/X509* sub-types are pass-through. Design
// notes: protocols/rfb/README.md.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>

#include "protocols/inspector.h"
#include "protocols/rfb/rfb_parser.h"
#include "protocols/tls/tls_inspector.h"

namespace pw::proto::rfb {

struct RfbFlow : FlowState {
  // What the handshake waits for next; each step has one sender (rfb_inspector.cc, kSteps).
  enum class Step : uint8_t {
    ServerVersion,    // S: 12 bytes (7.1.1)
    ClientVersion,    // C: 12 bytes
    Type33,           // S: U32 security type, version 3.3 (7.1.2)
    TypeCount,        // S: U8 number of security types, 3.7 and 3.8
    TypeList,         // S: U8 each, `left` to go
    Choice,           // C: U8 chosen type
    ReasonLength,     // S: U32 (7.1.2, 7.1.3 failure)
    Reason,           // S: `left` bytes, skipped
    VncChallenge,     // S: 16 bytes (7.2.2), skipped
    VncResponse,      // C: 16 bytes, skipped
    SecurityResult,   // S: U32 (7.1.3)
    VeVersion,        // S: U8 major, U8 minor (VeNCrypt)
    VeClientVersion,  // C: U8 major, U8 minor
    VeAck,            // S: U8, 0 = version accepted
    VeCount,          // S: U8 number of sub-types
    VeList,           // S: U32 each, `left` to go
    VeChoice,         // C: U32 chosen sub-type
    Tls,              // type 18: every byte goes to proto::tls
    Closed,           // a failure was announced: nothing more may come
    Passed,
    Denied,
  };
  static constexpr uint32_t kTrackedTypes = 1024;  // offered types remembered in `offered`

  Step step = Step::ServerVersion;
  uint8_t buf[kVersionSize] = {};
  uint8_t have = 0;
  uint8_t server_minor = 0;  // 3, 7 or 8
  uint8_t minor = 0;         // the client's: the handshake both follow
  bool tls_started = false;  // `tls` holds state to release
  uint32_t left = 0;         // list entries, or bytes to skip
  Reason denied = Reason::Forwarded;
  uint8_t offered[kTrackedTypes / 8] = {};  // types (or VeNCrypt sub-types) the server offered
  tls::TlsFlow tls{};
};
static_assert(sizeof(RfbFlow) <= FlowArena::kBlockSize);
static_assert(std::is_trivially_destructible_v<RfbFlow>);

class RfbInspector : public Inspector {
 public:
  const char* name() const override { return "rfb"; }
  PW_INSPECTOR_MEMBERS
};

}  // namespace pw::proto::rfb
