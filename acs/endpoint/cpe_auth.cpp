#include "acs/endpoint/cpe_auth.h"

namespace ruru::acs::endpoint {
namespace {

using Kind = AuthVerdict::Kind;
using Verdict = cwmp::DigestServer::Verdict;

// Checks the header against one stored verifier.
Kind Check(const config::CwmpConfig& config, const cwmp::DigestServer& digest, const cwmp::AuthorizationHeader& h,
           std::string_view method, std::string_view uri, const db::CredentialVerifier& v) {
  if (h.username != v.username) return Kind::kWrong;
  if (h.scheme == cwmp::AuthScheme::kBasic) {
    if (!config.allow_basic) return Kind::kWrong;
    return cwmp::VerifyBasicHa1(h, v.username, config.realm, v.ha1_md5) ? Kind::kOk : Kind::kWrong;
  }
  switch (digest.VerifyHa1(h, method, uri, v.ha1_md5, v.ha1_sha256)) {
    case Verdict::kOk: return Kind::kOk;
    case Verdict::kStale: return Kind::kStale;
    case Verdict::kMalformed: return Kind::kMalformed;
    case Verdict::kWrongCredentials: return Kind::kWrong;
  }
  return Kind::kWrong;
}

std::string KeyText(const db::DeviceKey& k) { return k.oui + "-" + k.product_class + "-" + k.serial_number; }
// Unambiguous (the unit separator cannot appear in a decoded DeviceId).
std::string CacheKey(const db::DeviceKey& k) { return k.oui + '\x1f' + k.product_class + '\x1f' + k.serial_number; }

}  // namespace

std::string_view ToString(AuthVia via) {
  switch (via) {
    case AuthVia::kActive: return "own";
    case AuthVia::kPending: return "own-pending";
    case AuthVia::kOnboarding: return "onboarding";
    case AuthVia::kCertificate: return "certificate";
  }
  return "?";
}

std::string_view MetricReason(Kind kind) {
  switch (kind) {
    case Kind::kOk: return "ok";
    case Kind::kStale: return "stale_nonce";
    case Kind::kWrong: return "wrong_credentials";
    case Kind::kMalformed: return "malformed";
    case Kind::kIdentityMismatch: return "identity_mismatch";
    case Kind::kOnboardingRefused: return "onboarding_refused";
    case Kind::kUnknownRefused: return "unknown_device";
  }
  return "?";
}

AuthVerdict VerifyCredentials(const config::CwmpConfig& config, const cwmp::DigestServer& digest,
                              const cwmp::AuthorizationHeader& header, std::string_view method,
                              std::string_view request_uri, const std::optional<db::DeviceCredentials>& owner,
                              const db::DeviceKey& inform_key) {
  if (header.scheme == cwmp::AuthScheme::kBasic && !config.allow_basic) {
    return {Kind::kWrong, AuthVia::kOnboarding, "Basic credentials are not accepted (cwmp.allow_basic = false)"};
  }
  if (owner) {
    // The username is a device's own: only that device's verifiers count, never onboarding.
    for (const auto& [verifier, via] : {std::pair{&owner->active, AuthVia::kActive}, {&owner->pending, AuthVia::kPending}}) {
      if (!*verifier || (*verifier)->username != header.username) continue;
      const Kind k = Check(config, digest, header, method, request_uri, **verifier);
      if (k != Kind::kOk) return {k, via, std::string(MetricReason(k))};
      if (!(owner->key == inform_key)) {
        return {Kind::kIdentityMismatch, via,
                "credential of device " + KeyText(owner->key) + " used for DeviceId " + KeyText(inform_key)};
      }
      return {Kind::kOk, via, ""};
    }
    return {Kind::kWrong, AuthVia::kActive, "username of a device, no matching verifier"};
  }
  switch (config.onboarding) {
    case config::Onboarding::kOff:
      return {Kind::kWrong, AuthVia::kOnboarding, "unknown username (onboarding is off)"};
    case config::Onboarding::kOpen:
      if (header.scheme == cwmp::AuthScheme::kDigest) {
        // Any password is accepted; the nonce must still be ours and fresh.
        const std::string ha1 = cwmp::DigestHa1(header.algorithm, header.username, config.realm, "");
        const Verdict v = digest.VerifyHa1(header, method, request_uri, ha1, ha1);
        if (v == Verdict::kMalformed) return {Kind::kMalformed, AuthVia::kOnboarding, "malformed Digest credentials"};
        (void)v;  // wrong response is fine in open mode
      }
      return {Kind::kOk, AuthVia::kOnboarding, ""};
    case config::Onboarding::kShared: {
      if (config.onboarding_username.empty()) {
        return {Kind::kWrong, AuthVia::kOnboarding, "unknown username (no onboarding credential configured)"};
      }
      db::CredentialVerifier v{config.onboarding_username,
                               cwmp::DigestHa1(cwmp::DigestAlgorithm::kMd5, config.onboarding_username, config.realm,
                                               config.onboarding_password),
                               cwmp::DigestHa1(cwmp::DigestAlgorithm::kSha256, config.onboarding_username,
                                               config.realm, config.onboarding_password)};
      const Kind k = Check(config, digest, header, method, request_uri, v);
      return {k, AuthVia::kOnboarding, k == Kind::kOk ? "" : std::string(MetricReason(k))};
    }
  }
  return {Kind::kWrong, AuthVia::kOnboarding, "?"};
}

AuthVerdict AdmitOnboarding(const config::CwmpConfig& config, const std::optional<DeviceAuthState>& state,
                            bool bootstrap) {
  if (!state) {
    if (config.unknown_devices == config::UnknownDevices::kReject) {
      return {Kind::kUnknownRefused, AuthVia::kOnboarding, "unknown device and cwmp.unknown_devices = reject"};
    }
    return {Kind::kOk, AuthVia::kOnboarding, "new device"};
  }
  if (!state->has_active_credentials) return {Kind::kOk, AuthVia::kOnboarding, "device without own credentials"};
  if (bootstrap) return {Kind::kOk, AuthVia::kOnboarding, "re-bootstrap (factory reset) with onboarding credentials"};
  return {Kind::kOnboardingRefused, AuthVia::kOnboarding,
          "onboarding credential used by a device that has its own credentials, without BOOTSTRAP"};
}

CredentialCache::CredentialCache(const Clock& clock, std::chrono::milliseconds ttl, size_t max_entries)
    : clock_(clock), ttl_(ttl), max_entries_(std::max<size_t>(max_entries, 16)) {}

template <class V>
std::optional<V> CredentialCache::Get(Lru<V>& lru, const std::string& key) {
  auto it = lru.index.find(key);
  if (it == lru.index.end()) return std::nullopt;
  if (it->second->expires <= clock_.Monotonic()) {
    lru.order.erase(it->second);
    lru.index.erase(it);
    return std::nullopt;
  }
  lru.order.splice(lru.order.begin(), lru.order, it->second);
  return it->second->value;
}

template <class V>
void CredentialCache::Put(Lru<V>& lru, const std::string& key, V value) {
  if (auto it = lru.index.find(key); it != lru.index.end()) {
    lru.order.erase(it->second);
    lru.index.erase(it);
  }
  lru.order.push_front({key, std::move(value), clock_.Monotonic() + ttl_});
  lru.index[key] = lru.order.begin();
  while (lru.order.size() > max_entries_) {
    lru.index.erase(lru.order.back().key);
    lru.order.pop_back();
  }
}

std::optional<std::optional<db::DeviceCredentials>> CredentialCache::FindOwner(const std::string& username) {
  std::lock_guard lock(mu_);
  return Get(owners_, username);
}

void CredentialCache::PutOwner(const std::string& username, std::optional<db::DeviceCredentials> owner) {
  std::lock_guard lock(mu_);
  Put(owners_, username, std::move(owner));
}

void CredentialCache::EraseOwner(const std::string& username) {
  std::lock_guard lock(mu_);
  if (auto it = owners_.index.find(username); it != owners_.index.end()) {
    owners_.order.erase(it->second);
    owners_.index.erase(it);
  }
}

std::optional<DeviceAuthState> CredentialCache::FindState(const db::DeviceKey& key) {
  std::lock_guard lock(mu_);
  return Get(states_, CacheKey(key));
}

void CredentialCache::PutState(const db::DeviceKey& key, DeviceAuthState state) {
  std::lock_guard lock(mu_);
  Put(states_, CacheKey(key), state);
}

size_t CredentialCache::size() const {
  std::lock_guard lock(mu_);
  return owners_.order.size() + states_.order.size();
}

}  // namespace ruru::acs::endpoint
