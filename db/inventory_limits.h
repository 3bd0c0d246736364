// Limits on what the inventory stores, and the checks that enforce them before anything reaches
// PostgreSQL. A value PostgreSQL would refuse (a NUL byte, invalid UTF-8) or that breaks a limit
// is refused with kInvalidArgument, naming the field (never quoting the value), so one bad Inform
// cannot fail the batch it would have been written with. Pure, thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/result.h"
#include "db/inventory.h"

namespace ruru::db {

struct InventoryLimits {
  size_t max_key_bytes = 256;        // each of OUI, ProductClass, SerialNumber (TR-069: 6, 64, 64)
  size_t max_text_bytes = 1024;      // manufacturer, versions, codes, IPs, ParameterKey, usernames, HA1s
  size_t max_url_bytes = 2048;       // ConnectionRequestURL
  size_t max_events = 64;            // events per Inform
  size_t max_event_code_bytes = 64;  // "M Reboot", "X ACME Foo"
  size_t max_command_key_bytes = 256;
  size_t max_parameters = 2000;        // parameters per write
  size_t max_path_bytes = 1024;        // a parameter path (TR-069: 256)
  size_t max_value_bytes = 64 * 1024;  // a parameter value
  size_t max_type_bytes = 64;          // "unsignedInt", ...
  size_t max_blob_bytes = 64 * 1024;   // fault detail, report JSON, connection-request ciphertext
};

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, <= U+10FFFF) without
// NUL bytes: what a PostgreSQL text value in a UTF8 database accepts.
bool IsStorableText(std::string_view text);

// kInvalidArgument "<field>: ..." when `text` is not storable or longer than `max_bytes`.
Status CheckText(std::string_view field, std::string_view text, size_t max_bytes);

// Every field of `write` against `limits`; also refuses an empty OUI or SerialNumber.
Status ValidateInformWrite(const InformWrite& write, const InventoryLimits& limits);

}  // namespace ruru::db
