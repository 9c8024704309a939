#include "protocols/starttls/starttls_inspector.h"

#include <charconv>


namespace pw::proto::starttls {

namespace {

// What a command awaiting its reply was: the reply to a credential (a login the service lets
// through in clear: plaintext-auth allow) tells whether the login failed.
enum Kind : uint8_t { kOther = 0, kUpgrade = 1, kEhlo = 2, kMulti = 3, kCredential = 4 };

Decision deny(Reason r) { return {Verdict::Deny, 0, r}; }
Decision cont(size_t n) { return {Verdict::Continue, static_cast<uint32_t>(n), Reason::Forwarded}; }

bool in(std::span<const std::string_view> list, const Command& c) {
  for (auto v : list)
    if (c.verb_is(v)) return true;
  return false;
}

bool strict(const Context& ctx) {
  return !ctx.service || ctx.service->tls == policy::TlsMode::Required;
}
bool plaintext_ok(const Context& ctx) { return ctx.service && ctx.service->plaintext_auth; }

}  // namespace

struct StartTlsInspector::State : FlowState {
  enum class Phase : uint8_t { PreTls, AwaitUpgrade, Tls };
  Phase phase;
  Command cmd;
  Reply reply;
  Pending pending;
  int open_code;           // code of a multi-line numeric reply in progress (0: none)
  bool ehlo_starttls;      // STARTTLS seen in the EHLO reply in progress
  bool pop_multi;          // inside a POP3 multi-line answer
  char upgrade_tag[32];    // IMAP: the tag of STARTTLS
  uint8_t upgrade_tag_len;
  char login_tag[32];      // IMAP: the tag of the last LOGIN / AUTHENTICATE
  uint8_t login_tag_len;
  bool auth_continues;     // a credential answered 3xx (SMTP 334): the next line is its data
  bool greeted;
  Reason denied;  // once denied, every later call is denied again (Forwarded: not denied)
  tls::TlsFlow tls;
};

FlowState* StartTlsInspector::open(FlowArena& a) const {
  static_assert(sizeof(State) <= FlowArena::kBlockSize);
  State* s = a.make<State>();
  if (!s) return nullptr;
  s->cmd.tags = spec_.tags;
  s->denied = Reason::Forwarded;
  tls::start(s->tls);
  return s;
}

void StartTlsInspector::close(FlowState* s, FlowArena& a, Context& ctx) const {
  if (s) tls::release(static_cast<State*>(s)->tls, ctx);
  a.release(s);
}

Decision StartTlsInspector::on_data(FlowState& fs, Dir d, std::span<const std::byte> in,
                                    Context& ctx) const {
  State& st = static_cast<State&>(fs);
  if (st.denied != Reason::Forwarded) return deny(st.denied);  // a deny is final
  Decision dec;
  if (st.phase == State::Phase::Tls) {
    dec = tls::on_data(st.tls, d, in, ctx);
  } else {
    auto* p = reinterpret_cast<const uint8_t*>(in.data());
    dec = d == Dir::ToServer ? client_bytes(st, p, in.size(), ctx)
                             : server_bytes(st, p, in.size(), ctx);
  }
  if (dec.verdict == Verdict::Deny) st.denied = dec.reason;
  return dec;
}

bool StartTlsInspector::secured(const FlowState& fs) const {
  const State& st = static_cast<const State&>(fs);
  return st.phase == State::Phase::Tls && st.tls.phase == tls::TlsFlow::Phase::Done;
}

Decision StartTlsInspector::judge_verb(const State& st, const Context& ctx) const {
  const Command& c = st.cmd;
  if (plaintext_ok(ctx)) return cont(0);  // the admin allowed clear-text logins here
  if (c.bad) return deny(Reason::CommandBeforeTls);
  if (in(spec_.credentials, c)) return deny(Reason::PlaintextAuth);
  if (strict(ctx) && !c.verb_is(spec_.upgrade) && !in(spec_.allowed, c))
    return deny(Reason::CommandBeforeTls);
  return cont(0);
}

Decision StartTlsInspector::line_done(State& st, const Context& ctx) const {
  Command& c = st.cmd;
  // The verbs judged on their arguments are judged on all of them, or refused.
  if (c.args_cut && (c.verb_is(spec_.upgrade) ||
                     (spec_.ftp_rules && (c.verb_is("PORT") || c.verb_is("EPRT")))))
    return deny(Reason::UnitTooLong);
  uint8_t kind = kOther;
  if (c.verb_is(spec_.upgrade)) {
    kind = kUpgrade;
    if (spec_.ftp_rules) {
      // AUTH leads to TLS only with TLS, SSL, TLS-C or TLS-P (RFC 4217 section 4).
      auto a = c.args_sv();
      while (!a.empty() && a.back() == ' ') a.remove_suffix(1);
      if (!iequals(a, "TLS") && !iequals(a, "SSL") && !iequals(a, "TLS-C") && !iequals(a, "TLS-P"))
        kind = kOther;
      if (kind == kOther && strict(ctx) && !plaintext_ok(ctx)) return deny(Reason::CommandBeforeTls);
    }
  } else if (c.verb_is("EHLO")) {
    kind = kEhlo;
  } else if (c.verb_is("CAPA")) {
    kind = kMulti;
  } else if (in(spec_.credentials, c) || st.auth_continues) {
    kind = kCredential;  // (reached only where clear-text logins are allowed)
  }
  st.auth_continues = false;
  if (spec_.ftp_rules && (c.verb_is("PORT") || c.verb_is("EPRT")) &&
      !ftp_port_ok(c.verb_sv(), c.args_sv(), ctx.client))
    return deny(Reason::FtpBounce);
  if (spec_.replies == Spec::Replies::ImapTagged) {
    if (kind == kUpgrade) {
      st.upgrade_tag_len = c.tag_len;
      std::copy(c.tag, c.tag + c.tag_len, st.upgrade_tag);
    }
    if (kind == kCredential) {
      st.login_tag_len = c.tag_len;
      std::copy(c.tag, c.tag + c.tag_len, st.login_tag);
    }
  } else if (!st.pending.push(kind)) {
    return deny(Reason::CommandBeforeTls);  // more than 16 commands awaiting replies
  }
  if (kind == kUpgrade) st.phase = State::Phase::AwaitUpgrade;
  c.reset();
  return cont(0);
}

Decision StartTlsInspector::client_bytes(State& st, const uint8_t* p, size_t n,
                                         Context& ctx) const {
  for (size_t i = 0; i < n; ++i) {
    // Anything the client sends between the upgrade command and the server's answer would be
    // read by the server as clear text after the switch (CVE-2011-0411 and kin).
    if (st.phase == State::Phase::AwaitUpgrade) return deny(Reason::StarttlsInjection);
    switch (st.cmd.feed(p[i], spec_.max_line)) {
      case Command::Event::None:
        break;
      case Command::Event::TooLong:
        return deny(Reason::LineTooLong);
      case Command::Event::VerbDone: {
        Decision d = judge_verb(st, ctx);
        if (d.verdict == Verdict::Deny) return d;
        break;
      }
      case Command::Event::VerbAndLineDone: {
        Decision d = judge_verb(st, ctx);
        if (d.verdict == Verdict::Deny) return d;
        d = line_done(st, ctx);
        if (d.verdict == Verdict::Deny) return d;
        break;
      }
      case Command::Event::LineDone: {
        Decision d = line_done(st, ctx);
        if (d.verdict == Verdict::Deny) return d;
        break;
      }
    }
  }
  return cont(n);
}

Decision StartTlsInspector::reply_line(State& st, bool* upgraded, Context& ctx) const {
  const Reply& r = st.reply;
  auto upgrade_answer = [&](bool ok) {
    if (ok) {
      *upgraded = true;
      st.phase = State::Phase::Tls;
      tls::start(st.tls);
      st.tls.watch_records = spec_.ftp_rules;
      st.tls.server_first = Reason::StarttlsInjection;
    } else {
      st.phase = State::Phase::PreTls;  // refused: stay in clear, the allow-list still holds
    }
  };
  switch (spec_.replies) {
    case Spec::Replies::Numeric: {
      int code = r.code();
      if (st.open_code == 0) {
        if (code < 0) return deny(Reason::MalformedReply);
        st.open_code = code;
        st.ehlo_starttls = false;
      }
      if (!st.pending.empty() && st.pending.front() == kEhlo && r.kept > 4 &&
          icontains(r.sv().substr(4), "STARTTLS"))
        st.ehlo_starttls = true;
      if (code != st.open_code || !r.last()) return cont(0);  // the reply goes on
      st.open_code = 0;
      if (code >= 100 && code < 200) return cont(0);  // preliminary: the final reply follows
      if (!st.greeted) {
        st.greeted = true;
        if (st.pending.empty()) return cont(0);  // the greeting
      }
      if (st.pending.empty()) return cont(0);  // unsolicited (421 and the like)
      uint8_t kind = st.pending.front();
      st.pending.pop();
      if (kind == kUpgrade) upgrade_answer(code == spec_.upgrade_ok);
      // A login refused: FTP 530 (not logged in), SMTP 535 (authentication failed).
      if (kind == kCredential && (code == 530 || code == 535)) ctx.count(Reason::AuthFailed);
      if (kind == kCredential && code / 100 == 3) st.auth_continues = true;
      if (kind == kEhlo && code / 100 == 2 && spec_.ehlo_check && strict(ctx) &&
          !plaintext_ok(ctx) && !st.ehlo_starttls)
        return deny(Reason::StarttlsStripped);
      return cont(0);
    }
    case Spec::Replies::Pop3: {
      auto s = r.sv();
      if (st.pop_multi) {
        if (s == ".") st.pop_multi = false;
        return cont(0);
      }
      bool ok = s.substr(0, 3) == "+OK";
      if (!ok && s.substr(0, 4) != "-ERR") return deny(Reason::MalformedReply);
      if (!st.greeted) {
        st.greeted = true;
        if (st.pending.empty()) return cont(0);
      }
      if (st.pending.empty()) return cont(0);
      uint8_t kind = st.pending.front();
      st.pending.pop();
      if (kind == kUpgrade) upgrade_answer(ok);
      if (kind == kMulti && ok) st.pop_multi = true;
      if (kind == kCredential && !ok) ctx.count(Reason::AuthFailed);  // USER, PASS, APOP, AUTH
      return cont(0);
    }
    case Spec::Replies::ImapTagged: {
      auto s = r.sv();
      if (s.empty() || s[0] == '*' || s[0] == '+') return cont(0);  // untagged, continuation
      auto sp = s.find(' ');
      if (sp == std::string_view::npos) return cont(0);
      if (st.phase == State::Phase::AwaitUpgrade &&
          s.substr(0, sp) == std::string_view(st.upgrade_tag, st.upgrade_tag_len)) {
        auto status = s.substr(sp + 1, 3);
        upgrade_answer(iequals(status.substr(0, 2), "OK") && (status.size() < 3 || status[2] == ' '));
      }
      // LOGIN or AUTHENTICATE answered NO: a failed login.
      if (st.login_tag_len && s.substr(0, sp) == std::string_view(st.login_tag, st.login_tag_len)) {
        auto status = s.substr(sp + 1, 3);
        if (iequals(status.substr(0, 2), "NO") && (status.size() < 3 || status[2] == ' '))
          ctx.count(Reason::AuthFailed);
        st.login_tag_len = 0;
      }
      return cont(0);
    }
  }
  return cont(0);
}

Decision StartTlsInspector::server_bytes(State& st, const uint8_t* p, size_t n,
                                         Context& ctx) const {
  for (size_t i = 0; i < n; ++i) {
    if (st.reply.feed(p[i]) != Reply::Event::LineDone) {
      if (st.reply.line_len > 8192) return deny(Reason::LineTooLong);
      continue;
    }
    bool upgraded = false;
    Decision d = reply_line(st, &upgraded, ctx);
    st.reply.reset_line();
    if (d.verdict == Verdict::Deny) return d;
    // After "go ahead" the next server bytes must be TLS from the handshake, not clear text
    // pipelined behind the answer (server-side STARTTLS injection).
    if (upgraded && i + 1 < n) return deny(Reason::StarttlsInjection);
  }
  return cont(n);
}

bool ftp_port_ok(std::string_view verb, std::string_view args, const IpAddr& client) {
  while (!args.empty() && args.back() == ' ') args.remove_suffix(1);
  IpAddr target;
  uint32_t port = 0;
  if (iequals(verb, "PORT")) {
    // PORT h1,h2,h3,h4,p1,p2 (RFC 959 4.1.2)
    uint32_t v[6];
    size_t k = 0;
    const char* s = args.data();
    const char* e = s + args.size();
    while (k < 6) {
      auto [ptr, ec] = std::from_chars(s, e, v[k]);
      if (ec != std::errc() || v[k] > 255) return false;
      ++k;
      s = ptr;
      if (k < 6) {
        if (s == e || *s != ',') return false;
        ++s;
      }
    }
    if (s != e) return false;
    target = IpAddr::v4(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]);
    port = v[4] << 8 | v[5];
  } else {
    // EPRT |af|addr|port| with any delimiter (RFC 2428 section 2)
    if (args.size() < 7) return false;
    char delim = args[0];
    auto f1 = args.find(delim, 1);
    auto f2 = f1 == std::string_view::npos ? f1 : args.find(delim, f1 + 1);
    auto f3 = f2 == std::string_view::npos ? f2 : args.find(delim, f2 + 1);
    if (f3 == std::string_view::npos || f3 != args.size() - 1) return false;
    auto addr = parse_ip(args.substr(f1 + 1, f2 - f1 - 1));
    auto ps = args.substr(f2 + 1, f3 - f2 - 1);
    auto [ptr, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
    if (!addr || ec != std::errc() || ptr != ps.data() + ps.size()) return false;
    target = *addr;
  }
  return target == client && port >= 1024 && port <= 65535;
}

}  // namespace pw::proto::starttls
