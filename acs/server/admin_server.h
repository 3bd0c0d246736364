// The admin listener (admin.listen): GET /metrics (Prometheus text), /healthz (the process is
// alive) and /readyz (ready for CPE traffic: listening and the inventory reachable). The REST API
// joins it in a later release. Plain HTTP/1.1 over Beast; small limits, no authentication yet
// (bind it to loopback or a management network).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "acs/server/metrics.h"
#include "base/asio.h"
#include "base/result.h"

namespace ruru::acs {

class AdminServer {
 public:
  // `ready` returns "" when ready, else the reason (shown by /readyz with 503).
  AdminServer(asio::io_context& ioc, std::string listen, MetricsRegistry& metrics, std::function<std::string()> ready);
  ~AdminServer();
  Status Listen();
  void Start();
  void Stop();
  uint16_t port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ruru::acs
