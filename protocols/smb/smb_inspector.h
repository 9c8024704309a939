// SMB inspector (direct TCP 445 and NetBIOS session service 139): SMB1 denied unless the service
// allows it (except the standard multi-protocol negotiate that the server answers in SMB2),
// SMB2/3 signing required where the service says so (judged at the NEGOTIATE response), guest
// and null sessions and failed logons counted. Only message headers and the first bytes of the
// NEGOTIATE and SESSION_SETUP bodies are read; everything else is counted down, never buffered.
// Pass-through after the first successful SESSION_SETUP response (see README.md for why that
// is safe). Design notes and references: protocols/smb/README.md.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>

#include "protocols/inspector.h"
#include "protocols/smb/smb_parser.h"

namespace pw::proto::smb {

// Parse state of one direction: the current frame, and the bytes of the current message
// collected so far (header plus body prefix: at most 72 bytes).
struct SmbSide {
  enum class Step : uint8_t {
    Collect,   // filling `buf` up to `want` (frame header, or a message's first bytes)
    Skip,      // counting down to `skip_to` within the frame
    Dialects,  // scanning an SMB1 NEGOTIATE dialect list (`dialect_left` bytes)
  };
  enum class Part : uint8_t {
    Frame,       // the 4-byte session header
    ProtocolId,  // the first 4 bytes of a session message
    Smb2Header,  // 64 bytes (the first message, or a compounded one at `elem_off`)
    Smb2Body,    // header plus the body prefix of NEGOTIATE / SESSION_SETUP
    Smb1Header,  // 32 bytes
    Smb1Params,  // header plus the parameter words the inspector reads (at most 61 bytes)
    Smb1Passwords,  // SMB1 password fields (at most 24 bytes of each), after the words
  };
  // The largest prefix read: an SMB1 SESSION_SETUP_ANDX up to its passwords, 24 bytes of each.
  static constexpr size_t kBufSize = smb1::kSetupPasswordsOffset + 2 * smb1::kChallengeResponse;
  static_assert(kBufSize >= kSmb2HeaderSize + NegotiateResponse::kLength + 2 && kBufSize < 256);

  uint8_t buf[kBufSize] = {};
  uint8_t have = 0;
  uint8_t want = kFrameHeaderSize;
  Step step = Step::Collect;
  Part part = Part::Frame;
  uint32_t frame_len = 0;     // bytes of the current frame after its 4-byte header
  uint32_t frame_off = 0;     // of them, consumed so far
  uint32_t elem_off = 0;      // start of the current SMB2 message (compounding, MS-SMB2 3.2.4.1.4)
  uint32_t elem_end = 0;      // its end
  uint32_t skip_to = 0;       // frame offset where skipping stops
  uint16_t dialect_left = 0;  // SMB1 dialect list bytes still to scan
  DialectScanner dialects;
};

struct SmbFlow : FlowState {
  enum class Phase : uint8_t {
    Start,              // nothing negotiated (a NetBIOS session request may come first)
    Smb1NegotiateSent,  // the client's multi-protocol negotiate awaits its answer
    NegotiateSent,      // an SMB2 NEGOTIATE request awaits its answer
    AwaitNegotiate,     // the server answered 0x02FF (or failed): an SMB2 NEGOTIATE must follow
    Negotiated,         // dialect chosen, signing judged
    Passed,             // pass-through
    Denied,
  };
  SmbSide side[2];  // [Dir::ToServer], [Dir::ToClient]
  Phase phase = Phase::Start;
  Reason denied = Reason::Forwarded;     // the reason, once Denied
  bool nb_pending = false;               // NetBIOS session request sent, no answer yet
  bool nb_established = false;           // positive session response seen
  bool smb_seen = false;                 // a session message was seen: no session request now
  bool client_signing_required = false;  // NEGOTIATE request (or SMB1 Flags2) requires it
  bool smb1_session = false;             // SMB1 negotiated (only when the service allows SMB1)
  uint8_t smb1_offers = 0;               // DialectScanner::kOffers* of the SMB1 negotiate
  uint16_t dialect = 0;                  // selected by the server (MS-SMB2 2.2.4), 0 until then
  uint16_t server_security_mode = 0;     // of the NEGOTIATE response
};
static_assert(sizeof(SmbFlow) <= FlowArena::kBlockSize);
static_assert(std::is_trivially_destructible_v<SmbFlow>);

class SmbInspector : public Inspector {
 public:
  const char* name() const override { return "smb"; }
  // The state holds no BufferPool handle: the default close() (release the block) suffices.
  PW_INSPECTOR_MEMBERS_KEEPING_CLOSE
};

}  // namespace pw::proto::smb
