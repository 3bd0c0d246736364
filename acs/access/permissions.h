// Roles and permissions: the one declarative table of what each role may do (issue 7).
//
// Every API route names an action (api/routes.cpp); creating a task names the action of its type
// (TaskTypeInfo::action). Permissions() lists every action once, with the roles allowed to perform
// it and the roles that must give a reason. The API checks it, `acsctl roles` and docs/security.md
// print it, and tests check that every route's and every task type's action is in it, so nothing
// can be reachable without an entry. Later features (firmware, campaigns, quarantine) add their
// actions here.
//
// Pure: no I/O, no locks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ruru::acs::access {

enum class Role : uint8_t { kAdmin, kHelpdesk, kSecurity, kFirmware, kNoc, kReadonly };

const std::vector<Role>& AllRoles();   // in the order above
std::string_view ToString(Role role);  // "admin", "helpdesk", ...
std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleSummary(Role role);  // one line for docs and `acsctl roles`

// A set of roles as a bit mask.
class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= Bit(r);
  }
  static constexpr RoleSet All() {
    return {Role::kAdmin, Role::kHelpdesk, Role::kSecurity, Role::kFirmware, Role::kNoc, Role::kReadonly};
  }
  constexpr bool Contains(Role r) const { return (bits_ & Bit(r)) != 0; }
  constexpr bool Empty() const { return bits_ == 0; }

 private:
  static constexpr uint8_t Bit(Role r) { return static_cast<uint8_t>(1u << static_cast<uint8_t>(r)); }
  uint8_t bits_ = 0;
};

struct Permission {
  std::string_view action;       // "tasks.create.reboot"
  std::string_view description;  // what it lets a user do
  RoleSet allowed;               // roles that may perform it
  RoleSet reason_required;       // of those, the ones that must give a reason (X-Ruru-Reason)
  bool changes_state = true;     // audited (false: a read)
};

// Every action, grouped by area, in a stable order.
const std::vector<Permission>& Permissions();
const Permission* FindPermission(std::string_view action);

struct Decision {
  enum class Kind { kAllowed, kDenied, kReasonRequired, kUnknownAction };
  Kind kind = Kind::kDenied;
  bool allowed() const { return kind == Kind::kAllowed; }
};

// Whether `role` may perform `action`; `has_reason`: the request carries a non-empty reason.
// An action missing from the table is refused (kUnknownAction), never allowed by default.
Decision Check(Role role, std::string_view action, bool has_reason);

// The table as Markdown (one row per action, one column per role: "yes", "reason" when a reason
// is required, "" when denied), as docs/security.md shows it; a test keeps the two equal.
std::string PermissionTableMarkdown();

// The longest reason accepted (bytes); a longer one is a client error.
inline constexpr size_t kMaxReasonBytes = 500;

}  // namespace ruru::acs::access
