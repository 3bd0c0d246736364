// A throwaway PKI for TLS tests: a fresh CA and a server certificate it signed, generated at test
// time with the OpenSSL 3 API (P-256 keys, SHA-256) and written as PEM files into a new temporary
// directory that the object removes again. Load ca_cert() as the trust anchor of a client (e.g.
// cpesim --tls-ca) and server_cert()/server_key() into a server. A second TestPki is a different
// CA, which is how a test shows that a server signed by someone else is refused.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/beast.h"
#include "base/result.h"

namespace ruru::cpesim::testkit {

class TestPki {
 public:
  // `names`: the server certificate's subjectAltName entries; IP literals become IP entries, the
  // rest DNS entries. The certificates are valid from a minute ago for a day.
  static Result<TestPki> Create(const std::vector<std::string>& names = {"127.0.0.1", "localhost"});

  TestPki(TestPki&& other) noexcept;
  TestPki& operator=(TestPki&&) = delete;
  TestPki(const TestPki&) = delete;
  ~TestPki();  // removes the directory and its files

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path ca_cert() const { return dir_ / "ca.pem"; }
  std::filesystem::path server_cert() const { return dir_ / "server.pem"; }  // the leaf only
  std::filesystem::path server_key() const { return dir_ / "server-key.pem"; }

  // A TLS server context presenting the server certificate.
  Result<asio::ssl::context> ServerContext() const;
  // A TLS client context that trusts `ca_file` only and verifies the peer.
  static Result<asio::ssl::context> ClientContext(const std::filesystem::path& ca_file);

 private:
  explicit TestPki(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;  // empty once moved from
};

}  // namespace ruru::cpesim::testkit
