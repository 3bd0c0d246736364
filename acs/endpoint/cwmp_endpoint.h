// The CWMP endpoint of acsd: HTTP/1.1 keep-alive over Boost.Beast, one coroutine per connection on
// its own strand, sessions driven by cwmp::Session (ACS role). The hot path of DESIGN.md §3:
// authenticate (cached verifiers), decode, queue the inventory write in the InformBatcher, answer
// the InformResponse only after that write committed, then 204 when there is no work.
//
// Threading: Run the io_context on any number of threads. Public methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "acs/access/secret_box.h"
#include "acs/config/config.h"
#include "acs/metrics/metrics.h"
#include "acs/tasks/task_engine.h"
#include "base/asio.h"
#include "base/clock.h"
#include "base/result.h"
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

class CwmpEndpoint {
 public:
  CwmpEndpoint(asio::io_context& ioc, CwmpEndpointDeps deps);
  ~CwmpEndpoint();
  CwmpEndpoint(const CwmpEndpoint&) = delete;
  CwmpEndpoint& operator=(const CwmpEndpoint&) = delete;

  // Binds cwmp.listen. Error (kUnavailable) when the address cannot be bound.
  Status Listen();
  // Starts accepting and the session sweeper.
  void Start();
  // Graceful drain, step 1: stop accepting; open sessions go on. Idempotent.
  void StopAccepting();
  // Step 2 (after sessions finished or the drain timeout): close every connection.
  void CloseAll();

  uint16_t port() const;  // the bound port (useful with port 0)
  size_t ActiveSessions() const;  // sessions not yet ended (including ones whose connection dropped)
  // Sessions being served now: a request in progress or their connection still open. A session
  // whose CPE went away is not waited for by a drain (the CPE retries with a new session).
  size_t LiveSessions() const;
  size_t OpenConnections() const;
  // Whether the session with this cookie value is still in the session table (task claims of
  // sessions that ended are stale). Thread-safe.
  bool SessionLive(const std::string& session_id) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ruru::acs::endpoint
