// Two-person approval (issue 7; docs/security.md "Two-person approval"): a pending action that a
// second, different user of an allowed role approves before it runs.
//
// The API stores the call (method, path and query, body) of an action configured to need a second
// person, with who asked and why. Decide() moves a pending approval to approved or rejected exactly
// once (the first decision wins; the requester can never approve, the table refuses it too); an
// approved call is then replayed as the requester and Finish() records its answer. Past expires_at
// a pending approval can no longer be approved and reads as expired.
//
// Threading: thread-safe; every method blocks (PostgreSQL). Errors: kInvalidArgument (a field over
// its limit), kNotFound, kConflict (not pending any more: the message says its state),
// kUnavailable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "db/inventory.h"

namespace ruru::db {

struct Approval {
  int64_t id = 0;
  std::string action;        // "tags.bulk"
  std::string method;        // "POST"
  std::string target;        // "/api/v1/tags/quarantine/devices?..."
  std::string content_type;  // of body ("" none)
  std::string body;
  std::string requested_by;  // token name
  std::string requested_role;
  std::string reason;
  std::string state;         // pending, approved, rejected, expired, executed, failed
  TimePoint created_at{};
  TimePoint expires_at{};
  std::string decided_by;    // "" while pending
  std::string decided_role;
  std::optional<TimePoint> decided_at;
  std::string decision_note;
  std::optional<int> result_status;
  std::string result_json;   // "" none
  std::optional<TimePoint> finished_at;
};

struct NewApproval {
  std::string action, method, target, content_type, body, requested_by, requested_role, reason;
  TimePoint now{};
  TimePoint expires_at{};
};

struct ApprovalLimits {
  size_t max_text_bytes = 256;       // action, method, names, roles, content type
  size_t max_target_bytes = 8192;
  size_t max_body_bytes = 4 * 1024 * 1024;
  size_t max_note_bytes = 500;       // reason, decision note
  size_t max_result_bytes = 64 * 1024;  // longer results are replaced by {"truncated": true, "bytes": N}
};

class ApprovalStore {
 public:
  virtual ~ApprovalStore() = default;
  virtual Result<Approval> Create(const NewApproval& approval) = 0;
  virtual Result<Approval> Get(int64_t id, TimePoint now) = 0;
  // Newest first; `state` "" any; ids < before_id (0: from the newest); limit 1..1000.
  virtual Result<std::vector<Approval>> List(const std::string& state, int64_t before_id, int limit,
                                             TimePoint now) = 0;
  // pending -> approved or rejected (`approve`), by `by` (never the requester: kInvalidArgument).
  virtual Result<Approval> Decide(int64_t id, bool approve, const std::string& by, const std::string& role,
                                  const std::string& note, TimePoint now) = 0;
  // approved -> executed (2xx) or failed, with the replayed call's answer.
  virtual Result<Approval> Finish(int64_t id, int status, const std::string& result_json, TimePoint now) = 0;
  // approved -> failed for the approvals decided before `decided_before` that never finished (the
  // node running the call stopped): result {"error": {"code": "interrupted", ...}}, no status.
  // Returns how many.
  virtual Result<int64_t> FailInterrupted(TimePoint decided_before, TimePoint now) = 0;
};

}  // namespace ruru::db
