#include "protocols/ftp/ftp_inspector.h"

namespace pw::proto::ftp {

namespace {
constexpr std::string_view kAllowed[] = {"FEAT", "SYST", "NOOP", "QUIT", "HELP", "OPTS"};
constexpr std::string_view kCredentials[] = {"USER", "PASS", "ACCT"};
constexpr uint16_t kPorts[] = {21};
}  // namespace

const starttls::Spec& spec() {
  static const starttls::Spec s{"ftp", 0, 512, kAllowed, kCredentials, "AUTH",
                            starttls::Spec::Replies::Numeric, 234, false, true, kPorts};
  return s;
}

}  // namespace pw::proto::ftp
