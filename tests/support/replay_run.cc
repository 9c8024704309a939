#include "tests/support/replay_run.h"

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
  std::string line;
  while (std::getline(ev, line)) r.events.push_back(nlohmann::json::parse(line));
  return r;
}

}  // namespace pw::testing
