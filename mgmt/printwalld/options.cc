// printwalld's command line: EAL options before "--", ours after it.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <ndpi/ndpi_api.h>
#include <openssl/crypto.h>
#include <rte_version.h>

#include "mgmt/printwalld/daemon.h"
#include "mgmt/usage_printwalld.h"

namespace pw::daemon {

namespace {

// The help: usage.h's text (shared with the manual page), wrapped at 96 columns.
void print_usage(FILE* out) {
  std::fprintf(out, "usage: %s\n       printwalld --version | --help\n", kSynopsis);
  auto wrap = [out](std::string_view text, size_t indent, size_t first) {
    size_t col = first;
    while (!text.empty()) {
      const size_t sp = text.find(' ');
      const std::string_view w = text.substr(0, sp);
      if (col > indent && col + 1 + w.size() > 96) {
        std::fprintf(out, "\n%*s", static_cast<int>(indent), "");
        col = indent;
      } else if (col > indent) {
        std::fputc(' ', out);
        ++col;
      }
      std::fwrite(w.data(), 1, w.size(), out);
      col += w.size();
      text = sp == std::string_view::npos ? std::string_view() : text.substr(sp + 1);
    }
    std::fputc('\n', out);
  };
  for (const auto& o : kOptions) {
    std::fprintf(out, "  %-26s", o.option);
    wrap(o.description, 28, 28);
  }
  wrap(kNotes, 0, 0);
}


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
      print_usage(stdout);
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
      std::fprintf(stderr, "printwalld: unknown option '%s'\n", a.c_str());
      print_usage(stderr);
      return 2;
    }
  }
  if (out->config_path.empty()) {
    std::fprintf(stderr, "printwalld: --config is required\n");
    print_usage(stderr);
    return 2;
  }
  return -1;
}

}  // namespace pw::daemon
