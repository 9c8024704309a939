#include "policy/config_schema.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "common/ip.h"
#include "policy/job_language.h"
#include "policy/risks.h"

namespace pw::policy {

namespace {

using Kind = SchemaNode::Kind;
using Choices = std::vector<std::string_view>;

SchemaNode leaf(std::string_view kw, ValueType t, std::string_view help,
                std::string_view dflt = {}, bool multi = false) {
  SchemaNode n;
  n.keyword = kw;
  n.kind = Kind::Leaf;
  n.type = t;
  n.help = help;
  n.default_value = dflt;
  n.multi = multi;
  return n;
}

SchemaNode multi(std::string_view kw, ValueType t, std::string_view help) {
  return leaf(kw, t, help, {}, true);
}

SchemaNode choice(std::string_view kw, Choices c, std::string_view help,
                  std::string_view dflt = {}) {
  SchemaNode n = leaf(kw, ValueType::Enum, help, dflt);
  n.choices = std::move(c);
  return n;
}

SchemaNode number(std::string_view kw, uint64_t lo, uint64_t hi, std::string_view help,
                  std::string_view dflt = {}) {
  SchemaNode n = leaf(kw, ValueType::UInt, help, dflt);
  n.min = lo;
  n.max = hi;
  return n;
}

SchemaNode container(std::string_view kw, std::string_view help, std::vector<SchemaNode> ch) {
  SchemaNode n;
  n.keyword = kw;
  n.kind = Kind::Container;
  n.help = help;
  n.children = std::move(ch);
  return n;
}

SchemaNode tag(std::string_view kw, ValueType key, std::string_view help,
               std::vector<SchemaNode> ch, Choices c = {}) {
  SchemaNode n = container(kw, help, std::move(ch));
  n.kind = Kind::Tag;
  n.type = key;
  n.choices = std::move(c);
  return n;
}

SchemaNode secure(SchemaNode n) {
  n.security = true;
  return n;
}

// Read once, when printwalld starts (the dataplane's allocations and ports).
SchemaNode at_start(SchemaNode n) {
  n.restart = true;
  return n;
}

const Choices kTlsVersions = {"1.0", "1.1", "1.2", "1.3"};
// In the order of policy::Inspect.
const Choices kInspectors = {"none", "ftp",  "smtp", "pop3", "imap", "ldap", "http",
                             "tls",  "snmp", "smb",  "rfb",  "ipp",  "lpd",  "job-language",
                             "mdns", "llmnr", "netbios-ns", "netbios-dgm", "ssdp", "wsd", "slp",
                             "cups-browsing"};
constexpr uint64_t kMaxCount = 1ull << 32;

// `risk`: one leaf per nDPI risk (policy/risks.h), ignore | alert | deny. Under `security` each
// leaf carries the printer-network default; under a service none (the service inherits).
SchemaNode risk_container(bool with_defaults) {
  std::vector<SchemaNode> leaves;
  for (const auto& r : kRisks)
    leaves.push_back(choice(r.name, {"ignore", "alert", "deny"}, r.why,
                            with_defaults ? to_string(r.action) : std::string_view{}));
  return container("risk",
                   with_defaults
                       ? "what a risk nDPI flags on a flow does: ignore, alert (report and mirror) "
                         "or deny (reset or drop the flow)"
                       : "this service's exceptions to `security risk`",
                   std::move(leaves));
}

SchemaNode build_schema() {
  SchemaNode service = tag(
      "service", ValueType::Name, "a network service of the printers",
      {
          leaf("description", ValueType::String, "free text"),
          choice("direction", {"to-printers", "from-printers", "both"},
                 "who opens the connection: a peer toward a printer, or a printer toward a peer"),
          multi("protocol", ValueType::Enum, "L4 protocol (tcp, udp, icmp) or ethertype"),
          multi("port", ValueType::PortRange, "destination port or range (tcp/udp)"),
          multi("ethertype", ValueType::Ethertype, "ethertype for protocol ethertype"),
          multi("icmp-type", ValueType::Enum,
                "protocol icmp: the ICMP/ICMPv6 messages the service opens (any when unset)"),
          choice("action", {"allow", "deny", "reject"}, "what the gateway does", "allow"),
          multi("peer-group", ValueType::Name,
                "allowed non-printer side: sources to printers, destinations from printers"),
          multi("printer-group", ValueType::Name, "restrict the service to these printers"),
          choice("inspect", kInspectors, "protocol inspector applied to the flow", "none"),
          secure(choice("tls", {"none", "optional", "required", "implicit"},
                        "required: STARTTLS-style upgrade before any authentication; implicit: "
                        "TLS from the first byte",
                        "none")),
          secure(choice("min-tls", kTlsVersions, "lowest TLS version accepted")),
          secure(choice("plaintext-auth", {"deny", "allow"}, "clear-text credentials", "deny")),
          secure(choice("snmp-version", {"1", "2c", "3"}, "lowest SNMP version allowed")),
          secure(choice("snmp-security", {"no-auth", "auth-no-priv", "auth-priv"},
                        "lowest SNMPv3 security level (discovery is always allowed)")),
          secure(choice("snmp-des", {"deny", "allow"},
                        "SNMPv3 DES privacy (recognised in the agent's answers)", "deny")),
          secure(choice("snmp-auth", {"any", "sha2"},
                        "SNMPv3 authentication: sha2 refuses HMAC-96 (MD5 and SHA-1, which look "
                        "alike on the wire)",
                        "any")),
          secure(choice("smb-signing", {"required", "optional"}, "SMB2/3 signing")),
          secure(choice("smb1", {"deny", "allow"}, "SMB1 dialect", "deny")),
          leaf("passive-ports", ValueType::PortRange, "FTP passive data ports on the printer"),
          secure(choice("data-tls", {"required", "optional"},
                        "FTP data connections must start with TLS (PROT P)", "required")),
          secure(choice("lpd-remove-jobs", {"deny", "allow"},
                        "LPD: the remove-jobs command (lprm); the gateway cannot verify its agent",
                        "deny")),
          secure(choice("lpd-queue-state", {"allow", "deny"}, "LPD: the queue state commands (lpq)",
                        "allow")),
          secure(choice("mirror", {"suspicious", "always", "never"},
                        "which frames of this service go to the NIDS mirror", "suspicious")),
          secure(choice("discovery-answers", {"deny", "allow"},
                        "mDNS, LLMNR, NetBIOS: name answers toward the printers (poisoning)",
                        "deny")),
          secure(risk_container(false)),
      });
  // protocol is an enum with several values.
  for (auto& c : service.children)
    if (c.keyword == "protocol") c.choices = {"tcp", "udp", "icmp", "ethertype"};
    else if (c.keyword == "icmp-type") c.choices = {"echo", "unreachable", "packet-too-big", "time-exceeded", "parameter-problem"};

  SchemaNode root = container(
      "", "",
      {
          container("system", "appliance identity and management",
                    {leaf("host-name", ValueType::Name, "name in syslog headers and events",
                          "printwall"),
                     container("metrics", "Prometheus exporter (HTTP GET /metrics)",
                               {leaf("address", ValueType::Address,
                                     "listen address (unset: no exporter)"),
                                leaf("port", ValueType::Port, "listen port", "9469")})}),
          choice("profile", {"small-office", "enterprise"},
                 "built-in baseline from the hardening guide; the rest overlays it"),
          multi("printer-network", ValueType::Prefix, "prefix of the printer VLAN (v4 or v6)"),
          choice("default-action", {"drop", "reject"},
                 "traffic to or from printers that no service allows", "drop"),
          choice("transit-action", {"drop", "forward"},
                 "frames neither from nor to a printer network", "drop"),
          container("ethernet", "layer 2",
                    {choice("unknown-ethertype", {"drop", "forward"},
                            "ethertypes other than IPv4/IPv6/ARP named by no service", "drop")}),
          tag("group", ValueType::Name, "a group of hosts",
              {leaf("description", ValueType::String, "free text"),
               multi("address", ValueType::Prefix, "member prefix (v4 or v6)")}),
          service,
          secure(container(
              "security", "security-policy statements (security administrator)",
              {container("tls", "TLS requirements",
                         {choice("min-version", kTlsVersions, "lowest TLS version", "1.2"),
                          choice("weak-certificate", {"deny", "alert"},
                                 "weak server certificate (small RSA key, MD5/SHA-1, expired)",
                                 "deny"),
                          number("min-rsa-bits", 1024, 16384, "smallest RSA key accepted",
                                 "2048")}),
               risk_container(true)})),
          secure(container(
              "job-language", "print job inspection (services with inspect job-language)",
              {container(
                   "pjl", "PJL commands",
                   {number("max-line", 32, JobLanguageRules::kMaxPjlLine,
                           "longest PJL line accepted (longer: unit-too-long)", "256"),
                    multi("allow", ValueType::Keyword,
                          "PJL command allowed although denied by default (DMINFO, FSQUERY, ...)"),
                    multi("deny", ValueType::Keyword,
                          "PJL command denied although allowed by default (INFO, ECHO, ...)"),
                    multi("allow-set", ValueType::Keyword,
                          "PJL SET variable allowed beyond the built-in job-scope list"),
                    multi("deny-set", ValueType::Keyword,
                          "PJL SET variable of the built-in list denied")}),
               container("postscript", "PostScript operators",
                         {multi("allow", ValueType::Keyword,
                                "operator or key allowed although denied by default (showpage, ...)"),
                          multi("deny", ValueType::Keyword,
                                "operator denied beyond the defaults")})})),
          secure(container(
              "ipp", "IPP request inspection (services with inspect ipp)",
              {container("operation", "IPP operations (RFC 8011, PWG 5100, CUPS)",
                         {multi("allow", ValueType::Keyword,
                                "operation allowed although denied by default (Identify-Printer, ...)"),
                          multi("deny", ValueType::Keyword,
                                "operation denied although allowed by default (Cancel-Job, ...)")}),
               container("document-format", "document formats (MIME media types)",
                         {multi("allow", ValueType::Keyword,
                                "format allowed beyond the defaults (image/png, ...)"),
                          multi("deny", ValueType::Keyword,
                                "default format denied (text/plain, ...)")})})),
          container(
              "detection", "suspicious-behaviour thresholds",
              {container("port-scan", "one source touching many denied ports or printers",
                         {number("ports", 1, 65535, "distinct denied ports per window", "20"),
                          number("printers", 1, 65535, "distinct printers per window", "5"),
                          leaf("window", ValueType::Duration, "window", "10s")}),
               container("failed-auth", "repeated failed authentications (guide: 5 in 3 min)",
                         {number("count", 1, 10000, "failures per window", "5"),
                          leaf("window", ValueType::Duration, "window", "3m"),
                          choice("action", {"alert", "block-source"},
                                 "alert; or alert and block the source toward the printers",
                                 "alert"),
                          leaf("block-time", ValueType::Duration,
                               "how long block-source blocks a source", "15m"),
                          number("tls-sessions", 0, 100000,
                                 "short TLS sessions to a printer's login service per window that "
                                 "count as failed logins (0: off)",
                                 "30")})}),
          secure(container(
              "mirror", "copies of suspicious flows to a NIDS",
              {at_start(choice("output", {"none", "port", "vxlan", "erspan", "pcap"},
                               "where copies go", "none")),
               leaf("all", ValueType::Flag, "mirror benign flows too"),
               at_start(number("queue-size", 64, 1 << 20, "bounded mirror queue (frames)", "4096")),
               at_start(container("vxlan", "VXLAN (UDP 4789) toward a remote NIDS",
                         {leaf("remote", ValueType::Address, "collector address"),
                          leaf("source", ValueType::Address, "outer source address"),
                          number("vni", 0, (1 << 24) - 1, "VXLAN network identifier", "0"),
                          leaf("port", ValueType::Port, "UDP port", "4789")})),
               at_start(container("erspan", "GRE/ERSPAN type II toward a remote NIDS",
                         {leaf("remote", ValueType::Address, "collector address"),
                          leaf("source", ValueType::Address, "outer source address"),
                          number("session-id", 0, 1023, "ERSPAN session", "1")})),
               at_start(container("pcap", "rotating pcap file",
                         {leaf("file", ValueType::String, "path", "/var/log/printwall/mirror.pcap"),
                          leaf("max-size", ValueType::Size, "rotate at this size", "100M"),
                          number("max-files", 1, 1000, "files kept", "10")}))})),
          secure(container(
              "syslog", "events to a SIEM (RFC 5424)",
              {choice("facility",
                      {"kern", "user", "daemon", "auth", "local0", "local1", "local2", "local3",
                       "local4", "local5", "local6", "local7"},
                      "syslog facility", "local0"),
               number("queue-size", 16, 1 << 20, "bounded queue per destination", "8192"),
               tag("host", ValueType::Address, "a syslog destination",
                   {choice("transport", {"udp", "tcp", "tls"},
                           "RFC 5426 UDP, RFC 6587 TCP or RFC 5425 TLS", "udp"),
                    leaf("port", ValueType::Port, "destination port (514; 6514 for tls)"),
                    leaf("ca-file", ValueType::String, "CA bundle to verify the server"),
                    leaf("server-name", ValueType::String, "expected certificate name")})})),
          tag("interface", ValueType::Enum, "a dataplane port by role",
              {at_start(leaf("device", ValueType::String, "PCI address or DPDK vdev string")),
               leaf("description", ValueType::String, "free text")},
              {"outside", "inside", "mirror"}),
          at_start(container("dataplane", "DPDK settings",
                    {leaf("eal-options", ValueType::String, "EAL arguments when none are given"),
                     number("workers", 1, 128, "worker lcores", "1"),
                     number("mbufs", 1024, kMaxCount, "mbufs in the pool", "16384"),
                     number("burst-size", 1, 512, "RX/TX burst", "32"),
                     number("rx-descriptors", 64, 65536, "RX ring size", "1024"),
                     number("tx-descriptors", 64, 65536, "TX ring size", "1024"),
                     choice("dispatch", {"auto", "rss", "software"},
                            "symmetric RSS or a software dispatcher", "auto")})),
          container(
              "flows", "the flow table",
              {at_start(number("max-entries", 1024, kMaxCount, "capacity (all lcores)", "1048576")),
               number("max-per-source", 1, kMaxCount,
                      "flows one source address may hold in the table (per lcore)", "16384"),
               number("new-per-source", 1, kMaxCount,
                      "new flows one source address may open per second (per lcore)", "2000"),
               at_start(choice("table-full", {"drop-new", "evict-oldest"}, "when the table is full",
                               "drop-new")),
               at_start(container("timeout", "idle timeouts",
                         {leaf("tcp-syn", ValueType::Duration, "half-open", "10s"),
                          leaf("tcp-inspecting", ValueType::Duration,
                               "inspected, its inspector not done (before TLS)", "30s"),
                          leaf("tcp-established", ValueType::Duration, "established", "2h"),
                          leaf("tcp-closing", ValueType::Duration, "FIN/RST seen", "30s"),
                          leaf("udp", ValueType::Duration, "UDP", "1m"),
                          leaf("icmp", ValueType::Duration, "ICMP", "30s"),
                          leaf("other", ValueType::Duration, "other", "1m")}))}),
          at_start(container("reassembly", "IP fragment reassembly",
                    {number("max-datagrams", 16, kMaxCount, "datagrams in reassembly", "4096"),
                     number("max-fragments", 2, 1024, "fragments per datagram", "64"),
                     leaf("timeout", ValueType::Duration, "per datagram", "5s"),
                     number("max-size", 576, 65535, "reassembled datagram size", "65535")})),
          at_start(container("stream", "TCP stream normaliser (flows under inspection)",
                    {number("max-flows", 16, 1 << 24, "inspected TCP flows at once", "4096"),
                     number("max-flows-per-source", 1, 1 << 24,
                            "inspected flows one source address may hold at once (per lcore)",
                            "128"),
                     leaf("window", ValueType::Size,
                          "unacknowledged bytes kept per direction (clamps the flow's window)",
                          "16K")})),
      });
  return root;
}

bool is_name(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto ok0 = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!ok0(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return ok0(c) || c == '-' || c == '_'; });
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string pad(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%020llu", static_cast<unsigned long long>(v));
  return b;
}

struct Unit {
  char suffix;
  uint64_t mult;
};

// Parses N<unit> where unit is one of `units` (or none: multiplier 1); canonical form uses the
// largest unit that divides the value exactly.
std::optional<CanonicalValue> scaled(std::string_view raw, const std::vector<Unit>& units,
                                     uint64_t max, const char* what, std::string* why) {
  uint64_t mult = 1;
  std::string_view digits = raw;
  if (!raw.empty()) {
    char last = raw.back();
    for (const auto& u : units)
      if (last == u.suffix) {
        mult = u.mult;
        digits = raw.substr(0, raw.size() - 1);
      }
  }
  auto v = parse_u64(digits);
  if (!v) {
    std::string us;
    for (const auto& u : units) us += u.suffix;
    *why = std::string("bad ") + what + " '" + std::string(raw) + "': expected a number with an " +
           "optional unit (" + us + ")";
    return std::nullopt;
  }
  if (*v > max / mult || *v * mult > max) {
    *why = std::string(what) + " '" + std::string(raw) + "' is too large";
    return std::nullopt;
  }
  uint64_t total = *v * mult;
  std::string text = std::to_string(total);
  for (auto it = units.rbegin(); it != units.rend(); ++it)
    if (total != 0 && total % it->mult == 0) {
      text = std::to_string(total / it->mult) + it->suffix;
      break;
    }
  return CanonicalValue{text, pad(total)};
}

const std::vector<Unit> kDurationUnits = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
const std::vector<Unit> kSizeUnits = {{'K', 1ull << 10}, {'M', 1ull << 20}, {'G', 1ull << 30}};

std::string addr_key(const IpAddr& a, int len) {
  std::string k(1, a.family == Family::V4 ? '4' : '6');
  char b[4];
  for (uint8_t x : a.bytes) {
    std::snprintf(b, sizeof b, "%02x", x);
    k += b;
  }
  std::snprintf(b, sizeof b, "%03d", len);
  return k + b;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// What follows a keyword in a path: " a|b|c" for an enumeration, " <lo..hi>" for a leaf's
// number, nothing for a flag leaf, " <type>" otherwise.
std::string value_syntax(const SchemaNode& c) {
  if (c.type == ValueType::Enum) {
    std::string alts = " ";
    for (auto ch : c.choices) {
      if (alts.size() > 1) alts += '|';
      alts += ch;
    }
    return alts;
  }
  if (c.kind == Kind::Leaf && c.type == ValueType::UInt)
    return " <" + std::to_string(c.min) + ".." + std::to_string(c.max) + ">";
  if (c.kind == Kind::Leaf && c.type == ValueType::Flag) return {};
  return std::string(" <") + value_type_name(c.type) + ">";
}

void collect_paths(const SchemaNode& n, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& c : n.children) {
    std::string p = prefix.empty() ? std::string(c.keyword) : prefix + " " + std::string(c.keyword);
    switch (c.kind) {
      case Kind::Container:
        collect_paths(c, p, out);
        break;
      case Kind::Tag:
        p += value_syntax(c);
        out.push_back(p);
        collect_paths(c, p, out);
        break;
      case Kind::Leaf:
        p += value_syntax(c);
        if (c.multi) p += "  (multi)";
        if (!c.default_value.empty()) p += "  (default " + std::string(c.default_value) + ")";
        out.push_back(p);
        break;
    }
  }
}

}  // namespace

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::Flag: return "flag";
    case ValueType::Name: return "name";
    case ValueType::String: return "string";
    case ValueType::Enum: return "choice";
    case ValueType::UInt: return "number";
    case ValueType::Port: return "port";
    case ValueType::PortRange: return "port-range";
    case ValueType::Prefix: return "prefix";
    case ValueType::Address: return "address";
    case ValueType::Duration: return "duration";
    case ValueType::Size: return "size";
    case ValueType::Ethertype: return "ethertype";
    case ValueType::Keyword: return "keyword";
  }
  return "?";
}

const SchemaNode* SchemaNode::child(std::string_view kw) const {
  for (const auto& c : children)
    if (c.keyword == kw) return &c;
  return nullptr;
}

int SchemaNode::child_index(const SchemaNode* c) const {
  for (size_t i = 0; i < children.size(); ++i)
    if (&children[i] == c) return static_cast<int>(i);
  return -1;
}

const SchemaNode& schema_root() {
  static const SchemaNode root = build_schema();
  return root;
}

std::optional<CanonicalValue> canonical_value(const SchemaNode& node, std::string_view raw,
                                              std::string* why) {
  const std::string r(raw);
  switch (node.type) {
    case ValueType::Flag:
      *why = "'" + std::string(node.keyword) + "' takes no value";
      return std::nullopt;
    case ValueType::Name:
      if (!is_name(raw)) {
        *why = "bad name '" + r +
               "': use 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit";
        return std::nullopt;
      }
      return CanonicalValue{r, r};
    case ValueType::Keyword: {
      bool good = !raw.empty() && raw.size() <= 48 && std::isalpha(static_cast<unsigned char>(raw[0]));
      for (char c : raw)
        good = good && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                        c == '-' || c == '+' || c == '/');
      if (!good) {
        *why = "bad keyword '" + r + "': use 1-48 letters, digits, '_', '.', '-', '+' or '/', "
               "starting with a letter";
        return std::nullopt;
      }
      return CanonicalValue{r, r};
    }
    case ValueType::String:
      for (char c : raw)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          *why = "control character in string";
          return std::nullopt;
        }
      if (raw.size() > 1024) {
        *why = "string longer than 1024 bytes";
        return std::nullopt;
      }
      return CanonicalValue{r, r};
    case ValueType::Enum: {
      for (size_t i = 0; i < node.choices.size(); ++i)
        if (node.choices[i] == raw) return CanonicalValue{r, pad(i)};
      std::string alts;
      for (auto c : node.choices) alts += (alts.empty() ? "" : ", ") + std::string(c);
      *why = "bad value '" + r + "' for '" + std::string(node.keyword) + "': expected one of " + alts;
      if (auto m = did_you_mean(raw, node.choices)) *why += " (did you mean '" + std::string(*m) + "'?)";
      return std::nullopt;
    }
    case ValueType::UInt: {
      auto v = parse_u64(raw);
      if (!v) {
        *why = "bad number '" + r + "' for '" + std::string(node.keyword) + "'";
        return std::nullopt;
      }
      if (*v < node.min || *v > node.max) {
        *why = "'" + std::string(node.keyword) + "' " + r + " out of range " +
               std::to_string(node.min) + ".." + std::to_string(node.max);
        return std::nullopt;
      }
      return CanonicalValue{std::to_string(*v), pad(*v)};
    }
    case ValueType::Port: {
      auto v = parse_u64(raw);
      if (!v || *v < 1 || *v > 65535) {
        *why = "bad port '" + r + "': ports are 1..65535";
        return std::nullopt;
      }
      return CanonicalValue{std::to_string(*v), pad(*v)};
    }
    case ValueType::PortRange: {
      auto dash = raw.find('-');
      auto lo = parse_u64(raw.substr(0, dash));
      auto hi = dash == std::string_view::npos ? lo : parse_u64(raw.substr(dash + 1));
      if (!lo || !hi) {
        *why = "bad port range '" + r + "': expected PORT or PORT-PORT with ports 1..65535";
        return std::nullopt;
      }
      for (uint64_t p : {*lo, *hi})
        if (p < 1 || p > 65535) {
          *why = "bad port '" + std::to_string(p) + "': ports are 1..65535";
          return std::nullopt;
        }
      if (*lo > *hi) {
        *why = "bad port range '" + r + "': start is above end";
        return std::nullopt;
      }
      std::string text = *lo == *hi ? std::to_string(*lo)
                                    : std::to_string(*lo) + "-" + std::to_string(*hi);
      return CanonicalValue{text, pad(*lo) + pad(*hi)};
    }
    case ValueType::Prefix: {
      std::string w;
      auto p = parse_prefix(raw, &w);
      if (!p) {
        *why = "bad prefix '" + r + "': " + w;
        return std::nullopt;
      }
      return CanonicalValue{p->str(), addr_key(p->addr, p->len)};
    }
    case ValueType::Address: {
      std::string w;
      auto a = parse_ip(raw, &w);
      if (!a) {
        *why = "bad address '" + r + "': " + w;
        return std::nullopt;
      }
      return CanonicalValue{a->str(), addr_key(*a, a->bits())};
    }
    case ValueType::Duration: {
      auto v = scaled(raw, kDurationUnits, 366ull * 86400, "duration", why);
      if (v && v->text == "0") {
        *why = "duration must be above zero";
        return std::nullopt;
      }
      return v;
    }
    case ValueType::Size:
      return scaled(raw, kSizeUnits, 1ull << 40, "size", why);
    case ValueType::Ethertype: {
      uint64_t v = 0;
      if (raw == "eapol") {
        v = 0x888e;
      } else if (raw == "lldp") {
        v = 0x88cc;
      } else if (raw.size() == 6 && raw[0] == '0' && (raw[1] == 'x' || raw[1] == 'X')) {
        auto [p, ec] = std::from_chars(raw.data() + 2, raw.data() + 6, v, 16);
        if (ec != std::errc() || p != raw.data() + 6) v = 0;
      }
      if (v < 0x0600 || v > 0xffff) {
        *why = "bad ethertype '" + r + "': expected 0x0600..0xffff as 0xHHHH, or eapol, lldp";
        return std::nullopt;
      }
      char b[8];
      std::snprintf(b, sizeof b, "0x%04llx", static_cast<unsigned long long>(v));
      std::string text = v == 0x888e ? "eapol" : v == 0x88cc ? "lldp" : b;
      return CanonicalValue{text, b};
    }
  }
  *why = "unsupported value type";
  return std::nullopt;
}

uint64_t duration_seconds(std::string_view c) {
  std::string why;
  auto v = scaled(c, kDurationUnits, ~0ull, "duration", &why);
  return v ? std::stoull(v->sort_key) : 0;
}

uint64_t size_bytes(std::string_view c) {
  std::string why;
  auto v = scaled(c, kSizeUnits, ~0ull, "size", &why);
  return v ? std::stoull(v->sort_key) : 0;
}

uint16_t ethertype_value(std::string_view c) {
  if (c == "eapol") return 0x888e;
  if (c == "lldp") return 0x88cc;
  uint16_t v = 0;
  if (c.size() == 6) std::from_chars(c.data() + 2, c.data() + 6, v, 16);
  return v;
}

PortRange port_range(std::string_view c) {
  auto dash = c.find('-');
  PortRange r;
  auto lo = parse_u64(c.substr(0, dash));
  auto hi = dash == std::string_view::npos ? lo : parse_u64(c.substr(dash + 1));
  r.lo = static_cast<uint16_t>(lo.value_or(0));
  r.hi = static_cast<uint16_t>(hi.value_or(0));
  return r;
}

std::optional<std::string_view> did_you_mean(std::string_view word,
                                             const std::vector<std::string_view>& candidates) {
  std::optional<std::string_view> best;
  size_t best_d = ~size_t{0};
  for (auto c : candidates) {
    size_t d = edit_distance(word, c);
    bool prefix = word.size() >= 3 && c.substr(0, word.size()) == word;
    if (prefix) d = std::min<size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // A typo is at most a third of the word wrong (and at least one edit is allowed).
  size_t limit = std::max<size_t>(1, word.size() / 3);
  if (best && best_d <= limit && best_d > 0) return best;
  return std::nullopt;
}

std::vector<std::string> schema_paths() {
  std::vector<std::string> out;
  collect_paths(schema_root(), "", out);
  return out;
}

}  // namespace pw::policy
