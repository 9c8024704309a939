// The explicit list of protocol inspectors (no static self-registration, as in Snort 3's
// inspector list): one place says which `inspect` keyword maps to which inspector.
#pragma once

#include "policy/inspector_config.h"
#include "protocols/inspector.h"

namespace pw::proto {

// The inspector for `p` (`datagram`: the flow is UDP, each datagram one chunk), or null when
// that protocol has no inspector in this build: its flows are forwarded like uninspected ones
// and the pipeline counts them as `uninspected`.
const Inspector* inspector_for(policy::Inspect p, bool datagram = false);

// The inspector of an FTP data connection whose service requires TLS on it (`data-tls required`):
// TLS from the first byte, the FTP client always the TLS client (RFC 4217 section 7), so for an
// active-mode connection (the server connects) the TCP responder is the TLS client.
const Inspector* ftp_data_inspector(bool active);

}  // namespace pw::proto
