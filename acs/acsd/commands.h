// acsd's subcommands. Each Add*Command registers one subcommand of the command line (its options
// and help) and returns what runs it; main.cpp parses and runs the one given. Exit codes
// (docs/operations.md): 0 done, 1 refused or failed, 2 bad usage, 75 temporarily unavailable
// (database unreachable or a lock timeout: retry).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "acs/config/config.h"
#include "base/result.h"

namespace ruru::acsd {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnavailable = 75;  // EX_TEMPFAIL

struct Command {
  CLI::App* app = nullptr;   // the subcommand; it ran when app->parsed()
  std::function<int()> run;  // returns the exit code
};

Command AddMigrateCommand(CLI::App& app);      // acsd migrate [--status]          (migrate_command.cpp)
Command AddRunCommand(CLI::App& app);          // acsd run                          (run_command.cpp)
Command AddConfigCommand(CLI::App& app);       // acsd config keys|show             (config_command.cpp)
Command AddTokensCommand(CLI::App& app);       // acsd tokens create|list|revoke    (tokens_command.cpp)
Command AddCredentialsCommand(CLI::App& app);  // acsd credentials rekey            (credentials_command.cpp)

// ---- shared by the commands (common.cpp) -----------------------------------------------------

// "V0008".
std::string VersionLabel(int version);
// kExitUnavailable for kUnavailable, else kExitFailed.
int ExitCodeFor(const Error& error);
// Prints "acsd <what>: <code>: <message>" to stderr; returns ExitCodeFor(error).
int Fail(const char* what, const Error& error);
// The RURU_* variables of the process environment (configuration overrides).
std::map<std::string, std::string> Environment();
// LoadConfig(file, Environment(), overrides); on error prints `prefix` and the error to stderr and
// returns nullopt.
std::optional<acs::config::Config> LoadConfigOrComplain(const char* prefix, const std::string& file,
                                                        const std::vector<std::string>& overrides);
// The audit entry of a host-side change (actor "acsd-cli:<user>", the user behind sudo when there
// is one; role "host"), written with its own connection to `dsn`.
Status AuditHost(const std::string& dsn, const std::string& action, const std::string& target,
                 const nlohmann::json& params, const std::string& result);

}  // namespace ruru::acsd
