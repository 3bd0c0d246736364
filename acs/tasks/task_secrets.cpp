#include "acs/tasks/task_secrets.h"

#include <openssl/crypto.h>

#include <cctype>
#include <string>

#include "base/hex.h"

namespace ruru::acs::tasks {
namespace {

using json = nlohmann::json;

constexpr std::string_view kSealedKey = "$sealed";

std::string TaskContext(int64_t device_id) { return "task-arg:" + std::to_string(device_id); }

bool FromHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out.clear();
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

json Seal(const json& value, const access::SecretBox& box, std::string_view context) {
  if (value.is_null() || IsSealedSecret(value)) return value;
  std::string plain = value.dump();
  access::SecretBox::Sealed s = box.Seal(plain, context);
  OPENSSL_cleanse(plain.data(), plain.size());
  return json{{std::string(kSealedKey), {{"key_id", s.key_id}, {"data", BytesToHex(s.ciphertext)}}}};
}

json SealWalk(const json& value, const access::SecretBox& box, std::string_view context) {
  if (value.is_object()) {
    if (IsSealedSecret(value)) return value;
    json out = json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      out[it.key()] = IsSecretName(it.key()) && !it->is_object() && !it->is_array() ? Seal(*it, box, context)
                                                                                   : SealWalk(*it, box, context);
    }
    auto name = out.find("name");
    auto v = out.find("value");
    if (name != out.end() && name->is_string() && v != out.end() && IsSecretName(name->get<std::string>())) {
      *v = Seal(*v, box, context);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const json& item : value) out.push_back(SealWalk(item, box, context));
    return out;
  }
  return value;
}

Status OpenWalk(json& value, const access::SecretBox& box, std::string_view context) {
  if (IsSealedSecret(value)) {
    const json& s = value[std::string(kSealedKey)];
    const std::string key_id = s["key_id"].get<std::string>();
    std::string cipher;
    if (!FromHex(s["data"].get<std::string>(), cipher)) return InvalidArgument("sealed task argument: not hex");
    auto plain = box.Open(key_id, cipher, context);
    if (!plain) return InvalidArgument("a sealed task argument does not open (key id " + key_id + ")");
    json opened = json::parse(*plain, nullptr, false);
    OPENSSL_cleanse(plain->data(), plain->size());
    if (opened.is_discarded()) return InvalidArgument("a sealed task argument is not JSON");
    value = std::move(opened);
    return {};
  }
  if (value.is_object() || value.is_array()) {
    for (json& item : value) {
      if (Status st = OpenWalk(item, box, context); !st.ok()) return st;
    }
  }
  return {};
}

}  // namespace

bool IsSecretName(std::string_view name) {
  std::string k(name);
  for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // CWMP's own keys name no secret (a transfer's CommandKey, the ParameterKey).
  for (const char* not_secret : {"command_key", "commandkey", "parameter_key", "parameterkey"}) {
    for (size_t at = k.find(not_secret); at != std::string::npos; at = k.find(not_secret)) {
      k.erase(at, std::string_view(not_secret).size());
    }
  }
  for (const char* word : {"password", "secret", "token", "passphrase", "key"}) {
    if (k.find(word) != std::string::npos) return true;
  }
  return false;
}

json SealSecrets(const json& value, const access::SecretBox& box, std::string_view context) {
  return SealWalk(value, box, context);
}

Result<json> OpenSecrets(const json& value, const access::SecretBox& box, std::string_view context) {
  json out = value;
  if (Status st = OpenWalk(out, box, context); !st.ok()) return st.error();
  return out;
}

json SealTaskSecrets(const json& args, const access::SecretBox& box, int64_t device_id) {
  return SealSecrets(args, box, TaskContext(device_id));
}

Result<json> OpenTaskSecrets(const json& args, const access::SecretBox& box, int64_t device_id) {
  return OpenSecrets(args, box, TaskContext(device_id));
}

}  // namespace ruru::acs::tasks
