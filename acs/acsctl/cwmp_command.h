// `acsctl cwmp ...`: offline tools for CWMP messages, for interop debugging. docs/acsctl.md is the
// operators' reference.
//   acsctl cwmp decode [FILE|-]   SOAP envelope or raw HTTP capture -> JSON (cwmp/json.h)
//   acsctl cwmp encode [FILE|-]   that JSON -> SOAP envelope
#pragma once

#include <CLI/CLI.hpp>

namespace ruru::acsctl {

// Exit codes of every acsctl command (docs/acsctl.md). They live here until a second command
// group needs them; then they move to a shared header.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;  // a bug on our side (e.g. the SOAP serializer failed)
inline constexpr int kExitBadInput = 2;  // unusable input or command line; the same call fails again

// Adds the "cwmp" group to `app`. Its commands run as CLI11 callbacks during app.parse(): they
// write their result to stdout, and on failure one line "acsctl: cwmp <cmd>: <reason>" to stderr,
// then throw CLI::RuntimeError(exit code), which main() turns into the process exit code.
void AddCwmpCommands(CLI::App& app);

}  // namespace ruru::acsctl
