#include "tests/cpesim/test_tls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <memory>
#include <system_error>

namespace ruru::cpesim::testkit {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Bio = std::unique_ptr<BIO, BioFree>;

Error OpenSslError(std::string what) {
  const unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return Internal("test PKI: " + what + ": " + buf);
}

Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return OpenSslError("extension " + value);
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return OpenSslError("adding extension " + value);
  return Status::Ok();
}

// `issuer`/`issuer_key` null: self-signed (the CA).
Result<Cert> MakeCert(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key, long serial,
                      const std::vector<std::pair<int, std::string>>& extensions) {
  Cert cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  X509* x = cert.get();
  if (X509_set_version(x, 2) != 1 || ASN1_INTEGER_set(X509_get_serialNumber(x), serial) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(x), -60) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600) == nullptr || X509_set_pubkey(x, key) != 1) {
    return OpenSslError("certificate fields");
  }
  X509_NAME* subject = X509_get_subject_name(x);
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) != 1) {
    return OpenSslError("subject");
  }
  if (X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subject) != 1) return OpenSslError("issuer");
  for (const auto& [nid, value] : extensions) {
    if (Status s = AddExtension(x, issuer ? issuer : x, nid, value); !s.ok()) return s.error();
  }
  if (X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) <= 0) return OpenSslError("signing");
  return cert;
}

Status WritePem(const std::filesystem::path& path, X509* cert, EVP_PKEY* key) {
  Bio bio(BIO_new_file(path.c_str(), "w"));
  if (!bio) return OpenSslError("opening " + path.string());
  const int ok = cert ? PEM_write_bio_X509(bio.get(), cert)
                      : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  if (ok != 1) return OpenSslError("writing " + path.string());
  return Status::Ok();
}

Result<Pkey> NewKey() {
  Pkey key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("EC key generation");
  return key;
}

}  // namespace

Result<TestPki> TestPki::Create(const std::vector<std::string>& names) {
  std::string templ = (std::filesystem::temp_directory_path() / "ruru-test-pki-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) return Internal("test PKI: cannot create a temporary directory");
  TestPki pki{std::filesystem::path(templ)};  // removes the directory if anything below fails

  auto ca_key = NewKey();
  if (!ca_key.ok()) return ca_key.error();
  auto ca = MakeCert(ca_key->get(), "Ruru Test CA " + pki.dir_.filename().string(), nullptr, nullptr, 1,
                     {{NID_basic_constraints, "critical,CA:TRUE"},
                      {NID_key_usage, "critical,keyCertSign,cRLSign"},
                      {NID_subject_key_identifier, "hash"}});
  if (!ca.ok()) return ca.error();

  std::string san;
  for (const std::string& n : names) {
    boost::system::error_code ec;
    (void)asio::ip::make_address(n, ec);
    san += (san.empty() ? "" : ",") + std::string(ec ? "DNS:" : "IP:") + n;
  }
  auto server_key = NewKey();
  if (!server_key.ok()) return server_key.error();
  std::vector<std::pair<int, std::string>> leaf_ext = {{NID_basic_constraints, "CA:FALSE"},
                                                       {NID_key_usage, "critical,digitalSignature"},
                                                       {NID_ext_key_usage, "serverAuth"},
                                                       {NID_authority_key_identifier, "keyid:always"}};
  if (!san.empty()) leaf_ext.emplace_back(NID_subject_alt_name, san);
  auto server = MakeCert(server_key->get(), names.empty() ? "ruru-test-server" : names.front(), ca->get(),
                         ca_key->get(), 2, leaf_ext);
  if (!server.ok()) return server.error();

  for (Status s : {WritePem(pki.ca_cert(), ca->get(), nullptr), WritePem(pki.server_cert(), server->get(), nullptr),
                   WritePem(pki.server_key(), nullptr, server_key->get())}) {
    if (!s.ok()) return s.error();
  }
  return pki;
}

TestPki::TestPki(TestPki&& other) noexcept : dir_(std::move(other.dir_)) { other.dir_.clear(); }

TestPki::~TestPki() {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Result<asio::ssl::context> TestPki::ServerContext() const {
  asio::ssl::context ctx(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(server_cert().string(), ec);
  if (!ec) ctx.use_private_key_file(server_key().string(), asio::ssl::context::pem, ec);
  if (ec) return Internal("test PKI: server context: " + ec.message());
  return ctx;
}

Result<asio::ssl::context> TestPki::ClientContext(const std::filesystem::path& ca_file) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  ctx.load_verify_file(ca_file.string(), ec);
  if (ec) return Internal("test PKI: client context: " + ca_file.string() + ": " + ec.message());
  ctx.set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

}  // namespace ruru::cpesim::testkit
