// Unit tests of the REST API v1 (acs/api) and API tokens (acs/access/api_tokens.h): real
// HTTP requests over 127.0.0.1 to an AdminServer carrying the API, with in-memory fakes of the
// stores and the task service (api_fakes.h). No PostgreSQL, no timed assertions: the fakes answer
// at once and the test clock only moves when told.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "acs/access/api_tokens.h"
#include "acs/access/permissions.h"
#include "acs/access/rate_limit.h"
#include "acs/api/mapping.h"
#include "acs/api/rest_api.h"
#include "acs/api/values.h"
#include "acs/net/admin_server.h"
#include "acs/net/http_server.h"
#include "acs/tasks/task_types.h"
#include "base/beast.h"
#include "tests/acs/api_fakes.h"
#include "tests/support/test_paths.h"

namespace ruru::acs {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Inventory;
using tcp = asio::ip::tcp;

// One log line per request is for operators; here it would drown the test output.
[[maybe_unused]] const bool kQuietLogs = [] {
  spdlog::set_level(spdlog::level::warn);
  return true;
}();

// A clock tests move by hand; safe to read from the server's threads.
using TestClock = ManualClock;

// 2026-12-03T11:34:37.123Z
const db::TimePoint kT0 = db::TimePoint(std::chrono::milliseconds(1796297677123));

struct HttpReply {
  int status = 0;
  http::response<http::string_body> raw;
  json body;  // parsed when the answer is JSON
  std::string header(const char* name) const { return std::string(raw[name]); }
  std::string error_code() const { return body.is_object() && body.contains("error") ? body["error"].value("code", "") : ""; }
};

class ApiTest : public ::testing::Test {
 protected:
  ApiTest() : clock_(kT0), devices_(inv_), admin_(inv_), tasks_(inv_), service_(inv_) {
    config_.api.max_body_bytes = 64 * 1024;
    token_ = AddToken("ops", "admin");
  }

  ~ApiTest() override {
    if (server_) server_->Stop();
    work_.reset();
    ioc_.stop();
    if (io_thread_.joinable()) io_thread_.join();
    pool_.join();
  }

  // Creates a token in the fake store and returns it.
  std::string AddToken(const std::string& name, const std::string& role,
                       std::optional<db::TimePoint> expires = std::nullopt) {
    const std::string token = access::GenerateApiToken();
    std::lock_guard lock(inv_.mu);
    db::ApiToken t;
    t.id = static_cast<int64_t>(inv_.tokens.size()) + 1;
    t.name = name;
    t.role = role;
    t.prefix = access::ApiTokenPrefix(token);
    t.created_at = kT0 - 24h;
    t.expires_at = expires;
    inv_.tokens[access::ApiTokenSha256(token)] = t;
    return token;
  }

  db::Device& AddDevice(int64_t id, const std::string& serial) {
    std::lock_guard lock(inv_.mu);
    db::Device d;
    d.id = id;
    d.key = {"A1B2C3", "Router", serial};
    d.manufacturer = "Acme";
    d.software_version = "1.0";
    d.periodic_inform_interval = 300;
    d.last_inform = kT0 - 60s;
    d.registered_at = kT0 - 48h;
    d.peer_ip = "203.0.113.7";
    d.inform_count = 7;
    return inv_.devices[id] = d;
  }

  db::Task& AddTask(int64_t id, int64_t device, db::TaskState state, db::TaskPhase phase = db::TaskPhase::kNone) {
    std::lock_guard lock(inv_.mu);
    db::Task t;
    t.id = id;
    t.device_id = device;
    t.type = "reboot";
    t.args_json = "{}";
    t.state = state;
    t.phase = phase;
    t.created_at = kT0;
    t.updated_at = kT0;
    t.expires_at = kT0 + 24h;
    inv_.next_task = std::max(inv_.next_task, id + 1);
    return inv_.tasks[id] = t;
  }

  void Start() {
    if (server_) return;
    api::ApiDeps deps;
    deps.config = &config_;
    deps.devices = &devices_;
    deps.admin = &admin_;
    deps.tasks = &tasks_;
    deps.task_service = &service_;
    deps.clock = &clock_;
    deps.pool = &pool_;
    deps.metrics = &metrics_;
    deps.audit = &audit_;
    api_ = std::make_shared<api::RestApi>(deps);
    server_ = std::make_unique<net::AdminServer>(
        ioc_, "127.0.0.1:0", metrics_, [] { return std::string(); }, api_);
    ASSERT_TRUE(server_->Listen().ok());
    server_->Start();
    io_thread_ = std::thread([this] { ioc_.run(); });
  }

  // Waits until every job queued on the (one-thread, FIFO) pool before this call has run.
  void DrainPool() {
    std::promise<void> done;
    asio::post(pool_, [&] { done.set_value(); });
    done.get_future().wait();
  }

  HttpReply Send(http::verb method, const std::string& target, const std::string& body = "",
                 const std::string& content_type = "application/json",
                 const std::vector<std::pair<std::string, std::string>>& headers = {}, bool auth = true) {
    Start();
    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, "127.0.0.1");
    if (auth) req.set(http::field::authorization, "Bearer " + token_);
    for (const auto& [name, value] : headers) req.insert(name, value);
    if (!body.empty()) {
      req.set(http::field::content_type, content_type);
      req.body() = body;
    }
    req.prepare_payload();
    std::ostringstream raw;
    raw << req;
    return SendRaw(raw.str());
  }
  HttpReply Get(const std::string& target) { return Send(http::verb::get, target); }
  HttpReply Post(const std::string& target, const json& body) { return Send(http::verb::post, target, body.dump()); }

  HttpReply SendRaw(const std::string& bytes) {
    Start();
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    asio::write(socket, asio::buffer(bytes));
    beast::flat_buffer buffer;
    HttpReply r;
    http::read(socket, buffer, r.raw);
    r.status = static_cast<int>(r.raw.result_int());
    if (r.raw[http::field::content_type] == "application/json" && !r.raw.body().empty()) {
      r.body = json::parse(r.raw.body());
    }
    return r;
  }

  std::string AuthHeader() const { return "Authorization: Bearer " + token_ + "\r\n"; }

  // The same API called in process, without a listener: the request as a plain message.
  web::Response CallInProcess(web::Request request) {
    Start();
    auto answer = asio::co_spawn(ioc_, api_->Handle(std::move(request)), asio::use_future);
    return answer.get();
  }

  config::Config config_;
  TestClock clock_;
  Inventory inv_;
  testing::FakeDeviceStore devices_;
  testing::FakeDeviceAdmin admin_;
  testing::FakeTaskStore tasks_;
  testing::FakeAuditStore audit_{inv_};
  testing::FakeTaskService service_;
  metrics::MetricsRegistry metrics_;
  asio::thread_pool pool_{1};
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  std::shared_ptr<api::RestApi> api_;
  std::unique_ptr<net::AdminServer> server_;
  std::thread io_thread_;
  std::string token_;
};

void ExpectError(const HttpReply& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.raw.body();
  EXPECT_EQ(r.error_code(), code) << r.raw.body();
  EXPECT_TRUE(r.body["error"]["message"].is_string()) << r.raw.body();
  EXPECT_EQ(r.header("Content-Type"), "application/json");
}

// ---- pure helpers ----------------------------------------------------------------------------

TEST(ApiTokens, GeneratedTokensAreWellFormedAndDistinct) {
  const std::string a = access::GenerateApiToken();
  const std::string b = access::GenerateApiToken();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 48u);
  EXPECT_EQ(a.substr(0, 5), "ruru_");
  EXPECT_TRUE(access::IsWellFormedApiToken(a));
  EXPECT_EQ(access::ApiTokenPrefix(a), a.substr(0, 12));
  EXPECT_FALSE(access::IsWellFormedApiToken(a.substr(0, 47)));
  EXPECT_FALSE(access::IsWellFormedApiToken("xxxx_" + a.substr(5)));
  EXPECT_FALSE(access::IsWellFormedApiToken(a.substr(0, 47) + "="));
  EXPECT_FALSE(access::IsWellFormedApiToken(a.substr(0, 47) + "B"));  // non-canonical last character
}

TEST(ApiTokens, HashIsSha256HexOfTheWholeToken) {
  EXPECT_EQ(access::ApiTokenSha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(access::ApiTokenSha256("ruru_x").size(), 64u);
}

TEST(ApiTokens, NamesRolesAndLifetimes) {
  EXPECT_TRUE(access::ValidateApiTokenName("quickstart").ok());
  EXPECT_TRUE(access::ValidateApiTokenName("alice@ops.example-1").ok());
  EXPECT_FALSE(access::ValidateApiTokenName("").ok());
  EXPECT_FALSE(access::ValidateApiTokenName("-x").ok());
  EXPECT_FALSE(access::ValidateApiTokenName("a b").ok());
  EXPECT_FALSE(access::ValidateApiTokenName(std::string(65, 'a')).ok());
  EXPECT_TRUE(access::ValidateApiTokenRole("admin").ok());
  EXPECT_TRUE(access::ValidateApiTokenRole("helpdesk").ok());
  EXPECT_TRUE(access::ValidateApiTokenRole("readonly").ok());
  auto refused = access::ValidateApiTokenRole("root");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("roles: admin, helpdesk, security, firmware, noc, readonly"), std::string::npos);
  EXPECT_EQ(*access::ParseApiTokenLifetime("90d"), std::chrono::seconds(90 * 86400));
  EXPECT_EQ(*access::ParseApiTokenLifetime("12h"), std::chrono::seconds(12 * 3600));
  EXPECT_EQ(*access::ParseApiTokenLifetime("30m"), std::chrono::seconds(1800));
  EXPECT_EQ(*access::ParseApiTokenLifetime("45s"), std::chrono::seconds(45));
  for (const char* bad : {"", "d", "0d", "-1d", "10", "10y", "1.5d", "3651d", "99999999999d"}) {
    EXPECT_FALSE(access::ParseApiTokenLifetime(bad).ok()) << bad;
  }
}

TEST(ApiValues, TimesFormatAndParse) {
  EXPECT_EQ(api::FormatTime(kT0), "2026-12-03T11:34:37.123Z");
  EXPECT_EQ(api::FormatTime(db::TimePoint{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(*api::ParseTime("2026-12-03T11:34:37.123Z"), kT0);
  EXPECT_EQ(*api::ParseTime("2026-12-04T00:34:37.123+13:00"), kT0);
  EXPECT_EQ(*api::ParseTime("2026-12-03t11:34:37.123456z"), kT0 + 456us);
  EXPECT_EQ(api::FormatTime(*api::ParseTime("2024-02-29T23:59:59.9999Z")), "2024-02-29T23:59:59.999Z");
  for (const char* bad : {"", "2026-12-03", "2026-12-03T11:34:37", "2026-13-03T11:34:37Z", "2026-02-29T00:00:00Z",
                          "2026-12-03T24:00:00Z", "2026-12-03T11:34:37.Z", "2026-12-03T11:34:37.1234567890Z",
                          "2026-12-03T11:34:37+1300", "1969-12-31T23:59:59Z", "2026-12-03T11:34:37Z ", "tomorrow"}) {
    EXPECT_FALSE(api::ParseTime(bad).ok()) << bad;
  }
}

TEST(ApiValues, CursorsAreOpaqueAndChecked) {
  const std::string c = api::EncodeCursor('d', 42);
  EXPECT_EQ(*api::DecodeCursor('d', c), 42);
  EXPECT_FALSE(api::DecodeCursor('t', c).ok());  // another list's cursor
  for (const char* bad : {"", "42", "!!", "ZDow", "ZDotMQ", "ZDoxMj", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"}) {
    EXPECT_FALSE(api::DecodeCursor('d', bad).ok()) << bad;
  }
  EXPECT_EQ(*access::Base64UrlDecode(access::Base64UrlEncode("any\xff bytes")), "any\xff bytes");
}

TEST(ApiValues, QueryStringsAreDecodedStrictly) {
  auto q = api::ParseQuery("a=1&b=x%20y+z&c");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->at("a"), "1");
  EXPECT_EQ(q->at("b"), "x y z");
  EXPECT_EQ(q->at("c"), "");
  for (const char* bad : {"a=%", "a=%2", "a=%zz", "a=1&a=2", "=1", "a=%00", "a=%ff"}) {
    EXPECT_FALSE(api::ParseQuery(bad).ok()) << bad;
  }
}

TEST(ApiValues, IdsTagsPhonesAndText) {
  EXPECT_EQ(*api::ParsePositiveId("9223372036854775807", "id"), INT64_MAX);
  for (const char* bad : {"", "0", "-1", "007", "1e3", " 1", "9223372036854775808", "99999999999999999999"}) {
    EXPECT_FALSE(api::ParsePositiveId(bad, "id").ok()) << bad;
  }
  EXPECT_TRUE(api::IsValidTag("vip"));
  EXPECT_TRUE(api::IsValidTag("region:akl-1.b_2"));
  EXPECT_TRUE(api::IsValidTag(std::string(64, 'a')));
  for (const std::string& bad : std::vector<std::string>{"", "-x", ".x", "a b", "a/b", "ä", std::string(65, 'a')}) {
    EXPECT_FALSE(api::IsValidTag(bad)) << bad;
  }
  EXPECT_TRUE(api::IsValidPhone("+6421555123"));
  EXPECT_TRUE(api::IsValidPhone("+123456"));
  EXPECT_TRUE(api::IsValidPhone("+123456789012345"));
  for (const char* bad : {"", "6421555123", "+12345", "+1234567890123456", "+64 21", "+64-21555123"}) {
    EXPECT_FALSE(api::IsValidPhone(bad)) << bad;
  }
  EXPECT_FALSE(api::CheckText("a\x01", 10, "x").ok());
  EXPECT_FALSE(api::CheckText("\xc3", 10, "x").ok());
  EXPECT_FALSE(api::CheckText("\xed\xa0\x80", 10, "x").ok());  // a surrogate
  EXPECT_TRUE(api::CheckText("Kia ora \xc4\x81", 20, "x").ok());
  EXPECT_EQ(api::JsonDepth(R"({"a":[{"b":"[[[["}]})", 10), 3);
  EXPECT_EQ(*api::ParseIpAddress("::FFFF:1.2.3.4"), "::ffff:1.2.3.4");
  EXPECT_FALSE(api::ParseIpAddress("1.2.3").ok());
}

TEST(ApiValues, SerialListsPlainAndCsv) {
  auto plain = api::ParseSerialList("# fleet\nSN1\n\n  SN2  \r\nSN1\n", false, 10);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(*plain, (std::vector<std::string>{"SN1", "SN2"}));
  auto csv = api::ParseSerialList("serial_number,note\nSN1,first\n\"SN,2\",x\n\"SN\"\"3\"\n# c\nSN4\n", true, 10);
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  EXPECT_EQ(*csv, (std::vector<std::string>{"SN1", "SN,2", "SN\"3", "SN4"}));
  EXPECT_FALSE(api::ParseSerialList("\"SN1,x\n", true, 10).ok());
  EXPECT_FALSE(api::ParseSerialList("# nothing\n\n", false, 10).ok());
  EXPECT_FALSE(api::ParseSerialList("a\nb\nc\n", false, 2).ok());
  EXPECT_FALSE(api::ParseSerialList("a\x01\n", false, 2).ok());
}

TEST(ApiMapping, PasswordsRedactedAtAnyDepth) {
  api::Json v = api::Json::parse(R"({"password":"x","a":[{"Password":{"deep":1}},{"b":{"password":"y","k":"v"}}]})");
  api::RedactPasswords(v);
  EXPECT_EQ(v.dump(), R"({"password":"***","a":[{"Password":"***"},{"b":{"password":"***","k":"v"}}]})");
  // Parameter values whose name names a secret, sealed values, and not CWMP's keys.
  api::Json p = api::Json::parse(
      R"({"parameters":[{"name":"Device.WiFi.AccessPoint.1.Security.KeyPassphrase","value":"w"},)"
      R"({"name":"Device.WiFi.SSID.1.SSID","value":"home"}],"command_key":"ck",)"
      R"("x":{"$sealed":{"key_id":"k1","data":"00"}}})");
  api::RedactPasswords(p);
  EXPECT_EQ(p.dump(), R"({"parameters":[{"name":"Device.WiFi.AccessPoint.1.Security.KeyPassphrase","value":"***"},)"
                      R"({"name":"Device.WiFi.SSID.1.SSID","value":"home"}],"command_key":"ck","x":"***"})");
}

TEST(ApiMapping, OnlineRule) {
  db::Device d;
  d.last_inform = kT0 - 720s;
  d.periodic_inform_interval = 300;
  EXPECT_TRUE(api::IsOnline(d, kT0, 120s));    // 720 <= 2*300 + 120
  EXPECT_FALSE(api::IsOnline(d, kT0 + 1s, 120s));
  d.periodic_inform_interval.reset();          // unknown: one day
  d.last_inform = kT0 - 2 * 86400s - 120s;
  EXPECT_TRUE(api::IsOnline(d, kT0, 120s));
  EXPECT_FALSE(api::IsOnline(d, kT0 + 1ms, 120s));
  d.last_inform.reset();
  EXPECT_FALSE(api::IsOnline(d, kT0, 120s));
}

// ---- in process (plain messages, no listener) ---------------------------------------------------

TEST_F(ApiTest, InProcessCallsGetTheSameAnswersAsTheListener) {
  AddDevice(1, "SN1");
  web::Request req;
  req.method = "GET";
  req.target = "/api/v1/devices/1";
  req.headers.Add("authorization", "Bearer " + token_);  // header names in any case
  const web::Response in_process = CallInProcess(req);
  const HttpReply wire = Get("/api/v1/devices/1");
  ASSERT_EQ(web::Code(in_process.status), 200u);
  EXPECT_EQ(wire.status, 200);
  EXPECT_EQ(in_process.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(in_process.headers.Get("Cache-Control"), "no-store");
  EXPECT_EQ(in_process.headers.Get("X-Request-Id").size(), 16u);
  EXPECT_EQ(json::parse(in_process.body), wire.body);
  EXPECT_EQ(json::parse(in_process.body)["serial_number"], "SN1");
}

TEST_F(ApiTest, InProcessCallsAreAuthenticatedAndCheckedLikeWireCalls) {
  AddDevice(1, "SN1");
  web::Request anonymous;
  anonymous.method = "GET";
  anonymous.target = "/api/v1/devices/1";
  const web::Response refused = CallInProcess(anonymous);
  EXPECT_EQ(refused.status, web::Status::kUnauthorized);
  EXPECT_EQ(refused.headers.Get("WWW-Authenticate"), "Bearer realm=\"ruru\"");

  web::Request twice = anonymous;
  twice.headers.Add("Authorization", "Bearer " + token_);
  twice.headers.Add("Authorization", "Bearer " + token_);
  const web::Response two = CallInProcess(twice);
  EXPECT_EQ(two.status, web::Status::kUnauthorized);
  EXPECT_EQ(json::parse(two.body)["error"]["message"], "more than one Authorization header");

  web::Request patch;
  patch.method = "PATCH";
  patch.target = "/api/v1/devices/1";
  patch.headers.Add("Authorization", "Bearer " + token_);
  patch.headers.Add("Content-Type", "text/plain");
  patch.body = "subscriber=x";
  EXPECT_EQ(CallInProcess(patch).status, web::Status::kUnsupportedMediaType);
  patch.headers.Set("Content-Type", "application/json");
  patch.body = R"({"subscriber_ref": "CUST-7"})";
  const web::Response patched = CallInProcess(patch);
  EXPECT_EQ(patched.status, web::Status::kOk) << patched.body;
  {
    std::lock_guard lock(inv_.mu);
    EXPECT_EQ(inv_.devices[1].subscriber_ref, "CUST-7");  // the change reached the store
  }

  web::Request lower = anonymous;
  lower.method = "get";  // methods are case-sensitive: no route has "get"
  lower.headers.Add("Authorization", "Bearer " + token_);
  const web::Response unknown = CallInProcess(lower);
  EXPECT_EQ(unknown.status, web::Status::kMethodNotAllowed);
  EXPECT_EQ(unknown.headers.Get("Allow"), "GET, PATCH, DELETE");
}

TEST(HttpMessages, WireRequestsBecomePlainAndPlainResponsesGoOnTheWire) {
  http::request<http::string_body> wire(http::verb::post, "/api/v1/tags/x/devices?y=1", 11);
  wire.insert("X-Ruru-Reason", "first");
  wire.insert("x-ruru-reason", "second");
  wire.set(http::field::content_type, "text/plain");
  wire.body() = "SN1\nSN2\n";
  const web::Request plain = net::ToPlain(wire);
  EXPECT_EQ(plain.method, "POST");
  EXPECT_EQ(plain.Path(), "/api/v1/tags/x/devices");
  EXPECT_EQ(plain.Query(), "y=1");
  EXPECT_EQ(plain.headers.Count("X-RURU-REASON"), 2u);
  EXPECT_EQ(plain.headers.Get("x-ruru-reason"), "first");
  EXPECT_EQ(plain.headers.Get("content-type"), "text/plain");
  EXPECT_EQ(plain.body, "SN1\nSN2\n");

  http::request<http::string_body> odd;
  odd.method_string("BREW");
  odd.target("/");
  EXPECT_EQ(net::ToPlain(odd).method, "BREW");  // an unknown method keeps its text

  web::Response answer;
  answer.status = web::Status::kTooManyRequests;
  answer.headers.Add("Retry-After", "3");
  answer.headers.Add("Set-Cookie", "a=1");
  answer.headers.Add("Set-Cookie", "b=2");
  answer.body = "{}";
  const auto out = net::ToWire(answer);
  EXPECT_EQ(out.result_int(), 429u);
  EXPECT_EQ(out["Retry-After"], "3");
  EXPECT_EQ(out.count("set-cookie"), 2u);
  EXPECT_EQ(out.body(), "{}");
}

// ---- authentication --------------------------------------------------------------------------

TEST_F(ApiTest, NoTokenIs401WithBearerChallenge) {
  AddDevice(1, "SN1");
  HttpReply r = Send(http::verb::get, "/api/v1/devices/1", "", "", {}, /*auth=*/false);
  ExpectError(r, 401, "unauthorized");
  EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"ruru\"");
  // Unknown paths and wrong methods are not revealed before authentication either.
  EXPECT_EQ(Send(http::verb::get, "/api/v1/nothing", "", "", {}, false).status, 401);
  EXPECT_EQ(Send(http::verb::put, "/api/v1/devices/1", "", "", {}, false).status, 401);
}

TEST_F(ApiTest, MalformedTokensNeverReachTheStore) {
  for (const std::string& header : std::vector<std::string>{"Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer ruru_short",
                                   "Bearer " + token_ + "x", "Token " + token_}) {
    HttpReply r = Send(http::verb::get, "/api/v1/devices", "", "", {{"Authorization", header}}, false);
    ExpectError(r, 401, "unauthorized");
  }
  EXPECT_EQ(inv_.calls["FindToken"], 0);
  // Two Authorization headers are refused.
  HttpReply two = Send(http::verb::get, "/api/v1/devices", "", "", {{"Authorization", "Bearer " + token_}});
  ExpectError(two, 401, "unauthorized");
  // The scheme is case-insensitive.
  EXPECT_EQ(Send(http::verb::get, "/api/v1/devices", "", "", {{"Authorization", "bearer " + token_}}, false).status, 200);
}

TEST_F(ApiTest, UnknownTokenIsCachedNegatively) {
  const std::string stranger = access::GenerateApiToken();
  const std::vector<std::pair<std::string, std::string>> h = {{"Authorization", "Bearer " + stranger}};
  ExpectError(Send(http::verb::get, "/api/v1/devices", "", "", h, false), 401, "unauthorized");
  ExpectError(Send(http::verb::get, "/api/v1/devices", "", "", h, false), 401, "unauthorized");
  EXPECT_EQ(inv_.calls["FindToken"], 1);
  clock_.Advance(config_.api.token_cache_ttl);
  ExpectError(Send(http::verb::get, "/api/v1/devices", "", "", h, false), 401, "unauthorized");
  EXPECT_EQ(inv_.calls["FindToken"], 2);
}

TEST_F(ApiTest, ValidTokenIsCachedAndARevocationShowsAfterTheTtl) {
  EXPECT_EQ(Get("/api/v1/devices").status, 200);
  EXPECT_EQ(Get("/api/v1/devices").status, 200);
  EXPECT_EQ(inv_.calls["FindToken"], 1);
  ASSERT_TRUE(admin_.RevokeToken("ops", clock_.Now()).ok());
  EXPECT_EQ(Get("/api/v1/devices").status, 200);  // still cached
  clock_.Advance(config_.api.token_cache_ttl);
  HttpReply r = Get("/api/v1/devices");
  ExpectError(r, 401, "unauthorized");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("revoked"), std::string::npos);
}

TEST_F(ApiTest, RevokedAndExpiredTokensAre401) {
  token_ = AddToken("old", "admin", kT0 - 1s);
  HttpReply r = Get("/api/v1/devices");
  ExpectError(r, 401, "unauthorized");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("expired"), std::string::npos);

  token_ = AddToken("later", "admin", kT0 + 1h);
  EXPECT_EQ(Get("/api/v1/devices").status, 200);

  token_ = AddToken("gone", "admin");
  ASSERT_TRUE(admin_.RevokeToken("gone", kT0).ok());
  ExpectError(Get("/api/v1/devices"), 401, "unauthorized");
}

TEST_F(ApiTest, ExpiryIsCheckedOnCachedTokensToo) {
  token_ = AddToken("short", "admin", kT0 + 5s);
  EXPECT_EQ(Get("/api/v1/devices").status, 200);
  clock_.Advance(5s);  // within the cache TTL (10 s), past the expiry
  ExpectError(Get("/api/v1/devices"), 401, "unauthorized");
  EXPECT_EQ(inv_.calls["FindToken"], 1);
}

TEST_F(ApiTest, LastUsedTouchedAtMostOncePerMinute) {
  EXPECT_EQ(Get("/api/v1/devices").status, 200);
  EXPECT_EQ(Get("/api/v1/devices").status, 200);
  clock_.Advance(30s);
  EXPECT_EQ(Get("/api/v1/devices").status, 200);
  DrainPool();
  {
    std::lock_guard lock(inv_.mu);
    ASSERT_EQ(inv_.touches.size(), 1u);
    EXPECT_EQ(inv_.touches[0].second, kT0);
  }
  clock_.Advance(31s);
  EXPECT_EQ(Get("/api/v1/devices").status, 200);
  DrainPool();
  std::lock_guard lock(inv_.mu);
  EXPECT_EQ(inv_.touches.size(), 2u);
}

TEST_F(ApiTest, TokenStoreDownIs503AndNotCached) {
  inv_.fail["FindToken"] = Unavailable("connection refused");
  HttpReply r = Get("/api/v1/devices");
  ExpectError(r, 503, "unavailable");
  EXPECT_FALSE(r.header("Retry-After").empty());
  inv_.fail.clear();
  EXPECT_EQ(Get("/api/v1/devices").status, 200);
}

TEST_F(ApiTest, UnknownRoleIsForbidden) {
  token_ = AddToken("viewer", "read-only");
  ExpectError(Get("/api/v1/devices"), 403, "forbidden");
}

// Every endpoint for every role: refused with 403 exactly when the permission table says so
// (an allowed request may still fail for its input, never with 403).
TEST_F(ApiTest, RoleEndpointMatrix) {
  const std::vector<std::pair<std::string, std::string>> no_headers;
  int allowed = 0, denied = 0;
  for (access::Role role : access::AllRoles()) {
    token_ = AddToken("matrix-" + std::string(ToString(role)), std::string(ToString(role)));
    for (const api::RouteInfo& route : api::RouteTable()) {
      if (!route.authenticated) continue;
      std::string target = route.path;
      for (const auto& [param, value] :
           {std::pair<std::string, std::string>{"{id}", "1"}, {"{tag}", "t"}, {"{name}", "nobody"}}) {
        if (auto at = target.find(param); at != std::string::npos) target.replace(at, param.size(), value);
      }
      const http::verb method = http::string_to_verb(route.method);
      const bool body = method == http::verb::post || method == http::verb::patch ||
                        (method == http::verb::delete_ && route.path == "/api/v1/tags/{tag}/devices");
      HttpReply r = Send(method, target, body ? "{}" : "");
      const std::string what = std::string(ToString(role)) + " " + route.method + " " + route.path;
      if (Check(role, route.action, false).allowed()) {
        EXPECT_NE(r.status, 403) << what << ": " << r.raw.body();
        ++allowed;
      } else {
        ExpectError(r, 403, "forbidden");
        EXPECT_NE(r.body["error"]["message"].get<std::string>().find(route.action), std::string::npos) << what;
        ++denied;
      }
    }
    // Creating a task also needs the task type's own permission.
    for (const tasks::TaskTypeInfo& type : tasks::TaskTypes()) {
      const std::string what = std::string(ToString(role)) + " creates " + std::string(type.name);
      HttpReply r = Post("/api/v1/devices/1/tasks", json{{"type", type.name}, {"args", json::object()}});
      const access::Decision route = Check(role, "tasks.create", false);
      const access::Decision own = Check(role, type.action, false);
      if (!route.allowed() || own.kind == access::Decision::Kind::kDenied) {
        ExpectError(r, 403, "forbidden");
        ++denied;
      } else if (own.kind == access::Decision::Kind::kReasonRequired) {
        ExpectError(r, 403, "reason_required");
        HttpReply with = Send(http::verb::post, "/api/v1/devices/1/tasks",
                              json{{"type", type.name}, {"args", json::object()}}.dump(), "application/json",
                              {{"X-Ruru-Reason", "customer locked out, ticket 4711"}});
        EXPECT_NE(with.status, 403) << what << " with a reason: " << with.raw.body();
        ++denied;
      } else {
        EXPECT_NE(r.status, 403) << what << ": " << r.raw.body();
        ++allowed;
      }
    }
  }
  EXPECT_GT(allowed, 50);
  EXPECT_GT(denied, 50);
}

TEST_F(ApiTest, ReasonHeaderIsChecked) {
  token_ = AddToken("desk", "helpdesk");
  auto post = [&](const std::vector<std::pair<std::string, std::string>>& headers) {
    return Send(http::verb::post, "/api/v1/devices/1/tasks", json{{"type", "factory_reset"}}.dump(), "application/json",
                headers);
  };
  ExpectError(post({}), 403, "reason_required");
  ExpectError(post({{"X-Ruru-Reason", "   "}}), 403, "reason_required");  // blank is no reason
  ExpectError(post({{"X-Ruru-Reason", std::string(access::kMaxReasonBytes + 1, 'r')}}), 400, "invalid_argument");
  ExpectError(post({{"X-Ruru-Reason", "a\tb"}}), 400, "invalid_argument");
  ExpectError(post({{"X-Ruru-Reason", "one"}, {"X-Ruru-Reason", "two"}}), 400, "invalid_argument");
  EXPECT_NE(post({{"X-Ruru-Reason", "ticket 4711"}}).status, 403);
  // A role that is not in the table at all.
  token_ = AddToken("viewer", "viewer");
  ExpectError(Get("/api/v1/devices"), 403, "forbidden");
}

TEST_F(ApiTest, TokensThroughTheApi) {
  // An admin creates a helpdesk token; it is shown once and works at once.
  HttpReply created = Post("/api/v1/tokens", json{{"name", "desk-1"}, {"role", "helpdesk"}});
  ASSERT_EQ(created.status, 201) << created.raw.body();
  const std::string desk = created.body["token"];
  EXPECT_TRUE(access::IsWellFormedApiToken(desk));
  EXPECT_EQ(created.body["role"], "helpdesk");
  EXPECT_EQ(created.body["state"], "active");
  EXPECT_EQ(created.body["expires_at"], api::FormatTime(kT0 + config_.api.token_default_lifetime));
  EXPECT_EQ(created.body["prefix"], access::ApiTokenPrefix(desk));
  // Listed without its secret.
  HttpReply list = Get("/api/v1/tokens");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.raw.body().find(desk), std::string::npos);
  bool listed = false;
  for (const json& t : list.body["items"]) listed = listed || t["name"] == "desk-1";
  EXPECT_TRUE(listed);
  // Input rules.
  ExpectError(Post("/api/v1/tokens", json{{"name", "desk-1"}, {"role", "helpdesk"}}), 409, "token_name_taken");
  ExpectError(Post("/api/v1/tokens", json{{"name", "x"}, {"role", "root"}}), 400, "invalid_argument");
  ExpectError(Post("/api/v1/tokens", json{{"name", "a b"}, {"role", "noc"}}), 400, "invalid_argument");
  ExpectError(Post("/api/v1/tokens", json{{"name", "y"}, {"role", "noc"}, {"expires_in", "400d"}}), 400,
              "invalid_argument");
  ExpectError(Post("/api/v1/tokens", json{{"name", "y"}, {"role", "noc"}, {"scope", "all"}}), 400, "invalid_argument");
  ExpectError(Post("/api/v1/tokens", json{{"name", "y"}, {"role", 3}}), 400, "invalid_argument");
  HttpReply week = Post("/api/v1/tokens", json{{"name", "week"}, {"role", "readonly"}, {"expires_in", "7d"}});
  ASSERT_EQ(week.status, 201) << week.raw.body();
  EXPECT_EQ(week.body["expires_at"], api::FormatTime(kT0 + 7 * 24h));

  // The helpdesk token: who am I, and what may I do.
  const std::string admin = token_;
  token_ = desk;
  HttpReply me = Get("/api/v1/me");
  ASSERT_EQ(me.status, 200) << me.raw.body();
  EXPECT_EQ(me.body["name"], "desk-1");
  EXPECT_EQ(me.body["role"], "helpdesk");
  std::set<std::string> actions;
  for (const json& a : me.body["actions"]) actions.insert(a.get<std::string>());
  EXPECT_TRUE(actions.count("tasks.create.reboot"));
  EXPECT_FALSE(actions.count("tasks.create.transfer"));
  EXPECT_FALSE(actions.count("tokens.write"));
  ExpectError(Post("/api/v1/tokens", json{{"name", "mine"}, {"role", "admin"}}), 403, "forbidden");
  ExpectError(Get("/api/v1/tokens"), 403, "forbidden");
  HttpReply roles = Get("/api/v1/roles");
  ASSERT_EQ(roles.status, 200);
  EXPECT_EQ(roles.body["roles"].size(), access::AllRoles().size());
  EXPECT_EQ(roles.body["permissions"].size(), access::Permissions().size());

  // Revoked by the admin: refused once the cache entry is older than the TTL.
  token_ = admin;
  EXPECT_EQ(Send(http::verb::delete_, "/api/v1/tokens/desk-1").status, 204);
  EXPECT_EQ(Send(http::verb::delete_, "/api/v1/tokens/desk-1").status, 204);  // idempotent
  ExpectError(Send(http::verb::delete_, "/api/v1/tokens/nobody"), 404, "not_found");
  clock_.Advance(config_.api.token_cache_ttl + 1s);
  token_ = desk;
  ExpectError(Get("/api/v1/me"), 401, "unauthorized");
}

TEST(RateLimit, TokenBucketRefillsAndForgetsTheLeastRecentlyUsed) {
  TestClock clock(kT0);
  access::TokenRateLimiter limiter(clock, 2, 3);  // 2 per second, 3 at once
  std::chrono::seconds retry{0};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow(1, &retry)) << i;
  EXPECT_FALSE(limiter.Allow(1, &retry));
  EXPECT_EQ(retry, 1s);
  EXPECT_TRUE(limiter.Allow(2, &retry));  // another token has its own bucket
  clock.Advance(500ms);                   // one request refilled
  EXPECT_TRUE(limiter.Allow(1, &retry));
  EXPECT_FALSE(limiter.Allow(1, &retry));
  clock.Advance(1h);                       // never more than the burst
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow(1, &retry)) << i;
  EXPECT_FALSE(limiter.Allow(1, &retry));

  access::TokenRateLimiter off(clock, 0, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(off.Allow(1, &retry));

  access::TokenRateLimiter many(clock, 1, 1);
  for (int64_t id = 0; id < static_cast<int64_t>(access::TokenRateLimiter::kMaxTokens) + 10; ++id)
    many.Allow(id, &retry);
  EXPECT_EQ(many.Size(), access::TokenRateLimiter::kMaxTokens);
  EXPECT_TRUE(many.Allow(0, &retry));  // forgotten (least recently used): a full bucket again
}

TEST_F(ApiTest, RateLimitPerTokenIs429WithRetryAfter) {
  config_.api.rate_limit_per_second = 1;
  config_.api.rate_limit_burst = 2;
  EXPECT_EQ(Get("/api/v1/me").status, 200);
  EXPECT_EQ(Get("/api/v1/me").status, 200);
  HttpReply limited = Get("/api/v1/me");
  ExpectError(limited, 429, "rate_limited");
  EXPECT_EQ(limited.header("Retry-After"), "1");
  const std::string first = token_;
  token_ = AddToken("other", "readonly");  // its own bucket
  EXPECT_EQ(Get("/api/v1/me").status, 200);
  token_ = first;
  clock_.Advance(1s);
  EXPECT_EQ(Get("/api/v1/me").status, 200);
  ExpectError(Get("/api/v1/me"), 429, "rate_limited");
  // Refused before any work: a limited POST creates nothing.
  ExpectError(Post("/api/v1/devices/1/tasks", json{{"type", "reboot"}}), 429, "rate_limited");
}

// Every call of a state-changing action is audited once, allowed or refused; reads are not;
// secrets never reach the log.
TEST_F(ApiTest, StateChangingCallsAreAuditedWithSecretsRedacted) {
  AddDevice(1, "S1");
  token_ = AddToken("desk-1", "helpdesk");
  EXPECT_EQ(Get("/api/v1/devices/1").status, 200);  // a read: not audited
  EXPECT_EQ(Send(http::verb::post, "/api/v1/devices/1/tasks", json{{"type", "reboot"}}.dump(), "application/json",
                 {{"X-Ruru-Reason", "customer call 77"}})
                .status,
            201);
  HttpReply denied = Post("/api/v1/devices/1/tasks",
                          json{{"type", "set_parameter_values"},
                               {"args", {{"parameters", {{{"name", "Device.WiFi.AccessPoint.1.Security.KeyPassphrase"},
                                                          {"value", "hunter2"}}}}}}});
  ExpectError(denied, 403, "forbidden");
  ExpectError(Post("/api/v1/devices/1/tasks", json{{"type", "factory_reset"}}), 403, "reason_required");
  token_ = AddToken("ops-2", "admin");
  HttpReply made = Post("/api/v1/tokens", json{{"name", "ci"}, {"role", "readonly"}});
  ASSERT_EQ(made.status, 201);
  const std::string secret = made.body["token"];
  HttpReply download = Post("/api/v1/devices/1/tasks",
                            json{{"type", "download"},
                                 {"args",
                                  {{"file_type", "1 Firmware Upgrade Image"},
                                   {"url", "http://fw.example/x.img"},
                                   {"username", "fw"},
                                   {"password", "s3cret-pw"}}}});
  EXPECT_NE(download.status, 403) << download.raw.body();  // allowed (the fake service may refuse its args)

  std::vector<db::AuditEntry> log;
  {
    std::lock_guard lock(inv_.mu);
    log = inv_.audit;
  }
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log[0].actor, "desk-1");
  EXPECT_EQ(log[0].role, "helpdesk");
  EXPECT_EQ(log[0].action, "tasks.create.reboot");
  EXPECT_EQ(log[0].target, "device:1");
  EXPECT_EQ(log[0].device_id, 1);
  EXPECT_EQ(log[0].reason, "customer call 77");
  EXPECT_EQ(log[0].result, "ok");
  EXPECT_EQ(log[0].status, 201);
  EXPECT_FALSE(log[0].request_id.empty());
  EXPECT_EQ(log[1].action, "tasks.create.configure");
  EXPECT_EQ(log[1].result, "forbidden");
  EXPECT_EQ(log[1].status, 403);
  EXPECT_EQ(log[2].action, "tasks.create.factory_reset");
  EXPECT_EQ(log[2].result, "reason_required");
  EXPECT_EQ(log[3].action, "tokens.write");
  EXPECT_EQ(log[3].target, "token:ci");
  EXPECT_EQ(log[4].action, "tasks.create.transfer");
  for (const db::AuditEntry& e : log) {
    for (const std::string& secret_text : {std::string("hunter2"), std::string("s3cret-pw"), secret}) {
      EXPECT_EQ(e.params_json.find(secret_text), std::string::npos) << e.action << ": " << e.params_json;
    }
  }
  EXPECT_NE(log[4].params_json.find("http://fw.example/x.img"), std::string::npos) << log[4].params_json;
  EXPECT_NE(log[1].params_json.find("KeyPassphrase"), std::string::npos) << log[1].params_json;

  // Read back through the API (admin may; helpdesk may not).
  HttpReply page = Get("/api/v1/audit?actor=desk-1&limit=2");
  ASSERT_EQ(page.status, 200) << page.raw.body();
  ASSERT_EQ(page.body["items"].size(), 2u);
  EXPECT_EQ(page.body["items"][0]["action"], "tasks.create.factory_reset");  // newest first
  EXPECT_FALSE(page.body["next_cursor"].is_null());
  HttpReply rest = Get("/api/v1/audit?actor=desk-1&limit=2&cursor=" + page.body["next_cursor"].get<std::string>());
  ASSERT_EQ(rest.status, 200);
  ASSERT_EQ(rest.body["items"].size(), 1u);
  EXPECT_EQ(rest.body["items"][0]["reason"], "customer call 77");
  EXPECT_EQ(rest.body["items"][0]["params"]["body"]["type"], "reboot");
  ExpectError(Get("/api/v1/audit?since=yesterday"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/audit?device=x"), 400, "invalid_argument");
  token_ = AddToken("desk-2", "helpdesk");
  ExpectError(Get("/api/v1/audit"), 403, "forbidden");
}

TEST_F(ApiTest, AuditStoreDownStillAnswersAndIsCounted) {
  AddDevice(1, "S1");
  inv_.fail["Append"] = Unavailable("connection refused");
  EXPECT_EQ(Post("/api/v1/devices/1/tasks", json{{"type", "reboot"}}).status, 201);
  EXPECT_NE(metrics_.Render().find("ruru_audit_write_failures_total 1"), std::string::npos);
}

TEST_F(ApiTest, OpenApiNeedsNoToken) {
  HttpReply r = Send(http::verb::get, "/api/v1/openapi.json", "", "", {}, false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.raw.body(), std::string(api::OpenApiDocument()));
}

// ---- routing, limits, common answers --------------------------------------------------------

TEST_F(ApiTest, EveryAnswerIsJsonWithARequestId) {
  AddDevice(1, "SN1");
  HttpReply a = Get("/api/v1/devices/1");
  HttpReply b = Get("/api/v1/devices/1");
  EXPECT_EQ(a.header("Content-Type"), "application/json");
  EXPECT_EQ(a.header("X-Request-Id").size(), 16u);
  EXPECT_NE(a.header("X-Request-Id"), b.header("X-Request-Id"));
  EXPECT_FALSE(Send(http::verb::get, "/api/v1/x", "", "", {}, false).header("X-Request-Id").empty());
}

TEST_F(ApiTest, UnknownPathsAndMethods) {
  ExpectError(Get("/api/v1/nothing"), 404, "not_found");
  ExpectError(Get("/api/v2/devices"), 404, "not_found");
  ExpectError(Get("/api/v1/devices/"), 404, "not_found");
  HttpReply r = Send(http::verb::put, "/api/v1/devices/1");
  ExpectError(r, 405, "method_not_allowed");
  EXPECT_EQ(r.header("Allow"), "GET, PATCH, DELETE");
  EXPECT_EQ(Send(http::verb::post, "/api/v1/tasks").header("Allow"), "GET");
  // The built-in admin endpoints are still there.
  EXPECT_EQ(Send(http::verb::get, "/healthz", "", "", {}, false).status, 200);
}

TEST_F(ApiTest, IdsMustBePositiveInt64) {
  AddDevice(1, "SN1");
  for (const char* id : {"0", "-1", "abc", "01", "1.0", "9223372036854775808", "%31%ZZ"}) {
    ExpectError(Get(std::string("/api/v1/devices/") + id), 400, "invalid_argument");
  }
  ExpectError(Get("/api/v1/devices/9223372036854775807"), 404, "not_found");
  EXPECT_EQ(Get("/api/v1/devices/%31").status, 200);  // percent-encoded "1"
  ExpectError(Get("/api/v1/tasks/0"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/faults/x"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/tasks?device=0"), 400, "invalid_argument");
}

TEST_F(ApiTest, UnknownOrRepeatedQueryParametersAre400) {
  ExpectError(Get("/api/v1/devices?serail=SN1"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/devices?serial=SN1&serial=SN2"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/devices/1?limit=5"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/devices?q=%zz"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/devices?q=%"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/devices?serial="), 400, "invalid_argument");
}

TEST_F(ApiTest, LimitsAndCursorsAreValidated) {
  for (const char* q : {"limit=0", "limit=1001", "limit=-5", "limit=x", "limit=1e2", "limit=99999999999999999999",
                        "cursor=nope", "cursor=", "cursor=ZDow"}) {
    ExpectError(Get(std::string("/api/v1/devices?") + q), 400, "invalid_argument");
  }
  EXPECT_EQ(Get("/api/v1/devices?limit=1000").status, 200);
  // A task list cursor is not a device list cursor.
  ExpectError(Get("/api/v1/devices?cursor=" + api::EncodeCursor('t', 5)), 400, "invalid_argument");
}

TEST_F(ApiTest, BodyTooLargeIsRefusedByContentLengthBeforeReading) {
  config_.api.max_body_bytes = 1000;
  AddDevice(1, "SN1");
  // The header promises more than the limit and no body follows: the answer must come anyway.
  HttpReply r = SendRaw("PATCH /api/v1/devices/1 HTTP/1.1\r\nHost: x\r\n" + AuthHeader() +
                        "Content-Type: application/json\r\nContent-Length: 1001\r\n\r\n");
  ExpectError(r, 413, "payload_too_large");
  EXPECT_FALSE(r.raw.keep_alive());
  // A chunked body that grows past the limit is refused too.
  std::string chunk(1500, ' ');
  HttpReply c = SendRaw("PATCH /api/v1/devices/1 HTTP/1.1\r\nHost: x\r\n" + AuthHeader() +
                        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5dc\r\n" + chunk +
                        "\r\n0\r\n\r\n");
  ExpectError(c, 413, "payload_too_large");
  // Exactly at the limit is fine (and then refused for what it says).
  std::string body = R"({"time_zone":")" + std::string(1000 - 16, 'x') + R"("})";
  ASSERT_EQ(body.size(), 1000u);
  ExpectError(Send(http::verb::patch, "/api/v1/devices/1", body), 400, "invalid_argument");
}

TEST_F(ApiTest, ExpectContinueAndKeepAlive) {
  AddDevice(1, "SN1");
  Start();
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  const std::string body = R"({"time_zone":"UTC"})";
  asio::write(socket, asio::buffer("PATCH /api/v1/devices/1 HTTP/1.1\r\nHost: x\r\n" + AuthHeader() +
                                   "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n\r\n"));
  beast::flat_buffer buffer;
  http::response<http::empty_body> cont;
  http::read(socket, buffer, cont);
  EXPECT_EQ(cont.result(), http::status::continue_);
  asio::write(socket, asio::buffer(body));
  http::response<http::string_body> patched;
  http::read(socket, buffer, patched);
  EXPECT_EQ(patched.result_int(), 200u) << patched.body();
  EXPECT_TRUE(patched.keep_alive());
  // The same connection serves the next request.
  asio::write(socket, asio::buffer("GET /api/v1/devices/1 HTTP/1.1\r\nHost: x\r\n" + AuthHeader() + "\r\n"));
  http::response<http::string_body> got;
  http::read(socket, buffer, got);
  EXPECT_EQ(got.result_int(), 200u);
  EXPECT_EQ(json::parse(got.body())["time_zone"], "UTC");
}

TEST_F(ApiTest, JsonBodiesAreChecked) {
  AddDevice(1, "SN1");
  ExpectError(Send(http::verb::patch, "/api/v1/devices/1", R"({"time_zone":"UTC"})", "text/plain"), 415,
              "unsupported_media_type");
  ExpectError(Send(http::verb::patch, "/api/v1/devices/1", R"({"time_zone":"UTC"})", "application/xml"), 415,
              "unsupported_media_type");
  EXPECT_EQ(Send(http::verb::patch, "/api/v1/devices/1", R"({"time_zone":"UTC"})", "Application/JSON; charset=utf-8")
                .status,
            200);
  ExpectError(Send(http::verb::patch, "/api/v1/devices/1", R"({"time_zone":)"), 400, "invalid_argument");
  ExpectError(Send(http::verb::patch, "/api/v1/devices/1", R"(["time_zone"])"), 400, "invalid_argument");
  ExpectError(Send(http::verb::patch, "/api/v1/devices/1", "{\"time_zone\":\"\xff\"}"), 400, "invalid_argument");
  ExpectError(Send(http::verb::patch, "/api/v1/devices/1", ""), 400, "invalid_argument");
  std::string deep = R"({"time_zone":)" + std::string(40, '[') + std::string(40, ']') + "}";
  HttpReply r = Send(http::verb::patch, "/api/v1/devices/1", deep);
  ExpectError(r, 400, "invalid_argument");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("nested"), std::string::npos);
  // An endpoint without a body refuses one.
  ExpectError(Send(http::verb::get, "/api/v1/devices/1", "{}"), 400, "invalid_argument");
}

TEST_F(ApiTest, StoreErrorsMapToStatusAndCode) {
  struct Case {
    Error error;
    int status;
    const char* code;
  };
  const std::vector<Case> cases = {
      {InvalidArgument("q too long"), 400, "invalid_argument"},
      {NotFound("nothing"), 404, "not_found"},
      {Conflict("changed under us"), 409, "conflict"},
      {Unavailable("could not connect to server: Connection refused"), 503, "unavailable"},
      {Internal("pqxx::usage_error at pg_device_admin.cpp:88"), 500, "internal"},
  };
  for (const Case& c : cases) {
    inv_.fail["Find"] = c.error;
    HttpReply r = Get("/api/v1/devices");
    ExpectError(r, c.status, c.code);
    if (c.status >= 500) {
      EXPECT_EQ(r.raw.body().find(c.error.message), std::string::npos) << r.raw.body();
    }
    if (c.status == 503) {
      EXPECT_EQ(r.header("Retry-After"), "5");
    }
  }
  // A long operator message (the task engine lists the known types) is passed on, cut at 1000 bytes.
  inv_.fail["Find"] = InvalidArgument("type: unknown task type (known: " + std::string(1200, 'k') + ")");
  HttpReply long_message = Get("/api/v1/devices");
  ExpectError(long_message, 400, "invalid_argument");
  EXPECT_EQ(long_message.body["error"]["message"].get<std::string>().substr(0, 31), "type: unknown task type (known:");
  EXPECT_EQ(long_message.body["error"]["message"].get<std::string>().size(), 1003u);
  // Database text never reaches the client, whatever the code.
  inv_.fail["Find"] = InvalidArgument("find devices: ERROR: value too long for type character varying(64) (SQLSTATE 22001)");
  HttpReply r = Get("/api/v1/devices");
  ExpectError(r, 400, "invalid_argument");
  EXPECT_EQ(r.raw.body().find("SQLSTATE"), std::string::npos);
  EXPECT_EQ(r.raw.body().find("varying"), std::string::npos);
}

TEST_F(ApiTest, MetricsCountByRouteTemplate) {
  AddDevice(7, "SN7");
  EXPECT_EQ(Get("/api/v1/devices/7").status, 200);
  EXPECT_EQ(Get("/api/v1/devices/8").status, 404);
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find(R"(ruru_api_requests_total{route="/api/v1/devices/{id}",status="200"} 1)"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(ruru_api_requests_total{route="/api/v1/devices/{id}",status="404"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(ruru_api_request_seconds_count{route="/api/v1/devices/{id}"} 2)"), std::string::npos) << text;
}

// ---- devices ---------------------------------------------------------------------------------

TEST_F(ApiTest, DeviceObjectShape) {
  db::Device& d = AddDevice(1, "SN1");
  {
    std::lock_guard lock(inv_.mu);
    d.tags = {"vip", "north"};
    d.wan_ip = "198.51.100.1";
    d.active_credential = db::CredentialVerifier{"cpe-user-1", "md5hashvalue", "sha256hashvalue"};
    d.connection_request = db::ConnectionRequestSecret{"cr-user-1", "ciphertextbytes", "k1"};
    d.subscriber_phone = "+6421555123";
    d.last_boot = kT0 - 1h;
    inv_.events[1] = {{1, kT0 - 60s, {"2 PERIODIC", ""}}, {1, kT0 - 1h, {"M Reboot", "task-5"}}};
  }
  HttpReply r = Get("/api/v1/devices/1");
  ASSERT_EQ(r.status, 200) << r.raw.body();
  const json& j = r.body;
  for (const char* key : {"id", "oui", "product_class", "serial_number", "manufacturer", "model_name", "hardware_version",
                          "software_version", "provisioning_code", "data_model", "wan_ip", "peer_ip",
                          "connection_request_url", "periodic_inform_interval", "parameter_key", "registered_at",
                          "last_inform", "last_boot", "last_bootstrap", "online", "inform_count", "tags",
                          "subscriber_ref", "subscriber_phone", "time_zone", "duplicate_suspect_at", "credentials",
                          "recent_events"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j.size(), 28u) << j.dump();
  EXPECT_EQ(j["id"], 1);
  EXPECT_EQ(j["serial_number"], "SN1");
  EXPECT_TRUE(j["model_name"].is_null());  // empty string -> null
  EXPECT_TRUE(j["last_bootstrap"].is_null());
  EXPECT_EQ(j["last_inform"], "2026-12-03T11:33:37.123Z");
  EXPECT_EQ(j["periodic_inform_interval"], 300);
  EXPECT_EQ(j["online"], true);
  EXPECT_EQ(j["tags"], json::array({"vip", "north"}));
  EXPECT_EQ(j["credentials"], json({{"own", true}, {"pending", false}}));
  ASSERT_EQ(j["recent_events"].size(), 2u);
  EXPECT_EQ(j["recent_events"][0], json({{"code", "2 PERIODIC"}, {"command_key", nullptr}, {"at", "2026-12-03T11:33:37.123Z"}}));
  EXPECT_EQ(j["recent_events"][1]["command_key"], "task-5");
  for (const char* secret : {"cpe-user-1", "md5hashvalue", "sha256hashvalue", "cr-user-1", "ciphertextbytes"}) {
    EXPECT_EQ(r.raw.body().find(secret), std::string::npos) << secret;
  }
  clock_.Advance(2 * 300s + 120s - 60s + 1s);
  EXPECT_EQ(Get("/api/v1/devices/1").body["online"], false);
}

TEST_F(ApiTest, DeviceListPagesWithCursor) {
  for (int64_t id = 1; id <= 5; ++id) AddDevice(id * 10, "SN" + std::to_string(id));
  HttpReply p1 = Get("/api/v1/devices?limit=2");
  ASSERT_EQ(p1.status, 200) << p1.raw.body();
  ASSERT_EQ(p1.body["items"].size(), 2u);
  EXPECT_EQ(p1.body["items"][0]["id"], 10);
  EXPECT_EQ(p1.body["items"][1]["id"], 20);
  ASSERT_TRUE(p1.body["next_cursor"].is_string());
  HttpReply p2 = Get("/api/v1/devices?limit=2&cursor=" + p1.body["next_cursor"].get<std::string>());
  ASSERT_EQ(p2.body["items"].size(), 2u);
  EXPECT_EQ(p2.body["items"][0]["id"], 30);
  EXPECT_EQ(inv_.last_query->after_id, 20);
  HttpReply p3 = Get("/api/v1/devices?limit=2&cursor=" + p2.body["next_cursor"].get<std::string>());
  ASSERT_EQ(p3.body["items"].size(), 1u);
  EXPECT_TRUE(p3.body["next_cursor"].is_null());
  EXPECT_EQ(Get("/api/v1/devices").body["items"].size(), 5u);
  EXPECT_EQ(inv_.last_query->limit, 50);
}

TEST_F(ApiTest, DeviceListFiltersReachTheStore) {
  AddDevice(1, "SN1");
  HttpReply r = Get("/api/v1/devices?q=Kia+ora&serial=SN1&oui=A1B2C3&product_class=Router&software_version=1.0"
                    "&tag=vip&online=false&ip=2001:DB8::1&at=2026-12-01T00:00:00Z");
  ASSERT_EQ(r.status, 200) << r.raw.body();
  const db::DeviceQuery& q = *inv_.last_query;
  EXPECT_EQ(q.q, "Kia ora");
  EXPECT_EQ(q.serial, "SN1");
  EXPECT_EQ(q.oui, "A1B2C3");
  EXPECT_EQ(q.product_class, "Router");
  EXPECT_EQ(q.software_version, "1.0");
  EXPECT_EQ(q.tag, "vip");
  EXPECT_EQ(q.online, std::optional<bool>(false));
  EXPECT_EQ(q.ip, "2001:db8::1");
  EXPECT_EQ(q.at, api::ParseTime("2026-12-01T00:00:00Z").value());
  EXPECT_EQ(q.now, kT0);
  EXPECT_EQ(q.online_grace, config_.api.online_grace);

  EXPECT_EQ(Get("/api/v1/devices?online=true").body["items"].size(), 1u);
  ExpectError(Get("/api/v1/devices?at=2026-12-01T00:00:00Z"), 400, "invalid_argument");  // at needs ip
  for (const char* q2 : {"at=yesterday&ip=1.2.3.4", "ip=1.2.3", "ip=host.example", "tag=-bad", "online=yes",
                         "serial=" "%01", "q=" }) {
    ExpectError(Get(std::string("/api/v1/devices?") + q2), 400, "invalid_argument");
  }
  ExpectError(Get("/api/v1/devices?q=" + std::string(257, 'a')), 400, "invalid_argument");
}

TEST_F(ApiTest, PatchSubscriberFields) {
  AddDevice(1, "SN1");
  HttpReply r = Send(http::verb::patch, "/api/v1/devices/1",
                     R"({"subscriber_ref":"CUST-42","subscriber_phone":"+6421555123","time_zone":"Pacific/Auckland"})");
  ASSERT_EQ(r.status, 200) << r.raw.body();
  EXPECT_EQ(r.body["subscriber_ref"], "CUST-42");
  EXPECT_EQ(r.body["subscriber_phone"], "+6421555123");
  EXPECT_EQ(r.body["time_zone"], "Pacific/Auckland");
  EXPECT_FALSE(r.body.contains("recent_events"));

  r = Send(http::verb::patch, "/api/v1/devices/1", R"({"subscriber_ref":null,"subscriber_phone":""})");
  ASSERT_EQ(r.status, 200) << r.raw.body();
  EXPECT_TRUE(r.body["subscriber_ref"].is_null());
  EXPECT_TRUE(r.body["subscriber_phone"].is_null());
  EXPECT_EQ(r.body["time_zone"], "Pacific/Auckland");  // left alone

  for (const std::string& bad : std::vector<std::string>{R"({"subscriber_phone":"021555123"})", R"({"subscriber_phone":"+12345"})", R"({"subscriber_phone":"+64 21 555"})",
        R"({"subscriber_ref":")" + std::string(129, 'r') + R"("})", R"({"subscriber_ref":"a\u0001b"})",
        R"({"time_zone":")" + std::string(65, 'z') + R"("})", R"({"time_zone":"Europe/Zürich"})",
        R"({"time_zone":5})", R"({"tags":["x"]})", R"({})"}) {
    ExpectError(Send(http::verb::patch, "/api/v1/devices/1", bad), 400, "invalid_argument");
  }
  EXPECT_EQ(Send(http::verb::patch, "/api/v1/devices/1", R"({"subscriber_ref":")" + std::string(128, 'r') + R"("})")
                .status,
            200);
  ExpectError(Send(http::verb::patch, "/api/v1/devices/2", R"({"time_zone":"UTC"})"), 404, "not_found");
}

TEST_F(ApiTest, DeleteDevice) {
  AddDevice(1, "SN1");
  HttpReply r = Send(http::verb::delete_, "/api/v1/devices/1");
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.raw.body().empty());
  ExpectError(Get("/api/v1/devices/1"), 404, "not_found");
  ExpectError(Send(http::verb::delete_, "/api/v1/devices/1"), 404, "not_found");
}

TEST_F(ApiTest, ParametersAndIpHistory) {
  AddDevice(1, "SN1");
  {
    std::lock_guard lock(inv_.mu);
    inv_.parameters[1] = {{"Device.DeviceInfo.SoftwareVersion", "1.0", "string", std::nullopt},
                          {"Device.ManagementServer.PeriodicInformInterval", "300", "unsignedInt", true}};
    inv_.ip_history[1] = {{1, "198.51.100.1", "wan", kT0 - 2h, kT0 - 1h}};
  }
  HttpReply p = Get("/api/v1/devices/1/parameters");
  ASSERT_EQ(p.status, 200) << p.raw.body();
  EXPECT_EQ(p.body["items"].size(), 2u);
  EXPECT_TRUE(p.body["next_cursor"].is_null());
  EXPECT_EQ(p.body["items"][1], json({{"name", "Device.ManagementServer.PeriodicInformInterval"},
                                       {"value", "300"},
                                       {"type", "unsignedInt"},
                                       {"writable", true}}));
  EXPECT_TRUE(p.body["items"][0]["writable"].is_null());
  HttpReply pre = Get("/api/v1/devices/1/parameters?prefix=Device.DeviceInfo.");
  ASSERT_EQ(pre.body["items"].size(), 1u);
  ExpectError(Get("/api/v1/devices/2/parameters"), 404, "not_found");
  ExpectError(Get("/api/v1/devices/1/parameters?prefix="), 400, "invalid_argument");

  HttpReply h = Get("/api/v1/devices/1/ip_history");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.body["items"][0], json({{"ip", "198.51.100.1"},
                                       {"kind", "wan"},
                                       {"first_seen", "2026-12-03T09:34:37.123Z"},
                                       {"last_seen", "2026-12-03T10:34:37.123Z"}}));
  ExpectError(Get("/api/v1/devices/2/ip_history"), 404, "not_found");
}

TEST_F(ApiTest, TagOneDevice) {
  AddDevice(1, "SN1");
  HttpReply r = Send(http::verb::post, "/api/v1/devices/1/tags/vip");
  ASSERT_EQ(r.status, 200) << r.raw.body();
  EXPECT_EQ(r.body, json({{"tags", {"vip"}}}));
  EXPECT_EQ(Send(http::verb::post, "/api/v1/devices/1/tags/region%3Aakl").body, json({{"tags", {"vip", "region:akl"}}}));
  EXPECT_EQ(Send(http::verb::delete_, "/api/v1/devices/1/tags/vip").body, json({{"tags", {"region:akl"}}}));
  ExpectError(Send(http::verb::post, "/api/v1/devices/1/tags/-bad"), 400, "invalid_argument");
  ExpectError(Send(http::verb::post, "/api/v1/devices/1/tags/a%20b"), 400, "invalid_argument");
  ExpectError(Send(http::verb::post, "/api/v1/devices/1/tags/" + std::string(65, 't')), 400, "invalid_argument");
  ExpectError(Send(http::verb::post, "/api/v1/devices/2/tags/vip"), 404, "not_found");
  inv_.fail["SetTag"] = InvalidArgument("the device already has 64 tags");
  HttpReply full = Send(http::verb::post, "/api/v1/devices/1/tags/x");
  ExpectError(full, 400, "invalid_argument");
  EXPECT_EQ(full.body["error"]["message"], "the device already has 64 tags");
}

// ---- bulk tagging ----------------------------------------------------------------------------

TEST_F(ApiTest, BulkTagByFilterNeedsConfirmAllWhenEmpty) {
  AddDevice(1, "SN1");
  AddDevice(2, "SN2");
  ExpectError(Post("/api/v1/tags/vip/devices", {{"filter", json::object()}}), 400, "invalid_argument");
  ExpectError(Post("/api/v1/tags/vip/devices", {{"filter", json::object()}, {"confirm_all", false}}), 400,
              "invalid_argument");
  HttpReply all = Post("/api/v1/tags/vip/devices", {{"filter", json::object()}, {"confirm_all", true}});
  ASSERT_EQ(all.status, 200) << all.raw.body();
  EXPECT_EQ(all.body, json({{"changed", 2}, {"missing", json::array()}, {"missing_count", 0}}));
  EXPECT_EQ(inv_.last_max_devices, static_cast<int64_t>(config_.api.max_bulk_devices));

  HttpReply some = Send(http::verb::delete_, "/api/v1/tags/vip/devices",
                        json({{"filter", {{"serial", "SN2"}, {"online", true}}}}).dump());
  ASSERT_EQ(some.status, 200) << some.raw.body();
  EXPECT_EQ(some.body["changed"], 1);
  EXPECT_EQ(inv_.last_query->serial, "SN2");
  EXPECT_EQ(inv_.last_query->online, std::optional<bool>(true));

  ExpectError(Post("/api/v1/tags/vip/devices", {{"filter", {{"bogus", "x"}}}}), 400, "invalid_argument");
  ExpectError(Post("/api/v1/tags/vip/devices", {{"filter", {{"online", "true"}}}}), 400, "invalid_argument");
  ExpectError(Post("/api/v1/tags/vip/devices", {{"filter", {{"at", "2026-12-01T00:00:00Z"}}}}), 400,
              "invalid_argument");
  ExpectError(Post("/api/v1/tags/vip/devices", {{"filter", {{"limit", "5"}}}}), 400, "invalid_argument");
  inv_.fail["SetTagMatching"] = InvalidArgument("more than 100000 devices match");
  ExpectError(Post("/api/v1/tags/vip/devices", {{"filter", {{"tag", "x"}}}}), 400, "invalid_argument");
}

TEST_F(ApiTest, BulkTagByIdsAndSerials) {
  AddDevice(1, "SN1");
  AddDevice(2, "SN2");
  HttpReply ids = Post("/api/v1/tags/vip/devices", {{"device_ids", {1, 2, 3, 2}}});
  ASSERT_EQ(ids.status, 200) << ids.raw.body();
  EXPECT_EQ(ids.body, json({{"changed", 2}, {"missing", {3}}, {"missing_count", 1}}));

  HttpReply serials = Send(http::verb::delete_, "/api/v1/tags/vip/devices",
                           json({{"serial_numbers", {"SN1", "NOPE", "SN1"}}}).dump());
  ASSERT_EQ(serials.status, 200) << serials.raw.body();
  EXPECT_EQ(serials.body, json({{"changed", 1}, {"missing", {"NOPE"}}, {"missing_count", 1}}));

  for (const json& bad : {json({{"device_ids", json::array()}}), json({{"device_ids", {0}}}),
                          json({{"device_ids", {"1"}}}), json({{"device_ids", {1.5}}}), json({{"device_ids", 1}}),
                          json({{"serial_numbers", {1}}}), json({{"serial_numbers", {""}}}),
                          json({{"device_ids", {1}}, {"serial_numbers", {"SN1"}}}), json({{"devices", {1}}}),
                          json({{"device_ids", {1}}, {"confirm_all", true}}), json::object()}) {
    ExpectError(Post("/api/v1/tags/vip/devices", bad), 400, "invalid_argument");
  }
  ExpectError(Post("/api/v1/tags/bad%20tag/devices", {{"device_ids", {1}}}), 400, "invalid_argument");
}

TEST_F(ApiTest, BulkTagByUploadedList) {
  AddDevice(1, "SN1");
  AddDevice(2, "SN2");
  HttpReply plain = Send(http::verb::post, "/api/v1/tags/vip/devices", "# batch 7\nSN1\n\nSN404\r\n", "text/plain");
  ASSERT_EQ(plain.status, 200) << plain.raw.body();
  EXPECT_EQ(plain.body, json({{"changed", 1}, {"missing", {"SN404"}}, {"missing_count", 1}}));
  HttpReply csv = Send(http::verb::post, "/api/v1/tags/vip/devices", "serial_number,name\nSN1,a\n\"SN2\",b\n",
                       "text/csv; charset=utf-8");
  ASSERT_EQ(csv.status, 200) << csv.raw.body();
  EXPECT_EQ(csv.body, json({{"changed", 1}, {"missing", json::array()}, {"missing_count", 0}}));
  ExpectError(Send(http::verb::post, "/api/v1/tags/vip/devices", "SN1\n", "application/octet-stream"), 415,
              "unsupported_media_type");
  ExpectError(Send(http::verb::post, "/api/v1/tags/vip/devices", "# only a comment\n", "text/plain"), 400,
              "invalid_argument");
}

TEST_F(ApiTest, BulkTagLimits) {
  config_.api.max_bulk_devices = 3;
  AddDevice(1, "SN1");
  ExpectError(Post("/api/v1/tags/vip/devices", {{"device_ids", {1, 2, 3, 4}}}), 400, "invalid_argument");
  ExpectError(Post("/api/v1/tags/vip/devices", {{"serial_numbers", {"a", "b", "c", "d"}}}), 400, "invalid_argument");
  ExpectError(Send(http::verb::post, "/api/v1/tags/vip/devices", "a\nb\nc\nd\n", "text/plain"), 400,
              "invalid_argument");
  HttpReply ok = Send(http::verb::post, "/api/v1/tags/vip/devices", "a\nb\nc\na\n", "text/plain");  // 3 distinct
  EXPECT_EQ(ok.status, 200) << ok.raw.body();
  EXPECT_EQ(inv_.last_max_devices, 0);  // the filter form was not used
  Post("/api/v1/tags/vip/devices", {{"filter", {{"tag", "x"}}}});
  EXPECT_EQ(inv_.last_max_devices, 3);
}

TEST_F(ApiTest, BulkTagShowsAtMost1000Missing) {
  json ids = json::array();
  for (int i = 1; i <= 1500; ++i) ids.push_back(i);
  HttpReply r = Post("/api/v1/tags/vip/devices", {{"device_ids", ids}});
  ASSERT_EQ(r.status, 200) << r.raw.body().substr(0, 300);
  EXPECT_EQ(r.body["missing"].size(), 1000u);
  EXPECT_EQ(r.body["missing_count"], 1500);
}

// ---- tasks -----------------------------------------------------------------------------------

TEST_F(ApiTest, CreateTaskIs201WithLocation) {
  AddDevice(1, "SN1");
  HttpReply r = Post("/api/v1/devices/1/tasks", {{"type", "reboot"}});
  ASSERT_EQ(r.status, 201) << r.raw.body();
  EXPECT_EQ(r.header("Location"), "/api/v1/tasks/1");
  EXPECT_TRUE(r.body["connection_request"].is_null());
  EXPECT_EQ(r.body["state"], "queued");
  EXPECT_EQ(r.body["created_by"], "ops");
  EXPECT_EQ(service_.kicks, 0);
  EXPECT_EQ(service_.waits, 0);
  const tasks::TaskRequest& req = inv_.task_requests.back();
  EXPECT_EQ(req.device_id, 1);
  EXPECT_EQ(req.created_by, "ops");
  EXPECT_FALSE(req.expires_in.has_value());
  EXPECT_FALSE(req.max_attempts.has_value());
}

TEST_F(ApiTest, TaskObjectShapeAndPasswordRedaction) {
  AddDevice(1, "SN1");
  HttpReply r = Post("/api/v1/devices/1/tasks",
                     {{"type", "get_parameter_values"},
                      {"args", {{"names", {"Device."}}, {"password", "hunter2"}, {"nested", {{"Password", "x"}}}}},
                      {"expires_in", 600},
                      {"max_attempts", 5},
                      {"hold_requests", true}});
  ASSERT_EQ(r.status, 201) << r.raw.body();
  const json& t = r.body;
  for (const char* key : {"id", "device_id", "type", "args", "state", "phase", "reconcile_key", "hold_requests",
                          "attempts", "max_attempts", "created_at", "updated_at", "not_before", "expires_at", "sent_at",
                          "finished_at", "result", "fault", "created_by", "connection_request"}) {
    EXPECT_TRUE(t.contains(key)) << key;
  }
  EXPECT_EQ(t.size(), 20u);
  EXPECT_EQ(t["args"]["password"], "***");
  EXPECT_EQ(t["args"]["nested"]["Password"], "***");
  EXPECT_EQ(t["args"]["names"], json::array({"Device."}));
  EXPECT_EQ(r.raw.body().find("hunter2"), std::string::npos);
  EXPECT_TRUE(t["phase"].is_null());
  EXPECT_TRUE(t["fault"].is_null());
  EXPECT_TRUE(t["result"].is_null());
  const tasks::TaskRequest& req = inv_.task_requests.back();
  EXPECT_EQ(req.args["password"], "hunter2");  // the service gets the real value
  EXPECT_EQ(req.expires_in, std::optional<std::chrono::seconds>(600));
  EXPECT_EQ(req.max_attempts, std::optional<int>(5));
  EXPECT_TRUE(req.hold_requests);

  db::Task& stored = AddTask(9, 1, db::TaskState::kFault);
  {
    std::lock_guard lock(inv_.mu);
    stored.result_json = R"({"list":[{"password":"p","ok":true}]})";
    stored.fault_code = 9002;
    stored.fault_message = "Internal error";
    stored.finished_at = kT0;
  }
  HttpReply g = Get("/api/v1/tasks/9");
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.body["result"], json::parse(R"({"list":[{"password":"***","ok":true}]})"));
  EXPECT_EQ(g.body["fault"], json({{"code", 9002}, {"message", "Internal error"}}));
  EXPECT_EQ(g.body["finished_at"], "2026-12-03T11:34:37.123Z");
  EXPECT_FALSE(g.body.contains("connection_request"));
  AddTask(10, 1, db::TaskState::kRunning, db::TaskPhase::kAwaiting);
  EXPECT_EQ(Get("/api/v1/tasks/10").body["phase"], "awaiting");
}

TEST_F(ApiTest, CreateTaskValidation) {
  AddDevice(1, "SN1");
  for (const json& bad : {json::object(), json({{"type", 5}}), json({{"type", ""}}), json({{"type", "reboot"}, {"x", 1}}),
                          json({{"type", "reboot"}, {"args", "x"}}), json({{"type", "reboot"}, {"args", {1, 2}}}),
                          json({{"type", "reboot"}, {"max_attempts", 0}}), json({{"type", "reboot"}, {"max_attempts", 101}}),
                          json({{"type", "reboot"}, {"max_attempts", 1e30}}), json({{"type", "reboot"}, {"max_attempts", "3"}}),
                          json({{"type", "reboot"}, {"max_attempts", 2.5}}), json({{"type", "reboot"}, {"expires_in", 0}}),
                          json({{"type", "reboot"}, {"expires_in", -5}}),
                          json({{"type", "reboot"}, {"expires_in", 18446744073709551615ull}}),
                          json({{"type", "reboot"}, {"hold_requests", "yes"}})}) {
    ExpectError(Post("/api/v1/devices/1/tasks", bad), 400, "invalid_argument");
  }
  HttpReply unknown_type = Post("/api/v1/devices/1/tasks", {{"type", "format_disk"}});
  ExpectError(unknown_type, 400, "invalid_argument");
  EXPECT_EQ(unknown_type.body["error"]["message"], "type: unknown task type");
  ExpectError(Post("/api/v1/devices/2/tasks", {{"type", "reboot"}}), 404, "not_found");
  ExpectError(Post("/api/v1/devices/1/tasks?wait=301", {{"type", "reboot"}}), 400, "invalid_argument");
  ExpectError(Post("/api/v1/devices/1/tasks?wait=-1", {{"type", "reboot"}}), 400, "invalid_argument");
  ExpectError(Post("/api/v1/devices/1/tasks?connection_request=1", {{"type", "reboot"}}), 400, "invalid_argument");
  inv_.fail["CreateTask"] = Unavailable("down");
  ExpectError(Post("/api/v1/devices/1/tasks", {{"type", "reboot"}}), 503, "unavailable");
  EXPECT_EQ(service_.kicks, 0);
}

TEST_F(ApiTest, CreateTaskKickAndWaitStatusRule) {
  AddDevice(1, "SN1");
  // Kick without wait: 201, the kick's outcome in the answer.
  service_.kick_result = {"unreachable", "connect timed out", 0, 5000};
  HttpReply kicked = Post("/api/v1/devices/1/tasks?connection_request=true", {{"type", "reboot"}});
  ASSERT_EQ(kicked.status, 201) << kicked.raw.body();
  EXPECT_EQ(kicked.body["connection_request"],
            json({{"status", "unreachable"}, {"detail", "connect timed out"}, {"http_status", nullptr}, {"elapsed_ms", 5000}}));
  EXPECT_EQ(service_.kicks, 1);
  EXPECT_EQ(service_.waits, 0);

  // Wait, not final in time: 202.
  service_.kick_result = {"ok", "", 200, 15};
  HttpReply pending = Post("/api/v1/devices/1/tasks?connection_request=true&wait=30", {{"type", "reboot"}});
  ASSERT_EQ(pending.status, 202) << pending.raw.body();
  EXPECT_EQ(pending.body["connection_request"]["http_status"], 200);
  EXPECT_EQ(service_.waits, 1);
  EXPECT_EQ(service_.last_wait, 30s);

  // Wait, final in time: 200 with the settled task (read again after the wait).
  service_.settle_to = db::TaskState::kDone;
  service_.result_on_settle = R"({"ok":true})";
  HttpReply done = Post("/api/v1/devices/1/tasks?wait=300", {{"type", "reboot"}});
  ASSERT_EQ(done.status, 200) << done.raw.body();
  EXPECT_EQ(done.body["state"], "done");
  EXPECT_EQ(done.body["result"], json({{"ok", true}}));
  EXPECT_TRUE(done.body["connection_request"].is_null());
  EXPECT_EQ(service_.kicks, 2);
  EXPECT_EQ(done.header("Location"), "/api/v1/tasks/" + std::to_string(done.body["id"].get<int64_t>()));
}

TEST_F(ApiTest, IdempotentReplayAndConflict) {
  AddDevice(1, "SN1");
  const std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "reboot-after-outage-7"}};
  const std::string body = json({{"type", "reboot"}}).dump();
  HttpReply first = Send(http::verb::post, "/api/v1/devices/1/tasks", body, "application/json", key);
  ASSERT_EQ(first.status, 201) << first.raw.body();
  HttpReply again = Send(http::verb::post, "/api/v1/devices/1/tasks", body, "application/json", key);
  EXPECT_EQ(again.status, 202) << again.raw.body();  // not just created, not final
  EXPECT_EQ(again.body["id"], first.body["id"]);
  EXPECT_EQ(inv_.task_requests.back().idempotency_key, "reboot-after-outage-7");
  // A replay with connection_request kicks the (not final) task.
  HttpReply kick = Send(http::verb::post, "/api/v1/devices/1/tasks?connection_request=true", body, "application/json", key);
  EXPECT_EQ(kick.status, 202);
  EXPECT_EQ(service_.kicks, 1);
  // Once the task is final, a replay answers 200 and does not kick.
  {
    std::lock_guard lock(inv_.mu);
    inv_.tasks.at(first.body["id"].get<int64_t>()).state = db::TaskState::kDone;
  }
  HttpReply final = Send(http::verb::post, "/api/v1/devices/1/tasks?connection_request=true&wait=10", body,
                         "application/json", key);
  EXPECT_EQ(final.status, 200);
  EXPECT_TRUE(final.body["connection_request"].is_null());
  EXPECT_EQ(service_.kicks, 1);
  EXPECT_EQ(service_.waits, 0);
  // The same key for another request.
  HttpReply conflict = Send(http::verb::post, "/api/v1/devices/1/tasks", json({{"type", "get_parameter_values"}}).dump(),
                            "application/json", key);
  ExpectError(conflict, 409, "idempotency_conflict");
  // Bad keys.
  for (const std::string& bad : {std::string(129, 'k'), std::string("a\tb")}) {
    ExpectError(Send(http::verb::post, "/api/v1/devices/1/tasks", body, "application/json", {{"Idempotency-Key", bad}}),
                400, "invalid_argument");
  }
  ExpectError(Send(http::verb::post, "/api/v1/devices/1/tasks", body, "application/json",
                   {{"Idempotency-Key", "a"}, {"Idempotency-Key", "b"}}),
              400, "invalid_argument");
}

TEST_F(ApiTest, GetTaskLongPoll) {
  AddDevice(1, "SN1");
  AddTask(1, 1, db::TaskState::kQueued);
  HttpReply now = Get("/api/v1/tasks/1");
  EXPECT_EQ(now.status, 200);
  EXPECT_EQ(now.body["state"], "queued");
  EXPECT_EQ(service_.waits, 0);
  HttpReply timed_out = Get("/api/v1/tasks/1?wait=20");
  EXPECT_EQ(timed_out.body["state"], "queued");
  EXPECT_EQ(service_.waits, 1);
  EXPECT_EQ(service_.last_wait, 20s);
  service_.settle_to = db::TaskState::kDone;
  EXPECT_EQ(Get("/api/v1/tasks/1?wait=300").body["state"], "done");
  EXPECT_EQ(Get("/api/v1/tasks/1?wait=300").body["state"], "done");  // final: no wait
  EXPECT_EQ(service_.waits, 2);
  ExpectError(Get("/api/v1/tasks/1?wait=301"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/tasks/1?wait=soon"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/tasks/2"), 404, "not_found");
}

TEST_F(ApiTest, ListTasksNewestFirstWithFilters) {
  AddDevice(1, "SN1");
  for (int64_t id = 1; id <= 5; ++id) AddTask(id, id <= 3 ? 1 : 2, id == 2 ? db::TaskState::kDone : db::TaskState::kQueued);
  HttpReply p1 = Get("/api/v1/tasks?limit=2");
  ASSERT_EQ(p1.status, 200) << p1.raw.body();
  EXPECT_EQ(p1.body["items"][0]["id"], 5);
  EXPECT_EQ(p1.body["items"][1]["id"], 4);
  HttpReply p2 = Get("/api/v1/tasks?limit=2&cursor=" + p1.body["next_cursor"].get<std::string>());
  EXPECT_EQ(p2.body["items"][0]["id"], 3);
  EXPECT_EQ(inv_.last_task_filter->before_id, 4);
  HttpReply filtered = Get("/api/v1/tasks?device=1&state=done");
  ASSERT_EQ(filtered.body["items"].size(), 1u);
  EXPECT_EQ(filtered.body["items"][0]["id"], 2);
  EXPECT_TRUE(filtered.body["next_cursor"].is_null());
  EXPECT_EQ(inv_.last_task_filter->device_id, std::optional<int64_t>(1));
  ExpectError(Get("/api/v1/tasks?state=finished"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/tasks?cursor=" + api::EncodeCursor('d', 3)), 400, "invalid_argument");
}

TEST_F(ApiTest, CancelTask) {
  AddDevice(1, "SN1");
  AddTask(1, 1, db::TaskState::kQueued);
  AddTask(2, 1, db::TaskState::kRunning, db::TaskPhase::kSent);
  HttpReply ok = Send(http::verb::delete_, "/api/v1/tasks/1");
  ASSERT_EQ(ok.status, 200) << ok.raw.body();
  EXPECT_EQ(ok.body["state"], "cancelled");
  ExpectError(Send(http::verb::delete_, "/api/v1/tasks/2"), 409, "task_not_cancellable");
  ExpectError(Send(http::verb::delete_, "/api/v1/tasks/1"), 409, "task_not_cancellable");
  ExpectError(Send(http::verb::delete_, "/api/v1/tasks/3"), 404, "not_found");
}

// ---- faults ----------------------------------------------------------------------------------

TEST_F(ApiTest, Faults) {
  AddDevice(1, "SN1");
  {
    std::lock_guard lock(inv_.mu);
    for (int64_t id = 1; id <= 3; ++id) {
      db::StoredFault f;
      f.id = id;
      f.fault = {id == 3 ? 2 : 1, "SetParameterValues", 9007, "Invalid parameter value",
                 id == 1 ? R"([{"name":"Device.X","code":9007}])" : "", kT0};
      if (id == 2) f.task_id = 7;
      inv_.faults[id] = f;
    }
  }
  HttpReply list = Get("/api/v1/faults?device=1");
  ASSERT_EQ(list.status, 200) << list.raw.body();
  ASSERT_EQ(list.body["items"].size(), 2u);
  EXPECT_EQ(list.body["items"][0], json({{"id", 2},
                                          {"device_id", 1},
                                          {"task_id", 7},
                                          {"rpc", "SetParameterValues"},
                                          {"code", 9007},
                                          {"message", "Invalid parameter value"},
                                          {"detail", nullptr},
                                          {"at", "2026-12-03T11:34:37.123Z"}}));
  EXPECT_EQ(list.body["items"][1]["detail"], json::parse(R"([{"name":"Device.X","code":9007}])"));
  HttpReply page = Get("/api/v1/faults?limit=1");
  EXPECT_EQ(page.body["items"][0]["id"], 3);
  HttpReply next = Get("/api/v1/faults?limit=1&cursor=" + page.body["next_cursor"].get<std::string>());
  EXPECT_EQ(next.body["items"][0]["id"], 2);
  EXPECT_EQ(Get("/api/v1/faults?task=7").body["items"].size(), 1u);
  EXPECT_EQ(inv_.last_fault_query->task_id, std::optional<int64_t>(7));

  EXPECT_EQ(Get("/api/v1/faults/3").body["device_id"], 2);
  ExpectError(Get("/api/v1/faults/4"), 404, "not_found");
  EXPECT_EQ(Send(http::verb::delete_, "/api/v1/faults/3").status, 204);
  ExpectError(Send(http::verb::delete_, "/api/v1/faults/3"), 404, "not_found");
  ExpectError(Send(http::verb::delete_, "/api/v1/faults"), 400, "invalid_argument");  // device required
  ExpectError(Send(http::verb::delete_, "/api/v1/faults?device=x"), 400, "invalid_argument");
  HttpReply all = Send(http::verb::delete_, "/api/v1/faults?device=1");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body, json({{"deleted", 2}}));
  EXPECT_EQ(Get("/api/v1/faults").body["items"].size(), 0u);
}

// ---- the OpenAPI document ----------------------------------------------------------------------

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(OpenApi, EmbeddedDocumentIsTheSourceFileAndValid) {
  std::ifstream in(std::string(RURU_SOURCE_DIR) + "/acs/api/openapi.json", std::ios::binary);
  ASSERT_TRUE(in.good());
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(file.str(), std::string(api::OpenApiDocument()));
  json doc = json::parse(api::OpenApiDocument(), nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "openapi.json is not valid JSON";
  ASSERT_TRUE(doc["openapi"].is_string());
  EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.0.", 0), 0u);
  for (const char* schema : {"Device", "Task", "Fault", "Error"}) {
    EXPECT_TRUE(doc["components"]["schemas"].contains(schema)) << schema;
  }
  EXPECT_TRUE(doc["components"]["securitySchemes"].contains("bearer"));
}

// Every route of the table is documented with exactly its query parameters, every documented
// operation is a route, and each documents its error answers.
TEST(OpenApi, RouteTableAndDocumentAgree) {
  json doc = json::parse(api::OpenApiDocument());
  std::set<std::string> routes;
  for (const api::RouteInfo& r : api::RouteTable()) {
    const std::string method = Lower(r.method);
    routes.insert(method + " " + r.path);
    ASSERT_TRUE(doc["paths"].contains(r.path)) << r.path;
    const json& path_item = doc["paths"][r.path];
    ASSERT_TRUE(path_item.contains(method)) << method << " " << r.path;
    const json& op = path_item[method];
    std::set<std::string> documented;
    auto collect = [&](const json& params) {
      for (const json& p : params) {
        json param = p;
        if (p.contains("$ref")) {
          const std::string ref = p["$ref"];
          param = doc["components"]["parameters"][ref.substr(ref.rfind('/') + 1)];
        }
        if (param.value("in", "") == "query") documented.insert(param["name"].get<std::string>());
      }
    };
    if (path_item.contains("parameters")) collect(path_item["parameters"]);
    if (op.contains("parameters")) collect(op["parameters"]);
    EXPECT_EQ(documented, std::set<std::string>(r.query.begin(), r.query.end())) << method << " " << r.path;
    EXPECT_TRUE(op.contains("responses")) << r.path;
    // The permission it needs and the roles that have it: what permissions.h says.
    EXPECT_EQ(op.value("x-ruru-action", ""), r.action) << method << " " << r.path;
    std::vector<std::string> roles;
    const access::Permission* permission = access::FindPermission(r.action);
    ASSERT_NE(permission, nullptr) << r.action;
    for (access::Role role : access::AllRoles()) {
      if (permission->allowed.Contains(role)) roles.emplace_back(ToString(role));
    }
    EXPECT_EQ(op.value("x-ruru-roles", json::array()), json(roles)) << method << " " << r.path;
    if (r.authenticated) {
      EXPECT_TRUE(op["responses"].contains("401")) << method << " " << r.path;
      EXPECT_TRUE(op["responses"].contains("429")) << method << " " << r.path;
    } else {
      EXPECT_EQ(op["security"], json::array()) << r.path;
    }
  }
  for (auto path = doc["paths"].begin(); path != doc["paths"].end(); ++path) {
    for (auto op = path->begin(); op != path->end(); ++op) {
      if (op.key() == "parameters") continue;
      EXPECT_EQ(routes.count(op.key() + " " + path.key()), 1u) << "documented but not routed: " << op.key() << " "
                                                               << path.key();
    }
  }
}

}  // namespace
}  // namespace ruru::acs
