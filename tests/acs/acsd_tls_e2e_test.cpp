// TLS end to end (issue 7, docs/tls.md): acsd's CWMP endpoint and admin listener over HTTPS with
// certificates from a throwaway CA, cpesim verifying them (--tls-ca), a wrong CA refused, session
// resumption, CPE client certificates mapped to devices, the API over HTTPS with acsctl, and the
// certificate reloaded on SIGHUP. The real acsd, cpesim and PostgreSQL; loopback only.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/acs/acsd_harness.h"
#include "tests/support/tls_cert.h"
#include "tests/support/test_paths.h"

namespace ruru::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using ruru::test::TestCa;

#define COUNT(sql) std::atoll(QueryValue(sql).c_str())

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// cpesim's default model: OUI 5CA3EB, serials RURU000001, RURU000002, ...
constexpr char kDevice1[] = "5CA3EB-RURU000001";

class TlsE2e : public AcsdTest {
 protected:
  TlsE2e() : ca_("ruru-acs-ca"), server_(ca_.IssueServer("acsd")) {}

  // acsd with HTTPS on the CWMP endpoint (cert from ca_) and `extra` config lines in [cwmp].
  void StartTls(const std::string& extra_cwmp = "") {
    cwmp_tls_ = true;
    StartAcsd("onboarding = open\nunknown_devices = register\ntls_cert_file = " + server_.cert.string() +
              "\ntls_key_file = " + server_.key.string() + "\n" + extra_cwmp);
  }
  json Fleet(std::vector<std::string> args) {
    args.insert(args.begin(), {"--tls-ca", ca_.cert.string()});
    return RunCpesim(args);
  }

  TestCa ca_;
  TestCa::Leaf server_;
};

TEST_F(TlsE2e, CwmpOverVerifiedTlsServesTheFleetAndResumesSessionsWhenTheCpeOffersThem) {
  StartTls();
  // Full handshakes only: cpesim does not offer its previous session.
  json r = Fleet({"--devices", "20", "--source-ips", "127.20.0.0/24", "--inform-interval", "1", "--duration", "4"});
  ASSERT_FALSE(r.is_null());
  EXPECT_GE(r["sessions"]["completed"].get<int64_t>(), 40) << r.dump();
  EXPECT_EQ(r["sessions"]["failed"].get<int64_t>(), 0) << r.dump();
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 20);
  const double full = Metric("ruru_tls_handshakes_total{listener=\"cwmp\",result=\"full\"}");
  EXPECT_GE(full, r["sessions"]["completed"].get<double>());
  EXPECT_EQ(Metric("ruru_tls_handshakes_total{listener=\"cwmp\",result=\"resumed\"}"), 0);
  // With --tls-resume every device's later sessions resume its previous one (session ticket).
  r = Fleet({"--devices", "20", "--source-ips", "127.20.0.0/24", "--inform-interval", "1", "--duration", "4",
             "--tls-resume"});
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["sessions"]["failed"].get<int64_t>(), 0) << r.dump();
  const double resumed = Metric("ruru_tls_handshakes_total{listener=\"cwmp\",result=\"resumed\"}");
  const double full_after = Metric("ruru_tls_handshakes_total{listener=\"cwmp\",result=\"full\"}");
  EXPECT_GE(resumed, r["sessions"]["completed"].get<double>() - 20) << "each device's first session is a full one";
  EXPECT_LE(full_after - full, 20 + 2);
  // Plain HTTP to the HTTPS endpoint gets no HTTP answer, and counts as a failed handshake.
  EXPECT_EQ(HttpRequest(cwmp_port_, "POST", "/", {}, "<x/>", 3s).status, 0);
  EXPECT_GE(Metric("ruru_tls_handshakes_total{listener=\"cwmp\",result=\"failed\"}"), 1);
}

TEST_F(TlsE2e, ACpeTrustingAnotherCaRefusesAcsdAndNothingIsStored) {
  StartTls();
  TestCa other("ruru-other-ca");
  const json r = RunCpesim({"--tls-ca", other.cert.string(), "--devices", "10", "--duration", "3"});
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["sessions"]["completed"].get<int64_t>(), 0) << r.dump();
  EXPECT_GE(r["sessions"]["failed_by_reason"]["tls"].get<int64_t>(), 10) << r.dump();
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 0);
  EXPECT_GE(Metric("ruru_tls_handshakes_total{listener=\"cwmp\",result=\"failed\"}"), 10);
  // The test client verifying with the other CA fails the same way; with the right one it works.
  EXPECT_NE(HttpsRequest(cwmp_port_, other.cert.string(), "GET", "/").error.find("certificate verify failed"),
            std::string::npos);
  EXPECT_EQ(HttpsRequest(cwmp_port_, ca_.cert.string(), "GET", "/").status, 405);
}

TEST_F(TlsE2e, AClientCertificateAuthenticatesTheDeviceItNamesAndNoOther) {
  TestCa cpe_ca("ruru-cpe-ca");
  const TestCa::Leaf device1 = cpe_ca.IssueClient(kDevice1);
  // Shared onboarding with a password the fleet does not know: only the certificate can let it in.
  cwmp_tls_ = true;
  StartAcsd("onboarding = shared\nonboarding_username = onboard\nonboarding_password = secret\n"
            "unknown_devices = register\ntls_cert_file = " + server_.cert.string() + "\ntls_key_file = " +
            server_.key.string() + "\ntls_client_certs = optional\ntls_client_ca_file = " + cpe_ca.cert.string() +
            "\n");
  // Two devices, both presenting device 1's certificate, both with wrong passwords.
  const json r = Fleet({"--devices", "2", "--acs-username-format", "nobody", "--acs-password-format", "wrong",
                        "--tls-client-cert", device1.cert.string(), "--tls-client-key", device1.key.string(),
                        "--inform-interval", "1", "--duration", "3"});
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 1);
  EXPECT_EQ(QueryValue("SELECT serial_number FROM devices"), "RURU000001");
  EXPECT_GE(COUNT("SELECT inform_count FROM devices"), 2);
  EXPECT_GE(Metric("ruru_cwmp_certificate_sessions_total"), 2);
  EXPECT_GE(Metric("ruru_cwmp_auth_failures_total{reason=\"identity_mismatch\"}"), 1);
  EXPECT_GE(r["sessions"]["failed"].get<int64_t>(), 1) << r.dump();
  EXPECT_NE(AcsdLog().find("its client certificate names '" + std::string(kDevice1) + "'"), std::string::npos);
  // A certificate from a CA acsd does not trust is refused at the handshake (optional mode too).
  TestCa rogue("ruru-rogue-ca");
  const TestCa::Leaf forged = rogue.IssueClient(kDevice1);
  const json r2 = Fleet({"--devices", "1", "--tls-client-cert", forged.cert.string(), "--tls-client-key",
                         forged.key.string(), "--duration", "2"});
  ASSERT_FALSE(r2.is_null());
  EXPECT_EQ(r2["sessions"]["completed"].get<int64_t>(), 0) << r2.dump();
  // Without a certificate (optional mode) the password rules apply: the onboarding credential works.
  const json r3 = Fleet({"--devices", "3", "--serial-prefix", "PW", "--acs-username-format", "onboard",
                         "--acs-password-format", "secret", "--duration", "2"});
  ASSERT_FALSE(r3.is_null());
  EXPECT_EQ(r3["sessions"]["failed"].get<int64_t>(), 0) << r3.dump();
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE serial_number LIKE 'PW%'"), 3);
}

TEST_F(TlsE2e, RequiredClientCertificatesRefuseACpeWithoutOne) {
  TestCa cpe_ca("ruru-cpe-ca");
  StartTls("tls_client_certs = required\ntls_client_ca_file = " + cpe_ca.cert.string() + "\n");
  const json r = Fleet({"--devices", "5", "--duration", "2"});
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["sessions"]["completed"].get<int64_t>(), 0) << r.dump();
  EXPECT_GE(r["sessions"]["failed_by_reason"]["tls"].get<int64_t>(), 5) << r.dump();
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 0);
  const TestCa::Leaf device1 = cpe_ca.IssueClient("ignored", kDevice1);  // the serialNumber attribute form
  const json ok = Fleet({"--devices", "1", "--tls-client-cert", device1.cert.string(), "--tls-client-key",
                         device1.key.string(), "--duration", "2"});
  ASSERT_FALSE(ok.is_null());
  EXPECT_GE(ok["sessions"]["completed"].get<int64_t>(), 1) << ok.dump();
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 1);
}

TEST_F(TlsE2e, TheApiOverHttpsWorksWithAcsctlTrustingTheCaAndFailsClearlyWithout) {
  const TestCa::Leaf admin = ca_.IssueServer("admin");
  admin_ca_ = ca_.cert.string();
  StartAcsd("[admin]\ntls_cert_file = " + admin.cert.string() + "\ntls_key_file = " + admin.key.string() + "\n");
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(AdminRequest("GET", "/healthz").status, 200);
  EXPECT_EQ(HttpRequest(admin_port_, "GET", "/healthz", {}, "", 3s).status, 0);  // no plain HTTP
  const std::string token_out = dir_ + "/token";
  int status = WaitFor(Spawn({ACSD_PATH_FOR_TEST, "tokens", "create", "--config", dir_ + "/acsd.conf", "--role",
                              "readonly", "--name", "tls"},
                             token_out),
                       30s);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadText(token_out);
  std::string text = ReadText(token_out);
  const size_t at = text.find("ruru_");
  ASSERT_NE(at, std::string::npos) << text;
  size_t end = at;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
  const std::string token = text.substr(at, end - at);
  std::ofstream(dir_ + "/api.token") << token << "\n";
  std::filesystem::permissions(dir_ + "/api.token", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string url = "https://127.0.0.1:" + std::to_string(admin_port_);
  const std::string out = dir_ + "/acsctl.out";
  status = WaitFor(Spawn({ACSCTL_PATH_FOR_TEST, "whoami", "--url", url, "--token-file", dir_ + "/api.token", "--cacert",
                          ca_.cert.string()},
                         out),
                   30s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadText(out);
  EXPECT_NE(ReadText(out).find("readonly"), std::string::npos) << ReadText(out);
  // Without the CA (the system's store does not know the test CA): a clear TLS failure.
  const std::string out2 = dir_ + "/acsctl2.out";
  status = WaitFor(Spawn({ACSCTL_PATH_FOR_TEST, "whoami", "--url", url, "--token-file", dir_ + "/api.token"}, out2), 30s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << ReadText(out2);
  EXPECT_NE(ReadText(out2).find("TLS with " + url + " failed"), std::string::npos) << ReadText(out2);
  EXPECT_NE(ReadText(out2).find("--cacert"), std::string::npos) << ReadText(out2);
  EXPECT_GE(Metric("ruru_tls_handshakes_total{listener=\"admin\",result=\"full\"}"), 2);
}

// Revocation (cwmp.tls_client_crl_file): a revoked client certificate is refused at the handshake
// and authenticates nothing; a re-issued one for the same device works; a new CRL takes effect on
// SIGHUP; an expired CRL fails closed.
TEST_F(TlsE2e, RevokedClientCertificatesAreRefusedAndTheCrlReloadsOnSighup) {
  TestCa cpe_ca("ruru-cpe-ca");
  const TestCa::Leaf stolen = cpe_ca.IssueClient(kDevice1);
  const TestCa::Leaf reissued = cpe_ca.IssueClient(kDevice1);
  std::filesystem::copy_file(cpe_ca.Crl({stolen}), dir_ + "/cpe.crl");
  StartTls("tls_client_certs = required\ntls_client_ca_file = " + cpe_ca.cert.string() +
           "\ntls_client_crl_file = " + dir_ + "/cpe.crl\n");
  ASSERT_FALSE(HasFatalFailure());
  auto with = [&](const TestCa::Leaf& leaf) {
    return Fleet({"--devices", "1", "--tls-client-cert", leaf.cert.string(), "--tls-client-key", leaf.key.string(),
                  "--duration", "2"});
  };
  const json refused = with(stolen);
  ASSERT_FALSE(refused.is_null());
  EXPECT_EQ(refused["sessions"]["completed"].get<int64_t>(), 0) << refused.dump();
  EXPECT_GE(refused["sessions"]["failed_by_reason"]["tls"].get<int64_t>(), 1) << refused.dump();
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 0);
  const json ok = with(reissued);
  ASSERT_FALSE(ok.is_null());
  EXPECT_GE(ok["sessions"]["completed"].get<int64_t>(), 1) << ok.dump();
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices"), 1);

  // The re-issued certificate is revoked too: a new CRL, then SIGHUP.
  std::filesystem::copy_file(cpe_ca.Crl({stolen, reissued}), dir_ + "/cpe.crl",
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(::kill(acsd_pid_, SIGHUP), 0);
  for (int i = 0; i < 100 && Metric("ruru_tls_reloads_total{result=\"ok\"}") < 1; ++i) std::this_thread::sleep_for(50ms);
  const json now_refused = with(reissued);
  ASSERT_FALSE(now_refused.is_null());
  EXPECT_EQ(now_refused["sessions"]["completed"].get<int64_t>(), 0) << now_refused.dump();

  // An expired CRL (not renewed in time): no client certificate verifies any more (fail closed).
  const TestCa::Leaf fresh = cpe_ca.IssueClient(kDevice1);
  std::filesystem::copy_file(cpe_ca.Crl({}, -10), dir_ + "/cpe.crl", std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(::kill(acsd_pid_, SIGHUP), 0);
  for (int i = 0; i < 100 && Metric("ruru_tls_reloads_total{result=\"ok\"}") < 2; ++i) std::this_thread::sleep_for(50ms);
  const json expired = with(fresh);
  ASSERT_FALSE(expired.is_null());
  EXPECT_EQ(expired["sessions"]["completed"].get<int64_t>(), 0) << expired.dump();
  // Renewed: the fresh certificate works again.
  std::filesystem::copy_file(cpe_ca.Crl({stolen, reissued}), dir_ + "/cpe.crl",
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(::kill(acsd_pid_, SIGHUP), 0);
  for (int i = 0; i < 100 && Metric("ruru_tls_reloads_total{result=\"ok\"}") < 3; ++i) std::this_thread::sleep_for(50ms);
  const json renewed = with(fresh);
  ASSERT_FALSE(renewed.is_null());
  EXPECT_GE(renewed["sessions"]["completed"].get<int64_t>(), 1) << renewed.dump();
  EXPECT_GE(Metric("ruru_tls_handshakes_total{listener=\"cwmp\",result=\"failed\"}"), 3);

  // A file that is no CRL stops acsd at start (like a bad certificate), naming it.
  std::ofstream(dir_ + "/bad.crl") << "not a crl\n";
  const std::string conf = dir_ + "/bad-crl.conf";
  std::ofstream(conf) << "[database]\ndsn = " << dsn() << "\n[credentials]\nkey_file = " << dir_ << "/cr.key\n"
                      << "[cwmp]\nlisten = 127.0.0.1:0\ntls_cert_file = " << server_.cert.string()
                      << "\ntls_key_file = " << server_.key.string() << "\ntls_client_certs = optional\n"
                      << "tls_client_ca_file = " << cpe_ca.cert.string() << "\ntls_client_crl_file = " << dir_
                      << "/bad.crl\n[admin]\nlisten = 127.0.0.1:0\n";
  const int status = WaitFor(Spawn({ACSD_PATH_FOR_TEST, "run", "--config", conf}, dir_ + "/bad-crl.log"), 20s);
  ASSERT_TRUE(WIFEXITED(status)) << ReadText(dir_ + "/bad-crl.log");
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(ReadText(dir_ + "/bad-crl.log").find("client CRL file " + dir_ + "/bad.crl"), std::string::npos)
      << ReadText(dir_ + "/bad-crl.log");
}

// cwmp.tls_ticket_key_file: one session-ticket key for every acsd process, so a session made with
// one resumes on another (another node, or the same node after a restart). Without it each process
// has its own key and a restarted acsd makes full handshakes again.
TEST_F(TlsE2e, ASharedTicketKeyResumesSessionsOnAnotherAcsdProcess) {
  std::string hex;
  for (int i = 0; i < 80; ++i) hex += "0123456789abcdef"[(i * 7) % 16], hex += "fedcba9876543210"[(i * 3) % 16];
  std::ofstream(dir_ + "/ticket.key") << hex << "\n";
  const std::string with_key = "tls_ticket_key_file = " + dir_ + "/ticket.key\n";
  const std::string get = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  StartTls(with_key);
  ASSERT_FALSE(HasFatalFailure());
  TlsResumption first;
  EXPECT_EQ(HttpsRaw(cwmp_port_, ca_.cert.string(), get, 10s, &first).status, 405);
  EXPECT_FALSE(first.reused);
  ASSERT_FALSE(first.received.empty());
  TlsResumption same{first.received};
  EXPECT_EQ(HttpsRaw(cwmp_port_, ca_.cert.string(), get, 10s, &same).status, 405);
  EXPECT_TRUE(same.reused);

  // Another acsd process with the same key file: the session made with the first one resumes.
  ASSERT_EQ(StopAcsd(SIGTERM, 30s), 0);
  StartTls(with_key);
  ASSERT_FALSE(HasFatalFailure());
  TlsResumption other{first.received};
  EXPECT_EQ(HttpsRaw(cwmp_port_, ca_.cert.string(), get, 10s, &other).status, 405);
  EXPECT_TRUE(other.reused);
  EXPECT_EQ(Metric("ruru_tls_handshakes_total{listener=\"cwmp\",result=\"resumed\"}"), 1);

  // Without the key file: a new process cannot open the ticket; a full handshake, which works.
  ASSERT_EQ(StopAcsd(SIGTERM, 30s), 0);
  StartTls();
  ASSERT_FALSE(HasFatalFailure());
  TlsResumption fresh{first.received};
  EXPECT_EQ(HttpsRaw(cwmp_port_, ca_.cert.string(), get, 10s, &fresh).status, 405);
  EXPECT_FALSE(fresh.reused);
  EXPECT_EQ(Metric("ruru_tls_handshakes_total{listener=\"cwmp\",result=\"resumed\"}"), 0);

  // A malformed key file stops acsd at start, saying what it must hold.
  ASSERT_EQ(StopAcsd(SIGTERM, 30s), 0);
  std::ofstream(dir_ + "/short.key") << "abcd\n";
  const std::string conf = dir_ + "/bad-ticket.conf";
  std::ofstream(conf) << "[database]\ndsn = " << dsn() << "\n[credentials]\nkey_file = " << dir_ << "/cr.key\n"
                      << "[cwmp]\nlisten = 127.0.0.1:0\ntls_cert_file = " << server_.cert.string()
                      << "\ntls_key_file = " << server_.key.string() << "\ntls_ticket_key_file = " << dir_
                      << "/short.key\n[admin]\nlisten = 127.0.0.1:0\n";
  const int status = WaitFor(Spawn({ACSD_PATH_FOR_TEST, "run", "--config", conf}, dir_ + "/bad-ticket.log"), 20s);
  ASSERT_TRUE(WIFEXITED(status)) << ReadText(dir_ + "/bad-ticket.log");
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(ReadText(dir_ + "/bad-ticket.log").find("must hold 160 hex digits"), std::string::npos)
      << ReadText(dir_ + "/bad-ticket.log");
}

TEST_F(TlsE2e, SighupReloadsTheCertificateAndABrokenFileKeepsTheOldOneServing) {
  // The first certificate, copied where the config points.
  std::filesystem::copy_file(server_.cert, dir_ + "/cwmp-cert.pem");
  std::filesystem::copy_file(server_.key, dir_ + "/cwmp-key.pem");
  cwmp_tls_ = true;
  StartAcsd("tls_cert_file = " + dir_ + "/cwmp-cert.pem\ntls_key_file = " + dir_ + "/cwmp-key.pem\n");
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(HttpsRequest(cwmp_port_, ca_.cert.string(), "GET", "/").status, 405);
  // A renewed certificate from another CA: written over the files, then SIGHUP.
  TestCa next("ruru-next-ca");
  const TestCa::Leaf renewed = next.IssueServer("acsd-renewed");
  std::filesystem::copy_file(renewed.cert, dir_ + "/cwmp-cert.pem", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(renewed.key, dir_ + "/cwmp-key.pem", std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(::kill(acsd_pid_, SIGHUP), 0);
  for (int i = 0; i < 100 && Metric("ruru_tls_reloads_total{result=\"ok\"}") < 1; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(Metric("ruru_tls_reloads_total{result=\"ok\"}"), 1);
  EXPECT_EQ(HttpsRequest(cwmp_port_, next.cert.string(), "GET", "/").status, 405);
  EXPECT_NE(HttpsRequest(cwmp_port_, ca_.cert.string(), "GET", "/").error.find("certificate verify failed"),
            std::string::npos);
  // A broken file: the reload fails, is logged and counted, and the renewed certificate keeps serving.
  std::ofstream(dir_ + "/cwmp-cert.pem") << "not a certificate\n";
  ASSERT_EQ(::kill(acsd_pid_, SIGHUP), 0);
  for (int i = 0; i < 100 && Metric("ruru_tls_reloads_total{result=\"failed\"}") < 1; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(Metric("ruru_tls_reloads_total{result=\"failed\"}"), 1);
  EXPECT_EQ(HttpsRequest(cwmp_port_, next.cert.string(), "GET", "/").status, 405);
  EXPECT_NE(AcsdLog().find("the previous certificate keeps serving"), std::string::npos);
  EXPECT_TRUE(AcsdRunning());
}

TEST_F(TlsE2e, AcsdRefusesToStartWithAKeyThatDoesNotMatchItsCertificate) {
  const TestCa::Leaf other = ca_.IssueServer("other");
  const std::string conf = dir_ + "/bad.conf";
  std::ofstream(conf) << "[database]\ndsn = " << dsn() << "\n[credentials]\nkey_file = " << dir_ << "/cr.key\n"
                      << "[cwmp]\nlisten = 127.0.0.1:0\ntls_cert_file = " << server_.cert.string()
                      << "\ntls_key_file = " << other.key.string() << "\n[admin]\nlisten = 127.0.0.1:0\n";
  const int status = WaitFor(Spawn({ACSD_PATH_FOR_TEST, "run", "--config", conf}, dir_ + "/bad.log"), 20s);
  ASSERT_TRUE(WIFEXITED(status)) << ReadText(dir_ + "/bad.log");
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(ReadText(dir_ + "/bad.log").find("does not match the certificate " + server_.cert.string()), std::string::npos)
      << ReadText(dir_ + "/bad.log");
}

}  // namespace
}  // namespace ruru::testing
