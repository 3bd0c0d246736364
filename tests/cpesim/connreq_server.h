// The CPE simulator's connection-request listener (TR-069 §3.2.2): one HTTP server for every
// simulated device. A device's ConnectionRequestURL is http://HOST:PORT/<key> (the key is usually
// the serial number); the ACS sends a GET there, authenticated with HTTP Digest against that
// device's ConnectionRequestUsername/Password.
//
// Answers: 200 (accepted: the device will open a session with "6 CONNECTION REQUEST"),
// 401 + Digest challenge (no or wrong credentials; stale=true when only the nonce expired),
// 404 (unknown key), 405 (not GET), 503 (the device refused), 400/413/431 for malformed requests
// (then the connection is closed). HTTP/1.1 keep-alive is allowed.
//
// Bounded: at most max_connections sockets at once (further connections are accepted and closed
// at once, so file descriptors stay bounded), header and body size limits, and an idle/read
// timeout that closes silent sockets.
//
// Threading: everything runs on the given io_context, which must be run by one thread (the
// simulator's). Listen, Stop and the destructor must be called on that thread or while it is not
// running. The hooks are called on that thread too. counters() may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/beast.h"
#include "base/clock.h"
#include "base/result.h"
#include "cwmp/http_auth.h"

namespace ruru::cpesim {

struct ConnReqCredentials {
  std::string username, password;
};

struct ConnReqOptions {
  std::string realm = "cpesim";                                   // Digest realm of the challenges
  cwmp::DigestAlgorithm algorithm = cwmp::DigestAlgorithm::kMd5;  // offered; any is accepted
  std::chrono::seconds nonce_lifetime{300};                       // then the ACS gets 401 stale=true
  std::chrono::seconds read_timeout{10};                          // per request, idle keep-alive included
  uint32_t max_header_bytes = 8 * 1024;                           // beyond: 431 and close
  uint32_t max_body_bytes = 1024;                                 // a GET carries none; beyond: 413 and close
  std::string nonce_key;                                          // empty: 32 random bytes per server
};

class ConnReqServer {
 public:
  struct Hooks {
    // The device's connection-request credentials; nullopt answers 404 (unknown or unreachable
    // device). Called for every request before authentication.
    std::function<std::optional<ConnReqCredentials>(std::string_view key)> credentials;
    // An authenticated request: true answers 200, false 503. Called before the response is
    // written, so it should only schedule the session, not run it.
    std::function<bool(std::string_view key)> on_request;
  };

  // Plain counters; a snapshot of them.
  struct Counters {
    uint64_t connections = 0;          // accepted and served
    uint64_t refused_connections = 0;  // accepted and closed at once (over max_connections)
    uint64_t active_connections = 0;   // open now
    uint64_t requests = 0;             // complete HTTP requests read
    uint64_t accepted = 0;             // 200
    uint64_t unauthorized = 0;         // 401 (including stale)
    uint64_t not_found = 0;            // 404
    uint64_t rejected = 0;             // 503
    uint64_t bad_requests = 0;         // 400, 405, 413, 431
  };

  // `io` and `clock` must outlive the server. Nothing happens before Listen.
  ConnReqServer(asio::io_context& io, const Clock& clock, Hooks hooks, size_t max_connections,
                ConnReqOptions options = {});
  ~ConnReqServer();  // Stop()s
  ConnReqServer(const ConnReqServer&) = delete;
  ConnReqServer& operator=(const ConnReqServer&) = delete;

  // Binds "host:port" ("127.0.0.1:0", "[::1]:7547"; port 0 picks a free one) and starts
  // accepting. Fails (kInvalidArgument for a bad address, kUnavailable when the bind fails, e.g.
  // the port is taken) without side effects; fails if already listening.
  Status Listen(std::string_view host_port);
  uint16_t port() const;  // the bound port; 0 before Listen

  // Closes the listener and every connection; no hook is called afterwards. Idempotent.
  void Stop();

  Counters counters() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the running coroutines, which may outlive this
};

}  // namespace ruru::cpesim
