// The one HTTP/1.1 server loop of acsd's listeners (the CWMP endpoint and the admin listener):
// keep-alive requests read with Beast under header and body limits (Content-Length checked before
// a byte of the body is read, chunked bodies capped as they grow, "Expect: 100-continue" answered
// only for a body that may come), timeouts per phase, each answer written in one write. The caller
// owns the connection (accept, TLS handshake, shutdown); the loop owns one connection's requests.
//
// Threading: ServeHttp runs on the connection's strand; the handler's methods are called there.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>

#include "base/beast.h"
#include "base/web.h"

namespace ruru::acs::net {

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

struct HttpLimits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 64 * 1024;                    // the default of HttpHandler::BodyLimit
  std::chrono::milliseconds first_read_timeout{30000};  // the first request's header
  std::chrono::milliseconds idle_timeout{30000};        // a later request's header (keep-alive)
  std::chrono::milliseconds io_timeout{30000};          // a body, and writing an answer
  int max_requests = 0;                                 // per connection; 0 = no limit
  // After answering a request that could not be read (too large): how long to keep reading and
  // discarding what the client still sends, at most max_drain_bytes, so that closing does not
  // reset the connection and destroy the answer in the client's receive buffer. 0: close at once.
  std::chrono::milliseconds drain_after_refusal{0};
  size_t max_drain_bytes = 8 << 20;
};

// Why a request could not be read.
enum class HttpReadError {
  kHeaderTooLarge,  // over max_header_bytes
  kBodyTooLarge,    // over the body limit (Content-Length, or a chunked body that grew past it)
  kMalformed,       // not HTTP
};

struct HttpReply {
  HttpResponse response;
  bool close = false;  // close the connection after writing it (also when !response.keep_alive())
  bool drop = false;   // close the connection without writing anything (failure injection)
};

// What one connection's requests are handed to.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // The largest body accepted for a request with this header (`limits.max_body_bytes` by default).
  virtual size_t BodyLimit(const HttpRequest& header, const HttpLimits& limits) {
    (void)header;
    return limits.max_body_bytes;
  }
  // The answer to a complete request. Must not throw.
  virtual asio::awaitable<HttpReply> Handle(HttpRequest request) = 0;
  // The answer to a request that could not be read (`header` holds what was read, possibly
  // nothing); nullopt closes the connection without one. The connection is closed either way.
  virtual std::optional<HttpResponse> OnReadError(HttpReadError error, const HttpRequest& header) = 0;
};

// Between the wire and the plain messages the handlers above acs/net take (base/web.h). The
// header names and values, the method text, the target and the body are copied as they came; the
// version and keep-alive stay with the connection (ToWire gives HTTP/1.1, the caller sets them).
web::Request ToPlain(HttpRequest request);
HttpResponse ToWire(web::Response response);

// Serves requests on `stream` until the peer closes, a timeout, an error, `running` turns false,
// limits.max_requests, or a reply that closes. Returns normally in every case.
template <class Stream>  // beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>
asio::awaitable<void> ServeHttp(Stream& stream, const HttpLimits& limits, HttpHandler& handler,
                                const std::atomic<bool>& running);

extern template asio::awaitable<void> ServeHttp(beast::tcp_stream&, const HttpLimits&, HttpHandler&,
                                                const std::atomic<bool>&);
extern template asio::awaitable<void> ServeHttp(beast::ssl_stream<beast::tcp_stream>&, const HttpLimits&, HttpHandler&,
                                                const std::atomic<bool>&);

}  // namespace ruru::acs::net
