// The explicit list of protocol inspectors (no static self-registration, as in Snort 3's
// inspector list): one table says which `inspect` keyword maps to which inspector; each
// inspector's requirements() says how the dataplane feeds it.
#pragma once

#include <cstdint>
#include <span>

#include "policy/inspector_config.h"
#include "protocols/inspector.h"

namespace pw::proto {

struct Registered {
  policy::Inspect keyword;
  const Inspector* inspector;  // immutable, shared by every lcore
};

// Every inspector of this build, one per keyword and transport.
std::span<const Registered> registered();

// The inspector for `p` whose transport is datagrams (`datagram`: the flow is UDP, each
// datagram one chunk) or streams, or null when that protocol has no such inspector in this
// build: its flows are forwarded like uninspected ones and the pipeline counts them as
// `uninspected`.
const Inspector* inspector_for(policy::Inspect p, bool datagram = false);

// The inspector of an FTP data connection whose service requires TLS on it (`data-tls required`):
// TLS from the first byte, the FTP client always the TLS client (RFC 4217 section 7), so for an
// active-mode connection (the server connects) the TCP responder is the TLS client.
const Inspector* ftp_data_inspector(bool active);

// The message buffer size that every registered inspector's requirements fit in.
uint32_t message_buffer_bytes();

}  // namespace pw::proto
