#include "protocols/imap/imap_inspector.h"

namespace pw::proto::imap {

namespace {
constexpr std::string_view kAllowed[] = {"CAPABILITY", "NOOP", "LOGOUT"};
constexpr std::string_view kCredentials[] = {"LOGIN", "AUTHENTICATE"};
}  // namespace

const line::Spec& spec() {
  static const line::Spec s{"imap", 1, 1024, kAllowed, kCredentials, "STARTTLS",
                            line::Spec::Replies::ImapTagged, 0, false, false};
  return s;
}

}  // namespace pw::proto::imap
