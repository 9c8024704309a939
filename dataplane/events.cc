#include "dataplane/events.h"

#include <unistd.h>

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "dataplane/community_id.h"
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

const std::string& local_host_name() {
  static const std::string name = [] {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return std::string("printwall");
    return std::string(buf);
  }();
  return name;
}

std::string event_json(const Event& e, const policy::CompiledPolicy* policy) {
  if (policy && !policy->model().host_name.empty())
    return event_json(e, EventContext{policy, policy->model().host_name});
  return event_json(e, EventContext{policy, local_host_name()});
}

std::string event_json(const Event& e, const EventContext& ctx) {
  const policy::CompiledPolicy* policy = ctx.policy;
  char ts[64];
  time_t secs = static_cast<time_t>(e.ts_ns / 1'000'000'000ull);
  struct tm tm;
  gmtime_r(&secs, &tm);
  size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(ts + n, sizeof ts - n, ".%06uZ",
                static_cast<unsigned>(e.ts_ns % 1'000'000'000ull / 1000));
  const policy::CompiledService* svc =
      policy && e.service < policy->services().size() ? &policy->services()[e.service] : nullptr;
  const bool ip = e.ip_proto != 0;
  const std::string src = ip ? quoted(e.src.str()) : "null";
  const std::string dst = ip ? quoted(e.dst.str()) : "null";
  std::string out;
  out.reserve(768);
  auto field = [&out](const char* name, const std::string& json_value) {
    out += out.empty() ? "{\"" : ",\"";
    out += name;
    out += "\":";
    out += json_value;
  };
  auto number = [](uint64_t v) { return std::to_string(v); };
  field("timestamp", quoted(ts));
  field("ts", quoted(ts));
  field("event_type", "\"alert\"");
  field("host", quoted(std::string(ctx.host)));
  if (e.flow_id) field("flow_id", number(e.flow_id));
  if (ip) {
    const bool icmp = e.ip_proto == kProtoIcmp || e.ip_proto == kProtoIcmpv6;
    const std::string cid = community_id_v1(e.src, e.dst, e.ip_proto,
                                            icmp ? e.icmp_type : e.src_port,
                                            icmp ? e.icmp_code : e.dst_port);
    if (!cid.empty()) field("community_id", quoted(cid));
  }
  field("src_ip", src);
  field("src_port", number(e.src_port));
  field("dest_ip", dst);
  field("dest_port", number(e.dst_port));
  field("dst_ip", dst);
  field("dst_port", number(e.dst_port));
  field("proto", quoted(proto_name(e.ip_proto, e.src.family)));
  if (ip && (e.ip_proto == kProtoIcmp || e.ip_proto == kProtoIcmpv6)) {
    field("icmp_type", number(e.icmp_type));
    field("icmp_code", number(e.icmp_code));
  }
  field("direction", e.to_client ? "\"to_client\"" : "\"to_server\"");
  field("vlan", number(e.vlan));
  std::string app_proto;
  if (e.app) {
    app_proto = NdpiClassifier::name(e.app);
    for (char& c : app_proto) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  } else if (svc && svc->inspect != policy::Inspect::None) {
    app_proto = policy::to_string(svc->inspect);
  }
  if (!app_proto.empty()) field("app_proto", quoted(app_proto));
  field("action", quoted(to_string(e.action)));
  field("reason", quoted(reason_code(e.reason)));
  std::string alert = "{\"action\":";
  alert += e.action == EventAction::Alert ? "\"allowed\"" : "\"blocked\"";
  alert += ",\"signature_id\":" + number(static_cast<uint64_t>(e.reason));
  alert += ",\"signature\":" + quoted(reason_code(e.reason));
  alert += ",\"description\":" + quoted(reason_description(e.reason));
  alert += ",\"category\":" + quoted(reason_category(e.reason));
  alert += ",\"severity\":" + number(static_cast<uint64_t>(reason_severity(e.reason))) + "}";
  field("alert", alert);
  field("service", svc ? quoted(svc->name) : "null");
  field("profile", policy && !policy->model().profile.empty() ? quoted(policy->model().profile)
                                                               : "null");
  field("policy_generation", number(e.generation));
  field("count", number(e.count));
  field("app", e.app ? quoted(NdpiClassifier::name(e.app)) : "null");
  if (e.risks) {
    // nDPI's names of the risks ("Self-signed Certificate", "Unsafe Protocol"), so that an
    // operator can tell which ones mark flows suspicious.
    std::string list = "[";
    for (int b = 0; b < 64; ++b)
      if (e.risks >> b & 1) {
        if (list.size() > 1) list += ',';
        list += quoted(NdpiClassifier::risk_name(b));
      }
    field("risks", list + "]");
  }
  if (e.detail_len) field("detail", quoted(std::string(e.detail, e.detail_len)));
  out += '}';
  return out;
}

}  // namespace pw::dp
