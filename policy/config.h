// A configuration as statements, and the set-command parser that builds it.
//
// An admin configuration is an overlay on an optional built-in profile (`set profile X`): its
// `sets` replace single-valued leaves of the profile and add to multi-valued ones, its `deletes`
// remove statements of the profile. `effective()` merges the two into the configuration that is
// compiled. Statements are kept in canonical order (schema order; values in natural order), so
// printing is stable and two equal configurations print identically.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/config_schema.h"

namespace pw::policy {

struct SourceLoc {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
};

struct ConfigError {
  ConfigError() = default;
  ConfigError(SourceLoc l, std::string r) : loc(std::move(l)), reason(std::move(r)) {}
  SourceLoc loc;
  std::string reason;
  // "FILE:LINE:COL: error: REASON"
  std::string str() const;
};

struct Segment {
  std::string text;      // canonical spelling
  std::string sort_key;  // orders segments of one level
};

struct Statement {
  std::vector<Segment> path;     // keywords and tag keys, without the value
  std::optional<Segment> value;  // leaf value; none for flags, bare tags and container deletes
  const SchemaNode* node = nullptr;  // schema node the path ends on
  SourceLoc loc;                     // where the statement starts
  uint32_t value_column = 0;         // column of the value (or of the last word)

  using Key = std::vector<std::string>;
  Key key() const;
  std::string text() const;  // canonical words without set/delete: "service ipp port 631"
  bool is_leaf() const { return node && node->kind == SchemaNode::Kind::Leaf; }
};

class Config {
 public:
  using Map = std::map<Statement::Key, Statement>;

  // Adds a statement. `strict` (files) makes a second, different value for a single-valued leaf
  // an error instead of a replacement (interactive `set` replaces).
  bool set(const Statement& s, bool strict, ConfigError* err);
  // Removes everything at or under `d`'s path (and value): from this overlay, and from the base
  // profile by recording a delete. Fails when nothing matches.
  bool remove(const Statement& d, ConfigError* err);

  const Map& sets() const { return sets_; }
  const Map& deletes() const { return deletes_; }
  std::optional<std::string> profile() const;
  bool empty() const { return sets_.empty() && deletes_.empty(); }

  // The overlay applied to its profile: only sets, no deletes.
  Config effective() const;

  // Statements at or under `prefix` (a key prefix).
  std::vector<const Statement*> under(const Statement::Key& prefix) const;

  bool operator==(const Config& o) const;

 private:
  Map sets_;
  Map deletes_;
};

struct ParseResult {
  Config config;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

inline constexpr size_t kMaxConfigBytes = 16u << 20;
inline constexpr size_t kMaxErrors = 100;

// Parses a whole configuration (a file's text). The profile statement is applied before the
// others, whatever its line. Errors carry `filename`, line and column.
ParseResult parse_config(std::string_view text, std::string_view filename);
// Reads and parses a file; an unreadable or over-large file is an error at line 0.
ParseResult load_config_file(const std::string& path);

enum class Op : uint8_t { Set, Delete };
struct ParsedLine {
  Op op = Op::Set;
  Statement statement;
};
// Parses one line (`set ...` / `delete ...`). Returns nullopt for a blank or comment line with
// no error; on error returns nullopt and fills `err`.
std::optional<ParsedLine> parse_line(std::string_view line, const SourceLoc& where,
                                     ConfigError* err);

// The built-in profile's statements, or nullptr for an unknown name.
const Config* builtin_profile(std::string_view name);
// The profile's text as shipped (with its comments).
std::string_view builtin_profile_text(std::string_view name);

}  // namespace pw::policy
