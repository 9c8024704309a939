// Inspectors: the cost of one newly inspected flow (its whole pre-TLS exchange plus the TLS
// handshake, through open/on_data/close), reported as flows per second per core, beside a
// reference measured in the same run: the same bytes only copied (memcpy), which is what a
// gateway that does not inspect would at least do with them.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "policy/compiled_policy.h"
#include "protocols/inspector_registry.h"
#include "tests/support/tls_transcript.h"

namespace {

using namespace pw;

struct Chunk {
  proto::Dir dir;
  std::string bytes;
};

std::vector<Chunk> with_tls(std::vector<Chunk> pre, const std::vector<testing::TlsChunk>& hs) {
  for (const auto& c : hs) pre.push_back({c.to_server ? proto::Dir::ToServer : proto::Dir::ToClient, c.bytes});
  return pre;
}

const std::vector<testing::TlsChunk>& tls13() {
  static auto t = testing::tls_handshake();
  return t;
}
const std::vector<testing::TlsChunk>& tls12() {
  static auto t = testing::tls_handshake({0x0303 /* TLS1_2_VERSION */, 2048});
  return t;
}

std::vector<Chunk> exchange(policy::Inspect p, bool v12) {
  using D = proto::Dir;
  const auto& hs = v12 ? tls12() : tls13();
  switch (p) {
    case policy::Inspect::Ftp:
      return with_tls({{D::ToClient, "220 (vsFTPd 3.0.3)\r\n"}, {D::ToServer, "FEAT\r\n"},
                       {D::ToClient, "211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n211 End\r\n"},
                       {D::ToServer, "AUTH TLS\r\n"}, {D::ToClient, "234 Proceed with negotiation.\r\n"}},
                      hs);
    case policy::Inspect::Smtp:
      return with_tls({{D::ToClient, "220 mail.test ESMTP Postfix\r\n"}, {D::ToServer, "EHLO printer\r\n"},
                       {D::ToClient, "250-mail.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n"},
                       {D::ToServer, "STARTTLS\r\n"}, {D::ToClient, "220 2.0.0 Ready to start TLS\r\n"}},
                      hs);
    case policy::Inspect::Pop3:
      return with_tls({{D::ToClient, "+OK Dovecot ready.\r\n"}, {D::ToServer, "CAPA\r\n"},
                       {D::ToClient, "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nSTLS\r\n.\r\n"},
                       {D::ToServer, "STLS\r\n"}, {D::ToClient, "+OK Begin TLS negotiation now.\r\n"}},
                      hs);
    case policy::Inspect::Imap:
      return with_tls({{D::ToClient, "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready.\r\n"},
                       {D::ToServer, "a1 STARTTLS\r\n"}, {D::ToClient, "a1 OK Begin TLS negotiation now.\r\n"}},
                      hs);
    case policy::Inspect::Http:
      return {{D::ToServer, "PUT /scans/0001.pdf HTTP/1.1\r\nHost: files.test\r\nUser-Agent: MFD\r\n"
                            "Authorization: Digest username=\"mfd\", realm=\"x\"\r\nContent-Length: 10\r\n\r\n0123456789"},
              {D::ToClient, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"}};
    default:
      return with_tls({}, hs);
  }
}

void run(benchmark::State& st, policy::Inspect p, bool v12, bool reference) {
  auto ex = exchange(p, v12);
  if (ex.size() < 2) {
    st.SkipWithError("no handshake");
    return;
  }
  const proto::Inspector* insp = proto::inspector_for(p);
  proto::FlowArena arena(4);
  proto::BufferPool pool(4, 64 << 10);
  ReasonCounters counters;
  policy::CompiledService svc;
  svc.tls = policy::TlsMode::Required;
  svc.inspect = p;
  proto::Context ctx;
  ctx.service = &svc;
  ctx.buffers = &pool;
  ctx.counters = &counters;
  ctx.now_ns = 1'750'000'000ull * 1'000'000'000ull;
  size_t bytes = 0;
  for (const auto& c : ex) bytes += c.bytes.size();
  std::vector<char> sink(70000);
  bool passed = false;
  for (auto _ : st) {
    if (reference) {
      for (const auto& c : ex) std::memcpy(sink.data(), c.bytes.data(), c.bytes.size());
      benchmark::DoNotOptimize(sink.data());
      continue;
    }
    proto::FlowState* s = insp->open(arena);
    for (const auto& c : ex) {
      auto d = insp->on_data(*s, c.dir, std::as_bytes(std::span(c.bytes.data(), c.bytes.size())), ctx);
      if (d.verdict == proto::Verdict::Deny) {
        st.SkipWithError(reason_code(d.reason));
        break;
      }
      if (d.verdict == proto::Verdict::PassThrough) {
        passed = true;
        break;
      }
    }
    insp->close(s, arena, ctx);
  }
  // FTP keeps watching the record framing after TLS (CCC): it never goes pass-through.
  if (!reference && p != policy::Inspect::Http && p != policy::Inspect::Ftp && !passed)
    st.SkipWithError("never went pass-through");
  st.SetItemsProcessed(st.iterations());  // flows
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes));
  st.SetLabel(reference ? "reference: memcpy of the same bytes" : "flows/s = items_per_second");
}

#define PW_BENCH(name, inspect, v12)                                                   \
  void BM_##name(benchmark::State& st) { run(st, policy::Inspect::inspect, v12, false); } \
  BENCHMARK(BM_##name);

void BM_Reference_Tls13(benchmark::State& st) { run(st, policy::Inspect::Tls, false, true); }
BENCHMARK(BM_Reference_Tls13);
PW_BENCH(Tls13, Tls, false)
PW_BENCH(Tls12WithCertificate, Tls, true)
PW_BENCH(FtpAuthTls13, Ftp, false)
PW_BENCH(SmtpStarttls13, Smtp, false)
PW_BENCH(Pop3Stls13, Pop3, false)
PW_BENCH(ImapStarttls13, Imap, false)
PW_BENCH(HttpPutDigest, Http, false)

}  // namespace

BENCHMARK_MAIN();
