// PostgreSQL implementations of db/inventory.h. The only way the rest of Ruru obtains them.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "db/approval_store.h"
#include "db/audit_store.h"
#include "db/device_admin.h"
#include "db/inventory.h"
#include "db/inventory_limits.h"
#include "db/task_store.h"

namespace ruru::db::pg {

struct PgOptions {
  std::string dsn;                                  // libpq connection string or URI
  int pool_size = 4;                                // connections kept for DeviceStore calls
  std::chrono::milliseconds connect_timeout{5000};  // per connection attempt
  std::chrono::milliseconds statement_timeout{10000};
};

struct BatcherOptions {
  std::chrono::milliseconds flush_interval{5};  // a batch is written at the latest this long after its first write
  size_t max_batch = 2000;                      // writes per batch (one transaction)
  size_t max_queue = 100000;                    // queued writes beyond this are refused (kUnavailable)
  int writers = 1;                              // parallel writer connections; a device always maps to the same one
  std::chrono::seconds duplicate_window{60};    // see InformOutcome::duplicate_suspect
  std::chrono::milliseconds retry_backoff_max{5000};  // reconnect back-off cap while PostgreSQL is down
  InventoryLimits limits;                       // Submit refuses a write that breaks one (kInvalidArgument, at once)
};

// Neither factory connects: connections are opened on first use and re-opened after a failure, so
// acsd starts (and reports not ready) while PostgreSQL is down, and recovers by itself.
std::unique_ptr<DeviceStore> OpenDeviceStore(const PgOptions& options);
// Starts the writer thread(s). `clock` must outlive the batcher (used for duplicate detection and
// latency figures only: timestamps come from InformWrite::received_at).
std::unique_ptr<InformBatcher> StartInformBatcher(const PgOptions& options, const BatcherOptions& batcher,
                                                  const Clock& clock);

// Tasks (db/task_store.h) and the API's inventory operations (db/device_admin.h), each on its own
// lazily connecting pool of options.pool_size connections.
std::unique_ptr<TaskStore> OpenTaskStore(const PgOptions& options);
std::unique_ptr<DeviceAdmin> OpenDeviceAdmin(const PgOptions& options);
// The audit log (db/audit_store.h).
std::unique_ptr<AuditStore> OpenAuditStore(const PgOptions& options);
// Two-person approvals (db/approval_store.h).
std::unique_ptr<ApprovalStore> OpenApprovalStore(const PgOptions& options);
// LISTEN ruru_tasks on a dedicated connection and thread; `on_notice` gets every notice of every
// node. Reconnects with back-off (200 ms doubling to 5 s, in `clock`'s time) after a failure.
// `clock` must outlive the listener.
std::unique_ptr<TaskListener> StartTaskListener(const PgOptions& options,
                                                std::function<void(const TaskNotice&)> on_notice,
                                                const Clock& clock = SystemClock::Instance());

}  // namespace ruru::db::pg
