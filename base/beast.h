// Boost.Beast (HTTP/1.1) and Asio's TLS streams, on top of base/asio.h. Only acs/net (the HTTP
// server loop and the listeners), the CWMP endpoint, acsd and the test tools may include it
// (tests/layering): the REST API and everything above acs/net takes plain messages (base/web.h).
#pragma once

// clang-format off
#include "base/asio.h"  // first: see there

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
// clang-format on

namespace ruru {
namespace beast = boost::beast;
namespace http = boost::beast::http;
}  // namespace ruru
