#include "acs/access/permissions.h"

#include <array>
#include <string>

namespace ruru::acs::access {
namespace {

constexpr Role A = Role::kAdmin;
constexpr Role H = Role::kHelpdesk;
constexpr Role S = Role::kSecurity;
constexpr Role F = Role::kFirmware;
constexpr Role N = Role::kNoc;

struct RoleName {
  Role role;
  std::string_view name;
  std::string_view summary;
};

constexpr std::array<RoleName, 6> kRoles = {{
    {Role::kAdmin, "admin", "everything, including tokens, deleting devices and factory resets"},
    {Role::kHelpdesk, "helpdesk",
     "find a customer's device, read it, refresh and reboot it, edit its subscriber reference and tags; a "
     "factory reset needs a reason; no configuration, firmware or quarantine"},
    {Role::kSecurity, "security",
     "read the fleet, change device configuration, factory reset, upload logs and configuration, tag and "
     "bulk-tag devices, read the audit log"},
    {Role::kFirmware, "firmware", "read the fleet, reboot, push firmware and software (transfers), tag and bulk-tag"},
    {Role::kNoc, "noc", "read the fleet, query devices, tag single devices, read the audit log"},
    {Role::kReadonly, "readonly", "read devices, tasks and faults; change nothing"},
}};

const std::vector<Permission> kPermissions = {
    // Devices
    {"devices.read", "list, search and show devices, their parameters and IP history", RoleSet::All(), {}, false},
    {"devices.write", "edit a device's subscriber reference and phone", {A, H, S}, {}, true},
    {"devices.delete", "delete a device from the inventory", {A}, {}, true},
    // Tags
    {"tags.write", "add or remove a tag on one device", {A, H, S, F, N}, {}, true},
    {"tags.bulk", "tag or untag every device matching a filter or a list", {A, S, F}, {}, true},
    // Tasks: reading and cancelling
    {"tasks.read", "list and show tasks", RoleSet::All(), {}, false},
    {"tasks.cancel", "cancel a queued task", {A, H, S, F}, {}, true},
    {"tasks.create", "create tasks at all; each task type also needs its own tasks.create.* permission",
     {A, H, S, F, N}, {}, true},
    // Tasks: creating, by what the task does to the device
    {"tasks.create.query",
     "read from a device: parameter values, names, attributes, transfers, RPCs, refresh",
     {A, H, S, F, N},
     {},
     true},
    {"tasks.create.reboot", "reboot a device or ask it to inform", {A, H, S, F}, {}, true},
    {"tasks.create.configure",
     "change a device's configuration: parameter values and attributes, objects, provision hooks",
     {A, S},
     {},
     true},
    {"tasks.create.factory_reset", "factory-reset a device", {A, H, S}, {H}, true},
    {"tasks.create.transfer",
     "download firmware or files to a device, cancel transfers, change software modules",
     {A, F},
     {},
     true},
    {"tasks.create.upload", "make a device upload its configuration or logs", {A, S}, {}, true},
    // Faults
    {"faults.read", "list and show faults", RoleSet::All(), {}, false},
    {"faults.delete", "delete faults", {A, H}, {}, true},
    // Who may do what
    {"self.read", "show the caller's own token, role and permitted actions", RoleSet::All(), {}, false},
    {"roles.read", "show the roles and this permission table", RoleSet::All(), {}, false},
    // Tokens, audit, approvals
    {"tokens.read", "list API tokens (never their secrets)", {A}, {}, false},
    {"tokens.write", "create and revoke API tokens", {A}, {}, true},
    {"audit.read", "read the audit log", {A, S, N}, {}, false},
    {"approvals.read", "list pending and decided approvals", {A, S, F, N}, {}, false},
    {"approvals.decide", "approve or reject another user's pending action", {A, S, F}, {}, true},
    // The API description itself (no token needed to read it)
    {"openapi.read", "read the OpenAPI document", RoleSet::All(), {}, false},
};

}  // namespace

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> roles = [] {
    std::vector<Role> out;
    for (const RoleName& r : kRoles) out.push_back(r.role);
    return out;
  }();
  return roles;
}

std::string_view ToString(Role role) {
  for (const RoleName& r : kRoles) {
    if (r.role == role) return r.name;
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const RoleName& r : kRoles) {
    if (r.name == name) return r.role;
  }
  return std::nullopt;
}

std::string_view RoleSummary(Role role) {
  for (const RoleName& r : kRoles) {
    if (r.role == role) return r.summary;
  }
  return "";
}

const std::vector<Permission>& Permissions() { return kPermissions; }

const Permission* FindPermission(std::string_view action) {
  for (const Permission& p : kPermissions) {
    if (p.action == action) return &p;
  }
  return nullptr;
}

std::string PermissionTableMarkdown() {
  std::string out = "| action |";
  std::string rule = "|---|";
  for (Role r : AllRoles()) {
    out += " " + std::string(ToString(r)) + " |";
    rule += ":-:|";
  }
  out += " what it allows |\n" + rule + "---|\n";
  for (const Permission& p : kPermissions) {
    out += "| `" + std::string(p.action) + "` |";
    for (Role r : AllRoles()) {
      out += p.reason_required.Contains(r) ? " reason |" : p.allowed.Contains(r) ? " yes |" : " |";
    }
    out += " " + std::string(p.description) + " |\n";
  }
  return out;
}

Decision Check(Role role, std::string_view action, bool has_reason) {
  const Permission* p = FindPermission(action);
  if (p == nullptr) return {Decision::Kind::kUnknownAction};
  if (!p->allowed.Contains(role)) return {Decision::Kind::kDenied};
  if (p->reason_required.Contains(role) && !has_reason) return {Decision::Kind::kReasonRequired};
  return {Decision::Kind::kAllowed};
}

}  // namespace ruru::acs::access
