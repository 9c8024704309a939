#include "policy/config_diff.h"

#include <algorithm>

#include "policy/config_printer.h"

namespace pw::policy {

namespace {

bool has_prefix(const Statement::Key& k, const Statement::Key& p) {
  return k.size() >= p.size() && std::equal(p.begin(), p.end(), k.begin());
}

std::string line(const char* verb, const Statement& s) {
  std::string l = statement_line(verb, s);
  l.pop_back();
  return l;
}

bool is_bare_tag(const Statement& s) {
  return s.node && s.node->kind == SchemaNode::Kind::Tag && !s.value;
}

Statement::Key path_key(const Statement& s) {
  Statement::Key k;
  for (const auto& p : s.path) k.push_back(p.sort_key);
  return k;
}

}  // namespace

std::vector<std::string> diff_configs(const Config& from, const Config& to) {
  std::vector<std::string> dels, sets;
  const auto& fs = from.sets();
  const auto& ts = to.sets();

  // Deletes of profile statements that `to` makes and `from` does not. Such a delete also
  // removes `from`'s own statements under it, so `to`'s are set again below.
  std::vector<Statement::Key> new_deletes;
  for (const auto& [k, d] : to.deletes())
    if (!from.deletes().contains(k)) {
      dels.push_back(line("delete", d));
      new_deletes.push_back(k);
    }
  auto under_new_delete = [&](const Statement::Key& k) {
    return std::any_of(new_deletes.begin(), new_deletes.end(),
                       [&](const Statement::Key& d) { return has_prefix(k, d); });
  };

  // The profile statements `to` keeps: removing `from`'s copy of one of them changes nothing,
  // and a single leaf whose override goes away falls back to the profile's value.
  const Config* base = nullptr;
  if (auto prof = to.profile()) base = builtin_profile(*prof);
  auto kept_by_base = [&](const Statement::Key& k) {
    if (!base || !base->sets().contains(k)) return false;
    return !std::any_of(to.deletes().begin(), to.deletes().end(),
                        [&](const auto& d) { return has_prefix(k, d.first); });
  };
  auto base_value = [&](const Statement& s) -> const Statement* {
    if (!base) return nullptr;
    for (const Statement* b : base->under(path_key(s)))
      if (b->value && b->path.size() == s.path.size() && kept_by_base(b->key())) return b;
    return nullptr;
  };

  // Profile statements that `from` deleted and `to` keeps: restore them with sets.
  for (const auto& [k, d] : from.deletes())
    if (base && !to.deletes().contains(k))
      for (const Statement* s : base->under(k))
        if (kept_by_base(s->key())) sets.push_back(line("set", *s));

  // Statements of `from` that `to` lacks. A removed tag is deleted once, as a whole.
  std::vector<Statement::Key> gone_tags;
  for (const auto& entry : fs) {
    const Statement::Key& k = entry.first;
    const Statement& s = entry.second;
    if (ts.contains(k) || under_new_delete(k) || kept_by_base(k)) continue;
    if (std::any_of(gone_tags.begin(), gone_tags.end(),
                    [&](const Statement::Key& g) { return has_prefix(k, g); }))
      continue;
    if (is_bare_tag(s)) {
      gone_tags.push_back(k);
      dels.push_back(line("delete", s));
      continue;
    }
    if (s.is_leaf() && !s.node->multi) {
      // A single-valued leaf that `to` sets to another value is replaced by the set below.
      Statement::Key pk = path_key(s);
      auto it = ts.lower_bound(pk);
      if (it != ts.end() && has_prefix(it->first, pk)) continue;
      if (const Statement* b = base_value(s)) {
        sets.push_back(line("set", *b));
        continue;
      }
      Statement bare = s;
      bare.value.reset();
      dels.push_back(line("delete", bare));
      continue;
    }
    dels.push_back(line("delete", s));
  }
  // Statements of `to` that `from` lacks; a bare tag only when nothing else under it is new.
  for (auto it = ts.begin(); it != ts.end(); ++it) {
    if (fs.contains(it->first) && !under_new_delete(it->first)) continue;
    const Statement& s = it->second;
    if (is_bare_tag(s)) {
      auto next = std::next(it);
      if (next != ts.end() && has_prefix(next->first, it->first)) continue;
    }
    sets.push_back(line("set", s));
  }
  // The profile line leads: deletes of profile statements only make sense against it.
  std::vector<std::string> out;
  auto prof_first = [](std::vector<std::string>& v) {
    std::stable_partition(v.begin(), v.end(), [](const std::string& l) {
      return l.rfind("set profile ", 0) == 0 || l == "delete profile";
    });
  };
  prof_first(dels);
  prof_first(sets);
  for (auto& l : sets)
    if (l.rfind("set profile ", 0) == 0) out.push_back(l);
  for (auto& l : dels) out.push_back(l);
  for (auto& l : sets)
    if (l.rfind("set profile ", 0) != 0) out.push_back(l);
  return out;
}

namespace {

bool restart_below(const SchemaNode& n) {
  for (const auto& c : n.children)
    if (c.restart || restart_below(c)) return true;
  return false;
}

}  // namespace

bool needs_restart(const Statement& s) {
  const SchemaNode* n = &schema_root();
  size_t i = 0;
  while (i < s.path.size()) {
    const SchemaNode* c = n->child(s.path[i].text);
    if (!c) return false;
    if (c->restart) return true;
    i += c->kind == SchemaNode::Kind::Tag ? 2 : 1;  // a tag's key follows it
    n = c;
  }
  // A delete of a whole container or tag: any restart-only statement under it.
  return n->kind != SchemaNode::Kind::Leaf && restart_below(*n);
}

std::vector<std::string> restart_lines(const std::vector<std::string>& diff) {
  std::vector<std::string> out;
  for (const auto& line : diff) {
    ConfigError e;
    auto pl = parse_line(line, {}, &e);
    if (pl && needs_restart(pl->statement)) out.push_back(line);
  }
  return out;
}

}  // namespace pw::policy
