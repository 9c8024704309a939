// The commit history: every configuration that became the running one, on disk, with who, when
// and why. `show system commit` lists it, `rollback N` loads one of them into a candidate, and
// printwalld starts from the latest one (from its --config file only when there is none, which
// then becomes the initial commit).
//
// Layout of the directory (default /var/lib/printwall, mode 0750):
//   commit-<N>.conf   the configuration in canonical form (print_config), N = 1, 2, ... (monotonic)
//   commit-<N>.json   its metadata (CommitMeta as a JSON object)
//   started           the id of the commit printwalld last started from (decimal)
// Each file is written atomically: a temporary file in the same directory (".tmp-commit-..."),
// write, fsync, rename over the final name, fsync the directory. The .json is written first and
// the .conf last: a commit exists once its .conf exists, so a crash in between leaves at worst
// a stray .json, which is ignored (and overwritten by the next commit of that number). Files
// that are not commit-<N>.conf/.json (temporary files left by a crash, editor backups) are
// ignored. A commit whose .json is missing or corrupt is kept (its configuration is what matters)
// with `metadata_ok` false, and reported by open() in warnings().
//
// The `keep` newest commits are kept; older ones are removed after each commit.
// Not thread-safe: the control thread owns the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pw::mgmt {

enum class CommitKind : uint8_t { Initial, Commit, Rollback, ConfirmedExpiry };
// "initial", "commit", "rollback", "confirmed-expiry".
const char* commit_kind_name(CommitKind k);
std::optional<CommitKind> parse_commit_kind(std::string_view s);

struct CommitMeta {
  uint64_t id = 0;           // set by commit()
  std::string user;          // login name of the committer ("printwalld" for automatic ones)
  uint32_t uid = 0;
  std::string time;          // RFC 3339 UTC; commit() fills it when empty
  std::string comment;
  std::vector<std::string> diff;  // set by commit(): diff_configs(previous, this) lines
  CommitKind kind = CommitKind::Commit;
  std::optional<uint32_t> confirmed_minutes;  // `commit confirmed N`
  std::optional<uint64_t> rollback_of;        // kind Rollback/ConfirmedExpiry: the commit restored
  bool metadata_ok = true;   // false: the .json was missing or corrupt (only id is meaningful)
};

class ConfigStore {
 public:
  static constexpr const char* kDefaultDir = "/var/lib/printwall";
  static constexpr size_t kDefaultKeep = 50;

  explicit ConfigStore(std::string dir, size_t keep = kDefaultKeep);

  // Creates the directory (mode 0750) when missing and scans it. False only when the directory
  // cannot be created or read; problems with single commits go to warnings().
  bool open(std::string* err);
  const std::vector<std::string>& warnings() const { return warnings_; }

  // The newest commit's configuration text, or nullopt when there is none (or it is unreadable).
  std::optional<std::string> latest_text() const;

  // Stores `text` as the next commit. The text must parse (it is stored in canonical form);
  // `meta`'s id and diff are computed here, its time filled when empty. Returns the new id, or
  // nullopt with `err` set (nothing is left behind but possibly a stray .json).
  std::optional<uint64_t> commit(const std::string& text, const CommitMeta& meta,
                                 std::string* err);

  // Newest first.
  std::vector<CommitMeta> history() const;
  // The configuration of rollback point `rollback_n`: 0 the latest commit, 1 the one before, ...
  std::optional<std::string> text_of(size_t rollback_n) const;
  // The commit id of rollback point `rollback_n`.
  std::optional<uint64_t> id_of(size_t rollback_n) const;

  size_t size() const { return commits_.size(); }
  const std::string& dir() const { return dir_; }

  // Paths of one commit's files.
  std::string conf_path(uint64_t id) const;
  std::string meta_path(uint64_t id) const;

  // The commit printwalld last started from (file `started`, written atomically): where a start
  // that fails falls back to. nullopt when none is recorded (or the file is unreadable).
  bool set_started(uint64_t id, std::string* err) const;
  std::optional<uint64_t> started() const;

 private:
  bool write_atomic(const std::string& path, std::string_view data, std::string* err) const;
  bool sync_dir(std::string* err) const;
  void prune();

  std::string dir_;
  size_t keep_;
  std::vector<CommitMeta> commits_;  // oldest first
  uint64_t max_seen_id_ = 0;         // highest id seen on disk, stray files included
  std::vector<std::string> warnings_;
};

// The metadata as stored (and its parse; nullopt when it is not a valid metadata object).
std::string commit_meta_json(const CommitMeta& m);
std::optional<CommitMeta> parse_commit_meta(std::string_view json, std::string* why);

}  // namespace pw::mgmt
