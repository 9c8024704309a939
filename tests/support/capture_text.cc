#include "tests/support/capture_text.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "dataplane/packet.h"

namespace pw::testing {

namespace {

struct Segment {
  uint32_t seq;
  std::string data;
  int64_t urgent_byte = -1;  // index into data of the byte a receiver takes out of line
};

// A TCP header + payload as bytes (from a frame or a reassembled datagram).
void add_tcp(std::map<std::string, std::vector<Segment>>& flows, const std::string& key,
             std::span<const uint8_t> l4) {
  if (l4.size() < 20) return;
  size_t hl = static_cast<size_t>(l4[12] >> 4) * 4;
  if (hl < 20 || hl > l4.size()) return;
  uint32_t seq = dp::load32(l4.data() + 4);
  if (l4[13] & dp::kSyn) ++seq;
  if (hl >= l4.size()) return;
  Segment s{seq, std::string(l4.begin() + static_cast<long>(hl), l4.end())};
  // Linux by default (no SO_OOBINLINE) takes the byte before the urgent pointer out of the
  // stream (RFC 9293 3.8.5; BSD semantics: the pointer points past the urgent data).
  const uint16_t urp = dp::load16(l4.data() + 18);
  if ((l4[13] & dp::kUrg) && urp >= 1 && urp <= s.data.size()) s.urgent_byte = urp - 1;
  flows[key].push_back(std::move(s));
}

// The stream as a receiver reads it: overlapping bytes from the first or the last copy; with
// `drop_urgent`, without the bytes sent as urgent data (read out of line).
std::string stream(std::vector<Segment> segs, bool first_wins, bool drop_urgent = false) {
  if (segs.empty()) return {};
  uint32_t base = segs.front().seq;
  for (const auto& s : segs)
    if (static_cast<int32_t>(s.seq - base) < 0) base = s.seq;
  std::string out;
  std::vector<bool> have, urgent;
  for (const auto& s : segs) {
    size_t off = s.seq - base;
    if (off > (1u << 24)) continue;  // not this stream's window: ignore
    if (out.size() < off + s.data.size()) {
      out.resize(off + s.data.size(), '\0');
      have.resize(off + s.data.size(), false);
      urgent.resize(off + s.data.size(), false);
    }
    if (s.urgent_byte >= 0) urgent[off + static_cast<size_t>(s.urgent_byte)] = true;
    for (size_t i = 0; i < s.data.size(); ++i) {
      if (first_wins && have[off + i]) continue;
      out[off + i] = s.data[i];
      have[off + i] = true;
    }
  }
  if (!drop_urgent) return out;
  std::string inline_only;
  for (size_t i = 0; i < out.size(); ++i)
    if (!urgent[i]) inline_only += out[i];
  return inline_only;
}

}  // namespace

bool CaptureText::contains(std::string_view needle) const {
  if (raw.find(needle) != std::string::npos) return true;
  for (const auto& d : datagrams)
    if (d.find(needle) != std::string::npos) return true;
  for (const auto& s : streams)
    if (s.find(needle) != std::string::npos) return true;
  return false;
}

CaptureText capture_text(const std::vector<PcapFrame>& frames) {
  CaptureText t;
  std::map<std::string, std::vector<Segment>> flows;
  // Fragments by (src, dst, id, proto): (offset, bytes, more).
  std::map<std::tuple<std::string, std::string, uint32_t, uint8_t>,
           std::vector<std::tuple<size_t, std::string, bool>>>
      frags;
  for (const auto& f : frames) {
    t.raw.append(f.data.begin(), f.data.end());
    dp::PacketView v;
    if (dp::parse_frame(f.data, v) != Reason::Forwarded || !v.is_ip()) continue;
    std::string dir = v.src.str() + ">" + v.dst.str();
    if (v.is_fragment) {
      auto body = v.ip.subspan(v.frag_payload_offset);
      frags[{v.src.str(), v.dst.str(), v.frag_id, v.ip_proto}].emplace_back(
          v.frag_offset, std::string(body.begin(), body.end()), v.more_fragments);
      continue;
    }
    if (v.ip_proto == dp::kProtoTcp)
      add_tcp(flows, dir + ":" + std::to_string(v.sport) + ">" + std::to_string(v.dport),
              v.ip.subspan(v.l4_offset));
  }
  for (auto& [key, parts] : frags) {
    std::string d;
    for (const auto& [off, bytes, more] : parts) {
      if (d.size() < off + bytes.size()) d.resize(off + bytes.size(), '\0');
      std::copy(bytes.begin(), bytes.end(), d.begin() + static_cast<long>(off));
    }
    t.datagrams.push_back(d);
    if (std::get<3>(key) == dp::kProtoTcp && d.size() >= 4) {
      auto* p = reinterpret_cast<const uint8_t*>(d.data());
      add_tcp(flows,
              std::get<0>(key) + ">" + std::get<1>(key) + ":" + std::to_string(dp::load16(p)) +
                  ">" + std::to_string(dp::load16(p + 2)),
              std::span<const uint8_t>(p, d.size()));
    }
  }
  for (auto& [key, segs] : flows) {
    t.streams.push_back(stream(segs, true));
    t.streams.push_back(stream(segs, false));
    t.streams.push_back(stream(segs, true, true));
  }
  return t;
}

}  // namespace pw::testing
