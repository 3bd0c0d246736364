// Rotation of the key that seals connection-request passwords at rest (docs/security.md "Secrets
// at rest"): `acsd credentials rekey` re-seals every stored password (active and pending) that is
// not under the current key (credentials.key_id) with it. Old keys must still be configured
// (credentials.old_keys_file) to open them; afterwards they can be retired.
//
// Blocking, on the caller's thread; safe while acsd serves (a password acsd replaces meanwhile is
// counted as changed, not overwritten). Errors: a store error stops the run and is returned.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "acs/access/secret_box.h"
#include "acs/config/config.h"
#include "base/result.h"
#include "db/inventory.h"

namespace ruru::acsd {

// The SecretBox of the configuration: credentials.key_file (required here), key_id, old_keys_file.
Result<acs::access::SecretBox> LoadSecretBox(const acs::config::CredentialsConfig& credentials);

struct RekeyReport {
  int64_t resealed = 0;  // now under the current key
  int64_t changed = 0;   // replaced meanwhile by acsd itself (then under the current key already)
  int64_t failed = 0;    // could not be opened (an unknown key id, or damaged): listed in the log
};

// Re-seals in batches of `batch`; `on_failure` gets (device id, pending, key id, why) for each
// password that cannot be opened (it is left as it is).
Result<RekeyReport> RekeySealedSecrets(
    db::DeviceStore& devices, const acs::access::SecretBox& box, int batch,
    const std::function<void(int64_t, bool, const std::string&, const std::string&)>& on_failure);

}  // namespace ruru::acsd
