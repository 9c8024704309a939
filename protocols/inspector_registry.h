// The explicit list of protocol inspectors (no static self-registration, as in Snort 3's
// inspector list): one place says which `inspect` keyword maps to which inspector.
#pragma once

#include "policy/policy_model.h"
#include "protocols/inspector.h"

namespace pw::proto {

// The inspector for `p` (`datagram`: the flow is UDP, each datagram one chunk), or null when
// that protocol has no inspector in this build: its flows are then normalised (in order, no
// conflicting overlaps) but their bytes are not inspected, and the pipeline counts them as
// `uninspected`.
const Inspector* inspector_for(policy::Inspect p, bool datagram = false);

}  // namespace pw::proto
