// Tasks end to end (issue 6): the real acsd binary on a fresh database, its REST API over
// loopback HTTP, cpesim fleets that answer every RPC (and misbehave on request), and a hand-driven
// CPE where a test needs to control each message. What is checked is what the operator and the
// CPE see: task states and outcomes, the inventory, and how many RPCs each device received.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <pqxx/pqxx>

#include "cwmp/codec.h"
#include "cwmp/http_auth.h"
#include "db/pg/pg_inventory.h"
#include "tests/acs/acsd_harness.h"
#include "tests/cpesim/firmware_image.h"
#include "tests/cpesim/test_http_server.h"
#include "tests/support/test_paths.h"

namespace ruru::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

#define COUNT(sql) std::atoll(QueryValue(sql).c_str())

const std::string kModel181 = std::string(RURU_SOURCE_DIR) + "/tests/cpesim/models/tr181-router.json";
const std::string kModel098 = std::string(RURU_SOURCE_DIR) + "/tests/cpesim/models/tr098-router.json";

// Open onboarding, connection requests allowed into loopback (cpesim listens there) and 10/8 (the
// "NATed" addresses of the unreachable-device test), fast sweeps and retries.
constexpr char kTaskConfig[] =
    "onboarding = open\nunknown_devices = register\n"
    "[connection_request]\nallowed_networks = 127.0.0.0/8, 10.0.0.0/8\ndenied_networks =\n"
    "connect_timeout = 1s\ntimeout = 5s\n"
    "[tasks]\nexpiry_interval = 1s\nretry_base = 1s\nretry_max = 2s\n"
    // Fleet-sized tests queue hundreds of tasks one request at a time; the per-token rate limit
    // has its own tests (api_test RateLimit*).
    "[api]\nrate_limit_per_second = 0\n";

// A CPE driven by hand over one keep-alive connection: each call is one HTTP POST, answered by
// acsd. Basic authentication with the username/password it holds (updated when acsd rotates them).
class HandCpe {
 public:
  HandCpe(uint16_t port, std::string serial, std::string cr_url)
      : port_(port), serial_(std::move(serial)), cr_url_(std::move(cr_url)) {}
  ~HandCpe() { Close(); }

  // One session: Inform with `events` -> InformResponse. Returns it (decoded) or nullopt.
  std::optional<cwmp::Envelope> Inform(const std::vector<std::pair<std::string, std::string>>& events,
                                       const std::string& parameter_key = "") {
    Close();
    Connect();
    cwmp::Envelope env;
    env.ns = cwmp::Namespace::kCwmp12;
    env.id = std::to_string(++id_);
    cwmp::Inform in;
    in.device_id = {"Ruru", "00D09E", "HAND-1", serial_};
    for (const auto& [code, key] : events) in.events.push_back({cwmp::EventCode::FromText(code), key});
    in.current_time = "2026-12-01T00:00:00Z";
    in.parameters = {{"Device.DeviceInfo.SoftwareVersion", cwmp::ParameterValue::String("1.0")},
                     {"Device.ManagementServer.ConnectionRequestURL", cwmp::ParameterValue::String(cr_url_)},
                     {"Device.ManagementServer.ParameterKey", cwmp::ParameterValue::String(parameter_key)}};
    env.body = in;
    return Post(env);
  }

  // Posts `env` (Empty for the empty POST); returns the decoded answer, an Empty envelope for 204,
  // nullopt on an HTTP error (status() says which).
  std::optional<cwmp::Envelope> Post(const cwmp::Envelope& env) {
    std::string body;
    if (!std::holds_alternative<cwmp::Empty>(env.body)) {
      auto xml = cwmp::Encode(env);
      EXPECT_TRUE(xml.ok());
      body = xml.ok() ? *xml : "";
    }
    std::string raw = "POST / HTTP/1.1\r\nHost: acs\r\nAuthorization: " +
                      cwmp::BasicAuthorization(username_, password_) + "\r\n";
    if (!cookie_.empty()) raw += "Cookie: " + cookie_ + "\r\n";
    raw += "Content-Type: text/xml\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    if (!conn_ || !conn_->Send(raw)) return std::nullopt;
    HttpResult r = conn_->Read(std::chrono::seconds(30));
    status_ = r.status;
    if (auto it = r.headers.find("set-cookie"); it != r.headers.end()) {
      cookie_ = it->second.substr(0, it->second.find(';'));
    }
    if (r.status == 204) {
      cwmp::Envelope empty;
      empty.body = cwmp::Empty{};
      return empty;
    }
    if (r.status != 200) return std::nullopt;
    auto decoded = cwmp::Decode(r.body);
    EXPECT_TRUE(decoded.ok()) << r.body;
    if (!decoded.ok()) return std::nullopt;
    cwmp::Envelope out = decoded->envelope;
    // acsd gives a new device its own credentials: keep them, as a CPE would.
    if (const auto* spv = std::get_if<cwmp::SetParameterValues>(&out.body)) {
      for (const auto& p : spv->parameters) {
        if (p.name.ends_with("ManagementServer.Username")) new_username_ = p.value.text;
        if (p.name.ends_with("ManagementServer.Password")) new_password_ = p.value.text;
      }
    }
    return out;
  }
  std::optional<cwmp::Envelope> Answer(const cwmp::Envelope& request, cwmp::Body body) {
    cwmp::Envelope env;
    env.ns = cwmp::Namespace::kCwmp12;
    env.id = request.id;
    env.body = std::move(body);
    return Post(env);
  }
  std::optional<cwmp::Envelope> Empty() {
    cwmp::Envelope env;
    env.body = cwmp::Empty{};
    return Post(env);
  }
  // Applies credentials received in a SetParameterValues (call after answering it).
  void AdoptNewCredentials() {
    if (!new_username_.empty()) username_ = new_username_;
    if (!new_password_.empty()) password_ = new_password_;
  }
  int status() const { return status_; }
  void Close() {
    conn_.reset();
    cookie_.clear();
  }

 private:
  void Connect() {
    conn_ = std::make_unique<RawHttpClient>(port_);
    EXPECT_TRUE(conn_->ok());
  }

  uint16_t port_;
  std::string serial_;
  std::string cr_url_;
  std::string username_ = "hand";
  std::string password_ = "hand-pw";
  std::string new_username_, new_password_;
  std::string cookie_;
  std::unique_ptr<RawHttpClient> conn_;
  int id_ = 0;
  int status_ = 0;
};

class TasksE2e : public AcsdTest {
 protected:
  void StartWithApi(const std::string& extra = "") {
    StartAcsd(std::string(kTaskConfig) + extra);
    if (HasFatalFailure()) return;
    token_ = CreateToken("e2e-admin");
    ASSERT_EQ(token_.rfind("ruru_", 0), 0u) << "acsd tokens create printed: " << token_;
  }

  // The real command an operator runs: `acsd tokens create`.
  std::string CreateToken(const std::string& name) {
    const std::string out = dir_ + "/token-" + name;
    const pid_t pid = Spawn({ACSD_PATH_FOR_TEST, "tokens", "create", "--config", dir_ + "/acsd.conf", "--role", "admin",
                             "--name", name},
                            out);
    const int status = WaitFor(pid, 30s);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadText(out);
    std::string text = ReadText(out);
    const size_t at = text.find("ruru_");
    if (at == std::string::npos) return text;
    size_t end = at;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    return text.substr(at, end - at);
  }

  static std::string ReadText(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  HttpResult Api(const std::string& method, const std::string& target, const json& body = nullptr,
                 std::map<std::string, std::string> headers = {}) {
    headers["Authorization"] = "Bearer " + token_;
    if (!body.is_null()) headers["Content-Type"] = "application/json";
    return HttpRequest(admin_port_, method, target, headers, body.is_null() ? "" : body.dump(), 180s);
  }
  json ApiJson(const std::string& method, const std::string& target, const json& body = nullptr,
               int expect_status = 0) {
    HttpResult r = Api(method, target, body);
    if (expect_status != 0) {
      EXPECT_EQ(r.status, expect_status) << method << " " << target << ": " << r.body;
    }
    return json::parse(r.body, nullptr, false);
  }
  // POST a task; returns the API's answer (the task plus "connection_request").
  json Task(int64_t device, const json& body, bool kick = true, int wait = 60, int* status = nullptr) {
    const std::string target = "/api/v1/devices/" + std::to_string(device) + "/tasks?connection_request=" +
                               (kick ? "true" : "false") + "&wait=" + std::to_string(wait);
    HttpResult r = Api("POST", target, body);
    if (status != nullptr) *status = r.status;
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.status << " " << r.body;
    return j;
  }
  json GetTask(int64_t id, int wait = 0) {
    return ApiJson("GET", "/api/v1/tasks/" + std::to_string(id) + (wait > 0 ? "?wait=" + std::to_string(wait) : ""),
                   nullptr, 200);
  }
  // Waits (long-polling the API) until the task is final.
  json WaitTask(int64_t id, std::chrono::seconds limit = 90s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    json t;
    while (std::chrono::steady_clock::now() < deadline) {
      t = GetTask(id, 10);
      const std::string state = t.value("state", "");
      if (state != "queued" && state != "running") return t;
    }
    ADD_FAILURE() << "task " << id << " not final: " << t.dump();
    return t;
  }

  int64_t DeviceId(const std::string& serial) {
    return std::atoll(QueryValue("SELECT id FROM devices WHERE serial_number = '" + serial + "'").c_str());
  }
  // Waits until `n` devices whose serial starts with `prefix` have confirmed credentials of their own.
  void WaitRegistered(const std::string& prefix, int n, std::chrono::seconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (COUNT("SELECT count(*) FROM devices WHERE serial_number LIKE '" + prefix +
                "%' AND cwmp_username IS NOT NULL AND pending_cwmp_username IS NULL") >= n) {
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "devices " << prefix << "* not all registered with their own credentials";
  }

  // cpesim in the background; the report is read when it is stopped.
  struct Fleet {
    pid_t pid = -1;
    std::string report;
  };
  Fleet StartFleet(int devices, const std::string& prefix, const std::string& source_ips,
                   std::vector<std::string> extra = {}, const std::string& model = kModel181) {
    static int n = 0;
    Fleet f;
    f.report = dir_ + "/fleet-" + std::to_string(++n) + ".json";
    std::vector<std::string> args = {"--devices", std::to_string(devices), "--serial-prefix", prefix,
                                     "--source-ips", source_ips, "--model", model, "--ramp-per-second", "0",
                                     "--reboot-delay", "1", "--duration", "300"};
    // A long periodic interval unless the test asks for another.
    if (std::find(extra.begin(), extra.end(), "--inform-interval") == extra.end()) {
      args.insert(args.end(), {"--inform-interval", "600"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    f.pid = StartCpesim(args, f.report);
    EXPECT_GT(f.pid, 0);
    if (f.pid > 0) running_.insert(f.pid);
    return f;
  }
  json StopFleet(Fleet& f) {
    if (f.pid <= 0) return {};
    ::kill(f.pid, SIGINT);
    json r = WaitCpesim(f.pid, f.report, 60s);
    running_.erase(f.pid);
    f.pid = -1;
    return r;
  }
  static int64_t Received(const json& report, const std::string& rpc) {
    return report["rpc"]["received"].value(rpc, int64_t{0});
  }

  void TearDown() override {
    for (pid_t pid : running_) {  // fleets a test did not stop (it failed early)
      ::kill(pid, SIGKILL);
      WaitFor(pid, 5s);
    }
    AcsdTest::TearDown();
  }

  std::string token_;
  std::set<pid_t> running_;  // cpesim processes started and not yet stopped
};

// A TCP port nothing listens on now (the kernel's choice for port 0).
uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// ---- The helpdesk's reboot -------------------------------------------------------------------------

TEST_F(TasksE2e, RebootThroughTheApiWithWaitTr181AndTr098) {
  StartWithApi();
  Fleet a = StartFleet(3, "RA", "127.20.0.0/24", {}, kModel181);
  Fleet b = StartFleet(3, "RB", "127.21.0.0/24", {}, kModel098);
  WaitRegistered("RA", 3);
  WaitRegistered("RB", 3);
  for (const std::string serial : {"RA000002", "RB000002"}) {
    const int64_t id = DeviceId(serial);
    int status = 0;
    const json t = Task(id, {{"type", "reboot"}}, true, 60, &status);
    EXPECT_EQ(status, 200) << t.dump();
    EXPECT_EQ(t["state"], "done") << t.dump();
    EXPECT_EQ(t["result"]["confirmed_by"], "M Reboot");
    EXPECT_EQ(t["connection_request"]["status"], "ok") << t.dump();
    EXPECT_EQ(t["attempts"], 1);
    const std::string key = t["reconcile_key"];
    EXPECT_EQ(COUNT("SELECT count(*) FROM inform_events WHERE device_id = " + std::to_string(id) +
                    " AND code = 'M Reboot' AND command_key = '" + key + "'"),
              1);
    EXPECT_FALSE(t["finished_at"].is_null());
  }
  const json ra = StopFleet(a), rb = StopFleet(b);
  EXPECT_EQ(Received(ra, "Reboot"), 1);
  EXPECT_EQ(Received(rb, "Reboot"), 1);
  EXPECT_EQ(ra["device_events"]["reboots"], 1);
}

// The helpdesk's tool end to end: acsctl against the real acsd and a cpesim fleet.
TEST_F(TasksE2e, AcsctlListsDevicesAndRebootsOne) {
  StartWithApi();
  Fleet f = StartFleet(3, "CT", "127.31.0.0/24");
  WaitRegistered("CT", 3);
  std::ofstream(dir_ + "/token") << token_ << "\n";
  ::chmod((dir_ + "/token").c_str(), 0600);
  auto acsctl = [&](std::vector<std::string> args, int* exit_code) {
    static int n = 0;
    const std::string out = dir_ + "/acsctl-" + std::to_string(++n) + ".out";
    std::vector<std::string> argv = {ACSCTL_PATH_FOR_TEST};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--url", "http://127.0.0.1:" + std::to_string(admin_port_), "--token-file", dir_ + "/token"});
    const pid_t pid = Spawn(argv, out);
    const int status = WaitFor(pid, 120s);
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return ReadText(out);
  };
  int rc = -1;
  const std::string list = acsctl({"devices", "list"}, &rc);
  EXPECT_EQ(rc, 0) << list;
  for (const char* serial : {"CT000001", "CT000002", "CT000003"}) EXPECT_NE(list.find(serial), std::string::npos) << list;
  const std::string show = acsctl({"devices", "show", "CT000002"}, &rc);
  EXPECT_EQ(rc, 0) << show;
  EXPECT_NE(show.find("RR-5000"), std::string::npos) << show;
  const std::string reboot = acsctl({"reboot", "CT000002", "--timeout", "60"}, &rc);
  EXPECT_EQ(rc, 0) << reboot;
  EXPECT_NE(reboot.find("back online after"), std::string::npos) << reboot;
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE type = 'reboot' AND state = 'done'"), 1);
  const std::string missing = acsctl({"reboot", "NO-SUCH-SERIAL"}, &rc);
  EXPECT_EQ(rc, 1) << missing;
  const json report = StopFleet(f);
  EXPECT_EQ(Received(report, "Reboot"), 1);
}

// Roles against the real acsd and PostgreSQL: an admin makes a helpdesk token through the API;
// the helpdesk reboots, may not push firmware, and factory-resets only with a reason.
// Two-person approval (docs/security.md): a bulk tag and a factory reset configured to need a
// second person are stored, not run; the requester can never approve; a role that may not do the
// action may not approve it; another allowed user approves and the call runs as the requester's,
// once; a rejected or expired approval never runs; everything is in the audit log; acsctl too.
// Backup and restore (docs/operations.md "Backup and restore"): an online pg_dump of a populated
// inventory, restored with pg_restore into a new database; acsd started on the copy (same port)
// serves the same fleet: every device authenticates with the credentials acsd gave it before the
// backup (their verifiers and sealed connection-request passwords came back), informs, and runs a
// task.
TEST_F(TasksE2e, BackupRestoredWithPgRestoreServesTheFleet) {
  const uint16_t port = FreePort();
  StartAcsd("listen = 127.0.0.1:" + std::to_string(port) + "\n" + std::string(kTaskConfig));
  token_ = CreateToken("e2e-admin");
  Fleet f = StartFleet(20, "BK", "127.35.0.0/24", {"--inform-interval", "1"});
  WaitRegistered("BK", 20);
  ASSERT_FALSE(HasFatalFailure());
  // A task done before the backup, so the copy has history too.
  const json before_task = Task(DeviceId("BK000001"), {{"type", "reboot"}}, true, 60);
  EXPECT_EQ(before_task["state"], "done") << before_task.dump();

  const std::string dump = dir_ + "/ruru.dump";
  const std::string pg_bin = "/usr/lib/postgresql/15/bin/";
  int status = WaitFor(Spawn({pg_bin + "pg_dump", "--format=custom", "--file=" + dump, "--dbname=" + dsn()},
                             dir_ + "/pg_dump.log"),
                       120s);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadText(dir_ + "/pg_dump.log");
  const int64_t devices_at_dump = COUNT("SELECT count(*) FROM devices");
  ASSERT_EQ(StopAcsd(SIGTERM), 0);
  const std::string informs_at_stop = QueryValue("SELECT sum(inform_count) FROM devices");

  // A new, empty database, and the dump restored into it.
  const std::string copy = database_name() + "_restored";
  {
    pqxx::connection conn(dsn());
    pqxx::nontransaction tx(conn);
    tx.exec0("DROP DATABASE IF EXISTS " + copy + " WITH (FORCE)");
    tx.exec0("CREATE DATABASE " + copy);
  }
  const std::string copy_dsn = WithDatabase(dsn(), copy);
  status = WaitFor(Spawn({pg_bin + "pg_restore", "--exit-on-error", "--no-owner", "--dbname=" + copy_dsn, dump},
                         dir_ + "/pg_restore.log"),
                   120s);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadText(dir_ + "/pg_restore.log");
  auto copy_value = [&](const std::string& sql) {
    pqxx::connection conn(copy_dsn);
    pqxx::nontransaction tx(conn);
    pqxx::result r = tx.exec(sql);
    return r.empty() || r[0][0].is_null() ? std::string() : std::string(r[0][0].c_str());
  };
  EXPECT_EQ(std::atoll(copy_value("SELECT count(*) FROM devices").c_str()), devices_at_dump);
  EXPECT_EQ(copy_value("SELECT max(version) FROM schema_migrations"), QueryValue("SELECT max(version) FROM schema_migrations"));

  // acsd on the copy, same port: the fleet (still running, with the credentials it was given)
  // carries on. acsd refuses nothing: no authentication failure at all. Each device must inform
  // the copy (its inform_count passes the restored one, kept aside in restored_counts).
  copy_value("CREATE TABLE restored_counts AS SELECT id, inform_count FROM devices");
  StartAcsd("listen = 127.0.0.1:" + std::to_string(port) + "\n" + std::string(kTaskConfig) + "[database]\ndsn = " +
            copy_dsn + "\n");
  ASSERT_FALSE(HasFatalFailure());
  const std::string informed =
      "SELECT count(*) FROM devices d JOIN restored_counts r USING (id) WHERE d.inform_count > r.inform_count";
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline && std::atoll(copy_value(informed).c_str()) < 20) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(std::atoll(copy_value(informed).c_str()), 20);
  EXPECT_EQ(Metric("ruru_cwmp_auth_failures_total{reason=\"wrong_credentials\"}"), 0);
  EXPECT_EQ(Metric("ruru_cwmp_auth_failures_total{reason=\"onboarding_refused\"}"), 0);
  EXPECT_EQ(COUNT("SELECT sum(inform_count) FROM devices"), std::atoll(informs_at_stop.c_str()))
      << "the original database is untouched after the switch";
  // The restored tokens work, and a task runs on the copy (a connection request with the restored
  // sealed credentials).
  const json after = Task(std::atoll(copy_value("SELECT id FROM devices WHERE serial_number = 'BK000002'").c_str()),
                          {{"type", "reboot"}}, true, 60);
  EXPECT_EQ(after["state"], "done") << after.dump();
  EXPECT_EQ(after["connection_request"]["status"], "ok") << after.dump();
  const json report = StopFleet(f);
  EXPECT_EQ(report["sessions"]["failed_by_reason"]["auth"], 0) << report.dump();
  ASSERT_EQ(StopAcsd(SIGTERM), 0);
  pqxx::connection conn(dsn());
  pqxx::nontransaction tx(conn);
  tx.exec0("DROP DATABASE IF EXISTS " + copy + " WITH (FORCE)");
}

// Key rotation of the sealed connection-request passwords (docs/security.md "Secrets at rest"):
// `acsd credentials rekey` re-seals every one under the new key; without the old key it says which
// it cannot open and changes nothing; after it, acsd runs without the old key and its connection
// requests still authenticate.
TEST_F(TasksE2e, CredentialsRekeyMovesEverySealedPasswordToTheNewKey) {
  const uint16_t port = FreePort();
  StartAcsd("listen = 127.0.0.1:" + std::to_string(port) + "\n" + std::string(kTaskConfig));
  token_ = CreateToken("e2e-admin");
  Fleet f = StartFleet(10, "RK", "127.36.0.0/24");
  WaitRegistered("RK", 10);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_EQ(COUNT("SELECT count(*) FROM devices WHERE cr_key_id = 'k1'"), 10);
  ASSERT_EQ(StopAcsd(SIGTERM), 0);

  std::ofstream(dir_ + "/k2.key") << std::string(64, 'd') << "\n";
  std::ofstream(dir_ + "/old.keys") << "k1 " << std::string(64, 'c') << "\n";
  const std::string base = ReadText(dir_ + "/acsd.conf");
  auto write_conf = [&](const std::string& path, bool with_old) {
    std::ofstream(path) << base << "[credentials]\nkey_id = k2\nkey_file = " << dir_ << "/k2.key\n"
                        << (with_old ? "old_keys_file = " + dir_ + "/old.keys\n" : std::string());
  };
  write_conf(dir_ + "/no-old.conf", false);
  write_conf(dir_ + "/rotate.conf", true);
  auto rekey = [&](const std::string& conf, const std::string& out) {
    const int status = WaitFor(Spawn({ACSD_PATH_FOR_TEST, "credentials", "rekey", "--config", conf, "--batch", "4"}, out), 60s);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  // Without the old key: nothing can be opened, nothing changes, each one is named.
  EXPECT_EQ(rekey(dir_ + "/no-old.conf", dir_ + "/rekey1.out"), 1) << ReadText(dir_ + "/rekey1.out");
  EXPECT_NE(ReadText(dir_ + "/rekey1.out").find("sealed under key 'k1'"), std::string::npos) << ReadText(dir_ + "/rekey1.out");
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE cr_key_id = 'k1'"), 10);
  // With it: all ten move to k2 (batches of 4), and a second run has nothing left to do.
  const std::string before = QueryValue("SELECT string_agg(encode(cr_password_ciphertext, 'hex'), ',' ORDER BY id) FROM devices");
  EXPECT_EQ(rekey(dir_ + "/rotate.conf", dir_ + "/rekey2.out"), 0) << ReadText(dir_ + "/rekey2.out");
  EXPECT_NE(ReadText(dir_ + "/rekey2.out").find("re-sealed 10 "), std::string::npos) << ReadText(dir_ + "/rekey2.out");
  EXPECT_EQ(COUNT("SELECT count(*) FROM devices WHERE cr_key_id = 'k2'"), 10);
  EXPECT_NE(QueryValue("SELECT string_agg(encode(cr_password_ciphertext, 'hex'), ',' ORDER BY id) FROM devices"), before);
  EXPECT_EQ(rekey(dir_ + "/rotate.conf", dir_ + "/rekey3.out"), 0);
  EXPECT_NE(ReadText(dir_ + "/rekey3.out").find("re-sealed 0 "), std::string::npos) << ReadText(dir_ + "/rekey3.out");

  // acsd with only the new key: a reboot with a connection request (the re-sealed password).
  StartAcsd("listen = 127.0.0.1:" + std::to_string(port) + "\n" + std::string(kTaskConfig) + "[credentials]\nkey_id = k2\nkey_file = " +
            dir_ + "/k2.key\n");
  ASSERT_FALSE(HasFatalFailure());
  const json t = Task(DeviceId("RK000003"), {{"type", "reboot"}}, true, 60);
  EXPECT_EQ(t["state"], "done") << t.dump();
  EXPECT_EQ(t["connection_request"]["status"], "ok") << t.dump();
  StopFleet(f);
}

TEST_F(TasksE2e, TwoPersonApprovalRunsAChangeOnlyAfterASecondPersonApprovesIt) {
  StartWithApi("[api]\ntwo_person_actions = tags.bulk, tasks.create.factory_reset\napproval_ttl = 10m\n");
  Fleet f = StartFleet(3, "TP", "127.34.0.0/24");
  WaitRegistered("TP", 3);
  const std::string admin = token_;
  auto make = [&](const std::string& name, const std::string& role) {
    token_ = admin;
    const json created = ApiJson("POST", "/api/v1/tokens", {{"name", name}, {"role", role}}, 201);
    return created.value("token", "");
  };
  const std::string alice = make("alice", "security"), bob = make("bob", "security"), carol = make("carol", "helpdesk"),
                    dave = make("dave", "noc");
  const json bulk = {{"serial_numbers", {"TP000001", "TP000002"}}};
  const std::string tagged = "SELECT count(*) FROM devices WHERE 'quarantine' = ANY(tags)";

  token_ = alice;
  HttpResult no_reason = Api("POST", "/api/v1/tags/quarantine/devices", bulk);
  EXPECT_EQ(no_reason.status, 403) << no_reason.body;
  EXPECT_NE(no_reason.body.find("reason_required"), std::string::npos) << no_reason.body;
  HttpResult asked = Api("POST", "/api/v1/tags/quarantine/devices", bulk, {{"X-Ruru-Reason", "open resolvers, INC-77"}});
  ASSERT_EQ(asked.status, 202) << asked.body;
  const json pending = json::parse(asked.body)["approval"];
  const int64_t id = pending["id"];
  EXPECT_EQ(QueryValue("SELECT extract(epoch FROM expires_at - created_at)::int FROM approvals WHERE id = " +
                       std::to_string(id)),
            "600")
      << "approval_ttl sets the expiry";
  EXPECT_EQ(pending["state"], "pending");
  EXPECT_EQ(pending["requested_by"], "alice");
  EXPECT_EQ(pending["action"], "tags.bulk");
  EXPECT_EQ(asked.headers["location"], "/api/v1/approvals/" + std::to_string(id));
  EXPECT_EQ(COUNT(tagged), 0) << "nothing is done before the approval";
  const std::string approve = "/api/v1/approvals/" + std::to_string(id) + "/approve";

  // The requester cannot approve; a helpdesk (no approvals.decide) and a noc user (may decide
  // nothing) cannot either.
  HttpResult self = Api("POST", approve);
  EXPECT_EQ(self.status, 403) << self.body;
  EXPECT_NE(self.body.find("same_person"), std::string::npos) << self.body;
  token_ = carol;
  EXPECT_EQ(Api("POST", approve).status, 403);
  token_ = dave;
  EXPECT_EQ(Api("POST", approve).status, 403);
  EXPECT_EQ(Api("GET", "/api/v1/approvals?state=pending").status, 200);  // noc may read them
  EXPECT_EQ(COUNT(tagged), 0);
  EXPECT_EQ(QueryValue("SELECT state FROM approvals WHERE id = " + std::to_string(id)), "pending");

  // Bob approves with acsctl: the call runs now, as alice's.
  token_ = bob;
  std::ofstream(dir_ + "/bob.token") << bob << "\n";
  std::filesystem::permissions(dir_ + "/bob.token", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string out = dir_ + "/approve.out";
  int status = WaitFor(Spawn({ACSCTL_PATH_FOR_TEST, "approve", std::to_string(id), "--url",
                              "http://127.0.0.1:" + std::to_string(admin_port_), "--token-file", dir_ + "/bob.token",
                              "--reason", "checked the list"},
                             out),
                       30s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadText(out);
  EXPECT_NE(ReadText(out).find("executed"), std::string::npos) << ReadText(out);
  EXPECT_EQ(COUNT(tagged), 2);
  const json done = ApiJson("GET", "/api/v1/approvals/" + std::to_string(id), nullptr, 200);
  EXPECT_EQ(done["state"], "executed") << done.dump();
  EXPECT_EQ(done["decided_by"], "bob");
  EXPECT_EQ(done["decision_note"], "checked the list");
  EXPECT_EQ(done["result_status"], 200) << done.dump();
  // Only once: a second approval is refused.
  HttpResult again = Api("POST", approve);
  EXPECT_EQ(again.status, 409) << again.body;

  // The audit log: the request (nothing done), the refused self-approval, bob's decision, and the
  // change itself as alice's, naming the approval and its approver.
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE actor = 'alice' AND action = 'tags.bulk'"
                  " AND result = 'approval_pending' AND status = 202"), 1);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE actor = 'alice' AND action = 'approvals.decide'"
                  " AND result = 'same_person'"), 1);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE actor = 'bob' AND action = 'approvals.decide' AND result = 'ok'"
                  " AND target = 'approval:" + std::to_string(id) + "' AND reason = 'checked the list'"), 1);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE actor = 'alice' AND action = 'tags.bulk' AND result = 'ok'"
                  " AND params->'approval'->>'approved_by' = 'bob' AND reason = 'open resolvers, INC-77'"), 1);

  // A factory reset by the helpdesk (a task type's own action) waits too; alice rejects it: it never runs.
  token_ = carol;
  const int64_t device = DeviceId("TP000003");
  HttpResult reset = Api("POST", "/api/v1/devices/" + std::to_string(device) + "/tasks", {{"type", "factory_reset"}},
                         {{"X-Ruru-Reason", "customer asked"}});
  ASSERT_EQ(reset.status, 202) << reset.body;
  const int64_t reset_id = json::parse(reset.body)["approval"]["id"];
  token_ = alice;
  HttpResult rejected = Api("POST", "/api/v1/approvals/" + std::to_string(reset_id) + "/reject");
  EXPECT_EQ(rejected.status, 200) << rejected.body;
  EXPECT_EQ(json::parse(rejected.body)["approval"]["state"], "rejected");
  EXPECT_EQ(Api("POST", "/api/v1/approvals/" + std::to_string(reset_id) + "/approve").status, 409);
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE type = 'factory_reset'"), 0);

  // acsctl shows the pending state and the exit code 5; past approval_ttl it has expired (its
  // times are moved back rather than waited for: a short TTL raced the steps above on a slow run).
  std::ofstream(dir_ + "/alice.token") << alice << "\n";
  std::filesystem::permissions(dir_ + "/alice.token", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string out2 = dir_ + "/untag.out";
  status = WaitFor(Spawn({ACSCTL_PATH_FOR_TEST, "tags", "bulk-remove", "quarantine", "--filter-serial", "TP000001", "--url",
                          "http://127.0.0.1:" + std::to_string(admin_port_), "--token-file", dir_ + "/alice.token",
                          "--reason", "false positive"},
                         out2),
                   30s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 5) << ReadText(out2);
  EXPECT_NE(ReadText(out2).find("needs a second person's approval"), std::string::npos) << ReadText(out2);
  const int64_t late = std::atoll(QueryValue("SELECT max(id) FROM approvals").c_str());
  Exec("UPDATE approvals SET created_at = created_at - interval '11 minutes', expires_at = expires_at - "
       "interval '11 minutes' WHERE id = " + std::to_string(late));
  token_ = bob;
  EXPECT_EQ(ApiJson("GET", "/api/v1/approvals/" + std::to_string(late), nullptr, 200)["state"], "expired");
  HttpResult expired = Api("POST", "/api/v1/approvals/" + std::to_string(late) + "/approve");
  EXPECT_EQ(expired.status, 409) << expired.body;
  EXPECT_EQ(COUNT(tagged), 2) << "the expired removal never ran";

  // A request whose requester's token was revoked meanwhile does not run as theirs.
  token_ = alice;
  HttpResult revoked_ask = Api("POST", "/api/v1/tags/quarantine/devices", {{"serial_numbers", {"TP000003"}}},
                               {{"X-Ruru-Reason", "one more"}});
  ASSERT_EQ(revoked_ask.status, 202) << revoked_ask.body;
  const int64_t orphan = json::parse(revoked_ask.body)["approval"]["id"];
  token_ = admin;
  EXPECT_EQ(Api("DELETE", "/api/v1/tokens/alice").status, 204);
  token_ = bob;
  HttpResult orphan_approve = Api("POST", "/api/v1/approvals/" + std::to_string(orphan) + "/approve");
  EXPECT_EQ(orphan_approve.status, 409) << orphan_approve.body;
  EXPECT_NE(orphan_approve.body.find("requester_revoked"), std::string::npos) << orphan_approve.body;
  EXPECT_EQ(COUNT(tagged), 2);
  EXPECT_EQ(QueryValue("SELECT state FROM approvals WHERE id = " + std::to_string(orphan)), "pending");
  EXPECT_EQ(Api("POST", "/api/v1/approvals/" + std::to_string(orphan) + "/reject").status, 200);
  StopFleet(f);
}

// Retention as acsd runs it (at start, then hourly): expired daily / monthly partitions are
// dropped whole, the coming ones made, and old rows in the default partitions deleted.
TEST_F(TasksE2e, AcsdDropsExpiredHistoryPartitionsAndMakesTheComingOnes) {
  Exec("INSERT INTO devices (oui, product_class, serial_number, registered_at) VALUES ('00D09E', 'RET', 'RET-1', now())");
  const std::string dev = QueryValue("SELECT id FROM devices WHERE serial_number = 'RET-1'");
  // Events 40 and 20 days old in their own daily partitions, 45 days old in the default one;
  // address intervals that ended 14 and 2 months ago.
  for (int days : {40, 20}) {
    Exec("SELECT ruru_ensure_range_partitions('inform_events', 'day', now() - interval '" + std::to_string(days) +
         " days', 0)");
    Exec("INSERT INTO inform_events (device_id, received_at, code) VALUES (" + dev + ", now() - interval '" +
         std::to_string(days) + " days', '2 PERIODIC')");
  }
  Exec("INSERT INTO inform_events (device_id, received_at, code) VALUES (" + dev +
       ", now() - interval '45 days', '2 PERIODIC')");
  for (int months : {14, 2}) {
    Exec("SELECT ruru_ensure_range_partitions('ip_history', 'month', now() - interval '" + std::to_string(months) +
         " months', 0)");
    Exec("INSERT INTO ip_history (device_id, ip, kind, first_seen, last_seen) VALUES (" + dev + ", '192.0.2." +
         std::to_string(months) + "', 'wan', now() - interval '" + std::to_string(months) +
         " months' - interval '1 day', now() - interval '" + std::to_string(months) + " months')");
  }
  auto partition = [&](const std::string& table, const std::string& fmt, const std::string& ago) {
    return QueryValue("SELECT '" + table + "' || to_char((now() - interval '" + ago + "') AT TIME ZONE 'UTC', '" +
                      fmt + "')");
  };
  const std::string old_day = partition("inform_events_d", "YYYYMMDD", "40 days");
  const std::string kept_day = partition("inform_events_d", "YYYYMMDD", "20 days");
  const std::string old_month = partition("ip_history_m", "YYYYMM", "14 months");
  const std::string kept_month = partition("ip_history_m", "YYYYMM", "2 months");
  auto exists = [&](const std::string& t) { return QueryValue("SELECT to_regclass('" + t + "') IS NOT NULL") == "t"; };
  ASSERT_TRUE(exists(old_day) && exists(kept_day) && exists(old_month) && exists(kept_month));
  EXPECT_EQ(COUNT("SELECT count(*) FROM inform_events_default"), 1);

  StartWithApi("[database]\nevent_retention_days = 30\nip_history_retention_days = 365\n");
  for (int i = 0; i < 100 && (exists(old_day) || exists(old_month)); ++i) std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(exists(old_day));
  EXPECT_FALSE(exists(old_month));
  EXPECT_TRUE(exists(kept_day));
  EXPECT_TRUE(exists(kept_month));
  EXPECT_EQ(COUNT("SELECT count(*) FROM inform_events WHERE device_id = " + dev), 1);  // the 20-day-old one
  EXPECT_EQ(COUNT("SELECT count(*) FROM inform_events_default"), 0);
  EXPECT_EQ(QueryValue("SELECT string_agg(ip, ',') FROM ip_history WHERE device_id = " + dev), "192.0.2.2");
  EXPECT_NE(AcsdLog().find("inform events: 1 partitions and 1 rows outside them past database.event_retention_days"),
            std::string::npos)
      << AcsdLog();
}

// The host-side token commands change who may use the API: they are audited like the API's own
// token changes, by "acsd-cli:<user>" with role "host", and never with the token itself.
TEST_F(TasksE2e, HostSideTokenCommandsAreAudited) {
  StartWithApi();  // `acsd tokens create --name e2e-admin`
  const std::string second = CreateToken("ops-2");
  ASSERT_EQ(second.rfind("ruru_", 0), 0u) << second;
  const std::string conf = dir_ + "/acsd.conf";
  auto run = [&](std::vector<std::string> args) {
    const std::string out = dir_ + "/host-cmd.out";
    std::vector<std::string> argv = {ACSD_PATH_FOR_TEST};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--config", conf});
    const int status = WaitFor(Spawn(argv, out), 30s);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(run({"tokens", "revoke", "ops-2"}), 0);
  EXPECT_EQ(run({"tokens", "revoke", "no-such-token"}), 1);  // nothing changed: nothing audited

  const std::string actor = QueryValue("SELECT actor FROM audit_log WHERE target = 'token:e2e-admin'");
  EXPECT_EQ(actor.rfind("acsd-cli:", 0), 0u) << actor;
  EXPECT_GT(actor.size(), std::string("acsd-cli:").size());
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE action = 'tokens.write' AND role = 'host' AND result = 'ok'"
                  " AND params->>'command' = 'acsd tokens create' AND params->>'role' = 'admin'"
                  " AND target IN ('token:e2e-admin', 'token:ops-2')"),
            2);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE action = 'tokens.write' AND target = 'token:ops-2'"
                  " AND params->>'command' = 'acsd tokens revoke'"),
            1);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE target = 'token:no-such-token'"), 0);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE params::text LIKE '%ruru\\_%'"), 0);  // no token
  // The API's audit view shows them.
  const json audit = ApiJson("GET", "/api/v1/audit?actor=" + actor, nullptr, 200);
  EXPECT_EQ(audit["items"].size(), 3u) << audit.dump();
  // The revoked token no longer works.
  const std::string admin = token_;
  token_ = second;
  EXPECT_EQ(Api("GET", "/api/v1/devices").status, 401);
  token_ = admin;
}

TEST_F(TasksE2e, HelpdeskTokenRebootsButMayNotPushFirmware) {
  StartWithApi();
  Fleet f = StartFleet(2, "HD", "127.33.0.0/24");
  WaitRegistered("HD", 2);
  const json created = ApiJson("POST", "/api/v1/tokens", {{"name", "desk-1"}, {"role", "helpdesk"}}, 201);
  ASSERT_TRUE(created.contains("token")) << created.dump();
  const std::string admin = token_;
  token_ = created["token"];
  const int64_t id = DeviceId("HD000001");
  const std::string tasks = "/api/v1/devices/" + std::to_string(id) + "/tasks";

  int status = 0;
  const json reboot = Task(id, {{"type", "reboot"}}, true, 60, &status);
  EXPECT_EQ(status, 200) << reboot.dump();
  EXPECT_EQ(reboot["state"], "done") << reboot.dump();
  EXPECT_EQ(reboot["created_by"], "desk-1");

  HttpResult download = Api("POST", tasks, {{"type", "download"},
                                            {"args", {{"file_type", "1 Firmware Upgrade Image"}, {"url", "http://fw/x.img"}}}});
  EXPECT_EQ(download.status, 403) << download.body;
  EXPECT_NE(download.body.find("\"forbidden\""), std::string::npos) << download.body;
  HttpResult reset = Api("POST", tasks, {{"type", "factory_reset"}});
  EXPECT_EQ(reset.status, 403) << reset.body;
  EXPECT_NE(reset.body.find("reason_required"), std::string::npos) << reset.body;
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE type IN ('download', 'factory_reset')"), 0);
  HttpResult with_reason = Api("POST", tasks, {{"type", "factory_reset"}}, {{"X-Ruru-Reason", "ticket 4711"}});
  EXPECT_EQ(with_reason.status, 201) << with_reason.body;
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE type = 'factory_reset'"), 1);
  EXPECT_EQ(Api("GET", "/api/v1/tokens").status, 403);

  // Each of those calls is in the audit log, with its result and reason.
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE actor = 'desk-1'"), 4);  // reboot, download, 2 resets
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE actor = 'desk-1' AND action = 'tasks.create.transfer'"
                  " AND result = 'forbidden' AND status = 403 AND device_id = " + std::to_string(id)),
            1);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE actor = 'desk-1' AND action = 'tasks.create.factory_reset'"
                  " AND result = 'ok' AND reason = 'ticket 4711'"),
            1);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE actor = 'desk-1' AND result = 'reason_required'"), 1);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE actor = 'desk-1' AND action = 'tokens.read'"), 0);  // a read

  token_ = admin;
  const json audit = ApiJson("GET", "/api/v1/audit?actor=desk-1&result=denied", nullptr, 200);
  EXPECT_EQ(audit["items"].size(), 2u) << audit.dump();
  EXPECT_EQ(Api("DELETE", "/api/v1/tokens/desk-1").status, 204);
  EXPECT_EQ(COUNT("SELECT count(*) FROM api_tokens WHERE name = 'desk-1' AND revoked_at IS NOT NULL"), 1);
  EXPECT_EQ(COUNT("SELECT count(*) FROM api_tokens WHERE name = 'desk-1' AND expires_at > now() + interval '89 days'"),
            1);
  StopFleet(f);
}

// ---- Every task type against cpesim, with the inventory checked ---------------------------------

TEST_F(TasksE2e, EveryTaskTypeAgainstCpesimWithTheInventoryChecked) {
  // A file server for Download (a RURU-FW/1 image for the TR-181 model) and Upload.
  const std::string image = cpesim::BuildFirmwareImage("RR-5000", "6.0.0", std::string(4096, 'x'));
  cpesim::testkit::TestHttpServer files([&](const cpesim::testkit::RecordedRequest& r) {
    cpesim::testkit::ScriptedResponse out;
    if (r.method == "GET" && r.target == "/fw.bin") {
      out.body = image;
    } else if (r.method == "PUT") {
      out.status = 201;
    } else {
      out.status = 404;
    }
    return out;
  });
  StartWithApi();
  Fleet f = StartFleet(1, "EV", "127.22.0.0/24");
  WaitRegistered("EV", 1);
  const int64_t id = DeviceId("EV000001");
  const std::string dev = std::to_string(id);
  auto done = [&](const json& body) {
    const json t = Task(id, body);
    EXPECT_EQ(t["state"], "done") << body.dump() << " -> " << t.dump();
    return t;
  };
  auto stored = [&](const std::string& path) {
    return QueryValue("SELECT dp.value FROM device_parameters dp JOIN parameter_paths p ON p.id = dp.path_id "
                      "WHERE dp.device_id = " + dev + " AND p.path = '" + path + "'");
  };

  // Reads are stored in the inventory.
  json t = done({{"type", "get_parameter_values"}, {"args", {{"names", {"Device.DeviceInfo."}}}}});
  EXPECT_FALSE(t["result"]["parameters"].empty());
  EXPECT_FALSE(stored("Device.DeviceInfo.ModelName").empty());
  EXPECT_FALSE(stored("Device.DeviceInfo.UpTime").empty());

  // A change, then read back from the device.
  t = done({{"type", "set_parameter_values"},
            {"args", {{"parameters", {{{"name", "Device.WiFi.SSID.1.SSID"}, {"value", "ruru-e2e"}}}}}}});
  EXPECT_EQ(stored("Device.WiFi.SSID.1.SSID"), "ruru-e2e");
  const std::string pkey = t["reconcile_key"];
  t = done({{"type", "get_parameter_values"}, {"args", {{"names", {"Device.WiFi.SSID.1.SSID", "Device.ManagementServer.ParameterKey"}}}}});
  EXPECT_EQ(t["result"]["parameters"][0]["value"], "ruru-e2e");
  EXPECT_EQ(t["result"]["parameters"][1]["value"], pkey);

  t = done({{"type", "get_parameter_names"}, {"args", {{"path", "Device.WiFi."}, {"next_level", true}}}});
  EXPECT_FALSE(t["result"]["parameters"].empty());
  t = done({{"type", "set_parameter_attributes"},
            {"args", {{"parameters", {{{"name", "Device.WiFi.SSID.1.SSID"}, {"notification_change", true}, {"notification", 1}}}}}}});
  t = done({{"type", "get_parameter_attributes"}, {"args", {{"names", {"Device.WiFi.SSID.1.SSID"}}}}});
  EXPECT_EQ(t["result"]["parameters"][0]["notification"], 1);

  // New and removed instances.
  t = done({{"type", "add_object"}, {"args", {{"object", "Device.NAT.PortMapping."}}}});
  const std::string instance = t["result"]["object"];
  EXPECT_GE(COUNT("SELECT count(*) FROM device_parameters dp JOIN parameter_paths p ON p.id = dp.path_id WHERE "
                  "dp.device_id = " + dev + " AND starts_with(p.path, '" + instance + "')"),
            3);
  done({{"type", "delete_object"}, {"args", {{"object", instance}}}});
  EXPECT_EQ(COUNT("SELECT count(*) FROM device_parameters dp JOIN parameter_paths p ON p.id = dp.path_id WHERE "
                  "dp.device_id = " + dev + " AND starts_with(p.path, '" + instance + "')"),
            0);

  // A refresh drops what the device no longer has and stores the writable flags.
  Exec("INSERT INTO parameter_paths (path) VALUES ('Device.NAT.PortMapping.99.Enable') ON CONFLICT DO NOTHING");
  Exec("INSERT INTO device_parameters (device_id, path_id, value, fetched_at) SELECT " + dev +
       ", id, 'true', now() FROM parameter_paths WHERE path = 'Device.NAT.PortMapping.99.Enable'");
  t = done({{"type", "refresh"}, {"args", {{"path", "Device."}}}});
  EXPECT_GT(t["result"]["parameters"].get<int>(), 100);
  EXPECT_EQ(stored("Device.NAT.PortMapping.99.Enable"), "");
  EXPECT_EQ(QueryValue("SELECT dp.writable FROM device_parameters dp JOIN parameter_paths p ON p.id = dp.path_id "
                       "WHERE dp.device_id = " + dev + " AND p.path = 'Device.WiFi.SSID.1.SSID'"),
            "t");
  EXPECT_EQ(QueryValue("SELECT dp.writable FROM device_parameters dp JOIN parameter_paths p ON p.id = dp.path_id "
                       "WHERE dp.device_id = " + dev + " AND p.path = 'Device.DeviceInfo.UpTime'"),
            "f");

  done({{"type", "schedule_inform"}, {"args", {{"delay_seconds", 1}}}});
  t = done({{"type", "get_rpc_methods"}});
  EXPECT_FALSE(t["result"]["methods"].empty());
  done({{"type", "get_queued_transfers"}});
  done({{"type", "get_all_queued_transfers"}});
  t = done(json{{"type", "provision"}, {"args", json{{"hook", "periodic_inform"}, {"args", json{{"interval", 900}}}}}});
  EXPECT_EQ(stored("Device.ManagementServer.PeriodicInformInterval"), "900");

  // Transfers: done when their TransferComplete arrives.
  t = done({{"type", "upload"}, {"args", {{"file_type", "1 Vendor Configuration File"}, {"url", files.Url("/up")}}}});
  EXPECT_FALSE(t["result"]["complete_time"].is_null());
  t = done({{"type", "download"},
            {"args", {{"file_type", "1 Firmware Upgrade Image"}, {"url", files.Url("/fw.bin")}, {"file_size", image.size()}}}});
  // The device installed it and rebooted: its next Inform reports the new version.
  for (int i = 0; i < 100 && QueryValue("SELECT software_version FROM devices WHERE id = " + dev) != "6.0.0"; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(QueryValue("SELECT software_version FROM devices WHERE id = " + dev), "6.0.0");
  json windows = json::array();
  windows.push_back(json{{"window_start", 0}, {"window_end", 60}, {"window_mode", "2 Immediately"}});
  json sd_args = json{{"file_type", "1 Firmware Upgrade Image"}, {"url", files.Url("/fw.bin")}, {"file_size", image.size()}};
  sd_args["time_windows"] = windows;
  t = done(json{{"type", "schedule_download"}, {"args", sd_args}});

  // CPE faults are recorded with their task.
  t = Task(id, {{"type", "cancel_transfer"}, {"args", {{"command_key", "no-such-transfer"}}}});
  EXPECT_EQ(t["state"], "fault") << t.dump();
  EXPECT_GE(t["fault"]["code"].get<int>(), 9000);
  t = Task(id, {{"type", "set_parameter_values"},
                {"args", {{"parameters", {{{"name", "Device.DeviceInfo.UpTime"}, {"value", "1"}, {"type", "unsignedInt"}}}}}}});
  EXPECT_EQ(t["state"], "fault");
  EXPECT_EQ(t["fault"]["code"], 9003);
  EXPECT_EQ(COUNT("SELECT count(*) FROM device_faults WHERE task_id = " + t["id"].dump() + " AND code = 9003"), 1);
  const json faults = ApiJson("GET", "/api/v1/faults?device=" + dev, nullptr, 200);
  EXPECT_GE(faults["items"].size(), 2u);
  json ops = json::array();
  ops.push_back(json{{"operation", "Install"}, {"url", files.Url("/du")}});
  t = Task(id, json{{"type", "change_du_state"}, {"args", json{{"operations", ops}}}});
  EXPECT_TRUE(t["state"] == "fault" || t["state"] == "done") << t.dump();

  // Factory reset: done when the device bootstraps again (it then re-onboards).
  t = done({{"type", "factory_reset"}});
  EXPECT_EQ(t["result"]["confirmed_by"], "0 BOOTSTRAP");

  const json report = StopFleet(f);
  EXPECT_EQ(Received(report, "Download"), 1);
  EXPECT_EQ(Received(report, "Upload"), 1);
  EXPECT_EQ(Received(report, "FactoryReset"), 1);
  EXPECT_EQ(report["transfers"]["firmware_installed"].get<int>(), 2);
}

// ---- Exactly once: lost answers are reconciled from the next Inform --------------------------------

TEST_F(TasksE2e, LostRebootResponseIsSettledFromTheNextInformNotResent) {
  StartWithApi();
  Fleet f = StartFleet(2, "LR", "127.23.0.0/24", {"--faults", "lost-response=1:Reboot"});
  WaitRegistered("LR", 2);
  const int64_t id = DeviceId("LR000001");
  const json t = Task(id, {{"type", "reboot"}}, true, 60);
  EXPECT_EQ(t["state"], "done") << t.dump();
  EXPECT_EQ(t["result"]["confirmed_by"], "M Reboot");
  EXPECT_EQ(t["attempts"], 1);
  EXPECT_GE(Metric("ruru_tasks_reconciled_total{verdict=\"done\"}"), 1);
  const json report = StopFleet(f);
  EXPECT_EQ(Received(report, "Reboot"), 1);
  EXPECT_EQ(report["simulated_faults"]["lost_response"], 1);
  EXPECT_EQ(report["device_events"]["reboots"], 1);
}

TEST_F(TasksE2e, DroppedConnectionAfterDownloadIsNotDownloadedAgain) {
  const std::string image = cpesim::BuildFirmwareImage("RR-5000", "6.1.0", std::string(64 * 1024, 'y'));
  cpesim::testkit::TestHttpServer files([&](const cpesim::testkit::RecordedRequest&) {
    cpesim::testkit::ScriptedResponse out;
    out.body = image;
    return out;
  });
  StartWithApi();
  Fleet f = StartFleet(1, "DL", "127.24.0.0/24", {"--faults", "lost-response=1:Download"});
  WaitRegistered("DL", 1);
  const int64_t id = DeviceId("DL000001");
  json t = Task(id, {{"type", "download"},
                     {"args", {{"file_type", "1 Firmware Upgrade Image"}, {"url", files.Url("/fw.bin")}, {"file_size", image.size()}}}},
                true, 60);
  if (t["state"] != "done") t = WaitTask(t["id"]);
  EXPECT_EQ(t["state"], "done") << t.dump();
  EXPECT_EQ(t["attempts"], 1);
  const json report = StopFleet(f);
  EXPECT_EQ(Received(report, "Download"), 1);
  EXPECT_EQ(report["transfers"]["downloads_ok"], 1);
  EXPECT_EQ(files.requests().size(), 1u);
}

// Secrets in task arguments are stored sealed (docs/security.md "Secrets at rest"): the database
// and the API never hold a Download's password or a secret parameter's value in clear, and the CPE
// still gets them (the file server sees the right credentials; the SetParameterValues is accepted).
TEST_F(TasksE2e, TaskSecretsAreSealedAtRestAndReachTheCpe) {
  const std::string image = cpesim::BuildFirmwareImage("RR-5000", "6.2.0", std::string(16 * 1024, 'z'));
  const std::string expected_auth = cwmp::BasicAuthorization("fw-user", "dl-s3cret-pw");
  cpesim::testkit::TestHttpServer files([&](const cpesim::testkit::RecordedRequest& r) {
    cpesim::testkit::ScriptedResponse out;
    if (r.Header("Authorization") != expected_auth) {
      out.status = 401;
      out.headers = {{"WWW-Authenticate", "Basic realm=\"firmware\""}};
      return out;
    }
    out.body = image;
    return out;
  });
  StartWithApi();
  Fleet f = StartFleet(1, "SEC", "127.37.0.0/24", {"--inform-interval", "2"});
  WaitRegistered("SEC", 1);
  const int64_t id = DeviceId("SEC000001");
  json t = Task(id, {{"type", "download"},
                     {"args",
                      {{"file_type", "1 Firmware Upgrade Image"},
                       {"url", files.Url("/fw.bin")},
                       {"file_size", image.size()},
                       {"username", "fw-user"},
                       {"password", "dl-s3cret-pw"}}}},
                true, 60);
  if (t["state"] != "done") t = WaitTask(t["id"]);
  EXPECT_EQ(t["state"], "done") << t.dump();
  EXPECT_EQ(t["args"]["password"], "***");
  EXPECT_EQ(t["args"]["username"], "fw-user");
  bool authorised = false;
  for (const auto& r : files.requests()) authorised = authorised || r.Header("Authorization") == expected_auth;
  EXPECT_TRUE(authorised);  // the CPE got the opened password

  const std::string passphrase_path = "Device.WiFi.AccessPoint.1.Security.KeyPassphrase";
  json s = Task(id, {{"type", "set_parameter_values"},
                     {"args", {{"parameters", {{{"name", passphrase_path}, {"value", "wifi-s3cret-42"}},
                                               {{"name", "Device.WiFi.SSID.1.SSID"}, {"value", "open-name"}}}}}}},
                true, 60);
  if (s["state"] != "done") s = WaitTask(s["id"]);
  EXPECT_EQ(s["state"], "done") << s.dump();
  EXPECT_EQ(s["args"]["parameters"][0]["value"], "***");
  EXPECT_EQ(s["args"]["parameters"][1]["value"], "open-name");  // not a secret: stored as it is

  // In the database: sealed, under the current key, and nothing of the plain text.
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE args::text LIKE '%s3cret%'"), 0);
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE id IN (" + std::to_string(t["id"].get<int64_t>()) + ", " +
                  std::to_string(s["id"].get<int64_t>()) + ") AND args::text LIKE '%$sealed%'"),
            2);
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE args::text LIKE '%open-name%'"), 1);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE params::text LIKE '%s3cret%'"), 0);

  const json report = StopFleet(f);
  EXPECT_EQ(Received(report, "Download"), 1);
  EXPECT_EQ(report["transfers"]["downloads_ok"], 1);

  // A sealed value copied into another device's task does not open there: that task faults
  // with the reason, nothing is sent in clear or garbled.
  Fleet g = StartFleet(1, "SED", "127.38.0.0/24", {"--inform-interval", "2"});
  WaitRegistered("SED", 1);
  const int64_t other = DeviceId("SED000001");
  json u = Task(other, {{"type", "set_parameter_values"},
                        {"args", {{"parameters", {{{"name", passphrase_path}, {"value", "placeholder"}}}}}}},
                false, 0);
  Exec("UPDATE tasks SET args = (SELECT args FROM tasks WHERE id = " + std::to_string(s["id"].get<int64_t>()) +
       ") WHERE id = " + std::to_string(u["id"].get<int64_t>()));
  u = WaitTask(u["id"]);  // at the device's next periodic Inform
  EXPECT_EQ(u["state"], "fault") << u.dump();
  EXPECT_NE(u["fault"]["message"].get<std::string>().find("does not open"), std::string::npos) << u.dump();
  const json report_g = StopFleet(g);
  EXPECT_EQ(Received(report_g, "SetParameterValues"), 1);  // the credential rotation only
}

// A call waiting for a second person keeps its secrets sealed too: the stored body has no
// password, approvers see "***", and the approved call runs with the real one.
TEST_F(TasksE2e, PendingApprovalsKeepSecretsSealedUntilTheyRun) {
  const std::string image = cpesim::BuildFirmwareImage("RR-5000", "6.3.0", std::string(8 * 1024, 'q'));
  const std::string expected_auth = cwmp::BasicAuthorization("fw-user", "appr-s3cret");
  cpesim::testkit::TestHttpServer files([&](const cpesim::testkit::RecordedRequest& r) {
    cpesim::testkit::ScriptedResponse out;
    if (r.Header("Authorization") != expected_auth) {
      out.status = 401;
      out.headers = {{"WWW-Authenticate", "Basic realm=\"firmware\""}};
      return out;
    }
    out.body = image;
    return out;
  });
  StartWithApi("[api]\ntwo_person_actions = tasks.create.transfer\n");
  Fleet f = StartFleet(1, "APS", "127.39.0.0/24", {"--inform-interval", "2"});
  WaitRegistered("APS", 1);
  const std::string admin = token_;
  const std::string bob = ApiJson("POST", "/api/v1/tokens", {{"name", "bob"}, {"role", "admin"}}, 201).value("token", "");
  const int64_t id = DeviceId("APS000001");
  HttpResult asked = Api("POST", "/api/v1/devices/" + std::to_string(id) + "/tasks?connection_request=true",
                         {{"type", "download"},
                          {"args",
                           {{"file_type", "1 Firmware Upgrade Image"},
                            {"url", files.Url("/fw.bin")},
                            {"file_size", image.size()},
                            {"username", "fw-user"},
                            {"password", "appr-s3cret"}}}},
                         {{"X-Ruru-Reason", "fixed firmware"}});
  ASSERT_EQ(asked.status, 202) << asked.body;
  const json pending = json::parse(asked.body)["approval"];
  EXPECT_EQ(pending["body"]["args"]["password"], "***") << pending.dump();
  EXPECT_EQ(asked.body.find("appr-s3cret"), std::string::npos);
  EXPECT_EQ(COUNT("SELECT count(*) FROM approvals WHERE body LIKE '%appr-s3cret%'"), 0);
  EXPECT_EQ(COUNT("SELECT count(*) FROM approvals WHERE body LIKE '%$sealed%'"), 1);

  token_ = bob;
  const json listed = ApiJson("GET", "/api/v1/approvals/" + std::to_string(pending["id"].get<int64_t>()), nullptr, 200);
  EXPECT_EQ(listed["body"]["args"]["password"], "***");
  HttpResult approved = Api("POST", "/api/v1/approvals/" + std::to_string(pending["id"].get<int64_t>()) + "/approve");
  EXPECT_EQ(approved.status, 200) << approved.body;
  token_ = admin;
  const int64_t task = std::atoll(QueryValue("SELECT max(id) FROM tasks WHERE type = 'download'").c_str());
  ASSERT_GT(task, 0);
  json t = WaitTask(task);
  EXPECT_EQ(t["state"], "done") << t.dump();
  EXPECT_EQ(t["created_by"], "e2e-admin");
  bool authorised = false;
  for (const auto& r : files.requests()) authorised = authorised || r.Header("Authorization") == expected_auth;
  EXPECT_TRUE(authorised);
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE args::text LIKE '%appr-s3cret%'"), 0);
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE params::text LIKE '%appr-s3cret%'"), 0);
  StopFleet(f);
}

TEST_F(TasksE2e, LostSetParameterValuesResponseIsSettledByTheParameterKey) {
  StartWithApi();
  Fleet f = StartFleet(1, "PK", "127.25.0.0/24", {"--faults", "lost-response=1:SetParameterValues"});
  WaitRegistered("PK", 1);
  const int64_t id = DeviceId("PK000001");
  json t = Task(id, {{"type", "set_parameter_values"},
                     {"args", {{"parameters", {{{"name", "Device.WiFi.SSID.1.SSID"}, {"value", "pk-test"}}}}}}},
                true, 60);
  if (t["state"] != "done") t = WaitTask(t["id"]);
  EXPECT_EQ(t["state"], "done") << t.dump();
  EXPECT_EQ(t["result"]["confirmed_by"], "ParameterKey");
  EXPECT_EQ(t["attempts"], 1);
  const json report = StopFleet(f);
  // The credential rotation at bootstrap is one SetParameterValues, the task the other.
  EXPECT_EQ(Received(report, "SetParameterValues"), 2);
}

// ---- Transient faults are retried with back-off -------------------------------------------------------

TEST_F(TasksE2e, TransientDownloadFaultsAreRetriedThenFail) {
  cpesim::testkit::TestHttpServer files([&](const cpesim::testkit::RecordedRequest&) {
    return cpesim::testkit::ScriptedResponse{};
  });
  StartWithApi();
  Fleet f = StartFleet(1, "TF", "127.26.0.0/24", {"--faults", "download-fail=1:9010", "--inform-interval", "2"});
  WaitRegistered("TF", 1);
  const int64_t id = DeviceId("TF000001");
  json t = Task(id, {{"type", "download"}, {"max_attempts", 2},
                     {"args", {{"file_type", "1 Firmware Upgrade Image"}, {"url", files.Url("/fw.bin")}}}},
                true, 0);
  t = WaitTask(t["id"]);
  EXPECT_EQ(t["state"], "fault") << t.dump();
  EXPECT_EQ(t["fault"]["code"], 9010);
  EXPECT_EQ(t["attempts"], 2);
  EXPECT_EQ(COUNT("SELECT count(*) FROM device_faults WHERE task_id = " + t["id"].dump()), 2);
  const json report = StopFleet(f);
  EXPECT_EQ(Received(report, "Download"), 2);
}

// ---- acsd killed with tasks queued, two acsd on one database ----------------------------------------

TEST_F(TasksE2e, AcsdKilledWith500TasksQueuedRunsEachOnceAfterRestart) {
  // A fixed port, as in production: the restarted acsd is the same node (tasks.node_id defaults to
  // host:port), so it knows at once that the claims of its previous life are stale.
  const uint16_t port = FreePort();
  StartAcsd("listen = 127.0.0.1:" + std::to_string(port) + "\n" + std::string(kTaskConfig));
  token_ = CreateToken("e2e-admin");
  ASSERT_EQ(cwmp_port_, port);
  Fleet f = StartFleet(500, "KQ", "127.27.0.0/22", {"--max-inflight", "200"});
  WaitRegistered("KQ", 500, 120s);
  // One reboot per device, queued (the devices inform every 10 minutes, so nothing runs yet).
  std::vector<int64_t> devices;
  for (const auto& row : Query("SELECT id FROM devices WHERE serial_number LIKE 'KQ%' ORDER BY id")) {
    devices.push_back(std::atoll(row[0].c_str()));
  }
  ASSERT_EQ(devices.size(), 500u);
  auto post = [&](int64_t device, bool kick) {
    return Api("POST", "/api/v1/devices/" + std::to_string(device) + "/tasks?connection_request=" +
                           (kick ? "true" : "false"),
               json{{"type", "reboot"}}, {{"Idempotency-Key", "kill-" + std::to_string(device)}});
  };
  for (int64_t d : devices) ASSERT_EQ(post(d, false).status, 201);
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE state = 'queued'"), 500);
  // Kick every device (the same request again, with its idempotency key, only sends the connection
  // request) and kill acsd while their sessions run: some tasks claimed, some sent, some awaiting.
  std::atomic<bool> stop{false};
  std::thread kicker([&] {
    for (int64_t d : devices) {
      if (stop) break;
      post(d, true);
    }
  });
  for (int i = 0; i < 600 && COUNT("SELECT count(*) FROM tasks WHERE state <> 'queued'") < 100; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_NE(StopAcsd(SIGKILL), -1);
  stop = true;
  kicker.join();
  const int64_t queued_at_kill = COUNT("SELECT count(*) FROM tasks WHERE state = 'queued'");
  const int64_t in_flight_at_kill = COUNT("SELECT count(*) FROM tasks WHERE state = 'running'");
  EXPECT_GE(queued_at_kill, 1) << "every task had run before the kill";
  std::cerr << "at the kill: " << queued_at_kill << " queued, " << in_flight_at_kill << " running\n";

  // The same node again (same port: the fleet's ACS URL points at it).
  StartAcsd("listen = 127.0.0.1:" + std::to_string(port) + "\n" + std::string(kTaskConfig));
  ASSERT_EQ(cwmp_port_, port);
  for (int64_t d : devices) post(d, true);  // kicks the devices whose task is not final
  // A device may still be busy in its session with the killed acsd when the first kick arrives
  // (cpesim answers such a connection request 503, as a CPE would); its task then waits for its
  // next Inform. Kick the unfinished ones again every 5 s, as an operator would (bounded).
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  for (int round = 1; std::chrono::steady_clock::now() < deadline &&
                      COUNT("SELECT count(*) FROM tasks WHERE state IN ('queued', 'running')") > 0;
       ++round) {
    std::this_thread::sleep_for(200ms);
    if (round % 25 != 0) continue;
    for (const auto& row : Query("SELECT device_id FROM tasks WHERE state IN ('queued', 'running')")) {
      post(std::atoll(row[0].c_str()), true);
    }
  }
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks"), 500);
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE state = 'done'"), 500)
      << QueryValue("SELECT string_agg(state || '/' || phase || ':' || n, ', ') FROM (SELECT state, phase, count(*) n "
                    "FROM tasks GROUP BY 1, 2) s");
  // A task marked sent whose Reboot the kill stopped before it reached the device is sent again
  // (the device informed without booting: docs/tasks.md); the devices' own count below is the
  // proof that no device got two.
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE attempts NOT IN (1, 2)"), 0);
  const json report = StopFleet(f);
  EXPECT_EQ(Received(report, "Reboot"), 500);
  EXPECT_EQ(report["device_events"]["reboots"], 500);
}

TEST_F(TasksE2e, TwoAcsdOnOneDatabaseNeverRunATaskTwice) {
  // Both fleets simulate the same 200 devices, one informing each acsd: every device is served by
  // both nodes, often at the same moment. Credentials are not rotated (the two copies of a device
  // would fight over them).
  StartWithApi("[credentials]\nrotate_on_bootstrap = false\n");
  const uint16_t admin_a = admin_port_;
  const std::string url_a = CwmpUrl();
  // A second acsd on the same database.
  const std::string conf_b = dir_ + "/acsd-b.conf";
  {
    std::ifstream in(dir_ + "/acsd.conf");
    std::stringstream ss;
    ss << in.rdbuf();
    std::ofstream(conf_b) << ss.str();
  }
  const std::string ready_b = dir_ + "/ready-b";
  const pid_t b = Spawn({ACSD_PATH_FOR_TEST, "run", "--config", conf_b, "--ready-file", ready_b}, dir_ + "/acsd-b.log");
  ASSERT_GT(b, 0);
  uint16_t cwmp_b = 0, admin_b = 0;
  for (int i = 0; i < 400 && cwmp_b == 0; ++i) {
    std::sscanf(ReadText(ready_b).c_str(), "cwmp_port=%hu\nadmin_port=%hu", &cwmp_b, &admin_b);
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_NE(cwmp_b, 0) << ReadText(dir_ + "/acsd-b.log");
  Fleet fa = StartFleet(200, "TW", "127.28.0.0/24", {"--inform-interval", "2", "--acs-password-format", "x"});
  const std::string report_b = dir_ + "/fleet-b.json";
  Fleet fb;
  fb.report = report_b;
  fb.pid = Spawn({std::getenv("RURU_TEST_CPESIM") && *std::getenv("RURU_TEST_CPESIM") ? std::getenv("RURU_TEST_CPESIM") : CPESIM_PATH_FOR_TEST,
                  "--acs-url", "http://127.0.0.1:" + std::to_string(cwmp_b) + "/", "--report", report_b,
                  "--summary-interval", "0", "--devices", "200", "--serial-prefix", "TW", "--source-ips",
                  "127.29.0.0/24", "--model", kModel181, "--ramp-per-second", "0", "--inform-interval", "2",
                  "--reboot-delay", "1", "--duration", "300", "--acs-password-format", "x"},
                 report_b + ".log");
  if (fb.pid > 0) running_.insert(fb.pid);
  for (int i = 0; i < 600 && COUNT("SELECT count(*) FROM devices WHERE serial_number LIKE 'TW%'") < 200; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(COUNT("SELECT count(*) FROM devices WHERE serial_number LIKE 'TW%'"), 200);
  for (const auto& row : Query("SELECT id FROM devices WHERE serial_number LIKE 'TW%' ORDER BY id")) {
    int status = 0;
    Task(std::atoll(row[0].c_str()), {{"type", "reboot"}}, false, 0, &status);
    ASSERT_EQ(status, 201);
  }
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < deadline &&
         COUNT("SELECT count(*) FROM tasks WHERE state IN ('queued', 'running')") > 0) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE state = 'done'"), 200)
      << QueryValue("SELECT string_agg(state || '/' || phase || ':' || n, ', ') FROM (SELECT state, phase, count(*) n "
                    "FROM tasks GROUP BY 1, 2) s");
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks WHERE attempts <> 1"), 0);
  // Both nodes ran some of them.
  const std::string metric = "ruru_task_rpcs_sent_total";
  auto sent_by = [&](uint16_t admin) {
    const std::string text = HttpRequest(admin, "GET", "/metrics").body;
    const size_t at = text.find("\n" + metric + " ");
    return at == std::string::npos ? 0.0 : std::atof(text.c_str() + at + metric.size() + 2);
  };
  const double a_sent = sent_by(admin_a), b_sent = sent_by(admin_b);
  EXPECT_EQ(a_sent + b_sent, 200);
  EXPECT_GT(a_sent, 0);
  EXPECT_GT(b_sent, 0);
  const json ra = StopFleet(fa), rb = StopFleet(fb);
  EXPECT_EQ(Received(ra, "Reboot") + Received(rb, "Reboot"), 200);
  ::kill(b, SIGTERM);
  EXPECT_NE(WaitFor(b, 30s), -1);
  (void)url_a;
}

// ---- Connection requests: NAT, refused URLs -------------------------------------------------------------

TEST_F(TasksE2e, UnreachableDeviceIsReportedAndItsTaskRunsAtTheNextInform) {
  StartWithApi();
  // A device behind NAT reports an address nothing answers at (the sandbox's network answers every
  // outside address, so a closed loopback port stands in for the private address).
  HandCpe cpe(cwmp_port_, "NAT-1", "http://127.66.0.1:9/cr");
  auto ir = cpe.Inform({{"0 BOOTSTRAP", ""}, {"1 BOOT", ""}});
  ASSERT_TRUE(ir && std::holds_alternative<cwmp::InformResponse>(ir->body));
  auto spv = cpe.Empty();  // acsd sends the device its own credentials
  ASSERT_TRUE(spv && std::holds_alternative<cwmp::SetParameterValues>(spv->body));
  auto end = cpe.Answer(*spv, cwmp::SetParameterValuesResponse{0});
  ASSERT_TRUE(end && std::holds_alternative<cwmp::Empty>(end->body));
  cpe.AdoptNewCredentials();
  const int64_t id = DeviceId("NAT-1");

  int status = 0;
  const json t = Task(id, {{"type", "reboot"}}, true, 3, &status);
  EXPECT_EQ(status, 202) << t.dump();
  EXPECT_EQ(t["connection_request"]["status"], "unreachable") << t.dump();
  EXPECT_EQ(t["state"], "queued");

  // Its next periodic Inform runs the task.
  ASSERT_TRUE(cpe.Inform({{"2 PERIODIC", ""}}));
  auto reboot = cpe.Empty();
  ASSERT_TRUE(reboot && std::holds_alternative<cwmp::Reboot>(reboot->body));
  const std::string key = std::get<cwmp::Reboot>(reboot->body).command_key;
  EXPECT_EQ(key, t["reconcile_key"]);
  auto done = cpe.Answer(*reboot, cwmp::RebootResponse{});
  ASSERT_TRUE(done && std::holds_alternative<cwmp::Empty>(done->body));
  EXPECT_EQ(GetTask(t["id"])["phase"], "awaiting");
  ASSERT_TRUE(cpe.Inform({{"1 BOOT", ""}, {"M Reboot", key}}));
  EXPECT_TRUE(cpe.Empty());
  const json final = WaitTask(t["id"], 30s);
  EXPECT_EQ(final["state"], "done");
  EXPECT_EQ(final["result"]["confirmed_by"], "M Reboot");
}

TEST_F(TasksE2e, ConnectionRequestUrlOutsideTheAllowedNetworksIsRefused) {
  // The default denied networks include loopback, where cpesim listens.
  StartAcsd("onboarding = open\nunknown_devices = register\n");
  token_ = CreateToken("e2e-admin");
  Fleet f = StartFleet(1, "CU", "127.30.0.0/24");
  WaitRegistered("CU", 1);
  int status = 0;
  const json t = Task(DeviceId("CU000001"), {{"type", "reboot"}}, true, 2, &status);
  EXPECT_EQ(status, 202);
  EXPECT_EQ(t["connection_request"]["status"], "refused_url") << t.dump();
  EXPECT_EQ(t["state"], "queued");
  const json report = StopFleet(f);
  EXPECT_EQ(report["connection_requests"]["received"], 0);
}

// ---- Session rules: HoldRequests, work queued mid-session -------------------------------------------------

TEST_F(TasksE2e, HoldRequestsRunsTheTaskBeforeTheCpesOwnRequests) {
  StartWithApi("[credentials]\nrotate_on_bootstrap = false\n");
  HandCpe cpe(cwmp_port_, "HOLD-1", "http://127.0.0.1:1/");
  ASSERT_TRUE(cpe.Inform({{"1 BOOT", ""}}));
  ASSERT_TRUE(cpe.Empty());
  const int64_t id = DeviceId("HOLD-1");
  int status = 0;
  const json t = Task(id, {{"type", "get_parameter_values"}, {"hold_requests", true},
                           {"args", {{"names", {"Device.DeviceInfo.SoftwareVersion"}}}}},
                      false, 0, &status);
  ASSERT_EQ(status, 201) << t.dump();

  // The device has a TransferComplete to report, but acsd holds its requests.
  auto ir = cpe.Inform({{"7 TRANSFER COMPLETE", ""}, {"M Download", "older"}});
  ASSERT_TRUE(ir && std::holds_alternative<cwmp::InformResponse>(ir->body));
  EXPECT_TRUE(ir->hold_requests);
  auto gpv = cpe.Empty();
  ASSERT_TRUE(gpv && std::holds_alternative<cwmp::GetParameterValues>(gpv->body));
  auto after = cpe.Answer(*gpv, cwmp::GetParameterValuesResponse{
                                    {{"Device.DeviceInfo.SoftwareVersion", cwmp::ParameterValue::String("1.0")}}});
  ASSERT_TRUE(after && std::holds_alternative<cwmp::Empty>(after->body));
  // Released: the CPE now sends what it held, on the same session.
  cwmp::Envelope tc;
  tc.ns = cwmp::Namespace::kCwmp12;
  tc.id = "tc";
  tc.body = cwmp::TransferComplete{"older", {0, ""}, "2026-12-01T00:00:00Z", "2026-12-01T00:00:05Z"};
  auto tcr = cpe.Post(tc);
  ASSERT_TRUE(tcr && std::holds_alternative<cwmp::TransferCompleteResponse>(tcr->body)) << cpe.status();
  auto last = cpe.Empty();
  ASSERT_TRUE(last && std::holds_alternative<cwmp::Empty>(last->body));
  EXPECT_EQ(GetTask(t["id"])["state"], "done");
  EXPECT_EQ(COUNT("SELECT count(*) FROM cpe_reports WHERE rpc = 'TransferComplete' AND command_key = 'older'"), 1);
}

TEST_F(TasksE2e, ATaskQueuedDuringASessionRunsInThatSession) {
  StartWithApi("[credentials]\nrotate_on_bootstrap = false\n");
  HandCpe cpe(cwmp_port_, "MID-1", "http://127.0.0.1:1/");
  ASSERT_TRUE(cpe.Inform({{"1 BOOT", ""}}));
  ASSERT_TRUE(cpe.Empty());
  const int64_t id = DeviceId("MID-1");
  ASSERT_TRUE(cpe.Inform({{"2 PERIODIC", ""}}));  // no work yet: the Inform said so
  int status = 0;
  const json t = Task(id, {{"type", "get_rpc_methods"}}, false, 0, &status);
  ASSERT_EQ(status, 201);
  // No wait: the API's acsd knows of the task before it answers (the NOTIFY tells other nodes).
  auto req = cpe.Empty();
  ASSERT_TRUE(req && std::holds_alternative<cwmp::GetRPCMethods>(req->body)) << cwmp::RpcName(req ? req->body : cwmp::Body{});
  auto end = cpe.Answer(*req, cwmp::GetRPCMethodsResponse{{"GetRPCMethods", "Inform"}});
  ASSERT_TRUE(end && std::holds_alternative<cwmp::Empty>(end->body));
  EXPECT_EQ(GetTask(t["id"])["state"], "done");
}

// Another node queues the task (here the store, as another acsd's API would): this acsd learns of
// it through LISTEN/NOTIFY, counted in ruru_task_notices_total, and the open session runs it.
TEST_F(TasksE2e, ATaskQueuedByAnotherNodeDuringASessionRunsInThatSession) {
  StartWithApi("[credentials]\nrotate_on_bootstrap = false\n");
  HandCpe cpe(cwmp_port_, "MID-2", "http://127.0.0.1:1/");
  ASSERT_TRUE(cpe.Inform({{"1 BOOT", ""}}));
  ASSERT_TRUE(cpe.Empty());
  const int64_t id = DeviceId("MID-2");
  ASSERT_TRUE(cpe.Inform({{"2 PERIODIC", ""}}));
  const double before = Metric("ruru_task_notices_total{kind=\"queued\"}");
  db::pg::PgOptions o;
  o.dsn = dsn();
  auto other_node = db::pg::OpenTaskStore(o);
  db::NewTask t;
  t.device_id = id;
  t.type = "get_rpc_methods";
  t.now = std::chrono::system_clock::now();
  t.expires_at = t.now + std::chrono::hours(1);
  t.created_by = "other-node-test";
  auto created = other_node->Create(t);
  ASSERT_TRUE(created.ok()) << created.error().message;
  for (int i = 0; i < 200 && Metric("ruru_task_notices_total{kind=\"queued\"}") <= before; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_GT(Metric("ruru_task_notices_total{kind=\"queued\"}"), before) << "no NOTIFY within 20 s";
  auto req = cpe.Empty();
  ASSERT_TRUE(req && std::holds_alternative<cwmp::GetRPCMethods>(req->body)) << cwmp::RpcName(req ? req->body : cwmp::Body{});
  auto end = cpe.Answer(*req, cwmp::GetRPCMethodsResponse{{"GetRPCMethods", "Inform"}});
  ASSERT_TRUE(end && std::holds_alternative<cwmp::Empty>(end->body));
  EXPECT_EQ(GetTask(created->task.id)["state"], "done");
}

// ---- Expiry and cancellation -----------------------------------------------------------------------------

TEST_F(TasksE2e, TasksExpireAndQueuedOnesCanBeCancelled) {
  StartWithApi("[credentials]\nrotate_on_bootstrap = false\n");
  HandCpe cpe(cwmp_port_, "EXP-1", "http://127.0.0.1:1/");
  ASSERT_TRUE(cpe.Inform({{"1 BOOT", ""}}));
  ASSERT_TRUE(cpe.Empty());
  const int64_t id = DeviceId("EXP-1");
  int status = 0;
  const json short_lived = Task(id, {{"type", "reboot"}, {"expires_in", 1}}, false, 0, &status);
  ASSERT_EQ(status, 201);
  const json cancelled = Task(id, {{"type", "reboot"}}, false, 0, &status);
  HttpResult del = Api("DELETE", "/api/v1/tasks/" + cancelled["id"].dump());
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(json::parse(del.body)["state"], "cancelled");
  EXPECT_EQ(Api("DELETE", "/api/v1/tasks/" + cancelled["id"].dump()).status, 409);
  const json expired = WaitTask(short_lived["id"], 20s);
  EXPECT_EQ(expired["state"], "expired");
  // The server's own decision is in the audit log, as acsd:<node>.
  const std::string expired_id = std::to_string(short_lived["id"].get<int64_t>());
  for (int i = 0; i < 50 && COUNT("SELECT count(*) FROM audit_log WHERE action = 'tasks.expire' AND target = 'task:" +
                                  expired_id + "'") == 0;
       ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(COUNT("SELECT count(*) FROM audit_log WHERE action = 'tasks.expire' AND target = 'task:" + expired_id +
                  "' AND actor LIKE 'acsd:%' AND result = 'ok' AND device_id IS NOT NULL"),
            1);
  // Nothing reaches the device at its next Inform.
  ASSERT_TRUE(cpe.Inform({{"2 PERIODIC", ""}}));
  auto none = cpe.Empty();
  ASSERT_TRUE(none);
  EXPECT_TRUE(std::holds_alternative<cwmp::Empty>(none->body));
}

// ---- The API's own rules, end to end -----------------------------------------------------------------------

TEST_F(TasksE2e, ApiRefusesBadInputAndChangesNothing) {
  StartWithApi("[credentials]\nrotate_on_bootstrap = false\n");
  HandCpe cpe(cwmp_port_, "API-1", "http://127.0.0.1:1/");
  ASSERT_TRUE(cpe.Inform({{"1 BOOT", ""}}));
  const int64_t id = DeviceId("API-1");
  const std::string tasks = "/api/v1/devices/" + std::to_string(id) + "/tasks";
  EXPECT_EQ(HttpRequest(admin_port_, "GET", "/api/v1/devices").status, 401);
  EXPECT_EQ(HttpRequest(admin_port_, "GET", "/api/v1/devices", {{"Authorization", "Bearer ruru_nope"}}).status, 401);
  auto code = [&](const HttpResult& r) { return json::parse(r.body, nullptr, false)["error"]["code"]; };
  HttpResult r = Api("POST", tasks, {{"type", "reboot"}, {"args", {{"delay", 1}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(code(r), "invalid_argument");
  EXPECT_NE(r.body.find("args.delay"), std::string::npos) << r.body;
  r = Api("POST", tasks, {{"type", "format_disk"}});
  EXPECT_EQ(r.status, 400);
  r = HttpRequest(admin_port_, "POST", tasks, {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}},
                  "{\"type\": ");
  EXPECT_EQ(r.status, 400);
  r = Api("POST", "/api/v1/devices/999999/tasks", {{"type", "reboot"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(code(r), "not_found");
  r = Api("POST", tasks + "?wait=100000", {{"type", "reboot"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks"), 0);
  // Idempotency: the same key gives the same task; a different request with it is refused.
  r = Api("POST", tasks, {{"type", "reboot"}}, {{"Idempotency-Key", "abc-1"}});
  EXPECT_EQ(r.status, 201);
  const json first = json::parse(r.body);
  r = Api("POST", tasks, {{"type", "reboot"}}, {{"Idempotency-Key", "abc-1"}});
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["id"], first["id"]);
  r = Api("POST", tasks, {{"type", "factory_reset"}}, {{"Idempotency-Key", "abc-1"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(code(r), "idempotency_conflict");
  EXPECT_EQ(COUNT("SELECT count(*) FROM tasks"), 1);
  const json spec = json::parse(HttpRequest(admin_port_, "GET", "/api/v1/openapi.json").body, nullptr, false);
  EXPECT_EQ(spec["openapi"].get<std::string>().rfind("3.0", 0), 0u);
}

}  // namespace
}  // namespace ruru::testing
