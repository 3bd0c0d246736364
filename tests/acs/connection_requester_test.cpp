// ConnectionRequester: the pure checks (networks, URL validation, Basic models) and the requester
// against real HTTP servers on 127.0.0.1 (Digest and Basic, refused and silent ports, 503, a
// redirect, a huge body, the concurrency bound, the queue bound, Stop). No assertion depends on
// timing: waits are for events, with a generous deadline that only turns a hang into a failure.
#include "acs/connreq/connection_requester.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "acs/config/config.h"
#include "acs/metrics/metrics.h"
#include "base/clock.h"
#include "cwmp/http_auth.h"
#include "tests/cpesim/test_http_server.h"

namespace ruru::acs::connreq {
namespace {

using namespace std::chrono_literals;
using Outcome = ConnectionRequestResult::Outcome;
using cpesim::testkit::RecordedRequest;
using cpesim::testkit::ScriptedResponse;
using cpesim::testkit::TestHttpServer;

constexpr auto kDeadline = 60s;  // only turns a hang into a failure

std::vector<IpNetwork> Nets(std::string_view text) {
  auto r = ParseNetworks(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<IpNetwork>{};
}

std::vector<IpNetwork> DefaultAllowed() { return Nets(config::ConnectionRequestConfig{}.allowed_networks); }
std::vector<IpNetwork> DefaultDenied() { return Nets(config::ConnectionRequestConfig{}.denied_networks); }

bool Contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// ---- networks -----------------------------------------------------------------------------------

TEST(ParseNetworks, ParsesV4V6AndBareAddresses) {
  auto n = ParseNetworks(" 10.0.0.0/8 , 192.168.1.7, ::1/128,fe80::/10,2001:db8::1");
  ASSERT_TRUE(n.ok()) << n.error().message;
  ASSERT_EQ(n->size(), 5u);
  EXPECT_FALSE((*n)[0].v6);
  EXPECT_EQ((*n)[0].prefix, 8);
  EXPECT_EQ((*n)[1].prefix, 32);
  EXPECT_TRUE((*n)[2].v6);
  EXPECT_EQ((*n)[2].prefix, 128);
  EXPECT_EQ((*n)[4].prefix, 128);
  EXPECT_TRUE(ParseNetworks("").ok());
  EXPECT_TRUE(ParseNetworks("   ")->empty());
}

TEST(ParseNetworks, RefusesGarbageAndNamesTheItem) {
  for (const char* bad :
       {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0/8", "host.example",
        "10.0.0.0/8,,::1", "10.0.0.0/8,", "1.2.3.4/0008", "::1%lo", "256.0.0.1", "10.0.0.0 /8 junk"}) {
    auto n = ParseNetworks(bad);
    EXPECT_FALSE(n.ok()) << bad;
  }
  auto n = ParseNetworks("10.0.0.0/8, 300.1.1.1/8");
  ASSERT_FALSE(n.ok());
  EXPECT_TRUE(Contains(n.error().message, "300.1.1.1/8")) << n.error().message;
}

TEST(InNetworks, EdgePrefixes) {
  const auto all4 = Nets("0.0.0.0/0");
  EXPECT_TRUE(InNetworks("1.2.3.4", all4));
  EXPECT_TRUE(InNetworks("255.255.255.255", all4));
  EXPECT_FALSE(InNetworks("::1", all4));  // v4 networks never match v6 addresses

  const auto all6 = Nets("::/0");
  EXPECT_TRUE(InNetworks("2001:db8::1", all6));
  EXPECT_FALSE(InNetworks("1.2.3.4", all6));

  const auto host = Nets("192.0.2.7/32");
  EXPECT_TRUE(InNetworks("192.0.2.7", host));
  EXPECT_FALSE(InNetworks("192.0.2.6", host));
  EXPECT_FALSE(InNetworks("192.0.2.8", host));

  const auto host6 = Nets("2001:db8::7/128");
  EXPECT_TRUE(InNetworks("2001:db8::7", host6));
  EXPECT_FALSE(InNetworks("2001:db8::6", host6));

  const auto odd = Nets("100.64.0.0/10");  // a prefix that is not a byte boundary
  EXPECT_TRUE(InNetworks("100.64.0.1", odd));
  EXPECT_TRUE(InNetworks("100.127.255.255", odd));
  EXPECT_FALSE(InNetworks("100.128.0.0", odd));
  EXPECT_FALSE(InNetworks("100.63.255.255", odd));

  const auto fe80 = Nets("fe80::/10");
  EXPECT_TRUE(InNetworks("febf::1", fe80));
  EXPECT_FALSE(InNetworks("fec0::1", fe80));
}

TEST(InNetworks, HostBitsAreCleared) {
  const auto n = Nets("10.1.2.3/8");
  EXPECT_TRUE(InNetworks("10.200.0.1", n));
  EXPECT_FALSE(InNetworks("11.0.0.1", n));
}

TEST(InNetworks, V4MappedCountsAsV4) {
  const auto loop = Nets("127.0.0.0/8");
  EXPECT_TRUE(InNetworks("::ffff:127.0.0.1", loop));
  EXPECT_TRUE(InNetworks("::FFFF:7f00:1", loop));
  EXPECT_FALSE(InNetworks("::ffff:128.0.0.1", loop));
  // ...and never as v6: "::/0" alone does not let a mapped address through.
  EXPECT_FALSE(InNetworks("::ffff:127.0.0.1", Nets("::/0")));
  // A mapped network of prefix >= 96 is the v4 network it denotes.
  const auto mapped = Nets("::ffff:10.0.0.0/104");
  EXPECT_TRUE(InNetworks("10.9.9.9", mapped));
  EXPECT_TRUE(InNetworks("::ffff:10.9.9.9", mapped));
  EXPECT_FALSE(InNetworks("11.0.0.1", mapped));
}

TEST(InNetworks, NotAnAddressIsFalse) {
  const auto all = Nets("0.0.0.0/0,::/0");
  for (const char* bad : {"", "localhost", "1.2.3", "1.2.3.4.5", "::1%lo", " 1.2.3.4", "0x7f000001", "[::1]"}) {
    EXPECT_FALSE(InNetworks(bad, all)) << bad;
  }
}

TEST(InNetworks, DefaultDeniedListCoversTheUsualSuspects) {
  const auto denied = DefaultDenied();
  for (const char* a : {"127.0.0.1", "10.1.1.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254",
                        "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1",
                        "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254"}) {
    EXPECT_TRUE(InNetworks(a, denied)) << a;
  }
  for (const char* a : {"8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:db8::1", "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(InNetworks(a, denied)) << a;
  }
}

// ---- URL validation -----------------------------------------------------------------------------

Result<ConnectionRequestUrl> ValidateDefault(std::string_view url, bool allow_hostnames = false) {
  return ValidateConnectionRequestUrl(url, DefaultAllowed(), DefaultDenied(), allow_hostnames);
}

TEST(ValidateUrl, AcceptsPublicLiterals) {
  auto u = ValidateDefault("http://203.0.113.5:7547/cr/abc?x=1");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->host, "203.0.113.5");
  EXPECT_EQ(u->port, 7547);
  EXPECT_EQ(u->path_and_query, "/cr/abc?x=1");
  EXPECT_EQ(u->addresses, std::vector<std::string>{"203.0.113.5"});

  u = ValidateDefault("HTTP://203.0.113.5");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->path_and_query, "/");

  u = ValidateDefault("http://203.0.113.5?q");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->path_and_query, "/?q");

  u = ValidateDefault("http://203.0.113.5/p#frag");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->path_and_query, "/p");

  u = ValidateDefault("http://[2001:DB8::1]:65535/x");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->host, "2001:DB8::1");
  EXPECT_EQ(u->port, 65535);
  EXPECT_EQ(u->addresses, std::vector<std::string>{"2001:db8::1"});  // canonical
}

TEST(ValidateUrl, LoopbackRefusedByDefaultAcceptedWhenAllowed) {
  auto u = ValidateDefault("http://127.0.0.1:1/");
  ASSERT_FALSE(u.ok());
  EXPECT_TRUE(Contains(u.error().message, "denied_networks")) << u.error().message;
  EXPECT_EQ(u.error().code, ErrorCode::kInvalidArgument);

  u = ValidateConnectionRequestUrl("http://127.0.0.1:1/", Nets("127.0.0.0/8"), {}, false);
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->port, 1);

  // Allowed but also denied: denied wins.
  EXPECT_FALSE(ValidateConnectionRequestUrl("http://127.0.0.1:1/", Nets("127.0.0.0/8"), DefaultDenied(), false).ok());
  // Not denied but outside the allowed list.
  u = ValidateConnectionRequestUrl("http://203.0.113.5/", Nets("198.51.100.0/24"), {}, false);
  ASSERT_FALSE(u.ok());
  EXPECT_TRUE(Contains(u.error().message, "allowed_networks")) << u.error().message;
}

TEST(ValidateUrl, RefusesDeniedV6AndMappedV4) {
  EXPECT_FALSE(ValidateDefault("http://[::1]/").ok());
  EXPECT_FALSE(ValidateDefault("http://[::1]:7547/").ok());
  EXPECT_FALSE(ValidateDefault("http://[fe80::1]/").ok());
  EXPECT_FALSE(ValidateDefault("http://[::ffff:127.0.0.1]/").ok());
  EXPECT_FALSE(ValidateDefault("http://[::ffff:169.254.169.254]/").ok());
  EXPECT_FALSE(ValidateDefault("http://0.0.0.0/").ok());
}

TEST(ValidateUrl, RefusesOtherSchemes) {
  for (const char* url : {"https://203.0.113.5/", "file:///etc/passwd", "ftp://203.0.113.5/", "gopher://203.0.113.5/",
                          "httpx://203.0.113.5/", "http:/203.0.113.5/", "203.0.113.5:80/", "//203.0.113.5/", ""}) {
    auto u = ValidateDefault(url);
    EXPECT_FALSE(u.ok()) << url;
  }
  auto u = ValidateDefault("https://203.0.113.5/");
  ASSERT_FALSE(u.ok());
  EXPECT_TRUE(Contains(u.error().message, "https")) << u.error().message;
}

TEST(ValidateUrl, RefusesCredentialsWithoutEchoingThem) {
  for (const char* url : {"http://alice:s3cr3t@203.0.113.5/", "http://alice@203.0.113.5/", "http://@203.0.113.5/",
                          "http://alice:s3cr3t@203.0.113.5", "HTTP://alice:s3cr3t@[2001:db8::1]:80/"}) {
    auto u = ValidateDefault(url);
    ASSERT_FALSE(u.ok()) << url;
    EXPECT_FALSE(Contains(u.error().message, "s3cr3t")) << u.error().message;
    EXPECT_FALSE(Contains(u.error().message, "alice")) << u.error().message;
  }
  // Whatever else is wrong with it, a URL that carries credentials is not shown.
  for (const std::string& url :
       {"http://alice:s3cr3t@203.0.113.5/" + std::string(2000, 'a'), std::string("https://alice:s3cr3t@203.0.113.5/"),
        std::string("http://alice:s3cr3t@203.0.113.5/\x01")}) {
    auto u = ValidateDefault(url);
    ASSERT_FALSE(u.ok());
    EXPECT_FALSE(Contains(u.error().message, "s3cr3t")) << u.error().message;
  }
}

TEST(ValidateUrl, RefusesHostNamesUnlessAllowed) {
  auto u = ValidateDefault("http://cpe.example.com:7547/");
  ASSERT_FALSE(u.ok());
  EXPECT_TRUE(Contains(u.error().message, "allow_hostnames")) << u.error().message;
  // Forms a resolver would read as addresses are names too, so they are refused as well.
  EXPECT_FALSE(ValidateDefault("http://127.1/").ok());
  EXPECT_FALSE(ValidateDefault("http://2130706433/").ok());
  EXPECT_FALSE(ValidateDefault("http://0x7f000001/").ok());
  // A host that is not even a name.
  u = ValidateDefault("http://exa_mple.com/", true);
  ASSERT_FALSE(u.ok());
}

TEST(ValidateUrl, HostNameResolvingToADeniedAddressIsRefused) {
  auto u = ValidateDefault("http://localhost:7547/", true);
  ASSERT_FALSE(u.ok());
  EXPECT_TRUE(Contains(u.error().message, "denied_networks")) << u.error().message;
  // Numeric forms the resolver understands are checked after resolution.
  EXPECT_FALSE(ValidateDefault("http://2130706433/", true).ok());
  // Allowed when loopback is, with the resolved addresses to pin to.
  u = ValidateConnectionRequestUrl("http://localhost:7547/x", Nets("127.0.0.0/8"), {}, true);
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->host, "localhost");
  ASSERT_FALSE(u->addresses.empty());
  for (const auto& a : u->addresses) EXPECT_TRUE(InNetworks(a, Nets("127.0.0.0/8"))) << a;
  // Resolving to nothing allowed.
  u = ValidateConnectionRequestUrl("http://localhost/", Nets("198.51.100.0/24"), {}, true);
  ASSERT_FALSE(u.ok());
  EXPECT_TRUE(Contains(u.error().message, "allowed_networks")) << u.error().message;
  // A name that does not resolve.
  EXPECT_FALSE(ValidateDefault("http://does-not-exist.invalid/", true).ok());
}

TEST(ValidateUrl, PortRules) {
  for (const char* url : {"http://203.0.113.5:0/", "http://203.0.113.5:65536/", "http://203.0.113.5:/",
                          "http://203.0.113.5:-1/", "http://203.0.113.5:80a/", "http://203.0.113.5:123456/",
                          "http://[2001:db8::1]:0/", "http://[2001:db8::1]x/", "http://2001:db8::1/"}) {
    EXPECT_FALSE(ValidateDefault(url).ok()) << url;
  }
  EXPECT_EQ(ValidateDefault("http://203.0.113.5:1/")->port, 1);
  EXPECT_EQ(ValidateDefault("http://203.0.113.5:00080/")->port, 80);
}

TEST(ValidateUrl, RefusesControlCharactersSpacesAndBadLiterals) {
  for (const std::string& url :
       {std::string("http://203.0.113.5/a b"), std::string("http://203.0.113.5/a\tb"),
        std::string("http://203.0.113.5/\r\nHost: evil"), std::string("http://203.0.113.5/a\x7f"),
        std::string("http://203.0.113.5/\xc3\xa9"), std::string("http://203.0.113.5/a\0b", 21),
        std::string("http:// 203.0.113.5/"), std::string("http://[fe80::1%25eth0]/"),
        std::string("http://[203.0.113.5]/"), std::string("http://[2001:db8::1/"), std::string("http:///x")}) {
    auto u = ValidateDefault(url);
    ASSERT_FALSE(u.ok()) << url;
    // The echo is printable: no raw control bytes reach a log line.
    for (unsigned char c : u.error().message) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << u.error().message;
  }
}

TEST(ValidateUrl, CapsTheUrlAndTheEcho) {
  const std::string ok = "http://203.0.113.5/" + std::string(1024 - 19, 'a');
  ASSERT_EQ(ok.size(), 1024u);
  EXPECT_TRUE(ValidateDefault(ok).ok());
  const std::string long_url = ok + "b";
  auto u = ValidateDefault(long_url);
  ASSERT_FALSE(u.ok());
  EXPECT_TRUE(Contains(u.error().message, "1024")) << u.error().message;
  EXPECT_LT(u.error().message.size(), 256u + 100u) << u.error().message;
  EXPECT_FALSE(Contains(u.error().message, std::string(300, 'a')));
}

// ---- Basic models -------------------------------------------------------------------------------

TEST(UsesBasicAuth, MatchesExactlyWithWildcardProductClass) {
  const std::string models = " 00D09E : HG8245 , A0B1C2:* ";
  EXPECT_TRUE(config::UsesBasicAuth(models, "00D09E", "HG8245"));
  EXPECT_FALSE(config::UsesBasicAuth(models, "00D09E", "HG8245H"));
  EXPECT_FALSE(config::UsesBasicAuth(models, "00d09e", "HG8245"));  // exact: case matters
  EXPECT_FALSE(config::UsesBasicAuth(models, "00D09E", "hg8245"));
  EXPECT_TRUE(config::UsesBasicAuth(models, "A0B1C2", "anything"));
  EXPECT_TRUE(config::UsesBasicAuth(models, "A0B1C2", ""));
  EXPECT_FALSE(config::UsesBasicAuth(models, "A0B1C", "x"));
  EXPECT_FALSE(config::UsesBasicAuth("", "00D09E", "HG8245"));
  EXPECT_FALSE(config::UsesBasicAuth("00D09E", "00D09E", ""));  // malformed item never matches
  EXPECT_FALSE(config::UsesBasicAuth(":*", "", "x"));           // neither does an empty OUI
  EXPECT_TRUE(config::UsesBasicAuth("X:a:b", "X", "a:b"));      // the first ':' splits
}

TEST(CheckBasicAuthModels, RefusesMalformedItems) {
  EXPECT_TRUE(config::CheckBasicAuthModels("").ok());
  EXPECT_TRUE(config::CheckBasicAuthModels("00D09E:HG8245, A0B1C2:*").ok());
  for (const char* bad : {"00D09E", "00D09E:", ":HG8245", "00D09E:HG8245,junk", " : "}) {
    auto s = config::CheckBasicAuthModels(bad);
    EXPECT_FALSE(s.ok()) << bad;
  }
  auto s = config::CheckBasicAuthModels("00D09E:HG8245,junk");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.error().message, "junk")) << s.error().message;
}

TEST(ConfigValidate, ConnectionRequestListsAreChecked) {
  config::Config c;
  c.database.dsn = "host=/tmp";
  c.credentials.rotate_on_bootstrap = false;
  ASSERT_TRUE(config::Validate(c).ok()) << config::Validate(c).error().message;
  config::Config bad = c;
  bad.connection_request.allowed_networks = "0.0.0.0/0,nonsense";
  auto s = config::Validate(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.error().message, "connection_request.allowed_networks")) << s.error().message;
  bad = c;
  bad.connection_request.denied_networks = "10.0.0.0/40";
  s = config::Validate(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.error().message, "connection_request.denied_networks")) << s.error().message;
  bad = c;
  bad.connection_request.basic_auth_models = "00D09E";
  s = config::Validate(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.error().message, "connection_request.basic_auth_models")) << s.error().message;
}

TEST(ConnectionRequesterStart, RefusesBadNetworkLists) {
  config::ConnectionRequestConfig c;
  c.denied_networks = "10.0.0.0/8,bogus";
  auto r = ConnectionRequester::Start(c, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.error().message, "denied_networks")) << r.error().message;
}

// ---- against real servers -------------------------------------------------------------------------

// Collects callback results; each callback must be called exactly once.
class Results {
 public:
  ConnectionRequester::Callback Callback() {
    std::lock_guard lock(mu_);
    const size_t index = calls_.size();
    calls_.push_back(0);
    results_.emplace_back();
    return [this, index](ConnectionRequestResult r) {
      std::lock_guard lock(mu_);
      ++calls_[index];
      results_[index] = std::move(r);
      ++done_;
      cv_.notify_all();
    };
  }
  // Waits until `n` callbacks ran (fails the test after kDeadline).
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return done_ >= n; });
  }
  size_t done() const {
    std::lock_guard lock(mu_);
    return done_;
  }
  ConnectionRequestResult at(size_t i) const {
    std::lock_guard lock(mu_);
    return results_.at(i);
  }
  int calls(size_t i) const {
    std::lock_guard lock(mu_);
    return calls_.at(i);
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> calls_;
  std::vector<ConnectionRequestResult> results_;
  size_t done_ = 0;
};

config::ConnectionRequestConfig LoopbackConfig() {
  config::ConnectionRequestConfig c;
  c.allowed_networks = "127.0.0.0/8";
  c.denied_networks = "";
  c.timeout = 20s;
  c.connect_timeout = 10s;
  return c;
}

std::unique_ptr<ConnectionRequester> StartRequester(const config::ConnectionRequestConfig& c,
                                                    metrics::MetricsRegistry* metrics = nullptr) {
  auto r = ConnectionRequester::Start(c, metrics);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? std::move(*r) : nullptr;
}

ConnectionRequestTarget Target(std::string url, bool basic = false, std::string password = "cr-secret") {
  return ConnectionRequestTarget{std::move(url), "cr-user", std::move(password), basic, "00D09E-HG-SN1"};
}

// A connection-request server that wants Digest from cr-user / cr-secret (cwmp::DigestServer).
class DigestCpe {
 public:
  DigestCpe()
      : digest_("cpe", std::string(32, 'k'), SystemClock::Instance()),
        server_([this](const RecordedRequest& r) { return Answer(r); }) {}
  TestHttpServer& server() { return server_; }

 private:
  ScriptedResponse Answer(const RecordedRequest& r) {
    const std::string auth = r.Header("Authorization");
    if (!auth.empty()) {
      auto h = cwmp::ParseAuthorization(auth);
      if (h && h->scheme == cwmp::AuthScheme::kDigest && h->username == "cr-user" &&
          digest_.Verify(*h, r.method, r.target, "cr-secret") == cwmp::DigestServer::Verdict::kOk) {
        return ScriptedResponse{.status = 200};
      }
    }
    return ScriptedResponse{.status = 401, .headers = {{"WWW-Authenticate", digest_.Challenge()}}};
  }

  cwmp::DigestServer digest_;
  TestHttpServer server_;
};

TEST(ConnectionRequester, DigestSuccess) {
  DigestCpe cpe;
  metrics::MetricsRegistry metrics;
  auto requester = StartRequester(LoopbackConfig(), &metrics);
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target(cpe.server().Url("/cr/SN1?x=1")), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  const auto r = results.at(0);
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.detail;
  EXPECT_EQ(r.http_status, 200);

  const auto requests = cpe.server().requests();
  ASSERT_EQ(requests.size(), 2u);  // the challenge round, then the answer
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/cr/SN1?x=1");
  EXPECT_EQ(requests[0].Header("Authorization"), "");
  EXPECT_TRUE(requests[1].Header("Authorization").starts_with("Digest ")) << requests[1].Header("Authorization");
  for (const auto& q : requests) {
    EXPECT_EQ(q.Header("User-Agent"), "ruru-acsd");
    EXPECT_EQ(q.Header("Cookie"), "");
    EXPECT_EQ(q.Header("Proxy-Authorization"), "");
    EXPECT_FALSE(Contains(q.Header("Authorization"), "cr-secret"));
  }
  requester->Stop();
  EXPECT_EQ(results.calls(0), 1);
  const std::string text = metrics.Render();
  EXPECT_TRUE(Contains(text, "ruru_connection_requests_total{outcome=\"ok\"} 1")) << text;
  EXPECT_TRUE(Contains(text, "ruru_connection_request_seconds_count 1")) << text;
  EXPECT_TRUE(Contains(text, "ruru_connection_requests_in_flight 0")) << text;
}

TEST(ConnectionRequester, WrongPasswordIsAuthFailed) {
  DigestCpe cpe;
  auto requester = StartRequester(LoopbackConfig());
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target(cpe.server().Url("/cr"), false, "not-the-password"), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  const auto r = results.at(0);
  EXPECT_EQ(r.outcome, Outcome::kAuthFailed) << r.detail;
  EXPECT_EQ(r.http_status, 401);
  EXPECT_FALSE(Contains(r.detail, "not-the-password"));
  EXPECT_EQ(cpe.server().requests().size(), 2u);  // one answer to the challenge, no loop
}

TEST(ConnectionRequester, BasicModelSendsBasic) {
  TestHttpServer server([](const RecordedRequest& r) {
    auto h = cwmp::ParseAuthorization(r.Header("Authorization"));
    if (h && cwmp::VerifyBasic(*h, "cr-user", "cr-secret")) return ScriptedResponse{.status = 204};
    return ScriptedResponse{.status = 401, .headers = {{"WWW-Authenticate", "Basic realm=\"cpe\""}}};
  });
  auto requester = StartRequester(LoopbackConfig());
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target(server.Url("/"), true), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.at(0).outcome, Outcome::kOk) << results.at(0).detail;
  EXPECT_EQ(results.at(0).http_status, 204);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);  // Basic is sent at once
  EXPECT_TRUE(requests[0].Header("Authorization").starts_with("Basic ")) << requests[0].Header("Authorization");
}

TEST(ConnectionRequester, DigestTargetNeverSendsBasic) {
  TestHttpServer server([](const RecordedRequest&) {
    return ScriptedResponse{.status = 401, .headers = {{"WWW-Authenticate", "Basic realm=\"cpe\""}}};
  });
  auto requester = StartRequester(LoopbackConfig());
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target(server.Url("/")), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.at(0).outcome, Outcome::kAuthFailed);
  EXPECT_TRUE(Contains(results.at(0).detail, "basic_auth_models")) << results.at(0).detail;
  for (const auto& q : server.requests()) EXPECT_EQ(q.Header("Authorization"), "");
}

TEST(ConnectionRequester, NothingListeningIsUnreachable) {
  // A bound socket that does not listen: connecting to it is refused, and nobody else gets the port.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const int port = ntohs(a.sin_port);

  auto requester = StartRequester(LoopbackConfig());
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target("http://127.0.0.1:" + std::to_string(port) + "/"), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  const auto r = results.at(0);
  EXPECT_EQ(r.outcome, Outcome::kUnreachable);
  EXPECT_EQ(r.http_status, 0);
  // "connection refused" (not a timeout) is what makes it quick.
  EXPECT_EQ(r.detail, "connection refused");
  close(fd);
}

TEST(ConnectionRequester, SilentServerIsUnreachableAfterTheTimeout) {
  TestHttpServer server([](const RecordedRequest&) { return ScriptedResponse{.no_answer = true}; });
  auto config = LoopbackConfig();
  config.timeout = 1s;
  auto requester = StartRequester(config);
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target(server.Url("/")), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  const auto r = results.at(0);
  EXPECT_EQ(r.outcome, Outcome::kUnreachable);
  EXPECT_EQ(r.detail, "no answer within 1 s");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(ConnectionRequester, ServiceUnavailableIsHttpError) {
  TestHttpServer server([](const RecordedRequest&) { return ScriptedResponse{.status = 503}; });
  auto requester = StartRequester(LoopbackConfig());
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target(server.Url("/")), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.at(0).outcome, Outcome::kHttpError);
  EXPECT_EQ(results.at(0).http_status, 503);
}

TEST(ConnectionRequester, RedirectIsNotFollowed) {
  TestHttpServer elsewhere([](const RecordedRequest&) { return ScriptedResponse{.status = 200}; });
  const std::string location = elsewhere.Url("/internal");
  TestHttpServer server([location](const RecordedRequest&) {
    return ScriptedResponse{.status = 302, .headers = {{"Location", location}}};
  });
  auto requester = StartRequester(LoopbackConfig());
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target(server.Url("/")), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.at(0).outcome, Outcome::kHttpError);
  EXPECT_EQ(results.at(0).http_status, 302);
  EXPECT_TRUE(Contains(results.at(0).detail, "redirect")) << results.at(0).detail;
  requester->Stop();
  EXPECT_EQ(elsewhere.connections(), 0);
}

// A raw HTTP server for what TestHttpServer cannot show: how many connections are open at once,
// and how much of a large answer the client actually took. One thread per connection.
class RawServer {
 public:
  struct Behavior {
    int hold_until_accepted = 0;            // answer only once this many connections were accepted
    std::chrono::milliseconds hold_for{0};  // ...and this long after the connection's request
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    size_t body_bytes = 0;  // sent after head, in 64 KB writes
  };

  // Listens on 127.0.0.1, or on ::1 with `v6` (listening() is false when that fails).
  explicit RawServer(Behavior behavior, bool v6 = false) : behavior_(std::move(behavior)) {
    listen_fd_ = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_storage a{};
    socklen_t len = 0;
    if (v6) {
      auto* a6 = reinterpret_cast<sockaddr_in6*>(&a);
      a6->sin6_family = AF_INET6;
      a6->sin6_addr = in6addr_loopback;
      len = sizeof(sockaddr_in6);
    } else {
      auto* a4 = reinterpret_cast<sockaddr_in*>(&a);
      a4->sin_family = AF_INET;
      a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof(sockaddr_in);
    }
    listening_ = bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), len) == 0 && listen(listen_fd_, 64) == 0;
    if (!listening_ && !v6) ADD_FAILURE() << "RawServer: bind/listen on 127.0.0.1 failed";
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&a)->sin6_port : reinterpret_cast<sockaddr_in*>(&a)->sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }

  ~RawServer() { Stop(); }

  // Ends every connection and joins the threads; the counters are final afterwards. Idempotent.
  void Stop() {
    if (!acceptor_.joinable()) return;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
    }
    cv_.notify_all();
    shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    close(listen_fd_);
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  uint16_t port() const { return port_; }
  bool listening() const { return listening_; }
  int max_open() const {
    std::lock_guard lock(mu_);
    return max_open_;
  }
  int accepted() const {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  int bodies_sent_whole() const {
    std::lock_guard lock(mu_);
    return bodies_sent_whole_;
  }

 private:
  void Accept() {
    if (!listening_) return;
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        continue;
      }
      std::lock_guard lock(mu_);
      ++accepted_;
      ++open_;
      max_open_ = std::max(max_open_, open_);
      open_fds_.push_back(fd);
      cv_.notify_all();
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    {
      std::unique_lock lock(mu_);
      const auto until = std::chrono::steady_clock::now() + behavior_.hold_for;
      cv_.wait(lock, [&] { return stopping_ || accepted_ >= behavior_.hold_until_accepted; });
      cv_.wait_until(lock, until, [&] { return stopping_; });
      // No longer counted as open from here: the client can only see the answer after this.
      --open_;
    }
    if (behavior_.body_bytes > 0) {
      const int small = 64 * 1024;  // keep what the kernel buffers far below the body
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    }
    bool whole = SendAll(fd, behavior_.head.data(), behavior_.head.size());
    const std::string chunk(64 * 1024, 'x');
    for (size_t sent = 0; whole && sent < behavior_.body_bytes; sent += chunk.size()) {
      whole = SendAll(fd, chunk.data(), std::min(chunk.size(), behavior_.body_bytes - sent));
    }
    {
      std::lock_guard lock(mu_);
      if (whole && behavior_.body_bytes > 0) ++bodies_sent_whole_;
      open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
    }
    close(fd);
  }

  static bool SendAll(int fd, const char* data, size_t size) {
    while (size > 0) {
      const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  const Behavior behavior_;
  int listen_fd_ = -1;
  bool listening_ = false;
  uint16_t port_ = 0;
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  bool stopping_ = false;
  int accepted_ = 0, open_ = 0, max_open_ = 0, bodies_sent_whole_ = 0;
};

TEST(ConnectionRequester, LargeBodyIsNotReadWhole) {
  constexpr size_t kTenMb = 10 * 1024 * 1024;
  RawServer server(
      {.head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kTenMb) + "\r\n\r\n", .body_bytes = kTenMb});
  auto requester = StartRequester(LoopbackConfig());
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target(server.Url()), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.at(0).outcome, Outcome::kOk) << results.at(0).detail;
  EXPECT_EQ(results.at(0).http_status, 200);
  requester.reset();
  server.Stop();
  // The client closed with most of the body unsent (the server's send failed): nobody read 10 MB.
  EXPECT_EQ(server.bodies_sent_whole(), 0);
}

TEST(ConnectionRequester, MaxConcurrentIsHonoured) {
  // Each connection is held until two were accepted (so two at once do happen) and for a while
  // after, so a requester that ignored the bound would have more open at once.
  RawServer server({.hold_until_accepted = 2, .hold_for = 200ms});
  auto config = LoopbackConfig();
  config.max_concurrent = 2;
  auto requester = StartRequester(config);
  ASSERT_TRUE(requester);
  Results results;
  for (int i = 0; i < 5; ++i) requester->Send(Target(server.Url()), results.Callback());
  EXPECT_LE(requester->GetStats().in_flight, 2u);
  ASSERT_TRUE(results.WaitFor(5));
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(results.at(i).outcome, Outcome::kOk) << results.at(i).detail;
  EXPECT_EQ(server.accepted(), 5);
  EXPECT_EQ(server.max_open(), 2);
  EXPECT_EQ(requester->GetStats().sent, 5u);
}

TEST(ConnectionRequester, V6LiteralAndV4MappedLiteral) {
  RawServer v6({}, /*v6=*/true);
  if (!v6.listening()) GTEST_SKIP() << "no IPv6 loopback here";
  RawServer v4({});
  auto config = LoopbackConfig();
  config.allowed_networks = "127.0.0.0/8,::1/128";
  auto requester = StartRequester(config);
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target("http://[::1]:" + std::to_string(v6.port()) + "/cr"), results.Callback());
  // Reaches 127.0.0.1 through an IPv6 socket; allowed because it counts as 127.0.0.1.
  requester->Send(Target("http://[::FFFF:127.0.0.1]:" + std::to_string(v4.port()) + "/cr"), results.Callback());
  ASSERT_TRUE(results.WaitFor(2));
  EXPECT_EQ(results.at(0).outcome, Outcome::kOk) << results.at(0).detail;
  EXPECT_EQ(results.at(1).outcome, Outcome::kOk) << results.at(1).detail;
  EXPECT_EQ(v6.accepted(), 1);
  EXPECT_EQ(v4.accepted(), 1);
}

TEST(ConnectionRequester, FullQueueIsBusyAtOnce) {
  TestHttpServer server([](const RecordedRequest&) { return ScriptedResponse{.no_answer = true}; });
  auto config = LoopbackConfig();
  config.max_concurrent = 1;
  config.max_queue = 1;
  metrics::MetricsRegistry metrics;
  auto requester = StartRequester(config, &metrics);
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target(server.Url()), results.Callback());
  requester->Send(Target(server.Url()), results.Callback());
  requester->Send(Target(server.Url()), results.Callback());
  // The third one is answered before Send returns, from this thread.
  EXPECT_EQ(results.done(), 1u);
  EXPECT_EQ(results.calls(2), 1);
  EXPECT_EQ(results.at(2).outcome, Outcome::kBusy);
  EXPECT_EQ(results.calls(0), 0);
  EXPECT_EQ(results.calls(1), 0);
  requester->Stop();
  EXPECT_TRUE(Contains(metrics.Render(), "ruru_connection_requests_total{outcome=\"busy\"} 1"));
}

TEST(ConnectionRequester, StopCompletesEveryRequestOnce) {
  TestHttpServer server([](const RecordedRequest&) { return ScriptedResponse{.no_answer = true}; });
  auto config = LoopbackConfig();
  config.max_concurrent = 1;
  auto requester = StartRequester(config);
  ASSERT_TRUE(requester);
  Results results;
  for (int i = 0; i < 5; ++i) requester->Send(Target(server.Url()), results.Callback());
  requester->Stop();
  // Stop returns after every callback ran.
  EXPECT_EQ(results.done(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(results.calls(i), 1) << i;
    EXPECT_EQ(results.at(i).outcome, Outcome::kUnreachable);
    EXPECT_EQ(results.at(i).detail, "stopped");
  }
  // After Stop: at once, the same way.
  requester->Send(Target(server.Url()), results.Callback());
  EXPECT_EQ(results.calls(5), 1);
  EXPECT_EQ(results.at(5).detail, "stopped");
  requester->Stop();  // idempotent
  requester.reset();
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(results.calls(i), 1) << i;
}

TEST(ConnectionRequester, RefusedUrlIsAnsweredAtOnceAndNothingConnects) {
  DigestCpe cpe;
  metrics::MetricsRegistry metrics;
  auto requester = StartRequester(config::ConnectionRequestConfig{}, &metrics);  // the default lists deny loopback
  ASSERT_TRUE(requester);
  Results results;
  requester->Send(Target(cpe.server().Url("/")), results.Callback());
  EXPECT_EQ(results.calls(0), 1);  // before Send returned
  EXPECT_EQ(results.at(0).outcome, Outcome::kRefusedUrl);
  EXPECT_TRUE(Contains(results.at(0).detail, "denied_networks")) << results.at(0).detail;
  requester->Send(Target("https://203.0.113.5/"), results.Callback());
  EXPECT_EQ(results.calls(1), 1);
  EXPECT_EQ(results.at(1).outcome, Outcome::kRefusedUrl);
  requester.reset();
  EXPECT_EQ(results.calls(0), 1);
  EXPECT_EQ(cpe.server().connections(), 0);
  EXPECT_TRUE(Contains(metrics.Render(), "ruru_connection_requests_total{outcome=\"refused_url\"} 2"));
}

TEST(ConnectionRequester, HostNameIsResolvedCheckedAndPinned) {
  DigestCpe cpe;
  auto config = LoopbackConfig();
  config.allow_hostnames = true;
  auto requester = StartRequester(config);
  ASSERT_TRUE(requester);
  Results results;
  const std::string port = std::to_string(cpe.server().port());
  requester->Send(Target("http://localhost:" + port + "/cr"), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.at(0).outcome, Outcome::kOk) << results.at(0).detail;
  const auto requests = cpe.server().requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].Header("Host"), "localhost:" + port);  // the name stays in the request

  // The same name under the default lists: refused after resolution (from the requester's thread).
  config.allowed_networks = config::ConnectionRequestConfig{}.allowed_networks;
  config.denied_networks = config::ConnectionRequestConfig{}.denied_networks;
  auto strict = StartRequester(config);
  ASSERT_TRUE(strict);
  const size_t before = cpe.server().connections();
  strict->Send(Target("http://localhost:" + port + "/cr"), results.Callback());
  ASSERT_TRUE(results.WaitFor(2));
  EXPECT_EQ(results.at(1).outcome, Outcome::kRefusedUrl);
  EXPECT_TRUE(Contains(results.at(1).detail, "denied_networks")) << results.at(1).detail;
  strict.reset();
  EXPECT_EQ(static_cast<size_t>(cpe.server().connections()), before);
}

TEST(ConnectionRequester, CallbackMaySendAgain) {
  DigestCpe cpe;
  auto requester = StartRequester(LoopbackConfig());
  ASSERT_TRUE(requester);
  Results results;
  auto second = results.Callback();
  auto first = results.Callback();
  const std::string url = cpe.server().Url("/");
  ConnectionRequester* raw = requester.get();
  requester->Send(Target(url), [raw, url, first, second](ConnectionRequestResult r) mutable {
    raw->Send(Target(url), std::move(second));
    first(std::move(r));
  });
  ASSERT_TRUE(results.WaitFor(2));
  EXPECT_EQ(results.at(0).outcome, Outcome::kOk) << results.at(0).detail;
  EXPECT_EQ(results.at(1).outcome, Outcome::kOk) << results.at(1).detail;
}

}  // namespace
}  // namespace ruru::acs::connreq
