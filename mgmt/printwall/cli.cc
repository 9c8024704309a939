#include "mgmt/printwall/cli.h"

#include <fcntl.h>
#include <histedit.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <iostream>
#include <sstream>

#include "policy/config_lexer.h"

namespace pw::mgmt {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

void drain(int fd) {
  char b[64];
  while (fd >= 0 && ::read(fd, b, sizeof b) > 0) {
  }
}

// Whether `line` ends inside a double-quoted string (the lexer's quoting: \" and \\ escapes).
bool open_quote(std::string_view line) {
  bool q = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (q && line[i] == '\\' && i + 1 < line.size()) ++i;
    else if (line[i] == '"') q = !q;
  }
  return q;
}

// The command the cursor is in: what follows the last ';' outside quotes.
std::string_view current_command(std::string_view line) {
  bool q = false;
  size_t start = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (q && line[i] == '\\' && i + 1 < line.size()) ++i;
    else if (line[i] == '"') q = !q;
    else if (line[i] == ';' && !q) start = i + 1;
  }
  line.remove_prefix(start);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

// A command as typed: `run CMD` in configuration mode runs an operational command there, and
// output pipes follow the command. `mode` is the session's; `*as` the mode to parse `*base` in.
bool unwrap(std::string_view command, Mode mode, std::string* base, Mode* as, OutputPipes* pipes,
            std::string* err) {
  std::string c = trim(command);
  *as = mode;
  if (mode == Mode::Configuration && (c == "run" || c.rfind("run ", 0) == 0)) {
    c = trim(c.substr(3));
    if (c.empty()) {
      *err = "'run' needs an operational command ('run show statistics')";
      return false;
    }
    *as = Mode::Operational;
  }
  if (!split_pipes(c, base, pipes, err)) return false;
  if (*as != mode && (base->rfind("configure", 0) == 0)) {
    *err = "already in configuration mode";
    return false;
  }
  return true;
}

// The parse of a command with its `run` prefix and pipes resolved; a failed unwrap is a parse
// error of the whole command.
ParsedCommand parse_typed(std::string_view command, Mode mode, OutputPipes* pipes) {
  std::string base, why;
  Mode as = mode;
  if (!unwrap(command, mode, &base, &as, pipes, &why)) {
    ParsedCommand p;
    p.error = why;
    return p;
  }
  ParsedCommand p = parse_command(base, as);
  if (p.spec && pipes->display_set && std::string_view(p.spec->name) != "show configuration" &&
      std::string_view(p.spec->name) != "show candidate") {
    p.spec = nullptr;
    p.error = "'| display set' applies to show configuration and show candidate";
  }
  if (p.spec && pipes->count && p.spec->stream) {
    p.spec = nullptr;
    p.error = "'| count' needs an end: not with monitor";
  }
  return p;
}

void print_parse_error(const ParsedCommand& p, std::ostream& err) {
  err << "error: " << p.error;
  if (!p.suggestion.empty()) err << " (did you mean '" << p.suggestion << "'?)";
  err << "\n";
}

// The user's file for `load merge|replace`, read here: the daemon may not be able to read it.
bool read_file(const std::string& name, std::string* text, std::string* why) {
  int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *why = std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    *why = std::strerror(EISDIR);
    return false;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *why = std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    text->append(buf, static_cast<size_t>(n));
    if (text->size() > kMaxRequestBytes) {
      *why = "larger than the daemon accepts (1 MiB)";
      ::close(fd);
      return false;
    }
  }
  ::close(fd);
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Options and lines

bool parse_cli_options(std::vector<std::string>& args, CliOptions* o, std::string* err) {
  if (const char* e = std::getenv("PRINTWALL_SOCKET"); e && *e) o->socket_path = e;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--json") {
      o->json = true;
    } else if (a == "--socket") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        *err = "--socket needs a PATH";
        return false;
      }
      o->socket_path = args[++i];
    } else if (a.rfind("--socket=", 0) == 0) {
      o->socket_path = a.substr(9);
      if (o->socket_path.empty()) {
        *err = "--socket needs a PATH";
        return false;
      }
    } else if (a == "--help" || a == "-h" || a == "--version" || a.size() < 2 || a[0] != '-') {
      break;
    } else {
      *err = "unknown option '" + a + "'";
      return false;
    }
  }
  args.erase(args.begin(), args.begin() + static_cast<long>(i));
  return true;
}

std::vector<std::string> split_commands(std::string_view line) {
  std::vector<std::string> out;
  bool q = false;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i + 1 < line.size() && q && line[i] == '\\') {
      ++i;
    } else if (i < line.size() && line[i] == '"') {
      q = !q;
    } else if (i == line.size() || (line[i] == ';' && !q)) {
      std::string c = trim(line.substr(start, std::min(i, line.size()) - start));
      if (!c.empty()) out.push_back(std::move(c));
      start = i + 1;
    }
  }
  return out;
}

std::string join_words(const std::vector<std::string>& words) {
  if (words.size() == 1) return words[0];
  std::string line;
  for (const auto& w : words) {
    // A word holding '"' or ';' was written for the CLI's own syntax; one the shell unquoted
    // (`commit comment "two words"`) gets its quotes back.
    bool as_is = w.find_first_of("\";") != std::string::npos;
    line += (line.empty() ? "" : " ") + (as_is ? w : policy::quote_if_needed(w));
  }
  return line;
}

// ---------------------------------------------------------------------------------------------
// CliSession

CliSession::CliSession(CliOptions o, std::ostream& out, std::ostream& err)
    : o_(std::move(o)), out_(out), err_(err) {}

void CliSession::set_cancel_fd(int fd) {
  cancel_fd_ = fd;
  client_.set_cancel_fd(fd);
}

bool CliSession::ensure_connected() {
  if (client_.connected()) return true;
  mode_ = Mode::Operational;  // a new connection has no candidate
  if (client_.connect(o_.socket_path)) return true;
  err_ << "printwall: cannot connect to " << o_.socket_path << ": " << client_.error()
       << " (is printwalld running? --socket PATH)\n";
  return false;
}

CliSession::Status CliSession::lost(const std::string& what) {
  err_ << "error: " << what;
  if (client_.last_read() == ControlClient::Read::kInterrupted)
    err_ << " (the daemon may still carry the command out)";
  err_ << "\n";
  if (client_.connected()) client_.close();  // interrupted or timed out: the state is unknown
  if (mode_ == Mode::Configuration) err_ << "(configuration mode left: the connection closed)\n";
  mode_ = Mode::Operational;
  return Status::kFailed;
}

CliSession::Status CliSession::run_line(std::string_view line) {
  for (const auto& c : split_commands(line)) {
    Status s = run_command(c);
    if (s != Status::kOk) return s;
  }
  return Status::kOk;
}

CliSession::Status CliSession::run_command(std::string_view command) {
  OutputPipes pipes;
  ParsedCommand p = parse_typed(command, mode_, &pipes);
  if (!p.spec) {
    print_parse_error(p, err_);
    return Status::kFailed;
  }
  pipes_ = &pipes;
  struct Reset {
    const OutputPipes*& p;
    ~Reset() { p = nullptr; }
  } reset{pipes_};
  const std::string name = p.spec->name;
  // `commit and-quit`: the commit, then `exit` when it succeeded.
  if (name == "commit" && p.args.contains("and-quit")) {
    p.args.erase("and-quit");
    if (!ensure_connected()) return Status::kNoDaemon;
    drain(cancel_fd_);
    auto reply = client_.request(name, p.args, o_.reply_timeout);
    if (!reply) return lost(client_.error());
    Status st = finish_reply(*p.spec, p.args, *reply);
    if (st != Status::kOk) return st;
    return run_command("exit");
  }
  if (name == "load merge" || name == "load replace") {
    const std::string file = p.args.value("value", "");
    std::string text, why;
    if (!read_file(file, &text, &why)) {
      err_ << "error: cannot read " << file << ": " << why << "\n";
      return Status::kFailed;
    }
    p.args["text"] = std::move(text);
  }
  if (!ensure_connected()) return Status::kNoDaemon;
  drain(cancel_fd_);
  auto reply = client_.request(name, p.args, o_.reply_timeout);
  if (!reply) return lost(client_.error());
  return finish_reply(*p.spec, p.args, *reply);
}

CliSession::Status CliSession::finish_reply(const CommandSpec& spec, const json& args,
                                            const json& reply) {
  const int code = reply_code(reply);
  const std::string name = spec.name;
  if (code == kConflict && name == "exit" && !args.contains("discard") && ask_) {
    std::string message = string_field(reply, "message");
    if (!message.empty()) out_ << message << "\n";
    out_.flush();
    if (!ask_("Discard uncommitted changes? [yes,no] ")) return Status::kOk;
    json again = args;
    again["discard"] = true;
    drain(cancel_fd_);
    auto r = client_.request(name, again, o_.reply_timeout);
    if (!r) return lost(client_.error());
    return finish_reply(spec, again, *r);
  }
  if (pipes_ && !pipes_->empty() && code == kOk) {
    std::ostringstream buf;
    print_reply(reply, o_.json || pipes_->display_json, buf, err_);
    out_ << pipes_->apply(buf.str());
  } else {
    print_reply(reply, o_.json, out_, err_);
  }
  if (code != kOk) return Status::kFailed;
  if (name == "configure") mode_ = Mode::Configuration;
  if (name == "exit") mode_ = Mode::Operational;
  if (spec.stream) return monitor();
  return Status::kOk;
}

// `monitor events`: event lines until Ctrl-C, which closes the connection (the daemon drops the
// subscription with it).
CliSession::Status CliSession::monitor() {
  for (;;) {
    json j;
    auto r = client_.read_json(&j, milliseconds(-1));
    if (r == ControlClient::Read::kInterrupted) {
      drain(cancel_fd_);
      client_.close();
      mode_ = Mode::Operational;
      return Status::kOk;
    }
    if (r != ControlClient::Read::kLine) return lost(client_.error());
    auto e = j.find("event");
    if (e == j.end()) continue;
    const bool as_json = o_.json || (pipes_ && pipes_->display_json);
    const std::string text = as_json ? e->dump() : format_event(*e);
    if (pipes_ && !pipes_->keep(text)) continue;
    out_ << text << "\n";
    out_.flush();
  }
}

// ---------------------------------------------------------------------------------------------
// Modes of the binary

namespace {

int exit_status(CliSession::Status s) {
  switch (s) {
    case CliSession::Status::kOk: return kExitOk;
    case CliSession::Status::kFailed: return kExitFailed;
    case CliSession::Status::kNoDaemon: return kExitNoDaemon;
  }
  return kExitFailed;
}

volatile sig_atomic_t g_sigint_write_fd = -1;

void on_sigint(int) {
  int saved = errno;
  if (g_sigint_write_fd >= 0) {
    char c = 1;
    ssize_t r = ::write(g_sigint_write_fd, &c, 1);
    (void)r;
  }
  errno = saved;
}

}  // namespace

int install_sigint_pipe() {
  static int read_fd = -1;
  if (read_fd >= 0) return read_fd;
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  read_fd = p[0];
  g_sigint_write_fd = p[1];
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() returns and sees the pipe
  ::sigaction(SIGINT, &sa, nullptr);
  return read_fd;
}

int run_one_shot(const CliOptions& o, const std::vector<std::string>& words, std::ostream& out,
                 std::ostream& err, int cancel_fd) {
  const std::string line = join_words(words);
  const auto commands = split_commands(line);
  if (commands.empty()) {
    err << "printwall: empty command\n";
    return kExitUsage;
  }
  // A command line that does not parse is a usage error, found before connecting. Each command
  // is checked in the mode it will run in (assuming the ones before it succeed).
  Mode m = Mode::Operational;
  for (const auto& c : commands) {
    OutputPipes pipes;
    ParsedCommand p = parse_typed(c, m, &pipes);
    if (!p.spec) {
      print_parse_error(p, err);
      err << "('printwall help' lists the commands)\n";
      return kExitUsage;
    }
    if (std::string_view(p.spec->name) == "configure") m = Mode::Configuration;
    if (std::string_view(p.spec->name) == "exit" || p.args.contains("and-quit")) m = Mode::Operational;
  }
  CliSession s(o, out, err);
  s.set_cancel_fd(cancel_fd);
  return exit_status(s.run_line(line));
}

int run_script(const CliOptions& o, std::istream& in, std::ostream& out, std::ostream& err,
               int cancel_fd) {
  CliSession s(o, out, err);
  s.set_cancel_fd(cancel_fd);
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    CliSession::Status st = s.run_line(t);
    if (st == CliSession::Status::kOk) continue;
    if (st == CliSession::Status::kFailed)
      err << "printwall: stopped at line " << n << " of the input\n";
    return exit_status(st);
  }
  // Ctrl-C while reading the input ends getline() like an end of file would.
  pollfd p{cancel_fd, POLLIN, 0};
  if (cancel_fd >= 0 && ::poll(&p, 1, 0) == 1) {
    err << "printwall: interrupted\n";
    return kExitFailed;
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// Completion and help

std::string format_completions(const std::vector<Completion>& c) {
  size_t w = 0;
  for (const auto& x : c) w = std::max(w, x.word.size());
  std::string s;
  for (const auto& x : c) {
    s += "  " + x.word;
    if (!x.help.empty()) s += std::string(w - x.word.size() + 2, ' ') + x.help;
    s += "\n";
  }
  return s;
}

TabAction tab_complete(std::string_view full, Mode mode, const KnownNames* names) {
  TabAction a;
  std::string_view line = current_command(full);
  std::vector<Completion> all = complete(line, mode, names), words;
  bool hints = false;
  for (const auto& c : all) {
    if (!c.word.empty() && c.word[0] == '<') hints = true;
    else words.push_back(c);
  }
  const bool partial = !line.empty() && line.back() != ' ' && line.back() != '\t';
  size_t typed = 0;
  if (partial) {
    size_t sp = line.find_last_of(" \t");
    typed = line.size() - (sp == std::string_view::npos ? 0 : sp + 1);
  }
  if (words.size() == 1 && !hints) {
    a.insert = words[0].word.substr(std::min(typed, words[0].word.size())) + " ";
    return a;
  }
  if (!words.empty()) {  // extend to the candidates' common prefix
    std::string common = words[0].word;
    for (const auto& c : words) {
      size_t k = 0;
      while (k < common.size() && k < c.word.size() && common[k] == c.word[k]) ++k;
      common.resize(k);
    }
    if (common.size() > typed) a.insert = common.substr(typed);
  }
  a.list = std::move(all);
  return a;
}

KnownNames fetch_names(CliSession& session) {
  KnownNames k;
  if (!session.client().connected()) return k;
  auto add_from = [&k](const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream w(line);
      std::string set, kind, name;
      w >> set >> kind >> name;
      if (set != "set" || name.empty() || (kind != "service" && kind != "group")) continue;
      auto& list = kind == "service" ? k.services : k.groups;
      if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
    }
  };
  using namespace std::chrono_literals;
  if (auto r = session.client().request("show configuration", {{"expanded", true}}, 2000ms))
    add_from(r->value("data", json::object()).value("text", ""));
  if (session.mode() == Mode::Configuration)
    if (auto r = session.client().request("show candidate", json::object(), 2000ms))
      add_from(r->value("data", json::object()).value("text", ""));
  if (auto r = session.client().request("show flows", {{"limit", 1000}}, 2000ms)) {
    const json flows = r->value("data", json::object()).value("flows", json::array());
    for (const auto& f : flows) {
      if (!f.is_object()) continue;
      const std::string p = f.value("direction", "") == "to-printers" ? f.value("dst", "") : f.value("src", "");
      if (!p.empty() && std::find(k.printers.begin(), k.printers.end(), p) == k.printers.end())
        k.printers.push_back(p);
    }
  }
  return k;
}

std::string help_listing(std::string_view full, Mode mode, const KnownNames* names) {
  std::string_view line = current_command(full);
  std::vector<Completion> c = complete(line, mode, names);
  const bool partial = !line.empty() && line.back() != ' ' && line.back() != '\t';
  if (!partial && !line.empty()) {
    ParsedCommand p = parse_command(line, mode);
    if (p.spec && !p.spec->rest) c.push_back({"<[Enter]>", "execute this command"});
  }
  if (c.empty()) return "  (no valid completions)\n";
  return format_completions(c);
}

namespace {

const char* mode_tag(Mode m) {
  switch (m) {
    case Mode::Operational: return "op";
    case Mode::Configuration: return "conf";
    case Mode::Both: return "op,conf";
  }
  return "";
}

std::string usage_of(const CommandSpec& c) {
  std::string u = c.name;
  if (c.rest) return u + " ...";
  for (const auto& a : c.args) {
    if (!*a.name) u += std::string(" ") + a.hint;
    else if (!*a.hint) u += std::string(" [") + a.name + "]";
    else u += std::string(" [") + a.name + " " + a.hint + "]";
  }
  return u;
}

}  // namespace

void print_daemon_commands(std::ostream& out) {
  size_t w = 0;
  for (const auto& c : command_table()) w = std::max(w, std::strlen(c.name));
  out << "daemon commands (modes: op = operational, conf = configuration after 'configure'):\n";
  for (const auto& c : command_table()) {
    std::string n = c.name, tag = mode_tag(c.mode);
    out << "  " << n << std::string(w - n.size() + 2, ' ') << tag
        << std::string(9 - std::min<size_t>(8, tag.size()), ' ') << c.help << "\n";
  }
}

bool describe_command(std::string_view name, std::ostream& out) {
  const CommandSpec* c = find_command(name);
  if (!c) {  // "help show": the commands that start with these words
    bool any = false;
    for (const auto& x : command_table()) {
      std::string_view n = x.name;
      if (n.size() > name.size() && n.substr(0, name.size()) == name && n[name.size()] == ' ') {
        if (!any) out << "commands starting with '" << name << "':\n";
        out << "  " << usage_of(x) << "\n      " << x.help << "\n";
        any = true;
      }
    }
    return any;
  }
  out << c->name << ": " << c->help << "\n";
  out << "usage: " << usage_of(*c) << "\n";
  out << "mode: "
      << (c->mode == Mode::Both           ? "operational and configuration"
          : c->mode == Mode::Operational ? "operational"
                                          : "configuration (after 'configure')")
      << "\n";
  std::string roles;
  if (c->roles & kRoleOperator) roles += "printwall ";
  if (c->roles & kRoleAdmin) roles += "printwall-admin ";
  if (c->roles & kRoleSecurity) roles += "printwall-security ";
  out << "groups: " << trim(roles) << "\n";
  if (!c->args.empty()) {
    std::vector<Completion> args;
    for (const auto& a : c->args)
      args.push_back({*a.name ? (std::string(a.name) + (*a.hint ? std::string(" ") + a.hint : ""))
                              : std::string(a.hint),
                      a.help});
    out << "arguments:\n" << format_completions(args);
  }
  if (c->stream) out << "Replies keep coming until Ctrl-C.\n";
  return true;
}

// ---------------------------------------------------------------------------------------------
// The interactive shell

namespace {

struct Shell {
  CliSession* session = nullptr;
  std::string prompt;
  int cancel_fd = -1;
  bool cancelled = false;  // Ctrl-C at the prompt
  bool asking = false;     // a yes/no question: no completion
};

Shell* shell_of(EditLine* el) {
  void* p = nullptr;
  el_get(el, EL_CLIENTDATA, &p);
  return static_cast<Shell*>(p);
}

char* shell_prompt(EditLine* el) { return shell_of(el)->prompt.data(); }

// Reads a character, or gives up on Ctrl-C (the SIGINT pipe) so that el_gets() returns and the
// line is dropped; libedit's own read would retry after EINTR.
int shell_getc(EditLine* el, wchar_t* wc) {
  Shell* s = shell_of(el);
  char buf[MB_LEN_MAX];
  size_t n = 0;
  for (;;) {
    pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {s->cancel_fd, POLLIN, 0}};
    int r = ::poll(p, s->cancel_fd >= 0 ? 2 : 1, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (s->cancel_fd >= 0 && (p[1].revents & POLLIN)) {
      drain(s->cancel_fd);
      s->cancelled = true;
      *wc = 0;
      errno = EINTR;
      return -1;
    }
    ssize_t k = ::read(STDIN_FILENO, buf + n, 1);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (k < 0) return -1;
    if (k == 0) {
      *wc = 0;
      return 0;
    }
    ++n;
    std::mbstate_t st{};
    size_t m = std::mbrtowc(wc, buf, n, &st);
    if (m == static_cast<size_t>(-2) && n < sizeof buf) continue;  // more bytes of a character
    if (m == static_cast<size_t>(-1) || m == static_cast<size_t>(-2)) {
      n = 0;  // not a character: dropped
      continue;
    }
    return 1;
  }
}

unsigned char shell_complete(EditLine* el, int) {
  Shell* s = shell_of(el);
  if (s->asking) return CC_ERROR;
  const LineInfo* li = el_line(el);
  std::string line(li->buffer, static_cast<size_t>(li->cursor - li->buffer));
  const KnownNames names = fetch_names(*s->session);
  TabAction a = tab_complete(line, s->session->mode(), &names);
  if (!a.insert.empty() && el_insertstr(el, a.insert.c_str()) != 0) return CC_ERROR;
  if (!a.list.empty()) {
    std::fputs(("\n" + format_completions(a.list)).c_str(), stdout);
    std::fflush(stdout);
    return CC_REDISPLAY;
  }
  return a.insert.empty() ? CC_ERROR : CC_REFRESH;
}

unsigned char shell_help(EditLine* el, int) {
  Shell* s = shell_of(el);
  const LineInfo* li = el_line(el);
  std::string line(li->buffer, static_cast<size_t>(li->cursor - li->buffer));
  if (s->asking || open_quote(line)) {  // a '?' inside a quoted string is just a character
    return el_insertstr(el, "?") == 0 ? CC_REFRESH : CC_ERROR;
  }
  const KnownNames names = fetch_names(*s->session);
  std::fputs(("\n" + help_listing(line, s->session->mode(), &names)).c_str(), stdout);
  std::fflush(stdout);
  return CC_REDISPLAY;
}

std::string user_name() {
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  if (const char* u = std::getenv("USER")) return u;
  return "user";
}

std::string history_path() {
  std::string home;
  if (const char* h = std::getenv("HOME"); h && *h) home = h;
  else if (const passwd* pw = ::getpwuid(::geteuid())) home = pw->pw_dir;
  return home.empty() ? "" : home + "/.printwall_history";
}

}  // namespace

int run_shell(const CliOptions& o) {
  std::setlocale(LC_CTYPE, "");
  const int cancel = install_sigint_pipe();
  CliSession session(o, std::cout, std::cerr);
  session.set_cancel_fd(cancel);
  if (!session.ensure_connected()) return kExitNoDaemon;

  Shell sh;
  sh.session = &session;
  sh.cancel_fd = cancel;
  const std::string user = user_name(), hist_file = history_path();

  HistEvent ev;
  History* hist = history_init();
  history(hist, &ev, H_SETSIZE, 1000);
  history(hist, &ev, H_SETUNIQUE, 1);
  if (!hist_file.empty()) history(hist, &ev, H_LOAD, hist_file.c_str());

  EditLine* el = el_init("printwall", stdin, stdout, stderr);
  el_set(el, EL_CLIENTDATA, &sh);
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_SIGNAL, 1);
  el_set(el, EL_HIST, history, hist);
  el_set(el, EL_PROMPT, shell_prompt);
  el_set(el, EL_GETCFN, shell_getc);
  el_source(el, nullptr);  // ~/.editrc; our bindings below win
  el_set(el, EL_ADDFN, "pw-complete", "complete the word", shell_complete);
  el_set(el, EL_ADDFN, "pw-help", "list the possible next words", shell_help);
  el_set(el, EL_BIND, "^I", "pw-complete", nullptr);
  el_set(el, EL_BIND, "?", "pw-help", nullptr);

  session.set_confirm([&](const std::string& question) {
    const std::string saved = sh.prompt;
    sh.prompt = question;
    sh.asking = true;
    sh.cancelled = false;
    int n = 0;
    const char* a = el_gets(el, &n);
    sh.prompt = saved;
    sh.asking = false;
    if (!a) {
      std::cout << "\n";
      return false;
    }
    std::string answer = trim(a);
    return answer == "yes" || answer == "y";
  });

  for (;;) {
    const bool conf = session.mode() == Mode::Configuration;
    if (conf) std::cout << "\n[edit]\n";
    std::cout.flush();
    sh.prompt = user + (conf ? "@printwall# " : "@printwall> ");
    sh.cancelled = false;
    int n = 0;
    const char* got = el_gets(el, &n);
    if (!got) {
      std::cout << "\n";
      if (sh.cancelled) continue;  // Ctrl-C: a fresh prompt
      break;                       // Ctrl-D
    }
    const std::string line = trim(got);
    if (line.empty()) continue;
    history(hist, &ev, H_ENTER, line.c_str());
    if (!hist_file.empty()) history(hist, &ev, H_SAVE, hist_file.c_str());
    if (!conf && (line == "exit" || line == "quit")) break;
    if (line == "help" || line.rfind("help ", 0) == 0) {
      std::string topic = trim(line.substr(4));
      if (topic.empty()) print_daemon_commands(std::cout);
      else if (!describe_command(topic, std::cout)) std::cout << "no command '" << topic << "'\n";
      continue;
    }
    session.run_line(line);
  }
  if (!hist_file.empty()) history(hist, &ev, H_SAVE, hist_file.c_str());
  el_end(el);
  history_end(hist);
  return kExitOk;
}

}  // namespace pw::mgmt
