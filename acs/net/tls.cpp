#include "acs/net/tls.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>
#include <cstdio>
#include <fstream>

namespace ruru::acs::net {
namespace {

// The session-ticket key file: 80 bytes (name 16, HMAC 32, AES 32) as 160 hex digits, whitespace
// ignored.
Result<std::string> ReadTicketKey(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("ticket key file " + path + ": cannot be read");
  std::string hex;
  for (char ch; in.get(ch);) {
    if (!std::isspace(static_cast<unsigned char>(ch))) hex.push_back(ch);
  }
  auto nibble = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  };
  std::string key;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) break;
    key.push_back(static_cast<char>(hi * 16 + lo));
  }
  if (hex.size() != 160 || key.size() != 80) {
    return InvalidArgument("ticket key file " + path + ": must hold 160 hex digits (80 random bytes), e.g. "
                           "od -An -N80 -tx1 /dev/urandom | tr -d ' \\n'");
  }
  return key;
}

std::string OpenSslError() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

std::string NameEntry(X509_NAME* name, int nid) {
  if (name == nullptr) return "";
  const int at = X509_NAME_get_index_by_NID(name, nid, -1);
  if (at < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

std::string KeyDescription(EVP_PKEY* key) {
  if (key == nullptr) return "no key";
  const int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1) return std::string("ECDSA ") + group;
    return "ECDSA " + std::to_string(bits) + " bits";
  }
  if (EVP_PKEY_is_a(key, "RSA")) return "RSA " + std::to_string(bits) + " bits";
  return std::string(EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "?") + " " +
         std::to_string(bits) + " bits";
}

std::string NotAfter(X509* x) {
  struct tm t {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &t) != 1) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec);
  return buf;
}

}  // namespace

Result<std::unique_ptr<TlsServer>> TlsServer::Load(std::string name, TlsSettings settings) {
  std::unique_ptr<TlsServer> s(new TlsServer(std::move(name), std::move(settings)));
  if (Status st = s->Reload(); !st.ok()) return st.error();
  return s;
}

Status TlsServer::Reload() {
  const std::string where = name_ + " TLS: ";
  auto fail = [&](const std::string& what) {
    return Error{ErrorCode::kInvalidArgument, where + what + ": " + OpenSslError()};
  };
  ERR_clear_error();
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* c = ctx->native_handle();
  const int min_version = settings_.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(c, min_version) != 1) return fail("setting the minimum version");
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // TLS 1.2: forward secrecy and AEAD only (TLS 1.3 suites are all of that already).
  if (SSL_CTX_set_cipher_list(c, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL") != 1) return fail("cipher list");
  if (SSL_CTX_set1_groups_list(c, "X25519:P-256:P-384") != 1) return fail("key exchange groups");
  // Resumption: the server session cache (TLS 1.2 session ids) and tickets (both versions; the
  // ticket key is the context's own, random per process and per reload). One ticket per handshake:
  // a CPE holds one connection at a time.
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(c, 100000);
  SSL_CTX_set_timeout(c, 24 * 3600);
  SSL_CTX_set_num_tickets(c, 1);
  static const unsigned char kSessionContext[] = "ruru-acsd";
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1);
  if (!settings_.ticket_key_file.empty()) {
    // One ticket key for every node (and across restarts): a CPE resumes on whichever node it
    // reaches. Without it the key is random per process and per reload.
    auto key = ReadTicketKey(settings_.ticket_key_file);
    if (!key) return Error{ErrorCode::kInvalidArgument, where + key.error().message};
    const long set = SSL_CTX_set_tlsext_ticket_keys(c, key->data(), static_cast<long>(key->size()));
    OPENSSL_cleanse(key->data(), key->size());
    if (set != 1) return fail("ticket key " + settings_.ticket_key_file);
  }

  if (SSL_CTX_use_certificate_chain_file(c, settings_.cert_file.c_str()) != 1) {
    return fail("certificate " + settings_.cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(c, settings_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      return fail("the private key " + settings_.key_file + " does not match the certificate " + settings_.cert_file);
    }
    return fail("private key " + settings_.key_file);
  }
  if (SSL_CTX_check_private_key(c) != 1) return fail("the private key does not match the certificate");

  if (settings_.client_certs != config::ClientCerts::kOff) {
    if (SSL_CTX_load_verify_locations(c, settings_.client_ca_file.c_str(), nullptr) != 1) {
      return fail("client CA file " + settings_.client_ca_file);
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(settings_.client_ca_file.c_str());
    if (names == nullptr) return fail("client CA names from " + settings_.client_ca_file);
    SSL_CTX_set_client_CA_list(c, names);
    int mode = SSL_VERIFY_PEER;
    if (settings_.client_certs == config::ClientCerts::kRequired) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(c, mode, nullptr);
    SSL_CTX_set_verify_depth(c, 4);
    if (!settings_.client_crl_file.empty()) {
      X509_STORE* store = SSL_CTX_get_cert_store(c);
      X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
      if (lookup == nullptr || X509_load_crl_file(lookup, settings_.client_crl_file.c_str(), X509_FILETYPE_PEM) <= 0) {
        return fail("client CRL file " + settings_.client_crl_file);
      }
      // The leaf's issuer must have a CRL that does not list it. (The CAs themselves are the trust
      // anchors in tls_client_ca_file: removing one from it is how a CA is revoked.)
      X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    }
  }

  X509* cert = SSL_CTX_get0_certificate(c);
  std::string description = cert == nullptr ? "no certificate"
                                             : "CN=" + NameEntry(X509_get_subject_name(cert), NID_commonName) + ", " +
                                                   KeyDescription(X509_get0_pubkey(cert)) + ", valid until " +
                                                   NotAfter(cert);
  std::lock_guard lock(mu_);
  ctx_ = std::move(ctx);
  description_ = std::move(description);
  return {};
}

std::shared_ptr<asio::ssl::context> TlsServer::Current() const {
  std::lock_guard lock(mu_);
  return ctx_;
}

std::string TlsServer::Describe() const {
  std::lock_guard lock(mu_);
  return description_;
}

std::optional<PeerCertificate> VerifiedPeerCertificate(SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  X509* x = SSL_get0_peer_certificate(ssl);
  if (x == nullptr) return std::nullopt;
  PeerCertificate p;
  p.common_name = NameEntry(X509_get_subject_name(x), NID_commonName);
  p.serial_number = NameEntry(X509_get_subject_name(x), NID_serialNumber);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(x, EVP_sha256(), md, &len) == 1) {
    static const char* kHex = "0123456789abcdef";
    for (unsigned int i = 0; i < len; ++i) {
      p.sha256 += kHex[md[i] >> 4];
      p.sha256 += kHex[md[i] & 15];
    }
  }
  return p;
}

bool CertificateNamesDevice(const PeerCertificate& cert, const db::DeviceKey& key) {
  if (key.oui.empty() || key.serial_number.empty()) return false;
  const std::string short_id = key.oui + "-" + key.serial_number;
  if (!cert.common_name.empty()) {
    if (cert.common_name == short_id) return true;
    if (!key.product_class.empty() && cert.common_name == key.oui + "-" + key.product_class + "-" + key.serial_number) {
      return true;
    }
  }
  return !cert.serial_number.empty() && cert.serial_number == short_id;
}

}  // namespace ruru::acs::net
