// The inspector contract (design.md): an inspector sees only in-order bytes of one flow from the
// stream normaliser, never a packet, a port or an mbuf. It is immutable and built once per policy
// generation; its per-flow state lives in a FlowArena block (no malloc on the fast path).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <string_view>
#include <vector>

#include "common/ip.h"
#include "common/reason.h"
#include "policy/inspector_config.h"

namespace pw::proto {

enum class Dir : uint8_t { ToServer, ToClient };
enum class Verdict : uint8_t { Continue, PassThrough /* stop inspecting */, Deny };

struct Decision {
  Verdict verdict = Verdict::Continue;
  uint32_t allowed_bytes = 0;  // bytes of this chunk that may be forwarded
  Reason reason = Reason::Forwarded;
};

// What one completed piece of a stream decided, before it becomes a Decision for a chunk (the
// binary protocols' inspectors: SMB, RFB).
struct Judgement {
  Verdict verdict = Verdict::Continue;
  Reason reason = Reason::Forwarded;
};
inline constexpr Judgement kGo{};
inline constexpr Judgement kPass{Verdict::PassThrough, Reason::Forwarded};

// Base of every inspector's per-flow state; derived states must be trivially destructible and
// fit FlowArena::kBlockSize.
struct FlowState {};

// Fixed-size blocks for per-flow inspector state, one arena per lcore.
class FlowArena {
 public:
  static constexpr size_t kBlockSize = 2048;
  explicit FlowArena(size_t blocks) : storage_(blocks * kBlockSize) {
    free_.reserve(blocks);
    for (size_t i = blocks; i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
  }
  void* allocate() {
    if (free_.empty()) return nullptr;
    uint32_t i = free_.back();
    free_.pop_back();
    return &storage_[size_t{i} * kBlockSize];
  }
  void release(void* p) {
    if (p) free_.push_back(static_cast<uint32_t>((static_cast<std::byte*>(p) - storage_.data()) / kBlockSize));
  }
  size_t available() const { return free_.size(); }
  template <typename T, typename... Args>
  T* make(Args&&... args) {
    static_assert(sizeof(T) <= kBlockSize && alignof(T) <= alignof(std::max_align_t));
    void* p = allocate();
    return p ? new (p) T(static_cast<Args&&>(args)...) : nullptr;
  }

 private:
  std::vector<std::byte> storage_;  // operator new aligns it for max_align_t
  std::vector<uint32_t> free_;
};

// Large buffers for reassembling one message across segments (a TLS handshake message, an LDAP
// PDU): a fixed pool per lcore, taken while needed and given back.
class BufferPool {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  BufferPool(size_t buffers, size_t size) : size_(size), bytes_(buffers * size) {
    free_.reserve(buffers);
    for (size_t i = buffers; i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
  }
  uint32_t acquire() {
    if (free_.empty()) return kNone;
    uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }
  void release(uint32_t i) {
    if (i != kNone) free_.push_back(i);
  }
  std::byte* data(uint32_t i) { return &bytes_[size_t{i} * size_]; }
  size_t size() const { return size_; }
  size_t available() const { return free_.size(); }

 private:
  size_t size_;
  std::vector<std::byte> bytes_;
  std::vector<uint32_t> free_;
};

struct Context {
  uint64_t now_ns = 0;
  const policy::InspectorConfig* service = nullptr;  // the flow's requirements
  bool peer_is_management = false;  // the non-printer end is in the `management` group
  IpAddr client;                     // the initiator's address (FTP bounce checks)
  bool to_printers = true;           // the flow was opened toward a printer (a peer initiated it)
  BufferPool* buffers = nullptr;     // may be null: inspectors then fail closed when they need one
  ReasonCounters* counters = nullptr;  // observations (anonymous binds, failed logins); may be null
  void count(Reason r) {
    if (counters) counters->add(r);
  }
};

// What an inspector needs from the dataplane, declared once in its class and read from there by
// the registry (which inspector serves a flow), the pipeline (the size of its message buffers)
// and docs/architecture.md's table.
// The message buffer that a TLS handshake message (a certificate chain), an LDAP request or an
// SNMP message over TCP is reassembled in.
inline constexpr uint32_t kMessageBufferBytes = 64 << 10;

struct Requirements {
  enum class Transport : uint8_t { Stream, Datagram };
  // Stream: in-order bytes from the stream normaliser; Datagram: each UDP payload one chunk.
  Transport transport = Transport::Stream;
  bool starttls = false;      // upgrades in band to TLS and then inspects the TLS handshake
  uint32_t max_unit = 0;      // the longest unit (line, header, message) it accepts; beyond: deny
  uint32_t buffer_bytes = 0;  // a BufferPool buffer this large reassembles its units (0: none)
  std::span<const uint16_t> ports;  // the ports its protocol is registered on (IANA)
};

class Inspector {
 public:
  virtual ~Inspector() = default;
  virtual const char* name() const = 0;
  virtual const Requirements& requirements() const = 0;
  virtual FlowState* open(FlowArena&) const = 0;  // nullptr: no state available (fail closed)
  // The flow ends (closed, killed, expired, or pass-through): give back what the state holds
  // (BufferPool buffers) and its block.
  virtual void close(FlowState* s, FlowArena& a, Context&) const { a.release(s); }
  virtual Decision on_data(FlowState&, Dir, std::span<const std::byte> in_order,
                           Context&) const = 0;
  // Whether the session is protected: a TLS handshake accepted, the inspector staying only to
  // watch the framing (FTP's control connection, for CCC). The dataplane then treats the flow as
  // past its risky phase (no short idle timeout, never evicted) and opens what depends on it
  // (FTP data channels). Inspectors that pass the flow through at that point need not say.
  virtual bool secured(const FlowState&) const { return false; }
  // The sender's FIN arrived in order: its stream is complete. A unit still open (a PJL line
  // without its line end, a PostScript name at the end of the job) is judged as the receiver
  // will read it; Deny kills the flow before the FIN is forwarded.
  virtual Decision on_end(FlowState&, Dir, Context&) const { return {}; }
  // What a deny was about (a PJL command, a PostScript operator), for the event; empty if
  // nothing more than the reason. Valid while the state lives.
  virtual std::string_view detail(const FlowState&) const { return {}; }
  // Bytes that will never be seen (the stream cannot be completed): fail closed by default.
  virtual Decision on_gap(FlowState&, Dir, uint32_t, Context&) const {
    return {Verdict::Deny, 0, Reason::TcpGap};
  }
};

// The members an inspector defines in its .cc, declared once here; an inspector's class names
// itself (name()) and then says PW_INSPECTOR_MEMBERS (PW_INSPECTOR_MEMBERS_KEEPING_CLOSE when the
// default close() suffices, its state holding no BufferPool buffer).
#define PW_INSPECTOR_MEMBERS_KEEPING_CLOSE                                   \
  const ::pw::proto::Requirements& requirements() const override;          \
  ::pw::proto::FlowState* open(::pw::proto::FlowArena& a) const override;   \
  ::pw::proto::Decision on_data(::pw::proto::FlowState& s, ::pw::proto::Dir d, \
                                std::span<const std::byte> in,             \
                                ::pw::proto::Context& ctx) const override;
// An inspector that judges what is still open at the sender's FIN and names what it denied.
#define PW_INSPECTOR_END_AND_DETAIL                                                            \
  ::pw::proto::Decision on_end(::pw::proto::FlowState& s, ::pw::proto::Dir d,                  \
                               ::pw::proto::Context& ctx) const override;                      \
  std::string_view detail(const ::pw::proto::FlowState& s) const override;
#define PW_INSPECTOR_MEMBERS        \
  PW_INSPECTOR_MEMBERS_KEEPING_CLOSE \
  void close(::pw::proto::FlowState* s, ::pw::proto::FlowArena& a, ::pw::proto::Context& ctx) const override;

}  // namespace pw::proto
