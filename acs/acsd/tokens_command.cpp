// acsd tokens create|list|revoke: REST API tokens, managed on the host with the database's
// credentials (only a token's hash is stored; creation and revocation are audited).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include "acs/access/api_tokens.h"
#include "acs/acsd/commands.h"
#include "acs/api/values.h"
#include "base/clock.h"
#include "db/device_admin.h"
#include "db/pg/pg_inventory.h"

namespace ruru::acsd {
namespace {

std::unique_ptr<db::DeviceAdmin> OpenTokenStore(const std::string& dsn) {
  db::pg::PgOptions pg;
  pg.dsn = dsn;
  pg.pool_size = 1;
  return db::pg::OpenDeviceAdmin(pg);
}

// Writes `token` to `path` with mode 0600 (a temporary file renamed into place, so a reader never
// sees half a token and an existing file of another mode is replaced, not reused).
Status WriteTokenFile(const std::string& path, const std::string& token) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return InvalidArgument(tmp + ": " + std::strerror(errno));
  const std::string line = token + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  const int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(ok ? errno : saved);
    ::unlink(tmp.c_str());
    return InvalidArgument(path + ": " + why);
  }
  return Status::Ok();
}

int RunTokensCreate(const std::string& dsn, const std::string& name, const std::string& role,
                    const std::string& expires_in, const std::string& output) {
  if (auto st = acs::access::ValidateApiTokenName(name); !st.ok()) {
    std::cerr << "acsd tokens create: --name: " << st.error().message << "\n";
    return kExitUsage;
  }
  if (auto st = acs::access::ValidateApiTokenRole(role); !st.ok()) {
    std::cerr << "acsd tokens create: --role: " << st.error().message << "\n";
    return kExitUsage;
  }
  const auto now = SystemClock::Instance().Now();
  std::optional<db::TimePoint> expires_at;
  if (!expires_in.empty()) {
    auto lifetime = acs::access::ParseApiTokenLifetime(expires_in);
    if (!lifetime) {
      std::cerr << "acsd tokens create: --expires-in: " << lifetime.error().message << "\n";
      return kExitUsage;
    }
    expires_at = now + *lifetime;
  }
  const std::string token = acs::access::GenerateApiToken();
  auto store = OpenTokenStore(dsn);
  auto created = store->CreateToken(name, role, acs::access::ApiTokenSha256(token), acs::access::ApiTokenPrefix(token),
                                    now, expires_at);
  if (!created.ok()) {
    if (created.error().code == ErrorCode::kConflict) {
      std::cerr << "acsd tokens create: a token named '" << name << "' exists (revoke it or choose another name)\n";
      return kExitFailed;
    }
    return Fail("tokens create", created.error());
  }
  nlohmann::json params = {{"command", "acsd tokens create"}, {"name", name}, {"role", role}};
  if (expires_at) params["expires_at"] = acs::api::FormatTime(*expires_at);
  if (auto st = AuditHost(dsn, "tokens.write", "token:" + name, params, "ok"); !st.ok()) {
    // A token nobody can account for is not handed out.
    std::cerr << "acsd tokens create: audit log: " << st.error().message << "; revoking the token\n";
    (void)store->RevokeToken(name, now);
    return ExitCodeFor(st.error());
  }
  const std::string expiry =
      expires_at ? "expires " + acs::api::FormatTime(*expires_at) : std::string("does not expire");
  if (output.empty()) {
    std::cout << token << "\n";  // shown once: only its hash is stored
    std::cerr << "created API token '" << name << "' (role " << role << ", prefix " << created->prefix << ", " << expiry
              << "); it is shown only now\n";
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
  const auto when = [](const std::optional<db::TimePoint>& t) {
    return t ? acs::api::FormatTime(*t) : std::string("-");
  };
  std::printf("%-24s %-8s %-14s %-24s %-24s %-24s %s\n", "NAME", "ROLE", "PREFIX", "CREATED", "EXPIRES", "REVOKED",
              "LAST USED");
  for (const auto& t : *tokens) {
    std::printf("%-24s %-8s %-14s %-24s %-24s %-24s %s\n", t.name.c_str(), t.role.c_str(), t.prefix.c_str(),
                acs::api::FormatTime(t.created_at).c_str(), when(t.expires_at).c_str(), when(t.revoked_at).c_str(),
                when(t.last_used_at).c_str());
  }
  return kExitOk;
}

int RunTokensRevoke(const std::string& dsn, const std::string& name) {
  Status st = OpenTokenStore(dsn)->RevokeToken(name, SystemClock::Instance().Now());
  if (!st.ok()) {
    if (st.error().code == ErrorCode::kNotFound) {
      std::cerr << "acsd tokens revoke: no API token named '" << name << "'\n";
      return kExitFailed;
    }
    return Fail("tokens revoke", st.error());
  }
  if (auto audited =
          AuditHost(dsn, "tokens.write", "token:" + name, {{"command", "acsd tokens revoke"}, {"name", name}}, "ok");
      !audited.ok()) {
    std::cout << "revoked API token '" << name << "'\n";
    std::cerr << "acsd tokens revoke: the revocation is done but not in the audit log: " << audited.error().message
              << "\n";
    return ExitCodeFor(audited.error());
  }
  std::cout << "revoked API token '" << name << "' (acsd nodes stop accepting it within api.token_cache_ttl)\n";
  return kExitOk;
}

struct TokensOptions {
  std::string config_file, dsn, name, role, expires_in, output;
};

}  // namespace

Command AddTokensCommand(CLI::App& app) {
  auto o = std::make_shared<TokensOptions>();
  CLI::App* cmd = app.add_subcommand("tokens", "Create, list and revoke REST API tokens (PostgreSQL: database.dsn)");
  cmd->require_subcommand(1);
  CLI::App* create = cmd->add_subcommand("create", "Create a token and print it once (only its hash is stored)");
  create->add_option("--role", o->role, "the token's role: admin, helpdesk, security, firmware, noc or readonly")
      ->required();
  create->add_option("--name", o->name, "a unique name: 1-64 of A-Z a-z 0-9 _ . @ : -")->required();
  create->add_option("--expires-in", o->expires_in, "lifetime, e.g. 90d, 12h, 30m (default: no expiry)");
  create->add_option("--output", o->output, "write the token to this file (mode 0600) instead of stdout");
  CLI::App* list = cmd->add_subcommand("list", "List tokens (never the tokens themselves)");
  CLI::App* revoke = cmd->add_subcommand("revoke", "Revoke a token by name");
  revoke->add_option("name", o->name, "the token's name")->required();
  for (CLI::App* sub : {create, list, revoke}) {
    sub->add_option("--config", o->config_file, "configuration file (INI) with database.dsn")->envname("RURU_CONFIG");
    sub->add_option("--dsn", o->dsn, "PostgreSQL connection string (default: database.dsn of --config)")
        ->envname("RURU_DB_DSN");
  }
  return {cmd, [o, create, list] {
            if (o->dsn.empty()) {
              auto cfg = LoadConfigOrComplain("acsd tokens: ", o->config_file, {});
              if (!cfg) return kExitUsage;
              o->dsn = cfg->database.dsn;
            }
            if (create->parsed()) return RunTokensCreate(o->dsn, o->name, o->role, o->expires_in, o->output);
            if (list->parsed()) return RunTokensList(o->dsn);
            return RunTokensRevoke(o->dsn, o->name);
          }};
}

}  // namespace ruru::acsd
