// The job-language inspector's administrator lists (`set job-language ...`) and the names they
// may name: what the built-in rules of protocols/joblang allow or deny by default, so that the
// policy can refuse a statement that would change nothing. Header-only; seen by protocols/
// through policy/inspector_config.h.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pw::policy {

// The job-language inspector's lists (`set job-language ...`), on top of the built-in defaults of
// protocols/joblang: names upper case, each list sorted and without duplicates (the compiler
// makes them so). Built when the policy compiles; read-only on the fast path.
struct JobLanguageRules {
  static constexpr uint32_t kMaxPjlLine = 640;  // the most a flow's state can hold
  uint32_t pjl_max_line = 256;           // a longer PJL line is denied (overflow attempts)
  std::vector<std::string> pjl_allow;    // PJL commands allowed beyond the defaults (DMINFO, ...)
  std::vector<std::string> pjl_deny;     // PJL commands denied although allowed by default
  std::vector<std::string> pjl_allow_set;  // SET variables allowed beyond the built-in list
  std::vector<std::string> pjl_deny_set;   // SET variables of the built-in list denied
  std::vector<std::string> ps_allow;     // PostScript operators allowed although denied by default
  std::vector<std::string> ps_deny;      // PostScript operators denied beyond the defaults

  static bool has(const std::vector<std::string>& list, std::string_view name) {
    auto it = std::lower_bound(list.begin(), list.end(), name,
                               [](const std::string& a, std::string_view b) { return a < b; });
    return it != list.end() && *it == name;
  }
};

namespace job_language {

// PJL commands allowed by default (the job-scope ones; SET only for the variables below, JOB
// only without PASSWORD). Sorted.
inline constexpr std::string_view kPjlAllowedCommands[] = {
    "COMMENT", "DINQUIRE", "ECHO", "ENTER", "EOJ",     "INFO",
    "INQUIRE", "JOB",      "RESET", "SET", "USTATUS", "USTATUSOFF",
};

// Job-scope variables the drivers of HP (PCL 6 and PS universal drivers), Canon, Ricoh, Kyocera
// and Xerox, and ghostscript's and CUPS's PJL writers, set in a job header: media, finishing,
// quality, accounting and job hold (stored/secure print); and the per-language variables after
// LPARM. Sorted.
inline constexpr std::string_view kPjlSetVariables[] = {
    "BINDING",          "BITSPERPIXEL",   "COLLATE",          "COPIES",
    "DATAMODE",         "DENSITY",        "DUPLEX",           "ECONOMODE",
    "EDGETOEDGE",       "FINISH",         "FINISHEROPTION",   "FITTOPAGE",
    "FONTNUMBER",       "FONTSOURCE",     "FORMLINES",        "HOLD",           "HOLDKEY",          "HOLDTYPE",
    "HOSTLOGINUSER",    "IMAGEADAPT",     "JOBATTR",          "JOBID",
    "JOBNAME",          "JOBOFFSET",      "KCOLORMODE",       "KJOBNAME",
    "KUSERNAME",        "LANG",           "MANUALFEED",       "MEDIASOURCE",
    "MEDIATYPE",        "ORIENTATION",    "OUTBIN",           "OUTPUTBIN",
    "PAGEPROTECT",      "PAPER",          "PITCH",            "PLANESINUSE",
    "PRINTQUALITY",     "PROCESSINGBOUNDARY", "PROCESSINGOPTION", "PROCESSINGTYPE",
    "PRTPSERRS",        "PTSIZE",         "PUNCH",            "QTY",
    "RENDERMODE",       "RESOLUTION",     "RET",              "SMOOTHING",
    "STAPLE",           "STAPLEOPTION",   "STRINGCODESET",    "SYMSET",
    "TONERSAVE",        "TRAPPING",       "USERID",           "USERNAME",
};

// PostScript operators and keys denied by default (protocols/joblang/README.md): the names
// `postscript allow` may lift. Sorted (byte order).
inline constexpr std::string_view kPsDeniedNames[] = {
    "BeginPage",  "CollateDetails", "EndPage",        "Password",     "StartJobPassword",
    "SystemParamsPassword", "checkpassword", "copypage", "deletefile", "devdismount",
    "devforall",  "devformat",      "devmount",       "devstatus",    "erasepage",
    "exitserver", "file",           "filenameforall", "internaldict", "loop",
    "renamefile", "run",            "serverdict",     "setdevparams", "setsystemparams",
    "setuserparams", "showpage",    "startjob",       "status",       "superexec",
};

inline bool listed(std::span<const std::string_view> list, std::string_view name) {
  return std::binary_search(list.begin(), list.end(), name);
}

}  // namespace job_language
}  // namespace pw::policy
