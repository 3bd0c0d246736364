// CPE authentication as one call (acs/endpoint/authenticator.h): the decisions of cpe_auth.h, the
// credential cache in simulated time, and the inventory look-ups through a fake that counts them
// and can fail. Runs the coroutine on a real io_context; no network, no database.
#include "acs/endpoint/authenticator.h"

#include <gtest/gtest.h>

#include <map>

#include "base/clock.h"
#include "cwmp/http_auth.h"

namespace ruru::acs::endpoint {
namespace {

using namespace std::chrono_literals;
using Action = AuthResult::Action;
using Kind = AuthVerdict::Kind;

class FakeLookup final : public CredentialLookup {
 public:
  asio::awaitable<Result<db::DeviceCredentials>> FindCredentialsByUsername(std::string username) override {
    ++by_username;
    if (fail) co_return Unavailable("database down");
    for (const auto& [id, c] : credentials) {
      if ((c.active && c.active->username == username) || (c.pending && c.pending->username == username)) co_return c;
    }
    co_return NotFound("no such username");
  }
  asio::awaitable<Result<db::Device>> FindDevice(db::DeviceKey key) override {
    ++by_key;
    if (fail) co_return Unavailable("database down");
    for (const auto& [id, c] : credentials) {
      if (c.key == key) {
        db::Device d;
        d.id = id;
        d.key = key;
        d.active_credential = c.active;
        d.pending_credential = c.pending;
        co_return d;
      }
    }
    co_return NotFound("no such device");
  }
  std::map<int64_t, db::DeviceCredentials> credentials;
  int by_username = 0;
  int by_key = 0;
  bool fail = false;
};

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest() {
    config_.realm = "ruru";
    config_.allow_basic = true;
    config_.onboarding = config::Onboarding::kShared;
    config_.onboarding_username = "onboard";
    config_.onboarding_password = "shared-secret";
    config_.unknown_devices = config::UnknownDevices::kRegister;
  }
  // Device 1 ("A-B-1") has its own credential dev1/pw1.
  void AddDeviceWithOwnCredential() {
    db::DeviceCredentials c;
    c.device_id = 1;
    c.key = {"A", "B", "1"};
    c.active = db::CredentialVerifier{"dev1", cwmp::DigestHa1(cwmp::DigestAlgorithm::kMd5, "dev1", "ruru", "pw1"),
                                      cwmp::DigestHa1(cwmp::DigestAlgorithm::kSha256, "dev1", "ruru", "pw1")};
    lookup_.credentials[1] = c;
  }
  AuthResult Run(const std::string& user, const std::string& password, db::DeviceKey key, bool bootstrap = false) {
    AuthRequest r;
    r.authorization = cwmp::BasicAuthorization(user, password);
    r.method = "POST";
    r.uri = "/";
    r.key = std::move(key);
    r.bootstrap = bootstrap;
    return RunRequest(r);
  }
  AuthResult RunRequest(const AuthRequest& r) {
    asio::io_context ioc;
    auto future = asio::co_spawn(ioc, auth_.Authenticate(r, lookup_), asio::use_future);
    ioc.run();
    return future.get();
  }

  ManualClock clock_{Clock::TimePoint(std::chrono::seconds(1767225600))};
  config::CwmpConfig config_;
  cwmp::DigestServer digest_{"ruru", std::string(32, 'n'), clock_};
  CredentialCache cache_{clock_, std::chrono::seconds(30), 1000};
  CpeAuthenticator auth_{config_, digest_, cache_};
  FakeLookup lookup_;
};

TEST_F(AuthenticatorTest, TheOnboardingCredentialAdmitsNewDevicesAndDevicesWithoutTheirOwn) {
  AuthResult r = Run("onboard", "shared-secret", {"A", "B", "9"});  // not in the inventory
  EXPECT_EQ(r.action, Action::kAdmit);
  EXPECT_EQ(r.verdict.via, AuthVia::kOnboarding);
  EXPECT_EQ(lookup_.by_key, 1);
  EXPECT_EQ(lookup_.by_username, 0) << "the shared onboarding username is never looked up";
  EXPECT_EQ(Run("onboard", "shared-secret", {"A", "B", "9"}).action, Action::kAdmit);
  EXPECT_EQ(lookup_.by_key, 2) << "an unknown device is not cached (the Inform's write caches it)";
}

TEST_F(AuthenticatorTest, ADevicesStateIsCachedForTheTtlInTheClocksTime) {
  db::DeviceCredentials known;  // in the inventory, without credentials of its own yet
  known.device_id = 2;
  known.key = {"A", "B", "2"};
  lookup_.credentials[2] = known;
  EXPECT_EQ(Run("onboard", "shared-secret", {"A", "B", "2"}).action, Action::kAdmit);
  EXPECT_EQ(lookup_.by_key, 1);
  clock_.Advance(29s);
  EXPECT_EQ(Run("onboard", "shared-secret", {"A", "B", "2"}).action, Action::kAdmit);
  EXPECT_EQ(lookup_.by_key, 1) << "asked the inventory again within the cache TTL";
  clock_.Advance(1s);
  EXPECT_EQ(Run("onboard", "shared-secret", {"A", "B", "2"}).action, Action::kAdmit);
  EXPECT_EQ(lookup_.by_key, 2) << "the cached state outlived its TTL in the clock's time";
}

TEST_F(AuthenticatorTest, ADevicesOwnCredentialAdmitsThatDeviceOnlyAndIsLookedUpOncePerTtl) {
  AddDeviceWithOwnCredential();
  AuthResult ok = Run("dev1", "pw1", {"A", "B", "1"});
  EXPECT_EQ(ok.action, Action::kAdmit);
  EXPECT_EQ(ok.verdict.via, AuthVia::kActive);
  ASSERT_TRUE(ok.owner.has_value());
  EXPECT_EQ(ok.owner->device_id, 1);
  AuthResult other = Run("dev1", "pw1", {"A", "B", "2"});
  EXPECT_EQ(other.action, Action::kChallenge);
  EXPECT_EQ(other.verdict.kind, Kind::kIdentityMismatch);
  EXPECT_TRUE(other.counted);
  AuthResult wrong = Run("dev1", "not-pw1", {"A", "B", "1"});
  EXPECT_EQ(wrong.action, Action::kChallenge);
  EXPECT_EQ(wrong.verdict.kind, Kind::kWrong);
  EXPECT_EQ(lookup_.by_username, 1) << "the owner of dev1 is cached";
}

TEST_F(AuthenticatorTest, TheOnboardingCredentialReOnboardsADeviceWithItsOwnOnlyWithBootstrap) {
  AddDeviceWithOwnCredential();
  AuthResult refused = Run("onboard", "shared-secret", {"A", "B", "1"});
  EXPECT_EQ(refused.action, Action::kChallenge);
  EXPECT_EQ(refused.verdict.kind, Kind::kOnboardingRefused);
  AuthResult bootstrap = Run("onboard", "shared-secret", {"A", "B", "1"}, true);
  EXPECT_EQ(bootstrap.action, Action::kAdmit);
  EXPECT_EQ(bootstrap.verdict.via, AuthVia::kOnboarding);
}

TEST_F(AuthenticatorTest, AnInventoryThatCannotBeAskedAdmitsNobodyAndCachesNothing) {
  AddDeviceWithOwnCredential();
  lookup_.fail = true;
  EXPECT_EQ(Run("onboard", "shared-secret", {"A", "B", "9"}).action, Action::kUnavailable);
  EXPECT_EQ(Run("dev1", "pw1", {"A", "B", "1"}).action, Action::kUnavailable);
  EXPECT_EQ(lookup_.by_username, 1);
  lookup_.fail = false;
  // Had the failure been cached as "no such username", dev1 would now be challenged.
  AuthResult r = Run("dev1", "pw1", {"A", "B", "1"});
  EXPECT_EQ(r.action, Action::kAdmit);
  EXPECT_EQ(lookup_.by_username, 2);
}

TEST_F(AuthenticatorTest, MalformedHeadersUnknownDevicesAndMissingCredentialsGetTheirOwnAnswers) {
  AuthRequest bad;
  bad.authorization = "Digest this is not a header";
  bad.method = "POST";
  bad.uri = "/";
  bad.key = {"A", "B", "9"};
  AuthResult r = RunRequest(bad);
  EXPECT_EQ(r.action, Action::kBadRequest);
  EXPECT_TRUE(r.counted);
  AuthRequest none = bad;
  none.authorization.clear();
  AuthResult challenge = RunRequest(none);
  EXPECT_EQ(challenge.action, Action::kChallenge);
  EXPECT_FALSE(challenge.counted) << "a first request without credentials is a challenge, not a failure";
  config_.unknown_devices = config::UnknownDevices::kReject;
  AuthResult unknown = Run("onboard", "shared-secret", {"A", "B", "404"});
  EXPECT_EQ(unknown.action, Action::kForbidden);
  EXPECT_EQ(unknown.verdict.kind, Kind::kUnknownRefused);
}

TEST_F(AuthenticatorTest, AClientCertificateDecidesAloneAndMustNameTheDevice) {
  net::PeerCertificate cert;
  cert.common_name = "A-1";
  AuthRequest r;
  r.certificate = &cert;
  r.authorization = cwmp::BasicAuthorization("onboard", "shared-secret");  // ignored
  r.key = {"A", "B", "1"};
  EXPECT_EQ(RunRequest(r).action, Action::kAdmit);
  r.key = {"A", "B", "2"};
  AuthResult other = RunRequest(r);
  EXPECT_EQ(other.action, Action::kForbidden);
  EXPECT_EQ(other.verdict.kind, Kind::kIdentityMismatch);
  EXPECT_EQ(lookup_.by_key + lookup_.by_username, 0);
}

}  // namespace
}  // namespace ruru::acs::endpoint
