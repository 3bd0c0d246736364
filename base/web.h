// Plain HTTP messages: a request and a response as values, with no transport and no HTTP library
// behind them. The REST API (acs/api) and the web console take and give these, so they can be
// called in process (tests, the console) as well as from a listener; acs/net converts them to and
// from the wire (Beast) and owns everything about connections: keep-alive, framing, limits.
//
// Header names compare case-insensitively; a header may occur more than once (Get returns the
// first). Values are copied in; nothing refers to outside storage. Not thread-safe: one owner.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"

namespace ruru::web {

// The statuses the project answers with (the numbers are the HTTP status codes).
enum class Status : unsigned {
  kOk = 200,
  kCreated = 201,
  kAccepted = 202,
  kNoContent = 204,
  kBadRequest = 400,
  kUnauthorized = 401,
  kForbidden = 403,
  kNotFound = 404,
  kMethodNotAllowed = 405,
  kConflict = 409,
  kPayloadTooLarge = 413,
  kUnsupportedMediaType = 415,
  kTooManyRequests = 429,
  kInternalServerError = 500,
  kServiceUnavailable = 503,
};

inline unsigned Code(Status s) { return static_cast<unsigned>(s); }

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // The first value of `name`, "" when absent.
  std::string_view Get(std::string_view name) const {
    for (const auto& [n, v] : fields_) {
      if (IEquals(n, name)) return v;
    }
    return {};
  }
  size_t Count(std::string_view name) const {
    size_t n = 0;
    for (const auto& f : fields_) n += IEquals(f.first, name) ? 1 : 0;
    return n;
  }
  bool Has(std::string_view name) const { return Count(name) > 0; }
  // Adds a value (a repeated header keeps every value).
  void Add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  // Replaces every value of `name` by one.
  void Set(std::string_view name, std::string value) {
    Erase(name);
    fields_.emplace_back(std::string(name), std::move(value));
  }
  void Erase(std::string_view name) {
    std::erase_if(fields_, [&](const Field& f) { return IEquals(f.first, name); });
  }
  const std::vector<Field>& fields() const { return fields_; }

 private:
  std::vector<Field> fields_;
};

struct Request {
  std::string method;  // as sent: "GET", "POST" (case-sensitive, as HTTP says)
  std::string target;  // origin form: "/api/v1/devices?limit=10"
  Headers headers;
  std::string body;

  std::string_view Path() const { return std::string_view(target).substr(0, target.find('?')); }
  // The query string without '?', "" when none.
  std::string_view Query() const {
    const size_t q = target.find('?');
    return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
  }
};

struct Response {
  Status status = Status::kOk;
  Headers headers;  // Content-Type among them when there is a body
  std::string body;
};

}  // namespace ruru::web
