// printwall: the administrator's command-line tool. Offline commands run here; commands for a
// running daemon go over its control socket (mgmt issue).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "dataplane/build_info.h"
#include "mgmt/check_config.h"
#include "mgmt/replay.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

int cmd_check_config(const std::vector<std::string>& args) {
  return pw::mgmt::check_config_main(args, std::cout, std::cerr);
}

int cmd_replay(const std::vector<std::string>& args) {
  return pw::mgmt::replay_main(args, std::cout, std::cerr);
}

int cmd_version(const std::vector<std::string>&) {
  std::cout << "printwall " << PRINTWALL_VERSION << "\n";
  for (const auto& [lib, v] : pw::dp::library_versions()) std::cout << "  " << lib << " " << v << "\n";
  return 0;
}

int cmd_help(const std::vector<std::string>&);

const Command kCommands[] = {
    {"check-config", "validate a configuration file offline (exit 0 valid, 1 invalid)",
     cmd_check_config},
    {"replay", "run the fast-path pipeline over a pcap: forwarded, mirror, events", cmd_replay},
    {"version", "print the version and the libraries built against", cmd_version},
    {"help", "this help", cmd_help},
};

int cmd_help(const std::vector<std::string>&) {
  std::cout << "usage: printwall [--socket PATH] [--json] COMMAND [ARGS...]\n\ncommands:\n";
  for (const auto& c : kCommands) std::printf("  %-14s %s\n", c.name, c.summary);
  std::cout << "\n'printwall COMMAND --help' describes a command.\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") return cmd_help({});
  if (args[0] == "--version") return cmd_version({});
  for (const auto& c : kCommands)
    if (args[0] == c.name) return c.run({args.begin() + 1, args.end()});
  std::cerr << "printwall: unknown command '" << args[0] << "'\n";
  cmd_help({});
  return 2;
}
