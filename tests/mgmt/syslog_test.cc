// RFC 5424 formatting, the sender's queues and accounting, and delivery to a real rsyslogd
// (UDP, TCP with octet counting, TLS through its ossl or gtls driver) that the tests start in a
// temporary directory, with certificates made by the openssl CLI. The rsyslog tests skip when
// rsyslogd (or, for TLS, its TLS driver or the openssl CLI) is not installed:
// appliance/install-deps puts them in place (rsyslog, rsyslog-openssl, openssl).
#include "mgmt/syslog.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "policy/config.h"
#include "policy/policy_model.h"

namespace pw::mgmt {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Transport = SyslogDestination::Transport;

constexpr uint64_t kTs = 1795633380123456789ull;  // 2026-11-25T19:03:00.123456789Z

LogRecord record() {
  LogRecord r;
  r.ts_ns = kTs;
  r.severity = kSevWarning;
  r.msgid = "service-deny";
  r.fields = {{"action", "drop"}, {"src_ip", "198.18.0.9"}, {"dst_port", "631"}};
  r.msg = "frame denied by policy";
  return r;
}

// --- Formatting ---

TEST(Rfc5424, FixedRecord) {
  EXPECT_EQ(format_rfc5424(record(), 16, "printwall", "printwall", 4242),
            "<132>1 2026-11-25T19:03:00.123456Z printwall printwall 4242 service-deny "
            "[printwall@32473 action=\"drop\" src_ip=\"198.18.0.9\" dst_port=\"631\"] "
            "frame denied by policy");
  EXPECT_EQ(kSyslogSdId, "printwall@32473");
}

TEST(Rfc5424, Priority) {
  auto pri = [](int facility, int severity) {
    LogRecord r = record();
    r.severity = severity;
    std::string s = format_rfc5424(r, facility, "h", "a", 1);
    return s.substr(0, s.find(' '));
  };
  EXPECT_EQ(pri(0, 0), "<0>1");
  EXPECT_EQ(pri(4, 2), "<34>1");    // auth.crit, RFC 5424 example 1
  EXPECT_EQ(pri(16, 6), "<134>1");  // local0.info
  EXPECT_EQ(pri(23, 7), "<191>1");
  EXPECT_EQ(pri(99, 9), "<191>1");  // clamped
  EXPECT_EQ(pri(-1, -1), "<0>1");
}

TEST(Rfc5424, TimestampIsUtcMicroseconds) {
  LogRecord r = record();
  r.ts_ns = 1000000000ull * 86400 + 999999999;  // 1970-01-02, truncated, not rounded
  EXPECT_NE(format_rfc5424(r, 16, "h", "a", 1).find(" 1970-01-02T00:00:00.999999Z "),
            std::string::npos);
  r.ts_ns = 951782400ull * 1000000000 + 1000;  // leap day 2000
  EXPECT_NE(format_rfc5424(r, 16, "h", "a", 1).find(" 2000-02-29T00:00:00.000001Z "),
            std::string::npos);
}

TEST(Rfc5424, NilValues) {
  LogRecord r;
  r.severity = kSevInfo;
  EXPECT_EQ(format_rfc5424(r, 16, "", "", 0), "<134>1 - - - - - -");
  r.msg = "text";
  EXPECT_EQ(format_rfc5424(r, 16, "", "", -5), "<134>1 - - - - - - text");
}

TEST(Rfc5424, ParamValueEscaping) {
  LogRecord r = record();
  r.fields = {{"v", "a\"b\\c]d [x=y] 'q'"}};
  r.msg = "msg \"not\" escaped ] \\";
  EXPECT_EQ(format_rfc5424(r, 16, "h", "a", 1),
            "<132>1 2026-11-25T19:03:00.123456Z h a 1 service-deny "
            "[printwall@32473 v=\"a\\\"b\\\\c\\]d [x=y\\] 'q'\"] msg \"not\" escaped ] \\");
}

TEST(Rfc5424, SanitizesNames) {
  LogRecord r = record();
  r.msgid = "port scan\t!" + std::string(40, 'x');
  r.fields = {{"bad key=x]\"y", "1"}, {std::string(40, 'k'), "2"}, {"", "3"}, {"caf\xC3\xA9", "4"}};
  r.msg.clear();
  std::string s = format_rfc5424(r, 16, "my host\n", std::string(60, 'a'), 7);
  EXPECT_EQ(s, "<132>1 2026-11-25T19:03:00.123456Z my_host_ " + std::string(48, 'a') + " 7 " +
                   "port_scan_!" + std::string(21, 'x') + " [printwall@32473 bad_key_x__y=\"1\" " +
                   std::string(32, 'k') + "=\"2\" _=\"3\" caf__=\"4\"]");
  EXPECT_EQ(format_rfc5424(r, 16, std::string(300, 'h'), "a", 1).find(std::string(256, 'h')),
            std::string::npos);
  EXPECT_NE(format_rfc5424(r, 16, std::string(300, 'h'), "a", 1).find(std::string(255, 'h')),
            std::string::npos);
}

TEST(Rfc5424, Utf8WithoutBom) {
  LogRecord r = record();
  r.fields = {{"name", "Dr\u00fccker \u20ac"}, {"bad", "x\xFFy\xC0\xAFz\xED\xA0\x80"}};
  r.msg = "\xC3\xA9t\xC3\xA9 \xF0\x9F\x96\xA8 \xE2\x82";
  std::string s = format_rfc5424(r, 16, "h", "a", 1);
  EXPECT_NE(s.find("name=\"Dr\u00fccker \u20ac\""), std::string::npos) << s;  // kept
  // Invalid bytes, an overlong '/' and a surrogate: one U+FFFD per byte.
  EXPECT_NE(
      s.find("bad=\"x\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""),
      std::string::npos)
      << s;
  EXPECT_NE(s.find("] \xC3\xA9t\xC3\xA9 \xF0\x9F\x96\xA8 \xEF\xBF\xBD\xEF\xBF\xBD"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("\xEF\xBB\xBF"), std::string::npos);  // no BOM
}

TEST(Rfc5424, Facilities) {
  EXPECT_EQ(syslog_facility("kern"), 0);
  EXPECT_EQ(syslog_facility("user"), 1);
  EXPECT_EQ(syslog_facility("daemon"), 3);
  EXPECT_EQ(syslog_facility("auth"), 4);
  EXPECT_EQ(syslog_facility("local0"), 16);
  EXPECT_EQ(syslog_facility("local7"), 23);
  EXPECT_EQ(syslog_facility("local8"), -1);
  EXPECT_EQ(syslog_facility("mail"), -1);
}

TEST(SyslogConfigTest, FromPolicy) {
  policy::ParseResult p = policy::parse_config(
      "set system host-name fw-lab-1\n"
      "set syslog facility local3\n"
      "set syslog queue-size 1024\n"
      "set syslog host 198.18.30.10 transport tls\n"
      "set syslog host 198.18.30.10 ca-file \"/etc/printwall/siem-ca.pem\"\n"
      "set syslog host 198.18.30.10 server-name siem.example\n"
      "set syslog host 198.18.30.11 transport tcp\n"
      "set syslog host 198.18.30.11 port 1514\n"
      "set syslog host 2001:db8::514\n",
      "s.conf");
  for (const auto& e : p.errors) ADD_FAILURE() << e.str();
  policy::ModelResult m = policy::build_model(p.config);
  for (const auto& e : m.errors) ADD_FAILURE() << e.str();
  SyslogConfig c = syslog_config(m.model);
  EXPECT_EQ(c.facility, 19);
  EXPECT_EQ(c.queue_size, 1024u);
  EXPECT_EQ(c.hostname, "fw-lab-1");
  ASSERT_EQ(c.destinations.size(), 3u);
  EXPECT_EQ(c.destinations[0].str(), "tls://198.18.30.10:6514");
  EXPECT_EQ(c.destinations[0].ca_file, "/etc/printwall/siem-ca.pem");
  EXPECT_EQ(c.destinations[0].server_name, "siem.example");
  EXPECT_EQ(c.destinations[1].str(), "tcp://198.18.30.11:1514");
  EXPECT_EQ(c.destinations[2].str(), "udp://[2001:db8::514]:514");

  SyslogConfig d = syslog_config(policy::build_model(policy::Config{}).model);
  EXPECT_EQ(d.facility, 16);
  EXPECT_EQ(d.queue_size, 8192u);
  EXPECT_TRUE(d.destinations.empty());
}

// --- Sender without a collector ---

void expect_accounted(const DestinationStats& s) {
  EXPECT_EQ(s.submitted,
            s.sent + s.dropped_queue_full + s.lost_on_error + s.lost_at_stop + s.queued)
      << s.destination;
}

// A TCP port on 127.0.0.1 that refuses connections (bound, not listening) while `hold` lives.
struct RefusingPort {
  int fd = -1;
  uint16_t port = 0;
  RefusingPort() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin_port);
  }
  ~RefusingPort() {
    if (fd >= 0) ::close(fd);
  }
};

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds max) {
  auto end = Clock::now() + max;
  while (!pred()) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST(SyslogSenderTest, QueueFullDropsAndCounts) {
  SyslogConfig c;
  c.queue_size = 16;
  c.destinations = {{"127.0.0.1", 9, Transport::Tcp, "", ""}};
  SyslogSender s(c);  // not started: nothing leaves the queue
  int accepted = 0;
  for (int i = 0; i < 100; ++i) accepted += s.submit(record());
  EXPECT_EQ(accepted, 16);
  auto st = s.stats().at(0);
  EXPECT_EQ(st.submitted, 100u);
  EXPECT_EQ(st.dropped_queue_full, 84u);
  EXPECT_EQ(st.queued, 16u);
  expect_accounted(st);
  s.stop(0ms);
  st = s.stats().at(0);
  EXPECT_EQ(st.lost_at_stop, 16u);
  EXPECT_EQ(st.queued, 0u);
  EXPECT_FALSE(s.submit(record()));  // stopped
  st = s.stats().at(0);
  EXPECT_EQ(st.dropped_queue_full, 85u);
  expect_accounted(st);
}

TEST(SyslogSenderTest, NoDestinationAcceptsEverything) {
  SyslogSender s(SyslogConfig{});
  s.start();
  EXPECT_TRUE(s.submit(record()));
  EXPECT_TRUE(s.stats().empty());
  s.stop(0ms);
}

TEST(SyslogSenderTest, RefusedCollectorCountsErrorsAndNeverBlocks) {
  RefusingPort closed;
  ASSERT_NE(closed.port, 0);
  SyslogConfig c;
  c.queue_size = 64;
  c.destinations = {{"127.0.0.1", closed.port, Transport::Tcp, "", ""},
                    {"printer.example", 514, Transport::Udp, "", ""}};
  SyslogSender s(c);
  s.start();
  auto worst = Clock::duration::zero();
  for (int i = 0; i < 200; ++i) {
    auto t0 = Clock::now();
    s.submit(record());
    worst = std::max(worst, Clock::now() - t0);
  }
  EXPECT_LT(worst, 50ms);
  ASSERT_TRUE(wait_for([&] { return s.stats()[0].errors >= 3 && s.stats()[1].errors >= 1; }, 5s));
  auto st = s.stats();
  EXPECT_FALSE(st[0].connected);
  EXPECT_NE(st[0].last_error.find("refused"), std::string::npos) << st[0].last_error;
  EXPECT_EQ(st[0].sent, 0u);
  EXPECT_GT(st[0].dropped_queue_full, 0u);
  EXPECT_NE(st[1].last_error.find("not an IP address"), std::string::npos) << st[1].last_error;
  auto t0 = Clock::now();
  s.stop(300ms);
  EXPECT_LT(Clock::now() - t0, 1500ms);
  for (const auto& d : s.stats()) {
    expect_accounted(d);
    EXPECT_EQ(d.queued, 0u);
  }
}

// --- A real rsyslogd ---

std::string find_program(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates)
    if (::access(c.c_str(), X_OK) == 0) return c;
  return "";
}

bool glob_any(const std::string& pattern) {
  glob_t g{};
  bool found = ::glob(pattern.c_str(), 0, nullptr, &g) == 0 && g.gl_pathc > 0;
  globfree(&g);
  return found;
}

// rsyslog's TLS network stream driver: "ossl" (rsyslog-openssl) or "gtls" (rsyslog-gnutls).
std::string tls_driver() {
  for (const char* d : {"ossl", "gtls"})
    for (const char* dir : {"/usr/lib/*/rsyslog", "/usr/lib/rsyslog", "/usr/lib64/rsyslog"})
      if (glob_any(std::string(dir) + "/lmnsd_" + d + ".so")) return d;
  return "";
}

uint16_t free_port(int type) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

bool tcp_connects(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// rsyslogd -n in a temporary directory: imudp, imptcp (plain TCP, octet counting) and imtcp
// with the TLS driver, each writing the raw messages it receives to DIR/<transport>.log.
class Rsyslog {
 public:
  static std::string binary() {
    return find_program({"/usr/sbin/rsyslogd", "/sbin/rsyslogd", "/usr/local/sbin/rsyslogd"});
  }
  static std::string openssl() { return find_program({"/usr/bin/openssl", "/bin/openssl"}); }

  ~Rsyslog() {
    stop();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  // With `tls`, also a CA, a server certificate for "syslog.test" and an unrelated CA.
  bool setup(bool tls, std::string* err) {
    char tmpl[] = "/tmp/pw_syslog_test_XXXXXX";
    if (!::mkdtemp(tmpl)) {
      *err = "mkdtemp failed";
      return false;
    }
    dir_ = tmpl;
    driver_ = tls ? tls_driver() : "";
    if (tls && (driver_.empty() || !make_certificates(err))) {
      if (err->empty()) *err = "no rsyslog TLS driver";
      return false;
    }
    udp_port = free_port(SOCK_DGRAM);
    tcp_port = free_port(SOCK_STREAM);
    tls_port = tls ? free_port(SOCK_STREAM) : 0;
    std::ofstream conf(dir_ + "/rsyslog.conf");
    conf << "global(workDirectory=\"" << dir_ << "\" net.enableDNS=\"off\" maxMessageSize=\"64k\"";
    if (tls)
      conf << "\n       defaultNetstreamDriverCAFile=\"" << dir_ << "/ca.pem\""
           << "\n       defaultNetstreamDriverCertFile=\"" << dir_ << "/server.pem\""
           << "\n       defaultNetstreamDriverKeyFile=\"" << dir_ << "/server.key\"";
    conf << ")\n"
         << "module(load=\"imudp\")\nmodule(load=\"imptcp\")\n";
    if (tls)
      conf << "module(load=\"imtcp\" streamDriver.name=\"" << driver_
           << "\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\")\n";
    conf << "template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")\n";
    for (const char* t : {"udp", "tcp", "tls"})
      conf << "ruleset(name=\"" << t << "\") { action(type=\"omfile\" file=\"" << dir_ << "/" << t
           << ".log\" template=\"raw\") }\n";
    conf << "input(type=\"imudp\" address=\"127.0.0.1\" port=\"" << udp_port
         << "\" ruleset=\"udp\")\n"
         << "input(type=\"imptcp\" address=\"127.0.0.1\" port=\"" << tcp_port
         << "\" ruleset=\"tcp\")\n";
    if (tls)
      conf << "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" << tls_port
           << "\" ruleset=\"tls\")\n";
    conf.close();
    if (!conf || udp_port == 0 || tcp_port == 0 || (tls && tls_port == 0)) {
      *err = "cannot write the configuration or find free ports";
      return false;
    }
    return true;
  }

  // Starts rsyslogd and waits (10 s at most) until its TCP ports accept and a UDP probe arrives.
  bool start(std::string* err) {
    ++starts_;
    std::string out = dir_ + "/rsyslogd." + std::to_string(starts_) + ".out";
    std::string pidfile = dir_ + "/rsyslogd.pid";
    ::unlink(pidfile.c_str());
    std::string bin = binary(), conf = dir_ + "/rsyslog.conf";
    std::vector<std::string> args = {bin, "-n", "-f", conf, "-i", pidfile};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
      *err = "fork failed";
      return false;
    }
    if (pid_ == 0) {  // async-signal-safe calls only until exec
      // Dies with the test binary, even when it crashes or is killed by a timeout.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int n = ::open("/dev/null", O_RDONLY);
      if (o < 0 || n < 0) ::_exit(127);
      ::dup2(o, 1);
      ::dup2(o, 2);
      ::dup2(n, 0);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    auto probe = "probe-" + std::to_string(starts_);
    bool ready = wait_for(
        [&] {
          if (exited()) return true;
          if (!tcp_connects(tcp_port) || (tls_port && !tcp_connects(tls_port))) return false;
          send_udp("<134>1 - - - - " + probe + " -");
          return count("udp", probe) > 0;
        },
        10s);
    if (!ready || exited()) {
      *err = "rsyslogd did not come up: " + read_file(out);
      return false;
    }
    return true;
  }

  // SIGKILL: the collector crashes.
  void kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    auto end = Clock::now() + 5s;
    while (Clock::now() < end) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(20ms);
    }
    kill_hard();
  }

  // The complete lines rsyslogd wrote for a transport.
  std::vector<std::string> lines(const std::string& transport) const {
    std::string text = read_file(dir_ + "/" + transport + ".log");
    std::vector<std::string> out;
    size_t pos = 0;
    for (size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1)
      out.push_back(text.substr(pos, nl - pos));
    return out;
  }
  size_t count(const std::string& transport, const std::string& needle) const {
    auto l = lines(transport);
    return std::count_if(l.begin(), l.end(),
                         [&](const std::string& s) { return s.find(needle) != std::string::npos; });
  }
  bool wait_count(const std::string& transport, const std::string& needle, size_t n,
                  std::chrono::milliseconds max) const {
    return wait_for([&] { return count(transport, needle) >= n; }, max);
  }
  std::string diagnostics() const {
    std::string s;
    for (int i = 1; i <= starts_; ++i)
      s += read_file(dir_ + "/rsyslogd." + std::to_string(i) + ".out");
    return s;
  }

  const std::string& dir() const { return dir_; }
  uint16_t udp_port = 0, tcp_port = 0, tls_port = 0;

 private:
  bool exited() {
    if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
    return pid_ <= 0;
  }

  void send_udp(const std::string& m) const {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(udp_port);
    if (fd >= 0) {
      ::sendto(fd, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
      ::close(fd);
    }
  }

  bool run(const std::string& cmd, std::string* err) {
    std::string full = "cd '" + dir_ + "' && timeout 30 " + cmd + " >>openssl.log 2>&1";
    if (std::system(full.c_str()) != 0) {
      *err = "failed: " + cmd + "\n" + read_file(dir_ + "/openssl.log");
      return false;
    }
    return true;
  }

  bool make_certificates(std::string* err) {
    std::string ossl = openssl();
    if (ossl.empty()) {
      *err = "no openssl CLI";
      return false;
    }
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string ca_ext =
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign";
    std::ofstream(dir_ + "/server.ext")
        << "subjectAltName=DNS:syslog.test\nextendedKeyUsage=serverAuth\n"
           "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n";
    return run(ossl + " req -x509" + ec + " -keyout ca.key -out ca.pem -days 2" +
                   " -subj /CN=printwall-test-ca" + ca_ext,
               err) &&
           run(ossl + " req -x509" + ec + " -keyout other-ca.key -out other-ca.pem -days 2" +
                   " -subj /CN=printwall-other-ca" + ca_ext,
               err) &&
           run(ossl + " req" + ec + " -keyout server.key -out server.csr -subj /CN=syslog.test",
               err) &&
           run(ossl + " x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2" +
                   " -days 2 -out server.pem -extfile server.ext",
               err);
  }

  std::string dir_, driver_;
  pid_t pid_ = -1;
  int starts_ = 0;
};

// An RFC 5424 message as rsyslog received it, with the SD-PARAMs of our element unescaped.
struct Received {
  std::string pri_version, timestamp, hostname, app, procid, msgid, msg;
  std::map<std::string, std::string> params;
};

std::optional<Received> parse(const std::string& s) {
  Received r;
  size_t pos = 0;
  auto token = [&](std::string* out) {
    size_t sp = s.find(' ', pos);
    if (sp == std::string::npos) return false;
    *out = s.substr(pos, sp - pos);
    pos = sp + 1;
    return true;
  };
  if (!token(&r.pri_version) || !token(&r.timestamp) || !token(&r.hostname) || !token(&r.app) ||
      !token(&r.procid) || !token(&r.msgid))
    return std::nullopt;
  const std::string open = "[" + std::string(kSyslogSdId);
  if (s.compare(pos, open.size(), open) != 0) return std::nullopt;
  pos += open.size();
  while (pos < s.size() && s[pos] == ' ') {
    size_t eq = s.find("=\"", pos + 1);
    if (eq == std::string::npos) return std::nullopt;
    std::string name = s.substr(pos + 1, eq - pos - 1), value;
    for (pos = eq + 2; pos < s.size() && s[pos] != '"'; ++pos) {
      if (s[pos] == '\\' && pos + 1 < s.size() &&
          (s[pos + 1] == '"' || s[pos + 1] == '\\' || s[pos + 1] == ']'))
        ++pos;
      value += s[pos];
    }
    if (pos >= s.size()) return std::nullopt;
    ++pos;  // closing quote
    r.params[name] = value;
  }
  if (pos >= s.size() || s[pos] != ']') return std::nullopt;
  ++pos;
  if (pos < s.size()) r.msg = s.substr(pos + 1);
  return r;
}

const std::string kAwkward = "a \"quoted\" \\ back]slash [x=y] Dr\u00fccker";

#define REQUIRE_RSYSLOG()                                                       \
  do {                                                                          \
    if (Rsyslog::binary().empty()) GTEST_SKIP() << "rsyslogd is not installed"; \
  } while (0)
#define REQUIRE_RSYSLOG_TLS()                                                            \
  do {                                                                                   \
    REQUIRE_RSYSLOG();                                                                   \
    if (tls_driver().empty()) GTEST_SKIP() << "no rsyslog TLS driver (rsyslog-openssl)"; \
    if (Rsyslog::openssl().empty()) GTEST_SKIP() << "no openssl CLI";                    \
  } while (0)

TEST(SyslogRsyslog, DeliversOverUdpTcpAndTls) {
  REQUIRE_RSYSLOG_TLS();
  Rsyslog rs;
  std::string err;
  ASSERT_TRUE(rs.setup(true, &err)) << err;
  ASSERT_TRUE(rs.start(&err)) << err;

  SyslogConfig c;
  c.hostname = "fw-test";
  c.destinations = {
      {"127.0.0.1", rs.udp_port, Transport::Udp, "", ""},
      {"127.0.0.1", rs.tcp_port, Transport::Tcp, "", ""},
      {"127.0.0.1", rs.tls_port, Transport::Tls, rs.dir() + "/ca.pem", "syslog.test"}};
  SyslogSender s(c);
  s.start();
  constexpr int kN = 50;
  for (int i = 0; i < kN; ++i) {
    LogRecord r = record();
    r.fields.push_back({"seq", std::to_string(i)});
    r.fields.push_back({"awkward", kAwkward});
    r.msg = "frame " + std::to_string(i) + " denied";
    EXPECT_TRUE(s.submit(r));
  }
  LogRecord big = record();
  big.msgid = "long-record";
  big.msg = std::string(3000, 'x');
  EXPECT_TRUE(s.submit(big));

  for (const char* t : {"udp", "tcp", "tls"}) {
    SCOPED_TRACE(t);
    ASSERT_TRUE(rs.wait_count(t, " service-deny ", kN, 15s) &&
                rs.wait_count(t, "long-record", 1, 5s))
        << "received " << rs.count(t, " service-deny ") << "\n"
        << rs.diagnostics() << "last_error: " << s.stats()[0].last_error << " / "
        << s.stats()[1].last_error << " / " << s.stats()[2].last_error;
    std::set<std::string> seqs;
    for (const auto& line : rs.lines(t)) {
      if (line.find(" service-deny ") == std::string::npos) continue;
      auto r = parse(line);
      ASSERT_TRUE(r) << line;
      EXPECT_EQ(r->pri_version, "<132>1");
      EXPECT_EQ(r->hostname, "fw-test");
      EXPECT_EQ(r->app, "printwall");
      EXPECT_EQ(r->procid, std::to_string(getpid()));
      EXPECT_EQ(r->timestamp, "2026-11-25T19:03:00.123456Z");
      EXPECT_EQ(r->msgid, "service-deny");
      EXPECT_EQ(r->params["action"], "drop");
      EXPECT_EQ(r->params["src_ip"], "198.18.0.9");
      EXPECT_EQ(r->params["awkward"], kAwkward) << line;
      EXPECT_EQ(r->msg, "frame " + r->params["seq"] + " denied");
      seqs.insert(r->params["seq"]);
    }
    EXPECT_EQ(seqs.size(), static_cast<size_t>(kN));
    for (const auto& line : rs.lines(t)) {
      if (line.find("long-record") == std::string::npos) continue;
      // UDP: cut to 2048 octets (RFC 5426); TCP/TLS: whole.
      if (std::string(t) == "udp") {
        EXPECT_EQ(line.size(), 2048u);
      } else {
        EXPECT_EQ(line.size(), format_rfc5424(big, 16, "fw-test", "printwall", getpid()).size());
      }
    }
  }
  s.stop(2s);
  auto st = s.stats();
  for (const auto& d : st) {
    SCOPED_TRACE(d.destination);
    EXPECT_EQ(d.submitted, kN + 1u);
    EXPECT_EQ(d.sent, kN + 1u);
    EXPECT_EQ(d.errors, 0u) << d.last_error;
    EXPECT_EQ(d.reconnects, 0u);
    EXPECT_TRUE(d.last_error.empty()) << d.last_error;
    expect_accounted(d);
  }
  EXPECT_EQ(st[0].truncated, 1u);
  EXPECT_EQ(st[1].truncated, 0u);
  EXPECT_EQ(st[2].truncated, 0u);
}

TEST(SyslogRsyslog, TlsRefusesAServerItCannotVerify) {
  REQUIRE_RSYSLOG_TLS();
  Rsyslog rs;
  std::string err;
  ASSERT_TRUE(rs.setup(true, &err)) << err;
  ASSERT_TRUE(rs.start(&err)) << err;
  const std::string ca = rs.dir() + "/ca.pem";
  SyslogConfig c;
  c.destinations = {
      {"127.0.0.1", rs.tls_port, Transport::Tls, ca, "wrong.test"},  // name
      {"127.0.0.1", rs.tls_port, Transport::Tls, rs.dir() + "/other-ca.pem", "syslog.test"},
      {"127.0.0.1", rs.tls_port, Transport::Tls, ca, ""},  // the address: not in the certificate
      {"127.0.0.1", rs.tls_port, Transport::Tls, rs.dir() + "/missing.pem", "syslog.test"},
  };
  SyslogSender s(c);
  s.start();
  for (int i = 0; i < 5; ++i) {
    LogRecord r = record();
    r.msgid = "must-not-arrive";
    s.submit(r);
  }
  ASSERT_TRUE(wait_for(
      [&] {
        auto st = s.stats();
        return std::all_of(st.begin(), st.end(), [](const auto& d) { return d.errors >= 2; });
      },
      10s));
  auto st = s.stats();
  for (const auto& d : st) {
    SCOPED_TRACE(d.destination);
    EXPECT_EQ(d.sent, 0u);
    EXPECT_FALSE(d.connected);
    EXPECT_EQ(d.queued, 5u);
  }
  EXPECT_NE(st[0].last_error.find("verification failed: hostname mismatch"), std::string::npos)
      << st[0].last_error;
  EXPECT_NE(st[1].last_error.find("verification failed"), std::string::npos) << st[1].last_error;
  EXPECT_NE(st[2].last_error.find("verification failed: IP address mismatch"), std::string::npos)
      << st[2].last_error;
  EXPECT_NE(st[3].last_error.find("cannot load CA file"), std::string::npos) << st[3].last_error;
  s.stop(0ms);
  for (const auto& d : s.stats()) {
    EXPECT_EQ(d.lost_at_stop, 5u);
    expect_accounted(d);
  }
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(rs.count("tls", "must-not-arrive"), 0u);
}

// The collector is killed (SIGKILL) while a stream flows, messages keep coming while it is down,
// and it comes back on the same port.
class SyslogRestart : public ::testing::TestWithParam<Transport> {};

TEST_P(SyslogRestart, CollectorRestartMidStream) {
  const bool tls = GetParam() == Transport::Tls;
  if (tls) {
    REQUIRE_RSYSLOG_TLS();
  } else {
    REQUIRE_RSYSLOG();
  }
  const std::string log = tls ? "tls" : "tcp";
  Rsyslog rs;
  std::string err;
  ASSERT_TRUE(rs.setup(tls, &err)) << err;
  ASSERT_TRUE(rs.start(&err)) << err;
  SyslogConfig c;
  c.destinations = {{"127.0.0.1", tls ? rs.tls_port : rs.tcp_port, GetParam(),
                     tls ? rs.dir() + "/ca.pem" : "", tls ? "syslog.test" : ""}};
  SyslogSender s(c);
  s.start();

  auto worst = Clock::duration::zero();
  uint64_t submitted = 0;
  auto submit = [&](int phase, int i) {
    LogRecord r = record();
    r.msgid = "restart-test";
    r.fields = {{"phase", std::to_string(phase)}, {"seq", std::to_string(i)}};
    auto t0 = Clock::now();
    s.submit(r);
    worst = std::max(worst, Clock::now() - t0);
    ++submitted;
  };
  // Phase 1: a stream, about one message a millisecond; the collector dies in its middle.
  for (int i = 0; i < 300; ++i) {
    submit(1, i);
    std::this_thread::sleep_for(1ms);
    if (i == 150) {
      ASSERT_TRUE(rs.wait_count(log, "restart-test", 1, 10s)) << rs.diagnostics();
      rs.kill_hard();
    }
  }
  // Phase 2: more while it is down.
  for (int i = 0; i < 300; ++i) {
    submit(2, i);
    if (i % 10 == 0) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(wait_for([&] { return !s.stats()[0].connected; }, 5s));
  EXPECT_GE(s.stats()[0].errors, 1u);
  ASSERT_TRUE(rs.start(&err)) << err;  // same port
  // Phase 3: after the restart.
  for (int i = 0; i < 200; ++i) {
    submit(3, i);
    if (i % 10 == 0) std::this_thread::sleep_for(10ms);
  }
  // Backoff so far is at most 100 + 200 + ... ms: the sender is back well within 20 s.
  ASSERT_TRUE(wait_for(
      [&] {
        auto d = s.stats()[0];
        return d.connected && d.queued == 0 && d.reconnects >= 1;
      },
      20s))
      << s.stats()[0].last_error;
  EXPECT_TRUE(rs.wait_count(log, "phase=\"3\"", 200, 10s)) << rs.diagnostics();

  auto t0 = Clock::now();
  s.stop(2s);
  EXPECT_LT(Clock::now() - t0, 3s);
  auto d = s.stats()[0];
  EXPECT_EQ(d.submitted, submitted);
  EXPECT_EQ(d.queued, 0u);
  expect_accounted(d);
  EXPECT_GE(d.reconnects, 1u);
  EXPECT_LT(worst, 50ms) << "a submit() blocked";

  std::set<std::pair<std::string, std::string>> got;
  size_t lines = 0;
  for (const auto& line : rs.lines(log)) {
    if (line.find("restart-test") == std::string::npos) continue;
    auto r = parse(line);
    ASSERT_TRUE(r) << line;
    got.insert({r->params["phase"], r->params["seq"]});
    ++lines;
  }
  // Everything received was counted as sent. What was counted as sent and not received died in
  // the killed collector's buffers: plain syslog has no acknowledgement (RELP has).
  EXPECT_LE(got.size(), d.sent);
  auto in_phase = [&](const char* p) {
    return std::count_if(got.begin(), got.end(), [&](auto& x) { return x.first == p; });
  };
  EXPECT_GT(in_phase("1"), 0);
  EXPECT_EQ(in_phase("3"), 200);
  std::cout << "[ " << log << " restart ] submitted " << d.submitted << ", sent " << d.sent
            << ", dropped " << d.dropped_queue_full << ", lost_on_error " << d.lost_on_error
            << ", lost_at_stop " << d.lost_at_stop << ", errors " << d.errors << ", reconnects "
            << d.reconnects << "; received " << got.size() << " distinct in " << lines
            << " lines (phase 1: " << in_phase("1") << "/300, phase 2: " << in_phase("2")
            << "/300, phase 3: " << in_phase("3") << "/200); slowest submit "
            << std::chrono::duration_cast<std::chrono::microseconds>(worst).count() << " us\n"
            << "  last_error: " << d.last_error << "\n";
}

INSTANTIATE_TEST_SUITE_P(Transports, SyslogRestart,
                         ::testing::Values(Transport::Tcp, Transport::Tls), [](const auto& info) {
                           return std::string(info.param == Transport::Tls ? "Tls" : "Tcp");
                         });

}  // namespace
}  // namespace pw::mgmt
