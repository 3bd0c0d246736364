// acsd migrate [--status]: apply the migrations built into acsd, or show what is applied.
#include <iostream>
#include <memory>

#include "acs/acsd/commands.h"
#include "db/migrator.h"

namespace ruru::acsd {
namespace {

int RunMigrate(const std::string& dsn) {
  auto report = db::Migrate(dsn, db::BuiltinMigrations());
  if (!report.ok()) return Fail("migrate", report.error());
  for (const db::AppliedMigration& m : report->applied) {
    std::cout << "applied " << VersionLabel(m.version) << " " << m.name << " at " << m.applied_at << "\n";
  }
  if (report->applied.empty()) {
    std::cout << "schema is up to date at " << VersionLabel(report->version_after) << "\n";
  } else {
    std::cout << "schema migrated from " << VersionLabel(report->version_before) << " to "
              << VersionLabel(report->version_after) << "\n";
  }
  return kExitOk;
}

// One line per migration, known or applied, in version order.
void PrintMigrationLines(const std::vector<db::Migration>& known, const std::vector<db::AppliedMigration>& applied) {
  std::map<int, const db::AppliedMigration*> applied_by_version;
  for (const auto& a : applied) applied_by_version[a.version] = &a;
  std::map<int, std::string> lines;
  for (const auto& m : known) {
    auto it = applied_by_version.find(m.version);
    lines[m.version] = VersionLabel(m.version) + "  " + m.name + "  " +
                       (it == applied_by_version.end() ? std::string("pending") : "applied " + it->second->applied_at);
  }
  for (const auto& [version, a] : applied_by_version) {
    if (lines.count(version) == 0) {
      lines[version] = VersionLabel(version) + "  " + a->name + "  applied " + a->applied_at +
                       "  UNKNOWN to this acsd (newer schema)";
    }
  }
  for (const auto& [version, line] : lines) std::cout << line << "\n";
}

int RunMigrateStatus(const std::string& dsn) {
  const auto& known = db::BuiltinMigrations();
  auto applied = db::ListAppliedMigrations(dsn);
  if (!applied.ok()) return Fail("migrate --status", applied.error());
  PrintMigrationLines(known, *applied);
  auto plan = db::PlanMigrations(known, *applied);
  if (!plan.ok()) {
    std::cout << "status: refused: " << plan.error().message << "\n";
    return kExitFailed;
  }
  int current = 0;
  for (const auto& a : *applied) current = std::max(current, a.version);
  if (plan->empty()) {
    std::cout << "status: up to date at " << VersionLabel(current) << "\n";
  } else {
    std::cout << "status: at " << VersionLabel(current) << ", " << plan->size()
              << " pending; run `acsd migrate` to apply\n";
  }
  return kExitOk;
}

struct MigrateOptions {
  std::string dsn;
  std::string config_file;
  bool status = false;
};

}  // namespace

Command AddMigrateCommand(CLI::App& app) {
  auto o = std::make_shared<MigrateOptions>();
  CLI::App* cmd = app.add_subcommand("migrate", "Apply the database migrations built into acsd");
  cmd->add_option("--dsn", o->dsn,
                  "PostgreSQL connection string or URI (default: database.dsn of --config; keep passwords "
                  "out of argv: prefer the environment variable or ~/.pgpass)")
      ->envname("RURU_DB_DSN");
  cmd->add_option("--config", o->config_file, "configuration file (INI)")->envname("RURU_CONFIG");
  cmd->add_flag("--status", o->status, "Show applied and pending migrations; change nothing");
  return {cmd, [o] {
            if (o->dsn.empty() && !o->config_file.empty()) {
              auto cfg = LoadConfigOrComplain("acsd migrate: ", o->config_file, {});
              if (!cfg) return kExitUsage;
              o->dsn = cfg->database.dsn;
            }
            if (o->dsn.empty()) {
              std::cerr << "acsd migrate: give --dsn, RURU_DB_DSN or --config with database.dsn\n";
              return kExitUsage;
            }
            return o->status ? RunMigrateStatus(o->dsn) : RunMigrate(o->dsn);
          }};
}

}  // namespace ruru::acsd
