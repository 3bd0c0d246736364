#include "acs/server/server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "acs/server/admin_server.h"
#include "acs/server/api/rest_api.h"
#include "acs/server/connection_requester.h"
#include "acs/server/cwmp_endpoint.h"
#include "acs/server/metrics.h"
#include "acs/server/secret_box.h"
#include "acs/server/task_engine.h"
#include "acs/server/tls.h"
#include "base/asio.h"
#include "db/migrator.h"
#include "db/pg/pg_inventory.h"

namespace ruru::acs {
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

}  // namespace

Status RunServer(const Config& config, const ServerOptions& options) {
  auto log = spdlog::default_logger();

  // Secrets.
  std::optional<SecretBox> secrets;
  {
    std::string key;
    if (!config.credentials.key_file.empty()) {
      auto k = SecretBox::ReadKeyFile(config.credentials.key_file);
      if (!k) return k.error();
      key = *k;
    } else {
      key = RandomHex(16) + RandomHex(8);  // placeholder, never used: rotation is off (Validate)
      key.resize(32);
    }
    std::map<std::string, std::string> old;
    if (!config.credentials.old_keys_file.empty()) {
      auto o = SecretBox::ReadOldKeysFile(config.credentials.old_keys_file);
      if (!o) return o.error();
      old = *o;
    }
    auto box = SecretBox::Create(config.credentials.key_id, key, old);
    if (!box) return box.error();
    secrets.emplace(std::move(*box));
  }
  std::string nonce_key;
  if (!config.credentials.nonce_key_file.empty()) {
    auto k = SecretBox::ReadKeyFile(config.credentials.nonce_key_file);
    if (!k) return k.error();
    nonce_key = *k;
  } else {
    nonce_key = RandomHex(32);
  }

  // The schema must be the one this binary was built for. A database that cannot be reached is not
  // an error here (acsd starts, reports not ready and reconnects); a wrong schema is.
  if (auto version = db::CurrentVersion(config.database.dsn); version.ok()) {
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
  } else {
    log->warn("database not reachable at start ({}); serving 503 until it is", version.error().message);
  }

  db::pg::PgOptions pg;
  pg.dsn = config.database.dsn;
  pg.pool_size = config.database.pool_size;
  pg.statement_timeout = config.database.statement_timeout;
  db::pg::BatcherOptions bo;
  bo.flush_interval = config.database.batch_flush;
  bo.max_batch = config.database.batch_max;
  bo.max_queue = config.database.batch_queue;
  bo.writers = config.database.batch_writers;
  bo.duplicate_window = config.database.duplicate_window;
  const Clock& clock = SystemClock::Instance();
  std::unique_ptr<db::DeviceStore> devices = db::pg::OpenDeviceStore(pg);
  std::unique_ptr<db::InformBatcher> batcher = db::pg::StartInformBatcher(pg, bo, clock);

  MetricsRegistry metrics;
  db::InformBatcher* b = batcher.get();
  metrics.AddCollector([b] {
    const auto st = b->GetStats();
    std::string out;
    out += "# HELP ruru_inform_batches_total committed inform batches\n# TYPE ruru_inform_batches_total counter\n";
    out += "ruru_inform_batches_total " + std::to_string(st.batches) + "\n";
    out += "# HELP ruru_inform_batch_failures_total failed inform batches\n"
           "# TYPE ruru_inform_batch_failures_total counter\n";
    out += "ruru_inform_batch_failures_total " + std::to_string(st.failed_batches) + "\n";
    out += "# HELP ruru_inform_batch_splits_total inform batches refused as a whole (bad write, deadlock) "
           "and written one write at a time\n# TYPE ruru_inform_batch_splits_total counter\n";
    out += "ruru_inform_batch_splits_total " + std::to_string(st.split_batches) + "\n";
    out += "# HELP ruru_inform_writes_total committed inform writes\n# TYPE ruru_inform_writes_total counter\n";
    out += "ruru_inform_writes_total " + std::to_string(st.writes) + "\n";
    out += "# HELP ruru_inform_queue informs waiting for a batch\n# TYPE ruru_inform_queue gauge\n";
    out += "ruru_inform_queue " + std::to_string(st.queued) + "\n";
    if (!st.batch_size_buckets.empty()) {
      out += BucketsText("ruru_inform_batch_size", "informs per committed batch", db::InformBatcher::BatchSizeBounds(),
                         st.batch_size_buckets, static_cast<double>(st.writes));
    }
    if (!st.commit_latency_buckets.empty()) {
      out += BucketsText("ruru_inform_batch_commit_seconds", "batch write latency, first queued write to commit",
                         db::InformBatcher::CommitLatencyBounds(), st.commit_latency_buckets, st.commit_seconds_sum);
    }
    return out;
  });

  asio::io_context ioc;
  asio::thread_pool db_pool(static_cast<size_t>(std::max(1, config.database.pool_size)));

  // Tasks: the store, connection requests, the engine, and the listener for other nodes' notices.
  std::unique_ptr<db::TaskStore> task_store = db::pg::OpenTaskStore(pg);
  auto requester = ConnectionRequester::Start(config.connection_request, &metrics);
  if (!requester) return requester.error();
  std::string node_id = config.tasks.node_id;
  if (node_id.empty()) {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "acsd");
    auto hp = ParseHostPort(config.cwmp.listen);
    const uint16_t port = hp ? hp->port : 0;
    // Port 0 (tests): two processes on one host still need distinct names.
    node_id = std::string(host) + ":" + (port != 0 ? std::to_string(port) : "pid" + std::to_string(getpid()));
  }
  CwmpEndpoint* endpoint_ptr = nullptr;
  std::unique_ptr<db::AuditStore> audit = db::pg::OpenAuditStore(pg);
  TaskEngineDeps engine_deps;
  engine_deps.config = &config;
  engine_deps.devices = devices.get();
  engine_deps.tasks = task_store.get();
  engine_deps.requester = requester->get();
  engine_deps.secrets = &*secrets;
  engine_deps.metrics = &metrics;
  engine_deps.clock = &clock;
  engine_deps.ioc = &ioc;
  engine_deps.db_pool = &db_pool;
  engine_deps.node_id = node_id;
  engine_deps.audit = audit.get();
  engine_deps.session_live = [&endpoint_ptr](const std::string& id) {
    return endpoint_ptr != nullptr && endpoint_ptr->SessionLive(id);
  };
  TaskEngine engine(engine_deps);
  // Task notices from PostgreSQL (LISTEN): what another node (or this one) queued or settled.
  Counter& queued_notices = metrics.GetCounter("ruru_task_notices_total", "task notices received from PostgreSQL",
                                               {{"kind", "queued"}});
  Counter& settled_notices = metrics.GetCounter("ruru_task_notices_total", "task notices received from PostgreSQL",
                                                {{"kind", "settled"}});
  std::unique_ptr<db::TaskListener> listener =
      db::pg::StartTaskListener(pg, [&engine, &queued_notices, &settled_notices](const db::TaskNotice& n) {
        engine.OnNotice(n);
        (n.kind == db::TaskNotice::Kind::kQueued ? queued_notices : settled_notices).Inc();
      });

  // TLS (docs/tls.md): loaded before anything listens, so a bad file stops acsd at start.
  std::unique_ptr<TlsServer> cwmp_tls, admin_tls;
  if (!config.cwmp.tls_cert_file.empty()) {
    TlsSettings t;
    t.cert_file = config.cwmp.tls_cert_file;
    t.key_file = config.cwmp.tls_key_file;
    t.client_ca_file = config.cwmp.tls_client_ca_file;
    t.client_crl_file = config.cwmp.tls_client_crl_file;
    t.ticket_key_file = config.cwmp.tls_ticket_key_file;
    t.client_certs = config.cwmp.tls_client_certs;
    t.min_version = config.cwmp.tls_min_version;
    auto loaded = TlsServer::Load("cwmp", t);
    if (!loaded) return loaded.error();
    cwmp_tls = std::move(*loaded);
    log->info("CWMP endpoint: HTTPS, certificate {}", cwmp_tls->Describe());
  }
  if (!config.admin.tls_cert_file.empty()) {
    TlsSettings t;
    t.cert_file = config.admin.tls_cert_file;
    t.key_file = config.admin.tls_key_file;
    auto loaded = TlsServer::Load("admin", t);
    if (!loaded) return loaded.error();
    admin_tls = std::move(*loaded);
    log->info("admin listener: HTTPS, certificate {}", admin_tls->Describe());
  }

  CwmpEndpointDeps deps;
  deps.tls = cwmp_tls.get();
  deps.config = &config;
  deps.devices = devices.get();
  deps.batcher = batcher.get();
  deps.secrets = &*secrets;
  deps.metrics = &metrics;
  deps.clock = &clock;
  deps.db_pool = &db_pool;
  deps.nonce_key = nonce_key;
  deps.tasks = &engine;
  CwmpEndpoint endpoint(ioc, deps);
  endpoint_ptr = &endpoint;

  std::atomic<bool> db_ok{false};
  std::atomic<bool> draining{false};
  std::mutex reason_mu;
  std::string db_reason = "inventory not checked yet";
  // The REST API on the admin listener, with threads of its own for its store calls, so a slow API
  // call (a bulk tag of 100,000 devices) never holds up the CWMP sessions' lookups.
  asio::thread_pool api_pool(2);
  std::unique_ptr<db::DeviceAdmin> device_admin = db::pg::OpenDeviceAdmin(pg);
  api::ApiDeps api_deps;
  api_deps.config = &config;
  api_deps.devices = devices.get();
  api_deps.admin = device_admin.get();
  api_deps.tasks = task_store.get();
  api_deps.task_service = &engine;
  api_deps.clock = &clock;
  api_deps.pool = &api_pool;
  api_deps.metrics = &metrics;
  api_deps.audit = audit.get();
  api_deps.secrets = &*secrets;
  std::unique_ptr<db::ApprovalStore> approvals = db::pg::OpenApprovalStore(pg);
  api_deps.approvals = approvals.get();
  auto rest_api = std::make_shared<api::RestApi>(api_deps);
  AdminServer admin(ioc, config.admin.listen, metrics, [&]() -> std::string {
    if (draining) return "draining";
    if (!db_ok) {
      std::lock_guard lock(reason_mu);
      return db_reason;
    }
    return "";
  }, rest_api);
  metrics.AddCallbackGauge("ruru_inventory_up", "1 when the last inventory check succeeded",
                           [&] { return db_ok ? 1.0 : 0.0; });

  if (admin_tls) admin.UseTls(admin_tls.get(), metrics);
  if (Status st = endpoint.Listen(); !st.ok()) return st;
  if (Status st = admin.Listen(); !st.ok()) return st;
  endpoint.Start();
  admin.Start();
  engine.Start();
  log->info("task engine: node {}", node_id);

  // Readiness: a trivial query every 2 s, on the database pool.
  asio::steady_timer ping_timer(ioc);
  std::function<void()> schedule_ping;
  std::atomic<bool> stopping{false};
  db::DeviceStore* dev = devices.get();
  schedule_ping = [&] {
    asio::post(db_pool, [&, dev] {
      Status st = dev->Ping();
      const bool was = db_ok.exchange(st.ok());
      if (!st.ok()) {
        std::lock_guard lock(reason_mu);
        db_reason = "inventory unreachable: " + st.error().message;
        if (was) log->error("inventory unreachable: {}", st.error().message);
      } else if (!was) {
        log->info("inventory reachable");
      }
      if (stopping) return;
      asio::post(ioc, [&] {
        ping_timer.expires_after(std::chrono::seconds(2));
        ping_timer.async_wait([&](beast::error_code ec) {
          if (!ec && !stopping) schedule_ping();
        });
      });
    });
  };
  schedule_ping();

  // The audit log's monthly partitions: the coming ones made, the expired ones dropped; at start
  // and hourly (idempotent).
  auto maintain_audit = [&, store = audit.get(), approval_store = approvals.get()] {
    auto dropped = store->MaintainPartitions(clock.Now(), std::chrono::hours(24) * config.database.audit_retention_days);
    if (!dropped.ok()) {
      log->warn("audit log partitions: {}", dropped.error().message);
    } else if (*dropped > 0) {
      log->info("audit log: {} monthly partitions past database.audit_retention_days dropped", *dropped);
    }
    // An approved call whose node stopped before it finished stays "approved" forever otherwise.
    // Well past the longest a replay can take (its ?wait= is at most api.max_wait).
    const auto interrupted_after = std::max<std::chrono::seconds>(std::chrono::minutes(15), 2 * config.api.max_wait);
    auto failed = approval_store->FailInterrupted(clock.Now() - interrupted_after, clock.Now());
    if (!failed.ok()) {
      log->warn("approvals: {}", failed.error().message);
    } else if (*failed > 0) {
      log->warn("approvals: {} approved calls never finished (their acsd stopped): marked failed, check them", *failed);
    }
  };
  asio::post(db_pool, maintain_audit);

  // History (inform events daily, ip_history monthly, V0008): the coming partitions made and the
  // expired ones dropped whole, plus the old rows of the default partitions in bounded chunks; at
  // start and hourly (idempotent).
  auto maintain_history = [&, dev] {
    if (auto made = dev->EnsureHistoryPartitions(clock.Now()); !made.ok()) {
      log->warn("history partitions: {}", made.error().message);
    } else if (*made > 0) {
      log->info("history: {} partitions created ahead", *made);
    }
    auto prune = [&](std::string_view what, std::string_view setting, auto&& call) {
      db::PruneReport total;
      for (int i = 0; i < 100; ++i) {
        auto r = call();
        if (!r.ok()) {
          log->warn("{} retention: {}", what, r.error().message);
          break;
        }
        total.partitions_dropped += r->partitions_dropped;
        total.rows_deleted += r->rows_deleted;
        if (r->rows_deleted < 10000) break;
      }
      if (total.partitions_dropped > 0 || total.rows_deleted > 0) {
        log->info("{}: {} partitions and {} rows outside them past {} dropped", what, total.partitions_dropped,
                  total.rows_deleted, setting);
      }
    };
    const auto now = clock.Now();
    prune("inform events", "database.event_retention_days", [&] {
      return dev->PruneEvents(now - std::chrono::hours(24) * config.database.event_retention_days, 10000);
    });
    prune("ip_history", "database.ip_history_retention_days", [&] {
      return dev->PruneIpHistory(now - std::chrono::hours(24) * config.database.ip_history_retention_days, 10000);
    });
  };
  asio::post(db_pool, maintain_history);
  asio::steady_timer prune_timer(ioc);
  std::function<void()> schedule_prune = [&] {
    prune_timer.expires_after(std::chrono::minutes(60));
    prune_timer.async_wait([&](beast::error_code ec) {
      if (ec || stopping) return;
      asio::post(db_pool, maintain_audit);
      asio::post(db_pool, maintain_history);
      schedule_prune();
    });
  };
  schedule_prune();

  // SIGHUP: the TLS certificates and keys are read again (renewed certificates without a restart).
  // A file that does not load is logged and the old certificate keeps serving.
  asio::signal_set hup(ioc, SIGHUP);
  Counter& reload_ok = metrics.GetCounter("ruru_tls_reloads_total", "TLS certificate reloads (SIGHUP) by result",
                                          {{"result", "ok"}});
  Counter& reload_failed = metrics.GetCounter("ruru_tls_reloads_total", "TLS certificate reloads (SIGHUP) by result",
                                              {{"result", "failed"}});
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](beast::error_code ec, int) {
      if (ec) return;
      if (!cwmp_tls && !admin_tls) log->info("SIGHUP: no TLS configured, nothing to reload");
      for (TlsServer* t : {cwmp_tls.get(), admin_tls.get()}) {
        if (t == nullptr) continue;
        if (Status st = t->Reload(); st.ok()) {
          reload_ok.Inc();
          log->info("SIGHUP: TLS reloaded: {}", t->Describe());
        } else {
          reload_failed.Inc();
          log->error("SIGHUP: {} (the previous certificate keeps serving)", st.error().message);
        }
      }
      wait_hup();
    });
  };
  wait_hup();

  // Graceful drain on SIGTERM/SIGINT.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer drain_timer(ioc);
  auto drain_started = std::chrono::steady_clock::now();
  std::function<void()> check_drained = [&] {
    const bool timed_out = std::chrono::steady_clock::now() - drain_started >= config.cwmp.drain_timeout;
    if (endpoint.LiveSessions() == 0 || timed_out) {
      if (timed_out && endpoint.LiveSessions() > 0) {
        log->warn("drain timeout: {} sessions still open are cut", endpoint.LiveSessions());
      }
      endpoint.CloseAll();
      admin.Stop();
      stopping = true;
      ping_timer.cancel();
      prune_timer.cancel();
      hup.cancel();
      ioc.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(100));
    drain_timer.async_wait([&](beast::error_code ec) {
      if (!ec) check_drained();
    });
  };
  signals.async_wait([&](beast::error_code ec, int signo) {
    if (ec) return;
    log->info("signal {}: draining ({} sessions open, up to {} s)", signo, endpoint.LiveSessions(),
              config.cwmp.drain_timeout.count());
    draining = true;
    drain_started = std::chrono::steady_clock::now();
    endpoint.StopAccepting();
    signals.async_wait([&](beast::error_code ec2, int) {
      if (!ec2) {
        log->warn("second signal: stopping now");
        drain_started = std::chrono::steady_clock::now() - config.cwmp.drain_timeout;
      }
    });
    check_drained();
  });

  log->info("acsd listening: CWMP on {} (port {}), admin on {} (port {})", config.cwmp.listen, endpoint.port(),
            config.admin.listen, admin.port());
  if (!options.ready_file.empty()) {
    const std::string tmp = options.ready_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << "cwmp_port=" << endpoint.port() << "\nadmin_port=" << admin.port() << "\n";
    }
    std::rename(tmp.c_str(), options.ready_file.c_str());
  }

  int threads = config.cwmp.io_threads > 0 ? config.cwmp.io_threads
                                           : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  stopping = true;
  engine.Stop();
  api_pool.join();
  db_pool.join();
  listener->Stop();
  (*requester)->Stop();
  batcher->Drain();
  log->info("acsd stopped: inform queue flushed");
  return Status::Ok();
}

}  // namespace ruru::acs
