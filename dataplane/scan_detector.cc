#include "dataplane/scan_detector.h"

#include <stdexcept>

#include "common/hash.h"

namespace pw::dp {

namespace {
uint64_t addr_hash(const IpAddr& a) {
  uint64_t h = 0;
  for (uint8_t b : a.bytes) h = fmix64_round(h ^ b) + 0x9e3779b97f4a7c15ull;
  return h;
}
bool set_bit(uint64_t* bits, size_t i) {
  uint64_t m = uint64_t{1} << (i % 64);
  bool was = bits[i / 64] & m;
  bits[i / 64] |= m;
  return !was;
}
}  // namespace

template <typename Counts>
SourceWindows<Counts>::SourceWindows(size_t sources) {
  size_t n = 16;
  while (n < sources) n <<= 1;
  if (n > (1u << 24)) throw std::invalid_argument("source table: too many sources");
  table_.resize(n);
  mask_ = n - 1;
}

template <typename Counts>
typename SourceWindows<Counts>::Entry& SourceWindows<Counts>::at(const IpAddr& src, uint64_t now,
                                                                 uint64_t window_ns) {
  uint64_t h = addr_hash(src);
  Entry* slot = nullptr;
  Entry* oldest = nullptr;
  for (size_t i = 0; i < 8; ++i) {
    Entry& e = table_[(h + i) & mask_];
    if (e.used && e.src == src) {
      slot = &e;
      break;
    }
    if (!e.used) {
      if (!slot) slot = &e;
      continue;
    }
    if (!oldest || e.window_start < oldest->window_start) oldest = &e;
  }
  if (!slot) slot = oldest;
  Entry& e = *slot;
  if (!e.used || e.src != src || now - e.window_start > window_ns) {
    e = Entry{};
    e.used = true;
    e.src = src;
    e.window_start = now;
  }
  return e;
}

template class SourceWindows<ScanDetector::Counts>;
template class SourceWindows<FailureDetector::Counts>;

ScanDetector::ScanDetector(size_t sources, uint32_t ports, uint32_t printers, uint64_t window_ns)
    : table_(sources), ports_(ports), printers_(printers), window_ns_(window_ns) {}

void ScanDetector::set_thresholds(uint32_t ports, uint32_t printers, uint64_t window_ns) {
  ports_ = ports;
  printers_ = printers;
  window_ns_ = window_ns;
}

bool ScanDetector::record(const IpAddr& src, const IpAddr& printer, uint16_t port, uint64_t now,
                          uint32_t* distinct_ports) {
  auto& e = table_.at(src, now, window_ns_);
  if (set_bit(e.port_bits.data(), fmix64_round(port) % 1024)) ++e.ports;
  if (set_bit(e.printer_bits.data(), addr_hash(printer) % 256)) ++e.printers;
  if (e.alerted) return false;
  if (e.ports >= ports_ || e.printers >= printers_) {
    e.alerted = true;
    if (distinct_ports) *distinct_ports = e.ports;
    return true;
  }
  return false;
}

template class SourceWindows<RateDetector::Counts>;

FailureDetector::FailureDetector(size_t sources, uint32_t count, uint64_t window_ns)
    : table_(sources), count_(count), window_ns_(window_ns) {}

bool FailureDetector::record(const IpAddr& src, uint64_t now, uint32_t* failures) {
  auto& e = table_.at(src, now, window_ns_);
  ++e.failures;
  if (e.alerted || e.failures < count_) return false;
  e.alerted = true;
  if (failures) *failures = e.failures;
  return true;
}

}  // namespace pw::dp
