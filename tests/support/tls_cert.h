// A throwaway self-signed certificate for 127.0.0.1 and localhost (P-256, SAN IP and DNS), written
// as PEM files into the temp directory and removed again. The certificate is its own CA: load
// `cert` as the trust anchor (e.g. cpesim --tls-ca) to verify a server using it.
// Needs OpenSSL::Crypto.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>

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
