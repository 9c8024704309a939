// FTP data connections (RFC 959, RFC 2428, RFC 4217) are allowed only between a client and a
// printer whose control connection has completed AUTH TLS and its TLS handshake, and only while
// it lives: passive mode (PASV/EPSV) from the client into the printer's passive range, active
// mode (PORT/EPRT) from the printer to an unprivileged port of the client. The control
// connection is encrypted by then, so the ports cannot be read from it: the range and the pair
// are the bound. This table holds the pairs whose control connection is secured (how many such
// connections, and the control port); bounded, allocation-free, one per lcore.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/ip.h"
#include "dataplane/counted_table.h"
#include "dataplane/source_counts.h"
#include "policy/compiled_policy.h"

namespace pw::dp {

class FtpSessions {
 public:
  struct Pair {
    IpAddr client, printer;
    uint16_t vlan_outer = 0, vlan_inner = 0;
    bool operator==(const Pair&) const = default;
  };

  explicit FtpSessions(size_t capacity) : table_(capacity) {}

  // A secured control connection to `control_port`; false when the table is full (its data
  // connections are then refused: fail closed).
  bool open(const Pair& p, uint16_t control_port) { return table_.add(p, control_port); }
  void close(const Pair& p) { table_.remove(p); }

  // The FTP service whose secured session between the pair this data connection belongs to
  // (passive: to the printer's `port` in the service's range; active: from the printer to the
  // client's `port`), or null. The service is the one that decides the control connection
  // under `policy` (a commit may have changed it since the session opened).
  const policy::CompiledService* data_service(const policy::CompiledPolicy& policy, const Pair& p,
                                              uint16_t port, bool active) const;

 private:
  struct PairHash {
    uint64_t operator()(const Pair& p) const {
      return AddrHash{}(p.client) * 31 ^ AddrHash{}(p.printer) ^
             (uint64_t{p.vlan_outer} << 16 | p.vlan_inner) * 0x9e3779b97f4a7c15ull;
    }
  };
  CountedTable<Pair, PairHash, uint16_t> table_;
};

}  // namespace pw::dp
