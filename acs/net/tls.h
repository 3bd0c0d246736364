// TLS for acsd's listeners (docs/tls.md): the CWMP endpoint and the admin listener (REST API).
//
// A TlsServer holds the current OpenSSL context, built from PEM files: TLS 1.2 or later, forward-
// secret AEAD suites only (TLS 1.2: ECDHE with AES-GCM or ChaCha20-Poly1305), server-side session
// cache and session tickets (resumption spares a reconnecting CPE the full handshake), and
// optionally the CAs that verify client certificates. Reload() (SIGHUP) builds a new context from
// the same files and swaps it in: new connections use it, open ones keep the one they started
// with; a file that does not load leaves the old context serving and returns the error.
//
// Threading: Reload, Current and Describe are thread-safe (a mutex guards the swap); a context
// handed out by Current() is shared and lives as long as its last connection. Errors: Load and
// Reload return kInvalidArgument naming the file and what OpenSSL said; nothing throws.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "acs/config/config.h"
#include "base/beast.h"
#include "base/result.h"
#include "db/inventory.h"

namespace ruru::acs::net {

struct TlsSettings {
  std::string cert_file;       // PEM: the certificate, then its chain
  std::string key_file;        // PEM: the private key (ECDSA P-256 recommended; RSA works)
  std::string client_ca_file;  // PEM: CAs that verify client certificates ("" = none asked for)
  // PEM: CRLs of those CAs ("" = no revocation check). With it, a client certificate verifies only
  // when a current CRL of its issuer is loaded and does not list it (an expired CRL fails closed).
  std::string client_crl_file;
  config::ClientCerts client_certs = config::ClientCerts::kOff;
  std::string min_version = "1.2";  // "1.2" or "1.3"
  // 160 hex digits: the session-ticket key shared by every node ("" = random per process).
  std::string ticket_key_file;
};

class TlsServer {
 public:
  // `name` ("cwmp", "admin") names the listener in errors and logs.
  static Result<std::unique_ptr<TlsServer>> Load(std::string name, TlsSettings settings);

  // Re-reads the files; on success new connections use the new context.
  Status Reload();

  // The context new connections use (kept alive by each connection that uses it).
  std::shared_ptr<asio::ssl::context> Current() const;

  // "CN=acs.example.net, ECDSA P-256, valid until 2027-06-01T00:00:00Z" of the loaded certificate.
  std::string Describe() const;
  const TlsSettings& settings() const { return settings_; }

 private:
  TlsServer(std::string name, TlsSettings settings) : name_(std::move(name)), settings_(std::move(settings)) {}
  mutable std::mutex mu_;
  std::string name_;
  TlsSettings settings_;
  std::shared_ptr<asio::ssl::context> ctx_;
  std::string description_;
};

// The verified client certificate of a TLS connection: its subject CN and subject serialNumber
// attribute (either may be empty). nullopt when the peer sent none or it did not verify.
struct PeerCertificate {
  std::string common_name;
  std::string serial_number;  // the subject's serialNumber attribute (not the certificate serial)
  std::string sha256;         // fingerprint (hex), for logs
};
std::optional<PeerCertificate> VerifiedPeerCertificate(SSL* ssl);

// Whether a CPE client certificate names the device of an Inform. Accepted forms (TR-069 DeviceId
// conventions): CN = "OUI-SerialNumber" or "OUI-ProductClass-SerialNumber", or the subject
// serialNumber attribute = "OUI-SerialNumber". Exact, case-sensitive comparison. Pure.
bool CertificateNamesDevice(const PeerCertificate& cert, const db::DeviceKey& key);

}  // namespace ruru::acs::net
