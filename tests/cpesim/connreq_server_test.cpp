// The connection-request listener over real sockets on 127.0.0.1: the server runs on its own
// io_context thread, the test talks to it with a Beast client whose every operation has a deadline.
#include "tests/cpesim/connreq_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ruru::cpesim {
namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
using Response = http::response<http::string_body>;

// The server reads the clock on its thread while the test moves it (ManualClock is thread-safe).
class TestClock final : public ManualClock {
 public:
  TestClock() : ManualClock(TimePoint(std::chrono::seconds(1'800'000'000))) {}
};

// One client connection with its own io_context; every operation ends within kDeadline.
class Client {
 public:
  static constexpr auto kDeadline = 5s;

  Client() = default;
  explicit Client(uint16_t port) {
    const beast::error_code ec = Connect(port);
    EXPECT_FALSE(ec) << "connect: " << ec.message();
  }

  beast::error_code Connect(uint16_t port) {
    return Run([&](auto done) {
      stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                            [done](beast::error_code ec) { done(ec); });
    });
  }

  beast::error_code WriteRaw(const std::string& bytes) {
    return Run([&](auto done) {
      asio::async_write(stream_, asio::buffer(bytes), [done](beast::error_code ec, size_t) { done(ec); });
    });
  }

  beast::error_code Read(Response* res) {
    http::response_parser<http::string_body> parser;
    const beast::error_code ec = Run([&](auto done) {
      http::async_read(stream_, buffer_, parser, [done](beast::error_code ec, size_t) { done(ec); });
    });
    if (!ec) *res = parser.release();
    return ec;
  }

  // One request and its response; `authorization` empty: none.
  Response Send(http::verb verb, std::string_view target, std::string_view authorization = {}, bool keep_alive = true) {
    http::request<http::string_body> req(verb, std::string(target), 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::user_agent, "ruru-connreq-test");
    if (!authorization.empty()) req.set(http::field::authorization, std::string(authorization));
    req.keep_alive(keep_alive);
    req.prepare_payload();
    beast::error_code ec =
        Run([&](auto done) { http::async_write(stream_, req, [done](beast::error_code ec, size_t) { done(ec); }); });
    EXPECT_FALSE(ec) << "write: " << ec.message();
    Response res;
    ec = Read(&res);
    EXPECT_FALSE(ec) << "read: " << ec.message();
    return res;
  }

  // True when the server closes the connection (EOF or reset) before the deadline, without
  // sending anything further.
  bool ClosedByPeer() {
    char byte;
    const beast::error_code ec = Run([&](auto done) {
      stream_.async_read_some(asio::buffer(&byte, 1), [done](beast::error_code ec, size_t) { done(ec); });
    });
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  void Close() { stream_.close(); }

 private:
  beast::error_code Run(const std::function<void(std::function<void(beast::error_code)>)>& start) {
    std::optional<beast::error_code> result;
    io_.restart();
    stream_.expires_after(kDeadline);
    start([&result](beast::error_code ec) { result = ec; });
    io_.run_for(kDeadline + 2s);  // the stream's own timeout fires first
    if (!result) return beast::error::timeout;
    return *result;
  }

  asio::io_context io_;
  beast::tcp_stream stream_{io_};
  beast::flat_buffer buffer_;
};

std::string Header(const Response& res, http::field f) {
  const auto it = res.find(f);
  return it == res.end() ? std::string() : std::string(it->value());
}

class ConnReqServerTest : public ::testing::Test {
 protected:
  void Start(size_t max_connections = 8, ConnReqOptions options = {}) {
    ConnReqServer::Hooks hooks;
    hooks.credentials = [](std::string_view key) -> std::optional<ConnReqCredentials> {
      if (key == "SN1") return ConnReqCredentials{"cr-SN1", "secret-1"};
      if (key == "SN2") return ConnReqCredentials{"cr-SN2", "secret-2"};  // refuses in on_request
      return std::nullopt;
    };
    hooks.on_request = [this](std::string_view key) {
      std::lock_guard lock(mu_);
      calls_.emplace_back(key);
      return key != "SN2";
    };
    server_ = std::make_unique<ConnReqServer>(io_, clock_, std::move(hooks), max_connections, options);
    const Status s = server_->Listen("127.0.0.1:0");
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_NE(server_->port(), 0);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      asio::post(io_, [this] { server_->Stop(); });
      // Stop closes every connection; wait (bounded) for them to finish, then end the loop anyway.
      for (int i = 0; i < 500 && server_->counters().active_connections > 0; ++i) std::this_thread::sleep_for(10ms);
      EXPECT_EQ(server_->counters().active_connections, 0u);
      asio::post(io_, [this] { io_.stop(); });
      thread_.join();
    }
    server_.reset();
  }

  std::vector<std::string> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

  // Answers the 401 on `c` for `target` with the given credentials.
  Response Authenticated(Client& c, std::string_view target, const std::string& user, const std::string& password) {
    const Response challenge = c.Send(http::verb::get, target);
    EXPECT_EQ(challenge.result(), http::status::unauthorized);
    auto parsed = cwmp::ParseWwwAuthenticate(Header(challenge, http::field::www_authenticate));
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    if (!parsed.ok()) return challenge;
    cwmp::DigestClient digest(*parsed, user, password);
    return c.Send(http::verb::get, target, digest.Authorization("GET", target));
  }

  // The server still answers a normal exchange.
  void ExpectStillServing() {
    Client c(server_->port());
    EXPECT_EQ(Authenticated(c, "/SN1", "cr-SN1", "secret-1").result(), http::status::ok);
  }

  TestClock clock_;
  asio::io_context io_;
  std::unique_ptr<ConnReqServer> server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> calls_;
};

TEST_F(ConnReqServerTest, NoCredentialsGets401WithDigestChallenge) {
  Start();
  Client c(server_->port());
  const Response res = c.Send(http::verb::get, "/SN1");
  EXPECT_EQ(res.result(), http::status::unauthorized);
  EXPECT_EQ(Header(res, http::field::content_length), "0");
  auto challenge = cwmp::ParseWwwAuthenticate(Header(res, http::field::www_authenticate));
  ASSERT_TRUE(challenge.ok()) << challenge.error().message;
  EXPECT_EQ(challenge->scheme, cwmp::AuthScheme::kDigest);
  EXPECT_EQ(challenge->algorithm, cwmp::DigestAlgorithm::kMd5);
  EXPECT_EQ(challenge->realm, "cpesim");
  EXPECT_TRUE(challenge->qop_auth);
  EXPECT_FALSE(challenge->stale);
  EXPECT_TRUE(Calls().empty());
  EXPECT_EQ(server_->counters().unauthorized, 1u);
}

TEST_F(ConnReqServerTest, CorrectDigestGets200AndCallsTheHook) {
  Start();
  Client c(server_->port());
  const Response challenge = c.Send(http::verb::get, "/SN1");
  ASSERT_EQ(challenge.result(), http::status::unauthorized);
  auto parsed = cwmp::ParseWwwAuthenticate(Header(challenge, http::field::www_authenticate));
  ASSERT_TRUE(parsed.ok());
  cwmp::DigestClient digest(*parsed, "cr-SN1", "secret-1");
  // Same connection (keep-alive), same nonce, increasing nc.
  for (int i = 0; i < 3; ++i) {
    const Response res = c.Send(http::verb::get, "/SN1", digest.Authorization("GET", "/SN1"));
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_TRUE(res.keep_alive());
  }
  EXPECT_EQ(Calls(), (std::vector<std::string>{"SN1", "SN1", "SN1"}));
  // SHA-256 from a client that prefers it is accepted too.
  cwmp::AuthChallenge sha = *parsed;
  sha.algorithm = cwmp::DigestAlgorithm::kSha256;
  cwmp::DigestClient sha_client(sha, "cr-SN1", "secret-1");
  EXPECT_EQ(c.Send(http::verb::get, "/SN1", sha_client.Authorization("GET", "/SN1")).result(), http::status::ok);
  const auto counters = server_->counters();
  EXPECT_EQ(counters.accepted, 4u);
  EXPECT_EQ(counters.requests, 5u);
  EXPECT_EQ(counters.connections, 1u);
}

TEST_F(ConnReqServerTest, WrongPasswordOrUserGets401) {
  Start();
  Client c(server_->port());
  EXPECT_EQ(Authenticated(c, "/SN1", "cr-SN1", "secret-2").result(), http::status::unauthorized);
  // Right password, but another device's user name: still refused.
  EXPECT_EQ(Authenticated(c, "/SN1", "cr-SN2", "secret-1").result(), http::status::unauthorized);
  // SN2's credentials on SN1's URL.
  EXPECT_EQ(Authenticated(c, "/SN1", "cr-SN2", "secret-2").result(), http::status::unauthorized);
  // Basic is not accepted for connection requests: a Digest challenge instead.
  const Response basic = c.Send(http::verb::get, "/SN1", cwmp::BasicAuthorization("cr-SN1", "secret-1"));
  EXPECT_EQ(basic.result(), http::status::unauthorized);
  EXPECT_NE(Header(basic, http::field::www_authenticate).find("Digest"), std::string::npos);
  EXPECT_TRUE(Calls().empty());
  EXPECT_EQ(server_->counters().accepted, 0u);
  ExpectStillServing();
}

TEST_F(ConnReqServerTest, UnknownKeyGets404AndPostGets405) {
  Start();
  Client c(server_->port());
  for (std::string_view target : {"/nope", "/", "/SN1/extra", "//SN1", "*"}) {
    EXPECT_EQ(c.Send(http::verb::get, target).result(), http::status::not_found) << target;
  }
  const Response post = c.Send(http::verb::post, "/SN1");
  EXPECT_EQ(post.result(), http::status::method_not_allowed);
  EXPECT_EQ(Header(post, http::field::allow), "GET");
  EXPECT_EQ(c.Send(http::verb::put, "/nope").result(), http::status::method_not_allowed);
  // The query is not part of the key; the Digest uri must then carry it too.
  EXPECT_EQ(Authenticated(c, "/SN1?x=1", "cr-SN1", "secret-1").result(), http::status::ok);
  EXPECT_EQ(server_->counters().not_found, 5u);
  EXPECT_TRUE(Calls() == std::vector<std::string>{"SN1"});
}

TEST_F(ConnReqServerTest, DeviceRefusalGets503) {
  Start();
  Client c(server_->port());
  EXPECT_EQ(Authenticated(c, "/SN2", "cr-SN2", "secret-2").result(), http::status::service_unavailable);
  EXPECT_EQ(Calls(), std::vector<std::string>{"SN2"});
  EXPECT_EQ(server_->counters().rejected, 1u);
}

TEST_F(ConnReqServerTest, DigestUriMustMatchTheTarget) {
  Start();
  Client c(server_->port());
  const Response challenge = c.Send(http::verb::get, "/SN1");
  auto parsed = cwmp::ParseWwwAuthenticate(Header(challenge, http::field::www_authenticate));
  ASSERT_TRUE(parsed.ok());
  cwmp::DigestClient digest(*parsed, "cr-SN1", "secret-1");
  EXPECT_EQ(c.Send(http::verb::get, "/SN1", digest.Authorization("GET", "/SN2")).result(), http::status::bad_request);
  EXPECT_EQ(c.Send(http::verb::get, "/SN1", "Digest username=\"unterminated").result(), http::status::bad_request);
  EXPECT_TRUE(Calls().empty());
  ExpectStillServing();
}

TEST_F(ConnReqServerTest, StaleNonceGets401StaleThenSucceeds) {
  Start();
  Client c(server_->port());
  const Response first = c.Send(http::verb::get, "/SN1");
  auto parsed = cwmp::ParseWwwAuthenticate(Header(first, http::field::www_authenticate));
  ASSERT_TRUE(parsed.ok());
  cwmp::DigestClient digest(*parsed, "cr-SN1", "secret-1");
  clock_.Advance(301s);  // past the 300 s nonce lifetime
  const Response stale = c.Send(http::verb::get, "/SN1", digest.Authorization("GET", "/SN1"));
  EXPECT_EQ(stale.result(), http::status::unauthorized);
  auto again = cwmp::ParseWwwAuthenticate(Header(stale, http::field::www_authenticate));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->stale);
  EXPECT_NE(again->nonce, parsed->nonce);
  EXPECT_TRUE(Calls().empty());
  cwmp::DigestClient retry(*again, "cr-SN1", "secret-1");
  EXPECT_EQ(c.Send(http::verb::get, "/SN1", retry.Authorization("GET", "/SN1")).result(), http::status::ok);
  EXPECT_EQ(Calls(), std::vector<std::string>{"SN1"});
}

TEST_F(ConnReqServerTest, MalformedRequestsGetAnErrorAndTheConnectionIsClosed) {
  Start();
  const std::string big_header = "GET /SN1 HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10 * 1024, 'a') + "\r\n\r\n";
  const std::string big_body =
      "GET /SN1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(2048, 'b');
  const std::pair<std::string, http::status> cases[] = {
      {"GARBAGE\r\n\r\n", http::status::bad_request},
      {"GET /SN1 HTTP/9.9\r\n\r\n", http::status::bad_request},
      {"GET /SN1 HTTP/1.1\r\nBad Header\r\n\r\n", http::status::bad_request},
      {std::string("G\0T / HTTP/1.1\r\n\r\n", 18), http::status::bad_request},
      {big_header, http::status::request_header_fields_too_large},
      {big_body, http::status::payload_too_large},
  };
  for (const auto& [bytes, status] : cases) {
    SCOPED_TRACE(bytes.substr(0, 30));
    Client c(server_->port());
    ASSERT_FALSE(c.WriteRaw(bytes));
    Response res;
    const beast::error_code ec = c.Read(&res);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.result(), status);
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(c.ClosedByPeer());
  }
  EXPECT_EQ(server_->counters().bad_requests, std::size(cases));
  // A client that connects and leaves, or leaves halfway, is no error.
  {
    Client c(server_->port());
    c.Close();
    Client d(server_->port());
    ASSERT_FALSE(d.WriteRaw("GET /SN1 HTTP/1.1\r\nHo"));
    d.Close();
  }
  ExpectStillServing();
  EXPECT_EQ(server_->counters().bad_requests, std::size(cases));
}

TEST_F(ConnReqServerTest, ConnectionCloseIsHonoured) {
  Start();
  Client c(server_->port());
  const Response res = c.Send(http::verb::get, "/SN1", {}, /*keep_alive=*/false);
  EXPECT_EQ(res.result(), http::status::unauthorized);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(ConnReqServerTest, IdleConnectionsAreClosed) {
  ConnReqOptions options;
  options.read_timeout = 1s;
  Start(8, options);
  Client idle(server_->port());
  EXPECT_TRUE(idle.ClosedByPeer());  // within the client's 5 s deadline
  Client slow(server_->port());
  ASSERT_FALSE(slow.WriteRaw("GET /SN1 HTTP/1.1\r\n"));  // and never the rest
  EXPECT_TRUE(slow.ClosedByPeer());
  ExpectStillServing();
}

TEST_F(ConnReqServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  Start(/*max_connections=*/2);
  Client a(server_->port());
  Client b(server_->port());
  // A response proves the server accepted and holds each connection.
  EXPECT_EQ(a.Send(http::verb::get, "/SN1").result(), http::status::unauthorized);
  EXPECT_EQ(b.Send(http::verb::get, "/SN1").result(), http::status::unauthorized);
  EXPECT_EQ(server_->counters().active_connections, 2u);
  for (int i = 0; i < 3; ++i) {
    Client extra(server_->port());
    EXPECT_TRUE(extra.ClosedByPeer());
  }
  EXPECT_EQ(server_->counters().refused_connections, 3u);
  // The held connections still work.
  EXPECT_EQ(Authenticated(a, "/SN1", "cr-SN1", "secret-1").result(), http::status::ok);
  // Once one closes, a new connection is served again.
  b.Close();
  for (int i = 0; i < 500 && server_->counters().active_connections > 1; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(server_->counters().active_connections, 1u);
  ExpectStillServing();
}

TEST_F(ConnReqServerTest, StopClosesEverythingAndCallsNoHook) {
  Start();
  Client c(server_->port());
  EXPECT_EQ(c.Send(http::verb::get, "/SN1").result(), http::status::unauthorized);
  asio::post(io_, [this] { server_->Stop(); });
  EXPECT_TRUE(c.ClosedByPeer());
  Client late;
  EXPECT_TRUE(late.Connect(server_->port()));  // the listener is gone
  EXPECT_TRUE(Calls().empty());
}

TEST(ConnReqServerListen, RefusesBadAddressesAndTakenPorts) {
  asio::io_context io;
  TestClock clock;
  ConnReqServer first(io, clock, {}, 4);
  ASSERT_TRUE(first.Listen("127.0.0.1:0").ok());
  const Status again = first.Listen("127.0.0.1:0");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already listening"), std::string::npos);

  ConnReqServer second(io, clock, {}, 4);
  const Status taken = second.Listen("127.0.0.1:" + std::to_string(first.port()));
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(taken.error().message.find("cannot bind"), std::string::npos) << taken.error().message;

  for (std::string_view bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1:8x",
                               "host.example:80", "[::1", "999.1.1.1:80"}) {
    ConnReqServer s(io, clock, {}, 4);
    const Status status = s.Listen(bad);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.port(), 0);
  }
  // After a failure the same object can still listen.
  EXPECT_TRUE(second.Listen("127.0.0.1:0").ok());
  EXPECT_NE(second.port(), first.port());
}

}  // namespace
}  // namespace ruru::cpesim
