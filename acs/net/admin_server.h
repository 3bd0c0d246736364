// The admin listener (admin.listen): GET /metrics (Prometheus text), /healthz (the process is
// alive) and /readyz (ready for CPE traffic: listening and the inventory reachable), plus an
// optional handler for a path prefix (the REST API under /api/, acs/api/rest_api.h) that
// does its own authentication. HTTP/1.1 over Beast (HTTPS only when given a TlsServer, admin.tls_*),
// one coroutine per connection on its own strand; bind it to loopback or a management network.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "acs/metrics/metrics.h"
#include "base/asio.h"
#include "base/result.h"
#include "base/web.h"

namespace ruru::acs::net {

// Requests the admin listener hands over, as plain messages (base/web.h): the listener converts
// them from and to the wire and owns the connection (keep-alive, framing, the Server header). Its
// methods run on the connection's strand; several connections call it concurrently.
class AdminHandler {
 public:
  virtual ~AdminHandler() = default;
  // Whether this handler answers requests for `path` (the target without the query).
  virtual bool Serves(std::string_view path) const = 0;
  // The largest request body accepted. A larger Content-Length is refused with TooLarge() before
  // the body is read (a chunked body when it grows past it); the connection is then closed.
  virtual size_t MaxBodyBytes() const = 0;
  // The answer to a request whose body is too large (`header` has no body).
  virtual web::Response TooLarge(const web::Request& header) = 0;
  // The answer to a complete request. Must not throw.
  virtual asio::awaitable<web::Response> Handle(web::Request request) = 0;
};

class AdminServer {
 public:
  // `ready` returns "" when ready, else the reason (shown by /readyz with 503). `handler` may be
  // null (no REST API).
  AdminServer(asio::io_context& ioc, std::string listen, metrics::MetricsRegistry& metrics,
              std::function<std::string()> ready, std::shared_ptr<AdminHandler> handler = nullptr);
  ~AdminServer();
  Status Listen();
  // Before Start(): serve HTTPS only, with the context current at each connection's accept.
  void UseTls(const class TlsServer* tls, metrics::MetricsRegistry& metrics);
  void Start();
  void Stop();
  uint16_t port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ruru::acs::net
