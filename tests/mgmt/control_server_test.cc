// The control server in process, with a fake dataplane: the socket's limits (mode and group,
// connections per user, the idle timeout, the reply cap, a peer that never reads), each with a
// real Unix socket. Runs as root or not: the peer is this process (its uid).
#include "mgmt/control_server.h"

#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "mgmt/commands.h"
#include "mgmt/config_store.h"
#include "mgmt/local_log.h"

namespace pw::mgmt {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A dataplane that accepts every policy and answers `show flows` with `rows` rows.
class FakeBackend : public ControlBackend {
 public:
  size_t rows = 10;
  std::string refusal;  // restart_refusal's answer
  std::string restart_refusal(const std::string&) override { return refusal; }
  bool apply(const std::string&, std::vector<std::string>*, uint64_t* generation) override {
    *generation = ++generation_;
    return true;
  }
  json statistics() override { return {{"frames_in", 0}}; }
  void clear_statistics() override {}
  json flows(const json&) override {
    json a = json::array();
    for (size_t i = 0; i < rows; ++i) a.push_back({{"client", "198.18.0." + std::to_string(i % 250)}, {"pad", std::string(100, 'x')}});
    return {{"flows", a}};
  }
  void clear_flows() override {}
  json interfaces() override { return json::object(); }
  json system() override { return {{"policy_generation", generation_}}; }
  // One blocked source, 198.18.0.66, until it is cleared.
  json blocked_sources() override {
    json a = json::array();
    if (blocked) a.push_back({{"address", "198.18.0.66"}, {"remaining_s", 60}});
    return {{"blocked_sources", a}};
  }
  size_t clear_blocked_sources(const std::optional<IpAddr>& only) override {
    if (!blocked || (only && only->str() != "198.18.0.66")) return 0;
    blocked = false;
    return 1;
  }
  bool blocked = true;

 private:
  uint64_t generation_ = 1;
};

// One client connection, raw.
class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return ok_; }
  int fd() const { return fd_; }
  bool send(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size()); }
  // The next line, or "" on EOF / `timeout_ms` without one.
  std::string line(int timeout_ms = 5000) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string l = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return l;
      }
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      end - std::chrono::steady_clock::now()).count());
      if (left <= 0) return "";
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) return "";
      char b[65536];
      ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) return "";
      buf_.append(b, static_cast<size_t>(n));
    }
  }
  json ask(const std::string& cmd, json args = json::object()) {
    send(json{{"id", 1}, {"cmd", cmd}, {"args", args}}.dump() + "\n");
    std::string l = line();
    return l.empty() ? json() : json::parse(l);
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

struct ControlLimits : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("pw-ctl-" + std::to_string(::getpid()));
  FakeBackend backend;
  LocalLog events{100}, audit{1000};
  ControlOptions opt;
  std::unique_ptr<ControlServer> server;

  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
    opt.socket_path = (dir / "ctl.sock").string();
    opt.state_dir = (dir / "state").string();
    opt.group = "pw-no-such-group-for-tests";
  }
  void TearDown() override {
    if (server) server->stop();
    fs::remove_all(dir);
  }
  void start() {
    server = std::make_unique<ControlServer>(opt, backend, events, audit);
    std::vector<std::string> errs;
    server->startup_text("set profile small-office\nset printer-network 198.18.20.0/24\n", "t.conf", &errs);
    std::string err;
    ASSERT_TRUE(server->start(&err)) << err;
  }
  size_t audited(const std::string& event, const std::string& reason = {}) {
    size_t n = 0;
    for (const auto& r : audit.last(1000))
      n += r.value("event", "") == event && (reason.empty() || r.value("reason", "") == reason);
    return n;
  }
};

TEST_F(ControlLimits, SocketIsNotWorldWritable) {
  start();
  struct stat st {};
  ASSERT_EQ(::stat(opt.socket_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // no such group: root's alone
  server->stop();
  server.reset();
  // With the group: 0660 and that group (root's own group 0 stands in for `printwall` here when
  // run as root; otherwise the caller's primary group).
  struct group* g = ::getgrgid(::getgid());
  ASSERT_NE(g, nullptr);
  opt.group = g->gr_name;
  start();
  ASSERT_EQ(::stat(opt.socket_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_gid, ::getgid());
}

TEST_F(ControlLimits, ConnectionsPerUserAreCapped) {
  opt.max_connections_per_uid = 3;
  start();
  std::vector<std::unique_ptr<Client>> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(std::make_unique<Client>(opt.socket_path));
    ASSERT_EQ(mine.back()->ask("show system")["code"], kOk);
  }
  Client fourth(opt.socket_path);
  std::string l = fourth.line();
  ASSERT_FALSE(l.empty());
  json r = json::parse(l);
  EXPECT_EQ(r["code"], kConflict);
  EXPECT_NE(r["message"].get<std::string>().find("per user"), std::string::npos) << r.dump();
  EXPECT_EQ(fourth.line(500), "");  // and closed
  // One closes: room for another.
  mine.pop_back();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Client again(opt.socket_path);
  EXPECT_EQ(again.ask("show system")["code"], kOk);
}

TEST_F(ControlLimits, IdleConnectionsAreClosedAndAudited) {
  opt.idle_timeout = std::chrono::seconds(1);
  start();
  Client c(opt.socket_path);
  ASSERT_EQ(c.ask("configure")["code"], kOk);
  ASSERT_EQ(c.ask("set", {{"line", "set service raw-print description idle"}})["code"], kOk);
  std::string l = c.line(4000);  // the server's goodbye
  ASSERT_FALSE(l.empty());
  EXPECT_NE(json::parse(l)["message"].get<std::string>().find("idle"), std::string::npos);
  EXPECT_EQ(c.line(1000), "");
  EXPECT_EQ(audited("session-close", "timeout"), 1u);
  for (const auto& r : audit.last(1000))
    if (r.value("reason", "") == "timeout") {
      EXPECT_TRUE(r.value("discarded_changes", false));
    }
  // A busy connection is not idle; a monitoring one neither.
  Client busy(opt.socket_path), mon(opt.socket_path);
  ASSERT_EQ(mon.ask("monitor events")["code"], kOk);
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    ASSERT_EQ(busy.ask("show system")["code"], kOk) << i;
  }
  server->publish_event({{"reason", "test"}});
  std::string ev = mon.line(2000);
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(json::parse(ev)["event"]["reason"], "test");
}

TEST_F(ControlLimits, RepliesOverTheCapAreRefusedClearly) {
  opt.max_reply_bytes = 64 << 10;
  start();
  Client c(opt.socket_path);
  backend.rows = 100;
  EXPECT_EQ(c.ask("show flows")["code"], kOk);
  backend.rows = 5000;  // ~600 KB
  json r = c.ask("show flows");
  EXPECT_EQ(r["code"], kTooLarge);
  EXPECT_EQ(r["id"], 1);
  EXPECT_NE(r["message"].get<std::string>().find("ask for less"), std::string::npos);
  EXPECT_EQ(c.ask("show system")["code"], kOk);  // the connection goes on
}

// A peer that pipelines requests and never reads: the server stops reading it once a bounded
// amount of replies waits, so its memory does not grow; the peer's sends then block (its
// socket buffers fill). Reading everything afterwards gets every reply, in order.
TEST_F(ControlLimits, APeerThatNeverReadsCannotGrowTheServer) {
  opt.max_queued_bytes = 64 << 10;
  start();
  backend.rows = 40;  // ~5 KB per reply
  Client c(opt.socket_path);
  const std::string req = json{{"id", 1}, {"cmd", "show flows"}}.dump() + "\n";
  size_t sent = 0;
  for (; sent < 100000; ++sent) {
    pollfd p{c.fd(), POLLOUT, 0};
    if (::poll(&p, 1, 300) <= 0) break;  // the server stopped reading us
    if (!c.send(req)) break;
  }
  EXPECT_LT(sent, 100000u) << "the server read every request without the replies being read";
  size_t got = 0;
  while (got < sent) {
    std::string l = c.line(5000);
    if (l.empty()) break;
    ASSERT_EQ(json::parse(l)["code"], kOk);
    ++got;
  }
  EXPECT_EQ(got, sent);
}

// --- Commands without a daemon ------------------------------------------------------------------

TEST(ControlServer, EveryCommandOfTheTableHasAHandler) {
  EXPECT_TRUE(ControlServer::table_mismatches().empty());
  for (const auto& m : ControlServer::table_mismatches()) ADD_FAILURE() << m;
}

// The docs are written from the same table: every command has its line in docs/control.md.
TEST(ControlServer, EveryCommandOfTheTableIsDocumented) {
  const char* root = std::getenv("PW_SOURCE_ROOT");
  ASSERT_NE(root, nullptr);
  std::ifstream in(std::string(root) + "/docs/control.md");
  ASSERT_TRUE(in) << "docs/control.md missing";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  // Markdown tables escape '|' inside code spans (`show \| compare`).
  for (size_t at; (at = doc.find("\\|")) != std::string::npos;) doc.erase(at, 1);
  for (const CommandSpec& c : command_table())
    EXPECT_NE(doc.find(std::string("`") + c.name), std::string::npos)
        << "'" << c.name << "' is not in docs/control.md";
}

TEST_F(ControlLimits, CommandsAndTheirReplyCodes) {
  start();
  Client c(opt.socket_path);
  EXPECT_EQ(c.ask("show system")["code"], kOk);
  EXPECT_EQ(c.ask("frobnicate")["code"], kUnknownCommand);
  c.send("not json\n");
  EXPECT_EQ(json::parse(c.line())["code"], kBadRequest);
  c.send("{\"id\": 4}\n");
  EXPECT_EQ(json::parse(c.line())["code"], kBadRequest);
  EXPECT_EQ(c.ask("commit")["code"], kConflict);  // configuration mode first
  EXPECT_EQ(c.ask("configure")["code"], kOk);
  EXPECT_EQ(c.ask("configure")["code"], kConflict);
  json bad = c.ask("set", {{"line", "set servce raw-print port 9100"}});
  EXPECT_EQ(bad["code"], kConfigError);
  EXPECT_NE(bad["errors"][0]["text"].get<std::string>().find("candidate:1:5"), std::string::npos) << bad;
  EXPECT_EQ(c.ask("set", {{"line", "set service raw-print description unit"}})["code"], kOk);
  EXPECT_EQ(c.ask("exit")["code"], kConflict);  // uncommitted changes
  EXPECT_EQ(c.ask("commit", {{"confirmed", "0"}})["code"], kUsage);
  json done = c.ask("commit", {{"comment", "from the unit test"}});
  EXPECT_EQ(done["code"], kOk) << done;
  EXPECT_EQ(c.ask("rollback", {{"value", "99"}})["code"], kNotFound);
  EXPECT_EQ(c.ask("exit")["code"], kOk);
  json hist = c.ask("show system commit");
  ASSERT_EQ(hist["code"], kOk);
  EXPECT_EQ(hist["data"]["commits"][0]["comment"], "from the unit test");
  json conf = c.ask("show configuration");
  EXPECT_NE(conf["data"]["text"].get<std::string>().find("raw-print description unit"), std::string::npos);
  EXPECT_EQ(audited("commit"), 1u);
}

// `show blocked-sources` lists, `clear blocked-sources [address A]` lifts and is audited; an
// address that is not one, or one that is not blocked, is a clear refusal.
TEST_F(ControlLimits, BlockedSourcesAreListedAndCleared) {
  start();
  Client c(opt.socket_path);
  json list = c.ask("show blocked-sources");
  ASSERT_EQ(list["code"], kOk);
  ASSERT_EQ(list["data"]["blocked_sources"].size(), 1u);
  EXPECT_EQ(list["data"]["blocked_sources"][0]["address"], "198.18.0.66");
  EXPECT_EQ(c.ask("clear blocked-sources", {{"address", "198.18.0.666"}})["code"], kUsage);
  EXPECT_EQ(c.ask("clear blocked-sources", {{"address", "198.18.0.67"}})["code"], kNotFound);
  json done = c.ask("clear blocked-sources", {{"address", "198.18.0.66"}});
  EXPECT_EQ(done["code"], kOk) << done;
  EXPECT_EQ(done["message"], "1 block lifted") << done;
  EXPECT_TRUE(c.ask("show blocked-sources")["data"]["blocked_sources"].empty());
  EXPECT_EQ(c.ask("clear blocked-sources")["code"], kOk);  // none left: fine, 0 lifted
  EXPECT_EQ(audited("clear blocked-sources address 198.18.0.66") + audited("clear blocked-sources"), 2u);
}

// Roles come from the peer's Unix identity: a process of `nobody` in the socket's group may
// connect but holds no role (needs root to change identity; skipped otherwise).
TEST_F(ControlLimits, NoRoleNoCommandAndTheAttemptIsAudited) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  struct group* g = ::getgrnam("nogroup");
  struct passwd* pw = ::getpwnam("nobody");
  if (!g || !pw) GTEST_SKIP() << "no nobody/nogroup";
  opt.group = "nogroup";
  fs::permissions(dir, fs::perms::all);  // the peer must reach the socket
  start();
  pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(g->gr_gid) != 0 || ::setuid(pw->pw_uid) != 0) _exit(10);
    Client c(opt.socket_path);
    if (!c.connected()) _exit(11);
    json r = c.ask("show system");
    _exit(r.is_object() && r["code"] == kDenied ? 0 : 12);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(audited("denied"), 1u);
}

const char* const kStartConf = "set profile small-office\nset printer-network 198.18.20.0/24\n";

// A first start records its file only once the dataplane runs from it: a start that fails leaves
// nothing behind, and the corrected file is read the next time.
TEST_F(ControlLimits, AFirstStartIsRecordedOnlyOnceItStarted) {
  std::vector<std::string> errs;
  server = std::make_unique<ControlServer>(opt, backend, events, audit);
  EXPECT_EQ(server->startup_text(kStartConf, "t.conf", &errs), kStartConf);
  EXPECT_TRUE(server->starts_from_file());
  server.reset();  // the dataplane did not start
  ConfigStore before(opt.state_dir);
  std::string err;
  ASSERT_TRUE(before.open(&err)) << err;
  EXPECT_EQ(before.size(), 0u);
  EXPECT_EQ(before.started(), std::nullopt);

  server = std::make_unique<ControlServer>(opt, backend, events, audit);
  server->startup_text(kStartConf, "t.conf", &errs);
  EXPECT_TRUE(server->starts_from_file());
  ASSERT_TRUE(server->started(&errs)) << (errs.empty() ? "" : errs.front());
  ConfigStore after(opt.state_dir);
  ASSERT_TRUE(after.open(&err)) << err;
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after.history().front().kind, CommitKind::Initial);
  EXPECT_EQ(after.history().front().comment, "from t.conf");
  EXPECT_EQ(after.started(), after.history().front().id);
  EXPECT_EQ(audited("commit"), 1u);

  server = std::make_unique<ControlServer>(opt, backend, events, audit);
  server->startup_text("set profile enterprise\n", "t.conf", &errs);
  EXPECT_FALSE(server->starts_from_file());  // the history wins over the file
  EXPECT_FALSE(server->fall_back("whatever", nullptr));  // it is the commit that started
}

// Settings the dataplane reads at its start: a commit records them, says they wait for the next
// start, and `show system` lists them; the backend may refuse what the next start could not run.
TEST_F(ControlLimits, RestartOnlyChangesWaitForTheNextStartOrAreRefused) {
  start();
  std::vector<std::string> errs;
  ASSERT_TRUE(server->started(&errs));
  Client c(opt.socket_path);
  ASSERT_EQ(c.ask("configure")["code"], kOk);
  ASSERT_EQ(c.ask("set", {{"line", "set dataplane workers 2"}})["code"], kOk);
  ASSERT_EQ(c.ask("set", {{"line", "set service raw-print description later"}})["code"], kOk);
  json r = c.ask("commit");
  ASSERT_EQ(r["code"], kOk) << r.dump();
  EXPECT_NE(r["message"].get<std::string>().find("next start"), std::string::npos) << r.dump();
  EXPECT_EQ(r["data"]["restart_pending"], json::array({"set dataplane workers 2"})) << r.dump();
  json sys = c.ask("show system");
  EXPECT_EQ(sys["data"]["restart_pending"], json::array({"set dataplane workers 2"})) << sys.dump();
  // A live change alone says nothing of a restart.
  ASSERT_EQ(c.ask("set", {{"line", "set service raw-print description now"}})["code"], kOk);
  r = c.ask("commit");
  ASSERT_EQ(r["code"], kOk) << r.dump();
  EXPECT_FALSE(r["data"].contains("restart_pending")) << r.dump();
  // What the next start could not run is refused, and nothing changes.
  backend.refusal = "dataplane workers 3: the next start needs 4 lcores";
  ASSERT_EQ(c.ask("set", {{"line", "set dataplane workers 3"}})["code"], kOk);
  r = c.ask("commit");
  EXPECT_EQ(r["code"], kConfigError) << r.dump();
  EXPECT_NE(r.dump().find("needs 4 lcores"), std::string::npos) << r.dump();
  sys = c.ask("show system");
  EXPECT_EQ(sys["data"]["restart_pending"], json::array({"set dataplane workers 2"})) << sys.dump();
  // Back to what the dataplane started with: nothing pending.
  backend.refusal.clear();
  ASSERT_EQ(c.ask("delete", {{"line", "delete dataplane workers"}})["code"], kOk);
  ASSERT_EQ(c.ask("commit")["code"], kOk);
  EXPECT_EQ(c.ask("show system")["data"]["restart_pending"], json::array());
}

// The last commit cannot start: the configuration of the last commit that started is committed
// again, by printwalld, with the reason; the next start runs it and falls back no further.
TEST_F(ControlLimits, AFailedStartFallsBackToTheLastCommitThatStarted) {
  start();
  std::vector<std::string> errs;
  ASSERT_TRUE(server->started(&errs));
  {
    Client c(opt.socket_path);
    ASSERT_EQ(c.ask("configure")["code"], kOk);
    ASSERT_EQ(c.ask("set", {{"line", "set dataplane workers 2"}})["code"], kOk);
    ASSERT_EQ(c.ask("commit")["code"], kOk);
  }
  server->stop();
  server = std::make_unique<ControlServer>(opt, backend, events, audit);
  const std::string latest = server->startup_text(kStartConf, "t.conf", &errs);
  EXPECT_NE(latest.find("workers 2"), std::string::npos) << latest;
  std::string record;
  std::optional<uint64_t> id = server->fall_back("2 workers need 3 lcores", &record);
  ASSERT_TRUE(id);
  ConfigStore st(opt.state_dir);
  std::string err;
  ASSERT_TRUE(st.open(&err)) << err;
  const CommitMeta m = st.history().front();
  EXPECT_EQ(m.id, *id);
  EXPECT_EQ(m.kind, CommitKind::Rollback);
  EXPECT_EQ(m.rollback_of, std::optional<uint64_t>(1));
  EXPECT_EQ(m.user, "printwalld");
  EXPECT_NE(m.comment.find("commit 2 could not start (2 workers need 3 lcores)"), std::string::npos)
      << m.comment;
  EXPECT_EQ(st.latest_text(), st.text_of(2));  // the first commit's configuration again
  const json a = json::parse(record);
  EXPECT_EQ(a["event_type"], "audit");
  EXPECT_EQ(a["commit_id"], *id);

  server = std::make_unique<ControlServer>(opt, backend, events, audit);
  EXPECT_EQ(server->startup_text(kStartConf, "t.conf", &errs).find("workers 2"), std::string::npos);
  ASSERT_TRUE(server->started(&errs));
  EXPECT_FALSE(server->fall_back("again", nullptr));
}

}  // namespace
}  // namespace pw::mgmt
