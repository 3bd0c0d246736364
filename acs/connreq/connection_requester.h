// Connection requests (TR-069 §3.2.2): an HTTP GET to the device's ConnectionRequestURL,
// authenticated with the device's own connection-request credentials (Digest; Basic only for the
// device models configured in connection_request.basic_auth_models), so the CPE opens a session
// at once. Runs on libcurl's multi interface in one thread of its own.
//
// Safety: the URL comes from the CPE (hostile until proven otherwise). Only http:// is accepted,
// its address must be in connection_request.allowed_networks and outside denied_networks, host
// names are refused unless allow_hostnames (then acsd resolves them itself, checks every address
// and pins curl to the first allowed one), no redirects are followed, no proxy is used, answers are
// not read beyond a few KB. Nothing here ever runs a shell. docs/connection_requests.md is the operators' page.
//
// Threading: Send and GetStats are thread-safe and never block. Host names (allow_hostnames) are
// resolved on a second thread of the requester, never on the caller's.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "acs/config/config.h"
#include "acs/metrics/metrics.h"
#include "base/ip_network.h"
#include "base/result.h"

namespace ruru::acs::connreq {

struct ConnectionRequestUrl {
  std::string host;  // as written in the URL (brackets removed for IPv6)
  uint16_t port = 80;
  std::string path_and_query;          // "/" when empty (a "#fragment" is dropped: it is never sent)
  std::vector<std::string> addresses;  // the addresses to connect to (the literal, or the checked resolution),
                                       // in canonical text form (inet_ntop)
};
// Checks a CPE-reported URL against the rules above: at most 1024 bytes of printable ASCII (no
// space, no control character); scheme "http" (any case); no user:password@; the host an IPv4
// literal (dotted quad), an [IPv6] literal (no zone), or, only with allow_hostnames, a DNS name;
// port 1..65535 (default 80). With allow_hostnames, a host name is resolved (blocking getaddrinfo):
// any address in `denied` refuses the URL, addresses outside `allowed` are dropped, and none left
// refuses it. Errors (kInvalidArgument) say what is wrong without echoing more than 256 bytes of
// the URL (and never a URL that carries credentials).
Result<ConnectionRequestUrl> ValidateConnectionRequestUrl(std::string_view url, const std::vector<IpNetwork>& allowed,
                                                          const std::vector<IpNetwork>& denied, bool allow_hostnames);

struct ConnectionRequestTarget {
  std::string url;       // ManagementServer.ConnectionRequestURL as reported
  std::string username;  // the device's own connection-request credentials (plain text, never logged)
  std::string password;
  bool basic = false;  // offer Basic instead of Digest (config::UsesBasicAuth)
  std::string label;   // for logs: "OUI-ProductClass-Serial"
};

struct ConnectionRequestResult {
  enum class Outcome {
    kOk,           // 2xx: the CPE accepted and will open a session
    kRefusedUrl,   // the URL failed validation: nothing was sent
    kUnreachable,  // connect failed or timed out (typical of a device behind NAT), or no answer in time
    kAuthFailed,   // 401 after answering the challenge: the stored credentials are not the device's
    kHttpError,    // any other HTTP status (503: the CPE is busy or rebooting)
    kBusy,         // the requester's queue is full: nothing was sent
  };
  Outcome outcome = Outcome::kUnreachable;
  int http_status = 0;                   // 0 when no HTTP answer (kHttpError with 0: the answer was not HTTP)
  std::string detail;                    // one line for operators (no credentials)
  std::chrono::milliseconds elapsed{0};  // from Send to the result, time in the queue included
};
// "ok", "refused_url", "unreachable", "auth_failed", "http_error", "busy" (API and metric labels).
std::string_view ToString(ConnectionRequestResult::Outcome outcome);

class ConnectionRequester {
 public:
  using Callback = std::function<void(ConnectionRequestResult)>;

  // Parses the network lists (kInvalidArgument on a bad one) and starts the thread. `metrics` may
  // be null; otherwise ruru_connection_requests_total{outcome}, ruru_connection_request_seconds
  // (histogram of the time on the wire, queueing excluded) and ruru_connection_requests_in_flight
  // are registered. kUnavailable when libcurl is older than 7.68 or refuses an option.
  static Result<std::unique_ptr<ConnectionRequester>> Start(const config::ConnectionRequestConfig& config,
                                                            metrics::MetricsRegistry* metrics);
  virtual ~ConnectionRequester() = default;

  // Validates the URL and queues the request (at most config.max_concurrent in flight, at most
  // config.max_queue more waiting). `done` is called exactly once: at once, from the caller's
  // thread, for kRefusedUrl (a literal address), kBusy and a Send after Stop; otherwise from the
  // requester's thread, which must not be blocked long by it. `done` may call Send and Stop, but
  // must not destroy the requester. Never blocks.
  virtual void Send(ConnectionRequestTarget target, Callback done) = 0;

  // Stops the threads; requests still queued or in flight complete with kUnreachable ("stopped"),
  // on the requester's thread, before Stop returns (unless Stop is called from a callback: then
  // right after that callback). Later Sends complete at once the same way. Idempotent; the
  // destructor calls it. May wait for one getaddrinfo in progress (allow_hostnames).
  virtual void Stop() = 0;

  struct Stats {
    uint64_t in_flight = 0;
    uint64_t queued = 0;  // waiting for a slot or for name resolution
    uint64_t sent = 0;    // requests started (handed to curl) since Start
  };
  virtual Stats GetStats() const = 0;
};

}  // namespace ruru::acs::connreq
