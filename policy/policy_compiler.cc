// Compiles a Model into a CompiledPolicy (see compiled_policy.h for the lookup structures).
#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

#include "policy/compiled_policy.h"

namespace pw::policy {

namespace {

template <typename Key>
void sweep(std::vector<std::tuple<Key, int, int>>& events, std::vector<Key>& starts,
           std::vector<GroupMask>& masks) {
  // events: (address, group bit, +1 at a prefix's start / -1 past its end)
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return std::get<0>(a) < std::get<0>(b);
  });
  std::array<int, 64> count{};
  GroupMask last = 0;
  for (size_t i = 0; i < events.size();) {
    Key at = std::get<0>(events[i]);
    for (; i < events.size() && std::get<0>(events[i]) == at; ++i)
      count[static_cast<size_t>(std::get<1>(events[i]))] += std::get<2>(events[i]);
    GroupMask m = 0;
    for (size_t b = 0; b < 64; ++b)
      if (count[b] > 0) m |= GroupMask{1} << b;
    if (m != last) {
      starts.push_back(at);
      masks.push_back(m);
      last = m;
    }
  }
}

int lowest_bit(GroupMask m) { return __builtin_ctzll(m); }

// FNV-1a over the inspection settings, field by field (no padding bytes).
uint64_t inspection_key(const CompiledService& c) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 0x100000001b3ull;
    }
  };
  mix(static_cast<uint64_t>(c.inspect));
  mix(static_cast<uint64_t>(c.tls));
  mix(static_cast<uint64_t>(c.min_tls));
  mix(c.plaintext_auth);
  mix(static_cast<uint64_t>(c.snmp_min_version));
  mix(static_cast<uint64_t>(c.snmp_min_security));
  mix(c.snmp_des);
  mix(c.snmp_auth_sha2);
  mix(c.smb_signing_required);
  mix(c.smb1);
  mix(uint64_t{c.passive_ports.lo} << 16 | c.passive_ports.hi);
  mix(c.ftp_data_tls);
  mix(c.min_rsa_bits);
  mix(c.weak_certificate_deny);
  mix(c.lpd_remove_jobs);
  mix(c.discovery_answers);
  mix(c.lpd_queue_state);
  if (c.job_language) {  // the lists decide verdicts too: a change re-checks the flows
    const JobLanguageRules& r = *c.job_language;
    mix(r.pjl_max_line);
    for (const auto* l : {&r.pjl_allow, &r.pjl_deny, &r.pjl_allow_set, &r.pjl_deny_set,
                          &r.ps_allow, &r.ps_deny}) {
      mix(l->size());
      for (const std::string& n : *l)
        for (char ch : n) mix(static_cast<unsigned char>(ch));
    }
  }
  if (c.ipp) {
    for (bool b : c.ipp->ops) mix(b);
    mix(c.ipp->formats.size());
    for (const std::string& n : c.ipp->formats)
      for (char ch : n) mix(static_cast<unsigned char>(ch));
  }
  return h;
}

}  // namespace

void AddressMap::build(const std::vector<Entry>& entries) {
  std::vector<std::tuple<unsigned __int128, int, int>> e4, e6;
  for (const auto& e : entries) {
    for (GroupMask bits = e.bits; bits; bits &= bits - 1) {
      int bit = lowest_bit(bits);
      const int width = e.prefix.addr.bits();
      unsigned __int128 start = e.prefix.addr.as_u128();
      int host = width - e.prefix.len;
      unsigned __int128 size = host >= 128 ? 0 : (static_cast<unsigned __int128>(1) << host);
      auto& ev = e.prefix.addr.family == Family::V4 ? e4 : e6;
      ev.emplace_back(start, bit, +1);
      // end + 1; a prefix reaching the top of the space has no end event.
      unsigned __int128 end = start + size;
      bool wraps = host >= 128 || (width == 32 && end > 0xffffffffull) ||
                   (width == 128 && end == 0);
      if (!wraps) ev.emplace_back(end, bit, -1);
    }
  }
  std::vector<unsigned __int128> s4;
  v4_start_.clear();
  v4_mask_.clear();
  v6_start_.clear();
  v6_mask_.clear();
  sweep(e4, s4, v4_mask_);
  for (auto v : s4) v4_start_.push_back(static_cast<uint32_t>(v));
  sweep(e6, v6_start_, v6_mask_);
}

std::vector<IpAddr> AddressMap::starts(Family f) const {
  std::vector<IpAddr> out;
  if (f == Family::V4) {
    for (uint32_t s : v4_start_) out.push_back(IpAddr::v4(s));
  } else {
    for (unsigned __int128 s : v6_start_) out.push_back(IpAddr::from_u128(Family::V6, s));
  }
  return out;
}

GroupMask AddressMap::lookup(const IpAddr& a) const {
  if (a.family == Family::V4) {
    uint32_t k = a.v4_host_order();
    auto it = std::upper_bound(v4_start_.begin(), v4_start_.end(), k);
    if (it == v4_start_.begin()) return 0;
    return v4_mask_[static_cast<size_t>(it - v4_start_.begin() - 1)];
  }
  unsigned __int128 k = a.as_u128();
  auto it = std::upper_bound(v6_start_.begin(), v6_start_.end(), k);
  if (it == v6_start_.begin()) return 0;
  return v6_mask_[static_cast<size_t>(it - v6_start_.begin() - 1)];
}

const CompiledService* CompiledPolicy::match(PolicyDir dir, L4 proto, uint16_t port,
                                             GroupMask printer, GroupMask peer, IcmpKind icmp) const {
  Slot slot;
  if (proto == L4::Tcp || proto == L4::Udp) {
    size_t t = static_cast<size_t>(dir) * 2 + (proto == L4::Udp ? 1 : 0);
    slot = port_slots_[t][port];
  } else if (proto == L4::Icmp) {
    slot = icmp_slot_[static_cast<size_t>(dir)];
  } else {
    return nullptr;
  }
  for (uint32_t i = 0; i < slot.count; ++i) {
    const CompiledService& s = services_[candidates_[slot.offset + i]];
    if (proto == L4::Icmp && s.icmp_kinds && !(s.icmp_kinds & (1u << static_cast<unsigned>(icmp))))
      continue;
    if (candidate_matches(s, printer, peer)) return &s;
  }
  return nullptr;
}

const CompiledService* CompiledPolicy::match_ethertype(uint16_t et) const {
  auto it = std::lower_bound(ethertypes_.begin(), ethertypes_.end(),
                             std::pair<uint16_t, uint16_t>{et, 0});
  if (it == ethertypes_.end() || it->first != et) return nullptr;
  return &services_[it->second];
}

size_t CompiledPolicy::memory_bytes() const {
  size_t n = sizeof *this;
  for (const auto& t : port_slots_) n += t.size() * sizeof(Slot);
  n += candidates_.size() * sizeof(uint16_t) + services_.size() * sizeof(CompiledService);
  n += addresses_.intervals() * (sizeof(unsigned __int128) + sizeof(GroupMask));
  return n;
}

std::string CompiledPolicy::describe() const {
  std::ostringstream o;
  auto groups = [&](GroupMask m) {
    if (!m) return std::string("any");
    std::string s;
    for (GroupMask b = m; b; b &= b - 1) s += (s.empty() ? "" : ",") + group_name(lowest_bit(b));
    return s;
  };
  o << "profile " << (model_.profile.empty() ? "none" : model_.profile) << ", generation "
    << generation_ << ", default-action " << to_string(model_.default_action) << "\n";
  for (int d = 0; d < 2; ++d) {
    o << (d == 0 ? "to-printers" : "from-printers") << ":\n";
    for (int p = 0; p < 2; ++p) {
      const auto& table = port_slots_[static_cast<size_t>(d * 2 + p)];
      // Print runs of ports with the same candidate list.
      for (uint32_t port = 1; port < 65536;) {
        Slot s = table[port];
        uint32_t end = port;
        while (end + 1 < 65536 && table[end + 1].offset == s.offset &&
               table[end + 1].count == s.count)
          ++end;
        if (s.count) {
          for (uint32_t i = 0; i < s.count; ++i) {
            const auto& sv = services_[candidates_[s.offset + i]];
            o << "  " << (p ? "udp " : "tcp ") << port;
            if (end != port) o << "-" << end;
            o << "  " << sv.name << "  " << to_string(sv.action) << "  peers " << groups(sv.peer_mask)
              << "  printers " << groups(sv.printer_mask);
            if (sv.inspect != Inspect::None) o << "  inspect " << to_string(sv.inspect);
            if (sv.tls != TlsMode::None) o << "  tls " << to_string(sv.tls);
            o << "\n";
          }
        }
        port = end + 1;
      }
    }
    const Slot& is = icmp_slot_[static_cast<size_t>(d)];
    for (uint32_t i = 0; i < is.count; ++i) {
      const auto& sv = services_[candidates_[is.offset + i]];
      o << "  icmp  " << sv.name << "  " << to_string(sv.action) << "  peers " << groups(sv.peer_mask)
        << "\n";
    }
  }
  for (const auto& [et, id] : ethertypes_) {
    char b[8];
    std::snprintf(b, sizeof b, "0x%04x", et);
    o << "ethertype " << b << "  " << services_[id].name << "  " << to_string(services_[id].action)
      << "\n";
  }
  return o.str();
}

std::shared_ptr<const CompiledPolicy> compile(const Model& model, uint64_t generation) {
  auto cp = std::make_shared<CompiledPolicy>();
  CompiledPolicy& p = *cp;
  p.model_ = model;
  p.generation_ = generation;

  std::map<std::string, int> bit_of;
  std::vector<AddressMap::Entry> entries;
  for (const auto& pn : model.printer_networks) entries.push_back({pn, kPrinterBit});
  if (model.groups.size() > kMaxGroups)
    throw std::runtime_error("too many groups: at most " + std::to_string(kMaxGroups));
  p.group_names_.assign(64, std::string());
  p.group_names_[63] = "printers";
  for (size_t i = 0; i < model.groups.size(); ++i) {
    bit_of[model.groups[i].name] = static_cast<int>(i);
    p.group_names_[i] = model.groups[i].name;
    for (const auto& a : model.groups[i].addresses)
      entries.push_back({a, GroupMask{1} << i});
  }
  p.addresses_.build(entries);
  if (auto it = bit_of.find("management"); it != bit_of.end())
    p.management_mask_ = GroupMask{1} << it->second;
  if (auto it = bit_of.find("link-multicast"); it != bit_of.end())
    p.link_group_mask_ = GroupMask{1} << it->second;

  if (model.services.size() > 65535) throw std::runtime_error("too many services");
  auto mask_of = [&](const std::vector<std::string>& names) {
    GroupMask m = 0;
    for (const auto& n : names)
      if (auto it = bit_of.find(n); it != bit_of.end()) m |= GroupMask{1} << it->second;
    return m;
  };
  // Most specific first: peer-restricted, then printer-restricted, then by name.
  std::vector<size_t> order(model.services.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Service& x = model.services[a];
    const Service& y = model.services[b];
    return std::make_tuple(x.peer_groups.empty(), x.printer_groups.empty(), x.name) <
           std::make_tuple(y.peer_groups.empty(), y.printer_groups.empty(), y.name);
  });
  for (size_t idx : order) {
    const Service& s = model.services[idx];
    CompiledService c;
    c.id = static_cast<uint16_t>(p.services_.size());
    c.action = s.action;
    c.direction = s.direction;
    static_cast<InspectorConfig&>(c) = s;  // inspect and its settings
    c.mirror = s.mirror;
    c.icmp_kinds = s.icmp_kinds;
    c.risks = model.risks;
    for (const auto& [bit, action] : s.risk_overrides) c.risks.set(bit, action);
    c.passive_ports = s.passive_ports.value_or(PortRange{});
    c.min_rsa_bits = model.tls.min_rsa_bits;
    c.weak_certificate_deny = model.tls.weak_certificate_deny;
    // The model's copy in this policy: lives as long as the services that point at it.
    // (LPD data files are job streams too.)
    c.job_language = s.inspect == Inspect::JobLanguage || s.inspect == Inspect::Lpd ||
                             s.inspect == Inspect::Ipp
                         ? &p.model_.job_language
                         : nullptr;
    c.ipp = s.inspect == Inspect::Ipp ? &p.model_.ipp : nullptr;
    c.name = s.name;
    c.inspection_key = inspection_key(c);
    c.peer_mask = mask_of(s.peer_groups);
    c.printer_mask = mask_of(s.printer_groups);
    // A restriction must never widen to "any": build_model rejects undefined groups.
    if (c.peer_mask == 0 && !s.peer_groups.empty())
      throw std::runtime_error("service '" + s.name + "' names an undefined peer group");
    if (c.printer_mask == 0 && !s.printer_groups.empty())
      throw std::runtime_error("service '" + s.name + "' names an undefined printer group");
    p.services_.push_back(std::move(c));
  }

  // Candidate lists, shared between ports with the same list.
  std::map<std::vector<uint16_t>, CompiledPolicy::Slot> lists;
  auto intern = [&](const std::vector<uint16_t>& ids) {
    if (ids.empty()) return CompiledPolicy::Slot{};
    auto [it, fresh] = lists.try_emplace(ids);
    if (fresh) {
      it->second.offset = static_cast<uint32_t>(p.candidates_.size());
      it->second.count = static_cast<uint16_t>(ids.size());
      p.candidates_.insert(p.candidates_.end(), ids.begin(), ids.end());
    }
    return it->second;
  };
  for (size_t t = 0; t < 4; ++t) {
    const PolicyDir dir = static_cast<PolicyDir>(t / 2);
    const L4 proto = (t % 2) ? L4::Udp : L4::Tcp;
    // Per-port candidate lists, built by sweeping the services' ranges.
    std::vector<std::vector<uint16_t>> per_port(65536);
    for (size_t i = 0; i < p.services_.size(); ++i) {
      const Service& s = model.services[order[i]];
      bool dir_ok = s.direction == Direction::Both ||
                    (dir == PolicyDir::ToPrinters) == (s.direction == Direction::ToPrinters);
      if (!dir_ok) continue;
      if (std::find(s.protocols.begin(), s.protocols.end(), proto) == s.protocols.end()) continue;
      for (const auto& r : s.ports)
        for (uint32_t port = r.lo; port <= r.hi; ++port) {
          auto& v = per_port[port];
          if (v.empty() || v.back() != i) v.push_back(static_cast<uint16_t>(i));
        }
    }
    p.port_slots_[t].assign(65536, CompiledPolicy::Slot{});
    for (uint32_t port = 0; port < 65536; ++port)
      p.port_slots_[t][port] = intern(per_port[port]);
  }
  for (size_t d = 0; d < 2; ++d) {
    std::vector<uint16_t> ids;
    for (size_t i = 0; i < p.services_.size(); ++i) {
      const Service& s = model.services[order[i]];
      bool dir_ok = s.direction == Direction::Both || (d == 0) == (s.direction == Direction::ToPrinters);
      if (dir_ok && std::count(s.protocols.begin(), s.protocols.end(), L4::Icmp))
        ids.push_back(static_cast<uint16_t>(i));
    }
    p.icmp_slot_[d] = intern(ids);
  }
  for (size_t i = 0; i < p.services_.size(); ++i)
    for (uint16_t et : model.services[order[i]].ethertypes)
      p.ethertypes_.emplace_back(et, static_cast<uint16_t>(i));
  std::stable_sort(p.ethertypes_.begin(), p.ethertypes_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  p.ethertypes_.erase(std::unique(p.ethertypes_.begin(), p.ethertypes_.end(),
                                  [](const auto& a, const auto& b) { return a.first == b.first; }),
                      p.ethertypes_.end());
  return cp;
}

}  // namespace pw::policy
