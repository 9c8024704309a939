// A streaming reader of one IPP message (RFC 8010 section 3): version, operation or status, request
// id, attribute groups, and the data that follows the end-of-attributes tag. Fed the message body
// in pieces of any size, it judges each attribute as its bytes arrive, with a few dozen bytes of
// state: names must be keywords, text values carry no control character or line break, values
// respect RFC 8011's maxima and their syntax's fixed sizes, collections nest at most kMaxDepth
// deep. The owner (protocols/ipp/ipp_inspector.cc) decides what the operation and the document
// format mean.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/reason.h"

namespace pw::proto::ipp {

struct IppReader {
  static constexpr uint8_t kMaxDepth = 16;   // collections within collections
  static constexpr size_t kName = 32;        // attribute names kept (longer: none we act on)
  static constexpr size_t kValue = 64;       // values kept (document-format)
  enum class Step : uint8_t {
    Header,     // version (2), operation-id or status-code (2), request-id (4)
    Tag,        // a delimiter or value tag
    NameLen,    // 2 bytes
    Name,
    ValueLen,   // 2 bytes
    Value,
    Data,       // after end-of-attributes: document data
  };
  Step step = Step::Header;
  uint8_t have = 0;        // bytes of the current fixed field
  uint8_t tag = 0;         // the current attribute's value tag
  uint8_t depth = 0;       // collection nesting
  bool group = false;      // an attribute group is open
  bool op_group = false;   // it is the operation attributes group
  bool request = true;     // a request (operation-id) or a response (status-code)
  uint8_t watch = 0;        // the attribute being read is one the owner acts on (IppEvent::Kind)
  uint8_t name_len = 0;    // bytes of name kept
  uint8_t value_len = 0;   // bytes of value kept
  uint16_t len = 0;        // the current name's or value's length
  uint16_t left = 0;       // its bytes still to come
  uint16_t lang_left = 0;  // textWithLanguage: bytes of the current part, and which part
  uint8_t lang_part = 0;
  uint8_t hdr[8] = {};
  uint16_t code = 0;       // operation-id or status-code
  char name[kName] = {};
  char value[kValue] = {};
};

// What the reader found; Forwarded means nothing to act on.
struct IppEvent {
  enum class Kind : uint8_t {
    None,
    Operation,       // the header is complete: `code` is the operation (or status)
    DocumentFormat,  // a value of document-format (operation group) is complete: `detail`
    Compression,     // a value of compression (operation group) is complete: `detail`
    EndOfAttributes, // the attributes are complete; what follows is data
  };
  Kind kind = Kind::None;
  Reason reason = Reason::Forwarded;  // a violation (the message is refused)
  size_t used = 0;                    // bytes of the input consumed up to the event
  std::string_view detail;            // what the violation or the event is about
};

void ipp_start(IppReader& r, bool request);
// Reads from `p` until an event, a violation or the end of the input (`used` then equals `n`).
// Data after the end-of-attributes tag is not consumed: the caller takes it (`r.step == Data`).
IppEvent ipp_read(IppReader& r, const uint8_t* p, size_t n);
// Whether the message is complete, its end-of-attributes seen (at the end of the HTTP body).
inline bool ipp_complete(const IppReader& r) { return r.step == IppReader::Step::Data; }

// "Print-Job" for a known operation code, else "0x1234" written into `buf` (7 bytes).
std::string_view operation_name(uint16_t op, char (&buf)[8]);

}  // namespace pw::proto::ipp
