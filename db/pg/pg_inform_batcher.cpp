// The batching Inform writer (DESIGN.md §3, docs/inventory.md). Each writer thread owns one
// connection and a queue; a device always hashes to the same writer, so its writes stay ordered.
// A batch is one transaction: statement rounds (pg_inform_sql.h) for the devices and events, then
// the parameter values. A batch that PostgreSQL refuses for its data is retried one write per
// transaction, so only the bad write fails; a batch that fails for the connection fails entirely
// (kUnavailable: nothing was stored, the CPE gets 503 and retries).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "db/inventory_limits.h"
#include "db/pg/array_literal.h"
#include "db/pg/pg_connection.h"
#include "db/pg/pg_error.h"
#include "db/pg/pg_inform_sql.h"
#include "db/pg/pg_inventory.h"

namespace ruru::db {

const std::vector<double>& InformBatcher::BatchSizeBounds() {
  static const std::vector<double> bounds{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
  return bounds;
}

const std::vector<double>& InformBatcher::CommitLatencyBounds() {
  static const std::vector<double> bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return bounds;
}

namespace pg {
namespace {

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("db")) return existing;
    auto created = spdlog::default_logger()->clone("db");
    spdlog::register_logger(created);
    return created;
  }();
  return *logger;
}

constexpr char kApplicationName[] = "ruru-inform-writer";
constexpr std::chrono::milliseconds kFirstBackoff{50};

size_t Bucket(const std::vector<double>& bounds, double value) {
  return std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
}

struct Item {
  InformWrite write;
  InformBatcher::Callback done;
  Clock::Instant queued_at;  // the batcher's clock (monotonic)
};

// A callback that throws must not take the writer thread down with it.
void Call(const InformBatcher::Callback& done, Result<InformOutcome> result) {
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    Log().error("inform batcher: a completion callback threw: {}", e.what());
  } catch (...) {
    Log().error("inform batcher: a completion callback threw");
  }
}

// Plans of the batch statements: every lookup must be an index probe per input row, whatever the
// table sizes. With the arrays' values visible, a custom plan sees a large batch and may pick a hash
// join over the whole device_parameters table (docs/param_layout_decision.md: 23.7 s instead of
// 1.8 s for 300,000 values), so plans are generic (unnest estimated at a few rows). A generic plan
// made while a table is still small (a fresh installation) would scan it sequentially and keep
// doing so as it grows, so sequential scans are off on these connections (they run only these
// statements; a probe of a small table costs next to nothing).
constexpr char kForceGenericPlans[] = "SELECT set_config('plan_cache_mode', 'force_generic_plan', false)";
constexpr char kNoSeqScans[] = "SELECT set_config('enable_seqscan', 'off', false)";

void Prepare(pqxx::connection& conn) {
  {
    pqxx::nontransaction tx(conn);
    tx.exec(kForceGenericPlans);
    tx.exec(kNoSeqScans);
  }
  conn.prepare(sql::kInformRoundName, sql::kInformRound);
  conn.prepare(sql::kInsertPathsName, sql::kInsertPaths);
  conn.prepare(sql::kSelectPathIdsName, sql::kSelectPathIds);
  conn.prepare(sql::kUpsertParametersName, sql::kUpsertParameters);
}

bool HasEvent(const InformWrite& w, std::string_view code) {
  return std::any_of(w.events.begin(), w.events.end(), [&](const EventRecord& e) { return e.code == code; });
}

std::optional<std::string> NonEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

struct DeviceKeyHash {
  size_t operator()(const DeviceKey& k) const {
    std::hash<std::string> h;
    size_t v = h(k.oui);
    v = v * 1000003u ^ h(k.product_class);
    v = v * 1000003u ^ h(k.serial_number);
    return v;
  }
};

// parameter_paths ids this writer has seen committed.
using PathIds = std::unordered_map<std::string, int32_t>;
constexpr size_t kMaxCachedPaths = 1000000;

// Round r holds the indexes of the r-th write of each device in `items`.
std::vector<std::vector<size_t>> Rounds(const std::vector<Item*>& items) {
  std::unordered_map<DeviceKey, int, DeviceKeyHash> seen;
  std::vector<std::vector<size_t>> rounds;
  for (size_t i = 0; i < items.size(); ++i) {
    const int round = seen[items[i]->write.key]++;
    if (static_cast<size_t>(round) >= rounds.size()) rounds.emplace_back();
    rounds[round].push_back(i);
  }
  return rounds;
}

// One round: the device upserts, IP intervals and events of at most one write per device, in one
// statement over arrays; the outcome of each written item goes to results[index].
void WriteRound(pqxx::work& tx, const std::vector<Item*>& items, const std::vector<size_t>& round,
                const std::string& window_us, std::vector<Result<InformOutcome>>& results) {
  ArrayLiteral ord, oui, pc, sn, manufacturer, model, hw, sw, prov, dm, url, wan, pkey, pii, peer, at, allow, boot,
      bootstrap, ev_ord, ev_code, ev_key;
  for (size_t index : round) {
    const InformWrite& w = items[index]->write;
    ord.AddInt(static_cast<int64_t>(index));
    oui.Add(w.key.oui);
    pc.Add(w.key.product_class);
    sn.Add(w.key.serial_number);
    manufacturer.AddOptional(NonEmpty(w.manufacturer));
    model.AddOptional(w.model_name);
    hw.AddOptional(w.hardware_version);
    sw.AddOptional(w.software_version);
    prov.AddOptional(w.provisioning_code);
    dm.AddOptional(w.data_model);
    url.AddOptional(w.connection_request_url);
    wan.AddOptional(w.wan_ip);
    pkey.AddOptional(w.parameter_key);
    if (w.periodic_inform_interval) {
      pii.AddInt(*w.periodic_inform_interval);
    } else {
      pii.AddNull();
    }
    peer.AddOptional(NonEmpty(w.peer_ip));
    at.AddInt(ToMicros(w.received_at));
    allow.AddBool(w.allow_create);
    boot.AddBool(HasEvent(w, "1 BOOT"));
    bootstrap.AddBool(HasEvent(w, "0 BOOTSTRAP"));
    for (const EventRecord& e : w.events) {
      ev_ord.AddInt(static_cast<int64_t>(index));
      ev_code.Add(e.code);
      ev_key.Add(e.command_key);
    }
  }
  const pqxx::result rows = tx.exec_prepared(
      sql::kInformRoundName, ord.Finish(), oui.Finish(), pc.Finish(), sn.Finish(), manufacturer.Finish(),
      model.Finish(), hw.Finish(), sw.Finish(), prov.Finish(), dm.Finish(), url.Finish(), wan.Finish(), pkey.Finish(),
      pii.Finish(), peer.Finish(), at.Finish(), allow.Finish(), boot.Finish(), bootstrap.Finish(), ev_ord.Finish(),
      ev_code.Finish(), ev_key.Finish(), window_us);
  for (const pqxx::row& row : rows) {
    const auto index = row[0].as<size_t>();
    if (index >= items.size()) throw std::logic_error("inform round returned an unknown row");
    InformOutcome outcome;
    outcome.device_id = row[1].as<int64_t>();
    outcome.created = row[2].as<bool>();
    outcome.has_active_credentials = row[3].as<bool>();
    outcome.has_pending_credentials = row[4].as<bool>();
    outcome.duplicate_suspect = row[5].as<bool>();
    if (outcome.duplicate_suspect) outcome.previous_peer_ip = row[6].as<std::string>();
    outcome.pending_work = row[7].as<int64_t>();
    results[index] = outcome;
  }
}

// The parameters of the written devices (a later write of the same device and path wins: the same
// final state as applying them in order). Returns the path ids learned (added to the cache only
// after the commit).
PathIds WriteParameters(pqxx::work& tx, const std::vector<Item*>& items,
                        const std::vector<Result<InformOutcome>>& results, const PathIds& path_ids) {
  std::map<std::pair<int64_t, std::string_view>, std::pair<const ParameterRecord*, TimePoint>> latest;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!results[i].ok()) continue;
    for (const ParameterRecord& p : items[i]->write.parameters) {
      latest[{results[i]->device_id, p.path}] = {&p, items[i]->write.received_at};
    }
  }
  PathIds learned;
  if (!latest.empty()) {
    ArrayLiteral unknown;
    for (const auto& [key, entry] : latest) {
      if (!path_ids.contains(std::string(key.second)) && !learned.contains(std::string(key.second))) {
        unknown.Add(key.second);
        learned.emplace(key.second, 0);
      }
    }
    if (unknown.size() > 0) {
      const std::string unknown_literal = unknown.Finish();
      tx.exec_prepared(sql::kInsertPathsName, unknown_literal);
      for (const pqxx::row& row : tx.exec_prepared(sql::kSelectPathIdsName, unknown_literal)) {
        learned[row[0].as<std::string>()] = row[1].as<int32_t>();
      }
    }
    ArrayLiteral ids, path_id, values, types, ats;
    for (const auto& [key, entry] : latest) {
      const std::string path(key.second);
      auto known = path_ids.find(path);
      const int32_t id = known != path_ids.end() ? known->second : learned.at(path);
      if (id == 0) throw std::logic_error("parameter path has no id after insert");
      ids.AddInt(key.first);
      path_id.AddInt(id);
      values.Add(entry.first->value);
      types.Add(entry.first->type);
      ats.AddInt(ToMicros(entry.second));
    }
    tx.exec_prepared(sql::kUpsertParametersName, ids.Finish(), path_id.Finish(), values.Finish(), types.Finish(),
                     ats.Finish());
  }
  return learned;
}

// Writes `items` in one transaction on `conn` and returns one result per item (ok, or kNotFound
// for an unknown device that may not be created). Path ids learned are added to `path_ids` after
// the commit. Throws pqxx exceptions; nothing is committed then.
std::vector<Result<InformOutcome>> WriteBatch(pqxx::connection& conn, const std::vector<Item*>& items,
                                              std::chrono::seconds duplicate_window, PathIds& path_ids) {
  std::vector<Result<InformOutcome>> results(items.size(), Result<InformOutcome>(NotFound("")));
  for (size_t i = 0; i < items.size(); ++i) {
    const DeviceKey& k = items[i]->write.key;
    results[i] = NotFound("device " + k.oui + "-" + k.product_class + "-" + k.serial_number +
                          " is not registered (and may not be created by this Inform)");
  }
  const std::string window_us = std::to_string(std::chrono::microseconds(duplicate_window).count());
  pqxx::work tx(conn);
  for (const std::vector<size_t>& round : Rounds(items)) WriteRound(tx, items, round, window_us, results);
  PathIds learned = WriteParameters(tx, items, results, path_ids);
  tx.commit();
  if (path_ids.size() + learned.size() > kMaxCachedPaths) path_ids.clear();
  path_ids.merge(learned);
  return results;
}

bool IsConnectionLoss(const pqxx::connection* conn) { return conn == nullptr || !conn->is_open(); }

class PgInformBatcher;

// One writer thread, its queue and its connection.
class Writer {
 public:
  Writer(PgInformBatcher& owner, int index) : owner_(owner), index_(index) {}
  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }
  void Push(Item item) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(item));
    }
    cv_.notify_one();
  }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop();
  void Process(std::vector<Item>& batch);
  // Ensures conn_; false (and `error` set) while PostgreSQL is unreachable or in back-off.
  bool EnsureConnected(Error* error);
  void DropConnection();

  PgInformBatcher& owner_;
  const int index_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::unique_ptr<pqxx::connection> conn_;
  std::chrono::milliseconds backoff_{0};
  Clock::Instant next_connect_{};
  Error last_connect_error_;
  PathIds path_ids_;
};

class PgInformBatcher final : public InformBatcher {
 public:
  PgInformBatcher(const PgOptions& options, const BatcherOptions& batcher, const Clock& clock)
      : options_(options), batcher_(batcher), clock_(clock) {
    stats_.batch_size_buckets.assign(BatchSizeBounds().size() + 1, 0);
    stats_.commit_latency_buckets.assign(CommitLatencyBounds().size() + 1, 0);
    const int writers = std::max(1, batcher_.writers);
    for (int i = 0; i < writers; ++i) writers_.push_back(std::make_unique<Writer>(*this, i));
    for (auto& w : writers_) w->Start();
  }
  ~PgInformBatcher() override { Drain(); }

  void Submit(InformWrite write, Callback done) override {
    if (Status valid = ValidateInformWrite(write, batcher_.limits); !valid.ok()) {
      done(valid.error());
      return;
    }
    if (draining_.load()) {
      done(Unavailable("inform batcher: shutting down"));
      return;
    }
    if (queued_.fetch_add(1) >= batcher_.max_queue) {
      queued_.fetch_sub(1);
      done(Unavailable("inform batcher: queue full"));
      return;
    }
    const size_t writer = DeviceKeyHash{}(write.key) % writers_.size();
    writers_[writer]->Push(Item{std::move(write), std::move(done), clock_.Monotonic()});
  }

  void Drain() override {
    std::lock_guard lock(drain_mu_);
    draining_.store(true);
    for (auto& w : writers_) w->Stop();
    for (auto& w : writers_) w->Join();
  }

  Stats GetStats() const override {
    std::lock_guard lock(stats_mu_);
    Stats s = stats_;
    s.queued = queued_.load();
    return s;
  }

  const PgOptions& options() const { return options_; }
  const BatcherOptions& batcher() const { return batcher_; }
  const Clock& clock() const { return clock_; }
  void Dequeued(size_t n) { queued_.fetch_sub(n); }
  void RecordSplit() {
    std::lock_guard lock(stats_mu_);
    ++stats_.split_batches;
  }
  void RecordBatch(size_t committed_writes, size_t batch_size, bool failed, double seconds) {
    std::lock_guard lock(stats_mu_);
    if (failed) {
      ++stats_.failed_batches;
      return;
    }
    ++stats_.batches;
    stats_.writes += committed_writes;
    stats_.last_batch_size = batch_size;
    stats_.commit_seconds_sum += seconds;
    ++stats_.batch_size_buckets[Bucket(BatchSizeBounds(), static_cast<double>(batch_size))];
    ++stats_.commit_latency_buckets[Bucket(CommitLatencyBounds(), seconds)];
  }

 private:
  const PgOptions options_;
  const BatcherOptions batcher_;
  const Clock& clock_;  // batch deadlines and reconnect back-off; the times written come from the writes
  std::vector<std::unique_ptr<Writer>> writers_;
  std::atomic<bool> draining_{false};
  std::atomic<size_t> queued_{0};
  std::mutex drain_mu_;
  mutable std::mutex stats_mu_;
  Stats stats_;
};

void Writer::Loop() {
  const size_t max_batch = std::max<size_t>(1, owner_.batcher().max_batch);
  std::vector<Item> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and nothing left
      // Coalesce: wait until the batch is full or the first write has waited flush_interval.
      const auto deadline = queue_.front().queued_at + owner_.batcher().flush_interval;
      const Clock& clock = owner_.clock();
      while (!stopping_ && queue_.size() < max_batch && !clock.Reached(deadline)) clock.WaitUntil(cv_, lock, deadline);
      const size_t n = std::min(max_batch, queue_.size());
      batch.clear();
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    owner_.Dequeued(batch.size());
    Process(batch);
  }
}

bool Writer::EnsureConnected(Error* error) {
  if (conn_ && !StillOpen(*conn_)) {
    Log().info("inform writer {}: the server closed the connection; reconnecting", index_);
    DropConnection();
  }
  if (conn_) return true;
  if (backoff_.count() > 0 && !owner_.clock().Reached(next_connect_)) {
    *error = last_connect_error_;
    return false;
  }
  Result<std::string> conninfo =
      BuildConnInfo(owner_.options().dsn, owner_.options().connect_timeout, kApplicationName);
  Result<std::unique_ptr<pqxx::connection>> conn =
      conninfo.ok() ? Connect(*conninfo, owner_.options().statement_timeout, "inform writer: connecting")
                    : Result<std::unique_ptr<pqxx::connection>>(conninfo.error());
  if (conn.ok()) {
    try {
      Prepare(**conn);
    } catch (...) {
      conn = TranslateCurrentException("inform writer: preparing statements");
    }
  }
  if (!conn.ok()) {
    backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, owner_.batcher().retry_backoff_max);
    next_connect_ = owner_.clock().Monotonic() + backoff_;
    last_connect_error_ = conn.error();
    if (last_connect_error_.code != ErrorCode::kUnavailable) last_connect_error_.code = ErrorCode::kUnavailable;
    Log().warn("inform writer {}: {} (next attempt in {} ms)", index_, last_connect_error_.message, backoff_.count());
    *error = last_connect_error_;
    return false;
  }
  if (backoff_.count() > 0) Log().info("inform writer {}: connected to PostgreSQL again", index_);
  backoff_ = std::chrono::milliseconds(0);
  conn_ = std::move(*conn);
  return true;
}

void Writer::DropConnection() { conn_.reset(); }

void Writer::Process(std::vector<Item>& batch) {
  const auto start = std::chrono::steady_clock::now();  // measures real commit latency (a metric)
  std::vector<Item*> all;
  all.reserve(batch.size());
  for (Item& item : batch) all.push_back(&item);

  auto fail_all = [&](const Error& error) {
    owner_.RecordBatch(0, batch.size(), true, 0);
    for (Item& item : batch) Call(item.done, error);
  };
  auto finish = [&](std::vector<Result<InformOutcome>>& results) {
    size_t committed = 0;
    for (const auto& r : results) committed += r.ok() ? 1 : 0;
    owner_.RecordBatch(committed, batch.size(), false,
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    for (size_t i = 0; i < batch.size(); ++i) {
      if (results[i].ok() && results[i]->created) {
        const DeviceKey& k = batch[i].write.key;
        Log().info("device {} registered: {}-{}-{} (session {})", results[i]->device_id, k.oui, k.product_class,
                   k.serial_number, batch[i].write.session_id);
      }
      Call(batch[i].done, std::move(results[i]));
    }
  };

  Error error;
  // A connection that was idle may have been closed by the server since (restart, idle timeout,
  // pg_terminate_backend): then the batch runs once more on a fresh connection. Nothing had been
  // committed, so that is safe; an in-doubt COMMIT is never retried.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!EnsureConnected(&error)) {
      fail_all(error);
      return;
    }
    try {
      std::vector<Result<InformOutcome>> results =
          WriteBatch(*conn_, all, owner_.batcher().duplicate_window, path_ids_);
      finish(results);
      return;
    } catch (const pqxx::in_doubt_error&) {
      error = TranslateCurrentException("inform batch");
      DropConnection();
      Log().error("inform writer {}: {}", index_, error.message);
      fail_all(error);
      return;
    } catch (...) {
      error = TranslateCurrentException("inform batch");
      if (IsConnectionLoss(conn_.get())) {
        DropConnection();
        error.code = ErrorCode::kUnavailable;
        Log().warn("inform writer {}: {}", index_, error.message);
        continue;  // reconnect once (without back-off) and retry
      }
    }
    break;
  }
  if (!conn_) {  // lost the connection twice
    fail_all(error);
    return;
  }
  if (error.code == ErrorCode::kUnavailable || batch.size() == 1) {
    // Statement timeout, server shutting down, or the only write is the bad one.
    Log().warn("inform writer {}: batch of {} failed: {}", index_, batch.size(), error.message);
    fail_all(error);
    return;
  }
  // PostgreSQL refused the batch for its data: write each write alone so only the bad one fails.
  Log().warn("inform writer {}: batch of {} failed ({}); retrying its writes one by one", index_, batch.size(),
             error.message);
  owner_.RecordSplit();
  std::vector<Result<InformOutcome>> results;
  results.reserve(batch.size());
  for (Item* item : all) {
    if (!conn_ && !EnsureConnected(&error)) {
      results.emplace_back(error);
      continue;
    }
    try {
      std::vector<Result<InformOutcome>> one = WriteBatch(*conn_, {item}, owner_.batcher().duplicate_window, path_ids_);
      results.push_back(std::move(one[0]));
    } catch (...) {
      Error e = TranslateCurrentException("inform write");
      if (IsConnectionLoss(conn_.get())) {
        DropConnection();
        e.code = ErrorCode::kUnavailable;
      }
      results.emplace_back(std::move(e));
    }
  }
  finish(results);
}

}  // namespace

std::unique_ptr<InformBatcher> StartInformBatcher(const PgOptions& options, const BatcherOptions& batcher,
                                                  const Clock& clock) {
  return std::make_unique<PgInformBatcher>(options, batcher, clock);
}

}  // namespace pg
}  // namespace ruru::db
