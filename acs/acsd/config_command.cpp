// acsd config keys|show: every configuration key with its environment variable and default; the
// configuration as loaded (file < environment < --set), secrets hidden.
#include <iostream>
#include <memory>

#include "acs/acsd/commands.h"

namespace ruru::acsd {
namespace {

struct ConfigOptions {
  std::string config_file;
  std::vector<std::string> overrides;
};

int PrintKeys() {
  for (const auto& k : acs::config::ConfigKeys()) {
    std::cout << k.key << "  (" << k.env << ", default " << (k.default_value.empty() ? "\"\"" : k.default_value)
              << ")\n    " << k.help << "\n";
  }
  return kExitOk;
}

}  // namespace

Command AddConfigCommand(CLI::App& app) {
  auto o = std::make_shared<ConfigOptions>();
  CLI::App* cmd = app.add_subcommand("config", "Explain or check the configuration");
  cmd->require_subcommand(1);
  CLI::App* keys = cmd->add_subcommand("keys", "List every key, its environment variable and default");
  CLI::App* show = cmd->add_subcommand("show", "Load the configuration and print it (secrets hidden)");
  show->add_option("--config", o->config_file, "configuration file (INI)")->envname("RURU_CONFIG");
  show->add_option("--set", o->overrides, "override one key: section.key=value");
  return {cmd, [o, keys] {
            if (keys->parsed()) return PrintKeys();
            auto cfg = LoadConfigOrComplain("acsd: configuration: ", o->config_file, o->overrides);
            if (!cfg) return kExitUsage;
            std::cout << acs::config::Dump(*cfg);
            return kExitOk;
          }};
}

}  // namespace ruru::acsd
