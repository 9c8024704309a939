#include "protocols/joblang/pjl.h"

#include <gtest/gtest.h>

#include <string>

namespace pw::proto::joblang {
namespace {

struct Case {
  const char* line;
  Reason reason;
  const char* word;  // the event's detail
};

class PjlLines : public ::testing::TestWithParam<Case> {};

TEST_P(PjlLines, JudgedAsTheReferenceReadsThem) {
  const Case& c = GetParam();
  const PjlJudgement j = judge_pjl_line(c.line, nullptr);
  EXPECT_EQ(reason_code(j.reason), std::string(reason_code(c.reason))) << c.line;
  EXPECT_EQ(j.word(), c.word) << c.line;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, PjlLines,
    ::testing::Values(
        // What real drivers send in a job header: allowed.
        Case{"@PJL", Reason::Forwarded, ""},
        Case{"@PJL JOB NAME=\"Quarterly report.docx\" DISPLAY=\"1234 alice\"", Reason::Forwarded, "JOB"},
        Case{"@PJL EOJ NAME=\"Quarterly report.docx\"", Reason::Forwarded, "EOJ"},
        Case{"@PJL COMMENT FSDELETE \"0:\\\" DEFAULT PASSWORD=1", Reason::Forwarded, "COMMENT"},
        Case{"@PJL ECHO 12345 FSDIRLIST", Reason::Forwarded, "ECHO"},
        Case{"@PJL SET RESOLUTION = 600", Reason::Forwarded, "RESOLUTION"},
        Case{"@PJL SET DUPLEX=ON", Reason::Forwarded, "DUPLEX"},
        Case{"@PJL SET JOBATTR=\"@LUNA=alice\"", Reason::Forwarded, "JOBATTR"},
        Case{"@PJL SET HOLD=STORE", Reason::Forwarded, "HOLD"},
        Case{"@PJL SET HOLDKEY=\"1234\"", Reason::Forwarded, "HOLDKEY"},
        Case{"@PJL SET LPARM:PCL FONTSOURCE=I", Reason::Forwarded, "FONTSOURCE"},
        Case{"@PJL SET LPARM : POSTSCRIPT PRTPSERRS = ON", Reason::Forwarded, "PRTPSERRS"},
        Case{"@pjl set copies=2", Reason::Forwarded, "COPIES"},
        Case{"@PJL\tSET\tQTY=1", Reason::Forwarded, "QTY"},
        Case{"@PJL INFO ID", Reason::Forwarded, "INFO"},
        Case{"@PJL INQUIRE LPARM:PCL PITCH", Reason::Forwarded, "INQUIRE"},
        Case{"@PJL DINQUIRE COPIES", Reason::Forwarded, "DINQUIRE"},
        Case{"@PJL USTATUS DEVICE=ON", Reason::Forwarded, "USTATUS"},
        Case{"@PJL USTATUSOFF", Reason::Forwarded, "USTATUSOFF"},
        Case{"@PJL RESET", Reason::Forwarded, "RESET"},
        Case{"@PJL ENTER LANGUAGE = POSTSCRIPT", Reason::Forwarded, "ENTER"},
        Case{"@PJL ENTER LANGUAGE=PCLXL", Reason::Forwarded, "ENTER"},
        // What printer-attack toolkits send: denied, one reason per class, the command named.
        Case{"@PJL FSDIRLIST NAME=\"0:\\\" ENTRY=1 COUNT=65535", Reason::JoblangFileAccess, "FSDIRLIST"},
        Case{"@PJL FSQUERY NAME=\"0:\\..\\..\\etc\\passwd\"", Reason::JoblangFileAccess, "FSQUERY"},
        Case{"@PJL FSUPLOAD NAME=\"0:\\..\\..\\etc\\passwd\" OFFSET=0 SIZE=4096", Reason::JoblangFileAccess, "FSUPLOAD"},
        Case{"@PJL FSDOWNLOAD FORMAT:BINARY SIZE=9 NAME=\"0:\\..\\..\\rw\\var\\etc\\profile.d\\x\"", Reason::JoblangFileAccess, "FSDOWNLOAD"},
        Case{"@PJL FSAPPEND FORMAT:BINARY SIZE=4 NAME=\"0:\\x\"", Reason::JoblangFileAccess, "FSAPPEND"},
        Case{"@PJL FSDELETE NAME=\"0:\\x\"", Reason::JoblangFileAccess, "FSDELETE"},
        Case{"@PJL FSMKDIR NAME=\"0:\\x\"", Reason::JoblangFileAccess, "FSMKDIR"},
        Case{"@PJL FSINIT VOLUME=\"0:\"", Reason::JoblangFileAccess, "FSINIT"},
        Case{"@pjl fsdirlist name=\"0:\\\"", Reason::JoblangFileAccess, "FSDIRLIST"},
        Case{"@PJL\vFSDIRLIST\fNAME=\"0:\"", Reason::JoblangFileAccess, "FSDIRLIST"},
        Case{"@PJL DEFAULT COPIES=99", Reason::JoblangPersistentChange, "COPIES"},
        Case{"@PJL DEFAULT LPARM:PCL PITCH=10", Reason::JoblangPersistentChange, "PITCH"},
        Case{"@PJL DEFAULT PASSWORD=0", Reason::JoblangCredential, "PASSWORD"},
        Case{"@PJL DEFAULT CPLOCK=ON", Reason::JoblangCredential, "CPLOCK"},
        Case{"@PJL INITIALIZE", Reason::JoblangPersistentChange, "INITIALIZE"},
        Case{"@PJL RNVRAM ADDRESS=1", Reason::JoblangPersistentChange, "RNVRAM"},
        Case{"@PJL WNVRAM ADDRESS=1 DATA=0", Reason::JoblangPersistentChange, "WNVRAM"},
        Case{"@PJL NVRAMINIT", Reason::JoblangPersistentChange, "NVRAMINIT"},
        Case{"@PJL SET PASSWORD=1234", Reason::JoblangCredential, "PASSWORD"},
        Case{"@PJL SET DISKLOCK=ON", Reason::JoblangCredential, "DISKLOCK"},
        Case{"@PJL SET SERVICEMODE=HPBOISEID", Reason::JoblangCredential, "SERVICEMODE"},
        Case{"@PJL SUPERUSER PASSWORD=0", Reason::JoblangCredential, "SUPERUSER"},
        Case{"@PJL JOB NAME=\"x\" PASSWORD=1234", Reason::JoblangCredential, "JOB PASSWORD"},
        Case{"@PJL SET TESTPAGE=NVRAMREPORT", Reason::JoblangSetDenied, "TESTPAGE"},
        Case{"@PJL SET TIMEOUT=300", Reason::JoblangSetDenied, "TIMEOUT"},
        Case{"@PJL RDYMSG DISPLAY=\"INSERT COIN\"", Reason::JoblangDisplay, "RDYMSG"},
        Case{"@PJL OPMSG DISPLAY=\"x\"", Reason::JoblangDisplay, "OPMSG"},
        Case{"@PJL STMSG DISPLAY=\"x\"", Reason::JoblangDisplay, "STMSG"},
        Case{"@PJL DMCMD ASCIIHEX=\"040006020501010301040104\"", Reason::JoblangDeviceCommand, "DMCMD"},
        Case{"@PJL DMINFO ASCIIHEX=\"0400040101020D10100115\"", Reason::JoblangDeviceCommand, "DMINFO"},
        Case{"@PJL EXECUTE NAME=\"x\"", Reason::JoblangDeviceCommand, "EXECUTE"},
        Case{"@PJL FROBNICATE", Reason::JoblangUnknownCommand, "FROBNICATE"},
        Case{"@PJLFSDIRLIST", Reason::JoblangUnknownCommand, "@PJL"},
        Case{"@PJL ENTER LANGUAGE=SECRETSAUCE", Reason::JoblangUnknownLanguage, "SECRETSAUCE"},
        Case{"@PJL ENTER LANGUAGE", Reason::MalformedJoblang, "ENTER"},
        Case{"@PJL SET COPIES", Reason::MalformedJoblang, "SET"},
        Case{"@PJL JOB NAME=\"unterminated", Reason::MalformedJoblang, "JOB"},
        Case{"@PJL \"FSDIRLIST\"", Reason::MalformedJoblang, "@PJL"}));

TEST(PjlRules, AdminListsWidenAndNarrowTheDefaults) {
  policy::JobLanguageRules r;
  r.pjl_allow = {"DMINFO"};
  r.pjl_deny = {"INFO"};
  r.pjl_allow_set = {"TIMEOUT"};
  r.pjl_deny_set = {"HOLDKEY"};
  EXPECT_EQ(judge_pjl_line("@PJL DMINFO ASCIIHEX=\"04\"", &r).reason, Reason::Forwarded);
  EXPECT_EQ(judge_pjl_line("@PJL INFO ID", &r).reason, Reason::JoblangCommandDenied);
  EXPECT_EQ(judge_pjl_line("@PJL SET TIMEOUT=90", &r).reason, Reason::Forwarded);
  EXPECT_EQ(judge_pjl_line("@PJL SET HOLDKEY=1", &r).reason, Reason::JoblangSetDenied);
  // An allowed SET variable stays job scope: DEFAULT of it is still a persistent change.
  EXPECT_EQ(judge_pjl_line("@PJL DEFAULT TIMEOUT=90", &r).reason, Reason::JoblangPersistentChange);
  EXPECT_EQ(judge_pjl_line("@PJL FSDIRLIST NAME=\"0:\"", &r).reason, Reason::JoblangFileAccess);
}

TEST(PjlRules, DefaultSetListIsSortedAndJobScope) {
  auto vars = default_pjl_set_variables();
  EXPECT_TRUE(std::is_sorted(vars.begin(), vars.end()));
  for (std::string_view bad : {"PASSWORD", "CPLOCK", "DISKLOCK", "SERVICEMODE", "TESTPAGE"})
    EXPECT_FALSE(pjl_set_allowed(bad, nullptr)) << bad;
}

}  // namespace
}  // namespace pw::proto::joblang
