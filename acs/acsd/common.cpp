#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "acs/acsd/commands.h"
#include "base/clock.h"
#include "db/audit_store.h"
#include "db/pg/pg_inventory.h"

extern char** environ;

namespace ruru::acsd {

std::string VersionLabel(int version) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "V%04d", version);
  return buf;
}

int ExitCodeFor(const Error& error) { return error.code == ErrorCode::kUnavailable ? kExitUnavailable : kExitFailed; }

int Fail(const char* what, const Error& error) {
  std::cerr << "acsd " << what << ": " << ToString(error.code) << ": " << error.message << "\n";
  return ExitCodeFor(error);
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

std::optional<acs::config::Config> LoadConfigOrComplain(const char* prefix, const std::string& file,
                                                        const std::vector<std::string>& overrides) {
  auto cfg = acs::config::LoadConfig(file, Environment(), overrides);
  if (!cfg) {
    std::cerr << prefix << cfg.error().message << "\n";
    return std::nullopt;
  }
  return std::move(*cfg);
}

namespace {

std::string HostActor() {
  std::string user;
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') user = sudo;
  if (user.empty()) {
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) user = pw->pw_name;
  }
  if (user.empty()) user = "uid" + std::to_string(::geteuid());
  return "acsd-cli:" + user;
}

}  // namespace

// The host-side commands change what the API does (tokens) or how secrets are stored (rekey): they
// are written to the audit log like the API's own changes.
Status AuditHost(const std::string& dsn, const std::string& action, const std::string& target,
                 const nlohmann::json& params, const std::string& result) {
  db::pg::PgOptions pg;
  pg.dsn = dsn;
  pg.pool_size = 1;
  db::AuditEntry e;
  e.at = SystemClock::Instance().Now();
  e.actor = HostActor();
  e.role = "host";
  e.action = action;
  e.target = target;
  e.params_json = params.dump();
  e.result = result;
  auto id = db::pg::OpenAuditStore(pg)->Append(e);
  if (!id) return id.error();
  return Status::Ok();
}

}  // namespace ruru::acsd
