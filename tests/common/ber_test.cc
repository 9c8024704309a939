// The BER reader: headers (short and long tags and lengths), the limits, INTEGER bounds, whole
// containers versus prefixes (Incomplete versus PastEnd), and the streaming framing check.
#include "common/ber.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace pw {
namespace {

std::vector<std::byte> b(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int x : v) out.push_back(static_cast<std::byte>(x));
  return out;
}

std::span<const std::byte> sp(const std::vector<std::byte>& v) { return v; }

TEST(BerHeader, ShortForm) {
  auto in = b({0x02, 0x01, 0x05});  // INTEGER 5
  BerTlv t;
  auto st = ber_header(in, t);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(t.tag, kBerInteger);
  EXPECT_EQ(t.number, 2u);
  EXPECT_FALSE(t.constructed());
  EXPECT_EQ(t.tag_class(), 0);
  EXPECT_EQ(t.header_len, 2);
  EXPECT_EQ(t.length, 1u);
  EXPECT_TRUE(t.complete());
  EXPECT_EQ(t.total(), 3u);
}

TEST(BerHeader, LongFormLengths) {
  BerTlv t;
  auto one = b({0x04, 0x81, 0x80});  // OCTET STRING, 128 octets (one length octet)
  ASSERT_TRUE(ber_header(one, t).ok());
  EXPECT_EQ(t.length, 128u);
  EXPECT_EQ(t.header_len, 3);
  EXPECT_TRUE(t.value.empty());  // no content present
  EXPECT_FALSE(t.complete());
  auto two = b({0x30, 0x82, 0x01, 0x00});
  ASSERT_TRUE(ber_header(two, t).ok());
  EXPECT_EQ(t.length, 256u);
  auto four = b({0x30, 0x84, 0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00});  // AD style, 4 octets
  ASSERT_TRUE(ber_header(four, t).ok());
  EXPECT_EQ(t.length, 3u);
  EXPECT_EQ(t.header_len, 6);
  EXPECT_TRUE(t.complete());
  // A non-minimal length (net-snmp reserves room) is BER, accepted.
  auto padded = b({0x02, 0x82, 0x00, 0x01, 0x07});
  ASSERT_TRUE(ber_header(padded, t).ok());
  EXPECT_EQ(t.length, 1u);
}

TEST(BerHeader, LimitsAreErrorsNotIncomplete) {
  BerTlv t;
  auto indefinite = b({0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00});
  auto st = ber_header(indefinite, t);
  EXPECT_TRUE(st.failed());
  EXPECT_EQ(st.error, BerError::Indefinite);
  auto five = b({0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01});
  st = ber_header(five, t);
  EXPECT_TRUE(st.failed());
  EXPECT_EQ(st.error, BerError::LengthTooLong);
  auto reserved = b({0x30, 0xff});
  EXPECT_EQ(ber_header(reserved, t).error, BerError::LengthTooLong);
}

TEST(BerHeader, IncompleteSaysHowMuchMore) {
  BerTlv t;
  auto st = ber_header({}, t);
  EXPECT_TRUE(st.incomplete());
  EXPECT_EQ(st.need, 1u);
  auto tag_only = b({0x30});
  st = ber_header(tag_only, t);
  EXPECT_TRUE(st.incomplete());
  EXPECT_EQ(st.need, 1u);
  auto no_len_octets = b({0x30, 0x84});
  st = ber_header(no_len_octets, t);
  EXPECT_TRUE(st.incomplete());
  EXPECT_EQ(st.need, 4u);
  auto one_of_two = b({0x30, 0x82, 0x01});
  st = ber_header(one_of_two, t);
  EXPECT_TRUE(st.incomplete());
  EXPECT_EQ(st.need, 1u);
}

TEST(BerHeader, LongFormTags) {
  BerTlv t;
  auto tag31 = b({0x9f, 0x1f, 0x00});  // [CONTEXT 31] primitive, empty
  ASSERT_TRUE(ber_header(tag31, t).ok());
  EXPECT_EQ(t.number, 31u);
  EXPECT_EQ(t.tag, 0x9f);
  EXPECT_EQ(t.header_len, 3);
  auto big = b({0x5f, 0x81, 0x00, 0x01, 0xaa});  // [APPLICATION 128], one octet
  ASSERT_TRUE(ber_header(big, t).ok());
  EXPECT_EQ(t.number, 128u);
  EXPECT_EQ(t.length, 1u);
  // A second spelling of a short tag (0x1f 0x10 for SEQUENCE's number) is refused.
  auto alias = b({0x3f, 0x10, 0x00});
  EXPECT_EQ(ber_header(alias, t).error, BerError::BadTag);
  auto leading_zero = b({0x1f, 0x80, 0x20, 0x00});
  EXPECT_EQ(ber_header(leading_zero, t).error, BerError::BadTag);
  auto too_long = b({0x1f, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00});
  EXPECT_EQ(ber_header(too_long, t).error, BerError::BadTag);
  auto cut = b({0x1f, 0x81});
  EXPECT_TRUE(ber_header(cut, t).incomplete());
}

TEST(BerInteger, BoundedToInt64) {
  int64_t v = 0;
  auto pos = b({0x7f});
  ASSERT_TRUE(ber_integer(pos, v).ok());
  EXPECT_EQ(v, 127);
  auto neg = b({0xff});
  ASSERT_TRUE(ber_integer(neg, v).ok());
  EXPECT_EQ(v, -1);
  auto n128 = b({0x00, 0x80});
  ASSERT_TRUE(ber_integer(n128, v).ok());
  EXPECT_EQ(v, 128);
  auto max = b({0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  ASSERT_TRUE(ber_integer(max, v).ok());
  EXPECT_EQ(v, INT64_MAX);
  auto min = b({0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  ASSERT_TRUE(ber_integer(min, v).ok());
  EXPECT_EQ(v, INT64_MIN);
  auto nine = b({0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  EXPECT_EQ(ber_integer(nine, v).error, BerError::BadInteger);
  EXPECT_EQ(ber_integer({}, v).error, BerError::BadInteger);
}

TEST(BerReader, WholeContainer) {
  // SEQUENCE { INTEGER 3, OCTET STRING "ab", SEQUENCE { NULL } }
  auto in = b({0x30, 0x0b, 0x02, 0x01, 0x03, 0x04, 0x02, 'a', 'b', 0x30, 0x02, 0x05, 0x00});
  BerReader top(in);
  BerReader seq;
  ASSERT_TRUE(top.enter(kBerSequence, seq).ok());
  EXPECT_TRUE(top.at_end());
  int64_t v = 0;
  ASSERT_TRUE(seq.integer(v).ok());
  EXPECT_EQ(v, 3);
  std::span<const std::byte> s;
  ASSERT_TRUE(seq.octets(s).ok());
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(static_cast<char>(s[0]), 'a');
  BerReader inner;
  ASSERT_TRUE(seq.enter(kBerSequence, inner).ok());
  BerTlv t;
  ASSERT_TRUE(inner.expect(kBerNull, t).ok());
  EXPECT_TRUE(inner.at_end());
  EXPECT_TRUE(seq.at_end());
  // Reading past the end of a container is an error, not "need more".
  auto st = seq.next(t);
  EXPECT_TRUE(st.failed());
  EXPECT_EQ(st.error, BerError::PastEnd);
}

TEST(BerReader, WrongTagAndWrongShape) {
  auto in = b({0x04, 0x01, 0x05});
  BerReader r(in);
  int64_t v = 0;
  EXPECT_EQ(r.integer(v).error, BerError::WrongTag);
  BerReader inner;
  // A primitive element cannot be entered even when the number matches.
  auto prim = b({0x10, 0x00});
  BerReader p(prim);
  EXPECT_EQ(p.enter(0x10, inner).error, BerError::WrongTag);
}

TEST(BerReader, LengthPastTheContainerIsAnError) {
  // SEQUENCE of 3 octets holding an INTEGER that claims 5.
  auto in = b({0x30, 0x03, 0x02, 0x05, 0x01});
  BerReader top(in);
  BerReader seq;
  ASSERT_TRUE(top.enter(kBerSequence, seq).ok());
  int64_t v = 0;
  auto st = seq.integer(v);
  EXPECT_TRUE(st.failed());
  EXPECT_EQ(st.error, BerError::PastEnd);
  // The outer length past the datagram.
  auto outer = b({0x30, 0x10, 0x02, 0x01, 0x00});
  BerReader whole(outer);
  EXPECT_EQ(whole.enter(kBerSequence, seq).error, BerError::PastEnd);
  // Huge lengths.
  auto huge = b({0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02});
  BerReader h(huge);
  EXPECT_EQ(h.enter(kBerSequence, seq).error, BerError::PastEnd);
}

TEST(BerReader, PrefixIsIncompleteInsideTheDeclaredSize) {
  // SEQUENCE { INTEGER 1, OCTET STRING "hello" } with only 7 of its 12 octets present.
  auto full = b({0x30, 0x0a, 0x02, 0x01, 0x01, 0x04, 0x05, 'h', 'e', 'l', 'l', 'o'});
  std::vector<std::byte> part(full.begin(), full.begin() + 7);
  BerReader top(part, full.size());
  EXPECT_FALSE(top.whole());
  BerReader seq;
  ASSERT_TRUE(top.enter(kBerSequence, seq).ok());  // a prefix view
  int64_t v = 0;
  ASSERT_TRUE(seq.integer(v).ok());
  EXPECT_EQ(v, 1);
  BerTlv t;
  ASSERT_TRUE(seq.peek(t).ok());  // the header is there
  EXPECT_EQ(t.tag, kBerOctetString);
  EXPECT_EQ(t.length, 5u);
  EXPECT_EQ(t.value.size(), 0u);
  std::span<const std::byte> s;
  auto st = seq.octets(s);
  EXPECT_TRUE(st.incomplete());
  EXPECT_EQ(st.need, 5u);
  // Cut inside a header.
  std::vector<std::byte> cut(full.begin(), full.begin() + 6);
  BerReader top2(cut, full.size());
  ASSERT_TRUE(top2.enter(kBerSequence, seq).ok());
  ASSERT_TRUE(seq.integer(v).ok());
  EXPECT_TRUE(seq.peek(t).incomplete());
  // But an element longer than what is declared stays an error in a prefix.
  auto lie = b({0x30, 0x09, 0x04, 0x07, 'x'});
  BerReader top3(lie, 7);  // the message is 7 octets; its SEQUENCE claims 11
  EXPECT_EQ(top3.enter(kBerSequence, seq).error, BerError::PastEnd);
}

TEST(BerReader, PrefixErrorsWhenTheElementOutgrowsItsParent) {
  // The message is declared 8 octets; its SEQUENCE says 6 of content; inside, an OCTET STRING
  // claims 10: past its parent though the rest has not arrived.
  auto part = b({0x30, 0x06, 0x04, 0x0a, 'x'});
  BerReader top(part, 8);
  BerReader seq;
  ASSERT_TRUE(top.enter(kBerSequence, seq).ok());
  std::span<const std::byte> s;
  EXPECT_EQ(seq.octets(s).error, BerError::PastEnd);
  // Header cut where the parent ends: an error as well.
  auto cut = b({0x30, 0x01, 0x04});
  BerReader top2(cut, 3);
  ASSERT_TRUE(top2.enter(kBerSequence, seq).ok());
  EXPECT_EQ(seq.octets(s).error, BerError::PastEnd);
}

TEST(BerReader, NeverReadsOutsideTheSpan) {
  // Every prefix of a message, read with every declared size: no crash (ASan), consistent codes.
  auto full =
      b({0x30, 0x0d, 0x02, 0x01, 0x03, 0x30, 0x08, 0x04, 0x02, 'a', 'b', 0x02, 0x02, 0x01, 0x00});
  for (size_t n = 0; n <= full.size(); ++n) {
    for (size_t decl = 0; decl <= full.size() + 2; ++decl) {
      std::vector<std::byte> part(full.begin(), full.begin() + static_cast<long>(n));
      BerReader top(part, decl);
      BerReader seq, inner;
      int64_t v = 0;
      std::span<const std::byte> s;
      if (!top.enter(kBerSequence, seq).ok()) continue;
      if (!seq.integer(v).ok()) continue;
      if (!seq.enter(kBerSequence, inner).ok()) continue;
      if (!inner.octets(s).ok()) continue;
      (void)inner.integer(v);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// BerStream

struct Fed {
  int starts = 0;
  int ends = 0;
  bool failed = false;
  BerError error = BerError::None;
  size_t fail_at = 0;
};

Fed feed_all(const std::vector<std::byte>& in, size_t chunk, uint32_t max = 1 << 20) {
  BerStream s{};
  Fed f;
  size_t off = 0;
  while (off < in.size()) {
    auto c = sp(in).subspan(off, std::min(chunk, in.size() - off));
    size_t i = 0;
    while (i < c.size()) {
      auto step = ber_stream_feed(s, c.subspan(i), max);
      EXPECT_GT(step.consumed, 0u);
      i += step.consumed;
      if (step.events & kBerStart) ++f.starts;
      if (step.events & kBerEnd) ++f.ends;
      if (step.events & kBerFail) {
        f.failed = true;
        f.error = step.status.error;
        f.fail_at = off + i;
        return f;
      }
    }
    off += c.size();
  }
  return f;
}

// Two LDAP-like messages back to back: SEQUENCE { INTEGER 1, [APPLICATION 3] { OCTET STRING
// "", ENUMERATED 0, SEQUENCE {} } } then SEQUENCE { INTEGER 2, [APPLICATION 2] NULL }.
std::vector<std::byte> two_messages() {
  return b({0x30, 0x0e, 0x02, 0x01, 0x01, 0x63, 0x09, 0x04,
            0x00, 0x0a, 0x01, 0x00, 0x30, 0x02, 0x05, 0x00,  //
            0x30, 0x05, 0x02, 0x01, 0x02, 0x42, 0x00});
}

TEST(BerStream, EveryChunkingGivesTheSameEvents) {
  auto in = two_messages();
  for (size_t chunk = 1; chunk <= in.size(); ++chunk) {
    Fed f = feed_all(in, chunk);
    EXPECT_FALSE(f.failed) << chunk;
    EXPECT_EQ(f.starts, 2) << chunk;
    EXPECT_EQ(f.ends, 2) << chunk;
  }
}

TEST(BerStream, StopsAtEachEvent) {
  auto in = two_messages();
  BerStream s{};
  auto step = ber_stream_feed(s, in, 1 << 20);
  EXPECT_EQ(step.events, kBerStart);
  EXPECT_EQ(step.consumed, 2u);
  EXPECT_EQ(step.top.tag, kBerSequence);
  EXPECT_EQ(step.top.total(), 16u);
  step = ber_stream_feed(s, sp(in).subspan(2), 1 << 20);
  EXPECT_EQ(step.events, kBerEnd);
  EXPECT_EQ(step.consumed, 14u);
  EXPECT_TRUE(ber_stream_idle(s));
}

TEST(BerStream, EmptyElementStartsAndEnds) {
  auto in = b({0x30, 0x00});
  BerStream s{};
  auto step = ber_stream_feed(s, in, 100);
  EXPECT_EQ(step.events, kBerStart | kBerEnd);
  EXPECT_TRUE(ber_stream_idle(s));
}

TEST(BerStream, IndefiniteLengthDeepInside) {
  // A valid outer message whose nested SEQUENCE uses 0x80.
  auto in = b({0x30, 0x0a, 0x02, 0x01, 0x01, 0x63, 0x05, 0x30, 0x80, 0x00, 0x00, 0x00});
  for (size_t chunk = 1; chunk <= in.size(); ++chunk) {
    Fed f = feed_all(in, chunk);
    EXPECT_TRUE(f.failed);
    EXPECT_EQ(f.error, BerError::Indefinite);
    EXPECT_EQ(f.fail_at, 9u);  // at the length octet
  }
}

TEST(BerStream, ChildPastParent) {
  // [APPLICATION 3] says 3 octets, its OCTET STRING says 4.
  auto in = b({0x30, 0x08, 0x02, 0x01, 0x01, 0x63, 0x03, 0x04, 0x04, 'a', 'b'});
  Fed f = feed_all(in, 1);
  EXPECT_TRUE(f.failed);
  EXPECT_EQ(f.error, BerError::PastEnd);
  // A header that cannot complete inside its parent.
  auto hdr = b({0x30, 0x04, 0x02, 0x01, 0x01, 0x04, 0x82});
  f = feed_all(hdr, 1);
  EXPECT_TRUE(f.failed);
  EXPECT_EQ(f.error, BerError::PastEnd);
}

TEST(BerStream, TopLevelLimit) {
  auto in = b({0x30, 0x84, 0x7f, 0xff, 0xff, 0xff});
  Fed f = feed_all(in, 1, 65536);
  EXPECT_TRUE(f.failed);
  EXPECT_EQ(f.error, BerError::TooLarge);
  EXPECT_EQ(f.fail_at, 6u);
  auto ok = b({0x30, 0x03, 0x02, 0x01, 0x00});
  EXPECT_FALSE(feed_all(ok, 1, 3).failed);
  EXPECT_TRUE(feed_all(ok, 1, 2).failed);
}

TEST(BerStream, DepthIsBounded) {
  // 40 nested SEQUENCEs, each one octet shorter... built inside out.
  std::vector<std::byte> in = b({0x05, 0x00});
  for (int i = 0; i < 40; ++i) {
    std::vector<std::byte> outer = b({0x30, static_cast<int>(in.size())});
    outer.insert(outer.end(), in.begin(), in.end());
    in = outer;
  }
  Fed f = feed_all(in, 7);
  EXPECT_TRUE(f.failed);
  EXPECT_EQ(f.error, BerError::TooDeep);
  // 20 levels are fine.
  std::vector<std::byte> ok = b({0x05, 0x00});
  for (int i = 0; i < 20; ++i) {
    std::vector<std::byte> outer = b({0x30, static_cast<int>(ok.size())});
    outer.insert(outer.end(), ok.begin(), ok.end());
    ok = outer;
  }
  Fed g = feed_all(ok, 3);
  EXPECT_FALSE(g.failed);
  EXPECT_EQ(g.ends, 1);
}

}  // namespace
}  // namespace pw
