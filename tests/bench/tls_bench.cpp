// TLS handshakes per second per core on acsd's side (issue 7, docs/tls.md, docs/performance.md).
//
// The server context is acsd's own (acs::TlsServer: its versions, suites, groups, session cache and
// tickets), with an ECDSA P-256 or an RSA-2048 certificate from a throwaway CA. Client and server
// talk through an in-memory BIO pair on one thread; only the time spent in the server's
// SSL_do_handshake calls is measured (manual time), so items_per_second is server handshakes per
// second of one core. Variants: full handshakes, and resumed ones (the client offers the session
// of a previous handshake: a TLS 1.3 ticket, or a TLS 1.2 ticket), for TLS 1.3 and TLS 1.2.
//
//   build/tests/bench/tls_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "acs/net/tls.h"
#include "tests/support/tls_cert.h"

namespace {

using ruru::test::TestCa;
using Clock = std::chrono::steady_clock;

struct Setup {
  explicit Setup(TestCa::KeyType type) : ca("ruru-bench-ca", type), leaf(ca.IssueServer("bench", type)) {
    ruru::acs::net::TlsSettings t;
    t.cert_file = leaf.cert.string();
    t.key_file = leaf.key.string();
    auto loaded = ruru::acs::net::TlsServer::Load("bench", t);
    if (!loaded) {
      std::fprintf(stderr, "tls_bench: %s\n", loaded.error().message.c_str());
      std::abort();
    }
    server = std::move(*loaded);
    client = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(client, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_load_verify_locations(client, ca.cert.c_str(), nullptr);
  }
  ~Setup() { SSL_CTX_free(client); }
  TestCa ca;
  TestCa::Leaf leaf;
  std::unique_ptr<ruru::acs::net::TlsServer> server;
  SSL_CTX* client = nullptr;
};

// One handshake; returns the server's time in it and (optionally) the client's resumable session.
double Handshake(Setup& s, int max_version, SSL_SESSION* offer, SSL_SESSION** keep, bool* reused) {
  auto ctx = s.server->Current();
  SSL* srv = SSL_new(ctx->native_handle());
  SSL* cli = SSL_new(s.client);
  SSL_set_max_proto_version(cli, max_version);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(cli), "127.0.0.1");
  if (offer != nullptr) SSL_set_session(cli, offer);
  BIO *cb = nullptr, *sb = nullptr;
  BIO_new_bio_pair(&cb, 0, &sb, 0);
  SSL_set_bio(cli, cb, cb);
  SSL_set_bio(srv, sb, sb);
  SSL_set_connect_state(cli);
  SSL_set_accept_state(srv);
  double server_seconds = 0;
  bool cli_done = false, srv_done = false;
  for (int i = 0; i < 20 && !(cli_done && srv_done); ++i) {
    if (!cli_done) cli_done = SSL_do_handshake(cli) == 1;
    if (!srv_done) {
      const auto t0 = Clock::now();
      srv_done = SSL_do_handshake(srv) == 1;
      server_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    }
  }
  if (!cli_done || !srv_done) {
    std::fprintf(stderr, "tls_bench: handshake did not finish\n");
    ERR_print_errors_fp(stderr);
    std::abort();
  }
  *reused = SSL_session_reused(srv) == 1;
  if (keep != nullptr) {
    char buf[16];
    SSL_read(cli, buf, sizeof buf);  // processes the TLS 1.3 NewSessionTicket (no data: WANT_READ)
    *keep = SSL_get1_session(cli);
  }
  // Closed cleanly as far as OpenSSL knows: freeing a connection that was not shut down marks its
  // session (shared with `offer` and `keep`) not resumable.
  SSL_set_shutdown(cli, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_set_shutdown(srv, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(cli);
  SSL_free(srv);
  return server_seconds;
}

void Run(benchmark::State& state, TestCa::KeyType type, int version, bool resume) {
  Setup s(type);
  SSL_SESSION* session = nullptr;
  bool reused = false;
  if (resume) Handshake(s, version, nullptr, &session, &reused);
  int64_t resumed = 0;
  for (auto _ : state) {
    state.SetIterationTime(Handshake(s, version, session, nullptr, &reused));
    resumed += reused ? 1 : 0;
  }
  if (session != nullptr) SSL_SESSION_free(session);
  if (resume && resumed != state.iterations()) state.SkipWithError("a handshake was not resumed");
  if (!resume && resumed != 0) state.SkipWithError("a full handshake was resumed");
  state.SetItemsProcessed(state.iterations());
}

void BM_Tls13_Ecdsa_Full(benchmark::State& s) { Run(s, TestCa::KeyType::kEcdsaP256, TLS1_3_VERSION, false); }
void BM_Tls13_Rsa_Full(benchmark::State& s) { Run(s, TestCa::KeyType::kRsa2048, TLS1_3_VERSION, false); }
void BM_Tls13_Ecdsa_Resumed(benchmark::State& s) { Run(s, TestCa::KeyType::kEcdsaP256, TLS1_3_VERSION, true); }
void BM_Tls13_Rsa_Resumed(benchmark::State& s) { Run(s, TestCa::KeyType::kRsa2048, TLS1_3_VERSION, true); }
void BM_Tls12_Ecdsa_Full(benchmark::State& s) { Run(s, TestCa::KeyType::kEcdsaP256, TLS1_2_VERSION, false); }
void BM_Tls12_Rsa_Full(benchmark::State& s) { Run(s, TestCa::KeyType::kRsa2048, TLS1_2_VERSION, false); }
void BM_Tls12_Ecdsa_Resumed(benchmark::State& s) { Run(s, TestCa::KeyType::kEcdsaP256, TLS1_2_VERSION, true); }

BENCHMARK(BM_Tls13_Ecdsa_Full)->UseManualTime();
BENCHMARK(BM_Tls13_Rsa_Full)->UseManualTime();
BENCHMARK(BM_Tls13_Ecdsa_Resumed)->UseManualTime();
BENCHMARK(BM_Tls13_Rsa_Resumed)->UseManualTime();
BENCHMARK(BM_Tls12_Ecdsa_Full)->UseManualTime();
BENCHMARK(BM_Tls12_Rsa_Full)->UseManualTime();
BENCHMARK(BM_Tls12_Ecdsa_Resumed)->UseManualTime();

}  // namespace

BENCHMARK_MAIN();
