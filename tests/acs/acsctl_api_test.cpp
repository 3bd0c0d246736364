// acsctl as a client of acsd's REST API v1: the real acsctl binary (ACSCTL_PATH) runs as a
// subprocess against a scripted HTTP server on 127.0.0.1 (ruru::cpesim_testkit's TestHttpServer)
// that answers with canned JSON; the tests check what acsctl sent (method, path, query,
// Authorization, body), what it printed and its exit code. End-to-end tests against a real acsd
// live elsewhere.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cpesim/test_http_server.h"
#include "tests/support/test_paths.h"

extern char** environ;

namespace {

using nlohmann::json;
using ruru::cpesim::testkit::RecordedRequest;
using ruru::cpesim::testkit::ScriptedResponse;
using ruru::cpesim::testkit::TestHttpServer;
namespace fs = std::filesystem;

constexpr const char* kToken = "t0ken-for-tests";

// ---- Running acsctl --------------------------------------------------------------------------
struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
  bool timed_out = false;
  std::chrono::milliseconds elapsed{0};
};

struct RunOptions {
  std::map<std::string, std::string> env;  // RURU_API_* of the parent are removed; these are added
  fs::path cwd;                            // must be set (never the source tree: ./var/acsd.conf)
  std::string input;                       // standard input
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
};

Outcome RunAcsctl(const std::vector<std::string>& args, const RunOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);
  Outcome outcome;
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return outcome;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  const std::string cwd = options.cwd.string();
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("RURU_API_")) continue;
    env_strings.emplace_back(*e);
  }
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_strings = {ACSCTL_PATH};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int spawn_error = ::posix_spawn(&pid, ACSCTL_PATH, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (spawn_error != 0) {
    ADD_FAILURE() << "posix_spawn " << ACSCTL_PATH << ": " << std::strerror(spawn_error);
    for (int fd : {in[1], out[0], err[0]}) ::close(fd);
    return outcome;
  }
  for (int fd : {in[1], out[0], err[0]}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  size_t written = 0;
  int stdin_fd = in[1];
  if (options.input.empty()) {
    ::close(stdin_fd);
    stdin_fd = -1;
  }
  int open_outputs = 2;
  const auto deadline = start + options.timeout;
  while (open_outputs > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      outcome.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {stdin_fd, POLLOUT, 0}};
    if (::poll(fds, 3, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? outcome.out : outcome.err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EAGAIN) {
        ::close(fds[i].fd);
        (i == 0 ? out[0] : err[0]) = -1;
        --open_outputs;
      }
    }
    if (stdin_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = ::write(stdin_fd, options.input.data() + written, options.input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN) || written == options.input.size()) {
        ::close(stdin_fd);
        stdin_fd = -1;
      }
    }
  }
  for (int fd : {stdin_fd, out[0], err[0]}) {
    if (fd >= 0) ::close(fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  EXPECT_FALSE(outcome.timed_out) << "acsctl timed out";
  return outcome;
}

// ---- Requests and answers --------------------------------------------------------------------
std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};

Target ParseTarget(const std::string& target) {
  Target t;
  const size_t q = target.find('?');
  t.path = target.substr(0, q);
  if (q == std::string::npos) return t;
  std::string rest = target.substr(q + 1);
  size_t pos = 0;
  while (pos <= rest.size()) {
    const size_t amp = std::min(rest.find('&', pos), rest.size());
    const std::string pair = rest.substr(pos, amp - pos);
    const size_t eq = pair.find('=');
    if (!pair.empty())
      t.query[PercentDecode(pair.substr(0, eq))] = eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1));
    pos = amp + 1;
  }
  return t;
}

ScriptedResponse Json(unsigned status, const json& body) {
  ScriptedResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = body.dump();
  return r;
}

ScriptedResponse ApiError(unsigned status, const std::string& code, const std::string& message) {
  return Json(status, {{"error", {{"code", code}, {"message", message}}}});
}

std::string IsoAgo(std::chrono::seconds ago) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - ago);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

json Device(int64_t id, const std::string& serial, const std::string& oui = "00259E",
            const std::string& product_class = "HG8245H") {
  return {{"id", id},
          {"oui", oui},
          {"product_class", product_class},
          {"serial_number", serial},
          {"manufacturer", "Huawei"},
          {"model_name", "HG8245H"},
          {"hardware_version", "1.0"},
          {"software_version", "V3R017"},
          {"provisioning_code", nullptr},
          {"data_model", "Device"},
          {"wan_ip", "203.0.113.7"},
          {"peer_ip", "203.0.113.7"},
          {"connection_request_url", "http://203.0.113.7:7547/cr"},
          {"periodic_inform_interval", 300},
          {"parameter_key", nullptr},
          {"registered_at", "2026-11-01T00:00:00.000Z"},
          {"last_inform", IsoAgo(std::chrono::seconds(185))},
          {"last_boot", nullptr},
          {"last_bootstrap", nullptr},
          {"online", true},
          {"inform_count", 12},
          {"tags", json::array({"fibre", "vip"})},
          {"subscriber_ref", nullptr},
          {"subscriber_phone", nullptr},
          {"time_zone", nullptr},
          {"duplicate_suspect_at", nullptr},
          {"credentials", {{"own", true}, {"pending", false}}}};
}

json Page(const json& items, const json& next_cursor = nullptr) {
  return {{"items", items}, {"next_cursor", next_cursor}};
}

json Task(int64_t id, const std::string& type, const std::string& state, const std::string& phase = "") {
  return {{"id", id},
          {"device_id", 42},
          {"type", type},
          {"args", json::object()},
          {"state", state},
          {"phase", phase.empty() ? json(nullptr) : json(phase)},
          {"reconcile_key", nullptr},
          {"hold_requests", false},
          {"attempts", state == "queued" ? 0 : 1},
          {"max_attempts", 3},
          {"created_at", "2026-12-03T11:00:00.000Z"},
          {"updated_at", "2026-12-03T11:00:00.000Z"},
          {"not_before", nullptr},
          {"expires_at", "2026-12-04T11:00:00.000Z"},
          {"sent_at", nullptr},
          {"finished_at", nullptr},
          {"result", nullptr},
          {"fault", nullptr},
          {"created_by", "admin"}};
}

// A port on 127.0.0.1 with nothing listening (bound, then closed).
uint16_t DeadPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class AcsctlApi : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ =
        fs::temp_directory_path() / ("acsctl_api_test." + std::to_string(::getpid()) + "." + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs acsctl against `server` (RURU_API_URL, RURU_API_TOKEN) in the temp directory.
  Outcome Run(const TestHttpServer& server, const std::vector<std::string>& args, const std::string& input = "") {
    RunOptions o;
    o.env = {{"RURU_API_URL", server.Url("")}, {"RURU_API_TOKEN", kToken}};
    o.cwd = dir_;
    o.input = input;
    return RunAcsctl(args, o);
  }
  Outcome RunWith(const std::vector<std::string>& args, std::map<std::string, std::string> env) {
    RunOptions o;
    o.env = std::move(env);
    o.cwd = dir_;
    return RunAcsctl(args, o);
  }

  fs::path WriteFile(const std::string& name, const std::string& text,
                     fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    fs::permissions(p, perms);
    return p;
  }

  fs::path dir_;
};

// Every request carried the bearer token.
void ExpectBearer(const TestHttpServer& server, const std::string& token = kToken) {
  for (const auto& r : server.requests()) EXPECT_EQ(r.Header("Authorization"), "Bearer " + token) << r.target;
}

// ---- Where acsctl finds the API --------------------------------------------------------------
TEST_F(AcsctlApi, ConfigFileWildcardListenMapsToLoopbackAndTokenFileIsTrimmed) {
  TestHttpServer server([](const RecordedRequest&) { return Json(200, Page(json::array())); });
  const fs::path token = WriteFile("var/admin.token", "  file-token \n");
  WriteFile("var/acsd.conf", "# quickstart\n[cwmp]\nlisten = 0.0.0.0:1\n\n[admin]\n; the API\nlisten = 0.0.0.0:" +
                                 std::to_string(server.port()) + "\ntoken_file = \"" + token.string() + "\"\n");
  const Outcome o = RunWith({"devices", "list"}, {});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].Header("Authorization"), "Bearer file-token");
  EXPECT_EQ(server.requests()[0].peer.to_string(), "127.0.0.1");
  EXPECT_EQ(o.err, "no devices match\n");

  // The mapping shows in the URL acsctl reports (Linux would also connect to 0.0.0.0 itself).
  const uint16_t dead = DeadPort();
  WriteFile("var/acsd.conf", "[admin]\nlisten = 0.0.0.0:" + std::to_string(dead) + "\ntoken_file = " + token.string());
  const Outcome refused = RunWith({"devices", "list"}, {});
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_EQ(refused.err.rfind("acsctl: cannot reach the API at http://127.0.0.1:" + std::to_string(dead) + ": ", 0), 0u)
      << refused.err;
}

TEST_F(AcsctlApi, EnvironmentBeatsConfigFileAndFlagsBeatEnvironment) {
  TestHttpServer server([](const RecordedRequest&) { return Json(200, Page(json::array())); });
  const std::string live = server.Url("");
  const std::string dead = "http://127.0.0.1:" + std::to_string(DeadPort());
  const fs::path file_token = WriteFile("var/admin.token", "file-token\n");
  WriteFile("var/acsd.conf", "[admin]\nlisten = 127.0.0.1:" + std::to_string(DeadPort()) +
                                 "\ntoken_file = " + file_token.string() + "\n");
  const fs::path flag_token = WriteFile("flag.token", "flag-file-token\n");
  const fs::path env_token = WriteFile("env.token", "env-file-token\n");

  // The environment's URL beats the file's (which points at nothing); the file still gives the token.
  Outcome o = RunWith({"devices", "list"}, {{"RURU_API_URL", live}});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests().back().Header("Authorization"), "Bearer file-token");

  // RURU_API_TOKEN beats RURU_API_TOKEN_FILE, which beats the file.
  o = RunWith({"devices", "list"}, {{"RURU_API_URL", live}, {"RURU_API_TOKEN_FILE", env_token.string()}});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(server.requests().back().Header("Authorization"), "Bearer env-file-token");
  o = RunWith({"devices", "list"},
              {{"RURU_API_URL", live}, {"RURU_API_TOKEN", "env-token"}, {"RURU_API_TOKEN_FILE", env_token.string()}});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(server.requests().back().Header("Authorization"), "Bearer env-token");

  // Flags beat the environment: --url over RURU_API_URL (dead), --token-file and --token over RURU_API_TOKEN.
  o = RunWith({"devices", "list", "--url", live, "--token-file", flag_token.string()},
              {{"RURU_API_URL", dead}, {"RURU_API_TOKEN", "env-token"}});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(server.requests().back().Header("Authorization"), "Bearer flag-file-token");
  o = RunWith({"devices", "list", "--url", live + "/api/v1/", "--token", "flag-token"},
              {{"RURU_API_URL", dead}, {"RURU_API_TOKEN", "env-token"}});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(server.requests().back().Header("Authorization"), "Bearer flag-token");
  EXPECT_EQ(ParseTarget(server.requests().back().target).path, "/api/v1/devices");

  // And the environment's dead URL really is used when no flag overrides it.
  o = RunWith({"devices", "list"}, {{"RURU_API_URL", dead}});
  EXPECT_EQ(o.exit_code, 3) << o.err;
  EXPECT_EQ(server.requests().size(), 5u);
}

TEST_F(AcsctlApi, ExplicitConfigFileAndIpv6WildcardListen) {
  TestHttpServer server([](const RecordedRequest&) { return Json(200, Page(json::array())); });
  const fs::path token = WriteFile("t", "cfg-token");
  const fs::path conf = WriteFile("etc/acsd.conf", "[admin]\nlisten = 127.0.0.1:" + std::to_string(server.port()) +
                                                       "\ntoken_file = " + token.string() + "\n");
  Outcome o = RunWith({"devices", "list", "--config", conf.string()}, {});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].Header("Authorization"), "Bearer cfg-token");

  // [::] means [::1]: the scripted server is on 127.0.0.1 only, so the message shows the mapping.
  const uint16_t port = DeadPort();
  const fs::path v6 = WriteFile(
      "v6.conf", "[admin]\nlisten = [::]:" + std::to_string(port) + "\ntoken_file = " + token.string() + "\n");
  o = RunWith({"devices", "list", "--config", v6.string()}, {});
  EXPECT_EQ(o.exit_code, 3) << o.err;
  EXPECT_NE(o.err.find("cannot reach the API at http://[::1]:" + std::to_string(port)), std::string::npos) << o.err;

  // A --config that does not exist is an error even though ./var/acsd.conf is not needed.
  o = RunWith({"devices", "list", "--config", (dir_ / "nope.conf").string()}, {});
  EXPECT_EQ(o.exit_code, 2) << o.err;
  EXPECT_NE(o.err.find("nope.conf"), std::string::npos) << o.err;
}

TEST_F(AcsctlApi, MissingTokenOrUrlSaysTheThreeWays) {
  TestHttpServer server([](const RecordedRequest&) { return Json(200, Page(json::array())); });
  Outcome o = RunWith({"devices", "list"}, {{"RURU_API_URL", server.Url("")}});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err.rfind("acsctl: no API token: ", 0), 0u) << o.err;
  for (const char* way : {"--token-file", "--token", "RURU_API_TOKEN_FILE", "RURU_API_TOKEN", "--config",
                          "./var/acsd.conf", "[admin] token_file"}) {
    EXPECT_NE(o.err.find(way), std::string::npos) << way << " in " << o.err;
  }
  o = RunWith({"devices", "list"}, {{"RURU_API_TOKEN", kToken}});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err.rfind("acsctl: no API URL: ", 0), 0u) << o.err;
  for (const char* way : {"--url", "RURU_API_URL", "--config", "./var/acsd.conf", "[admin] listen"}) {
    EXPECT_NE(o.err.find(way), std::string::npos) << way << " in " << o.err;
  }
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(AcsctlApi, TokenFileReadableByOthersWarnsButWorksAndTokenIsNeverPrinted) {
  TestHttpServer server([](const RecordedRequest&) { return ApiError(401, "unauthorized", "unknown token"); });
  const fs::path token = WriteFile("open.token", "s3cret-token-value\n",
                                   fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  const Outcome o = RunWith({"devices", "list", "--url", server.Url(""), "--token-file", token.string()}, {});
  EXPECT_EQ(o.exit_code, 4) << o.err;
  EXPECT_NE(o.err.find("warning: token file " + token.string() + " is accessible by other users (mode 0604)"),
            std::string::npos)
      << o.err;
  EXPECT_NE(o.err.find("acsctl: unauthorized: unknown token"), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find("s3cret"), std::string::npos) << o.err;
  EXPECT_EQ(o.out.find("s3cret"), std::string::npos) << o.out;
  ExpectBearer(server, "s3cret-token-value");

  // A token with a space is refused before any request, without showing it.
  const Outcome bad = RunWith({"devices", "list", "--url", server.Url(""), "--token", "s3cret with space"}, {});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.find("s3cret"), std::string::npos) << bad.err;
  EXPECT_EQ(server.requests().size(), 1u);
}

// ---- Exit codes ------------------------------------------------------------------------------
TEST_F(AcsctlApi, NothingListeningIsExit3) {
  const std::string url = "http://127.0.0.1:" + std::to_string(DeadPort());
  const Outcome o = RunWith({"devices", "list"}, {{"RURU_API_URL", url}, {"RURU_API_TOKEN", kToken}});
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err.rfind("acsctl: cannot reach the API at " + url + ": ", 0), 0u) << o.err;
  EXPECT_EQ(o.err.find(kToken), std::string::npos);
}

TEST_F(AcsctlApi, UnavailableIsExit3AuthIsExit4OtherErrorsExit1) {
  std::string mode;
  TestHttpServer server([&](const RecordedRequest&) {
    if (mode == "503") return ApiError(503, "unavailable", "database unavailable");
    if (mode == "401") return ApiError(401, "unauthorized", "missing or unknown token");
    if (mode == "403") return ApiError(403, "forbidden", "token lacks devices.delete");
    if (mode == "409") return ApiError(409, "task_not_cancellable", "task 5 is on the wire; wait for it");
    if (mode == "html") {
      ScriptedResponse r;
      r.status = 502;
      r.body = "<html>Bad Gateway</html>";
      return r;
    }
    return Json(200, Page(json::array()));
  });
  mode = "503";
  Outcome o = Run(server, {"devices", "list"});
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_EQ(o.err, "acsctl: unavailable: database unavailable\n");
  mode = "401";
  o = Run(server, {"devices", "show", "42"});
  EXPECT_EQ(o.exit_code, 4);
  EXPECT_EQ(o.err.rfind("acsctl: unauthorized: missing or unknown token", 0), 0u) << o.err;
  mode = "403";
  o = Run(server, {"devices", "delete", "42", "--yes"});
  EXPECT_EQ(o.exit_code, 4);
  EXPECT_EQ(o.err.rfind("acsctl: forbidden: token lacks devices.delete", 0), 0u) << o.err;
  mode = "409";
  o = Run(server, {"task", "cancel", "5"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err, "acsctl: task_not_cancellable: task 5 is on the wire; wait for it\n");
  EXPECT_EQ(server.requests().back().method, "DELETE");
  EXPECT_EQ(server.requests().back().target, "/api/v1/tasks/5");
  mode = "html";
  o = Run(server, {"devices", "list"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err, "acsctl: HTTP 502: <html>Bad Gateway</html>\n");
  ExpectBearer(server);

  // Usage errors are 2 and send nothing.
  const size_t before = server.requests().size();
  o = Run(server, {"devices", "delete", "42"});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("--yes"), std::string::npos);
  o = Run(server, {"devices", "list", "--online", "--offline"});
  EXPECT_EQ(o.exit_code, 2);
  o = Run(server, {"devices", "list", "--limit", "1001"});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(server.requests().size(), before);
}

// ---- DEVICE ----------------------------------------------------------------------------------
class DeviceResolution : public AcsctlApi {
 protected:
  // Serials: ABC1 -> device 7; TWIN -> devices 8 (00259E-HG8245H) and 9 (A0B1C2-F660); NOPE -> none.
  static ScriptedResponse Answer(const RecordedRequest& r) {
    const Target t = ParseTarget(r.target);
    if (t.path == "/api/v1/devices") {
      const std::string s = t.query.count("serial") ? t.query.at("serial") : "";
      if (s == "ABC1") return Json(200, Page(json::array({Device(7, "ABC1")})));
      if (s == "TWIN") return Json(200, Page(json::array({Device(8, "TWIN"), Device(9, "TWIN", "A0B1C2", "F660")})));
      if (s == "330826012345") return Json(200, Page(json::array({Device(11, "330826012345")})));
      return Json(200, Page(json::array()));
    }
    if (t.path.starts_with("/api/v1/devices/")) {
      const std::string id = t.path.substr(16);
      if (id == "99") return ApiError(404, "not_found", "no device 99");
      json d = Device(std::stoll(id), "X");
      d["recent_events"] =
          json::array({{{"code", "1 BOOT"}, {"command_key", nullptr}, {"at", IsoAgo(std::chrono::seconds(120))}}});
      return Json(200, d);
    }
    return ApiError(404, "not_found", "no route");
  }
};

TEST_F(DeviceResolution, NumericIdIsUsedAsIs) {
  TestHttpServer server(&Answer);
  const Outcome o = Run(server, {"devices", "show", "42"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].method, "GET");
  EXPECT_EQ(server.requests()[0].target, "/api/v1/devices/42");
  EXPECT_NE(o.out.find("id:"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("00259E-HG8245H-X"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("1 BOOT"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("(2m ago)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("acsctl get 42"), std::string::npos) << o.out;
  ExpectBearer(server);
}

TEST_F(DeviceResolution, UniqueSerialIsLookedUp) {
  TestHttpServer server(&Answer);
  const Outcome o = Run(server, {"devices", "show", "ABC1"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  const Target lookup = ParseTarget(requests[0].target);
  EXPECT_EQ(lookup.path, "/api/v1/devices");
  EXPECT_EQ(lookup.query.at("serial"), "ABC1");
  EXPECT_EQ(requests[1].target, "/api/v1/devices/7");
}

TEST_F(DeviceResolution, UnknownSerialIsAClearFailure) {
  TestHttpServer server(&Answer);
  const Outcome o = Run(server, {"reboot", "NOPE"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err, "acsctl: no device with serial NOPE\n");
  EXPECT_EQ(server.requests().size(), 1u);  // no task created
}

TEST_F(DeviceResolution, AmbiguousSerialListsTheDevicesAndAsksForTheId) {
  TestHttpServer server(&Answer);
  const Outcome o = Run(server, {"reboot", "TWIN"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("serial TWIN matches 2 devices; give the id"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("8  00259E-HG8245H-TWIN"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("9  A0B1C2-F660-TWIN"), std::string::npos) << o.err;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(DeviceResolution, OuiProductClassSerialPicksTheMatchingDevice) {
  TestHttpServer server(&Answer);
  Outcome o = Run(server, {"devices", "show", "A0B1C2-F660-TWIN"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(ParseTarget(requests[0].target).query.at("serial"), "TWIN");
  EXPECT_EQ(requests[1].target, "/api/v1/devices/9");

  // The OUI is compared case-insensitively, the product class exactly; a mismatch names the owner.
  o = Run(server, {"devices", "show", "00259e-HG8245H-TWIN"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(server.requests().back().target, "/api/v1/devices/8");
  o = Run(server, {"devices", "show", "00259E-F660-ABC1"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("no device 00259E-F660-ABC1: serial ABC1 belongs to"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("7  00259E-HG8245H-ABC1"), std::string::npos) << o.err;
}

TEST_F(DeviceResolution, NumericSerialNeedsThePrefixAndTheNotFoundSaysSo) {
  TestHttpServer server(&Answer);
  Outcome o = Run(server, {"devices", "show", "99"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err, "acsctl: not_found: no device 99 (a number is a device id; for a serial number write serial:99)\n");
  o = Run(server, {"devices", "show", "serial:330826012345"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(server.requests().back().target, "/api/v1/devices/11");
}

// ---- Lists -----------------------------------------------------------------------------------
TEST_F(AcsctlApi, DevicesListFollowsNextCursorWithAll) {
  TestHttpServer server([](const RecordedRequest& r) {
    const Target t = ParseTarget(r.target);
    if (!t.query.count("cursor")) {
      return Json(200, Page(json::array({Device(1, "SN-A"), Device(2, "SN-B")}), "c2"));
    }
    if (t.query.at("cursor") == "c2") {
      json d = Device(3, "SN-C");
      d["online"] = false;
      d["wan_ip"] = nullptr;
      d["tags"] = json::array();
      d["last_inform"] = nullptr;
      return Json(200, Page(json::array({d})));
    }
    return ApiError(400, "invalid_argument", "bad cursor");
  });
  Outcome o = Run(server, {"devices", "list", "--all", "--tag", "fibre", "--limit", "2", "--online"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    const Target t = ParseTarget(r.target);
    EXPECT_EQ(t.path, "/api/v1/devices");
    EXPECT_EQ(t.query.at("tag"), "fibre");
    EXPECT_EQ(t.query.at("limit"), "2");
    EXPECT_EQ(t.query.at("online"), "true");
  }
  EXPECT_EQ(ParseTarget(requests[1].target).query.at("cursor"), "c2");
  // Header and one line per device.
  EXPECT_EQ(std::count(o.out.begin(), o.out.end(), '\n'), 4) << o.out;
  EXPECT_EQ(o.out.rfind("ID  SERIAL  PRODUCT CLASS  SOFTWARE  WAN IP       LAST INFORM  ONLINE  TAGS\n", 0), 0u)
      << o.out;
  EXPECT_NE(o.out.find("1   SN-A    HG8245H        V3R017    203.0.113.7  3m ago       yes     fibre,vip\n"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("3   SN-C    HG8245H        V3R017    -            never        no\n"), std::string::npos)
      << o.out;
  EXPECT_EQ(o.err, "");

  // --json --all: the items of every page in one object.
  o = Run(server, {"devices", "list", "--all", "--json"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  const json j = json::parse(o.out);
  ASSERT_EQ(j["items"].size(), 3u);
  EXPECT_EQ(j["items"][2]["serial_number"], "SN-C");
  EXPECT_TRUE(j["next_cursor"].is_null());

  // Without --all: one page and a hint on stderr.
  o = Run(server, {"devices", "list"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(server.requests().size(), 5u);
  EXPECT_NE(o.err.find("more devices match: add --all"), std::string::npos) << o.err;
}

TEST_F(AcsctlApi, DevicesListPassesEveryFilter) {
  TestHttpServer server([](const RecordedRequest&) { return Json(200, Page(json::array())); });
  const Outcome o = Run(server, {"devices", "list", "--q", "smith & co", "--serial", "S1", "--oui", "00259E",
                                 "--product-class", "HG 8245", "--software-version", "V3", "--offline", "--ip",
                                 "2001:db8::1", "--at", "2026-12-01T10:00:00Z"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  ASSERT_EQ(server.requests().size(), 1u);
  const Target t = ParseTarget(server.requests()[0].target);
  const std::map<std::string, std::string> expected = {
      {"q", "smith & co"},        {"serial", "S1"},    {"oui", "00259E"},     {"product_class", "HG 8245"},
      {"software_version", "V3"}, {"online", "false"}, {"ip", "2001:db8::1"}, {"at", "2026-12-01T10:00:00Z"}};
  EXPECT_EQ(t.query, expected);
  // --at without --ip is a usage error.
  EXPECT_EQ(Run(server, {"devices", "list", "--at", "2026-12-01T10:00:00Z"}).exit_code, 2);
}

TEST_F(AcsctlApi, JsonPrintsTheApiAnswerAsIs) {
  const std::string body = "{\"id\": 42,   \"serial_number\": \"X\", \"extra_field_acsctl_does_not_know\": [1, 2]}";
  TestHttpServer server([&](const RecordedRequest&) {
    ScriptedResponse r;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = body;
    return r;
  });
  const Outcome o = Run(server, {"devices", "show", "42", "--json"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, body + "\n");
}

TEST_F(AcsctlApi, DeviceTextCannotSendEscapeSequencesToTheTerminal) {
  TestHttpServer server([](const RecordedRequest&) {
    json d = Device(1, "EVIL");
    d["software_version"] = "1.0\x1b]0;pwned\x07";
    return Json(200, Page(json::array({d})));
  });
  const Outcome o = Run(server, {"devices", "list"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out.find('\x1b'), std::string::npos);
  EXPECT_NE(o.out.find("1.0\\x1b]0;pwned\\x07"), std::string::npos) << o.out;
}

// ---- reboot ----------------------------------------------------------------------------------
TEST_F(AcsctlApi, RebootWaitsUntilDoneAndReportsTheDowntime) {
  TestHttpServer server([](const RecordedRequest& r) {
    if (r.method == "POST") {
      json t = Task(9, "reboot", "running", "sent");
      t["sent_at"] = "2026-12-03T11:00:02.000Z";
      t["connection_request"] = {{"status", "ok"}, {"detail", nullptr}, {"http_status", 200}, {"elapsed_ms", 35}};
      return Json(202, t);
    }
    json t = Task(9, "reboot", "done");
    t["sent_at"] = "2026-12-03T11:00:02.000Z";
    t["finished_at"] = "2026-12-03T11:00:49.000Z";
    return Json(200, t);
  });
  const Outcome o = Run(server, {"reboot", "42"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "back online after 47 s\n");
  EXPECT_EQ(o.err, "connection request: ok\nwaiting for the device to come back…\n");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  const Target create = ParseTarget(requests[0].target);
  EXPECT_EQ(create.path, "/api/v1/devices/42/tasks");
  EXPECT_EQ(create.query, (std::map<std::string, std::string>{{"connection_request", "true"}, {"wait", "30"}}));
  EXPECT_EQ(json::parse(requests[0].body), json::parse(R"({"type":"reboot","args":{}})"));
  EXPECT_EQ(requests[0].Header("Content-Type"), "application/json");
  const Target poll = ParseTarget(requests[1].target);
  EXPECT_EQ(poll.path, "/api/v1/tasks/9");
  EXPECT_EQ(poll.query.at("wait"), "30");
  ExpectBearer(server);
}

TEST_F(AcsctlApi, RebootDoneAtCreationUsesCreatedAtWhenNeverSent) {
  TestHttpServer server([](const RecordedRequest&) {
    json t = Task(9, "reboot", "done");
    t["finished_at"] = "2026-12-03T11:01:05.000Z";  // created 11:00:00, sent_at null
    t["connection_request"] = nullptr;
    return Json(200, t);
  });
  const Outcome o = Run(server, {"reboot", "42"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "back online after 65 s\n");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(AcsctlApi, RebootFaultPrintsTheCwmpFaultAndExits1) {
  TestHttpServer server([](const RecordedRequest&) {
    json t = Task(9, "reboot", "fault");
    t["fault"] = {{"code", 9001}, {"message", "Request denied"}};
    t["connection_request"] = {{"status", "ok"}, {"detail", nullptr}, {"http_status", 200}, {"elapsed_ms", 5}};
    return Json(200, t);
  });
  const Outcome o = Run(server, {"reboot", "42"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("acsctl: reboot failed: fault 9001: Request denied (task 9)\n"), std::string::npos) << o.err;
}

TEST_F(AcsctlApi, RebootOfAnUnreachableDeviceSaysItRunsAtTheNextInform) {
  std::atomic<int> polls{0};
  TestHttpServer server([&](const RecordedRequest& r) {
    if (r.method == "POST") {
      json t = Task(9, "reboot", "queued");
      t["connection_request"] = {
          {"status", "unreachable"}, {"detail", "connect timeout"}, {"http_status", nullptr}, {"elapsed_ms", 5000}};
      return Json(202, t);
    }
    if (++polls == 1) return Json(200, Task(9, "reboot", "running", "awaiting"));
    json t = Task(9, "reboot", "done");
    t["sent_at"] = "2026-12-03T11:00:00.000Z";
    t["finished_at"] = "2026-12-03T11:05:00.000Z";
    return Json(200, t);
  });
  const Outcome o = Run(server, {"reboot", "42"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "back online after 300 s\n");
  EXPECT_EQ(o.err,
            "device unreachable (behind NAT?): the reboot runs at its next periodic inform (connect timeout)\n"
            "waiting for the device to contact acsd…\n"
            "waiting for the device to come back…\n");
}

TEST_F(AcsctlApi, RebootTimesOutAfterTimeout) {
  TestHttpServer server([](const RecordedRequest& r) {
    json t = Task(9, "reboot", "running", "sent");
    if (r.method == "POST") t["connection_request"] = {{"status", "ok"}};
    return Json(r.method == "POST" ? 202 : 200, t);
  });
  const Outcome o = Run(server, {"reboot", "42", "--timeout", "2"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("acsctl: reboot: no outcome within 2 s: task 9 is running (sent); follow it with: acsctl task "
                       "show 9 --wait 300\n"),
            std::string::npos)
      << o.err;
  EXPECT_LT(o.elapsed, std::chrono::seconds(6));
  const auto requests = server.requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(ParseTarget(requests[0].target).query.at("wait"), "2");  // never more than --timeout
  // A server that answers long polls at once is not hammered (at least 1 s between polls).
  EXPECT_LE(requests.size(), 4u);
  for (size_t i = 1; i < requests.size(); ++i) {
    EXPECT_LE(std::stoi(ParseTarget(requests[i].target).query.at("wait")), 2);
  }
}

TEST_F(AcsctlApi, RebootExpiredOrCancelledExits1) {
  std::string state;
  TestHttpServer server([&](const RecordedRequest&) { return Json(200, Task(9, "reboot", state)); });
  state = "expired";
  Outcome o = Run(server, {"reboot", "42"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err, "acsctl: reboot: task 9 expired before the device carried it out\n");
  state = "cancelled";
  o = Run(server, {"reboot", "42"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err, "acsctl: reboot: task 9 was cancelled\n");
}

// ---- set / get / refresh / task --------------------------------------------------------------
TEST_F(AcsctlApi, SetParsesNameValueType) {
  TestHttpServer server([](const RecordedRequest&) {
    json t = Task(3, "set_parameter_values", "done");
    t["result"] = {{"status", 0}};
    t["connection_request"] = {{"status", "ok"}};
    return Json(200, t);
  });
  const Outcome o = Run(server, {"set", "42", "Device.ManagementServer.PeriodicInformInterval=600:unsignedInt",
                                 "Device.X_Note=a=b", "Device.Time.LocalTime=12:30", "Device.X_Url=http://h:80/x",
                                 "Device.X_Flag=true:xsd:boolean", "Device.X_Text=x:int:string", "Device.X_Empty="});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "applied (status 0)\n");
  ASSERT_EQ(server.requests().size(), 1u);
  const RecordedRequest r = server.requests()[0];
  EXPECT_EQ(ParseTarget(r.target).path, "/api/v1/devices/42/tasks");
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"type":"set_parameter_values","args":{"parameters":[
    {"name":"Device.ManagementServer.PeriodicInformInterval","value":"600","type":"unsignedInt"},
    {"name":"Device.X_Note","value":"a=b","type":"string"},
    {"name":"Device.Time.LocalTime","value":"12:30","type":"string"},
    {"name":"Device.X_Url","value":"http://h:80/x","type":"string"},
    {"name":"Device.X_Flag","value":"true","type":"boolean"},
    {"name":"Device.X_Text","value":"x:int","type":"string"},
    {"name":"Device.X_Empty","value":"","type":"string"}]}})"));
}

TEST_F(AcsctlApi, SetRefusesBadArgumentsBeforeSendingAnything) {
  TestHttpServer server([](const RecordedRequest&) { return Json(200, Task(3, "set_parameter_values", "done")); });
  for (const char* bad :
       {"Device.A=abc:int", "Device.A", "=5", "Device.WiFi.=x", "Device.A=-1:unsignedInt", "Device.A=yes:boolean"}) {
    const Outcome o = Run(server, {"set", "42", bad});
    EXPECT_EQ(o.exit_code, 2) << bad << ": " << o.err;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
  }
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(AcsctlApi, SetFaultExits1) {
  TestHttpServer server([](const RecordedRequest&) {
    json t = Task(3, "set_parameter_values", "fault");
    t["fault"] = {{"code", 9007}, {"message", "Invalid parameter value"}};
    return Json(200, t);
  });
  const Outcome o = Run(server, {"set", "42", "Device.A=1:int"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("acsctl: set failed: fault 9007: Invalid parameter value (task 3)"), std::string::npos) << o.err;
}

TEST_F(AcsctlApi, GetStoredAndLive) {
  TestHttpServer server([](const RecordedRequest& r) {
    const Target t = ParseTarget(r.target);
    if (t.path == "/api/v1/devices/42/parameters") {
      return Json(
          200,
          Page(json::array(
              {{{"name", "Device.WiFi.SSID.1.SSID"}, {"value", "home"}, {"type", "string"}, {"writable", true}},
               {{"name", "Device.WiFi.SSID.1.Status"}, {"value", "Up"}, {"type", "string"}, {"writable", false}}})));
    }
    if (t.path == "/api/v1/devices/42") return Json(200, Device(42, "X"));
    json task = Task(5, "get_parameter_values", "done");
    task["result"] = {
        {"parameters",
         json::array({{{"name", "Device.DeviceInfo.UpTime"}, {"value", "3600"}, {"type", "unsignedInt"}}})}};
    task["connection_request"] = {{"status", "ok"}};
    return Json(200, task);
  });
  Outcome o = Run(server, {"get", "42", "Device.WiFi."});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out,
            "NAME                       TYPE    ACCESS  VALUE\n"
            "Device.WiFi.SSID.1.SSID    string  rw      home\n"
            "Device.WiFi.SSID.1.Status  string  ro      Up\n");
  EXPECT_EQ(server.requests()[0].target, "/api/v1/devices/42/parameters?prefix=Device.WiFi.");

  o = Run(server, {"get", "42", "Device.DeviceInfo.UpTime", "--live"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("Device.DeviceInfo.UpTime  unsignedInt  3600"), std::string::npos) << o.out;
  auto requests = server.requests();
  EXPECT_EQ(json::parse(requests.back().body),
            json::parse(R"({"type":"get_parameter_values","args":{"names":["Device.DeviceInfo.UpTime"]}})"));
  EXPECT_EQ(ParseTarget(requests.back().target).query.at("connection_request"), "true");

  // --live without a path reads the data model root the device reported.
  o = Run(server, {"get", "42", "--live"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  requests = server.requests();
  EXPECT_EQ(json::parse(requests.back().body)["args"], json::parse(R"({"names":["Device."]})"));
}

TEST_F(AcsctlApi, RefreshDefaultsToTheDataModelRoot) {
  TestHttpServer server([](const RecordedRequest& r) {
    if (r.method == "GET") {
      json d = Device(42, "X");
      d["data_model"] = "InternetGatewayDevice";
      return Json(200, d);
    }
    json t = Task(6, "refresh", "done");
    t["result"] = {{"parameters", 812}, {"removed", 3}};
    return Json(200, t);
  });
  const Outcome o = Run(server, {"refresh", "42"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "refreshed 812 parameters, 3 removed\n");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(json::parse(requests[1].body),
            json::parse(R"({"type":"refresh","args":{"path":"InternetGatewayDevice."}})"));
  EXPECT_EQ(ParseTarget(requests[1].target).query.at("wait"), "30");
}

TEST_F(AcsctlApi, TaskCreateSendsEverythingAndTaskShowWaits) {
  TestHttpServer server([](const RecordedRequest& r) {
    if (r.method == "POST") return Json(201, Task(12, "download", "queued"));
    json t = Task(12, "download", "done");
    t["result"] = {{"ok", true}};
    return Json(200, t);
  });
  Outcome o =
      Run(server, {"task", "create", "42", "download", "--args",
                   R"({"file_type":"1 Firmware Upgrade Image","url":"http://fw/x.img"})", "--no-connection-request",
                   "--expires-in", "1h", "--idempotency-key", "camp-7-42", "--max-attempts", "2"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("task:"), std::string::npos);
  EXPECT_NE(o.out.find("queued"), std::string::npos);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/api/v1/devices/42/tasks");  // no connection request, no wait
  EXPECT_EQ(requests[0].Header("Idempotency-Key"), "camp-7-42");
  EXPECT_EQ(json::parse(requests[0].body),
            json::parse(R"({"type":"download","args":{"file_type":"1 Firmware Upgrade Image",
      "url":"http://fw/x.img"},"expires_in":3600,"max_attempts":2})"));

  o = Run(server, {"task", "show", "12", "--wait", "10", "--json"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(json::parse(o.out)["state"], "done");
  requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].target, "/api/v1/tasks/12?wait=10");

  EXPECT_EQ(Run(server, {"task", "create", "42", "reboot", "--args", "[1]"}).exit_code, 2);
  EXPECT_EQ(Run(server, {"task", "create", "42", "reboot", "--expires-in", "soon"}).exit_code, 2);
  EXPECT_EQ(Run(server, {"task", "create", "42", "reboot", "--idempotency-key", "a\r\nX-Evil: 1"}).exit_code, 2);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(AcsctlApi, TaskListFiltersByDeviceAndState) {
  TestHttpServer server([](const RecordedRequest& r) {
    const Target t = ParseTarget(r.target);
    if (t.path == "/api/v1/devices") return Json(200, Page(json::array({Device(7, "ABC1")})));
    json f = Task(4, "reboot", "fault");
    f["fault"] = {{"code", 9002}, {"message", "Internal error"}};
    return Json(200, Page(json::array({Task(5, "reboot", "running", "sent"), f})));
  });
  const Outcome o = Run(server, {"task", "list", "--device", "ABC1", "--state", "fault", "--limit", "10"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  const Target t = ParseTarget(server.requests().back().target);
  EXPECT_EQ(t.path, "/api/v1/tasks");
  EXPECT_EQ(t.query, (std::map<std::string, std::string>{{"device", "7"}, {"state", "fault"}, {"limit", "10"}}));
  EXPECT_NE(o.out.find("running/sent"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("fault 9002: Internal error"), std::string::npos) << o.out;
  EXPECT_EQ(Run(server, {"task", "list", "--state", "sleeping"}).exit_code, 2);
}

// ---- tags / faults ---------------------------------------------------------------------------
TEST_F(AcsctlApi, TagsAddAndRemoveOnSeveralDevices) {
  TestHttpServer server([](const RecordedRequest& r) {
    const Target t = ParseTarget(r.target);
    if (t.path == "/api/v1/devices") return Json(200, Page(json::array({Device(7, "ABC1")})));
    if (t.path.starts_with("/api/v1/devices/99/")) return ApiError(404, "not_found", "no device 99");
    return Json(200, {{"tags", json::array({"fibre", "new tag"})}});
  });
  Outcome o = Run(server, {"tags", "add", "new tag", "42", "ABC1", "99"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "42: tags fibre, new tag\nABC1: tags fibre, new tag\n");
  EXPECT_NE(o.err.find("acsctl: 99: not_found: no device 99"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("acsctl: 1 of 3 devices not changed"), std::string::npos) << o.err;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/api/v1/devices/42/tags/new%20tag");
  EXPECT_EQ(requests[2].target, "/api/v1/devices/7/tags/new%20tag");

  o = Run(server, {"tags", "remove", "vip", "42"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(server.requests().back().method, "DELETE");
  EXPECT_EQ(server.requests().back().target, "/api/v1/devices/42/tags/vip");
}

TEST_F(AcsctlApi, TagsBulkWithFileOrFilter) {
  TestHttpServer server([](const RecordedRequest&) {
    return Json(200, {{"changed", 2}, {"missing", json::array({"ZZZ"})}, {"missing_count", 1}});
  });
  const fs::path list = WriteFile("serials.txt", "ABC1\nABC2\nZZZ\n");
  Outcome o = Run(server, {"tags", "bulk-add", "campaign-7", "--file", list.string()});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "tagged 2 devices\n1 not found: ZZZ\n");
  auto r = server.requests().back();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/api/v1/tags/campaign-7/devices");
  EXPECT_EQ(r.Header("Content-Type").rfind("text/plain", 0), 0u);
  EXPECT_EQ(r.body, "ABC1\nABC2\nZZZ\n");

  o = Run(server, {"tags", "bulk-remove", "campaign-7", "--filter-software-version", "V3", "--filter-online"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  r = server.requests().back();
  EXPECT_EQ(r.method, "DELETE");
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"filter":{"software_version":"V3","online":true}})"));

  // An empty filter is every device: refused without --confirm-all, sent with it.
  o = Run(server, {"tags", "bulk-add", "all"});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("--confirm-all"), std::string::npos);
  const size_t before = server.requests().size();
  o = Run(server, {"tags", "bulk-add", "all", "--confirm-all"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(server.requests().size(), before + 1);
  EXPECT_EQ(json::parse(server.requests().back().body), json::parse(R"({"filter":{},"confirm_all":true})"));
  EXPECT_EQ(Run(server, {"tags", "bulk-add", "x", "--file", list.string(), "--filter-oui", "00259E"}).exit_code, 2);
}

TEST_F(AcsctlApi, FaultsListAndClear) {
  TestHttpServer server([](const RecordedRequest& r) {
    const Target t = ParseTarget(r.target);
    if (r.method == "DELETE" && t.path == "/api/v1/faults") return Json(200, {{"deleted", 4}});
    if (r.method == "DELETE") {
      ScriptedResponse none;
      none.status = 204;
      return none;
    }
    return Json(200, Page(json::array({{{"id", 31},
                                        {"device_id", 42},
                                        {"task_id", 9},
                                        {"rpc", "Reboot"},
                                        {"code", 9002},
                                        {"message", "Internal error"},
                                        {"detail", nullptr},
                                        {"at", IsoAgo(std::chrono::seconds(7200))}}})));
  });
  Outcome o = Run(server, {"faults", "list", "--device", "42", "--task", "9"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(ParseTarget(server.requests().back().target).query,
            (std::map<std::string, std::string>{{"device", "42"}, {"task", "9"}}));
  EXPECT_NE(o.out.find("31  42      9     Reboot  9002  2h ago  Internal error"), std::string::npos) << o.out;

  o = Run(server, {"faults", "clear", "31"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "fault 31 cleared\n");
  EXPECT_EQ(server.requests().back().target, "/api/v1/faults/31");
  o = Run(server, {"faults", "clear", "--device", "42"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "4 faults of device 42 cleared\n");
  EXPECT_EQ(server.requests().back().method, "DELETE");
  EXPECT_EQ(server.requests().back().target, "/api/v1/faults?device=42");
  EXPECT_EQ(Run(server, {"faults", "clear"}).exit_code, 2);
}

TEST_F(AcsctlApi, DevicesSetPatchesOnlyTheGivenFields) {
  TestHttpServer server([](const RecordedRequest&) {
    json d = Device(42, "X");
    d["subscriber_phone"] = "+6421000000";
    return Json(200, d);
  });
  const Outcome o = Run(server, {"devices", "set", "42", "--phone", "+6421000000", "--subscriber-ref", ""});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].method, "PATCH");
  EXPECT_EQ(json::parse(server.requests()[0].body),
            json::parse(R"({"subscriber_phone":"+6421000000","subscriber_ref":""})"));
  EXPECT_NE(o.out.find("+6421000000"), std::string::npos);
  EXPECT_EQ(Run(server, {"devices", "set", "42"}).exit_code, 2);
}

TEST_F(AcsctlApi, ReasonIsSentWithEveryRequestAndChecked) {
  TestHttpServer server([](const RecordedRequest&) { return Json(201, Task(7, "factory_reset", "queued")); });
  Outcome o = Run(server, {"task", "create", "42", "factory_reset", "--no-connection-request", "--reason",
                           "customer locked out, ticket 4711"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("X-Ruru-Reason"), "customer locked out, ticket 4711");
  // From the environment when no flag is given; none at all when neither.
  o = RunWith({"task", "create", "42", "factory_reset", "--no-connection-request"},
              {{"RURU_API_URL", server.Url("")}, {"RURU_API_TOKEN", kToken}, {"RURU_REASON", "ticket 9"}});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  o = Run(server, {"task", "create", "42", "reboot", "--no-connection-request"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].Header("X-Ruru-Reason"), "ticket 9");
  EXPECT_EQ(requests[2].Header("X-Ruru-Reason"), "");
  // Header injection and oversize reasons are refused before anything is sent.
  EXPECT_EQ(Run(server, {"task", "create", "42", "reboot", "--reason", "a\r\nX-Evil: 1"}).exit_code, 2);
  EXPECT_EQ(Run(server, {"task", "create", "42", "reboot", "--reason", std::string(501, 'r')}).exit_code, 2);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(AcsctlApi, ReasonRequiredIsAnAuthFailure) {
  TestHttpServer server([](const RecordedRequest&) {
    return ApiError(403, "reason_required", "role helpdesk must give a reason for tasks.create.factory_reset");
  });
  Outcome o = Run(server, {"task", "create", "42", "factory_reset", "--no-connection-request"});
  EXPECT_EQ(o.exit_code, 4) << o.err;
  EXPECT_NE(o.err.find("reason_required"), std::string::npos) << o.err;
}

TEST_F(AcsctlApi, TokensWhoamiAndRoles) {
  TestHttpServer server([](const RecordedRequest& r) {
    if (r.method == "POST") {
      return Json(201, {{"name", "desk-1"},
                        {"role", "helpdesk"},
                        {"prefix", "ruru_AbCdEfG"},
                        {"created_at", "2026-12-03T10:00:00Z"},
                        {"expires_at", "2027-03-03T10:00:00Z"},
                        {"revoked_at", nullptr},
                        {"last_used_at", nullptr},
                        {"state", "active"},
                        {"token", "ruru_SECRET"}});
    }
    if (r.method == "DELETE") return ScriptedResponse{204};
    if (r.target == "/api/v1/me") {
      return Json(200, {{"name", "desk-1"}, {"role", "helpdesk"}, {"prefix", "ruru_AbCdEfG"},
                        {"expires_at", nullptr}, {"actions", {"devices.read", "tasks.create.reboot"}}});
    }
    if (r.target == "/api/v1/roles") {
      return Json(200, {{"roles", {{{"name", "helpdesk"}, {"summary", "find and reboot"}}}},
                        {"permissions",
                         {{{"action", "tasks.create.factory_reset"},
                           {"description", "factory-reset a device"},
                           {"roles", {"admin", "helpdesk"}},
                           {"reason_required", {"helpdesk"}},
                           {"changes_state", true}}}}});
    }
    return Json(200, Page(json::array({{{"name", "ops"}, {"role", "admin"}, {"prefix", "ruru_XyZ"}, {"state", "active"},
                                        {"expires_at", nullptr}, {"last_used_at", nullptr}}})));
  });
  Outcome o = Run(server, {"tokens", "create", "--name", "desk-1", "--role", "helpdesk", "--expires-in", "90d"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "ruru_SECRET\n");  // the secret alone on stdout
  EXPECT_NE(o.err.find("desk-1"), std::string::npos);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/api/v1/tokens");
  EXPECT_EQ(json::parse(requests[0].body), json({{"name", "desk-1"}, {"role", "helpdesk"}, {"expires_in", "90d"}}));

  o = Run(server, {"tokens", "list"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("ops"), std::string::npos);
  EXPECT_NE(o.out.find("never"), std::string::npos);
  o = Run(server, {"tokens", "revoke", "desk-1"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(server.requests().back().target, "/api/v1/tokens/desk-1");
  EXPECT_EQ(server.requests().back().method, "DELETE");

  o = Run(server, {"whoami"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("helpdesk"), std::string::npos);
  EXPECT_NE(o.out.find("tasks.create.reboot"), std::string::npos);
  o = Run(server, {"roles"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("tasks.create.factory_reset"), std::string::npos);
  EXPECT_NE(o.out.find("admin,helpdesk"), std::string::npos);
  EXPECT_EQ(Run(server, {"tokens", "create", "--name", "x"}).exit_code, 2);  // --role missing
}

TEST_F(AcsctlApi, AuditListsWithFilters) {
  TestHttpServer server([](const RecordedRequest&) {
    return Json(200, Page(json::array({{{"id", 9},
                                        {"at", "2026-12-03T10:00:00Z"},
                                        {"actor", "desk-1"},
                                        {"role", "helpdesk"},
                                        {"action", "tasks.create.factory_reset"},
                                        {"target", "device:42"},
                                        {"result", "reason_required"},
                                        {"reason", ""}}})));
  });
  Outcome o = Run(server, {"audit", "--actor", "desk-1", "--action", "tasks.create.", "--result", "denied", "--since",
                           "2026-12-01T00:00:00Z", "--limit", "10"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("tasks.create.factory_reset"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("reason_required"), std::string::npos) << o.out;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const Target t = ParseTarget(requests[0].target);
  EXPECT_EQ(t.path, "/api/v1/audit");
  EXPECT_EQ(t.query.at("actor"), "desk-1");
  EXPECT_EQ(t.query.at("action"), "tasks.create.");
  EXPECT_EQ(t.query.at("result"), "denied");
  EXPECT_EQ(t.query.at("since"), "2026-12-01T00:00:00Z");
  EXPECT_EQ(t.query.at("limit"), "10");
  EXPECT_EQ(t.query.count("until"), 0u);
}

}  // namespace
