// Events and audit records to SIEM collectors as RFC 5424 syslog messages over UDP (RFC 5426),
// TCP with octet counting (RFC 6587 section 3.4.1) or TLS (RFC 5425), to several destinations.
//
// Who calls this: the control thread only. The fast path never does: its workers hand events to
// the control thread through their own lock-free rings (dataplane/events.h), and the control
// thread turns them into LogRecords and submits them here. submit() formats the record, then
// takes each destination's queue mutex only to push (no system call, no I/O under it); a full
// queue drops the record for that destination and counts it. One sender thread per destination
// does the network I/O on a non-blocking socket whose every wait is bounded (io_timeout, and
// stop()'s deadline; this plays the part of SO_SNDTIMEO), and reconnects with exponential
// backoff (backoff_min doubling to backoff_max, back to backoff_min once a connection carried a
// message).
//
// Accounting, per destination (DestinationStats), at any time:
//   submitted == sent + dropped_queue_full + lost_on_error + lost_at_stop + queued
// `sent` means written whole to the socket (UDP: one datagram; TCP/TLS: one frame). A TCP or TLS
// collector that dies holding bytes it had not yet processed loses them without the sender being
// able to tell (plain syslog has no application acknowledgement; that is RELP's job): such
// messages are counted as sent. Before each write the sender checks whether the collector has
// closed the connection, which catches an orderly close or a restart before writing into a dead
// connection. A message whose write fails (error, timeout) is put back at the head of the queue
// and retried once on the next connection; a second failure counts it in `lost_on_error`. A
// retried message may be delivered twice when the failed write had reached the collector.
//
// Credentials: the sender adds no field of its own. Callers pass event fields only (the event
// record of docs/events.md, audit fields); no password, community string, key or token is ever a
// field value.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pw::policy {
struct Model;
}

namespace pw::mgmt {

// The SD-ID of our one structured-data element. 32473 is the private enterprise number that
// RFC 5612 reserves for documentation examples; replace it with printwall's own IANA PEN once one
// is assigned (SIEM parsers match on this string).
inline constexpr std::string_view kSyslogSdId = "printwall@32473";
inline constexpr int kSyslogFacilityLocal0 = 16;

// RFC 5424 severities.
enum SyslogSeverity : int {
  kSevEmergency = 0,
  kSevAlert = 1,
  kSevCritical = 2,
  kSevError = 3,
  kSevWarning = 4,
  kSevNotice = 5,
  kSevInfo = 6,
  kSevDebug = 7,
};

struct LogRecord {
  uint64_t ts_ns = 0;       // UNIX time; 0: "now" for submit(), NILVALUE for format_rfc5424()
  int severity = kSevInfo;  // RFC 5424 0..7 (clamped)
  // One MSGID per event type: the reason code for fast-path events ("service-deny", ...), "audit"
  // for audit records. Printable US-ASCII, at most 32 characters (sanitized).
  std::string msgid;
  std::vector<std::pair<std::string, std::string>> fields;  // SD-PARAMs, in this order
  std::string msg;                                          // free text, UTF-8; may be empty
};

// One RFC 5424 message:
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [printwall@32473 k="v" ...] MSG
// PRI = facility * 8 + severity (facility clamped to 0..23, severity to 0..7). TIMESTAMP is RFC
// 3339 UTC with microseconds (2026-11-25T19:03:00.123456Z). Header fields keep printable US-ASCII
// only (any other byte becomes '_') and are cut to their maximum length (HOSTNAME 255, APP-NAME
// 48, MSGID 32); an empty one, ts_ns 0 and procid <= 0 are NILVALUE "-". Field names become
// SD-NAMEs: printable US-ASCII except '=', ']', '"' (others become '_'), at most 32, "_" if empty.
// Field values are UTF-8 with '"', '\' and ']' escaped by a backslash. No fields: the
// STRUCTURED-DATA is "-". MSG follows as UTF-8 without the optional BOM (RFC 5424 6.4 makes it
// optional; collectors and SIEMs handle plain UTF-8 and some show the BOM as garbage); it is
// omitted with its leading space when empty. Invalid UTF-8 in values and MSG becomes U+FFFD.
std::string format_rfc5424(const LogRecord& r, int facility, const std::string& hostname,
                           const std::string& app, int procid);

// "kern" 0, "user" 1, "daemon" 3, "auth" 4, "local0".."local7" 16..23; -1 for anything else.
int syslog_facility(std::string_view name);

struct SyslogDestination {
  enum class Transport : uint8_t { Udp, Tcp, Tls };
  std::string host;  // IP literal, v4 or v6 (brackets allowed)
  uint16_t port = 514;
  Transport transport = Transport::Udp;
  // TLS: the CA bundle the server certificate must chain to (empty: the system's default trust
  // store) and the name it must carry, also sent as SNI (empty: the certificate must carry the
  // host's IP address instead, and no SNI is sent).
  std::string ca_file;
  std::string server_name;

  std::string str() const;  // "tls://192.0.2.7:6514", "udp://[2001:db8::1]:514"
};

struct SyslogConfig {
  int facility = kSyslogFacilityLocal0;
  size_t queue_size = 8192;  // messages per destination
  std::vector<SyslogDestination> destinations;
  std::string hostname;  // empty: the system's host name
  std::string app_name = "printwall";
  int procid = 0;  // 0: this process's id
  // Longer messages are cut at the end (on a UTF-8 boundary) and counted in `truncated`. UDP: RFC
  // 5426 asks receivers for 2048 octets at least, more is not portable. TCP/TLS: rsyslog's
  // default maxMessageSize is 8 KiB. This also bounds a queue's memory.
  size_t max_udp_message = 2048;
  size_t max_stream_message = 8192;
  std::chrono::milliseconds io_timeout{2000};  // connect, TLS handshake, one write
  std::chrono::milliseconds backoff_min{100}, backoff_max{30000};
};

// The `syslog` statements of a validated model (ports already defaulted to 514, 6514 for TLS;
// the facility name mapped; hostname: `system host-name`).
SyslogConfig syslog_config(const policy::Model& m);

struct DestinationStats {
  std::string destination;          // SyslogDestination::str()
  uint64_t submitted = 0;           // records offered to this destination
  uint64_t sent = 0;                // written whole to the socket
  uint64_t dropped_queue_full = 0;  // refused by submit(): queue full, or sender stopped
  uint64_t lost_on_error = 0;       // failed to write twice (or once for UDP)
  uint64_t lost_at_stop = 0;        // still queued when stop()'s drain time ran out
  uint64_t truncated = 0;           // cut to the transport's maximum size (also sent or lost)
  uint64_t errors = 0;              // failed connects, handshakes, verifications and writes
  uint64_t reconnects = 0;          // connections established after the first one
  size_t queued = 0;                // waiting, or being written
  bool connected = false;           // TCP/TLS: a connection is up; UDP: the socket is open
  std::string last_error;           // empty until an error happens; kept after recovery
};

class SyslogSender {
 public:
  explicit SyslogSender(SyslogConfig c);
  ~SyslogSender();  // stop(0) when still running
  SyslogSender(const SyslogSender&) = delete;
  SyslogSender& operator=(const SyslogSender&) = delete;

  // Starts one thread per destination. Records submitted before start() wait in the queues.
  void start();
  // Sends what is queued for at most `drain`, then closes the connections and joins the threads.
  // Bounded by drain + about 50 ms: the sockets are non-blocking and every wait (connect, TLS
  // handshake, write, backoff) polls in slices that watch the deadline, so a write still in
  // progress then is abandoned (its connection closed). What is still queued counts in
  // lost_at_stop. Later submissions are refused (dropped_queue_full).
  void stop(std::chrono::milliseconds drain);
  // Formats `r` (ts_ns 0: now) and queues it for every destination. Never blocks on the network:
  // it only takes each destination's queue mutex, which no I/O holds. False when at least one
  // destination refused it (queue full or stopped); true with no destination.
  bool submit(const LogRecord& r);
  std::vector<DestinationStats> stats() const;
  const SyslogConfig& config() const { return cfg_; }

  struct Dest;

 private:
  SyslogConfig cfg_;
  std::vector<std::unique_ptr<Dest>> dests_;
  bool started_ = false, stopped_ = false;
};

}  // namespace pw::mgmt
