// A small blocking client of acsd's REST API v1 (docs/api.md) on libcurl's easy interface.
//
// Every request carries "Authorization: Bearer <token>" and "Accept: application/json"; redirects
// are never followed, proxies from the environment are ignored (the token goes to acsd only), the
// connect timeout is 5 s and the whole request may take 30 s plus the ?wait= the server was asked
// to hold it. Answers are mapped to exit codes (cli_result.h):
//   2xx                      -> the body (parsed when it is JSON)
//   transport failure, 503   -> kExitUnreachable ("cannot reach the API at URL: ...", "unavailable: ...")
//   401, 403                 -> kExitAuth
//   anything else            -> kExitFailed, "<error.code>: <error.message>" from the error JSON
//
// Not thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "acs/acsctl/api_config.h"
#include "acs/acsctl/cli_result.h"

namespace ruru::acsctl {

using Json = nlohmann::json;
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct ApiRequest {
  std::string method = "GET";
  std::string path;   // under the base URL, already escaped: "/api/v1/devices/42"
  QueryParams query;  // escaped by the client; empty values are left out
  std::optional<std::string> body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Idempotency-Key)
  std::chrono::seconds server_wait{0};                       // the server may hold the request this long (?wait=)
};

struct ApiResponse {
  long status = 0;
  std::string body;  // as received
  Json json;         // the parsed body; null when the body is empty
};

class ApiClient {
 public:
  explicit ApiClient(ApiEndpoint endpoint);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Sends the request; see the header comment for the mapping of failures.
  CliResult<ApiResponse> Send(const ApiRequest& request);

  // Shorthands for JSON requests: the parsed body of a 2xx answer.
  CliResult<ApiResponse> Get(const std::string& path, const QueryParams& query = {},
                             std::chrono::seconds server_wait = std::chrono::seconds(0));
  CliResult<ApiResponse> SendJson(const std::string& method, const std::string& path, const Json& body,
                                  const QueryParams& query = {});

  // Called about every 100 ms while a request is in flight (a progress spinner); empty: none.
  void SetTick(std::function<void()> tick) { tick_ = std::move(tick); }

  const std::string& base_url() const { return endpoint_.base_url; }

 private:
  Failure TransportFailure(int curl_code, bool too_large, const char* error) const;
  CliResult<ApiResponse> Interpret(void* curl, ApiResponse response) const;
  ApiEndpoint endpoint_;
  std::function<void()> tick_;
  void* curl_ = nullptr;  // CURL*, reused so keep-alive connections are reused
};

// Percent-encodes one path segment or query value (RFC 3986 unreserved characters stay).
std::string UrlEscape(const std::string& text);

}  // namespace ruru::acsctl
