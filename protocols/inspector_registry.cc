#include "protocols/inspector_registry.h"

#include "protocols/ftp/ftp_inspector.h"
#include "protocols/http/http_inspector.h"
#include "protocols/imap/imap_inspector.h"
#include "protocols/ldap/ldap_inspector.h"
#include "protocols/pop3/pop3_inspector.h"
#include "protocols/rfb/rfb_inspector.h"
#include "protocols/smb/smb_inspector.h"
#include "protocols/smtp/smtp_inspector.h"
#include "protocols/snmp/snmp_inspector.h"
#include "protocols/tls/tls_inspector.h"

namespace pw::proto {

const Inspector* ftp_data_inspector(bool active) {
  static const tls::TlsInspector kPassive(false);
  static const tls::TlsInspector kActive(true);
  return active ? &kActive : &kPassive;
}

const Inspector* inspector_for(policy::Inspect p, bool datagram) {
  // One instance of each inspector, immutable, shared by every lcore.
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
  if (datagram) {
    switch (p) {
      case policy::Inspect::Snmp: return &kSnmpUdp;
      default:
        return nullptr;
    }
  }
  switch (p) {
    case policy::Inspect::Tls: return &kTls;
    case policy::Inspect::Ftp: return &kFtp;
    case policy::Inspect::Smtp: return &kSmtp;
    case policy::Inspect::Pop3: return &kPop3;
    case policy::Inspect::Imap: return &kImap;
    case policy::Inspect::Http: return &kHttp;
    case policy::Inspect::Smb: return &kSmb;
    case policy::Inspect::Rfb: return &kRfb;
    case policy::Inspect::Snmp: return &kSnmpTcp;
    case policy::Inspect::Ldap: return &kLdap;
    // The other protocol inspectors are added here as they are built.
    default:
      return nullptr;
  }
}

}  // namespace pw::proto
