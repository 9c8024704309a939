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

namespace pw::mgmt {

inline constexpr const char* kDefaultSocketPath = "/run/printwall/control.sock";
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNoDaemon = 3;

// One connection to the control socket. Not thread-safe; blocking I/O with poll() deadlines.
class ControlClient {
 public:
  enum class Read { kLine, kTimeout, kClosed, kTooLong, kInterrupted, kError };

  ControlClient() = default;
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Connects to a Unix stream socket; on failure error() holds strerror and false is returned.
  bool connect(const std::string& path);
  // Takes ownership of a connected stream socket (a socketpair in tests).
  void adopt(int fd);
  void close();
  bool connected() const { return fd_ >= 0; }

  // When `fd` becomes readable, reads return kInterrupted (a SIGINT self-pipe). -1: none.
  void set_cancel_fd(int fd) { cancel_fd_ = fd; }
  // Lines longer than this (without their newline) end the connection: kTooLong.
  void set_max_line(size_t bytes) { max_line_ = bytes; }

  // Sends {"id":N,"cmd":cmd,"args":args} and waits for the reply carrying id N (event lines and
  // stale replies are skipped). nullopt on I/O error, timeout, interruption or a reply that is
  // not a JSON object: error() says which, last_read() gives the kind; the connection is closed
  // except on interruption (the caller decides).
  std::optional<nlohmann::json> request(std::string_view cmd, const nlohmann::json& args,
                                        std::chrono::milliseconds timeout);
  // The next line (without its newline). timeout < 0: wait forever.
  Read read_line(std::string* line, std::chrono::milliseconds timeout);
  // The next line parsed as a JSON object (kError with error() set when it is not one).
  Read read_json(nlohmann::json* out, std::chrono::milliseconds timeout);
  bool send_line(std::string_view line);

  // The exact request line request() sends for `id` (the protocol's field order).
  static std::string request_line(uint64_t id, std::string_view cmd, const nlohmann::json& args);

  const std::string& error() const { return error_; }
  Read last_read() const { return last_read_; }
  uint64_t last_id() const { return next_id_ - 1; }

 private:
  int fd_ = -1;
  int cancel_fd_ = -1;
  // Replies may be larger than requests: a log export of 40,000 records is tens of MiB.
  size_t max_line_ = kMaxReplyBytes;
  uint64_t next_id_ = 1;
  std::string buf_;
  size_t scanned_ = 0;  // bytes of buf_ already searched for '\n'
  std::string error_;
  Read last_read_ = Read::kLine;
};

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

// Rendering. `data` of a reply as text: data["text"] as is, data["lines"] one per line, tables
// for records / flows / commits / ports (and any other array of objects), key: value lines for
// the rest (nested objects indented).
void render_data(const nlohmann::json& data, std::ostream& out);
// One `monitor events` event as one line.
std::string format_event(const nlohmann::json& event);
// A reply as the CLI prints it: message, `error: ...` and config errors on `err`, data on `out`
// (text, or one JSON line with `json`).
void print_reply(const nlohmann::json& reply, bool json, std::ostream& out, std::ostream& err);

// Completion for the shell. Tab: `insert` is what to add at the cursor (a single candidate, or
// the candidates' common prefix), `list` what to show (several candidates, or only <HINT>s).
struct TabAction {
  std::string insert;
  std::vector<Completion> list;
};
TabAction tab_complete(std::string_view line, Mode mode);
// `?`: the possible next words with their help ("<[Enter]>" when the line is a command already).
std::string help_listing(std::string_view line, Mode mode);
std::string format_completions(const std::vector<Completion>& c);

// `printwall help`: the daemon commands with their modes; `help COMMAND...`: one command.
void print_daemon_commands(std::ostream& out);
bool describe_command(std::string_view name, std::ostream& out);

}  // namespace pw::mgmt
