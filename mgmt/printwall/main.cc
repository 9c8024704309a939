// printwall: the administrator's command-line tool. Offline commands run here; every other
// command goes to a running printwalld over its control socket (mgmt/printwall/cli.h): one-shot
// (`printwall show statistics`), an interactive shell on a terminal, or lines from standard input.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "mgmt/printwall/build_info.h"
#include "mgmt/printwall/check_config.h"
#include "mgmt/printwall/cli.h"
#include "mgmt/printwall/replay.h"

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
  for (const auto& [lib, v] : pw::mgmt::library_versions()) std::cout << "  " << lib << " " << v << "\n";
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

void usage(std::ostream& out) {
  out << "usage: printwall [--socket PATH] [--json] [COMMAND...]\n"
         "  without a command: an interactive shell on a terminal, else commands read from\n"
         "  standard input (one a line; '#' comments; stops at the first failure);\n"
         "  'a; b; c' runs several commands over one connection.\n"
         "  --socket PATH  the daemon's control socket (default $PRINTWALL_SOCKET, else "
      << pw::mgmt::kDefaultSocketPath
      << ")\n"
         "  --json         print each reply's data as one JSON line\n"
         "exit status: 0 ok, 1 a command failed, 2 usage error, 3 cannot connect to the daemon\n";
}

int cmd_help(const std::vector<std::string>& args) {
  if (!args.empty()) {  // printwall help COMMAND...
    for (const auto& c : kCommands)
      if (args.size() == 1 && args[0] == c.name) {
        std::cout << c.name << ": " << c.summary << "\n";
        if (c.run == cmd_check_config || c.run == cmd_replay)
          std::cout << "'printwall " << c.name << " --help' lists its options.\n";
        return 0;
      }
    std::string name;
    for (const auto& a : args) name += (name.empty() ? "" : " ") + a;
    if (pw::mgmt::describe_command(name, std::cout)) return 0;
    std::cerr << "printwall: no command '" << name << "' ('printwall help' lists them)\n";
    return pw::mgmt::kExitUsage;
  }
  usage(std::cout);
  std::cout << "\noffline commands (no daemon needed):\n";
  for (const auto& c : kCommands) std::printf("  %-14s %s\n", c.name, c.summary);
  std::cout << "\n";
  std::cout.flush();
  pw::mgmt::print_daemon_commands(std::cout);
  std::cout << "\n'printwall help COMMAND' describes a command.\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  pw::mgmt::CliOptions o;
  std::string err;
  if (!pw::mgmt::parse_cli_options(args, &o, &err)) {
    std::cerr << "printwall: " << err << "\n";
    usage(std::cerr);
    return pw::mgmt::kExitUsage;
  }
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) return cmd_help({});
  if (!args.empty() && args[0] == "--version") return cmd_version({});
  // Offline commands first: they need no daemon.
  if (!args.empty())
    for (const auto& c : kCommands)
      if (args[0] == c.name) return c.run({args.begin() + 1, args.end()});
  const int cancel = pw::mgmt::install_sigint_pipe();
  if (!args.empty()) return pw::mgmt::run_one_shot(o, args, std::cout, std::cerr, cancel);
  if (::isatty(STDIN_FILENO)) return pw::mgmt::run_shell(o);
  return pw::mgmt::run_script(o, std::cin, std::cout, std::cerr, cancel);
}
