#include "cwmp/session.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <type_traits>

namespace ruru::cwmp {
namespace {

// Requests each side may send (GetRPCMethods is in both lists). Names are the schema's.
constexpr std::array<std::string_view, 8> kCpeRequests = {
    "Inform",           "TransferComplete",      "AutonomousTransferComplete",      "GetRPCMethods",
    "RequestDownload", "DUStateChangeComplete", "AutonomousDUStateChangeComplete", "Kicked"};
constexpr std::array<std::string_view, 20> kAcsRequests = {
    "GetRPCMethods",    "SetParameterValues",     "GetParameterValues",    "GetParameterNames",
    "SetParameterAttributes", "GetParameterAttributes", "AddObject",       "DeleteObject",
    "Reboot",           "Download",               "Upload",                "FactoryReset",
    "GetQueuedTransfers", "GetAllQueuedTransfers", "ScheduleInform",       "ScheduleDownload",
    "CancelTransfer",   "ChangeDUState",          "SetVouchers",           "GetOptions"};
constexpr std::array<std::string_view, 7> kDurable = {
    "Inform", "TransferComplete", "AutonomousTransferComplete", "RequestDownload",
    "DUStateChangeComplete", "AutonomousDUStateChangeComplete", "Kicked"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

bool IsResponseTo(std::string_view message, std::string_view request) {
  return message.size() == request.size() + 8 && message.substr(0, request.size()) == request &&
         message.substr(request.size()) == "Response";
}

std::string Shown(std::string_view rpc) { return rpc.empty() ? std::string("an empty message") : std::string(rpc); }

}  // namespace

std::string_view ToString(SessionState state) {
  switch (state) {
    case SessionState::kAwaitInform: return "await-inform";
    case SessionState::kAwaitInformAck: return "await-inform-ack";
    case SessionState::kCpeRequests: return "cpe-requests";
    case SessionState::kAcsRequests: return "acs-requests";
    case SessionState::kDone: return "done";
  }
  return "unknown";
}

bool IsCpeRequest(std::string_view rpc) { return Contains(kCpeRequests, rpc); }
bool IsAcsRequest(std::string_view rpc) { return Contains(kAcsRequests, rpc); }
bool ResponseNeedsDurableStore(std::string_view cpe_request) { return Contains(kDurable, cpe_request); }

Session::Session(Role self, const Clock& clock, SessionConfig config)
    : self_(self), clock_(clock), config_(config), last_activity_(clock.Monotonic()) {}

Status Session::Send(const Envelope& envelope) { return Apply(envelope, self_ == Role::kCpe); }
Status Session::Receive(const Envelope& envelope) { return Apply(envelope, self_ == Role::kAcs); }

Status Session::CheckVersionRules(const Envelope& env) const {
  if (!version_) return Status::Ok();
  const std::string v(ToString(*version_));
  if (const auto* f = std::get_if<Fault>(&env.body); f && !FaultCodeAllowed(f->code, *version_)) {
    return InvalidArgument("session: fault " + std::to_string(f->code) + " does not exist in CWMP " + v);
  }
  // UseCWMPVersion on the InformResponse answers a 1.4 CPE's SupportedCWMPVersions and may name an
  // older version, the one the session then uses; anywhere else it needs a 1.4 session.
  if (env.use_cwmp_version && std::holds_alternative<InformResponse>(env.body)) {
    if (ParseVersion(*env.use_cwmp_version) != version_) {
      return InvalidArgument("session: UseCWMPVersion " + *env.use_cwmp_version + " differs from the session's CWMP " + v);
    }
  } else if (env.use_cwmp_version && !HeaderAllowed("UseCWMPVersion", *version_)) {
    return InvalidArgument("session: UseCWMPVersion is not part of CWMP " + v);
  }
  if (env.session_timeout && !HeaderAllowed("SessionTimeout", *version_)) {
    return InvalidArgument("session: SessionTimeout is not part of CWMP " + v);
  }
  return Status::Ok();
}

Status Session::Apply(const Envelope& env, bool from_cpe) {
  if (Status v = CheckVersionRules(env); !v.ok()) return v;
  Data next = d_;
  Status s = from_cpe ? OnCpeMessage(next, env) : OnAcsMessage(next, env);
  if (!s.ok()) return s;
  d_ = std::move(next);
  last_activity_ = clock_.Monotonic();
  return Status::Ok();
}

Status Session::MarkStored() {
  if (d_.pending_cpe.empty() || !d_.needs_store) {
    return InvalidArgument("session: nothing is waiting to be stored");
  }
  d_.stored = true;
  return Status::Ok();
}

bool Session::MayEnd() const {
  return d_.state == SessionState::kDone ||
         (d_.acs_finished && d_.state == SessionState::kCpeRequests && d_.pending_cpe.empty());
}

bool Session::Expired() const { return clock_.Monotonic() - last_activity_ > config_.timeout; }

// A message the CPE sent (received by an ACS, sent by a CPE).
Status Session::OnCpeMessage(Data& d, const Envelope& env) const {
  const std::string_view rpc = RpcName(env.body);
  const std::string shown = Shown(rpc);
  switch (d.state) {
    case SessionState::kAwaitInform:
      if (rpc != "Inform") return InvalidArgument("session: the CPE must open with an Inform, not " + shown);
      d.pending_cpe = "Inform";
      d.needs_store = self_ == Role::kAcs;
      d.stored = false;
      d.cpe_last = CpeLast::kRequest;
      d.state = SessionState::kAwaitInformAck;
      return Status::Ok();
    case SessionState::kAwaitInformAck:
      return InvalidArgument("session: the CPE sent " + shown + " before the InformResponse");
    case SessionState::kDone:
      return InvalidArgument("session: the CPE sent " + shown + " after the session ended");
    case SessionState::kCpeRequests:
    case SessionState::kAcsRequests:
      break;
  }
  if (!d.pending_cpe.empty()) {
    return InvalidArgument("session: the CPE sent " + shown + " while the answer to its " + d.pending_cpe + " is owed");
  }
  if (!d.outstanding_acs.empty()) {
    if (rpc == "Fault" || IsResponseTo(rpc, d.outstanding_acs)) {
      d.outstanding_acs.clear();
      d.outstanding_key.reset();
      d.cpe_last = CpeLast::kResponse;
      return Status::Ok();
    }
    return InvalidArgument("session: expected " + d.outstanding_acs + "Response or a Fault from the CPE, got " + shown);
  }
  if (rpc.empty()) {
    if (d.state == SessionState::kCpeRequests) {
      d.state = SessionState::kAcsRequests;
      d.cpe_last = CpeLast::kEmpty;
      return Status::Ok();
    }
    return InvalidArgument("session: unexpected empty message from the CPE");
  }
  if (rpc == "Inform") return InvalidArgument("session: a second Inform in one session");
  if (IsCpeRequest(rpc)) {
    if (d.state != SessionState::kCpeRequests) {
      return InvalidArgument("session: the CPE sent the request " + shown + " after its empty message");
    }
    if (d.hold) {
      return InvalidArgument("session: the CPE sent the request " + shown + " while the ACS holds requests (HoldRequests)");
    }
    d.pending_cpe = std::string(rpc);
    d.needs_store = self_ == Role::kAcs && ResponseNeedsDurableStore(rpc);
    d.stored = false;
    d.cpe_last = CpeLast::kRequest;
    return Status::Ok();
  }
  return InvalidArgument("session: " + shown + " is not a message a CPE may send now");
}

// A message the ACS sent (sent by an ACS, received by a CPE).
Status Session::OnAcsMessage(Data& d, const Envelope& env) const {
  const std::string_view rpc = RpcName(env.body);
  const std::string shown = Shown(rpc);
  auto answer_pending = [&]() -> Status {
    if (rpc != "Fault" && !IsResponseTo(rpc, d.pending_cpe)) {
      return InvalidArgument("session: the ACS owes " + d.pending_cpe + "Response or a Fault, not " + shown);
    }
    if (d.needs_store && !d.stored && rpc != "Fault") {
      return InvalidArgument("session: " + shown + " before the " + d.pending_cpe + " is stored (MarkStored)");
    }
    d.pending_cpe.clear();
    d.needs_store = d.stored = false;
    d.hold = env.hold_requests;
    d.hold_used = d.hold_used || env.hold_requests;
    return Status::Ok();
  };
  switch (d.state) {
    case SessionState::kAwaitInform:
      return InvalidArgument("session: the ACS cannot send " + shown + " before the CPE's Inform");
    case SessionState::kDone:
      return InvalidArgument("session: the ACS sent " + shown + " after the session ended");
    case SessionState::kAwaitInformAck: {
      Status s = answer_pending();
      if (!s.ok()) return s;
      if (rpc == "Fault") {
        d.state = SessionState::kDone;  // the ACS refused the Inform (e.g. 8005 retry, 8006 version)
      } else {
        d.inform_acked = true;
        d.state = SessionState::kCpeRequests;
      }
      return Status::Ok();
    }
    case SessionState::kCpeRequests:
    case SessionState::kAcsRequests:
      break;
  }
  if (!d.pending_cpe.empty()) return answer_pending();
  if (!d.outstanding_acs.empty()) {
    return InvalidArgument("session: the ACS sent " + shown + " while awaiting the answer to its " + d.outstanding_acs);
  }
  const bool cpe_waiting = d.cpe_last == CpeLast::kEmpty || d.cpe_last == CpeLast::kResponse;
  if (!cpe_waiting) return InvalidArgument("session: the ACS sent " + shown + " without a CPE message to answer");
  if (rpc.empty()) {
    if (env.hold_requests) return InvalidArgument("session: an empty message cannot carry HoldRequests");
    d.hold = false;
    d.acs_finished = true;
    // After the CPE's empty POST the session is over. After a CPE response it is over too, unless
    // the ACS held the CPE's requests during the session: then the CPE may now send what it held
    // back (or close).
    d.state = (d.cpe_last == CpeLast::kEmpty || !d.hold_used) ? SessionState::kDone : SessionState::kCpeRequests;
    d.cpe_last = CpeLast::kNothing;
    return Status::Ok();
  }
  if (IsAcsRequest(rpc)) {
    d.outstanding_acs = std::string(rpc);
    d.outstanding_key = ReconcileKeyOf(env.body);
    d.hold = env.hold_requests;
    d.hold_used = d.hold_used || env.hold_requests;
    d.acs_finished = false;
    d.state = SessionState::kAcsRequests;
    d.cpe_last = CpeLast::kNothing;
    return Status::Ok();
  }
  return InvalidArgument("session: " + shown + " is not a message the ACS may send now");
}

std::optional<ReconcileKey> ReconcileKeyOf(const Body& request) {
  return std::visit(
      [](const auto& b) -> std::optional<ReconcileKey> {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, SetParameterValues> || std::is_same_v<T, AddObject> ||
                      std::is_same_v<T, DeleteObject>) {
          return ReconcileKey{ReconcileKey::Kind::kParameterKey, b.parameter_key};
        } else if constexpr (std::is_same_v<T, Reboot> || std::is_same_v<T, Download> || std::is_same_v<T, Upload> ||
                             std::is_same_v<T, ScheduleInform> || std::is_same_v<T, ScheduleDownload> ||
                             std::is_same_v<T, ChangeDUState>) {
          return ReconcileKey{ReconcileKey::Kind::kCommandKey, b.command_key};
        } else {
          return std::nullopt;
        }
      },
      request);
}

RetryWindow RetryWindowFor(uint32_t retry_count, uint32_t min_wait_seconds, uint32_t multiplier) {
  const uint32_t n = std::clamp<uint32_t>(retry_count, 1, 10);
  const double k = multiplier / 1000.0;
  const double lo = min_wait_seconds * std::pow(k, n - 1);
  const double hi = min_wait_seconds * std::pow(k, n);
  return {std::chrono::milliseconds(static_cast<int64_t>(lo * 1000)),
          std::chrono::milliseconds(static_cast<int64_t>(hi * 1000))};
}

std::chrono::milliseconds RetryDelay(uint32_t retry_count, double fraction, uint32_t min_wait_seconds,
                                     uint32_t multiplier) {
  const RetryWindow w = RetryWindowFor(retry_count, min_wait_seconds, multiplier);
  fraction = std::clamp(fraction, 0.0, 1.0);
  return w.min + std::chrono::milliseconds(static_cast<int64_t>((w.max - w.min).count() * fraction));
}

}  // namespace ruru::cwmp
