// The configuration schema: which set-command paths exist and what their values are.
// The schema is data (a tree of nodes) so that the parser, the printer, the CLI's completion and
// docs/configuration.md all read one source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pw::policy {

enum class ValueType : uint8_t {
  Flag,       // no value: `set mirror all`
  Name,       // [a-z0-9][a-z0-9_-]{0,62}
  String,     // any printable text, quoted when needed
  Enum,       // one of `choices`
  UInt,       // decimal in [min, max]
  Port,       // 1..65535
  PortRange,  // N or N-M
  Prefix,     // CIDR v4/v6, host bits zero; bare address = host prefix
  Address,    // v4/v6 address
  Duration,   // 30s, 3m, 2h, 1d or seconds
  Size,       // 512, 64K, 100M, 1G (powers of 1024)
  Ethertype,  // 0x0600..0xffff or a name (eapol, lldp)
  Keyword,    // [A-Za-z][A-Za-z0-9_.+/-]{0,47}: a PJL command, PostScript operator, IPP operation, MIME type
};

const char* value_type_name(ValueType t);

struct SchemaNode {
  enum class Kind : uint8_t { Container, Tag, Leaf };
  std::string_view keyword;
  Kind kind = Kind::Container;
  ValueType type = ValueType::Flag;  // Leaf: the value; Tag: the key
  bool multi = false;                // Leaf only: the value may repeat
  uint64_t min = 0, max = 0;         // UInt bounds
  std::vector<std::string_view> choices;  // Enum
  std::string_view default_value;
  std::string_view help;
  std::vector<SchemaNode> children;  // Container and Tag
  // Statements under this node belong to the security administrator (mgmt roles).
  bool security = false;
  // Statements under this node take effect at the next start of printwalld (ports, lcores, table
  // sizes: what the dataplane allocates once); a commit records them and says so.
  bool restart = false;

  const SchemaNode* child(std::string_view kw) const;
  int child_index(const SchemaNode* c) const;
};

// The root of the schema (a Container with keyword "").
const SchemaNode& schema_root();

// A parsed, canonicalised value. `text` is the canonical spelling; `sort_key` orders values of
// one type naturally (ports numerically, prefixes by address).
struct CanonicalValue {
  std::string text;
  std::string sort_key;
};

// Canonicalises `raw` for `node` (a Leaf's value or a Tag's key). On error returns nullopt and
// sets `why` to a reason suitable for "FILE:LINE:COL: error: <why>".
std::optional<CanonicalValue> canonical_value(const SchemaNode& node, std::string_view raw,
                                              std::string* why);

// Numeric decodings of canonical values (assume the text was produced by canonical_value).
uint64_t duration_seconds(std::string_view canonical);
uint64_t size_bytes(std::string_view canonical);
uint16_t ethertype_value(std::string_view canonical);
struct PortRange {
  uint16_t lo = 0, hi = 0;
};
PortRange port_range(std::string_view canonical);

// The closest of `candidates` to `word` by edit distance, if close enough to be a typo.
std::optional<std::string_view> did_you_mean(std::string_view word,
                                             const std::vector<std::string_view>& candidates);

// Every path of the schema as one line each ("service <name> port <port-range> (multi)"):
// for `check-config --schema`, the docs and the CLI help.
std::vector<std::string> schema_paths();

}  // namespace pw::policy
