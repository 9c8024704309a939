#include "mgmt/printwall/check_config.h"

#include <iostream>
#include <iterator>
#include <ostream>

#include "policy/compiled_policy.h"
#include "policy/config.h"
#include "policy/config_printer.h"
#include "policy/loader.h"
#include "policy/policy_model.h"

namespace pw::mgmt {

namespace {

constexpr const char* kUsage =
    "usage: printwall check-config [--print | --expanded | --policy] FILE\n"
    "       printwall check-config --schema\n"
    "\n"
    "Validates a configuration file (set-commands) without a running daemon.\n"
    "Errors are printed as FILE:LINE:COLUMN: error: REASON; the exit status is 0 when the\n"
    "configuration is valid, 1 when it is not, 2 on a usage error. FILE '-' reads stdin.\n"
    "\n"
    "  --print     print the canonical form (what 'show configuration' prints)\n"
    "  --expanded  print the effective configuration, built-in profile merged\n"
    "  --policy    print the compiled service table per direction\n"
    "  --schema    print every configuration path with its value type and default\n";

}  // namespace

int check_config_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  enum class Mode { Check, Print, Expanded, Policy } mode = Mode::Check;
  std::string file;
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    }
    if (a == "--schema") {
      for (const auto& p : policy::schema_paths()) out << p << "\n";
      return 0;
    }
    if (a == "--print") mode = Mode::Print;
    else if (a == "--expanded") mode = Mode::Expanded;
    else if (a == "--policy") mode = Mode::Policy;
    else if (a.size() > 1 && a[0] == '-') {
      err << "printwall check-config: unknown option '" << a << "'\n" << kUsage;
      return 2;
    } else if (file.empty()) file = a;
    else {
      err << "printwall check-config: one FILE only\n" << kUsage;
      return 2;
    }
  }
  if (file.empty()) {
    err << "printwall check-config: missing FILE\n" << kUsage;
    return 2;
  }
  policy::Loaded l;
  if (file == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    l = policy::load_text(text, "<stdin>");
  } else {
    l = policy::load_file(file);
  }
  for (const auto& w : l.warnings) {
    std::string s = w.str();
    s.replace(s.find(": error: "), 9, ": warning: ");
    if (w.loc.file.empty()) s = file + ": warning: " + w.reason;
    err << s << "\n";
  }
  for (const auto& e : l.errors) err << e.str() << "\n";
  if (!l.ok()) {
    err << file << ": configuration invalid (" << l.errors.size() << " error"
        << (l.errors.size() == 1 ? "" : "s") << ")\n";
    return 1;
  }
  switch (mode) {
    case Mode::Print: out << policy::print_config(l.config); break;
    case Mode::Expanded: out << policy::print_expanded(l.config); break;
    case Mode::Policy: out << l.compiled->describe(); break;
    case Mode::Check:
      out << file << ": configuration ok (profile "
          << (l.model.profile.empty() ? "none" : l.model.profile) << ", "
          << l.model.services.size() << " services, " << l.model.groups.size() << " groups, "
          << l.model.printer_networks.size() << " printer networks)\n";
      break;
  }
  return 0;
}

}  // namespace pw::mgmt
