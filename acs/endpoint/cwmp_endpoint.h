// The CWMP endpoint of acsd: the listener (accept, connection caps, TLS handshakes), one coroutine
// per connection on its own strand serving HTTP/1.1 keep-alive requests (net::ServeHttp), each
// handed to the SessionDriver (session_driver.h), which runs the sessions (cwmp::Session, ACS
// role) and the hot path of DESIGN.md §3.
//
// Threading: Run the io_context on any number of threads. Public methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "acs/endpoint/session_driver.h"
#include "base/beast.h"
#include "base/result.h"

namespace ruru::acs::endpoint {

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
