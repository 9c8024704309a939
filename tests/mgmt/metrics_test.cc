// The Prometheus exporter: every counter per worker and per reason in the text format, which
// promtool accepts; served over HTTP with a fresh snapshot per scrape; a busy port is an error
// that names the address.
#include "mgmt/metrics.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace pw::mgmt {
namespace {

MetricsSnapshot sample() {
  MetricsSnapshot s;
  s.workers.resize(2);
  s.workers[0].pipeline.frames_in = 10;
  s.workers[1].pipeline.frames_in = 32;
  s.workers[1].pipeline.reasons.add(Reason::DefaultDeny, 3);
  s.workers[0].pipeline.reasons.add(Reason::Forwarded, 7);
  s.workers[1].flows = 5;
  s.policy_generation = 4;
  s.syslog.push_back({"udp://198.18.0.1:514", 9, 1, 0, 2, 0, true});
  return s;
}

TEST(Metrics, EveryCounterPerWorkerAndEveryReason) {
  const std::string t = metrics_text(sample());
  EXPECT_NE(t.find("# TYPE printwall_frames_in_total counter"), std::string::npos) << t;
  EXPECT_NE(t.find("printwall_frames_in_total{worker=\"0\"} 10"), std::string::npos);
  EXPECT_NE(t.find("printwall_frames_in_total{worker=\"1\"} 32"), std::string::npos);
  EXPECT_NE(t.find("printwall_frames_total{reason=\"default-deny\",worker=\"1\"} 3"),
            std::string::npos);
  EXPECT_NE(t.find("printwall_frames_total{reason=\"forwarded\",worker=\"0\"} 7"),
            std::string::npos);
  EXPECT_NE(t.find("printwall_flows_active{worker=\"1\"} 5"), std::string::npos);
  EXPECT_NE(t.find("printwall_policy_generation 4"), std::string::npos);
  EXPECT_NE(t.find("printwall_syslog_sent_total{destination=\"udp://198.18.0.1:514\"} 9"),
            std::string::npos);
  // Every counter of counters.def and every reason, for each worker.
  size_t counters = 0;
  sample().workers[0].pipeline.for_each([&](const char* name, uint64_t) {
    ++counters;
    for (int w = 0; w < 2; ++w)
      EXPECT_NE(t.find("printwall_" + std::string(name) + "_total{worker=\"" + std::to_string(w) + "\"}"),
                std::string::npos)
          << name;
  });
  EXPECT_GT(counters, 10u);
  for (size_t r = 0; r < kReasonCount; ++r)
    EXPECT_NE(t.find("reason=\"" + std::string(reason_code(static_cast<Reason>(r))) + "\",worker=\"1\""),
              std::string::npos)
        << reason_code(static_cast<Reason>(r));
  // No mirror configured: no mirror families.
  EXPECT_EQ(t.find("printwall_mirror_sent_total"), std::string::npos);
}

TEST(Metrics, PromtoolAcceptsTheExposition) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "promtool not installed (appliance/install-deps installs prometheus)";
  const auto path = std::filesystem::temp_directory_path() / ("pw-metrics-" + std::to_string(getpid()));
  std::ofstream(path) << metrics_text(sample());
  const std::string cmd = "promtool check metrics < " + path.string() + " > " + path.string() + ".out 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(path.string() + ".out");
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << out;
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + ".out");
}

// GET /metrics from 127.0.0.1:port, the whole answer.
std::string scrape(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return out;
}

TEST(MetricsExporter, EachScrapeTakesAFreshSnapshot) {
  std::atomic<uint64_t> generation{1};
  MetricsExporter e("127.0.0.1", 0, [&] {
    MetricsSnapshot s = sample();
    s.policy_generation = generation++;
    return s;
  });
  ASSERT_NE(e.port(), 0);
  const std::string first = scrape(e.port());
  EXPECT_NE(first.find("200 OK"), std::string::npos) << first;
  EXPECT_NE(first.find("printwall_policy_generation 1"), std::string::npos) << first;
  const std::string second = scrape(e.port());
  EXPECT_NE(second.find("printwall_policy_generation 2"), std::string::npos) << second;
}

TEST(MetricsExporter, ABusyPortIsAnErrorNamingTheAddress) {
  MetricsExporter first("127.0.0.1", 0, [] { return MetricsSnapshot{}; });
  try {
    MetricsExporter second("127.0.0.1", first.port(), [] { return MetricsSnapshot{}; });
    ADD_FAILURE() << "a second exporter bound the same port";
  } catch (const std::runtime_error& ex) {
    EXPECT_NE(std::string(ex.what()).find("127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << ex.what();
  }
}

}  // namespace
}  // namespace pw::mgmt
