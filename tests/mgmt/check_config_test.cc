#include "mgmt/printwall/check_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pw::mgmt {
namespace {

class CheckConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pw-check-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  int run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return check_config_main(args, out_, err_);
  }

  std::filesystem::path dir_;
  std::ostringstream out_, err_;
};

TEST_F(CheckConfig, ValidConfig) {
  auto f = write("ok.conf",
                 "set profile small-office\nset printer-network 198.18.20.0/24\n"
                 "set group management address 198.18.40.0/24\n");
  EXPECT_EQ(run({f}), 0) << err_.str();
  EXPECT_NE(out_.str().find("configuration ok (profile small-office"), std::string::npos);
}

TEST_F(CheckConfig, InvalidConfigNamesFileLineColumn) {
  auto f = write("bad.conf", "set profile enterprise\n\nset service x port 99999\n");
  EXPECT_EQ(run({f}), 1);
  EXPECT_NE(err_.str().find(f + ":3:20: error: bad port '99999'"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("configuration invalid (1 error)"), std::string::npos);
  EXPECT_TRUE(out_.str().empty());
}

TEST_F(CheckConfig, SemanticErrors) {
  auto f = write("sem.conf", "set service x direction both\nset service x protocol tcp\n"
                             "set service x port 1\nset service x peer-group nope\n");
  EXPECT_EQ(run({f}), 1);
  EXPECT_NE(err_.str().find(f + ":4:26: error: service 'x': undefined group 'nope'"),
            std::string::npos)
      << err_.str();
}

TEST_F(CheckConfig, PrintIsCanonicalAndReparses) {
  auto f = write("p.conf", "set printer-network 2001:DB8:20::/48 # v6\nset profile enterprise\n");
  EXPECT_EQ(run({"--print", f}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "set profile enterprise\nset printer-network 2001:db8:20::/48\n");
  auto g = write("p2.conf", out_.str());
  std::string first = out_.str();
  EXPECT_EQ(run({"--print", g}), 0);
  EXPECT_EQ(out_.str(), first);
}

TEST_F(CheckConfig, ExpandedAndPolicy) {
  auto f = write("e.conf", "set profile enterprise\nset printer-network 198.18.20.0/24\n");
  EXPECT_EQ(run({"--expanded", f}), 0) << err_.str();
  EXPECT_NE(out_.str().find("set service"), std::string::npos);
  EXPECT_EQ(out_.str().find("set profile"), std::string::npos);
  EXPECT_EQ(run({"--policy", f}), 0) << err_.str();
  EXPECT_NE(out_.str().find("profile enterprise"), std::string::npos);
  EXPECT_NE(out_.str().find("to-printers:"), std::string::npos);
}

TEST_F(CheckConfig, UsageErrors) {
  EXPECT_EQ(run({}), 2);
  EXPECT_NE(err_.str().find("missing FILE"), std::string::npos);
  EXPECT_EQ(run({"--bogus", "x"}), 2);
  EXPECT_EQ(run({"a", "b"}), 2);
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_NE(out_.str().find("usage: printwall check-config"), std::string::npos);
  EXPECT_EQ(run({(dir_ / "missing.conf").string()}), 1);
  EXPECT_NE(err_.str().find("cannot open"), std::string::npos);
}

TEST_F(CheckConfig, Schema) {
  EXPECT_EQ(run({"--schema"}), 0);
  EXPECT_NE(out_.str().find("printer-network <prefix>"), std::string::npos);
}

}  // namespace
}  // namespace pw::mgmt
