#include "tests/cpesim/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <exception>
#include <iterator>
#include <memory>

#include "base/strings.h"

namespace ruru::cpesim {
namespace {

constexpr size_t kMaxUrl = 2048;
constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr int kMaxInterimResponses = 8;  // 1xx before the real answer
constexpr size_t kMaxCookies = 32;
constexpr size_t kMaxCookieBytes = 4096;  // name + value

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// RFC 9110 token (header and cookie names).
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

Error Fail(std::string message) { return Unavailable(std::move(message)); }

bool IsTimeout(const boost::system::error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::timed_out;
}

// What a server that closed an idle keep-alive connection looks like to the next request.
bool IsConnectionClosed(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

// An HTTP or cookie date (RFC 6265 §5.1.1, roughly): the first hh:mm:ss, day of month, month name
// and year tokens in any order. Enough to see whether an Expires lies in the past.
std::optional<std::chrono::system_clock::time_point> ParseCookieDate(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  int hour = -1, minute = 0, second = 0, day = -1, month = -1, year = -1;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !std::isalnum(static_cast<unsigned char>(s[i])) && s[i] != ':') ++i;
    const size_t start = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == ':')) ++i;
    const std::string_view token = s.substr(start, i - start);
    if (token.empty()) break;
    const bool digits =
        std::all_of(token.begin(), token.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    int n = 0;
    if (digits) std::from_chars(token.data(), token.data() + token.size(), n);
    if (hour < 0 && token.find(':') != std::string_view::npos) {
      int h = 0, m = 0, sec = 0;
      char c1 = 0, c2 = 0;
      if (std::sscanf(std::string(token).c_str(), "%2d%c%2d%c%2d", &h, &c1, &m, &c2, &sec) == 5 && c1 == ':' &&
          c2 == ':') {
        hour = h, minute = m, second = sec;
      }
    } else if (day < 0 && digits && token.size() <= 2) {
      day = n;
    } else if (month < 0 && token.size() >= 3 && !digits) {
      for (int m = 0; m < 12; ++m) {
        if (IEquals(token.substr(0, 3), kMonths[m])) month = m + 1;
      }
    } else if (year < 0 && digits && token.size() >= 2 && token.size() <= 4) {
      year = n < 70 ? n + 2000 : n < 100 ? n + 1900 : n;
    }
  }
  if (hour < 0 || hour > 23 || minute > 59 || second > 59 || day < 1 || day > 31 || month < 1 || year < 1601) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days{date} + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

// A caller's request that would not go on the wire as meant (header injection, a bad target).
Status CheckRequest(const HttpRequest& r) {
  for (const auto& [name, value] : r.headers) {
    if (!IsToken(name)) return InvalidArgument("HTTP request: header name \"" + name + "\" is not a token");
    if (std::any_of(value.begin(), value.end(), [](char c) { return IsControl(c) && c != '\t'; })) {
      return InvalidArgument("HTTP request: header " + name + " contains a control character");
    }
  }
  if (std::any_of(r.content_type.begin(), r.content_type.end(), IsControl)) {
    return InvalidArgument("HTTP request: Content-Type contains a control character");
  }
  if (r.target.size() > kMaxUrl) return InvalidArgument("HTTP request: target longer than 2048 bytes");
  if (std::any_of(r.target.begin(), r.target.end(), [](char c) { return c == ' ' || IsControl(c); })) {
    return InvalidArgument("HTTP request: target contains a space or a control character");
  }
  return Status::Ok();
}

}  // namespace

std::string Url::HostHeader() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  if ((tls && port != 443) || (!tls && port != 80)) h += ":" + std::to_string(port);
  return h;
}

Result<Url> ParseUrl(std::string_view text) {
  if (text.size() > kMaxUrl) return InvalidArgument("URL longer than 2048 bytes");
  for (char c : text) {
    if (c == ' ' || IsControl(c)) return InvalidArgument("URL contains a space or a control character");
  }
  Url url;
  std::string_view rest;
  if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    url.tls = true;
    rest = text.substr(8);
  } else {
    return InvalidArgument("URL scheme must be http or https");
  }
  // The fragment never goes on the wire.
  rest = rest.substr(0, rest.find('#'));
  const size_t slash = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target.front() == '?') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return InvalidArgument("URL must not contain user information");
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("URL has an unterminated [IPv6] host");
    url.host = std::string(authority.substr(1, close - 1));
    boost::system::error_code ec;
    (void)asio::ip::make_address_v6(url.host, ec);
    if (ec) return InvalidArgument("URL host [" + url.host + "] is not an IPv6 address");
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("URL has junk after the [IPv6] host");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    if (url.host.empty()) return InvalidArgument("URL has no host");
    const bool name_chars = std::all_of(url.host.begin(), url.host.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
    if (!name_chars) return InvalidArgument("URL host \"" + url.host + "\" is not a host name or an IPv4 address");
  }
  if (url.host.empty()) return InvalidArgument("URL has no host");
  url.port = url.tls ? 443 : 80;
  if (has_port) {
    uint32_t port = 0;
    const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return InvalidArgument("URL port must be 1-65535");
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

std::vector<std::string> HttpResponse::SetCookies() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (IEquals(k, "Set-Cookie")) out.push_back(v);
  }
  return out;
}

HttpSession::HttpSession(asio::any_io_executor executor, Url url, ClientOptions options)
    : executor_(std::move(executor)), url_(std::move(url)), options_(options) {}

// Destruction does not save the TLS session: the slot's owner (the device) may be gone already
// (a fleet torn down with sessions in flight). Sessions that end normally Close() first.
HttpSession::~HttpSession() {
  options_.resume = nullptr;
  Close();
}

void HttpSession::SetCredentials(std::string user, std::string password) {
  user_ = std::move(user);
  password_ = std::move(password);
  have_credentials_ = true;
  digest_.reset();
  basic_ = false;
}

TlsSessionSlot::~TlsSessionSlot() { Set(nullptr); }

void TlsSessionSlot::Set(SSL_SESSION* s) {
  if (session != nullptr) SSL_SESSION_free(session);
  session = s;
}

void HttpSession::Close() {
  boost::system::error_code ec;
  if (tls_stream_ && options_.resume != nullptr) {
    // The session (with the ticket a TLS 1.3 server sent after the handshake) for the next time.
    // A copy: closing without close_notify makes OpenSSL mark the connection's own session
    // object not resumable when the connection is freed (ssl_clear_bad_session).
    SSL_SESSION* s = SSL_get0_session(tls_stream_->native_handle());
    if (s != nullptr && SSL_SESSION_is_resumable(s) == 1) options_.resume->Set(SSL_SESSION_dup(s));
  }
  if (tls_stream_) {
    // No close_notify: the simulator drops its side like a CPE closing the socket.
    beast::get_lowest_layer(*tls_stream_).socket().close(ec);
    tls_stream_.reset();
  }
  if (tcp_) {
    tcp_->socket().close(ec);
    tcp_.reset();
  }
  buffer_.clear();
  buffer_.shrink_to_fit();
  reused_ = false;
}

Error HttpSession::TimeoutError(std::string_view what) const {
  return Fail("timeout after " + std::to_string(options_.timeout.count()) + " ms " + std::string(what) + " " +
              url_.host + ":" + std::to_string(url_.port));
}

asio::awaitable<Status> HttpSession::Connect() {
  Close();
  const std::string where = url_.host + ":" + std::to_string(url_.port);
  boost::system::error_code ec;
  std::vector<asio::ip::tcp::endpoint> endpoints;
  if (auto literal = asio::ip::make_address(url_.host, ec); !ec) {
    endpoints.emplace_back(literal, url_.port);
  } else {
    // getaddrinfo has no timeout of its own: a timer cancels the lookup at the deadline. The timer's
    // handler may run after this frame is gone, hence the weak pointer.
    auto resolver = std::make_shared<asio::ip::tcp::resolver>(executor_);
    asio::steady_timer timer(executor_);
    timer.expires_at(deadline_);
    timer.async_wait([weak = std::weak_ptr(resolver)](const boost::system::error_code& e) {
      if (auto r = weak.lock(); r && !e) r->cancel();
    });
    auto results = co_await resolver->async_resolve(url_.host, std::to_string(url_.port),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    timer.cancel();
    if (ec == asio::error::operation_aborted && Clock::now() >= deadline_) co_return TimeoutError("resolving");
    if (ec) co_return Fail("connect " + where + ": cannot resolve: " + ec.message());
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }
  std::string last_error = "no address";
  if (options_.source) last_error = "no address of the source address's family (" + options_.source->to_string() + ")";
  for (const auto& ep : endpoints) {
    if (options_.source && options_.source->is_v4() != ep.address().is_v4()) continue;
    beast::tcp_stream stream(executor_);
    stream.socket().open(ep.protocol(), ec);
    if (ec) {
      last_error = ec.message();
      continue;
    }
    if (options_.source) {
      // Before connect, so the kernel picks the ephemeral port from this address's own range.
      stream.socket().bind(asio::ip::tcp::endpoint(*options_.source, 0), ec);
      if (ec) {
        last_error = "bind " + options_.source->to_string() + ": " + ec.message();
        continue;
      }
    }
    stream.expires_at(deadline_);
    co_await stream.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (IsTimeout(ec)) co_return TimeoutError("connecting to");
    if (ec) {
      last_error = ec.message();
      continue;
    }
    stream.socket().set_option(asio::ip::tcp::no_delay(true), ec);
    if (!url_.tls) {
      tcp_.emplace(std::move(stream));
      co_return Status::Ok();
    }
    if (!options_.tls) co_return Fail("TLS to " + where + ": no TLS context configured");
    tls_stream_.emplace(std::move(stream), *options_.tls);
    SSL* ssl = tls_stream_->native_handle();
    // The peer is checked by OpenSSL itself (what asio::ssl::host_name_verification calls), so a
    // mismatch shows up as "hostname mismatch" in the verify result instead of a bare failure.
    boost::system::error_code addr_ec;
    (void)asio::ip::make_address(url_.host, addr_ec);
    const bool names_set = addr_ec ? SSL_set_tlsext_host_name(ssl, url_.host.c_str()) == 1 &&  // SNI: names only
                                         SSL_set1_host(ssl, url_.host.c_str()) == 1
                                   : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str()) == 1;
    if (!names_set) {
      Close();
      co_return Fail("TLS to " + where + ": cannot set the host name to verify");
    }
    tls_stream_->set_verify_mode(asio::ssl::verify_peer);
    if (options_.resume != nullptr && options_.resume->session != nullptr) {
      SSL_set_session(ssl, options_.resume->session);
    }
    beast::get_lowest_layer(*tls_stream_).expires_at(deadline_);
    co_await tls_stream_->async_handshake(asio::ssl::stream_base::client,
                                          asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      const long verify = SSL_get_verify_result(ssl);
      Close();
      if (IsTimeout(ec)) co_return TimeoutError("in the TLS handshake with");
      if (verify != X509_V_OK) {
        co_return Fail("TLS handshake with " + where +
                       ": certificate verify failed: " + X509_verify_cert_error_string(verify));
      }
      co_return Fail("TLS handshake with " + where + ": " + ec.message());
    }
    co_return Status::Ok();
  }
  co_return Fail("connect " + where + ": " + last_error);
}

// The bytes Beast's serializer wrote for the http::request this used to build (same fields, same
// order: Host, User-Agent, Content-Type, the caller's headers, Cookie, Authorization,
// Content-Length as prepare_payload sets it), written straight into one string: Beast's fields
// allocate per field and its serializer copies the body, which cost more than the rest of the
// request path together.
void HttpSession::BuildRequestHead(const HttpRequest& request, std::string* out) {
  const std::string& target = request.target.empty() ? url_.target : request.target;
  const auto verb = http::to_string(request.method);
  const std::string_view method(verb.data(), verb.size());
  // Field set semantics as in Beast: a later header of the same name (case-insensitive) replaces
  // an earlier one; only the caller's headers can repeat a name here.
  std::vector<std::pair<std::string_view, std::string_view>> extra;
  extra.reserve(request.headers.size());
  for (const auto& header : request.headers) {
    // Not a structured binding: clang 14 cannot capture one in a lambda.
    const std::string_view k = header.first;
    std::erase_if(extra, [&](const auto& e) { return IEquals(e.first, k); });
    extra.emplace_back(k, header.second);
  }
  std::string& h = *out;
  h.clear();
  h.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  auto field = [&](std::string_view name, std::string_view value) {
    h.append(name).append(": ").append(value).append("\r\n");
  };
  auto overridden = [&](std::string_view name) {
    return std::any_of(extra.begin(), extra.end(), [&](const auto& e) { return IEquals(e.first, name); });
  };
  if (!overridden("Host")) field("Host", url_.HostHeader());
  if (!overridden("User-Agent")) field("User-Agent", "ruru-cpesim");
  if (!request.content_type.empty() && !overridden("Content-Type")) field("Content-Type", request.content_type);
  std::string cookie;
  for (const auto& [k, v] : cookies_) cookie.append(cookie.empty() ? "" : "; ").append(k).append("=").append(v);
  std::string authorization;
  if (digest_) {
    authorization = digest_->Authorization(std::string(method), target);
  } else if (basic_) {
    authorization = cwmp::BasicAuthorization(user_, password_);
  }
  const bool has_length = !request.body.empty() || request.method == http::verb::options ||
                          request.method == http::verb::put || request.method == http::verb::post;
  for (const auto& [k, v] : extra) {
    // Beast set these later, which replaced the caller's value.
    if ((!cookie.empty() && IEquals(k, "Cookie")) || (!authorization.empty() && IEquals(k, "Authorization")) ||
        (has_length && IEquals(k, "Content-Length"))) {
      continue;
    }
    field(k, v);
  }
  if (!cookie.empty()) field("Cookie", cookie);
  if (!authorization.empty()) field("Authorization", authorization);
  if (has_length) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, request.body.size());
    field("Content-Length", std::string_view(digits, static_cast<size_t>(end - digits)));
  }
  h.append("\r\n");
}

// Sends on the open connection and reads the answer. `*closed_unanswered`: the connection was found
// closed with nothing of a response received, the only case in which resending is safe.
asio::awaitable<Result<HttpResponse>> HttpSession::RoundTrip(const HttpRequest& request, bool* closed_unanswered) {
  *closed_unanswered = false;
  BuildRequestHead(request, &head_);
  const std::array<asio::const_buffer, 2> wire{asio::buffer(head_), asio::buffer(request.body)};
  std::optional<http::response_parser<http::string_body>> parser;
  boost::system::error_code ec;
  size_t written = 0;
  size_t read = 0;
  bool got_any = false;
  auto exchange = [&](auto& stream) -> asio::awaitable<void> {
    written = co_await asio::async_write(stream, wire, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    for (int interim = 0; interim <= kMaxInterimResponses; ++interim) {
      parser.emplace();
      parser->header_limit(kHeaderLimit);
      parser->body_limit(options_.max_body);
      if (request.method == http::verb::head) parser->skip(true);
      read += co_await http::async_read_header(stream, buffer_, *parser, asio::redirect_error(asio::use_awaitable, ec));
      got_any = got_any || parser->got_some();
      if (ec) co_return;
      const unsigned status = parser->get().result_int();
      if (status >= 100 && status < 200 && status != 101) continue;  // 100 Continue and friends
      // Beast 1.74 applies body_limit to chunked bodies only: a declared length is checked here,
      // before any of the body is read.
      if (parser->content_length() && *parser->content_length() > options_.max_body) {
        ec = http::error::body_limit;
        co_return;
      }
      read += co_await http::async_read(stream, buffer_, *parser, asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    ec = http::error::bad_status;  // only interim responses
  };
  (tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : *tcp_).expires_at(deadline_);
  if (tls_stream_) {
    co_await exchange(*tls_stream_);
  } else {
    co_await exchange(*tcp_);
  }
  bytes_sent_ += written;
  bytes_received_ += read;
  if (ec) {
    *closed_unanswered = !got_any && IsConnectionClosed(ec);
    Close();
    if (IsTimeout(ec)) co_return TimeoutError("waiting for");
    if (ec == http::error::body_limit)
      co_return Fail("HTTP response body over " + std::to_string(options_.max_body) + " bytes");
    if (ec == http::error::header_limit) co_return Fail("HTTP response header over 16 KiB");
    co_return Fail("HTTP exchange with " + url_.host + ":" + std::to_string(url_.port) + ": " + ec.message());
  }
  reused_ = true;
  auto res = parser->release();
  HttpResponse out;
  out.status = res.result_int();
  out.headers.reserve(std::distance(res.begin(), res.end()));
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(res.body());
  StoreCookies(out);
  if (!res.keep_alive() || out.status == 101) {
    Close();
  } else if (buffer_.size() == 0) {
    buffer_.shrink_to_fit();  // a download's read buffer is not kept for the next small request
  }
  co_return out;
}

void HttpSession::StoreCookies(const HttpResponse& response) {
  for (const std::string& value : response.SetCookies()) {
    std::string_view rest(value);
    const std::string_view pair = rest.substr(0, rest.find(';'));
    rest.remove_prefix(pair.size());
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = Trim(pair.substr(0, eq));
    const std::string_view val = Trim(pair.substr(eq + 1));
    if (!IsToken(name) || name.size() + val.size() > kMaxCookieBytes) continue;
    if (std::any_of(val.begin(), val.end(), [](char c) { return IsControl(c) || c == ';'; })) continue;
    // Max-Age wins over Expires (RFC 6265 §5.3); either can only delete here, as the cookie lives
    // no longer than this session anyway.
    std::optional<bool> max_age_deletes;
    bool expired = false;
    while (!rest.empty()) {
      rest.remove_prefix(1);  // ';'
      const std::string_view attr = rest.substr(0, rest.find(';'));
      rest.remove_prefix(attr.size());
      const size_t aeq = attr.find('=');
      const std::string_view aname = Trim(attr.substr(0, aeq));
      const std::string_view avalue = aeq == std::string_view::npos ? std::string_view() : Trim(attr.substr(aeq + 1));
      if (IEquals(aname, "Max-Age")) {
        int64_t seconds = 0;
        const auto [p, ec] = std::from_chars(avalue.data(), avalue.data() + avalue.size(), seconds);
        if (!avalue.empty() && ec == std::errc() && p == avalue.data() + avalue.size()) {
          max_age_deletes = seconds <= 0;
        } else if (!avalue.empty() && avalue.front() == '-') {
          max_age_deletes = true;  // a negative number too long for int64
        }
      } else if (IEquals(aname, "Expires")) {
        if (auto when = ParseCookieDate(avalue)) expired = *when <= std::chrono::system_clock::now();
      }
    }
    const bool remove = max_age_deletes.value_or(expired);
    std::erase_if(cookies_, [&](const auto& c) { return c.first == name; });
    if (remove) continue;
    if (cookies_.size() >= kMaxCookies) cookies_.erase(cookies_.begin());
    cookies_.emplace_back(std::string(name), std::string(val));
  }
}

asio::awaitable<Result<HttpResponse>> HttpSession::Send(HttpRequest request) {
  // Nothing below throws by design (error codes throughout); this is the guarantee for what might
  // anyway (allocation, OpenSSL refusing to create a connection object).
  try {
    co_return co_await SendChecked(request);
  } catch (const std::exception& e) {
    Close();
    co_return Internal(std::string("HTTP client: ") + e.what());
  }
}

asio::awaitable<Result<HttpResponse>> HttpSession::SendChecked(const HttpRequest& request) {
  if (Status s = CheckRequest(request); !s.ok()) co_return s.error();
  deadline_ = Clock::now() + options_.timeout;
  bool answered = false;
  bool answered_stale = false;
  for (;;) {
    // One request on the wire, with at most one resend on a fresh connection when a reused one
    // turned out to be closed by the server.
    std::optional<Result<HttpResponse>> res;
    for (int attempt = 0; attempt < 2 && !res; ++attempt) {
      const bool reusing = connected() && reused_;
      if (!connected()) {
        if (Status s = co_await Connect(); !s.ok()) co_return s.error();
      }
      bool closed_unanswered = false;
      auto r = co_await RoundTrip(request, &closed_unanswered);
      if (r.ok() || !reusing || !closed_unanswered || attempt == 1) res.emplace(std::move(r));
    }
    if (!res->ok() || (*res)->status != 401 || !have_credentials_) co_return std::move(*res);

    std::string challenges;
    for (const auto& [k, v] : (*res)->headers) {
      if (IEquals(k, "WWW-Authenticate")) challenges += (challenges.empty() ? "" : ", ") + v;
    }
    auto challenge = cwmp::ParseWwwAuthenticate(challenges);
    if (!challenge.ok()) co_return std::move(*res);
    // Our answer was refused: the credentials are wrong, unless the server only found the nonce
    // expired (stale=true), which earns one more answer.
    const bool stale = challenge->scheme == cwmp::AuthScheme::kDigest && challenge->stale && digest_;
    if (answered && (!stale || answered_stale)) co_return std::move(*res);
    if (answered) answered_stale = true;
    answered = true;
    if (challenge->scheme == cwmp::AuthScheme::kDigest) {
      digest_.emplace(std::move(*challenge), user_, password_);
      basic_ = false;
    } else {
      digest_.reset();
      basic_ = true;
    }
  }
}

}  // namespace ruru::cpesim
