// End-to-end: runs the real acsctl binary (ACSCTL_PATH) as a subprocess on the genieacs-sim
// captures, on every hand-written fixture of tests/fixtures/cwmp, on a JSON sample of every RPC
// (tests/cwmp/samples.h) and on bad input, and checks exit codes, stdout JSON/XML and the one-line
// stderr.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <set>
#include <vector>

#include "tests/cwmp/samples.h"
#include "tests/support/test_paths.h"

extern char** environ;

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct Outcome {
  int exit_code = -1;  // 128 + signal number when killed
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Runs acsctl with `args`, feeding `input` on stdin; kills it after `timeout`.
Outcome RunAcsctl(const std::vector<std::string>& args, const std::string& input = "",
                  std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  ::signal(SIGPIPE, SIG_IGN);  // acsctl may exit before reading all of stdin
  Outcome outcome;
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return outcome;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);  // dup2 clears O_CLOEXEC on the copy
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<std::string> argv_strings = {ACSCTL_PATH};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawn_error = ::posix_spawn(&pid, ACSCTL_PATH, &actions, nullptr, argv.data(), environ);
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
  if (input.empty()) {  // EOF right away
    ::close(stdin_fd);
    stdin_fd = -1;
  }
  int open_outputs = 2;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
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
      const ssize_t n = ::write(stdin_fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN) || written == input.size()) {
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
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  EXPECT_FALSE(outcome.timed_out) << "acsctl timed out";
  return outcome;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path Capture(const std::string& name) { return fs::path(RURU_FIXTURES_DIR) / "genieacs-sim" / name; }

std::vector<fs::path> AllCaptures() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(fs::path(RURU_FIXTURES_DIR) / "genieacs-sim")) {
    if (entry.path().extension() == ".http") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The RPC a capture holds, from its name: "script-004-req-GetParameterNamesResponse.http".
std::string RpcOf(const fs::path& path) {
  const std::string stem = path.stem().string();
  if (stem == "inform-wire-exact") return "Inform";
  const std::string rpc = stem.substr(stem.rfind("-req-") + 5);
  return rpc == "empty" || rpc == "GET" ? "" : rpc;
}

// The HTTP body of a capture (after the first blank line, CRLF or LF).
std::string BodyOf(const std::string& capture) {
  const size_t crlf = capture.find("\r\n\r\n");
  const size_t lf = capture.find("\n\n");
  if (crlf != std::string::npos && (lf == std::string::npos || crlf < lf)) return capture.substr(crlf + 4);
  return capture.substr(lf + 2);
}

// Exactly one line on stderr, starting with `prefix`, and nothing on stdout.
void ExpectOneLineError(const Outcome& o, const std::string& prefix) {
  EXPECT_EQ(o.exit_code, 2) << o.err;
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err.rfind(prefix, 0), 0u) << "stderr: " << o.err << "expected prefix: " << prefix;
  ASSERT_FALSE(o.err.empty());
  EXPECT_EQ(o.err.back(), '\n');
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
}

json ParseJson(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << text;
  return j;
}

bool HasWarning(const json& j, const std::string& warning) {
  if (!j.contains("warnings")) return false;
  const auto& w = j["warnings"];
  return std::find(w.begin(), w.end(), warning) != w.end();
}

TEST(AcsctlCwmp, DecodesEveryGenieAcsSimCapture) {
  const auto captures = AllCaptures();
  EXPECT_EQ(captures.size(), 19u);
  for (const auto& path : captures) {
    SCOPED_TRACE(path.filename().string());
    const std::string rpc = RpcOf(path);
    const Outcome o = RunAcsctl({"cwmp", "decode", "--compact", path.string()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(o.err, "");
    const json j = ParseJson(o.out);
    EXPECT_EQ(j.value("rpc", "?"), rpc);
    EXPECT_EQ(j.value("namespace", "?"), "urn:dslforum-org:cwmp-1-0");
    // The three RPCs the codec learned with Amendment 6 support, value by value.
    if (rpc == "AddObjectResponse") {
      EXPECT_EQ(j["id"], "rpc-AddObject");
      EXPECT_EQ(j["body"], json::parse(R"({"instance_number":2,"status":0})"));
    } else if (rpc == "DeleteObjectResponse") {
      EXPECT_EQ(j["id"], "rpc-DeleteObject");
      EXPECT_EQ(j["body"], json::parse(R"({"status":0})"));
    } else if (rpc == "DownloadResponse") {
      EXPECT_EQ(j["id"], "rpc-Download");
      EXPECT_EQ(j["body"], json::parse(R"({"status":1,"start_time":"0001-01-01T00:00:00Z",
                                           "complete_time":"0001-01-01T00:00:00Z"})"));
    }
    if (rpc == "AddObjectResponse" || rpc == "DeleteObjectResponse" || rpc == "DownloadResponse") {
      EXPECT_EQ(j["warnings"], json::array());
    }
  }
}

std::vector<fs::path> AllCwmpFixtures() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(fs::path(RURU_FIXTURES_DIR) / "cwmp")) {
    if (entry.path().extension() == ".xml") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every hand-written fixture decodes (exit 0, nothing on stderr), in the namespace its name says,
// and together they hold every RPC that has a sample.
TEST(AcsctlCwmp, DecodesEveryCwmpFixture) {
  const auto fixtures = AllCwmpFixtures();
  EXPECT_GE(fixtures.size(), 123u);
  std::set<std::string> seen;
  for (const auto& path : fixtures) {
    const std::string name = path.filename().string();
    SCOPED_TRACE(name);
    const Outcome o = RunAcsctl({"cwmp", "decode", "--compact", path.string()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(o.err, "");
    const json j = ParseJson(o.out);
    const std::string rpc = j.value("rpc", "?");
    EXPECT_NE(rpc, "");
    seen.insert(rpc);
    for (const std::string ns : {"1-0", "1-1", "1-2"}) {
      if (name.ends_with("-" + ns + ".xml")) {
        EXPECT_EQ(j.value("namespace", "?"), "urn:dslforum-org:cwmp-" + ns);
      }
    }
  }
  for (const auto& sample : ruru::test::JsonSamples()) {
    const std::string rpc = json::parse(sample.json).value("rpc", "?");
    if (!rpc.empty()) {
      EXPECT_TRUE(seen.count(rpc)) << "no fixture decodes to " << rpc;
    }
  }
}

// JSON -> acsctl cwmp encode -> acsctl cwmp decode gives the JSON back, for a sample of every RPC.
TEST(AcsctlCwmp, EveryRpcSampleSurvivesEncodeAndDecode) {
  std::set<std::string> rpcs;
  for (const auto& sample : ruru::test::JsonSamples()) {
    SCOPED_TRACE(sample.label);
    const json original = json::parse(sample.json);
    const Outcome xml = RunAcsctl({"cwmp", "encode"}, std::string(sample.json));
    ASSERT_EQ(xml.exit_code, 0) << xml.err;
    EXPECT_EQ(xml.err, "");
    const std::string rpc = original["rpc"];
    rpcs.insert(rpc);
    if (rpc.empty()) {
      EXPECT_EQ(xml.out, "");  // the empty message is an empty HTTP body
      continue;
    }
    const std::string element = rpc == "Fault" ? "<SOAP-ENV:Fault>" : "<cwmp:" + rpc;
    EXPECT_NE(xml.out.find(element), std::string::npos) << xml.out;
    const Outcome back = RunAcsctl({"cwmp", "decode", "-"}, xml.out);
    ASSERT_EQ(back.exit_code, 0) << back.err << "\n" << xml.out;
    json decoded = ParseJson(back.out);
    for (const auto& w : decoded["warnings"]) {
      // Only the Inform sample's deliberately unknown value type is worth a warning.
      EXPECT_NE(w.get<std::string>().find("unknown xsi:type \"xsd:anySimpleType\""), std::string::npos) << w;
    }
    decoded.erase("warnings");
    EXPECT_EQ(decoded, original) << back.out;
  }
  EXPECT_EQ(rpcs.size(), 52u);  // "", 50 RPCs, Fault
}

// docs/acsctl.md shows the body of every RPC as real acsctl output: each row
// "| `Rpc` | `{...}` | [file.xml](...) |" must equal what acsctl decodes from that fixture today.
TEST(AcsctlCwmp, DocumentedBodiesAreRealOutput) {
  const std::string doc = ReadFile(fs::path(RURU_FIXTURES_DIR) / ".." / ".." / "docs" / "acsctl.md");
  ASSERT_FALSE(doc.empty());
  const std::regex row(R"re(\| `(\w+)` \| `(\{.*\})` \| \[([\w.-]+\.xml)\])re");
  std::set<std::string> documented;
  for (std::sregex_iterator it(doc.begin(), doc.end(), row), end; it != end; ++it) {
    const std::string rpc = (*it)[1], body = (*it)[2], file = (*it)[3];
    SCOPED_TRACE(file);
    const Outcome o = RunAcsctl({"cwmp", "decode", "--compact", (fs::path(RURU_FIXTURES_DIR) / "cwmp" / file).string()});
    ASSERT_EQ(o.exit_code, 0) << o.err;
    const auto j = nlohmann::ordered_json::parse(o.out);  // keys in acsctl's order, as documented
    EXPECT_EQ(j["rpc"], rpc);
    EXPECT_EQ(j["body"].dump(), body);
    documented.insert(rpc);
  }
  // The RPCs documented this way: all of them but the 13 of the table above them and Empty.
  EXPECT_EQ(documented.size(), 38u);
  for (const auto& sample : ruru::test::JsonSamples()) {
    const std::string rpc = json::parse(sample.json).value("rpc", "?");
    if (rpc.empty()) continue;
    const bool in_table = doc.find("| `" + rpc + "` |") != std::string::npos;
    const bool in_example = doc.find("\"rpc\": \"" + rpc + "\"") != std::string::npos;  // Inform: a full example
    EXPECT_TRUE(documented.count(rpc) || in_table || in_example) << rpc << " is not documented in docs/acsctl.md";
  }
}

TEST(AcsctlCwmp, DecodeInformCapture) {
  const Outcome o = RunAcsctl({"cwmp", "decode", Capture("script-001-req-Inform.http").string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out.rfind("{\n  \"namespace\": \"urn:dslforum-org:cwmp-1-0\",\n  \"id\": ", 0), 0u) << o.out;
  EXPECT_EQ(o.out.back(), '\n');
  const json j = ParseJson(o.out);
  EXPECT_EQ(j["rpc"], "Inform");
  EXPECT_EQ(j["id"], "p4cn6rtl");
  EXPECT_EQ(j["hold_requests"], false);
  EXPECT_FALSE(j.contains("no_more_requests"));
  EXPECT_EQ(j["body"]["device_id"]["oui"], "202BC1");
  EXPECT_EQ(j["body"]["device_id"]["serial_number"], "000000");
  EXPECT_EQ(j["body"]["events"][0]["code"], "2 PERIODIC");
  EXPECT_EQ(j["body"]["parameters"].size(), 7u);
  EXPECT_EQ(j["body"]["parameters"][0],
            json({{"name", "InternetGatewayDevice.DeviceInfo.SpecVersion"}, {"type", "xsd:string"}, {"value", "1"}}));
  EXPECT_TRUE(HasWarning(j, "ParameterList: arrayType declares 16 items, 7 sent")) << j["warnings"];
}

TEST(AcsctlCwmp, CompactPrintsOneLine) {
  const Outcome o = RunAcsctl({"cwmp", "decode", "--compact", Capture("script-003-req-Fault.http").string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(std::count(o.out.begin(), o.out.end(), '\n'), 1);
  const json j = ParseJson(o.out);
  EXPECT_EQ(j["rpc"], "Fault");
  EXPECT_EQ(j["body"]["code"], 9000);
  EXPECT_EQ(j["body"]["standard_text"], "Method not supported");
}

TEST(AcsctlCwmp, ReadsStandardInput) {
  const fs::path path = Capture("script-005-req-GetParameterValuesResponse.http");
  const Outcome from_file = RunAcsctl({"cwmp", "decode", path.string()});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  const Outcome dash = RunAcsctl({"cwmp", "decode", "-"}, ReadFile(path));
  EXPECT_EQ(dash.exit_code, 0) << dash.err;
  EXPECT_EQ(dash.out, from_file.out);
  const Outcome no_arg = RunAcsctl({"cwmp", "decode"}, ReadFile(path));
  EXPECT_EQ(no_arg.exit_code, 0) << no_arg.err;
  EXPECT_EQ(no_arg.out, from_file.out);
  // A bare SOAP envelope (no HTTP headers) gives the same JSON.
  const Outcome bare = RunAcsctl({"cwmp", "decode", "-"}, BodyOf(ReadFile(path)));
  EXPECT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_EQ(bare.out, from_file.out);
}

TEST(AcsctlCwmp, HttpContentLengthIsHonoured) {
  const std::string capture = ReadFile(Capture("script-006-req-SetParameterValuesResponse.http"));
  const Outcome o = RunAcsctl({"cwmp", "decode", "-"}, capture + "POST / HTTP/1.1\r\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const json j = ParseJson(o.out);
  EXPECT_EQ(j["rpc"], "SetParameterValuesResponse");
  EXPECT_TRUE(HasWarning(j, "HTTP: 17 bytes after the Content-Length body ignored")) << j["warnings"];

  // A truncated capture: Content-Length promises more than follows.
  const Outcome cut = RunAcsctl({"cwmp", "decode", "-"}, capture.substr(0, capture.size() - 30));
  ExpectOneLineError(cut, "acsctl: cwmp decode: ");
}

TEST(AcsctlCwmp, HttpChunkedBodyIsDechunked) {
  const std::string body = BodyOf(ReadFile(Capture("script-004-req-GetParameterNamesResponse.http")));
  const Outcome bare = RunAcsctl({"cwmp", "decode", "-"}, body);
  ASSERT_EQ(bare.exit_code, 0) << bare.err;

  for (const std::string eol : {"\r\n", "\n"}) {
    std::string message =
        "HTTP/1.1 200 OK" + eol + "Content-Type: text/xml" + eol + "Transfer-Encoding: chunked" + eol + eol;
    for (size_t pos = 0; pos < body.size(); pos += 700) {
      const std::string chunk = body.substr(pos, 700);
      std::ostringstream size;
      size << std::hex << chunk.size();
      message += size.str() + (pos == 0 ? ";ext=1" : "") + eol + chunk + eol;
    }
    message += "0" + eol + "X-Trailer: yes" + eol + eol;
    const Outcome o = RunAcsctl({"cwmp", "decode"}, message);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(o.out, bare.out);
  }

  const Outcome truncated =
      RunAcsctl({"cwmp", "decode"}, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n<soap");
  ExpectOneLineError(truncated, "acsctl: cwmp decode: chunk of 1024 bytes but only 5 bytes follow");
}

TEST(AcsctlCwmp, HttpResponseWithoutBodyIsEmpty) {
  const Outcome o = RunAcsctl({"cwmp", "decode", "--compact"}, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(
      o.out,
      R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"","hold_requests":false,"rpc":"","body":{},"warnings":[]})"
      "\n");
}

TEST(AcsctlCwmp, EncodeDecodeRoundTrip) {
  int round_tripped = 0;
  for (const auto& path : AllCaptures()) {
    SCOPED_TRACE(path.filename().string());
    const Outcome first = RunAcsctl({"cwmp", "decode", path.string()});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    const Outcome xml = RunAcsctl({"cwmp", "encode", "-"}, first.out);
    ASSERT_EQ(xml.exit_code, 0) << xml.err;
    EXPECT_EQ(xml.err, "");
    const Outcome second = RunAcsctl({"cwmp", "decode", "-"}, xml.out);
    ASSERT_EQ(second.exit_code, 0) << second.err << "\n" << xml.out;
    json a = ParseJson(first.out), b = ParseJson(second.out);
    EXPECT_EQ(b["warnings"], json::array());  // what Ruru writes is clean, even when the CPE's was not
    a.erase("warnings");
    b.erase("warnings");
    EXPECT_EQ(a, b);
    ++round_tripped;
  }
  EXPECT_EQ(round_tripped, 19);
}

TEST(AcsctlCwmp, EncodeWritesSoap) {
  const Outcome o = RunAcsctl({"cwmp", "encode"}, R"({"id":"42","rpc":"GetParameterValues",
      "body":{"names":["InternetGatewayDevice.DeviceInfo."]}})");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("<cwmp:ID SOAP-ENV:mustUnderstand=\"1\">42</cwmp:ID>"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("<string>InternetGatewayDevice.DeviceInfo.</string>"), std::string::npos) << o.out;
  EXPECT_TRUE(o.out.ends_with("</SOAP-ENV:Envelope>\r\n") || o.out.ends_with("</SOAP-ENV:Envelope>\n")) << o.out;
  // Empty is an empty HTTP body: nothing at all.
  const Outcome empty = RunAcsctl({"cwmp", "encode"}, R"({"rpc":""})");
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "");
}

TEST(AcsctlCwmp, GarbageIsExit2WithOneLine) {
  ExpectOneLineError(RunAcsctl({"cwmp", "decode"}, "this is not a CWMP message\n\x01\x02"),
                     "acsctl: cwmp decode: not an XML document");
  ExpectOneLineError(RunAcsctl({"cwmp", "decode"}, "<soap-env:Envelope><unclosed"), "acsctl: cwmp decode: ");
  ExpectOneLineError(RunAcsctl({"cwmp", "decode"}, "POST / HTTP/1.1\r\nno colon here\r\n\r\n<x/>"),
                     "acsctl: cwmp decode: malformed HTTP header line");
}

TEST(AcsctlCwmp, DoctypeIsRejected) {
  const std::string xxe =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
      "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap-env:Body>&xxe;"
      "</soap-env:Body></soap-env:Envelope>";
  ExpectOneLineError(RunAcsctl({"cwmp", "decode"}, xxe), "acsctl: cwmp decode: DTD declarations");
  ExpectOneLineError(RunAcsctl({"cwmp", "decode"}, "POST / HTTP/1.1\r\nContent-Length: 200\r\n\r\n" + xxe),
                     "acsctl: cwmp decode: DTD declarations");
}

TEST(AcsctlCwmp, BadJsonIsExit2WithOneLine) {
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, "{not json"), "acsctl: cwmp encode: invalid JSON: parse error");
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, ""), "acsctl: cwmp encode: invalid JSON: parse error");
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, R"({"rpc":"Inform","body":{"device_id":{"OUI":"x"}}})"),
                     R"(acsctl: cwmp encode: body.device_id: unknown key "OUI")");
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, R"({"rpc":"SetVouchers"})"),
                     R"(acsctl: cwmp encode: rpc: unknown or unsupported RPC "SetVouchers")");
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, R"({"rpc":"reboot"})"),
                     R"(acsctl: cwmp encode: rpc: unknown or unsupported RPC "reboot")");
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, R"({"rpc":"ChangeDUState","body":{"operations":[{"operation":"Restart"}]}})"),
                     R"(acsctl: cwmp encode: body.operations[0].operation: unknown operation "Restart")");
  // Valid JSON that breaks a schema limit: Encode refuses it.
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, R"({"rpc":"TransferComplete","body":{
      "command_key":"0123456789012345678901234567890123456789",
      "start_time":"0001-01-01T00:00:00Z","complete_time":"0001-01-01T00:00:00Z"}})"),
                     "acsctl: cwmp encode: CommandKey longer than 32 characters");
  // Schema rules of the Amendment 6 RPCs, one of each kind.
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, R"({"rpc":"Download","body":{"file_type":"2 Vendor Log File",
      "url":"https://fw.example.net/f.img"}})"),
                     R"(acsctl: cwmp encode: Download FileType "2 Vendor Log File" is not valid for this RPC)");
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, R"({"rpc":"ScheduleDownload","body":{"file_type":"1 Firmware Upgrade Image",
      "url":"https://fw.example.net/f.img","time_windows":[]}})"),
                     "acsctl: cwmp encode: ScheduleDownload needs one or two time windows");
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, R"({"rpc":"AddObject","body":{"object_name":"Device.NAT.PortMapping"}})"),
                     R"(acsctl: cwmp encode: ObjectName "Device.NAT.PortMapping" must end with '.')");
  ExpectOneLineError(RunAcsctl({"cwmp", "encode"}, R"({"rpc":"ChangeDUState","body":{"operations":[{"operation":"Uninstall"}]}})"),
                     "acsctl: cwmp encode: Uninstall operation without UUID");
}

TEST(AcsctlCwmp, LimitsComeFromOptions) {
  const std::string inform = Capture("script-001-req-Inform.http").string();
  ExpectOneLineError(RunAcsctl({"cwmp", "decode", "--max-body-bytes", "1000", inform}),
                     "acsctl: cwmp decode: body of 2066 bytes exceeds the cap of 1000");
  ExpectOneLineError(RunAcsctl({"cwmp", "decode", "--max-array-items", "5", inform}), "acsctl: cwmp decode: ");
  ExpectOneLineError(RunAcsctl({"cwmp", "decode", "--max-string-bytes", "20", inform}), "acsctl: cwmp decode: ");
  ExpectOneLineError(RunAcsctl({"cwmp", "decode", "--max-depth", "3", inform}), "acsctl: cwmp decode: ");
  // Raised limits still decode.
  const Outcome o = RunAcsctl({"cwmp", "decode", "--max-body-bytes", "4096", "--max-array-items", "16",
                               "--max-string-bytes", "100", "--max-depth", "8", inform});
  EXPECT_EQ(o.exit_code, 0) << o.err;
}

TEST(AcsctlCwmp, FileAndUsageErrorsAreExit2) {
  ExpectOneLineError(RunAcsctl({"cwmp", "decode", "/nonexistent/capture.http"}),
                     "acsctl: cwmp decode: cannot open /nonexistent/capture.http: No such file or directory");
  ExpectOneLineError(RunAcsctl({"cwmp", "encode", "/nonexistent/msg.json"}), "acsctl: cwmp encode: cannot open");
  ExpectOneLineError(RunAcsctl({"cwmp", "decode", "--no-such-option"}), "acsctl: ");
  ExpectOneLineError(RunAcsctl({"cwmp", "decode", "--max-depth", "0"}), "acsctl: ");
  ExpectOneLineError(RunAcsctl({}), "acsctl: ");
  ExpectOneLineError(RunAcsctl({"cwmp"}), "acsctl: ");
}

TEST(AcsctlCwmp, VersionAndHelp) {
  const Outcome version = RunAcsctl({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("acsctl ", 0), 0u) << version.out;
  const Outcome help = RunAcsctl({"cwmp", "decode", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--max-body-bytes"), std::string::npos) << help.out;
}

}  // namespace
