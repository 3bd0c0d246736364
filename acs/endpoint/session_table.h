// The CWMP endpoint's table of sessions and connections. A session is found by its cookie
// (ruru_session, 128 random bits) or held by the connection that carries it; a device has at most
// one session: a second one is refused while the first one's connection is alive, and replaces it
// when that connection is gone or the session timed out (in the session's clock).
//
// Threading: every method is thread-safe (one mutex). Sessions and connections are shared
// pointers: the table keeps them alive while they are in it; a session keeps only a weak pointer
// to its connection.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "acs/endpoint/cpe_auth.h"
#include "acs/net/tls.h"
#include "acs/tasks/task_engine.h"
#include "base/beast.h"
#include "base/clock.h"
#include "cwmp/session.h"
#include "db/inventory.h"

namespace ruru::acs::endpoint {

// An accepted connection. `stream` and `executor` are set by the connection's coroutine; `stream`
// is touched only on the connection's strand or under the table's lock (CancelIo).
struct Conn {
  uint64_t id = 0;
  std::string peer;
  std::atomic<bool> open{true};
  beast::tcp_stream* stream = nullptr;
  asio::any_io_executor executor;
  std::optional<net::PeerCertificate> client_cert;  // verified TLS client certificate (cwmp.tls_client_certs)
};

// One CWMP session (ACS role). Touched by one request at a time (`busy`); the table reads `busy`,
// `conn` and `proto` to tell live sessions from abandoned ones.
struct AcsSession {
  AcsSession(const Clock& clock, std::chrono::seconds timeout)
      : proto(cwmp::Role::kAcs, clock, cwmp::SessionConfig{timeout}) {}
  std::string id;  // cookie value, 128 random bits
  cwmp::Session proto;
  cwmp::Namespace ns = cwmp::Namespace::kCwmp12;
  db::DeviceKey key;
  std::string label;  // "oui-class-serial" for logs
  std::string root = "Device";
  int64_t device_id = 0;
  AuthVia via = AuthVia::kOnboarding;
  bool rotate = false;
  bool rotation_sent = false;
  std::weak_ptr<Conn> conn;
  std::atomic<bool> busy{false};
  // Tasks (task_engine.h): the facts of the Inform, the tasks claimed and not yet run, the one
  // running now.
  tasks::InformFacts facts;
  std::deque<db::Task> tasks;
  std::unique_ptr<tasks::TaskRunner> runner;
  db::Task current;
  bool current_marked = false;            // MarkSent done for the current runner
  bool claimed = false;                   // this session claimed tasks at some point (release them at the end)
  bool watching = false;                  // registered with TaskEngine::Watch
  bool task_request_outstanding = false;  // the outstanding ACS request is the runner's
  Clock::Instant started;                 // in the endpoint's clock, for the session's duration in logs
};
using SessionPtr = std::shared_ptr<AcsSession>;

class SessionTable {
 public:
  explicit SessionTable(size_t max_sessions) : max_sessions_(max_sessions) {}

  enum class ClaimResult { kOk, kDeviceBusy, kFull };
  struct Claimed {
    ClaimResult result = ClaimResult::kOk;
    std::string refused_why;  // for logs
    SessionPtr replaced;      // the device's abandoned session, now out of the table: the caller ends it
  };
  // Registers `s` (its id and key set) as its device's session. Refused when max_sessions exist
  // (the device's own abandoned session does not count: it is replaced) or when another session of
  // the device is carried by a live connection other than s's and has not timed out.
  Claimed Claim(const SessionPtr& s);
  // Takes `s` out of the table; false when it was not in it (ended already).
  bool Remove(const SessionPtr& s);
  SessionPtr Find(const std::string& cookie) const;
  bool Holds(const SessionPtr& s) const;  // s is still the session of its cookie
  // Sessions to end: not busy, and timed out, or allowed to end with their connection gone.
  std::vector<SessionPtr> Expired() const;
  size_t size() const;
  // Sessions being served: a request in progress or their connection still open.
  size_t Live() const;
  bool Contains(const std::string& cookie) const;

  // Connections. Add refuses one more from a peer that has max_per_ip already (0: no cap).
  bool AddConnection(const std::shared_ptr<Conn>& c, size_t max_per_ip);
  void RemoveConnection(Conn& c);  // also forgets its stream
  std::vector<std::shared_ptr<Conn>> Connections() const;
  void CancelIo(Conn& c);  // cancels the stream's pending operations, if it still has one

 private:
  static std::string DeviceSlot(const db::DeviceKey& k) {
    return k.oui + '\x1f' + k.product_class + '\x1f' + k.serial_number;
  }
  const size_t max_sessions_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, SessionPtr> by_cookie_;
  std::unordered_map<std::string, SessionPtr> by_device_;
  std::unordered_map<uint64_t, std::shared_ptr<Conn>> conns_;
  std::unordered_map<std::string, size_t> conns_per_ip_;
};

}  // namespace ruru::acs::endpoint
