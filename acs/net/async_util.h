// Coroutine helpers shared by acsd's HTTP front ends (the CWMP endpoint, the REST API): run a
// blocking call on a thread pool, or await a callback-style operation, and resume on the awaiting
// coroutine's own executor (a connection's strand).
//
// GCC 12 coroutine rule (ARCHITECTURE.md): never pass a temporary with a non-trivial destructor as
// an argument to a coroutine call inside co_await. Name it first:
//   auto call = [&] { return store->Get(id); };
//   auto device = co_await OnPool(pool, std::move(call));
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "base/asio.h"

namespace ruru::acs::net {

namespace async_detail {
// A coroutine function (not a lambda): its parameter lives in the coroutine frame, whereas a
// coroutine lambda's captures die with the temporary lambda object. The optional makes any result
// type (Result<T> has no default constructor) awaitable.
template <class F>
asio::awaitable<std::optional<std::invoke_result_t<F>>> CallIntoOptional(F f) {
  co_return f();
}

template <class T, class Start>
struct CallbackInitiation {
  Start start;
  template <class Handler>
  void operator()(Handler handler) {
    auto ex = asio::get_associated_executor(handler);
    auto h = std::make_shared<Handler>(std::move(handler));
    start([h, ex](T value) mutable {
      asio::post(ex, [h, v = std::optional<T>(std::move(value))]() mutable { (*h)(std::move(v)); });
    });
  }
};
}  // namespace async_detail

// Runs the blocking `f()` on `pool` and resumes the caller on its own executor with f's result.
// Pass a named callable (std::move(call)), never a temporary.
template <class F>
asio::awaitable<std::invoke_result_t<F>> OnPool(asio::thread_pool& pool, F f) {
  auto out = co_await asio::co_spawn(pool, async_detail::CallIntoOptional(std::move(f)), asio::use_awaitable);
  co_return std::move(*out);
}

// Awaits a callback-style operation: `start(done)` must call done(value) exactly once, from any
// thread; the awaiting coroutine resumes on its own executor with the value (as an optional that
// is always set). `done` is copyable. Deliberately not a coroutine itself (GCC 12, see above).
template <class T, class Start>
auto AsyncCallback(Start start) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(std::optional<T>)>(
      async_detail::CallbackInitiation<T, Start>{std::move(start)}, asio::use_awaitable);
}

}  // namespace ruru::acs::net
