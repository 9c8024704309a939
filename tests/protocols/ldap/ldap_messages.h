// LDAP messages as OpenLDAP's ldapsearch and slapd put them on the wire, built in BER
// (RFC 4511 section 4, tests/support/ber_builder.h), for the parser and inspector tests. The
// offsets named below are into these exact encodings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tests/support/ber_builder.h"

namespace pw::proto::ldap::test {

using namespace pw::testing::ber;

// LDAPMessage (RFC 4511 4.1.1): messageID `id`, then the protocolOp `op` holding `body`.
inline Bytes message(uint8_t id, uint8_t op, const Bytes& body) {
  return sequence(cat({integer(id), tlv(op, body)}));
}

// LDAPResult (RFC 4511 4.1.9): resultCode, an empty matchedDN, diagnosticMessage.
inline Bytes result(uint8_t code, std::string_view diagnostic = "") {
  return cat({enumerated(code), octets(""), octets(diagnostic)});
}

// A simple bind (messageID `id`) with `dn` and `password` (RFC 4511 4.2), LDAPv3.
inline Bytes simple_bind(const std::string& dn, const std::string& password, uint8_t id = 1) {
  return message(id, 0x60, cat({integer(3), octets(dn), tlv(0x80, str(password))}));
}

// A SASL bind with `mechanism` and optional `credentials`.
inline Bytes sasl_bind(const std::string& mechanism, const Bytes* credentials = nullptr) {
  Bytes sasl = octets(mechanism);
  if (credentials) sasl = cat({sasl, octets(*credentials)});
  return message(1, 0x60, cat({integer(3), octets(""), tlv(0xa3, sasl)}));
}

// A SearchRequest (RFC 4511 4.5.1): derefAliases never, no size or time limit, typesOnly FALSE.
inline Bytes search_request(uint8_t id, std::string_view base, uint8_t scope, const Bytes& filter,
                            const Bytes& attributes) {
  return message(id, 0x63, cat({octets(base), enumerated(scope), enumerated(0), integer(0),
                                integer(0), boolean(false), filter, sequence(attributes)}));
}

inline const std::string kAdminDn = "cn=admin,dc=example,dc=org";
inline constexpr std::string_view kStartTlsName = "1.3.6.1.4.1.1466.20037";

// ldapsearch -x: anonymous simple bind.
inline const Bytes kAnonymousBind = simple_bind("", "");

// ldapsearch -x -D cn=admin,dc=example,dc=org -w secret: simple bind with a password.
inline const Bytes kSimpleBind = simple_bind(kAdminDn, "secret");
inline constexpr size_t kSimpleBindAuthLength = 39;  // the length octet of simple [0]
inline constexpr size_t kSimpleBindPassword = 40;    // the first password octet

// ldapsearch -x -D cn=admin,dc=example,dc=org (no -w): unauthenticated bind (RFC 4513 5.1.2).
inline const Bytes kUnauthenticatedBind = simple_bind(kAdminDn, "");

// ldapsearch -Y PLAIN -U alice -w secret: SASL PLAIN (RFC 4616) "\0alice\0secret".
inline const Bytes kSaslPlainCredentials = str(std::string_view("\0alice\0secret", 13));
inline const Bytes kSaslPlainBind = sasl_bind("PLAIN", &kSaslPlainCredentials);
inline constexpr size_t kSaslMechanism = 16;    // the first octet of "PLAIN"
inline constexpr size_t kSaslCredentials = 21;  // the credentials' tag

// ldapsearch -ZZ: the StartTLS extended request (RFC 4511 4.14.1).
inline const Bytes kStartTls = message(1, 0x77, tlv(0x80, str(kStartTlsName)));

// slapd's answer: success, with the responseName (RFC 4511 4.14.2).
inline const Bytes kStartTlsOk = message(1, 0x78, cat({result(0), tlv(0x8a, str(kStartTlsName))}));

// A server without TLS configured: unavailable (52), "Could not initialize TLS".
inline const Bytes kStartTlsRefused = message(1, 0x78, result(52, "Could not initialize TLS"));

// bindResponse success / invalidCredentials (49) to messageID 1.
inline const Bytes kBindOk = message(1, 0x61, result(0));
inline const Bytes kBindInvalid = message(1, 0x61, result(49));

// ldapsearch -x -b dc=example,dc=org "(cn=alice)": messageID 2, scope wholeSubtree, the filter
// equalityMatch, all attributes.
inline const Bytes kSearch = search_request(2, "dc=example,dc=org", 2,
                                            tlv(0xa3, cat({octets("cn"), octets("alice")})), {});

// ldapsearch -x -b "" -s base supportedExtension: the RootDSE (RFC 4512 section 5.1), the filter
// present "objectClass".
inline const Bytes kRootDse = search_request(1, "", 0, tlv(0x87, str("objectClass")),
                                             octets("supportedExtension"));

// The directory's answer to kSearch: one entry (cn: alice), then done.
inline const Bytes kSearchEntry =
    message(2, 0x64, cat({octets("cn=alice,dc=example,dc=org"),
                          sequence(sequence(cat({octets("cn"), tlv(0x31, octets("alice"))})))}));
inline const Bytes kSearchDone = message(2, 0x65, result(0));

// unbindRequest (messageID 3) and abandonRequest of messageID 2 (messageID 4).
inline const Bytes kUnbind = message(3, 0x42, {});
inline const Bytes kAbandon = message(4, 0x50, {0x02});

// ldapwhoami -x (no StartTLS): WhoAmI extended operation (RFC 4532), messageID 2.
inline const Bytes kWhoAmI = message(2, 0x77, tlv(0x80, str("1.3.6.1.4.1.4203.1.11.3")));

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

// A searchResEntry (messageID 2) with one attribute value of `n` octets.
inline Bytes big_entry(size_t n) {
  Bytes attr = sequence(cat({octets("jpegPhoto"), tlv(0x31, octets(Bytes(n, 0xff)))}));
  return message(2, 0x64, cat({octets("cn=alice,dc=example,dc=org"), sequence(attr)}));
}

}  // namespace pw::proto::ldap::test
