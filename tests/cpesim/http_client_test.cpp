// HttpSession and ParseUrl against the scripted TestHttpServer on 127.0.0.1 (real sockets, plain and
// TLS with a CA generated at test time).
#include "tests/cpesim/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "tests/cpesim/test_http_server.h"
#include "tests/cpesim/test_tls.h"

namespace ruru::cpesim {
namespace {

using namespace std::chrono_literals;
using testkit::RecordedRequest;
using testkit::ScriptedResponse;
using testkit::TestHttpServer;
using testkit::TestPki;

// Runs `body` (a coroutine taking the executor) to completion on a fresh io_context, bounded.
template <class F>
void RunClient(F body) {
  asio::io_context io;
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await body(io.get_executor());
        done = true;
      },
      asio::detached);
  io.run_for(20s);
  EXPECT_TRUE(done) << "client did not finish";
}

// (Requests are built by functions and kept in named variables: gcc 12 mis-destroys
// brace-initialised temporaries in co_await expressions.)
HttpRequest Request(http::verb method, std::string body = "", std::string target = "") {
  HttpRequest r;
  r.method = method;
  r.body = std::move(body);
  r.target = std::move(target);
  if (!r.body.empty()) r.content_type = "text/xml";
  return r;
}
HttpRequest Post(std::string body) { return Request(http::verb::post, std::move(body)); }

ClientOptions Options(std::chrono::milliseconds timeout = 5s) {
  ClientOptions o;
  o.timeout = timeout;
  return o;
}

std::string Describe(const Result<HttpResponse>& r) {
  return r.ok() ? "HTTP " + std::to_string(r->status) + ", " + std::to_string(r->body.size()) + " bytes"
                : r.error().message;
}

// ---- ParseUrl ----

TEST(ParseUrl, AcceptsHttpAndHttpsWithDefaults) {
  auto u = ParseUrl("https://acs.example.net:7547/cwmp?x=1#frag");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "acs.example.net");
  EXPECT_EQ(u->port, 7547);
  EXPECT_EQ(u->target, "/cwmp?x=1");
  EXPECT_EQ(u->HostHeader(), "acs.example.net:7547");

  auto plain = ParseUrl("http://127.0.0.1");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(plain->HostHeader(), "127.0.0.1");

  auto secure = ParseUrl("https://acs");
  ASSERT_TRUE(secure.ok());
  EXPECT_EQ(secure->port, 443);
  EXPECT_EQ(secure->HostHeader(), "acs");

  auto query_only = ParseUrl("http://acs:8080?a=b");
  ASSERT_TRUE(query_only.ok());
  EXPECT_EQ(query_only->target, "/?a=b");

  auto v6 = ParseUrl("http://[::1]:8080/a");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  EXPECT_EQ(v6->HostHeader(), "[::1]:8080");
  auto v6_default = ParseUrl("https://[2001:db8::7]/");
  ASSERT_TRUE(v6_default.ok());
  EXPECT_EQ(v6_default->port, 443);

  EXPECT_TRUE(ParseUrl("http://h:65535/").ok());
  EXPECT_TRUE(ParseUrl("http://h/" + std::string(2030, 'a')).ok());
}

TEST(ParseUrl, RefusesWhatItCannotUseWithAClearMessage) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ftp://x/", "scheme"},
      {"tftp://10.0.0.1/fw.bin", "scheme"},
      {"HTTP//x", "scheme"},
      {"", "scheme"},
      {"http://", "no host"},
      {"http:///path", "no host"},
      {"http://:80/", "no host"},
      {"http://user:pw@host/", "user information"},
      {"http://user@host/", "user information"},
      {"http://host:0/", "port"},
      {"http://host:65536/", "port"},
      {"http://host:99999999999999999999/", "port"},
      {"http://host:/", "port"},
      {"http://host:8a/", "port"},
      {"http://host:-1/", "port"},
      {"http://ho st/", "space"},
      {"http://host/a b", "space"},
      {"http://host/\x01", "control"},
      {std::string("http://host/\0", 13), "control"},
      {"http://host/\x7f", "control"},
      {"http://[::1/", "unterminated"},
      {"http://[nothost]/", "IPv6"},
      {"http://[::1]x/", "junk"},
      {"http://::1/", "host"},
      {"http://ho%73t/", "host"},
      {"http://h/" + std::string(3000, 'a'), "2048"},
  };
  for (const auto& [url, fragment] : cases) {
    auto r = ParseUrl(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << url << " -> " << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  }
}

// ---- Plain HTTP ----

TEST(HttpSession, SendsGetPostAndPutAndReturnsTheAnswer) {
  TestHttpServer server([](const RecordedRequest& r) {
    ScriptedResponse a;
    a.status = r.method == "PUT" ? 201 : 200;
    a.headers = {{"X-Echo-Method", r.method}, {"Content-Type", "text/plain"}};
    a.body = r.method + " " + r.target + " " + r.body;
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(server.Url("/acs?x=1")), Options());
    EXPECT_FALSE(http.connected());
    HttpRequest get = Request(http::verb::get);
    get.headers.emplace_back("X-Custom", "value 1");
    auto r1 = co_await http.Send(get);
    EXPECT_TRUE(r1.ok() && r1->status == 200 && r1->body == "GET /acs?x=1 ") << Describe(r1);
    if (r1.ok()) {
      EXPECT_EQ(r1->Header("x-echo-method"), "GET");
      EXPECT_EQ(r1->Header("CONTENT-TYPE"), "text/plain");
      EXPECT_EQ(r1->Header("X-Missing"), "");
    }
    EXPECT_TRUE(http.connected());
    HttpRequest post = Post("<Inform/>");
    auto r2 = co_await http.Send(post);
    EXPECT_TRUE(r2.ok() && r2->body == "POST /acs?x=1 <Inform/>") << Describe(r2);
    HttpRequest put = Request(http::verb::put, std::string(70000, 'u'), "/upload/log.txt");
    auto r3 = co_await http.Send(put);
    EXPECT_TRUE(r3.ok() && r3->status == 201 && r3->body.size() == 70000 + 20) << Describe(r3);
    EXPECT_GT(http.bytes_sent(), 70000u);
    EXPECT_GT(http.bytes_received(), 70000u);
  });
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].Header("X-Custom"), "value 1");
  EXPECT_EQ(seen[0].Header("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen[0].Header("Content-Length"), "");
  EXPECT_EQ(seen[1].method, "POST");
  EXPECT_EQ(seen[1].Header("Content-Type"), "text/xml");
  EXPECT_EQ(seen[1].Header("Content-Length"), "9");
  EXPECT_EQ(seen[2].method, "PUT");
  EXPECT_EQ(seen[2].target, "/upload/log.txt");
  EXPECT_EQ(seen[2].body, std::string(70000, 'u'));
}

TEST(HttpSession, ReusesOneConnectionForThreeRequests) {
  TestHttpServer server([](const RecordedRequest& r) {
    ScriptedResponse a;
    a.body = "echo:" + r.body;
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(server.Url("/acs")), Options());
    for (const char* body : {"first", "second", "third"}) {
      HttpRequest req = Post(body);
      auto r = co_await http.Send(req);
      EXPECT_TRUE(r.ok() && r->body == std::string("echo:") + body) << Describe(r);
      EXPECT_TRUE(http.connected());
    }
    http.Close();
    EXPECT_FALSE(http.connected());
  });
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(server.connections(), 1);
  for (const RecordedRequest& s : seen) EXPECT_EQ(s.connection, 1);
}

TEST(HttpSession, ReconnectsTransparentlyWhenTheServerDroppedTheIdleConnection) {
  TestHttpServer server([](const RecordedRequest& r) {
    ScriptedResponse a;
    a.drop_after = r.body == "then-drop";  // claims keep-alive, closes anyway
    a.body = "ok-" + r.body;
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(server.Url()), Options());
    for (const char* body : {"then-drop", "after", "again"}) {
      HttpRequest req = Post(body);
      auto r = co_await http.Send(req);
      EXPECT_TRUE(r.ok() && r->body == std::string("ok-") + body) << body << ": " << Describe(r);
    }
  });
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u) << "the request that met the closed connection is not counted twice";
  EXPECT_EQ(seen[0].connection, 1);
  EXPECT_EQ(seen[1].connection, 2);
  EXPECT_EQ(seen[2].connection, 2);
}

TEST(HttpSession, NeverResendsAfterAPartialResponse) {
  TestHttpServer server([](const RecordedRequest& r) {
    ScriptedResponse a;
    if (r.body == "partial-body") a.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort";
    if (r.body == "partial-status") a.raw = "HTTP/1.1 2";
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(server.Url()), Options());
    for (const char* body : {"warm-up", "partial-body", "warm-up", "partial-status"}) {
      HttpRequest req = Post(body);
      auto r = co_await http.Send(req);
      if (std::string_view(body).starts_with("partial")) {
        EXPECT_FALSE(r.ok()) << body << ": " << Describe(r);
        if (!r.ok()) {
          EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
          EXPECT_NE(r.error().message.find("HTTP exchange"), std::string::npos) << r.error().message;
        }
        EXPECT_FALSE(http.connected());
      } else {
        EXPECT_TRUE(r.ok()) << Describe(r);
      }
    }
  });
  EXPECT_EQ(server.requests().size(), 4u) << "a partly answered request must not be sent again";
}

TEST(HttpSession, NeverResendsAfterATimeoutOnAReusedConnection) {
  TestHttpServer server([](const RecordedRequest& r) {
    ScriptedResponse a;
    a.no_answer = r.body == "hang";
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(server.Url()), Options(300ms));
    HttpRequest first = Post("first");
    auto r1 = co_await http.Send(first);
    EXPECT_TRUE(r1.ok()) << Describe(r1);
    HttpRequest hang = Post("hang");
    auto r2 = co_await http.Send(hang);
    EXPECT_FALSE(r2.ok());
    if (!r2.ok()) {
      EXPECT_NE(r2.error().message.find("timeout after 300 ms"), std::string::npos) << r2.error().message;
    }
  });
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(HttpSession, HonoursConnectionClose) {
  TestHttpServer server([](const RecordedRequest& r) {
    ScriptedResponse a;
    a.connection_close = r.body == "closing";
    a.body = "ok-" + r.body;
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(server.Url()), Options());
    HttpRequest closing = Post("closing");
    auto r1 = co_await http.Send(closing);
    EXPECT_TRUE(r1.ok() && r1->body == "ok-closing") << Describe(r1);
    if (r1.ok()) {
      EXPECT_EQ(r1->Header("Connection"), "close");
    }
    EXPECT_FALSE(http.connected()) << "the client closes on Connection: close";
    HttpRequest after = Post("after");
    auto r2 = co_await http.Send(after);
    EXPECT_TRUE(r2.ok() && r2->body == "ok-after") << Describe(r2);
  });
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].connection, 1);
  EXPECT_EQ(seen[1].connection, 2);
}

TEST(HttpSession, ReadsChunkedBodiesAndSkipsInterimResponses) {
  const std::string big(300000, 'c');
  TestHttpServer server([&](const RecordedRequest& r) {
    ScriptedResponse a;
    if (r.target == "/interim") {
      a.raw = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      return a;
    }
    a.chunked = true;
    a.body = r.target == "/big" ? big : "small";
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    ClientOptions o = Options();
    o.max_body = big.size();
    HttpSession http(ex, *ParseUrl(server.Url("/small")), o);
    HttpRequest small = Request(http::verb::get);
    auto r1 = co_await http.Send(small);
    EXPECT_TRUE(r1.ok() && r1->body == "small") << Describe(r1);
    if (r1.ok()) {
      EXPECT_EQ(r1->Header("Transfer-Encoding"), "chunked");
    }
    HttpRequest get_big = Request(http::verb::get, "", "/big");
    auto r2 = co_await http.Send(get_big);
    EXPECT_TRUE(r2.ok() && r2->body == big) << Describe(r2);
    HttpRequest interim = Request(http::verb::get, "", "/interim");
    auto r3 = co_await http.Send(interim);
    EXPECT_TRUE(r3.ok() && r3->status == 200 && r3->body == "ok") << Describe(r3);
  });
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(HttpSession, ResponseLimitsAreErrorsAndTheSessionRecovers) {
  TestHttpServer server([](const RecordedRequest& r) {
    ScriptedResponse a;
    a.chunked = r.target.starts_with("/chunked");
    if (r.target.ends_with("/big")) a.body = std::string(100000, 'x');
    if (r.target.ends_with("/exact")) a.body = std::string(50000, 'x');
    if (r.target == "/header") a.headers.emplace_back("X-Huge", std::string(20000, 'h'));
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    ClientOptions o = Options();
    o.max_body = 50000;
    HttpSession http(ex, *ParseUrl(server.Url()), o);
    for (const auto& [too_big, exact] : {std::pair{"/big", "/exact"}, std::pair{"/chunked/big", "/chunked/exact"}}) {
      HttpRequest req = Request(http::verb::get, "", too_big);
      auto r = co_await http.Send(req);
      EXPECT_FALSE(r.ok()) << too_big << ": " << Describe(r);
      if (!r.ok()) {
        EXPECT_EQ(r.error().message, "HTTP response body over 50000 bytes") << too_big;
      }
      EXPECT_FALSE(http.connected());
      HttpRequest at_limit = Request(http::verb::get, "", exact);
      auto ok = co_await http.Send(at_limit);
      EXPECT_TRUE(ok.ok() && ok->body.size() == 50000) << exact << ": " << Describe(ok);
    }
    HttpRequest header = Request(http::verb::get, "", "/header");
    auto r = co_await http.Send(header);
    EXPECT_FALSE(r.ok()) << Describe(r);
    if (!r.ok()) {
      EXPECT_EQ(r.error().message, "HTTP response header over 16 KiB");
    }
  });
}

TEST(HttpSession, TimesOutWhenTheServerNeverAnswers) {
  TestHttpServer server([](const RecordedRequest&) {
    ScriptedResponse a;
    a.no_answer = true;
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(server.Url()), Options(250ms));
    HttpRequest req = Post("x");
    auto r = co_await http.Send(req);
    EXPECT_FALSE(r.ok()) << Describe(r);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
      EXPECT_TRUE(r.error().message.starts_with("timeout after 250 ms")) << r.error().message;
    }
    EXPECT_FALSE(http.connected());
  });
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(HttpSession, RefusedConnectionsAndBadRequestsAreErrors) {
  // Bound but not listening: connecting is refused, and nothing else can take the port meanwhile.
  asio::io_context io;
  asio::ip::tcp::acceptor closed(io);
  closed.open(asio::ip::tcp::v4());
  closed.bind({asio::ip::make_address_v4("127.0.0.1"), 0});
  const std::string refused_url = "http://127.0.0.1:" + std::to_string(closed.local_endpoint().port()) + "/";
  TestHttpServer server([](const RecordedRequest&) { return ScriptedResponse{}; });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession refused(ex, *ParseUrl(refused_url), Options());
    HttpRequest req = Post("x");
    auto r1 = co_await refused.Send(req);
    EXPECT_FALSE(r1.ok());
    if (!r1.ok()) {
      EXPECT_EQ(r1.error().code, ErrorCode::kUnavailable);
      EXPECT_TRUE(r1.error().message.starts_with("connect 127.0.0.1:")) << r1.error().message;
    }

    HttpSession http(ex, *ParseUrl(server.Url()), Options());
    HttpRequest bad_name = Post("x");
    bad_name.headers.emplace_back("Bad Header", "v");
    HttpRequest injected = Post("x");
    injected.headers.emplace_back("X-Ok", "v\r\nX-Injected: 1");
    HttpRequest bad_target = Post("x");
    bad_target.target = "/a b";
    for (const HttpRequest* bad : {&bad_name, &injected, &bad_target}) {
      auto r = co_await http.Send(*bad);
      EXPECT_FALSE(r.ok());
      if (!r.ok()) {
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        EXPECT_TRUE(r.error().message.starts_with("HTTP request: ")) << r.error().message;
      }
    }
  });
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpSession, BindsTheSourceAddressBeforeConnecting) {
  TestHttpServer server([](const RecordedRequest&) { return ScriptedResponse{}; });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    for (const char* source : {"127.0.0.2", "127.3.4.5"}) {
      ClientOptions o = Options();
      o.source = asio::ip::make_address(source);
      HttpSession http(ex, *ParseUrl(server.Url()), o);
      for (int i = 0; i < 2; ++i) {
        HttpRequest req = Post(source);
        auto r = co_await http.Send(req);
        EXPECT_TRUE(r.ok()) << source << ": " << Describe(r);
      }
    }
    ClientOptions v6 = Options();
    v6.source = asio::ip::make_address("::1");
    HttpSession mismatch(ex, *ParseUrl(server.Url()), v6);
    HttpRequest req = Post("v6");
    auto r = co_await mismatch.Send(req);
    EXPECT_FALSE(r.ok()) << "an IPv6 source cannot reach an IPv4 server";
  });
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 4u);
  for (const RecordedRequest& s : seen) EXPECT_EQ(s.peer.to_string(), s.body);
  EXPECT_EQ(seen[0].connection, seen[1].connection);
  EXPECT_EQ(seen[2].connection, seen[3].connection);
}

TEST(HttpSession, StoresCookiesAndSendsThemBack) {
  TestHttpServer server([](const RecordedRequest& r) {
    ScriptedResponse a;
    if (r.body == "1") {
      a.headers = {{"Set-Cookie", "session=abc123; Path=/; HttpOnly"},
                   {"set-cookie", " lang = en ; Secure"},
                   {"Set-Cookie", "bad name=x"},
                   {"Set-Cookie", "novalue"}};
    } else if (r.body == "2") {
      a.headers = {{"Set-Cookie", "session=def456; Max-Age=3600"},
                   {"Set-Cookie", "keep=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT"}};
    } else if (r.body == "3") {
      a.headers = {{"Set-Cookie", "lang=; Max-Age=0"},
                   {"Set-Cookie", "session=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT"},
                   {"Set-Cookie", "keep=2; Expires=Thu, 01-Jan-70 00:00:00 GMT; Max-Age=60"}};
    }
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(server.Url()), Options());
    for (const char* body : {"1", "2", "3", "4"}) {
      HttpRequest req = Post(body);
      auto r = co_await http.Send(req);
      EXPECT_TRUE(r.ok()) << Describe(r);
      if (r.ok() && std::string_view(body) == "1") {
        EXPECT_EQ(r->SetCookies().size(), 4u);
        EXPECT_EQ(r->SetCookies().at(0), "session=abc123; Path=/; HttpOnly");
      }
    }
    // Cookies belong to one HttpSession.
    HttpSession other(ex, *ParseUrl(server.Url()), Options());
    HttpRequest req = Post("other");
    auto r = co_await other.Send(req);
    EXPECT_TRUE(r.ok()) << Describe(r);
  });
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].Header("Cookie"), "");
  EXPECT_EQ(seen[1].Header("Cookie"), "session=abc123; lang=en");
  EXPECT_EQ(seen[2].Header("Cookie"), "lang=en; session=def456; keep=1");
  EXPECT_EQ(seen[3].Header("Cookie"), "keep=2") << "Max-Age=0 and a past Expires delete; Max-Age beats Expires";
  EXPECT_EQ(seen[4].Header("Cookie"), "");
}

// ---- Authentication ----

// A Clock the test can move while the server thread reads it: real time plus an offset.
class SteppingClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now() + std::chrono::seconds(offset_.load()); }
  Instant Monotonic() const override { return SystemClock::Instance().Monotonic(); }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Instant deadline) const override {
    SystemClock::Instance().WaitUntil(cv, lock, deadline);
  }
  Duration TimerDelay(Instant deadline) const override { return SystemClock::Instance().TimerDelay(deadline); }
  void Advance(std::chrono::seconds s) { offset_ += s.count(); }

 private:
  std::atomic<int64_t> offset_{0};
};

// Answers 200 when the request carries the right Digest (or Basic, under /basic) credentials for
// cpe/secret, otherwise 401 with a challenge; records each status it gave.
class AuthServer {
 public:
  AuthServer()
      : digest_("test", std::string(32, 'k'), clock_, std::chrono::seconds(300)),
        server_([this](const RecordedRequest& r) { return Answer(r); }) {}
  TestHttpServer& server() { return server_; }
  SteppingClock& clock() { return clock_; }
  std::vector<unsigned> statuses() {
    std::lock_guard lock(mu_);
    return statuses_;
  }

 private:
  ScriptedResponse Answer(const RecordedRequest& r) {
    ScriptedResponse a;
    const std::string auth = r.Header("Authorization");
    if (r.target.starts_with("/basic")) {
      if (auth != cwmp::BasicAuthorization("cpe", "secret")) {
        a.status = 401;
        a.headers.emplace_back("WWW-Authenticate", "Basic realm=\"test\"");
      }
    } else {
      auto h = cwmp::ParseAuthorization(auth);
      const auto verdict = h.ok() && h->username == "cpe" ? digest_.Verify(*h, r.method, r.target, "secret")
                                                          : cwmp::DigestServer::Verdict::kWrongCredentials;
      if (verdict != cwmp::DigestServer::Verdict::kOk) {
        a.status = 401;
        // Basic offered first: the client must still prefer Digest.
        a.headers.emplace_back("WWW-Authenticate", "Basic realm=\"test\"");
        a.headers.emplace_back("WWW-Authenticate", digest_.Challenge(verdict == cwmp::DigestServer::Verdict::kStale));
      }
    }
    std::lock_guard lock(mu_);
    statuses_.push_back(a.status);
    return a;
  }

  SteppingClock clock_;
  cwmp::DigestServer digest_;
  std::mutex mu_;
  std::vector<unsigned> statuses_;
  TestHttpServer server_;  // last: stops before the rest goes
};

TEST(HttpSession, AnswersABasicChallengeThenSendsBasicUpFront) {
  AuthServer auth;
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(auth.server().Url("/basic")), Options());
    http.SetCredentials("cpe", "secret");
    for (int i = 0; i < 2; ++i) {
      HttpRequest req = Post("b");
      auto r = co_await http.Send(req);
      EXPECT_TRUE(r.ok() && r->status == 200) << Describe(r);
    }
  });
  auto seen = auth.server().requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(auth.statuses(), (std::vector<unsigned>{401, 200, 200}));
  EXPECT_EQ(seen[0].Header("Authorization"), "");
  EXPECT_EQ(seen[1].Header("Authorization"), cwmp::BasicAuthorization("cpe", "secret"));
  EXPECT_EQ(seen[2].Header("Authorization"), cwmp::BasicAuthorization("cpe", "secret"));
  EXPECT_EQ(seen[0].body, seen[1].body) << "the same request is sent again";
}

TEST(HttpSession, AnswersADigestChallengeAndKeepsTheNonceCount) {
  AuthServer auth;
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(auth.server().Url("/digest")), Options());
    http.SetCredentials("cpe", "secret");
    for (int i = 0; i < 3; ++i) {
      HttpRequest req = Post("d" + std::to_string(i));
      auto r = co_await http.Send(req);
      EXPECT_TRUE(r.ok() && r->status == 200) << i << ": " << Describe(r);
    }
  });
  auto seen = auth.server().requests();
  ASSERT_EQ(seen.size(), 4u) << "one 401, then no further challenge";
  EXPECT_EQ(auth.statuses(), (std::vector<unsigned>{401, 200, 200, 200}));
  EXPECT_EQ(seen[0].Header("Authorization"), "");
  EXPECT_EQ(seen[1].body, "d0");
  for (size_t i = 1; i < seen.size(); ++i) {
    const std::string a = seen[i].Header("Authorization");
    EXPECT_TRUE(a.starts_with("Digest ")) << a;
    EXPECT_NE(a.find("nc=0000000" + std::to_string(i)), std::string::npos) << a;
  }
  EXPECT_EQ(seen[0].connection, seen[3].connection) << "the 401 kept the connection";
}

TEST(HttpSession, RetriesWithTheNewNonceWhenTheServerSaysStale) {
  AuthServer auth;
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(auth.server().Url("/digest")), Options());
    http.SetCredentials("cpe", "secret");
    HttpRequest first = Post("first");
    auto r1 = co_await http.Send(first);
    EXPECT_TRUE(r1.ok() && r1->status == 200) << Describe(r1);
    auth.clock().Advance(std::chrono::seconds(600));  // the nonce expires
    HttpRequest second = Post("second");
    auto r2 = co_await http.Send(second);
    EXPECT_TRUE(r2.ok() && r2->status == 200) << Describe(r2);
  });
  auto seen = auth.server().requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(auth.statuses(), (std::vector<unsigned>{401, 200, 401, 200}));
  EXPECT_NE(seen[2].Header("Authorization").find("nc=00000002"), std::string::npos);
  EXPECT_NE(seen[3].Header("Authorization").find("nc=00000001"), std::string::npos) << "a new nonce counts from 1";
  EXPECT_EQ(seen[3].body, "second");
}

TEST(HttpSession, WrongOrMissingCredentialsGiveTheCallerThe401) {
  AuthServer auth;
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    for (const char* path : {"/digest", "/basic"}) {
      HttpSession http(ex, *ParseUrl(auth.server().Url(path)), Options());
      http.SetCredentials("cpe", "wrong");
      HttpRequest req = Post("w");
      auto r = co_await http.Send(req);
      EXPECT_TRUE(r.ok() && r->status == 401) << path << ": " << Describe(r);
      if (r.ok()) {
        EXPECT_FALSE(r->Header("WWW-Authenticate").empty());
      }
    }
    HttpSession anonymous(ex, *ParseUrl(auth.server().Url("/digest")), Options());
    HttpRequest req = Post("anonymous");
    auto r = co_await anonymous.Send(req);
    EXPECT_TRUE(r.ok() && r->status == 401) << Describe(r);
  });
  EXPECT_EQ(auth.statuses(), (std::vector<unsigned>{401, 401, 401, 401, 401}))
      << "each wrong password is tried once; without credentials there is no retry";
}

// ---- HTTPS ----

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.error().message;
    pki_.emplace(std::move(*pki));
    auto ctx = pki_->ServerContext();
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    server_ctx_.emplace(std::move(*ctx));
    server_.emplace(
        [](const RecordedRequest& r) {
          ScriptedResponse a;
          a.drop_after = r.body == "then-drop";
          a.body = "secure-" + r.body;
          return a;
        },
        &*server_ctx_);
  }

  std::optional<TestPki> pki_;
  std::optional<asio::ssl::context> server_ctx_;
  std::optional<TestHttpServer> server_;  // declared last: stops first
};

TEST_F(HttpsTest, VerifiesTheServerWithTheRightCa) {
  auto client_ctx = TestPki::ClientContext(pki_->ca_cert());
  ASSERT_TRUE(client_ctx.ok()) << client_ctx.error().message;
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    ClientOptions o = Options();
    o.tls = &*client_ctx;
    HttpSession http(ex, *ParseUrl(server_->Url("/acs")), o);
    for (const char* body : {"one", "then-drop", "three"}) {
      HttpRequest req = Post(body);
      auto r = co_await http.Send(req);
      EXPECT_TRUE(r.ok() && r->body == std::string("secure-") + body) << Describe(r);
    }
    // By name: SNI is sent and the DNS name checked.
    HttpSession by_name(ex, *ParseUrl("https://localhost:" + std::to_string(server_->port()) + "/"), o);
    HttpRequest req = Post("named");
    auto r = co_await by_name.Send(req);
    EXPECT_TRUE(r.ok() && r->body == "secure-named") << Describe(r);
  });
  auto seen = server_->requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].connection, seen[1].connection);
  EXPECT_NE(seen[1].connection, seen[2].connection) << "reconnected over TLS after the drop";
  EXPECT_EQ(seen[0].sni, "") << "no SNI for an IP address";
  EXPECT_EQ(seen[3].sni, "localhost");
}

TEST_F(HttpsTest, RefusesAServerSignedByAnotherCa) {
  auto other = TestPki::Create();
  ASSERT_TRUE(other.ok()) << other.error().message;
  auto client_ctx = TestPki::ClientContext(other->ca_cert());
  ASSERT_TRUE(client_ctx.ok()) << client_ctx.error().message;
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    ClientOptions o = Options();
    o.tls = &*client_ctx;
    HttpSession http(ex, *ParseUrl(server_->Url()), o);
    HttpRequest req = Post("x");
    auto r = co_await http.Send(req);
    EXPECT_FALSE(r.ok()) << Describe(r);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
      EXPECT_TRUE(r.error().message.starts_with("TLS handshake with 127.0.0.1:")) << r.error().message;
      EXPECT_NE(r.error().message.find("certificate verify failed: unable to get local issuer certificate"),
                std::string::npos)
          << r.error().message;
    }
    EXPECT_FALSE(http.connected());
  });
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(HttpsTest, RefusesACertificateForAnotherHost) {
  // A CA the client trusts, but a server certificate that names only "acs.example.net".
  auto narrow = TestPki::Create({"acs.example.net"});
  ASSERT_TRUE(narrow.ok());
  auto narrow_ctx = narrow->ServerContext();
  ASSERT_TRUE(narrow_ctx.ok());
  auto narrow_client = TestPki::ClientContext(narrow->ca_cert());
  ASSERT_TRUE(narrow_client.ok());
  TestHttpServer narrow_server([](const RecordedRequest&) { return ScriptedResponse{}; }, &*narrow_ctx);
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    ClientOptions o = Options();
    o.tls = &*narrow_client;
    for (const std::string host : {"127.0.0.1", "localhost"}) {
      HttpSession http(ex, *ParseUrl("https://" + host + ":" + std::to_string(narrow_server.port()) + "/"), o);
      HttpRequest req = Post("x");
      auto r = co_await http.Send(req);
      EXPECT_FALSE(r.ok()) << host << ": " << Describe(r);
      if (!r.ok()) {
        EXPECT_NE(r.error().message.find(host == "localhost" ? "hostname mismatch" : "IP address mismatch"),
                  std::string::npos)
            << r.error().message;
      }
    }
    // https without a TLS context is a configuration error, reported as such.
    HttpSession no_ctx(ex, *ParseUrl(server_->Url()), Options());
    HttpRequest req = Post("x");
    auto r = co_await no_ctx.Send(req);
    EXPECT_FALSE(r.ok());
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("no TLS context"), std::string::npos) << r.error().message;
    }
  });
  EXPECT_TRUE(narrow_server.requests().empty());
}

}  // namespace
}  // namespace ruru::cpesim
