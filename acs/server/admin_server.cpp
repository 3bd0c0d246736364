#include "acs/server/admin_server.h"

#include <spdlog/spdlog.h>

#include "acs/server/config.h"
#include "acs/server/listen.h"

namespace ruru::acs {

using tcp = asio::ip::tcp;

struct AdminServer::Impl : std::enable_shared_from_this<AdminServer::Impl> {
  Impl(asio::io_context& ioc, std::string listen, MetricsRegistry& metrics, std::function<std::string()> ready)
      : ioc(ioc), listen(std::move(listen)), metrics(metrics), ready(std::move(ready)), acceptor(ioc) {}
  asio::io_context& ioc;
  std::string listen;
  MetricsRegistry& metrics;
  std::function<std::string()> ready;
  tcp::acceptor acceptor;
  std::atomic<bool> running{false};

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

  asio::awaitable<void> Serve(tcp::socket socket) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (int i = 0; i < 1000 && running; ++i) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(64 * 1024);
      beast::error_code ec;
      stream.expires_after(std::chrono::seconds(30));
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      auto req = parser.release();
      http::response<http::string_body> res;
      res.version(req.version());
      res.keep_alive(req.keep_alive());
      res.set(http::field::server, "ruru-acsd");
      const std::string target(req.target().data(), req.target().size());
      const std::string path = target.substr(0, target.find('?'));
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
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) break;
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }
};

AdminServer::AdminServer(asio::io_context& ioc, std::string listen, MetricsRegistry& metrics,
                         std::function<std::string()> ready)
    : impl_(std::make_shared<Impl>(ioc, std::move(listen), metrics, std::move(ready))) {}

AdminServer::~AdminServer() { impl_->running = false; }

Status AdminServer::Listen() { return OpenListener(impl_->acceptor, impl_->listen, "admin.listen"); }

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

}  // namespace ruru::acs
