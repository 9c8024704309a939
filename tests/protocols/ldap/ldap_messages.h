// LDAP messages as OpenLDAP's ldapsearch and slapd put them on the wire, hand-encoded in BER
// (RFC 4511), for the parser and inspector tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace pw::proto::ldap::test {

using Bytes = std::vector<uint8_t>;

inline std::span<const std::byte> as_span(const Bytes& b) {
  return std::as_bytes(std::span<const uint8_t>(b));
}

// ldapsearch -x: anonymous simple bind.
// clang-format off
inline const Bytes kAnonymousBind = {
    0x30, 0x0c,        // LDAPMessage, 12
    0x02, 0x01, 0x01,  //   messageID 1
    0x60, 0x07,        //   bindRequest, 7
    0x02, 0x01, 0x03,  //     version 3
    0x04, 0x00,        //     name ""
    0x80, 0x00,        //     authentication: simple ""
};
// clang-format on

// ldapsearch -x -D cn=admin,dc=example,dc=org -w secret: simple bind with a password.
// clang-format off
inline const Bytes kSimpleBind = {
    0x30, 0x2c,                                                 // LDAPMessage, 44
    0x02, 0x01, 0x01,                                           //   messageID 1
    0x60, 0x27,                                                 //   bindRequest, 39
    0x02, 0x01, 0x03,                                           //     version 3
    0x04, 0x1a, 'c', 'n', '=', 'a', 'd', 'm', 'i', 'n', ',',    //     name (26)
    'd', 'c', '=', 'e', 'x', 'a', 'm', 'p', 'l', 'e', ',',      //
    'd', 'c', '=', 'o', 'r', 'g',                               //
    0x80, 0x06, 's', 'e', 'c', 'r', 'e', 't',                   //     simple "secret"
};
// clang-format on
inline constexpr size_t kSimpleBindAuthLength = 39;  // the length octet of simple [0]
inline constexpr size_t kSimpleBindPassword = 40;    // the first password octet

// ldapsearch -x -D cn=admin,dc=example,dc=org (no -w): unauthenticated bind (RFC 4513 5.1.2).
// clang-format off
inline const Bytes kUnauthenticatedBind = {
    0x30, 0x26,                                                 // LDAPMessage, 38
    0x02, 0x01, 0x01,                                           //   messageID 1
    0x60, 0x21,                                                 //   bindRequest, 33
    0x02, 0x01, 0x03,                                           //     version 3
    0x04, 0x1a, 'c', 'n', '=', 'a', 'd', 'm', 'i', 'n', ',',    //     name (26)
    'd', 'c', '=', 'e', 'x', 'a', 'm', 'p', 'l', 'e', ',',      //
    'd', 'c', '=', 'o', 'r', 'g',                               //
    0x80, 0x00,                                                 //     simple ""
};
// clang-format on

// ldapsearch -Y PLAIN -U alice -w secret: SASL PLAIN (RFC 4616) "\0alice\0secret".
// clang-format off
inline const Bytes kSaslPlainBind = {
    0x30, 0x22,                                                 // LDAPMessage, 34
    0x02, 0x01, 0x01,                                           //   messageID 1
    0x60, 0x1d,                                                 //   bindRequest, 29
    0x02, 0x01, 0x03,                                           //     version 3
    0x04, 0x00,                                                 //     name ""
    0xa3, 0x16,                                                 //     sasl, 22
    0x04, 0x05, 'P', 'L', 'A', 'I', 'N',                        //       mechanism "PLAIN"
    0x04, 0x0d, 0x00, 'a', 'l', 'i', 'c', 'e', 0x00, 's', 'e',  //       credentials
    'c', 'r', 'e', 't',                                         //
};
// clang-format on
inline constexpr size_t kSaslMechanism = 16;    // the first octet of "PLAIN"
inline constexpr size_t kSaslCredentials = 21;  // the credentials' tag

// ldapsearch -ZZ: the StartTLS extended request (RFC 4511 4.14.1).
// clang-format off
inline const Bytes kStartTls = {
    0x30, 0x1d,                                                 // LDAPMessage, 29
    0x02, 0x01, 0x01,                                           //   messageID 1
    0x77, 0x18,                                                 //   extendedReq, 24
    0x80, 0x16, '1', '.', '3', '.', '6', '.', '1', '.', '4',    //     requestName (22)
    '.', '1', '.', '1', '4', '6', '6', '.', '2', '0', '0', '3', //
    '7',                                                        //
};
// clang-format on

// slapd's answer: success, with the responseName (RFC 4511 4.14.2).
// clang-format off
inline const Bytes kStartTlsOk = {
    0x30, 0x24,                                                 // LDAPMessage, 36
    0x02, 0x01, 0x01,                                           //   messageID 1
    0x78, 0x1f,                                                 //   extendedResp, 31
    0x0a, 0x01, 0x00,                                           //     resultCode: success
    0x04, 0x00,                                                 //     matchedDN ""
    0x04, 0x00,                                                 //     diagnosticMessage ""
    0x8a, 0x16, '1', '.', '3', '.', '6', '.', '1', '.', '4',    //     responseName (22)
    '.', '1', '.', '1', '4', '6', '6', '.', '2', '0', '0', '3', //
    '7',                                                        //
};
// clang-format on

// A server without TLS configured: unavailable (52), "Could not initialize TLS".
// clang-format off
inline const Bytes kStartTlsRefused = {
    0x30, 0x24,                                                 // LDAPMessage, 36
    0x02, 0x01, 0x01,                                           //   messageID 1
    0x78, 0x1f,                                                 //   extendedResp, 31
    0x0a, 0x01, 0x34,                                           //     resultCode: unavailable
    0x04, 0x00,                                                 //     matchedDN ""
    0x04, 0x18, 'C', 'o', 'u', 'l', 'd', ' ', 'n', 'o', 't',    //     diagnosticMessage (24)
    ' ', 'i', 'n', 'i', 't', 'i', 'a', 'l', 'i', 'z', 'e', ' ', //
    'T', 'L', 'S',                                              //
};
// clang-format on

// bindResponse success / invalidCredentials (49) to messageID 1.
// clang-format off
inline const Bytes kBindOk = {
    0x30, 0x0c, 0x02, 0x01, 0x01,  // LDAPMessage, messageID 1
    0x61, 0x07,                    //   bindResponse
    0x0a, 0x01, 0x00,              //     resultCode: success
    0x04, 0x00, 0x04, 0x00,        //     matchedDN, diagnosticMessage
};
// clang-format on
// clang-format off
inline const Bytes kBindInvalid = {
    0x30, 0x0c, 0x02, 0x01, 0x01,  // LDAPMessage, messageID 1
    0x61, 0x07,                    //   bindResponse
    0x0a, 0x01, 0x31,              //     resultCode: invalidCredentials (49)
    0x04, 0x00, 0x04, 0x00,        //     matchedDN, diagnosticMessage
};
// clang-format on

// ldapsearch -x -b dc=example,dc=org "(cn=alice)": messageID 2.
// clang-format off
inline const Bytes kSearch = {
    0x30, 0x36,                                                 // LDAPMessage, 54
    0x02, 0x01, 0x02,                                           //   messageID 2
    0x63, 0x31,                                                 //   searchRequest, 49
    0x04, 0x11, 'd', 'c', '=', 'e', 'x', 'a', 'm', 'p', 'l',    //     baseObject (17)
    'e', ',', 'd', 'c', '=', 'o', 'r', 'g',                     //
    0x0a, 0x01, 0x02,                                           //     scope: wholeSubtree
    0x0a, 0x01, 0x00,                                           //     derefAliases: never
    0x02, 0x01, 0x00,                                           //     sizeLimit 0
    0x02, 0x01, 0x00,                                           //     timeLimit 0
    0x01, 0x01, 0x00,                                           //     typesOnly FALSE
    0xa3, 0x0b,                                                 //     equalityMatch, 11
    0x04, 0x02, 'c', 'n',                                       //       attributeDesc "cn"
    0x04, 0x05, 'a', 'l', 'i', 'c', 'e',                        //       assertionValue
    0x30, 0x00,                                                 //     attributes: all
};
// clang-format on

// ldapsearch -x -b "" -s base supportedExtension: the RootDSE (RFC 4512 section 5.1).
// clang-format off
inline const Bytes kRootDse = {
    0x30, 0x39,                                                 // LDAPMessage, 57
    0x02, 0x01, 0x01,                                           //   messageID 1
    0x63, 0x34,                                                 //   searchRequest, 52
    0x04, 0x00,                                                 //     baseObject ""
    0x0a, 0x01, 0x00,                                           //     scope: baseObject
    0x0a, 0x01, 0x00,                                           //     derefAliases: never
    0x02, 0x01, 0x00,                                           //     sizeLimit 0
    0x02, 0x01, 0x00,                                           //     timeLimit 0
    0x01, 0x01, 0x00,                                           //     typesOnly FALSE
    0x87, 0x0b, 'o', 'b', 'j', 'e', 'c', 't', 'C', 'l', 'a',    //     present "objectClass"
    's', 's',                                                   //
    0x30, 0x14, 0x04, 0x12, 's', 'u', 'p', 'p', 'o', 'r', 't',  //     attributes
    'e', 'd', 'E', 'x', 't', 'e', 'n', 's', 'i', 'o', 'n',      //       "supportedExtension"
};
// clang-format on

// The directory's answer to kSearch: one entry, then done.
// clang-format off
inline const Bytes kSearchEntry = {
    0x30, 0x32,                                                 // LDAPMessage, 50
    0x02, 0x01, 0x02,                                           //   messageID 2
    0x64, 0x2d,                                                 //   searchResEntry, 45
    0x04, 0x1a, 'c', 'n', '=', 'a', 'l', 'i', 'c', 'e', ',',    //     objectName (26)
    'd', 'c', '=', 'e', 'x', 'a', 'm', 'p', 'l', 'e', ',',      //
    'd', 'c', '=', 'o', 'r', 'g',                               //
    0x30, 0x0f,                                                 //     attributes, 15
    0x30, 0x0d,                                                 //       PartialAttribute, 13
    0x04, 0x02, 'c', 'n',                                       //         type "cn"
    0x31, 0x07, 0x04, 0x05, 'a', 'l', 'i', 'c', 'e',            //         vals SET { "alice" }
};
// clang-format on
// clang-format off
inline const Bytes kSearchDone = {
    0x30, 0x0c, 0x02, 0x01, 0x02,  // LDAPMessage, messageID 2
    0x65, 0x07,                    //   searchResDone
    0x0a, 0x01, 0x00,              //     resultCode: success
    0x04, 0x00, 0x04, 0x00,        //     matchedDN, diagnosticMessage
};
// clang-format on

// unbindRequest (messageID 3) and abandonRequest of messageID 2 (messageID 4).
// clang-format off
inline const Bytes kUnbind = {0x30, 0x05, 0x02, 0x01, 0x03, 0x42, 0x00};
inline const Bytes kAbandon = {0x30, 0x06, 0x02, 0x01, 0x04, 0x50, 0x01, 0x02};
// clang-format on

// ldapwhoami -x (no StartTLS): WhoAmI extended operation (RFC 4532), messageID 2.
// clang-format off
inline const Bytes kWhoAmI = {
    0x30, 0x1e,                                                 // LDAPMessage, 30
    0x02, 0x01, 0x02,                                           //   messageID 2
    0x77, 0x19,                                                 //   extendedReq, 25
    0x80, 0x17, '1', '.', '3', '.', '6', '.', '1', '.', '4',    //     requestName (23)
    '.', '1', '.', '4', '2', '0', '3', '.', '1', '.', '1', '1', //
    '.', '3',                                                   //
};
// clang-format on

// A strong TLS 1.2 ClientHello record (what follows a successful StartTLS).
inline Bytes client_hello() {
  Bytes body = {0x03, 0x03};
  body.insert(body.end(), 32, 0x11);
  body.insert(body.end(), {0x00, 0x00, 0x02, 0xc0, 0x2f, 0x01, 0x00});
  Bytes hs = {0x01, 0x00, 0x00, static_cast<uint8_t>(body.size())};
  hs.insert(hs.end(), body.begin(), body.end());
  Bytes rec = {0x16, 0x03, 0x01, 0x00, static_cast<uint8_t>(hs.size())};
  rec.insert(rec.end(), hs.begin(), hs.end());
  return rec;
}

inline Bytes patched(Bytes m, size_t at, uint8_t v) {
  m.at(at) = v;
  return m;
}

inline Bytes tlv(uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n < 0x100) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(n)});
  } else if (n < 0x10000) {
    out.insert(out.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x83, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                           static_cast<uint8_t>(n)});
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes str(const std::string& s) { return Bytes(s.begin(), s.end()); }

// A simple bind (messageID `id`) with `dn` and `password`.
inline Bytes simple_bind(const std::string& dn, const std::string& password, uint8_t id = 1) {
  return tlv(
      0x30,
      cat({{0x02, 0x01, id},
           tlv(0x60, cat({{0x02, 0x01, 0x03}, tlv(0x04, str(dn)), tlv(0x80, str(password))}))}));
}

// A SASL bind with `mechanism` and optional `credentials`.
inline Bytes sasl_bind(const std::string& mechanism, const Bytes* credentials = nullptr) {
  Bytes sasl = tlv(0x04, str(mechanism));
  if (credentials) sasl = cat({sasl, tlv(0x04, *credentials)});
  return tlv(0x30, cat({{0x02, 0x01, 0x01},
                        tlv(0x60, cat({{0x02, 0x01, 0x03}, {0x04, 0x00}, tlv(0xa3, sasl)}))}));
}

// A searchResEntry (messageID 2) with one attribute value of `n` octets.
inline Bytes big_entry(size_t n) {
  Bytes attr = tlv(0x30, cat({tlv(0x04, str("jpegPhoto")), tlv(0x31, tlv(0x04, Bytes(n, 0xff)))}));
  return tlv(
      0x30, cat({{0x02, 0x01, 0x02},
                 tlv(0x64, cat({tlv(0x04, str("cn=alice,dc=example,dc=org")), tlv(0x30, attr)}))}));
}

}  // namespace pw::proto::ldap::test
