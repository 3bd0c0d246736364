#include "acs/tasks/task_types.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <type_traits>

#include "acs/tasks/task_secrets.h"
#include "cwmp/codec.h"
#include "cwmp/json.h"

namespace ruru::acs::tasks {
namespace {

using nlohmann::json;
using Kind = TaskOutcome::Kind;
using Verdict = Reconciliation::Verdict;

constexpr char kPlaceholderKey[] = "ruru-0000000000000000";

const std::vector<TaskTypeInfo> kTypes = {
    {"get_parameter_values", "GetParameterValues", KeyKind::kNone, "read parameter values (stored in the inventory)",
     "tasks.create.query"},
    {"set_parameter_values", "SetParameterValues", KeyKind::kParameterKey, "change parameter values",
     "tasks.create.configure"},
    {"get_parameter_names", "GetParameterNames", KeyKind::kNone, "list the parameters under a path",
     "tasks.create.query"},
    {"get_parameter_attributes", "GetParameterAttributes", KeyKind::kNone, "read notification and access attributes",
     "tasks.create.query"},
    {"set_parameter_attributes", "SetParameterAttributes", KeyKind::kNone, "change notification and access attributes",
     "tasks.create.configure"},
    {"add_object", "AddObject", KeyKind::kParameterKey, "create an object instance (its values are then read)",
     "tasks.create.configure"},
    {"delete_object", "DeleteObject", KeyKind::kParameterKey, "delete an object instance", "tasks.create.configure"},
    {"reboot", "Reboot", KeyKind::kCommandKey, "reboot; done when the device informs again with \"M Reboot\"",
     "tasks.create.reboot"},
    {"factory_reset", "FactoryReset", KeyKind::kNone, "factory reset; done when the device bootstraps again",
     "tasks.create.factory_reset"},
    {"schedule_inform", "ScheduleInform", KeyKind::kCommandKey, "ask for an Inform after a delay",
     "tasks.create.reboot"},
    {"download", "Download", KeyKind::kCommandKey, "download a file (firmware ...); done at its TransferComplete",
     "tasks.create.transfer"},
    {"upload", "Upload", KeyKind::kCommandKey, "upload a file (configuration, log); done at its TransferComplete",
     "tasks.create.upload"},
    {"schedule_download", "ScheduleDownload", KeyKind::kCommandKey, "download within time windows",
     "tasks.create.transfer"},
    {"cancel_transfer", "CancelTransfer", KeyKind::kNone, "cancel a queued transfer by its CommandKey",
     "tasks.create.transfer"},
    {"get_queued_transfers", "GetQueuedTransfers", KeyKind::kNone, "list the device's queued transfers",
     "tasks.create.query"},
    {"get_all_queued_transfers", "GetAllQueuedTransfers", KeyKind::kNone, "list every queued transfer",
     "tasks.create.query"},
    {"change_du_state", "ChangeDUState", KeyKind::kCommandKey, "install, update or uninstall software modules",
     "tasks.create.transfer"},
    {"get_rpc_methods", "GetRPCMethods", KeyKind::kNone, "list the RPCs the device supports", "tasks.create.query"},
    {"refresh", "GetParameterNames", KeyKind::kNone,
     "re-read a subtree: GetParameterNames, then GetParameterValues in batches; removed instances are dropped",
     "tasks.create.query"},
    {"provision", "SetParameterValues", KeyKind::kParameterKey, "run a named provision hook", "tasks.create.configure"},
};

// The "M ..." Inform event that reports a task's RPC was carried out, with its CommandKey.
std::string_view CompletionEvent(std::string_view type) {
  if (type == "reboot") return "M Reboot";
  if (type == "schedule_inform") return "M ScheduleInform";
  if (type == "download") return "M Download";
  if (type == "upload") return "M Upload";
  if (type == "schedule_download") return "M ScheduleDownload";
  if (type == "change_du_state") return "M ChangeDUState";
  return "";
}

bool IsTransfer(std::string_view type) {
  return type == "download" || type == "upload" || type == "schedule_download";
}

bool HasEvent(const InformFacts& f, std::string_view code, std::string_view key = {}, bool match_key = false) {
  return std::any_of(f.events.begin(), f.events.end(), [&](const db::EventRecord& e) {
    return e.code == code && (!match_key || e.command_key == key);
  });
}

Error ArgError(const std::string& message) { return InvalidArgument("args" + message); }

// The body JSON of a request built from `args` by the cwmp JSON mapping (strict: unknown keys,
// wrong types and out-of-range numbers are errors naming the field).
Result<cwmp::Body> BodyFromJson(std::string_view rpc, const json& body) {
  cwmp::Json env;
  env["namespace"] = "cwmp-1-2";
  env["rpc"] = std::string(rpc);
  env["body"] = cwmp::Json(body);
  auto parsed = cwmp::EnvelopeFromJson(env);
  if (!parsed) {
    std::string m = parsed.error().message;
    if (m.rfind("body", 0) == 0) return ArgError(m.substr(4));  // "body.url: ..." -> "args.url: ..."
    return ArgError(": " + m);
  }
  return parsed->body;
}

// Checks a request as the encoder will send it (schema limits, paths, file types ...).
Status CheckEncodes(const cwmp::Body& body) {
  cwmp::Envelope env;
  env.ns = cwmp::Namespace::kCwmp12;
  env.id = "check";
  env.body = body;
  auto xml = cwmp::Encode(env);
  if (!xml) return ArgError(": " + xml.error().message);
  return Status::Ok();
}

json BodyJson(const cwmp::Body& body) {
  cwmp::Envelope env;
  env.ns = cwmp::Namespace::kCwmp12;
  env.body = body;
  json out = json(cwmp::ToJson(env)["body"]);
  return out;
}

Status CheckObject(const json& args, const char* key, bool must_be_instance) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_string()) return ArgError(std::string(".") + key + ": required string");
  const std::string path = it->get<std::string>();
  auto p = cwmp::ParameterPath::Parse(path);
  if (!p) return ArgError(std::string(".") + key + ": " + p.error().message);
  if (!p->IsPartial()) return ArgError(std::string(".") + key + ": an object path must end with '.'");
  if (must_be_instance) {
    auto segs = p->Segments();
    const std::string_view last = segs.empty() ? std::string_view() : segs.back();
    const bool instance = !last.empty() && (std::all_of(last.begin(), last.end(), ::isdigit) || last.front() == '[');
    if (!instance) return ArgError(std::string(".") + key + ": must name an instance (\"...PortMapping.3.\")");
  }
  return Status::Ok();
}

Status OnlyKeys(const json& args, std::initializer_list<std::string_view> allowed) {
  if (!args.is_object()) return InvalidArgument("args: expected a JSON object");
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return ArgError("." + it.key() + ": unknown argument" + (list.empty() ? " (this task takes none)" : " (known: " + list + ")"));
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> Names(const json& args, const char* key, const TaskLimits& limits, bool allow_empty_list) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_array()) return ArgError(std::string(".") + key + ": required array of paths");
  if (it->empty() && !allow_empty_list) return ArgError(std::string(".") + key + ": empty");
  if (it->size() > limits.max_names) {
    return ArgError(std::string(".") + key + ": more than " + std::to_string(limits.max_names) + " names");
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& n = (*it)[i];
    const std::string where = std::string(".") + key + "[" + std::to_string(i) + "]";
    if (!n.is_string()) return ArgError(where + ": expected a string");
    auto p = cwmp::ParameterPath::Parse(n.get<std::string>());
    if (!p) return ArgError(where + ": " + p.error().message);
    out.push_back(n.get<std::string>());
  }
  return out;
}

// SetParameterValues: at most limits.max_names parameters, values of at most max_value_bytes, no
// name twice.
Result<cwmp::Body> BuildSetParameterValues(const json& args, const std::string& key, const TaskLimits& limits) {
  if (Status s = OnlyKeys(args, {"parameters"}); !s.ok()) return s.error();
  auto it = args.find("parameters");
  if (it == args.end() || !it->is_array() || it->empty()) return ArgError(".parameters: required non-empty array");
  if (it->size() > limits.max_names) return ArgError(".parameters: more than " + std::to_string(limits.max_names));
  for (size_t i = 0; i < it->size(); ++i) {
    const json& p = (*it)[i];
    if (p.is_object() && p.contains("value") && p["value"].is_string() &&
        p["value"].get_ref<const std::string&>().size() > limits.max_value_bytes) {
      return ArgError(".parameters[" + std::to_string(i) + "].value: longer than " +
                      std::to_string(limits.max_value_bytes) + " bytes");
    }
  }
  auto body = BodyFromJson("SetParameterValues", json{{"parameters", *it}, {"parameter_key", key}});
  if (!body) return body.error();
  const auto& spv = std::get<cwmp::SetParameterValues>(*body);
  for (size_t i = 0; i < spv.parameters.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (spv.parameters[j].name == spv.parameters[i].name) {
        return ArgError(".parameters[" + std::to_string(i) + "]: " + spv.parameters[i].name + " given twice");
      }
    }
  }
  return body;
}

// The request of a single-RPC task, with `key` as its CommandKey/ParameterKey. Refresh and provision
// have their own runners; this returns their first request only where that makes sense.
Result<cwmp::Body> BuildRequest(std::string_view type, const json& args, const std::string& key,
                                const TaskLimits& limits) {
  if (!args.is_object()) return InvalidArgument("args: expected a JSON object");
  if (type != "cancel_transfer" && (args.contains("command_key") || args.contains("parameter_key"))) {
    return ArgError(": the CommandKey/ParameterKey is chosen by Ruru (it settles the task after an interruption)");
  }
  if (type == "get_parameter_values" || type == "get_parameter_attributes") {
    if (Status s = OnlyKeys(args, {"names"}); !s.ok()) return s.error();
    auto names = Names(args, "names", limits, false);
    if (!names) return names.error();
    if (type == "get_parameter_values") return cwmp::Body(cwmp::GetParameterValues{*names});
    return cwmp::Body(cwmp::GetParameterAttributes{*names});
  }
  if (type == "set_parameter_values") return BuildSetParameterValues(args, key, limits);
  if (type == "get_parameter_names") {
    if (Status s = OnlyKeys(args, {"path", "next_level"}); !s.ok()) return s.error();
    cwmp::GetParameterNames gpn;
    if (auto it = args.find("path"); it != args.end()) {
      if (!it->is_string()) return ArgError(".path: expected a string");
      gpn.parameter_path = it->get<std::string>();
      auto p = cwmp::ParameterPath::Parse(gpn.parameter_path, true);
      if (!p) return ArgError(".path: " + p.error().message);
    }
    if (auto it = args.find("next_level"); it != args.end()) {
      if (!it->is_boolean()) return ArgError(".next_level: expected true or false");
      gpn.next_level = it->get<bool>();
    }
    return cwmp::Body(gpn);
  }
  if (type == "set_parameter_attributes") {
    if (Status s = OnlyKeys(args, {"parameters"}); !s.ok()) return s.error();
    auto it = args.find("parameters");
    if (it == args.end() || !it->is_array() || it->empty()) return ArgError(".parameters: required non-empty array");
    if (it->size() > limits.max_names) return ArgError(".parameters: more than " + std::to_string(limits.max_names));
    return BodyFromJson("SetParameterAttributes", args);
  }
  if (type == "add_object" || type == "delete_object") {
    if (Status s = OnlyKeys(args, {"object"}); !s.ok()) return s.error();
    if (Status s = CheckObject(args, "object", type == "delete_object"); !s.ok()) return s.error();
    const std::string object = args["object"].get<std::string>();
    if (type == "add_object") return cwmp::Body(cwmp::AddObject{object, key});
    return cwmp::Body(cwmp::DeleteObject{object, key});
  }
  if (type == "reboot") {
    if (Status s = OnlyKeys(args, {}); !s.ok()) return s.error();
    return cwmp::Body(cwmp::Reboot{key});
  }
  if (type == "factory_reset") {
    if (Status s = OnlyKeys(args, {}); !s.ok()) return s.error();
    return cwmp::Body(cwmp::FactoryReset{});
  }
  if (type == "get_queued_transfers" || type == "get_all_queued_transfers" || type == "get_rpc_methods") {
    if (Status s = OnlyKeys(args, {}); !s.ok()) return s.error();
    if (type == "get_queued_transfers") return cwmp::Body(cwmp::GetQueuedTransfers{});
    if (type == "get_all_queued_transfers") return cwmp::Body(cwmp::GetAllQueuedTransfers{});
    return cwmp::Body(cwmp::GetRPCMethods{});
  }
  if (type == "schedule_inform") {
    if (Status s = OnlyKeys(args, {"delay_seconds"}); !s.ok()) return s.error();
    if (!args.contains("delay_seconds")) return ArgError(".delay_seconds: required (seconds, at least 1)");
    json body = args;
    body["command_key"] = key;
    return BodyFromJson("ScheduleInform", body);
  }
  if (type == "download" || type == "upload" || type == "schedule_download" || type == "change_du_state") {
    const char* rpc = type == "download" ? "Download"
                      : type == "upload" ? "Upload"
                      : type == "schedule_download" ? "ScheduleDownload"
                                                    : "ChangeDUState";
    json body = args;
    body["command_key"] = key;
    return BodyFromJson(rpc, body);
  }
  if (type == "cancel_transfer") {
    if (Status s = OnlyKeys(args, {"command_key"}); !s.ok()) return s.error();
    if (!args.contains("command_key") || !args["command_key"].is_string()) {
      return ArgError(".command_key: required (the CommandKey of the transfer to cancel)");
    }
    return BodyFromJson("CancelTransfer", args);
  }
  return InvalidArgument("type: unknown task type \"" + std::string(type).substr(0, 64) + "\"");
}

// ---- Runners -------------------------------------------------------------------------------

TaskOutcome FaultOutcome(const cwmp::Fault& f, std::string_view rpc) {
  TaskOutcome o;
  o.kind = Kind::kFault;
  o.fault_code = f.code;
  o.fault_message = f.message.empty() ? std::string(cwmp::StandardFaultText(f.code)) : f.message;
  o.fault_rpc = std::string(rpc);
  if (!f.set_parameter_values_faults.empty()) {
    json detail = json::array();
    for (const auto& p : f.set_parameter_values_faults) {
      detail.push_back({{"parameter", p.parameter_name}, {"code", p.code}, {"message", p.message}});
    }
    o.fault_detail = detail.dump(-1, ' ', false, json::error_handler_t::replace);
    o.result = json{{"parameter_faults", detail}};
  }
  return o;
}

TaskOutcome BadAnswer(std::string_view rpc, const cwmp::Body& answer) {
  TaskOutcome o;
  o.kind = Kind::kFault;
  o.fault_code = kFaultBadAnswer;
  o.fault_message = "the CPE answered " + std::string(rpc) + " with " +
                    (cwmp::RpcName(answer).empty() ? std::string("an empty message") : std::string(cwmp::RpcName(answer)));
  o.fault_rpc = std::string(rpc);
  return o;
}

db::ParameterRecord Record(const cwmp::ParameterValueStruct& p) {
  return db::ParameterRecord{p.name, p.value.text, std::string(cwmp::ValueTypeName(p.value.type)), std::nullopt};
}

class SingleRunner final : public TaskRunner {
 public:
  SingleRunner(std::string type, cwmp::Body request) : type_(std::move(type)), request_(std::move(request)) {}

  std::optional<cwmp::Body> Next() override {
    if (sent_ || outcome_) return std::nullopt;
    sent_ = true;
    return request_;
  }
  void OnAnswer(const cwmp::Body& answer) override { outcome_ = Interpret(answer); }
  const std::optional<TaskOutcome>& outcome() const override { return outcome_; }
  bool probing() const override { return false; }

 private:
  TaskOutcome Interpret(const cwmp::Body& answer) const {
    const std::string_view rpc = cwmp::RpcName(request_);
    if (const auto* f = std::get_if<cwmp::Fault>(&answer)) return FaultOutcome(*f, rpc);
    if (cwmp::RpcName(answer) != std::string(rpc) + "Response") return BadAnswer(rpc, answer);
    TaskOutcome o;
    o.result = BodyJson(answer);
    if (const auto* gpv = std::get_if<cwmp::GetParameterValuesResponse>(&answer)) {
      for (const auto& p : gpv->parameters) o.store.push_back(Record(p));
    } else if (std::holds_alternative<cwmp::SetParameterValuesResponse>(answer)) {
      for (const auto& p : std::get<cwmp::SetParameterValues>(request_).parameters) o.store.push_back(Record(p));
    } else if (std::holds_alternative<cwmp::DeleteObjectResponse>(answer)) {
      o.remove_prefix = std::get<cwmp::DeleteObject>(request_).object_name;
    } else if (std::holds_alternative<cwmp::RebootResponse>(answer) ||
               std::holds_alternative<cwmp::FactoryResetResponse>(answer) ||
               std::holds_alternative<cwmp::ScheduleDownloadResponse>(answer) ||
               std::holds_alternative<cwmp::ChangeDUStateResponse>(answer)) {
      o.kind = Kind::kAwaiting;
    } else if (const auto* dl = std::get_if<cwmp::DownloadResponse>(&answer)) {
      if (dl->status == 1) o.kind = Kind::kAwaiting;
    } else if (const auto* ul = std::get_if<cwmp::UploadResponse>(&answer)) {
      if (ul->status == 1) o.kind = Kind::kAwaiting;
    }
    return o;
  }

  std::string type_;
  cwmp::Body request_;
  bool sent_ = false;
  std::optional<TaskOutcome> outcome_;
};

// AddObject, then GetParameterValues of the new instance so the inventory knows its values.
class AddObjectRunner final : public TaskRunner {
 public:
  explicit AddObjectRunner(cwmp::AddObject request) : request_(std::move(request)) {}

  std::optional<cwmp::Body> Next() override {
    if (outcome_) return std::nullopt;
    if (step_ == 0) {
      step_ = 1;
      return cwmp::Body(request_);
    }
    if (step_ == 2) {
      step_ = 3;
      return cwmp::Body(cwmp::GetParameterValues{{instance_}});
    }
    return std::nullopt;
  }
  void OnAnswer(const cwmp::Body& answer) override {
    if (step_ == 1) {
      if (const auto* f = std::get_if<cwmp::Fault>(&answer)) {
        outcome_ = FaultOutcome(*f, "AddObject");
        return;
      }
      const auto* r = std::get_if<cwmp::AddObjectResponse>(&answer);
      if (r == nullptr) {
        outcome_ = BadAnswer("AddObject", answer);
        return;
      }
      instance_ = request_.object_name + std::to_string(r->instance_number) + ".";
      done_.result = json{{"instance_number", r->instance_number}, {"status", r->status}, {"object", instance_}};
      step_ = 2;
      return;
    }
    // The values of the new instance: a failure here does not undo the AddObject.
    if (const auto* gpv = std::get_if<cwmp::GetParameterValuesResponse>(&answer)) {
      for (const auto& p : gpv->parameters) done_.store.push_back(Record(p));
      done_.replace_prefix = instance_;
      done_.result["parameters"] = gpv->parameters.size();
    } else if (const auto* f = std::get_if<cwmp::Fault>(&answer)) {
      done_.result["values_error"] = std::to_string(f->code) + " " + f->message;
    }
    outcome_ = done_;
  }
  const std::optional<TaskOutcome>& outcome() const override { return outcome_; }
  bool probing() const override { return false; }

 private:
  cwmp::AddObject request_;
  int step_ = 0;
  std::string instance_;
  TaskOutcome done_;
  std::optional<TaskOutcome> outcome_;
};

// refresh: GetParameterNames(path) then GetParameterValues in batches; the stored subtree becomes
// exactly what the device has (removed instances disappear).
class RefreshRunner final : public TaskRunner {
 public:
  RefreshRunner(std::string path, const TaskLimits& limits) : path_(std::move(path)), limits_(limits) {}

  std::optional<cwmp::Body> Next() override {
    if (outcome_) return std::nullopt;
    if (!asked_names_) {
      asked_names_ = true;
      return cwmp::Body(cwmp::GetParameterNames{path_, false});
    }
    if (offset_ < names_.size()) {
      const size_t n = std::min(limits_.refresh_batch, names_.size() - offset_);
      std::vector<std::string> batch(names_.begin() + static_cast<ptrdiff_t>(offset_),
                                     names_.begin() + static_cast<ptrdiff_t>(offset_ + n));
      offset_ += n;
      return cwmp::Body(cwmp::GetParameterValues{std::move(batch)});
    }
    return std::nullopt;
  }
  void OnAnswer(const cwmp::Body& answer) override {
    const bool names_step = !names_received_;
    names_received_ = true;
    if (const auto* f = std::get_if<cwmp::Fault>(&answer)) {
      outcome_ = FaultOutcome(*f, names_step ? "GetParameterNames" : "GetParameterValues");
      return;
    }
    if (names_step) {
      const auto* gpn = std::get_if<cwmp::GetParameterNamesResponse>(&answer);
      if (gpn == nullptr) {
        outcome_ = BadAnswer("GetParameterNames", answer);
        return;
      }
      for (const auto& p : gpn->parameters) {
        if (p.name.empty() || p.name.back() == '.') continue;  // objects
        writable_[p.name] = p.writable;
        names_.push_back(p.name);
      }
      if (names_.size() > limits_.max_refresh_parameters) {
        TaskOutcome o;
        o.kind = Kind::kFault;
        o.fault_code = kFaultSubtreeTooLarge;
        o.fault_message = std::to_string(names_.size()) + " parameters under " + (path_.empty() ? "the root" : path_) +
                          ": more than tasks.max_refresh_parameters (" +
                          std::to_string(limits_.max_refresh_parameters) + "); refresh a smaller subtree";
        outcome_ = std::move(o);
        return;
      }
      if (names_.empty()) Finish();
      return;
    }
    const auto* gpv = std::get_if<cwmp::GetParameterValuesResponse>(&answer);
    if (gpv == nullptr) {
      outcome_ = BadAnswer("GetParameterValues", answer);
      return;
    }
    for (const auto& p : gpv->parameters) {
      db::ParameterRecord r = Record(p);
      if (auto it = writable_.find(p.name); it != writable_.end()) r.writable = it->second;
      values_.push_back(std::move(r));
    }
    if (offset_ >= names_.size()) Finish();
  }
  const std::optional<TaskOutcome>& outcome() const override { return outcome_; }
  bool probing() const override { return false; }

 private:
  void Finish() {
    TaskOutcome o;
    o.result = json{{"path", path_}, {"parameters", values_.size()}};
    o.store = std::move(values_);
    // A partial path is a subtree the device now describes completely.
    if (path_.empty() || path_.back() == '.') o.replace_prefix = path_;
    outcome_ = std::move(o);
  }

  std::string path_;
  TaskLimits limits_;
  bool asked_names_ = false;
  bool names_received_ = false;
  std::vector<std::string> names_;
  std::map<std::string, bool> writable_;
  size_t offset_ = 0;
  std::vector<db::ParameterRecord> values_;
  std::optional<TaskOutcome> outcome_;
};

// provision: the hook's requests in order; the first fault ends it.
class ProvisionRunner final : public TaskRunner {
 public:
  ProvisionRunner(std::string hook, std::vector<cwmp::Body> requests)
      : hook_(std::move(hook)), requests_(std::move(requests)) {}

  std::optional<cwmp::Body> Next() override {
    if (outcome_ || next_ >= requests_.size()) return std::nullopt;
    return requests_[next_++];
  }
  void OnAnswer(const cwmp::Body& answer) override {
    const cwmp::Body& request = requests_[next_ - 1];
    const std::string_view rpc = cwmp::RpcName(request);
    if (const auto* f = std::get_if<cwmp::Fault>(&answer)) {
      outcome_ = FaultOutcome(*f, rpc);
      return;
    }
    if (cwmp::RpcName(answer) != std::string(rpc) + "Response") {
      outcome_ = BadAnswer(rpc, answer);
      return;
    }
    if (const auto* spv = std::get_if<cwmp::SetParameterValues>(&request)) {
      for (const auto& p : spv->parameters) done_.store.push_back(Record(p));
    }
    steps_.push_back(BodyJson(answer));
    if (next_ >= requests_.size()) {
      done_.result = json{{"hook", hook_}, {"steps", steps_}};
      outcome_ = done_;
    }
  }
  const std::optional<TaskOutcome>& outcome() const override { return outcome_; }
  bool probing() const override { return false; }

 private:
  std::string hook_;
  std::vector<cwmp::Body> requests_;
  size_t next_ = 0;
  json steps_ = json::array();
  TaskOutcome done_;
  std::optional<TaskOutcome> outcome_;
};

// Settles a task whose RPC may or may not have arrived. Transfers: GetAllQueuedTransfers (then
// GetQueuedTransfers when the CPE does not have it) lists the CommandKey or not. ParameterKey
// tasks: the device's ManagementServer.ParameterKey is the key or not.
class ProbeRunner final : public TaskRunner {
 public:
  ProbeRunner(std::string key, bool transfer, std::string root)
      : key_(std::move(key)), transfer_(transfer), root_(std::move(root)) {}

  std::optional<cwmp::Body> Next() override {
    if (outcome_) return std::nullopt;
    ++step_;
    if (!transfer_) return cwmp::Body(cwmp::GetParameterValues{{root_ + ".ManagementServer.ParameterKey"}});
    if (step_ == 1) return cwmp::Body(cwmp::GetAllQueuedTransfers{});
    return cwmp::Body(cwmp::GetQueuedTransfers{});
  }
  void OnAnswer(const cwmp::Body& answer) override {
    TaskOutcome o;
    if (const auto* f = std::get_if<cwmp::Fault>(&answer)) {
      if (transfer_ && step_ == 1) return;  // try GetQueuedTransfers next
      o.kind = Kind::kKeep;
      o.fault_message = "probe refused with fault " + std::to_string(f->code);
      outcome_ = std::move(o);
      return;
    }
    if (const auto* all = std::get_if<cwmp::GetAllQueuedTransfersResponse>(&answer)) {
      const bool queued = std::any_of(all->transfers.begin(), all->transfers.end(),
                                      [&](const auto& t) { return t.command_key == key_; });
      o.kind = queued ? Kind::kAwaiting : Kind::kRequeue;
    } else if (const auto* some = std::get_if<cwmp::GetQueuedTransfersResponse>(&answer)) {
      const bool queued = std::any_of(some->transfers.begin(), some->transfers.end(),
                                      [&](const auto& t) { return t.command_key == key_; });
      o.kind = queued ? Kind::kAwaiting : Kind::kRequeue;
    } else if (const auto* gpv = std::get_if<cwmp::GetParameterValuesResponse>(&answer)) {
      const bool applied = std::any_of(gpv->parameters.begin(), gpv->parameters.end(),
                                       [&](const auto& p) { return p.value.text == key_; });
      o.kind = applied ? Kind::kDone : Kind::kRequeue;
      if (applied) o.result = json{{"reconciled", true}, {"confirmed_by", "ParameterKey"}};
    } else {
      o.kind = Kind::kKeep;
    }
    outcome_ = std::move(o);
  }
  const std::optional<TaskOutcome>& outcome() const override { return outcome_; }
  bool probing() const override { return true; }

 private:
  std::string key_;
  bool transfer_;
  std::string root_;
  int step_ = 0;
  std::optional<TaskOutcome> outcome_;
};

// ---- Provision hooks -----------------------------------------------------------------------

Status ValidatePeriodicInform(const json& args) {
  if (Status s = OnlyKeys(args, {"interval", "enable"}); !s.ok()) return s;
  auto it = args.find("interval");
  if (it == args.end() || !it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 4294967295LL) {
    return ArgError(".args.interval: required, seconds 1..4294967295");
  }
  if (auto e = args.find("enable"); e != args.end() && !e->is_boolean()) return ArgError(".args.enable: true or false");
  return Status::Ok();
}

std::vector<cwmp::Body> PeriodicInformRequests(const json& args, const std::string& root) {
  cwmp::SetParameterValues spv;
  const std::string ms = root + ".ManagementServer.";
  spv.parameters.push_back(
      {ms + "PeriodicInformEnable", cwmp::ParameterValue::Boolean(args.value("enable", true))});
  spv.parameters.push_back(
      {ms + "PeriodicInformInterval", cwmp::ParameterValue::UnsignedInt(args["interval"].get<uint32_t>())});
  return {cwmp::Body(std::move(spv))};
}

const std::vector<ProvisionHook> kHooks = {
    {"periodic_inform", "set ManagementServer.PeriodicInformEnable/Interval: args {\"interval\": s, \"enable\": true}",
     &ValidatePeriodicInform, &PeriodicInformRequests},
};

const ProvisionHook* FindHook(std::string_view name) {
  for (const ProvisionHook& h : kHooks) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

Status CheckProvisionArgs(const json& args) {
  if (Status s = OnlyKeys(args, {"hook", "args"}); !s.ok()) return s;
  auto it = args.find("hook");
  if (it == args.end() || !it->is_string()) return ArgError(".hook: required string");
  const ProvisionHook* hook = FindHook(it->get<std::string>());
  if (hook == nullptr) {
    std::string names;
    for (const auto& h : kHooks) names += (names.empty() ? "" : ", ") + std::string(h.name);
    return ArgError(".hook: unknown hook (known: " + names + ")");
  }
  return hook->validate(args.value("args", json::object()));
}

Status CheckRefreshArgs(const json& args) {
  if (Status s = OnlyKeys(args, {"path"}); !s.ok()) return s;
  if (auto it = args.find("path"); it != args.end()) {
    if (!it->is_string()) return ArgError(".path: expected a string");
    auto p = cwmp::ParameterPath::Parse(it->get<std::string>(), true);
    if (!p) return ArgError(".path: " + p.error().message);
  }
  return Status::Ok();
}

std::string RefreshPath(const json& args, const std::string& root) {
  const std::string path = args.value("path", std::string());
  return path.empty() ? root + "." : path;
}

}  // namespace

const std::vector<TaskTypeInfo>& TaskTypes() { return kTypes; }

const TaskTypeInfo* FindTaskType(std::string_view name) {
  for (const TaskTypeInfo& t : kTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const std::vector<ProvisionHook>& ProvisionHooks() { return kHooks; }

Result<json> ValidateTaskArgs(std::string_view type, const json& args, const TaskLimits& limits) {
  if (FindTaskType(type) == nullptr) {
    std::string names;
    for (const auto& t : kTypes) names += (names.empty() ? "" : ", ") + std::string(t.name);
    return InvalidArgument("type: unknown task type \"" + std::string(type).substr(0, 64) + "\" (known: " + names + ")");
  }
  if (!args.is_object()) return InvalidArgument("args: expected a JSON object");
  if (type == "refresh") {
    if (Status s = CheckRefreshArgs(args); !s.ok()) return s.error();
    return args;
  }
  if (type == "provision") {
    if (Status s = CheckProvisionArgs(args); !s.ok()) return s.error();
    json out = args;
    if (!out.contains("args")) out["args"] = json::object();
    return out;
  }
  auto body = BuildRequest(type, args, kPlaceholderKey, limits);
  if (!body) return body.error();
  if (Status s = CheckEncodes(*body); !s.ok()) return s.error();
  // Normalised: the request's JSON form without the key Ruru fills in.
  if (type == "get_parameter_names") {
    const auto& gpn = std::get<cwmp::GetParameterNames>(*body);
    return json{{"path", gpn.parameter_path}, {"next_level", gpn.next_level}};
  }
  if (type == "add_object" || type == "delete_object" || type == "get_parameter_values" ||
      type == "get_parameter_attributes") {
    return args;
  }
  json out = BodyJson(*body);
  if (type != "cancel_transfer") {
    out.erase("command_key");
    out.erase("parameter_key");
  }
  return out;
}

std::string NewReconcileKey() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(std::rand());
  }
  char out[32];
  std::snprintf(out, sizeof out, "ruru-%02x%02x%02x%02x%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3],
                bytes[4], bytes[5], bytes[6], bytes[7]);
  return out;
}

bool IsTransientFault(uint32_t code) {
  switch (code) {
    case 9002: case 9004: case 9010: case 9011: case 9014: case 9015: case 9017: case 9020:
      return true;
    default:
      return false;
  }
}

std::chrono::seconds RetryBackoff(int attempt, std::chrono::seconds base, std::chrono::seconds max) {
  std::chrono::seconds d = base;
  for (int i = 1; i < attempt && d < max; ++i) d *= 2;
  return std::min(d, max);
}

Reconciliation Reconcile(const db::Task& t, const InformFacts& f, bool stale) {
  Reconciliation r;
  const std::string_view type = t.type;
  const std::string_view m_event = CompletionEvent(type);
  const bool reported = !m_event.empty() && !t.reconcile_key.empty() && HasEvent(f, m_event, t.reconcile_key, true);
  auto done = [&](json result, std::string why) {
    r.verdict = Verdict::kDone;
    r.result = std::move(result);
    r.why = std::move(why);
    return r;
  };
  auto verdict = [&](Verdict v, std::string why) {
    r.verdict = v;
    r.why = std::move(why);
    return r;
  };

  if (t.phase == db::TaskPhase::kClaimed) {
    // Nothing was sent: safe to give back once its holder is gone.
    return stale ? verdict(Verdict::kRequeue, "claimed by a session that ended before sending it") : r;
  }
  // Proof in the Inform settles the task whoever holds it.
  // A device that accepted a Reboot or FactoryReset carries it out when that session ends, before
  // any other session (cpesim does so even when the session fails). So once the session that sent
  // it is gone, an Inform in a new session with no boot since the RPC went out (the inventory's
  // events say so, not only this Inform) proves it never took effect: it is sent again.
  if (type == "reboot") {
    if (reported) return done(json{{"confirmed_by", "M Reboot"}}, "the device informed with \"M Reboot\"");
    if (HasEvent(f, "1 BOOT") || t.booted_since_sent) {
      return done(json{{"confirmed_by", "1 BOOT"}}, "the device booted (without reporting \"M Reboot\")");
    }
    if (stale && t.phase == db::TaskPhase::kSent) {
      return verdict(Verdict::kRequeue, "its session ended and the device informed again without booting: the "
                                        "Reboot never took effect");
    }
    return verdict(Verdict::kKeep, "no reboot reported yet");
  }
  if (type == "factory_reset") {
    if (HasEvent(f, "0 BOOTSTRAP") || t.bootstrapped_since_sent) {
      return done(json{{"confirmed_by", "0 BOOTSTRAP"}}, "the device bootstrapped");
    }
    if (stale && t.phase == db::TaskPhase::kSent) {
      return verdict(Verdict::kRequeue, "its session ended and the device informed again without bootstrapping: "
                                        "the FactoryReset never took effect");
    }
    return verdict(Verdict::kKeep, "no bootstrap reported yet");
  }
  if (type == "schedule_inform" && reported) {
    return done(json{{"confirmed_by", "M ScheduleInform"}}, "the scheduled Inform arrived");
  }
  if (IsTransfer(type) || type == "change_du_state") {
    if (t.phase == db::TaskPhase::kAwaiting) return verdict(Verdict::kKeep, "waiting for the completion report");
    if (reported) return verdict(Verdict::kAwait, "the device reported " + std::string(m_event) + ": its report follows");
    if (!stale) return r;
    if (type == "change_du_state") return verdict(Verdict::kKeep, "delivery unknown: waiting (no probe for ChangeDUState)");
    return verdict(Verdict::kProbe, "delivery unknown: asking the device for its queued transfers");
  }
  if (t.phase == db::TaskPhase::kAwaiting) return verdict(Verdict::kKeep, "waiting");
  if (!stale) return r;
  // Sent, holder gone, no answer known.
  const TaskTypeInfo* info = FindTaskType(type);
  if (info != nullptr && info->key == KeyKind::kParameterKey) {
    if (f.parameter_key) {
      if (*f.parameter_key == t.reconcile_key) {
        return done(json{{"reconciled", true}, {"confirmed_by", "ParameterKey"}},
                    "the Inform's ParameterKey is the task's: it was applied");
      }
      return verdict(Verdict::kRequeue, "the Inform's ParameterKey is not the task's: it was not applied");
    }
    return verdict(Verdict::kProbe, "delivery unknown: reading ManagementServer.ParameterKey");
  }
  // Reads, attribute changes, ScheduleInform, CancelTransfer: harmless to send again.
  return verdict(Verdict::kRequeue, "its answer was lost; it is safe to send again");
}

TaskOutcome OutcomeOfTransferComplete(const cwmp::TransferComplete& report) {
  TaskOutcome o;
  if (report.fault.code != 0) {
    o.kind = Kind::kFault;
    o.fault_code = report.fault.code;
    o.fault_message =
        report.fault.message.empty() ? std::string(cwmp::StandardFaultText(report.fault.code)) : report.fault.message;
    o.fault_rpc = "TransferComplete";
  }
  o.result = json{{"start_time", report.start_time}, {"complete_time", report.complete_time}};
  return o;
}

TaskOutcome OutcomeOfDuStateChangeComplete(const cwmp::DUStateChangeComplete& report) {
  TaskOutcome o;
  cwmp::Envelope env;
  env.ns = cwmp::Namespace::kCwmp12;
  env.body = report;
  o.result = json{{"results", json(cwmp::ToJson(env)["body"]["results"])}};
  for (const auto& r : report.results) {
    if (r.fault.code != 0) {
      o.kind = Kind::kFault;
      o.fault_code = r.fault.code;
      o.fault_message = r.fault.message;
      o.fault_rpc = "DUStateChangeComplete";
      o.fault_detail = o.result["results"].dump(-1, ' ', false, json::error_handler_t::replace);
      break;
    }
  }
  return o;
}

std::vector<std::string> TypesCompletedBy(std::string_view report_rpc) {
  if (report_rpc == "TransferComplete") return {"download", "upload", "schedule_download"};
  if (report_rpc == "DUStateChangeComplete") return {"change_du_state"};
  return {};
}

Result<std::unique_ptr<TaskRunner>> TaskRunner::Create(const db::Task& task, const InformFacts& facts,
                                                       const TaskLimits& limits, bool probe,
                                                       const access::SecretBox* secrets) {
  json args = json::parse(task.args_json.empty() ? "{}" : task.args_json, nullptr, false);
  if (args.is_discarded()) return InvalidArgument("stored args are not JSON");
  if (secrets != nullptr) {
    auto opened = OpenTaskSecrets(args, *secrets, task.device_id);
    if (!opened) return opened.error();
    args = std::move(*opened);
  }
  if (auto checked = ValidateTaskArgs(task.type, args, limits); !checked) return checked.error();
  const TaskTypeInfo* info = FindTaskType(task.type);
  if (probe) {
    if (IsTransfer(task.type)) {
      return std::unique_ptr<TaskRunner>(std::make_unique<ProbeRunner>(task.reconcile_key, true, facts.root));
    }
    if (info->key == KeyKind::kParameterKey) {
      return std::unique_ptr<TaskRunner>(std::make_unique<ProbeRunner>(task.reconcile_key, false, facts.root));
    }
    return InvalidArgument("task type " + task.type + " has no probe");
  }
  if (task.type == "refresh") {
    return std::unique_ptr<TaskRunner>(std::make_unique<RefreshRunner>(RefreshPath(args, facts.root), limits));
  }
  if (task.type == "provision") {
    const ProvisionHook* hook = FindHook(args["hook"].get<std::string>());
    std::vector<cwmp::Body> requests = hook->requests(args.value("args", json::object()), facts.root);
    for (cwmp::Body& b : requests) {
      std::visit(
          [&](auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (requires { m.parameter_key; }) m.parameter_key = task.reconcile_key;
            if constexpr (std::is_same_v<T, cwmp::Reboot> || std::is_same_v<T, cwmp::Download>) {
              m.command_key = task.reconcile_key;
            }
          },
          b);
    }
    return std::unique_ptr<TaskRunner>(std::make_unique<ProvisionRunner>(args["hook"].get<std::string>(), requests));
  }
  auto body = BuildRequest(task.type, args, task.reconcile_key, limits);
  if (!body) return body.error();
  if (auto* add = std::get_if<cwmp::AddObject>(&*body)) {
    return std::unique_ptr<TaskRunner>(std::make_unique<AddObjectRunner>(*add));
  }
  return std::unique_ptr<TaskRunner>(std::make_unique<SingleRunner>(task.type, std::move(*body)));
}

}  // namespace ruru::acs::tasks
