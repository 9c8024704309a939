#include "protocols/smb/smb_parser.h"

#include <cstring>

namespace pw::proto::smb {

FrameHeader parse_frame_header(std::span<const uint8_t, kFrameHeaderSize> h) {
  return {h[0], uint32_t{h[1]} << 16 | uint32_t{h[2]} << 8 | uint32_t{h[3]}};
}

Protocol protocol_of(std::span<const uint8_t, 4> id) {
  if (id[1] != 'S' || id[2] != 'M' || id[3] != 'B') return Protocol::Unknown;
  switch (id[0]) {
    case 0xFF:
      return Protocol::Smb1;  // MS-CIFS 2.2.3.1
    case 0xFE:
      return Protocol::Smb2;  // MS-SMB2 2.2.1
    case 0xFD:
      return Protocol::Transform;  // MS-SMB2 2.2.41 (encrypted)
    case 0xFC:
      return Protocol::Compressed;  // MS-SMB2 2.2.42
    default:
      return Protocol::Unknown;
  }
}

bool Smb2Header::is_response() const { return flags & kFlagServerToRedir; }

Smb2Header parse_smb2_header(std::span<const uint8_t, kSmb2HeaderSize> h) {
  const uint8_t* p = h.data();
  Smb2Header r;
  r.structure_size = le16(p + 4);
  r.status = le32(p + 8);
  r.command = le16(p + 12);
  r.flags = le32(p + 16);
  r.next_command = le32(p + 20);
  r.message_id = le64(p + 24);
  r.session_id = le64(p + 40);
  return r;
}

bool is_smb2_dialect(uint16_t d) {
  for (uint16_t s : dialect::kSelectable)
    if (d == s) return true;
  return false;
}

bool is_auth_failure(uint32_t s) {
  for (uint32_t f : status::kAuthFailures)
    if (s == f) return true;
  return false;
}

bool looks_like_oem_password(std::span<const uint8_t, 24> b) {
  size_t n = 0;
  while (n < b.size() && b[n] >= 0x20 && b[n] < 0x7f) ++n;
  if (n == 0) return false;
  for (size_t i = n; i < b.size(); ++i)
    if (b[i] != 0) return false;
  return true;
}

bool looks_like_unicode_password(std::span<const uint8_t, 24> b) {
  for (size_t i = 1; i < b.size(); i += 2)
    if (b[i] != 0) return false;
  return b[0] != 0;
}

bool Smb1Header::is_reply() const { return flags & smb1::kFlagReply; }
bool Smb1Header::nt_status() const { return flags2 & smb1::kFlags2NtStatus; }

Smb1Header parse_smb1_header(std::span<const uint8_t, kSmb1HeaderSize> h) {
  const uint8_t* p = h.data();
  Smb1Header r;
  r.command = p[4];
  r.status = le32(p + 5);
  r.flags = p[9];
  r.flags2 = le16(p + 10);
  return r;
}

bool smb1_auth_failure(const Smb1Header& h) {
  if (h.nt_status()) return is_auth_failure(h.status);
  // DOS form (MS-CIFS 2.2.2.4): ErrorClass ERRSRV (0x02), ErrorCode ERRbadpw (0x0002).
  const uint8_t error_class = static_cast<uint8_t>(h.status & 0xFF);
  const uint16_t error_code = static_cast<uint16_t>(h.status >> 16);
  return error_class == 0x02 && error_code == 0x0002;
}

DialectScanner::Result DialectScanner::feed(uint8_t b) {
  if (!in_name_) {
    if (b != 0x02) return Result::Malformed;  // BufferFormat: dialect string
    in_name_ = true;
    len_ = 0;
    return Result::More;
  }
  if (b != 0) {
    if (len_ < kKeep) name_[len_] = static_cast<char>(b);
    if (len_ <= kKeep) ++len_;  // kKeep + 1: longer than any name we look for
    return Result::More;
  }
  in_name_ = false;
  if (len_ == kKeep) {
    if (std::memcmp(name_, "SMB 2.002", kKeep) == 0) offers_ |= kOffers2002;
    if (std::memcmp(name_, "SMB 2.???", kKeep) == 0) offers_ |= kOffersWildcard;
  }
  return Result::More;
}

}  // namespace pw::proto::smb
