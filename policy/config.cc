#include "policy/config.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "policy/config_lexer.h"
#include "policy/profiles_data.h"

namespace pw::policy {

std::string ConfigError::str() const {
  std::string s = loc.file.empty() ? std::string("<input>") : loc.file;
  s.append(":").append(std::to_string(loc.line));
  if (loc.column) s.append(":").append(std::to_string(loc.column));
  return s.append(": error: ").append(reason);
}

Statement::Key Statement::key() const {
  Key k;
  k.reserve(path.size() + 1);
  for (const auto& s : path) k.push_back(s.sort_key);
  if (value) k.push_back(value->sort_key);
  return k;
}

std::string Statement::text() const {
  std::string t;
  for (const auto& s : path) {
    if (!t.empty()) t += ' ';
    t += quote_if_needed(s.text);
  }
  if (value) t += " " + quote_if_needed(value->text);
  return t;
}

namespace {

bool starts_with(const Statement::Key& k, const Statement::Key& prefix) {
  return k.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), k.begin());
}

Statement::Key path_key(const Statement& s) {
  Statement::Key k;
  for (const auto& p : s.path) k.push_back(p.sort_key);
  return k;
}

// Erases every entry of `m` whose key starts with `prefix`; returns how many.
size_t erase_prefix(Config::Map& m, const Statement::Key& prefix) {
  size_t n = 0;
  for (auto it = m.lower_bound(prefix); it != m.end() && starts_with(it->first, prefix);) {
    it = m.erase(it);
    ++n;
  }
  return n;
}

bool any_prefix(const Config::Map& m, const Statement::Key& prefix) {
  auto it = m.lower_bound(prefix);
  return it != m.end() && starts_with(it->first, prefix);
}

// Adds the bare tag statements ("service ipp") for every tag on the statement's path, so that
// a tag stays defined when its last leaf is deleted (as in JunOS).
void add_tag_parents(Config::Map& m, const Statement& s) {
  const SchemaNode* n = &schema_root();
  size_t i = 0;
  while (i < s.path.size()) {
    const SchemaNode* c = n->child(s.path[i].text);
    if (!c) return;
    n = c;
    if (c->kind != SchemaNode::Kind::Tag) {
      ++i;
      continue;
    }
    if (s.path.size() > i + 2) {
      Statement t;
      t.path.assign(s.path.begin(), s.path.begin() + static_cast<long>(i) + 2);
      t.node = c;
      t.loc = s.loc;
      t.value_column = s.loc.column;
      m.try_emplace(t.key(), t);
    }
    i += 2;
  }
}

}  // namespace

bool Config::set(const Statement& s, bool strict, ConfigError* err) {
  if (s.is_leaf() && !s.node->multi) {
    Statement::Key pk = path_key(s);
    auto it = sets_.lower_bound(pk);
    if (it != sets_.end() && starts_with(it->first, pk) && it->first.size() == pk.size() + 1) {
      if (strict && it->second.value && s.value && it->second.value->text != s.value->text) {
        if (err) {
          err->loc = s.loc;
          err->loc.column = s.value_column;
          err->reason = "conflicting statements: '" + it->second.text() + "' at line " +
                        std::to_string(it->second.loc.line) + " already sets this to another value";
        }
        return false;
      }
      sets_.erase(it);
    }
  }
  add_tag_parents(sets_, s);
  sets_[s.key()] = s;
  return true;
}

bool Config::remove(const Statement& d, ConfigError* err) {
  Statement::Key k = d.key();
  bool found = erase_prefix(sets_, k) > 0;
  if (auto prof = profile(); prof && d.path.front().text != "profile") {
    const Config* base = builtin_profile(*prof);
    if (base && any_prefix(base->sets_, k) && !deletes_.contains(k)) {
      // A delete at a path covers narrower deletes recorded earlier.
      erase_prefix(deletes_, k);
      deletes_[k] = d;
      found = true;
    }
  }
  if (!found && err) {
    err->loc = d.loc;
    err->loc.column = d.value_column;
    err->reason = "nothing to delete: '" + d.text() + "' is not in the configuration";
  }
  return found;
}

std::optional<std::string> Config::profile() const {
  for (const auto& [k, s] : sets_)
    if (s.path.size() == 1 && s.path[0].text == "profile" && s.value) return s.value->text;
  return std::nullopt;
}

Config Config::effective() const {
  Config out;
  if (auto prof = profile()) {
    if (const Config* base = builtin_profile(*prof)) {
      out.sets_ = base->sets_;
      for (const auto& [k, d] : deletes_) erase_prefix(out.sets_, k);
    }
  }
  for (const auto& [k, s] : sets_) out.set(s, false, nullptr);
  return out;
}

std::vector<const Statement*> Config::under(const Statement::Key& prefix) const {
  std::vector<const Statement*> v;
  for (auto it = sets_.lower_bound(prefix); it != sets_.end() && starts_with(it->first, prefix);
       ++it)
    v.push_back(&it->second);
  return v;
}

bool Config::operator==(const Config& o) const {
  auto same = [](const Map& a, const Map& b) {
    if (a.size() != b.size()) return false;
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
      if (i->first != j->first) return false;
    return true;
  };
  return same(sets_, o.sets_) && same(deletes_, o.deletes_);
}

std::optional<ParsedLine> parse_line(std::string_view line, const SourceLoc& where,
                                     ConfigError* err) {
  std::vector<Token> toks;
  LexError le;
  auto fail = [&](uint32_t col, std::string reason) -> std::optional<ParsedLine> {
    if (err) {
      err->loc = where;
      err->loc.column = col;
      err->reason = std::move(reason);
    }
    return std::nullopt;
  };
  if (!lex_line(line, toks, le)) return fail(le.column, le.reason);
  if (toks.empty()) {
    if (err) err->reason.clear();
    return std::nullopt;
  }
  ParsedLine pl;
  const Token& verb = toks[0];
  if (verb.text == "set" && !verb.quoted) {
    pl.op = Op::Set;
  } else if (verb.text == "delete" && !verb.quoted) {
    pl.op = Op::Delete;
  } else {
    std::string r = "unknown command '" + verb.text + "': expected 'set' or 'delete'";
    if (auto m = did_you_mean(verb.text, {"set", "delete"})) r += " (did you mean '" +
                                                                 std::string(*m) + "'?)";
    return fail(verb.column, r);
  }
  Statement& st = pl.statement;
  st.loc = where;
  st.loc.column = verb.column;
  const SchemaNode* node = &schema_root();
  const uint32_t end_col = static_cast<uint32_t>(line.size() + 1);
  size_t i = 1;
  auto expected = [](const SchemaNode& n) {
    std::string s;
    for (const auto& c : n.children) s += (s.empty() ? "" : ", ") + std::string(c.keyword);
    return s;
  };
  auto keywords = [](const SchemaNode& n) {
    std::vector<std::string_view> v;
    for (const auto& c : n.children) v.push_back(c.keyword);
    return v;
  };
  std::string why;
  while (true) {
    // node is a Container, or a Tag whose key has been consumed: next comes a keyword.
    if (i >= toks.size()) {
      if (pl.op == Op::Delete && node != &schema_root()) break;  // delete a whole subtree
      return fail(end_col, "incomplete statement: expected one of " + expected(*node));
    }
    const Token& t = toks[i];
    const SchemaNode* c = t.quoted ? nullptr : node->child(t.text);
    if (!c) {
      std::string r = "unknown keyword '" + t.text + "'";
      if (!st.path.empty()) {
        r += " after '";
        for (size_t k = 0; k < st.path.size(); ++k) r += (k ? " " : "") + st.path[k].text;
        r += "'";
      }
      if (auto m = did_you_mean(t.text, keywords(*node)))
        r += " (did you mean '" + std::string(*m) + "'?)";
      else
        r += ": expected one of " + expected(*node);
      return fail(t.column, r);
    }
    char kbuf[16];
    std::snprintf(kbuf, sizeof kbuf, "k%04d", node->child_index(c));
    st.path.push_back({std::string(c->keyword), kbuf});
    st.node = c;
    st.value_column = t.column;
    ++i;
    if (c->kind == SchemaNode::Kind::Container) {
      node = c;
      continue;
    }
    if (c->kind == SchemaNode::Kind::Tag) {
      if (i >= toks.size()) {
        if (pl.op == Op::Delete) break;
        return fail(end_col, "incomplete statement: '" + std::string(c->keyword) +
                                 "' needs a " + value_type_name(c->type));
      }
      auto v = canonical_value(*c, toks[i].text, &why);
      if (!v) return fail(toks[i].column, why);
      st.path.push_back({v->text, v->sort_key});
      st.value_column = toks[i].column;
      ++i;
      node = c;
      if (i >= toks.size()) break;  // bare tag: defines it
      continue;
    }
    // Leaf.
    if (c->type == ValueType::Flag) {
      if (i < toks.size())
        return fail(toks[i].column, "'" + std::string(c->keyword) + "' takes no value, got '" +
                                        toks[i].text + "'");
      break;
    }
    if (i >= toks.size()) {
      if (pl.op == Op::Delete) break;
      return fail(end_col, "incomplete statement: '" + std::string(c->keyword) + "' needs a " +
                               value_type_name(c->type) + " value");
    }
    auto v = canonical_value(*c, toks[i].text, &why);
    if (!v) return fail(toks[i].column, why);
    st.value = Segment{v->text, v->sort_key};
    st.value_column = toks[i].column;
    ++i;
    if (i < toks.size())
      return fail(toks[i].column, "unexpected '" + toks[i].text + "' after the value of '" +
                                      std::string(c->keyword) + "'" +
                                      (c->multi ? " (give one value per line)" : ""));
    break;
  }
  if (err) err->reason.clear();
  return pl;
}

ParseResult parse_config(std::string_view text, std::string_view filename) {
  ParseResult r;
  if (text.size() > kMaxConfigBytes) {
    r.errors.push_back({{std::string(filename), 0, 0},
                        "configuration larger than " + std::to_string(kMaxConfigBytes) + " bytes"});
    return r;
  }
  std::vector<ParsedLine> lines;
  uint32_t lineno = 0;
  size_t pos = 0;
  while (pos <= text.size() && r.errors.size() < kMaxErrors) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++lineno;
    ConfigError e;
    if (auto pl = parse_line(line, {std::string(filename), lineno, 0}, &e)) {
      lines.push_back(std::move(*pl));
    } else if (!e.reason.empty()) {
      r.errors.push_back(std::move(e));
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  // The profile is the base of every other statement: apply it first.
  auto is_profile = [](const ParsedLine& l) {
    return l.statement.path.size() == 1 && l.statement.path[0].text == "profile";
  };
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& l : lines) {
      if (is_profile(l) != (pass == 0)) continue;
      if (r.errors.size() >= kMaxErrors) break;
      ConfigError e;
      bool ok = l.op == Op::Set ? r.config.set(l.statement, true, &e)
                                : r.config.remove(l.statement, &e);
      if (!ok) r.errors.push_back(std::move(e));
    }
  }
  if (r.errors.size() >= kMaxErrors)
    r.errors.push_back({{std::string(filename), lineno, 0}, "too many errors, giving up"});
  return r;
}

ParseResult load_config_file(const std::string& path) {
  ParseResult r;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    r.errors.push_back({{path, 0, 0}, "cannot open configuration file"});
    return r;
  }
  std::string text;
  text.resize(kMaxConfigBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) {
    r.errors.push_back({{path, 0, 0}, "cannot read configuration file"});
    return r;
  }
  return parse_config(text, path);
}

std::string_view builtin_profile_text(std::string_view name) {
  for (const auto& p : kBuiltinProfiles)
    if (p.name == name) return p.text;
  return {};
}

const Config* builtin_profile(std::string_view name) {
  struct Parsed {
    std::string_view name;
    Config config;
  };
  static const std::vector<Parsed> parsed = [] {
    std::vector<Parsed> v;
    for (const auto& p : kBuiltinProfiles) {
      ParseResult r = parse_config(p.text, std::string("profile:") + std::string(p.name));
      // The profiles are tested to parse cleanly; a broken one yields an empty base.
      v.push_back({p.name, r.ok() ? std::move(r.config) : Config{}});
    }
    return v;
  }();
  for (const auto& p : parsed)
    if (p.name == name) return &p.config;
  return nullptr;
}

}  // namespace pw::policy
