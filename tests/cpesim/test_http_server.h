// A scripted HTTP/1.1 (or HTTPS) server for client tests: listens on 127.0.0.1 port 0, runs its own
// io_context on its own thread, records every request (with the peer's source address and which
// TCP connection carried it) and answers each with what the test's handler returns. Answers can
// also misbehave on purpose: never answer, close the connection after answering while claiming
// keep-alive, or write raw bytes and close (partial or odd responses).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/beast.h"

namespace ruru::cpesim::testkit {

struct RecordedRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // in wire order
  asio::ip::address peer;                                    // the client's (source) address as the server saw it
  int connection = 0;                                        // 1, 2, ... in accept order
  std::string sni;                                           // TLS only: the server name the client sent, "" when none
  // The first header of that name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

struct ScriptedResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  bool chunked = false;            // Transfer-Encoding: chunked instead of Content-Length
  bool connection_close = false;   // "Connection: close", then close
  bool drop_after = false;         // keep-alive on the wire, but close right after (an idle timeout)
  bool no_answer = false;          // read the request, never answer (until the server stops)
  std::optional<std::string> raw{};  // write exactly these bytes instead of a response, then close
};

class TestHttpServer {
 public:
  // Called on the server's thread, one request at a time.
  using Handler = std::function<ScriptedResponse(const RecordedRequest&)>;

  // `tls`: a server context (certificate and key loaded) for HTTPS; it must outlive the server.
  explicit TestHttpServer(Handler handler, asio::ssl::context* tls = nullptr);
  ~TestHttpServer();  // stops the thread; connections still open are dropped
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  uint16_t port() const;
  // "http[s]://127.0.0.1:<port><path>"
  std::string Url(std::string_view path = "/") const;
  // Copies of what has been received so far, in arrival order.
  std::vector<RecordedRequest> requests() const;
  int connections() const;   // TCP connections accepted
  int tls_failures() const;  // TLS handshakes that failed (e.g. the client refused our certificate)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ruru::cpesim::testkit
