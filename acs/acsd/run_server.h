// acsd's server mode: builds every subsystem from the Config, serves until SIGTERM/SIGINT, then
// drains gracefully (stop accepting, let open sessions finish up to cwmp.drain_timeout, flush the
// inform batcher) and returns. Called once, from main's thread; `config` is borrowed for the call
// (which lasts as long as the server).
#pragma once

#include <string>

#include "acs/config/config.h"
#include "base/result.h"

namespace ruru::acsd {

struct ServerOptions {
  // When set, written once both listeners are up: "cwmp_port=N\nadmin_port=M\n" (for tests and
  // scripts that listen on port 0).
  std::string ready_file;
};

// Blocks until the server stopped. Errors: configuration problems (key files, addresses) and
// listeners that cannot be bound; a database that is down is not an error (acsd reports not ready
// and retries).
Status RunServer(const acs::config::Config& config, const ServerOptions& options);

}  // namespace ruru::acsd
