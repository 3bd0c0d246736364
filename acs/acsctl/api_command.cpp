#include "acs/acsctl/api_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace ruru::acsctl {
namespace {

constexpr auto kLongPollMax = std::chrono::seconds(30);     // one ?wait= (proxies and LBs cut longer requests)
constexpr auto kMinPollInterval = std::chrono::seconds(1);  // when the server answers a long poll early
constexpr int kSerialLookupLimit = 20;

bool AllDigits(const std::string& s) {
  return !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos;
}

bool IsOui(const std::string& s) {
  return s.size() == 6 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// "42  SERIAL  OUI  PRODUCT CLASS" lines for a serial matching several devices.
std::string Candidates(const Json& items) {
  std::string out;
  for (const Json& d : items) {
    out += "\n  " + std::to_string(Int(d, "id").value_or(0)) + "  " + Safe(Str(d, "oui")) + "-" +
           Safe(Str(d, "product_class")) + "-" + Safe(Str(d, "serial_number"));
  }
  return out;
}

std::chrono::seconds CeilSeconds(std::chrono::steady_clock::duration d) {
  return std::chrono::ceil<std::chrono::seconds>(d);
}

// Sleeps until `until`, ticking the spinner.
void SleepUntil(std::chrono::steady_clock::time_point until, Progress* progress) {
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(100), until - std::chrono::steady_clock::now()));
    if (progress) progress->Tick();
  }
}

}  // namespace

void AddApiOptions(CLI::App* command, ApiCommandOptions* options, bool json_flag) {
  const char* group = "Connection";
  command->add_option("--url", options->connection.url, "acsd's API base URL (default: RURU_API_URL, [admin] listen)")
      ->group(group);
  command->add_option("--token", options->connection.token, "API token (visible to `ps`: prefer --token-file)")
      ->group(group);
  command->add_option("--token-file", options->connection.token_file, "File holding the API token")->group(group);
  command->add_option("--cacert", options->connection.ca_file,
                      "PEM CA that verifies an https acsd (default: RURU_API_CACERT, [admin] tls_ca_file, the system's)")
      ->group(group);
  command
      ->add_option("--config", options->connection.config, "acsd.conf to read [admin] from (default ./var/acsd.conf)")
      ->group(group);
  command
      ->add_option("--reason", options->connection.reason,
                   "Why (a ticket, a customer call): recorded with the change; some roles must give one "
                   "(default: RURU_REASON)")
      ->group(group);
  if (json_flag) command->add_flag("--json", options->json, "Print the API's JSON as is");
}

void RunApiCommand(const ApiCommandOptions& options, const ApiCommandBody& body) {
  auto fail = [](const Failure& failure) {
    std::string line = failure.message;
    for (char& c : line) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    std::cout.flush();
    std::cerr << "acsctl: " << line << "\n";
    throw CLI::RuntimeError(failure.exit_code);
  };
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  auto endpoint = ResolveEndpoint(options.connection, env, std::cerr);
  if (!endpoint) fail(endpoint.failure());
  ApiClient client(std::move(*endpoint));
  const CliStatus status = body(client);
  std::cout.flush();
  if (!status) fail(status.failure());
}

void PrintRawJson(const std::string& body) {
  std::cout << body;
  if (body.empty() || body.back() != '\n') std::cout << "\n";
}

void PrintJson(const Json& json) { std::cout << json.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n"; }

// ---- Devices ---------------------------------------------------------------------------------
CliResult<Json> GetDevice(ApiClient& client, int64_t id) {
  auto r = client.Get(std::string(kApiPrefix) + "/devices/" + std::to_string(id));
  if (!r) return r.failure();
  if (!r->json.is_object()) return Failed("the API's device " + std::to_string(id) + " is not a JSON object");
  return r->json;
}

Failure WithDeviceHint(Failure failure, const std::string& text) {
  if (AllDigits(text) && failure.exit_code == kExitFailed && failure.message.starts_with("not_found")) {
    failure.message += " (a number is a device id; for a serial number write serial:" + text + ")";
  }
  return failure;
}

CliResult<int64_t> ResolveDevice(ApiClient& client, const std::string& text, Json* device) {
  if (device) *device = nullptr;
  if (text.empty()) return Usage("DEVICE is empty");
  if (AllDigits(text)) {
    const int64_t id = std::stoll(text);
    if (id <= 0) return Usage("device id " + text + " is not a positive number");
    return id;
  }
  std::string serial = text;
  std::string oui, product_class;
  if (text.starts_with("serial:")) {
    serial = text.substr(7);
  } else {
    // OUI-ProductClass-Serial: the OUI before the first '-', the serial after the last one, so a
    // product class may contain '-' (a serial may not, in this form).
    const size_t first = text.find('-');
    const size_t last = text.rfind('-');
    if (first != std::string::npos && last != first && IsOui(text.substr(0, first)) && last + 1 < text.size() &&
        last > first + 1) {
      oui = text.substr(0, first);
      product_class = text.substr(first + 1, last - first - 1);
      serial = text.substr(last + 1);
    }
  }
  if (serial.empty()) return Usage("DEVICE \"" + Safe(text) + "\" has an empty serial number");
  auto r = client.Get(std::string(kApiPrefix) + "/devices",
                      {{"serial", serial}, {"limit", std::to_string(kSerialLookupLimit)}});
  if (!r) return r.failure();
  const Json items = r->json.is_object() && r->json.contains("items") && r->json["items"].is_array() ? r->json["items"]
                                                                                                     : Json::array();
  Json matches = Json::array();
  for (const Json& d : items) {
    if (Str(d, "serial_number") != serial) continue;  // the filter is exact; be sure
    if (!oui.empty() && (Upper(Str(d, "oui")) != Upper(oui) || Str(d, "product_class") != product_class)) continue;
    matches.push_back(d);
  }
  if (matches.empty()) {
    if (!oui.empty() && !items.empty()) {
      return Failed("no device " + Safe(text) + ": serial " + Safe(serial) + " belongs to" + Candidates(items));
    }
    return Failed("no device with serial " + Safe(serial));
  }
  if (matches.size() > 1) {
    const bool more = r->json.contains("next_cursor") && !r->json["next_cursor"].is_null();
    return Failed("serial " + Safe(serial) + " matches " + (more ? "more than " : "") + std::to_string(matches.size()) +
                  " devices; give the id (or OUI-ProductClass-Serial):" + Candidates(matches));
  }
  const auto id = Int(matches[0], "id");
  if (!id) return Failed("the API's device for serial " + Safe(serial) + " has no id");
  if (device) *device = matches[0];
  return *id;
}

// ---- Lists -----------------------------------------------------------------------------------
CliResult<ListResult> GetList(ApiClient& client, const std::string& path, QueryParams query, bool all) {
  ListResult list;
  std::string cursor;
  for (;;) {
    QueryParams q = query;
    if (!cursor.empty()) q.emplace_back("cursor", cursor);
    auto r = client.Get(path, q);
    if (!r) return r.failure();
    ++list.pages;
    if (!r->json.is_object() || !r->json.contains("items") || !r->json["items"].is_array()) {
      return Failed("the API's answer to GET " + path + " is not a list ({\"items\":[...]})");
    }
    for (Json& item : r->json["items"]) list.items.push_back(std::move(item));
    list.next_cursor = r->json.contains("next_cursor") ? r->json["next_cursor"] : Json(nullptr);
    list.raw_body = list.pages == 1 ? std::move(r->body) : std::string();
    const std::string next = list.next_cursor.is_string() ? list.next_cursor.get<std::string>() : "";
    if (!all || next.empty()) break;
    if (next == cursor) return Failed("the API returned the same next_cursor twice (GET " + path + ")");
    cursor = next;
  }
  return list;
}

void PrintListJson(const ListResult& list) {
  if (list.pages == 1) {
    PrintRawJson(list.raw_body);
    return;
  }
  PrintJson(Json{{"items", list.items}, {"next_cursor", list.next_cursor}});
}

// ---- Progress --------------------------------------------------------------------------------
bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::ostream& err, bool terminal)
    : err_(err), terminal_(terminal), started_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { Clear(); }

void Progress::Clear() {
  if (terminal_ && drawn_) {
    err_ << "\r\033[K" << std::flush;
    drawn_ = false;
  }
}

void Progress::Line(const std::string& text) {
  Clear();
  err_ << Safe(text) << "\n" << std::flush;
  last_draw_ = {};
  Tick();
}

void Progress::Status(const std::string& text, bool terminal_only) {
  if (text == status_) return;
  status_ = text;
  if (!terminal_) {
    if (terminal_only) return;
    err_ << Safe(text) << "\n" << std::flush;
    return;
  }
  last_draw_ = {};
  Tick();
}

void Progress::Tick() {
  if (!terminal_ || status_.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  static const char kFrames[] = {'|', '/', '-', '\\'};
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - started_).count();
  err_ << "\r\033[K" << kFrames[frame_++ % 4] << " " << Safe(status_) << " " << elapsed << " s" << std::flush;
  drawn_ = true;
}

void Progress::Task(const Json& task) {
  if (describe_) {
    Status(describe_(task));
    return;
  }
  std::string phase = Str(task, "phase");
  Status("waiting for task " + std::to_string(Int(task, "id").value_or(0)) + ": " + Str(task, "state") +
         (phase.empty() ? "" : " (" + phase + ")") + "…");
}

// ---- Tasks -----------------------------------------------------------------------------------
bool IsFinalState(const std::string& state) {
  return state == "done" || state == "fault" || state == "expired" || state == "cancelled";
}

std::optional<int64_t> ParseDurationSeconds(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0 || i > 9) return std::nullopt;
  const int64_t n = std::stoll(text.substr(0, i));
  const std::string unit = text.substr(i);
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86400;
  return std::nullopt;
}

std::string DescribeConnectionRequest(const Json& cr, const std::string& what) {
  if (!cr.is_object()) return "";
  const std::string status = Str(cr, "status");
  const std::string detail = Str(cr, "detail");
  const std::string suffix = detail.empty() ? "" : " (" + detail + ")";
  const std::string later = ": " + what + " at its next periodic inform";
  if (status == "ok") return "connection request: ok";
  if (status == "unreachable") return "device unreachable (behind NAT?)" + later + suffix;
  if (status == "refused_url") {
    return "connection request not sent: acsd refuses the device's connection request URL" + later + suffix;
  }
  if (status == "auth_failed") return "connection request: the device refused acsd's credentials" + later + suffix;
  if (status == "http_error") {
    const auto code = Int(cr, "http_status");
    return "connection request: the device answered HTTP " + (code ? std::to_string(*code) : std::string("?")) + later +
           suffix;
  }
  if (status == "busy") return "connection request not sent: acsd is busy" + later + suffix;
  if (status == "no_url") return "the device never reported a connection request URL" + later + suffix;
  if (status == "no_credentials") {
    return "acsd holds no connection request credentials for the device" + later + suffix;
  }
  if (status == "not_found") return "connection request: no such device" + suffix;
  return "connection request: " + status + later + suffix;
}

CliStatus WaitForTask(ApiClient& client, TaskOutcome* outcome, std::chrono::steady_clock::time_point deadline,
                      Progress* progress) {
  const auto id = Int(outcome->task, "id");
  if (!id) return Failed("the API's task has no id");
  const std::string path = std::string(kApiPrefix) + "/tasks/" + std::to_string(*id);
  if (progress) client.SetTick([progress] { progress->Tick(); });
  while (!(outcome->final = IsFinalState(Str(outcome->task, "state")))) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    if (progress) progress->Task(outcome->task);
    const auto wait =
        std::clamp(CeilSeconds(deadline - now), std::chrono::seconds(1), std::chrono::seconds(kLongPollMax));
    auto r = client.Get(path, {{"wait", std::to_string(wait.count())}}, wait);
    if (!r) {
      client.SetTick({});
      return r.failure();
    }
    if (!r->json.is_object()) {
      client.SetTick({});
      return Failed("the API's task " + std::to_string(*id) + " is not a JSON object");
    }
    outcome->task = std::move(r->json);
    outcome->raw_body = std::move(r->body);
    if (!IsFinalState(Str(outcome->task, "state"))) {
      // A server that answers a long poll early must not make us spin.
      SleepUntil(std::min(deadline, now + kMinPollInterval), progress);
    }
  }
  client.SetTick({});
  return {};
}

CliResult<TaskOutcome> CreateAndWait(ApiClient& client, int64_t device_id, const TaskCreation& creation,
                                     Progress* progress, const std::function<void(const TaskOutcome&)>& on_created) {
  const auto start = std::chrono::steady_clock::now();
  Json body{{"type", creation.type}, {"args", creation.args}};
  if (creation.expires_in) body["expires_in"] = *creation.expires_in;
  if (creation.max_attempts) body["max_attempts"] = *creation.max_attempts;
  if (creation.hold_requests) body["hold_requests"] = true;
  ApiRequest request;
  request.method = "POST";
  request.path = std::string(kApiPrefix) + "/devices/" + std::to_string(device_id) + "/tasks";
  const auto first_wait = std::min(creation.wait, creation.first_wait);
  if (creation.connection_request) request.query.emplace_back("connection_request", "true");
  if (first_wait.count() > 0) request.query.emplace_back("wait", std::to_string(first_wait.count()));
  request.server_wait = first_wait;
  if (!creation.idempotency_key.empty()) request.headers.emplace_back("Idempotency-Key", creation.idempotency_key);
  try {
    request.body = body.dump();
  } catch (const Json::exception&) {
    return Usage("an argument is not valid UTF-8");
  }
  if (progress) client.SetTick([progress] { progress->Tick(); });
  auto r = client.Send(request);
  client.SetTick({});
  if (!r) return r.failure();
  if (!r->json.is_object() || !Int(r->json, "id")) return Failed("the API's answer to the task creation is not a task");
  TaskOutcome outcome;
  outcome.connection_request = r->json.contains("connection_request") ? r->json["connection_request"] : Json(nullptr);
  outcome.task = std::move(r->json);
  outcome.raw_body = std::move(r->body);
  outcome.final = IsFinalState(Str(outcome.task, "state"));
  if (on_created) on_created(outcome);
  if (creation.wait.count() > 0) {
    if (CliStatus st = WaitForTask(client, &outcome, start + creation.wait, progress); !st) return st.failure();
  }
  return outcome;
}

}  // namespace ruru::acsctl
