// What an inspector may know of the service it inspects: the `inspect` keyword and the settings
// its verdicts depend on. This header is the only part of the policy layer that protocols/
// sees (docs/architecture.md): an inspector never reads groups, ports or the policy tables.
// Header-only, no allocation: the compiled policy hands the fast path a pointer to it.
#pragma once

#include <cstdint>

#include "policy/ipp_rules.h"
#include "policy/job_language.h"

namespace pw::policy {

enum class Inspect : uint8_t {
  None, Ftp, Smtp, Pop3, Imap, Ldap, Http, Tls, Snmp, Smb, Rfb, Ipp, Lpd, JobLanguage,
  // Discovery and name protocols over UDP (protocols/discovery/).
  Mdns, Llmnr, NetbiosNs, NetbiosDgm, Ssdp, Wsd, Slp, CupsBrowsing
};
enum class TlsMode : uint8_t { None, Optional, Required, Implicit };
// Wire values of the TLS versions (RFC 8446 section 4.2.1).
enum class TlsVersion : uint16_t { V1_0 = 0x0301, V1_1 = 0x0302, V1_2 = 0x0303, V1_3 = 0x0304 };
enum class SnmpVersion : uint8_t { V1, V2c, V3 };
enum class SnmpSecurity : uint8_t { NoAuth, AuthNoPriv, AuthPriv };

struct InspectorConfig {
  Inspect inspect = Inspect::None;
  TlsMode tls = TlsMode::None;                  // STARTTLS or implicit TLS, and whether required
  TlsVersion min_tls = TlsVersion::V1_2;
  bool plaintext_auth = false;                  // cleartext credentials tolerated (never default)
  SnmpVersion snmp_min_version = SnmpVersion::V3;
  SnmpSecurity snmp_min_security = SnmpSecurity::NoAuth;
  bool snmp_des = false;         // DES privacy allowed (snmp-des allow)
  bool snmp_auth_sha2 = false;   // HMAC-SHA-2 authentication required (snmp-auth sha2, RFC 7860)
  bool smb_signing_required = false;
  bool smb1 = false;
  bool ftp_data_tls = true;                     // FTP data connections start with TLS
  uint32_t min_rsa_bits = 2048;                 // security tls min-rsa-bits
  bool weak_certificate_deny = true;            // security tls weak-certificate deny|alert
  bool lpd_remove_jobs = false;                 // LPD command 05 (lprm)
  bool lpd_queue_state = true;                  // LPD commands 03/04 (lpq)
  bool discovery_answers = false;               // mDNS/LLMNR/NetBIOS name answers toward printers
  const JobLanguageRules* job_language = nullptr;  // null: the built-in defaults
  const IppRules* ipp = nullptr;                   // null: the built-in defaults
};

}  // namespace pw::policy
