// acsd run: serve CWMP and the admin listener until SIGTERM/SIGINT (run_server.h does the work).
#include <spdlog/spdlog.h>

#include <memory>

#include "acs/acsd/commands.h"
#include "acs/acsd/run_server.h"

namespace ruru::acsd {
namespace {

struct RunOptions {
  std::string config_file;
  std::vector<std::string> overrides;
  std::string ready_file;
};

}  // namespace

Command AddRunCommand(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Serve CWMP (and the admin listener) until SIGTERM/SIGINT");
  cmd->add_option("--config", o->config_file, "configuration file (INI); see `acsd config keys`")
      ->envname("RURU_CONFIG");
  cmd->add_option("--set", o->overrides, "override one key: section.key=value (repeatable; beats file and env)");
  cmd->add_option("--ready-file", o->ready_file, "write the bound ports to this file once listening");
  return {cmd, [o] {
            auto cfg = LoadConfigOrComplain("acsd: configuration: ", o->config_file, o->overrides);
            if (!cfg) return kExitUsage;
            spdlog::set_level(spdlog::level::from_str(cfg->log.level));
            spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%n] %v");
            // A database that was migrated by a newer acsd is refused; an older one is migrated by
            // `acsd migrate`.
            ServerOptions options;
            options.ready_file = o->ready_file;
            Status st = RunServer(*cfg, options);
            if (!st.ok()) return Fail("run", st.error());
            return kExitOk;
          }};
}

}  // namespace ruru::acsd
