#include "acs/net/admin_server.h"

#include <spdlog/spdlog.h>

#include "acs/config/config.h"
#include "acs/net/http_server.h"
#include "acs/net/listen.h"
#include "acs/net/tls.h"

namespace ruru::acs::net {

using tcp = asio::ip::tcp;

namespace {
constexpr size_t kHeaderLimit = 16 * 1024;
constexpr size_t kBodyLimit = 64 * 1024;  // /metrics, /healthz, /readyz take no body
constexpr std::chrono::seconds kIoTimeout{30};
}  // namespace

struct AdminServer::Impl : std::enable_shared_from_this<AdminServer::Impl> {
  Impl(asio::io_context& ioc, std::string listen, metrics::MetricsRegistry& metrics, std::function<std::string()> ready,
       std::shared_ptr<AdminHandler> handler)
      : ioc(ioc),
        listen(std::move(listen)),
        metrics(metrics),
        ready(std::move(ready)),
        handler(std::move(handler)),
        acceptor(ioc) {}
  asio::io_context& ioc;
  std::string listen;
  metrics::MetricsRegistry& metrics;
  std::function<std::string()> ready;
  std::shared_ptr<AdminHandler> handler;
  tcp::acceptor acceptor;
  std::atomic<bool> running{false};
  const TlsServer* tls = nullptr;
  metrics::Counter *tls_full = nullptr, *tls_resumed = nullptr, *tls_failed = nullptr;

  asio::awaitable<void> AcceptLoop() {
    auto self = shared_from_this();
    while (running) {
      beast::error_code ec;
      tcp::socket socket(asio::make_strand(ioc));
      co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (!running) co_return;
      if (ec) continue;
      auto ex = socket.get_executor();
      asio::co_spawn(ex, Serve(std::move(socket)), asio::detached);
    }
  }

  http::response<http::string_body> Builtin(const http::request<http::string_body>& req, const std::string& path) {
    http::response<http::string_body> res;
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET");
    } else if (path == "/metrics") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.body() = metrics.Render();
    } else if (path == "/healthz") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain");
      res.body() = "ok\n";
    } else if (path == "/readyz") {
      const std::string why = ready();
      res.result(why.empty() ? http::status::ok : http::status::service_unavailable);
      res.set(http::field::content_type, "text/plain");
      res.body() = why.empty() ? "ready\n" : "not ready: " + why + "\n";
    } else {
      res.result(http::status::not_found);
      res.set(http::field::content_type, "text/plain");
      res.body() = "not found\n";
    }
    return res;
  }

  asio::awaitable<void> Serve(tcp::socket socket) {
    auto self = shared_from_this();
    beast::error_code ec;
    if (tls == nullptr) {
      beast::tcp_stream stream(std::move(socket));
      co_await ServeHttp(stream);
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      co_return;
    }
    std::shared_ptr<asio::ssl::context> ctx = tls->Current();
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *ctx);
    beast::get_lowest_layer(stream).expires_after(kIoTimeout);
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      tls_failed->Inc();
    } else {
      (SSL_session_reused(stream.native_handle()) == 1 ? tls_resumed : tls_full)->Inc();
      co_await ServeHttp(stream);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    }
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  // The requests of every connection (net::ServeHttp): the built-in paths, or the handler's.
  class Requests final : public HttpHandler {
   public:
    explicit Requests(Impl& impl) : impl_(impl) {}
    size_t BodyLimit(const HttpRequest& header, const HttpLimits& limits) override {
      return Delegated(header) ? impl_.handler->MaxBodyBytes() : limits.max_body_bytes;
    }
    asio::awaitable<HttpReply> Handle(HttpRequest request) override {
      const unsigned version = request.version();
      const bool keep_alive = request.keep_alive();
      HttpReply reply;
      if (Delegated(request)) {
        web::Request plain = ToPlain(std::move(request));
        web::Response answer = co_await impl_.handler->Handle(std::move(plain));
        reply.response = ToWire(std::move(answer));
      } else {
        reply.response = impl_.Builtin(request, PathOf(request));
      }
      Finish(reply.response, version, keep_alive);
      co_return reply;
    }
    // A delegated request whose body is too large gets the handler's answer (the rest of the body
    // is not read); anything else that cannot be read closes the connection silently.
    std::optional<HttpResponse> OnReadError(HttpReadError error, const HttpRequest& header) override {
      if (error != HttpReadError::kBodyTooLarge || !Delegated(header)) return std::nullopt;
      HttpResponse res = ToWire(impl_.handler->TooLarge(ToPlain(header)));
      Finish(res, header.version(), false);
      return res;
    }

   private:
    static std::string PathOf(const HttpRequest& r) {
      const auto target = r.target();
      return std::string(target.substr(0, target.find('?')));
    }
    bool Delegated(const HttpRequest& r) const { return impl_.handler != nullptr && impl_.handler->Serves(PathOf(r)); }
    static void Finish(HttpResponse& res, unsigned version, bool keep_alive) {
      res.version(version);
      res.keep_alive(keep_alive && res.keep_alive());
      res.set(http::field::server, "ruru-acsd");
      res.prepare_payload();
    }
    Impl& impl_;
  };

  template <class Stream>  // beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>
  asio::awaitable<void> ServeHttp(Stream& stream) {
    HttpLimits limits;
    limits.max_header_bytes = kHeaderLimit;
    limits.max_body_bytes = kBodyLimit;
    limits.first_read_timeout = limits.idle_timeout = limits.io_timeout = kIoTimeout;
    limits.max_requests = 1000;
    Requests requests(*this);
    co_await net::ServeHttp(stream, limits, requests, running);
  }
};

AdminServer::AdminServer(asio::io_context& ioc, std::string listen, metrics::MetricsRegistry& metrics,
                         std::function<std::string()> ready, std::shared_ptr<AdminHandler> handler)
    : impl_(std::make_shared<Impl>(ioc, std::move(listen), metrics, std::move(ready), std::move(handler))) {}

AdminServer::~AdminServer() { impl_->running = false; }

Status AdminServer::Listen() { return OpenListener(impl_->acceptor, impl_->listen, "admin.listen"); }

void AdminServer::UseTls(const TlsServer* tls, metrics::MetricsRegistry& metrics) {
  impl_->tls = tls;
  const char* help = "TLS handshakes by listener and result (resumed: a session ticket or id was reused)";
  impl_->tls_full = &metrics.GetCounter("ruru_tls_handshakes_total", help, {{"listener", "admin"}, {"result", "full"}});
  impl_->tls_resumed =
      &metrics.GetCounter("ruru_tls_handshakes_total", help, {{"listener", "admin"}, {"result", "resumed"}});
  impl_->tls_failed =
      &metrics.GetCounter("ruru_tls_handshakes_total", help, {{"listener", "admin"}, {"result", "failed"}});
}

void AdminServer::Start() {
  impl_->running = true;
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->AcceptLoop(), asio::detached);
}

void AdminServer::Stop() {
  auto impl = impl_;
  impl->running = false;
  asio::post(impl->acceptor.get_executor(), [impl] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
}

uint16_t AdminServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

}  // namespace ruru::acs::net
