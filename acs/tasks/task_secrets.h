// Secrets in task arguments at rest (issue 7; docs/security.md "Secrets at rest"): a Download's or
// Upload's password, and the value of a parameter whose name names a secret (…Password,
// …KeyPassphrase, …PreSharedKey), are sealed with the SecretBox before a task is stored and opened
// only when its RPC is built. The database, its backups and the API hold the sealed form
// {"$sealed": {"key_id": …, "data": hex}}; the API shows "***" for it.
//
// What is a secret: the audit log's rule (IsSecretName): a member whose key contains password,
// secret, token, passphrase or key (any case; CWMP's CommandKey and ParameterKey are not secrets),
// and the "value" beside a "name" that does. The
// context binds a sealed value to its device: copied into another device's task, it does not open.
//
// Pure apart from the SecretBox's cipher calls: thread-safe, results are new JSON values. Errors:
// OpenSecrets returns kInvalidArgument for a value that does not open (wrong key or context).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "acs/access/secret_box.h"
#include "base/result.h"

namespace ruru::acs::tasks {

// True when a key or parameter name names a secret (case-insensitive substring rule above).
bool IsSecretName(std::string_view name);

// `value` with every secret replaced by its sealed form (values already sealed stay), bound to
// `context`; and the reverse. Open: kInvalidArgument naming the key id when one does not open
// (unknown or retired key, another context, changed data).
nlohmann::json SealSecrets(const nlohmann::json& value, const access::SecretBox& box, std::string_view context);
Result<nlohmann::json> OpenSecrets(const nlohmann::json& value, const access::SecretBox& box, std::string_view context);

// A task's arguments, bound to its device ("task-arg:<device id>").
nlohmann::json SealTaskSecrets(const nlohmann::json& args, const access::SecretBox& box, int64_t device_id);
Result<nlohmann::json> OpenTaskSecrets(const nlohmann::json& args, const access::SecretBox& box, int64_t device_id);

// Whether `value` is a sealed value.
template <class J>
bool IsSealedSecret(const J& value) {
  if (!value.is_object() || value.size() != 1) return false;
  auto it = value.find("$sealed");
  return it != value.end() && it->is_object() && it->size() == 2 && it->contains("key_id") &&
         (*it)["key_id"].is_string() && it->contains("data") && (*it)["data"].is_string();
}

// `value` for showing (API answers, the audit log): every secret, plain or sealed, is "***". For
// nlohmann::json and ordered_json (the API's; member order kept).
template <class J>
J RedactSecrets(const J& value) {
  if (IsSealedSecret(value)) return J("***");
  if (value.is_object()) {
    J out = J::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      out[it.key()] = IsSecretName(it.key()) && !it->is_null() ? J("***") : RedactSecrets(*it);
    }
    // {"name": "...Password", "value": "..."}: a parameter whose name says it is a secret.
    if (out.contains("name") && out["name"].is_string() && out.contains("value") &&
        IsSecretName(out["name"].template get<std::string>())) {
      out["value"] = "***";
    }
    return out;
  }
  if (value.is_array()) {
    J out = J::array();
    for (const J& v : value) out.push_back(RedactSecrets(v));
    return out;
  }
  return value;
}

}  // namespace ruru::acs::tasks
