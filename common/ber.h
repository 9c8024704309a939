// A small BER reader (ITU-T X.690 section 8) for the protocol inspectors that speak ASN.1: SNMP
// (RFC 3416, RFC 3412), LDAP (RFC 4511). Pure functions over byte spans: no allocation, no
// exceptions, never a read outside the span.
//
// Three tools:
//  - ber_header(): one identifier and one definite length at the start of a span.
//  - BerReader: the elements of a container, whole (a UDP datagram) or a prefix of it (the part
//    of a TCP message that has arrived). An element that runs past the bytes present but not past
//    its container is Incomplete (need N more); one that runs past its container is an Error.
//  - BerStream: a streaming check of the framing of back-to-back top-level elements (LDAP
//    messages) that keeps only the end offsets of the open elements, never the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pw {

inline constexpr uint8_t kBerConstructed = 0x20;
// The identifier octet of a universal type (X.690 8.1.2: class bits 00, the tag number below 31).
constexpr uint8_t ber_universal(uint8_t number, bool constructed = false) {
  return static_cast<uint8_t>((constructed ? kBerConstructed : 0) | number);
}
// The universal types the gateway decodes (X.690 8.1.2.2, table 1).
inline constexpr uint8_t kBerInteger = ber_universal(2);
inline constexpr uint8_t kBerOctetString = ber_universal(4);
inline constexpr uint8_t kBerNull = ber_universal(5);
inline constexpr uint8_t kBerOid = ber_universal(6);
inline constexpr uint8_t kBerEnumerated = ber_universal(10);
inline constexpr uint8_t kBerSequence = ber_universal(16, true);
static_assert(kBerInteger == 0x02 && kBerEnumerated == 0x0a && kBerSequence == 0x30);
// Longest header accepted: 1 + 4 identifier octets (tag numbers below 2^28) + 1 + 4 length octets.
inline constexpr size_t kBerMaxHeader = 10;

enum class BerCode : uint8_t { Ok, Incomplete, Error };

enum class BerError : uint8_t {
  None,
  Indefinite,     // length octet 0x80 (X.690 8.1.3.6): forbidden by SNMP and LDAP (RFC 4511 5.1)
  LengthTooLong,  // more than 4 length octets, or the reserved 0xff (X.690 8.1.3.5 c)
  PastEnd,        // the element runs past its container
  BadTag,         // long-form tag over 4 octets, with a leading zero, or for a number below 31
  WrongTag,       // not the tag the grammar expects here
  BadInteger,     // INTEGER/ENUMERATED of 0 or more than 8 content octets (bounded to int64)
  TooDeep,        // BerStream: more nested elements than it keeps
  TooLarge,       // BerStream: a top-level element over the caller's limit
};

struct BerStatus {
  BerCode code = BerCode::Ok;
  BerError error = BerError::None;
  uint32_t need = 0;  // Incomplete: at least this many more octets

  bool ok() const { return code == BerCode::Ok; }
  bool incomplete() const { return code == BerCode::Incomplete; }
  bool failed() const { return code == BerCode::Error; }
};

constexpr BerStatus ber_ok() { return {}; }
constexpr BerStatus ber_incomplete(uint32_t need) {
  return {BerCode::Incomplete, BerError::None, need};
}
constexpr BerStatus ber_error(BerError e) { return {BerCode::Error, e, 0}; }

// One element: header, and the content octets present.
struct BerTlv {
  uint8_t tag = 0;                   // identifier octet (long form: the first one, low bits 0x1f)
  uint32_t number = 0;               // tag number
  uint8_t header_len = 0;            // identifier and length octets
  uint32_t length = 0;               // declared content length
  std::span<const std::byte> value;  // content octets present: fewer than `length` in a prefix

  bool constructed() const { return (tag & kBerConstructed) != 0; }
  uint8_t tag_class() const { return static_cast<uint8_t>(tag >> 6); }  // 0 universal .. 3 private
  bool complete() const { return value.size() == length; }
  uint64_t total() const { return uint64_t{header_len} + length; }
};

// The identifier and definite length at the start of `in`. Ok: `t` holds the header and
// `t.value` the content octets present (up to t.length). Incomplete: the header itself is cut.
// Error: indefinite or over-long length, bad long-form tag.
BerStatus ber_header(std::span<const std::byte> in, BerTlv& t);

// Two's complement content octets as an int64 (1 to 8 octets).
BerStatus ber_integer(std::span<const std::byte> content, int64_t& v);

// Reads the elements of one container in order.
class BerReader {
 public:
  BerReader() = default;
  // A whole container: every element must end inside `in`.
  explicit BerReader(std::span<const std::byte> in) : in_(in), declared_(in.size()) {}
  // The first `in.size()` octets of a container of `declared` octets (the rest has not arrived):
  // elements past `in` but inside `declared` are Incomplete, past `declared` an Error.
  BerReader(std::span<const std::byte> in, uint64_t declared)
      : in_(in.size() > declared ? in.first(static_cast<size_t>(declared)) : in),
        declared_(declared) {}

  bool at_end() const { return pos_ >= declared_; }
  uint64_t offset() const { return pos_; }
  // All of the container is present (not a prefix).
  bool whole() const { return in_.size() == declared_; }

  // The next element's header (its value possibly partial); does not move.
  BerStatus peek(BerTlv& t) const;
  // The next element, whole; moves past it.
  BerStatus next(BerTlv& t);
  // The next element, whole, with identifier `tag`.
  BerStatus expect(uint8_t tag, BerTlv& t);
  BerStatus integer(int64_t& v, uint8_t tag = kBerInteger);
  BerStatus octets(std::span<const std::byte>& v, uint8_t tag = kBerOctetString);
  // Enters the constructed element `tag`: `inner` reads its contents, a prefix view when they
  // have not all arrived (the header must be there). Moves past the element.
  BerStatus enter(uint8_t tag, BerReader& inner);
  BerStatus skip() {
    BerTlv t;
    return next(t);
  }

 private:
  std::span<const std::byte> rest() const {
    return pos_ < in_.size() ? in_.subspan(static_cast<size_t>(pos_))
                             : std::span<const std::byte>{};
  }

  std::span<const std::byte> in_;
  uint64_t declared_ = 0;
  uint64_t pos_ = 0;
};

// Streaming framing check over back-to-back top-level elements. Plain state (embed it in a
// flow state; zero-initialised is the start state).
struct BerStream {
  static constexpr size_t kMaxDepth = 32;
  uint8_t hdr[kBerMaxHeader];
  uint8_t hdr_have;
  uint8_t depth;            // open elements, the top-level one included; 0 between elements
  uint32_t pos;             // offset inside the current top-level element
  uint32_t skip;            // primitive content octets still to pass over
  uint32_t end[kMaxDepth];  // end offset of each open element (end[0]: the top-level one)
};

// Event flags of ber_stream_feed().
inline constexpr uint8_t kBerStart = 1;  // a top-level header was read (`top` holds it)
inline constexpr uint8_t kBerEnd = 2;    // a top-level element ended
inline constexpr uint8_t kBerFail = 4;   // framing error (`status` says which)

struct BerStep {
  size_t consumed = 0;
  uint8_t events = 0;
  BerStatus status;
  BerTlv top;  // header of the element started (value empty)
};

// Consumes octets of `in` until the chunk ends or an event happens (Start and End may come
// together for an empty element). A top-level element over `max_top` content octets fails.
BerStep ber_stream_feed(BerStream& s, std::span<const std::byte> in, uint32_t max_top);

// True between top-level elements (no header octet pending).
inline bool ber_stream_idle(const BerStream& s) { return s.depth == 0 && s.hdr_have == 0; }

// How the message decoders built on this reader (LDAP, SNMP) turn a BerStatus into their
// Parse result: an incomplete prefix is NeedMore; any other failure is Malformed, naming where
// in the message's `why`.
template <typename Parse, typename Message>
Parse ber_fail(const BerStatus& st, Message& m, const char* why) {
  if (st.incomplete()) return Parse::NeedMore;
  m.why = why;
  return Parse::Malformed;
}
template <typename Parse, typename Message>
Parse ber_malformed(Message& m, const char* why) {
  m.why = why;
  return Parse::Malformed;
}

// In a decoder returning `Parse` with its message in `m`: return early unless `expr` is Ok.
#define PW_BER_TRY(Parse, expr, why)                                  \
  do {                                                               \
    const ::pw::BerStatus st_ = (expr);                              \
    if (!st_.ok()) return ::pw::ber_fail<Parse>(st_, m, why);       \
  } while (0)

}  // namespace pw
