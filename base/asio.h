// The one way to include Boost.Asio with C++20 coroutines in this project (Beast and TLS streams:
// base/beast.h).
//
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility> (gcc 12 then fails),
// and its feature test only enables co_await for clang with <experimental/coroutine>; clang is given
// BOOST_ASIO_HAS_CO_AWAIT by cmake/RuruDeps.cmake instead. Include this header, not Asio's directly.
#pragma once

// clang-format off
#include <utility>  // before Asio: see above

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
// clang-format on

namespace ruru {
namespace asio = boost::asio;
}  // namespace ruru
