// acsd end to end: the real acsd binary on a fresh PostgreSQL database, driven by cpesim fleets
// and hand-made CWMP requests over loopback sockets. See tests/acs/acsd_harness.h.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "cwmp/codec.h"
#include "cwmp/http_auth.h"
#include "db/pg/pg_inventory.h"
#include "tests/acs/acsd_harness.h"
#include "tests/support/test_paths.h"

namespace ruru::testing {
namespace {

using nlohmann::json;

// A CWMP Inform as a CPE would send it.
std::string InformXml(const std::string& serial, const std::vector<std::string>& events,
                      const std::string& product_class = "RR-181", const std::string& oui = "00D09E") {
  cwmp::Envelope env;
  env.ns = cwmp::Namespace::kCwmp12;
  env.id = "1";
  cwmp::Inform in;
  in.device_id = {"Ruru", oui, product_class, serial};
  for (const auto& e : events) in.events.push_back({cwmp::EventCode::FromText(e), ""});
  in.current_time = "2026-12-01T00:00:00Z";
  in.parameters = {{"Device.DeviceInfo.SoftwareVersion", cwmp::ParameterValue::String("9.9")},
                   {"Device.ManagementServer.ConnectionRequestURL", cwmp::ParameterValue::String("http://127.0.0.1:1/")}};
  env.body = in;
  auto xml = cwmp::Encode(env);
  EXPECT_TRUE(xml.ok());
  return xml.ok() ? *xml : "";
}

std::map<std::string, std::string> Basic(const std::string& user, const std::string& password) {
  return {{"Authorization", cwmp::BasicAuthorization(user, password)}, {"Content-Type", "text/xml"}};
}

#define COUNT(sql) std::atoll(QueryValue(sql).c_str())

// A keep-alive client connection, optionally bound to a loopback source address (a CPE's "WAN IP"),
// that keeps the session cookie.
class Client {
 public:
  Client(uint16_t port, const std::string& source = "") : conn_(port, source) {}
  bool ok() const { return conn_.ok(); }

  // POST / with `body`; returns status, headers (lower case) and body. Keeps the cookie.
  HttpResult Post(const std::string& body, const std::map<std::string, std::string>& headers = {}) {
    std::string raw = "POST / HTTP/1.1\r\nHost: acs\r\n";
    for (const auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
    if (!cookie_.empty()) raw += "Cookie: " + cookie_ + "\r\n";
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    conn_.Send(raw);
    HttpResult out = conn_.Read(std::chrono::seconds(10));
    if (auto it = out.headers.find("set-cookie"); it != out.headers.end()) cookie_ = it->second.substr(0, it->second.find(';'));
    return out;
  }

 private:
  RawHttpClient conn_;
  std::string cookie_;
};

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(RURU_FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AcsdE2e : public AcsdTest {};

constexpr char kOpen[] = "onboarding = open\nunknown_devices = register\n";

TEST_F(AcsdE2e, ThousandDevicesRegisterWithInventoryFieldsTr181AndTr098) {
  StartAcsd(kOpen);
  const std::string r181 = dir_ + "/tr181.json", r098 = dir_ + "/tr098.json";
  const pid_t a = StartCpesim({"--devices", "500", "--serial-prefix", "A", "--source-ips", "127.2.0.0/16",
                               "--model", std::string(RURU_SOURCE_DIR) + "/tests/cpesim/models/tr181-router.json",
                               "--exit-when-informed", "--duration", "90", "--max-inflight", "200"},
                              r181);
  const pid_t b = StartCpesim({"--devices", "500", "--serial-prefix", "B", "--source-ips", "127.3.0.0/16",
                               "--model", std::string(RURU_SOURCE_DIR) + "/tests/cpesim/models/tr098-router.json",
                               "--exit-when-informed", "--duration", "90", "--max-inflight", "200"},
                              r098);
  const json ra = WaitCpesim(a, r181), rb = WaitCpesim(b, r098);
  ASSERT_FALSE(ra.is_null() || rb.is_null());
  for (const json* r : {&ra, &rb}) {
    EXPECT_GE((*r)["sessions"]["completed"].get<int64_t>(), 500) << r->dump();
    EXPECT_EQ((*r)["sessions"]["failed"].get<int64_t>(), 0) << r->dump();
  }
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 1000);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE serial_number LIKE 'A%' AND data_model = 'Device'"), 500);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE serial_number LIKE 'B%' AND data_model = "
                  "'InternetGatewayDevice'"),
            500);
  // cpesim reports its source address as the WAN address: both must be stored.
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE wan_ip IS NOT NULL AND wan_ip = peer_ip AND "
                  "(peer_ip LIKE '127.2.%' OR peer_ip LIKE '127.3.%')"),
            1000);
  EXPECT_EQ(COUNT("SELECT count(DISTINCT peer_ip) FROM devices"), 1000);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE software_version <> '' AND hardware_version <> '' AND "
                  "connection_request_url LIKE 'http://%' AND manufacturer <> '' AND last_boot IS NOT NULL AND "
                  "last_bootstrap IS NOT NULL AND last_inform IS NOT NULL AND inform_count >= 1"),
            1000);
  EXPECT_GE(COUNT("SELECT count(*) FROM inform_events WHERE code = '0 BOOTSTRAP'"), 1000);
  // Every device got its own credentials, confirmed (SetParameterValuesResponse status 0).
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE cwmp_username LIKE 'ruru-%' AND cwmp_ha1_md5 IS NOT NULL AND "
                  "cr_username IS NOT NULL AND cr_password_ciphertext IS NOT NULL AND pending_cwmp_username IS NULL"),
            1000);
  EXPECT_EQ(Metric("ruru_devices_registered_total"), 1000);
  EXPECT_GE(Metric("ruru_cwmp_sessions_total{outcome=\"completed\"}"), 1000);
  EXPECT_GE(Metric("ruru_cwmp_informs_total{event=\"0 BOOTSTRAP\"}"), 1000);
  EXPECT_GE(Metric("ruru_inform_batches_total"), 1);
  EXPECT_NE(Metrics().find("ruru_inform_batch_commit_seconds_bucket"), std::string::npos);
  // The CR password is stored sealed (AES-256-GCM: version, nonce, 32 characters, tag) with its key id.
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE octet_length(cr_password_ciphertext) = 61 AND cr_key_id = 'k1'"),
            1000);
}

TEST_F(AcsdE2e, RotatedCredentialsAreUsedAndOldOnesRefusedAfterwards) {
  StartAcsd("onboarding = shared\nonboarding_username = onboard\nonboarding_password = boot-pw\n"
            "unknown_devices = register\n");
  const json r = RunCpesim({"--devices", "20", "--source-ips", "127.4.0.0/24", "--acs-username-format", "onboard",
                            "--acs-password-format", "boot-pw", "--inform-interval", "2", "--duration", "7"});
  ASSERT_FALSE(r.is_null());
  // The first session of each device uses the onboarding credential, the periodic ones after it
  // the device's own: none fails.
  EXPECT_GE(r["sessions"]["completed"].get<int64_t>(), 40) << r.dump();
  EXPECT_EQ(r["sessions"]["failed"].get<int64_t>(), 0) << r.dump();
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE cwmp_username LIKE 'ruru-%' AND pending_cwmp_username IS NULL"),
            20);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE inform_count >= 2"), 20);
  const std::string serial = QueryValue("SELECT serial_number FROM devices ORDER BY id LIMIT 1");
  const std::string pc = QueryValue("SELECT product_class FROM devices ORDER BY id LIMIT 1");
  const std::string oui = QueryValue("SELECT oui FROM devices ORDER BY id LIMIT 1");
  const std::string count_before = QueryValue("SELECT inform_count FROM devices ORDER BY id LIMIT 1");
  // The onboarding credential no longer works for that device's periodic Inform...
  HttpResult periodic = HttpRequest(cwmp_port_, "POST", "/", Basic("onboard", "boot-pw"),
                                    InformXml(serial, {"2 PERIODIC"}, pc, oui));
  EXPECT_EQ(periodic.status, 401) << periodic.body;
  EXPECT_EQ(QueryValue("SELECT inform_count FROM devices ORDER BY id LIMIT 1"), count_before);
  // ...nor does the device's old credential pattern or a wrong password.
  EXPECT_EQ(HttpRequest(cwmp_port_, "POST", "/", Basic(serial, "pw-" + serial), InformXml(serial, {"2 PERIODIC"}, pc, oui))
                .status,
            401);
  // After a factory reset (BOOTSTRAP) the onboarding credential is accepted again.
  HttpResult reset = HttpRequest(cwmp_port_, "POST", "/", Basic("onboard", "boot-pw"),
                                 InformXml(serial, {"0 BOOTSTRAP", "1 BOOT"}, pc, oui));
  EXPECT_EQ(reset.status, 200) << reset.body;
  EXPECT_GE(Metric("ruru_cwmp_auth_failures_total{reason=\"onboarding_refused\"}"), 1);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 20);  // nothing new was registered by the attempts
  EXPECT_GE(Metric("ruru_credential_rotations_total{step=\"confirmed\"}"), 20);
}

TEST_F(AcsdE2e, WrongCredentialsAreRefusedAndNothingIsStored) {
  StartAcsd("onboarding = shared\nonboarding_username = onboard\nonboarding_password = boot-pw\n"
            "unknown_devices = register\n");
  const json r = RunCpesim({"--devices", "10", "--acs-username-format", "onboard", "--acs-password-format", "nope",
                            "--duration", "3"});
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["sessions"]["completed"].get<int64_t>(), 0) << r.dump();
  EXPECT_GE(r["sessions"]["failed_by_reason"]["auth"].get<int64_t>(), 10) << r.dump();
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 0);
  EXPECT_GE(Metric("ruru_cwmp_auth_failures_total{reason=\"wrong_credentials\"}"), 10);
  // Basic with the right onboarding password works; an unknown username does not.
  EXPECT_EQ(HttpRequest(cwmp_port_, "POST", "/", Basic("onboard", "boot-pw"), InformXml("S1", {"0 BOOTSTRAP"})).status,
            200);
  EXPECT_EQ(HttpRequest(cwmp_port_, "POST", "/", Basic("someone", "boot-pw"), InformXml("S2", {"0 BOOTSTRAP"})).status,
            401);
  // No credentials at all: a Digest challenge.
  HttpResult none = HttpRequest(cwmp_port_, "POST", "/", {{"Content-Type", "text/xml"}}, InformXml("S3", {"1 BOOT"}));
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.headers["www-authenticate"].find("Digest realm=\"ruru\""), std::string::npos);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 1);
}

TEST_F(AcsdE2e, ADevicesOwnCredentialForAnotherDeviceIdIsRefused) {
  StartAcsd(kOpen);
  ASSERT_EQ(HttpRequest(cwmp_port_, "POST", "/", Basic("x", "y"), InformXml("OWNER", {"1 BOOT"})).status, 200);
  const int64_t owner = COUNT("SELECT id FROM devices WHERE serial_number = 'OWNER'");
  auto store = db::pg::OpenDeviceStore({dsn()});
  db::CredentialVerifier v{"owner-user", cwmp::DigestHa1(cwmp::DigestAlgorithm::kMd5, "owner-user", "ruru", "pw"),
                           cwmp::DigestHa1(cwmp::DigestAlgorithm::kSha256, "owner-user", "ruru", "pw")};
  ASSERT_TRUE(store->SetPendingCredentials(owner, v, {"cr", "\x01", "k1"}).ok());
  ASSERT_TRUE(store->ConfirmPendingCredentials(owner).ok());
  // The owner's credential for another DeviceId: refused, nothing registered.
  HttpResult other = HttpRequest(cwmp_port_, "POST", "/", Basic("owner-user", "pw"), InformXml("OTHER", {"1 BOOT"}));
  EXPECT_EQ(other.status, 401);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE serial_number = 'OTHER'"), 0);
  EXPECT_GE(Metric("ruru_cwmp_auth_failures_total{reason=\"identity_mismatch\"}"), 1);
  EXPECT_NE(AcsdLog().find("used for DeviceId 00D09E-RR-181-OTHER"), std::string::npos);
  // For its own DeviceId it works.
  EXPECT_EQ(HttpRequest(cwmp_port_, "POST", "/", Basic("owner-user", "pw"), InformXml("OWNER", {"2 PERIODIC"})).status,
            200);
}

TEST_F(AcsdE2e, UnknownDevicesRejectedWhenConfigured) {
  StartAcsd("onboarding = open\nunknown_devices = reject\n");
  HttpResult r = HttpRequest(cwmp_port_, "POST", "/", Basic("a", "b"), InformXml("NEW1", {"0 BOOTSTRAP"}));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 0);
  EXPECT_GE(Metric("ruru_cwmp_auth_failures_total{reason=\"unknown_device\"}"), 1);
}

TEST_F(AcsdE2e, LostInformResponseDoesNotLoseTheBootEvent) {
  StartAcsd(kOpen);
  // Every device loses some InformResponses and retries with its events kept.
  const json r = RunCpesim({"--devices", "50", "--source-ips", "127.5.0.0/24", "--faults", "lost-inform-response=0.5",
                            "--inform-interval", "2", "--duration", "10", "--seed", "7"});
  ASSERT_FALSE(r.is_null());
  EXPECT_GT(r["sessions"]["failed_by_reason"]["simulated"].get<int64_t>(), 0) << r.dump();
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 50);
  // Every device's BOOT is stored, whether or not its first InformResponse arrived.
  EXPECT_EQ(COUNT("SELECT count(DISTINCT device_id) FROM inform_events WHERE code = '1 BOOT'"), 50);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE last_boot IS NOT NULL"), 50);
  // A device whose InformResponse was lost re-sends the same BOOT: stored again, not lost.
  EXPECT_GT(COUNT("SELECT count(*) FROM inform_events WHERE code = '1 BOOT'"), 50);
}

TEST_F(AcsdE2e, HealthReadinessAndMetricsEndpoints) {
  StartAcsd(kOpen);
  EXPECT_EQ(HttpRequest(admin_port_, "GET", "/healthz").status, 200);
  HttpResult ready = HttpRequest(admin_port_, "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  HttpResult m = HttpRequest(admin_port_, "GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.headers["content-type"].find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find("# TYPE ruru_cwmp_sessions_total counter"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("ruru_cwmp_active_sessions 0"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("ruru_inventory_up 1"), std::string::npos) << m.body;
  EXPECT_EQ(HttpRequest(admin_port_, "GET", "/nope").status, 404);
  EXPECT_EQ(HttpRequest(admin_port_, "POST", "/metrics").status, 405);
  // GET on the CWMP endpoint is not CWMP.
  EXPECT_EQ(HttpRequest(cwmp_port_, "GET", "/").status, 405);
}

TEST_F(AcsdE2e, SigtermDrainsAndExitsCleanly) {
  StartAcsd(kOpen);
  const std::string report = dir_ + "/drain.json";
  const pid_t sim = StartCpesim({"--devices", "200", "--source-ips", "127.6.0.0/24", "--inform-interval", "1",
                                 "--duration", "6"},
                                report);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const int status = StopAcsd(SIGTERM, std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(AcsdLog().find("inform queue flushed"), std::string::npos) << AcsdLog();
  const json r = WaitCpesim(sim, report);
  ASSERT_FALSE(r.is_null());
  // Every Inform that was acknowledged (the session completed) is in the inventory.
  EXPECT_GE(COUNT("SELECT coalesce(sum(inform_count), 0) FROM devices"), r["sessions"]["completed"].get<int64_t>());
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 200);
}

TEST_F(AcsdE2e, GenieacsSimCaptureWithSharedBasicUsernameAndEmptyPassword) {
  // genieacs-sim: every device sends one Basic username with an empty password.
  StartAcsd("onboarding = shared\nonboarding_username = 8KA8WA1151100043\nonboarding_password =\n"
            "unknown_devices = register\n[credentials]\nrotate_on_bootstrap = false\n");
  const std::string raw = ReadFixture("genieacs-sim/script-001-req-Inform.http");
  ASSERT_FALSE(raw.empty());
  const size_t body_at = raw.find("\r\n\r\n") != std::string::npos ? raw.find("\r\n\r\n") + 4 : raw.find("\n\n") + 2;
  const std::string body = raw.substr(body_at);
  Client c(cwmp_port_);
  ASSERT_TRUE(c.ok());
  HttpResult r = c.Post(body, Basic("8KA8WA1151100043", ""));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("InformResponse"), std::string::npos) << r.body;
  EXPECT_NE(r.headers["set-cookie"].find("ruru_session="), std::string::npos);
  // Rotation is off: the empty POST ends the session with 204.
  HttpResult end = c.Post("");
  EXPECT_EQ(end.status, 204);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 1);
  EXPECT_EQ(QueryValue("SELECT data_model FROM devices"), "InternetGatewayDevice");
  // Another "device" with the same shared credential registers too.
  std::string other = body;
  const std::string serial = QueryValue("SELECT serial_number FROM devices");
  for (size_t at = other.find(serial); at != std::string::npos; at = other.find(serial, at + 1)) other[at + serial.size() - 1] = 'Z';
  Client c2(cwmp_port_);
  EXPECT_EQ(c2.Post(other, Basic("8KA8WA1151100043", "")).status, 200);
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 2);
}

TEST_F(AcsdE2e, TransferCompleteIsStoredBeforeItsResponse) {
  StartAcsd(std::string(kOpen) + "[credentials]\nrotate_on_bootstrap = false\n");
  Client c(cwmp_port_);
  ASSERT_EQ(c.Post(InformXml("TC1", {"7 TRANSFER COMPLETE", "M Download"}), Basic("a", "b")).status, 200);
  cwmp::Envelope env;
  env.ns = cwmp::Namespace::kCwmp12;
  env.id = "2";
  cwmp::TransferComplete tc;
  tc.command_key = "fw-42";
  tc.fault = {9010, "Download failure"};
  tc.start_time = "2026-12-01T00:00:00Z";
  tc.complete_time = "2026-12-01T00:01:00Z";
  env.body = tc;
  auto xml = cwmp::Encode(env);
  ASSERT_TRUE(xml.ok());
  HttpResult r = c.Post(*xml);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("TransferCompleteResponse"), std::string::npos) << r.body;
  EXPECT_EQ(QueryValue("SELECT rpc || ' ' || command_key FROM cpe_reports"), "TransferComplete fw-42");
  EXPECT_EQ(QueryValue("SELECT code FROM device_faults WHERE rpc = 'TransferComplete'"), "9010");
  // A CPE GetRPCMethods is answered with the ACS's methods.
  env.id = "3";
  env.body = cwmp::GetRPCMethods{};
  r = c.Post(*cwmp::Encode(env));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<string>TransferComplete</string>"), std::string::npos) << r.body;
  EXPECT_EQ(c.Post("").status, 204);
}

TEST_F(AcsdE2e, ChunkedAndExpectContinueInformsAreAccepted) {
  StartAcsd(std::string(kOpen) + "[credentials]\nrotate_on_bootstrap = false\n");
  const std::string body = InformXml("CHUNK1", {"1 BOOT"});
  // The body in three chunks of odd sizes.
  std::string chunked;
  for (size_t at = 0, n = 0; at < body.size(); at += n) {
    n = std::min<size_t>(body.size() - at, at == 0 ? 7 : 1000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", n);
    chunked += std::string(size) + "\r\n" + body.substr(at, n) + "\r\n";
  }
  chunked += "0\r\n\r\n";
  const std::string auth = cwmp::BasicAuthorization("a", "b");
  HttpResult r = HttpRaw(cwmp_port_, "POST / HTTP/1.1\r\nHost: acs\r\nAuthorization: " + auth +
                                         "\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("InformResponse"), std::string::npos);
  // Expect: 100-continue (libcurl-based CPE stacks): acsd says 100 Continue, then answers.
  HttpResult c = HttpRaw(cwmp_port_, "POST / HTTP/1.1\r\nHost: acs\r\nAuthorization: " + auth +
                                         "\r\nExpect: 100-continue\r\nContent-Length: " +
                                         std::to_string(InformXml("CHUNK2", {"1 BOOT"}).size()) + "\r\n\r\n" +
                                         InformXml("CHUNK2", {"1 BOOT"}));
  EXPECT_EQ(c.status, 100);  // the interim answer comes first on the wire; the Inform is then stored
  int64_t stored = 0;
  for (int i = 0; i < 100 && stored < 2; ++i) {
    stored = COUNT("SELECT count(*) FROM devices WHERE serial_number IN ('CHUNK1', 'CHUNK2')");
    if (stored < 2) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(stored, 2);
}

TEST_F(AcsdE2e, DuplicateIdentityFromTwoAddressesIsDetectedAndLogged) {
  StartAcsd(std::string(kOpen) + "[credentials]\nrotate_on_bootstrap = false\n");
  {
    Client a(cwmp_port_, "127.7.0.1");
    ASSERT_EQ(a.Post(InformXml("DUP1", {"1 BOOT"}), Basic("a", "b")).status, 200);
    EXPECT_EQ(a.Post("").status, 204);
  }
  {
    Client b(cwmp_port_, "127.7.0.2");  // the same DeviceId from another address, no BOOT
    ASSERT_EQ(b.Post(InformXml("DUP1", {"2 PERIODIC"}), Basic("a", "b")).status, 200);
    EXPECT_EQ(b.Post("").status, 204);
  }
  EXPECT_EQ(Metric("ruru_duplicate_identity_total"), 1);
  EXPECT_NE(AcsdLog().find("possible duplicate identity"), std::string::npos);
  EXPECT_EQ(QueryValue("SELECT duplicate_suspect_at IS NOT NULL FROM devices"), "t");
  EXPECT_EQ(QueryValue("SELECT peer_ip FROM devices"), "127.7.0.2");
  EXPECT_EQ(COUNT("SELECT count(*) FROM ip_history WHERE ip = '127.7.0.1' AND kind = 'peer'"), 1);
}

TEST_F(AcsdE2e, RefusesToRunOnAnUnmigratedOrNewerSchema) {
  Exec("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'x')");
  const std::string conf = dir_ + "/bad.conf";
  std::ofstream(conf) << "[database]\ndsn = " << dsn() << "\n[credentials]\nkey_file = " << dir_
                      << "/cr.key\n[cwmp]\nlisten = 127.0.0.1:0\n[admin]\nlisten = 127.0.0.1:0\n";
  const pid_t pid = Spawn({ACSD_PATH_FOR_TEST, "run", "--config", conf}, dir_ + "/bad.log");
  const int status = WaitFor(pid, std::chrono::seconds(20));
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_NE(WEXITSTATUS(status), 0);
  std::ifstream in(dir_ + "/bad.log");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("newer than this acsd knows"), std::string::npos) << ss.str();
}

}  // namespace
}  // namespace ruru::testing
