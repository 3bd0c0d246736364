#include "tests/acs/acsd_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "db/migrator.h"
#include "tests/support/test_paths.h"

extern char** environ;

namespace ruru::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The status line and headers of an answer (names lower-cased, repeated ones joined with ", ").
void ParseHead(const std::string& head, HttpResult* out) {
  std::istringstream hs(head);
  std::string line;
  std::getline(hs, line);
  if (line.size() >= 12) out->status = std::atoi(line.c_str() + 9);
  while (std::getline(hs, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    auto& slot = out->headers[Lower(line.substr(0, colon))];
    slot = slot.empty() ? value : slot + ", " + value;
  }
}

}  // namespace

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -2;
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

RawHttpClient::RawHttpClient(uint16_t port, const std::string& source_address) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (!source_address.empty()) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source_address.c_str(), &src.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Close();
}

RawHttpClient::~RawHttpClient() { Close(); }

void RawHttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawHttpClient::Send(const std::string& data) {
  size_t sent = 0;
  while (fd_ >= 0 && sent < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return fd_ >= 0;
}

bool RawHttpClient::Readable(std::chrono::milliseconds wait) {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
}

HttpResult RawHttpClient::Read(std::chrono::milliseconds timeout) {
  HttpResult out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const size_t end = buf_.find("\r\n\r\n");
    if (end != std::string::npos) {
      HttpResult r;
      ParseHead(buf_.substr(0, end), &r);
      const size_t need = end + 4 + static_cast<size_t>(std::atoll(r.headers["content-length"].c_str()));
      if (buf_.size() >= need) {
        r.body = buf_.substr(end + 4, need - end - 4);
        buf_.erase(0, need);
        return r;
      }
      out = r;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      out.error = "timeout";
      return out;
    }
    if (!Readable(left)) continue;
    char tmp[65536];
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      out.error = n == 0 ? "closed" : "reset";
      if (end != std::string::npos) out.body = buf_.substr(end + 4);  // cut short: what arrived
      return out;
    }
    buf_.append(tmp, static_cast<size_t>(n));
  }
}

bool RawHttpClient::WaitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (!Readable(left)) continue;
    char tmp[65536];
    if (::recv(fd_, tmp, sizeof tmp, 0) <= 0) return true;
  }
}

HttpResult HttpRaw(uint16_t port, const std::string& raw, std::chrono::milliseconds timeout) {
  RawHttpClient c(port);
  if (!c.ok()) {
    HttpResult out;
    out.error = "connect failed";
    return out;
  }
  c.Send(raw);  // the server may close early (e.g. 413): still read its answer
  return c.Read(timeout);
}

HttpResult HttpsRaw(uint16_t port, const std::string& ca_file, const std::string& raw, std::chrono::milliseconds timeout,
                    TlsResumption* resumption) {
  HttpResult out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    out.error = "connect failed";
    ::close(fd);
    return out;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) out.error = "cannot load CA " + ca_file;
  SSL* ssl = SSL_new(ctx);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
  SSL_set_fd(ssl, fd);
  if (resumption != nullptr && !resumption->offer.empty()) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(resumption->offer.data());
    if (SSL_SESSION* offered = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(resumption->offer.size()))) {
      SSL_set_session(ssl, offered);
      SSL_SESSION_free(offered);
    }
  }
  std::string data;
  if (out.error.empty() && SSL_connect(ssl) != 1) {
    const long verify = SSL_get_verify_result(ssl);
    out.error = verify != X509_V_OK ? std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify)
                                    : "TLS handshake failed";
  } else if (out.error.empty()) {
    SSL_write(ssl, raw.data(), static_cast<int>(raw.size()));
    char buf[65536];
    for (;;) {
      const int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) break;
      data.append(buf, static_cast<size_t>(n));
    }
    SSL_shutdown(ssl);
    if (resumption != nullptr) {
      resumption->reused = SSL_session_reused(ssl) == 1;
      resumption->received.clear();
      if (SSL_SESSION* s = SSL_get1_session(ssl)) {
        const int len = i2d_SSL_SESSION(s, nullptr);
        if (len > 0) {
          resumption->received.resize(static_cast<size_t>(len));
          unsigned char* p = reinterpret_cast<unsigned char*>(resumption->received.data());
          i2d_SSL_SESSION(s, &p);
        }
        SSL_SESSION_free(s);
      }
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  const size_t header_end = data.find("\r\n\r\n");
  if (header_end == std::string::npos) {
    if (out.error.empty()) out.error = "no answer";
    return out;
  }
  ParseHead(data.substr(0, header_end), &out);
  out.body = data.substr(header_end + 4);
  return out;
}

HttpResult HttpsRequest(uint16_t port, const std::string& ca_file, const std::string& method,
                        const std::string& target, const std::map<std::string, std::string>& headers,
                        const std::string& body, std::chrono::milliseconds timeout) {
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
  raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return HttpsRaw(port, ca_file, raw, timeout);
}

HttpResult HttpRequest(uint16_t port, const std::string& method, const std::string& target,
                       const std::map<std::string, std::string>& headers, const std::string& body,
                       std::chrono::milliseconds timeout) {
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
  raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return HttpRaw(port, raw, timeout);
}

void AcsdTest::SetUp() {
  MigratedPgTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  char tmpl[] = "/tmp/ruru-acsd-test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  std::ofstream(dir_ + "/cr.key") << std::string(64, 'c') << "\n";
}

void AcsdTest::TearDown() {
  if (acsd_pid_ > 0) StopAcsd(SIGKILL, std::chrono::seconds(5));
  if (HasFailure() && !dir_.empty()) {
    const std::string log = AcsdLog();
    std::cerr << "---- acsd log (last 6000 bytes) ----\n"
              << (log.size() > 6000 ? log.substr(log.size() - 6000) : log) << "\n";
  }
  if (!dir_.empty() && !HasFailure()) std::system(("rm -rf '" + dir_ + "'").c_str());
  MigratedPgTest::TearDown();
}

void AcsdTest::StartAcsd(const std::string& extra_config) {
  const std::string conf = dir_ + "/acsd.conf";
  {
    std::ofstream out(conf);
    out << "[database]\ndsn = " << dsn() << "\nbatch_flush = 2ms\n"
        << "[admin]\nlisten = 127.0.0.1:0\n"
        << "[credentials]\nkey_file = " << dir_ << "/cr.key\n"
        << "[log]\nlevel = info\n"
        << "[cwmp]\nlisten = 127.0.0.1:0\nretry_after = 1s\n"
        << extra_config << "\n";
  }
  const std::string ready = dir_ + "/ready";
  std::remove(ready.c_str());
  acsd_pid_ = Spawn({ACSD_PATH, "run", "--config", conf, "--ready-file", ready}, dir_ + "/acsd.log");
  ASSERT_GT(acsd_pid_, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = ReadFile(ready);
    if (!text.empty()) {
      std::sscanf(text.c_str(), "cwmp_port=%hu\nadmin_port=%hu", &cwmp_port_, &admin_port_);
      break;
    }
    int status = 0;
    if (waitpid(acsd_pid_, &status, WNOHANG) == acsd_pid_) {
      acsd_pid_ = -1;
      FAIL() << "acsd exited at start:\n" << AcsdLog();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(cwmp_port_, 0) << "acsd did not become ready:\n" << AcsdLog();
  // Ready for CPEs: the inventory has been checked.
  for (int i = 0; i < 200; ++i) {
    if (AdminRequest("GET", "/readyz").status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "acsd never reported ready:\n" << AcsdLog();
}

int AcsdTest::StopAcsd(int sig, std::chrono::seconds timeout) {
  if (acsd_pid_ <= 0) return -1;
  ::kill(acsd_pid_, sig);
  int status = WaitFor(acsd_pid_, timeout);
  if (status == -1) {
    ::kill(acsd_pid_, SIGKILL);
    WaitFor(acsd_pid_, std::chrono::seconds(5));
  }
  acsd_pid_ = -1;
  return status;
}

bool AcsdTest::AcsdRunning() {
  if (acsd_pid_ <= 0) return false;
  int status = 0;
  return waitpid(acsd_pid_, &status, WNOHANG) == 0;
}

std::string AcsdTest::AcsdLog() const { return ReadFile(dir_ + "/acsd.log"); }

pid_t AcsdTest::StartCpesim(const std::vector<std::string>& args, const std::string& report_path) {
  const char* override_path = std::getenv("RURU_TEST_CPESIM");  // e.g. a Release build for speed
  std::vector<std::string> argv = {override_path != nullptr && *override_path ? override_path : CPESIM_PATH, "--acs-url", CwmpUrl(), "--report", report_path,
                                   "--summary-interval", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  return Spawn(argv, report_path + ".log");
}

nlohmann::json AcsdTest::WaitCpesim(pid_t pid, const std::string& report_path, std::chrono::seconds timeout) {
  const int status = WaitFor(pid, timeout);
  if (status == -1) {
    ::kill(pid, SIGKILL);
    WaitFor(pid, std::chrono::seconds(5));
    ADD_FAILURE() << "cpesim did not finish within " << timeout.count() << " s\n" << ReadFile(report_path + ".log");
    return {};
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "cpesim failed:\n" << ReadFile(report_path + ".log");
  const std::string text = ReadFile(report_path);
  if (text.empty()) {
    ADD_FAILURE() << "cpesim wrote no report\n" << ReadFile(report_path + ".log");
    return {};
  }
  return nlohmann::json::parse(text, nullptr, false);
}

nlohmann::json AcsdTest::RunCpesim(const std::vector<std::string>& args, std::chrono::seconds timeout) {
  static int n = 0;
  const std::string report = dir_ + "/cpesim-" + std::to_string(++n) + ".json";
  const pid_t pid = StartCpesim(args, report);
  if (pid <= 0) {
    ADD_FAILURE() << "cannot start cpesim";
    return {};
  }
  return WaitCpesim(pid, report, timeout);
}

HttpResult AcsdTest::AdminRequest(const std::string& method, const std::string& target,
                                  const std::map<std::string, std::string>& headers, const std::string& body) {
  if (!admin_ca_.empty()) return HttpsRequest(admin_port_, admin_ca_, method, target, headers, body);
  return HttpRequest(admin_port_, method, target, headers, body);
}

std::string AcsdTest::Metrics() { return AdminRequest("GET", "/metrics").body; }

double AcsdTest::Metric(const std::string& series) {
  const std::string text = Metrics();
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::atof(line.c_str() + series.size() + 1);
  }
  return 0;
}

}  // namespace ruru::testing
