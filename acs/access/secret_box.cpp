#include "acs/access/secret_box.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "acs/access/base64url.h"

namespace ruru::acs::access {
namespace {

constexpr unsigned char kVersion = 1;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kKeyBytes = 32;

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");  // no safe fallback for key material
  }
  return out;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

}  // namespace

std::string RandomHex(size_t bytes) {
  static const char* kHex = "0123456789abcdef";
  const std::string raw = RandomBytes(bytes);
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string RandomToken(size_t bytes) { return Base64UrlEncode(RandomBytes(bytes)); }

Result<std::string> SecretBox::DecodeHexKey(std::string_view hex) {
  std::string digits;
  for (char c : hex) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return InvalidArgument("key: not hexadecimal");
    digits.push_back(c);
  }
  if (digits.size() != kKeyBytes * 2) return InvalidArgument("key: expected 64 hex digits (32 bytes)");
  std::string out;
  for (size_t i = 0; i < digits.size(); i += 2) out.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  return out;
}

Result<std::string> SecretBox::ReadKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read key file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto key = DecodeHexKey(ss.str());
  if (!key) return InvalidArgument(path + ": " + key.error().message);
  return key;
}

Result<std::map<std::string, std::string>> SecretBox::ReadOldKeysFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read old keys file " + path);
  std::map<std::string, std::string> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream ls(line);
    std::string id, hex;
    if (!(ls >> id) || id[0] == '#') continue;
    if (!(ls >> hex)) return InvalidArgument(path + ":" + std::to_string(n) + ": expected \"id hexkey\"");
    auto key = DecodeHexKey(hex);
    if (!key) return InvalidArgument(path + ":" + std::to_string(n) + ": " + key.error().message);
    out[id] = *key;
  }
  return out;
}

Result<SecretBox> SecretBox::Create(std::string current_key_id, std::string current_key,
                                    std::map<std::string, std::string> old_keys) {
  if (current_key.size() != kKeyBytes) return InvalidArgument("secret key must be 32 bytes");
  if (current_key_id.empty() || current_key_id.size() > 32) return InvalidArgument("key id must be 1-32 characters");
  for (const auto& [id, key] : old_keys) {
    if (key.size() != kKeyBytes) return InvalidArgument("old key " + id + " must be 32 bytes");
  }
  SecretBox box;
  box.current_id_ = current_key_id;
  box.keys_ = std::move(old_keys);
  box.keys_[current_key_id] = std::move(current_key);
  return box;
}

SecretBox::Sealed SecretBox::Seal(std::string_view plaintext, std::string_view context) const {
  const std::string& key = keys_.at(current_id_);
  const std::string nonce = RandomBytes(kNonceBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  out += nonce;
  std::string body(plaintext.size(), '\0');
  int len = 0;
  unsigned char tag[kTagBytes];
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                         reinterpret_cast<const unsigned char*>(nonce.data())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(context.data()),
                        static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(body.data()), &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), nullptr, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  out += body;
  out.append(reinterpret_cast<const char*>(tag), kTagBytes);
  return {current_id_, std::move(out)};
}

Result<std::string> SecretBox::Open(const std::string& key_id, std::string_view data, std::string_view context) const {
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return InvalidArgument("secret sealed with unknown key id '" + key_id + "'");
  if (data.size() < 1 + kNonceBytes + kTagBytes || static_cast<unsigned char>(data[0]) != kVersion) {
    return InvalidArgument("sealed secret is malformed");
  }
  const std::string_view nonce = data.substr(1, kNonceBytes);
  const std::string_view body = data.substr(1 + kNonceBytes, data.size() - 1 - kNonceBytes - kTagBytes);
  std::string tag(data.substr(data.size() - kTagBytes));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(body.size(), '\0');
  int len = 0;
  const auto* key = reinterpret_cast<const unsigned char*>(it->second.data());
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key, reinterpret_cast<const unsigned char*>(nonce.data())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(context.data()),
                        static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        reinterpret_cast<const unsigned char*>(body.data()), static_cast<int>(body.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), nullptr, &len) != 1) {
    return InvalidArgument("sealed secret does not authenticate (changed, or another context)");
  }
  return out;
}

}  // namespace ruru::acs::access
