#include "mgmt/printwall/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pw::mgmt {

using nlohmann::json;
using std::chrono::milliseconds;

ControlClient::~ControlClient() { close(); }

void ControlClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
  scanned_ = 0;
}

void ControlClient::adopt(int fd) {
  close();
  fd_ = fd;
}

bool ControlClient::connect(const std::string& path) {
  close();
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sa.sun_path)) {
    error_ = std::strerror(path.empty() ? ENOENT : ENAMETOOLONG);
    return false;
  }
  std::memcpy(sa.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error_ = std::strerror(errno);
    return false;
  }
  int r;
  do {
    r = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    error_ = std::strerror(errno);
    ::close(fd);
    return false;
  }
  fd_ = fd;
  return true;
}

bool ControlClient::send_line(std::string_view line) {
  if (fd_ < 0) {
    error_ = "not connected";
    return false;
  }
  std::string s(line);
  s += '\n';
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error_ = std::string("lost the connection to the daemon: ") + std::strerror(errno);
      close();
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

ControlClient::Read ControlClient::read_line(std::string* line, milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    size_t nl = buf_.find('\n', scanned_);
    if (nl != std::string::npos && nl <= max_line_) {
      line->assign(buf_, 0, nl);
      buf_.erase(0, nl + 1);
      scanned_ = 0;
      return last_read_ = Read::kLine;
    }
    scanned_ = buf_.size();
    if (nl != std::string::npos || buf_.size() > max_line_) {
      error_ = "reply line longer than " + std::to_string(max_line_) + " bytes";
      close();
      return last_read_ = Read::kTooLong;
    }
    if (fd_ < 0) {
      error_ = "not connected";
      return last_read_ = Read::kError;
    }
    int wait = -1;
    if (timeout.count() >= 0) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        error_ = "no reply from the daemon within " + std::to_string(timeout.count() / 1000) + " s";
        return last_read_ = Read::kTimeout;
      }
      wait = static_cast<int>(std::min<long long>(left, INT_MAX));
    }
    pollfd p[2] = {{fd_, POLLIN, 0}, {cancel_fd_, POLLIN, 0}};
    int r = ::poll(p, cancel_fd_ >= 0 ? 2 : 1, wait);
    if (r < 0 && errno == EINTR) continue;  // a SIGINT shows up on the cancel pipe
    if (r < 0) {
      error_ = std::string("poll: ") + std::strerror(errno);
      return last_read_ = Read::kError;
    }
    if (cancel_fd_ >= 0 && (p[1].revents & POLLIN)) {
      error_ = "interrupted";
      return last_read_ = Read::kInterrupted;
    }
    if (r == 0) continue;
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) {
      error_ = std::string("lost the connection to the daemon: ") + std::strerror(errno);
      close();
      return last_read_ = Read::kError;
    }
    if (n == 0) {
      error_ = "the daemon closed the connection";
      close();
      return last_read_ = Read::kClosed;
    }
    buf_.append(chunk, static_cast<size_t>(n));
  }
}

ControlClient::Read ControlClient::read_json(json* out, milliseconds timeout) {
  std::string line;
  Read r = read_line(&line, timeout);
  if (r != Read::kLine) return r;
  *out = json::parse(line, nullptr, false);
  if (out->is_discarded() || !out->is_object()) {
    error_ = "bad reply from the daemon (not a JSON object)";
    close();
    return last_read_ = Read::kError;
  }
  return r;
}

std::string ControlClient::request_line(uint64_t id, std::string_view cmd, const json& args) {
  return "{\"id\":" + std::to_string(id) + ",\"cmd\":" + json(std::string(cmd)).dump() +
         ",\"args\":" + args.dump() + "}";
}

std::optional<json> ControlClient::request(std::string_view cmd, const json& args,
                                           milliseconds timeout) {
  const uint64_t id = next_id_++;
  std::string line;
  try {
    line = request_line(id, cmd, args);
  } catch (const json::exception&) {
    error_ = "the request is not valid UTF-8";
    last_read_ = Read::kError;
    return std::nullopt;
  }
  if (line.size() > kMaxRequestBytes) {
    error_ = "request too large (" + std::to_string(line.size()) +
             " bytes; the daemon accepts 1 MiB)";
    last_read_ = Read::kError;
    return std::nullopt;
  }
  if (!send_line(line)) {
    last_read_ = Read::kError;
    return std::nullopt;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() < 0) left = milliseconds(0);
    json j;
    Read r = read_json(&j, left);
    if (r == Read::kTimeout) close();  // a late reply would find a state nobody knows
    if (r != Read::kLine) return std::nullopt;
    // Events queued before this request, or the reply to an interrupted earlier request.
    if (j.contains("event") && !j.contains("code")) continue;
    if (auto it = j.find("id"); it != j.end() && !(it->is_number() && *it == id)) continue;
    return j;
  }
}

}  // namespace pw::mgmt
