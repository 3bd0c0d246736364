#include "acs/endpoint/authenticator.h"

namespace ruru::acs::endpoint {
namespace {

using Kind = AuthVerdict::Kind;
using Action = AuthResult::Action;

AuthResult Refused(Action action, AuthVerdict verdict, std::string message = "") {
  AuthResult r;
  r.action = action;
  r.verdict = std::move(verdict);
  r.counted = true;
  r.message = std::move(message);
  return r;
}

AuthResult Unavailable(std::string why) {
  AuthResult r;
  r.action = Action::kUnavailable;
  r.message = std::move(why);
  return r;
}

// The answer to a verdict that is not kOk.
AuthResult RefusalOf(AuthVerdict verdict) {
  switch (verdict.kind) {
    case Kind::kStale:
      return Refused(Action::kChallengeStale, std::move(verdict));
    case Kind::kMalformed:
      return Refused(Action::kBadRequest, std::move(verdict), "malformed credentials");
    case Kind::kUnknownRefused:
      return Refused(Action::kForbidden, std::move(verdict), "unknown device");
    default:
      return Refused(Action::kChallenge, std::move(verdict));
  }
}

}  // namespace

// A verified client certificate decides alone: it must name this DeviceId (tls.h
// CertificateNamesDevice); one naming another device is refused, never passed on to password
// checks.
AuthResult CpeAuthenticator::ByCertificate(const AuthRequest& request) const {
  if (!net::CertificateNamesDevice(*request.certificate, request.key)) {
    return Refused(Action::kForbidden,
                   {Kind::kIdentityMismatch, AuthVia::kCertificate, "the client certificate names another device"},
                   "the TLS client certificate does not name this device");
  }
  AuthResult r;
  r.action = Action::kAdmit;
  r.verdict = {Kind::kOk, AuthVia::kCertificate, ""};
  return r;
}

asio::awaitable<AuthResult> CpeAuthenticator::Authenticate(const AuthRequest& request, CredentialLookup& lookup) {
  if (request.certificate != nullptr) co_return ByCertificate(request);
  if (request.authorization.empty()) {
    AuthResult r;
    r.action = Action::kChallenge;
    r.verdict = {Kind::kWrong, AuthVia::kOnboarding, "no credentials"};
    co_return r;
  }
  auto header = cwmp::ParseAuthorization(request.authorization);
  if (!header) {
    co_return Refused(Action::kBadRequest, {Kind::kMalformed, AuthVia::kOnboarding, "malformed Authorization header"},
                      "malformed Authorization header");
  }
  // Step 1: whose username is it (a device's own, or the onboarding one)?
  std::optional<db::DeviceCredentials> owner;
  const bool shared_name =
      config_.onboarding == config::Onboarding::kShared && header->username == config_.onboarding_username;
  if (!shared_name) {
    if (auto cached = cache_.FindOwner(header->username)) {
      owner = std::move(*cached);
    } else {
      std::string username = header->username;
      auto found = co_await lookup.FindCredentialsByUsername(std::move(username));
      if (found.ok()) {
        owner = std::move(*found);
      } else if (found.error().code != ErrorCode::kNotFound) {
        co_return Unavailable("credential lookup failed: " + found.error().message);
      }
      cache_.PutOwner(header->username, owner);
    }
  }
  AuthVerdict verdict = VerifyCredentials(config_, digest_, *header, request.method, request.uri, owner, request.key);
  // Step 2: may the onboarding credential be used for this device?
  if (verdict.kind == Kind::kOk && verdict.via == AuthVia::kOnboarding) {
    std::optional<DeviceAuthState> state = cache_.FindState(request.key);
    if (!state) {
      db::DeviceKey key = request.key;
      auto device = co_await lookup.FindDevice(std::move(key));
      if (device.ok()) {
        state =
            DeviceAuthState{device->id, device->active_credential.has_value(), device->pending_credential.has_value()};
        cache_.PutState(request.key, *state);
      } else if (device.error().code != ErrorCode::kNotFound) {
        co_return Unavailable("device lookup failed: " + device.error().message);
      }
    }
    verdict = AdmitOnboarding(config_, state, request.bootstrap);
  }
  if (verdict.kind != Kind::kOk) {
    AuthResult r = RefusalOf(std::move(verdict));
    r.username = header->username;
    co_return r;
  }
  AuthResult r;
  r.action = Action::kAdmit;
  r.verdict = std::move(verdict);
  r.owner = std::move(owner);
  r.username = header->username;
  co_return r;
}

}  // namespace ruru::acs::endpoint
