#include "acs/endpoint/session_driver.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "acs/endpoint/authenticator.h"
#include "acs/endpoint/cpe_auth.h"
#include "acs/endpoint/inform_mapping.h"
#include "acs/endpoint/session_table.h"
#include "acs/net/async_util.h"
#include "acs/net/http_server.h"
#include "acs/net/tls.h"
#include "cwmp/codec.h"
#include "cwmp/http_auth.h"
#include "cwmp/json.h"
#include "cwmp/session.h"
#include "cwmp/version.h"

namespace ruru::acs::endpoint {
namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Kind = AuthVerdict::Kind;

constexpr char kCookieName[] = "ruru_session";
constexpr char kXml[] = "text/xml; charset=\"utf-8\"";

// What the ACS answers to a CPE's GetRPCMethods.
const std::vector<std::string>& AcsMethods() {
  static const std::vector<std::string> methods = {"Inform",
                                                   "GetRPCMethods",
                                                   "TransferComplete",
                                                   "AutonomousTransferComplete",
                                                   "RequestDownload",
                                                   "DUStateChangeComplete",
                                                   "AutonomousDUStateChangeComplete",
                                                   "Kicked"};
  return methods;
}

// Event codes that get their own metric label; everything else is "other" (codes are open text).
std::string EventLabel(const std::string& code) {
  static const std::unordered_set<std::string> known = {"0 BOOTSTRAP",
                                                        "1 BOOT",
                                                        "2 PERIODIC",
                                                        "3 SCHEDULED",
                                                        "4 VALUE CHANGE",
                                                        "5 KICKED",
                                                        "6 CONNECTION REQUEST",
                                                        "7 TRANSFER COMPLETE",
                                                        "8 DIAGNOSTICS COMPLETE",
                                                        "9 REQUEST DOWNLOAD",
                                                        "10 AUTONOMOUS TRANSFER COMPLETE",
                                                        "11 DU STATE CHANGE COMPLETE",
                                                        "12 AUTONOMOUS DU STATE CHANGE COMPLETE",
                                                        "13 WAKEUP",
                                                        "14 HEARTBEAT",
                                                        "M Reboot",
                                                        "M ScheduleInform",
                                                        "M Download",
                                                        "M ScheduleDownload",
                                                        "M Upload",
                                                        "M ChangeDUState"};
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

using Reply = SessionDriver::Reply;

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

struct SessionDriver::Impl {
  explicit Impl(CwmpEndpointDeps d)
      : deps(std::move(d)),
        cfg(deps.config->cwmp),
        digest(cfg.realm, deps.nonce_key, *deps.clock, std::chrono::seconds(300)),
        cache(*deps.clock, deps.config->credentials.cache_ttl, deps.config->credentials.cache_max_entries),
        authenticator(cfg, digest, cache),
        log(spdlog::get("cwmp") ? spdlog::get("cwmp") : spdlog::default_logger()->clone("cwmp")),
        table(cfg.max_sessions) {
    metrics::MetricsRegistry& m = *deps.metrics;
    for (const char* outcome : {"completed", "failed", "timeout", "refused"}) {
      sessions_by_outcome[outcome] =
          &m.GetCounter("ruru_cwmp_sessions_total", "CWMP sessions by outcome", {{"outcome", outcome}});
    }
    active_gauge = &m.GetGauge("ruru_cwmp_active_sessions", "CWMP sessions in progress");
    http_requests = &m.GetCounter("ruru_cwmp_http_requests_total", "HTTP requests on the CWMP endpoint");
    registered = &m.GetCounter("ruru_devices_registered_total", "devices registered by an Inform");
    duplicates = &m.GetCounter("ruru_duplicate_identity_total",
                               "Informs whose DeviceId was seen from another address within the duplicate window");
    rotations = &m.GetCounter("ruru_credential_rotations_total", "credentials sent to devices", {{"step", "sent"}});
    confirmations =
        &m.GetCounter("ruru_credential_rotations_total", "credentials sent to devices", {{"step", "confirmed"}});
    for (const char* reason : {"sessions", "inventory", "concurrent_session"}) {
      overload[reason] = &m.GetCounter("ruru_cwmp_503_total", "CWMP requests answered 503", {{"reason", reason}});
    }
    overload_connections =
        &m.GetCounter("ruru_cwmp_503_total", "CWMP requests answered 503", {{"reason", "connections"}});
    for (Kind k : {Kind::kStale, Kind::kWrong, Kind::kMalformed, Kind::kIdentityMismatch, Kind::kOnboardingRefused,
                   Kind::kUnknownRefused}) {
      auth_failures[k] = &m.GetCounter("ruru_cwmp_auth_failures_total", "CPE authentication failures by reason",
                                       {{"reason", std::string(MetricReason(k))}});
    }
    challenges = &m.GetCounter("ruru_cwmp_auth_challenges_total", "401 challenges to requests without credentials");
    bad_requests = &m.GetCounter("ruru_cwmp_bad_requests_total", "requests refused as malformed (400/405/413/431)");
    cpe_faults = &m.GetCounter("ruru_cwmp_cpe_faults_total", "CWMP faults received from CPEs");
    cert_sessions = &m.GetCounter("ruru_cwmp_certificate_sessions_total",
                                  "sessions whose device was authenticated by its TLS client certificate");
  }

  CwmpEndpointDeps deps;
  const config::CwmpConfig& cfg;
  cwmp::DigestServer digest;
  CredentialCache cache;
  CpeAuthenticator authenticator;
  std::shared_ptr<spdlog::logger> log;

  SessionTable table;
  std::mutex metrics_mu;  // guards inform_events

  std::map<std::string, metrics::Counter*> sessions_by_outcome;
  std::map<std::string, metrics::Counter*> overload;
  metrics::Counter* overload_connections = nullptr;  // refused at accept (the endpoint counts them)
  std::map<Kind, metrics::Counter*> auth_failures;
  std::map<std::string, metrics::Counter*> inform_events;  // guarded by metrics_mu
  metrics::Gauge* active_gauge = nullptr;
  metrics::Counter *http_requests = nullptr, *registered = nullptr, *duplicates = nullptr, *rotations = nullptr,
                   *confirmations = nullptr, *challenges = nullptr, *bad_requests = nullptr, *cpe_faults = nullptr,
                   *cert_sessions = nullptr;

  // ---- helpers -------------------------------------------------------------------------------

  metrics::Counter& EventCounter(const std::string& code) {
    const std::string label = EventLabel(code);
    std::lock_guard lock(metrics_mu);
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
    if (!table.Remove(s)) return;
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

  using ClaimResult = SessionTable::ClaimResult;
  // Registers `s` as the device's session (SessionTable::Claim: the cap is checked under the
  // table's lock, so a burst of new devices cannot overshoot it while their look-ups run); the
  // device's abandoned session it replaces is ended here.
  ClaimResult Claim(const SessionPtr& s, std::string* refused_why) {
    SessionTable::Claimed claimed = table.Claim(s);
    if (claimed.result != ClaimResult::kOk) {
      *refused_why = claimed.refused_why;
      return claimed.result;
    }
    active_gauge->Add(1);
    if (const SessionPtr& old = claimed.replaced) {
      ForgetTasks(old);
      active_gauge->Add(-1);
      const bool clean = old->proto.MayEnd();
      sessions_by_outcome[clean ? "completed" : "failed"]->Inc();
      if (!clean) {
        log->info("[session={} device={}] session abandoned: the CPE opened a new session", old->id.substr(0, 8),
                  old->label);
      }
    }
    return ClaimResult::kOk;
  }

  asio::awaitable<Result<db::InformOutcome>> SubmitInform(db::InformWrite write) {
    db::InformBatcher* batcher = deps.batcher;
    // Named, not a temporary argument: GCC 12 destroys temporaries of a co_await expression twice.
    auto start = [batcher, w = std::move(write)](auto done) mutable {
      batcher->Submit(std::move(w),
                      [done = std::move(done)](Result<db::InformOutcome> r) mutable { done(std::move(r)); });
    };
    std::optional<Result<db::InformOutcome>> out =
        co_await net::AsyncCallback<Result<db::InformOutcome>>(std::move(start));
    co_return std::move(*out);
  }

  // Ends the sessions that timed out, or finished with their connection gone.
  void Sweep() {
    for (const SessionPtr& s : table.Expired()) {
      if (s->proto.MayEnd()) {
        EndSession(s, "completed", "");
      } else {
        EndSession(s, "timeout",
                   "no message for " + std::to_string(cfg.session_timeout.count()) + " s in state " +
                       std::string(cwmp::ToString(s->proto.state())));
      }
    }
  }

  // The answer to a request that could not be read.
  Response ReadError(net::HttpReadError error) {
    Request dummy;
    switch (error) {
      case net::HttpReadError::kHeaderTooLarge:
        return BadRequest(dummy, "request header too large", http::status::request_header_fields_too_large).res;
      case net::HttpReadError::kBodyTooLarge:
        return BadRequest(dummy, "request body too large", http::status::payload_too_large).res;
      case net::HttpReadError::kMalformed:
        break;
    }
    return BadRequest(dummy, "malformed HTTP request").res;
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
    if (!cookie.empty()) s = table.Find(cookie);
    if (!s && current && table.Holds(current)) s = current;
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
    if (table.size() >= cfg.max_sessions) co_return Unavailable(req, "sessions");
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

  // The answer to an Inform whose CWMP version cannot be served: fault 8006 to a CPE that listed
  // its versions, else 400.
  Reply VersionRefused(const Request& req, const cwmp::Envelope& env, const std::string& why) {
    if (!env.supported_cwmp_versions) return BadRequest(req, why);
    cwmp::Envelope fault_env;
    fault_env.ns = cwmp::OutputNamespace(env.ns);
    fault_env.id = env.id;
    fault_env.body = cwmp::Fault{"Server", "CWMP fault", 8006, std::string(cwmp::StandardFaultText(8006)), {}};
    auto xml = cwmp::Encode(fault_env);
    Reply r = MakeReply(req, http::status::internal_server_error, xml ? *xml : "", kXml);
    r.close = true;
    return r;
  }

  // A new session for an authenticated Inform (not yet in the table). Idle timeout:
  // cwmp.session_timeout, or longer when the CPE announced a longer SessionTimeout (CWMP 1.3+);
  // negotiation's 30 s default for CPEs without the header must not override the configured value.
  SessionPtr NewSession(const cwmp::Inform& inform, const cwmp::Envelope& env, const cwmp::Negotiated& negotiated,
                        const std::shared_ptr<Conn>& conn, const db::DeviceKey& key, const std::string& label,
                        AuthVia via) {
    const auto configured = static_cast<uint32_t>(cfg.session_timeout.count());
    const uint32_t idle = env.session_timeout ? std::max(*env.session_timeout, configured) : configured;
    auto s = std::make_shared<AcsSession>(*deps.clock, std::chrono::seconds(idle));
    s->id = access::RandomHex(16);
    s->started = deps.clock->Monotonic();
    s->ns = cwmp::OutputNamespace(env.ns);
    s->key = key;
    s->label = label;
    s->root = DataModelRoot(inform).value_or("Device");
    s->via = via;
    s->conn = conn;
    s->proto.SetVersion(negotiated.version);
    return s;
  }

  // The inventory write of the Inform; the InformResponse waits for its commit (DESIGN §3). On
  // failure the session is ended and the answer returned.
  asio::awaitable<std::variant<db::InformOutcome, Reply>> StoreInform(const Request& req, const SessionPtr& s,
                                                                      const cwmp::Inform& inform,
                                                                      const std::string& peer, AuthVia via) {
    db::InformWrite write = MapInform(inform, peer, deps.clock->Now());
    write.allow_create = (via == AuthVia::kOnboarding || via == AuthVia::kCertificate) &&
                         cfg.unknown_devices == config::UnknownDevices::kRegister;
    write.session_id = s->id.substr(0, 8);
    s->facts.parameter_key = write.parameter_key;
    s->facts.root = s->root;
    s->facts.at = write.received_at;
    for (const auto& e : inform.events) s->facts.events.push_back(db::EventRecord{e.code.text, e.command_key});
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
      log->info("[session={} device={}] device registered (id {}, from {})", s->id.substr(0, 8), s->label,
                outcome->device_id, peer);
    }
    if (outcome->duplicate_suspect) {
      duplicates->Inc();
      log->warn("[session={} device={}] possible duplicate identity: Inform from {} while {} informed {} s ago or less",
                s->id.substr(0, 8), s->label, peer, outcome->previous_peer_ip,
                deps.config->database.duplicate_window.count());
    }
    for (const auto& e : inform.events) EventCounter(e.code.text).Inc();
    co_return std::move(*outcome);
  }

  // Credentials after the stored Inform: the first use of pending ones confirms them; a device
  // without its own gets new ones in this session (s->rotate).
  asio::awaitable<void> SettleCredentials(const SessionPtr& s, const db::InformOutcome& outcome, AuthVia via,
                                          const std::optional<db::DeviceCredentials>& owner,
                                          const std::string& username) {
    DeviceAuthState new_state{outcome.device_id, outcome.has_active_credentials, outcome.has_pending_credentials};
    if (via == AuthVia::kPending) {
      db::DeviceStore* devices = deps.devices;
      const int64_t device_id = outcome.device_id;
      auto db_call3 = [devices, device_id] { return devices->ConfirmPendingCredentials(device_id); };
      Status st = co_await OnDb(std::move(db_call3));
      if (st.ok() || st.error().code == ErrorCode::kNotFound) {
        if (st.ok()) {
          confirmations->Inc();
          log->info("[session={} device={}] new credentials confirmed (first use)", s->id.substr(0, 8), s->label);
        }
        if (owner && owner->active) cache.EraseOwner(owner->active->username);
        cache.EraseOwner(username);
        new_state.has_active_credentials = true;
        new_state.has_pending_credentials = false;
      } else {
        log->warn("[session={} device={}] confirming credentials failed: {}", s->id.substr(0, 8), s->label,
                  st.error().message);
      }
    }
    cache.PutState(s->key, new_state);
    s->rotate = deps.config->credentials.rotate_on_bootstrap &&
                (via == AuthVia::kOnboarding || (via == AuthVia::kActive && outcome.has_pending_credentials));
  }

  // The InformResponse (after MarkStored), with HoldRequests when a claimed task must run before
  // the CPE's own requests (TransferComplete ...).
  Reply InformResponse(const Request& req, const SessionPtr& s, const cwmp::Envelope& env,
                       const cwmp::Negotiated& negotiated, size_t events) {
    cwmp::Envelope response;
    response.body = cwmp::InformResponse{1};
    cwmp::ApplyToInformResponse(negotiated, env, &response);
    response.hold_requests =
        std::any_of(s->tasks.begin(), s->tasks.end(), [](const db::Task& t) { return t.hold_requests; });
    if (Status st = s->proto.Send(response); !st.ok()) {
      EndSession(s, "failed", "InformResponse refused: " + st.error().message);
      return BadRequest(req, st.error().message, http::status::internal_server_error);
    }
    auto xml = cwmp::Encode(response);
    if (!xml) {
      EndSession(s, "failed", "encode: " + xml.error().message);
      return BadRequest(req, "internal error", http::status::internal_server_error);
    }
    log->debug("[session={} device={}] Inform stored ({} events), InformResponse sent", s->id.substr(0, 8), s->label,
               events);
    Reply r = MakeReply(req, http::status::ok, std::move(*xml), kXml);
    r.res.set(http::field::set_cookie, std::string(kCookieName) + "=" + s->id + "; Path=/; HttpOnly");
    return r;
  }

  // The authenticated Inform: version negotiation, the session, the inventory write, credentials
  // and tasks. `owner` and `username`: of the HTTP credentials (none for a client certificate).
  asio::awaitable<Reply> StartSession(const Request& req, const std::shared_ptr<Conn>& conn, SessionPtr& current,
                                      const cwmp::Inform& inform, const cwmp::Envelope& env, const db::DeviceKey& key,
                                      const std::string& label, AuthVerdict verdict,
                                      std::optional<db::DeviceCredentials> owner, std::string username) {
    auto negotiated = cwmp::NegotiateAsAcs(env, cwmp::kLatestVersion);
    if (!negotiated) co_return VersionRefused(req, env, negotiated.error().message);
    SessionPtr s = NewSession(inform, env, *negotiated, conn, key, label, verdict.via);
    s->busy = true;
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
    const std::string peer = conn->peer;
    std::variant<db::InformOutcome, Reply> stored = co_await StoreInform(req, s, inform, peer, verdict.via);
    if (auto* refused = std::get_if<Reply>(&stored)) co_return std::move(*refused);
    const db::InformOutcome& outcome = std::get<db::InformOutcome>(stored);
    co_await SettleCredentials(s, outcome, verdict.via, owner, username);
    if (Status st = s->proto.MarkStored(); !st.ok()) {
      EndSession(s, "failed", st.error().message);
      co_return BadRequest(req, st.error().message, http::status::internal_server_error);
    }
    // Tasks: only when the Inform's own statement said the device has some (no query otherwise).
    if (deps.tasks != nullptr) {
      deps.tasks->Watch(s->device_id);
      s->watching = true;
      if (outcome.pending_work > 0) co_await BeginTasks(s);
    }
    co_return InformResponse(req, s, env, *negotiated, inform.events.size());
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
      log->warn("[session={} device={}] tasks not read: {} (they run at a later Inform)", s->id.substr(0, 8), s->label,
                work.error().message);
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
      db::FaultRecord rec{
          s->device_id,     request, fault->code, fault->message, detail.empty() ? std::string() : detail.dump(),
          deps.clock->Now()};
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

SessionDriver::SessionDriver(CwmpEndpointDeps deps) : impl_(std::make_unique<Impl>(std::move(deps))) {}
SessionDriver::~SessionDriver() = default;

asio::awaitable<SessionDriver::Reply> SessionDriver::Handle(const Request& request, const std::shared_ptr<Conn>& conn,
                                                            SessionPtr& current) {
  impl_->http_requests->Inc();
  co_return co_await impl_->Handle(request, conn, current);
}

SessionDriver::Response SessionDriver::ReadError(net::HttpReadError error) { return impl_->ReadError(error); }
void SessionDriver::Sweep() { impl_->Sweep(); }
SessionTable& SessionDriver::table() { return impl_->table; }
const SessionTable& SessionDriver::table() const { return impl_->table; }
metrics::Counter& SessionDriver::OverloadCounter() { return *impl_->overload_connections; }

}  // namespace ruru::acs::endpoint
