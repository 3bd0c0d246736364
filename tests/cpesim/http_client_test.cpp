// HttpSession and ParseUrl against a scripted in-test HTTP server on 127.0.0.1 (real sockets).
#include "tests/cpesim/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"

namespace ruru::cpesim {
namespace {

using namespace std::chrono_literals;

// What the server saw of one request.
struct Seen {
  std::string method, target, body, authorization, cookie;
  std::string peer;
  int connection = 0;  // 1, 2, ... per accepted TCP connection
};

// One scripted answer: status, extra headers, body; close after it; or never answer.
struct Answer {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;
  bool hang = false;
  bool chunked = false;
};

// A tiny HTTP/1.1 server on its own thread. `respond` decides each answer from what it saw.
class ScriptServer {
 public:
  explicit ScriptServer(std::function<Answer(const Seen&)> respond) : respond_(std::move(respond)) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    asio::co_spawn(io_, Accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ScriptServer() {
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path = "/acs") const { return "http://127.0.0.1:" + std::to_string(port()) + path; }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code ec;
      auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io_, Serve(std::move(socket), ++connections_), asio::detached);
    }
  }
  asio::awaitable<void> Serve(asio::ip::tcp::socket socket, int connection) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      Seen s;
      s.method = std::string(req.method_string());
      s.target = std::string(req.target());
      s.body = req.body();
      s.authorization = std::string(req[http::field::authorization]);
      s.cookie = std::string(req[http::field::cookie]);
      s.peer = stream.socket().remote_endpoint(ec).address().to_string();
      s.connection = connection;
      {
        std::lock_guard lock(mu_);
        seen_.push_back(s);
      }
      Answer a = respond_(s);
      if (a.hang) {
        asio::steady_timer t(io_, 10s);
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }
      http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
      for (const auto& [k, v] : a.headers) res.insert(k, v);
      res.body() = a.body;
      res.keep_alive(!a.close);
      if (a.chunked) {
        res.chunked(true);
      } else {
        res.prepare_payload();
      }
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || a.close) {
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        co_return;
      }
    }
  }

  std::function<Answer(const Seen&)> respond_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<Seen> seen_;
};

// Runs `body` (a coroutine using an HttpSession) to completion on a fresh io_context.
template <class F>
void RunClient(F body) {
  asio::io_context io;
  bool done = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    co_await body(io.get_executor());
    done = true;
  }, asio::detached);
  io.run_for(20s);
  EXPECT_TRUE(done) << "client did not finish";
}

HttpRequest Post(std::string body) {
  HttpRequest r;
  r.body = std::move(body);
  r.content_type = "text/xml";
  return r;
}

TEST(ParseUrl, AcceptsHttpAndHttpsAndRefusesTheRest) {
  auto u = ParseUrl("https://acs.example.net:7547/cwmp?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "acs.example.net");
  EXPECT_EQ(u->port, 7547);
  EXPECT_EQ(u->target, "/cwmp?x=1");
  EXPECT_EQ(u->HostHeader(), "acs.example.net:7547");
  auto plain = ParseUrl("http://127.0.0.1");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(plain->HostHeader(), "127.0.0.1");
  auto v6 = ParseUrl("http://[::1]:8080/a");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->HostHeader(), "[::1]:8080");
  for (const char* bad : {"ftp://x/", "http://", "http://user:pw@host/", "http://host:0/", "http://host:65536/",
                          "http://host:/", "http://ho st/", "http://[::1/", "tftp://10.0.0.1/fw.bin", ""}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseUrl("http://h/" + std::string(3000, 'a')).ok());
}

TEST(HttpSession, KeepAliveCookiesAndSourceAddress) {
  ScriptServer server([](const Seen& s) {
    Answer a;
    if (s.body == "first") a.headers.emplace_back("Set-Cookie", "session=abc123; Path=/; HttpOnly");
    a.body = "echo:" + s.body;
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    ClientOptions o;
    o.source = asio::ip::make_address("127.3.4.5");
    o.timeout = 5s;
    HttpSession http(ex, *ParseUrl(server.url()), o);
    for (const char* body : {"first", "second", "third"}) {
      auto r = co_await http.Send(Post(body));
      EXPECT_TRUE(r.ok()) << r.error().message;
      if (r.ok()) {
      EXPECT_EQ(r->body, std::string("echo:") + body);
    }
    }
  });
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  for (const Seen& s : seen) {
    EXPECT_EQ(s.connection, seen[0].connection) << "one keep-alive connection";
    EXPECT_EQ(s.peer, "127.3.4.5");
  }
  EXPECT_EQ(seen[0].cookie, "");
  EXPECT_EQ(seen[1].cookie, "session=abc123");
  EXPECT_EQ(seen[2].cookie, "session=abc123");
}

TEST(HttpSession, ReconnectsWhenTheServerClosedAndHonoursConnectionClose) {
  ScriptServer server([](const Seen& s) {
    Answer a;
    a.close = s.body == "closing";
    a.chunked = s.body == "chunked";
    a.body = "ok-" + s.body;
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession http(ex, *ParseUrl(server.url()), ClientOptions{});
    for (const char* body : {"closing", "after", "chunked"}) {
      auto r = co_await http.Send(Post(body));
      EXPECT_TRUE(r.ok()) << r.error().message;
      if (r.ok()) {
      EXPECT_EQ(r->body, std::string("ok-") + body);
    }
    }
  });
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_NE(seen[0].connection, seen[1].connection);
  EXPECT_EQ(seen[1].connection, seen[2].connection);
}

TEST(HttpSession, AnswersBasicAndDigestChallengesAndReturnsTheFinal401) {
  ManualClock clock(std::chrono::system_clock::now());
  cwmp::DigestServer digest("test", std::string(32, 'k'), clock);
  ScriptServer server([&](const Seen& s) {
    Answer a;
    if (s.target == "/basic") {
      if (s.authorization == cwmp::BasicAuthorization("cpe", "secret")) return a;
      a.status = 401;
      a.headers.emplace_back("WWW-Authenticate", "Basic realm=\"test\"");
      return a;
    }
    auto h = cwmp::ParseAuthorization(s.authorization);
    if (h.ok() && h->username == "cpe" &&
        digest.Verify(*h, s.method, s.target, "secret") == cwmp::DigestServer::Verdict::kOk) {
      return a;
    }
    a.status = 401;
    a.headers.emplace_back("WWW-Authenticate", digest.Challenge());
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    HttpSession basic(ex, *ParseUrl(server.url("/basic")), ClientOptions{});
    basic.SetCredentials("cpe", "secret");
    auto r1 = co_await basic.Send(Post("a"));
    EXPECT_TRUE(r1.ok() && r1->status == 200);
    auto r2 = co_await basic.Send(Post("b"));
    EXPECT_TRUE(r2.ok() && r2->status == 200);

    HttpSession dig(ex, *ParseUrl(server.url("/digest")), ClientOptions{});
    dig.SetCredentials("cpe", "secret");
    for (int i = 0; i < 3; ++i) {
      auto r = co_await dig.Send(Post("d"));
      EXPECT_TRUE(r.ok() && r->status == 200) << i;
    }

    HttpSession wrong(ex, *ParseUrl(server.url("/digest")), ClientOptions{});
    wrong.SetCredentials("cpe", "nope");
    auto r3 = co_await wrong.Send(Post("w"));
    EXPECT_TRUE(r3.ok());
    if (r3.ok()) {
      EXPECT_EQ(r3->status, 401u);
    }
  });
  auto seen = server.seen();
  // basic: 401, 200, then 200 with Basic up front.
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0].authorization, "");
  EXPECT_FALSE(seen[2].authorization.empty());
  // digest: 401 then 3 x 200, the later ones without a new challenge, nonce count rising.
  std::vector<std::string> digest_auth;
  for (const Seen& s : seen) {
    if (s.target == "/digest" && s.authorization.starts_with("Digest")) digest_auth.push_back(s.authorization);
  }
  ASSERT_GE(digest_auth.size(), 3u);
  EXPECT_NE(digest_auth[0].find("nc=00000001"), std::string::npos);
  EXPECT_NE(digest_auth[1].find("nc=00000002"), std::string::npos);
  EXPECT_NE(digest_auth[2].find("nc=00000003"), std::string::npos);
}

TEST(HttpSession, TimeoutsBodyLimitsAndRefusedConnectionsAreErrors) {
  ScriptServer server([](const Seen& s) {
    Answer a;
    a.hang = s.target == "/hang";
    a.body = std::string(s.target == "/big" ? 100000 : 10, 'x');
    return a;
  });
  RunClient([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    ClientOptions o;
    o.timeout = 300ms;
    o.max_body = 50000;
    HttpSession hang(ex, *ParseUrl(server.url("/hang")), o);
    auto r1 = co_await hang.Send(Post("x"));
    EXPECT_FALSE(r1.ok());
    if (!r1.ok()) {
      EXPECT_NE(r1.error().message.find("timeout"), std::string::npos) << r1.error().message;
    }
    HttpSession big(ex, *ParseUrl(server.url("/big")), o);
    auto r2 = co_await big.Send(Post("x"));
    EXPECT_FALSE(r2.ok()) << (r2.ok() ? std::to_string(r2->body.size()) + " bytes, status " + std::to_string(r2->status) : "");
    if (!r2.ok()) {
      EXPECT_NE(r2.error().message.find("body"), std::string::npos) << r2.error().message;
    }
    // (A named request: gcc 12 mis-destroys brace-initialised temporaries passed to coroutines.)
    HttpRequest get_small;
    get_small.method = http::verb::get;
    get_small.target = "/small";
    auto small = co_await big.Send(get_small);
    EXPECT_TRUE(small.ok()) << "the session recovers on a new connection";
    // Nothing listens on port 9 of 127.0.0.1.
    HttpSession refused(ex, *ParseUrl("http://127.0.0.1:9/"), o);
    auto r3 = co_await refused.Send(Post("x"));
    EXPECT_FALSE(r3.ok());
    if (!r3.ok()) {
      EXPECT_NE(r3.error().message.find("connect"), std::string::npos) << r3.error().message;
    }
  });
}

}  // namespace
}  // namespace ruru::cpesim
