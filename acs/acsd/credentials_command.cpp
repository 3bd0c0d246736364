// acsd credentials rekey: re-seal every stored connection-request password under the current key
// (rekey.h does the work; this is the command line and the report).
#include <iostream>
#include <memory>

#include "acs/acsd/commands.h"
#include "acs/acsd/rekey.h"
#include "db/pg/pg_inventory.h"

namespace ruru::acsd {
namespace {

// `acsd credentials rekey`: every sealed connection-request password under the current key.
int RunRekey(const acs::config::Config& cfg, int batch) {
  auto box = LoadSecretBox(cfg.credentials);
  if (!box) {
    std::cerr << "acsd credentials rekey: " << box.error().message << "\n";
    return kExitUsage;
  }
  db::pg::PgOptions pg;
  pg.dsn = cfg.database.dsn;
  auto devices = db::pg::OpenDeviceStore(pg);
  auto report = RekeySealedSecrets(
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
  std::cout << "re-sealed " << report->resealed << " connection-request passwords under key '" << box->current_key_id()
            << "'"
            << (report->changed ? ", " + std::to_string(report->changed) + " changed meanwhile (already current)"
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

struct CredentialsOptions {
  std::string config_file;
  int batch = 500;
};

}  // namespace

Command AddCredentialsCommand(CLI::App& app) {
  auto o = std::make_shared<CredentialsOptions>();
  CLI::App* cmd = app.add_subcommand("credentials", "Secrets at rest (connection-request passwords)");
  CLI::App* rekey = cmd->add_subcommand(
      "rekey", "Re-seal every stored connection-request password under the current key (credentials.key_id)");
  rekey->add_option("--config", o->config_file, "Configuration file (credentials.*, database.dsn)");
  rekey->add_option("--batch", o->batch, "Passwords per database round trip")->check(CLI::Range(3, 10000));
  cmd->require_subcommand(1);
  return {cmd, [o] {
            auto cfg = LoadConfigOrComplain("acsd credentials rekey: ", o->config_file, {});
            if (!cfg) return kExitUsage;
            return RunRekey(*cfg, o->batch);
          }};
}

}  // namespace ruru::acsd
