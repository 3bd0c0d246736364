// What the API command groups share: the connection options, running a command as a CLI11
// callback, resolving a DEVICE argument, paging, creating and waiting for tasks, progress on
// stderr. docs/acsctl.md is the operators' reference; docs/api.md the API's.
//
// Output rules: results on stdout (a table, or with --json the API's JSON as it came), progress
// and warnings on stderr, a failure as one line "acsctl: <message>" on stderr and the exit code of
// cli_result.h.
// acsctl is single-threaded: nothing here is shared between threads or kept past the command.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "acs/acsctl/api_client.h"
#include "acs/acsctl/api_config.h"
#include "acs/acsctl/cli_result.h"
#include "acs/acsctl/output.h"

namespace ruru::acsctl {

inline constexpr const char* kApiPrefix = "/api/v1";

struct ApiCommandOptions {
  ConnectionOptions connection;
  bool json = false;  // --json: print the API's JSON as is
};

// Adds --url, --token, --token-file, --config and (with `json_flag`) --json to `command`.
void AddApiOptions(CLI::App* command, ApiCommandOptions* options, bool json_flag = true);

// The body of an API command, run with a client for the resolved endpoint.
using ApiCommandBody = std::function<CliStatus(ApiClient& client)>;

// Runs `body` (from a CLI11 callback): resolves the endpoint (the environment is the process's),
// makes the client, runs. On failure prints "acsctl: <message>" and throws CLI::RuntimeError with
// the failure's exit code, which main() returns.
void RunApiCommand(const ApiCommandOptions& options, const ApiCommandBody& body);

// Prints a response body as it came (--json), ending with a newline.
void PrintRawJson(const std::string& body);
// Prints JSON acsctl assembled (pages joined), on one line.
void PrintJson(const Json& json);

// ---- Devices ---------------------------------------------------------------------------------
// DEVICE on the command line: a numeric id; "serial:S" or a serial number S (looked up with
// GET /devices?serial=S: none or several matching is a failure listing them); or
// "OUI-ProductClass-Serial" (the serial after the last '-', then the OUI and product class
// checked). `device`, when non-null, receives the device object when a lookup fetched it (null
// for a bare id).
CliResult<int64_t> ResolveDevice(ApiClient& client, const std::string& text, Json* device = nullptr);
// The device object (GET /devices/{id}).
CliResult<Json> GetDevice(ApiClient& client, int64_t id);
// A not_found for a numeric DEVICE gets a hint that serial numbers are written serial:S.
Failure WithDeviceHint(Failure failure, const std::string& text);

// ---- Lists -----------------------------------------------------------------------------------
struct ListResult {
  Json items = Json::array();
  Json next_cursor;      // null when there are no more
  std::string raw_body;  // the body as it came when exactly one page was read
  int pages = 0;
};
// GET `path` with `query`; follows next_cursor when `all`.
CliResult<ListResult> GetList(ApiClient& client, const std::string& path, QueryParams query, bool all);
// Prints the list as --json wants it: the body as it came for one page, {"items":[...],
// "next_cursor":null} for several.
void PrintListJson(const ListResult& list);

// ---- Progress --------------------------------------------------------------------------------
// Progress on stderr while acsctl waits: on a terminal a spinner line redrawn in place, else plain
// lines, each status printed once.
class Progress {
 public:
  Progress(std::ostream& err, bool terminal);
  ~Progress();
  // A line of its own ("connection request: ok").
  void Line(const std::string& text);
  // What acsctl is waiting for now ("waiting for the device to come back…"); not a terminal: printed
  // when it changes, unless `terminal_only`.
  void Status(const std::string& text, bool terminal_only = false);
  // Redraws the spinner (at most every 100 ms); a no-op when not a terminal.
  void Tick();
  // Clears the spinner line.
  void Clear();
  // The status for a task object as it is now (from `describe`, default "waiting for task N: state").
  void Task(const Json& task);
  void SetDescriber(std::function<std::string(const Json& task)> describe) { describe_ = std::move(describe); }

 private:
  std::ostream& err_;
  bool terminal_;
  std::string status_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_{};
  int frame_ = 0;
  bool drawn_ = false;
  std::function<std::string(const Json& task)> describe_;
};

// True when stderr is a terminal.
bool StderrIsTerminal();

// ---- Tasks -----------------------------------------------------------------------------------
bool IsFinalState(const std::string& state);

struct TaskCreation {
  std::string type;
  Json args = Json::object();
  bool connection_request = true;
  std::chrono::seconds wait{0};         // total wait for a final state; 0: return once created
  std::chrono::seconds first_wait{30};  // the ?wait= of the POST itself (at most `wait`)
  std::optional<int64_t> expires_in;    // seconds
  std::optional<int64_t> max_attempts;
  bool hold_requests = false;
  std::string idempotency_key;
};

struct TaskOutcome {
  Json task;                // the last task object seen
  Json connection_request;  // from the creation answer, null when none
  std::string raw_body;     // the last answer as it came (--json)
  bool final = false;
};

// POST /devices/{id}/tasks (with ?connection_request=true&wait=), then long-polls
// GET /tasks/{id}?wait= until the task is final or `creation.wait` has passed. `on_created` (may
// be empty) runs once the creation answer is in, before any polling (to show the connection
// request's outcome).
CliResult<TaskOutcome> CreateAndWait(ApiClient& client, int64_t device_id, const TaskCreation& creation,
                                     Progress* progress, const std::function<void(const TaskOutcome&)>& on_created);
// Long-polls GET /tasks/{id}?wait= until `outcome` is final or `deadline` passes.
CliStatus WaitForTask(ApiClient& client, TaskOutcome* outcome, std::chrono::steady_clock::time_point deadline,
                      Progress* progress);

// One line about a connection request outcome for operators ("connection request: ok",
// "device unreachable (behind NAT?): ..."). `what` is what happens without one ("the task runs").
std::string DescribeConnectionRequest(const Json& connection_request, const std::string& what);

// "1h", "30m", "90s", "2d", "600" (seconds) -> seconds; nullopt when malformed.
std::optional<int64_t> ParseDurationSeconds(const std::string& text);

// Adds the group registrations (devices_command.cpp, task_command.cpp, tags_command.cpp).
void AddDevicesCommands(CLI::App& app);
void AddTaskCommands(CLI::App& app);  // task, get, set, refresh, reboot
void AddTagsCommands(CLI::App& app);  // tags, faults
void AddAccessCommands(CLI::App& app);  // whoami, roles, tokens, audit

}  // namespace ruru::acsctl
