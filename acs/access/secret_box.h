// Encryption of secrets at rest (connection-request passwords): AES-256-GCM with a random 96-bit
// nonce, the key id stored beside the ciphertext so keys can be rotated (old keys stay available
// for decryption). `context` is authenticated but not stored (e.g. "cr:<device id>"), so a
// ciphertext copied onto another device's row does not decrypt. Thread-safe (const).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace ruru::acs::access {

class SecretBox {
 public:
  // `current_key` is 32 bytes. `old_keys` maps key ids to 32-byte keys still accepted by Open.
  static Result<SecretBox> Create(std::string current_key_id, std::string current_key,
                                  std::map<std::string, std::string> old_keys = {});
  // Reads a key file: 64 hex digits (whitespace ignored). And an old-keys file: "id hexkey" lines.
  static Result<std::string> ReadKeyFile(const std::string& path);
  static Result<std::map<std::string, std::string>> ReadOldKeysFile(const std::string& path);
  static Result<std::string> DecodeHexKey(std::string_view hex);

  struct Sealed {
    std::string key_id;
    std::string ciphertext;  // version(1) || nonce(12) || ciphertext || tag(16)
  };
  Sealed Seal(std::string_view plaintext, std::string_view context) const;
  // kInvalidArgument when the key id is unknown, the data was changed, or the context differs.
  Result<std::string> Open(const std::string& key_id, std::string_view ciphertext, std::string_view context) const;

  const std::string& current_key_id() const { return current_id_; }

 private:
  SecretBox() = default;
  std::string current_id_;
  std::map<std::string, std::string> keys_;  // id -> key, current included
};

// `bytes` random bytes from OpenSSL, as lowercase hex / base64url without padding.
std::string RandomHex(size_t bytes);
std::string RandomToken(size_t bytes);

}  // namespace ruru::acs::access
