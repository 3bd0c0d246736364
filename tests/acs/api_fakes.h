// In-memory fakes of the REST API's and the task engine's dependencies (DeviceStore, DeviceAdmin,
// TaskStore, TaskService) for api_test.cpp and task_engine_test.cpp. One shared Inventory behind a mutex; every method
// can be made to fail with an injected Error (Inventory::fail, by method name). Only what the API calls is implemented;
// the rest returns kInternal.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "acs/tasks/task_service.h"
#include "db/audit_store.h"
#include "db/device_admin.h"
#include "db/inventory.h"
#include "db/task_store.h"

namespace ruru::acs::testing {

struct Inventory {
  std::mutex mu;
  std::map<int64_t, db::Device> devices;
  std::map<int64_t, std::vector<db::StoredEvent>> events;         // newest first
  std::map<int64_t, std::vector<db::ParameterRecord>> parameters;  // by path
  std::map<int64_t, std::vector<db::IpInterval>> ip_history;
  std::map<int64_t, db::StoredFault> faults;
  std::map<int64_t, db::Task> tasks;
  std::map<std::string, db::ApiToken> tokens;  // by sha256
  std::vector<db::AuditEntry> audit;           // oldest first
  std::vector<db::CpeReport> reports;          // oldest first
  std::map<std::string, Error> fail;           // method name -> error returned
  int64_t next_task = 1;

  // Calls seen, for assertions.
  std::map<std::string, int> calls;
  std::optional<db::DeviceQuery> last_query;
  std::optional<db::TaskFilter> last_task_filter;
  std::optional<db::FaultQuery> last_fault_query;
  std::vector<std::pair<int64_t, db::TimePoint>> touches;
  std::vector<tasks::TaskRequest> task_requests;
  int64_t last_max_devices = 0;

  std::optional<Error> Enter(const std::string& method) {
    ++calls[method];
    auto it = fail.find(method);
    if (it == fail.end()) return std::nullopt;
    return it->second;
  }
};

inline bool MatchesQuery(const db::Device& d, const db::DeviceQuery& q) {
  if (!q.serial.empty() && d.key.serial_number != q.serial) return false;
  if (!q.oui.empty() && d.key.oui != q.oui) return false;
  if (!q.product_class.empty() && d.key.product_class != q.product_class) return false;
  if (!q.software_version.empty() && d.software_version != q.software_version) return false;
  if (!q.tag.empty() && std::find(d.tags.begin(), d.tags.end(), q.tag) == d.tags.end()) return false;
  if (!q.q.empty() && d.key.serial_number.rfind(q.q, 0) != 0 && d.subscriber_ref.rfind(q.q, 0) != 0 &&
      d.subscriber_phone != q.q && d.wan_ip != q.q && d.peer_ip != q.q) {
    return false;
  }
  if (!q.ip.empty() && !q.at && d.wan_ip != q.ip && d.peer_ip != q.ip) return false;
  if (q.online) {
    const std::chrono::seconds interval(d.periodic_inform_interval.value_or(86400));
    const bool online = d.last_inform && q.now - *d.last_inform <= 2 * interval + q.online_grace;
    if (online != *q.online) return false;
  }
  return true;
}

class FakeDeviceStore final : public db::DeviceStore {
 public:
  Result<db::PruneReport> PruneIpHistory(db::TimePoint, int64_t) override { return db::PruneReport{}; }
  Result<std::vector<db::SealedSecretRow>> SealedNotUnder(const std::string&, int64_t, int) override {
    return std::vector<db::SealedSecretRow>{};
  }
  Result<bool> ReplaceSealed(int64_t, bool, const std::string&, const std::string&, const std::string&) override {
    return false;
  }

 public:
  explicit FakeDeviceStore(Inventory& inv) : inv_(inv) {}
  Result<db::Device> FindByKey(const db::DeviceKey& key) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("FindByKey")) return *e;
    for (const auto& [id, d] : inv_.devices) {
      if (d.key == key) return d;
    }
    return NotFound("no such device");
  }
  Result<db::Device> Get(int64_t id) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("Get")) return *e;
    auto it = inv_.devices.find(id);
    if (it == inv_.devices.end()) return NotFound("no device " + std::to_string(id));
    return it->second;
  }
  Result<std::vector<db::Device>> List(int64_t, int) override { return Internal("fake"); }
  Result<int64_t> Count() override { return Internal("fake"); }
  // Devices of the fake have no credentials of their own.
  Result<db::DeviceCredentials> FindCredentialsByUsername(const std::string&) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("FindCredentialsByUsername")) return *e;
    return NotFound("no such username");
  }
  Status SetPendingCredentials(int64_t, const db::CredentialVerifier&, const db::ConnectionRequestSecret&) override {
    return Internal("fake");
  }
  Status ConfirmPendingCredentials(int64_t) override { return Internal("fake"); }
  Result<std::vector<db::StoredEvent>> RecentEvents(int64_t id, int limit) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("RecentEvents")) return *e;
    auto events = inv_.events[id];
    if (static_cast<int>(events.size()) > limit) events.resize(limit);
    return events;
  }
  Result<db::PruneReport> PruneEvents(db::TimePoint, int64_t) override { return Internal("fake"); }
  Result<int> EnsureHistoryPartitions(db::TimePoint) override { return Internal("fake"); }
  Result<std::vector<db::ParameterRecord>> Parameters(int64_t id, const std::string& prefix) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("Parameters")) return *e;
    std::vector<db::ParameterRecord> out;
    for (const auto& p : inv_.parameters[id]) {
      if (p.path.rfind(prefix, 0) == 0) out.push_back(p);
    }
    return out;
  }
  Result<std::vector<db::IpInterval>> IpHistory(int64_t id) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("IpHistory")) return *e;
    return inv_.ip_history[id];
  }
  Result<std::vector<int64_t>> DevicesWithIpAt(const std::string&, db::TimePoint) override { return Internal("fake"); }
  Status RecordFault(const db::FaultRecord&) override { return Internal("fake"); }
  Result<std::vector<db::FaultRecord>> Faults(int64_t, int) override { return Internal("fake"); }
  Status RecordReport(const db::CpeReport& report) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("RecordReport")) return *e;
    inv_.reports.push_back(report);
    return Status::Ok();
  }
  Result<std::vector<db::CpeReport>> Reports(int64_t, int) override { return Internal("fake"); }
  Status Ping() override { return Status::Ok(); }

 private:
  Inventory& inv_;
};

class FakeDeviceAdmin final : public db::DeviceAdmin {
 public:
  explicit FakeDeviceAdmin(Inventory& inv) : inv_(inv) {}

  Result<std::vector<db::Device>> Find(const db::DeviceQuery& q) override {
    std::lock_guard lock(inv_.mu);
    inv_.last_query = q;
    if (auto e = inv_.Enter("Find")) return *e;
    std::vector<db::Device> out;
    for (const auto& [id, d] : inv_.devices) {
      if (id <= q.after_id || !MatchesQuery(d, q)) continue;
      out.push_back(d);
      if (static_cast<int>(out.size()) >= q.limit) break;
    }
    return out;
  }
  Status SetTag(int64_t device_id, const std::string& tag, bool present) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("SetTag")) return *e;
    auto it = inv_.devices.find(device_id);
    if (it == inv_.devices.end()) return NotFound("no device");
    return Apply(it->second, tag, present) >= 0 ? Status::Ok() : Status(InvalidArgument("the device has 64 tags"));
  }
  Result<int64_t> SetTagMatching(const db::DeviceQuery& q, const std::string& tag, bool present,
                                 int64_t max_devices) override {
    std::lock_guard lock(inv_.mu);
    inv_.last_query = q;
    inv_.last_max_devices = max_devices;
    if (auto e = inv_.Enter("SetTagMatching")) return *e;
    std::vector<db::Device*> matched;
    for (auto& [id, d] : inv_.devices) {
      if (MatchesQuery(d, q)) matched.push_back(&d);
    }
    if (static_cast<int64_t>(matched.size()) > max_devices) return InvalidArgument("more devices match than allowed");
    int64_t changed = 0;
    for (db::Device* d : matched) changed += Apply(*d, tag, present) > 0 ? 1 : 0;
    return changed;
  }
  Result<BulkTagResult> SetTagForIds(const std::vector<int64_t>& ids, const std::string& tag, bool present) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("SetTagForIds")) return *e;
    BulkTagResult r;
    for (int64_t id : ids) {
      auto it = inv_.devices.find(id);
      if (it == inv_.devices.end()) {
        r.missing.push_back(id);
      } else if (Apply(it->second, tag, present) > 0) {
        ++r.changed;
      }
    }
    return r;
  }
  Result<SerialLookup> IdsBySerial(const std::vector<std::string>& serials) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("IdsBySerial")) return *e;
    SerialLookup r;
    for (const auto& s : serials) {
      bool found = false;
      for (const auto& [id, d] : inv_.devices) {
        if (d.key.serial_number == s) {
          r.ids.push_back(id);
          found = true;
        }
      }
      if (!found) r.missing.push_back(s);
    }
    return r;
  }
  Status UpdateSubscriber(int64_t device_id, const db::SubscriberUpdate& u) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("UpdateSubscriber")) return *e;
    auto it = inv_.devices.find(device_id);
    if (it == inv_.devices.end()) return NotFound("no device");
    if (u.subscriber_ref) it->second.subscriber_ref = *u.subscriber_ref;
    if (u.subscriber_phone) it->second.subscriber_phone = *u.subscriber_phone;
    if (u.time_zone) it->second.time_zone = *u.time_zone;
    return Status::Ok();
  }
  Status DeleteDevice(int64_t device_id) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("DeleteDevice")) return *e;
    if (inv_.devices.erase(device_id) == 0) return NotFound("no device");
    return Status::Ok();
  }
  Result<std::vector<db::StoredFault>> ListFaults(const db::FaultQuery& q) override {
    std::lock_guard lock(inv_.mu);
    inv_.last_fault_query = q;
    if (auto e = inv_.Enter("ListFaults")) return *e;
    std::vector<db::StoredFault> out;
    for (auto it = inv_.faults.rbegin(); it != inv_.faults.rend(); ++it) {
      const db::StoredFault& f = it->second;
      if (q.before_id > 0 && f.id >= q.before_id) continue;
      if (q.device_id && f.fault.device_id != *q.device_id) continue;
      if (q.task_id && f.task_id != q.task_id) continue;
      out.push_back(f);
      if (static_cast<int>(out.size()) >= q.limit) break;
    }
    return out;
  }
  Result<db::StoredFault> GetFault(int64_t id) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("GetFault")) return *e;
    auto it = inv_.faults.find(id);
    if (it == inv_.faults.end()) return NotFound("no fault");
    return it->second;
  }
  Status DeleteFault(int64_t id) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("DeleteFault")) return *e;
    if (inv_.faults.erase(id) == 0) return NotFound("no fault");
    return Status::Ok();
  }
  Result<int64_t> DeleteFaults(int64_t device_id) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("DeleteFaults")) return *e;
    int64_t n = 0;
    for (auto it = inv_.faults.begin(); it != inv_.faults.end();) {
      if (it->second.fault.device_id == device_id) {
        it = inv_.faults.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }
  Result<db::ApiToken> CreateToken(const std::string& name, const std::string& role, const std::string& sha,
                                   const std::string& prefix, db::TimePoint now,
                                   std::optional<db::TimePoint> expires_at) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("CreateToken")) return *e;
    for (const auto& [s, t] : inv_.tokens) {
      if (t.name == name) return Conflict("name taken");
    }
    db::ApiToken t;
    t.id = static_cast<int64_t>(inv_.tokens.size()) + 1;
    t.name = name;
    t.role = role;
    t.prefix = prefix;
    t.created_at = now;
    t.expires_at = expires_at;
    inv_.tokens[sha] = t;
    return t;
  }
  Result<db::ApiToken> FindToken(const std::string& sha) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("FindToken")) return *e;
    auto it = inv_.tokens.find(sha);
    if (it == inv_.tokens.end()) return NotFound("no token");
    return it->second;
  }
  Result<std::vector<db::ApiToken>> ListTokens() override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("ListTokens")) return *e;
    std::vector<db::ApiToken> out;
    for (const auto& [s, t] : inv_.tokens) out.push_back(t);
    std::sort(out.begin(), out.end(), [](const db::ApiToken& a, const db::ApiToken& b) { return a.name < b.name; });
    return out;
  }
  Status RevokeToken(const std::string& name, db::TimePoint now) override {
    std::lock_guard lock(inv_.mu);
    bool found = false;
    for (auto& [s, t] : inv_.tokens) {
      if (t.name != name) continue;
      found = true;
      if (!t.revoked_at) t.revoked_at = now;
    }
    if (!found) return NotFound("no token named " + name);
    return Status::Ok();
  }
  Status TouchToken(int64_t id, db::TimePoint now) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("TouchToken")) return *e;
    inv_.touches.emplace_back(id, now);
    return Status::Ok();
  }

 private:
  // 1: changed, 0: nothing to do, -1: refused (64 tags).
  static int Apply(db::Device& d, const std::string& tag, bool present) {
    auto it = std::find(d.tags.begin(), d.tags.end(), tag);
    if (present) {
      if (it != d.tags.end()) return 0;
      if (d.tags.size() >= 64) return -1;
      d.tags.push_back(tag);
      return 1;
    }
    if (it == d.tags.end()) return 0;
    d.tags.erase(it);
    return 1;
  }
  Inventory& inv_;
};

class FakeAuditStore final : public db::AuditStore {
 public:
  explicit FakeAuditStore(Inventory& inv) : inv_(inv) {}
  Result<int64_t> Append(const db::AuditEntry& entry) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("Append")) return *e;
    db::AuditEntry e = entry;
    e.id = static_cast<int64_t>(inv_.audit.size()) + 1;
    inv_.audit.push_back(e);
    return e.id;
  }
  Result<std::vector<db::AuditEntry>> Find(const db::AuditQuery& q) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("FindAudit")) return *e;
    std::vector<db::AuditEntry> out;
    for (auto it = inv_.audit.rbegin(); it != inv_.audit.rend() && static_cast<int>(out.size()) < q.limit; ++it) {
      if (q.before_id != 0 && it->id >= q.before_id) continue;
      if (!q.actor.empty() && it->actor != q.actor) continue;
      if (!q.action.empty() && it->action != q.action) continue;
      if (q.device_id && it->device_id != q.device_id) continue;
      if (!q.result.empty() && it->result != q.result) continue;
      out.push_back(*it);
    }
    return out;
  }
  Result<int> MaintainPartitions(db::TimePoint, std::chrono::hours) override { return 0; }

 private:
  Inventory& inv_;
};

class FakeTaskStore final : public db::TaskStore {
 public:
  explicit FakeTaskStore(Inventory& inv) : inv_(inv) {}
  Result<db::CreatedTask> Create(const db::NewTask&) override { return Internal("fake"); }
  Result<db::Task> Get(int64_t id) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("TaskGet")) return *e;
    auto it = inv_.tasks.find(id);
    if (it == inv_.tasks.end()) return NotFound("no task");
    return it->second;
  }
  Result<std::vector<db::Task>> List(const db::TaskFilter& f) override {
    std::lock_guard lock(inv_.mu);
    inv_.last_task_filter = f;
    if (auto e = inv_.Enter("TaskList")) return *e;
    std::vector<db::Task> out;
    for (auto it = inv_.tasks.rbegin(); it != inv_.tasks.rend(); ++it) {
      const db::Task& t = it->second;
      if (f.before_id > 0 && t.id >= f.before_id) continue;
      if (f.device_id && t.device_id != *f.device_id) continue;
      if (f.state && t.state != *f.state) continue;
      out.push_back(t);
      if (static_cast<int>(out.size()) >= f.limit) break;
    }
    return out;
  }
  Result<db::Task> Cancel(int64_t id, db::TimePoint now) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("Cancel")) return *e;
    auto it = inv_.tasks.find(id);
    if (it == inv_.tasks.end()) return NotFound("no task");
    db::Task& t = it->second;
    const bool on_wire = t.state == db::TaskState::kRunning &&
                         (t.phase == db::TaskPhase::kClaimed || t.phase == db::TaskPhase::kSent);
    if (db::IsFinal(t.state) || on_wire) return Conflict("task " + std::to_string(id) + " cannot be cancelled now");
    t.state = db::TaskState::kCancelled;
    t.phase = db::TaskPhase::kNone;
    t.finished_at = now;
    t.updated_at = now;
    return t;
  }
  Result<db::SessionWork> BeginSession(int64_t, const std::string&, db::TimePoint, db::TimePoint, int,
                                       const db::ReconcileFn&) override {
    return Internal("fake");
  }
  Result<std::vector<db::Task>> ClaimMore(int64_t, const std::string&, db::TimePoint, db::TimePoint, int) override {
    return Internal("fake");
  }
  Result<db::Task> Update(int64_t, const std::string&, const db::TaskUpdate&, db::TimePoint) override {
    return Internal("fake");
  }
  Result<db::Task> SettleByKey(int64_t, const std::string&, const std::vector<std::string>&, const db::TaskUpdate&,
                               db::TimePoint) override {
    return Internal("fake");
  }
  Result<int64_t> ReleaseClaims(int64_t, const std::string&, db::TimePoint) override { return Internal("fake"); }
  // Queued tasks past expires_at (the fake ignores the running-task subtleties of the real store).
  Result<std::vector<db::Task>> ExpireDue(db::TimePoint now, int limit) override {
    std::lock_guard lock(inv_.mu);
    if (auto e = inv_.Enter("ExpireDue")) return *e;
    std::vector<db::Task> out;
    for (auto& [id, t] : inv_.tasks) {
      if (static_cast<int>(out.size()) >= limit) break;
      if (t.state != db::TaskState::kQueued || t.expires_at > now) continue;
      t.state = db::TaskState::kExpired;
      t.finished_at = now;
      t.updated_at = now;
      out.push_back(t);
    }
    return out;
  }
  Result<int64_t> StoreParameters(int64_t, const std::vector<db::ParameterRecord>&, db::TimePoint,
                                  const std::optional<std::string>&) override {
    return Internal("fake");
  }
  Result<int64_t> RemoveParameters(int64_t, const std::string&) override { return Internal("fake"); }

 private:
  Inventory& inv_;
};

// CreateTask knows the types "reboot" and "get_parameter_values"; Kick answers `kick_result`
// at once; WaitFinal settles the task with `settle_to` (done(true)) when set, else says the wait
// timed out (done(false)) at once. No timers anywhere.
class FakeTaskService final : public tasks::TaskService {
 public:
  explicit FakeTaskService(Inventory& inv) : inv_(inv) {}

  tasks::KickResult kick_result{"ok", "the CPE accepted", 200, 12};
  std::optional<db::TaskState> settle_to;
  std::string result_on_settle;  // result_json set when settling
  int kicks = 0;
  int waits = 0;
  std::chrono::milliseconds last_wait{0};

  Result<db::CreatedTask> CreateTask(const tasks::TaskRequest& r) override {
    std::lock_guard lock(inv_.mu);
    inv_.task_requests.push_back(r);
    if (auto e = inv_.Enter("CreateTask")) return *e;
    if (r.type != "reboot" && r.type != "get_parameter_values") return InvalidArgument("type: unknown task type");
    if (inv_.devices.count(r.device_id) == 0) return NotFound("no device " + std::to_string(r.device_id));
    const std::string hash = r.type + "|" + r.args.dump() + "|" + std::to_string(r.max_attempts.value_or(3)) + "|" +
                             std::to_string(r.expires_in.value_or(std::chrono::seconds(86400)).count()) + "|" +
                             (r.hold_requests ? "1" : "0");
    if (!r.idempotency_key.empty()) {
      auto it = keys_.find(r.created_by + "/" + r.idempotency_key);
      if (it != keys_.end()) {
        if (it->second.first != hash) return Conflict("idempotency key used for another request");
        return db::CreatedTask{inv_.tasks.at(it->second.second), false};
      }
    }
    db::Task t;
    t.id = inv_.next_task++;
    t.device_id = r.device_id;
    t.type = r.type;
    t.args_json = r.args.dump();
    t.max_attempts = r.max_attempts.value_or(3);
    t.hold_requests = r.hold_requests;
    t.created_by = r.created_by;
    t.idempotency_key = r.idempotency_key;
    inv_.tasks[t.id] = t;
    if (!r.idempotency_key.empty()) keys_[r.created_by + "/" + r.idempotency_key] = {hash, t.id};
    return db::CreatedTask{t, true};
  }

  void Kick(int64_t, std::function<void(tasks::KickResult)> done) override {
    tasks::KickResult r;
    {
      std::lock_guard lock(inv_.mu);
      ++kicks;
      r = kick_result;
    }
    done(r);
  }

  void WaitFinal(int64_t task_id, std::chrono::milliseconds timeout, std::function<void(bool)> done) override {
    bool final = false;
    {
      std::lock_guard lock(inv_.mu);
      ++waits;
      last_wait = timeout;
      auto it = inv_.tasks.find(task_id);
      if (settle_to && it != inv_.tasks.end()) {
        it->second.state = *settle_to;
        it->second.result_json = result_on_settle;
        final = true;
      }
    }
    done(final);
  }

 private:
  Inventory& inv_;
  std::map<std::string, std::pair<std::string, int64_t>> keys_;  // created_by/key -> (hash, task id)
};

}  // namespace ruru::acs::testing
