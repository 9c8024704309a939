#include "dataplane/events.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "dataplane/ndpi_classifier.h"
#include "dataplane/packet.h"
#include "policy/compiled_policy.h"

namespace pw::dp {

const char* to_string(EventAction a) {
  switch (a) {
    case EventAction::Drop: return "drop";
    case EventAction::Reject: return "reject";
    case EventAction::Alert: return "alert";
    case EventAction::Block: return "block";
  }
  return "?";
}

namespace {

const char* proto_name(uint8_t p, Family f) {
  switch (p) {
    case 0: return "none";
    case kProtoTcp: return "tcp";
    case kProtoUdp: return "udp";
    case kProtoIcmp: return "icmp";
    case kProtoIcmpv6: return "icmpv6";
    default: return f == Family::V6 ? "ipv6" : "ipv4";
  }
}

// Names in events come from the configuration (validated [a-z0-9_-]) or from tables of ours, so
// they need no escaping; keep a guard anyway.
std::string quoted(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    o += c;
  }
  return o + "\"";
}

}  // namespace

void Event::set_detail(std::string_view d) {
  // From the wire: anything but printable ASCII becomes '?' (the JSON and syslog stay clean).
  detail_len = static_cast<uint8_t>(d.size() < kDetail ? d.size() : kDetail);
  for (size_t i = 0; i < detail_len; ++i) {
    const unsigned char c = static_cast<unsigned char>(d[i]);
    detail[i] = c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  }
}

std::string event_json(const Event& e, const policy::CompiledPolicy* policy) {
  char ts[64];
  time_t secs = static_cast<time_t>(e.ts_ns / 1'000'000'000ull);
  struct tm tm;
  gmtime_r(&secs, &tm);
  size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(ts + n, sizeof ts - n, ".%06uZ",
                static_cast<unsigned>(e.ts_ns % 1'000'000'000ull / 1000));
  std::string service = "null";
  if (policy && e.service < policy->services().size())
    service = quoted(policy->services()[e.service].name);
  std::string profile = "null";
  if (policy && !policy->model().profile.empty()) profile = quoted(policy->model().profile);
  bool ip = e.ip_proto != 0;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"ts\":\"%s\",\"action\":\"%s\",\"reason\":\"%s\",\"proto\":\"%s\","
                "\"src_ip\":%s,\"src_port\":%u,\"dst_ip\":%s,\"dst_port\":%u,\"vlan\":%u,"
                "\"service\":%s,\"profile\":%s,\"policy_generation\":%" PRIu64 ",\"flow_id\":%" PRIu64
                ",\"count\":%u,\"app\":%s}",
                ts, to_string(e.action), reason_code(e.reason), proto_name(e.ip_proto, e.src.family),
                ip ? quoted(e.src.str()).c_str() : "null", e.src_port,
                ip ? quoted(e.dst.str()).c_str() : "null", e.dst_port, e.vlan, service.c_str(),
                profile.c_str(), e.generation, e.flow_id, e.count,
                e.app ? quoted(NdpiClassifier::name(e.app)).c_str() : "null");
  std::string out = buf;
  if (e.risks) {
    // nDPI's names of the risks ("Self-signed Certificate", "Unsafe Protocol"), so that an
    // operator can tell which ones mark flows suspicious.
    out.pop_back();
    out += ",\"risks\":[";
    bool first = true;
    for (int b = 0; b < 64; ++b)
      if (e.risks >> b & 1) {
        if (!first) out += ',';
        out += quoted(NdpiClassifier::risk_name(b));
        first = false;
      }
    out += "]}";
  }
  if (e.detail_len) {
    out.pop_back();
    out += ",\"detail\":" + quoted(std::string(e.detail, e.detail_len)) + "}";
  }
  return out;
}

}  // namespace pw::dp
