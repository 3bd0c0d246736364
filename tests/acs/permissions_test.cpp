// The permission table (acs/access/permissions.h): complete for every API route and task type, and
// the rules the issue states (helpdesk may read, refresh and reboot, not factory-reset without a
// reason, push firmware or change configuration; readonly changes nothing).
#include "acs/access/permissions.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "acs/api/rest_api.h"
#include "acs/tasks/task_types.h"
#include "tests/support/test_paths.h"

namespace ruru::acs::access {
namespace {

bool Allowed(Role role, std::string_view action, bool reason = false) {
  return Check(role, action, reason).allowed();
}

TEST(Permissions, RoleNamesRoundTrip) {
  ASSERT_EQ(AllRoles().size(), 6u);
  std::set<std::string> names;
  for (Role r : AllRoles()) {
    names.insert(std::string(ToString(r)));
    ASSERT_TRUE(ParseRole(ToString(r)).has_value());
    EXPECT_EQ(*ParseRole(ToString(r)), r);
    EXPECT_FALSE(RoleSummary(r).empty());
  }
  EXPECT_EQ(names, (std::set<std::string>{"admin", "helpdesk", "security", "firmware", "noc", "readonly"}));
  EXPECT_FALSE(ParseRole("Admin").has_value());
  EXPECT_FALSE(ParseRole("").has_value());
  EXPECT_FALSE(ParseRole("root").has_value());
}

TEST(Permissions, EveryActionOnceWithADescriptionAndSomeRole) {
  std::set<std::string_view> seen;
  for (const Permission& p : Permissions()) {
    EXPECT_TRUE(seen.insert(p.action).second) << p.action << " listed twice";
    EXPECT_FALSE(p.description.empty()) << p.action;
    EXPECT_FALSE(p.allowed.Empty()) << p.action;
    EXPECT_TRUE(p.allowed.Contains(Role::kAdmin)) << p.action << ": admin may do everything";
    for (Role r : AllRoles()) {
      if (p.reason_required.Contains(r)) {
        EXPECT_TRUE(p.allowed.Contains(r)) << p.action;
      }
    }
  }
}

TEST(Permissions, EveryRouteAndTaskTypeNamesAnActionOfTheTable) {
  for (const api::RouteInfo& route : api::RouteTable()) {
    EXPECT_NE(FindPermission(route.action), nullptr) << route.method << " " << route.path << ": " << route.action;
  }
  for (const tasks::TaskTypeInfo& type : tasks::TaskTypes()) {
    const Permission* p = FindPermission(type.action);
    ASSERT_NE(p, nullptr) << type.name << ": " << type.action;
    EXPECT_TRUE(p->changes_state) << type.name;
  }
}

TEST(Permissions, ReadonlyChangesNothing) {
  for (const Permission& p : Permissions()) {
    if (p.changes_state) {
      EXPECT_FALSE(Allowed(Role::kReadonly, p.action)) << p.action;
    }
  }
  for (const char* read : {"devices.read", "tasks.read", "faults.read", "self.read", "roles.read"}) {
    EXPECT_TRUE(Allowed(Role::kReadonly, read)) << read;
  }
  EXPECT_FALSE(Allowed(Role::kReadonly, "tokens.read"));  // who holds which token is not for everyone
}

TEST(Permissions, HelpdeskReadsRefreshesAndRebootsOnly) {
  const auto type_action = [](std::string_view type) { return tasks::FindTaskType(type)->action; };
  EXPECT_TRUE(Allowed(Role::kHelpdesk, "devices.read"));
  EXPECT_TRUE(Allowed(Role::kHelpdesk, type_action("refresh")));
  EXPECT_TRUE(Allowed(Role::kHelpdesk, type_action("get_parameter_values")));
  EXPECT_TRUE(Allowed(Role::kHelpdesk, type_action("reboot")));
  EXPECT_FALSE(Allowed(Role::kHelpdesk, type_action("set_parameter_values")));
  EXPECT_FALSE(Allowed(Role::kHelpdesk, type_action("provision")));
  EXPECT_FALSE(Allowed(Role::kHelpdesk, type_action("download")));
  EXPECT_FALSE(Allowed(Role::kHelpdesk, type_action("schedule_download")));
  EXPECT_FALSE(Allowed(Role::kHelpdesk, type_action("change_du_state")));
  EXPECT_FALSE(Allowed(Role::kHelpdesk, "devices.delete"));
  EXPECT_FALSE(Allowed(Role::kHelpdesk, "tokens.write"));
  EXPECT_FALSE(Allowed(Role::kHelpdesk, "tags.bulk"));
  // A factory reset only with a reason.
  EXPECT_EQ(Check(Role::kHelpdesk, type_action("factory_reset"), false).kind, Decision::Kind::kReasonRequired);
  EXPECT_TRUE(Allowed(Role::kHelpdesk, type_action("factory_reset"), true));
  EXPECT_TRUE(Allowed(Role::kSecurity, type_action("factory_reset"), false));  // no reason needed
}

TEST(Permissions, FirmwarePushesTransfersSecurityConfigures) {
  EXPECT_TRUE(Allowed(Role::kFirmware, "tasks.create.transfer"));
  EXPECT_FALSE(Allowed(Role::kSecurity, "tasks.create.transfer"));
  EXPECT_TRUE(Allowed(Role::kSecurity, "tasks.create.configure"));
  EXPECT_FALSE(Allowed(Role::kFirmware, "tasks.create.configure"));
  EXPECT_FALSE(Allowed(Role::kNoc, "tasks.create.reboot"));
  EXPECT_TRUE(Allowed(Role::kNoc, "audit.read"));
  EXPECT_FALSE(Allowed(Role::kHelpdesk, "audit.read"));
  for (Role r : AllRoles()) {
    EXPECT_EQ(Allowed(r, "tokens.write"), r == Role::kAdmin) << ToString(r);
  }
}

// docs/security.md shows the table exactly as the server enforces it.
TEST(Permissions, DocumentedTableIsTheTable) {
  std::ifstream in(std::string(RURU_SOURCE_DIR) + "/docs/security.md", std::ios::binary);
  ASSERT_TRUE(in.good()) << "docs/security.md is missing";
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string table = PermissionTableMarkdown();
  EXPECT_NE(doc.str().find(table), std::string::npos) << "docs/security.md must contain this table:\n" << table;
}

TEST(Permissions, UnknownActionIsRefusedForEveryone) {
  for (Role r : AllRoles()) {
    EXPECT_EQ(Check(r, "devices.explode", true).kind, Decision::Kind::kUnknownAction);
    EXPECT_EQ(Check(r, "", true).kind, Decision::Kind::kUnknownAction);
  }
}

}  // namespace
}  // namespace ruru::acs::access
