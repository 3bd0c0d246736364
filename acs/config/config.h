// acsd's configuration: one typed struct per subsystem with in-class defaults, loaded and
// validated once in main() and handed down. Sources, lowest precedence first:
//   defaults  <  the config file (INI: `[section]` then `key = value`)  <  environment variables
//   (RURU_<SECTION>_<KEY>, e.g. RURU_CWMP_LISTEN)  <  command-line overrides (`--set section.key=value`).
// Every key is listed in docs/configuration.md (generated from the same table: `acsd config --help`).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace ruru::acs::config {

enum class AuthOffer { kDigest, kBasic, kBoth };         // the challenge(s) a 401 carries
enum class Onboarding { kOpen, kShared, kOff };          // who may register / re-bootstrap a device
enum class UnknownDevices { kRegister, kReject };        // an Inform from a DeviceId not in the inventory
enum class ClientCerts { kOff, kOptional, kRequired };   // CPE client certificates (TLS) on the CWMP endpoint

struct CwmpConfig {
  std::string listen = "0.0.0.0:7547";      // address:port of the CWMP endpoint ([::]:7547 for IPv6)
  std::string path = "/";                   // request path CPEs POST to ("/" accepts any path)
  std::string realm = "ruru";               // HTTP auth realm; part of every stored verifier (do not change later)
  AuthOffer auth = AuthOffer::kDigest;      // challenge sent to CPEs; both schemes are always verified
  bool allow_basic = true;                  // accept Basic credentials (sent in clear text over plain HTTP)
  Onboarding onboarding = Onboarding::kShared;  // open: any credentials register a device without its own
  std::string onboarding_username;          // the shared onboarding credential (onboarding = shared)
  std::string onboarding_password;          // may be empty (the genieacs-sim pattern)
  UnknownDevices unknown_devices = UnknownDevices::kReject;
  int io_threads = 0;                       // I/O threads; 0 = number of cores
  size_t max_connections = 15000;           // open CWMP connections; accepting pauses beyond
  size_t max_sessions = 10000;              // concurrent CWMP sessions; new ones get 503 beyond
  size_t max_connections_per_ip = 0;        // 0 = no per-address cap (CPEs behind CGNAT share addresses)
  size_t max_header_bytes = 16 * 1024;      // request header; larger: 431 and close
  size_t max_body_bytes = 1024 * 1024;      // request body; larger: 413 and close
  std::chrono::seconds read_timeout{15};    // a request must arrive whole within this (slowloris)
  std::chrono::seconds idle_timeout{30};    // keep-alive connection idle between requests
  std::chrono::seconds session_timeout{60}; // a session idle this long is abandoned
  std::chrono::seconds retry_after{30};     // Retry-After on 503 (a random 0-50% is added)
  std::chrono::seconds drain_timeout{30};   // SIGTERM: longest wait for open sessions to finish
  // TLS (docs/tls.md): both files set = the endpoint speaks HTTPS only. Reloaded on SIGHUP.
  std::string tls_cert_file;                // PEM certificate + chain (ECDSA P-256 recommended)
  std::string tls_key_file;                 // PEM private key
  std::string tls_min_version = "1.2";      // 1.2 or 1.3
  ClientCerts tls_client_certs = ClientCerts::kOff;  // off, optional (verified when sent) or required
  std::string tls_client_ca_file;           // PEM CAs that issue the CPEs' client certificates
  std::string tls_client_crl_file;          // PEM CRLs of those CAs: revoked client certificates refused
  std::string tls_ticket_key_file;          // session-ticket key shared by the nodes (160 hex digits)
};

struct CredentialsConfig {
  bool rotate_on_bootstrap = true;          // give every device its own CWMP + connection-request credentials
  std::string key_file;                     // file with the current secret key (hex, 32 bytes) for CR passwords
  std::string key_id = "k1";                // id of that key, stored with every ciphertext
  std::string old_keys_file;                // optional file of "id hexkey" lines still accepted for decryption
  std::string nonce_key_file;               // Digest nonce HMAC key (hex); shared by all nodes; random when empty
  std::chrono::seconds cache_ttl{30};       // credential cache entry lifetime (other nodes' changes show after this)
  size_t cache_max_entries = 2000000;       // bound on cached usernames
};

struct DatabaseConfig {
  std::string dsn;                          // libpq connection string or URI (required)
  int pool_size = 4;                        // connections for lookups
  int batch_writers = 1;                    // parallel inform-batch writer connections
  std::chrono::milliseconds batch_flush{5}; // longest wait before a partial batch is written
  size_t batch_max = 2000;                  // informs per batch
  size_t batch_queue = 100000;              // queued informs beyond this get 503
  std::chrono::seconds duplicate_window{60};  // same DeviceId from two peers within this: suspected duplicate
  int event_retention_days = 30;            // inform events kept this long
  int audit_retention_days = 400;           // audit log kept this long (whole months are dropped)
  int ip_history_retention_days = 400;      // past addresses kept this long (abuse reports come months later)
  std::chrono::milliseconds statement_timeout{10000};
};

struct AdminConfig {
  std::string listen = "127.0.0.1:7557";    // /metrics, /healthz, /readyz and the REST API (/api/v1)
  std::string token_file;                   // the token acsctl uses (quickstart: `acsd tokens create` writes it)
  std::string tls_cert_file;                // both set: the admin listener (REST API, metrics) speaks HTTPS only
  std::string tls_key_file;
  std::string tls_ca_file;                  // for acsctl: the CA that verifies this listener's certificate
};

// Connection requests (ACS -> CPE HTTP GET to the device's ConnectionRequestURL).
struct ConnectionRequestConfig {
  std::chrono::seconds timeout{10};         // whole request: connect, Digest round trip, answer
  std::chrono::seconds connect_timeout{5};  // TCP connect (a NATed device's private address times out here)
  size_t max_concurrent = 200;              // requests in flight; more wait in a queue
  size_t max_queue = 10000;                 // queued beyond this: refused ("busy")
  // The URL's address must be in allowed_networks and not in denied_networks (comma-separated
  // CIDRs), so acsd cannot be steered at internal services by a CPE-reported URL.
  std::string allowed_networks = "0.0.0.0/0,::/0";
  std::string denied_networks =
      "0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16,172.16.0.0/12,192.168.0.0/16,"
      "224.0.0.0/3,::/128,::1/128,fc00::/7,fe80::/10,ff00::/8";
  bool allow_hostnames = false;             // a host name in the URL (resolved by acsd, every address checked)
  // Device models whose connection-request server only speaks Basic: comma-separated
  // "OUI:ProductClass" (ProductClass may be *). Everyone else gets Digest only.
  std::string basic_auth_models;
};

// The task engine (docs/tasks.md).
struct TasksConfig {
  std::chrono::seconds default_expiry{86400};   // a task not finished by then expires
  std::chrono::seconds max_expiry{30 * 86400};  // longest expires_in an API client may ask for
  int default_max_attempts = 3;                 // RPCs sent per task at most (transient faults retry)
  std::chrono::seconds retry_base{30};          // back-off after a transient fault: base * 2^(n-1) ...
  std::chrono::seconds retry_max{3600};         // ... capped here
  int max_per_session = 16;                     // tasks claimed by one session at a time
  size_t refresh_batch = 100;                   // names per GetParameterValues of a refresh
  size_t max_refresh_parameters = 20000;        // a refresh of a larger subtree fails (fault)
  std::chrono::seconds expiry_interval{5};      // how often expired tasks are swept
  std::string node_id;                          // this node in task claims ("" = host name:CWMP port)
};

// The REST API on the admin listener (docs/api.md).
struct ApiConfig {
  size_t max_body_bytes = 4 * 1024 * 1024;  // request body limit (bulk tag lists)
  std::chrono::seconds max_wait{300};       // longest ?wait= of a task creation
  std::chrono::seconds token_cache_ttl{10}; // a revoked token stops working within this
  std::chrono::seconds online_grace{120};   // online: last Inform within 2 x periodic interval + this
  size_t max_bulk_devices = 100000;         // devices one bulk tag call may change
  std::chrono::seconds token_default_lifetime{90 * 86400};  // POST /tokens without expires_in
  std::chrono::seconds token_max_lifetime{365 * 86400};     // longest expires_in through the API
  size_t rate_limit_per_second = 50;        // requests per token and second, sustained (0: no limit)
  size_t rate_limit_burst = 200;            // requests per token at once
  // Two-person approval (docs/security.md): calls of these actions (comma-separated permission
  // actions, e.g. "tags.bulk, devices.delete") are stored as pending approvals that another user
  // must approve before they run.
  std::string two_person_actions;
  std::chrono::seconds approval_ttl{86400}; // a pending approval not decided by then expires
};

struct LogConfig {
  std::string level = "info";               // trace, debug, info, warn, error
};

struct Config {
  CwmpConfig cwmp;
  CredentialsConfig credentials;
  DatabaseConfig database;
  AdminConfig admin;
  ConnectionRequestConfig connection_request;
  TasksConfig tasks;
  ApiConfig api;
  LogConfig log;
};

struct ConfigKeyInfo {
  std::string key;      // "cwmp.listen"
  std::string env;      // "RURU_CWMP_LISTEN"
  std::string help;
  std::string default_value;
};
// Every key with its help text and default, in a stable order.
std::vector<ConfigKeyInfo> ConfigKeys();

// Loads the configuration. `file` may be "" (no file). `env` holds the environment (only RURU_*
// names are read; pass the real environment from main). `overrides` are "section.key=value".
// Errors (kInvalidArgument) name the source, the key and the problem; unknown keys are errors.
Result<Config> LoadConfig(const std::string& file, const std::map<std::string, std::string>& env,
                          const std::vector<std::string>& overrides);
// Parses INI text (for tests and LoadConfig); `origin` names it in errors.
Result<Config> ParseConfigText(const std::string& text, const std::string& origin, Config base = {});
// Checks cross-field rules (dsn set, listen addresses parse, limits > 0 ...).
Status Validate(const Config& config);

// "host:port" split; IPv6 as "[::1]:7547". Error on a bad form or port.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> ParseHostPort(const std::string& text);

// api.two_person_actions as a list, each checked against the permission table (a known action that
// changes state, not an approvals.* one).
Result<std::vector<std::string>> TwoPersonActions(const ApiConfig& api);

// The configuration as INI text (secrets shown as "<set>"), e.g. for `acsd config --show`.
std::string Dump(const Config& config);

// Whether a device model's connection-request server gets Basic: `models` is
// connection_request.basic_auth_models ("OUI:ProductClass,OUI:*").
// Items are compared exactly (case-sensitive), spaces around items and around the ':' are ignored,
// malformed items never match (CheckBasicAuthModels refuses them: Validate).
bool UsesBasicAuth(std::string_view models, std::string_view oui, std::string_view product_class);
// kInvalidArgument naming the first item that is not "OUI:ProductClass" (both parts non-empty).
Status CheckBasicAuthModels(std::string_view models);

}  // namespace ruru::acs::config
