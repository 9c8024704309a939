// SMB2 messages byte for byte as Samba's smbclient / smbd (4.x) put them on the wire (MS-SMB2):
// NEGOTIATE with its negotiate contexts, SESSION_SETUP carrying NTLMSSP in SPNEGO, and the
// little-endian writer, DER and session-header framing they are built with; for the inspector
// test and the inspector benchmark.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "protocols/smb/smb_parser.h"

namespace pw::proto::smb::test {

using Bytes = std::vector<uint8_t>;

// Little-endian writer.
struct W {
  Bytes b;
  W& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  W& le16(uint16_t v) { return u8(uint8_t(v)).u8(uint8_t(v >> 8)); }
  W& le32(uint32_t v) { return le16(uint16_t(v)).le16(uint16_t(v >> 16)); }
  W& le64(uint64_t v) { return le32(uint32_t(v)).le32(uint32_t(v >> 32)); }
  W& raw(const std::string& s) {
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  W& bytes(const Bytes& x) {
    b.insert(b.end(), x.begin(), x.end());
    return *this;
  }
  W& zeros(size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
  W& pad8() {
    while (b.size() % 8) b.push_back(0);
    return *this;
  }
};

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes r;
  for (const auto& p : parts) r.insert(r.end(), p.begin(), p.end());
  return r;
}

// DER TLV (the SPNEGO tokens are not parsed by the inspector, but they are the right size).
inline Bytes der(uint8_t tag, const Bytes& content) {
  W w;
  w.u8(tag);
  if (content.size() < 0x80) {
    w.u8(uint8_t(content.size()));
  } else {
    w.u8(0x82).u8(uint8_t(content.size() >> 8)).u8(uint8_t(content.size()));
  }
  return w.bytes(content).b;
}
inline const Bytes kSpnegoOid = der(0x06, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02});  // 1.3.6.1.5.5.2
// 1.3.6.1.4.1.311.2.2.10
inline const Bytes kNtlmOid =
    der(0x06, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a});

// 4-byte session header (MS-SMB2 2.1; RFC 1002 4.3.1 on 139): type, 24-bit length.
inline Bytes frame(const Bytes& msg, uint8_t type = 0x00) {
  W w;
  w.u8(type).u8(uint8_t(msg.size() >> 16)).u8(uint8_t(msg.size() >> 8)).u8(uint8_t(msg.size()));
  return w.bytes(msg).b;
}

struct Hdr {
  uint16_t command = 0;
  bool response = false;
  uint32_t status = 0;
  uint64_t mid = 0, sid = 0;  // MessageId, SessionId
  uint32_t next = 0;
  uint16_t structure_size = 64;
};
// SMB2 SYNC header (MS-SMB2 2.2.1.2).
inline Bytes smb2_header(const Hdr& h) {
  W w;
  w.raw("\xFESMB")                // ProtocolId
      .le16(h.structure_size)     // StructureSize: 64
      .le16(h.response ? 1 : 0)   // CreditCharge
      .le32(h.status)             // Status (requests: ChannelSequence + Reserved)
      .le16(h.command)            // Command
      .le16(h.response ? 1 : 31)  // CreditResponse / CreditRequest (smbclient asks for 31)
      .le32(h.response ? 1 : 0)   // Flags: SMB2_FLAGS_SERVER_TO_REDIR on responses
      .le32(h.next)               // NextCommand
      .le64(h.mid)                // MessageId
      .le32(0xFEFF)               // Reserved (Samba puts its pseudo process id here)
      .le32(0)                    // TreeId
      .le64(h.sid)                // SessionId
      .zeros(16);                 // Signature
  return w.b;
}

// A negotiate context (MS-SMB2 2.2.3.1): ContextType, DataLength, Reserved, Data.
inline Bytes negotiate_context(uint16_t type, const Bytes& data) {
  W w;
  w.le16(type).le16(uint16_t(data.size())).le32(0).bytes(data);
  return w.b;
}
// PREAUTH_INTEGRITY_CAPABILITIES (2.2.3.1.1): one hash algorithm, SHA-512, and a 32-byte salt.
inline Bytes preauth_integrity_context() {
  W data;
  data.le16(1)       // HashAlgorithmCount
      .le16(32)      // SaltLength
      .le16(0x0001)  // HashAlgorithms: SHA-512
      .zeros(32);    // Salt
  return negotiate_context(0x0001, data.b);
}
// ENCRYPTION_CAPABILITIES (2.2.3.1.2): the ciphers, in order of preference.
inline Bytes encryption_context(std::initializer_list<uint16_t> ciphers) {
  W data;
  data.le16(uint16_t(ciphers.size()));  // CipherCount
  for (uint16_t c : ciphers) data.le16(c);
  return negotiate_context(0x0002, data.b);
}
namespace cipher {
inline constexpr uint16_t kAes128Ccm = 0x0001;
inline constexpr uint16_t kAes128Gcm = 0x0002;
inline constexpr uint16_t kAes256Ccm = 0x0003;
inline constexpr uint16_t kAes256Gcm = 0x0004;
}  // namespace cipher

// Negotiate contexts as smbclient sends them (MS-SMB2 2.2.3.1).
inline Bytes client_negotiate_contexts() {
  W w;
  w.bytes(preauth_integrity_context())
      .pad8()  // contexts are 8-byte aligned
      .bytes(encryption_context(
          {cipher::kAes256Gcm, cipher::kAes128Gcm, cipher::kAes256Ccm, cipher::kAes128Ccm}));
  return w.b;
}

// smbclient's SMB2 NEGOTIATE request (MS-SMB2 2.2.3), SMB 2.0.2 to 3.1.1.
inline Bytes negotiate_request(uint16_t security_mode = kSigningEnabled,
                               uint16_t structure_size = 36, uint64_t mid = 0) {
  W w;
  w.bytes(smb2_header({cmd::kNegotiate, false, 0, mid}))
      .le16(structure_size)     // StructureSize: 36
      .le16(5)                  // DialectCount
      .le16(security_mode)      // SecurityMode: SIGNING_ENABLED (0x1), REQUIRED (0x2)
      .le16(0)                  // Reserved
      .le32(0x7F)               // Capabilities: DFS, LEASING, LARGE_MTU, MULTI_CHANNEL, ...
      .raw("0123456789abcdef")  // ClientGuid
      .le32(112)                // NegotiateContextOffset (from the header start)
      .le16(2)                  // NegotiateContextCount
      .le16(0)                  // Reserved2
      .le16(0x0202)             // Dialects: 2.0.2
      .le16(0x0210)             // 2.1
      .le16(0x0300)             // 3.0
      .le16(0x0302)             // 3.0.2
      .le16(0x0311)             // 3.1.1
      .pad8()                   // Padding to the negotiate contexts
      .bytes(client_negotiate_contexts());
  return frame(w.b);
}

// Samba's NEGOTIATE hint token: SPNEGO NegTokenInit offering NTLMSSP (74 bytes).
inline Bytes negtoken_init_hint() {
  const std::string s = "not_defined_in_RFC4178@please_ignore";
  Bytes hint = der(0xa3, der(0x30, der(0xa0, der(0x1b, Bytes(s.begin(), s.end())))));
  return der(0x60,
             cat({kSpnegoOid, der(0xa0, der(0x30, cat({der(0xa0, der(0x30, kNtlmOid)), hint})))}));
}

// smbd's NEGOTIATE response (MS-SMB2 2.2.4).
inline Bytes negotiate_response(uint16_t security_mode, uint16_t dialect,
                                uint16_t structure_size = 65, uint64_t mid = 0) {
  const Bytes token = negtoken_init_hint();
  W w;
  w.bytes(smb2_header({cmd::kNegotiate, true, 0, mid}))
      .le16(structure_size)             // StructureSize: 65
      .le16(security_mode)              // SecurityMode
      .le16(dialect)                    // DialectRevision
      .le16(dialect == 0x0311 ? 2 : 0)  // NegotiateContextCount
      .raw("fedcba9876543210")          // ServerGuid
      .le32(0x2F)                       // Capabilities: DFS, LEASING, LARGE_MTU, MULTI_CHANNEL, ...
      .le32(8 << 20)                    // MaxTransactSize: 8 MiB
      .le32(8 << 20)                    // MaxReadSize
      .le32(8 << 20)                    // MaxWriteSize
      .le64(0x01DA0A1B2C3D4E5Full)      // SystemTime (FILETIME)
      .le64(0)                          // ServerStartTime
      .le16(128)                        // SecurityBufferOffset
      .le16(uint16_t(token.size()))     // SecurityBufferLength
      .le32(dialect == 0x0311 ? 208 : 0)  // NegotiateContextOffset
      .bytes(token);
  if (dialect == 0x0311) {
    w.pad8()  // Padding to NegotiateContextOffset (208)
        .bytes(preauth_integrity_context())
        .pad8()                                            // alignment
        .bytes(encryption_context({cipher::kAes128Gcm}));  // the server's choice
  }
  return frame(w.b);
}

inline Bytes ntlmssp(uint32_t type, size_t extra) {
  W w;
  w.raw(std::string("NTLMSSP\0", 8)).le32(type).le32(0xE2088297).zeros(extra);
  return w.b;
}

// SESSION_SETUP request (MS-SMB2 2.2.5) carrying an NTLMSSP message inside SPNEGO: NEGOTIATE
// (first) or AUTHENTICATE.
inline Bytes session_setup_request(uint64_t mid, uint64_t sid, bool first) {
  const Bytes token =
      first ? der(0x60, cat({kSpnegoOid,
                             der(0xa0, der(0x30, cat({der(0xa0, der(0x30, kNtlmOid)),
                                                      der(0xa2, der(0x04, ntlmssp(1, 16)))})))}))
            : der(0xa1, der(0x30, der(0xa2, der(0x04, ntlmssp(3, 300)))));
  W w;
  w.bytes(smb2_header({cmd::kSessionSetup, false, 0, mid, sid}))
      .le16(25)                      // StructureSize: 25
      .u8(0)                         // Flags
      .u8(kSigningEnabled)           // SecurityMode
      .le32(1)                       // Capabilities: DFS
      .le32(0)                       // Channel
      .le16(88)                      // SecurityBufferOffset
      .le16(uint16_t(token.size()))  // SecurityBufferLength
      .le64(0)                       // PreviousSessionId
      .bytes(token);
  return frame(w.b);
}

// SESSION_SETUP response (MS-SMB2 2.2.6): NTLMSSP CHALLENGE (MORE_PROCESSING_REQUIRED) or the
// final accept-completed token (SUCCESS); any other status, an ERROR response. Unframed: callers
// frame it (or compound it).
inline Bytes session_setup_response(uint32_t status, uint16_t session_flags, uint64_t mid,
                                    uint64_t sid, uint32_t next = 0) {
  W w;
  w.bytes(smb2_header({cmd::kSessionSetup, true, status, mid, sid, next}));
  if (status != status::kSuccess && status != status::kMoreProcessingRequired) {
    w.le16(9)     // ERROR response (2.2.2): StructureSize 9
        .u8(0)    // ErrorContextCount
        .u8(0)    // Reserved
        .le32(0)  // ByteCount
        .u8(0);   // ErrorData (one byte, as Windows and Samba send)
    return w.b;
  }
  const Bytes token =
      status == status::kSuccess
          ? der(0xa1, der(0x30, der(0xa0, der(0x0a, {0x00}))))  // accept-completed
          : der(0xa1, der(0x30, cat({der(0xa0, der(0x0a, {0x01})), der(0xa1, kNtlmOid),
                                     der(0xa2, der(0x04, ntlmssp(2, 120)))})));
  w.le16(9)                          // StructureSize: 9
      .le16(session_flags)           // SessionFlags: IS_GUEST 0x1, IS_NULL 0x2, ENCRYPT_DATA 0x4
      .le16(72)                      // SecurityBufferOffset
      .le16(uint16_t(token.size()))  // SecurityBufferLength
      .bytes(token);
  return w.b;
}

}  // namespace pw::proto::smb::test
