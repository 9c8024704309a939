#include "protocols/pop3/pop3_inspector.h"

namespace pw::proto::pop3 {

namespace {
constexpr std::string_view kAllowed[] = {"CAPA", "QUIT"};
constexpr std::string_view kCredentials[] = {"USER", "PASS", "APOP", "AUTH"};
constexpr uint16_t kPorts[] = {110};
}  // namespace

const starttls::Spec& spec() {
  // 255 bytes: RFC 2449 section 4 (command line limit).
  static const starttls::Spec s{"pop3", 0, 255, kAllowed, kCredentials, "STLS",
                            starttls::Spec::Replies::Pop3, 0, false, false, kPorts};
  return s;
}

}  // namespace pw::proto::pop3
