#include "protocols/imap/imap_inspector.h"

namespace pw::proto::imap {

namespace {
constexpr std::string_view kAllowed[] = {"CAPABILITY", "NOOP", "LOGOUT"};
constexpr std::string_view kCredentials[] = {"LOGIN", "AUTHENTICATE"};
constexpr uint16_t kPorts[] = {143};
}  // namespace

const starttls::Spec& spec() {
  static const starttls::Spec s{"imap", 1, 1024, kAllowed, kCredentials, "STARTTLS",
                            starttls::Spec::Replies::ImapTagged, 0, false, false, kPorts};
  return s;
}

}  // namespace pw::proto::imap
