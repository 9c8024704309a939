#include "protocols/smtp/smtp_inspector.h"

namespace pw::proto::smtp {

namespace {
constexpr std::string_view kAllowed[] = {"EHLO", "HELO", "NOOP", "RSET", "QUIT"};
constexpr std::string_view kCredentials[] = {"AUTH"};
constexpr uint16_t kPorts[] = {25, 587};
}  // namespace

const starttls::Spec& spec() {
  // 512 bytes: the longest command line of RFC 5321 section 4.5.3.1.4.
  static const starttls::Spec s{"smtp", 0, 512, kAllowed, kCredentials, "STARTTLS",
                            starttls::Spec::Replies::Numeric, 220, true, false, kPorts};
  return s;
}

}  // namespace pw::proto::smtp
