#include "acs/endpoint/cwmp_endpoint.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "acs/endpoint/authenticator.h"
#include "acs/endpoint/cpe_auth.h"
#include "acs/endpoint/inform_mapping.h"
#include "acs/net/async_util.h"
#include "acs/net/listen.h"
#include "acs/net/tls.h"
#include "cwmp/codec.h"
#include "cwmp/http_auth.h"
#include "cwmp/json.h"
#include "cwmp/session.h"
#include "cwmp/version.h"

namespace ruru::acs::endpoint {
namespace {

using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Kind = AuthVerdict::Kind;

constexpr char kCookieName[] = "ruru_session";
constexpr char kXml[] = "text/xml; charset=\"utf-8\"";

// What the ACS answers to a CPE's GetRPCMethods.
const std::vector<std::string>& AcsMethods() {
  static const std::vector<std::string> methods = {"Inform", "GetRPCMethods", "TransferComplete",
                                                   "AutonomousTransferComplete", "RequestDownload",
                                                   "DUStateChangeComplete", "AutonomousDUStateChangeComplete",
                                                   "Kicked"};
  return methods;
}

// Event codes that get their own metric label; everything else is "other" (codes are open text).
std::string EventLabel(const std::string& code) {
  static const std::unordered_set<std::string> known = {
      "0 BOOTSTRAP",     "1 BOOT",           "2 PERIODIC",          "3 SCHEDULED",       "4 VALUE CHANGE",
      "5 KICKED",        "6 CONNECTION REQUEST", "7 TRANSFER COMPLETE", "8 DIAGNOSTICS COMPLETE",
      "9 REQUEST DOWNLOAD", "10 AUTONOMOUS TRANSFER COMPLETE", "11 DU STATE CHANGE COMPLETE",
      "12 AUTONOMOUS DU STATE CHANGE COMPLETE", "13 WAKEUP", "14 HEARTBEAT", "M Reboot", "M ScheduleInform",
      "M Download", "M ScheduleDownload", "M Upload", "M ChangeDUState"};
  return known.count(code) ? code : "other";
}

std::string CookieValue(const Request& req) {
  for (const auto& field : req) {
    if (field.name() != http::field::cookie) continue;
    std::string_view v(field.value().data(), field.value().size());
    while (!v.empty()) {
      const size_t semi = v.find(';');
      std::string_view part = v.substr(0, semi);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      const size_t eq = part.find('=');
      if (eq != std::string_view::npos && part.substr(0, eq) == kCookieName) return std::string(part.substr(eq + 1));
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
  }
  return "";
}

// The connection: the session table keeps a weak reference to tell live sessions from abandoned ones.
struct Conn {
  uint64_t id = 0;
  std::string peer;
  std::atomic<bool> open{true};
  beast::tcp_stream* stream = nullptr;  // only touched on the connection's strand, or to close it
  asio::any_io_executor executor;
  std::optional<net::PeerCertificate> client_cert;  // verified TLS client certificate (cwmp.tls_client_certs)
};

struct AcsSession {
  AcsSession(const Clock& clock, std::chrono::seconds timeout)
      : proto(cwmp::Role::kAcs, clock, cwmp::SessionConfig{timeout}) {}
  std::string id;  // cookie value, 128 random bits
  cwmp::Session proto;
  cwmp::Namespace ns = cwmp::Namespace::kCwmp12;
  db::DeviceKey key;
  std::string label;  // "oui-class-serial" for logs
  std::string root = "Device";
  int64_t device_id = 0;
  AuthVia via = AuthVia::kOnboarding;
  bool rotate = false;
  bool rotation_sent = false;
  std::string pending_username;  // of the credentials being sent in this session
  std::weak_ptr<Conn> conn;
  std::atomic<bool> busy{false};
  // Tasks (task_engine.h): the facts of the Inform, the tasks claimed and not yet run, the one
  // running now.
  tasks::InformFacts facts;
  std::deque<db::Task> tasks;
  std::unique_ptr<tasks::TaskRunner> runner;
  db::Task current;
  bool current_marked = false;  // MarkSent done for the current runner
  bool claimed = false;         // this session claimed tasks at some point (release them at the end)
  bool watching = false;        // registered with tasks::TaskEngine::Watch
  bool task_request_outstanding = false;  // the outstanding ACS request is the runner's
  Clock::Instant started;                 // the endpoint's clock (monotonic), for the session's duration in logs
};
using SessionPtr = std::shared_ptr<AcsSession>;

struct Reply {
  Response res;
  bool close = false;
};

Reply MakeReply(const Request& req, http::status status, std::string body = "", const char* type = nullptr) {
  Reply r;
  r.res = Response(status, req.version());
  r.res.set(http::field::server, "ruru-acsd");
  if (type != nullptr) r.res.set(http::field::content_type, type);
  r.res.body() = std::move(body);
  r.res.keep_alive(req.keep_alive());
  r.res.prepare_payload();
  return r;
}

std::string DeviceCacheKey(const db::DeviceKey& k) {
  return k.oui + '\x1f' + k.product_class + '\x1f' + k.serial_number;
}


// A runner that has already finished (a task that cannot run).
class FixedOutcomeRunner final : public tasks::TaskRunner {
 public:
  explicit FixedOutcomeRunner(tasks::TaskOutcome o) : outcome_(std::move(o)) {}
  std::optional<cwmp::Body> Next() override { return std::nullopt; }
  void OnAnswer(const cwmp::Body&) override {}
  const std::optional<tasks::TaskOutcome>& outcome() const override { return outcome_; }
  bool probing() const override { return false; }

 private:
  std::optional<tasks::TaskOutcome> outcome_;
};

}  // namespace

struct CwmpEndpoint::Impl : std::enable_shared_from_this<CwmpEndpoint::Impl> {
  Impl(asio::io_context& ioc, CwmpEndpointDeps d)
      : ioc(ioc),
        deps(std::move(d)),
        cfg(deps.config->cwmp),
        acceptor(ioc),
        sweep_timer(ioc),
        slot_timer(ioc),
        digest(cfg.realm, deps.nonce_key, *deps.clock, std::chrono::seconds(300)),
        cache(*deps.clock, deps.config->credentials.cache_ttl, deps.config->credentials.cache_max_entries),
        authenticator(cfg, digest, cache),
        log(spdlog::get("cwmp") ? spdlog::get("cwmp") : spdlog::default_logger()->clone("cwmp")) {
    metrics::MetricsRegistry& m = *deps.metrics;
    for (const char* outcome : {"completed", "failed", "timeout", "refused"}) {
      sessions_by_outcome[outcome] =
          &m.GetCounter("ruru_cwmp_sessions_total", "CWMP sessions by outcome", {{"outcome", outcome}});
    }
    active_gauge = &m.GetGauge("ruru_cwmp_active_sessions", "CWMP sessions in progress");
    conn_gauge = &m.GetGauge("ruru_cwmp_open_connections", "open CWMP connections");
    http_requests = &m.GetCounter("ruru_cwmp_http_requests_total", "HTTP requests on the CWMP endpoint");
    registered = &m.GetCounter("ruru_devices_registered_total", "devices registered by an Inform");
    duplicates = &m.GetCounter("ruru_duplicate_identity_total",
                               "Informs whose DeviceId was seen from another address within the duplicate window");
    rotations = &m.GetCounter("ruru_credential_rotations_total", "credentials sent to devices", {{"step", "sent"}});
    confirmations =
        &m.GetCounter("ruru_credential_rotations_total", "credentials sent to devices", {{"step", "confirmed"}});
    for (const char* reason : {"sessions", "connections", "inventory", "concurrent_session"}) {
      overload[reason] = &m.GetCounter("ruru_cwmp_503_total", "CWMP requests answered 503", {{"reason", reason}});
    }
    for (Kind k : {Kind::kStale, Kind::kWrong, Kind::kMalformed, Kind::kIdentityMismatch, Kind::kOnboardingRefused,
                   Kind::kUnknownRefused}) {
      auth_failures[k] = &m.GetCounter("ruru_cwmp_auth_failures_total", "CPE authentication failures by reason",
                                       {{"reason", std::string(MetricReason(k))}});
    }
    challenges = &m.GetCounter("ruru_cwmp_auth_challenges_total", "401 challenges to requests without credentials");
    bad_requests = &m.GetCounter("ruru_cwmp_bad_requests_total", "requests refused as malformed (400/405/413/431)");
    cpe_faults = &m.GetCounter("ruru_cwmp_cpe_faults_total", "CWMP faults received from CPEs");
    const char* hs_help = "TLS handshakes by listener and result (resumed: a session ticket or id was reused)";
    tls_full = &m.GetCounter("ruru_tls_handshakes_total", hs_help, {{"listener", "cwmp"}, {"result", "full"}});
    tls_resumed = &m.GetCounter("ruru_tls_handshakes_total", hs_help, {{"listener", "cwmp"}, {"result", "resumed"}});
    tls_failures = &m.GetCounter("ruru_tls_handshakes_total", hs_help, {{"listener", "cwmp"}, {"result", "failed"}});
    cert_sessions = &m.GetCounter("ruru_cwmp_certificate_sessions_total",
                                  "sessions whose device was authenticated by its TLS client certificate");
  }

  asio::io_context& ioc;
  CwmpEndpointDeps deps;
  const config::CwmpConfig& cfg;
  tcp::acceptor acceptor;
  asio::steady_timer sweep_timer;
  asio::steady_timer slot_timer;
  cwmp::DigestServer digest;
  CredentialCache cache;
  CpeAuthenticator authenticator;
  std::shared_ptr<spdlog::logger> log;
  std::atomic<bool> accepting{false};
  std::atomic<bool> stopped{false};
  std::atomic<uint64_t> next_conn{0};
  std::atomic<size_t> open_conns{0};

  mutable std::mutex mu;  // guards the tables below
  std::unordered_map<std::string, SessionPtr> by_cookie;
  std::unordered_map<std::string, SessionPtr> by_device;
  std::unordered_map<uint64_t, std::shared_ptr<Conn>> conns;
  std::unordered_map<std::string, size_t> conns_per_ip;

  std::map<std::string, metrics::Counter*> sessions_by_outcome;
  std::map<std::string, metrics::Counter*> overload;
  std::map<Kind, metrics::Counter*> auth_failures;
  std::map<std::string, metrics::Counter*> inform_events;  // guarded by mu
  metrics::Gauge* active_gauge = nullptr;
  metrics::Gauge* conn_gauge = nullptr;
  metrics::Counter *http_requests = nullptr, *registered = nullptr, *duplicates = nullptr, *rotations = nullptr,
                   *confirmations = nullptr, *challenges = nullptr, *bad_requests = nullptr, *cpe_faults = nullptr,
                   *tls_full = nullptr, *tls_resumed = nullptr, *tls_failures = nullptr, *cert_sessions = nullptr;

  // ---- helpers -------------------------------------------------------------------------------

  // The real delay of a timer that fires `d` from now in the endpoint's clock.
  Clock::Duration After(Clock::Duration d) const { return deps.clock->TimerDelay(deps.clock->Monotonic() + d); }

  metrics::Counter& EventCounter(const std::string& code) {
    const std::string label = EventLabel(code);
    std::lock_guard lock(mu);
    auto& c = inform_events[label];
    if (c == nullptr) {
      c = &deps.metrics->GetCounter("ruru_cwmp_informs_total", "Informs stored, by event code", {{"event", label}});
    }
    return *c;
  }

  // Runs a blocking inventory call on the database pool and resumes on the caller's executor
  // (async_util.h). Call sites pass a named lambda (std::move(call)), never a temporary.
  template <class F>
  asio::awaitable<std::invoke_result_t<F>> OnDb(F f) {
    co_return co_await net::OnPool(*deps.db_pool, std::move(f));
  }

  Reply Unavailable(const Request& req, const char* reason) {
    overload[reason]->Inc();
    Reply r = MakeReply(req, http::status::service_unavailable);
    static thread_local std::mt19937 rng{std::random_device{}()};
    const auto base = cfg.retry_after.count();
    const auto jitter = base > 1 ? std::uniform_int_distribution<int64_t>(0, base / 2)(rng) : 0;
    r.res.set(http::field::retry_after, std::to_string(base + jitter));
    r.res.keep_alive(false);
    r.close = true;
    return r;
  }

  Reply BadRequest(const Request& req, const std::string& why, http::status status = http::status::bad_request) {
    bad_requests->Inc();
    Reply r = MakeReply(req, status, why + "\n", "text/plain");
    r.res.keep_alive(false);
    r.close = true;
    return r;
  }

  Reply Challenge(const Request& req, bool stale) {
    Reply r = MakeReply(req, http::status::unauthorized);
    if (cfg.auth != config::AuthOffer::kBasic) r.res.insert(http::field::www_authenticate, digest.Challenge(stale));
    if (cfg.auth != config::AuthOffer::kDigest) {
      r.res.insert(http::field::www_authenticate, "Basic realm=\"" + cfg.realm + "\"");
    }
    return r;
  }

  void EndSession(const SessionPtr& s, const char* outcome, const std::string& why) {
    bool removed = false;
    {
      std::lock_guard lock(mu);
      auto it = by_cookie.find(s->id);
      if (it != by_cookie.end() && it->second == s) {
        by_cookie.erase(it);
        removed = true;
      }
      auto dit = by_device.find(DeviceCacheKey(s->key));
      if (dit != by_device.end() && dit->second == s) by_device.erase(dit);
    }
    if (!removed) return;
    ForgetTasks(s);
    active_gauge->Add(-1);
    sessions_by_outcome[outcome]->Inc();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deps.clock->Monotonic() - s->started).count();
    if (why.empty()) {
      log->debug("[session={} device={}] session {} after {} ms", s->id.substr(0, 8), s->label, outcome, ms);
    } else {
      log->info("[session={} device={}] session {} after {} ms: {}", s->id.substr(0, 8), s->label, outcome, ms, why);
    }
  }

  // The session is over for the task engine: tasks it claimed but did not send go back to the queue
  // (in the background), and it stops watching for new work.
  void ForgetTasks(const SessionPtr& s) {
    if (deps.tasks == nullptr) return;
    if (s->watching) {
      deps.tasks->Unwatch(s->device_id);
      s->watching = false;
    }
    if (s->claimed) {
      s->claimed = false;
      tasks::TaskEngine* engine = deps.tasks;
      std::string id = s->id;
      asio::post(*deps.db_pool, [engine, id, device = s->device_id] { engine->Release(device, id); });
    }
  }

  enum class ClaimResult { kOk, kDeviceBusy, kFull };
  // Registers `s` as the device's session. Refuses when cwmp.max_sessions sessions exist (checked
  // here, under the lock, so a burst of new devices cannot overshoot it while their look-ups run),
  // or when another session of the device is carried by a live connection; an abandoned one (its
  // connection closed) is ended and replaced.
  ClaimResult Claim(const SessionPtr& s, std::string* refused_why) {
    SessionPtr old;
    {
      std::lock_guard lock(mu);
      const std::string device = DeviceCacheKey(s->key);
      auto existing = by_device.find(device);
      if (existing != by_device.end()) {
        auto c = existing->second->conn.lock();
        if (c && c->open && !existing->second->proto.Expired() && c != s->conn.lock()) {
          *refused_why = "another session of this device is in progress (from " + c->peer + ")";
          return ClaimResult::kDeviceBusy;
        }
        old = existing->second;
      }
      // The device's own abandoned session is replaced, so it does not count against the cap.
      const bool replaces = old && by_cookie.count(old->id) > 0;
      if (by_cookie.size() - (replaces ? 1 : 0) >= cfg.max_sessions) {
        *refused_why = "cwmp.max_sessions reached";
        return ClaimResult::kFull;
      }
      by_device[device] = s;
      by_cookie[s->id] = s;
    }
    active_gauge->Add(1);
    if (old) {
      // Remove the old cookie only (the device slot is already ours).
      bool removed = false;
      {
        std::lock_guard lock(mu);
        auto it = by_cookie.find(old->id);
        if (it != by_cookie.end() && it->second == old) {
          by_cookie.erase(it);
          removed = true;
        }
      }
      if (removed) {
        ForgetTasks(old);
        active_gauge->Add(-1);
        const bool clean = old->proto.MayEnd();
        sessions_by_outcome[clean ? "completed" : "failed"]->Inc();
        if (!clean) {
          log->info("[session={} device={}] session abandoned: the CPE opened a new session", old->id.substr(0, 8),
                    old->label);
        }
      }
    }
    return ClaimResult::kOk;
  }

  asio::awaitable<Result<db::InformOutcome>> SubmitInform(db::InformWrite write) {
    db::InformBatcher* batcher = deps.batcher;
    // Named, not a temporary argument: GCC 12 destroys temporaries of a co_await expression twice.
    auto start = [batcher, w = std::move(write)](auto done) mutable {
      batcher->Submit(std::move(w), [done = std::move(done)](Result<db::InformOutcome> r) mutable {
        done(std::move(r));
      });
    };
    std::optional<Result<db::InformOutcome>> out =
        co_await net::AsyncCallback<Result<db::InformOutcome>>(std::move(start));
    co_return std::move(*out);
  }

  // ---- serving -------------------------------------------------------------------------------

  asio::awaitable<void> AcceptLoop() {
    auto self = shared_from_this();
    while (accepting) {
      if (open_conns >= cfg.max_connections) {
        beast::error_code ec;
        slot_timer.expires_after(After(std::chrono::milliseconds(200)));
        co_await slot_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      beast::error_code ec;
      tcp::socket socket(asio::make_strand(ioc));
      co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (!accepting) co_return;
      if (ec) {
        // Out of descriptors or a transient error: back off instead of spinning.
        log->warn("accept failed: {}", ec.message());
        slot_timer.expires_after(After(std::chrono::milliseconds(50)));
        co_await slot_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      auto ex = socket.get_executor();
      asio::co_spawn(ex, RunConnection(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> SweepLoop() {
    auto self = shared_from_this();
    while (!stopped) {
      beast::error_code ec;
      sweep_timer.expires_after(After(std::chrono::seconds(1)));
      co_await sweep_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopped) co_return;
      std::vector<SessionPtr> expired;
      {
        std::lock_guard lock(mu);
        for (auto& [id, s] : by_cookie) {
          if (s->busy) continue;
          auto c = s->conn.lock();
          const bool connected = c && c->open;
          if (s->proto.Expired() || (!connected && s->proto.MayEnd())) expired.push_back(s);
        }
      }
      for (auto& s : expired) {
        if (s->proto.MayEnd()) {
          EndSession(s, "completed", "");
        } else {
          EndSession(s, "timeout",
                     "no message for " + std::to_string(cfg.session_timeout.count()) + " s in state " +
                         std::string(cwmp::ToString(s->proto.state())));
        }
      }
    }
  }

  asio::awaitable<void> RunConnection(tcp::socket socket) {
    auto self = shared_from_this();
    beast::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) co_return;
    auto conn = std::make_shared<Conn>();
    conn->id = ++next_conn;
    conn->peer = NormalizePeerAddress(remote.address().to_string());
    conn->executor = socket.get_executor();
    socket.set_option(tcp::no_delay(true), ec);
    bool over_ip_cap = false;
    {
      std::lock_guard lock(mu);
      size_t& n = conns_per_ip[conn->peer];
      if (cfg.max_connections_per_ip > 0 && n >= cfg.max_connections_per_ip) {
        over_ip_cap = true;
      } else {
        ++n;
        conns[conn->id] = conn;
      }
    }
    if (over_ip_cap) {
      overload["connections"]->Inc();
      socket.close(ec);
      co_return;
    }
    ++open_conns;
    conn_gauge->Add(1);
    if (deps.tls != nullptr) {
      // HTTPS: the handshake within the read timeout, then the same HTTP loop over TLS. The context
      // is the one current now (a SIGHUP reload affects later connections only).
      std::shared_ptr<asio::ssl::context> ctx = deps.tls->Current();
      beast::ssl_stream<beast::tcp_stream> tls(beast::tcp_stream(std::move(socket)), *ctx);
      conn->stream = &beast::get_lowest_layer(tls);
      beast::get_lowest_layer(tls).expires_after(cfg.read_timeout);
      co_await tls.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        tls_failures->Inc();
        log->debug("TLS handshake with {} failed: {}", conn->peer, ec.message());
      } else {
        (SSL_session_reused(tls.native_handle()) == 1 ? tls_resumed : tls_full)->Inc();
        conn->client_cert = net::VerifiedPeerCertificate(tls.native_handle());
        try {
          co_await Serve(tls, conn);
        } catch (const std::exception& e) {
          log->error("connection from {}: internal error: {}", conn->peer, e.what());
        }
        // close_notify, bounded: a CPE that vanished must not hold the connection.
        beast::get_lowest_layer(tls).expires_after(std::chrono::seconds(2));
        co_await tls.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
      }
      conn->open = false;
      beast::get_lowest_layer(tls).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(tls).close();
    } else {
      beast::tcp_stream stream(std::move(socket));
      conn->stream = &stream;
      try {
        co_await Serve(stream, conn);
      } catch (const std::exception& e) {
        log->error("connection from {}: internal error: {}", conn->peer, e.what());
      }
      conn->open = false;
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream.close();
    }
    {
      std::lock_guard lock(mu);
      conns.erase(conn->id);
      auto it = conns_per_ip.find(conn->peer);
      if (it != conns_per_ip.end() && --it->second == 0) conns_per_ip.erase(it);
      conn->stream = nullptr;
    }
    --open_conns;
    conn_gauge->Add(-1);
  }

  template <class Stream>  // beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>
  asio::awaitable<void> Serve(Stream& stream, std::shared_ptr<Conn> conn) {
    auto& tcp_layer = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    SessionPtr current;  // the session this connection carries (CPEs without cookies)
    bool first = true;
    while (!stopped) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(cfg.max_header_bytes));
      parser.body_limit(cfg.max_body_bytes);
      beast::error_code ec;
      tcp_layer.expires_after(first ? cfg.read_timeout : cfg.idle_timeout);
      first = false;
      co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec && parser.content_length() && *parser.content_length() > cfg.max_body_bytes) {
        ec = http::error::body_limit;  // Beast 1.74 does not apply body_limit to Content-Length up front
      }
      if (!ec && !parser.is_done()) {
        tcp_layer.expires_after(cfg.read_timeout);
        if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
          http::response<http::empty_body> cont{http::status::continue_, 11};
          co_await http::async_write(stream, cont, asio::redirect_error(asio::use_awaitable, ec));
        }
        if (!ec) co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) {
        if (ec == http::error::header_limit || ec == http::error::body_limit) {
          Request dummy;
          Reply r = BadRequest(dummy,
                               ec == http::error::header_limit ? "request header too large" : "request body too large",
                               ec == http::error::header_limit ? http::status::request_header_fields_too_large
                                                               : http::status::payload_too_large);
          tcp_layer.expires_after(std::chrono::seconds(5));
          co_await http::async_write(stream, r.res, asio::redirect_error(asio::use_awaitable, ec));
        } else if (ec != http::error::end_of_stream && ec != asio::error::eof && ec != beast::error::timeout &&
                   ec != asio::error::connection_reset && ec != asio::error::operation_aborted) {
          Request dummy;
          Reply r = BadRequest(dummy, "malformed HTTP request");
          tcp_layer.expires_after(std::chrono::seconds(5));
          co_await http::async_write(stream, r.res, asio::redirect_error(asio::use_awaitable, ec));
        }
        co_return;
      }
      http_requests->Inc();
      Request req = parser.release();
      Reply reply = co_await Handle(req, conn, current);
      tcp_layer.expires_after(cfg.read_timeout);
      co_await http::async_write(stream, reply.res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || reply.close || !reply.res.keep_alive()) co_return;
    }
  }

  static bool PathMatches(const std::string& configured, std::string_view target) {
    if (configured == "/") return true;
    const size_t q = target.find('?');
    return target.substr(0, q) == configured;
  }

  asio::awaitable<Reply> Handle(const Request& req, const std::shared_ptr<Conn>& conn, SessionPtr& current) {
    std::string_view target(req.target().data(), req.target().size());
    if (!PathMatches(cfg.path, target)) co_return BadRequest(req, "not a CWMP path", http::status::not_found);
    if (req.method() != http::verb::post) {
      Reply r = MakeReply(req, http::status::method_not_allowed);
      r.res.set(http::field::allow, "POST");
      co_return r;
    }
    // Which session? The cookie first, then the connection's own session.
    SessionPtr s;
    const std::string cookie = CookieValue(req);
    if (!cookie.empty()) {
      std::lock_guard lock(mu);
      if (auto it = by_cookie.find(cookie); it != by_cookie.end()) s = it->second;
    }
    if (!s && current) {
      std::lock_guard lock(mu);
      if (auto it = by_cookie.find(current->id); it != by_cookie.end() && it->second == current) s = current;
    }
    if (s) {
      bool expected = false;
      if (!s->busy.compare_exchange_strong(expected, true)) {
        co_return BadRequest(req, "another request of this session is in progress", http::status::conflict);
      }
      struct Release {
        AcsSession* s;
        ~Release() { s->busy = false; }
      } release{s.get()};
      s->conn = conn;
      current = s;
      co_return co_await OnSessionMessage(req, s, current);
    }
    co_return co_await OnNewSession(req, conn, current);
  }

  // ---- a new session: the Inform --------------------------------------------------------------

  // The inventory look-ups of authentication, on the database pool.
  class PoolLookup final : public CredentialLookup {
   public:
    explicit PoolLookup(Impl& impl) : impl_(impl) {}
    asio::awaitable<Result<db::DeviceCredentials>> FindCredentialsByUsername(std::string username) override {
      db::DeviceStore* devices = impl_.deps.devices;
      auto call = [devices, username] { return devices->FindCredentialsByUsername(username); };
      co_return co_await impl_.OnDb(std::move(call));
    }
    asio::awaitable<Result<db::Device>> FindDevice(db::DeviceKey key) override {
      db::DeviceStore* devices = impl_.deps.devices;
      auto call = [devices, key] { return devices->FindByKey(key); };
      co_return co_await impl_.OnDb(std::move(call));
    }

   private:
    Impl& impl_;
  };

  asio::awaitable<Reply> OnNewSession(const Request& req, const std::shared_ptr<Conn>& conn, SessionPtr& current) {
    if (by_cookie_size() >= cfg.max_sessions) co_return Unavailable(req, "sessions");
    const auto auth_value = req[http::field::authorization];
    if (auth_value.empty() && !conn->client_cert) {
      challenges->Inc();
      co_return Challenge(req, false);
    }
    auto decoded = cwmp::Decode(req.body(), cwmp::DecodeLimits{cfg.max_body_bytes});
    if (!decoded) {
      log->info("refused a message from {}: {}", conn->peer, decoded.error().message);
      co_return BadRequest(req, "undecodable CWMP message: " + decoded.error().message);
    }
    const cwmp::Envelope& env = decoded->envelope;
    const auto* inform = std::get_if<cwmp::Inform>(&env.body);
    if (inform == nullptr) {
      const std::string_view got = cwmp::RpcName(env.body);
      co_return BadRequest(
          req, "a session must start with an Inform (got " + std::string(got.empty() ? "an empty body" : got) + ")");
    }
    const cwmp::DeviceId& id = inform->device_id;
    if (id.oui.empty() || id.serial_number.empty()) co_return BadRequest(req, "Inform without OUI or SerialNumber");
    AuthRequest auth;
    auth.authorization = std::string(auth_value.data(), auth_value.size());
    auth.method = std::string(req.method_string().data(), req.method_string().size());
    auth.uri = target_of(req);
    auth.certificate = conn->client_cert ? &*conn->client_cert : nullptr;
    auth.key = KeyOf(id);
    auth.bootstrap = HasEvent(*inform, "0 BOOTSTRAP");
    PoolLookup lookup(*this);
    AuthResult result = co_await authenticator.Authenticate(auth, lookup);
    const std::string label = DeviceLabel(id);
    if (result.action != AuthResult::Action::kAdmit) co_return Refuse(req, *conn, label, result);
    if (result.verdict.via == AuthVia::kCertificate) cert_sessions->Inc();
    // Named arguments, no temporaries in the co_await expression (the rule of async_util.h): with
    // temporaries here acsd crashed in the coroutine frame's destruction (gcc 12; acsd_tls_e2e_test).
    db::DeviceKey key = auth.key;
    co_return co_await StartSession(req, conn, current, *inform, env, key, label, std::move(result.verdict),
                                    std::move(result.owner), std::move(result.username));
  }

  // The answer to a request authentication refused, with its metric and log line.
  Reply Refuse(const Request& req, const Conn& conn, const std::string& label, const AuthResult& r) {
    using Action = AuthResult::Action;
    if (r.counted) auth_failures[r.verdict.kind]->Inc();
    if (r.action == Action::kUnavailable) {
      log->warn("authentication of {} failed: {}", label, r.message);
      return Unavailable(req, "inventory");
    }
    if (r.verdict.via == AuthVia::kCertificate) {
      const net::PeerCertificate& cert = *conn.client_cert;
      log->warn("refused {} from {}: its client certificate names '{}' (serialNumber '{}', sha256 {})", label,
                conn.peer, cert.common_name, cert.serial_number, cert.sha256.substr(0, 16));
    } else if (r.verdict.kind == Kind::kUnknownRefused) {
      log->info("refused unknown device {} from {} (cwmp.unknown_devices = reject)", label, conn.peer);
    } else if (r.verdict.kind == Kind::kIdentityMismatch || r.verdict.kind == Kind::kOnboardingRefused) {
      log->warn("refused {} from {}: {} (username '{}')", label, conn.peer, r.verdict.reason, r.username);
    } else if (r.verdict.kind == Kind::kWrong) {
      log->info("wrong credentials for {} from {} (username '{}')", label, conn.peer, r.username);
    }
    switch (r.action) {
      case Action::kChallengeStale:
        return Challenge(req, true);
      case Action::kBadRequest:
        return BadRequest(req, r.message);
      case Action::kForbidden:
        return BadRequest(req, r.message, http::status::forbidden);
      default:
        return Challenge(req, false);
    }
  }

  // The authenticated Inform: version negotiation, the session, the inventory write, credentials
  // and tasks. `owner` and `username`: of the HTTP credentials (none for a client certificate).
  asio::awaitable<Reply> StartSession(const Request& req, const std::shared_ptr<Conn>& conn, SessionPtr& current,
                                      const cwmp::Inform& inform_message, const cwmp::Envelope& env,
                                      const db::DeviceKey& key, const std::string& label, AuthVerdict verdict,
                                      std::optional<db::DeviceCredentials> owner, std::string username) {
    const cwmp::Inform* inform = &inform_message;
    // Version negotiation (CWMP 1.0-1.4).
    auto negotiated = cwmp::NegotiateAsAcs(env, cwmp::kLatestVersion);
    if (!negotiated) {
      if (!env.supported_cwmp_versions) co_return BadRequest(req, negotiated.error().message);
      cwmp::Envelope fault_env;
      fault_env.ns = cwmp::OutputNamespace(env.ns);
      fault_env.id = env.id;
      fault_env.body = cwmp::Fault{"Server", "CWMP fault", 8006, std::string(cwmp::StandardFaultText(8006)), {}};
      auto xml = cwmp::Encode(fault_env);
      Reply r = MakeReply(req, http::status::internal_server_error, xml ? *xml : "", kXml);
      r.close = true;
      co_return r;
    }

    // Idle timeout: cwmp.session_timeout, or longer when the CPE announced a longer SessionTimeout
    // (CWMP 1.3+). Negotiated's 30 s default for CPEs without the header must not override the
    // configured value.
    const auto configured = static_cast<uint32_t>(cfg.session_timeout.count());
    const uint32_t idle = env.session_timeout ? std::max(*env.session_timeout, configured) : configured;
    auto s = std::make_shared<AcsSession>(*deps.clock, std::chrono::seconds(idle));
    s->id = access::RandomHex(16);
    s->started = deps.clock->Monotonic();
    s->ns = cwmp::OutputNamespace(env.ns);
    s->key = key;
    s->label = label;
    s->root = DataModelRoot(*inform).value_or("Device");
    s->via = verdict.via;
    s->conn = conn;
    s->busy = true;
    s->proto.SetVersion(negotiated->version);
    struct Release {
      AcsSession* s;
      ~Release() { s->busy = false; }
    } release{s.get()};
    if (Status st = s->proto.Receive(env); !st.ok()) co_return BadRequest(req, st.error().message);
    std::string why;
    switch (Claim(s, &why)) {
      case ClaimResult::kOk:
        break;
      case ClaimResult::kFull:
        co_return Unavailable(req, "sessions");
      case ClaimResult::kDeviceBusy:
        log->warn("[device={}] refused a second concurrent session from {}: {}", label, conn->peer, why);
        co_return Unavailable(req, "concurrent_session");
    }
    current = s;

    // The inventory write; the InformResponse waits for its commit (DESIGN §3).
    db::InformWrite write = MapInform(*inform, conn->peer, deps.clock->Now());
    write.allow_create = (verdict.via == AuthVia::kOnboarding || verdict.via == AuthVia::kCertificate) &&
                         cfg.unknown_devices == config::UnknownDevices::kRegister;
    write.session_id = s->id.substr(0, 8);
    s->facts.parameter_key = write.parameter_key;
    s->facts.root = s->root;
    s->facts.at = write.received_at;
    for (const auto& e : inform->events) s->facts.events.push_back(db::EventRecord{e.code.text, e.command_key});
    auto outcome = co_await SubmitInform(std::move(write));
    if (!outcome) {
      if (outcome.error().code == ErrorCode::kNotFound) {
        EndSession(s, "refused", "device not in the inventory");
        auth_failures[Kind::kUnknownRefused]->Inc();
        co_return BadRequest(req, "unknown device", http::status::forbidden);
      }
      if (outcome.error().code == ErrorCode::kInvalidArgument) {
        EndSession(s, "refused", "Inform refused by the inventory: " + outcome.error().message);
        co_return BadRequest(req, "Inform refused: " + outcome.error().message);
      }
      EndSession(s, "failed", "inventory write failed: " + outcome.error().message);
      co_return Unavailable(req, "inventory");
    }
    s->device_id = outcome->device_id;
    if (outcome->created) {
      registered->Inc();
      log->info("[session={} device={}] device registered (id {}, from {})", s->id.substr(0, 8), label,
                outcome->device_id, conn->peer);
    }
    if (outcome->duplicate_suspect) {
      duplicates->Inc();
      log->warn("[session={} device={}] possible duplicate identity: Inform from {} while {} informed {} s ago or less",
                s->id.substr(0, 8), label, conn->peer, outcome->previous_peer_ip,
                deps.config->database.duplicate_window.count());
    }
    for (const auto& e : inform->events) EventCounter(e.code.text).Inc();

    // Credentials: first use of the pending ones confirms them; a device without its own gets new ones.
    DeviceAuthState new_state{outcome->device_id, outcome->has_active_credentials, outcome->has_pending_credentials};
    if (verdict.via == AuthVia::kPending) {
      db::DeviceStore* devices = deps.devices;
      const int64_t device_id = outcome->device_id;
      auto db_call3 = [devices, device_id] { return devices->ConfirmPendingCredentials(device_id); };
      Status st = co_await OnDb(std::move(db_call3));
      if (st.ok() || st.error().code == ErrorCode::kNotFound) {
        if (st.ok()) {
          confirmations->Inc();
          log->info("[session={} device={}] new credentials confirmed (first use)", s->id.substr(0, 8), label);
        }
        if (owner && owner->active) cache.EraseOwner(owner->active->username);
        cache.EraseOwner(username);
        new_state.has_active_credentials = true;
        new_state.has_pending_credentials = false;
      } else {
        log->warn("[session={} device={}] confirming credentials failed: {}", s->id.substr(0, 8), label,
                  st.error().message);
      }
    }
    cache.PutState(key, new_state);
    const auto& creds = deps.config->credentials;
    s->rotate = creds.rotate_on_bootstrap &&
                (verdict.via == AuthVia::kOnboarding ||
                 (verdict.via == AuthVia::kActive && outcome->has_pending_credentials));

    if (Status st = s->proto.MarkStored(); !st.ok()) {
      EndSession(s, "failed", st.error().message);
      co_return BadRequest(req, st.error().message, http::status::internal_server_error);
    }
    // Tasks: only when the Inform's own statement said the device has some (no query otherwise).
    if (deps.tasks != nullptr) {
      deps.tasks->Watch(s->device_id);
      s->watching = true;
      if (outcome->pending_work > 0) co_await BeginTasks(s);
    }
    cwmp::Envelope response;
    response.body = cwmp::InformResponse{1};
    cwmp::ApplyToInformResponse(*negotiated, env, &response);
    // A task that must run before the CPE's own requests (TransferComplete ...) holds them.
    response.hold_requests = std::any_of(s->tasks.begin(), s->tasks.end(), [](const db::Task& t) { return t.hold_requests; });
    if (Status st = s->proto.Send(response); !st.ok()) {
      EndSession(s, "failed", "InformResponse refused: " + st.error().message);
      co_return BadRequest(req, st.error().message, http::status::internal_server_error);
    }
    auto xml = cwmp::Encode(response);
    if (!xml) {
      EndSession(s, "failed", "encode: " + xml.error().message);
      co_return BadRequest(req, "internal error", http::status::internal_server_error);
    }
    log->debug("[session={} device={}] Inform stored ({} events), InformResponse sent", s->id.substr(0, 8), label,
               inform->events.size());
    Reply r = MakeReply(req, http::status::ok, std::move(*xml), kXml);
    r.res.set(http::field::set_cookie, std::string(kCookieName) + "=" + s->id + "; Path=/; HttpOnly");
    co_return r;
  }

  // ---- tasks -------------------------------------------------------------------------------------

  asio::awaitable<void> BeginTasks(const SessionPtr& s) {
    tasks::TaskEngine* engine = deps.tasks;
    const int64_t device_id = s->device_id;
    const std::string id = s->id;
    const tasks::InformFacts facts = s->facts;
    auto call = [engine, device_id, id, facts] { return engine->BeginSession(device_id, id, facts); };
    Result<db::SessionWork> work = co_await OnDb(std::move(call));
    if (!work) {
      log->warn("[session={} device={}] tasks not read: {} (they run at a later Inform)", s->id.substr(0, 8),
                s->label, work.error().message);
      co_return;
    }
    s->claimed = true;
    for (db::Task& t : work->tasks) s->tasks.push_back(std::move(t));
    if (!s->tasks.empty()) {
      log->debug("[session={} device={}] {} task(s) to run", s->id.substr(0, 8), s->label, s->tasks.size());
    }
  }

  // Records what the current runner ended with. Leaves s->runner set when the task must be sent
  // again in this session (a probe found it never arrived).
  asio::awaitable<void> FinishCurrentTask(const SessionPtr& s) {
    tasks::TaskEngine* engine = deps.tasks;
    const db::Task task = s->current;
    const std::string id = s->id;
    const tasks::TaskOutcome outcome = *s->runner->outcome();
    auto call = [engine, task, id, outcome]() -> std::pair<Result<db::Task>, bool> {
      bool again = false;
      auto r = engine->Finish(task, id, outcome, &again);
      return {std::move(r), again};
    };
    auto [result, again] = co_await OnDb(std::move(call));
    s->runner.reset();
    if (!result) {
      log->warn("[session={} device={}] task {} outcome not stored: {} (settled at the next Inform)",
                s->id.substr(0, 8), s->label, task.id, result.error().message);
      co_return;
    }
    s->current = *result;
    if (again) {
      auto runner = tasks::TaskRunner::Create(s->current, s->facts, engine->limits(), false, deps.secrets);
      if (runner) {
        s->runner = std::move(*runner);
        s->current_marked = false;
      }
    }
  }

  // The next RPC of the session's tasks, or nullopt when there is none (left).
  asio::awaitable<std::optional<cwmp::Body>> NextTaskRequest(const SessionPtr& s) {
    tasks::TaskEngine* engine = deps.tasks;
    if (engine == nullptr || s->device_id == 0) co_return std::nullopt;
    for (int guard = 0; guard < 1000; ++guard) {
      if (!s->runner) {
        if (s->tasks.empty() && engine->TakeNewWork(s->device_id)) {
          const int64_t device_id = s->device_id;
          const std::string id = s->id;
          auto call = [engine, device_id, id] { return engine->ClaimMore(device_id, id); };
          auto more = co_await OnDb(std::move(call));
          if (more) {
            s->claimed = true;
            for (db::Task& t : *more) s->tasks.push_back(std::move(t));
          }
        }
        if (s->tasks.empty()) co_return std::nullopt;
        s->current = std::move(s->tasks.front());
        s->tasks.pop_front();
        const bool probe = s->current.phase == db::TaskPhase::kSent;
        auto runner = tasks::TaskRunner::Create(s->current, s->facts, engine->limits(), probe, deps.secrets);
        if (!runner) {
          // Stored arguments that no longer validate (e.g. written by an older acsd): a fault, not a crash.
          tasks::TaskOutcome bad;
          bad.kind = tasks::TaskOutcome::Kind::kFault;
          bad.fault_code = tasks::kFaultInvalidTask;
          bad.fault_message = "task cannot run: " + runner.error().message;
          s->runner = std::make_unique<FixedOutcomeRunner>(std::move(bad));
          co_await FinishCurrentTask(s);
          continue;
        }
        s->runner = std::move(*runner);
        s->current_marked = false;
      }
      std::optional<cwmp::Body> body = s->runner->Next();
      if (!body) {
        if (s->runner->outcome()) {
          co_await FinishCurrentTask(s);
        } else {
          s->runner.reset();
        }
        continue;
      }
      if (!s->runner->probing() && !s->current_marked) {
        tasks::TaskEngine* e = engine;
        const db::Task task = s->current;
        const std::string id = s->id;
        auto call = [e, task, id] { return e->MarkSent(task, id); };
        auto marked = co_await OnDb(std::move(call));
        if (!marked) {
          // Cancelled or taken over meanwhile, or the database is down: do not send it.
          log->info("[session={} device={}] task {} not sent: {}", s->id.substr(0, 8), s->label, s->current.id,
                    marked.error().message);
          s->runner.reset();
          continue;
        }
        s->current = *marked;
        s->current_marked = true;
      }
      co_return body;
    }
    co_return std::nullopt;
  }

  static std::string target_of(const Request& req) { return std::string(req.target().data(), req.target().size()); }

  size_t by_cookie_size() const {
    std::lock_guard lock(mu);
    return by_cookie.size();
  }

  // ---- within a session -------------------------------------------------------------------------

  asio::awaitable<Reply> OnSessionMessage(const Request& req, const SessionPtr& s, SessionPtr& current) {
    const std::string tag = "[session=" + s->id.substr(0, 8) + " device=" + s->label + "]";
    auto decoded = cwmp::Decode(req.body(), cwmp::DecodeLimits{cfg.max_body_bytes});
    if (!decoded) {
      EndSession(s, "failed", "undecodable message: " + decoded.error().message);
      current.reset();
      co_return BadRequest(req, "undecodable CWMP message: " + decoded.error().message);
    }
    const cwmp::Envelope& env = decoded->envelope;
    if (std::holds_alternative<cwmp::Inform>(env.body)) {
      // A new Inform on a session: the CPE started over. End this one and open a new session.
      EndSession(s, s->proto.MayEnd() ? "completed" : "failed", s->proto.MayEnd() ? "" : "CPE sent a new Inform");
      current.reset();
      std::shared_ptr<Conn> conn = s->conn.lock();
      co_return co_await OnNewSession(req, conn, current);
    }
    const std::string outstanding = s->proto.outstanding_acs_request();
    if (Status st = s->proto.Receive(env); !st.ok()) {
      EndSession(s, "failed", "protocol violation: " + st.error().message);
      current.reset();
      co_return BadRequest(req, "CWMP session rule broken: " + st.error().message);
    }
    if (!s->proto.pending_cpe_request().empty()) co_return co_await OnCpeRequest(req, s, env, tag, current);
    if (!outstanding.empty()) co_await OnAcsResponse(s, outstanding, env, tag);
    co_return co_await NextAcsRequest(req, s, current, tag);
  }

  asio::awaitable<Reply> OnCpeRequest(const Request& req, const SessionPtr& s, const cwmp::Envelope& env,
                                      const std::string& tag, SessionPtr& current) {
    cwmp::Envelope response;
    response.ns = s->ns;
    response.id = env.id;
    const std::string rpc(cwmp::RpcName(env.body));
    std::string command_key;
    std::visit(
        [&](const auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, cwmp::GetRPCMethods>) {
            response.body = cwmp::GetRPCMethodsResponse{AcsMethods()};
          } else if constexpr (std::is_same_v<T, cwmp::TransferComplete>) {
            command_key = m.command_key;
            response.body = cwmp::TransferCompleteResponse{};
          } else if constexpr (std::is_same_v<T, cwmp::AutonomousTransferComplete>) {
            response.body = cwmp::AutonomousTransferCompleteResponse{};
          } else if constexpr (std::is_same_v<T, cwmp::RequestDownload>) {
            response.body = cwmp::RequestDownloadResponse{};
          } else if constexpr (std::is_same_v<T, cwmp::DUStateChangeComplete>) {
            command_key = m.command_key;
            response.body = cwmp::DUStateChangeCompleteResponse{};
          } else if constexpr (std::is_same_v<T, cwmp::AutonomousDUStateChangeComplete>) {
            response.body = cwmp::AutonomousDUStateChangeCompleteResponse{};
          } else if constexpr (std::is_same_v<T, cwmp::Kicked>) {
            response.body = cwmp::KickedResponse{m.next};
          }
        },
        env.body);
    if (std::holds_alternative<cwmp::Empty>(response.body)) {
      EndSession(s, "failed", "unsupported CPE request " + rpc);
      current.reset();
      co_return BadRequest(req, "unsupported CPE request " + rpc);
    }
    if (rpc != "GetRPCMethods") {
      // Stored before it is acknowledged: the CPE forgets the report once answered.
      db::CpeReport report;
      report.device_id = s->device_id;
      report.rpc = rpc;
      report.command_key = command_key;
      report.body_json = cwmp::ToJson(env).dump();
      report.received_at = deps.clock->Now();
      db::DeviceStore* devices = deps.devices;
      auto db_call4 = [devices, report] { return devices->RecordReport(report); };
      Status st = co_await OnDb(std::move(db_call4));
      if (!st.ok()) {
        EndSession(s, "failed", rpc + " not stored: " + st.error().message);
        current.reset();
        co_return Unavailable(req, "inventory");
      }
      // A completion report settles its task (which then records the fault, if any, linked to it).
      std::optional<db::Task> settled;
      if (deps.tasks != nullptr && (std::holds_alternative<cwmp::TransferComplete>(env.body) ||
                                    std::holds_alternative<cwmp::DUStateChangeComplete>(env.body))) {
        tasks::TaskEngine* engine = deps.tasks;
        const int64_t device_id = s->device_id;
        const cwmp::Body body = env.body;
        auto settle = [engine, device_id, body] { return engine->SettleReport(device_id, body); };
        settled = co_await OnDb(std::move(settle));
      }
      if (const auto* tc = std::get_if<cwmp::TransferComplete>(&env.body); tc && tc->fault.code != 0 && !settled) {
        db::FaultRecord f{s->device_id, "TransferComplete", tc->fault.code, tc->fault.message, "", deps.clock->Now()};
        auto db_call5 = [devices, f] { return devices->RecordFault(f); };
        (void)co_await OnDb(std::move(db_call5));
      }
      log->info("{} {} stored (CommandKey '{}')", tag, rpc, command_key);
    }
    if (s->proto.AwaitingStore()) {
      if (Status st = s->proto.MarkStored(); !st.ok()) co_return BadRequest(req, st.error().message);
    }
    co_return SendEnvelope(req, s, response, current);
  }

  asio::awaitable<void> OnAcsResponse(const SessionPtr& s, const std::string& request, const cwmp::Envelope& env,
                                      const std::string& tag) {
    db::DeviceStore* devices = deps.devices;
    if (s->runner && s->task_request_outstanding) {
      // The answer to a task's RPC: the runner interprets it; the engine records the outcome (and
      // a fault, linked to the task).
      s->task_request_outstanding = false;
      if (std::holds_alternative<cwmp::Fault>(env.body)) cpe_faults->Inc();
      s->runner->OnAnswer(env.body);
      if (s->runner->outcome()) co_await FinishCurrentTask(s);
      co_return;
    }
    if (const auto* fault = std::get_if<cwmp::Fault>(&env.body)) {
      cpe_faults->Inc();
      nlohmann::json detail = nlohmann::json::array();
      for (const auto& f : fault->set_parameter_values_faults) {
        detail.push_back({{"parameter", f.parameter_name}, {"code", f.code}, {"message", f.message}});
      }
      db::FaultRecord rec{s->device_id, request, fault->code, fault->message,
                          detail.empty() ? std::string() : detail.dump(), deps.clock->Now()};
      log->warn("{} CPE fault {} '{}' answering {}", tag, fault->code, fault->message, request);
      auto db_call6 = [devices, rec] { return devices->RecordFault(rec); };
      Status st = co_await OnDb(std::move(db_call6));
      if (!st.ok()) log->warn("{} fault not stored: {}", tag, st.error().message);
      co_return;
    }
    if (request == "SetParameterValues" && s->rotation_sent) {
      const auto* spv = std::get_if<cwmp::SetParameterValuesResponse>(&env.body);
      if (spv && spv->status == 0) {
        const int64_t device_id = s->device_id;
        auto db_call7 = [devices, device_id] { return devices->ConfirmPendingCredentials(device_id); };
        Status st = co_await OnDb(std::move(db_call7));
        if (st.ok()) {
          confirmations->Inc();
          cache.PutState(s->key, DeviceAuthState{s->device_id, true, false});
          log->info("{} new credentials confirmed (SetParameterValues applied)", tag);
        } else {
          log->warn("{} confirming credentials failed: {}", tag, st.error().message);
        }
      } else {
        log->info("{} new credentials accepted with status 1: confirmed at their first use", tag);
      }
    }
  }

  asio::awaitable<Reply> NextAcsRequest(const Request& req, const SessionPtr& s, SessionPtr& current,
                                        const std::string& tag) {
    if (s->rotate && !s->rotation_sent && s->proto.state() == cwmp::SessionState::kAcsRequests) {
      s->rotation_sent = true;
      const auto& cc = deps.config->credentials;
      (void)cc;
      const std::string user = "ruru-" + std::to_string(s->device_id) + "-" + access::RandomHex(4);
      const std::string password = access::RandomToken(24);
      const std::string cr_user = "cr-" + access::RandomHex(6);
      const std::string cr_password = access::RandomToken(24);
      db::CredentialVerifier verifier{user, cwmp::DigestHa1(cwmp::DigestAlgorithm::kMd5, user, cfg.realm, password),
                                      cwmp::DigestHa1(cwmp::DigestAlgorithm::kSha256, user, cfg.realm, password)};
      const access::SecretBox::Sealed sealed = deps.secrets->Seal(cr_password, "cr:" + std::to_string(s->device_id));
      db::ConnectionRequestSecret cr{cr_user, sealed.ciphertext, sealed.key_id};
      db::DeviceStore* devices = deps.devices;
      const int64_t device_id = s->device_id;
      // Stored first: once the CPE applies them, only the stored verifier lets it back in.
      auto db_call8 = [devices, device_id, verifier, cr] {
        return devices->SetPendingCredentials(device_id, verifier, cr);
      };
      Status st = co_await OnDb(std::move(db_call8));
      if (st.ok()) {
        cache.EraseOwner(user);
        const std::string ms = s->root + ".ManagementServer.";
        cwmp::SetParameterValues spv;
        spv.parameters = {{ms + "Username", cwmp::ParameterValue::String(user)},
                          {ms + "Password", cwmp::ParameterValue::String(password)},
                          {ms + "ConnectionRequestUsername", cwmp::ParameterValue::String(cr_user)},
                          {ms + "ConnectionRequestPassword", cwmp::ParameterValue::String(cr_password)}};
        spv.parameter_key = "ruru-cred-" + access::RandomHex(6);
        cwmp::Envelope request;
        request.ns = s->ns;
        request.id = "ruru-" + access::RandomHex(4);
        request.body = std::move(spv);
        rotations->Inc();
        log->info("{} sending the device its own credentials (user '{}')", tag, user);
        co_return SendEnvelope(req, s, request, current);
      }
      log->warn("{} could not store new credentials, not rotating: {}", tag, st.error().message);
    }
    if (s->proto.state() == cwmp::SessionState::kAcsRequests) {
      std::optional<cwmp::Body> task_request = co_await NextTaskRequest(s);
      if (task_request) {
        cwmp::Envelope request;
        request.ns = s->ns;
        request.id = "ruru-" + access::RandomHex(4);
        request.body = std::move(*task_request);
        s->task_request_outstanding = true;
        log->debug("{} task {} ({}): sending {}", tag, s->current.id, s->current.type, cwmp::RpcName(request.body));
        co_return SendEnvelope(req, s, request, current);
      }
    }
    // Nothing (more) to do: 204 ends the session (unless the ACS held the CPE's requests: then the
    // CPE may now send them, on the same session).
    cwmp::Envelope empty;
    empty.ns = s->ns;
    if (Status st = s->proto.Send(empty); !st.ok()) {
      EndSession(s, "failed", st.error().message);
      current.reset();
      co_return BadRequest(req, st.error().message);
    }
    if (s->proto.state() == cwmp::SessionState::kDone) {
      EndSession(s, "completed", "");
      current.reset();
    }
    Reply r = MakeReply(req, http::status::no_content);
    r.res.set(http::field::set_cookie, std::string(kCookieName) + "=; Path=/; Max-Age=0");
    co_return r;
  }

  Reply SendEnvelope(const Request& req, const SessionPtr& s, const cwmp::Envelope& env, SessionPtr& current) {
    if (Status st = s->proto.Send(env); !st.ok()) {
      EndSession(s, "failed", "refused to send: " + st.error().message);
      current.reset();
      return BadRequest(req, "internal error", http::status::internal_server_error);
    }
    auto xml = cwmp::Encode(env);
    if (!xml) {
      EndSession(s, "failed", "encode: " + xml.error().message);
      current.reset();
      return BadRequest(req, "internal error", http::status::internal_server_error);
    }
    return MakeReply(req, http::status::ok, std::move(*xml), kXml);
  }
};

CwmpEndpoint::CwmpEndpoint(asio::io_context& ioc, CwmpEndpointDeps deps)
    : impl_(std::make_shared<Impl>(ioc, std::move(deps))) {}

CwmpEndpoint::~CwmpEndpoint() {
  impl_->stopped = true;
  impl_->accepting = false;
}

Status CwmpEndpoint::Listen() { return net::OpenListener(impl_->acceptor, impl_->cfg.listen, "cwmp.listen"); }

void CwmpEndpoint::Start() {
  impl_->accepting = true;
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->AcceptLoop(), asio::detached);
  asio::co_spawn(impl_->ioc, impl_->SweepLoop(), asio::detached);
}

void CwmpEndpoint::StopAccepting() {
  auto impl = impl_;
  asio::post(impl->acceptor.get_executor(), [impl] {
    impl->accepting = false;
    beast::error_code ec;
    impl->acceptor.close(ec);
    impl->slot_timer.cancel();
  });
}

void CwmpEndpoint::CloseAll() {
  auto impl = impl_;
  impl->stopped = true;
  std::vector<std::shared_ptr<Conn>> all;
  {
    std::lock_guard lock(impl->mu);
    for (auto& [id, c] : impl->conns) all.push_back(c);
  }
  for (auto& c : all) {
    asio::post(c->executor, [impl, c] {
      std::lock_guard lock(impl->mu);
      if (c->stream != nullptr) c->stream->cancel();
    });
  }
  asio::post(impl->ioc, [impl] { impl->sweep_timer.cancel(); });
}

uint16_t CwmpEndpoint::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

size_t CwmpEndpoint::ActiveSessions() const { return impl_->by_cookie_size(); }

size_t CwmpEndpoint::LiveSessions() const {
  std::lock_guard lock(impl_->mu);
  size_t n = 0;
  for (const auto& [id, s] : impl_->by_cookie) {
    auto c = s->conn.lock();
    if (s->busy || (c && c->open)) ++n;
  }
  return n;
}
size_t CwmpEndpoint::OpenConnections() const { return impl_->open_conns; }

bool CwmpEndpoint::SessionLive(const std::string& session_id) const {
  std::lock_guard lock(impl_->mu);
  return impl_->by_cookie.count(session_id) > 0;
}

}  // namespace ruru::acs::endpoint
