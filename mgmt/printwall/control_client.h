// The client side of the control protocol (mgmt/commands.h): one Unix stream connection to
// printwalld, JSON request and reply lines with ids, poll() deadlines, a cap on line length.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "mgmt/commands.h"

namespace pw::mgmt {

// One connection to the control socket. Not thread-safe; blocking I/O with poll() deadlines.
class ControlClient {
 public:
  enum class Read { kLine, kTimeout, kClosed, kTooLong, kInterrupted, kError };

  ControlClient() = default;
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Connects to a Unix stream socket; on failure error() holds strerror and false is returned.
  bool connect(const std::string& path);
  // Takes ownership of a connected stream socket (a socketpair in tests).
  void adopt(int fd);
  void close();
  bool connected() const { return fd_ >= 0; }

  // When `fd` becomes readable, reads return kInterrupted (a SIGINT self-pipe). -1: none.
  void set_cancel_fd(int fd) { cancel_fd_ = fd; }
  // Lines longer than this (without their newline) end the connection: kTooLong.
  void set_max_line(size_t bytes) { max_line_ = bytes; }

  // Sends {"id":N,"cmd":cmd,"args":args} and waits for the reply carrying id N (event lines and
  // stale replies are skipped). nullopt on I/O error, timeout, interruption or a reply that is
  // not a JSON object: error() says which, last_read() gives the kind; the connection is closed
  // except on interruption (the caller decides).
  std::optional<nlohmann::json> request(std::string_view cmd, const nlohmann::json& args,
                                        std::chrono::milliseconds timeout);
  // The next line (without its newline). timeout < 0: wait forever.
  Read read_line(std::string* line, std::chrono::milliseconds timeout);
  // The next line parsed as a JSON object (kError with error() set when it is not one).
  Read read_json(nlohmann::json* out, std::chrono::milliseconds timeout);
  bool send_line(std::string_view line);

  // The exact request line request() sends for `id` (the protocol's field order).
  static std::string request_line(uint64_t id, std::string_view cmd, const nlohmann::json& args);

  const std::string& error() const { return error_; }
  Read last_read() const { return last_read_; }
  uint64_t last_id() const { return next_id_ - 1; }

 private:
  int fd_ = -1;
  int cancel_fd_ = -1;
  // Replies may be larger than requests: a log export of 40,000 records is tens of MiB.
  size_t max_line_ = kMaxReplyBytes;
  uint64_t next_id_ = 1;
  std::string buf_;
  size_t scanned_ = 0;  // bytes of buf_ already searched for '\n'
  std::string error_;
  Read last_read_ = Read::kLine;
};

}  // namespace pw::mgmt
