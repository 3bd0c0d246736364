#include "tests/cpesim/test_http_server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <thread>

#include "base/strings.h"

namespace ruru::cpesim::testkit {
namespace {

constexpr uint64_t kMaxRequestBody = 64 * 1024 * 1024;
constexpr auto kIoTimeout = std::chrono::seconds(30);  // a stuck client cannot hold a test forever

}  // namespace

std::string RecordedRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return {};
}

struct TestHttpServer::Impl {
  Handler handler;
  asio::ssl::context* tls;
  asio::io_context io{1};
  asio::ip::tcp::acceptor acceptor{io};
  std::thread thread;
  std::atomic<int> connections{0};
  std::atomic<int> tls_failures{0};
  mutable std::mutex mu;
  std::vector<RecordedRequest> requests;

  asio::awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code ec;
      auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      const int id = ++connections;
      if (tls) {
        asio::co_spawn(io, ServeTls(std::move(socket), id), asio::detached);
      } else {
        asio::co_spawn(io, Serve(beast::tcp_stream(std::move(socket)), id, std::string()), asio::detached);
      }
    }
  }

  asio::awaitable<void> ServeTls(asio::ip::tcp::socket socket, int id) {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).expires_after(kIoTimeout);
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      ++tls_failures;
      co_return;
    }
    const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    co_await Serve(std::move(stream), id, sni ? sni : "");
  }

  template <class Stream>
  asio::awaitable<void> Serve(Stream stream, int id, std::string sni) {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    auto close = [&] {
      auto& socket = beast::get_lowest_layer(stream).socket();
      socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      socket.close(ec);
    };
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kMaxRequestBody);
      beast::get_lowest_layer(stream).expires_after(kIoTimeout);
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      const auto& req = parser.get();
      RecordedRequest r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      r.body = req.body();
      for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      r.peer = beast::get_lowest_layer(stream).socket().remote_endpoint(ec).address();
      r.connection = id;
      r.sni = sni;
      {
        std::lock_guard lock(mu);
        requests.push_back(r);
      }
      const ScriptedResponse a = handler(r);
      if (a.no_answer) {
        // Hold the connection open without a word; the server's destructor ends this.
        asio::steady_timer t(io, std::chrono::hours(1));
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }
      beast::get_lowest_layer(stream).expires_after(kIoTimeout);
      if (a.raw) {
        co_await asio::async_write(stream, asio::buffer(*a.raw), asio::redirect_error(asio::use_awaitable, ec));
        close();
        co_return;
      }
      http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
      for (const auto& [k, v] : a.headers) res.insert(k, v);
      res.body() = a.body;
      res.keep_alive(!a.connection_close);
      if (a.chunked) {
        res.chunked(true);
      } else {
        res.prepare_payload();
      }
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || a.connection_close || a.drop_after) {
        close();
        co_return;
      }
    }
  }
};

TestHttpServer::TestHttpServer(Handler handler, asio::ssl::context* tls) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->tls = tls;
  // Constructor failures here (no loopback?) are test-environment errors: let them throw.
  impl_->acceptor.open(asio::ip::tcp::v4());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind({asio::ip::make_address_v4("127.0.0.1"), 0});
  impl_->acceptor.listen();
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

TestHttpServer::~TestHttpServer() {
  impl_->io.stop();
  impl_->thread.join();
}

uint16_t TestHttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string TestHttpServer::Url(std::string_view path) const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

std::vector<RecordedRequest> TestHttpServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

int TestHttpServer::connections() const { return impl_->connections; }
int TestHttpServer::tls_failures() const { return impl_->tls_failures; }

}  // namespace ruru::cpesim::testkit
