// The printwall thin client against a fake daemon: the exact request lines, ';' sequences over one
// connection, modes, `load` reading the user's file, local parse errors, rendering (golden text),
// --json, `monitor events` until Ctrl-C, exit statuses; and completion / `?`.
#include "mgmt/printwall/cli.h"
#include "mgmt/printwall/pipes.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace pw::mgmt {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// A printwalld stand-in on a Unix socket in a temporary directory: records every request line
// (and which connection it came on) and answers with what the handler returns, each line given
// the request's id.
class FakeDaemon {
 public:
  using Handler = std::function<std::vector<json>(const json& request)>;

  explicit FakeDaemon(Handler h) : handler_(std::move(h)) {
    char tmpl[] = "/tmp/pw-cli-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/control.sock";
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path_.c_str(), sizeof(sa.sun_path) - 1);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    EXPECT_EQ(::listen(listen_fd_, 8), 0);
    EXPECT_EQ(::pipe2(stop_, O_CLOEXEC), 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDaemon() {
    char c = 0;
    EXPECT_EQ(::write(stop_[1], &c, 1), 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
    std::filesystem::remove_all(dir_);
  }

  const std::string& path() const { return path_; }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> l(mu_);
    return lines_;
  }
  std::vector<json> requests() {
    std::vector<json> r;
    for (const auto& l : lines()) r.push_back(json::parse(l));
    return r;
  }
  std::vector<int> connection_of_line() {
    std::lock_guard<std::mutex> l(mu_);
    return conn_of_line_;
  }
  int connections() {
    std::lock_guard<std::mutex> l(mu_);
    return connections_;
  }

 private:
  struct Conn {
    int fd;
    int n;
    std::string buf;
  };
  // One thread, every connection polled: a client may keep one open while another connects.
  void serve() {
    std::vector<Conn> conns;
    for (;;) {
      std::vector<pollfd> p = {{stop_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      for (const auto& c : conns) p.push_back({c.fd, POLLIN, 0});
      if (::poll(p.data(), p.size(), -1) < 0) continue;
      if (p[0].revents) break;
      for (size_t i = conns.size(); i-- > 0;) {
        if (!p[i + 2].revents) continue;
        if (!serve_input(conns[i])) {
          ::close(conns[i].fd);
          conns.erase(conns.begin() + static_cast<long>(i));
        }
      }
      if (p[1].revents) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          std::lock_guard<std::mutex> l(mu_);
          conns.push_back({fd, ++connections_, ""});
        }
      }
    }
    for (const auto& c : conns) ::close(c.fd);
  }
  // Reads what the connection has, answers every complete line; false at its end.
  bool serve_input(Conn& c) {
    char chunk[4096];
    ssize_t k = ::recv(c.fd, chunk, sizeof chunk, 0);
    if (k <= 0) return false;
    c.buf.append(chunk, static_cast<size_t>(k));
    for (size_t nl; (nl = c.buf.find('\n')) != std::string::npos;) {
      std::string line = c.buf.substr(0, nl);
      c.buf.erase(0, nl + 1);
      {
        std::lock_guard<std::mutex> l(mu_);
        lines_.push_back(line);
        conn_of_line_.push_back(c.n);
      }
      json req = json::parse(line, nullptr, false);
      for (json r : handler_(req)) {
        r["id"] = req["id"];
        std::string out = r.dump() + "\n";
        EXPECT_EQ(::send(c.fd, out.data(), out.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(out.size()));
      }
    }
    return true;
  }

  Handler handler_;
  std::string dir_, path_;
  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> lines_;
  std::vector<int> conn_of_line_;
  int connections_ = 0;
};

json ok(json data = nullptr, std::string message = "") {
  return {{"code", 0}, {"message", message}, {"data", data}};
}

// Replies by command name; anything else gets a plain success.
FakeDaemon::Handler canned(std::map<std::string, std::vector<json>> by_cmd) {
  return [by_cmd](const json& req) -> std::vector<json> {
    auto it = by_cmd.find(req.value("cmd", ""));
    if (it == by_cmd.end()) return {ok()};
    return it->second;
  };
}

CliOptions options(const FakeDaemon& d) {
  CliOptions o;
  o.socket_path = d.path();
  o.reply_timeout = milliseconds(5000);
  return o;
}

// A stream buffer that writes a byte to `fd` (the SIGINT pipe) once its text contains
// `trigger`: Ctrl-C exactly when the output shows what the test waits for.
class TriggerBuf : public std::stringbuf {
 public:
  TriggerBuf(std::string trigger, int fd) : trigger_(std::move(trigger)), fd_(fd) {}

 protected:
  int sync() override {
    check();
    return std::stringbuf::sync();
  }

 private:
  void check() {
    if (fired_ || str().find(trigger_) == std::string::npos) return;
    fired_ = true;
    char c = 1;
    EXPECT_EQ(::write(fd_, &c, 1), 1);
  }
  std::string trigger_;
  int fd_;
  bool fired_ = false;
};

// ---------------------------------------------------------------------------------------------
// Requests

TEST(Cli, OneShotSendsTheExactRequestLine) {
  FakeDaemon d(canned({}));
  std::ostringstream out, err;
  EXPECT_EQ(run_one_shot(options(d), {"show", "flows", "printer", "198.18.20.5", "limit", "5"},
                         out, err),
            kExitOk)
      << err.str();
  ASSERT_EQ(d.lines().size(), 1u);
  EXPECT_EQ(d.lines()[0],
            R"({"id":1,"cmd":"show flows","args":{"limit":"5","printer":"198.18.20.5"}})");
  EXPECT_EQ(ControlClient::request_line(7, "show statistics", json::object()),
            R"({"id":7,"cmd":"show statistics","args":{}})");
}

TEST(Cli, SemicolonSeparatedCommandsShareOneConnection) {
  FakeDaemon d(canned({}));
  std::ostringstream out, err;
  EXPECT_EQ(run_one_shot(options(d),
                         {R"(configure; set service x description "y; z"; commit comment "z")"},
                         out, err),
            kExitOk)
      << err.str();
  ASSERT_EQ(d.lines().size(), 3u);
  EXPECT_EQ(d.lines()[0], R"({"id":1,"cmd":"configure","args":{}})");
  EXPECT_EQ(d.lines()[1],
            R"({"id":2,"cmd":"set","args":{"line":"set service x description \"y; z\""}})");
  EXPECT_EQ(d.lines()[2], R"({"id":3,"cmd":"commit","args":{"comment":"z"}})");
  EXPECT_EQ(d.connection_of_line(), (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(d.connections(), 1);
}

TEST(Cli, ArgvWordsKeepTheirQuoting) {
  EXPECT_EQ(join_words({"commit", "comment", "two words"}), R"(commit comment "two words")");
  EXPECT_EQ(join_words({R"(configure; set service x description "y")"}),
            R"(configure; set service x description "y")");
  EXPECT_EQ(split_commands(R"( a ;; b "c;d" ; )"), (std::vector<std::string>{"a", R"(b "c;d")"}));
}

TEST(Cli, ASequenceStopsAtTheFirstFailure) {
  FakeDaemon d(canned({{"set", {{{"code", kUsage}, {"message", "bad value"}}}}}));
  std::ostringstream out, err;
  EXPECT_EQ(run_one_shot(options(d), {"configure; set service x port 99999; commit"}, out, err),
            kExitFailed);
  ASSERT_EQ(d.lines().size(), 2u);  // no commit
  EXPECT_EQ(err.str(), "error: bad value\n");
}

TEST(Cli, ModeFollowsConfigureAndExit) {
  FakeDaemon d(canned({}));
  std::ostringstream out, err;
  CliSession s(options(d), out, err);
  EXPECT_EQ(s.mode(), Mode::Operational);
  // `set` is not an operational command: refused locally.
  EXPECT_EQ(s.run_line("set service x port 9100"), CliSession::Status::kFailed);
  EXPECT_NE(err.str().find("'configure' first"), std::string::npos) << err.str();
  EXPECT_EQ(s.run_line("configure"), CliSession::Status::kOk);
  EXPECT_EQ(s.mode(), Mode::Configuration);
  EXPECT_EQ(s.run_line("set service x port 9100"), CliSession::Status::kOk);
  EXPECT_EQ(s.run_line("exit"), CliSession::Status::kOk);
  EXPECT_EQ(s.mode(), Mode::Operational);
  EXPECT_EQ(d.lines().size(), 3u);
}

TEST(Cli, AFailedConfigureKeepsOperationalMode) {
  FakeDaemon d(canned({{"configure", {{{"code", kDenied}, {"message", "not allowed"}}}}}));
  std::ostringstream out, err;
  CliSession s(options(d), out, err);
  EXPECT_EQ(s.run_line("configure"), CliSession::Status::kFailed);
  EXPECT_EQ(s.mode(), Mode::Operational);
  EXPECT_EQ(err.str(), "error: not allowed\n");
}

TEST(Cli, ExitWithUncommittedChangesAsksThenDiscards) {
  FakeDaemon d([](const json& req) -> std::vector<json> {
    if (req["cmd"] == "exit" && !req["args"].contains("discard"))
      return {{{"code", kConflict}, {"message", "uncommitted changes"}}};
    return {ok()};
  });
  std::ostringstream out, err;
  CliSession s(options(d), out, err);
  std::string asked;
  s.set_confirm([&](const std::string& q) {
    asked = q;
    return true;
  });
  ASSERT_EQ(s.run_line("configure; set service x port 9100"), CliSession::Status::kOk);
  EXPECT_EQ(s.run_line("exit"), CliSession::Status::kOk) << err.str();
  EXPECT_EQ(asked, "Discard uncommitted changes? [yes,no] ");
  EXPECT_EQ(s.mode(), Mode::Operational);
  auto r = d.requests();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[2]["args"], json::object());
  EXPECT_EQ(r[3]["cmd"], "exit");
  EXPECT_EQ(r[3]["args"], (json{{"discard", true}}));
  EXPECT_NE(out.str().find("uncommitted changes"), std::string::npos);

  // Without anyone to ask (one-shot, scripts): a failure, still in configuration mode.
  CliSession t(options(d), out, err);
  ASSERT_EQ(t.run_line("configure"), CliSession::Status::kOk);
  EXPECT_EQ(t.run_line("exit"), CliSession::Status::kFailed);
  EXPECT_EQ(t.mode(), Mode::Configuration);
}

TEST(Cli, LoadReadsTheFileAndSendsItsText) {
  FakeDaemon d(canned({}));
  const std::string file = std::filesystem::temp_directory_path() /
                           ("pw-cli-load-" + std::to_string(::getpid()) + ".conf");
  std::ofstream(file) << "set service x port 9100\nset service x protocol tcp\n";
  std::ostringstream out, err;
  CliSession s(options(d), out, err);
  EXPECT_EQ(s.run_line("configure; load merge " + file), CliSession::Status::kOk) << err.str();
  auto r = d.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1]["cmd"], "load merge");
  EXPECT_EQ(r[1]["args"], (json{{"value", file},
                                 {"text", "set service x port 9100\nset service x protocol tcp\n"}}));
  std::filesystem::remove(file);

  // A missing file is a local error: nothing sent.
  EXPECT_EQ(s.run_line("load replace " + file), CliSession::Status::kFailed);
  EXPECT_EQ(d.lines().size(), 2u);
  EXPECT_NE(err.str().find("error: cannot read " + file + ": No such file or directory"),
            std::string::npos)
      << err.str();
}

TEST(Cli, AParseErrorNeverReachesTheDaemon) {
  FakeDaemon d(canned({}));
  std::ostringstream out, err;
  CliSession s(options(d), out, err);
  EXPECT_EQ(s.run_line("show statstics"), CliSession::Status::kFailed);
  EXPECT_EQ(err.str(), "error: unknown command 'show statstics' (did you mean 'statistics'?)\n");
  EXPECT_EQ(d.connections(), 0);

  // One-shot: a usage error, found before connecting.
  std::ostringstream out2, err2;
  EXPECT_EQ(run_one_shot(options(d), {"show", "statstics"}, out2, err2), kExitUsage);
  EXPECT_NE(err2.str().find("did you mean 'statistics'?"), std::string::npos);
  EXPECT_EQ(run_one_shot(options(d), {"configure; commit; set service"}, out2, err2), kExitOk);
  EXPECT_EQ(run_one_shot(options(d), {"configure; commit; frobnicate"}, out2, err2), kExitUsage);
  EXPECT_EQ(d.lines().size(), 3u);  // only the valid sequence ran
}

// ---------------------------------------------------------------------------------------------
// Replies and rendering

std::string rendered(const std::string& data) {
  std::ostringstream out;
  render_data(json::parse(data), out);
  return out.str();
}

TEST(CliRender, Flows) {
  EXPECT_EQ(
      rendered(R"({"flows":[{"proto":"tcp","src":"198.18.0.9","sport":40000,"dst":"198.18.20.5",
        "dport":631,"state":"established","service":"ipp-print","app":"IPP","packets":12,"idle_s":3},
        {"proto":"udp","src":"198.18.0.10","sport":5353,"dst":"198.18.20.6","dport":161,
        "state":"udp","service":null,"packets":1,"idle_s":0}],"total":2})"),
      "proto  src          sport  dst          dport  state        service    app  packets  idle_s\n"
      "tcp    198.18.0.9   40000  198.18.20.5  631    established  ipp-print  IPP  12       3\n"
      "udp    198.18.0.10  5353   198.18.20.6  161    udp          -          -    1        0\n"
      "total: 2\n");
}

TEST(CliRender, EventRecords) {
  EXPECT_EQ(
      rendered(R"({"records":[{"timestamp":"2026-11-25T19:03:00.000001Z","action":"drop",
        "reason":"service-deny","proto":"tcp","src_ip":"198.18.0.9","src_port":40000,
        "dst_ip":"198.18.20.5","dst_port":631,"vlan":0,"service":"ipp-print",
        "profile":"small-office","policy_generation":1,"flow_id":0,"count":1,"app":null},
        {"timestamp":"2026-11-25T19:03:01.000000Z","action":"alert","reason":"port-scan","proto":"tcp",
        "src_ip":"2001:db8::9","src_port":0,"dst_ip":"2001:db8::20","dst_port":0,"vlan":0,
        "service":null,"profile":"small-office","policy_generation":1,"flow_id":0,"count":25,
        "app":null}]})"),
      "time                         action  reason        proto  src               dst        "
      "       service    app\n"
      "2026-11-25T19:03:00.000001Z  drop    service-deny  tcp    198.18.0.9:40000  "
      "198.18.20.5:631   ipp-print  -\n"
      "2026-11-25T19:03:01.000000Z  alert   port-scan     tcp    [2001:db8::9]:0   "
      "[2001:db8::20]:0  -          -\n");
}

TEST(CliRender, AuditRecordsShowTheirOwnKeys) {
  EXPECT_EQ(rendered(R"({"records":[{"timestamp":"2026-11-25T19:00:00Z","user":"alice","cmd":"commit",
        "code":0},{"timestamp":"2026-11-25T19:01:00Z","user":"bob","cmd":"clear flows","code":3}]})"),
            "time                  cmd          code  user\n"
            "2026-11-25T19:00:00Z  commit       0     alice\n"
            "2026-11-25T19:01:00Z  clear flows  3     bob\n");
}

TEST(CliRender, KeyValuesNestedAndAligned) {
  EXPECT_EQ(rendered(R"({"uptime_s":3600,"version":"0.1.0",
        "policy":{"generation":4,"profile":"small-office"},"lcores":[1,2],"ok":true})"),
            "lcores:   1, 2\n"
            "ok:       yes\n"
            "policy:\n"
            "  generation: 4\n"
            "  profile:    small-office\n"
            "uptime_s: 3600\n"
            "version:  0.1.0\n");
}

TEST(CliRender, PortsAndNestedTables) {
  EXPECT_EQ(rendered(R"({"ports":[{"role":"outside","device":"0000:03:00.0","link":"up",
        "ipackets":1200,"opackets":1100,"imissed":0,"oerrors":0},{"role":"inside",
        "device":"net_af_packet1,iface=gw-in","link":"down","ipackets":0,"opackets":0,
        "imissed":0,"oerrors":0}],"workers":{"count":2,"lcores":[{"lcore":1,"packets":700},
        {"lcore":2,"packets":500}]}})"),
            "role     device                      link  ipackets  opackets  imissed  oerrors\n"
            "outside  0000:03:00.0                up    1200      1100      0        0\n"
            "inside   net_af_packet1,iface=gw-in  down  0         0         0        0\n"
            "workers:\n"
            "  count: 2\n"
            "  lcores:\n"
            "    lcore  packets\n"
            "    1      700\n"
            "    2      500\n");
}

TEST(CliRender, TextLinesAndCommits) {
  EXPECT_EQ(rendered(R"({"text":"3 rollback points","commits":[{"n":0,"id":"c3",
        "time":"2026-11-25T19:00:00Z","user":"alice","kind":"commit","comment":"printers"},
        {"n":1,"id":"c2","time":"2026-11-25T18:00:00Z","user":"root","kind":"startup",
        "comment":""}]})"),
            "3 rollback points\n"
            "n  id  time                  user   kind     comment\n"
            "0  c3  2026-11-25T19:00:00Z  alice  commit   printers\n"
            "1  c2  2026-11-25T18:00:00Z  root   startup\n");
  EXPECT_EQ(rendered(R"({"text":"set profile small-office\nset printer-network 198.18.20.0/24\n"})"),
            "set profile small-office\nset printer-network 198.18.20.0/24\n");
  EXPECT_EQ(rendered(R"({"lines":["a","b"]})"), "a\nb\n");
  EXPECT_EQ(rendered(R"({"flows":[]})"), "no flows\n");
  EXPECT_EQ(rendered("null"), "");
}

TEST(CliRender, EventLine) {
  EXPECT_EQ(format_event(json::parse(R"({"ts":"2026-11-25T19:03:00.000001Z","action":"drop",
        "reason":"service-deny","proto":"tcp","src_ip":"198.18.0.9","src_port":40000,
        "dst_ip":"198.18.20.5","dst_port":631,"vlan":0,"service":"ipp-print","app":null,
        "count":1})")),
            "2026-11-25T19:03:00.000001Z drop service-deny tcp 198.18.0.9:40000 -> "
            "198.18.20.5:631 service=ipp-print");
}

TEST(CliRender, ConfigErrorsWithSuggestions) {
  std::ostringstream out, err;
  print_reply(json::parse(R"({"id":3,"code":4,"message":"commit failed: 2 errors","data":null,
        "errors":[{"text":"candidate:3:20: error: bad port '99999'"},
                  {"text":"candidate:4:5: error: unknown keyword 'prnter'",
                   "suggestion":"printer"}]})"),
              false, out, err);
  EXPECT_EQ(err.str(),
            "error: commit failed: 2 errors\n"
            "candidate:3:20: error: bad port '99999'\n"
            "candidate:4:5: error: unknown keyword 'prnter' (did you mean 'printer'?)\n");
  EXPECT_EQ(out.str(), "");
}

TEST(Cli, MessageAndDataAsText) {
  FakeDaemon d(canned({{"show system", {ok({{"version", "0.1.0"}, {"uptime_s", 5}}, "up")}}}));
  std::ostringstream out, err;
  EXPECT_EQ(run_one_shot(options(d), {"show", "system"}, out, err), kExitOk);
  EXPECT_EQ(out.str(), "up\nuptime_s: 5\nversion:  0.1.0\n");
  EXPECT_EQ(err.str(), "");
}

TEST(Cli, JsonOutputIsOneLinePerReply) {
  FakeDaemon d(canned({{"show system", {ok({{"version", "0.1.0"}, {"uptime_s", 5}}, "up")}}}));
  CliOptions o = options(d);
  o.json = true;
  std::ostringstream out, err;
  EXPECT_EQ(run_one_shot(o, {"show system; show statistics"}, out, err), kExitOk);
  EXPECT_EQ(out.str(), "{\"uptime_s\":5,\"version\":\"0.1.0\"}\nnull\n");
  EXPECT_EQ(err.str(), "up\n");  // messages stay off the JSON stream
}

// ---------------------------------------------------------------------------------------------
// monitor events

std::vector<json> monitor_replies() {
  return {ok(nullptr, "monitoring events (Ctrl-C stops)"),
          {{"event",
            {{"ts", "2026-11-25T19:03:00.000001Z"},
             {"action", "drop"},
             {"reason", "default-deny"},
             {"proto", "udp"},
             {"src_ip", "198.18.0.9"},
             {"src_port", 5353},
             {"dst_ip", "198.18.20.5"},
             {"dst_port", 161}}}},
          {{"event",
            {{"ts", "2026-11-25T19:03:02.000000Z"},
             {"action", "alert"},
             {"reason", "port-scan"},
             {"proto", "tcp"},
             {"src_ip", "198.18.0.9"},
             {"src_port", 0},
             {"dst_ip", "198.18.20.5"},
             {"dst_port", 0},
             {"count", 25}}}}};
}

TEST(Cli, MonitorPrintsEventsUntilCtrlC) {
  FakeDaemon d(canned({{"monitor events", monitor_replies()}}));
  int cancel[2];
  ASSERT_EQ(::pipe2(cancel, O_CLOEXEC | O_NONBLOCK), 0);
  TriggerBuf buf("port-scan", cancel[1]);
  std::ostream out(&buf);
  std::ostringstream err;
  EXPECT_EQ(run_one_shot(options(d), {"monitor", "events"}, out, err, cancel[0]), kExitOk)
      << err.str();
  EXPECT_EQ(buf.str(),
            "monitoring events (Ctrl-C stops)\n"
            "2026-11-25T19:03:00.000001Z drop default-deny udp 198.18.0.9:5353 -> "
            "198.18.20.5:161\n"
            "2026-11-25T19:03:02.000000Z alert port-scan tcp 198.18.0.9:0 -> 198.18.20.5:0 "
            "count=25\n");
  EXPECT_EQ(err.str(), "");
  ::close(cancel[0]);
  ::close(cancel[1]);
}

TEST(Cli, MonitorInTheShellReturnsToOperationalModeAndReconnects) {
  FakeDaemon d(canned({{"monitor events", monitor_replies()}}));
  int cancel[2];
  ASSERT_EQ(::pipe2(cancel, O_CLOEXEC | O_NONBLOCK), 0);
  CliOptions o = options(d);
  o.json = true;
  TriggerBuf buf("port-scan", cancel[1]);
  std::ostream out(&buf);
  std::ostringstream err;
  CliSession s(o, out, err);
  s.set_cancel_fd(cancel[0]);
  EXPECT_EQ(s.run_line("monitor events reason port-scan"), CliSession::Status::kOk);
  EXPECT_FALSE(s.client().connected());
  std::istringstream lines(buf.str());
  std::string l;
  std::vector<json> printed;
  while (std::getline(lines, l)) printed.push_back(json::parse(l));
  ASSERT_EQ(printed.size(), 3u);  // data of the reply, then each event as JSON
  EXPECT_EQ(printed[0], nullptr);
  EXPECT_EQ(printed[2]["count"], 25);
  // The next command connects again.
  EXPECT_EQ(s.run_line("show statistics"), CliSession::Status::kOk);
  EXPECT_EQ(d.connection_of_line(), (std::vector<int>{1, 2}));
  EXPECT_EQ(d.requests()[0]["args"], (json{{"reason", "port-scan"}}));
  ::close(cancel[0]);
  ::close(cancel[1]);
}

// ---------------------------------------------------------------------------------------------
// Exit statuses, options, scripts

TEST(Cli, ExitStatuses) {
  FakeDaemon d(canned({{"show flows", {{{"code", kNotFound}, {"message", "no such flow"}}}}}));
  std::ostringstream out, err;
  EXPECT_EQ(run_one_shot(options(d), {"show", "statistics"}, out, err), kExitOk);
  EXPECT_EQ(run_one_shot(options(d), {"show", "flows"}, out, err), kExitFailed);
  EXPECT_NE(err.str().find("error: no such flow"), std::string::npos);

  CliOptions nowhere;
  nowhere.socket_path = "/nonexistent/printwall/control.sock";
  std::ostringstream out2, err2;
  EXPECT_EQ(run_one_shot(nowhere, {"show", "statistics"}, out2, err2), kExitNoDaemon);
  EXPECT_EQ(err2.str(),
            "printwall: cannot connect to /nonexistent/printwall/control.sock: No such file or "
            "directory (is printwalld running? --socket PATH)\n");
}

TEST(Cli, Options) {
  ::setenv("PRINTWALL_SOCKET", "/tmp/from-env.sock", 1);
  CliOptions o;
  std::string err;
  std::vector<std::string> a = {"--json", "show", "statistics"};
  ASSERT_TRUE(parse_cli_options(a, &o, &err));
  EXPECT_EQ(o.socket_path, "/tmp/from-env.sock");
  EXPECT_TRUE(o.json);
  EXPECT_EQ(a, (std::vector<std::string>{"show", "statistics"}));

  CliOptions o2;
  a = {"--socket", "/tmp/x.sock", "check-config", "--print", "-"};
  ASSERT_TRUE(parse_cli_options(a, &o2, &err));
  EXPECT_EQ(o2.socket_path, "/tmp/x.sock");
  EXPECT_EQ(a, (std::vector<std::string>{"check-config", "--print", "-"}));
  ::unsetenv("PRINTWALL_SOCKET");

  CliOptions o3;
  a = {"--socket=/tmp/y.sock"};
  ASSERT_TRUE(parse_cli_options(a, &o3, &err));
  EXPECT_EQ(o3.socket_path, "/tmp/y.sock");
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(CliOptions().socket_path, "/run/printwall/control.sock");

  a = {"--frob"};
  EXPECT_FALSE(parse_cli_options(a, &o3, &err));
  EXPECT_EQ(err, "unknown option '--frob'");
  a = {"--socket"};
  EXPECT_FALSE(parse_cli_options(a, &o3, &err));
}

TEST(Cli, ScriptSkipsCommentsAndStopsAtTheFirstError) {
  FakeDaemon d(canned({}));
  std::istringstream in("# nightly check\n\nshow statistics\n  show bogus\nshow system\n");
  std::ostringstream out, err;
  EXPECT_EQ(run_script(options(d), in, out, err), kExitFailed);
  ASSERT_EQ(d.lines().size(), 1u);
  EXPECT_EQ(d.requests()[0]["cmd"], "show statistics");
  EXPECT_NE(err.str().find("stopped at line 4"), std::string::npos) << err.str();

  std::istringstream good("configure\nset service x port 9100 ; commit\n");
  EXPECT_EQ(run_script(options(d), good, out, err), kExitOk);
  EXPECT_EQ(d.lines().size(), 4u);
}

// ---------------------------------------------------------------------------------------------
// ControlClient on a socketpair

TEST(ControlClient, SkipsEventsAndStaleRepliesAndCapsLines) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ControlClient c;
  c.adopt(sv[0]);
  const std::string pre = R"({"id":1,"event":{"reason":"x"}})" "\n"
                          R"({"id":0,"code":0,"message":"stale"})" "\n"
                          R"({"id":1,"code":0,"message":"mine","data":{"a":1}})" "\n";
  ASSERT_EQ(::write(sv[1], pre.data(), pre.size()), static_cast<ssize_t>(pre.size()));
  auto r = c.request("show system", json::object(), milliseconds(2000));
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ((*r)["message"], "mine");
  char got[256];
  ssize_t n = ::read(sv[1], got, sizeof got);
  EXPECT_EQ(std::string(got, static_cast<size_t>(n > 0 ? n : 0)),
            "{\"id\":1,\"cmd\":\"show system\",\"args\":{}}\n");

  // Nothing to read: a timeout, the connection kept.
  std::string line;
  EXPECT_EQ(c.read_line(&line, milliseconds(30)), ControlClient::Read::kTimeout);
  EXPECT_TRUE(c.connected());
  // A line over the cap ends the connection.
  c.set_max_line(16);
  const std::string big(64, 'x');
  ASSERT_EQ(::write(sv[1], big.data(), big.size()), static_cast<ssize_t>(big.size()));
  EXPECT_EQ(c.read_line(&line, milliseconds(2000)), ControlClient::Read::kTooLong);
  EXPECT_FALSE(c.connected());
  ::close(sv[1]);
}

TEST(ControlClient, ClosedAndInterrupted) {
  int sv[2], cancel[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ASSERT_EQ(::pipe2(cancel, O_CLOEXEC | O_NONBLOCK), 0);
  ControlClient c;
  c.adopt(sv[0]);
  c.set_cancel_fd(cancel[0]);
  std::string line;
  char b = 1;
  ASSERT_EQ(::write(cancel[1], &b, 1), 1);
  EXPECT_EQ(c.read_line(&line, milliseconds(-1)), ControlClient::Read::kInterrupted);
  EXPECT_TRUE(c.connected());
  ASSERT_EQ(::read(cancel[0], &b, 1), 1);
  ::close(sv[1]);
  EXPECT_EQ(c.read_line(&line, milliseconds(2000)), ControlClient::Read::kClosed);
  EXPECT_FALSE(c.connected());
  EXPECT_FALSE(c.request("show system", json::object(), milliseconds(100)));
  ::close(cancel[0]);
  ::close(cancel[1]);
}

// ---------------------------------------------------------------------------------------------
// Completion, `?` and help

TEST(CliComplete, TabCompletesASingleCandidate) {
  EXPECT_EQ(tab_complete("show st", Mode::Operational).insert, "atistics ");
  EXPECT_TRUE(tab_complete("show st", Mode::Operational).list.empty());
  EXPECT_EQ(tab_complete("set serv", Mode::Configuration).insert, "ice ");
  EXPECT_EQ(tab_complete("set service x po", Mode::Configuration).insert, "rt ");
  // After a ';' only the last command counts.
  EXPECT_EQ(tab_complete("configure; show st", Mode::Operational).insert, "atistics ");
}

// With the daemon's names: services and groups where a tag's key or a group reference comes,
// printers after `show flows printer`.
TEST(CliComplete, NamesTheDaemonKnows) {
  KnownNames k{{"raw-print", "ipp-print"}, {"management", "print-servers"}, {"198.18.20.5"}};
  auto words = [&](std::string_view line, Mode m) {
    std::vector<std::string> w;
    for (const auto& c : complete(line, m, &k)) w.push_back(c.word);
    return w;
  };
  using ::testing::Contains;
  using ::testing::Not;
  EXPECT_THAT(words("set service ", Mode::Configuration), Contains("raw-print"));
  EXPECT_THAT(words("set service ra", Mode::Configuration), Not(Contains("ipp-print")));
  // (a new name may be typed too: the common prefix, no space)
  EXPECT_EQ(tab_complete("set service ra", Mode::Configuration, &k).insert, "w-print");
  EXPECT_THAT(words("set group ", Mode::Configuration), Contains("print-servers"));
  EXPECT_THAT(words("set service raw-print peer-group ", Mode::Configuration), Contains("management"));
  EXPECT_THAT(words("show flows printer ", Mode::Operational), Contains("198.18.20.5"));
  EXPECT_THAT(words("show flows printer ", Mode::Operational), Not(Contains("protocol")));
  // Without names, the hints as before.
  EXPECT_THAT(words("set service raw-print ", Mode::Configuration), Not(Contains("management")));
  EXPECT_EQ(tab_complete("set service ra", Mode::Configuration).insert, "");
}

// `?` says which statements wait for the next start of printwalld.
TEST(CliComplete, HelpMarksSettingsReadAtStart) {
  auto help = [](std::string_view line, std::string_view word) {
    for (const auto& c : complete(line, Mode::Configuration))
      if (c.word == word) return c.help;
    return std::string("(none)");
  };
  EXPECT_NE(help("set dataplane ", "workers").find("(at the next start)"), std::string::npos);
  EXPECT_NE(help("set ", "dataplane").find("(at the next start)"), std::string::npos);
  EXPECT_NE(help("set flows timeout ", "udp").find("(at the next start)"), std::string::npos);
  EXPECT_EQ(help("set flows ", "max-per-source").find("(at the next start)"), std::string::npos);
  EXPECT_EQ(help("set ", "printer-network").find("(at the next start)"), std::string::npos);
}

TEST(CliComplete, TabListsSeveralAndNeverInsertsHints) {
  TabAction a = tab_complete("show ", Mode::Operational);
  EXPECT_EQ(a.insert, "");
  EXPECT_GE(a.list.size(), 5u);
  TabAction b = tab_complete("set service ", Mode::Configuration);  // the service's name
  EXPECT_EQ(b.insert, "");
  ASSERT_EQ(b.list.size(), 1u);
  EXPECT_EQ(b.list[0].word.front(), '<');
  TabAction c = tab_complete("rollback ", Mode::Configuration);
  EXPECT_EQ(c.insert, "");
  ASSERT_EQ(c.list.size(), 1u);
  EXPECT_EQ(c.list[0].word, "<N>");
}

TEST(CliComplete, QuestionMarkListsTheNextWords) {
  std::string h = help_listing("show ", Mode::Operational);
  for (const char* w : {"statistics", "flows", "events", "configuration", "interfaces", "system",
                        "log", "policy"})
    EXPECT_NE(h.find("  " + std::string(w) + " "), std::string::npos) << w << "\n" << h;
  EXPECT_NE(h.find("counters per port, worker and reason"), std::string::npos) << h;
  EXPECT_EQ(h.find("monitor"), std::string::npos);
  EXPECT_EQ(h.find("<[Enter]>"), std::string::npos);
  // A complete command offers Enter next to its arguments.
  std::string f = help_listing("show flows ", Mode::Operational);
  EXPECT_NE(f.find("printer"), std::string::npos);
  EXPECT_NE(f.find("<[Enter]>"), std::string::npos);
  EXPECT_EQ(format_completions({{"a", "first"}, {"bcd", "second"}}),
            "  a    first\n  bcd  second\n");
}

TEST(CliHelp, ListsDaemonCommandsWithModesAndDescribesOne) {
  std::ostringstream all;
  print_daemon_commands(all);
  for (const auto& c : command_table())
    EXPECT_NE(all.str().find(c.name), std::string::npos) << c.name;
  EXPECT_NE(all.str().find("op,conf"), std::string::npos);
  std::ostringstream one;
  ASSERT_TRUE(describe_command("show flows", one));
  EXPECT_NE(one.str().find(
                "usage: show flows [printer ADDRESS] [protocol PROTO] [app APP] [state STATE] "
                "[limit N]"),
            std::string::npos)
      << one.str();
  std::ostringstream none;
  EXPECT_FALSE(describe_command("frobnicate", none));
  std::ostringstream prefix;
  EXPECT_TRUE(describe_command("show log", prefix));
  EXPECT_NE(prefix.str().find("show log audit"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Output pipes (| match, | except, | count, | display json, | display set)

TEST(CliPipes, SplitsFiltersAndKeepsCompareACommand) {
  std::string base, err;
  OutputPipes p;
  ASSERT_TRUE(split_pipes("show statistics | match drop | except tcp | count", &base, &p, &err)) << err;
  EXPECT_EQ(base, "show statistics");
  ASSERT_EQ(p.filters.size(), 2u);
  EXPECT_TRUE(p.filters[0].keep_matches);
  EXPECT_EQ(p.filters[0].pattern, "drop");
  EXPECT_FALSE(p.filters[1].keep_matches);
  EXPECT_TRUE(p.count);
  ASSERT_TRUE(split_pipes("show | compare rollback 2 | match service", &base, &p, &err)) << err;
  EXPECT_EQ(base, "show | compare rollback 2");
  EXPECT_EQ(p.filters.size(), 1u);
  ASSERT_TRUE(split_pipes("show configuration | match \"raw|ipp\" | display set", &base, &p, &err));
  EXPECT_EQ(p.filters[0].pattern, "raw|ipp");  // quoted: the '|' is the pattern's
  EXPECT_TRUE(p.display_set);
  ASSERT_TRUE(split_pipes("show events | display json", &base, &p, &err));
  EXPECT_TRUE(p.display_json);
  // A '|' inside a quoted argument is not a pipe.
  ASSERT_TRUE(split_pipes("commit comment \"a | b\"", &base, &p, &err));
  EXPECT_EQ(base, "commit comment \"a | b\"");
  EXPECT_TRUE(p.empty());
}

TEST(CliPipes, UnknownOrIncompletePipesAreErrors) {
  std::string base, err;
  OutputPipes p;
  EXPECT_FALSE(split_pipes("show statistics | grep drop", &base, &p, &err));
  EXPECT_NE(err.find("unknown pipe '| grep drop'"), std::string::npos) << err;
  EXPECT_NE(err.find("match, except, count"), std::string::npos) << err;
  EXPECT_FALSE(split_pipes("show statistics | match", &base, &p, &err));
  EXPECT_NE(err.find("needs a pattern"), std::string::npos) << err;
  EXPECT_FALSE(split_pipes("show statistics | match (", &base, &p, &err));
  EXPECT_NE(err.find("not a regular expression"), std::string::npos) << err;
  EXPECT_FALSE(split_pipes("show statistics |", &base, &p, &err));
  EXPECT_FALSE(split_pipes("show statistics | display xml", &base, &p, &err));
  EXPECT_FALSE(split_pipes("show statistics | count 3", &base, &p, &err));
}

TEST(CliPipes, FiltersApplyInOrderAndCountLast) {
  std::string base, err;
  OutputPipes p;
  const std::string text = "frames_in 10\nforwarded 9\ndropped 1\nframes_total 3\n";
  ASSERT_TRUE(split_pipes("x | match ^f", &base, &p, &err));
  EXPECT_EQ(p.apply(text), "frames_in 10\nforwarded 9\nframes_total 3\n");
  ASSERT_TRUE(split_pipes("x | match ^f | except total", &base, &p, &err));
  EXPECT_EQ(p.apply(text), "frames_in 10\nforwarded 9\n");
  ASSERT_TRUE(split_pipes("x | except ^f | count", &base, &p, &err));
  EXPECT_EQ(p.apply(text), "Count: 1 lines\n");
  ASSERT_TRUE(split_pipes("x | match nothing-like-it", &base, &p, &err));
  EXPECT_EQ(p.apply(text), "");
}

// What does not parse is refused before connecting (exit 2), pipes and `run` included.
TEST(CliPipes, OneShotRefusesBadPipesBeforeConnecting) {
  CliOptions o;
  o.socket_path = "/nonexistent/printwall.sock";
  auto run = [&](std::vector<std::string> w, std::string* e) {
    std::ostringstream out, err;
    const int rc = run_one_shot(o, w, out, err);
    *e = err.str();
    return rc;
  };
  std::string e;
  EXPECT_EQ(run({"show statistics | grep x"}, &e), kExitUsage);
  EXPECT_NE(e.find("unknown pipe"), std::string::npos) << e;
  EXPECT_EQ(run({"show statistics | display set"}, &e), kExitUsage);
  EXPECT_NE(e.find("display set' applies to show configuration"), std::string::npos) << e;
  EXPECT_EQ(run({"run show statistics"}, &e), kExitUsage);  // run is for configuration mode
  EXPECT_EQ(run({"configure; run configure"}, &e), kExitUsage);
  EXPECT_EQ(run({"configure; run"}, &e), kExitUsage);
  EXPECT_EQ(run({"monitor events | count"}, &e), kExitUsage);
  // Well-formed: parses, then finds no daemon (exit 3).
  EXPECT_EQ(run({"configure; run show statistics | match frames; commit and-quit; show system"}, &e),
            kExitNoDaemon)
      << e;
}

}  // namespace
}  // namespace pw::mgmt
