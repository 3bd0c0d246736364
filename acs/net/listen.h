// Opening a listening TCP socket from a "host:port" configuration value, shared by the CWMP
// endpoint and the admin listener. The acceptor is the caller's; call it on the acceptor's
// executor (or before the io_context runs). Errors: kInvalidArgument naming `key` for a value that
// is not host:port, kUnavailable when the socket cannot listen (address in use, no permission);
// nothing throws.
#pragma once

#include <string>

#include "base/asio.h"
#include "base/result.h"

namespace ruru::acs::net {

// Opens, binds (SO_REUSEADDR) and listens on `listen` ("127.0.0.1:7547", "[::]:7547"; port 0 lets
// the kernel choose). `key` names the setting in errors ("cwmp.listen"). kInvalidArgument for a bad
// value, kUnavailable when the address cannot be bound.
Status OpenListener(asio::ip::tcp::acceptor& acceptor, const std::string& listen, const std::string& key);

}  // namespace ruru::acs::net
