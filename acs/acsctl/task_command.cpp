// The task commands: `acsctl task create|list|show|cancel`, and the everyday shorthands built on
// tasks: `get` (stored values, or --live), `set`, `refresh`, `reboot`.
#include <algorithm>
#include <iostream>
#include <memory>

#include "acs/acsctl/api_command.h"
#include "cwmp/types.h"

namespace ruru::acsctl {
namespace {

using std::chrono::seconds;

std::string TaskPath(int64_t id) { return std::string(kApiPrefix) + "/tasks/" + std::to_string(id); }

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string FaultText(const Json& task) {
  const Json& fault = Field(task, "fault");
  if (!fault.is_object()) return "";
  const auto code = Int(fault, "code");
  return "fault " + (code ? std::to_string(*code) : Text(Field(fault, "code"))) + ": " + Str(fault, "message");
}

std::string TaskId(const Json& task) { return std::to_string(Int(task, "id").value_or(0)); }

// The root of the device's data model ("Device." or "InternetGatewayDevice."), for a refresh or a
// live read of the whole tree.
CliResult<std::string> DataModelRoot(ApiClient& client, int64_t device_id) {
  auto device = GetDevice(client, device_id);
  if (!device) return device.failure();
  std::string root = Str(*device, "data_model");
  if (root.empty()) {
    return Failed("device " + std::to_string(device_id) + " has not reported its data model yet: give a PATH");
  }
  if (root.back() != '.') root += '.';
  return root;
}

// ---- Printing tasks --------------------------------------------------------------------------
// The result of a done task, the way its type reads best.
void PrintResult(const Json& task) {
  const std::string type = Str(task, "type");
  const Json& result = Field(task, "result");
  if (result.is_null()) return;
  const Json& params = Field(result, "parameters");
  if ((type == "get_parameter_values" || type == "get_parameter_names") && params.is_array()) {
    Table table(type == "get_parameter_values" ? std::vector<std::string>{"NAME", "TYPE", "VALUE"}
                                               : std::vector<std::string>{"NAME", "WRITABLE"});
    for (const Json& p : params) {
      if (type == "get_parameter_values") {
        table.Add({Str(p, "name"), Str(p, "type"), Text(Field(p, "value"))});
      } else {
        const auto w = Bool(p, "writable");
        table.Add({Str(p, "name"), w ? (*w ? "yes" : "no") : "-"});
      }
    }
    table.Print(std::cout);
    return;
  }
  if (type == "set_parameter_values" && Int(result, "status")) {
    std::cout << (*Int(result, "status") == 0
                      ? "applied (status 0)\n"
                      : "accepted; the device applies it after a reboot or commit (status 1)\n");
    return;
  }
  if (type == "refresh" && Int(result, "parameters")) {
    std::cout << "refreshed " << *Int(result, "parameters") << " parameters, " << Int(result, "removed").value_or(0)
              << " removed\n";
    return;
  }
  if (type == "add_object" && Int(result, "instance_number")) {
    std::cout << "instance " << *Int(result, "instance_number") << " (status " << Int(result, "status").value_or(0)
              << ")\n";
    return;
  }
  std::cout << Safe(result.dump(2, ' ', false, Json::error_handler_t::replace)) << "\n";
}

void PrintTask(const Json& t) {
  const auto now = std::chrono::system_clock::now();
  const std::string phase = Str(t, "phase");
  std::vector<std::pair<std::string, std::string>> fields = {
      {"task", TaskId(t)},
      {"device", std::to_string(Int(t, "device_id").value_or(0))},
      {"type", Str(t, "type")},
      {"state", Str(t, "state") + (phase.empty() ? "" : " (" + phase + ")")},
      {"attempts",
       std::to_string(Int(t, "attempts").value_or(0)) + " of " + std::to_string(Int(t, "max_attempts").value_or(0))},
      {"args", Text(Field(t, "args"))},
      {"created",
       TimeWithAge(Str(t, "created_at"), now) + (Str(t, "created_by").empty() ? "" : " by " + Str(t, "created_by"))},
      {"sent", TimeWithAge(Str(t, "sent_at"), now)},
      {"finished", TimeWithAge(Str(t, "finished_at"), now)},
      {"expires", TimeWithAge(Str(t, "expires_at"), now)},
  };
  if (!Str(t, "not_before").empty()) fields.emplace_back("not before", TimeWithAge(Str(t, "not_before"), now));
  if (!FaultText(t).empty()) fields.emplace_back("fault", FaultText(t));
  PrintFields(std::cout, fields);
  if (Str(t, "state") == "done" && !Field(t, "result").is_null()) {
    std::cout << "result:\n";
    PrintResult(t);
  }
}

// What a task that did not end well means, as the failure acsctl exits with; {} when it is done.
// `what` names the operation in messages ("reboot").
CliStatus FinalStatus(const TaskOutcome& outcome, const std::string& what, seconds waited) {
  const Json& t = outcome.task;
  const std::string id = TaskId(t);
  const std::string state = Str(t, "state");
  if (!outcome.final) {
    const std::string phase = Str(t, "phase");
    return Failed(what + ": no outcome within " + std::to_string(waited.count()) + " s: task " + id + " is " + state +
                  (phase.empty() ? "" : " (" + phase + ")") + "; follow it with: acsctl task show " + id +
                  " --wait 300");
  }
  if (state == "done") return {};
  if (state == "fault") return Failed(what + " failed: " + FaultText(t) + " (task " + id + ")");
  if (state == "expired") return Failed(what + ": task " + id + " expired before the device carried it out");
  if (state == "cancelled") return Failed(what + ": task " + id + " was cancelled");
  return Failed(what + ": task " + id + " ended in state \"" + state + "\"");
}

// Runs a task for a shorthand command (get --live, set, refresh): creation with a connection
// request, progress on stderr, then the outcome: `on_done` prints a done task (not with --json).
CliStatus RunTaskShorthand(ApiClient& client, const ApiCommandOptions& api, int64_t device_id, TaskCreation creation,
                           const std::string& what, const std::function<void(const Json&)>& on_done) {
  Progress progress(std::cerr, StderrIsTerminal());
  auto outcome = CreateAndWait(
      client, device_id, creation, creation.wait.count() > 0 ? &progress : nullptr, [&](const TaskOutcome& o) {
        const std::string line = DescribeConnectionRequest(o.connection_request, "the task runs");
        if (!line.empty()) progress.Line(line);
      });
  progress.Clear();
  if (!outcome) return outcome.failure();
  if (api.json) PrintRawJson(outcome->raw_body);
  if (creation.wait.count() == 0) {
    if (!api.json) std::cout << "task " << TaskId(outcome->task) << " queued\n";
    return {};
  }
  if (CliStatus st = FinalStatus(*outcome, what, creation.wait); !st) return st;
  if (!api.json) on_done(outcome->task);
  return {};
}

// ---- get -------------------------------------------------------------------------------------
struct GetOptions {
  ApiCommandOptions api;
  std::string device;
  std::vector<std::string> prefixes;
  bool live = false;
  int wait = 60;
};

CliStatus RunGet(ApiClient& client, const GetOptions& o) {
  auto id = ResolveDevice(client, o.device);
  if (!id) return id.failure();
  if (o.live) {
    std::vector<std::string> names = o.prefixes;
    for (const std::string& name : names) {
      auto path = cwmp::ParameterPath::Parse(name);
      if (!path) return Usage("PATH \"" + Safe(name) + "\": " + path.error().message);
    }
    if (names.empty()) {
      auto root = DataModelRoot(client, *id);
      if (!root) return WithDeviceHint(root.failure(), o.device);
      names.push_back(*root);
    }
    TaskCreation creation;
    creation.type = "get_parameter_values";
    creation.args = Json{{"names", names}};
    creation.wait = seconds(o.wait);
    auto st = RunTaskShorthand(client, o.api, *id, creation, "get", [](const Json& task) { PrintResult(task); });
    return st ? st : WithDeviceHint(st.failure(), o.device);
  }

  const std::vector<std::string> prefixes = o.prefixes.empty() ? std::vector<std::string>{""} : o.prefixes;
  ListResult all;
  for (const std::string& prefix : prefixes) {
    auto list = GetList(client, std::string(kApiPrefix) + "/devices/" + std::to_string(*id) + "/parameters",
                        {{"prefix", prefix}}, /*all=*/true);
    if (!list) return WithDeviceHint(list.failure(), o.device);
    if (prefixes.size() == 1) {
      all = std::move(*list);
      break;
    }
    for (Json& item : list->items) all.items.push_back(std::move(item));
    all.pages += list->pages;
  }
  if (o.api.json) {
    PrintListJson(all);
    return {};
  }
  if (all.items.empty()) {
    std::cerr << "no stored parameters" << (o.prefixes.empty() ? "" : " under these prefixes") << "; `acsctl refresh "
              << *id << " [PATH]` reads them from the device\n";
    return {};
  }
  Table table({"NAME", "TYPE", "ACCESS", "VALUE"});
  for (const Json& p : all.items) {
    const auto w = Bool(p, "writable");
    table.Add({Str(p, "name"), Str(p, "type"), w ? (*w ? "rw" : "ro") : "-", Text(Field(p, "value"))});
  }
  table.Print(std::cout);
  return {};
}

// ---- set -------------------------------------------------------------------------------------
// NAME=VALUE[:TYPE]: the name ends at the first '='; a type is recognised only after the last ':'
// and only when it is one of the xsd types (optionally written "xsd:int"), so "12:30" and
// "http://h:80/" stay strings. "V:string" keeps a value that ends in a type name.
CliResult<Json> ParseAssignment(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return Usage("\"" + Safe(text) + "\": expected NAME=VALUE[:TYPE]");
  const std::string name = text.substr(0, eq);
  std::string value = text.substr(eq + 1);
  std::string type = "string";
  if (const size_t colon = value.rfind(':'); colon != std::string::npos) {
    static const std::vector<std::string> kTypes = {"string",       "int",      "unsignedInt", "long",
                                                    "unsignedLong", "boolean",  "dateTime",    "base64",
                                                    "base64Binary", "hexBinary"};
    const std::string candidate = value.substr(colon + 1);
    if (std::find(kTypes.begin(), kTypes.end(), candidate) != kTypes.end()) {
      type = candidate == "base64Binary" ? "base64" : candidate;
      value.resize(colon);
      if (value.ends_with(":xsd")) value.resize(value.size() - 4);
    }
  }
  auto path = cwmp::ParameterPath::Parse(name);
  if (!path) return Usage("\"" + Safe(name) + "\": " + path.error().message);
  if (path->IsPartial()) return Usage("\"" + Safe(name) + "\": a parameter name, not an object path ending in '.'");
  const cwmp::ParameterValue typed{cwmp::ValueTypeFromXsi(type), value};
  if (auto problem = typed.Validate()) return Usage(Safe(name) + ": " + *problem);
  return Json{{"name", name}, {"value", value}, {"type", type}};
}

struct SetOptions {
  ApiCommandOptions api;
  std::string device;
  std::vector<std::string> assignments;
  int wait = 60;
};

CliStatus RunSet(ApiClient& client, const SetOptions& o) {
  Json parameters = Json::array();
  for (const std::string& a : o.assignments) {
    auto p = ParseAssignment(a);
    if (!p) return p.failure();
    parameters.push_back(std::move(*p));
  }
  auto id = ResolveDevice(client, o.device);
  if (!id) return id.failure();
  TaskCreation creation;
  creation.type = "set_parameter_values";
  creation.args = Json{{"parameters", parameters}};
  creation.wait = seconds(o.wait);
  auto st = RunTaskShorthand(client, o.api, *id, creation, "set", [](const Json& task) { PrintResult(task); });
  return st ? st : WithDeviceHint(st.failure(), o.device);
}

// ---- refresh ---------------------------------------------------------------------------------
struct RefreshOptions {
  ApiCommandOptions api;
  std::string device;
  std::string path;
  int wait = 120;
};

CliStatus RunRefresh(ApiClient& client, const RefreshOptions& o) {
  if (!o.path.empty()) {
    auto path = cwmp::ParameterPath::Parse(o.path);
    if (!path) return Usage("PATH \"" + Safe(o.path) + "\": " + path.error().message);
  }
  auto id = ResolveDevice(client, o.device);
  if (!id) return id.failure();
  std::string path = o.path;
  if (path.empty()) {
    auto root = DataModelRoot(client, *id);
    if (!root) return WithDeviceHint(root.failure(), o.device);
    path = *root;
  }
  TaskCreation creation;
  creation.type = "refresh";
  creation.args = Json{{"path", path}};
  creation.wait = seconds(o.wait);
  auto st = RunTaskShorthand(client, o.api, *id, creation, "refresh", [](const Json& task) { PrintResult(task); });
  return st ? st : WithDeviceHint(st.failure(), o.device);
}

// ---- reboot ----------------------------------------------------------------------------------
struct RebootOptions {
  ApiCommandOptions api;
  std::string device;
  int timeout = 300;
};

CliStatus RunReboot(ApiClient& client, const RebootOptions& o) {
  auto id = ResolveDevice(client, o.device);
  if (!id) return id.failure();
  Progress progress(std::cerr, StderrIsTerminal());
  progress.SetDescriber([](const Json& task) -> std::string {
    const std::string state = Str(task, "state");
    const std::string phase = Str(task, "phase");
    if (state == "queued" || phase == "claimed") return "waiting for the device to contact acsd…";
    return "waiting for the device to come back…";
  });
  TaskCreation creation;
  creation.type = "reboot";
  creation.wait = seconds(o.timeout);
  creation.first_wait = seconds(30);
  progress.Status("asking acsd to reboot the device…", /*terminal_only=*/true);
  auto outcome = CreateAndWait(client, *id, creation, &progress, [&](const TaskOutcome& created) {
    const std::string line = DescribeConnectionRequest(created.connection_request, "the reboot runs");
    if (!line.empty()) progress.Line(line);
    if (!created.final) progress.Task(created.task);
  });
  progress.Clear();
  if (!outcome) return WithDeviceHint(outcome.failure(), o.device);
  if (o.api.json) PrintRawJson(outcome->raw_body);
  if (CliStatus st = FinalStatus(*outcome, "reboot", seconds(o.timeout)); !st) return st;
  if (o.api.json) return {};
  const Json& t = outcome->task;
  const std::string from = Str(t, "sent_at").empty() ? Str(t, "created_at") : Str(t, "sent_at");
  if (const auto s = SecondsBetween(from, Str(t, "finished_at"))) {
    std::cout << "back online after " << *s << " s\n";
  } else {
    std::cout << "back online\n";
  }
  return {};
}

// ---- task create/list/show/cancel ------------------------------------------------------------
struct CreateOptions {
  ApiCommandOptions api;
  std::string device, type, args = "{}", expires_in, idempotency_key;
  int wait = 0;
  int max_attempts = 0;
  bool no_connection_request = false, hold_requests = false;
};

CliStatus RunCreate(ApiClient& client, const CreateOptions& o) {
  TaskCreation creation;
  creation.type = o.type;
  creation.args = Json::parse(o.args, nullptr, /*allow_exceptions=*/false);
  if (!creation.args.is_object()) return Usage("--args: expected a JSON object, e.g. '{\"names\":[\"Device.\"]}'");
  if (!o.expires_in.empty()) {
    creation.expires_in = ParseDurationSeconds(o.expires_in);
    if (!creation.expires_in || *creation.expires_in <= 0) {
      return Usage("--expires-in \"" + Safe(o.expires_in) + "\": expected a duration such as 90s, 30m, 1h, 7d");
    }
  }
  if (o.max_attempts > 0) creation.max_attempts = o.max_attempts;
  creation.hold_requests = o.hold_requests;
  creation.connection_request = !o.no_connection_request;
  for (unsigned char ch : o.idempotency_key) {
    if (ch < 0x20 || ch > 0x7e || o.idempotency_key.size() > 128) {
      return Usage("--idempotency-key: 1 to 128 printable ASCII characters");
    }
  }
  creation.idempotency_key = o.idempotency_key;
  creation.wait = seconds(o.wait);
  auto id = ResolveDevice(client, o.device);
  if (!id) return id.failure();
  Progress progress(std::cerr, StderrIsTerminal());
  auto outcome = CreateAndWait(
      client, *id, creation, creation.wait.count() > 0 ? &progress : nullptr, [&](const TaskOutcome& created) {
        const std::string line = DescribeConnectionRequest(created.connection_request, "the task runs");
        if (!line.empty()) progress.Line(line);
      });
  progress.Clear();
  if (!outcome) return WithDeviceHint(outcome.failure(), o.device);
  if (o.api.json) {
    PrintRawJson(outcome->raw_body);
  } else {
    PrintTask(outcome->task);
  }
  if (creation.wait.count() == 0) return {};
  return FinalStatus(*outcome, "task", creation.wait);
}

struct ListOptions {
  ApiCommandOptions api;
  std::string device, state;
  int limit = 0;
  bool all = false;
};

CliStatus RunList(ApiClient& client, const ListOptions& o) {
  QueryParams query;
  if (!o.device.empty()) {
    auto id = ResolveDevice(client, o.device);
    if (!id) return id.failure();
    query.emplace_back("device", std::to_string(*id));
  }
  query.emplace_back("state", o.state);
  if (o.limit > 0) query.emplace_back("limit", std::to_string(o.limit));
  auto list = GetList(client, std::string(kApiPrefix) + "/tasks", query, o.all);
  if (!list) return list.failure();
  if (o.api.json) {
    PrintListJson(*list);
    return {};
  }
  const auto now = std::chrono::system_clock::now();
  Table table({"ID", "DEVICE", "TYPE", "STATE", "CREATED", "FINISHED", "FAULT"});
  for (const Json& t : list->items) {
    const std::string phase = Str(t, "phase");
    table.Add({TaskId(t), std::to_string(Int(t, "device_id").value_or(0)), Str(t, "type"),
               Str(t, "state") + (phase.empty() ? "" : "/" + phase), Relative(Str(t, "created_at"), now),
               Str(t, "finished_at").empty() ? "-" : Relative(Str(t, "finished_at"), now), OrDash(FaultText(t))});
  }
  if (table.empty()) {
    std::cerr << "no tasks match\n";
  } else {
    table.Print(std::cout);
  }
  if (!list->next_cursor.is_null()) std::cerr << "more tasks match: add --all (or a larger --limit, at most 1000)\n";
  return {};
}

struct ShowOptions {
  ApiCommandOptions api;
  int64_t id = 0;
  int wait = 0;
};

CliStatus RunShow(ApiClient& client, const ShowOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  // The first read already long-polls; WaitForTask continues if the wait is longer than one poll.
  const seconds first_wait = std::min(seconds(o.wait), seconds(30));
  QueryParams query;
  if (first_wait.count() > 0) query.emplace_back("wait", std::to_string(first_wait.count()));
  auto r = client.Get(TaskPath(o.id), query, first_wait);
  if (!r) return r.failure();
  if (!r->json.is_object()) return Failed("the API's task " + std::to_string(o.id) + " is not a JSON object");
  TaskOutcome outcome;
  outcome.task = std::move(r->json);
  outcome.raw_body = std::move(r->body);
  if (o.wait > 0) {
    Progress progress(std::cerr, StderrIsTerminal());
    CliStatus st = WaitForTask(client, &outcome, start + seconds(o.wait), &progress);
    progress.Clear();
    if (!st) return st;
  }
  if (o.api.json) {
    PrintRawJson(outcome.raw_body);
  } else {
    PrintTask(outcome.task);
  }
  return {};
}

CliStatus RunCancel(ApiClient& client, const ApiCommandOptions& api, int64_t id) {
  ApiRequest request;
  request.method = "DELETE";
  request.path = TaskPath(id);
  auto r = client.Send(request);
  if (!r) return r.failure();
  if (api.json) {
    if (!r->body.empty()) PrintRawJson(r->body);
    return {};
  }
  std::cout << "task " << id << " cancelled\n";
  return {};
}

const char* kDeviceHelp = "Id, serial number (serial:S when it is all digits), or OUI-ProductClass-Serial";

}  // namespace

void AddTaskCommands(CLI::App& app) {
  // get
  auto g = std::make_shared<GetOptions>();
  CLI::App* get = app.add_subcommand("get", "Show a device's parameter values (stored, or --live from the device)");
  get->add_option("DEVICE", g->device, kDeviceHelp)->required();
  get->add_option("PATH_PREFIX", g->prefixes, "Only parameters under these (default: all)");
  get->add_flag("--live", g->live, "Ask the device (a get_parameter_values task with a connection request)");
  get->add_option("--wait", g->wait, "With --live: seconds to wait for the answer")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  AddApiOptions(get, &g->api);
  get->callback([g] { RunApiCommand(g->api, [&](ApiClient& c) { return RunGet(c, *g); }); });

  // set
  auto s = std::make_shared<SetOptions>();
  CLI::App* set = app.add_subcommand("set", "Set parameter values on a device (a set_parameter_values task)");
  set->add_option("DEVICE", s->device, kDeviceHelp)->required();
  set->add_option(
         "NAME=VALUE[:TYPE]", s->assignments,
         "Values; TYPE string (default), int, unsignedInt, long, unsignedLong, boolean, dateTime, base64, hexBinary")
      ->required();
  set->add_option("--wait", s->wait, "Seconds to wait for the device's answer (0: queue and return)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  AddApiOptions(set, &s->api);
  set->callback([s] { RunApiCommand(s->api, [&](ApiClient& c) { return RunSet(c, *s); }); });

  // refresh
  auto rf = std::make_shared<RefreshOptions>();
  CLI::App* refresh = app.add_subcommand("refresh", "Re-read a subtree of a device's parameters into the inventory");
  refresh->add_option("DEVICE", rf->device, kDeviceHelp)->required();
  refresh->add_option("PATH", rf->path, "Subtree (default: the data model root)");
  refresh->add_option("--wait", rf->wait, "Seconds to wait for the outcome (0: queue and return)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  AddApiOptions(refresh, &rf->api);
  refresh->callback([rf] { RunApiCommand(rf->api, [&](ApiClient& c) { return RunRefresh(c, *rf); }); });

  // reboot
  auto rb = std::make_shared<RebootOptions>();
  CLI::App* reboot = app.add_subcommand("reboot", "Reboot a device and wait until it is back");
  reboot->add_option("DEVICE", rb->device, kDeviceHelp)->required();
  reboot->add_option("--timeout", rb->timeout, "Seconds to wait for the device to come back")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  AddApiOptions(reboot, &rb->api);
  reboot->callback([rb] { RunApiCommand(rb->api, [&](ApiClient& c) { return RunReboot(c, *rb); }); });

  // task ...
  CLI::App* task = app.add_subcommand("task", "Create, list, show and cancel tasks");
  task->require_subcommand(1);

  auto c = std::make_shared<CreateOptions>();
  CLI::App* create = task->add_subcommand("create", "Queue a task for a device (docs/api.md lists the types)");
  create->add_option("DEVICE", c->device, kDeviceHelp)->required();
  create->add_option("TYPE", c->type, "get_parameter_values, set_parameter_values, reboot, download, ...")->required();
  create->add_option("--args", c->args, "The type's arguments, a JSON object")->capture_default_str();
  create->add_option("--wait", c->wait, "Seconds to wait for a final state (0: return once queued)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  create->add_flag("--no-connection-request", c->no_connection_request,
                   "Do not kick the device; it runs at its next inform");
  create->add_option("--expires-in", c->expires_in, "Expire the task if not done by then (90s, 30m, 1h, 7d)");
  create->add_option("--max-attempts", c->max_attempts, "RPCs sent at most (transient faults retry)")
      ->check(CLI::Range(1, 100));
  create->add_flag("--hold-requests", c->hold_requests, "Run before the CPE's own requests");
  create->add_option("--idempotency-key", c->idempotency_key, "Creating again with this key returns the first task");
  AddApiOptions(create, &c->api);
  create->callback([c] { RunApiCommand(c->api, [&](ApiClient& cl) { return RunCreate(cl, *c); }); });

  auto l = std::make_shared<ListOptions>();
  CLI::App* list = task->add_subcommand("list", "List tasks, newest first");
  list->add_option("--device", l->device, kDeviceHelp);
  list->add_option("--state", l->state, "queued, running, done, fault, expired or cancelled")
      ->check(CLI::IsMember({"queued", "running", "done", "fault", "expired", "cancelled"}));
  list->add_option("--limit", l->limit, "Tasks per page (1..1000)")->check(CLI::Range(1, 1000));
  list->add_flag("--all", l->all, "Every page (follows next_cursor)");
  AddApiOptions(list, &l->api);
  list->callback([l] { RunApiCommand(l->api, [&](ApiClient& cl) { return RunList(cl, *l); }); });

  auto sh = std::make_shared<ShowOptions>();
  CLI::App* show = task->add_subcommand("show", "Show a task (--wait N: until it is final, at most N s)");
  show->add_option("ID", sh->id, "Task id")->required()->check(CLI::PositiveNumber);
  show->add_option("--wait", sh->wait, "Seconds to wait for a final state")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  AddApiOptions(show, &sh->api);
  show->callback([sh] { RunApiCommand(sh->api, [&](ApiClient& cl) { return RunShow(cl, *sh); }); });

  struct CancelOptions {
    ApiCommandOptions api;
    int64_t id = 0;
  };
  auto ca = std::make_shared<CancelOptions>();
  CLI::App* cancel = task->add_subcommand("cancel", "Cancel a queued or waiting task");
  cancel->add_option("ID", ca->id, "Task id")->required()->check(CLI::PositiveNumber);
  AddApiOptions(cancel, &ca->api);
  cancel->callback([ca] { RunApiCommand(ca->api, [&](ApiClient& cl) { return RunCancel(cl, ca->api, ca->id); }); });
}

}  // namespace ruru::acsctl
