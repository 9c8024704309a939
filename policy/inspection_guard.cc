#include "policy/inspection_guard.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace pw::policy {

namespace {

// The masks an address has in each policy, with one address that has them (for the report).
struct Region {
  GroupMask before, after;
  IpAddr example;
};

std::vector<Region> regions(const CompiledPolicy& a, const CompiledPolicy& b) {
  std::vector<Region> out;
  std::set<std::pair<GroupMask, GroupMask>> seen;
  for (Family f : {Family::V4, Family::V6}) {
    std::vector<IpAddr> starts = a.addresses().starts(f);
    std::vector<IpAddr> more = b.addresses().starts(f);
    starts.insert(starts.end(), more.begin(), more.end());
    starts.push_back(IpAddr::from_u128(f, 0));  // addresses in no prefix at all
    for (const IpAddr& s : starts) {
      Region r{a.classify(s), b.classify(s), s};
      if (seen.insert({r.before, r.after}).second) out.push_back(r);
    }
  }
  // Multicast discovery toward the printers: a printer end with no group (pipeline).
  if (seen.insert({kPrinterBit, kPrinterBit}).second)
    out.push_back({kPrinterBit, kPrinterBit, IpAddr::v4(0xe00000fbu)});
  return out;
}

std::string describe(const CompiledService* s) {
  if (!s) return "transit (forwarded uninspected)";
  std::string t = s->name + " (inspect " + to_string(s->inspect);
  if (s->tls != TlsMode::None) t += std::string(", tls ") + to_string(s->tls);
  return t + ")";
}

}  // namespace

std::vector<InspectionLoss> inspection_losses(const CompiledPolicy& before,
                                              const CompiledPolicy& after, size_t max) {
  std::vector<InspectionLoss> out;
  const std::vector<Region> all = regions(before, after);
  std::vector<Region> printers;
  for (const Region& r : all)
    if (r.before & kPrinterBit) printers.push_back(r);
  std::set<std::tuple<int, int, uint16_t, uint16_t, bool>> reported;
  for (PolicyDir dir : {PolicyDir::ToPrinters, PolicyDir::FromPrinters}) {
    for (L4 proto : {L4::Tcp, L4::Udp}) {
      // Ports whose candidate lists are the same in both policies are matched alike.
      std::map<std::pair<uint64_t, uint64_t>, uint16_t> classes;
      for (uint32_t port = 0; port < 65536; ++port) {
        auto p = static_cast<uint16_t>(port);
        classes.try_emplace({before.candidate_list(dir, proto, p), after.candidate_list(dir, proto, p)}, p);
      }
      for (const auto& [lists, port] : classes) {
        if (lists.first == 0) continue;  // nothing allowed before
        for (const Region& pr : printers) {
          for (const Region& peer : all) {
            const CompiledService* old = before.match(dir, proto, port, pr.before, peer.before);
            if (!old || old->action != Action::Allow || old->inspect == Inspect::None) continue;
            const CompiledService* now = nullptr;
            if (pr.after & kPrinterBit) {
              now = after.match(dir, proto, port, pr.after, peer.after);
              if (!now || now->action != Action::Allow) continue;  // denied now: not a loss
              if (now->inspection_key == old->inspection_key) continue;
            } else if (!after.model().transit_forward) {
              continue;  // no longer a printer: dropped as transit
            }
            auto key = std::make_tuple(static_cast<int>(dir), static_cast<int>(proto), old->id,
                                       now ? now->id : uint16_t{UINT16_MAX}, true);
            if (!reported.insert(key).second) continue;
            const IpAddr& client = dir == PolicyDir::ToPrinters ? peer.example : pr.example;
            out.push_back({std::string(to_string(proto)) + " " + std::to_string(port) + " " +
                           (dir == PolicyDir::ToPrinters ? "to-printers" : "from-printers") +
                           ", e.g. from " + client.str() + ": " + describe(old) + " -> " +
                           describe(now)});
            if (out.size() >= max) return out;
          }
        }
      }
    }
  }
  return out;
}

}  // namespace pw::policy
