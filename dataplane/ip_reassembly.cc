#include "dataplane/ip_reassembly.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace pw::dp {

namespace {

uint32_t hash_key(const void* p, size_t n) {
  // FNV-1a: fragments are rare, the table small; adequate and simple.
  uint32_t h = 2166136261u;
  auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 16777619u;
  return h;
}

// Smallest layer-4 header the first fragment must hold in full (RFC 1858, RFC 8200 4.5).
size_t min_l4_header(uint8_t proto) {
  switch (proto) {
    case kProtoTcp: return 20;
    case kProtoUdp: return 8;
    default: return 8;  // ICMP, ICMPv6
  }
}

}  // namespace

Reassembler::Reassembler(const ReassemblyLimits& limits) : lim_(limits) {
  if (lim_.max_datagrams == 0 || lim_.max_fragments < 2 || lim_.max_size > 65535 + 40)
    throw std::invalid_argument("reassembly limits");
  size_t slots = lim_.frame_slots ? lim_.frame_slots : lim_.max_datagrams * 4;
  table_.resize(lim_.max_datagrams);
  for (auto& d : table_) d.pieces.reserve(lim_.max_fragments);
  for (size_t i = lim_.max_datagrams; i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
  size_t n = 1;
  while (n < lim_.max_datagrams * 2) n <<= 1;
  index_.assign(n, 0);
  mask_ = n - 1;
  slots_.resize(slots);
  slot_bytes_.resize(slots * kMaxFrame);
  for (size_t i = slots; i-- > 0;) free_slots_.push_back(static_cast<uint32_t>(i));
  buffer_.resize(lim_.max_size + kMaxFrame);
  done_frames_.reserve(lim_.max_fragments);
}

size_t Reassembler::memory_bytes() const {
  return slot_bytes_.size() + slots_.size() * sizeof(Slot) + buffer_.size() +
         table_.size() * (sizeof(Datagram) + lim_.max_fragments * sizeof(Piece)) +
         index_.size() * sizeof(uint32_t);
}

std::span<const uint8_t> Reassembler::frame(size_t i) const {
  uint32_t s = done_frames_[i];
  return {&slot_bytes_[size_t{s} * kMaxFrame], slots_[s].frame_len};
}

Reassembler::Datagram* Reassembler::lookup(const Key& k, uint32_t hash, bool create,
                                           uint64_t now) {
  size_t s = home(hash);
  for (; index_[s]; s = (s + 1) & mask_) {
    Datagram& d = table_[index_[s] - 1];
    if (d.hash == hash && d.key == k) return &d;
  }
  if (!create || free_.empty()) return nullptr;
  uint32_t i = free_.back();
  free_.pop_back();
  Datagram& d = table_[i];
  d.live = true;
  d.key = k;
  d.hash = hash;
  d.created_ns = now;
  d.total = 0;
  d.pieces.clear();
  index_[s] = i + 1;
  ++used_;
  return &d;
}

void Reassembler::unindex(Datagram& d) {
  size_t s = home(d.hash);
  uint32_t me = static_cast<uint32_t>(&d - table_.data()) + 1;
  while (index_[s] != me) s = (s + 1) & mask_;
  size_t hole = s;
  for (size_t j = (s + 1) & mask_; index_[j]; j = (j + 1) & mask_) {
    size_t h = home(table_[index_[j] - 1].hash);
    bool between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (!between) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = 0;
}

void Reassembler::release(Datagram& d) {
  unindex(d);
  d.live = false;
  free_.push_back(static_cast<uint32_t>(&d - table_.data()));
  --used_;
}

uint32_t Reassembler::drop(Datagram& d) {
  auto n = static_cast<uint32_t>(d.pieces.size());
  for (const Piece& p : d.pieces) free_slots_.push_back(p.slot);
  d.pieces.clear();
  release(d);
  return n;
}

Reassembler::Result Reassembler::add(const PacketView& v, uint64_t now) {
  // The previous completed datagram's frames go back to the pool.
  for (uint32_t s : done_frames_) free_slots_.push_back(s);
  done_frames_.clear();

  const Key k{.src = v.src.bytes,
              .dst = v.dst.bytes,
              .id = v.frag_id,
              .vlan_outer = v.vlan_outer,
              .vlan_inner = v.vlan_inner,
              .proto = v.ip_proto,
              .family = static_cast<uint8_t>(v.src.family)};
  uint32_t hash = hash_key(&k, sizeof k);

  const size_t payload_offset_in_ip = v.frag_payload_offset;
  const size_t len = v.ip.size() - payload_offset_in_ip;
  const size_t off = v.frag_offset;
  Datagram* d = lookup(k, hash, true, now);
  if (!d) return {Status::Dropped, Reason::FragTableFull, 1};

  auto fail = [&](Reason r) { return Result{Status::Dropped, r, drop(*d) + 1}; };
  if (v.frame.size() > kMaxFrame) return fail(Reason::FragTooBig);
  if (v.more_fragments && (len == 0 || len % 8 != 0)) return fail(Reason::FragMalformed);
  if (payload_offset_in_ip + off + len > lim_.max_size) return fail(Reason::FragTooBig);
  const size_t min_hdr = min_l4_header(v.ip_proto);
  if (off == 0 && len < min_hdr) return fail(Reason::FragTiny);
  if (off != 0 && off < min_hdr) return fail(Reason::FragTiny);
  if (!v.more_fragments) {
    if (d->total && d->total != off + len) return fail(Reason::FragOverlap);  // two last ones
    d->total = static_cast<uint32_t>(off + len);
    // Pieces that arrived earlier must end within the datagram the last fragment announces.
    for (const Piece& p : d->pieces)
      if (size_t{p.offset} + p.length > d->total) return fail(Reason::FragOverlap);
  }
  if (d->total && off + len > d->total) return fail(Reason::FragOverlap);  // beyond the end
  for (const Piece& p : d->pieces)
    if (off < size_t{p.offset} + p.length && p.offset < off + len) return fail(Reason::FragOverlap);
  if (d->pieces.size() >= lim_.max_fragments) return fail(Reason::FragTooMany);
  if (free_slots_.empty()) return fail(Reason::FragTableFull);

  uint32_t s = free_slots_.back();
  free_slots_.pop_back();
  Slot& sl = slots_[s];
  sl.frame_len = static_cast<uint16_t>(v.frame.size());
  sl.ip_offset = v.l3_offset;
  sl.payload_offset = static_cast<uint16_t>(v.l3_offset + payload_offset_in_ip);
  sl.header_len = static_cast<uint16_t>(payload_offset_in_ip);
  std::memcpy(&slot_bytes_[size_t{s} * kMaxFrame], v.frame.data(), v.frame.size());
  d->pieces.push_back({static_cast<uint16_t>(off), static_cast<uint16_t>(len), s});

  if (!d->total) return {Status::Held, Reason::Forwarded, 0};
  size_t covered = 0;
  for (const Piece& p : d->pieces) covered += p.length;
  if (covered != d->total) return {Status::Held, Reason::Forwarded, 0};
  return complete(*d);
}

Reassembler::Result Reassembler::complete(Datagram& d) {
  // No overlaps and full coverage: the pieces tile [0, total).
  const Piece* first = nullptr;
  for (const Piece& p : d.pieces)
    if (p.offset == 0) first = &p;
  if (!first) return {Status::Dropped, Reason::FragMalformed, drop(d)};  // cannot happen: tiled
  const Slot& fs = slots_[first->slot];
  const uint8_t* fb = &slot_bytes_[size_t{first->slot} * kMaxFrame];
  size_t hdr = fs.header_len;
  std::memcpy(buffer_.data(), fb + fs.ip_offset, hdr);
  for (const Piece& p : d.pieces) {
    const Slot& sl = slots_[p.slot];
    std::memcpy(buffer_.data() + hdr + p.offset,
                &slot_bytes_[size_t{p.slot} * kMaxFrame] + sl.payload_offset, p.length);
  }
  // The view of the whole datagram: addresses and protocol from the first fragment's parse are
  // in the key; re-derive them from its header for the view.
  PacketView& v = datagram_;
  v = PacketView{};
  v.frame = {fb, fs.frame_len};
  v.l3_offset = fs.ip_offset;
  v.ip = {buffer_.data(), hdr + d.total};
  v.l3 = d.key.family == static_cast<uint8_t>(Family::V4) ? L3::Ipv4 : L3::Ipv6;
  if (v.l3 == L3::Ipv4) {
    v.src = IpAddr::v4(load32(&buffer_[12]));
    v.dst = IpAddr::v4(load32(&buffer_[16]));
    v.ttl = buffer_[8];
  } else {
    v.src = IpAddr::v6(d.key.src);
    v.dst = IpAddr::v6(d.key.dst);
    v.ttl = buffer_[7];
  }
  v.vlan_outer = d.key.vlan_outer;
  v.vlan_inner = d.key.vlan_inner;
  v.ip_proto = d.key.proto;
  v.l4_offset = static_cast<uint16_t>(hdr);
  v.frag_payload_offset = static_cast<uint16_t>(hdr);
  for (const Piece& p : d.pieces) done_frames_.push_back(p.slot);
  d.pieces.clear();
  release(d);
  return {Status::Complete, Reason::Forwarded, 0};
}

size_t Reassembler::expire(uint64_t now, size_t budget, uint64_t* datagrams_expired) {
  size_t frames = 0;
  for (size_t i = 0; i < budget; ++i) {
    Datagram& d = table_[hand_];
    hand_ = hand_ + 1 == table_.size() ? 0 : hand_ + 1;
    if (d.live && now - d.created_ns > lim_.timeout_ns) {
      frames += drop(d);
      if (datagrams_expired) ++*datagrams_expired;
    }
  }
  return frames;
}

}  // namespace pw::dp
