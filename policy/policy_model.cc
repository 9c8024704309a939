#include "policy/policy_model.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace pw::policy {

const char* to_string(Direction d) {
  switch (d) {
    case Direction::ToPrinters: return "to-printers";
    case Direction::FromPrinters: return "from-printers";
    case Direction::Both: return "both";
  }
  return "?";
}
const char* to_string(L4 p) {
  switch (p) {
    case L4::Tcp: return "tcp";
    case L4::Udp: return "udp";
    case L4::Icmp: return "icmp";
    case L4::Ethertype: return "ethertype";
  }
  return "?";
}
const char* to_string(Action a) {
  switch (a) {
    case Action::Allow: return "allow";
    case Action::Deny: return "deny";
    case Action::Reject: return "reject";
  }
  return "?";
}
const char* to_string(Inspect i) {
  static const char* const kNames[] = {"none", "ftp",  "smtp", "pop3", "imap", "ldap", "http",
                                       "tls",  "snmp", "smb",  "rfb",  "ipp",  "lpd",  "job-language",
                                       "mdns", "llmnr", "netbios-ns", "netbios-dgm", "ssdp", "wsd",
                                       "slp", "cups-browsing"};
  auto n = static_cast<size_t>(i);
  return n < std::size(kNames) ? kNames[n] : "?";
}
const char* to_string(TlsMode m) {
  switch (m) {
    case TlsMode::None: return "none";
    case TlsMode::Optional: return "optional";
    case TlsMode::Required: return "required";
    case TlsMode::Implicit: return "implicit";
  }
  return "?";
}

const Group* Model::group(std::string_view name) const {
  for (const auto& g : groups)
    if (g.name == name) return &g;
  return nullptr;
}

namespace {

// Index of `v` in the schema choices of `node` (the canonical text is always one of them).
size_t choice_index(const SchemaNode& node, std::string_view v) {
  for (size_t i = 0; i < node.choices.size(); ++i)
    if (node.choices[i] == v) return i;
  return 0;
}

TlsVersion tls_version(std::string_view v) {
  if (v == "1.0") return TlsVersion::V1_0;
  if (v == "1.1") return TlsVersion::V1_1;
  if (v == "1.3") return TlsVersion::V1_3;
  return TlsVersion::V1_2;
}

const SchemaNode* schema_at(const std::vector<std::string>& words) {
  const SchemaNode* n = &schema_root();
  for (const auto& w : words) {
    n = n->child(w);
    if (!n) return nullptr;
  }
  return n;
}

bool ranges_overlap(const std::vector<PortRange>& a, const std::vector<PortRange>& b,
                    PortRange* first) {
  for (const auto& x : a)
    for (const auto& y : b)
      if (x.lo <= y.hi && y.lo <= x.hi) {
        if (first) *first = {std::max(x.lo, y.lo), std::min(x.hi, y.hi)};
        return true;
      }
  return false;
}

bool directions_overlap(Direction a, Direction b) {
  return a == b || a == Direction::Both || b == Direction::Both;
}

template <typename T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class Builder {
 public:
  explicit Builder(ModelResult& r) : r_(r), m_(r.model) {}

  void run(const Config& admin) {
    Config eff = admin.effective();
    for (const auto& [k, s] : eff.sets()) take(s);
    scalars();
    validate();
    finish();
  }

 private:
  struct ServiceSrc {
    Service svc;
    std::map<std::string, const Statement*> leaves;
    std::vector<const Statement*> group_refs;
    bool has_direction = false;
  };

  void error(const Statement& s, std::string reason, bool at_value = true) {
    SourceLoc l = s.loc;
    if (at_value) l.column = s.value_column;
    r_.errors.push_back({l, std::move(reason)});
  }
  void warn(SourceLoc l, std::string reason) { r_.warnings.push_back({std::move(l), std::move(reason)}); }

  void take(const Statement& s) {
    const auto& p = s.path;
    const std::string& top = p[0].text;
    const std::string v = s.value ? s.value->text : std::string();
    if (top == "service") {
      auto [it, fresh] = services_.try_emplace(p[1].text);
      ServiceSrc& src = it->second;
      if (fresh) {
        src.svc.name = p[1].text;
        src.svc.loc = s.loc;
        order_.push_back(p[1].text);
      }
      if (p.size() < 3) return;
      const std::string& leaf = p[2].text;
      Service& sv = src.svc;
      src.leaves.try_emplace(leaf, &s);
      if (leaf == "description") sv.description = v;
      else if (leaf == "direction") {
        sv.direction = static_cast<Direction>(choice_index(*s.node, v));
        src.has_direction = true;
      } else if (leaf == "protocol") {
        sv.protocols.push_back(v == "tcp"   ? L4::Tcp
                               : v == "udp" ? L4::Udp
                               : v == "icmp" ? L4::Icmp
                                             : L4::Ethertype);
      } else if (leaf == "port") sv.ports.push_back(port_range(v));
      else if (leaf == "ethertype") sv.ethertypes.push_back(ethertype_value(v));
      else if (leaf == "icmp-type") sv.icmp_kinds |= static_cast<uint8_t>(1u << choice_index(*s.node, v));
      else if (leaf == "action") sv.action = static_cast<Action>(choice_index(*s.node, v));
      else if (leaf == "peer-group") {
        sv.peer_groups.push_back(v);
        src.group_refs.push_back(&s);
      } else if (leaf == "printer-group") {
        sv.printer_groups.push_back(v);
        src.group_refs.push_back(&s);
      } else if (leaf == "inspect") sv.inspect = static_cast<Inspect>(choice_index(*s.node, v));
      else if (leaf == "tls") sv.tls = static_cast<TlsMode>(choice_index(*s.node, v));
      else if (leaf == "min-tls") sv.min_tls = tls_version(v);
      else if (leaf == "plaintext-auth") sv.plaintext_auth = v == "allow";
      else if (leaf == "snmp-version")
        sv.snmp_min_version = static_cast<SnmpVersion>(choice_index(*s.node, v));
      else if (leaf == "snmp-security")
        sv.snmp_min_security = static_cast<SnmpSecurity>(choice_index(*s.node, v));
      else if (leaf == "snmp-des")
        sv.snmp_des = v == "allow";
      else if (leaf == "snmp-auth")
        sv.snmp_auth_sha2 = v == "sha2";
      else if (leaf == "smb-signing") sv.smb_signing_required = v == "required";
      else if (leaf == "smb1") sv.smb1 = v == "allow";
      else if (leaf == "passive-ports") sv.passive_ports = port_range(v);
      else if (leaf == "data-tls") sv.ftp_data_tls = v == "required";
      else if (leaf == "lpd-remove-jobs") sv.lpd_remove_jobs = v == "allow";
      else if (leaf == "lpd-queue-state") sv.lpd_queue_state = v == "allow";
      else if (leaf == "discovery-answers") sv.discovery_answers = v == "allow";
      else if (leaf == "mirror") sv.mirror = static_cast<MirrorMode>(choice_index(*s.node, v));
      else if (leaf == "risk" && p.size() == 4)
        if (const RiskInfo* r = risk_by_name(p[3].text))
          sv.risk_overrides.emplace_back(r->bit, static_cast<RiskAction>(choice_index(*s.node, v)));
      return;
    }
    if (top == "group") {
      auto [it, fresh] = groups_.try_emplace(p[1].text);
      if (fresh) {
        it->second.first.name = p[1].text;
        it->second.second = &s;
        group_order_.push_back(p[1].text);
      }
      if (p.size() < 3) return;
      if (p[2].text == "description") it->second.first.description = v;
      if (p[2].text == "address") {
        std::string why;
        it->second.first.addresses.push_back(*parse_prefix(v, &why));
      }
      return;
    }
    if (top == "syslog" && p.size() >= 3 && p[1].text == "host") {
      auto& h = hosts_[p[2].text];
      if (p.size() > 3) h[p[3].text] = v;
      return;
    }
    if (top == "interface") {
      if (p.size() > 2 && p[2].text == "device") {
        size_t role = p[1].text == "outside" ? 0 : p[1].text == "inside" ? 1 : 2;
        m_.interface_device[role] = v;
        interface_stmt_[role] = &s;
      }
      return;
    }
    if (top == "job-language" && p.size() == 3 && s.node && s.node->multi) {
      job_lists_.push_back({p[1].text + " " + p[2].text, v, &s});
      return;
    }
    if (top == "ipp" && p.size() == 3 && s.node && s.node->multi) {
      ipp_lists_.push_back({p[1].text + " " + p[2].text, v, &s});
      return;
    }
    if (top == "printer-network") {
      m_.printer_networks.push_back(*parse_prefix(v, nullptr));
      return;
    }
    std::string key;
    for (const auto& seg : p) key += (key.empty() ? "" : " ") + seg.text;
    scalar_[key] = &s;
  }

  // A scalar's canonical value, or its schema default.
  std::string get(const std::string& key) const {
    if (auto it = scalar_.find(key); it != scalar_.end())
      return it->second->value ? it->second->value->text : std::string("true");
    std::vector<std::string> words;
    size_t pos = 0;
    while (pos <= key.size()) {
      size_t sp = key.find(' ', pos);
      words.push_back(key.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos));
      if (sp == std::string::npos) break;
      pos = sp + 1;
    }
    const SchemaNode* n = schema_at(words);
    return n ? std::string(n->default_value) : std::string();
  }
  uint64_t num(const std::string& key) const { return std::stoull(get(key)); }
  uint64_t secs(const std::string& key) const { return duration_seconds(get(key)); }
  const Statement* stmt(const std::string& key) const {
    auto it = scalar_.find(key);
    return it == scalar_.end() ? nullptr : it->second;
  }

  // `job-language`: each list entry must change something (a name allowed or denied by default
  // named again is refused), and no name may be both allowed and denied.
  void job_language_lists() {
    namespace jl = job_language;
    JobLanguageRules& r = m_.job_language;
    r.pjl_max_line = static_cast<uint32_t>(num("job-language pjl max-line"));
    // Per list: the built-in names it is about, whether an entry must be one of them (it lifts a
    // default) or must not (it adds to one), what the refusal says, and where it goes.
    struct ListRule {
      std::string_view list;
      std::span<const std::string_view> builtin;
      bool must_be_builtin;
      const char* refusal;
      std::vector<std::string> JobLanguageRules::*target;
    };
    const ListRule kRules[] = {
        {"pjl allow", jl::kPjlAllowedCommands, false, "is allowed by default: the statement would change nothing", &JobLanguageRules::pjl_allow},
        {"pjl deny", jl::kPjlAllowedCommands, true, "is not allowed by default: the statement would change nothing", &JobLanguageRules::pjl_deny},
        {"pjl allow-set", jl::kPjlSetVariables, false, "is on the built-in list of job-scope variables already", &JobLanguageRules::pjl_allow_set},
        {"pjl deny-set", jl::kPjlSetVariables, true, "is not on the built-in list: SET of it is denied already", &JobLanguageRules::pjl_deny_set},
        {"postscript allow", jl::kPsDeniedNames, true, "is not denied by default (names are case-sensitive)", &JobLanguageRules::ps_allow},
        {"postscript deny", jl::kPsDeniedNames, false, "is denied by default already", &JobLanguageRules::ps_deny},
    };
    for (const JobList& e : job_lists_) {
      const ListRule* rule = nullptr;
      for (const ListRule& x : kRules)
        if (x.list == e.list) rule = &x;
      if (!rule) continue;
      std::string name = e.name;
      if (e.list.rfind("pjl ", 0) == 0)
        for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (jl::listed(rule->builtin, name) != rule->must_be_builtin) {
        error(*e.stmt, "job-language " + e.list + " " + e.name + ": " + name + " " + rule->refusal);
        continue;
      }
      std::vector<std::string>& list = r.*(rule->target);
      if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);  // (other case)
    }
    for (auto* l : {&r.pjl_allow, &r.pjl_deny, &r.pjl_allow_set, &r.pjl_deny_set, &r.ps_allow,
                    &r.ps_deny})
      std::sort(l->begin(), l->end());
    if (!job_lists_.empty() || stmt("job-language pjl max-line")) {
      bool used = false;
      for (const auto& name : order_) {
        const Inspect i = services_.at(name).svc.inspect;
        used |= i == Inspect::JobLanguage || i == Inspect::Lpd;
      }
      if (!used) {
        const Statement* at = job_lists_.empty() ? stmt("job-language pjl max-line") : job_lists_.front().stmt;
        error(*at, "job-language settings, but no service has inspect job-language or lpd: they "
                   "would take no effect", false);
      }
    }
  }

  // `ipp`: an operation must be one the inspector knows and the entry must change its default;
  // a format entry likewise (formats compared in lower case).
  void ipp_lists() {
    IppRules& r = m_.ipp;
    auto lower = [](std::string x) {
      for (char& c : x) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return x;
    };
    for (const JobList& e : ipp_lists_) {
      const bool allow = e.list.ends_with(" allow");
      if (e.list.starts_with("operation ")) {
        const ipp::Operation* op = ipp::find_operation(e.name);
        if (!op) {
          error(*e.stmt, "ipp " + e.list + " " + e.name + ": no IPP operation of that name "
                         "(names as IANA registers them: Print-Job, Set-Printer-Attributes, ...)");
          continue;
        }
        if (op->allowed == allow) {
          error(*e.stmt, "ipp " + e.list + " " + e.name + ": " + std::string(op->name) + " is " +
                             (allow ? "allowed" : "denied") +
                             " by default: the statement would change nothing");
          continue;
        }
        r.ops[ipp::slot(op->id)] = allow;
        continue;
      }
      const std::string f = lower(e.name);
      const bool builtin = std::find(std::begin(ipp::kDefaultFormats), std::end(ipp::kDefaultFormats),
                                     f) != std::end(ipp::kDefaultFormats);
      if (f.find('/') == std::string::npos || f.front() == '/' || f.back() == '/') {
        error(*e.stmt, "ipp " + e.list + " " + e.name + ": not a media type (type/subtype)");
        continue;
      }
      if (builtin == allow) {
        error(*e.stmt, "ipp " + e.list + " " + e.name + ": " + f + " is " +
                           (allow ? "allowed" : "not allowed") +
                           " by default: the statement would change nothing");
        continue;
      }
      auto it = std::find(r.formats.begin(), r.formats.end(), f);
      if (allow && it == r.formats.end()) r.formats.push_back(f);
      if (!allow && it != r.formats.end()) r.formats.erase(it);
    }
    std::sort(r.formats.begin(), r.formats.end());
    if (!ipp_lists_.empty()) {
      bool used = false;
      for (const auto& name : order_) used |= services_.at(name).svc.inspect == Inspect::Ipp;
      if (!used)
        error(*ipp_lists_.front().stmt, "ipp settings, but no service has inspect ipp: they would "
                                        "take no effect", false);
    }
  }

  void scalars() {
    m_.profile = get("profile");
    m_.host_name = get("system host-name");
    m_.default_action = get("default-action") == "reject" ? Action::Reject : Action::Deny;
    m_.transit_forward = get("transit-action") == "forward";
    m_.unknown_ethertype_forward = get("ethernet unknown-ethertype") == "forward";
    m_.tls.min_version = tls_version(get("security tls min-version"));
    m_.tls.weak_certificate_deny = get("security tls weak-certificate") == "deny";
    m_.tls.min_rsa_bits = static_cast<uint32_t>(num("security tls min-rsa-bits"));
    for (const auto& r : kRisks) {
      const std::string a = get("security risk " + std::string(r.name));
      m_.risks.set(r.bit, a == "deny" ? RiskAction::Deny
                          : a == "alert" ? RiskAction::Alert
                                         : RiskAction::Ignore);
    }
    m_.port_scan.ports = static_cast<uint32_t>(num("detection port-scan ports"));
    m_.port_scan.printers = static_cast<uint32_t>(num("detection port-scan printers"));
    m_.port_scan.window_s = secs("detection port-scan window");
    m_.failed_auth.count = static_cast<uint32_t>(num("detection failed-auth count"));
    m_.failed_auth.window_s = secs("detection failed-auth window");
    m_.failed_auth.block = get("detection failed-auth action") == "block-source";
    m_.failed_auth.block_s = secs("detection failed-auth block-time");
    m_.failed_auth.tls_sessions = static_cast<uint32_t>(num("detection failed-auth tls-sessions"));

    auto& mi = m_.mirror;
    const std::string out = get("mirror output");
    mi.output = out == "port"     ? MirrorOutput::Port
                : out == "vxlan"  ? MirrorOutput::Vxlan
                : out == "erspan" ? MirrorOutput::Erspan
                : out == "pcap"   ? MirrorOutput::Pcap
                                  : MirrorOutput::None;
    mi.all = stmt("mirror all") != nullptr;
    mi.queue_size = static_cast<uint32_t>(num("mirror queue-size"));
    const std::string kind = out == "erspan" ? "erspan" : "vxlan";
    if (auto s = get("mirror " + kind + " remote"); !s.empty()) mi.remote = parse_ip(s);
    if (auto s = get("mirror " + kind + " source"); !s.empty()) mi.source = parse_ip(s);
    mi.vni = static_cast<uint32_t>(num("mirror vxlan vni"));
    mi.vxlan_port = static_cast<uint16_t>(num("mirror vxlan port"));
    mi.erspan_session = static_cast<uint32_t>(num("mirror erspan session-id"));
    mi.pcap_file = get("mirror pcap file");
    mi.pcap_max_size = size_bytes(get("mirror pcap max-size"));
    mi.pcap_max_files = static_cast<uint32_t>(num("mirror pcap max-files"));

    if (const std::string a = get("system metrics address"); !a.empty())
      m_.metrics.address = parse_ip(a);
    m_.metrics.port = static_cast<uint16_t>(num("system metrics port"));
    // A port without an address would serve nothing: refused, not ignored.
    if (const Statement* p = stmt("system metrics port"); p && !m_.metrics.address)
      error(*p, "system metrics port without system metrics address: no exporter would listen");

    m_.syslog.facility = get("syslog facility");
    m_.syslog.queue_size = static_cast<uint32_t>(num("syslog queue-size"));
    for (const auto& [addr, leaves] : hosts_) {
      SyslogHost h;
      h.address = *parse_ip(addr);
      auto t = leaves.count("transport") ? leaves.at("transport") : std::string("udp");
      h.transport = t == "tls" ? SyslogTransport::Tls
                    : t == "tcp" ? SyslogTransport::Tcp
                                 : SyslogTransport::Udp;
      h.port = leaves.count("port") ? static_cast<uint16_t>(std::stoul(leaves.at("port")))
               : h.transport == SyslogTransport::Tls ? 6514
                                                     : 514;
      if (leaves.count("ca-file")) h.ca_file = leaves.at("ca-file");
      if (leaves.count("server-name")) h.server_name = leaves.at("server-name");
      m_.syslog.hosts.push_back(h);
    }

    auto& d = m_.dataplane;
    d.eal_options = get("dataplane eal-options");
    d.workers = static_cast<uint32_t>(num("dataplane workers"));
    d.mbufs = static_cast<uint32_t>(num("dataplane mbufs"));
    d.burst = static_cast<uint32_t>(num("dataplane burst-size"));
    d.rx_desc = static_cast<uint32_t>(num("dataplane rx-descriptors"));
    d.tx_desc = static_cast<uint32_t>(num("dataplane tx-descriptors"));
    d.dispatch = get("dataplane dispatch");

    auto& f = m_.flows;
    f.max_entries = num("flows max-entries");
    f.max_per_source = static_cast<uint32_t>(std::min<uint64_t>(num("flows max-per-source"), UINT32_MAX));
    f.new_per_source = static_cast<uint32_t>(std::min<uint64_t>(num("flows new-per-source"), UINT32_MAX));
    f.evict_oldest = get("flows table-full") == "evict-oldest";
    f.tcp_syn_s = secs("flows timeout tcp-syn");
    f.tcp_inspecting_s = secs("flows timeout tcp-inspecting");
    job_language_lists();
    ipp_lists();
    f.tcp_established_s = secs("flows timeout tcp-established");
    f.tcp_closing_s = secs("flows timeout tcp-closing");
    f.udp_s = secs("flows timeout udp");
    f.icmp_s = secs("flows timeout icmp");
    f.other_s = secs("flows timeout other");
    auto& ra = m_.reassembly;
    ra.max_datagrams = num("reassembly max-datagrams");
    ra.max_fragments = num("reassembly max-fragments");
    ra.timeout_s = secs("reassembly timeout");
    ra.max_size = num("reassembly max-size");
    m_.stream.max_flows = static_cast<uint32_t>(num("stream max-flows"));
    m_.stream.max_flows_per_source = static_cast<uint32_t>(num("stream max-flows-per-source"));
    m_.stream.window_bytes = size_bytes(get("stream window"));

  }

  void finish() {
    for (const auto& name : group_order_) m_.groups.push_back(groups_[name].first);
    for (const auto& name : order_) {
      ServiceSrc& src = services_[name];
      Service& sv = src.svc;
      if (!src.leaves.count("min-tls")) sv.min_tls = m_.tls.min_version;
      m_.services.push_back(sv);
    }
  }

  void validate_service(ServiceSrc& src) {
    Service& sv = src.svc;
    auto at = [&](const char* leaf) -> const Statement* {
      auto it = src.leaves.find(leaf);
      return it == src.leaves.end() ? nullptr : it->second;
    };
    auto svc_error = [&](std::string reason) {
      r_.errors.push_back({sv.loc, "service '" + sv.name + "': " + reason});
    };
    if (!src.has_direction) svc_error("no direction (set service " + sv.name + " direction ...)");
    if (sv.protocols.empty()) svc_error("no protocol (set service " + sv.name + " protocol ...)");
    bool l4 = std::any_of(sv.protocols.begin(), sv.protocols.end(),
                          [](L4 p) { return p == L4::Tcp || p == L4::Udp; });
    bool ether = std::count(sv.protocols.begin(), sv.protocols.end(), L4::Ethertype) > 0;
    if (l4 && sv.ports.empty()) svc_error("protocol tcp/udp needs at least one port");
    if (!l4 && !sv.ports.empty())
      error(*at("port"), "service '" + sv.name + "': ports need protocol tcp or udp");
    if (ether && sv.ethertypes.empty()) svc_error("protocol ethertype needs an ethertype");
    if (!ether && !sv.ethertypes.empty())
      error(*at("ethertype"), "service '" + sv.name + "': ethertype needs protocol ethertype");
    if (ether && sv.protocols.size() > 1)
      error(*at("protocol"), "service '" + sv.name + "': protocol ethertype cannot be mixed with IP protocols");
    for (const Statement* ref : src.group_refs) {
      const std::string& g = ref->value->text;
      if (!groups_.count(g)) {
        std::string r = "service '" + sv.name + "': undefined group '" + g + "'";
        std::vector<std::string_view> names(group_order_.begin(), group_order_.end());
        if (auto m = did_you_mean(g, names)) r += " (did you mean '" + std::string(*m) + "'?)";
        error(*ref, r);
      }
    }
    // A profile's inspected service the site closes (`set service S action deny|reject`): the
    // profile's inspection settings of it are moot (nothing reaches an inspector), not errors;
    // the denied service keeps no inspector. An inspector the site itself names on a denied
    // service is still an error below.
    auto from_profile = [](const Statement* st) {
      return st && st->loc.file.rfind("profile:", 0) == 0;
    };
    if (sv.action != Action::Allow && sv.inspect != Inspect::None && from_profile(at("inspect")) &&
        at("action") && !from_profile(at("action"))) {
      sv.inspect = Inspect::None;
      sv.tls = TlsMode::None;
      return;
    }
    static const Inspect kStartTls[] = {Inspect::Ftp, Inspect::Smtp, Inspect::Pop3,
                                        Inspect::Imap, Inspect::Ldap};
    bool starttls = std::find(std::begin(kStartTls), std::end(kStartTls), sv.inspect) !=
                    std::end(kStartTls);
    if (sv.tls == TlsMode::Required && !starttls)
      error(*at("tls"), "service '" + sv.name + "': tls required needs an inspector with a "
                        "STARTTLS-style upgrade (inspect ftp, smtp, pop3, imap or ldap)");
    if (sv.tls == TlsMode::Implicit && sv.inspect != Inspect::Tls && !starttls &&
        sv.inspect != Inspect::Http)
      error(*at("tls"), "service '" + sv.name + "': tls implicit needs inspect tls (or the "
                        "application inspector of the protocol)");
    if (sv.inspect == Inspect::Tls && sv.tls != TlsMode::Implicit && at("tls"))
      error(*at("tls"), "service '" + sv.name + "': inspect tls means tls implicit");
    if (sv.inspect == Inspect::Tls) sv.tls = TlsMode::Implicit;
    if (const Statement* s = at("min-tls");
        s && sv.tls == TlsMode::None && sv.inspect != Inspect::Tls)
      error(*s, "service '" + sv.name + "': min-tls without tls (set tls required or implicit)");
    auto only_with = [&](const char* leaf, Inspect need, const char* name) {
      if (const Statement* s = at(leaf); s && sv.inspect != need)
        error(*s, "service '" + sv.name + "': " + leaf + " needs inspect " + name);
    };
    if (const Statement* s = at("icmp-type");
        s && std::find(sv.protocols.begin(), sv.protocols.end(), L4::Icmp) == sv.protocols.end())
      error(*s, "service '" + sv.name + "': icmp-type needs protocol icmp");
    only_with("passive-ports", Inspect::Ftp, "ftp");
    only_with("data-tls", Inspect::Ftp, "ftp");
    only_with("snmp-version", Inspect::Snmp, "snmp");
    only_with("snmp-security", Inspect::Snmp, "snmp");
    only_with("snmp-des", Inspect::Snmp, "snmp");
    only_with("snmp-auth", Inspect::Snmp, "snmp");
    only_with("smb-signing", Inspect::Smb, "smb");
    only_with("smb1", Inspect::Smb, "smb");
    only_with("lpd-remove-jobs", Inspect::Lpd, "lpd");
    only_with("lpd-queue-state", Inspect::Lpd, "lpd");
    if (const Statement* s = at("discovery-answers");
        s && sv.inspect != Inspect::Mdns && sv.inspect != Inspect::Llmnr && sv.inspect != Inspect::NetbiosNs)
      error(*s, "service '" + sv.name + "': discovery-answers needs inspect mdns, llmnr or netbios-ns");
    if (const Statement* s = at("risk"); s && sv.action != Action::Allow)
      error(*s, "service '" + sv.name + "': risk on a service whose action is " + to_string(sv.action) +
                    " (no flow of it is ever classified)");
    if (sv.inspect != Inspect::None && sv.action != Action::Allow)
      error(*at("inspect"), "service '" + sv.name + "': inspect on a service whose action is " +
                                to_string(sv.action) + " (nothing would reach the inspector)");
    if (sv.inspect != Inspect::None && !l4)
      error(*at("inspect"), "service '" + sv.name + "': inspect needs protocol tcp or udp");
  }

  void validate() {
    for (auto& name : order_) validate_service(services_[name]);
    if (groups_.size() > kMaxGroups) {
      const Statement* s = groups_[group_order_[kMaxGroups]].second;
      error(*s, "too many groups: at most " + std::to_string(kMaxGroups), false);
    }
    std::string empty;
    for (const auto& [name, g] : groups_)
      if (g.first.addresses.empty() && used_group(name)) empty += (empty.empty() ? "" : ", ") + name;
    if (!empty.empty())
      warn({}, "groups with no address (the services that name them match nobody): " + empty);
    if (m_.printer_networks.empty())
      warn({}, "no printer-network: no traffic is recognised as going to or from a printer");
    // Two services that claim the same port, direction and protocol for the same peers: only
    // services with equal peer and printer groups can conflict, so compare within those buckets.
    std::map<std::pair<std::vector<std::string>, std::vector<std::string>>, std::vector<size_t>>
        buckets;
    for (size_t i = 0; i < order_.size(); ++i) {
      const Service& sv = services_[order_[i]].svc;
      buckets[{sorted(sv.peer_groups), sorted(sv.printer_groups)}].push_back(i);
    }
    for (const auto& [key, idx] : buckets)
      for (size_t a = 0; a < idx.size(); ++a)
        for (size_t b = a + 1; b < idx.size(); ++b)
          conflict(services_[order_[idx[a]]], services_[order_[idx[b]]]);
    // Mirror and interfaces.
    auto need = [&](const char* key, const char* what) {
      if (get(key).empty()) {
        const Statement* s = stmt("mirror output");
        r_.errors.push_back({s ? s->loc : SourceLoc{}, std::string("mirror output ") + what +
                                                           " needs '" + key + "'"});
      }
    };
    if (m_.mirror.output == MirrorOutput::Vxlan) need("mirror vxlan remote", "vxlan");
    if (m_.mirror.output == MirrorOutput::Erspan) need("mirror erspan remote", "erspan");
    if (m_.mirror.output == MirrorOutput::Pcap) need("mirror pcap file", "pcap");  // set to ""
    if (const auto& mi = m_.mirror;
        (mi.output == MirrorOutput::Vxlan || mi.output == MirrorOutput::Erspan) && mi.remote &&
        mi.source && mi.remote->family != mi.source->family) {
      const std::string kind = mi.output == MirrorOutput::Erspan ? "erspan" : "vxlan";
      if (const Statement* s = stmt("mirror " + kind + " source"))
        error(*s, "mirror " + kind + " source " + mi.source->str() + " and remote " +
                      mi.remote->str() + " are of different address families");
    }
    // `mirror always` promises copies of every frame of a service; with no mirror output they go
    // nowhere. The administrator's own statement is refused; a profile's (the enterprise
    // profile mirrors its mail and LDAP services, as the guide's rows ask where certificates
    // are not verified) is a warning, so that the profile stays usable without a NIDS.
    if (m_.mirror.output == MirrorOutput::None && !m_.mirror.all)
      for (const auto& name : order_) {
        const ServiceSrc& src = services_.at(name);
        auto it = src.leaves.find("mirror");
        if (src.svc.mirror != MirrorMode::Always || it == src.leaves.end()) continue;
        const Statement& st = *it->second;
        const std::string why = "service '" + name + "': mirror always, but mirror output is none: "
                                "the copies would go nowhere (set mirror output, or mirror suspicious)";
        if (st.loc.file.rfind("profile:", 0) == 0) warn(st.loc, why);
        else error(st, why);
      }
    if (m_.mirror.output == MirrorOutput::Port && m_.interface_device[2].empty()) {
      const Statement* s = stmt("mirror output");
      r_.errors.push_back({s ? s->loc : SourceLoc{},
                           "mirror output port needs 'interface mirror device'"});
    }
    for (size_t a = 0; a < 3; ++a)
      for (size_t b = a + 1; b < 3; ++b)
        if (!m_.interface_device[a].empty() && m_.interface_device[a] == m_.interface_device[b])
          error(*interface_stmt_[b], "conflicting statements: two interfaces use device '" +
                                         m_.interface_device[b] + "'");
  }

  bool used_group(const std::string& g) const {
    for (const auto& [n, src] : services_)
      for (const Statement* s : src.group_refs)
        if (s->value->text == g) return true;
    return false;
  }

  void conflict(const ServiceSrc& a, const ServiceSrc& b) {
    const Service& x = a.svc;
    const Service& y = b.svc;
    if (!directions_overlap(x.direction, y.direction)) return;
    for (L4 p : x.protocols) {
      if (std::find(y.protocols.begin(), y.protocols.end(), p) == y.protocols.end()) continue;
      std::string what;
      PortRange r;
      if ((p == L4::Tcp || p == L4::Udp) && ranges_overlap(x.ports, y.ports, &r)) {
        what = std::string(to_string(p)) + " port " + std::to_string(r.lo) +
               (r.hi != r.lo ? "-" + std::to_string(r.hi) : "");
      } else if (p == L4::Icmp) {
        what = "icmp";
      } else if (p == L4::Ethertype) {
        for (uint16_t e : x.ethertypes)
          if (std::count(y.ethertypes.begin(), y.ethertypes.end(), e)) what = "that ethertype";
      }
      if (what.empty()) continue;
      auto it = b.leaves.find(p == L4::Tcp || p == L4::Udp ? "port" : "protocol");
      const Statement* where = it != b.leaves.end() ? it->second : nullptr;
      std::string peers = x.peer_groups.empty() ? "any peer" : "the same peer groups";
      std::string reason = "conflicting statements: services '" + x.name + "' and '" + y.name +
                           "' both claim " + what + " " + to_string(y.direction) + " for " +
                           peers + " (give one of them a peer-group, or merge them)";
      if (where)
        error(*where, reason);
      else
        r_.errors.push_back({y.loc, reason});
      return;
    }
  }

  ModelResult& r_;
  Model& m_;
  std::map<std::string, ServiceSrc> services_;
  std::vector<std::string> order_;
  std::map<std::string, std::pair<Group, const Statement*>> groups_;
  std::vector<std::string> group_order_;
  std::map<std::string, std::map<std::string, std::string>> hosts_;
  std::map<std::string, const Statement*> scalar_;
  std::array<const Statement*, 3> interface_stmt_{};
  struct JobList {
    std::string list;  // "pjl allow", "postscript deny", ...
    std::string name;
    const Statement* stmt;
  };
  std::vector<JobList> job_lists_;
  std::vector<JobList> ipp_lists_;  // "operation allow", "document-format deny", ...
};

}  // namespace

ModelResult build_model(const Config& admin) {
  ModelResult r;
  Builder(r).run(admin);
  std::stable_sort(r.errors.begin(), r.errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.column) <
           std::tie(b.loc.file, b.loc.line, b.loc.column);
  });
  return r;
}

}  // namespace pw::policy
