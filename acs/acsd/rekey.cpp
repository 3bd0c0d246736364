#include "acs/acsd/rekey.h"

#include <functional>

namespace ruru::acsd {

Result<acs::access::SecretBox> LoadSecretBox(const acs::config::CredentialsConfig& credentials) {
  if (credentials.key_file.empty()) {
    return Error{ErrorCode::kInvalidArgument, "credentials.key_file is not set: there is no current key"};
  }
  auto key = acs::access::SecretBox::ReadKeyFile(credentials.key_file);
  if (!key) return key.error();
  std::map<std::string, std::string> old;
  if (!credentials.old_keys_file.empty()) {
    auto o = acs::access::SecretBox::ReadOldKeysFile(credentials.old_keys_file);
    if (!o) return o.error();
    old = std::move(*o);
  }
  return acs::access::SecretBox::Create(credentials.key_id, *key, std::move(old));
}

Result<RekeyReport> RekeySealedSecrets(
    db::DeviceStore& devices, const acs::access::SecretBox& box, int batch,
    const std::function<void(int64_t, bool, const std::string&, const std::string&)>& on_failure) {
  if (batch < 3) batch = 3;  // a page must reach past one device's two rows
  RekeyReport report;
  int64_t after = 0;
  for (;;) {
    auto rows = devices.SealedNotUnder(box.current_key_id(), after, batch);
    if (!rows) return rows.error();
    for (const db::SealedSecretRow& row : *rows) {
      const std::string context = "cr:" + std::to_string(row.device_id);
      auto plain = box.Open(row.key_id, row.ciphertext, context);
      if (!plain) {
        ++report.failed;
        if (on_failure) on_failure(row.device_id, row.pending, row.key_id, plain.error().message);
        continue;
      }
      const acs::access::SecretBox::Sealed sealed = box.Seal(*plain, context);
      auto replaced = devices.ReplaceSealed(row.device_id, row.pending, row.key_id, sealed.key_id, sealed.ciphertext);
      if (!replaced) return replaced.error();
      ++(*replaced ? report.resealed : report.changed);
    }
    if (static_cast<int>(rows->size()) < batch) break;
    // Resume at the last device again: its second row may have been cut off by the limit (rows
    // already re-sealed no longer match, failed ones come back at most once more per page).
    after = rows->back().device_id - 1;
    if (rows->front().device_id > after) after = rows->back().device_id;  // the whole page was one device
  }
  return report;
}

}  // namespace ruru::acsd
