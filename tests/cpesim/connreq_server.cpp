#include "tests/cpesim/connreq_server.h"

#include <openssl/rand.h>

#include <charconv>
#include <random>
#include <unordered_map>
#include <utility>

namespace ruru::cpesim {
namespace {

using tcp = asio::ip::tcp;
using Verdict = cwmp::DigestServer::Verdict;
using Request = http::request<http::string_body>;
using Response = http::response<http::empty_body>;
using namespace std::chrono_literals;

constexpr auto kLingerTime = 1s;  // see Serve: draining a refused request's input
constexpr size_t kLingerBytes = 64 * 1024;

std::string RandomKey() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    std::random_device rd;
    for (char& c : key) c = static_cast<char>(rd());
  }
  return key;
}

Result<tcp::endpoint> ParseHostPort(std::string_view s) {
  const auto bad = [&](std::string_view why) {
    return InvalidArgument("connection request listen address '" + std::string(s) + "': " + std::string(why));
  };
  std::string_view host, port;
  if (s.starts_with('[')) {  // [v6]:port
    const size_t close = s.find(']');
    if (close == std::string_view::npos || s.substr(close + 1, 1) != ":") return bad("expected [host]:port");
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return bad("expected host:port");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  uint16_t port_number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size()) return bad("bad port");
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty() || host == "*") host = "0.0.0.0";
  boost::system::error_code address_ec;
  const asio::ip::address address = asio::ip::make_address(std::string(host), address_ec);
  if (address_ec) return bad("not an IP address");
  return tcp::endpoint(address, port_number);
}

bool IsParseError(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

}  // namespace

struct ConnReqServer::Impl {
  Impl(asio::io_context& io_context, const Clock& clock, Hooks hooks_in, size_t max_conns, ConnReqOptions opts)
      : io(io_context),
        hooks(std::move(hooks_in)),
        max_connections(max_conns),
        options(std::move(opts)),
        digest(options.realm, options.nonce_key.empty() ? RandomKey() : options.nonce_key, clock,
               options.nonce_lifetime),
        acceptor(io_context) {}

  // Coroutines: `self` is copied into the frame when it is created, so the state outlives both the
  // ConnReqServer and any connection that has not started running yet.
  asio::awaitable<void> AcceptLoop(std::shared_ptr<Impl> self);
  asio::awaitable<void> Serve(std::shared_ptr<Impl> self, tcp::socket socket);
  // The answer to one complete request.
  Response Handle(const Request& req);
  Response Challenge(unsigned version, bool stale);
  void Stop();

  asio::io_context& io;
  Hooks hooks;
  size_t max_connections;
  ConnReqOptions options;
  cwmp::DigestServer digest;
  tcp::acceptor acceptor;
  uint16_t port = 0;
  bool stopped = false;
  // Open connections, so Stop() can close them; touched only on the io thread.
  std::unordered_map<uint64_t, beast::tcp_stream*> live;
  uint64_t next_id = 0;
  size_t open = 0;  // accepted and not yet finished (a spawned connection registers a little later)

  struct {
    std::atomic<uint64_t> connections{0}, refused_connections{0}, active_connections{0}, requests{0}, accepted{0},
        unauthorized{0}, not_found{0}, rejected{0}, bad_requests{0};
  } counters;
};

asio::awaitable<void> ConnReqServer::Impl::AcceptLoop(std::shared_ptr<Impl> self) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and the like: back off instead of spinning on the same error.
      asio::steady_timer pause(io, 50ms);
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopped) co_return;
      continue;
    }
    if (open >= max_connections) {
      counters.refused_connections++;
      socket.close(ec);
      continue;
    }
    ++open;
    counters.connections++;
    counters.active_connections++;
    asio::co_spawn(io, Serve(self, std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> ConnReqServer::Impl::Serve([[maybe_unused]] std::shared_ptr<Impl> self, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  const uint64_t id = next_id++;
  live.emplace(id, &stream);
  struct Done {
    Impl* impl;
    uint64_t id;
    ~Done() {
      impl->live.erase(id);
      --impl->open;
      impl->counters.active_connections--;
    }
  } done{this, id};
  if (stopped) co_return;

  // Bounded: the parser limits header and body, the buffer everything read ahead.
  beast::flat_buffer buffer(options.max_header_bytes + options.max_body_bytes + 4096);
  boost::system::error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(options.max_header_bytes);
    parser.body_limit(options.max_body_bytes);
    stream.expires_after(options.read_timeout);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (stopped) co_return;

    Response res;
    bool close = false;
    if (ec) {
      // A peer that went away or stayed silent gets nothing; a malformed request gets a status.
      if (!IsParseError(ec)) break;
      http::status status = http::status::bad_request;
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        status = http::status::request_header_fields_too_large;
      } else if (ec == http::error::body_limit) {
        status = http::status::payload_too_large;
      }
      counters.bad_requests++;
      res = Response(status, 11);
      close = true;
    } else if (parser.get().version() != 10 && parser.get().version() != 11) {
      counters.bad_requests++;
      res = Response(http::status::bad_request, 11);
      close = true;
    } else {
      counters.requests++;
      const Request& req = parser.get();
      res = Handle(req);
      close = !req.keep_alive();
    }
    if (stopped) co_return;  // a hook may have stopped us
    res.keep_alive(!close);
    res.prepare_payload();
    stream.expires_after(options.read_timeout);
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || stopped) break;
    if (close) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      if (res.result_int() >= 400) {
        // Closing with unread input makes the kernel send a reset, which can destroy the error
        // response before the client reads it: drain what the client still sends, bounded in bytes
        // and time, then close.
        stream.expires_after(kLingerTime);
        char sink[4096];
        for (size_t drained = 0; drained < kLingerBytes && !ec;) {
          drained += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
        }
      }
      break;
    }
  }
  if (!stopped) stream.close();
}

Response ConnReqServer::Impl::Challenge(unsigned version, bool stale) {
  counters.unauthorized++;
  Response res(http::status::unauthorized, version);
  res.set(http::field::www_authenticate, digest.Challenge(stale, options.algorithm));
  return res;
}

Response ConnReqServer::Impl::Handle(const Request& req) {
  const unsigned version = req.version();
  if (req.method() != http::verb::get) {
    counters.bad_requests++;
    Response res(http::status::method_not_allowed, version);
    res.set(http::field::allow, "GET");
    return res;
  }
  // The key is the first and only path segment; the query, if any, is not part of it.
  const std::string_view target(req.target().data(), req.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  if (path.starts_with("http://")) {  // absolute-form
    path.remove_prefix(7);
    const size_t slash = path.find('/');
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  std::optional<ConnReqCredentials> credentials;
  if (path.size() > 1 && path.front() == '/' && path.find('/', 1) == std::string_view::npos && hooks.credentials) {
    credentials = hooks.credentials(path.substr(1));
  }
  if (!credentials) {
    counters.not_found++;
    return Response(http::status::not_found, version);
  }

  const auto authorization = req.find(http::field::authorization);
  if (authorization == req.end()) return Challenge(version, false);
  auto header =
      cwmp::ParseAuthorization(std::string_view(authorization->value().data(), authorization->value().size()));
  if (!header) {
    counters.bad_requests++;
    return Response(http::status::bad_request, version);
  }
  if (header->scheme != cwmp::AuthScheme::kDigest) return Challenge(version, false);  // Digest only (§3.2.2)
  // DigestServer checks the response for the user named in the header; it must be this device's.
  const bool user_ok = header->username == credentials->username;
  Verdict verdict = digest.Verify(*header, "GET", target, credentials->password);
  if (!user_ok && verdict != Verdict::kMalformed) verdict = Verdict::kWrongCredentials;
  switch (verdict) {
    case Verdict::kOk:
      break;
    case Verdict::kStale:
      return Challenge(version, true);
    case Verdict::kWrongCredentials:
      return Challenge(version, false);
    case Verdict::kMalformed:
      counters.bad_requests++;
      return Response(http::status::bad_request, version);
  }
  const bool accepted = hooks.on_request ? hooks.on_request(path.substr(1)) : true;
  if (accepted) {
    counters.accepted++;
    return Response(http::status::ok, version);
  }
  counters.rejected++;
  return Response(http::status::service_unavailable, version);
}

void ConnReqServer::Impl::Stop() {
  if (stopped) return;
  stopped = true;
  boost::system::error_code ec;
  acceptor.close(ec);
  // Closing cancels the pending operations; their coroutines resume later (never inside close)
  // and unregister themselves, so iterating here is safe.
  for (auto& [id, stream] : live) stream->close();
}

ConnReqServer::ConnReqServer(asio::io_context& io, const Clock& clock, Hooks hooks, size_t max_connections,
                             ConnReqOptions options)
    : impl_(std::make_shared<Impl>(io, clock, std::move(hooks), max_connections, std::move(options))) {}

ConnReqServer::~ConnReqServer() { Stop(); }

Status ConnReqServer::Listen(std::string_view host_port) {
  if (impl_->stopped) return Conflict("connection request listener: already stopped");
  if (impl_->acceptor.is_open()) return Conflict("connection request listener: already listening");
  auto endpoint = ParseHostPort(host_port);
  if (!endpoint) return endpoint.error();
  tcp::acceptor& acceptor = impl_->acceptor;
  boost::system::error_code ec;
  const auto fail = [&](std::string_view what) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return Unavailable("connection request listener: cannot " + std::string(what) + " " + std::string(host_port) +
                       ": " + ec.message());
  };
  acceptor.open(endpoint->protocol(), ec);
  if (ec) return fail("open a socket for");
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return fail("set SO_REUSEADDR on");
  acceptor.bind(*endpoint, ec);
  if (ec) return fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  impl_->port = acceptor.local_endpoint(ec).port();
  asio::co_spawn(impl_->io, impl_->AcceptLoop(impl_), asio::detached);
  return {};
}

uint16_t ConnReqServer::port() const { return impl_->port; }

void ConnReqServer::Stop() { impl_->Stop(); }

ConnReqServer::Counters ConnReqServer::counters() const {
  const auto& c = impl_->counters;
  return {c.connections.load(), c.refused_connections.load(), c.active_connections.load(), c.requests.load(),
          c.accepted.load(),    c.unauthorized.load(),        c.not_found.load(),          c.rejected.load(),
          c.bad_requests.load()};
}

}  // namespace ruru::cpesim
