// Unit tests of acs/ modules' pure parts: configuration, metrics, secret box, Inform mapping and
// the CPE authentication decision.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "acs/access/secret_box.h"
#include "acs/config/config.h"
#include "acs/endpoint/cpe_auth.h"
#include "acs/endpoint/inform_mapping.h"
#include "acs/metrics/metrics.h"
#include "acs/net/tls.h"
#include "base/clock.h"
#include "cwmp/http_auth.h"

namespace ruru::acs {
namespace {

using namespace std::chrono_literals;

// ---- configuration ---------------------------------------------------------------------------

TEST(Config, DefaultsNeedADsn) {
  auto c = config::LoadConfig("", {}, {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("database.dsn"), std::string::npos) << c.error().message;
}

TEST(Config, PrecedenceFlagOverEnvOverFile) {
  const std::string path = ::testing::TempDir() + "/acsd_test.conf";
  {
    std::ofstream out(path);
    out << "# comment\n[database]\ndsn = host=/tmp dbname=a\n[cwmp]\nlisten = 127.0.0.1:1000\nmax_sessions = 7\n"
        << "[credentials]\nrotate_on_bootstrap = false\n";
  }
  auto c = config::LoadConfig(path, {{"RURU_CWMP_LISTEN", "127.0.0.1:2000"}, {"RURU_CWMP_MAX_SESSIONS", "9"}},
                              {"cwmp.listen=127.0.0.1:3000"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->cwmp.listen, "127.0.0.1:3000");  // flag
  EXPECT_EQ(c->cwmp.max_sessions, 9u);          // env over file
  EXPECT_EQ(c->database.dsn, "host=/tmp dbname=a");
  EXPECT_FALSE(c->credentials.rotate_on_bootstrap);
  std::remove(path.c_str());
}

TEST(Config, TypedValuesAndErrorsNameTheKey) {
  config::Config base;
  auto c =
      config::ParseConfigText("[cwmp]\nread_timeout = 250ms\nidle_timeout = 2m\nauth = both\nonboarding = open\n", "t");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->cwmp.read_timeout, 0s);  // 250 ms truncates to whole seconds for a seconds field
  EXPECT_EQ(c->cwmp.idle_timeout, 120s);
  EXPECT_EQ(c->cwmp.auth, config::AuthOffer::kBoth);
  EXPECT_EQ(c->cwmp.onboarding, config::Onboarding::kOpen);

  for (const auto& [text, expect] : std::vector<std::pair<std::string, std::string>>{
           {"[cwmp]\nmax_sessions = lots\n", "t:2: cwmp.max_sessions"},
           {"[cwmp]\nauth = kerberos\n", "not one of"},
           {"[cwmp]\nnope = 1\n", "unknown key 'cwmp.nope'"},
           {"listen = 1\n", "outside a [section]"},
           {"[cwmp\n", "bad section"},
           {"[cwmp]\nidle_timeout = 5 parsecs\n", "duration"},
           {"[cwmp]\nallow_basic = maybe\n", "boolean"}}) {
    auto bad = config::ParseConfigText(text, "t");
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_NE(bad.error().message.find(expect), std::string::npos) << bad.error().message;
  }
}

TEST(Config, ValidateCrossFieldRules) {
  config::Config c;
  c.database.dsn = "x";
  c.credentials.key_file = "/k";
  EXPECT_TRUE(config::Validate(c).ok());
  c.cwmp.listen = "nonsense";
  EXPECT_FALSE(config::Validate(c).ok());
  c.cwmp.listen = "[::1]:7547";
  EXPECT_TRUE(config::Validate(c).ok());
  c.credentials.key_file.clear();
  EXPECT_FALSE(config::Validate(c).ok());  // rotation needs a key
  c.credentials.rotate_on_bootstrap = false;
  EXPECT_TRUE(config::Validate(c).ok());
  c.cwmp.unknown_devices = config::UnknownDevices::kRegister;  // shared onboarding without a username
  EXPECT_FALSE(config::Validate(c).ok());
  c.cwmp.onboarding = config::Onboarding::kOpen;
  EXPECT_TRUE(config::Validate(c).ok());
  c.log.level = "loud";
  EXPECT_FALSE(config::Validate(c).ok());
}

TEST(Config, TlsSettingsGoTogether) {
  config::Config c;
  c.database.dsn = "x";
  c.credentials.key_file = "/k";
  c.cwmp.tls_cert_file = "/c.pem";
  EXPECT_NE(config::Validate(c).error().message.find("cwmp.tls_cert_file and cwmp.tls_key_file go together"),
            std::string::npos);
  c.cwmp.tls_key_file = "/k.pem";
  EXPECT_TRUE(config::Validate(c).ok());
  c.cwmp.tls_client_certs = config::ClientCerts::kRequired;
  EXPECT_NE(config::Validate(c).error().message.find("tls_client_ca_file"), std::string::npos);
  c.cwmp.tls_client_ca_file = "/ca.pem";
  EXPECT_TRUE(config::Validate(c).ok());
  c.cwmp.tls_client_crl_file = "/crl.pem";
  EXPECT_TRUE(config::Validate(c).ok());
  c.cwmp.tls_client_certs = config::ClientCerts::kOff;  // a CRL without client certificates means nothing
  EXPECT_NE(config::Validate(c).error().message.find("cwmp.tls_client_crl_file needs"), std::string::npos);
  c.cwmp.tls_client_crl_file.clear();
  c.cwmp.tls_ticket_key_file = "/ticket.key";
  EXPECT_TRUE(config::Validate(c).ok());
  c.cwmp.tls_client_certs = config::ClientCerts::kRequired;
  c.cwmp.tls_cert_file.clear();
  c.cwmp.tls_key_file.clear();
  EXPECT_FALSE(config::Validate(c).ok());  // client certificates without HTTPS
  c.cwmp.tls_client_certs = config::ClientCerts::kOff;
  c.admin.tls_key_file = "/k.pem";
  EXPECT_FALSE(config::Validate(c).ok());
  auto parsed = config::ParseConfigText("[cwmp]\ntls_client_certs = optional\ntls_min_version = 1.3\n", "t");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->cwmp.tls_client_certs, config::ClientCerts::kOptional);
  EXPECT_EQ(parsed->cwmp.tls_min_version, "1.3");
  EXPECT_FALSE(config::ParseConfigText("[cwmp]\ntls_min_version = 1.1\n", "t").ok());
  EXPECT_FALSE(config::ParseConfigText("[cwmp]\ntls_client_certs = sometimes\n", "t").ok());
}

TEST(Tls, ACertificateNamesItsDeviceByCnOrSerialNumberAttributeExactly) {
  const db::DeviceKey key{"00D09E", "RR-5000", "S123"};
  auto cert = [](std::string cn, std::string serial = "") {
    return net::PeerCertificate{std::move(cn), std::move(serial), ""};
  };
  EXPECT_TRUE(net::CertificateNamesDevice(cert("00D09E-S123"), key));
  EXPECT_TRUE(net::CertificateNamesDevice(cert("00D09E-RR-5000-S123"), key));
  EXPECT_TRUE(net::CertificateNamesDevice(cert("whatever", "00D09E-S123"), key));
  EXPECT_FALSE(net::CertificateNamesDevice(cert("00D09E-S1234"), key));
  EXPECT_FALSE(net::CertificateNamesDevice(cert("00d09e-S123"), key));  // case-sensitive
  EXPECT_FALSE(net::CertificateNamesDevice(cert("S123"), key));         // a serial alone is not unique
  EXPECT_FALSE(net::CertificateNamesDevice(cert(""), key));
  EXPECT_FALSE(net::CertificateNamesDevice(cert("00D09E-S123"), db::DeviceKey{"00D09E", "RR-5000", ""}));
  EXPECT_FALSE(net::CertificateNamesDevice(cert("00D09E--S123"), db::DeviceKey{"00D09E", "", "S123"}));
}

TEST(Tls, LoadFailsClearlyOnMissingFiles) {
  net::TlsSettings t;
  t.cert_file = "/nonexistent/cert.pem";
  t.key_file = "/nonexistent/key.pem";
  auto loaded = net::TlsServer::Load("cwmp", t);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("cwmp TLS: certificate /nonexistent/cert.pem"), std::string::npos)
      << loaded.error().message;
}

TEST(Config, HostPort) {
  auto a = config::ParseHostPort("127.0.0.1:7547");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 7547);
  auto b = config::ParseHostPort("[::1]:80");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_FALSE(config::ParseHostPort("::1:80").ok());
  EXPECT_FALSE(config::ParseHostPort("h:70000").ok());
  EXPECT_FALSE(config::ParseHostPort(":80").ok());
}

TEST(Config, DumpHidesSecretsAndKeysAreDocumented) {
  config::Config c;
  c.database.dsn = "password=hunter2";
  c.cwmp.onboarding_password = "s3cret";
  const std::string text = config::Dump(c);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_NE(text.find("dsn = <set>"), std::string::npos);
  // Dump output parses back.
  auto again = config::ParseConfigText(text, "dump");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->cwmp.max_sessions, c.cwmp.max_sessions);
  for (const auto& k : config::ConfigKeys()) {
    EXPECT_FALSE(k.help.empty()) << k.key;
    EXPECT_EQ(k.env.rfind("RURU_", 0), 0u);
  }
}

// ---- metrics ---------------------------------------------------------------------------------

TEST(Metrics, RendersPrometheusText) {
  metrics::MetricsRegistry m;
  m.GetCounter("ruru_x_total", "xs", {{"outcome", "ok"}}).Inc(3);
  m.GetCounter("ruru_x_total", "xs", {{"outcome", "fail"}}).Inc();
  m.GetCounter("ruru_x_total", "xs", {{"outcome", "ok"}}).Inc();  // same series
  m.GetGauge("ruru_g", "g").Set(-2);
  auto& h = m.GetHistogram("ruru_h_seconds", "h", {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  m.AddCallbackGauge("ruru_cb", "cb", [] { return 1.5; });
  m.AddCollector([] { return std::string("# TYPE ruru_raw counter\nruru_raw 1\n"); });
  const std::string t = m.Render();
  EXPECT_NE(t.find("# TYPE ruru_x_total counter\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ruru_x_total{outcome=\"ok\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ruru_x_total{outcome=\"fail\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ruru_g -2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ruru_h_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ruru_h_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ruru_h_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ruru_h_seconds_count 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ruru_h_seconds_sum 5.55\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ruru_cb 1.5\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ruru_raw 1\n"), std::string::npos) << t;
}

// ---- secret box ------------------------------------------------------------------------------

TEST(SecretBox, SealOpenRotateAndTamper) {
  auto k1 = access::SecretBox::DecodeHexKey(std::string(64, 'a'));
  auto k2 = access::SecretBox::DecodeHexKey(std::string(64, 'b'));
  ASSERT_TRUE(k1.ok() && k2.ok());
  auto box1 = access::SecretBox::Create("k1", *k1);
  ASSERT_TRUE(box1.ok());
  const auto sealed = box1->Seal("connreq-password", "cr:42");
  EXPECT_EQ(sealed.key_id, "k1");
  EXPECT_EQ(sealed.ciphertext.find("connreq-password"), std::string::npos);
  auto opened = box1->Open("k1", sealed.ciphertext, "cr:42");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(*opened, "connreq-password");
  // Two seals of one secret differ (random nonce).
  EXPECT_NE(box1->Seal("connreq-password", "cr:42").ciphertext, sealed.ciphertext);
  // Another device's context, a flipped bit, a truncation: refused.
  EXPECT_FALSE(box1->Open("k1", sealed.ciphertext, "cr:43").ok());
  std::string flipped = sealed.ciphertext;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_FALSE(box1->Open("k1", flipped, "cr:42").ok());
  EXPECT_FALSE(box1->Open("k1", sealed.ciphertext.substr(0, 10), "cr:42").ok());
  EXPECT_FALSE(box1->Open("k9", sealed.ciphertext, "cr:42").ok());
  // Rotation: the new box seals with k2 and still opens k1's ciphertexts.
  auto box2 = access::SecretBox::Create("k2", *k2, {{"k1", *k1}});
  ASSERT_TRUE(box2.ok());
  EXPECT_EQ(box2->Seal("x", "c").key_id, "k2");
  auto old = box2->Open("k1", sealed.ciphertext, "cr:42");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, "connreq-password");
  EXPECT_FALSE(access::SecretBox::DecodeHexKey("abc").ok());
  EXPECT_FALSE(access::SecretBox::DecodeHexKey(std::string(64, 'g')).ok());
}

TEST(SecretBox, RandomTokensAreDistinctAndUrlSafe) {
  const std::string a = access::RandomToken(24), b = access::RandomToken(24);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << a;
  EXPECT_EQ(access::RandomHex(4).size(), 8u);
}

// ---- Inform mapping --------------------------------------------------------------------------

cwmp::Inform Tr181Inform() {
  cwmp::Inform in;
  in.device_id = {"Ruru", "00D09E", "RR-181", "SN0001"};
  in.events = {{cwmp::EventCode::FromText("0 BOOTSTRAP"), ""}, {cwmp::EventCode::FromText("1 BOOT"), ""}};
  in.parameters = {
      {"Device.RootDataModelVersion", cwmp::ParameterValue::String("2.17")},
      {"Device.DeviceInfo.HardwareVersion", cwmp::ParameterValue::String("hw1")},
      {"Device.DeviceInfo.SoftwareVersion", cwmp::ParameterValue::String("1.2.3")},
      {"Device.DeviceInfo.ProvisioningCode", cwmp::ParameterValue::String("")},
      {"Device.ManagementServer.ParameterKey", cwmp::ParameterValue::String("pk")},
      {"Device.ManagementServer.ConnectionRequestURL", cwmp::ParameterValue::String("http://10.0.0.1:7548/cr")},
      {"Device.ManagementServer.PeriodicInformInterval", cwmp::ParameterValue::UnsignedInt(300)},
      {"Device.IP.Interface.1.IPv4Address.1.IPAddress", cwmp::ParameterValue::String("100.64.1.2")},
  };
  return in;
}

TEST(InformMapping, Tr181SummaryFields) {
  const auto now = Clock::TimePoint(std::chrono::hours(500000));
  db::InformWrite w = endpoint::MapInform(Tr181Inform(), "::ffff:127.1.0.5", now);
  EXPECT_EQ(w.key, (db::DeviceKey{"00D09E", "RR-181", "SN0001"}));
  EXPECT_EQ(w.manufacturer, "Ruru");
  EXPECT_EQ(w.data_model, "Device");
  EXPECT_EQ(w.hardware_version, "hw1");
  EXPECT_EQ(w.software_version, "1.2.3");
  EXPECT_EQ(w.provisioning_code, "");
  EXPECT_EQ(w.parameter_key, "pk");
  EXPECT_EQ(w.connection_request_url, "http://10.0.0.1:7548/cr");
  EXPECT_EQ(w.periodic_inform_interval, 300u);
  EXPECT_EQ(w.wan_ip, "100.64.1.2");
  EXPECT_EQ(w.peer_ip, "127.1.0.5");
  EXPECT_EQ(w.received_at, now);
  ASSERT_EQ(w.events.size(), 2u);
  EXPECT_EQ(w.events[0].code, "0 BOOTSTRAP");
  ASSERT_EQ(w.parameters.size(), 8u);
  EXPECT_EQ(w.parameters[6].type, "unsignedInt");
  EXPECT_FALSE(w.model_name.has_value());
}

TEST(InformMapping, Tr098AndBadValuesLeftOut) {
  cwmp::Inform in;
  in.device_id = {"Ruru", "00D09E", "RR-098", "SN2"};
  in.parameters = {
      {"InternetGatewayDevice.DeviceInfo.SoftwareVersion", cwmp::ParameterValue::String("9")},
      {"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress",
       cwmp::ParameterValue::String("not-an-ip")},
      {"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.ExternalIPAddress",
       cwmp::ParameterValue::String("2001:db8::1")},
      {"InternetGatewayDevice.ManagementServer.PeriodicInformInterval", cwmp::ParameterValue::String("often")},
  };
  db::InformWrite w = endpoint::MapInform(in, "127.0.0.1", {});
  EXPECT_EQ(w.data_model, "InternetGatewayDevice");
  EXPECT_EQ(w.software_version, "9");
  EXPECT_EQ(w.wan_ip, "2001:db8::1");
  EXPECT_FALSE(w.periodic_inform_interval.has_value());
  EXPECT_FALSE(w.hardware_version.has_value());
  EXPECT_FALSE(endpoint::DataModelRoot(cwmp::Inform{}).has_value());
  EXPECT_TRUE(endpoint::HasEvent(Tr181Inform(), "1 BOOT"));
  EXPECT_FALSE(endpoint::HasEvent(Tr181Inform(), "2 PERIODIC"));
  EXPECT_TRUE(endpoint::IsIpAddress("10.1.2.3"));
  EXPECT_FALSE(endpoint::IsIpAddress("10.1.2.300"));
  EXPECT_EQ(endpoint::NormalizePeerAddress("::1"), "::1");
}

// ---- CPE authentication ----------------------------------------------------------------------

class CpeAuthTest : public ::testing::Test {
 protected:
  ManualClock clock_{Clock::TimePoint(std::chrono::hours(24 * 365 * 56))};
  cwmp::DigestServer digest_{"ruru", std::string(32, 'n'), clock_, 300s};
  config::CwmpConfig config_;
  const db::DeviceKey key_{"00D09E", "RR", "SN1"};

  db::CredentialVerifier Verifier(const std::string& user, const std::string& password) {
    return {user, cwmp::DigestHa1(cwmp::DigestAlgorithm::kMd5, user, "ruru", password),
            cwmp::DigestHa1(cwmp::DigestAlgorithm::kSha256, user, "ruru", password)};
  }
  cwmp::AuthorizationHeader DigestHeader(const std::string& user, const std::string& password,
                                         cwmp::DigestAlgorithm a = cwmp::DigestAlgorithm::kMd5) {
    auto c = cwmp::ParseWwwAuthenticate(digest_.Challenge(false, a));
    EXPECT_TRUE(c.ok());
    cwmp::DigestClient client(*c, user, password);
    auto h = cwmp::ParseAuthorization(client.Authorization("POST", "/"));
    EXPECT_TRUE(h.ok());
    return *h;
  }
  cwmp::AuthorizationHeader BasicHeader(const std::string& user, const std::string& password) {
    return *cwmp::ParseAuthorization(cwmp::BasicAuthorization(user, password));
  }
  endpoint::AuthVerdict Verify(const cwmp::AuthorizationHeader& h, const std::optional<db::DeviceCredentials>& owner,
                               const db::DeviceKey& key) {
    return endpoint::VerifyCredentials(config_, digest_, h, "POST", "/", owner, key);
  }
};

TEST_F(CpeAuthTest, OwnCredentialsActiveAndPending) {
  db::DeviceCredentials owner{7, key_, Verifier("dev-a", "pa"), Verifier("dev-b", "pb")};
  auto v = Verify(DigestHeader("dev-a", "pa"), owner, key_);
  EXPECT_EQ(v.kind, endpoint::AuthVerdict::Kind::kOk);
  EXPECT_EQ(v.via, endpoint::AuthVia::kActive);
  v = Verify(DigestHeader("dev-b", "pb", cwmp::DigestAlgorithm::kSha256), owner, key_);
  EXPECT_EQ(v.kind, endpoint::AuthVerdict::Kind::kOk);
  EXPECT_EQ(v.via, endpoint::AuthVia::kPending);
  v = Verify(BasicHeader("dev-a", "pa"), owner, key_);
  EXPECT_EQ(v.kind, endpoint::AuthVerdict::Kind::kOk);
  EXPECT_EQ(Verify(DigestHeader("dev-a", "wrong"), owner, key_).kind, endpoint::AuthVerdict::Kind::kWrong);
  EXPECT_EQ(Verify(BasicHeader("dev-a", "wrong"), owner, key_).kind, endpoint::AuthVerdict::Kind::kWrong);
  // The old password of a rotated username is just a wrong password.
  EXPECT_EQ(Verify(DigestHeader("dev-b", "pa"), owner, key_).kind, endpoint::AuthVerdict::Kind::kWrong);
  config_.allow_basic = false;
  EXPECT_EQ(Verify(BasicHeader("dev-a", "pa"), owner, key_).kind, endpoint::AuthVerdict::Kind::kWrong);
}

TEST_F(CpeAuthTest, OwnCredentialForAnotherDeviceIdIsRefused) {
  db::DeviceCredentials owner{7, key_, Verifier("dev-a", "pa"), std::nullopt};
  const db::DeviceKey other{"00D09E", "RR", "SN2"};
  auto v = Verify(DigestHeader("dev-a", "pa"), owner, other);
  EXPECT_EQ(v.kind, endpoint::AuthVerdict::Kind::kIdentityMismatch);
  EXPECT_NE(v.reason.find("SN2"), std::string::npos) << v.reason;
}

TEST_F(CpeAuthTest, StaleNonceIsReportedAsStale) {
  db::DeviceCredentials owner{7, key_, Verifier("dev-a", "pa"), std::nullopt};
  auto h = DigestHeader("dev-a", "pa");
  clock_.Advance(301s);
  EXPECT_EQ(Verify(h, owner, key_).kind, endpoint::AuthVerdict::Kind::kStale);
}

TEST_F(CpeAuthTest, SharedOnboardingCredential) {
  config_.onboarding = config::Onboarding::kShared;
  config_.onboarding_username = "shared";
  config_.onboarding_password = "";  // genieacs-sim: one username, empty password
  auto v = Verify(BasicHeader("shared", ""), std::nullopt, key_);
  EXPECT_EQ(v.kind, endpoint::AuthVerdict::Kind::kOk);
  EXPECT_EQ(v.via, endpoint::AuthVia::kOnboarding);
  EXPECT_EQ(Verify(DigestHeader("shared", ""), std::nullopt, key_).kind, endpoint::AuthVerdict::Kind::kOk);
  EXPECT_EQ(Verify(BasicHeader("shared", "x"), std::nullopt, key_).kind, endpoint::AuthVerdict::Kind::kWrong);
  EXPECT_EQ(Verify(BasicHeader("someone", ""), std::nullopt, key_).kind, endpoint::AuthVerdict::Kind::kWrong);
  config_.onboarding = config::Onboarding::kOff;
  EXPECT_EQ(Verify(BasicHeader("shared", ""), std::nullopt, key_).kind, endpoint::AuthVerdict::Kind::kWrong);
  config_.onboarding = config::Onboarding::kOpen;
  EXPECT_EQ(Verify(BasicHeader("anyone", "anything"), std::nullopt, key_).kind, endpoint::AuthVerdict::Kind::kOk);
  EXPECT_EQ(Verify(DigestHeader("anyone", "anything"), std::nullopt, key_).kind, endpoint::AuthVerdict::Kind::kOk);
}

TEST_F(CpeAuthTest, OnboardingOnlyForNewDevicesDevicesWithoutCredentialsOrBootstrap) {
  config_.unknown_devices = config::UnknownDevices::kRegister;
  EXPECT_EQ(endpoint::AdmitOnboarding(config_, std::nullopt, false).kind, endpoint::AuthVerdict::Kind::kOk);
  EXPECT_EQ(endpoint::AdmitOnboarding(config_, endpoint::DeviceAuthState{1, false, false}, false).kind,
            endpoint::AuthVerdict::Kind::kOk);
  EXPECT_EQ(endpoint::AdmitOnboarding(config_, endpoint::DeviceAuthState{1, true, false}, false).kind,
            endpoint::AuthVerdict::Kind::kOnboardingRefused);
  EXPECT_EQ(endpoint::AdmitOnboarding(config_, endpoint::DeviceAuthState{1, true, false}, true).kind,
            endpoint::AuthVerdict::Kind::kOk);
  config_.unknown_devices = config::UnknownDevices::kReject;
  EXPECT_EQ(endpoint::AdmitOnboarding(config_, std::nullopt, false).kind, endpoint::AuthVerdict::Kind::kUnknownRefused);
}

TEST(CredentialCache, EntriesExpireAfterTheTtlInTheClocksTime) {
  ManualClock clock;
  endpoint::CredentialCache cache(clock, std::chrono::milliseconds(50), 16);
  cache.PutOwner("u", std::nullopt);
  cache.PutState({"a", "b", "c"}, endpoint::DeviceAuthState{5, true, false});
  clock.Advance(std::chrono::milliseconds(49));
  EXPECT_TRUE(cache.FindOwner("u").has_value());
  EXPECT_TRUE(cache.FindState({"a", "b", "c"}).has_value());
  clock.Advance(std::chrono::milliseconds(1));
  EXPECT_FALSE(cache.FindOwner("u").has_value());
  EXPECT_FALSE(cache.FindState({"a", "b", "c"}).has_value());
  cache.PutOwner("u", std::nullopt);  // a new entry gets a new TTL
  clock.Advance(std::chrono::milliseconds(30));
  EXPECT_TRUE(cache.FindOwner("u").has_value());
}

TEST(CredentialCache, NegativeEntriesEraseAndLruBound) {
  ManualClock clock;
  endpoint::CredentialCache cache(clock, std::chrono::milliseconds(50), 16);
  EXPECT_FALSE(cache.FindOwner("u").has_value());
  cache.PutOwner("u", std::nullopt);  // "no such username" is cached too
  auto hit = cache.FindOwner("u");
  ASSERT_TRUE(hit.has_value());
  EXPECT_FALSE(hit->has_value());
  cache.EraseOwner("u");
  EXPECT_FALSE(cache.FindOwner("u").has_value());
  cache.PutState({"a", "b", "c"}, endpoint::DeviceAuthState{5, true, false});
  ASSERT_TRUE(cache.FindState({"a", "b", "c"}).has_value());
  EXPECT_FALSE(cache.FindState({"a", "b", "d"}).has_value());
  for (int i = 0; i < 100; ++i) cache.PutOwner("user" + std::to_string(i), std::nullopt);
  EXPECT_LE(cache.size(), 16u + 1u);
  EXPECT_TRUE(cache.FindOwner("user99").has_value());
  EXPECT_FALSE(cache.FindOwner("user0").has_value());  // evicted (least recently used)
}

}  // namespace
}  // namespace ruru::acs
