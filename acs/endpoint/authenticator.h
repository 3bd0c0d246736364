// The whole way of a new session's request through CPE authentication, as one call: what the
// Authorization header (or the verified TLS client certificate) proves, whether it may be used
// for the Inform's DeviceId, and what to answer when it may not. The decisions are cpe_auth.h's;
// this adds the credential cache and the two inventory look-ups they may need (through a
// CredentialLookup, so tests give it a fake and the endpoint runs it on the database pool).
//
// Threading: Authenticate may run on many strands at once (the cache is thread-safe). The
// authenticator keeps references to the config, digest server and cache it is given: they must
// outlive it.
#pragma once

#include <optional>
#include <string>

#include "acs/config/config.h"
#include "acs/endpoint/cpe_auth.h"
#include "acs/net/tls.h"
#include "base/beast.h"
#include "base/result.h"
#include "cwmp/http_auth.h"
#include "db/inventory.h"

namespace ruru::acs::endpoint {

// The inventory look-ups authentication may need. Errors other than kNotFound make the request
// kUnavailable (503): a database that is down never lets a CPE in.
class CredentialLookup {
 public:
  virtual ~CredentialLookup() = default;
  // The device whose own (active or pending) username this is; kNotFound when none.
  virtual asio::awaitable<Result<db::DeviceCredentials>> FindCredentialsByUsername(std::string username) = 0;
  // The device of this DeviceId; kNotFound when it is not in the inventory.
  virtual asio::awaitable<Result<db::Device>> FindDevice(db::DeviceKey key) = 0;
};

struct AuthRequest {
  std::string authorization;                          // the Authorization header ("" = none)
  std::string method;                                 // "POST"
  std::string uri;                                    // the request target, for Digest
  const net::PeerCertificate* certificate = nullptr;  // verified at the TLS handshake, or null
  db::DeviceKey key;                                  // the Inform's DeviceId
  bool bootstrap = false;                             // the Inform carries "0 BOOTSTRAP"
};

struct AuthResult {
  enum class Action {
    kAdmit,           // start the session
    kChallenge,       // 401 with a fresh challenge (no credentials, wrong ones, refused onboarding)
    kChallengeStale,  // 401 with stale=true (right credentials, expired nonce)
    kBadRequest,      // 400 (malformed header or credentials)
    kForbidden,       // 403 (unknown device refused, or a certificate naming another device)
    kUnavailable,     // 503 (the inventory could not be asked)
  };
  Action action = Action::kChallenge;
  AuthVerdict verdict;                         // kind kOk when admitted; the refusal's kind otherwise
  bool counted = false;                        // a refusal counted in ruru_cwmp_auth_failures_total{reason}
  std::optional<db::DeviceCredentials> owner;  // of the header's username (none for a certificate)
  std::string username;                        // of the header ("" for a certificate)
  std::string message;                         // the body of a 400/403, or why it is unavailable
};

class CpeAuthenticator {
 public:
  CpeAuthenticator(const config::CwmpConfig& config, const cwmp::DigestServer& digest, CredentialCache& cache)
      : config_(config), digest_(digest), cache_(cache) {}

  // Decides, asking `lookup` only for what the cache does not hold (results are cached).
  asio::awaitable<AuthResult> Authenticate(const AuthRequest& request, CredentialLookup& lookup);

 private:
  AuthResult ByCertificate(const AuthRequest& request) const;
  const config::CwmpConfig& config_;
  const cwmp::DigestServer& digest_;
  CredentialCache& cache_;
};

}  // namespace ruru::acs::endpoint
