#include "acs/net/listen.h"

#include "acs/config/config.h"

namespace ruru::acs::net {

Status OpenListener(asio::ip::tcp::acceptor& acceptor, const std::string& listen, const std::string& key) {
  auto hp = config::ParseHostPort(listen);
  if (!hp) return InvalidArgument(key + ": " + hp.error().message);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(hp->host, ec);
  if (ec) return InvalidArgument(key + ": bad address '" + hp->host + "'");
  const asio::ip::tcp::endpoint ep(address, hp->port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + listen + " (" + key + "): " + ec.message());
  return Status::Ok();
}

}  // namespace ruru::acs::net
