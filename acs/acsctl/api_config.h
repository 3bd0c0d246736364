// Where acsctl finds acsd's REST API and its token (docs/acsctl.md "Connecting to acsd").
//
// Each of the two is taken from the first place that has it:
//   URL:   --url, RURU_API_URL, the config file's [admin] listen
//   token: --token, --token-file, RURU_API_TOKEN, RURU_API_TOKEN_FILE, the config file's [admin] token_file
//   CA:    --cacert, RURU_API_CACERT, the config file's [admin] tls_ca_file (https only; else the
//          system's CAs). The config's URL is https:// when its [admin] has tls_cert_file.
// The config file is --config FILE, else ./var/acsd.conf when it exists (the quickstart writes
// it); it is read only when a flag or the environment left something missing.
// acsctl is single-threaded: nothing here is shared between threads or kept past the command.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "acs/acsctl/cli_result.h"

namespace ruru::acsctl {

// The connection flags every API command takes.
struct ConnectionOptions {
  std::string url;         // --url
  std::string token;       // --token (visible in `ps`: prefer a token file)
  std::string token_file;  // --token-file
  std::string config;      // --config
  std::string ca_file;     // --cacert
  std::string reason;      // --reason (else RURU_REASON): sent as X-Ruru-Reason
};

struct ApiEndpoint {
  std::string base_url;  // "http://127.0.0.1:7557", no trailing '/', no "/api/v1"
  std::string token;     // never printed
  std::string reason;    // why the operator acts: X-Ruru-Reason on every request ("" none)
  std::string ca_file;   // PEM CAs that verify an https acsd ("" = the system's)
};

// Environment lookup (getenv in acsctl; a map in tests). nullopt or "" means unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Resolves the endpoint. Warnings (a token file others may read) go to `warnings`. Fails with
// kExitUsage when the URL or token cannot be found (the message names the three ways to give
// it), or a file named by a flag, the environment or the config cannot be read or parsed.
CliResult<ApiEndpoint> ResolveEndpoint(const ConnectionOptions& flags, const EnvLookup& env, std::ostream& warnings);

// "http://127.0.0.1:7557" from an [admin] listen value: 0.0.0.0 (or empty, or *) means
// 127.0.0.1 and [::] means [::1], since a wildcard listener is reached through loopback.
CliResult<std::string> UrlFromListen(const std::string& listen, bool https = false);

}  // namespace ruru::acsctl
