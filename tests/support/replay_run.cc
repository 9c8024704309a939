#include "tests/support/replay_run.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "mgmt/printwall/replay.h"

namespace pw::testing {

ReplayRun replay_run(const std::filesystem::path& dir, const std::string& config_text,
                     const std::string& in_pcap) {
  ReplayRun r;
  std::ofstream(dir / "c.conf") << config_text;
  std::ostringstream out, err;
  r.status = mgmt::replay_main(
      {"--config", (dir / "c.conf").string(), "--in", in_pcap, "--out", (dir / "out").string()},
      out, err);
  r.err = err.str();
  r.forwarded = read_pcap((dir / "out" / "forwarded.pcap").string());
  r.mirrored = read_pcap((dir / "out" / "mirror.pcap").string());
  std::ifstream ev(dir / "out" / "events.jsonl");
  // PW_EVENTS_COLLECT=FILE: every event of every replay appended there, for the schema test
  // (tests/events_schema_test.sh) to validate.
  const char* collect = std::getenv("PW_EVENTS_COLLECT");
  std::ofstream kept;
  if (collect && *collect) kept.open(collect, std::ios::app);
  std::string line;
  while (std::getline(ev, line)) {
    r.events.push_back(nlohmann::json::parse(line));
    if (kept) kept << line << '\n';
  }
  return r;
}

}  // namespace pw::testing
