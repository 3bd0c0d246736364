// The CWMP session rules as one pure state machine, usable from both ends: acsd drives it as the
// ACS, cpesim as the CPE. It sees every envelope that crosses the wire, refuses illegal orders
// with a clear error (changing nothing), and exposes the points that matter for durability.
//
// A session (TR-069 §3.7) is a sequence of HTTP POSTs from the CPE, each answered by the ACS:
//   CPE: Inform                      ACS: InformResponse   (only after the Inform's effects are stored)
//   CPE: its requests, one per POST  ACS: their responses  (not while the ACS holds requests)
//   CPE: empty POST                  ACS: a request, or an empty response (204)
//   CPE: the response or a Fault     ACS: the next request, or an empty response
// The session ends when the ACS has sent an empty response and the CPE has nothing left to send.
//
// Not thread-safe: one Session per CWMP session, driven by one strand at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "cwmp/messages.h"
#include "cwmp/version.h"

namespace ruru::cwmp {

enum class Role { kAcs, kCpe };

enum class SessionState {
  kAwaitInform,     // nothing yet; the CPE's first message must be an Inform
  kAwaitInformAck,  // Inform received/sent; InformResponse not yet sent/received
  kCpeRequests,     // the CPE may send its requests (unless the ACS holds them) or an empty POST
  kAcsRequests,     // the CPE has sent its empty POST; the ACS sends requests one at a time
  kDone,            // both sides have nothing left; further messages are refused
};
std::string_view ToString(SessionState state);

// Which key lets an interrupted ACS request be settled from the CPE's next Inform, without
// resending it blindly: "M Reboot"/"M Download"/... events carry the CommandKey, and
// ManagementServer.ParameterKey reports the last ParameterKey applied.
struct ReconcileKey {
  enum class Kind { kCommandKey, kParameterKey };
  Kind kind;
  std::string value;
};
// The key an ACS request carries, if it has one.
std::optional<ReconcileKey> ReconcileKeyOf(const Body& request);

// Who sends which message.
bool IsCpeRequest(std::string_view rpc);  // Inform, TransferComplete, GetRPCMethods, ...
bool IsAcsRequest(std::string_view rpc);  // GetParameterValues, Reboot, Download, GetRPCMethods, ...
// True when the ACS must store the effects of this CPE request before answering it (Inform,
// TransferComplete and the other completion reports): a CPE deletes the reported event when it
// gets the response.
bool ResponseNeedsDurableStore(std::string_view cpe_request);

struct SessionConfig {
  std::chrono::seconds timeout{30};  // idle time after which the session is dead (SessionTimeout)
};

class Session {
 public:
  // `clock` must outlive the session.
  Session(Role self, const Clock& clock, SessionConfig config = {});

  // Record an envelope this side is about to send. Returns an error (and changes nothing) when the
  // message is not allowed now, e.g. an ACS request while a response to a CPE request is owed, or
  // an InformResponse before MarkStored(). Call it before writing the message to the wire.
  Status Send(const Envelope& envelope);
  // Record an envelope received from the peer. Returns an error (and changes nothing) when the
  // peer broke the session rules; the caller then ends the session.
  Status Receive(const Envelope& envelope);

  // ACS side: the effects of the pending CPE request (Inform, TransferComplete, ...) are durably
  // stored, so its response may now be sent. Error when nothing is pending.
  Status MarkStored();

  SessionState state() const { return d_.state; }
  Role role() const { return self_; }
  // The ACS request awaiting its response or fault, if any ("" when none).
  const std::string& outstanding_acs_request() const { return d_.outstanding_acs; }
  // The key of the outstanding ACS request, for reconciliation after an interruption.
  const std::optional<ReconcileKey>& outstanding_key() const { return d_.outstanding_key; }
  // The CPE request awaiting the ACS's response ("" when none).
  const std::string& pending_cpe_request() const { return d_.pending_cpe; }
  // ACS side: a response is owed but may not be sent before MarkStored().
  bool AwaitingStore() const { return !d_.pending_cpe.empty() && d_.needs_store && !d_.stored; }
  // The ACS asked the CPE to hold its requests (last ACS envelope had HoldRequests=1).
  bool hold_requests() const { return d_.hold; }
  // True once the CPE got its InformResponse (CPE side: queued events may now be dropped).
  bool InformAcknowledged() const { return d_.inform_acked; }
  // The session may end now without losing anything (done, or the ACS has said it is finished and
  // the CPE simply closes).
  bool MayEnd() const;
  // No message for longer than the configured timeout.
  bool Expired() const;
  // Updates the idle timeout (e.g. from the Inform's SessionTimeout header, CWMP 1.3+).
  void SetTimeout(std::chrono::seconds timeout) { config_.timeout = timeout; }
  // The negotiated version; from then on its rules apply (fault 8006 and UseCWMPVersion only in
  // 1.4, SessionTimeout only from 1.3). Before it is set, no version rule is applied.
  void SetVersion(CwmpVersion version) { version_ = version; }
  std::optional<CwmpVersion> version() const { return version_; }

 private:
  enum class CpeLast { kNothing, kEmpty, kRequest, kResponse };
  // Everything that changes; copied so that a refused message changes nothing.
  struct Data {
    SessionState state = SessionState::kAwaitInform;
    std::string outstanding_acs;  // ACS request awaiting the CPE's answer
    std::optional<ReconcileKey> outstanding_key;
    std::string pending_cpe;      // CPE request awaiting the ACS's answer
    bool needs_store = false;
    bool stored = false;
    bool hold = false;
    bool inform_acked = false;
    bool acs_finished = false;    // the ACS sent an empty response
    bool hold_used = false;       // the ACS held requests at some point of the session
    CpeLast cpe_last = CpeLast::kNothing;
  };
  Status OnCpeMessage(Data& d, const Envelope& env) const;
  Status OnAcsMessage(Data& d, const Envelope& env) const;
  Status CheckVersionRules(const Envelope& env) const;
  Status Apply(const Envelope& env, bool from_cpe);

  Role self_;
  const Clock& clock_;
  SessionConfig config_;
  Data d_;
  std::optional<CwmpVersion> version_;
  Clock::Instant last_activity_;  // monotonic: the idle timeout does not move with the wall clock
};

// CPE retry back-off after a failed session (TR-069 §3.2.1.1): the wait before retry number
// `retry_count` (1-based) is drawn from [m * (k/1000)^(n-1), m * (k/1000)^n] seconds, with
// n = min(retry_count, 10), m = CWMPRetryMinimumWaitInterval (default 5 s) and
// k = CWMPRetryIntervalMultiplier (default 2000).
struct RetryWindow {
  std::chrono::milliseconds min;
  std::chrono::milliseconds max;
};
RetryWindow RetryWindowFor(uint32_t retry_count, uint32_t min_wait_seconds = 5, uint32_t multiplier = 2000);
// A point in the window: `fraction` in [0, 1) comes from the caller's random source.
std::chrono::milliseconds RetryDelay(uint32_t retry_count, double fraction, uint32_t min_wait_seconds = 5,
                                     uint32_t multiplier = 2000);

}  // namespace ruru::cwmp
