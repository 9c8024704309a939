#include "protocols/inspector_registry.h"

namespace pw::proto {

const Inspector* inspector_for(policy::Inspect p) {
  switch (p) {
    // The protocol inspectors (ftp, smtp, pop3, imap, ldap, http, tls, snmp, smb, ...) are
    // added here as they are built.
    default:
      return nullptr;
  }
}

}  // namespace pw::proto
