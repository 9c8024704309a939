// printwalld's command line: EAL options before "--", ours after it.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <ndpi/ndpi_api.h>
#include <openssl/crypto.h>
#include <rte_version.h>

#include "mgmt/printwalld/daemon.h"

namespace pw::daemon {

namespace {

constexpr const char* kUsage =
    "usage: printwalld [EAL options] -- --config FILE [--events FILE] [--socket PATH]\n"
    "                  [--state-dir DIR]\n"
    "       printwalld --version | --help\n"
    "  --config FILE     configuration (set-commands): the first commit when the history is\n"
    "                    empty; SIGHUP re-reads it as a new commit\n"
    "  --events FILE     JSON event log (default /var/log/printwall/events.jsonl)\n"
    "  --socket PATH     control socket for the printwall CLI (default /run/printwall/control.sock)\n"
    "  --state-dir DIR   commit history; printwalld starts from its last commit\n"
    "                    (default /var/lib/printwall)\n"
    "  --confirm-unit-seconds N   length of a 'commit confirmed' minute (tests; default 60)\n"
    "  --control-idle-timeout N   close a CLI connection idle for N seconds, discarding its\n"
    "                    uncommitted candidate (default 900; 0: never; monitor sessions exempt)\n"
    "EAL options may also come from 'set dataplane eal-options \"...\"' when none are given;\n"
    "the devices of 'set interface outside|inside|mirror device ...' are added as --vdev\n"
    "(or PCI allow-list) arguments. 'set dataplane workers N' needs N lcores with RSS-capable\n"
    "NICs, N+1 otherwise (the main lcore dispatches); e.g. -l 0-2 or --lcores '(0-2)@(0-1)'.\n"
    "Counters: dpdk-telemetry.py, commands /printwall/stats, /printwall/lcores,\n"
    "/printwall/reasons, /printwall/ports, /printwall/mirror, /printwall/latency.\n";

void print_version() {
  std::printf("printwalld %s\n  dpdk %s\n  ndpi %s\n  openssl %s\n", PRINTWALL_VERSION, rte_version(),
              ndpi_revision(), OpenSSL_version(OPENSSL_VERSION));
}

}  // namespace

int parse_options(int argc, char** argv, Options* out) {
  // --version and --help answer wherever they stand (before "--" too: no EAL is started).
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-V") == 0) {
      print_version();
      return 0;
    }
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  // Our options follow "--"; EAL's come before it.
  int sep = -1;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) {
      sep = i;
      break;
    }
  if (argc > 0) out->argv0 = argv[0];
  for (int i = 1; i < sep; ++i) out->eal_args.emplace_back(argv[i]);
  for (int i = sep < 0 ? 1 : sep + 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--config" || a == "--events" || a == "--socket" || a == "--state-dir" ||
         a == "--confirm-unit-seconds" || a == "--control-idle-timeout") && i + 1 < argc) {
      std::string v = argv[++i];
      if (a == "--config") out->config_path = v;
      else if (a == "--events") out->events_path = v;
      else if (a == "--socket") out->control.socket_path = v;
      else if (a == "--state-dir") out->control.state_dir = v;
      else if (a == "--control-idle-timeout")
        out->control.idle_timeout = std::chrono::seconds(std::max(0, std::atoi(v.c_str())));
      else out->control.confirm_unit = std::chrono::seconds(std::max(1, std::atoi(v.c_str())));
    } else if (sep >= 0) {
      std::fprintf(stderr, "printwalld: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (out->config_path.empty()) {
    std::fprintf(stderr, "printwalld: --config is required\n%s", kUsage);
    return 2;
  }
  return -1;
}

}  // namespace pw::daemon
