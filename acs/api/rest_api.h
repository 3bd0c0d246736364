// The REST API v1 (docs/api.md, acs/api/openapi.json) on acsd's admin listener: devices,
// tags, tasks, faults. Every endpoint but GET /api/v1/openapi.json needs a bearer token
// (api_tokens.h). Blocking store calls run on `pool` and resume on the connection's strand.
//
// Threading: Handle may run concurrently on any number of strands; the dependencies must be
// thread-safe (the store and TaskService interfaces are) and outlive the RestApi and every
// request in flight.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "acs/access/secret_box.h"
#include "acs/config/config.h"
#include "acs/metrics/metrics.h"
#include "acs/net/admin_server.h"
#include "acs/tasks/task_service.h"
#include "base/asio.h"
#include "base/clock.h"
#include "db/approval_store.h"
#include "db/audit_store.h"
#include "db/device_admin.h"
#include "db/inventory.h"
#include "db/task_store.h"

namespace ruru::acs::api {

struct ApiDeps {
  const config::Config* config = nullptr;  // api.* (limits, waits, token cache, online grace)
  db::DeviceStore* devices = nullptr;     // device, parameters, IP history, events
  db::DeviceAdmin* admin = nullptr;       // search, tags, subscriber, delete, faults, tokens
  db::TaskStore* tasks = nullptr;         // get, list, cancel
  tasks::TaskService* task_service = nullptr;  // create, kick, wait
  const Clock* clock = nullptr;
  asio::thread_pool* pool = nullptr;      // blocking store calls run here
  metrics::MetricsRegistry* metrics = nullptr;  // ruru_api_requests_total, ruru_api_request_seconds
  db::AuditStore* audit = nullptr;        // every state-changing call is written here (none: not audited)
  db::ApprovalStore* approvals = nullptr; // two-person approvals (none: api.two_person_actions must be empty)
  const access::SecretBox* secrets = nullptr;  // seals secrets in a pending approval's body (none: stored as sent)
};

class RestApi final : public net::AdminHandler {
 public:
  explicit RestApi(ApiDeps deps);
  ~RestApi() override;
  RestApi(const RestApi&) = delete;
  RestApi& operator=(const RestApi&) = delete;

  bool Serves(std::string_view path) const override;  // "/api" and everything under "/api/"
  size_t MaxBodyBytes() const override;               // api.max_body_bytes
  web::Response TooLarge(const web::Request& header) override;
  // Callable in process too: co_spawn it on any executor (the dependencies' threading applies).
  asio::awaitable<web::Response> Handle(web::Request request) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The route table as data (for documentation and the OpenAPI consistency test).
struct RouteInfo {
  std::string method;                    // "GET", "POST", "PATCH", "DELETE"
  std::string path;                      // the template: "/api/v1/devices/{id}"
  std::string action;                    // the permission it needs: "devices.read"
  std::vector<std::string> query;        // the query parameters it accepts
  bool authenticated = true;
};
std::vector<RouteInfo> RouteTable();

// The OpenAPI 3.0 document (acs/api/openapi.json, embedded at build time).
std::string_view OpenApiDocument();

}  // namespace ruru::acs::api
