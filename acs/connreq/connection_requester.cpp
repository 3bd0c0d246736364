#include "acs/connreq/connection_requester.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "base/strings.h"

namespace ruru::acs::connreq {
namespace {

constexpr size_t kMaxUrlBytes = 1024;
constexpr size_t kMaxEchoBytes = 256;
constexpr size_t kMaxHostBytes = 253;
// A connection-request answer carries nothing we use; a CPE (or whatever answers in its place)
// must not make acsd read megabytes.
constexpr size_t kMaxBodyBytes = 4096;
constexpr size_t kMaxAuthHeaderBytes = 512;  // kept of WWW-Authenticate, for the failure detail
constexpr int kPollMs = 1000;                // curl_multi_poll also returns for curl's timers and wakeups
constexpr const char* kUserAgent = "ruru-acsd";

// The authority of a URL-looking string, found loosely (whatever its validity), to decide whether
// it may carry a password and so must not be echoed.
bool MayCarryCredentials(std::string_view url) {
  const size_t scheme_end = url.find("://");
  std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  return rest.find('@') != std::string_view::npos;
}

std::string Echo(std::string_view url) {
  if (MayCarryCredentials(url)) return "(URL not shown: it carries credentials)";
  return "'" + Printable(url, kMaxEchoBytes) + "'";
}

Error UrlError(std::string_view url, std::string_view what) {
  return InvalidArgument("connection request URL " + Echo(url) + ": " + std::string(what));
}

// Canonical text (inet_ntop) of a parsed literal, so the addresses handed to curl and the ones the
// socket callback sees compare as strings.
std::string Canonical(std::string_view literal) {
  char buf[INET6_ADDRSTRLEN + 1];
  const std::string s(literal);
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1 && inet_ntop(AF_INET, &v4, buf, sizeof(buf))) return buf;
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1 && inet_ntop(AF_INET6, &v6, buf, sizeof(buf))) return buf;
  return s;
}

std::string SockaddrText(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN + 1] = {};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof(buf));
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

// Whether `address` (canonical text) may be connected to; the reason when not.
std::optional<std::string> AddressRefusal(const std::string& address, const std::vector<IpNetwork>& allowed,
                                          const std::vector<IpNetwork>& denied) {
  if (InNetworks(address, denied)) return "address " + address + " is in connection_request.denied_networks";
  if (!InNetworks(address, allowed)) return "address " + address + " is not in connection_request.allowed_networks";
  return std::nullopt;
}

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

struct ParsedUrl {
  ConnectionRequestUrl url;
  bool is_name = false;  // the host is a DNS name still to be resolved (addresses empty)
};

// Everything ValidateConnectionRequestUrl checks except name resolution, so Send can refuse a bad
// URL at once without blocking.
Result<ParsedUrl> ParseUrl(std::string_view url, const std::vector<IpNetwork>& allowed,
                           const std::vector<IpNetwork>& denied, bool allow_hostnames) {
  if (url.size() > kMaxUrlBytes) return UrlError(url, "longer than 1024 bytes");
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) return UrlError(url, "contains a space, control or non-ASCII character");
  }
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return UrlError(url, "not an http:// URL");
  if (!IEquals(url.substr(0, scheme_end), "http")) {
    return UrlError(url, "scheme '" + Printable(url.substr(0, scheme_end), 16) +
                             "' refused: connection requests are plain http://");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view remainder = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return UrlError(url, "credentials (user@host) in the URL");

  ParsedUrl out;
  std::string_view host, port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return UrlError(url, "unterminated [IPv6] address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return UrlError(url, "junk after the [IPv6] address");
      port = after.substr(1);
      has_port = true;
    }
    in6_addr v6;
    const std::string h(host);
    if (inet_pton(AF_INET6, h.c_str(), &v6) != 1) return UrlError(url, "bad [IPv6] address (zones are refused)");
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
      if (port.find(':') != std::string_view::npos) return UrlError(url, "an IPv6 address must be in brackets");
    }
  }
  if (host.empty()) return UrlError(url, "no host");
  if (has_port) {
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return UrlError(url, "bad port");
    }
    const unsigned long p = std::stoul(std::string(port));
    if (p == 0 || p > 65535) return UrlError(url, "port out of range 1..65535");
    out.url.port = static_cast<uint16_t>(p);
  }
  out.url.host = std::string(host);

  remainder = remainder.substr(0, remainder.find('#'));  // a fragment is never sent
  if (remainder.empty()) {
    out.url.path_and_query = "/";
  } else if (remainder.front() == '?') {
    out.url.path_and_query = "/" + std::string(remainder);
  } else {
    out.url.path_and_query = std::string(remainder);
  }

  if (ParseIpAddress(host)) {
    out.url.addresses.push_back(Canonical(host));
    if (auto why = AddressRefusal(out.url.addresses.front(), allowed, denied)) return UrlError(url, *why);
    return out;
  }
  if (host.size() > kMaxHostBytes || !std::all_of(host.begin(), host.end(), IsHostNameChar)) {
    return UrlError(url, "the host is neither an IP address nor a host name");
  }
  if (!allow_hostnames) {
    return UrlError(url, "host names are refused (connection_request.allow_hostnames is off)");
  }
  out.is_name = true;
  return out;
}

// Resolves out.host and keeps the addresses that may be connected to (blocking getaddrinfo).
Status ResolveAndCheck(std::string_view url, ConnectionRequestUrl& out, const std::vector<IpNetwork>& allowed,
                       const std::vector<IpNetwork>& denied) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(out.host.c_str(), nullptr, &hints, &list);
  if (rc != 0) return UrlError(url, std::string("cannot resolve the host: ") + gai_strerror(rc));
  std::vector<std::string> all;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    std::string text = SockaddrText(ai->ai_addr);
    if (!text.empty() && std::find(all.begin(), all.end(), text) == all.end()) all.push_back(std::move(text));
  }
  freeaddrinfo(list);
  out.addresses.clear();
  for (const std::string& a : all) {
    // One denied address refuses the name: whoever controls its DNS chose to point it inside.
    if (InNetworks(a, denied)) {
      return UrlError(url, "the host resolves to " + a + ", which is in connection_request.denied_networks");
    }
    if (InNetworks(a, allowed)) out.addresses.push_back(a);
  }
  if (out.addresses.empty()) {
    return UrlError(url, "the host resolves to no address in connection_request.allowed_networks");
  }
  return Status::Ok();
}

std::string FormatSeconds(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

}  // namespace

Result<ConnectionRequestUrl> ValidateConnectionRequestUrl(std::string_view url, const std::vector<IpNetwork>& allowed,
                                                          const std::vector<IpNetwork>& denied, bool allow_hostnames) {
  Result<ParsedUrl> parsed = ParseUrl(url, allowed, denied, allow_hostnames);
  if (!parsed) return parsed.error();
  if (parsed->is_name) {
    if (Status s = ResolveAndCheck(url, parsed->url, allowed, denied); !s.ok()) return s.error();
  }
  return std::move(parsed->url);
}

std::string_view ToString(ConnectionRequestResult::Outcome outcome) {
  using O = ConnectionRequestResult::Outcome;
  switch (outcome) {
    case O::kOk:
      return "ok";
    case O::kRefusedUrl:
      return "refused_url";
    case O::kUnreachable:
      return "unreachable";
    case O::kAuthFailed:
      return "auth_failed";
    case O::kHttpError:
      return "http_error";
    case O::kBusy:
      return "busy";
  }
  return "unknown";
}

namespace {

using Outcome = ConnectionRequestResult::Outcome;
using SteadyClock = std::chrono::steady_clock;

constexpr Outcome kAllOutcomes[] = {Outcome::kOk,         Outcome::kRefusedUrl, Outcome::kUnreachable,
                                    Outcome::kAuthFailed, Outcome::kHttpError,  Outcome::kBusy};

// One request from Send to its callback. Owned by the queue it is in, then by the curl thread.
struct Request {
  ConnectionRequestTarget target;
  ConnectionRequester::Callback done;
  ConnectionRequestUrl url;
  bool needs_resolution = false;
  std::optional<Error> refused;  // set by the resolver thread
  SteadyClock::time_point submitted, started;

  // The curl transfer (curl thread only).
  CURL* easy = nullptr;
  curl_slist* connect_to = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  size_t body_bytes = 0;
  bool body_cut = false;
  std::string refused_address;   // the socket callback refused this address
  std::string www_authenticate;  // of the last answer, for the failure detail
  const std::vector<IpNetwork>* allowed = nullptr;
  const std::vector<IpNetwork>* denied = nullptr;

  ~Request() {
    if (easy) curl_easy_cleanup(easy);
    if (connect_to) curl_slist_free_all(connect_to);
  }
};

size_t OnBody(char*, size_t size, size_t n, void* user) {
  auto* r = static_cast<Request*>(user);
  r->body_bytes += size * n;
  if (r->body_bytes > kMaxBodyBytes) {
    r->body_cut = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR; the status is already known
  }
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Request*>(user);
  const std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {  // a new answer (the 401 of the Digest round, then the last one)
    r->body_bytes = 0;
    r->www_authenticate.clear();
  } else if (IStartsWith(line, "www-authenticate:") && r->www_authenticate.size() < kMaxAuthHeaderBytes) {
    if (!r->www_authenticate.empty()) r->www_authenticate += ", ";
    r->www_authenticate += Trim(line.substr(17, kMaxAuthHeaderBytes));
  }
  return size * n;
}

// The last line of defence against DNS games and URL-parser differences: curl may only connect to
// the addresses validated for this request, whatever it resolved or parsed.
curl_socket_t OnOpenSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* r = static_cast<Request*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  const std::string text = SockaddrText(&address->addr);
  const bool validated = std::find(r->url.addresses.begin(), r->url.addresses.end(), text) != r->url.addresses.end();
  if (!validated || AddressRefusal(text, *r->allowed, *r->denied)) {
    r->refused_address = text.empty() ? "(unknown)" : text;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

std::string HostForUrl(const std::string& address_or_name) {
  return address_or_name.find(':') != std::string::npos ? "[" + address_or_name + "]" : address_or_name;
}

// Sets every option of a connection-request transfer on `e`. The URL is rebuilt from the validated
// parts so that curl never parses the CPE's own text.
CURLcode Configure(CURL* e, Request& r, const config::ConnectionRequestConfig& config) {
  const std::string port = std::to_string(r.url.port);
  const bool literal = !r.needs_resolution;
  const std::string url =
      "http://" + HostForUrl(literal ? r.url.addresses.front() : r.url.host) + ":" + port + r.url.path_and_query;
  if (!literal) {
    // Pin the name to the first validated address: no DNS lookup by curl, and the Host header still
    // names the host. (CURLOPT_RESOLVE would do it too, but its entries stay in the DNS cache forever.)
    const std::string entry = r.url.host + ":" + port + ":" + HostForUrl(r.url.addresses.front()) + ":" + port;
    r.connect_to = curl_slist_append(nullptr, entry.c_str());
    if (r.connect_to == nullptr) return CURLE_OUT_OF_MEMORY;
  }
  const long timeout_ms = static_cast<long>(std::chrono::milliseconds(config.timeout).count());
  const long connect_ms = static_cast<long>(std::chrono::milliseconds(config.connect_timeout).count());
  CURLcode c = CURLE_OK;
  const auto set = [&](CURLoption option, auto value) {
    if (c == CURLE_OK) c = curl_easy_setopt(e, option, value);
  };
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PRIVATE, static_cast<void*>(&r));
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROTOCOLS_STR, "http");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http");  // "" is refused; redirects are off anyway
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_PROXY, "");
  set(CURLOPT_NOPROXY, "*");
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  set(CURLOPT_HTTPGET, 1L);
  set(CURLOPT_PATH_AS_IS, 1L);  // the request-target exactly as the CPE wrote it
  set(CURLOPT_USERAGENT, kUserAgent);
  set(CURLOPT_HTTPAUTH, static_cast<long>(r.target.basic ? CURLAUTH_BASIC : CURLAUTH_DIGEST));
  set(CURLOPT_USERNAME, r.target.username.c_str());
  set(CURLOPT_PASSWORD, r.target.password.c_str());
  set(CURLOPT_UNRESTRICTED_AUTH, 0L);
  set(CURLOPT_TIMEOUT_MS, timeout_ms);
  set(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  set(CURLOPT_FORBID_REUSE, 1L);  // one connection per request: nothing shared between devices
  set(CURLOPT_FRESH_CONNECT, 1L);
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&r));
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&r));
  set(CURLOPT_OPENSOCKETFUNCTION, &OnOpenSocket);
  set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&r));
  set(CURLOPT_ERRORBUFFER, static_cast<char*>(r.error));
  if (r.connect_to) set(CURLOPT_CONNECT_TO, r.connect_to);
  return c;
}

std::string ConnectFailure(long os_errno, const char* curl_error) {
  switch (os_errno) {
    case ECONNREFUSED:
      return "connection refused";
    case ENETUNREACH:
      return "network unreachable";
    case EHOSTUNREACH:
      return "host unreachable";
    case ETIMEDOUT:
      return "connect timed out";
    default:
      return std::string("connect failed: ") + Printable(curl_error, 200);
  }
}

class CurlConnectionRequester final : public ConnectionRequester {
 public:
  CurlConnectionRequester(const config::ConnectionRequestConfig& config, std::vector<IpNetwork> allowed,
                          std::vector<IpNetwork> denied, CURLM* multi, metrics::MetricsRegistry* metrics)
      : config_(config),
        allowed_(std::move(allowed)),
        denied_(std::move(denied)),
        multi_(multi),
        log_(spdlog::get("connreq") ? spdlog::get("connreq") : spdlog::default_logger()->clone("connreq")) {
    if (metrics) {
      for (Outcome o : kAllOutcomes) {
        outcome_counters_[static_cast<size_t>(o)] =
            &metrics->GetCounter("ruru_connection_requests_total", "connection requests by outcome",
                                 {{"outcome", std::string(ToString(o))}});
      }
      seconds_ = &metrics->GetHistogram("ruru_connection_request_seconds",
                                        "connection request time on the wire (queueing excluded)",
                                        {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
      in_flight_gauge_ = &metrics->GetGauge("ruru_connection_requests_in_flight", "connection requests being sent now");
    }
    thread_ = std::thread([this] { Run(); });
    if (config_.allow_hostnames) resolver_ = std::thread([this] { Resolve(); });
  }

  ~CurlConnectionRequester() override {
    Stop();
    if (thread_.joinable()) thread_.join();  // Stop from a callback could not join
    curl_multi_cleanup(multi_);
  }

  void Send(ConnectionRequestTarget target, Callback done) override {
    auto r = std::make_unique<Request>();
    r->submitted = SteadyClock::now();
    r->allowed = &allowed_;
    r->denied = &denied_;
    Result<ParsedUrl> parsed = ParseUrl(target.url, allowed_, denied_, config_.allow_hostnames);
    r->target = std::move(target);
    r->done = std::move(done);
    if (!parsed) {
      Complete(*r, {Outcome::kRefusedUrl, 0, parsed.error().message, {}});
      return;
    }
    r->url = std::move(parsed->url);
    r->needs_resolution = parsed->is_name;
    const bool resolve = r->needs_resolution;
    std::optional<ConnectionRequestResult> at_once;
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        at_once = ConnectionRequestResult{Outcome::kUnreachable, 0, "stopped", {}};
      } else if (pending_.size() + resolving_.size() + in_flight_ >= config_.max_concurrent + config_.max_queue) {
        at_once = ConnectionRequestResult{Outcome::kBusy,
                                          0,
                                          "busy: " + std::to_string(config_.max_concurrent) + " in flight and " +
                                              std::to_string(config_.max_queue) + " queued",
                                          {}};
      } else if (resolve) {
        resolving_.push_back(std::move(r));
      } else {
        pending_.push_back(std::move(r));
      }
    }
    if (at_once) {
      Complete(*r, std::move(*at_once));
    } else if (resolve) {
      resolver_cv_.notify_one();
    } else {
      curl_multi_wakeup(multi_);
    }
  }

  void Stop() override {
    if (stop_called_.exchange(true)) return;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    resolver_cv_.notify_all();
    // The resolver first: once it is gone nothing can enter the queues the curl thread drains.
    if (resolver_.joinable()) resolver_.join();
    {
      std::lock_guard lock(mu_);
      exit_ = true;
    }
    curl_multi_wakeup(multi_);
    if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
  }

  Stats GetStats() const override {
    std::lock_guard lock(mu_);
    return Stats{in_flight_, pending_.size() + resolving_.size(), sent_};
  }

 private:
  // The resolver thread: blocking getaddrinfo, one name at a time, off the callers' threads.
  void Resolve() {
    std::unique_lock lock(mu_);
    for (;;) {
      resolver_cv_.wait(lock, [this] { return stopping_ || !resolving_.empty(); });
      if (stopping_) return;  // what is left in resolving_ is completed by the curl thread
      std::unique_ptr<Request> r = std::move(resolving_.front());
      resolving_.pop_front();
      lock.unlock();
      if (Status s = ResolveAndCheck(r->target.url, r->url, allowed_, denied_); !s.ok()) r->refused = s.error();
      lock.lock();
      pending_.push_back(std::move(r));
      curl_multi_wakeup(multi_);
    }
  }

  // The curl thread.
  void Run() {
    for (;;) {
      std::vector<std::unique_ptr<Request>> starting, refused;
      {
        std::lock_guard lock(mu_);
        if (exit_) break;
        while (!pending_.empty() && (pending_.front()->refused || in_flight_ < config_.max_concurrent)) {
          std::unique_ptr<Request> r = std::move(pending_.front());
          pending_.pop_front();
          if (r->refused) {
            refused.push_back(std::move(r));
          } else {
            ++in_flight_;
            ++sent_;
            starting.push_back(std::move(r));
          }
        }
      }
      for (auto& r : refused) Complete(*r, {Outcome::kRefusedUrl, 0, r->refused->message, {}});
      for (auto& r : starting) StartTransfer(std::move(r));
      int running = 0;
      curl_multi_perform(multi_, &running);
      if (ReapFinished() > 0) continue;  // slots came free: start what waits before sleeping
      curl_multi_poll(multi_, nullptr, 0, kPollMs, nullptr);
    }
    // exit_: everything left ends as "stopped".
    for (auto& [easy, r] : active_) {
      curl_multi_remove_handle(multi_, easy);
      Finished(*r, {Outcome::kUnreachable, 0, "stopped", {}});
    }
    active_.clear();
    std::deque<std::unique_ptr<Request>> left;
    {
      std::lock_guard lock(mu_);
      left.swap(pending_);
      for (auto& r : resolving_) left.push_back(std::move(r));
      resolving_.clear();
    }
    for (auto& r : left) {
      if (r->refused) {
        Complete(*r, {Outcome::kRefusedUrl, 0, r->refused->message, {}});
      } else {
        Complete(*r, {Outcome::kUnreachable, 0, "stopped", {}});
      }
    }
  }

  void StartTransfer(std::unique_ptr<Request> r) {
    r->started = SteadyClock::now();
    if (in_flight_gauge_) in_flight_gauge_->Add(1);
    r->easy = curl_easy_init();
    CURLcode c = r->easy ? Configure(r->easy, *r, config_) : CURLE_FAILED_INIT;
    CURLMcode m = CURLM_OK;
    if (c == CURLE_OK) m = curl_multi_add_handle(multi_, r->easy);
    if (c != CURLE_OK || m != CURLM_OK) {
      const std::string why = c != CURLE_OK ? curl_easy_strerror(c) : curl_multi_strerror(m);
      Finished(*r, {Outcome::kUnreachable, 0, "internal: libcurl: " + why, {}});
      return;
    }
    CURL* easy = r->easy;
    active_.emplace(easy, std::move(r));
  }

  // Collects transfers curl has finished; returns how many.
  int ReapFinished() {
    int finished = 0;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode code = msg->data.result;  // msg dies with the remove below
      curl_multi_remove_handle(multi_, easy);
      auto it = active_.find(easy);
      if (it == active_.end()) continue;
      std::unique_ptr<Request> r = std::move(it->second);
      active_.erase(it);
      Finished(*r, Classify(*r, code));
      ++finished;
    }
    return finished;
  }

  ConnectionRequestResult Classify(Request& r, CURLcode code) const {
    ConnectionRequestResult out;
    long status = 0;
    curl_easy_getinfo(r.easy, CURLINFO_RESPONSE_CODE, &status);
    if (!r.refused_address.empty()) {
      out.outcome = Outcome::kRefusedUrl;
      out.detail = "curl tried to connect to " + r.refused_address + ", which was not validated; refused";
      return out;
    }
    if ((code == CURLE_OK || (code == CURLE_WRITE_ERROR && r.body_cut)) && status > 0) {
      out.http_status = static_cast<int>(status);
      if (status >= 200 && status < 300) {
        out.outcome = Outcome::kOk;
        out.detail = std::to_string(status);
      } else if (status == 401) {
        out.outcome = Outcome::kAuthFailed;
        if (r.target.basic || IContains(r.www_authenticate, "digest")) {
          out.detail = std::string("401: the CPE refused the connection-request credentials (") +
                       (r.target.basic ? "Basic" : "Digest") + ")";
        } else {
          out.detail = "401 without a Digest challenge (WWW-Authenticate: " + Printable(r.www_authenticate, 100) +
                       "); a Basic-only model belongs in connection_request.basic_auth_models";
        }
      } else {
        out.outcome = Outcome::kHttpError;
        out.detail =
            "HTTP " + std::to_string(status) + (status >= 300 && status < 400 ? " (redirect not followed)" : "");
      }
      return out;
    }
    long os_errno = 0;
    curl_easy_getinfo(r.easy, CURLINFO_OS_ERRNO, &os_errno);
    curl_off_t connect_us = 0;
    curl_easy_getinfo(r.easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    out.outcome = Outcome::kUnreachable;
    switch (code) {
      case CURLE_COULDNT_CONNECT:
        out.detail = ConnectFailure(os_errno, r.error);
        break;
      case CURLE_OPERATION_TIMEDOUT:
        if (connect_us == 0) {
          out.detail = "connect timed out after " + FormatSeconds(std::min(config_.connect_timeout, config_.timeout));
        } else {
          out.detail = "no answer within " + FormatSeconds(config_.timeout);
        }
        break;
      case CURLE_GOT_NOTHING:
        out.detail = "the connection was closed without an answer";
        break;
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
        out.detail = "connection lost: " + Printable(r.error, 200);
        break;
      case CURLE_WEIRD_SERVER_REPLY:
      case CURLE_BAD_CONTENT_ENCODING:
      case CURLE_PARTIAL_FILE:
        out.outcome = Outcome::kHttpError;
        out.http_status = static_cast<int>(status);
        out.detail = "malformed answer: " + Printable(r.error[0] ? r.error : curl_easy_strerror(code), 200);
        break;
      default:
        out.detail = std::string(curl_easy_strerror(code)) + (r.error[0] ? ": " + Printable(r.error, 200) : "");
        break;
    }
    return out;
  }

  // A transfer that was started (counted in flight) ends.
  void Finished(Request& r, ConnectionRequestResult result) {
    {
      std::lock_guard lock(mu_);
      --in_flight_;
    }
    if (in_flight_gauge_) in_flight_gauge_->Add(-1);
    if (seconds_) seconds_->Observe(std::chrono::duration<double>(SteadyClock::now() - r.started).count());
    Complete(r, std::move(result));
  }

  void Complete(Request& r, ConnectionRequestResult result) {
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - r.submitted);
    if (metrics::Counter* c = outcome_counters_[static_cast<size_t>(result.outcome)]) c->Inc();
    const std::string label = Printable(r.target.label, 128);
    if (result.outcome == Outcome::kOk) {
      log_->debug("connection request {}: ok, HTTP {} in {} ms", label, result.http_status, result.elapsed.count());
    } else {
      log_->info("connection request {}: {} after {} ms: {}", label, ToString(result.outcome), result.elapsed.count(),
                 result.detail);
    }
    if (!r.done) return;
    Callback done = std::move(r.done);
    try {
      done(std::move(result));
    } catch (const std::exception& e) {
      log_->error("connection request {}: the completion callback threw: {}", label, e.what());
    } catch (...) {
      log_->error("connection request {}: the completion callback threw", label);
    }
  }

  const config::ConnectionRequestConfig config_;
  const std::vector<IpNetwork> allowed_;
  const std::vector<IpNetwork> denied_;
  CURLM* const multi_;
  std::shared_ptr<spdlog::logger> log_;
  std::array<metrics::Counter*, std::size(kAllOutcomes)> outcome_counters_{};
  metrics::Histogram* seconds_ = nullptr;
  metrics::Gauge* in_flight_gauge_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable resolver_cv_;
  std::deque<std::unique_ptr<Request>> pending_;    // validated, waiting for a slot
  std::deque<std::unique_ptr<Request>> resolving_;  // host names waiting for the resolver
  uint64_t in_flight_ = 0;
  uint64_t sent_ = 0;
  bool stopping_ = false;  // no more Sends; the resolver ends
  bool exit_ = false;      // the curl thread ends
  std::atomic<bool> stop_called_{false};

  std::unordered_map<CURL*, std::unique_ptr<Request>> active_;  // curl thread only
  std::thread thread_;
  std::thread resolver_;
};

// A transfer handle with every option set, so a libcurl that lacks one fails Start rather than
// every request.
Status ProbeCurlOptions(const config::ConnectionRequestConfig& config) {
  Request probe;
  probe.url.host = "127.0.0.1";
  probe.url.addresses = {"127.0.0.1"};
  probe.url.path_and_query = "/";
  probe.easy = curl_easy_init();
  if (probe.easy == nullptr) return Unavailable("libcurl: curl_easy_init failed");
  if (CURLcode c = Configure(probe.easy, probe, config); c != CURLE_OK) {
    return Unavailable(std::string("libcurl refuses a connection-request option: ") + curl_easy_strerror(c));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ConnectionRequester>> ConnectionRequester::Start(const config::ConnectionRequestConfig& config,
                                                                        metrics::MetricsRegistry* metrics) {
  Result<std::vector<IpNetwork>> allowed = ParseNetworks(config.allowed_networks);
  if (!allowed) return InvalidArgument("connection_request.allowed_networks: " + allowed.error().message);
  Result<std::vector<IpNetwork>> denied = ParseNetworks(config.denied_networks);
  if (!denied) return InvalidArgument("connection_request.denied_networks: " + denied.error().message);
  if (config.max_concurrent == 0) return InvalidArgument("connection_request.max_concurrent must be > 0");

  // curl_global_init is not thread-safe before 7.84: once, whoever starts first.
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) return Unavailable(std::string("libcurl: ") + curl_easy_strerror(global));
  const curl_version_info_data* version = curl_version_info(CURLVERSION_NOW);
  if (version == nullptr || version->version_num < 0x074400) {  // curl_multi_wakeup
    return Unavailable("libcurl 7.68 or newer is needed for connection requests");
  }
  if (Status s = ProbeCurlOptions(config); !s.ok()) return s.error();
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return Unavailable("libcurl: curl_multi_init failed");
  return std::unique_ptr<ConnectionRequester>(
      new CurlConnectionRequester(config, std::move(*allowed), std::move(*denied), multi, metrics));
}

}  // namespace ruru::acs::connreq
