// Who may do what: roles come from the peer's Unix groups (SO_PEERCRED uid/gid, then the group
// database), never from the configuration. The configuration has no statement for roles or users:
// adding a person to a role is `usermod -aG printwall-admin NAME`, an action of the host's
// administrator, outside printwall's own configuration.
//
//   group printwall           operator            show, monitor, log export
//   group printwall-admin     operator + admin    configure, commit plain statements
//   group printwall-security  operator + security commit security-policy statements
//   uid 0 (root)              all roles
//
// Security-policy statements are the schema nodes marked `security` (docs/configuration.md
// section 1.6): everything under `security`, `mirror` and `syslog`, and a service's `tls`,
// `min-tls`, `plaintext-auth`, `snmp-version`, `snmp-security`, `smb-signing`, `smb1`, `data-tls`
// and `mirror`. Every other statement needs admin. Besides, a commit that inspects any traffic
// less than the running policy needs security whatever its statements (policy/inspection_guard.h,
// checked by the control server on the compiled policies). A commit needs, for every statement it changes,
// the role of that statement (forbidden()); "changes" is judged both on the overlay (what was
// typed) and on the effective configuration (profile merged), so that neither `set profile`
// nor `delete service X` can remove or weaken security statements without the security role.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/config.h"

namespace pw::mgmt {

class ConfigSession;

enum Role : uint8_t { kOperator = 1, kAdmin = 2, kSecurity = 4 };
inline constexpr uint8_t kAllRoles = kOperator | kAdmin | kSecurity;

inline constexpr std::string_view kOperatorGroup = "printwall";
inline constexpr std::string_view kAdminGroup = "printwall-admin";
inline constexpr std::string_view kSecurityGroup = "printwall-security";

// The roles of a peer. Root has all; a uid without a passwd entry has none, whatever its gid;
// otherwise the union over the user's groups (getgrouplist with `gid` added, so a process
// running with a printwall group as its gid has that group's roles).
uint8_t roles_of(uid_t uid, gid_t gid);
// The roles the named groups give.
uint8_t roles_of_groups(const std::vector<std::string>& group_names);

// kSecurity for a statement whose schema path crosses a node marked `security`, else kAdmin.
uint8_t required_roles(const policy::Statement& s);

// "operator,admin,security" (in that order), "none" for 0.
std::string role_names(uint8_t roles);

// The candidate's changes (against its running configuration) that `roles` may not make, as
// "set ..."/"delete ..." lines, each once, in canonical order. Empty: the commit is allowed.
// `missing` (when given) receives the roles that would be needed and are not held.
std::vector<std::string> forbidden(const ConfigSession& session, uint8_t roles,
                                   uint8_t* missing = nullptr);

}  // namespace pw::mgmt
