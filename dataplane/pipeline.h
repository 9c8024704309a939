// The fast path minus the I/O: a burst of Ethernet frames in, verdicts, injected frames, mirror
// copies and events out. The same code runs in the DPDK workers (one Pipeline per lcore),
// `printwall replay`, the tests and the fuzzers; only the sink differs.
//
// Per frame: parse (L2-L4) -> reassemble fragments -> direction (printer networks) -> flow
// lookup -> policy (new flows, and flows of an older policy generation) -> TCP state and
// sequence checks -> stream normaliser and inspector (flows whose service says `inspect`) ->
// forward / drop / reject (+ mirror copy, + event).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/reason.h"
#include "dataplane/counters.h"
#include "dataplane/events.h"
#include "dataplane/flow_table.h"
#include "dataplane/ftp_sessions.h"
#include "dataplane/group_queries.h"
#include "dataplane/io/inject.h"
#include "dataplane/ip_reassembly.h"
#include "dataplane/ndpi_classifier.h"
#include "dataplane/packet.h"
#include "dataplane/block_list.h"
#include "dataplane/scan_detector.h"
#include "dataplane/source_counts.h"
#include "dataplane/tcp_tracker.h"
#include "policy/compiled_policy.h"
#include "protocols/inspector.h"
#include "protocols/inspector_registry.h"
#include "protocols/stream/stream_normaliser.h"

namespace pw::dp {

enum class Side : uint8_t { Unknown, Outside, Inside };

struct Frame {
  std::span<const uint8_t> data;
  uint64_t ts_ns = 0;  // arrival time (UNIX ns)
  Side ingress = Side::Unknown;
};

// Where the pipeline's output goes. Calls come in order: for each input frame, its copies and
// verdict, so a sink that writes frames in call order keeps the wire order.
class PipelineSink {
 public:
  virtual ~PipelineSink() = default;
  // Forward input frame `index` of the burst, unchanged.
  virtual void forward_input(size_t index, Side egress) = 0;
  // Transmit a frame the pipeline owns (an injected RST/ICMP, a released fragment). The bytes
  // are valid only during the call.
  virtual void emit(std::span<const uint8_t> frame, Side egress, uint64_t ts_ns) = 0;
  // A copy for the NIDS mirror.
  virtual void mirror(std::span<const uint8_t> frame, uint64_t ts_ns) = 0;
  // An event; returns false when the sink's bounded queue is full (counted as lost).
  virtual bool event(const Event& e) = 0;
};

// Capacities chosen at start (from the configuration's flows/reassembly/stream statements).
struct PipelineLimits {
  size_t flows = 1 << 16;
  FlowTable::FullAction table_full = FlowTable::FullAction::DropNew;
  FlowTimeouts timeouts{};
  ReassemblyLimits reassembly{};
  size_t streams = 4096;        // flows under inspection at once
  size_t per_source = 128;      // of them, held by one initiator address
  size_t stream_window = 16384;  // bytes kept per direction (power of two)
  size_t inspector_states = 4096;
  size_t buffers = 256;           // message reassembly buffers (TLS handshakes), per lcore
  size_t buffer_size = proto::message_buffer_bytes();  // what the inspectors require
  size_t scan_sources = 4096;
  size_t ftp_sessions = 4096;     // FTP control flows whose passive data ports are open
  size_t dpi_flows = 4096;        // flows nDPI classifies at once (their first packets)
  size_t expire_budget = 32;  // flow entries visited every 4th burst by the expiry clock
  // An nDPI module to share (NdpiClassifier::shared_module(); pipelines run one at a time on
  // one thread); null: the pipeline builds its own.
  ::ndpi_detection_module_struct* shared_dpi_module = nullptr;

  static PipelineLimits from_model(const policy::Model& m, size_t lcores = 1);
};

// A flow as the management plane lists it (`show flows`).
struct FlowSummary {
  IpAddr client, server;  // initiator and responder
  uint16_t client_port = 0, server_port = 0;
  uint8_t ip_proto = 0;
  uint16_t vlan = 0;
  FlowState state = FlowState::Free;
  uint16_t service = UINT16_MAX;
  uint64_t generation = 0;
  uint16_t app = 0;
  bool to_printers = true, pass_through = false, suspicious = false, inspected = false;
  uint64_t packets[2] = {}, bytes[2] = {};
  uint64_t created_ns = 0, last_ns = 0;
};
const char* to_string(FlowState s);

// Returns the inspector for a protocol, or null where none exists yet (explicit list, no static
// self-registration: protocols/inspector_registry).
using InspectorLookup = const proto::Inspector* (*)(policy::Inspect, bool datagram);

class Pipeline {
 public:
  explicit Pipeline(const PipelineLimits& limits, InspectorLookup inspectors = nullptr);

  // The policy to apply from the next frame on. The caller keeps it alive until the pipeline
  // has moved past it (RCU in the dataplane; the replay owns it). Flows of an older generation
  // are re-checked at their next packet.
  void set_policy(const policy::CompiledPolicy* p);

  void process(std::span<const Frame> burst, PipelineSink& sink);
  // Expiry of idle flows and stale fragments, for idle periods (process() does it per burst).
  void housekeeping(uint64_t now_ns, PipelineSink& sink);

  const PipelineCounters& counters() const { return c_; }
  // Let this pipeline see the group queries `other` records (another worker's: the answer to a
  // query may be dispatched elsewhere than the query). Read without a lock.
  void read_group_queries_of(const Pipeline& other);
  // Appends the live flows among pool entries [from, from + count) to `out` (at most `max` in
  // all); returns the next entry to scan (flows().capacity() when done). For a worker to answer
  // `show flows` a slice at a time, between bursts.
  size_t summarize_flows(size_t from, size_t count, std::vector<FlowSummary>& out, size_t max) const;
  // Releases every flow (inspector states, streams, FTP sessions): `clear flows`.
  void clear_flows();
  const FlowTable& flows() const { return flows_; }
  void set_flow_ids(uint64_t first, uint64_t step) { flows_.set_ids(first, step); }
  // Flows holding inspection state (normaliser stream and/or inspector state) right now.
  size_t inspected_flows() const { return per_source_.total(); }
  size_t memory_bytes() const;

  // Sources blocked toward the printers (detection failed-auth action block-source): the
  // pipeline blocks the sources its own detector catches; these apply the blocks of other
  // pipelines and the administrator's `clear blocked-sources`. New flows toward the printers
  // from a blocked source are dropped (source-blocked) until `until_ns` (UNIX ns).
  void block_source(const IpAddr& src, uint64_t until_ns);
  bool unblock_source(const IpAddr& src) { return blocked_.unblock(src); }
  void unblock_all() { blocked_.clear(); }
  size_t blocked_sources() { return blocked_.size(now_); }

 private:
  struct Verdict {
    bool forward = false;
    bool mirror = false;
    Reason reason = Reason::Forwarded;
    bool clear_urgent = false;  // forward a copy without URG and urgent pointer
  };
  struct Ends {
    bool to_printers = true;
    policy::GroupMask printer_mask = 0, peer_mask = 0;
    const IpAddr* printer = nullptr;
    const IpAddr* peer = nullptr;
    bool group_dst = false;  // the destination is a group address (is_group_dst), classified once
  };

  // A frame parsed ahead of its processing, with its flow key (burst prefetching).
  struct Pre {
    PacketView v;
    Reason parsed = Reason::Forwarded;
    bool keyed = false;
    bool src_is_a = false;
    uint32_t hash = 0;
    FlowKey key;
  };
  static constexpr size_t kChunk = 32;
  static constexpr size_t kMaxRewriteFrame = 16384;  // above every MTU af_packet and PMDs deliver
  // A flow under inspection idle this long may be evicted when a pool is empty.
  static constexpr uint64_t kEvictIdleNs = 2'000'000'000ull;

  void process_one(size_t index, const Frame& f, Pre& pre, PipelineSink& sink);
  Verdict decide_ip(PacketView& v, const Frame& f, PipelineSink& sink, const Pre* pre = nullptr);
  Verdict decide_l2(const PacketView& v, const Frame& f, PipelineSink& sink);
  Verdict new_flow(PacketView& v, const FlowKey& key, uint32_t hash, bool src_is_a, const Ends& e,
                   const Frame& f, PipelineSink& sink);
  // A flow entry for a new flow under `svc` (nullptr: the table is full), counted in the share
  // of `initiator`; the caller sends its first packet through existing_flow().
  Flow* open_flow(const PacketView& v, const FlowKey& key, uint32_t hash, bool initiator_is_a,
                  bool to_printers, const policy::CompiledService& svc, bool ftp_data,
                  const IpAddr& initiator);
  // flows max-per-source and (with `rate`) new-per-source for a new flow of `src`: Forwarded,
  // or the reason to drop it (one event per source and second).
  Reason source_fair(const PacketView& v, const IpAddr& src, const policy::CompiledService& svc,
                     bool rate, PipelineSink& sink);
  // Group queries (dataplane/group_queries.h): a query's answer window opens or starts over;
  // whether a unicast packet from a printer answers one (this worker's table or another's).
  void record_group_query(const PacketView& v);
  // Multicast, the limited broadcast, or an address of the link-multicast group.
  bool is_group_dst(const PacketView& v) const;
  bool answers_group_query(const PacketView& v) const;
  // A printer's answer to a group query, as the reply of a unicast query to it. Not forwarded
  // with reason Forwarded: no service allows it that way (the caller goes on as for any flow).
  Verdict group_answer(PacketView& v, const FlowKey& key, uint32_t hash, bool src_is_a,
                       const Ends& e, const Frame& f, PipelineSink& sink);
  Verdict existing_flow(PacketView& v, Flow& fl, bool src_is_a, const Frame& f,
                        PipelineSink& sink);
  // A flow of an older policy generation: whether the policy now in force decides the same for
  // it (verdict, inspector, inspection settings); `*deciding` is the service that decides now.
  bool still_allowed(Flow& fl, const policy::CompiledService** deciding);
  bool icmp_error_for_known_flow(const PacketView& v, uint64_t now);
  bool resolve_ends(const PacketView& v, Ends& e) const;
  // The inspection of a TCP segment of a flow whose inspector has not passed it through:
  // takes the flow's inspection state at its first payload, runs the normaliser and the
  // inspector. {forward, ...} to go on; otherwise the verdict (the flow may be gone).
  Verdict inspect_tcp(PacketView& v, Flow& fl, int side, const Frame& f, PipelineSink& sink,
                      bool* urgent);
  // Takes the normaliser stream (TCP) and inspector state of `fl`, making room in a full pool
  // by evicting the least recently active idle inspected flow; Forwarded or the reason why not.
  Reason open_inspection(Flow& fl, bool tcp, PipelineSink& sink);
  // Gives back the stream and inspector state (pass-through, FIN/RST, end of the flow).
  void release_inspection(Flow& fl);
  // FIN both ways or an accepted RST: release_inspection, and refuse later bytes.
  void close_inspection(Flow& fl);
  // Evicts the least recently active flow under inspection if it has been idle long enough.
  bool evict_idle_inspected(PipelineSink& sink);
  // The inspector a flow of `svc` gets (null: none, or not built yet).
  const proto::Inspector* inspector_of(const policy::CompiledService& svc, uint8_t ip_proto,
                                       bool ftp_data, bool to_printers) const;
  // Whether a frame arrived on the side its source cannot be on (Unknown ingress: replay).
  static bool wrong_side(const Frame& f, bool src_is_printer);
  const policy::CompiledService* match(const PacketView& v, const Ends& e) const;
  void deny(const PacketView& v, const Frame& f, Reason r, bool reject,
            const policy::CompiledService* svc, const Flow* fl, PipelineSink& sink,
            bool count_scan, std::string_view detail = {});
  void kill_flow(Flow& fl, const PacketView& v, int side, PipelineSink& sink, const Frame& f);
  void release_flow(Flow& fl);
  // nDPI on the flow's first packets; false when the flow must be denied (wrong protocol).
  // nDPI's classification; the reason the flow was refused for (Forwarded: it goes on).
  Reason classify(Flow& fl, const PacketView& v, const Frame& f, int side, PipelineSink& sink);
  // After an inspector call: a failed authentication it counted feeds the failed-auth detector.
  void note_auth_failures(uint64_t before, const Flow& fl, PipelineSink& sink);
  // One failed authentication of the flow's client (seen in a reply, or a credential refused in
  // clear): at the threshold, one auth-failures event, and the block when configured.
  void auth_failure(const Flow& fl, PipelineSink& sink);
  // An inspector's denial that refused a credential (an attempt to log in, in clear).
  static bool refused_credential(Reason r);
  // A session ends (the first FIN or RST of either side): a TLS session to a printer's login
  // service that lasted under kShortSession counts toward the signal of logins failing in TLS.
  void session_end(Flow& fl, PipelineSink& sink);
  // One auth-failures event for `fl`'s client (`n` failures; detail when not empty), with the
  // block when configured.
  void failures_reached(const Flow& fl, uint32_t n, std::string_view detail, PipelineSink& sink);
  static constexpr uint64_t kShortSession = 10'000'000'000ull;
  // An FTP control flow in TLS opens its (client, printer) session; its end closes it.
  void ftp_session_open(Flow& fl);
  void ftp_session_close(Flow& fl);
  proto::Context context(const Flow& fl, const policy::CompiledService* svc);
  void emit_event(const Event& e, PipelineSink& sink);
  // The one way events are built: about a frame (without a flow: its addresses and ports as
  // they are on the wire; of flow `fl`: the flow's, initiator first, and the frame's direction),
  // or about a flow; time and policy generation are the pipeline's.
  Event frame_event(const PacketView& v, EventAction a, Reason r, uint16_t service,
                    const Flow* fl = nullptr, uint32_t count = 1) const;
  Event frame_only_event(const PacketView& v, EventAction a, Reason r, uint32_t count) const;
  Event flow_event(const Flow& fl, EventAction a, Reason r, uint32_t count = 1) const;
  // Transmits a copy of input frame `f` (TCP segment `v`) with URG cleared and the urgent pointer
  // zeroed; false when the frame is larger than the rewrite buffer.
  bool forward_without_urgent(const PacketView& v, const Frame& f, Side egress, PipelineSink& sink);
  void expire(uint64_t now, PipelineSink& sink);
  bool mirror_flow(const Flow& fl) const;

  PipelineLimits lim_;
  InspectorLookup inspectors_;
  const policy::CompiledPolicy* policy_ = nullptr;
  FlowTable flows_;
  FtpSessions ftp_sessions_;  // (client, printer) pairs whose FTP control is in TLS
  Reassembler reasm_;
  proto::StreamNormaliser streams_;
  proto::FlowArena arena_;
  proto::BufferPool buffers_;
  FlowList inspected_;     // flows holding inspection state, not yet secured, oldest first
  SourceCounts per_source_;  // inspection states per initiator address
  SourceCounts buffers_per_source_;  // message buffers (BufferPool) per initiator address
  size_t buffer_quota_;              // of them, one source may hold at once
  ScanDetector scans_;
  FailureDetector auth_failures_;
  FailureDetector short_tls_;  // short TLS sessions to login services (failed-auth tls-sessions)
  BlockList blocked_;
  SourceShare flow_share_;        // flows of the table per initiator (flows max-per-source)
  GroupQueryTable queries_{1024};  // this worker's recent queries to groups (answers awaited)
  std::array<const GroupQueryTable*, 63> query_peers_{};  // the other workers' tables
  size_t query_peer_count_ = 0;
  RateDetector new_flow_rate_;    // new flows per initiator and second (flows new-per-source)
  RateDetector share_events_;     // one source-flow-share event per source and second
  uint32_t max_flows_per_source_ = 16384;
  NdpiClassifier dpi_;
  PipelineCounters c_;
  std::array<uint8_t, kMaxInjectedFrame> scratch_{};
  std::vector<uint8_t> rewrite_;  // frames forwarded modified (urgent data), up to kMaxRewriteFrame
  std::array<Pre, kChunk> pre_{};
  uint64_t now_ = 0;
  uint64_t bursts_ = 0;
};

}  // namespace pw::dp
