#include "policy/config_printer.h"

namespace pw::policy {

std::string statement_line(const char* verb, const Statement& s) {
  return std::string(verb) + " " + s.text() + "\n";
}

namespace {

bool is_profile(const Statement& s) { return s.path.size() == 1 && s.path[0].text == "profile"; }

void print_sets(const Config::Map& m, std::string& out) {
  for (auto it = m.begin(); it != m.end(); ++it) {
    const Statement& s = it->second;
    if (is_profile(s)) continue;
    if (s.node && s.node->kind == SchemaNode::Kind::Tag && !s.value) {
      auto next = std::next(it);
      if (next != m.end() && next->first.size() > it->first.size() &&
          std::equal(it->first.begin(), it->first.end(), next->first.begin()))
        continue;  // defined by its leaves
    }
    out += statement_line("set", s);
  }
}

}  // namespace

std::string print_config(const Config& c) {
  std::string out;
  if (auto p = c.profile()) out += "set profile " + *p + "\n";
  for (const auto& [k, d] : c.deletes()) out += statement_line("delete", d);
  print_sets(c.sets(), out);
  return out;
}

std::string print_expanded(const Config& c) {
  std::string out;
  if (auto p = c.profile()) out += "# effective configuration: profile " + *p + " merged\n";
  print_sets(c.effective().sets(), out);
  return out;
}

}  // namespace pw::policy
