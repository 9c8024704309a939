// The risk table: every risk nDPI can flag on a flow, by our configuration name, with what the
// gateway does about it by default on a printer network (ignore, alert, deny) and why.
//
// The bits are nDPI 4.2's `ndpi_risk_enum` (dataplane/ndpi_classifier.cc checks them against
// the library at compile time); the names are ours (nDPI's are prose with spaces). The built-in
// profiles state the same table (`set security risk NAME ACTION`), so `show configuration
// expanded` lists it; a service may override any row (`set service S risk NAME ACTION`).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pw::policy {

enum class RiskAction : uint8_t { Ignore, Alert, Deny };

struct RiskInfo {
  uint8_t bit;            // nDPI's risk number
  std::string_view name;  // our configuration keyword
  RiskAction action;      // default on a printer network
  std::string_view why;   // the reason for the default (docs, `check-config --schema`)
};

inline constexpr RiskAction kI = RiskAction::Ignore, kA = RiskAction::Alert, kD = RiskAction::Deny;

// clang-format off
inline constexpr std::array<RiskInfo, 41> kRisks = {{
  {1,  "url-possible-xss",               kA, "script in a URL: an attack on a web interface"},
  {2,  "url-possible-sql-injection",     kA, "SQL in a URL: an attack on a web interface"},
  {3,  "url-possible-rce-injection",     kD, "shell commands in a URL: remote code execution attempt"},
  {4,  "binary-application-transfer",    kA, "an executable downloaded over HTTP: printers fetch no programs"},
  {5,  "known-protocol-non-standard-port", kI, "mail submission on 587, IPP on 443, SNMP traps on other ports are normal; a protocol that does not fit its service is refused by the service check (wrong-protocol)"},
  {6,  "tls-self-signed-certificate",    kI, "printers ship with self-signed certificates"},
  {7,  "tls-obsolete-version",           kA, "TLS below 1.2 where the TLS checks did not already refuse it"},
  {8,  "tls-weak-cipher",                kA, "a weak cipher suite where the TLS checks did not already refuse it"},
  {9,  "tls-certificate-expired",        kI, "factory certificates of printers expire and stay in use; security tls weak-certificate governs inspected flows"},
  {10, "tls-certificate-mismatch",       kI, "printers are reached by address, not by the name in their certificate"},
  {11, "http-suspicious-user-agent",     kA, "scanner or exploit tool user agents"},
  {12, "http-numeric-ip-host",           kI, "printers are reached by address"},
  {13, "http-suspicious-url",            kA, "URL of a known exploit or a path traversal"},
  {14, "http-suspicious-header",         kA, "headers of exploit tools"},
  {15, "tls-not-carrying-https",         kI, "IPPS, LDAPS, POP3S, FTPS and syslog over TLS are TLS without HTTP"},
  {16, "suspicious-dga-domain",          kA, "a generated (DGA) name: malware looking for its controller"},
  {17, "malformed-packet",               kA, "a packet nDPI could not decode as its protocol"},
  {18, "ssh-obsolete-client",            kA, "obsolete SSH client version or cipher"},
  {19, "ssh-obsolete-server",            kA, "obsolete SSH server version or cipher"},
  {20, "smb-insecure-version",           kA, "SMB1 where the SMB checks did not already refuse it"},
  {21, "tls-suspicious-esni-usage",      kA, "encrypted SNI: hides where a printer connects"},
  {22, "unsafe-protocol",                kI, "nDPI names FTP, SNMP and Telnet unsafe even when secured; the services' own checks enforce TLS and SNMPv3"},
  {23, "dns-suspicious-traffic",         kA, "DNS used as a tunnel"},
  {24, "tls-missing-sni",                kI, "clients addressing a printer by IP address send no server name"},
  {25, "http-suspicious-content",        kA, "HTTP content of exploit tools"},
  {26, "risky-asn",                      kA, "a peer in an autonomous system known for abuse"},
  {27, "risky-domain",                   kA, "a name on a list of abused domains"},
  {28, "malicious-ja3",                  kD, "a TLS client fingerprint of known malware"},
  {29, "malicious-sha1-certificate",     kD, "a certificate of known malware"},
  {30, "desktop-or-file-sharing",        kI, "remote desktop and file sharing are governed by the services (VNC from management only, SMB to the file servers)"},
  {31, "tls-uncommon-alpn",              kA, "an application protocol over TLS that no printer client asks for"},
  {32, "tls-certificate-validity-too-long", kI, "printer certificates are issued for decades"},
  {33, "tls-suspicious-extension",       kA, "TLS extensions of tunnelling or exploit tools"},
  {34, "tls-fatal-alert",                kI, "a client that does not trust the printer's certificate ends with a fatal alert"},
  {35, "suspicious-entropy",             kA, "content more random than its protocol allows: hidden or encrypted payload"},
  {36, "clear-text-credentials",         kA, "a password in clear on a flow no inspector guards (inspected services deny it themselves)"},
  {37, "dns-large-packet",               kA, "DNS answers too large for ordinary resolution: amplification or tunnelling"},
  {38, "dns-fragmented",                 kA, "fragmented DNS: cache poisoning or tunnelling"},
  {39, "invalid-characters",             kA, "control or non-printable characters where a protocol expects text: injection"},
  {40, "possible-exploit",               kD, "the signature of a known exploit (Log4Shell and others)"},
  {41, "tls-certificate-about-to-expire", kI, "printer certificates are renewed late, if at all"},
}};
// clang-format on

inline constexpr size_t kRiskBits = 64;

inline const RiskInfo* risk_by_name(std::string_view name) {
  for (const auto& r : kRisks)
    if (r.name == name) return &r;
  return nullptr;
}

inline const RiskInfo* risk_by_bit(unsigned bit) {
  for (const auto& r : kRisks)
    if (r.bit == bit) return &r;
  return nullptr;
}

inline constexpr std::string_view to_string(RiskAction a) {
  return a == RiskAction::Ignore ? "ignore" : a == RiskAction::Alert ? "alert" : "deny";
}

// Every risk's action as two bit masks (nDPI's bit numbers): alert and deny; the rest is ignored.
struct RiskMasks {
  uint64_t alert = 0, deny = 0;
  void set(unsigned bit, RiskAction a) {
    const uint64_t m = uint64_t{1} << bit;
    alert &= ~m;
    deny &= ~m;
    if (a == RiskAction::Alert) alert |= m;
    if (a == RiskAction::Deny) deny |= m;
  }
  RiskAction get(unsigned bit) const {
    const uint64_t m = uint64_t{1} << bit;
    return deny & m ? RiskAction::Deny : alert & m ? RiskAction::Alert : RiskAction::Ignore;
  }
  static RiskMasks defaults() {
    RiskMasks r;
    for (const auto& k : kRisks) r.set(k.bit, k.action);
    return r;
  }
  bool operator==(const RiskMasks&) const = default;
};

}  // namespace pw::policy
