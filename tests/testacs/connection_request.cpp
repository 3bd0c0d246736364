// ScriptedAcs::ConnectionRequest: the ACS side of a TR-069 connection request (§3.2.2), an HTTP GET
// to the CPE's ConnectionRequestURL answered with Digest. Runs on its own io_context in the
// calling thread, so it never competes with (or waits for) the server thread.
#include <optional>
#include <string>
#include <string_view>

#include "base/beast.h"
#include "cwmp/http_auth.h"
#include "tests/testacs/testacs.h"

namespace ruru::testacs {
namespace {

using tcp = asio::ip::tcp;

constexpr size_t kMaxUrl = 2048;
constexpr uint32_t kMaxResponseHeader = 16 * 1024;
constexpr uint64_t kMaxResponseBody = 64 * 1024;

struct HttpUrl {
  std::string host;
  std::string port;
  std::string target;  // path and query, as sent on the request line
};

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  if (url.size() > kMaxUrl) return InvalidArgument("connection request: URL longer than 2048 bytes");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return InvalidArgument("connection request: URL contains a space or control character");
    }
  }
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return InvalidArgument("connection request: only http:// URLs are supported: " + std::string(url));
  }
  url.remove_prefix(kScheme.size());
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("connection request: credentials in the URL are not supported");
  }
  std::string_view port = "80";
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("connection request: unterminated IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty()) {
      if (authority.front() != ':') return InvalidArgument("connection request: junk after the IPv6 address");
      port = authority.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return InvalidArgument("connection request: URL without a host");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535) {
    return InvalidArgument("connection request: bad port in URL");
  }
  out.port = std::string(port);
  return out;
}

asio::awaitable<void> Run(HttpUrl url, std::string user, std::string password, std::chrono::milliseconds timeout,
                          Result<unsigned>* result) {
  auto ex = co_await asio::this_coro::executor;
  beast::error_code ec;
  tcp::resolver resolver(ex);
  const auto endpoints =
      co_await resolver.async_resolve(url.host, url.port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    *result = Unavailable("connection request: cannot resolve " + url.host + ": " + ec.message());
    co_return;
  }
  std::optional<beast::tcp_stream> conn(std::in_place, ex);
  // One deadline for the whole exchange, both requests included.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  conn->expires_at(deadline);
  auto fail = [&](std::string_view what) {
    const std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
    *result = Unavailable("connection request to " + url.host + ":" + url.port + ": " + std::string(what) + ": " + why);
  };
  co_await conn->async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail("connect");

  beast::flat_buffer buffer;
  std::string authorization;
  for (int attempt = 0; attempt < 2; ++attempt) {
    http::request<http::empty_body> req{http::verb::get, url.target, 11};
    req.set(http::field::host, url.host + ":" + url.port);
    req.set(http::field::user_agent, "ruru-testacs");
    if (!authorization.empty()) req.set(http::field::authorization, authorization);
    co_await http::async_write(*conn, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("write");
    http::response_parser<http::string_body> parser;
    parser.header_limit(kMaxResponseHeader);
    parser.body_limit(kMaxResponseBody);
    co_await http::async_read(*conn, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("read");
    const auto& res = parser.get();
    const unsigned status = res.result_int();
    if (status != 401 || attempt == 1 || user.empty()) {
      *result = status;
      co_return;
    }
    // Several WWW-Authenticate headers are one list (RFC 7235 §4.1).
    std::string challenges;
    for (auto it = res.find(http::field::www_authenticate);
         it != res.end() && it->name() == http::field::www_authenticate; ++it) {
      if (!challenges.empty()) challenges += ", ";
      challenges += std::string(it->value());
    }
    auto challenge = cwmp::ParseWwwAuthenticate(challenges);
    if (!challenge) {
      *result = InvalidArgument("connection request: bad WWW-Authenticate: " + challenge.error().message);
      co_return;
    }
    if (challenge->scheme != cwmp::AuthScheme::kDigest) {
      *result = InvalidArgument("connection request: the CPE offers only Basic authentication; TR-069 requires Digest");
      co_return;
    }
    cwmp::DigestClient digest(*challenge, user, password);
    authorization = digest.Authorization("GET", url.target);
    if (!res.keep_alive()) {
      conn->socket().shutdown(tcp::socket::shutdown_both, ec);
      conn.emplace(ex);
      buffer.clear();
      conn->expires_at(deadline);
      co_await conn->async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return fail("reconnect");
    }
  }
}

}  // namespace

Result<unsigned> ScriptedAcs::ConnectionRequest(const std::string& url, const std::string& user,
                                                const std::string& password, std::chrono::milliseconds timeout) {
  auto parsed = ParseHttpUrl(url);
  if (!parsed) return parsed.error();
  Result<unsigned> result = Internal("connection request: not run");
  asio::io_context ioc;
  asio::co_spawn(ioc, Run(std::move(*parsed), user, password, timeout, &result), asio::detached);
  ioc.run();
  return result;
}

}  // namespace ruru::testacs
