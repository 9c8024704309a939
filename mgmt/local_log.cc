#include "mgmt/local_log.h"

#include <algorithm>
#include <ostream>
#include <set>

namespace pw::mgmt {

namespace {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

LocalLog::LocalLog(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void LocalLog::append(json record) {
  if (!record.is_object()) record = json{{"value", std::move(record)}};
  std::lock_guard<std::mutex> lock(mu_);
  if (records_.size() >= capacity_) {
    records_.pop_front();
    ++dropped_;
  }
  records_.push_back(std::move(record));
  ++appended_;
}

bool LocalLog::matches(const json& record, const Filter& filter) {
  for (const auto& [key, want] : filter) {
    auto it = record.find(key);
    if (it == record.end()) return false;
    if (it->is_string()) {
      if (it->get_ref<const std::string&>() != want) return false;
    } else if (it->is_number() || it->is_boolean()) {
      if (it->dump() != want) return false;
    } else {
      return false;
    }
  }
  return true;
}

std::vector<json> LocalLog::last(size_t n, const Filter& filter) const {
  std::vector<json> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = records_.rbegin(); it != records_.rend() && out.size() < n; ++it)
    if (matches(*it, filter)) out.push_back(*it);
  std::reverse(out.begin(), out.end());
  return out;
}

std::deque<json> LocalLog::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_;
}

void LocalLog::export_json(std::ostream& out) const {
  // Copied under the lock, written without it: a slow reader does not hold up appends.
  for (const json& r : snapshot()) out << dump(r) << '\n';
}

void LocalLog::export_csv(std::ostream& out, const std::vector<std::string>& columns) const {
  std::deque<json> recs = snapshot();
  std::vector<std::string> cols = columns;
  if (cols.empty()) {
    std::set<std::string> seen;
    for (const json& r : recs)
      for (const auto& [k, v] : r.items())
        if (seen.insert(k).second) cols.push_back(k);
  }
  for (size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << csv_field(cols[i]);
  out << "\r\n";
  for (const json& r : recs) {
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i) out << ',';
      auto it = r.find(cols[i]);
      if (it == r.end() || it->is_null()) continue;
      out << csv_field(it->is_string() ? it->get_ref<const std::string&>() : dump(*it));
    }
    out << "\r\n";
  }
}

size_t LocalLog::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_.size();
}

uint64_t LocalLog::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

uint64_t LocalLog::appended() const {
  std::lock_guard<std::mutex> lock(mu_);
  return appended_;
}

std::optional<LocalLog::Filter> LocalLog::parse_filter(const std::vector<std::string>& words) {
  Filter f;
  for (const auto& w : words) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0) return std::nullopt;
    f[w.substr(0, eq)] = w.substr(eq + 1);
  }
  return f;
}

}  // namespace pw::mgmt
