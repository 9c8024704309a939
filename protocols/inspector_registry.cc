#include "protocols/inspector_registry.h"

#include <algorithm>
#include <array>

#include "protocols/ftp/ftp_inspector.h"
#include "protocols/discovery/discovery_inspector.h"
#include "protocols/http/http_inspector.h"
#include "protocols/imap/imap_inspector.h"
#include "protocols/ipp/ipp_inspector.h"
#include "protocols/joblang/joblang_inspector.h"
#include "protocols/ldap/ldap_inspector.h"
#include "protocols/lpd/lpd_inspector.h"
#include "protocols/pop3/pop3_inspector.h"
#include "protocols/rfb/rfb_inspector.h"
#include "protocols/smb/smb_inspector.h"
#include "protocols/smtp/smtp_inspector.h"
#include "protocols/snmp/snmp_inspector.h"
#include "protocols/tls/tls_inspector.h"

namespace pw::proto {

namespace {

using policy::Inspect;

constexpr size_t kKeywords = static_cast<size_t>(Inspect::CupsBrowsing) + 1;

// [keyword][datagram]: built once from the list, then a plain lookup per new flow.
struct Table {
  std::array<std::array<const Inspector*, 2>, kKeywords> by{};
  Table() {
    for (const Registered& r : registered()) {
      const bool datagram = r.inspector->requirements().transport == Requirements::Transport::Datagram;
      by[static_cast<size_t>(r.keyword)][datagram] = r.inspector;
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

}  // namespace

std::span<const Registered> registered() {
  // Built at first use (function-local: no order of static initialisation to get wrong).
  static const tls::TlsInspector kTls;
  static const ftp::FtpInspector kFtp;
  static const smtp::SmtpInspector kSmtp;
  static const pop3::Pop3Inspector kPop3;
  static const imap::ImapInspector kImap;
  static const http::HttpInspector kHttp;
  static const smb::SmbInspector kSmb;
  static const rfb::RfbInspector kRfb;
  static const snmp::SnmpUdpInspector kSnmpUdp;
  static const snmp::SnmpTcpInspector kSnmpTcp;
  static const ldap::LdapInspector kLdap;
  static const joblang::JoblangInspector kJoblang;
  static const lpd::LpdInspector kLpd;
  static const ipp::IppInspector kIpp;
  using discovery::DiscoveryInspector;
  using discovery::Protocol;
  static const DiscoveryInspector kMdns(Protocol::Mdns), kLlmnr(Protocol::Llmnr),
      kNbns(Protocol::NetbiosNs), kNbdgm(Protocol::NetbiosDgm), kSsdp(Protocol::Ssdp),
      kWsd(Protocol::Wsd), kSlp(Protocol::Slp), kCups(Protocol::CupsBrowsing);
  // The other protocol inspectors are added here as they are built.
  static const Registered kList[] = {
      {Inspect::Tls, &kTls},   {Inspect::Ftp, &kFtp},   {Inspect::Smtp, &kSmtp},
      {Inspect::Pop3, &kPop3}, {Inspect::Imap, &kImap}, {Inspect::Http, &kHttp},
      {Inspect::Smb, &kSmb},   {Inspect::Rfb, &kRfb},   {Inspect::Snmp, &kSnmpUdp},
      {Inspect::Snmp, &kSnmpTcp}, {Inspect::Ldap, &kLdap}, {Inspect::JobLanguage, &kJoblang},
      {Inspect::Lpd, &kLpd},   {Inspect::Ipp, &kIpp},   {Inspect::Mdns, &kMdns},
      {Inspect::Llmnr, &kLlmnr}, {Inspect::NetbiosNs, &kNbns}, {Inspect::NetbiosDgm, &kNbdgm},
      {Inspect::Ssdp, &kSsdp}, {Inspect::Wsd, &kWsd},   {Inspect::Slp, &kSlp},
      {Inspect::CupsBrowsing, &kCups},
  };
  return kList;
}

const Inspector* inspector_for(policy::Inspect p, bool datagram) {
  const size_t k = static_cast<size_t>(p);
  return k < kKeywords ? table().by[k][datagram] : nullptr;
}

const Inspector* ftp_data_inspector(bool active) {
  static const tls::TlsInspector kPassive(false);
  static const tls::TlsInspector kActive(true);
  return active ? &kActive : &kPassive;
}

uint32_t message_buffer_bytes() {
  uint32_t n = 0;
  for (const Registered& r : registered()) n = std::max(n, r.inspector->requirements().buffer_bytes);
  return n;
}

}  // namespace pw::proto
