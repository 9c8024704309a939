#include "mgmt/config_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pw::mgmt {
namespace {

namespace fs = std::filesystem;

class ConfigStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("pw-store-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    dir_ = (root_ / "state" / "printwall").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  static CommitMeta meta(std::string user, CommitKind kind = CommitKind::Commit,
                         std::string comment = {}) {
    CommitMeta m;
    m.user = std::move(user);
    m.uid = 1000;
    m.kind = kind;
    m.comment = std::move(comment);
    return m;
  }
  static std::string host(int i) { return "set system host-name gw" + std::to_string(i) + "\n"; }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(fs::path(dir_) / name) << text;
  }

  fs::path root_;
  std::string dir_;
};

TEST_F(ConfigStoreTest, OpenCreatesDirectory) {
  ConfigStore s(dir_);
  std::string err;
  ASSERT_TRUE(s.open(&err)) << err;
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  mode_t um = ::umask(0);
  ::umask(um);
  EXPECT_EQ(st.st_mode & 0777, 0750u & ~um);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.latest_text());
  EXPECT_FALSE(s.text_of(0));
  EXPECT_TRUE(s.history().empty());
  EXPECT_TRUE(s.warnings().empty());
}

TEST_F(ConfigStoreTest, OpenFailsOnAFile) {
  fs::create_directories(root_);
  std::ofstream(root_ / "file") << "x";
  ConfigStore s((root_ / "file").string());
  std::string err;
  EXPECT_FALSE(s.open(&err));
  EXPECT_NE(err.find("not a directory"), std::string::npos) << err;
}

TEST_F(ConfigStoreTest, CommitStoresCanonicalTextAndMetadata) {
  ConfigStore s(dir_);
  std::string err;
  ASSERT_TRUE(s.open(&err)) << err;
  CommitMeta m = meta("root", CommitKind::Initial, "from /etc/printwall/printwall.conf");
  m.uid = 0;
  // Not canonical: comment, extra spaces, statements out of schema order.
  auto id = s.commit("set service web port 443   # https\nset printer-network 198.18.20.0/24\n", m,
                     &err);
  ASSERT_TRUE(id) << err;
  EXPECT_EQ(*id, 1u);
  const std::string canonical =
      "set printer-network 198.18.20.0/24\nset service web port 443\n";
  EXPECT_EQ(s.latest_text(), canonical);
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "commit-1.conf"));
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "commit-1.json"));

  auto h = s.history();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].id, 1u);
  EXPECT_EQ(h[0].user, "root");
  EXPECT_EQ(h[0].uid, 0u);
  EXPECT_EQ(h[0].kind, CommitKind::Initial);
  EXPECT_EQ(h[0].comment, "from /etc/printwall/printwall.conf");
  EXPECT_TRUE(h[0].metadata_ok);
  // Filled in: RFC 3339 UTC, seconds.
  ASSERT_EQ(h[0].time.size(), 20u) << h[0].time;
  EXPECT_EQ(h[0].time[10], 'T');
  EXPECT_EQ(h[0].time.back(), 'Z');
  // Against nothing: every statement is a set.
  EXPECT_EQ(h[0].diff, (std::vector<std::string>{"set printer-network 198.18.20.0/24",
                                                  "set service web port 443"}));

  // Files are not world-readable.
  struct stat st {};
  ASSERT_EQ(::stat((fs::path(dir_) / "commit-1.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07, 0u);
}

TEST_F(ConfigStoreTest, DiffAgainstPreviousAndMetadataFields) {
  ConfigStore s(dir_);
  std::string err;
  ASSERT_TRUE(s.open(&err)) << err;
  ASSERT_TRUE(s.commit(host(1), meta("alice"), &err)) << err;
  CommitMeta m = meta("bob", CommitKind::Commit, "try gw2");
  m.confirmed_minutes = 5;
  m.time = "2024-05-01T12:00:00Z";
  auto id = s.commit(host(2), m, &err);
  ASSERT_TRUE(id) << err;
  EXPECT_EQ(*id, 2u);
  CommitMeta back = s.history().front();
  EXPECT_EQ(back.diff, std::vector<std::string>{"set system host-name gw2"});
  EXPECT_EQ(back.confirmed_minutes, 5u);
  EXPECT_EQ(back.time, "2024-05-01T12:00:00Z");
  EXPECT_EQ(back.user, "bob");

  CommitMeta r = meta("printwalld", CommitKind::ConfirmedExpiry);
  r.rollback_of = 1;
  ASSERT_TRUE(s.commit(host(1), r, &err)) << err;
  EXPECT_EQ(s.history().front().kind, CommitKind::ConfirmedExpiry);
  EXPECT_EQ(s.history().front().rollback_of, 1u);
  EXPECT_EQ(s.history().front().diff, std::vector<std::string>{"set system host-name gw1"});
}

TEST_F(ConfigStoreTest, RejectsTextThatDoesNotParse) {
  ConfigStore s(dir_);
  std::string err;
  ASSERT_TRUE(s.open(&err)) << err;
  EXPECT_FALSE(s.commit("set service web port 99999\n", meta("alice"), &err));
  EXPECT_NE(err.find("bad port"), std::string::npos) << err;
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "commit-1.conf"));
}

TEST_F(ConfigStoreTest, HistoryNewestFirstAndTextOf) {
  ConfigStore s(dir_);
  std::string err;
  ASSERT_TRUE(s.open(&err)) << err;
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(s.commit(host(i), meta("u" + std::to_string(i)), &err));
  auto h = s.history();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].id, 3u);
  EXPECT_EQ(h[1].id, 2u);
  EXPECT_EQ(h[2].id, 1u);
  EXPECT_EQ(h[0].user, "u3");
  EXPECT_EQ(s.text_of(0), host(3));
  EXPECT_EQ(s.text_of(1), host(2));
  EXPECT_EQ(s.text_of(2), host(1));
  EXPECT_FALSE(s.text_of(3));
  EXPECT_EQ(s.latest_text(), host(3));
  EXPECT_EQ(s.id_of(1), 2u);
}

TEST_F(ConfigStoreTest, KeepsTheNewestFifty) {
  ConfigStore s(dir_);
  std::string err;
  ASSERT_TRUE(s.open(&err)) << err;
  for (int i = 1; i <= 60; ++i) ASSERT_TRUE(s.commit(host(i), meta("alice"), &err)) << err;
  EXPECT_EQ(s.size(), 50u);
  auto h = s.history();
  ASSERT_EQ(h.size(), 50u);
  EXPECT_EQ(h.front().id, 60u);
  EXPECT_EQ(h.back().id, 11u);
  EXPECT_EQ(s.text_of(49), host(11));
  EXPECT_FALSE(s.text_of(50));
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "commit-10.conf"));
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "commit-10.json"));
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "commit-11.conf"));
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 100u);  // no temporary files left behind

  ConfigStore again(dir_);
  ASSERT_TRUE(again.open(&err)) << err;
  EXPECT_EQ(again.size(), 50u);
  EXPECT_EQ(again.history().back().id, 11u);
}

TEST_F(ConfigStoreTest, SmallerKeep) {
  ConfigStore s(dir_, 3);
  std::string err;
  ASSERT_TRUE(s.open(&err)) << err;
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(s.commit(host(i), meta("alice"), &err));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s.history().back().id, 3u);
}

TEST_F(ConfigStoreTest, ReopenFromDisk) {
  std::string err;
  {
    ConfigStore s(dir_);
    ASSERT_TRUE(s.open(&err)) << err;
    ASSERT_TRUE(s.commit(host(1), meta("root", CommitKind::Initial), &err));
    CommitMeta m = meta("alice", CommitKind::Commit, "comma, \"quotes\"\nand a newline");
    m.confirmed_minutes = 10;
    ASSERT_TRUE(s.commit(host(2), m, &err));
  }
  ConfigStore s(dir_);
  ASSERT_TRUE(s.open(&err)) << err;
  EXPECT_TRUE(s.warnings().empty());
  auto h = s.history();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].id, 2u);
  EXPECT_EQ(h[0].user, "alice");
  EXPECT_EQ(h[0].uid, 1000u);
  EXPECT_EQ(h[0].comment, "comma, \"quotes\"\nand a newline");
  EXPECT_EQ(h[0].confirmed_minutes, 10u);
  EXPECT_EQ(h[0].kind, CommitKind::Commit);
  EXPECT_EQ(h[0].diff, std::vector<std::string>{"set system host-name gw2"});
  EXPECT_EQ(h[1].kind, CommitKind::Initial);
  EXPECT_FALSE(h[1].confirmed_minutes);
  EXPECT_EQ(s.latest_text(), host(2));
  // Ids continue where they were.
  auto id = s.commit(host(3), meta("alice"), &err);
  ASSERT_TRUE(id) << err;
  EXPECT_EQ(*id, 3u);
}

TEST_F(ConfigStoreTest, LeftoverTemporaryFilesAreIgnored) {
  std::string err;
  {
    ConfigStore s(dir_);
    ASSERT_TRUE(s.open(&err)) << err;
    ASSERT_TRUE(s.commit(host(1), meta("alice"), &err));
  }
  // A crash between write and rename leaves a temporary file (complete or not); editors leave
  // backups. None of them is a commit.
  write(".tmp-commit-2.conf-Ab12Cd", host(2));
  write(".tmp-commit-2.json-Xy34Zw", "{\"id\": 2, \"us");
  write("commit-3.conf.tmp", host(3));
  write("commit-4.conf~", host(4));
  write("commit-05.conf", host(5));
  ConfigStore s(dir_);
  ASSERT_TRUE(s.open(&err)) << err;
  EXPECT_TRUE(s.warnings().empty());
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.latest_text(), host(1));
  auto id = s.commit(host(6), meta("alice"), &err);
  ASSERT_TRUE(id) << err;
  EXPECT_EQ(*id, 2u);
  EXPECT_EQ(s.text_of(0), host(6));
}

TEST_F(ConfigStoreTest, CorruptMetadataIsToleratedAndReported) {
  std::string err;
  {
    ConfigStore s(dir_);
    ASSERT_TRUE(s.open(&err)) << err;
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(s.commit(host(i), meta("alice"), &err));
  }
  write("commit-2.json", "{\"id\": 2, \"user\": \"ali");  // truncated
  write("commit-3.json", "{\"id\": 7, \"user\": \"alice\", \"uid\": 1, \"time\": \"t\", "
                         "\"kind\": \"commit\", \"diff\": []}");  // names another commit
  std::filesystem::remove(std::filesystem::path(dir_) / "commit-1.json");
  ConfigStore s(dir_);
  ASSERT_TRUE(s.open(&err)) << err;
  ASSERT_EQ(s.warnings().size(), 3u);
  EXPECT_NE(s.warnings()[0].find("commit-1.json"), std::string::npos) << s.warnings()[0];
  EXPECT_NE(s.warnings()[0].find("missing"), std::string::npos) << s.warnings()[0];
  EXPECT_NE(s.warnings()[1].find("commit-2.json"), std::string::npos) << s.warnings()[1];
  EXPECT_NE(s.warnings()[2].find("commit-3.json"), std::string::npos) << s.warnings()[2];
  auto h = s.history();
  ASSERT_EQ(h.size(), 3u);
  for (const auto& m : h) EXPECT_FALSE(m.metadata_ok) << m.id;
  EXPECT_EQ(h[0].id, 3u);
  EXPECT_EQ(h[1].id, 2u);
  // The configurations are intact and still rollback points.
  EXPECT_EQ(s.text_of(1), host(2));
  auto id = s.commit(host(4), meta("alice"), &err);
  ASSERT_TRUE(id) << err;
  EXPECT_EQ(*id, 4u);
  EXPECT_EQ(s.history().front().diff, std::vector<std::string>{"set system host-name gw4"});
}

TEST_F(ConfigStoreTest, MetadataWithoutConfigurationIsIgnored) {
  std::string err;
  {
    ConfigStore s(dir_);
    ASSERT_TRUE(s.open(&err)) << err;
    ASSERT_TRUE(s.commit(host(1), meta("alice"), &err));
  }
  // A crash after the metadata of commit 2 was written but before its configuration.
  fs::copy_file(fs::path(dir_) / "commit-1.json", fs::path(dir_) / "commit-2.json");
  ConfigStore s(dir_);
  ASSERT_TRUE(s.open(&err)) << err;
  ASSERT_EQ(s.warnings().size(), 1u);
  EXPECT_NE(s.warnings()[0].find("commit-2.json"), std::string::npos);
  EXPECT_EQ(s.size(), 1u);
  auto id = s.commit(host(2), meta("alice"), &err);
  ASSERT_TRUE(id) << err;
  EXPECT_EQ(*id, 3u);  // never reuses a number seen on disk
}

TEST(CommitMetaJson, RoundTrip) {
  CommitMeta m;
  m.id = 42;
  m.user = "alice";
  m.uid = 1001;
  m.time = "2024-05-01T12:00:00Z";
  m.comment = "x";
  m.diff = {"delete service a", "set service b port 1"};
  m.kind = CommitKind::Rollback;
  m.rollback_of = 40;
  std::string why;
  auto back = parse_commit_meta(commit_meta_json(m), &why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->id, 42u);
  EXPECT_EQ(back->user, "alice");
  EXPECT_EQ(back->uid, 1001u);
  EXPECT_EQ(back->diff, m.diff);
  EXPECT_EQ(back->kind, CommitKind::Rollback);
  EXPECT_EQ(back->rollback_of, 40u);
  EXPECT_FALSE(back->confirmed_minutes);
  EXPECT_FALSE(parse_commit_meta("[]", &why));
  EXPECT_FALSE(parse_commit_meta("{\"id\": \"1\"}", &why));
  EXPECT_FALSE(parse_commit_meta("not json", &why));
  EXPECT_EQ(parse_commit_kind("confirmed-expiry"), CommitKind::ConfirmedExpiry);
  EXPECT_FALSE(parse_commit_kind("bogus"));
}

}  // namespace
}  // namespace pw::mgmt
