#include "common/ber.h"

#include <algorithm>

namespace pw {

namespace {
uint8_t u8(std::byte b) { return static_cast<uint8_t>(b); }
}  // namespace

BerStatus ber_header(std::span<const std::byte> in, BerTlv& t) {
  t = BerTlv{};
  if (in.empty()) return ber_incomplete(1);
  const uint8_t b0 = u8(in[0]);
  size_t p = 1;
  t.tag = b0;
  if ((b0 & 0x1f) == 0x1f) {
    // Long-form tag number, base 128 (X.690 8.1.2.4): at most 4 octets, no leading zero, and
    // only for numbers from 31 up, so that no tag has two spellings.
    uint32_t num = 0;
    for (size_t k = 0;; ++k) {
      if (k == 4) return ber_error(BerError::BadTag);
      if (p >= in.size()) return ber_incomplete(1);
      const uint8_t b = u8(in[p++]);
      if (k == 0 && (b & 0x7f) == 0) return ber_error(BerError::BadTag);
      num = (num << 7) | (b & 0x7fu);
      if (!(b & 0x80)) break;
    }
    if (num < 31) return ber_error(BerError::BadTag);
    t.number = num;
  } else {
    t.number = b0 & 0x1fu;
  }
  if (p >= in.size()) return ber_incomplete(1);
  const uint8_t l0 = u8(in[p++]);
  uint32_t len = 0;
  if (l0 < 0x80) {
    len = l0;
  } else if (l0 == 0x80) {
    return ber_error(BerError::Indefinite);
  } else {
    const size_t n = l0 & 0x7fu;  // 0xff (n = 127) is reserved: caught here too
    if (n > 4) return ber_error(BerError::LengthTooLong);
    if (in.size() - p < n) return ber_incomplete(static_cast<uint32_t>(n - (in.size() - p)));
    for (size_t k = 0; k < n; ++k) len = (len << 8) | u8(in[p + k]);
    p += n;
  }
  t.header_len = static_cast<uint8_t>(p);
  t.length = len;
  const size_t avail = in.size() - p;
  t.value = in.subspan(p, std::min<size_t>(avail, len));
  return ber_ok();
}

BerStatus ber_integer(std::span<const std::byte> c, int64_t& v) {
  if (c.empty() || c.size() > 8) return ber_error(BerError::BadInteger);
  uint64_t u = (u8(c[0]) & 0x80) ? ~uint64_t{0} : 0;  // sign extension
  for (std::byte b : c) u = (u << 8) | u8(b);
  v = static_cast<int64_t>(u);
  return ber_ok();
}

BerStatus BerReader::peek(BerTlv& t) const {
  if (pos_ >= declared_) return ber_error(BerError::PastEnd);
  const auto r = rest();
  const uint64_t left = declared_ - pos_;
  BerStatus st = ber_header(r, t);
  if (st.incomplete()) {
    // Octets still to come inside this container, or none (the container ends first).
    if (r.size() + uint64_t{st.need} > left) return ber_error(BerError::PastEnd);
    return st;
  }
  if (st.failed()) return st;
  if (t.total() > left) return ber_error(BerError::PastEnd);
  return st;
}

BerStatus BerReader::next(BerTlv& t) {
  BerStatus st = peek(t);
  if (!st.ok()) return st;
  if (!t.complete()) return ber_incomplete(static_cast<uint32_t>(t.length - t.value.size()));
  pos_ += t.total();
  return st;
}

BerStatus BerReader::expect(uint8_t tag, BerTlv& t) {
  BerStatus st = peek(t);
  if (!st.ok()) return st;
  if (t.tag != tag) return ber_error(BerError::WrongTag);
  if (!t.complete()) return ber_incomplete(static_cast<uint32_t>(t.length - t.value.size()));
  pos_ += t.total();
  return st;
}

BerStatus BerReader::integer(int64_t& v, uint8_t tag) {
  BerTlv t;
  BerStatus st = expect(tag, t);
  if (!st.ok()) return st;
  return ber_integer(t.value, v);
}

BerStatus BerReader::octets(std::span<const std::byte>& v, uint8_t tag) {
  BerTlv t;
  BerStatus st = expect(tag, t);
  if (st.ok()) v = t.value;
  return st;
}

BerStatus BerReader::enter(uint8_t tag, BerReader& inner) {
  BerTlv t;
  BerStatus st = peek(t);
  if (!st.ok()) return st;
  if (t.tag != tag || !t.constructed()) return ber_error(BerError::WrongTag);
  inner = BerReader(t.value, t.length);
  pos_ += t.total();
  return st;
}

namespace {
// Closes the elements that end at the current offset; true when the top-level one did.
bool close_finished(BerStream& s) {
  while (s.depth > 0 && s.pos == s.end[s.depth - 1]) --s.depth;
  return s.depth == 0;
}
BerStep fail(size_t consumed, BerStatus st) {
  BerStep r;
  r.consumed = consumed;
  r.events = kBerFail;
  r.status = st;
  return r;
}
}  // namespace

BerStep ber_stream_feed(BerStream& s, std::span<const std::byte> in, uint32_t max_top) {
  size_t i = 0;
  while (i < in.size()) {
    if (s.skip > 0) {
      const size_t k = std::min<size_t>(s.skip, in.size() - i);
      s.skip -= static_cast<uint32_t>(k);
      s.pos += static_cast<uint32_t>(k);
      i += k;
      if (s.skip > 0) break;
      if (close_finished(s)) return {i, kBerEnd, ber_ok(), {}};
      continue;
    }
    // A header, one octet at a time (at most kBerMaxHeader).
    s.hdr[s.hdr_have++] = static_cast<uint8_t>(in[i++]);
    BerTlv t;
    BerStatus st = ber_header(std::as_bytes(std::span<const uint8_t>(s.hdr, s.hdr_have)), t);
    if (st.failed()) return fail(i, st);
    if (st.incomplete()) {
      // The header cannot complete inside the parent.
      if (s.depth > 0 && uint64_t{s.pos} + s.hdr_have >= s.end[s.depth - 1])
        return fail(i, ber_error(BerError::PastEnd));
      continue;
    }
    const uint32_t hl = s.hdr_have;
    s.hdr_have = 0;
    if (s.depth == 0) {
      if (t.length > max_top || uint64_t{hl} + t.length > UINT32_MAX)
        return fail(i, ber_error(BerError::TooLarge));
      s.pos = hl;
      s.end[0] = hl + t.length;
      s.depth = 1;
      s.skip = t.constructed() ? 0 : t.length;
      BerStep r{i, kBerStart, ber_ok(), t};
      r.top.value = {};
      if (t.length == 0) {
        s.depth = 0;
        r.events |= kBerEnd;
      }
      return r;
    }
    s.pos += hl;
    if (uint64_t{s.pos} + t.length > s.end[s.depth - 1])
      return fail(i, ber_error(BerError::PastEnd));
    if (!t.constructed()) {
      s.skip = t.length;
    } else if (t.length > 0) {
      if (s.depth == BerStream::kMaxDepth) return fail(i, ber_error(BerError::TooDeep));
      s.end[s.depth++] = s.pos + t.length;
    }
    if (s.skip == 0 && close_finished(s)) return {i, kBerEnd, ber_ok(), {}};
  }
  return {i, 0, ber_ok(), {}};
}

}  // namespace pw
