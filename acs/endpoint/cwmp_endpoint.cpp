#include "acs/endpoint/cwmp_endpoint.h"

#include <spdlog/spdlog.h>

#include <atomic>

#include "acs/endpoint/inform_mapping.h"
#include "acs/endpoint/session_driver.h"
#include "acs/net/http_server.h"
#include "acs/net/listen.h"
#include "acs/net/tls.h"

namespace ruru::acs::endpoint {

using tcp = asio::ip::tcp;

struct CwmpEndpoint::Impl : std::enable_shared_from_this<CwmpEndpoint::Impl> {
  Impl(asio::io_context& ioc, CwmpEndpointDeps d)
      : ioc(ioc),
        deps(d),
        cfg(deps.config->cwmp),
        driver(std::move(d)),
        acceptor(ioc),
        sweep_timer(ioc),
        slot_timer(ioc),
        log(spdlog::get("cwmp") ? spdlog::get("cwmp") : spdlog::default_logger()->clone("cwmp")) {
    metrics::MetricsRegistry& m = *deps.metrics;
    conn_gauge = &m.GetGauge("ruru_cwmp_open_connections", "open CWMP connections");
    const char* hs_help = "TLS handshakes by listener and result (resumed: a session ticket or id was reused)";
    tls_full = &m.GetCounter("ruru_tls_handshakes_total", hs_help, {{"listener", "cwmp"}, {"result", "full"}});
    tls_resumed = &m.GetCounter("ruru_tls_handshakes_total", hs_help, {{"listener", "cwmp"}, {"result", "resumed"}});
    tls_failures = &m.GetCounter("ruru_tls_handshakes_total", hs_help, {{"listener", "cwmp"}, {"result", "failed"}});
  }

  asio::io_context& ioc;
  CwmpEndpointDeps deps;
  const config::CwmpConfig& cfg;
  SessionDriver driver;
  SessionTable& table = driver.table();
  tcp::acceptor acceptor;
  asio::steady_timer sweep_timer;
  asio::steady_timer slot_timer;
  std::shared_ptr<spdlog::logger> log;
  std::atomic<bool> accepting{false};
  std::atomic<bool> stopped{false};
  std::atomic<bool> serving{true};  // !stopped, for net::ServeHttp
  std::atomic<uint64_t> next_conn{0};
  std::atomic<size_t> open_conns{0};
  metrics::Gauge* conn_gauge = nullptr;
  metrics::Counter *tls_full = nullptr, *tls_resumed = nullptr, *tls_failures = nullptr;

  // The real delay of a timer that fires `d` from now in the endpoint's clock.
  Clock::Duration After(Clock::Duration d) const { return deps.clock->TimerDelay(deps.clock->Monotonic() + d); }

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
      driver.Sweep();
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
    if (!table.AddConnection(conn, cfg.max_connections_per_ip)) {
      driver.OverloadCounter().Inc();
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
    table.RemoveConnection(*conn);
    --open_conns;
    conn_gauge->Add(-1);
  }

  // One connection's requests, read by net::ServeHttp; `current` is the session the connection
  // carries (for CPEs that send no cookie).
  class ConnectionRequests final : public net::HttpHandler {
   public:
    ConnectionRequests(Impl& impl, std::shared_ptr<Conn> conn) : impl_(impl), conn_(std::move(conn)) {}
    asio::awaitable<net::HttpReply> Handle(net::HttpRequest request) override {
      SessionDriver::Reply reply = co_await impl_.driver.Handle(request, conn_, current_);
      co_return net::HttpReply{std::move(reply.res), reply.close};
    }
    std::optional<net::HttpResponse> OnReadError(net::HttpReadError error, const net::HttpRequest&) override {
      return impl_.driver.ReadError(error);
    }

   private:
    Impl& impl_;
    std::shared_ptr<Conn> conn_;
    SessionPtr current_;
  };

  template <class Stream>  // beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>
  asio::awaitable<void> Serve(Stream& stream, std::shared_ptr<Conn> conn) {
    net::HttpLimits limits;
    limits.max_header_bytes = cfg.max_header_bytes;
    limits.max_body_bytes = cfg.max_body_bytes;
    limits.first_read_timeout = cfg.read_timeout;
    limits.idle_timeout = cfg.idle_timeout;
    limits.io_timeout = cfg.read_timeout;
    ConnectionRequests requests(*this, std::move(conn));
    co_await net::ServeHttp(stream, limits, requests, serving);
  }
};

CwmpEndpoint::CwmpEndpoint(asio::io_context& ioc, CwmpEndpointDeps deps)
    : impl_(std::make_shared<Impl>(ioc, std::move(deps))) {}

CwmpEndpoint::~CwmpEndpoint() {
  impl_->stopped = true;
  impl_->serving = false;
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
  impl->serving = false;
  for (std::shared_ptr<Conn>& c : impl->table.Connections()) {
    asio::post(c->executor, [impl, c] { impl->table.CancelIo(*c); });
  }
  asio::post(impl->ioc, [impl] { impl->sweep_timer.cancel(); });
}

uint16_t CwmpEndpoint::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

size_t CwmpEndpoint::ActiveSessions() const { return impl_->table.size(); }

size_t CwmpEndpoint::LiveSessions() const { return impl_->table.Live(); }
size_t CwmpEndpoint::OpenConnections() const { return impl_->open_conns; }

bool CwmpEndpoint::SessionLive(const std::string& session_id) const { return impl_->table.Contains(session_id); }

}  // namespace ruru::acs::endpoint
