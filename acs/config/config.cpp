#include "acs/config/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "acs/access/permissions.h"
#include "base/ip_network.h"
#include "base/strings.h"

namespace ruru::acs::config {
namespace {

using Setter = std::function<Status(Config&, const std::string&)>;
using Getter = std::function<std::string(const Config&)>;

struct Field {
  std::string key;
  std::string help;
  Setter set;
  Getter get;
  bool secret = false;
};

// A configuration line's text without surrounding white space (any isspace() character).
std::string Stripped(std::string_view s) { return std::string(Trim(s, kSpaces)); }

Result<uint64_t> ParseCount(const std::string& v) {
  uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty()) return InvalidArgument("not a number: '" + v + "'");
  return out;
}

// "30", "30s", "5m", "250ms", "2h".
Result<std::chrono::milliseconds> ParseDuration(const std::string& v) {
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  if (i == 0) return InvalidArgument("not a duration: '" + v + "' (e.g. 30s, 250ms, 5m)");
  auto n = ParseCount(v.substr(0, i));
  if (!n) return n.error();
  const std::string unit = v.substr(i);
  if (unit.empty() || unit == "s") return std::chrono::milliseconds(*n * 1000);
  if (unit == "ms") return std::chrono::milliseconds(*n);
  if (unit == "m") return std::chrono::milliseconds(*n * 60000);
  if (unit == "h") return std::chrono::milliseconds(*n * 3600000);
  if (unit == "d") {
    if (*n > 36500) return InvalidArgument("duration too long: '" + v + "' (at most 36500d)");
    return std::chrono::milliseconds(*n * 86400000);
  }
  return InvalidArgument("unknown duration unit in '" + v + "' (ms, s, m, h, d)");
}

Result<bool> ParseBool(const std::string& v) {
  std::string l = v;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "true" || l == "yes" || l == "on" || l == "1") return true;
  if (l == "false" || l == "no" || l == "off" || l == "0") return false;
  return InvalidArgument("not a boolean: '" + v + "' (true/false)");
}

template <class T>
Field Str(std::string key, std::string help, T Config::*section, std::string T::*member, bool secret = false) {
  return {key, help,
          [=](Config& c, const std::string& v) {
            (c.*section).*member = v;
            return Status::Ok();
          },
          [=](const Config& c) { return (c.*section).*member; }, secret};
}

template <class T, class N>
Field Num(std::string key, std::string help, T Config::*section, N T::*member) {
  return {key, help,
          [=](Config& c, const std::string& v) -> Status {
            auto n = ParseCount(v);
            if (!n) return n.error();
            if (*n > static_cast<uint64_t>(std::numeric_limits<N>::max())) return InvalidArgument("too large: " + v);
            (c.*section).*member = static_cast<N>(*n);
            return Status::Ok();
          },
          [=](const Config& c) { return std::to_string((c.*section).*member); }};
}

template <class T>
Field Flag(std::string key, std::string help, T Config::*section, bool T::*member) {
  return {key, help,
          [=](Config& c, const std::string& v) -> Status {
            auto b = ParseBool(v);
            if (!b) return b.error();
            (c.*section).*member = *b;
            return Status::Ok();
          },
          [=](const Config& c) { return std::string((c.*section).*member ? "true" : "false"); }};
}

template <class T, class D>
Field Dur(std::string key, std::string help, T Config::*section, D T::*member) {
  return {key, help,
          [=](Config& c, const std::string& v) -> Status {
            auto d = ParseDuration(v);
            if (!d) return d.error();
            (c.*section).*member = std::chrono::duration_cast<D>(*d);
            return Status::Ok();
          },
          [=](const Config& c) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>((c.*section).*member).count();
            return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
          }};
}

template <class T, class E>
Field Enum(std::string key, std::string help, T Config::*section, E T::*member,
           std::vector<std::pair<std::string, E>> names) {
  return {key, help,
          [=](Config& c, const std::string& v) -> Status {
            for (const auto& [name, value] : names) {
              if (name == v) {
                (c.*section).*member = value;
                return Status::Ok();
              }
            }
            std::string all;
            for (const auto& n : names) all += (all.empty() ? "" : ", ") + n.first;
            return InvalidArgument("'" + v + "' is not one of: " + all);
          },
          [=](const Config& c) {
            for (const auto& [name, value] : names) {
              if ((c.*section).*member == value) return name;
            }
            return std::string("?");
          }};
}

// [cwmp]
void AddCwmpFields(std::vector<Field>& f) {
  using C = CwmpConfig;
  f.push_back(Str("cwmp.listen", "address:port of the CWMP endpoint", &Config::cwmp, &C::listen));
  f.push_back(Str("cwmp.path", "request path CPEs POST to (\"/\" accepts any path)", &Config::cwmp, &C::path));
  f.push_back(Str("cwmp.realm", "HTTP authentication realm (part of stored verifiers: never change it later)",
                  &Config::cwmp, &C::realm));
  f.push_back(Enum("cwmp.auth", "challenge sent to CPEs: digest, basic or both", &Config::cwmp, &C::auth,
                   {{"digest", AuthOffer::kDigest}, {"basic", AuthOffer::kBasic}, {"both", AuthOffer::kBoth}}));
  f.push_back(Flag("cwmp.allow_basic", "accept Basic credentials", &Config::cwmp, &C::allow_basic));
  f.push_back(Enum("cwmp.onboarding",
                   "open: any credentials may register or re-bootstrap a device; shared: only the onboarding "
                   "credential; off: only per-device credentials",
                   &Config::cwmp, &C::onboarding,
                   {{"open", Onboarding::kOpen}, {"shared", Onboarding::kShared}, {"off", Onboarding::kOff}}));
  f.push_back(Str("cwmp.onboarding_username", "shared onboarding username", &Config::cwmp, &C::onboarding_username));
  f.push_back(Str("cwmp.onboarding_password", "shared onboarding password (may be empty)", &Config::cwmp,
                  &C::onboarding_password, true));
  f.push_back(Enum("cwmp.unknown_devices", "register or reject Informs from devices not in the inventory",
                   &Config::cwmp, &C::unknown_devices,
                   {{"register", UnknownDevices::kRegister}, {"reject", UnknownDevices::kReject}}));
  f.push_back(Num("cwmp.io_threads", "I/O threads (0: one per core)", &Config::cwmp, &C::io_threads));
  f.push_back(Num("cwmp.max_connections", "open CWMP connections; accepting pauses beyond", &Config::cwmp,
                  &C::max_connections));
  f.push_back(
      Num("cwmp.max_sessions", "concurrent sessions; new ones get 503 beyond", &Config::cwmp, &C::max_sessions));
  f.push_back(Num("cwmp.max_connections_per_ip", "connections per source address (0: no cap)", &Config::cwmp,
                  &C::max_connections_per_ip));
  f.push_back(Num("cwmp.max_header_bytes", "request header limit (431 beyond)", &Config::cwmp, &C::max_header_bytes));
  f.push_back(Num("cwmp.max_body_bytes", "request body limit (413 beyond)", &Config::cwmp, &C::max_body_bytes));
  f.push_back(Dur("cwmp.read_timeout", "a request must arrive whole within this", &Config::cwmp, &C::read_timeout));
  f.push_back(Dur("cwmp.idle_timeout", "keep-alive idle time between requests", &Config::cwmp, &C::idle_timeout));
  f.push_back(Dur("cwmp.session_timeout", "a session idle this long is abandoned", &Config::cwmp, &C::session_timeout));
  f.push_back(Dur("cwmp.retry_after", "Retry-After of 503 answers", &Config::cwmp, &C::retry_after));
  f.push_back(Dur("cwmp.drain_timeout", "on SIGTERM, longest wait for open sessions to finish", &Config::cwmp,
                  &C::drain_timeout));
  f.push_back(Str("cwmp.tls_cert_file", "PEM certificate and chain; with tls_key_file the endpoint speaks HTTPS only",
                  &Config::cwmp, &C::tls_cert_file));
  f.push_back(Str("cwmp.tls_key_file", "PEM private key of that certificate", &Config::cwmp, &C::tls_key_file));
  f.push_back(Enum("cwmp.tls_min_version", "lowest TLS version accepted: 1.2 or 1.3", &Config::cwmp,
                   &C::tls_min_version, {{"1.2", std::string("1.2")}, {"1.3", std::string("1.3")}}));
  f.push_back(Enum(
      "cwmp.tls_client_certs", "CPE client certificates: off, optional (verified when a CPE sends one) or required",
      &Config::cwmp, &C::tls_client_certs,
      {{"off", ClientCerts::kOff}, {"optional", ClientCerts::kOptional}, {"required", ClientCerts::kRequired}}));
  f.push_back(Str("cwmp.tls_client_ca_file", "PEM CAs that issue the CPEs' client certificates", &Config::cwmp,
                  &C::tls_client_ca_file));
  f.push_back(Str("cwmp.tls_client_crl_file",
                  "PEM certificate revocation lists of those CAs (one current CRL per CA); revoked client "
                  "certificates are refused; reloaded on SIGHUP",
                  &Config::cwmp, &C::tls_client_crl_file));
  f.push_back(Str("cwmp.tls_ticket_key_file",
                  "TLS session-ticket key (160 hex digits) shared by every node, so a CPE resumes on any node "
                  "and after a restart; reloaded on SIGHUP (default: random per process)",
                  &Config::cwmp, &C::tls_ticket_key_file));
}

// [credentials]
void AddCredentialsFields(std::vector<Field>& f) {
  using K = CredentialsConfig;
  f.push_back(Flag("credentials.rotate_on_bootstrap",
                   "give each device its own CWMP and connection-request credentials", &Config::credentials,
                   &K::rotate_on_bootstrap));
  f.push_back(Str("credentials.key_file", "file holding the secret key (64 hex digits) for stored CR passwords",
                  &Config::credentials, &K::key_file));
  f.push_back(Str("credentials.key_id", "id of that key", &Config::credentials, &K::key_id));
  f.push_back(Str("credentials.old_keys_file", "file of \"id hexkey\" lines still accepted for decryption",
                  &Config::credentials, &K::old_keys_file));
  f.push_back(Str("credentials.nonce_key_file", "Digest nonce key file (hex), the same on every node",
                  &Config::credentials, &K::nonce_key_file));
  f.push_back(Dur("credentials.cache_ttl", "credential cache entry lifetime", &Config::credentials, &K::cache_ttl));
  f.push_back(
      Num("credentials.cache_max_entries", "bound on cached usernames", &Config::credentials, &K::cache_max_entries));
}

// [database]
void AddDatabaseFields(std::vector<Field>& f) {
  using D = DatabaseConfig;
  f.push_back(Str("database.dsn", "PostgreSQL connection string or URI", &Config::database, &D::dsn, true));
  f.push_back(Num("database.pool_size", "connections for lookups", &Config::database, &D::pool_size));
  f.push_back(Num("database.batch_writers", "parallel inform-batch writers", &Config::database, &D::batch_writers));
  f.push_back(Dur("database.batch_flush", "longest wait before a partial batch is written", &Config::database,
                  &D::batch_flush));
  f.push_back(Num("database.batch_max", "informs per batch", &Config::database, &D::batch_max));
  f.push_back(Num("database.batch_queue", "queued informs beyond this get 503", &Config::database, &D::batch_queue));
  f.push_back(Dur("database.duplicate_window", "same DeviceId from two peers within this is suspect", &Config::database,
                  &D::duplicate_window));
  f.push_back(Num("database.event_retention_days", "inform events kept this many days", &Config::database,
                  &D::event_retention_days));
  f.push_back(Num("database.audit_retention_days",
                  "audit log kept at least this many days (whole months are dropped after it)", &Config::database,
                  &D::audit_retention_days));
  f.push_back(Num("database.ip_history_retention_days",
                  "past device addresses (ip_history) kept this many days after they ended", &Config::database,
                  &D::ip_history_retention_days));
  f.push_back(Dur("database.statement_timeout", "per statement", &Config::database, &D::statement_timeout));
}

// [admin]
void AddAdminFields(std::vector<Field>& f) {
  using A = AdminConfig;
  f.push_back(
      Str("admin.listen", "address:port of /metrics, /healthz, /readyz and the REST API", &Config::admin, &A::listen));
  f.push_back(Str("admin.token_file", "API token file acsctl reads (acsd itself only stores token hashes)",
                  &Config::admin, &A::token_file));
  f.push_back(Str("admin.tls_cert_file",
                  "PEM certificate and chain; with tls_key_file the admin listener speaks HTTPS only", &Config::admin,
                  &A::tls_cert_file));
  f.push_back(Str("admin.tls_key_file", "PEM private key of that certificate", &Config::admin, &A::tls_key_file));
  f.push_back(Str("admin.tls_ca_file", "PEM CA acsctl trusts for the admin listener (acsd does not read it)",
                  &Config::admin, &A::tls_ca_file));
}

// [connection_request]
void AddConnectionRequestFields(std::vector<Field>& f) {
  using R = ConnectionRequestConfig;
  f.push_back(Dur("connection_request.timeout", "whole connection request (connect, Digest, answer)",
                  &Config::connection_request, &R::timeout));
  f.push_back(Dur("connection_request.connect_timeout", "TCP connect of a connection request",
                  &Config::connection_request, &R::connect_timeout));
  f.push_back(Num("connection_request.max_concurrent", "connection requests in flight", &Config::connection_request,
                  &R::max_concurrent));
  f.push_back(Num("connection_request.max_queue", "connection requests waiting beyond that (more: busy)",
                  &Config::connection_request, &R::max_queue));
  f.push_back(Str("connection_request.allowed_networks", "CIDRs a ConnectionRequestURL may point into",
                  &Config::connection_request, &R::allowed_networks));
  f.push_back(Str("connection_request.denied_networks", "CIDRs it may never point into (wins over allowed)",
                  &Config::connection_request, &R::denied_networks));
  f.push_back(Flag("connection_request.allow_hostnames", "accept host names in ConnectionRequestURL",
                   &Config::connection_request, &R::allow_hostnames));
  f.push_back(Str("connection_request.basic_auth_models",
                  "OUI:ProductClass list (ProductClass may be *) whose CR server only speaks Basic",
                  &Config::connection_request, &R::basic_auth_models));
}

// [tasks]
void AddTasksFields(std::vector<Field>& f) {
  using T = TasksConfig;
  f.push_back(Dur("tasks.default_expiry", "a task not finished by then expires", &Config::tasks, &T::default_expiry));
  f.push_back(Dur("tasks.max_expiry", "longest expires_in an API client may ask for", &Config::tasks, &T::max_expiry));
  f.push_back(
      Num("tasks.default_max_attempts", "RPCs sent per task at most", &Config::tasks, &T::default_max_attempts));
  f.push_back(
      Dur("tasks.retry_base", "back-off after a transient fault (doubles each time)", &Config::tasks, &T::retry_base));
  f.push_back(Dur("tasks.retry_max", "longest back-off", &Config::tasks, &T::retry_max));
  f.push_back(Num("tasks.max_per_session", "tasks one session claims at a time", &Config::tasks, &T::max_per_session));
  f.push_back(
      Num("tasks.refresh_batch", "names per GetParameterValues of a refresh", &Config::tasks, &T::refresh_batch));
  f.push_back(Num("tasks.max_refresh_parameters", "largest subtree a refresh reads", &Config::tasks,
                  &T::max_refresh_parameters));
  f.push_back(Dur("tasks.expiry_interval", "how often expired tasks are swept", &Config::tasks, &T::expiry_interval));
  f.push_back(Str("tasks.node_id", "this node's name in task claims (default host:cwmp-port; unique per node)",
                  &Config::tasks, &T::node_id));
}

// [api]
void AddApiFields(std::vector<Field>& f) {
  using P = ApiConfig;
  f.push_back(Num("api.max_body_bytes", "REST API request body limit", &Config::api, &P::max_body_bytes));
  f.push_back(Dur("api.max_wait", "longest ?wait= of a task creation", &Config::api, &P::max_wait));
  f.push_back(
      Dur("api.token_cache_ttl", "a revoked token stops working within this", &Config::api, &P::token_cache_ttl));
  f.push_back(Dur("api.online_grace", "online: last Inform within 2 x periodic interval + this", &Config::api,
                  &P::online_grace));
  f.push_back(Num("api.max_bulk_devices", "devices one bulk tag call may change", &Config::api, &P::max_bulk_devices));
  f.push_back(Dur("api.token_default_lifetime", "lifetime of a token created through the API without expires_in",
                  &Config::api, &P::token_default_lifetime));
  f.push_back(Dur("api.token_max_lifetime", "longest lifetime of a token created through the API", &Config::api,
                  &P::token_max_lifetime));
  f.push_back(Num("api.rate_limit_per_second", "requests per token and second, sustained, per node (0: no limit)",
                  &Config::api, &P::rate_limit_per_second));
  f.push_back(Num("api.rate_limit_burst", "requests per token at once", &Config::api, &P::rate_limit_burst));
  f.push_back(Str("api.two_person_actions",
                  "comma-separated actions whose calls wait for a second person's approval (docs/security.md)",
                  &Config::api, &P::two_person_actions));
  f.push_back(
      Dur("api.approval_ttl", "a pending approval not decided by then expires", &Config::api, &P::approval_ttl));
}

// [log]
void AddLogFields(std::vector<Field>& f) {
  using L = LogConfig;
  f.push_back(Str("log.level", "trace, debug, info, warn or error", &Config::log, &L::level));
}

// Every key, in the order `acsd config keys` and Dump() show them.
const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = [] {
    std::vector<Field> f;
    AddCwmpFields(f);
    AddCredentialsFields(f);
    AddDatabaseFields(f);
    AddAdminFields(f);
    AddConnectionRequestFields(f);
    AddTasksFields(f);
    AddApiFields(f);
    AddLogFields(f);
    return f;
  }();
  return fields;
}

std::string EnvName(const std::string& key) {
  std::string out = "RURU_";
  for (char c : key) out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

const Field* FindField(const std::string& key) {
  for (const Field& f : Fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

Status SetKey(Config& c, const std::string& key, const std::string& value, const std::string& origin) {
  const Field* f = FindField(key);
  if (f == nullptr) return InvalidArgument(origin + ": unknown key '" + key + "'");
  if (Status st = f->set(c, value); !st.ok()) return InvalidArgument(origin + ": " + key + ": " + st.error().message);
  return Status::Ok();
}

}  // namespace

std::vector<ConfigKeyInfo> ConfigKeys() {
  std::vector<ConfigKeyInfo> out;
  const Config defaults;
  for (const Field& f : Fields()) out.push_back({f.key, EnvName(f.key), f.help, f.secret ? "" : f.get(defaults)});
  return out;
}

Result<Config> ParseConfigText(const std::string& text, const std::string& origin, Config base) {
  std::istringstream in(text);
  std::string line, section;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string where = origin + ":" + std::to_string(n);
    std::string t = Stripped(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']') return InvalidArgument(where + ": bad section header");
      section = Stripped(std::string_view(t).substr(1, t.size() - 2));
      continue;
    }
    const size_t eq = t.find('=');
    if (eq == std::string::npos) return InvalidArgument(where + ": expected key = value");
    const std::string key = Stripped(std::string_view(t).substr(0, eq));
    std::string value = Stripped(std::string_view(t).substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (section.empty()) return InvalidArgument(where + ": key outside a [section]");
    if (Status st = SetKey(base, section + "." + key, value, where); !st.ok()) return st.error();
  }
  return base;
}

Result<Config> LoadConfig(const std::string& file, const std::map<std::string, std::string>& env,
                          const std::vector<std::string>& overrides) {
  Config c;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return InvalidArgument("cannot read config file " + file);
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = ParseConfigText(ss.str(), file, c);
    if (!parsed) return parsed.error();
    c = std::move(*parsed);
  }
  for (const Field& f : Fields()) {
    auto it = env.find(EnvName(f.key));
    if (it == env.end()) continue;
    if (Status st = SetKey(c, f.key, it->second, "environment " + it->first); !st.ok()) return st.error();
  }
  for (const std::string& o : overrides) {
    const size_t eq = o.find('=');
    if (eq == std::string::npos) return InvalidArgument("--set " + o + ": expected section.key=value");
    if (Status st = SetKey(c, Stripped(o.substr(0, eq)), Stripped(o.substr(eq + 1)), "--set"); !st.ok())
      return st.error();
  }
  if (Status st = Validate(c); !st.ok()) return st.error();
  return c;
}

Result<HostPort> ParseHostPort(const std::string& text) {
  HostPort hp;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return InvalidArgument("'" + text + "': expected [ipv6]:port");
    }
    hp.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return InvalidArgument("'" + text + "': expected host:port");
    hp.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto n = ParseCount(port);
  if (!n || *n > 65535 || hp.host.empty()) return InvalidArgument("'" + text + "': bad host or port");
  hp.port = static_cast<uint16_t>(*n);
  return hp;
}

Result<std::vector<std::string>> TwoPersonActions(const ApiConfig& api) {
  std::vector<std::string> out;
  std::string_view rest = api.two_person_actions;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string item(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.erase(0, 1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    if (item.empty()) continue;
    const access::Permission* p = access::FindPermission(item);
    if (p == nullptr) return InvalidArgument("api.two_person_actions: unknown action '" + item + "'");
    if (!p->changes_state) {
      return InvalidArgument("api.two_person_actions: '" + item + "' changes nothing: only changes need approval");
    }
    if (item.rfind("approvals.", 0) == 0) return InvalidArgument("api.two_person_actions: approvals cannot need approval");
    out.push_back(std::move(item));
  }
  return out;
}

Status Validate(const Config& c) {
  if (c.database.dsn.empty()) return InvalidArgument("database.dsn is required (or RURU_DATABASE_DSN)");
  if (auto hp = ParseHostPort(c.cwmp.listen); !hp) return InvalidArgument("cwmp.listen: " + hp.error().message);
  if (auto hp = ParseHostPort(c.admin.listen); !hp) return InvalidArgument("admin.listen: " + hp.error().message);
  if (c.cwmp.path.empty() || c.cwmp.path.front() != '/') return InvalidArgument("cwmp.path must start with '/'");
  if (c.cwmp.realm.empty() || c.cwmp.realm.find('"') != std::string::npos) {
    return InvalidArgument("cwmp.realm must be non-empty and contain no '\"'");
  }
  if (c.cwmp.max_sessions == 0 || c.cwmp.max_connections == 0) {
    return InvalidArgument("cwmp.max_sessions and cwmp.max_connections must be > 0");
  }
  if (c.cwmp.max_header_bytes < 1024 || c.cwmp.max_body_bytes < 4096) {
    return InvalidArgument("cwmp.max_header_bytes must be >= 1024 and cwmp.max_body_bytes >= 4096");
  }
  if (c.cwmp.read_timeout.count() <= 0 || c.cwmp.idle_timeout.count() <= 0 || c.cwmp.session_timeout.count() <= 0) {
    return InvalidArgument("cwmp timeouts must be > 0");
  }
  if (c.cwmp.onboarding == Onboarding::kShared && c.cwmp.onboarding_username.empty() &&
      c.cwmp.unknown_devices == UnknownDevices::kRegister) {
    return InvalidArgument(
        "cwmp.onboarding = shared with cwmp.unknown_devices = register needs cwmp.onboarding_username");
  }
  if (c.cwmp.tls_cert_file.empty() != c.cwmp.tls_key_file.empty()) {
    return InvalidArgument("cwmp.tls_cert_file and cwmp.tls_key_file go together (both or neither)");
  }
  if (c.cwmp.tls_client_certs != ClientCerts::kOff) {
    if (c.cwmp.tls_cert_file.empty()) return InvalidArgument("cwmp.tls_client_certs needs cwmp.tls_cert_file (HTTPS)");
    if (c.cwmp.tls_client_ca_file.empty()) return InvalidArgument("cwmp.tls_client_certs needs cwmp.tls_client_ca_file");
  } else if (!c.cwmp.tls_client_crl_file.empty()) {
    return InvalidArgument("cwmp.tls_client_crl_file needs cwmp.tls_client_certs = optional or required");
  }
  if (!c.cwmp.tls_ticket_key_file.empty() && c.cwmp.tls_cert_file.empty()) {
    return InvalidArgument("cwmp.tls_ticket_key_file needs cwmp.tls_cert_file (HTTPS)");
  }
  if (c.admin.tls_cert_file.empty() != c.admin.tls_key_file.empty()) {
    return InvalidArgument("admin.tls_cert_file and admin.tls_key_file go together (both or neither)");
  }
  if (c.database.pool_size <= 0 || c.database.batch_writers <= 0 || c.database.batch_max == 0) {
    return InvalidArgument("database.pool_size, batch_writers and batch_max must be > 0");
  }
  if (c.credentials.rotate_on_bootstrap && c.credentials.key_file.empty()) {
    return InvalidArgument("credentials.rotate_on_bootstrap needs credentials.key_file (64 hex digits)");
  }
  if (c.connection_request.max_concurrent == 0 || c.connection_request.timeout.count() <= 0 ||
      c.connection_request.connect_timeout.count() <= 0) {
    return InvalidArgument("connection_request.max_concurrent and its timeouts must be > 0");
  }
  if (auto n = ParseNetworks(c.connection_request.allowed_networks); !n) {
    return InvalidArgument("connection_request.allowed_networks: " + n.error().message);
  }
  if (auto n = ParseNetworks(c.connection_request.denied_networks); !n) {
    return InvalidArgument("connection_request.denied_networks: " + n.error().message);
  }
  if (Status s = CheckBasicAuthModels(c.connection_request.basic_auth_models); !s.ok()) {
    return InvalidArgument("connection_request.basic_auth_models: " + s.error().message);
  }
  if (c.tasks.default_max_attempts < 1 || c.tasks.default_max_attempts > 100 || c.tasks.max_per_session < 1 ||
      c.tasks.refresh_batch == 0 || c.tasks.default_expiry.count() <= 0 ||
      c.tasks.max_expiry < c.tasks.default_expiry || c.tasks.retry_base.count() <= 0 ||
      c.tasks.retry_max < c.tasks.retry_base || c.tasks.expiry_interval.count() <= 0) {
    return InvalidArgument(
        "tasks: default_max_attempts must be 1..100, max_per_session and refresh_batch > 0, "
        "default_expiry <= max_expiry, retry_base <= retry_max, expiry_interval > 0");
  }
  if (c.api.max_body_bytes < 1024 || c.api.max_bulk_devices == 0) {
    return InvalidArgument("api.max_body_bytes must be >= 1024 and api.max_bulk_devices > 0");
  }
  if (auto actions = TwoPersonActions(c.api); !actions.ok()) return actions.error();
  if (c.api.approval_ttl.count() <= 0) return InvalidArgument("api.approval_ttl must be > 0");
  if (c.database.event_retention_days < 1 || c.database.audit_retention_days < 1 ||
      c.database.ip_history_retention_days < 1) {
    return InvalidArgument("database.*_retention_days must be >= 1");
  }
  if (c.api.rate_limit_per_second > 0 && c.api.rate_limit_burst == 0) {
    return InvalidArgument("api.rate_limit_burst must be > 0 when api.rate_limit_per_second is set");
  }
  if (c.api.token_default_lifetime.count() <= 0 || c.api.token_max_lifetime < c.api.token_default_lifetime) {
    return InvalidArgument("api: token_default_lifetime must be > 0 and <= token_max_lifetime");
  }
  static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error"};
  if (std::find(levels.begin(), levels.end(), c.log.level) == levels.end()) {
    return InvalidArgument("log.level: '" + c.log.level + "' is not one of trace, debug, info, warn, error");
  }
  return Status::Ok();
}

std::string Dump(const Config& c) {
  std::string out, section;
  for (const Field& f : Fields()) {
    const size_t dot = f.key.find('.');
    const std::string s = f.key.substr(0, dot);
    if (s != section) {
      out += (section.empty() ? "" : "\n") + std::string("[") + s + "]\n";
      section = s;
    }
    const std::string v = f.get(c);
    out += f.key.substr(dot + 1) + " = " + (f.secret ? (v.empty() ? "" : "<set>") : v) + "\n";
  }
  return out;
}

namespace {

// Calls fn(oui, product_class, whole item) for each non-empty item; false from fn stops.
template <typename Fn>
void ForEachModel(std::string_view models, Fn fn) {
  size_t start = 0;
  for (;;) {
    const size_t comma = models.find(',', start);
    const std::string_view item = Trim(models.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (!item.empty()) {
      const size_t colon = item.find(':');
      const std::string_view oui = colon == std::string_view::npos ? item : Trim(item.substr(0, colon));
      const std::string_view pc = colon == std::string_view::npos ? std::string_view() : Trim(item.substr(colon + 1));
      if (!fn(colon != std::string_view::npos, oui, pc, item)) return;
    }
    if (comma == std::string_view::npos) return;
    start = comma + 1;
  }
}

}  // namespace

bool UsesBasicAuth(std::string_view models, std::string_view oui, std::string_view product_class) {
  bool found = false;
  ForEachModel(models, [&](bool has_colon, std::string_view o, std::string_view pc, std::string_view) {
    if (has_colon && !o.empty() && !pc.empty() && o == oui && (pc == "*" || pc == product_class)) found = true;
    return !found;
  });
  return found;
}

Status CheckBasicAuthModels(std::string_view models) {
  Status result;
  ForEachModel(models, [&](bool has_colon, std::string_view o, std::string_view pc, std::string_view item) {
    if (has_colon && !o.empty() && !pc.empty()) return true;
    result = InvalidArgument("'" + Printable(item, 64) + "' is not OUI:ProductClass (ProductClass may be *)");
    return false;
  });
  return result;
}

}  // namespace ruru::acs::config
