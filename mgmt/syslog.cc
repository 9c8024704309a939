#include "mgmt/syslog.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>

#include "policy/policy_model.h"

namespace pw::mgmt {
namespace {

using Clock = std::chrono::steady_clock;

bool printusascii(unsigned char c) { return c >= 33 && c <= 126; }

// A header field: printable US-ASCII (others become '_'), at most `max` octets, "-" when empty.
void append_header_field(std::string& out, std::string_view s, size_t max) {
  if (s.empty()) {
    out += '-';
    return;
  }
  size_t n = std::min(s.size(), max);
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    out += printusascii(c) ? static_cast<char>(c) : '_';
  }
}

// SD-NAME (RFC 5424 6.3.3): 1*32 PRINTUSASCII except '=', SP, ']', '"'.
void append_sd_name(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '_';
    return;
  }
  size_t n = std::min<size_t>(s.size(), 32);
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool ok = printusascii(c) && c != '=' && c != ']' && c != '"';
    out += ok ? static_cast<char>(c) : '_';
  }
}

// Length of the well-formed UTF-8 sequence starting at s[i] (no overlongs, surrogates or code
// points past U+10FFFF), 0 when there is none.
size_t utf8_sequence(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp, min;
  if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// `s` as well-formed UTF-8 (each invalid byte becomes U+FFFD); with `param_value`, '"', '\' and
// ']' get a backslash (RFC 5424 6.3.3).
void append_utf8(std::string& out, std::string_view s, bool param_value) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (param_value && n == 1 && (s[i] == '"' || s[i] == '\\' || s[i] == ']')) out += '\\';
    out.append(s.substr(i, n));
    i += n;
  }
}

void append_timestamp(std::string& out, uint64_t ts_ns) {
  if (ts_ns == 0) {
    out += '-';
    return;
  }
  auto secs = static_cast<time_t>(ts_ns / 1000000000u);
  auto us = static_cast<unsigned>(ts_ns % 1000000000u / 1000u);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
  out += buf;
}

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Cuts `s` to at most `max` octets without splitting a UTF-8 sequence; true when it did.
bool cut_utf8(std::string& s, size_t max) {
  if (s.size() <= max) return false;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return true;
}

std::string errno_text(int e) {
  char buf[128];
  return strerror_r(e, buf, sizeof buf);  // GNU strerror_r: returns the message
}

// OpenSSL's error queue of this thread as text (emptied), or `fallback`.
std::string ssl_error_text(const std::string& fallback) {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? fallback : out;
}

const char* transport_name(SyslogDestination::Transport t) {
  switch (t) {
    case SyslogDestination::Transport::Udp:
      return "udp";
    case SyslogDestination::Transport::Tcp:
      return "tcp";
    case SyslogDestination::Transport::Tls:
      return "tls";
  }
  return "?";
}

std::string_view strip_brackets(std::string_view h) {
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') return h.substr(1, h.size() - 2);
  return h;
}

bool is_ip_literal(const std::string& s) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, s.c_str(), &a4) == 1 || inet_pton(AF_INET6, s.c_str(), &a6) == 1;
}

std::string format_message(const LogRecord& r, uint64_t ts_ns, int facility,
                           const std::string& hostname, const std::string& app, int procid) {
  std::string out;
  out.reserve(128 + r.msg.size() + r.fields.size() * 24);
  int pri = std::clamp(facility, 0, 23) * 8 + std::clamp(r.severity, 0, 7);
  out += '<';
  out += std::to_string(pri);
  out += ">1 ";
  append_timestamp(out, ts_ns);
  out += ' ';
  append_header_field(out, hostname, 255);
  out += ' ';
  append_header_field(out, app, 48);
  out += ' ';
  if (procid > 0) {
    out += std::to_string(procid);
  } else {
    out += '-';
  }
  out += ' ';
  append_header_field(out, r.msgid, 32);
  out += ' ';
  if (r.fields.empty()) {
    out += '-';
  } else {
    out += '[';
    out += kSyslogSdId;
    for (const auto& [k, v] : r.fields) {
      out += ' ';
      append_sd_name(out, k);
      out += "=\"";
      append_utf8(out, v, true);
      out += '"';
    }
    out += ']';
  }
  if (!r.msg.empty()) {
    out += ' ';
    append_utf8(out, r.msg, false);
  }
  return out;
}

}  // namespace

std::string format_rfc5424(const LogRecord& r, int facility, const std::string& hostname,
                           const std::string& app, int procid) {
  return format_message(r, r.ts_ns, facility, hostname, app, procid);
}

int syslog_facility(std::string_view name) {
  if (name == "kern") return 0;
  if (name == "user") return 1;
  if (name == "daemon") return 3;
  if (name == "auth") return 4;
  if (name.size() == 6 && name.substr(0, 5) == "local" && name[5] >= '0' && name[5] <= '7')
    return 16 + (name[5] - '0');
  return -1;
}

std::string SyslogDestination::str() const {
  std::string h(strip_brackets(host));
  bool v6 = h.find(':') != std::string::npos;
  return std::string(transport_name(transport)) + "://" + (v6 ? "[" + h + "]" : h) + ":" +
         std::to_string(port);
}

SyslogConfig syslog_config(const policy::Model& m) {
  SyslogConfig c;
  int f = syslog_facility(m.syslog.facility);
  c.facility = f < 0 ? kSyslogFacilityLocal0 : f;
  c.queue_size = m.syslog.queue_size;
  c.hostname = m.host_name;
  for (const auto& h : m.syslog.hosts) {
    SyslogDestination d;
    d.host = h.address.str();
    d.port = h.port;
    switch (h.transport) {
      case policy::SyslogTransport::Udp:
        d.transport = SyslogDestination::Transport::Udp;
        break;
      case policy::SyslogTransport::Tcp:
        d.transport = SyslogDestination::Transport::Tcp;
        break;
      case policy::SyslogTransport::Tls:
        d.transport = SyslogDestination::Transport::Tls;
        break;
    }
    d.ca_file = h.ca_file;
    d.server_name = h.server_name;
    c.destinations.push_back(std::move(d));
  }
  return c;
}

// One destination: its queue (shared with submit() under `mu`) and its sender thread's
// connection (touched by that thread only).
struct SyslogSender::Dest {
  using Transport = SyslogDestination::Transport;
  struct Item {
    std::string bytes;  // UDP: the message; TCP/TLS: the whole frame "LEN SP MSG"
    bool retried = false;
  };

  Dest(const SyslogDestination& d, const SyslogConfig& c) : cfg(d), sc(c), name(d.str()) {
    stats.destination = name;
    std::string h(strip_brackets(d.host));
    auto* a4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, h.c_str(), &a4->sin_addr) == 1) {
      a4->sin_family = AF_INET;
      a4->sin_port = htons(d.port);
      addr_len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, h.c_str(), &a6->sin6_addr) == 1) {
      a6->sin6_family = AF_INET6;
      a6->sin6_port = htons(d.port);
      addr_len = sizeof(sockaddr_in6);
    }
  }
  ~Dest() {
    close_connection(false);
    if (ctx) SSL_CTX_free(ctx);
  }

  const SyslogDestination cfg;
  const SyslogConfig& sc;
  const std::string name;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;  // 0: the host is not an IP literal

  // Under `mu`.
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Item> queue;
  bool accepting = true;
  bool stop_requested = false;
  Clock::time_point deadline{};  // of the drain, once stop_requested
  DestinationStats stats;        // all but `queued`

  // Steady-clock time (ns) from which I/O gives up: stop()'s drain deadline.
  std::atomic<int64_t> abort_at{std::numeric_limits<int64_t>::max()};
  std::thread thread;

  // The sender thread's own.
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  bool ever_connected = false;
  bool wrote_on_connection = false;

  bool stream() const { return cfg.transport != Transport::Udp; }
  Clock::time_point abort_time() const {
    return Clock::time_point(Clock::duration(abort_at.load(std::memory_order_relaxed)));
  }
  bool aborted() const { return Clock::now() >= abort_time(); }

  // Waits until `fd` has `events` (1), `until` or the stop deadline passed (0), or poll failed
  // (-1). Slices of 50 ms so that the stop deadline, set later, is seen.
  int wait_fd(short events, Clock::time_point until) const {
    for (;;) {
      auto now = Clock::now();
      auto limit = std::min(until, abort_time());
      if (now >= limit) return 0;
      auto ms = std::chrono::ceil<std::chrono::milliseconds>(limit - now).count();
      pollfd p{fd, events, 0};
      int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 50)));
      if (r > 0) return 1;  // POLLERR/POLLHUP too: the next call on the socket tells
      if (r < 0 && errno != EINTR) return -1;
    }
  }

  void close_connection(bool graceful) {
    if (ssl) {
      if (graceful) {
        ERR_clear_error();
        SSL_shutdown(ssl);  // one try at close_notify; non-blocking, no wait for the answer
      }
      SSL_free(ssl);
      ssl = nullptr;
      ERR_clear_error();
    }
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  bool connect_tcp(std::string* err) {
    fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *err = "socket: " + errno_text(errno);
      return false;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), addr_len) == 0) return true;
    if (errno != EINPROGRESS) {
      *err = "connect: " + errno_text(errno);
      return false;
    }
    int w = wait_fd(POLLOUT, Clock::now() + sc.io_timeout);
    if (w <= 0) {
      *err = w == 0 ? "connect: timed out" : "connect: poll: " + errno_text(errno);
      return false;
    }
    int so = 0;
    socklen_t len = sizeof so;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) != 0) so = errno;
    if (so != 0) {
      *err = "connect: " + errno_text(so);
      return false;
    }
    return true;
  }

  bool make_ctx(std::string* err) {
    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
      *err = "TLS: " + ssl_error_text("cannot create a context");
      return false;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);  // RFC 5425 as updated by RFC 9662
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    bool ok = cfg.ca_file.empty()
                  ? SSL_CTX_set_default_verify_paths(ctx) == 1
                  : SSL_CTX_load_verify_locations(ctx, cfg.ca_file.c_str(), nullptr) == 1;
    if (!ok) {
      *err = "TLS: cannot load CA file '" + cfg.ca_file + "': " + ssl_error_text("unknown error");
      SSL_CTX_free(ctx);
      ctx = nullptr;
      return false;
    }
    return true;
  }

  bool tls_handshake(std::string* err) {
    if (!ctx && !make_ctx(err)) return false;  // tried again on the next connection
    ERR_clear_error();
    ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) {
      *err = "TLS: " + ssl_error_text("cannot create a connection");
      return false;
    }
    // The name to verify: server_name (also sent as SNI), or the address itself.
    const std::string want =
        cfg.server_name.empty() ? std::string(strip_brackets(cfg.host)) : cfg.server_name;
    bool set;
    if (is_ip_literal(want)) {  // RFC 6066: no IP literal in SNI
      set = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), want.c_str()) == 1;
    } else {
      set =
          SSL_set_tlsext_host_name(ssl, want.c_str()) == 1 && SSL_set1_host(ssl, want.c_str()) == 1;
    }
    if (!set) {
      *err = "TLS: cannot set the expected name '" + want + "': " + ssl_error_text("error");
      return false;
    }
    auto until = Clock::now() + sc.io_timeout;
    for (;;) {
      ERR_clear_error();
      int r = SSL_connect(ssl);
      if (r == 1) return true;
      int e = SSL_get_error(ssl, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        int w = wait_fd(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, until);
        if (w > 0) continue;
        *err = "TLS handshake: timed out";
        return false;
      }
      long vr = SSL_get_verify_result(ssl);
      if (vr != X509_V_OK) {
        ERR_clear_error();
        *err = std::string("TLS: server certificate verification failed: ") +
               X509_verify_cert_error_string(vr) + " (expected '" + want + "')";
      } else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        *err = "TLS handshake: " +
               (errno != 0 ? errno_text(errno) : std::string("connection closed by the collector"));
      } else {
        *err = "TLS handshake: " + ssl_error_text("error " + std::to_string(e));
      }
      return false;
    }
  }

  bool open_connection(std::string* err) {
    if (addr_len == 0) {
      *err = "not an IP address: '" + cfg.host + "'";
      return false;
    }
    if (!stream()) {
      fd = ::socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) *err = "socket: " + errno_text(errno);
      return fd >= 0;
    }
    if (!connect_tcp(err)) return false;
    return cfg.transport != Transport::Tls || tls_handshake(err);
  }

  // TCP/TLS: false when the collector has closed the connection or it broke. The collector never
  // sends application data, so anything readable is a close, an error, or TLS housekeeping
  // (TLS 1.3 session tickets), which is consumed.
  bool connection_alive(std::string* err) {
    char buf[1024];
    for (;;) {
      if (!(ssl && SSL_pending(ssl) > 0)) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return true;
      }
      if (!ssl) {
        ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) continue;
        if (n == 0) {
          *err = "connection closed by the collector";
          return false;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
        *err = "connection: " + errno_text(errno);
        return false;
      }
      ERR_clear_error();
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n > 0) continue;
      int e = SSL_get_error(ssl, n);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
      *err = e == SSL_ERROR_ZERO_RETURN ? "TLS: the collector closed the connection"
                                        : "TLS: connection closed by the collector";
      ERR_clear_error();
      return false;
    }
  }

  bool write_all(const std::string& b, std::string* err) {
    auto until = Clock::now() + sc.io_timeout;
    if (!stream()) {
      for (;;) {
        ssize_t n = ::sendto(fd, b.data(), b.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&addr), addr_len);
        if (n >= 0) return true;  // a datagram goes whole or not at all
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          *err = "sendto: " + errno_text(errno);
          return false;
        }
        if (wait_fd(POLLOUT, until) <= 0) {
          *err = "sendto: timed out";
          return false;
        }
      }
    }
    if (!ssl) {
      size_t off = 0;
      while (off < b.size()) {
        ssize_t n = ::send(fd, b.data() + off, b.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          off += static_cast<size_t>(n);
          continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          *err = "send: " + errno_text(errno);
          return false;
        }
        if (wait_fd(POLLOUT, until) <= 0) {
          *err = "send: timed out";
          return false;
        }
      }
      return true;
    }
    for (;;) {  // without SSL_MODE_ENABLE_PARTIAL_WRITE: all of it or an error
      ERR_clear_error();
      size_t written = 0;
      if (SSL_write_ex(ssl, b.data(), b.size(), &written) == 1) return true;
      int e = SSL_get_error(ssl, 0);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (wait_fd(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, until) > 0) continue;
        *err = "TLS write: timed out";
        return false;
      }
      *err = "TLS write: " + ssl_error_text(e == SSL_ERROR_SYSCALL && errno != 0
                                                ? errno_text(errno)
                                                : "connection closed by the collector");
      return false;
    }
  }

  void note_error(const std::string& err) {
    std::lock_guard lk(mu);
    ++stats.errors;
    stats.last_error = err;
    stats.connected = false;
  }

  // Sleeps `d`, or until the stop deadline when that comes first.
  void backoff_wait(std::chrono::milliseconds d) {
    auto end = Clock::now() + d;
    std::unique_lock lk(mu);
    for (;;) {
      auto until = stop_requested ? std::min(end, deadline) : end;
      if (Clock::now() >= until) return;
      cv.wait_until(lk, until);
    }
  }

  void run() {
    // OpenSSL writes with write(2): a collector gone away must not kill the daemon with SIGPIPE.
    // Blocked in this thread only, a SIGPIPE stays pending on it and dies with it.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);

    auto backoff = sc.backoff_min;
    for (;;) {
      Item* item;
      {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return stop_requested || !queue.empty(); });
        if (queue.empty() || (stop_requested && Clock::now() >= deadline)) break;
        item = &queue.front();  // only this thread pops: the reference stays valid unlocked
      }
      std::string err;
      if (fd < 0) {
        if (!open_connection(&err)) {
          close_connection(false);
          if (aborted()) break;
          note_error(err);
          backoff_wait(backoff);
          backoff = std::min(backoff * 2, sc.backoff_max);
          continue;
        }
        wrote_on_connection = false;
        std::lock_guard lk(mu);
        stats.connected = true;
        if (ever_connected && stream()) ++stats.reconnects;
        ever_connected = true;
      }
      if (stream() && !connection_alive(&err)) {
        close_connection(false);
        note_error(err);
        if (!wrote_on_connection) {  // a collector that accepts and hangs up: no busy loop
          backoff_wait(backoff);
          backoff = std::min(backoff * 2, sc.backoff_max);
        }
        continue;  // reconnect, nothing lost
      }
      bool ok = write_all(item->bytes, &err);
      if (!ok && aborted()) {     // the item stays queued: lost_at_stop
        close_connection(false);  // no close_notify after a write cut short
        break;
      }
      if (!ok && stream()) close_connection(false);
      std::string done;  // declared before the lock: freed after it is released
      std::lock_guard lk(mu);
      if (ok) {
        ++stats.sent;
        done = std::move(item->bytes);
        queue.pop_front();
        wrote_on_connection = true;
        backoff = sc.backoff_min;  // reset once the connection carried a message
        continue;
      }
      ++stats.errors;
      stats.last_error = err;
      if (stream()) stats.connected = false;
      if (!stream() || item->retried) {
        ++stats.lost_on_error;
        done = std::move(item->bytes);
        queue.pop_front();
      } else {
        item->retried = true;  // once more, at the head, on the next connection
      }
    }
    close_connection(true);
    std::lock_guard lk(mu);
    stats.lost_at_stop += queue.size();
    queue.clear();
    stats.connected = false;
  }
};

SyslogSender::SyslogSender(SyslogConfig c) : cfg_(std::move(c)) {
  if (cfg_.hostname.empty()) {
    char h[256] = {};
    if (gethostname(h, sizeof h - 1) == 0) cfg_.hostname = h;
  }
  if (cfg_.procid == 0) cfg_.procid = static_cast<int>(getpid());
  cfg_.queue_size = std::max<size_t>(cfg_.queue_size, 1);
  for (const auto& d : cfg_.destinations) dests_.push_back(std::make_unique<Dest>(d, cfg_));
}

SyslogSender::~SyslogSender() {
  if (!stopped_) stop(std::chrono::milliseconds(0));
}

void SyslogSender::start() {
  if (started_ || stopped_) return;
  started_ = true;
  for (auto& d : dests_) {
    Dest* p = d.get();
    d->thread = std::thread([p] { p->run(); });
  }
}

void SyslogSender::stop(std::chrono::milliseconds drain) {
  if (stopped_) return;
  stopped_ = true;
  auto deadline = Clock::now() + drain;
  for (auto& d : dests_) {
    {
      std::lock_guard lk(d->mu);
      d->accepting = false;
      d->stop_requested = true;
      d->deadline = deadline;
    }
    d->abort_at.store(deadline.time_since_epoch().count());
    d->cv.notify_all();
  }
  for (auto& d : dests_) {
    if (d->thread.joinable()) {
      d->thread.join();
    } else {  // never started
      std::lock_guard lk(d->mu);
      d->stats.lost_at_stop += d->queue.size();
      d->queue.clear();
    }
  }
}

bool SyslogSender::submit(const LogRecord& r) {
  if (dests_.empty()) return true;
  const std::string msg = format_message(r, r.ts_ns ? r.ts_ns : now_ns(), cfg_.facility,
                                         cfg_.hostname, cfg_.app_name, cfg_.procid);
  // Built once per transport kind, outside any lock.
  std::string udp, frame;
  bool udp_cut = false, frame_cut = false, have_udp = false, have_frame = false;
  bool all = true;
  for (auto& d : dests_) {
    std::string* bytes;
    bool cut;
    if (d->stream()) {
      if (!have_frame) {
        std::string m = msg;
        frame_cut = cut_utf8(m, cfg_.max_stream_message);
        frame = std::to_string(m.size()) + ' ' + m;  // RFC 6587 3.4.1, RFC 5425 4.3
        have_frame = true;
      }
      bytes = &frame;
      cut = frame_cut;
    } else {
      if (!have_udp) {
        udp = msg;
        udp_cut = cut_utf8(udp, cfg_.max_udp_message);
        have_udp = true;
      }
      bytes = &udp;
      cut = udp_cut;
    }
    std::string copy = *bytes;  // allocation outside the lock
    bool queued = false;
    {
      std::lock_guard lk(d->mu);
      ++d->stats.submitted;
      if (cut) ++d->stats.truncated;
      if (d->accepting && d->queue.size() < cfg_.queue_size) {
        d->queue.push_back({std::move(copy), false});
        queued = true;
      } else {
        ++d->stats.dropped_queue_full;
      }
    }
    if (queued) {
      d->cv.notify_one();
    } else {
      all = false;
    }
  }
  return all;
}

std::vector<DestinationStats> SyslogSender::stats() const {
  std::vector<DestinationStats> out;
  out.reserve(dests_.size());
  for (const auto& d : dests_) {
    std::lock_guard lk(d->mu);
    out.push_back(d->stats);
    out.back().queued = d->queue.size();
  }
  return out;
}

}  // namespace pw::mgmt
