// The CWMP session logic of the endpoint, on HTTP messages and without sockets: a request of a
// connection goes in, the answer comes out. It authenticates a new session's Inform
// (authenticator.h), writes the Inform through the InformBatcher and answers only after its commit
// (DESIGN §3), rotates a new device's credentials, drives the session's tasks, stores the CPE's
// reports before acknowledging them, and ends sessions (session_table.h). cwmp_endpoint.h puts it
// behind the listener; tests drive it in process with in-memory stores and a ManualClock.
//
// Threading: Handle may run for many connections at once, each on its own strand; one connection's
// requests come one at a time. Blocking inventory calls run on deps.db_pool. Everything `deps`
// points to must outlive the driver.
#pragma once

#include <memory>
#include <string>

#include "acs/access/secret_box.h"
#include "acs/config/config.h"
#include "acs/endpoint/session_table.h"
#include "acs/metrics/metrics.h"
#include "acs/net/http_server.h"
#include "acs/tasks/task_engine.h"
#include "base/beast.h"
#include "base/clock.h"
#include "db/inventory.h"

namespace ruru::acs::net {
class TlsServer;
}  // namespace ruru::acs::net

namespace ruru::acs::endpoint {

struct CwmpEndpointDeps {
  const config::Config* config = nullptr;
  db::DeviceStore* devices = nullptr;
  db::InformBatcher* batcher = nullptr;
  const access::SecretBox* secrets = nullptr;
  metrics::MetricsRegistry* metrics = nullptr;
  const Clock* clock = nullptr;
  asio::thread_pool* db_pool = nullptr;  // blocking inventory calls run here
  std::string nonce_key;                 // Digest nonce HMAC key (>= 32 bytes)
  tasks::TaskEngine* tasks = nullptr;    // null: sessions run no tasks (tests of the endpoint alone)
  const net::TlsServer* tls = nullptr;   // set: HTTPS only (cwmp.tls_*), client certificates per its settings
};

class SessionDriver {
 public:
  using Request = http::request<http::string_body>;
  using Response = http::response<http::string_body>;
  struct Reply {
    Response res;
    bool close = false;  // close the connection after this answer
  };

  explicit SessionDriver(CwmpEndpointDeps deps);
  ~SessionDriver();
  SessionDriver(const SessionDriver&) = delete;
  SessionDriver& operator=(const SessionDriver&) = delete;

  // One request of `conn` (its peer and verified client certificate are used); `current` is the
  // session the connection carries, updated as sessions start and end. Never throws for bad input:
  // every refusal is an answer (400/401/403/405/409/413/503).
  asio::awaitable<Reply> Handle(const Request& request, const std::shared_ptr<Conn>& conn, SessionPtr& current);
  // The answer to a request that could not be read (too large, malformed).
  Response ReadError(net::HttpReadError error);
  // Ends the sessions that timed out (in deps.clock's time) or finished with their connection gone.
  void Sweep();

  SessionTable& table();
  const SessionTable& table() const;
  // ruru_cwmp_503_total{reason="connections"}: connections refused at accept.
  metrics::Counter& OverloadCounter();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ruru::acs::endpoint
