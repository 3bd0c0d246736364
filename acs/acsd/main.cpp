// acsd: the Ruru ACS server. `acsd run` serves CWMP, `acsd migrate` manages the database schema,
// `acsd tokens` manages REST API tokens, `acsd credentials` re-seals secrets, `acsd config`
// explains the configuration. Each subcommand is a file of its own (commands.h); main() only
// parses the command line and runs the one given.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>
#include <vector>

#include "acs/acsd/commands.h"
#include "db/migrator.h"

#ifndef RURU_VERSION
#define RURU_VERSION "dev"  // acs/acsd/CMakeLists.txt defines it from PROJECT_VERSION
#endif

int main(int argc, char** argv) {
  using namespace ruru::acsd;
  // Logs go to stderr; stdout carries the command's own output. Set before anything logs, since
  // the db logger copies the default logger's sinks.
  spdlog::set_default_logger(spdlog::stderr_color_mt("acsd"));

  const std::string version_line = std::string("acsd ") + RURU_VERSION + " (database schema " +
                                   VersionLabel(ruru::db::BuiltinMigrations().back().version) + ")";
  CLI::App app{"Ruru TR-069 (CWMP) Auto-Configuration Server", "acsd"};
  app.set_version_flag("--version", version_line);
  app.require_subcommand(0, 1);
  std::vector<Command> commands = {AddMigrateCommand(app), AddRunCommand(app), AddConfigCommand(app),
                                   AddTokensCommand(app)};
  CLI::App* version = app.add_subcommand("version", "Print the version and the database schema version");
  commands.push_back(AddCredentialsCommand(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints help, the version or the error
    return rc == 0 ? kExitOk : kExitUsage;
  }
  for (const Command& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  if (version->parsed()) {
    std::cout << version_line << "\n";
    return kExitOk;
  }
  std::cerr << app.help() << "\n"
            << "acsd: no command given (acsd run --config FILE serves CWMP; acsd migrate applies the schema)\n";
  return kExitUsage;
}
