// A bounded in-memory log of JSON records (`show log events`, `show log audit`): the newest
// `capacity` records, the oldest dropped first (and counted). Thread-safe: the control thread
// and the socket handlers append and read; never used on the fast path.
#pragma once

#include <cstdint>
#include <deque>
#include <iosfwd>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pw::mgmt {

class LocalLog {
 public:
  static constexpr size_t kDefaultCapacity = 40000;
  // key=value pairs that must all hold. A value matches a top-level string field that equals
  // it; a number or boolean field matches its JSON text ("uid=1000", "ok=true").
  using Filter = std::map<std::string, std::string>;

  explicit LocalLog(size_t capacity = kDefaultCapacity);

  // Appends one record. A record should be a JSON object; anything else is stored as
  // {"value": record}.
  void append(nlohmann::json record);

  // The last `n` records that match `filter`, oldest first.
  std::vector<nlohmann::json> last(size_t n, const Filter& filter = {}) const;

  // Every record, oldest first, one JSON object per line. Invalid UTF-8 in strings (which may
  // come from the network) is replaced by U+FFFD rather than failing.
  void export_json(std::ostream& out) const;
  // Every record as CSV (RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF in
  // double quotes, quotes doubled), with a header row. `columns` empty: the union of the
  // records' top-level keys in first-seen order. A string field is written as is, a missing or
  // null one empty, anything else as its JSON text.
  void export_csv(std::ostream& out, const std::vector<std::string>& columns = {}) const;

  size_t size() const;
  size_t capacity() const { return capacity_; }
  uint64_t dropped() const;   // records dropped for room since construction
  uint64_t appended() const;  // records appended since construction

  // "key=value" words; nullopt when one has no '=' or an empty key. A key given twice keeps
  // the last value.
  static std::optional<Filter> parse_filter(const std::vector<std::string>& words);
  static bool matches(const nlohmann::json& record, const Filter& filter);

 private:
  std::deque<nlohmann::json> snapshot() const;

  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<nlohmann::json> records_;
  uint64_t dropped_ = 0;
  uint64_t appended_ = 0;
};

// One CSV field, quoted when RFC 4180 requires it.
std::string csv_field(std::string_view s);

}  // namespace pw::mgmt
