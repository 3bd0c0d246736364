// The simulator's HTTP(S) client: one HttpSession per CWMP session or file transfer, on the fleet's
// io_context, as a coroutine (asio::awaitable). Keep-alive with a transparent reconnect when the
// server closed an idle connection, cookies, Basic/Digest answered on a 401 (cwmp/http_auth.h),
// TLS with CA and host-name verification, a source address bound before connect (each simulated
// device has its own loopback "WAN IP"), a per-request deadline and a response body limit.
//
// Errors are Result values (never exceptions) with a one-line message that starts with what
// failed: "connect ...", "timeout after N ms ...", "TLS ...", "HTTP ...". Transport failures are
// kUnavailable; a request the client refuses to send (bad header) is kInvalidArgument.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/beast.h"
#include "base/result.h"
#include "cwmp/http_auth.h"

namespace ruru::cpesim {

struct Url {
  bool tls = false;
  std::string host;  // name or IPv4/IPv6 literal (without brackets)
  uint16_t port = 0;
  std::string target;              // path and query, "/" at least
  std::string HostHeader() const;  // "host[:port]" (port left out when it is the default)
};
// http/https only, host as a name, IPv4 or [IPv6] literal, optional port (default 80/443), the
// target defaulting to "/". Refuses userinfo, spaces and control characters, an empty host, port 0
// or beyond 65535, and URLs over 2048 bytes, with a one-line kInvalidArgument.
Result<Url> ParseUrl(std::string_view text);

// A device's saved TLS session (resumption across its sessions, --tls-resume). Owned by the device.
struct TlsSessionSlot {
  TlsSessionSlot() = default;
  TlsSessionSlot(const TlsSessionSlot&) = delete;
  TlsSessionSlot& operator=(const TlsSessionSlot&) = delete;
  ~TlsSessionSlot();
  void Set(SSL_SESSION* s);  // takes ownership
  SSL_SESSION* session = nullptr;
};

struct ClientOptions {
  std::optional<asio::ip::address> source;   // bind here (port 0) before connecting
  asio::ssl::context* tls = nullptr;         // for https: its CA verifies the peer; must outlive the session
  TlsSessionSlot* resume = nullptr;          // offer this saved session and keep the new one (must outlive)
  std::chrono::milliseconds timeout{30000};  // per Send: resolve + connect + TLS + write + read, retries included
  size_t max_body = 4 * 1024 * 1024;         // response bodies beyond this are an error
};

struct HttpRequest {
  http::verb method = http::verb::post;
  std::string target;  // empty: the URL's
  std::string body;
  std::string content_type;                                  // empty: no Content-Type header
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (names are tokens, no CR/LF)
};

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // in wire order
  // The first header of that name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
  // Every Set-Cookie value, in wire order.
  std::vector<std::string> SetCookies() const;
};

// One CWMP session or one transfer. Holds at most one connection, opened by the first Send and kept
// alive between requests until the server closes it, an error, Close() or destruction. Not
// thread-safe and not re-entrant: one Send at a time, on the executor's thread. The session must
// outlive a Send in progress.
class HttpSession {
 public:
  HttpSession(asio::any_io_executor executor, Url url, ClientOptions options);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Used to answer a 401 challenge (Digest preferred, else Basic); later requests of the session
  // then carry the Authorization up front (Digest with a rising nonce count). Resets that state.
  void SetCredentials(std::string user, std::string password);

  // One request and its response; never throws. An HTTP error status is a response, not an error.
  // - A reused keep-alive connection that the server closed before answering (EOF or reset with
  //   nothing received) is reopened and the request sent once more; after any byte of a response,
  //   or after a timeout, the request is never resent.
  // - A 401 is answered once with the credentials (if set and the challenge is understood); a 401
  //   to that answer is returned as is (wrong credentials), unless it says stale=true, which gets
  //   one more answer with the new nonce.
  // - Cookies from Set-Cookie are sent on later requests of this session; Max-Age<=0 or an Expires
  //   in the past deletes one. Other attributes (Path, Domain, Secure) are ignored.
  // - Errors: "timeout after N ms", "connect ...", "TLS ...", "HTTP response body over N bytes",
  //   "HTTP response header over 16 KiB", "HTTP exchange ...".
  asio::awaitable<Result<HttpResponse>> Send(HttpRequest request);

  // Drops the connection (without a TLS close_notify); the next Send reconnects. Cookies and the
  // authentication state stay. Not while a Send is in progress.
  void Close();
  // Close() will no longer save the TLS session into ClientOptions::resume (its owner is gone).
  void ForgetResumeSlot() { options_.resume = nullptr; }
  bool connected() const { return tcp_.has_value() || tls_stream_.has_value(); }
  // HTTP bytes (header and body; plaintext under TLS) over the session's lifetime.
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }

 private:
  using Clock = std::chrono::steady_clock;

  asio::awaitable<Result<HttpResponse>> SendChecked(const HttpRequest& request);
  asio::awaitable<Status> Connect();
  asio::awaitable<Result<HttpResponse>> RoundTrip(const HttpRequest& request, bool* closed_unanswered);
  // The request line and header (CRLF CRLF included) into *out; the body goes after it as it is.
  void BuildRequestHead(const HttpRequest& request, std::string* out);
  void StoreCookies(const HttpResponse& response);
  Error TimeoutError(std::string_view what) const;

  asio::any_io_executor executor_;
  Url url_;
  ClientOptions options_;
  Clock::time_point deadline_{};
  std::optional<beast::tcp_stream> tcp_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
  beast::flat_buffer buffer_;
  std::string head_;     // the request header being sent, kept for its capacity
  bool reused_ = false;  // the connection already carried a complete exchange
  bool have_credentials_ = false;
  bool basic_ = false;  // the server asked for Basic: send it up front
  std::vector<std::pair<std::string, std::string>> cookies_;
  std::string user_, password_;
  std::optional<cwmp::DigestClient> digest_;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
};

}  // namespace ruru::cpesim
