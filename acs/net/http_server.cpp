#include "acs/net/http_server.h"

#include <array>

namespace ruru::acs::net {
namespace {

bool QuietEnd(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted;
}

template <class Stream>
asio::awaitable<void> Write(Stream& stream, HttpResponse& res, std::chrono::milliseconds timeout,
                            beast::error_code& ec) {
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
}

// Half-closes and reads what the client still sends, until it closes, `time` passes or `max_bytes`.
asio::awaitable<void> Drain(beast::tcp_stream& stream, std::chrono::milliseconds time, size_t max_bytes) {
  beast::error_code ec;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  stream.expires_after(time);
  std::array<char, 16384> sink;
  for (size_t drained = 0; !ec && drained < max_bytes;) {
    drained += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

web::Request ToPlain(HttpRequest request) {
  web::Request out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request) out.headers.Add(std::string(field.name_string()), std::string(field.value()));
  out.body = std::move(request.body());
  return out;
}

HttpResponse ToWire(web::Response response) {
  HttpResponse out;
  out.version(11);
  out.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers.fields()) out.insert(name, value);
  out.body() = std::move(response.body);
  return out;
}

template <class Stream>
asio::awaitable<void> ServeHttp(Stream& stream, const HttpLimits& limits, HttpHandler& handler,
                                const std::atomic<bool>& running) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  for (int served = 0; running && (limits.max_requests == 0 || served < limits.max_requests); ++served) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    beast::error_code ec;
    tcp_layer.expires_after(served == 0 ? limits.first_read_timeout : limits.idle_timeout);
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      // Content-Length is checked before a byte of the body is read (Beast 1.74 does not apply
      // body_limit to a Content-Length up front).
      const size_t body_limit = handler.BodyLimit(parser.get(), limits);
      parser.body_limit(body_limit);
      if (parser.content_length() && *parser.content_length() > body_limit) ec = http::error::body_limit;
    }
    if (!ec && !parser.is_done()) {
      tcp_layer.expires_after(limits.io_timeout);
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
        co_await http::async_write(stream, cont, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!ec) co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      std::optional<HttpResponse> answer;
      if (ec == http::error::header_limit) {
        answer = handler.OnReadError(HttpReadError::kHeaderTooLarge, parser.get());
      } else if (ec == http::error::body_limit) {
        answer = handler.OnReadError(HttpReadError::kBodyTooLarge, parser.get());
      } else if (!QuietEnd(ec)) {
        answer = handler.OnReadError(HttpReadError::kMalformed, parser.get());
      }
      if (answer) {
        answer->keep_alive(false);
        answer->prepare_payload();
        co_await Write(stream, *answer, std::chrono::milliseconds(5000), ec);
        if (!ec && limits.drain_after_refusal.count() > 0) {
          co_await Drain(tcp_layer, limits.drain_after_refusal, limits.max_drain_bytes);
        }
      }
      co_return;
    }
    HttpReply reply = co_await handler.Handle(parser.release());
    if (reply.drop) co_return;
    co_await Write(stream, reply.response, limits.io_timeout, ec);
    if (ec || reply.close || !reply.response.keep_alive()) co_return;
  }
}

template asio::awaitable<void> ServeHttp(beast::tcp_stream&, const HttpLimits&, HttpHandler&, const std::atomic<bool>&);
template asio::awaitable<void> ServeHttp(beast::ssl_stream<beast::tcp_stream>&, const HttpLimits&, HttpHandler&,
                                         const std::atomic<bool>&);

}  // namespace ruru::acs::net
