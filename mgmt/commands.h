// The commands of the control socket, in one table that both ends use: the `printwall` CLI parses,
// completes and explains them from it; printwalld dispatches and checks roles with it.
//
// Protocol (docs/control.md): line-delimited JSON over a Unix stream socket
// (/run/printwall/control.sock). A request is one line
//   {"id": 7, "cmd": "show statistics", "args": {...}}
// and each request gets one reply line
//   {"id": 7, "code": 0, "message": "...", "data": ...}
// with a stable numeric code (ReplyCode). A streaming command (`monitor events`) answers code 0
// and then sends {"id": 7, "event": {...}} lines until the client closes the connection.
// The peer's identity comes from SO_PEERCRED, never from the request.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pw::mgmt {

enum ReplyCode : int {
  kOk = 0,
  kUsage = 1,        // bad or missing arguments
  kUnknownCommand = 2,
  kDenied = 3,       // the peer's roles do not allow it (audited)
  kConfigError = 4,  // the configuration does not parse, validate or compile: `errors`
  kConflict = 5,     // not in this mode, nothing to commit, another commit running, ...
  kNotFound = 6,     // no such rollback point, flow, ...
  kInternal = 7,
  kBadRequest = 8,   // not JSON, too long, missing id/cmd
  kTooLarge = 9,     // the reply would exceed the control socket's reply cap: ask for less
};
const char* reply_code_name(int code);

// Roles (bits), from the peer's Unix groups (mgmt/roles.h).
inline constexpr uint8_t kRoleOperator = 1;  // group printwall: show
inline constexpr uint8_t kRoleAdmin = 2;     // group printwall-admin: configure
inline constexpr uint8_t kRoleSecurity = 4;  // group printwall-security: security statements

enum class Mode : uint8_t { Operational = 1, Configuration = 2, Both = 3 };

struct ArgSpec {
  const char* name;   // keyword the value follows ("printer 198.18.20.5"); "" for positional
  const char* help;
  const char* hint;   // value kind for help and completion: "ADDRESS", "N", "FILE", ... ("": flag)
};

struct CommandSpec {
  const char* name;  // words: "show statistics"
  const char* help;
  uint8_t roles;     // any of these bits allows it
  Mode mode;
  std::vector<ArgSpec> args;
  bool rest = false;    // the rest of the line is one argument "line" (set/delete statements)
  bool stream = false;  // replies keep coming
};

const std::vector<CommandSpec>& command_table();
const CommandSpec* find_command(std::string_view name);

// A CLI line turned into a request's cmd and args. `error` is set (and spec may be null) when
// the line is not a command of `mode`; `suggestion` names the nearest command word.
struct ParsedCommand {
  const CommandSpec* spec = nullptr;
  nlohmann::json args = nlohmann::json::object();
  std::string error;
  std::string suggestion;
};
ParsedCommand parse_command(std::string_view line, Mode mode);

// The words that may follow `line` (for tab completion and `?`): command words, argument
// keywords; for a `set`/`delete` line, the configuration schema's next keywords.
struct Completion {
  std::string word;
  std::string help;
};
// Names the daemon knows, for completion: the services and groups of the configuration (its
// profile's included), the printers with flows in the tables.
struct KnownNames {
  std::vector<std::string> services, groups, printers;
};
// The next words of `line` in `mode`: command words, argument keywords, schema keywords and
// values, and with `names` the services, groups and printers that exist.
std::vector<Completion> complete(std::string_view line, Mode mode, const KnownNames* names = nullptr);

// Requests larger than this are refused (kBadRequest) and the connection closed.
inline constexpr size_t kMaxRequestBytes = 1u << 20;
// The client's cap on one reply line (a whole log export is one reply).
inline constexpr size_t kMaxReplyBytes = 256u << 20;

}  // namespace pw::mgmt
