// Test harness for acsd end-to-end tests: a fresh migrated database (MigratedPgTest), acsd as a real
// child process on loopback ports chosen by the kernel, cpesim runs with JSON reports, and a small
// blocking HTTP client for hand-made requests. Every wait is bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/pg_test.h"

namespace ruru::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, closed or timed out)
  std::map<std::string, std::string> headers;  // lower-case names; repeated headers joined with ", "
  std::string body;
  std::string error;
};

// One request on a fresh connection to 127.0.0.1:port. `raw` (when not empty) is sent verbatim
// instead of a request built from the other fields.
HttpResult HttpRequest(uint16_t port, const std::string& method, const std::string& target,
                       const std::map<std::string, std::string>& headers = {}, const std::string& body = "",
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
HttpResult HttpRaw(uint16_t port, const std::string& raw, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// One plain connection to 127.0.0.1:port kept open across requests (sessions, and misbehaving on
// purpose), optionally from a loopback source address (a CPE's "WAN IP"). Every wait is bounded.
class RawHttpClient {
 public:
  explicit RawHttpClient(uint16_t port, const std::string& source_address = "");
  ~RawHttpClient();
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Sends all of `data`; false once the peer has closed or reset the connection.
  bool Send(const std::string& data);
  // True when a byte (or the close) is waiting to be read.
  bool Readable(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  // One response: its headers and its Content-Length body. status 0 (error "closed", "reset" or
  // "timeout") when no whole header arrived first; a response cut short keeps what arrived.
  HttpResult Read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the peer closes (EOF or reset) within `timeout`; bytes before the close are dropped.
  bool WaitClosed(std::chrono::milliseconds timeout);
  void Close();

 private:
  int fd_ = -1;
  std::string buf_;
};
// The same over TLS, the server verified against `ca_file` for the address 127.0.0.1 (error set
// and status 0 when the handshake or the verification fails).
HttpResult HttpsRequest(uint16_t port, const std::string& ca_file, const std::string& method,
                        const std::string& target, const std::map<std::string, std::string>& headers = {},
                        const std::string& body = "", std::chrono::milliseconds timeout = std::chrono::seconds(10));
// TLS session resumption for HttpsRaw: `offer` (a serialized session from an earlier exchange, ""
// none) is offered; afterwards `reused` says whether the server resumed it and `received` holds
// the session to offer next time.
struct TlsResumption {
  std::string offer;
  std::string received;
  bool reused = false;
};
HttpResult HttpsRaw(uint16_t port, const std::string& ca_file, const std::string& raw,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10), TlsResumption* resumption = nullptr);

class AcsdTest : public MigratedPgTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Writes the config (defaults for tests + `extra` INI lines appended) and starts acsd.
  // Fails the test (ASSERT) when acsd does not report ready within 20 s.
  void StartAcsd(const std::string& extra_config = "");
  // Sends `sig` and waits up to `timeout` for the exit; returns the exit status (-1: still running,
  // then killed).
  int StopAcsd(int sig = SIGTERM, std::chrono::seconds timeout = std::chrono::seconds(30));
  bool AcsdRunning();
  std::string AcsdLog() const;
  std::string CwmpUrl() const {
    return std::string(cwmp_tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(cwmp_port_) + "/";
  }
  // A request to the admin listener (HTTPS verified with admin_ca_ when that is set).
  HttpResult AdminRequest(const std::string& method, const std::string& target,
                          const std::map<std::string, std::string>& headers = {}, const std::string& body = "");

  // Runs cpesim with `args` (plus --acs-url and --report) and returns its report; fails the test
  // on a non-zero exit or a missing report.
  nlohmann::json RunCpesim(const std::vector<std::string>& args, std::chrono::seconds timeout = std::chrono::seconds(120));
  // Starts cpesim in the background; WaitCpesim collects it.
  pid_t StartCpesim(const std::vector<std::string>& args, const std::string& report_path);
  nlohmann::json WaitCpesim(pid_t pid, const std::string& report_path,
                            std::chrono::seconds timeout = std::chrono::seconds(120));

  std::string Metrics();  // GET /metrics on the admin port
  // The value of one metric series line ("name{labels}"), 0 when absent.
  double Metric(const std::string& series);

  std::string dir_;  // scratch directory of this test
  uint16_t cwmp_port_ = 0;
  uint16_t admin_port_ = 0;
  pid_t acsd_pid_ = -1;
  bool cwmp_tls_ = false;   // set before StartAcsd when the config makes the CWMP endpoint HTTPS
  std::string admin_ca_;    // set before StartAcsd when the admin listener is HTTPS: the CA verifying it
};

// Spawns `argv` with stdout+stderr to `log_path`; -1 on failure.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path);
// Waits for `pid` up to `timeout`; returns the wait status, or -1 on timeout (the process is left).
int WaitFor(pid_t pid, std::chrono::milliseconds timeout);

}  // namespace ruru::testing
