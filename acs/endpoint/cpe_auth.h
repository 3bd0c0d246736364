// CPE authentication on the CWMP endpoint: the pure decision (which credential a request proves,
// whether it may be used for the Inform's DeviceId) and a bounded TTL cache in front of the
// inventory so the hot path needs no database round trip.
//
// Rules (docs/security.md):
//  - identity is the Inform's DeviceId, never the HTTP username;
//  - a device's own credential (active, or pending = sent but not yet confirmed) is valid for that
//    DeviceId only: used for another one it is refused and logged;
//  - the onboarding credential (shared: the configured username/password; open: anything) may
//    register a new device, authenticate a device that has no credential of its own, or re-onboard
//    a device whose Inform carries "0 BOOTSTRAP" (factory reset); never anything else.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "acs/config/config.h"
#include "base/clock.h"
#include "cwmp/http_auth.h"
#include "db/inventory.h"

namespace ruru::acs::endpoint {

enum class AuthVia { kActive, kPending, kOnboarding, kCertificate };  // kCertificate: TLS client certificate
std::string_view ToString(AuthVia via);

struct AuthVerdict {
  enum class Kind {
    kOk,
    kStale,              // right credentials, expired nonce: 401 with stale=true
    kWrong,              // 401 with a fresh challenge
    kMalformed,          // 400
    kIdentityMismatch,   // a device's own credential used for another DeviceId: 401, logged
    kOnboardingRefused,  // onboarding credential not allowed for this device: 401, logged
    kUnknownRefused,     // unknown device and unknown_devices = reject: 403
  };
  Kind kind = Kind::kWrong;
  AuthVia via = AuthVia::kOnboarding;
  std::string reason;  // for logs and metrics labels; never a secret
};
std::string_view MetricReason(AuthVerdict::Kind kind);  // "wrong", "identity_mismatch", ...

// Step 1: what the Authorization header proves. `owner` is the inventory's device for the header's
// username (nullopt when no device has that username). Pure.
AuthVerdict VerifyCredentials(const config::CwmpConfig& config, const cwmp::DigestServer& digest,
                              const cwmp::AuthorizationHeader& header, std::string_view method,
                              std::string_view request_uri, const std::optional<db::DeviceCredentials>& owner,
                              const db::DeviceKey& inform_key);

// What acsd knows about a device for onboarding decisions.
struct DeviceAuthState {
  int64_t device_id = 0;
  bool has_active_credentials = false;
  bool has_pending_credentials = false;
};

// Step 2, only when step 1 gave kOk via kOnboarding: may the onboarding credential be used for this
// device (`state` nullopt: not in the inventory)? Pure.
AuthVerdict AdmitOnboarding(const config::CwmpConfig& config, const std::optional<DeviceAuthState>& state,
                            bool bootstrap);

// TTL cache (thread-safe, bounded, LRU eviction) of credential owners by username, including
// "no such username" answers, and of device states by DeviceKey. Entries expire `ttl` after they
// were put, in `clock`'s monotonic time; `clock` must outlive the cache.
class CredentialCache {
 public:
  CredentialCache(const Clock& clock, std::chrono::milliseconds ttl, size_t max_entries);

  // nullopt: not cached (ask the inventory). A cached "no owner" is an engaged optional holding nullopt.
  std::optional<std::optional<db::DeviceCredentials>> FindOwner(const std::string& username);
  void PutOwner(const std::string& username, std::optional<db::DeviceCredentials> owner);
  void EraseOwner(const std::string& username);

  std::optional<DeviceAuthState> FindState(const db::DeviceKey& key);
  void PutState(const db::DeviceKey& key, DeviceAuthState state);

  size_t size() const;

 private:
  template <class V>
  struct Lru {
    struct Entry {
      std::string key;
      V value;
      Clock::Instant expires;
    };
    std::list<Entry> order;  // most recent first
    std::unordered_map<std::string, typename std::list<Entry>::iterator> index;
  };
  template <class V>
  std::optional<V> Get(Lru<V>& lru, const std::string& key);
  template <class V>
  void Put(Lru<V>& lru, const std::string& key, V value);

  const Clock& clock_;
  std::chrono::milliseconds ttl_;
  size_t max_entries_;
  mutable std::mutex mu_;
  Lru<std::optional<db::DeviceCredentials>> owners_;
  Lru<DeviceAuthState> states_;
};

}  // namespace ruru::acs::endpoint
