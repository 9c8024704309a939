#include "mgmt/commands.h"

#include <algorithm>
#include <sstream>

#include "policy/config_schema.h"

namespace pw::mgmt {

const char* reply_code_name(int code) {
  switch (code) {
    case kOk: return "ok";
    case kUsage: return "usage";
    case kUnknownCommand: return "unknown-command";
    case kDenied: return "denied";
    case kConfigError: return "config-error";
    case kConflict: return "conflict";
    case kNotFound: return "not-found";
    case kInternal: return "internal";
    case kBadRequest: return "bad-request";
    case kTooLarge: return "too-large";
  }
  return "unknown";
}

namespace {

constexpr uint8_t kAnyone = kRoleOperator | kRoleAdmin | kRoleSecurity;
constexpr uint8_t kConfigurers = kRoleAdmin | kRoleSecurity;

std::vector<CommandSpec> build() {
  using M = Mode;
  return {
      // Operational mode.
      {"show configuration", "the running configuration (set-commands)", kAnyone, M::Both,
       {{"expanded", "with every statement the profile contributes", ""}}},
      {"show statistics", "counters per port, worker and reason", kAnyone, M::Both, {}},
      {"show flows", "flows in the tables (filters combine)", kAnyone, M::Both,
       {{"printer", "flows of this printer", "ADDRESS"},
        {"protocol", "tcp, udp or icmp", "PROTO"},
        {"app", "the application nDPI named (TLS, FTP, ...)", "APP"},
        {"state", "syn, established, closing, udp, icmp", "STATE"},
        {"limit", "at most this many (default 100)", "N"}}},
      {"show events", "the latest events (filters combine)", kAnyone, M::Both,
       {{"last", "how many (default 20)", "N"},
        {"reason", "only this reason code", "REASON"},
        {"action", "drop, reject, alert or block", "ACTION"},
        {"src", "source address", "ADDRESS"},
        {"dst", "destination address", "ADDRESS"}}},
      {"monitor events", "events as they happen (Ctrl-C stops)", kAnyone, M::Operational,
       {{"reason", "only this reason code", "REASON"}}, false, true},
      {"show policy", "the compiled service table, per direction", kAnyone, M::Both, {}},
      {"show interfaces", "ports by role: device, link, counters", kAnyone, M::Both, {}},
      {"show system", "version, uptime, lcores, memory, policy generation", kAnyone, M::Both, {}},
      {"show system commit", "commit history (rollback points)", kAnyone, M::Both, {}},
      {"show log events", "the local event log", kAnyone, M::Both,
       {{"last", "how many (default 20)", "N"},
        {"export", "write it all as csv or json", "csv|json"}}},
      {"show log audit", "the local audit log", kAnyone, M::Both,
       {{"last", "how many (default 20)", "N"},
        {"export", "write it all as csv or json", "csv|json"}}},
      {"clear statistics", "reset the counters shown by show statistics", kConfigurers,
       M::Operational, {}},
      {"clear flows", "remove every flow (connections must start again)", kConfigurers,
       M::Operational, {}},
      {"show blocked-sources", "sources blocked toward the printers after failed logins",
       kAnyone, M::Both, {}},
      {"clear blocked-sources", "lift the block of one source, or of every source", kConfigurers,
       M::Operational, {{"address", "only this source", "ADDRESS"}}},
      {"configure", "enter configuration mode (a private candidate configuration)", kConfigurers,
       M::Operational, {}},
      // Configuration mode.
      {"set", "add or change a statement: set <path> <value>", kConfigurers, M::Configuration,
       {}, true},
      {"delete", "remove a statement or a subtree: delete <path> [value]", kConfigurers,
       M::Configuration, {}, true},
      {"show | compare", "the candidate's changes against the running configuration",
       kConfigurers, M::Configuration,
       {{"rollback", "against rollback point N instead (0 = running)", "N"}}},
      {"show candidate", "the candidate configuration", kConfigurers, M::Configuration, {}},
      {"commit check", "validate and compile the candidate, change nothing", kConfigurers,
       M::Configuration, {}},
      {"commit", "make the candidate the running configuration", kConfigurers, M::Configuration,
       {{"comment", "a comment for the history", "TEXT"},
        {"confirmed", "roll back after N minutes unless confirmed by a plain commit", "N"},
        {"and-quit", "then leave configuration mode", ""}}},
      {"rollback", "load rollback point N (0 = running) into the candidate", kConfigurers,
       M::Configuration, {{"", "rollback point", "N"}}},
      {"load merge", "apply a file's statements on top of the candidate", kConfigurers,
       M::Configuration, {{"", "file of set-commands", "FILE"}}},
      {"load replace", "replace the candidate with a file", kConfigurers, M::Configuration,
       {{"", "file of set-commands", "FILE"}}},
      {"exit", "leave configuration mode (the candidate is discarded)", kConfigurers,
       M::Configuration, {{"discard", "discard uncommitted changes without asking", ""}}},
  };
}

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> w;
  std::istringstream in{std::string(line)};
  std::string x;
  while (in >> x) w.push_back(x);
  return w;
}

bool in_mode(const CommandSpec& c, Mode m) {
  return (static_cast<uint8_t>(c.mode) & static_cast<uint8_t>(m)) != 0;
}

}  // namespace

const std::vector<CommandSpec>& command_table() {
  static const std::vector<CommandSpec> t = build();
  return t;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& c : command_table())
    if (name == c.name) return &c;
  return nullptr;
}

ParsedCommand parse_command(std::string_view line, Mode mode) {
  ParsedCommand r;
  std::vector<std::string> w = words(line);
  if (w.empty()) {
    r.error = "empty command";
    return r;
  }
  // The longest command name whose words start the line.
  size_t best_len = 0;
  for (const auto& c : command_table()) {
    if (!in_mode(c, mode)) continue;
    std::vector<std::string> cw = words(c.name);
    if (cw.size() > w.size() || cw.size() <= best_len) continue;
    if (std::equal(cw.begin(), cw.end(), w.begin())) {
      r.spec = &c;
      best_len = cw.size();
    }
  }
  if (!r.spec) {
    std::vector<std::string> firsts;
    for (const auto& c : command_table())
      if (in_mode(c, mode)) firsts.push_back(words(c.name)[0]);
    std::sort(firsts.begin(), firsts.end());
    firsts.erase(std::unique(firsts.begin(), firsts.end()), firsts.end());
    std::vector<std::string_view> views(firsts.begin(), firsts.end());
    bool first_known = std::find(firsts.begin(), firsts.end(), w[0]) != firsts.end();
    std::string_view probe = w[0];
    if (first_known && w.size() > 1) {
      // "show statstics": suggest among the words after the first.
      views.clear();
      firsts.clear();
      for (const auto& c : command_table()) {
        std::vector<std::string> cw = words(c.name);
        if (in_mode(c, mode) && cw.size() > 1 && cw[0] == w[0]) firsts.push_back(cw[1]);
      }
      views.assign(firsts.begin(), firsts.end());
      probe = w[1];
    }
    r.error = "unknown command '" + std::string(line) + "'";
    if (auto m = policy::did_you_mean(probe, views)) r.suggestion = std::string(*m);
    if (mode == Mode::Operational && (w[0] == "set" || w[0] == "delete" || w[0] == "commit"))
      r.error += " (in operational mode; 'configure' first)";
    return r;
  }
  const CommandSpec& c = *r.spec;
  size_t i = best_len;
  if (c.rest) {
    // set/delete: the whole line goes to the configuration parser, which names columns.
    r.args["line"] = std::string(line.substr(line.find_first_not_of(" \t")));
    return r;
  }
  while (i < w.size()) {
    const ArgSpec* a = nullptr;
    for (const auto& s : c.args)
      if (w[i] == s.name && *s.name) a = &s;
    if (!a) {
      // Positional argument (rollback N, load FILE).
      const ArgSpec* pos = nullptr;
      for (const auto& s : c.args)
        if (!*s.name && !r.args.contains("value")) pos = &s;
      if (pos) {
        r.args["value"] = w[i++];
        continue;
      }
      std::vector<std::string_view> names;
      for (const auto& s : c.args)
        if (*s.name) names.push_back(s.name);
      r.error = "'" + std::string(c.name) + "': unexpected '" + w[i] + "'";
      if (auto m = policy::did_you_mean(w[i], names)) r.suggestion = std::string(*m);
      r.spec = nullptr;
      return r;
    }
    ++i;
    if (!*a->hint) {
      r.args[a->name] = true;
      continue;
    }
    if (i >= w.size()) {
      r.error = "'" + std::string(c.name) + " " + a->name + "' needs a value (" + a->hint + ")";
      r.spec = nullptr;
      return r;
    }
    if (std::string(a->name) == "comment") {
      // The comment is the rest of the line, quotes removed.
      std::string rest;
      for (size_t k = i; k < w.size(); ++k) rest += (rest.empty() ? "" : " ") + w[k];
      if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') rest = rest.substr(1, rest.size() - 2);
      r.args["comment"] = rest;
      break;
    }
    r.args[a->name] = w[i++];
  }
  for (const auto& s : c.args)
    if (!*s.name && !r.args.contains("value")) {
      r.error = "'" + std::string(c.name) + "' needs " + s.hint + " (" + s.help + ")";
      r.spec = nullptr;
      return r;
    }
  return r;
}

std::vector<Completion> complete(std::string_view line, Mode mode, const KnownNames* names) {
  std::vector<Completion> out;
  std::vector<std::string> w = words(line);
  bool partial = !line.empty() && line.back() != ' ' && line.back() != '\t';
  std::string prefix = partial && !w.empty() ? w.back() : "";
  std::vector<std::string> done(w.begin(), w.end() - (partial && !w.empty() ? 1 : 0));
  auto add = [&](std::string word, std::string help) {
    if (word.compare(0, prefix.size(), prefix) != 0) return;
    for (const auto& o : out)
      if (o.word == word) return;
    out.push_back({std::move(word), std::move(help)});
  };
  // set/delete: walk the schema.
  if (mode == Mode::Configuration && !done.empty() && (done[0] == "set" || done[0] == "delete")) {
    const policy::SchemaNode* n = &policy::schema_root();
    size_t i = 1;
    bool at_start = false;  // under a node read only when printwalld starts
    auto help_of = [&at_start](const policy::SchemaNode& c) {
      return std::string(c.help) + (at_start || c.restart ? " (at the next start)" : "");
    };
    while (i < done.size() && n) {
      const policy::SchemaNode* c = n->child(done[i]);
      if (!c) return out;
      at_start |= c->restart;
      ++i;
      if (c->kind == policy::SchemaNode::Kind::Tag) {
        if (i >= done.size()) {  // the tag's key comes next
          if (!c->choices.empty())
            for (auto ch : c->choices) add(std::string(ch), help_of(*c));
          else
            out.push_back({std::string("<").append(policy::value_type_name(c->type)).append(">"),
                           help_of(*c)});
          if (names && c->keyword == "service")
            for (const auto& n : names->services) add(n, "a service of the configuration");
          if (names && c->keyword == "group")
            for (const auto& n : names->groups) add(n, "a group of the configuration");
          return out;
        }
        ++i;  // skip the key
      } else if (c->kind == policy::SchemaNode::Kind::Leaf) {
        if (i >= done.size()) {
          for (auto ch : c->choices) add(std::string(ch), help_of(*c));
          if (c->choices.empty() && c->type != policy::ValueType::Flag)
            out.push_back({"<" + std::string(policy::value_type_name(c->type)) + ">", help_of(*c)});
          // A leaf that names a group (peer-group, printer-group, ...).
          if (names && std::string_view(c->keyword).ends_with("group"))
            for (const auto& n : names->groups) add(n, "a group of the configuration");
        }
        return out;
      }
      n = c;
    }
    if (n)
      for (const auto& c : n->children) add(std::string(c.keyword), help_of(c));
    return out;
  }
  // Commands: the next word of every command the finished words start.
  for (const auto& c : command_table()) {
    if (!in_mode(c, mode)) continue;
    std::vector<std::string> cw = words(c.name);
    if (done.size() < cw.size()) {
      if (std::equal(done.begin(), done.end(), cw.begin())) add(cw[done.size()], c.help);
    } else if (std::equal(cw.begin(), cw.end(), done.begin())) {
      // Argument keywords not used yet.
      // A keyword's value comes next: the printers the tables know, for `printer`.
      if (names && done.size() > cw.size() && done.back() == "printer" &&
          std::any_of(c.args.begin(), c.args.end(), [](const ArgSpec& a) { return std::string_view(a.name) == "printer"; })) {
        for (const auto& n : names->printers) add(n, "a printer with flows in the tables");
        return out;
      }
      for (const auto& a : c.args) {
        if (!*a.name) {
          if (done.size() == cw.size()) out.push_back({std::string("<") + a.hint + ">", a.help});
          continue;
        }
        if (std::find(done.begin() + static_cast<long>(cw.size()), done.end(), a.name) == done.end())
          add(a.name, a.help);
      }
    }
  }
  return out;
}

}  // namespace pw::mgmt
