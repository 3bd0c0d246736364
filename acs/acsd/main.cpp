// acsd: the Ruru ACS server. `acsd run` serves CWMP (acs/server), `acsd migrate` manages the
// database schema, `acsd config` explains the configuration. main() only parses the command line
// and wires the parts together.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "acs/server/config.h"
#include "acs/server/server.h"
#include "db/migrator.h"

extern char** environ;

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

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string kv(*e);
    const size_t eq = kv.find('=');
    if (eq != std::string::npos && kv.rfind("RURU_", 0) == 0) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

spdlog::level::level_enum LevelOf(const std::string& level) { return spdlog::level::from_str(level); }

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
  std::string config_file;
  std::vector<std::string> overrides;
  bool status = false;
  CLI::App* migrate = app.add_subcommand("migrate", "Apply the database migrations built into acsd");
  migrate->add_option("--dsn", dsn,
                      "PostgreSQL connection string or URI (default: database.dsn of --config; keep passwords "
                      "out of argv: prefer the environment variable or ~/.pgpass)")
      ->envname("RURU_DB_DSN");
  migrate->add_option("--config", config_file, "configuration file (INI)")->envname("RURU_CONFIG");
  migrate->add_flag("--status", status, "Show applied and pending migrations; change nothing");

  std::string ready_file;
  CLI::App* run = app.add_subcommand("run", "Serve CWMP (and the admin listener) until SIGTERM/SIGINT");
  run->add_option("--config", config_file, "configuration file (INI); see `acsd config keys`")->envname("RURU_CONFIG");
  run->add_option("--set", overrides, "override one key: section.key=value (repeatable; beats file and env)");
  run->add_option("--ready-file", ready_file, "write the bound ports to this file once listening");

  CLI::App* config_cmd = app.add_subcommand("config", "Explain or check the configuration");
  config_cmd->require_subcommand(1);
  CLI::App* keys = config_cmd->add_subcommand("keys", "List every key, its environment variable and default");
  CLI::App* show = config_cmd->add_subcommand("show", "Load the configuration and print it (secrets hidden)");
  show->add_option("--config", config_file, "configuration file (INI)")->envname("RURU_CONFIG");
  show->add_option("--set", overrides, "override one key: section.key=value");

  CLI::App* version = app.add_subcommand("version", "Print the version and the database schema version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints help, the version or the error
    return rc == 0 ? kExitOk : kExitUsage;
  }

  if (migrate->parsed()) {
    if (dsn.empty() && !config_file.empty()) {
      std::map<std::string, std::string> env = Environment();
      auto cfg = ruru::acs::LoadConfig(config_file, env, {});
      if (!cfg) {
        std::cerr << "acsd migrate: " << cfg.error().message << "\n";
        return kExitUsage;
      }
      dsn = cfg->database.dsn;
    }
    if (dsn.empty()) {
      std::cerr << "acsd migrate: give --dsn, RURU_DB_DSN or --config with database.dsn\n";
      return kExitUsage;
    }
    return status ? RunMigrateStatus(dsn) : RunMigrate(dsn);
  }
  if (keys->parsed()) {
    for (const auto& k : ruru::acs::ConfigKeys()) {
      std::cout << k.key << "  (" << k.env << ", default " << (k.default_value.empty() ? "\"\"" : k.default_value)
                << ")\n    " << k.help << "\n";
    }
    return kExitOk;
  }
  if (show->parsed() || run->parsed()) {
    auto cfg = ruru::acs::LoadConfig(config_file, Environment(), overrides);
    if (!cfg) {
      std::cerr << "acsd: configuration: " << cfg.error().message << "\n";
      return kExitUsage;
    }
    if (show->parsed()) {
      std::cout << ruru::acs::Dump(*cfg);
      return kExitOk;
    }
    spdlog::set_level(LevelOf(cfg->log.level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%n] %v");
    // A database that was migrated by a newer acsd is refused; an older one is migrated by `acsd migrate`.
    ruru::acs::ServerOptions options;
    options.ready_file = ready_file;
    ruru::Status st = ruru::acs::RunServer(*cfg, options);
    if (!st.ok()) return Fail("run", st.error());
    return kExitOk;
  }
  if (version->parsed()) {
    std::cout << version_line << "\n";
    return kExitOk;
  }
  std::cerr << app.help() << "\n"
            << "acsd: no command given (acsd run --config FILE serves CWMP; acsd migrate applies the schema)\n";
  return kExitUsage;
}
