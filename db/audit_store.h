// The audit log: who changed what, append-only (issue 7; docs/security.md "Audit log").
//
// Every state-changing API call (allowed or refused) and every fleet-affecting engine decision is
// one entry. Entries are never updated or deleted one by one: the table refuses UPDATE and DELETE
// (a trigger), and retention drops whole monthly partitions older than the configured age.
//
// Threading: thread-safe; every method blocks (PostgreSQL). Errors: kInvalidArgument (a field
// over its limit: nothing written), kUnavailable.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "db/inventory.h"

namespace ruru::db {

struct AuditEntry {
  int64_t id = 0;  // set by the store
  TimePoint at{};
  std::string actor;                 // token name; "acsd:<node>" for the server's own decisions
  std::string role;                  // the actor's role then ("" for the server)
  std::string action;                // a permission action ("tasks.create.reboot") or an engine decision
  std::string target;                // "device:42", "task:7", "token:desk-1", "tag:fibre" ("" for none)
  std::optional<int64_t> device_id;  // when the entry concerns one device
  std::string params_json = "{}";    // what was asked, secrets redacted (a JSON object)
  std::string reason;                // X-Ruru-Reason
  std::string result;                // "ok", or the error code ("forbidden", "invalid_argument" ...)
  std::optional<int> status;         // the HTTP status of an API call
  std::string request_id;            // the API request id (X-Request-Id of the answer)
};

struct AuditQuery {
  std::optional<TimePoint> since{};  // at >= since
  std::optional<TimePoint> until{};  // at < until
  std::string actor{};               // exact ("" any)
  std::string action{};              // exact, or a prefix ending in '.' ("tasks.create.")
  std::optional<int64_t> device_id{};
  std::string result{};   // exact ("" any); "denied" matches forbidden and reason_required
  int64_t before_id = 0;  // newest first: ids < before_id (0: from the newest)
  int limit = 50;         // 1..1000
};

struct AuditLimits {
  size_t max_text_bytes = 256;  // actor, role, action, target, result, request id
  size_t max_reason_bytes = 500;
  size_t max_params_bytes = 16 * 1024;  // larger parameters are cut and marked {"truncated": true}
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Appends one entry; returns its id.
  virtual Result<int64_t> Append(const AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEntry>> Find(const AuditQuery& query) = 0;

  // Monthly partitions: makes sure the months of `now` and the next one exist (idempotent, called
  // at start-up and daily), and drops the partitions that end before `now - retention`. Returns
  // how many partitions were dropped.
  virtual Result<int> MaintainPartitions(TimePoint now, std::chrono::hours retention) = 0;
};

}  // namespace ruru::db
