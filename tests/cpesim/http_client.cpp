#include "tests/cpesim/http_client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/asio/ssl/host_name_verification.hpp>

namespace ruru::cpesim {
namespace {

constexpr size_t kMaxUrl = 2048;
constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr int kMaxAttempts = 4;  // a reconnect after a stale keep-alive + an auth retry, with room

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

Error Fail(std::string message) { return Error{ErrorCode::kUnavailable, std::move(message)}; }

bool IsTimeout(const boost::system::error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::timed_out;
}

}  // namespace

std::string Url::HostHeader() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  if ((tls && port != 443) || (!tls && port != 80)) h += ":" + std::to_string(port);
  return h;
}

Result<Url> ParseUrl(std::string_view text) {
  if (text.size() > kMaxUrl) return Error{ErrorCode::kInvalidArgument, "URL longer than 2048 bytes"};
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Error{ErrorCode::kInvalidArgument, "URL contains a space or a control character"};
    }
  }
  Url url;
  std::string_view rest;
  if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    url.tls = true;
    rest = text.substr(8);
  } else {
    return Error{ErrorCode::kInvalidArgument, "URL scheme must be http or https"};
  }
  const size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target.front() == '?') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    return Error{ErrorCode::kInvalidArgument, "URL must not contain user information"};
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{ErrorCode::kInvalidArgument, "URL has an unterminated [IPv6] host"};
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error{ErrorCode::kInvalidArgument, "URL has junk after the [IPv6] host"};
      port_text = after.substr(1);
      if (port_text.empty()) return Error{ErrorCode::kInvalidArgument, "URL has an empty port"};
    }
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return Error{ErrorCode::kInvalidArgument, "URL has an empty port"};
    }
  }
  if (url.host.empty()) return Error{ErrorCode::kInvalidArgument, "URL has no host"};
  url.port = url.tls ? 443 : 80;
  if (!port_text.empty()) {
    uint32_t port = 0;
    const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return Error{ErrorCode::kInvalidArgument, "URL port must be 1-65535"};
    }
    url.port = static_cast<uint16_t>(port);
  }
  return url;
}

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return {};
}

HttpSession::HttpSession(asio::any_io_executor executor, Url url, ClientOptions options)
    : executor_(std::move(executor)), url_(std::move(url)), options_(options) {}

HttpSession::~HttpSession() { Close(); }

void HttpSession::SetCredentials(std::string user, std::string password) {
  user_ = std::move(user);
  password_ = std::move(password);
  have_credentials_ = true;
  digest_.reset();
  basic_ = false;
}

beast::tcp_stream& HttpSession::Lowest() { return tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : *tcp_; }

void HttpSession::Close() {
  boost::system::error_code ec;
  if (tls_stream_) {
    beast::get_lowest_layer(*tls_stream_).socket().close(ec);
    tls_stream_.reset();
  }
  if (tcp_) {
    tcp_->socket().close(ec);
    tcp_.reset();
  }
  buffer_.clear();
  reused_ = false;
}

asio::awaitable<Status> HttpSession::Connect() {
  Close();
  const std::string where = url_.host + ":" + std::to_string(url_.port);
  boost::system::error_code ec;
  std::vector<asio::ip::tcp::endpoint> endpoints;
  if (auto literal = asio::ip::make_address(url_.host, ec); !ec) {
    endpoints.emplace_back(literal, url_.port);
  } else {
    asio::ip::tcp::resolver resolver(executor_);
    auto results = co_await resolver.async_resolve(url_.host, std::to_string(url_.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Fail("connect " + where + ": cannot resolve: " + ec.message());
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }
  std::string last_error = "no address";
  for (const auto& ep : endpoints) {
    if (options_.source && options_.source->is_v4() != ep.address().is_v4()) continue;
    beast::tcp_stream stream(executor_);
    stream.socket().open(ep.protocol(), ec);
    if (ec) {
      last_error = ec.message();
      continue;
    }
    if (options_.source) {
      stream.socket().bind(asio::ip::tcp::endpoint(*options_.source, 0), ec);
      if (ec) {
        last_error = "bind " + options_.source->to_string() + ": " + ec.message();
        continue;
      }
    }
    stream.expires_after(options_.timeout);
    co_await stream.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      last_error = IsTimeout(ec) ? "timeout after " + std::to_string(options_.timeout.count()) + " ms" : ec.message();
      continue;
    }
    stream.socket().set_option(asio::ip::tcp::no_delay(true), ec);
    if (!url_.tls) {
      tcp_.emplace(std::move(stream));
      co_return Status::Ok();
    }
    if (!options_.tls) co_return Fail("TLS to " + where + ": no TLS context configured");
    tls_stream_.emplace(std::move(stream), *options_.tls);
    boost::system::error_code addr_ec;
    (void)asio::ip::make_address(url_.host, addr_ec);
    if (addr_ec) SSL_set_tlsext_host_name(tls_stream_->native_handle(), url_.host.c_str());  // SNI for names
    tls_stream_->set_verify_mode(asio::ssl::verify_peer);
    tls_stream_->set_verify_callback(asio::ssl::host_name_verification(url_.host));
    beast::get_lowest_layer(*tls_stream_).expires_after(options_.timeout);
    co_await tls_stream_->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      tls_stream_.reset();
      co_return Fail("TLS handshake with " + where + ": " +
                     (IsTimeout(ec) ? "timeout after " + std::to_string(options_.timeout.count()) + " ms" : ec.message()));
    }
    co_return Status::Ok();
  }
  co_return Fail("connect " + where + ": " + last_error);
}

asio::awaitable<Result<HttpResponse>> HttpSession::RoundTrip(const HttpRequest& request, bool* nothing_received) {
  *nothing_received = false;
  const std::string target = request.target.empty() ? url_.target : request.target;
  http::request<http::string_body> req{request.method, target, 11};
  req.set(http::field::host, url_.HostHeader());
  req.set(http::field::user_agent, "ruru-cpesim");
  if (!request.content_type.empty()) req.set(http::field::content_type, request.content_type);
  for (const auto& [k, v] : request.headers) req.set(k, v);
  if (!cookies_.empty()) {
    std::string c;
    for (const auto& [k, v] : cookies_) c += (c.empty() ? "" : "; ") + k + "=" + v;
    req.set(http::field::cookie, c);
  }
  if (digest_) {
    req.set(http::field::authorization, digest_->Authorization(std::string(http::to_string(request.method)), target));
  } else if (basic_) {
    req.set(http::field::authorization, cwmp::BasicAuthorization(user_, password_));
  }
  req.body() = request.body;
  req.keep_alive(true);
  req.prepare_payload();

  http::response_parser<http::string_body> parser;
  parser.body_limit(options_.max_body);
  parser.header_limit(kHeaderLimit);
  boost::system::error_code ec;
  size_t written = 0;
  size_t read = 0;
  Lowest().expires_after(options_.timeout);
  // Header first: Beast 1.74 does not apply body_limit to a Content-Length body, so the declared
  // length is checked here before any of the body is read.
  auto exchange = [&](auto& stream) -> asio::awaitable<void> {
    written = co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    read = co_await http::async_read_header(stream, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (parser.content_length() && *parser.content_length() > options_.max_body) {
      ec = http::error::body_limit;
      co_return;
    }
    read += co_await http::async_read(stream, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
  };
  if (tls_stream_) {
    co_await exchange(*tls_stream_);
  } else {
    co_await exchange(*tcp_);
  }
  bytes_sent_ += written;
  bytes_received_ += read;
  if (ec) {
    *nothing_received = !parser.got_some();
    Close();
    if (IsTimeout(ec)) co_return Fail("timeout after " + std::to_string(options_.timeout.count()) + " ms");
    if (ec == http::error::body_limit) co_return Fail("HTTP response body over " + std::to_string(options_.max_body) + " bytes");
    if (ec == http::error::header_limit) co_return Fail("HTTP response header over 16 KiB");
    co_return Fail("HTTP exchange with " + url_.host + ":" + std::to_string(url_.port) + ": " + ec.message());
  }
  reused_ = true;
  auto res = parser.release();
  HttpResponse out;
  out.status = res.result_int();
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(res.body());
  // Cookies: name=value, attributes ignored except an expiry that deletes the cookie.
  for (const auto& [name_v, value_v] : out.headers) {
    if (!IEquals(name_v, "Set-Cookie")) continue;
    std::string_view v(value_v);
    const std::string_view pair = v.substr(0, v.find(';'));
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string name(pair.substr(0, eq));
    std::string value(pair.substr(eq + 1));
    const bool expire = v.find("Max-Age=0") != std::string_view::npos || v.find("max-age=0") != std::string_view::npos;
    std::erase_if(cookies_, [&](const auto& c) { return c.first == name; });
    if (!expire) cookies_.emplace_back(std::move(name), std::move(value));
    if (cookies_.size() > 32) cookies_.erase(cookies_.begin());
  }
  if (!res.keep_alive()) Close();
  co_return out;
}

asio::awaitable<Result<HttpResponse>> HttpSession::Send(HttpRequest request) {
  bool auth_tried = false;
  bool reconnected = false;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const bool reusing = connected() && reused_;
    if (!connected()) {
      Status s = co_await Connect();
      if (!s.ok()) co_return s.error();
    }
    bool nothing_received = false;
    auto res = co_await RoundTrip(request, &nothing_received);
    if (!res.ok()) {
      // The server closed an idle kept-alive connection under us: once, on a fresh connection.
      if (reusing && nothing_received && !reconnected) {
        reconnected = true;
        continue;
      }
      co_return res;
    }
    if (res->status == 401 && have_credentials_) {
      std::string challenges;
      for (const auto& [k, v] : res->headers) {
        if (IEquals(k, "WWW-Authenticate")) challenges += (challenges.empty() ? "" : ", ") + v;
      }
      auto challenge = cwmp::ParseWwwAuthenticate(challenges);
      const bool stale = challenge.ok() && challenge->stale && digest_;
      if (challenge.ok() && (!auth_tried || stale)) {
        auth_tried = true;
        if (challenge->scheme == cwmp::AuthScheme::kDigest) {
          digest_.emplace(*challenge, user_, password_);
          basic_ = false;
        } else {
          basic_ = true;
          digest_.reset();
        }
        continue;
      }
    }
    co_return res;
  }
  co_return Fail("HTTP: too many attempts");
}

}  // namespace ruru::cpesim
