// SMB grammar: the 4-byte session framing (RFC 1002 section 4.3, MS-SMB2 section 2.1), the SMB1
// header (MS-CIFS 2.2.3.1), the SMB2 header (MS-SMB2 2.2.1.2) and the few body fields the
// inspector judges (NEGOTIATE, SESSION_SETUP). Pure functions over bytes already collected by
// the inspector (smb_inspector.h), which owns the streaming state; nothing here allocates,
// throws or reads past the fixed-size spans it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pw::proto::smb {

inline uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
inline uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
inline uint64_t le64(const uint8_t* p) { return uint64_t{le32(p)} | uint64_t{le32(p + 4)} << 32; }

// --- Session framing -------------------------------------------------------------------------
// Direct TCP (445, MS-SMB2 2.1): 0x00 then a 24-bit big-endian length. NetBIOS session service
// (139, RFC 1002 4.3.1): a type byte, then the length; SMB implementations read the 7 flag bits
// and the 17-bit length together as 24 bits (SMB2 large MTU), and so do we.
inline constexpr size_t kFrameHeaderSize = 4;
enum class NbType : uint8_t {
  SessionMessage = 0x00,    // RFC 1002 4.3.6: carries one SMB message
  SessionRequest = 0x81,    // 4.3.2: called and calling NetBIOS names (client)
  PositiveResponse = 0x82,  // 4.3.3: empty
  NegativeResponse = 0x83,  // 4.3.4: one error-code byte, then the server closes
  RetargetResponse = 0x84,  // 4.3.5: redirect to another address: refused (fail closed)
  KeepAlive = 0x85,         // 4.3.7: empty, either direction
};
struct FrameHeader {
  uint8_t type = 0;
  uint32_t length = 0;  // bytes that follow the 4-byte header
};
FrameHeader parse_frame_header(std::span<const uint8_t, kFrameHeaderSize> h);

// MS-SMB2 3.3.5.2: a message larger than the negotiated maximum is refused; 16 MiB is more than
// any server negotiates (Windows: 8 MiB). The 24-bit length field cannot exceed 16 MiB - 1, so
// the cap also holds by construction; it is kept explicit so a future 17-bit/extension change
// cannot silently raise it.
inline constexpr uint32_t kMaxMessage = 16u << 20;
// Two encoded NetBIOS names (RFC 1002 4.1: up to 255 bytes each with the scope) and a margin.
inline constexpr uint32_t kMaxSessionRequest = 512;

// --- Protocol identifiers (first four bytes of a session message) ----------------------------
enum class Protocol : uint8_t { Unknown, Smb1, Smb2, Transform, Compressed };
Protocol protocol_of(std::span<const uint8_t, 4> id);

inline constexpr size_t kSmb1HeaderSize = 32;         // MS-CIFS 2.2.3.1
inline constexpr size_t kSmb1MinMessage = 35;         // header, WordCount, ByteCount
inline constexpr size_t kSmb2HeaderSize = 64;         // MS-SMB2 2.2.1
inline constexpr size_t kTransformHeaderSize = 52;    // MS-SMB2 2.2.41
inline constexpr size_t kCompressionHeaderSize = 16;  // MS-SMB2 2.2.42 (unchained and chained)

// --- SMB2 header (MS-SMB2 2.2.1.2, SYNC; the ASYNC form differs only at offsets 32-39) --------
struct Smb2Header {
  uint16_t structure_size = 0;  // offset 4, always 64
  uint32_t status = 0;          // offset 8 (responses: NTSTATUS)
  uint16_t command = 0;         // offset 12
  uint32_t flags = 0;           // offset 16
  uint32_t next_command = 0;    // offset 20: offset of the next compounded header, 0 if last
  uint64_t message_id = 0;      // offset 24
  uint64_t session_id = 0;      // offset 40
  bool is_response() const;
};
Smb2Header parse_smb2_header(std::span<const uint8_t, kSmb2HeaderSize> h);

namespace cmd {  // MS-SMB2 2.2.1.2 Command
inline constexpr uint16_t kNegotiate = 0x0000;
inline constexpr uint16_t kSessionSetup = 0x0001;
inline constexpr uint16_t kLogoff = 0x0002;
}  // namespace cmd

inline constexpr uint32_t kFlagServerToRedir = 0x00000001;  // the message is a response
inline constexpr uint32_t kFlagAsync = 0x00000002;
inline constexpr uint32_t kFlagRelated = 0x00000004;
inline constexpr uint32_t kFlagSigned = 0x00000008;

// SecurityMode bits (MS-SMB2 2.2.3, 2.2.4).
inline constexpr uint16_t kSigningEnabled = 0x0001;
inline constexpr uint16_t kSigningRequired = 0x0002;

// DialectRevision (MS-SMB2 2.2.4).
namespace dialect {
// SMB 2.0.2, 2.1, 3.0, 3.0.2 and 3.1.1: what a server may select in answer to an SMB2 NEGOTIATE.
inline constexpr uint16_t k202 = 0x0202, k210 = 0x0210, k300 = 0x0300, k302 = 0x0302,
                          k311 = 0x0311;
inline constexpr uint16_t kSelectable[] = {k202, k210, k300, k302, k311};
inline constexpr uint16_t kWildcard = 0x02FF;  // answer to an SMB1 negotiate offering "SMB 2.???"
}  // namespace dialect
// One of dialect::kSelectable (not the wildcard).
bool is_smb2_dialect(uint16_t d);

// NTSTATUS values (MS-ERREF 2.3.1).
namespace status {
inline constexpr uint32_t kSuccess = 0x00000000, kPending = 0x00000103;
inline constexpr uint32_t kMoreProcessingRequired = 0xC0000016;  // the SPNEGO round trips
// A failed authentication, as a SIEM counts it ("5 failures in 3 minutes").
inline constexpr uint32_t kWrongPassword = 0xC000006A, kLogonFailure = 0xC000006D,
                          kAccountLockedOut = 0xC0000234;
inline constexpr uint32_t kAuthFailures[] = {kWrongPassword, kLogonFailure, kAccountLockedOut};
}  // namespace status
// One of status::kAuthFailures.
bool is_auth_failure(uint32_t nt_status);

// --- Body prefixes the inspector reads (bytes after the 64-byte header) ----------------------
// A body's first `Length` bytes: StructureSize at 0 (MS-SMB2 2.2: fixed per command and
// direction, `Size`), then the little-endian fields at the offsets its accessors name.
template <size_t Length, uint16_t Size>
class BodyPrefix {
 public:
  static constexpr size_t kLength = Length;
  static constexpr uint16_t kStructureSize = Size;
  explicit BodyPrefix(std::span<const uint8_t, Length> b) {
    for (size_t i = 0; i < Length; ++i) b_[i] = b[i];
  }
  uint16_t structure_size() const { return field(0); }

 protected:
  uint16_t field(size_t offset) const { return le16(b_ + offset); }

 private:
  uint8_t b_[Length];
};

// NEGOTIATE request (2.2.3). SecurityMode sits at 4 in the request but at 2 in the response.
struct NegotiateRequest : BodyPrefix<6, 36> {
  using BodyPrefix::BodyPrefix;
  uint16_t dialect_count() const { return field(2); }
  uint16_t security_mode() const { return field(4); }
};

// NEGOTIATE response (2.2.4).
struct NegotiateResponse : BodyPrefix<6, 65> {
  using BodyPrefix::BodyPrefix;
  uint16_t security_mode() const { return field(2); }
  uint16_t dialect() const { return field(4); }
};

// SESSION_SETUP response (2.2.6).
inline constexpr uint16_t kSessionFlagIsGuest = 0x0001;
inline constexpr uint16_t kSessionFlagIsNull = 0x0002;
inline constexpr uint16_t kSessionFlagEncryptData = 0x0004;
struct SessionSetupResponse : BodyPrefix<4, 9> {
  using BodyPrefix::BodyPrefix;
  uint16_t session_flags() const { return field(2); }
};

// ERROR response (2.2.2): StructureSize 9, whatever the command.
inline constexpr uint16_t kErrorResponseSize = 9;

// --- SMB1 (MS-CIFS 2.2.3.1) -------------------------------------------------------------------
struct Smb1Header {
  uint8_t command = 0;  // offset 4
  uint32_t status = 0;  // offset 5: NTSTATUS, or ErrorClass(1) reserved(1) ErrorCode(2)
  uint8_t flags = 0;    // offset 9
  uint16_t flags2 = 0;  // offset 10
  bool is_reply() const;
  bool nt_status() const;
};
Smb1Header parse_smb1_header(std::span<const uint8_t, kSmb1HeaderSize> h);

namespace smb1 {
inline constexpr uint8_t kNegotiate = 0x72;         // SMB_COM_NEGOTIATE (2.2.4.52)
inline constexpr uint8_t kSessionSetupAndx = 0x73;  // SMB_COM_SESSION_SETUP_ANDX (2.2.4.53)
inline constexpr uint8_t kFlagReply = 0x80;
inline constexpr uint16_t kFlags2SignatureRequired = 0x0010;
inline constexpr uint16_t kFlags2NtStatus = 0x4000;
// NEGOTIATE response (NT LM 0.12, WordCount 17): SecurityMode byte at message offset 35.
inline constexpr uint8_t kNtLmNegotiateWords = 17;
inline constexpr size_t kSecurityModeOffset = 35;
inline constexpr uint8_t kSecuritySignaturesRequired = 0x08;
// NEGOTIATE_ENCRYPT_PASSWORDS: challenge/response; clear, the server wants clear-text passwords.
inline constexpr uint8_t kSecurityEncryptPasswords = 0x02;
inline constexpr uint8_t kTreeConnectAndx = 0x75;   // SMB_COM_TREE_CONNECT_ANDX (2.2.4.55)
inline constexpr uint8_t kNoAndx = 0xFF;            // AndXCommand: no further command
// SESSION_SETUP_ANDX request (2.2.4.53.1). WordCount 12: extended security (a security blob,
// never a password); WordCount 13: OEMPasswordLen at 47, UnicodePasswordLen at 49, the
// passwords from 61 (after ByteCount), OEM first.
inline constexpr uint8_t kSetupExtendedWords = 12;
inline constexpr uint8_t kSetupPasswordWords = 13;
inline constexpr size_t kAndxCommandOffset = 33;
inline constexpr size_t kOemPasswordLenOffset = 47;
inline constexpr size_t kUnicodePasswordLenOffset = 49;
inline constexpr size_t kSetupPasswordsOffset = 61;
// TREE_CONNECT_ANDX request (2.2.4.55.1), WordCount 4: PasswordLength at 39, Password from 43.
inline constexpr uint8_t kTreeConnectWords = 4;
inline constexpr size_t kTreeConnectPasswordLenOffset = 39;
inline constexpr size_t kTreeConnectPasswordOffset = 43;
// An LM / NTLM challenge response is 24 bytes; an NTLMv2 response is a 16-byte proof then a
// blob that starts 0x01 0x01 (MS-NLMP 2.2.2.7), at least 44 bytes in all.
inline constexpr size_t kChallengeResponse = 24;
inline constexpr size_t kNtlmv2Min = 44;
// SESSION_SETUP_ANDX response (WordCount 3 or 4): Action at message offset 37.
inline constexpr size_t kActionOffset = 37;
inline constexpr uint16_t kSetupGuest = 0x0001;
// Bytes of an SMB1 message the inspector reads (header and the fields above).
inline constexpr size_t kPrefix = 39;
}  // namespace smb1
// ERRSRV/ERRbadpw in the DOS error form, or an NTSTATUS auth failure.
bool smb1_auth_failure(const Smb1Header& h);

// Whether 24 bytes in a password field read as a clear-text password rather than a challenge
// response: OEM, printable ASCII (NUL padding after at least one character); Unicode, UTF-16LE
// with every high byte zero. A random response looks like either with odds below 1e-10.
bool looks_like_oem_password(std::span<const uint8_t, 24> b);
bool looks_like_unicode_password(std::span<const uint8_t, 24> b);

// The SMB1 NEGOTIATE request's dialect list (MS-CIFS 2.2.4.52.1): a sequence of 0x02 followed
// by a NUL-terminated ASCII dialect name. Streaming and bounded: it keeps at most 9 characters
// of the current name, enough to recognise the two SMB2 dialect names (MS-SMB2 3.3.5.3.1).
class DialectScanner {
 public:
  enum class Result : uint8_t { More, Malformed };
  static constexpr uint8_t kOffers2002 = 0x1;      // "SMB 2.002"
  static constexpr uint8_t kOffersWildcard = 0x2;  // "SMB 2.???"

  Result feed(uint8_t b);
  // The list ended at a name boundary (not inside a name).
  bool complete() const { return !in_name_; }
  uint8_t offers() const { return offers_; }

 private:
  static constexpr uint8_t kKeep = 9;  // strlen("SMB 2.002")
  char name_[kKeep] = {};
  uint8_t len_ = 0;  // characters of the current name, saturating at kKeep + 1
  bool in_name_ = false;
  uint8_t offers_ = 0;
};

}  // namespace pw::proto::smb
