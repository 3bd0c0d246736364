// base64url (RFC 4648 §5) without padding: API tokens, random secrets, list cursors. Pure.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace ruru::acs::access {

std::string Base64UrlEncode(std::string_view bytes);
// Strict: only the base64url alphabet, no padding, canonical trailing bits.
Result<std::string> Base64UrlDecode(std::string_view text);
// The 6-bit value of one base64url character, -1 for any other character.
int Base64UrlValue(char c);

}  // namespace ruru::acs::access
