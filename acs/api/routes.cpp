// The route table: every endpoint of REST API v1, its permission (action), accepted query
// parameters and body. openapi.json documents exactly these (api_test checks both ways).
#include "acs/api/handlers.h"

namespace ruru::acs::api {
namespace {
struct V {
  static constexpr std::string_view get = "GET", post = "POST", patch = "PATCH", delete_ = "DELETE";
};
}  // namespace

const std::vector<Route>& Routes() {
  using B = BodyKind;
  static const std::vector<Route> routes = {
      {V::get, "/api/v1/openapi.json", "openapi.read", {}, B::kNone, false, &GetOpenApi},

      {V::get, "/api/v1/devices", "devices.read",
       {"q", "serial", "oui", "product_class", "software_version", "tag", "online", "ip", "at", "limit", "cursor"},
       B::kNone, true, &ListDevices},
      {V::get, "/api/v1/devices/{id}", "devices.read", {}, B::kNone, true, &GetDevice},
      {V::patch, "/api/v1/devices/{id}", "devices.write", {}, B::kJson, true, &PatchDevice},
      {V::delete_, "/api/v1/devices/{id}", "devices.delete", {}, B::kNone, true, &DeleteDevice},
      {V::get, "/api/v1/devices/{id}/parameters", "devices.read", {"prefix"}, B::kNone, true, &GetParameters},
      {V::get, "/api/v1/devices/{id}/ip_history", "devices.read", {}, B::kNone, true, &GetIpHistory},
      {V::post, "/api/v1/devices/{id}/tags/{tag}", "tags.write", {}, B::kNone, true, &AddDeviceTag},
      {V::delete_, "/api/v1/devices/{id}/tags/{tag}", "tags.write", {}, B::kNone, true, &RemoveDeviceTag},
      {V::post, "/api/v1/tags/{tag}/devices", "tags.bulk", {}, B::kJsonOrList, true, &BulkAddTag},
      {V::delete_, "/api/v1/tags/{tag}/devices", "tags.bulk", {}, B::kJsonOrList, true, &BulkRemoveTag},

      {V::post, "/api/v1/devices/{id}/tasks", "tasks.create", {"connection_request", "wait"}, B::kJson, true,
       &CreateTask},
      {V::get, "/api/v1/tasks", "tasks.read", {"device", "state", "limit", "cursor"}, B::kNone, true, &ListTasks},
      {V::get, "/api/v1/tasks/{id}", "tasks.read", {"wait"}, B::kNone, true, &GetTask},
      {V::delete_, "/api/v1/tasks/{id}", "tasks.cancel", {}, B::kNone, true, &CancelTask},

      {V::get, "/api/v1/faults", "faults.read", {"device", "task", "limit", "cursor"}, B::kNone, true, &ListFaults},
      {V::delete_, "/api/v1/faults", "faults.delete", {"device"}, B::kNone, true, &DeleteFaults},
      {V::get, "/api/v1/faults/{id}", "faults.read", {}, B::kNone, true, &GetFault},
      {V::delete_, "/api/v1/faults/{id}", "faults.delete", {}, B::kNone, true, &DeleteFault},

      {V::get, "/api/v1/me", "self.read", {}, B::kNone, true, &GetMe},
      {V::get, "/api/v1/roles", "roles.read", {}, B::kNone, true, &GetRoles},
      {V::get, "/api/v1/tokens", "tokens.read", {}, B::kNone, true, &ListTokens},
      {V::post, "/api/v1/tokens", "tokens.write", {}, B::kJson, true, &CreateToken},
      {V::delete_, "/api/v1/tokens/{name}", "tokens.write", {}, B::kNone, true, &RevokeToken},
      {V::get, "/api/v1/audit", "audit.read", {"since", "until", "actor", "action", "device", "result", "limit", "cursor"},
       B::kNone, true, &ListAudit},
      {V::get, "/api/v1/approvals", "approvals.read", {"state", "limit", "cursor"}, B::kNone, true, &ListApprovals},
      {V::get, "/api/v1/approvals/{id}", "approvals.read", {}, B::kNone, true, &GetApproval},
      {V::post, "/api/v1/approvals/{id}/approve", "approvals.decide", {}, B::kNone, true, &ApproveApproval},
      {V::post, "/api/v1/approvals/{id}/reject", "approvals.decide", {}, B::kNone, true, &RejectApproval},
  };
  return routes;
}

std::vector<RouteInfo> RouteTable() {
  std::vector<RouteInfo> out;
  for (const Route& r : Routes()) {
    RouteInfo info;
    info.method = std::string(r.method);
    info.path = std::string(r.pattern);
    info.action = std::string(r.action);
    for (auto q : r.query) info.query.emplace_back(q);
    info.authenticated = r.authenticated;
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace ruru::acs::api
