// acsd: the Ruru ACS server. For now it only manages the database schema; the CWMP server comes
// in a later release. main() only parses the command line and wires the parts together.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "db/migrator.h"

#ifndef RURU_VERSION
#define RURU_VERSION "dev"  // acs/CMakeLists.txt should define it from PROJECT_VERSION
#endif

namespace {

// Exit codes, documented in docs/operations.md.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;        // refused or failed; retrying the same thing fails again
constexpr int kExitUsage = 2;         // bad command line
constexpr int kExitUnavailable = 75;  // EX_TEMPFAIL: database unreachable or lock timeout; retry

std::string VersionLabel(int version) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "V%04d", version);
  return buf;
}

int ExitCodeFor(const ruru::Error& error) {
  return error.code == ruru::ErrorCode::kUnavailable ? kExitUnavailable : kExitFailed;
}

int Fail(const char* what, const ruru::Error& error) {
  std::cerr << "acsd " << what << ": " << ruru::ToString(error.code) << ": " << error.message << "\n";
  return ExitCodeFor(error);
}

int RunMigrate(const std::string& dsn) {
  auto report = ruru::db::Migrate(dsn, ruru::db::BuiltinMigrations());
  if (!report.ok()) return Fail("migrate", report.error());
  for (const ruru::db::AppliedMigration& m : report->applied) {
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

int RunMigrateStatus(const std::string& dsn) {
  const auto& known = ruru::db::BuiltinMigrations();
  auto applied = ruru::db::ListAppliedMigrations(dsn);
  if (!applied.ok()) return Fail("migrate --status", applied.error());

  std::map<int, const ruru::db::AppliedMigration*> applied_by_version;
  for (const auto& a : *applied) applied_by_version[a.version] = &a;
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

  auto plan = ruru::db::PlanMigrations(known, *applied);
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

}  // namespace

int main(int argc, char** argv) {
  // Logs go to stderr; stdout carries the command's own output. Set before anything logs, since
  // the db logger copies the default logger's sinks.
  spdlog::set_default_logger(spdlog::stderr_color_mt("acsd"));

  const std::string version_line = std::string("acsd ") + RURU_VERSION + " (database schema " +
                                   VersionLabel(ruru::db::BuiltinMigrations().back().version) + ")";

  CLI::App app{"Ruru TR-069 (CWMP) Auto-Configuration Server", "acsd"};
  app.set_version_flag("--version", version_line);
  app.require_subcommand(0, 1);

  std::string dsn;
  bool status = false;
  CLI::App* migrate = app.add_subcommand("migrate", "Apply the database migrations built into acsd");
  migrate
      ->add_option("--dsn", dsn,
                   "PostgreSQL connection string or URI (keep passwords out of argv: "
                   "prefer the environment variable or ~/.pgpass)")
      ->envname("RURU_DB_DSN")
      ->required();
  migrate->add_flag("--status", status, "Show applied and pending migrations; change nothing");

  CLI::App* version = app.add_subcommand("version", "Print the version and the database schema version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints help, the version or the error
    return rc == 0 ? kExitOk : kExitUsage;
  }

  if (migrate->parsed()) return status ? RunMigrateStatus(dsn) : RunMigrate(dsn);
  if (version->parsed()) {
    std::cout << version_line << "\n";
    return kExitOk;
  }
  std::cerr << app.help() << "\n"
            << "acsd: no command given. The CWMP server arrives in a later release; for now acsd only\n"
               "manages the database schema (acsd migrate).\n";
  return kExitUsage;
}
