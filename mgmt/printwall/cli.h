// The `printwall` thin client: `printwall [--socket PATH] [--json] [COMMAND...]` for the commands
// of a running printwalld (mgmt/commands.h has the table and the protocol).
//
// Three pieces, apart so that tests drive each without a terminal or a daemon:
//   ControlClient  the protocol: one Unix stream connection, JSON lines, ids, timeouts, caps;
//   CliSession     the client's state (mode, connection) and the command runner: ';'-separated
//                  lines, local parse errors, `load` reading the user's file, `monitor events`,
//                  the `exit` conflict, printing replies;
//   render_*       turning a reply's `data` into text (tables, key/value lines) or JSON lines.
// run_shell() adds the libedit shell on top (history, prompt, completion, `?`).
//
// Exit status: 0 all ok; 1 a command failed (non-zero reply code, local error, lost connection);
// 2 usage error (bad options, a one-shot line that does not parse); 3 cannot connect.
// A sequence of commands (one-shot `a; b; c`, or lines on standard input) stops at the first
// failure: `configure; set ...typo...; commit` must not commit half a change, and closing the
// connection discards the candidate (the daemon keeps one per connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mgmt/commands.h"
#include "mgmt/printwall/control_client.h"
#include "mgmt/printwall/pipes.h"
#include "mgmt/printwall/render.h"

namespace pw::mgmt {

inline constexpr const char* kDefaultSocketPath = "/run/printwall/control.sock";
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNoDaemon = 3;

struct CliOptions {
  std::string socket_path = kDefaultSocketPath;
  bool json = false;
  std::chrono::milliseconds reply_timeout{120'000};
};

// Strips the leading options (--socket PATH, --socket=PATH, --json, --) from `args`; the
// default socket is $PRINTWALL_SOCKET when set. False with `err` set on a bad option.
bool parse_cli_options(std::vector<std::string>& args, CliOptions* o, std::string* err);

// Splits a line at ';' outside double quotes; pieces are trimmed, empty ones dropped.
std::vector<std::string> split_commands(std::string_view line);
// argv words as one CLI line: a single word is taken as is (it may hold quotes and ';'), several
// are quoted where needed (`printwall commit comment "two words"`).
std::string join_words(const std::vector<std::string>& words);

// The state of one client: the mode and the connection, and the command runner.
class CliSession {
 public:
  enum class Status { kOk, kFailed, kNoDaemon };

  CliSession(CliOptions o, std::ostream& out, std::ostream& err);

  // Runs one line: several commands separated by ';', in order, stopping at the first failure.
  Status run_line(std::string_view line);
  // Runs one command (no ';' splitting).
  Status run_command(std::string_view command);

  Mode mode() const { return mode_; }
  ControlClient& client() { return client_; }
  // Connects unless connected; prints the "cannot connect" message on failure.
  bool ensure_connected();
  // Asked when `exit` meets uncommitted changes (the interactive shell); no callback: a failure.
  void set_confirm(std::function<bool(const std::string& question)> ask) { ask_ = std::move(ask); }
  // A SIGINT self-pipe: drained before each request; readable = interrupt the current one.
  void set_cancel_fd(int fd);

 private:
  Status finish_reply(const CommandSpec& spec, const nlohmann::json& args,
                      const nlohmann::json& reply);
  Status monitor();
  Status lost(const std::string& what);

  CliOptions o_;
  std::ostream& out_;
  std::ostream& err_;
  ControlClient client_;
  Mode mode_ = Mode::Operational;
  const OutputPipes* pipes_ = nullptr;  // of the command running
  int cancel_fd_ = -1;
  std::function<bool(const std::string&)> ask_;
};

// One-shot: `words` joined, every command checked before connecting (a line that does not parse
// is a usage error, exit 2), then run over one connection. Returns the exit status.
int run_one_shot(const CliOptions& o, const std::vector<std::string>& words, std::ostream& out,
                 std::ostream& err, int cancel_fd = -1);
// Lines from a stream (standard input that is not a terminal): blank lines and '#' comments
// skipped; stops at the first failure. Returns the exit status.
int run_script(const CliOptions& o, std::istream& in, std::ostream& out, std::ostream& err,
               int cancel_fd = -1);
// The interactive shell on the terminal (libedit). Returns the exit status (3 when the daemon
// cannot be reached at start, else 0).
int run_shell(const CliOptions& o);

// A SIGINT handler that writes to a self-pipe (no SA_RESTART); returns the pipe's read end.
int install_sigint_pipe();

// Completion for the shell. Tab: `insert` is what to add at the cursor (a single candidate, or
// the candidates' common prefix), `list` what to show (several candidates, or only <HINT>s).
struct TabAction {
  std::string insert;
  std::vector<Completion> list;
};
TabAction tab_complete(std::string_view line, Mode mode, const KnownNames* names = nullptr);
// `?`: the possible next words with their help ("<[Enter]>" when the line is a command already).
std::string help_listing(std::string_view line, Mode mode, const KnownNames* names = nullptr);
// The services and groups of the configuration (the candidate's too in configuration mode) and
// the printers with flows, asked of the daemon; empty lists when it cannot be asked.
KnownNames fetch_names(CliSession& session);
std::string format_completions(const std::vector<Completion>& c);

// `printwall help`: the daemon commands with their modes; `help COMMAND...`: one command.
void print_daemon_commands(std::ostream& out);
bool describe_command(std::string_view name, std::ostream& out);

}  // namespace pw::mgmt
