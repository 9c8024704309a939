// The engine of the line protocols that upgrade to TLS in band: FTP (AUTH TLS, RFC 4217),
// SMTP (STARTTLS, RFC 3207), POP3 (STLS, RFC 2595), IMAP (STARTTLS, RFC 3501 6.2.1). Each
// protocol is a Spec (its verbs and reply style); the state machine is shared:
//
//   pre-TLS:  every command verb is judged at the byte that completes it. On a TLS-required
//             service only the allow-list passes (design.md invariant 3); credentials never do
//             (unless the service says plaintext-auth allow).
//   upgrade:  after the upgrade command line, any further client byte before the server's answer
//             is a STARTTLS injection; server bytes after a positive answer, too.
//   TLS:      every byte goes to the TLS inspector; accepted handshake -> pass-through (FTP keeps
//             checking the record framing, so a CCC downgrade to clear text is caught).
#pragma once

#include <span>
#include <string_view>

#include "protocols/inspector.h"
#include "protocols/starttls/line.h"
#include "protocols/tls/tls_inspector.h"

namespace pw::proto::starttls {

struct Spec {
  enum class Replies : uint8_t { Numeric, Pop3, ImapTagged };
  const char* name;
  uint8_t tags;        // tokens before the verb (IMAP tag)
  size_t max_line;     // longest command line
  std::span<const std::string_view> allowed;      // pre-TLS allow-list (besides `upgrade`)
  std::span<const std::string_view> credentials;  // verbs that carry or start a login
  std::string_view upgrade;                       // AUTH / STARTTLS / STLS
  Replies replies;
  int upgrade_ok;       // numeric reply that starts TLS (FTP 234, SMTP 220)
  bool ehlo_check;      // SMTP: a server EHLO reply without STARTTLS is stripping
  bool ftp_rules;       // FTP: AUTH argument, PORT/EPRT bounce, record watch after TLS
  std::span<const uint16_t> ports;  // IANA ports of the protocol
};

class StartTlsInspector : public Inspector {
 public:
  explicit StartTlsInspector(const Spec& spec)
      : spec_(spec),
        requirements_{Requirements::Transport::Stream, true, static_cast<uint32_t>(spec.max_line),
                      kMessageBufferBytes, spec.ports} {}
  const char* name() const override { return spec_.name; }
  const Requirements& requirements() const override { return requirements_; }
  FlowState* open(FlowArena& a) const override;
  void close(FlowState* s, FlowArena& a, Context& ctx) const override;
  Decision on_data(FlowState& s, Dir d, std::span<const std::byte> in, Context& ctx) const override;
  bool secured(const FlowState& s) const override;

 private:
  struct State;
  Decision client_bytes(State& st, const uint8_t* p, size_t n, Context& ctx) const;
  Decision server_bytes(State& st, const uint8_t* p, size_t n, Context& ctx) const;
  Decision judge_verb(const State& st, const Context& ctx) const;
  Decision line_done(State& st, const Context& ctx) const;
  Decision reply_line(State& st, bool* upgraded, Context& ctx) const;

  const Spec& spec_;
  const Requirements requirements_;
};

// FTP's PORT/EPRT argument names `client` (RFC 2577: no bounce, no privileged port).
bool ftp_port_ok(std::string_view verb, std::string_view args, const IpAddr& client);

}  // namespace pw::proto::starttls
