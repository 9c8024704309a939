#include "protocols/ftp/ftp_inspector.h"

namespace pw::proto::ftp {

namespace {
constexpr std::string_view kAllowed[] = {"FEAT", "SYST", "NOOP", "QUIT", "HELP", "OPTS"};
constexpr std::string_view kCredentials[] = {"USER", "PASS", "ACCT"};
}  // namespace

const line::Spec& spec() {
  static const line::Spec s{"ftp", 0, 512, kAllowed, kCredentials, "AUTH",
                            line::Spec::Replies::Numeric, 234, false, true};
  return s;
}

}  // namespace pw::proto::ftp
