// REST API bearer tokens (docs/api.md): "ruru_" followed by 43 base64url characters, the encoding
// of 32 bytes from OpenSSL's RAND_bytes. The inventory never sees a token: it keeps the SHA-256 of
// the whole token string (lowercase hex) and its first 12 characters (to tell tokens apart in
// lists). A token is random enough that a fast unsalted hash is the right verifier.
//
// Pure functions (no I/O besides the CSPRNG), used by the API's authentication and by
// `acsd tokens`. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace ruru::acs::access {

inline constexpr std::string_view kApiTokenScheme = "ruru_";
inline constexpr size_t kApiTokenRandomChars = 43;  // base64url of 32 bytes, no padding
inline constexpr size_t kApiTokenLength = 48;       // scheme + random part
inline constexpr size_t kApiTokenPrefixLength = 12; // stored and shown: "ruru_AbCdEfG"

// A new token. Aborts the process if the CSPRNG fails (nothing sensible can continue).
std::string GenerateApiToken();

// Whether `token` has the shape of a Ruru token (scheme, length, alphabet, canonical last
// character). Checked before any lookup, so garbage never reaches the store.
bool IsWellFormedApiToken(std::string_view token);

// SHA-256 of the token string, lowercase hex (64 characters).
std::string ApiTokenSha256(std::string_view token);

// The first kApiTokenPrefixLength characters.
std::string ApiTokenPrefix(std::string_view token);

// Token names: 1..64 characters of [A-Za-z0-9_.@:-], starting with a letter or digit.
Status ValidateApiTokenName(std::string_view name);

// Roles a token may have. Only "admin" exists until the role model arrives (kInvalidArgument with
// a message that says so for anything else).
Status ValidateApiTokenRole(std::string_view role);

// A token lifetime: a positive number with a unit, "90d", "12h", "30m", "3600s" (at most 3650 d).
Result<std::chrono::seconds> ParseApiTokenLifetime(std::string_view text);

}  // namespace ruru::acs::access
