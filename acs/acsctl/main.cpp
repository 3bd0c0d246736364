// acsctl: the Ruru operators' command-line tool. main() only builds the command tree and maps
// the outcome to an exit code; each group of subcommands lives in its own file:
// cwmp_command.cpp (`acsctl cwmp ...`, offline), and the REST API clients (api_command.h):
// devices_command.cpp (`devices`), task_command.cpp (`task`, `get`, `set`, `refresh`, `reboot`),
// tags_command.cpp (`tags`, `faults`), access_command.cpp (`whoami`, `roles`, `tokens`).
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "acs/acsctl/api_command.h"
#include "acs/acsctl/cwmp_command.h"

#ifndef RURU_VERSION
#define RURU_VERSION "dev"  // acs/CMakeLists.txt should define it from PROJECT_VERSION
#endif

int main(int argc, char** argv) {
  CLI::App app{"Ruru ACS operators' tool", "acsctl"};
  app.set_version_flag("--version", std::string("acsctl ") + RURU_VERSION);
  app.require_subcommand(1);
  ruru::acsctl::AddDevicesCommands(app);
  ruru::acsctl::AddTaskCommands(app);
  ruru::acsctl::AddTagsCommands(app);
  ruru::acsctl::AddAccessCommands(app);
  ruru::acsctl::AddCwmpCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command failed and has already said why
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help, --version
    std::cerr << "acsctl: " << e.what() << " (see --help)\n";
    return ruru::acsctl::kExitBadInput;
  }
  return ruru::acsctl::kExitOk;
}
