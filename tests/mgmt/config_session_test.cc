#include "mgmt/config_session.h"

#include <gtest/gtest.h>

#include "policy/compiled_policy.h"
#include "policy/config_printer.h"

namespace pw::mgmt {
namespace {

constexpr const char* kRunning =
    "set printer-network 198.18.20.0/24\n"
    "set service web direction to-printers\n"
    "set service web protocol tcp\n"
    "set service web port 443\n";

policy::Config parse_ok(std::string_view text) {
  policy::ParseResult r = policy::parse_config(text, "running.conf");
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
  return r.config;
}

ConfigSession session(std::string_view text = kRunning) {
  policy::Config c = parse_ok(text);
  return ConfigSession(c, policy::print_config(c));
}

std::string strs(const std::vector<policy::ConfigError>& errs) {
  std::string s;
  for (const auto& e : errs) s += e.str() + "\n";
  return s;
}

TEST(ConfigSession, StartsClean) {
  ConfigSession s = session();
  EXPECT_FALSE(s.dirty());
  EXPECT_TRUE(s.compare().empty());
  EXPECT_EQ(s.candidate_text(), s.running_text());
  CheckResult r = s.check();
  EXPECT_TRUE(r.ok()) << strs(r.errors);
  EXPECT_TRUE(r.compiled);
}

TEST(ConfigSession, SetAndDeleteShowInCompare) {
  ConfigSession s = session();
  std::vector<policy::ConfigError> errs;
  ASSERT_TRUE(s.apply_line("set service web port 8443", &errs)) << strs(errs);
  ASSERT_TRUE(s.apply_line("delete service web port 443", &errs)) << strs(errs);
  ASSERT_TRUE(s.apply_line("set service web direction both", &errs)) << strs(errs);  // replaces
  ASSERT_TRUE(s.apply_line("", &errs));
  ASSERT_TRUE(s.apply_line("   # a comment", &errs));
  EXPECT_TRUE(errs.empty());
  EXPECT_TRUE(s.dirty());
  EXPECT_EQ(s.compare(), (std::vector<std::string>{"delete service web port 443",
                                                   "set service web direction both",
                                                   "set service web port 8443"}));
  EXPECT_EQ(s.candidate_text(),
            "set printer-network 198.18.20.0/24\n"
            "set service web direction both\n"
            "set service web protocol tcp\n"
            "set service web port 8443\n");
  // The running configuration is untouched.
  EXPECT_EQ(policy::print_config(s.running()), kRunning);
  EXPECT_EQ(s.lines_applied(), 5u);
}

TEST(ConfigSession, UndoingAChangeIsClean) {
  ConfigSession s = session();
  ASSERT_TRUE(s.apply_line("set service web port 8443", nullptr));
  EXPECT_TRUE(s.dirty());
  ASSERT_TRUE(s.apply_line("delete service web port 8443", nullptr));
  EXPECT_FALSE(s.dirty());
  EXPECT_TRUE(s.compare().empty());
}

TEST(ConfigSession, ErrorsNameCandidateLineAndColumn) {
  ConfigSession s = session();
  std::vector<policy::ConfigError> errs;
  ASSERT_TRUE(s.apply_line("set service web port 8443", &errs));         // line 1
  EXPECT_FALSE(s.apply_line("set service web prot tcp", &errs));         // line 2
  EXPECT_FALSE(s.apply_line("set service web port 99999", &errs));       // line 3
  EXPECT_FALSE(s.apply_line("sett service web port 1", &errs));          // line 4
  EXPECT_FALSE(s.apply_line("delete service web port 80", &errs));       // line 5
  EXPECT_FALSE(s.apply_line("set service web direction sideways", &errs));  // line 6
  ASSERT_EQ(errs.size(), 5u) << strs(errs);
  EXPECT_EQ(errs[0].loc.file, "candidate");
  EXPECT_EQ(errs[0].loc.line, 2u);
  EXPECT_EQ(errs[0].loc.column, 17u);
  EXPECT_NE(errs[0].reason.find("unknown keyword 'prot'"), std::string::npos) << errs[0].reason;
  EXPECT_NE(errs[0].reason.find("(did you mean 'protocol'?)"), std::string::npos)
      << errs[0].reason;
  EXPECT_EQ(errs[1].str().rfind("candidate:3:22: error: bad port '99999'", 0), 0u)
      << errs[1].str();
  EXPECT_EQ(errs[2].str().rfind("candidate:4:1: error: unknown command 'sett'", 0), 0u)
      << errs[2].str();
  EXPECT_NE(errs[2].reason.find("did you mean 'set'?"), std::string::npos);
  EXPECT_EQ(errs[3].str(),
            "candidate:5:25: error: nothing to delete: 'service web port 80' is not in the "
            "configuration");
  EXPECT_EQ(errs[4].loc.line, 6u);
  EXPECT_EQ(errs[4].loc.column, 27u);
  // Failed lines change nothing.
  EXPECT_EQ(s.compare(), std::vector<std::string>{"set service web port 8443"});
}

TEST(ConfigSession, CheckReportsModelErrorsAndWarnings) {
  ConfigSession s = session();
  std::vector<policy::ConfigError> errs;
  ASSERT_TRUE(s.apply_line("set service web port 8443", &errs));
  ASSERT_TRUE(s.apply_line("set service web peer-group nope", &errs)) << strs(errs);
  CheckResult r = s.check();
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.compiled);
  ASSERT_EQ(r.errors.size(), 1u) << strs(r.errors);
  EXPECT_EQ(r.errors[0].str(), "candidate:2:28: error: service 'web': undefined group 'nope'");
  // Nothing applied: the candidate still holds the lines, the running configuration is as was.
  EXPECT_TRUE(s.dirty());
  EXPECT_EQ(policy::print_config(s.running()), kRunning);

  ASSERT_TRUE(s.apply_line("set group nop address 198.18.40.0/24", &errs));
  r = s.check();
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].reason.find("(did you mean 'nop'?)"), std::string::npos)
      << r.errors[0].reason;

  ASSERT_TRUE(s.apply_line("delete service web peer-group nope", &errs));
  ASSERT_TRUE(s.apply_line("delete printer-network", &errs)) << strs(errs);
  r = s.check(7);
  EXPECT_TRUE(r.ok()) << strs(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].reason.find("no printer-network"), std::string::npos);
  ASSERT_TRUE(r.compiled);
  EXPECT_EQ(r.compiled->generation(), 7u);
}

TEST(ConfigSession, LoadReplace) {
  ConfigSession s = session();
  std::vector<policy::ConfigError> errs;
  ASSERT_TRUE(s.load("set printer-network 198.18.30.0/24\n", true, "new.conf", &errs))
      << strs(errs);
  EXPECT_EQ(s.candidate_text(), "set printer-network 198.18.30.0/24\n");
  EXPECT_EQ(s.compare(), (std::vector<std::string>{"delete printer-network 198.18.20.0/24",
                                                   "delete service web",
                                                   "set printer-network 198.18.30.0/24"}));
}

TEST(ConfigSession, BadFileLeavesCandidateUntouched) {
  ConfigSession s = session();
  std::vector<policy::ConfigError> errs;
  ASSERT_TRUE(s.apply_line("set service web port 8443", &errs));
  const std::string before = s.candidate_text();

  EXPECT_FALSE(s.load("set printer-network 198.18.30.0/24\n\nset service x port 0\n", true,
                      "bad.conf", &errs));
  ASSERT_EQ(errs.size(), 1u) << strs(errs);
  EXPECT_EQ(errs[0].str().rfind("bad.conf:3:20: error: bad port", 0), 0u) << errs[0].str();
  EXPECT_EQ(s.candidate_text(), before);

  // Merge: the first line is fine, the second fails; neither is applied.
  errs.clear();
  EXPECT_FALSE(s.load("set service web port 8080\ndelete service web port 9\n", false,
                      "merge.conf", &errs));
  ASSERT_EQ(errs.size(), 1u) << strs(errs);
  EXPECT_EQ(errs[0].loc.file, "merge.conf");
  EXPECT_EQ(errs[0].loc.line, 2u);
  EXPECT_NE(errs[0].reason.find("nothing to delete"), std::string::npos);
  EXPECT_EQ(s.candidate_text(), before);

  // Merge with a syntax error.
  errs.clear();
  EXPECT_FALSE(s.load("set service web port 8080\nset servise web port 1\n", false, "m2.conf",
                      &errs));
  ASSERT_EQ(errs.size(), 1u) << strs(errs);
  EXPECT_EQ(errs[0].str().rfind("m2.conf:2:5: error: unknown keyword 'servise'", 0), 0u)
      << errs[0].str();
  EXPECT_EQ(s.candidate_text(), before);

  // Two values for one leaf within the merged text conflict.
  errs.clear();
  EXPECT_FALSE(s.load("set service web direction both\nset service web direction from-printers\n",
                      false, "m3.conf", &errs));
  ASSERT_EQ(errs.size(), 1u) << strs(errs);
  EXPECT_EQ(errs[0].loc.line, 2u);
  EXPECT_NE(errs[0].reason.find("conflicting statements"), std::string::npos);
  EXPECT_EQ(s.candidate_text(), before);
}

TEST(ConfigSession, LoadMerge) {
  ConfigSession s = session();
  std::vector<policy::ConfigError> errs;
  // Merged statements replace single values of the candidate, add to multi leaves, and may
  // delete what the candidate has.
  ASSERT_TRUE(s.load("# extra\nset service web direction both\nset service web port 8080\n"
                     "delete service web port 443\nset group mgmt address 198.18.40.0/24\n",
                     false, "merge.conf", &errs))
      << strs(errs);
  EXPECT_EQ(s.candidate_text(),
            "set printer-network 198.18.20.0/24\n"
            "set group mgmt address 198.18.40.0/24\n"
            "set service web direction both\n"
            "set service web protocol tcp\n"
            "set service web port 8080\n");
  EXPECT_TRUE(s.check().ok());
}

TEST(ConfigSession, RollbackIntoCandidate) {
  ConfigSession s = session();
  ASSERT_TRUE(s.apply_line("set service web port 8443", nullptr));
  const std::string old = "set system host-name old\nset printer-network 198.18.10.0/24\n";
  EXPECT_TRUE(s.load_rollback(old));
  EXPECT_EQ(s.candidate_text(), old);
  EXPECT_TRUE(s.dirty());
  EXPECT_EQ(s.compare(), (std::vector<std::string>{"delete printer-network 198.18.20.0/24",
                                                   "delete service web",
                                                   "set system host-name old",
                                                   "set printer-network 198.18.10.0/24"}));
  // Rolling back to the running configuration: clean again.
  EXPECT_TRUE(s.load_rollback(s.running_text()));
  EXPECT_FALSE(s.dirty());
  // A text that does not parse changes nothing.
  std::vector<policy::ConfigError> errs;
  EXPECT_FALSE(s.load_rollback("set bogus\n", &errs));
  EXPECT_EQ(errs.size(), 1u);
  EXPECT_FALSE(s.dirty());
}

TEST(ConfigSession, ProfileChangeDropsStaleDeletes) {
  ConfigSession s = session("set profile small-office\nset printer-network 198.18.20.0/24\n");
  std::vector<policy::ConfigError> errs;
  ASSERT_TRUE(s.apply_line("delete service vnc-management", &errs)) << strs(errs);
  ASSERT_TRUE(s.apply_line("delete service vnc", &errs)) << strs(errs);
  EXPECT_EQ(s.candidate_text(),
            "set profile small-office\n"
            "delete service vnc\n"
            "delete service vnc-management\n"
            "set printer-network 198.18.20.0/24\n");
  // enterprise has a vnc service but no vnc-management: that delete would not load again.
  ASSERT_TRUE(s.apply_line("set profile enterprise", &errs)) << strs(errs);
  EXPECT_EQ(s.candidate_text(),
            "set profile enterprise\n"
            "delete service vnc\n"
            "set printer-network 198.18.20.0/24\n");
  policy::ParseResult back = policy::parse_config(s.candidate_text(), "c");
  EXPECT_TRUE(back.ok()) << back.errors.front().str();
  for (const auto& e : s.check().errors)
    EXPECT_EQ(e.reason.find("internal error"), std::string::npos) << e.str();

  // Without a profile no delete of a profile statement is left.
  ASSERT_TRUE(s.apply_line("delete profile", &errs)) << strs(errs);
  EXPECT_EQ(s.candidate_text(), "set printer-network 198.18.20.0/24\n");
}

}  // namespace
}  // namespace pw::mgmt
