#include "policy/loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pw::policy {
namespace {

TEST(Loader, TextToCompiledPolicy) {
  Loaded l = load_text("set profile small-office\nset printer-network 198.18.20.0/24\n", "t.conf", 7);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.compiled->generation(), 7u);
  EXPECT_EQ(l.model.profile, "small-office");
  EXPECT_FALSE(l.warnings.empty());  // groups without addresses
}

TEST(Loader, EveryProblemNamesFileLineColumn) {
  Loaded parse = load_text("set profile small-office\nset servce x port 1\n", "a.conf");
  ASSERT_FALSE(parse.ok());
  EXPECT_EQ(parse.errors.front().str().rfind("a.conf:2:5: error:", 0), 0u) << parse.errors.front().str();
  Loaded model = load_text("set profile small-office\nset service raw-print passive-ports 1-2\n", "b.conf");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.errors.front().loc.file, "b.conf");
  EXPECT_EQ(model.errors.front().loc.line, 2u);
  EXPECT_EQ(model.compiled, nullptr);
}

TEST(Loader, FilesAndParsedConfigsTheSameWay) {
  auto path = std::filesystem::temp_directory_path() / ("pw-loader-" + std::to_string(::getpid()) + ".conf");
  std::ofstream(path) << "set profile enterprise\nset printer-network 198.18.20.0/24\n";
  Loaded f = load_file(path.string(), 3);
  ASSERT_TRUE(f.ok());
  Loaded c = load_config(f.config, "again", 4);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.compiled->describe().substr(40), f.compiled->describe().substr(40));
  Loaded missing = load_file(path.string() + ".none");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.errors.front().str().find(".none"), std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace pw::policy
