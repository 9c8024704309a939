// IPP inspector (RFC 8010/8011 over HTTP/1.1, port 631): both directions' HTTP messages are
// framed (fixed length, chunked, to the close), the IPP messages they carry are read as they
// stream (protocols/ipp/ipp_parser.h), and the document data of a print request is a job stream
// read by the job-language inspector. Requests: the operation must be on the allow-list (policy
// `ipp operation`), document formats on theirs (`ipp document-format`), no compression the
// gateway cannot read, no HTTP credential in clear text; responses: no attribute with control
// characters or line breaks. IPP over TLS (ipps, or an HTTP Upgrade to TLS) is handed to the TLS
// inspector. Rules: protocols/ipp/README.md.
#pragma once

#include <cstdint>
#include <type_traits>

#include "protocols/inspector.h"
#include "protocols/ipp/ipp_parser.h"
#include "protocols/joblang/joblang_inspector.h"
#include "protocols/tls/tls_inspector.h"

namespace pw::proto::ipp {

// One direction's HTTP/1.1 messages (requests from the client, responses from the printer).
struct HttpSide {
  static constexpr size_t kKeep = 256;  // start lines and the field lines acted on, kept whole
  enum class Phase : uint8_t { Start, Fields, Body, ChunkSize, ChunkData, ChunkCrlf, Trailers, ToClose };
  Phase phase = Phase::Start;
  bool cr = false;          // the previous byte was CR: only LF may follow
  bool in_value = false;    // past the field line's colon
  uint8_t field = 0;        // the field line's name, when one acted on (ipp_inspector.cc)
  bool chunked = false;
  bool has_te = false;
  bool has_length = false;
  bool ipp = false;         // Content-Type: application/ipp
  bool encoded = false;     // Content-Encoding other than identity
  bool upgrade = false;     // Upgrade: TLS (requests)
  uint8_t kind = 0;         // what the message is (ipp_inspector.cc's Kind)
  uint8_t scheme_len = 0;   // Authorization: the scheme read so far
  uint16_t kept = 0;
  uint16_t status = 0;      // responses: the status code
  uint32_t line_len = 0;
  uint64_t length = 0;
  uint64_t left = 0;
  char line[kKeep] = {};
  char scheme[16] = {};
};

struct IppFlow : FlowState {
  static constexpr size_t kDetail = 32;
  static constexpr size_t kQueue = 16;  // requests awaiting their response (pipelining)
  enum class Mode : uint8_t { Http, AwaitUpgrade, Tls };
  Mode mode = Mode::Http;
  Reason denied = Reason::Forwarded;
  bool started = false;     // a client byte was seen
  bool in_job = false;      // document data of this request reached the job-language reader
  bool body_ipp[2] = {};    // the current message's body is an IPP message, read by ipp[d]
  uint16_t op = 0;          // the request's operation
  uint8_t detail_len = 0;
  uint8_t q_head = 0;
  uint8_t q_count = 0;
  uint8_t queue[kQueue] = {};
  char detail[kDetail] = {};
  HttpSide side[2];         // [Dir::ToServer], [Dir::ToClient]
  IppReader ipp[2];
  tls::TlsFlow tls;
  joblang::JoblangFlow job;
};
static_assert(sizeof(IppFlow) <= FlowArena::kBlockSize);

class IppInspector : public Inspector {
 public:
  const char* name() const override { return "ipp"; }
  PW_INSPECTOR_MEMBERS
  PW_INSPECTOR_END_AND_DETAIL
};

}  // namespace pw::proto::ipp
