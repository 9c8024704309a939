#include "mgmt/roles.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <set>

#include "mgmt/config_session.h"

namespace pw::mgmt {

namespace {

uint8_t roles_of_group(std::string_view name) {
  if (name == kOperatorGroup) return kOperator;
  if (name == kAdminGroup) return kOperator | kAdmin;
  if (name == kSecurityGroup) return kOperator | kSecurity;
  return 0;
}

// The gid of a group, or nullopt when it does not exist.
std::optional<gid_t> group_id(std::string_view name) {
  std::string n(name);
  std::vector<char> buf(4096);
  while (true) {
    struct group gr {};
    struct group* res = nullptr;
    int rc = getgrnam_r(n.c_str(), &gr, buf.data(), buf.size(), &res);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc != 0 || !res) return std::nullopt;
    return res->gr_gid;
  }
}

policy::Statement::Key path_key(const policy::Statement& s) {
  policy::Statement::Key k;
  for (const auto& p : s.path) k.push_back(p.sort_key);
  return k;
}

bool single_leaf(const policy::Statement& s) { return s.is_leaf() && !s.node->multi; }

}  // namespace

uint8_t roles_of_groups(const std::vector<std::string>& group_names) {
  uint8_t r = 0;
  for (const auto& g : group_names) r |= roles_of_group(g);
  return r;
}

uint8_t roles_of(uid_t uid, gid_t gid) {
  if (uid == 0) return kAllRoles;
  std::vector<char> buf(4096);
  struct passwd pw {};
  struct passwd* res = nullptr;
  while (true) {
    int rc = getpwuid_r(uid, &pw, buf.data(), buf.size(), &res);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc != 0 || !res) return 0;  // unknown user: no roles
    break;
  }
  std::vector<gid_t> groups(64);
  while (true) {
    int n = static_cast<int>(groups.size());
    if (getgrouplist(pw.pw_name, gid, groups.data(), &n) >= 0) {
      groups.resize(static_cast<size_t>(n));
      break;
    }
    // Too small: n now holds the number needed (glibc); grow at least twofold otherwise.
    size_t want = std::max(static_cast<size_t>(std::max(n, 0)), groups.size() * 2);
    if (want > 65536) return 0;
    groups.resize(want);
  }
  uint8_t r = 0;
  for (std::string_view name : {kOperatorGroup, kAdminGroup, kSecurityGroup}) {
    auto g = group_id(name);
    if (g && std::find(groups.begin(), groups.end(), *g) != groups.end())
      r |= roles_of_group(name);
  }
  return r;
}

uint8_t required_roles(const policy::Statement& s) {
  const policy::SchemaNode* n = &policy::schema_root();
  size_t i = 0;
  while (i < s.path.size()) {
    const policy::SchemaNode* c = n->child(s.path[i].text);
    if (!c) break;
    if (c->security) return kSecurity;
    i += c->kind == policy::SchemaNode::Kind::Tag ? 2 : 1;  // a tag's key follows it
    n = c;
  }
  return kAdmin;
}

std::string role_names(uint8_t roles) {
  std::string s;
  auto add = [&](uint8_t bit, const char* name) {
    if (!(roles & bit)) return;
    if (!s.empty()) s += ',';
    s += name;
  };
  add(kOperator, "operator");
  add(kAdmin, "admin");
  add(kSecurity, "security");
  return s.empty() ? "none" : s;
}

std::vector<std::string> forbidden(const ConfigSession& session, uint8_t roles,
                                   uint8_t* missing) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  uint8_t need = 0;
  auto check = [&](const char* verb, const policy::Statement& s) {
    uint8_t req = required_roles(s);
    if ((req & roles) == req) return;
    need |= static_cast<uint8_t>(req & ~roles);
    std::string line = std::string(verb) + " " + s.text();
    if (seen.insert(line).second) out.push_back(std::move(line));
  };
  // Statements of `a` not in `b`. For a single-valued leaf that `b` sets to another value only
  // the set is reported (the statement and its role are the same).
  auto changes = [&](const policy::Config::Map& from, const policy::Config& to_cfg,
                     const policy::Config::Map& to) {
    for (const auto& [k, s] : from)
      if (!to.contains(k) && !(single_leaf(s) && !to_cfg.under(path_key(s)).empty()))
        check("delete", s);
    for (const auto& [k, s] : to)
      if (!from.contains(k)) check("set", s);
  };
  const policy::Config& run = session.running();
  const policy::Config& cand = session.candidate();
  // What was typed: the overlay, and its new deletes of profile statements.
  changes(run.sets(), cand, cand.sets());
  for (const auto& [k, d] : cand.deletes())
    if (!run.deletes().contains(k)) check("delete", d);
  // What it does: the effective configurations, profile merged.
  policy::Config run_eff = run.effective();
  policy::Config cand_eff = cand.effective();
  changes(run_eff.sets(), cand_eff, cand_eff.sets());
  if (missing) *missing = need;
  return out;
}

}  // namespace pw::mgmt
