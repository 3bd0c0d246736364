#include "acs/acsd/run_server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <mutex>
#include <thread>

#include "acs/access/secret_box.h"
#include "acs/api/rest_api.h"
#include "acs/connreq/connection_requester.h"
#include "acs/endpoint/cwmp_endpoint.h"
#include "acs/metrics/metrics.h"
#include "acs/net/admin_server.h"
#include "acs/net/tls.h"
#include "acs/tasks/task_engine.h"
#include "base/beast.h"
#include "db/approval_store.h"
#include "db/audit_store.h"
#include "db/device_admin.h"
#include "db/migrator.h"
#include "db/pg/pg_inventory.h"

namespace ruru::acsd {
namespace {

std::string BucketsText(const std::string& name, const std::string& help, const std::vector<double>& bounds,
                        const std::vector<uint64_t>& buckets, double sum) {
  std::string out = "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    cumulative += buckets[i];
    char le[32];
    if (i < bounds.size()) {
      std::snprintf(le, sizeof le, "%g", bounds[i]);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    out += name + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  char s[64];
  std::snprintf(s, sizeof s, "%.6f", sum);
  out += name + "_sum " + s + "\n" + name + "_count " + std::to_string(cumulative) + "\n";
  return out;
}

// One running acsd: every subsystem of the Config, in the order they start. Members are declared
// in dependency order, so they are destroyed in reverse (listeners before the engine before the
// stores), also when Start() fails half way.
class Server {
 public:
  Server(const acs::config::Config& config, const ServerOptions& options) : config_(config), options_(options) {}

  Status Run() {
    if (Status st = LoadSecrets(); !st.ok()) return st;
    if (Status st = CheckSchema(); !st.ok()) return st;
    OpenStores();
    if (Status st = StartTasks(); !st.ok()) return st;
    if (Status st = LoadTls(); !st.ok()) return st;
    if (Status st = StartListeners(); !st.ok()) return st;
    ScheduleReadiness();
    ScheduleMaintenance();
    HandleSighup();
    HandleDrain();
    AnnounceListening();
    RunThreads();
    Shutdown();
    return Status::Ok();
  }

 private:
  // The secret box (credentials.key_file, old_keys_file) and the Digest nonce key.
  Status LoadSecrets() {
    const auto& creds = config_.credentials;
    std::string key;
    if (!creds.key_file.empty()) {
      auto k = acs::access::SecretBox::ReadKeyFile(creds.key_file);
      if (!k) return k.error();
      key = *k;
    } else {
      // A placeholder, never used: rotation is off (acs::config::Validate).
      key = acs::access::RandomHex(16) + acs::access::RandomHex(8);
      key.resize(32);
    }
    std::map<std::string, std::string> old;
    if (!creds.old_keys_file.empty()) {
      auto o = acs::access::SecretBox::ReadOldKeysFile(creds.old_keys_file);
      if (!o) return o.error();
      old = *o;
    }
    auto box = acs::access::SecretBox::Create(creds.key_id, key, old);
    if (!box) return box.error();
    secrets_.emplace(std::move(*box));
    if (!creds.nonce_key_file.empty()) {
      auto k = acs::access::SecretBox::ReadKeyFile(creds.nonce_key_file);
      if (!k) return k.error();
      nonce_key_ = *k;
    } else {
      nonce_key_ = acs::access::RandomHex(32);
    }
    return Status::Ok();
  }

  // The schema must be the one this binary was built for. A database that cannot be reached is not
  // an error here (acsd starts, reports not ready and reconnects); a wrong schema is.
  Status CheckSchema() {
    auto version = db::CurrentVersion(config_.database.dsn);
    if (!version.ok()) {
      log_->warn("database not reachable at start ({}); serving 503 until it is", version.error().message);
      return Status::Ok();
    }
    const int known = db::BuiltinMigrations().back().version;
    if (*version < known) {
      return Error{ErrorCode::kInvalidArgument, "the database schema is at V" + std::to_string(*version) +
                                                    ", this acsd needs V" + std::to_string(known) +
                                                    ": run `acsd migrate` first"};
    }
    if (*version > known) {
      return Error{ErrorCode::kInvalidArgument, "the database schema V" + std::to_string(*version) +
                                                    " is newer than this acsd knows (V" + std::to_string(known) +
                                                    "): refusing to run an older acsd on it"};
    }
    return Status::Ok();
  }

  void OpenStores() {
    const auto& d = config_.database;
    pg_.dsn = d.dsn;
    pg_.pool_size = d.pool_size;
    pg_.statement_timeout = d.statement_timeout;
    db::pg::BatcherOptions bo;
    bo.flush_interval = d.batch_flush;
    bo.max_batch = d.batch_max;
    bo.max_queue = d.batch_queue;
    bo.writers = d.batch_writers;
    bo.duplicate_window = d.duplicate_window;
    devices_ = db::pg::OpenDeviceStore(pg_);
    batcher_ = db::pg::StartInformBatcher(pg_, bo, clock_);
    RegisterBatcherMetrics();
    task_store_ = db::pg::OpenTaskStore(pg_);
    audit_ = db::pg::OpenAuditStore(pg_);
    device_admin_ = db::pg::OpenDeviceAdmin(pg_);
    approvals_ = db::pg::OpenApprovalStore(pg_);
  }

  void RegisterBatcherMetrics() {
    db::InformBatcher* b = batcher_.get();
    metrics_.AddCollector([b] {
      const auto st = b->GetStats();
      std::string out;
      out += "# HELP ruru_inform_batches_total committed inform batches\n# TYPE ruru_inform_batches_total counter\n";
      out += "ruru_inform_batches_total " + std::to_string(st.batches) + "\n";
      out +=
          "# HELP ruru_inform_batch_failures_total failed inform batches\n"
          "# TYPE ruru_inform_batch_failures_total counter\n";
      out += "ruru_inform_batch_failures_total " + std::to_string(st.failed_batches) + "\n";
      out +=
          "# HELP ruru_inform_batch_splits_total inform batches refused as a whole (bad write, deadlock) "
          "and written one write at a time\n# TYPE ruru_inform_batch_splits_total counter\n";
      out += "ruru_inform_batch_splits_total " + std::to_string(st.split_batches) + "\n";
      out += "# HELP ruru_inform_writes_total committed inform writes\n# TYPE ruru_inform_writes_total counter\n";
      out += "ruru_inform_writes_total " + std::to_string(st.writes) + "\n";
      out += "# HELP ruru_inform_queue informs waiting for a batch\n# TYPE ruru_inform_queue gauge\n";
      out += "ruru_inform_queue " + std::to_string(st.queued) + "\n";
      if (!st.batch_size_buckets.empty()) {
        out += BucketsText("ruru_inform_batch_size", "informs per committed batch",
                           db::InformBatcher::BatchSizeBounds(), st.batch_size_buckets, static_cast<double>(st.writes));
      }
      if (!st.commit_latency_buckets.empty()) {
        out += BucketsText("ruru_inform_batch_commit_seconds", "batch write latency, first queued write to commit",
                           db::InformBatcher::CommitLatencyBounds(), st.commit_latency_buckets, st.commit_seconds_sum);
      }
      return out;
    });
  }

  // tasks.node_id, or "<host>:<CWMP port>" (":pid<N>" on port 0, so two test processes differ).
  std::string NodeId() const {
    if (!config_.tasks.node_id.empty()) return config_.tasks.node_id;
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "acsd");
    auto hp = acs::config::ParseHostPort(config_.cwmp.listen);
    const uint16_t port = hp ? hp->port : 0;
    return std::string(host) + ":" + (port != 0 ? std::to_string(port) : "pid" + std::to_string(getpid()));
  }

  // Connection requests, the task engine, and the listener for other nodes' task notices.
  Status StartTasks() {
    auto requester = acs::connreq::ConnectionRequester::Start(config_.connection_request, &metrics_);
    if (!requester) return requester.error();
    requester_ = std::move(*requester);
    node_id_ = NodeId();
    acs::tasks::TaskEngineDeps d;
    d.config = &config_;
    d.devices = devices_.get();
    d.tasks = task_store_.get();
    d.requester = requester_.get();
    d.secrets = &*secrets_;
    d.metrics = &metrics_;
    d.clock = &clock_;
    d.ioc = &ioc_;
    d.db_pool = &db_pool_;
    d.node_id = node_id_;
    d.audit = audit_.get();
    d.session_live = [this](const std::string& id) {
      const acs::endpoint::CwmpEndpoint* e = live_endpoint_.load();
      return e != nullptr && e->SessionLive(id);
    };
    engine_.emplace(d);
    // Task notices from PostgreSQL (LISTEN): what another node (or this one) queued or settled.
    const char* help = "task notices received from PostgreSQL";
    acs::metrics::Counter& queued = metrics_.GetCounter("ruru_task_notices_total", help, {{"kind", "queued"}});
    acs::metrics::Counter& settled = metrics_.GetCounter("ruru_task_notices_total", help, {{"kind", "settled"}});
    acs::tasks::TaskEngine* engine = &*engine_;
    auto on_notice = [engine, &queued, &settled](const db::TaskNotice& n) {
      engine->OnNotice(n);
      (n.kind == db::TaskNotice::Kind::kQueued ? queued : settled).Inc();
    };
    listener_ = db::pg::StartTaskListener(pg_, std::move(on_notice), clock_);
    return Status::Ok();
  }

  // TLS (docs/tls.md): loaded before anything listens, so a bad file stops acsd at start.
  Status LoadTls() {
    const auto& c = config_.cwmp;
    if (!c.tls_cert_file.empty()) {
      acs::net::TlsSettings t;
      t.cert_file = c.tls_cert_file;
      t.key_file = c.tls_key_file;
      t.client_ca_file = c.tls_client_ca_file;
      t.client_crl_file = c.tls_client_crl_file;
      t.ticket_key_file = c.tls_ticket_key_file;
      t.client_certs = c.tls_client_certs;
      t.min_version = c.tls_min_version;
      auto loaded = acs::net::TlsServer::Load("cwmp", t);
      if (!loaded) return loaded.error();
      cwmp_tls_ = std::move(*loaded);
      log_->info("CWMP endpoint: HTTPS, certificate {}", cwmp_tls_->Describe());
    }
    if (!config_.admin.tls_cert_file.empty()) {
      acs::net::TlsSettings t;
      t.cert_file = config_.admin.tls_cert_file;
      t.key_file = config_.admin.tls_key_file;
      auto loaded = acs::net::TlsServer::Load("admin", t);
      if (!loaded) return loaded.error();
      admin_tls_ = std::move(*loaded);
      log_->info("admin listener: HTTPS, certificate {}", admin_tls_->Describe());
    }
    return Status::Ok();
  }

  // The CWMP endpoint and the admin listener with the REST API.
  Status StartListeners() {
    acs::endpoint::CwmpEndpointDeps deps;
    deps.tls = cwmp_tls_.get();
    deps.config = &config_;
    deps.devices = devices_.get();
    deps.batcher = batcher_.get();
    deps.secrets = &*secrets_;
    deps.metrics = &metrics_;
    deps.clock = &clock_;
    deps.db_pool = &db_pool_;
    deps.nonce_key = nonce_key_;
    deps.tasks = &*engine_;
    endpoint_.emplace(ioc_, deps);
    live_endpoint_ = &*endpoint_;
    acs::api::ApiDeps a;
    a.config = &config_;
    a.devices = devices_.get();
    a.admin = device_admin_.get();
    a.tasks = task_store_.get();
    a.task_service = &*engine_;
    a.clock = &clock_;
    a.pool = &api_pool_;
    a.metrics = &metrics_;
    a.audit = audit_.get();
    a.secrets = &*secrets_;
    a.approvals = approvals_.get();
    auto rest_api = std::make_shared<acs::api::RestApi>(a);
    admin_.emplace(
        ioc_, config_.admin.listen, metrics_, [this] { return NotReadyReason(); }, rest_api);
    metrics_.AddCallbackGauge("ruru_inventory_up", "1 when the last inventory check succeeded",
                              [this] { return db_ok_ ? 1.0 : 0.0; });
    if (admin_tls_) admin_->UseTls(admin_tls_.get(), metrics_);
    if (Status st = endpoint_->Listen(); !st.ok()) return st;
    if (Status st = admin_->Listen(); !st.ok()) return st;
    endpoint_->Start();
    admin_->Start();
    engine_->Start();
    log_->info("task engine: node {}", node_id_);
    return Status::Ok();
  }

  // "" when ready for CPE traffic, else why not (/readyz).
  std::string NotReadyReason() {
    if (draining_) return "draining";
    if (!db_ok_) {
      std::lock_guard lock(reason_mu_);
      return db_reason_;
    }
    return "";
  }

  // Readiness: a trivial query every 2 s, on the database pool.
  void ScheduleReadiness() {
    asio::post(db_pool_, [this] {
      Status st = devices_->Ping();
      const bool was = db_ok_.exchange(st.ok());
      if (!st.ok()) {
        std::lock_guard lock(reason_mu_);
        db_reason_ = "inventory unreachable: " + st.error().message;
        if (was) log_->error("inventory unreachable: {}", st.error().message);
      } else if (!was) {
        log_->info("inventory reachable");
      }
      if (stopping_) return;
      asio::post(ioc_, [this] {
        ping_timer_.expires_after(After(std::chrono::seconds(2)));
        ping_timer_.async_wait([this](beast::error_code ec) {
          if (!ec && !stopping_) ScheduleReadiness();
        });
      });
    });
  }

  // The audit log's monthly partitions: the coming ones made, the expired ones dropped; approved
  // calls whose node stopped before they finished marked failed.
  void MaintainAudit() {
    auto dropped =
        audit_->MaintainPartitions(clock_.Now(), std::chrono::hours(24) * config_.database.audit_retention_days);
    if (!dropped.ok()) {
      log_->warn("audit log partitions: {}", dropped.error().message);
    } else if (*dropped > 0) {
      log_->info("audit log: {} monthly partitions past database.audit_retention_days dropped", *dropped);
    }
    // An approved call whose node stopped before it finished stays "approved" forever otherwise.
    // Well past the longest a replay can take (its ?wait= is at most api.max_wait).
    const auto interrupted_after = std::max<std::chrono::seconds>(std::chrono::minutes(15), 2 * config_.api.max_wait);
    auto failed = approvals_->FailInterrupted(clock_.Now() - interrupted_after, clock_.Now());
    if (!failed.ok()) {
      log_->warn("approvals: {}", failed.error().message);
    } else if (*failed > 0) {
      log_->warn("approvals: {} approved calls never finished (their acsd stopped): marked failed, check them",
                 *failed);
    }
  }

  // History (inform events daily, ip_history monthly, V0008): the coming partitions made and the
  // expired ones dropped whole, plus the old rows of the default partitions in bounded chunks.
  void MaintainHistory() {
    if (auto made = devices_->EnsureHistoryPartitions(clock_.Now()); !made.ok()) {
      log_->warn("history partitions: {}", made.error().message);
    } else if (*made > 0) {
      log_->info("history: {} partitions created ahead", *made);
    }
    auto prune = [&](std::string_view what, std::string_view setting, auto&& call) {
      db::PruneReport total;
      for (int i = 0; i < 100; ++i) {
        auto r = call();
        if (!r.ok()) {
          log_->warn("{} retention: {}", what, r.error().message);
          break;
        }
        total.partitions_dropped += r->partitions_dropped;
        total.rows_deleted += r->rows_deleted;
        if (r->rows_deleted < 10000) break;
      }
      if (total.partitions_dropped > 0 || total.rows_deleted > 0) {
        log_->info("{}: {} partitions and {} rows outside them past {} dropped", what, total.partitions_dropped,
                   total.rows_deleted, setting);
      }
    };
    const auto now = clock_.Now();
    const auto& d = config_.database;
    prune("inform events", "database.event_retention_days",
          [&] { return devices_->PruneEvents(now - std::chrono::hours(24) * d.event_retention_days, 10000); });
    prune("ip_history", "database.ip_history_retention_days",
          [&] { return devices_->PruneIpHistory(now - std::chrono::hours(24) * d.ip_history_retention_days, 10000); });
  }

  // Both maintenances at start and hourly (idempotent), on the database pool.
  void ScheduleMaintenance() {
    asio::post(db_pool_, [this] { MaintainAudit(); });
    asio::post(db_pool_, [this] { MaintainHistory(); });
    prune_timer_.expires_after(After(std::chrono::minutes(60)));
    prune_timer_.async_wait([this](beast::error_code ec) {
      if (!ec && !stopping_) ScheduleMaintenance();
    });
  }

  // SIGHUP: the TLS certificates and keys are read again (renewed certificates without a restart).
  // A file that does not load is logged and the old certificate keeps serving.
  void HandleSighup() {
    const char* help = "TLS certificate reloads (SIGHUP) by result";
    reload_ok_ = &metrics_.GetCounter("ruru_tls_reloads_total", help, {{"result", "ok"}});
    reload_failed_ = &metrics_.GetCounter("ruru_tls_reloads_total", help, {{"result", "failed"}});
    hup_.emplace(ioc_, SIGHUP);
    WaitForSighup();
  }

  void WaitForSighup() {
    hup_->async_wait([this](beast::error_code ec, int) {
      if (ec) return;
      if (!cwmp_tls_ && !admin_tls_) log_->info("SIGHUP: no TLS configured, nothing to reload");
      for (acs::net::TlsServer* t : {cwmp_tls_.get(), admin_tls_.get()}) {
        if (t == nullptr) continue;
        if (Status st = t->Reload(); st.ok()) {
          reload_ok_->Inc();
          log_->info("SIGHUP: TLS reloaded: {}", t->Describe());
        } else {
          reload_failed_->Inc();
          log_->error("SIGHUP: {} (the previous certificate keeps serving)", st.error().message);
        }
      }
      WaitForSighup();
    });
  }

  // Graceful drain on SIGTERM/SIGINT: stop accepting, let live sessions finish up to
  // cwmp.drain_timeout (a second signal cuts it short), then close everything and stop the loop.
  void HandleDrain() {
    signals_.emplace(ioc_, SIGINT, SIGTERM);
    signals_->async_wait([this](beast::error_code ec, int signo) {
      if (ec) return;
      log_->info("signal {}: draining ({} sessions open, up to {} s)", signo, endpoint_->LiveSessions(),
                 config_.cwmp.drain_timeout.count());
      draining_ = true;
      drain_started_ = clock_.Monotonic();
      endpoint_->StopAccepting();
      signals_->async_wait([this](beast::error_code ec2, int) {
        if (!ec2) {
          log_->warn("second signal: stopping now");
          drain_started_ = clock_.Monotonic() - config_.cwmp.drain_timeout;
        }
      });
      CheckDrained();
    });
  }

  void CheckDrained() {
    const bool timed_out = clock_.Reached(drain_started_ + config_.cwmp.drain_timeout);
    if (endpoint_->LiveSessions() > 0 && !timed_out) {
      drain_timer_.expires_after(After(std::chrono::milliseconds(100)));
      drain_timer_.async_wait([this](beast::error_code ec) {
        if (!ec) CheckDrained();
      });
      return;
    }
    if (timed_out && endpoint_->LiveSessions() > 0) {
      log_->warn("drain timeout: {} sessions still open are cut", endpoint_->LiveSessions());
    }
    endpoint_->CloseAll();
    admin_->Stop();
    stopping_ = true;
    ping_timer_.cancel();
    prune_timer_.cancel();
    hup_->cancel();
    ioc_.stop();
  }

  void AnnounceListening() {
    log_->info("acsd listening: CWMP on {} (port {}), admin on {} (port {})", config_.cwmp.listen, endpoint_->port(),
               config_.admin.listen, admin_->port());
    if (options_.ready_file.empty()) return;
    const std::string tmp = options_.ready_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << "cwmp_port=" << endpoint_->port() << "\nadmin_port=" << admin_->port() << "\n";
    }
    std::rename(tmp.c_str(), options_.ready_file.c_str());
  }

  // cwmp.io_threads threads (default: one per core) run the io_context until the drain stops it.
  void RunThreads() {
    const int threads = config_.cwmp.io_threads > 0
                            ? config_.cwmp.io_threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& t : pool) t.join();
  }

  void Shutdown() {
    stopping_ = true;
    engine_->Stop();
    api_pool_.join();
    db_pool_.join();
    listener_->Stop();
    requester_->Stop();
    batcher_->Drain();
    log_->info("acsd stopped: inform queue flushed");
  }

  // The real delay of a timer that fires `d` from now.
  Clock::Duration After(Clock::Duration d) const { return clock_.TimerDelay(clock_.Monotonic() + d); }

  const acs::config::Config& config_;
  const ServerOptions& options_;
  const Clock& clock_ = SystemClock::Instance();
  std::shared_ptr<spdlog::logger> log_ = spdlog::default_logger();
  std::optional<acs::access::SecretBox> secrets_;
  std::string nonce_key_;
  db::pg::PgOptions pg_;
  std::unique_ptr<db::DeviceStore> devices_;
  std::unique_ptr<db::InformBatcher> batcher_;
  acs::metrics::MetricsRegistry metrics_;
  asio::io_context ioc_;
  asio::thread_pool db_pool_{static_cast<size_t>(std::max(1, config_.database.pool_size))};
  std::unique_ptr<db::TaskStore> task_store_;
  std::unique_ptr<db::AuditStore> audit_;
  // The REST API has threads of its own for its store calls, so a slow API call (a bulk tag of
  // 100,000 devices) never holds up the CWMP sessions' lookups.
  asio::thread_pool api_pool_{2};
  std::unique_ptr<db::DeviceAdmin> device_admin_;
  std::unique_ptr<db::ApprovalStore> approvals_;
  std::unique_ptr<acs::connreq::ConnectionRequester> requester_;
  std::string node_id_;
  std::optional<acs::tasks::TaskEngine> engine_;
  std::unique_ptr<db::TaskListener> listener_;
  std::unique_ptr<acs::net::TlsServer> cwmp_tls_, admin_tls_;
  std::optional<acs::endpoint::CwmpEndpoint> endpoint_;
  std::atomic<const acs::endpoint::CwmpEndpoint*> live_endpoint_{nullptr};  // for the engine's threads
  std::atomic<bool> db_ok_{false};
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  std::mutex reason_mu_;
  std::string db_reason_ = "inventory not checked yet";
  std::optional<acs::net::AdminServer> admin_;
  asio::steady_timer ping_timer_{ioc_};
  asio::steady_timer prune_timer_{ioc_};
  std::optional<asio::signal_set> hup_;  // SIGHUP handled from HandleSighup() on
  acs::metrics::Counter* reload_ok_ = nullptr;
  acs::metrics::Counter* reload_failed_ = nullptr;
  std::optional<asio::signal_set> signals_;  // SIGINT/SIGTERM handled from HandleDrain() on
  asio::steady_timer drain_timer_{ioc_};
  Clock::Instant drain_started_{};
};

}  // namespace

Status RunServer(const acs::config::Config& config, const ServerOptions& options) {
  Server server(config, options);
  return server.Run();
}

}  // namespace ruru::acsd
