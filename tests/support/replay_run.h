// `printwall replay` for tests that judge its outputs: runs it on a capture with a configuration
// text in a scratch directory and reads back forwarded.pcap, mirror.pcap and events.jsonl.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/packet_builder.h"

namespace pw::testing {

struct ReplayRun {
  int status = -1;  // replay_main's exit status
  std::string err;  // its standard error (summary or error message)
  std::vector<PcapFrame> forwarded, mirrored;
  std::vector<nlohmann::json> events;
};

// Writes `config_text` to DIR/c.conf and replays `in_pcap` into DIR/out.
ReplayRun replay_run(const std::filesystem::path& dir, const std::string& config_text,
                     const std::string& in_pcap);

// The small office of the replay tests: the printer network 198.18.20.0/24 and 2001:db8:20::/48,
// and tables small enough for a replay's start-up to stay short (a few flows per run).
inline constexpr const char* kReplayOffice =
    "set profile small-office\n"
    "set printer-network 198.18.20.0/24\n"
    "set printer-network 2001:db8:20::/48\n"
    "set flows max-entries 4096\n"
    "set stream max-flows 64\n";

// The IMAP service neither profile has: the printer fetches mail from the mail relay, STARTTLS
// required (set-commands to append to a configuration).
inline constexpr const char* kMailImapService =
    "set service mail-imap description \"MFD fetches mail to print: IMAP, STARTTLS\"\n"
    "set service mail-imap direction from-printers\n"
    "set service mail-imap protocol tcp\n"
    "set service mail-imap port 143\n"
    "set service mail-imap action allow\n"
    "set service mail-imap peer-group mail-relay\n"
    "set service mail-imap inspect imap\n"
    "set service mail-imap tls required\n"
    "set service mail-imap plaintext-auth deny\n";

}  // namespace pw::testing
