// A scripted test ACS: a real HTTP(S) server on 127.0.0.1 that speaks the ACS side of CWMP exactly
// (every envelope in and out goes through cwmp::Session(Role::kAcs)), sends the requests a test
// queued or scripted for each device, and records everything it saw so the test can check a CPE
// (tests/cpesim) message by message. Also serves files for downloads, accepts uploads, and sends
// connection requests. Test infrastructure: it trusts the test, never the CPE.
//
// Threading: the server runs on one io_context thread owned by ScriptedAcs; per-session state is a
// few hundred bytes plus the record, so thousands of concurrent sessions are fine. Every public
// method is thread-safe and may be called from the test thread while devices are connected.
// Accessors return copies. Scripts (SetScript) and credential lookups run on the server thread
// without any lock held: they may call the accessors and Enqueue, but must not block, wait or
// call Stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "cwmp/messages.h"
#include "cwmp/version.h"

namespace ruru::testacs {

using TimePoint = std::chrono::system_clock::time_point;

enum class AuthMode { kNone, kBasic, kDigest };

// Credentials a client must present for a file or an upload (kNone: open).
struct FileAuth {
  AuthMode mode = AuthMode::kNone;
  std::string username;
  std::string password;
};

struct Options {
  std::string listen_address = "127.0.0.1";  // the port is always chosen by the kernel
  std::string cwmp_path = "/acs";            // POSTs to this path are CWMP; url() ends with it
  std::string tls_cert_file;                 // PEM; with tls_key_file the server speaks only HTTPS
  std::string tls_key_file;
  AuthMode auth = AuthMode::kNone;                       // how CPEs authenticate on the CWMP path
  std::string realm = "ruru-testacs";                    // for Basic and Digest challenges
  cwmp::CwmpVersion max_version = cwmp::kLatestVersion;  // highest CWMP version negotiated
  bool hold_requests = false;                            // HoldRequests=1 on InformResponse and requests
  size_t max_connections = 4096;                         // one descriptor each; accepting pauses at this many
  size_t max_header_bytes = 64 * 1024;                   // larger request headers: 431, closed
  size_t max_body_bytes = 4 * 1024 * 1024;               // larger bodies: 413, closed (also the SOAP decode cap)
  std::chrono::seconds idle_timeout{30};                 // a connection idle this long is closed
  // A session whose connection closed mid-session may be resumed (by its cookie, on a new
  // connection) for this long; then it is recorded as failed.
  std::chrono::milliseconds reconnect_grace{2000};
  // false: records of ended sessions are dropped (counters and per-serial counts remain), for
  // long runs with many devices.
  bool keep_finished_sessions = true;
};

// One ACS request and what the CPE answered.
struct Exchange {
  cwmp::Envelope request;
  std::optional<cwmp::Envelope> response;  // the response or a Fault; nullopt while awaited or if none came
};

// A request the CPE sent (TransferComplete, GetRPCMethods, ...) and the ACS's answer.
struct CpeRequest {
  cwmp::Envelope request;
  cwmp::Envelope response;
};

enum class Outcome { kOpen, kCompleted, kFailed };
std::string_view ToString(Outcome outcome);

// Everything about one CWMP session, as the ACS saw it.
struct SessionRecord {
  uint64_t id = 0;                                      // 1, 2, ... in the order sessions started
  std::string serial;                                   // DeviceId.SerialNumber of the Inform ("" when none came)
  std::string cookie;                                   // value of the "session" cookie set in the InformResponse
  std::string remote_address;                           // source IP of the connection that carried the Inform
  std::string auth_username;                            // the user that authenticated ("" with AuthMode::kNone)
  cwmp::Namespace ns = cwmp::Namespace::kCwmp10;        // of the Inform
  cwmp::CwmpVersion version = cwmp::CwmpVersion::k1_0;  // negotiated
  std::optional<cwmp::CwmpVersion> use_cwmp_version;    // sent in the InformResponse (1.4)
  std::optional<uint32_t> session_timeout;              // the Inform's SessionTimeout header
  std::optional<std::string> supported_cwmp_versions;   // the Inform's SupportedCWMPVersions header
  cwmp::Inform inform;                                  // device id, events (codes + command keys), parameter list
  std::vector<Exchange> exchanges;                      // ACS requests in order
  std::vector<CpeRequest> cpe_requests;                 // CPE requests after the Inform, in order
  std::vector<unsigned> http_statuses;                  // every HTTP status sent in this session, in order
  std::vector<std::string> warnings;                    // decoder warnings of every message received
  Outcome outcome = Outcome::kOpen;
  std::string error;  // why it failed (protocol violation, timeout, injected drop, ...)
  TimePoint started{};
  TimePoint ended{};  // epoch while open

  // The Inform event with this code ("1 BOOT", "M Reboot"), or nullptr.
  const cwmp::EventStruct* FindEvent(std::string_view code) const;
  bool HasEvent(std::string_view code) const { return FindEvent(code) != nullptr; }
  // The value of a parameter of the Inform's ParameterList, or nullptr.
  const cwmp::ParameterValue* InformParameter(std::string_view name) const;
};
// What an adaptive script sees: the session so far.
using SessionView = SessionRecord;

// Returns the next request for the session, or nullopt when the ACS has nothing more.
using Script = std::function<std::optional<cwmp::Body>(const SessionView&)>;

struct Counters {
  uint64_t connections = 0;    // TCP (or TLS) connections accepted
  uint64_t http_requests = 0;  // every HTTP request read
  uint64_t informs = 0;        // Informs accepted: sessions started
  uint64_t sessions_completed = 0;
  uint64_t sessions_failed = 0;
  uint64_t requests_sent = 0;             // ACS requests
  uint64_t responses_received = 0;        // CPE responses to them (not Faults)
  uint64_t faults_received = 0;           // CPE Faults
  uint64_t cpe_requests = 0;              // CPE requests other than Inform
  uint64_t auth_challenges = 0;           // 401 without (or with stale) credentials, any path
  uint64_t auth_failures = 0;             // 401 to wrong credentials, any path
  uint64_t busy_rejections = 0;           // 503 (SetBusy)
  uint64_t bad_requests = 0;              // 400 (protocol violations, undecodable bodies)
  uint64_t dropped_inform_responses = 0;  // DropNextInformResponse
  uint64_t file_gets = 0;                 // GETs answered 200
  uint64_t file_not_found = 0;            // GETs answered 404
  uint64_t uploads = 0;                   // PUT/POST /upload/... stored
};

// An Inform refused with 503 (SetBusy).
struct Rejection {
  std::string serial;
  std::string remote_address;
  std::optional<int> retry_after_seconds;
  TimePoint at{};
};

struct Upload {
  std::string path;  // request target, e.g. "/upload/cfg-1.xml"
  std::string content_type;
  std::string body;
  std::string remote_address;
  TimePoint at{};
};

// A GET of a file (or of a missing one).
struct FileRequest {
  std::string path;
  unsigned status = 0;
  std::string remote_address;
};

class ScriptedAcs {
 public:
  explicit ScriptedAcs(Options options = {});
  ~ScriptedAcs();  // Stop()s
  ScriptedAcs(const ScriptedAcs&) = delete;
  ScriptedAcs& operator=(const ScriptedAcs&) = delete;

  // Binds and starts the server thread. Fails when the TLS files cannot be loaded or the address
  // cannot be bound. Call once.
  Status Start();
  // Closes every connection, marks open sessions failed ("ACS stopped") and joins the thread.
  // Idempotent.
  void Stop();

  uint16_t port() const;
  // "http://127.0.0.1:PORT/acs" (https with TLS): the ACS URL for CPEs.
  std::string url() const;
  // "http://127.0.0.1:PORT" + path, for a file added with AddFile or an upload target.
  std::string FileUrl(std::string_view path) const;

  // ---- What to send ------------------------------------------------------------------------
  // Appends a request for device `serial`: sent, in order, on the CPE's empty POST or after its
  // previous response, in this or the next sessions. Queued requests go before the script's.
  void Enqueue(std::string serial, cwmp::Body request);
  // Adaptive requests: called when a device's queue is empty and the ACS may send a request.
  // An empty function removes the script.
  void SetScript(Script script);
  // Requests still queued for `serial`.
  size_t Pending(const std::string& serial) const;
  // HoldRequests=1 on the InformResponse and every request of sessions started from now on.
  void SetHoldRequests(bool hold);

  // ---- CPE authentication (Options::auth) --------------------------------------------------
  // The password of `username` (usually the serial number).
  void SetCredentials(std::string username, std::string password);
  // Asked for users without SetCredentials; nullopt = unknown user (401).
  void SetCredentialLookup(std::function<std::optional<std::string>(const std::string& username)> lookup);

  // ---- Failure injection ---------------------------------------------------------------------
  // The next `count` Inform POSTs get 503 Service Unavailable (with Retry-After when given) and
  // the connection is closed; no session is recorded for them (see Rejections()).
  void SetBusy(int count, std::optional<int> retry_after_seconds = std::nullopt);
  // The next Inform of `serial` is recorded, then the connection is closed without an answer;
  // the session is recorded as failed.
  void DropNextInformResponse(std::string serial);
  // Every HTTP response is written this long after its request was read.
  void SetDelay(std::chrono::milliseconds delay);

  // ---- Files -----------------------------------------------------------------------------
  // GET `path` (e.g. "/files/fw-5.4.3.bin") returns `bytes`; other paths 404.
  void AddFile(std::string path, std::string bytes, FileAuth auth = {});
  // PUT or POST to "/upload/..." stores the body; `auth` guards it.
  void SetUploadAuth(FileAuth auth);

  // ---- Observations ------------------------------------------------------------------------
  std::vector<SessionRecord> Sessions() const;  // every session, in start order (open ones too)
  std::vector<SessionRecord> SessionsOf(const std::string& serial) const;
  // Ended sessions (completed or failed) of `serial`; counted even without keep_finished_sessions.
  size_t EndedSessionCount(const std::string& serial) const;
  Counters GetCounters() const;
  std::vector<Rejection> Rejections() const;
  std::vector<Upload> Uploads() const;
  std::vector<FileRequest> FileRequests() const;

  // Waits until `pred` holds, re-checking whenever the server records something. `pred` runs
  // on the calling thread without any lock held (it may call the accessors). False on timeout.
  bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) const;
  // Waits until `serial` has at least `n` ended sessions.
  bool WaitForSessions(const std::string& serial, size_t n, std::chrono::milliseconds timeout) const;

  // The bodies of type T the CPE `serial` answered with (T a response type or cwmp::Fault), over
  // all its recorded sessions in order.
  template <class T>
  std::vector<T> ResponsesOf(const std::string& serial) const;
  // The CPE requests of type T (e.g. cwmp::TransferComplete) `serial` sent, in order.
  template <class T>
  std::vector<T> CpeRequestsOf(const std::string& serial) const;

  // ---- Connection requests -----------------------------------------------------------------
  // Blocking HTTP GET of `url` (http only); answers a Digest challenge with user/password (Basic
  // is refused: TR-069 requires Digest). Returns the final HTTP status (200/204: accepted) or an
  // error when the CPE cannot be reached or answers garbage within `timeout`. Independent of the
  // server thread.
  static Result<unsigned> ConnectionRequest(const std::string& url, const std::string& user,
                                            const std::string& password, std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

template <class T>
std::vector<T> ScriptedAcs::ResponsesOf(const std::string& serial) const {
  std::vector<T> out;
  for (const SessionRecord& s : SessionsOf(serial)) {
    for (const Exchange& e : s.exchanges) {
      if (e.response) {
        if (const T* b = std::get_if<T>(&e.response->body)) out.push_back(*b);
      }
    }
  }
  return out;
}

template <class T>
std::vector<T> ScriptedAcs::CpeRequestsOf(const std::string& serial) const {
  std::vector<T> out;
  for (const SessionRecord& s : SessionsOf(serial)) {
    for (const CpeRequest& r : s.cpe_requests) {
      if (const T* b = std::get_if<T>(&r.request.body)) out.push_back(*b);
    }
  }
  return out;
}

}  // namespace ruru::testacs
