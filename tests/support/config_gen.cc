#include "tests/support/config_gen.h"

#include <map>
#include <random>
#include <set>
#include <vector>

#include "policy/config.h"
#include "policy/config_lexer.h"
#include "policy/config_schema.h"

namespace pw::testing {

using policy::SchemaNode;
using policy::ValueType;

namespace {

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  uint64_t range(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }

  std::string value(const SchemaNode& n) {
    switch (n.type) {
      case ValueType::Flag: return "";
      case ValueType::Name: {
        static const char* const kNames[] = {"a", "mgmt", "print-servers", "x_1", "z9", "ldap"};
        return kNames[pick(std::size(kNames))];
      }
      case ValueType::String: {
        static const char* const kStrings[] = {"hello", "two words", "quote \" inside",
                                               "back\\slash", "# not a comment", ""};
        return policy::quote_if_needed(kStrings[pick(std::size(kStrings))]);
      }
      case ValueType::Enum: return std::string(n.choices[pick(n.choices.size())]);
      case ValueType::UInt: return std::to_string(range(n.min, std::min<uint64_t>(n.max, n.min + 100000)));
      case ValueType::Port: return std::to_string(range(1, 65535));
      case ValueType::PortRange: {
        uint64_t a = range(1, 65535), b = range(a, std::min<uint64_t>(65535, a + 50));
        return a == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b);
      }
      case ValueType::Prefix:
        if (pick(2)) {
          int len = static_cast<int>(range(8, 32));
          uint32_t a = (198u << 24) | (18u << 16) | static_cast<uint32_t>(range(0, 0x1ffff));
          a &= len == 0 ? 0 : ~uint32_t{0} << (32 - len);
          return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
                 std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255) + "/" +
                 std::to_string(len);
        } else {
          static const char* const kV6[] = {"2001:db8::/32", "2001:db8:1::/48", "2001:db8:0:20::/64",
                                            "2001:db8::5/128", "2001:0db8:0000:0030::/64"};
          return kV6[pick(std::size(kV6))];
        }
      case ValueType::Address: {
        static const char* const kA[] = {"198.18.30.5", "198.19.0.1", "2001:db8::514",
                                         "2001:DB8:0:0::1"};
        return kA[pick(std::size(kA))];
      }
      case ValueType::Duration: {
        static const char* const kU[] = {"", "s", "m", "h", "d"};
        return std::to_string(range(1, 300)) + kU[pick(std::size(kU))];
      }
      case ValueType::Size: {
        static const char* const kU[] = {"", "K", "M", "G"};
        return std::to_string(range(0, 900)) + kU[pick(std::size(kU))];
      }
      case ValueType::Ethertype: {
        static const char* const kE[] = {"eapol", "lldp", "0x88CC", "0x0806", "0x9000"};
        return kE[pick(std::size(kE))];
      }
      case ValueType::Keyword: {
        static const char* const kK[] = {"DMINFO", "fsquery", "TIMEOUT", "showpage", "setcolorspace",
                                         "INFO", "HOLDKEY", "x.y-z_1"};
        return kK[pick(std::size(kK))];
      }
    }
    return "";
  }

  // One random set statement: words and whether its leaf is single-valued.
  std::string statement(std::string* single_path) {
    const SchemaNode* n = &policy::schema_root();
    std::string line;
    single_path->clear();
    while (true) {
      const SchemaNode& c = n->children[pick(n->children.size())];
      if (!line.empty()) line += ' ';
      line += c.keyword;
      if (c.kind == SchemaNode::Kind::Container) {
        n = &c;
        continue;
      }
      if (c.kind == SchemaNode::Kind::Tag) {
        line += ' ';
        line += c.type == ValueType::Enum ? std::string(c.choices[pick(c.choices.size())]) : value(c);
        if (pick(8) == 0) return line;  // bare tag
        n = &c;
        continue;
      }
      if (c.type == ValueType::Flag) return line;
      if (!c.multi) *single_path = line;
      return line + " " + value(c);
    }
  }

 private:
  std::mt19937 rng_;
};

}  // namespace

std::string random_config(uint32_t seed, size_t n) {
  Gen g(seed);
  std::string out = "# generated, seed " + std::to_string(seed) + "\n";
  std::vector<std::string> set_lines;
  std::set<std::string> singles;
  const policy::Config* base = nullptr;
  if (g.pick(2)) {
    const char* prof = g.pick(2) ? "small-office" : "enterprise";
    out += "set profile " + std::string(prof) + "\n";
    base = policy::builtin_profile(prof);
  }
  // Paths deleted so far: a later delete at or under one of them would find nothing.
  std::vector<std::string> gone;
  auto covered = [&](const std::string& l) {
    for (const auto& p : gone)
      if (l == p || l.rfind(p + " ", 0) == 0) return true;
    return false;
  };
  for (size_t i = 0; i < n; ++i) {
    size_t what = g.pick(10);
    if (what == 0 && base && !base->sets().empty()) {
      // Delete a statement of the profile.
      auto it = base->sets().begin();
      std::advance(it, static_cast<long>(g.pick(base->sets().size())));
      std::string l = it->second.text();
      if (covered(l)) continue;
      out += "delete " + l + "\n";
      // The same statement set by the admin earlier goes with it.
      std::erase_if(set_lines,
                    [&](const std::string& x) { return x == l || x.rfind(l + " ", 0) == 0; });
      gone.push_back(l);
      continue;
    }
    if (what == 1 && !set_lines.empty()) {
      // Delete something set earlier, with everything under it.
      std::string l = set_lines[g.pick(set_lines.size())];
      out += "delete " + l + "\n";
      std::erase_if(set_lines,
                    [&](const std::string& x) { return x == l || x.rfind(l + " ", 0) == 0; });
      gone.push_back(l);
      continue;
    }
    std::string single;
    std::string l = g.statement(&single);
    if (l.rfind("profile ", 0) == 0) continue;
    if (!single.empty() && !singles.insert(single).second) continue;  // avoid conflicts
    set_lines.push_back(l);
    out += (g.pick(6) == 0 ? "  set  " : "set ") + l + (g.pick(5) == 0 ? "  # note\n" : "\n");
  }
  return out;
}

std::string large_policy_config(size_t n) {
  std::string out = "set profile enterprise\nset printer-network 198.18.20.0/22\n"
                    "set printer-network 2001:db8:20::/48\n";
  const size_t kGroups = 40;
  for (size_t g = 0; g < kGroups; ++g) {
    out += "set group extra" + std::to_string(g) + " address 198.19." + std::to_string(g) +
           ".0/24\n";
    out += "set group extra" + std::to_string(g) + " address 2001:db8:" + std::to_string(100 + g) +
           "::/48\n";
  }
  for (size_t i = 0; i < n; ++i) {
    std::string s = "set service extra" + std::to_string(i);
    uint32_t port = 20000 + static_cast<uint32_t>(i % 20000);
    out += s + " direction " + (i % 2 ? "to-printers" : "from-printers") + "\n";
    out += s + " protocol " + (i % 3 ? "tcp" : "udp") + "\n";
    out += s + " port " + std::to_string(port);
    if (i % 7 == 0) out.append("-").append(std::to_string(port + 10));
    out += '\n';
    out += s + " peer-group extra" + std::to_string(i % kGroups) + "\n";
    if (i % 5 == 0) out += s + " peer-group extra" + std::to_string((i + 1) % kGroups) + "\n";
  }
  return out;
}

}  // namespace pw::testing
