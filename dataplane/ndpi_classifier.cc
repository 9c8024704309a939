#include "dataplane/ndpi_classifier.h"

#include <ndpi/ndpi_api.h>

#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

namespace pw::dp {

// policy/risks.h names nDPI's risks by number: these are the numbers of the nDPI we build with.
static_assert(NDPI_MAX_RISK == 42, "nDPI's risk list changed: update policy/risks.h");
static_assert(policy::kRisks.size() == NDPI_MAX_RISK - 1);
static_assert([] {
  for (size_t i = 0; i < policy::kRisks.size(); ++i)
    if (policy::kRisks[i].bit != i + 1) return false;
  return true;
}());
static_assert(policy::kRisks[NDPI_TLS_SELFSIGNED_CERTIFICATE - 1].name == "tls-self-signed-certificate");
static_assert(policy::kRisks[NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT - 1].name == "known-protocol-non-standard-port");
static_assert(policy::kRisks[NDPI_TLS_MISSING_SNI - 1].name == "tls-missing-sni");
static_assert(policy::kRisks[NDPI_UNSAFE_PROTOCOL - 1].name == "unsafe-protocol");
static_assert(policy::kRisks[NDPI_MALICIOUS_JA3 - 1].name == "malicious-ja3");
static_assert(policy::kRisks[NDPI_DESKTOP_OR_FILE_SHARING_SESSION - 1].name == "desktop-or-file-sharing");
static_assert(policy::kRisks[NDPI_CLEAR_TEXT_CREDENTIALS - 1].name == "clear-text-credentials");
static_assert(policy::kRisks[NDPI_POSSIBLE_EXPLOIT - 1].name == "possible-exploit");
static_assert(policy::kRisks[NDPI_TLS_CERTIFICATE_ABOUT_TO_EXPIRE - 1].name == "tls-certificate-about-to-expire");

namespace {
::ndpi_detection_module_struct* new_module() {
  ::ndpi_detection_module_struct* m = ndpi_init_detection_module(ndpi_no_prefs);
  if (!m) throw std::runtime_error("nDPI initialisation failed");
  NDPI_PROTOCOL_BITMASK all;
  NDPI_BITMASK_SET_ALL(all);
  ndpi_set_protocol_detection_bitmask2(m, &all);
  ndpi_finalize_initialization(m);
  return m;
}
}  // namespace

NdpiClassifier::NdpiClassifier(size_t flows, ::ndpi_detection_module_struct* shared)
    : module_(shared ? shared : new_module()), owns_module_(!shared), flow_size_((ndpi_detection_get_sizeof_ndpi_flow_struct() + 63) / 64 * 64) {
  storage_.resize(flows * flow_size_);
  free_.reserve(flows);
  for (size_t i = flows; i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
}

NdpiClassifier::~NdpiClassifier() {
  // Flow states still open hold nDPI allocations: free them.
  std::vector<bool> is_free(storage_.size() / flow_size_);
  for (uint32_t f : free_) is_free[f] = true;
  for (size_t i = 0; i < is_free.size(); ++i)
    if (!is_free[i]) ndpi_free_flow_data(reinterpret_cast<ndpi_flow_struct*>(&storage_[i * flow_size_]));
  if (owns_module_) ndpi_exit_detection_module(module_);
}

::ndpi_detection_module_struct* NdpiClassifier::shared_module() { return new_module(); }

uint32_t NdpiClassifier::open() {
  if (free_.empty()) return kNone;
  uint32_t s = free_.back();
  free_.pop_back();
  std::memset(&storage_[size_t{s} * flow_size_], 0, flow_size_);
  return s;
}

void NdpiClassifier::close(uint32_t s) {
  if (s == kNone) return;
  ndpi_free_flow_data(reinterpret_cast<ndpi_flow_struct*>(&storage_[size_t{s} * flow_size_]));
  free_.push_back(s);
}

NdpiClassifier::Result NdpiClassifier::process(uint32_t s, std::span<const uint8_t> ip,
                                               uint64_t ts_ms, uint8_t packets) {
  auto* f = reinterpret_cast<ndpi_flow_struct*>(&storage_[size_t{s} * flow_size_]);
  Result r;
  ndpi_protocol p = ndpi_detection_process_packet(module_, f, ip.data(),
                                                  static_cast<unsigned short>(ip.size()), ts_ms);
  if (p.master_protocol == NDPI_PROTOCOL_UNKNOWN && p.app_protocol == NDPI_PROTOCOL_UNKNOWN &&
      packets >= kMaxPackets) {
    uint8_t guessed = 0;
    p = ndpi_detection_giveup(module_, f, 1, &guessed);
    r.done = true;
  }
  r.master = p.master_protocol;
  r.app = p.app_protocol;
  r.risk = f->risk;
  if (p.app_protocol != NDPI_PROTOCOL_UNKNOWN || p.master_protocol != NDPI_PROTOCOL_UNKNOWN)
    r.done = true;
  // Certain: found by inspecting payload (not guessed from ports or addresses), and a protocol
  // that runs over this transport (nDPI 4.2 can name QUIC on a TCP flow of tiny segments).
  auto fits_l4 = [&](uint16_t id) {
    if (id == NDPI_PROTOCOL_UNKNOWN) return true;
    ndpi_l4_proto_info l4 = ndpi_get_l4_proto_info(module_, id);
    if (f->l4_proto == IPPROTO_TCP) return l4 != ndpi_l4_proto_udp_only;
    if (f->l4_proto == IPPROTO_UDP) return l4 != ndpi_l4_proto_tcp_only;
    return true;
  };
  r.certain = r.done && f->confidence == NDPI_CONFIDENCE_DPI && fits_l4(p.master_protocol) &&
              fits_l4(p.app_protocol);
  return r;
}

const char* NdpiClassifier::name(uint16_t id) {
  static ::ndpi_detection_module_struct* const kNames = new_module();  // read-only after init
  if (id == 0) return "Unknown";
  return ndpi_get_proto_name(kNames, id);
}

const char* NdpiClassifier::risk_name(int bit) {
  return ndpi_risk2str(static_cast<ndpi_risk_enum>(bit));
}

}  // namespace pw::dp

#include "policy/policy_model.h"

namespace pw::dp {

bool protocol_fits(policy::Inspect inspect, uint16_t master, uint16_t app) {
  using policy::Inspect;
  auto any = [&](std::initializer_list<int> ids) {
    for (int id : ids)
      if (master == id || app == id) return true;
    return false;
  };
  if (master == NDPI_PROTOCOL_UNKNOWN && app == NDPI_PROTOCOL_UNKNOWN) return true;
  bool own = false;
  switch (inspect) {
    case Inspect::Tls:
      own = master == NDPI_PROTOCOL_TLS || any({NDPI_PROTOCOL_TLS, NDPI_PROTOCOL_MAIL_SMTPS,
                                                NDPI_PROTOCOL_MAIL_POPS, NDPI_PROTOCOL_MAIL_IMAPS,
                                                NDPI_PROTOCOL_OCSP});
      break;
    case Inspect::Ftp: own = any({NDPI_PROTOCOL_FTP_CONTROL, NDPI_PROTOCOL_TLS}); break;
    case Inspect::Smtp: own = any({NDPI_PROTOCOL_MAIL_SMTP, NDPI_PROTOCOL_MAIL_SMTPS, NDPI_PROTOCOL_TLS}); break;
    case Inspect::Pop3: own = any({NDPI_PROTOCOL_MAIL_POP, NDPI_PROTOCOL_MAIL_POPS, NDPI_PROTOCOL_TLS}); break;
    case Inspect::Imap: own = any({NDPI_PROTOCOL_MAIL_IMAP, NDPI_PROTOCOL_MAIL_IMAPS, NDPI_PROTOCOL_TLS}); break;
    case Inspect::Ldap: own = any({NDPI_PROTOCOL_LDAP, NDPI_PROTOCOL_TLS}); break;
    case Inspect::Http:
      own = any({NDPI_PROTOCOL_HTTP, NDPI_PROTOCOL_HTTP_PROXY, NDPI_PROTOCOL_HTTP_CONNECT,
                 NDPI_PROTOCOL_OCSP, NDPI_PROTOCOL_IPP});
      break;
    case Inspect::Ipp:  // IPP is HTTP; ipps and an upgraded connection are TLS
      own = any({NDPI_PROTOCOL_IPP, NDPI_PROTOCOL_HTTP, NDPI_PROTOCOL_TLS});
      break;
    case Inspect::Snmp: own = any({NDPI_PROTOCOL_SNMP}); break;
    case Inspect::Smb: own = any({NDPI_PROTOCOL_SMBV1, NDPI_PROTOCOL_SMBV23, NDPI_PROTOCOL_NETBIOS}); break;
    case Inspect::Rfb: own = any({NDPI_PROTOCOL_VNC, NDPI_PROTOCOL_TLS}); break;
    default: break;
  }
  if (own) return true;
  // Another protocol: refused when it is one nDPI knows by a strong signature and that matters
  // on a printer's port (remote access, tunnels, web, mail, file sharing). nDPI's weaker
  // heuristics (it reads a 31-byte LDAP StartTLS request as an MQTT PUBLISH) only name the flow.
  return !any({NDPI_PROTOCOL_SSH, NDPI_PROTOCOL_TELNET, NDPI_PROTOCOL_RDP, NDPI_PROTOCOL_VNC,
               NDPI_PROTOCOL_HTTP, NDPI_PROTOCOL_TLS, NDPI_PROTOCOL_SMBV1, NDPI_PROTOCOL_SMBV23,
               NDPI_PROTOCOL_SOCKS, NDPI_PROTOCOL_OPENVPN, NDPI_PROTOCOL_TOR,
               NDPI_PROTOCOL_TEAMVIEWER, NDPI_PROTOCOL_ANYDESK, NDPI_PROTOCOL_HTTP_PROXY,
               NDPI_PROTOCOL_HTTP_CONNECT, NDPI_PROTOCOL_FTP_CONTROL, NDPI_PROTOCOL_MAIL_SMTP,
               NDPI_PROTOCOL_MAIL_POP, NDPI_PROTOCOL_MAIL_IMAP});
}

Reason misfit_reason(policy::Inspect inspect, uint16_t master, uint16_t app) {
  const bool print_port = inspect == policy::Inspect::JobLanguage || inspect == policy::Inspect::Lpd;
  for (uint16_t id : {master, app})
    if (print_port && (id == NDPI_PROTOCOL_HTTP || id == NDPI_PROTOCOL_HTTP_PROXY ||
                       id == NDPI_PROTOCOL_HTTP_CONNECT))
      return Reason::CrossSitePrinting;
  return Reason::WrongProtocol;
}

uint64_t relevant_risks(policy::Inspect inspect, uint16_t master, uint16_t app, uint64_t risk) {
  if (master == NDPI_PROTOCOL_UNKNOWN && app == NDPI_PROTOCOL_UNKNOWN) return risk;
  if (protocol_fits(inspect, master, app))
    risk &= ~(uint64_t{1} << NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT);
  return risk;
}

}  // namespace pw::dp
