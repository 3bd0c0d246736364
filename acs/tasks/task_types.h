// The task catalogue and its rules (docs/tasks.md), pure: what each task type sends, how its
// arguments are checked, how the CPE's answers become an outcome, and how an interrupted task is
// settled from the device's next Inform instead of being resent blindly. No I/O; the task engine
// (task_engine.h) stores what these functions decide.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acs/access/secret_box.h"
#include "base/result.h"
#include "cwmp/messages.h"
#include "db/task_store.h"

namespace ruru::acs::tasks {

enum class KeyKind { kNone, kCommandKey, kParameterKey };

struct TaskTypeInfo {
  std::string_view name;        // "reboot"
  std::string_view rpc;         // the first RPC it sends ("Reboot"; "GetParameterNames" for refresh)
  KeyKind key = KeyKind::kNone; // which key settles it after an interruption
  std::string_view summary;     // one line for docs and errors
  std::string_view action;      // the permission creating one needs (permissions.h)
};
// Every task type, in a stable order.
const std::vector<TaskTypeInfo>& TaskTypes();
const TaskTypeInfo* FindTaskType(std::string_view name);

struct TaskLimits {
  size_t max_names = 1000;                // names / parameters per GetParameterValues-like task
  size_t max_value_bytes = 64 * 1024;     // a value in set_parameter_values
  size_t refresh_batch = 100;             // names per GetParameterValues of a refresh
  size_t max_refresh_parameters = 20000;  // a larger subtree is a fault
};

// Checks a task's arguments and returns them normalised (defaults filled in). kInvalidArgument
// naming the field: "args.names[2]: not a parameter path". The keys a task sends itself
// (command_key, parameter_key) may not be given.
Result<nlohmann::json> ValidateTaskArgs(std::string_view type, const nlohmann::json& args, const TaskLimits& limits);

// A fresh key for a task's CommandKey / ParameterKey: "ruru-" and 16 hex digits (<= 32 chars).
std::string NewReconcileKey();

// Ruru's own fault codes for tasks (the ACS vendor range 8800-8899, so they never collide with a
// CPE's 9xxx codes): see docs/tasks.md.
inline constexpr uint32_t kFaultNotDelivered = 8801;    // sent max_attempts times, never known to arrive
inline constexpr uint32_t kFaultSubtreeTooLarge = 8802; // refresh: more parameters than the limit
inline constexpr uint32_t kFaultBadAnswer = 8803;       // the CPE's answer made no sense for the request
inline constexpr uint32_t kFaultInvalidTask = 8804;     // stored arguments no longer valid

// CWMP faults worth retrying later (the same request may succeed): 9002 internal error, 9004
// resources exceeded, 9010 download failure, 9011 upload failure, 9014 multicast join, 9015 file
// server unreachable, 9016 file access, 9017 download incomplete, 9020 time window. Everything else
// (bad arguments, unsupported, authentication, corrupt file) fails the task at once.
bool IsTransientFault(uint32_t code);
// The back-off before retry number `attempt` (1-based): base * 2^(attempt-1), at most `max`.
std::chrono::seconds RetryBackoff(int attempt, std::chrono::seconds base, std::chrono::seconds max);

// What the device's Inform says, for reconciliation.
struct InformFacts {
  std::vector<db::EventRecord> events;
  std::optional<std::string> parameter_key;  // ManagementServer.ParameterKey, when the Inform carried it
  std::string root = "Device";               // data model root
  db::TimePoint at{};                        // when acsd received it
};

// How a running task is settled at the start of a session.
struct Reconciliation {
  enum class Verdict {
    kKeep,     // leave it (another live session holds it, or it keeps waiting for its effect)
    kDone,     // the Inform proves it happened
    kAwait,    // it arrived; wait for its completion report (phase awaiting)
    kRequeue,  // it never took effect: safe to send again (queued)
    kProbe,    // ask the device in this session (GetQueuedTransfers / ParameterKey)
  };
  Verdict verdict = Verdict::kKeep;
  nlohmann::json result;  // kDone
  std::string why;        // for logs
};
// `stale`: whoever held the task is known to be gone (its session ended on this node, or the
// lease of another node's claim ran out). Never answers kRequeue for a Reboot, FactoryReset or a
// transfer whose delivery is unknown: those are settled by the Inform, a probe, or expiry.
Reconciliation Reconcile(const db::Task& task, const InformFacts& facts, bool stale);

// The outcome of running a task in a session.
struct TaskOutcome {
  enum class Kind {
    kDone,      // finished
    kAwaiting,  // the CPE accepted; the effect is reported later (Inform event, TransferComplete)
    kFault,     // a CWMP fault or a Ruru fault (fault_code); retried when transient
    kRequeue,   // a probe found the request never arrived: run it again
    kKeep,      // a probe could not tell: leave the task as it was
  };
  Kind kind = Kind::kDone;
  nlohmann::json result = nlohmann::json::object();
  uint32_t fault_code = 0;
  std::string fault_message;
  std::string fault_detail;  // JSON text, "" when none
  std::string fault_rpc;     // the RPC the fault answered
  // Inventory changes: values read (and their writable flags), with an optional subtree whose other
  // stored parameters are removed; or a subtree to remove (DeleteObject).
  std::vector<db::ParameterRecord> store;
  std::optional<std::string> replace_prefix;
  std::optional<std::string> remove_prefix;
};

// A completion report (TransferComplete, DUStateChangeComplete) as the outcome of its task.
TaskOutcome OutcomeOfTransferComplete(const cwmp::TransferComplete& report);
TaskOutcome OutcomeOfDuStateChangeComplete(const cwmp::DUStateChangeComplete& report);
// The task types whose completion report is this RPC ("TransferComplete" -> download, upload,
// schedule_download).
std::vector<std::string> TypesCompletedBy(std::string_view report_rpc);

// The RPCs of one task within one session. Not thread-safe.
class TaskRunner {
 public:
  virtual ~TaskRunner() = default;

  // A runner for `task` (its args are validated again, after its sealed secrets are opened with
  // `secrets`). `probe`: settle an interrupted task instead of running it
  // (Reconciliation::kProbe). kInvalidArgument when the stored task is not runnable (unknown type,
  // bad args, a sealed secret that does not open).
  static Result<std::unique_ptr<TaskRunner>> Create(const db::Task& task, const InformFacts& facts,
                                                    const TaskLimits& limits, bool probe,
                                                    const access::SecretBox* secrets = nullptr);

  // The next request to send, with the task's key filled in; nullopt once finished (outcome()).
  virtual std::optional<cwmp::Body> Next() = 0;
  // The CPE's answer to the last request from Next(): its response or a Fault.
  virtual void OnAnswer(const cwmp::Body& answer) = 0;
  // Set once the runner has finished.
  virtual const std::optional<TaskOutcome>& outcome() const = 0;
  // True for the probe runner (its RPC is not the task's own: no attempt is counted).
  virtual bool probing() const = 0;
};

// A provision hook: named code that turns arguments into the RPCs of a `provision` task. The
// requests' ParameterKey is filled in by the runner. Later issues register more (quarantine ...).
struct ProvisionHook {
  std::string_view name;
  std::string_view summary;
  // Validates `args`; kInvalidArgument naming the field.
  Status (*validate)(const nlohmann::json& args);
  // The requests, for a device whose data model root is `root`.
  std::vector<cwmp::Body> (*requests)(const nlohmann::json& args, const std::string& root);
};
const std::vector<ProvisionHook>& ProvisionHooks();

}  // namespace ruru::acs::tasks
