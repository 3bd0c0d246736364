#include "tests/testacs/testacs.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "acs/net/http_server.h"
#include "base/beast.h"
#include "base/clock.h"
#include "cwmp/codec.h"
#include "cwmp/http_auth.h"
#include "cwmp/session.h"

namespace ruru::testacs {
namespace {

using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using PasswordOf = std::function<std::optional<std::string>(const std::string&)>;

constexpr auto kSweepInterval = std::chrono::milliseconds(250);
// How long Stop() lets connections wind down before it stops the io_context outright.
constexpr auto kStopGrace = std::chrono::seconds(5);
// After refusing an oversized request: how long and how much of the rest to read and discard.
constexpr auto kDrainTime = std::chrono::seconds(1);
constexpr size_t kMaxDrainBytes = 8 << 20;

// What the server answers to one HTTP request, and what that does to the session it belongs to.
struct Reply {
  Response res;
  bool close = false;          // close the connection after writing
  bool drop = false;           // close the connection without writing anything
  bool head = false;           // answer to HEAD: Content-Length is the file's, no body is sent
  uint64_t session = 0;        // record the status in this session (0: none)
  std::optional<Outcome> end;  // end the session with this outcome
  std::string error;
};

Reply MakeReply(const Request& req, http::status status, std::string body = {}, std::string_view content_type = {}) {
  Reply r;
  r.res.version(11);
  r.res.result(status);
  r.res.set(http::field::server, "ruru-testacs");
  if (!content_type.empty()) r.res.set(http::field::content_type, std::string(content_type));
  r.res.body() = std::move(body);
  r.res.keep_alive(req.keep_alive());
  return r;
}

Reply CloseReply(const Request& req, http::status status) {
  Reply r = MakeReply(req, status);
  r.res.keep_alive(false);
  r.close = true;
  return r;
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

// The value of the "session" cookie ("" when absent). Several Cookie headers may be sent.
std::string SessionCookie(const Request& req) {
  for (auto it = req.find(http::field::cookie); it != req.end() && it->name() == http::field::cookie; ++it) {
    std::string_view v(it->value().data(), it->value().size());
    while (!v.empty()) {
      const size_t semi = v.find(';');
      std::string_view pair = v.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.substr(0, 8) == "session=") return std::string(pair.substr(8));
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
  }
  return {};
}

std::string Hex64(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 0xf];
  return out;
}

// The ACS's answer to each CPE request (TR-069 Table A.3 ACS methods).
cwmp::Body AnswerToCpeRequest(const cwmp::Body& request) {
  return std::visit(
      [](const auto& b) -> cwmp::Body {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, cwmp::TransferComplete>) {
          return cwmp::TransferCompleteResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::AutonomousTransferComplete>) {
          return cwmp::AutonomousTransferCompleteResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::RequestDownload>) {
          return cwmp::RequestDownloadResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::DUStateChangeComplete>) {
          return cwmp::DUStateChangeCompleteResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::AutonomousDUStateChangeComplete>) {
          return cwmp::AutonomousDUStateChangeCompleteResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::Kicked>) {
          return cwmp::KickedResponse{b.next};
        } else if constexpr (std::is_same_v<T, cwmp::GetRPCMethods>) {
          return cwmp::GetRPCMethodsResponse{{"Inform", "GetRPCMethods", "TransferComplete",
                                              "AutonomousTransferComplete", "RequestDownload", "DUStateChangeComplete",
                                              "AutonomousDUStateChangeComplete", "Kicked"}};
        } else {
          // Session::Receive lets only CPE requests through; anything else is our bug.
          return cwmp::Fault{"Server", "CWMP fault", 8000, "Method not supported", {}};
        }
      },
      request);
}

std::string RandomKey() {
  std::random_device rd;
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(rd() & 0xff));
  return key;
}

}  // namespace

std::string_view ToString(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOpen:
      return "open";
    case Outcome::kCompleted:
      return "completed";
    case Outcome::kFailed:
      return "failed";
  }
  return "unknown";
}

const cwmp::EventStruct* SessionRecord::FindEvent(std::string_view code) const {
  for (const auto& e : inform.events) {
    if (e.code.text == code) return &e;
  }
  return nullptr;
}

const cwmp::ParameterValue* SessionRecord::InformParameter(std::string_view name) const {
  for (const auto& p : inform.parameters) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

struct ScriptedAcs::Impl {
  explicit Impl(Options o)
      : opts(std::move(o)),
        digest(opts.realm, RandomKey(), clock),
        rng(std::random_device{}()),
        hold_requests(opts.hold_requests) {}

  // One TCP (or TLS) connection. Lives in its coroutine frame; server thread only.
  struct Conn {
    uint64_t id = 0;
    std::string remote;
    bool authenticated = false;  // a request on this connection passed authentication
    std::string auth_user;
    uint64_t session = 0;  // the live session this connection last carried
    beast::tcp_stream* stream = nullptr;
  };

  // The protocol state of an open CWMP session. Server thread only; kept small (thousands live).
  struct Live {
    uint64_t id;
    cwmp::Session session;
    cwmp::Namespace ns = cwmp::Namespace::kCwmp10;
    std::string cookie;
    uint64_t conn = 0;  // connection that carried its last message
    bool connected = true;
    std::chrono::steady_clock::time_point disconnected_at{};
    bool authenticated = false;
    bool hold = false;
    uint32_t requests_sent = 0;
    Live(uint64_t id, const Clock& clock) : id(id), session(cwmp::Role::kAcs, clock) {}
  };

  // ---- Server thread ---------------------------------------------------------------------
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> SweepLoop();
  asio::awaitable<void> RunConnection(tcp::socket socket);
  class Requests;
  template <class Stream>
  asio::awaitable<void> Serve(Stream& stream, Conn& conn);
  Reply Handle(const Request& req, Conn& conn);
  Reply HandleCwmp(const Request& req, Conn& conn);
  Reply OnInform(Live& s, const Request& req, const cwmp::Envelope& env);
  Reply OnCpeRequest(Live& s, const Request& req, const cwmp::Envelope& env);
  Reply NextRequest(Live& s, const Request& req);
  Reply Violation(Live& s, const Request& req, std::string error, http::status status = http::status::bad_request);
  // `target`: the request-target in origin form.
  Reply HandleFile(const Request& req, const Conn& conn, std::string_view target);
  Reply HandleUpload(const Request& req, const Conn& conn, std::string_view target);
  Live& NewLive(const Conn& conn);
  Live* FindLive(const std::string& cookie, const Conn& conn);
  void Settle(const Reply& reply);
  void EndSession(uint64_t id, Outcome outcome, std::string error);
  void OnConnectionClosed(const Conn& conn);

  enum class AuthVerdict { kOk, kChallenge, kStale, kWrong, kMalformed };
  AuthVerdict CheckAuth(const Request& req, AuthMode mode, const PasswordOf& password_of, std::string* user) const;
  Reply AuthReply(const Request& req, AuthMode mode, AuthVerdict verdict);

  // ---- Shared state helpers (take mu) --------------------------------------------------------
  template <class F>
  void UpdateRecord(uint64_t id, F&& f) {
    {
      std::lock_guard lock(mu);
      auto it = records.find(id);
      if (it != records.end()) f(it->second);
      ++generation;
    }
    cv.notify_all();
  }
  template <class F>
  void UpdateShared(F&& f) {
    {
      std::lock_guard lock(mu);
      f();
      ++generation;
    }
    cv.notify_all();
  }

  Options opts;
  SystemClock clock;
  cwmp::DigestServer digest;
  std::optional<asio::ssl::context> tls;  // before ioc: streams using it die with ioc
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer slot_timer{ioc};  // wakes the accept loop when a connection slot frees up
  asio::steady_timer sweep_timer{ioc};
  std::thread thread;
  uint16_t port = 0;

  std::mutex lifecycle_mu;  // Start/Stop
  bool started = false;
  bool stopped = false;
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool run_done = false;

  // Server thread only.
  bool stopping = false;
  std::atomic<bool> serving{true};  // false once stopping: the HTTP loops take no further request
  std::unordered_map<uint64_t, Conn*> conns;
  std::unordered_map<uint64_t, std::unique_ptr<Live>> live;
  std::unordered_map<std::string, uint64_t> live_by_cookie;
  uint64_t next_conn_id = 0;
  std::mt19937_64 rng;

  // Shared with the test thread, under mu.
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  uint64_t generation = 0;  // bumped on every change, for WaitFor
  uint64_t next_session_id = 0;
  std::map<uint64_t, SessionRecord> records;
  std::unordered_map<std::string, std::vector<uint64_t>> records_by_serial;
  std::unordered_map<std::string, size_t> ended_by_serial;
  Counters counters;
  std::unordered_map<std::string, std::deque<cwmp::Body>> queues;
  std::shared_ptr<const Script> script;
  bool hold_requests = false;
  std::unordered_map<std::string, std::string> credentials;
  std::shared_ptr<const PasswordOf> credential_lookup;
  int busy_count = 0;
  std::optional<int> busy_retry_after;
  std::unordered_map<std::string, int> drop_inform_response;
  std::chrono::milliseconds delay{0};
  struct File {
    std::string bytes;
    FileAuth auth;
  };
  std::unordered_map<std::string, File> files;
  FileAuth upload_auth;
  std::vector<Rejection> rejections;
  std::vector<Upload> uploads;
  std::vector<FileRequest> file_requests;
};

// ---- Accepting and serving connections ------------------------------------------------------

asio::awaitable<void> ScriptedAcs::Impl::AcceptLoop() {
  for (;;) {
    // Bounded connections: stop accepting (the kernel backlog queues) until a slot frees.
    while (conns.size() >= opts.max_connections && !stopping) {
      beast::error_code ec;
      slot_timer.expires_after(std::chrono::seconds(1));
      co_await slot_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (stopping) co_return;
    beast::error_code ec;
    tcp::socket socket(ioc);
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (stopping) co_return;
    if (ec) {
      // Out of descriptors (or a transient error): back off briefly instead of spinning.
      slot_timer.expires_after(std::chrono::milliseconds(50));
      co_await slot_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    asio::co_spawn(ioc, RunConnection(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> ScriptedAcs::Impl::SweepLoop() {
  while (!stopping) {
    beast::error_code ec;
    sweep_timer.expires_after(kSweepInterval);
    co_await sweep_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping) co_return;
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::pair<uint64_t, std::string>> ended;
    for (const auto& [id, s] : live) {
      if (!s->connected && now - s->disconnected_at >= opts.reconnect_grace) {
        ended.emplace_back(id, "connection closed in state " + std::string(cwmp::ToString(s->session.state())) +
                                   " and the session was not resumed");
      } else if (s->session.Expired() && s->session.MayEnd()) {
        ended.emplace_back(id, std::string());  // the CPE just never closed the connection
      } else if (s->session.Expired()) {
        ended.emplace_back(id, "session timed out in state " + std::string(cwmp::ToString(s->session.state())));
      }
    }
    for (auto& [id, why] : ended) {
      const Outcome outcome = why.empty() ? Outcome::kCompleted : Outcome::kFailed;
      EndSession(id, outcome, std::move(why));
    }
  }
}

asio::awaitable<void> ScriptedAcs::Impl::RunConnection(tcp::socket socket) {
  if (stopping) co_return;  // accepted while Stop() was closing everything
  Conn conn;
  conn.id = ++next_conn_id;
  beast::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) co_return;  // already gone
  conn.remote = remote.address().to_string();
  socket.set_option(tcp::no_delay(true), ec);
  UpdateShared([&] { ++counters.connections; });
  try {
    if (tls) {
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
      conn.stream = &beast::get_lowest_layer(stream);
      conns.emplace(conn.id, &conn);
      beast::get_lowest_layer(stream).expires_after(opts.idle_timeout);
      co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        co_await Serve(stream, conn);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
        co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
      }
      beast::get_lowest_layer(stream).close();
    } else {
      beast::tcp_stream stream(std::move(socket));
      conn.stream = &stream;
      conns.emplace(conn.id, &conn);
      co_await Serve(stream, conn);
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream.close();
    }
  } catch (const std::exception& e) {
    // Nothing in here is meant to throw; if it does, fail the session rather than the server.
    if (conn.session != 0 && live.count(conn.session)) {
      EndSession(conn.session, Outcome::kFailed, std::string("test ACS internal error: ") + e.what());
    }
  }
  conns.erase(conn.id);
  OnConnectionClosed(conn);
  slot_timer.cancel();  // a slot is free
}

// One connection's requests, read and written by acsd's own HTTP loop (acs/net/http_server.h):
// the scripted answer, the configured delay, dropped answers, and 431/413 for what is too large.
class ScriptedAcs::Impl::Requests final : public acs::net::HttpHandler {
 public:
  Requests(Impl& impl, Conn& conn) : impl_(impl), conn_(conn) {}

  asio::awaitable<acs::net::HttpReply> Handle(acs::net::HttpRequest request) override {
    impl_.UpdateShared([&] { ++impl_.counters.http_requests; });
    Reply reply = impl_.Handle(request, conn_);
    impl_.Settle(reply);
    std::chrono::milliseconds delay_now;
    {
      std::lock_guard lock(impl_.mu);
      delay_now = impl_.delay;
    }
    acs::net::HttpReply out;
    if (delay_now.count() > 0) {
      asio::steady_timer timer(impl_.ioc);
      timer.expires_after(delay_now);
      beast::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (reply.drop || impl_.stopping) {
      out.drop = true;
      co_return out;
    }
    if (!reply.head) reply.res.prepare_payload();
    out.response = std::move(reply.res);
    out.close = reply.close;
    co_return out;
  }

  std::optional<acs::net::HttpResponse> OnReadError(acs::net::HttpReadError error,
                                                    const acs::net::HttpRequest& header) override {
    (void)header;
    if (error == acs::net::HttpReadError::kMalformed) return std::nullopt;  // closed, not answered
    impl_.UpdateShared([&] { ++impl_.counters.bad_requests; });
    Request none;
    return CloseReply(none, error == acs::net::HttpReadError::kHeaderTooLarge
                                ? http::status::request_header_fields_too_large
                                : http::status::payload_too_large)
        .res;
  }

 private:
  Impl& impl_;
  Conn& conn_;
};

template <class Stream>
asio::awaitable<void> ScriptedAcs::Impl::Serve(Stream& stream, Conn& conn) {
  acs::net::HttpLimits limits;
  limits.max_header_bytes = std::min<size_t>(opts.max_header_bytes, UINT32_MAX);
  limits.max_body_bytes = opts.max_body_bytes;
  limits.first_read_timeout = limits.idle_timeout = limits.io_timeout = opts.idle_timeout;
  limits.drain_after_refusal = kDrainTime;
  limits.max_drain_bytes = kMaxDrainBytes;
  Requests requests(*this, conn);
  co_await acs::net::ServeHttp(stream, limits, requests, serving);
}

Reply ScriptedAcs::Impl::Handle(const Request& req, Conn& conn) {
  std::string_view target(req.target().data(), req.target().size());
  // Absolute-form ("http://host:port/acs", RFC 7230 §5.3.2) is rare from CPEs but legal.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      const size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  if (target.empty() || target.front() != '/') return CloseReply(req, http::status::bad_request);
  const std::string_view path = PathOf(target);
  if (path == opts.cwmp_path) {
    if (req.method() != http::verb::post) {
      Reply r = MakeReply(req, http::status::method_not_allowed);
      r.res.set(http::field::allow, "POST");
      return r;
    }
    return HandleCwmp(req, conn);
  }
  if (path.substr(0, 8) == "/upload/" && (req.method() == http::verb::put || req.method() == http::verb::post)) {
    return HandleUpload(req, conn, target);
  }
  if (req.method() == http::verb::get || req.method() == http::verb::head) return HandleFile(req, conn, target);
  return MakeReply(req, http::status::not_found);
}

// ---- Authentication -------------------------------------------------------------------------

ScriptedAcs::Impl::AuthVerdict ScriptedAcs::Impl::CheckAuth(const Request& req, AuthMode mode,
                                                            const PasswordOf& password_of, std::string* user) const {
  if (mode == AuthMode::kNone) return AuthVerdict::kOk;
  const auto value = req[http::field::authorization];
  if (value.empty()) return AuthVerdict::kChallenge;
  auto h = cwmp::ParseAuthorization(std::string_view(value.data(), value.size()));
  if (!h) return AuthVerdict::kMalformed;
  // The other scheme than the one we asked for: treat as not authenticated, challenge again.
  if ((mode == AuthMode::kBasic) != (h->scheme == cwmp::AuthScheme::kBasic)) return AuthVerdict::kWrong;
  const std::optional<std::string> password = password_of(h->username);
  if (!password) return AuthVerdict::kWrong;
  if (mode == AuthMode::kBasic) {
    if (!cwmp::VerifyBasic(*h, h->username, *password)) return AuthVerdict::kWrong;
  } else {
    const std::string_view target(req.target().data(), req.target().size());
    switch (digest.Verify(*h, std::string_view(req.method_string().data(), req.method_string().size()), target,
                          *password)) {
      case cwmp::DigestServer::Verdict::kOk:
        break;
      case cwmp::DigestServer::Verdict::kStale:
        return AuthVerdict::kStale;
      case cwmp::DigestServer::Verdict::kWrongCredentials:
        return AuthVerdict::kWrong;
      case cwmp::DigestServer::Verdict::kMalformed:
        return AuthVerdict::kMalformed;
    }
  }
  *user = h->username;
  return AuthVerdict::kOk;
}

Reply ScriptedAcs::Impl::AuthReply(const Request& req, AuthMode mode, AuthVerdict verdict) {
  if (verdict == AuthVerdict::kMalformed) {
    UpdateShared([&] { ++counters.bad_requests; });
    return CloseReply(req, http::status::bad_request);
  }
  UpdateShared([&] { ++(verdict == AuthVerdict::kWrong ? counters.auth_failures : counters.auth_challenges); });
  Reply r = MakeReply(req, http::status::unauthorized);
  if (mode == AuthMode::kBasic) {
    r.res.set(http::field::www_authenticate, "Basic realm=\"" + opts.realm + "\"");
  } else {
    r.res.set(http::field::www_authenticate, digest.Challenge(verdict == AuthVerdict::kStale));
  }
  return r;
}

// ---- CWMP -----------------------------------------------------------------------------------

ScriptedAcs::Impl::Live& ScriptedAcs::Impl::NewLive(const Conn& conn) {
  uint64_t id;
  {
    std::lock_guard lock(mu);
    id = ++next_session_id;
    SessionRecord& r = records[id];
    r.id = id;
    r.remote_address = conn.remote;
    r.auth_username = conn.auth_user;
    r.started = clock.Now();
    ++generation;
  }
  cv.notify_all();
  auto s = std::make_unique<Live>(id, clock);
  s->conn = conn.id;
  s->authenticated = conn.authenticated;
  Live& ref = *s;
  live.emplace(id, std::move(s));
  return ref;
}

ScriptedAcs::Impl::Live* ScriptedAcs::Impl::FindLive(const std::string& cookie, const Conn& conn) {
  if (!cookie.empty()) {
    if (auto it = live_by_cookie.find(cookie); it != live_by_cookie.end()) {
      if (auto l = live.find(it->second); l != live.end()) return l->second.get();
    }
  }
  if (conn.session != 0) {
    if (auto l = live.find(conn.session); l != live.end() && l->second->conn == conn.id) return l->second.get();
  }
  return nullptr;
}

Reply ScriptedAcs::Impl::HandleCwmp(const Request& req, Conn& conn) {
  const std::string cookie = SessionCookie(req);
  Live* s = FindLive(cookie, conn);

  // Authentication: on the first request of a connection or session; later requests may repeat
  // the Authorization header (checked again) or rely on the connection or the session cookie.
  if (opts.auth != AuthMode::kNone) {
    const bool has_header = !req[http::field::authorization].empty();
    if (has_header || !(conn.authenticated || (s && s->authenticated))) {
      std::shared_ptr<const PasswordOf> lookup;
      {
        std::lock_guard lock(mu);
        lookup = credential_lookup;
      }
      const PasswordOf password_of = [&](const std::string& user) -> std::optional<std::string> {
        {
          std::lock_guard lock(mu);
          if (auto it = credentials.find(user); it != credentials.end()) return it->second;
        }
        if (lookup && *lookup) return (*lookup)(user);
        return std::nullopt;
      };
      std::string user;
      const AuthVerdict verdict = CheckAuth(req, opts.auth, password_of, &user);
      if (verdict != AuthVerdict::kOk) {
        Reply r = AuthReply(req, opts.auth, verdict);
        if (s) r.session = s->id;
        return r;
      }
      conn.authenticated = true;
      conn.auth_user = user;
      if (s) s->authenticated = true;
    }
  }

  cwmp::DecodeLimits limits;
  limits.max_body_bytes = opts.max_body_bytes;
  auto decoded = cwmp::Decode(req.body(), limits);
  if (!decoded) {
    Live& target = s ? *s : NewLive(conn);
    return Violation(target, req, "undecodable message: " + decoded.error().message);
  }
  const cwmp::Envelope& env = decoded->envelope;
  const auto* inform = std::get_if<cwmp::Inform>(&env.body);

  if (inform) {
    // Overload injection: refuse the Inform before any session exists.
    std::optional<Rejection> rejected;
    UpdateShared([&] {
      if (busy_count <= 0) return;
      --busy_count;
      ++counters.busy_rejections;
      rejections.push_back({inform->device_id.serial_number, conn.remote, busy_retry_after, clock.Now()});
      rejected = rejections.back();
    });
    if (rejected) {
      Reply r = CloseReply(req, http::status::service_unavailable);
      if (rejected->retry_after_seconds)
        r.res.set(http::field::retry_after, std::to_string(*rejected->retry_after_seconds));
      return r;
    }
    // An Inform opens a new session. A previous one carried by another connection (resumed by
    // cookie) or already finished from the ACS's side ends here; on the same connection, a second
    // Inform inside an unfinished session is the CPE's protocol error (Session::Receive says so).
    if (s && (s->conn != conn.id || s->session.MayEnd())) {
      const bool may_end = s->session.MayEnd();
      EndSession(s->id, may_end ? Outcome::kCompleted : Outcome::kFailed,
                 may_end ? std::string() : "abandoned: the CPE opened a new session with an Inform");
      s = nullptr;
    }
  }
  if (!s) s = &NewLive(conn);
  s->conn = conn.id;
  s->connected = true;
  conn.session = s->id;
  if (!decoded->warnings.empty()) {
    UpdateRecord(s->id, [&](SessionRecord& r) {
      r.warnings.insert(r.warnings.end(), decoded->warnings.begin(), decoded->warnings.end());
    });
  }

  const bool answers_acs_request = !s->session.outstanding_acs_request().empty();
  if (Status st = s->session.Receive(env); !st.ok()) return Violation(*s, req, st.error().message);
  if (inform) return OnInform(*s, req, env);
  if (!s->session.pending_cpe_request().empty()) return OnCpeRequest(*s, req, env);
  if (answers_acs_request) {
    const bool fault = std::holds_alternative<cwmp::Fault>(env.body);
    UpdateRecord(s->id, [&](SessionRecord& r) {
      if (!r.exchanges.empty()) r.exchanges.back().response = env;
      ++(fault ? counters.faults_received : counters.responses_received);
    });
  }
  return NextRequest(*s, req);
}

Reply ScriptedAcs::Impl::OnInform(Live& s, const Request& req, const cwmp::Envelope& env) {
  const auto& inform = std::get<cwmp::Inform>(env.body);
  const std::string& serial = inform.device_id.serial_number;
  auto negotiated = cwmp::NegotiateAsAcs(env, opts.max_version);
  // NegotiateAsAcs asks for UseCWMPVersion whenever the CPE offered versions, but the header only
  // exists from CWMP 1.4 on (Session refuses it below that): an ACS limited to an older version
  // ignores SupportedCWMPVersions, as a real pre-1.4 ACS would.
  if (negotiated && !cwmp::HeaderAllowed("UseCWMPVersion", negotiated->version)) {
    negotiated->use_cwmp_version.reset();
  }
  s.cookie = Hex64(rng()) + Hex64(rng());
  live_by_cookie[s.cookie] = s.id;
  bool drop = false;
  {
    std::lock_guard lock(mu);
    if (auto it = records.find(s.id); it != records.end()) {
      SessionRecord& r = it->second;
      r.serial = serial;
      r.cookie = s.cookie;
      r.ns = env.ns;
      r.session_timeout = env.session_timeout;
      r.supported_cwmp_versions = env.supported_cwmp_versions;
      r.inform = inform;
      if (negotiated) {
        r.version = negotiated->version;
        r.use_cwmp_version = negotiated->use_cwmp_version;
      }
      if (opts.keep_finished_sessions) records_by_serial[serial].push_back(s.id);
    }
    if (auto it = drop_inform_response.find(serial); it != drop_inform_response.end() && negotiated) {
      drop = true;
      if (--it->second == 0) drop_inform_response.erase(it);
      ++counters.dropped_inform_responses;
    }
    if (negotiated) ++counters.informs;
    s.hold = hold_requests;
    ++generation;
  }
  cv.notify_all();

  if (!negotiated) {
    // A CPE that offered versions (CWMP 1.4 rules) gets fault 8006; otherwise the ACS
    // can only refuse the session.
    if (!env.supported_cwmp_versions) return Violation(s, req, negotiated.error().message);
    cwmp::Envelope fault_env;
    fault_env.ns = cwmp::OutputNamespace(env.ns);
    fault_env.id = env.id;
    fault_env.body = cwmp::Fault{"Server", "CWMP fault", 8006, std::string(cwmp::StandardFaultText(8006)), {}};
    if (Status st = s.session.Send(fault_env); !st.ok()) return Violation(s, req, st.error().message);
    auto xml = cwmp::Encode(fault_env);
    if (!xml) return Violation(s, req, "encode: " + xml.error().message, http::status::internal_server_error);
    // SOAP 1.1 over HTTP: a Fault travels with status 500.
    Reply r = MakeReply(req, http::status::internal_server_error, std::move(*xml), "text/xml; charset=\"utf-8\"");
    r.session = s.id;
    r.end = Outcome::kFailed;
    r.error = negotiated.error().message;
    return r;
  }
  s.ns = cwmp::OutputNamespace(env.ns);
  s.session.SetVersion(negotiated->version);
  s.session.SetTimeout(std::chrono::seconds(negotiated->session_timeout_seconds));

  if (drop) {
    Reply r;
    r.drop = true;
    r.session = s.id;
    r.end = Outcome::kFailed;
    r.error = "InformResponse dropped (failure injection)";
    return r;
  }

  // The Inform is recorded above: that is this ACS's durable store.
  if (Status st = s.session.MarkStored(); !st.ok()) return Violation(s, req, st.error().message);
  cwmp::Envelope response;
  response.body = cwmp::InformResponse{1};
  cwmp::ApplyToInformResponse(*negotiated, env, &response);
  response.hold_requests = s.hold;
  if (Status st = s.session.Send(response); !st.ok()) {
    return Violation(s, req, "InformResponse refused: " + st.error().message, http::status::internal_server_error);
  }
  auto xml = cwmp::Encode(response);
  if (!xml) return Violation(s, req, "encode: " + xml.error().message, http::status::internal_server_error);
  Reply r = MakeReply(req, http::status::ok, std::move(*xml), "text/xml; charset=\"utf-8\"");
  r.res.set(http::field::set_cookie, "session=" + s.cookie + "; Path=/; HttpOnly");
  r.session = s.id;
  return r;
}

Reply ScriptedAcs::Impl::OnCpeRequest(Live& s, const Request& req, const cwmp::Envelope& env) {
  cwmp::Envelope response;
  response.ns = s.ns;
  response.id = env.id;
  response.hold_requests = s.hold;
  response.body = AnswerToCpeRequest(env.body);
  // Recorded below before the answer leaves: that is this ACS's durable store.
  if (s.session.AwaitingStore()) {
    if (Status st = s.session.MarkStored(); !st.ok()) return Violation(s, req, st.error().message);
  }
  if (Status st = s.session.Send(response); !st.ok()) {
    return Violation(s, req, "answer refused: " + st.error().message, http::status::internal_server_error);
  }
  auto xml = cwmp::Encode(response);
  if (!xml) return Violation(s, req, "encode: " + xml.error().message, http::status::internal_server_error);
  UpdateRecord(s.id, [&](SessionRecord& r) {
    r.cpe_requests.push_back({env, response});
    ++counters.cpe_requests;
  });
  Reply r = MakeReply(req, http::status::ok, std::move(*xml), "text/xml; charset=\"utf-8\"");
  r.session = s.id;
  return r;
}

Reply ScriptedAcs::Impl::NextRequest(Live& s, const Request& req) {
  std::optional<cwmp::Body> next;
  std::shared_ptr<const Script> adaptive;
  SessionRecord view;
  {
    std::lock_guard lock(mu);
    const auto rec = records.find(s.id);
    const std::string serial = rec != records.end() ? rec->second.serial : std::string();
    if (auto q = queues.find(serial); q != queues.end() && !q->second.empty()) {
      next = std::move(q->second.front());
      q->second.pop_front();
      if (q->second.empty()) queues.erase(q);
    } else if (script && *script && rec != records.end()) {
      adaptive = script;
      view = rec->second;
    }
  }
  if (adaptive) {
    try {
      next = (*adaptive)(view);
    } catch (const std::exception& e) {
      return Violation(s, req, std::string("script threw: ") + e.what(), http::status::internal_server_error);
    }
  }

  if (next) {
    cwmp::Envelope request;
    request.ns = s.ns;
    request.id = "testacs-" + std::to_string(s.id) + "-" + std::to_string(++s.requests_sent);
    request.hold_requests = s.hold;
    request.body = std::move(*next);
    if (Status st = s.session.Send(request); !st.ok()) {
      return Violation(s, req, "script: " + st.error().message, http::status::internal_server_error);
    }
    auto xml = cwmp::Encode(request);
    if (!xml) return Violation(s, req, "script: " + xml.error().message, http::status::internal_server_error);
    UpdateRecord(s.id, [&](SessionRecord& r) {
      r.exchanges.push_back({std::move(request), std::nullopt});
      ++counters.requests_sent;
    });
    Reply r = MakeReply(req, http::status::ok, std::move(*xml), "text/xml; charset=\"utf-8\"");
    r.session = s.id;
    return r;
  }

  cwmp::Envelope empty;
  empty.ns = s.ns;
  if (Status st = s.session.Send(empty); !st.ok()) return Violation(s, req, st.error().message);
  Reply r = MakeReply(req, http::status::no_content);
  r.session = s.id;
  if (s.session.state() == cwmp::SessionState::kDone) r.end = Outcome::kCompleted;
  return r;
}

Reply ScriptedAcs::Impl::Violation(Live& s, const Request& req, std::string error, http::status status) {
  UpdateShared([&] { ++counters.bad_requests; });
  Reply r = CloseReply(req, status);
  r.session = s.id;
  r.end = Outcome::kFailed;
  r.error = std::move(error);
  return r;
}

void ScriptedAcs::Impl::Settle(const Reply& reply) {
  if (reply.session == 0) return;
  if (!reply.drop) {
    UpdateRecord(reply.session,
                 [&](SessionRecord& r) { r.http_statuses.push_back(static_cast<unsigned>(reply.res.result_int())); });
  }
  if (reply.end) EndSession(reply.session, *reply.end, reply.error);
}

void ScriptedAcs::Impl::EndSession(uint64_t id, Outcome outcome, std::string error) {
  if (auto it = live.find(id); it != live.end()) {
    if (!it->second->cookie.empty()) live_by_cookie.erase(it->second->cookie);
    live.erase(it);
  }
  {
    std::lock_guard lock(mu);
    auto it = records.find(id);
    if (it != records.end() && it->second.outcome == Outcome::kOpen) {
      SessionRecord& r = it->second;
      r.outcome = outcome;
      r.error = std::move(error);
      r.ended = clock.Now();
      ++(outcome == Outcome::kCompleted ? counters.sessions_completed : counters.sessions_failed);
      ++ended_by_serial[r.serial];
      if (!opts.keep_finished_sessions) records.erase(it);
    }
    ++generation;
  }
  cv.notify_all();
}

void ScriptedAcs::Impl::OnConnectionClosed(const Conn& conn) {
  auto it = live.find(conn.session);
  if (it == live.end() || it->second->conn != conn.id) return;
  Live& s = *it->second;
  if (s.session.MayEnd()) {
    EndSession(s.id, Outcome::kCompleted, {});
  } else if (stopping) {
    EndSession(s.id, Outcome::kFailed, "ACS stopped");
  } else {
    // The CPE may come back with the cookie (TR-069 allows a session over several connections);
    // the sweeper fails the session if it does not within reconnect_grace.
    s.connected = false;
    s.disconnected_at = std::chrono::steady_clock::now();
  }
}

// ---- Files and uploads ----------------------------------------------------------------------

Reply ScriptedAcs::Impl::HandleFile(const Request& req, const Conn& conn, std::string_view target) {
  const std::string path(PathOf(target));
  std::optional<File> file;
  {
    std::lock_guard lock(mu);
    if (auto it = files.find(path); it != files.end()) file = it->second;
  }
  auto record = [&](unsigned status) {
    UpdateShared([&] {
      if (status == 200) ++counters.file_gets;
      if (status == 404) ++counters.file_not_found;
      file_requests.push_back({path, status, conn.remote});
    });
  };
  if (!file) {
    record(404);
    return MakeReply(req, http::status::not_found);
  }
  std::string user;
  const AuthVerdict verdict = CheckAuth(
      req, file->auth.mode,
      [&](const std::string& u) -> std::optional<std::string> {
        if (u == file->auth.username) return file->auth.password;
        return std::nullopt;
      },
      &user);
  if (verdict != AuthVerdict::kOk) {
    record(verdict == AuthVerdict::kMalformed ? 400 : 401);
    return AuthReply(req, file->auth.mode, verdict);
  }
  record(200);
  const size_t size = file->bytes.size();
  Reply r = MakeReply(req, http::status::ok, req.method() == http::verb::head ? std::string() : std::move(file->bytes),
                      "application/octet-stream");
  if (req.method() == http::verb::head) {
    r.res.content_length(size);
    r.head = true;
  }
  return r;
}

Reply ScriptedAcs::Impl::HandleUpload(const Request& req, const Conn& conn, std::string_view target) {
  FileAuth auth;
  {
    std::lock_guard lock(mu);
    auth = upload_auth;
  }
  std::string user;
  const AuthVerdict verdict = CheckAuth(
      req, auth.mode,
      [&](const std::string& u) -> std::optional<std::string> {
        if (u == auth.username) return auth.password;
        return std::nullopt;
      },
      &user);
  if (verdict != AuthVerdict::kOk) return AuthReply(req, auth.mode, verdict);
  UpdateShared([&] {
    ++counters.uploads;
    uploads.push_back(
        {std::string(target), std::string(req[http::field::content_type]), req.body(), conn.remote, clock.Now()});
  });
  return MakeReply(req, http::status::ok);
}

// ---- Public API -------------------------------------------------------------------------------

ScriptedAcs::ScriptedAcs(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

ScriptedAcs::~ScriptedAcs() { Stop(); }

Status ScriptedAcs::Start() {
  Impl& m = *impl_;
  std::lock_guard lifecycle(m.lifecycle_mu);
  if (m.started) return InvalidArgument("test ACS: already started");
  if (m.opts.tls_cert_file.empty() != m.opts.tls_key_file.empty()) {
    return InvalidArgument("test ACS: TLS needs both a certificate and a key file");
  }
  beast::error_code ec;
  if (!m.opts.tls_cert_file.empty()) {
    m.tls.emplace(asio::ssl::context::tls_server);
    m.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    m.tls->use_certificate_chain_file(m.opts.tls_cert_file, ec);
    if (ec) return InvalidArgument("test ACS: cannot load certificate " + m.opts.tls_cert_file + ": " + ec.message());
    m.tls->use_private_key_file(m.opts.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) return InvalidArgument("test ACS: cannot load key " + m.opts.tls_key_file + ": " + ec.message());
  }
  const auto address = asio::ip::make_address(m.opts.listen_address, ec);
  if (ec) return InvalidArgument("test ACS: bad listen address " + m.opts.listen_address);
  const tcp::endpoint endpoint(address, 0);
  m.acceptor.open(endpoint.protocol(), ec);
  if (!ec) m.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(endpoint, ec);
  if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("test ACS: cannot listen on " + m.opts.listen_address + ": " + ec.message());
  m.port = m.acceptor.local_endpoint().port();
  asio::co_spawn(m.ioc, m.AcceptLoop(), asio::detached);
  asio::co_spawn(m.ioc, m.SweepLoop(), asio::detached);
  m.thread = std::thread([&m] {
    m.ioc.run();
    {
      std::lock_guard lock(m.done_mu);
      m.run_done = true;
    }
    m.done_cv.notify_all();
  });
  m.started = true;
  return Status::Ok();
}

void ScriptedAcs::Stop() {
  Impl& m = *impl_;
  std::lock_guard lifecycle(m.lifecycle_mu);
  if (!m.started || m.stopped) return;
  m.stopped = true;
  asio::post(m.ioc, [&m] {
    m.stopping = true;
    m.serving = false;
    beast::error_code ec;
    m.acceptor.close(ec);
    m.slot_timer.cancel();
    m.sweep_timer.cancel();
    for (auto& [id, conn] : m.conns) conn->stream->close();
  });
  {
    // Every coroutine ends once its socket is closed; a pending SetDelay() timer may hold one up.
    std::unique_lock lock(m.done_mu);
    if (!m.done_cv.wait_for(lock, kStopGrace, [&] { return m.run_done; })) m.ioc.stop();
  }
  m.thread.join();
  // The server thread is gone: its state may be touched from here.
  std::vector<uint64_t> open;
  for (const auto& [id, s] : m.live) open.push_back(id);
  for (uint64_t id : open) m.EndSession(id, Outcome::kFailed, "ACS stopped");
}

uint16_t ScriptedAcs::port() const { return impl_->port; }

std::string ScriptedAcs::url() const { return FileUrl(impl_->opts.cwmp_path); }

std::string ScriptedAcs::FileUrl(std::string_view path) const {
  return std::string(impl_->tls ? "https://" : "http://") + impl_->opts.listen_address + ":" +
         std::to_string(impl_->port) + std::string(path);
}

void ScriptedAcs::Enqueue(std::string serial, cwmp::Body request) {
  impl_->UpdateShared([&] { impl_->queues[std::move(serial)].push_back(std::move(request)); });
}

void ScriptedAcs::SetScript(Script script) {
  auto shared = script ? std::make_shared<const Script>(std::move(script)) : nullptr;
  impl_->UpdateShared([&] { impl_->script = std::move(shared); });
}

size_t ScriptedAcs::Pending(const std::string& serial) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->queues.find(serial);
  return it == impl_->queues.end() ? 0 : it->second.size();
}

void ScriptedAcs::SetHoldRequests(bool hold) {
  impl_->UpdateShared([&] { impl_->hold_requests = hold; });
}

void ScriptedAcs::SetCredentials(std::string username, std::string password) {
  impl_->UpdateShared([&] { impl_->credentials[std::move(username)] = std::move(password); });
}

void ScriptedAcs::SetCredentialLookup(std::function<std::optional<std::string>(const std::string&)> lookup) {
  auto shared = lookup ? std::make_shared<const PasswordOf>(std::move(lookup)) : nullptr;
  impl_->UpdateShared([&] { impl_->credential_lookup = std::move(shared); });
}

void ScriptedAcs::SetBusy(int count, std::optional<int> retry_after_seconds) {
  impl_->UpdateShared([&] {
    impl_->busy_count = count;
    impl_->busy_retry_after = retry_after_seconds;
  });
}

void ScriptedAcs::DropNextInformResponse(std::string serial) {
  impl_->UpdateShared([&] { ++impl_->drop_inform_response[std::move(serial)]; });
}

void ScriptedAcs::SetDelay(std::chrono::milliseconds delay) {
  impl_->UpdateShared([&] { impl_->delay = delay; });
}

void ScriptedAcs::AddFile(std::string path, std::string bytes, FileAuth auth) {
  impl_->UpdateShared([&] { impl_->files[std::move(path)] = {std::move(bytes), std::move(auth)}; });
}

void ScriptedAcs::SetUploadAuth(FileAuth auth) {
  impl_->UpdateShared([&] { impl_->upload_auth = std::move(auth); });
}

std::vector<SessionRecord> ScriptedAcs::Sessions() const {
  std::lock_guard lock(impl_->mu);
  std::vector<SessionRecord> out;
  out.reserve(impl_->records.size());
  for (const auto& [id, r] : impl_->records) out.push_back(r);
  return out;
}

std::vector<SessionRecord> ScriptedAcs::SessionsOf(const std::string& serial) const {
  std::lock_guard lock(impl_->mu);
  std::vector<SessionRecord> out;
  auto it = impl_->records_by_serial.find(serial);
  if (it != impl_->records_by_serial.end()) {
    for (uint64_t id : it->second) {
      if (auto r = impl_->records.find(id); r != impl_->records.end()) out.push_back(r->second);
    }
  } else if (!impl_->opts.keep_finished_sessions) {
    for (const auto& [id, r] : impl_->records) {
      if (r.serial == serial) out.push_back(r);
    }
  }
  return out;
}

size_t ScriptedAcs::EndedSessionCount(const std::string& serial) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->ended_by_serial.find(serial);
  return it == impl_->ended_by_serial.end() ? 0 : it->second;
}

Counters ScriptedAcs::GetCounters() const {
  std::lock_guard lock(impl_->mu);
  return impl_->counters;
}

std::vector<Rejection> ScriptedAcs::Rejections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->rejections;
}

std::vector<Upload> ScriptedAcs::Uploads() const {
  std::lock_guard lock(impl_->mu);
  return impl_->uploads;
}

std::vector<FileRequest> ScriptedAcs::FileRequests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->file_requests;
}

bool ScriptedAcs::WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lock(impl_->mu);
      seen = impl_->generation;
    }
    if (pred()) return true;
    std::unique_lock lock(impl_->mu);
    if (!impl_->cv.wait_until(lock, deadline, [&] { return impl_->generation != seen; })) {
      lock.unlock();
      return pred();
    }
  }
}

bool ScriptedAcs::WaitForSessions(const std::string& serial, size_t n, std::chrono::milliseconds timeout) const {
  return WaitFor([&] { return EndedSessionCount(serial) >= n; }, timeout);
}

}  // namespace ruru::testacs
