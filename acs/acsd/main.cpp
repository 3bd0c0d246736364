// acsd: the Ruru ACS server. `acsd run` serves CWMP (acs/server), `acsd migrate` manages the
// database schema, `acsd tokens` manages REST API tokens, `acsd config` explains the
// configuration. main() only parses the command line and wires the parts together.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

#include "acs/server/api/values.h"
#include "acs/server/api_tokens.h"
#include "acs/server/config.h"
#include "acs/server/rekey.h"
#include "acs/server/server.h"
#include "base/clock.h"
#include "db/audit_store.h"
#include "db/migrator.h"
#include "db/pg/pg_inventory.h"

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

// ---- acsd tokens ---------------------------------------------------------------------------------

std::unique_ptr<ruru::db::DeviceAdmin> OpenTokenStore(const std::string& dsn) {
  ruru::db::pg::PgOptions pg;
  pg.dsn = dsn;
  pg.pool_size = 1;
  return ruru::db::pg::OpenDeviceAdmin(pg);
}

// The host-side commands change what the API does (tokens) or how secrets are stored (rekey): they
// are written to the audit log like the API's own changes, by "acsd-cli:<user>" (the invoking
// user, the one behind sudo when there is one), role "host".
std::string HostActor() {
  std::string user;
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') user = sudo;
  if (user.empty()) {
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) user = pw->pw_name;
  }
  if (user.empty()) user = "uid" + std::to_string(::geteuid());
  return "acsd-cli:" + user;
}

ruru::Status AuditHost(const std::string& dsn, const std::string& action, const std::string& target,
                       const nlohmann::json& params, const std::string& result) {
  ruru::db::pg::PgOptions pg;
  pg.dsn = dsn;
  pg.pool_size = 1;
  ruru::db::AuditEntry e;
  e.at = ruru::SystemClock::Instance().Now();
  e.actor = HostActor();
  e.role = "host";
  e.action = action;
  e.target = target;
  e.params_json = params.dump();
  e.result = result;
  auto id = ruru::db::pg::OpenAuditStore(pg)->Append(e);
  if (!id) return id.error();
  return ruru::Status::Ok();
}

// Writes `token` to `path` with mode 0600 (a temporary file renamed into place, so a reader never
// sees half a token and an existing file of another mode is replaced, not reused).
ruru::Status WriteTokenFile(const std::string& path, const std::string& token) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return ruru::InvalidArgument(tmp + ": " + std::strerror(errno));
  const std::string line = token + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  const int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(ok ? errno : saved);
    ::unlink(tmp.c_str());
    return ruru::InvalidArgument(path + ": " + why);
  }
  return ruru::Status::Ok();
}

int RunTokensCreate(const std::string& dsn, const std::string& name, const std::string& role,
                    const std::string& expires_in, const std::string& output) {
  if (auto st = ruru::acs::ValidateApiTokenName(name); !st.ok()) {
    std::cerr << "acsd tokens create: --name: " << st.error().message << "\n";
    return kExitUsage;
  }
  if (auto st = ruru::acs::ValidateApiTokenRole(role); !st.ok()) {
    std::cerr << "acsd tokens create: --role: " << st.error().message << "\n";
    return kExitUsage;
  }
  const auto now = ruru::SystemClock::Instance().Now();
  std::optional<ruru::db::TimePoint> expires_at;
  if (!expires_in.empty()) {
    auto lifetime = ruru::acs::ParseApiTokenLifetime(expires_in);
    if (!lifetime) {
      std::cerr << "acsd tokens create: --expires-in: " << lifetime.error().message << "\n";
      return kExitUsage;
    }
    expires_at = now + *lifetime;
  }
  const std::string token = ruru::acs::GenerateApiToken();
  auto store = OpenTokenStore(dsn);
  auto created = store->CreateToken(name, role, ruru::acs::ApiTokenSha256(token), ruru::acs::ApiTokenPrefix(token),
                                    now, expires_at);
  if (!created.ok()) {
    if (created.error().code == ruru::ErrorCode::kConflict) {
      std::cerr << "acsd tokens create: a token named '" << name << "' exists (revoke it or choose another name)\n";
      return kExitFailed;
    }
    return Fail("tokens create", created.error());
  }
  nlohmann::json params = {{"command", "acsd tokens create"}, {"name", name}, {"role", role}};
  if (expires_at) params["expires_at"] = ruru::acs::api::FormatTime(*expires_at);
  if (auto st = AuditHost(dsn, "tokens.write", "token:" + name, params, "ok"); !st.ok()) {
    // A token nobody can account for is not handed out.
    std::cerr << "acsd tokens create: audit log: " << st.error().message << "; revoking the token\n";
    (void)store->RevokeToken(name, now);
    return ExitCodeFor(st.error());
  }
  const std::string expiry =
      expires_at ? "expires " + ruru::acs::api::FormatTime(*expires_at) : std::string("does not expire");
  if (output.empty()) {
    std::cout << token << "\n";  // shown once: only its hash is stored
    std::cerr << "created API token '" << name << "' (role " << role << ", prefix " << created->prefix << ", "
              << expiry << "); it is shown only now\n";
    return kExitOk;
  }
  if (auto st = WriteTokenFile(output, token); !st.ok()) {
    std::cerr << "acsd tokens create: --output: " << st.error().message << "; revoking the token\n";
    (void)store->RevokeToken(name, now);
    return kExitFailed;
  }
  std::cout << "created API token '" << name << "' (role " << role << ", prefix " << created->prefix << ", " << expiry
            << ") in " << output << "\n";
  return kExitOk;
}

int RunTokensList(const std::string& dsn) {
  auto tokens = OpenTokenStore(dsn)->ListTokens();
  if (!tokens.ok()) return Fail("tokens list", tokens.error());
  const auto when = [](const std::optional<ruru::db::TimePoint>& t) {
    return t ? ruru::acs::api::FormatTime(*t) : std::string("-");
  };
  std::printf("%-24s %-8s %-14s %-24s %-24s %-24s %s\n", "NAME", "ROLE", "PREFIX", "CREATED", "EXPIRES", "REVOKED",
              "LAST USED");
  for (const auto& t : *tokens) {
    std::printf("%-24s %-8s %-14s %-24s %-24s %-24s %s\n", t.name.c_str(), t.role.c_str(), t.prefix.c_str(),
                ruru::acs::api::FormatTime(t.created_at).c_str(), when(t.expires_at).c_str(),
                when(t.revoked_at).c_str(), when(t.last_used_at).c_str());
  }
  return kExitOk;
}

int RunTokensRevoke(const std::string& dsn, const std::string& name) {
  ruru::Status st = OpenTokenStore(dsn)->RevokeToken(name, ruru::SystemClock::Instance().Now());
  if (!st.ok()) {
    if (st.error().code == ruru::ErrorCode::kNotFound) {
      std::cerr << "acsd tokens revoke: no API token named '" << name << "'\n";
      return kExitFailed;
    }
    return Fail("tokens revoke", st.error());
  }
  if (auto audited = AuditHost(dsn, "tokens.write", "token:" + name,
                               {{"command", "acsd tokens revoke"}, {"name", name}}, "ok");
      !audited.ok()) {
    std::cout << "revoked API token '" << name << "'\n";
    std::cerr << "acsd tokens revoke: the revocation is done but not in the audit log: " << audited.error().message
              << "\n";
    return ExitCodeFor(audited.error());
  }
  std::cout << "revoked API token '" << name << "' (acsd nodes stop accepting it within api.token_cache_ttl)\n";
  return kExitOk;
}

// `acsd credentials rekey`: every sealed connection-request password under the current key.
int RunRekey(const ruru::acs::Config& cfg, int batch) {
  auto box = ruru::acs::LoadSecretBox(cfg.credentials);
  if (!box) {
    std::cerr << "acsd credentials rekey: " << box.error().message << "\n";
    return kExitUsage;
  }
  ruru::db::pg::PgOptions pg;
  pg.dsn = cfg.database.dsn;
  auto devices = ruru::db::pg::OpenDeviceStore(pg);
  auto report = ruru::acs::RekeySealedSecrets(
      *devices, *box, batch, [](int64_t id, bool pending, const std::string& key_id, const std::string& why) {
        std::cerr << "acsd credentials rekey: device " << id << (pending ? " (pending)" : "")
                  << ": cannot open its password sealed under key '" << key_id << "': " << why
                  << " (add that key to credentials.old_keys_file)\n";
      });
  if (!report) return Fail("credentials rekey", report.error());
  if (auto audited = AuditHost(cfg.database.dsn, "credentials.rekey", "",
                               {{"command", "acsd credentials rekey"},
                                {"key_id", box->current_key_id()},
                                {"resealed", report->resealed},
                                {"changed", report->changed},
                                {"failed", report->failed}},
                               report->failed == 0 ? "ok" : "partial");
      !audited.ok()) {
    std::cerr << "acsd credentials rekey: not in the audit log: " << audited.error().message << "\n";
  }
  std::cout << "re-sealed " << report->resealed << " connection-request passwords under key '"
            << box->current_key_id() << "'" << (report->changed ? ", " + std::to_string(report->changed) +
                                                                     " changed meanwhile (already current)"
                                                               : std::string())
            << (report->failed ? ", " + std::to_string(report->failed) + " could not be opened" : std::string())
            << "\n";
  if (report->failed == 0) {
    std::cout << "no connection-request password is sealed under an old key any more; secrets in task "
                 "arguments are not re-sealed: retire an old key from credentials.old_keys_file once the "
                 "tasks queued before the rotation are final (tasks.max_expiry at most)\n";
  }
  return report->failed == 0 ? kExitOk : kExitFailed;
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

  CLI::App* tokens = app.add_subcommand("tokens", "Create, list and revoke REST API tokens (PostgreSQL: database.dsn)");
  tokens->require_subcommand(1);
  std::string token_name, token_role, token_expires, token_output;
  CLI::App* tokens_create =
      tokens->add_subcommand("create", "Create a token and print it once (only its hash is stored)");
  tokens_create
      ->add_option("--role", token_role, "the token's role: admin, helpdesk, security, firmware, noc or readonly")
      ->required();
  tokens_create->add_option("--name", token_name, "a unique name: 1-64 of A-Z a-z 0-9 _ . @ : -")->required();
  tokens_create->add_option("--expires-in", token_expires, "lifetime, e.g. 90d, 12h, 30m (default: no expiry)");
  tokens_create->add_option("--output", token_output, "write the token to this file (mode 0600) instead of stdout");
  CLI::App* tokens_list = tokens->add_subcommand("list", "List tokens (never the tokens themselves)");
  CLI::App* tokens_revoke = tokens->add_subcommand("revoke", "Revoke a token by name");
  tokens_revoke->add_option("name", token_name, "the token's name")->required();
  for (CLI::App* sub : {tokens_create, tokens_list, tokens_revoke}) {
    sub->add_option("--config", config_file, "configuration file (INI) with database.dsn")->envname("RURU_CONFIG");
    sub->add_option("--dsn", dsn, "PostgreSQL connection string (default: database.dsn of --config)")
        ->envname("RURU_DB_DSN");
  }

  CLI::App* version = app.add_subcommand("version", "Print the version and the database schema version");
  CLI::App* credentials = app.add_subcommand("credentials", "Secrets at rest (connection-request passwords)");
  CLI::App* rekey = credentials->add_subcommand(
      "rekey", "Re-seal every stored connection-request password under the current key (credentials.key_id)");
  int rekey_batch = 500;
  rekey->add_option("--config", config_file, "Configuration file (credentials.*, database.dsn)");
  rekey->add_option("--batch", rekey_batch, "Passwords per database round trip")->check(CLI::Range(3, 10000));
  credentials->require_subcommand(1);

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
  if (rekey->parsed()) {
    auto cfg = ruru::acs::LoadConfig(config_file, Environment(), overrides);
    if (!cfg) {
      std::cerr << "acsd credentials rekey: " << cfg.error().message << "\n";
      return kExitUsage;
    }
    return RunRekey(*cfg, rekey_batch);
  }
  if (tokens->parsed()) {
    if (dsn.empty()) {
      auto cfg = ruru::acs::LoadConfig(config_file, Environment(), {});
      if (!cfg) {
        std::cerr << "acsd tokens: " << cfg.error().message << "\n";
        return kExitUsage;
      }
      dsn = cfg->database.dsn;
    }
    if (tokens_create->parsed()) return RunTokensCreate(dsn, token_name, token_role, token_expires, token_output);
    if (tokens_list->parsed()) return RunTokensList(dsn);
    return RunTokensRevoke(dsn, token_name);
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
