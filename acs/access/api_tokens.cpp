#include "acs/access/api_tokens.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include "acs/access/base64url.h"
#include "acs/access/permissions.h"

namespace ruru::acs::access {
namespace {

bool IsAlnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

std::string GenerateApiToken() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    std::fputs("acsd: RAND_bytes failed: no secure random numbers\n", stderr);
    std::abort();
  }
  return std::string(kApiTokenScheme) + Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

bool IsWellFormedApiToken(std::string_view token) {
  if (token.size() != kApiTokenLength || token.substr(0, kApiTokenScheme.size()) != kApiTokenScheme) return false;
  for (char c : token.substr(kApiTokenScheme.size())) {
    if (Base64UrlValue(c) < 0) return false;
  }
  // 256 bits in 43 characters: the last character carries 4 bits and two zero bits.
  return (Base64UrlValue(token.back()) & 3) == 0;
}

std::string ApiTokenSha256(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(token.data(), token.size(), digest, &length, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

std::string ApiTokenPrefix(std::string_view token) { return std::string(token.substr(0, kApiTokenPrefixLength)); }

Status ValidateApiTokenName(std::string_view name) {
  if (name.empty() || name.size() > 64) return InvalidArgument("a token name has 1 to 64 characters");
  if (!IsAlnum(name.front())) return InvalidArgument("a token name starts with a letter or a digit");
  for (char c : name) {
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '@' && c != ':' && c != '-') {
      return InvalidArgument("a token name may contain only letters, digits and _ . @ : -");
    }
  }
  return Status::Ok();
}

Status ValidateApiTokenRole(std::string_view role) {
  if (ParseRole(role)) return Status::Ok();
  std::string known;
  for (Role r : AllRoles()) known += (known.empty() ? "" : ", ") + std::string(ToString(r));
  return InvalidArgument("role '" + std::string(role.substr(0, 32)) + "' does not exist (roles: " + known + ")");
}

Result<std::chrono::seconds> ParseApiTokenLifetime(std::string_view text) {
  const auto bad = [&] {
    return InvalidArgument("'" + std::string(text.substr(0, 32)) +
                           "' is not a lifetime: a positive number and a unit, e.g. 90d, 12h, 30m, 3600s");
  };
  if (text.size() < 2 || text.size() > 12) return bad();
  int64_t n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return bad();
    n = n * 10 + (c - '0');
  }
  int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return bad();
  }
  if (n <= 0) return bad();
  if (n > int64_t{3650} * 86400 / unit) return InvalidArgument("a token lifetime is at most 3650 days");
  return std::chrono::seconds(n * unit);
}

}  // namespace ruru::acs::access
