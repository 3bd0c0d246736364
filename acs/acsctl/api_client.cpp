#include "acs/acsctl/api_client.h"

#include <curl/curl.h>

#include <cstdio>
#include <mutex>

namespace ruru::acsctl {
namespace {

constexpr long kConnectTimeoutMs = 5000;
constexpr long kRequestTimeoutMs = 30000;       // on top of the server-side wait
constexpr size_t kMaxResponseBytes = 64 << 20;  // far above any page of 1,000 devices

#ifndef RURU_VERSION
#define RURU_VERSION "dev"
#endif

struct Sink {
  std::string body;
  bool too_large = false;
};

size_t Write(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->body.size() + n > kMaxResponseBytes) {
    sink->too_large = true;
    return 0;  // makes libcurl fail the transfer with CURLE_WRITE_ERROR
  }
  sink->body.append(data, n);
  return n;
}

int CurlProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  (*static_cast<std::function<void()>*>(user))();
  return 0;
}

// One line of at most `n` characters, control characters replaced: a body we show in an error
// message comes from the network.
std::string Printable(const std::string& s, size_t n = 200) {
  std::string out;
  for (char c : s.substr(0, n)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  if (s.size() > n) out += "...";
  return out;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The failure for a non-2xx answer.
Failure HttpFailure(long status, const std::string& body, const std::string& location) {
  std::string code, message;
  const Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const Json& e = j["error"];
    if (e.contains("code") && e["code"].is_string()) code = e["code"].get<std::string>();
    if (e.contains("message") && e["message"].is_string()) message = e["message"].get<std::string>();
  }
  if (code.empty()) {
    code = "HTTP " + std::to_string(status);
    message = body.empty() ? "(empty answer; is this acsd's admin listener with the REST API?)" : Printable(body);
  }
  std::string line = Printable(code, 64) + ": " + Printable(message, 500);
  if (status >= 300 && status < 400) {
    return Failed("the API answered with a redirect (HTTP " + std::to_string(status) +
                  (location.empty() ? "" : " to " + Printable(location)) +
                  "), which acsctl does not follow: check the API URL");
  }
  if (status == 401 || status == 403) {
    return {kExitAuth, line + " (check the token: --token-file, RURU_API_TOKEN_FILE, [admin] token_file)"};
  }
  if (status == 503) return {kExitUnreachable, line};
  return Failed(line);
}

}  // namespace

std::string UrlEscape(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

ApiClient::ApiClient(ApiEndpoint endpoint) : endpoint_(std::move(endpoint)) {
  GlobalInit();
  curl_ = curl_easy_init();
}

ApiClient::~ApiClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

namespace {

std::string RequestUrl(const std::string& base_url, const ApiRequest& request) {
  std::string url = base_url + request.path;
  char sep = '?';
  for (const auto& [key, value] : request.query) {
    if (value.empty()) continue;
    url += sep + UrlEscape(key) + "=" + UrlEscape(value);
    sep = '&';
  }
  return url;
}

// The request's headers (curl copies each line).
curl_slist* RequestHeaders(const ApiEndpoint& endpoint, const ApiRequest& request) {
  curl_slist* headers = nullptr;
  const std::string auth = "Authorization: Bearer " + endpoint.token;
  headers = curl_slist_append(headers, auth.c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip for larger bodies
  if (request.body) headers = curl_slist_append(headers, ("Content-Type: " + request.content_type).c_str());
  if (!endpoint.reason.empty()) headers = curl_slist_append(headers, ("X-Ruru-Reason: " + endpoint.reason).c_str());
  for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  return headers;
}

// The method and body: GET, POST with a body, or another method (with an empty body for POST).
void SetMethodAndBody(CURL* h, const ApiRequest& request) {
  if (request.body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body->data());
  }
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (request.method != "POST" || !request.body) {
    if (request.method == "POST") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

}  // namespace

// Why a request did not get an HTTP answer, for the operator.
Failure ApiClient::TransportFailure(int code, bool too_large, const char* error) const {
  const auto rc = static_cast<CURLcode>(code);
  if (too_large) return Failed("the API's answer is larger than " + std::to_string(kMaxResponseBytes >> 20) + " MiB");
  const std::string detail = error[0] != '\0' ? std::string(error) : curl_easy_strerror(rc);
  if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
    return Usage("bad API URL " + endpoint_.base_url + ": " + detail);
  }
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CONNECT_ERROR) {
    return Failure{kExitUnreachable, "TLS with " + endpoint_.base_url + " failed: " + detail +
                                         " (give the CA that issued acsd's certificate: --cacert, RURU_API_CACERT, "
                                         "[admin] tls_ca_file)"};
  }
  return Failure{kExitUnreachable, "cannot reach the API at " + endpoint_.base_url + ": " + detail +
                                       " (is acsd running? check --url, RURU_API_URL, [admin] listen)"};
}

// An HTTP answer: a failure for a non-2xx status, a 202 that stored a two-person approval, or a
// body that is not JSON; else the response with its JSON.
CliResult<ApiResponse> ApiClient::Interpret(void* curl, ApiResponse response) const {
  CURL* h = static_cast<CURL*>(curl);
  if (response.status < 200 || response.status >= 300) {
    char* location = nullptr;
    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location);
    return HttpFailure(response.status, response.body, location ? location : "");
  }
  if (response.body.empty()) return response;
  response.json = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  // Two-person approval: nothing was done yet (docs/security.md).
  if (response.status == 202 && !response.json.is_discarded() && response.json.is_object() &&
      response.json.contains("approval") && response.json["approval"].is_object() &&
      response.json["approval"].contains("id")) {
    const std::string id = response.json["approval"]["id"].dump();
    return Failure{kExitPending, "this change needs a second person's approval: it is stored as approval " + id +
                                     " and has not been made yet; another user runs `acsctl approve " + id + "`"};
  }
  if (response.json.is_discarded()) {
    return Failed("the API answered HTTP " + std::to_string(response.status) +
                  " with something that is not JSON: " + Printable(response.body, 100));
  }
  return response;
}

CliResult<ApiResponse> ApiClient::Send(const ApiRequest& request) {
  CURL* h = static_cast<CURL*>(curl_);
  if (h == nullptr) return Failed("libcurl could not be initialised");
  curl_easy_reset(h);  // keeps the connection cache
  const std::string url = RequestUrl(endpoint_.base_url, request);
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(RequestHeaders(endpoint_, request), &curl_slist_free_all);
  Sink sink;
  char error[CURL_ERROR_SIZE] = {0};
  const std::string user_agent = std::string("acsctl/") + RURU_VERSION;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  if (!endpoint_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, endpoint_.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // ignore http_proxy & co.: the token goes to acsd only
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, kRequestTimeoutMs + static_cast<long>(request.server_wait.count()) * 1000);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  SetMethodAndBody(h, request);
  if (tick_) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &CurlProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &tick_);
  }
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) return TransportFailure(rc, sink.too_large, error);
  ApiResponse response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(sink.body);
  return Interpret(h, std::move(response));
}

CliResult<ApiResponse> ApiClient::Get(const std::string& path, const QueryParams& query,
                                      std::chrono::seconds server_wait) {
  ApiRequest request;
  request.path = path;
  request.query = query;
  request.server_wait = server_wait;
  return Send(request);
}

CliResult<ApiResponse> ApiClient::SendJson(const std::string& method, const std::string& path, const Json& body,
                                           const QueryParams& query) {
  ApiRequest request;
  request.method = method;
  request.path = path;
  request.query = query;
  try {
    request.body = body.dump();
  } catch (const Json::exception&) {  // only type_error 316: a string from the command line
    return Usage("an argument is not valid UTF-8");
  }
  return Send(request);
}

}  // namespace ruru::acsctl
