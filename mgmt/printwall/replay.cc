// printwall replay: the fast-path pipeline over a capture, offline (design.md, "Offline replay").
#include "mgmt/printwall/replay.h"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>

#include "dataplane/pipeline.h"
#include "policy/loader.h"
#include "protocols/inspector_registry.h"

namespace pw::mgmt {

namespace {

constexpr const char* kUsage =
    "usage: printwall replay --config CONFIG --in IN.pcap --out DIR [--quiet] [--progress SECONDS]\n"
    "\n"
    "Runs the fast-path pipeline (the same code as the live dataplane) over every frame of\n"
    "IN.pcap (pcap with micro- or nanosecond timestamps, or pcapng; Ethernet, optionally\n"
    "802.1Q/802.1ad tagged, Linux cooked capture v1 or v2 as tcpdump -i any writes it, or raw\n"
    "IP, each given an Ethernet header) and writes:\n"
    "  DIR/forwarded.pcap  every frame the gateway transmits, in order, with the RSTs and ICMP\n"
    "                      unreachables it injects\n"
    "  DIR/mirror.pcap     every frame sent to the NIDS mirror\n"
    "  DIR/events.jsonl    one JSON event per line\n"
    "A summary goes to stderr (--quiet: none): the daemon's counters and the events by\n"
    "reason; on a long capture a progress line every --progress seconds (default 3; 0: at every\n"
    "65,536 frames). A last record cut short (a\n"
    "capture copied while it was written) is a warning: the frames before it are replayed.\n"
    "Exit status 0 on success; 1 on a bad configuration or capture (nothing is left in DIR that\n"
    "looks complete); 2 on a usage error.\n";

constexpr size_t kBurst = 32;

class ReplaySink : public dp::PipelineSink {
 public:
  ReplaySink(pcap_dumper_t* fwd, pcap_dumper_t* mir, std::ofstream& ev,
             const policy::CompiledPolicy* p)
      : fwd_(fwd), mir_(mir), ev_(ev), policy_(p) {}

  void set_burst(std::span<const dp::Frame> b) { burst_ = b; }
  void forward_input(size_t i, dp::Side) override { write(fwd_, burst_[i].data, burst_[i].ts_ns); }
  void emit(std::span<const uint8_t> f, dp::Side, uint64_t ts) override { write(fwd_, f, ts); }
  void mirror(std::span<const uint8_t> f, uint64_t ts) override { write(mir_, f, ts); }
  bool event(const dp::Event& e) override {
    ev_ << dp::event_json(e, policy_) << '\n';
    ++by_reason_[std::string(dp::to_string(e.action)) + " " + reason_code(e.reason)];
    return true;
  }
  const std::map<std::string, uint64_t>& by_reason() const { return by_reason_; }

 private:
  static void write(pcap_dumper_t* d, std::span<const uint8_t> f, uint64_t ts) {
    struct pcap_pkthdr h {};
    h.ts.tv_sec = static_cast<time_t>(ts / 1'000'000'000ull);
    h.ts.tv_usec = static_cast<suseconds_t>(ts % 1'000'000'000ull);  // nanosecond dumper
    h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
  }
  pcap_dumper_t* fwd_;
  pcap_dumper_t* mir_;
  std::ofstream& ev_;
  const policy::CompiledPolicy* policy_;
  std::span<const dp::Frame> burst_;
  std::map<std::string, uint64_t> by_reason_;
};

// Link types read besides Ethernet (LINKTYPE_LINUX_SLL 113, LINUX_SLL2 276, RAW 101/DLT_RAW).
enum class Link { Ethernet, Sll, Sll2, Raw };

bool link_of(int dlt, Link* l) {
  switch (dlt) {
    case DLT_EN10MB: *l = Link::Ethernet; return true;
    case DLT_LINUX_SLL: *l = Link::Sll; return true;
    case DLT_LINUX_SLL2: *l = Link::Sll2; return true;
    case DLT_RAW: case 101: *l = Link::Raw; return true;
    default: return false;
  }
}

uint16_t be16(const u_char* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// The frame of a record as the pipeline reads it, in `buf`: Ethernet as it is; a cooked or raw
// IP record behind an Ethernet header with its protocol as the EtherType (the destination is
// the broadcast address for a packet the capture saw broadcast, else zero; the source is the
// captured link address when it is one). A record too short for its header is passed as it is
// (the pipeline counts it malformed). Returns the length.
size_t to_ethernet(Link l, const u_char* d, size_t n, uint8_t* buf, size_t cap) {
  size_t hdr = 0;
  uint16_t proto = 0;
  int pkttype = 0;
  const u_char* addr = nullptr;
  size_t halen = 0;
  switch (l) {
    case Link::Ethernet:
      break;
    case Link::Sll:  // packet type, ARPHRD, address length, address[8], protocol
      if (n < 16) break;
      hdr = 16;
      pkttype = be16(d);
      halen = be16(d + 4);
      addr = d + 6;
      proto = be16(d + 14);
      break;
    case Link::Sll2:  // protocol, reserved, ifindex, ARPHRD, packet type, address length, address[8]
      if (n < 20) break;
      hdr = 20;
      proto = be16(d);
      pkttype = d[10];
      halen = d[11];
      addr = d + 12;
      break;
    case Link::Raw:
      if (n < 1) break;
      proto = (d[0] >> 4) == 6 ? 0x86dd : 0x0800;
      break;
  }
  if (l == Link::Ethernet || (hdr == 0 && l != Link::Raw) || (l == Link::Raw && n < 1)) {
    const size_t k = std::min(n, cap);
    std::memcpy(buf, d, k);
    return k;
  }
  uint8_t eth[14] = {};
  if (pkttype == 1) std::memset(eth, 0xff, 6);  // PACKET_BROADCAST
  if (addr && halen == 6) std::memcpy(eth + 6, addr, 6);
  eth[12] = static_cast<uint8_t>(proto >> 8);
  eth[13] = static_cast<uint8_t>(proto);
  const size_t body = std::min(n - hdr, cap - sizeof eth);
  std::memcpy(buf, eth, sizeof eth);
  std::memcpy(buf + sizeof eth, d + hdr, body);
  return sizeof eth + body;
}

struct Outputs {
  std::filesystem::path dir;
  std::filesystem::path tmp[3];
  std::filesystem::path final_[3];
  bool committed = false;
  ~Outputs() {
    if (!committed)
      for (const auto& t : tmp) {
        std::error_code ec;
        std::filesystem::remove(t, ec);
      }
  }
};

}  // namespace

int replay_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string config, in, dir, progress_text;
  bool quiet = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= args.size()) return false;
      dst = args[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    }
    bool ok = true;
    if (a == "--config") ok = value(config);
    else if (a == "--in") ok = value(in);
    else if (a == "--out") ok = value(dir);
    else if (a == "--quiet") quiet = true;
    else if (a == "--progress") ok = value(progress_text);
    else {
      err << "printwall replay: unknown argument '" << a << "'\n" << kUsage;
      return 2;
    }
    if (!ok) {
      err << "printwall replay: " << a << " needs a value\n" << kUsage;
      return 2;
    }
  }
  if (config.empty() || in.empty() || dir.empty()) {
    err << "printwall replay: --config, --in and --out are required\n" << kUsage;
    return 2;
  }
  std::chrono::seconds progress_every(3);
  if (!progress_text.empty()) {
    size_t used = 0;
    long v = -1;
    try {
      v = std::stol(progress_text, &used);
    } catch (...) {
    }
    if (v < 0 || v > 86400 || used != progress_text.size()) {
      err << "printwall replay: --progress takes seconds (0..86400), not '" << progress_text << "'\n";
      return 2;
    }
    progress_every = std::chrono::seconds(v);
  }

  // The configuration, validated and compiled like a commit.
  policy::Loaded loaded = policy::load_file(config);
  for (const auto& e : loaded.errors) err << e.str() << "\n";
  if (!loaded.ok()) return 1;
  const std::shared_ptr<const policy::CompiledPolicy>& cp = loaded.compiled;
  const policy::Model& model = loaded.model;

  char ebuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* src = pcap_open_offline_with_tstamp_precision(in.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                        ebuf);
  if (!src) {
    err << in << ": error: cannot read capture: " << ebuf << "\n";
    return 1;
  }
  struct Closer {
    pcap_t* p;
    ~Closer() { pcap_close(p); }
  } close_src{src};
  Link link;
  if (!link_of(pcap_datalink(src), &link)) {
    const char* name = pcap_datalink_val_to_name(pcap_datalink(src));
    err << in << ": error: link type " << (name ? name : std::to_string(pcap_datalink(src)).c_str())
        << " is not read (Ethernet, Linux cooked v1 or v2, raw IP)\n";
    return 1;
  }
  std::error_code size_ec;
  const uint64_t in_size = std::filesystem::file_size(in, size_ec);

  Outputs o;
  o.dir = dir;
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (ec) {
    err << dir << ": error: cannot create directory: " << ec.message() << "\n";
    return 1;
  }
  const char* names[3] = {"forwarded.pcap", "mirror.pcap", "events.jsonl"};
  for (int k = 0; k < 3; ++k) {
    o.final_[k] = o.dir / names[k];
    o.tmp[k] = o.dir / (std::string(".") + names[k] + ".partial");
    std::filesystem::remove(o.final_[k], ec);  // a stale result must not look like this run's
  }
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
  struct DeadCloser {
    pcap_t* p;
    ~DeadCloser() { pcap_close(p); }
  } close_dead{dead};
  pcap_dumper_t* fwd = pcap_dump_open(dead, o.tmp[0].c_str());
  pcap_dumper_t* mir = fwd ? pcap_dump_open(dead, o.tmp[1].c_str()) : nullptr;
  std::ofstream ev(o.tmp[2], std::ios::trunc);
  if (!fwd || !mir || !ev) {
    err << dir << ": error: cannot write outputs: " << pcap_geterr(dead) << "\n";
    if (fwd) pcap_dump_close(fwd);
    if (mir) pcap_dump_close(mir);
    return 1;
  }

  dp::Pipeline pipeline(dp::PipelineLimits::from_model(model), proto::inspector_for);
  pipeline.set_policy(cp.get());
  ReplaySink sink(fwd, mir, ev, cp.get());

  std::vector<std::vector<uint8_t>> store(kBurst, std::vector<uint8_t>(65536 + 64));
  std::vector<dp::Frame> burst;
  burst.reserve(kBurst);
  int rc = 0;
  uint64_t records = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (true) {
    burst.clear();
    struct pcap_pkthdr* h;
    const u_char* data;
    while (burst.size() < kBurst && (rc = pcap_next_ex(src, &h, &data)) == 1) {
      auto& buf = store[burst.size()];
      const size_t n = to_ethernet(link, data, h->caplen, buf.data(), buf.size());
      // Opened at nanosecond precision: tv_usec holds nanoseconds whatever the file's precision.
      uint64_t ts = uint64_t(h->ts.tv_sec) * 1'000'000'000ull + uint64_t(h->ts.tv_usec);
      burst.push_back({{buf.data(), n}, ts, dp::Side::Unknown});
    }
    if (!burst.empty()) {
      sink.set_burst(burst);
      pipeline.process(burst, sink);
      records += burst.size();
    }
    if (rc != 1) break;
    // A long capture says how far it is, every few seconds (checked every 64 Ki records).
    if (!quiet && (records & 0xffff) < kBurst) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_progress >= progress_every) {
        last_progress = now;
        FILE* f = pcap_file(src);
        const long pos = f ? std::ftell(f) : -1;
        err << "replay: " << records << " frames";
        if (pos > 0 && in_size > 0 && !size_ec)
          err << ", " << (static_cast<uint64_t>(pos) * 100 / in_size) << "% of " << in;
        err << "\n";
        err.flush();
      }
    }
  }
  if (rc == -1) {
    const std::string why = pcap_geterr(src);
    // A record cut short can only be the last one: the capture ends there. Anything else (a
    // record header that cannot be) is a corrupt capture.
    if (why.find("truncated") == std::string::npos) {
      err << in << ": error: capture corrupt after " << records << " frames: " << why << "\n";
      pcap_dump_close(fwd);
      pcap_dump_close(mir);
      return 1;
    }
    err << in << ": warning: the last record is cut short (" << why << "); the " << records
        << " frames before it were replayed\n";
  }
  pcap_dump_close(fwd);
  pcap_dump_close(mir);
  ev.close();
  if (!ev) {
    err << dir << ": error: writing events failed\n";
    return 1;
  }
  for (int k = 0; k < 3; ++k) {
    std::filesystem::rename(o.tmp[k], o.final_[k], ec);
    if (ec) {
      err << o.final_[k].string() << ": error: " << ec.message() << "\n";
      return 1;
    }
  }
  o.committed = true;

  if (!quiet) {
    const auto& c = pipeline.counters();
    err << "replay: " << c.frames_in << " frames in, " << c.forwarded << " forwarded, "
        << c.dropped << " dropped, " << c.mirrored << " mirrored, " << c.injected
        << " injected, " << c.flows_created << " flows";
    if (c.uninspected) err << " (" << c.uninspected << " of them with no inspector yet)";
    if (c.fragments_held) err << ", " << c.fragments_held << " fragments held for reassembly";
    err << "\n";
    // The daemon's counters (dataplane/counters.def, as `show statistics` names them).
    c.for_each([&](const char* name, uint64_t v) {
      if (v) err << "  count " << name << ": " << v << "\n";
    });
    for (size_t r = 1; r < kReasonCount; ++r) {
      if (!c.reasons.n[r]) continue;
      const Reason reason = static_cast<Reason>(r);
      // Some codes count what an inspector saw and let through (anonymous binds, guest sessions,
      // failed logins); the rest are frames dropped.
      const bool counted = reason == Reason::LdapAnonymousBind || reason == Reason::SmbGuestSession ||
                           reason == Reason::AuthFailed || reason == Reason::TcpUrgentCleared;
      err << (counted ? "  seen " : "  drop ") << reason_code(reason) << ": " << c.reasons.n[r] << "\n";
    }
    for (const auto& [k, n] : sink.by_reason()) err << "  event " << k << ": " << n << "\n";
  }
  return 0;
}

}  // namespace pw::mgmt
