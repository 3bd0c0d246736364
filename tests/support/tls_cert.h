// A throwaway self-signed certificate for 127.0.0.1 and localhost (P-256, SAN IP and DNS), written
// as PEM files into the temp directory and removed again. The certificate is its own CA: load
// `cert` as the trust anchor (e.g. cpesim --tls-ca) to verify a server using it.
// Needs OpenSSL::Crypto.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

namespace ruru::test {

struct SelfSignedCert {
  std::filesystem::path cert, key;

  explicit SelfSignedCert(const std::string& name) {
    static std::atomic<int> counter{0};
    const auto dir = std::filesystem::temp_directory_path();
    const std::string stem = name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    cert = dir / (stem + "-cert.pem");
    key = dir / (stem + "-key.pem");
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(counter.load()) + 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME* n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                                     std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)) {
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
      }
    }
    X509_sign(x, pkey, EVP_sha256());
    if (FILE* f = std::fopen(cert.c_str(), "w")) {
      PEM_write_X509(f, x);
      std::fclose(f);
    }
    if (FILE* f = std::fopen(key.c_str(), "w")) {
      PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
      std::fclose(f);
    }
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  ~SelfSignedCert() {
    std::error_code ec;
    std::filesystem::remove(cert, ec);
    std::filesystem::remove(key, ec);
  }
  SelfSignedCert(const SelfSignedCert&) = delete;
  SelfSignedCert& operator=(const SelfSignedCert&) = delete;
};

}  // namespace ruru::test

namespace ruru::test {

// A throwaway certificate authority (ECDSA P-256, or RSA when asked) that issues leaf certificates
// as PEM files in the temp directory (removed with it): servers with SAN IP 127.0.0.1 and DNS
// localhost, clients with a chosen subject CN (e.g. a CPE's "OUI-SerialNumber"). `cert` is the trust
// anchor to load (cpesim --tls-ca, acsd cwmp.tls_client_ca_file).
class TestCa {
 public:
  enum class KeyType { kEcdsaP256, kRsa2048 };
  struct Leaf {
    std::filesystem::path cert, key;
    long serial = 0;
  };

  explicit TestCa(const std::string& name, KeyType type = KeyType::kEcdsaP256) : type_(type) {
    static std::atomic<int> counter{0};
    stem_ = std::filesystem::temp_directory_path() /
            (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    key_ = NewKey(type_);
    ca_ = X509_new();
    Fill(ca_, "Ruru test CA " + name, nullptr, key_, 1, {{NID_basic_constraints, "critical,CA:TRUE"},
                                                         {NID_key_usage, "critical,keyCertSign,cRLSign"}});
    cert = stem_.string() + "-ca.pem";
    Write(cert, ca_, nullptr);
  }
  ~TestCa() {
    std::error_code ec;
    for (const auto& p : files_) std::filesystem::remove(p, ec);
    std::filesystem::remove(cert, ec);
    X509_free(ca_);
    EVP_PKEY_free(key_);
  }
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // A server certificate for 127.0.0.1 / localhost, with a key of `type`.
  Leaf IssueServer(const std::string& name, KeyType type = KeyType::kEcdsaP256) {
    return Issue(name, type, {{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                              {NID_basic_constraints, "critical,CA:FALSE"},
                              {NID_ext_key_usage, "serverAuth"}});
  }
  // A client certificate with subject CN `common_name` (and optionally a serialNumber attribute).
  Leaf IssueClient(const std::string& common_name, const std::string& serial_attribute = "") {
    return Issue(common_name, KeyType::kEcdsaP256,
                 {{NID_basic_constraints, "critical,CA:FALSE"}, {NID_ext_key_usage, "clientAuth"}},
                 serial_attribute);
  }

  // A CRL signed by this CA listing `revoked`, valid from a minute ago until `valid_for_seconds`
  // from now (negative: already expired), as a PEM file.
  std::filesystem::path Crl(const std::vector<Leaf>& revoked, long valid_for_seconds = 3600) {
    X509_CRL* crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca_));
    const time_t now = ::time(nullptr);
    ASN1_TIME* last = ASN1_TIME_adj(nullptr, now, 0, valid_for_seconds < 0 ? valid_for_seconds - 60 : -60);
    ASN1_TIME* next = ASN1_TIME_adj(nullptr, now, 0, valid_for_seconds);
    X509_CRL_set1_lastUpdate(crl, last);
    X509_CRL_set1_nextUpdate(crl, next);
    for (const Leaf& leaf : revoked) {
      X509_REVOKED* r = X509_REVOKED_new();
      ASN1_INTEGER* serial = ASN1_INTEGER_new();
      ASN1_INTEGER_set(serial, leaf.serial);
      X509_REVOKED_set_serialNumber(r, serial);
      X509_REVOKED_set_revocationDate(r, last);
      X509_CRL_add0_revoked(crl, r);
      ASN1_INTEGER_free(serial);
    }
    X509_CRL_sort(crl);
    X509_CRL_sign(crl, key_, EVP_sha256());
    const std::filesystem::path path = stem_.string() + "-crl-" + std::to_string(++crls_) + ".pem";
    if (FILE* f = std::fopen(path.c_str(), "w")) {
      PEM_write_X509_CRL(f, crl);
      std::fclose(f);
    }
    files_.push_back(path);
    ASN1_TIME_free(last);
    ASN1_TIME_free(next);
    X509_CRL_free(crl);
    return path;
  }

  std::filesystem::path cert;

 private:
  static EVP_PKEY* NewKey(KeyType type) {
    return type == KeyType::kRsa2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  }
  void Fill(X509* x, const std::string& cn, X509* issuer, EVP_PKEY* pubkey, long serial,
            std::initializer_list<std::pair<int, const char*>> exts, const std::string& serial_attribute = "") {
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pubkey);
    X509_NAME* n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    if (!serial_attribute.empty()) {
      X509_NAME_add_entry_by_NID(n, NID_serialNumber, MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(serial_attribute.c_str()), -1, -1, 0);
    }
    X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : n);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
    for (const auto& [nid, value] : exts) {
      if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)) {
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
      }
    }
    X509_sign(x, key_, EVP_sha256());
  }
  Leaf Issue(const std::string& cn, KeyType type, std::initializer_list<std::pair<int, const char*>> exts,
             const std::string& serial_attribute = "") {
    EVP_PKEY* k = NewKey(type);
    X509* x = X509_new();
    Fill(x, cn, ca_, k, ++serial_, exts, serial_attribute);
    Leaf leaf;
    const std::string base = stem_.string() + "-" + std::to_string(serial_);
    leaf.cert = base + "-cert.pem";
    leaf.key = base + "-key.pem";
    leaf.serial = serial_;
    Write(leaf.cert, x, nullptr);
    Write(leaf.key, nullptr, k);
    files_.push_back(leaf.cert);
    files_.push_back(leaf.key);
    X509_free(x);
    EVP_PKEY_free(k);
    return leaf;
  }
  static void Write(const std::filesystem::path& path, X509* x, EVP_PKEY* k) {
    if (FILE* f = std::fopen(path.c_str(), "w")) {
      if (x != nullptr) PEM_write_X509(f, x);
      if (k != nullptr) PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr);
      std::fclose(f);
    }
  }

  KeyType type_;
  std::filesystem::path stem_;
  EVP_PKEY* key_ = nullptr;
  X509* ca_ = nullptr;
  long serial_ = 1;
  int crls_ = 0;
  std::vector<std::filesystem::path> files_;
};

}  // namespace ruru::test
