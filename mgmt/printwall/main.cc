// printwall: the administrator's command-line tool. Offline commands run here; every other
// command goes to a running printwalld over its control socket (mgmt/printwall/cli.h): one-shot
// (`printwall show statistics`), an interactive shell on a terminal, or lines from standard input.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "mgmt/printwall/build_info.h"
#include "mgmt/printwall/check_config.h"
#include "mgmt/printwall/cli.h"
#include "mgmt/printwall/replay.h"
#include "mgmt/usage_printwall.h"

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

// The offline commands of usage.h, each with its runner.
int (*runner(std::string_view name))(const std::vector<std::string>&) {
  if (name == "check-config") return cmd_check_config;
  if (name == "replay") return cmd_replay;
  if (name == "version") return cmd_version;
  if (name == "help") return cmd_help;
  return nullptr;
}

void usage(std::ostream& out) {
  out << "usage: " << pw::mgmt::kCliSynopsis << "\n";
  std::string_view text = pw::mgmt::kCliDescription;  // wrapped at 96 columns, indented 2
  size_t col = 0;
  while (!text.empty()) {
    const size_t sp = text.find(' ');
    const std::string_view w = text.substr(0, sp);
    if (col == 0 || col + 1 + w.size() > 96) {
      out << (col ? "\n  " : "  ");
      col = 2;
    } else {
      out << ' ';
      ++col;
    }
    out << w;
    col += w.size();
    text = sp == std::string_view::npos ? std::string_view() : text.substr(sp + 1);
  }
  out << "\n";
  for (const auto& o : pw::mgmt::kCliOptions)
    out << "  " << o.option
        << std::string(std::string_view(o.option).size() < 15 ? 15 - std::string_view(o.option).size() : 1, ' ')
        << o.description << "\n";
  out << "exit status: " << pw::mgmt::kCliExitStatus << "\n";
}

int cmd_help(const std::vector<std::string>& args) {
  if (!args.empty()) {  // printwall help COMMAND...
    for (const auto& c : pw::mgmt::kOfflineCommands)
      if (args.size() == 1 && args[0] == c.name) {
        std::cout << c.name << ": " << c.summary << "\n";
        if (runner(c.name) == cmd_check_config || runner(c.name) == cmd_replay)
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
  for (const auto& c : pw::mgmt::kOfflineCommands) std::printf("  %-14s %s\n", c.name, c.summary);
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
    if (auto run = runner(args[0])) return run({args.begin() + 1, args.end()});
  const int cancel = pw::mgmt::install_sigint_pipe();
  if (!args.empty()) return pw::mgmt::run_one_shot(o, args, std::cout, std::cerr, cancel);
  if (::isatty(STDIN_FILENO)) return pw::mgmt::run_shell(o);
  return pw::mgmt::run_script(o, std::cin, std::cout, std::cerr, cancel);
}
