// The outcome of an API command: a value, or a failure that already knows its exit code and the
// one line acsctl prints. Answers from the API are untrusted input (ARCHITECTURE.md invariant 3),
// so failures are values, never exceptions; only the CLI11 callback turns the final one into the
// exit code.
// acsctl is single-threaded: nothing here is shared between threads or kept past the command.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace ruru::acsctl {

// Exit codes of the API commands (docs/acsctl.md). `acsctl cwmp` keeps its own (cwmp_command.h):
// 0 ok, 1 internal, 2 bad input, which these agree with.
inline constexpr int kExitApiOk = 0;
inline constexpr int kExitFailed = 1;       // the operation failed: an API error, a task fault, a timeout
inline constexpr int kExitUsage = 2;        // the command line is wrong or incomplete (no URL or token)
inline constexpr int kExitUnreachable = 3;  // the API could not be reached: refused, timeout, 503
inline constexpr int kExitAuth = 4;         // the API refused the token: 401, 403
inline constexpr int kExitPending = 5;      // stored as a pending approval: a second person must approve it

struct Failure {
  int exit_code = kExitFailed;
  std::string message;  // one line, printed as "acsctl: <message>"; never holds the token
};

inline Failure Failed(std::string message) { return {kExitFailed, std::move(message)}; }
inline Failure Usage(std::string message) { return {kExitUsage, std::move(message)}; }

// A T or a Failure (shaped like ruru::Result, whose Error cannot carry an exit code).
template <typename T>
class [[nodiscard]] CliResult {
 public:
  CliResult(T value) : v_(std::in_place_index<0>, std::move(value)) {}           // NOLINT: implicit by design
  CliResult(Failure failure) : v_(std::in_place_index<1>, std::move(failure)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Failure& failure() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Failure> v_;
};

// CliResult<void>.
class [[nodiscard]] CliStatus {
 public:
  CliStatus() = default;
  CliStatus(Failure failure) : failure_(std::move(failure)), ok_(false) {}  // NOLINT: implicit by design
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Failure& failure() const { assert(!ok_); return failure_; }

 private:
  Failure failure_;
  bool ok_ = true;
};

}  // namespace ruru::acsctl
