// The simulator's HTTP(S) client: one HttpSession per CWMP session or file transfer, on the fleet's
// io_context, as a coroutine (asio::awaitable). Keep-alive with a transparent reconnect when the
// server closed an idle connection, cookies, Basic/Digest answered on a 401 (cwmp/http_auth.h),
// TLS with CA and host-name verification, a source address bound before connect (each simulated
// device has its own loopback "WAN IP"), per-request timeouts and a response body limit.
//
// Errors are Result values (never exceptions) with a one-line message that starts with what
// failed: "connect ...", "timeout after N ms ...", "TLS ...", "HTTP ...".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/asio.h"
#include "base/result.h"
#include "cwmp/http_auth.h"

namespace ruru::cpesim {

struct Url {
  bool tls = false;
  std::string host;    // name or IPv4/IPv6 literal (without brackets)
  uint16_t port = 0;
  std::string target;  // path and query, "/" at least
  std::string HostHeader() const;  // "host[:port]" (port left out when it is the default)
};
// http/https only; refuses userinfo, spaces and control characters, an empty host, a bad port and
// URLs over 2048 bytes.
Result<Url> ParseUrl(std::string_view text);

struct ClientOptions {
  std::optional<asio::ip::address> source;  // bind here (port 0) before connecting
  asio::ssl::context* tls = nullptr;         // for https: verifies the peer with its CA
  std::chrono::milliseconds timeout{30000};  // per request: connect + TLS + write + read
  size_t max_body = 4 * 1024 * 1024;         // response bodies beyond this are an error
};

struct HttpRequest {
  http::verb method = http::verb::post;
  std::string target;  // empty: the URL's
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The first header of that name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

class HttpSession {
 public:
  HttpSession(asio::any_io_executor executor, Url url, ClientOptions options);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Used to answer a 401 challenge (Digest preferred, else Basic); later requests of the session
  // then carry the Authorization up front.
  void SetCredentials(std::string user, std::string password);

  // One request and its response. A 401 is retried once with the credentials (if any), and the
  // final 401 returned when they are refused. Not re-entrant: one request at a time.
  asio::awaitable<Result<HttpResponse>> Send(HttpRequest request);

  void Close();
  bool connected() const { return tcp_.has_value() || tls_stream_.has_value(); }
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }

 private:
  asio::awaitable<Status> Connect();
  asio::awaitable<Result<HttpResponse>> RoundTrip(const HttpRequest& request, bool* nothing_received);
  beast::tcp_stream& Lowest();

  asio::any_io_executor executor_;
  Url url_;
  ClientOptions options_;
  std::optional<beast::tcp_stream> tcp_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
  beast::flat_buffer buffer_;
  bool reused_ = false;  // the connection already carried a request
  std::vector<std::pair<std::string, std::string>> cookies_;
  std::string user_, password_;
  bool have_credentials_ = false;
  std::optional<cwmp::DigestClient> digest_;
  bool basic_ = false;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
};

}  // namespace ruru::cpesim
