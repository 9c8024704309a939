#include "mgmt/config_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mgmt/rfc3339.h"
#include "policy/config.h"
#include "policy/config_diff.h"
#include "policy/config_printer.h"

namespace pw::mgmt {

namespace {

using nlohmann::json;

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::optional<std::string> read_file(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  text.resize(max_bytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return std::nullopt;
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > max_bytes) return std::nullopt;
  return text;
}

enum class FileKind { Conf, Meta };

// "commit-<N>.conf" / "commit-<N>.json" with N canonical decimal (no leading zero), N >= 1.
std::optional<std::pair<uint64_t, FileKind>> commit_file(std::string_view name) {
  constexpr std::string_view kPrefix = "commit-";
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  FileKind kind;
  if (name.ends_with(".conf"))
    kind = FileKind::Conf;
  else if (name.ends_with(".json"))
    kind = FileKind::Meta;
  else
    return std::nullopt;
  name.remove_suffix(5);
  if (name.empty() || name.size() > 19 || name[0] == '0') return std::nullopt;
  uint64_t id = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc() || p != name.data() + name.size() || id == 0) return std::nullopt;
  return std::make_pair(id, kind);
}

constexpr size_t kMaxMetaBytes = 16u << 20;  // the diff of a large configuration

}  // namespace

const char* commit_kind_name(CommitKind k) {
  switch (k) {
    case CommitKind::Initial: return "initial";
    case CommitKind::Commit: return "commit";
    case CommitKind::Rollback: return "rollback";
    case CommitKind::ConfirmedExpiry: return "confirmed-expiry";
  }
  return "commit";
}

std::optional<CommitKind> parse_commit_kind(std::string_view s) {
  for (CommitKind k : {CommitKind::Initial, CommitKind::Commit, CommitKind::Rollback,
                       CommitKind::ConfirmedExpiry})
    if (s == commit_kind_name(k)) return k;
  return std::nullopt;
}

std::string commit_meta_json(const CommitMeta& m) {
  json j = json::object();
  j["id"] = m.id;
  j["user"] = m.user;
  j["uid"] = m.uid;
  j["time"] = m.time;
  j["comment"] = m.comment;
  j["kind"] = commit_kind_name(m.kind);
  j["diff"] = m.diff;
  if (m.confirmed_minutes) j["confirmed_minutes"] = *m.confirmed_minutes;
  if (m.rollback_of) j["rollback_of"] = *m.rollback_of;
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::optional<CommitMeta> parse_commit_meta(std::string_view text, std::string* why) {
  json j = json::parse(text, nullptr, false);
  auto fail = [&](std::string r) -> std::optional<CommitMeta> {
    if (why) *why = std::move(r);
    return std::nullopt;
  };
  if (j.is_discarded()) return fail("not valid JSON");
  if (!j.is_object()) return fail("not a JSON object");
  CommitMeta m;
  try {
    const json& id = j.at("id");
    if (!id.is_number_unsigned()) return fail("'id' is not a commit number");
    m.id = id.get<uint64_t>();
    m.user = j.at("user").get<std::string>();
    const json& uid = j.at("uid");
    if (!uid.is_number_unsigned() || uid.get<uint64_t>() > UINT32_MAX)
      return fail("'uid' is not a uid");
    m.uid = uid.get<uint32_t>();
    m.time = j.at("time").get<std::string>();
    if (j.contains("comment")) m.comment = j.at("comment").get<std::string>();
    auto kind = parse_commit_kind(j.at("kind").get<std::string>());
    if (!kind) return fail("unknown 'kind'");
    m.kind = *kind;
    m.diff = j.at("diff").get<std::vector<std::string>>();
    if (j.contains("confirmed_minutes")) {
      const json& c = j.at("confirmed_minutes");
      if (!c.is_number_unsigned() || c.get<uint64_t>() > UINT32_MAX)
        return fail("'confirmed_minutes' is not a number of minutes");
      m.confirmed_minutes = c.get<uint32_t>();
    }
    if (j.contains("rollback_of")) {
      const json& r = j.at("rollback_of");
      if (!r.is_number_unsigned()) return fail("'rollback_of' is not a commit number");
      m.rollback_of = r.get<uint64_t>();
    }
  } catch (const json::exception& e) {
    return fail(std::string("missing or mistyped field (") + e.what() + ")");
  }
  return m;
}

ConfigStore::ConfigStore(std::string dir, size_t keep)
    : dir_(std::move(dir)), keep_(std::max<size_t>(keep, 1)) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
}

std::string ConfigStore::conf_path(uint64_t id) const {
  return dir_ + "/commit-" + std::to_string(id) + ".conf";
}

std::string ConfigStore::meta_path(uint64_t id) const {
  return dir_ + "/commit-" + std::to_string(id) + ".json";
}

bool ConfigStore::open(std::string* err) {
  commits_.clear();
  warnings_.clear();
  max_seen_id_ = 0;
  struct stat st {};
  if (::stat(dir_.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      if (err) *err = errno_text("cannot stat", dir_);
      return false;
    }
    // Parents as needed (0777 less the umask), the directory itself 0750.
    std::filesystem::path parent = std::filesystem::path(dir_).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      if (err) *err = "cannot create " + parent.string() + ": " + ec.message();
      return false;
    }
    if (::mkdir(dir_.c_str(), 0750) != 0 && errno != EEXIST) {
      if (err) *err = errno_text("cannot create", dir_);
      return false;
    }
  } else if (!S_ISDIR(st.st_mode)) {
    if (err) *err = dir_ + " is not a directory";
    return false;
  }

  DIR* d = ::opendir(dir_.c_str());
  if (!d) {
    if (err) *err = errno_text("cannot read", dir_);
    return false;
  }
  std::set<uint64_t> confs, metas;
  while (struct dirent* e = ::readdir(d)) {
    auto f = commit_file(e->d_name);
    if (!f) continue;  // ".", "..", temporary files, anything else
    (f->second == FileKind::Conf ? confs : metas).insert(f->first);
    max_seen_id_ = std::max(max_seen_id_, f->first);
  }
  ::closedir(d);

  for (uint64_t id : confs) {
    CommitMeta m;
    std::string why;
    std::optional<std::string> text = read_file(meta_path(id), kMaxMetaBytes);
    std::optional<CommitMeta> parsed;
    if (!text) {
      why = metas.contains(id) ? "unreadable" : "missing";
    } else {
      parsed = parse_commit_meta(*text, &why);
      if (parsed && parsed->id != id) {
        why = "it names commit " + std::to_string(parsed->id);
        parsed.reset();
      }
    }
    if (parsed) {
      m = std::move(*parsed);
    } else {
      warnings_.push_back(meta_path(id) + ": commit metadata " + why +
                          "; commit " + std::to_string(id) + " kept without it");
      m.metadata_ok = false;
      m.id = id;
    }
    commits_.push_back(std::move(m));
  }
  for (uint64_t id : metas)
    if (!confs.contains(id))
      warnings_.push_back(meta_path(id) + ": metadata without a configuration, ignored");
  return true;
}

std::optional<std::string> ConfigStore::latest_text() const { return text_of(0); }

std::optional<uint64_t> ConfigStore::id_of(size_t rollback_n) const {
  if (rollback_n >= commits_.size()) return std::nullopt;
  return commits_[commits_.size() - 1 - rollback_n].id;
}

std::optional<std::string> ConfigStore::text_of(size_t rollback_n) const {
  auto id = id_of(rollback_n);
  if (!id) return std::nullopt;
  return read_file(conf_path(*id), policy::kMaxConfigBytes);
}

std::vector<CommitMeta> ConfigStore::history() const {
  return {commits_.rbegin(), commits_.rend()};
}

bool ConfigStore::sync_dir(std::string* err) const {
  int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (err) *err = errno_text("cannot open", dir_);
    return false;
  }
  bool ok = ::fsync(fd) == 0;
  if (!ok && err) *err = errno_text("cannot fsync", dir_);
  ::close(fd);
  return ok;
}

bool ConfigStore::write_atomic(const std::string& path, std::string_view data,
                               std::string* err) const {
  std::string base = path.substr(path.find_last_of('/') + 1);
  std::string tmp = dir_ + "/.tmp-" + base + "-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    if (err) *err = errno_text("cannot create a temporary file in", dir_);
    return false;
  }
  auto fail = [&](const char* what) {
    if (err) *err = errno_text(what, tmp);
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };
  if (::fchmod(fd, 0640) != 0) return fail("cannot chmod");
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot fsync");
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) return fail("cannot close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename");
  return sync_dir(err);
}

bool ConfigStore::set_started(uint64_t id, std::string* err) const {
  return write_atomic(dir_ + "/started", std::to_string(id) + "\n", err);
}

std::optional<uint64_t> ConfigStore::started() const {
  std::optional<std::string> t = read_file(dir_ + "/started", 64);
  if (!t) return std::nullopt;
  uint64_t v = 0;
  size_t i = 0;
  for (; i < t->size() && (*t)[i] >= '0' && (*t)[i] <= '9'; ++i) v = v * 10 + static_cast<uint64_t>((*t)[i] - '0');
  if (i == 0 || i > 19) return std::nullopt;
  return v;
}

std::optional<uint64_t> ConfigStore::commit(const std::string& text, const CommitMeta& meta,
                                            std::string* err) {
  policy::ParseResult pr = policy::parse_config(text, "commit");
  if (!pr.ok()) {
    if (err) *err = "configuration does not parse: " + pr.errors.front().str();
    return std::nullopt;
  }
  policy::Config previous;
  if (auto prev_text = latest_text()) {
    policy::ParseResult pp = policy::parse_config(*prev_text, "previous");
    if (pp.ok()) previous = std::move(pp.config);
  }
  CommitMeta m = meta;
  m.id = std::max(max_seen_id_, commits_.empty() ? 0 : commits_.back().id) + 1;
  m.diff = policy::diff_configs(previous, pr.config);
  m.metadata_ok = true;
  if (m.time.empty()) m.time = rfc3339_utc(std::chrono::system_clock::now());

  // Metadata first: the commit exists once its configuration is in place.
  if (!write_atomic(meta_path(m.id), commit_meta_json(m), err)) return std::nullopt;
  if (!write_atomic(conf_path(m.id), policy::print_config(pr.config), err)) {
    ::unlink(meta_path(m.id).c_str());
    return std::nullopt;
  }
  max_seen_id_ = m.id;
  commits_.push_back(std::move(m));
  prune();
  return commits_.back().id;
}

void ConfigStore::prune() {
  if (commits_.size() <= keep_) return;
  size_t n = commits_.size() - keep_;
  for (size_t i = 0; i < n; ++i) {
    uint64_t id = commits_[i].id;
    // The configuration first: a commit without it no longer exists.
    for (const std::string& p : {conf_path(id), meta_path(id)})
      if (::unlink(p.c_str()) != 0 && errno != ENOENT)
        warnings_.push_back(errno_text("cannot remove", p));
  }
  commits_.erase(commits_.begin(), commits_.begin() + static_cast<long>(n));
  sync_dir(nullptr);
}

}  // namespace pw::mgmt
